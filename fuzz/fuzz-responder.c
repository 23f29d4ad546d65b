/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the responder side of every MIKEY exchange.
 *
 * Each input is handed, as a received initiation message, to
 * mikey_responder_handle_init() of one responder per mode (NULL, PSK, PKE,
 * DH, DHHMAC), one DH responder that pins the initiator's certificate
 * instead of checking a chain, and one that negotiates among all modes and
 * several suites. The responders, keys and certificates (the test PKI
 * under MIKEY_TEST_DATA, compiled in) are built once; the clock is fixed at
 * the time the seeds were made.
 *
 * Properties checked besides ASan/UBSan and GLib criticals:
 *  - a refusal comes with a MIKEY_ERROR GError, an acceptance or a
 *    counter-proposal without one;
 *  - an accepted message leaves keys behind, and the same bytes from the
 *    same peer again are a retransmission answered with the same reply;
 *  - every reply parses and answers the input's CSB ID.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz-rand.h"
#include "fuzz-common.h"

#include "mikey-exchange.h"
#include "mikey-suite.h"

#ifndef MIKEY_TEST_DATA
#error "MIKEY_TEST_DATA must name tests/check/data (set by fuzz/meson.build)"
#endif

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

/* The seeds in fuzz/corpus-responder/ were made by fuzz-initiator with
 * this clock and this pre-shared key: both must stay as they are there, or
 * the seeds' timestamps are stale and their MACs wrong. */
#define NOW G_GINT64_CONSTANT (1795000000000000)        /* 2026-11-18 */
static const guint8 psk[] = "mikey fuzz pre-shared key";

#define PEER "192.0.2.1:2269"

/* Large enough never to fill up: a full cache would refuse every later
 * authenticated message and hide the code behind the replay check. */
#define REPLAY_CAPACITY (1u << 20)

/* ------------------------------------------------------------------------
 * A deterministic random source, so that an input always takes the same
 * path (DH keys and signatures of the replies included) and a crash
 * reproduces from the input alone
 * ---------------------------------------------------------------------- */

/* fuzz-rand.c */

/* ------------------------------------------------------------------------
 * Responders
 * ---------------------------------------------------------------------- */

typedef struct
{
  const gchar *name;
  MikeyResponderConfig cfg;
  MikeyReplayCache *replay;
  MikeyResponder *resp;
} Target;

static MikeyKey *bob_key;
static GPtrArray *bob_certs, *alice_certs;
static MikeyTrust *trust;

static const MikeyMode all_modes[] = {
  MIKEY_MODE_DH, MIKEY_MODE_PKE, MIKEY_MODE_DHHMAC, MIKEY_MODE_PSK,
  MIKEY_MODE_NULL
};

static const MikeySuiteInfo *suites[4];

enum
{
  T_NULL,
  T_PSK,
  T_PKE,
  T_DH,
  T_DH_PINNED,
  T_DHHMAC,
  T_NEGOTIATING,
  N_TARGETS
};

static Target targets[N_TARGETS];

static void
build (Target * t)
{
  GError *err = NULL;

  if (t->resp != NULL)
    mikey_responder_free (t->resp);
  if (t->replay != NULL)
    mikey_replay_cache_free (t->replay);
  t->replay = mikey_replay_cache_new (0, REPLAY_CAPACITY);
  t->cfg.replay = t->replay;
  t->resp = mikey_responder_new (&t->cfg, &err);
  if (t->resp == NULL) {
    g_printerr ("fuzz-responder: %s responder: %s\n", t->name, err->message);
    abort ();
  }
}

static void
setup (void)
{
  g_autofree gchar *root = fuzz_pki ("root-ca.pem");
  g_autofree gchar *chain = fuzz_pki ("bob-chain.pem");
  g_autofree gchar *key = fuzz_pki ("bob-key.pem");
  g_autofree gchar *alice = fuzz_pki ("alice.pem");
  GError *err = NULL;
  guint i;

  trust = mikey_trust_new ();
  if (!mikey_trust_load_file (trust, root, &err)
      || !(bob_certs = mikey_cert_load_pem_file (chain, &err))
      || !(bob_key = mikey_key_load_pem_file (key, NULL, &err))
      || !(alice_certs = mikey_cert_load_pem_file (alice, &err))) {
    g_printerr ("fuzz-responder: cannot load the test PKI from %s: %s\n",
        MIKEY_TEST_DATA, err->message);
    abort ();
  }
  suites[0] = mikey_suite_get (MIKEY_SUITE_AES_CM_128_HMAC_SHA1_32);
  suites[1] = mikey_suite_get (MIKEY_SUITE_AES_256_CM_HMAC_SHA1_80);
  suites[2] = mikey_suite_get (MIKEY_SUITE_AES_CM_128_HMAC_SHA1_80);
  /* listed but never chosen: the SRTP engine cannot run F8 */
  suites[3] = mikey_suite_get (MIKEY_SUITE_F8_128_HMAC_SHA1_80);

  for (i = 0; i < N_TARGETS; i++) {
    MikeyResponderConfig *c = &targets[i].cfg;

    c->psk = psk;
    c->psk_len = sizeof (psk) - 1;
    c->key = bob_key;
    c->certs = bob_certs;
    c->trust = trust;
    c->id_r = "sip:bob@example.org";
  }
  targets[T_NULL].name = "null";
  targets[T_NULL].cfg.mode = MIKEY_MODE_NULL;
  targets[T_PSK].name = "psk";
  targets[T_PSK].cfg.mode = MIKEY_MODE_PSK;
  targets[T_PKE].name = "pke";
  targets[T_PKE].cfg.mode = MIKEY_MODE_PKE;
  targets[T_DH].name = "dh";
  targets[T_DH].cfg.mode = MIKEY_MODE_DH;
  targets[T_DH].cfg.sign_type = MIKEY_SIGN_RSA_PSS;
  /* every group, so that OAKLEY 1 is fuzzed past the group check too */
  targets[T_DH].cfg.dh_groups = MIKEY_DH_GROUP_BIT (MIKEY_DH_GROUP_OAKLEY5) |
      MIKEY_DH_GROUP_BIT (MIKEY_DH_GROUP_OAKLEY2) |
      MIKEY_DH_GROUP_BIT (MIKEY_DH_GROUP_OAKLEY1);
  /* the initiator's certificate configured instead of a CA */
  targets[T_DH_PINNED].name = "dh-pinned";
  targets[T_DH_PINNED].cfg.mode = MIKEY_MODE_DH;
  targets[T_DH_PINNED].cfg.trust = NULL;
  targets[T_DH_PINNED].cfg.peer_cert = g_ptr_array_index (alice_certs, 0);
  targets[T_DHHMAC].name = "dhhmac";
  targets[T_DHHMAC].cfg.mode = MIKEY_MODE_DHHMAC;
  targets[T_NEGOTIATING].name = "negotiating";
  targets[T_NEGOTIATING].cfg.modes = all_modes;
  targets[T_NEGOTIATING].cfg.n_modes = G_N_ELEMENTS (all_modes);
  targets[T_NEGOTIATING].cfg.suites = suites;
  targets[T_NEGOTIATING].cfg.n_suites = G_N_ELEMENTS (suites);

  for (i = 0; i < N_TARGETS; i++)
    build (&targets[i]);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_set_prgname ("fuzz-responder");
  /* a g_return_if_fail() hit is a bug too */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  fuzz_rand_install ();
  fuzz_rand_reset (1);
  setup ();
  return 0;
}

/* ------------------------------------------------------------------------
 * One input
 * ---------------------------------------------------------------------- */

/* What we send must parse, and answer the exchange it was asked about */
static void
check_reply (const Target * t, GBytes * reply, const guint8 * data, gsize size)
{
  g_autoptr (MikeyMessage) in = NULL;
  g_autoptr (MikeyMessage) out = NULL;
  GError *err = NULL;
  gsize len;
  const guint8 *bytes = g_bytes_get_data (reply, &len);

  out = mikey_message_parse (bytes, len, &err);
  fuzz_check (out != NULL, t->name,
      err ? err->message : "reply does not parse");
  in = mikey_message_parse (data, size, NULL);
  fuzz_check (in != NULL, t->name, "a reply to a message that does not parse");
  fuzz_check (out->hdr.csb_id == in->hdr.csb_id, t->name,
      "reply for another CSB ID");
}

static void
feed (Target * t, const guint8 * data, gsize size)
{
  GBytes *reply = NULL, *again = NULL;
  GError *err = NULL;
  MikeyResponseResult res;

  res = mikey_responder_handle_init (t->resp, data, size, PEER, NOW, &reply,
      &err);
  switch (res) {
    case MIKEY_RESPONSE_ACCEPTED:
      fuzz_check (err == NULL, t->name, "accepted with an error");
      fuzz_check (mikey_responder_get_srtp_params (t->resp) != NULL, t->name,
          "accepted without keys");
      res = mikey_responder_handle_init (t->resp, data, size, PEER, NOW,
          &again, &err);
      fuzz_check (res == MIKEY_RESPONSE_RETRANSMISSION && err == NULL, t->name,
          "the same message again is not a retransmission");
      fuzz_check ((reply == NULL && again == NULL) || (reply && again
              && g_bytes_equal (reply, again)), t->name,
          "a retransmission gets another answer");
      g_clear_pointer (&again, g_bytes_unref);
      /* forget the exchange, so that the next input meets a responder in
       * the same state as this one did. (A refused message could leave
       * state too if it passed authentication and the replay check and
       * failed later; the fuzzer cannot authenticate, and MIKEY-NULL
       * messages are recorded in no replay table.) */
      build (t);
      break;
    case MIKEY_RESPONSE_RETRANSMISSION:
      fuzz_check (FALSE, t->name, "retransmission of a message never accepted");
      break;
    case MIKEY_RESPONSE_REFUSED:
      fuzz_check_error (t->name, err);
      g_clear_error (&err);
      break;
    case MIKEY_RESPONSE_COUNTER_PROPOSAL:
      fuzz_check (err == NULL && reply != NULL, t->name,
          "counter-proposal with an error or without a reply");
      break;
    default:
      fuzz_check (FALSE, t->name, "unknown result");
  }
  if (reply != NULL) {
    check_reply (t, reply, data, size);
    g_bytes_unref (reply);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  guint i;

  for (i = 0; i < N_TARGETS; i++) {
    fuzz_rand_reset (i + 1);
    feed (&targets[i], data, size);
  }
  return 0;
}
