#!/usr/bin/env bash
# Installs every Debian package the project needs (only when missing, quietly
# when all is there), then configures and builds with CMake + Ninja + ccache.
#   scripts/setup.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake ninja-build g++ ccache default-jre-headless antlr4 libantlr4-runtime-dev uuid-dev
  llvm-14-dev zlib1g-dev libfmt-dev libgtest-dev libsqlite3-dev libcurl4-openssl-dev libssl-dev libcpp-httplib-dev pkg-config
  libpq-dev postgresql-15 tzdata python3 python3-yaml python3-jsonschema time prometheus prometheus-alertmanager curl
  neovim pre-commit graphviz zsh fish chromium chromium-driver python3-selenium)
# The AFL++ fuzz build (scripts/fuzz.sh, docs/fuzzing.md): afl-clang-fast++
# on clang 14, against libstdc++ 11's headers.
packages+=(afl++ clang-14 libstdc++-11-dev)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The VS Code extension's pinned tooling (editors/vscode/package-lock.json),
# so the build can package the .vsix without the network (cmake/Vsix.cmake).
# Node.js brings npm; Debian's npm only when there is none (it conflicts with
# other Node.js packages). Without it the build says so and skips the .vsix.
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: installing nodejs npm"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null || true
fi
vscode=editors/vscode
if command -v npm >/dev/null 2>&1 &&
  { [ ! -f "$vscode/node_modules/.package-lock.json" ] || [ "$vscode/package-lock.json" -nt "$vscode/node_modules/.package-lock.json" ]; }; then
  echo "setup: npm ci in $vscode"
  npm_log="$(mktemp)"
  if ! (cd "$vscode" && npm ci --no-audit --no-fund --loglevel=error >"$npm_log" 2>&1); then
    tail -20 "$npm_log" >&2
    echo "setup: npm ci in $vscode failed; the VS Code extension (.vsix) will not be built" >&2
  fi
  rm -f "$npm_log"
fi

build_dir="${1:-build}"
shift || true
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja "$@" >/dev/null
fi
echo "setup: building in $build_dir"
if ! ninja -C "$build_dir" ${PIPE_BUILD_JOBS:+-j "$PIPE_BUILD_JOBS"} >"$build_dir/build.log" 2>&1; then
  grep -E "error|FAILED" -A3 "$build_dir/build.log" | head -60
  echo "setup: the build failed; the whole log is $build_dir/build.log" >&2
  exit 1
fi
