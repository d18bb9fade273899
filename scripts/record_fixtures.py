#!/usr/bin/env python3
"""Records real traffic, byte for byte: llama-server's own answers into Fixtures/llama-server/,
and the Ollama surface of a Switchyard in front of it into Fixtures/switchyard-ollama/ (the
Ollama upstream the reverse translation is tested against; no real Ollama can run here).

The integration tests replay these files from an in-process fake upstream, so they exercise
the exact framing a real server sends (compact JSON, `data: …\\n\\n`, the usage chunk, timings).
Run it again after changing the tiny model or the llama.cpp version:
    scripts/e2e.sh --record     (or: python3 scripts/record_fixtures.py)
"""
import http.client
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "e2e"))
import servers  # noqa: E402

OUT = servers.ROOT / "Fixtures" / "llama-server"
OLLAMA_OUT = servers.ROOT / "Fixtures" / "switchyard-ollama"


def request(base, method, path, body=None):
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    payload = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if payload else {}
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def save(name, data, request_body=None, out=OUT):
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_bytes(data)
    if request_body is not None:
        stem = name.rsplit(".", 1)[0]
        (out / f"{stem}.request.json").write_text(json.dumps(request_body, indent=2) + "\n")
    print(f"recorded {out.name}/{name} ({len(data)} bytes)")


def record_ollama_surface(base, embed_base):
    """What an Ollama upstream sends, as Switchyard's own Ollama surface produces it."""
    def save_ollama(name, method, path, body=None, at=base):
        status, data = request(at, method, path, body)
        save(name, data, body, out=OLLAMA_OUT)
        return status
    save_ollama("version.json", "GET", "/api/version")
    save_ollama("tags.json", "GET", "/api/tags")
    save_ollama("show.json", "POST", "/api/show", {"model": "tiny"})
    chat = {"model": "tiny", "messages": [{"role": "user", "content": "Say hello to the world"}],
            "options": {"temperature": 0, "num_predict": 6}}
    save_ollama("chat-stream.ndjson", "POST", "/api/chat", chat)
    save_ollama("chat.json", "POST", "/api/chat", {**chat, "stream": False})
    generate = {"model": "tiny", "prompt": "Once upon a time", "options": {"temperature": 0, "num_predict": 4}}
    save_ollama("generate-stream.ndjson", "POST", "/api/generate", generate)
    save_ollama("generate.json", "POST", "/api/generate", {**generate, "stream": False})
    save_ollama("error-model-not-found.json", "POST", "/api/chat", {"model": "missing", "messages": []})
    save_ollama("embed.json", "POST", "/api/embed", {"model": "tiny-embed", "input": ["hello world", "switchyard"]}, at=embed_base)


def chat_body(stream, **extra):
    body = {"model": "tiny", "messages": [{"role": "system", "content": "You are terse."},
                                          {"role": "user", "content": "Say hello to the world"}],
            "stream": stream, "temperature": 0, "max_tokens": 6}
    if stream:
        body["stream_options"] = {"include_usage": True}
    body.update(extra)
    return body


WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather in a city",
    "parameters": {"type": "object", "required": ["city"], "properties": {
        "city": {"type": "string", "enum": ["Paris", "Tokyo"]},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}}}}

JSON_SCHEMA = {"type": "object", "required": ["city", "sunny"],
               "properties": {"city": {"type": "string", "enum": ["Paris", "Tokyo"]}, "sunny": {"type": "boolean"}}}


def record_features(scratch):
    """Tool calls, reasoning, structured output and logprobs, as llama-server sends them."""
    def user(text):
        return [{"role": "user", "content": text}]
    with servers.llama_server(servers.tiny_model(scratch, "tools"), scratch, alias="tiny-tools") as base:
        body = {"model": "tiny-tools", "messages": user("Weather in Paris?"), "tools": [WEATHER_TOOL],
                "temperature": 0, "max_tokens": 100}
        save("chat-tools.json", request(base, "POST", "/v1/chat/completions", body)[1], body)
        body = {**body, "stream": True, "stream_options": {"include_usage": True}}
        save("chat-tools-stream.sse", request(base, "POST", "/v1/chat/completions", body)[1], body)
        body = {**body, "max_tokens": 55}  # cut inside the arguments
        save("chat-tools-cut-stream.sse", request(base, "POST", "/v1/chat/completions", body)[1], body)
        save("tools-props.json", request(base, "GET", "/props")[1])
    with servers.llama_server(servers.tiny_model(scratch, "think"), scratch, alias="tiny-think") as base:
        body = {"model": "tiny-think", "messages": user("Say hello"), "temperature": 0, "max_tokens": 6}
        save("chat-think.json", request(base, "POST", "/v1/chat/completions", body)[1], body)
        body = {**body, "stream": True, "stream_options": {"include_usage": True}}
        save("chat-think-stream.sse", request(base, "POST", "/v1/chat/completions", body)[1], body)
        save("think-props.json", request(base, "GET", "/props")[1])
    with servers.llama_server(servers.tiny_model(scratch), scratch) as base:
        body = chat_body(False, response_format={"type": "json_schema", "json_schema": {
            "name": "response", "schema": JSON_SCHEMA, "strict": True}}, max_tokens=100)
        save("chat-json-schema.json", request(base, "POST", "/v1/chat/completions", body)[1], body)
        body = chat_body(True, logprobs=True, top_logprobs=2, max_tokens=3)
        save("chat-logprobs-stream.sse", request(base, "POST", "/v1/chat/completions", body)[1], body)
        body = {"model": "tiny", "prompt": "def add(a, b):", "suffix": "    return a + b", "temperature": 0,
                "max_tokens": 4, "stream": True, "stream_options": {"include_usage": True}}
        save("completion-stream.sse", request(base, "POST", "/v1/completions", body)[1], body)
        body = {"model": "tiny", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}], "max_tokens": 4}
        status, data = request(base, "POST", "/v1/chat/completions", body)
        save("error-image-unsupported.json", data, body)
        print(f"  (status {status})")


ANTHROPIC_WEATHER_TOOL = {"name": "get_weather", "description": "Current weather in a city",
                          "input_schema": WEATHER_TOOL["function"]["parameters"]}


def record_native_routes(scratch):
    """llama-server's own Anthropic Messages and Responses routes, which Switchyard passes
    through when the upstream serves them."""
    with servers.llama_server(servers.tiny_model(scratch), scratch, alias="tiny") as base:
        body = {"model": "tiny", "max_tokens": 6, "temperature": 0,
                "messages": [{"role": "user", "content": "Say hello to the world"}]}
        save("messages.json", request(base, "POST", "/v1/messages", body)[1], body)
        body = {**body, "stream": True}
        save("messages-stream.sse", request(base, "POST", "/v1/messages", body)[1], body)
        body = {"model": "tiny", "messages": [{"role": "user", "content": "Say hello to the world"}]}
        save("messages-count-tokens.json", request(base, "POST", "/v1/messages/count_tokens", body)[1], body)
        status, data = request(base, "POST", "/v1/messages", {})
        save("messages-error.json", data)
        print(f"  (status {status})")
        body = {"model": "tiny", "input": "Say hello to the world", "max_output_tokens": 6, "temperature": 0}
        save("responses.json", request(base, "POST", "/v1/responses", body)[1], body)
        body = {**body, "stream": True}
        save("responses-stream.sse", request(base, "POST", "/v1/responses", body)[1], body)
    with servers.llama_server(servers.tiny_model(scratch, "tools"), scratch, alias="tiny-tools") as base:
        body = {"model": "tiny-tools", "max_tokens": 100, "temperature": 0, "tools": [ANTHROPIC_WEATHER_TOOL],
                "messages": [{"role": "user", "content": "Weather in Paris?"}], "stream": True}
        save("messages-tools-stream.sse", request(base, "POST", "/v1/messages", body)[1], body)


def main():
    scratch = servers.scratch_dir()
    if sys.argv[1:] == ["--features"]:  # only the fixtures of tools, reasoning and the like
        record_features(scratch)
        return
    if sys.argv[1:] == ["--native-routes"]:  # only llama-server's Anthropic and Responses routes
        record_native_routes(scratch)
        return
    record_native_routes(scratch)
    model = servers.tiny_model(scratch)
    record_features(scratch)
    with servers.llama_server(model, scratch) as base:
        save("models.json", request(base, "GET", "/v1/models")[1])
        save("props.json", request(base, "GET", "/props")[1])
        body = chat_body(True)
        save("chat-stream.sse", request(base, "POST", "/v1/chat/completions", body)[1], body)
        body = chat_body(False)
        save("chat.json", request(base, "POST", "/v1/chat/completions", body)[1], body)
        # A generation that ends by itself (finish_reason "stop"): sample until one does.
        for seed in range(1, 200):
            body = chat_body(True, temperature=1.0, seed=seed, max_tokens=40)
            status, data = request(base, "POST", "/v1/chat/completions", body)
            if b'"finish_reason":"stop"' in data:
                save("chat-stream-stop.sse", data, body)
                break
        body = {"model": "tiny", "messages": [{"role": "user", "content": "hello " * 3000}], "max_tokens": 4}
        status, data = request(base, "POST", "/v1/chat/completions", body)
        save("error-context-overflow.json", data)
        print(f"  (status {status})")
    with servers.llama_server(model, scratch, alias="tiny-embed", embeddings=True) as base:
        save("embedding-models.json", request(base, "GET", "/v1/models")[1])
        save("embedding-props.json", request(base, "GET", "/props")[1])
        body = {"model": "tiny-embed", "input": ["hello world", "switchyard"], "encoding_format": "float"}
        save("embeddings.json", request(base, "POST", "/v1/embeddings", body)[1], body)
    with servers.llama_server(model, scratch, alias="tiny") as chat_base, \
            servers.llama_server(model, scratch, alias="tiny-embed", embeddings=True) as embed_base, \
            servers.switchyard(chat_base, scratch) as (proxy, _), \
            servers.switchyard(embed_base, scratch, name="switchyard-embed") as (embed_proxy, _):
        record_ollama_surface(proxy, embed_proxy)


if __name__ == "__main__":
    main()
