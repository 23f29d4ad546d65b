/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Certificates, CAs and CRLs made at test time with OpenSSL's X509 API */
#include "mikey-test-certs.h"

#include <gst/check/gstcheck.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define NOT_BEFORE "20260101000000Z"
#define NOT_AFTER "20460101000000Z"

struct _MikeyTestCa
{
  EVP_PKEY *key;
  X509 *cert;
  gchar *dir;
  gchar *cert_path;
};

static EVP_PKEY *
read_key (const gchar * path)
{
  BIO *bio = BIO_new_file (path, "r");
  EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL) : NULL;

  fail_unless (key != NULL, "cannot read key %s", path);
  BIO_free (bio);
  return key;
}

static void
add_ext (X509 * x, X509 * issuer, int nid, const gchar * value)
{
  X509V3_CTX ctx;
  X509_EXTENSION *ext;

  X509V3_set_ctx (&ctx, issuer, x, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid (NULL, &ctx, nid, value);
  fail_unless (ext != NULL && X509_add_ext (x, ext, -1), "%s", value);
  X509_EXTENSION_free (ext);
}

/* An unsigned certificate for @key named @cn, issued by @issuer_name
 * (NULL: by itself) */
static X509 *
new_cert (EVP_PKEY * key, const gchar * cn, const X509_NAME * issuer_name,
    glong serial)
{
  X509 *x = X509_new ();
  X509_NAME *name = X509_NAME_new ();

  fail_unless (x != NULL && name != NULL);
  fail_unless (X509_set_version (x, 2)
      && ASN1_INTEGER_set (X509_get_serialNumber (x), serial)
      && ASN1_TIME_set_string_X509 (X509_getm_notBefore (x), NOT_BEFORE)
      && ASN1_TIME_set_string_X509 (X509_getm_notAfter (x), NOT_AFTER)
      && X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8,
          (const guint8 *) cn, -1, -1, 0)
      && X509_set_subject_name (x, name)
      && X509_set_issuer_name (x, issuer_name ? issuer_name : name)
      && X509_set_pubkey (x, key));
  X509_NAME_free (name);
  return x;
}

static void
write_cert (X509 * x, const gchar * path)
{
  BIO *bio = BIO_new_file (path, "w");

  fail_unless (bio != NULL && PEM_write_bio_X509 (bio, x), "%s", path);
  BIO_free (bio);
}

MikeyCert *
mikey_test_self_signed (const gchar * key_path, const gchar * cn,
    const gchar * key_usage)
{
  EVP_PKEY *key = read_key (key_path);
  X509 *x = new_cert (key, cn, NULL, 1);
  guint8 *der = NULL;
  int der_len;
  MikeyCert *cert;
  GError *err = NULL;

  if (key_usage != NULL) {
    gchar *value = g_strconcat ("critical,", key_usage, NULL);

    add_ext (x, x, NID_key_usage, value);
    g_free (value);
  }
  fail_unless (X509_sign (x, key, EVP_sha256 ()) > 0);
  der_len = i2d_X509 (x, &der);
  fail_unless (der_len > 0);
  cert = mikey_cert_new_from_der (der, der_len, &err);
  fail_unless (cert != NULL, "%s", err ? err->message : "");

  OPENSSL_free (der);
  X509_free (x);
  EVP_PKEY_free (key);
  return cert;
}

MikeyTestCa *
mikey_test_ca_new (const gchar * key_path, const gchar * cn, const gchar * dir)
{
  MikeyTestCa *ca = g_new0 (MikeyTestCa, 1);
  /* no spaces: the path goes into gst-launch style property strings */
  gchar *file = g_strdelimit (g_strconcat (cn, ".pem", NULL), " ", '-');

  ca->key = read_key (key_path);
  ca->cert = new_cert (ca->key, cn, NULL, 1);
  add_ext (ca->cert, ca->cert, NID_basic_constraints, "critical,CA:TRUE");
  add_ext (ca->cert, ca->cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext (ca->cert, ca->cert, NID_subject_key_identifier, "hash");
  fail_unless (X509_sign (ca->cert, ca->key, EVP_sha256 ()) > 0);
  ca->dir = g_strdup (dir);
  ca->cert_path = g_build_filename (dir, file, NULL);
  write_cert (ca->cert, ca->cert_path);
  g_free (file);
  return ca;
}

void
mikey_test_ca_free (MikeyTestCa * ca)
{
  EVP_PKEY_free (ca->key);
  X509_free (ca->cert);
  g_free (ca->dir);
  g_free (ca->cert_path);
  g_free (ca);
}

const gchar *
mikey_test_ca_cert_path (MikeyTestCa * ca)
{
  return ca->cert_path;
}

gchar *
mikey_test_ca_issue (MikeyTestCa * ca, const gchar * key_path,
    const gchar * cn, const gchar * uri, glong serial)
{
  EVP_PKEY *key = read_key (key_path);
  X509 *x = new_cert (key, cn, X509_get_subject_name (ca->cert), serial);
  gchar *file = g_strconcat (cn, ".pem", NULL);
  gchar *path = g_build_filename (ca->dir, file, NULL);
  gchar *san = g_strconcat ("URI:", uri, NULL);

  add_ext (x, ca->cert, NID_basic_constraints, "critical,CA:FALSE");
  add_ext (x, ca->cert, NID_key_usage,
      "critical,digitalSignature,keyEncipherment");
  add_ext (x, ca->cert, NID_authority_key_identifier, "keyid:always");
  add_ext (x, ca->cert, NID_subject_alt_name, san);
  fail_unless (X509_sign (x, ca->key, EVP_sha256 ()) > 0);
  write_cert (x, path);

  g_free (san);
  g_free (file);
  X509_free (x);
  EVP_PKEY_free (key);
  return path;
}

gchar *
mikey_test_ca_crl (MikeyTestCa * ca, const gchar * name,
    const glong * serials, guint n, const gchar * next_update)
{
  X509_CRL *crl = X509_CRL_new ();
  ASN1_TIME *last = ASN1_TIME_new (), *next = ASN1_TIME_new ();
  gchar *path = g_build_filename (ca->dir, name, NULL);
  BIO *bio;
  guint i;

  fail_unless (crl != NULL && last != NULL && next != NULL);
  fail_unless (X509_CRL_set_version (crl, 1)
      && X509_CRL_set_issuer_name (crl, X509_get_subject_name (ca->cert))
      && ASN1_TIME_set_string_X509 (last, NOT_BEFORE)
      && ASN1_TIME_set_string_X509 (next, next_update)
      && X509_CRL_set1_lastUpdate (crl, last)
      && X509_CRL_set1_nextUpdate (crl, next));
  for (i = 0; i < n; i++) {
    X509_REVOKED *r = X509_REVOKED_new ();
    ASN1_INTEGER *serial = ASN1_INTEGER_new ();

    fail_unless (r != NULL && serial != NULL
        && ASN1_INTEGER_set (serial, serials[i])
        && X509_REVOKED_set_serialNumber (r, serial)
        && X509_REVOKED_set_revocationDate (r, last)
        && X509_CRL_add0_revoked (crl, r));
    ASN1_INTEGER_free (serial);
  }
  fail_unless (X509_CRL_sort (crl)
      && X509_CRL_sign (crl, ca->key, EVP_sha256 ()) > 0);
  bio = BIO_new_file (path, "w");
  fail_unless (bio != NULL && PEM_write_bio_X509_CRL (bio, crl), "%s", path);

  BIO_free (bio);
  ASN1_TIME_free (last);
  ASN1_TIME_free (next);
  X509_CRL_free (crl);
  return path;
}

MikeyCert *
mikey_test_hostile_cert (const gchar * key_path, gboolean invalid_utf8,
    const gchar * pem_path)
{
  /* a terminal escape, a forged log line, a NUL and a raw byte */
  static const guint8 cn[] = "eve\x1b[31m\r\nmikey-key-established\x00x";
  static const guint8 cn_bad[] = "eve\x1b]0;pwned\x07\xff\xfe\r\n";
  static const guint8 org[] = "Org\x1b[2J\n\xff";
  EVP_PKEY *key = read_key (key_path);
  X509 *x = X509_new ();
  X509_NAME *name = X509_NAME_new ();
  guint8 *der = NULL;
  int der_len;
  MikeyCert *cert;
  GError *err = NULL;

  fail_unless (x != NULL && name != NULL);
  /* typed strings go in as they are: no UTF-8 check, unlike MBSTRING_* */
  fail_unless (X509_set_version (x, 2)
      && ASN1_INTEGER_set (X509_get_serialNumber (x), 7)
      && ASN1_TIME_set_string_X509 (X509_getm_notBefore (x), NOT_BEFORE)
      && ASN1_TIME_set_string_X509 (X509_getm_notAfter (x), NOT_AFTER));
  /* OpenSSL refuses to encode or parse a UTF8String that is not UTF-8:
   * bytes that are not UTF-8 come in a T61String */
  fail_unless (X509_NAME_add_entry_by_NID (name, NID_commonName,
          invalid_utf8 ? V_ASN1_T61STRING : V_ASN1_UTF8STRING,
          invalid_utf8 ? cn_bad : cn,
          invalid_utf8 ? (int) sizeof (cn_bad) - 1 : (int) sizeof (cn) - 1,
          -1, 0));
  fail_unless (X509_NAME_add_entry_by_NID (name, NID_organizationName,
          V_ASN1_T61STRING, org, sizeof (org) - 1, -1, 0));
  fail_unless (X509_set_subject_name (x, name)
      && X509_set_issuer_name (x, name)
      && X509_set_pubkey (x, key));
  add_ext (x, x, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  add_ext (x, x, NID_subject_alt_name, "URI:sip:eve@example.org");
  fail_unless (X509_sign (x, key, EVP_sha256 ()) > 0);
  if (pem_path != NULL)
    write_cert (x, pem_path);
  der_len = i2d_X509 (x, &der);
  fail_unless (der_len > 0);
  cert = mikey_cert_new_from_der (der, der_len, &err);
  fail_unless (cert != NULL, "%s", err ? err->message : "");

  OPENSSL_free (der);
  X509_NAME_free (name);
  X509_free (x);
  EVP_PKEY_free (key);
  return cert;
}

gboolean
mikey_test_is_clean_text (const gchar * text)
{
  const guchar *p;

  for (p = (const guchar *) text; *p != '\0'; p++) {
    if (*p < 0x20 || *p >= 0x7f)
      return FALSE;
  }
  return TRUE;
}

MikeyCert *
mikey_test_cert_with_validity (const gchar * key_path, const gchar * cn,
    time_t not_before, time_t not_after, const gchar * pem_path)
{
  EVP_PKEY *key = read_key (key_path);
  X509 *x = new_cert (key, cn, NULL, 9);
  guint8 *der = NULL;
  int der_len;
  MikeyCert *cert;

  fail_unless (X509_time_adj_ex (X509_getm_notBefore (x), 0, 0,
          &not_before) != NULL
      && X509_time_adj_ex (X509_getm_notAfter (x), 0, 0, &not_after) != NULL);
  add_ext (x, x, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  fail_unless (X509_sign (x, key, EVP_sha256 ()) > 0);
  if (pem_path != NULL)
    write_cert (x, pem_path);
  der_len = i2d_X509 (x, &der);
  fail_unless (der_len > 0);
  cert = mikey_cert_new_from_der (der, der_len, NULL);
  fail_unless (cert != NULL);
  OPENSSL_free (der);
  X509_free (x);
  EVP_PKEY_free (key);
  return cert;
}

gchar *
mikey_test_pki (const gchar * name)
{
  const gchar *dir = g_getenv ("MIKEY_TEST_DATA");

  fail_unless (dir != NULL, "MIKEY_TEST_DATA is not set (run through meson)");
  return g_build_filename (dir, "pki", name, NULL);
}
