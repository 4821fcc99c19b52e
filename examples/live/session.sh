# shellcheck shell=bash
# Sourced by scripts/live-demo.sh and tests/live/live_deployment.sh: a scratch
# folder for the fleet, stopped and removed on exit (also on failure), and a
# way to run piperun so that Ctrl-C or SIGTERM stops it at once.
#   live_session FLEET_SCRIPT   sets $work and installs the traps
#   live_wait COMMAND...        runs COMMAND in the background and waits for it;
#                               returns its exit status
# bash runs traps only between foreground commands, hence the background run.

live_session() {
  live_fleet="$1"
  work=$(mktemp -d)
  trap live_cleanup EXIT
  trap live_on_signal INT TERM
}

live_cleanup() {
  "$live_fleet" down "$work" || true
  rm -rf "$work"
}

live_child=""
live_on_signal() {
  [ -z "$live_child" ] || kill -TERM "$live_child" 2>/dev/null || true
  exit 130
}

live_wait() {
  local status=0
  "$@" &
  live_child=$!
  wait "$live_child" || status=$?
  live_child=""
  return "$status"
}
