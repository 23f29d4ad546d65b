/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers for the mikeyenc / mikeydec element tests. */
#include "mikey-test-util.h"

#include <string.h>
#include <gst/check/gstcheck.h>
#include <gst/app/gstappsink.h>

#if defined(__SANITIZE_ADDRESS__)
/* Under AddressSanitizer (meson setup -Db_sanitize=address,undefined
 * -Db_lundef=false): gst-plugin-scanner is not instrumented and cannot load
 * the instrumented plugin, so the registry is scanned in-process; and leak
 * reports are off by default because GLib's and OpenSSL's per-thread
 * allocations (RAND DRBG of the streaming threads) show up as leaks.
 * ASAN_OPTIONS=detect_leaks=1 turns them back on. */
const char *__asan_default_options (void);

const char *
__asan_default_options (void)
{
  return "detect_leaks=0";
}

static void mikey_test_sanitizer_setup (void) __attribute__((constructor));

static void
mikey_test_sanitizer_setup (void)
{
  g_setenv ("GST_REGISTRY_FORK", "no", FALSE);
}
#endif

guint
mikey_test_free_port (void)
{
  GSocket *sock;
  GInetAddress *lo;
  GSocketAddress *addr, *local;
  guint port;

  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, NULL);
  g_assert_nonnull (sock);
  lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  addr = g_inet_socket_address_new (lo, 0);
  g_assert_true (g_socket_bind (sock, addr, FALSE, NULL));
  local = g_socket_get_local_address (sock, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_object_unref (local);
  g_object_unref (addr);
  g_object_unref (lo);
  g_socket_close (sock, NULL);
  g_object_unref (sock);
  return port;
}

/* ------------------------------------------------------------------------
 * Bus recording
 * ---------------------------------------------------------------------- */

typedef struct
{
  GMutex lock;
  GCond cond;
  GPtrArray *msgs;
} BusRecord;

static void
bus_record_free (gpointer data)
{
  BusRecord *r = data;

  g_ptr_array_unref (r->msgs);
  g_mutex_clear (&r->lock);
  g_cond_clear (&r->cond);
  g_free (r);
}

static GstBusSyncReply
bus_sync (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  BusRecord *r = user_data;

  /* a sync handler that answers GST_BUS_DROP owns the message: the record
   * takes that reference */
  g_mutex_lock (&r->lock);
  g_ptr_array_add (r->msgs, msg);
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
  return GST_BUS_DROP;
}

void
mikey_test_watch_bus (GstElement * pipeline)
{
  BusRecord *r = g_new0 (BusRecord, 1);
  GstBus *bus;

  g_mutex_init (&r->lock);
  g_cond_init (&r->cond);
  r->msgs = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_message_unref);
  g_object_set_data_full (G_OBJECT (pipeline), "mikey-test-bus", r,
      bus_record_free);
  bus = gst_element_get_bus (pipeline);
  gst_bus_set_sync_handler (bus, bus_sync, r, NULL);
  gst_object_unref (bus);
}

void
mikey_test_unwatch_bus (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);

  /* The recorded messages hold references to the elements that posted
   * them, the pipeline holds the record: break the cycle, or the whole
   * pipeline outlives the test. */
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_object_unref (bus);
  g_object_set_data (G_OBJECT (pipeline), "mikey-test-bus", NULL);
}

void
mikey_test_pipeline_free (GstElement * pipeline)
{
  if (pipeline == NULL)
    return;
  gst_element_set_state (pipeline, GST_STATE_NULL);
  mikey_test_unwatch_bus (pipeline);
  gst_object_unref (pipeline);
}

static gboolean
matches (GstMessage * msg, GstMessageType types, const gchar * name)
{
  if (!(GST_MESSAGE_TYPE (msg) & types))
    return FALSE;
  if (name != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT)
    return gst_message_has_name (msg, name);
  return TRUE;
}

GstMessage *
mikey_test_find_message (GstElement * pipeline, GstMessageType types,
    const gchar * name, guint timeout_ms)
{
  BusRecord *r = g_object_get_data (G_OBJECT (pipeline), "mikey-test-bus");
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  GstMessage *ret = NULL;
  guint i = 0;

  g_assert_nonnull (r);
  g_mutex_lock (&r->lock);
  for (;;) {
    for (; i < r->msgs->len; i++) {
      GstMessage *msg = g_ptr_array_index (r->msgs, i);

      if (matches (msg, types, name)) {
        ret = gst_message_ref (msg);
        goto done;
      }
    }
    if (!g_cond_wait_until (&r->cond, &r->lock, end))
      break;
  }
done:
  g_mutex_unlock (&r->lock);
  return ret;
}

gboolean
mikey_test_has_message (GstElement * pipeline, GstMessageType types,
    const gchar * name, guint timeout_ms)
{
  GstMessage *msg = mikey_test_find_message (pipeline, types, name,
      timeout_ms);

  if (msg == NULL)
    return FALSE;
  gst_message_unref (msg);
  return TRUE;
}

guint
mikey_test_count_messages (GstElement * pipeline, GstMessageType types,
    const gchar * name)
{
  BusRecord *r = g_object_get_data (G_OBJECT (pipeline), "mikey-test-bus");
  guint i, n = 0;

  g_assert_nonnull (r);
  g_mutex_lock (&r->lock);
  for (i = 0; i < r->msgs->len; i++) {
    if (matches (g_ptr_array_index (r->msgs, i), types, name))
      n++;
  }
  g_mutex_unlock (&r->lock);
  return n;
}

void
mikey_test_clear_messages (GstElement * pipeline)
{
  BusRecord *r = g_object_get_data (G_OBJECT (pipeline), "mikey-test-bus");

  g_mutex_lock (&r->lock);
  g_ptr_array_set_size (r->msgs, 0);
  g_mutex_unlock (&r->lock);
}

GstMessage *
mikey_test_wait_eos_or_error (GstElement * pipeline, guint timeout_ms)
{
  return mikey_test_find_message (pipeline,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR, NULL, timeout_ms);
}

gchar *
mikey_test_message_text (GstMessage * msg)
{
  GError *err = NULL;
  gchar *debug = NULL, *ret;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, &err, &debug);
  else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING)
    gst_message_parse_warning (msg, &err, &debug);
  else if (gst_message_get_structure (msg) != NULL)
    return gst_structure_to_string (gst_message_get_structure (msg));
  else
    return g_strdup (GST_MESSAGE_TYPE_NAME (msg));
  ret = g_strdup (err->message);
  g_clear_error (&err);
  g_free (debug);
  return ret;
}

void
mikey_test_assert_error_code (GstMessage * msg, GQuark domain, gint code)
{
  GError *err = NULL;
  gchar *debug = NULL;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, &err, &debug);
  else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING)
    gst_message_parse_warning (msg, &err, &debug);
  fail_unless (err != NULL, "not an error or warning: %s",
      GST_MESSAGE_TYPE_NAME (msg));
  fail_unless (g_error_matches (err, domain, code), "%s %d instead of %s %d: "
      "%s", g_quark_to_string (err->domain), err->code,
      g_quark_to_string (domain), code, err->message);
  g_clear_error (&err);
  g_free (debug);
}

/* ------------------------------------------------------------------------
 * Pipelines
 * ---------------------------------------------------------------------- */

static void
capture_append (MikeyTestCapture * c, GstBuffer * buf)
{
  GstMapInfo map;

  g_assert_true (gst_buffer_map (buf, &map, GST_MAP_READ));
  g_mutex_lock (&c->lock);
  g_byte_array_append (c->bytes, map.data, map.size);
  c->n_buffers++;
  g_mutex_unlock (&c->lock);
  gst_buffer_unmap (buf, &map);
}

static GstFlowReturn
on_new_sample (GstAppSink * sink, gpointer user_data)
{
  GstSample *sample = gst_app_sink_pull_sample (sink);

  if (sample != NULL) {
    capture_append (user_data, gst_sample_get_buffer (sample));
    gst_sample_unref (sample);
  }
  return GST_FLOW_OK;
}

static void
on_handoff (GstElement * identity, GstBuffer * buf, gpointer user_data)
{
  capture_append (user_data, buf);
}

static MikeyTestCapture *
capture_new (const gchar * desc)
{
  MikeyTestCapture *c = g_new0 (MikeyTestCapture, 1);
  GError *err = NULL;

  c->pipeline = gst_parse_launch (desc, &err);
  if (c->pipeline == NULL)
    g_error ("could not build \"%s\": %s", desc, err->message);
  g_mutex_init (&c->lock);
  c->bytes = g_byte_array_new ();
  mikey_test_watch_bus (c->pipeline);
  return c;
}

MikeyTestCapture *
mikey_test_listening_receiver (guint * port, const gchar * props)
{
  gchar *p;
  MikeyTestCapture *rx;

  *port = mikey_test_free_port ();
  p = g_strdup_printf ("address=127.0.0.1 port=%u %s", *port, props);
  rx = mikey_test_receiver_new (mikey_test_free_port (), p);
  g_free (p);
  fail_if (gst_element_set_state (rx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  return rx;
}

MikeyTestCapture *
mikey_test_receiver_new (guint rtp_port, const gchar * dec_props)
{
  MikeyTestCapture *c;
  GstElement *sink;
  gchar *desc;
  GstAppSinkCallbacks cb = { NULL, NULL, on_new_sample };

  desc = g_strdup_printf ("udpsrc address=127.0.0.1 port=%u caps=\"%s\" ! "
      "mikeydec name=dec %s ! srtpdec name=srtpdec ! rtpL16depay ! "
      "appsink name=sink sync=false", rtp_port, TEST_SRTP_CAPS, dec_props);
  c = capture_new (desc);
  g_free (desc);
  sink = gst_bin_get_by_name (GST_BIN (c->pipeline), "sink");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &cb, c, NULL);
  gst_object_unref (sink);
  return c;
}

MikeyTestCapture *
mikey_test_sender_new (guint rtp_port, guint n, const gchar * pay_props,
    const gchar * middle)
{
  MikeyTestCapture *c;
  GstElement *identity;
  gchar *desc;

  desc = g_strdup_printf ("audiotestsrc name=src wave=white-noise "
      "is-live=true samplesperbuffer=160 num-buffers=%u ! "
      "audio/x-raw,format=S16BE,rate=8000,channels=1 ! "
      "identity name=tap signal-handoffs=true ! rtpL16pay name=pay %s ! "
      "%s ! udpsink host=127.0.0.1 port=%u sync=false", n,
      pay_props ? pay_props : "", middle, rtp_port);
  c = capture_new (desc);
  g_free (desc);
  identity = gst_bin_get_by_name (GST_BIN (c->pipeline), "tap");
  g_signal_connect (identity, "handoff", G_CALLBACK (on_handoff), c);
  gst_object_unref (identity);
  return c;
}

void
mikey_test_capture_reset (MikeyTestCapture * c)
{
  g_mutex_lock (&c->lock);
  g_byte_array_set_size (c->bytes, 0);
  c->n_buffers = 0;
  g_mutex_unlock (&c->lock);
}

gsize
mikey_test_capture_size (MikeyTestCapture * c)
{
  gsize n;

  g_mutex_lock (&c->lock);
  n = c->bytes->len;
  g_mutex_unlock (&c->lock);
  return n;
}

void
mikey_test_capture_free (MikeyTestCapture * c)
{
  if (c == NULL)
    return;
  mikey_test_pipeline_free (c->pipeline);
  g_byte_array_unref (c->bytes);
  g_mutex_clear (&c->lock);
  g_free (c);
}

gboolean
mikey_test_wait_bytes (MikeyTestCapture * c, gsize size, GstElement * other,
    guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_get_monotonic_time () < end) {
    GstMessage *err;

    if (mikey_test_capture_size (c) >= size)
      return TRUE;
    err = mikey_test_find_message (c->pipeline, GST_MESSAGE_ERROR, NULL, 0);
    if (err == NULL && other != NULL)
      err = mikey_test_find_message (other, GST_MESSAGE_ERROR, NULL, 0);
    if (err != NULL) {
      gchar *text = mikey_test_message_text (err);

      GST_WARNING ("error while waiting for data: %s", text);
      g_free (text);
      gst_message_unref (err);
      return FALSE;
    }
    g_usleep (10 * 1000);
  }
  return mikey_test_capture_size (c) >= size;
}

/* ------------------------------------------------------------------------
 * Checks and MIKEY messages
 * ---------------------------------------------------------------------- */

static gboolean
check_field (GQuark field, const GValue * value, gpointer user_data)
{
  const gchar *name = g_quark_to_string (field);

  fail_if (GST_VALUE_HOLDS_BUFFER (value), "field %s holds a buffer", name);
  fail_if (G_VALUE_HOLDS (value, G_TYPE_BYTES), "field %s holds bytes", name);
  fail_if (strstr (name, "key") != NULL || strstr (name, "salt") != NULL,
      "field %s looks like key material", name);
  return TRUE;
}

void
mikey_test_assert_no_keys (const GstStructure * s)
{
  gst_structure_foreach (s, check_field, NULL);
}

static guint8 *
hex_to_bytes (const gchar * hex, gsize * len)
{
  gsize n = strlen (hex) / 2, i;
  guint8 *out = g_malloc (n);

  for (i = 0; i < n; i++)
    out[i] = (g_ascii_xdigit_value (hex[2 * i]) << 4) |
        g_ascii_xdigit_value (hex[2 * i + 1]);
  *len = n;
  return out;
}

GBytes *
mikey_test_make_init (MikeyMode mode, const gchar * psk_hex,
    gboolean have_ssrc, guint32 ssrc, const guint8 * tek, gsize tek_len,
    const guint8 * mki, gsize mki_len, gboolean no_verify, gint64 now_us,
    MikeyInitiator ** out_init)
{
  MikeyInitiatorConfig cfg = { 0, };
  MikeySrtpCs cs = { 0, ssrc, 0 };
  MikeyInitiator *init;
  GError *err = NULL;
  GBytes *msg;
  guint8 *psk = NULL;
  gsize psk_len = 0;

  if (psk_hex != NULL)
    psk = hex_to_bytes (psk_hex, &psk_len);
  cfg.mode = mode;
  cfg.psk = psk;
  cfg.psk_len = psk_len;
  cfg.tek = tek;
  cfg.tek_len = tek_len;
  cfg.mki = mki;
  cfg.mki_len = mki_len;
  cfg.no_verify = no_verify;
  if (have_ssrc) {
    cfg.cs = &cs;
    cfg.n_cs = 1;
  }
  init = mikey_initiator_new (&cfg, &err);
  fail_unless (init != NULL, "initiator: %s", err ? err->message : "?");
  msg = mikey_initiator_start (init, now_us ? now_us : g_get_real_time (),
      &err);
  fail_unless (msg != NULL, "start: %s", err ? err->message : "?");
  g_free (psk);
  if (out_init != NULL)
    *out_init = init;
  else
    mikey_initiator_free (init);
  return msg;
}

GSocket *
mikey_test_udp_socket (void)
{
  GSocket *sock;
  GInetAddress *lo;
  GSocketAddress *addr;

  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, NULL);
  lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  addr = g_inet_socket_address_new (lo, 0);
  g_assert_true (g_socket_bind (sock, addr, FALSE, NULL));
  g_object_unref (addr);
  g_object_unref (lo);
  return sock;
}

GBytes *
mikey_test_udp_exchange (GSocket * sock, guint port, GBytes * data,
    guint timeout_ms)
{
  GInetAddress *lo;
  GSocketAddress *to;
  gboolean own = (sock == NULL);
  guint8 buf[4096];
  gssize n;
  gsize len;
  const guint8 *d = g_bytes_get_data (data, &len);
  GBytes *ret = NULL;

  if (own)
    sock = mikey_test_udp_socket ();
  lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  to = g_inet_socket_address_new (lo, port);
  g_assert_cmpint (g_socket_send_to (sock, to, (const gchar *) d, len, NULL,
          NULL), ==, (gssize) len);
  g_socket_set_timeout (sock, (timeout_ms + 999) / 1000);
  if (timeout_ms > 0 &&
      g_socket_condition_timed_wait (sock, G_IO_IN,
          (gint64) timeout_ms * 1000, NULL, NULL)) {
    n = g_socket_receive (sock, (gchar *) buf, sizeof (buf), NULL, NULL);
    if (n > 0)
      ret = g_bytes_new (buf, n);
  }
  g_object_unref (to);
  g_object_unref (lo);
  if (own) {
    g_socket_close (sock, NULL);
    g_object_unref (sock);
  }
  return ret;
}

GstPad *
mikey_test_first_sink_pad (GstElement * element)
{
  GstPad *pad = NULL;

  GST_OBJECT_LOCK (element);
  if (element->sinkpads != NULL)
    pad = gst_object_ref (element->sinkpads->data);
  GST_OBJECT_UNLOCK (element);
  return pad;
}

/* ------------------------------------------------------------------------
 * Sender / receiver pairs
 * ---------------------------------------------------------------------- */

void
mikey_test_pair_setup (MikeyTestPair * t, const gchar * dec_props,
    const gchar * enc_props, const gchar * between, guint n)
{
  gchar *dec, *middle;

  t->mikey_port = mikey_test_free_port ();
  t->rtp_port = mikey_test_free_port ();
  dec = g_strdup_printf ("port=%u %s", t->mikey_port, dec_props);
  middle = g_strdup_printf ("mikeyenc name=enc peer-address=127.0.0.1 "
      "peer-port=%u %s ! %s srtpenc name=srtpenc", t->mikey_port, enc_props,
      between ? between : "");
  t->rx = mikey_test_receiver_new (t->rtp_port, dec);
  t->tx = mikey_test_sender_new (t->rtp_port, n, NULL, middle);
  g_free (dec);
  g_free (middle);
}

void
mikey_test_pair_teardown (MikeyTestPair * t)
{
  mikey_test_capture_free (t->tx);
  mikey_test_capture_free (t->rx);
}

void
mikey_test_pair_run_and_compare (MikeyTestPair * t, guint n)
{
  GstMessage *msg;
  gchar *text;

  fail_if (gst_element_set_state (t->rx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (t->tx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  msg = mikey_test_wait_eos_or_error (t->tx->pipeline, 30000);
  fail_unless (msg != NULL, "sender did not finish");
  text = mikey_test_message_text (msg);
  fail_unless (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS,
      "sender error: %s", text);
  g_free (text);
  gst_message_unref (msg);

  fail_unless_equals_int (t->tx->bytes->len, n * MIKEY_TEST_BYTES_PER_BUFFER);
  fail_unless (mikey_test_wait_bytes (t->rx, t->tx->bytes->len,
          t->tx->pipeline, 10000), "receiver got %u of %u bytes",
      (guint) mikey_test_capture_size (t->rx), t->tx->bytes->len);
  fail_unless_equals_int (t->rx->bytes->len, t->tx->bytes->len);
  fail_unless (memcmp (t->rx->bytes->data, t->tx->bytes->data,
          t->tx->bytes->len) == 0, "decoded audio differs from the source");
}

static gchar *
expect_error_text (GstElement * pipeline, GstMessageType type,
    const gchar * who, const gchar * want)
{
  GstMessage *msg;
  gchar *text;

  msg = mikey_test_find_message (pipeline, type, NULL, 10000);
  fail_unless (msg != NULL, "no %s from the %s", type == GST_MESSAGE_ERROR ?
      "error" : "warning", who);
  text = mikey_test_message_text (msg);
  GST_INFO ("%s: %s", who, text);
  if (want != NULL)
    fail_unless (strstr (text, want) != NULL, "%s: \"%s\" not in \"%s\"",
        who, want, text);
  /* a refused exchange is the same class of error on both sides */
  mikey_test_assert_error_code (msg, GST_STREAM_ERROR,
      GST_STREAM_ERROR_DECRYPT);
  gst_message_unref (msg);
  return text;
}

void
mikey_test_pair_expect_refusal (MikeyTestPair * t, const gchar * rx_text,
    const gchar * tx_text)
{
  gchar *text;

  fail_if (gst_element_set_state (t->rx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  gst_element_set_state (t->tx->pipeline, GST_STATE_PLAYING);

  /* the receiver cannot tell its sender from anyone else who can reach its
   * port: it says why in a warning and keeps listening */
  text = expect_error_text (t->rx->pipeline, GST_MESSAGE_WARNING, "receiver",
      rx_text);
  g_free (text);
  text = expect_error_text (t->tx->pipeline, GST_MESSAGE_ERROR, "sender",
      tx_text);
  /* the receiver answered: the sender did not time out */
  fail_if (strstr (text, "No MIKEY answer") != NULL, "sender: %s", text);
  g_free (text);

  fail_if (mikey_test_has_message (t->rx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-key-established", 0));
  fail_if (mikey_test_has_message (t->tx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-key-established", 0));
  /* nothing was decrypted (none could be: no key) */
  g_usleep (100 * 1000);
  fail_unless_equals_int (mikey_test_capture_size (t->rx), 0);
  fail_if (mikey_test_has_message (t->rx->pipeline, GST_MESSAGE_ERROR, NULL,
          0), "the receiver stopped");
}

void
mikey_test_check_established (GstElement * pipeline, const gchar * mode,
    const gchar * suite, guint * csb_id, guint * ssrc)
{
  GstMessage *msg;
  const GstStructure *s;
  guint v;

  msg = mikey_test_find_message (pipeline, GST_MESSAGE_ELEMENT,
      "mikey-key-established", 1000);
  fail_unless (msg != NULL, "no mikey-key-established message");
  s = gst_message_get_structure (msg);
  mikey_test_assert_no_keys (s);
  fail_unless_equals_string (gst_structure_get_string (s, "mode"), mode);
  fail_unless_equals_string (gst_structure_get_string (s, "suite"), suite);
  fail_unless (gst_structure_get_uint (s, "csb-id", csb_id ? csb_id : &v));
  if (ssrc != NULL)
    fail_unless (gst_structure_get_uint (s, "ssrc", ssrc));
  gst_message_unref (msg);
}

void
mikey_test_expect_start_error (GstElement * pipeline, const gchar * props,
    const gchar * expect)
{
  GstMessage *msg;
  gchar *text;

  mikey_test_watch_bus (pipeline);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_READY),
      GST_STATE_CHANGE_FAILURE);
  msg = mikey_test_find_message (pipeline, GST_MESSAGE_ERROR, NULL, 1000);
  fail_unless (msg != NULL, "%s: no error", props);
  text = mikey_test_message_text (msg);
  GST_INFO ("%s: %s", props, text);
  fail_unless (strstr (text, expect) != NULL, "%s: \"%s\" not in \"%s\"",
      props, expect, text);
  fail_if (strstr (text, TEST_PSK) != NULL);
  fail_if (strstr (text, "mikey-test") != NULL);
  g_free (text);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  mikey_test_unwatch_bus (pipeline);
}
