# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=sh
# Sourced by pipelines/mmkm-*.sh: finds the mmkm plugin when run from a
# source tree (build/ next to pipelines/), checks that GStreamer sees it,
# and turns the MMKM_* environment variables into mmkmregistry properties.

here=$(cd "$(dirname "$0")" && pwd)
for dir in "${MMKM_BUILD_DIR:-}" "$here/../build" "$here/../_build"; do
  if [ -n "$dir" ] && [ -e "$dir/ext/mmkm/libgstmmkm.so" ]; then
    GST_PLUGIN_PATH="$(cd "$dir/ext/mmkm" && pwd)${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
    export GST_PLUGIN_PATH
    break
  fi
done

if ! gst-inspect-1.0 mmkmregistry >/dev/null 2>&1; then
  echo "error: GStreamer cannot find the mmkm plugin (mmkmregistry)." >&2
  echo "Build it (ninja -C build) or set GST_PLUGIN_PATH / MMKM_BUILD_DIR." >&2
  exit 1
fi

# Sets reg to "mmkmregistry role=$1 ..." from MMKM_SERVER, MMKM_FINGERPRINT
# (or MMKM_CA_FILE), MMKM_USER, MMKM_PASSWORD_FILE, MMKM_STATE_DIR and
# MMKM_GROUP. Values must not contain spaces (gst-launch syntax).
# shellcheck disable=SC2034
mmkm_registry() {
  for v in MMKM_SERVER MMKM_USER MMKM_PASSWORD_FILE; do
    eval "val=\${$v:-}"
    if [ -z "$val" ]; then
      echo "error: set $v (see the top of $0)" >&2
      exit 1
    fi
  done
  if [ -z "${MMKM_FINGERPRINT:-}" ] && [ -z "${MMKM_CA_FILE:-}" ]; then
    echo "error: set MMKM_FINGERPRINT (mmkm-server prints it) or MMKM_CA_FILE" >&2
    exit 1
  fi
  reg="mmkmregistry role=$1 server=$MMKM_SERVER user=$MMKM_USER"
  reg="$reg password-file=$MMKM_PASSWORD_FILE"
  [ -z "${MMKM_FINGERPRINT:-}" ] || reg="$reg server-fingerprint=$MMKM_FINGERPRINT"
  [ -z "${MMKM_CA_FILE:-}" ] || reg="$reg ca-file=$MMKM_CA_FILE"
  [ -z "${MMKM_STATE_DIR:-}" ] || reg="$reg state-dir=$MMKM_STATE_DIR"
  [ -z "${MMKM_GROUP:-}" ] || reg="$reg group=$MMKM_GROUP"
}

# The stream format both ends agree on (L16, network byte order)
RATE=${RATE:-48000}
CHANNELS=${CHANNELS:-2}
# shellcheck disable=SC2034
MMKM_SRTP_CAPS="application/x-srtp,media=(string)audio,clock-rate=(int)$RATE,encoding-name=(string)L16,channels=(int)$CHANNELS,payload=(int)96"
