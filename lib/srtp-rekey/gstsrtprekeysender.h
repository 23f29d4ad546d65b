/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sender side of zero-loss re-keying: switches the stock srtpenc's key
 * and MKI together, in the streaming thread, right before the first
 * buffer at or after a key's activation time. See docs/srtp-rekey.md. */
#pragma once

#include <gst/gst.h>
#include "srtp-rekey-ring.h"

G_BEGIN_DECLS typedef struct _GstSrtpRekeySender GstSrtpRekeySender;

/* Microseconds of the caller's clock (wall clock, pipeline running time,
 * a test's counter ...); the same clock as the activation times. */
typedef gint64 (*GstSrtpRekeyClockFunc) (gpointer user_data);

/* Called in the streaming thread after each switch, with no lock held
 * (it may call gst_srtp_rekey_sender_get_roc or schedule keys).
 * @switch_ns: the time the switch took in the streaming thread. */
typedef void (*GstSrtpRekeySwitchFunc) (GstSrtpRekeySender * sender,
    const guint8 * mki, gsize mki_len, gint64 activation_us, gint64 now_us,
    guint64 switch_ns, gpointer user_data);

/* @srtpenc: the stock srtpenc (a ref is taken); @capacity: keys the ring
 * holds (scheduled ones included). NULL for a bad policy or capacity. */
GstSrtpRekeySender *gst_srtp_rekey_sender_new (GstElement * srtpenc,
    const SrtpRekeyPolicy * policy, guint capacity,
    GstSrtpRekeyClockFunc clock, gpointer clock_data);
/* With the pipeline stopped: removes the probe, wipes every key */
void gst_srtp_rekey_sender_free (GstSrtpRekeySender * sender);

void gst_srtp_rekey_sender_set_switch_callback (GstSrtpRekeySender * sender,
    GstSrtpRekeySwitchFunc func, gpointer user_data, GDestroyNotify notify);

/* Any thread. The key switches in at the first buffer at/after
 * @activation_us. */
SrtpRekeyRingResult gst_srtp_rekey_sender_schedule (GstSrtpRekeySender *
    sender, const guint8 * mki, gsize mki_len, const guint8 * key,
    gsize key_len, gint64 activation_us);

/* Any thread. Withdraws a scheduled key (a group re-key replaced it
 * before it activated): FALSE when unknown or already in use. */
gboolean gst_srtp_rekey_sender_unschedule (GstSrtpRekeySender * sender,
    const guint8 * mki, gsize mki_len);

/* Before the pipeline leaves NULL: sets srtpenc's ciphers and auths from
 * the policy and its key and MKI from the key active now (srtpenc needs a
 * key to reach READY). FALSE when no key is active yet. */
gboolean gst_srtp_rekey_sender_configure (GstSrtpRekeySender * sender);

/* In the streaming thread, before a buffer reaches srtpenc (an element's
 * chain function upstream of srtpenc, or the probe that
 * gst_srtp_rekey_sender_attach installs): switches when a new key is due.
 * TRUE when it switched. */
gboolean gst_srtp_rekey_sender_handle_buffer (GstSrtpRekeySender * sender);

/* Installs a buffer / buffer-list probe on @pad (srtpenc's rtp_sink_N, or
 * any pad upstream on the same streaming thread) calling
 * gst_srtp_rekey_sender_handle_buffer. */
gboolean gst_srtp_rekey_sender_attach (GstSrtpRekeySender * sender,
    GstPad * pad);

/* srtpenc's ROC for @ssrc under the current key (from its "stats"), for
 * late joiners. Never call this from a srtpdec "request-key" handler of
 * the same process's srtpdec: that runs under srtpdec's lock. */
gboolean gst_srtp_rekey_sender_get_roc (GstSrtpRekeySender * sender,
    guint32 ssrc, guint32 * roc);

/* The MKI in use (copied to @mki, SRTP_REKEY_MAX_MKI bytes); 0 before
 * the first key. */
gsize gst_srtp_rekey_sender_get_current_mki (GstSrtpRekeySender * sender,
    guint8 * mki);

guint gst_srtp_rekey_sender_get_switch_count (GstSrtpRekeySender * sender);

G_END_DECLS
