#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Sends a WAV file (or, with SOURCE=card, the sound card) as SRTP to a
# multicast group, keyed by an MMKM server through mmkmregistry
# role=sender: it logs in, fetches the group's TEKs and switches srtpenc
# to each at its activation time. Bus messages (mmkm-joined, mmkm-rekey,
# mmkm-member, ...) are printed as they come.
#
#   MMKM_SERVER=https://127.0.0.1:8443 MMKM_FINGERPRINT=AB:01:... \
#   MMKM_USER=radio MMKM_PASSWORD_FILE=radio.pw pipelines/mmkm-sender.sh in.wav
#
# Environment:
#   MMKM_SERVER, MMKM_FINGERPRINT (or MMKM_CA_FILE), MMKM_USER (a user with
#     the sender role: mmkm-admin users add radio --role sender),
#     MMKM_PASSWORD_FILE (first line: the password), MMKM_STATE_DIR (the
#     device key; default mmkmregistry's), MMKM_GROUP (default "default")
#   HOST (239.255.42.42: the multicast group), PORT (5004), TTL (1: the
#     packets do not leave the local network)
#   CLIENTS (unset): HOST:PORT,HOST:PORT... sends to these (unicast)
#     instead of HOST:PORT
#   RATE (48000), CHANNELS (2): the stream format; every input is
#     converted to it and the receivers take it from the same variables
#   SOURCE (file): card for autoaudiosrc instead of the WAV file
# RTCP is not sent by this script (mmkm-sender sends SRTCP sender reports).
set -eu
. "$(dirname "$0")/mmkm-env.sh"
mmkm_registry sender

HOST=${HOST:-239.255.42.42}
PORT=${PORT:-5004}
TTL=${TTL:-1}

if [ "${SOURCE:-file}" = card ]; then
  src="autoaudiosrc ! audioconvert ! audioresample"
elif [ $# -ge 1 ]; then
  # sync on the sink paces the file in real time
  src="filesrc location=$1 ! wavparse ! audioconvert ! audioresample"
else
  echo "usage: $0 in.wav   (or SOURCE=card $0)" >&2
  exit 2
fi
if [ -n "${CLIENTS:-}" ]; then
  sink="multiudpsink clients=$CLIENTS"
else
  sink="udpsink host=$HOST port=$PORT auto-multicast=true ttl-mc=$TTL"
fi

# -m prints the bus messages (mmkmregistry's never carry key bytes).
# shellcheck disable=SC2086
exec gst-launch-1.0 -m $src \
  ! audio/x-raw,format=S16BE,rate="$RATE",channels="$CHANNELS" \
  ! rtpL16pay mtu=1400 ! $reg ! srtpenc ! $sink
