/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The re-keying engine (lib/srtp-rekey) with the real srtpenc / srtpdec:
 * appsrc ! rtpL16pay ! srtpenc ! appsink, each SRTP (and SRTCP) packet
 * handed to appsrc ! srtpdec ! rtpL16depay ! appsink, the engine
 * switching keys and MKIs on both sides; the decoded audio is compared
 * with the source byte for byte. Switch times are printed, not asserted.
 */
#include <gst/check/gstcheck.h>
#include <gst/app/app.h>
#include <gst/rtp/gstrtcpbuffer.h>
#include <string.h>

#include "gstsrtprekeycaps.h"
#include "gstsrtprekeyreceiver.h"
#include "gstsrtprekeysender.h"

#define SSRC 0x11223344u
#define PACKET_BYTES 160        /* 80 samples of S16BE mono at 8 kHz */
#define PERIOD_US 20000         /* one packet every 20 ms of test clock */
#define MKI_LEN 4

typedef struct
{
  guint64 n;
  guint64 total_ns;
  guint64 max_ns;
} Timing;

typedef struct
{
  SrtpRekeyPolicy policy;

  GstElement *spipe, *ssrc, *spay, *senc, *ssink;
  GstElement *srtcp_src, *srtcp_sink;
  GstSrtpRekeySender *sender;
  gint64 now_us;                /* the sender's clock */
  Timing send_timing;

  GstElement *rpipe, *rsrc, *rdec, *rsink;
  GstElement *rrtcp_src, *rrtcp_sink;
  GstSrtpRekeyReceiver *receiver;
  Timing recv_timing;
  guint unknown_calls;
  gboolean add_on_unknown;      /* the callback "fetches" the key */

  GByteArray *sent;             /* raw audio into the sender */
  guint n_pushed;
  gboolean keep_refs;           /* hand srtpdec shared buffers */
  GPtrArray *held;              /* SRTP buffers also referenced here */
  GPtrArray *held_copies;       /* their bytes when they were pushed */
} Rig;

/* Chain mode: a minimal element directly upstream of srtpdec that calls
 * the engine from its chain and event functions, as mmkmregistry and
 * mikeydec will. */
typedef struct
{
  GstElement parent;
  GstPad *sinkpad, *srcpad;
  GstSrtpRekeyReceiver *receiver;
} RekeyTap;
typedef GstElementClass RekeyTapClass;

static GType rekey_tap_get_type (void);
G_DEFINE_TYPE (RekeyTap, rekey_tap, GST_TYPE_ELEMENT);

static GstStaticPadTemplate tap_sink = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("application/x-srtp"));
static GstStaticPadTemplate tap_src = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("application/x-srtp"));

static GstFlowReturn
rekey_tap_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  RekeyTap *tap = (RekeyTap *) parent;

  if (gst_srtp_rekey_receiver_handle_buffer (tap->receiver, tap->srcpad,
          &buf) == GST_SRTP_REKEY_DROP) {
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  return gst_pad_push (tap->srcpad, buf);
}

static gboolean
rekey_tap_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  RekeyTap *tap = (RekeyTap *) parent;

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps, *out;
    gboolean ret;

    gst_event_parse_caps (event, &caps);
    out = gst_srtp_rekey_receiver_handle_caps (tap->receiver, tap->srcpad,
        caps);
    gst_event_unref (event);
    ret = gst_pad_push_event (tap->srcpad, gst_event_new_caps (out));
    gst_caps_unref (out);
    return ret;
  }
  return gst_pad_event_default (pad, parent, event);
}

static void
rekey_tap_class_init (RekeyTapClass * klass)
{
  gst_element_class_add_static_pad_template (klass, &tap_sink);
  gst_element_class_add_static_pad_template (klass, &tap_src);
  gst_element_class_set_static_metadata (klass, "rekeytap", "Filter",
      "test element", "test");
}

static void
rekey_tap_init (RekeyTap * tap)
{
  tap->sinkpad = gst_pad_new_from_static_template (&tap_sink, "sink");
  gst_pad_set_chain_function (tap->sinkpad, rekey_tap_chain);
  gst_pad_set_event_function (tap->sinkpad, rekey_tap_event);
  GST_PAD_SET_PROXY_CAPS (tap->sinkpad);
  gst_element_add_pad (GST_ELEMENT (tap), tap->sinkpad);
  tap->srcpad = gst_pad_new_from_static_template (&tap_src, "src");
  GST_PAD_SET_PROXY_CAPS (tap->srcpad);
  gst_element_add_pad (GST_ELEMENT (tap), tap->srcpad);
}

static void
make_key (guint k, const SrtpRekeyPolicy * p, guint8 * key, guint8 * mki)
{
  guint i;

  for (i = 0; i < p->key_salt_len; i++)
    key[i] = (guint8) (k * 131 + i * 7 + 1);
  mki[0] = 0xa0;
  mki[1] = (k >> 16) & 0xff;
  mki[2] = (k >> 8) & 0xff;
  mki[3] = k & 0xff;
}

static gint64
rig_clock (gpointer data)
{
  Rig *rig = data;

  /* set by the test thread before it pushes the buffer this is read for
   * (appsrc's queue lock orders the two) */
  return rig->now_us;
}

static void
timing_add (Timing * t, guint64 ns)
{
  t->n++;
  t->total_ns += ns;
  t->max_ns = MAX (t->max_ns, ns);
}

static void
on_sender_switch (GstSrtpRekeySender * s, const guint8 * mki, gsize mki_len,
    gint64 activation_us, gint64 now_us, guint64 switch_ns, gpointer data)
{
  Rig *rig = data;

  /* the switch is made at the first buffer at/after the activation */
  fail_unless (now_us >= activation_us);
  timing_add (&rig->send_timing, switch_ns);
}

static void
on_receiver_switch (GstSrtpRekeyReceiver * r, guint32 ssrc,
    const guint8 * mki, gsize mki_len, guint32 roc, guint64 switch_ns,
    gpointer data)
{
  Rig *rig = data;

  fail_unless_equals_int (ssrc, SSRC);
  timing_add (&rig->recv_timing, switch_ns);
}

static void
on_unknown_mki (GstSrtpRekeyReceiver * r, guint32 ssrc, const guint8 * mki,
    gsize mki_len, gboolean is_rtcp, gpointer data)
{
  Rig *rig = data;
  guint8 key[SRTP_REKEY_MAX_KEY_SALT], expect_mki[MKI_LEN];
  guint k;

  rig->unknown_calls++;
  fail_unless_equals_int (mki_len, MKI_LEN);
  if (!rig->add_on_unknown)
    return;
  /* the caller fetches the key; here it is computed from the MKI */
  k = (mki[1] << 16) | (mki[2] << 8) | mki[3];
  make_key (k, &rig->policy, key, expect_mki);
  fail_unless (memcmp (mki, expect_mki, MKI_LEN) == 0);
  fail_unless_equals_int (gst_srtp_rekey_receiver_add_key (r, mki, mki_len,
          key, rig->policy.key_salt_len, 0, FALSE, 0), SRTP_REKEY_RING_OK);
}

static GstElement *
get (GstElement * pipe, const gchar * name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipe), name);

  fail_unless (e != NULL, "no element %s", name);
  gst_object_unref (e);         /* the pipeline keeps it */
  return e;
}

static void
rig_sender_new (Rig * rig, guint seqnum_offset, gboolean with_rtcp)
{
  gchar *desc;
  GError *err = NULL;
  GstPad *sinkpad;

  desc = g_strdup_printf ("appsrc name=src format=time caps=\"audio/x-raw,"
      "format=S16BE,layout=interleaved,rate=8000,channels=1\" ! "
      "rtpL16pay name=pay pt=96 ssrc=%u seqnum-offset=%u min-ptime=0 ! "
      "srtpenc name=enc ! appsink name=sink sync=false %s", SSRC,
      seqnum_offset, with_rtcp ? "appsrc name=rtcpsrc format=time "
      "caps=application/x-rtcp ! enc.rtcp_sink_0 enc.rtcp_src_0 ! "
      "appsink name=rtcpsink sync=false async=false" : "");
  rig->spipe = gst_parse_launch (desc, &err);
  g_free (desc);
  fail_unless (rig->spipe != NULL, "%s", err ? err->message : "?");
  rig->ssrc = get (rig->spipe, "src");
  rig->spay = get (rig->spipe, "pay");
  rig->senc = get (rig->spipe, "enc");
  rig->ssink = get (rig->spipe, "sink");
  if (with_rtcp) {
    rig->srtcp_src = get (rig->spipe, "rtcpsrc");
    rig->srtcp_sink = get (rig->spipe, "rtcpsink");
  }

  rig->sender = gst_srtp_rekey_sender_new (rig->senc, &rig->policy, 8,
      rig_clock, rig);
  fail_unless (rig->sender != NULL);
  gst_srtp_rekey_sender_set_switch_callback (rig->sender, on_sender_switch,
      rig, NULL);
  {
    /* srtpenc's request pad rtp_sink_0, linked by gst_parse_launch */
    GstPad *paysrc = gst_element_get_static_pad (rig->spay, "src");

    sinkpad = gst_pad_get_peer (paysrc);
    gst_object_unref (paysrc);
  }
  fail_unless (sinkpad != NULL);
  fail_unless (gst_srtp_rekey_sender_attach (rig->sender, sinkpad));
  gst_object_unref (sinkpad);
}

static void
rig_sender_start (Rig * rig)
{
  fail_unless (gst_srtp_rekey_sender_configure (rig->sender));
  fail_unless (gst_element_set_state (rig->spipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
}

static void rig_receiver_new_full (Rig * rig, gboolean with_rtcp,
    gboolean chain_mode);

static void
rig_receiver_new (Rig * rig, gboolean with_rtcp)
{
  rig_receiver_new_full (rig, with_rtcp, FALSE);
}

static void
rig_receiver_new_full (Rig * rig, gboolean with_rtcp, gboolean chain_mode)
{
  gchar *desc;
  GError *err = NULL;
  GstSrtpRekeyReceiverCallbacks cb = { on_unknown_mki, on_receiver_switch };

  desc = g_strdup_printf ("appsrc name=src format=time caps=\"application/"
      "x-srtp,media=audio,clock-rate=8000,encoding-name=L16,channels=1,"
      "payload=96\" ! %s srtpdec name=dec ! rtpL16depay ! appsink name=sink "
      "sync=false %s", chain_mode ? "rekeytap name=tap !" : "",
      with_rtcp ? "appsrc name=rtcpsrc format=time "
      "caps=application/x-srtcp ! dec.rtcp_sink dec.rtcp_src ! "
      "appsink name=rtcpsink sync=false async=false" : "");
  rig->rpipe = gst_parse_launch (desc, &err);
  g_free (desc);
  fail_unless (rig->rpipe != NULL, "%s", err ? err->message : "?");
  rig->rsrc = get (rig->rpipe, "src");
  rig->rdec = get (rig->rpipe, "dec");
  rig->rsink = get (rig->rpipe, "sink");
  if (with_rtcp) {
    rig->rrtcp_src = get (rig->rpipe, "rtcpsrc");
    rig->rrtcp_sink = get (rig->rpipe, "rtcpsink");
  }
  /* a receiver at most a few packets behind the sender */
  g_object_set (rig->rsrc, "block", TRUE, "max-buffers", (guint64) 4, NULL);

  rig->receiver = gst_srtp_rekey_receiver_new (rig->rdec, &rig->policy, 16);
  fail_unless (rig->receiver != NULL);
  gst_srtp_rekey_receiver_set_callbacks (rig->receiver, &cb, rig, NULL);
  if (chain_mode)
    ((RekeyTap *) get (rig->rpipe, "tap"))->receiver = rig->receiver;
  fail_unless (gst_srtp_rekey_receiver_attach (rig->receiver, !chain_mode));
  fail_unless (gst_element_set_state (rig->rpipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
}

static void
rig_init (Rig * rig, SrtpRekeySuite suite)
{
  memset (rig, 0, sizeof (*rig));
  fail_unless (srtp_rekey_policy_init (&rig->policy, suite, MKI_LEN, FALSE));
  rig->sent = g_byte_array_new ();
  rig->held = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  rig->held_copies = g_ptr_array_new_with_free_func ((GDestroyNotify)
      g_bytes_unref);
}

static void
rig_schedule (Rig * rig, guint k, gint64 activation_us, gboolean receiver_too)
{
  guint8 key[SRTP_REKEY_MAX_KEY_SALT], mki[MKI_LEN];

  make_key (k, &rig->policy, key, mki);
  fail_unless_equals_int (gst_srtp_rekey_sender_schedule (rig->sender, mki,
          MKI_LEN, key, rig->policy.key_salt_len, activation_us),
      SRTP_REKEY_RING_OK);
  if (receiver_too && rig->receiver != NULL)
    fail_unless_equals_int (gst_srtp_rekey_receiver_add_key (rig->receiver,
            mki, MKI_LEN, key, rig->policy.key_salt_len, activation_us, FALSE,
            0), SRTP_REKEY_RING_OK);
}

/* Pushes raw packet @i into the sender at its clock time and returns the
 * SRTP packet srtpenc made from it. */
static GstBuffer *
rig_send_one (Rig * rig, guint i)
{
  guint8 raw[PACKET_BYTES];
  GstBuffer *buf;
  GstSample *sample;
  guint j;

  for (j = 0; j < PACKET_BYTES; j++)
    raw[j] = (guint8) (g_random_int () & 0xff);
  g_byte_array_append (rig->sent, raw, PACKET_BYTES);
  rig->now_us = (gint64) i *PERIOD_US;

  buf = gst_buffer_new_memdup (raw, PACKET_BYTES);
  GST_BUFFER_PTS (buf) = (GstClockTime) i *PERIOD_US * 1000;
  GST_BUFFER_DURATION (buf) = PERIOD_US * 1000;
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (rig->ssrc),
          buf), GST_FLOW_OK);

  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (rig->ssink),
      5 * GST_SECOND);
  fail_unless (sample != NULL, "srtpenc produced nothing for packet %u", i);
  buf = gst_buffer_ref (gst_sample_get_buffer (sample));
  gst_sample_unref (sample);
  return buf;
}

static void
rig_receive (Rig * rig, GstBuffer * srtp)
{
  if (rig->keep_refs) {
    GstMapInfo map;

    /* srtpdec 1.22 gets a buffer someone else still holds (as after a
     * tee): it must neither crash nor change those bytes */
    gst_buffer_map (srtp, &map, GST_MAP_READ);
    g_ptr_array_add (rig->held_copies, g_bytes_new (map.data, map.size));
    gst_buffer_unmap (srtp, &map);
    g_ptr_array_add (rig->held, gst_buffer_ref (srtp));
  }
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (rig->rsrc),
          srtp), GST_FLOW_OK);
  rig->n_pushed++;
}

static guint64
rig_processed (Rig * rig)
{
  GstSrtpRekeyReceiverStats st;

  gst_srtp_rekey_receiver_get_stats (rig->receiver, &st);
  return st.packets;
}

/* until the receiver's streaming thread has seen every packet pushed */
static void
rig_wait_processed (Rig * rig)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (rig_processed (rig) < rig->n_pushed) {
    fail_unless (g_get_monotonic_time () < end);
    g_usleep (1000);
  }
}

/* EOS, then everything the receiver decoded; asserts no key field in any
 * caps after srtpdec */
static GByteArray *
rig_collect (Rig * rig)
{
  GByteArray *out = g_byte_array_new ();
  GstSample *sample;
  GstPad *pad;
  GstCaps *caps;

  fail_unless_equals_int (gst_app_src_end_of_stream (GST_APP_SRC
          (rig->rsrc)), GST_FLOW_OK);
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (rig->rsink),
              10 * GST_SECOND)) != NULL) {
    GstBuffer *buf = gst_sample_get_buffer (sample);
    GstMapInfo map;

    caps = gst_sample_get_caps (sample);
    fail_unless (caps != NULL);
    fail_if (gst_srtp_rekey_caps_have_key_fields (caps),
        "key fields after srtpdec: %" GST_PTR_FORMAT, caps);
    gst_buffer_map (buf, &map, GST_MAP_READ);
    g_byte_array_append (out, map.data, map.size);
    gst_buffer_unmap (buf, &map);
    gst_sample_unref (sample);
  }
  fail_unless (gst_app_sink_is_eos (GST_APP_SINK (rig->rsink)));

  pad = gst_element_get_static_pad (rig->rdec, "rtp_src");
  caps = gst_pad_get_current_caps (pad);
  fail_unless (caps != NULL);
  fail_if (gst_srtp_rekey_caps_have_key_fields (caps),
      "key fields in srtpdec's output caps: %" GST_PTR_FORMAT, caps);
  gst_caps_unref (caps);
  gst_object_unref (pad);
  return out;
}

static void
print_timing (const gchar * what, const Timing * t)
{
  if (t->n == 0)
    return;
  g_print ("%s: %" G_GUINT64_FORMAT " switches, mean %" G_GUINT64_FORMAT
      " ns, max %" G_GUINT64_FORMAT " ns in the streaming thread\n", what,
      t->n, t->total_ns / t->n, t->max_ns);
}

static void
rig_free (Rig * rig)
{
  guint i;

  for (i = 0; i < rig->held->len; i++) {
    GstBuffer *b = g_ptr_array_index (rig->held, i);
    GBytes *orig = g_ptr_array_index (rig->held_copies, i);
    gsize len;
    const guint8 *d = g_bytes_get_data (orig, &len);

    fail_unless (gst_buffer_memcmp (b, 0, d, len) == 0,
        "srtpdec changed a shared buffer");
  }
  if (rig->spipe) {
    gst_element_set_state (rig->spipe, GST_STATE_NULL);
    gst_srtp_rekey_sender_free (rig->sender);
    gst_object_unref (rig->spipe);
  }
  if (rig->rpipe) {
    gst_element_set_state (rig->rpipe, GST_STATE_NULL);
    gst_srtp_rekey_receiver_free (rig->receiver);
    gst_object_unref (rig->rpipe);
  }
  g_byte_array_unref (rig->sent);
  g_ptr_array_unref (rig->held);
  g_ptr_array_unref (rig->held_copies);
}

/* Runs @n packets with a new key every @every packets (key k active from
 * packet k * every), keys prefetched one period ahead on the receiver */
static void
run_rekeys (Rig * rig, guint n, guint every)
{
  guint i;

  rig_schedule (rig, 0, 0, TRUE);
  rig_schedule (rig, 1, (gint64) every * PERIOD_US, TRUE);
  rig_sender_start (rig);
  for (i = 0; i < n; i++) {
    GstBuffer *srtp;

    /* at each switch, the key after the next one becomes known */
    if (i > 0 && i % every == 0) {
      guint k = i / every + 1;

      rig_schedule (rig, k, (gint64) k * every * PERIOD_US, TRUE);
      /* the receiver prunes by the packets it has seen: it runs behind */
      gst_srtp_rekey_receiver_prune (rig->receiver,
          (gint64) rig_processed (rig) * PERIOD_US);
    }
    srtp = rig_send_one (rig, i);
    rig_receive (rig, srtp);
  }
}

static void
check_exact (Rig * rig, GByteArray * out, gsize skip)
{
  fail_unless_equals_int (out->len, rig->sent->len - skip);
  fail_unless (memcmp (out->data, rig->sent->data + skip, out->len) == 0,
      "decoded audio differs from the source");
}

GST_START_TEST (test_thousand_rekeys_zero_loss)
{
  Rig rig;
  GByteArray *out;
  GstSrtpRekeyReceiverStats st;
  GstStructure *stats;
  guint drops = 0;

  rig_init (&rig, SRTP_REKEY_AES_CM_128_HMAC_SHA1_80);
  rig.keep_refs = TRUE;
  /* 1,000 re-keys, a new key every 3 packets, across a sequence wrap */
  rig_sender_new (&rig, 64000, FALSE);
  rig_receiver_new (&rig, FALSE);
  run_rekeys (&rig, 3003, 3);
  out = rig_collect (&rig);

  check_exact (&rig, out, 0);
  /* the first key is set before the start, then 1,000 switches; the
   * receiver's first key counts as a switch too */
  fail_unless_equals_int (gst_srtp_rekey_sender_get_switch_count
      (rig.sender), 1000);
  gst_srtp_rekey_receiver_get_stats (rig.receiver, &st);
  fail_unless_equals_int (st.switches, 1001);
  fail_unless_equals_int (st.unknown_mki_drops, 0);
  fail_unless_equals_int (st.malformed_drops, 0);
  fail_unless (st.shared_copies > 0);
  g_object_get (rig.rdec, "stats", &stats, NULL);
  fail_unless (gst_structure_get_uint (stats, "recv-drop-count", &drops));
  gst_structure_free (stats);
  fail_unless_equals_int (drops, 0);

  g_print ("1000 re-keys: %u packets sent, %u bytes decoded of %u, "
      "%u lost\n", rig.n_pushed, out->len, rig.sent->len,
      rig.n_pushed - out->len / PACKET_BYTES);
  print_timing ("sender", &rig.send_timing);
  print_timing ("receiver", &rig.recv_timing);
  g_byte_array_unref (out);
  rig_free (&rig);
}

GST_END_TEST;

GST_START_TEST (test_sequence_wrap)
{
  Rig rig;
  GByteArray *out;

  rig_init (&rig, SRTP_REKEY_AES_CM_128_HMAC_SHA1_80);
  /* keys of 40 packets: one key spans the wrap (its ROC goes to 1), the
   * next one starts again at ROC 0 in srtpenc */
  rig_sender_new (&rig, 65500, FALSE);
  rig_receiver_new (&rig, FALSE);
  run_rekeys (&rig, 200, 40);
  out = rig_collect (&rig);
  check_exact (&rig, out, 0);
  g_byte_array_unref (out);
  rig_free (&rig);
}

GST_END_TEST;

/* The same engine called from an element's chain function instead of
 * probes on srtpdec's sink pads */
GST_START_TEST (test_chain_mode)
{
  Rig rig;
  GByteArray *out;
  GstSrtpRekeyReceiverStats st;

  rig_init (&rig, SRTP_REKEY_AES_CM_128_HMAC_SHA1_80);
  rig.keep_refs = TRUE;
  rig_sender_new (&rig, 65400, FALSE);
  rig_receiver_new_full (&rig, FALSE, TRUE);
  run_rekeys (&rig, 400, 4);
  out = rig_collect (&rig);
  check_exact (&rig, out, 0);
  gst_srtp_rekey_receiver_get_stats (rig.receiver, &st);
  fail_unless_equals_int (st.switches, 100);
  fail_unless (st.shared_copies > 0);
  g_byte_array_unref (out);
  rig_free (&rig);
}

GST_END_TEST;

static GstBuffer *
make_rtcp_sr (guint n)
{
  GstBuffer *buf = gst_rtcp_buffer_new (1400);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GstRTCPPacket packet;

  gst_rtcp_buffer_map (buf, GST_MAP_READWRITE, &rtcp);
  fail_unless (gst_rtcp_buffer_add_packet (&rtcp, GST_RTCP_TYPE_SR, &packet));
  gst_rtcp_packet_sr_set_sender_info (&packet, SSRC, 0x0102030405060708ull +
      n, n * 160, n, n * PACKET_BYTES);
  gst_rtcp_buffer_unmap (&rtcp);
  return buf;
}

/* SRTCP from srtpenc's RTCP pad (another streaming thread) after each
 * switch, through srtpdec's RTCP pad */
GST_START_TEST (test_srtcp_after_switch)
{
  Rig rig;
  GByteArray *out;
  guint i, every = 10, n_rtcp = 0;

  rig_init (&rig, SRTP_REKEY_AES_CM_128_HMAC_SHA1_80);
  rig_sender_new (&rig, 1000, TRUE);
  rig_receiver_new (&rig, TRUE);
  rig_schedule (&rig, 0, 0, TRUE);
  rig_schedule (&rig, 1, (gint64) every * PERIOD_US, TRUE);
  rig_sender_start (&rig);

  for (i = 0; i < 100; i++) {
    if (i > 0 && i % every == 0) {
      guint k = i / every + 1;

      rig_schedule (&rig, k, (gint64) k * every * PERIOD_US, TRUE);
      gst_srtp_rekey_receiver_prune (rig.receiver,
          (gint64) rig_processed (&rig) * PERIOD_US);
    }
    rig_receive (&rig, rig_send_one (&rig, i));

    /* two SRTCP packets under each key, the first right after the switch */
    if (i % every == 0 || i % every == 5) {
      GstBuffer *rtcp = make_rtcp_sr (i), *srtcp;
      GstSample *sample;
      SrtpRekeyPacketInfo info;
      GstMapInfo map;
      guint8 mki[MKI_LEN], key[SRTP_REKEY_MAX_KEY_SALT];
      GstMapInfo orig;

      gst_buffer_map (rtcp, &orig, GST_MAP_READ);
      fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC
              (rig.srtcp_src), gst_buffer_ref (rtcp)), GST_FLOW_OK);
      sample = gst_app_sink_try_pull_sample (GST_APP_SINK (rig.srtcp_sink),
          5 * GST_SECOND);
      fail_unless (sample != NULL);
      srtcp = gst_buffer_ref (gst_sample_get_buffer (sample));
      gst_sample_unref (sample);

      /* the SRTCP packet carries the MKI of the key now in use */
      make_key (i / every, &rig.policy, key, mki);
      gst_buffer_map (srtcp, &map, GST_MAP_READ);
      fail_unless (srtp_rekey_packet_is_rtcp (map.data, map.size));
      fail_unless_equals_int (srtp_rekey_srtcp_find_mki (map.data, map.size,
              &rig.policy, &info), SRTP_REKEY_PACKET_OK);
      fail_unless (memcmp (map.data + info.mki_offset, mki, MKI_LEN) == 0);
      fail_unless (info.encrypted);
      gst_buffer_unmap (srtcp, &map);

      fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC
              (rig.rrtcp_src), srtcp), GST_FLOW_OK);
      sample = gst_app_sink_try_pull_sample (GST_APP_SINK (rig.rrtcp_sink),
          5 * GST_SECOND);
      fail_unless (sample != NULL, "SRTCP %u (after packet %u) not decrypted",
          n_rtcp, i);
      fail_unless (gst_buffer_memcmp (gst_sample_get_buffer (sample), 0,
              orig.data, orig.size) == 0);
      fail_unless_equals_int (gst_buffer_get_size (gst_sample_get_buffer
              (sample)), orig.size);
      fail_if (gst_srtp_rekey_caps_have_key_fields (gst_sample_get_caps
              (sample)));
      gst_sample_unref (sample);
      gst_buffer_unmap (rtcp, &orig);
      gst_buffer_unref (rtcp);
      n_rtcp++;
    }
  }
  fail_unless_equals_int (n_rtcp, 20);
  out = rig_collect (&rig);
  check_exact (&rig, out, 0);
  g_byte_array_unref (out);
  rig_free (&rig);
}

GST_END_TEST;

/* A receiver that starts mid-stream, with the current key and the ROC
 * the sender published for it (not 0: the key spans a wrap) */
GST_START_TEST (test_late_joiner_roc)
{
  Rig rig;
  GByteArray *out;
  guint i, join = 300;
  guint32 roc = 0;
  guint8 key[SRTP_REKEY_MAX_KEY_SALT], mki[MKI_LEN];
  gsize skip;

  rig_init (&rig, SRTP_REKEY_AES_CM_128_HMAC_SHA1_80);
  rig_sender_new (&rig, 65400, FALSE);
  /* key 0 from packet 0, key 1 from packet 100 (seq 65500: it wraps at
   * packet 136), key 2 from packet 400 */
  rig_schedule (&rig, 0, 0, FALSE);
  rig_schedule (&rig, 1, 100 * PERIOD_US, FALSE);
  rig_schedule (&rig, 2, 400 * PERIOD_US, FALSE);
  rig_sender_start (&rig);
  for (i = 0; i < join; i++)
    gst_buffer_unref (rig_send_one (&rig, i));

  /* published with the key: srtpenc's ROC under key 1 */
  fail_unless (gst_srtp_rekey_sender_get_roc (rig.sender, SSRC, &roc));
  fail_unless_equals_int (roc, 1);
  skip = rig.sent->len;

  rig_receiver_new (&rig, FALSE);
  {
    /* srtpenc's output caps carry its key in clear (1.22): handed on
     * in-band, they must not reach srtpdec's keys or anything after it */
    GstPad *pad = gst_element_get_static_pad (rig.ssink, "sink");
    GstCaps *caps = gst_pad_get_current_caps (pad);

    fail_unless (caps != NULL);
    fail_unless (gst_srtp_rekey_caps_have_key_fields (caps));
    g_object_set (rig.rsrc, "caps", caps, NULL);
    gst_caps_unref (caps);
    gst_object_unref (pad);
  }
  make_key (1, &rig.policy, key, mki);
  fail_unless_equals_int (gst_srtp_rekey_receiver_add_key (rig.receiver,
          mki, MKI_LEN, key, rig.policy.key_salt_len, 100 * PERIOD_US, TRUE,
          roc), SRTP_REKEY_RING_OK);
  make_key (2, &rig.policy, key, mki);
  fail_unless_equals_int (gst_srtp_rekey_receiver_add_key (rig.receiver,
          mki, MKI_LEN, key, rig.policy.key_salt_len, 400 * PERIOD_US, FALSE,
          0), SRTP_REKEY_RING_OK);
  for (i = join; i < 500; i++)
    rig_receive (&rig, rig_send_one (&rig, i));
  out = rig_collect (&rig);
  check_exact (&rig, out, skip);
  g_byte_array_unref (out);
  rig_free (&rig);
}

GST_END_TEST;

/* Packets under a key the receiver does not have: the callback fires,
 * the packets are dropped before srtpdec and counted; once the callback
 * has added the key, everything decrypts. */
GST_START_TEST (test_unknown_mki)
{
  Rig rig;
  GByteArray *out;
  GstSrtpRekeyReceiverStats st;
  guint i;
  guint8 key[SRTP_REKEY_MAX_KEY_SALT], mki[MKI_LEN];

  rig_init (&rig, SRTP_REKEY_AES_CM_128_HMAC_SHA1_80);
  rig_sender_new (&rig, 0, FALSE);
  rig_receiver_new (&rig, FALSE);
  rig_schedule (&rig, 0, 0, TRUE);
  /* key 1 never reaches the receiver in advance */
  rig_schedule (&rig, 1, 10 * PERIOD_US, FALSE);
  rig_sender_start (&rig);
  for (i = 0; i < 20; i++)
    rig_receive (&rig, rig_send_one (&rig, i));
  /* packets 10..19 dropped, one callback each (rate limiting is the
   * caller's); then garbage with that MKI and a truncated packet */
  {
    guint8 junk[40];

    memset (junk, 0, sizeof (junk));
    junk[0] = 0x80;
    junk[1] = 96;
    make_key (1, &rig.policy, key, mki);
    memcpy (junk + sizeof (junk) - 10 - MKI_LEN, mki, MKI_LEN);
    rig_receive (&rig, gst_buffer_new_memdup (junk, sizeof (junk)));
    rig_receive (&rig, gst_buffer_new_memdup (junk, 5));
  }
  /* now the callback fetches: packet 20 decrypts */
  rig_wait_processed (&rig);
  rig.add_on_unknown = TRUE;
  for (i = 20; i < 30; i++)
    rig_receive (&rig, rig_send_one (&rig, i));
  out = rig_collect (&rig);

  gst_srtp_rekey_receiver_get_stats (rig.receiver, &st);
  fail_unless_equals_int (st.unknown_mki_drops, 11);
  fail_unless_equals_int (st.malformed_drops, 1);
  fail_unless_equals_int (rig.unknown_calls, 12);
  /* the callback added the key for packet 20: it went on to srtpdec;
   * srtpdec got packets 0..9 and 20..29 */
  fail_unless_equals_int (out->len, 20 * PACKET_BYTES);
  fail_unless (memcmp (out->data, rig.sent->data, 10 * PACKET_BYTES) == 0);
  fail_unless (memcmp (out->data + 10 * PACKET_BYTES,
          rig.sent->data + 20 * PACKET_BYTES, 10 * PACKET_BYTES) == 0);
  g_byte_array_unref (out);
  rig_free (&rig);
}

GST_END_TEST;

/* Each suite: the MKI is where the parser says in srtpenc's SRTP and
 * SRTCP, and re-keys decrypt (GCM included) */
GST_START_TEST (test_suites)
{
  static const SrtpRekeySuite suites[] = {
    SRTP_REKEY_AES_CM_128_HMAC_SHA1_80, SRTP_REKEY_AES_CM_128_HMAC_SHA1_32,
    SRTP_REKEY_AES_256_CM_HMAC_SHA1_80, SRTP_REKEY_AES_256_CM_HMAC_SHA1_32,
    SRTP_REKEY_AEAD_AES_128_GCM, SRTP_REKEY_AEAD_AES_256_GCM,
  };
  guint s;

  for (s = 0; s < G_N_ELEMENTS (suites); s++) {
    Rig rig;
    GByteArray *out;
    guint i, every = 5;

    rig_init (&rig, suites[s]);
    /* libsrtp 2.5 finds an SRTCP MKI with the RTP tag length: for the
     * _32 suites SRTCP must use the 32-bit tag too (docs/srtp-rekey.md) */
    if (rig.policy.rtp_tag_len == 4)
      fail_unless (srtp_rekey_policy_init (&rig.policy, suites[s], MKI_LEN,
              TRUE));
    rig_sender_new (&rig, 100, FALSE);
    rig_receiver_new (&rig, FALSE);
    rig_schedule (&rig, 0, 0, TRUE);
    rig_schedule (&rig, 1, (gint64) every * PERIOD_US, TRUE);
    rig_sender_start (&rig);
    for (i = 0; i < 30; i++) {
      GstBuffer *srtp;
      GstMapInfo map;
      SrtpRekeyPacketInfo info;
      guint8 key[SRTP_REKEY_MAX_KEY_SALT], mki[MKI_LEN];

      if (i > 0 && i % every == 0) {
        guint k = i / every + 1;

        rig_schedule (&rig, k, (gint64) k * every * PERIOD_US, TRUE);
      }
      srtp = rig_send_one (&rig, i);
      make_key (i / every, &rig.policy, key, mki);
      gst_buffer_map (srtp, &map, GST_MAP_READ);
      fail_unless_equals_int (srtp_rekey_srtp_find_mki (map.data, map.size,
              &rig.policy, &info), SRTP_REKEY_PACKET_OK);
      fail_unless (memcmp (map.data + info.mki_offset, mki, MKI_LEN) == 0,
          "suite %u: MKI not where expected", s);
      fail_unless_equals_int (map.size, 12 + PACKET_BYTES + MKI_LEN +
          rig.policy.rtp_tag_len);
      fail_unless_equals_int (info.ssrc, SSRC);
      gst_buffer_unmap (srtp, &map);
      rig_receive (&rig, srtp);
    }
    out = rig_collect (&rig);
    check_exact (&rig, out, 0);
    g_byte_array_unref (out);
    rig_free (&rig);
  }
}

GST_END_TEST;

static Suite *
srtp_rekey_suite (void)
{
  Suite *s = suite_create ("srtp-rekey");
  TCase *tc = tcase_create ("general");

  gst_element_register (NULL, "rekeytap", GST_RANK_NONE, rekey_tap_get_type ());
  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_suites);
  tcase_add_test (tc, test_sequence_wrap);
  tcase_add_test (tc, test_chain_mode);
  tcase_add_test (tc, test_srtcp_after_switch);
  tcase_add_test (tc, test_late_joiner_roc);
  tcase_add_test (tc, test_unknown_mki);
  tcase_add_test (tc, test_thousand_rekeys_zero_loss);
  return s;
}

GST_CHECK_MAIN (srtp_rekey);
