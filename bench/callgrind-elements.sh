#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Instructions per packet that mikeyenc / mikeydec add to a keyed SRTP
# pipeline, counted with valgrind's callgrind: deterministic, so the ratio
# holds on a busy shared machine where wall-clock benchmarks swing by
# several percent. Each pipeline runs with N and 2N packets; the
# difference divided by N is the per-packet cost without start-up.
#
#   bench/callgrind-elements.sh [N]      (default 20000; needs valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-20000}
export GST_PLUGIN_PATH=$PWD/build/ext/mikey
key=000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d
caps="application/x-srtp,ssrc=(uint)1234,roc=(uint)0,srtp-key=(buffer)$key"
caps="$caps,srtp-cipher=(string)aes-128-icm,srtp-auth=(string)hmac-sha1-80"
caps="$caps,srtcp-cipher=(string)aes-128-icm,srtcp-auth=(string)hmac-sha1-80"
src="audiotestsrc num-buffers=NUM samplesperbuffer=160 \
  ! audio/x-raw,format=S16BE,rate=8000,channels=1 ! rtpL16pay ssrc=1234"

instructions() {
  local pipeline=${1//NUM/$2}
  # shellcheck disable=SC2086
  valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    gst-launch-1.0 -q $pipeline 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

per_packet() {
  local a b
  a=$(instructions "$1" "$n")
  b=$(instructions "$1" $((2 * n)))
  echo $(((b - a) / n))
}

key_mgmt() {
  build/tools/mikey-tool create --mode null --tek "$key" --ssrc 1234
}

row() {
  printf '%-46s %9s instr/packet   %+6.1f%%\n' "$1" "$2" \
    "$(python3 -c "print(($2 - $3) / $3 * 100)")"
}

echo "callgrind, $n and $((2 * n)) packets per pipeline (20 ms L16)"
base=$(per_packet "$src ! srtpenc key=$key ! fakesink")
row "srtpenc alone" "$base" "$base"
row "identity ! srtpenc (yardstick)" \
  "$(per_packet "$src ! identity ! srtpenc key=$key ! fakesink")" "$base"
row "mikeyenc ! srtpenc" \
  "$(per_packet "$src ! mikeyenc mode=null ! srtpenc ! fakesink")" "$base"

# srtpdec needs its key from caps: a capsfilter sets them in the baseline,
# mikeydec takes the capsfilter's place (key-mgmt made fresh: it must not
# be stale by the time valgrind gets to it)
enc="$src ! srtpenc key=$key"
base=$(per_packet "$enc ! capsfilter caps=$caps ! srtpdec ! fakesink")
row "capsfilter (keys) ! srtpdec" "$base" "$base"
row "capsfilter ! identity ! srtpdec (yardstick)" \
  "$(per_packet "$enc ! capsfilter caps=$caps ! identity ! srtpdec ! fakesink")" \
  "$base"
a=$(instructions "$enc ! mikeydec mode=null port=0 key-mgmt=\"$(key_mgmt)\" ! srtpdec ! fakesink" "$n")
b=$(instructions "$enc ! mikeydec mode=null port=0 key-mgmt=\"$(key_mgmt)\" ! srtpdec ! fakesink" $((2 * n)))
row "mikeydec (keys) ! srtpdec" $(((b - a) / n)) "$base"
