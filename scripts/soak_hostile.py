"""The hostile half of scripts/soak.sh: sends, over and over for SECONDS, the requests that
once took Switchyard down or that no client should send, each on its own connection, and
checks the server answers every one with an error (or closes) and keeps answering. Prints one
JSON object: how many were sent, how many answered as expected, how many connections failed.
    python3 scripts/soak_hostile.py HOST:PORT SECONDS"""
import json
import socket
import sys
import time


def request(method, path, body=b"", headers=()):
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers]
    if body:
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


DEEP = b"[" * 1_000_000 + b"]" * 1_000_000
CASES = [
    # a million levels is also a million values: refused before parsing
    ("deep nesting", request("POST", "/v1/chat/completions", b'{"model":"bench-1-0","messages":' + DEEP + b"}"), "413"),
    ("deep nesting (ollama)", request("POST", "/api/chat", b'{"model":"bench-1-0","messages":' + DEEP + b"}"), "413"),
    ("deep nesting (anthropic)", request("POST", "/v1/messages", b'{"model":"bench-1-0","max_tokens":5,"messages":' + DEEP + b"}"), "413"),
    ("deep nesting (responses)", request("POST", "/v1/responses", b'{"model":"bench-1-0","input":' + DEEP + b"}"), "413"),
    ("tool_use input not an object", request("POST", "/v1/messages", b'{"model":"bench-1-0","max_tokens":5,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"f","input":[1]}]}]}'), "400"),
    ("stored response asked for", request("POST", "/v1/responses", b'{"model":"bench-1-0","input":"x","previous_response_id":"resp_1"}'), "400"),
    ("nesting past 512", request("POST", "/api/chat", b'{"model":"bench-1-0","messages":' + b"[" * 600 + b"]" * 600 + b"}"), "400"),
    ("keep_alive overflow", request("POST", "/api/chat", b'{"model":"bench-1-0","messages":[],"keep_alive":"9999999999h"}'), "400"),
    ("keep_alive nan", request("POST", "/api/chat", b'{"model":"bench-1-0","messages":[],"keep_alive":"nan"}'), "400"),
    ("invalid utf-8", request("POST", "/api/chat", b'{"model":"bench-1-0","messages":[{"role":"user","content":"\xc3\x28"}]}'), "400"),
    ("huge header", request("GET", "/api/tags", headers=["X-Pad: " + "a" * 40_000]), "431"),
    ("giant header", request("GET", "/api/tags", headers=["X-Pad: " + "a" * 100_000]), "400"),
    ("dot-segments", request("GET", "/v1/models/../../etc/passwd"), "400"),
    ("encoded dot-segments", request("GET", "/v1/models/%2e%2e/%2e%2e/x"), "400"),
    ("bad chunked framing", b"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "400"),
    ("bad content-length", b"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n", "400"),
    ("tls on the plain port", bytes.fromhex("160301020001000001fc0303") + bytes(64), "400"),
    ("log injection", request("POST", "/api/show", b'{"model":"x\\n2026-01-01T00:00:00Z error forged"}'), "404"),
]


def exchange(address, payload):
    host, port = address.split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        try:
            connection.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may refuse before reading it all
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    return answer


def main():
    address, seconds = sys.argv[1], float(sys.argv[2])
    deadline = time.monotonic() + seconds
    sent = expected = connection_failures = 0
    unexpected = {}
    while time.monotonic() < deadline:
        for name, payload, status in CASES:
            sent += 1
            try:
                answer = exchange(address, payload)
            except OSError:
                connection_failures += 1
                continue
            if answer.startswith(f"HTTP/1.1 {status}".encode()) or (status == "400" and answer == b""):
                expected += 1
            else:
                unexpected[name] = answer[:60].decode(errors="replace")
        time.sleep(0.2)
    print(json.dumps({"sent": sent, "as_expected": expected, "connection_failures": connection_failures, "unexpected": unexpected}))


if __name__ == "__main__":
    main()
