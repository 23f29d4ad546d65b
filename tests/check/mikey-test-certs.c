/* Certificates made at test time with OpenSSL's X509 API */
#include "mikey-test-certs.h"

#include <gst/check/gstcheck.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

MikeyCert *
mikey_test_self_signed (const gchar * key_path, const gchar * cn,
    const gchar * key_usage)
{
  BIO *bio = BIO_new_file (key_path, "r");
  EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL) : NULL;
  X509 *x = X509_new ();
  X509_NAME *name = X509_NAME_new ();
  guint8 *der = NULL;
  int der_len;
  MikeyCert *cert;
  GError *err = NULL;

  fail_unless (key != NULL && x != NULL && name != NULL, "%s", key_path);
  fail_unless (X509_set_version (x, 2)
      && ASN1_INTEGER_set (X509_get_serialNumber (x), 1)
      && ASN1_TIME_set_string_X509 (X509_getm_notBefore (x), "20260101000000Z")
      && ASN1_TIME_set_string_X509 (X509_getm_notAfter (x), "20460101000000Z")
      && X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8,
          (const guint8 *) cn, -1, -1, 0)
      && X509_set_subject_name (x, name) && X509_set_issuer_name (x, name)
      && X509_set_pubkey (x, key));
  if (key_usage != NULL) {
    gchar *value = g_strconcat ("critical,", key_usage, NULL);
    X509V3_CTX ctx;
    X509_EXTENSION *ext;

    X509V3_set_ctx (&ctx, x, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid (NULL, &ctx, NID_key_usage, value);
    fail_unless (ext != NULL && X509_add_ext (x, ext, -1), "%s", value);
    X509_EXTENSION_free (ext);
    g_free (value);
  }
  fail_unless (X509_sign (x, key, EVP_sha256 ()) > 0);
  der_len = i2d_X509 (x, &der);
  fail_unless (der_len > 0);
  cert = mikey_cert_new_from_der (der, der_len, &err);
  fail_unless (cert != NULL, "%s", err ? err->message : "");

  OPENSSL_free (der);
  X509_NAME_free (name);
  X509_free (x);
  EVP_PKEY_free (key);
  BIO_free (bio);
  return cert;
}
