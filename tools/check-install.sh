#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Checks what an installed libmikey-1.0 gives a program outside this tree:
# installs the build into a scratch prefix, compiles and runs a small
# program against the installed headers through pkg-config, and checks
# that the shared library exports only its MIKEY_API functions and that
# the plugin and mikey-tool carry no copy of the library themselves (one
# copy of its global state per process).
# Usage: bash tools/check-install.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

meson install -C "$build" --no-rebuild --destdir "$tmp/root" >/dev/null
root="$tmp/root"
libdir=$(meson introspect "$build" --buildoptions |
  python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="libdir"))')
instprefix=$(meson introspect "$build" --buildoptions |
  python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
pcdir="$root$instprefix/$libdir/pkgconfig"
[ -f "$pcdir/mikey-1.0.pc" ] || { echo "FAIL: mikey-1.0.pc not installed" >&2; exit 1; }

# the .pc file as installed, pointed at the scratch prefix
mkdir "$tmp/pc"
sed "s#^prefix=.*#prefix=$root$instprefix#" "$pcdir/mikey-1.0.pc" \
  >"$tmp/pc/mikey-1.0.pc"

cat >"$tmp/app.c" <<'C'
#include <mikey/mikey.h>
#include <stdio.h>

int
main (void)
{
  const MikeySuiteInfo *suite =
      mikey_suite_lookup ("AES_CM_128_HMAC_SHA1_80");
  if (suite == NULL)
    return 1;
  printf ("libmikey-1.0 from an installed prefix: suite %s\n", suite->name);
  return 0;
}
C
# shellcheck disable=SC2046
cc -std=c11 -Wall -Werror -o "$tmp/app" "$tmp/app.c" \
  $(PKG_CONFIG_PATH="$tmp/pc" pkg-config --cflags --libs mikey-1.0)
LD_LIBRARY_PATH="$root$instprefix/$libdir" "$tmp/app"

lib=$(find "$root$instprefix/$libdir" -name "libmikey-1.0.so.*" -type f | head -n 1)
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^mikey_' || true)
[ -z "$bad" ] || { echo "FAIL: libmikey-1.0 exports non-API symbols: $bad" >&2; exit 1; }
echo "libmikey-1.0 exports $(nm -D --defined-only "$lib" | wc -l) symbols, all mikey_*"

nm -D --defined-only "$lib" | awk '{print $3}' | sort >"$tmp/api"
for bin in "$build/ext/mikey/libgstmikey.so" "$build/tools/mikey-tool"; do
  nm --defined-only "$bin" | awk '{print $3}' | sort >"$tmp/own"
  copies=$(comm -12 "$tmp/api" "$tmp/own" | wc -l)
  if [ "$copies" -ne 0 ]; then
    echo "FAIL: $bin defines $copies of libmikey-1.0's functions itself" \
      "(a second copy of the library)" >&2
    exit 1
  fi
  # (not "ldd | grep -q": grep's early exit would fail the pipe)
  deps=$(ldd "$bin")
  grep -q 'libmikey-1.0.so' <<<"$deps" ||
    { echo "FAIL: $bin does not link libmikey-1.0" >&2; exit 1; }
done
echo "plugin and mikey-tool link libmikey-1.0 and hold no copy of it"
echo "install check: OK"
