/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: what mikey-pk.c (keys, RSA), mikey-cert.c
 * (certificates, trust) and mikey-crl.c (revocation lists) share behind
 * the opaque types of mikey-pk.h. */
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>
#include "mikey-pk.h"

G_BEGIN_DECLS

struct _MikeyKey
{
  gint ref_count;
  EVP_PKEY *pkey;
  gboolean is_private;
};

struct _MikeyCert
{
  gint ref_count;
  X509 *x509;
  /* DER as received or as i2d_X509 gives it: CERT payload and CHASH */
  guint8 *der;
  gsize der_len;
};

struct _MikeyTrust
{
  X509_STORE *store;
  guint n_certs;
};

/* Wraps @pkey (takes the reference); refuses non-RSA keys. */
MikeyKey *mikey_key_new_take (EVP_PKEY * pkey, gboolean is_private,
    GError ** error);

/* mikey_key_load_pem() that also tells whether the PEM was encrypted
 * (OpenSSL asked for a passphrase), so that callers can say where the
 * passphrase comes from without looking at the message. */
MikeyKey *mikey_key_load_pem_encrypted (const gchar * pem, gsize len,
    const gchar * passphrase, gboolean * encrypted, GError ** error);

/* Reads a whole file for a *_file function, with a MIKEY_ERROR_SETTINGS
 * message naming @what ("certificate", "private key"). */
gboolean mikey_pk_read_file (const gchar * path, const gchar * what,
    gchar ** contents, gsize * len, GError ** error);

G_END_DECLS
