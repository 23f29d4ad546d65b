#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The embedded-default main job: a WAV file sent as SRTP from one
# gst-launch-1.0 process to another over loopback, keyed by a MIKEY-PSK
# exchange (pipelines/psk-sender.sh -> pipelines/psk-receiver.sh), and the
# received audio compared with the source byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'kill "$rx" 2>/dev/null || true; rm -rf "$work"' EXIT

export MIKEY_BUILD_DIR=${MIKEY_BUILD_DIR:-$PWD/build}
export RTP_PORT=${RTP_PORT:-15004} MIKEY_PORT=${MIKEY_PORT:-12269}
openssl rand -hex 16 >"$work/psk.hex"
export PSK_FILE=$work/psk.hex

# two seconds of a 440 Hz tone, as the embedded source
gst-launch-1.0 -q audiotestsrc num-buffers=100 samplesperbuffer=160 \
  ! audio/x-raw,format=S16LE,rate=8000,channels=1 ! wavenc \
  ! filesink location="$work/in.wav"

pipelines/psk-receiver.sh "$work/out.wav" >"$work/rx.log" 2>&1 &
rx=$!
sleep 1
echo "== sender: pipelines/psk-sender.sh in.wav (MIKEY-PSK to 127.0.0.1:$MIKEY_PORT)"
pipelines/psk-sender.sh "$work/in.wav" >"$work/tx.log" 2>&1 ||
  { cat "$work/tx.log" "$work/rx.log"; exit 1; }
sleep 1
kill -INT "$rx"
wait "$rx" || true

python3 - "$work/in.wav" "$work/out.wav" <<'PY'
import sys, wave
def pcm(path):
    with wave.open(path, "rb") as w:
        return w.readframes(w.getnframes())
a, b = pcm(sys.argv[1]), pcm(sys.argv[2])
print(f"sent {len(a)} bytes of PCM, received {len(b)} bytes")
if a != b:
    sys.exit("FAIL: the received audio differs from the source")
print("OK: received audio is byte-identical to the source")
PY
