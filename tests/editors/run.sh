#!/usr/bin/env bash
# Editor support tests: TextMate grammar (vscode-tmgrammar-test), the VS Code
# client and manifest, .vsix packaging, and the Vim runtime files (syntax,
# ftplugin, indent, errorformat, :make) in headless vim or nvim.
# Installs what is missing (npm ci; vim via apt-get when root). Prints
# `ok`/`not ok` per check and ends with `N passed, M failed`.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
vscode_dir="$root/editors/vscode"
vim_dir="$root/editors/vim"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
report() { # report LINES: counts `ok ...` and `not ok ...` lines, echoes them
  local line
  while IFS= read -r line; do
    case "$line" in
      "not ok"*) failed=$((failed + 1)); echo "$line" ;;
      "ok"*) passed=$((passed + 1)); echo "$line" ;;
    esac
  done <<< "$1"
}
ok() { report "ok $1"; }
notok() { report "not ok $1"; }
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
  exit $?
}

as_root() { [ "$(id -u)" -eq 0 ]; }
apt_updated=0
apt_install() {
  as_root || return 1
  if [ "$apt_updated" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || true
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}

# ------------------------------------------------------------ dependencies
if ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm || true
fi
if ! command -v vim >/dev/null 2>&1 && ! command -v nvim >/dev/null 2>&1; then
  apt_install vim-nox || true
fi

node_ready=0
if command -v npm >/dev/null 2>&1; then
  if [ ! -d "$vscode_dir/node_modules" ]; then
    (cd "$vscode_dir" && npm ci --no-audit --no-fund --loglevel=error >"$tmp/npm.log" 2>&1) \
      || { cat "$tmp/npm.log"; rm -rf "$vscode_dir/node_modules"; }
  fi
  [ -x "$vscode_dir/node_modules/.bin/vscode-tmgrammar-test" ] && node_ready=1
fi
if [ "$node_ready" -eq 1 ]; then ok "setup: node_modules installed"; else notok "setup: npm ci in editors/vscode"; fi

# ------------------------------------------------------------ TextMate grammar
if [ "$node_ready" -eq 1 ]; then
  shopt -s nullglob
  grammar_tests=("$vscode_dir"/tests/*.test.pipe)
  shopt -u nullglob
  assertions=$(cat "${grammar_tests[@]}" /dev/null | grep -cE '^//[[:space:]]*(\^|<-)' || true)
  out="$(cd "$vscode_dir" && ./node_modules/.bin/vscode-tmgrammar-test --config package.json "tests/*.test.pipe" 2>&1)"
  status=$?
  failures=$(grep -c '^  at \[' <<< "$out" || true)
  if [ "$status" -eq 0 ] && [ "$failures" -eq 0 ] && [ "$assertions" -gt 0 ]; then
    passed=$((passed + assertions))
    echo "ok grammar: $assertions scope assertions in ${#grammar_tests[@]} files"
  else
    echo "$out"
    [ "$failures" -gt 0 ] || failures=1
    failed=$((failed + failures))
    passed=$((passed + (assertions > failures ? assertions - failures : 0)))
    echo "not ok grammar: vscode-tmgrammar-test (exit $status, $failures failing assertions)"
  fi

  # ---------------------------------------------------------- client, manifest
  report "$(node "$here/vscode/extension_smoke.js" "$vscode_dir" 2>&1)"

  # ---------------------------------------------------------- .vsix packaging
  vsix="$tmp/pipe-lang.vsix"
  if (cd "$vscode_dir" && ./node_modules/.bin/vsce package --out "$vsix" >"$tmp/vsce.log" 2>&1) && [ -s "$vsix" ]; then
    ok "package: vsce package builds pipe-lang.vsix"
    # Zip entry names are stored uncompressed in the central directory.
    for entry in extension/package.json extension/extension.js extension/syntaxes/pipe.tmLanguage.json \
                 extension/language-configuration.json extension/snippets/pipe.json \
                 extension/node_modules/vscode-languageclient/node.js extension/LICENSE; do
      if grep -aq "$entry" "$vsix"; then ok "package: vsix contains $entry"; else notok "package: vsix contains $entry"; fi
    done
    if grep -aq 'extension/tests/' "$vsix"; then notok "package: tests are not shipped"; else ok "package: tests are not shipped"; fi
  else
    cat "$tmp/vsce.log"
    notok "package: vsce package builds pipe-lang.vsix"
  fi
fi

# ------------------------------------------------------------ vim / neovim
vim_cmd=()
if command -v vim >/dev/null 2>&1; then
  vim_cmd=(vim -Nu NONE -i NONE -n -es)
elif command -v nvim >/dev/null 2>&1; then
  vim_cmd=(nvim -u NONE -i NONE -n -es)
fi
if [ "${#vim_cmd[@]}" -gt 0 ]; then
  # A stand-in for `pipec check FILE`: one diagnostic with its excerpt, caret,
  # note and summary, on stderr, exit 1 (as checks.md section 1 describes).
  mkdir -p "$tmp/bin"
  cat > "$tmp/bin/pipec" <<'PIPEC'
#!/bin/sh
[ "$1" = check ] || exit 2
{
  echo "$2:3:7: error[P001]: unexpected \`}\`, expected an attribute or a block"
  echo "    3 |   x = }"
  echo "      |       ^"
  echo "note: inherited from template StandardService (templates/standard.pipe:31:5)"
  echo "1 error, 0 warnings in 1 file"
} >&2
exit 1
PIPEC
  chmod +x "$tmp/bin/pipec"
  (cd "$root" && timeout 60 "${vim_cmd[@]}" \
      --cmd "set rtp^=$vim_dir" \
      --cmd "let g:pipe_test_out = '$tmp/vim.out'" \
      --cmd "let g:pipe_fake_bin = '$tmp/bin'" \
      -c "source $here/vim/editor_test.vim" </dev/null >"$tmp/vim.log" 2>&1)
  if [ -s "$tmp/vim.out" ] && grep -q '^ok vim: editor_test.vim ran to the end' "$tmp/vim.out"; then
    report "$(cat "$tmp/vim.out")"
  else
    [ -f "$tmp/vim.out" ] && report "$(cat "$tmp/vim.out")"
    cat "$tmp/vim.log"
    notok "vim: editor_test.vim ran to the end (${vim_cmd[0]})"
  fi
else
  notok "vim: no vim or nvim (install vim-nox or neovim)"
fi

finish
