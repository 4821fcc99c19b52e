#!/usr/bin/env bash
# Sets everything up and runs the whole test suite (the README's second command).
# Tests run two at a time (PIPE_TEST_JOBS, default 2: most of the suite waits
# on real servers and bakes of seconds, not on the CPU); the few that need the
# machine to themselves are RUN_SERIAL in their CMakeLists.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
ctest --test-dir build --output-on-failure --timeout 600 --parallel "${PIPE_TEST_JOBS:-2}" "$@"
