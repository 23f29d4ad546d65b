#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Sends audio as SRTP keyed with MIKEY-PSK where only the RTP port is open
# between the two sides: MIKEY goes to the receiver's RTP port and leaves
# from the port the RTP leaves from (mikeyenc media-path=true shares
# udpsink's socket), so one UDP port pair carries both (MIKEY on the media
# path, docs/elements.md). Start pipelines/mediapath-receiver.sh first.
#
#   PSK_FILE=psk.hex pipelines/mediapath-sender.sh [in.wav]
#
# Without an argument it sends a test tone; with one, the WAV file.
# Environment: PSK_FILE or PSK (hex), HOST (127.0.0.1), RTP_PORT (5004: the
# receiver's RTP port, where MIKEY goes too), BIND_PORT (the local port RTP
# and MIKEY leave from, for a firewall rule; default: any free port),
# NUM_BUFFERS (test tone length in 20 ms buffers, default endless).
# MIKEY_PORT is not used: there is no MIKEY port.
set -eu
. "$(dirname "$0")/mikey-env.sh"
mikey_psk_prop
mikey_audio_src "$@"

HOST=${HOST:-127.0.0.1}
RTP_PORT=${RTP_PORT:-5004}
BIND_PORT=${BIND_PORT:-}

# shellcheck disable=SC2086
exec gst-launch-1.0 $src \
  ! audio/x-raw,format=S16BE,rate=8000,channels=1 \
  ! rtpL16pay \
  ! mikeyenc mode=psk "$psk_prop" media-path=true \
  ! srtpenc ! udpsink host="$HOST" port="$RTP_PORT" \
      "${BIND_PORT:+bind-port=$BIND_PORT}"
