/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The initiator's sans-I/O timers driven with a fake clock: retransmission
 * deadlines, the overall timeout, restarts after a counter-proposal, and
 * clocks that jump. */
#include <gst/check/gstcheck.h>
#include <string.h>

#include "mikey-exchange.h"

#define NOW G_GINT64_CONSTANT (1795000000000000)        /* 2026-11-18 */
#define MS(x) ((gint64) (x) * 1000)

static const guint8 psk[] = "correct horse battery staple";

static MikeyInitiatorConfig
psk_config (void)
{
  MikeyInitiatorConfig cfg = { 0 };

  cfg.mode = MIKEY_MODE_PSK;
  cfg.psk = psk;
  cfg.psk_len = sizeof (psk) - 1;
  return cfg;
}

static MikeyInitiator *
new_initiator (const MikeyInitiatorConfig * cfg)
{
  GError *err = NULL;
  MikeyInitiator *init = mikey_initiator_new (cfg, &err);

  fail_unless (init != NULL, "initiator: %s", err ? err->message : "?");
  return init;
}

static MikeyResponder *
psk_responder (const MikeySuiteInfo * const *suites, guint n_suites)
{
  MikeyResponderConfig cfg = { 0 };
  GError *err = NULL;
  MikeyResponder *resp;

  cfg.mode = MIKEY_MODE_PSK;
  cfg.psk = psk;
  cfg.psk_len = sizeof (psk) - 1;
  cfg.suites = suites;
  cfg.n_suites = n_suites;
  resp = mikey_responder_new (&cfg, &err);
  fail_unless (resp != NULL, "responder: %s", err ? err->message : "?");
  return resp;
}

/* Expects a retransmission of @sent at @now */
static void
expect_resend (MikeyInitiator * init, gint64 now, GBytes * sent)
{
  GBytes *resend = NULL;
  GError *err = NULL;

  fail_unless_equals_int (mikey_initiator_handle_expiry (init, now, &resend,
          &err), MIKEY_STEP_SEND);
  fail_unless (err == NULL);
  fail_unless (resend != NULL);
  fail_unless (g_bytes_equal (resend, sent));
  g_bytes_unref (resend);
}

static void
expect_nothing (MikeyInitiator * init, gint64 now)
{
  GBytes *resend = NULL;
  GError *err = NULL;

  fail_unless_equals_int (mikey_initiator_handle_expiry (init, now, &resend,
          &err), MIKEY_STEP_IGNORED);
  fail_unless (resend == NULL);
  fail_unless (err == NULL);
}

static void
expect_timeout (MikeyInitiator * init, gint64 now, const gchar * text)
{
  GBytes *resend = NULL;
  GError *err = NULL;

  fail_unless_equals_int (mikey_initiator_handle_expiry (init, now, &resend,
          &err), MIKEY_STEP_FAILED);
  fail_unless (resend == NULL);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_TIMEOUT));
  fail_unless_equals_string (err->message, text);
  g_error_free (err);
  fail_unless_equals_int (mikey_initiator_get_state (init), MIKEY_STATE_FAILED);
  fail_unless (mikey_initiator_get_deadline (init) == MIKEY_NO_DEADLINE);
}

/* Default schedule: waits of 250, 500, 1000, 2000 ms, then the 5 s
 * timeout (it comes before the next 2 s wait would end) */
GST_START_TEST (test_default_schedule)
{
  MikeyInitiatorConfig cfg = psk_config ();
  MikeyInitiator *init = new_initiator (&cfg);
  const gint64 at[] = { 250, 750, 1750, 3750 };
  GBytes *msg1;
  guint i;

  fail_unless (mikey_initiator_get_deadline (init) == MIKEY_NO_DEADLINE);
  expect_nothing (init, NOW);
  msg1 = mikey_initiator_start (init, NOW, NULL);
  fail_unless (msg1 != NULL);
  for (i = 0; i < G_N_ELEMENTS (at); i++) {
    gint64 deadline = mikey_initiator_get_deadline (init);

    fail_unless (deadline == NOW + MS (at[i]), "deadline %u: %"
        G_GINT64_FORMAT " ms", i, (deadline - NOW) / 1000);
    /* an early wake-up does nothing and keeps the deadline */
    expect_nothing (init, deadline - 1);
    fail_unless (mikey_initiator_get_deadline (init) == deadline);
    expect_resend (init, deadline, msg1);
    /* start() hands out the same message again */
    {
      GBytes *again = mikey_initiator_start (init, deadline, NULL);

      fail_unless (g_bytes_equal (again, msg1));
      g_bytes_unref (again);
    }
  }
  fail_unless (mikey_initiator_get_deadline (init) == NOW + MS (5000));
  expect_nothing (init, NOW + MS (5000) - 1);
  expect_timeout (init, NOW + MS (5000), "no answer after 5 s");
  expect_nothing (init, NOW + MS (60000));
  g_bytes_unref (msg1);
  mikey_initiator_free (init);
}

GST_END_TEST;

/* With a long timeout the wait stays at the 2 s maximum */
GST_START_TEST (test_interval_doubles_to_max)
{
  MikeyInitiatorConfig cfg = psk_config ();
  MikeyInitiator *init;
  const gint64 waits[] = { 250, 500, 1000, 2000, 2000, 2000, 2000 };
  gint64 now = NOW;
  GBytes *msg1;
  guint i;

  cfg.timeout_us = MS (60000);
  init = new_initiator (&cfg);
  msg1 = mikey_initiator_start (init, now, NULL);
  for (i = 0; i < G_N_ELEMENTS (waits); i++) {
    fail_unless (mikey_initiator_get_deadline (init) == now + MS (waits[i]),
        "wait %u", i);
    now += MS (waits[i]);
    expect_resend (init, now, msg1);
  }
  g_bytes_unref (msg1);
  mikey_initiator_free (init);
}

GST_END_TEST;

/* mikeyenc's timeout=500 retransmit-interval=100 */
GST_START_TEST (test_configured_schedule)
{
  MikeyInitiatorConfig cfg = psk_config ();
  MikeyInitiator *init;
  GBytes *msg1;

  cfg.retransmit_initial_us = MS (100);
  cfg.retransmit_max_us = MS (150);
  cfg.timeout_us = MS (500);
  init = new_initiator (&cfg);
  msg1 = mikey_initiator_start (init, NOW, NULL);
  fail_unless (mikey_initiator_get_deadline (init) == NOW + MS (100));
  expect_resend (init, NOW + MS (100), msg1);
  fail_unless (mikey_initiator_get_deadline (init) == NOW + MS (250));
  expect_resend (init, NOW + MS (250), msg1);
  fail_unless (mikey_initiator_get_deadline (init) == NOW + MS (400));
  expect_resend (init, NOW + MS (400), msg1);
  fail_unless (mikey_initiator_get_deadline (init) == NOW + MS (500));
  expect_timeout (init, NOW + MS (500), "no answer after 0.5 s");
  g_bytes_unref (msg1);
  mikey_initiator_free (init);
}

GST_END_TEST;

GST_START_TEST (test_negative_settings)
{
  MikeyInitiatorConfig cfg = psk_config ();
  GError *err = NULL;

  cfg.timeout_us = -1;
  fail_unless (mikey_initiator_new (&cfg, &err) == NULL);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_SETTINGS));
  g_clear_error (&err);
  cfg = psk_config ();
  cfg.retransmit_initial_us = -5;
  fail_unless (mikey_initiator_new (&cfg, &err) == NULL);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_SETTINGS));
  g_clear_error (&err);
}

GST_END_TEST;

/* Once the answer is in, nothing is resent and nothing times out */
GST_START_TEST (test_nothing_after_completion)
{
  MikeyInitiatorConfig cfg = psk_config ();
  MikeyInitiator *init = new_initiator (&cfg);
  MikeyResponder *resp = psk_responder (NULL, 0);
  GBytes *msg1, *reply = NULL, *next = NULL;
  GError *err = NULL;

  msg1 = mikey_initiator_start (init, NOW, NULL);
  expect_resend (init, NOW + MS (250), msg1);
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg1, NULL), g_bytes_get_size (msg1), "",
          NOW + MS (300), &reply, &err), MIKEY_RESPONSE_ACCEPTED);
  fail_unless_equals_int (mikey_initiator_step (init,
          g_bytes_get_data (reply, NULL), g_bytes_get_size (reply),
          NOW + MS (300), &next, &err), MIKEY_STEP_COMPLETE);
  fail_unless (next == NULL);
  fail_unless (mikey_initiator_get_deadline (init) == MIKEY_NO_DEADLINE);
  expect_nothing (init, NOW + MS (750));
  expect_nothing (init, NOW + MS (5000));
  expect_nothing (init, NOW + MS (3600000));
  fail_unless_equals_int (mikey_initiator_get_state (init),
      MIKEY_STATE_COMPLETE);
  g_bytes_unref (msg1);
  g_bytes_unref (reply);
  mikey_responder_free (resp);
  mikey_initiator_free (init);
}

GST_END_TEST;

/* A refusal ends the timers too */
GST_START_TEST (test_nothing_after_failure)
{
  static const guint8 other[] = "another secret";
  MikeyInitiatorConfig cfg = psk_config ();
  MikeyInitiator *init = new_initiator (&cfg);
  MikeyResponderConfig rcfg = { 0 };
  MikeyResponder *resp;
  GBytes *msg1, *reply = NULL, *next = NULL;
  GError *err = NULL;

  rcfg.mode = MIKEY_MODE_PSK;
  rcfg.psk = other;
  rcfg.psk_len = sizeof (other) - 1;
  resp = mikey_responder_new (&rcfg, NULL);
  msg1 = mikey_initiator_start (init, NOW, NULL);
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg1, NULL), g_bytes_get_size (msg1), "",
          NOW, &reply, &err), MIKEY_RESPONSE_REFUSED);
  g_clear_error (&err);
  fail_unless (reply != NULL);
  fail_unless_equals_int (mikey_initiator_step (init,
          g_bytes_get_data (reply, NULL), g_bytes_get_size (reply),
          NOW + MS (10), &next, &err), MIKEY_STEP_FAILED);
  g_clear_error (&err);
  fail_unless (mikey_initiator_get_deadline (init) == MIKEY_NO_DEADLINE);
  expect_nothing (init, NOW + MS (6000));
  g_bytes_unref (msg1);
  g_bytes_unref (reply);
  mikey_responder_free (resp);
  mikey_initiator_free (init);
}

GST_END_TEST;

/* Without an answer to wait for (MIKEY-NULL) the message goes out three
 * times in all, then nothing; it never times out */
GST_START_TEST (test_unanswered_sends)
{
  MikeyInitiatorConfig cfg = { 0 };
  MikeyInitiator *init;
  GBytes *msg1;

  cfg.mode = MIKEY_MODE_NULL;
  init = new_initiator (&cfg);
  msg1 = mikey_initiator_start (init, NOW, NULL);
  fail_unless_equals_int (mikey_initiator_get_state (init),
      MIKEY_STATE_COMPLETE);
  fail_unless (mikey_initiator_get_deadline (init) == NOW + MS (250));
  expect_resend (init, NOW + MS (250), msg1);
  fail_unless (mikey_initiator_get_deadline (init) == NOW + MS (750));
  expect_resend (init, NOW + MS (750), msg1);
  fail_unless (mikey_initiator_get_deadline (init) == MIKEY_NO_DEADLINE);
  expect_nothing (init, NOW + MS (10000));
  fail_unless_equals_int (mikey_initiator_get_state (init),
      MIKEY_STATE_COMPLETE);
  g_bytes_unref (msg1);
  mikey_initiator_free (init);

  /* sent once: no timer at all */
  cfg.unanswered_sends = 1;
  init = new_initiator (&cfg);
  msg1 = mikey_initiator_start (init, NOW, NULL);
  fail_unless (mikey_initiator_get_deadline (init) == MIKEY_NO_DEADLINE);
  expect_nothing (init, NOW + MS (250));
  g_bytes_unref (msg1);
  mikey_initiator_free (init);
}

GST_END_TEST;

/* A wall clock set back an hour: the waits keep their remaining length
 * from the new time on (no stall until the clock catches up), and the
 * timeout still comes after 5 s of time that passed */
GST_START_TEST (test_clock_backwards)
{
  MikeyInitiatorConfig cfg = psk_config ();
  MikeyInitiator *init = new_initiator (&cfg);
  const gint64 back = MS (3600000);
  GBytes *msg1;
  gint64 now;

  msg1 = mikey_initiator_start (init, NOW, NULL);
  /* 100 ms later the clock reads an hour earlier. The core cannot tell
   * how much time passed before the step: none, so the first wait is
   * 250 ms from the new reading */
  now = NOW + MS (100) - back;
  expect_nothing (init, now);
  fail_unless (mikey_initiator_get_deadline (init) == now + MS (250));
  expect_resend (init, now + MS (250), msg1);
  now += MS (250);
  fail_unless (mikey_initiator_get_deadline (init) == now + MS (500));

  /* an answer handed in with an even earlier time moves the clock too */
  {
    GBytes *next = NULL;
    GError *err = NULL;
    static const guint8 junk[] = { 1, 2, 3 };

    now -= MS (1000);
    fail_unless_equals_int (mikey_initiator_step (init, junk, sizeof (junk),
            now, &next, &err), MIKEY_STEP_IGNORED);
    g_clear_error (&err);
    fail_unless (mikey_initiator_get_deadline (init) == now + MS (500));
  }
  expect_resend (init, now + MS (500), msg1);
  now += MS (500);
  expect_resend (init, now + MS (1000), msg1);
  now += MS (1000);
  expect_resend (init, now + MS (2000), msg1);
  now += MS (2000);
  /* 250 + 500 + 1000 + 2000 ms have passed: 1250 ms left */
  fail_unless (mikey_initiator_get_deadline (init) == now + MS (1250));
  expect_timeout (init, now + MS (1250), "no answer after 5 s");
  g_bytes_unref (msg1);
  mikey_initiator_free (init);
}

GST_END_TEST;

/* A jump forwards is time that passed; a late wake-up sends once (no
 * burst of the missed retransmissions) */
GST_START_TEST (test_clock_forwards)
{
  MikeyInitiatorConfig cfg = psk_config ();
  MikeyInitiator *init = new_initiator (&cfg);
  GBytes *msg1;

  msg1 = mikey_initiator_start (init, NOW, NULL);
  expect_resend (init, NOW + MS (1000), msg1);
  expect_nothing (init, NOW + MS (1000));
  fail_unless (mikey_initiator_get_deadline (init) == NOW + MS (1500));
  expect_timeout (init, NOW + MS (3600000), "no answer after 5 s");
  g_bytes_unref (msg1);
  mikey_initiator_free (init);
}

GST_END_TEST;

/* Any "now" and any setting: no overflow, no deadline at or before "now"
 * after handle_expiry() (so a caller cannot spin) */
GST_START_TEST (test_extreme_times)
{
  const gint64 times[] = { G_MININT64, G_MININT64 + 1, -1, 0, NOW,
    G_MAXINT64 - MS (100), G_MAXINT64 - 1
  };
  MikeyInitiatorConfig cfg = psk_config ();
  guint i, j;

  cfg.retransmit_initial_us = 1;
  cfg.retransmit_max_us = G_MAXINT64;
  cfg.timeout_us = G_MAXINT64;
  for (i = 0; i < G_N_ELEMENTS (times); i++) {
    MikeyInitiator *init = new_initiator (&cfg);
    GBytes *msg1 = mikey_initiator_start (init, times[i], NULL);

    for (j = 0; j < G_N_ELEMENTS (times); j++) {
      GBytes *resend = NULL;
      GError *err = NULL;
      MikeyStep step = mikey_initiator_handle_expiry (init, times[j],
          &resend, &err);

      g_clear_pointer (&resend, g_bytes_unref);
      g_clear_error (&err);
      if (step != MIKEY_STEP_FAILED)
        fail_unless (mikey_initiator_get_deadline (init) > times[j]
            || mikey_initiator_get_deadline (init) == MIKEY_NO_DEADLINE);
    }
    g_bytes_unref (msg1);
    mikey_initiator_free (init);
  }
}

GST_END_TEST;

/* A counter-proposal brings a new initiation message: the retransmission
 * schedule starts again with it, the overall timeout runs on from the
 * msg1 start */
GST_START_TEST (test_counter_proposal_restart)
{
  const MikeySuiteInfo *ours[2], *theirs[1];
  MikeyInitiatorConfig cfg = psk_config ();
  MikeyInitiator *init;
  MikeyResponder *resp;
  GBytes *msg1, *reply = NULL, *msg2 = NULL;
  GError *err = NULL;
  gint64 now;

  ours[0] = mikey_suite_get (MIKEY_SUITE_AES_CM_128_HMAC_SHA1_80);
  ours[1] = mikey_suite_get (MIKEY_SUITE_AES_CM_128_HMAC_SHA1_32);
  theirs[0] = ours[1];
  cfg.suites = ours;
  cfg.n_suites = 2;
  init = new_initiator (&cfg);
  resp = psk_responder (theirs, 1);

  msg1 = mikey_initiator_start (init, NOW, NULL);
  expect_resend (init, NOW + MS (250), msg1);
  expect_resend (init, NOW + MS (750), msg1);
  now = NOW + MS (1000);
  fail_unless (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg1, NULL), g_bytes_get_size (msg1), "", now,
          &reply, &err) == MIKEY_RESPONSE_COUNTER_PROPOSAL,
      "%s", err ? err->message : "");
  fail_unless_equals_int (mikey_initiator_step (init,
          g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), now,
          &msg2, &err), MIKEY_STEP_SEND);
  fail_unless (msg2 != NULL);
  fail_if (g_bytes_equal (msg1, msg2));

  /* the new message is resent from its own start, 250 ms msg1 */
  fail_unless (mikey_initiator_get_deadline (init) == now + MS (250));
  expect_resend (init, now + MS (250), msg2);
  fail_unless (mikey_initiator_get_deadline (init) == now + MS (750));
  expect_resend (init, now + MS (750), msg2);
  /* and the exchange still ends 5 s after it began */
  fail_unless (mikey_initiator_get_deadline (init) == now + MS (1750));
  expect_resend (init, now + MS (1750), msg2);
  fail_unless (mikey_initiator_get_deadline (init) == now + MS (3750));
  expect_resend (init, now + MS (3750), msg2);
  fail_unless (mikey_initiator_get_deadline (init) == NOW + MS (5000));
  expect_timeout (init, NOW + MS (5000), "no answer after 5 s");

  g_bytes_unref (msg1);
  g_bytes_unref (msg2);
  g_bytes_unref (reply);
  mikey_responder_free (resp);
  mikey_initiator_free (init);
}

GST_END_TEST;

static Suite *
initiator_timers_suite (void)
{
  Suite *s = suite_create ("initiator-timers");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_default_schedule);
  tcase_add_test (tc, test_interval_doubles_to_max);
  tcase_add_test (tc, test_configured_schedule);
  tcase_add_test (tc, test_negative_settings);
  tcase_add_test (tc, test_nothing_after_completion);
  tcase_add_test (tc, test_nothing_after_failure);
  tcase_add_test (tc, test_unanswered_sends);
  tcase_add_test (tc, test_clock_backwards);
  tcase_add_test (tc, test_clock_forwards);
  tcase_add_test (tc, test_extreme_times);
  tcase_add_test (tc, test_counter_proposal_restart);
  return s;
}

GST_CHECK_MAIN (initiator_timers);
