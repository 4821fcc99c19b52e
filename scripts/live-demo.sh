#!/usr/bin/env bash
# The live demo (README "Live demo", docs/live.md): the real fleet of two
# pipelines on 127.0.0.1 (pipe_live_service instances under steady load,
# scraped by a real Prometheus every second), a real Alertmanager, a webhook
# receiver standing in for the on-call's chat, and `piperun serve` deploying
# three LiveShop versions submitted one after another: they flow together,
# one per stage, and the bad v4 is caught at its one-box and rolled back,
# with the chat told. LiveCart waits for an Alertmanager alert to be resolved,
# then starts. Every claim is checked (exit 1 with FAIL: ... otherwise).
# Everything it starts is stopped on exit, also on failure or Ctrl-C. About a
# minute once built.
#   scripts/live-demo.sh [BUILD_DIR]    (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
scripts/setup.sh "$build" >&2
alertmanager=$(command -v prometheus-alertmanager) || {
  echo "live-demo: prometheus-alertmanager is not installed (scripts/setup.sh installs it)" >&2
  exit 1
}
# exec: Ctrl-C and SIGTERM reach the demo itself, which stops what it started.
exec python3 examples/live/serve_demo.py . "$build/compiler/pipec" "$build/runtime/piperun" \
  "$build/examples/live/pipe_live_service" "$alertmanager"
