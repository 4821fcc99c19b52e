#!/usr/bin/env bash
# Sets everything up and runs the whole test suite (the README's second command).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
ctest --test-dir build --output-on-failure --timeout 600 "$@"
