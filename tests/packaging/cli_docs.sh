#!/usr/bin/env bash
# cli_docs.sh PIPEC PIPERUN SHARE_DIR: --version says the project's and the
# plan format's versions and nothing of LLVM; the generated man pages name
# every option each command's --help lists (so they cannot drift).
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
pipec="$1" piperun="$2" share="$3"

for program in "$pipec" "$piperun"; do
  name="$(basename "$program")"
  "$program" --version >"$tmp/version" 2>&1
  status=$?
  check "$name --version exits 0" test "$status" -eq 0
  check "$name --version names itself and the plan format" \
    grep -qxE "$name [0-9]+\.[0-9]+\.[0-9]+" "$tmp/version"
  check "$name --version names the plan format" grep -qx "plan format pipe.plan/v1" "$tmp/version"
  check "$name --version says nothing of LLVM" bash -c "! grep -qi llvm '$tmp/version'"
done

# Every option of every subcommand's --help is in that command's section of
# the man page, as `\fB-o\fR` or `\fB\-\-name\fR` (roff escapes dashes).
options_of() { # options_of PROGRAM: "SUB OPTION" for each option of each subcommand
  local program="$1" sub
  for sub in $("$program" --help | grep -E '^  [a-z]+ +- ' | awk '{print $1}'); do
    "$program" "$sub" --help | grep -oE '^  --?[a-z][a-z0-9-]*' | sed 's/^ *//' |
      grep -vxE -- '--(help|help-list|version)' | sed "s/^/$sub /"
  done
}
section_of() { # section_of PAGE PROGRAM SUB: the lines of `.SS "PROGRAM SUB ..."`
  awk -v head=".SS \"$2 $3" 'index($0, head) == 1 || (index($0, head " ") == 1) {on = 1; next} /^\.S[SH]/ {on = 0} on' "$1"
}
for program in pipec piperun; do
  page="$share/man/man1/$program.1"
  [ "$program" = pipec ] && binary="$pipec" || binary="$piperun"
  check "$program(1) exists" test -s "$page"
  options_of "$binary" >"$tmp/options"
  check "$program --help lists options" test -s "$tmp/options"
  while read -r sub option; do
    section_of "$page" "$program" "$sub" >"$tmp/section"
    check "$program(1) documents $sub $option" contains "$tmp/section" "\\fB$(sed 's/-/\\-/g' <<<"$option")\\fR"
  done <"$tmp/options"
done
check "pipe(5) exists and is the language guide" contains "$share/man/man5/pipe.5" ".TH PIPE 5"
check "pipe(5) holds the guide's sections" contains "$share/man/man5/pipe.5" '.SH "DECLARATIONS AND IMPORTS"'
check "pipe(5) turns the guide's tables into tagged paragraphs" contains "$share/man/man5/pipe.5" \
  '\fBtopology NAME { region ID { ... } }\fR'
check "pipe(5) has no Markdown table rule" bash -c "! grep -q -- '|---' '$share/man/man5/pipe.5'"
if command -v man >/dev/null 2>&1; then
  check "man renders pipec(1)" bash -c "MANWIDTH=80 man -l '$share/man/man1/pipec.1' 2>&1 | grep -q 'pipec check'"
fi
finish
