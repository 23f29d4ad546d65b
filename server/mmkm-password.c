/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* argon2id password hashing: hashing with libargon2's encoder, a strict
 * parser of our own for stored hashes (they come from a database that a
 * restore or an operator may have damaged), constant-time comparison and
 * the same work for unknown users. */
#include "mmkm-password.h"
#include "mikey-base64.h"
#include "mmkm-store.h"

#include <string.h>
#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#define PREFIX "$argon2id$v=19$"

static guint64 work_done;

static void
count_work (guint32 t_cost, guint32 m_cost_kib)
{
  __atomic_fetch_add (&work_done, (guint64) t_cost * m_cost_kib,
      __ATOMIC_RELAXED);
}

guint64
mmkm_password_work_done (void)
{
  return __atomic_load_n (&work_done, __ATOMIC_RELAXED);
}

void
mmkm_password_params_init_default (MmkmPasswordParams * params)
{
  params->t_cost = MMKM_PASSWORD_DEFAULT_T_COST;
  params->m_cost_kib = MMKM_PASSWORD_DEFAULT_M_COST_KIB;
  params->parallelism = MMKM_PASSWORD_DEFAULT_PARALLELISM;
  params->salt_len = MMKM_PASSWORD_DEFAULT_SALT_LEN;
  params->hash_len = MMKM_PASSWORD_DEFAULT_HASH_LEN;
}

static gboolean
params_ok (const MmkmPasswordParams * p)
{
  return p->t_cost >= 1 && p->t_cost <= MMKM_PASSWORD_MAX_T_COST
      && p->parallelism >= 1 && p->parallelism <= MMKM_PASSWORD_MAX_PARALLELISM
      && p->m_cost_kib >= 8 * p->parallelism
      && p->m_cost_kib <= MMKM_PASSWORD_MAX_M_COST_KIB
      && p->salt_len >= MMKM_PASSWORD_MIN_SALT_LEN
      && p->salt_len <= MMKM_PASSWORD_MAX_SALT_LEN
      && p->hash_len >= MMKM_PASSWORD_MIN_HASH_LEN
      && p->hash_len <= MMKM_PASSWORD_MAX_HASH_LEN;
}

gboolean
mmkm_password_params_check (const MmkmPasswordParams * p, GError ** err)
{
  if (params_ok (p))
    return TRUE;
  g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_INVALID,
      "argon2id parameters out of range (t=%u, m=%u KiB, p=%u, salt %u "
      "bytes, hash %u bytes): t must be 1..%u, p 1..%u, m %u*p..%u KiB, "
      "salt %u..%u bytes, hash %u..%u bytes", p->t_cost, p->m_cost_kib,
      p->parallelism, p->salt_len, p->hash_len, MMKM_PASSWORD_MAX_T_COST,
      MMKM_PASSWORD_MAX_PARALLELISM, 8, MMKM_PASSWORD_MAX_M_COST_KIB,
      MMKM_PASSWORD_MIN_SALT_LEN, MMKM_PASSWORD_MAX_SALT_LEN,
      MMKM_PASSWORD_MIN_HASH_LEN, MMKM_PASSWORD_MAX_HASH_LEN);
  return FALSE;
}

gchar *
mmkm_password_hash (const MmkmPasswordParams * p, const gchar * password,
    gsize password_len, GError ** err)
{
  guint8 salt[MMKM_PASSWORD_MAX_SALT_LEN];
  gsize len;
  gchar *out;
  int rc;

  if (!mmkm_password_params_check (p, err))
    return NULL;
  if (password_len > G_MAXUINT32) {
    g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_INVALID,
        "password too long");
    return NULL;
  }
  if (RAND_bytes (salt, p->salt_len) != 1) {
    g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_IO,
        "OpenSSL's random generator failed: no salt for the password hash");
    return NULL;
  }
  len = argon2_encodedlen (p->t_cost, p->m_cost_kib, p->parallelism,
      p->salt_len, p->hash_len, Argon2_id);
  out = g_malloc0 (len);
  count_work (p->t_cost, p->m_cost_kib);
  rc = argon2id_hash_encoded (p->t_cost, p->m_cost_kib, p->parallelism,
      password, password_len, salt, p->salt_len, p->hash_len, out, len);
  if (rc != ARGON2_OK) {
    g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_IO,
        "argon2id hashing failed: %s", argon2_error_message (rc));
    g_free (out);
    return NULL;
  }
  return out;
}

/* A decimal number without sign or leading zero, at most G_MAXUINT32. */
static gboolean
parse_u32 (const gchar ** s, guint32 * out)
{
  const gchar *p = *s;
  guint64 v = 0;
  guint n = 0;

  if (*p == '0' && g_ascii_isdigit (p[1]))
    return FALSE;
  while (g_ascii_isdigit (*p)) {
    v = v * 10 + (guint) (*p - '0');
    if (++n > 10 || v > G_MAXUINT32)
      return FALSE;
    p++;
  }
  if (n == 0)
    return FALSE;
  *out = (guint32) v;
  *s = p;
  return TRUE;
}

/* Unpadded standard base64 up to the next '$' or the end, canonical
 * (unused low bits zero); at most @max bytes out, into @out or, when
 * @out is NULL (checking the form only), nowhere. */
static gboolean
parse_b64 (const gchar ** s, guint8 * out, gsize max, guint32 * out_len)
{
  guint8 scratch[MAX (MMKM_PASSWORD_MAX_SALT_LEN, MMKM_PASSWORD_MAX_HASH_LEN)];
  const gchar *end = strchr (*s, '$');
  gsize len = end ? (gsize) (end - *s) : strlen (*s), n;
  gboolean ok;

  g_assert (max <= sizeof (scratch));
  ok = mikey_base64_decode_canonical (*s, len, MIKEY_BASE64_STANDARD,
      out ? out : scratch, max, &n);
  if (!ok)
    return FALSE;
  *out_len = (guint32) n;
  *s += len;
  return TRUE;
}

gboolean
mmkm_password_parse (const gchar * encoded, MmkmPasswordParams * params,
    guint8 * salt, guint8 * hash)
{
  MmkmPasswordParams p = { 0 };
  const gchar *s = encoded;

  if (!s || strncmp (s, PREFIX "m=", strlen (PREFIX "m=")) != 0)
    return FALSE;
  s += strlen (PREFIX "m=");
  if (!parse_u32 (&s, &p.m_cost_kib) || strncmp (s, ",t=", 3) != 0)
    return FALSE;
  s += 3;
  if (!parse_u32 (&s, &p.t_cost) || strncmp (s, ",p=", 3) != 0)
    return FALSE;
  s += 3;
  if (!parse_u32 (&s, &p.parallelism) || *s != '$')
    return FALSE;
  s++;
  if (!parse_b64 (&s, salt, MMKM_PASSWORD_MAX_SALT_LEN, &p.salt_len)
      || *s != '$')
    return FALSE;
  s++;
  if (!parse_b64 (&s, hash, MMKM_PASSWORD_MAX_HASH_LEN, &p.hash_len)
      || *s != '\0')
    return FALSE;
  if (!params_ok (&p))
    return FALSE;
  if (params)
    *params = p;
  return TRUE;
}

static gboolean
same_params (const MmkmPasswordParams * a, const MmkmPasswordParams * b)
{
  return a->t_cost == b->t_cost && a->m_cost_kib == b->m_cost_kib
      && a->parallelism == b->parallelism && a->salt_len == b->salt_len
      && a->hash_len == b->hash_len;
}

gboolean
mmkm_password_needs_rehash (const gchar * encoded,
    const MmkmPasswordParams * current)
{
  MmkmPasswordParams p;

  return !mmkm_password_parse (encoded, &p, NULL, NULL)
      || !same_params (&p, current);
}

gboolean
mmkm_password_verify (const gchar * encoded, const gchar * password,
    gsize password_len, const MmkmPasswordParams * current,
    gboolean * needs_rehash)
{
  MmkmPasswordParams p;
  guint8 salt[MMKM_PASSWORD_MAX_SALT_LEN] = { 0 };
  guint8 want[MMKM_PASSWORD_MAX_HASH_LEN] = { 0 };
  guint8 got[MMKM_PASSWORD_MAX_HASH_LEN];
  gboolean real, match;
  int rc;

  if (needs_rehash)
    *needs_rehash = FALSE;
  real = mmkm_password_parse (encoded, &p, salt, want);
  if (!real) {
    /* unknown user or unusable row: the same work as a user whose hash
     * has the current parameters, against an all-zero salt and hash */
    p = *current;
    if (!params_ok (&p))
      mmkm_password_params_init_default (&p);
    memset (salt, 0, sizeof salt);
    memset (want, 0, sizeof want);
  }
  if (password_len > G_MAXUINT32)
    password_len = 0, real = FALSE;
  count_work (p.t_cost, p.m_cost_kib);
  rc = argon2id_hash_raw (p.t_cost, p.m_cost_kib, p.parallelism, password,
      password_len, salt, p.salt_len, got, p.hash_len);
  match = CRYPTO_memcmp (got, want, p.hash_len) == 0;
  OPENSSL_cleanse (got, sizeof got);
  OPENSSL_cleanse (want, sizeof want);
  if (rc != ARGON2_OK || !real || !match)
    return FALSE;
  if (needs_rehash)
    *needs_rehash = !same_params (&p, current);
  return TRUE;
}

void
mmkm_password_free (gchar * password)
{
  if (!password)
    return;
  OPENSSL_cleanse (password, strlen (password));
  g_free (password);
}
