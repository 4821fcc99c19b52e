#!/bin/sh
# Issue 18's comparisons, each as a pair in one invocation on the same files
# (organisation from bench/gen_override_org.py: every service overrides its
# hosts, an alarm and wave 1's traffic floor):
#   pipec check SERVICES        vs  wc -l over the same files
#   pipec plan SERVICES -o DIR  vs  cat of the same plan bytes into a file,
#                               and vs  cp -r of the plans (the same bytes in
#                               the same 10,000 files: what the file system
#                               charges for creating them, which cat into one
#                               file does not pay, is on both sides)
# Each side runs RUNS times alternately (A B A B ...); prints each run's CPU
# (user + system), wall (elapsed) time and peak memory from /usr/bin/time -v,
# then the medians of each side and their ratios, CPU and wall (the target:
# check <= 3x, plan -o <= 4x, in wall time: what the user waits for; with
# threads CPU cannot drop, docs/performance.md). PIPEC_ARGS (e.g. "--jobs 1")
# is added to each pipec command.
# With BASELINE=/path/to/an/older/pipec, each run also times the older
# binary's plan -o (check and plan-o-base; its plans must be the same bytes).
# ORG_ARGS=--unique-bakes gives every service its own steps and analysis.
# Usage: [BASELINE=OLD_PIPEC] bench/pairs.sh PIPEC [N [RUNS]]   (defaults 10000 and 3)
# The files go where mktemp -d puts them: TMPDIR=/dev/shm measures the same
# pairs in memory, without the disk's file system (docs/performance.md).
set -eu
PIPEC=${1:?usage: pairs.sh PIPEC [N [RUNS]]}
PIPEC=$(cd "$(dirname "$PIPEC")" && pwd)/$(basename "$PIPEC")
[ -x "$PIPEC" ] || { echo "pairs.sh: $PIPEC is not an executable" >&2; exit 2; }
BASELINE=${BASELINE:-}
if [ -n "$BASELINE" ]; then
  BASELINE=$(cd "$(dirname "$BASELINE")" && pwd)/$(basename "$BASELINE")
  [ -x "$BASELINE" ] || { echo "pairs.sh: $BASELINE is not an executable" >&2; exit 2; }
fi
N=${2:-10000}
RUNS=${3:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# shellcheck disable=SC2086  # ORG_ARGS (e.g. --unique-bakes) is words on purpose
python3 "$HERE/gen_override_org.py" "$N" "$WORK/org" ${ORG_ARGS:-}
cd "$WORK/org"
measure() {  # label, command...: appends cpu to $WORK/label.runs, wall to $WORK/label.wall
  label=$1; shift
  # Every command starts with nothing dirty to write back: otherwise the
  # kernel makes a writer of gigabytes wait for the last one's write-back,
  # and a run's time said more about the one before it (cat of the same
  # bytes took 0.8 s or 5.5 s).
  sync
  /usr/bin/time -v "$@" >/dev/null 2>"$WORK/time" || true
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time")
  cpu=$(sed -n 's/.*User time (seconds): //p; s/.*System time (seconds): //p' "$WORK/time" | awk '{s += $1} END {printf "%.2f", s}')
  # "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:01.23" -> seconds
  wall=$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$WORK/time" |
    awk -F: '{s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s}')
  printf '%-14s cpu %6ss  wall %6ss  peak %6s MB\n' "$label" "$cpu" "$wall" "$((rss / 1024))"
  echo "$cpu" >>"$WORK/$label.runs"
  echo "$wall" >>"$WORK/$label.wall"
}
median() { sort -n "$WORK/$1" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ratio() {  # below the timer's 0.01 s a ratio means nothing: say so
  for kind in cpu wall; do
    ext=runs; [ "$kind" = wall ] && ext=wall
    awk -v a="$(median "$1.$ext")" -v b="$(median "$2.$ext")" -v A="$1" -v B="$2" -v K="$kind" 'BEGIN {
      if (b > 0) printf "%s / %s: median %s %.2fs / %.2fs = x%.1f\n", A, B, K, a, b, a / b
      else printf "%s / %s: median %s %.2fs / under 0.01s: no ratio (use a larger N)\n", A, B, K, a }'
  done
}
# The same list of files for both sides, in one order.
find services -name '*.pipe' | sort >"$WORK/files"
i=0
while [ $i -lt "$RUNS" ]; do
  # shellcheck disable=SC2086  # PIPEC_ARGS is words on purpose
  measure check "$PIPEC" check services ${PIPEC_ARGS:-}
  measure wc sh -c "xargs wc -l <'$WORK/files'"
  # shellcheck disable=SC2086
  [ -z "$BASELINE" ] || measure check-base "$BASELINE" check services ${PIPEC_ARGS:-}
  i=$((i + 1))
done
ratio check wc
[ -z "$BASELINE" ] || ratio check check-base
# plan -o writes every plan; cat then writes the same bytes into one file.
# Each run writes into folders of its own, all removed at the end: on ext4
# without a journal (these machines' disks), a file created within a minute
# or five of many deletions waits while the allocator skips every recently
# freed inode (the kernel's recently_deleted), which made a run's time say
# more about the deletions before it (plan -o and cp -r alike: 1.3 s to 9.5 s
# for the same copy).
i=0
while [ $i -lt "$RUNS" ]; do
  rm -f "$WORK/cat.out"
  # shellcheck disable=SC2086
  measure plan-o "$PIPEC" plan services -o "$WORK/plans.$i" ${PIPEC_ARGS:-}
  find "$WORK/plans.$i" -type f | sort >"$WORK/plans.list"
  measure cat sh -c "xargs cat <'$WORK/plans.list' >'$WORK/cat.out'"
  measure copy cp -r "$WORK/plans.$i" "$WORK/copy.$i"
  if [ -n "$BASELINE" ]; then
    # shellcheck disable=SC2086
    measure plan-o-base "$BASELINE" plan services -o "$WORK/base.$i" ${PIPEC_ARGS:-}
    diff -r -q "$WORK/plans.$i" "$WORK/base.$i" >/dev/null || echo "pairs.sh: the baseline's plans differ" >&2
  fi
  # In memory (TMPDIR=/dev/shm: no disk, no inode table to search) the
  # folders cost memory and nothing to delete.
  [ "$(stat -f -c %T "$WORK")" = tmpfs ] && rm -rf "$WORK/plans.$i" "$WORK/copy.$i" "$WORK/base.$i"
  i=$((i + 1))
done
echo "plan bytes: $(wc -c <"$WORK/cat.out") in $(wc -l <"$WORK/plans.list") files"
ratio plan-o cat
ratio plan-o copy
[ -z "$BASELINE" ] || ratio plan-o plan-o-base
