/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM TEK messages: the group's traffic key (SRTP master key and salt,
 * named by a 4-byte MKI) sent to one member as an RFC 3830 MIKEY-PSK
 * initiation message keyed with that member's KEK, built by libmikey's
 * initiator and opened by its responder. `mikey-tool decode --psk <KEK>`
 * shows the same TEK, salt and MKI. Sans-I/O: bytes and "now" (Unix
 * microseconds) in, bytes out. Wire layout: docs/mmkm-protocol.md.
 */
#pragma once

#include <glib.h>
#include "mikey-exchange.h"
#include "mikey-srtp.h"
#include "mmkm-kek.h"

G_BEGIN_DECLS

#define MMKM_MKI_LEN 4

typedef struct
{
  const guint8 *kek;            /* MMKM_KEK_LEN bytes */
  const gchar *user_name;       /* IDr "mmkm:user:<name>" */
  guint32 group_id;             /* CSB ID; not 0 */
  const MikeySuiteInfo *suite;  /* NULL: AES_CM_128_HMAC_SHA1_80 */
  const guint8 *tek;            /* master key || salt, as the suite needs */
  gsize tek_len;
  guint32 mki;                  /* sent big-endian in the key validity SPI */
  /* the group sender's SSRC and ROC when known; otherwise the message
   * has the empty crypto session map (any SSRC, ROC 0) */
  gboolean has_ssrc;
  guint32 ssrc;
  guint32 roc;
} MmkmTekParams;

/* Server side: the TEK message for one member, timestamped @now_us (NTP
 * UTC). It asks for a verification message (V flag): the member's
 * acknowledgement that it opened the TEK (mmkm_tek_receiver_open_ack(),
 * mmkm_tek_ack_check()); a member that sends none still has the TEK.
 * MIKEY_ERROR_SETTINGS for bad parameters. */
GBytes *mmkm_tek_message_build (const MmkmTekParams * p, gint64 now_us,
    GError ** error);

/* Member side: opens the TEK messages of one login session. */
typedef struct _MmkmTekReceiver MmkmTekReceiver;

/* @kek: this session's KEK; @user_name: this member; @group_id: the
 * group's CSB ID; @skew_us: how far the server's clock may be from ours
 * (0: MIKEY_REPLAY_DEFAULT_SKEW_US, 60 s). The replay cache lives as long
 * as the receiver, so a message is accepted once per session. */
MmkmTekReceiver *mmkm_tek_receiver_new (const guint8 * kek,
    const gchar * user_name, guint32 group_id, gint64 skew_us,
    GError ** error);
void mmkm_tek_receiver_free (MmkmTekReceiver * r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmkmTekReceiver, mmkm_tek_receiver_free);

/* Checks a TEK message and puts its key into *@out (clear it with
 * mikey_srtp_params_clear()). Refused, with @out zeroed:
 *  - not a PSK message under this KEK: MIKEY_ERROR_AUTH (wrong MAC) or
 *    the parser's and responder's codes (MIKEY_ERROR_MODE_REFUSED, ...);
 *  - seen before: MIKEY_ERROR_REPLAY; a timestamp outside the skew:
 *    MIKEY_ERROR_STALE;
 *  - not from "mmkm:server" (IDi) or not for this member (IDr):
 *    MIKEY_ERROR_IDENTITY;
 *  - for another group (CSB ID): MIKEY_ERROR_POLICY;
 *  - an MKI that is not MMKM_MKI_LEN bytes: MIKEY_ERROR_INVALID.
 * Every check on what the message says is made once its MAC verified. */
gboolean mmkm_tek_receiver_open (MmkmTekReceiver * r, const guint8 * data,
    gsize len, gint64 now_us, MikeySrtpParams * out, GError ** error);

/* mmkm_tek_receiver_open() that also gives the member's acknowledgement:
 * the RFC 3830 PSK verification message its responder built for this TEK
 * message (HDR with the same CSB ID, T, IDr, V whose MAC under the KEK
 * covers it and the server's IDi, IDr and T), to send with
 * POST /v1/session/teks/ack. *@ack is NULL when the message asked for
 * none (a server before acknowledgements). */
gboolean mmkm_tek_receiver_open_ack (MmkmTekReceiver * r, const guint8 * data,
    gsize len, gint64 now_us, MikeySrtpParams * out, GBytes ** ack,
    GError ** error);

/* Server side: is @ack the acknowledgement of @tek_msg, a TEK message
 * this server built for @user_name under @kek? Checks, once the V MAC
 * verified (MIKEY_ERROR_AUTH otherwise, or MIKEY_ERROR_INVALID for
 * another form or CSB ID), that IDr is the member (MIKEY_ERROR_IDENTITY)
 * and that its timestamp is within @skew_us of @now_us (0:
 * MIKEY_REPLAY_DEFAULT_SKEW_US; MIKEY_ERROR_STALE). A replayed
 * acknowledgement passes again: recording it must be idempotent. */
gboolean mmkm_tek_ack_check (const guint8 * kek, const gchar * user_name,
    GBytes * tek_msg, const guint8 * ack, gsize ack_len, gint64 now_us,
    gint64 skew_us, GError ** error);

/* The MMKM_MKI_LEN-byte MKI of @p as a number (0 when it has none) */
guint32 mmkm_tek_get_mki (const MikeySrtpParams * p);

G_END_DECLS
