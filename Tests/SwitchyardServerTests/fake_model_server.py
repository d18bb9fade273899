"""A stand-in for llama-server that Switchyard starts as an upstream's `command` in the tests:
serves /health, /v1/models and /v1/chat/completions (a short SSE stream, or one JSON object) on
127.0.0.1:--port, and misbehaves on request: starts slowly, never becomes ready, exits at
once, dies in the middle of a stream, or ignores SIGTERM. Each start appends its pid to
--pidfile, so a test can tell how many processes ran and check that none is left."""
import argparse
import http.server
import json
import os
import signal
import sys
import threading
import time

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--model", default="tiny")
parser.add_argument("--pidfile")
parser.add_argument("--slow-start", type=float, default=0)
parser.add_argument("--never-ready", action="store_true")
parser.add_argument("--exit-at-start", action="store_true")
parser.add_argument("--crash-on-chat", type=int, default=0, help="die in the middle of this chat's stream (1 = the first)")
parser.add_argument("--chunk-delay", type=float, default=0)
parser.add_argument("--chunks", type=int, default=3)
parser.add_argument("--ignore-term", action="store_true")
parser.add_argument("--port-taken-once", help="the first start (this file not there yet) fails as llama-server does on a taken port")
parser.add_argument("--ctx", type=int, default=0, help="serve llama.cpp's /props with this context and tool support")
args = parser.parse_args()

if args.pidfile:
    with open(args.pidfile, "a") as file:
        file.write(f"{os.getpid()}\n")
print(f"fake model server {args.model} starting on port {args.port}", flush=True)
if args.port_taken_once and not os.path.exists(args.port_taken_once):
    open(args.port_taken_once, "w").close()
    print(f"main: couldn't bind HTTP server socket, hostname: 127.0.0.1, port: {args.port}", file=sys.stderr, flush=True)
    sys.exit(1)
if args.exit_at_start:
    print("error: failed to load model 'missing.gguf'", file=sys.stderr, flush=True)
    sys.exit(1)
if args.ignore_term:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

started = time.monotonic()
chats = 0
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            ready = not args.never_ready and time.monotonic() - started >= args.slow_start
            self.answer(200 if ready else 503, {"status": "ok"} if ready else {"error": {"message": "Loading model"}})
        elif self.path == "/props" and args.ctx:
            self.answer(200, {"default_generation_settings": {"n_ctx": args.ctx}, "chat_template_caps": {"supports_tools": True}})
        elif self.path == "/v1/models":
            self.answer(200, {"object": "list", "data": [{"id": args.model, "object": "model", "created": 1700000000, "owned_by": "fake"}]})
        else:
            self.answer(404, {"error": {"message": "not found"}})

    def do_POST(self):
        global chats
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        if self.path != "/v1/chat/completions":
            return self.answer(404, {"error": {"message": "not found"}})
        with lock:
            chats += 1
            number = chats
        usage = {"prompt_tokens": 3, "completion_tokens": args.chunks, "total_tokens": 3 + args.chunks}
        if not request.get("stream"):
            return self.answer(200, {"id": "c", "object": "chat.completion", "created": 1700000000, "model": args.model, "usage": usage,
                                     "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi " * args.chunks},
                                                  "finish_reason": "stop"}]})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        for index in range(args.chunks):
            if args.crash_on_chat == number and index == 1:
                os._exit(3)
            chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1700000000, "model": args.model,
                     "choices": [{"index": 0, "delta": {"content": f"t{index} "}, "finish_reason": None}]}
            self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            self.wfile.flush()
            time.sleep(args.chunk_delay)
        last = {"id": "c", "object": "chat.completion.chunk", "created": 1700000000, "model": args.model,
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": usage}
        self.wfile.write(b"data: " + json.dumps(last).encode() + b"\n\ndata: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


http.server.ThreadingHTTPServer.daemon_threads = True
http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
