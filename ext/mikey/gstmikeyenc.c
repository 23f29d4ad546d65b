/* GStreamer MIKEY plugin: mikeyenc, the sender side (MIKEY initiator).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-mikeyenc
 * @title: mikeyenc
 * @see_also: mikeydec, srtpenc
 *
 * mikeyenc sits on the RTP path directly upstream of the stock srtpenc and
 * passes RTP through untouched. It runs a MIKEY (RFC 3830) key exchange
 * with a mikeydec on the receiving side and puts the negotiated master key,
 * salt, MKI and ciphers into the downstream srtpenc itself (also through
 * queues and other elements in between).
 *
 * With peer-address set (and peer-port not 0) the exchange runs over UDP:
 * the initiation message is sent to peer-address:peer-port and resent with
 * a doubling interval until the verification message comes back or
 * "timeout" passes, which ends in an element error. Without a peer
 * (or with peer-port=0), no exchange runs: the initiation message is
 * available as the "key-mgmt" property (RFC 4567 "mikey <base64>", for an
 * SDP a=key-mgmt attribute or an RTSP KeyMgmt header) and its keys are
 * live as soon as it is built: by the "build-key-mgmt" action signal (to
 * write an SDP offer before streaming) or else with the first packet.
 * Reading "key-mgmt" builds nothing.
 *
 * The key management method is "mode" (psk, pke, dh, dhhmac, null; see
 * docs/elements.md for what each needs: psk / psk-file, cert, key,
 * peer-cert, ca-file). With "modes" and "suites" lists (best first) the
 * receiver and the sender agree on the best method and crypto suite they
 * share (one extra round trip at most, docs/negotiation.md); a receiver
 * that does not negotiate makes the sender fall back to its next choice.
 *
 * RTP packets that arrive before the key is set are held (at most
 * max-held-buffers) and sent in order once srtpenc has the key; when that
 * many are held, the streaming thread waits. No packet reaches srtpenc
 * before its key is in place, and none is dropped.
 *
 * ## Example pipeline
 * |[
 * gst-launch-1.0 audiotestsrc ! audio/x-raw,format=S16BE,rate=8000,channels=1 !
 *     rtpL16pay ! mikeyenc mode=psk psk-file=psk.hex peer-address=127.0.0.1 !
 *     srtpenc ! udpsink host=127.0.0.1 port=5004
 * ]|
 * Signed Diffie-Hellman, the receiver's certificate checked against a CA:
 * |[
 * gst-launch-1.0 audiotestsrc ! audio/x-raw,format=S16BE,rate=8000,channels=1 !
 *     rtpL16pay ! mikeyenc mode=dh cert=alice.pem key=alice-key.pem
 *     ca-file=root-ca.pem id=sip:alice@example.org peer-id=sip:bob@example.org
 *     peer-address=127.0.0.1 ! srtpenc ! udpsink host=127.0.0.1 port=5004
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmikeyenc.h"
#include "gstmikeysrtpparams.h"
#include "gstmikeyerrors.h"
#include "gstmikeymessages.h"
#include "gstmikeymediapath.h"

#include <string.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

GST_DEBUG_CATEGORY_STATIC (gst_mikey_enc_debug);
#define GST_CAT_DEFAULT gst_mikey_enc_debug

#define DEFAULT_PEER_ADDRESS NULL
#define DEFAULT_PEER_PORT GST_MIKEY_DEFAULT_PORT
#define DEFAULT_TIMEOUT_MS (MIKEY_TIMEOUT_DEFAULT_US / 1000)
#define DEFAULT_RETRANSMIT_MS (MIKEY_RETRANSMIT_INITIAL_DEFAULT_US / 1000)
#define MAX_WALK_DEPTH 64
#define DEFAULT_MEDIA_PATH FALSE

/* max-held-buffers and the shared properties (mode, psk, ...) are the
 * base class's */
enum
{
  PROP_PEER_ADDRESS = GST_MIKEY_BASE_N_PROPS,
  PROP_PEER_PORT,
  PROP_TIMEOUT,
  PROP_RETRANSMIT_INTERVAL,
  PROP_KEY_MGMT,
  PROP_SRTP_CAPS,
  PROP_KEY_DATA,
  PROP_MEDIA_PATH,
};

static GParamSpec *pspec_key_mgmt;

/**
 * GstMikeyKeyData:
 * @GST_MIKEY_KEY_DATA_TGK: a TEK Generation Key; the SRTP master key and
 *   salt are derived from it per crypto session (RFC 3830 4.1.3)
 * @GST_MIKEY_KEY_DATA_TEK: the SRTP master key and salt themselves, as
 *   GStreamer's gst_mikey_message_to_caps() (rtspsrc) and live555 read them
 *
 * What the KEMAC of mikeyenc's initiation message carries.
 */
typedef enum
{
  GST_MIKEY_KEY_DATA_TGK,
  GST_MIKEY_KEY_DATA_TEK,
} GstMikeyKeyData;

#define GST_TYPE_MIKEY_KEY_DATA (gst_mikey_key_data_get_type ())
static GType gst_mikey_key_data_get_type (void);

static GType
gst_mikey_key_data_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MIKEY_KEY_DATA_TGK, "TGK: keys derived per crypto session (RFC 3830)",
        "tgk"},
    {GST_MIKEY_KEY_DATA_TEK, "TEK: the SRTP master key and salt (what "
          "GStreamer's rtspsrc and live555 understand)", "tek"},
    {0, NULL, NULL}
  };

  return gst_mikey_enum_register (&type, "GstMikeyKeyData", values);
}

typedef enum
{
  ENC_IDLE,                     /* no exchange yet (SSRC not known) */
  ENC_EXCHANGING,               /* initiation sent, waiting for the answer */
  ENC_KEYED,                    /* keys known */
  ENC_FAILED,                   /* error posted */
} EncState;

struct _GstMikeyEnc
{
  GstMikeyBase base;

  /* properties */
  gchar *peer_address;
  guint peer_port;
  guint timeout_ms;
  guint retransmit_ms;
  GstMikeyKeyData key_data;
  gboolean media_path;

  /* from NULL to READY on (or when build-key-mgmt is emitted) */
  gboolean resolved;
  GstMikeyConfig config;
  gboolean udp;
  GSocketAddress *peer;
  gchar *peer_str;
  /* media path: the socket lent to udpsink (from start to stop) */
  GstMikeyLentSocket lent;

  /* the exchange (base.session: bumped on stop, late callbacks ignore) */
  EncState state;
  MikeyInitiator *initiator;
  GBytes *init_msg;
  gboolean have_ssrc;
  guint32 ssrc;
  /* the initiator's clock: Unix time that moves with the monotonic clock
   * (its deadlines must not jump with the wall clock; its timestamps must
   * be Unix time) */
  gint64 clock_offset_us;
  guint n_sent;
  gboolean renegotiated;        /* a counter-proposal or fallback was taken */
  GSource *timer;               /* armed for the initiator's deadline */
  gboolean need_configure;      /* srtpenc not given the keys yet */
};

#define gst_mikey_enc_parent_class parent_class
G_DEFINE_TYPE (GstMikeyEnc, gst_mikey_enc, GST_TYPE_MIKEY_BASE);
GST_ELEMENT_REGISTER_DEFINE (mikeyenc, "mikeyenc", GST_RANK_NONE,
    GST_TYPE_MIKEY_ENC);

static void gst_mikey_enc_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_mikey_enc_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_mikey_enc_finalize (GObject * object);
static gboolean gst_mikey_enc_start (GstMikeyBase * base);
static void gst_mikey_enc_stop (GstMikeyBase * base);
static void gst_mikey_enc_reset (GstMikeyBase * base);
static gboolean gst_mikey_enc_handle_buffer (GstMikeyBase * base,
    GstBuffer * buf, GstFlowReturn * ret);
static gboolean gst_mikey_enc_sink_event (GstMikeyBase * base,
    GstEvent * event);
static gpointer gst_mikey_enc_pending_keys (GstMikeyBase * base,
    GstMiniObject * last);
static gboolean gst_mikey_enc_give_keys (GstMikeyBase * base, gpointer keys,
    guint session);
static gboolean gst_mikey_enc_keys_in_place (GstMikeyBase * base);
static void on_src_linked (GstPad * pad, GstPad * peer, GstMikeyEnc * self);
static gchar *gst_mikey_enc_build_key_mgmt (GstMikeyEnc * self);

static void
gst_mikey_enc_class_init (GstMikeyEncClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstMikeyBaseClass *base_class = GST_MIKEY_BASE_CLASS (klass);

  gobject_class->set_property = gst_mikey_enc_set_property;
  gobject_class->get_property = gst_mikey_enc_get_property;
  gobject_class->finalize = gst_mikey_enc_finalize;

  base_class->start = GST_DEBUG_FUNCPTR (gst_mikey_enc_start);
  base_class->stop = GST_DEBUG_FUNCPTR (gst_mikey_enc_stop);
  base_class->reset = GST_DEBUG_FUNCPTR (gst_mikey_enc_reset);
  base_class->handle_buffer = GST_DEBUG_FUNCPTR (gst_mikey_enc_handle_buffer);
  base_class->sink_event = GST_DEBUG_FUNCPTR (gst_mikey_enc_sink_event);
  base_class->pending_keys = GST_DEBUG_FUNCPTR (gst_mikey_enc_pending_keys);
  base_class->give_keys = GST_DEBUG_FUNCPTR (gst_mikey_enc_give_keys);
  base_class->keys_in_place = GST_DEBUG_FUNCPTR (gst_mikey_enc_keys_in_place);

  g_object_class_install_property (gobject_class, PROP_PEER_ADDRESS,
      g_param_spec_string ("peer-address", "Peer address",
          "Address (IP or host name) of the receiver's mikeydec to run the "
          "MIKEY exchange with over UDP. Unset: no exchange, the keys are "
          "given out through key-mgmt (SDP / RTSP)", DEFAULT_PEER_ADDRESS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_PEER_PORT,
      g_param_spec_uint ("peer-port", "Peer port",
          "UDP port of the receiver's mikeydec (2269 is MIKEY's IANA port). "
          "0: no exchange, the keys are given out through key-mgmt",
          0, 65535, DEFAULT_PEER_PORT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_TIMEOUT,
      g_param_spec_uint ("timeout", "Timeout",
          "Milliseconds to wait for the receiver's answer (retransmitting) "
          "before failing with an element error", 100, G_MAXINT,
          DEFAULT_TIMEOUT_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_RETRANSMIT_INTERVAL,
      g_param_spec_uint ("retransmit-interval", "Retransmit interval",
          "Milliseconds before the first retransmission of the initiation "
          "message; the interval doubles after each one, up to 2 s",
          10, 60000, DEFAULT_RETRANSMIT_MS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_KEY_MGMT,
      pspec_key_mgmt = g_param_spec_string ("key-mgmt",
          "Key management attribute",
          "The MIKEY initiation message as an RFC 4567 value (\"mikey "
          "<base64>\") for an SDP a=key-mgmt attribute or an RTSP KeyMgmt "
          "header. Reading it has no side effect: NULL until the message is "
          "built. Without a peer it is built by the build-key-mgmt action "
          "signal (before streaming, for an SDP offer) or else with the "
          "first packet, and its keys are live from then on; with a peer it "
          "is the message sent over UDP. Notified when the keys are "
          "established (gst-launch-1.0 -v prints it). In mode=null it holds "
          "the key in the clear",
          NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_property (gobject_class, PROP_SRTP_CAPS,
      g_param_spec_boxed ("srtp-caps", "SRTP caps",
          "The negotiated SRTP parameters as application/x-srtp caps (ssrc, "
          "roc, srtp-key, mki, srtp-cipher, srtp-auth, srtcp-cipher, "
          "srtcp-auth), NULL before the keys are known. Holds key bytes: "
          "for applications that configure SRTP themselves. Not notified; "
          "the key buffers are wiped when the element stops",
          GST_TYPE_CAPS, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  g_object_class_install_property (gobject_class, PROP_KEY_DATA,
      g_param_spec_enum ("key-data", "Key data",
          "What the initiation message carries: a TGK (SRTP keys derived from "
          "it, RFC 3830) or the SRTP master key and salt as a TEK (for "
          "receivers that only read a TEK: GStreamer's rtspsrc, live555)",
          GST_TYPE_MIKEY_KEY_DATA, GST_MIKEY_KEY_DATA_TGK,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_MEDIA_PATH,
      g_param_spec_boolean ("media-path", "MIKEY on the media path",
          "true: MIKEY shares the RTP port (for a receiver with mikeydec "
          "media-path=true, where only that port is open): the exchange runs "
          "with the receiver's RTP address and port, those of the udpsink "
          "downstream, from the socket udpsink sends RTP from (shared with "
          "udpsink), and the answers are read there. Without a udpsink downstream, "
          "peer-address and peer-port must name the receiver's RTP port. "
          "false: MIKEY over UDP to peer-address:peer-port, or SDP",
          DEFAULT_MEDIA_PATH,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  gst_mikey_base_class_install_properties (base_class, FALSE,
      "RTP packets held while the key exchange runs; when that many are "
      "held the streaming thread waits for the key (nothing is dropped)");

  /**
   * GstMikeyEnc::build-key-mgmt:
   * @mikeyenc: the element
   *
   * Action signal for SDP / RTSP use (no peer-address): builds the MIKEY
   * initiation message now, in any state, unless it exists already (built
   * by an earlier emission or with the first packet), makes its keys live
   * (key-established, the mikey-key-established message, key-mgmt
   * notified) and returns key-mgmt. Built before the first packet, the
   * message has an empty crypto session map (no SSRC). The value stays
   * until the element goes to NULL. With a peer it builds nothing and
   * returns key-mgmt as it is (NULL before the exchange starts).
   *
   * Returns: (transfer full) (nullable): "mikey <base64>", or NULL when
   * the settings do not allow a message (see the debug log)
   */
  g_signal_new_class_handler ("build-key-mgmt", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_mikey_enc_build_key_mgmt), NULL, NULL, NULL,
      G_TYPE_STRING, 0);

  /**
   * GstMikeyEnc::key-established:
   * @mikeyenc: the element
   * @caps: the SRTP parameters (as the srtp-caps property)
   *
   * Emitted once the keys are known, before any held packet is released
   * and before the downstream srtpenc is configured, from the element's
   * network thread (or the thread that emitted build-key-mgmt / pushed the
   * first packet). Applications that wire SRTP themselves can set their
   * srtpenc here.
   */
  gst_mikey_base_class_add_key_established_signal (base_class);

  gst_mikey_base_class_add_pad_templates (base_class, "application/x-rtp");
  gst_element_class_set_static_metadata (element_class,
      "MIKEY key exchange for srtpenc", "Filter/Network/SRTP",
      "Runs a MIKEY (RFC 3830) key exchange as initiator and configures the "
      "downstream srtpenc with the negotiated keys", "gst-mikey maintainers");

  gst_type_mark_as_plugin_api (GST_TYPE_MIKEY_KEY_DATA, 0);
  GST_DEBUG_CATEGORY_INIT (gst_mikey_enc_debug, "mikeyenc", 0,
      "MIKEY initiator for srtpenc");
}

static void
gst_mikey_enc_init (GstMikeyEnc * self)
{
  g_signal_connect (self->base.srcpad, "linked", G_CALLBACK (on_src_linked),
      self);

  self->peer_address = g_strdup (DEFAULT_PEER_ADDRESS);
  self->peer_port = DEFAULT_PEER_PORT;
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
  self->retransmit_ms = DEFAULT_RETRANSMIT_MS;
  self->media_path = DEFAULT_MEDIA_PATH;
  self->state = ENC_IDLE;
}

/* ------------------------------------------------------------------------
 * Helpers, called with the lock held unless said otherwise
 * ---------------------------------------------------------------------- */

static void
stop_timer (GstMikeyEnc * self)
{
  if (self->timer != NULL) {
    g_source_destroy (self->timer);
    g_source_unref (self->timer);
    self->timer = NULL;
  }
}

/* Forgets the exchange and its keys (not the pre-shared key). */
static void
reset_exchange (GstMikeyEnc * self)
{
  gst_mikey_base_forget_keys (GST_MIKEY_BASE (self));
  stop_timer (self);
  g_clear_pointer (&self->initiator, mikey_initiator_free);
  g_clear_pointer (&self->init_msg, g_bytes_unref);
  self->state = ENC_IDLE;
  self->have_ssrc = FALSE;
  self->need_configure = FALSE;
  self->n_sent = 0;
  self->renegotiated = FALSE;
  GST_MIKEY_BASE_BROADCAST (self);
}

/* What the settings cannot do together with the rest of the element's
 * configuration. Lock held. */
static gboolean
check_combination (GstMikeyEnc * self, GError ** error)
{
  const GstMikeyConfig *sec = &self->config;
  gboolean dh = gst_mikey_config_has_mode (sec, MIKEY_MODE_DH) ||
      gst_mikey_config_has_mode (sec, MIKEY_MODE_DHHMAC);

  if (!self->udp && (sec->n_modes > 1 || sec->n_suites > 1)) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "modes and suites lists are negotiated in the UDP exchange: set "
        "peer-address, or (for SDP / key-mgmt) a single mode and suite");
    return FALSE;
  }
  if (!self->udp && dh) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "mode %s needs the receiver's answer: set peer-address (in SDP / "
        "key-mgmt use mode psk, pke or null)",
        gst_mikey_config_has_mode (sec, MIKEY_MODE_DH) ? "dh" : "dhhmac");
    return FALSE;
  }
  if (self->key_data == GST_MIKEY_KEY_DATA_TEK && (dh || sec->n_suites > 1)) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "key-data=tek sends one SRTP master key: use it with a single suite "
        "and modes null, psk or pke (dh and dhhmac derive the keys)");
    return FALSE;
  }
  return TRUE;
}

static gboolean
ensure_resolved (GstMikeyEnc * self, GError ** error)
{
  if (self->resolved)
    return TRUE;
  if (!gst_mikey_settings_resolve (&self->base.settings, FALSE, &self->config,
          error))
    return FALSE;
  /* the media path is an exchange over UDP, to udpsink's destination */
  self->udp = self->media_path || (self->peer_address != NULL &&
      self->peer_address[0] != '\0' && self->peer_port != 0);
  if (!check_combination (self, error)) {
    gst_mikey_config_clear (&self->config);
    return FALSE;
  }
  self->resolved = TRUE;
  return TRUE;
}

static void
unresolve (GstMikeyEnc * self)
{
  gst_mikey_config_clear (&self->config);
  self->resolved = FALSE;
}

static gboolean
is_srtpenc (GstElement * element)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  if (factory != NULL &&
      g_strcmp0 (gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory)),
          "srtpenc") == 0)
    return TRUE;
  return g_strcmp0 (G_OBJECT_TYPE_NAME (element), "GstSrtpEnc") == 0;
}

/* ------------------------------------------------------------------------
 * Finding the srtpenc: walk downstream from our source pad through queues,
 * bins and other elements. Pads not linked yet are watched so that a
 * srtpenc linked later is found as soon as it is linked.
 * ---------------------------------------------------------------------- */

static void walk_from_srcpad (GstMikeyEnc * self, GstPad * srcpad,
    GPtrArray * found, gboolean watch, guint depth);

static void on_downstream_linked (GstPad * pad, GstPad * peer,
    GstMikeyEnc * self);

static void
walk_from_sinkpad (GstMikeyEnc * self, GstPad * sinkpad, GPtrArray * found,
    gboolean watch, guint depth)
{
  GstElement *element;
  GstIterator *it;
  GValue item = G_VALUE_INIT;
  gboolean done = FALSE;

  if (depth > MAX_WALK_DEPTH)
    return;

  if (GST_IS_GHOST_PAD (sinkpad)) {
    /* entering a bin */
    GstPad *target = gst_ghost_pad_get_target (GST_GHOST_PAD (sinkpad));

    if (target != NULL) {
      walk_from_sinkpad (self, target, found, watch, depth + 1);
      gst_object_unref (target);
    }
    return;
  }
  if (GST_IS_PROXY_PAD (sinkpad)) {
    /* the inside of a ghost source pad: leaving a bin */
    GstProxyPad *ghost = gst_proxy_pad_get_internal (GST_PROXY_PAD (sinkpad));

    if (ghost != NULL) {
      walk_from_srcpad (self, GST_PAD (ghost), found, watch, depth + 1);
      gst_object_unref (ghost);
    }
    return;
  }

  element = gst_pad_get_parent_element (sinkpad);
  if (element == NULL)
    return;

  if (is_srtpenc (element)) {
    g_ptr_array_add (found, element);
    return;
  }

  it = gst_pad_iterate_internal_links (sinkpad);
  while (it != NULL && !done) {
    switch (gst_iterator_next (it, &item)) {
      case GST_ITERATOR_OK:
        walk_from_srcpad (self, g_value_get_object (&item), found, watch,
            depth + 1);
        g_value_reset (&item);
        break;
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync (it);
        break;
      default:
        done = TRUE;
        break;
    }
  }
  g_value_unset (&item);
  if (it != NULL)
    gst_iterator_free (it);
  gst_object_unref (element);
}

static void
walk_from_srcpad (GstMikeyEnc * self, GstPad * srcpad, GPtrArray * found,
    gboolean watch, guint depth)
{
  GstPad *peer;

  if (depth > MAX_WALK_DEPTH)
    return;

  peer = gst_pad_get_peer (srcpad);
  if (peer != NULL) {
    walk_from_sinkpad (self, peer, found, watch, depth + 1);
    gst_object_unref (peer);
  } else if (watch && srcpad != self->base.srcpad &&
      g_signal_handler_find (srcpad, G_SIGNAL_MATCH_FUNC | G_SIGNAL_MATCH_DATA,
          0, 0, NULL, on_downstream_linked, self) == 0) {
    GST_DEBUG_OBJECT (self, "watching %s:%s for a link towards srtpenc",
        GST_DEBUG_PAD_NAME (srcpad));
    g_signal_connect_object (srcpad, "linked",
        G_CALLBACK (on_downstream_linked), self, 0);
  }
}

/* The srtpenc elements downstream (new references). */
static GPtrArray *
find_srtpencs (GstMikeyEnc * self, gboolean watch)
{
  GPtrArray *found = g_ptr_array_new_with_free_func (gst_object_unref);

  walk_from_srcpad (self, self->base.srcpad, found, watch, 0);
  return found;
}

/* srtpenc refuses to leave NULL without a key. Until the exchange is done
 * it gets a random placeholder key (of the suite's size) that never
 * protects a packet: mikeyenc holds every packet until the real key is
 * set. Not called with the lock held. */
static void
ensure_placeholder_key (GstMikeyEnc * self, GstElement * srtpenc)
{
  GstBuffer *key = NULL;
  const MikeySuiteInfo *suite;
  MikeySrtpParams p;

  g_object_get (srtpenc, "key", &key, NULL);
  if (key != NULL) {
    gst_buffer_unref (key);
    return;
  }

  GST_MIKEY_BASE_LOCK (self);
  suite = self->resolved ? self->config.suite : NULL;
  if (suite == NULL)
    suite = mikey_suite_lookup (self->base.settings.suite);
  GST_MIKEY_BASE_UNLOCK (self);
  if (suite == NULL || !suite->engine_supported)
    suite = mikey_suite_lookup (GST_MIKEY_DEFAULT_SUITE);
  if (suite == NULL)
    return;

  memset (&p, 0, sizeof (p));
  p.suite = suite;
  p.rtp_enc = p.rtcp_enc = p.rtp_auth = TRUE;
  p.key_len = suite->key_len;
  p.salt_len = suite->salt_len;
  if (RAND_bytes (p.key, (int) p.key_len) != 1 ||
      RAND_bytes (p.salt, (int) p.salt_len) != 1) {
    mikey_srtp_params_clear (&p);
    return;
  }
  GST_DEBUG_OBJECT (self, "giving %s a placeholder key until the exchange "
      "completes", GST_OBJECT_NAME (srtpenc));
  gst_mikey_srtp_params_configure_srtpenc (&p, srtpenc);
  mikey_srtp_params_clear (&p);
}

static void
placeholders_from (GstMikeyEnc * self, GstPad * sinkpad)
{
  GPtrArray *found = g_ptr_array_new_with_free_func (gst_object_unref);
  guint i;

  walk_from_sinkpad (self, sinkpad, found, TRUE, 0);
  for (i = 0; i < found->len; i++)
    ensure_placeholder_key (self, g_ptr_array_index (found, i));
  g_ptr_array_unref (found);
}

static void
on_src_linked (GstPad * pad, GstPad * peer, GstMikeyEnc * self)
{
  placeholders_from (self, peer);
}

static void
on_downstream_linked (GstPad * pad, GstPad * peer, GstMikeyEnc * self)
{
  /* only if this pad is still on our path */
  GPtrArray *found = find_srtpencs (self, TRUE);
  guint i;

  for (i = 0; i < found->len; i++)
    ensure_placeholder_key (self, g_ptr_array_index (found, i));
  g_ptr_array_unref (found);
}

/* Gives every srtpenc downstream the negotiated keys. Streaming thread,
 * without the lock. FALSE when there is none. */
static gboolean
configure_srtpencs (GstMikeyEnc * self, GArray * params)
{
  GPtrArray *found = find_srtpencs (self, FALSE);
  const MikeySrtpParams *p = &g_array_index (params, MikeySrtpParams, 0);
  guint i;

  for (i = 0; i < found->len; i++) {
    GstElement *srtpenc = g_ptr_array_index (found, i);
    GstBuffer *key = NULL;

    gst_mikey_srtp_params_configure_srtpenc (p, srtpenc);
    g_object_get (srtpenc, "key", &key, NULL);
    if (key != NULL) {
      GST_MIKEY_BASE_LOCK (self);
      g_ptr_array_add (self->base.key_buffers, key);
      GST_MIKEY_BASE_UNLOCK (self);
    }
    GST_INFO_OBJECT (self, "configured %s (%s%s)", GST_OBJECT_NAME (srtpenc),
        p->suite ? p->suite->name : "?", p->mki_len ? ", with MKI" : "");
  }
  i = found->len;
  g_ptr_array_unref (found);
  return i > 0;
}

/* ------------------------------------------------------------------------
 * The exchange
 * ---------------------------------------------------------------------- */

static void
post_failure (GstMikeyEnc * self, guint session, GQuark domain, gint code,
    gchar * text, gchar * debug)
{
  gboolean current;

  GST_MIKEY_BASE_LOCK (self);
  current = (session == self->base.session);
  if (current)
    stop_timer (self);
  GST_MIKEY_BASE_UNLOCK (self);

  if (!current) {
    g_free (text);
    g_free (debug);
    return;
  }

  /* our error first: the streaming thread, once it sees the failure,
   * stops with a generic flow error that must not come before it */
  gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR,
      domain, code, text, debug, __FILE__, GST_FUNCTION, __LINE__);

  GST_MIKEY_BASE_LOCK (self);
  if (session == self->base.session) {
    self->state = ENC_FAILED;
    GST_MIKEY_BASE_BROADCAST (self);
  }
  GST_MIKEY_BASE_UNLOCK (self);
}

/* The keys are known: publish them. Called without the lock. */
static void
on_keyed (GstMikeyEnc * self, guint session)
{
  GArray *params;
  GstCaps *caps;
  GstStructure *s;
  guint32 csb_id, ssrc;
  gboolean have_ssrc;
  MikeyMode mode;
  const MikeySuiteInfo *suite;
  gchar *peer;

  GST_MIKEY_BASE_LOCK (self);
  if (session != self->base.session || self->initiator == NULL) {
    GST_MIKEY_BASE_UNLOCK (self);
    return;
  }
  params = mikey_initiator_get_srtp_params (self->initiator);
  if (params == NULL || params->len == 0) {
    GST_MIKEY_BASE_UNLOCK (self);
    post_failure (self, session, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
        g_strdup ("MIKEY exchange completed without SRTP parameters"), NULL);
    return;
  }
  params = gst_mikey_srtp_params_array_dup (params);
  caps = gst_mikey_srtp_params_to_caps (&g_array_index (params,
          MikeySrtpParams, 0));
  s = gst_caps_get_structure (caps, 0);
  if (!gst_structure_has_field (s, "ssrc") && self->have_ssrc)
    gst_structure_set (s, "ssrc", G_TYPE_UINT, self->ssrc, NULL);
  csb_id = mikey_initiator_get_csb_id (self->initiator);
  suite = mikey_initiator_get_suite (self->initiator);
  mode = mikey_initiator_get_mode (self->initiator);
  /* the negotiated method and suite, for key-established handlers */
  gst_structure_set (s, "mikey-mode", G_TYPE_STRING, mikey_mode_name (mode),
      NULL);
  if (suite != NULL)
    gst_structure_set (s, "mikey-suite", G_TYPE_STRING, suite->name, NULL);
  g_clear_pointer (&self->base.params, g_array_unref);
  self->base.params = g_array_ref (params);
  gst_caps_replace (&self->base.srtp_caps, caps);
  g_atomic_int_set (&self->base.passthrough, 0);
  self->need_configure = TRUE;
  have_ssrc = self->have_ssrc;
  ssrc = self->ssrc;
  peer = self->udp ? g_strdup (self->peer_str) : NULL;
  GST_MIKEY_BASE_UNLOCK (self);

  GST_INFO_OBJECT (self, "keys established: mode %s, suite %s, CSB ID "
      "%08x%s%s", mikey_mode_name (mode), suite ? suite->name : "?", csb_id,
      peer ? " with " : "", peer ? peer : "");

  gst_mikey_base_emit_key_established (GST_MIKEY_BASE (self), caps);
  g_object_notify_by_pspec (G_OBJECT (self), pspec_key_mgmt);
  gst_element_post_message (GST_ELEMENT (self),
      gst_mikey_bus_key_established_new (GST_ELEMENT (self), mode, suite,
          csb_id, params, have_ssrc, ssrc, peer));
  gst_caps_unref (caps);
  g_array_unref (params);
  g_free (peer);

  GST_MIKEY_BASE_LOCK (self);
  if (session == self->base.session && self->state != ENC_FAILED) {
    self->state = ENC_KEYED;
    GST_MIKEY_BASE_BROADCAST (self);
  }
  GST_MIKEY_BASE_UNLOCK (self);
}

static gboolean on_timer (gpointer data);

/* "now" for the initiator. Lock held. */
static gint64
initiator_now (GstMikeyEnc * self)
{
  return g_get_monotonic_time () + self->clock_offset_us;
}

static void
send_init (GstMikeyEnc * self, GBytes * msg)
{
  GError *err = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (msg, &len);

  self->n_sent++;
  if (!mikey_udp_thread_send (self->base.transport, self->peer, data, len,
          &err)) {
    GST_WARNING_OBJECT (self, "could not send the MIKEY message to %s: %s",
        self->peer_str, err ? err->message : "short write");
    g_clear_error (&err);
  } else if (self->n_sent == 1) {
    GST_INFO_OBJECT (self, "sent MIKEY initiation (%" G_GSIZE_FORMAT
        " bytes) to %s", len, self->peer_str);
  } else {
    GST_DEBUG_OBJECT (self, "retransmission %u to %s", self->n_sent - 1,
        self->peer_str);
  }
}

/* Arms the one timer for the initiator's next deadline (none: no timer).
 * The schedule itself is the core's. Lock held. */
static void
schedule_timer (GstMikeyEnc * self)
{
  gint64 deadline = mikey_initiator_get_deadline (self->initiator);
  gint64 wait_us;

  stop_timer (self);
  if (deadline == MIKEY_NO_DEADLINE)
    return;
  wait_us = MAX (deadline - initiator_now (self), 0);
  /* rounded up: a wake-up before the deadline would find nothing due */
  self->timer = mikey_udp_thread_add_timeout (self->base.transport,
      (guint) MIN ((wait_us + 999) / 1000, G_MAXUINT), on_timer, self, NULL);
}

/* transport thread */
static gboolean
on_first_send (gpointer data)
{
  GstMikeyEnc *self = data;

  GST_MIKEY_BASE_LOCK (self);
  if ((self->state == ENC_EXCHANGING || self->state == ENC_KEYED) &&
      self->init_msg != NULL && self->n_sent == 0) {
    send_init (self, self->init_msg);
    schedule_timer (self);
  }
  GST_MIKEY_BASE_UNLOCK (self);
  return G_SOURCE_REMOVE;
}

/* transport thread */
static gboolean
on_timer (gpointer data)
{
  GstMikeyEnc *self = data;
  GBytes *resend = NULL;
  GError *err = NULL;
  guint session;
  gchar *text, *debug, secs[G_ASCII_DTOSTR_BUF_SIZE];

  GST_MIKEY_BASE_LOCK (self);
  if (self->timer == NULL || self->initiator == NULL) {
    GST_MIKEY_BASE_UNLOCK (self);
    return G_SOURCE_REMOVE;
  }
  g_source_unref (self->timer);
  self->timer = NULL;

  switch (mikey_initiator_handle_expiry (self->initiator,
          initiator_now (self), &resend, &err)) {
    case MIKEY_STEP_SEND:
      send_init (self, resend);
      g_bytes_unref (resend);
      schedule_timer (self);
      GST_MIKEY_BASE_UNLOCK (self);
      return G_SOURCE_REMOVE;
    case MIKEY_STEP_FAILED:
      break;
    default:
      /* nothing due yet, or nothing left to do */
      schedule_timer (self);
      GST_MIKEY_BASE_UNLOCK (self);
      return G_SOURCE_REMOVE;
  }

  session = self->base.session;
  if (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_TIMEOUT) &&
      self->media_path) {
    g_ascii_formatd (secs, sizeof (secs), "%g", self->timeout_ms / 1000.0);
    text = g_strdup_printf ("No MIKEY answer from %s after %s s: is the "
        "receiver running with mikeydec media-path=true after the udpsrc "
        "of that port?", self->peer_str, secs);
  } else if (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_TIMEOUT)) {
    g_ascii_formatd (secs, sizeof (secs), "%g", self->timeout_ms / 1000.0);
    text = g_strdup_printf ("No MIKEY answer from %s after %s s: is the "
        "receiver running with mikeydec port=%u?", self->peer_str, secs,
        self->peer_port);
  } else {
    text = g_strdup_printf ("MIKEY exchange with %s failed: %s",
        self->peer_str, err ? err->message : "unknown error");
  }
  debug = g_strdup_printf ("%u transmissions, mode %s", self->n_sent,
      mikey_mode_name (self->config.mode));
  g_clear_error (&err);
  GST_MIKEY_BASE_UNLOCK (self);
  post_failure (self, session, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_OPEN_READ_WRITE, text, debug);
  return G_SOURCE_REMOVE;
}

static gboolean
same_host (GSocketAddress * a, GSocketAddress * b)
{
  if (!G_IS_INET_SOCKET_ADDRESS (a) || !G_IS_INET_SOCKET_ADDRESS (b))
    return FALSE;
  return g_inet_address_equal (g_inet_socket_address_get_address
      (G_INET_SOCKET_ADDRESS (a)),
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (b)));
}

/* After a counter-proposal: whether @data repeats it (the receiver's answer
 * to a retransmission of our first message that crossed our new one).
 * Agreeing with what we already do, it is ignored; anything else still goes
 * to the core, which takes at most one counter-proposal. Lock held. */
static gboolean
is_repeated_counter_proposal (GstMikeyEnc * self, const guint8 * data,
    gsize len)
{
  MikeyOffer caps;
  guint8 type = 0;
  guint32 csb_id = 0;
  const MikeySuiteInfo *suite = mikey_initiator_get_suite (self->initiator);

  if (!self->renegotiated || suite == NULL ||
      !gst_mikey_message_get_caps (data, len, &caps, &type, &csb_id))
    return FALSE;
  return type == MIKEY_DT_ERROR && caps.has_choice &&
      csb_id == mikey_initiator_get_csb_id (self->initiator) &&
      caps.chosen_mode == (guint8) mikey_initiator_get_mode (self->initiator)
      && caps.chosen_suite == (guint8) suite->id;
}

/* A sentence for a failed exchange. Lock held. */
static gchar *
describe_failure (GstMikeyEnc * self, const GError * err)
{
  MikeyMode mode = mikey_initiator_get_mode (self->initiator);
  gboolean signed_mode = (mode == MIKEY_MODE_PKE || mode == MIKEY_MODE_DH);
  const gchar *why = err ? err->message : "unknown error";
  const gchar *code_hint = gst_mikey_error_hint (err, GST_MIKEY_SIDE_SENDER);
  const gchar *hint;

  switch (mode) {
    case MIKEY_MODE_PKE:
      hint = "check mode and suite, and that each side's ca-file or "
          "peer-cert accepts the other's cert";
      break;
    case MIKEY_MODE_DH:
      hint = "check mode, suite and dh-group, and that each side's ca-file "
          "or peer-cert accepts the other's cert";
      break;
    case MIKEY_MODE_DHHMAC:
      hint = "check that mode, suite, dh-group and the pre-shared key are "
          "the same on both sides";
      break;
    case MIKEY_MODE_PSK:
      hint = "check that mode, suite and the pre-shared key are the same on "
          "both sides";
      break;
    default:
      /* MIKEY-NULL has no key or certificate that could be wrong */
      hint = "check that mode and suite are the same on both sides, and "
          "that the receiver accepts mode=null";
      break;
  }

  if (err == NULL || err->domain != MIKEY_ERROR)
    return g_strdup_printf ("MIKEY answer from %s refused: %s",
        self->peer_str, why);

  switch (err->code) {
    case MIKEY_ERROR_PEER:
      return g_strdup_printf ("The MIKEY receiver at %s refused the key "
          "exchange: %s (%s)", self->peer_str, why, hint);
    case MIKEY_ERROR_IDENTITY:
      if (signed_mode)
        break;
      /* no certificate in these modes: only the ID payloads */
      return g_strdup_printf ("MIKEY answer from %s refused: %s (check id "
          "on the receiver and peer-id here)", self->peer_str, why);
    case MIKEY_ERROR_STALE:
      /* the core's sentence names the clocks and the skew */
      return g_strdup_printf ("The MIKEY receiver at %s refused the key "
          "exchange: %s", self->peer_str, why);
    case MIKEY_ERROR_NO_COMMON:
      return g_strdup_printf ("MIKEY negotiation with %s failed: %s (%s)",
          self->peer_str, why, code_hint);
    case MIKEY_ERROR_AUTH:
      if (signed_mode)
        return g_strdup_printf ("MIKEY verification failed: %s in the answer "
            "from %s (wrong peer-cert, or a tampered answer?)", why,
            self->peer_str);
      return g_strdup_printf ("MIKEY verification failed: MAC mismatch "
          "(wrong pre-shared key?) in the answer from %s", self->peer_str);
    case MIKEY_ERROR_TRUNCATED:
    case MIKEY_ERROR_INVALID:
      return g_strdup_printf ("Malformed MIKEY answer from %s: %s",
          self->peer_str, why);
    default:
      break;
  }
  if (code_hint != NULL)
    return g_strdup_printf ("MIKEY answer from %s refused: %s (%s)",
        self->peer_str, why, code_hint);
  return g_strdup_printf ("MIKEY answer from %s refused: %s",
      self->peer_str, why);
}

/* mode=null over UDP is live as soon as sent (the initiator waits for
 * nothing), so the receiver's refusal arrives after, or while, on_keyed:
 * an ERR for our CSB ID from the peer means the stream will not be
 * decrypted there. Its sentence, NULL when @data is no such refusal. Lock
 * held. */
static gchar *
describe_null_refusal (GstMikeyEnc * self, const guint8 * data, gsize len)
{
  MikeyMessage *msg;
  const MikeyPayload *err;
  gchar *text = NULL;
  guint8 code;

  if ((self->state != ENC_KEYED && self->state != ENC_EXCHANGING) ||
      self->initiator == NULL || !self->udp ||
      mikey_initiator_get_mode (self->initiator) != MIKEY_MODE_NULL ||
      mikey_initiator_get_state (self->initiator) != MIKEY_STATE_COMPLETE)
    return NULL;
  msg = mikey_message_parse (data, len, NULL);
  if (msg == NULL)
    return NULL;
  if (msg->hdr.data_type == MIKEY_DT_ERROR &&
      msg->hdr.csb_id == mikey_initiator_get_csb_id (self->initiator)) {
    err = mikey_message_find (msg, MIKEY_PT_ERR, NULL);
    code = err ? err->u.err.err_no : MIKEY_ERR_UNSPECIFIED;
    text = g_strdup_printf ("The MIKEY receiver at %s refused the key sent "
        "with mode=null: %s (%s)", self->peer_str, mikey_err_type_name (code),
        code == MIKEY_ERR_INVALID_TS ? "its clock and this machine's "
        "differ too much; check the clocks of both machines" : "the stream "
        "cannot be decrypted there; check that the receiver accepts "
        "mode=null with the same suite");
  }
  mikey_message_free (msg);
  return text;
}

/* transport thread */
static void
on_datagram (MikeyUdpThread * t, const guint8 * data, gsize len,
    GSocketAddress * from, gpointer user_data)
{
  GstMikeyEnc *self = user_data;
  GError *err = NULL;
  GBytes *next = NULL;
  guint session;
  MikeyStep step;
  MikeyOffer caps;
  gboolean have_caps;
  GstMessage *negotiation = NULL;
  MikeyPacketKind kind;

  GST_MIKEY_BASE_LOCK (self);
  /* the media path: the socket udpsink sends RTP from may receive RTCP or
   * anything else; only MIKEY goes to the core */
  if (self->media_path &&
      (kind = mikey_packet_classify (data, len)) != MIKEY_PACKET_MIKEY) {
    GST_LOG_OBJECT (self, "ignoring %" G_GSIZE_FORMAT " bytes on the media "
        "path: %s, not MIKEY", len, mikey_packet_kind_name (kind));
    GST_MIKEY_BASE_UNLOCK (self);
    return;
  }
  if (same_host (from, self->peer)) {
    gchar *refused = describe_null_refusal (self, data, len);

    if (refused != NULL) {
      session = self->base.session;
      GST_MIKEY_BASE_UNLOCK (self);
      post_failure (self, session, GST_STREAM_ERROR,
          GST_STREAM_ERROR_DECRYPT, refused, NULL);
      return;
    }
  }
  if (self->state != ENC_EXCHANGING || self->initiator == NULL) {
    GST_DEBUG_OBJECT (self, "ignoring %" G_GSIZE_FORMAT " bytes: no exchange "
        "running", len);
    GST_MIKEY_BASE_UNLOCK (self);
    return;
  }
  if (!same_host (from, self->peer)) {
    gchar *who = gst_mikey_socket_address_to_string (from);

    GST_DEBUG_OBJECT (self, "ignoring %" G_GSIZE_FORMAT " bytes from %s: not "
        "the peer", len, who);
    g_free (who);
    GST_MIKEY_BASE_UNLOCK (self);
    return;
  }
  if (is_repeated_counter_proposal (self, data, len)) {
    GST_DEBUG_OBJECT (self, "ignoring a repeated counter-proposal from %s",
        self->peer_str);
    GST_MIKEY_BASE_UNLOCK (self);
    return;
  }

  session = self->base.session;
  have_caps = gst_mikey_message_get_caps (data, len, &caps, NULL, NULL);
  step = mikey_initiator_step (self->initiator, data, len,
      initiator_now (self), &next, &err);
  switch (step) {
    case MIKEY_STEP_COMPLETE:
      stop_timer (self);
      GST_MIKEY_BASE_UNLOCK (self);
      on_keyed (self, session);
      return;
    case MIKEY_STEP_SEND:{
      /* negotiation: the receiver counter-proposed (or, not negotiating,
       * refused our choice): a new initiation message replaces the old
       * one, which is no longer retransmitted */
      MikeyMode mode = mikey_initiator_get_mode (self->initiator);
      const MikeySuiteInfo *suite = mikey_initiator_get_suite (self->initiator);
      gboolean counter = have_caps && caps.has_choice;

      GST_INFO_OBJECT (self, "%s: %s, sending a new initiation with mode %s, "
          "suite %s", self->peer_str, counter ? "counter-proposal" :
          "our choice refused, falling back", mikey_mode_name (mode),
          suite ? suite->name : "?");
      g_clear_pointer (&self->init_msg, g_bytes_unref);
      self->init_msg = next;
      self->renegotiated = TRUE;
      self->n_sent = 0;
      send_init (self, self->init_msg);
      schedule_timer (self);
      negotiation = gst_mikey_bus_negotiation_new (GST_ELEMENT (self),
          counter ? "counter-proposal" : "fallback", mode, suite,
          self->peer_str, have_caps ? &caps : NULL);
      GST_MIKEY_BASE_UNLOCK (self);
      g_clear_error (&err);
      gst_element_post_message (GST_ELEMENT (self), negotiation);
      return;
    }
    case MIKEY_STEP_IGNORED:
      /* not an answer to this exchange: keep waiting */
      GST_DEBUG_OBJECT (self, "ignoring a message from %s: %s",
          self->peer_str, err ? err->message : "not for us");
      GST_MIKEY_BASE_UNLOCK (self);
      g_clear_error (&err);
      return;
    case MIKEY_STEP_FAILED:
    default:
      break;
  }
  if (next != NULL)
    g_bytes_unref (next);

  {
    gchar *text = describe_failure (self, err);
    gint code = GST_RESOURCE_ERROR_FAILED;
    GQuark domain = err ? gst_mikey_error_to_gst (err, &code) :
        GST_RESOURCE_ERROR;

    GST_MIKEY_BASE_UNLOCK (self);
    post_failure (self, session, domain, code, text,
        g_strdup (err ? err->message : NULL));
    g_clear_error (&err);
  }
}

/* Builds the initiator (and its message) with the SSRC when known. Lock
 * held. */
static gboolean
build_initiator (GstMikeyEnc * self, GError ** error)
{
  MikeyInitiatorConfig cfg;
  MikeySrtpCs cs;
  guint8 tek[MIKEY_MAX_MASTER_KEY + MIKEY_MAX_MASTER_SALT];
  const MikeySuiteInfo *suite;

  gst_mikey_config_to_initiator_config (&self->config, &cfg);
  /* in SDP mode nothing can carry a verification message back */
  cfg.no_verify = !self->udp;
  cfg.retransmit_initial_us = (gint64) self->retransmit_ms * 1000;
  cfg.timeout_us = (gint64) self->timeout_ms * 1000;
  if (self->have_ssrc) {
    cs.policy_no = 0;
    cs.ssrc = self->ssrc;
    cs.roc = 0;
    cfg.cs = &cs;
    cfg.n_cs = 1;
  }

  suite = self->config.suite ? self->config.suite :
      mikey_suite_lookup (GST_MIKEY_DEFAULT_SUITE);
  if (self->key_data == GST_MIKEY_KEY_DATA_TEK) {
    cfg.tek_len = suite->key_len + suite->salt_len;
    if (RAND_bytes (tek, (int) cfg.tek_len) != 1) {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CRYPTO,
          "no random bytes for the key");
      return FALSE;
    }
    cfg.tek = tek;
  }

  self->initiator = mikey_initiator_new (&cfg, error);
  OPENSSL_cleanse (tek, sizeof (tek));
  if (self->initiator == NULL)
    return FALSE;
  self->clock_offset_us = g_get_real_time () - g_get_monotonic_time ();
  self->init_msg = mikey_initiator_start (self->initiator,
      initiator_now (self), error);
  if (self->init_msg == NULL) {
    g_clear_pointer (&self->initiator, mikey_initiator_free);
    return FALSE;
  }
  GST_INFO_OBJECT (self, "built MIKEY initiation, CSB ID %08x, %s",
      mikey_initiator_get_csb_id (self->initiator),
      self->have_ssrc ? "with the stream's SSRC" : "empty crypto session map");
  return TRUE;
}

/* Starts the exchange once the SSRC is known. Lock held; may release it
 * (to publish keys). Returns FALSE after posting an error. */
static gboolean
maybe_start (GstMikeyEnc * self)
{
  GError *err = NULL;
  guint session = self->base.session;

  if (self->state != ENC_IDLE || !self->have_ssrc)
    return TRUE;

  if (self->initiator == NULL && !build_initiator (self, &err)) {
    gchar *text = g_strdup_printf ("Could not build the MIKEY message: %s",
        err->message);
    gint code;
    GQuark domain = gst_mikey_error_to_gst (err, &code);

    g_clear_error (&err);
    GST_MIKEY_BASE_UNLOCK (self);
    post_failure (self, session, domain, code, text, NULL);
    GST_MIKEY_BASE_LOCK (self);
    return FALSE;
  }

  if (self->udp) {
    gboolean answer = mikey_initiator_get_state (self->initiator) ==
        MIKEY_STATE_WAIT_RESPONSE;

    self->state = ENC_EXCHANGING;
    self->n_sent = 0;
    mikey_udp_thread_invoke (self->base.transport, on_first_send, self, NULL);
    if (!answer) {
      /* MIKEY-NULL: nothing to wait for */
      gchar *peer = g_strdup (self->peer_str);

      GST_MIKEY_BASE_UNLOCK (self);
      GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
          ("mode=null sends the SRTP key unprotected over UDP to %s: anyone "
              "on the path can decrypt the stream; use mode=psk", peer),
          (NULL));
      g_free (peer);
      on_keyed (self, session);
      GST_MIKEY_BASE_LOCK (self);
    }
  } else {
    /* SDP mode: live as soon as built */
    self->state = ENC_EXCHANGING;
    GST_MIKEY_BASE_UNLOCK (self);
    on_keyed (self, session);
    GST_MIKEY_BASE_LOCK (self);
  }
  return TRUE;
}

static gboolean
learn_ssrc_from_buffer (GstMikeyEnc * self, GstBuffer * buf)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  if (!gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp))
    return FALSE;
  self->ssrc = gst_rtp_buffer_get_ssrc (&rtp);
  self->have_ssrc = TRUE;
  gst_rtp_buffer_unmap (&rtp);
  GST_DEBUG_OBJECT (self, "SSRC %08x from the first packet", self->ssrc);
  return TRUE;
}

/* ------------------------------------------------------------------------
 * Streaming
 * ---------------------------------------------------------------------- */

/* Releasing held packets, lock held: the keys srtpenc still needs */
static gpointer
gst_mikey_enc_pending_keys (GstMikeyBase * base, GstMiniObject * last)
{
  GstMikeyEnc *self = GST_MIKEY_ENC (base);

  if (self->need_configure && base->params != NULL)
    return g_array_ref (base->params);
  return NULL;
}

/* Without the lock */
static gboolean
gst_mikey_enc_give_keys (GstMikeyBase * base, gpointer keys, guint session)
{
  GstMikeyEnc *self = GST_MIKEY_ENC (base);
  GArray *params = keys;

  if (!configure_srtpencs (self, params))
    GST_INFO_OBJECT (self, "no srtpenc downstream: the application wires "
        "the keys (key-established signal / srtp-caps)");
  g_array_unref (params);
  GST_MIKEY_BASE_LOCK (self);
  if (session == base->session)
    self->need_configure = FALSE;
  GST_MIKEY_BASE_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_mikey_enc_keys_in_place (GstMikeyBase * base)
{
  GstMikeyEnc *self = GST_MIKEY_ENC (base);

  return self->state == ENC_KEYED && !self->need_configure;
}

static gboolean
gst_mikey_enc_handle_buffer (GstMikeyBase * base, GstBuffer * buf,
    GstFlowReturn * ret)
{
  GstMikeyEnc *self = GST_MIKEY_ENC (base);

  switch (self->state) {
    case ENC_KEYED:
      *ret = gst_mikey_base_release_held (base, GST_MINI_OBJECT_CAST (buf));
      return FALSE;
    case ENC_FAILED:
      GST_MIKEY_BASE_UNLOCK (self);
      gst_buffer_unref (buf);
      *ret = GST_FLOW_ERROR;
      return FALSE;
    case ENC_IDLE:
      if (!self->have_ssrc && !learn_ssrc_from_buffer (self, buf)) {
        GST_MIKEY_BASE_UNLOCK (self);
        gst_buffer_unref (buf);
        GST_ELEMENT_ERROR (self, STREAM, FORMAT,
            ("mikeyenc needs RTP packets: place it between the RTP "
                "payloader and srtpenc"), ("invalid RTP packet"));
        *ret = GST_FLOW_ERROR;
        return FALSE;
      }
      if (!maybe_start (self)) {
        GST_MIKEY_BASE_UNLOCK (self);
        gst_buffer_unref (buf);
        *ret = GST_FLOW_ERROR;
        return FALSE;
      }
      break;
    case ENC_EXCHANGING:
      if (base->held.n_buffers < base->max_held) {
        gst_mikey_held_push (&base->held, GST_MINI_OBJECT_CAST (buf));
        GST_MIKEY_BASE_UNLOCK (self);
        *ret = GST_FLOW_OK;
        return FALSE;
      }
      GST_DEBUG_OBJECT (self, "%u packets held, waiting for the key",
          base->held.n_buffers);
      GST_MIKEY_BASE_WAIT (self);
      break;
  }
  return TRUE;
}

static gboolean
gst_mikey_enc_sink_event (GstMikeyBase * base, GstEvent * event)
{
  GstMikeyEnc *self = GST_MIKEY_ENC (base);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      const GstStructure *s;
      guint ssrc;

      gst_event_parse_caps (event, &caps);
      s = gst_caps_get_structure (caps, 0);
      GST_MIKEY_BASE_LOCK (self);
      if (!self->have_ssrc && gst_structure_get_uint (s, "ssrc", &ssrc)) {
        self->ssrc = ssrc;
        self->have_ssrc = TRUE;
        GST_DEBUG_OBJECT (self, "SSRC %08x from caps", ssrc);
      }
      if (self->resolved && !base->flushing && !maybe_start (self)) {
        GST_MIKEY_BASE_UNLOCK (self);
        gst_event_unref (event);
        return FALSE;
      }
      GST_MIKEY_BASE_UNLOCK (self);
      break;
    }
    case GST_EVENT_EOS:
      GST_MIKEY_BASE_LOCK (self);
      while (!base->flushing && !gst_mikey_held_is_empty (&base->held) &&
          self->state == ENC_EXCHANGING)
        GST_MIKEY_BASE_WAIT (self);
      if (base->flushing || self->state == ENC_FAILED) {
        gst_mikey_held_clear (&base->held);
        GST_MIKEY_BASE_UNLOCK (self);
        gst_event_unref (event);
        return FALSE;
      }
      if (self->state == ENC_KEYED) {
        return gst_mikey_base_release_held (base,
            GST_MINI_OBJECT_CAST (event)) == GST_FLOW_OK;
      }
      GST_MIKEY_BASE_UNLOCK (self);
      break;
    default:
      break;
  }
  /* held behind the held packets, if any */
  return GST_MIKEY_BASE_CLASS (parent_class)->sink_event (base, event);
}

/* ------------------------------------------------------------------------
 * State changes
 * ---------------------------------------------------------------------- */

/* media-path=true: the exchange runs with udpsink's destination (the
 * receiver's RTP port) from udpsink's socket. Without the lock; takes
 * @host. FALSE after posting an error. */
static gboolean
start_media_path (GstMikeyEnc * self, gchar * host, guint port)
{
  GstElement *sink = gst_mikey_media_path_find_udpsink (self->base.srcpad);
  GSocket *socket = NULL;
  gboolean lend = FALSE;
  GError *err = NULL;
  GSocketAddress *peer;
  GSocketFamily family;
  MikeyUdpThread *transport;
  const gchar *how;

  if (sink != NULL) {
    g_free (host);
    host = NULL;
    if (!gst_mikey_media_path_sink_destination (sink, &host, &port, &err)) {
      gst_object_unref (sink);
      gst_mikey_base_post_settings_error (GST_MIKEY_BASE (self), err);
      return FALSE;
    }
  } else if (host == NULL || host[0] == '\0') {
    g_free (host);
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("mikeyenc media-path=true found no udpsink downstream: link one "
            "after srtpenc (its host and port are the receiver's RTP port), "
            "or set peer-address and peer-port to the receiver's RTP "
            "address and port"), (NULL));
    return FALSE;
  }

  peer = gst_mikey_resolve_address (host, port, &err);
  if (peer == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("Could not resolve the RTP destination \"%s\": %s", host,
            err->message), (NULL));
    g_clear_error (&err);
    g_free (host);
    gst_clear_object (&sink);
    return FALSE;
  }
  g_free (host);
  family = g_socket_address_get_family (peer);

  if (sink != NULL) {
    /* udpsink's own socket (it started before us, sinks start first) or
     * the application's: a duplicate, that stays open while we read from
     * it even after udpsink closes its own descriptor */
    socket = gst_mikey_media_path_sink_share_socket (sink, family, &err);
    lend = (socket == NULL && err == NULL);
    if (lend) {
      gchar *bind_address;
      guint bind_port;

      /* udpsink not started yet: ours, bound where udpsink would have
       * bound its own, lent to it */
      gst_mikey_media_path_sink_bind (sink, &bind_address, &bind_port);
      socket = mikey_udp_socket_new_bound (bind_address, bind_port, family,
          TRUE, &err);
      g_free (bind_address);
    }
  } else {
    socket = mikey_udp_socket_new_bound (NULL, 0, family, FALSE, &err);
  }
  if (socket == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
        ("Could not open a UDP socket for MIKEY and RTP: %s", err->message),
        (NULL));
    g_clear_error (&err);
    g_object_unref (peer);
    gst_clear_object (&sink);
    return FALSE;
  }

  transport = mikey_udp_thread_new_for_socket ("mikeyenc", socket, TRUE,
      on_datagram, self);
  if (lend)
    gst_mikey_media_path_lend_socket (&self->lent, sink, socket);
  how = sink == NULL ? "its own socket (no udpsink downstream)" : lend ?
      "the socket it lends to udpsink" : "udpsink's socket";

  GST_MIKEY_BASE_LOCK (self);
  self->peer = peer;
  self->peer_str = gst_mikey_socket_address_to_string (peer);
  self->base.transport = transport;
  GST_INFO_OBJECT (self, "MIKEY on the media path: exchange with %s from "
      "local port %u, %s", self->peer_str,
      mikey_udp_thread_get_port (transport), how);
  GST_MIKEY_BASE_UNLOCK (self);
  g_object_unref (socket);
  gst_clear_object (&sink);
  return TRUE;
}

static gboolean
gst_mikey_enc_start (GstMikeyBase * base)
{
  GstMikeyEnc *self = GST_MIKEY_ENC (base);
  GError *err = NULL;
  gchar *host = NULL;
  guint port;
  GSocketAddress *peer;
  MikeyUdpThread *transport;
  gboolean udp, media_path;

  GST_MIKEY_BASE_LOCK (self);
  /* settings may have changed since build-key-mgmt was emitted in NULL */
  if (self->initiator == NULL)
    unresolve (self);
  if (!ensure_resolved (self, &err)) {
    GST_MIKEY_BASE_UNLOCK (self);
    gst_mikey_base_post_settings_error (base, err);
    return FALSE;
  }
  if (self->udp) {
    host = g_strdup (self->peer_address);
    port = self->peer_port;
  }
  udp = self->udp;
  media_path = self->media_path;
  GST_MIKEY_BASE_UNLOCK (self);

  if (!udp) {
    GST_INFO_OBJECT (self, "no peer: SDP mode, keys given out by key-mgmt");
    return TRUE;
  }
  if (media_path)
    return start_media_path (self, host, port);

  peer = gst_mikey_resolve_address (host, port, &err);
  if (peer == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("Could not resolve peer-address \"%s\": %s", host, err->message),
        (NULL));
    g_clear_error (&err);
    g_free (host);
    return FALSE;
  }
  g_free (host);

  transport = mikey_udp_thread_new ("mikeyenc", NULL, 0,
      g_socket_address_get_family (peer), on_datagram, self, &err);
  if (transport == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
        ("Could not open a UDP socket for MIKEY: %s", err->message), (NULL));
    g_clear_error (&err);
    g_object_unref (peer);
    return FALSE;
  }

  GST_MIKEY_BASE_LOCK (self);
  self->peer = peer;
  self->peer_str = gst_mikey_socket_address_to_string (peer);
  self->base.transport = transport;
  GST_INFO_OBJECT (self, "MIKEY exchange with %s from local port %u",
      self->peer_str, mikey_udp_thread_get_port (transport));
  GST_MIKEY_BASE_UNLOCK (self);
  return TRUE;
}

static void
gst_mikey_enc_stop (GstMikeyBase * base)
{
  GstMikeyEnc *self = GST_MIKEY_ENC (base);

  reset_exchange (self);
  g_clear_object (&self->peer);
  g_clear_pointer (&self->peer_str, g_free);
  unresolve (self);
  /* udpsink (stopped before us) sends from its own socket again */
  gst_mikey_media_path_take_back_socket (&self->lent);
}

static void
gst_mikey_enc_reset (GstMikeyBase * base)
{
  GstMikeyEnc *self = GST_MIKEY_ENC (base);

  if (self->udp || self->state != ENC_KEYED) {
    /* a new exchange (new keys) on the next start */
    reset_exchange (self);
  } else {
    /* SDP mode: the published key-mgmt stays valid until NULL; srtpenc
     * forgot its session and gets the keys again */
    g_atomic_int_set (&base->passthrough, 0);
    self->need_configure = TRUE;
  }
}

/* ------------------------------------------------------------------------
 * Properties
 * ---------------------------------------------------------------------- */

/* Lock held */
static gchar *
encode_key_mgmt (GstMikeyEnc * self)
{
  gsize len;
  const guint8 *data;

  if (self->init_msg == NULL)
    return NULL;
  data = g_bytes_get_data (self->init_msg, &len);
  return mikey_key_mgmt_encode (data, len);
}

/* The key-mgmt property: what exists, nothing built */
static gchar *
get_key_mgmt (GstMikeyEnc * self)
{
  gchar *ret;

  GST_MIKEY_BASE_LOCK (self);
  ret = encode_key_mgmt (self);
  GST_MIKEY_BASE_UNLOCK (self);
  return ret;
}

/* The build-key-mgmt action signal: in SDP mode, builds the initiation
 * message now (if neither this nor the first packet has) and makes its
 * keys live; in any mode returns key-mgmt. */
static gchar *
gst_mikey_enc_build_key_mgmt (GstMikeyEnc * self)
{
  GError *err = NULL;
  gchar *ret;
  gboolean publish = FALSE;
  guint session;

  GST_MIKEY_BASE_LOCK (self);
  if (self->init_msg == NULL && ensure_resolved (self, &err) && !self->udp &&
      self->state == ENC_IDLE) {
    if (build_initiator (self, &err)) {
      self->state = ENC_EXCHANGING;
      publish = TRUE;
    }
  }
  if (err != NULL) {
    GST_WARNING_OBJECT (self, "no key-mgmt: %s", err->message);
    g_clear_error (&err);
  }
  ret = encode_key_mgmt (self);
  session = self->base.session;
  GST_MIKEY_BASE_UNLOCK (self);

  if (publish)
    on_keyed (self, session);
  return ret;
}

static void
gst_mikey_enc_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMikeyEnc *self = GST_MIKEY_ENC (object);

  if (prop_id < GST_MIKEY_BASE_N_PROPS) {
    G_OBJECT_CLASS (parent_class)->set_property (object, prop_id, value, pspec);
    return;
  }

  GST_MIKEY_BASE_LOCK (self);

  switch (prop_id) {
    case PROP_PEER_ADDRESS:
      g_free (self->peer_address);
      self->peer_address = g_value_dup_string (value);
      break;
    case PROP_MEDIA_PATH:
      self->media_path = g_value_get_boolean (value);
      break;
    case PROP_PEER_PORT:
      self->peer_port = g_value_get_uint (value);
      break;
    case PROP_TIMEOUT:
      self->timeout_ms = g_value_get_uint (value);
      break;
    case PROP_RETRANSMIT_INTERVAL:
      self->retransmit_ms = g_value_get_uint (value);
      break;
    case PROP_KEY_DATA:
      self->key_data = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_MIKEY_BASE_UNLOCK (self);
}

static void
gst_mikey_enc_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstMikeyEnc *self = GST_MIKEY_ENC (object);

  if (prop_id == PROP_KEY_MGMT) {
    g_value_take_string (value, get_key_mgmt (self));
    return;
  }

  if (prop_id < GST_MIKEY_BASE_N_PROPS) {
    G_OBJECT_CLASS (parent_class)->get_property (object, prop_id, value, pspec);
    return;
  }

  GST_MIKEY_BASE_LOCK (self);

  switch (prop_id) {
    case PROP_PEER_ADDRESS:
      g_value_set_string (value, self->peer_address);
      break;
    case PROP_PEER_PORT:
      g_value_set_uint (value, self->peer_port);
      break;
    case PROP_MEDIA_PATH:
      g_value_set_boolean (value, self->media_path);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout_ms);
      break;
    case PROP_RETRANSMIT_INTERVAL:
      g_value_set_uint (value, self->retransmit_ms);
      break;
    case PROP_SRTP_CAPS:
      g_value_set_boxed (value, self->base.srtp_caps);
      break;
    case PROP_KEY_DATA:
      g_value_set_enum (value, self->key_data);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_MIKEY_BASE_UNLOCK (self);
}

static void
gst_mikey_enc_finalize (GObject * object)
{
  GstMikeyEnc *self = GST_MIKEY_ENC (object);

  gst_mikey_base_stop (GST_MIKEY_BASE (self));
  g_free (self->peer_address);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}
