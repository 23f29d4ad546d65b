/* Bus messages and error sentences shared by mikeyenc and mikeydec.
 *
 * Bus messages are element messages named "mikey-..."; they carry
 * identifiers (mode, suite, CSB ID, SSRC, MKI as hex), never key bytes.
 */
#pragma once

#include <gst/gst.h>
#include "mikey-exchange.h"

G_BEGIN_DECLS

/* "mikey-key-established": fields mode (string), suite (string), csb-id
 * (uint), ssrc (uint, when known), roc (uint), mki (hex string, when
 * present), peer (string, when known), n-crypto-sessions (uint). */
GstMessage *gst_mikey_bus_key_established_new (GstElement * src,
    MikeyMode mode, const MikeySuiteInfo * suite, guint32 csb_id,
    GArray * params, gboolean have_ssrc, guint32 ssrc, const gchar * peer);

/* A sentence for an initiation message (@data/@len) the responder refused
 * with @error, and the GST_STREAM_ERROR code to report it with. */
gchar *gst_mikey_describe_refusal (const GError * error, const guint8 * data,
    gsize len, MikeyMode our_mode, const gchar * our_suite,
    const gchar * peer, gint64 skew_us, gint * code);

G_END_DECLS
