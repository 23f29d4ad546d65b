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
