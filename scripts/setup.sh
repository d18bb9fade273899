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
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
fi

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
