/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mikeydec under a bounded loopback flood (issue 8 item 1): one captured
 * MIKEY-PSK message with a COUNTER timestamp, replayed from 5,000 source
 * ports, keys nothing again; the sender's next message still does. The
 * process's memory before and after is printed, not asserted (the bus
 * messages the test records are part of it). */
#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>
#include "mikey-test-util.h"
#include "mikey-credentials.h"

#define N_REPLAYS 5000
#define TEST_SSRC 0x12345678u

static gint established;

static void
on_key_established (GstElement * dec, GstCaps * caps, gpointer user_data)
{
  g_atomic_int_inc (&established);
}

static glong
rss_kb (void)
{
  gchar *status = NULL;
  const gchar *line;
  glong kb = -1;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  if (line != NULL)
    kb = strtol (line + strlen ("VmRSS:"), NULL, 10);
  g_free (status);
  return kb;
}

static GBytes *
counter_message (guint32 counter)
{
  MikeyInitiatorConfig cfg = { 0, };
  MikeySrtpCs cs = { 0, TEST_SSRC, 0 };
  MikeyInitiator *init;
  GError *err = NULL;
  GBytes *msg;
  guint8 *psk;
  gsize psk_len = 0;

  psk = mikey_hex_decode (TEST_PSK, &psk_len, &err);
  fail_unless (psk != NULL, "%s", err ? err->message : "");
  cfg.mode = MIKEY_MODE_PSK;
  cfg.psk = psk;
  cfg.psk_len = psk_len;
  cfg.ts_type = MIKEY_TS_COUNTER;
  cfg.counter = counter;
  cfg.cs = &cs;
  cfg.n_cs = 1;
  init = mikey_initiator_new (&cfg, &err);
  fail_unless (init != NULL, "%s", err ? err->message : "");
  msg = mikey_initiator_start (init, g_get_real_time (), &err);
  fail_unless (msg != NULL, "%s", err ? err->message : "");
  mikey_initiator_free (init);
  mikey_secure_free (psk, psk_len);
  return msg;
}

static gboolean
wait_established (gint n, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_atomic_int_get (&established) < n) {
    if (g_get_monotonic_time () > end)
      return FALSE;
    g_usleep (10 * 1000);
  }
  return TRUE;
}

GST_START_TEST (test_counter_replay_flood)
{
  guint port = mikey_test_free_port ();
  gchar *props = g_strdup_printf ("address=127.0.0.1 port=%u psk=" TEST_PSK,
      port);
  MikeyTestCapture *rx = mikey_test_receiver_new (mikey_test_free_port (),
      props);
  GstElement *dec = gst_bin_get_by_name (GST_BIN (rx->pipeline), "dec");
  GBytes *msg = counter_message (1000), *next = counter_message (1001);
  GBytes *reply;
  GSocket *probe;
  glong before, after;
  guint i;

  g_atomic_int_set (&established, 0);
  g_signal_connect (dec, "key-established", G_CALLBACK (on_key_established),
      NULL);
  fail_if (gst_element_set_state (rx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  reply = mikey_test_udp_exchange (NULL, port, msg, 2000);
  fail_unless (reply != NULL);
  g_bytes_unref (reply);
  fail_unless (wait_established (1, 2000));

  before = rss_kb ();
  /* each from a socket of its own: another source port every time */
  for (i = 0; i < N_REPLAYS; i++) {
    reply = mikey_test_udp_exchange (NULL, port, msg, 0);
    g_assert_null (reply);
  }
  /* datagrams are handled in order: once this one is answered, the
   * replays before it were handled (or dropped by the socket). A full
   * socket buffer may drop it too: resend it from the same port (a
   * retransmission, answered again), for up to 30 s (sanitizers are slow) */
  probe = mikey_test_udp_socket ();
  for (i = 0; i < 30; i++) {
    reply = mikey_test_udp_exchange (probe, port, next, 1000);
    if (reply != NULL)
      break;
  }
  fail_unless (reply != NULL, "the sender's next message got no answer");
  g_bytes_unref (reply);
  fail_unless (wait_established (2, 2000));
  g_usleep (100 * 1000);
  after = rss_kb ();
  g_print ("mikeydec, %u replays of one COUNTER message from distinct "
      "ports: keys established %d (1 + the next message), RSS %ld kB -> "
      "%ld kB\n", N_REPLAYS, g_atomic_int_get (&established), before, after);
  fail_unless_equals_int (g_atomic_int_get (&established), 2);

  g_object_unref (probe);
  g_bytes_unref (msg);
  g_bytes_unref (next);
  gst_object_unref (dec);
  mikey_test_capture_free (rx);
  g_free (props);
}

GST_END_TEST;

static Suite *
mikeydec_flood_suite (void)
{
  Suite *s = suite_create ("mikeydec-flood");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_counter_replay_flood);
  return s;
}

MIKEY_CHECK_MAIN (mikeydec_flood);
