#!/bin/sh
# How `pipec check` and `pipec plan` grow with one dimension of the input
# (issue 12 §3): a long `extends` chain, many waves (one region each), many
# alarms. Prints wall, CPU and peak memory per size, and the CPU ratio to the
# size before: about 10 for a tenfold size means linear (100 would be
# quadratic). Usage: bench/scale.sh PIPEC [N...]   (default 100 1000 10000)
set -eu
PIPEC=${1:?usage: scale.sh PIPEC [N...]}
PIPEC=$(cd "$(dirname "$PIPEC")" && pwd)/$(basename "$PIPEC")
[ -x "$PIPEC" ] || { echo "scale.sh: $PIPEC is not an executable" >&2; exit 2; }
shift
[ $# -gt 0 ] || set -- 100 1000 10000
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
measure() {  # label, command...: prints one line, leaves the CPU seconds in $cpu
  label=$1; shift
  status=0
  (cd "$WORK" && timeout 300 /usr/bin/time -v "$@" >/dev/null 2>"$WORK/time") || status=$?
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time")
  cpu=$(sed -n 's/.*User time (seconds): //p; s/.*System time (seconds): //p' "$WORK/time" | awk '{s += $1} END {printf "%.2f", s}')
  printf '%-22s exit %-3s wall %-9s cpu %6ss  peak %5s MB' "$label" "$status" "$wall" "$cpu" "$(( ${rss:-0} / 1024 ))"
}
ratio() {  # this CPU, previous CPU
  [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "  x%.1f", a / b }'
  echo
}
for shape in chain waves alarms; do
  previous_check=""; previous_plan=""
  for n in "$@"; do
    python3 "$HERE/gen_shapes.py" "$shape" "$n" "$WORK/$shape$n.pipe"
    measure "check $shape N=$n" "$PIPEC" check --root . "$shape$n.pipe"
    ratio "$cpu" "$previous_check"
    previous_check=$cpu
    measure "plan $shape N=$n" "$PIPEC" plan --root . "$shape$n.pipe"
    ratio "$cpu" "$previous_plan"
    previous_plan=$cpu
    rm -f "$WORK/$shape$n.pipe"
  done
done
