/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sender side of re-keying (see gstsrtprekeysender.h).
 *
 * srtpenc (1.22) keeps "key" and "mki" as two separately locked
 * properties and only marks the key changed; the next buffer on any of
 * its pads creates a new libsrtp session from both. Set from another
 * thread, a buffer can slip between the two and go out with the new key
 * and the old MKI. So the switch is made in the RTP streaming thread,
 * right before the buffer, and while it is made the stream locks of
 * srtpenc's RTCP sink pads are held, so that no SRTCP packet (rtpbin
 * sends them from its own thread) is protected half-way through. */
#include "gstsrtprekeysender.h"
#include "gstsrtprekeycaps.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (srtp_rekey_sender_debug);
#define GST_CAT_DEFAULT srtp_rekey_sender_debug

struct _GstSrtpRekeySender
{
  GstElement *srtpenc;
  GstSrtpRekeyClockFunc clock;
  gpointer clock_data;

  GMutex lock;                  /* ring, current, switch callback */
  SrtpRekeyRing *ring;
  guint8 current[SRTP_REKEY_MAX_MKI];
  gsize current_len;
  guint switches;
  /* key buffers handed to srtpenc, wiped once srtpenc has let go */
  GPtrArray *given;

  GstSrtpRekeySwitchFunc switch_func;
  gpointer switch_data;
  GDestroyNotify switch_notify;

  GstPad *probe_pad;
  gulong probe_id;
};

static void
debug_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (srtp_rekey_sender_debug, "srtprekeysender", 0,
        "SRTP re-keying, sender side");
    g_once_init_leave (&done, 1);
  }
}

GstSrtpRekeySender *
gst_srtp_rekey_sender_new (GstElement * srtpenc,
    const SrtpRekeyPolicy * policy, guint capacity,
    GstSrtpRekeyClockFunc clock, gpointer clock_data)
{
  GstSrtpRekeySender *s;
  SrtpRekeyRing *ring;

  g_return_val_if_fail (GST_IS_ELEMENT (srtpenc), NULL);
  g_return_val_if_fail (clock != NULL, NULL);

  debug_init ();
  ring = srtp_rekey_ring_new (policy, capacity);
  if (ring == NULL)
    return NULL;

  s = g_new0 (GstSrtpRekeySender, 1);
  s->srtpenc = gst_object_ref (srtpenc);
  s->clock = clock;
  s->clock_data = clock_data;
  s->ring = ring;
  s->given = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  g_mutex_init (&s->lock);
  return s;
}

void
gst_srtp_rekey_sender_free (GstSrtpRekeySender * s)
{
  if (s == NULL)
    return;
  if (s->probe_pad != NULL) {
    gst_pad_remove_probe (s->probe_pad, s->probe_id);
    gst_object_unref (s->probe_pad);
  }
  if (s->switch_notify != NULL)
    s->switch_notify (s->switch_data);
  gst_srtp_rekey_wipe_buffers (s->given);
  g_ptr_array_unref (s->given);
  srtp_rekey_ring_free (s->ring);
  gst_object_unref (s->srtpenc);
  g_mutex_clear (&s->lock);
  g_free (s);
}

void
gst_srtp_rekey_sender_set_switch_callback (GstSrtpRekeySender * s,
    GstSrtpRekeySwitchFunc func, gpointer user_data, GDestroyNotify notify)
{
  g_mutex_lock (&s->lock);
  if (s->switch_notify != NULL)
    s->switch_notify (s->switch_data);
  s->switch_func = func;
  s->switch_data = user_data;
  s->switch_notify = notify;
  g_mutex_unlock (&s->lock);
}

SrtpRekeyRingResult
gst_srtp_rekey_sender_schedule (GstSrtpRekeySender * s, const guint8 * mki,
    gsize mki_len, const guint8 * key, gsize key_len, gint64 activation_us)
{
  SrtpRekeyRingResult r;

  g_mutex_lock (&s->lock);
  r = srtp_rekey_ring_add (s->ring, mki, mki_len, key, key_len,
      activation_us, FALSE, 0);
  g_mutex_unlock (&s->lock);
  if (r != SRTP_REKEY_RING_OK)
    GST_WARNING ("cannot schedule a key: %s",
        srtp_rekey_ring_result_to_string (r));
  return r;
}

gboolean
gst_srtp_rekey_sender_unschedule (GstSrtpRekeySender * s, const guint8 * mki,
    gsize mki_len)
{
  gboolean ok = FALSE;

  g_mutex_lock (&s->lock);
  if (mki_len != s->current_len || memcmp (mki, s->current, mki_len) != 0)
    ok = srtp_rekey_ring_remove (s->ring, mki, mki_len);
  g_mutex_unlock (&s->lock);
  return ok;
}

static void
set_enum_by_nick (GstElement * element, const gchar * prop, const gchar * nick)
{
  GParamSpec *pspec;
  GEnumValue *val;

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (element), prop);
  if (pspec == NULL || !G_IS_PARAM_SPEC_ENUM (pspec))
    return;
  val = g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (pspec)->enum_class, nick);
  if (val != NULL)
    g_object_set (element, prop, val->value, NULL);
}

/* Lock held. Makes the buffers srtpenc gets; the previous key buffer is
 * wiped: srtpenc drops it when the new one is set, and libsrtp keeps its
 * own copy of the keys it derived. */
static void
make_key_buffers (GstSrtpRekeySender * s, const SrtpRekeyKey * k,
    GstBuffer ** key, GstBuffer ** mki)
{
  *key = gst_srtp_rekey_key_buffer_new (k->key, k->key_len);
  *mki = gst_buffer_new_memdup (k->mki, k->mki_len);
}

static void
remember_given (GstSrtpRekeySender * s, GstBuffer * key)
{
  /* everything before the one srtpenc holds now */
  gst_srtp_rekey_wipe_buffers (s->given);
  g_ptr_array_add (s->given, gst_buffer_ref (key));
}

gboolean
gst_srtp_rekey_sender_configure (GstSrtpRekeySender * s)
{
  const SrtpRekeyPolicy *p = srtp_rekey_ring_get_policy (s->ring);
  const SrtpRekeyKey *k;
  GstBuffer *key, *mki;
  gint64 now = s->clock (s->clock_data);

  set_enum_by_nick (s->srtpenc, "rtp-cipher",
      srtp_rekey_policy_cipher_nick (p));
  set_enum_by_nick (s->srtpenc, "rtcp-cipher",
      srtp_rekey_policy_cipher_nick (p));
  set_enum_by_nick (s->srtpenc, "rtp-auth",
      srtp_rekey_policy_rtp_auth_nick (p));
  set_enum_by_nick (s->srtpenc, "rtcp-auth",
      srtp_rekey_policy_rtcp_auth_nick (p));

  g_mutex_lock (&s->lock);
  k = srtp_rekey_ring_active (s->ring, now);
  if (k == NULL) {
    g_mutex_unlock (&s->lock);
    return FALSE;
  }
  make_key_buffers (s, k, &key, &mki);
  memcpy (s->current, k->mki, k->mki_len);
  s->current_len = k->mki_len;
  g_object_set (s->srtpenc, "key", key, "mki", mki, NULL);
  remember_given (s, key);
  g_mutex_unlock (&s->lock);

  gst_buffer_unref (key);
  gst_buffer_unref (mki);
  return TRUE;
}

/* srtpenc's RTCP sink pads other than the one this thread is on */
static GList *
lock_rtcp_pads (GstSrtpRekeySender * s)
{
  GList *pads = NULL, *l;

  GST_OBJECT_LOCK (s->srtpenc);
  for (l = s->srtpenc->sinkpads; l != NULL; l = l->next) {
    GstPad *pad = l->data;

    if (g_str_has_prefix (GST_PAD_NAME (pad), "rtcp_sink"))
      pads = g_list_prepend (pads, gst_object_ref (pad));
  }
  GST_OBJECT_UNLOCK (s->srtpenc);

  for (l = pads; l != NULL; l = l->next)
    GST_PAD_STREAM_LOCK (GST_PAD (l->data));
  return pads;
}

static void
unlock_rtcp_pads (GList * pads)
{
  GList *l;

  for (l = pads; l != NULL; l = l->next)
    GST_PAD_STREAM_UNLOCK (GST_PAD (l->data));
  g_list_free_full (pads, gst_object_unref);
}

gboolean
gst_srtp_rekey_sender_handle_buffer (GstSrtpRekeySender * s)
{
  const SrtpRekeyKey *k;
  GstBuffer *key, *mki;
  GstSrtpRekeySwitchFunc func;
  gpointer func_data;
  guint8 mki_copy[SRTP_REKEY_MAX_MKI];
  gsize mki_len;
  gint64 activation, now;
  GstClockTime t0, t1;
  GList *rtcp_pads;

  now = s->clock (s->clock_data);
  g_mutex_lock (&s->lock);
  k = srtp_rekey_ring_active (s->ring, now);
  if (k == NULL || (k->mki_len == s->current_len &&
          memcmp (k->mki, s->current, k->mki_len) == 0)) {
    g_mutex_unlock (&s->lock);
    return FALSE;
  }

  t0 = gst_util_get_timestamp ();
  make_key_buffers (s, k, &key, &mki);
  memcpy (s->current, k->mki, k->mki_len);
  s->current_len = mki_len = k->mki_len;
  memcpy (mki_copy, k->mki, k->mki_len);
  activation = k->activation_us;

  rtcp_pads = lock_rtcp_pads (s);
  g_object_set (s->srtpenc, "key", key, "mki", mki, NULL);
  unlock_rtcp_pads (rtcp_pads);

  remember_given (s, key);
  s->switches++;
  srtp_rekey_ring_prune (s->ring, now);
  func = s->switch_func;
  func_data = s->switch_data;
  t1 = gst_util_get_timestamp ();
  g_mutex_unlock (&s->lock);

  gst_buffer_unref (key);
  gst_buffer_unref (mki);

  GST_DEBUG_OBJECT (s->srtpenc, "switched key (activation %" G_GINT64_FORMAT
      " us, now %" G_GINT64_FORMAT " us) in %" G_GUINT64_FORMAT " ns",
      activation, now, (guint64) (t1 - t0));
  if (func != NULL)
    func (s, mki_copy, mki_len, activation, now, t1 - t0, func_data);
  return TRUE;
}

static GstPadProbeReturn
sender_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  gst_srtp_rekey_sender_handle_buffer (user_data);
  return GST_PAD_PROBE_OK;
}

gboolean
gst_srtp_rekey_sender_attach (GstSrtpRekeySender * s, GstPad * pad)
{
  g_return_val_if_fail (GST_IS_PAD (pad), FALSE);
  g_return_val_if_fail (s->probe_pad == NULL, FALSE);

  /* a list goes through srtpenc under one key: the switch is made before
   * it, at the first list at/after the activation */
  s->probe_id = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, sender_probe, s, NULL);
  if (s->probe_id == 0)
    return FALSE;
  s->probe_pad = gst_object_ref (pad);
  return TRUE;
}

gboolean
gst_srtp_rekey_sender_get_roc (GstSrtpRekeySender * s, guint32 ssrc,
    guint32 * roc)
{
  GstStructure *stats = NULL;
  const GValue *streams;
  gboolean found = FALSE;
  guint i;

  g_object_get (s->srtpenc, "stats", &stats, NULL);
  if (stats == NULL)
    return FALSE;
  streams = gst_structure_get_value (stats, "streams");
  for (i = 0; streams != NULL && GST_VALUE_HOLDS_ARRAY (streams) &&
      i < gst_value_array_get_size (streams); i++) {
    const GValue *v = gst_value_array_get_value (streams, i);
    const GstStructure *st;
    guint st_ssrc, st_roc;

    if (!GST_VALUE_HOLDS_STRUCTURE (v))
      continue;
    st = gst_value_get_structure (v);
    if (gst_structure_get_uint (st, "ssrc", &st_ssrc) && st_ssrc == ssrc &&
        gst_structure_get_uint (st, "roc", &st_roc)) {
      *roc = st_roc;
      found = TRUE;
      break;
    }
  }
  gst_structure_free (stats);
  return found;
}

gsize
gst_srtp_rekey_sender_get_current_mki (GstSrtpRekeySender * s, guint8 * mki)
{
  gsize len;

  g_mutex_lock (&s->lock);
  len = s->current_len;
  memcpy (mki, s->current, len);
  g_mutex_unlock (&s->lock);
  return len;
}

guint
gst_srtp_rekey_sender_get_switch_count (GstSrtpRekeySender * s)
{
  guint n;

  g_mutex_lock (&s->lock);
  n = s->switches;
  g_mutex_unlock (&s->lock);
  return n;
}
