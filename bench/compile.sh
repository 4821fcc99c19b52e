#!/bin/sh
# Wall time and peak memory of `pipec check` and `pipec plan` on synthetic
# organisations (bench/gen_org.py). Usage: bench/compile.sh PIPEC [N...]
set -eu
PIPEC=${1:?usage: compile.sh PIPEC [N...]}
PIPEC=$(cd "$(dirname "$PIPEC")" && pwd)/$(basename "$PIPEC")  # runs from inside each organisation
[ -x "$PIPEC" ] || { echo "compile.sh: $PIPEC is not an executable" >&2; exit 2; }
shift
[ $# -gt 0 ] || set -- 100 1000 10000
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
measure() {  # label, command...
  label=$1; shift
  /usr/bin/time -v "$@" >/dev/null 2>"$WORK/time" || true
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time")
  # user + system CPU: what one core spends, unlike wall not inflated by a busy machine
  cpu=$(sed -n 's/.*User time (seconds): //p; s/.*System time (seconds): //p' "$WORK/time" | awk '{s += $1} END {printf "%.2fs", s}')
  printf '%-28s wall %-9s cpu %-8s peak %6s MB\n' "$label" "$wall" "$cpu" "$((rss / 1024))"
}
for n in "$@"; do
  python3 "$HERE/gen_org.py" "$n" "$WORK/org$n"
  (cd "$WORK/org$n" && measure "check N=$n" "$PIPEC" check services)
  # Every plan lists its hosts (about 300 KB each here): 10,000 would write 3 GB.
  if [ "$n" -le 1000 ]; then
    (cd "$WORK/org$n" && measure "plan -o (all) N=$n" "$PIPEC" plan services -o "$WORK/plans$n")
    rm -rf "$WORK/plans$n"
  fi
done
python3 "$HERE/gen_org.py" 1 "$WORK/one"
(cd "$WORK/one" && measure "plan one pipeline" "$PIPEC" plan services/svc00000.pipe)
