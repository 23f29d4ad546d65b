/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: what a completed exchange hands to SRTP.
 *
 * One MikeySrtpParams per crypto session: exactly what srtpenc's properties
 * and srtpdec's "request-key" caps need. Turning it into GstCaps is done by
 * the GStreamer side (gstmikeysrtpparams.c); this stays GLib-only.
 */
#pragma once

#include <glib.h>
#include "mikey-api.h"
#include "mikey-message.h"
#include "mikey-suite.h"

G_BEGIN_DECLS

#define MIKEY_MAX_MASTER_KEY 32
#define MIKEY_MAX_MASTER_SALT 14
#define MIKEY_MAX_MKI 128       /* libsrtp2's SRTP_MAX_MKI_LEN */

typedef struct
{
  guint8 cs_id;                 /* 1-based index in the CS map */
  guint8 policy_no;
  gboolean has_ssrc;            /* FALSE for empty maps (GStreamer RTSP) */
  guint32 ssrc;
  guint32 roc;
  const MikeySuiteInfo *suite;
  /* switches from the SP payload; a FALSE one means the "null" cipher or
   * auth on that path */
  gboolean rtp_enc;
  gboolean rtcp_enc;
  gboolean rtp_auth;
  guint kdr;
  guint8 key[MIKEY_MAX_MASTER_KEY];
  gsize key_len;
  guint8 salt[MIKEY_MAX_MASTER_SALT];
  gsize salt_len;
  guint8 mki[MIKEY_MAX_MKI];
  gsize mki_len;                /* 0: no MKI */
} MikeySrtpParams;

/* srtpenc/srtpdec enum nicks for this crypto session ("aes-128-icm",
 * "hmac-sha1-80", "null", ...). */
MIKEY_API
const gchar *mikey_srtp_params_rtp_cipher (const MikeySrtpParams * p);
MIKEY_API
const gchar *mikey_srtp_params_rtp_auth (const MikeySrtpParams * p);
MIKEY_API
const gchar *mikey_srtp_params_rtcp_cipher (const MikeySrtpParams * p);
MIKEY_API
const gchar *mikey_srtp_params_rtcp_auth (const MikeySrtpParams * p);

/* The srtpenc "key" buffer: master key || master salt, into @out (at least
 * MIKEY_MAX_MASTER_KEY + MIKEY_MAX_MASTER_SALT bytes); returns its length. */
MIKEY_API
gsize mikey_srtp_params_key_salt (const MikeySrtpParams * p, guint8 * out);

MIKEY_API
void mikey_srtp_params_clear (MikeySrtpParams * p);

/* Builds one MikeySrtpParams per crypto session of @msg (or a single one
 * when the map is empty) from the already decrypted key data list
 * @key_data (MikeyPayload* of type KEY_DATA) and the message's SP and RAND
 * payloads:
 *  - TEK / TEK+SALT key data are used as the master key (and salt) as is;
 *    a TEK of key_len + salt_len bytes without a salt is split (that is how
 *    GStreamer's gst_mikey_message_new_from_caps sends it);
 *  - TGK / TGK+SALT are turned into a TEK and salt per crypto session with
 *    RFC 3830 4.1.3 (needs the RAND payload); @tgk_override, when not NULL,
 *    is used instead of key data (the DH modes' shared secret);
 *  - an SPI key validity becomes the MKI.
 * With several key data entries the first applies to all crypto sessions
 * unless there is one per crypto session. Returns a GArray of
 * MikeySrtpParams whose clear function wipes keys. */
MIKEY_API
GArray *mikey_srtp_params_from_message (const MikeyMessage * msg,
    GPtrArray * key_data, const guint8 * tgk_override, gsize tgk_len,
    GError ** error);

G_END_DECLS
