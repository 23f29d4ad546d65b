#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Sends SRTP audio, offering the methods MODES and the SRTP suites SUITES
# (best first); the receiver (pipelines/negotiation-receiver.sh, or any
# mikeydec) answers with the best pair both share, and the exchange runs
# with it (one extra round trip at most). A receiver that does not
# negotiate makes this sender fall back to its next choice. The bus
# messages (mikey-negotiation, mikey-key-established) are printed.
#
#   PSK_FILE=psk.hex pipelines/negotiation-sender.sh [in.wav]
#
# Environment: MODES (psk,pke,dh), SUITES
# (AES_CM_128_HMAC_SHA1_80,AES_CM_128_HMAC_SHA1_32), PSK_FILE or PSK,
# CERT, KEY, PEER_CERT, CA_FILE, ID, PEER_ID (the test PKI by default, see
# mikey-env.sh), HOST (127.0.0.1), RTP_PORT (5004), MIKEY_PORT (2269),
# NUM_BUFFERS (test tone length in 20 ms buffers, default endless).
set -eu
. "$(dirname "$0")/mikey-env.sh"
mikey_psk_prop
mikey_pki_defaults sender
mikey_audio_src "$@"

MODES=${MODES:-psk,pke,dh}
SUITES=${SUITES:-AES_CM_128_HMAC_SHA1_80,AES_CM_128_HMAC_SHA1_32}
HOST=${HOST:-127.0.0.1}
RTP_PORT=${RTP_PORT:-5004}
MIKEY_PORT=${MIKEY_PORT:-2269}

# shellcheck disable=SC2086
exec gst-launch-1.0 -m $src \
  ! audio/x-raw,format=S16BE,rate=8000,channels=1 \
  ! rtpL16pay \
  ! mikeyenc modes="$MODES" suites="$SUITES" "$psk_prop" \
      cert="$CERT" key="$KEY" peer-cert="$PEER_CERT" ca-file="$CA_FILE" \
      "${CRL_FILE:+crl-file=$CRL_FILE}" \
      id="$ID" "${PEER_ID:+peer-id=$PEER_ID}" \
      peer-address="$HOST" peer-port="$MIKEY_PORT" \
  ! srtpenc ! udpsink host="$HOST" port="$RTP_PORT"
