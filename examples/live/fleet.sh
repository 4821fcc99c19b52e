#!/usr/bin/env bash
# Starts and stops the live fleet around piperun (docs/live.md). Everything
# it starts has a pid file under DIR/run, and `down` stops exactly those.
#   fleet.sh up DIR PLAN SERVICE_BIN VERSION   hosts table from the plan (or
#                                              every *.plan.json of a folder),
#                                              every host on VERSION, Prometheus
#                                              and the load generator; prints
#                                              the Prometheus URL
#   fleet.sh versions DIR                      HOST VERSION, asked of each instance
#   fleet.sh quiet DIR URL                     waits until every host's fault
#                                              rate over 5 s is below 1%
#   fleet.sh down DIR                          stops everything started in DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

die() { echo "fleet.sh: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
query() { curl -fsS --max-time 2 --data-urlencode "query=$2" "$1/api/v1/query" 2>/dev/null || true; }
# The single value of an instant query's first result ("" when there is none).
scalar() { query "$1" "$2" | python3 -c 'import json,sys
try: r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")
except Exception: print("")'; }

# The pid in pid FILE if that process's command line still holds every
# fixed string given (so a pid reused by another process is never killed).
owned_pid() {
  local file="$1" pid cmdline
  shift
  pid=$(<"$file") || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  for want in "$@"; do
    [[ "$cmdline" == *"$want"* ]] || return 1
  done
  echo "$pid"
}

up() {
  local dir="$1" plan="$2" service="$3" version="$4" hosts prom_port url plans=()
  mkdir -p "$dir/run" "$dir/logs"
  if [ -d "$plan" ]; then plans=("$plan"/*.plan.json); else plans=("$plan"); fi
  [ -e "${plans[0]}" ] || die "no plan in $plan"
  python3 "$here/hosts.py" "${plans[@]}" >"$dir/hosts.tsv"
  hosts=$(awk '{printf "%s%s", sep, $1; sep=" "}' "$dir/hosts.tsv")
  PIPE_LIVE_DIR="$dir" PIPE_LIVE_SERVICE="$service" PIPE_ACTION=deploy PIPE_VERSION="$version" PIPE_HOSTS="$hosts" \
    "$here/deploy.sh" >"$dir/logs/fleet-up.log" || die "the fleet did not start on $version (see $dir/logs)"

  prom_port=$(free_port)
  {
    echo "global:"
    echo "  scrape_interval: 1s"
    echo "  scrape_timeout: 1s"
    echo "scrape_configs:"
    echo "  - job_name: live"
    echo "    static_configs:"
    echo "      - targets:"
    awk '{print "          - 127.0.0.1:" $4}' "$dir/hosts.tsv"
  } >"$dir/prometheus.yml"
  prometheus --config.file="$dir/prometheus.yml" --web.listen-address="127.0.0.1:$prom_port" \
    --storage.tsdb.path="$dir/prometheus-data" >"$dir/logs/prometheus.log" 2>&1 </dev/null &
  echo $! >"$dir/run/prometheus.pid"
  python3 "$here/loadgen.py" "$dir/hosts.tsv" 10 >"$dir/logs/loadgen.log" 2>&1 </dev/null &
  echo $! >"$dir/run/loadgen.pid"

  # Ready when every instance is scraped and has a request rate: the alarms'
  # first queries then find data (no data counts as a failing source).
  url="http://127.0.0.1:$prom_port"
  local count expected
  expected=$(wc -l <"$dir/hosts.tsv")
  for _ in $(seq 1 90); do
    count=$(scalar "$url" 'count(sum by (host) (rate(http_requests_total[5s])) > 0)')
    [ "$count" = "$expected" ] && { echo "$url"; return 0; }
    sleep 0.5
  done
  tail -5 "$dir/logs/prometheus.log" >&2
  die "Prometheus did not see traffic on all $expected hosts within 45 s (saw ${count:-none})"
}

versions() {
  local dir="$1" host port
  while read -r host _ _ port; do
    echo "$host $(curl -fsS --max-time 2 "http://127.0.0.1:$port/version" 2>/dev/null || echo down)"
  done <"$dir/hosts.tsv"
}

quiet() {
  local url="$2" rate
  for _ in $(seq 1 60); do
    # Per host: the alarms watch the one-box alone, where a fleet-wide average hides it.
    rate=$(scalar "$url" 'max(sum by (host) (rate(http_requests_total{code=~"5.."}[5s])) / sum by (host) (rate(http_requests_total[5s])))')
    if [ -n "$rate" ] && python3 -c "import sys; sys.exit(0 if float('$rate') < 0.01 else 1)"; then return 0; fi
    sleep 0.5
  done
  die "a host's fault rate stayed at ${rate:-unknown} for 30 s"
}

down() {
  local dir="$1" file pid state pids=()
  [ -d "$dir/run" ] || return 0
  touch "$dir/stopping"  # deploy.sh starts nothing from now on (see there)
  for file in "$dir"/run/*.pid; do
    [ -e "$file" ] || continue
    case "$(basename "$file")" in
      prometheus.pid) pid=$(owned_pid "$file" prometheus "--config.file=$dir/") || pid="" ;;
      loadgen.pid) pid=$(owned_pid "$file" loadgen.py "$dir/hosts.tsv") || pid="" ;;
      *) pid=$(owned_pid "$file" pipe_live_service "--host $(basename "$file" .pid) ") || pid="" ;;
    esac
    rm -f "$file"
    if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then pids+=("$pid"); fi
  done
  # SIGTERM first to all, so they stop in parallel; SIGKILL what is left after 5 s.
  for _ in $(seq 1 50); do
    local alive=()
    for pid in "${pids[@]}"; do
      # A zombie has stopped; whoever adopted it may not have reaped it yet.
      read -r _ _ state _ 2>/dev/null <"/proc/$pid/stat" && [ "$state" != Z ] && alive+=("$pid")
    done
    pids=("${alive[@]}")
    [ ${#pids[@]} -eq 0 ] && return 0
    sleep 0.1
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

command="${1:-}"
shift || true
case "$command" in
  up) [ $# -eq 4 ] || die "usage: fleet.sh up DIR PLAN SERVICE_BIN VERSION"; up "$@" ;;
  versions) [ $# -eq 1 ] || die "usage: fleet.sh versions DIR"; versions "$@" ;;
  quiet) [ $# -eq 2 ] || die "usage: fleet.sh quiet DIR URL"; quiet "$@" ;;
  down) [ $# -eq 1 ] || die "usage: fleet.sh down DIR"; down "$@" ;;
  *) die "usage: fleet.sh up|versions|quiet|down ..." ;;
esac
