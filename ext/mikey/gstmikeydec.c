/* GStreamer MIKEY plugin: mikeydec, the receiver side (MIKEY responder).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-mikeydec
 * @title: mikeydec
 * @see_also: mikeyenc, srtpdec
 *
 * mikeydec sits on the SRTP path directly upstream of the stock srtpdec and
 * passes SRTP through untouched. It answers MIKEY (RFC 3830) initiation
 * messages, received over UDP on address:port (default 0.0.0.0:2269) or
 * given as the "key-mgmt" property (the "mikey <base64>" value of an SDP
 * a=key-mgmt attribute or an RTSP KeyMgmt header), and sets caps
 * downstream that srtpdec understands: ssrc, roc, srtp-key, mki,
 * srtp-cipher, srtp-auth, srtcp-cipher, srtcp-auth (and srtp-key2 / mki2 ...
 * when a crypto session has several keys). When the message carries no
 * SSRC (GStreamer's RTSP server sends none) the SSRC of the stream is used.
 *
 * The key management method the sender must use is "mode" (psk, pke, dh,
 * dhhmac, null), or any of "modes" (best first): a sender that offers
 * several gets told the best pair both share (docs/negotiation.md). Modes
 * pke and dh need cert, key and ca-file (or peer-cert) to check senders'
 * certificates.
 *
 * Unauthenticated keys (MIKEY-NULL) are refused unless mode=null. Messages
 * that fail verification, are replayed or are stale are refused with an
 * element error that says which (a warning with error-on-refusal=false).
 * Packets that arrive before a key are held (at most max-held-buffers; the
 * oldest are dropped beyond that, with a warning) and sent once the caps
 * carry the key.
 *
 * ## Example pipeline
 * |[
 * gst-launch-1.0 udpsrc port=5004 caps="application/x-srtp,media=(string)audio,clock-rate=(int)8000,encoding-name=(string)L16,channels=(int)1,payload=(int)96" !
 *     mikeydec mode=psk psk-file=psk.hex port=2269 ! srtpdec ! rtpL16depay !
 *     audioconvert ! autoaudiosink
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmikeydec.h"
#include "gstmikeycaps.h"
#include "gstmikeyheld.h"
#include "gstmikeymessages.h"
#include "gstmikeyprops.h"
#include "gstmikeytransport.h"

#include <string.h>
#include <openssl/crypto.h>

GST_DEBUG_CATEGORY_STATIC (gst_mikey_dec_debug);
#define GST_CAT_DEFAULT gst_mikey_dec_debug

#define DEFAULT_ADDRESS "0.0.0.0"
#define DEFAULT_PORT GST_MIKEY_DEFAULT_PORT
#define DEFAULT_ERROR_ON_REFUSAL TRUE
#define MAX_KEYS 16             /* srtpdec reads srtp-key .. srtp-key15 */

enum
{
  PROP_0,
  PROP_ADDRESS,
  PROP_PORT,
  PROP_KEY_MGMT,
  PROP_KEY_MGMT_RESPONSE,
  PROP_MAX_HELD_BUFFERS,
  PROP_ERROR_ON_REFUSAL,
  PROP_SRTP_CAPS,
  PROP_SHARED_FIRST,            /* mode, psk, psk-file, suite */
};

enum
{
  SIGNAL_KEY_ESTABLISHED,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

struct _GstMikeyDec
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  GMutex lock;

  /* properties */
  GstMikeySettings settings;
  gchar *address;
  guint port;
  gchar *key_mgmt;
  gchar *key_mgmt_response;
  guint max_held;
  gboolean error_on_refusal;

  /* from NULL to READY on */
  gboolean started;
  GstMikeySecrets secrets;
  MikeyResponder *responder;
  GstMikeyTransport *transport;
  /* for the element's lifetime: a replayed message stays refused across
   * restarts */
  MikeyReplayCache *replay;
  /* digest of the key-mgmt message accepted last, so that a restart with
   * the same SDP is not taken for a replay */
  guint8 key_mgmt_digest[32];
  gboolean have_key_mgmt_digest;

  /* keys */
  GArray *params;               /* MikeySrtpParams of the last accepted */
  guint32 csb_id;
  guint keys_gen;               /* bumped on each accepted message */
  guint caps_gen;               /* keys_gen the downstream caps carry */
  guint32 refused_csb_id;       /* accepted by the core, refused by us */
  gboolean have_refused_csb_id;
  GstCaps *srtp_caps;

  /* streaming */
  gint passthrough;             /* atomic: keys in caps, none held */
  GstCaps *upstream_caps;
  gboolean have_stream_ssrc;
  guint32 stream_ssrc;
  gboolean flushing;
  GstMikeyHeld held;
  guint dropped;
  GPtrArray *key_buffers;       /* in caps given to srtpdec: wiped on stop */
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-srtp"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-srtp"));

#define gst_mikey_dec_parent_class parent_class
G_DEFINE_TYPE (GstMikeyDec, gst_mikey_dec, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (mikeydec, "mikeydec", GST_RANK_NONE,
    GST_TYPE_MIKEY_DEC);

static void gst_mikey_dec_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_mikey_dec_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_mikey_dec_finalize (GObject * object);
static GstStateChangeReturn gst_mikey_dec_change_state (GstElement * element,
    GstStateChange transition);
static GstFlowReturn gst_mikey_dec_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buf);
static GstFlowReturn gst_mikey_dec_chain_list (GstPad * pad,
    GstObject * parent, GstBufferList * list);
static gboolean gst_mikey_dec_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event);

static void
gst_mikey_dec_class_init (GstMikeyDecClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_mikey_dec_set_property;
  gobject_class->get_property = gst_mikey_dec_get_property;
  gobject_class->finalize = gst_mikey_dec_finalize;

  g_object_class_install_property (gobject_class, PROP_ADDRESS,
      g_param_spec_string ("address", "Address",
          "IP address to listen on for MIKEY messages over UDP",
          DEFAULT_ADDRESS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_PORT,
      g_param_spec_uint ("port", "Port",
          "UDP port to listen on for MIKEY messages (2269 is MIKEY's IANA "
          "port); 0 disables listening. Not used when key-mgmt is set",
          0, 65535, DEFAULT_PORT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_KEY_MGMT,
      g_param_spec_string ("key-mgmt", "Key management attribute",
          "A MIKEY initiation message as found in SDP (a=key-mgmt:mikey ...) "
          "or an RTSP KeyMgmt header (\"mikey <base64>\", or bare base64), "
          "processed instead of listening on UDP. Write-only (in mode=null "
          "it holds the key in the clear); a new value re-keys",
          NULL, G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_KEY_MGMT_RESPONSE,
      g_param_spec_string ("key-mgmt-response", "Key management response",
          "The answer to the last key-mgmt message as \"mikey <base64>\" for "
          "the SDP answer: the verification message when the sender asked "
          "for one, the error message when it was refused, NULL otherwise",
          NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_property (gobject_class, PROP_MAX_HELD_BUFFERS,
      g_param_spec_uint ("max-held-buffers", "Maximum held buffers",
          "SRTP packets held until a key arrives; beyond that the oldest are "
          "dropped (with a warning)", 0, G_MAXINT, GST_MIKEY_DEFAULT_MAX_HELD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_ERROR_ON_REFUSAL,
      g_param_spec_boolean ("error-on-refusal", "Error on refusal",
          "A refused MIKEY message (failed verification, replayed, stale, "
          "MIKEY-NULL not allowed...) posts an element error; when false, a "
          "warning, and the element keeps listening (an attacker who can "
          "send UDP to the port then cannot stop the pipeline)",
          DEFAULT_ERROR_ON_REFUSAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_SRTP_CAPS,
      g_param_spec_boxed ("srtp-caps", "SRTP caps",
          "The SRTP parameters of the last accepted message as "
          "application/x-srtp caps (as srtpdec's request-key signal wants "
          "them; no ssrc when the message carries none). Holds key bytes; "
          "not notified; wiped when the element stops",
          GST_TYPE_CAPS, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_mikey_settings_install_properties (gobject_class, PROP_SHARED_FIRST,
      GST_MIKEY_MODE_PSK, TRUE);

  /**
   * GstMikeyDec::key-established:
   * @mikeydec: the element
   * @caps: the SRTP parameters (as the srtp-caps property)
   *
   * Emitted when a MIKEY message is accepted, from the element's network
   * thread or the thread that set key-mgmt.
   */
  signals[SIGNAL_KEY_ESTABLISHED] =
      g_signal_new ("key-established", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, GST_TYPE_CAPS);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "MIKEY key exchange for srtpdec", "Filter/Network/SRTP",
      "Answers MIKEY (RFC 3830) key exchanges as responder and gives the "
      "keys to the downstream srtpdec through caps", "gst-mikey maintainers");

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_mikey_dec_change_state);

  gst_type_mark_as_plugin_api (GST_TYPE_MIKEY_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MIKEY_DH_GROUP, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MIKEY_SIGN, 0);
  GST_DEBUG_CATEGORY_INIT (gst_mikey_dec_debug, "mikeydec", 0,
      "MIKEY responder for srtpdec");
}

static void
gst_mikey_dec_init (GstMikeyDec * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_mikey_dec_chain));
  gst_pad_set_chain_list_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_mikey_dec_chain_list));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_mikey_dec_sink_event));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  GST_PAD_SET_PROXY_SCHEDULING (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  g_mutex_init (&self->lock);
  gst_mikey_settings_init (&self->settings, GST_MIKEY_MODE_PSK);
  self->address = g_strdup (DEFAULT_ADDRESS);
  self->port = DEFAULT_PORT;
  self->max_held = GST_MIKEY_DEFAULT_MAX_HELD;
  self->error_on_refusal = DEFAULT_ERROR_ON_REFUSAL;
  self->replay = mikey_replay_cache_new (MIKEY_REPLAY_DEFAULT_SKEW_US,
      MIKEY_REPLAY_DEFAULT_CAPACITY);
  gst_mikey_held_init (&self->held);
  self->key_buffers =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
}

/* ------------------------------------------------------------------------
 * Accepting keys
 * ---------------------------------------------------------------------- */

static void
params_clear_func (gpointer data)
{
  mikey_srtp_params_clear (data);
}

static GArray *
params_dup (GArray * src)
{
  GArray *dst;

  dst = g_array_sized_new (FALSE, TRUE, sizeof (MikeySrtpParams), src->len);
  g_array_set_clear_func (dst, params_clear_func);
  g_array_append_vals (dst, src->data, src->len);
  return dst;
}

static void
forget_keys (GstMikeyDec * self)
{
  g_atomic_int_set (&self->passthrough, 0);
  g_clear_pointer (&self->params, g_array_unref);
  if (self->srtp_caps != NULL) {
    gst_mikey_collect_key_buffers (gst_caps_get_structure (self->srtp_caps,
            0), self->key_buffers);
    gst_clear_caps (&self->srtp_caps);
  }
}

/* What to tell the application after the lock is released */
typedef struct
{
  GstMessage *established;
  GstCaps *caps;
  gchar *error_text;
  gchar *error_debug;
  gint error_code;
  gboolean error_fatal;
} Outcome;

static void
outcome_publish (GstMikeyDec * self, Outcome * o)
{
  if (o->caps != NULL) {
    g_signal_emit (self, signals[SIGNAL_KEY_ESTABLISHED], 0, o->caps);
    gst_caps_unref (o->caps);
  }
  if (o->established != NULL)
    gst_element_post_message (GST_ELEMENT (self), o->established);
  if (o->error_text != NULL) {
    gst_element_message_full (GST_ELEMENT (self),
        o->error_fatal ? GST_MESSAGE_ERROR : GST_MESSAGE_WARNING,
        GST_STREAM_ERROR, o->error_code, o->error_text, o->error_debug,
        __FILE__, GST_FUNCTION, __LINE__);
  } else {
    g_free (o->error_debug);
  }
  memset (o, 0, sizeof (*o));
}

/* A message the core accepted: check our own policy, keep the keys. Lock
 * held. FALSE when refused (o->error_text set). */
static gboolean
take_keys (GstMikeyDec * self, MikeyResponder * resp, const gchar * peer,
    Outcome * o)
{
  GArray *params = mikey_responder_get_srtp_params (resp);
  const MikeySuiteInfo *suite = mikey_responder_get_suite (resp);
  MikeyMode mode = mikey_responder_get_mode (resp);
  const MikeySrtpParams *p;
  guint32 csb_id = mikey_responder_get_csb_id (resp);
  guint i;

  if (params == NULL || params->len == 0) {
    o->error_text = g_strdup_printf ("MIKEY message from %s carries no SRTP "
        "keys", peer);
    o->error_code = GST_STREAM_ERROR_DECRYPT_NOKEY;
    return FALSE;
  }
  p = &g_array_index (params, MikeySrtpParams, 0);
  if (suite == NULL)
    suite = p->suite;

  for (i = 0; i < params->len; i++) {
    const MikeySrtpParams *pi = &g_array_index (params, MikeySrtpParams, i);

    if (pi->suite != NULL && !pi->suite->engine_supported) {
      o->error_text = g_strdup_printf ("MIKEY message from %s refused: "
          "crypto suite %s cannot be run by srtpdec (libsrtp2)", peer,
          pi->suite->name);
      o->error_code = GST_STREAM_ERROR_DECRYPT;
      self->refused_csb_id = csb_id;
      self->have_refused_csb_id = TRUE;
      return FALSE;
    }
  }
  self->have_refused_csb_id = FALSE;

  forget_keys (self);
  self->params = params_dup (params);
  self->csb_id = csb_id;
  /* the next packet takes the slow path and carries the new caps */
  g_atomic_int_set (&self->passthrough, 0);
  self->keys_gen++;
  self->srtp_caps = gst_mikey_srtp_params_to_caps (p);
  /* the negotiated method and suite, for key-established handlers */
  gst_caps_set_simple (self->srtp_caps, "mikey-mode", G_TYPE_STRING,
      mikey_mode_name (mode), NULL);
  if (suite != NULL)
    gst_caps_set_simple (self->srtp_caps, "mikey-suite", G_TYPE_STRING,
        suite->name, NULL);

  GST_INFO_OBJECT (self, "accepted keys from %s: mode %s, suite %s, CSB ID "
      "%08x, %u crypto session(s)%s", peer, mikey_mode_name (mode),
      suite ? suite->name : "?", csb_id, params->len,
      p->has_ssrc ? "" : ", SSRC from the stream");

  o->caps = gst_caps_ref (self->srtp_caps);
  o->established = gst_mikey_bus_key_established_new (GST_ELEMENT (self),
      mode, suite, csb_id, self->params, FALSE, 0, peer);
  return TRUE;
}

static void
refusal (GstMikeyDec * self, const GError * err, const guint8 * data,
    gsize len, const gchar * peer, Outcome * o)
{
  o->error_text = gst_mikey_describe_refusal (err, data, len,
      self->secrets.mode, self->secrets.description, peer,
      mikey_replay_cache_get_skew (self->replay), &o->error_code);
  o->error_debug = g_strdup (err ? err->message : NULL);
}

/* The certificate a signed initiation message carries first (its
 * sender's), or NULL */
static MikeyCert *
message_leaf_cert (const MikeyMessage * msg)
{
  const MikeyPayload *p = mikey_message_find (msg, MIKEY_PT_CERT, NULL);

  if (p == NULL || p->u.cert.cert_type == MIKEY_CERT_X509V3_URL)
    return NULL;
  return mikey_cert_new_from_der (p->u.cert.data.data, p->u.cert.data.len,
      NULL);
}

/* Receiver policy the protocol core does not apply: the DH group
 * (dh-group) and the sender's identity (peer-id). Lock held. FALSE when
 * refused, with @error (MIKEY_ERROR_POLICY) and *@reply (an error message
 * for the sender). The core still authenticates what passes. */
static gboolean
check_policy (GstMikeyDec * self, const guint8 * data, gsize len,
    GBytes ** reply, GError ** error)
{
  MikeyMessage *msg = mikey_message_parse (data, len, NULL);
  const MikeyPayload *p;
  gint err_no = -1;
  guint8 type;

  if (msg == NULL)
    return TRUE;                /* the core says what is wrong with it */
  type = msg->hdr.data_type;

  /* (a mode we do not take at all is left to the core: it says so, or
   * counter-proposes) */
  if ((type == MIKEY_DT_DH_INIT &&
          gst_mikey_secrets_has_mode (&self->secrets, MIKEY_MODE_DH)) ||
      (type == MIKEY_DT_DHHMAC_INIT &&
          gst_mikey_secrets_has_mode (&self->secrets, MIKEY_MODE_DHHMAC))) {
    p = mikey_message_find (msg, MIKEY_PT_DH, NULL);
    if (p != NULL && p->u.dh.group != self->secrets.dh_group) {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_POLICY,
          "the sender uses Diffie-Hellman group %u, but this receiver has "
          "dh-group=%u (set the same dh-group on both sides)",
          gst_mikey_dh_group_number (p->u.dh.group),
          gst_mikey_dh_group_number (self->secrets.dh_group));
      err_no = MIKEY_ERR_INVALID_DH;
    }
  }

  if (err_no < 0 && self->secrets.peer_id != NULL &&
      (type == MIKEY_DT_PK_INIT || type == MIKEY_DT_DH_INIT)) {
    MikeyCert *cert = message_leaf_cert (msg);
    GError *err = NULL;

    /* without a CERT payload the core insists on peer-cert, which was
     * checked against peer-id at start */
    if (cert != NULL && !mikey_cert_matches_identity (cert,
            self->secrets.peer_id, &err)) {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_POLICY,
          "the sender's certificate is not for peer-id \"%s\": %s",
          self->secrets.peer_id, err->message);
      g_clear_error (&err);
      err_no = MIKEY_ERR_INVALID_ID;
    }
    if (cert != NULL)
      mikey_cert_unref (cert);
  } else if (err_no < 0 && self->secrets.peer_id != NULL &&
      (type == MIKEY_DT_PSK_INIT || type == MIKEY_DT_DHHMAC_INIT)) {
    gsize want = strlen (self->secrets.peer_id);

    /* IDi comes first; the MAC covers it */
    p = mikey_message_find (msg, MIKEY_PT_ID, NULL);
    if (p == NULL || p->u.id.data.len != want ||
        memcmp (p->u.id.data.data, self->secrets.peer_id, want) != 0) {
      gchar *got = p ? g_strndup ((const gchar *) p->u.id.data.data,
          p->u.id.data.len) : NULL;

      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_POLICY,
          "mismatched identity: the sender %s%s%s, but this receiver has "
          "peer-id=\"%s\" (set id on the sender)", got ? "is \"" :
          "sent no identity (ID payload)", got ? got : "", got ? "\"" : "",
          self->secrets.peer_id);
      g_free (got);
      err_no = MIKEY_ERR_INVALID_ID;
    }
  }

  if (err_no >= 0 && reply != NULL)
    *reply = gst_mikey_build_error_message (msg, (guint8) err_no,
        g_get_real_time ());
  mikey_message_free (msg);
  return err_no < 0;
}

/* transport thread */
static void
on_datagram (GstMikeyTransport * t, const guint8 * data, gsize len,
    GSocketAddress * from, gpointer user_data)
{
  GstMikeyDec *self = user_data;
  Outcome o = { 0, };
  GBytes *reply = NULL;
  GError *err = NULL;
  gchar *peer;
  MikeyResponseResult res;
  gboolean send = FALSE;
  GstMessage *negotiation = NULL;

  peer = gst_mikey_socket_address_to_string (from);

  g_mutex_lock (&self->lock);
  if (self->responder == NULL) {
    g_mutex_unlock (&self->lock);
    g_free (peer);
    return;
  }

  if (!check_policy (self, data, len, &reply, &err))
    res = MIKEY_RESPONSE_REFUSED;
  else
    res = mikey_responder_handle_init (self->responder, data, len, peer,
        g_get_real_time (), &reply, &err);
  switch (res) {
    case MIKEY_RESPONSE_ACCEPTED:
      send = take_keys (self, self->responder, peer, &o);
      break;
    case MIKEY_RESPONSE_RETRANSMISSION:
      /* the answer was lost: answer again (unless we refused it) */
      send = !(self->have_refused_csb_id &&
          self->refused_csb_id == mikey_responder_get_csb_id (self->responder));
      GST_DEBUG_OBJECT (self, "retransmission from %s%s", peer,
          send ? ", answering again" : ", refused before");
      break;
    case MIKEY_RESPONSE_COUNTER_PROPOSAL:{
      /* the sender offered several modes/suites and used another pair than
       * the best common one: tell it our choice and wait for its new
       * message */
      MikeyCaps ours, theirs;
      gboolean have_theirs;

      have_theirs = gst_mikey_message_get_caps (data, len, &theirs, NULL, NULL);
      if (reply != NULL && gst_mikey_message_get_caps (g_bytes_get_data
              (reply, NULL), g_bytes_get_size (reply), &ours, NULL, NULL) &&
          ours.has_choice) {
        GST_INFO_OBJECT (self, "counter-proposal to %s: mode %s, suite %s",
            peer, mikey_mode_name ((MikeyMode) ours.chosen_mode),
            mikey_suite_get (ours.chosen_suite) ?
            mikey_suite_get (ours.chosen_suite)->name : "?");
        negotiation = gst_mikey_bus_negotiation_new (GST_ELEMENT (self),
            "counter-proposal", (MikeyMode) ours.chosen_mode,
            mikey_suite_get (ours.chosen_suite), peer,
            have_theirs ? &theirs : NULL);
      }
      send = TRUE;
      break;
    }
    case MIKEY_RESPONSE_REFUSED:
    default:
      refusal (self, err, data, len, peer, &o);
      send = TRUE;              /* the ERR message, if any */
      break;
  }
  o.error_fatal = self->error_on_refusal;
  g_clear_error (&err);

  if (send && reply != NULL) {
    gsize rlen;
    const guint8 *rdata = g_bytes_get_data (reply, &rlen);

    if (!gst_mikey_transport_send (t, from, rdata, rlen, &err)) {
      GST_WARNING_OBJECT (self, "could not answer %s: %s", peer,
          err ? err->message : "short write");
      g_clear_error (&err);
    }
  }
  g_mutex_unlock (&self->lock);

  if (reply != NULL)
    g_bytes_unref (reply);
  g_free (peer);
  if (negotiation != NULL)
    gst_element_post_message (GST_ELEMENT (self), negotiation);
  outcome_publish (self, &o);
}

static void
key_mgmt_digest (const guint8 * data, gsize len, guint8 out[32])
{
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize n = 32;

  g_checksum_update (sum, data, len);
  g_checksum_get_digest (sum, out, &n);
  g_checksum_free (sum);
}

/* Processes the key-mgmt property. Lock held; FALSE when refused. */
static gboolean
process_key_mgmt (GstMikeyDec * self, Outcome * o)
{
  GError *err = NULL;
  guint8 *data;
  gsize len;
  guint8 digest[32];
  MikeyResponder *resp = self->responder;
  MikeyResponder *temp = NULL;
  MikeyReplayCache *temp_cache = NULL;
  GBytes *reply = NULL;
  MikeyResponseResult res;
  gboolean ok = FALSE;

  g_clear_pointer (&self->key_mgmt_response, g_free);

  data = mikey_key_mgmt_decode (self->key_mgmt, &len, &err);
  if (data == NULL) {
    o->error_text = g_strdup_printf ("key-mgmt is not a MIKEY message "
        "(expected \"mikey <base64>\" as in a=key-mgmt): %s", err->message);
    o->error_code = GST_STREAM_ERROR_FORMAT;
    g_clear_error (&err);
    return FALSE;
  }

  key_mgmt_digest (data, len, digest);
  if (self->have_key_mgmt_digest &&
      CRYPTO_memcmp (digest, self->key_mgmt_digest, sizeof (digest)) == 0) {
    /* The same message this element accepted before (a restart with the
     * same SDP): accept it again rather than calling it a replay. */
    MikeyResponderConfig cfg = { 0, };

    temp_cache = mikey_replay_cache_new ((gint64) 10 * 365 * 24 * 3600 *
        G_USEC_PER_SEC, 4);
    gst_mikey_secrets_to_responder_config (&self->secrets, &cfg);
    cfg.replay = temp_cache;
    temp = mikey_responder_new (&cfg, &err);
    if (temp == NULL) {
      g_clear_error (&err);
    } else {
      resp = temp;
      GST_DEBUG_OBJECT (self, "key-mgmt accepted before, reusing it");
    }
  }

  if (!check_policy (self, data, len, &reply, &err))
    res = MIKEY_RESPONSE_REFUSED;
  else
    res = mikey_responder_handle_init (resp, data, len, "key-mgmt",
        g_get_real_time (), &reply, &err);
  if (res == MIKEY_RESPONSE_ACCEPTED || res == MIKEY_RESPONSE_RETRANSMISSION) {
    ok = take_keys (self, resp, "key-mgmt", o);
    if (ok) {
      memcpy (self->key_mgmt_digest, digest, sizeof (digest));
      self->have_key_mgmt_digest = TRUE;
    }
  } else if (res == MIKEY_RESPONSE_COUNTER_PROPOSAL) {
    /* an offer in SDP gets no second round: the answer says what we want
     * (key-mgmt-response), but these keys are not taken */
    o->error_text = g_strdup_printf ("MIKEY message from key-mgmt refused: "
        "it offers a choice of methods or suites and uses another one than "
        "the best common one (this mikeydec has %s); key-mgmt-response holds "
        "our counter-proposal for the offerer", self->secrets.description);
    o->error_code = GST_STREAM_ERROR_DECRYPT;
  } else {
    refusal (self, err, data, len, "key-mgmt", o);
  }
  g_clear_error (&err);

  if (reply != NULL && (ok || res == MIKEY_RESPONSE_REFUSED ||
          res == MIKEY_RESPONSE_COUNTER_PROPOSAL)) {
    gsize rlen;
    const guint8 *rdata = g_bytes_get_data (reply, &rlen);

    self->key_mgmt_response = mikey_key_mgmt_encode (rdata, rlen);
  }
  if (reply != NULL)
    g_bytes_unref (reply);
  gst_mikey_secure_free (data, len);
  if (temp != NULL)
    mikey_responder_free (temp);
  if (temp_cache != NULL)
    mikey_replay_cache_free (temp_cache);
  return ok;
}

/* ------------------------------------------------------------------------
 * Streaming
 * ---------------------------------------------------------------------- */

static gboolean
srtp_ssrc (GstBuffer * buf, guint32 * ssrc)
{
  guint8 hdr[12];

  if (gst_buffer_extract (buf, 0, hdr, sizeof (hdr)) != sizeof (hdr))
    return FALSE;
  if ((hdr[0] >> 6) != 2)
    return FALSE;
  /* RTCP multiplexed on the port (RFC 5761): PT 64-95 once masked */
  if ((hdr[1] & 0x7f) >= 64 && (hdr[1] & 0x7f) <= 95)
    return FALSE;
  *ssrc = GST_READ_UINT32_BE (hdr + 8);
  return TRUE;
}

static void
remove_key_fields (GstStructure * s)
{
  gint i;

  gst_structure_remove_fields (s, "ssrc", "roc", "srtp-key", "mki",
      "srtp-cipher", "srtp-auth", "srtcp-cipher", "srtcp-auth", NULL);
  for (i = 2; i <= MAX_KEYS; i++) {
    gchar key[16], mki[16];

    g_snprintf (key, sizeof (key), "srtp-key%d", i);
    g_snprintf (mki, sizeof (mki), "mki%d", i);
    gst_structure_remove_fields (s, key, mki, NULL);
  }
}

/* Upstream caps plus the keys for the stream's SSRC. Lock held, keys
 * present. */
static GstCaps *
build_caps (GstMikeyDec * self, GstCaps * upstream)
{
  GstCaps *caps;
  GstStructure *s;
  GArray *sel;
  const MikeySrtpParams *first;
  guint i;

  if (upstream != NULL && !gst_caps_is_empty (upstream))
    caps = gst_caps_copy (upstream);
  else
    caps = gst_caps_new_empty_simple ("application/x-srtp");
  s = gst_caps_get_structure (caps, 0);
  remove_key_fields (s);

  /* the crypto sessions of the stream's SSRC, or those without an SSRC
   * (an empty map: GStreamer's RTSP server, ONVIF cameras) */
  sel = g_array_new (FALSE, FALSE, sizeof (MikeySrtpParams));
  for (i = 0; i < self->params->len; i++) {
    const MikeySrtpParams *p = &g_array_index (self->params,
        MikeySrtpParams, i);

    if (!p->has_ssrc || (self->have_stream_ssrc &&
            p->ssrc == self->stream_ssrc))
      g_array_append_vals (sel, p, 1);
  }
  if (sel->len == 0) {
    const MikeySrtpParams *p = &g_array_index (self->params,
        MikeySrtpParams, 0);

    GST_WARNING_OBJECT (self, "the stream's SSRC %08x is not in the MIKEY "
        "crypto session map; keys are for SSRC %08x only",
        self->stream_ssrc, p->ssrc);
    g_array_append_vals (sel, p, 1);
  }
  if (sel->len > MAX_KEYS)
    g_array_set_size (sel, MAX_KEYS);
  first = &g_array_index (sel, MikeySrtpParams, 0);

  gst_mikey_srtp_params_to_structure (first, sel->len, s);
  /* srtpdec sets the keys from caps only with the stream's SSRC */
  if (first->has_ssrc)
    gst_structure_set (s, "ssrc", G_TYPE_UINT, first->ssrc, NULL);
  else if (self->have_stream_ssrc)
    gst_structure_set (s, "ssrc", G_TYPE_UINT, self->stream_ssrc, NULL);
  /* the array only held copies of the structs: wipe them */
  OPENSSL_cleanse (sel->data, sel->len * sizeof (MikeySrtpParams));
  g_array_unref (sel);

  gst_mikey_collect_key_buffers (s, self->key_buffers);
  return caps;
}

static gboolean
push_caps (GstMikeyDec * self, GstCaps * caps)
{
  gboolean ok;

  GST_DEBUG_OBJECT (self, "giving srtpdec the keys for SSRC %08x",
      self->stream_ssrc);
  ok = gst_pad_push_event (self->srcpad, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  if (!ok) {
    GST_ELEMENT_ERROR (self, STREAM, DECRYPT_NOKEY,
        ("srtpdec did not accept the MIKEY keys (is mikeydec directly "
            "upstream of srtpdec, and can this libsrtp run the suite?)"),
        (NULL));
  }
  return ok;
}

/* Lock held on entry, released on return. */
static GstFlowReturn
release_held (GstMikeyDec * self, GstBuffer * buf)
{
  GQueue items = G_QUEUE_INIT;
  GstCaps *caps = NULL;
  GstMiniObject *obj;
  GstFlowReturn ret = GST_FLOW_OK;

  if (self->caps_gen != self->keys_gen) {
    GstBuffer *first = gst_mikey_held_peek_buffer (&self->held);
    guint32 ssrc;

    if (first == NULL)
      first = buf;
    /* new keys: the SSRC of the first packet they are for */
    if (first != NULL && srtp_ssrc (first, &ssrc)) {
      self->stream_ssrc = ssrc;
      self->have_stream_ssrc = TRUE;
    }
    caps = build_caps (self, self->upstream_caps);
    self->caps_gen = self->keys_gen;
  }
  gst_mikey_held_take (&self->held, &items);
  g_mutex_unlock (&self->lock);

  if (caps != NULL && !push_caps (self, caps)) {
    gst_mikey_held_queue_clear (&items);
    if (buf)
      gst_buffer_unref (buf);
    return GST_FLOW_NOT_NEGOTIATED;
  }

  if (buf != NULL)
    g_queue_push_tail (&items, buf);
  while ((obj = g_queue_pop_head (&items)) != NULL) {
    if (GST_IS_BUFFER (obj)) {
      ret = gst_pad_push (self->srcpad, GST_BUFFER_CAST (obj));
      if (ret != GST_FLOW_OK)
        break;
    } else {
      gst_pad_push_event (self->srcpad, GST_EVENT_CAST (obj));
    }
  }
  gst_mikey_held_queue_clear (&items);

  /* from now on the chain function needs no lock, until keys change */
  g_mutex_lock (&self->lock);
  if (self->params != NULL && self->caps_gen == self->keys_gen &&
      gst_mikey_held_is_empty (&self->held))
    g_atomic_int_set (&self->passthrough, 1);
  g_mutex_unlock (&self->lock);
  return ret;
}

static GstFlowReturn
gst_mikey_dec_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstMikeyDec *self = GST_MIKEY_DEC (parent);
  GstBuffer *old = NULL;
  guint dropped = 0;

  /* keyed: SRTP passes untouched, without taking the lock */
  if (G_LIKELY (g_atomic_int_get (&self->passthrough)))
    return gst_pad_push (self->srcpad, buf);

  g_mutex_lock (&self->lock);

  if (self->flushing) {
    g_mutex_unlock (&self->lock);
    gst_buffer_unref (buf);
    return GST_FLOW_FLUSHING;
  }

  if (self->params != NULL)
    return release_held (self, buf);

  /* no key yet: hold */
  if (self->held.n_buffers >= self->max_held) {
    old = gst_mikey_held_pop_buffer (&self->held);
    if (old != NULL)
      dropped = ++self->dropped;
  }
  if (self->max_held > 0)
    gst_mikey_held_push (&self->held, GST_MINI_OBJECT_CAST (buf));
  else {
    dropped = ++self->dropped;
    old = buf;
  }
  g_mutex_unlock (&self->lock);

  if (old != NULL)
    gst_buffer_unref (old);
  if (dropped == 1)
    GST_ELEMENT_WARNING (self, STREAM, DECRYPT_NOKEY,
        ("SRTP packets arrive but no MIKEY key has been accepted yet; "
            "dropping the oldest beyond max-held-buffers (is the sender's "
            "mikeyenc pointed at this receiver?)"), (NULL));
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_mikey_dec_chain_list (GstPad * pad, GstObject * parent,
    GstBufferList * list)
{
  GstMikeyDec *self = GST_MIKEY_DEC (parent);
  GstFlowReturn ret = GST_FLOW_OK;
  guint i, n;

  if (G_LIKELY (g_atomic_int_get (&self->passthrough)))
    return gst_pad_push_list (self->srcpad, list);

  n = gst_buffer_list_length (list);
  for (i = 0; i < n && ret == GST_FLOW_OK; i++)
    ret = gst_mikey_dec_chain (pad, parent,
        gst_buffer_ref (gst_buffer_list_get (list, i)));
  gst_buffer_list_unref (list);
  return ret;
}

static gboolean
gst_mikey_dec_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstMikeyDec *self = GST_MIKEY_DEC (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      g_mutex_lock (&self->lock);
      self->flushing = TRUE;
      g_mutex_unlock (&self->lock);
      break;
    case GST_EVENT_FLUSH_STOP:
      g_mutex_lock (&self->lock);
      self->flushing = FALSE;
      gst_mikey_held_clear (&self->held);
      g_mutex_unlock (&self->lock);
      break;
    case GST_EVENT_CAPS:{
      GstCaps *caps, *out = NULL;
      gboolean holding;

      gst_event_parse_caps (event, &caps);
      g_mutex_lock (&self->lock);
      gst_caps_replace (&self->upstream_caps, caps);
      holding = !gst_mikey_held_is_empty (&self->held);
      if (self->params != NULL && self->caps_gen == self->keys_gen)
        out = build_caps (self, caps);
      g_mutex_unlock (&self->lock);
      if (holding) {
        /* the caps go out with the keys when the held packets do */
        gst_event_unref (event);
        return TRUE;
      }
      if (out != NULL) {
        gst_event_unref (event);
        return push_caps (self, out);
      }
      break;
    }
    case GST_EVENT_EOS:
      g_mutex_lock (&self->lock);
      if (self->params != NULL) {
        if (release_held (self, NULL) != GST_FLOW_OK) {
          gst_event_unref (event);
          return FALSE;
        }
      } else {
        if (self->held.n_buffers > 0)
          GST_ELEMENT_WARNING (self, STREAM, DECRYPT_NOKEY,
              ("End of stream before any MIKEY key: %u SRTP packets were "
                  "never decrypted", self->held.n_buffers), (NULL));
        gst_mikey_held_clear (&self->held);
        g_mutex_unlock (&self->lock);
      }
      break;
    default:
      if (GST_EVENT_IS_SERIALIZED (event)) {
        g_mutex_lock (&self->lock);
        if (!gst_mikey_held_is_empty (&self->held)) {
          gst_mikey_held_push (&self->held, GST_MINI_OBJECT_CAST (event));
          g_mutex_unlock (&self->lock);
          return TRUE;
        }
        g_mutex_unlock (&self->lock);
      }
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}

/* ------------------------------------------------------------------------
 * State changes
 * ---------------------------------------------------------------------- */

static gboolean
start (GstMikeyDec * self)
{
  GError *err = NULL;
  MikeyResponderConfig cfg = { 0, };
  Outcome o = { 0, };
  gchar *address = NULL;
  guint port = 0;
  GstMikeyTransport *transport;
  gboolean ok = TRUE;

  g_mutex_lock (&self->lock);
  if (!gst_mikey_settings_resolve (&self->settings, TRUE, &self->secrets, &err)) {
    g_mutex_unlock (&self->lock);
    gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR,
        err->domain, err->code, g_strdup (err->message), NULL, __FILE__,
        GST_FUNCTION, __LINE__);
    g_clear_error (&err);
    return FALSE;
  }
  gst_mikey_secrets_to_responder_config (&self->secrets, &cfg);
  cfg.replay = self->replay;
  self->responder = mikey_responder_new (&cfg, &err);
  if (self->responder == NULL) {
    g_mutex_unlock (&self->lock);
    GST_ELEMENT_ERROR (self, LIBRARY, INIT,
        ("Could not set up the MIKEY responder: %s", err->message), (NULL));
    g_clear_error (&err);
    return FALSE;
  }
  self->started = TRUE;

  if (self->key_mgmt != NULL && self->key_mgmt[0] != '\0') {
    ok = process_key_mgmt (self, &o);
    o.error_fatal = TRUE;
  } else if (self->port != 0) {
    address = g_strdup (self->address);
    port = self->port;
  } else {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("mikeydec has port=0 and no key-mgmt: no key can arrive until "
            "key-mgmt is set"), (NULL));
  }
  g_mutex_unlock (&self->lock);

  outcome_publish (self, &o);
  g_object_notify (G_OBJECT (self), "key-mgmt-response");
  if (!ok)
    return FALSE;
  if (port == 0)
    return TRUE;

  transport = gst_mikey_transport_new ("mikeydec", address, port,
      G_SOCKET_FAMILY_IPV4, on_datagram, self, &err);
  if (transport == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("Could not listen for MIKEY on %s:%u: %s (another mikeydec on this "
            "port? set port= to a free one, and peer-port= on the sender)",
            address, port, err->message), (NULL));
    g_clear_error (&err);
    g_free (address);
    return FALSE;
  }
  GST_INFO_OBJECT (self, "listening for MIKEY on %s:%u", address, port);
  g_free (address);

  g_mutex_lock (&self->lock);
  self->transport = transport;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static void
stop (GstMikeyDec * self)
{
  GstMikeyTransport *transport;

  g_mutex_lock (&self->lock);
  transport = self->transport;
  self->transport = NULL;
  g_mutex_unlock (&self->lock);

  gst_mikey_transport_free (transport);

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->responder, mikey_responder_free);
  forget_keys (self);
  self->keys_gen = self->caps_gen = 0;
  self->have_refused_csb_id = FALSE;
  gst_mikey_secrets_clear (&self->secrets);
  gst_mikey_wipe_buffers (self->key_buffers);
  self->started = FALSE;
  g_mutex_unlock (&self->lock);
}

static GstStateChangeReturn
gst_mikey_dec_change_state (GstElement * element, GstStateChange transition)
{
  GstMikeyDec *self = GST_MIKEY_DEC (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!start (self)) {
        stop (self);
        return GST_STATE_CHANGE_FAILURE;
      }
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      g_mutex_lock (&self->lock);
      self->flushing = FALSE;
      self->dropped = 0;
      g_mutex_unlock (&self->lock);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      g_mutex_lock (&self->lock);
      self->flushing = TRUE;
      g_mutex_unlock (&self->lock);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      g_mutex_lock (&self->lock);
      gst_mikey_held_clear (&self->held);
      gst_clear_caps (&self->upstream_caps);
      self->have_stream_ssrc = FALSE;
      /* srtpdec (downstream, already in READY) dropped its streams: the
       * keys go out in caps again on the next start */
      self->caps_gen = 0;
      g_atomic_int_set (&self->passthrough, 0);
      gst_mikey_wipe_buffers (self->key_buffers);
      g_mutex_unlock (&self->lock);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      stop (self);
      break;
    default:
      break;
  }
  return ret;
}

/* ------------------------------------------------------------------------
 * Properties
 * ---------------------------------------------------------------------- */

static void
gst_mikey_dec_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMikeyDec *self = GST_MIKEY_DEC (object);
  Outcome o = { 0, };
  gboolean processed = FALSE;

  g_mutex_lock (&self->lock);
  if (gst_mikey_settings_set_property (&self->settings, PROP_SHARED_FIRST,
          prop_id, value)) {
    g_mutex_unlock (&self->lock);
    return;
  }

  switch (prop_id) {
    case PROP_ADDRESS:
      g_free (self->address);
      self->address = g_value_dup_string (value);
      if (self->address == NULL)
        self->address = g_strdup (DEFAULT_ADDRESS);
      break;
    case PROP_PORT:
      self->port = g_value_get_uint (value);
      break;
    case PROP_KEY_MGMT:
      gst_mikey_secure_free_string (self->key_mgmt);
      self->key_mgmt = g_value_dup_string (value);
      if (self->started && self->key_mgmt != NULL && self->key_mgmt[0] != '\0') {
        /* a new message while running: re-key */
        process_key_mgmt (self, &o);
        o.error_fatal = self->error_on_refusal;
        processed = TRUE;
      }
      break;
    case PROP_MAX_HELD_BUFFERS:
      self->max_held = g_value_get_uint (value);
      break;
    case PROP_ERROR_ON_REFUSAL:
      self->error_on_refusal = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);

  if (processed) {
    outcome_publish (self, &o);
    g_object_notify (object, "key-mgmt-response");
  }
}

static void
gst_mikey_dec_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstMikeyDec *self = GST_MIKEY_DEC (object);

  g_mutex_lock (&self->lock);
  if (gst_mikey_settings_get_property (&self->settings, PROP_SHARED_FIRST,
          prop_id, value)) {
    g_mutex_unlock (&self->lock);
    return;
  }

  switch (prop_id) {
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_KEY_MGMT:
      /* write-only */
      g_value_set_string (value, NULL);
      break;
    case PROP_KEY_MGMT_RESPONSE:
      g_value_set_string (value, self->key_mgmt_response);
      break;
    case PROP_MAX_HELD_BUFFERS:
      g_value_set_uint (value, self->max_held);
      break;
    case PROP_ERROR_ON_REFUSAL:
      g_value_set_boolean (value, self->error_on_refusal);
      break;
    case PROP_SRTP_CAPS:
      g_value_set_boxed (value, self->srtp_caps);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  g_mutex_unlock (&self->lock);
}

static void
gst_mikey_dec_finalize (GObject * object)
{
  GstMikeyDec *self = GST_MIKEY_DEC (object);

  stop (self);
  gst_mikey_held_clear (&self->held);
  gst_clear_caps (&self->upstream_caps);
  gst_mikey_wipe_buffers (self->key_buffers);
  g_ptr_array_unref (self->key_buffers);
  mikey_replay_cache_free (self->replay);
  gst_mikey_settings_clear (&self->settings);
  gst_mikey_secure_free_string (self->key_mgmt);
  g_free (self->key_mgmt_response);
  g_free (self->address);
  OPENSSL_cleanse (self->key_mgmt_digest, sizeof (self->key_mgmt_digest));
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}
