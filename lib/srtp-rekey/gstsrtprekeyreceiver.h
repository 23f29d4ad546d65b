/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Receiver side of zero-loss re-keying in front of the stock srtpdec
 * (GStreamer 1.22). For every SRTP/SRTCP packet, before srtpdec sees it:
 * find the MKI; on an MKI new to the stream and known in the key ring,
 * emit srtpdec's "remove-key" for the SSRC and send a caps event with
 * the keys for that MKI (and the previous one), then let the packet go;
 * on an unknown MKI, report it and drop the packet. Also keeps every key
 * field out of the caps srtpdec sends downstream. See docs/srtp-rekey.md.
 */
#pragma once

#include <gst/gst.h>
#include "srtp-rekey-ring.h"

G_BEGIN_DECLS typedef struct _GstSrtpRekeyReceiver GstSrtpRekeyReceiver;

typedef enum
{
  GST_SRTP_REKEY_PASS,          /* give the buffer to srtpdec */
  GST_SRTP_REKEY_DROP,          /* the caller drops (unrefs) it */
} GstSrtpRekeyVerdict;

typedef struct
{
  /* streaming thread, no lock held: a packet carried an MKI the ring
   * does not know (the packet is dropped). Fetch the key and add it;
   * rate limiting is the caller's. */
  void (*unknown_mki) (GstSrtpRekeyReceiver * receiver, guint32 ssrc,
      const guint8 * mki, gsize mki_len, gboolean is_rtcp, gpointer user_data);
  /* streaming thread, no lock held: srtpdec was switched to @mki for
   * @ssrc; @switch_ns is the time the switch took in the streaming
   * thread (remove-key + caps event). */
  void (*switched) (GstSrtpRekeyReceiver * receiver, guint32 ssrc,
      const guint8 * mki, gsize mki_len, guint32 roc, guint64 switch_ns,
      gpointer user_data);
} GstSrtpRekeyReceiverCallbacks;

/* @srtpdec: the stock srtpdec (a ref is taken). @policy: suite and MKI
 * length of the stream. @capacity: keys the ring holds. */
GstSrtpRekeyReceiver *gst_srtp_rekey_receiver_new (GstElement * srtpdec,
    const SrtpRekeyPolicy * policy, guint capacity);
/* With the pipeline stopped (READY or NULL): removes the probes and the
 * signal handler, wipes every key */
void gst_srtp_rekey_receiver_free (GstSrtpRekeyReceiver * receiver);

void gst_srtp_rekey_receiver_set_callbacks (GstSrtpRekeyReceiver * receiver,
    const GstSrtpRekeyReceiverCallbacks * callbacks, gpointer user_data,
    GDestroyNotify notify);

/* Any thread. @has_roc/@roc: the sender's published ROC under this key,
 * used when this key is the first a stream gets (late joiner). */
SrtpRekeyRingResult gst_srtp_rekey_receiver_add_key (GstSrtpRekeyReceiver *
    receiver, const guint8 * mki, gsize mki_len, const guint8 * key,
    gsize key_len, gint64 activation_us, gboolean has_roc, guint32 roc);
gboolean gst_srtp_rekey_receiver_remove_key (GstSrtpRekeyReceiver * receiver,
    const guint8 * mki, gsize mki_len);
/* srtp_rekey_ring_prune() on the ring */
guint gst_srtp_rekey_receiver_prune (GstSrtpRekeyReceiver * receiver,
    gint64 now_us);

/* How the engine is hooked in:
 *  - probe mode (@buffer_probes TRUE): buffer and caps-event probes on
 *    srtpdec's rtp_sink and rtcp_sink pads do everything; nothing else to
 *    call.
 *  - chain mode (@buffer_probes FALSE): an element directly upstream of
 *    srtpdec calls gst_srtp_rekey_receiver_handle_buffer() from its chain
 *    function and gst_srtp_rekey_receiver_handle_caps() for caps events.
 * Both install the probes on srtpdec's source pads that strip key fields
 * and a "request-key" handler (for a stream srtpdec lost: it answers from
 * the ring, never calling into srtpdec). Call once, before data flows. */
gboolean gst_srtp_rekey_receiver_attach (GstSrtpRekeyReceiver * receiver,
    gboolean buffer_probes);

/* Streaming thread. @caps_pad: where caps for srtpdec go — the calling
 * element's source pad (pushed) or srtpdec's sink pad (sent). @buf may be
 * replaced by a writable (unshared) copy: srtpdec 1.22 corrupts memory
 * when handed a shared buffer. On DROP the caller unrefs *@buf. */
GstSrtpRekeyVerdict gst_srtp_rekey_receiver_handle_buffer (GstSrtpRekeyReceiver
    * receiver, GstPad * caps_pad, GstBuffer ** buf);

/* Streaming thread, for caps coming from upstream on the path of
 * @caps_pad: returns the caps to forward (key fields stripped: the keys
 * srtpdec holds are the engine's alone), and remembers them as the base
 * of the caps the engine sends on that path. */
GstCaps *gst_srtp_rekey_receiver_handle_caps (GstSrtpRekeyReceiver * receiver,
    GstPad * caps_pad, GstCaps * caps);

/* Forget every stream (srtpdec dropped its streams: PAUSED -> READY) */
void gst_srtp_rekey_receiver_reset (GstSrtpRekeyReceiver * receiver);

typedef struct
{
  guint64 packets;              /* seen */
  guint64 switches;
  guint64 unknown_mki_drops;    /* dropped before srtpdec: unknown MKI */
  guint64 malformed_drops;      /* dropped: too short, not RTP */
  guint64 stream_limit_drops;   /* dropped: too many SSRCs */
  /* SRTCP under the previous key after the switch: dropped, as srtpdec's
   * one SRTCP replay window per stream would let it block the new key's
   * SRTCP (the SRTCP index restarts with each key) */
  guint64 late_rtcp_drops;
  guint64 requests_answered;    /* srtpdec "request-key" answered */
  guint64 shared_copies;        /* shared buffers copied before srtpdec */
} GstSrtpRekeyReceiverStats;

void gst_srtp_rekey_receiver_get_stats (GstSrtpRekeyReceiver * receiver,
    GstSrtpRekeyReceiverStats * stats);

G_END_DECLS
