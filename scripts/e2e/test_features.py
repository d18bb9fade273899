"""Tools, thinking, structured output, images, logprobs and fill-in-the-middle through the
official `ollama` client, against Switchyard in front of a real llama-server.

The tool-calling model is biased toward `<tool_call>`; llama-server recognises the format from
its template and constrains the call with a grammar built from the request's tools — so every
call below is one the real server produced and parsed, not a canned answer."""
import base64
import json

import httpx
import ollama
import openai
import pytest

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather in a city",
    "parameters": {"type": "object", "required": ["city"], "properties": {
        "city": {"type": "string", "enum": ["Paris", "Tokyo"]},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}}}}

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def test_tools_capability_is_reported(tools_proxy):
    show = ollama.Client(host=tools_proxy).show("tiny-tools")
    assert "tools" in show.capabilities  # Copilot lists only models that say so


def test_tool_call_without_streaming(tools_proxy):
    reply = ollama.Client(host=tools_proxy).chat(
        model="tiny-tools", messages=[{"role": "user", "content": "Weather in Paris?"}], tools=[WEATHER],
        options={"temperature": 0, "num_predict": 200})
    calls = reply.message.tool_calls
    assert len(calls) == 1
    assert calls[0].function.name == "get_weather"
    assert isinstance(calls[0].function.arguments, dict)  # an object, not OpenAI's string
    assert calls[0].function.arguments["city"] in ("Paris", "Tokyo")
    assert reply.done and reply.done_reason == "stop"


def test_tool_call_streamed_whole_then_answered(tools_proxy):
    client = ollama.Client(host=tools_proxy)
    messages = [{"role": "user", "content": "Weather in Paris?"}]
    parts = list(client.chat(model="tiny-tools", messages=messages, tools=[WEATHER], stream=True,
                             options={"temperature": 0, "num_predict": 200}))
    calls = [call for part in parts for call in (part.message.tool_calls or [])]
    assert len(calls) == 1  # llama-server streamed the arguments in fragments; they arrive whole
    assert calls[0].function.name == "get_weather" and "city" in calls[0].function.arguments
    assert parts[-1].done
    # The client answers the call as Ollama's docs show; the upstream must accept the history.
    messages += [{"role": "assistant", "content": "", "tool_calls": calls},
                 {"role": "tool", "content": "11 degrees celsius", "tool_name": "get_weather"}]
    follow_up = client.chat(model="tiny-tools", messages=messages, tools=[WEATHER],
                            options={"temperature": 0, "num_predict": 200})
    assert follow_up.done  # (this model calls a tool whatever it is told)


def test_tools_on_a_model_without_them_are_refused(proxy):
    with pytest.raises(ollama.ResponseError) as failure:
        ollama.Client(host=proxy).chat(model="tiny", messages=[{"role": "user", "content": "hi"}], tools=[WEATHER])
    assert failure.value.status_code == 400
    assert "does not support tools" in failure.value.error


def test_openai_client_gets_tool_calls_through_an_ollama_upstream(tools_chain):
    client = openai.OpenAI(base_url=tools_chain + "/v1", api_key="unused")
    reply = client.chat.completions.create(
        model="tiny-tools", messages=[{"role": "user", "content": "Weather in Paris?"}], tools=[WEATHER], max_tokens=200,
        temperature=0)
    assert reply.choices[0].finish_reason == "tool_calls"
    call = reply.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather" and json.loads(call.function.arguments)["city"] in ("Paris", "Tokyo")


def test_thinking_is_separate_and_can_be_turned_off(think_proxy):
    client = ollama.Client(host=think_proxy)
    assert "thinking" in client.show("tiny-think").capabilities
    messages = [{"role": "user", "content": "Say hello"}]
    on = client.chat(model="tiny-think", messages=messages, think=True, options={"temperature": 0, "num_predict": 6})
    assert on.message.thinking.strip() == "hello world"
    assert on.message.content.strip().startswith("switchyard")
    streamed = list(client.chat(model="tiny-think", messages=messages, stream=True, options={"temperature": 0, "num_predict": 6}))
    assert "".join(p.message.thinking or "" for p in streamed).strip() == "hello world"
    assert "<think>" not in "".join(p.message.content for p in streamed)
    # think=False reaches the model's template (enable_thinking), so it answers straight away.
    off = client.chat(model="tiny-think", messages=messages, think=False, options={"temperature": 0, "num_predict": 3})
    assert not off.message.thinking
    assert off.message.content.split() == ["switchyard"] * 3


def test_generate_carries_thinking_too(think_proxy):
    reply = ollama.Client(host=think_proxy).generate(model="tiny-think", prompt="Say hello", options={"temperature": 0, "num_predict": 4})
    assert reply.thinking.strip() == "hello world" and reply.response.strip() == "switchyard"


def test_structured_output_follows_the_schema(proxy):
    schema = {"type": "object", "required": ["city", "sunny"],
              "properties": {"city": {"type": "string", "enum": ["Paris", "Tokyo"]}, "sunny": {"type": "boolean"}}}
    reply = ollama.Client(host=proxy).chat(model="tiny", messages=[{"role": "user", "content": "Weather?"}], format=schema,
                                           options={"temperature": 0, "num_predict": 100})
    value = json.loads(reply.message.content)
    assert value["city"] in ("Paris", "Tokyo") and isinstance(value["sunny"], bool)
    plain_json = ollama.Client(host=proxy).generate(model="tiny", prompt="Anything", format="json",
                                                    options={"temperature": 0, "num_predict": 100})
    assert isinstance(json.loads(plain_json.response), dict)


def test_images_for_a_model_without_vision_are_refused_plainly(proxy):
    with pytest.raises(ollama.ResponseError) as failure:
        ollama.Client(host=proxy).chat(model="tiny", messages=[{"role": "user", "content": "What is this?", "images": [PNG]}])
    assert failure.value.status_code == 400
    assert "does not support images" in failure.value.error


def test_images_reach_the_upstream_and_its_refusal_comes_back_as_a_400(vision_claimed_proxy):
    # With vision claimed by configuration, Switchyard sends the image as a data-URL part; the
    # real llama-server (no projector) refuses it with a 500, which is the request's fault.
    with pytest.raises(ollama.ResponseError) as failure:
        ollama.Client(host=vision_claimed_proxy).generate(model="tiny", prompt="What is this?", images=[PNG])
    assert failure.value.status_code == 400
    assert "image input is not supported" in failure.value.error  # llama-server's own words


def test_bad_base64_image_is_a_400(proxy):
    # The ollama client checks base64 itself, so send what a less careful client would.
    response = httpx.post(proxy + "/api/generate", json={"model": "tiny", "prompt": "What?", "images": ["not base64!"]})
    assert response.status_code == 400
    assert response.json() == {"error": "images[0] is not valid base64 image data"}


def test_logprobs(proxy):
    reply = ollama.Client(host=proxy).chat(model="tiny", messages=[{"role": "user", "content": "hi"}], logprobs=True,
                                           top_logprobs=2, options={"temperature": 0, "num_predict": 3})
    assert len(reply.logprobs) == 3
    assert "".join(entry.token for entry in reply.logprobs) == reply.message.content
    assert all(len(entry.top_logprobs) == 2 and entry.logprob <= 0 for entry in reply.logprobs)


def test_fill_in_the_middle_and_raw_are_text_completions(proxy):
    client = ollama.Client(host=proxy)
    fill = client.generate(model="tiny", prompt="def add(a, b):", suffix="    return a + b", options={"temperature": 0, "num_predict": 4})
    assert fill.done and fill.response and fill.eval_count == 4
    raw = client.generate(model="tiny", prompt="<|im_start|>user\nhi<|im_end|>\n", raw=True, options={"temperature": 0, "num_predict": 3})
    assert raw.response and raw.eval_count == 3
    with pytest.raises(ollama.ResponseError) as failure:
        client.generate(model="tiny", prompt="p", raw=True, system="be brief")
    assert failure.value.status_code == 400
