# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=sh
# Sourced by the pipeline scripts: finds the mikey plugin when run from a
# source tree (build/ next to pipelines/) and checks that GStreamer sees it.

here=$(cd "$(dirname "$0")" && pwd)
for dir in "${MIKEY_BUILD_DIR:-}" "$here/../build" "$here/../_build"; do
  if [ -n "$dir" ] && [ -e "$dir/ext/mikey/libgstmikey.so" ]; then
    GST_PLUGIN_PATH="$(cd "$dir/ext/mikey" && pwd)${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
    export GST_PLUGIN_PATH
    break
  fi
done

if ! gst-inspect-1.0 mikeyenc >/dev/null 2>&1; then
  echo "error: GStreamer cannot find the mikey plugin (mikeyenc/mikeydec)." >&2
  echo "Build it (ninja -C build) or set GST_PLUGIN_PATH / MIKEY_BUILD_DIR." >&2
  exit 1
fi

# The pre-shared key: PSK_FILE (preferred: keeps the key off the command
# line) or PSK (hex). Sets psk_prop to the element property to use.
# shellcheck disable=SC2034
mikey_psk_prop() {
  if [ -n "${PSK_FILE:-}" ]; then
    psk_prop="psk-file=$PSK_FILE"
  elif [ -n "${PSK:-}" ]; then
    psk_prop="psk=$PSK"
  else
    echo "error: set PSK_FILE=<file with the hex key> or PSK=<hex>" >&2
    echo "  (make one with: openssl rand -hex 16 > psk.hex)" >&2
    exit 1
  fi
}

# gst-launch-1.0 -v prints property notifications; these would show SRTP
# keys (srtpenc's "key", the SRTP caps), so they are excluded.
# shellcheck disable=SC2034
GST_LAUNCH_QUIET_KEYS="-X key -X caps -X srtp-caps"

# Certificates for the pke / dh / negotiation scripts. CERT, KEY, CA_FILE,
# ID, PEER_CERT and PEER_ID default to the test PKI of tests/check/data/pki
# (alice sends, bob receives, root-ca.pem is the trust anchor). Its private
# keys are published with the sources: they are for trying things out, use
# your own certificates for anything real. PKI_DIR changes the directory.
# CRL_FILE (no default) adds the CAs' revocation lists: crl-file on the
# element, which then refuses revoked certificates.
# $1: sender or receiver.
# shellcheck disable=SC2034
mikey_pki_defaults() {
  pki=${PKI_DIR:-$here/../tests/check/data/pki}
  if [ "$1" = sender ]; then
    CERT=${CERT:-$pki/alice.pem}
    KEY=${KEY:-$pki/alice-key.pem}
    ID=${ID:-sip:alice@example.org}
    PEER_CERT=${PEER_CERT:-$pki/bob-chain.pem}
    PEER_ID=${PEER_ID:-sip:bob@example.org}
  else
    CERT=${CERT:-$pki/bob-chain.pem}
    KEY=${KEY:-$pki/bob-key.pem}
    ID=${ID:-sip:bob@example.org}
    PEER_CERT=${PEER_CERT:-}
    PEER_ID=${PEER_ID:-}
  fi
  CA_FILE=${CA_FILE:-$pki/root-ca.pem}
  for f in "$CERT" "$KEY" "$CA_FILE" ${PEER_CERT:+"$PEER_CERT"}; do
    if [ ! -r "$f" ]; then
      echo "error: cannot read $f (set CERT, KEY, CA_FILE, PEER_CERT or PKI_DIR)" >&2
      exit 1
    fi
  done
}

# The receiving end of the scripts: sound card, or a WAV file ($1)
# shellcheck disable=SC2034
mikey_audio_sink() {
  if [ $# -ge 1 ]; then
    sink="audioconvert ! wavenc ! filesink location=$1"
  else
    sink="audioconvert ! audioresample ! autoaudiosink"
  fi
}

# The sending end: a test tone, or a WAV file ($1)
# shellcheck disable=SC2034
mikey_audio_src() {
  if [ $# -ge 1 ]; then
    src="filesrc location=$1 ! wavparse ! audioconvert ! audioresample"
  else
    src="audiotestsrc is-live=true samplesperbuffer=160 num-buffers=${NUM_BUFFERS:--1}"
  fi
}

# shellcheck disable=SC2034
SRTP_L16_CAPS="application/x-srtp,media=(string)audio,clock-rate=(int)8000,encoding-name=(string)L16,channels=(int)1,payload=(int)96"
