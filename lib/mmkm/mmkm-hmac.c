/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM protocol library: HMAC-SHA-256 (EVP_MAC). */
#include "mmkm-hmac.h"
#include "mmkm-error.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

/* Fetching the algorithm costs a lookup in OpenSSL's provider store; the
 * server computes one HMAC per heartbeat, so it is fetched once and kept
 * for the life of the process. */
static EVP_MAC *
hmac_impl (void)
{
  static gsize once = 0;
  static EVP_MAC *impl = NULL;

  if (g_once_init_enter (&once)) {
    impl = EVP_MAC_fetch (NULL, OSSL_MAC_NAME_HMAC, NULL);
    g_once_init_leave (&once, 1);
  }
  return impl;
}

gboolean
mmkm_hmac_sha256 (const guint8 * key, gsize key_len,
    const guint8 * data, gsize data_len, const guint8 * data2,
    gsize data2_len, guint8 out[MMKM_HMAC_SHA256_LEN], GError ** error)
{
  OSSL_PARAM params[2];
  EVP_MAC *impl = hmac_impl ();
  EVP_MAC_CTX *ctx = NULL;
  size_t len = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (key != NULL && key_len > 0, FALSE);
  g_return_val_if_fail (data != NULL || data_len == 0, FALSE);
  g_return_val_if_fail (data2 != NULL || data2_len == 0, FALSE);

  params[0] = OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST,
      (char *) "SHA256", 0);
  params[1] = OSSL_PARAM_construct_end ();

  if (impl != NULL && (ctx = EVP_MAC_CTX_new (impl)) != NULL
      && EVP_MAC_init (ctx, key, key_len, params)
      && (data_len == 0 || EVP_MAC_update (ctx, data, data_len))
      && (data2_len == 0 || EVP_MAC_update (ctx, data2, data2_len))
      && EVP_MAC_final (ctx, out, &len, MMKM_HMAC_SHA256_LEN)
      && len == MMKM_HMAC_SHA256_LEN)
    ok = TRUE;
  EVP_MAC_CTX_free (ctx);

  if (!ok) {
    OPENSSL_cleanse (out, MMKM_HMAC_SHA256_LEN);
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_CRYPTO,
        "OpenSSL failure computing HMAC-SHA-256");
  }
  return ok;
}
