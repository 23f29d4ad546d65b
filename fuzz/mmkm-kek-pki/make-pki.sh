#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The fixed identities fuzz-mmkm-kek answers with: the server's
# ("mmkm:server") and alice's enrolled device ("mmkm:user:alice"), shaped
# like the ones mmkm_identity_new() makes (self-signed, SAN URI,
# digitalSignature) but RSA-2048 and valid until 2126, so that the seeds in
# fuzz/corpus-mmkm-kek/ (signed with the device key) never go stale.
# Re-running this makes new keys: the seeds must then be written again
# (fuzz/README.md).
set -eu
cd "$(dirname "$0")"
for who in server:mmkm:server device:mmkm:user:alice; do
  base=${who%%:*}
  uri=${who#*:}
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$base.key" 2>/dev/null
  openssl req -new -x509 -key "$base.key" -out "$base.crt" -days 36500 \
    -subj "/CN=$base" -set_serial 1 \
    -addext "subjectAltName = URI:$uri" \
    -addext "keyUsage = critical, digitalSignature" \
    -addext "basicConstraints = critical, CA:FALSE"
done
