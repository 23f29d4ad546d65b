#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Sends audio as SRTP keyed with MIKEY public-key encryption (MIKEY-PKE,
# RFC 3830 3.2): the key travels encrypted to the receiver's certificate
# (PEER_CERT, known in advance), signed with this sender's key. Start
# pipelines/pke-receiver.sh first.
#
#   pipelines/pke-sender.sh [in.wav]
#
# Environment: CERT, KEY (this sender's certificate and private key),
# PEER_CERT (the receiver's certificate), CA_FILE (checked against
# PEER_CERT when the pipeline starts), ID, PEER_ID (the identity PEER_CERT
# must be for), SIGN (pkcs1 or pss), HOST (127.0.0.1), RTP_PORT (5004),
# MIKEY_PORT (2269), NUM_BUFFERS (test tone length in 20 ms buffers,
# default endless). The certificates default to the test PKI (see
# mikey-env.sh).
set -eu
. "$(dirname "$0")/mikey-env.sh"
mikey_pki_defaults sender
mikey_audio_src "$@"

HOST=${HOST:-127.0.0.1}
RTP_PORT=${RTP_PORT:-5004}
MIKEY_PORT=${MIKEY_PORT:-2269}
SIGN=${SIGN:-pkcs1}

# shellcheck disable=SC2086
exec gst-launch-1.0 $src \
  ! audio/x-raw,format=S16BE,rate=8000,channels=1 \
  ! rtpL16pay \
  ! mikeyenc mode=pke cert="$CERT" key="$KEY" peer-cert="$PEER_CERT" \
      ca-file="$CA_FILE" "${CRL_FILE:+crl-file=$CRL_FILE}" id="$ID" \
      "${PEER_ID:+peer-id=$PEER_ID}" sign="$SIGN" \
      peer-address="$HOST" peer-port="$MIKEY_PORT" \
  ! srtpenc ! udpsink host="$HOST" port="$RTP_PORT"
