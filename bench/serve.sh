#!/bin/sh
# One `piperun serve` with N lab pipelines in flight (issue 13): builds the
# bench's tiny deploy/metric program (bench/serve_tool.c) and the Prometheus
# stand-in every pipeline reads its metric from (bench/serve_prom.c), then runs
# bench/serve_bench.py in a scratch folder, removed afterwards unless KEEP=1.
# Prints the lag from a bake's end to the next step's start (p50/p99), the
# service's CPU and peak memory, its fsyncs (SQLite commits) per second and the
# time for every pipeline to deploy; figures in docs/performance.md.
# Usage: bench/serve.sh [PIPERUN] [N] [-- serve_bench.py options, e.g. --json FILE]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
piperun=${1:-${PIPERUN:-$here/build/runtime/piperun}}
pipelines=${2:-1000}
[ $# -ge 1 ] && shift
[ $# -ge 1 ] && shift
[ "${1:-}" = "--" ] && shift
if [ ! -x "$piperun" ]; then
  echo "bench/serve.sh: no piperun at $piperun (build it, or pass its path)" >&2
  exit 2
fi
case $piperun in /*) ;; *) piperun=$(pwd)/$piperun ;; esac  # the service runs in the scratch folder
case $pipelines in
  '' | *[!0-9]*) echo "bench/serve.sh: N must be a whole number, not '$pipelines'" >&2; exit 2 ;;
esac
scratch=$(mktemp -d "${TMPDIR:-/tmp}/piperun-serve-bench.XXXXXX")
cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then echo "bench/serve.sh: kept $scratch" >&2; else rm -rf "$scratch"; fi
}
trap cleanup EXIT
# Static when the C library allows it: a smaller exec for the thousands of calls.
cc -O2 -static -o "$scratch/tool" "$here/bench/serve_tool.c" 2>/dev/null ||
  cc -O2 -o "$scratch/tool" "$here/bench/serve_tool.c"
cc -O2 -o "$scratch/prom" "$here/bench/serve_prom.c"
mkdir "$scratch/service"
# In the background so that Ctrl-C or a TERM reaches it as TERM: it then
# stops the service it started before the scratch folder goes.
python3 "$here/bench/serve_bench.py" "$piperun" "$scratch/tool" "$scratch/service" --pipelines "$pipelines" \
  --prom-server "$scratch/prom" "$@" &
bench=$!
trap 'kill -TERM "$bench" 2>/dev/null' INT TERM
status=0
wait "$bench" || status=$?
while kill -0 "$bench" 2>/dev/null; do wait "$bench" || status=$?; done
exit "$status"
