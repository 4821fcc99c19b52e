#!/usr/bin/env bash
# The main job (the README's first command): set up, check and plan the
# examples, then simulate a deployment of a bad version that the gamma
# one-box catches and rolls back, printed as a timeline.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build >&2
pipec=build/compiler/pipec
piperun=build/runtime/piperun
out=build/demo
rm -rf "$out" && mkdir -p "$out/plans"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "pipec check examples/services examples/templates (the organisation's pipelines)"
$pipec check examples/services examples/templates

step "pipec check examples/unsafe/s204-batch-too-large.pipe (an unsafe change is refused before merge)"
$pipec check examples/unsafe/s204-batch-too-large.pipe || echo "(exit status $?: the pre-merge check fails, as it should)"

step "pipec plan examples/services -o $out/plans --explain"
$pipec plan examples/services -o "$out/plans" --explain
ls "$out/plans"

step "piperun simulate CheckoutApi with a bad version v2 (5% faults on the new version)"
status=0
$piperun simulate "$out/plans/CheckoutApi.plan.json" --scenario examples/scenarios/bad-version.json || status=$?
if [ "$status" -ne 3 ]; then
  echo "demo: expected the bad version to be rolled back (exit status 3), got $status" >&2
  exit 1
fi
echo
echo "The bad version was caught at the one-box and rolled back, with nobody watching."
