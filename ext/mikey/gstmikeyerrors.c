/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The table from MIKEY_ERROR codes to GStreamer error domains, codes and
 * per-element hints, shared by mikeyenc and mikeydec. */
#include "gstmikeyerrors.h"

typedef struct
{
  MikeyErrorCode code;
    GQuark (*domain) (void);
  gint gst_code;
  /* what to check, by side; the sentences around them are the elements' */
  const gchar *sender_hint;
  const gchar *receiver_hint;
} ErrorMapping;

#define CERT_HINTS \
  "check ca-file, crl-file, peer-cert and peer-id", \
  "check the sender's cert against this receiver's ca-file, crl-file, " \
  "peer-cert and peer-id"

/* Refusals of the exchange are GST_STREAM_ERROR_DECRYPT on both sides:
 * the stream cannot be decrypted (or encrypted for the peer) without the
 * key that was refused. */
static const ErrorMapping mappings[] = {
  {MIKEY_ERROR_TRUNCATED, gst_stream_error_quark, GST_STREAM_ERROR_FORMAT,
      NULL, NULL},
  {MIKEY_ERROR_INVALID, gst_stream_error_quark, GST_STREAM_ERROR_FORMAT,
      NULL, NULL},
  {MIKEY_ERROR_UNSUPPORTED, gst_stream_error_quark,
      GST_STREAM_ERROR_CODEC_NOT_FOUND, NULL, NULL},
  /* the words depend on the mode too: the elements choose them */
  {MIKEY_ERROR_AUTH, gst_stream_error_quark, GST_STREAM_ERROR_DECRYPT,
      NULL, NULL},
  {MIKEY_ERROR_REPLAY, gst_stream_error_quark, GST_STREAM_ERROR_DECRYPT,
      NULL, NULL},
  {MIKEY_ERROR_STALE, gst_stream_error_quark, GST_STREAM_ERROR_DECRYPT,
      "are both clocks right?", "are both clocks right?"},
  {MIKEY_ERROR_POLICY, gst_stream_error_quark, GST_STREAM_ERROR_DECRYPT,
      NULL, "set them to what the sender uses"},
  /* the sender's hint depends on its mode: mikeyenc chooses it */
  {MIKEY_ERROR_PEER, gst_stream_error_quark, GST_STREAM_ERROR_DECRYPT,
      NULL, NULL},
  {MIKEY_ERROR_STATE, gst_core_error_quark, GST_CORE_ERROR_FAILED,
      NULL, NULL},
  {MIKEY_ERROR_CRYPTO, gst_stream_error_quark, GST_STREAM_ERROR_FAILED,
      NULL, NULL},
  {MIKEY_ERROR_UNAUTHENTICATED, gst_stream_error_quark,
        GST_STREAM_ERROR_DECRYPT,
        "set mode=null only if the message goes over a secure channel "
        "(RTSPS, SIP over TLS)",
      "set mode=null only if the message came over a secure channel "
        "(RTSPS, SIP over TLS)"},
  {MIKEY_ERROR_MODE_REFUSED, gst_stream_error_quark, GST_STREAM_ERROR_DECRYPT,
      "check mode and suite on both sides", "set them to what the sender uses"},
  {MIKEY_ERROR_NO_COMMON, gst_stream_error_quark, GST_STREAM_ERROR_DECRYPT,
        "give the modes and suites of both sides a pair in common",
      "give the modes and suites of both sides a pair in common"},
  {MIKEY_ERROR_DH_GROUP, gst_stream_error_quark, GST_STREAM_ERROR_DECRYPT,
        "set the same dh-group on both sides",
      "set the same dh-group on both sides"},
  {MIKEY_ERROR_CERT_UNTRUSTED, gst_stream_error_quark,
      GST_STREAM_ERROR_DECRYPT, CERT_HINTS},
  {MIKEY_ERROR_CERT_EXPIRED, gst_stream_error_quark, GST_STREAM_ERROR_DECRYPT,
      CERT_HINTS},
  {MIKEY_ERROR_CERT_REVOKED, gst_stream_error_quark, GST_STREAM_ERROR_DECRYPT,
      CERT_HINTS},
  {MIKEY_ERROR_IDENTITY, gst_stream_error_quark, GST_STREAM_ERROR_DECRYPT,
      CERT_HINTS},
  {MIKEY_ERROR_CERT_USAGE, gst_stream_error_quark, GST_STREAM_ERROR_DECRYPT,
      CERT_HINTS},
  {MIKEY_ERROR_SETTINGS, gst_library_error_quark, GST_LIBRARY_ERROR_SETTINGS,
      NULL, NULL},
  {MIKEY_ERROR_TIMEOUT, gst_resource_error_quark,
        GST_RESOURCE_ERROR_OPEN_READ_WRITE,
      "is the receiver running, with mikeydec listening on peer-port?", NULL},
  /* only authenticated messages fill it: too many key exchanges at once */
  {MIKEY_ERROR_CACHE_FULL, gst_stream_error_quark, GST_STREAM_ERROR_DECRYPT,
        "retry later, or start fewer key exchanges per minute",
      "the senders started more key exchanges than the replay window holds; "
        "they are accepted again once older ones age out"},
};

static const ErrorMapping *
lookup (const GError * error)
{
  guint i;

  if (error == NULL || error->domain != MIKEY_ERROR)
    return NULL;
  for (i = 0; i < G_N_ELEMENTS (mappings); i++) {
    if (mappings[i].code == (MikeyErrorCode) error->code)
      return &mappings[i];
  }
  return NULL;
}

GQuark
gst_mikey_error_to_gst (const GError * error, gint * code)
{
  const ErrorMapping *m = lookup (error);

  if (m != NULL) {
    *code = m->gst_code;
    return m->domain ();
  }
  if (error != NULL && error->domain != MIKEY_ERROR) {
    *code = error->code;
    return error->domain;
  }
  /* a code newer than this table */
  *code = GST_STREAM_ERROR_FAILED;
  return GST_STREAM_ERROR;
}

const gchar *
gst_mikey_error_hint (const GError * error, GstMikeySide side)
{
  const ErrorMapping *m = lookup (error);

  if (m == NULL)
    return NULL;
  return side == GST_MIKEY_SIDE_SENDER ? m->sender_hint : m->receiver_hint;
}

void
gst_mikey_error_post (GstElement * element, const GError * error,
    gchar * text, gchar * debug)
{
  gint code;
  GQuark domain = gst_mikey_error_to_gst (error, &code);

  if (text == NULL)
    text = g_strdup (error ? error->message : "unknown error");
  gst_element_message_full (element, GST_MESSAGE_ERROR, domain, code, text,
      debug, __FILE__, GST_FUNCTION, __LINE__);
}
