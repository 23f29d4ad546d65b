/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: the PRF, key derivations, KEMAC encryption and MACs
 * of RFC 3830 section 4, all through OpenSSL 3 EVP.
 *
 * Output buffers are caller-provided; nothing here logs or keeps secrets.
 */
#pragma once

#include <glib.h>
#include "mikey-api.h"
#include "mikey-types.h"
#include "mikey-error.h"

G_BEGIN_DECLS

/* RFC 3830 4.1.3: constants for keys derived from a TGK per crypto session */
#define MIKEY_CONST_TEK        0x2AD01C64u
#define MIKEY_CONST_TGK_AUTH   0x1B5C7973u
#define MIKEY_CONST_TGK_ENCR   0x15798CEFu
#define MIKEY_CONST_TEK_SALT   0x39A2C14Bu

/* RFC 3830 4.1.4: constants for keys derived from a PSK / envelope key */
#define MIKEY_CONST_ENCR       0x150533E1u
#define MIKEY_CONST_AUTH       0x2D22AC75u
#define MIKEY_CONST_SALT       0x29B88916u

/* RFC 3830 4.1.2, the MIKEY-1 PRF: out = PRF(inkey, label), any lengths.
 * An empty @inkey has no 256-bit piece and is refused (MIKEY_ERROR_INVALID)
 * rather than yielding a constant; @out_len 0 is a no-op. */
MIKEY_API
gboolean mikey_prf (const guint8 * inkey, gsize inkey_len,
    const guint8 * label, gsize label_len, guint8 * out, gsize out_len,
    GError ** error);

/* RFC 3830 4.1.3: a key of @out_len bytes for crypto session @cs_id
 * (1-based index in the CS map) from the TGK; label is
 * constant || cs_id || csb_id || RAND. An empty RAND is refused
 * (MIKEY_ERROR_INVALID): it is what makes the keys fresh per exchange. */
MIKEY_API
gboolean mikey_derive_tgk (const guint8 * tgk, gsize tgk_len,
    guint32 constant, guint8 cs_id, guint32 csb_id,
    const guint8 * rand, gsize rand_len, guint8 * out, gsize out_len,
    GError ** error);

/* RFC 3830 4.1.4: a key of @out_len bytes from a pre-shared or envelope key;
 * label is constant || 0xFF || csb_id || RAND (RAND must not be empty). */
MIKEY_API
gboolean mikey_derive_psk (const guint8 * key, gsize key_len,
    guint32 constant, guint32 csb_id, const guint8 * rand, gsize rand_len,
    guint8 * out, gsize out_len, GError ** error);

/* Keys protecting a KEMAC (and the V payload) in PSK/PKE modes. */
typedef struct
{
  guint8 encr_key[16];          /* AES-CM-128 / AES-KW-128 key */
  guint8 salt_key[14];          /* AES-CM-128 salt (112 bits) */
  guint8 auth_key[20];          /* HMAC-SHA-1-160 key */
} MikeyTransportKeys;

/* Derives all three from @key (PSK or envelope key) via 4.1.4. */
MIKEY_API
gboolean mikey_transport_keys_derive (const guint8 * key, gsize key_len,
    guint32 csb_id, const guint8 * rand, gsize rand_len,
    MikeyTransportKeys * out, GError ** error);
MIKEY_API
void mikey_transport_keys_clear (MikeyTransportKeys * keys);

/* RFC 3830 4.2.3/4.2.4: encrypts the KEMAC plaintext @in with @enc_alg
 * (NULL copies). @ts is the T payload value (64-bit NTP, or a COUNTER
 * zero-extended), needed for the AES-CM IV. On success *@out is g_malloc'ed
 * (never NULL, even for empty input); free with mikey_secure_free().
 * AES-KW appends zero bytes to @in up to a multiple of 8 and at least 16
 * before wrapping (RFC 3394 works on 64-bit blocks); empty @in is refused. */
MIKEY_API
gboolean mikey_kemac_encrypt (guint8 enc_alg, const MikeyTransportKeys * keys,
    guint32 csb_id, guint64 ts, const guint8 * in, gsize in_len,
    guint8 ** out, gsize * out_len, GError ** error);
/* Inverse of mikey_kemac_encrypt; AES-KW integrity failure gives
 * MIKEY_ERROR_AUTH, a length no wrap produces MIKEY_ERROR_INVALID. AES-KW
 * output keeps the zero padding of the wrap: the caller finds the end of
 * the self-delimiting key data chain and ignores the zero tail. */
MIKEY_API
gboolean mikey_kemac_decrypt (guint8 enc_alg, const MikeyTransportKeys * keys,
    guint32 csb_id, guint64 ts, const guint8 * in, gsize in_len,
    guint8 ** out, gsize * out_len, GError ** error);

/* MAC of @mac_alg over @data; @out holds mikey_mac_len(@mac_alg) bytes. */
MIKEY_API
gboolean mikey_mac_compute (guint8 mac_alg, const guint8 * key, gsize key_len,
    const guint8 * data, gsize data_len, guint8 * out, GError ** error);
/* Constant-time check; MIKEY_ERROR_AUTH on mismatch. @data may be given in
 * two pieces (@data2 may be NULL) since verification MACs cover a message
 * plus fields of an earlier one. */
MIKEY_API
gboolean mikey_mac_verify (guint8 mac_alg, const guint8 * key, gsize key_len,
    const guint8 * data, gsize data_len, const guint8 * data2,
    gsize data2_len, const guint8 * mac, gsize mac_len, GError ** error);
MIKEY_API
gboolean mikey_mac_compute2 (guint8 mac_alg, const guint8 * key,
    gsize key_len, const guint8 * data, gsize data_len, const guint8 * data2,
    gsize data2_len, guint8 * out, GError ** error);

/* Cryptographically strong random bytes (RAND_bytes). */
MIKEY_API
gboolean mikey_random_bytes (guint8 * out, gsize len, GError ** error);

G_END_DECLS
