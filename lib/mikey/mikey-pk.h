/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: certificates and RSA for the public-key modes
 * (PKE, RFC 3830 3.2, and the signed DH mode, 3.3), through OpenSSL 3
 * EVP_PKEY and X509_STORE.
 *
 * - Certificates (MikeyCert) come from PEM files or memory (our own chain)
 *   or from DER (a peer's CERT payload), and are verified against a
 *   MikeyTrust (the CA certificates) at a time the caller passes in.
 * - Keys (MikeyKey) are RSA, private (ours) or public (a peer's, taken
 *   from its certificate).
 * - RFC 3830 4.2.5: the envelope key is RSA-encrypted with PKCS#1 v1.5
 *   padding (RSAES-PKCS1-v1_5); 4.2.6: SIGN payloads are RSASSA-PKCS1-v1_5
 *   or RSASSA-PSS, both over SHA-1 (MIKEY_SIGN_HASH); 6.8: CHASH is SHA-1
 *   or MD5 of the DER certificate.
 *
 * Only the *_file functions touch the file system. Errors use MIKEY_ERROR:
 * INVALID for unreadable input, AUTH for a bad signature or a ciphertext
 * that does not decrypt, POLICY for a certificate that is untrusted,
 * expired, not yet valid or for another identity, UNSUPPORTED for
 * algorithms or key types MIKEY does not use, CRYPTO for OpenSSL failing.
 */
#pragma once

#include <time.h>
#include <glib.h>
#include "mikey-api.h"
#include "mikey-types.h"
#include "mikey-error.h"

G_BEGIN_DECLS

/* The hash under both signature types (see the comment in mikey-pk.c) */
#define MIKEY_SIGN_HASH "SHA1"

/* Longest CHASH value (SHA-1) */
#define MIKEY_CHASH_MAX_LEN 20

typedef struct _MikeyCert MikeyCert;
typedef struct _MikeyKey MikeyKey;
typedef struct _MikeyTrust MikeyTrust;

/* ---- certificates ------------------------------------------------------- */

/* Every certificate in PEM text, in file order (leaf first by convention),
 * as a GPtrArray of MikeyCert that owns its elements. At least one is
 * required (MIKEY_ERROR_SETTINGS otherwise: PEM is what a caller
 * configures, never what a peer sends). */
MIKEY_API
GPtrArray *mikey_cert_load_pem (const gchar * pem, gsize len,
    GError ** error);
MIKEY_API
GPtrArray *mikey_cert_load_pem_file (const gchar * path, GError ** error);

/* One certificate from DER, as carried in a CERT payload (X.509v3 types).
 * Trailing bytes are refused. */
MIKEY_API
MikeyCert *mikey_cert_new_from_der (const guint8 * der, gsize len,
    GError ** error);

MIKEY_API
MikeyCert *mikey_cert_ref (MikeyCert * cert);
MIKEY_API
void mikey_cert_unref (MikeyCert * cert);

/* The DER encoding, for a CERT payload; owned by @cert. */
MIKEY_API
const guint8 *mikey_cert_get_der (const MikeyCert * cert, gsize * len);

/* "CN=bob.example.org, O=MIKEY Test", for messages; g_free() it. */
MIKEY_API
gchar *mikey_cert_get_subject (const MikeyCert * cert);
/* The issuer's name in the same form */
MIKEY_API
gchar *mikey_cert_get_issuer (const MikeyCert * cert);

/* The certificate's public key (a new reference). */
MIKEY_API
MikeyKey *mikey_cert_get_public_key (const MikeyCert * cert);

/* Verifies @cert's chain up to a CA of @trust as of @now (Unix time:
 * callers pass time (NULL) or the T payload's time; tests pin it).
 * @untrusted holds intermediate certificates (MikeyCert, e.g. from further
 * CERT payloads) and may be NULL. The message names the certificate (and
 * the date); the code says what is wrong: MIKEY_ERROR_CERT_EXPIRED
 * (expired or not yet valid), MIKEY_ERROR_CERT_REVOKED (revoked, or no
 * current CRL to check it against), MIKEY_ERROR_CERT_UNTRUSTED (an
 * untrusted issuer, a signature that does not verify, any other fault of
 * the chain). */
MIKEY_API
gboolean mikey_cert_verify (const MikeyCert * cert,
    const GPtrArray * untrusted, const MikeyTrust * trust, time_t now,
    GError ** error);

/* Whether @cert is within its validity period at @now (Unix time), with
 * no chain: for a pinned certificate (peer-cert without ca-file), which is
 * trusted as such but must still be "valid now". MIKEY_ERROR_CERT_EXPIRED
 * naming the certificate, the date and how far it is from @now. */
MIKEY_API
gboolean mikey_cert_check_validity (const MikeyCert * cert, time_t now,
    GError ** error);

/* What a MIKEY peer does with the key of a certificate */
typedef enum
{
  MIKEY_CERT_USAGE_SIGN,        /* SIGN payloads (PKE initiator, DH) */
  MIKEY_CERT_USAGE_ENCRYPT_KEY  /* the PKE envelope key */
} MikeyCertUsage;

/* Whether @cert's keyUsage extension allows @usage (digitalSignature,
 * resp. keyEncipherment); a certificate without the extension allows any
 * (RFC 5280 4.2.1.3). MIKEY_ERROR_CERT_USAGE naming the certificate and
 * what it is restricted to otherwise. */
MIKEY_API
gboolean mikey_cert_check_usage (const MikeyCert * cert, MikeyCertUsage usage,
    GError ** error);

/* Whether @cert belongs to @identity, the content of an ID payload: a URI
 * ("sip:bob@example.org") or an NAI ("bob@example.org"). Compared, in
 * order, with the subjectAltName URIs, email addresses (rfc822Name, also
 * against the address part of a sip:, sips: or mailto: URI) and DNS names
 * (only when @identity is a bare host, with or without a scheme: a host
 * certificate does not vouch for its users); the subject's CN is used only
 * when the certificate has none of those SANs (RFC 6125 6.4.4). Schemes
 * and host parts compare case-insensitively, user parts exactly.
 * MIKEY_ERROR_IDENTITY "mismatched identity: ..." otherwise
 * (MIKEY_ERROR_SETTINGS for an empty @identity). */
MIKEY_API
gboolean mikey_cert_matches_identity (const MikeyCert * cert,
    const gchar * identity, GError ** error);

/* RFC 3830 6.8 CHASH: hash of the DER certificate. @out holds
 * MIKEY_CHASH_MAX_LEN bytes; *@out_len gets 20 (SHA-1) or 16 (MD5), what
 * mikey_hash_len() (mikey-message.h) gives for @func. */
MIKEY_API
gboolean mikey_cert_hash (MikeyHashFunc func, const MikeyCert * cert,
    guint8 * out, gsize * out_len, GError ** error);

/* ---- trust anchors ------------------------------------------------------ */

MIKEY_API
MikeyTrust *mikey_trust_new (void);
MIKEY_API
void mikey_trust_free (MikeyTrust * trust);
MIKEY_API
gboolean mikey_trust_add_cert (MikeyTrust * trust, const MikeyCert * cert,
    GError ** error);
/* Every certificate of a PEM file (a CA bundle) */
MIKEY_API
gboolean mikey_trust_load_file (MikeyTrust * trust, const gchar * path,
    GError ** error);
/* Every certificate of every regular file in @dir that parses as PEM
 * (read now, so no c_rehash is needed and verification does no I/O);
 * files that hold no certificate are skipped, a directory with none at
 * all is an error. */
MIKEY_API
gboolean mikey_trust_load_dir (MikeyTrust * trust, const gchar * dir,
    GError ** error);
/* mikey_trust_load_dir() if @path is a directory, else
 * mikey_trust_load_file(): what a `ca-file` property wants. */
MIKEY_API
gboolean mikey_trust_load_path (MikeyTrust * trust, const gchar * path,
    GError ** error);
MIKEY_API
guint mikey_trust_get_n_certs (const MikeyTrust * trust);

/* Adds every CRL (PEM "X509 CRL" blocks) of the file at @path and turns
 * revocation checking on: from then on mikey_cert_verify refuses a
 * revoked certificate, and also a chain with a CA whose CRL is missing or
 * out of date (X509_V_FLAG_CRL_CHECK_ALL: every certificate of the chain
 * below the trust anchor). MIKEY_ERROR_SETTINGS if the file cannot be read
 * or holds no CRL. Pinned certificates (not checked against a trust
 * store) are not affected. */
MIKEY_API
gboolean mikey_trust_load_crl_file (MikeyTrust * trust, const gchar * path,
    GError ** error);

/* ---- keys --------------------------------------------------------------- */

/* A private key from PEM (PKCS#8 or traditional RSA). @passphrase may be
 * NULL; an encrypted key then fails with a message saying so (never a
 * terminal prompt). Every failure, a non-RSA key included, is
 * MIKEY_ERROR_SETTINGS. */
MIKEY_API
MikeyKey *mikey_key_load_pem (const gchar * pem, gsize len,
    const gchar * passphrase, GError ** error);
MIKEY_API
MikeyKey *mikey_key_load_pem_file (const gchar * path,
    const gchar * passphrase, GError ** error);

MIKEY_API
MikeyKey *mikey_key_ref (MikeyKey * key);
MIKEY_API
void mikey_key_unref (MikeyKey * key);
MIKEY_API
gboolean mikey_key_is_private (const MikeyKey * key);
/* RSA modulus length in bytes: the length of signatures and of the
 * encrypted envelope key. */
MIKEY_API
gsize mikey_key_get_size (const MikeyKey * key);
/* Whether @key is the private half of @cert's public key
 * (MIKEY_ERROR_SETTINGS "... does not match ..." otherwise). */
MIKEY_API
gboolean mikey_key_matches_cert (const MikeyKey * key,
    const MikeyCert * cert, GError ** error);

/* ---- RSA operations ----------------------------------------------------- */

/* RSAES-PKCS1-v1_5 encryption of @in (the envelope key) with @key's
 * public half. *@out gets mikey_key_get_size() bytes, g_malloc'ed.
 * @in may be at most mikey_key_get_size() - 11 bytes. */
MIKEY_API
gboolean mikey_pk_encrypt (const MikeyKey * key, const guint8 * in,
    gsize in_len, guint8 ** out, gsize * out_len, GError ** error);

/* The inverse, with the private key. *@out is g_malloc'ed; free it with
 * mikey_secure_free (*out, *out_len). A ciphertext that does not decrypt
 * gives MIKEY_ERROR_AUTH. The caller must treat that exactly like a
 * failed KEMAC MAC (same reply, no other detail to the peer): a distinct
 * answer would be a Bleichenbacher padding oracle, which OpenSSL 3.0 does
 * not prevent by itself (implicit rejection arrived in 3.2). */
MIKEY_API
gboolean mikey_pk_decrypt (const MikeyKey * key, const guint8 * in,
    gsize in_len, guint8 ** out, gsize * out_len, GError ** error);

/* A SIGN payload's signature of @type over @data || @data2 (@data2 may be
 * NULL: a signature may cover a message plus fields of an earlier one).
 * *@sig gets mikey_key_get_size() bytes, g_malloc'ed. PSS uses MGF1 with
 * the same hash and a salt as long as the hash. */
MIKEY_API
gboolean mikey_sign (const MikeyKey * key, MikeySignType type,
    const guint8 * data, gsize data_len, const guint8 * data2,
    gsize data2_len, guint8 ** sig, gsize * sig_len, GError ** error);

/* Checks a signature made by mikey_sign() or a peer; MIKEY_ERROR_AUTH if
 * it does not verify. PSS accepts any salt length the signature encodes. */
MIKEY_API
gboolean mikey_verify (const MikeyKey * key, MikeySignType type,
    const guint8 * data, gsize data_len, const guint8 * data2,
    gsize data2_len, const guint8 * sig, gsize sig_len, GError ** error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MikeyCert, mikey_cert_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MikeyKey, mikey_key_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MikeyTrust, mikey_trust_free)

G_END_DECLS
