#!/usr/bin/env bash
# End-to-end suite: the official ollama and openai Python clients and LangChain's ChatOllama
# against Switchyard in front of a real llama.cpp llama-server serving a generated tiny model.
#   scripts/e2e.sh            run the suite (builds llama-server once, then it is cached)
#   scripts/e2e.sh --record   re-record Fixtures/llama-server/ from the real server instead
set -euo pipefail
cd "$(dirname "$0")/.."

venv=$(scripts/setup.sh)
LLAMA_SERVER=$(scripts/build-llama-server.sh)
export LLAMA_SERVER
if [ "${1:-}" = "--record" ]; then
    exec "$venv/bin/python" scripts/record_fixtures.py
fi
if [ -z "${SWITCHYARD_BIN:-}" ]; then
    swift build --product switchyard >&2
    SWITCHYARD_BIN=$PWD/.build/debug/switchyard
fi
export SWITCHYARD_BIN
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider scripts/e2e "$@"
