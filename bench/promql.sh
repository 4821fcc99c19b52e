#!/bin/sh
# Prometheus queries per period and `piperun serve` CPU, batched and per
# scope, for each pipeline count given (issue 14): runs bench/promql_bench.py
# twice per count in a scratch folder (removed unless KEEP=1) and prints one
# JSON line per run; figures in docs/performance.md.
# Usage: bench/promql.sh [PIPERUN] [N...]   (default: 1 100 1000)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
piperun=${1:-${PIPERUN:-$here/build/runtime/piperun}}
[ $# -ge 1 ] && shift
counts=${*:-1 100 1000}
if [ ! -x "$piperun" ]; then
  echo "bench/promql.sh: no piperun at $piperun (build it, or pass its path)" >&2
  exit 2
fi
case $piperun in /*) ;; *) piperun=$(pwd)/$piperun ;; esac
scratch=$(mktemp -d "${TMPDIR:-/tmp}/piperun-promql-bench.XXXXXX")
cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then echo "bench/promql.sh: kept $scratch" >&2; else rm -rf "$scratch"; fi
}
trap cleanup EXIT
for n in $counts; do
  case $n in '' | *[!0-9]*) echo "bench/promql.sh: N must be a whole number, not '$n'" >&2; exit 2 ;; esac
  for mode in --per-scope --batched; do
    dir="$scratch/$n$mode"
    mkdir -p "$dir"
    if [ "$mode" = --per-scope ]; then
      python3 "$here/bench/promql_bench.py" "$piperun" "$dir" --pipelines "$n" --per-scope ${WINDOW:+--window "$WINDOW"}
    else
      python3 "$here/bench/promql_bench.py" "$piperun" "$dir" --pipelines "$n" ${WINDOW:+--window "$WINDOW"}
    fi
  done
done
