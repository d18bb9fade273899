"""The `openai` SDK's Responses API (what Codex-style agents call) against Switchyard's
/v1/responses: over the real llama-server (whose own route is translated instead, see
NativeRouteProbe), over a chat-completions-only upstream, and over an Ollama upstream."""
import json

import openai
import pytest

WEATHER = {"type": "function", "name": "get_weather", "description": "Current weather in a city",
           "parameters": {"type": "object", "required": ["city"], "properties": {
               "city": {"type": "string", "enum": ["Paris", "Tokyo"]}}}}


def client(url):
    return openai.OpenAI(base_url=url + "/v1", api_key="unused", max_retries=0)


@pytest.mark.parametrize("surface", ["proxy", "chat_only_proxy", "ollama_chain"])
def test_response(surface, request):
    response = client(request.getfixturevalue(surface)).responses.create(
        model="tiny", input="Say hello to the world", instructions="You are terse.", max_output_tokens=6, temperature=0)
    assert response.object == "response" and response.id.startswith("resp_")
    assert response.output_text
    assert response.status == "incomplete" and response.incomplete_details.reason == "max_output_tokens"
    assert response.usage.output_tokens == 6
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens


@pytest.mark.parametrize("surface", ["proxy", "chat_only_proxy", "ollama_chain"])
def test_streamed_response_adds_up(surface, request):
    api = client(request.getfixturevalue(surface))
    events = list(api.responses.create(model="tiny", input="Say hello to the world", max_output_tokens=6,
                                       temperature=0, stream=True))
    assert [event.sequence_number for event in events] == list(range(len(events)))
    assert events[0].type == "response.created" and events[-1].type == "response.incomplete"
    text = "".join(event.delta for event in events if event.type == "response.output_text.delta")
    done = next(event for event in events if event.type == "response.output_text.done")
    assert text and text == done.text == events[-1].response.output_text


@pytest.mark.parametrize("surface", ["tools_llama_proxy", "tools_chat_only_proxy", "tools_chain"])
def test_stream_helper_gets_a_function_call_then_its_output(surface, request):
    api = client(request.getfixturevalue(surface))
    with api.responses.stream(model="tiny-tools", input="Weather in Paris?", tools=[WEATHER],
                              tool_choice="required", max_output_tokens=200, temperature=0) as stream:
        final = stream.get_final_response()
    call = next(item for item in final.output if item.type == "function_call")
    assert call.name == "get_weather" and json.loads(call.arguments)["city"] in ("Paris", "Tokyo")
    follow_up = api.responses.create(
        model="tiny-tools", tools=[WEATHER], max_output_tokens=20, temperature=0,
        input=[{"role": "user", "content": "Weather in Paris?"},
               {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
               {"type": "function_call_output", "call_id": call.call_id, "output": "Sunny"}])
    assert follow_up.object == "response"


def test_previous_response_id_is_refused_plainly(chat_only_proxy):
    with pytest.raises(openai.BadRequestError) as raised:
        client(chat_only_proxy).responses.create(model="tiny", input="x", previous_response_id="resp_123")
    assert "stores no responses" in raised.value.message
