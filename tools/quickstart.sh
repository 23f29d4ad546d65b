#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The main job on an embedded default: installs dependencies, builds, then
# decodes a camera-style MIKEY-NULL message into srtpdec caps with mikey-tool.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
[ -d build ] || meson setup build
ninja -C build

msg=$(cat tests/check/data/device-null-mki.b64)
echo "== MIKEY message (as an RTSP camera puts it in SDP a=key-mgmt):"
echo "a=key-mgmt:$msg"
echo
echo "== mikey-tool decode --format json"
./build/tools/mikey-tool decode --format json "$msg"
echo
echo "== mikey-tool decode --format caps (ready for srtpdec)"
./build/tools/mikey-tool decode --format caps "$msg"

echo
echo "== SRTP audio between two pipelines over loopback, keyed with MIKEY-PSK"
bash tools/demo-psk-loopback.sh
