/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mikey-tool: certificate, private key and CA files, and what a CERT
 * payload's certificate says.
 *
 * Loading goes through the core (mikey-pk.h) so that the tool accepts
 * exactly the files the elements accept; errors name the option the file
 * came from, since "no PEM certificate found" alone does not say which of
 * three files is wrong. The certificate details the core has no accessor
 * for (issuer, validity, alternative names) are read here with OpenSSL
 * from the DER the core hands out: they are for display only and play no
 * part in any check.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mikey-tool.h"

/* ------------------------------------------------------------------------
 * Files
 * ---------------------------------------------------------------------- */

GPtrArray *
mikey_tool_load_certs (const gchar * opt, const gchar * path, GError ** error)
{
  GPtrArray *certs = mikey_cert_load_pem_file (path, error);

  if (certs == NULL)
    g_prefix_error (error, "%s: ", opt);
  return certs;
}

MikeyCert *
mikey_tool_load_cert (const gchar * opt, const gchar * path, GError ** error)
{
  GPtrArray *certs = mikey_tool_load_certs (opt, path, error);
  MikeyCert *cert;

  if (certs == NULL)
    return NULL;
  cert = mikey_cert_ref (g_ptr_array_index (certs, 0));
  g_ptr_array_unref (certs);
  return cert;
}

MikeyKey *
mikey_tool_load_key (const gchar * opt, const gchar * path, GError ** error)
{
  const gchar *passphrase = g_getenv (MIKEY_TOOL_PASSPHRASE_ENV);
  GError *err = NULL;
  MikeyKey *key;

  key = mikey_key_load_pem_file (path, passphrase, &err);
  if (key != NULL)
    return key;
  /* as the elements do: without a passphrase, say where one goes */
  if (passphrase == NULL)
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "%s: %s (if the key is encrypted, set the environment variable %s "
        "to its passphrase)", opt, err->message, MIKEY_TOOL_PASSPHRASE_ENV);
  else
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID, "%s: %s", opt,
        err->message);
  g_error_free (err);
  return NULL;
}

MikeyTrust *
mikey_tool_load_trust (const gchar * opt, const gchar * path, GError ** error)
{
  MikeyTrust *trust = mikey_trust_new ();

  if (!mikey_trust_load_path (trust, path, error)) {
    g_prefix_error (error, "%s: ", opt);
    mikey_trust_free (trust);
    return NULL;
  }
  return trust;
}

/* ------------------------------------------------------------------------
 * Certificate details
 * ---------------------------------------------------------------------- */

static gchar *
time_to_iso (const ASN1_TIME * t)
{
  struct tm tm;
  gchar buf[32];

  if (t == NULL || !ASN1_TIME_to_tm (t, &tm) ||
      strftime (buf, sizeof (buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    return NULL;
  return g_strdup (buf);
}

static const gchar *
validity_at (X509 * x509, gint64 now_us)
{
  time_t now = (time_t) (now_us / G_USEC_PER_SEC);

  if (X509_cmp_time (X509_get0_notBefore (x509), &now) > 0)
    return "not yet valid";
  if (X509_cmp_time (X509_get0_notAfter (x509), &now) < 0)
    return "expired";
  return "valid";
}

static gchar *
serial_hex (X509 * x509)
{
  const ASN1_INTEGER *serial = X509_get0_serialNumber (x509);
  BIGNUM *bn = ASN1_INTEGER_to_BN (serial, NULL);
  char *hex;
  gchar *s;

  if (bn == NULL)
    return NULL;
  hex = BN_bn2hex (bn);
  BN_free (bn);
  if (hex == NULL)
    return NULL;
  s = g_ascii_strdown (hex, -1);
  OPENSSL_free (hex);
  return s;
}

/* Only the names identities are matched against (URI, e-mail, DNS), in
 * the "TYPE:value" form openssl x509 -text prints. */
static gchar **
alt_names (X509 * x509)
{
  GENERAL_NAMES *names = X509_get_ext_d2i (x509, NID_subject_alt_name, NULL,
      NULL);
  GPtrArray *out = g_ptr_array_new ();
  int i;

  for (i = 0; names != NULL && i < sk_GENERAL_NAME_num (names); i++) {
    const GENERAL_NAME *n = sk_GENERAL_NAME_value (names, i);
    const gchar *prefix;
    const ASN1_IA5STRING *s;

    switch (n->type) {
      case GEN_URI:
        prefix = "URI";
        s = n->d.uniformResourceIdentifier;
        break;
      case GEN_EMAIL:
        prefix = "email";
        s = n->d.rfc822Name;
        break;
      case GEN_DNS:
        prefix = "DNS";
        s = n->d.dNSName;
        break;
      default:
        continue;
    }
    g_ptr_array_add (out, g_strdup_printf ("%s:%.*s", prefix,
            ASN1_STRING_length (s), ASN1_STRING_get0_data (s)));
  }
  GENERAL_NAMES_free (names);
  g_ptr_array_add (out, NULL);
  return (gchar **) g_ptr_array_free (out, FALSE);
}

static gchar *
public_key_desc (X509 * x509)
{
  EVP_PKEY *pkey = X509_get0_pubkey (x509);
  const char *type;

  if (pkey == NULL)
    return g_strdup ("unreadable");
  type = EVP_PKEY_get0_type_name (pkey);
  return g_strdup_printf ("%s %d bit", type != NULL ? type : "unknown",
      EVP_PKEY_get_bits (pkey));
}

/* Fingerprints of the DER: SHA-1 is what a CHASH payload holds (and what
 * openssl x509 -fingerprint prints by default) */
static gchar *
digest_hex (const gchar * md_name, const guint8 * data, gsize len)
{
  guint8 md[EVP_MAX_MD_SIZE];
  size_t md_len = 0;

  if (!EVP_Q_digest (NULL, md_name, NULL, data, len, md, &md_len)) {
    ERR_clear_error ();
    return NULL;
  }
  return mikey_hex_encode (md, md_len);
}

gboolean
mikey_tool_cert_info (const guint8 * der, gsize len, gint64 now_us,
    MikeyToolCertInfo * info, GError ** error)
{
  MikeyCert *cert;
  const guint8 *p;
  gsize der_len;
  X509 *x509;

  memset (info, 0, sizeof (*info));
  /* the core's parser decides what counts as a certificate */
  cert = mikey_cert_new_from_der (der, len, error);
  if (cert == NULL)
    return FALSE;
  info->subject = mikey_cert_get_subject (cert);

  p = mikey_cert_get_der (cert, &der_len);
  x509 = d2i_X509 (NULL, &p, (long) der_len);
  if (x509 == NULL) {
    ERR_clear_error ();
    mikey_cert_unref (cert);
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CRYPTO,
        "OpenSSL cannot re-read the certificate");
    return FALSE;
  }
  info->issuer = mikey_cert_get_issuer (cert);
  info->serial = serial_hex (x509);
  info->not_before = time_to_iso (X509_get0_notBefore (x509));
  info->not_after = time_to_iso (X509_get0_notAfter (x509));
  info->validity_now = validity_at (x509, now_us);
  info->alt_names = alt_names (x509);
  info->public_key = public_key_desc (x509);
  info->is_ca = X509_check_ca (x509) > 0;
  info->self_signed = X509_check_issued (x509, x509) == X509_V_OK;
  info->sha1 = digest_hex ("SHA1", der, len);
  info->sha256 = digest_hex ("SHA256", der, len);
  X509_free (x509);
  ERR_clear_error ();
  mikey_cert_unref (cert);
  return TRUE;
}

void
mikey_tool_cert_info_clear (MikeyToolCertInfo * info)
{
  g_free (info->subject);
  g_free (info->issuer);
  g_free (info->serial);
  g_free (info->not_before);
  g_free (info->not_after);
  g_strfreev (info->alt_names);
  g_free (info->public_key);
  g_free (info->sha1);
  g_free (info->sha256);
  memset (info, 0, sizeof (*info));
}
