/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-exchanges: MIKEY exchanges per second for every mode, beside the
 * raw OpenSSL operations the mode cannot do without.
 *
 * For each mode it times, in one process and alternating slices
 * (A B [C] A B [C] ...) so that the noise of this shared machine hits
 * every column alike:
 *   A  complete exchanges through the sans-I/O core: initiator start,
 *      responder handle_init, initiator step on the answer (the whole
 *      thing an application runs, initiator creation included);
 *   B  the raw OpenSSL operations of one exchange, called directly through
 *      EVP with everything that can be prepared once prepared once: DH key
 *      generations and derivations, RSA encryption, decryption, signatures
 *      and verifications, the HMAC-SHA-1s of the MIKEY PRF and MACs, the
 *      AES-CM of the KEMAC, the SHA-256 the replay cache keeps, the
 *      random values the initiator draws;
 *   C  (PKE and DH only) B plus the X.509 work: decoding the certificates
 *      of the CERT payloads and X509_verify_cert() of the peer's chain.
 *      The core must do it, but it is not one of the primitives the issue
 *      names, so it is a separate column rather than hidden in B.
 * Rates are medians over the rounds; overhead is (time per exchange -
 * time per raw set) / time per raw set, computed per round, median over
 * rounds. Rates count the thread's CPU time unless --wall is given.
 * Nothing here asserts on timing: it prints what it measures.
 *
 * Usage: bench-exchanges [--seconds N] [--slices N] [--only NAME] [--wall]
 *                        [--pki DIR]
 * --seconds is the wall time per measured column and mode (split into
 * --slices rounds); --pki defaults to the source tree's test data.
 * bench/README.md explains the columns.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-clock.h"
#include "bench-stats.h"
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "mikey-exchange.h"
#include "mikey-dh.h"

#ifndef MIKEY_TEST_DATA
#define MIKEY_TEST_DATA "tests/check/data"
#endif

/* Replay caches refuse new messages once full of entries younger than the
 * allowed skew (1024 by default), which a benchmark reaches in a fraction
 * of a second: responders are replaced every REFRESH exchanges, inside the
 * timed loop (that is amortised to nothing). */
#define REFRESH 512

static const guint8 psk[] = "bench pre-shared key, 32 bytes!";
static const guint8 mki[] = { 0, 0, 0, 1 };

static const MikeySrtpCs cs[] = { {0, 0x12345678, 0} };

/* ------------------------------------------------------------------------
 * Modes and the raw operations each needs
 * ---------------------------------------------------------------------- */

typedef struct
{
  const gchar *name;
  MikeyMode mode;
  guint8 sign_type;
  guint8 group;
  /* HMAC-SHA-1s of the MIKEY PRF (RFC 3830 4.1.2: two per 256-bit piece
   * of the input key per derived key of up to 160 bits), summed over both
   * sides:
   *   transport keys from a PSK / envelope key: 3 keys x 2 = 6 per side;
   *   TEK + salt per crypto session from the TGK: 2 keys x 2 x pieces per
   *   side, the TGK being 16 bytes (1 piece) in NULL/PSK/PKE and the DH
   *   secret (192/96/128 bytes: 6/3/4 pieces) in DH and DHHMAC. */
  guint n_hmac_prf;
  /* HMAC-SHA-1 over a message: KEMAC or V MACs made and checked */
  guint n_hmac_msg;
  /* AES-128-CM of the KEMAC key data: encrypt + decrypt */
  guint n_aes;
  /* SHA-1 of a DER certificate (PKE's CHASH, made and checked) */
  guint n_chash;
  /* random values the initiator draws (RAND, CSB ID, TGK, envelope key;
   * the DH and RSA operations draw their own inside OpenSSL) */
  guint n_random;
  gboolean rsa_envelope;        /* one RSA encryption and one decryption */
  guint n_sign;                 /* RSA signatures, each also verified */
  gboolean dh;                  /* two key generations, two derivations */
  /* X.509 (column C): the responder decodes and verifies the initiator's
   * chain (alice: one certificate under the root); the initiator the
   * responder's (bob: leaf and intermediate) */
  gboolean x509_at_responder;
  gboolean x509_at_initiator;
} Item;

/* The table reads better as written than as indent lays it out */
/* *INDENT-OFF* */
#define DH_ITEM(label, grp, pieces) \
  {.name = label, .mode = MIKEY_MODE_DH, \
    .sign_type = MIKEY_SIGN_RSA_PKCS1_1_5, .group = grp, \
    .n_hmac_prf = 2 * 2 * 2 * (pieces), .n_random = 2, .n_sign = 2, \
    .dh = TRUE, .x509_at_responder = TRUE, .x509_at_initiator = TRUE}

static const Item items[] = {
  /* NULL: no transport keys, no MACs; each side derives TEK and salt. The
   * initiator draws the TGK, RAND and CSB ID. */
  {.name = "null", .mode = MIKEY_MODE_NULL, .n_hmac_prf = 2 * 4,
    .n_random = 3},
  /* PSK: transport keys and TEKs on both sides; KEMAC MAC made and
   * checked, V MAC made and checked */
  {.name = "psk", .mode = MIKEY_MODE_PSK, .n_hmac_prf = 2 * (6 + 4),
    .n_hmac_msg = 4, .n_aes = 2, .n_random = 3},
  /* PKE: PSK's HMACs and AES with the envelope key (one more random
   * draw), plus the envelope RSA pair, the initiator's signature and the
   * CHASH. The initiator knows the responder's certificate (peer-cert):
   * only the responder checks a chain. */
  {.name = "pke pkcs1", .mode = MIKEY_MODE_PKE,
    .sign_type = MIKEY_SIGN_RSA_PKCS1_1_5, .n_hmac_prf = 2 * (6 + 4),
    .n_hmac_msg = 4, .n_aes = 2, .n_chash = 2, .n_random = 4,
    .rsa_envelope = TRUE, .n_sign = 1, .x509_at_responder = TRUE},
  {.name = "pke pss", .mode = MIKEY_MODE_PKE,
    .sign_type = MIKEY_SIGN_RSA_PSS, .n_hmac_prf = 2 * (6 + 4),
    .n_hmac_msg = 4, .n_aes = 2, .n_chash = 2, .n_random = 4,
    .rsa_envelope = TRUE, .n_sign = 1, .x509_at_responder = TRUE},
  /* DH: both sides sign, verify, generate and derive; TEKs from the DH
   * secret of 6, 3 or 4 PRF pieces; each side checks the other's chain
   * (trust anchors only, no pinned certificate, as with the ca-file
   * property) */
  DH_ITEM ("dh group 5", MIKEY_DH_GROUP_OAKLEY5, 6),
  DH_ITEM ("dh group 1", MIKEY_DH_GROUP_OAKLEY1, 3),
  DH_ITEM ("dh group 2", MIKEY_DH_GROUP_OAKLEY2, 4),
  /* DHHMAC: transport keys from the PSK on both sides, four message
   * MACs (KEMAC of each message made and checked), TEKs from the secret */
  {.name = "dhhmac group 5", .mode = MIKEY_MODE_DHHMAC,
    .group = MIKEY_DH_GROUP_OAKLEY5, .n_hmac_prf = 2 * 6 + 2 * 2 * 2 * 6,
    .n_hmac_msg = 4, .n_random = 2, .dh = TRUE},
};
/* *INDENT-ON* */

/* ------------------------------------------------------------------------
 * Shared state: the test PKI, loaded twice (once for the core, once as
 * plain OpenSSL objects for the raw operations)
 * ---------------------------------------------------------------------- */

typedef struct
{
  /* for the core */
  MikeyKey *alice_key, *bob_key;
  GPtrArray *alice_certs, *bob_certs;
  MikeyCert *bob_cert;
  MikeyTrust *trust;

  /* for the raw operations */
  EVP_PKEY *alice_priv, *alice_pub, *bob_priv, *bob_pub;
  X509_STORE *store;
  GPtrArray *alice_der, *bob_der;       /* of GBytes: the CERT payloads */
  EVP_MAC *hmac;
  EVP_CIPHER *aes_ctr;
  EVP_MD *sha1, *sha256;
  EVP_PKEY *dh_params[3];       /* per MikeyDhGroup */
} Pki;

static Pki pki;

G_GNUC_NORETURN static void
die (const gchar * what, GError * err)
{
  g_printerr ("bench-exchanges: %s%s%s\n", what, err ? ": " : "",
      err ? err->message : "");
  exit (1);
}

static void
check (int ok, const gchar * what)
{
  if (!ok)
    die (what, NULL);
}

static gchar *
pki_path (const gchar * dir, const gchar * name)
{
  return g_build_filename (dir, "pki", name, NULL);
}

static EVP_PKEY *
read_private (const gchar * path)
{
  BIO *bio = BIO_new_file (path, "r");
  EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL) : NULL;

  BIO_free (bio);
  check (pkey != NULL, path);
  return pkey;
}

/* Every certificate of a PEM file, as DER: what CERT payloads carry */
static GPtrArray *
read_der_chain (const gchar * path, EVP_PKEY ** leaf_key)
{
  GPtrArray *ders = g_ptr_array_new_with_free_func ((GDestroyNotify)
      g_bytes_unref);
  BIO *bio = BIO_new_file (path, "r");
  X509 *x;

  check (bio != NULL, path);
  while ((x = PEM_read_bio_X509 (bio, NULL, NULL, NULL)) != NULL) {
    guint8 *der = NULL;
    int len = i2d_X509 (x, &der);

    check (len > 0, "i2d_X509");
    if (ders->len == 0 && leaf_key != NULL)
      *leaf_key = X509_get_pubkey (x);
    g_ptr_array_add (ders, g_bytes_new (der, len));
    OPENSSL_free (der);
    X509_free (x);
  }
  BIO_free (bio);
  check (ders->len > 0, path);
  return ders;
}

/* The same key parameters as mikey_dh_new() builds (lib/mikey/
 * mikey-dh.c): p and g = 2 only, no q. That matters for fairness: from
 * these OpenSSL recognises OAKLEY 5 as its named group modp_1536 and
 * draws a short private exponent (about 200 bits), while OAKLEY 1 and 2
 * are unnamed safe-prime groups for which it draws a full-length one
 * (bits(p) - 2): group 5 keys are cheaper than group 2 keys although its
 * prime is larger. Raw keys of another kind (e.g. "modp_1536" with a
 * full exponent, or a q that makes OpenSSL use len(q) bits) would make
 * the comparison meaningless. The exponent sizes are printed at start. */
static EVP_PKEY *
dh_params_like_core (MikeyDhGroup group)
{
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new ();
  OSSL_PARAM *params;
  EVP_PKEY_CTX *ctx;
  EVP_PKEY *pkey = NULL;
  BIGNUM *p = NULL;

  check (BN_hex2bn (&p, mikey_dh_group_prime_hex (group)) > 0, "BN_hex2bn");
  check (OSSL_PARAM_BLD_push_BN (bld, OSSL_PKEY_PARAM_FFC_P, p)
      && OSSL_PARAM_BLD_push_uint (bld, OSSL_PKEY_PARAM_FFC_G, 2),
      "OSSL_PARAM_BLD");
  params = OSSL_PARAM_BLD_to_param (bld);
  ctx = EVP_PKEY_CTX_new_from_name (NULL, "DH", NULL);
  check (ctx && EVP_PKEY_fromdata_init (ctx) > 0
      && EVP_PKEY_fromdata (ctx, &pkey, EVP_PKEY_KEY_PARAMETERS, params) > 0,
      "DH parameters");
  EVP_PKEY_CTX_free (ctx);
  OSSL_PARAM_free (params);
  OSSL_PARAM_BLD_free (bld);
  BN_free (p);
  return pkey;
}

static void
load_pki (const gchar * dir)
{
  g_autofree gchar *root = pki_path (dir, "root-ca.pem");
  g_autofree gchar *alice_pem = pki_path (dir, "alice.pem");
  g_autofree gchar *alice_key = pki_path (dir, "alice-key.pem");
  g_autofree gchar *bob_chain = pki_path (dir, "bob-chain.pem");
  g_autofree gchar *bob_key = pki_path (dir, "bob-key.pem");
  GError *err = NULL;
  BIO *bio;
  X509 *ca;
  guint g;

  pki.trust = mikey_trust_new ();
  if (!mikey_trust_load_file (pki.trust, root, &err)
      || !(pki.alice_certs = mikey_cert_load_pem_file (alice_pem, &err))
      || !(pki.alice_key = mikey_key_load_pem_file (alice_key, NULL, &err))
      || !(pki.bob_certs = mikey_cert_load_pem_file (bob_chain, &err))
      || !(pki.bob_key = mikey_key_load_pem_file (bob_key, NULL, &err)))
    die ("cannot load the test PKI (--pki DIR)", err);
  pki.bob_cert = mikey_cert_ref (g_ptr_array_index (pki.bob_certs, 0));

  pki.alice_priv = read_private (alice_key);
  pki.bob_priv = read_private (bob_key);
  pki.alice_der = read_der_chain (alice_pem, &pki.alice_pub);
  pki.bob_der = read_der_chain (bob_chain, &pki.bob_pub);
  pki.store = X509_STORE_new ();
  bio = BIO_new_file (root, "r");
  check (bio != NULL, root);
  ca = PEM_read_bio_X509 (bio, NULL, NULL, NULL);
  check (ca != NULL, root);
  check (X509_STORE_add_cert (pki.store, ca) == 1, "X509_STORE_add_cert");
  X509_free (ca);
  BIO_free (bio);

  /* fetched once: a raw user of EVP would not fetch per operation */
  pki.hmac = EVP_MAC_fetch (NULL, OSSL_MAC_NAME_HMAC, NULL);
  pki.aes_ctr = EVP_CIPHER_fetch (NULL, "AES-128-CTR", NULL);
  pki.sha1 = EVP_MD_fetch (NULL, "SHA1", NULL);
  pki.sha256 = EVP_MD_fetch (NULL, "SHA256", NULL);
  check (pki.hmac && pki.aes_ctr && pki.sha1 && pki.sha256, "EVP fetch");
  for (g = 0; g < G_N_ELEMENTS (pki.dh_params); g++)
    pki.dh_params[g] = dh_params_like_core (g);
}

static void
free_pki (void)
{
  guint g;

  mikey_key_unref (pki.alice_key);
  mikey_key_unref (pki.bob_key);
  g_ptr_array_unref (pki.alice_certs);
  g_ptr_array_unref (pki.bob_certs);
  mikey_cert_unref (pki.bob_cert);
  mikey_trust_free (pki.trust);
  EVP_PKEY_free (pki.alice_priv);
  EVP_PKEY_free (pki.alice_pub);
  EVP_PKEY_free (pki.bob_priv);
  EVP_PKEY_free (pki.bob_pub);
  X509_STORE_free (pki.store);
  g_ptr_array_unref (pki.alice_der);
  g_ptr_array_unref (pki.bob_der);
  EVP_MAC_free (pki.hmac);
  EVP_CIPHER_free (pki.aes_ctr);
  EVP_MD_free (pki.sha1);
  EVP_MD_free (pki.sha256);
  for (g = 0; g < G_N_ELEMENTS (pki.dh_params); g++)
    EVP_PKEY_free (pki.dh_params[g]);
}

/* ------------------------------------------------------------------------
 * A: exchanges through the core
 * ---------------------------------------------------------------------- */

typedef struct
{
  const Item *item;
  MikeyInitiatorConfig icfg;
  MikeyResponderConfig rcfg;
  MikeyResponder *resp;
  guint uses;
  /* filled by the first exchange: message sizes for the raw operations */
  gsize init_len, reply_len;
} Exchange;

static void
exchange_init (Exchange * x, const Item * item)
{
  MikeyInitiatorConfig *i = &x->icfg;
  MikeyResponderConfig *r = &x->rcfg;

  memset (x, 0, sizeof (*x));
  x->item = item;

  i->mode = item->mode;
  i->psk = psk;
  i->psk_len = sizeof (psk) - 1;
  i->mki = mki;
  i->mki_len = sizeof (mki);
  i->cs = cs;
  i->n_cs = G_N_ELEMENTS (cs);
  i->sign_type = item->sign_type;
  i->dh_group = item->group;
  if (item->mode == MIKEY_MODE_PKE || item->mode == MIKEY_MODE_DH) {
    i->id_i = "sip:alice@example.org";
    i->id_r = "sip:bob@example.org";
    i->key = pki.alice_key;
    i->certs = pki.alice_certs;
    i->trust = pki.trust;
    /* PKE must know whom it encrypts for; DH checks the chain instead */
    if (item->mode == MIKEY_MODE_PKE)
      i->peer_cert = pki.bob_cert;
  }

  r->mode = item->mode;
  r->psk = psk;
  r->psk_len = sizeof (psk) - 1;
  r->key = pki.bob_key;
  r->certs = pki.bob_certs;
  r->trust = pki.trust;
  r->sign_type = item->sign_type;
  /* OAKLEY 1 is measured too, so it must be allowed by name */
  r->dh_groups = MIKEY_DH_GROUP_BIT (item->group);
  if (item->mode == MIKEY_MODE_PKE || item->mode == MIKEY_MODE_DH)
    r->id_r = "sip:bob@example.org";
}

static void
exchange_clear (Exchange * x)
{
  g_clear_pointer (&x->resp, mikey_responder_free);
}

static MikeyResponder *
responder (Exchange * x)
{
  GError *err = NULL;

  if (x->resp == NULL || x->uses++ == REFRESH) {
    g_clear_pointer (&x->resp, mikey_responder_free);
    x->resp = mikey_responder_new (&x->rcfg, &err);
    if (x->resp == NULL)
      die ("mikey_responder_new", err);
    x->uses = 1;
  }
  return x->resp;
}

static gboolean
same_keys (GArray * a, GArray * b)
{
  MikeySrtpParams *pa, *pb;

  if (a == NULL || b == NULL || a->len != 1 || b->len != 1)
    return FALSE;
  pa = &g_array_index (a, MikeySrtpParams, 0);
  pb = &g_array_index (b, MikeySrtpParams, 0);
  return pa->key_len == pb->key_len && pa->salt_len == pb->salt_len
      && pa->mki_len == sizeof (mki)
      && memcmp (pa->key, pb->key, pa->key_len) == 0
      && memcmp (pa->salt, pb->salt, pa->salt_len) == 0
      && memcmp (pa->mki, pb->mki, pa->mki_len) == 0;
}

/* One exchange; @verify compares the keys both sides ended with (done on
 * the first run only: it is not part of an exchange's cost) */
/* not inlined (nor is run_slice): bench/callgrind-exchanges.sh counts
 * instructions per call of run_exchange, run_raw and run_raw_x509 made
 * from run_slice */
G_GNUC_NO_INLINE static void
run_exchange (Exchange * x, gboolean verify)
{
  MikeyResponder *resp = responder (x);
  MikeyInitiator *init;
  MikeyResponseResult res;
  MikeyStep step = MIKEY_STEP_COMPLETE;
  GBytes *msg, *reply = NULL, *next = NULL;
  GError *err = NULL;
  gint64 now = g_get_real_time ();

  init = mikey_initiator_new (&x->icfg, &err);
  if (init == NULL)
    die ("mikey_initiator_new", err);
  msg = mikey_initiator_start (init, now, &err);
  if (msg == NULL)
    die ("mikey_initiator_start", err);
  res = mikey_responder_handle_init (resp, g_bytes_get_data (msg, NULL),
      g_bytes_get_size (msg), "bench", now, &reply, &err);
  if (res != MIKEY_RESPONSE_ACCEPTED)
    die ("mikey_responder_handle_init", err);
  if (reply != NULL) {
    step = mikey_initiator_step (init, g_bytes_get_data (reply, NULL),
        g_bytes_get_size (reply), now, &next, &err);
    g_clear_pointer (&next, g_bytes_unref);
  }
  if (step != MIKEY_STEP_COMPLETE
      || mikey_initiator_get_state (init) != MIKEY_STATE_COMPLETE)
    die ("mikey_initiator_step", err);
  if (verify) {
    if (!same_keys (mikey_initiator_get_srtp_params (init),
            mikey_responder_get_srtp_params (resp)))
      die ("the two sides derived different keys", NULL);
    x->init_len = g_bytes_get_size (msg);
    x->reply_len = reply ? g_bytes_get_size (reply) : 0;
  }
  g_bytes_unref (msg);
  g_clear_pointer (&reply, g_bytes_unref);
  mikey_initiator_free (init);
}

/* ------------------------------------------------------------------------
 * B and C: the raw OpenSSL operations, straight through EVP
 * ---------------------------------------------------------------------- */

typedef struct
{
  const Item *item;
  guint8 init_msg[4096];        /* stand-ins for the messages, same sizes */
  gsize init_len;
  guint8 reply_msg[4096];
  gsize reply_len;
} Raw;

static void
raw_hmac (const guint8 * data, gsize len)
{
  static const guint8 key[20] = { 1 };
  OSSL_PARAM params[2];
  EVP_MAC_CTX *ctx = EVP_MAC_CTX_new (pki.hmac);
  guint8 out[20];
  size_t out_len = 0;

  params[0] = OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST,
      (char *) "SHA1", 0);
  params[1] = OSSL_PARAM_construct_end ();
  check (ctx && EVP_MAC_init (ctx, key, sizeof (key), params)
      && EVP_MAC_update (ctx, data, len)
      && EVP_MAC_final (ctx, out, &out_len, sizeof (out)), "HMAC");
  EVP_MAC_CTX_free (ctx);
}

static void
raw_aes_cm (void)
{
  static const guint8 key[16] = { 2 }, iv[16] = { 3 }, in[24] = { 4 };
  guint8 out[sizeof (in) + 16];
  int n = 0, fin = 0;
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();

  check (ctx && EVP_EncryptInit_ex2 (ctx, pki.aes_ctr, key, iv, NULL)
      && EVP_EncryptUpdate (ctx, out, &n, in, sizeof (in))
      && EVP_EncryptFinal_ex (ctx, out + n, &fin), "AES-CTR");
  EVP_CIPHER_CTX_free (ctx);
}

static void
raw_digest (EVP_MD * type, const guint8 * data, gsize len)
{
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int md_len;

  check (EVP_Digest (data, len, md, &md_len, type, NULL), "digest");
}

static void
raw_rsa_envelope (void)
{
  guint8 env[32] = { 5 }, enc[512], dec[512];
  size_t enc_len = sizeof (enc), dec_len = sizeof (dec);
  EVP_PKEY_CTX *ctx;

  ctx = EVP_PKEY_CTX_new_from_pkey (NULL, pki.bob_pub, NULL);
  check (ctx && EVP_PKEY_encrypt_init (ctx) > 0
      && EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_PADDING) > 0
      && EVP_PKEY_encrypt (ctx, enc, &enc_len, env, sizeof (env)) > 0,
      "RSA encrypt");
  EVP_PKEY_CTX_free (ctx);
  ctx = EVP_PKEY_CTX_new_from_pkey (NULL, pki.bob_priv, NULL);
  check (ctx && EVP_PKEY_decrypt_init (ctx) > 0
      && EVP_PKEY_CTX_set_rsa_padding (ctx, RSA_PKCS1_PADDING) > 0
      && EVP_PKEY_decrypt (ctx, dec, &dec_len, enc, enc_len) > 0
      && dec_len == sizeof (env), "RSA decrypt");
  EVP_PKEY_CTX_free (ctx);
}

static gboolean
set_padding (EVP_PKEY_CTX * pctx, guint8 type)
{
  if (type == MIKEY_SIGN_RSA_PKCS1_1_5)
    return EVP_PKEY_CTX_set_rsa_padding (pctx, RSA_PKCS1_PADDING) > 0;
  return EVP_PKEY_CTX_set_rsa_padding (pctx, RSA_PKCS1_PSS_PADDING) > 0
      && EVP_PKEY_CTX_set_rsa_pss_saltlen (pctx, RSA_PSS_SALTLEN_DIGEST) > 0;
}

/* A SHA-1 signature over @len bytes with @priv, checked with @pub, as
 * SIGN payloads need (RFC 3830 4.2.6) */
static void
raw_sign_verify (EVP_PKEY * priv, EVP_PKEY * pub, guint8 type,
    const guint8 * data, gsize len)
{
  guint8 sig[512];
  size_t sig_len = sizeof (sig);
  EVP_MD_CTX *mctx = EVP_MD_CTX_new ();
  EVP_PKEY_CTX *pctx = NULL;

  check (mctx && EVP_DigestSignInit_ex (mctx, &pctx, "SHA1", NULL, NULL,
          priv, NULL) > 0 && set_padding (pctx, type)
      && EVP_DigestSign (mctx, sig, &sig_len, data, len) > 0, "RSA sign");
  EVP_MD_CTX_free (mctx);
  mctx = EVP_MD_CTX_new ();
  check (mctx && EVP_DigestVerifyInit_ex (mctx, &pctx, "SHA1", NULL, NULL,
          pub, NULL) > 0 && set_padding (pctx, type)
      && EVP_DigestVerify (mctx, sig, sig_len, data, len) == 1, "RSA verify");
  EVP_MD_CTX_free (mctx);
}

static EVP_PKEY *
raw_dh_keygen (EVP_PKEY * params)
{
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey (NULL, params, NULL);
  EVP_PKEY *key = NULL;

  check (ctx && EVP_PKEY_keygen_init (ctx) > 0
      && EVP_PKEY_generate (ctx, &key) > 0, "DH keygen");
  EVP_PKEY_CTX_free (ctx);
  return key;
}

static void
raw_dh_derive (EVP_PKEY * ours, EVP_PKEY * peer)
{
  guint8 secret[MIKEY_DH_MAX_LEN];
  size_t len = sizeof (secret);
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey (NULL, ours, NULL);

  /* padded, and without OpenSSL's peer check, as the core does */
  check (ctx && EVP_PKEY_derive_init (ctx) > 0
      && EVP_PKEY_CTX_set_dh_pad (ctx, 1) > 0
      && EVP_PKEY_derive_set_peer_ex (ctx, peer, 0) > 0
      && EVP_PKEY_derive (ctx, secret, &len) > 0, "DH derive");
  EVP_PKEY_CTX_free (ctx);
  OPENSSL_cleanse (secret, sizeof (secret));
}

/* Decodes a received chain (leaf first) and verifies it to the root */
static void
raw_x509_chain (GPtrArray * ders, time_t now)
{
  STACK_OF (X509) * untrusted = sk_X509_new_null ();
  X509_STORE_CTX *ctx = X509_STORE_CTX_new ();
  X509 *leaf = NULL;
  guint i;

  for (i = 0; i < ders->len; i++) {
    gsize len;
    const guint8 *der = g_bytes_get_data (g_ptr_array_index (ders, i), &len);
    X509 *x = d2i_X509 (NULL, &der, (long) len);

    check (x != NULL, "d2i_X509");
    if (leaf == NULL)
      leaf = x;
    else
      sk_X509_push (untrusted, x);
  }
  check (X509_STORE_CTX_init (ctx, pki.store, leaf, untrusted) == 1,
      "X509_STORE_CTX_init");
  X509_VERIFY_PARAM_set_time (X509_STORE_CTX_get0_param (ctx), now);
  check (X509_verify_cert (ctx) == 1, "X509_verify_cert");
  X509_STORE_CTX_free (ctx);
  X509_free (leaf);
  sk_X509_pop_free (untrusted, X509_free);
}

G_GNUC_NO_INLINE static void
run_raw (Raw * r, gboolean with_x509)
{
  const Item *it = r->item;
  guint i;

  for (i = 0; i < it->n_hmac_prf; i++)
    raw_hmac (r->init_msg, 32);
  for (i = 0; i < it->n_hmac_msg; i++)
    raw_hmac (r->init_msg, i % 2 ? r->reply_len : r->init_len);
  for (i = 0; i < it->n_aes; i++)
    raw_aes_cm ();
  for (i = 0; i < it->n_chash; i++) {
    gsize len;
    const guint8 *der = g_bytes_get_data (g_ptr_array_index (pki.bob_der, 0),
        &len);

    raw_digest (pki.sha1, der, len);
  }
  for (i = 0; i < it->n_random; i++) {
    guint8 buf[16];

    check (RAND_bytes (buf, sizeof (buf)) == 1, "RAND_bytes");
  }
  /* every mode: the digest the replay cache keeps of the initiation
   * message (replay protection is part of every exchange) */
  raw_digest (pki.sha256, r->init_msg, r->init_len);
  if (it->rsa_envelope)
    raw_rsa_envelope ();
  /* the initiator signs its message; in DH the responder signs its own */
  if (it->n_sign > 0)
    raw_sign_verify (pki.alice_priv, pki.alice_pub, it->sign_type,
        r->init_msg, r->init_len);
  if (it->n_sign > 1)
    raw_sign_verify (pki.bob_priv, pki.bob_pub, it->sign_type,
        r->reply_msg, r->reply_len);
  if (it->dh) {
    EVP_PKEY *a = raw_dh_keygen (pki.dh_params[it->group]);
    EVP_PKEY *b = raw_dh_keygen (pki.dh_params[it->group]);

    raw_dh_derive (a, b);
    raw_dh_derive (b, a);
    EVP_PKEY_free (a);
    EVP_PKEY_free (b);
  }
  if (with_x509) {
    time_t now = g_get_real_time () / G_USEC_PER_SEC;

    if (it->x509_at_responder)
      raw_x509_chain (pki.alice_der, now);
    if (it->x509_at_initiator)
      raw_x509_chain (pki.bob_der, now);
  }
}

/* ------------------------------------------------------------------------
 * Measuring
 * ---------------------------------------------------------------------- */

typedef enum
{
  COL_EXCHANGE,
  COL_RAW,
  COL_RAW_X509,
  N_COLS
} Column;

/* column C: its own function so that callgrind tells it from column B */
G_GNUC_NO_INLINE static void
run_raw_x509 (Raw * r)
{
  run_raw (r, TRUE);
}

static gboolean use_wall_clock = FALSE;

/* Runs @col for @secs of wall time; returns operations per second of this
 * thread's CPU time (or of wall time with --wall). Everything here is
 * single-threaded, so CPU time is the cost of the work itself, while wall
 * time also counts the time slices the scheduler hands to other processes
 * on this shared machine: that is most of the noise. */
G_GNUC_NO_INLINE static gdouble
run_slice (Column col, Exchange * x, Raw * raw, gdouble secs)
{
  gint64 start = g_get_monotonic_time (), now;
  gint64 until = start + (gint64) (secs * G_USEC_PER_SEC);
  gdouble cpu_start = bench_thread_cpu_seconds ();
  guint64 n = 0;

  do {
    if (col == COL_EXCHANGE)
      run_exchange (x, FALSE);
    else if (col == COL_RAW)
      run_raw (raw, FALSE);
    else
      run_raw_x509 (raw);
    n++;
    now = g_get_monotonic_time ();
  } while (now < until);
  if (use_wall_clock)
    return n / ((now - start) / 1e6);
  return n / (bench_thread_cpu_seconds () - cpu_start);
}

static void
bench_item (const Item * item, gdouble secs, guint slices)
{
  Exchange x;
  Raw raw = { 0 };
  gdouble *rate[N_COLS], *ovh[N_COLS];
  gdouble med[N_COLS], lo, hi;
  guint n_cols = item->x509_at_responder || item->x509_at_initiator ? 3 : 2;
  guint s, c;

  exchange_init (&x, item);
  /* warm up, check that the exchange works and learn the message sizes
   * the raw signatures and MACs should cover */
  run_exchange (&x, TRUE);
  raw.item = item;
  raw.init_len = MIN (x.init_len, sizeof (raw.init_msg));
  raw.reply_len = MIN (x.reply_len, sizeof (raw.reply_msg));
  check (RAND_bytes (raw.init_msg, sizeof (raw.init_msg)) == 1
      && RAND_bytes (raw.reply_msg, sizeof (raw.reply_msg)) == 1, "RAND");
  run_raw (&raw, FALSE);

  for (c = 0; c < N_COLS; c++) {
    rate[c] = g_new0 (gdouble, slices);
    ovh[c] = g_new0 (gdouble, slices);
  }
  /* A B [C] A B [C] ...: each slice of a column has neighbours of every
   * other column, so a burst of load elsewhere on the machine shows up as
   * spread rather than as a bias against one column */
  for (s = 0; s < slices; s++) {
    for (c = 0; c < n_cols; c++)
      rate[c][s] = run_slice (c, &x, &raw, secs / slices);
    /* (time per exchange - time per raw set) / time per raw set
     * = raw rate / exchange rate - 1, within this round */
    for (c = 1; c < n_cols; c++)
      ovh[c][s] = 100.0 * (rate[c][s] / rate[COL_EXCHANGE][s] - 1.0);
  }
  for (c = 0; c < n_cols; c++)
    med[c] = bench_median (rate[c], slices);

  /* Overhead: the median of the per-slice figures rather than a ratio of
   * medians, as the slices of one round ran next to each other in time
   * and share its load */
  printf ("%-15s %10.1f %10.1f %8.1f%%", item->name, med[COL_EXCHANGE],
      med[COL_RAW], bench_median (ovh[COL_RAW], slices));
  bench_spread (ovh[COL_RAW], slices, &lo, &hi);
  printf (" %6.0f..%-4.0f", lo, hi);
  if (n_cols == 3) {
    printf (" %10.1f %8.1f%%", med[COL_RAW_X509],
        bench_median (ovh[COL_RAW_X509], slices));
    bench_spread (ovh[COL_RAW_X509], slices, &lo, &hi);
    printf (" %6.0f..%-4.0f", lo, hi);
  }
  printf ("\n");
  fflush (stdout);

  for (c = 0; c < N_COLS; c++) {
    g_free (rate[c]);
    g_free (ovh[c]);
  }
  exchange_clear (&x);
}

/* What the comparison rests on: the private exponents OpenSSL draws for
 * keys made the way the core makes them */
static void
print_dh_exponents (void)
{
  static const gchar *const names[] = { "5", "1", "2" };
  guint g;

  printf ("DH private exponents (as mikey_dh_new and the raw column make "
      "them):");
  for (g = 0; g < G_N_ELEMENTS (pki.dh_params); g++) {
    EVP_PKEY *key = raw_dh_keygen (pki.dh_params[g]);
    BIGNUM *x = NULL;

    check (EVP_PKEY_get_bn_param (key, OSSL_PKEY_PARAM_PRIV_KEY, &x),
        "DH private value");
    printf (" group %s (%u-bit p): %d bits%s", names[g],
        mikey_dh_group_bits (g), BN_num_bits (x),
        g + 1 < G_N_ELEMENTS (pki.dh_params) ? ";" : "\n");
    BN_clear_free (x);
    EVP_PKEY_free (key);
  }
}

int
main (int argc, char **argv)
{
  gdouble secs = 2.0;
  gint slices = 10;
  gchar *only = NULL;
  gchar *pki_dir = NULL;
  GOptionEntry entries[] = {
    {"seconds", 's', 0, G_OPTION_ARG_DOUBLE, &secs,
        "Wall time per mode and column (default 2)", "N"},
    {"slices", 0, 0, G_OPTION_ARG_INT, &slices,
        "Interleaved slices the time is cut into; medians are reported "
          "(default 10)", "N"},
    {"only", 0, 0, G_OPTION_ARG_STRING, &only,
        "Only modes whose name contains NAME (e.g. dh, pke)", "NAME"},
    {"wall", 0, 0, G_OPTION_ARG_NONE, &use_wall_clock,
          "Rates per second of wall time instead of per second of CPU time",
        NULL},
    {"pki", 0, 0, G_OPTION_ARG_FILENAME, &pki_dir,
          "Test data directory holding pki/ (default: the source tree's)",
        "DIR"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- MIKEY exchanges per "
      "second against the raw OpenSSL operations they need");
  GError *err = NULL;
  guint i;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &err))
    die ("bad arguments", err);
  g_option_context_free (ctx);
  if (secs <= 0 || slices < 1)
    die ("--seconds and --slices must be positive", NULL);
  if (pki_dir == NULL)
    pki_dir = g_strdup (g_getenv ("MIKEY_TEST_DATA") ?
        g_getenv ("MIKEY_TEST_DATA") : MIKEY_TEST_DATA);

  load_pki (pki_dir);
  printf ("%s; RSA 2048 test PKI; %.3g s per column and mode in %d "
      "interleaved slices, medians; rates per %s second\n",
      OpenSSL_version (OPENSSL_VERSION), secs, slices,
      use_wall_clock ? "wall-clock" : "CPU");
  print_dh_exponents ();
  printf ("raw = the mode's RSA, DH, HMAC-SHA-1, AES-CM, SHA-1, SHA-256 and "
      "RAND_bytes operations through EVP; raw+x509 adds decoding and verifying the "
      "peer's certificate chain(s)\n");
  printf ("overhead = (time per exchange - time per raw set) / time per "
      "raw set, per round of slices; median and (min..max) over rounds\n\n");
  printf ("%-15s %10s %10s %9s %12s %10s %9s %12s\n", "mode", "exch/s",
      "raw/s", "overhead", "(spread)", "raw+x509/s", "overhead", "(spread)");
  for (i = 0; i < G_N_ELEMENTS (items); i++) {
    if (only != NULL && strstr (items[i].name, only) == NULL)
      continue;
    bench_item (&items[i], secs, slices);
  }

  free_pki ();
  g_free (only);
  g_free (pki_dir);
  return 0;
}
