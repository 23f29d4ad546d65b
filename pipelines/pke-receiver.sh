#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Receives an SRTP audio stream keyed with MIKEY public-key encryption
# (MIKEY-PKE, RFC 3830 3.2): the sender encrypts the key to this receiver's
# certificate and signs the message with its own. Start it before
# pipelines/pke-sender.sh.
#
#   pipelines/pke-receiver.sh [out.wav]
#
# Environment: CERT, KEY (this receiver's certificate chain and private key:
# the sender needs the certificate as its PEER_CERT), CA_FILE (the CAs a
# sender's certificate must chain to), ID, PEER_ID (optional: the only
# sender identity to accept), RTP_PORT (5004), MIKEY_PORT (2269), ADDRESS
# (0.0.0.0). The certificates default to the test PKI (see mikey-env.sh).
set -eu
. "$(dirname "$0")/mikey-env.sh"
mikey_pki_defaults receiver
mikey_audio_sink "$@"

RTP_PORT=${RTP_PORT:-5004}
MIKEY_PORT=${MIKEY_PORT:-2269}
ADDRESS=${ADDRESS:-0.0.0.0}

# shellcheck disable=SC2086
exec gst-launch-1.0 -e udpsrc port="$RTP_PORT" caps="$SRTP_L16_CAPS" \
  ! mikeydec mode=pke cert="$CERT" key="$KEY" ca-file="$CA_FILE" \
      "${CRL_FILE:+crl-file=$CRL_FILE}" id="$ID" \
      "${PEER_ID:+peer-id=$PEER_ID}" address="$ADDRESS" port="$MIKEY_PORT" \
  ! srtpdec ! rtpL16depay ! $sink
