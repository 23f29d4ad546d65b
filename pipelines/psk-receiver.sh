#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Receives an SRTP audio stream keyed with MIKEY-PSK over UDP.
# Start it before the sender (pipelines/psk-sender.sh).
#
#   PSK_FILE=psk.hex pipelines/psk-receiver.sh [out.wav]
#
# Without an argument the audio goes to the sound card (autoaudiosink);
# with one it is written to that WAV file (stop with Ctrl-C: -e finishes
# the file). Environment: PSK_FILE or PSK (hex), RTP_PORT (5004),
# MIKEY_PORT (2269), ADDRESS (0.0.0.0: where MIKEY is listened for).
set -eu
. "$(dirname "$0")/mikey-env.sh"
mikey_psk_prop

RTP_PORT=${RTP_PORT:-5004}
MIKEY_PORT=${MIKEY_PORT:-2269}
ADDRESS=${ADDRESS:-0.0.0.0}

if [ $# -ge 1 ]; then
  sink="audioconvert ! wavenc ! filesink location=$1"
else
  sink="audioconvert ! audioresample ! autoaudiosink"
fi

# shellcheck disable=SC2086
exec gst-launch-1.0 -e udpsrc port="$RTP_PORT" \
  caps="application/x-srtp,media=(string)audio,clock-rate=(int)8000,encoding-name=(string)L16,channels=(int)1,payload=(int)96" \
  ! mikeydec mode=psk "$psk_prop" address="$ADDRESS" port="$MIKEY_PORT" \
  ! srtpdec ! rtpL16depay ! $sink
