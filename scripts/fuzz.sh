#!/usr/bin/env bash
# Coverage-guided fuzzing with AFL++ (docs/fuzzing.md).
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# Builds the fuzz targets of tests/fuzz/ with AFL++ into build-afl/ (classic
# GCC mode, see the doc), then runs afl-fuzz on each target (default: all of
# frontend lsp plan_json scenario_json) for SECONDS_PER_TARGET (default 20)
# with its seed corpus and dictionary; findings go to build-afl/findings/TARGET.
# Exit status: 0 when no target crashed or hung, 1 when one did (the inputs
# are listed), 2 when AFL++ is missing or the build fails.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(frontend lsp plan_json scenario_json)
case "$seconds" in '' | *[!0-9]*) echo "fuzz: SECONDS_PER_TARGET must be a whole number, not \`$seconds\`" >&2; exit 2 ;; esac

for tool in afl-fuzz afl-gcc afl-g++; do
  command -v "$tool" >/dev/null 2>&1 || { echo "fuzz: $tool not found (Debian: apt-get install afl++)" >&2; exit 2; }
done

build=build-afl
mkdir -p "$build"
# Classic GCC mode (afl-as instrumentation): Debian 12's GCC plugin
# (afl-g++-fast) refuses to load into its own gcc ("incompatible versions").
export AFL_CC_COMPILER=GCC AFL_DONT_OPTIMIZE=1 AFL_QUIET=1
if [ ! -f "$build/build.ninja" ]; then
  CC=afl-gcc CXX=afl-g++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1" \
    -DPIPE_FUZZ_AFL=ON >"$build/configure.log" 2>&1 \
    || { cat "$build/configure.log"; echo "fuzz: cmake failed" >&2; exit 2; }
fi
ninja -C "$build" -j "${PIPE_BUILD_JOBS:-2}" "${targets[@]/#/pipe_fuzz_}" >"$build/build.log" 2>&1 \
  || { tail -40 "$build/build.log"; echo "fuzz: build failed" >&2; exit 2; }

corpus_of() { case "$1" in frontend) echo corpus ;; lsp) echo corpus-lsp ;; plan_json) echo corpus-plan ;; scenario_json) echo corpus-scenario ;; esac; }
dicts_of() {
  case "$1" in
    frontend) echo "-x tests/fuzz/pipe.dict" ;;
    lsp) echo "-x tests/fuzz/lsp.dict -x tests/fuzz/pipe.dict" ;;
    *) echo "-x tests/fuzz/json.dict" ;;
  esac
}

export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
export PIPE_STDLIB="$PWD/stdlib"
status=0
for target in "${targets[@]}"; do
  out="$build/findings/$target"
  rm -rf "$out" "$out.log"
  mkdir -p "$build/findings"
  # -V: stop after SECONDS; -t: an input running over 2 s is a hang.
  # shellcheck disable=SC2046
  timeout $((seconds + 60)) afl-fuzz -V "$seconds" -t 2000 -m none -i "tests/fuzz/$(corpus_of "$target")" \
    $(dicts_of "$target") -o "$out" -- "$build/tests/fuzz/pipe_fuzz_$target" @@ >"$out.log" 2>&1
  stats="$out/default/fuzzer_stats"
  execs=$(awk -F': ' '/^execs_done/ {print $2}' "$stats" 2>/dev/null)
  found=$(find "$out/default/crashes" "$out/default/hangs" -type f -name 'id:*' 2>/dev/null)
  if [ ! -f "$stats" ]; then
    tail -20 "$out.log"
    echo "not ok fuzz $target: afl-fuzz did not run"
    status=1
  elif [ -n "$found" ]; then
    echo "not ok fuzz $target: ${execs:-?} executions in ${seconds}s, findings:"
    echo "$found" | sed 's/^/  /'
    status=1
  else
    echo "ok fuzz $target: ${execs:-?} executions in ${seconds}s, no crash or hang"
  fi
done
exit "$status"
