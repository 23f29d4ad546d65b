#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Sends audio as SRTP; the keys are agreed with the receiver's mikeydec by
# a MIKEY-PSK exchange over UDP (start pipelines/psk-receiver.sh first).
#
#   PSK_FILE=psk.hex pipelines/psk-sender.sh [in.wav]
#
# Without an argument it sends a test tone (audiotestsrc); with one, the WAV
# file (any rate/format: converted to 8 kHz mono L16). Environment:
# PSK_FILE or PSK (hex), HOST (127.0.0.1), RTP_PORT (5004), MIKEY_PORT
# (2269), NUM_BUFFERS (test tone length in 20 ms buffers, default endless).
set -eu
. "$(dirname "$0")/mikey-env.sh"
mikey_psk_prop

HOST=${HOST:-127.0.0.1}
RTP_PORT=${RTP_PORT:-5004}
MIKEY_PORT=${MIKEY_PORT:-2269}

if [ $# -ge 1 ]; then
  src="filesrc location=$1 ! wavparse ! audioconvert ! audioresample"
else
  src="audiotestsrc is-live=true samplesperbuffer=160 num-buffers=${NUM_BUFFERS:--1}"
fi

# shellcheck disable=SC2086
exec gst-launch-1.0 $src \
  ! audio/x-raw,format=S16BE,rate=8000,channels=1 \
  ! rtpL16pay \
  ! mikeyenc mode=psk "$psk_prop" peer-address="$HOST" peer-port="$MIKEY_PORT" \
  ! srtpenc ! udpsink host="$HOST" port="$RTP_PORT"
