/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM identities: RSA-3072 key and self-signed certificate, made with
 * OpenSSL 3 (EVP, X509), handed to libmikey as PEM, kept in a state
 * directory with atomic writes. See mmkm-identity.h. */
#include "mmkm-identity.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mikey-credentials.h"
#include "mikey-error.h"
#include "mikey-message.h"

#define RSA_BITS 3072
#define DEFAULT_DAYS 3650
/* a peer whose clock is somewhat behind ours still takes a new
 * certificate as valid */
#define BACKDATE_SECONDS (24 * 60 * 60)
/* an RSA-3072 PEM key is about 2.5 KiB, a certificate about 1.5 KiB */
#define MAX_FILE_SIZE (64 * 1024)
#define X509_CN_MAX 64
#define URI_MAX 255

struct _MmkmIdentity
{
  MikeyKey *key;
  GPtrArray *chain;             /* one MikeyCert */
  gchar *cert_pem;
  /* only for identities made here, until freed: what save() writes */
  gchar *key_pem;
  gsize key_pem_len;
  guint8 fingerprint[MMKM_FINGERPRINT_LEN];
};

static void
set_crypto_error (GError ** error, const gchar * what)
{
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CRYPTO,
      "OpenSSL could not %s", what);
}

static gboolean
check_names (const gchar * common_name, const gchar * uri, GError ** error)
{
  const gchar *c;
  gsize cn_len = common_name ? strlen (common_name) : 0;

  if (cn_len == 0 || cn_len > X509_CN_MAX ||
      !g_utf8_validate (common_name, -1, NULL)) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "the certificate's common name must be 1 to %d bytes of UTF-8",
        X509_CN_MAX);
    return FALSE;
  }
  if (uri == NULL || uri[0] == '\0' || strlen (uri) > URI_MAX ||
      strchr (uri, ':') == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "the certificate's identity must be a URI of at most %d bytes "
        "such as \"mmkm:server\"", URI_MAX);
    return FALSE;
  }
  /* an IA5String, and one that prints unambiguously in a log */
  for (c = uri; *c != '\0'; c++) {
    if (*c <= ' ' || *c > '~') {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
          "the certificate's identity must be printable ASCII without "
          "spaces");
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
add_extensions (X509 * x, const gchar * uri)
{
  GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null ();
  GENERAL_NAME *gen = GENERAL_NAME_new ();
  ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new ();
  ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new ();
  BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new ();
  gboolean ok = FALSE;

  if (gens == NULL || gen == NULL || ia5 == NULL || ku == NULL || bc == NULL)
    goto out;
  if (!ASN1_STRING_set (ia5, uri, -1))
    goto out;
  GENERAL_NAME_set0_value (gen, GEN_URI, ia5);
  ia5 = NULL;
  if (!sk_GENERAL_NAME_push (gens, gen))
    goto out;
  gen = NULL;
  /* bit 0: digitalSignature, all MIKEY-DH asks of these keys */
  if (!ASN1_BIT_STRING_set_bit (ku, 0, 1))
    goto out;
  bc->ca = 0;
  ok = X509_add1_ext_i2d (x, NID_subject_alt_name, gens, 0,
      X509V3_ADD_DEFAULT) == 1 &&
      X509_add1_ext_i2d (x, NID_key_usage, ku, 1, X509V3_ADD_DEFAULT) == 1 &&
      X509_add1_ext_i2d (x, NID_basic_constraints, bc, 1,
      X509V3_ADD_DEFAULT) == 1;

out:
  GENERAL_NAMES_free (gens);
  GENERAL_NAME_free (gen);
  ASN1_IA5STRING_free (ia5);
  ASN1_BIT_STRING_free (ku);
  BASIC_CONSTRAINTS_free (bc);
  return ok;
}

static X509 *
make_cert (EVP_PKEY * pkey, const gchar * common_name, const gchar * uri,
    guint days)
{
  X509 *x = X509_new ();
  X509_NAME *name = X509_NAME_new ();
  BIGNUM *serial = NULL;
  guint8 rnd[16];
  gboolean ok = FALSE;

  if (x == NULL || name == NULL || RAND_bytes (rnd, sizeof (rnd)) != 1)
    goto out;
  rnd[0] &= 0x7f;               /* a positive serial number */
  rnd[0] |= 0x01;               /* of full length */
  serial = BN_bin2bn (rnd, sizeof (rnd), NULL);
  ok = serial != NULL && X509_set_version (x, X509_VERSION_3) &&
      BN_to_ASN1_INTEGER (serial, X509_get_serialNumber (x)) != NULL &&
      X509_NAME_add_entry_by_NID (name, NID_commonName, MBSTRING_UTF8,
      (const guchar *) common_name, -1, -1, 0) &&
      X509_set_subject_name (x, name) && X509_set_issuer_name (x, name) &&
      X509_gmtime_adj (X509_getm_notBefore (x), -BACKDATE_SECONDS) != NULL &&
      X509_time_adj_ex (X509_getm_notAfter (x), days, 0, NULL) != NULL &&
      X509_set_pubkey (x, pkey) && add_extensions (x, uri) &&
      X509_sign (x, pkey, EVP_sha256 ()) > 0;

out:
  BN_free (serial);
  X509_NAME_free (name);
  if (!ok) {
    X509_free (x);
    return NULL;
  }
  return x;
}

/* The contents of a memory BIO as a NUL-terminated string; for a key
 * (secmem BIO) the copy is the caller's to wipe. */
static gchar *
bio_to_string (BIO * bio, gsize * len)
{
  char *data;
  long n = BIO_get_mem_data (bio, &data);
  gchar *s;

  if (n <= 0)
    return NULL;
  s = g_malloc ((gsize) n + 1);
  memcpy (s, data, n);
  s[n] = '\0';
  if (len)
    *len = (gsize) n;
  return s;
}

/* Takes @key_pem (wiped and freed on every path) */
static MmkmIdentity *
identity_from_pem (gchar * key_pem, gsize key_pem_len, const gchar * cert_pem,
    gboolean keep_key_pem, GError ** error)
{
  MmkmIdentity *id = g_new0 (MmkmIdentity, 1);

  id->key = mikey_key_load_pem (key_pem, key_pem_len, NULL, error);
  if (keep_key_pem) {
    id->key_pem = key_pem;
    id->key_pem_len = key_pem_len;
  } else {
    mikey_secure_free (key_pem, key_pem_len);
  }
  if (id->key == NULL)
    goto fail;
  id->chain = mikey_cert_load_pem (cert_pem, strlen (cert_pem), error);
  if (id->chain == NULL)
    goto fail;
  if (id->chain->len != 1) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "holds %u certificates, not one", id->chain->len);
    goto fail;
  }
  if (!mikey_key_matches_cert (id->key, mmkm_identity_get_cert (id), error))
    goto fail;
  id->cert_pem = g_strdup (cert_pem);
  mmkm_cert_fingerprint (mmkm_identity_get_cert (id), id->fingerprint);
  return id;

fail:
  mmkm_identity_free (id);
  return NULL;
}

/* A certificate for @pkey; the identity keeps the key's PEM for save() */
static MmkmIdentity *
identity_for_pkey (EVP_PKEY * pkey, const gchar * common_name,
    const gchar * uri, guint days, GError ** error)
{
  X509 *x = make_cert (pkey, common_name, uri, days ? days : DEFAULT_DAYS);
  BIO *kbio = BIO_new (BIO_s_secmem ());
  BIO *cbio = BIO_new (BIO_s_mem ());
  gchar *key_pem = NULL;
  g_autofree gchar *cert_pem = NULL;
  gsize key_pem_len = 0;
  MmkmIdentity *id = NULL;

  if (x == NULL) {
    set_crypto_error (error, "make a certificate");
    goto out;
  }
  if (kbio == NULL || cbio == NULL ||
      !PEM_write_bio_PrivateKey (kbio, pkey, NULL, NULL, 0, NULL, NULL) ||
      !PEM_write_bio_X509 (cbio, x) ||
      (key_pem = bio_to_string (kbio, &key_pem_len)) == NULL ||
      (cert_pem = bio_to_string (cbio, NULL)) == NULL) {
    set_crypto_error (error, "write the key and certificate as PEM");
    goto out;
  }
  id = identity_from_pem (key_pem, key_pem_len, cert_pem, TRUE, error);
  key_pem = NULL;

out:
  if (key_pem != NULL)
    mikey_secure_free (key_pem, key_pem_len);
  BIO_free (kbio);              /* a secmem BIO wipes its buffer */
  BIO_free (cbio);
  X509_free (x);
  return id;
}

MmkmIdentity *
mmkm_identity_new (const gchar * common_name, const gchar * uri, guint days,
    GError ** error)
{
  EVP_PKEY *pkey;
  MmkmIdentity *id;

  if (!check_names (common_name, uri, error))
    return NULL;
  pkey = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) RSA_BITS);
  if (pkey == NULL) {
    set_crypto_error (error, "make an RSA key");
    return NULL;
  }
  id = identity_for_pkey (pkey, common_name, uri, days, error);
  EVP_PKEY_free (pkey);
  return id;
}

void
mmkm_identity_free (MmkmIdentity * id)
{
  if (id == NULL)
    return;
  g_clear_pointer (&id->key, mikey_key_unref);
  g_clear_pointer (&id->chain, g_ptr_array_unref);
  g_free (id->cert_pem);
  if (id->key_pem != NULL)
    mikey_secure_free (id->key_pem, id->key_pem_len);
  g_free (id);
}

MikeyKey *
mmkm_identity_get_key (const MmkmIdentity * id)
{
  return id->key;
}

MikeyCert *
mmkm_identity_get_cert (const MmkmIdentity * id)
{
  return g_ptr_array_index (id->chain, 0);
}

GPtrArray *
mmkm_identity_get_chain (const MmkmIdentity * id)
{
  return id->chain;
}

const gchar *
mmkm_identity_get_cert_pem (const MmkmIdentity * id)
{
  return id->cert_pem;
}

const guint8 *
mmkm_identity_get_fingerprint (const MmkmIdentity * id)
{
  return id->fingerprint;
}

void
mmkm_cert_fingerprint (const MikeyCert * cert, guint8 out[MMKM_FINGERPRINT_LEN])
{
  gsize len;
  const guint8 *der = mikey_cert_get_der (cert, &len);
  unsigned int n = MMKM_FINGERPRINT_LEN;

  if (!EVP_Digest (der, len, out, &n, EVP_sha256 (), NULL))
    g_error ("SHA-256 is not available");
}

gchar *
mmkm_fingerprint_to_string (const guint8 fp[MMKM_FINGERPRINT_LEN])
{
  GString *s = g_string_sized_new (MMKM_FINGERPRINT_LEN * 3);
  guint i;

  for (i = 0; i < MMKM_FINGERPRINT_LEN; i++)
    g_string_append_printf (s, "%s%02X", i ? ":" : "", fp[i]);
  return g_string_free (s, FALSE);
}

gboolean
mmkm_fingerprint_parse (const gchar * text, guint8 out[MMKM_FINGERPRINT_LEN],
    GError ** error)
{
  gsize len = 0;
  guint8 *bytes = mikey_hex_decode (text, &len, error);

  if (bytes == NULL)
    return FALSE;
  if (len != MMKM_FINGERPRINT_LEN) {
    g_free (bytes);
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "a SHA-256 fingerprint is %d bytes, not %" G_GSIZE_FORMAT,
        MMKM_FINGERPRINT_LEN, len);
    return FALSE;
  }
  memcpy (out, bytes, MMKM_FINGERPRINT_LEN);
  g_free (bytes);
  return TRUE;
}

/* ---- files -------------------------------------------------------------- */

static gboolean
fsync_dir (const gchar * dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = fsync (fd) == 0;
  close (fd);
  return ok;
}

/* Temporary file, fsync, rename, fsync of the directory: after a crash
 * @path is the old file or the new one, never a part. */
static gboolean
write_atomic (const gchar * dir, const gchar * path, const gchar * data,
    gsize len, int mode, GError ** error)
{
  g_autofree gchar *tmp = g_strconcat (path, ".XXXXXX", NULL);
  const gchar *what = "create";
  gsize done = 0;
  int fd, saved;

  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    goto fail;
  what = "write";
  /* exact, whatever the umask */
  if (fchmod (fd, mode) != 0)
    goto fail_fd;
  while (done < len) {
    ssize_t n = write (fd, data + done, len - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      goto fail_fd;
    done += n;
  }
  if (fsync (fd) != 0)
    goto fail_fd;
  if (close (fd) != 0) {
    fd = -1;
    goto fail_tmp;
  }
  fd = -1;
  what = "rename";
  if (g_rename (tmp, path) != 0)
    goto fail_tmp;
  what = "sync the directory of";
  if (!fsync_dir (dir))
    goto fail;
  return TRUE;

fail_fd:
  saved = errno;
  close (fd);
  errno = saved;
fail_tmp:
  saved = errno;
  g_unlink (tmp);
  errno = saved;
fail:
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
      "%s: could not %s it: %s", path, what, g_strerror (errno));
  return FALSE;
}

static gchar *
file_path (const gchar * dir, const gchar * base, const gchar * ext)
{
  g_autofree gchar *name = g_strconcat (base, ext, NULL);

  return g_build_filename (dir, name, NULL);
}

gboolean
mmkm_identity_save (const MmkmIdentity * id, const gchar * dir,
    const gchar * base, GError ** error)
{
  g_autofree gchar *key_path = file_path (dir, base, ".key");
  g_autofree gchar *cert_path = file_path (dir, base, ".crt");

  if (id->key_pem == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "%s: only a new identity can be saved", key_path);
    return FALSE;
  }
  /* key first: a crash in between leaves a key without certificate,
   * which load_or_create() completes, never a certificate without key */
  return write_atomic (dir, key_path, id->key_pem, id->key_pem_len, 0600,
      error) && write_atomic (dir, cert_path, id->cert_pem,
      strlen (id->cert_pem), 0644, error);
}

/* Reads a private key file, refusing one that others may read or write.
 * The returned text (NUL-terminated) must be wiped by the caller. */
static gchar *
read_key_file (const gchar * path, gsize * out_len, GError ** error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  struct stat st;
  gchar *buf = NULL;
  gsize done = 0;

  if (fd < 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "%s: cannot open it: %s", path, g_strerror (errno));
    return NULL;
  }
  /* the file we opened, not whatever the name points to later */
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "%s: not a regular file", path);
    goto out;
  }
  if ((st.st_mode & 0077) != 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "%s: permissions %04o are too open: a private key must be readable "
        "by its owner only (chmod 600 %s)", path,
        (unsigned) (st.st_mode & 07777), path);
    goto out;
  }
  if (st.st_size <= 0 || st.st_size > MAX_FILE_SIZE) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "%s: empty or larger than %d bytes", path, MAX_FILE_SIZE);
    goto out;
  }
  buf = g_malloc0 ((gsize) st.st_size + 1);
  while (done < (gsize) st.st_size) {
    ssize_t n = read (fd, buf + done, (gsize) st.st_size - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
          "%s: cannot read it: %s", path, g_strerror (errno));
      mikey_secure_free (buf, (gsize) st.st_size + 1);
      buf = NULL;
      goto out;
    }
    if (n == 0)
      break;
    done += n;
  }
  *out_len = done;

out:
  close (fd);
  return buf;
}

static gchar *
read_cert_file (const gchar * path, GError ** error)
{
  gchar *text = NULL;
  gsize len = 0;
  GError *err = NULL;

  if (!g_file_get_contents (path, &text, &len, &err)) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "%s: %s", path, err->message);
    g_error_free (err);
    return NULL;
  }
  if (len > MAX_FILE_SIZE || strlen (text) != len) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "%s: not a PEM certificate", path);
    g_free (text);
    return NULL;
  }
  return text;
}

MmkmIdentity *
mmkm_identity_load (const gchar * dir, const gchar * base, GError ** error)
{
  g_autofree gchar *key_path = file_path (dir, base, ".key");
  g_autofree gchar *cert_path = file_path (dir, base, ".crt");
  g_autofree gchar *cert_pem = NULL;
  gchar *key_pem;
  gsize key_len = 0;
  MmkmIdentity *id;

  key_pem = read_key_file (key_path, &key_len, error);
  if (key_pem == NULL)
    return NULL;
  cert_pem = read_cert_file (cert_path, error);
  if (cert_pem == NULL) {
    mikey_secure_free (key_pem, key_len + 1);
    return NULL;
  }
  /* identity_from_pem wipes key_len bytes; the NUL after them is 0 */
  id = identity_from_pem (key_pem, key_len, cert_pem, FALSE, error);
  if (id == NULL && error != NULL && *error != NULL)
    g_prefix_error (error, "%s, %s: ", key_path, cert_path);
  return id;
}

/* A key file whose certificate is missing: a new certificate for it */
static MmkmIdentity *
complete_key (const gchar * key_path, const gchar * common_name,
    const gchar * uri, GError ** error)
{
  gsize len = 0;
  gchar *pem = read_key_file (key_path, &len, error);
  BIO *bio;
  EVP_PKEY *pkey;
  MmkmIdentity *id;

  if (pem == NULL)
    return NULL;
  bio = BIO_new_mem_buf (pem, (int) len);
  pkey = bio ? PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL) : NULL;
  BIO_free (bio);
  mikey_secure_free (pem, len + 1);
  if (pkey == NULL || EVP_PKEY_get_base_id (pkey) != EVP_PKEY_RSA) {
    EVP_PKEY_free (pkey);
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "%s: not an unencrypted RSA private key in PEM", key_path);
    return NULL;
  }
  id = identity_for_pkey (pkey, common_name, uri, 0, error);
  EVP_PKEY_free (pkey);
  return id;
}

MmkmIdentity *
mmkm_identity_load_or_create (const gchar * dir, const gchar * base,
    const gchar * common_name, const gchar * uri, gboolean * created,
    GError ** error)
{
  g_autofree gchar *key_path = file_path (dir, base, ".key");
  g_autofree gchar *cert_path = file_path (dir, base, ".crt");
  gboolean have_key, have_cert;
  MmkmIdentity *id;
  GError *err = NULL;

  if (created)
    *created = FALSE;
  if (!check_names (common_name, uri, error))
    return NULL;
  if (g_mkdir_with_parents (dir, 0700) != 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "%s: cannot create the directory: %s", dir, g_strerror (errno));
    return NULL;
  }
  have_key = g_file_test (key_path, G_FILE_TEST_EXISTS);
  have_cert = g_file_test (cert_path, G_FILE_TEST_EXISTS);

  if (have_key && have_cert) {
    id = mmkm_identity_load (dir, base, error);
    if (id != NULL &&
        !mikey_cert_matches_identity (mmkm_identity_get_cert (id), uri, &err)) {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_IDENTITY,
          "%s: the certificate is not for %s (%s)", cert_path, uri,
          err->message);
      g_error_free (err);
      g_clear_pointer (&id, mmkm_identity_free);
    }
    return id;
  }
  if (have_cert) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "%s: the certificate's private key %s is missing", cert_path, key_path);
    return NULL;
  }

  if (have_key)
    id = complete_key (key_path, common_name, uri, error);
  else
    id = mmkm_identity_new (common_name, uri, 0, error);
  if (id == NULL)
    return NULL;
  if (!(have_key ? write_atomic (dir, cert_path, id->cert_pem,
              strlen (id->cert_pem), 0644, error) :
          mmkm_identity_save (id, dir, base, error))) {
    mmkm_identity_free (id);
    return NULL;
  }
  if (created)
    *created = TRUE;
  return id;
}
