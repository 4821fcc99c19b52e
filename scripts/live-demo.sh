#!/usr/bin/env bash
# The live demo (README "Live demo", docs/live.md): a real fleet of 12
# instances of pipe_live_service on 127.0.0.1 under steady load, scraped by a
# real Prometheus every second, and piperun deploying to it. The bad v2 is
# caught at its one-box and rolled back with nobody watching (exit 3); the
# good v3 then goes everywhere (exit 0). Everything it starts is stopped on
# exit, also on failure or Ctrl-C. About a minute and a half.
#   scripts/live-demo.sh [BUILD_DIR]    (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
scripts/setup.sh "$build" >&2
pipec="$build/compiler/pipec"
piperun="$build/runtime/piperun"
service="$(pwd)/$build/examples/live/pipe_live_service"
fleet=examples/live/fleet.sh

# shellcheck source=examples/live/session.sh
. examples/live/session.sh
live_session "$fleet"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show_versions() { "$fleet" versions "$work" | awk '{by[$2] = by[$2] " " $1} END {for (v in by) print "  " v ":" by[v]}' | sort; }
run() {
  local version="$1" limit="$2"
  live_wait timeout "$limit" "$piperun" run "$plan" --version "$version" --previous v1 --state "$work/state.db" \
    --prometheus "$url"
}

step "pipec check examples/live/live.pipe, then plan it"
"$pipec" check examples/live/live.pipe
"$pipec" plan examples/live/live.pipe -o "$work/plans" --explain
plan="$work/plans/LiveShop.plan.json"

step "starting the fleet on v1: 12 instances, a load generator (10 requests/s each) and Prometheus"
url=$("$fleet" up "$work" "$plan" "$service" v1)
echo "Prometheus: $url   state: $work"
show_versions
export PIPE_LIVE_DIR="$work" PIPE_LIVE_SERVICE="$service"

step "piperun run v2 --previous v1   (v2 answers 20% of requests with a 500)"
status=0
run v2 60 || status=$?
if [ "$status" -ne 3 ]; then
  echo "live-demo: expected v2 to be rolled back (exit status 3), got $status" >&2
  exit 1
fi
echo "(exit status 3: rolled back)"
echo "what the instances themselves say now:"
show_versions
python3 examples/live/measure.py "$work" "$plan" v2 v1

step "waiting for v2's faults to leave Prometheus's 5 s rate windows"
"$fleet" quiet "$work" "$url"
echo "every host's fault rate is back under 1%"

step "piperun run v3 --previous v1   (a good version)"
status=0
run v3 90 || status=$?
if [ "$status" -ne 0 ]; then
  echo "live-demo: expected v3 to be deployed (exit status 0), got $status" >&2
  exit 1
fi
echo "(exit status 0: deployed)"
echo "what the instances themselves say now:"
show_versions

step "piperun log: the audit trail of the rollback"
"$piperun" log --state "$work/state.db" | grep -iE "alarm|rollback|rolled" | head -12 || true
echo
echo "The bad version reached one host, was caught there and rolled back with nobody"
echo "watching; the good one went everywhere. Stopping the fleet and Prometheus."
