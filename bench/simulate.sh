#!/bin/sh
# Times `piperun simulate` on the runtime's plan fixtures: the 5-wave global
# plan (15 regions, 180 steps, about 2.3 simulated days) and the issue-18 plan
# of bench/gen_sim.py (30 regions, 5 waves, 4,110 hosts, 3.5 simulated days;
# tests/runtime/plans/region30.plan.json). With BASELINE=/path/to/old/piperun
# each run is timed for both binaries in turn, in the same invocation, and the
# ratio old/new is printed, so the machine's load affects both alike.
# Usage: [BASELINE=OLD_PIPERUN] bench/simulate.sh [PIPERUN] [RUNS]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
piperun=${1:-${PIPERUN:-$here/build/runtime/piperun}}
runs=${2:-20}
baseline=${BASELINE:-}
fixtures=$here/tests/runtime
for binary in "$piperun" $baseline; do
  if [ ! -x "$binary" ]; then
    echo "bench/simulate.sh: no piperun at $binary (build it, or pass its path)" >&2
    exit 2
  fi
done
time_ms() {  # binary plan scenario: wall milliseconds of one run
  start=$(date +%s%N)
  "$1" simulate "$2" --scenario "$3" --format json >/dev/null || true
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
bench() {  # label plan scenario
  "$piperun" simulate "$2" --scenario "$3" --format json >/dev/null || true  # warm the page cache
  best=''; total=0; old_best=''; old_total=0; i=0
  while [ "$i" -lt "$runs" ]; do
    ms=$(time_ms "$piperun" "$2" "$3")
    total=$(( total + ms ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    if [ -n "$baseline" ]; then
      ms=$(time_ms "$baseline" "$2" "$3")
      old_total=$(( old_total + ms ))
      if [ -z "$old_best" ] || [ "$ms" -lt "$old_best" ]; then old_best=$ms; fi
    fi
    i=$(( i + 1 ))
  done
  printf '%-28s %3d runs  mean %4d ms  best %4d ms' "$1" "$runs" $(( total / runs )) "$best"
  if [ -n "$baseline" ]; then
    printf '  | baseline mean %4d ms  best %4d ms  ratio %s' $(( old_total / runs )) "$old_best" \
      "$(awk -v a="$old_total" -v b="$total" 'BEGIN { if (b > 0) printf "%.1fx", a / b }')"
  fi
  echo
}
for scenario in good bad-version regional-fault; do
  bench "global $scenario" "$fixtures/plans/global.plan.json" "$fixtures/scenarios/$scenario.json"
done
for scenario in good zone-fault; do
  bench "region30 $scenario" "$fixtures/plans/region30.plan.json" "$fixtures/scenarios/region30-$scenario.json"
done
