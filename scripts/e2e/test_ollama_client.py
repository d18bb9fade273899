"""The official `ollama` Python client against Switchyard in front of a real llama-server."""
import ollama
import pytest


@pytest.fixture
def client(proxy):
    return ollama.Client(host=proxy)


def test_lists_and_describes_models(client):
    models = client.list().models
    assert [m.model for m in models] == ["tiny:latest"]
    assert len(models[0].digest) == 64
    assert models[0].details.family
    show = client.show("tiny")
    assert "completion" in show.capabilities
    arch = show.modelinfo["general.architecture"]
    assert show.modelinfo[f"{arch}.context_length"] == 2048  # the context llama-server serves


def test_chat_without_streaming(client):
    reply = client.chat(model="tiny", messages=[{"role": "user", "content": "Say hello"}],
                        options={"num_predict": 5, "temperature": 0})
    assert reply.done and reply.done_reason == "length"
    assert reply.message.role == "assistant" and reply.message.content
    assert reply.eval_count == 5  # from llama-server's usage
    assert reply.prompt_eval_count > 0 and reply.eval_duration > 0 and reply.total_duration > 0
    assert reply.model == "tiny"


def test_chat_streams_chunk_by_chunk(client):
    parts = list(client.chat(model="tiny:latest", messages=[{"role": "user", "content": "Say hello"}], stream=True,
                             options={"num_predict": 8, "temperature": 0}))
    assert len(parts) == 9  # one per token, then the final one
    assert all(not p.done and p.message.content for p in parts[:-1])
    final = parts[-1]
    assert final.done and final.done_reason == "length" and final.eval_count == 8
    assert all(p.model == "tiny:latest" for p in parts)  # echoed as sent


def test_a_model_that_stops_by_itself_says_stop(client):
    reasons = {client.chat(model="tiny", messages=[{"role": "user", "content": "hi"}],
                           options={"num_predict": 200, "temperature": 1, "seed": seed}).done_reason
               for seed in range(1, 6)}
    assert "stop" in reasons


def test_generate_with_system_prompt(client):
    reply = client.generate(model="tiny", prompt="Why is the sky blue?", system="Be brief.",
                            options={"num_predict": 4, "temperature": 0})
    assert reply.done and reply.response and reply.eval_count == 4
    parts = list(client.generate(model="tiny", prompt="Why?", stream=True, options={"num_predict": 3, "temperature": 0}))
    assert parts[-1].done and "".join(p.response for p in parts[:-1])


def test_options_reach_the_upstream(client):
    # With the same seed and temperature the upstream samples the same tokens; a different
    # stop list changes where it ends.
    first = client.chat(model="tiny", messages=[{"role": "user", "content": "hi"}],
                        options={"seed": 42, "temperature": 1.0, "num_predict": 12})
    again = client.chat(model="tiny", messages=[{"role": "user", "content": "hi"}],
                        options={"seed": 42, "temperature": 1.0, "num_predict": 12})
    assert first.message.content == again.message.content
    greedy = client.chat(model="tiny", messages=[{"role": "user", "content": "hi"}],
                         options={"temperature": 0, "num_predict": 6})
    word = greedy.message.content.split()[0]
    stopped = client.chat(model="tiny", messages=[{"role": "user", "content": "hi"}],
                          options={"temperature": 0, "num_predict": 6, "stop": [word]})
    assert word not in stopped.message.content and stopped.done_reason == "stop"


def test_ps_lists_the_model_after_use(client):
    client.chat(model="tiny", messages=[{"role": "user", "content": "hi"}], options={"num_predict": 1}, keep_alive="10m")
    running = client.ps().models
    assert [m.model for m in running] == ["tiny:latest"]
    assert running[0].context_length == 2048


def test_unknown_model_is_404(client):
    with pytest.raises(ollama.ResponseError) as error:
        client.chat(model="missing", messages=[{"role": "user", "content": "hi"}])
    assert error.value.status_code == 404
    assert "model 'missing' not found" in error.value.error


def test_model_management_is_refused_with_a_reason(client):
    with pytest.raises(ollama.ResponseError) as error:
        client.pull("tiny")
    assert error.value.status_code == 501 and "upstream" in error.value.error


def test_embeddings(embed_proxy):
    client = ollama.Client(host=embed_proxy)
    vectors = client.embed(model="tiny-embed", input=["hello world", "switchyard"]).embeddings
    assert len(vectors) == 2 and len(vectors[0]) == 64
    assert abs(sum(x * x for x in vectors[0]) - 1) < 1e-6
    assert len(client.embeddings(model="tiny-embed:latest", prompt="hello").embedding) == 64
