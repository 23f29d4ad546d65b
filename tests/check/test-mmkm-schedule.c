/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM TEK schedule: activation times, the current TEK, the keyed spread
 * of fetch times over the window, forced re-key coalescing, clocks gone
 * back, overflow, and the unknown-MKI rate limit. */
#include <gst/check/gstcheck.h>

#include "mmkm-error.h"
#include "mmkm-schedule.h"

#define SEC MMKM_SECOND
#define EPOCH (G_GINT64_CONSTANT (1795000000) * SEC)

static void
spread_key (guint8 key[MMKM_SPREAD_KEY_LEN], guint8 first)
{
  guint i;

  for (i = 0; i < MMKM_SPREAD_KEY_LEN; i++)
    key[i] = first + i;
}

/* member @m's session id: distinct, and as regular as can be, so that a
 * uniform spread comes from the hash and not from random ids */
static void
member_session (guint8 sid[MMKM_SESSION_ID_LEN], guint32 m)
{
  memset (sid, 0, MMKM_SESSION_ID_LEN);
  sid[12] = m >> 24;
  sid[13] = m >> 16;
  sid[14] = m >> 8;
  sid[15] = m;
}

GST_START_TEST (test_settings)
{
  MmkmSchedule s, bad;
  GError *err = NULL;
  guint i;

  mmkm_schedule_init (&s, EPOCH);
  fail_unless (s.period == 24 * 3600 * SEC);
  fail_unless (s.fetch_window == 3600 * SEC);
  fail_unless (s.margin == 450 * SEC);
  fail_unless (s.propagation_delay == 2 * SEC);
  fail_unless (s.epoch == EPOCH);
  fail_unless (mmkm_schedule_validate (&s, NULL));

  for (i = 0; i < 7; i++) {
    bad = s;
    switch (i) {
      case 0:
        bad.period = 0;
        break;
      case 1:
        bad.fetch_window = 0;
        break;
      case 2:
        bad.fetch_window = bad.period + 1;
        break;
      case 3:
        bad.margin = -1;
        break;
      case 4:
        bad.margin = bad.fetch_window;
        break;
      case 5:
        bad.propagation_delay = -1;
        break;
      case 6:
        bad.period = G_MININT64;
        break;
    }
    fail_if (mmkm_schedule_validate (&bad, &err), "case %u", i);
    fail_unless (g_error_matches (err, MMKM_ERROR, MMKM_ERROR_INVALID));
    g_clear_error (&err);
  }

  /* a short test period: W = P / 8 */
  s.period = 2 * SEC;
  s.fetch_window = s.period;
  s.margin = 0;
  s.propagation_delay = 0;
  fail_unless (mmkm_schedule_validate (&s, NULL));
}

GST_END_TEST;

GST_START_TEST (test_activation)
{
  MmkmSchedule s;
  gint64 a;
  guint64 n;

  mmkm_schedule_init (&s, EPOCH);
  fail_unless (mmkm_schedule_activation (&s, 0, &a) && a == EPOCH);
  fail_unless (mmkm_schedule_activation (&s, 1, &a) && a == EPOCH + s.period);
  fail_unless (mmkm_schedule_activation (&s, 365, &a)
      && a == EPOCH + 365 * s.period);

  fail_if (mmkm_schedule_current (&s, EPOCH - 1, &n));
  fail_unless (n == 0);
  fail_if (mmkm_schedule_current (&s, G_MININT64, &n));
  fail_unless (mmkm_schedule_current (&s, EPOCH, &n) && n == 0);
  fail_unless (mmkm_schedule_current (&s, EPOCH + s.period - 1, &n) && n == 0);
  fail_unless (mmkm_schedule_current (&s, EPOCH + s.period, &n) && n == 1);
  fail_unless (mmkm_schedule_current (&s, EPOCH + 10 * s.period + 5, &n)
      && n == 10);

  /* the last TEK that has an activation time, and the first that has not */
  n = (G_MAXINT64 - EPOCH) / s.period;
  fail_unless (mmkm_schedule_activation (&s, n, &a) && a <= G_MAXINT64
      && a > G_MAXINT64 - s.period);
  fail_if (mmkm_schedule_activation (&s, n + 1, &a));
  fail_if (mmkm_schedule_activation (&s, G_MAXUINT64, &a));
  fail_unless (mmkm_schedule_current (&s, G_MAXINT64, &n));
  fail_unless (n == (guint64) (G_MAXINT64 - EPOCH) / s.period);

  /* an epoch far in the past: t - epoch does not fit in a gint64 */
  s.epoch = G_MININT64;
  s.period = 1;
  fail_unless (mmkm_schedule_current (&s, G_MAXINT64, &n));
  fail_unless (n == G_MAXUINT64);
  fail_unless (mmkm_schedule_activation (&s, G_MAXUINT64, &a)
      && a == G_MAXINT64);
  fail_unless (mmkm_schedule_activation (&s, 0, &a) && a == G_MININT64);
}

GST_END_TEST;

#define MEMBERS 10000
#define BUCKETS 20

/* 10,000 members: every fetch time inside [A(n+1) - W, A(n+1) - margin),
 * and spread evenly. The hash, key and ids are fixed, so the counts are
 * the same on every run and the bounds (far wider than chance would need,
 * far tighter than a broken mapping would meet) cannot flake. */
GST_START_TEST (test_spread)
{
  MmkmSchedule s;
  guint8 key[MMKM_SPREAD_KEY_LEN], sid[MMKM_SESSION_ID_LEN];
  guint counts[BUCKETS] = { 0, };
  gint64 range, a1, lo = G_MAXINT64, hi = G_MININT64, t;
  gdouble expected = (gdouble) MEMBERS / BUCKETS, chi2 = 0;
  guint32 m;
  guint i;

  mmkm_schedule_init (&s, EPOCH);
  range = s.fetch_window - s.margin;
  spread_key (key, 1);
  fail_unless (mmkm_schedule_activation (&s, 8, &a1));

  for (m = 0; m < MEMBERS; m++) {
    member_session (sid, m);
    fail_unless (mmkm_schedule_fetch_time (&s, key, sid, 0x1234, 7, &t, NULL));
    fail_unless (t >= a1 - s.fetch_window && t < a1 - s.margin);
    t -= a1 - s.fetch_window;
    lo = MIN (lo, t);
    hi = MAX (hi, t);
    counts[t * BUCKETS / range]++;
  }
  for (i = 0; i < BUCKETS; i++) {
    chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
    fail_unless (counts[i] > expected * 0.8 && counts[i] < expected * 1.2,
        "bucket %u: %u", i, counts[i]);
  }
  /* 19 degrees of freedom: 60 is p < 1e-5 for a uniform spread */
  fail_unless (chi2 < 60, "chi-square %f", chi2);
  /* the ends of the window are reached */
  fail_unless (lo < range / 100 && hi > range - range / 100);
}

GST_END_TEST;

/* Keyed: another server key, another MKI or another member gives another
 * time, so nobody can tell when another member will come. */
GST_START_TEST (test_spread_keyed)
{
  MmkmSchedule s;
  guint8 k1[MMKM_SPREAD_KEY_LEN], k2[MMKM_SPREAD_KEY_LEN];
  guint8 sid[MMKM_SESSION_ID_LEN];
  gint64 a, b, c, d;
  guint same_key = 0, same_mki = 0, m;
  GError *err = NULL;

  mmkm_schedule_init (&s, EPOCH);
  spread_key (k1, 1);
  spread_key (k2, 2);
  for (m = 0; m < 100; m++) {
    member_session (sid, m);
    fail_unless (mmkm_schedule_spread (&s, k1, sid, 7, &a, NULL));
    fail_unless (mmkm_schedule_spread (&s, k1, sid, 7, &b, NULL));
    fail_unless (a == b);
    fail_unless (mmkm_schedule_spread (&s, k2, sid, 7, &c, NULL));
    fail_unless (mmkm_schedule_spread (&s, k1, sid, 8, &d, NULL));
    same_key += a == c;
    same_mki += a == d;
  }
  fail_unless (same_key == 0 && same_mki == 0);

  /* a TEK without a successor */
  fail_if (mmkm_schedule_fetch_time (&s, k1, sid, 7, G_MAXUINT64, &a, &err));
  fail_unless (g_error_matches (err, MMKM_ERROR, MMKM_ERROR_INVALID));
  g_clear_error (&err);
  fail_if (mmkm_schedule_fetch_time (&s, k1, sid, 7,
          (G_MAXINT64 - EPOCH) / s.period, &a, &err));
  fail_unless (g_error_matches (err, MMKM_ERROR, MMKM_ERROR_INVALID));
  g_clear_error (&err);

  /* W - margin = 1: everyone fetches at the start of the window */
  s.fetch_window = 2;
  s.margin = 1;
  fail_unless (mmkm_schedule_fetch_time (&s, k1, sid, 7, 0, &a, NULL));
  fail_unless (a == EPOCH + s.period - 2);
}

GST_END_TEST;

GST_START_TEST (test_rekey_coalescing)
{
  MmkmSchedule s;
  MmkmRekey r = { 0, };
  const gint64 t0 = EPOCH + 5 * SEC, d = 2 * SEC;
  gboolean coalesced;
  gint64 a;
  guint i;

  mmkm_schedule_init (&s, EPOCH);

  /* one leave: now + D */
  fail_unless (mmkm_rekey_request (&s, &r, t0, &coalesced) == t0 + d);
  fail_if (coalesced);
  /* ten more within D: the same re-key, activation moved by at most D */
  for (i = 1; i <= 10; i++) {
    a = mmkm_rekey_request (&s, &r, t0 + i * d / 20, &coalesced);
    fail_unless (coalesced);
    fail_unless (a == t0 + d + i * d / 20);
  }
  /* late in the pending re-key: capped at first + 2 D */
  a = mmkm_rekey_request (&s, &r, t0 + d + d / 4, &coalesced);
  fail_unless (coalesced && a == t0 + 2 * d);
  /* a clock gone back joins the pending re-key and moves nothing */
  a = mmkm_rekey_request (&s, &r, t0 - 3600 * SEC, &coalesced);
  fail_unless (coalesced && a == t0 + 2 * d);
  /* once it is active, a leave starts a new one */
  a = mmkm_rekey_request (&s, &r, t0 + 2 * d, &coalesced);
  fail_unless (!coalesced && a == t0 + 3 * d);
  mmkm_rekey_done (&r);
  a = mmkm_rekey_request (&s, &r, t0 + 2 * d + 1, &coalesced);
  fail_unless (!coalesced && a == t0 + 3 * d + 1);

  /* D = 0: every leave its own re-key, at once */
  s.propagation_delay = 0;
  mmkm_rekey_done (&r);
  fail_unless (mmkm_rekey_request (&s, &r, t0, &coalesced) == t0);
  fail_if (coalesced);
  fail_unless (mmkm_rekey_request (&s, &r, t0, &coalesced) == t0);
  fail_if (coalesced);

  /* no overflow at the end of time */
  s.propagation_delay = G_MAXINT64;
  mmkm_rekey_done (&r);
  fail_unless (mmkm_rekey_request (&s, &r, G_MAXINT64 - 1, NULL) == G_MAXINT64);
  fail_unless (mmkm_rekey_request (&s, &r, G_MAXINT64 - 1, &coalesced) ==
      G_MAXINT64);
  fail_unless (coalesced);
}

GST_END_TEST;

GST_START_TEST (test_rate_limit)
{
  MmkmTokenBucket b;
  const gint64 t = EPOCH, r = MMKM_UNKNOWN_MKI_REFILL;
  guint i;

  mmkm_token_bucket_init (&b, MMKM_UNKNOWN_MKI_BURST, r, t);
  /* known MKIs and fetches under way take no token */
  for (i = 0; i < 10; i++) {
    fail_if (mmkm_schedule_fetch_unknown_mki (&b, TRUE, FALSE, t));
    fail_if (mmkm_schedule_fetch_unknown_mki (&b, FALSE, TRUE, t));
  }
  for (i = 0; i < MMKM_UNKNOWN_MKI_BURST; i++)
    fail_unless (mmkm_schedule_fetch_unknown_mki (&b, FALSE, FALSE, t));
  fail_if (mmkm_schedule_fetch_unknown_mki (&b, FALSE, FALSE, t));
  fail_if (mmkm_schedule_fetch_unknown_mki (&b, FALSE, FALSE, t + r - 1));
  fail_unless (mmkm_schedule_fetch_unknown_mki (&b, FALSE, FALSE, t + r));
  fail_if (mmkm_schedule_fetch_unknown_mki (&b, FALSE, FALSE, t + r));

  /* a long pause refills up to the burst, not more */
  for (i = 0; i < MMKM_UNKNOWN_MKI_BURST; i++)
    fail_unless (mmkm_token_bucket_take (&b, t + 1000 * r));
  fail_if (mmkm_token_bucket_take (&b, t + 1000 * r));

  /* a clock gone back gives nothing, and counts only real time after */
  fail_if (mmkm_token_bucket_take (&b, t));
  fail_if (mmkm_token_bucket_take (&b, t + r - 1));
  fail_unless (mmkm_token_bucket_take (&b, t + r));
  fail_if (mmkm_token_bucket_take (&b, t + r));
  /* ... and going forward again refills up to the burst as always */
  for (i = 0; i < MMKM_UNKNOWN_MKI_BURST; i++)
    fail_unless (mmkm_token_bucket_take (&b, t + 1000 * r));
  fail_if (mmkm_token_bucket_take (&b, t + 1000 * r));

  /* extremes: no overflow */
  mmkm_token_bucket_init (&b, G_MAXUINT, G_MAXINT64, G_MININT64);
  fail_unless (b.credit == G_MAXINT64);
  fail_unless (mmkm_token_bucket_take (&b, G_MININT64));
  fail_if (mmkm_token_bucket_take (&b, -2));
  fail_unless (mmkm_token_bucket_take (&b, -1));
  mmkm_token_bucket_init (&b, 1, 1, G_MININT64);
  fail_unless (mmkm_token_bucket_take (&b, G_MININT64));
  fail_unless (mmkm_token_bucket_take (&b, G_MAXINT64));
  fail_if (mmkm_token_bucket_take (&b, G_MAXINT64));
}

GST_END_TEST;

static Suite *
mmkm_schedule_suite (void)
{
  Suite *s = suite_create ("mmkm-schedule");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_settings);
  tcase_add_test (tc, test_activation);
  tcase_add_test (tc, test_spread);
  tcase_add_test (tc, test_spread_keyed);
  tcase_add_test (tc, test_rekey_coalescing);
  tcase_add_test (tc, test_rate_limit);
  return s;
}

GST_CHECK_MAIN (mmkm_schedule);
