#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fails, naming the files, when a tracked C file is not as tools/gst-indent
# would format it. Fix with: tools/gst-indent FILE...
set -euo pipefail
cd "$(dirname "$0")/.."

command -v indent >/dev/null || {
  echo "GNU indent not found: bash tools/install-deps.sh" >&2
  exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
while IFS= read -r f; do
  cp "$f" "$tmp/file.c"
  tools/gst-indent "$tmp/file.c"
  if ! cmp -s "$f" "$tmp/file.c"; then
    echo "not gst-indent formatted: $f" >&2
    bad=1
  fi
done < <(if git rev-parse --git-dir >/dev/null 2>&1; then
  git ls-files '*.c'
else
  find ext tests tools fuzz bench -name '*.c' | sort
fi)
[ "$bad" -eq 0 ] && echo "format: every C file is gst-indent formatted"
exit "$bad"
