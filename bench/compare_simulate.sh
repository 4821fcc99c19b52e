#!/bin/sh
# Old and new `piperun simulate` must say the same thing: runs both binaries
# over every runtime plan fixture with every fixture scenario (and none), the
# example services (planned by PIPEC) with the example scenarios, and the
# region30 plan with bench/gen_sim_scenarios.py's scenarios, in text and
# with --format json, and compares stdout, stderr and exit status byte for
# byte. Prints each difference and the number of runs compared; exit 1 if any
# differs. Usage: bench/compare_simulate.sh OLD_PIPERUN NEW_PIPERUN [PIPEC] [GENERATED]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
# Absolute: each run starts in a folder of its own.
absolute() { case $1 in /*) echo "$1" ;; *) echo "$(pwd)/$1" ;; esac; }
old=$(absolute "$1")
new=$(absolute "$2")
pipec=$(absolute "${3:-$here/build/compiler/pipec}")
for binary in "$old" "$new"; do
  [ -x "$binary" ] || { echo "bench/compare_simulate.sh: no piperun at $binary" >&2; exit 2; }
done
generated=${4:-40}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fixtures=$here/tests/runtime
runs=0
diffs=0
one() {  # plan [scenario]: both binaries, both formats
  for format in text json; do
    if [ "$format" = json ]; then extra="--format json"; else extra=""; fi
    if [ $# -ge 2 ]; then args="$1 --scenario $2"; else args="$1"; fi
    # shellcheck disable=SC2086
    (cd "$work/cwd" && rc=0 && "$old" simulate $args $extra >"$work/old.out" 2>"$work/old.err" || rc=$? && echo "$rc" >"$work/old.rc")
    # shellcheck disable=SC2086
    (cd "$work/cwd" && rc=0 && "$new" simulate $args $extra >"$work/new.out" 2>"$work/new.err" || rc=$? && echo "$rc" >"$work/new.rc")
    runs=$((runs + 1))
    for part in out err rc; do
      if ! cmp -s "$work/old.$part" "$work/new.$part"; then
        echo "DIFFERS ($part, $format): simulate $args"
        diffs=$((diffs + 1))
        break
      fi
    done
  done
}
mkdir -p "$work/cwd" "$work/plans" "$work/scenarios"
for plan in "$fixtures"/plans/*.plan.json; do
  one "$plan"
  for scenario in "$fixtures"/scenarios/*.json; do one "$plan" "$scenario"; done
done
if [ -x "$pipec" ]; then
  for service in "$here"/examples/services/*.pipe; do
    name=$(basename "$service" .pipe)
    if (cd "$here" && "$pipec" plan "examples/services/$name.pipe" -o "$work/plans/$name") >/dev/null 2>&1; then
      for plan in "$work/plans/$name"/*.plan.json; do
        one "$plan"
        for scenario in "$here"/examples/scenarios/*.json; do one "$plan" "$scenario"; done
      done
    else
      echo "note: pipec could not plan $service; skipped"
    fi
  done
fi
python3 "$here/bench/gen_sim_scenarios.py" "$work/scenarios" "$generated"
for scenario in "$work"/scenarios/*.json; do one "$fixtures/plans/region30.plan.json" "$scenario"; done
echo "compare_simulate: $runs runs compared, $diffs differ"
[ "$diffs" -eq 0 ]
