/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mikeyenc: no packet reaches srtpenc before its key, bounded holding,
 * EOS during the exchange, the key-established signal and srtp-caps, SDP
 * (key-mgmt) mode end to end, interoperation with GStreamer's gstmikey,
 * link orders, settings. */
#include <gst/check/gstcheck.h>
#include <gst/app/gstappsink.h>
#include <gst/sdp/gstmikey.h>
#include <string.h>
#include "mikey-test-util.h"
#include "mikey-types.h"

/* ------------------------------------------------------------------------
 * A receiver made of the core's responder, answering after a delay
 * ---------------------------------------------------------------------- */

typedef struct
{
  GSocket *sock;
  guint port;
  guint delay_ms;
  GThread *thread;
  MikeyResponder *resp;
  gint answered;
  gint stop;
} FakeReceiver;

static gpointer
fake_receiver_thread (gpointer data)
{
  FakeReceiver *f = data;
  guint8 buf[4096];

  while (!g_atomic_int_get (&f->stop)) {
    GSocketAddress *from = NULL;
    GBytes *reply = NULL;
    GError *err = NULL;
    gssize n;

    if (!g_socket_condition_timed_wait (f->sock, G_IO_IN, 100 * 1000, NULL,
            NULL))
      continue;
    n = g_socket_receive_from (f->sock, &from, (gchar *) buf, sizeof (buf),
        NULL, NULL);
    if (n <= 0)
      continue;
    g_usleep (f->delay_ms * 1000);
    if (mikey_responder_handle_init (f->resp, buf, n, "sender",
            g_get_real_time (), &reply, &err) != MIKEY_RESPONSE_REFUSED &&
        reply != NULL) {
      gsize len;
      const guint8 *d = g_bytes_get_data (reply, &len);

      g_socket_send_to (f->sock, from, (const gchar *) d, len, NULL, NULL);
      g_atomic_int_inc (&f->answered);
    }
    g_clear_error (&err);
    if (reply)
      g_bytes_unref (reply);
    g_object_unref (from);
  }
  return NULL;
}

static FakeReceiver *
fake_receiver_new (guint delay_ms)
{
  static const guint8 psk[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
    0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff
  };
  FakeReceiver *f = g_new0 (FakeReceiver, 1);
  MikeyResponderConfig cfg = { 0, };
  GSocketAddress *local;

  cfg.mode = MIKEY_MODE_PSK;
  cfg.psk = psk;
  cfg.psk_len = sizeof (psk);
  f->resp = mikey_responder_new (&cfg, NULL);
  fail_unless (f->resp != NULL);
  f->sock = mikey_test_udp_socket ();
  local = g_socket_get_local_address (f->sock, NULL);
  f->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_object_unref (local);
  f->delay_ms = delay_ms;
  f->thread = g_thread_new ("fake-receiver", fake_receiver_thread, f);
  return f;
}

static void
fake_receiver_free (FakeReceiver * f)
{
  g_atomic_int_set (&f->stop, 1);
  g_thread_join (f->thread);
  g_socket_close (f->sock, NULL);
  g_object_unref (f->sock);
  mikey_responder_free (f->resp);
  g_free (f);
}

/* ------------------------------------------------------------------------
 * A sender whose SRTP goes to an appsink
 * ---------------------------------------------------------------------- */

typedef struct
{
  GstElement *pipeline;
  GstElement *enc;
  GMutex lock;
  gboolean keyed;
  GstCaps *signal_caps;
  guint n_signals;
  guint into_srtpenc_before_key;
  guint into_mikeyenc_before_key;
  GArray *seqnums;              /* of guint16, as srtpenc's output */
} Sender;

static void
on_key_established (GstElement * enc, GstCaps * caps, Sender * s)
{
  g_mutex_lock (&s->lock);
  s->keyed = TRUE;
  s->n_signals++;
  gst_caps_replace (&s->signal_caps, caps);
  g_mutex_unlock (&s->lock);
}

static GstPadProbeReturn
srtpenc_probe (GstPad * pad, GstPadProbeInfo * info, Sender * s)
{
  g_mutex_lock (&s->lock);
  if (!s->keyed)
    s->into_srtpenc_before_key++;
  g_mutex_unlock (&s->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
mikeyenc_probe (GstPad * pad, GstPadProbeInfo * info, Sender * s)
{
  g_mutex_lock (&s->lock);
  if (!s->keyed)
    s->into_mikeyenc_before_key++;
  g_mutex_unlock (&s->lock);
  return GST_PAD_PROBE_OK;
}

static GstFlowReturn
on_srtp (GstAppSink * sink, gpointer user_data)
{
  Sender *s = user_data;
  GstSample *sample = gst_app_sink_pull_sample (sink);
  guint8 hdr[4];
  guint16 seq;

  gst_buffer_extract (gst_sample_get_buffer (sample), 0, hdr, 4);
  seq = GST_READ_UINT16_BE (hdr + 2);
  g_mutex_lock (&s->lock);
  g_array_append_val (s->seqnums, seq);
  g_mutex_unlock (&s->lock);
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

static Sender *
sender_new (const gchar * src, const gchar * enc_props)
{
  Sender *s = g_new0 (Sender, 1);
  gchar *desc;
  GstElement *el, *sink;
  GstPad *pad;
  GstAppSinkCallbacks cb = { NULL, NULL, on_srtp };

  desc = g_strdup_printf ("%s ! audio/x-raw,format=S16BE,rate=8000,"
      "channels=1 ! rtpL16pay ! mikeyenc name=enc %s ! srtpenc name=srtpenc "
      "! appsink name=sink sync=false", src, enc_props);
  s->pipeline = gst_parse_launch (desc, NULL);
  fail_unless (s->pipeline != NULL);
  g_free (desc);
  mikey_test_watch_bus (s->pipeline);
  g_mutex_init (&s->lock);
  s->seqnums = g_array_new (FALSE, FALSE, sizeof (guint16));

  s->enc = gst_bin_get_by_name (GST_BIN (s->pipeline), "enc");
  g_signal_connect (s->enc, "key-established",
      G_CALLBACK (on_key_established), s);
  pad = gst_element_get_static_pad (s->enc, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
      (GstPadProbeCallback) mikeyenc_probe, s, NULL);
  gst_object_unref (pad);

  el = gst_bin_get_by_name (GST_BIN (s->pipeline), "srtpenc");
  pad = mikey_test_first_sink_pad (el);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, (GstPadProbeCallback) srtpenc_probe, s,
      NULL);
  gst_object_unref (pad);
  gst_object_unref (el);

  sink = gst_bin_get_by_name (GST_BIN (s->pipeline), "sink");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &cb, s, NULL);
  gst_object_unref (sink);
  return s;
}

static void
sender_free (Sender * s)
{
  gst_element_set_state (s->pipeline, GST_STATE_NULL);
  gst_object_unref (s->enc);
  mikey_test_pipeline_free (s->pipeline);
  gst_clear_caps (&s->signal_caps);
  g_array_unref (s->seqnums);
  g_mutex_clear (&s->lock);
  g_free (s);
}

static void
sender_run_to_eos (Sender * s)
{
  GstMessage *msg;
  gchar *text;

  fail_if (gst_element_set_state (s->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = mikey_test_wait_eos_or_error (s->pipeline, 20000);
  fail_unless (msg != NULL, "no EOS");
  text = mikey_test_message_text (msg);
  fail_unless (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS, "error: %s", text);
  g_free (text);
  gst_message_unref (msg);
}

static void
assert_all_in_order (Sender * s, guint n)
{
  guint i;

  fail_unless_equals_int (s->seqnums->len, n);
  for (i = 1; i < s->seqnums->len; i++)
    fail_unless_equals_int ((guint16) (g_array_index (s->seqnums, guint16,
                i - 1) + 1), g_array_index (s->seqnums, guint16, i));
}

/* ------------------------------------------------------------------------
 * Tests
 * ---------------------------------------------------------------------- */

GST_START_TEST (test_nothing_before_key_bounded)
{
  FakeReceiver *f = fake_receiver_new (500);
  Sender *s;
  gchar *props;
  GstBuffer *key;
  GstCaps *caps;
  const GstStructure *st;
  GstMessage *msg;
  guint ssrc;

  props = g_strdup_printf ("psk=" TEST_PSK " peer-address=127.0.0.1 "
      "peer-port=%u max-held-buffers=5", f->port);
  /* not live: it pushes as fast as it can while the exchange runs */
  s = sender_new ("audiotestsrc num-buffers=40 samplesperbuffer=160", props);
  sender_run_to_eos (s);

  fail_unless_equals_int (g_atomic_int_get (&f->answered), 1);
  fail_unless_equals_int (s->n_signals, 1);
  fail_unless_equals_int (s->into_srtpenc_before_key, 0);
  /* 5 held, the 6th waits in the streaming thread */
  fail_unless (s->into_mikeyenc_before_key <= 6, "%u packets came in",
      s->into_mikeyenc_before_key);
  assert_all_in_order (s, 40);

  /* the signal's caps are srtp-caps: what srtpdec needs */
  g_object_get (s->enc, "srtp-caps", &caps, NULL);
  fail_unless (caps != NULL);
  fail_unless (gst_caps_is_equal (caps, s->signal_caps));
  st = gst_caps_get_structure (caps, 0);
  fail_unless (gst_structure_get (st, "srtp-key", GST_TYPE_BUFFER, &key, NULL));
  fail_unless_equals_int (gst_buffer_get_size (key), 30);
  gst_buffer_unref (key);
  fail_unless_equals_string (gst_structure_get_string (st, "srtp-cipher"),
      "aes-128-icm");
  fail_unless_equals_string (gst_structure_get_string (st, "srtp-auth"),
      "hmac-sha1-80");
  fail_unless (gst_structure_get_uint (st, "ssrc", &ssrc));
  gst_caps_unref (caps);

  msg = mikey_test_find_message (s->pipeline, GST_MESSAGE_ELEMENT,
      "mikey-key-established", 0);
  fail_unless (msg != NULL);
  mikey_test_assert_no_keys (gst_message_get_structure (msg));
  gst_message_unref (msg);

  sender_free (s);
  fake_receiver_free (f);
  g_free (props);
}

GST_END_TEST;

/* EOS while the exchange runs: the held packets and then EOS go out */
GST_START_TEST (test_eos_during_exchange)
{
  FakeReceiver *f = fake_receiver_new (300);
  Sender *s;
  gchar *props;

  props = g_strdup_printf ("psk=" TEST_PSK " peer-address=127.0.0.1 "
      "peer-port=%u", f->port);
  s = sender_new ("audiotestsrc num-buffers=3 samplesperbuffer=160", props);
  sender_run_to_eos (s);
  fail_unless_equals_int (s->into_srtpenc_before_key, 0);
  fail_unless_equals_int (s->into_mikeyenc_before_key, 3);
  assert_all_in_order (s, 3);
  sender_free (s);
  fake_receiver_free (f);
  g_free (props);
}

GST_END_TEST;

/* No srtpenc at all: the application wires keys from the signal */
GST_START_TEST (test_no_srtpenc)
{
  GstElement *pipeline, *enc;
  GstMessage *msg;
  guint n = 0;

  pipeline = gst_parse_launch ("audiotestsrc num-buffers=5 ! "
      "audio/x-raw,format=S16BE,rate=8000,channels=1 ! rtpL16pay ! "
      "mikeyenc name=enc psk=" TEST_PSK " ! fakesink", NULL);
  mikey_test_watch_bus (pipeline);
  enc = gst_bin_get_by_name (GST_BIN (pipeline), "enc");
  g_signal_connect_swapped (enc, "key-established",
      G_CALLBACK (g_atomic_int_inc), &n);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = mikey_test_wait_eos_or_error (pipeline, 10000);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  fail_unless_equals_int (n, 1);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (enc);
  mikey_test_pipeline_free (pipeline);
}

GST_END_TEST;

static gchar *
enc_key_mgmt (GstElement * pipeline)
{
  GstElement *enc = gst_bin_get_by_name (GST_BIN (pipeline), "enc");
  gchar *km;

  g_object_get (enc, "key-mgmt", &km, NULL);
  gst_object_unref (enc);
  return km;
}

/* The documented way to get key-mgmt before streaming */
static gchar *
enc_build_key_mgmt (GstElement * pipeline)
{
  GstElement *enc = gst_bin_get_by_name (GST_BIN (pipeline), "enc");
  gchar *km = NULL;

  g_signal_emit_by_name (enc, "build-key-mgmt", &km);
  gst_object_unref (enc);
  return km;
}

static void
compare (MikeyTestCapture * rx, MikeyTestCapture * tx, guint bytes)
{
  GstMessage *msg = mikey_test_wait_eos_or_error (tx->pipeline, 20000);

  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  fail_unless_equals_int (tx->bytes->len, bytes);
  fail_unless (mikey_test_wait_bytes (rx, bytes, NULL, 10000),
      "receiver got %u of %u", (guint) mikey_test_capture_size (rx), bytes);
  fail_unless (memcmp (rx->bytes->data, tx->bytes->data, bytes) == 0);
}

/* SDP way, key-mgmt built before the pipeline runs (no SSRC yet) */
GST_START_TEST (test_sdp_key_mgmt_before_start)
{
  guint rtp_port = mikey_test_free_port ();
  MikeyTestCapture *rx, *tx;
  gchar *km, *km2;
  GstElement *dec;

  tx = mikey_test_sender_new (rtp_port, 25, NULL,
      "mikeyenc name=enc psk=" TEST_PSK " ! srtpenc");
  km = enc_build_key_mgmt (tx->pipeline);
  fail_unless (km != NULL && g_str_has_prefix (km, "mikey "));
  /* the same value on every read, and from the action signal again */
  km2 = enc_key_mgmt (tx->pipeline);
  fail_unless_equals_string (km, km2);
  g_free (km2);
  km2 = enc_key_mgmt (tx->pipeline);
  fail_unless_equals_string (km, km2);
  g_free (km2);
  km2 = enc_build_key_mgmt (tx->pipeline);
  fail_unless_equals_string (km, km2);
  g_free (km2);

  rx = mikey_test_receiver_new (rtp_port, "port=0 psk=" TEST_PSK);
  dec = gst_bin_get_by_name (GST_BIN (rx->pipeline), "dec");
  g_object_set (dec, "key-mgmt", km, NULL);
  gst_object_unref (dec);

  fail_if (gst_element_set_state (rx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (tx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  compare (rx, tx, 25 * 320);

  /* READY and back keeps the published key-mgmt */
  gst_element_set_state (tx->pipeline, GST_STATE_READY);
  km2 = enc_key_mgmt (tx->pipeline);
  fail_unless_equals_string (km, km2);
  g_free (km2);
  /* NULL forgets it: new keys next time */
  gst_element_set_state (tx->pipeline, GST_STATE_NULL);
  fail_unless (enc_key_mgmt (tx->pipeline) == NULL);
  km2 = enc_build_key_mgmt (tx->pipeline);
  fail_unless (km2 != NULL);
  fail_if (g_str_equal (km, km2));
  g_free (km2);

  mikey_test_capture_free (tx);
  mikey_test_capture_free (rx);
  g_free (km);
}

GST_END_TEST;

/* Reading key-mgmt builds nothing and makes no key live: only the
 * build-key-mgmt action signal (or the first packet) does */
GST_START_TEST (test_key_mgmt_getter_no_side_effects)
{
  GstElement *pipeline, *enc;
  GstBus *bus;
  GstMessage *msg;
  gchar *km, *km2;
  GstCaps *caps = NULL;
  gint n = 0;

  pipeline = gst_parse_launch ("audiotestsrc num-buffers=5 ! "
      "audio/x-raw,format=S16BE,rate=8000,channels=1 ! rtpL16pay ! "
      "mikeyenc name=enc psk=" TEST_PSK " ! fakesink", NULL);
  fail_unless (pipeline != NULL);
  bus = gst_element_get_bus (pipeline);
  enc = gst_bin_get_by_name (GST_BIN (pipeline), "enc");
  g_signal_connect_swapped (enc, "key-established",
      G_CALLBACK (g_atomic_int_inc), &n);

  g_object_get (enc, "key-mgmt", &km, "srtp-caps", &caps, NULL);
  fail_unless (km == NULL);
  fail_unless (caps == NULL);
  fail_unless_equals_int (g_atomic_int_get (&n), 0);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT) == NULL);
  /* neither in READY */
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  g_object_get (enc, "key-mgmt", &km, NULL);
  fail_unless (km == NULL);
  fail_unless_equals_int (g_atomic_int_get (&n), 0);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT) == NULL);

  g_signal_emit_by_name (enc, "build-key-mgmt", &km);
  fail_unless (km != NULL && g_str_has_prefix (km, "mikey "));
  fail_unless_equals_int (g_atomic_int_get (&n), 1);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (msg != NULL);
  fail_unless (gst_message_has_name (msg, "mikey-key-established"));
  gst_message_unref (msg);
  g_object_get (enc, "key-mgmt", &km2, "srtp-caps", &caps, NULL);
  fail_unless_equals_string (km, km2);
  fail_unless (caps != NULL);
  gst_caps_unref (caps);
  g_free (km2);
  /* once: a second emission returns the same, keys already live */
  g_signal_emit_by_name (enc, "build-key-mgmt", &km2);
  fail_unless_equals_string (km, km2);
  g_free (km2);
  fail_unless_equals_int (g_atomic_int_get (&n), 1);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_free (km);
  gst_object_unref (bus);
  gst_object_unref (enc);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* With a peer the action signal builds nothing before the exchange */
GST_START_TEST (test_build_key_mgmt_with_peer)
{
  GstElement *enc = gst_element_factory_make ("mikeyenc", NULL);
  gchar *km = (gchar *) "unset";
  gint n = 0;

  g_object_set (enc, "peer-address", "127.0.0.1", "psk", TEST_PSK, NULL);
  g_signal_connect_swapped (enc, "key-established",
      G_CALLBACK (g_atomic_int_inc), &n);
  g_signal_emit_by_name (enc, "build-key-mgmt", &km);
  fail_unless (km == NULL);
  fail_unless_equals_int (g_atomic_int_get (&n), 0);
  gst_object_unref (enc);
}

GST_END_TEST;

/* SDP way, the answer side gets key-mgmt while packets already flow */
GST_START_TEST (test_sdp_key_mgmt_late)
{
  guint rtp_port = mikey_test_free_port ();
  MikeyTestCapture *rx, *tx;
  gchar *km = NULL;
  GstElement *dec;
  gint i;

  tx = mikey_test_sender_new (rtp_port, 25, NULL,
      "mikeyenc name=enc mode=psk psk=" TEST_PSK " ! srtpenc");
  rx = mikey_test_receiver_new (rtp_port, "port=0 psk=" TEST_PSK);
  fail_if (gst_element_set_state (rx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (tx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  /* the message is built with the first packet, with its SSRC */
  for (i = 0; i < 100 && tx->n_buffers < 5; i++)
    g_usleep (10 * 1000);
  km = enc_key_mgmt (tx->pipeline);
  fail_unless (km != NULL);
  fail_unless_equals_int (mikey_test_capture_size (rx), 0);

  dec = gst_bin_get_by_name (GST_BIN (rx->pipeline), "dec");
  g_object_set (dec, "key-mgmt", km, NULL);
  gst_object_unref (dec);
  /* the packets held so far come out too */
  compare (rx, tx, 25 * 320);

  mikey_test_capture_free (tx);
  mikey_test_capture_free (rx);
  g_free (km);
}

GST_END_TEST;

/* GStreamer's own parser reads our messages; with key-data=tek its
 * gst_mikey_message_to_caps() gets the same key srtpenc uses */
GST_START_TEST (test_gstmikey_reads_key_mgmt)
{
  GstElement *pipeline, *enc;
  gchar *km;
  guint8 *data;
  gsize len;
  GBytes *bytes;
  GstMIKEYMessage *msg;
  GstCaps *gcaps, *ours;
  GstBuffer *gkey, *okey;
  GError *err = NULL;
  GstMessage *eos;

  pipeline = gst_parse_launch ("audiotestsrc num-buffers=5 ! "
      "audio/x-raw,format=S16BE,rate=8000,channels=1 ! rtpL16pay ! "
      "mikeyenc name=enc mode=null key-data=tek ! srtpenc ! fakesink", NULL);
  mikey_test_watch_bus (pipeline);
  enc = gst_bin_get_by_name (GST_BIN (pipeline), "enc");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  eos = mikey_test_wait_eos_or_error (pipeline, 10000);
  fail_unless (eos != NULL && GST_MESSAGE_TYPE (eos) == GST_MESSAGE_EOS);
  gst_message_unref (eos);

  g_object_get (enc, "key-mgmt", &km, "srtp-caps", &ours, NULL);
  fail_unless (km != NULL && ours != NULL);
  data = mikey_key_mgmt_decode (km, &len, &err);
  fail_unless (data != NULL);
  bytes = g_bytes_new_take (data, len);
  msg = gst_mikey_message_new_from_bytes (bytes, NULL, &err);
  fail_unless (msg != NULL, "gstmikey: %s", err ? err->message : "?");
  fail_unless_equals_int (msg->type, GST_MIKEY_TYPE_PSK_INIT);
  fail_unless (gst_mikey_message_find_payload (msg, GST_MIKEY_PT_KEMAC,
          0) != NULL);
  fail_unless (gst_mikey_message_find_payload (msg, GST_MIKEY_PT_SP,
          0) != NULL);

  gcaps = gst_caps_new_empty_simple ("application/x-srtp");
  fail_unless (gst_mikey_message_to_caps (msg, gcaps));
  fail_unless (gst_structure_get (gst_caps_get_structure (gcaps, 0),
          "srtp-key", GST_TYPE_BUFFER, &gkey, NULL));
  fail_unless (gst_structure_get (gst_caps_get_structure (ours, 0),
          "srtp-key", GST_TYPE_BUFFER, &okey, NULL));
  fail_unless (gst_buffer_get_size (gkey) == gst_buffer_get_size (okey));
  {
    GstMapInfo map;

    gst_buffer_map (okey, &map, GST_MAP_READ);
    fail_unless (gst_buffer_memcmp (gkey, 0, map.data, map.size) == 0);
    gst_buffer_unmap (okey, &map);
  }
  fail_unless_equals_string (gst_structure_get_string
      (gst_caps_get_structure (gcaps, 0), "srtp-cipher"), "aes-128-icm");

  gst_buffer_unref (gkey);
  gst_buffer_unref (okey);
  gst_caps_unref (gcaps);
  gst_caps_unref (ours);
  gst_mikey_message_unref (msg);
  g_bytes_unref (bytes);
  g_free (km);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (enc);
  mikey_test_pipeline_free (pipeline);
}

GST_END_TEST;

/* srtpenc needs a key to leave NULL; however the pipeline gets linked,
 * mikeyenc gives it one before that */
GST_START_TEST (test_link_orders)
{
  gint order;

  for (order = 0; order < 2; order++) {
    GstElement *pipeline, *src, *caps, *pay, *enc, *q, *srtpenc, *sink;
    GstMessage *msg;

    pipeline = gst_pipeline_new (NULL);
    mikey_test_watch_bus (pipeline);
    src = gst_element_factory_make ("audiotestsrc", NULL);
    g_object_set (src, "num-buffers", 5, NULL);
    caps = gst_element_factory_make ("capsfilter", NULL);
    {
      GstCaps *c = gst_caps_from_string ("audio/x-raw,format=S16BE,"
          "rate=8000,channels=1");

      g_object_set (caps, "caps", c, NULL);
      gst_caps_unref (c);
    }
    pay = gst_element_factory_make ("rtpL16pay", NULL);
    enc = gst_element_factory_make ("mikeyenc", NULL);
    g_object_set (enc, "psk", TEST_PSK, NULL);
    q = gst_element_factory_make ("queue", NULL);
    srtpenc = gst_element_factory_make ("srtpenc", NULL);
    sink = gst_element_factory_make ("fakesink", NULL);
    gst_bin_add_many (GST_BIN (pipeline), src, caps, pay, enc, q, srtpenc,
        sink, NULL);
    if (order == 0) {
      fail_unless (gst_element_link_many (src, caps, pay, enc, q, srtpenc,
              sink, NULL));
    } else {
      fail_unless (gst_element_link_many (q, srtpenc, sink, NULL));
      fail_unless (gst_element_link_many (src, caps, pay, enc, NULL));
      fail_unless (gst_element_link (enc, q));
    }
    fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE);
    msg = mikey_test_wait_eos_or_error (pipeline, 10000);
    fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
    gst_message_unref (msg);
    gst_element_set_state (pipeline, GST_STATE_NULL);
    mikey_test_pipeline_free (pipeline);
  }
}

GST_END_TEST;

GST_START_TEST (test_bad_settings)
{
  static const struct
  {
    const gchar *props;
    const gchar *expect;
  } cases[] = {
    {"peer-address=127.0.0.1", "mode=psk needs a pre-shared key"},
    {"psk=12345", "not valid hex"},
    /* a separator inside a byte is a mistyped key, not a key */
    {"psk=001:122", "separator at position 4 splits a byte"},
    {"psk-file=/nonexistent/psk.hex", "Could not read psk-file"},
    {"psk=" TEST_PSK " suite=any", "Unknown crypto suite"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstElement *pipeline;
    gchar *desc;

    desc = g_strdup_printf ("audiotestsrc ! rtpL16pay ! mikeyenc %s ! "
        "srtpenc ! fakesink", cases[i].props);
    pipeline = gst_parse_launch (desc, NULL);
    mikey_test_expect_start_error (pipeline, cases[i].props, cases[i].expect);
    mikey_test_pipeline_free (pipeline);
    g_free (desc);
  }
}

GST_END_TEST;

GST_START_TEST (test_defaults)
{
  GstElement *enc = gst_element_factory_make ("mikeyenc", NULL);
  gchar *addr, *suite;
  guint port, timeout, max;
  GstCaps *caps;
  GParamSpec *pspec;

  fail_unless (enc != NULL);
  g_object_get (enc, "peer-address", &addr, "peer-port", &port, "timeout",
      &timeout, "max-held-buffers", &max, "suite", &suite, "srtp-caps",
      &caps, NULL);
  fail_unless (addr == NULL);
  fail_unless_equals_int (port, 2269);
  fail_unless_equals_int (timeout, 5000);
  fail_unless (max > 0);
  fail_unless_equals_string (suite, "AES_CM_128_HMAC_SHA1_80");
  fail_unless (caps == NULL);
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (enc), "psk");
  fail_unless (pspec != NULL && !(pspec->flags & G_PARAM_READABLE));
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (enc), "key-mgmt");
  fail_unless (pspec != NULL && !(pspec->flags & G_PARAM_WRITABLE));
  g_free (suite);
  gst_object_unref (enc);
}

GST_END_TEST;

static Suite *
mikeyenc_suite (void)
{
  Suite *s = suite_create ("mikeyenc");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_nothing_before_key_bounded);
  tcase_add_test (tc, test_eos_during_exchange);
  tcase_add_test (tc, test_no_srtpenc);
  tcase_add_test (tc, test_sdp_key_mgmt_before_start);
  tcase_add_test (tc, test_sdp_key_mgmt_late);
  tcase_add_test (tc, test_key_mgmt_getter_no_side_effects);
  tcase_add_test (tc, test_build_key_mgmt_with_peer);
  tcase_add_test (tc, test_gstmikey_reads_key_mgmt);
  tcase_add_test (tc, test_link_orders);
  tcase_add_test (tc, test_bad_settings);
  tcase_add_test (tc, test_defaults);
  return s;
}

MIKEY_CHECK_MAIN (mikeyenc);
