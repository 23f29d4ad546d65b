/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: X.509 certificates for CERT, CHASH and ID payloads
 * (RFC 3830 6.7, 6.8): loading, chain verification against trust anchors
 * at a given time, identity matching and certificate hashes.
 */
#include "mikey-pk-private.h"
#include "mikey-file-private.h"
#include "mikey-message.h"

#include <limits.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

/* ---- certificates ------------------------------------------------------- */

static MikeyCert *
cert_new_take (X509 * x509, GError ** error)
{
  MikeyCert *cert;
  guint8 *der = NULL;
  int len;

  len = i2d_X509 (x509, &der);
  if (len <= 0) {
    X509_free (x509);
    ERR_clear_error ();
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CRYPTO,
        "OpenSSL failure encoding a certificate");
    return NULL;
  }
  cert = g_new0 (MikeyCert, 1);
  cert->ref_count = 1;
  cert->x509 = x509;
  cert->der = g_memdup2 (der, len);
  cert->der_len = len;
  OPENSSL_free (der);
  return cert;
}

/* Peers send the same certificates exchange after exchange, and decoding
 * one costs OpenSSL about as much as an RSA signature check. Decoding is a
 * pure function of the DER, so the last few decoded certificates are kept
 * (immutable, reference-counted) and handed out again. */
#define DER_CACHE_SIZE 32

static GMutex der_cache_lock;
static GHashTable *der_cache;   /* GBytes (DER) -> MikeyCert* (a ref) */

static MikeyCert *
der_cache_lookup (const guint8 * der, gsize len)
{
  GBytes *key = g_bytes_new_static (der, len);
  MikeyCert *cert = NULL;

  g_mutex_lock (&der_cache_lock);
  if (der_cache != NULL && (cert = g_hash_table_lookup (der_cache, key)))
    mikey_cert_ref (cert);
  g_mutex_unlock (&der_cache_lock);
  g_bytes_unref (key);
  return cert;
}

static void
der_cache_insert (MikeyCert * cert)
{
  g_mutex_lock (&der_cache_lock);
  if (der_cache == NULL)
    der_cache = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
        (GDestroyNotify) g_bytes_unref, (GDestroyNotify) mikey_cert_unref);
  /* a full cache starts over: cheap, and a steady set of peers refills it */
  if (g_hash_table_size (der_cache) >= DER_CACHE_SIZE)
    g_hash_table_remove_all (der_cache);
  g_hash_table_replace (der_cache, g_bytes_new (cert->der, cert->der_len),
      mikey_cert_ref (cert));
  g_mutex_unlock (&der_cache_lock);
}

static MikeyCert *
cert_decode (const guint8 * der, gsize len, GError ** error)
{
  const guint8 *p = der;
  X509 *x509;

  g_return_val_if_fail (der != NULL || len == 0, NULL);

  if (len == 0 || len > INT_MAX) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "certificate of %" G_GSIZE_FORMAT " bytes is not DER", len);
    return NULL;
  }
  x509 = d2i_X509 (NULL, &p, (long) len);
  if (x509 == NULL) {
    ERR_clear_error ();
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "certificate is not a DER X.509 certificate");
    return NULL;
  }
  /* a CERT payload holds exactly one certificate */
  if (p != der + len) {
    X509_free (x509);
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "%" G_GSIZE_FORMAT " bytes follow the DER certificate",
        (gsize) (der + len - p));
    return NULL;
  }
  return cert_new_take (x509, error);
}

MikeyCert *
mikey_cert_new_from_der (const guint8 * der, gsize len, GError ** error)
{
  MikeyCert *cert;

  g_return_val_if_fail (der != NULL || len == 0, NULL);

  if (len > 0 && (cert = der_cache_lookup (der, len)) != NULL)
    return cert;
  cert = cert_decode (der, len, error);
  if (cert != NULL)
    der_cache_insert (cert);
  return cert;
}

GPtrArray *
mikey_cert_load_pem (const gchar * pem, gsize len, GError ** error)
{
  GPtrArray *certs;
  BIO *bio;
  X509 *x509;

  g_return_val_if_fail (pem != NULL || len == 0, NULL);

  if (len > INT_MAX || (bio = BIO_new_mem_buf (pem, (int) len)) == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "certificate PEM too large");
    return NULL;
  }
  certs = g_ptr_array_new_with_free_func ((GDestroyNotify) mikey_cert_unref);
  while ((x509 = PEM_read_bio_X509 (bio, NULL, NULL, NULL)) != NULL) {
    MikeyCert *cert = cert_new_take (x509, error);

    if (cert == NULL) {
      g_ptr_array_unref (certs);
      BIO_free (bio);
      return NULL;
    }
    g_ptr_array_add (certs, cert);
  }
  /* the loop ends with "no start line" at the end of the text; a damaged
   * block in the middle ends it too, so any leftover error is reported */
  if (ERR_GET_REASON (ERR_peek_last_error ()) != PEM_R_NO_START_LINE
      && ERR_peek_last_error () != 0) {
    ERR_clear_error ();
    BIO_free (bio);
    g_ptr_array_unref (certs);
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "damaged PEM certificate");
    return NULL;
  }
  ERR_clear_error ();
  BIO_free (bio);
  if (certs->len == 0) {
    g_ptr_array_unref (certs);
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "no PEM certificate found");
    return NULL;
  }
  return certs;
}

GPtrArray *
mikey_cert_load_pem_file (const gchar * path, GError ** error)
{
  gchar *pem;
  gsize len;
  GPtrArray *certs;
  GError *err = NULL;

  if (!mikey_pk_read_file (path, "certificate", &pem, &len, error))
    return NULL;
  certs = mikey_cert_load_pem (pem, len, &err);
  g_free (pem);
  if (certs == NULL)
    g_propagate_prefixed_error (error, err, "%s: ", path);
  return certs;
}

MikeyCert *
mikey_cert_ref (MikeyCert * cert)
{
  g_return_val_if_fail (cert != NULL, NULL);
  g_atomic_int_inc (&cert->ref_count);
  return cert;
}

void
mikey_cert_unref (MikeyCert * cert)
{
  if (cert == NULL || !g_atomic_int_dec_and_test (&cert->ref_count))
    return;
  X509_free (cert->x509);
  g_free (cert->der);
  g_free (cert);
}

const guint8 *
mikey_cert_get_der (const MikeyCert * cert, gsize * len)
{
  g_return_val_if_fail (cert != NULL && len != NULL, NULL);
  *len = cert->der_len;
  return cert->der;
}

#define NAME_MAX_SHOWN 256

/* "CN=x, O=y", escaped by mikey_escape_peer_string: names come from
 * peers (OpenSSL's own escaping of controls would leave C1 controls as
 * UTF-8, and a UTF-8 name that is not valid UTF-8 makes it fail: "?") */
static gchar *
name_to_string (const X509_NAME * name)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  unsigned long flags = (XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ
      & ~ASN1_STRFLGS_ESC_MSB & ~ASN1_STRFLGS_ESC_CTRL) |
      ASN1_STRFLGS_UTF8_CONVERT;
  char *data;
  long n;
  gchar *s;

  if (bio == NULL)
    return g_strdup ("?");
  if (X509_NAME_print_ex (bio, name, 0, flags) < 0) {
    BIO_free (bio);
    ERR_clear_error ();
    return g_strdup ("?");
  }
  n = BIO_get_mem_data (bio, &data);
  s = mikey_escape_peer_string (data, MAX (n, 0), NAME_MAX_SHOWN);
  BIO_free (bio);
  return s;
}

gchar *
mikey_cert_get_subject (const MikeyCert * cert)
{
  g_return_val_if_fail (cert != NULL, NULL);
  return name_to_string (X509_get_subject_name (cert->x509));
}

gchar *
mikey_cert_get_issuer (const MikeyCert * cert)
{
  g_return_val_if_fail (cert != NULL, NULL);
  return name_to_string (X509_get_issuer_name (cert->x509));
}

MikeyKey *
mikey_cert_get_public_key (const MikeyCert * cert)
{
  EVP_PKEY *pkey;

  g_return_val_if_fail (cert != NULL, NULL);

  pkey = X509_get_pubkey (cert->x509);
  if (pkey == NULL) {
    ERR_clear_error ();
    return NULL;
  }
  return mikey_key_new_take (pkey, FALSE, NULL);
}

/* ---- hashes (CHASH) ----------------------------------------------------- */

gboolean
mikey_cert_hash (MikeyHashFunc func, const MikeyCert * cert, guint8 * out,
    gsize * out_len, GError ** error)
{
  const gchar *name;
  size_t len = 0;

  g_return_val_if_fail (cert != NULL && out != NULL && out_len != NULL, FALSE);

  switch (func) {
    case MIKEY_HASH_SHA1:
      name = "SHA1";
      break;
    case MIKEY_HASH_MD5:
      /* in OpenSSL 3's default provider, not in the FIPS one */
      name = "MD5";
      break;
    default:
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED,
          "unsupported CHASH hash function %u (known: 0 = SHA-1, 1 = MD5)",
          (guint) func);
      return FALSE;
  }
  if (!EVP_Q_digest (NULL, name, NULL, cert->der, cert->der_len, out, &len)
      || (gssize) len != mikey_hash_len (func)) {
    ERR_clear_error ();
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CRYPTO,
        "OpenSSL cannot compute %s (provider without it?)", name);
    return FALSE;
  }
  *out_len = len;
  return TRUE;
}

/* ---- trust anchors ------------------------------------------------------ */

MikeyTrust *
mikey_trust_new (void)
{
  MikeyTrust *trust = g_new0 (MikeyTrust, 1);

  trust->store = X509_STORE_new ();
  g_assert (trust->store != NULL);
  return trust;
}

void
mikey_trust_free (MikeyTrust * trust)
{
  if (trust == NULL)
    return;
  X509_STORE_free (trust->store);
  g_free (trust);
}

gboolean
mikey_trust_add_cert (MikeyTrust * trust, const MikeyCert * cert,
    GError ** error)
{
  g_return_val_if_fail (trust != NULL && cert != NULL, FALSE);

  /* OpenSSL 3 treats a duplicate as success */
  if (X509_STORE_add_cert (trust->store, cert->x509) != 1) {
    ERR_clear_error ();
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CRYPTO,
        "OpenSSL failure adding a trusted certificate");
    return FALSE;
  }
  trust->n_certs++;
  return TRUE;
}

static gboolean
trust_add_all (MikeyTrust * trust, GPtrArray * certs, GError ** error)
{
  guint i;

  for (i = 0; i < certs->len; i++)
    if (!mikey_trust_add_cert (trust, g_ptr_array_index (certs, i), error))
      return FALSE;
  return TRUE;
}

gboolean
mikey_trust_load_file (MikeyTrust * trust, const gchar * path, GError ** error)
{
  GPtrArray *certs;
  gboolean ok;

  g_return_val_if_fail (trust != NULL, FALSE);

  certs = mikey_cert_load_pem_file (path, error);
  if (certs == NULL)
    return FALSE;
  ok = trust_add_all (trust, certs, error);
  g_ptr_array_unref (certs);
  return ok;
}

gboolean
mikey_trust_load_dir (MikeyTrust * trust, const gchar * dir, GError ** error)
{
  GDir *d;
  GError *ferr = NULL;
  const gchar *name;
  guint before;
  gboolean ok = TRUE;

  g_return_val_if_fail (trust != NULL && dir != NULL, FALSE);

  d = g_dir_open (dir, 0, &ferr);
  if (d == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "cannot read CA directory: %s", ferr->message);
    g_error_free (ferr);
    return FALSE;
  }
  before = trust->n_certs;
  while (ok && (name = g_dir_read_name (d)) != NULL) {
    gchar *path = g_build_filename (dir, name, NULL);
    gchar *pem;
    gsize len;
    GPtrArray *certs;

    if (g_file_test (path, G_FILE_TEST_IS_REGULAR)
        && mikey_file_read (path, MIKEY_FILE_MAX_SIZE, &pem, &len, NULL)) {
      /* not every file in a CA directory is a certificate */
      certs = mikey_cert_load_pem (pem, len, NULL);
      if (certs != NULL) {
        ok = trust_add_all (trust, certs, error);
        g_ptr_array_unref (certs);
      }
      g_free (pem);
    }
    g_free (path);
  }
  g_dir_close (d);
  if (ok && trust->n_certs == before) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "no PEM certificate in CA directory %s", dir);
    ok = FALSE;
  }
  return ok;
}

gboolean
mikey_trust_load_path (MikeyTrust * trust, const gchar * path, GError ** error)
{
  g_return_val_if_fail (path != NULL, FALSE);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return mikey_trust_load_dir (trust, path, error);
  return mikey_trust_load_file (trust, path, error);
}

guint
mikey_trust_get_n_certs (const MikeyTrust * trust)
{
  g_return_val_if_fail (trust != NULL, 0);
  return trust->n_certs;
}

/* ---- verification ------------------------------------------------------- */

static gchar *
time_to_string (const ASN1_TIME * t)
{
  struct tm tm;
  gchar buf[64];

  if (t == NULL || !ASN1_TIME_to_tm (t, &tm)
      || strftime (buf, sizeof (buf), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
    return g_strdup ("an unreadable date");
  return g_strdup (buf);
}

/* "12 days", "5 hours", "40 s": how far @t is from @now */
static gchar *
distance_to_string (const ASN1_TIME * t, time_t now)
{
  ASN1_TIME *at_now = ASN1_TIME_set (NULL, now);
  int days = 0, secs = 0;
  gint64 total;

  if (at_now == NULL || t == NULL || !ASN1_TIME_diff (&days, &secs, at_now, t)) {
    ASN1_TIME_free (at_now);
    ERR_clear_error ();
    return g_strdup ("an unknown time");
  }
  ASN1_TIME_free (at_now);
  total = ABS ((gint64) days * 86400 + secs);
  if (total >= 2 * 86400)
    return g_strdup_printf ("%" G_GINT64_FORMAT " days", total / 86400);
  if (total >= 2 * 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT " hours", total / 3600);
  return g_strdup_printf ("%" G_GINT64_FORMAT " s", total);
}

/* Expired or not yet valid, with the distance: a wrong clock on this
 * machine looks exactly like a certificate from the future or the past,
 * so the sentence gives the number that tells them apart. */
static void
set_validity_error (X509 * x, const gchar * subject, const gchar * where,
    gboolean expired, time_t now, GError ** error)
{
  const ASN1_TIME *t = expired ? X509_get0_notAfter (x) :
      X509_get0_notBefore (x);
  gchar *when = time_to_string (t), *dist = distance_to_string (t, now);

  if (expired)
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CERT_EXPIRED,
        "certificate \"%s\"%s expired on %s (that is %s ago by this "
        "machine's clock; renew it, or check the clock if it should still "
        "be valid)", subject, where, when, dist);
  else
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CERT_EXPIRED,
        "certificate \"%s\"%s is not valid before %s (that is %s from now "
        "by this machine's clock; check the clock if the certificate is "
        "new)", subject, where, when, dist);
  g_free (when);
  g_free (dist);
}

/* The words around the issuer's name for faults that come down to the
 * issuer: untrusted, revoked by it, or no CRL of it */
static const gchar *
issuer_problem (int code, const gchar ** tail)
{
  switch (code) {
    case X509_V_ERR_CERT_REVOKED:
      *tail = ")";
      return "has been revoked (listed in the CRL of ";
    case X509_V_ERR_UNABLE_TO_GET_CRL:
      *tail = " was loaded (with CRLs, every CA of the chain needs a "
          "current one)";
      return "cannot be checked for revocation: no CRL of its issuer ";
    default:
      *tail = " is not among the trusted CA certificates";
      return "is not trusted: its issuer ";
  }
}

static void
set_verify_error (X509_STORE_CTX * ctx, X509 * leaf, time_t now,
    GError ** error)
{
  int code = X509_STORE_CTX_get_error (ctx);
  X509 *bad = X509_STORE_CTX_get_current_cert (ctx);
  gchar *subject, *where, *when = NULL, *issuer;

  if (bad == NULL)
    bad = leaf;
  subject = name_to_string (X509_get_subject_name (bad));
  /* name the certificate the peer presented when the fault is higher up */
  if (bad != leaf) {
    gchar *leaf_subject = name_to_string (X509_get_subject_name (leaf));

    where = g_strdup_printf (" (in the chain of \"%s\")", leaf_subject);
    g_free (leaf_subject);
  } else {
    where = g_strdup ("");
  }

  switch (code) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      set_validity_error (bad, subject, where,
          code == X509_V_ERR_CERT_HAS_EXPIRED, now, error);
      break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_REVOKED:
    case X509_V_ERR_UNABLE_TO_GET_CRL:{
      const gchar *tail, *lead = issuer_problem (code, &tail);

      issuer = name_to_string (X509_get_issuer_name (bad));
      g_set_error (error, MIKEY_ERROR, code == X509_V_ERR_CERT_REVOKED ||
          code == X509_V_ERR_UNABLE_TO_GET_CRL ? MIKEY_ERROR_CERT_REVOKED :
          MIKEY_ERROR_CERT_UNTRUSTED, "certificate \"%s\"%s %s\"%s\"%s",
          subject, where, lead, issuer, tail);
      g_free (issuer);
      break;
    }
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:{
      /* the context no longer holds the CRL it refused: look it up */
      STACK_OF (X509_CRL) * crls =
          X509_STORE_CTX_get1_crls (ctx, X509_get_issuer_name (bad));
      X509_CRL *crl = crls && sk_X509_CRL_num (crls) > 0 ?
          sk_X509_CRL_value (crls, 0) : NULL;
      const ASN1_TIME *t = NULL;

      if (crl != NULL)
        t = code == X509_V_ERR_CRL_HAS_EXPIRED ?
            X509_CRL_get0_nextUpdate (crl) : X509_CRL_get0_lastUpdate (crl);
      when = t ? time_to_string (t) : g_strdup ("an unknown date");
      sk_X509_CRL_pop_free (crls, X509_CRL_free);
      issuer = name_to_string (X509_get_issuer_name (bad));
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CERT_REVOKED,
          "certificate \"%s\"%s cannot be checked for revocation: the CRL "
          "of \"%s\" %s %s; load a current one", subject, where, issuer,
          code == X509_V_ERR_CRL_HAS_EXPIRED ? "was due for an update on" :
          "is not valid before", when);
      g_free (issuer);
      break;
    }
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
      /* a forged or damaged chain: nothing vouches for the certificate */
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CERT_UNTRUSTED,
          "certificate \"%s\"%s has a signature that does not verify",
          subject, where);
      break;
    default:
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CERT_UNTRUSTED,
          "certificate \"%s\"%s failed verification: %s", subject, where,
          X509_verify_cert_error_string (code));
      break;
  }
  g_free (when);
  g_free (where);
  g_free (subject);
}

gboolean
mikey_cert_verify (const MikeyCert * cert, const GPtrArray * untrusted,
    const MikeyTrust * trust, time_t now, GError ** error)
{
  STACK_OF (X509) * chain = NULL;
  X509_STORE_CTX *ctx = NULL;
  gboolean ok = FALSE;
  guint i;
  int r;

  g_return_val_if_fail (cert != NULL && trust != NULL, FALSE);

  chain = sk_X509_new_null ();
  ctx = X509_STORE_CTX_new ();
  if (chain == NULL || ctx == NULL)
    goto crypto_fail;
  for (i = 0; untrusted != NULL && i < untrusted->len; i++) {
    const MikeyCert *c = g_ptr_array_index (untrusted, i);

    /* the stack only borrows: freed with sk_X509_free, not pop_free */
    if (!sk_X509_push (chain, c->x509))
      goto crypto_fail;
  }
  if (X509_STORE_CTX_init (ctx, trust->store, cert->x509, chain) != 1)
    goto crypto_fail;
  X509_VERIFY_PARAM_set_time (X509_STORE_CTX_get0_param (ctx), now);

  r = X509_verify_cert (ctx);
  if (r == 1)
    ok = TRUE;
  else if (X509_STORE_CTX_get_error (ctx) != X509_V_OK)
    set_verify_error (ctx, cert->x509, now, error);
  else
    goto crypto_fail;
  goto out;

crypto_fail:
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CRYPTO,
      "OpenSSL failure in certificate verification");
out:
  ERR_clear_error ();
  X509_STORE_CTX_free (ctx);
  sk_X509_free (chain);
  return ok;
}

gboolean
mikey_cert_check_validity (const MikeyCert * cert, time_t now, GError ** error)
{
  gboolean expired;
  gchar *subject;

  g_return_val_if_fail (cert != NULL, FALSE);

  /* X509_cmp_time: -1 before, 1 after, 0 unreadable */
  if (X509_cmp_time (X509_get0_notBefore (cert->x509), &now) == 1)
    expired = FALSE;
  else if (X509_cmp_time (X509_get0_notAfter (cert->x509), &now) == -1)
    expired = TRUE;
  else
    return TRUE;
  subject = name_to_string (X509_get_subject_name (cert->x509));
  set_validity_error (cert->x509, subject, "", expired, now, error);
  g_free (subject);
  return FALSE;
}

/* ---- key usage ---------------------------------------------------------- */

gboolean
mikey_cert_check_usage (const MikeyCert * cert, MikeyCertUsage usage,
    GError ** error)
{
  static const struct
  {
    guint32 bit;
    const gchar *name;
  } bits[] = {
    {KU_DIGITAL_SIGNATURE, "digitalSignature"},
    {KU_NON_REPUDIATION, "nonRepudiation"},
    {KU_KEY_ENCIPHERMENT, "keyEncipherment"},
    {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
    {KU_KEY_AGREEMENT, "keyAgreement"},
    {KU_KEY_CERT_SIGN, "keyCertSign"},
    {KU_CRL_SIGN, "cRLSign"},
    {KU_ENCIPHER_ONLY, "encipherOnly"},
    {KU_DECIPHER_ONLY, "decipherOnly"},
  };
  /* X509_get_key_usage answers UINT32_MAX when there is no extension */
  guint32 ku = X509_get_key_usage (cert->x509);
  guint32 want = usage == MIKEY_CERT_USAGE_SIGN ? KU_DIGITAL_SIGNATURE :
      KU_KEY_ENCIPHERMENT;
  GString *allowed;
  gchar *subject;
  guint i;

  if ((ku & want) != 0)
    return TRUE;

  allowed = g_string_new (NULL);
  for (i = 0; i < G_N_ELEMENTS (bits); i++) {
    if ((ku & bits[i].bit) == 0)
      continue;
    if (allowed->len > 0)
      g_string_append (allowed, ", ");
    g_string_append (allowed, bits[i].name);
  }
  subject = name_to_string (X509_get_subject_name (cert->x509));
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CERT_USAGE,
      "certificate \"%s\" may not be used %s: its key usage allows only %s",
      subject, usage == MIKEY_CERT_USAGE_SIGN ? "for signatures (no "
      "digitalSignature)" : "to encrypt a key (no keyEncipherment)",
      allowed->len > 0 ? allowed->str : "nothing");
  g_free (subject);
  g_string_free (allowed, TRUE);
  return FALSE;
}

/* ---- identities --------------------------------------------------------- */

/* Length of a URI scheme at the start of @s ("sip" in "sip:..."), 0 if
 * none (RFC 3986 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":") */
static gsize
scheme_len (const gchar * s)
{
  gsize i;

  if (!g_ascii_isalpha (s[0]))
    return 0;
  for (i = 1; s[i] != '\0'; i++) {
    if (s[i] == ':')
      return i;
    if (!g_ascii_isalnum (s[i]) && s[i] != '+' && s[i] != '-' && s[i] != '.')
      return 0;
  }
  return 0;
}

/* user@host: user exactly, host case-insensitively; no @: all of it
 * case-insensitively (a host name) */
static gboolean
address_equal (const gchar * a, const gchar * b)
{
  const gchar *at_a = strrchr (a, '@'), *at_b = strrchr (b, '@');

  if ((at_a == NULL) != (at_b == NULL))
    return FALSE;
  if (at_a == NULL)
    return g_ascii_strcasecmp (a, b) == 0;
  return at_a - a == at_b - b && strncmp (a, b, at_a - a) == 0
      && g_ascii_strcasecmp (at_a, at_b) == 0;
}

/* Two URIs or NAIs: schemes (if any) case-insensitively, then addresses */
static gboolean
identity_equal (const gchar * a, const gchar * b)
{
  gsize sa = scheme_len (a), sb = scheme_len (b);

  if (sa != sb || g_ascii_strncasecmp (a, b, sa) != 0)
    return FALSE;
  if (sa > 0)
    a += sa + 1, b += sb + 1;
  return address_equal (a, b);
}

/* The address inside @identity when it names a mailbox-like user:
 * "bob@example.org" for an NAI or a sip:, sips: or mailto: URI */
static const gchar *
identity_address (const gchar * identity)
{
  gsize s = scheme_len (identity);

  if (s == 0)
    return identity;
  if ((s == 3 && g_ascii_strncasecmp (identity, "sip", 3) == 0)
      || (s == 4 && g_ascii_strncasecmp (identity, "sips", 4) == 0)
      || (s == 6 && g_ascii_strncasecmp (identity, "mailto", 6) == 0))
    return identity + s + 1;
  return NULL;
}

/* ASN.1 string as C string, NULL if it hides a NUL (a classic trick to
 * make "bob@example.org\0.evil.com" look like bob's) */
static gchar *
asn1_to_str (const ASN1_STRING * s)
{
  const guchar *data = ASN1_STRING_get0_data (s);
  int len = ASN1_STRING_length (s);

  if (data == NULL || len < 0 || memchr (data, '\0', len) != NULL)
    return NULL;
  return g_strndup ((const gchar *) data, len);
}

gboolean
mikey_cert_matches_identity (const MikeyCert * cert, const gchar * identity,
    GError ** error)
{
  GENERAL_NAMES *sans;
  const gchar *addr, *host;
  GString *names;
  gboolean has_san = FALSE, match = FALSE;
  int i;

  g_return_val_if_fail (cert != NULL, FALSE);

  if (identity == NULL || identity[0] == '\0') {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS, "empty identity");
    return FALSE;
  }
  addr = identity_address (identity);
  /* a bare host, with or without a scheme, may match a DNS name */
  host = identity + (scheme_len (identity) ? scheme_len (identity) + 1 : 0);
  if (strchr (host, '@') != NULL)
    host = NULL;

  names = g_string_new (NULL);
  sans = X509_get_ext_d2i (cert->x509, NID_subject_alt_name, NULL, NULL);
  for (i = 0; sans != NULL && i < sk_GENERAL_NAME_num (sans) && !match; i++) {
    const GENERAL_NAME *gn = sk_GENERAL_NAME_value (sans, i);
    gchar *s;

    if (gn->type != GEN_URI && gn->type != GEN_EMAIL && gn->type != GEN_DNS)
      continue;
    has_san = TRUE;
    s = asn1_to_str (gn->d.ia5);
    if (s == NULL)
      continue;
    if (gn->type == GEN_URI)
      match = identity_equal (identity, s);
    else if (gn->type == GEN_EMAIL)
      match = addr != NULL && strchr (s, '@') != NULL
          && address_equal (addr, s);
    else
      match = host != NULL && g_ascii_strcasecmp (host, s) == 0;
    g_string_append_printf (names, "%s%s", names->len ? ", " : "", s);
    g_free (s);
  }
  GENERAL_NAMES_free (sans);
  ERR_clear_error ();

  /* RFC 6125 6.4.4: the CN only counts without SANs of these types */
  if (!has_san) {
    const X509_NAME *subj = X509_get_subject_name (cert->x509);
    int idx = -1;

    while (!match && (idx = X509_NAME_get_index_by_NID (subj, NID_commonName,
                idx)) >= 0) {
      const X509_NAME_ENTRY *e = X509_NAME_get_entry (subj, idx);
      gchar *cn = asn1_to_str (X509_NAME_ENTRY_get_data (e));

      if (cn == NULL)
        continue;
      match = identity_equal (identity, cn)
          || (addr != NULL && address_equal (addr, cn));
      g_string_append_printf (names, "%s%s", names->len ? ", " : "", cn);
      g_free (cn);
    }
  }

  if (!match) {
    gchar *subject = mikey_cert_get_subject (cert);
    gchar *shown = names->len ? mikey_escape_peer_string (names->str, -1,
        NAME_MAX_SHOWN) : g_strdup ("no name");
    gchar *want = mikey_escape_peer_string (identity, -1, NAME_MAX_SHOWN);

    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_IDENTITY,
        "mismatched identity: certificate \"%s\" is for %s, not %s",
        subject, shown, want);
    g_free (subject);
    g_free (shown);
    g_free (want);
  }
  g_string_free (names, TRUE);
  return match;
}
