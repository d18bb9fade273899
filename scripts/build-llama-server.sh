#!/usr/bin/env bash
# Builds llama.cpp's llama-server from PyPI's llama-cpp-python source distribution (the only
# place llama.cpp can be had from here) and caches the binary. Prints the binary's path.
# Cache: $SWITCHYARD_CACHE (default ~/.cache/switchyard), keyed by version.
set -euo pipefail

version=0.3.36
sha256=832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e
cache=${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}
binary=$cache/llama-server-$version/llama-server

log() { echo "build-llama-server: $*" >&2; }

if [ -x "$binary" ]; then
    echo "$binary"
    exit 0
fi

command -v cmake >/dev/null || { log "cmake is missing (apt-get install cmake build-essential)"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log "downloading llama-cpp-python $version source"
python3 -m pip download -q --no-deps --no-binary :all: -d "$work" "llama-cpp-python==$version" >&2
archive=$work/llama_cpp_python-$version.tar.gz
echo "$sha256  $archive" | sha256sum -c --quiet - >&2
tar -xzf "$archive" -C "$work"
src=$work/llama_cpp_python-$version/vendor/llama.cpp

log "configuring (static release build, portable x86-64 flags, web UI off)"
cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
    -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON >&2
log "compiling llama-server (about 5 minutes on 2 cores)"
cmake --build "$work/build" --target llama-server -j2 >&2
mkdir -p "$(dirname "$binary")"
cp "$work/build/bin/llama-server" "$binary.tmp"
mv "$binary.tmp" "$binary"
echo "$binary"
