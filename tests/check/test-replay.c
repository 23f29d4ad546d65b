/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Replay cache and NTP timestamp conversion. */
#include <gst/check/gstcheck.h>

#include "mikey-replay-private.h"
#include "mikey-timestamp.h"

#define NOW G_GINT64_CONSTANT (1795000000000000)
#define SEC G_USEC_PER_SEC

static MikeyMessage *
message_at (guint8 ts_type, guint64 value)
{
  MikeyMessage *msg = mikey_message_new ();
  MikeyPayload *t = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_T));

  t->u.t.ts_type = ts_type;
  t->u.t.value = value;
  return msg;
}

static gboolean
check (MikeyReplayCache * c, gint64 msg_us, const gchar * body,
    gint64 now_us, GError ** err)
{
  MikeyMessage *msg = message_at (MIKEY_TS_NTP_UTC,
      mikey_ntp_from_unix_us (msg_us));
  gboolean ok = mikey_replay_cache_check (c, msg, (const guint8 *) body,
      strlen (body), "", now_us, err);

  mikey_message_free (msg);
  return ok;
}

GST_START_TEST (test_ntp_conversion)
{
  guint64 ntp = mikey_ntp_from_unix_us (0);

  fail_unless_equals_uint64 (ntp >> 32, G_GUINT64_CONSTANT (2208988800));
  fail_unless_equals_uint64 (ntp & 0xffffffff, 0);
  /* half a second is 0x80000000 in the fraction */
  ntp = mikey_ntp_from_unix_us (NOW + SEC / 2);
  fail_unless_equals_uint64 (ntp & 0xffffffff, 0x80000000);
  fail_unless_equals_int64 (mikey_ntp_to_unix_us (ntp), NOW + SEC / 2);
  /* era 1: 2040 wraps the 32-bit seconds and must come back right */
  fail_unless_equals_int64 (mikey_ntp_to_unix_us (mikey_ntp_from_unix_us
          (G_GINT64_CONSTANT (2209000000) * SEC)),
      G_GINT64_CONSTANT (2209000000) * SEC);
}

GST_END_TEST;

GST_START_TEST (test_window)
{
  MikeyReplayCache *c = mikey_replay_cache_new (30 * SEC, 16);
  GError *err = NULL;

  fail_unless (check (c, NOW, "a", NOW, NULL));
  fail_unless (check (c, NOW - 29 * SEC, "b", NOW, NULL));
  fail_unless (check (c, NOW + 29 * SEC, "c", NOW, NULL));
  fail_if (check (c, NOW - 31 * SEC, "d", NOW, &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_STALE));
  g_clear_error (&err);
  fail_if (check (c, NOW + 31 * SEC, "e", NOW, &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_STALE));
  g_clear_error (&err);
  mikey_replay_cache_free (c);
}

GST_END_TEST;

GST_START_TEST (test_replay_and_capacity)
{
  MikeyReplayCache *c = mikey_replay_cache_new (10 * SEC, 4);
  GError *err = NULL;
  gchar body[8];
  guint i;

  fail_unless (check (c, NOW, "x", NOW, NULL));
  fail_if (check (c, NOW, "x", NOW + SEC, &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_REPLAY));
  g_clear_error (&err);

  for (i = 0; i < 3; i++) {
    g_snprintf (body, sizeof (body), "m%u", i);
    fail_unless (check (c, NOW, body, NOW, NULL));
  }
  /* full of messages that could still be replayed: refuse, do not forget,
   * and say so: the message is no replay */
  fail_if (check (c, NOW, "new", NOW, &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_CACHE_FULL),
      "%s", err->message);
  fail_unless (strstr (err->message, "full") != NULL, "%s", err->message);
  fail_unless (strstr (err->message, "replayed message") == NULL, "%s",
      err->message);
  g_clear_error (&err);
  /* once they age out of the window they make room */
  fail_unless (check (c, NOW + 20 * SEC, "new", NOW + 20 * SEC, NULL));
  mikey_replay_cache_free (c);
}

GST_END_TEST;

GST_START_TEST (test_counter_per_peer)
{
  MikeyReplayCache *c = mikey_replay_cache_new (0, 0);
  MikeyMessage *m1 = message_at (MIKEY_TS_COUNTER, 10);
  MikeyMessage *m2 = message_at (MIKEY_TS_COUNTER, 9);

  fail_unless (mikey_replay_cache_check (c, m1, (guint8 *) "a", 1, "alice",
          0, NULL));
  fail_if (mikey_replay_cache_check (c, m1, (guint8 *) "b", 1, "alice", 0,
          NULL));
  fail_if (mikey_replay_cache_check (c, m2, (guint8 *) "c", 1, "alice", 0,
          NULL));
  /* counters are per peer */
  fail_unless (mikey_replay_cache_check (c, m2, (guint8 *) "d", 1, "bob", 0,
          NULL));
  mikey_message_free (m1);
  mikey_message_free (m2);
  mikey_replay_cache_free (c);
}

GST_END_TEST;

/* The same counter message again is told as a replay; an older counter
 * as out of order */
GST_START_TEST (test_counter_replay_told)
{
  MikeyReplayCache *c = mikey_replay_cache_new (0, 0);
  MikeyMessage *m1 = message_at (MIKEY_TS_COUNTER, 10);
  MikeyMessage *m2 = message_at (MIKEY_TS_COUNTER, 9);
  GError *err = NULL;

  fail_unless (mikey_replay_cache_check (c, m1, (guint8 *) "a", 1, "alice",
          0, NULL));
  fail_if (mikey_replay_cache_check (c, m1, (guint8 *) "a", 1, "alice", 0,
          &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_REPLAY));
  fail_unless (strstr (err->message, "already accepted") != NULL, "%s",
      err->message);
  g_clear_error (&err);
  fail_if (mikey_replay_cache_check (c, m2, (guint8 *) "b", 1, "alice", 0,
          &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_REPLAY));
  fail_unless (strstr (err->message, "not above 10") != NULL, "%s",
      err->message);
  g_clear_error (&err);
  mikey_message_free (m1);
  mikey_message_free (m2);
  mikey_replay_cache_free (c);
}

GST_END_TEST;

/* Many senders: the counter table never grows past its capacity and
 * forgets nobody (forgetting would let that sender's messages be replayed);
 * a newcomer is refused with the true reason */
GST_START_TEST (test_counters_bounded)
{
  MikeyReplayCache *c = mikey_replay_cache_new (0, 8);
  MikeyMessage *m = message_at (MIKEY_TS_COUNTER, 1);
  MikeyMessage *m2 = message_at (MIKEY_TS_COUNTER, 2);
  GError *err = NULL;
  gchar peer[32];
  guint i, n_digests = 1, n_counters = 0;

  for (i = 0; i < 2000; i++) {
    g_snprintf (peer, sizeof (peer), "sender %u", i);
    if (i < 8) {
      fail_unless (mikey_replay_cache_check (c, m, (guint8 *) peer,
              strlen (peer), peer, 0, NULL));
      continue;
    }
    fail_if (mikey_replay_cache_check (c, m, (guint8 *) peer, strlen (peer),
            peer, 0, &err));
    fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_CACHE_FULL),
        "%s", err->message);
    fail_unless (strstr (err->message, "full") != NULL);
    g_clear_error (&err);
  }
  mikey_replay_cache_get_sizes (c, &n_digests, &n_counters);
  fail_unless_equals_int (n_counters, 8);
  fail_unless_equals_int (n_digests, 0);
  /* the first senders were not forgotten */
  fail_if (mikey_replay_cache_check (c, m, (guint8 *) "x", 1, "sender 0", 0,
          &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_REPLAY));
  g_clear_error (&err);
  fail_unless (mikey_replay_cache_check (c, m2, (guint8 *) "y", 1,
          "sender 0", 0, NULL));
  mikey_message_free (m);
  mikey_message_free (m2);
  mikey_replay_cache_free (c);
}

GST_END_TEST;

/* A message nobody authenticated (NULL peer) is held to no window and
 * recorded nowhere: a flood of them leaves room for authenticated ones */
GST_START_TEST (test_unauthenticated_not_recorded)
{
  MikeyReplayCache *c = mikey_replay_cache_new (10 * SEC, 16);
  MikeyMessage *ntp = message_at (MIKEY_TS_NTP_UTC,
      mikey_ntp_from_unix_us (NOW));
  MikeyMessage *ctr = message_at (MIKEY_TS_COUNTER, 5);
  GError *err = NULL;
  gchar body[16];
  guint i, n_digests = 1, n_counters = 1;

  for (i = 0; i < 2000; i++) {
    g_snprintf (body, sizeof (body), "rand %u", i);
    fail_unless (mikey_replay_cache_check (c, ntp, (guint8 *) body,
            strlen (body), NULL, NOW, NULL));
    fail_unless (mikey_replay_cache_check (c, ctr, (guint8 *) body,
            strlen (body), NULL, NOW, NULL));
  }
  mikey_replay_cache_get_sizes (c, &n_digests, &n_counters);
  fail_unless_equals_int (n_digests, 0);
  fail_unless_equals_int (n_counters, 0);
  /* out of the window: its timestamp protects nothing, it is taken (and
   * still not recorded); the same time from an authenticated sender is
   * stale */
  fail_unless (mikey_replay_cache_check (c, ntp, (guint8 *) "late", 4, NULL,
          NOW + 600 * SEC, NULL));
  fail_unless (mikey_replay_cache_check (c, ntp, (guint8 *) "early", 5, NULL,
          NOW - 600 * SEC, NULL));
  mikey_replay_cache_get_sizes (c, &n_digests, &n_counters);
  fail_unless_equals_int (n_digests, 0);
  fail_if (mikey_replay_cache_check (c, ntp, (guint8 *) "late", 4, "",
          NOW + 600 * SEC, &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_STALE));
  g_clear_error (&err);
  /* authenticated senders have the whole cache */
  for (i = 0; i < 16; i++) {
    g_snprintf (body, sizeof (body), "auth %u", i);
    fail_unless (check (c, NOW, body, NOW, NULL));
  }
  mikey_message_free (ntp);
  mikey_message_free (ctr);
  mikey_replay_cache_free (c);
}

GST_END_TEST;

/* The window can be changed on a cache in use */
GST_START_TEST (test_set_skew)
{
  MikeyReplayCache *c = mikey_replay_cache_new (0, 0);
  GError *err = NULL;

  fail_unless_equals_int64 (mikey_replay_cache_get_skew (c),
      MIKEY_REPLAY_DEFAULT_SKEW_US);
  fail_if (check (c, NOW - 300 * SEC, "a", NOW, &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_STALE));
  g_clear_error (&err);
  mikey_replay_cache_set_skew (c, 600 * SEC);
  fail_unless_equals_int64 (mikey_replay_cache_get_skew (c), 600 * SEC);
  fail_unless (check (c, NOW - 300 * SEC, "a", NOW, NULL));
  mikey_replay_cache_set_skew (c, 10 * SEC);
  fail_if (check (c, NOW - 11 * SEC, "b", NOW, &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_STALE));
  fail_unless (strstr (err->message, "10 s allowed") != NULL, "%s",
      err->message);
  g_clear_error (&err);
  mikey_replay_cache_set_skew (c, 0);
  fail_unless_equals_int64 (mikey_replay_cache_get_skew (c),
      MIKEY_REPLAY_DEFAULT_SKEW_US);
  mikey_replay_cache_free (c);
}

GST_END_TEST;

GST_START_TEST (test_no_timestamp)
{
  MikeyReplayCache *c = mikey_replay_cache_new (0, 0);
  MikeyMessage *m = mikey_message_new ();
  GError *err = NULL;

  fail_if (mikey_replay_cache_check (c, m, (guint8 *) "a", 1, "", NOW, &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_INVALID));
  g_clear_error (&err);
  mikey_message_free (m);
  mikey_replay_cache_free (c);
}

GST_END_TEST;

static Suite *
replay_suite (void)
{
  Suite *s = suite_create ("mikey-replay");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_ntp_conversion);
  tcase_add_test (tc, test_window);
  tcase_add_test (tc, test_replay_and_capacity);
  tcase_add_test (tc, test_counter_per_peer);
  tcase_add_test (tc, test_counter_replay_told);
  tcase_add_test (tc, test_counters_bounded);
  tcase_add_test (tc, test_unauthenticated_not_recorded);
  tcase_add_test (tc, test_no_timestamp);
  tcase_add_test (tc, test_set_skew);
  return s;
}

GST_CHECK_MAIN (replay);
