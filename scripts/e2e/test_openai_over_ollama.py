"""The official `openai` SDK against Switchyard configured for an Ollama upstream:
client → Switchyard (upstream dialect ollama) → Switchyard (Ollama surface) → real llama-server.
The round trip must keep content, usage and finish reasons."""
import asyncio

import ollama
import openai
import pytest


@pytest.fixture
def chained(ollama_chain):
    return openai.OpenAI(base_url=ollama_chain + "/v1", api_key="unused", max_retries=0)


@pytest.fixture
def direct(proxy):
    return openai.OpenAI(base_url=proxy + "/v1", api_key="unused", max_retries=0)


def ask(client, **extra):
    return client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "Say hello"}],
                                          max_tokens=7, temperature=0, **extra)


def test_chat_round_trip_keeps_content_usage_and_finish_reason(chained, direct):
    through, straight = ask(chained), ask(direct)
    assert through.object == "chat.completion" and through.id.startswith("chatcmpl-")
    assert through.choices[0].message.content == straight.choices[0].message.content
    assert through.choices[0].finish_reason == straight.choices[0].finish_reason == "length"
    assert through.usage.completion_tokens == straight.usage.completion_tokens == 7


def test_streaming_round_trip(chained, direct):
    def collect(client):
        chunks = list(ask(client, stream=True, stream_options={"include_usage": True}))
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        reasons = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
        return text, reasons, chunks[-1].usage.completion_tokens
    assert collect(chained) == collect(direct)


def test_async_client(ollama_chain):
    async def run():
        client = openai.AsyncOpenAI(base_url=ollama_chain + "/v1", api_key="unused", max_retries=0)
        reply = await client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "hi"}],
                                                     max_tokens=3, temperature=0)
        stream = await client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "hi"}],
                                                      max_tokens=3, temperature=0, stream=True)
        return reply, [chunk async for chunk in stream]
    reply, chunks = asyncio.run(run())
    assert reply.choices[0].message.content
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason in ("length", "stop")


def test_legacy_completions(chained):
    reply = chained.completions.create(model="tiny", prompt="Once upon a time", max_tokens=4, temperature=0)
    assert reply.choices[0].text and reply.usage.completion_tokens == 4


def test_models(chained):
    assert [m.id for m in chained.models.list().data] == ["tiny:latest"]
    assert chained.models.retrieve("tiny").id == "tiny"
    with pytest.raises(openai.NotFoundError):
        chained.models.retrieve("missing")


def test_unknown_model_raises_not_found(chained):
    with pytest.raises(openai.NotFoundError) as error:
        chained.chat.completions.create(model="missing", messages=[{"role": "user", "content": "hi"}])
    assert "model 'missing' not found" in str(error.value)


def test_embeddings_in_both_encodings(ollama_chain_embed):
    client = openai.OpenAI(base_url=ollama_chain_embed + "/v1", api_key="unused", max_retries=0)
    as_base64 = client.embeddings.create(model="tiny-embed", input=["hello", "world"])  # the SDK's default
    as_floats = client.embeddings.create(model="tiny-embed", input=["hello", "world"], encoding_format="float")
    assert [d.index for d in as_base64.data] == [0, 1] and len(as_base64.data[0].embedding) == 64
    assert all(abs(a - b) < 1e-6 for a, b in zip(as_base64.data[0].embedding, as_floats.data[0].embedding))


def test_ollama_clients_pass_straight_through(ollama_chain):
    client = ollama.Client(host=ollama_chain)
    assert [m.model for m in client.list().models] == ["tiny:latest"]
    reply = client.chat(model="tiny", messages=[{"role": "user", "content": "hi"}], options={"num_predict": 3})
    assert reply.done and reply.eval_count <= 3
