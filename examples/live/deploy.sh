#!/usr/bin/env bash
# The live fleet's `exec` deploy provider (runtime.md §4): makes every host in
# PIPE_HOSTS run PIPE_VERSION. Deploy and rollback are the same act ("these
# hosts now run that version"), so PIPE_ACTION only appears in the log.
# Idempotent, because piperun re-runs a call that was in flight when it was
# killed: a host already serving PIPE_VERSION is left alone.
#
# The fleet's state, outside the plan (piperun passes its environment on):
#   PIPE_LIVE_DIR       hosts.tsv (HOST REGION ZONE PORT), run/HOST.pid,
#                       logs/HOST.log, deploys.log (timestamps in ms), and
#                       `stopping` once fleet.sh down has begun
#   PIPE_LIVE_SERVICE   the pipe_live_service binary
#   PIPE_LIVE_FAULTY    optional: the versions that answer 20% of requests
#                       with a 500 (comma-separated; the service's default: v2)
set -euo pipefail
: "${PIPE_LIVE_DIR:?PIPE_LIVE_DIR: the fleet directory (examples/live/fleet.sh up)}"
: "${PIPE_LIVE_SERVICE:?PIPE_LIVE_SERVICE: the pipe_live_service binary}"
: "${PIPE_HOSTS:?PIPE_HOSTS: the hosts to replace}"
: "${PIPE_VERSION:?PIPE_VERSION: the version to run}"
action="${PIPE_ACTION:-deploy}"
case "$action" in
  deploy | rollback) ;;
  *) echo "deploy.sh: PIPE_ACTION=$action is not deploy or rollback" >&2; exit 2 ;;
esac
case "$PIPE_VERSION" in
  *[!A-Za-z0-9._-]* | "") echo "deploy.sh: refusing version name '$PIPE_VERSION'" >&2; exit 2 ;;
esac

now_ms() { date +%s%3N; }
record() { echo "$(now_ms) $action $PIPE_VERSION $*" >>"$PIPE_LIVE_DIR/deploys.log"; }

# The pid in FILE if it is still this host's service (not a reused pid).
live_pid() {
  local file="$1" host="$2" pid
  [ -s "$file" ] || return 1
  pid=$(<"$file")
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "pipe_live_service.* --host $host " || return 1
  echo "$pid"
}

# Running: exists and is not a zombie (an instance outlives the deploy.sh that
# started it, so whoever adopted it reaps it, maybe not at once).
alive() {
  local state
  read -r _ _ state _ <"/proc/$1/stat" 2>/dev/null || return 1
  [ "$state" != Z ]
}

version_at() { curl -fsS --max-time 1 "http://127.0.0.1:$1/version" 2>/dev/null || true; }

stop_host() {
  local host="$1" pid
  pid=$(live_pid "$run/$host.pid" "$host") || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  # SIGTERM lets it finish the request in hand; 5 s later it is killed.
  for _ in $(seq 1 100); do
    alive "$pid" || return 0
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null || true
}

replace_host() {
  local host="$1" region zone port pid
  read -r _ region zone port < <(awk -v h="$host" '$1 == h' "$PIPE_LIVE_DIR/hosts.tsv") || true
  if [ -z "${port:-}" ]; then
    echo "deploy.sh: host $host is not in $PIPE_LIVE_DIR/hosts.tsv" >&2
    return 1
  fi
  if live_pid "$run/$host.pid" "$host" >/dev/null && [ "$(version_at "$port")" = "$PIPE_VERSION" ]; then
    echo "$host already runs $PIPE_VERSION"
    return 0
  fi
  stop_host "$host"
  [ ! -e "$PIPE_LIVE_DIR/stopping" ] || { echo "deploy.sh: the fleet is being stopped" >&2; return 1; }
  # setsid: the instance outlives this call and is not in its process group,
  # which piperun kills when a call times out.
  setsid "$PIPE_LIVE_SERVICE" --port "$port" --region "$region" --zone "$zone" --host "$host" \
    --version "$PIPE_VERSION" ${PIPE_LIVE_FAULTY:+--faulty-versions "$PIPE_LIVE_FAULTY"} >>"$PIPE_LIVE_DIR/logs/$host.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$run/$host.pid"
  # `fleet.sh down` marks the fleet before it reads the pid files: an instance
  # started after that (by a call that outlived a killed piperun) stops itself.
  if [ -e "$PIPE_LIVE_DIR/stopping" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    echo "deploy.sh: the fleet is being stopped" >&2
    return 1
  fi
  # Ready when it answers with the new version; give up after 10 s.
  for _ in $(seq 1 200); do
    if [ "$(version_at "$port")" = "$PIPE_VERSION" ]; then
      echo "$host runs $PIPE_VERSION (pid $pid, 127.0.0.1:$port)"
      return 0
    fi
    alive "$pid" || break
    sleep 0.05
  done
  echo "deploy.sh: $host did not become ready on $PIPE_VERSION; its log ends with:" >&2
  tail -5 "$PIPE_LIVE_DIR/logs/$host.log" >&2
  return 1
}

run="$PIPE_LIVE_DIR/run"
mkdir -p "$run" "$PIPE_LIVE_DIR/logs"
record "begin $PIPE_HOSTS"
for host in $PIPE_HOSTS; do
  replace_host "$host" || { record "failed $host"; exit 1; }
done
record "end $PIPE_HOSTS"
