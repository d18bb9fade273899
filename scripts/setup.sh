#!/usr/bin/env bash
# Installs what building and testing Switchyard needs on a fresh Debian machine with Swift:
# system packages (zlib for swift-nio-extras, cmake for llama.cpp) and a Python virtualenv
# with the official clients the end-to-end suite drives. Idempotent; prints the venv's path.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "setup: $*" >&2; }

missing=()
command -v cmake >/dev/null || missing+=(cmake)
command -v curl >/dev/null || missing+=(curl)
command -v c++ >/dev/null || missing+=(build-essential)
[ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
scripts/install-packages.sh ${missing[@]+"${missing[@]}"}

cache=${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}
requirements=scripts/e2e/requirements.txt
venv=$cache/venv-$(sha256sum "$requirements" | cut -c1-12)
if [ ! -f "$venv/.complete" ]; then
    log "creating Python virtualenv $venv"
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements" >&2
    touch "$venv/.complete"
fi
echo "$venv"
