#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Sends audio as SRTP keyed with signed Diffie-Hellman (MIKEY-DH, RFC 3830
# 3.3) with the receiver's mikeydec (start pipelines/dh-receiver.sh first).
# The receiver's signed answer must carry a certificate that chains to
# CA_FILE and belongs to PEER_ID.
#
#   pipelines/dh-sender.sh [in.wav]
#
# Without an argument it sends a test tone; with one, the WAV file.
# Environment: CERT, KEY (this sender's certificate and private key, PEM),
# CA_FILE, ID (this sender's identity, as in its certificate), PEER_ID (the
# receiver's identity; empty: any certificate CA_FILE vouches for),
# DH_GROUP (5, 2 or 1), HOST (127.0.0.1), RTP_PORT (5004), MIKEY_PORT
# (2269), NUM_BUFFERS (test tone length in 20 ms buffers, default endless).
# The certificates default to the test PKI (see mikey-env.sh).
set -eu
. "$(dirname "$0")/mikey-env.sh"
mikey_pki_defaults sender
mikey_audio_src "$@"

HOST=${HOST:-127.0.0.1}
RTP_PORT=${RTP_PORT:-5004}
MIKEY_PORT=${MIKEY_PORT:-2269}
DH_GROUP=${DH_GROUP:-5}

# shellcheck disable=SC2086
exec gst-launch-1.0 $src \
  ! audio/x-raw,format=S16BE,rate=8000,channels=1 \
  ! rtpL16pay \
  ! mikeyenc mode=dh cert="$CERT" key="$KEY" ca-file="$CA_FILE" \
      "${CRL_FILE:+crl-file=$CRL_FILE}" id="$ID" \
      "${PEER_ID:+peer-id=$PEER_ID}" dh-group="$DH_GROUP" \
      peer-address="$HOST" peer-port="$MIKEY_PORT" \
  ! srtpenc ! udpsink host="$HOST" port="$RTP_PORT"
