#!/usr/bin/env bash
# pre_commit.sh PIPEC SOURCE_DIR: the repository's .pre-commit-hooks.yaml used
# by the real pre-commit tool (offline: the hooks repo is a local git repo),
# and the project `pipec init` writes, with its own pre-commit config.
# Exit 77 (skipped) when pre-commit is not installed.
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
pipec="$1" source="$2"
if ! command -v pre-commit >/dev/null 2>&1; then
  echo "skip: pre-commit is not installed (scripts/setup.sh installs it)"
  exit 77
fi
export PATH="$(dirname "$pipec"):$PATH" PRE_COMMIT_HOME="$tmp/cache" HOME="$tmp"
git config --global user.email test@example.com
git config --global user.name test
git config --global init.defaultBranch main

# A hooks repository holding this repository's .pre-commit-hooks.yaml.
mkdir "$tmp/hooks" && cd "$tmp/hooks" && git init -q
cp "$source/.pre-commit-hooks.yaml" .
git add . && git commit -qm hooks
rev="$(git rev-parse HEAD)"

mkdir "$tmp/team" && cd "$tmp/team" && git init -q
cat >.pre-commit-config.yaml <<YAML
repos:
  - repo: $tmp/hooks
    rev: $rev
    hooks:
      - id: pipec-check
      - id: pipec-fmt
YAML
cat >orders.pipe <<'PIPE'
import "std/templates"

pipeline Orders extends StandardService {
  artifact = "orders"

  deploy {
    run = "scripts/deploy.sh"
  }
}
PIPE
git add . && git commit -qm start
pre-commit run --all-files >"$tmp/good.out" 2>&1
status=$?
check "both hooks pass on a correct, canonical project" test "$status" -eq 0
[ "$status" -eq 0 ] || cat "$tmp/good.out"
check "the check hook ran" grep -qE '^pipec check\.+Passed' "$tmp/good.out"
check "the fmt hook ran" grep -qE '^pipec fmt --check\.+Passed' "$tmp/good.out"

# An unsafe batch and a misaligned attribute: both hooks fail, commit refused.
pre-commit install >/dev/null 2>&1
sed -i 's/  artifact = "orders"/  artifact = "orders"\n  prod { rolling { batch = 50% } }\n     hosts_per_zone = 3/' orders.pipe
git add orders.pipe
git commit -qm bad >"$tmp/bad.out" 2>&1
check "the commit is refused" test $? -ne 0
check "the check hook fails with the code" grep -q 'S204' "$tmp/bad.out"
check "the check hook is reported failed" grep -qE '^pipec check\.+Failed' "$tmp/bad.out"
check "the fmt hook is reported failed" grep -qE '^pipec fmt --check\.+Failed' "$tmp/bad.out"

# `pipec init`'s project passes its own hooks (repo: local).
cd "$tmp" && "$pipec" init starter >/dev/null && cd starter && git init -q && git add . && git commit -qm init
pre-commit run --all-files >"$tmp/init.out" 2>&1
status=$?
check "pipec init's pre-commit config passes" test "$status" -eq 0
[ "$status" -eq 0 ] || cat "$tmp/init.out"
finish
