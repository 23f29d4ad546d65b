/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the parser of stored argon2id hashes
 * (server/mmkm-password.c): a damaged or hostile database row must never
 * crash the server, must parse only when it re-encodes to the same
 * string, and must never verify an arbitrary password. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mmkm-password.h"

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static const MmkmPasswordParams cheap = { 1, 8, 1, 16, 32 };

static gchar *
b64_nopad (const guint8 * p, gsize n)
{
  gchar *s = g_base64_encode (p, n);
  gchar *eq = strchr (s, '=');

  if (eq)
    *eq = 0;
  return s;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  gchar *s = g_strndup ((const gchar *) data, size);
  guint8 salt[MMKM_PASSWORD_MAX_SALT_LEN], hash[MMKM_PASSWORD_MAX_HASH_LEN];
  MmkmPasswordParams p;

  if (mmkm_password_parse (s, &p, salt, hash)) {
    /* the form is canonical: what parsed encodes back to itself */
    gchar *sb = b64_nopad (salt, p.salt_len);
    gchar *hb = b64_nopad (hash, p.hash_len);
    gchar *again = g_strdup_printf ("$argon2id$v=19$m=%u,t=%u,p=%u$%s$%s",
        p.m_cost_kib, p.t_cost, p.parallelism, sb, hb);

    if (strcmp (again, s) != 0)
      abort ();
    /* only cheap parameters are worth running argon2id on here */
    if (p.m_cost_kib <= 64 && p.t_cost <= 2
        && mmkm_password_verify (s, "fuzz", 4, &cheap, NULL)
        && mmkm_password_verify (s, "zzuf", 4, &cheap, NULL))
      abort ();
    g_free (again);
    g_free (sb);
    g_free (hb);
  }
  (void) mmkm_password_needs_rehash (s, &cheap);
  g_free (s);
  return 0;
}
