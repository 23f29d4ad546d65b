/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkm-server password hashing: argon2id round trip, wrong passwords,
 * the same work for unknown users, rehash detection, and hostile encoded
 * strings (never a crash, never a match). */
#include <gst/check/gstcheck.h>
#include <string.h>

#include "mmkm-password.h"

/* small enough for tests; the defaults are ~50 ms a hash */
static const MmkmPasswordParams small = { 1, 256, 1, 16, 32 };

GST_START_TEST (test_round_trip)
{
  gchar *enc = mmkm_password_hash (&small, "correct horse", 13, NULL);
  MmkmPasswordParams p;
  gboolean rehash = TRUE;

  fail_unless (enc != NULL);
  fail_unless (g_str_has_prefix (enc, "$argon2id$v=19$m=256,t=1,p=1$"), enc);
  fail_unless (mmkm_password_parse (enc, &p, NULL, NULL));
  fail_unless_equals_int (p.t_cost, 1);
  fail_unless_equals_int (p.m_cost_kib, 256);
  fail_unless_equals_int (p.parallelism, 1);
  fail_unless_equals_int (p.salt_len, 16);
  fail_unless_equals_int (p.hash_len, 32);
  fail_unless (mmkm_password_verify (enc, "correct horse", 13, &small,
          &rehash));
  fail_if (rehash);
  /* wrong, shorter, longer, empty */
  fail_if (mmkm_password_verify (enc, "correct horsf", 13, &small, NULL));
  fail_if (mmkm_password_verify (enc, "correct hors", 12, &small, NULL));
  fail_if (mmkm_password_verify (enc, "correct horse!", 14, &small, NULL));
  fail_if (mmkm_password_verify (enc, "", 0, &small, NULL));
  g_free (enc);
}

GST_END_TEST;

GST_START_TEST (test_salted)
{
  gchar *a = mmkm_password_hash (&small, "pw", 2, NULL);
  gchar *b = mmkm_password_hash (&small, "pw", 2, NULL);

  /* same password, different salts, different encodings */
  fail_if (g_str_equal (a, b));
  fail_unless (mmkm_password_verify (a, "pw", 2, &small, NULL));
  fail_unless (mmkm_password_verify (b, "pw", 2, &small, NULL));
  g_free (a);
  g_free (b);
}

GST_END_TEST;

GST_START_TEST (test_rehash)
{
  MmkmPasswordParams stronger = small;
  gchar *enc = mmkm_password_hash (&small, "pw", 2, NULL);
  gboolean rehash = FALSE;

  stronger.t_cost = 2;
  fail_if (mmkm_password_needs_rehash (enc, &small));
  fail_unless (mmkm_password_needs_rehash (enc, &stronger));
  /* the old hash still verifies, and says it wants a rehash */
  fail_unless (mmkm_password_verify (enc, "pw", 2, &stronger, &rehash));
  fail_unless (rehash);
  /* a wrong password never says so */
  fail_if (mmkm_password_verify (enc, "pX", 2, &stronger, &rehash));
  fail_if (rehash);
  fail_unless (mmkm_password_needs_rehash ("garbage", &small));
  fail_unless (mmkm_password_needs_rehash (NULL, &small));
  stronger = small;
  stronger.salt_len = 24;
  fail_unless (mmkm_password_needs_rehash (enc, &stronger));
  g_free (enc);
}

GST_END_TEST;

GST_START_TEST (test_defaults)
{
  MmkmPasswordParams d, bad;
  GError *err = NULL;

  mmkm_password_params_init_default (&d);
  fail_unless_equals_int (d.t_cost, 3);
  fail_unless_equals_int (d.m_cost_kib, 19 * 1024);
  fail_unless_equals_int (d.parallelism, 1);
  fail_unless (mmkm_password_params_check (&d, NULL));
  bad = small;
  bad.m_cost_kib = 4;
  fail_if (mmkm_password_params_check (&bad, &err));
  fail_unless (err != NULL);
  g_clear_error (&err);
  fail_if (mmkm_password_hash (&bad, "pw", 2, &err));
  fail_unless (err != NULL);
  g_clear_error (&err);
  bad = small;
  bad.salt_len = 4;
  fail_if (mmkm_password_params_check (&bad, NULL));
}

GST_END_TEST;

/* An unknown user (no stored hash) and a corrupt stored hash cost the
 * same argon2 work as a wrong password for a user whose hash has the
 * current parameters, and all three answer FALSE. The work is counted,
 * not timed: a comparison of clock times failed on a loaded machine and
 * timings belong in bench/. */
GST_START_TEST (test_unknown_user_same_work)
{
  const MmkmPasswordParams cur = { 2, 2048, 1, 16, 32 };
  gchar *enc = mmkm_password_hash (&cur, "secret", 6, NULL);
  guint64 w0, w_wrong, w_unknown, w_corrupt;

  w0 = mmkm_password_work_done ();
  fail_if (mmkm_password_verify (enc, "wrong!", 6, &cur, NULL));
  w_wrong = mmkm_password_work_done () - w0;
  w0 = mmkm_password_work_done ();
  fail_if (mmkm_password_verify (NULL, "wrong!", 6, &cur, NULL));
  w_unknown = mmkm_password_work_done () - w0;
  w0 = mmkm_password_work_done ();
  fail_if (mmkm_password_verify ("$argon2id$v=19$m=1", "wrong!", 6, &cur,
          NULL));
  w_corrupt = mmkm_password_work_done () - w0;
  fail_unless_equals_uint64 (w_wrong, 2 * 2048);
  fail_unless_equals_uint64 (w_unknown, w_wrong);
  fail_unless_equals_uint64 (w_corrupt, w_wrong);

  g_free (enc);
}

GST_END_TEST;

/* A hash that differs from the stored one in its first or its last byte
 * is refused alike (the comparison is over the whole hash: CRYPTO_memcmp) */
GST_START_TEST (test_compare_whole_hash)
{
  guint8 salt[MMKM_PASSWORD_MAX_SALT_LEN], hash[MMKM_PASSWORD_MAX_HASH_LEN];
  MmkmPasswordParams p;
  gchar *enc = mmkm_password_hash (&small, "pw", 2, NULL);
  gchar *s_b64, *h_b64, *forged;
  guint k;

  fail_unless (mmkm_password_parse (enc, &p, salt, hash));
  for (k = 0; k < 2; k++) {
    guint8 h2[MMKM_PASSWORD_MAX_HASH_LEN];

    memcpy (h2, hash, p.hash_len);
    h2[k ? p.hash_len - 1 : 0] ^= 1;
    s_b64 = g_base64_encode (salt, p.salt_len);
    h_b64 = g_base64_encode (h2, p.hash_len);
    /* strip the padding: the encoded form has none */
    *strchrnul (s_b64, '=') = 0;
    *strchrnul (h_b64, '=') = 0;
    forged = g_strdup_printf ("$argon2id$v=19$m=256,t=1,p=1$%s$%s", s_b64,
        h_b64);
    fail_unless (mmkm_password_parse (forged, NULL, NULL, NULL), forged);
    fail_if (mmkm_password_verify (forged, "pw", 2, &small, NULL));
    g_free (forged);
    g_free (s_b64);
    g_free (h_b64);
  }
  fail_unless (mmkm_password_verify (enc, "pw", 2, &small, NULL));
  g_free (enc);
}

GST_END_TEST;

static const gchar *const hostile[] = {
  "",
  "$",
  "$argon2id",
  "$argon2id$",
  "$argon2id$v=19",
  "$argon2id$v=19$",
  "$argon2i$v=19$m=256,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
  "$argon2d$v=19$m=256,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
  "$argon2id$v=16$m=256,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
  "$argon2id$v=19$m=0256,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
  "$argon2id$v=19$m=256,t=0,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
  "$argon2id$v=19$m=256,t=1,p=0$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
  "$argon2id$v=19$m=4294967295,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
  "$argon2id$v=19$m=4294967296,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
  "$argon2id$v=19$m=99999999999999999999,t=1,p=1$c29tZXNhbHQ$aGFzaA",
  "$argon2id$v=19$m=256,t=4294967295,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
  "$argon2id$v=19$m=256,t=1,p=255$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
  "$argon2id$v=19$m=-256,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
  "$argon2id$v=19$m=+256,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
  "$argon2id$v=19$t=1,m=256,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
  "$argon2id$v=19$m=256,t=1,p=1$$aGFzaGhhc2hoYXNoaGFzaA",
  "$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbHQ$",
  "$argon2id$v=19$m=256,t=1,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
  "$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA",
  "$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbHR$aGFzaGhhc2hoYXNoaGFzaA",
  "$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbH$aGFzaGhhc2hoYXNoaGFzaA",
  "$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA$",
  "$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA\n",
  "$argon2id$v=19$m=256,t=1,p=1$c29tZXNh bHQ$aGFzaGhhc2hoYXNoaGFzaA",
  "$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFz-_",
  "$argon2id$v=19$m=256,t=1,p=1$QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
      "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
      "QUFBQUFBQUFB$aGFzaGhhc2hoYXNoaGFzaA",
};

GST_START_TEST (test_hostile_strings)
{
  gchar *enc = mmkm_password_hash (&small, "pw", 2, NULL);
  gsize len = strlen (enc), i;
  GRand *r = g_rand_new_with_seed (9);
  guint n;

  for (i = 0; i < G_N_ELEMENTS (hostile); i++) {
    fail_if (mmkm_password_parse (hostile[i], NULL, NULL, NULL), "%s",
        hostile[i]);
    fail_if (mmkm_password_verify (hostile[i], "pw", 2, &small, NULL));
  }
  /* every truncation of a good one: only a shorter (still >= 16 byte)
   * hash may parse, and nothing verifies */
  for (i = 0; i < len; i++) {
    gchar *t = g_strndup (enc, i);
    MmkmPasswordParams p;

    if (mmkm_password_parse (t, &p, NULL, NULL))
      fail_unless (p.hash_len < 32 && p.hash_len >= 16, "%s", t);
    fail_if (mmkm_password_verify (t, "pw", 2, &small, NULL));
    g_free (t);
  }
  /* random byte changes: may parse (a changed hash or salt byte is still
   * well formed), must never crash, and never match unless unchanged */
  for (n = 0; n < 20000; n++) {
    gchar *m = g_strdup (enc);
    guint k, changes = g_rand_int_range (r, 1, 4);
    MmkmPasswordParams p;
    guint8 salt[MMKM_PASSWORD_MAX_SALT_LEN], hash[MMKM_PASSWORD_MAX_HASH_LEN];

    for (k = 0; k < changes; k++)
      m[g_rand_int_range (r, 0, len)] = (gchar) g_rand_int_range (r, 1, 256);
    if (mmkm_password_parse (m, &p, salt, hash) && n % 100 == 0
        && !g_str_equal (m, enc) && p.m_cost_kib <= 4096 && p.t_cost <= 2)
      fail_if (mmkm_password_verify (m, "pw", 2, &small, NULL), "%s", m);
    g_free (m);
  }
  g_rand_free (r);
  g_free (enc);
}

GST_END_TEST;

GST_START_TEST (test_free_wipes)
{
  /* nothing to observe after free without reading freed memory; check
   * that NULL and a normal buffer are accepted */
  mmkm_password_free (NULL);
  mmkm_password_free (g_strdup ("hunter2"));
}

GST_END_TEST;

static Suite *
mmkm_password_suite (void)
{
  Suite *s = suite_create ("mmkm-password");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_round_trip);
  tcase_add_test (tc, test_salted);
  tcase_add_test (tc, test_rehash);
  tcase_add_test (tc, test_defaults);
  tcase_add_test (tc, test_unknown_user_same_work);
  tcase_add_test (tc, test_compare_whole_hash);
  tcase_add_test (tc, test_hostile_strings);
  tcase_add_test (tc, test_free_wipes);
  return s;
}

GST_CHECK_MAIN (mmkm_password);
