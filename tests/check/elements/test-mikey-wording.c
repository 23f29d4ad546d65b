/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What mikeyenc and mikeydec say on the bus (issue 8 items 5-7): peer
 * strings (ID payloads, certificate names) escaped in refusals; clock skew
 * named with its size on both sides; a refused mode=null key ends the
 * sender with an error; short PSKs and expired pinned certificates
 * refused at start. */
#include <gst/check/gstcheck.h>
#include <string.h>
#include <glib/gstdio.h>
#include "mikey-test-util.h"
#include "mikey-test-certs.h"
#include "mikey-negotiate.h"
#include "mikey-credentials.h"

#define EVIL_ID "sip:eve\x1b[31m\r\nmikey-key-established peer=bob\x7f"
#define SEC G_GINT64_CONSTANT (1000000)

static const MikeySrtpCs cs[] = { {0, 0x01020304, 0} };

/* The refusal on @pipeline's bus (an error, or a warning when refusals
 * are not fatal): its text and debug text, which must both be printable
 * ASCII; the text is returned (g_free) */
static gchar *
expect_clean_refusal (GstElement * pipeline)
{
  GstMessage *msg = mikey_test_find_message (pipeline,
      GST_MESSAGE_ERROR | GST_MESSAGE_WARNING, NULL, 5000);
  GError *err = NULL;
  gchar *debug = NULL, *text;

  fail_unless (msg != NULL, "no refusal on the bus");
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, &err, &debug);
  else
    gst_message_parse_warning (msg, &err, &debug);
  GST_INFO ("text: %s", err->message);
  fail_unless (mikey_test_is_clean_text (err->message), "raw bytes in "
      "\"%s\"", g_strescape (err->message, NULL));
  /* GStreamer puts the source location and a newline before the debug
   * text proper (the core's sentence) */
  if (debug != NULL) {
    const gchar *core = strchr (debug, '\n');

    core = core ? core + 1 : debug;
    fail_unless (mikey_test_is_clean_text (core), "raw bytes in \"%s\"",
        g_strescape (core, NULL));
  }
  text = g_strdup (err->message);
  g_clear_error (&err);
  g_free (debug);
  gst_message_unref (msg);
  return text;
}

static gchar *
pki (const gchar * name)
{
  return mikey_test_pki (name);
}

static void
send_and_forget (guint port, GBytes * msg)
{
  GBytes *reply = mikey_test_udp_exchange (NULL, port, msg, 500);

  if (reply != NULL)
    g_bytes_unref (reply);
}

/* ------------------------------------------------------------------------
 * Item 5
 * ---------------------------------------------------------------------- */

/* PSK with peer-id: the authenticated sender's ID payload is printed
 * escaped, not raw (no colour, no forged line) */
GST_START_TEST (test_dec_id_escaped)
{
  MikeyInitiatorConfig cfg = { 0 };
  MikeyInitiator *init;
  MikeyTestCapture *rx;
  guint8 *psk;
  gsize psk_len;
  GBytes *msg;
  guint port;
  gchar *text;

  psk = mikey_hex_decode (TEST_PSK, &psk_len, NULL);
  cfg.mode = MIKEY_MODE_PSK;
  cfg.psk = psk;
  cfg.psk_len = psk_len;
  cfg.cs = cs;
  cfg.n_cs = 1;
  cfg.id_i = EVIL_ID;
  init = mikey_initiator_new (&cfg, NULL);
  msg = mikey_initiator_start (init, g_get_real_time (), NULL);
  fail_unless (msg != NULL);

  rx = mikey_test_listening_receiver (&port, "psk=" TEST_PSK
      " peer-id=sip:alice@example.org");
  send_and_forget (port, msg);
  text = expect_clean_refusal (rx->pipeline);
  fail_unless (strstr (text, "sip:eve\\x1b[31m\\x0d\\x0amikey-key-") != NULL,
      "%s", text);
  g_free (text);
  fail_if (mikey_test_has_message (rx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-key-established", 0));

  mikey_test_capture_free (rx);
  g_bytes_unref (msg);
  mikey_initiator_free (init);
  mikey_secure_free (psk, psk_len);
}

GST_END_TEST;

/* DH from a sender whose certificate (CN, O) a hostile peer made */
GST_START_TEST (test_dec_cert_subject_escaped)
{
  gchar *key_path = pki ("alice-key.pem"), *bob = pki ("bob-chain.pem");
  gchar *bob_key = pki ("bob-key.pem"), *root = pki ("root-ca.pem");
  MikeyCert *evil = mikey_test_hostile_cert (key_path, FALSE, NULL);
  MikeyKey *alice_key = mikey_key_load_pem_file (key_path, NULL, NULL);
  MikeyTrust *trust = mikey_trust_new ();
  GPtrArray *certs = g_ptr_array_new ();
  MikeyInitiatorConfig cfg = { 0 };
  MikeyInitiator *init;
  MikeyTestCapture *rx;
  GBytes *msg;
  gchar *props, *text;
  guint port;

  fail_unless (mikey_trust_load_file (trust, root, NULL));
  g_ptr_array_add (certs, evil);
  cfg.mode = MIKEY_MODE_DH;
  cfg.key = alice_key;
  cfg.certs = certs;
  cfg.trust = trust;
  cfg.cs = cs;
  cfg.n_cs = 1;
  init = mikey_initiator_new (&cfg, NULL);
  fail_unless (init != NULL);
  msg = mikey_initiator_start (init, g_get_real_time (), NULL);
  fail_unless (msg != NULL);

  props = g_strdup_printf ("mode=dh cert=%s key=%s ca-file=%s", bob, bob_key,
      root);
  rx = mikey_test_listening_receiver (&port, props);
  send_and_forget (port, msg);
  text = expect_clean_refusal (rx->pipeline);
  fail_unless (strstr (text, "eve\\x1b[31m\\x0d\\x0amikey-key-established")
      != NULL, "%s", text);
  g_free (text);

  mikey_test_capture_free (rx);
  g_free (props);
  g_bytes_unref (msg);
  mikey_initiator_free (init);
  g_ptr_array_unref (certs);
  mikey_cert_unref (evil);
  mikey_key_unref (alice_key);
  mikey_trust_free (trust);
  g_free (key_path);
  g_free (bob);
  g_free (bob_key);
  g_free (root);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * Item 6
 * ---------------------------------------------------------------------- */

/* A sender three hours behind: the receiver's sentence says so */
GST_START_TEST (test_dec_stale_offset_in_text)
{
  MikeyTestCapture *rx;
  GBytes *msg;
  gchar *text;
  guint port;

  rx = mikey_test_listening_receiver (&port, "psk=" TEST_PSK);
  msg = mikey_test_make_init (MIKEY_MODE_PSK, TEST_PSK, TRUE, 0x01020304,
      NULL, 0, NULL, 0, FALSE, g_get_real_time () - 10800 * SEC, NULL);
  send_and_forget (port, msg);
  text = expect_clean_refusal (rx->pipeline);
  fail_unless (strstr (text, "the sender's clock is 10800 s behind this "
          "machine's") != NULL, "%s", text);
  fail_unless (strstr (text, "clocks") != NULL, "%s", text);
  g_free (text);
  g_bytes_unref (msg);
  mikey_test_capture_free (rx);
}

GST_END_TEST;

/* A receiver played by the test: answers the first datagram on @sock with
 * an ERR @err_no, its T payload @skew_us off this machine's clock */
typedef struct
{
  GSocket *sock;
  guint8 err_no;
  gint64 skew_us;
  GThread *thread;
} FakeReceiver;

static gpointer
fake_receiver_run (gpointer data)
{
  FakeReceiver *f = data;
  guint8 buf[4096];
  GSocketAddress *from = NULL;
  gssize n;
  MikeyMessage *msg;
  GBytes *answer;

  g_socket_set_timeout (f->sock, 10);
  n = g_socket_receive_from (f->sock, &from, (gchar *) buf, sizeof (buf),
      NULL, NULL);
  if (n <= 0)
    return NULL;
  msg = mikey_message_parse (buf, n, NULL);
  fail_unless (msg != NULL);
  answer = mikey_build_error_message (msg, f->err_no, NULL,
      g_get_real_time () + f->skew_us);
  g_socket_send_to (f->sock, from, g_bytes_get_data (answer, NULL),
      g_bytes_get_size (answer), NULL, NULL);
  g_bytes_unref (answer);
  mikey_message_free (msg);
  g_object_unref (from);
  return NULL;
}

static guint
fake_receiver_start (FakeReceiver * f, guint8 err_no, gint64 skew_us)
{
  GSocketAddress *local;
  guint port;

  f->sock = mikey_test_udp_socket ();
  f->err_no = err_no;
  f->skew_us = skew_us;
  local = g_socket_get_local_address (f->sock, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_object_unref (local);
  f->thread = g_thread_new ("fake-receiver", fake_receiver_run, f);
  return port;
}

static void
fake_receiver_stop (FakeReceiver * f)
{
  g_thread_join (f->thread);
  g_object_unref (f->sock);
}

/* The sender whose timestamp the receiver refused: clocks, not keys */
GST_START_TEST (test_enc_invalid_ts_names_clocks)
{
  FakeReceiver f;
  MikeyTestCapture *tx;
  GstMessage *msg;
  gchar *middle, *text;
  guint port = fake_receiver_start (&f, MIKEY_ERR_INVALID_TS, 10800 * SEC);

  middle = g_strdup_printf ("mikeyenc peer-address=127.0.0.1 peer-port=%u "
      "psk=" TEST_PSK " ! srtpenc", port);
  tx = mikey_test_sender_new (mikey_test_free_port (), 100, NULL, middle);
  fail_if (gst_element_set_state (tx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = mikey_test_wait_eos_or_error (tx->pipeline, 10000);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
  text = mikey_test_message_text (msg);
  GST_INFO ("%s", text);
  fail_unless (strstr (text, "refused our timestamp") != NULL, "%s", text);
  fail_unless (strstr (text, "s ahead of this machine's") != NULL, "%s", text);
  fail_unless (strstr (text, "its clock is 10800 s ahead") != NULL, "%s", text);
  fail_unless (strstr (text, "check the clocks") != NULL, "%s", text);
  fail_if (strstr (text, "pre-shared key") != NULL, "%s", text);
  g_free (text);
  gst_message_unref (msg);
  mikey_test_capture_free (tx);
  fake_receiver_stop (&f);
  g_free (middle);
}

GST_END_TEST;

/* A PSK sender's refusal names the key, not certificates or ca-file */
GST_START_TEST (test_enc_psk_hint_no_certificates)
{
  static const guint8 codes[] = { MIKEY_ERR_AUTH_FAILURE,
    MIKEY_ERR_INVALID_SP, MIKEY_ERR_INVALID_ID
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (codes); i++) {
    FakeReceiver f;
    MikeyTestCapture *tx;
    GstMessage *msg;
    gchar *middle, *text;
    guint port = fake_receiver_start (&f, codes[i], 0);

    middle = g_strdup_printf ("mikeyenc peer-address=127.0.0.1 peer-port=%u "
        "psk=" TEST_PSK " ! srtpenc", port);
    tx = mikey_test_sender_new (mikey_test_free_port (), 100, NULL, middle);
    fail_if (gst_element_set_state (tx->pipeline, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE);
    msg = mikey_test_wait_eos_or_error (tx->pipeline, 10000);
    fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
    text = mikey_test_message_text (msg);
    GST_INFO ("%s", text);
    fail_unless (strstr (text, "pre-shared key") != NULL ||
        strstr (text, "peer-id") != NULL, "%s", text);
    fail_if (strstr (text, "certificate") != NULL, "%s", text);
    fail_if (strstr (text, "ca-file") != NULL, "%s", text);
    g_free (text);
    gst_message_unref (msg);
    mikey_test_capture_free (tx);
    fake_receiver_stop (&f);
    g_free (middle);
  }
}

GST_END_TEST;

/* mode=null over UDP: the key is live at once, but a refusal still ends
 * the sender with an error, not EOS */
GST_START_TEST (test_enc_null_refused_is_error)
{
  FakeReceiver f;
  MikeyTestCapture *tx;
  GstMessage *msg;
  gchar *middle, *text;
  guint port = fake_receiver_start (&f, MIKEY_ERR_AUTH_FAILURE, 0);

  middle = g_strdup_printf ("mikeyenc mode=null peer-address=127.0.0.1 "
      "peer-port=%u ! srtpenc", port);
  /* 4 s of audio: the refusal comes long before the end */
  tx = mikey_test_sender_new (mikey_test_free_port (), 200, NULL, middle);
  fail_if (gst_element_set_state (tx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = mikey_test_wait_eos_or_error (tx->pipeline, 10000);
  fail_unless (msg != NULL);
  fail_unless (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR, "got %s",
      GST_MESSAGE_TYPE_NAME (msg));
  mikey_test_assert_error_code (msg, GST_STREAM_ERROR,
      GST_STREAM_ERROR_DECRYPT);
  text = mikey_test_message_text (msg);
  fail_unless (strstr (text, "refused the key sent with mode=null") != NULL,
      "%s", text);
  fail_unless (strstr (text, "Authentication failure") != NULL, "%s", text);
  g_free (text);
  gst_message_unref (msg);
  mikey_test_capture_free (tx);
  fake_receiver_stop (&f);
  g_free (middle);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * Item 7
 * ---------------------------------------------------------------------- */

static void
expect_start_error (const gchar * element, const gchar * props,
    const gchar * expect)
{
  GstElement *pipeline;
  gchar *desc;

  if (g_str_equal (element, "mikeyenc"))
    desc = g_strdup_printf ("audiotestsrc ! rtpL16pay ! mikeyenc %s ! "
        "srtpenc ! fakesink", props);
  else
    desc = g_strdup_printf ("udpsrc port=0 caps=\"%s\" ! mikeydec %s ! "
        "srtpdec ! fakesink", TEST_SRTP_CAPS, props);
  pipeline = gst_parse_launch (desc, NULL);
  fail_unless (pipeline != NULL, "%s", desc);
  mikey_test_expect_start_error (pipeline, props, expect);
  mikey_test_pipeline_free (pipeline);
  g_free (desc);
}

GST_START_TEST (test_weak_psk_refused)
{
  gchar *path = g_build_filename (g_get_tmp_dir (), "mikey-weak-psk.hex",
      NULL);
  gchar *props;

  expect_start_error ("mikeyenc", "peer-address=127.0.0.1 psk=00",
      "is 1 byte long, too short");
  expect_start_error ("mikeyenc", "peer-address=127.0.0.1 psk=00",
      "allow-weak-psk=true");
  expect_start_error ("mikeydec", "port=0 psk=000102030405060708090a0b0c0d0e",
      "is 15 bytes long, too short");
  expect_start_error ("mikeydec", "port=0 mode=dhhmac psk=0001020304",
      "too short");
  fail_unless (g_file_set_contents (path, "0001\n", -1, NULL));
  props = g_strdup_printf ("port=0 psk-file=%s", path);
  expect_start_error ("mikeydec", props, "psk-file");
  g_free (props);
  g_unlink (path);
  g_free (path);
}

GST_END_TEST;

/* allow-weak-psk=true: the short key works, on both sides */
GST_START_TEST (test_weak_psk_allowed)
{
  MikeyTestPair t;
  GstElement *enc = gst_element_factory_make ("mikeyenc", NULL);
  gboolean allow = TRUE;

  g_object_get (enc, "allow-weak-psk", &allow, NULL);
  fail_if (allow);
  gst_object_unref (enc);

  mikey_test_pair_setup (&t, "psk=0011 allow-weak-psk=true",
      "psk=0011 allow-weak-psk=true", NULL, 20);
  mikey_test_pair_run_and_compare (&t, 20);
  mikey_test_pair_teardown (&t);
}

GST_END_TEST;

/* A PKE sender with an expired peer-cert and no ca-file does not start */
GST_START_TEST (test_pke_expired_peer_cert)
{
  gchar *alice = pki ("alice.pem"), *alice_key = pki ("alice-key.pem");
  gchar *dave = pki ("dave.pem"), *props;

  props = g_strdup_printf ("peer-address=127.0.0.1 mode=pke cert=%s key=%s "
      "peer-cert=%s", alice, alice_key, dave);
  expect_start_error ("mikeyenc", props, "expired on 2021-01-01");
  expect_start_error ("mikeyenc", props, "peer-cert");
  g_free (props);

  /* mikeydec pinning an expired sender certificate (mode dh) */
  props = g_strdup_printf ("port=0 mode=dh cert=%s key=%s peer-cert=%s",
      alice, alice_key, dave);
  expect_start_error ("mikeydec", props, "expired on 2021-01-01");
  g_free (props);
  g_free (alice);
  g_free (alice_key);
  g_free (dave);
}

GST_END_TEST;

/* A certificate "from the future" (or a clock two years behind): the
 * sentence gives the distance and points at the clock */
GST_START_TEST (test_future_peer_cert_names_clock)
{
  gchar *alice = pki ("alice.pem"), *alice_key = pki ("alice-key.pem");
  gchar *dir = g_dir_make_tmp ("mikey-wording-XXXXXX", NULL);
  gchar *future = g_build_filename (dir, "future.pem", NULL), *props;
  time_t now = time (NULL);
  MikeyCert *cert;

  cert = mikey_test_cert_with_validity (alice_key, "future",
      now + 730 * 86400 + 3600, now + 3650 * 86400, future);
  mikey_cert_unref (cert);
  props = g_strdup_printf ("port=0 mode=dh cert=%s key=%s peer-cert=%s",
      alice, alice_key, future);
  expect_start_error ("mikeydec", props, "(that is 730 days from now by "
      "this machine's clock; check the clock if the certificate is new)");
  g_free (props);

  g_unlink (future);
  g_rmdir (dir);
  g_free (future);
  g_free (dir);
  g_free (alice);
  g_free (alice_key);
}

GST_END_TEST;

static Suite *
mikey_wording_suite (void)
{
  Suite *s = suite_create ("mikey-wording");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_dec_id_escaped);
  tcase_add_test (tc, test_dec_cert_subject_escaped);
  tcase_add_test (tc, test_dec_stale_offset_in_text);
  tcase_add_test (tc, test_enc_invalid_ts_names_clocks);
  tcase_add_test (tc, test_enc_psk_hint_no_certificates);
  tcase_add_test (tc, test_enc_null_refused_is_error);
  tcase_add_test (tc, test_weak_psk_refused);
  tcase_add_test (tc, test_weak_psk_allowed);
  tcase_add_test (tc, test_pke_expired_peer_cert);
  tcase_add_test (tc, test_future_peer_cert_names_clock);
  return s;
}

MIKEY_CHECK_MAIN (mikey_wording);
