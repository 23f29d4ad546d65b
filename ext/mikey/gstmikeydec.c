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
 * Unauthenticated keys (MIKEY-NULL) are refused unless mode=null. The
 * timestamps of authenticated messages must lie within timestamp-window
 * seconds of this machine's clock; a MIKEY-NULL message's timestamp,
 * which anyone could have set and which protects nothing, is not held to
 * it (a camera with an unset clock, an a=key-mgmt line captured minutes
 * ago): the offset is logged at GST_WARNING level instead. A
 * datagram refused (malformed, failed verification, replayed, stale, a
 * mode or suite not accepted...) could come from anyone who can reach the
 * port, so it never stops the pipeline by default: it is reported as a
 * warning that says why, the first one at once and then at most one
 * summary every 10 s ("N MIKEY messages refused in the last T s; the last
 * one: ..."), with the details of each at GST_DEBUG level. Errors are kept
 * for what the user must act on: the element's settings, a key-mgmt value
 * refused (the application's own input), and an authenticated message
 * whose keys srtpdec cannot use. error-on-refusal=true makes every refusal
 * an error (same rate), for networks where only the own sender can reach
 * the port. Answers to refused messages (MIKEY error messages) are sent
 * only when they tell a genuine sender why (authentication, mode, suite,
 * timestamp, certificate) and at most 10 at once then 2 per second;
 * malformed, unsupported and replayed messages get no answer.
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
#include "mikey-dh.h"
#include "gstmikeysrtpparams.h"
#include "gstmikeyerrors.h"
#include "gstmikeymessages.h"
#include "gstmikeymediapath.h"

#include <string.h>
#include <openssl/crypto.h>

GST_DEBUG_CATEGORY_STATIC (gst_mikey_dec_debug);
#define GST_CAT_DEFAULT gst_mikey_dec_debug

#define DEFAULT_ADDRESS "0.0.0.0"
#define DEFAULT_PORT GST_MIKEY_DEFAULT_PORT
#define DEFAULT_ERROR_ON_REFUSAL FALSE
#define DEFAULT_TIMESTAMP_WINDOW \
  ((guint) (MIKEY_REPLAY_DEFAULT_SKEW_US / G_USEC_PER_SEC))
/* a day: beyond that a "window" only lets replays of old messages in */
#define MAX_TIMESTAMP_WINDOW (24 * 3600)
#define MAX_KEYS 16             /* srtpdec reads srtp-key .. srtp-key15 */
#define DEFAULT_MEDIA_PATH FALSE
/* MIKEY messages from the media path waiting for the network thread:
 * beyond that they are dropped, so that a flood of them on the RTP port
 * costs the stream nothing but the classification */
#define MEDIA_PATH_MAX_PENDING 16

/* max-held-buffers and the shared properties (mode, psk, ...) are the
 * base class's */
enum
{
  PROP_ADDRESS = GST_MIKEY_BASE_N_PROPS,
  PROP_PORT,
  PROP_KEY_MGMT,
  PROP_KEY_MGMT_RESPONSE,
  PROP_ERROR_ON_REFUSAL,
  PROP_SRTP_CAPS,
  PROP_TIMESTAMP_WINDOW,
  PROP_MEDIA_PATH,
};


struct _GstMikeyDec
{
  GstMikeyBase base;

  /* properties */
  gchar *address;
  guint port;
  gchar *key_mgmt;
  gchar *key_mgmt_response;
  gboolean error_on_refusal;
  guint timestamp_window;
  gboolean media_path;

  /* from NULL to READY on */
  gboolean started;
  GstMikeyConfig config;
  MikeyResponder *responder;
  /* for the element's lifetime: a replayed message stays refused across
   * restarts */
  MikeyReplayCache *replay;
  /* digest of the key-mgmt message accepted last, so that a restart with
   * the same SDP is not taken for a replay */
  guint8 key_mgmt_digest[32];
  gboolean have_key_mgmt_digest;

  /* keys (base.params: those of the last accepted message) */
  guint32 csb_id;
  guint keys_gen;               /* bumped on each accepted message */
  guint caps_gen;               /* keys_gen the downstream caps carry */
  guint32 refused_csb_id;       /* accepted by the core, refused by us */
  gboolean have_refused_csb_id;

  /* refusals of datagrams: reported at a bounded rate, answered through a
   * token bucket (anyone can send them, from any source address) */
  GstMikeyRefusalLog refusals;
  GSource *refusal_flush;       /* pending summary, in the network thread */
  GstMikeyReplyBucket replies;
  gint64 last_negotiation_post;

  /* MIKEY on the media path (from start to stop) */
  guint mp_pending;             /* queued for the network thread */
  GSocket *mp_socket;           /* udpsrc's, to answer from (cached) */
  gboolean mp_warned_socket;
  gboolean mp_warned_source;
  gint mp_other;                /* atomic: neither RTP nor MIKEY, dropped */
  guint mp_overflow;            /* MIKEY dropped: too many pending */

  /* streaming (base.passthrough: keys in caps, none held) */
  GstCaps *upstream_caps;
  gboolean have_stream_ssrc;
  guint32 stream_ssrc;
  guint dropped;
};

#define gst_mikey_dec_parent_class parent_class
G_DEFINE_TYPE (GstMikeyDec, gst_mikey_dec, GST_TYPE_MIKEY_BASE);
GST_ELEMENT_REGISTER_DEFINE (mikeydec, "mikeydec", GST_RANK_NONE,
    GST_TYPE_MIKEY_DEC);

static void gst_mikey_dec_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_mikey_dec_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_mikey_dec_finalize (GObject * object);
static gboolean gst_mikey_dec_start (GstMikeyBase * base);
static void gst_mikey_dec_stop (GstMikeyBase * base);
static void gst_mikey_dec_reset (GstMikeyBase * base);
static gboolean gst_mikey_dec_handle_buffer (GstMikeyBase * base,
    GstBuffer * buf, GstFlowReturn * ret);
static gboolean gst_mikey_dec_sink_event (GstMikeyBase * base,
    GstEvent * event);
static gpointer gst_mikey_dec_pending_keys (GstMikeyBase * base,
    GstMiniObject * last);
static gboolean gst_mikey_dec_give_keys (GstMikeyBase * base, gpointer keys,
    guint session);
static gboolean gst_mikey_dec_keys_in_place (GstMikeyBase * base);
static gboolean gst_mikey_dec_filter_buffer (GstMikeyBase * base,
    GstBuffer * buf);

static void
gst_mikey_dec_class_init (GstMikeyDecClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstMikeyBaseClass *base_class = GST_MIKEY_BASE_CLASS (klass);

  gobject_class->set_property = gst_mikey_dec_set_property;
  gobject_class->get_property = gst_mikey_dec_get_property;
  gobject_class->finalize = gst_mikey_dec_finalize;

  base_class->start = GST_DEBUG_FUNCPTR (gst_mikey_dec_start);
  base_class->stop = GST_DEBUG_FUNCPTR (gst_mikey_dec_stop);
  base_class->reset = GST_DEBUG_FUNCPTR (gst_mikey_dec_reset);
  base_class->handle_buffer = GST_DEBUG_FUNCPTR (gst_mikey_dec_handle_buffer);
  base_class->sink_event = GST_DEBUG_FUNCPTR (gst_mikey_dec_sink_event);
  base_class->pending_keys = GST_DEBUG_FUNCPTR (gst_mikey_dec_pending_keys);
  base_class->give_keys = GST_DEBUG_FUNCPTR (gst_mikey_dec_give_keys);
  base_class->keys_in_place = GST_DEBUG_FUNCPTR (gst_mikey_dec_keys_in_place);
  base_class->filter_buffer = GST_DEBUG_FUNCPTR (gst_mikey_dec_filter_buffer);

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

  g_object_class_install_property (gobject_class, PROP_ERROR_ON_REFUSAL,
      g_param_spec_boolean ("error-on-refusal", "Error on refusal",
          "false: a refused MIKEY datagram (malformed, failed verification, "
          "replayed, stale, MIKEY-NULL or a mode or suite not accepted...) "
          "is a warning and the element keeps listening, so that whoever can "
          "send UDP to the port cannot stop the pipeline; the first refusal "
          "is reported at once, then at most one summary every 10 s. true: "
          "each such report is an element error instead (only where no one "
          "but the own sender can reach the port). Settings, a refused "
          "key-mgmt and an authenticated message whose keys cannot be used "
          "are errors either way",
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

  g_object_class_install_property (gobject_class, PROP_TIMESTAMP_WINDOW,
      g_param_spec_uint ("timestamp-window", "Timestamp window",
          "Seconds by which the timestamp of an authenticated MIKEY message "
          "(psk, pke, dh, dhhmac) may differ from this machine's clock "
          "(RFC 3830 5.4: older ones could be replays). MIKEY-NULL messages "
          "are accepted whatever their timestamp (it protects nothing); "
          "their clock offset is logged as a GStreamer warning",
          1, MAX_TIMESTAMP_WINDOW, DEFAULT_TIMESTAMP_WINDOW,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_MEDIA_PATH,
      g_param_spec_boolean ("media-path", "MIKEY on the media path",
          "true: MIKEY shares the RTP port (for a sender with mikeyenc "
          "media-path=true, where only that port is open): MIKEY messages "
          "among the incoming packets (first byte 1 or 2; RTP/SRTP/SRTCP "
          "start with 128..191) are taken out of the stream and answered to "
          "their source from udpsrc's socket; packets that are neither are "
          "dropped. Set port=0 unless MIKEY should also be listened for on "
          "its own port. false: every packet passes to srtpdec",
          DEFAULT_MEDIA_PATH,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  gst_mikey_base_class_install_properties (base_class, TRUE,
      "SRTP packets held until a key arrives; beyond that the oldest are "
      "dropped (with a warning)");

  /**
   * GstMikeyDec::key-established:
   * @mikeydec: the element
   * @caps: the SRTP parameters (as the srtp-caps property)
   *
   * Emitted when a MIKEY message is accepted, from the element's network
   * thread or the thread that set key-mgmt.
   */
  gst_mikey_base_class_add_key_established_signal (base_class);

  gst_mikey_base_class_add_pad_templates (base_class, "application/x-srtp");
  gst_element_class_set_static_metadata (element_class,
      "MIKEY key exchange for srtpdec", "Filter/Network/SRTP",
      "Answers MIKEY (RFC 3830) key exchanges as responder and gives the "
      "keys to the downstream srtpdec through caps", "gst-mikey maintainers");

  GST_DEBUG_CATEGORY_INIT (gst_mikey_dec_debug, "mikeydec", 0,
      "MIKEY responder for srtpdec");
}

static void
gst_mikey_dec_init (GstMikeyDec * self)
{
  self->address = g_strdup (DEFAULT_ADDRESS);
  self->port = DEFAULT_PORT;
  self->error_on_refusal = DEFAULT_ERROR_ON_REFUSAL;
  self->timestamp_window = DEFAULT_TIMESTAMP_WINDOW;
  self->media_path = DEFAULT_MEDIA_PATH;
  self->replay = mikey_replay_cache_new (MIKEY_REPLAY_DEFAULT_SKEW_US,
      MIKEY_REPLAY_DEFAULT_CAPACITY);
  gst_mikey_refusal_log_init (&self->refusals, GST_MIKEY_REFUSAL_INTERVAL);
  gst_mikey_reply_bucket_init (&self->replies, GST_MIKEY_REPLY_BURST,
      GST_MIKEY_REPLY_PER_SECOND);
}

/* ------------------------------------------------------------------------
 * Accepting keys
 * ---------------------------------------------------------------------- */

/* What to tell the application after the lock is released */
typedef struct
{
  GstMessage *established;
  GstCaps *caps;
  gchar *error_text;
  gchar *error_debug;
  GQuark error_domain;          /* 0: GST_STREAM_ERROR */
  gint error_code;
  gboolean error_fatal;
  /* the refusal is of a message that passed authentication (not
   * MIKEY-NULL): its sender is a peer we trust, the user must act */
  gboolean authenticated;
} Outcome;

static void
outcome_publish (GstMikeyDec * self, Outcome * o)
{
  if (o->caps != NULL) {
    gst_mikey_base_emit_key_established (GST_MIKEY_BASE (self), o->caps);
    gst_caps_unref (o->caps);
  }
  if (o->established != NULL)
    gst_element_post_message (GST_ELEMENT (self), o->established);
  if (o->error_text != NULL) {
    gst_element_message_full (GST_ELEMENT (self),
        o->error_fatal ? GST_MESSAGE_ERROR : GST_MESSAGE_WARNING,
        o->error_domain ? o->error_domain : GST_STREAM_ERROR, o->error_code,
        o->error_text, o->error_debug, __FILE__, GST_FUNCTION, __LINE__);
  } else {
    g_free (o->error_debug);
  }
  memset (o, 0, sizeof (*o));
}

/* A MIKEY-NULL message is taken whatever its timestamp says (the core
 * holds it to no window): how far off it was is worth a warning when an
 * authenticated message would have been refused for it. */
static void
log_null_clock_offset (GstMikeyDec * self, MikeyResponder * resp,
    const gchar * peer)
{
  gint64 offset;
  gchar *from;

  if (!mikey_responder_get_clock_offset (resp, &offset))
    return;
  if (ABS (offset) <= (gint64) self->timestamp_window * G_USEC_PER_SEC) {
    GST_DEBUG_OBJECT (self, "MIKEY-NULL timestamp %+" G_GINT64_FORMAT " ms "
        "off this machine's clock", offset / 1000);
    return;
  }
  from = g_strescape (peer, NULL);
  GST_WARNING_OBJECT (self, "MIKEY-NULL message from %s accepted although "
      "its timestamp is %" G_GINT64_FORMAT " s %s this machine's clock "
      "(timestamp-window=%u s): it is unauthenticated, its timestamp "
      "protects nothing (an old captured key-mgmt line, or a sender whose "
      "clock is not set?)", from, ABS (offset) / G_USEC_PER_SEC,
      offset > 0 ? "ahead of" : "behind", self->timestamp_window);
  g_free (from);
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

  o->authenticated = mode != MIKEY_MODE_NULL;
  if (!o->authenticated)
    log_null_clock_offset (self, resp, peer);
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

  gst_mikey_base_forget_keys (GST_MIKEY_BASE (self));
  self->base.params = gst_mikey_srtp_params_array_dup (params);
  self->csb_id = csb_id;
  /* the next packet takes the slow path and carries the new caps */
  g_atomic_int_set (&self->base.passthrough, 0);
  self->keys_gen++;
  self->base.srtp_caps = gst_mikey_srtp_params_to_caps (p);
  /* the negotiated method and suite, for key-established handlers */
  gst_caps_set_simple (self->base.srtp_caps, "mikey-mode", G_TYPE_STRING,
      mikey_mode_name (mode), NULL);
  if (suite != NULL)
    gst_caps_set_simple (self->base.srtp_caps, "mikey-suite", G_TYPE_STRING,
        suite->name, NULL);

  GST_INFO_OBJECT (self, "accepted keys from %s: mode %s, suite %s, CSB ID "
      "%08x, %u crypto session(s)%s", peer, mikey_mode_name (mode),
      suite ? suite->name : "?", csb_id, params->len,
      p->has_ssrc ? "" : ", SSRC from the stream");

  /* what was refused before these keys, and the first refusal after them
   * at once: a replay against a keyed stream is news */
  if (gst_mikey_refusal_log_flush (&self->refusals, g_get_monotonic_time (),
          TRUE, &o->error_text, &o->error_domain, &o->error_code))
    o->error_fatal = self->error_on_refusal;
  self->refusals.last_report = 0;

  o->caps = gst_caps_ref (self->base.srtp_caps);
  o->established = gst_mikey_bus_key_established_new (GST_ELEMENT (self),
      mode, suite, csb_id, self->base.params, FALSE, 0, peer);
  return TRUE;
}

/* The refusals of dh-group and peer-id: the core's sentence and the
 * setting that caused it. NULL for other refusals. */
static gchar *
describe_setting_refusal (GstMikeyDec * self, const GError * err,
    const guint8 * data, gsize len, const gchar * peer)
{
  const gchar *from = (peer != NULL && peer[0] != '\0') ? peer : "the peer";
  gboolean signed_msg = len >= 2 && (data[1] == MIKEY_DT_PK_INIT ||
      data[1] == MIKEY_DT_DH_INIT);

  if (err == NULL || err->domain != MIKEY_ERROR)
    return NULL;
  if (err->code == MIKEY_ERROR_DH_GROUP)
    return g_strdup_printf ("MIKEY message from %s refused: %s (this "
        "receiver has dh-group=%u; set the same dh-group on both sides)",
        from, err->message, mikey_dh_group_oakley (self->config.dh_group));
  if (err->code == MIKEY_ERROR_IDENTITY && self->config.peer_id != NULL &&
      signed_msg)
    return g_strdup_printf ("MIKEY message from %s refused: the sender's "
        "certificate is not for peer-id \"%s\": %s (check the sender's cert "
        "against this receiver's ca-file, crl-file, peer-cert and peer-id)",
        from, self->config.peer_id, err->message);
  if (err->code == MIKEY_ERROR_IDENTITY && self->config.peer_id != NULL)
    return g_strdup_printf ("MIKEY message from %s refused: %s (this "
        "receiver has peer-id=\"%s\"; set id on the sender)", from,
        err->message, self->config.peer_id);
  return NULL;
}

static void
refusal (GstMikeyDec * self, const GError * err, const guint8 * data,
    gsize len, const gchar * peer, Outcome * o)
{
  o->error_text = describe_setting_refusal (self, err, data, len, peer);
  if (o->error_text != NULL) {
    o->error_domain = GST_STREAM_ERROR;
    o->error_code = GST_STREAM_ERROR_DECRYPT;
  } else {
    o->error_text = gst_mikey_describe_refusal (err, data, len,
        self->config.description, peer,
        mikey_replay_cache_get_skew (self->replay), &o->error_domain,
        &o->error_code);
  }
  o->error_debug = g_strdup (err ? err->message : NULL);
}

static gboolean flush_refusals (gpointer user_data);

/* A refused datagram, lock held: counted, and reported now (o->error_text
 * replaced by the report) or later by a timer in the network thread
 * (o->error_text cleared). */
static void
note_refusal (GstMikeyDec * self, MikeyUdpThread * t, Outcome * o)
{
  gchar *report = NULL;
  gint64 due;

  GST_DEBUG_OBJECT (self, "refused: %s (%s)", o->error_text,
      GST_STR_NULL (o->error_debug));
  g_clear_pointer (&o->error_debug, g_free);
  if (o->error_domain == 0)
    o->error_domain = GST_STREAM_ERROR;
  if (gst_mikey_refusal_log_add (&self->refusals, g_get_monotonic_time (),
          o->error_text, o->error_domain, o->error_code, &report)) {
    o->error_text = report;
    return;
  }
  o->error_text = NULL;
  if (self->refusal_flush != NULL || t == NULL)
    return;
  due = gst_mikey_refusal_log_due (&self->refusals) - g_get_monotonic_time ();
  self->refusal_flush = mikey_udp_thread_add_timeout (t,
      (guint) CLAMP ((due + 999) / 1000, 1, G_MAXINT), flush_refusals, self,
      NULL);
}

/* network thread: the summary of the refusals counted since the last
 * report */
static gboolean
flush_refusals (gpointer user_data)
{
  GstMikeyDec *self = user_data;
  Outcome o = { 0, };

  GST_MIKEY_BASE_LOCK (self);
  if (self->refusal_flush != NULL) {
    g_source_unref (self->refusal_flush);
    self->refusal_flush = NULL;
  }
  if (gst_mikey_refusal_log_flush (&self->refusals, g_get_monotonic_time (),
          TRUE, &o.error_text, &o.error_domain, &o.error_code))
    o.error_fatal = self->error_on_refusal;
  GST_MIKEY_BASE_UNLOCK (self);

  outcome_publish (self, &o);
  return G_SOURCE_REMOVE;
}

/* A MIKEY datagram from @from (NULL: unknown, not answered), from our
 * socket or the media path; answers go out through @reply_socket. Network
 * thread. */
static void
handle_datagram (GstMikeyDec * self, const guint8 * data, gsize len,
    GSocketAddress * from, GSocket * reply_socket)
{
  MikeyUdpThread *t;
  Outcome o = { 0, };
  GBytes *reply = NULL;
  GError *err = NULL;
  gchar *peer;
  MikeyResponseResult res;
  gboolean send = FALSE, answer_anyone = FALSE;
  GstMessage *negotiation = NULL;
  gint64 now = g_get_monotonic_time ();

  peer = gst_mikey_socket_address_to_string (from);

  GST_MIKEY_BASE_LOCK (self);
  if (self->responder == NULL) {
    GST_MIKEY_BASE_UNLOCK (self);
    g_free (peer);
    return;
  }
  t = self->base.transport;

  res = mikey_responder_handle_init (self->responder, data, len, peer,
      g_get_real_time (), &reply, &err);
  switch (res) {
    case MIKEY_RESPONSE_ACCEPTED:
      /* the verification message of an authenticated message (or nothing
       * for MIKEY-NULL): the only answer not rate-limited */
      send = take_keys (self, self->responder, peer, &o);
      if (!send && !o.authenticated) {
        note_refusal (self, t, &o);
        o.error_fatal = self->error_on_refusal;
      } else if (!send) {
        o.error_fatal = TRUE;
      }
      break;
    case MIKEY_RESPONSE_RETRANSMISSION:
      /* the answer was lost: answer again (unless we refused it). Anyone
       * can send these bytes again with the sender's address as source. */
      send = !(self->have_refused_csb_id &&
          self->refused_csb_id == mikey_responder_get_csb_id (self->responder));
      answer_anyone = TRUE;
      GST_DEBUG_OBJECT (self, "retransmission from %s%s", peer,
          send ? ", answering again" : ", refused before");
      break;
    case MIKEY_RESPONSE_COUNTER_PROPOSAL:{
      /* the sender offered several modes/suites and used another pair than
       * the best common one: tell it our choice and wait for its new
       * message */
      MikeyOffer ours, theirs;
      gboolean have_theirs;

      if (reply == NULL)
        break;
      if (!gst_mikey_reply_bucket_take (&self->replies, now)) {
        GST_DEBUG_OBJECT (self, "not answering the offer from %s: more than "
            "%u answers at once or %u per second", peer,
            GST_MIKEY_REPLY_BURST, GST_MIKEY_REPLY_PER_SECOND);
        break;
      }
      send = TRUE;              /* its token is taken */
      have_theirs = gst_mikey_message_get_caps (data, len, &theirs, NULL, NULL);
      if (gst_mikey_message_get_caps (g_bytes_get_data (reply, NULL),
              g_bytes_get_size (reply), &ours, NULL, NULL) && ours.has_choice) {
        GST_INFO_OBJECT (self, "counter-proposal to %s: mode %s, suite %s",
            peer, mikey_mode_name ((MikeyMode) ours.chosen_mode),
            mikey_suite_get (ours.chosen_suite) ?
            mikey_suite_get (ours.chosen_suite)->name : "?");
        /* at most one per interval on the bus: offers are not
         * authenticated */
        if (self->last_negotiation_post == 0 ||
            now - self->last_negotiation_post >= GST_MIKEY_REFUSAL_INTERVAL) {
          self->last_negotiation_post = now;
          negotiation = gst_mikey_bus_negotiation_new (GST_ELEMENT (self),
              "counter-proposal", (MikeyMode) ours.chosen_mode,
              mikey_suite_get (ours.chosen_suite), peer,
              have_theirs ? &theirs : NULL);
        }
      }
      break;
    }
    case MIKEY_RESPONSE_REFUSED:
    default:
      refusal (self, err, data, len, peer, &o);
      /* an error message only when it helps a genuine sender */
      send = answer_anyone = gst_mikey_refusal_is_answered (err);
      note_refusal (self, t, &o);
      o.error_fatal = self->error_on_refusal;
      break;
  }
  g_clear_error (&err);

  if (send && reply != NULL && answer_anyone &&
      !gst_mikey_reply_bucket_take (&self->replies, now)) {
    GST_DEBUG_OBJECT (self, "not answering %s: more than %u answers at once "
        "or %u per second", peer, GST_MIKEY_REPLY_BURST,
        GST_MIKEY_REPLY_PER_SECOND);
    send = FALSE;
  }
  if (send && reply != NULL && (from == NULL || reply_socket == NULL)) {
    GST_DEBUG_OBJECT (self, "cannot answer %s: %s", peer[0] ? peer :
        "a message of unknown source", from ? "no socket to answer from" :
        "no source address");
  } else if (send && reply != NULL) {
    gsize rlen;
    const guint8 *rdata = g_bytes_get_data (reply, &rlen);

    if (g_socket_send_to (reply_socket, from, (const gchar *) rdata, rlen,
            NULL, &err) != (gssize) rlen) {
      GST_DEBUG_OBJECT (self, "could not answer %s: %s", peer,
          err ? err->message : "short write");
      g_clear_error (&err);
    }
  }
  GST_MIKEY_BASE_UNLOCK (self);

  if (reply != NULL)
    g_bytes_unref (reply);
  g_free (peer);
  if (negotiation != NULL)
    gst_element_post_message (GST_ELEMENT (self), negotiation);
  outcome_publish (self, &o);
}

/* transport thread: a datagram on mikeydec's own MIKEY port */
static void
on_datagram (MikeyUdpThread * t, const guint8 * data, gsize len,
    GSocketAddress * from, gpointer user_data)
{
  handle_datagram (user_data, data, len, from, mikey_udp_thread_get_socket (t));
}

/* ------------------------------------------------------------------------
 * MIKEY on the media path: taken out of the packet stream in the
 * streaming thread, handled in the network thread like a datagram on our
 * own port, answered from udpsrc's socket
 * ---------------------------------------------------------------------- */

typedef struct
{
  GstMikeyDec *self;
  guint8 *data;
  gsize len;
  GSocketAddress *from;
} MediaPathMessage;

static void
media_path_message_free (gpointer data)
{
  MediaPathMessage *m = data;

  /* a MIKEY-NULL message holds a key in the clear */
  mikey_secure_free (m->data, m->len);
  g_clear_object (&m->from);
  g_free (m);
}

/* The socket to answer media-path messages from: udpsrc's (cached until
 * the element stops), or our own port's. Network thread, without the
 * lock; a new reference or NULL. */
static GSocket *
media_path_reply_socket (GstMikeyDec * self)
{
  GSocket *socket = NULL;
  gboolean warn = FALSE;

  GST_MIKEY_BASE_LOCK (self);
  if (self->mp_socket != NULL)
    socket = g_object_ref (self->mp_socket);
  GST_MIKEY_BASE_UNLOCK (self);
  if (socket != NULL)
    return socket;

  socket = gst_mikey_media_path_find_upstream_socket (self->base.sinkpad);

  GST_MIKEY_BASE_LOCK (self);
  if (socket != NULL) {
    g_set_object (&self->mp_socket, socket);
  } else if (self->base.transport != NULL &&
      mikey_udp_thread_get_socket (self->base.transport) != NULL) {
    /* not the RTP port, but an answer (through no NAT pinhole) */
    socket = g_object_ref (mikey_udp_thread_get_socket (self->base.transport));
  }
  if (socket == NULL && !self->mp_warned_socket) {
    self->mp_warned_socket = TRUE;
    warn = TRUE;
  }
  GST_MIKEY_BASE_UNLOCK (self);

  if (warn)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("mikeydec media-path=true cannot answer MIKEY messages: there is no "
            "udpsrc upstream to answer from (and port=0); the sender will "
            "time out. Put mikeydec after the udpsrc that receives the RTP "
            "port"), (NULL));
  return socket;
}

/* network thread */
static gboolean
on_media_path_message (gpointer data)
{
  MediaPathMessage *m = data;
  GstMikeyDec *self = m->self;
  GSocket *socket;

  GST_MIKEY_BASE_LOCK (self);
  if (self->mp_pending > 0)
    self->mp_pending--;
  GST_MIKEY_BASE_UNLOCK (self);

  socket = media_path_reply_socket (self);
  handle_datagram (self, m->data, m->len, m->from, socket);
  if (socket != NULL)
    g_object_unref (socket);
  return G_SOURCE_REMOVE;
}

/* Streaming thread, without the lock: MIKEY goes to the network thread,
 * RTP on, anything else nowhere (RFC 7983: what no protocol on the port
 * claims is dropped). */
static gboolean
gst_mikey_dec_filter_buffer (GstMikeyBase * base, GstBuffer * buf)
{
  GstMikeyDec *self = GST_MIKEY_DEC (base);
  MikeyPacketKind kind = gst_mikey_media_path_classify (buf);
  MediaPathMessage *m;
  gboolean queued = FALSE, warn_source = FALSE;
  guint overflow = 0;

  if (G_LIKELY (kind == MIKEY_PACKET_RTP))
    return FALSE;

  if (kind != MIKEY_PACKET_MIKEY) {
    gint n = g_atomic_int_add (&self->mp_other, 1) + 1;

    /* anyone can send these: a log line, never a bus message */
    if (n == 1 || n % 1000 == 0)
      GST_INFO_OBJECT (self, "dropped %d packets on the media path that are "
          "neither RTP nor MIKEY (this one: %s, %" G_GSIZE_FORMAT " bytes)",
          n, mikey_packet_kind_name (kind), gst_buffer_get_size (buf));
    gst_buffer_unref (buf);
    return TRUE;
  }

  m = g_new0 (MediaPathMessage, 1);
  m->self = self;
  gst_buffer_extract_dup (buf, 0, gst_buffer_get_size (buf),
      (gpointer *) & m->data, &m->len);
  m->from = gst_mikey_media_path_buffer_source (buf);
  gst_buffer_unref (buf);

  GST_MIKEY_BASE_LOCK (self);
  if (m->from == NULL && !self->mp_warned_source) {
    self->mp_warned_source = TRUE;
    warn_source = TRUE;
  }
  if (self->base.transport != NULL && self->mp_pending < MEDIA_PATH_MAX_PENDING) {
    self->mp_pending++;
    mikey_udp_thread_invoke (self->base.transport, on_media_path_message, m,
        media_path_message_free);
    queued = TRUE;
  } else {
    overflow = ++self->mp_overflow;
  }
  GST_MIKEY_BASE_UNLOCK (self);

  if (warn_source)
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("A MIKEY message arrived on the media path without its source "
            "address: it cannot be answered (set retrieve-sender-address=true "
            "on udpsrc)"), (NULL));
  if (!queued) {
    if (overflow == 1 || overflow % 1000 == 0)
      GST_INFO_OBJECT (self, "dropped %u MIKEY messages on the media path: "
          "more than %u waiting", overflow, MEDIA_PATH_MAX_PENDING);
    media_path_message_free (m);
  }
  return TRUE;
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
    gst_mikey_config_to_responder_config (&self->config, &cfg);
    cfg.replay = temp_cache;
    temp = mikey_responder_new (&cfg, &err);
    if (temp == NULL) {
      g_clear_error (&err);
    } else {
      resp = temp;
      GST_DEBUG_OBJECT (self, "key-mgmt accepted before, reusing it");
    }
  }

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
        "our counter-proposal for the offerer", self->config.description);
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
  mikey_secure_free (data, len);
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
  for (i = 0; i < self->base.params->len; i++) {
    const MikeySrtpParams *p = &g_array_index (self->base.params,
        MikeySrtpParams, i);

    if (!p->has_ssrc || (self->have_stream_ssrc &&
            p->ssrc == self->stream_ssrc))
      g_array_append_vals (sel, p, 1);
  }
  if (sel->len == 0) {
    const MikeySrtpParams *p = &g_array_index (self->base.params,
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

  gst_mikey_collect_key_buffers (s, self->base.key_buffers);
  return caps;
}

static gboolean
push_caps (GstMikeyDec * self, GstCaps * caps)
{
  gboolean ok;

  GST_DEBUG_OBJECT (self, "giving srtpdec the keys for SSRC %08x",
      self->stream_ssrc);
  ok = gst_pad_push_event (self->base.srcpad, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  if (!ok) {
    GST_ELEMENT_ERROR (self, STREAM, DECRYPT_NOKEY,
        ("srtpdec did not accept the MIKEY keys (is mikeydec directly "
            "upstream of srtpdec, and can this libsrtp run the suite?)"),
        (NULL));
  }
  return ok;
}

/* Releasing held packets, lock held: new keys go out in caps, for the SSRC
 * of the first packet they are for */
static gpointer
gst_mikey_dec_pending_keys (GstMikeyBase * base, GstMiniObject * last)
{
  GstMikeyDec *self = GST_MIKEY_DEC (base);
  GstBuffer *first;
  GstCaps *caps;
  guint32 ssrc;

  if (self->caps_gen == self->keys_gen)
    return NULL;

  first = gst_mikey_held_peek_buffer (&base->held);
  if (first == NULL && last != NULL && GST_IS_BUFFER (last))
    first = GST_BUFFER_CAST (last);
  if (first != NULL && srtp_ssrc (first, &ssrc)) {
    self->stream_ssrc = ssrc;
    self->have_stream_ssrc = TRUE;
  }
  caps = build_caps (self, self->upstream_caps);
  self->caps_gen = self->keys_gen;
  return caps;
}

static gboolean
gst_mikey_dec_give_keys (GstMikeyBase * base, gpointer keys, guint session)
{
  return push_caps (GST_MIKEY_DEC (base), keys);
}

static gboolean
gst_mikey_dec_keys_in_place (GstMikeyBase * base)
{
  GstMikeyDec *self = GST_MIKEY_DEC (base);

  return base->params != NULL && self->caps_gen == self->keys_gen;
}

static gboolean
gst_mikey_dec_handle_buffer (GstMikeyBase * base, GstBuffer * buf,
    GstFlowReturn * ret)
{
  GstMikeyDec *self = GST_MIKEY_DEC (base);
  GstBuffer *old = NULL;
  guint dropped = 0;

  if (base->params != NULL) {
    *ret = gst_mikey_base_release_held (base, GST_MINI_OBJECT_CAST (buf));
    return FALSE;
  }

  /* no key yet: hold */
  if (base->held.n_buffers >= base->max_held) {
    old = gst_mikey_held_pop_buffer (&base->held);
    if (old != NULL)
      dropped = ++self->dropped;
  }
  if (base->max_held > 0)
    gst_mikey_held_push (&base->held, GST_MINI_OBJECT_CAST (buf));
  else {
    dropped = ++self->dropped;
    old = buf;
  }
  GST_MIKEY_BASE_UNLOCK (self);

  if (old != NULL)
    gst_buffer_unref (old);
  if (dropped == 1)
    GST_ELEMENT_WARNING (self, STREAM, DECRYPT_NOKEY,
        ("SRTP packets arrive but no MIKEY key has been accepted yet; "
            "dropping the oldest beyond max-held-buffers (is the sender's "
            "mikeyenc pointed at this receiver?)"), (NULL));
  *ret = GST_FLOW_OK;
  return FALSE;
}

static gboolean
gst_mikey_dec_sink_event (GstMikeyBase * base, GstEvent * event)
{
  GstMikeyDec *self = GST_MIKEY_DEC (base);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps, *out = NULL;
      gboolean holding;

      gst_event_parse_caps (event, &caps);
      GST_MIKEY_BASE_LOCK (self);
      gst_caps_replace (&self->upstream_caps, caps);
      holding = !gst_mikey_held_is_empty (&base->held);
      if (base->params != NULL && self->caps_gen == self->keys_gen)
        out = build_caps (self, caps);
      GST_MIKEY_BASE_UNLOCK (self);
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
      GST_MIKEY_BASE_LOCK (self);
      if (base->params != NULL) {
        if (gst_mikey_base_release_held (base, NULL) != GST_FLOW_OK) {
          gst_event_unref (event);
          return FALSE;
        }
      } else {
        if (base->held.n_buffers > 0)
          GST_ELEMENT_WARNING (self, STREAM, DECRYPT_NOKEY,
              ("End of stream before any MIKEY key: %u SRTP packets were "
                  "never decrypted", base->held.n_buffers), (NULL));
        gst_mikey_held_clear (&base->held);
        GST_MIKEY_BASE_UNLOCK (self);
      }
      break;
    default:
      return GST_MIKEY_BASE_CLASS (parent_class)->sink_event (base, event);
  }
  return gst_pad_event_default (base->sinkpad, GST_OBJECT_CAST (self), event);
}

/* ------------------------------------------------------------------------
 * State changes
 * ---------------------------------------------------------------------- */

static gboolean
gst_mikey_dec_start (GstMikeyBase * base)
{
  GstMikeyDec *self = GST_MIKEY_DEC (base);
  GError *err = NULL;
  MikeyResponderConfig cfg = { 0, };
  Outcome o = { 0, };
  gchar *address = NULL;
  guint port = 0;
  MikeyUdpThread *transport;
  gboolean ok = TRUE, media_path;

  GST_MIKEY_BASE_LOCK (self);
  if (!gst_mikey_settings_resolve (&base->settings, TRUE, &self->config, &err)) {
    GST_MIKEY_BASE_UNLOCK (self);
    gst_mikey_base_post_settings_error (base, err);
    return FALSE;
  }
  gst_mikey_config_to_responder_config (&self->config, &cfg);
  cfg.replay = self->replay;
  self->responder = mikey_responder_new (&cfg, &err);
  if (self->responder == NULL) {
    GST_MIKEY_BASE_UNLOCK (self);
    gst_mikey_error_post (GST_ELEMENT (self), err,
        g_strdup_printf ("Could not set up the MIKEY responder: %s",
            err->message), NULL);
    g_clear_error (&err);
    return FALSE;
  }
  self->started = TRUE;

  if (self->key_mgmt != NULL && self->key_mgmt[0] != '\0') {
    ok = process_key_mgmt (self, &o);
    if (!ok)
      o.error_fatal = TRUE;
  } else if (self->port != 0) {
    address = g_strdup (self->address);
    port = self->port;
  } else if (!self->media_path) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("mikeydec has port=0 and no key-mgmt: no key can arrive until "
            "key-mgmt is set"), (NULL));
  }
  media_path = self->media_path;
  GST_MIKEY_BASE_UNLOCK (self);

  outcome_publish (self, &o);
  g_object_notify (G_OBJECT (self), "key-mgmt-response");
  if (!ok)
    return FALSE;
  if (port == 0 && media_path) {
    /* no socket of our own: a thread for the media path's messages and
     * the refusal summaries */
    transport = mikey_udp_thread_new_for_socket ("mikeydec", NULL, FALSE,
        NULL, self);
    GST_INFO_OBJECT (self, "MIKEY on the media path only");
    GST_MIKEY_BASE_LOCK (self);
    self->base.transport = transport;
    g_atomic_int_set (&self->base.filtering, 1);
    GST_MIKEY_BASE_UNLOCK (self);
    return TRUE;
  }
  if (port == 0)
    return TRUE;

  transport = mikey_udp_thread_new ("mikeydec", address, port,
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
  GST_INFO_OBJECT (self, "listening for MIKEY on %s:%u%s", address, port,
      media_path ? " and on the media path" : "");
  g_free (address);

  GST_MIKEY_BASE_LOCK (self);
  self->base.transport = transport;
  g_atomic_int_set (&self->base.filtering, media_path);
  GST_MIKEY_BASE_UNLOCK (self);
  return TRUE;
}

static void
gst_mikey_dec_stop (GstMikeyBase * base)
{
  GstMikeyDec *self = GST_MIKEY_DEC (base);

  g_clear_pointer (&self->responder, mikey_responder_free);
  gst_mikey_base_forget_keys (base);
  self->keys_gen = self->caps_gen = 0;
  self->have_refused_csb_id = FALSE;
  /* the network thread is gone: its timer with it */
  if (self->refusal_flush != NULL) {
    g_source_destroy (self->refusal_flush);
    g_clear_pointer (&self->refusal_flush, g_source_unref);
  }
  if (self->refusals.total > 0)
    GST_INFO_OBJECT (self, "%" G_GUINT64_FORMAT " MIKEY messages refused, %"
        G_GUINT64_FORMAT " answers not sent (rate limit)",
        self->refusals.total, self->replies.denied);
  gst_mikey_refusal_log_clear (&self->refusals);
  gst_mikey_reply_bucket_init (&self->replies, GST_MIKEY_REPLY_BURST,
      GST_MIKEY_REPLY_PER_SECOND);
  self->last_negotiation_post = 0;
  gst_mikey_config_clear (&self->config);
  self->started = FALSE;

  g_atomic_int_set (&base->filtering, 0);
  if (self->mp_overflow > 0 || g_atomic_int_get (&self->mp_other) > 0)
    GST_INFO_OBJECT (self, "media path: %u MIKEY messages dropped (too many "
        "waiting), %d packets neither RTP nor MIKEY dropped",
        self->mp_overflow, g_atomic_int_get (&self->mp_other));
  /* the network thread is gone, and the messages it had not handled */
  self->mp_pending = 0;
  self->mp_overflow = 0;
  g_atomic_int_set (&self->mp_other, 0);
  g_clear_object (&self->mp_socket);
  self->mp_warned_socket = self->mp_warned_source = FALSE;
}

static void
gst_mikey_dec_reset (GstMikeyBase * base)
{
  GstMikeyDec *self = GST_MIKEY_DEC (base);

  gst_clear_caps (&self->upstream_caps);
  self->have_stream_ssrc = FALSE;
  self->dropped = 0;
  g_clear_object (&self->mp_socket);
  /* srtpdec (downstream, already in READY) dropped its streams: the
   * keys go out in caps again on the next start */
  self->caps_gen = 0;
  g_atomic_int_set (&base->passthrough, 0);
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

  if (prop_id < GST_MIKEY_BASE_N_PROPS) {
    G_OBJECT_CLASS (parent_class)->set_property (object, prop_id, value, pspec);
    return;
  }

  GST_MIKEY_BASE_LOCK (self);

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
      mikey_secure_free_string (self->key_mgmt);
      self->key_mgmt = g_value_dup_string (value);
      if (self->started && self->key_mgmt != NULL && self->key_mgmt[0] != '\0') {
        /* a new message while running: re-key. The application's own
         * input, not a datagram from anyone: a refusal is an error */
        if (!process_key_mgmt (self, &o))
          o.error_fatal = TRUE;
        processed = TRUE;
      }
      break;
    case PROP_ERROR_ON_REFUSAL:
      self->error_on_refusal = g_value_get_boolean (value);
      break;
    case PROP_MEDIA_PATH:
      self->media_path = g_value_get_boolean (value);
      break;
    case PROP_TIMESTAMP_WINDOW:
      self->timestamp_window = g_value_get_uint (value);
      /* the responder shares this cache: effective for the next message */
      mikey_replay_cache_set_skew (self->replay,
          (gint64) self->timestamp_window * G_USEC_PER_SEC);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_MIKEY_BASE_UNLOCK (self);

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

  if (prop_id < GST_MIKEY_BASE_N_PROPS) {
    G_OBJECT_CLASS (parent_class)->get_property (object, prop_id, value, pspec);
    return;
  }

  GST_MIKEY_BASE_LOCK (self);

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
    case PROP_ERROR_ON_REFUSAL:
      g_value_set_boolean (value, self->error_on_refusal);
      break;
    case PROP_TIMESTAMP_WINDOW:
      g_value_set_uint (value, self->timestamp_window);
      break;
    case PROP_MEDIA_PATH:
      g_value_set_boolean (value, self->media_path);
      break;
    case PROP_SRTP_CAPS:
      g_value_set_boxed (value, self->base.srtp_caps);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_MIKEY_BASE_UNLOCK (self);
}

static void
gst_mikey_dec_finalize (GObject * object)
{
  GstMikeyDec *self = GST_MIKEY_DEC (object);

  gst_mikey_base_stop (GST_MIKEY_BASE (self));
  gst_clear_caps (&self->upstream_caps);
  mikey_replay_cache_free (self->replay);
  gst_mikey_refusal_log_clear (&self->refusals);
  mikey_secure_free_string (self->key_mgmt);
  g_free (self->key_mgmt_response);
  g_free (self->address);
  OPENSSL_cleanse (self->key_mgmt_digest, sizeof (self->key_mgmt_digest));

  G_OBJECT_CLASS (parent_class)->finalize (object);
}
