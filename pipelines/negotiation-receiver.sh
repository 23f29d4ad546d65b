#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Receives SRTP audio from a sender that negotiates: this receiver accepts
# the methods MODES and the SRTP suites SUITES, best first, and the two
# sides agree on the best pair they share (docs/negotiation.md). The
# defaults are seed 001's Table 4: with pipelines/negotiation-sender.sh's
# defaults they agree on pke + AES_CM_128_HMAC_SHA1_32. The bus messages
# (mikey-negotiation, mikey-key-established) are printed. Start it first.
#
#   PSK_FILE=psk.hex pipelines/negotiation-receiver.sh [out.wav]
#
# Environment: MODES (pke,dh,psk), SUITES
# (AES_CM_128_HMAC_SHA1_32,AES_F8_128_HMAC_SHA1_80; F8 is listed but never
# chosen), PSK_FILE or PSK (for psk / dhhmac), CERT, KEY, CA_FILE, ID (for
# pke / dh; the test PKI by default, see mikey-env.sh), RTP_PORT (5004),
# MIKEY_PORT (2269), ADDRESS (0.0.0.0).
set -eu
. "$(dirname "$0")/mikey-env.sh"
mikey_psk_prop
mikey_pki_defaults receiver
mikey_audio_sink "$@"

MODES=${MODES:-pke,dh,psk}
SUITES=${SUITES:-AES_CM_128_HMAC_SHA1_32,AES_F8_128_HMAC_SHA1_80}
RTP_PORT=${RTP_PORT:-5004}
MIKEY_PORT=${MIKEY_PORT:-2269}
ADDRESS=${ADDRESS:-0.0.0.0}

# -m prints the bus messages (never key bytes)
# shellcheck disable=SC2086
exec gst-launch-1.0 -e -m udpsrc port="$RTP_PORT" caps="$SRTP_L16_CAPS" \
  ! mikeydec modes="$MODES" suites="$SUITES" "$psk_prop" \
      cert="$CERT" key="$KEY" ca-file="$CA_FILE" \
      "${CRL_FILE:+crl-file=$CRL_FILE}" id="$ID" \
      address="$ADDRESS" port="$MIKEY_PORT" \
  ! srtpdec ! rtpL16depay ! $sink
