/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* End-to-end tests: mikeyenc ! srtpenc in one pipeline, mikeydec ! srtpdec
 * in another, MIKEY and SRTP over loopback UDP, the decoded audio compared
 * byte for byte with what went into the payloader. */
#include <gst/check/gstcheck.h>
#include <string.h>
#include <glib/gstdio.h>
#include "mikey-test-util.h"

#define N_BUFFERS 50

typedef MikeyTestPair E2E;

#define e2e_setup mikey_test_pair_setup
#define e2e_teardown mikey_test_pair_teardown
#define e2e_run_and_compare mikey_test_pair_run_and_compare
#define check_established mikey_test_check_established

GST_START_TEST (test_psk_udp_byte_exact)
{
  E2E t;
  guint csb_tx, csb_rx, ssrc_tx, ssrc_rx, pay_ssrc;
  GstElement *pay;

  e2e_setup (&t, "mode=psk psk=" TEST_PSK, "mode=psk psk=" TEST_PSK, NULL,
      N_BUFFERS);
  e2e_run_and_compare (&t, N_BUFFERS);

  check_established (t.tx->pipeline, "psk", "AES_CM_128_HMAC_SHA1_80",
      &csb_tx, &ssrc_tx);
  check_established (t.rx->pipeline, "psk", "AES_CM_128_HMAC_SHA1_80",
      &csb_rx, &ssrc_rx);
  fail_unless_equals_int (csb_tx, csb_rx);
  fail_unless_equals_int (ssrc_tx, ssrc_rx);
  /* the SSRC in the crypto session map is the stream's */
  pay = gst_bin_get_by_name (GST_BIN (t.tx->pipeline), "pay");
  {
    GstStructure *stats;

    g_object_get (pay, "stats", &stats, NULL);
    fail_unless (gst_structure_get_uint (stats, "ssrc", &pay_ssrc));
    gst_structure_free (stats);
  }
  gst_object_unref (pay);
  fail_unless_equals_int (ssrc_tx, pay_ssrc);

  e2e_teardown (&t);
}

GST_END_TEST;

GST_START_TEST (test_psk_udp_queue_between)
{
  E2E t;

  e2e_setup (&t, "mode=psk psk=" TEST_PSK, "mode=psk psk=" TEST_PSK,
      "queue ! identity ! queue !", N_BUFFERS);
  e2e_run_and_compare (&t, N_BUFFERS);
  e2e_teardown (&t);
}

GST_END_TEST;

static const gchar *suites[] = {
  "AES_CM_128_HMAC_SHA1_80",
  "AES_CM_128_HMAC_SHA1_32",
  "AES_256_CM_HMAC_SHA1_80",
  "AEAD_AES_128_GCM",
  "AEAD_AES_256_GCM",
};

GST_START_TEST (test_psk_udp_suites)
{
  E2E t;
  gchar *props;
  guint csb, ssrc;

  props = g_strdup_printf ("mode=psk psk=" TEST_PSK " suite=%s", suites[__i__]);
  e2e_setup (&t, props, props, NULL, 10);
  e2e_run_and_compare (&t, 10);
  check_established (t.rx->pipeline, "psk", suites[__i__], &csb, &ssrc);
  e2e_teardown (&t);
  g_free (props);
}

GST_END_TEST;

GST_START_TEST (test_psk_file)
{
  E2E t;
  gchar *path, *props;
  gint fd;

  fd = g_file_open_tmp ("mikey-psk-XXXXXX", &path, NULL);
  fail_unless (fd >= 0);
  fail_unless (write (fd, TEST_PSK "\n", strlen (TEST_PSK) + 1) > 0);
  close (fd);
  props = g_strdup_printf ("mode=psk psk-file=\"%s\"", path);
  e2e_setup (&t, props, props, NULL, 10);
  e2e_run_and_compare (&t, 10);
  e2e_teardown (&t);
  g_unlink (path);
  g_free (path);
  g_free (props);
}

GST_END_TEST;

GST_START_TEST (test_wrong_psk)
{
  E2E t;
  GstMessage *msg;
  gchar *text;

  e2e_setup (&t, "mode=psk psk=" TEST_WRONG_PSK, "mode=psk psk=" TEST_PSK,
      NULL, 20);
  fail_if (gst_element_set_state (t.rx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  gst_element_set_state (t.tx->pipeline, GST_STATE_PLAYING);

  /* the receiver says why, in a warning: it cannot tell its sender from
   * anyone else sending a wrong MAC, and keeps listening */
  msg = mikey_test_find_message (t.rx->pipeline, GST_MESSAGE_WARNING, NULL,
      10000);
  fail_unless (msg != NULL);
  text = mikey_test_message_text (msg);
  GST_INFO ("receiver: %s", text);
  fail_unless (strstr (text, "MIKEY verification failed: MAC mismatch "
          "(wrong pre-shared key?)") != NULL, "got: %s", text);
  mikey_test_assert_error_code (msg, GST_STREAM_ERROR,
      GST_STREAM_ERROR_DECRYPT);
  g_free (text);
  gst_message_unref (msg);

  /* the sender fails too (the receiver's error message) */
  msg = mikey_test_wait_eos_or_error (t.tx->pipeline, 10000);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  text = mikey_test_message_text (msg);
  GST_INFO ("sender: %s", text);
  fail_unless (strstr (text, "refused") != NULL || strstr (text,
          "No MIKEY answer") != NULL, "got: %s", text);
  /* the receiver's refusal is an authentication failure here too */
  if (strstr (text, "refused") != NULL)
    mikey_test_assert_error_code (msg, GST_STREAM_ERROR,
        GST_STREAM_ERROR_DECRYPT);
  g_free (text);
  gst_message_unref (msg);

  /* and no audio went anywhere */
  g_usleep (200 * 1000);
  fail_unless_equals_int (mikey_test_capture_size (t.rx), 0);
  fail_if (mikey_test_has_message (t.tx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-key-established", 0));
  fail_if (mikey_test_has_message (t.rx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-key-established", 0));
  fail_if (mikey_test_has_message (t.rx->pipeline, GST_MESSAGE_ERROR, NULL, 0));
  e2e_teardown (&t);
}

GST_END_TEST;

GST_START_TEST (test_restart)
{
  E2E t;
  gint round;

  e2e_setup (&t, "mode=psk psk=" TEST_PSK, "mode=psk psk=" TEST_PSK, NULL, 20);
  for (round = 0; round < 3; round++) {
    GST_INFO ("round %d", round);
    mikey_test_capture_reset (t.tx);
    mikey_test_capture_reset (t.rx);
    mikey_test_clear_messages (t.tx->pipeline);
    mikey_test_clear_messages (t.rx->pipeline);
    e2e_run_and_compare (&t, 20);
    fail_unless_equals_int (gst_element_set_state (t.tx->pipeline,
            GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    fail_unless_equals_int (gst_element_set_state (t.rx->pipeline,
            GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  }
  e2e_teardown (&t);
}

GST_END_TEST;

/* Only the sender restarts: a new exchange re-keys the running receiver */
GST_START_TEST (test_sender_restart_rekeys)
{
  E2E t;
  GstMessage *msg;
  guint csb1, csb2, ssrc;

  e2e_setup (&t, "mode=psk psk=" TEST_PSK, "mode=psk psk=" TEST_PSK, NULL, 20);
  e2e_run_and_compare (&t, 20);
  check_established (t.rx->pipeline, "psk", "AES_CM_128_HMAC_SHA1_80",
      &csb1, &ssrc);

  gst_element_set_state (t.tx->pipeline, GST_STATE_NULL);
  mikey_test_capture_reset (t.tx);
  mikey_test_capture_reset (t.rx);
  mikey_test_clear_messages (t.tx->pipeline);
  mikey_test_clear_messages (t.rx->pipeline);
  e2e_run_and_compare (&t, 20);
  msg = mikey_test_find_message (t.rx->pipeline, GST_MESSAGE_ELEMENT,
      "mikey-key-established", 0);
  fail_unless (msg != NULL);
  fail_unless (gst_structure_get_uint (gst_message_get_structure (msg),
          "csb-id", &csb2));
  fail_unless (csb1 != csb2);
  gst_message_unref (msg);
  e2e_teardown (&t);
}

GST_END_TEST;

static GstPadProbeReturn
count_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  g_atomic_int_inc ((gint *) user_data);
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_no_receiver_timeout)
{
  guint port = mikey_test_free_port ();
  MikeyTestCapture *tx;
  GstMessage *msg;
  gchar *middle, *text, *expected;
  GstElement *srtpenc;
  GstPad *pad;
  gint count = 0;

  middle = g_strdup_printf ("mikeyenc peer-address=127.0.0.1 peer-port=%u "
      "psk=" TEST_PSK " timeout=500 retransmit-interval=100 ! "
      "srtpenc name=srtpenc", port);
  tx = mikey_test_sender_new (mikey_test_free_port (), 20, NULL, middle);
  /* nothing may reach srtpenc without the key */
  srtpenc = gst_bin_get_by_name (GST_BIN (tx->pipeline), "srtpenc");
  pad = mikey_test_first_sink_pad (srtpenc);
  fail_unless (pad != NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, count_probe, &count, NULL);
  gst_object_unref (pad);
  gst_object_unref (srtpenc);

  gst_element_set_state (tx->pipeline, GST_STATE_PLAYING);
  msg = mikey_test_wait_eos_or_error (tx->pipeline, 10000);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  text = mikey_test_message_text (msg);
  expected = g_strdup_printf ("No MIKEY answer from 127.0.0.1:%u after 0.5 s: "
      "is the receiver running with mikeydec port=%u?", port, port);
  fail_unless_equals_string (text, expected);
  g_free (text);
  g_free (expected);
  gst_message_unref (msg);
  fail_unless_equals_int (g_atomic_int_get (&count), 0);
  mikey_test_capture_free (tx);
  g_free (middle);
}

GST_END_TEST;

/* A receiver that never answers sees the same initiation message on the
 * core's schedule (0, 100, 300, 700 ms with retransmit-interval=100),
 * nothing once the 1 s timeout has passed, and the error counts them */
GST_START_TEST (test_retransmissions_to_silent_receiver)
{
  GSocket *silent = mikey_test_udp_socket ();
  GSocketAddress *local = g_socket_get_local_address (silent, NULL);
  guint port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  MikeyTestCapture *tx;
  GstMessage *msg;
  GError *gerr = NULL;
  gchar *middle, *debug = NULL, *expected, *want;
  GBytes *sent[8];
  guint n = 0, i;
  guint8 buf[4096];
  gssize len;

  middle = g_strdup_printf ("mikeyenc peer-address=127.0.0.1 peer-port=%u "
      "psk=" TEST_PSK " timeout=1000 retransmit-interval=100 ! srtpenc", port);
  tx = mikey_test_sender_new (mikey_test_free_port (), 20, NULL, middle);
  gst_element_set_state (tx->pipeline, GST_STATE_PLAYING);
  msg = mikey_test_wait_eos_or_error (tx->pipeline, 10000);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &gerr, &debug);
  expected = g_strdup_printf ("No MIKEY answer from 127.0.0.1:%u after 1 s: "
      "is the receiver running with mikeydec port=%u?", port, port);
  fail_unless_equals_string (gerr->message, expected);
  /* nothing more goes out after the error */
  g_usleep (300 * 1000);

  g_socket_set_blocking (silent, FALSE);
  while (n < G_N_ELEMENTS (sent) && (len = g_socket_receive (silent,
              (gchar *) buf, sizeof (buf), NULL, NULL)) > 0)
    sent[n++] = g_bytes_new (buf, len);
  /* 4 on time; a loaded machine may wake up late and send fewer, never
   * more (no burst of missed retransmissions) */
  fail_unless (n >= 2 && n <= 4, "%u datagrams", n);
  for (i = 1; i < n; i++)
    fail_unless (g_bytes_equal (sent[0], sent[i]), "datagram %u differs", i);
  /* the element counted what it sent */
  want = g_strdup_printf ("%u transmissions", n);
  fail_unless (debug != NULL && strstr (debug, want) != NULL,
      "debug: %s, want %s", debug, want);
  g_free (want);

  for (i = 0; i < n; i++)
    g_bytes_unref (sent[i]);
  g_free (expected);
  g_free (debug);
  g_error_free (gerr);
  gst_message_unref (msg);
  mikey_test_capture_free (tx);
  g_free (middle);
  g_object_unref (local);
  g_socket_close (silent, NULL);
  g_object_unref (silent);
}

GST_END_TEST;

GST_START_TEST (test_null_mode_udp)
{
  E2E t;
  GstMessage *msg;
  gchar *text;
  guint csb, ssrc;

  /* both sides asked for MIKEY-NULL by name: works, with a warning */
  e2e_setup (&t, "mode=null", "mode=null", NULL, 10);
  e2e_run_and_compare (&t, 10);
  check_established (t.rx->pipeline, "null", "AES_CM_128_HMAC_SHA1_80",
      &csb, &ssrc);
  msg = mikey_test_find_message (t.tx->pipeline, GST_MESSAGE_WARNING, NULL, 0);
  fail_unless (msg != NULL);
  text = mikey_test_message_text (msg);
  fail_unless (strstr (text, "unprotected") != NULL, "got %s", text);
  g_free (text);
  gst_message_unref (msg);
  e2e_teardown (&t);

  /* a receiver in psk mode refuses it, saying why (a warning: anyone can
   * send MIKEY-NULL) */
  e2e_setup (&t, "mode=psk psk=" TEST_PSK, "mode=null", NULL, 10);
  gst_element_set_state (t.rx->pipeline, GST_STATE_PLAYING);
  gst_element_set_state (t.tx->pipeline, GST_STATE_PLAYING);
  msg = mikey_test_find_message (t.rx->pipeline, GST_MESSAGE_WARNING, NULL,
      10000);
  fail_unless (msg != NULL);
  text = mikey_test_message_text (msg);
  fail_unless (strstr (text, "MIKEY-NULL") != NULL &&
      strstr (text, "mode=null") != NULL, "got %s", text);
  g_free (text);
  gst_message_unref (msg);
  mikey_test_has_message (t.tx->pipeline, GST_MESSAGE_EOS, NULL, 10000);
  fail_unless_equals_int (mikey_test_capture_size (t.rx), 0);
  fail_if (mikey_test_has_message (t.rx->pipeline, GST_MESSAGE_ERROR, NULL, 0));
  e2e_teardown (&t);
}

GST_END_TEST;

/* A receiver that requires another suite refuses, and the sender hears why */
GST_START_TEST (test_suite_mismatch)
{
  E2E t;
  GstMessage *msg;
  gchar *text;

  e2e_setup (&t, "psk=" TEST_PSK " suite=AES_256_CM_HMAC_SHA1_80",
      "psk=" TEST_PSK, NULL, 10);
  gst_element_set_state (t.rx->pipeline, GST_STATE_PLAYING);
  gst_element_set_state (t.tx->pipeline, GST_STATE_PLAYING);
  /* a warning on the receiver (the offer is not authenticated) */
  msg = mikey_test_find_message (t.rx->pipeline, GST_MESSAGE_WARNING, NULL,
      10000);
  fail_unless (msg != NULL);
  text = mikey_test_message_text (msg);
  fail_unless (strstr (text, "AES_CM_128_HMAC_SHA1_80") != NULL &&
      strstr (text, "suite=AES_256_CM_HMAC_SHA1_80") != NULL, "got %s", text);
  g_free (text);
  gst_message_unref (msg);
  msg = mikey_test_wait_eos_or_error (t.tx->pipeline, 10000);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  text = mikey_test_message_text (msg);
  /* an answer, not a timeout */
  fail_unless (strstr (text, "refused") != NULL, "got %s", text);
  g_free (text);
  gst_message_unref (msg);
  fail_unless_equals_int (mikey_test_capture_size (t.rx), 0);
  fail_if (mikey_test_has_message (t.rx->pipeline, GST_MESSAGE_ERROR, NULL, 0));
  e2e_teardown (&t);
}

GST_END_TEST;

static Suite *
mikey_e2e_suite (void)
{
  Suite *s = suite_create ("mikey-e2e");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_psk_udp_byte_exact);
  tcase_add_test (tc, test_psk_udp_queue_between);
  tcase_add_loop_test (tc, test_psk_udp_suites, 0, G_N_ELEMENTS (suites));
  tcase_add_test (tc, test_psk_file);
  tcase_add_test (tc, test_wrong_psk);
  tcase_add_test (tc, test_restart);
  tcase_add_test (tc, test_sender_restart_rekeys);
  tcase_add_test (tc, test_no_receiver_timeout);
  tcase_add_test (tc, test_retransmissions_to_silent_receiver);
  tcase_add_test (tc, test_null_mode_udp);
  tcase_add_test (tc, test_suite_mismatch);
  return s;
}

MIKEY_CHECK_MAIN (mikey_e2e);
