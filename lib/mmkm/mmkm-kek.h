/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM key-encryption keys: one signed MIKEY-DH exchange (RFC 3830 3.3)
 * per login between a member's enrolled device and the server, through
 * libmikey's initiator and responder configured as docs/mmkm-protocol.md
 * says. Sans-I/O: bytes and "now" (Unix microseconds) in, bytes out; the
 * caller carries them over HTTPS (application/mikey).
 *
 * The KEK is the 32-byte SRTP master key libmikey derives from the DH
 * shared secret for crypto session 1 (RFC 3830 4.1.3, suite
 * AES_256_CM_HMAC_SHA1_80), so both ends get it from libmikey and no key
 * derivation of our own is involved.
 */
#pragma once

#include <glib.h>
#include "mikey-exchange.h"
#include "mmkm-identity.h"

G_BEGIN_DECLS

#define MMKM_KEK_LEN 32

/* The MIKEY identities (ID payloads, certificate subjectAltName URIs) */
#define MMKM_SERVER_ID "mmkm:server"
#define MMKM_USER_ID_PREFIX "mmkm:user:"

/* "mmkm:user:<name>". @name must be 1 to 64 bytes of printable ASCII
 * without spaces (the identity goes into a certificate's URI, an
 * IA5String, and into logs); NULL with MIKEY_ERROR_SETTINGS otherwise. */
gchar *mmkm_user_id (const gchar * name, GError ** error);

/* ---- member side (initiator) ------------------------------------------- */

typedef struct _MmkmKekMember MmkmKekMember;

/* @device: the member's device identity (signs the I message; its
 * certificate goes in a CERT payload). @server_cert: the pinned server
 * certificate; the answer must be signed with its key, and it must be
 * for "mmkm:server". OAKLEY group 5, RSASSA-PKCS1-v1_5, IDi
 * "mmkm:user:<@user_name>", IDr "mmkm:server", one crypto session (SSRC
 * 0, ROC 0), AES_256_CM_HMAC_SHA1_80. */
MmkmKekMember *mmkm_kek_member_new (const MmkmIdentity * device,
    const gchar * user_name, MikeyCert * server_cert, GError ** error);
void mmkm_kek_member_free (MmkmKekMember * m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmkmKekMember, mmkm_kek_member_free);

/* The DH initiation message to send (the same bytes on later calls) */
GBytes *mmkm_kek_member_start (MmkmKekMember * m, gint64 now_us,
    GError ** error);

/* Checks the server's answer (a DH response, or an ERR message) and puts
 * the KEK into @kek. FALSE with the libmikey error otherwise: a bad
 * signature (MIKEY_ERROR_AUTH), another certificate than the pinned one
 * (MIKEY_ERROR_CERT_UNTRUSTED), another identity (MIKEY_ERROR_IDENTITY),
 * the server's refusal (MIKEY_ERROR_PEER), an answer to another exchange
 * (MIKEY_ERROR_INVALID). @kek is left zeroed on failure. Once the KEK is
 * out, the exchange's secrets are wiped and @m can do nothing more
 * (MIKEY_ERROR_STATE). */
gboolean mmkm_kek_member_finish (MmkmKekMember * m, const guint8 * answer,
    gsize len, gint64 now_us, guint8 kek[MMKM_KEK_LEN], GError ** error);

/* ---- server side (responder) ------------------------------------------- */

/* Answers a member's DH initiation message @data. @server: the server
 * identity (signs the answer). @device_cert: the certificate the member
 * enrolled; the message must carry exactly it and name
 * "mmkm:user:<@user_name>". Only OAKLEY group 5 and the suite
 * AES_256_CM_HMAC_SHA1_80 are accepted. @replay: the server's replay
 * cache, shared by every exchange (NULL: one for this call only, which
 * catches no replay).
 *
 * TRUE: @kek holds the member's KEK and *@reply the DH response to send.
 * FALSE: @error says why (libmikey's codes; a counter-proposal, which
 * only a misconfigured member can cause, is MIKEY_ERROR_MODE_REFUSED),
 * @kek is zeroed and *@reply may hold an ERR message for the member. */
gboolean mmkm_kek_server_respond (const MmkmIdentity * server,
    const gchar * user_name, MikeyCert * device_cert,
    MikeyReplayCache * replay, const guint8 * data, gsize len,
    gint64 now_us, GBytes ** reply, guint8 kek[MMKM_KEK_LEN],
    GError ** error);

G_END_DECLS
