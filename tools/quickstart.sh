#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The main job on embedded defaults: installs dependencies, builds, shows
# MIKEY in two short steps, then runs the MMKM system (server, sender, two
# receivers, TEK rotations, a byte-for-byte check): tools/demo-mmkm.sh,
# over multicast inside a private network namespace where one can be made.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
[ -d build ] || meson setup build
ninja -C build

echo
echo "== MIKEY: a camera-style MIKEY-NULL message (SDP a=key-mgmt) as srtpdec caps"
./build/tools/mikey-tool decode --format caps "$(cat tests/check/data/device-null-mki.b64)"
echo
echo "== MIKEY: SRTP audio between two pipelines over loopback, keyed with MIKEY-PSK"
bash tools/demo-psk-loopback.sh

echo
echo "== MMKM: a key server, a sender and two receivers, keys rotated every 3 s"
# A private network namespace (unshare -rn) has its own loopback and no
# other interface: multicast there cannot reach any other machine.
netns_setup='ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo'
if command -v ip >/dev/null && unshare -rn sh -c "$netns_setup" 2>/dev/null; then
  exec unshare -rn bash -c "$netns_setup && exec bash tools/demo-mmkm.sh multicast"
fi
echo "(no private network namespace here: unshare -rn or ip is not allowed or"
echo " missing; running over loopback unicast instead of multicast)"
exec bash tools/demo-mmkm.sh unicast
