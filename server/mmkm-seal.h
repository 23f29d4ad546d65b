/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Secrets at rest: AES-256-GCM under the server key file, with the
 * identity of the row that holds a value as associated data, so that a
 * value copied into another row, a tampered value or a wrong key file is
 * an error and never wrong key bytes. */
#ifndef MMKM_SEAL_H
#define MMKM_SEAL_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MmkmSeal MmkmSeal;

#define MMKM_SEAL_KEY_LEN 32
#define MMKM_SEAL_NONCE_LEN 12
#define MMKM_SEAL_TAG_LEN 16
/* version byte, nonce, tag */
#define MMKM_SEAL_OVERHEAD (1 + MMKM_SEAL_NONCE_LEN + MMKM_SEAL_TAG_LEN)
#define MMKM_SEAL_MAX_PLAIN 256

/* Loads the 32-byte key from @path, or, when the file does not exist,
 * creates it (0600, 32 bytes from OpenSSL's RNG, written and synced
 * before it is used). Refuses a file of another size or one that group
 * or others may read. */
MmkmSeal *mmkm_seal_open_key_file (const gchar * path, GError ** err);

/* For tests and for keys that come from elsewhere (a KMS, a PostgreSQL
 * deployment's secret store). */
MmkmSeal *mmkm_seal_new (const guint8 key[MMKM_SEAL_KEY_LEN]);

void mmkm_seal_free (MmkmSeal * seal);

/* version 1 || nonce || ciphertext || tag, a fresh random nonce each time. */
GBytes *mmkm_seal_seal (MmkmSeal * seal, const guint8 * ad, gsize ad_len,
    const guint8 * plain, gsize plain_len, GError ** err);

/* Opens @sealed into @out (at most @out_size bytes), FALSE with
 * MMKM_STORE_ERROR_CORRUPT when the value was tampered with, belongs to
 * another row or was sealed under another key. @out is wiped on failure. */
gboolean mmkm_seal_open (MmkmSeal * seal, const guint8 * ad, gsize ad_len,
    GBytes * sealed, guint8 * out, gsize out_size, gsize * out_len,
    GError ** err);

G_END_DECLS
#endif /* MMKM_SEAL_H */
