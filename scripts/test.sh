#!/usr/bin/env bash
# Every test: the Swift unit and integration suites, then the end-to-end suite against a real
# llama-server. This is the command README.md and CI run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh >/dev/null
swift build --build-tests -Xswiftc -warnings-as-errors
swift test --skip-build
SWITCHYARD_BIN=$PWD/.build/debug/switchyard scripts/e2e.sh
