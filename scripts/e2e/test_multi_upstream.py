"""Several upstreams behind one Switchyard (`--config`), as users list and chat with them through
the official clients: two real llama-servers serving different models, and an Ollama-dialect
upstream (the Ollama surface of a second Switchyard in front of the first llama-server, since
no real Ollama can run here) that serves a model of the same name as the first."""
import signal
import time

import anthropic
import httpx
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
    # Greedy, as the Ollama call above: sampled, a random tiny model may end at once with nothing.
    stream = client.chat.completions.create(model=name, messages=[{"role": "user", "content": "Say hello"}], max_tokens=5,
                                            temperature=0, stream=True)
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


def test_derived_models_apply_their_settings_and_survive_a_restart(llama, scratch):
    state = f"{scratch}/state-derived"
    question = [{"role": "user", "content": "hi"}]
    with servers.switchyard(llama, scratch, name="switchyard-derived", extra_args=["--state-dir", state]) as (url, _):
        client = ollama.Client(host=url)
        progress = [part.status for part in client.create(model="pirate", from_="tiny", system="You are a pirate. Answer as one.",
                                                          parameters={"temperature": 0, "num_predict": 4}, stream=True)]
        assert progress[-1] == "success"
        assert "pirate:latest" in {model.model for model in client.list().models}
        plain = client.chat(model="tiny", messages=question, options={"num_predict": 2})
        derived = client.chat(model="pirate", messages=question)
        # The system prompt reached the model (a longer prompt), and num_predict its sampler.
        assert derived.prompt_eval_count > plain.prompt_eval_count
        assert derived.eval_count <= 4
        own = client.chat(model="pirate", messages=[{"role": "system", "content": "Be brief."}, *question])
        assert own.prompt_eval_count < derived.prompt_eval_count, "a client's system message replaces the derived one"
        reply = openai.OpenAI(base_url=url + "/v1", api_key="unused", max_retries=0).chat.completions.create(
            model="pirate", messages=question)
        assert reply.usage.prompt_tokens == derived.prompt_eval_count, "the same prompt on the OpenAI surface"
    with servers.switchyard(llama, scratch, name="switchyard-derived-again", extra_args=["--state-dir", state]) as (url, _):
        client = ollama.Client(host=url)
        shown = client.show("pirate")
        # The ollama client's ShowResponse has no field for it; Ollama's JSON has.
        assert httpx.post(url + "/api/show", json={"model": "pirate"}).json()["system"] == "You are a pirate. Answer as one."
        assert "temperature" in shown.parameters and "num_predict" in shown.parameters
        assert shown.modelfile.startswith("# Modelfile generated by Switchyard\nFROM default/tiny\n")
        client.delete("pirate")
        assert "pirate:latest" not in {model.model for model in client.list().models}


def test_sighup_reloads_the_config_file_and_a_bad_one_changes_nothing(llama, tools_llama, scratch):
    config = f"{scratch}/reload.yaml"
    with open(config, "w") as file:
        file.write(f"upstreams:\n  - name: local\n    url: {llama}\n")
    with servers.switchyard(None, scratch, name="switchyard-reload", extra_args=["--config", config]) as (url, proc):
        client = ollama.Client(host=url)
        assert {model.model for model in client.list().models} == {"tiny:latest"}
        with open(config, "a") as file:
            file.write(f"  - name: tools\n    url: {tools_llama}\n")
        proc.process.send_signal(signal.SIGHUP)
        wait_for(lambda: {model.model for model in client.list().models} == {"tiny:latest", "tiny-tools:latest"})
        assert client.chat(model="tiny-tools", messages=[{"role": "user", "content": "hi"}], options={"num_predict": 2}).done

        with open(config, "w") as file:
            file.write(f"upstreams:\n  - name: local\n    url: {llama}\n    dialect: grpc\n")
        proc.process.send_signal(signal.SIGHUP)
        wait_for(lambda: "configuration not reloaded" in proc.output())
        assert f"{config} line 4: upstreams[0].dialect" in proc.output()
        assert proc.process.poll() is None
        assert {model.model for model in client.list().models} == {"tiny:latest", "tiny-tools:latest"}, "the old one stays"


def test_sighup_without_a_config_file_is_no_reason_to_exit(llama, scratch):
    with servers.switchyard(llama, scratch, name="switchyard-hup") as (url, proc):
        proc.process.send_signal(signal.SIGHUP)
        wait_for(lambda: "nothing to reload" in proc.output())
        assert proc.process.poll() is None
        assert ollama.Client(host=url).list().models


def wait_for(condition, seconds=10):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.05)
