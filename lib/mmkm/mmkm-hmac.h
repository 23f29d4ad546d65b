/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM protocol library: HMAC-SHA-256 through OpenSSL EVP_MAC, used by the
 * heartbeat datagrams and the keyed fetch-time spread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS
#define MMKM_HMAC_SHA256_LEN 32
/* HMAC-SHA-256 under @key over @data ‖ @data2 (@data2 may be NULL).
 * MMKM_ERROR_CRYPTO if OpenSSL fails; @out is then wiped. */
    gboolean mmkm_hmac_sha256 (const guint8 * key, gsize key_len,
    const guint8 * data, gsize data_len, const guint8 * data2,
    gsize data2_len, guint8 out[MMKM_HMAC_SHA256_LEN], GError ** error);

G_END_DECLS
