"""The official `openai` Python SDK against Switchyard (same dialect: a pass-through)."""
import asyncio

import openai
import pytest


@pytest.fixture
def client(proxy):
    return openai.OpenAI(base_url=proxy + "/v1", api_key="unused", max_retries=0)


def test_models(client):
    assert [m.id for m in client.models.list().data] == ["tiny"]


def test_retrieve_a_model(client):
    """llama-server has no GET /v1/models/{id}: Switchyard answers it from the model list."""
    model = client.models.retrieve("tiny")
    assert (model.id, model.object, model.owned_by) == ("tiny", "model", "llamacpp")
    with pytest.raises(openai.NotFoundError) as refused:
        client.models.retrieve("no-such-model")
    assert refused.value.body["code"] == "model_not_found"


def test_chat_completion(client):
    reply = client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "hi"}],
                                           max_tokens=4, temperature=0)
    assert reply.choices[0].finish_reason == "length"
    assert reply.choices[0].message.content
    assert reply.usage.completion_tokens == 4


def test_streaming_chat_with_usage(client):
    chunks = list(client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "hi"}],
                                                 max_tokens=5, temperature=0, stream=True,
                                                 stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    assert chunks[-1].usage.completion_tokens == 5


def test_async_streaming(proxy):
    async def run():
        client = openai.AsyncOpenAI(base_url=proxy + "/v1", api_key="unused", max_retries=0)
        stream = await client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "hi"}],
                                                      max_tokens=3, stream=True)
        return [chunk async for chunk in stream]
    chunks = asyncio.run(run())
    assert any(c.choices and c.choices[0].finish_reason for c in chunks)


def test_legacy_completions(client):
    reply = client.completions.create(model="tiny", prompt="Once upon a time", max_tokens=3, temperature=0)
    assert reply.choices[0].text


def test_bad_request_raises_in_openai_shape(proxy):
    client = openai.OpenAI(base_url=proxy + "/v1", api_key="unused", max_retries=0)
    with pytest.raises(openai.BadRequestError) as error:
        client.chat.completions.create(model="", messages=[{"role": "user", "content": "hi"}])
    assert "model" in error.value.message


def test_embeddings(embed_proxy):
    client = openai.OpenAI(base_url=embed_proxy + "/v1", api_key="unused", max_retries=0)
    result = client.embeddings.create(model="tiny-embed", input=["hello", "world"])
    assert [d.index for d in result.data] == [0, 1] and len(result.data[0].embedding) == 64
