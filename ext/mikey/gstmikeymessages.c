/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bus messages and error sentences, see gstmikeymessages.h */
#include "gstmikeymessages.h"
#include "gstmikeyerrors.h"
#include "gstmikeyprops.h"

#include <string.h>

GstMessage *
gst_mikey_bus_key_established_new (GstElement * src, MikeyMode mode,
    const MikeySuiteInfo * suite, guint32 csb_id, GArray * params,
    gboolean have_ssrc, guint32 ssrc, const gchar * peer)
{
  GstStructure *s;

  s = gst_structure_new ("mikey-key-established",
      "mode", G_TYPE_STRING, mikey_mode_name (mode),
      "csb-id", G_TYPE_UINT, csb_id, NULL);
  if (suite != NULL)
    gst_structure_set (s, "suite", G_TYPE_STRING, suite->name, NULL);
  if (params != NULL && params->len > 0) {
    const MikeySrtpParams *p = &g_array_index (params, MikeySrtpParams, 0);

    if (!have_ssrc && p->has_ssrc) {
      have_ssrc = TRUE;
      ssrc = p->ssrc;
    }
    gst_structure_set (s, "roc", G_TYPE_UINT, p->roc,
        "n-crypto-sessions", G_TYPE_UINT, params->len, NULL);
    if (p->mki_len > 0) {
      gchar *hex = mikey_hex_encode (p->mki, p->mki_len);

      gst_structure_set (s, "mki", G_TYPE_STRING, hex, NULL);
      g_free (hex);
    }
    if (suite == NULL && p->suite != NULL)
      gst_structure_set (s, "suite", G_TYPE_STRING, p->suite->name, NULL);
  }
  if (have_ssrc)
    gst_structure_set (s, "ssrc", G_TYPE_UINT, ssrc, NULL);
  if (peer != NULL && peer[0] != '\0')
    gst_structure_set (s, "peer", G_TYPE_STRING, peer, NULL);

  return gst_message_new_element (GST_OBJECT_CAST (src), s);
}

GstMessage *
gst_mikey_bus_negotiation_new (GstElement * src, const gchar * event,
    MikeyMode mode, const MikeySuiteInfo * suite, const gchar * peer,
    const MikeyOffer * peer_offer)
{
  GstStructure *s;

  s = gst_structure_new ("mikey-negotiation",
      "event", G_TYPE_STRING, event,
      "mode", G_TYPE_STRING, mikey_mode_name (mode), NULL);
  if (suite != NULL)
    gst_structure_set (s, "suite", G_TYPE_STRING, suite->name, NULL);
  if (peer != NULL && peer[0] != '\0')
    gst_structure_set (s, "peer", G_TYPE_STRING, peer, NULL);
  if (peer_offer != NULL) {
    gchar *m = mikey_mode_list_to_string (peer_offer->modes,
        peer_offer->n_modes, ","), *su =
        mikey_offer_suites_to_string (peer_offer, ",");

    gst_structure_set (s, "peer-modes", G_TYPE_STRING, m,
        "peer-suites", G_TYPE_STRING, su, NULL);
    g_free (m);
    g_free (su);
  }
  return gst_message_new_element (GST_OBJECT_CAST (src), s);
}

gboolean
gst_mikey_message_get_caps (const guint8 * data, gsize len, MikeyOffer * caps,
    guint8 * data_type, guint32 * csb_id)
{
  MikeyMessage *msg;
  gboolean ret;

  memset (caps, 0, sizeof (*caps));
  msg = mikey_message_parse (data, len, NULL);
  if (msg == NULL)
    return FALSE;
  if (data_type != NULL)
    *data_type = msg->hdr.data_type;
  if (csb_id != NULL)
    *csb_id = msg->hdr.csb_id;
  ret = mikey_offer_find (msg, caps, NULL);
  mikey_message_free (msg);
  return ret;
}

/* TRUE when @data is a message whose KEMAC is neither encrypted nor MACed */
static gboolean
is_null_message (const guint8 * data, gsize len)
{
  MikeyMessage *msg;
  MikeyPayload *kemac;
  gboolean ret = FALSE;

  msg = mikey_message_parse (data, len, NULL);
  if (msg == NULL)
    return FALSE;
  kemac = mikey_message_find (msg, MIKEY_PT_KEMAC, NULL);
  if (kemac != NULL && kemac->u.kemac.enc_alg == MIKEY_ENC_NULL &&
      kemac->u.kemac.mac_alg == MIKEY_MAC_NULL)
    ret = TRUE;
  mikey_message_free (msg);
  return ret;
}

/* Whether the initiation message is signed (PKE, DH) */
static gboolean
is_signed_message (const guint8 * data, gsize len)
{
  if (data == NULL || len < 2)
    return FALSE;
  /* HDR: version, data type */
  return data[1] == MIKEY_DT_PK_INIT || data[1] == MIKEY_DT_DH_INIT;
}

gchar *
gst_mikey_describe_refusal (const GError * error, const guint8 * data,
    gsize len, const gchar * our_config, const gchar * peer, gint64 skew_us,
    GQuark * domain, gint * code)
{
  const gchar *from = (peer != NULL && peer[0] != '\0') ? peer : "the peer";
  const gchar *hint = gst_mikey_error_hint (error, GST_MIKEY_SIDE_RECEIVER);

  if (error == NULL || error->domain != MIKEY_ERROR) {
    *domain = GST_STREAM_ERROR;
    *code = GST_STREAM_ERROR_DECRYPT;
    return g_strdup_printf ("MIKEY message from %s refused: %s", from,
        error ? error->message : "unknown reason");
  }
  *domain = gst_mikey_error_to_gst (error, code);

  switch (error->code) {
    case MIKEY_ERROR_AUTH:
      if (is_signed_message (data, len))
        return g_strdup_printf ("MIKEY verification failed: %s in the "
            "message from %s (wrong certificate or key on either side?)",
            error->message, from);
      return g_strdup_printf ("MIKEY verification failed: MAC mismatch "
          "(wrong pre-shared key?) in the message from %s", from);
    case MIKEY_ERROR_REPLAY:
      return g_strdup_printf ("MIKEY message from %s refused: replayed (this "
          "message was already accepted; only a retransmission from the "
          "original sender is answered)", from);
    case MIKEY_ERROR_STALE:
      /* the core's sentence has the offset (the number that tells a
       * wrong clock from an old message), the window and the clocks */
      return g_strdup_printf ("MIKEY message from %s refused: %s", from,
          error->message);
    case MIKEY_ERROR_UNAUTHENTICATED:
      /* (an encrypted key without a MAC is no case for mode=null) */
      if (is_null_message (data, len))
        return g_strdup_printf ("MIKEY message from %s refused: it carries "
            "an unauthenticated key (MIKEY-NULL); %s", from, hint);
      break;
    case MIKEY_ERROR_NO_COMMON:
      return g_strdup_printf ("MIKEY negotiation with %s failed: %s (%s)",
          from, error->message, hint);
    case MIKEY_ERROR_MODE_REFUSED:
    case MIKEY_ERROR_POLICY:
      return g_strdup_printf ("MIKEY message from %s refused: %s "
          "(this mikeydec has %s; %s)", from, error->message, our_config, hint);
    case MIKEY_ERROR_TRUNCATED:
    case MIKEY_ERROR_INVALID:
      return g_strdup_printf ("Malformed MIKEY message from %s: %s", from,
          error->message);
    case MIKEY_ERROR_UNSUPPORTED:
      return g_strdup_printf ("Unsupported MIKEY message from %s: %s", from,
          error->message);
    case MIKEY_ERROR_CRYPTO:
      return g_strdup_printf ("MIKEY crypto failure handling the message "
          "from %s: %s", from, error->message);
    default:
      break;
  }
  if (hint != NULL)
    return g_strdup_printf ("MIKEY message from %s refused: %s (%s)", from,
        error->message, hint);
  return g_strdup_printf ("MIKEY message from %s refused: %s", from,
      error->message);
}

/* ------------------------------------------------------------------------
 * Refusals from the network
 * ---------------------------------------------------------------------- */

void
gst_mikey_refusal_log_init (GstMikeyRefusalLog * log, gint64 interval)
{
  memset (log, 0, sizeof (*log));
  log->interval = interval;
}

void
gst_mikey_refusal_log_clear (GstMikeyRefusalLog * log)
{
  gint64 interval = log->interval;

  g_free (log->last_text);
  gst_mikey_refusal_log_init (log, interval);
}

static gchar *
refusal_report (GstMikeyRefusalLog * log, gint64 now)
{
  gchar *ret;

  if (log->pending == 1 || log->last_report == 0) {
    ret = log->last_text;
    log->last_text = NULL;
  } else {
    /* at least one second: the summary comes an interval after a report */
    gint64 secs = MAX ((now - log->last_report + G_USEC_PER_SEC / 2) /
        G_USEC_PER_SEC, 1);

    ret = g_strdup_printf ("%" G_GUINT64_FORMAT " MIKEY messages refused in "
        "the last %" G_GINT64_FORMAT " s (%" G_GUINT64_FORMAT " since the "
        "start); the last one: %s", log->pending, secs, log->total,
        log->last_text ? log->last_text : "?");
  }
  log->pending = 0;
  log->last_report = now;
  return ret;
}

gboolean
gst_mikey_refusal_log_add (GstMikeyRefusalLog * log, gint64 now, gchar * text,
    GQuark domain, gint code, gchar ** report)
{
  g_free (log->last_text);
  log->last_text = text;
  log->last_domain = domain;
  log->last_code = code;
  log->pending++;
  log->total++;
  *report = NULL;
  if (log->last_report != 0 && now - log->last_report < log->interval)
    return FALSE;
  *report = refusal_report (log, now);
  return TRUE;
}

gboolean
gst_mikey_refusal_log_flush (GstMikeyRefusalLog * log, gint64 now,
    gboolean force, gchar ** report, GQuark * domain, gint * code)
{
  *report = NULL;
  if (log->pending == 0)
    return FALSE;
  if (!force && now - log->last_report < log->interval)
    return FALSE;
  *domain = log->last_domain;
  *code = log->last_code;
  *report = refusal_report (log, now);
  return TRUE;
}

gint64
gst_mikey_refusal_log_due (const GstMikeyRefusalLog * log)
{
  if (log->pending == 0)
    return 0;
  return log->last_report + log->interval;
}

void
gst_mikey_reply_bucket_init (GstMikeyReplyBucket * b, guint burst,
    guint per_second)
{
  memset (b, 0, sizeof (*b));
  b->burst = burst;
  b->per_second = per_second;
  b->tokens = (gint64) burst *G_USEC_PER_SEC;
}

gboolean
gst_mikey_reply_bucket_take (GstMikeyReplyBucket * b, gint64 now)
{
  gint64 full = (gint64) b->burst * G_USEC_PER_SEC;

  if (b->last != 0 && now > b->last) {
    /* per_second tokens of 10^6 units each per 10^6 us; capped so that the
     * product cannot overflow after a long quiet time */
    gint64 elapsed = MIN (now - b->last, (gint64) 3600 * G_USEC_PER_SEC);

    b->tokens = MIN (full, b->tokens + elapsed * b->per_second);
  }
  b->last = now;
  if (b->tokens < G_USEC_PER_SEC) {
    b->denied++;
    return FALSE;
  }
  b->tokens -= G_USEC_PER_SEC;
  return TRUE;
}

gboolean
gst_mikey_refusal_is_answered (const GError * error)
{
  if (error == NULL || error->domain != MIKEY_ERROR)
    return FALSE;
  switch (error->code) {
    case MIKEY_ERROR_AUTH:
    case MIKEY_ERROR_STALE:
    case MIKEY_ERROR_UNAUTHENTICATED:
    case MIKEY_ERROR_MODE_REFUSED:
    case MIKEY_ERROR_POLICY:
    case MIKEY_ERROR_NO_COMMON:
    case MIKEY_ERROR_DH_GROUP:
    case MIKEY_ERROR_CERT_UNTRUSTED:
    case MIKEY_ERROR_CERT_EXPIRED:
    case MIKEY_ERROR_CERT_REVOKED:
    case MIKEY_ERROR_IDENTITY:
    case MIKEY_ERROR_CERT_USAGE:
      return TRUE;
    default:
      return FALSE;
  }
}
