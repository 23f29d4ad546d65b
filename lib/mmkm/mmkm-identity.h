/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM identities: an RSA-3072 key with a self-signed X.509 certificate,
 * the server's (made on first start) and each device's (made at
 * registration). Peers never chain these to a CA: a client pins the
 * server certificate's SHA-256 fingerprint, the server keeps the enrolled
 * device certificate. The certificate's subjectAltName URI is the MIKEY
 * identity ("mmkm:server", "mmkm:user:<name>"), so libmikey's identity
 * checks apply unchanged.
 *
 * The only file I/O of lib/mmkm lives here: <dir>/<base>.key (0600) and
 * <dir>/<base>.crt (0644), each written to a temporary file, fsync'ed and
 * renamed into place, then the directory fsync'ed.
 */
#pragma once

#include <glib.h>
#include "mikey-pk.h"

G_BEGIN_DECLS

/* SHA-256 */
#define MMKM_FINGERPRINT_LEN 32

typedef struct _MmkmIdentity MmkmIdentity;

/* A fresh RSA-3072 key and a self-signed certificate for it: subject CN
 * @common_name (at most 64 bytes, X.509's limit), subjectAltName URI @uri
 * (printable ASCII), keyUsage digitalSignature (critical), basic
 * constraints CA:FALSE, valid from a day before now (a peer whose clock is
 * a little behind still accepts it) for @days days (0: 3650). Nothing is
 * written: see mmkm_identity_save(). MIKEY_ERROR_SETTINGS for a bad name,
 * MIKEY_ERROR_CRYPTO if OpenSSL fails. */
MmkmIdentity *mmkm_identity_new (const gchar * common_name, const gchar * uri,
    guint days, GError ** error);

/* Writes <dir>/<base>.key (PKCS#8 PEM, mode 0600) and <dir>/<base>.crt
 * (PEM, 0644), the key first. Each one atomically: a reader or a crash
 * sees the old file or the new one, never a part. An existing pair is
 * replaced. MIKEY_ERROR_SETTINGS naming the file on failure. Only an
 * identity made by mmkm_identity_new() (or load_or_create() when it
 * created one) holds its key's PEM and can be saved. */
gboolean mmkm_identity_save (const MmkmIdentity * id, const gchar * dir,
    const gchar * base, GError ** error);

/* Loads <dir>/<base>.key and <dir>/<base>.crt. A key file that its group
 * or others may read or write is refused (as ssh does) with a sentence
 * saying how to fix it; so is a key that is not the certificate's.
 * MIKEY_ERROR_SETTINGS naming the file. */
MmkmIdentity *mmkm_identity_load (const gchar * dir, const gchar * base,
    GError ** error);

/* The server's first start, and a client's registration: loads the pair
 * if it exists, else makes one (mmkm_identity_new (@common_name, @uri,
 * 0)), saves it and sets *@created (may be NULL). @dir is made (0700) if
 * missing. A loaded certificate must be for @uri (MIKEY_ERROR_IDENTITY
 * otherwise: a state directory of another party). A key file without its
 * certificate (a crash between the two renames of a first save) gets a
 * new certificate for that key, so no key that could be in use is ever
 * replaced; a certificate without its key is an error. */
MmkmIdentity *mmkm_identity_load_or_create (const gchar * dir,
    const gchar * base, const gchar * common_name, const gchar * uri,
    gboolean * created, GError ** error);

void mmkm_identity_free (MmkmIdentity * id);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmkmIdentity, mmkm_identity_free);

/* Owned by @id. The chain (one MikeyCert) is what MikeyInitiatorConfig /
 * MikeyResponderConfig.certs take. */
MikeyKey *mmkm_identity_get_key (const MmkmIdentity * id);
MikeyCert *mmkm_identity_get_cert (const MmkmIdentity * id);
GPtrArray *mmkm_identity_get_chain (const MmkmIdentity * id);
/* The certificate as PEM text (what a device enrols, what a client pins) */
const gchar *mmkm_identity_get_cert_pem (const MmkmIdentity * id);
/* SHA-256 of the certificate's DER: MMKM_FINGERPRINT_LEN bytes */
const guint8 *mmkm_identity_get_fingerprint (const MmkmIdentity * id);

/* SHA-256 of @cert's DER into @out (MMKM_FINGERPRINT_LEN bytes) */
void mmkm_cert_fingerprint (const MikeyCert * cert,
    guint8 out[MMKM_FINGERPRINT_LEN]);

/* "AB:01:...": upper-case hex pairs joined by ':', as
 * `openssl x509 -fingerprint -sha256` prints them. g_free() it. */
gchar *mmkm_fingerprint_to_string (const guint8 fp[MMKM_FINGERPRINT_LEN]);

/* The inverse; also accepts lower case, no separators or spaces between
 * pairs (mikey_hex_decode()). MIKEY_ERROR_SETTINGS unless exactly
 * MMKM_FINGERPRINT_LEN bytes. */
gboolean mmkm_fingerprint_parse (const gchar * text,
    guint8 out[MMKM_FINGERPRINT_LEN], GError ** error);

G_END_DECLS
