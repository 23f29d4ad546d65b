/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bus messages and error sentences shared by mikeyenc and mikeydec.
 *
 * Bus messages are element messages named "mikey-..."; they carry
 * identifiers (mode, suite, CSB ID, SSRC, MKI as hex), never key bytes.
 */
#pragma once

#include <gst/gst.h>
#include "mikey-exchange.h"
#include "mikey-negotiate.h"

G_BEGIN_DECLS

/* "mikey-key-established": fields mode (string), suite (string), csb-id
 * (uint), ssrc (uint, when known), roc (uint), mki (hex string, when
 * present), peer (string, when known), n-crypto-sessions (uint). */
GstMessage *gst_mikey_bus_key_established_new (GstElement * src,
    MikeyMode mode, const MikeySuiteInfo * suite, guint32 csb_id,
    GArray * params, gboolean have_ssrc, guint32 ssrc, const gchar * peer);

/* "mikey-negotiation": the two sides are moving to another method or
 * suite. Fields: event (string: "counter-proposal" when the receiver named
 * the best common pair, "fallback" when a receiver that does not negotiate
 * refused and the sender tries its next choice), mode and suite (the pair
 * now used), peer (string, when known), peer-modes and peer-suites
 * (comma-separated strings, the other side's lists when it sent them).
 * Informational: no error. */
GstMessage *gst_mikey_bus_negotiation_new (GstElement * src,
    const gchar * event, MikeyMode mode, const MikeySuiteInfo * suite,
    const gchar * peer, const MikeyOffer * peer_offer);

/* The capabilities (negotiation lists) of a MIKEY message, if it has
 * them; FALSE for a message that does not parse or has none. */
gboolean gst_mikey_message_get_caps (const guint8 * data, gsize len,
    MikeyOffer * caps, guint8 * data_type, guint32 * csb_id);

/* A sentence for an initiation message (@data/@len) the responder refused
 * with @error, and the GStreamer error domain and code to report it with
 * (from the table in gstmikeyerrors.c). @our_config describes the
 * receiver's settings ("mode=psk suite=..."). */
gchar *gst_mikey_describe_refusal (const GError * error, const guint8 * data,
    gsize len, const gchar * our_config, const gchar * peer, gint64 skew_us,
    GQuark * domain, gint * code);

G_END_DECLS
