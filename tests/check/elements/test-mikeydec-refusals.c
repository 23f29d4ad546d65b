/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mikeydec and datagrams anyone can send to its port (issue 8 items 2, 3,
 * 9): a keyed, playing receiver keeps playing through junk, replays and
 * wrong MACs; a flood gives a handful of bus warnings and bounded memory;
 * junk gets no answer and the answers to refused messages are
 * rate-limited. Loopback only, bounded floods, a few seconds each. */
#include <gst/check/gstcheck.h>
#include <string.h>
#include "mikey-test-util.h"
#include "mikey-types.h"

#if defined(__SANITIZE_ADDRESS__)
#define RSS_IS_MEANINGFUL FALSE
#elif defined(__has_feature)
#if __has_feature (address_sanitizer)
#define RSS_IS_MEANINGFUL FALSE
#endif
#endif
#ifndef RSS_IS_MEANINGFUL
#define RSS_IS_MEANINGFUL TRUE
#endif

#define N_BUFFERS 100           /* 2 s of live audio */
#define FLOOD 20000

static guint
count_messages (GstElement * pipeline, GstMessageType type)
{
  return mikey_test_count_messages (pipeline, type, NULL);
}

static gsize
vm_rss_kb (void)
{
  gchar *status = NULL, *line;
  gsize kb = 0;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmRSS:");
  if (line != NULL)
    kb = g_ascii_strtoull (line + 6, NULL, 10);
  g_free (status);
  return kb;
}

/* The datagrams the socket received since the last call */
static guint
drain (GSocket * sock)
{
  guint8 buf[4096];
  guint n = 0;

  g_socket_set_blocking (sock, FALSE);
  while (g_socket_receive (sock, (gchar *) buf, sizeof (buf), NULL, NULL) > 0)
    n++;
  return n;
}

static void
send_to (GSocket * sock, guint port, const guint8 * data, gsize len)
{
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *to = g_inet_socket_address_new (lo, port);

  /* a full socket buffer drops datagrams: as on a real network */
  g_socket_set_blocking (sock, TRUE);
  g_socket_send_to (sock, to, (const gchar *) data, len, NULL, NULL);
  g_object_unref (to);
  g_object_unref (lo);
}

static GBytes *
tampered (GBytes * good, gsize at_from_end)
{
  gsize len;
  guint8 *copy = g_memdup2 (g_bytes_get_data (good, &len),
      g_bytes_get_size (good));

  copy[len - at_from_end] ^= 0x01;
  return g_bytes_new_take (copy, len);
}

/* A message that parses but is no initiation message (a PSK verification
 * message's data type on an initiation message) */
static GBytes *
not_an_init (GBytes * good)
{
  gsize len;
  guint8 *copy = g_memdup2 (g_bytes_get_data (good, &len),
      g_bytes_get_size (good));

  copy[1] = MIKEY_DT_PSK_VERIFY;
  return g_bytes_new_take (copy, len);
}

static gsize
capture_size (MikeyTestCapture * c)
{
  return mikey_test_capture_size (c);
}

GST_START_TEST (test_keyed_receiver_keeps_playing)
{
  MikeyTestPair t;
  GstElement *enc;
  gchar *km = NULL;
  guint8 *sent;
  gsize sent_len, want;
  GBytes *replay, *good, *wrong_mac;
  GSocket *attacker;
  GstMessage *msg;
  guint i, replies;
  static const guint8 junk[] = { 0x00 };

  mikey_test_pair_setup (&t, "address=127.0.0.1 psk=" TEST_PSK,
      "psk=" TEST_PSK, NULL, N_BUFFERS);
  fail_if (gst_element_set_state (t.rx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (t.tx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  /* keyed and playing */
  for (i = 0; i < 1000 && capture_size (t.rx) == 0; i++)
    g_usleep (10 * 1000);
  fail_unless (capture_size (t.rx) > 0, "the stream never played");
  fail_unless (mikey_test_has_message (t.rx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-key-established", 0));

  /* what the sender sent, replayed from another port; a genuine-looking
   * message with a wrong MAC; junk */
  enc = gst_bin_get_by_name (GST_BIN (t.tx->pipeline), "enc");
  g_object_get (enc, "key-mgmt", &km, NULL);
  gst_object_unref (enc);
  fail_unless (km != NULL);
  sent = mikey_key_mgmt_decode (km, &sent_len, NULL);
  fail_unless (sent != NULL);
  replay = g_bytes_new_take (sent, sent_len);
  good = mikey_test_make_init (MIKEY_MODE_PSK, TEST_PSK, TRUE, 0x1234u,
      NULL, 0, NULL, 0, FALSE, 0, NULL);
  wrong_mac = tampered (good, 1);

  attacker = mikey_test_udp_socket ();
  for (i = 0; i < 50; i++)
    send_to (attacker, t.mikey_port, junk, sizeof (junk));
  send_to (attacker, t.mikey_port, g_bytes_get_data (replay, NULL),
      g_bytes_get_size (replay));
  send_to (attacker, t.mikey_port, g_bytes_get_data (wrong_mac, NULL),
      g_bytes_get_size (wrong_mac));

  /* the audio goes on to the end, byte for byte */
  msg = mikey_test_wait_eos_or_error (t.tx->pipeline, 30000);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  want = N_BUFFERS * MIKEY_TEST_BYTES_PER_BUFFER;
  fail_unless_equals_int (t.tx->bytes->len, want);
  fail_unless (mikey_test_wait_bytes (t.rx, want, NULL, 10000),
      "receiver got %u of %u bytes", (guint) capture_size (t.rx), (guint) want);
  fail_unless (memcmp (t.rx->bytes->data, t.tx->bytes->data, want) == 0,
      "decoded audio differs");

  /* told, not stopped, not re-keyed */
  fail_if (mikey_test_has_message (t.rx->pipeline, GST_MESSAGE_ERROR, NULL, 0));
  fail_unless (mikey_test_has_message (t.rx->pipeline, GST_MESSAGE_WARNING,
          NULL, 0));
  fail_unless_equals_int (mikey_test_count_messages (t.rx->pipeline,
          GST_MESSAGE_ELEMENT, "mikey-key-established"), 1);
  /* junk and the replay are not answered; the wrong MAC at most once */
  g_usleep (100 * 1000);
  replies = drain (attacker);
  GST_INFO ("%u answers to 52 refused datagrams", replies);
  fail_unless (replies <= 1, "%u answers", replies);

  g_object_unref (attacker);
  g_bytes_unref (replay);
  g_bytes_unref (good);
  g_bytes_unref (wrong_mac);
  g_free (km);
  mikey_test_pair_teardown (&t);
}

GST_END_TEST;

GST_START_TEST (test_flood)
{
  guint port = mikey_test_free_port (), i, warnings, errors, replies;
  MikeyTestCapture *rx;
  GBytes *good, *wrong_mac, *unsupported;
  GSocket *attacker;
  gsize rss_before, rss_after;
  gint64 start, elapsed_ms;
  gchar *props;
  guint8 junk[64];

  props = g_strdup_printf ("address=127.0.0.1 port=%u psk=" TEST_PSK, port);
  rx = mikey_test_receiver_new (mikey_test_free_port (), props);
  g_free (props);
  fail_if (gst_element_set_state (rx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  good = mikey_test_make_init (MIKEY_MODE_PSK, TEST_PSK, TRUE, 0x1234u,
      NULL, 0, NULL, 0, FALSE, 0, NULL);
  wrong_mac = tampered (good, 1);
  unsupported = not_an_init (good);
  attacker = mikey_test_udp_socket ();

  /* junk and messages that parse but are no initiation message: never
   * answered */
  rss_before = vm_rss_kb ();
  for (i = 0; i < FLOOD / 2; i++) {
    if (i % 2 == 0) {
      memset (junk, i & 0xff, sizeof (junk));
      send_to (attacker, port, junk, 1 + i % sizeof (junk));
    } else {
      send_to (attacker, port, g_bytes_get_data (unsupported, NULL),
          g_bytes_get_size (unsupported));
    }
  }
  g_usleep (300 * 1000);
  replies = drain (attacker);
  GST_INFO ("%u answers to %u junk datagrams", replies, FLOOD / 2);
  fail_unless_equals_int (replies, 0);

  /* wrong MACs: worth an answer to a genuine sender, but at most a burst
   * then a few per second */
  start = g_get_monotonic_time ();
  for (i = 0; i < FLOOD / 2; i++)
    send_to (attacker, port, g_bytes_get_data (wrong_mac, NULL),
        g_bytes_get_size (wrong_mac));
  g_usleep (300 * 1000);
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  replies = drain (attacker);
  rss_after = vm_rss_kb ();

  errors = count_messages (rx->pipeline, GST_MESSAGE_ERROR);
  warnings = count_messages (rx->pipeline, GST_MESSAGE_WARNING);
  g_print ("flood of %u datagrams: VmRSS %" G_GSIZE_FORMAT " kB before, %"
      G_GSIZE_FORMAT " kB after; %u warnings, %u errors on the bus; %u "
      "answers to %u wrong MACs in %" G_GINT64_FORMAT " ms\n", FLOOD,
      rss_before, rss_after, warnings, errors, replies, FLOOD / 2, elapsed_ms);
  fail_unless_equals_int (errors, 0);
  /* the first at once, then one summary per 10 s */
  fail_unless (warnings >= 1 && warnings <= 1 + elapsed_ms / 10000 + 1,
      "%u warnings", warnings);
  fail_unless (replies <= 10 + 2 * (elapsed_ms / 1000 + 1),
      "%u answers in %" G_GINT64_FORMAT " ms", replies, elapsed_ms);
  /* no growth per datagram: 20,000 of anything kept would show (not
   * under AddressSanitizer, whose quarantine keeps freed memory resident) */
  if (rss_before > 0 && RSS_IS_MEANINGFUL)
    fail_unless (rss_after < rss_before + 32 * 1024,
        "VmRSS grew from %" G_GSIZE_FORMAT " to %" G_GSIZE_FORMAT " kB",
        rss_before, rss_after);

  /* and the genuine sender is still heard */
  {
    GBytes *reply = mikey_test_udp_exchange (NULL, port, good, 2000);

    fail_unless (reply != NULL);
    g_bytes_unref (reply);
    fail_unless (mikey_test_has_message (rx->pipeline, GST_MESSAGE_ELEMENT,
            "mikey-key-established", 2000));
  }

  g_object_unref (attacker);
  g_bytes_unref (good);
  g_bytes_unref (wrong_mac);
  g_bytes_unref (unsupported);
  mikey_test_capture_free (rx);
}

GST_END_TEST;

/* error-on-refusal=true: errors, at the same bounded rate */
GST_START_TEST (test_flood_error_on_refusal)
{
  guint port = mikey_test_free_port (), i, errors;
  MikeyTestCapture *rx;
  GSocket *attacker;
  gchar *props;
  static const guint8 junk[] = { 0xff, 0x00 };

  props = g_strdup_printf ("address=127.0.0.1 port=%u psk=" TEST_PSK
      " error-on-refusal=true", port);
  rx = mikey_test_receiver_new (mikey_test_free_port (), props);
  g_free (props);
  fail_if (gst_element_set_state (rx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  attacker = mikey_test_udp_socket ();
  for (i = 0; i < 2000; i++)
    send_to (attacker, port, junk, sizeof (junk));
  fail_unless (mikey_test_has_message (rx->pipeline, GST_MESSAGE_ERROR, NULL,
          2000));
  g_usleep (300 * 1000);
  errors = count_messages (rx->pipeline, GST_MESSAGE_ERROR);
  fail_unless (errors >= 1 && errors <= 2, "%u errors", errors);
  fail_if (mikey_test_has_message (rx->pipeline, GST_MESSAGE_WARNING, NULL, 0));
  fail_unless_equals_int (drain (attacker), 0);
  g_object_unref (attacker);
  mikey_test_capture_free (rx);
}

GST_END_TEST;

static Suite *
mikeydec_refusals_suite (void)
{
  Suite *s = suite_create ("mikeydec-refusals");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_keyed_receiver_keeps_playing);
  tcase_add_test (tc, test_flood);
  tcase_add_test (tc, test_flood_error_on_refusal);
  return s;
}

MIKEY_CHECK_MAIN (mikeydec_refusals);
