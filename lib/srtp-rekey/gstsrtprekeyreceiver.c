/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Receiver side of re-keying (see gstsrtprekeyreceiver.h).
 *
 * Why each step (GStreamer 1.22, libsrtp 2.5, docs/srtp-rekey.md):
 *  - srtpdec ignores new caps for a stream that has MKI keys (it takes
 *    them for "the same key"), so the stream is removed first
 *    ("remove-key") and created again from the caps.
 *  - srtpenc restarts the ROC and the SRTCP index with every key, so the
 *    new stream starts at roc=0; only a stream's first key (late joiner)
 *    takes the ROC the sender published.
 *  - "remove-key" takes no lock inside srtpdec: it is emitted in the
 *    streaming thread, under srtpdec's object lock, which srtpdec holds
 *    while it decrypts; a packet of another thread (SRTCP) can then not
 *    be inside srtpdec when its stream goes away.
 *  - srtpdec 1.22 uses a shared input buffer after freeing it: buffers
 *    are made writable (copied when shared) before srtpdec gets them.
 *  - srtpdec 1.22 passes srtp-key2.., mki2.. and roc on in its output
 *    caps: probes on its source pads strip every key field.
 */
#include "gstsrtprekeyreceiver.h"
#include "gstsrtprekeycaps.h"

#include <string.h>
#include <openssl/crypto.h>

GST_DEBUG_CATEGORY_STATIC (srtp_rekey_receiver_debug);
#define GST_CAT_DEFAULT srtp_rekey_receiver_debug

#define MAX_STREAMS 64
/* srtpdec gets the new key and the one before it (packets reordered
 * across the switch) */
#define KEYS_IN_CAPS 2
/* how long an SRTCP packet with a new MKI waits for the RTP path to make
 * the switch (RTP packets queued before it may still be on their way) */
#define RTCP_WAIT_US (100 * 1000)

typedef struct
{
  guint8 cur[SRTP_REKEY_MAX_MKI];
  guint8 prev[SRTP_REKEY_MAX_MKI];
  gboolean has_prev;
  /* first RTP sequence number under cur: older ones with prev are late
   * packets, newer ones a switch back */
  gboolean has_switch_seq;
  guint16 switch_seq;
  guint32 roc;                  /* the roc srtpdec was given */
} RecvStream;

typedef struct
{
  GstPad *pad;
  GstCaps *caps;                /* upstream caps, key fields stripped */
} BaseCaps;

struct _GstSrtpRekeyReceiver
{
  GstElement *srtpdec;

  GMutex lock;                  /* everything below */
  SrtpRekeyRing *ring;
  GHashTable *streams;          /* ssrc -> RecvStream */
  BaseCaps base[2];
  GPtrArray *made;              /* key buffers given to srtpdec */
  GstSrtpRekeyReceiverStats stats;
  GstSrtpRekeyReceiverCallbacks cb;
  gpointer cb_data;
  GDestroyNotify cb_notify;

  /* serialises switches of the RTP and RTCP streaming threads */
  GMutex switch_lock;
  /* probe mode: srtpdec's sink pads, and which path has a thread blocked
   * in here (it cannot enter srtpdec before the switch under way ends) */
  GstPad *path_pad[2];
  gboolean parked[2];
  gboolean switching;
  GCond cond;

  GPtrArray *probes;            /* ProbeRec */
  gulong request_key_id;
};

typedef struct
{
  GstPad *pad;
  gulong id;
} ProbeRec;

static GQuark own_event_quark;

static void
debug_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (srtp_rekey_receiver_debug, "srtprekeyreceiver",
        0, "SRTP re-keying, receiver side");
    own_event_quark = g_quark_from_static_string ("srtp-rekey-own-event");
    g_once_init_leave (&done, 1);
  }
}

static void
stream_free (gpointer data)
{
  OPENSSL_cleanse (data, sizeof (RecvStream));
  g_free (data);
}

GstSrtpRekeyReceiver *
gst_srtp_rekey_receiver_new (GstElement * srtpdec,
    const SrtpRekeyPolicy * policy, guint capacity)
{
  GstSrtpRekeyReceiver *r;
  SrtpRekeyRing *ring;

  g_return_val_if_fail (GST_IS_ELEMENT (srtpdec), NULL);
  debug_init ();
  ring = srtp_rekey_ring_new (policy, capacity);
  if (ring == NULL)
    return NULL;

  r = g_new0 (GstSrtpRekeyReceiver, 1);
  r->srtpdec = gst_object_ref (srtpdec);
  r->ring = ring;
  r->streams = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
      stream_free);
  r->made = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  r->probes = g_ptr_array_new ();
  g_mutex_init (&r->lock);
  g_mutex_init (&r->switch_lock);
  g_cond_init (&r->cond);
  return r;
}

void
gst_srtp_rekey_receiver_free (GstSrtpRekeyReceiver * r)
{
  guint i;

  if (r == NULL)
    return;
  for (i = 0; i < r->probes->len; i++) {
    ProbeRec *p = g_ptr_array_index (r->probes, i);

    gst_pad_remove_probe (p->pad, p->id);
    gst_object_unref (p->pad);
    g_free (p);
  }
  g_ptr_array_unref (r->probes);
  if (r->request_key_id != 0)
    g_signal_handler_disconnect (r->srtpdec, r->request_key_id);
  if (r->cb_notify != NULL)
    r->cb_notify (r->cb_data);
  for (i = 0; i < G_N_ELEMENTS (r->base); i++) {
    gst_clear_object (&r->base[i].pad);
    gst_clear_caps (&r->base[i].caps);
  }
  gst_srtp_rekey_wipe_buffers (r->made);
  g_ptr_array_unref (r->made);
  g_hash_table_unref (r->streams);
  srtp_rekey_ring_free (r->ring);
  gst_object_unref (r->srtpdec);
  g_mutex_clear (&r->lock);
  g_mutex_clear (&r->switch_lock);
  g_cond_clear (&r->cond);
  for (i = 0; i < 2; i++)
    gst_clear_object (&r->path_pad[i]);
  g_free (r);
}

void
gst_srtp_rekey_receiver_set_callbacks (GstSrtpRekeyReceiver * r,
    const GstSrtpRekeyReceiverCallbacks * callbacks, gpointer user_data,
    GDestroyNotify notify)
{
  g_mutex_lock (&r->lock);
  if (r->cb_notify != NULL)
    r->cb_notify (r->cb_data);
  memset (&r->cb, 0, sizeof (r->cb));
  if (callbacks != NULL)
    r->cb = *callbacks;
  r->cb_data = user_data;
  r->cb_notify = notify;
  g_mutex_unlock (&r->lock);
}

SrtpRekeyRingResult
gst_srtp_rekey_receiver_add_key (GstSrtpRekeyReceiver * r,
    const guint8 * mki, gsize mki_len, const guint8 * key, gsize key_len,
    gint64 activation_us, gboolean has_roc, guint32 roc)
{
  SrtpRekeyRingResult res;

  g_mutex_lock (&r->lock);
  res = srtp_rekey_ring_add (r->ring, mki, mki_len, key, key_len,
      activation_us, has_roc, roc);
  g_mutex_unlock (&r->lock);
  if (res != SRTP_REKEY_RING_OK)
    GST_WARNING_OBJECT (r->srtpdec, "cannot add a key: %s",
        srtp_rekey_ring_result_to_string (res));
  return res;
}

gboolean
gst_srtp_rekey_receiver_remove_key (GstSrtpRekeyReceiver * r,
    const guint8 * mki, gsize mki_len)
{
  gboolean ok;

  g_mutex_lock (&r->lock);
  ok = srtp_rekey_ring_remove (r->ring, mki, mki_len);
  g_mutex_unlock (&r->lock);
  return ok;
}

guint
gst_srtp_rekey_receiver_prune (GstSrtpRekeyReceiver * r, gint64 now_us)
{
  guint n;

  g_mutex_lock (&r->lock);
  n = srtp_rekey_ring_prune (r->ring, now_us);
  g_mutex_unlock (&r->lock);
  return n;
}

void
gst_srtp_rekey_receiver_reset (GstSrtpRekeyReceiver * r)
{
  g_mutex_lock (&r->lock);
  g_hash_table_remove_all (r->streams);
  g_mutex_unlock (&r->lock);
}

void
gst_srtp_rekey_receiver_get_stats (GstSrtpRekeyReceiver * r,
    GstSrtpRekeyReceiverStats * stats)
{
  g_mutex_lock (&r->lock);
  *stats = r->stats;
  g_mutex_unlock (&r->lock);
}

/* Lock held. The base caps remembered for @pad, or NULL. */
static BaseCaps *
base_for_pad (GstSrtpRekeyReceiver * r, GstPad * pad, gboolean create)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (r->base); i++)
    if (r->base[i].pad == pad)
      return &r->base[i];
  if (!create)
    return NULL;
  for (i = 0; i < G_N_ELEMENTS (r->base); i++) {
    if (r->base[i].pad == NULL) {
      r->base[i].pad = gst_object_ref (pad);
      return &r->base[i];
    }
  }
  return NULL;
}

/* Lock held: caps for srtpdec with the keys of @mki (and @prev) */
static GstCaps *
build_key_caps (GstSrtpRekeyReceiver * r, GstPad * caps_pad, gboolean is_rtcp,
    guint32 ssrc, const guint8 * mki, const guint8 * prev, guint32 roc)
{
  const SrtpRekeyKey *keys[SRTP_REKEY_SRTPDEC_MAX_KEYS];
  BaseCaps *base = caps_pad != NULL ? base_for_pad (r, caps_pad, FALSE) : NULL;
  GstCaps *caps;
  guint n;

  n = srtp_rekey_ring_select (r->ring, mki, prev, KEYS_IN_CAPS, keys);
  if (n == 0)
    return NULL;
  if (base != NULL && base->caps != NULL && !gst_caps_is_empty (base->caps))
    caps = gst_caps_copy (base->caps);
  else
    caps = gst_caps_new_empty_simple (is_rtcp ? "application/x-srtcp" :
        "application/x-srtp");
  caps = gst_caps_truncate (caps);
  gst_srtp_rekey_structure_set_keys (gst_caps_get_structure (caps, 0),
      srtp_rekey_ring_get_policy (r->ring), ssrc, roc,
      (const SrtpRekeyKey * const *) keys, n, r->made);
  return caps;
}

/* a before b in 16-bit serial number arithmetic */
static gboolean
seq_before (guint16 a, guint16 b)
{
  return a != b && (guint16) (b - a) < 0x8000;
}

typedef enum
{
  DECIDE_PASS,
  DECIDE_SWITCH,
  DECIDE_UNKNOWN,
  DECIDE_FULL,
  DECIDE_LATE_RTCP,
} Decision;

/* Lock held */
static Decision
decide (GstSrtpRekeyReceiver * r, const SrtpRekeyPacketInfo * info,
    const guint8 * mki, RecvStream ** out_stream)
{
  gsize mki_len = srtp_rekey_ring_get_policy (r->ring)->mki_len;
  RecvStream *st;

  st = g_hash_table_lookup (r->streams, GUINT_TO_POINTER (info->ssrc));
  *out_stream = st;
  if (st != NULL) {
    if (memcmp (st->cur, mki, mki_len) == 0) {
      if (!info->is_rtcp && !st->has_switch_seq) {
        st->has_switch_seq = TRUE;
        st->switch_seq = info->seq;
      }
      return DECIDE_PASS;
    }
    if (st->has_prev && memcmp (st->prev, mki, mki_len) == 0 && info->is_rtcp) {
      /* SRTCP under the previous key after the switch: srtpenc restarted
       * the SRTCP index with the new key, and srtpdec keeps one SRTCP
       * replay window per stream, for both keys. Accepted, this packet's
       * (higher) index would make the new key's SRTCP packets look
       * replayed or old (measured with mikeyenc re-keying: "Dropping
       * replayed packet"), for as long as their index stays below it.
       * Dropped instead: one late report lost. */
      return DECIDE_LATE_RTCP;
    }
    if (st->has_prev && memcmp (st->prev, mki, mki_len) == 0) {
      /* srtpdec holds the previous key too: late packets pass. An SRTCP
       * packet never switches back (one every few seconds, it may well
       * be late), nor does an RTP packet while no RTP packet has come
       * under the new key (an SRTCP packet made the switch: RTP packets
       * still queued are older); an RTP packet newer than the first one
       * under the new key does. */
      if (info->is_rtcp || !st->has_switch_seq ||
          seq_before (info->seq, st->switch_seq))
        return DECIDE_PASS;
    }
  }
  if (srtp_rekey_ring_lookup (r->ring, mki, mki_len) == NULL)
    return DECIDE_UNKNOWN;
  if (st == NULL && g_hash_table_size (r->streams) >= MAX_STREAMS)
    return DECIDE_FULL;
  return DECIDE_SWITCH;
}

static gboolean
send_caps (GstPad * caps_pad, GstCaps * caps)
{
  GstEvent *ev = gst_event_new_caps (caps);

  /* our own probe on srtpdec's sink pad must let this one through */
  gst_mini_object_set_qdata (GST_MINI_OBJECT_CAST (ev), own_event_quark,
      GINT_TO_POINTER (1), NULL);
  if (GST_PAD_IS_SRC (caps_pad))
    return gst_pad_push_event (caps_pad, ev);
  return gst_pad_send_event (caps_pad, ev);
}

GstSrtpRekeyVerdict
gst_srtp_rekey_receiver_handle_buffer (GstSrtpRekeyReceiver * r,
    GstPad * caps_pad, GstBuffer ** buf)
{
  SrtpRekeyPacketInfo info;
  SrtpRekeyPacketResult res;
  const SrtpRekeyPolicy *policy;
  guint8 mki[SRTP_REKEY_MAX_MKI];
  GstMapInfo map;
  RecvStream *st;
  Decision d;
  GstCaps *caps = NULL;
  guint32 roc = 0;
  GstSrtpRekeyReceiverCallbacks cb;
  gpointer cb_data;
  GstClockTime t0 = 0, t1;
  gboolean locked_switch = FALSE, asked = FALSE, sent, held_other = FALSE;
  GstPad *other;
  guint path;

  if (!gst_buffer_is_writable (*buf)) {
    /* srtpdec 1.22 decrypts a shared buffer in place after unreffing it */
    *buf = gst_buffer_make_writable (*buf);
    g_mutex_lock (&r->lock);
    r->stats.shared_copies++;
    g_mutex_unlock (&r->lock);
  }

  if (!gst_buffer_map (*buf, &map, GST_MAP_READ))
    return GST_SRTP_REKEY_DROP;
  policy = srtp_rekey_ring_get_policy (r->ring);
  res = srtp_rekey_packet_find_mki (map.data, map.size, policy, &info);
  if (res == SRTP_REKEY_PACKET_OK)
    memcpy (mki, map.data + info.mki_offset, policy->mki_len);
  gst_buffer_unmap (*buf, &map);

  g_mutex_lock (&r->lock);
  r->stats.packets++;
  if (res != SRTP_REKEY_PACKET_OK) {
    r->stats.malformed_drops++;
    g_mutex_unlock (&r->lock);
    GST_LOG_OBJECT (r->srtpdec, "dropping a packet: %s",
        srtp_rekey_packet_result_to_string (res));
    return GST_SRTP_REKEY_DROP;
  }
  path = (r->path_pad[1] != NULL && caps_pad == r->path_pad[1]) ? 1 : 0;
again:
  /* a switch of the other path is under way: even a packet whose MKI
   * is already the stream's waits until srtpdec has the new stream */
  while (r->switching && !locked_switch) {
    r->parked[path] = TRUE;
    g_cond_wait (&r->cond, &r->lock);
    r->parked[path] = FALSE;
  }
  d = decide (r, &info, mki, &st);
  if (d == DECIDE_SWITCH && path == 1 && st != NULL && r->path_pad[0]) {
    /* SRTCP leaves the switch to the RTP path, whose packets under the
     * old key may still be queued; it makes it itself only when no RTP
     * packet under the new key comes for a while */
    gint64 end = g_get_monotonic_time () + RTCP_WAIT_US;

    r->parked[1] = TRUE;
    for (;;) {
      if (!r->switching) {
        d = decide (r, &info, mki, &st);
        if (d != DECIDE_SWITCH || g_get_monotonic_time () >= end)
          break;
      }
      g_cond_wait_until (&r->cond, &r->lock, r->switching ?
          g_get_monotonic_time () + G_USEC_PER_SEC : end);
    }
    r->parked[1] = FALSE;
  }
  if (d == DECIDE_SWITCH && !locked_switch) {
    /* the RTP and the RTCP thread: one switch at a time, decided again
     * under the switch lock (the other may have just made it) */
    r->parked[path] = TRUE;
    g_mutex_unlock (&r->lock);
    g_mutex_lock (&r->switch_lock);
    locked_switch = TRUE;
    g_mutex_lock (&r->lock);
    r->parked[path] = FALSE;
    d = decide (r, &info, mki, &st);
  }
  cb = r->cb;
  cb_data = r->cb_data;

  switch (d) {
    case DECIDE_PASS:
      g_mutex_unlock (&r->lock);
      if (locked_switch)
        g_mutex_unlock (&r->switch_lock);
      return GST_SRTP_REKEY_PASS;
    case DECIDE_UNKNOWN:
      g_mutex_unlock (&r->lock);
      if (locked_switch) {
        g_mutex_unlock (&r->switch_lock);
        locked_switch = FALSE;
      }
      GST_DEBUG_OBJECT (r->srtpdec, "unknown MKI for SSRC %08x", info.ssrc);
      if (cb.unknown_mki != NULL && !asked) {
        /* the callback may take its time: a switch of the other path
         * need not wait for it (this thread waits for the switch when it
         * comes back) */
        g_mutex_lock (&r->lock);
        r->parked[path] = TRUE;
        g_mutex_unlock (&r->lock);
        cb.unknown_mki (r, info.ssrc, mki, policy->mki_len, info.is_rtcp,
            cb_data);
        g_mutex_lock (&r->lock);
        r->parked[path] = FALSE;
        g_mutex_unlock (&r->lock);
        /* a caller with the key at hand adds it from the callback: then
         * this packet need not be lost */
        asked = TRUE;
        g_mutex_lock (&r->lock);
        goto again;
      }
      g_mutex_lock (&r->lock);
      r->stats.unknown_mki_drops++;
      g_mutex_unlock (&r->lock);
      return GST_SRTP_REKEY_DROP;
    case DECIDE_LATE_RTCP:
      r->stats.late_rtcp_drops++;
      g_mutex_unlock (&r->lock);
      if (locked_switch)
        g_mutex_unlock (&r->switch_lock);
      return GST_SRTP_REKEY_DROP;
    case DECIDE_FULL:
      r->stats.stream_limit_drops++;
      g_mutex_unlock (&r->lock);
      if (locked_switch)
        g_mutex_unlock (&r->switch_lock);
      return GST_SRTP_REKEY_DROP;
    case DECIDE_SWITCH:
      break;
  }

  t0 = gst_util_get_timestamp ();
  if (st == NULL) {
    const SrtpRekeyKey *k = srtp_rekey_ring_lookup (r->ring, mki,
        policy->mki_len);

    /* a stream's first key: the sender's published ROC (late joiner) */
    roc = k->has_roc ? k->roc : 0;
    st = g_new0 (RecvStream, 1);
    g_hash_table_insert (r->streams, GUINT_TO_POINTER (info.ssrc), st);
  } else {
    /* srtpenc started a new session, and its ROC at 0, with this key */
    roc = 0;
    memcpy (st->prev, st->cur, policy->mki_len);
    st->has_prev = TRUE;
  }
  memcpy (st->cur, mki, policy->mki_len);
  st->has_switch_seq = !info.is_rtcp;
  st->switch_seq = info.seq;
  st->roc = roc;

  /* srtpdec is done with the key buffers of earlier switches: libsrtp
   * keeps the keys it derived */
  gst_srtp_rekey_wipe_buffers (r->made);
  caps = build_key_caps (r, caps_pad, info.is_rtcp, info.ssrc, mki,
      st->has_prev ? st->prev : NULL, roc);
  r->stats.switches++;
  r->switching = TRUE;
  g_mutex_unlock (&r->lock);

  /* srtpdec makes the new stream from the caps without its lock: keep
   * the other path's thread out of srtpdec meanwhile, by holding its
   * stream lock, or knowing it blocked in here */
  other = r->path_pad[1 - path];
  while (other != NULL) {
    gboolean parked;

    if (GST_PAD_STREAM_TRYLOCK (other)) {
      held_other = TRUE;
      break;
    }
    g_mutex_lock (&r->lock);
    parked = r->parked[1 - path];
    g_mutex_unlock (&r->lock);
    if (parked)
      break;
    g_usleep (20);
  }

  /* srtpdec holds its object lock while it decrypts but takes none in
   * "remove-key": it is emitted under that lock, so that a packet of the
   * other path (SRTCP in its own thread) is never inside srtpdec while
   * its stream goes away. The caps cannot go under that lock: srtpdec
   * sets its source pad's caps, whose notify walks up to srtpdec and
   * takes it (deadlock). If the other path's packet comes in between,
   * srtpdec asks "request-key" and gets the same keys from
   * on_request_key(); then these caps find the stream made (1.22 keeps
   * it). */
  GST_OBJECT_LOCK (r->srtpdec);
  g_signal_emit_by_name (r->srtpdec, "remove-key", info.ssrc);
  GST_OBJECT_UNLOCK (r->srtpdec);
  /* never NULL: the ring has the key (decided under the lock) */
  sent = caps != NULL && send_caps (caps_pad, caps);
  if (held_other)
    GST_PAD_STREAM_UNLOCK (other);
  if (!sent)
    GST_WARNING_OBJECT (r->srtpdec, "srtpdec refused the keys for SSRC %08x",
        info.ssrc);
  gst_clear_caps (&caps);
  t1 = gst_util_get_timestamp ();
  g_mutex_lock (&r->lock);
  r->switching = FALSE;
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
  g_mutex_unlock (&r->switch_lock);

  GST_DEBUG_OBJECT (r->srtpdec, "SSRC %08x switched to a new MKI (roc %u) "
      "in %" G_GUINT64_FORMAT " ns", info.ssrc, roc, (guint64) (t1 - t0));
  if (cb.switched != NULL)
    cb.switched (r, info.ssrc, mki, policy->mki_len, roc, t1 - t0, cb_data);
  return GST_SRTP_REKEY_PASS;
}

GstCaps *
gst_srtp_rekey_receiver_handle_caps (GstSrtpRekeyReceiver * r,
    GstPad * caps_pad, GstCaps * caps)
{
  GstCaps *out = gst_caps_copy (caps);
  BaseCaps *base;
  guint i;

  for (i = 0; i < gst_caps_get_size (out); i++)
    gst_srtp_rekey_strip_key_fields (gst_caps_get_structure (out, i));

  g_mutex_lock (&r->lock);
  base = base_for_pad (r, caps_pad, TRUE);
  if (base != NULL)
    gst_caps_replace (&base->caps, out);
  g_mutex_unlock (&r->lock);
  return out;
}

/* srtpdec's "request-key": srtpdec lost the stream (state change,
 * clear-keys) or another thread's packet came between remove-key and
 * the caps. Called under srtpdec's object lock: never call into srtpdec
 * from here. */
static GstCaps *
on_request_key (GstElement * srtpdec, guint ssrc, gpointer user_data)
{
  GstSrtpRekeyReceiver *r = user_data;
  RecvStream *st;
  GstCaps *caps = NULL;

  g_mutex_lock (&r->lock);
  st = g_hash_table_lookup (r->streams, GUINT_TO_POINTER (ssrc));
  if (st != NULL) {
    caps = build_key_caps (r, NULL, FALSE, ssrc, st->cur,
        st->has_prev ? st->prev : NULL, st->roc);
    if (caps != NULL)
      r->stats.requests_answered++;
  }
  g_mutex_unlock (&r->lock);
  return caps;
}

static GstPadProbeReturn
sink_buffer_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstSrtpRekeyReceiver *r = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  if (gst_srtp_rekey_receiver_handle_buffer (r, pad, &buf) ==
      GST_SRTP_REKEY_DROP) {
    GST_PAD_PROBE_INFO_DATA (info) = buf;
    return GST_PAD_PROBE_DROP;
  }
  GST_PAD_PROBE_INFO_DATA (info) = buf;
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
sink_event_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstSrtpRekeyReceiver *r = user_data;
  GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);

  switch (GST_EVENT_TYPE (ev)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps, *out;

      if (gst_mini_object_get_qdata (GST_MINI_OBJECT_CAST (ev),
              own_event_quark) != NULL)
        break;
      gst_event_parse_caps (ev, &caps);
      out = gst_srtp_rekey_receiver_handle_caps (r, pad, caps);
      gst_event_unref (ev);
      GST_PAD_PROBE_INFO_DATA (info) = gst_event_new_caps (out);
      gst_caps_unref (out);
      break;
    }
    case GST_EVENT_STREAM_START:
      /* srtpdec starts without streams after READY. Only the RTP path's:
       * an RTCP source may start seconds after RTP has flowed. */
      if (g_str_equal (GST_PAD_NAME (pad), "rtp_sink"))
        gst_srtp_rekey_receiver_reset (r);
      break;
    default:
      break;
  }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
src_event_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps, *out;
  guint i;

  if (GST_EVENT_TYPE (ev) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (ev, &caps);
  if (!gst_srtp_rekey_caps_have_key_fields (caps))
    return GST_PAD_PROBE_OK;

  out = gst_caps_copy (caps);
  for (i = 0; i < gst_caps_get_size (out); i++)
    gst_srtp_rekey_strip_key_fields (gst_caps_get_structure (out, i));
  gst_event_unref (ev);
  ev = gst_event_new_caps (out);
  gst_caps_unref (out);
  /* the pad stored the event before running probes: replace the stored
   * copy too, or gst_pad_get_current_caps() on srtpdec's source pad would
   * still hand out the keys */
  gst_pad_store_sticky_event (pad, ev);
  GST_PAD_PROBE_INFO_DATA (info) = ev;
  return GST_PAD_PROBE_OK;
}

static gboolean
add_probe (GstSrtpRekeyReceiver * r, const gchar * pad_name,
    GstPadProbeType type, GstPadProbeCallback cb)
{
  GstPad *pad = gst_element_get_static_pad (r->srtpdec, pad_name);
  ProbeRec *p;

  if (pad == NULL)
    return FALSE;
  p = g_new0 (ProbeRec, 1);
  p->pad = pad;
  p->id = gst_pad_add_probe (pad, type, cb, r, NULL);
  g_ptr_array_add (r->probes, p);
  return p->id != 0;
}

gboolean
gst_srtp_rekey_receiver_attach (GstSrtpRekeyReceiver * r,
    gboolean buffer_probes)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (r->probes->len == 0, FALSE);

  ok &= add_probe (r, "rtp_src", GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      src_event_probe);
  ok &= add_probe (r, "rtcp_src", GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      src_event_probe);
  if (buffer_probes) {
    r->path_pad[0] = gst_element_get_static_pad (r->srtpdec, "rtp_sink");
    r->path_pad[1] = gst_element_get_static_pad (r->srtpdec, "rtcp_sink");
    /* srtpdec has no chain_list: GStreamer hands it a list buffer by
     * buffer (each through these probes) */
    ok &= add_probe (r, "rtp_sink", GST_PAD_PROBE_TYPE_BUFFER,
        sink_buffer_probe);
    ok &= add_probe (r, "rtcp_sink", GST_PAD_PROBE_TYPE_BUFFER,
        sink_buffer_probe);
    ok &= add_probe (r, "rtp_sink", GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
        sink_event_probe);
    ok &= add_probe (r, "rtcp_sink", GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
        sink_event_probe);
  }
  r->request_key_id = g_signal_connect (r->srtpdec, "request-key",
      G_CALLBACK (on_request_key), r);
  return ok && r->request_key_id != 0;
}
