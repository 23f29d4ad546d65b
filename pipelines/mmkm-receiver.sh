#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Receives the SRTP stream of pipelines/mmkm-sender.sh (or mmkm-sender) as a
# member of an MMKM group: mmkmregistry (role=receiver) logs in, fetches
# the TEKs before they are needed and keys srtpdec at each change of MKI.
# Bus messages (mmkm-joined, mmkm-heartbeat, mmkm-rekey, ...) are printed.
#
#   MMKM_SERVER=https://127.0.0.1:8443 MMKM_FINGERPRINT=AB:01:... \
#   MMKM_USER=alice MMKM_PASSWORD_FILE=alice.pw pipelines/mmkm-receiver.sh [out.wav]
#
# Without an argument the audio goes to the sound card (autoaudiosink,
# resampled to whatever rate the card takes); with one it is written to
# that WAV file at the stream's own rate (stop with Ctrl-C or SIGINT: -e
# finishes the file). Environment:
#   MMKM_SERVER, MMKM_FINGERPRINT (or MMKM_CA_FILE), MMKM_USER,
#     MMKM_PASSWORD_FILE, MMKM_STATE_DIR, MMKM_GROUP: as mmkm-sender.sh
#     (a listener: mmkm-admin users add alice --role listener)
#   ADDRESS (239.255.42.42: the multicast group; a unicast local address
#     such as 127.0.0.1 works too), PORT (5004)
#   RATE (48000), CHANNELS (2): the stream's format, as the sender sends
#     it (mmkm-sender prints it in its "stream" line); the sink is never
#     given another rate: the WAV file is written at the stream's rate and
#     the sound card path resamples
#   SINK (auto): "card" forces the sound card even with an argument
set -eu
. "$(dirname "$0")/mmkm-env.sh"
mmkm_registry receiver

ADDRESS=${ADDRESS:-239.255.42.42}
PORT=${PORT:-5004}

if [ $# -ge 1 ] && [ "${SINK:-auto}" != card ]; then
  sink="audioconvert ! audio/x-raw,format=S16LE ! wavenc ! filesink location=$1"
else
  sink="audioconvert ! audioresample ! autoaudiosink"
fi

# shellcheck disable=SC2086
exec gst-launch-1.0 -e -m udpsrc address="$ADDRESS" port="$PORT" \
  caps="$MMKM_SRTP_CAPS" ! $reg ! srtpdec ! rtpL16depay ! $sink
