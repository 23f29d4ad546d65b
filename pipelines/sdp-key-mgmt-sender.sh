#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Sends audio as SRTP and describes it in an SDP file whose a=key-mgmt line
# (RFC 4567) carries the MIKEY message with the keys: no UDP exchange, the
# receiver (pipelines/sdp-key-mgmt-receiver.sh) reads the SDP instead, as
# it would read an SDP offer from SIP or an RTSP DESCRIBE answer.
#
#   PSK_FILE=psk.hex pipelines/sdp-key-mgmt-sender.sh [in.wav]
#   MODE=null pipelines/sdp-key-mgmt-sender.sh        # keys in the clear!
#
# Environment: MODE (psk, or null: only when the SDP travels over a secure
# channel such as SIP over TLS or RTSPS), PSK_FILE or PSK (hex, for psk),
# SDP_FILE (session.sdp), HOST (127.0.0.1), RTP_PORT (5004), NUM_BUFFERS
# (test tone length in 20 ms buffers, default endless).
set -eu
. "$(dirname "$0")/mikey-env.sh"

MODE=${MODE:-psk}
SDP_FILE=${SDP_FILE:-session.sdp}
HOST=${HOST:-127.0.0.1}
RTP_PORT=${RTP_PORT:-5004}

if [ "$MODE" = psk ]; then
  mikey_psk_prop
else
  psk_prop=""
fi

if [ $# -ge 1 ]; then
  src="filesrc location=$1 ! wavparse ! audioconvert ! audioresample"
else
  src="audiotestsrc is-live=true samplesperbuffer=160 num-buffers=${NUM_BUFFERS:--1}"
fi

write_sdp() {
  tmp="$SDP_FILE.tmp.$$"
  cat > "$tmp" <<SDP
v=0
o=- $(date +%s) 1 IN IP4 $HOST
s=gst-mikey audio
c=IN IP4 $HOST
t=0 0
m=audio $RTP_PORT RTP/SAVP 96
a=rtpmap:96 L16/8000/1
a=key-mgmt:$1
SDP
  mv "$tmp" "$SDP_FILE"
  echo "wrote $SDP_FILE: give it to the receiver" >&2
}

# mikeyenc without peer-address: SDP mode. Its key-mgmt property is
# notified when the keys are live; gst-launch-1.0 -v prints it (and, with
# the -X options, nothing that holds key bytes).
# shellcheck disable=SC2086
gst-launch-1.0 -v $GST_LAUNCH_QUIET_KEYS $src \
  ! audio/x-raw,format=S16BE,rate=8000,channels=1 \
  ! rtpL16pay \
  ! mikeyenc name=enc mode="$MODE" $psk_prop \
  ! srtpenc ! udpsink host="$HOST" port="$RTP_PORT" 2>&1 |
while IFS= read -r line; do
  case "$line" in
    *"GstMikeyEnc:enc: key-mgmt = mikey "*)
      write_sdp "${line#*: key-mgmt = }" ;;
    /Gst*) ;;                   # other property notifications
    *) printf '%s\n' "$line" ;;
  esac
done
