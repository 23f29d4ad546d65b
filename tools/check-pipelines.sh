#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the sender/receiver scripts of pipelines/ as a user would: two
# gst-launch-1.0 processes over loopback, a WAV file in, a WAV file out,
# and the received audio compared with the source byte for byte.
#
# Usage: bash tools/check-pipelines.sh [PAIR...]
#   PAIR: psk, dh, pke, negotiation, mediapath (default: all of them)
# The build in build/ is used (MIKEY_BUILD_DIR overrides).
set -euo pipefail
cd "$(dirname "$0")/.."

pairs=("$@")
[ ${#pairs[@]} -gt 0 ] || pairs=(psk dh pke negotiation mediapath)

work=$(mktemp -d)
rx=
trap '[ -n "$rx" ] && kill "$rx" 2>/dev/null; rm -rf "$work"' EXIT

export MIKEY_BUILD_DIR=${MIKEY_BUILD_DIR:-$PWD/build}
openssl rand -hex 16 >"$work/psk.hex"
export PSK_FILE=$work/psk.hex

gst-launch-1.0 -q audiotestsrc num-buffers=100 samplesperbuffer=160 \
  ! audio/x-raw,format=S16LE,rate=8000,channels=1 ! wavenc \
  ! filesink location="$work/in.wav"

port=15004
failed=0
for pair in "${pairs[@]}"; do
  [ -x "pipelines/$pair-sender.sh" ] || [ -f "pipelines/$pair-sender.sh" ] ||
    { echo "no pipelines/$pair-sender.sh" >&2; exit 2; }
  export RTP_PORT=$port MIKEY_PORT=$((port + 1)) ADDRESS=127.0.0.1
  port=$((port + 2))
  rm -f "$work/out.wav"
  bash "pipelines/$pair-receiver.sh" "$work/out.wav" >"$work/rx.log" 2>&1 &
  rx=$!
  sleep 1
  if [ "$pair" = mediapath ]; then
    # one port pair: MIKEY shares the RTP ports (the sender's pinned, as a
    # firewall rule would want it); MIKEY_PORT stays closed
    export BIND_PORT=$MIKEY_PORT
    echo "== $pair: pipelines/$pair-sender.sh in.wav (MIKEY and RTP from 127.0.0.1:$BIND_PORT to 127.0.0.1:$RTP_PORT)"
  else
    unset BIND_PORT
    echo "== $pair: pipelines/$pair-sender.sh in.wav (MIKEY to 127.0.0.1:$MIKEY_PORT)"
  fi
  if ! bash "pipelines/$pair-sender.sh" "$work/in.wav" >"$work/tx.log" 2>&1; then
    cat "$work/tx.log" "$work/rx.log"
    failed=1
  fi
  sleep 1
  kill -INT "$rx" 2>/dev/null || true
  wait "$rx" || true
  rx=
  python3 - "$work/in.wav" "$work/out.wav" <<'PY' || failed=1
import sys, wave
def pcm(path):
    try:
        with wave.open(path, "rb") as w:
            return w.readframes(w.getnframes())
    except (OSError, EOFError, wave.Error) as e:
        sys.exit(f"FAIL: no audio received ({e})")
a, b = pcm(sys.argv[1]), pcm(sys.argv[2])
print(f"sent {len(a)} bytes of PCM, received {len(b)} bytes")
if a != b:
    sys.exit("FAIL: the received audio differs from the source")
print("OK: received audio is byte-identical to the source")
PY
done
exit "$failed"
