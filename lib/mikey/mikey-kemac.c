/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: transport keys and KEMAC "Encr data" encryption
 * (RFC 3830 4.1.4, 4.2.3), through OpenSSL 3 EVP_CIPHER.
 */
#include "mikey-crypto.h"

#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#define AES_BLOCK 16
#define KW_SEMIBLOCK 8

gboolean
mikey_transport_keys_derive (const guint8 * key, gsize key_len,
    guint32 csb_id, const guint8 * rand, gsize rand_len,
    MikeyTransportKeys * out, GError ** error)
{
  g_return_val_if_fail (out != NULL, FALSE);

  /* RFC 3830 4.1.4: one PRF run per key, each with its own constant */
  if (mikey_derive_psk (key, key_len, MIKEY_CONST_ENCR, csb_id, rand,
          rand_len, out->encr_key, sizeof (out->encr_key), error)
      && mikey_derive_psk (key, key_len, MIKEY_CONST_SALT, csb_id, rand,
          rand_len, out->salt_key, sizeof (out->salt_key), error)
      && mikey_derive_psk (key, key_len, MIKEY_CONST_AUTH, csb_id, rand,
          rand_len, out->auth_key, sizeof (out->auth_key), error))
    return TRUE;

  mikey_transport_keys_clear (out);
  return FALSE;
}

void
mikey_transport_keys_clear (MikeyTransportKeys * keys)
{
  if (keys != NULL)
    OPENSSL_cleanse (keys, sizeof (*keys));
}

/* RFC 3830 4.2.3: "IV = (S XOR (0x0000 || CSB ID || T)) || 0x0000, where S
 * is the 112-bit salting key (also derived as in Section 4.1.4), and where
 * T is the 64-bit timestamp sent by the Initiator."
 *
 *   byte  0..1   S[0..1]
 *   byte  2..5   S[2..5]  XOR CSB ID (big endian)
 *   byte  6..13  S[6..13] XOR T      (big endian, 64 bits)
 *   byte 14..15  0x0000: the AES-CM block counter, as in SRTP
 *
 * T is the value of the T payload of the message carrying the KEMAC. For
 * NTP-UTC and NTP that is the 64-bit timestamp itself. A COUNTER is only 32
 * bits on the wire (6.6); the IV needs 64, and 6.6 pads COUNTER with leading
 * zeros to 64 bits where it is PRF input, so we do the same here: @ts is the
 * counter zero-extended, and its high 32 bits XOR nothing into S[6..9]. */
static void
aes_cm_iv (const MikeyTransportKeys * keys, guint32 csb_id, guint64 ts,
    guint8 iv[AES_BLOCK])
{
  guint8 x[14] = { 0 };
  guint i;

  for (i = 0; i < 4; i++)
    x[2 + i] = csb_id >> (24 - 8 * i);
  for (i = 0; i < 8; i++)
    x[6 + i] = ts >> (56 - 8 * i);
  for (i = 0; i < 14; i++)
    iv[i] = keys->salt_key[i] ^ x[i];
  iv[14] = iv[15] = 0;
  OPENSSL_cleanse (x, sizeof (x));
}

/* One-shot EVP cipher run; @out must hold in_len + 8 (key wrap grows by one
 * semiblock). Returns <= 0 from EVP as FALSE. */
static gboolean
run_cipher (const EVP_CIPHER * cipher, gboolean enc, const guint8 * key,
    const guint8 * iv, const guint8 * in, gsize in_len, guint8 * out,
    gsize * out_len)
{
  EVP_CIPHER_CTX *ctx;
  int n = 0, fin = 0;
  gboolean ok = FALSE;

  ctx = EVP_CIPHER_CTX_new ();
  if (ctx == NULL)
    return FALSE;
  /* Needed by the legacy wrap ciphers, harmless for the others */
  EVP_CIPHER_CTX_set_flags (ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_CipherInit_ex2 (ctx, cipher, key, iv, enc ? 1 : 0, NULL)
      && EVP_CipherUpdate (ctx, out, &n, in, (int) in_len) > 0
      && EVP_CipherFinal_ex (ctx, out + n, &fin) > 0) {
    *out_len = (gsize) n + (gsize) fin;
    ok = TRUE;
  }
  EVP_CIPHER_CTX_free (ctx);
  return ok;
}

/* Largest input: the AES-CM IV leaves 16 bits of block counter, so 2^16
 * blocks; the KEMAC "Encr data len" field (16 bits) keeps real messages
 * far below that, for AES-KW too. */
#define MAX_DATA (((gsize) 1 << 16) * AES_BLOCK)

static gboolean
kemac_crypt (gboolean enc, guint8 enc_alg, const MikeyTransportKeys * keys,
    guint32 csb_id, guint64 ts, const guint8 * in, gsize in_len,
    guint8 ** out, gsize * out_len, GError ** error)
{
  guint8 iv[AES_BLOCK];
  guint8 *buf, *padded = NULL;
  gsize buf_len, src_len, res_len = 0;
  gboolean ok;

  g_return_val_if_fail (in != NULL || in_len == 0, FALSE);
  g_return_val_if_fail (out != NULL && out_len != NULL, FALSE);

  *out = NULL;
  *out_len = 0;

  if (enc_alg != MIKEY_ENC_NULL && enc_alg != MIKEY_ENC_AES_CM_128
      && enc_alg != MIKEY_ENC_AES_KW_128) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED,
        "unsupported KEMAC encryption algorithm %u", enc_alg);
    return FALSE;
  }
  if (enc_alg == MIKEY_ENC_NULL) {
    /* Never NULL on success, even for an empty KEMAC (RFC 4650 DHHMAC) */
    *out = g_malloc (MAX (in_len, 1));
    if (in_len > 0)
      memcpy (*out, in, in_len);
    *out_len = in_len;
    return TRUE;
  }

  g_return_val_if_fail (keys != NULL, FALSE);
  if (in_len > MAX_DATA) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "KEMAC data too long (%" G_GSIZE_FORMAT " bytes)", in_len);
    return FALSE;
  }

  if (enc_alg == MIKEY_ENC_AES_CM_128) {
    buf_len = MAX (in_len, 1);
    buf = g_malloc (buf_len);
    aes_cm_iv (keys, csb_id, ts, iv);
    /* Counter mode is its own inverse */
    ok = in_len == 0 || run_cipher (EVP_aes_128_ctr (), TRUE,
        keys->encr_key, iv, in, in_len, buf, &res_len);
    OPENSSL_cleanse (iv, sizeof (iv));
  } else {
    /* AES-KW. RFC 3394 wraps n >= 2 64-bit semiblocks. RFC 3830 4.2.3
     * only points at [AESKW] and says nothing of lengths, while key data
     * sub-payloads have arbitrary lengths. On wrap we therefore append
     * zero octets up to a multiple of 64 bits and at least 128 bits (the
     * plain RFC 3394 IV A6..A6 stays the integrity check: this is not
     * RFC 5649). The sub-payload chain is self-delimiting (each carries
     * its length, the last says "Last"), so the receiver finds its end and
     * must ignore the zero tail: unwrap returns the padded bytes. */
    if (enc) {
      if (in_len == 0) {
        g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
            "nothing to wrap with AES-KW");
        return FALSE;
      }
      src_len = MAX (2 * KW_SEMIBLOCK,
          (in_len + KW_SEMIBLOCK - 1) / KW_SEMIBLOCK * KW_SEMIBLOCK);
      padded = g_malloc0 (src_len);
      memcpy (padded, in, in_len);
      buf_len = src_len + KW_SEMIBLOCK;
    } else {
      if (in_len < 3 * KW_SEMIBLOCK || in_len % KW_SEMIBLOCK != 0) {
        g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
            "AES-KW data is %" G_GSIZE_FORMAT " bytes, not a multiple of "
            "8 of at least 24", in_len);
        return FALSE;
      }
      src_len = in_len;
      buf_len = in_len;
    }
    buf = g_malloc (buf_len);
    ok = run_cipher (EVP_aes_128_wrap (), enc, keys->encr_key, NULL,
        enc ? padded : in, src_len, buf, &res_len);
    if (padded != NULL) {
      OPENSSL_cleanse (padded, src_len);
      g_free (padded);
    }
    if (!ok && !enc) {
      /* A well-formed unwrap can only fail on the A6..A6 check */
      OPENSSL_cleanse (buf, buf_len);
      g_free (buf);
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_AUTH,
          "AES key wrap integrity check failed (wrong key?)");
      return FALSE;
    }
  }

  if (!ok) {
    OPENSSL_cleanse (buf, buf_len);
    g_free (buf);
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CRYPTO,
        "OpenSSL failure in KEMAC %s", enc ? "encryption" : "decryption");
    return FALSE;
  }
  *out = buf;
  *out_len = res_len;
  return TRUE;
}

gboolean
mikey_kemac_encrypt (guint8 enc_alg, const MikeyTransportKeys * keys,
    guint32 csb_id, guint64 ts, const guint8 * in, gsize in_len,
    guint8 ** out, gsize * out_len, GError ** error)
{
  return kemac_crypt (TRUE, enc_alg, keys, csb_id, ts, in, in_len, out,
      out_len, error);
}

gboolean
mikey_kemac_decrypt (guint8 enc_alg, const MikeyTransportKeys * keys,
    guint32 csb_id, guint64 ts, const guint8 * in, gsize in_len,
    guint8 ** out, gsize * out_len, GError ** error)
{
  return kemac_crypt (FALSE, enc_alg, keys, csb_id, ts, in, in_len, out,
      out_len, error);
}
