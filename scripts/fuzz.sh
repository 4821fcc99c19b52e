#!/usr/bin/env bash
# Coverage-guided fuzzing with AFL++ (docs/fuzzing.md).
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# Builds the fuzz targets of tests/fuzz/ (and only those) with AFL++'s LLVM
# mode (afl-clang-fast++, persistent mode) into build-afl/, then runs
# afl-fuzz on each target (default: all of frontend lsp plan_json
# scenario_json) for SECONDS_PER_TARGET (default 20) with its seed corpus
# and dictionary; findings go to build-afl/findings/TARGET.
# Environment: PIPE_FUZZ_FINDINGS another folder for the findings (kept
# between runs: afl-fuzz resumes from it); PIPE_FUZZ_BUILD another build
# folder (build-afl); PIPE_BUILD_JOBS build jobs (2).
# Exit status: 0 when no target crashed or hung, 1 when one did (the inputs
# are listed), 2 on usage errors, when AFL++ or clang is missing or the build
# fails, 3 when nothing was found but afl-fuzz could not start for some
# target on this machine (its log is printed: e.g. no shared memory).
set -uo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(frontend lsp plan_json scenario_json)
case "$seconds" in '' | *[!0-9]* | 0) echo "fuzz: SECONDS_PER_TARGET must be a whole number above 0, not \`$seconds\`" >&2; exit 2 ;; esac
for target in "${targets[@]}"; do
  case "$target" in frontend | lsp | plan_json | scenario_json) ;;
    *) echo "fuzz: no target \`$target\` (frontend, lsp, plan_json, scenario_json)" >&2; exit 2 ;;
  esac
done

for tool in afl-fuzz afl-clang-fast afl-clang-fast++ clang++-14; do
  command -v "$tool" >/dev/null 2>&1 || { echo "fuzz: $tool not found (Debian: apt-get install afl++ clang-14; scripts/setup.sh installs both)" >&2; exit 2; }
done

build="${PIPE_FUZZ_BUILD:-build-afl}"
mkdir -p "$build"
# LLVM mode with clang 14 (Debian 12's GCC plugin refuses to load into its
# own gcc); -O2 as AFL++ recommends, no NDEBUG so that assertions stay on.
# clang 14 cannot compile LLVM 14's llvm/Support/JSON.h in C++20 against
# libstdc++ 12 (its constexpr std::vector meets an incomplete json::Value,
# llvm-project issue 55780), so our code is compiled against libstdc++ 11's
# headers (Debian libstdc++-11-dev; the same ABI, linked to the system's
# libstdc++.so.6).
export AFL_QUIET=1 AFL_CC=clang-14 AFL_CXX=clang++-14
stdcxx=/usr/include/c++/11
stdcxx_arch=/usr/include/$(gcc -dumpmachine)/c++/11
[ -d "$stdcxx" ] && [ -d "$stdcxx_arch" ] || { echo "fuzz: $stdcxx not found (Debian: apt-get install libstdc++-11-dev; scripts/setup.sh installs it)" >&2; exit 2; }
if [ ! -f "$build/build.ninja" ]; then
  CC=afl-clang-fast CXX=afl-clang-fast++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_C_FLAGS="-O2" \
    -DCMAKE_CXX_FLAGS="-O2 -nostdinc++ -isystem $stdcxx -isystem $stdcxx_arch -isystem $stdcxx/backward" \
    -DPIPE_FUZZ_AFL=ON >"$build/configure.log" 2>&1 \
    || { cat "$build/configure.log"; echo "fuzz: cmake failed" >&2; exit 2; }
fi
ninja -C "$build" -j "${PIPE_BUILD_JOBS:-2}" "${targets[@]/#/pipe_fuzz_}" >"$build/build.log" 2>&1 \
  || { grep -E "error|FAILED" -A3 "$build/build.log" | head -60; echo "fuzz: build failed; the whole log is $build/build.log" >&2; exit 2; }

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
findings="${PIPE_FUZZ_FINDINGS:-$build/findings}"
mkdir -p "$findings"
status=0
not_started=0
for target in "${targets[@]}"; do
  out="$findings/$target"
  input="tests/fuzz/$(corpus_of "$target")"
  if [ -z "${PIPE_FUZZ_FINDINGS:-}" ]; then
    rm -rf "$out"
  elif [ -d "$out/default/queue" ]; then
    input=-   # resume the earlier run in $out
  fi
  # -V: stop after SECONDS; -t: an input running over 2 s is a hang.
  # shellcheck disable=SC2046
  timeout $((seconds + 120)) afl-fuzz -V "$seconds" -t 2000 -m none -i "$input" \
    $(dicts_of "$target") -o "$out" -- "$build/tests/fuzz/pipe_fuzz_$target" >"$out.log" 2>&1
  stats="$out/default/fuzzer_stats"
  execs=$(awk -F' *: ' '/^execs_done/ {print $2}' "$stats" 2>/dev/null)
  rate=$(awk -F' *: ' '/^execs_per_sec/ {print $2}' "$stats" 2>/dev/null)
  found=$(find "$out/default/crashes" "$out/default/hangs" -type f -name 'id:*' 2>/dev/null)
  if [ ! -f "$stats" ]; then
    tail -20 "$out.log"
    echo "not ok fuzz $target: afl-fuzz did not start on this machine (its log: $out.log)"
    not_started=1
  elif [ -n "$found" ]; then
    echo "not ok fuzz $target: ${execs:-?} executions in ${seconds}s, findings (reproduce: $build/tests/fuzz/pipe_fuzz_$target FILE):"
    echo "$found" | sed 's/^/  /'
    status=1
  else
    echo "ok fuzz $target: ${execs:-?} executions in ${seconds}s (${rate:-?}/s), no crash or hang"
  fi
done
[ "$status" -eq 0 ] && [ "$not_started" -eq 1 ] && exit 3
exit "$status"
