"""Graceful shutdown of the real binary: on SIGTERM Switchyard stops accepting, lets streams in
flight finish within --drain-timeout, ends the ones still running after it with an error in
their own dialect, and exits 0. The upstream is a slow token streamer on loopback (a real
llama-server answers too fast to hold a stream open for seconds)."""
import json
import signal
import socket
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import servers

CHUNK_DELAY = 0.2


class SlowUpstream(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/v1/models":
            body = json.dumps({"object": "list", "data": [{"id": "tiny", "object": "model", "created": 1, "owned_by": "x"}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            for index in range(request.get("max_tokens", 10)):
                chunk = {"choices": [{"index": 0, "delta": {"content": f"t{index} "}, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
                time.sleep(CHUNK_DELAY)
            done = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture()
def slow_upstream():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowUpstream)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def open_stream(url, path, body):
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    return urllib.request.urlopen(request, timeout=30)


def read_rest(response, lines):
    for line in response:
        lines.append(line.decode())


def refuses_connections(url, within=3.0):
    host, port = url.removeprefix("http://").split(":")
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, int(port)), timeout=0.5).close()
        except OSError:
            return True
        time.sleep(0.05)
    return False


def test_streams_in_flight_finish_within_the_drain_timeout(slow_upstream, scratch):
    with servers.switchyard(slow_upstream, scratch, name="switchyard-drain", extra_args=["--drain-timeout", "20"]) as (url, proc):
        response = open_stream(url, "/api/chat", {"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "options": {"num_predict": 10}})
        lines = [response.readline().decode()]
        proc.process.send_signal(signal.SIGTERM)
        reader = threading.Thread(target=read_rest, args=(response, lines))
        reader.start()
        assert refuses_connections(url), "no new connections once shutting down"
        reader.join(timeout=15)
        assert json.loads(lines[-1])["done"] is True, lines[-1]
        assert len(lines) == 11
        assert proc.process.wait(timeout=10) == 0
        assert "shutting down" in proc.output()


def test_streams_still_running_after_the_drain_timeout_end_with_an_error(slow_upstream, scratch):
    with servers.switchyard(slow_upstream, scratch, name="switchyard-cut", extra_args=["--drain-timeout", "1"]) as (url, proc):
        ollama = open_stream(url, "/api/chat", {"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "options": {"num_predict": 200}})
        openai = open_stream(url, "/v1/chat/completions", {"model": "tiny", "stream": True, "max_tokens": 200, "messages": []})
        ollama_lines = [ollama.readline().decode()]
        openai_lines = [openai.readline().decode()]
        started = time.monotonic()
        proc.process.send_signal(signal.SIGTERM)
        readers = [threading.Thread(target=read_rest, args=pair) for pair in [(ollama, ollama_lines), (openai, openai_lines)]]
        for reader in readers:
            reader.start()
        exit_code = proc.process.wait(timeout=15)
        for reader in readers:
            reader.join(timeout=5)
        assert exit_code == 0, proc.output()[-2000:]
        assert time.monotonic() - started < 10, "cut after about the drain timeout, not after the streams' 40 s"
        last = json.loads(ollama_lines[-1])
        assert "shutting down" in last["error"], last
        events = [line for line in openai_lines if line.startswith("data: ")]
        assert events, openai_lines
        error = json.loads(events[-1].removeprefix("data: "))
        assert "shutting down" in error["error"]["message"], error
        assert "drain timeout reached" in proc.output()
