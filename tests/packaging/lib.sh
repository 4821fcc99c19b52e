# Shared by the packaging tests: a scratch dir removed on exit, and checks
# that print `ok`/`not ok` and make the script fail at the end.
set -uo pipefail
export LC_ALL=C
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failed=0
check() { # check DESCRIPTION COMMAND...
  local what="$1"
  shift
  if "$@"; then echo "ok $what"; else echo "not ok $what"; failed=1; fi
}
contains() { # contains FILE TEXT: FILE holds TEXT literally
  grep -qF -- "$2" "$1" || { echo "  $1 lacks: $2" >&2; return 1; }
}
finish() { exit "$failed"; }
