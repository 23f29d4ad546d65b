/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: Diffie-Hellman over the MODP groups of RFC 3830 6.4
 * (DH mode, RFC 3830 3.3, and DHHMAC, RFC 4650), through OpenSSL 3 EVP.
 *
 * Values on the wire (the DH payload's DH-value, and the TGK that results)
 * are big-endian and exactly as long as the group's prime, left-padded with
 * zero bytes: mikey_dh_group_len() bytes. Nothing here logs or keeps
 * secrets beyond the MikeyDh that owns them.
 */
#pragma once

#include <glib.h>
#include "mikey-api.h"
#include "mikey-types.h"
#include "mikey-error.h"

G_BEGIN_DECLS

/* Upper bound of mikey_dh_group_len() over every supported group, for
 * stack buffers. */
#define MIKEY_DH_MAX_LEN 192

typedef struct _MikeyDh MikeyDh;

/* Size of @group's prime in bits (1536, 768, 1024) and bytes (192, 96,
 * 128); 0 for a group we do not know. */
MIKEY_API
guint mikey_dh_group_bits (MikeyDhGroup group);
MIKEY_API
gsize mikey_dh_group_len (MikeyDhGroup group);
/* The group's OAKLEY number (RFC 2409 / 3526: 1, 2 or 5; the wire value
 * of RFC 3830 6.4 differs), 0 for a group we do not know */
MIKEY_API
guint mikey_dh_group_oakley (MikeyDhGroup group);
/* The group whose OAKLEY number is @oakley; FALSE when MIKEY has none */
MIKEY_API
gboolean mikey_dh_group_from_oakley (guint oakley, MikeyDhGroup * group);
/* The group's prime p in hex, as the RFC prints it (g is 2); NULL for an
 * unknown group */
MIKEY_API
const gchar *mikey_dh_group_prime_hex (MikeyDhGroup group);

/* A fresh key pair in @group (OpenSSL's DRBG picks the private value).
 * MIKEY_ERROR_UNSUPPORTED for an unknown group. */
MIKEY_API
MikeyDh *mikey_dh_new (MikeyDhGroup group, GError ** error);

/* A key pair from a fixed private value (big-endian, any length up to the
 * group's): for known-answer tests only, never for traffic. The value must
 * lie in [1, q-1], q = (p-1)/2 (MIKEY_ERROR_INVALID otherwise). */
MIKEY_API
MikeyDh *mikey_dh_new_with_private (MikeyDhGroup group, const guint8 * priv,
    gsize priv_len, GError ** error);

MIKEY_API
MikeyDhGroup mikey_dh_get_group (const MikeyDh * dh);

/* Our public value g^x mod p into @out, which holds exactly
 * mikey_dh_group_len() bytes. */
MIKEY_API
void mikey_dh_get_public (const MikeyDh * dh, guint8 * out);

/* Checks a peer's public value for @group: it must be exactly
 * mikey_dh_group_len() bytes and lie in [2, p-2]: 0, 1 and p-1 would force
 * the shared secret to a value the attacker knows, values >= p are not
 * residues. For the safe primes of the OAKLEY groups that is all RFC 6989
 * requires (see mikey-dh.c).
 * MIKEY_ERROR_INVALID with a sentence naming the problem otherwise
 * (RFC 3830 6.12 "Invalid DH value" is the matching ERR payload). */
MIKEY_API
gboolean mikey_dh_check_public (MikeyDhGroup group, const guint8 * value,
    gsize len, GError ** error);

/* The shared secret g^(xy) mod p for the peer's public value, big-endian
 * and left-padded into @out (mikey_dh_group_len() bytes): the TGK of the
 * DH and DHHMAC modes. Calls mikey_dh_check_public() first. On failure
 * @out is zeroed. */
MIKEY_API
gboolean mikey_dh_derive (const MikeyDh * dh, const guint8 * peer_public,
    gsize peer_len, guint8 * out, GError ** error);

/* Frees the key pair; OpenSSL cleanses the private value. NULL is fine. */
MIKEY_API
void mikey_dh_free (MikeyDh * dh);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MikeyDh, mikey_dh_free)

G_END_DECLS
