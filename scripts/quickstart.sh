#!/usr/bin/env bash
# From a fresh clone to a working proxy: builds Switchyard (release) and llama.cpp's
# llama-server, generates a tiny model, and runs Switchyard on 127.0.0.1:11434 (Ollama's port)
# with a config file that starts that llama-server on demand: on the first request for model
# 'tiny', stopped after 5 minutes idle. Ctrl-C stops Switchyard, and with it llama-server.
# To put Switchyard in front of a server of your own instead:
#   swift run -c release switchyard serve --upstream http://127.0.0.1:8080
set -euo pipefail
cd "$(dirname "$0")/.."

venv=$(scripts/setup.sh)
llama_server=$(scripts/build-llama-server.sh)
swift build -c release --product switchyard
cache=${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}
model=$cache/switchyard-tiny.gguf
[ -f "$model" ] || "$venv/bin/python" scripts/make_tiny_model.py "$model"

config=$cache/quickstart.yaml
cat >"$config" <<YAML
keep_alive: 5m
upstreams:
  - name: tiny
    command: "'$llama_server' -m '$model' --alias tiny --host 127.0.0.1 --port \${PORT} -c 2048 --kv-unified -np 4 -t 1 --no-webui"
    models: [tiny]
YAML
echo "Config: $config; llama-server's output goes to logs/tiny.log in the state directory (default ~/.local/state/switchyard)"
echo "Try: curl http://127.0.0.1:11434/api/chat -d '{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'"
exec .build/release/switchyard serve --listen 127.0.0.1:11434 --config "$config"
