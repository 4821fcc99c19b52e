#!/usr/bin/env bash
# install_deb.sh BUILD_DIR SOURCE_DIR VERSION: `cmake --install` lays pipe out
# under a prefix (FHS) and the installed pipec finds the installed stdlib;
# `cpack` builds pipe_VERSION_amd64.deb whose Depends cover every library the
# binaries load; the package, extracted with dpkg -x into a scratch root,
# checks, plans and simulates the examples; both hold the VS Code extension
# as a .vsix of the project's version.
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
build="$1" source="$2" version="$3"
vsix=share/pipe/vscode/pipe-lang.vsix

vsix_ok() { # vsix_ok FILE: a valid zip whose extension/package.json has $version
  [ -s "$1" ] || { echo "  no $1: the build packages the .vsix after \`npm ci\` in editors/vscode (scripts/setup.sh)" >&2; return 1; }
  python3 - "$1" "$version" <<'PY'
import json, sys, zipfile
path, version = sys.argv[1], sys.argv[2]
try:
    with zipfile.ZipFile(path) as z:
        bad = z.testzip()
        if bad:
            sys.exit(f"  {path}: corrupt zip entry {bad}")
        manifest = json.loads(z.read("extension/package.json"))
except (zipfile.BadZipFile, KeyError, ValueError) as e:
    sys.exit(f"  {path}: {e}")
if manifest.get("version") != version:
    sys.exit(f"  {path}: extension/package.json has version {manifest.get('version')!r}, not {version!r}")
PY
}

# ------------------------------------------------------------ cmake --install
prefix="$tmp/prefix"
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1
check "cmake --install exits 0" test $? -eq 0
for file in bin/pipec bin/piperun share/pipe/stdlib/policy.pipe share/pipe/stdlib/templates.pipe \
  share/pipe/stdlib/aws.pipe share/man/man1/pipec.1 share/man/man1/piperun.1 share/man/man5/pipe.5 \
  share/bash-completion/completions/pipec share/bash-completion/completions/piperun \
  share/zsh/vendor-completions/_pipec share/fish/vendor_completions.d/pipec.fish \
  share/vim/vimfiles/syntax/pipe.vim share/vim/vimfiles/ftdetect/pipe.vim share/doc/pipe/README.md; do
  check "installed $file" test -s "$prefix/$file"
done
check "installed $vsix: a zip with extension/package.json of version $version" vsix_ok "$prefix/$vsix"

# The installed pipec reads PREFIX/share/pipe/stdlib, not the source tree's:
# a template only the installed copy has must resolve.
printf '\ntemplate InstalledOnly extends StandardService {\n}\n' >>"$prefix/share/pipe/stdlib/templates.pipe"
mkdir -p "$tmp/project"
cat >"$tmp/project/svc.pipe" <<'PIPE'
import "std/templates"

pipeline Orders extends InstalledOnly {
  artifact = "orders"
  deploy { run = "scripts/deploy.sh" }
}
PIPE
(cd "$tmp/project" && env -u PIPE_STDLIB "$prefix/bin/pipec" check svc.pipe) >"$tmp/check.out" 2>&1
check "the installed pipec finds the installed stdlib" test $? -eq 0
[ "$failed" -eq 0 ] || cat "$tmp/check.out"

# ------------------------------------------------------------ Debian package
(cd "$build" && cpack -G DEB -B "$tmp/package" >"$tmp/cpack.log" 2>&1)
status=$?
check "cpack -G DEB exits 0" test "$status" -eq 0
[ "$status" -eq 0 ] || cat "$tmp/cpack.log"
deb="$tmp/package/pipe_${version}_amd64.deb"
check "the package is pipe_${version}_amd64.deb" test -s "$deb"
depends="$(dpkg-deb -f "$deb" Depends 2>/dev/null)"
root="$tmp/root"
dpkg -x "$deb" "$root"
check "dpkg -x extracts the package" test -x "$root/usr/bin/pipec" -a -x "$root/usr/bin/piperun"

# Every shared library the binaries link (NEEDED) comes from a package in Depends.
for binary in "$root/usr/bin/pipec" "$root/usr/bin/piperun"; do
  for soname in $(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    library="$(ldd "$binary" | awk -v so="$soname" '$1 == so {print $3}')"
    package="$(dpkg -S "$(readlink -f "$library")" 2>/dev/null || dpkg -S "$library" 2>/dev/null)"
    package="${package%%:*}"
    if [ -z "$package" ]; then
      echo "not ok $(basename "$binary") links $soname ($library) of no package"
      failed=1
    elif [[ ", $depends," != *", $package"[,\ ]* ]]; then
      echo "not ok Depends lacks $package ($soname, linked by $(basename "$binary")): $depends"
      failed=1
    else
      echo "ok Depends has $package for $soname"
    fi
  done
done
check "Depends is not empty" test -n "$depends"
for entry in $(sed 's/([^)]*)//g; s/,/ /g' <<<"$depends"); do
  check "Depends names an existing package: $entry" bash -c "apt-cache show '$entry' >/dev/null 2>&1 || dpkg -s '$entry' >/dev/null 2>&1"
done

# The extracted binaries on the examples.
"$root/usr/bin/pipec" --version >"$tmp/version" 2>&1
check "packaged pipec --version" contains "$tmp/version" "pipec $version"
cp -r "$source/examples" "$tmp/examples"
cd "$tmp/examples"
env -u PIPE_STDLIB "$root/usr/bin/pipec" check services templates >"$tmp/ex.out" 2>&1
check "packaged pipec checks the examples (exit 0)" test $? -eq 0
env -u PIPE_STDLIB "$root/usr/bin/pipec" check unsafe >"$tmp/unsafe.out" 2>&1
check "packaged pipec finds the unsafe examples (exit 1)" test $? -eq 1
env -u PIPE_STDLIB "$root/usr/bin/pipec" plan services -o "$tmp/plans" >"$tmp/plan.out" 2>&1
check "packaged pipec plans the examples" test -s "$tmp/plans/CheckoutApi.plan.json"
"$root/usr/bin/piperun" simulate "$tmp/plans/CheckoutApi.plan.json" --scenario scenarios/bad-version.json \
  >"$tmp/sim.out" 2>&1
check "packaged piperun simulates a bad version: rolled back (exit 3)" test $? -eq 3
"$root/usr/bin/piperun" simulate "$tmp/plans/CheckoutApi.plan.json" --scenario scenarios/good-version.json \
  >"$tmp/sim.out" 2>&1
check "packaged piperun simulates a good version: deployed (exit 0)" test $? -eq 0
check "the package holds pipec(1)" test -s "$root/usr/share/man/man1/pipec.1"
check "the package holds the bash completion" test -s "$root/usr/share/bash-completion/completions/pipec"
check "the package holds /usr/$vsix: a zip with extension/package.json of version $version" vsix_ok "$root/usr/$vsix"
finish
