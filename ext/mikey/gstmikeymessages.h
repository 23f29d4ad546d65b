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

/* ------------------------------------------------------------------------
 * Refusals from the network: aggregated warnings, bounded replies
 * ---------------------------------------------------------------------- */

/* Interval between two refusal warnings (or errors with
 * error-on-refusal=true): the first refusal is reported at once, the
 * following ones at most once per interval, as one summary. */
#define GST_MIKEY_REFUSAL_INTERVAL (10 * G_USEC_PER_SEC)

/* Refusals counted between two reports. Times are monotonic (us). */
typedef struct
{
  gint64 interval;
  gint64 last_report;           /* 0: nothing reported yet */
  guint64 pending;              /* refused since the last report */
  guint64 total;
  gchar *last_text;             /* sentence of the last refusal */
  GQuark last_domain;
  gint last_code;
} GstMikeyRefusalLog;

void gst_mikey_refusal_log_init (GstMikeyRefusalLog * log, gint64 interval);
void gst_mikey_refusal_log_clear (GstMikeyRefusalLog * log);

/* Counts one refusal (@text taken). TRUE when it is to be reported now,
 * with the sentence in *@report (g_free): @text itself when it is the only
 * one since the last report, else "N MIKEY messages refused in the last T
 * s; the last one: ...". FALSE: counted, to be reported by
 * gst_mikey_refusal_log_flush() once the interval has passed. */
gboolean gst_mikey_refusal_log_add (GstMikeyRefusalLog * log, gint64 now,
    gchar * text, GQuark domain, gint code, gchar ** report);

/* The summary of the refusals not reported yet, once the interval since
 * the last report has passed (or at once with @force). FALSE when there is
 * nothing to report (yet). */
gboolean gst_mikey_refusal_log_flush (GstMikeyRefusalLog * log, gint64 now,
    gboolean force, gchar ** report, GQuark * domain, gint * code);

/* When the next flush is due (monotonic us), or 0 when nothing is
 * pending */
gint64 gst_mikey_refusal_log_due (const GstMikeyRefusalLog * log);

/* A token bucket bounding the answers sent to unauthenticated peers:
 * @burst at once, then @per_second. */
typedef struct
{
  guint burst;
  guint per_second;
  gint64 tokens;                /* in millionths of a token */
  gint64 last;                  /* monotonic us, 0: full */
  guint64 denied;
} GstMikeyReplyBucket;

#define GST_MIKEY_REPLY_BURST 10
#define GST_MIKEY_REPLY_PER_SECOND 2

void gst_mikey_reply_bucket_init (GstMikeyReplyBucket * b, guint burst,
    guint per_second);
/* TRUE (and one token less) when an answer may go out at @now */
gboolean gst_mikey_reply_bucket_take (GstMikeyReplyBucket * b, gint64 now);

/* Whether a refusal of class @error is worth an (unauthenticated) answer:
 * one that tells a genuine sender why it is refused and what we accept
 * (authentication, freshness, mode, suite, negotiation, certificates).
 * Malformed, unsupported and replayed messages get none: no conforming
 * initiator sends them, and anyone can. */
gboolean gst_mikey_refusal_is_answered (const GError * error);

G_END_DECLS
