"""Several upstreams behind one Switchyard (`--config`), as users list and chat with them through
the official clients: two real llama-servers serving different models, and an Ollama-dialect
upstream (the Ollama surface of a second Switchyard in front of the first llama-server, since
no real Ollama can run here) that serves a model of the same name as the first."""
import anthropic
import ollama
import openai
import pytest

import servers
from test_cli import run


@pytest.fixture(scope="session")
def multi(llama, tools_llama, proxy, scratch):
    config = f"{scratch}/multi.yaml"
    with open(config, "w") as file:
        file.write(f"""\
upstreams:
  - name: local
    url: {llama}
  - name: tools
    url: {tools_llama}/v1
  - name: lab
    url: {proxy}
    dialect: ollama
models:
  tiny-tools:
    capabilities: [completion, tools]
""")
    with servers.switchyard(None, scratch, name="switchyard-multi", extra_args=["--config", config]) as (url, _):
        yield url


EXPECTED = {"tiny:latest", "tiny-tools:latest", "lab/tiny:latest"}


def test_the_lists_show_every_upstreams_models(multi):
    assert {model.model for model in ollama.Client(host=multi).list().models} == EXPECTED
    ids = {model.id for model in openai.OpenAI(base_url=multi + "/v1", api_key="unused").models.list()}
    assert ids == {"tiny", "tiny-tools", "lab/tiny:latest"}
    shown = ollama.Client(host=multi).show("tiny-tools")
    assert "tools" in shown.capabilities, "the config file's override wins"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_model_answers_through_every_surface(multi, name):
    reply = ollama.Client(host=multi).chat(model=name, messages=[{"role": "user", "content": "Say hello"}],
                                           options={"num_predict": 5, "temperature": 0})
    assert reply.message.content and reply.done
    client = openai.OpenAI(base_url=multi + "/v1", api_key="unused", max_retries=0)
    stream = client.chat.completions.create(model=name, messages=[{"role": "user", "content": "Say hello"}], max_tokens=5,
                                            stream=True)
    assert "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    message = anthropic.Anthropic(base_url=multi, api_key="unused", max_retries=0).messages.create(
        model=name, max_tokens=5, messages=[{"role": "user", "content": "Say hello"}])
    # A random tiny model may stop at once (sampled), so what is asserted is that it generated.
    assert message.type == "message" and message.usage.output_tokens >= 1
    assert message.stop_reason in ("max_tokens", "end_turn")


def test_an_unknown_model_is_a_404_in_each_dialect(multi):
    with pytest.raises(ollama.ResponseError) as refused:
        ollama.Client(host=multi).chat(model="nothing", messages=[{"role": "user", "content": "hi"}])
    assert refused.value.status_code == 404
    with pytest.raises(openai.NotFoundError):
        openai.OpenAI(base_url=multi + "/v1", api_key="unused", max_retries=0).chat.completions.create(
            model="lab/nothing", messages=[{"role": "user", "content": "hi"}])


def test_a_bad_config_file_is_refused_with_its_line(scratch):
    config = f"{scratch}/bad.yaml"
    with open(config, "w") as file:
        file.write("upstreams:\n  - name: local\n    url: http://127.0.0.1:1\n    dialect: grpc\n")
    result = run("serve", "--config", config)
    assert result.returncode != 0
    assert result.stderr.strip() == (
        f"switchyard: error: {config} line 4: upstreams[0].dialect: 'grpc': expected openai, ollama or auto")


def test_aliases_made_with_copy_are_served_and_survive_a_restart(llama, scratch):
    state = f"{scratch}/state-aliases"
    with servers.switchyard(llama, scratch, name="switchyard-aliases", extra_args=["--state-dir", state]) as (url, _):
        client = ollama.Client(host=url)
        client.copy("tiny", "my-assistant")
        assert "my-assistant:latest" in {model.model for model in client.list().models}
        assert client.chat(model="my-assistant", messages=[{"role": "user", "content": "hi"}], options={"num_predict": 3}).done
        with pytest.raises(ollama.ResponseError) as refused:
            client.delete("tiny")
        assert refused.value.status_code == 403
    with servers.switchyard(llama, scratch, name="switchyard-aliases-again", extra_args=["--state-dir", state]) as (url, _):
        client = ollama.Client(host=url)
        assert "my-assistant:latest" in {model.model for model in client.list().models}, "kept in the state directory"
        reply = openai.OpenAI(base_url=url + "/v1", api_key="unused", max_retries=0).chat.completions.create(
            model="my-assistant", messages=[{"role": "user", "content": "hi"}], max_tokens=3)
        assert reply.choices[0].message.content is not None
        client.delete("my-assistant")
        assert "my-assistant:latest" not in {model.model for model in client.list().models}
