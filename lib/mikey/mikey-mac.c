/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: KEMAC / V payload MACs (RFC 3830 4.2.4) and the
 * random source, through OpenSSL 3 EVP_MAC and RAND_bytes.
 */
#include "mikey-crypto.h"
#include "mikey-crypto-private.h"

#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

EVP_MAC *
mikey_hmac_impl (void)
{
  static gsize once = 0;
  static EVP_MAC *mac = NULL;

  if (g_once_init_enter (&once)) {
    mac = EVP_MAC_fetch (NULL, OSSL_MAC_NAME_HMAC, NULL);
    g_once_init_leave (&once, 1);
  }
  return mac;
}

static gboolean
check_alg (guint8 mac_alg, GError ** error)
{
  if (mac_alg == MIKEY_MAC_NULL || mac_alg == MIKEY_MAC_HMAC_SHA1_160)
    return TRUE;
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED,
      "unsupported MAC algorithm %u", mac_alg);
  return FALSE;
}

static gboolean
hmac_sha1 (const guint8 * key, gsize key_len, const guint8 * data,
    gsize data_len, const guint8 * data2, gsize data2_len,
    guint8 out[MIKEY_MAC_HMAC_SHA1_160_LEN], GError ** error)
{
  OSSL_PARAM params[2];
  EVP_MAC *md;
  EVP_MAC_CTX *ctx = NULL;
  size_t len = 0;
  gboolean ok = FALSE;

  /* RFC 3830 keys are 160 bits; an empty key means no key was derived,
   * which must not silently turn into HMAC with the all-zero key. */
  if (key == NULL || key_len == 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID, "HMAC key is empty");
    return FALSE;
  }

  params[0] = OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST,
      (char *) "SHA1", 0);
  params[1] = OSSL_PARAM_construct_end ();

  md = mikey_hmac_impl ();
  if (md != NULL)
    ctx = EVP_MAC_CTX_new (md);
  if (ctx != NULL && EVP_MAC_init (ctx, key, key_len, params)
      && (data_len == 0 || EVP_MAC_update (ctx, data, data_len))
      && (data2_len == 0 || EVP_MAC_update (ctx, data2, data2_len))
      && EVP_MAC_final (ctx, out, &len, MIKEY_MAC_HMAC_SHA1_160_LEN)
      && len == MIKEY_MAC_HMAC_SHA1_160_LEN)
    ok = TRUE;

  /* EVP_MAC_CTX_free cleanses the keyed HMAC state */
  EVP_MAC_CTX_free (ctx);
  if (!ok) {
    OPENSSL_cleanse (out, MIKEY_MAC_HMAC_SHA1_160_LEN);
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CRYPTO,
        "OpenSSL failure in HMAC-SHA-1");
  }
  return ok;
}

gboolean
mikey_mac_compute2 (guint8 mac_alg, const guint8 * key,
    gsize key_len, const guint8 * data, gsize data_len, const guint8 * data2,
    gsize data2_len, guint8 * out, GError ** error)
{
  g_return_val_if_fail (data != NULL || data_len == 0, FALSE);
  g_return_val_if_fail (data2 != NULL || data2_len == 0, FALSE);

  if (!check_alg (mac_alg, error))
    return FALSE;
  /* MIKEY_MAC_NULL: a zero-length MAC, nothing to write */
  if (mac_alg == MIKEY_MAC_NULL)
    return TRUE;

  g_return_val_if_fail (out != NULL, FALSE);
  return hmac_sha1 (key, key_len, data, data_len, data2, data2_len, out, error);
}

gboolean
mikey_mac_compute (guint8 mac_alg, const guint8 * key, gsize key_len,
    const guint8 * data, gsize data_len, guint8 * out, GError ** error)
{
  return mikey_mac_compute2 (mac_alg, key, key_len, data, data_len, NULL, 0,
      out, error);
}

gboolean
mikey_mac_verify (guint8 mac_alg, const guint8 * key, gsize key_len,
    const guint8 * data, gsize data_len, const guint8 * data2,
    gsize data2_len, const guint8 * mac, gsize mac_len, GError ** error)
{
  guint8 expect[MIKEY_MAC_HMAC_SHA1_160_LEN];
  gsize want;
  gboolean ok;

  g_return_val_if_fail (mac != NULL || mac_len == 0, FALSE);

  if (!check_alg (mac_alg, error))
    return FALSE;
  want = mac_alg == MIKEY_MAC_NULL ? 0 : MIKEY_MAC_HMAC_SHA1_160_LEN;

  /* A MAC of the wrong length cannot be the right MAC; the length is
   * public, so this early exit leaks nothing. */
  if (mac_len != want) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_AUTH,
        "MAC mismatch (MAC is %" G_GSIZE_FORMAT " bytes, expected %"
        G_GSIZE_FORMAT ")", mac_len, want);
    return FALSE;
  }
  if (mac_alg == MIKEY_MAC_NULL)
    return TRUE;

  if (!mikey_mac_compute2 (mac_alg, key, key_len, data, data_len, data2,
          data2_len, expect, error))
    return FALSE;
  ok = CRYPTO_memcmp (expect, mac, want) == 0;
  OPENSSL_cleanse (expect, sizeof (expect));
  if (!ok)
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_AUTH, "MAC mismatch");
  return ok;
}

gboolean
mikey_random_bytes (guint8 * out, gsize len, GError ** error)
{
  g_return_val_if_fail (out != NULL || len == 0, FALSE);

  if (len == 0)
    return TRUE;
  if (len > INT_MAX) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "random request too large");
    return FALSE;
  }
  if (RAND_bytes (out, (int) len) != 1) {
    OPENSSL_cleanse (out, len);
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CRYPTO,
        "OpenSSL RAND_bytes failed (no entropy?)");
    return FALSE;
  }
  return TRUE;
}
