/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AES-256-GCM sealing of secrets at rest under the server key file. */
#include "mmkm-seal.h"
#include "mmkm-store.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define SEAL_VERSION 1

struct _MmkmSeal
{
  guint8 key[MMKM_SEAL_KEY_LEN];
};

MmkmSeal *
mmkm_seal_new (const guint8 key[MMKM_SEAL_KEY_LEN])
{
  MmkmSeal *seal = g_new0 (MmkmSeal, 1);

  memcpy (seal->key, key, MMKM_SEAL_KEY_LEN);
  return seal;
}

void
mmkm_seal_free (MmkmSeal * seal)
{
  if (!seal)
    return;
  OPENSSL_cleanse (seal->key, sizeof seal->key);
  g_free (seal);
}

static gboolean
write_all (int fd, const guint8 * buf, gsize len)
{
  while (len > 0) {
    ssize_t n = write (fd, buf, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    buf += n;
    len -= (gsize) n;
  }
  return TRUE;
}

/* Written to a temporary file, synced, then linked to its name: the key
 * file appears whole or not at all, even after a crash in the middle,
 * and link() fails if another server made one meanwhile, whose key is
 * then used (rows must never be sealed under two keys). */
static MmkmSeal *
create_key_file (const gchar * path, GError ** err)
{
  guint8 key[MMKM_SEAL_KEY_LEN];
  gchar *tmp = g_strconcat (path, ".new-XXXXXX", NULL);
  gchar *dir;
  MmkmSeal *seal = NULL;
  int fd, e;

  if (RAND_bytes (key, sizeof key) != 1) {
    g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_IO,
        "OpenSSL's random generator failed: cannot make the server key %s",
        path);
    g_free (tmp);
    return NULL;
  }
  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) {
    e = errno;
    g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_IO,
        "cannot create the server key file %s: %s (is the state directory "
        "there and writable?)", path, g_strerror (e));
    goto out;
  }
  if (!write_all (fd, key, sizeof key) || fsync (fd) != 0) {
    e = errno;
    close (fd);
    g_unlink (tmp);
    g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_IO,
        "cannot write the server key file %s: %s", path, g_strerror (e));
    goto out;
  }
  close (fd);
  if (link (tmp, path) != 0) {
    e = errno;
    g_unlink (tmp);
    if (e == EEXIST) {
      seal = mmkm_seal_open_key_file (path, err);
      goto out;
    }
    g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_IO,
        "cannot create the server key file %s: %s", path, g_strerror (e));
    goto out;
  }
  g_unlink (tmp);
  /* the new name must survive a crash too, or rows sealed under the key
   * would outlive the key */
  dir = g_path_get_dirname (path);
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync (fd);
    close (fd);
  }
  g_free (dir);
  seal = mmkm_seal_new (key);

out:
  OPENSSL_cleanse (key, sizeof key);
  g_free (tmp);
  return seal;
}

MmkmSeal *
mmkm_seal_open_key_file (const gchar * path, GError ** err)
{
  guint8 key[MMKM_SEAL_KEY_LEN + 1];
  struct stat st;
  MmkmSeal *seal;
  ssize_t n;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT)
    return create_key_file (path, err);
  if (fd < 0) {
    g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_IO,
        "cannot open the server key file %s: %s", path, g_strerror (errno));
    return NULL;
  }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
    close (fd);
    g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_IO,
        "the server key file %s is not a regular file", path);
    return NULL;
  }
  if (st.st_mode & 077) {
    close (fd);
    g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_IO,
        "the server key file %s may be read by others (mode %03o): "
        "chmod 600 it, and consider the secrets it protects exposed",
        path, (guint) (st.st_mode & 0777));
    return NULL;
  }
  do
    n = read (fd, key, sizeof key);
  while (n < 0 && errno == EINTR);
  close (fd);
  if (n != MMKM_SEAL_KEY_LEN) {
    OPENSSL_cleanse (key, sizeof key);
    g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_CORRUPT,
        "the server key file %s is not %d bytes long: restore it from a "
        "backup (without it the stored TEKs and KEKs cannot be read)",
        path, MMKM_SEAL_KEY_LEN);
    return NULL;
  }
  seal = mmkm_seal_new (key);
  OPENSSL_cleanse (key, sizeof key);
  return seal;
}

GBytes *
mmkm_seal_seal (MmkmSeal * seal, const guint8 * ad, gsize ad_len,
    const guint8 * plain, gsize plain_len, GError ** err)
{
  gsize total = MMKM_SEAL_OVERHEAD + plain_len;
  guint8 *out = g_malloc (total);
  guint8 *nonce = out + 1, *ct = out + 1 + MMKM_SEAL_NONCE_LEN;
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  int len;
  gboolean ok;

  out[0] = SEAL_VERSION;
  ok = ctx && plain_len <= MMKM_SEAL_MAX_PLAIN && ad_len <= G_MAXINT
      && RAND_bytes (nonce, MMKM_SEAL_NONCE_LEN) == 1
      && EVP_EncryptInit_ex2 (ctx, EVP_aes_256_gcm (), seal->key, nonce,
      NULL) == 1
      && EVP_EncryptUpdate (ctx, NULL, &len, out, 1) == 1
      && EVP_EncryptUpdate (ctx, NULL, &len, ad, (int) ad_len) == 1
      && EVP_EncryptUpdate (ctx, ct, &len, plain, (int) plain_len) == 1
      && EVP_EncryptFinal_ex (ctx, ct + len, &len) == 1
      && EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, MMKM_SEAL_TAG_LEN,
      ct + plain_len) == 1;
  EVP_CIPHER_CTX_free (ctx);
  if (!ok) {
    g_free (out);
    g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_IO,
        "AES-256-GCM sealing failed (OpenSSL)");
    return NULL;
  }
  return g_bytes_new_take (out, total);
}

gboolean
mmkm_seal_open (MmkmSeal * seal, const guint8 * ad, gsize ad_len,
    GBytes * sealed, guint8 * out, gsize out_size, gsize * out_len,
    GError ** err)
{
  gsize total;
  const guint8 *in = g_bytes_get_data (sealed, &total);
  EVP_CIPHER_CTX *ctx;
  gsize plain_len;
  int len;
  gboolean ok;

  if (total < MMKM_SEAL_OVERHEAD || in[0] != SEAL_VERSION
      || total - MMKM_SEAL_OVERHEAD > out_size
      || total - MMKM_SEAL_OVERHEAD > MMKM_SEAL_MAX_PLAIN) {
    g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_CORRUPT,
        "a sealed secret in the database is malformed (%" G_GSIZE_FORMAT
        " bytes): the row is damaged", total);
    return FALSE;
  }
  plain_len = total - MMKM_SEAL_OVERHEAD;
  ctx = EVP_CIPHER_CTX_new ();
  ok = ctx && EVP_DecryptInit_ex2 (ctx, EVP_aes_256_gcm (), seal->key,
      in + 1, NULL) == 1
      && EVP_DecryptUpdate (ctx, NULL, &len, in, 1) == 1
      && EVP_DecryptUpdate (ctx, NULL, &len, ad, (int) ad_len) == 1
      && EVP_DecryptUpdate (ctx, out, &len,
      in + 1 + MMKM_SEAL_NONCE_LEN, (int) plain_len) == 1
      && EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_TAG, MMKM_SEAL_TAG_LEN,
      (void *) (in + 1 + MMKM_SEAL_NONCE_LEN + plain_len)) == 1
      && EVP_DecryptFinal_ex (ctx, out + len, &len) == 1;
  EVP_CIPHER_CTX_free (ctx);
  if (!ok) {
    OPENSSL_cleanse (out, out_size);
    g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_CORRUPT,
        "a sealed secret in the database does not open under the server "
        "key: the key file is not the one the database was written with, "
        "or the row was altered");
    return FALSE;
  }
  *out_len = plain_len;
  return TRUE;
}
