/* GStreamer MMKM plugin: mmkmregistry, a member of an MMKM group keying
 * the stock srtpenc or srtpdec.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-mmkmregistry
 * @title: mmkmregistry
 * @see_also: srtpenc, srtpdec, mmkm-server
 *
 * mmkmregistry makes a pipeline a member of a group of an MMKM key
 * server (mmkm-server, docs/mmkm-server.md) and keys the stock SRTP
 * element next to it with the group's traffic keys (TEKs).
 *
 * At NULL to READY it logs in as user (registering this device first
 * when state-dir holds no device key yet), agrees a key-encryption key
 * with the server (signed MIKEY-DH), fetches the current and next TEK,
 * and only then lets the state change succeed; it fails with an error
 * that says what to fix when the password is wrong, the server's
 * certificate is not the pinned one, the server cannot be reached or
 * the group is unknown. While running it sends heartbeats, fetches each
 * next TEK before it activates, learns of re-keys at once (the server's
 * events), and logs in again by itself when the server comes back. At
 * READY to NULL it says BYE.
 *
 * role=receiver: on the SRTP path upstream of srtpdec (directly or
 * through queues). Before each packet reaches srtpdec, the MKI of the
 * packet is read; at a new MKI, srtpdec is switched to that key before
 * it sees the packet (working around GStreamer 1.22's srtpdec, see
 * docs/srtp-rekey.md); a packet under an MKI not held yet makes the
 * element fetch at once and is dropped. No key leaves srtpdec: the key
 * fields are stripped from its output caps.
 *
 * role=sender: on the RTP path upstream of srtpenc. srtpenc's key and
 * MKI are switched together in the streaming thread at the first packet
 * at or after each TEK's activation time, so that every packet goes out
 * under a key the members already hold. srtpenc needs a key to reach
 * READY before this element has logged in: when linked to an srtpenc
 * without a key, the element gives it a random throw-away key, never
 * used for a packet.
 *
 * Bus messages (element messages; never a key byte): mmkm-joined,
 * mmkm-heartbeat, mmkm-rekey (event fetched, activated or unknown),
 * mmkm-member (sender only: joined / left, user, reason),
 * mmkm-server-lost, mmkm-server-restored, mmkm-left. docs/mmkm-registry.md
 * lists their fields.
 *
 * ## Example pipelines
 * |[
 * gst-launch-1.0 audiotestsrc is-live=true ! audioconvert !
 *     audio/x-raw,format=S16BE,rate=48000,channels=2 ! rtpL16pay !
 *     mmkmregistry role=sender server=https://radio.example:8443
 *       server-fingerprint=AB:01:... user=radio password-file=pw !
 *     srtpenc ! udpsink host=239.255.0.1 port=5004 ttl-mc=1
 * ]|
 * |[
 * gst-launch-1.0 udpsrc address=239.255.0.1 port=5004
 *       caps="application/x-srtp,media=audio,clock-rate=48000,encoding-name=L16,channels=2,payload=96" !
 *     mmkmregistry server=https://radio.example:8443
 *       server-fingerprint=AB:01:... user=alice password-file=pw !
 *     srtpdec ! rtpjitterbuffer ! rtpL16depay ! audioconvert ! autoaudiosink
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmmkmregistry.h"
#include "gstmmkmsession.h"
#include "gstmmkmmessages.h"
#include "gstmmkmqueue.h"

#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "mmkm-kek.h"

GST_DEBUG_CATEGORY (gst_mmkm_registry_debug);
#define GST_CAT_DEFAULT gst_mmkm_registry_debug

#define DEFAULT_SERVER "https://127.0.0.1:8443"
#define DEFAULT_GROUP "default"
#define DEFAULT_ROLE GST_MMKM_ROLE_RECEIVER
#define DEFAULT_JOIN_TIMEOUT 15
/* srtpenc's default suite (AES_CM_128_HMAC_SHA1_80): key and salt */
#define PLACEHOLDER_KEY_LEN 30
#define PLACEHOLDER_MKI_LEN 4

enum
{
  PROP_0,
  PROP_SERVER,
  PROP_GROUP,
  PROP_ROLE,
  PROP_USER,
  PROP_PASSWORD_FILE,
  PROP_PASSWORD,
  PROP_SERVER_FINGERPRINT,
  PROP_CA_FILE,
  PROP_STATE_DIR,
  PROP_HEARTBEAT_INTERVAL,
  PROP_JOIN_TIMEOUT,
  PROP_STATS,
  PROP_SONGS,
  PROP_QUEUE,
};

enum
{
  SIGNAL_REQUEST_SONG,
  LAST_SIGNAL,
};

static guint signals[LAST_SIGNAL];

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtp; application/x-srtp; "
        "application/x-rtcp; application/x-srtcp"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtp; application/x-srtp; "
        "application/x-rtcp; application/x-srtcp"));

GType
gst_mmkm_role_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MMKM_ROLE_RECEIVER, "A listener: keys srtpdec downstream",
        "receiver"},
    {GST_MMKM_ROLE_SENDER, "The group's sender: keys srtpenc downstream",
        "sender"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstMmkmRole", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define gst_mmkm_registry_parent_class parent_class
G_DEFINE_TYPE (GstMmkmRegistry, gst_mmkm_registry, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (mmkmregistry, "mmkmregistry", GST_RANK_NONE,
    GST_TYPE_MMKM_REGISTRY);

/* ---- the SRTP element downstream ----------------------------------------- */

/* The element made by @factory downstream of @srcpad: its peer, or
 * further down through elements with one source pad (queue, identity)
 * and ghost pads. NULL when none. */
static GstElement *
find_downstream (GstPad * srcpad, const gchar * factory)
{
  GstPad *pad = gst_pad_get_peer (srcpad);
  guint depth;

  for (depth = 0; pad != NULL && depth < 32; depth++) {
    GstObject *parent = gst_object_get_parent (GST_OBJECT (pad));
    GstPad *next = NULL;

    if (GST_IS_GHOST_PAD (pad)) {
      /* into a bin */
      next = gst_ghost_pad_get_target (GST_GHOST_PAD (pad));
    } else if (parent != NULL && GST_IS_GHOST_PAD (parent)) {
      /* out of a bin: the ghost source pad's peer */
      next = gst_pad_get_peer (GST_PAD (parent));
    } else if (parent != NULL && GST_IS_ELEMENT (parent)) {
      GstElement *el = GST_ELEMENT (parent);
      GstElementFactory *f = gst_element_get_factory (el);
      GstPad *src = NULL;

      if (f != NULL && g_str_equal (GST_OBJECT_NAME (f), factory)) {
        gst_object_unref (pad);
        return el;
      }
      GST_OBJECT_LOCK (el);
      if (el->numsrcpads == 1)
        src = gst_object_ref (el->srcpads->data);
      GST_OBJECT_UNLOCK (el);
      if (src != NULL) {
        next = gst_pad_get_peer (src);
        gst_object_unref (src);
      }
    }
    if (parent != NULL)
      gst_object_unref (parent);
    gst_object_unref (pad);
    pad = next;
  }
  if (pad != NULL)
    gst_object_unref (pad);
  return NULL;
}

/* srtpenc refuses READY without a key, and goes there before this
 * element (a bin changes the state of sinks first), before the login.
 * A random key and MKI that nobody knows let it; no packet is ever
 * protected with them: the first one goes through srtpenc after the
 * real key was set. */
static void
on_src_linked (GstPad * pad, GstPad * peer, gpointer data)
{
  GstMmkmRegistry *self = data;
  GstElement *enc;
  GstBuffer *key = NULL;
  GstBuffer *mki;
  guint8 k[PLACEHOLDER_KEY_LEN], m[PLACEHOLDER_MKI_LEN];
  GstMapInfo map;

  if (self->role != GST_MMKM_ROLE_SENDER)
    return;
  if (!(enc = find_downstream (pad, "srtpenc")))
    return;
  g_object_get (enc, "key", &key, NULL);
  if (key == NULL && RAND_bytes (k, sizeof k) == 1
      && RAND_bytes (m, sizeof m) == 1) {
    GST_INFO_OBJECT (self, "giving %" GST_PTR_FORMAT " a throw-away key "
        "until the group's first TEK", enc);
    key = gst_buffer_new_allocate (NULL, sizeof k, NULL);
    gst_buffer_map (key, &map, GST_MAP_WRITE);
    memcpy (map.data, k, sizeof k);
    gst_buffer_unmap (key, &map);
    mki = gst_buffer_new_memdup (m, sizeof m);
    g_object_set (enc, "key", key, "mki", mki, NULL);
    gst_buffer_unref (mki);
    OPENSSL_cleanse (k, sizeof k);
  }
  if (key != NULL)
    gst_buffer_unref (key);
  gst_object_unref (enc);
}

/* ---- streaming ----------------------------------------------------------- */

static GstFlowReturn
gst_mmkm_registry_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstMmkmRegistry *self = GST_MMKM_REGISTRY (parent);

  GST_OBJECT_LOCK (self);
  self->packets++;
  GST_OBJECT_UNLOCK (self);

  if (self->role == GST_MMKM_ROLE_SENDER) {
    if (!self->sender_configured) {
      guint8 mki[SRTP_REKEY_MAX_MKI];

      /* no TEK active yet (a server that re-keys on every join makes
       * the first one active a moment later): nothing may go out under
       * the throw-away key */
      if (self->sender == NULL
          || !gst_srtp_rekey_sender_configure (self->sender)) {
        GST_OBJECT_LOCK (self);
        self->dropped_no_key++;
        GST_OBJECT_UNLOCK (self);
        gst_buffer_unref (buf);
        return GST_FLOW_OK;
      }
      self->sender_configured = TRUE;
      if (gst_srtp_rekey_sender_get_current_mki (self->sender, mki) == 4) {
        GST_OBJECT_LOCK (self);
        self->current_mki = GST_READ_UINT32_BE (mki);
        self->first_key_us = g_get_real_time ();
        GST_OBJECT_UNLOCK (self);
        gst_mmkm_post (self, "mmkm-rekey", "event", G_TYPE_STRING,
            "activated", "mki", G_TYPE_UINT, GST_READ_UINT32_BE (mki),
            "time", G_TYPE_INT64, g_get_real_time (), NULL);
      }
    } else
      gst_srtp_rekey_sender_handle_buffer (self->sender);
  }
  /* role=receiver: the re-keying engine's probes on srtpdec's sink pads
   * look at every packet right before srtpdec */
  return gst_pad_push (self->srcpad, buf);
}

/* ---- states -------------------------------------------------------------- */

static gchar *
read_password (GstMmkmRegistry * self)
{
  gchar *text = NULL, *nl;
  GError *e = NULL;

  if (self->password)
    return g_strdup (self->password);
  if (self->password_file == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("No password for user \"%s\": set password-file to a file whose "
            "first line is the password.", self->user), (NULL));
    return NULL;
  }
  if (!g_file_get_contents (self->password_file, &text, NULL, &e)) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("Cannot read the password file %s: %s. Check password-file.",
            self->password_file, e->message), (NULL));
    g_error_free (e);
    return NULL;
  }
  if ((nl = strpbrk (text, "\r\n")))
    *nl = '\0';
  if (*text == '\0') {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("The password file %s is empty: its first line must be the "
            "password.", self->password_file), (NULL));
    g_free (text);
    return NULL;
  }
  return text;
}

static void
release (GstMmkmRegistry * self)
{
  gst_mmkm_session_stop (self);
  /* the pipeline is stopped: the glue may go */
  g_clear_pointer (&self->sender, gst_srtp_rekey_sender_free);
  g_clear_pointer (&self->receiver, gst_srtp_rekey_receiver_free);
  gst_clear_object (&self->srtp);
  g_clear_pointer (&self->device, mmkm_identity_free);
  if (self->start_password) {
    OPENSSL_cleanse (self->start_password, strlen (self->start_password));
    g_clear_pointer (&self->start_password, g_free);
  }
  g_clear_pointer (&self->suite, g_free);
}

static gboolean
prepare (GstMmkmRegistry * self)
{
  const gchar *want = self->role == GST_MMKM_ROLE_SENDER ? "srtpenc" :
      "srtpdec";
  gchar *uid;
  gboolean created = FALSE;
  GError *e = NULL;

  GST_OBJECT_LOCK (self);
  self->packets = self->dropped_no_key = self->switches = 0;
  self->joined_us = self->first_key_us = 0;
  self->current_mki = 0;
  self->heartbeat_interval_ms = 0;
  self->start_us = g_get_real_time ();
  self->sender_configured = FALSE;
  if (self->state_dir == NULL)
    self->state_dir = g_build_filename (g_get_user_state_dir (),
        "mmkm-client", NULL);
  GST_OBJECT_UNLOCK (self);

  if (self->user == NULL || *self->user == '\0') {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("No MMKM user given: set the user property."), (NULL));
    return FALSE;
  }
  if (self->fingerprint == NULL && self->ca_file == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("The MMKM server's certificate is not pinned: set "
            "server-fingerprint (mmkm-server prints it when it starts) or "
            "ca-file."), (NULL));
    return FALSE;
  }
  if (!(self->srtp = find_downstream (self->srcpad, want))) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("mmkmregistry role=%s must be upstream of %s: link its src pad to "
            "%s (directly or through queues).", self->role ==
            GST_MMKM_ROLE_SENDER ? "sender" : "receiver", want, want), (NULL));
    return FALSE;
  }
  if (!(uid = mmkm_user_id (self->user, &e))) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("The user name \"%s\" is not valid (%s): 1 to 64 printable ASCII "
            "characters without spaces.", self->user, e->message), (NULL));
    g_error_free (e);
    return FALSE;
  }
  self->device = mmkm_identity_load_or_create (self->state_dir, "device",
      self->user, uid, &created, &e);
  g_free (uid);
  if (self->device == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
        ("The device key in %s cannot be used: %s. Check state-dir.",
            self->state_dir, e->message), (NULL));
    g_error_free (e);
    return FALSE;
  }
  /* a device made now is registered with the password first, as
   * mmkm-client register does */
  self->register_first = created;
  if (!(self->start_password = read_password (self)))
    return FALSE;
  return gst_mmkm_session_start (self);
}

static GstStateChangeReturn
gst_mmkm_registry_change_state (GstElement * element, GstStateChange transition)
{
  GstMmkmRegistry *self = GST_MMKM_REGISTRY (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!prepare (self)) {
        release (self);
        return GST_STATE_CHANGE_FAILURE;
      }
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_NULL:
      release (self);
      break;
    default:
      break;
  }
  return ret;
}

/* ---- properties ---------------------------------------------------------- */

static GstStructure *
make_stats (GstMmkmRegistry * self)
{
  GstStructure *s;
  GstSrtpRekeyReceiverStats rs = { 0 };

  if (self->receiver)
    gst_srtp_rekey_receiver_get_stats (self->receiver, &rs);
  GST_OBJECT_LOCK (self);
  s = gst_structure_new ("mmkm-stats",
      "role", G_TYPE_STRING,
      self->role == GST_MMKM_ROLE_SENDER ? "sender" : "receiver",
      "packets", G_TYPE_UINT64, self->packets,
      "dropped-no-key", G_TYPE_UINT64, self->dropped_no_key,
      "switches", G_TYPE_UINT64, self->switches,
      "current-mki", G_TYPE_UINT, self->current_mki,
      "join-us", G_TYPE_INT64,
      self->joined_us ? self->joined_us - self->start_us : (gint64) - 1,
      "first-key-us", G_TYPE_INT64,
      self->first_key_us ? self->first_key_us - self->start_us : (gint64) - 1,
      "unknown-mki-drops", G_TYPE_UINT64, rs.unknown_mki_drops,
      "malformed-drops", G_TYPE_UINT64, rs.malformed_drops,
      "shared-copies", G_TYPE_UINT64, rs.shared_copies,
      "requests-answered", G_TYPE_UINT64, rs.requests_answered, NULL);
  GST_OBJECT_UNLOCK (self);
  return s;
}

static void
set_string (GstMmkmRegistry * self, gchar ** field, const GValue * value)
{
  GST_OBJECT_LOCK (self);
  g_free (*field);
  *field = g_value_dup_string (value);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_mmkm_registry_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMmkmRegistry *self = GST_MMKM_REGISTRY (object);

  switch (prop_id) {
    case PROP_SERVER:
      set_string (self, &self->server, value);
      break;
    case PROP_GROUP:
      set_string (self, &self->group, value);
      break;
    case PROP_ROLE:
      self->role = g_value_get_enum (value);
      break;
    case PROP_USER:
      set_string (self, &self->user, value);
      break;
    case PROP_PASSWORD_FILE:
      set_string (self, &self->password_file, value);
      break;
    case PROP_PASSWORD:
      GST_OBJECT_LOCK (self);
      if (self->password)
        OPENSSL_cleanse (self->password, strlen (self->password));
      g_free (self->password);
      self->password = g_value_dup_string (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_SERVER_FINGERPRINT:
      set_string (self, &self->fingerprint, value);
      break;
    case PROP_CA_FILE:
      set_string (self, &self->ca_file, value);
      break;
    case PROP_STATE_DIR:
      set_string (self, &self->state_dir, value);
      break;
    case PROP_JOIN_TIMEOUT:
      self->join_timeout = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_mmkm_registry_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstMmkmRegistry *self = GST_MMKM_REGISTRY (object);

  switch (prop_id) {
    case PROP_SERVER:
      GST_OBJECT_LOCK (self);
      g_value_set_string (value, self->server);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_GROUP:
      GST_OBJECT_LOCK (self);
      g_value_set_string (value, self->group);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_ROLE:
      g_value_set_enum (value, self->role);
      break;
    case PROP_USER:
      GST_OBJECT_LOCK (self);
      g_value_set_string (value, self->user);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_PASSWORD_FILE:
      GST_OBJECT_LOCK (self);
      g_value_set_string (value, self->password_file);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_SERVER_FINGERPRINT:
      GST_OBJECT_LOCK (self);
      g_value_set_string (value, self->fingerprint);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_CA_FILE:
      GST_OBJECT_LOCK (self);
      g_value_set_string (value, self->ca_file);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_STATE_DIR:
      GST_OBJECT_LOCK (self);
      g_value_set_string (value, self->state_dir);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_HEARTBEAT_INTERVAL:
      GST_OBJECT_LOCK (self);
      g_value_set_uint (value, self->heartbeat_interval_ms);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_JOIN_TIMEOUT:
      g_value_set_uint (value, self->join_timeout);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, make_stats (self));
      break;
    case PROP_SONGS:
      gst_mmkm_queue_get_songs (self, value);
      break;
    case PROP_QUEUE:
      g_value_take_boxed (value, gst_mmkm_queue_get_queue (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

/* ---- GObject ------------------------------------------------------------- */

static void
gst_mmkm_registry_finalize (GObject * object)
{
  GstMmkmRegistry *self = GST_MMKM_REGISTRY (object);

  release (self);
  g_free (self->server);
  g_free (self->group);
  g_free (self->user);
  g_free (self->password_file);
  if (self->password)
    OPENSSL_cleanse (self->password, strlen (self->password));
  g_free (self->password);
  g_free (self->fingerprint);
  g_free (self->ca_file);
  g_free (self->state_dir);
  g_free (self->fail_message);
  g_value_unset (&self->songs);
  if (self->queue)
    gst_structure_free (self->queue);
  g_hash_table_unref (self->requests);
  g_ptr_array_unref (self->waiting);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_mmkm_registry_init (GstMmkmRegistry * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_mmkm_registry_chain));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->srcpad);
  g_signal_connect (self->srcpad, "linked", G_CALLBACK (on_src_linked), self);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->server = g_strdup (DEFAULT_SERVER);
  self->group = g_strdup (DEFAULT_GROUP);
  self->role = DEFAULT_ROLE;
  self->join_timeout = DEFAULT_JOIN_TIMEOUT;
  g_value_init (&self->songs, GST_TYPE_ARRAY);
  self->requests = g_hash_table_new_full (g_direct_hash, g_direct_equal,
      NULL, g_free);
  self->waiting = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
}

static gboolean
gst_mmkm_registry_request_song (GstMmkmRegistry * self, const gchar * song)
{
  return gst_mmkm_queue_request (self, song);
}

static void
gst_mmkm_registry_class_init (GstMmkmRegistryClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;

  GST_DEBUG_CATEGORY_INIT (gst_mmkm_registry_debug, "mmkmregistry", 0,
      "MMKM group member keying srtpenc / srtpdec");

  gobject_class->set_property = gst_mmkm_registry_set_property;
  gobject_class->get_property = gst_mmkm_registry_get_property;
  gobject_class->finalize = gst_mmkm_registry_finalize;

  /**
   * GstMmkmRegistry:server:
   *
   * The MMKM server, https://HOST:PORT.
   */
  g_object_class_install_property (gobject_class, PROP_SERVER,
      g_param_spec_string ("server", "Server",
          "The MMKM server (https://HOST:PORT)", DEFAULT_SERVER, rw));
  g_object_class_install_property (gobject_class, PROP_GROUP,
      g_param_spec_string ("group", "Group",
          "The group to join (the server's [group] name)", DEFAULT_GROUP, rw));
  g_object_class_install_property (gobject_class, PROP_ROLE,
      g_param_spec_enum ("role", "Role",
          "receiver: upstream of srtpdec, keys it; sender: upstream of "
          "srtpenc, keys it and switches its key at each TEK's activation "
          "(the user needs the server's sender role)", GST_TYPE_MMKM_ROLE,
          DEFAULT_ROLE, rw));
  g_object_class_install_property (gobject_class, PROP_USER,
      g_param_spec_string ("user", "User",
          "The user name on the MMKM server", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_PASSWORD_FILE,
      g_param_spec_string ("password-file", "Password file",
          "A file whose first line is the user's password", NULL, rw));
  /**
   * GstMmkmRegistry:password:
   *
   * The password itself, for tests: on a gst-launch-1.0 command line it
   * is visible to every user of the machine (ps). Use password-file.
   */
  g_object_class_install_property (gobject_class, PROP_PASSWORD,
      g_param_spec_string ("password", "Password",
          "The user's password (for tests: visible in ps on a command line; "
          "use password-file)", NULL,
          G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_SERVER_FINGERPRINT,
      g_param_spec_string ("server-fingerprint", "Server fingerprint",
          "SHA-256 fingerprint of the server's certificate, as mmkm-server "
          "prints it (any case, colons optional); or use ca-file", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_CA_FILE,
      g_param_spec_string ("ca-file", "CA file",
          "PEM CA certificates the server's certificate must chain to "
          "(instead of server-fingerprint)", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_STATE_DIR,
      g_param_spec_string ("state-dir", "State directory",
          "Where the device key and certificate are (made and registered at "
          "the first start); NULL: $XDG_STATE_HOME/mmkm-client, as "
          "mmkm-client", NULL, rw));
  g_object_class_install_property (gobject_class, PROP_HEARTBEAT_INTERVAL,
      g_param_spec_uint ("heartbeat-interval", "Heartbeat interval",
          "Milliseconds between heartbeats, as the server set them at login "
          "(0 before)", 0, G_MAXUINT, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_JOIN_TIMEOUT,
      g_param_spec_uint ("join-timeout", "Join timeout",
          "Seconds NULL to READY waits for the login and the first TEKs",
          1, 3600, DEFAULT_JOIN_TIMEOUT, rw));
  /**
   * GstMmkmRegistry:stats:
   *
   * Counters: packets, dropped-no-key (sender: before a TEK was active),
   * switches (key changes), current-mki, join-us and first-key-us (from
   * the start of NULL to READY; -1 not yet), and for a receiver
   * unknown-mki-drops, malformed-drops, shared-copies, requests-answered.
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Counters of packets, key switches and drops (never key bytes)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstMmkmRegistry:songs:
   *
   * The group's song list as the server has it (read at login and again
   * at each change): "song" structures with id, title, duration-ms,
   * rate, channels.
   */
  g_object_class_install_property (gobject_class, PROP_SONGS,
      gst_param_spec_array ("songs", "Songs",
          "The group's song list (song structures: id, title, duration-ms, "
          "rate, channels)", g_param_spec_boxed ("song", "Song",
              "A song", GST_TYPE_STRUCTURE,
              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS),
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  /**
   * GstMmkmRegistry:queue:
   *
   * What plays and the requests queued: an "mmkm-queue" structure with
   * playing (boolean), now-playing (an "entry" structure, when playing)
   * and entries (an array of "entry" structures: entry, song, title,
   * requested-by, requested-at); NULL before the first answer.
   */
  g_object_class_install_property (gobject_class, PROP_QUEUE,
      g_param_spec_boxed ("queue", "Queue",
          "What plays and the song requests queued (mmkm-queue structure)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstMmkmRegistry::request-song:
   * @registry: the element
   * @song: a song's id (decimal) or title (exact, any case)
   *
   * Asks the server to queue the song. The outcome is posted as an
   * mmkm-queue message: event "queued" (entry, song, title) or
   * "refused" (reason: no such song, the member's request limit, requests
   * turned off ...).
   *
   * Returns: TRUE when the request is on its way (the element has joined)
   */
  signals[SIGNAL_REQUEST_SONG] = g_signal_new_class_handler ("request-song",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_mmkm_registry_request_song), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_STRING);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "MMKM group member", "Filter/Network/SRTP",
      "Joins an MMKM key server's group and keys the stock srtpenc "
      "(role=sender) or srtpdec (role=receiver) with the group's TEKs, "
      "switching keys by MKI without losing a packet",
      "gst-mikey authors <gst-mikey@example.invalid>");
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_mmkm_registry_change_state);
  gst_type_mark_as_plugin_api (GST_TYPE_MMKM_ROLE, 0);
}
