/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Password hashing for mmkm-server: argon2id (libargon2) in the standard
 * encoded form "$argon2id$v=19$m=M,t=T,p=P$SALT$HASH", so that the
 * parameters a hash was made with travel with it and can be raised later
 * without invalidating stored hashes. */
#ifndef MMKM_PASSWORD_H
#define MMKM_PASSWORD_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint32 t_cost;               /* passes over memory */
  guint32 m_cost_kib;           /* memory, KiB */
  guint32 parallelism;          /* lanes */
  guint32 salt_len;             /* bytes */
  guint32 hash_len;             /* bytes */
} MmkmPasswordParams;

/* OWASP's argon2id recommendation at the time of writing (t=2, 19 MiB,
 * p=1) with one more pass: about 40-60 ms of one core here. */
#define MMKM_PASSWORD_DEFAULT_T_COST 3
#define MMKM_PASSWORD_DEFAULT_M_COST_KIB (19 * 1024)
#define MMKM_PASSWORD_DEFAULT_PARALLELISM 1
#define MMKM_PASSWORD_DEFAULT_SALT_LEN 16
#define MMKM_PASSWORD_DEFAULT_HASH_LEN 32

/* Bounds on what a stored hash may ask for: a corrupt or hostile row
 * must not make one login cost gigabytes or minutes. */
#define MMKM_PASSWORD_MAX_T_COST 64
#define MMKM_PASSWORD_MAX_M_COST_KIB (1024 * 1024)
#define MMKM_PASSWORD_MAX_PARALLELISM 16
#define MMKM_PASSWORD_MIN_SALT_LEN 8
#define MMKM_PASSWORD_MAX_SALT_LEN 64
#define MMKM_PASSWORD_MIN_HASH_LEN 16
#define MMKM_PASSWORD_MAX_HASH_LEN 64

void mmkm_password_params_init_default (MmkmPasswordParams * params);

/* FALSE with a sentence in @err when the parameters are out of bounds. */
gboolean mmkm_password_params_check (const MmkmPasswordParams * params,
    GError ** err);

/* A fresh salt from OpenSSL's RNG; returns the encoded form (not secret
 * but not to be logged either: it is an offline-guessing target). */
gchar *mmkm_password_hash (const MmkmPasswordParams * params,
    const gchar * password, gsize password_len, GError ** err);

/* Checks @password against @encoded in constant time. @encoded may be
 * NULL (unknown user) or unparsable (corrupt row): then the same work is
 * done with @current's parameters against a dummy hash and the answer is
 * FALSE, so that "no such user" cannot be told from "wrong password" by
 * the answer or by its timing. When the password matches and
 * @needs_rehash is not NULL, it tells whether @encoded was made with
 * parameters other than @current (hash again and store the new form). */
gboolean mmkm_password_verify (const gchar * encoded,
    const gchar * password, gsize password_len,
    const MmkmPasswordParams * current, gboolean * needs_rehash);

/* TRUE when @encoded does not parse or was made with parameters other
 * than @current. */
gboolean mmkm_password_needs_rehash (const gchar * encoded,
    const MmkmPasswordParams * current);

/* Parses the encoded form strictly (argon2id, v=19, decimal numbers
 * without leading zeros, unpadded standard base64, lengths within the
 * bounds above). Fills @params (salt_len and hash_len from the decoded
 * lengths), and @salt / @hash when not NULL (buffers of at least
 * MMKM_PASSWORD_MAX_SALT_LEN / MMKM_PASSWORD_MAX_HASH_LEN bytes). */
gboolean mmkm_password_parse (const gchar * encoded,
    MmkmPasswordParams * params, guint8 * salt, guint8 * hash);

/* The argon2 work done by this process so far, in KiB-passes (the sum of
 * t_cost * m_cost_kib over every hash computed): lets tests check that an
 * unknown user costs what a wrong password costs. */
guint64 mmkm_password_work_done (void);

/* Wipes and frees a password buffer that came from a prompt or a
 * request body. */
void mmkm_password_free (gchar * password);

G_END_DECLS
#endif /* MMKM_PASSWORD_H */
