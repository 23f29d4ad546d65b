#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what building and testing gst-mikey needs, from Debian's archive.
set -euo pipefail

packages=(
  build-essential meson ninja-build pkg-config clang libclang-rt-dev
  libglib2.0-dev libssl-dev
  libjson-glib-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad
  gstreamer1.0-rtsp libgstrtspserver-1.0-dev
  tshark iproute2 openssl python3 indent
  libargon2-dev
  libsqlite3-dev
  libsoup-3.0-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer it up front
echo "wireshark-common wireshark-common/install-setuid boolean false" |
  $SUDO debconf-set-selections
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
