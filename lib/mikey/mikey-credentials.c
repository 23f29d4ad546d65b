/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol library: loading pre-shared keys, certificates, private
 * keys, trust stores and CRLs from the user's files (mikey-credentials.h),
 * hex decoding and the wiping of secret strings.
 *
 * The PEM parsing itself is mikey-cert.c, mikey-pk.c and mikey-crl.c; this
 * file gives all of it one error code (MIKEY_ERROR_SETTINGS: the user's
 * files are wrong, not a peer's message) and wipes what held secrets. */
#include "mikey-credentials.h"
#include "mikey-message.h"
#include "mikey-pk-private.h"
#include "mikey-file-private.h"

#include <string.h>
#include <openssl/crypto.h>

/* The loaders below mikey-credentials.h use INVALID/UNSUPPORTED/CRYPTO:
 * here a refusal is always the settings' fault. Their messages already
 * name the file. */
static void
propagate_as_settings (GError ** error, GError * err)
{
  err->domain = MIKEY_ERROR;
  err->code = MIKEY_ERROR_SETTINGS;
  g_propagate_error (error, err);
}

guint8 *
mikey_hex_decode (const gchar * text, gsize * out_len, GError ** error)
{
  gsize n_digits = 0, i, pos = 0, n = 0;
  guint8 *out;
  gint hi = -1;

  g_return_val_if_fail (text != NULL && out_len != NULL, NULL);

  *out_len = 0;
  if (g_str_has_prefix (text, "0x") || g_str_has_prefix (text, "0X"))
    pos = 2;

  for (i = pos; text[i] != '\0'; i++) {
    if (g_ascii_isxdigit (text[i])) {
      n_digits++;
    } else if (text[i] == ':' || g_ascii_isspace (text[i])) {
      if (n_digits % 2 != 0) {
        g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
            "separator at position %" G_GSIZE_FORMAT " splits a byte "
            "(write each byte as two hex digits)", i + 1);
        return NULL;
      }
    } else {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
          "not hex: unexpected character at position %" G_GSIZE_FORMAT
          " (expected 0-9, a-f)", i + 1);
      return NULL;
    }
  }
  if (n_digits == 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS, "empty hex value");
    return NULL;
  }
  if (n_digits % 2 != 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "odd number of hex digits (%" G_GSIZE_FORMAT "): each byte is two "
        "digits", n_digits);
    return NULL;
  }

  out = g_malloc (n_digits / 2);
  for (i = pos; text[i] != '\0'; i++) {
    if (!g_ascii_isxdigit (text[i]))
      continue;
    if (hi < 0) {
      hi = g_ascii_xdigit_value (text[i]);
    } else {
      out[n++] = (guint8) ((hi << 4) | g_ascii_xdigit_value (text[i]));
      hi = -1;
    }
  }
  *out_len = n;
  return out;
}

void
mikey_secure_free_string (gchar * str)
{
  if (str == NULL)
    return;
  mikey_secure_free (str, strlen (str));
}

guint8 *
mikey_credentials_load_psk_file (const gchar * path, gsize * out_len,
    GError ** error)
{
  gchar *contents = NULL;
  gsize len = 0;
  guint8 *psk;
  GError *err = NULL;

  g_return_val_if_fail (path != NULL && out_len != NULL, NULL);

  *out_len = 0;
  if (!mikey_file_read (path, MIKEY_FILE_MAX_SIZE, &contents, &len, &err)) {
    /* GLib's message names the file */
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "cannot read PSK file: %s", err->message);
    g_error_free (err);
    return NULL;
  }
  /* a NUL inside the file would cut the key short without a word */
  if (strlen (contents) != len) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "%s does not hold a hex key (it contains a NUL byte)", path);
    mikey_secure_free (contents, len);
    return NULL;
  }
  psk = mikey_hex_decode (contents, out_len, &err);
  mikey_secure_free (contents, len);
  if (psk == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "%s does not hold a hex key (expected an even number of hex digits "
        "on one line): %s", path, err->message);
    g_error_free (err);
  }
  return psk;
}

GPtrArray *
mikey_credentials_load_chain (const gchar * path, GError ** error)
{
  GError *err = NULL;
  GPtrArray *certs;

  g_return_val_if_fail (path != NULL, NULL);

  certs = mikey_cert_load_pem_file (path, &err);
  if (certs == NULL)
    propagate_as_settings (error, err);
  return certs;
}

MikeyCert *
mikey_credentials_load_peer_cert (const gchar * path, GPtrArray ** chain,
    GError ** error)
{
  GPtrArray *all = mikey_credentials_load_chain (path, error);
  MikeyCert *cert;
  guint i;

  if (chain != NULL)
    *chain = NULL;
  if (all == NULL)
    return NULL;
  cert = mikey_cert_ref (g_ptr_array_index (all, 0));
  if (chain != NULL) {
    *chain = g_ptr_array_new_with_free_func ((GDestroyNotify)
        mikey_cert_unref);
    for (i = 1; i < all->len; i++)
      g_ptr_array_add (*chain, mikey_cert_ref (g_ptr_array_index (all, i)));
  }
  g_ptr_array_unref (all);
  return cert;
}

MikeyKey *
mikey_credentials_load_key (const gchar * path, const gchar * passphrase,
    gboolean * encrypted, GError ** error)
{
  gchar *pem = NULL;
  gsize len = 0;
  MikeyKey *key;
  GError *err = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  if (encrypted != NULL)
    *encrypted = FALSE;
  if (!mikey_pk_read_file (path, "private key", &pem, &len, &err)) {
    propagate_as_settings (error, err);
    return NULL;
  }
  key = mikey_key_load_pem_encrypted (pem, len, passphrase, encrypted, &err);
  mikey_secure_free (pem, len);
  if (key == NULL) {
    g_prefix_error (&err, "%s: ", path);
    propagate_as_settings (error, err);
    return NULL;
  }
  /* a PEM private key always gives one; kept so that a future loader
   * handing out public keys cannot slip through */
  if (!mikey_key_is_private (key)) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "%s holds no private key", path);
    mikey_key_unref (key);
    return NULL;
  }
  return key;
}

MikeyTrust *
mikey_credentials_load_trust (const gchar * ca_path, GError ** error)
{
  MikeyTrust *trust;
  GError *err = NULL;

  g_return_val_if_fail (ca_path != NULL, NULL);

  trust = mikey_trust_new ();
  if (!mikey_trust_load_path (trust, ca_path, &err)) {
    propagate_as_settings (error, err);
    mikey_trust_free (trust);
    return NULL;
  }
  return trust;
}

gboolean
mikey_credentials_load_crls (MikeyTrust * trust, const gchar * path,
    GError ** error)
{
  GError *err = NULL;

  g_return_val_if_fail (trust != NULL && path != NULL, FALSE);

  if (!mikey_trust_load_crl_file (trust, path, &err)) {
    propagate_as_settings (error, err);
    return FALSE;
  }
  return TRUE;
}
