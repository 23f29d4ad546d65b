/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: Diffie-Hellman for the DH and DHHMAC modes
 * (RFC 3830 3.3 and 4.2.7, RFC 4650) through OpenSSL 3 EVP_PKEY "DH".
 *
 * The groups are built from their primes rather than by name because
 * OpenSSL 3.0 only names the 1536-bit one (modp_1536); given the prime of
 * OAKLEY 5, OpenSSL recognises it as modp_1536 by itself (test-dh checks
 * that a modp_1536 key made by name agrees with ours). We pass p and g only:
 * OpenSSL 3.0 refuses to generate keys for an unnamed group that carries
 * q, treating it as a FIPS 186-4 group; without q it picks a private value
 * the way it does for any safe-prime group.
 *
 * All three primes are safe primes, p = 2q + 1, so the only subgroups are
 * of order 1, 2, q and 2q. Peer values are range-checked (1 < y < p-1),
 * which rules out the two small ones; that is the whole test RFC 6989
 * asks of safe-prime MODP groups. A value outside the order-q subgroup
 * could at most reveal the parity of an exponent that is drawn afresh for
 * every exchange. The membership test (a Jacobi symbol) was measured at
 * about 15 % of a whole DH exchange and 20 % of a DHHMAC one, which buys
 * nothing here.
 *
 * OpenSSL 3.0's default provider accepts DH moduli from 512 bits up, so
 * the 768-bit OAKLEY 1 works for key generation and derivation; only the
 * FIPS provider or a TLS security level would refuse it. It is weak
 * (RFC 3830 lists it for interoperability) and callers should prefer
 * OAKLEY 5.
 */
#include "mikey-dh.h"

#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

typedef struct
{
  const gchar *name;
  /* what RFC 2409 and everyone else call it; the wire value differs */
  guint oakley;
  guint bits;
  /* the prime, as printed in the RFC */
  const gchar *p_hex;
} GroupInfo;

/* RFC 3526 section 2 (1536-bit MODP group, "group 5"); RFC 2409 section
 * 6.1 (First Oakley Group, 768 bits) and 6.2 (Second Oakley Group, 1024
 * bits). Generator 2 for all. tests/check/data/mikey_dh_vectors.py
 * rebuilds each from the RFC's formula 2^n - 2^(n-64) - 1 + 2^64 *
 * (floor(2^k pi) + c) and checks these digits. */
static const GroupInfo groups[] = {
  [MIKEY_DH_GROUP_OAKLEY5] = {"OAKLEY 5", 5, 1536,
      "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
        "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
        "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
        "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
        "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
        "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
        "83655D23DCA3AD961C62F356208552BB9ED529077096966D"
        "670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF"},
  [MIKEY_DH_GROUP_OAKLEY1] = {"OAKLEY 1", 1, 768,
      "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
        "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
        "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
        "E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF"},
  [MIKEY_DH_GROUP_OAKLEY2] = {"OAKLEY 2", 2, 1024,
      "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
        "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
        "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
        "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
        "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381" "FFFFFFFFFFFFFFFF"},
};

struct _MikeyDh
{
  MikeyDhGroup group;
  EVP_PKEY *pkey;
  /* our public value, padded to the group length: it is sent anyway */
  guint8 pub[MIKEY_DH_MAX_LEN];
};

static const GroupInfo *
group_info (MikeyDhGroup group)
{
  if ((guint) group >= G_N_ELEMENTS (groups) || groups[group].name == NULL)
    return NULL;
  return &groups[group];
}

guint
mikey_dh_group_bits (MikeyDhGroup group)
{
  const GroupInfo *gi = group_info (group);

  return gi ? gi->bits : 0;
}

guint
mikey_dh_group_oakley (MikeyDhGroup group)
{
  const GroupInfo *gi = group_info (group);

  return gi ? gi->oakley : 0;
}

gboolean
mikey_dh_group_from_oakley (guint oakley, MikeyDhGroup * group)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (groups); i++) {
    if (groups[i].name != NULL && groups[i].oakley == oakley) {
      *group = (MikeyDhGroup) i;
      return TRUE;
    }
  }
  return FALSE;
}

const gchar *
mikey_dh_group_prime_hex (MikeyDhGroup group)
{
  const GroupInfo *gi = group_info (group);

  return gi ? gi->p_hex : NULL;
}

gsize
mikey_dh_group_len (MikeyDhGroup group)
{
  return mikey_dh_group_bits (group) / 8;
}

static const GroupInfo *
check_group (MikeyDhGroup group, GError ** error)
{
  const GroupInfo *gi = group_info (group);

  if (gi == NULL)
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED,
        "unsupported Diffie-Hellman group %u (known: 0 = OAKLEY 5, "
        "1 = OAKLEY 1, 2 = OAKLEY 2)", (guint) group);
  return gi;
}

static void
set_crypto_error (GError ** error, const gchar * what)
{
  /* leave no stale entries in OpenSSL's per-thread queue */
  ERR_clear_error ();
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CRYPTO,
      "OpenSSL failure in Diffie-Hellman %s", what);
}

/* OSSL_PARAM_clear_free only arrives in OpenSSL 3.2; the builder copied
 * the private value into @params, so wipe every value before freeing. */
static void
params_clear_free (OSSL_PARAM * params)
{
  OSSL_PARAM *p;

  for (p = params; p != NULL && p->key != NULL; p++)
    if (p->data != NULL)
      OPENSSL_cleanse (p->data, p->data_size);
  OSSL_PARAM_free (params);
}

/* An EVP_PKEY "DH" of @selection from the group and optional key parts */
static EVP_PKEY *
make_pkey (const BIGNUM * p, int selection, const BIGNUM * priv,
    const BIGNUM * pub)
{
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new ();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = NULL;
  EVP_PKEY *pkey = NULL;

  if (bld == NULL || !OSSL_PARAM_BLD_push_BN (bld, OSSL_PKEY_PARAM_FFC_P, p)
      || !OSSL_PARAM_BLD_push_uint (bld, OSSL_PKEY_PARAM_FFC_G, 2)
      || (priv && !OSSL_PARAM_BLD_push_BN (bld, OSSL_PKEY_PARAM_PRIV_KEY, priv))
      || (pub && !OSSL_PARAM_BLD_push_BN (bld, OSSL_PKEY_PARAM_PUB_KEY, pub)))
    goto out;
  params = OSSL_PARAM_BLD_to_param (bld);
  ctx = EVP_PKEY_CTX_new_from_name (NULL, "DH", NULL);
  if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init (ctx) <= 0
      || EVP_PKEY_fromdata (ctx, &pkey, selection, params) <= 0)
    pkey = NULL;

out:
  EVP_PKEY_CTX_free (ctx);
  params_clear_free (params);
  OSSL_PARAM_BLD_free (bld);
  return pkey;
}

/* Each group's prime and its EVP_PKEY of domain parameters, made once:
 * parsing the hex prime and building the parameters on every key
 * generation and peer check was a measurable share of an exchange. An
 * EVP_PKEY that nobody modifies may be shared between threads. */
typedef struct
{
  BIGNUM *p;
  EVP_PKEY *params;
} GroupCache;

static const GroupCache *
group_cache (const GroupInfo * gi)
{
  static gsize once = 0;
  static GroupCache cache[G_N_ELEMENTS (groups)];

  if (g_once_init_enter (&once)) {
    guint i;

    for (i = 0; i < G_N_ELEMENTS (groups); i++) {
      if (!BN_hex2bn (&cache[i].p, groups[i].p_hex)) {
        BN_free (cache[i].p);
        cache[i].p = NULL;
        continue;
      }
      cache[i].params = make_pkey (cache[i].p, EVP_PKEY_KEY_PARAMETERS,
          NULL, NULL);
    }
    g_once_init_leave (&once, 1);
  }
  return &cache[gi - groups];
}

/* The group's prime, owned by the cache, or NULL if it failed to build */
static const BIGNUM *
group_p (const GroupInfo * gi)
{
  return group_cache (gi)->p;
}

static gboolean
cache_public (MikeyDh * dh, const GroupInfo * gi)
{
  BIGNUM *pub = NULL;
  gboolean ok;

  ok = EVP_PKEY_get_bn_param (dh->pkey, OSSL_PKEY_PARAM_PUB_KEY, &pub)
      && BN_bn2binpad (pub, dh->pub, gi->bits / 8) == (int) (gi->bits / 8);
  BN_free (pub);
  return ok;
}

static MikeyDh *
dh_wrap (MikeyDhGroup group, const GroupInfo * gi, EVP_PKEY * pkey,
    GError ** error)
{
  MikeyDh *dh;

  if (pkey == NULL) {
    set_crypto_error (error, "key generation");
    return NULL;
  }
  dh = g_new0 (MikeyDh, 1);
  dh->group = group;
  dh->pkey = pkey;
  if (!cache_public (dh, gi)) {
    mikey_dh_free (dh);
    set_crypto_error (error, "key generation");
    return NULL;
  }
  return dh;
}

MikeyDh *
mikey_dh_new (MikeyDhGroup group, GError ** error)
{
  const GroupInfo *gi = check_group (group, error);
  const GroupCache *gc;
  EVP_PKEY *pkey = NULL;
  EVP_PKEY_CTX *ctx = NULL;

  if (gi == NULL)
    return NULL;
  gc = group_cache (gi);
  if (gc->params != NULL)
    ctx = EVP_PKEY_CTX_new_from_pkey (NULL, gc->params, NULL);
  if (ctx == NULL || EVP_PKEY_keygen_init (ctx) <= 0
      || EVP_PKEY_generate (ctx, &pkey) <= 0)
    pkey = NULL;

  EVP_PKEY_CTX_free (ctx);
  return dh_wrap (group, gi, pkey, error);
}

MikeyDh *
mikey_dh_new_with_private (MikeyDhGroup group, const guint8 * priv,
    gsize priv_len, GError ** error)
{
  const GroupInfo *gi = check_group (group, error);
  const BIGNUM *p;
  BIGNUM *q = NULL, *x = NULL, *y = NULL, *g = NULL;
  BN_CTX *bnctx = NULL;
  EVP_PKEY *pkey = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (priv != NULL || priv_len == 0, NULL);

  if (gi == NULL)
    return NULL;
  if (priv_len > gi->bits / 8) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "DH private value of %" G_GSIZE_FORMAT " bytes is longer than the "
        "%s prime", priv_len, gi->name);
    return NULL;
  }
  p = group_p (gi);
  q = BN_new ();
  /* q = (p-1)/2, p being odd */
  if (p == NULL || q == NULL || !BN_rshift1 (q, p))
    goto crypto_fail;
  x = BN_secure_new ();
  y = BN_new ();
  g = BN_new ();
  bnctx = BN_CTX_secure_new ();
  if (x == NULL || y == NULL || g == NULL || bnctx == NULL
      || !BN_bin2bn (priv, (int) priv_len, x) || !BN_set_word (g, 2))
    goto crypto_fail;
  if (BN_is_zero (x) || BN_cmp (x, q) >= 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "DH private value is outside [1, q-1] for %s", gi->name);
    goto out;
  }
  /* OpenSSL 3.0 does not derive the public value when importing a private
   * one, so compute y = g^x mod p here, in constant time for x. */
  BN_set_flags (x, BN_FLG_CONSTTIME);
  if (!BN_mod_exp_mont_consttime (y, g, x, p, bnctx, NULL))
    goto crypto_fail;
  pkey = make_pkey (p, EVP_PKEY_KEYPAIR, x, y);
  ok = pkey != NULL;
  if (!ok)
    goto crypto_fail;
  goto out;

crypto_fail:
  set_crypto_error (error, "key import");
out:
  BN_clear_free (x);
  BN_free (y);
  BN_free (g);
  BN_free (q);
  BN_CTX_free (bnctx);
  return ok ? dh_wrap (group, gi, pkey, error) : NULL;
}

MikeyDhGroup
mikey_dh_get_group (const MikeyDh * dh)
{
  g_return_val_if_fail (dh != NULL, MIKEY_DH_GROUP_OAKLEY5);
  return dh->group;
}

void
mikey_dh_get_public (const MikeyDh * dh, guint8 * out)
{
  g_return_if_fail (dh != NULL && out != NULL);
  memcpy (out, dh->pub, mikey_dh_group_len (dh->group));
}

static void
set_invalid (GError ** error, const gchar * why)
{
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
      "DH value from the peer %s", why);
}

/* The peer's value as an EVP_PKEY after every check of
 * mikey_dh_check_public, or NULL with @error set. */
static EVP_PKEY *
peer_pkey (MikeyDhGroup group, const guint8 * value, gsize len, GError ** error)
{
  const GroupInfo *gi = check_group (group, error);
  const BIGNUM *p;
  BIGNUM *y = NULL, *pm1 = NULL;
  EVP_PKEY *peer = NULL;

  g_return_val_if_fail (value != NULL || len == 0, NULL);

  if (gi == NULL)
    return NULL;
  if (len != gi->bits / 8) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "DH value from the peer is %" G_GSIZE_FORMAT " bytes, but %s values "
        "are %u bytes", len, gi->name, gi->bits / 8);
    return NULL;
  }
  y = BN_bin2bn (value, (int) len, NULL);
  pm1 = BN_new ();
  p = group_p (gi);
  if (y == NULL || pm1 == NULL || p == NULL
      || !BN_sub (pm1, p, BN_value_one ())) {
    set_crypto_error (error, "public value check");
    goto out;
  }
  /* 0, 1 and p-1 generate subgroups of order 1 and 2: the "shared" secret
   * would be one the attacker knows. */
  if (BN_is_zero (y)) {
    set_invalid (error, "is 0, which is not a valid public value");
    goto out;
  }
  if (BN_is_one (y)) {
    set_invalid (error, "is 1, which is not a valid public value");
    goto out;
  }
  if (BN_cmp (y, pm1) == 0) {
    set_invalid (error, "is p-1, which is not a valid public value");
    goto out;
  }
  if (BN_cmp (y, p) >= 0) {
    set_invalid (error, "is not smaller than the group's prime p, so it "
        "is not a valid public value");
    goto out;
  }
  peer = make_pkey (p, EVP_PKEY_PUBLIC_KEY, NULL, y);
  if (peer == NULL)
    set_crypto_error (error, "public value check");

out:
  BN_free (y);
  BN_free (pm1);
  return peer;
}

gboolean
mikey_dh_check_public (MikeyDhGroup group, const guint8 * value, gsize len,
    GError ** error)
{
  EVP_PKEY *peer = peer_pkey (group, value, len, error);

  EVP_PKEY_free (peer);
  return peer != NULL;
}

gboolean
mikey_dh_derive (const MikeyDh * dh, const guint8 * peer_public,
    gsize peer_len, guint8 * out, GError ** error)
{
  gsize want;
  size_t len;
  EVP_PKEY *peer;
  EVP_PKEY_CTX *ctx = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (dh != NULL && out != NULL, FALSE);

  want = mikey_dh_group_len (dh->group);
  peer = peer_pkey (dh->group, peer_public, peer_len, error);
  if (peer == NULL) {
    OPENSSL_cleanse (out, want);
    return FALSE;
  }
  len = want;
  ctx = EVP_PKEY_CTX_new_from_pkey (NULL, dh->pkey, NULL);
  /* pad = 1: the secret keeps its leading zero bytes, as the TGK must be
   * exactly as long as p (RFC 3830 3.3: TGK = g^(xy)) */
  if (ctx != NULL && EVP_PKEY_derive_init (ctx) > 0
      && EVP_PKEY_CTX_set_dh_pad (ctx, 1) > 0
      && EVP_PKEY_derive_set_peer_ex (ctx, peer, 0) > 0
      && EVP_PKEY_derive (ctx, out, &len) > 0 && len == want)
    ok = TRUE;

  EVP_PKEY_CTX_free (ctx);
  EVP_PKEY_free (peer);
  if (!ok) {
    OPENSSL_cleanse (out, want);
    set_crypto_error (error, "derivation");
  }
  return ok;
}

void
mikey_dh_free (MikeyDh * dh)
{
  if (dh == NULL)
    return;
  /* EVP_PKEY_free clears the private value (BN_clear_free inside) */
  EVP_PKEY_free (dh->pkey);
  g_free (dh);
}
