#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Receives an SRTP audio stream keyed with signed Diffie-Hellman (MIKEY-DH,
# RFC 3830 3.3): both sides prove who they are with certificates, and the
# SRTP key comes from a DH exchange (perfect forward secrecy). Start it
# before pipelines/dh-sender.sh.
#
#   pipelines/dh-receiver.sh [out.wav]
#
# Without an argument the audio goes to the sound card; with one it is
# written to that WAV file (stop with Ctrl-C: -e finishes the file).
# Environment: CERT, KEY (this receiver's certificate chain and private key,
# PEM), CA_FILE (the CAs a sender's certificate must chain to), ID (this
# receiver's identity), PEER_ID (optional: the only sender identity to
# accept), DH_GROUP (5, 2 or 1; the sender must use the same), RTP_PORT
# (5004), MIKEY_PORT (2269), ADDRESS (0.0.0.0). The certificates default to
# the test PKI (see mikey-env.sh).
set -eu
. "$(dirname "$0")/mikey-env.sh"
mikey_pki_defaults receiver
mikey_audio_sink "$@"

RTP_PORT=${RTP_PORT:-5004}
MIKEY_PORT=${MIKEY_PORT:-2269}
ADDRESS=${ADDRESS:-0.0.0.0}
DH_GROUP=${DH_GROUP:-5}

# shellcheck disable=SC2086
exec gst-launch-1.0 -e udpsrc port="$RTP_PORT" caps="$SRTP_L16_CAPS" \
  ! mikeydec mode=dh cert="$CERT" key="$KEY" ca-file="$CA_FILE" \
      "${CRL_FILE:+crl-file=$CRL_FILE}" id="$ID" \
      "${PEER_ID:+peer-id=$PEER_ID}" dh-group="$DH_GROUP" \
      address="$ADDRESS" port="$MIKEY_PORT" \
  ! srtpdec ! rtpL16depay ! $sink
