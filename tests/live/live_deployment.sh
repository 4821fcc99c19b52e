#!/usr/bin/env bash
# Issue 6 end to end on real processes, loopback only: the live fleet
# (examples/live) on v1 under load, scraped by a real Prometheus; piperun
# deploys the bad v2, whose one-box alarm must roll it back (exit 3) before
# any other host gets it; then v3 goes everywhere (exit 0). Every claim is
# checked against the instances themselves (/version), not only the journal.
# Stops everything it started, also on failure.
#   live_deployment.sh SOURCE_DIR PIPEC PIPERUN PIPE_LIVE_SERVICE
set -euo pipefail
source_dir="$1" pipec="$2" piperun="$3" service="$4"
for tool in prometheus python3 curl setsid; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/setup.sh installs it)"; exit 1; }
done
fleet="$source_dir/examples/live/fleet.sh"
# shellcheck source=examples/live/session.sh
. "$source_dir/examples/live/session.sh"
live_session "$fleet"

fail() {
  echo "FAIL: $*"
  for file in "$work"/v2.jsonl "$work"/v3.jsonl "$work"/deploys.log; do
    [ -f "$file" ] && { echo "--- $(basename "$file")"; tail -40 "$file"; }
  done
  exit 1
}
# FIELD of every event of TYPE in a --format json stream, one per line.
field() { python3 -c 'import json,sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("type") == sys.argv[2]: print(e.get(sys.argv[3]) or "")' "$@"; }

"$pipec" plan "$source_dir/examples/live/live.pipe" -o "$work/plans" >/dev/null
plan="$work/plans/LiveShop.plan.json"
onebox=$(python3 -c 'import json,sys; print([s["id"] for s in json.load(open(sys.argv[1]))["steps"] if s["type"] == "onebox"][0])' "$plan")
onebox_host=$(python3 -c 'import json,sys; print([s["hosts"][0] for s in json.load(open(sys.argv[1]))["steps"] if s["type"] == "onebox"][0])' "$plan")
hosts_total=$(python3 -c 'import json,sys; print(len({h for s in json.load(open(sys.argv[1]))["steps"] for h in s["hosts"]}))' "$plan")
[ "$hosts_total" -eq 12 ] || fail "the plan names $hosts_total hosts, expected 12"

url=$("$fleet" up "$work" "$plan" "$service" v1)
echo "fleet of $hosts_total hosts on v1, Prometheus at $url"
[ "$("$fleet" versions "$work" | grep -c ' v1$')" -eq "$hosts_total" ] || fail "the fleet did not start on v1"

export PIPE_LIVE_DIR="$work" PIPE_LIVE_SERVICE="$service"
cd "$source_dir"  # deploy.run is relative to the repository
# The journal must agree with the instances: every host on VERSION, and the
# known-good version KNOWN_GOOD (v1 came as --previous, which names it).
journal_says() {
  "$piperun" status --state "$work/state.db" --format json >"$work/status.json" || fail "piperun status failed"
  python3 -c 'import json,sys
s = json.load(open(sys.argv[1])); v = sys.argv[2]
wrong = [h["host"] for h in s["hosts"] if h["version"] != v]
sys.exit(0 if s["known_good"] == sys.argv[3] and len(s["hosts"]) == int(sys.argv[4]) and not wrong else
         "journal: known_good %s, %d hosts, not on %s: %s" % (s["known_good"], len(s["hosts"]), v, wrong))' \
    "$work/status.json" "$1" "$2" "$hosts_total" || fail "piperun status disagrees with the fleet"
}
# piperun run VERSION into OUT, at most LIMIT seconds; its exit status in $status.
run() {
  local version="$1" out="$2" limit="$3"
  status=0
  live_wait timeout "$limit" "$piperun" run "$plan" --version "$version" --previous v1 --state "$work/state.db" \
    --prometheus "$url" --format json >"$out" || status=$?
}

# --- v2: caught at the one-box, rolled back
run v2 "$work/v2.jsonl" 60
[ "$status" -eq 3 ] || fail "piperun run v2 exited $status, expected 3 (rolled back)"
outcome_step=$(field "$work/v2.jsonl" rolled_back step)
[ "$outcome_step" = "$onebox" ] || fail "v2 was rolled back at '$outcome_step', expected the one-box $onebox"
started=$(field "$work/v2.jsonl" step_started step | sort -u)
[ "$started" = "$onebox" ] || fail "v2 started steps beyond the one-box: $(echo "$started" | tr '\n' ' ')"
alarm_scope=$(field "$work/v2.jsonl" alarm scope | head -1)
[ -n "$alarm_scope" ] || fail "no alarm event for v2"
echo "v2: alarm at $alarm_scope, rolled back at $outcome_step"
v2_hosts=$(awk '$2 == "deploy" && $3 == "v2" && $4 == "begin" {for (i = 5; i <= NF; i++) print $i}' "$work/deploys.log" | sort -u)
[ "$v2_hosts" = "$onebox_host" ] || fail "deploy.sh installed v2 on '$(echo "$v2_hosts" | tr '\n' ' ')', expected only $onebox_host"
grep -q "first fault version=v2" "$work/logs/$onebox_host.log" || fail "the v2 one-box served no fault: the alarm had nothing real to catch"
"$fleet" versions "$work" >"$work/after-v2.txt"
[ "$(grep -c ' v1$' "$work/after-v2.txt")" -eq "$hosts_total" ] || fail "after the rollback not every instance serves v1: $(grep -v ' v1$' "$work/after-v2.txt" | tr '\n' ' ')"
journal_says v1 v1
echo "v2: every instance answers v1 again, and the journal agrees"

measure=$(python3 "$source_dir/examples/live/measure.py" "$work" "$plan" v2 v1 --json)
echo "v2 timing: $measure"
python3 -c 'import json,sys; m = json.loads(sys.argv[1]); sys.exit(0 if 0 < m["detection_s"] <= m["recovery_s"] < 60 else 1)' "$measure" ||
  fail "implausible detection/recovery: $measure"

# --- v3: everywhere. Wait until v2's faults have left the 5 s rate windows,
# or they would count against v3 on the host it replaces.
"$fleet" quiet "$work" "$url"
run v3 "$work/v3.jsonl" 90
[ "$status" -eq 0 ] || fail "piperun run v3 exited $status, expected 0 (deployed)"
[ -n "$(field "$work/v3.jsonl" deployed type)" ] || fail "no deployed event for v3"
"$fleet" versions "$work" >"$work/after-v3.txt"
[ "$(grep -c ' v3$' "$work/after-v3.txt")" -eq "$hosts_total" ] || fail "v3 did not reach every instance: $(grep -v ' v3$' "$work/after-v3.txt" | tr '\n' ' ')"
journal_says v3 v3
echo "v3: deployed, every instance answers v3, and the journal agrees"
echo "PASS"
