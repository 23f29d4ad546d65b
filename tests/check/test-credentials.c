/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for libmikey's credential loading (mikey-credentials.h): hex
 * decoding, pre-shared key files, certificate chains, peer certificates,
 * encrypted private keys, trust stores (CA file or directory) and CRLs.
 *
 * The elements and mikey-tool word their messages around these, so every
 * refusal must be MIKEY_ERROR_SETTINGS and name the file (or, for hex, the
 * position) without repeating key material. The test PKI is
 * tests/check/data/pki; verification is pinned to NOW.
 */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "mikey-base64.h"
#include "mikey-credentials.h"
#include "mikey-message.h"
#include "mikey-test-certs.h"

/* 2030-01-01 00:00:00 UTC */
#define NOW ((time_t) 1893456000)

#define PASSPHRASE "mikey-test"

/* ---- helpers ------------------------------------------------------------ */

/* The error is MIKEY_ERROR_SETTINGS, holds @part and, when given, names
 * @file */
static void
expect_settings_error (GError ** err, const gchar * part, const gchar * file)
{
  fail_unless (*err != NULL, "no error, expected one with \"%s\"", part);
  fail_unless ((*err)->domain == MIKEY_ERROR &&
      (*err)->code == MIKEY_ERROR_SETTINGS,
      "error code %d, expected MIKEY_ERROR_SETTINGS: %s", (*err)->code,
      (*err)->message);
  fail_unless (strstr ((*err)->message, part) != NULL,
      "message \"%s\" lacks \"%s\"", (*err)->message, part);
  fail_unless (file == NULL || strstr ((*err)->message, file) != NULL,
      "message \"%s\" does not name %s", (*err)->message, file);
  fail_if (strstr ((*err)->message, PASSPHRASE) != NULL);
  g_clear_error (err);
}

static gchar *
write_tmp (const gchar * dir, const gchar * name, const gchar * contents,
    gssize len)
{
  gchar *path = g_build_filename (dir, name, NULL);

  fail_unless (g_file_set_contents (path, contents, len, NULL));
  return path;
}

static void
remove_dir (const gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  fail_unless (d != NULL);
  while ((name = g_dir_read_name (d)) != NULL) {
    gchar *path = g_build_filename (dir, name, NULL);

    fail_unless (g_remove (path) == 0);
    g_free (path);
  }
  g_dir_close (d);
  fail_unless (g_rmdir (dir) == 0);
}

static MikeyCert *
load_cert (const gchar * name)
{
  gchar *path = mikey_test_pki (name);
  GError *err = NULL;
  MikeyCert *cert = mikey_credentials_load_peer_cert (path, NULL, &err);

  g_assert_no_error (err);
  fail_unless (cert != NULL);
  g_free (path);
  return cert;
}

/* ---- hex ---------------------------------------------------------------- */

GST_START_TEST (test_hex_round_trip)
{
  guint8 data[64];
  gsize n, i;

  for (n = 1; n <= sizeof (data); n++) {
    gchar *hex, *upper;
    guint8 *back;
    gsize len = 0;
    GError *err = NULL;

    for (i = 0; i < n; i++)
      data[i] = (guint8) g_random_int ();
    hex = mikey_hex_encode (data, n);
    back = mikey_hex_decode (hex, &len, &err);
    g_assert_no_error (err);
    fail_unless_equals_int (len, n);
    fail_unless (memcmp (back, data, n) == 0);
    mikey_secure_free (back, len);

    upper = g_ascii_strup (hex, -1);
    back = mikey_hex_decode (upper, &len, &err);
    g_assert_no_error (err);
    fail_unless_equals_int (len, n);
    fail_unless (memcmp (back, data, n) == 0);
    mikey_secure_free (back, len);
    g_free (upper);
    g_free (hex);
  }
}

GST_END_TEST;

GST_START_TEST (test_hex_separators)
{
  static const guint8 want[] = { 0x00, 0x11, 0xaa, 0xff };
  static const gchar *const ok[] = {
    "0011aaff", "0011AAFF", "0x0011aaff", "0X0011aaff", "00:11:aa:ff",
    "00 11 aa ff", "  0011\taaff\n", "00:11\naa:ff\r\n",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (ok); i++) {
    gsize len = 0;
    GError *err = NULL;
    guint8 *out = mikey_hex_decode (ok[i], &len, &err);

    g_assert_no_error (err);
    fail_unless (out != NULL, "%s refused", ok[i]);
    fail_unless_equals_int (len, sizeof (want));
    fail_unless (memcmp (out, want, len) == 0, "%s", ok[i]);
    mikey_secure_free (out, len);
  }
}

GST_END_TEST;

GST_START_TEST (test_hex_errors)
{
  GError *err = NULL;
  gsize len = 7;

  /* odd length */
  fail_unless (mikey_hex_decode ("abc", &len, &err) == NULL);
  fail_unless_equals_int (len, 0);
  expect_settings_error (&err, "odd number of hex digits (3)", NULL);
  /* a character that is not hex: its position, never the character (it
   * may be part of a key) */
  fail_unless (mikey_hex_decode ("00112g33", &len, &err) == NULL);
  fail_unless (strchr (err->message, 'g') == NULL, "%s", err->message);
  expect_settings_error (&err, "not hex: unexpected character at position 6",
      NULL);
  fail_unless (mikey_hex_decode ("00\x01" "11", &len, &err) == NULL);
  expect_settings_error (&err, "not hex", NULL);
  fail_unless (mikey_hex_decode ("0x0x00", &len, &err) == NULL);
  expect_settings_error (&err, "not hex", NULL);
  /* a separator inside a byte: almost surely a mistyped key */
  fail_unless (mikey_hex_decode ("0 011", &len, &err) == NULL);
  expect_settings_error (&err, "separator at position 2 splits a byte", NULL);
  /* too short: nothing at all */
  fail_unless (mikey_hex_decode ("", &len, &err) == NULL);
  expect_settings_error (&err, "empty hex value", NULL);
  fail_unless (mikey_hex_decode (" \n", &len, &err) == NULL);
  expect_settings_error (&err, "empty hex value", NULL);
  fail_unless (mikey_hex_decode ("0x", &len, &err) == NULL);
  expect_settings_error (&err, "empty hex value", NULL);
}

GST_END_TEST;

GST_START_TEST (test_secure_free_string)
{
  mikey_secure_free_string (NULL);
  mikey_secure_free_string (g_strdup (""));
  mikey_secure_free_string (g_strdup (PASSPHRASE));
}

GST_END_TEST;

/* ---- pre-shared key files ---------------------------------------------- */

GST_START_TEST (test_psk_file)
{
  static const guint8 want[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff
  };
  gchar *dir = g_dir_make_tmp ("mikey-psk-XXXXXX", NULL);
  gchar *path;
  guint8 *psk;
  gsize len = 0;
  GError *err = NULL;

  fail_unless (dir != NULL);

  /* as `openssl rand -hex 16 > psk.hex` writes it: a trailing newline */
  path = write_tmp (dir, "newline.hex", "00112233445566778899aabbccddeeff\n",
      -1);
  psk = mikey_credentials_load_psk_file (path, &len, &err);
  g_assert_no_error (err);
  fail_unless_equals_int (len, sizeof (want));
  fail_unless (memcmp (psk, want, len) == 0);
  mikey_secure_free (psk, len);
  g_free (path);

  path = write_tmp (dir, "colons.hex",
      "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF", -1);
  psk = mikey_credentials_load_psk_file (path, &len, &err);
  g_assert_no_error (err);
  fail_unless_equals_int (len, sizeof (want));
  fail_unless (memcmp (psk, want, len) == 0);
  mikey_secure_free (psk, len);
  g_free (path);

  /* refused, naming the file */
  path = g_build_filename (dir, "missing.hex", NULL);
  fail_unless (mikey_credentials_load_psk_file (path, &len, &err) == NULL);
  expect_settings_error (&err, "cannot read PSK file", path);
  g_free (path);

  path = write_tmp (dir, "odd.hex", "0011223\n", -1);
  fail_unless (mikey_credentials_load_psk_file (path, &len, &err) == NULL);
  expect_settings_error (&err, "does not hold a hex key", path);
  g_free (path);

  path = write_tmp (dir, "text.hex", "secret passphrase\n", -1);
  fail_unless (mikey_credentials_load_psk_file (path, &len, &err) == NULL);
  fail_unless (strstr (err->message, "secret") == NULL);
  expect_settings_error (&err, "does not hold a hex key", path);
  g_free (path);

  path = write_tmp (dir, "empty.hex", "", 0);
  fail_unless (mikey_credentials_load_psk_file (path, &len, &err) == NULL);
  expect_settings_error (&err, "empty hex value", path);
  g_free (path);

  /* a NUL would otherwise cut the key short without a word */
  path = write_tmp (dir, "nul.hex", "0011\0002233", 9);
  fail_unless (mikey_credentials_load_psk_file (path, &len, &err) == NULL);
  expect_settings_error (&err, "NUL", path);
  g_free (path);

  remove_dir (dir);
  g_free (dir);
}

GST_END_TEST;

/* ---- certificates and keys ---------------------------------------------- */

GST_START_TEST (test_chain)
{
  gchar *chain_path = mikey_test_pki ("bob-chain.pem");
  gchar *alice_path = mikey_test_pki ("alice.pem");
  gchar *not_pem = mikey_test_pki ("make-pki.sh");
  gchar *missing = mikey_test_pki ("nobody.pem");
  GPtrArray *certs, *chain = NULL;
  MikeyCert *cert;
  GError *err = NULL;
  gchar *subject;

  certs = mikey_credentials_load_chain (chain_path, &err);
  g_assert_no_error (err);
  fail_unless_equals_int (certs->len, 2);
  subject = mikey_cert_get_subject (g_ptr_array_index (certs, 0));
  fail_unless (strstr (subject, "CN=bob") != NULL, "%s", subject);
  g_free (subject);
  g_ptr_array_unref (certs);

  certs = mikey_credentials_load_chain (alice_path, &err);
  g_assert_no_error (err);
  fail_unless_equals_int (certs->len, 1);
  g_ptr_array_unref (certs);

  fail_unless (mikey_credentials_load_chain (not_pem, &err) == NULL);
  expect_settings_error (&err, "no PEM certificate found", not_pem);
  fail_unless (mikey_credentials_load_chain (missing, &err) == NULL);
  expect_settings_error (&err, "cannot read certificate file", missing);

  /* a peer's certificate: the first one, the rest is its chain */
  cert = mikey_credentials_load_peer_cert (chain_path, &chain, &err);
  g_assert_no_error (err);
  fail_unless_equals_int (chain->len, 1);
  subject = mikey_cert_get_subject (cert);
  fail_unless (strstr (subject, "CN=bob") != NULL, "%s", subject);
  g_free (subject);
  subject = mikey_cert_get_subject (g_ptr_array_index (chain, 0));
  fail_unless (strstr (subject, "Intermediate") != NULL, "%s", subject);
  g_free (subject);
  g_ptr_array_unref (chain);
  mikey_cert_unref (cert);

  cert = mikey_credentials_load_peer_cert (alice_path, &chain, &err);
  g_assert_no_error (err);
  fail_unless_equals_int (chain->len, 0);
  g_ptr_array_unref (chain);
  mikey_cert_unref (cert);

  chain = (GPtrArray *) 1;
  fail_unless (mikey_credentials_load_peer_cert (missing, &chain, &err) ==
      NULL);
  fail_unless (chain == NULL);
  expect_settings_error (&err, "cannot read certificate file", missing);

  g_free (chain_path);
  g_free (alice_path);
  g_free (not_pem);
  g_free (missing);
}

GST_END_TEST;

/* An EC private key in PEM: a valid key MIKEY cannot use */
static gchar *
write_ec_key (const gchar * dir)
{
  EVP_PKEY *pkey = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
  gchar *path = g_build_filename (dir, "ec-key.pem", NULL);
  BIO *bio = BIO_new_file (path, "w");

  fail_unless (pkey != NULL && bio != NULL);
  fail_unless (PEM_write_bio_PrivateKey (bio, pkey, NULL, NULL, 0, NULL,
          NULL) == 1);
  BIO_free (bio);
  EVP_PKEY_free (pkey);
  return path;
}

GST_START_TEST (test_key)
{
  gchar *plain = mikey_test_pki ("alice-key.pem");
  gchar *enc = mikey_test_pki ("alice-key-enc.pem");
  gchar *cert_path = mikey_test_pki ("alice.pem");
  gchar *missing = mikey_test_pki ("nobody-key.pem");
  gchar *dir = g_dir_make_tmp ("mikey-key-XXXXXX", NULL);
  gchar *ec;
  MikeyCert *alice = load_cert ("alice.pem");
  MikeyKey *key;
  gboolean encrypted = TRUE;
  GError *err = NULL;

  fail_unless (dir != NULL);

  key = mikey_credentials_load_key (plain, NULL, &encrypted, &err);
  g_assert_no_error (err);
  fail_if (encrypted);
  fail_unless (mikey_key_is_private (key));
  fail_unless (mikey_key_matches_cert (key, alice, NULL));
  mikey_key_unref (key);

  /* a passphrase is not needed but does no harm */
  key = mikey_credentials_load_key (plain, PASSPHRASE, NULL, &err);
  g_assert_no_error (err);
  mikey_key_unref (key);

  /* encrypted: right, wrong and missing passphrase */
  key = mikey_credentials_load_key (enc, PASSPHRASE, &encrypted, &err);
  g_assert_no_error (err);
  fail_unless (encrypted);
  fail_unless (mikey_key_matches_cert (key, alice, NULL));
  mikey_key_unref (key);

  encrypted = FALSE;
  fail_unless (mikey_credentials_load_key (enc, "nope", &encrypted,
          &err) == NULL);
  fail_unless (encrypted);
  expect_settings_error (&err, "wrong passphrase", enc);

  encrypted = FALSE;
  fail_unless (mikey_credentials_load_key (enc, NULL, &encrypted,
          &err) == NULL);
  fail_unless (encrypted);
  expect_settings_error (&err, "encrypted and no passphrase", enc);

  /* not a key at all, no file, a key of another type */
  encrypted = TRUE;
  fail_unless (mikey_credentials_load_key (cert_path, NULL, &encrypted,
          &err) == NULL);
  fail_if (encrypted);
  expect_settings_error (&err, "no PEM private key found", cert_path);
  fail_unless (mikey_credentials_load_key (missing, NULL, &encrypted,
          &err) == NULL);
  fail_if (encrypted);
  expect_settings_error (&err, "cannot read private key file", missing);
  ec = write_ec_key (dir);
  fail_unless (mikey_credentials_load_key (ec, NULL, NULL, &err) == NULL);
  expect_settings_error (&err, "MIKEY needs an RSA key", ec);
  g_free (ec);

  remove_dir (dir);
  g_free (dir);
  mikey_cert_unref (alice);
  g_free (plain);
  g_free (enc);
  g_free (cert_path);
  g_free (missing);
}

GST_END_TEST;

/* ---- trust stores and CRLs ---------------------------------------------- */

static gchar *
copy_pki_file (const gchar * name, const gchar * dir)
{
  gchar *from = mikey_test_pki (name);
  gchar *contents;
  gsize len;
  gchar *to;

  fail_unless (g_file_get_contents (from, &contents, &len, NULL));
  to = write_tmp (dir, name, contents, len);
  g_free (contents);
  g_free (from);
  return to;
}

GST_START_TEST (test_trust)
{
  gchar *root = mikey_test_pki ("root-ca.pem");
  gchar *alice_key = mikey_test_pki ("alice-key.pem");
  gchar *dir = g_dir_make_tmp ("mikey-ca-XXXXXX", NULL);
  gchar *empty = g_dir_make_tmp ("mikey-noca-XXXXXX", NULL);
  gchar *missing = g_build_filename (dir, "missing", NULL);
  MikeyCert *alice = load_cert ("alice.pem");
  MikeyCert *bob = load_cert ("bob.pem");
  MikeyCert *mallory = load_cert ("mallory.pem");
  MikeyTrust *trust;
  GError *err = NULL;
  gchar *f;

  fail_unless (dir != NULL && empty != NULL);

  /* a CA file */
  trust = mikey_credentials_load_trust (root, &err);
  g_assert_no_error (err);
  fail_unless (mikey_cert_verify (alice, NULL, trust, NOW, &err));
  g_assert_no_error (err);
  fail_if (mikey_cert_verify (mallory, NULL, trust, NOW, NULL));
  mikey_trust_free (trust);

  /* a CA folder: the root and the intermediate CA, and a file that is not
   * a certificate (skipped) */
  g_free (copy_pki_file ("root-ca.pem", dir));
  g_free (copy_pki_file ("intermediate-ca.pem", dir));
  g_free (write_tmp (dir, "README", "not a certificate\n", -1));
  trust = mikey_credentials_load_trust (dir, &err);
  g_assert_no_error (err);
  fail_unless_equals_int (mikey_trust_get_n_certs (trust), 2);
  fail_unless (mikey_cert_verify (bob, NULL, trust, NOW, &err));
  g_assert_no_error (err);
  fail_unless (mikey_cert_verify (alice, NULL, trust, NOW, &err));
  g_assert_no_error (err);
  mikey_trust_free (trust);

  /* refused, naming the file or folder */
  fail_unless (mikey_credentials_load_trust (empty, &err) == NULL);
  expect_settings_error (&err, "no PEM certificate in CA directory", empty);
  fail_unless (mikey_credentials_load_trust (missing, &err) == NULL);
  expect_settings_error (&err, "cannot read certificate file", missing);
  f = write_tmp (empty, "junk.pem", "junk\n", -1);
  fail_unless (mikey_credentials_load_trust (f, &err) == NULL);
  expect_settings_error (&err, "no PEM certificate found", f);
  fail_unless (g_remove (f) == 0);
  g_free (f);

  remove_dir (dir);
  remove_dir (empty);
  mikey_cert_unref (alice);
  mikey_cert_unref (bob);
  mikey_cert_unref (mallory);
  g_free (root);
  g_free (alice_key);
  g_free (dir);
  g_free (empty);
  g_free (missing);
}

GST_END_TEST;

GST_START_TEST (test_crls)
{
  static const glong revoked_serials[] = { 11 };
  gchar *dir = g_dir_make_tmp ("mikey-crls-XXXXXX", NULL);
  gchar *ca_key = mikey_test_pki ("carol-key.pem");
  gchar *alice_key = mikey_test_pki ("alice-key.pem");
  gchar *bob_key = mikey_test_pki ("bob-key.pem");
  gchar *alice_path = mikey_test_pki ("alice.pem");
  gchar *missing = g_build_filename (dir, "missing-crl.pem", NULL);
  MikeyTestCa *ca;
  gchar *good_path, *revoked_path, *crl;
  MikeyCert *good, *revoked;
  MikeyTrust *trust;
  GError *err = NULL;

  fail_unless (dir != NULL);
  ca = mikey_test_ca_new (ca_key, "CRL Test CA", dir);
  good_path = mikey_test_ca_issue (ca, alice_key, "good",
      "sip:good@example.org", 10);
  revoked_path = mikey_test_ca_issue (ca, bob_key, "revoked",
      "sip:revoked@example.org", 11);
  crl = mikey_test_ca_crl (ca, "crl.pem", revoked_serials, 1,
      "20460101000000Z");
  good = mikey_credentials_load_peer_cert (good_path, NULL, &err);
  g_assert_no_error (err);
  revoked = mikey_credentials_load_peer_cert (revoked_path, NULL, &err);
  g_assert_no_error (err);

  trust = mikey_credentials_load_trust (mikey_test_ca_cert_path (ca), &err);
  g_assert_no_error (err);
  fail_unless (mikey_cert_verify (revoked, NULL, trust, NOW, NULL));
  fail_unless (mikey_credentials_load_crls (trust, crl, &err));
  g_assert_no_error (err);
  fail_unless (mikey_cert_verify (good, NULL, trust, NOW, &err));
  g_assert_no_error (err);
  fail_if (mikey_cert_verify (revoked, NULL, trust, NOW, &err));
  fail_unless (strstr (err->message, "revoked") != NULL, "%s", err->message);
  g_clear_error (&err);

  /* refused, naming the file */
  fail_if (mikey_credentials_load_crls (trust, alice_path, &err));
  expect_settings_error (&err, "holds no CRL", alice_path);
  fail_if (mikey_credentials_load_crls (trust, missing, &err));
  expect_settings_error (&err, "cannot read CRL file", missing);
  mikey_trust_free (trust);

  mikey_cert_unref (good);
  mikey_cert_unref (revoked);
  mikey_test_ca_free (ca);
  g_free (good_path);
  g_free (revoked_path);
  g_free (crl);
  remove_dir (dir);
  g_free (dir);
  g_free (ca_key);
  g_free (alice_key);
  g_free (bob_key);
  g_free (alice_path);
  g_free (missing);
}

GST_END_TEST;

/* ---- base64 ------------------------------------------------------------- */

/* One encoding per byte string: what GLib writes decodes back; other
 * alphabets, stray characters, unused bits and lengths 1 mod 4 do not */
GST_START_TEST (test_base64_canonical)
{
  guint8 data[40], out[40];
  gsize len, n;

  for (len = 0; len < sizeof (data); len++) {
    gchar *b64;
    gsize body;

    memset (data, (gint) (0xa5 ^ len), len);
    data[0] = 0xfb;
    b64 = g_base64_encode (data, len);
    body = strlen (b64);
    while (body > 0 && b64[body - 1] == '=')
      body--;
    fail_unless (mikey_base64_decode_canonical (b64, body,
            MIKEY_BASE64_STANDARD, out, sizeof (out), &n), "%s", b64);
    fail_unless (n == len && memcmp (out, data, len) == 0);
    if (len > 0)
      fail_if (mikey_base64_decode_canonical (b64, body,
              MIKEY_BASE64_STANDARD, out, len - 1, &n));
    g_free (b64);
  }
  /* "+/" against "-_" */
  fail_unless (mikey_base64_decode_canonical ("-_8", 3, MIKEY_BASE64_URL,
          out, sizeof (out), &n) && n == 2 && out[0] == 0xfb && out[1] == 0xff);
  fail_if (mikey_base64_decode_canonical ("-_8", 3, MIKEY_BASE64_STANDARD,
          out, sizeof (out), &n));
  fail_if (mikey_base64_decode_canonical ("+/8", 3, MIKEY_BASE64_URL,
          out, sizeof (out), &n));
  /* "QQ" is 'A'; "QR" has an unused bit set; "Q" is 1 mod 4 */
  fail_unless (mikey_base64_decode_canonical ("QQ", 2, MIKEY_BASE64_STANDARD,
          out, sizeof (out), &n) && n == 1 && out[0] == 'A');
  fail_if (mikey_base64_decode_canonical ("QR", 2, MIKEY_BASE64_STANDARD,
          out, sizeof (out), &n));
  fail_if (mikey_base64_decode_canonical ("Q", 1, MIKEY_BASE64_STANDARD,
          out, sizeof (out), &n));
  fail_if (mikey_base64_decode_canonical ("QQ==", 4, MIKEY_BASE64_STANDARD,
          out, sizeof (out), &n));
  fail_if (mikey_base64_decode_canonical ("Q Q", 3, MIKEY_BASE64_STANDARD,
          out, sizeof (out), &n));
}

GST_END_TEST;

/* ---- files without end -------------------------------------------------- */

/* /dev/zero, or a file far larger than any credential, is refused with a
 * clear error after at most MIKEY_FILE_MAX_SIZE bytes instead of being read
 * until memory runs out */
GST_START_TEST (test_files_without_end)
{
  const gchar *zero = "/dev/zero";
  gchar *dir = g_dir_make_tmp ("mikey-cred-XXXXXX", NULL);
  gchar *big_path = g_build_filename (dir, "big.pem", NULL);
  gchar *big = g_malloc (2 * 1024 * 1024 + 1);
  const gchar *paths[2] = { zero, big_path };
  GError *err = NULL;
  MikeyTrust *trust;
  gchar *root;
  gsize len = 0;
  guint i;

  memset (big, 'A', 2 * 1024 * 1024);
  big[2 * 1024 * 1024] = '\0';
  fail_unless (g_file_set_contents (big_path, big, -1, NULL));
  g_free (big);

  for (i = 0; i < G_N_ELEMENTS (paths); i++) {
    if (i == 0 && !g_file_test (zero, G_FILE_TEST_EXISTS))
      continue;
    fail_unless (mikey_credentials_load_psk_file (paths[i], &len,
            &err) == NULL);
    expect_settings_error (&err, "larger than", NULL);
    fail_unless (mikey_credentials_load_chain (paths[i], &err) == NULL);
    expect_settings_error (&err, "larger than", NULL);
    fail_unless (mikey_credentials_load_peer_cert (paths[i], NULL,
            &err) == NULL);
    expect_settings_error (&err, "larger than", NULL);
    fail_unless (mikey_credentials_load_key (paths[i], NULL, NULL,
            &err) == NULL);
    expect_settings_error (&err, "larger than", NULL);
    fail_unless (mikey_credentials_load_trust (paths[i], &err) == NULL);
    expect_settings_error (&err, "larger than", NULL);
    root = mikey_test_pki ("root-ca.pem");
    trust = mikey_credentials_load_trust (root, &err);
    g_assert_no_error (err);
    g_free (root);
    fail_if (mikey_credentials_load_crls (trust, paths[i], &err));
    expect_settings_error (&err, "larger than", NULL);
    mikey_trust_free (trust);
  }
  g_free (big_path);
  remove_dir (dir);
  g_free (dir);
}

GST_END_TEST;

static Suite *
credentials_suite (void)
{
  Suite *s = suite_create ("credentials");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_hex_round_trip);
  tcase_add_test (tc, test_hex_separators);
  tcase_add_test (tc, test_hex_errors);
  tcase_add_test (tc, test_secure_free_string);
  tcase_add_test (tc, test_psk_file);
  tcase_add_test (tc, test_chain);
  tcase_add_test (tc, test_key);
  tcase_add_test (tc, test_trust);
  tcase_add_test (tc, test_crls);
  tcase_add_test (tc, test_files_without_end);
  tcase_add_test (tc, test_base64_canonical);
  return s;
}

GST_CHECK_MAIN (credentials);
