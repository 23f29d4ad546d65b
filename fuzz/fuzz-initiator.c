/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the initiator side of every MIKEY exchange.
 *
 * Initiators of the PSK, PKE, DH and DHHMAC modes, and one that negotiates
 * among all four and three suites, are started once; each input is handed
 * to mikey_initiator_step() of every one of them as the peer's answer. An
 * initiator that the input moved out of WAIT_RESPONSE (completed, failed,
 * or restarted by a counter-proposal) is rebuilt before the next input.
 *
 * The answers in fuzz/corpus-initiator/ only get past the MAC and
 * signature checks of an initiator with the same RAND, CSB ID and DH key
 * as the one they answered. So OpenSSL's random source is replaced by a
 * seeded generator, reset before every (re)build: the initiators here are
 * exactly the ones the seeds were made with. The seeds of both corpora
 * come from this file:
 *   MIKEY_FUZZ_WRITE_SEEDS=fuzz ./build-fuzz/fuzz/fuzz-initiator
 * runs real exchanges with these initiators and responders configured as
 * in fuzz-responder.c, writes fuzz/corpus-responder/ and
 * fuzz/corpus-initiator/ and exits. Run it again whenever the core draws
 * random bytes in another order or changes what it sends.
 *
 * Properties checked besides ASan/UBSan and GLib criticals:
 *  - IGNORED leaves the initiator waiting; FAILED leaves it failed; both
 *    come with a MIKEY_ERROR GError;
 *  - COMPLETE comes with keys and no error; SEND with a new initiation
 *    message that parses and keeps our CSB ID;
 *  - a rebuilt initiator sends the same bytes as the first one.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>
#include "fuzz-rand.h"
#include "fuzz-common.h"

#include "mikey-exchange.h"
#include "mikey-suite.h"

#ifndef MIKEY_TEST_DATA
#error "MIKEY_TEST_DATA must name tests/check/data (set by fuzz/meson.build)"
#endif

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

/* Shared with fuzz-responder.c: change both or neither */
#define NOW G_GINT64_CONSTANT (1795000000000000)        /* 2026-11-18 */
static const guint8 psk[] = "mikey fuzz pre-shared key";

/* One CSB ID for every initiator: an answer made for one of them gets past
 * the CSB ID check of all the others, which then meet a message of the
 * wrong kind */
#define CSB_ID 0x6d696b65u

#define PEER "192.0.2.1:2269"

static const guint8 mki[] = { 0xca, 0xfe };
static const MikeySrtpCs one_cs[] = { {0, 0x12345678, 0} };
static const MikeySrtpCs two_cs[] = { {0, 0x12345678, 0}, {0, 0x9abcdef0, 7} };

/* ------------------------------------------------------------------------
 * A deterministic random source (splitmix64)
 * ---------------------------------------------------------------------- */

/* fuzz-rand.c */

/* ------------------------------------------------------------------------
 * Key material and configurations
 * ---------------------------------------------------------------------- */

static MikeyKey *alice_key, *bob_key;
static GPtrArray *alice_certs, *bob_certs;
static MikeyCert *bob_cert;
static MikeyTrust *trust, *evil_trust;

static const MikeyMode all_modes[] = {
  MIKEY_MODE_DH, MIKEY_MODE_PKE, MIKEY_MODE_DHHMAC, MIKEY_MODE_PSK
};

static const MikeySuiteInfo *init_suites[3];

typedef struct
{
  const gchar *name;
  guint64 seed;                 /* of the random source, per build */
  MikeyInitiatorConfig cfg;
  MikeyInitiator *init;
  GBytes *first;                /* what the first build sent */
  gboolean stale;               /* restarted: waits for another answer */
} Target;

enum
{
  T_PSK,
  T_PKE,
  T_DH,
  T_DHHMAC,
  T_NEGOTIATING,
  N_TARGETS
};

static Target targets[N_TARGETS];

G_GNUC_NORETURN static void
die (const gchar * what, GError * err)
{
  g_printerr ("fuzz-initiator: %s%s%s\n", what, err ? ": " : "",
      err ? err->message : "");
  abort ();
}

static void
load_pki (void)
{
  g_autofree gchar *root = fuzz_pki ("root-ca.pem");
  g_autofree gchar *evil = fuzz_pki ("evil-ca.pem");
  g_autofree gchar *alice = fuzz_pki ("alice.pem");
  g_autofree gchar *alice_k = fuzz_pki ("alice-key.pem");
  g_autofree gchar *bob = fuzz_pki ("bob-chain.pem");
  g_autofree gchar *bob_k = fuzz_pki ("bob-key.pem");
  GError *err = NULL;

  trust = mikey_trust_new ();
  evil_trust = mikey_trust_new ();
  if (!mikey_trust_load_file (trust, root, &err)
      || !mikey_trust_load_file (evil_trust, evil, &err)
      || !(alice_certs = mikey_cert_load_pem_file (alice, &err))
      || !(alice_key = mikey_key_load_pem_file (alice_k, NULL, &err))
      || !(bob_certs = mikey_cert_load_pem_file (bob, &err))
      || !(bob_key = mikey_key_load_pem_file (bob_k, NULL, &err)))
    die ("cannot load the test PKI from " MIKEY_TEST_DATA, err);
  bob_cert = g_ptr_array_index (bob_certs, 0);
}

/* What every initiator shares; the mode-specific fields are set after */
static MikeyInitiatorConfig
base_config (MikeyMode mode)
{
  MikeyInitiatorConfig c = { 0 };

  c.mode = mode;
  c.psk = psk;
  c.psk_len = sizeof (psk) - 1;
  c.csb_id = CSB_ID;
  c.mki = mki;
  c.mki_len = sizeof (mki);
  c.cs = one_cs;
  c.n_cs = G_N_ELEMENTS (one_cs);
  c.id_i = "sip:alice@example.org";
  c.id_r = "sip:bob@example.org";
  c.key = alice_key;
  c.certs = alice_certs;
  c.trust = trust;
  if (mode == MIKEY_MODE_PKE)
    c.peer_cert = bob_cert;
  return c;
}

static void
setup_targets (void)
{
  guint i;

  init_suites[0] = mikey_suite_get (MIKEY_SUITE_AES_CM_128_HMAC_SHA1_80);
  init_suites[1] = mikey_suite_get (MIKEY_SUITE_AES_CM_128_HMAC_SHA1_32);
  init_suites[2] = mikey_suite_get (MIKEY_SUITE_AES_256_CM_HMAC_SHA1_80);

  targets[T_PSK].name = "psk";
  targets[T_PSK].cfg = base_config (MIKEY_MODE_PSK);
  targets[T_PKE].name = "pke";
  targets[T_PKE].cfg = base_config (MIKEY_MODE_PKE);
  targets[T_DH].name = "dh";
  targets[T_DH].cfg = base_config (MIKEY_MODE_DH);
  targets[T_DHHMAC].name = "dhhmac";
  targets[T_DHHMAC].cfg = base_config (MIKEY_MODE_DHHMAC);
  targets[T_NEGOTIATING].name = "negotiating";
  targets[T_NEGOTIATING].cfg = base_config (MIKEY_MODE_DH);
  targets[T_NEGOTIATING].cfg.modes = all_modes;
  targets[T_NEGOTIATING].cfg.n_modes = G_N_ELEMENTS (all_modes);
  targets[T_NEGOTIATING].cfg.suites = init_suites;
  /* PKE needs it; with it DH answers are checked against it, not the CAs */
  targets[T_NEGOTIATING].cfg.peer_cert = bob_cert;
  targets[T_NEGOTIATING].cfg.n_suites = G_N_ELEMENTS (init_suites);
  for (i = 0; i < N_TARGETS; i++)
    targets[i].seed = 1000 + i;
}

/* A started initiator, identical on every call for the same @seed */
static MikeyInitiator *
start (const gchar * name, const MikeyInitiatorConfig * cfg, guint64 seed,
    GBytes ** msg)
{
  MikeyInitiator *init;
  GError *err = NULL;

  fuzz_rand_reset (seed);
  init = mikey_initiator_new (cfg, &err);
  if (init == NULL)
    die (name, err);
  *msg = mikey_initiator_start (init, NOW, &err);
  if (*msg == NULL)
    die (name, err);
  return init;
}

static void
build (Target * t)
{
  GBytes *msg;

  if (t->init != NULL)
    mikey_initiator_free (t->init);
  t->init = start (t->name, &t->cfg, t->seed, &msg);
  t->stale = FALSE;
  if (t->first == NULL)
    t->first = g_bytes_ref (msg);
  /* the seeds answer this message: it must not change */
  fuzz_check (g_bytes_equal (msg, t->first), t->name,
      "a rebuilt initiator sends other bytes (random source not "
      "deterministic?)");
  g_bytes_unref (msg);
}

/* ------------------------------------------------------------------------
 * Seeds: MIKEY_FUZZ_WRITE_SEEDS=<fuzz dir>
 * ---------------------------------------------------------------------- */

static void
write_seed (const gchar * dir, const gchar * corpus, const gchar * name,
    GBytes * bytes)
{
  g_autofree gchar *sub = g_build_filename (dir, corpus, NULL);
  g_autofree gchar *file = g_strdup_printf ("%s.bin", name);
  g_autofree gchar *path = g_build_filename (sub, file, NULL);
  GError *err = NULL;
  gsize len;
  const gchar *data = g_bytes_get_data (bytes, &len);

  g_mkdir_with_parents (sub, 0755);
  if (!g_file_set_contents (path, data, len, &err))
    die (path, err);
  g_print ("%s (%" G_GSIZE_FORMAT " bytes)\n", path, len);
}

static MikeyResponder *
responder (const MikeyResponderConfig * base, MikeyMode mode)
{
  MikeyResponderConfig c = *base;
  MikeyResponder *r;
  GError *err = NULL;

  c.mode = mode;
  r = mikey_responder_new (&c, &err);
  if (r == NULL)
    die ("responder", err);
  return r;
}

/* Hands @msg to @resp and writes its answer as corpus-initiator/@name;
 * returns the answer (NULL when there is none) */
static GBytes *
answer (const gchar * dir, const gchar * name, MikeyResponder * resp,
    GBytes * msg, gint64 now, MikeyResponseResult expect)
{
  GBytes *reply = NULL;
  GError *err = NULL;
  MikeyResponseResult res;

  fuzz_rand_reset (2000);
  res = mikey_responder_handle_init (resp, g_bytes_get_data (msg, NULL),
      g_bytes_get_size (msg), PEER, now, &reply, &err);
  if (res != expect) {
    g_printerr ("%s: responder result %d, expected %d\n", name, res, expect);
    die (name, err);
  }
  g_clear_error (&err);
  if (reply != NULL)
    write_seed (dir, "corpus-initiator", name, reply);
  return reply;
}

/* The initiator must take @reply the way the fuzzer's copy would */
static void
expect_step (MikeyInitiator * init, GBytes * reply, MikeyStep expect,
    GBytes ** next, const gchar * name)
{
  GError *err = NULL;
  MikeyStep step;

  step = mikey_initiator_step (init, g_bytes_get_data (reply, NULL),
      g_bytes_get_size (reply), NOW, next, &err);
  if (step != expect) {
    g_printerr ("%s: initiator step %d, expected %d\n", name, step, expect);
    die (name, err);
  }
  g_clear_error (&err);
}

/* One initiator of @cfg against @resp: the initiation message for the
 * responder corpus (unless @init_seed is FALSE: the same initiator has
 * written it already), the answer for the initiator corpus; returns the
 * answer, if any */
static GBytes *
exchange (const gchar * dir, const gchar * name,
    const MikeyInitiatorConfig * cfg, guint64 seed, gboolean init_seed,
    MikeyResponder * resp, MikeyResponseResult expect_res,
    MikeyStep expect_step_res)
{
  g_autofree gchar *init_name = g_strdup_printf ("%s-init", name);
  g_autofree gchar *reply_name = g_strdup_printf ("%s-answer", name);
  GBytes *msg, *reply, *next = NULL;
  MikeyInitiator *init = start (name, cfg, seed, &msg);

  if (init_seed)
    write_seed (dir, "corpus-responder", init_name, msg);
  reply = answer (dir, reply_name, resp, msg, NOW, expect_res);
  if (reply != NULL)
    expect_step (init, reply, expect_step_res, &next, name);
  if (next != NULL)
    g_bytes_unref (next);
  g_bytes_unref (msg);
  mikey_initiator_free (init);
  return reply;
}

static void
drop (GBytes * bytes)
{
  if (bytes != NULL)
    g_bytes_unref (bytes);
}

static void
write_seeds (const gchar * dir)
{
  static const MikeyMode resp_modes[] = {
    MIKEY_MODE_PSK, MIKEY_MODE_DHHMAC
  };
  static const MikeyMode null_only[] = { MIKEY_MODE_NULL };
  static const MikeySuiteInfo *resp_suites[2];
  static const guint8 wrong_psk[] = "not the pre-shared key";
  MikeyResponderConfig rc = { 0 };
  MikeyInitiatorConfig c;
  MikeyResponder *r;
  MikeyInitiator *init;
  GBytes *msg, *reply, *next = NULL;
  guint i;

  /* responders keyed as in fuzz-responder.c */
  rc.psk = psk;
  rc.psk_len = sizeof (psk) - 1;
  rc.key = bob_key;
  rc.certs = bob_certs;
  rc.trust = trust;
  rc.id_r = "sip:bob@example.org";

  /* 1. the fuzzer's own initiators against a responder of their mode:
   * these answers take them all the way to COMPLETE */
  for (i = 0; i < T_NEGOTIATING; i++) {
    Target *t = &targets[i];

    r = responder (&rc, t->cfg.mode);
    reply = exchange (dir, t->name, &t->cfg, t->seed, TRUE, r,
        MIKEY_RESPONSE_ACCEPTED, MIKEY_STEP_COMPLETE);
    /* not an initiation message: for the responder to refuse */
    if (i == T_PSK)
      write_seed (dir, "corpus-responder", "psk-answer", reply);
    drop (reply);
    mikey_responder_free (r);
  }

  /* 2. negotiation, with the fuzzer's negotiating initiator (DH first) */
  resp_suites[0] = mikey_suite_get (MIKEY_SUITE_AES_CM_128_HMAC_SHA1_32);
  resp_suites[1] = mikey_suite_get (MIKEY_SUITE_AES_256_CM_HMAC_SHA1_80);
  {
    Target *t = &targets[T_NEGOTIATING];
    MikeyResponderConfig nc = rc;

    /* a responder whose best pair is not the initiator's first choice
     * (DHHMAC, which ties with PSK and wins on the initiator's order, and
     * AES_CM_128_HMAC_SHA1_32): counter-proposal, then the second
     * initiation message and its answer */
    nc.modes = resp_modes;
    nc.n_modes = G_N_ELEMENTS (resp_modes);
    nc.suites = resp_suites;
    nc.n_suites = G_N_ELEMENTS (resp_suites);
    r = responder (&nc, MIKEY_MODE_PSK);
    init = start (t->name, &t->cfg, t->seed, &msg);
    write_seed (dir, "corpus-responder", "negotiating-init", msg);
    reply = answer (dir, "negotiating-counter-proposal", r, msg, NOW,
        MIKEY_RESPONSE_COUNTER_PROPOSAL);
    expect_step (init, reply, MIKEY_STEP_SEND, &next, t->name);
    write_seed (dir, "corpus-responder", "negotiating-second-init", next);
    g_bytes_unref (reply);
    reply = answer (dir, "negotiating-second-answer", r, next, NOW,
        MIKEY_RESPONSE_ACCEPTED);
    g_bytes_unref (next);
    expect_step (init, reply, MIKEY_STEP_COMPLETE, &next, t->name);
    g_bytes_unref (reply);
    g_bytes_unref (msg);
    mikey_initiator_free (init);
    mikey_responder_free (r);

    /* a responder that takes the first choice: a DH answer carrying no
     * choice, for the negotiating initiator's own message */
    r = responder (&rc, MIKEY_MODE_DH);
    init = start (t->name, &t->cfg, t->seed, &msg);
    reply = answer (dir, "negotiating-accepted-answer", r, msg, NOW,
        MIKEY_RESPONSE_ACCEPTED);
    expect_step (init, reply, MIKEY_STEP_COMPLETE, &next, t->name);
    g_bytes_unref (reply);
    g_bytes_unref (msg);
    mikey_initiator_free (init);
    mikey_responder_free (r);

    /* nothing in common: an error carrying the capabilities and "none" */
    nc = rc;
    nc.modes = null_only;
    nc.n_modes = 1;
    r = responder (&nc, MIKEY_MODE_NULL);
    init = start (t->name, &t->cfg, t->seed, &msg);
    reply = answer (dir, "negotiating-no-common", r, msg, NOW,
        MIKEY_RESPONSE_REFUSED);
    expect_step (init, reply, MIKEY_STEP_FAILED, &next, t->name);
    g_bytes_unref (reply);
    g_bytes_unref (msg);
    mikey_initiator_free (init);
    mikey_responder_free (r);
  }

  /* 3. refusals, all answering the fuzzer's initiators' messages */
  /* a DH offer without capabilities to a PSK-only responder: "invalid
   * data type" with our capabilities, from which a negotiating initiator
   * falls back */
  r = responder (&rc, MIKEY_MODE_PSK);
  drop (exchange (dir, "err-invalid-dt", &targets[T_DH].cfg, targets[T_DH].seed,
          FALSE, r, MIKEY_RESPONSE_REFUSED, MIKEY_STEP_FAILED));
  mikey_responder_free (r);
  /* wrong pre-shared key: authentication failure */
  {
    MikeyResponderConfig wc = rc;

    wc.psk = wrong_psk;
    wc.psk_len = sizeof (wrong_psk) - 1;
    r = responder (&wc, MIKEY_MODE_PSK);
    drop (exchange (dir, "err-auth", &targets[T_PSK].cfg, targets[T_PSK].seed,
            FALSE, r, MIKEY_RESPONSE_REFUSED, MIKEY_STEP_FAILED));
    mikey_responder_free (r);
    /* an initiator the responder does not trust: invalid certificate */
    wc = rc;
    wc.trust = evil_trust;
    r = responder (&wc, MIKEY_MODE_DH);
    drop (exchange (dir, "err-cert", &targets[T_DH].cfg, targets[T_DH].seed,
            FALSE, r, MIKEY_RESPONSE_REFUSED, MIKEY_STEP_FAILED));
    mikey_responder_free (r);
  }
  /* a responder whose clock is an hour ahead: invalid timestamp */
  r = responder (&rc, MIKEY_MODE_PSK);
  init = start ("psk", &targets[T_PSK].cfg, targets[T_PSK].seed, &msg);
  reply = answer (dir, "err-stale-answer", r, msg,
      NOW + G_GINT64_CONSTANT (3600000000), MIKEY_RESPONSE_REFUSED);
  write_seed (dir, "corpus-responder", "err-stale-answer", reply);
  expect_step (init, reply, MIKEY_STEP_FAILED, &next, "psk");
  g_bytes_unref (reply);
  g_bytes_unref (msg);
  mikey_initiator_free (init);
  mikey_responder_free (r);

  /* 4. other variants of initiation messages (and their answers, which
   * give the initiator fuzzer more message shapes) */
  c = base_config (MIKEY_MODE_NULL);
  init = start ("null", &c, 3000, &msg);
  write_seed (dir, "corpus-responder", "null-init", msg);
  g_bytes_unref (msg);
  mikey_initiator_free (init);

  c = base_config (MIKEY_MODE_PSK);
  c.enc_alg = MIKEY_ENC_AES_KW_128;
  c.ts_type = MIKEY_TS_COUNTER;
  c.counter = 42;
  c.cs = two_cs;
  c.n_cs = G_N_ELEMENTS (two_cs);
  r = responder (&rc, MIKEY_MODE_PSK);
  drop (exchange (dir, "psk-aeskw-counter-2cs", &c, 3001, TRUE, r,
          MIKEY_RESPONSE_ACCEPTED, MIKEY_STEP_COMPLETE));
  mikey_responder_free (r);

  c = base_config (MIKEY_MODE_PSK);
  c.no_verify = TRUE;
  c.id_i = c.id_r = NULL;
  c.mki = NULL;
  c.mki_len = 0;
  c.cs = NULL;
  c.n_cs = 0;
  c.suite = mikey_suite_get (MIKEY_SUITE_AEAD_AES_128_GCM);
  {
    static const guint8 tek[28] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

    c.tek = tek;
    c.tek_len = sizeof (tek);
    init = start ("psk-tek", &c, 3002, &msg);
    write_seed (dir, "corpus-responder", "psk-tek-gcm-noverify-init", msg);
    g_bytes_unref (msg);
    mikey_initiator_free (init);
  }

  c = base_config (MIKEY_MODE_PKE);
  c.sign_type = MIKEY_SIGN_RSA_PSS;
  r = responder (&rc, MIKEY_MODE_PKE);
  drop (exchange (dir, "pke-pss", &c, 3003, TRUE, r, MIKEY_RESPONSE_ACCEPTED,
          MIKEY_STEP_COMPLETE));
  mikey_responder_free (r);

  for (i = MIKEY_DH_GROUP_OAKLEY1; i <= MIKEY_DH_GROUP_OAKLEY2; i++) {
    g_autofree gchar *name = g_strdup_printf ("dh-group%u-pss", i);
    MikeyResponderConfig pc = rc;

    c = base_config (MIKEY_MODE_DH);
    c.dh_group = i;
    c.sign_type = MIKEY_SIGN_RSA_PSS;
    pc.sign_type = MIKEY_SIGN_RSA_PSS;
    /* OAKLEY 1 only when allowed by name */
    pc.dh_groups = MIKEY_DH_GROUP_BIT (i);
    r = responder (&pc, MIKEY_MODE_DH);
    drop (exchange (dir, name, &c, 3004 + i, TRUE, r, MIKEY_RESPONSE_ACCEPTED,
            MIKEY_STEP_COMPLETE));
    mikey_responder_free (r);
  }

  c = base_config (MIKEY_MODE_DHHMAC);
  c.dh_group = MIKEY_DH_GROUP_OAKLEY2;
  r = responder (&rc, MIKEY_MODE_DHHMAC);
  drop (exchange (dir, "dhhmac-group2", &c, 3010, TRUE, r,
          MIKEY_RESPONSE_ACCEPTED, MIKEY_STEP_COMPLETE));
  mikey_responder_free (r);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_set_prgname ("fuzz-initiator");
  const gchar *seed_dir = g_getenv ("MIKEY_FUZZ_WRITE_SEEDS");
  guint i;

  /* a g_return_if_fail() hit is a bug too */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  fuzz_rand_install ();
  load_pki ();
  setup_targets ();
  if (seed_dir != NULL) {
    write_seeds (seed_dir);
    exit (0);
  }
  for (i = 0; i < N_TARGETS; i++)
    build (&targets[i]);
  return 0;
}

/* ------------------------------------------------------------------------
 * One input
 * ---------------------------------------------------------------------- */

static void
feed (Target * t, const guint8 * data, gsize size)
{
  MikeyExchangeState state;
  GBytes *next = NULL;
  GError *err = NULL;
  MikeyStep step;

  if (t->stale
      || mikey_initiator_get_state (t->init) != MIKEY_STATE_WAIT_RESPONSE)
    build (t);
  /* a counter-proposal makes the initiator draw new random values */
  fuzz_rand_reset (t->seed + 100);
  step = mikey_initiator_step (t->init, data, size, NOW, &next, &err);
  state = mikey_initiator_get_state (t->init);
  switch (step) {
    case MIKEY_STEP_IGNORED:
      fuzz_check_error (t->name, err);
      fuzz_check (state == MIKEY_STATE_WAIT_RESPONSE && next == NULL, t->name,
          "an ignored message changed the state");
      break;
    case MIKEY_STEP_FAILED:
      fuzz_check_error (t->name, err);
      fuzz_check (state == MIKEY_STATE_FAILED && next == NULL, t->name,
          "failed but not in the failed state");
      break;
    case MIKEY_STEP_COMPLETE:
      fuzz_check (err == NULL, t->name, "completed with an error");
      fuzz_check (state == MIKEY_STATE_COMPLETE
          && mikey_initiator_get_srtp_params (t->init) != NULL
          && next == NULL, t->name, "completed without keys");
      break;
    case MIKEY_STEP_SEND:{
      g_autoptr (MikeyMessage) m = NULL;

      fuzz_check (err == NULL && next != NULL, t->name,
          "restart without a message, or with an error");
      fuzz_check (state == MIKEY_STATE_WAIT_RESPONSE, t->name,
          "restarted but not waiting");
      m = mikey_message_parse (g_bytes_get_data (next, NULL),
          g_bytes_get_size (next), NULL);
      fuzz_check (m != NULL && m->hdr.csb_id == CSB_ID, t->name,
          "the new initiation message does not parse or changed CSB ID");
      /* waiting again, but for the answer to another message */
      t->stale = TRUE;
      break;
    }
    default:
      fuzz_check (FALSE, t->name, "unknown step result");
  }
  g_clear_error (&err);
  if (next != NULL)
    g_bytes_unref (next);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  guint i;

  for (i = 0; i < N_TARGETS; i++)
    feed (&targets[i], data, size);
  return 0;
}
