/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-mikeyrtspext
 *
 * Not used in pipelines: stock rtspsrc creates one of these for itself.
 * rtspsrc instantiates every element factory that implements
 * GstRTSPExtension with at least marginal rank (gst-plugins-good
 * gst/rtsp/gstrtspext.c), so with this plugin installed a plain
 * `rtspsrc location=rtsp[s]://camera/...` uses it.
 *
 * Why it exists: GStreamer 1.22 reads a stream's SDP a=key-mgmt with
 * gst_mikey_message_to_caps, which puts srtp-key and the suite into the
 * stream's caps but drops the MKI of the key data's SPI key validity. A
 * camera that sends an MKI in every SRTP packet (ONVIF's secure streaming
 * profile: 4 bytes) then fails srtpdec's authentication on every packet.
 *
 * How: parse_sdp() reads every a=key-mgmt of the SDP with our parser and
 * also the way GStreamer does; configure_stream(), called by rtspsrc with
 * the caps of each stream before SETUP (the same caps object rtspsrc later
 * answers srtpdec's "request-key" with), recognises the stream's message
 * by the srtp-key GStreamer put there and adds the MKI, with our reading
 * of the key and suite. Messages without an MKI are left to GStreamer.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmikeyrtspext.h"

#include <string.h>
#include <openssl/crypto.h>
#include <gst/rtsp/gstrtspextension.h>
#include <gst/sdp/gstmikey.h>
#include <gst/sdp/gstsdpmessage.h>

#include "gstmikeysrtpparams.h"
#include "mikey-exchange.h"
#include "mikey-message.h"
#include "mikey-srtp.h"

GST_DEBUG_CATEGORY_STATIC (gst_mikey_rtsp_ext_debug);
#define GST_CAT_DEFAULT gst_mikey_rtsp_ext_debug

#define DIGEST_LEN 32

/* One a=key-mgmt message that carries an MKI */
typedef struct
{
  /* SHA-256 of the srtp-key GStreamer takes from the message: how the
   * stream's caps are matched to it without keeping a second key copy
   * for the comparison */
  guint8 digest[DIGEST_LEN];
  /* our reading: distinct (key, MKI) pairs, wiped when freed */
  GArray *params;
} Entry;

struct _GstMikeyRtspExt
{
  GstElement parent;

  GMutex lock;
  GArray *entries;              /* of Entry */
};

static void gst_mikey_rtsp_ext_iface_init (GstRTSPExtensionInterface * iface);

G_DEFINE_TYPE_WITH_CODE (GstMikeyRtspExt, gst_mikey_rtsp_ext,
    GST_TYPE_ELEMENT, G_IMPLEMENT_INTERFACE (GST_TYPE_RTSP_EXTENSION,
        gst_mikey_rtsp_ext_iface_init));

/* Marginal rank: the lowest rtspsrc accepts for an extension. The element
 * has no pads and a class no autoplugger looks for. */
GST_ELEMENT_REGISTER_DEFINE (mikeyrtspext, "mikeyrtspext", GST_RANK_MARGINAL,
    GST_TYPE_MIKEY_RTSP_EXT);

static void
entry_clear (gpointer data)
{
  Entry *e = data;

  if (e->params != NULL)
    g_array_unref (e->params);
  e->params = NULL;
}

static void
buffer_digest (GstBuffer * buf, guint8 out[DIGEST_LEN])
{
  GChecksum *sum = g_checksum_new (G_CHECKSUM_SHA256);
  GstMapInfo map;
  gsize len = DIGEST_LEN;

  if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
    g_checksum_update (sum, map.data, map.size);
    gst_buffer_unmap (buf, &map);
  }
  g_checksum_get_digest (sum, out, &len);
  g_checksum_free (sum);
}

/* The srtp-key GStreamer 1.22 takes from @value, as rtspsrc does
 * (gst_sdp_media_parse_keymgmt, gst_mikey_message_to_caps; the parser of
 * one value is private, hence the one-attribute media); FALSE when it
 * takes none, and then rtspsrc has no key to give srtpdec either. */
static gboolean
gstreamer_key_digest (const gchar * value, guint8 out[DIGEST_LEN])
{
  GstMIKEYMessage *gmsg = NULL;
  GstSDPMedia *media = NULL;
  GstCaps *caps;
  GstBuffer *key = NULL;
  gboolean ok = FALSE;

  gst_sdp_media_new (&media);
  gst_sdp_media_add_attribute (media, "key-mgmt", value);
  gst_sdp_media_parse_keymgmt (media, &gmsg);
  gst_sdp_media_free (media);
  if (gmsg == NULL)
    return FALSE;
  caps = gst_caps_new_empty_simple ("application/x-srtp");
  if (gst_mikey_message_to_caps (gmsg, caps) &&
      gst_structure_get (gst_caps_get_structure (caps, 0), "srtp-key",
          GST_TYPE_BUFFER, &key, NULL) && key != NULL) {
    buffer_digest (key, out);
    gst_buffer_unref (key);
    ok = TRUE;
  }
  gst_caps_unref (caps);
  gst_mikey_message_unref (gmsg);
  return ok;
}

static gboolean
same_key (const MikeySrtpParams * a, const MikeySrtpParams * b)
{
  return a->key_len == b->key_len && a->salt_len == b->salt_len &&
      a->mki_len == b->mki_len &&
      CRYPTO_memcmp (a->key, b->key, a->key_len) == 0 &&
      CRYPTO_memcmp (a->salt, b->salt, a->salt_len) == 0 &&
      memcmp (a->mki, b->mki, a->mki_len) == 0;
}

/* GStreamer 1.22's MIKEY parser (payloads_from_bytes) never returns on a
 * message with a payload it does not read (ID, CERT, V, GEN_EXT, ...):
 * its loop does not advance (GStreamer issue 3314, fixed in 1.27.1).
 * These are the payloads it walks. */
static gboolean
gstreamer_walks_type (guint8 type)
{
  switch (type) {
    case MIKEY_PT_KEMAC:
    case MIKEY_PT_T:
    case MIKEY_PT_PKE:
    case MIKEY_PT_SP:
    case MIKEY_PT_RAND:
      return TRUE;
    default:
      return FALSE;
  }
}

/* This element must not be what hangs: GStreamer's parser is only given
 * messages it walks */
static gboolean
gstreamer_walks (const MikeyMessage * msg)
{
  guint i;

  for (i = 0; i < msg->payloads->len; i++) {
    const MikeyPayload *p = g_ptr_array_index (msg->payloads, i);

    if (!gstreamer_walks_type (p->type)) {
      GST_WARNING ("a=key-mgmt with a MIKEY payload of type %u, which "
          "GStreamer 1.22's MIKEY parser loops on for ever: not used", p->type);
      return FALSE;
    }
  }
  return TRUE;
}

/* rtspsrc parses every a=key-mgmt with GStreamer's parser right after
 * parse_sdp(), and hangs on one it cannot walk. An unauthenticated message
 * (KEMAC without encryption and MAC, nothing signed) means the same
 * without the payloads it cannot walk (identities, extensions: no
 * protection rests on them), so such a value is given back without them;
 * NULL when @value needs no change or cannot be changed. */
static gchar *
walkable_key_mgmt (const gchar * value)
{
  guint8 *data;
  gsize len = 0;
  MikeyMessage *msg;
  const MikeyPayload *kemac;
  GBytes *bytes;
  gchar *ret = NULL;
  gboolean changed = FALSE;
  guint i;

  data = mikey_key_mgmt_decode (value, &len, NULL);
  if (data == NULL)
    return NULL;
  msg = mikey_message_parse (data, len, NULL);
  if (msg == NULL)
    goto out;
  kemac = mikey_message_find (msg, MIKEY_PT_KEMAC, NULL);
  if (kemac == NULL || kemac->u.kemac.enc_alg != MIKEY_ENC_NULL ||
      kemac->u.kemac.mac_alg != MIKEY_MAC_NULL ||
      mikey_message_find (msg, MIKEY_PT_SIGN, NULL) != NULL)
    goto out;
  for (i = msg->payloads->len; i > 0; i--) {
    const MikeyPayload *p = g_ptr_array_index (msg->payloads, i - 1);

    if (!gstreamer_walks_type (p->type)) {
      GST_WARNING ("a=key-mgmt: dropping a MIKEY payload of type %u from "
          "an unauthenticated message (GStreamer 1.22's parser would hang "
          "rtspsrc on it)", p->type);
      g_ptr_array_remove_index (msg->payloads, i - 1);
      changed = TRUE;
    }
  }
  if (changed && (bytes = mikey_message_serialize (msg, NULL)) != NULL) {
    ret = mikey_key_mgmt_encode (g_bytes_get_data (bytes, NULL),
        g_bytes_get_size (bytes));
    g_bytes_unref (bytes);
  }
out:
  if (msg != NULL)
    mikey_message_free (msg);
  OPENSSL_cleanse (data, len);
  g_free (data);
  return ret;
}

/* Our reading of @value: one MikeySrtpParams per distinct key, NULL when
 * the message carries no MKI (GStreamer's reading is then complete) or
 * is one we refuse (GStreamer's reading is left as it is). */
static GArray *
our_params (const gchar * value)
{
  GError *err = NULL;
  guint8 *data;
  gsize len = 0;
  MikeyMessage *msg = NULL;
  GPtrArray *kd = NULL;
  GArray *all = NULL, *out = NULL;
  guint i, j;

  data = mikey_key_mgmt_decode (value, &len, &err);
  if (data == NULL)
    goto refused;
  msg = mikey_message_parse (data, len, &err);
  if (msg == NULL)
    goto refused;
  if (!gstreamer_walks (msg))
    goto done;
  /* only unprotected (MIKEY-NULL) messages: rtspsrc can use no other */
  kd = mikey_psk_open_kemac (msg, data, len, NULL, 0, &err);
  if (kd == NULL)
    goto refused;
  all = mikey_srtp_params_from_message (msg, kd, NULL, 0, &err);
  if (all == NULL)
    goto refused;

  for (i = 0; i < all->len; i++) {
    const MikeySrtpParams *p = &g_array_index (all, MikeySrtpParams, i);
    gboolean seen = FALSE;

    if (p->mki_len == 0) {
      /* an MKI-less key next to MKI keys cannot be told apart by srtpdec */
      if (all->len > 1)
        GST_WARNING ("a=key-mgmt mixes keys with and without MKI; "
            "leaving it to GStreamer");
      if (out != NULL)
        g_array_unref (out);
      out = NULL;
      goto done;
    }
    for (j = 0; out != NULL && j < out->len; j++)
      seen |= same_key (p, &g_array_index (out, MikeySrtpParams, j));
    if (seen)
      continue;
    if (out == NULL) {
      out = gst_mikey_srtp_params_array_dup (all);
      g_array_set_size (out, 0);
    }
    g_array_append_vals (out, p, 1);
  }
  goto done;

refused:
  /* not a warning: the stream may well play with GStreamer's reading */
  GST_INFO ("an SDP a=key-mgmt our MIKEY parser refuses (%s); rtspsrc "
      "keeps GStreamer's reading of it", err ? err->message : "?");
done:
  g_clear_error (&err);
  if (all != NULL)
    g_array_unref (all);
  if (kd != NULL)
    g_ptr_array_unref (kd);
  if (msg != NULL)
    mikey_message_free (msg);
  if (data != NULL) {
    OPENSSL_cleanse (data, len);
    g_free (data);
  }
  /* srtpdec wants MKIs of one length and at most 16 keys per SSRC */
  if (out != NULL) {
    for (i = 1; i < out->len; i++) {
      if (g_array_index (out, MikeySrtpParams, i).mki_len !=
          g_array_index (out, MikeySrtpParams, 0).mki_len || i >= 16) {
        GST_WARNING ("a=key-mgmt with MKIs srtpdec cannot take together "
            "(different lengths or more than 16); using the first key");
        g_array_set_size (out, 1);
        break;
      }
    }
  }
  return out;
}

static void
add_key_mgmt (GstMikeyRtspExt * self, const gchar * value)
{
  Entry e = { {0}, NULL };

  /* ours first: GStreamer's parser is only given what ours accepted */
  if (value == NULL || (e.params = our_params (value)) == NULL)
    return;
  if (!gstreamer_key_digest (value, e.digest)) {
    entry_clear (&e);
    return;
  }
  GST_INFO_OBJECT (self, "a=key-mgmt with %u key(s) and a %" G_GSIZE_FORMAT
      "-byte MKI", e.params->len,
      g_array_index (e.params, MikeySrtpParams, 0).mki_len);
  g_array_append_val (self->entries, e);
}

static GstRTSPResult
gst_mikey_rtsp_ext_parse_sdp (GstRTSPExtension * ext, GstSDPMessage * sdp,
    GstStructure * props)
{
  GstMikeyRtspExt *self = GST_MIKEY_RTSP_EXT (ext);
  guint i, j;

  g_mutex_lock (&self->lock);
  /* a new DESCRIBE (reconnection) replaces what the last one said */
  g_array_set_size (self->entries, 0);
  for (j = 0; j < gst_sdp_message_attributes_len (sdp); j++) {
    const GstSDPAttribute *a = gst_sdp_message_get_attribute (sdp, j);
    gchar *fixed;

    if (g_strcmp0 (a->key, "key-mgmt") != 0)
      continue;
    if ((fixed = walkable_key_mgmt (a->value)) != NULL) {
      GstSDPAttribute repl;

      gst_sdp_attribute_set (&repl, "key-mgmt", fixed);
      gst_sdp_message_replace_attribute (sdp, j, &repl);
      g_free (fixed);
    }
    add_key_mgmt (self, gst_sdp_message_get_attribute (sdp, j)->value);
  }
  for (i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    /* the SDP is rtspsrc's own copy, handed over to be changed */
    GstSDPMedia *m = (GstSDPMedia *) gst_sdp_message_get_media (sdp, i);

    for (j = 0; j < gst_sdp_media_attributes_len (m); j++) {
      const GstSDPAttribute *a = gst_sdp_media_get_attribute (m, j);
      gchar *fixed;

      if (g_strcmp0 (a->key, "key-mgmt") != 0)
        continue;
      if ((fixed = walkable_key_mgmt (a->value)) != NULL) {
        GstSDPAttribute repl;

        gst_sdp_attribute_set (&repl, "key-mgmt", fixed);
        gst_sdp_media_replace_attribute (m, j, &repl);
        g_free (fixed);
      }
      add_key_mgmt (self, gst_sdp_media_get_attribute (m, j)->value);
    }
  }
  g_mutex_unlock (&self->lock);
  return GST_RTSP_OK;
}

static gboolean
copy_srtp_field (GQuark field, const GValue * value, gpointer user_data)
{
  GstStructure *dst = user_data;

  /* rtspsrc adds the ROC per SSRC itself, from GStreamer's reading of the
   * same crypto sessions; an "ssrc" field does not belong in stream caps */
  if (field == g_quark_from_static_string ("ssrc") ||
      field == g_quark_from_static_string ("roc"))
    return TRUE;
  gst_structure_id_set_value (dst, field, value);
  return TRUE;
}

static gboolean
gst_mikey_rtsp_ext_configure_stream (GstRTSPExtension * ext, GstCaps * caps)
{
  GstMikeyRtspExt *self = GST_MIKEY_RTSP_EXT (ext);
  GstStructure *s, *ours;
  GstBuffer *key = NULL;
  guint8 digest[DIGEST_LEN];
  const Entry *found = NULL;
  guint i;

  if (caps == NULL || gst_caps_get_size (caps) == 0)
    return TRUE;
  s = gst_caps_get_structure (caps, 0);
  if (!gst_structure_get (s, "srtp-key", GST_TYPE_BUFFER, &key, NULL) ||
      key == NULL)
    return TRUE;
  buffer_digest (key, digest);
  gst_buffer_unref (key);

  g_mutex_lock (&self->lock);
  for (i = 0; i < self->entries->len && found == NULL; i++) {
    const Entry *e = &g_array_index (self->entries, Entry, i);

    if (CRYPTO_memcmp (e->digest, digest, DIGEST_LEN) == 0)
      found = e;
  }
  if (found == NULL) {
    g_mutex_unlock (&self->lock);
    return TRUE;
  }
  if (!gst_caps_is_writable (caps)) {
    /* rtspsrc 1.22 hands its own stream caps; should that change, say so
     * rather than write into shared caps */
    g_mutex_unlock (&self->lock);
    GST_WARNING_OBJECT (self, "rtspsrc gave read-only stream caps: the "
        "stream's MKI cannot be added and srtpdec will refuse its packets");
    return TRUE;
  }
  ours = gst_structure_new_empty ("application/x-srtp");
  gst_mikey_srtp_params_to_structure ((const MikeySrtpParams *)
      found->params->data, found->params->len, ours);
  gst_structure_foreach (ours, copy_srtp_field, s);
  gst_structure_free (ours);
  GST_INFO_OBJECT (self, "stream keyed with %u key(s) and their MKI",
      found->params->len);
  g_mutex_unlock (&self->lock);
  /* never disables a stream */
  return TRUE;
}

static void
gst_mikey_rtsp_ext_iface_init (GstRTSPExtensionInterface * iface)
{
  iface->parse_sdp = gst_mikey_rtsp_ext_parse_sdp;
  iface->configure_stream = gst_mikey_rtsp_ext_configure_stream;
}

static void
gst_mikey_rtsp_ext_finalize (GObject * object)
{
  GstMikeyRtspExt *self = GST_MIKEY_RTSP_EXT (object);

  g_array_unref (self->entries);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (gst_mikey_rtsp_ext_parent_class)->finalize (object);
}

static void
gst_mikey_rtsp_ext_class_init (GstMikeyRtspExtClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->finalize = gst_mikey_rtsp_ext_finalize;
  /* "Network/Extension/Protocol" like gst-plugins-ugly's rtspreal; rtspsrc
   * itself goes by the interface and the rank */
  gst_element_class_set_static_metadata (element_class,
      "MIKEY MKI for rtspsrc", "Network/Extension/Protocol",
      "Loaded by rtspsrc by itself: adds the MKI of an SDP a=key-mgmt "
      "MIKEY message, which GStreamer's MIKEY reading drops, to the keys "
      "rtspsrc gives srtpdec", "gst-mikey maintainers");
  GST_DEBUG_CATEGORY_INIT (gst_mikey_rtsp_ext_debug, "mikeyrtspext", 0,
      "MIKEY MKI extension for rtspsrc");
}

static void
gst_mikey_rtsp_ext_init (GstMikeyRtspExt * self)
{
  g_mutex_init (&self->lock);
  self->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (self->entries, entry_clear);
}
