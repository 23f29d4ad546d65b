#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Receives an SRTP audio stream keyed with MIKEY-PSK on its one open port:
# mikeydec media-path=true takes the MIKEY messages out of what arrives on
# the RTP port (their first byte is MIKEY's version, 1; RTP/SRTP start
# with 0x80..0xBF), answers them from that port to their source, and
# passes only RTP on to srtpdec. No MIKEY port is opened (port=0). Start it
# before pipelines/mediapath-sender.sh.
#
#   PSK_FILE=psk.hex pipelines/mediapath-receiver.sh [out.wav]
#
# Without an argument the audio goes to the sound card; with one it is
# written to that WAV file (stop with Ctrl-C: -e finishes the file).
# Environment: PSK_FILE or PSK (hex), RTP_PORT (5004: the one port, RTP and
# MIKEY), ADDRESS (0.0.0.0: the address it is received on). MIKEY_PORT is
# not used.
set -eu
. "$(dirname "$0")/mikey-env.sh"
mikey_psk_prop
mikey_audio_sink "$@"

RTP_PORT=${RTP_PORT:-5004}
ADDRESS=${ADDRESS:-0.0.0.0}

# shellcheck disable=SC2086
exec gst-launch-1.0 -e udpsrc address="$ADDRESS" port="$RTP_PORT" \
      caps="$SRTP_L16_CAPS" \
  ! mikeydec mode=psk "$psk_prop" media-path=true port=0 \
  ! srtpdec ! rtpL16depay ! $sink
