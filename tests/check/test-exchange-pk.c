/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Public-key, Diffie-Hellman and DHHMAC exchanges, and priority
 * negotiation, end to end in memory with a real test PKI. */
#include <gst/check/gstcheck.h>
#include <string.h>

#include "mikey-exchange.h"
#include "mikey-exchange-private.h"
#include "mikey-test-certs.h"

#define NOW G_GINT64_CONSTANT (1795000000000000)        /* 2026-11-18 */

static const guint8 psk[] = "shared between alice and bob";

typedef struct
{
  MikeyKey *key;
  GPtrArray *certs;
} Party;

static MikeyTrust *trust;
static Party alice, bob, mallory, dave;
static MikeyCert *bob_cert;

static void
load_party (Party * p, const gchar * name)
{
  g_autofree gchar *cert = g_strdup_printf ("%s.pem", name);
  g_autofree gchar *key = g_strdup_printf ("%s-key.pem", name);
  g_autofree gchar *cert_path = mikey_test_pki (cert);
  g_autofree gchar *key_path = mikey_test_pki (key);
  GError *err = NULL;

  p->certs = mikey_cert_load_pem_file (cert_path, &err);
  fail_unless (p->certs != NULL, "%s", err ? err->message : "");
  p->key = mikey_key_load_pem_file (key_path, NULL, &err);
  fail_unless (p->key != NULL, "%s", err ? err->message : "");
}

static void
setup (void)
{
  g_autofree gchar *root = mikey_test_pki ("root-ca.pem");
  g_autofree gchar *chain = mikey_test_pki ("bob-chain.pem");

  trust = mikey_trust_new ();
  fail_unless (mikey_trust_load_file (trust, root, NULL));
  load_party (&alice, "alice");
  load_party (&bob, "bob");
  /* bob's certificate comes from an intermediate CA: send the chain */
  g_ptr_array_unref (bob.certs);
  bob.certs = mikey_cert_load_pem_file (chain, NULL);
  bob_cert = mikey_cert_ref (g_ptr_array_index (bob.certs, 0));
  load_party (&mallory, "mallory");
  load_party (&dave, "dave");
}

static void
teardown (void)
{
  Party *all[] = { &alice, &bob, &mallory, &dave };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (all); i++) {
    mikey_key_unref (all[i]->key);
    g_ptr_array_unref (all[i]->certs);
  }
  mikey_cert_unref (bob_cert);
  mikey_trust_free (trust);
}

static MikeyInitiatorConfig
initiator_config (MikeyMode mode, Party * me)
{
  MikeyInitiatorConfig cfg = { 0 };
  static const MikeySrtpCs cs[] = { {0, 0x01020304, 0} };

  cfg.mode = mode;
  cfg.psk = psk;
  cfg.psk_len = sizeof (psk) - 1;
  cfg.key = me->key;
  cfg.certs = me->certs;
  cfg.peer_cert = bob_cert;
  cfg.trust = trust;
  cfg.cs = cs;
  cfg.n_cs = 1;
  return cfg;
}

static MikeyResponderConfig
responder_config (MikeyMode mode)
{
  MikeyResponderConfig cfg = { 0 };

  cfg.mode = mode;
  cfg.psk = psk;
  cfg.psk_len = sizeof (psk) - 1;
  cfg.key = bob.key;
  cfg.certs = bob.certs;
  cfg.trust = trust;
  cfg.id_r = "sip:bob@example.org";
  return cfg;
}

static void
assert_same_keys (GArray * a, GArray * b)
{
  MikeySrtpParams *pa, *pb;

  fail_unless (a != NULL && b != NULL && a->len == b->len && a->len > 0);
  pa = &g_array_index (a, MikeySrtpParams, 0);
  pb = &g_array_index (b, MikeySrtpParams, 0);
  fail_unless (pa->suite == pb->suite);
  fail_unless_equals_int (pa->key_len, pb->key_len);
  fail_unless (memcmp (pa->key, pb->key, pa->key_len) == 0);
  fail_unless (memcmp (pa->salt, pb->salt, pa->salt_len) == 0);
  fail_unless_equals_int (pa->mki_len, pb->mki_len);
  fail_unless (memcmp (pa->mki, pb->mki, pa->mki_len) == 0);
}

/* Runs a whole exchange, following counter-proposals; returns the final
 * responder result and leaves the initiator's step in *last. */
static MikeyResponseResult
run (MikeyInitiator * init, MikeyResponder * resp, MikeyStep * last,
    guint * round_trips, GError ** err)
{
  GBytes *msg = mikey_initiator_start (init, NOW, err);
  MikeyResponseResult r = MIKEY_RESPONSE_REFUSED;
  guint n = 0;

  *last = MIKEY_STEP_FAILED;
  while (msg != NULL && n++ < 4) {
    GBytes *reply = NULL, *next = NULL;

    r = mikey_responder_handle_init (resp, g_bytes_get_data (msg, NULL),
        g_bytes_get_size (msg), "alice", NOW, &reply, err);
    g_bytes_unref (msg);
    msg = NULL;
    if (reply == NULL)
      break;
    *last = mikey_initiator_step (init, g_bytes_get_data (reply, NULL),
        g_bytes_get_size (reply), NOW, &next, r == MIKEY_RESPONSE_REFUSED
        && err && *err ? NULL : err);
    g_bytes_unref (reply);
    msg = next;
  }
  if (round_trips)
    *round_trips = n;
  return r;
}

static void
check_mode_works (MikeyMode mode, guint8 group, guint8 sign_type)
{
  static const guint8 mki[] = { 0xca, 0xfe };
  MikeyInitiatorConfig icfg = initiator_config (mode, &alice);
  MikeyResponderConfig rcfg = responder_config (mode);
  MikeyInitiator *init;
  MikeyResponder *resp;
  MikeyStep step;
  GError *err = NULL;

  icfg.dh_group = group;
  /* every group works when allowed (OAKLEY 1 only by name) */
  rcfg.dh_groups = MIKEY_DH_GROUP_BIT (group);
  icfg.sign_type = sign_type;
  icfg.mki = mki;
  icfg.mki_len = sizeof (mki);
  icfg.id_i = "sip:alice@example.org";
  icfg.id_r = "sip:bob@example.org";
  init = mikey_initiator_new (&icfg, &err);
  fail_unless (init != NULL, "%s", err ? err->message : "");
  resp = mikey_responder_new (&rcfg, &err);
  fail_unless (resp != NULL, "%s", err ? err->message : "");

  fail_unless_equals_int (run (init, resp, &step, NULL, &err),
      MIKEY_RESPONSE_ACCEPTED);
  fail_unless (step == MIKEY_STEP_COMPLETE, "%s: %s", mikey_mode_name (mode),
      err ? err->message : "");
  assert_same_keys (mikey_initiator_get_srtp_params (init),
      mikey_responder_get_srtp_params (resp));
  fail_unless_equals_int (g_array_index (mikey_responder_get_srtp_params
          (resp), MikeySrtpParams, 0).mki_len, 2);
  fail_unless_equals_int (mikey_responder_get_mode (resp), mode);
  mikey_initiator_free (init);
  mikey_responder_free (resp);
}

GST_START_TEST (test_pke)
{
  check_mode_works (MIKEY_MODE_PKE, 0, MIKEY_SIGN_RSA_PKCS1_1_5);
  check_mode_works (MIKEY_MODE_PKE, 0, MIKEY_SIGN_RSA_PSS);
}

GST_END_TEST;

GST_START_TEST (test_dh_every_group)
{
  check_mode_works (MIKEY_MODE_DH, MIKEY_DH_GROUP_OAKLEY5,
      MIKEY_SIGN_RSA_PKCS1_1_5);
  check_mode_works (MIKEY_MODE_DH, MIKEY_DH_GROUP_OAKLEY1, MIKEY_SIGN_RSA_PSS);
  check_mode_works (MIKEY_MODE_DH, MIKEY_DH_GROUP_OAKLEY2,
      MIKEY_SIGN_RSA_PKCS1_1_5);
}

GST_END_TEST;

/* Only IDr given: the responder must not take it for IDi (it follows the
 * initiator's CERT payloads) */
GST_START_TEST (test_only_responder_identity)
{
  MikeyMode modes[] = { MIKEY_MODE_PKE, MIKEY_MODE_DH };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (modes); i++) {
    MikeyInitiatorConfig icfg = initiator_config (modes[i], &alice);
    MikeyResponderConfig rcfg = responder_config (modes[i]);
    MikeyInitiator *init;
    MikeyResponder *resp;
    MikeyStep step;
    GError *err = NULL;

    icfg.id_r = "sip:bob@example.org";
    init = mikey_initiator_new (&icfg, NULL);
    resp = mikey_responder_new (&rcfg, NULL);
    fail_unless_equals_int (run (init, resp, &step, NULL, &err),
        MIKEY_RESPONSE_ACCEPTED);
    fail_unless (step == MIKEY_STEP_COMPLETE, "%s", err ? err->message : "");
    mikey_initiator_free (init);
    mikey_responder_free (resp);
  }
}

GST_END_TEST;

GST_START_TEST (test_dhhmac)
{
  check_mode_works (MIKEY_MODE_DHHMAC, MIKEY_DH_GROUP_OAKLEY5, 0);
}

GST_END_TEST;

/* The initiator's exchange must fail with @expect in the responder's error */
static void
check_refused (MikeyInitiatorConfig * icfg, MikeyResponderConfig * rcfg,
    MikeyErrorCode code, const gchar * expect)
{
  MikeyInitiator *init = mikey_initiator_new (icfg, NULL);
  MikeyResponder *resp = mikey_responder_new (rcfg, NULL);
  MikeyStep step;
  GError *err = NULL;

  fail_unless (init != NULL && resp != NULL);
  fail_unless_equals_int (run (init, resp, &step, NULL, &err),
      MIKEY_RESPONSE_REFUSED);
  fail_unless (g_error_matches (err, MIKEY_ERROR, code), "%s",
      err ? err->message : "no error");
  fail_unless (strstr (err->message, expect) != NULL, "'%s' not in '%s'",
      expect, err->message);
  fail_unless (mikey_responder_get_srtp_params (resp) == NULL);
  fail_unless (step == MIKEY_STEP_FAILED);
  fail_unless (mikey_initiator_get_state (init) == MIKEY_STATE_FAILED);
  g_clear_error (&err);
  mikey_initiator_free (init);
  mikey_responder_free (resp);
}

GST_START_TEST (test_untrusted_expired_mismatched)
{
  MikeyMode modes[] = { MIKEY_MODE_DH, MIKEY_MODE_PKE };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (modes); i++) {
    MikeyInitiatorConfig icfg = initiator_config (modes[i], &mallory);
    MikeyResponderConfig rcfg = responder_config (modes[i]);

    check_refused (&icfg, &rcfg, MIKEY_ERROR_CERT_UNTRUSTED, "not trusted");
    icfg = initiator_config (modes[i], &dave);
    check_refused (&icfg, &rcfg, MIKEY_ERROR_CERT_EXPIRED, "expired");
    icfg = initiator_config (modes[i], &alice);
    icfg.id_i = "sip:eve@example.org";
    check_refused (&icfg, &rcfg, MIKEY_ERROR_IDENTITY, "mismatched identity");
    /* pinned to another certificate than the one that signed */
    icfg = initiator_config (modes[i], &alice);
    rcfg.peer_cert = g_ptr_array_index (dave.certs, 0);
    check_refused (&icfg, &rcfg, MIKEY_ERROR_CERT_UNTRUSTED,
        "not the one configured");
  }
}

GST_END_TEST;

/* The initiator classifies a refused answer the same way */
GST_START_TEST (test_answer_refusal_codes)
{
  static const struct
  {
    Party *responder;
    MikeyErrorCode code;
    const gchar *expect;
  } cases[] = {
    {&mallory, MIKEY_ERROR_CERT_UNTRUSTED, "not trusted"},
    {&dave, MIKEY_ERROR_CERT_EXPIRED, "expired"},
    {&alice, MIKEY_ERROR_IDENTITY, "mismatched identity"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    MikeyInitiatorConfig icfg = initiator_config (MIKEY_MODE_DH, &alice);
    MikeyResponderConfig rcfg = responder_config (MIKEY_MODE_DH);
    MikeyInitiator *init;
    MikeyResponder *resp;
    MikeyStep step;
    GError *err = NULL;

    /* checked against the CAs, and against bob's identity */
    icfg.peer_cert = NULL;
    icfg.id_r = "sip:bob@example.org";
    rcfg.key = cases[i].responder->key;
    rcfg.certs = cases[i].responder->certs;
    init = mikey_initiator_new (&icfg, NULL);
    resp = mikey_responder_new (&rcfg, NULL);
    fail_unless (init != NULL && resp != NULL);
    fail_unless_equals_int (run (init, resp, &step, NULL, &err),
        MIKEY_RESPONSE_ACCEPTED);
    fail_unless (step == MIKEY_STEP_FAILED, "%u: step %d", i, step);
    fail_unless (g_error_matches (err, MIKEY_ERROR, cases[i].code), "%u: %s",
        i, err ? err->message : "no error");
    fail_unless (strstr (err->message, cases[i].expect) != NULL, "%s",
        err->message);
    g_clear_error (&err);
    mikey_initiator_free (init);
    mikey_responder_free (resp);
  }
}

GST_END_TEST;

GST_START_TEST (test_initiator_checks_responder)
{
  MikeyInitiatorConfig icfg = initiator_config (MIKEY_MODE_DH, &alice);
  MikeyResponderConfig rcfg = responder_config (MIKEY_MODE_DH);
  MikeyInitiator *init;
  MikeyResponder *resp;
  MikeyStep step;
  GError *err = NULL;

  /* mallory answers in bob's place with an untrusted certificate */
  icfg.peer_cert = NULL;
  rcfg.key = mallory.key;
  rcfg.certs = mallory.certs;
  init = mikey_initiator_new (&icfg, NULL);
  resp = mikey_responder_new (&rcfg, NULL);
  run (init, resp, &step, NULL, &err);
  fail_unless (step == MIKEY_STEP_FAILED);
  fail_unless (err != NULL && strstr (err->message, "not trusted") != NULL,
      "%s", err ? err->message : "");
  g_clear_error (&err);
  mikey_initiator_free (init);
  mikey_responder_free (resp);

  /* expected identity not matching the (trusted) responder certificate */
  icfg.id_r = "sip:carol@example.org";
  rcfg = responder_config (MIKEY_MODE_DH);
  init = mikey_initiator_new (&icfg, NULL);
  resp = mikey_responder_new (&rcfg, NULL);
  run (init, resp, &step, NULL, &err);
  fail_unless (step == MIKEY_STEP_FAILED);
  fail_unless (err != NULL && strstr (err->message, "mismatched") != NULL,
      "%s", err ? err->message : "");
  g_clear_error (&err);
  mikey_initiator_free (init);
  mikey_responder_free (resp);
}

GST_END_TEST;

/* A certificate whose keyUsage excludes what the peer does with it */
GST_START_TEST (test_key_usage_refused)
{
  g_autofree gchar *alice_key = mikey_test_pki ("alice-key.pem");
  g_autofree gchar *bob_key = mikey_test_pki ("bob-key.pem");
  MikeyInitiatorConfig icfg = initiator_config (MIKEY_MODE_DH, &alice);
  MikeyResponderConfig rcfg = responder_config (MIKEY_MODE_DH);
  GPtrArray *enc_only = g_ptr_array_new_with_free_func ((GDestroyNotify)
      mikey_cert_unref);
  MikeyCert *bob_sign_only;
  MikeyInitiator *init;
  GError *err = NULL;

  /* DH: alice signs DHi with a key certified for key transport only; the
   * responder pins exactly that certificate, so only keyUsage is left to
   * refuse it */
  g_ptr_array_add (enc_only, mikey_test_self_signed (alice_key,
          "alice (key transport only)", "keyEncipherment"));
  icfg.certs = enc_only;
  rcfg.peer_cert = g_ptr_array_index (enc_only, 0);
  check_refused (&icfg, &rcfg, MIKEY_ERROR_CERT_USAGE,
      "may not be used for signatures (no digitalSignature)");

  /* PKE: the responder's certificate does not allow key transport, so the
   * initiator does not encrypt an envelope key to it */
  bob_sign_only = mikey_test_self_signed (bob_key, "bob (signing only)",
      "digitalSignature");
  icfg = initiator_config (MIKEY_MODE_PKE, &alice);
  icfg.peer_cert = bob_sign_only;
  init = mikey_initiator_new (&icfg, NULL);
  fail_unless (init != NULL);
  fail_if (mikey_initiator_start (init, NOW, &err) != NULL);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_CERT_USAGE));
  fail_unless (strstr (err->message, "may not be used to encrypt a key") !=
      NULL, "%s", err->message);
  g_clear_error (&err);
  mikey_initiator_free (init);

  mikey_cert_unref (bob_sign_only);
  g_ptr_array_unref (enc_only);
}

GST_END_TEST;

GST_START_TEST (test_dhhmac_wrong_psk)
{
  static const guint8 other[] = "not the shared secret";
  MikeyInitiatorConfig icfg = initiator_config (MIKEY_MODE_DHHMAC, &alice);
  MikeyResponderConfig rcfg = responder_config (MIKEY_MODE_DHHMAC);

  rcfg.psk = other;
  rcfg.psk_len = sizeof (other) - 1;
  check_refused (&icfg, &rcfg, MIKEY_ERROR_AUTH, "MAC");
}

GST_END_TEST;

/* Flip one byte inside the DH value of a message or its answer */
static void
flip_dh_byte (guint8 * data, gsize len, const MikeyMessage * msg, guint nth)
{
  guint idx = 0, i;
  const MikeyPayload *dh = NULL;
  gssize end;

  for (i = 0; i <= nth; i++, idx++)
    dh = mikey_message_find (msg, MIKEY_PT_DH, &idx);
  fail_unless (dh != NULL);
  end = mikey_payload_end_offset (msg, idx - 1, NULL);
  fail_unless (end > 0 && (gsize) end <= len);
  /* the value ends before the reserved|KV byte and any KV data */
  data[end - 1 - (dh->u.dh.kv_spi.len ? dh->u.dh.kv_spi.len + 1 : 0) - 5] ^=
      0x10;
}

GST_START_TEST (test_tampered_dh_values)
{
  MikeyInitiatorConfig icfg = initiator_config (MIKEY_MODE_DH, &alice);
  MikeyResponderConfig rcfg = responder_config (MIKEY_MODE_DH);
  MikeyInitiator *init = mikey_initiator_new (&icfg, NULL);
  MikeyResponder *resp = mikey_responder_new (&rcfg, NULL);
  GBytes *msg = mikey_initiator_start (init, NOW, NULL);
  GBytes *reply = NULL, *next = NULL;
  MikeyMessage *parsed;
  guint8 *copy;
  gsize len;
  GError *err = NULL;

  /* DHi changed in transit: the initiator's signature no longer holds */
  copy = g_bytes_unref_to_data (g_bytes_ref (msg), &len);
  parsed = mikey_message_parse (copy, len, NULL);
  flip_dh_byte (copy, len, parsed, 0);
  fail_unless_equals_int (mikey_responder_handle_init (resp, copy, len, "a",
          NOW, &reply, &err), MIKEY_RESPONSE_REFUSED);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_AUTH), "%s",
      err->message);
  g_clear_error (&err);
  g_clear_pointer (&reply, g_bytes_unref);
  mikey_message_free (parsed);
  g_free (copy);

  /* DHr changed in the answer: the responder's signature no longer holds */
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "a", NOW,
          &reply, NULL), MIKEY_RESPONSE_ACCEPTED);
  copy = g_bytes_unref_to_data (reply, &len);
  parsed = mikey_message_parse (copy, len, NULL);
  flip_dh_byte (copy, len, parsed, 0);
  fail_unless_equals_int (mikey_initiator_step (init, copy, len, NOW, &next,
          &err), MIKEY_STEP_FAILED);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_AUTH), "%s",
      err->message);
  g_clear_error (&err);
  mikey_message_free (parsed);
  g_free (copy);
  g_bytes_unref (msg);
  mikey_initiator_free (init);
  mikey_responder_free (resp);
}

GST_END_TEST;

GST_START_TEST (test_dh_replay)
{
  MikeyInitiatorConfig icfg = initiator_config (MIKEY_MODE_DH, &alice);
  MikeyResponderConfig rcfg = responder_config (MIKEY_MODE_DH);
  MikeyInitiator *init = mikey_initiator_new (&icfg, NULL);
  MikeyResponder *resp = mikey_responder_new (&rcfg, NULL);
  GBytes *msg = mikey_initiator_start (init, NOW, NULL);
  GError *err = NULL;

  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "a", NOW,
          NULL, NULL), MIKEY_RESPONSE_ACCEPTED);
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "b", NOW,
          NULL, &err), MIKEY_RESPONSE_REFUSED);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_REPLAY));
  g_clear_error (&err);
  g_bytes_unref (msg);
  mikey_initiator_free (init);
  mikey_responder_free (resp);
}

GST_END_TEST;

/* With COUNTER timestamps, the counter belongs to the verified certificate
 * (PKE, DH) or the pre-shared key (DHHMAC): the same message from another
 * address is a replay, and addresses take no room in the cache */
GST_START_TEST (test_counter_replay_per_sender)
{
  static const MikeyMode modes[] = { MIKEY_MODE_PKE, MIKEY_MODE_DH,
    MIKEY_MODE_DHHMAC
  };
  guint m;

  for (m = 0; m < G_N_ELEMENTS (modes); m++) {
    MikeyReplayCache *cache = mikey_replay_cache_new (0, 0);
    MikeyInitiatorConfig icfg = initiator_config (modes[m], &alice);
    MikeyResponderConfig rcfg = responder_config (modes[m]);
    MikeyInitiator *init, *init2;
    MikeyResponder *resp;
    GBytes *msg, *msg2;
    GError *err = NULL;
    guint n_counters = 0, n_digests = 1;
    gchar peer[32];
    guint i;

    icfg.ts_type = MIKEY_TS_COUNTER;
    icfg.counter = 100;
    rcfg.replay = cache;
    init = mikey_initiator_new (&icfg, NULL);
    resp = mikey_responder_new (&rcfg, NULL);
    msg = mikey_initiator_start (init, NOW, NULL);
    fail_unless (msg != NULL);
    fail_unless_equals_int (mikey_responder_handle_init (resp,
            g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "a:1", NOW,
            NULL, NULL), MIKEY_RESPONSE_ACCEPTED);
    for (i = 0; i < 50; i++) {
      g_snprintf (peer, sizeof (peer), "a:%u", i + 2);
      fail_unless_equals_int (mikey_responder_handle_init (resp,
              g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), peer, NOW,
              NULL, &err), MIKEY_RESPONSE_REFUSED);
      fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_REPLAY),
          "%s: %s", mikey_mode_name (modes[m]), err->message);
      g_clear_error (&err);
    }
    mikey_replay_cache_get_sizes (cache, &n_digests, &n_counters);
    fail_unless_equals_int (n_counters, 1);
    fail_unless_equals_int (n_digests, 0);

    /* the next counter of the same sender is accepted from anywhere */
    icfg.counter = 101;
    init2 = mikey_initiator_new (&icfg, NULL);
    msg2 = mikey_initiator_start (init2, NOW, NULL);
    fail_unless_equals_int (mikey_responder_handle_init (resp,
            g_bytes_get_data (msg2, NULL), g_bytes_get_size (msg2), "b:9",
            NOW, NULL, NULL), MIKEY_RESPONSE_ACCEPTED);

    g_bytes_unref (msg);
    g_bytes_unref (msg2);
    mikey_initiator_free (init);
    mikey_initiator_free (init2);
    mikey_responder_free (resp);
    mikey_replay_cache_free (cache);
  }
}

GST_END_TEST;

static const MikeySuiteInfo *
suite (const gchar * name)
{
  return mikey_suite_lookup (name);
}

GST_START_TEST (test_negotiation_seed_table)
{
  /* seed 001, Table 4 */
  MikeyMode alice_modes[] = { MIKEY_MODE_PSK, MIKEY_MODE_PKE, MIKEY_MODE_DH };
  const MikeySuiteInfo *alice_suites[] = {
    suite ("AES_CM_128_HMAC_SHA1_80"), suite ("AES_CM_128_HMAC_SHA1_32")
  };
  MikeyMode bob_modes[] = { MIKEY_MODE_PKE, MIKEY_MODE_DH, MIKEY_MODE_PSK };
  const MikeySuiteInfo *bob_suites[] = {
    suite ("AES_CM_128_HMAC_SHA1_32"), suite ("AES_F8_128_HMAC_SHA1_80")
  };
  MikeyInitiatorConfig icfg = initiator_config (MIKEY_MODE_PSK, &alice);
  MikeyResponderConfig rcfg = responder_config (MIKEY_MODE_PSK);
  MikeyInitiator *init;
  MikeyResponder *resp;
  MikeyStep step;
  guint trips;
  GError *err = NULL;

  icfg.modes = alice_modes;
  icfg.n_modes = 3;
  icfg.suites = alice_suites;
  icfg.n_suites = 2;
  rcfg.modes = bob_modes;
  rcfg.n_modes = 3;
  rcfg.suites = bob_suites;
  rcfg.n_suites = 2;
  init = mikey_initiator_new (&icfg, &err);
  fail_unless (init != NULL, "%s", err ? err->message : "");
  resp = mikey_responder_new (&rcfg, &err);
  fail_unless (resp != NULL, "%s", err ? err->message : "");

  fail_unless_equals_int (run (init, resp, &step, &trips, &err),
      MIKEY_RESPONSE_ACCEPTED);
  fail_unless (step == MIKEY_STEP_COMPLETE, "%s", err ? err->message : "");
  /* at most one extra round trip */
  fail_unless_equals_int (trips, 2);
  fail_unless_equals_int (mikey_initiator_get_mode (init), MIKEY_MODE_PKE);
  fail_unless_equals_int (mikey_responder_get_mode (resp), MIKEY_MODE_PKE);
  fail_unless_equals_string (mikey_initiator_get_suite (init)->name,
      "AES_CM_128_HMAC_SHA1_32");
  fail_unless_equals_string (mikey_responder_get_suite (resp)->name,
      "AES_CM_128_HMAC_SHA1_32");
  assert_same_keys (mikey_initiator_get_srtp_params (init),
      mikey_responder_get_srtp_params (resp));
  mikey_initiator_free (init);
  mikey_responder_free (resp);
}

GST_END_TEST;

GST_START_TEST (test_negotiation_choose_rules)
{
  MikeyOffer a = { 0 }, b = { 0 };
  MikeyMode m;
  MikeySuite s;

  /* equal sums: the initiator's order wins */
  a.n_modes = 2;
  a.modes[0] = MIKEY_MODE_DH;
  a.modes[1] = MIKEY_MODE_PSK;
  b.n_modes = 2;
  b.modes[0] = MIKEY_MODE_PSK;
  b.modes[1] = MIKEY_MODE_DH;
  a.n_suites = b.n_suites = 1;
  a.suites[0] = b.suites[0] = MIKEY_SUITE_AEAD_AES_128_GCM;
  fail_unless (mikey_offer_choose (&a, &b, &m, &s));
  fail_unless_equals_int (m, MIKEY_MODE_DH);
  fail_unless_equals_int (s, MIKEY_SUITE_AEAD_AES_128_GCM);

  /* F8 is never chosen even when it is everyone's first choice */
  a.n_suites = b.n_suites = 2;
  a.suites[0] = b.suites[0] = MIKEY_SUITE_F8_128_HMAC_SHA1_80;
  a.suites[1] = b.suites[1] = MIKEY_SUITE_AES_CM_128_HMAC_SHA1_80;
  fail_unless (mikey_offer_choose (&a, &b, &m, &s));
  fail_unless_equals_int (s, MIKEY_SUITE_AES_CM_128_HMAC_SHA1_80);

  /* nothing in common */
  b.n_modes = 1;
  b.modes[0] = MIKEY_MODE_PKE;
  fail_if (mikey_offer_choose (&a, &b, &m, &s));
}

GST_END_TEST;

GST_START_TEST (test_priority_list_parsing)
{
  MikeyMode modes[MIKEY_MAX_CHOICES];
  const MikeySuiteInfo *suites[MIKEY_MAX_CHOICES];
  gchar *bad = NULL;
  guint n;

  fail_unless_equals_int (mikey_mode_list_parse (" pke, dh,,psk ", modes, &n,
          &bad), MIKEY_LIST_OK);
  fail_unless_equals_int (n, 3);
  fail_unless (modes[0] == MIKEY_MODE_PKE && modes[2] == MIKEY_MODE_PSK);
  fail_unless_equals_int (mikey_mode_list_parse ("psk,rot13", modes, &n,
          &bad), MIKEY_LIST_UNKNOWN);
  fail_unless_equals_string (bad, "rot13");
  g_clear_pointer (&bad, g_free);
  fail_unless_equals_int (mikey_mode_list_parse ("dh,PSK,psk", modes, &n,
          &bad), MIKEY_LIST_DUPLICATE);
  fail_unless_equals_string (bad, "psk");
  g_clear_pointer (&bad, g_free);
  fail_unless_equals_int (mikey_mode_list_parse (" , ", modes, &n, &bad),
      MIKEY_LIST_EMPTY);

  /* the F8 alias names the same suite: listed twice */
  fail_unless_equals_int (mikey_suite_list_parse ("F8_128_HMAC_SHA1_80,"
          "AES_F8_128_HMAC_SHA1_80", suites, &n, &bad), MIKEY_LIST_DUPLICATE);
  fail_unless_equals_string (bad, "AES_F8_128_HMAC_SHA1_80");
  g_clear_pointer (&bad, g_free);
  fail_unless_equals_int (mikey_suite_list_parse ("AEAD_AES_128_GCM,"
          "AES_CM_128_HMAC_SHA1_80", suites, &n, &bad), MIKEY_LIST_OK);
  fail_unless (n == 2 && suites[0]->id == MIKEY_SUITE_AEAD_AES_128_GCM);
  fail_unless (bad == NULL);
}

GST_END_TEST;

GST_START_TEST (test_negotiation_nothing_common)
{
  MikeyMode alice_modes[] = { MIKEY_MODE_PSK, MIKEY_MODE_DHHMAC };
  MikeyInitiatorConfig icfg = initiator_config (MIKEY_MODE_PSK, &alice);
  MikeyResponderConfig rcfg = responder_config (MIKEY_MODE_PKE);
  MikeyInitiator *init;
  MikeyResponder *resp;
  MikeyStep step;
  GError *err = NULL;
  GBytes *msg, *reply = NULL, *next = NULL;

  icfg.modes = alice_modes;
  icfg.n_modes = 2;
  init = mikey_initiator_new (&icfg, NULL);
  resp = mikey_responder_new (&rcfg, NULL);
  msg = mikey_initiator_start (init, NOW, NULL);
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "", NOW,
          &reply, &err), MIKEY_RESPONSE_REFUSED);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_NO_COMMON),
      "%s", err->message);
  fail_unless (strstr (err->message, "in common") != NULL, "%s", err->message);
  g_clear_error (&err);
  step = mikey_initiator_step (init, g_bytes_get_data (reply, NULL),
      g_bytes_get_size (reply), NOW, &next, &err);
  fail_unless_equals_int (step, MIKEY_STEP_FAILED);
  /* the peer said so: nothing in common, not merely "the peer refused" */
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_NO_COMMON),
      "%s", err->message);
  fail_unless (strstr (err->message, "no key management method and crypto "
          "suite in common") != NULL, "%s", err->message);
  fail_unless (strstr (err->message, "pke") != NULL, "%s", err->message);
  g_clear_error (&err);
  g_bytes_unref (msg);
  g_bytes_unref (reply);
  mikey_initiator_free (init);
  mikey_responder_free (resp);
}

GST_END_TEST;

/* What an RFC 3830 implementation that knows only PSK answers to a DH
 * message: an ERR "Invalid DT" without our capabilities extension. */
static GBytes *
plain_peer_refusal (GBytes * init_bytes)
{
  MikeyMessage *init = mikey_message_parse (g_bytes_get_data (init_bytes,
          NULL), g_bytes_get_size (init_bytes), NULL);
  GBytes *err = mikey_build_error_message (init, MIKEY_ERR_INVALID_DT, NULL,
      NOW);

  mikey_message_free (init);
  return err;
}

GST_START_TEST (test_fallback_to_plain_peer)
{
  MikeyMode alice_modes[] = { MIKEY_MODE_DH, MIKEY_MODE_PSK };
  MikeyInitiatorConfig icfg = initiator_config (MIKEY_MODE_PSK, &alice);
  MikeyResponderConfig rcfg = responder_config (MIKEY_MODE_PSK);
  MikeyInitiator *init;
  MikeyResponder *resp;
  GBytes *msg, *refusal, *next = NULL, *reply = NULL;
  GError *err = NULL;

  icfg.modes = alice_modes;
  icfg.n_modes = 2;
  init = mikey_initiator_new (&icfg, NULL);
  msg = mikey_initiator_start (init, NOW, NULL);
  fail_unless_equals_int (mikey_initiator_get_mode (init), MIKEY_MODE_DH);
  refusal = plain_peer_refusal (msg);
  fail_unless_equals_int (mikey_initiator_step (init,
          g_bytes_get_data (refusal, NULL), g_bytes_get_size (refusal), NOW,
          &next, &err), MIKEY_STEP_SEND);
  fail_unless_equals_int (mikey_initiator_get_mode (init), MIKEY_MODE_PSK);

  /* a single-mode responder takes the PSK message */
  resp = mikey_responder_new (&rcfg, NULL);
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (next, NULL), g_bytes_get_size (next), "", NOW,
          &reply, &err), MIKEY_RESPONSE_ACCEPTED);
  fail_unless (mikey_initiator_handle_response (init,
          g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), NOW, &err));
  assert_same_keys (mikey_initiator_get_srtp_params (init),
      mikey_responder_get_srtp_params (resp));
  g_bytes_unref (msg);
  g_bytes_unref (refusal);
  g_bytes_unref (next);
  g_bytes_unref (reply);
  mikey_initiator_free (init);
  mikey_responder_free (resp);
}

GST_END_TEST;

/* A plain peer that refuses every method we offer: nothing in common,
 * though it never said which it takes */
GST_START_TEST (test_fallback_exhausted)
{
  MikeyMode alice_modes[] = { MIKEY_MODE_DH, MIKEY_MODE_PSK };
  MikeyInitiatorConfig icfg = initiator_config (MIKEY_MODE_PSK, &alice);
  MikeyInitiator *init;
  GBytes *msg, *refusal, *next = NULL, *last = NULL;
  GError *err = NULL;

  icfg.modes = alice_modes;
  icfg.n_modes = 2;
  init = mikey_initiator_new (&icfg, NULL);
  msg = mikey_initiator_start (init, NOW, NULL);
  refusal = plain_peer_refusal (msg);
  fail_unless_equals_int (mikey_initiator_step (init,
          g_bytes_get_data (refusal, NULL), g_bytes_get_size (refusal), NOW,
          &next, &err), MIKEY_STEP_SEND);
  g_bytes_unref (refusal);
  refusal = plain_peer_refusal (next);
  fail_unless_equals_int (mikey_initiator_step (init,
          g_bytes_get_data (refusal, NULL), g_bytes_get_size (refusal), NOW,
          &last, &err), MIKEY_STEP_FAILED);
  fail_unless (last == NULL);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_NO_COMMON),
      "%s", err ? err->message : "no error");
  fail_unless (strstr (err->message, "in common") != NULL, "%s", err->message);
  g_clear_error (&err);
  g_bytes_unref (msg);
  g_bytes_unref (next);
  g_bytes_unref (refusal);
  mikey_initiator_free (init);
}

GST_END_TEST;

GST_START_TEST (test_plain_initiator_to_negotiating_responder)
{
  MikeyMode bob_modes[] = { MIKEY_MODE_PKE, MIKEY_MODE_PSK };
  MikeyInitiatorConfig icfg = initiator_config (MIKEY_MODE_PSK, &alice);
  MikeyResponderConfig rcfg = responder_config (MIKEY_MODE_PSK);
  MikeyInitiator *init = mikey_initiator_new (&icfg, NULL);
  MikeyResponder *resp;
  MikeyStep step;
  guint trips;
  GError *err = NULL;

  rcfg.modes = bob_modes;
  rcfg.n_modes = 2;
  resp = mikey_responder_new (&rcfg, NULL);
  /* no capabilities in the message: psk is accepted as it is */
  fail_unless_equals_int (run (init, resp, &step, &trips, &err),
      MIKEY_RESPONSE_ACCEPTED);
  fail_unless (step == MIKEY_STEP_COMPLETE);
  fail_unless_equals_int (trips, 1);
  mikey_initiator_free (init);
  mikey_responder_free (resp);
}

GST_END_TEST;

GST_START_TEST (test_forged_counter_proposal_cannot_downgrade)
{
  MikeyMode modes[] = { MIKEY_MODE_PKE, MIKEY_MODE_PSK };
  MikeyInitiatorConfig icfg = initiator_config (MIKEY_MODE_PKE, &alice);
  MikeyResponderConfig rcfg = responder_config (MIKEY_MODE_PKE);
  MikeyInitiator *init;
  MikeyResponder *resp;
  MikeyMessage *parsed;
  MikeyOffer forged = { 0 };
  GBytes *msg, *fake, *next = NULL, *reply = NULL;
  GError *err = NULL;

  icfg.modes = rcfg.modes = modes;
  icfg.n_modes = rcfg.n_modes = 2;
  init = mikey_initiator_new (&icfg, NULL);
  resp = mikey_responder_new (&rcfg, NULL);
  msg = mikey_initiator_start (init, NOW, NULL);

  /* an attacker answers first, "choosing" the weaker psk */
  forged.n_modes = 1;
  forged.modes[0] = MIKEY_MODE_PSK;
  forged.n_suites = 1;
  forged.suites[0] = MIKEY_SUITE_AES_CM_128_HMAC_SHA1_80;
  forged.has_choice = TRUE;
  forged.chosen_mode = MIKEY_MODE_PSK;
  forged.chosen_suite = MIKEY_SUITE_AES_CM_128_HMAC_SHA1_80;
  parsed = mikey_message_parse (g_bytes_get_data (msg, NULL),
      g_bytes_get_size (msg), NULL);
  fake = mikey_build_error_message (parsed, MIKEY_ERR_INVALID_DT, &forged, NOW);
  fail_unless_equals_int (mikey_initiator_step (init, g_bytes_get_data (fake,
              NULL), g_bytes_get_size (fake), NOW, &next, NULL),
      MIKEY_STEP_SEND);

  /* the responder sees the authenticated lists and refuses the downgrade */
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (next, NULL), g_bytes_get_size (next), "", NOW,
          &reply, &err), MIKEY_RESPONSE_COUNTER_PROPOSAL);
  fail_unless (mikey_responder_get_srtp_params (resp) == NULL);
  g_bytes_unref (next);
  next = NULL;
  /* and the initiator takes no second counter-proposal: it stops */
  fail_unless_equals_int (mikey_initiator_step (init,
          g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), NOW,
          &next, &err), MIKEY_STEP_FAILED);
  g_clear_error (&err);
  mikey_message_free (parsed);
  g_bytes_unref (msg);
  g_bytes_unref (fake);
  g_bytes_unref (reply);
  mikey_initiator_free (init);
  mikey_responder_free (resp);
}

GST_END_TEST;

GST_START_TEST (test_missing_material)
{
  MikeyInitiatorConfig icfg = { 0 };
  MikeyResponderConfig rcfg = { 0 };
  GError *err = NULL;

  icfg.mode = MIKEY_MODE_PKE;
  fail_unless (mikey_initiator_new (&icfg, &err) == NULL);
  fail_unless (strstr (err->message, "mode pke needs") != NULL);
  g_clear_error (&err);
  rcfg.mode = MIKEY_MODE_DH;
  fail_unless (mikey_responder_new (&rcfg, &err) == NULL);
  fail_unless (strstr (err->message, "mode dh needs") != NULL);
  g_clear_error (&err);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * Receiver policy: the DH groups it accepts and the initiator it expects
 * (what mikeydec refused by itself before the core did)
 * ---------------------------------------------------------------------- */

/* One initiation message of @icfg to a responder of @rcfg: the result,
 * its error, and the ERR payload number of the reply (-1 for none) */
static MikeyResponseResult
respond_once (const MikeyInitiatorConfig * icfg,
    const MikeyResponderConfig * rcfg, GError ** err, gint * err_no)
{
  g_autoptr (MikeyInitiator) init = mikey_initiator_new (icfg, NULL);
  g_autoptr (MikeyResponder) resp = mikey_responder_new (rcfg, NULL);
  g_autoptr (GBytes) msg = NULL;
  g_autoptr (GBytes) reply = NULL;
  MikeyResponseResult r;

  fail_unless (init != NULL && resp != NULL);
  msg = mikey_initiator_start (init, NOW, NULL);
  fail_unless (msg != NULL);
  r = mikey_responder_handle_init (resp, g_bytes_get_data (msg, NULL),
      g_bytes_get_size (msg), "alice", NOW, &reply, err);
  *err_no = -1;
  if (reply != NULL) {
    g_autoptr (MikeyMessage) m = mikey_message_parse (g_bytes_get_data (reply,
            NULL), g_bytes_get_size (reply), NULL);
    const MikeyPayload *e;

    fail_unless (m != NULL);
    e = mikey_message_find (m, MIKEY_PT_ERR, NULL);
    if (e != NULL)
      *err_no = e->u.err.err_no;
  }
  if (r == MIKEY_RESPONSE_ACCEPTED)
    fail_unless (mikey_responder_get_srtp_params (resp) != NULL);
  else
    fail_unless (mikey_responder_get_srtp_params (resp) == NULL);
  return r;
}

/* Refused with @code, a message holding @expect and ERR payload @err_no */
static void
check_policy_refusal (const MikeyInitiatorConfig * icfg,
    const MikeyResponderConfig * rcfg, MikeyErrorCode code,
    const gchar * expect, gint expect_err_no)
{
  GError *err = NULL;
  gint err_no;

  fail_unless_equals_int (respond_once (icfg, rcfg, &err, &err_no),
      MIKEY_RESPONSE_REFUSED);
  fail_unless (g_error_matches (err, MIKEY_ERROR, code), "code %d: %s",
      err ? err->code : -1, err ? err->message : "no error");
  fail_unless (strstr (err->message, expect) != NULL, "'%s' not in '%s'",
      expect, err->message);
  fail_unless_equals_int (err_no, expect_err_no);
  g_clear_error (&err);
}

static void
check_policy_accepts (const MikeyInitiatorConfig * icfg,
    const MikeyResponderConfig * rcfg)
{
  GError *err = NULL;
  gint err_no;

  fail_unless_equals_int (respond_once (icfg, rcfg, &err, &err_no),
      MIKEY_RESPONSE_ACCEPTED);
  fail_unless (err == NULL);
  fail_unless_equals_int (err_no, -1);
}

GST_START_TEST (test_dh_group_policy)
{
  MikeyMode modes[] = { MIKEY_MODE_DH, MIKEY_MODE_DHHMAC };
  GError *err = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (modes); i++) {
    MikeyInitiatorConfig icfg = initiator_config (modes[i], &alice);
    MikeyResponderConfig rcfg = responder_config (modes[i]);

    /* the initiator picks the 768-bit group: refused by default */
    icfg.dh_group = MIKEY_DH_GROUP_OAKLEY1;
    check_policy_refusal (&icfg, &rcfg, MIKEY_ERROR_DH_GROUP,
        "the sender uses Diffie-Hellman group 1 (768-bit, too weak unless "
        "explicitly allowed), but only groups 5 and 2 are accepted here",
        MIKEY_ERR_INVALID_DH);
    /* ... and when only other groups are listed */
    rcfg.dh_groups = MIKEY_DH_GROUP_BIT (MIKEY_DH_GROUP_OAKLEY5) |
        MIKEY_DH_GROUP_BIT (MIKEY_DH_GROUP_OAKLEY2);
    check_policy_refusal (&icfg, &rcfg, MIKEY_ERROR_DH_GROUP,
        "only groups 5 and 2 are accepted here", MIKEY_ERR_INVALID_DH);
    /* accepted once allowed by name */
    rcfg.dh_groups = MIKEY_DH_GROUP_BIT (MIKEY_DH_GROUP_OAKLEY1);
    check_policy_accepts (&icfg, &rcfg);
    rcfg.dh_groups |= MIKEY_DH_GROUP_BIT (MIKEY_DH_GROUP_OAKLEY5);
    check_policy_accepts (&icfg, &rcfg);

    /* the default takes groups 5 and 2 */
    rcfg.dh_groups = 0;
    icfg.dh_group = MIKEY_DH_GROUP_OAKLEY2;
    check_policy_accepts (&icfg, &rcfg);
    icfg.dh_group = MIKEY_DH_GROUP_OAKLEY5;
    check_policy_accepts (&icfg, &rcfg);

    /* one group only, as mikeydec's dh-group */
    rcfg.dh_groups = MIKEY_DH_GROUP_BIT (MIKEY_DH_GROUP_OAKLEY5);
    icfg.dh_group = MIKEY_DH_GROUP_OAKLEY2;
    check_policy_refusal (&icfg, &rcfg, MIKEY_ERROR_DH_GROUP,
        "the sender uses Diffie-Hellman group 2, but only group 5 is "
        "accepted here", MIKEY_ERR_INVALID_DH);
  }

  /* a group this version does not know cannot be allowed */
  {
    MikeyResponderConfig rcfg = responder_config (MIKEY_MODE_DH);

    rcfg.dh_groups = MIKEY_DH_GROUP_BIT (3);
    fail_unless (mikey_responder_new (&rcfg, &err) == NULL);
    fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_SETTINGS));
    g_clear_error (&err);
  }
}

GST_END_TEST;

/* PKE and DH: the initiator's certificate must be for peer_id */
GST_START_TEST (test_peer_id_certificate)
{
  MikeyMode modes[] = { MIKEY_MODE_PKE, MIKEY_MODE_DH };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (modes); i++) {
    MikeyInitiatorConfig icfg = initiator_config (modes[i], &alice);
    MikeyResponderConfig rcfg = responder_config (modes[i]);

    icfg.id_i = "sip:alice@example.org";
    rcfg.peer_id = "sip:carol@example.org";
    check_policy_refusal (&icfg, &rcfg, MIKEY_ERROR_IDENTITY,
        "mismatched identity: certificate \"CN=alice, O=MIKEY Test\" is for "
        "sip:alice@example.org, not sip:carol@example.org, the identity "
        "expected here", MIKEY_ERR_INVALID_ID);
    /* also without an ID payload: the certificate is what counts */
    icfg.id_i = NULL;
    check_policy_refusal (&icfg, &rcfg, MIKEY_ERROR_IDENTITY,
        "the identity expected here", MIKEY_ERR_INVALID_ID);

    rcfg.peer_id = "sip:alice@example.org";
    check_policy_accepts (&icfg, &rcfg);
    icfg.id_i = "sip:alice@example.org";
    check_policy_accepts (&icfg, &rcfg);

    /* an untrusted certificate is refused as such, whatever it names */
    icfg = initiator_config (modes[i], &mallory);
    check_policy_refusal (&icfg, &rcfg, MIKEY_ERROR_CERT_UNTRUSTED,
        "not trusted", MIKEY_ERR_INVALID_CERT);
  }
}

GST_END_TEST;

/* PSK, DHHMAC and NULL: the initiator's ID payload must be peer_id */
GST_START_TEST (test_peer_id_payload)
{
  MikeyMode modes[] = { MIKEY_MODE_PSK, MIKEY_MODE_DHHMAC, MIKEY_MODE_NULL };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (modes); i++) {
    MikeyInitiatorConfig icfg = initiator_config (modes[i], &alice);
    MikeyResponderConfig rcfg = responder_config (modes[i]);

    rcfg.peer_id = "sip:carol@example.org";
    icfg.id_i = "sip:alice@example.org";
    check_policy_refusal (&icfg, &rcfg, MIKEY_ERROR_IDENTITY,
        "mismatched identity: the sender is \"sip:alice@example.org\", but "
        "\"sip:carol@example.org\" is expected here", MIKEY_ERR_INVALID_ID);
    icfg.id_i = NULL;
    check_policy_refusal (&icfg, &rcfg, MIKEY_ERROR_IDENTITY,
        "mismatched identity: the sender sent no identity (ID payload), but "
        "\"sip:carol@example.org\" is expected here", MIKEY_ERR_INVALID_ID);
    /* exact bytes: a prefix is not the identity */
    icfg.id_i = "sip:carol@example.org.evil";
    check_policy_refusal (&icfg, &rcfg, MIKEY_ERROR_IDENTITY,
        "mismatched identity", MIKEY_ERR_INVALID_ID);

    icfg.id_i = "sip:carol@example.org";
    check_policy_accepts (&icfg, &rcfg);
    rcfg.peer_id = NULL;
    check_policy_accepts (&icfg, &rcfg);
  }

  /* an empty expected identity is a mistake, not "anyone" */
  {
    MikeyResponderConfig rcfg = responder_config (MIKEY_MODE_PSK);
    GError *err = NULL;

    rcfg.peer_id = "";
    fail_unless (mikey_responder_new (&rcfg, &err) == NULL);
    fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_SETTINGS));
    g_clear_error (&err);
  }
}

GST_END_TEST;

/* The sender's identity reaches the message escaped: no terminal control
 * sequence, no forged line (issue 8 item 5) */
GST_START_TEST (test_peer_id_escaped)
{
  MikeyMode modes[] = { MIKEY_MODE_PSK, MIKEY_MODE_DHHMAC };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (modes); i++) {
    MikeyInitiatorConfig icfg = initiator_config (modes[i], &alice);
    MikeyResponderConfig rcfg = responder_config (modes[i]);
    GError *err = NULL;
    gint err_no;
    const gchar *c;

    icfg.id_i = "eve\x1b[31m\r\nmikey-key-established\\\"\x7f\xc3\xa9";
    rcfg.peer_id = "sip:carol@example.org";
    fail_unless_equals_int (respond_once (&icfg, &rcfg, &err, &err_no),
        MIKEY_RESPONSE_REFUSED);
    fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_IDENTITY));
    for (c = err->message; *c != '\0'; c++)
      fail_unless (*c >= 0x20 && *c < 0x7f, "raw byte 0x%02x in '%s'",
          (guint8) * c, err->message);
    fail_unless (strstr (err->message, "the sender is \"eve\\x1b[31m\\x0d"
            "\\x0amikey-key-established\\x5c\\x22\\x7f\\xc3\\xa9\"") != NULL,
        "%s", err->message);
    fail_unless_equals_int (err_no, MIKEY_ERR_INVALID_ID);
    g_clear_error (&err);
  }
}

GST_END_TEST;

/* The MAC is checked before the identity: a forged message (wrong key)
 * claiming a wrong identity is an authentication failure, and what it
 * claims is neither compared nor printed */
GST_START_TEST (test_mac_before_identity)
{
  static const guint8 other[] = "not the shared secret";
  MikeyMode modes[] = { MIKEY_MODE_PSK, MIKEY_MODE_DHHMAC };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (modes); i++) {
    MikeyInitiatorConfig icfg = initiator_config (modes[i], &alice);
    MikeyResponderConfig rcfg = responder_config (modes[i]);
    GError *err = NULL;
    gint err_no;

    icfg.psk = other;
    icfg.psk_len = sizeof (other) - 1;
    icfg.id_i = "sip:mallory@example.org";
    rcfg.peer_id = "sip:alice@example.org";
    fail_unless_equals_int (respond_once (&icfg, &rcfg, &err, &err_no),
        MIKEY_RESPONSE_REFUSED);
    fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_AUTH),
        "code %d: %s", err->code, err->message);
    fail_if (strstr (err->message, "mallory") != NULL, "%s", err->message);
    fail_unless_equals_int (err_no, MIKEY_ERR_AUTH_FAILURE);
    g_clear_error (&err);
  }
}

GST_END_TEST;

/* PSK and DHHMAC initiators check the IDr of the answer against id_r (the
 * certificate modes check the responder's certificate) */
GST_START_TEST (test_initiator_checks_responder_id)
{
  MikeyMode modes[] = { MIKEY_MODE_PSK, MIKEY_MODE_DHHMAC };
  guint i, with_idi;

  for (i = 0; i < G_N_ELEMENTS (modes); i++) {
    for (with_idi = 0; with_idi < 2; with_idi++) {
      MikeyInitiatorConfig icfg = initiator_config (modes[i], &alice);
      MikeyResponderConfig rcfg = responder_config (modes[i]);
      MikeyInitiator *init;
      MikeyResponder *resp;
      MikeyStep step;
      GError *err = NULL;

      icfg.id_i = with_idi ? "sip:alice@example.org" : NULL;
      /* the responder names itself bob; the initiator wants carol */
      icfg.id_r = "sip:carol@example.org";
      init = mikey_initiator_new (&icfg, NULL);
      resp = mikey_responder_new (&rcfg, NULL);
      fail_unless_equals_int (run (init, resp, &step, NULL, &err),
          MIKEY_RESPONSE_ACCEPTED);
      fail_unless (step == MIKEY_STEP_FAILED);
      fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_IDENTITY),
          "%s", err ? err->message : "no error");
      fail_unless (strstr (err->message, "mismatched identity: the responder "
              "is \"sip:bob@example.org\", but \"sip:carol@example.org\" is "
              "expected here") != NULL, "%s", err->message);
      fail_unless (mikey_initiator_get_srtp_params (init) == NULL ||
          mikey_initiator_get_state (init) == MIKEY_STATE_FAILED);
      g_clear_error (&err);
      mikey_initiator_free (init);
      mikey_responder_free (resp);

      /* the right one, and a responder that does not name itself */
      icfg.id_r = "sip:bob@example.org";
      init = mikey_initiator_new (&icfg, NULL);
      resp = mikey_responder_new (&rcfg, NULL);
      run (init, resp, &step, NULL, &err);
      fail_unless (step == MIKEY_STEP_COMPLETE, "%s", err ? err->message : "");
      mikey_initiator_free (init);
      mikey_responder_free (resp);
      rcfg.id_r = NULL;
      icfg.id_r = "sip:carol@example.org";
      init = mikey_initiator_new (&icfg, NULL);
      resp = mikey_responder_new (&rcfg, NULL);
      run (init, resp, &step, NULL, &err);
      fail_unless (step == MIKEY_STEP_COMPLETE, "%s", err ? err->message : "");
      mikey_initiator_free (init);
      mikey_responder_free (resp);
    }
  }
}

GST_END_TEST;

static Suite *
exchange_pk_suite (void)
{
  Suite *s = suite_create ("mikey-exchange-pk");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_pke);
  tcase_add_test (tc, test_dh_every_group);
  tcase_add_test (tc, test_dhhmac);
  tcase_add_test (tc, test_only_responder_identity);
  tcase_add_test (tc, test_untrusted_expired_mismatched);
  tcase_add_test (tc, test_answer_refusal_codes);
  tcase_add_test (tc, test_initiator_checks_responder);
  tcase_add_test (tc, test_key_usage_refused);
  tcase_add_test (tc, test_dhhmac_wrong_psk);
  tcase_add_test (tc, test_tampered_dh_values);
  tcase_add_test (tc, test_dh_replay);
  tcase_add_test (tc, test_counter_replay_per_sender);
  tcase_add_test (tc, test_negotiation_seed_table);
  tcase_add_test (tc, test_negotiation_choose_rules);
  tcase_add_test (tc, test_priority_list_parsing);
  tcase_add_test (tc, test_negotiation_nothing_common);
  tcase_add_test (tc, test_fallback_to_plain_peer);
  tcase_add_test (tc, test_fallback_exhausted);
  tcase_add_test (tc, test_plain_initiator_to_negotiating_responder);
  tcase_add_test (tc, test_forged_counter_proposal_cannot_downgrade);
  tcase_add_test (tc, test_missing_material);
  tcase_add_test (tc, test_dh_group_policy);
  tcase_add_test (tc, test_peer_id_certificate);
  tcase_add_test (tc, test_peer_id_payload);
  tcase_add_test (tc, test_peer_id_escaped);
  tcase_add_test (tc, test_mac_before_identity);
  tcase_add_test (tc, test_initiator_checks_responder_id);
  return s;
}

GST_CHECK_MAIN (exchange_pk);
