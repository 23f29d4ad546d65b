/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: certificate revocation lists in a trust store.
 *
 * Revocation is checked by OpenSSL's own chain verification once CRLs
 * are in the store; what this file adds is loading them from a PEM file
 * and switching the check on only when the user gave one, so that a
 * trust store without CRLs behaves as before. */
#include "mikey-pk-private.h"
#include "mikey-error.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

gboolean
mikey_trust_load_crl_file (MikeyTrust * trust, const gchar * path,
    GError ** error)
{
  STACK_OF (X509_INFO) * infos = NULL;
  gchar *pem = NULL;
  gsize len = 0;
  BIO *bio = NULL;
  guint n = 0;
  gboolean ok = FALSE;
  int i;

  g_return_val_if_fail (trust != NULL && path != NULL, FALSE);

  if (!mikey_pk_read_file (path, "CRL", &pem, &len, error))
    return FALSE;
  if (len > G_MAXINT) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "%s: CRL file too large", path);
    goto out;
  }
  bio = BIO_new_mem_buf (pem, (int) len);
  if (bio != NULL)
    infos = PEM_X509_INFO_read_bio (bio, NULL, NULL, NULL);
  if (infos == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "%s: not a readable PEM file of CRLs", path);
    goto out;
  }
  for (i = 0; i < sk_X509_INFO_num (infos); i++) {
    X509_INFO *info = sk_X509_INFO_value (infos, i);

    if (info->crl == NULL)
      continue;
    /* the store takes its own reference; a duplicate is not an error */
    if (X509_STORE_add_crl (trust->store, info->crl) != 1) {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CRYPTO,
          "OpenSSL failure adding a CRL from %s", path);
      goto out;
    }
    n++;
  }
  if (n == 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "%s holds no CRL (no \"-----BEGIN X509 CRL-----\" block)", path);
    goto out;
  }
  /* every CA below the anchor must have a current CRL: with the leaf
   * alone, a revoked intermediate would still vouch for its leaves */
  if (X509_STORE_set_flags (trust->store,
          X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL) != 1) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CRYPTO,
        "OpenSSL failure enabling CRL checks");
    goto out;
  }
  ok = TRUE;

out:
  ERR_clear_error ();
  sk_X509_INFO_pop_free (infos, X509_INFO_free);
  BIO_free (bio);
  g_free (pem);
  return ok;
}
