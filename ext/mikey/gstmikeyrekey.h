/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Live re-keying of a running unicast stream: what mikeyenc and mikeydec
 * share. The SRTP side (switching srtpenc / srtpdec without losing a
 * packet) is lib/srtp-rekey's (docs/srtp-rekey.md); this file only turns
 * MIKEY's SRTP parameters into its policy and builds the "mikey-rekey"
 * bus message. */
#pragma once

#include <gst/gst.h>
#include "mikey-srtp.h"
#include "srtp-rekey-packet.h"

G_BEGIN_DECLS

/* The MKI length mikeyenc uses when re-keying is on and mki-length is 0 */
#define GST_MIKEY_REKEY_DEFAULT_MKI_LEN 4
/* Re-key well before libsrtp's key-usage limits (2^48 SRTP packets, 2^31
 * SRTCP packets per master key, RFC 3711 9.2): at half of each */
#define GST_MIKEY_REKEY_SRTP_LIMIT (G_GUINT64_CONSTANT (1) << 47)
#define GST_MIKEY_REKEY_SRTCP_LIMIT (G_GUINT64_CONSTANT (1) << 30)

/* The srtp-rekey policy of a MIKEY crypto session that has an MKI, with
 * the cipher and auth nicks gst-mikey configures. FALSE when it has no
 * MKI or srtpdec cannot run it with one. */
gboolean gst_mikey_rekey_policy_from_params (const MikeySrtpParams * p,
    SrtpRekeyPolicy * policy);

/* "mikey-rekey": fields stage (string: "delivered" on mikeyenc when the
 * receiver acknowledged the new key, "installed" on mikeydec when it
 * holds it, "switched" on both when srtpenc / srtpdec changed to it),
 * reason (string: "initial", "interval", "signal", "usage-limit",
 * "peer-request" on mikeyenc; "initial" or "sender" on mikeydec), mki
 * (hex string), ssrc (uint, when known), exchange-us (int64, the MIKEY
 * exchange, "delivered"), switch-us (double, the switch in the streaming
 * thread, "switched"). Never key bytes. */
GstMessage *gst_mikey_bus_rekey_new (GstElement * src, const gchar * stage,
    const gchar * reason, const guint8 * mki, gsize mki_len,
    gboolean have_ssrc, guint32 ssrc, gint64 exchange_us, gint64 switch_ns);

G_END_DECLS
