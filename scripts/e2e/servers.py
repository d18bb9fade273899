"""Starts and stops the real processes the end-to-end suite and fixture recording need:
llama.cpp's llama-server with the generated tiny model, and Switchyard in front of it.
Every process binds 127.0.0.1 on a free port and is stopped by whoever started it."""
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def llama_server_binary():
    if os.environ.get("LLAMA_SERVER"):
        return os.environ["LLAMA_SERVER"]
    out = subprocess.run([str(SCRIPTS / "build-llama-server.sh")], check=True, stdout=subprocess.PIPE, text=True)
    return out.stdout.strip().splitlines()[-1]


def tiny_model(directory, variant="plain"):
    """The generated model: `plain` (chat), `tools` (always calls a tool) or `think` (reasons first)."""
    name = "switchyard-tiny.gguf" if variant == "plain" else f"switchyard-tiny-{variant}.gguf"
    path = Path(directory) / name
    if not path.exists():
        subprocess.run([sys.executable, str(SCRIPTS / "make_tiny_model.py"), str(path), variant], check=True)
    return path


def wait_until_ready(url, process, timeout=60.0, name="server"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{name} not ready at {url} after {timeout}s")


class Process:
    """A child process with its output in a log file, stopped on exit."""

    def __init__(self, name, args, log_dir, env=None):
        self.name = name
        self.log_path = Path(log_dir) / f"{name}.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def output(self):
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def llama_server(model, log_dir, alias="tiny", embeddings=False):
    port = free_port()
    args = [llama_server_binary(), "-m", str(model), "--alias", alias, "--host", "127.0.0.1", "--port", str(port),
            "-c", "2048", "--kv-unified", "-np", "4", "-t", "1", "--no-webui"]
    if embeddings:
        args += ["--embeddings", "--pooling", "mean"]
    proc = Process(f"llama-server-{alias}", args, log_dir)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/health", proc.process, name=proc.name)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.stop()


def switchyard_binary():
    return os.environ.get("SWITCHYARD_BIN", str(ROOT / ".build" / "debug" / "switchyard"))


@contextlib.contextmanager
def switchyard(upstream, log_dir, name="switchyard", extra_args=(), env=None):
    """A Switchyard in front of `upstream` (a URL), or of the upstreams a config file names
    (`upstream=None` and `--config FILE` in `extra_args`)."""
    port = free_port()
    target = ["--upstream", upstream] if upstream else []
    args = [switchyard_binary(), "serve", "--listen", f"127.0.0.1:{port}", *target, *extra_args]
    proc = Process(name, args, log_dir, env=env)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/", proc.process, name=name)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.stop()


def scratch_dir():
    return tempfile.mkdtemp(prefix="switchyard-e2e-")


@contextlib.contextmanager
def chat_completions_only(upstream):
    """An OpenAI-compatible upstream that serves only `/v1/models` and `/v1/chat/completions`
    (as many hosted APIs and older servers do): those two relayed to `upstream` as they stream,
    every other route a 404. Runs in this process, on a free loopback port."""
    import http.client
    import http.server
    import threading

    host, port = upstream.removeprefix("http://").split(":")

    class Relay(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def relay(self):
            path = self.path.split("?")[0]
            length = int(self.headers.get("Content-Length") or 0)
            payload = self.rfile.read(length) if length else None  # read always: the connection is reused
            if path not in ("/v1/models", "/v1/chat/completions"):
                body = b'{"detail":"Not Found"}'
                self.send_response(404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            conn = http.client.HTTPConnection(host, int(port), timeout=120)
            conn.request(self.command, self.path, body=payload, headers={"Content-Type": "application/json"})
            answer = conn.getresponse()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.getheader("Content-Type", "application/json"))
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            while chunk := answer.read1(65536):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            conn.close()

        do_GET = relay
        do_POST = relay

        def do_HEAD(self):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Relay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
