#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The MMKM system on embedded defaults (run by tools/quickstart.sh): an
# mmkm-server with SQLite in a temporary state directory and a TEK period
# of 3 s, users made with mmkm-admin, two receivers
# (pipelines/mmkm-receiver.sh to WAV files) and a sender
# (pipelines/mmkm-sender.sh playing a generated WAV file); the bus messages
# are printed as they come, and at the end what each receiver decoded is
# compared with the source byte for byte.
#
# Usage: bash tools/demo-mmkm.sh [multicast|unicast]
#   multicast (239.255.42.42, TTL 1) only inside a private network
#   namespace (tools/quickstart.sh makes one); unicast: 127.0.0.1.
# The build in build/ is used (MMKM_BUILD_DIR overrides). SECONDS_OF_AUDIO
# (8) sets the length of the WAV file sent.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-unicast}
build=${MMKM_BUILD_DIR:-$PWD/build}
export MMKM_BUILD_DIR=$build
secs=${SECONDS_OF_AUDIO:-8}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
t0=$(now_ms)
stamp() {
  local ms=$(($(now_ms) - t0))
  printf '%3d.%02d' $((ms / 1000)) $((ms % 1000 / 10))
}
say() { echo "[$(stamp)] $*"; }

# A short TEK period so that a rotation happens every few seconds (the
# default is a day); heartbeats every second. Everything else: defaults.
cat >"$work/server.conf" <<'CONF'
[group]
tek-period-ms = 3000
fetch-window-ms = 2000
[members]
heartbeat-interval-ms = 1000
CONF

say "== mmkm-server (state in a temporary directory, SQLite, TEK every 3 s)"
"$build/server/mmkm-server" --config "$work/server.conf" \
  --state-dir "$work/server" --listen 127.0.0.1:0 --heartbeat-port 0 \
  --admin-listen 127.0.0.1:0 >"$work/server.out" 2>"$work/server.log" &
pids+=($!)
for _ in $(seq 100); do
  grep -qx ready "$work/server.out" && break
  sleep 0.1
done
grep -qx ready "$work/server.out" || { cat "$work/server.log"; exit 1; }
sed 's/^/    /' "$work/server.out"
fingerprint=$(sed -n 's/^fingerprint //p' "$work/server.out")
server=$(sed -n 's/^listening \(https:[^ ]*\)/\1/p' "$work/server.out")
admin=$(sed -n 's/^admin \(https:[^ ]*\)/\1/p' "$work/server.out")
server=${server%/}

say "== users: radio (sender), alice and bob (listeners), with mmkm-admin"
for u in radio:sender alice:listener bob:listener; do
  name=${u%%:*}
  openssl rand -hex 12 >"$work/$name.pw"
  chmod 600 "$work/$name.pw"
  "$build/server/mmkm-admin" --server "$admin" --state-dir "$work/server" \
    users add "$name" --role "${u#*:}" <"$work/$name.pw"
done

say "== a ${secs} s WAV file to send (white noise, 48 kHz stereo)"
gst-launch-1.0 -q audiotestsrc wave=white-noise num-buffers=$((secs * 50)) \
  samplesperbuffer=960 ! audio/x-raw,format=S16LE,rate=48000,channels=2 \
  ! wavenc ! filesink location="$work/in.wav"

export MMKM_SERVER=$server MMKM_FINGERPRINT=$fingerprint
export RATE=48000 CHANNELS=2
if [ "$mode" = multicast ]; then
  rx_addr=(239.255.42.42 239.255.42.42)
  rx_port=(5004 5004)
  export HOST=239.255.42.42 PORT=5004 TTL=1
  unset CLIENTS
  say "== multicast 239.255.42.42:5004, TTL 1, inside a private network namespace"
else
  rx_addr=(127.0.0.1 127.0.0.1)
  rx_port=(25004 25006)
  export CLIENTS=127.0.0.1:25004,127.0.0.1:25006
  say "== loopback unicast: 127.0.0.1:25004 and 127.0.0.1:25006"
fi

# Prints the mmkmregistry messages of a gst-launch -m log as they come
# (not the heartbeats: one a second per member). tail ends with this
# script (--pid), the filters with it.
follow() {
  : >>"$2"
  tail --pid=$$ -n +1 -F "$2" 2>/dev/null | grep --line-buffered -v "mmkm-heartbeat" |
    sed -u -n "s/.*(element): \(mmkm-.*\)/[$1] \1/p; s/^ERROR.*/[$1] &/p" &
}

receivers=(alice bob)
rx_pids=()
for i in 0 1; do
  name=${receivers[$i]}
  say "== receiver $name: pipelines/mmkm-receiver.sh $name.wav (${rx_addr[$i]}:${rx_port[$i]})"
  : >"$work/$name.log"
  MMKM_USER=$name MMKM_PASSWORD_FILE=$work/$name.pw \
    MMKM_STATE_DIR=$work/$name ADDRESS=${rx_addr[$i]} PORT=${rx_port[$i]} \
    bash pipelines/mmkm-receiver.sh "$work/$name.wav" >"$work/$name.log" 2>&1 &
  rx_pids+=($!)
  pids+=($!)
  follow "$name" "$work/$name.log"
done
# the receivers join first (their device key is made on the first start),
# so that they hold the keys of the first packet
for _ in $(seq 300); do
  if grep -q 'mmkm-joined' "$work/alice.log" && grep -q 'mmkm-joined' "$work/bob.log"; then
    break
  fi
  sleep 0.1
done
for name in alice bob; do
  grep -q 'mmkm-joined' "$work/$name.log" || { say "FAIL: $name did not join"; cat "$work/$name.log"; exit 1; }
done

say "== sender radio: pipelines/mmkm-sender.sh in.wav (real time, ${secs} s)"
MMKM_USER=radio MMKM_PASSWORD_FILE=$work/radio.pw MMKM_STATE_DIR=$work/radio \
  bash pipelines/mmkm-sender.sh "$work/in.wav" >"$work/radio.log" 2>&1 &
tx=$!
pids+=("$tx")
follow radio "$work/radio.log"
sleep 4
say "== mmkm-admin members (while the sender plays)"
"$build/server/mmkm-admin" --server "$admin" --state-dir "$work/server" members |
  sed 's/^/    /' || true
wait "$tx" || { say "FAIL: the sender failed"; tail -n 20 "$work/radio.log"; exit 1; }
sleep 1
for p in "${rx_pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
for p in "${rx_pids[@]}"; do wait "$p" || true; done
sleep 0.5

say "== what each receiver decoded, against the source"
failed=0
for name in alice bob; do
  switches=$(grep -c 'mmkm-rekey.*activated' "$work/$name.log" || true)
  python3 - "$work/in.wav" "$work/$name.wav" "$name" "$switches" <<'PY' || failed=1
import sys, wave
def pcm(path):
    try:
        with wave.open(path, "rb") as w:
            return w.readframes(w.getnframes())
    except (OSError, EOFError, wave.Error) as e:
        sys.exit(f"FAIL: {sys.argv[3]}: no audio received ({e})")
a, b = pcm(sys.argv[1]), pcm(sys.argv[2])
name, switches = sys.argv[3], sys.argv[4]
# align on the first decoded sample (white noise: 64 bytes are unique)
off = a.find(b[:64]) if len(b) >= 64 else -1
if off < 0 or off % 4:
    sys.exit(f"FAIL: {name}: the decoded audio is not the source's")
if b != a[off:off + len(b)] or off + len(b) != len(a):
    sys.exit(f"FAIL: {name}: decoded {len(b)} bytes from offset {off} of "
             f"{len(a)}: they differ from the source or the end is missing")
print(f"OK: {name}: {len(b)} of {len(a)} bytes of PCM, byte-identical to the "
      f"source from its first decoded sample (offset {off} bytes = "
      f"{off // 4} frames), {switches} key switches")
PY
done
n_teks=$(grep -c 'mmkm-rekey.*activated' "$work/radio.log" || true)
say "sender switched keys $n_teks times; total run $(stamp) s"
exit "$failed"
