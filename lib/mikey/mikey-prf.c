/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: the MIKEY-1 PRF and the key derivations built on it
 * (RFC 3830 4.1.2 - 4.1.4), through OpenSSL 3 EVP_MAC.
 */
#include "mikey-crypto.h"
#include "mikey-crypto-private.h"

#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#define SHA1_LEN 20
/* RFC 3830 4.1.2: the inkey is cut into 256-bit pieces s_1 .. s_n */
#define PRF_CHUNK_LEN 32
/* constant (4) || cs_id (1) || csb_id (4), RAND follows */
#define LABEL_HDR_LEN 9

static gboolean
crypto_fail (GError ** error, const gchar * what)
{
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CRYPTO,
      "OpenSSL failure in %s", what);
  return FALSE;
}

/* HMAC-SHA-1 with the key set by the last full init; @mac is re-initialised
 * (key kept) so one context serves the 2m HMACs of one P() call. */
static gboolean
hmac_once (EVP_MAC_CTX * mac, const guint8 * a, gsize a_len,
    const guint8 * b, gsize b_len, guint8 out[SHA1_LEN])
{
  size_t len = 0;

  if (!EVP_MAC_init (mac, NULL, 0, NULL))
    return FALSE;
  if (a_len > 0 && !EVP_MAC_update (mac, a, a_len))
    return FALSE;
  if (b_len > 0 && !EVP_MAC_update (mac, b, b_len))
    return FALSE;
  if (!EVP_MAC_final (mac, out, &len, SHA1_LEN) || len != SHA1_LEN)
    return FALSE;
  return TRUE;
}

/* RFC 3830 4.1.2, the TLS-style P_SHA1 (A_0 = label,
 * A_i = HMAC (s, A_(i-1))):
 *   P (s, label, m) = HMAC (s, A_1 || label) || ... || HMAC (s, A_m || label)
 * The m blocks are XORed into @acc (m * 20 bytes) rather than stored, which
 * is all PRF() needs. */
static gboolean
p_sha1_xor (EVP_MAC * md, const guint8 * s, gsize s_len,
    const guint8 * label, gsize label_len, gsize m, guint8 * acc)
{
  OSSL_PARAM params[2];
  EVP_MAC_CTX *mac;
  guint8 a[SHA1_LEN], blk[SHA1_LEN];
  gboolean ok = FALSE;
  gsize i, j;

  params[0] = OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST,
      (char *) "SHA1", 0);
  params[1] = OSSL_PARAM_construct_end ();

  mac = EVP_MAC_CTX_new (md);
  if (mac == NULL || !EVP_MAC_init (mac, s, s_len, params))
    goto out;

  for (i = 0; i < m; i++) {
    /* A_i = HMAC (s, A_(i-1)), A_0 being the label itself */
    if (i == 0) {
      if (!hmac_once (mac, label, label_len, NULL, 0, a))
        goto out;
    } else if (!hmac_once (mac, a, SHA1_LEN, NULL, 0, a)) {
      goto out;
    }
    if (!hmac_once (mac, a, SHA1_LEN, label, label_len, blk))
      goto out;
    for (j = 0; j < SHA1_LEN; j++)
      acc[i * SHA1_LEN + j] ^= blk[j];
  }
  ok = TRUE;

out:
  OPENSSL_cleanse (a, sizeof (a));
  OPENSSL_cleanse (blk, sizeof (blk));
  EVP_MAC_CTX_free (mac);
  return ok;
}

gboolean
mikey_prf (const guint8 * inkey, gsize inkey_len,
    const guint8 * label, gsize label_len, guint8 * out, gsize out_len,
    GError ** error)
{
  EVP_MAC *md;
  guint8 *acc;
  gsize m, acc_len, off;
  gboolean ok = TRUE;

  g_return_val_if_fail (label != NULL || label_len == 0, FALSE);
  g_return_val_if_fail (out != NULL || out_len == 0, FALSE);

  /* With n = 0 pieces there is no P() term and the "key" would be all
   * zeros: refuse rather than hand out a constant. */
  if (inkey == NULL || inkey_len == 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "PRF input key is empty");
    return FALSE;
  }
  if (out_len == 0)
    return TRUE;

  /* m = ceil (outkey_len / 160 bits) */
  m = (out_len + SHA1_LEN - 1) / SHA1_LEN;
  acc_len = m * SHA1_LEN;

  md = mikey_hmac_impl ();
  if (md == NULL)
    return crypto_fail (error, "EVP_MAC_fetch (HMAC)");

  acc = g_malloc0 (acc_len);
  /* PRF (inkey, label) = P (s_1, label, m) XOR ... XOR P (s_n, label, m);
   * every s_i is 256 bits except possibly the last. */
  for (off = 0; ok && off < inkey_len; off += PRF_CHUNK_LEN) {
    gsize s_len = MIN (PRF_CHUNK_LEN, inkey_len - off);

    ok = p_sha1_xor (md, inkey + off, s_len, label, label_len, m, acc);
  }
  if (ok)
    memcpy (out, acc, out_len);
  else
    crypto_fail (error, "HMAC-SHA-1 (PRF)");
  OPENSSL_cleanse (acc, acc_len);
  g_free (acc);
  return ok;
}

/* Builds constant || cs_id || csb_id || RAND and runs the PRF over it.
 * 4.1.4 is 4.1.3 with cs_id fixed to 0xFF. */
static gboolean
derive (const guint8 * key, gsize key_len, guint32 constant, guint8 cs_id,
    guint32 csb_id, const guint8 * rand, gsize rand_len, guint8 * out,
    gsize out_len, GError ** error)
{
  guint8 *label;
  gsize label_len;
  gboolean ok;

  /* RAND is what makes keys from a long-lived TGK/PSK fresh per exchange
   * (RFC 3830 4.1.3, 6.11: "SHOULD be at least 128 bits"); every message
   * that derives keys carries one, so an empty RAND is a caller bug or a
   * malformed message, never a valid input. */
  if (rand == NULL || rand_len == 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "key derivation without RAND");
    return FALSE;
  }

  label_len = LABEL_HDR_LEN + rand_len;
  label = g_malloc (label_len);
  label[0] = constant >> 24;
  label[1] = constant >> 16;
  label[2] = constant >> 8;
  label[3] = constant;
  label[4] = cs_id;
  label[5] = csb_id >> 24;
  label[6] = csb_id >> 16;
  label[7] = csb_id >> 8;
  label[8] = csb_id;
  memcpy (label + LABEL_HDR_LEN, rand, rand_len);

  ok = mikey_prf (key, key_len, label, label_len, out, out_len, error);

  OPENSSL_cleanse (label, label_len);
  g_free (label);
  if (!ok && out_len > 0)
    OPENSSL_cleanse (out, out_len);
  return ok;
}

gboolean
mikey_derive_tgk (const guint8 * tgk, gsize tgk_len,
    guint32 constant, guint8 cs_id, guint32 csb_id,
    const guint8 * rand, gsize rand_len, guint8 * out, gsize out_len,
    GError ** error)
{
  return derive (tgk, tgk_len, constant, cs_id, csb_id, rand, rand_len,
      out, out_len, error);
}

gboolean
mikey_derive_psk (const guint8 * key, gsize key_len,
    guint32 constant, guint32 csb_id, const guint8 * rand, gsize rand_len,
    guint8 * out, gsize out_len, GError ** error)
{
  return derive (key, key_len, constant, 0xFF, csb_id, rand, rand_len,
      out, out_len, error);
}
