/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: RSA keys, envelope key encryption and signatures
 * for the PKE and DH modes, through OpenSSL 3 EVP_PKEY.
 *
 * RFC 3830 (2004) fixes the algorithms: the envelope key is encrypted
 * with RSA PKCS#1 v1.5 (RSAES-PKCS1-v1_5, 4.2.5); SIGN payloads are
 * RSASSA-PKCS1-v1_5 (S type 0) or RSASSA-PSS (S type 1, 4.2.6, 6.5), and
 * the hash MIKEY uses for them is SHA-1 (4.2.1). We know of no update
 * that moves signatures to SHA-256 (RFC 4738 and 6309 do not), so
 * MIKEY_SIGN_HASH stays SHA-1 for interoperability; minisip, the other
 * public implementation, signs with SHA-1 and encrypts with PKCS#1 v1.5
 * too. It is a single define should an update arrive. PSS follows the
 * PKCS#1 v2.1 (RFC 3447) defaults: MGF1 over the same hash, a salt as
 * long as the hash.
 */
#include "mikey-pk-private.h"
#include "mikey-file-private.h"

#include <limits.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

/* RSAES-PKCS1-v1_5 needs 11 bytes of padding (RFC 3447 7.2.1) */
#define PKCS1_V15_OVERHEAD 11

static void
set_crypto_error (GError ** error, const gchar * what)
{
  /* the queue's details are not for the peer; drop them */
  ERR_clear_error ();
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CRYPTO,
      "OpenSSL failure in RSA %s", what);
}

gboolean
mikey_pk_read_file (const gchar * path, const gchar * what,
    gchar ** contents, gsize * len, GError ** error)
{
  GError *ferr = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  if (!mikey_file_read (path, MIKEY_FILE_MAX_SIZE, contents, len, &ferr)) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "cannot read %s file: %s", what, ferr->message);
    g_error_free (ferr);
    return FALSE;
  }
  return TRUE;
}

MikeyKey *
mikey_key_new_take (EVP_PKEY * pkey, gboolean is_private, GError ** error)
{
  MikeyKey *key;

  g_return_val_if_fail (pkey != NULL, NULL);

  /* RFC 3830 only defines RSA for PKE and SIGN */
  if (!EVP_PKEY_is_a (pkey, "RSA")) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED,
        "MIKEY needs an RSA key, but this is a %s key",
        EVP_PKEY_get0_type_name (pkey) ? EVP_PKEY_get0_type_name (pkey) :
        "non-RSA");
    EVP_PKEY_free (pkey);
    return NULL;
  }
  key = g_new0 (MikeyKey, 1);
  key->ref_count = 1;
  key->pkey = pkey;
  key->is_private = is_private;
  return key;
}

typedef struct
{
  const gchar *passphrase;
  gboolean asked;
} PassData;

/* Never the terminal prompt OpenSSL's default callback would show */
static int
pass_cb (char *buf, int size, int rwflag, void *u)
{
  PassData *pd = u;
  gsize len;

  (void) rwflag;
  pd->asked = TRUE;
  if (pd->passphrase == NULL)
    return -1;
  len = strlen (pd->passphrase);
  if (len > (gsize) size)
    return -1;
  memcpy (buf, pd->passphrase, len);
  return (int) len;
}

MikeyKey *
mikey_key_load_pem (const gchar * pem, gsize len, const gchar * passphrase,
    GError ** error)
{
  return mikey_key_load_pem_encrypted (pem, len, passphrase, NULL, error);
}

MikeyKey *
mikey_key_load_pem_encrypted (const gchar * pem, gsize len,
    const gchar * passphrase, gboolean * encrypted, GError ** error)
{
  PassData pd = { passphrase, FALSE };
  BIO *bio;
  EVP_PKEY *pkey;
  MikeyKey *key;
  GError *err = NULL;

  g_return_val_if_fail (pem != NULL || len == 0, NULL);

  if (encrypted != NULL)
    *encrypted = FALSE;
  if (len > INT_MAX) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "private key PEM too large");
    return NULL;
  }
  bio = BIO_new_mem_buf (pem, (int) len);
  if (bio == NULL) {
    set_crypto_error (error, "key loading");
    return NULL;
  }
  pkey = PEM_read_bio_PrivateKey_ex (bio, NULL, pass_cb, &pd, NULL, NULL);
  BIO_free (bio);
  if (encrypted != NULL)
    *encrypted = pd.asked;
  if (pkey == NULL) {
    ERR_clear_error ();
    if (pd.asked && passphrase == NULL)
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
          "the private key is encrypted and no passphrase was given");
    else if (pd.asked)
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
          "cannot decrypt the private key (wrong passphrase?)");
    else
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
          "no PEM private key found");
    return NULL;
  }
  key = mikey_key_new_take (pkey, TRUE, &err);
  /* a key the caller chose, not one a peer sent: the settings are wrong */
  if (err != NULL)
    err->code = MIKEY_ERROR_SETTINGS;
  if (key == NULL)
    g_propagate_error (error, err);
  return key;
}

MikeyKey *
mikey_key_load_pem_file (const gchar * path, const gchar * passphrase,
    GError ** error)
{
  gchar *pem;
  gsize len;
  MikeyKey *key;
  GError *err = NULL;

  if (!mikey_pk_read_file (path, "private key", &pem, &len, error))
    return NULL;
  key = mikey_key_load_pem (pem, len, passphrase, &err);
  OPENSSL_cleanse (pem, len);
  g_free (pem);
  if (key == NULL)
    g_propagate_prefixed_error (error, err, "%s: ", path);
  return key;
}

MikeyKey *
mikey_key_ref (MikeyKey * key)
{
  g_return_val_if_fail (key != NULL, NULL);
  g_atomic_int_inc (&key->ref_count);
  return key;
}

void
mikey_key_unref (MikeyKey * key)
{
  if (key == NULL || !g_atomic_int_dec_and_test (&key->ref_count))
    return;
  /* EVP_PKEY_free clears RSA private components */
  EVP_PKEY_free (key->pkey);
  g_free (key);
}

gboolean
mikey_key_is_private (const MikeyKey * key)
{
  g_return_val_if_fail (key != NULL, FALSE);
  return key->is_private;
}

gsize
mikey_key_get_size (const MikeyKey * key)
{
  g_return_val_if_fail (key != NULL, 0);
  return (gsize) MAX (EVP_PKEY_get_size (key->pkey), 0);
}

gboolean
mikey_key_matches_cert (const MikeyKey * key, const MikeyCert * cert,
    GError ** error)
{
  g_return_val_if_fail (key != NULL && cert != NULL, FALSE);

  if (X509_check_private_key (cert->x509, key->pkey) == 1)
    return TRUE;
  ERR_clear_error ();
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
      "the private key does not match the certificate's public key");
  return FALSE;
}

static gboolean
need_private (const MikeyKey * key, const gchar * what, GError ** error)
{
  if (key->is_private)
    return TRUE;
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
      "%s needs a private key, but only a public key was given", what);
  return FALSE;
}

gboolean
mikey_pk_encrypt (const MikeyKey * key, const guint8 * in, gsize in_len,
    guint8 ** out, gsize * out_len, GError ** error)
{
  EVP_PKEY_CTX *ctx;
  gsize size;
  size_t len;
  guint8 *buf;
  gboolean ok = FALSE;

  g_return_val_if_fail (key != NULL && out != NULL && out_len != NULL, FALSE);
  g_return_val_if_fail (in != NULL || in_len == 0, FALSE);

  *out = NULL;
  *out_len = 0;
  size = mikey_key_get_size (key);
  if (in_len == 0 || in_len + PKCS1_V15_OVERHEAD > size) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "an envelope key of %" G_GSIZE_FORMAT " bytes cannot be encrypted "
        "with a %" G_GSIZE_FORMAT "-bit RSA key (1 to %" G_GSIZE_FORMAT
        " bytes fit)", in_len, size * 8,
        size > PKCS1_V15_OVERHEAD ? size - PKCS1_V15_OVERHEAD : 0);
    return FALSE;
  }
  buf = g_malloc (size);
  len = size;
  ctx = EVP_PKEY_CTX_new_from_pkey (NULL, key->pkey, NULL);
  if (ctx != NULL && EVP_PKEY_encrypt_init (ctx) > 0
      && EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_PADDING) > 0
      && EVP_PKEY_encrypt (ctx, buf, &len, in, in_len) > 0 && len == size)
    ok = TRUE;
  EVP_PKEY_CTX_free (ctx);

  if (!ok) {
    g_free (buf);
    set_crypto_error (error, "encryption");
    return FALSE;
  }
  *out = buf;
  *out_len = len;
  return TRUE;
}

gboolean
mikey_pk_decrypt (const MikeyKey * key, const guint8 * in, gsize in_len,
    guint8 ** out, gsize * out_len, GError ** error)
{
  EVP_PKEY_CTX *ctx;
  gsize size;
  size_t len;
  guint8 *tmp;
  gboolean ok = FALSE;

  g_return_val_if_fail (key != NULL && out != NULL && out_len != NULL, FALSE);
  g_return_val_if_fail (in != NULL || in_len == 0, FALSE);

  *out = NULL;
  *out_len = 0;
  if (!need_private (key, "decrypting the envelope key", error))
    return FALSE;
  size = mikey_key_get_size (key);
  /* the ciphertext length is public: refusing it early leaks nothing */
  if (in_len != size) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_AUTH,
        "cannot decrypt the envelope key: %" G_GSIZE_FORMAT " bytes, but "
        "the RSA key makes %" G_GSIZE_FORMAT, in_len, size);
    return FALSE;
  }
  /* OpenSSL's constant-time unpadding may write past the message within
   * its buffer, so decrypt into a scratch buffer and copy out */
  tmp = g_malloc (size);
  len = size;
  ctx = EVP_PKEY_CTX_new_from_pkey (NULL, key->pkey, NULL);
  if (ctx != NULL && EVP_PKEY_decrypt_init (ctx) > 0
      && EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_PADDING) > 0
      && EVP_PKEY_decrypt (ctx, tmp, &len, in, in_len) > 0 && len > 0
      && len <= size)
    ok = TRUE;
  EVP_PKEY_CTX_free (ctx);

  if (ok) {
    *out = g_memdup2 (tmp, len);
    *out_len = len;
  } else {
    ERR_clear_error ();
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_AUTH,
        "cannot decrypt the envelope key (PKE payload damaged, or "
        "encrypted for another key)");
  }
  OPENSSL_cleanse (tmp, size);
  g_free (tmp);
  return ok;
}

/* Sets the padding of a DigestSign/DigestVerify context for @type */
static gboolean
set_sign_padding (EVP_PKEY_CTX * pctx, MikeySignType type, gboolean verify)
{
  if (type == MIKEY_SIGN_RSA_PKCS1_1_5)
    return EVP_PKEY_CTX_set_rsa_padding (pctx, RSA_PKCS1_PADDING) > 0;
  return EVP_PKEY_CTX_set_rsa_padding (pctx, RSA_PKCS1_PSS_PADDING) > 0
      && EVP_PKEY_CTX_set_rsa_mgf1_md_name (pctx, MIKEY_SIGN_HASH, NULL) > 0
      /* we sign with hash-length salts; a peer may pick another length */
      && EVP_PKEY_CTX_set_rsa_pss_saltlen (pctx, verify ?
      RSA_PSS_SALTLEN_AUTO : RSA_PSS_SALTLEN_DIGEST) > 0;
}

static gboolean
check_sign_type (MikeySignType type, GError ** error)
{
  if (type == MIKEY_SIGN_RSA_PKCS1_1_5 || type == MIKEY_SIGN_RSA_PSS)
    return TRUE;
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED,
      "unsupported signature type %u (known: 0 = RSA/PKCS#1/1.5, "
      "1 = RSA/PSS)", (guint) type);
  return FALSE;
}

gboolean
mikey_sign (const MikeyKey * key, MikeySignType type, const guint8 * data,
    gsize data_len, const guint8 * data2, gsize data2_len, guint8 ** sig,
    gsize * sig_len, GError ** error)
{
  EVP_MD_CTX *mctx;
  EVP_PKEY_CTX *pctx = NULL;
  size_t len;
  guint8 *buf;
  gboolean ok = FALSE;

  g_return_val_if_fail (key != NULL && sig != NULL && sig_len != NULL, FALSE);
  g_return_val_if_fail (data != NULL || data_len == 0, FALSE);
  g_return_val_if_fail (data2 != NULL || data2_len == 0, FALSE);

  *sig = NULL;
  *sig_len = 0;
  if (!check_sign_type (type, error) || !need_private (key, "signing", error))
    return FALSE;

  len = mikey_key_get_size (key);
  buf = g_malloc (MAX (len, 1));
  mctx = EVP_MD_CTX_new ();
  if (mctx != NULL
      && EVP_DigestSignInit_ex (mctx, &pctx, MIKEY_SIGN_HASH, NULL, NULL,
          key->pkey, NULL) > 0 && set_sign_padding (pctx, type, FALSE)
      && (data_len == 0 || EVP_DigestSignUpdate (mctx, data, data_len) > 0)
      && (data2_len == 0 || EVP_DigestSignUpdate (mctx, data2, data2_len) > 0)
      && EVP_DigestSignFinal (mctx, buf, &len) > 0)
    ok = TRUE;
  EVP_MD_CTX_free (mctx);

  if (!ok) {
    g_free (buf);
    set_crypto_error (error, "signing");
    return FALSE;
  }
  *sig = buf;
  *sig_len = len;
  return TRUE;
}

gboolean
mikey_verify (const MikeyKey * key, MikeySignType type, const guint8 * data,
    gsize data_len, const guint8 * data2, gsize data2_len,
    const guint8 * sig, gsize sig_len, GError ** error)
{
  EVP_MD_CTX *mctx;
  EVP_PKEY_CTX *pctx = NULL;
  gboolean setup = FALSE;
  int r = 0;

  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (data != NULL || data_len == 0, FALSE);
  g_return_val_if_fail (data2 != NULL || data2_len == 0, FALSE);
  g_return_val_if_fail (sig != NULL || sig_len == 0, FALSE);

  if (!check_sign_type (type, error))
    return FALSE;
  /* a signature of the wrong length cannot verify; the length is public */
  if (sig_len != mikey_key_get_size (key)) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_AUTH,
        "signature mismatch (signature is %" G_GSIZE_FORMAT " bytes, the "
        "key makes %" G_GSIZE_FORMAT ")", sig_len, mikey_key_get_size (key));
    return FALSE;
  }

  mctx = EVP_MD_CTX_new ();
  if (mctx != NULL
      && EVP_DigestVerifyInit_ex (mctx, &pctx, MIKEY_SIGN_HASH, NULL, NULL,
          key->pkey, NULL) > 0 && set_sign_padding (pctx, type, TRUE)
      && (data_len == 0 || EVP_DigestVerifyUpdate (mctx, data, data_len) > 0)
      && (data2_len == 0
          || EVP_DigestVerifyUpdate (mctx, data2, data2_len) > 0)) {
    setup = TRUE;
    r = EVP_DigestVerifyFinal (mctx, sig, sig_len);
  }
  EVP_MD_CTX_free (mctx);

  if (!setup) {
    set_crypto_error (error, "signature verification");
    return FALSE;
  }
  if (r != 1) {
    /* 0 or a padding error: either way the signature is not good */
    ERR_clear_error ();
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_AUTH,
        "signature mismatch (%s signature does not verify with the "
        "peer's key)", type == MIKEY_SIGN_RSA_PSS ? "RSA-PSS" :
        "RSA PKCS#1 v1.5");
    return FALSE;
  }
  return TRUE;
}
