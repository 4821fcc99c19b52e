#!/bin/sh
# Times `piperun simulate` on the 5-wave global plan fixture (15 regions,
# 180 steps, about 2.3 simulated days), the run the runtime promises to finish
# "in well under a second". Usage: bench/simulate.sh [PIPERUN] [RUNS]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
piperun=${1:-${PIPERUN:-$here/build/runtime/piperun}}
runs=${2:-20}
plan=$here/tests/runtime/plans/global.plan.json
if [ ! -x "$piperun" ]; then
  echo "bench/simulate.sh: no piperun at $piperun (build it, or pass its path)" >&2
  exit 2
fi
for scenario in good bad-version regional-fault; do
  file=$here/tests/runtime/scenarios/$scenario.json
  "$piperun" simulate "$plan" --scenario "$file" --format json >/dev/null || true  # warm the page cache
  best=''
  total=0
  i=0
  while [ "$i" -lt "$runs" ]; do
    start=$(date +%s%N)
    "$piperun" simulate "$plan" --scenario "$file" --format json >/dev/null || true
    end=$(date +%s%N)
    ms=$(( (end - start) / 1000000 ))
    total=$(( total + ms ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    i=$(( i + 1 ))
  done
  printf '%-16s %3d runs  mean %4d ms  best %4d ms\n' "$scenario" "$runs" $(( total / runs )) "$best"
done
