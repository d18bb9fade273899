#!/usr/bin/env bash
# Installs the named Debian packages (as root, or through sudo). Used by setup.sh and bench.sh.
#   scripts/install-packages.sh cmake zlib1g-dev …
set -euo pipefail
[ $# -gt 0 ] || exit 0
echo "install-packages: $*" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2
