/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mikeydec: keys from key-mgmt (GStreamer's own gstmikey messages, MIKEY-NULL
 * with an MKI, PSK with a response for the SDP answer), crafted UDP
 * datagrams (tampered, replayed, stale, NULL, wrong suite), holding early
 * packets, settings. */
#include <gst/check/gstcheck.h>
#include <gst/sdp/gstmikey.h>
#include <string.h>
#include "mikey-test-util.h"
#include "mikey-types.h"

/* master key || salt as srtpenc takes it (30 bytes) */
static const guint8 tek[30] = {
  0x3a, 0x11, 0x5c, 0x90, 0x21, 0x07, 0xee, 0x42, 0x6b, 0x0d, 0x99, 0xa4,
  0x18, 0x73, 0xc2, 0x5f, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
  0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54
};

static const guint8 mki[4] = { 0x01, 0x02, 0x03, 0x04 };

#define TEST_SSRC 0x12345678u
#define N 25
#define BYTES (N * 320)

static gchar *
hex (const guint8 * data, gsize len)
{
  GString *s = g_string_new (NULL);
  gsize i;

  for (i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", data[i]);
  return g_string_free (s, FALSE);
}

/* A sender with srtpenc keyed by hand (no mikeyenc) */
static MikeyTestCapture *
manual_sender (guint rtp_port, gboolean with_mki, gboolean fixed_ssrc)
{
  gchar *key = hex (tek, sizeof (tek)), *m = hex (mki, sizeof (mki));
  gchar *middle, *pay;
  MikeyTestCapture *tx;

  middle = g_strdup_printf ("srtpenc key=%s %s%s", key,
      with_mki ? "mki=" : "", with_mki ? m : "");
  pay = fixed_ssrc ? g_strdup_printf ("ssrc=%u", TEST_SSRC) : NULL;
  tx = mikey_test_sender_new (rtp_port, N, pay, middle);
  g_free (key);
  g_free (m);
  g_free (middle);
  g_free (pay);
  return tx;
}

static void
run_and_compare (MikeyTestCapture * rx, MikeyTestCapture * tx)
{
  GstMessage *msg;

  fail_if (gst_element_set_state (rx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (tx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = mikey_test_wait_eos_or_error (tx->pipeline, 20000);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  fail_unless_equals_int (tx->bytes->len, BYTES);
  fail_unless (mikey_test_wait_bytes (rx, BYTES, tx->pipeline, 10000),
      "receiver got %u of %u bytes", (guint) mikey_test_capture_size (rx),
      BYTES);
  fail_unless_equals_int (rx->bytes->len, BYTES);
  fail_unless (memcmp (rx->bytes->data, tx->bytes->data, BYTES) == 0,
      "decoded audio differs");
}

static void
set_key_mgmt (MikeyTestCapture * rx, const gchar * km)
{
  GstElement *dec = gst_bin_get_by_name (GST_BIN (rx->pipeline), "dec");

  g_object_set (dec, "key-mgmt", km, NULL);
  gst_object_unref (dec);
}

static gchar *
get_dec_string (MikeyTestCapture * rx, const gchar * prop)
{
  GstElement *dec = gst_bin_get_by_name (GST_BIN (rx->pipeline), "dec");
  gchar *ret;

  g_object_get (dec, prop, &ret, NULL);
  gst_object_unref (dec);
  return ret;
}

static gchar *
expect_error (GstElement * pipeline, GstMessageType type, const gchar * a,
    const gchar * b)
{
  GstMessage *msg = mikey_test_find_message (pipeline, type, NULL, 5000);
  gchar *text;

  fail_unless (msg != NULL, "no %s message", type == GST_MESSAGE_ERROR ?
      "error" : "warning");
  text = mikey_test_message_text (msg);
  GST_INFO ("got: %s", text);
  fail_unless (strstr (text, a) != NULL, "\"%s\" not in \"%s\"", a, text);
  if (b != NULL)
    fail_unless (strstr (text, b) != NULL, "\"%s\" not in \"%s\"", b, text);
  gst_message_unref (msg);
  return text;
}

/* A refused datagram: a warning saying why (anyone can send one), no
 * error, and the pipeline keeps running */
static gchar *
expect_refusal_warning (GstElement * pipeline, const gchar * a, const gchar * b)
{
  gchar *text = expect_error (pipeline, GST_MESSAGE_WARNING, a, b);

  fail_if (mikey_test_has_message (pipeline, GST_MESSAGE_ERROR, NULL, 100));
  return text;
}

/* ------------------------------------------------------------------------
 * key-mgmt
 * ---------------------------------------------------------------------- */

static gchar *
gstmikey_key_mgmt (void)
{
  GstBuffer *key = gst_buffer_new_memdup (tek, sizeof (tek));
  GstCaps *caps;
  GstMIKEYMessage *msg;
  gchar *b64, *ret;

  caps = gst_caps_new_simple ("application/x-srtp",
      "srtp-key", GST_TYPE_BUFFER, key,
      "srtp-cipher", G_TYPE_STRING, "aes-128-icm",
      "srtp-auth", G_TYPE_STRING, "hmac-sha1-80",
      "srtcp-cipher", G_TYPE_STRING, "aes-128-icm",
      "srtcp-auth", G_TYPE_STRING, "hmac-sha1-80", NULL);
  gst_buffer_unref (key);
  msg = gst_mikey_message_new_from_caps (caps);
  fail_unless (msg != NULL);
  b64 = gst_mikey_message_base64_encode (msg);
  ret = g_strdup_printf ("mikey %s", b64);
  g_free (b64);
  gst_mikey_message_unref (msg);
  gst_caps_unref (caps);
  return ret;
}

/* a message as GStreamer's RTSP server makes it: MIKEY-NULL, no SSRC */
GST_START_TEST (test_key_mgmt_gstmikey)
{
  guint rtp_port = mikey_test_free_port ();
  MikeyTestCapture *rx, *tx;
  gchar *km = gstmikey_key_mgmt ();
  GstMessage *msg;
  const GstStructure *s;

  rx = mikey_test_receiver_new (rtp_port, "port=0 mode=null");
  set_key_mgmt (rx, km);
  tx = manual_sender (rtp_port, FALSE, FALSE);
  run_and_compare (rx, tx);

  msg = mikey_test_find_message (rx->pipeline, GST_MESSAGE_ELEMENT,
      "mikey-key-established", 0);
  fail_unless (msg != NULL);
  s = gst_message_get_structure (msg);
  mikey_test_assert_no_keys (s);
  fail_unless_equals_string (gst_structure_get_string (s, "mode"), "null");
  fail_unless_equals_string (gst_structure_get_string (s, "suite"),
      "AES_CM_128_HMAC_SHA1_80");
  fail_if (gst_structure_has_field (s, "mki"));
  gst_message_unref (msg);
  /* no verification asked for: nothing to answer */
  fail_unless (get_dec_string (rx, "key-mgmt-response") == NULL);

  mikey_test_capture_free (tx);
  mikey_test_capture_free (rx);
  g_free (km);
}

GST_END_TEST;

GST_START_TEST (test_key_mgmt_null_refused)
{
  MikeyTestCapture *rx;
  gchar *km = gstmikey_key_mgmt (), *text;

  /* default mode=psk: an unauthenticated key is refused at start */
  rx = mikey_test_receiver_new (mikey_test_free_port (),
      "port=0 psk=" TEST_PSK);
  set_key_mgmt (rx, km);
  fail_unless_equals_int (gst_element_set_state (rx->pipeline,
          GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  text = expect_error (rx->pipeline, GST_MESSAGE_ERROR, "MIKEY-NULL",
      "mode=null");
  g_free (text);
  fail_if (mikey_test_has_message (rx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-key-established", 0));
  mikey_test_capture_free (rx);
  g_free (km);
}

GST_END_TEST;

/* MIKEY-NULL with an MKI and an SSRC, made by our core */
GST_START_TEST (test_key_mgmt_null_mki)
{
  guint rtp_port = mikey_test_free_port ();
  MikeyTestCapture *rx, *tx;
  GBytes *init;
  gchar *km;
  gsize len;
  const guint8 *data;
  GstMessage *msg;
  const GstStructure *s;
  guint ssrc;

  init = mikey_test_make_init (MIKEY_MODE_NULL, NULL, TRUE, TEST_SSRC, tek,
      sizeof (tek), mki, sizeof (mki), TRUE, 0, NULL);
  data = g_bytes_get_data (init, &len);
  km = mikey_key_mgmt_encode (data, len);

  rx = mikey_test_receiver_new (rtp_port, "port=0 mode=null");
  set_key_mgmt (rx, km);
  /* srtpenc puts the MKI in every packet: without it srtpdec drops all */
  tx = manual_sender (rtp_port, TRUE, TRUE);
  run_and_compare (rx, tx);

  msg = mikey_test_find_message (rx->pipeline, GST_MESSAGE_ELEMENT,
      "mikey-key-established", 0);
  fail_unless (msg != NULL);
  s = gst_message_get_structure (msg);
  mikey_test_assert_no_keys (s);
  fail_unless_equals_string (gst_structure_get_string (s, "mki"), "01020304");
  fail_unless (gst_structure_get_uint (s, "ssrc", &ssrc));
  fail_unless_equals_int (ssrc, TEST_SSRC);
  gst_message_unref (msg);

  mikey_test_capture_free (tx);
  mikey_test_capture_free (rx);
  g_bytes_unref (init);
  g_free (km);
}

GST_END_TEST;

/* GST_WARNING lines of mikeydec, collected while a test runs */
static GMutex warn_lock;
static GString *warn_log;

static void
collect_warnings (GstDebugCategory * category, GstDebugLevel level,
    const gchar * file, const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer user_data)
{
  if (level != GST_LEVEL_WARNING ||
      g_strcmp0 (gst_debug_category_get_name (category), "mikeydec") != 0)
    return;
  g_mutex_lock (&warn_lock);
  g_string_append_printf (warn_log, "%s\n", gst_debug_message_get (message));
  g_mutex_unlock (&warn_lock);
}

/* A MIKEY-NULL a=key-mgmt line captured ten minutes ago (or from a camera
 * whose clock is off): mode=null takes it, audio is byte-exact, the
 * offset is a GST_WARNING and no element message */
GST_START_TEST (test_key_mgmt_null_old_timestamp)
{
  guint rtp_port = mikey_test_free_port ();
  MikeyTestCapture *rx, *tx;
  GBytes *init;
  gchar *km;
  gsize len;
  const guint8 *data;

  init = mikey_test_make_init (MIKEY_MODE_NULL, NULL, TRUE, TEST_SSRC, tek,
      sizeof (tek), NULL, 0, TRUE,
      g_get_real_time () - G_GINT64_CONSTANT (600) * G_USEC_PER_SEC, NULL);
  data = g_bytes_get_data (init, &len);
  km = mikey_key_mgmt_encode (data, len);

  warn_log = g_string_new (NULL);
  gst_debug_set_threshold_for_name ("mikeydec", GST_LEVEL_WARNING);
  gst_debug_add_log_function (collect_warnings, NULL, NULL);

  rx = mikey_test_receiver_new (rtp_port, "port=0 mode=null");
  set_key_mgmt (rx, km);
  tx = manual_sender (rtp_port, FALSE, TRUE);
  run_and_compare (rx, tx);
  fail_if (mikey_test_has_message (rx->pipeline, GST_MESSAGE_ERROR, NULL, 0));
  fail_if (mikey_test_has_message (rx->pipeline, GST_MESSAGE_WARNING, NULL, 0));

  gst_debug_remove_log_function (collect_warnings);
  g_mutex_lock (&warn_lock);
  /* 600 s, plus the time the receiver took to start: seconds under a
   * sanitizer, whose in-process registry scan is slow */
  {
    static const gchar prefix[] = "MIKEY-NULL message from key-mgmt "
        "accepted although its timestamp is ";
    const gchar *at = strstr (warn_log->str, prefix);
    gchar *end = NULL;
    gint64 secs = -1;

    if (at != NULL)
      secs = g_ascii_strtoll (at + strlen (prefix), &end, 10);
    fail_unless (at != NULL && secs >= 599 && secs <= 660 &&
        g_str_has_prefix (end, " s behind"), "log: %s", warn_log->str);
  }
  g_string_free (warn_log, TRUE);
  warn_log = NULL;
  g_mutex_unlock (&warn_lock);

  mikey_test_capture_free (tx);
  mikey_test_capture_free (rx);
  g_bytes_unref (init);
  g_free (km);
}

GST_END_TEST;

/* The same age in an authenticated (PSK) message is stale by default, and
 * taken with timestamp-window wide enough */
GST_START_TEST (test_key_mgmt_psk_timestamp_window)
{
  gint64 then = g_get_real_time () - G_GINT64_CONSTANT (600) * G_USEC_PER_SEC;
  guint rtp_port = mikey_test_free_port ();
  MikeyTestCapture *rx, *tx;
  GstElement *dec;
  GBytes *init;
  gchar *km, *text;
  gsize len;
  const guint8 *data;
  guint window = 0;

  init = mikey_test_make_init (MIKEY_MODE_PSK, TEST_PSK, TRUE, TEST_SSRC, tek,
      sizeof (tek), NULL, 0, TRUE, then, NULL);
  data = g_bytes_get_data (init, &len);
  km = mikey_key_mgmt_encode (data, len);

  rx = mikey_test_receiver_new (mikey_test_free_port (),
      "port=0 psk=" TEST_PSK);
  dec = gst_bin_get_by_name (GST_BIN (rx->pipeline), "dec");
  g_object_get (dec, "timestamp-window", &window, NULL);
  fail_unless_equals_int (window, 60);
  gst_object_unref (dec);
  set_key_mgmt (rx, km);
  fail_unless_equals_int (gst_element_set_state (rx->pipeline,
          GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  text = expect_error (rx->pipeline, GST_MESSAGE_ERROR, "stale",
      "60 s allowed");
  g_free (text);
  mikey_test_capture_free (rx);

  rx = mikey_test_receiver_new (rtp_port,
      "port=0 timestamp-window=900 psk=" TEST_PSK);
  set_key_mgmt (rx, km);
  tx = manual_sender (rtp_port, FALSE, TRUE);
  run_and_compare (rx, tx);
  fail_if (mikey_test_has_message (rx->pipeline, GST_MESSAGE_ERROR, NULL, 0));

  mikey_test_capture_free (tx);
  mikey_test_capture_free (rx);
  g_bytes_unref (init);
  g_free (km);
}

GST_END_TEST;

/* PSK in SDP: the response for the SDP answer verifies at the initiator */
GST_START_TEST (test_key_mgmt_psk_response)
{
  guint rtp_port = mikey_test_free_port ();
  MikeyTestCapture *rx, *tx;
  MikeyInitiator *init = NULL;
  GBytes *msg, *next = NULL;
  gchar *km, *resp;
  guint8 *rdata;
  gsize len, rlen;
  const guint8 *data;
  GError *err = NULL;

  msg = mikey_test_make_init (MIKEY_MODE_PSK, TEST_PSK, TRUE, TEST_SSRC, tek,
      sizeof (tek), NULL, 0, FALSE, 0, &init);
  data = g_bytes_get_data (msg, &len);
  km = mikey_key_mgmt_encode (data, len);

  rx = mikey_test_receiver_new (rtp_port, "port=0 psk=" TEST_PSK);
  set_key_mgmt (rx, km);
  tx = manual_sender (rtp_port, FALSE, TRUE);
  run_and_compare (rx, tx);

  resp = get_dec_string (rx, "key-mgmt-response");
  fail_unless (resp != NULL);
  fail_unless (g_str_has_prefix (resp, "mikey "));
  rdata = mikey_key_mgmt_decode (resp, &rlen, &err);
  fail_unless (rdata != NULL);
  fail_unless (mikey_initiator_step (init, rdata, rlen, g_get_real_time (),
          &next, &err) == MIKEY_STEP_COMPLETE, "response refused: %s",
      err ? err->message : "?");
  fail_unless (next == NULL);
  fail_unless_equals_int (mikey_initiator_get_state (init),
      MIKEY_STATE_COMPLETE);

  g_free (rdata);
  g_free (resp);
  mikey_initiator_free (init);
  mikey_test_capture_free (tx);
  mikey_test_capture_free (rx);
  g_bytes_unref (msg);
  g_free (km);
}

GST_END_TEST;

/* Restarting with the same SDP is not a replay */
GST_START_TEST (test_key_mgmt_restart)
{
  guint rtp_port = mikey_test_free_port ();
  MikeyTestCapture *rx, *tx;
  gchar *km = gstmikey_key_mgmt ();
  gint round;

  rx = mikey_test_receiver_new (rtp_port, "port=0 mode=null");
  set_key_mgmt (rx, km);
  tx = manual_sender (rtp_port, FALSE, FALSE);
  for (round = 0; round < 2; round++) {
    mikey_test_capture_reset (rx);
    mikey_test_capture_reset (tx);
    mikey_test_clear_messages (tx->pipeline);
    run_and_compare (rx, tx);
    gst_element_set_state (tx->pipeline, GST_STATE_NULL);
    gst_element_set_state (rx->pipeline, GST_STATE_NULL);
  }
  mikey_test_capture_free (tx);
  mikey_test_capture_free (rx);
  g_free (km);
}

GST_END_TEST;

GST_START_TEST (test_key_mgmt_garbage)
{
  MikeyTestCapture *rx;
  gchar *text;

  rx = mikey_test_receiver_new (mikey_test_free_port (), "port=0 mode=null");
  set_key_mgmt (rx, "mikey !!not base64!!");
  fail_unless_equals_int (gst_element_set_state (rx->pipeline,
          GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  text = expect_error (rx->pipeline, GST_MESSAGE_ERROR, "key-mgmt", NULL);
  g_free (text);
  mikey_test_capture_free (rx);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * Crafted UDP datagrams
 * ---------------------------------------------------------------------- */

static guint8
data_type (GBytes * msg)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (msg, &len);

  fail_unless (len > 2);
  return d[1];
}

GST_START_TEST (test_udp_tampered)
{
  guint port;
  MikeyTestCapture *rx;
  GBytes *good, *bad, *reply;
  guint8 *copy;
  gsize len;
  gchar *text;

  rx = mikey_test_listening_receiver (&port, "psk=" TEST_PSK);
  good = mikey_test_make_init (MIKEY_MODE_PSK, TEST_PSK, TRUE, TEST_SSRC,
      NULL, 0, NULL, 0, FALSE, 0, NULL);
  g_bytes_get_data (good, &len);
  copy = g_memdup2 (g_bytes_get_data (good, NULL), len);
  copy[len - 1] ^= 0x01;        /* in the MAC */
  bad = g_bytes_new_take (copy, len);

  reply = mikey_test_udp_exchange (NULL, port, bad, 1000);
  /* no verification message for it; an error message at most */
  if (reply != NULL) {
    fail_unless_equals_int (data_type (reply), MIKEY_DT_ERROR);
    g_bytes_unref (reply);
  }
  /* anyone can send a wrong MAC: a warning that says why, by default */
  text = expect_refusal_warning (rx->pipeline,
      "MIKEY verification failed: MAC mismatch (wrong pre-shared key?)",
      "127.0.0.1:");
  g_free (text);
  fail_if (mikey_test_has_message (rx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-key-established", 0));
  mikey_test_capture_free (rx);

  /* error-on-refusal=true: the same sentence as an element error */
  rx = mikey_test_listening_receiver (&port,
      "psk=" TEST_PSK " error-on-refusal=true");
  reply = mikey_test_udp_exchange (NULL, port, bad, 1000);
  if (reply != NULL) {
    fail_unless_equals_int (data_type (reply), MIKEY_DT_ERROR);
    g_bytes_unref (reply);
  }
  text = expect_error (rx->pipeline, GST_MESSAGE_ERROR,
      "MIKEY verification failed: MAC mismatch (wrong pre-shared key?)",
      "127.0.0.1:");
  g_free (text);
  fail_if (mikey_test_has_message (rx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-key-established", 0));

  g_bytes_unref (good);
  g_bytes_unref (bad);
  mikey_test_capture_free (rx);
}

GST_END_TEST;

GST_START_TEST (test_udp_tampered_body)
{
  guint port;
  MikeyTestCapture *rx;
  GBytes *good, *bad, *reply;
  guint8 *copy;
  gsize len;
  gchar *text;

  rx = mikey_test_listening_receiver (&port,
      "psk=" TEST_PSK " error-on-refusal=false");
  good =
      mikey_test_make_init (MIKEY_MODE_PSK, TEST_PSK, TRUE, TEST_SSRC, NULL, 0,
      NULL, 0, FALSE, 0, NULL);
  g_bytes_get_data (good, &len);
  copy = g_memdup2 (g_bytes_get_data (good, NULL), len);
  copy[len - 30] ^= 0x80;       /* in the encrypted key data */
  bad = g_bytes_new_take (copy, len);

  reply = mikey_test_udp_exchange (NULL, port, bad, 1000);
  if (reply != NULL) {
    fail_unless_equals_int (data_type (reply), MIKEY_DT_ERROR);
    g_bytes_unref (reply);
  }
  /* a warning only, and the genuine message is still accepted */
  text = expect_error (rx->pipeline, GST_MESSAGE_WARNING, "MIKEY", NULL);
  g_free (text);
  fail_if (mikey_test_has_message (rx->pipeline, GST_MESSAGE_ERROR, NULL, 0));
  reply = mikey_test_udp_exchange (NULL, port, good, 2000);
  fail_unless (reply != NULL);
  fail_unless_equals_int (data_type (reply), MIKEY_DT_PSK_VERIFY);
  g_bytes_unref (reply);
  fail_unless (mikey_test_has_message (rx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-key-established", 2000));

  g_bytes_unref (good);
  g_bytes_unref (bad);
  mikey_test_capture_free (rx);
}

GST_END_TEST;

GST_START_TEST (test_udp_replayed)
{
  guint port;
  MikeyTestCapture *rx;
  GBytes *msg, *r1, *r2, *r3, *next = NULL;
  GSocket *a, *b;
  MikeyInitiator *init = NULL;
  gsize len;
  const guint8 *d;
  gchar *text;

  rx = mikey_test_listening_receiver (&port, "psk=" TEST_PSK);
  msg = mikey_test_make_init (MIKEY_MODE_PSK, TEST_PSK, TRUE, TEST_SSRC,
      NULL, 0, NULL, 0, FALSE, 0, &init);
  a = mikey_test_udp_socket ();
  b = mikey_test_udp_socket ();

  r1 = mikey_test_udp_exchange (a, port, msg, 2000);
  fail_unless (r1 != NULL);
  fail_unless_equals_int (data_type (r1), MIKEY_DT_PSK_VERIFY);
  d = g_bytes_get_data (r1, &len);
  fail_unless (mikey_initiator_step (init, d, len, g_get_real_time (),
          &next, NULL) == MIKEY_STEP_COMPLETE);
  fail_unless (next == NULL);
  fail_unless (mikey_test_has_message (rx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-key-established", 2000));

  /* a retransmission from the same sender gets the same answer */
  r2 = mikey_test_udp_exchange (a, port, msg, 2000);
  fail_unless (r2 != NULL);
  fail_unless (g_bytes_equal (r1, r2));
  fail_if (mikey_test_has_message (rx->pipeline, GST_MESSAGE_ERROR, NULL, 200));

  /* the same bytes from someone else are a replay: not answered, a
   * warning (the first refusal after the key is reported at once) */
  r3 = mikey_test_udp_exchange (b, port, msg, 1000);
  fail_unless (r3 == NULL, "a replay was answered");
  text = expect_refusal_warning (rx->pipeline, "replayed", NULL);
  g_free (text);

  g_bytes_unref (r1);
  g_bytes_unref (r2);
  g_object_unref (a);
  g_object_unref (b);
  mikey_initiator_free (init);
  g_bytes_unref (msg);
  mikey_test_capture_free (rx);
}

GST_END_TEST;

GST_START_TEST (test_udp_stale)
{
  guint port;
  MikeyTestCapture *rx;
  GBytes *msg, *reply;
  gchar *text;

  rx = mikey_test_listening_receiver (&port, "psk=" TEST_PSK);
  msg = mikey_test_make_init (MIKEY_MODE_PSK, TEST_PSK, TRUE, TEST_SSRC,
      NULL, 0, NULL, 0, FALSE, g_get_real_time () - 600 * G_USEC_PER_SEC, NULL);
  reply = mikey_test_udp_exchange (NULL, port, msg, 1000);
  if (reply != NULL) {
    fail_unless_equals_int (data_type (reply), MIKEY_DT_ERROR);
    g_bytes_unref (reply);
  }
  text = expect_refusal_warning (rx->pipeline, "stale", NULL);
  g_free (text);
  g_bytes_unref (msg);
  mikey_test_capture_free (rx);
}

GST_END_TEST;

GST_START_TEST (test_udp_null_refused_unless_asked)
{
  guint port;
  MikeyTestCapture *rx;
  GBytes *msg, *reply;
  gchar *text;

  msg = mikey_test_make_init (MIKEY_MODE_NULL, NULL, TRUE, TEST_SSRC, NULL,
      0, NULL, 0, TRUE, 0, NULL);

  rx = mikey_test_listening_receiver (&port, "psk=" TEST_PSK);
  reply = mikey_test_udp_exchange (NULL, port, msg, 500);
  if (reply != NULL)
    g_bytes_unref (reply);
  text = expect_refusal_warning (rx->pipeline, "MIKEY-NULL", "mode=null");
  g_free (text);
  fail_if (mikey_test_has_message (rx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-key-established", 0));
  mikey_test_capture_free (rx);

  rx = mikey_test_listening_receiver (&port, "mode=null");
  reply = mikey_test_udp_exchange (NULL, port, msg, 200);
  if (reply != NULL)
    g_bytes_unref (reply);
  fail_unless (mikey_test_has_message (rx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-key-established", 2000));
  fail_if (mikey_test_has_message (rx->pipeline, GST_MESSAGE_ERROR, NULL, 0));
  mikey_test_capture_free (rx);
  g_bytes_unref (msg);
}

GST_END_TEST;

GST_START_TEST (test_udp_suite_policy)
{
  guint port;
  MikeyTestCapture *rx;
  GBytes *msg, *reply;
  gchar *text;

  msg = mikey_test_make_init (MIKEY_MODE_PSK, TEST_PSK, TRUE, TEST_SSRC,
      NULL, 0, NULL, 0, FALSE, 0, NULL);

  rx = mikey_test_listening_receiver (&port, "psk=" TEST_PSK
      " suite=AES_256_CM_HMAC_SHA1_80");
  reply = mikey_test_udp_exchange (NULL, port, msg, 500);
  /* not verified: the sender must not think it is keyed */
  fail_unless (reply == NULL || data_type (reply) != MIKEY_DT_PSK_VERIFY);
  if (reply != NULL)
    g_bytes_unref (reply);
  text = expect_refusal_warning (rx->pipeline, "AES_CM_128_HMAC_SHA1_80",
      "suite=AES_256_CM_HMAC_SHA1_80");
  g_free (text);
  mikey_test_capture_free (rx);

  rx = mikey_test_listening_receiver (&port, "psk=" TEST_PSK " suite=any");
  reply = mikey_test_udp_exchange (NULL, port, msg, 2000);
  fail_unless (reply != NULL);
  fail_unless_equals_int (data_type (reply), MIKEY_DT_PSK_VERIFY);
  g_bytes_unref (reply);
  mikey_test_capture_free (rx);
  g_bytes_unref (msg);
}

GST_END_TEST;

static guint
sent_buffers (MikeyTestCapture * c)
{
  guint n;

  g_mutex_lock (&c->lock);
  n = c->n_buffers;
  g_mutex_unlock (&c->lock);
  return n;
}

/* Packets that arrive before the key are held: nothing is lost */
GST_START_TEST (test_hold_until_key)
{
  guint port, rtp_port, i;
  MikeyTestCapture *rx, *tx;
  GBytes *msg, *reply;
  gchar *p;
  GstMessage *eos;

  port = mikey_test_free_port ();
  rtp_port = mikey_test_free_port ();
  p = g_strdup_printf ("address=127.0.0.1 port=%u psk=" TEST_PSK, port);
  rx = mikey_test_receiver_new (rtp_port, p);
  g_free (p);
  tx = manual_sender (rtp_port, FALSE, TRUE);
  fail_if (gst_element_set_state (rx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (tx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  /* let some SRTP arrive first (polled: a loaded machine may be slow) */
  for (i = 0; i < 1000 && sent_buffers (tx) <= 3; i++)
    g_usleep (10 * 1000);
  fail_unless (sent_buffers (tx) > 3);
  fail_unless_equals_int (mikey_test_capture_size (rx), 0);

  msg = mikey_test_make_init (MIKEY_MODE_PSK, TEST_PSK, TRUE, TEST_SSRC, tek,
      sizeof (tek), NULL, 0, FALSE, 0, NULL);
  reply = mikey_test_udp_exchange (NULL, port, msg, 2000);
  fail_unless (reply != NULL);
  g_bytes_unref (reply);

  eos = mikey_test_wait_eos_or_error (tx->pipeline, 20000);
  fail_unless (eos != NULL && GST_MESSAGE_TYPE (eos) == GST_MESSAGE_EOS);
  gst_message_unref (eos);
  fail_unless (mikey_test_wait_bytes (rx, BYTES, NULL, 10000),
      "receiver got %u of %u bytes", (guint) mikey_test_capture_size (rx),
      BYTES);
  fail_unless (memcmp (rx->bytes->data, tx->bytes->data, BYTES) == 0);

  g_bytes_unref (msg);
  mikey_test_capture_free (tx);
  mikey_test_capture_free (rx);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * Settings
 * ---------------------------------------------------------------------- */

GST_START_TEST (test_port_in_use)
{
  guint port;
  MikeyTestCapture *rx1, *rx2;
  gchar *p, *text, *where;

  rx1 = mikey_test_listening_receiver (&port, "psk=" TEST_PSK);
  p = g_strdup_printf ("address=127.0.0.1 port=%u psk=" TEST_PSK, port);
  rx2 = mikey_test_receiver_new (mikey_test_free_port (), p);
  fail_unless_equals_int (gst_element_set_state (rx2->pipeline,
          GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  where = g_strdup_printf ("Could not listen for MIKEY on 127.0.0.1:%u", port);
  text = expect_error (rx2->pipeline, GST_MESSAGE_ERROR, where, NULL);
  g_free (text);
  g_free (where);
  g_free (p);
  mikey_test_capture_free (rx2);
  mikey_test_capture_free (rx1);
}

GST_END_TEST;

GST_START_TEST (test_defaults)
{
  GstElement *dec = gst_element_factory_make ("mikeydec", NULL);
  gchar *s;
  GParamSpec *pspec;
  guint port, max;
  gint mode;
  gboolean fatal;

  fail_unless (dec != NULL);
  g_object_get (dec, "address", &s, "port", &port, "mode", &mode,
      "max-held-buffers", &max, "error-on-refusal", &fatal, NULL);
  fail_unless_equals_string (s, "0.0.0.0");
  fail_unless_equals_int (port, 2269);
  fail_unless_equals_int (mode, 1);     /* psk */
  fail_unless (max > 0);
  /* a datagram anyone can send must not stop the pipeline */
  fail_if (fatal);
  /* secrets are write-only */
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (dec), "key-mgmt");
  fail_unless (pspec != NULL && !(pspec->flags & G_PARAM_READABLE));
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (dec), "psk");
  fail_unless (pspec != NULL && !(pspec->flags & G_PARAM_READABLE));
  g_free (s);
  g_object_get (dec, "suite", &s, NULL);
  fail_unless_equals_string (s, "AES_CM_128_HMAC_SHA1_80");
  g_free (s);
  gst_object_unref (dec);
}

GST_END_TEST;

GST_START_TEST (test_bad_settings)
{
  static const struct
  {
    const gchar *props;
    const gchar *expect;
  } cases[] = {
    {"port=0", "mode=psk needs a pre-shared key"},
    {"port=0 psk=xyz", "not valid hex"},
    {"port=0 psk-file=/nonexistent/psk.hex", "Could not read psk-file"},
    {"port=0 psk=" TEST_PSK " suite=ROT13", "Unknown crypto suite"},
    {"port=0 psk=" TEST_PSK " suite=F8_128_HMAC_SHA1_80", "cannot run"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    MikeyTestCapture *rx;

    rx = mikey_test_receiver_new (mikey_test_free_port (), cases[i].props);
    mikey_test_expect_start_error (rx->pipeline, cases[i].props,
        cases[i].expect);
    mikey_test_capture_free (rx);
  }
}

GST_END_TEST;

static Suite *
mikeydec_suite (void)
{
  Suite *s = suite_create ("mikeydec");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_key_mgmt_gstmikey);
  tcase_add_test (tc, test_key_mgmt_null_refused);
  tcase_add_test (tc, test_key_mgmt_null_mki);
  tcase_add_test (tc, test_key_mgmt_null_old_timestamp);
  tcase_add_test (tc, test_key_mgmt_psk_timestamp_window);
  tcase_add_test (tc, test_key_mgmt_psk_response);
  tcase_add_test (tc, test_key_mgmt_restart);
  tcase_add_test (tc, test_key_mgmt_garbage);
  tcase_add_test (tc, test_udp_tampered);
  tcase_add_test (tc, test_udp_tampered_body);
  tcase_add_test (tc, test_udp_replayed);
  tcase_add_test (tc, test_udp_stale);
  tcase_add_test (tc, test_udp_null_refused_unless_asked);
  tcase_add_test (tc, test_udp_suite_policy);
  tcase_add_test (tc, test_hold_until_key);
  tcase_add_test (tc, test_port_in_use);
  tcase_add_test (tc, test_defaults);
  tcase_add_test (tc, test_bad_settings);
  return s;
}

MIKEY_CHECK_MAIN (mikeydec);
