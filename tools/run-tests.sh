#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The test command: installs dependencies, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
[ -d build ] || meson setup build
ninja -C build
meson test -C build --print-errorlogs --num-processes 2 "$@"
# the installed library as a program outside this tree sees it
bash tools/check-install.sh build
# the scripts of pipelines/ as a user runs them, audio compared byte for byte
bash tools/check-pipelines.sh
