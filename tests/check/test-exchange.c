/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY-NULL and MIKEY-PSK exchanges end to end in memory. */
#include <gst/check/gstcheck.h>
#include <string.h>

#include "mikey-exchange.h"
/* mikey_initiator_handle_response(), a test-only shortcut */
#include "mikey-exchange-private.h"
#include "mikey-crypto.h"

#define NOW G_GINT64_CONSTANT (1795000000000000)        /* 2026-11-18 */

static const guint8 psk[] = "correct horse battery staple";
static const guint8 bad_psk[] = "correct horse battery stapler";
static const MikeySrtpCs sessions[] = {
  {0, 0x11223344, 0}, {0, 0xdeadbeef, 7},
};

static MikeyInitiator *
make_initiator (MikeyMode mode, const gchar * suite, const guint8 * tek,
    gsize tek_len, const guint8 * mki, gsize mki_len)
{
  MikeyInitiatorConfig cfg = { 0 };
  MikeyInitiator *init;
  GError *err = NULL;

  cfg.mode = mode;
  if (mode == MIKEY_MODE_PSK) {
    cfg.psk = psk;
    cfg.psk_len = sizeof (psk) - 1;
  }
  cfg.suite = suite ? mikey_suite_lookup (suite) : NULL;
  cfg.tek = tek;
  cfg.tek_len = tek_len;
  cfg.mki = mki;
  cfg.mki_len = mki_len;
  cfg.cs = sessions;
  cfg.n_cs = G_N_ELEMENTS (sessions);
  init = mikey_initiator_new (&cfg, &err);
  fail_unless (init != NULL, "initiator: %s", err ? err->message : "?");
  return init;
}

static MikeyResponder *
make_responder (MikeyMode mode, const guint8 * key, gsize key_len,
    MikeyReplayCache * cache)
{
  MikeyResponderConfig cfg = { 0 };
  MikeyResponder *resp;

  cfg.mode = mode;
  cfg.psk = key;
  cfg.psk_len = key_len;
  cfg.replay = cache;
  resp = mikey_responder_new (&cfg, NULL);
  fail_unless (resp != NULL);
  return resp;
}

static void
assert_same_keys (GArray * a, GArray * b)
{
  guint i;

  fail_unless (a != NULL && b != NULL);
  fail_unless_equals_int (a->len, b->len);
  for (i = 0; i < a->len; i++) {
    MikeySrtpParams *pa = &g_array_index (a, MikeySrtpParams, i);
    MikeySrtpParams *pb = &g_array_index (b, MikeySrtpParams, i);

    fail_unless_equals_int (pa->key_len, pb->key_len);
    fail_unless (memcmp (pa->key, pb->key, pa->key_len) == 0);
    fail_unless_equals_int (pa->salt_len, pb->salt_len);
    fail_unless (memcmp (pa->salt, pb->salt, pa->salt_len) == 0);
    fail_unless_equals_int (pa->mki_len, pb->mki_len);
    fail_unless (memcmp (pa->mki, pb->mki, pa->mki_len) == 0);
    fail_unless_equals_int (pa->ssrc, pb->ssrc);
    fail_unless_equals_int (pa->roc, pb->roc);
    fail_unless (pa->suite == pb->suite);
  }
}

GST_START_TEST (test_psk_exchange)
{
  MikeyInitiator *init = make_initiator (MIKEY_MODE_PSK, NULL, NULL, 0, NULL,
      0);
  MikeyResponder *resp = make_responder (MIKEY_MODE_PSK, psk,
      sizeof (psk) - 1, NULL);
  GBytes *msg, *reply = NULL;
  GError *err = NULL;
  GArray *ip;
  MikeySrtpParams *p;

  msg = mikey_initiator_start (init, NOW, &err);
  fail_unless (msg != NULL);
  fail_unless_equals_int (mikey_initiator_get_state (init),
      MIKEY_STATE_WAIT_RESPONSE);

  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "peer",
          NOW + G_USEC_PER_SEC, &reply, &err), MIKEY_RESPONSE_ACCEPTED);
  fail_unless (reply != NULL);
  fail_unless (mikey_initiator_handle_response (init,
          g_bytes_get_data (reply, NULL), g_bytes_get_size (reply),
          NOW + 2 * G_USEC_PER_SEC, &err), "%s", err ? err->message : "");
  fail_unless_equals_int (mikey_initiator_get_state (init),
      MIKEY_STATE_COMPLETE);

  ip = mikey_initiator_get_srtp_params (init);
  assert_same_keys (ip, mikey_responder_get_srtp_params (resp));
  p = &g_array_index (ip, MikeySrtpParams, 1);
  fail_unless_equals_int (p->ssrc, 0xdeadbeef);
  fail_unless_equals_int (p->roc, 7);
  fail_unless_equals_int (p->cs_id, 2);
  fail_unless_equals_string (mikey_srtp_params_rtp_cipher (p), "aes-128-icm");
  fail_unless_equals_string (mikey_srtp_params_rtp_auth (p), "hmac-sha1-80");
  /* TGK mode: each crypto session gets its own TEK */
  fail_if (memcmp (g_array_index (ip, MikeySrtpParams, 0).key, p->key,
          16) == 0);
  fail_unless_equals_int (mikey_responder_get_csb_id (resp),
      mikey_initiator_get_csb_id (init));

  g_bytes_unref (msg);
  g_bytes_unref (reply);
  mikey_initiator_free (init);
  mikey_responder_free (resp);
}

GST_END_TEST;

GST_START_TEST (test_psk_every_suite_and_tek)
{
  const gchar *names[] = { "AES_CM_128_HMAC_SHA1_80",
    "AES_CM_128_HMAC_SHA1_32", "AES_256_CM_HMAC_SHA1_80", "AEAD_AES_128_GCM",
    "AEAD_AES_256_GCM"
  };
  static const guint8 mki[] = { 0x00, 0x00, 0x00, 0x01 };
  guint8 tek[46];
  guint i, j;

  for (i = 0; i < sizeof (tek); i++)
    tek[i] = i * 7 + 1;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    const MikeySuiteInfo *s = mikey_suite_lookup (names[i]);
    MikeyInitiator *init = make_initiator (MIKEY_MODE_PSK, names[i], tek,
        s->key_len + s->salt_len, mki, sizeof (mki));
    MikeyResponder *resp = make_responder (MIKEY_MODE_PSK, psk,
        sizeof (psk) - 1, NULL);
    GBytes *msg = mikey_initiator_start (init, NOW, NULL);
    GBytes *reply = NULL;
    GArray *rp;

    fail_unless_equals_int (mikey_responder_handle_init (resp,
            g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "", NOW,
            &reply, NULL), MIKEY_RESPONSE_ACCEPTED);
    rp = mikey_responder_get_srtp_params (resp);
    assert_same_keys (mikey_initiator_get_srtp_params (init), rp);
    for (j = 0; j < rp->len; j++) {
      MikeySrtpParams *p = &g_array_index (rp, MikeySrtpParams, j);

      fail_unless (p->suite == s);
      /* a TEK is used as is, for every session */
      fail_unless (memcmp (p->key, tek, s->key_len) == 0);
      fail_unless (memcmp (p->salt, tek + s->key_len, s->salt_len) == 0);
      fail_unless_equals_int (p->mki_len, 4);
      fail_unless (memcmp (p->mki, mki, 4) == 0);
    }
    fail_unless (mikey_initiator_handle_response (init,
            g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), NOW,
            NULL));
    g_bytes_unref (msg);
    g_bytes_unref (reply);
    mikey_initiator_free (init);
    mikey_responder_free (resp);
  }
}

GST_END_TEST;

GST_START_TEST (test_psk_wrong_key)
{
  MikeyInitiator *init = make_initiator (MIKEY_MODE_PSK, NULL, NULL, 0, NULL,
      0);
  MikeyResponder *resp = make_responder (MIKEY_MODE_PSK, bad_psk,
      sizeof (bad_psk) - 1, NULL);
  GBytes *msg = mikey_initiator_start (init, NOW, NULL);
  GBytes *reply = NULL;
  GError *err = NULL;

  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "", NOW,
          &reply, &err), MIKEY_RESPONSE_REFUSED);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_AUTH));
  fail_unless (mikey_responder_get_srtp_params (resp) == NULL);
  g_clear_error (&err);

  /* the ERR answer tells the initiator why */
  fail_unless (reply != NULL);
  fail_if (mikey_initiator_handle_response (init,
          g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), NOW, &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_PEER));
  fail_unless (strstr (err->message, "Authentication failure") != NULL,
      "%s", err->message);
  fail_unless_equals_int (mikey_initiator_get_state (init), MIKEY_STATE_FAILED);
  g_clear_error (&err);

  g_bytes_unref (msg);
  g_bytes_unref (reply);
  mikey_initiator_free (init);
  mikey_responder_free (resp);
}

GST_END_TEST;

GST_START_TEST (test_psk_tampered_every_byte)
{
  MikeyInitiator *init = make_initiator (MIKEY_MODE_PSK, NULL, NULL, 0, NULL,
      0);
  GBytes *msg = mikey_initiator_start (init, NOW, NULL);
  gsize len, i;
  guint8 *copy = g_bytes_unref_to_data (g_bytes_ref (msg), &len);

  /* every single-bit change anywhere must be refused: none may yield keys */
  for (i = 0; i < len; i++) {
    MikeyResponder *resp = make_responder (MIKEY_MODE_PSK, psk,
        sizeof (psk) - 1, NULL);
    GBytes *reply = NULL;

    copy[i] ^= 0x01;
    fail_unless_equals_int (mikey_responder_handle_init (resp, copy, len, "",
            NOW, &reply, NULL), MIKEY_RESPONSE_REFUSED);
    fail_unless (mikey_responder_get_srtp_params (resp) == NULL);
    copy[i] ^= 0x01;
    if (reply)
      g_bytes_unref (reply);
    mikey_responder_free (resp);
  }
  g_free (copy);
  g_bytes_unref (msg);
  mikey_initiator_free (init);
}

GST_END_TEST;

GST_START_TEST (test_psk_tampered_verification)
{
  MikeyInitiator *init = make_initiator (MIKEY_MODE_PSK, NULL, NULL, 0, NULL,
      0);
  MikeyResponder *resp = make_responder (MIKEY_MODE_PSK, psk,
      sizeof (psk) - 1, NULL);
  GBytes *msg = mikey_initiator_start (init, NOW, NULL);
  GBytes *reply = NULL;
  GError *err = NULL;
  guint8 *v;
  gsize len;

  mikey_responder_handle_init (resp, g_bytes_get_data (msg, NULL),
      g_bytes_get_size (msg), "", NOW, &reply, NULL);
  v = g_bytes_unref_to_data (reply, &len);
  v[len - 1] ^= 0x80;
  fail_if (mikey_initiator_handle_response (init, v, len, NOW, &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_AUTH));
  g_clear_error (&err);
  g_free (v);
  g_bytes_unref (msg);
  mikey_initiator_free (init);
  mikey_responder_free (resp);
}

GST_END_TEST;

GST_START_TEST (test_replay_and_retransmission)
{
  MikeyReplayCache *cache = mikey_replay_cache_new (0, 0);
  MikeyInitiator *init = make_initiator (MIKEY_MODE_PSK, NULL, NULL, 0, NULL,
      0);
  MikeyResponder *resp = make_responder (MIKEY_MODE_PSK, psk,
      sizeof (psk) - 1, cache);
  MikeyResponder *resp2;
  GBytes *msg = mikey_initiator_start (init, NOW, NULL);
  GBytes *again = mikey_initiator_start (init, NOW + 500000, NULL);
  GBytes *r1 = NULL, *r2 = NULL, *r3 = NULL;
  GError *err = NULL;

  /* a retransmission is the same bytes */
  fail_unless (g_bytes_equal (msg, again));

  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "a", NOW,
          &r1, NULL), MIKEY_RESPONSE_ACCEPTED);
  /* same peer again: the same answer, no new keys */
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "a", NOW,
          &r2, NULL), MIKEY_RESPONSE_RETRANSMISSION);
  fail_unless (g_bytes_equal (r1, r2));

  /* from anyone else, or to another responder sharing the cache: replay */
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "b", NOW,
          &r3, &err), MIKEY_RESPONSE_REFUSED);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_REPLAY));
  g_clear_error (&err);

  resp2 = make_responder (MIKEY_MODE_PSK, psk, sizeof (psk) - 1, cache);
  fail_unless_equals_int (mikey_responder_handle_init (resp2,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "a", NOW,
          NULL, &err), MIKEY_RESPONSE_REFUSED);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_REPLAY));
  g_clear_error (&err);

  g_bytes_unref (msg);
  g_bytes_unref (again);
  g_bytes_unref (r1);
  g_bytes_unref (r2);
  mikey_responder_free (resp);
  mikey_responder_free (resp2);
  mikey_initiator_free (init);
  mikey_replay_cache_free (cache);
}

GST_END_TEST;

GST_START_TEST (test_stale_timestamp)
{
  MikeyInitiator *init = make_initiator (MIKEY_MODE_PSK, NULL, NULL, 0, NULL,
      0);
  MikeyResponder *resp = make_responder (MIKEY_MODE_PSK, psk,
      sizeof (psk) - 1, NULL);
  GBytes *msg = mikey_initiator_start (init, NOW, NULL);
  GBytes *reply = NULL;
  GError *err = NULL;

  /* ten minutes later, default skew is one minute */
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "",
          NOW + G_GINT64_CONSTANT (600) * G_USEC_PER_SEC, &reply, &err),
      MIKEY_RESPONSE_REFUSED);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_STALE));
  fail_unless (strstr (err->message, "600 s behind") != NULL, "%s",
      err->message);
  fail_unless (reply != NULL);  /* ERR "Invalid TS" */
  g_clear_error (&err);
  g_bytes_unref (reply);
  g_bytes_unref (msg);
  mikey_initiator_free (init);
  mikey_responder_free (resp);
}

GST_END_TEST;

GST_START_TEST (test_counter_timestamps)
{
  MikeyReplayCache *cache = mikey_replay_cache_new (0, 0);
  MikeyResponder *resp = make_responder (MIKEY_MODE_PSK, psk,
      sizeof (psk) - 1, cache);
  guint32 counters[] = { 5, 6, 6, 4, 100 };
  gboolean expect[] = { TRUE, TRUE, FALSE, FALSE, TRUE };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (counters); i++) {
    MikeyInitiatorConfig cfg = { 0 };
    MikeyInitiator *init;
    GBytes *msg;
    MikeyResponseResult r;

    cfg.mode = MIKEY_MODE_PSK;
    cfg.psk = psk;
    cfg.psk_len = sizeof (psk) - 1;
    cfg.ts_type = MIKEY_TS_COUNTER;
    cfg.counter = counters[i];
    init = mikey_initiator_new (&cfg, NULL);
    /* clocks far apart do not matter with counters */
    msg =
        mikey_initiator_start (init,
        NOW - G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC, NULL);
    r = mikey_responder_handle_init (resp, g_bytes_get_data (msg, NULL),
        g_bytes_get_size (msg), "peer", NOW, NULL, NULL);
    fail_unless_equals_int (r,
        expect[i] ? MIKEY_RESPONSE_ACCEPTED : MIKEY_RESPONSE_REFUSED);
    g_bytes_unref (msg);
    mikey_initiator_free (init);
  }
  mikey_responder_free (resp);
  mikey_replay_cache_free (cache);
}

GST_END_TEST;

static GBytes *
counter_message (guint32 counter)
{
  MikeyInitiatorConfig cfg = { 0 };
  MikeyInitiator *init;
  GBytes *msg;

  cfg.mode = MIKEY_MODE_PSK;
  cfg.psk = psk;
  cfg.psk_len = sizeof (psk) - 1;
  cfg.ts_type = MIKEY_TS_COUNTER;
  cfg.counter = counter;
  init = mikey_initiator_new (&cfg, NULL);
  msg = mikey_initiator_start (init, NOW, NULL);
  fail_unless (msg != NULL);
  mikey_initiator_free (init);
  return msg;
}

/* The counter belongs to who authenticated the message (here: the holder of
 * the pre-shared key), not to the address it came from: the same message
 * from another port is a replay, from the same one a retransmission, and
 * a thousand ports take no room */
GST_START_TEST (test_counter_replay_from_other_address)
{
  MikeyReplayCache *cache = mikey_replay_cache_new (0, 0);
  MikeyResponder *resp = make_responder (MIKEY_MODE_PSK, psk,
      sizeof (psk) - 1, cache);
  GBytes *msg = counter_message (41), *next = counter_message (42);
  GBytes *r1 = NULL, *r2 = NULL, *r3 = NULL;
  GError *err = NULL;
  gchar peer[32];
  guint i, n_digests = 1, n_counters = 0;

  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg),
          "192.0.2.1:5000", NOW, &r1, NULL), MIKEY_RESPONSE_ACCEPTED);
  fail_unless (r1 != NULL);
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg),
          "192.0.2.1:5000", NOW, &r2, NULL), MIKEY_RESPONSE_RETRANSMISSION);
  fail_unless (g_bytes_equal (r1, r2));

  for (i = 0; i < 1000; i++) {
    g_snprintf (peer, sizeof (peer), "192.0.2.1:%u", 5001 + i);
    fail_unless_equals_int (mikey_responder_handle_init (resp,
            g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), peer, NOW,
            &r3, &err), MIKEY_RESPONSE_REFUSED);
    fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_REPLAY),
        "%s", err->message);
    fail_unless (strstr (err->message, "already accepted") != NULL, "%s",
        err->message);
    g_clear_error (&err);
    /* silence to replays */
    fail_unless (r3 == NULL);
  }
  mikey_replay_cache_get_sizes (cache, &n_digests, &n_counters);
  fail_unless_equals_int (n_counters, 1);
  fail_unless_equals_int (n_digests, 0);

  /* the same sender's next message is fine from any port */
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (next, NULL), g_bytes_get_size (next),
          "198.51.100.7:40000", NOW, NULL, NULL), MIKEY_RESPONSE_ACCEPTED);
  /* and the old one is still refused after it */
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg),
          "192.0.2.1:5000", NOW, NULL, &err), MIKEY_RESPONSE_REFUSED);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_REPLAY));
  g_clear_error (&err);

  /* another key is another sender: its own counter */
  {
    MikeyResponder *other = make_responder (MIKEY_MODE_PSK, bad_psk,
        sizeof (bad_psk) - 1, cache);
    MikeyInitiatorConfig cfg = { 0 };
    MikeyInitiator *init;
    GBytes *m;

    cfg.mode = MIKEY_MODE_PSK;
    cfg.psk = bad_psk;
    cfg.psk_len = sizeof (bad_psk) - 1;
    cfg.ts_type = MIKEY_TS_COUNTER;
    cfg.counter = 1;
    init = mikey_initiator_new (&cfg, NULL);
    m = mikey_initiator_start (init, NOW, NULL);
    fail_unless_equals_int (mikey_responder_handle_init (other,
            g_bytes_get_data (m, NULL), g_bytes_get_size (m), "192.0.2.1:5000",
            NOW, NULL, NULL), MIKEY_RESPONSE_ACCEPTED);
    g_bytes_unref (m);
    mikey_initiator_free (init);
    mikey_responder_free (other);
  }
  mikey_replay_cache_get_sizes (cache, NULL, &n_counters);
  fail_unless_equals_int (n_counters, 2);

  g_bytes_unref (msg);
  g_bytes_unref (next);
  g_bytes_unref (r1);
  g_bytes_unref (r2);
  mikey_responder_free (resp);
  mikey_replay_cache_free (cache);
}

GST_END_TEST;

/* Sends @n MIKEY-NULL messages (each with its own RAND) to @resp: all are
 * valid unauthenticated keys */
static void
null_flood (MikeyResponder * resp, guint n)
{
  guint i;

  for (i = 0; i < n; i++) {
    MikeyInitiator *init = make_initiator (MIKEY_MODE_NULL, NULL, NULL, 0,
        NULL, 0);
    GBytes *msg = mikey_initiator_start (init, NOW, NULL);
    GError *err = NULL;

    MikeyResponseResult r = mikey_responder_handle_init (resp,
        g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "mallory", NOW,
        NULL, &err);

    fail_unless (r == MIKEY_RESPONSE_ACCEPTED, "%u: %s", i,
        err ? err->message : "");
    g_bytes_unref (msg);
    mikey_initiator_free (init);
  }
}

static void
assert_psk_accepted (MikeyResponder * resp)
{
  MikeyInitiator *init = make_initiator (MIKEY_MODE_PSK, NULL, NULL, 0, NULL,
      0);
  GBytes *msg = mikey_initiator_start (init, NOW, NULL);
  GBytes *reply = NULL;
  GError *err = NULL;

  MikeyResponseResult r = mikey_responder_handle_init (resp,
      g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "alice", NOW,
      &reply, &err);

  fail_unless (r == MIKEY_RESPONSE_ACCEPTED, "%s", err ? err->message : "");
  fail_unless (mikey_initiator_handle_response (init,
          g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), NOW, NULL));
  g_bytes_unref (reply);
  g_bytes_unref (msg);
  mikey_initiator_free (init);
}

/* MIKEY-NULL: its timestamp protects nothing, so a message ten minutes old
 * (a pasted a=key-mgmt line, a camera with an unset clock) is accepted,
 * whether the responder has its own cache or a shared one, and the offset
 * is there for the caller to log; a PSK message of the same age is not. */
GST_START_TEST (test_null_old_timestamp_accepted)
{
  const gint64 ten_min = G_GINT64_CONSTANT (600) * G_USEC_PER_SEC;
  MikeyReplayCache *cache = mikey_replay_cache_new (0, 0);
  MikeyResponder *resps[2];
  guint r;

  resps[0] = make_responder (MIKEY_MODE_NULL, NULL, 0, NULL);
  resps[1] = make_responder (MIKEY_MODE_NULL, NULL, 0, cache);
  for (r = 0; r < G_N_ELEMENTS (resps); r++) {
    gint64 sign;

    fail_if (mikey_responder_get_clock_offset (resps[r], NULL));
    for (sign = -1; sign <= 1; sign += 2) {
      MikeyInitiator *init = make_initiator (MIKEY_MODE_NULL, NULL, NULL, 0,
          NULL, 0);
      GBytes *msg = mikey_initiator_start (init, NOW + sign * ten_min, NULL);
      GError *err = NULL;
      gint64 offset = 0;

      fail_unless_equals_int (mikey_responder_handle_init (resps[r],
              g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "", NOW,
              NULL, &err), MIKEY_RESPONSE_ACCEPTED);
      fail_unless (err == NULL);
      assert_same_keys (mikey_initiator_get_srtp_params (init),
          mikey_responder_get_srtp_params (resps[r]));
      fail_unless (mikey_responder_get_clock_offset (resps[r], &offset));
      /* NTP keeps 1/2^32 s: within a microsecond */
      fail_unless (ABS (offset - sign * ten_min) <= 1, "%" G_GINT64_FORMAT,
          offset);
      g_bytes_unref (msg);
      mikey_initiator_free (init);
    }
    mikey_responder_free (resps[r]);
  }
  mikey_replay_cache_free (cache);
}

GST_END_TEST;

/* timestamp_window_us widens (or narrows) the window of authenticated
 * messages when the responder has its own cache */
GST_START_TEST (test_timestamp_window_config)
{
  const gint64 ten_min = G_GINT64_CONSTANT (600) * G_USEC_PER_SEC;
  MikeyResponderConfig cfg = { 0 };
  MikeyInitiator *init;
  MikeyResponder *resp;
  GBytes *msg;
  GError *err = NULL;

  cfg.mode = MIKEY_MODE_PSK;
  cfg.psk = psk;
  cfg.psk_len = sizeof (psk) - 1;
  cfg.timestamp_window_us = 2 * ten_min;
  resp = mikey_responder_new (&cfg, NULL);
  fail_unless (resp != NULL);
  init = make_initiator (MIKEY_MODE_PSK, NULL, NULL, 0, NULL, 0);
  msg = mikey_initiator_start (init, NOW - ten_min, NULL);
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "", NOW,
          NULL, &err), MIKEY_RESPONSE_ACCEPTED);
  g_bytes_unref (msg);
  mikey_initiator_free (init);
  mikey_responder_free (resp);

  cfg.timestamp_window_us = 5 * G_USEC_PER_SEC;
  resp = mikey_responder_new (&cfg, NULL);
  init = make_initiator (MIKEY_MODE_PSK, NULL, NULL, 0, NULL, 0);
  msg = mikey_initiator_start (init, NOW - 10 * G_USEC_PER_SEC, NULL);
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "", NOW,
          NULL, &err), MIKEY_RESPONSE_REFUSED);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_STALE));
  fail_unless (strstr (err->message, "5 s allowed") != NULL, "%s",
      err->message);
  g_clear_error (&err);
  g_bytes_unref (msg);
  mikey_initiator_free (init);
  mikey_responder_free (resp);
}

GST_END_TEST;

/* Unauthenticated messages (MIKEY-NULL differing only in RAND) cannot fill
 * the replay cache that protects authenticated ones: a mode=null responder
 * sharing the cache with a PSK one, and one responder taking both */
GST_START_TEST (test_null_flood_keeps_cache_usable)
{
  MikeyReplayCache *cache = mikey_replay_cache_new (0, 0);
  MikeyResponder *null_resp = make_responder (MIKEY_MODE_NULL, NULL, 0, cache);
  MikeyResponder *psk_resp = make_responder (MIKEY_MODE_PSK, psk,
      sizeof (psk) - 1, cache);
  static const MikeyMode both[] = { MIKEY_MODE_PSK, MIKEY_MODE_NULL };
  MikeyResponderConfig cfg = { 0 };
  MikeyResponder *mixed;
  guint n_digests = 1, n_counters = 1;

  null_flood (null_resp, 2000);
  mikey_replay_cache_get_sizes (cache, &n_digests, &n_counters);
  fail_unless_equals_int (n_digests, 0);
  fail_unless_equals_int (n_counters, 0);
  assert_psk_accepted (psk_resp);

  cfg.modes = both;
  cfg.n_modes = G_N_ELEMENTS (both);
  cfg.psk = psk;
  cfg.psk_len = sizeof (psk) - 1;
  mixed = mikey_responder_new (&cfg, NULL);
  fail_unless (mixed != NULL);
  null_flood (mixed, 2000);
  assert_psk_accepted (mixed);

  mikey_responder_free (mixed);
  mikey_responder_free (null_resp);
  mikey_responder_free (psk_resp);
  mikey_replay_cache_free (cache);
}

GST_END_TEST;

/* A full cache says so (and answers the authenticated sender) rather than
 * calling the message a replay */
GST_START_TEST (test_cache_full_reason)
{
  MikeyReplayCache *cache = mikey_replay_cache_new (0, 2);
  MikeyResponder *resp = make_responder (MIKEY_MODE_PSK, psk,
      sizeof (psk) - 1, cache);
  MikeyInitiator *init;
  GBytes *msg, *reply = NULL;
  GError *err = NULL;
  MikeyMessage *parsed;
  const MikeyPayload *e;

  assert_psk_accepted (resp);
  assert_psk_accepted (resp);
  init = make_initiator (MIKEY_MODE_PSK, NULL, NULL, 0, NULL, 0);
  msg = mikey_initiator_start (init, NOW, NULL);
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "alice", NOW,
          &reply, &err), MIKEY_RESPONSE_REFUSED);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_CACHE_FULL),
      "%s", err->message);
  fail_unless (strstr (err->message, "cache is full") != NULL, "%s",
      err->message);
  fail_unless (strstr (err->message, "replayed message") == NULL, "%s",
      err->message);
  g_clear_error (&err);
  fail_unless (reply != NULL);
  parsed = mikey_message_parse (g_bytes_get_data (reply, NULL),
      g_bytes_get_size (reply), NULL);
  fail_unless (parsed != NULL);
  fail_unless_equals_int (parsed->hdr.data_type, MIKEY_DT_ERROR);
  e = mikey_message_find (parsed, MIKEY_PT_ERR, NULL);
  fail_unless (e != NULL);
  fail_unless_equals_int (e->u.err.err_no, MIKEY_ERR_UNSPECIFIED);
  mikey_message_free (parsed);
  g_bytes_unref (reply);
  g_bytes_unref (msg);
  mikey_initiator_free (init);
  /* once the others have aged out of the window there is room again */
  init = make_initiator (MIKEY_MODE_PSK, NULL, NULL, 0, NULL, 0);
  msg = mikey_initiator_start (init, NOW + 61 * G_USEC_PER_SEC, NULL);
  fail_unless (mikey_responder_handle_init (resp, g_bytes_get_data (msg,
              NULL), g_bytes_get_size (msg), "alice",
          NOW + 61 * G_USEC_PER_SEC, NULL, &err) == MIKEY_RESPONSE_ACCEPTED,
      "%s", err ? err->message : "");
  g_bytes_unref (msg);
  mikey_initiator_free (init);
  mikey_responder_free (resp);
  mikey_replay_cache_free (cache);
}

GST_END_TEST;

GST_START_TEST (test_null_exchange_and_policy)
{
  static const guint8 mki[] = { 0xab, 0xcd };
  guint8 tek[30];
  MikeyInitiator *init;
  MikeyResponder *null_resp, *psk_resp;
  GBytes *msg, *reply = NULL;
  GError *err = NULL;
  guint i;

  for (i = 0; i < sizeof (tek); i++)
    tek[i] = 0xa0 + i;
  init = make_initiator (MIKEY_MODE_NULL, NULL, tek, sizeof (tek), mki, 2);
  msg = mikey_initiator_start (init, NOW, NULL);
  /* nothing to wait for: the key is in the message */
  fail_unless_equals_int (mikey_initiator_get_state (init),
      MIKEY_STATE_COMPLETE);

  /* a PSK responder must refuse a key sent in the clear */
  psk_resp = make_responder (MIKEY_MODE_PSK, psk, sizeof (psk) - 1, NULL);
  fail_unless_equals_int (mikey_responder_handle_init (psk_resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "", NOW,
          &reply, &err), MIKEY_RESPONSE_REFUSED);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_UNAUTHENTICATED));
  fail_unless (strstr (err->message, "MIKEY-NULL") != NULL);
  g_clear_error (&err);
  g_clear_pointer (&reply, g_bytes_unref);

  null_resp = make_responder (MIKEY_MODE_NULL, NULL, 0, NULL);
  fail_unless_equals_int (mikey_responder_handle_init (null_resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "", NOW,
          &reply, &err), MIKEY_RESPONSE_ACCEPTED);
  fail_unless (reply == NULL);  /* no V requested */
  assert_same_keys (mikey_initiator_get_srtp_params (init),
      mikey_responder_get_srtp_params (null_resp));

  g_bytes_unref (msg);
  mikey_initiator_free (init);
  mikey_responder_free (psk_resp);

  /* and a NULL responder refuses a PSK-protected message */
  init = make_initiator (MIKEY_MODE_PSK, NULL, NULL, 0, NULL, 0);
  msg = mikey_initiator_start (init, NOW, NULL);
  fail_unless_equals_int (mikey_responder_handle_init (null_resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "", NOW,
          NULL, &err), MIKEY_RESPONSE_REFUSED);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_MODE_REFUSED));
  g_clear_error (&err);
  g_bytes_unref (msg);
  mikey_initiator_free (init);
  mikey_responder_free (null_resp);
}

GST_END_TEST;

GST_START_TEST (test_psk_kemac_algorithms)
{
  guint8 algs[] = { MIKEY_ENC_AES_CM_128, MIKEY_ENC_AES_KW_128 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (algs); i++) {
    MikeyInitiatorConfig cfg = { 0 };
    MikeyInitiator *init;
    MikeyResponder *resp;
    GBytes *msg;
    GError *err = NULL;

    cfg.mode = MIKEY_MODE_PSK;
    cfg.psk = psk;
    cfg.psk_len = sizeof (psk) - 1;
    cfg.enc_alg = algs[i];
    cfg.no_verify = TRUE;
    init = mikey_initiator_new (&cfg, NULL);
    msg = mikey_initiator_start (init, NOW, &err);
    fail_unless (msg != NULL, "%s", err ? err->message : "");
    fail_unless_equals_int (mikey_initiator_get_state (init),
        MIKEY_STATE_COMPLETE);
    resp = make_responder (MIKEY_MODE_PSK, psk, sizeof (psk) - 1, NULL);
    fail_unless (mikey_responder_handle_init (resp,
            g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "", NOW,
            NULL, &err) == MIKEY_RESPONSE_ACCEPTED, "%s",
        err ? err->message : "");
    assert_same_keys (mikey_initiator_get_srtp_params (init),
        mikey_responder_get_srtp_params (resp));
    g_bytes_unref (msg);
    mikey_initiator_free (init);
    mikey_responder_free (resp);
  }
}

GST_END_TEST;

GST_START_TEST (test_open_kemac_needs_psk)
{
  MikeyInitiator *init = make_initiator (MIKEY_MODE_PSK, NULL, NULL, 0, NULL,
      0);
  GBytes *msg = mikey_initiator_start (init, NOW, NULL);
  gsize len;
  const guint8 *data = g_bytes_get_data (msg, &len);
  MikeyMessage *m = mikey_message_parse (data, len, NULL);
  GError *err = NULL;
  GPtrArray *kd;

  fail_unless (m != NULL);
  fail_unless (mikey_psk_open_kemac (m, data, len, NULL, 0, &err) == NULL);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_SETTINGS));
  g_clear_error (&err);
  fail_unless (mikey_psk_open_kemac (m, data, len, bad_psk,
          sizeof (bad_psk) - 1, &err) == NULL);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_AUTH));
  g_clear_error (&err);
  kd = mikey_psk_open_kemac (m, data, len, psk, sizeof (psk) - 1, &err);
  fail_unless (kd != NULL && kd->len == 1);
  g_ptr_array_unref (kd);
  mikey_message_free (m);
  g_bytes_unref (msg);
  mikey_initiator_free (init);
}

GST_END_TEST;

/* Each class of refusal has its own code, so that no caller reads the
 * message text: settings, mode and suite refused */
GST_START_TEST (test_refusal_codes)
{
  MikeyInitiatorConfig icfg = { 0 };
  MikeyResponderConfig rcfg = { 0 };
  MikeyInitiator *init;
  MikeyResponder *resp;
  GBytes *msg, *reply = NULL;
  GError *err = NULL;

  /* no pre-shared key configured, on either side */
  icfg.mode = MIKEY_MODE_PSK;
  fail_unless (mikey_initiator_new (&icfg, &err) == NULL);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_SETTINGS), "%s",
      err->message);
  /* the core names no element property */
  fail_unless (strstr (err->message, "(psk)") == NULL, "%s", err->message);
  g_clear_error (&err);
  rcfg.mode = MIKEY_MODE_DHHMAC;
  fail_unless (mikey_responder_new (&rcfg, &err) == NULL);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_SETTINGS), "%s",
      err->message);
  g_clear_error (&err);
  /* a TEK that does not fit the suite */
  icfg.mode = MIKEY_MODE_NULL;
  icfg.tek = psk;
  icfg.tek_len = 3;
  fail_unless (mikey_initiator_new (&icfg, &err) == NULL);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_SETTINGS), "%s",
      err->message);
  g_clear_error (&err);

  /* a suite the responder does not take */
  init = make_initiator (MIKEY_MODE_PSK, "AES_CM_128_HMAC_SHA1_32", NULL, 0,
      NULL, 0);
  resp = make_responder (MIKEY_MODE_PSK, psk, sizeof (psk) - 1, NULL);
  rcfg.mode = MIKEY_MODE_PSK;
  msg = mikey_initiator_start (init, NOW, NULL);
  {
    const MikeySuiteInfo *only[] = {
      mikey_suite_lookup ("AES_CM_128_HMAC_SHA1_80")
    };
    MikeyResponder *strict;

    rcfg.psk = psk;
    rcfg.psk_len = sizeof (psk) - 1;
    rcfg.suites = only;
    rcfg.n_suites = 1;
    strict = mikey_responder_new (&rcfg, NULL);
    fail_unless (strict != NULL);
    fail_unless_equals_int (mikey_responder_handle_init (strict,
            g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "", NOW,
            &reply, &err), MIKEY_RESPONSE_REFUSED);
    fail_unless (g_error_matches (err, MIKEY_ERROR,
            MIKEY_ERROR_MODE_REFUSED), "%s", err->message);
    g_clear_error (&err);
    g_clear_pointer (&reply, g_bytes_unref);
    mikey_responder_free (strict);
  }
  g_bytes_unref (msg);
  mikey_initiator_free (init);

  /* a mode the responder does not take (not MIKEY-NULL) */
  init = make_initiator (MIKEY_MODE_PSK, NULL, NULL, 0, NULL, 0);
  msg = mikey_initiator_start (init, NOW, NULL);
  rcfg.n_suites = 0;
  rcfg.suites = NULL;
  rcfg.mode = MIKEY_MODE_DHHMAC;
  {
    MikeyResponder *dhhmac = mikey_responder_new (&rcfg, NULL);

    fail_unless (dhhmac != NULL);
    fail_unless_equals_int (mikey_responder_handle_init (dhhmac,
            g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "", NOW,
            &reply, &err), MIKEY_RESPONSE_REFUSED);
    fail_unless (g_error_matches (err, MIKEY_ERROR,
            MIKEY_ERROR_MODE_REFUSED), "%s", err->message);
    g_clear_error (&err);
    g_clear_pointer (&reply, g_bytes_unref);
    mikey_responder_free (dhhmac);
  }
  g_bytes_unref (msg);
  mikey_initiator_free (init);
  mikey_responder_free (resp);
}

GST_END_TEST;

GST_START_TEST (test_key_mgmt_text)
{
  static const guint8 bytes[] = { 1, 2, 3, 4, 5, 250 };
  gchar *text = mikey_key_mgmt_encode (bytes, sizeof (bytes));
  gchar *forms[4];
  guint i;
  gsize len;
  guint8 *out;
  GError *err = NULL;

  fail_unless (g_str_has_prefix (text, "mikey "));
  forms[0] = g_strdup (text);
  forms[1] = g_strconcat ("  ", text, " \r\n", NULL);
  forms[2] = g_strconcat ("a=key-mgmt:", text, NULL);
  forms[3] = g_strconcat ("prot=mikey; uri=\"rtsp://cam/\"; data=\"",
      text + 6, "\"", NULL);
  for (i = 0; i < G_N_ELEMENTS (forms); i++) {
    out = mikey_key_mgmt_decode (forms[i], &len, &err);
    fail_unless (out != NULL, "%s: %s", forms[i], err ? err->message : "");
    fail_unless_equals_int (len, sizeof (bytes));
    fail_unless (memcmp (out, bytes, len) == 0);
    g_free (out);
    g_free (forms[i]);
  }
  fail_unless (mikey_key_mgmt_decode ("mikey AQID*AU=", &len, &err) == NULL);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_INVALID));
  g_clear_error (&err);
  fail_unless (mikey_key_mgmt_decode ("mikey ", &len, &err) == NULL);
  g_clear_error (&err);
  g_free (text);
}

GST_END_TEST;

static Suite *
exchange_suite (void)
{
  Suite *s = suite_create ("mikey-exchange");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_psk_exchange);
  tcase_add_test (tc, test_psk_every_suite_and_tek);
  tcase_add_test (tc, test_psk_wrong_key);
  tcase_add_test (tc, test_psk_tampered_every_byte);
  tcase_add_test (tc, test_psk_tampered_verification);
  tcase_add_test (tc, test_replay_and_retransmission);
  tcase_add_test (tc, test_stale_timestamp);
  tcase_add_test (tc, test_null_old_timestamp_accepted);
  tcase_add_test (tc, test_timestamp_window_config);
  tcase_add_test (tc, test_counter_timestamps);
  tcase_add_test (tc, test_counter_replay_from_other_address);
  tcase_add_test (tc, test_null_flood_keeps_cache_usable);
  tcase_add_test (tc, test_cache_full_reason);
  tcase_add_test (tc, test_null_exchange_and_policy);
  tcase_add_test (tc, test_psk_kemac_algorithms);
  tcase_add_test (tc, test_open_kemac_needs_psk);
  tcase_add_test (tc, test_refusal_codes);
  tcase_add_test (tc, test_key_mgmt_text);
  return s;
}

GST_CHECK_MAIN (exchange);
