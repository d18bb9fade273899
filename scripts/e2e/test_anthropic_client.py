"""The official `anthropic` SDK (what Claude Code is built on) against Switchyard's /v1/messages:
passed through to a real llama-server that serves it, translated over an upstream with only
chat completions (the same real llama-server behind a relay), and over an Ollama upstream."""
import anthropic
import openai
import pytest

WEATHER = {"name": "get_weather", "description": "Current weather in a city", "input_schema": {
    "type": "object", "required": ["city"], "properties": {
        "city": {"type": "string", "enum": ["Paris", "Tokyo"]},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}}}
# Recent SDKs dropped `temperature` from their signatures; the API (and Switchyard) still take it.
T0 = {"temperature": 0}
HELLO = [{"role": "user", "content": "Say hello to the world"}]


def client(url, **options):
    return anthropic.Anthropic(base_url=url, api_key="unused", max_retries=0, **options)


@pytest.mark.parametrize("surface", ["proxy", "chat_only_proxy", "ollama_chain"])
def test_message(surface, request):
    message = client(request.getfixturevalue(surface)).messages.create(
        model="tiny", max_tokens=6, extra_body=T0, system="You are terse.", messages=HELLO)
    assert message.type == "message" and message.role == "assistant"
    assert message.content[0].type == "text" and message.content[0].text
    assert message.stop_reason == "max_tokens"
    assert message.usage.output_tokens == 6


@pytest.mark.parametrize("surface", ["proxy", "chat_only_proxy", "ollama_chain"])
def test_streamed_message_adds_up(surface, request):
    api = client(request.getfixturevalue(surface))
    with api.messages.stream(model="tiny", max_tokens=6, extra_body=T0, messages=HELLO) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert "".join(pieces) == final.content[0].text and pieces
    assert final.stop_reason == "max_tokens" and final.usage.output_tokens == 6
    whole = api.messages.create(model="tiny", max_tokens=6, extra_body=T0, messages=HELLO)
    assert whole.content[0].text == final.content[0].text, "temperature 0: streamed and whole agree"


def test_translated_usage_is_the_upstreams_exact_count(chat_only_proxy, proxy):
    message = client(chat_only_proxy).messages.create(model="tiny", max_tokens=4, extra_body=T0, messages=HELLO)
    chat = openai.OpenAI(base_url=proxy + "/v1", api_key="x").chat.completions.create(
        model="tiny", max_tokens=4, temperature=0, messages=HELLO)
    assert message.usage.input_tokens == chat.usage.prompt_tokens
    counted = client(chat_only_proxy).messages.count_tokens(model="tiny", messages=HELLO)
    assert counted.input_tokens == chat.usage.prompt_tokens


def test_count_tokens_passed_through(proxy):
    assert client(proxy).messages.count_tokens(model="tiny", messages=HELLO).input_tokens > 0


@pytest.mark.parametrize("surface", ["tools_native_proxy", "tools_chat_only_proxy", "tools_chain"])
def test_streamed_tool_call_then_its_result(surface, request):
    """The tool call streams as input_json_delta fragments (translated from llama-server's
    OpenAI fragments) and the SDK assembles an object; the result goes back as tool_result."""
    api = client(request.getfixturevalue(surface))
    messages = [{"role": "user", "content": "Weather in Paris?"}]
    with api.messages.stream(model="tiny-tools", max_tokens=200, extra_body=T0, tools=[WEATHER],
                             tool_choice={"type": "any"}, messages=messages) as stream:
        final = stream.get_final_message()
    calls = [block for block in final.content if block.type == "tool_use"]
    assert final.stop_reason == "tool_use" and calls
    assert calls[0].name == "get_weather" and calls[0].input.get("city") in ("Paris", "Tokyo")
    messages += [{"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in final.content]},
                 {"role": "user", "content": [{"type": "tool_result", "tool_use_id": calls[0].id, "content": "Sunny, 21 °C"}]}]
    follow_up = api.messages.create(model="tiny-tools", max_tokens=20, extra_body=T0, tools=[WEATHER], messages=messages)
    assert follow_up.type == "message"


def test_whole_tool_call_is_an_object(tools_chat_only_proxy):
    message = client(tools_chat_only_proxy).messages.create(
        model="tiny-tools", max_tokens=200, extra_body=T0, tools=[WEATHER],
        tool_choice={"type": "tool", "name": "get_weather"}, messages=[{"role": "user", "content": "Weather?"}])
    call = next(block for block in message.content if block.type == "tool_use")
    assert isinstance(call.input, dict) and call.input["city"] in ("Paris", "Tokyo")


def test_thinking_blocks_come_first(think_translating_proxy):
    api = client(think_translating_proxy)
    with api.messages.stream(model="tiny-think", max_tokens=12, extra_body=T0,
                             thinking={"type": "enabled", "budget_tokens": 1024}, messages=HELLO) as stream:
        final = stream.get_final_message()
    assert final.content[0].type == "thinking" and final.content[0].thinking
    hidden = api.messages.create(model="tiny-think", max_tokens=12, extra_body=T0,
                                 thinking={"type": "disabled"}, messages=HELLO)
    assert all(block.type != "thinking" for block in hidden.content)


def test_errors_are_anthropic_errors(chat_only_proxy):
    with pytest.raises(anthropic.BadRequestError) as raised:
        client(chat_only_proxy).messages.create(model="tiny", max_tokens=5, messages=[{"role": "system", "content": "x"}])
    assert raised.value.body["error"]["type"] == "invalid_request_error"
    assert "messages.0.role" in raised.value.body["error"]["message"]


def test_untranslated_fields_are_named(chat_only_proxy):
    raw = client(chat_only_proxy).messages.with_raw_response.create(
        model="tiny", max_tokens=4, messages=HELLO, metadata={"user_id": "someone"})
    assert raw.headers["x-switchyard-untranslated"] == "metadata"
    assert raw.parse().type == "message"


@pytest.mark.parametrize("surface", ["proxy", "ollama_chain"])
def test_models_listed_in_anthropics_shape(surface, request):
    api = client(request.getfixturevalue(surface))
    models = list(api.models.list())
    assert "tiny" in [model.id for model in models] or "tiny:latest" in [model.id for model in models]
    assert all(model.type == "model" and model.display_name and model.created_at for model in models)
    one = api.models.retrieve(models[0].id)
    assert one.id == models[0].id and one.type == "model"
