#!/usr/bin/env bash
# bash_completion.sh PIPEC SOURCE_DIR PIPERUN: sources `pipec completion bash`
# (and piperun's installed script) in bash and calls the completion
# functions as bash would, in a scratch project.
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
pipec="$1" piperun="$3"

cd "$tmp"
mkdir -p sub
printf 'pipeline Alpha extends StandardService {\n}\n' >a.pipe
printf '// two\n  pipeline Beta {\n}\n' >sub/b.pipe
printf 'not pipe\n' >notes.txt
printf '{}\n' >old.plan.json
"$pipec" completion bash >pipec.bash
check "pipec completion bash exits 0" test $? -eq 0
source ./pipec.bash

complete_words() { # complete_words WORDS... : COMPREPLY, sorted, one line
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  "_$1"
  printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
expect() { # expect "WORDS..." "EXPECTED": completing the last word gives EXPECTED
  local words="$1" expected="$2" actual
  read -r -a argv <<<"$words"
  [[ "$words" == *" " ]] && argv+=("")
  actual="$(complete_words "${argv[@]}")"
  if [ "$actual" = "$expected" ]; then echo "ok complete '$words'"; else
    echo "not ok complete '$words': got '$actual', want '$expected'"
    failed=1
  fi
}

expect "pipec ch" "check"
expect "pipec co" "completion"
expect "pipec " "$(printf '%s\n' check completion diff explain fmt graph init lsp parse plan show --help --version | sort | tr '\n' ' ' | sed 's/ $//')"
expect "pipec check --fo" "--format"
expect "pipec check --format " "codequality human json sarif"
COMP_WORDBREAKS_TEST="$(complete_words pipec check --format = j)"
check "complete 'pipec check --format=j' (bash splits at =)" test "$COMP_WORDBREAKS_TEST" = "json"
expect "pipec check --color " "always auto never"
expect "pipec check " "a.pipe sub"
expect "pipec explain S20" "S201 S202 S203 S204 S205 S206 S207 S208 S209"
expect "pipec show " "Alpha Beta"
expect "pipec show Alpha " "a.pipe sub"
expect "pipec plan --pipeline " "Alpha Beta"
expect "pipec plan --pipeline Alpha " "a.pipe sub"
expect "pipec graph --format " "dot mermaid svg"
expect "pipec show --format " "json text"
expect "pipec diff " "old.plan.json sub"
expect "pipec diff --fo" "--format"
expect "pipec completion " "bash fish zsh"
expect "pipec init --" "--help --name"
expect "pipec check --root " "sub"

# piperun's script (installed as a file; `piperun --completion=bash` at build time).
"$piperun" --completion=bash >piperun.bash
check "piperun --completion=bash exits 0" test $? -eq 0
source ./piperun.bash
expect "piperun si" "simulate"
expect "piperun simulate --format " "json text"
expect "piperun simulate --sc" "--scenario"
expect "piperun simulate " "old.plan.json sub"
expect "piperun override --" "--blocker --by --format --help --reason --server --stage --state --version"

# The other shells' scripts at least parse, where the shell is installed.
for shell in zsh fish; do
  "$pipec" completion "$shell" >"pipec.$shell"
  check "pipec completion $shell exits 0" test $? -eq 0
  if command -v "$shell" >/dev/null 2>&1; then
    check "$shell parses pipec.$shell" "$shell" -n "pipec.$shell"
  fi
done
# fish completes from the same tables (when fish is installed).
if command -v fish >/dev/null 2>&1; then
  fish_complete() { fish -c "source pipec.fish; complete -C '$1'" 2>&1 | cut -f1 | sort | tr '\n' ' ' | sed 's/ $//'; }
  check "fish completes subcommands" test "$(fish_complete 'pipec ch')" = "check"
  check "fish completes --format values" \
    test "$(fish_complete 'pipec check --format=')" = "--format=codequality --format=human --format=json --format=sarif"
  check "fish completes pipeline names" test "$(fish_complete 'pipec show ')" = "Alpha Beta"
  check "fish completes codes" test "$(fish_complete 'pipec explain S21')" = "S210 S211 S212 S213 S214 S215 S216 S217 S218 S219"
fi

"$pipec" completion tcsh >/dev/null 2>"err.txt"
check "pipec completion tcsh is a usage error (2)" test $? -eq 2
check "pipec completion tcsh says which shells" contains err.txt "unknown shell \`tcsh\`: use bash, zsh or fish"
finish
