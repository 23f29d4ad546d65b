#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Receives the SRTP stream described by an SDP file (from
# pipelines/sdp-key-mgmt-sender.sh, a SIP peer or an RTSP DESCRIBE answer):
# the a=key-mgmt line goes to mikeydec's key-mgmt property, no UDP exchange.
#
#   PSK_FILE=psk.hex pipelines/sdp-key-mgmt-receiver.sh [out.wav]
#   MODE=null pipelines/sdp-key-mgmt-receiver.sh
#
# Environment: MODE (psk, or null to accept keys in the clear: only for an
# SDP that came over a secure channel), PSK_FILE or PSK (hex, for psk),
# SDP_FILE (session.sdp; waited for if it does not exist yet).
set -eu
. "$(dirname "$0")/mikey-env.sh"

MODE=${MODE:-psk}
SDP_FILE=${SDP_FILE:-session.sdp}

if [ "$MODE" = psk ]; then
  mikey_psk_prop
else
  psk_prop=""
fi

while [ ! -s "$SDP_FILE" ]; do
  echo "waiting for $SDP_FILE ..." >&2
  sleep 0.2
done

key_mgmt=$(sed -n 's/^a=key-mgmt:\(mikey .*\)$/\1/p' "$SDP_FILE" | tr -d '\r' | head -n 1)
rtp_port=$(sed -n 's/^m=audio \([0-9]*\) .*$/\1/p' "$SDP_FILE" | head -n 1)
if [ -z "$key_mgmt" ] || [ -z "$rtp_port" ]; then
  echo "error: $SDP_FILE has no a=key-mgmt:mikey line or no m=audio line" >&2
  exit 1
fi

if [ $# -ge 1 ]; then
  sink="audioconvert ! wavenc ! filesink location=$1"
else
  sink="audioconvert ! audioresample ! autoaudiosink"
fi

# port=0: no UDP listening; the keys come from key-mgmt
# shellcheck disable=SC2086
exec gst-launch-1.0 -e udpsrc port="$rtp_port" \
  caps="application/x-srtp,media=(string)audio,clock-rate=(int)8000,encoding-name=(string)L16,channels=(int)1,payload=(int)96" \
  ! mikeydec mode="$MODE" $psk_prop port=0 key-mgmt="\"$key_mgmt\"" \
  ! srtpdec ! rtpL16depay ! $sink
