#!/usr/bin/env bash
# From a fresh clone to a working proxy: builds Switchyard (release) and llama.cpp's
# llama-server, generates a tiny model, and serves it on 127.0.0.1:8080 with Switchyard in
# front on 127.0.0.1:11434 (Ollama's port). Ctrl-C stops both.
# To put Switchyard in front of your own server instead:
#   swift run -c release switchyard serve --upstream http://127.0.0.1:8080
set -euo pipefail
cd "$(dirname "$0")/.."

venv=$(scripts/setup.sh)
llama_server=$(scripts/build-llama-server.sh)
swift build -c release --product switchyard
cache=${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}
model=$cache/switchyard-tiny.gguf
[ -f "$model" ] || "$venv/bin/python" scripts/make_tiny_model.py "$model"

"$llama_server" -m "$model" --alias tiny --host 127.0.0.1 --port 8080 -c 2048 --kv-unified -np 4 -t 1 --no-webui \
    >"$cache/llama-server.log" 2>&1 &
llama_pid=$!
trap 'kill $llama_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    curl -sf http://127.0.0.1:8080/health >/dev/null 2>&1 && break
    sleep 0.1
done
echo "llama-server is serving model 'tiny' on 127.0.0.1:8080 (log: $cache/llama-server.log)"
echo "Try: curl http://127.0.0.1:11434/api/chat -d '{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'"
.build/release/switchyard serve --listen 127.0.0.1:11434 --upstream http://127.0.0.1:8080
