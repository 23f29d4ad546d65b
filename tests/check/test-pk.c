/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for the MIKEY public-key primitives: certificate loading, chain
 * verification, identity matching, CHASH, envelope key encryption and
 * SIGN payload signatures (RFC 3830 3.2, 3.3, 6.5, 6.7, 6.8).
 *
 * The test PKI lives in tests/check/data/pki (make-pki.sh made it, with
 * validity 2026-01-01 to 2046-01-01); verification is pinned to NOW so the
 * results do not depend on the clock. Expected CHASH values are the
 * `openssl x509 -fingerprint` outputs make-pki.sh printed, and the
 * alice-sig-*.bin files are signatures by the openssl CLI.
 */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <string.h>

#include "mikey-pk.h"
#include "mikey-crypto.h"
#include "mikey-message.h"
#include "mikey-test-certs.h"

/* 2030-01-01 00:00:00 UTC */
#define NOW ((time_t) 1893456000)

/* what make-pki.sh signed */
#define SIGNED_MESSAGE "MIKEY test message, signed by alice"

/* openssl x509 -in bob.pem -noout -fingerprint -sha1 / -md5, and alice */
#define BOB_SHA1 "DF:75:50:2D:25:7D:DD:BD:96:84:73:B8:0E:D6:44:1C:6E:3D:44:B2"
#define BOB_MD5 "AA:80:06:70:E5:7D:5B:E9:41:99:EE:EC:06:F4:7B:CE"
#define ALICE_SHA1 \
  "FB:CE:7D:43:97:A8:2D:69:B3:93:43:C1:30:FE:EF:A8:8E:65:08:C5"
#define ALICE_MD5 "8B:40:BD:CE:FE:CA:18:9B:72:AE:24:A5:23:E9:EC:26"

/* ---- helpers ------------------------------------------------------------ */

static GPtrArray *
load_certs (const gchar * name)
{
  gchar *path = mikey_test_pki (name);
  GError *err = NULL;
  GPtrArray *certs = mikey_cert_load_pem_file (path, &err);

  g_assert_no_error (err);
  fail_unless (certs != NULL && certs->len >= 1);
  g_free (path);
  return certs;
}

/* the first certificate of a file, as a new reference */
static MikeyCert *
load_cert (const gchar * name)
{
  GPtrArray *certs = load_certs (name);
  MikeyCert *cert = mikey_cert_ref (g_ptr_array_index (certs, 0));

  g_ptr_array_unref (certs);
  return cert;
}

static MikeyKey *
load_key (const gchar * name, const gchar * passphrase)
{
  gchar *path = mikey_test_pki (name);
  GError *err = NULL;
  MikeyKey *key = mikey_key_load_pem_file (path, passphrase, &err);

  g_assert_no_error (err);
  fail_unless (key != NULL && mikey_key_is_private (key));
  g_free (path);
  return key;
}

static MikeyTrust *
root_trust (void)
{
  MikeyTrust *trust = mikey_trust_new ();
  gchar *path = mikey_test_pki ("root-ca.pem");
  GError *err = NULL;

  fail_unless (mikey_trust_load_file (trust, path, &err));
  g_assert_no_error (err);
  fail_unless_equals_int (mikey_trust_get_n_certs (trust), 1);
  g_free (path);
  return trust;
}

static void
expect_error (GError ** err, gint code, const gchar * part)
{
  fail_unless (*err != NULL, "no error, expected one with \"%s\"", part);
  fail_unless ((*err)->domain == MIKEY_ERROR && (*err)->code == code,
      "error code %d, expected %d: %s", (*err)->code, code, (*err)->message);
  fail_unless (strstr ((*err)->message, part) != NULL,
      "message \"%s\" lacks \"%s\"", (*err)->message, part);
  g_clear_error (err);
}

static gchar *
colon_hex (const guint8 * b, gsize len)
{
  GString *s = g_string_new (NULL);
  gsize i;

  for (i = 0; i < len; i++)
    g_string_append_printf (s, "%s%02X", i ? ":" : "", b[i]);
  return g_string_free (s, FALSE);
}

/* ---- loading ------------------------------------------------------------ */

GST_START_TEST (test_load_chain_and_keys)
{
  GPtrArray *chain = load_certs ("bob-chain.pem");
  MikeyKey *bob_key = load_key ("bob-key.pem", NULL);
  MikeyKey *alice_key = load_key ("alice-key.pem", NULL);
  MikeyKey *pub;
  GError *err = NULL;
  gchar *subject;

  fail_unless_equals_int (chain->len, 2);
  subject = mikey_cert_get_subject (g_ptr_array_index (chain, 0));
  fail_unless_equals_string (subject, "CN=bob.example.org, O=MIKEY Test");
  g_free (subject);
  subject = mikey_cert_get_subject (g_ptr_array_index (chain, 1));
  fail_unless_equals_string (subject,
      "CN=MIKEY Test Intermediate CA, O=MIKEY Test");
  g_free (subject);

  fail_unless_equals_int (mikey_key_get_size (bob_key), 256);
  fail_unless (mikey_key_matches_cert (bob_key, g_ptr_array_index (chain, 0),
          &err));
  g_assert_no_error (err);
  fail_if (mikey_key_matches_cert (alice_key, g_ptr_array_index (chain, 0),
          &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "does not match");

  pub = mikey_cert_get_public_key (g_ptr_array_index (chain, 0));
  fail_unless (pub != NULL);
  fail_if (mikey_key_is_private (pub));
  fail_unless_equals_int (mikey_key_get_size (pub), 256);

  mikey_key_unref (pub);
  mikey_key_unref (bob_key);
  mikey_key_unref (alice_key);
  g_ptr_array_unref (chain);
}

GST_END_TEST;

GST_START_TEST (test_load_errors)
{
  GError *err = NULL;
  gchar *path;
  MikeyKey *key;
  MikeyCert *alice;
  const gchar garbage[] = "-----BEGIN CERTIFICATE-----\nAAAA\n"
      "-----END CERTIFICATE-----\n";

  fail_if (mikey_cert_load_pem_file ("/nonexistent/cert.pem", &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "cannot read certificate file");
  path = mikey_test_pki ("make-pki.sh");
  fail_if (mikey_cert_load_pem_file (path, &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "no PEM certificate");
  fail_if (mikey_key_load_pem_file (path, NULL, &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "no PEM private key");
  g_free (path);
  fail_if (mikey_cert_load_pem (garbage, strlen (garbage), &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "PEM");
  fail_if (mikey_cert_load_pem ("", 0, &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "no PEM certificate");

  /* an encrypted key: no passphrase, a wrong one, the right one */
  path = mikey_test_pki ("alice-key-enc.pem");
  fail_if (mikey_key_load_pem_file (path, NULL, &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "encrypted and no passphrase");
  fail_if (mikey_key_load_pem_file (path, "wrong", &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "wrong passphrase");
  key = mikey_key_load_pem_file (path, "mikey-test", &err);
  g_assert_no_error (err);
  alice = load_cert ("alice.pem");
  fail_unless (mikey_key_matches_cert (key, alice, &err));
  g_assert_no_error (err);
  g_free (path);

  /* a certificate file is not a key file */
  path = mikey_test_pki ("alice.pem");
  fail_if (mikey_key_load_pem_file (path, NULL, &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, path);
  g_free (path);

  mikey_key_unref (key);
  mikey_cert_unref (alice);
}

GST_END_TEST;

GST_START_TEST (test_der_round_trip)
{
  MikeyCert *bob = load_cert ("bob.pem"), *copy;
  GError *err = NULL;
  const guint8 *der, *der2;
  gsize len, len2;
  guint8 *longer;

  der = mikey_cert_get_der (bob, &len);
  fail_unless (len > 500 && der[0] == 0x30);
  copy = mikey_cert_new_from_der (der, len, &err);
  g_assert_no_error (err);
  der2 = mikey_cert_get_der (copy, &len2);
  fail_unless_equals_int (len2, len);
  fail_unless (memcmp (der, der2, len) == 0);
  mikey_cert_unref (copy);

  /* CERT payload content must be exactly one certificate */
  longer = g_malloc (len + 1);
  memcpy (longer, der, len);
  longer[len] = 0;
  fail_if (mikey_cert_new_from_der (longer, len + 1, &err));
  expect_error (&err, MIKEY_ERROR_INVALID, "1 bytes follow");
  fail_if (mikey_cert_new_from_der (der, len - 1, &err));
  expect_error (&err, MIKEY_ERROR_INVALID, "not a DER");
  fail_if (mikey_cert_new_from_der (der, 0, &err));
  expect_error (&err, MIKEY_ERROR_INVALID, "not DER");
  memset (longer, 0xA5, len);
  fail_if (mikey_cert_new_from_der (longer, len, &err));
  expect_error (&err, MIKEY_ERROR_INVALID, "not a DER");
  g_free (longer);

  mikey_cert_unref (bob);
}

GST_END_TEST;

/* ---- CHASH -------------------------------------------------------------- */

static void
check_chash (MikeyCert * cert, MikeyHashFunc func, const gchar * want)
{
  guint8 out[MIKEY_CHASH_MAX_LEN];
  gsize len = 0;
  GError *err = NULL;
  gchar *got;

  fail_unless (mikey_cert_hash (func, cert, out, &len, &err));
  g_assert_no_error (err);
  fail_unless_equals_int (len, mikey_hash_len (func));
  got = colon_hex (out, len);
  fail_unless_equals_string (got, want);
  g_free (got);
}

GST_START_TEST (test_chash)
{
  MikeyCert *bob = load_cert ("bob.pem"), *alice = load_cert ("alice.pem");
  guint8 out[MIKEY_CHASH_MAX_LEN];
  gsize len;
  GError *err = NULL;

  fail_unless_equals_int (mikey_hash_len (MIKEY_HASH_SHA1), 20);
  fail_unless_equals_int (mikey_hash_len (MIKEY_HASH_MD5), 16);
  fail_unless_equals_int (mikey_hash_len (2), -1);

  check_chash (bob, MIKEY_HASH_SHA1, BOB_SHA1);
  check_chash (bob, MIKEY_HASH_MD5, BOB_MD5);
  check_chash (alice, MIKEY_HASH_SHA1, ALICE_SHA1);
  check_chash (alice, MIKEY_HASH_MD5, ALICE_MD5);

  fail_if (mikey_cert_hash ((MikeyHashFunc) 2, bob, out, &len, &err));
  expect_error (&err, MIKEY_ERROR_UNSUPPORTED, "CHASH");

  mikey_cert_unref (bob);
  mikey_cert_unref (alice);
}

GST_END_TEST;

/* ---- verification ------------------------------------------------------- */

GST_START_TEST (test_verify_ok)
{
  MikeyTrust *trust = root_trust ();
  GPtrArray *bob_chain = load_certs ("bob-chain.pem"), *inter;
  MikeyCert *alice = load_cert ("alice.pem"), *carol = load_cert ("carol.pem");
  MikeyCert *bob = g_ptr_array_index (bob_chain, 0);
  GError *err = NULL;

  /* bob comes with his intermediate, as further CERT payloads would */
  inter = g_ptr_array_new_with_free_func ((GDestroyNotify) mikey_cert_unref);
  g_ptr_array_add (inter, mikey_cert_ref (g_ptr_array_index (bob_chain, 1)));
  fail_unless (mikey_cert_verify (bob, inter, trust, NOW, &err));
  g_assert_no_error (err);
  /* the whole chain as "untrusted" works too: the leaf is skipped */
  fail_unless (mikey_cert_verify (bob, bob_chain, trust, NOW, &err));
  g_assert_no_error (err);

  fail_unless (mikey_cert_verify (alice, NULL, trust, NOW, &err));
  g_assert_no_error (err);
  fail_unless (mikey_cert_verify (carol, NULL, trust, NOW, &err));
  g_assert_no_error (err);

  /* and with the real clock, while the test PKI is valid */
  if (time (NULL) > (time_t) 1767225600 && time (NULL) < (time_t) 2398377600) {
    fail_unless (mikey_cert_verify (alice, NULL, trust, time (NULL), &err));
    g_assert_no_error (err);
  }

  g_ptr_array_unref (inter);
  g_ptr_array_unref (bob_chain);
  mikey_cert_unref (alice);
  mikey_cert_unref (carol);
  mikey_trust_free (trust);
}

GST_END_TEST;

GST_START_TEST (test_verify_refused)
{
  MikeyTrust *trust = root_trust (), *empty = mikey_trust_new ();
  MikeyCert *bob = load_cert ("bob.pem"), *alice = load_cert ("alice.pem");
  MikeyCert *dave = load_cert ("dave.pem"), *mallory =
      load_cert ("mallory.pem");
  MikeyCert *evil = load_cert ("evil-ca.pem"), *tampered;
  GPtrArray *evil_chain;
  GError *err = NULL;
  const guint8 *der;
  guint8 *bad;
  gsize len;

  /* the intermediate is missing */
  fail_if (mikey_cert_verify (bob, NULL, trust, NOW, &err));
  expect_error (&err, MIKEY_ERROR_CERT_UNTRUSTED,
      "certificate \"CN=bob.example.org, "
      "O=MIKEY Test\" is not trusted: its issuer \"CN=MIKEY Test "
      "Intermediate CA, O=MIKEY Test\" is not among the trusted CA");

  /* a certificate from a CA we do not trust, with or without its root */
  fail_if (mikey_cert_verify (mallory, NULL, trust, NOW, &err));
  expect_error (&err, MIKEY_ERROR_CERT_UNTRUSTED,
      "\"CN=Evil CA, O=Not MIKEY Test\" " "is not among the trusted CA");
  evil_chain = g_ptr_array_new ();
  g_ptr_array_add (evil_chain, evil);
  fail_if (mikey_cert_verify (mallory, evil_chain, trust, NOW, &err));
  expect_error (&err, MIKEY_ERROR_CERT_UNTRUSTED, "not trusted");
  g_ptr_array_unref (evil_chain);
  fail_if (mikey_cert_verify (alice, NULL, empty, NOW, &err));
  expect_error (&err, MIKEY_ERROR_CERT_UNTRUSTED, "not trusted");

  /* expired, and not yet valid */
  fail_if (mikey_cert_verify (dave, NULL, trust, NOW, &err));
  expect_error (&err, MIKEY_ERROR_CERT_EXPIRED, "certificate \"CN=dave, "
      "O=MIKEY Test\" expired on 2021-01-01 00:00:00 UTC");
  fail_if (mikey_cert_verify (alice, NULL, trust, (time_t) 1748736000, &err));
  expect_error (&err, MIKEY_ERROR_CERT_EXPIRED, "is not valid before "
      "2026-01-01 00:00:00 UTC");
  fail_if (mikey_cert_verify (alice, NULL, trust, (time_t) 2524608000, &err));
  expect_error (&err, MIKEY_ERROR_CERT_EXPIRED, "expired on 2046-01-01");

  /* a flipped bit in the signature: parses, but does not verify */
  der = mikey_cert_get_der (alice, &len);
  bad = g_memdup2 (der, len);
  bad[len - 1] ^= 0x01;
  tampered = mikey_cert_new_from_der (bad, len, &err);
  g_assert_no_error (err);
  fail_if (mikey_cert_verify (tampered, NULL, trust, NOW, &err));
  expect_error (&err, MIKEY_ERROR_CERT_UNTRUSTED,
      "has a signature that does not verify");
  mikey_cert_unref (tampered);
  g_free (bad);

  mikey_cert_unref (bob);
  mikey_cert_unref (alice);
  mikey_cert_unref (dave);
  mikey_cert_unref (mallory);
  mikey_cert_unref (evil);
  mikey_trust_free (trust);
  mikey_trust_free (empty);
}

GST_END_TEST;

/* keyUsage: a peer's key signs only with digitalSignature, takes an
 * envelope key only with keyEncipherment; no extension allows both */
GST_START_TEST (test_key_usage)
{
  MikeyCert *alice = load_cert ("alice.pem"), *root = load_cert ("root-ca.pem");
  gchar *key = mikey_test_pki ("alice-key.pem");
  MikeyCert *enc_only = mikey_test_self_signed (key, "enc", "keyEncipherment");
  MikeyCert *sign_only = mikey_test_self_signed (key, "sign",
      "digitalSignature,nonRepudiation");
  MikeyCert *agree = mikey_test_self_signed (key, "agree", "keyAgreement");
  MikeyCert *none = mikey_test_self_signed (key, "none", NULL);
  GError *err = NULL;

  fail_unless (mikey_cert_check_usage (alice, MIKEY_CERT_USAGE_SIGN, &err));
  fail_unless (mikey_cert_check_usage (alice, MIKEY_CERT_USAGE_ENCRYPT_KEY,
          &err));
  fail_unless (mikey_cert_check_usage (none, MIKEY_CERT_USAGE_SIGN, &err));
  fail_unless (mikey_cert_check_usage (none, MIKEY_CERT_USAGE_ENCRYPT_KEY,
          &err));
  fail_unless (mikey_cert_check_usage (sign_only, MIKEY_CERT_USAGE_SIGN, &err));
  fail_unless (mikey_cert_check_usage (enc_only, MIKEY_CERT_USAGE_ENCRYPT_KEY,
          &err));
  g_assert_no_error (err);

  fail_if (mikey_cert_check_usage (enc_only, MIKEY_CERT_USAGE_SIGN, &err));
  expect_error (&err, MIKEY_ERROR_CERT_USAGE,
      "certificate \"CN=enc\" may not be "
      "used for signatures (no digitalSignature): its key usage allows only "
      "keyEncipherment");
  fail_if (mikey_cert_check_usage (sign_only, MIKEY_CERT_USAGE_ENCRYPT_KEY,
          &err));
  expect_error (&err, MIKEY_ERROR_CERT_USAGE,
      "may not be used to encrypt a key "
      "(no keyEncipherment): its key usage allows only digitalSignature, "
      "nonRepudiation");
  fail_if (mikey_cert_check_usage (agree, MIKEY_CERT_USAGE_SIGN, &err));
  expect_error (&err, MIKEY_ERROR_CERT_USAGE, "allows only keyAgreement");
  /* a CA certificate signs certificates, not MIKEY messages */
  fail_if (mikey_cert_check_usage (root, MIKEY_CERT_USAGE_SIGN, &err));
  expect_error (&err, MIKEY_ERROR_CERT_USAGE,
      "allows only keyCertSign, cRLSign");

  mikey_cert_unref (alice);
  mikey_cert_unref (root);
  mikey_cert_unref (enc_only);
  mikey_cert_unref (sign_only);
  mikey_cert_unref (agree);
  mikey_cert_unref (none);
  g_free (key);
}

GST_END_TEST;

/* A trust store of @ca_path, with the CRL file @crl unless NULL */
static MikeyTrust *
trust_with_crl (const gchar * ca_path, const gchar * crl)
{
  MikeyTrust *trust = mikey_trust_new ();
  GError *err = NULL;

  fail_unless (mikey_trust_load_file (trust, ca_path, &err));
  if (crl != NULL)
    fail_unless (mikey_trust_load_crl_file (trust, crl, &err));
  g_assert_no_error (err);
  return trust;
}

static MikeyCert *
load_cert_path (const gchar * path)
{
  GError *err = NULL;
  GPtrArray *certs = mikey_cert_load_pem_file (path, &err);
  MikeyCert *cert;

  g_assert_no_error (err);
  cert = mikey_cert_ref (g_ptr_array_index (certs, 0));
  g_ptr_array_unref (certs);
  return cert;
}

GST_START_TEST (test_crl)
{
  static const glong revoked_serials[] = { 11 };
  gchar *dir = g_dir_make_tmp ("mikey-crl-XXXXXX", NULL);
  gchar *ca_key = mikey_test_pki ("carol-key.pem");
  gchar *alice_key = mikey_test_pki ("alice-key.pem");
  gchar *bob_key = mikey_test_pki ("bob-key.pem");
  gchar *root = mikey_test_pki ("root-ca.pem");
  gchar *alice_path = mikey_test_pki ("alice.pem");
  MikeyTestCa *ca;
  gchar *good_path, *revoked_path, *crl, *stale, *both;
  MikeyCert *good, *revoked, *alice;
  MikeyTrust *trust;
  GError *err = NULL;
  gchar *pem, *root_pem, *ca_pem;

  fail_unless (dir != NULL);
  ca = mikey_test_ca_new (ca_key, "CRL Test CA", dir);
  good_path = mikey_test_ca_issue (ca, alice_key, "good",
      "sip:good@example.org", 10);
  revoked_path = mikey_test_ca_issue (ca, bob_key, "revoked",
      "sip:revoked@example.org", 11);
  crl = mikey_test_ca_crl (ca, "crl.pem", revoked_serials, 1,
      "20460101000000Z");
  stale = mikey_test_ca_crl (ca, "stale.pem", revoked_serials, 1,
      "20270101000000Z");
  good = load_cert_path (good_path);
  revoked = load_cert_path (revoked_path);
  alice = load_cert_path (alice_path);

  /* without CRLs nothing is checked for revocation */
  trust = trust_with_crl (mikey_test_ca_cert_path (ca), NULL);
  fail_unless (mikey_cert_verify (revoked, NULL, trust, NOW, &err));
  mikey_trust_free (trust);

  trust = trust_with_crl (mikey_test_ca_cert_path (ca), crl);
  fail_unless (mikey_cert_verify (good, NULL, trust, NOW, &err));
  g_assert_no_error (err);
  fail_if (mikey_cert_verify (revoked, NULL, trust, NOW, &err));
  expect_error (&err, MIKEY_ERROR_CERT_REVOKED,
      "certificate \"CN=revoked\" has "
      "been revoked (listed in the CRL of \"CN=CRL Test CA\")");
  mikey_trust_free (trust);

  /* a CRL past its next update says nothing about today */
  trust = trust_with_crl (mikey_test_ca_cert_path (ca), stale);
  fail_if (mikey_cert_verify (good, NULL, trust, NOW, &err));
  expect_error (&err, MIKEY_ERROR_CERT_REVOKED,
      "certificate \"CN=good\" cannot "
      "be checked for revocation: the CRL of \"CN=CRL Test CA\" was due "
      "for an update on 2027-01-01 00:00:00 UTC");
  mikey_trust_free (trust);

  /* with CRLs loaded, a CA without one cannot vouch for anybody */
  both = g_build_filename (dir, "both.pem", NULL);
  fail_unless (g_file_get_contents (root, &root_pem, NULL, NULL));
  fail_unless (g_file_get_contents (mikey_test_ca_cert_path (ca), &ca_pem,
          NULL, NULL));
  pem = g_strconcat (root_pem, ca_pem, NULL);
  fail_unless (g_file_set_contents (both, pem, -1, NULL));
  trust = trust_with_crl (both, crl);
  fail_unless (mikey_cert_verify (good, NULL, trust, NOW, &err));
  fail_if (mikey_cert_verify (alice, NULL, trust, NOW, &err));
  expect_error (&err, MIKEY_ERROR_CERT_REVOKED,
      "certificate \"CN=alice, O=MIKEY "
      "Test\" cannot be checked for revocation: no CRL of its issuer "
      "\"CN=MIKEY Test Root CA, O=MIKEY Test\" was loaded");

  /* files that are not CRLs */
  fail_if (mikey_trust_load_crl_file (trust, alice_path, &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "holds no CRL");
  fail_if (mikey_trust_load_crl_file (trust, "/nonexistent/crl.pem", &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "cannot read CRL file");
  fail_unless (g_file_set_contents (both, "-----BEGIN X509 CRL-----\nAAAA\n"
          "-----END X509 CRL-----\n", -1, NULL));
  fail_if (mikey_trust_load_crl_file (trust, both, &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "not a readable PEM file of CRLs");
  mikey_trust_free (trust);

  {
    const gchar *files[] = { good_path, revoked_path, crl, stale, both,
      mikey_test_ca_cert_path (ca)
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS (files); i++)
      fail_unless (g_unlink (files[i]) == 0, "%s", files[i]);
  }
  fail_unless (g_rmdir (dir) == 0);
  mikey_cert_unref (good);
  mikey_cert_unref (revoked);
  mikey_cert_unref (alice);
  mikey_test_ca_free (ca);
  g_free (pem);
  g_free (root_pem);
  g_free (ca_pem);
  g_free (both);
  g_free (good_path);
  g_free (revoked_path);
  g_free (crl);
  g_free (stale);
  g_free (root);
  g_free (alice_path);
  g_free (ca_key);
  g_free (alice_key);
  g_free (bob_key);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_trust_dir)
{
  GError *err = NULL;
  gchar *dir = g_dir_make_tmp ("mikey-test-pk-XXXXXX", &err);
  gchar *root = mikey_test_pki ("root-ca.pem"), *pem, *copy, *junk;
  MikeyTrust *trust;
  MikeyCert *alice = load_cert ("alice.pem");
  gsize len;

  g_assert_no_error (err);
  fail_unless (g_file_get_contents (root, &pem, &len, NULL));
  copy = g_build_filename (dir, "root.pem", NULL);
  junk = g_build_filename (dir, "README", NULL);

  /* nothing usable yet */
  trust = mikey_trust_new ();
  fail_if (mikey_trust_load_path (trust, dir, &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "no PEM certificate in CA dir");
  fail_if (mikey_trust_load_dir (trust, "/nonexistent-dir", &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "cannot read CA directory");

  fail_unless (g_file_set_contents (copy, pem, len, NULL));
  fail_unless (g_file_set_contents (junk, "not a certificate\n", -1, NULL));
  fail_unless (mikey_trust_load_path (trust, dir, &err));
  g_assert_no_error (err);
  fail_unless_equals_int (mikey_trust_get_n_certs (trust), 1);
  fail_unless (mikey_cert_verify (alice, NULL, trust, NOW, &err));
  g_assert_no_error (err);
  mikey_trust_free (trust);

  /* a file path goes to load_file */
  trust = mikey_trust_new ();
  fail_unless (mikey_trust_load_path (trust, root, &err));
  g_assert_no_error (err);
  fail_unless (mikey_cert_verify (alice, NULL, trust, NOW, &err));
  mikey_trust_free (trust);

  g_unlink (copy);
  g_unlink (junk);
  g_rmdir (dir);
  g_free (copy);
  g_free (junk);
  g_free (pem);
  g_free (root);
  g_free (dir);
  mikey_cert_unref (alice);
}

GST_END_TEST;

/* ---- identities --------------------------------------------------------- */

static void
expect_identity (MikeyCert * cert, const gchar * identity, gboolean match)
{
  GError *err = NULL;
  gboolean got = mikey_cert_matches_identity (cert, identity, &err);

  fail_unless (got == match, "identity %s: got %d", identity, got);
  if (match)
    g_assert_no_error (err);
  else
    expect_error (&err, MIKEY_ERROR_IDENTITY, "mismatched identity");
}

GST_START_TEST (test_identity)
{
  MikeyCert *bob = load_cert ("bob.pem"), *alice = load_cert ("alice.pem");
  MikeyCert *carol = load_cert ("carol.pem");
  MikeyCert *mallory = load_cert ("mallory.pem");
  GError *err = NULL;

  /* SAN URI, schemes and hosts case-insensitive, users exact */
  expect_identity (bob, "sip:bob@example.org", TRUE);
  expect_identity (bob, "SIP:bob@Example.ORG", TRUE);
  expect_identity (bob, "sip:Bob@example.org", FALSE);
  expect_identity (bob, "sip:bob@example.org.evil.com", FALSE);
  expect_identity (bob, "sip:alice@example.org", FALSE);
  /* SAN email, as an NAI or as the address in a sips: URI */
  expect_identity (bob, "bob@example.org", TRUE);
  expect_identity (bob, "sips:bob@example.org", TRUE);
  expect_identity (bob, "tel:bob@example.org", FALSE);
  /* SAN DNS: a bare host only, never a user at that host */
  expect_identity (bob, "bob.example.org", TRUE);
  expect_identity (bob, "sip:bob.example.org", TRUE);
  expect_identity (bob, "carol@bob.example.org", FALSE);

  /* alice has a SAN, so her CN "alice" does not count */
  expect_identity (alice, "sip:alice@example.org", TRUE);
  expect_identity (alice, "alice", FALSE);

  /* carol has no SAN: the CN counts */
  expect_identity (carol, "carol@example.org", TRUE);
  expect_identity (carol, "sip:carol@example.org", TRUE);
  expect_identity (carol, "carol", FALSE);

  /* a name match says nothing about trust: mallory's cert claims bob's URI
   * and test_verify_refused is what stops it */
  expect_identity (mallory, "sip:bob@example.org", TRUE);

  fail_if (mikey_cert_matches_identity (bob, "sip:eve@example.org", &err));
  expect_error (&err, MIKEY_ERROR_IDENTITY, "mismatched identity: certificate "
      "\"CN=bob.example.org, O=MIKEY Test\" is for sip:bob@example.org, "
      "bob@example.org, bob.example.org, not sip:eve@example.org");
  fail_if (mikey_cert_matches_identity (bob, "", &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "empty identity");

  mikey_cert_unref (bob);
  mikey_cert_unref (alice);
  mikey_cert_unref (carol);
  mikey_cert_unref (mallory);
}

GST_END_TEST;

/* ---- envelope key encryption -------------------------------------------- */

GST_START_TEST (test_encrypt_decrypt)
{
  MikeyCert *bob = load_cert ("bob.pem");
  MikeyKey *bob_pub = mikey_cert_get_public_key (bob);
  MikeyKey *bob_key = load_key ("bob-key.pem", NULL);
  MikeyKey *alice_key = load_key ("alice-key.pem", NULL);
  guint8 env_key[20], big[246];
  guint8 *ct, *ct2, *pt;
  gsize ct_len, ct2_len, pt_len;
  GError *err = NULL;

  fail_unless (mikey_random_bytes (env_key, sizeof (env_key), NULL));
  fail_unless (mikey_pk_encrypt (bob_pub, env_key, sizeof (env_key), &ct,
          &ct_len, &err));
  g_assert_no_error (err);
  fail_unless_equals_int (ct_len, 256);
  /* PKCS#1 v1.5 padding is random */
  fail_unless (mikey_pk_encrypt (bob_pub, env_key, sizeof (env_key), &ct2,
          &ct2_len, &err));
  fail_if (memcmp (ct, ct2, ct_len) == 0);

  fail_unless (mikey_pk_decrypt (bob_key, ct, ct_len, &pt, &pt_len, &err));
  g_assert_no_error (err);
  fail_unless_equals_int (pt_len, sizeof (env_key));
  fail_unless (memcmp (pt, env_key, pt_len) == 0);
  mikey_secure_free (pt, pt_len);
  fail_unless (mikey_pk_decrypt (bob_key, ct2, ct2_len, &pt, &pt_len, &err));
  fail_unless (memcmp (pt, env_key, pt_len) == 0);
  mikey_secure_free (pt, pt_len);

  /* the wrong private key, a damaged ciphertext, a cut one */
  fail_if (mikey_pk_decrypt (alice_key, ct, ct_len, &pt, &pt_len, &err));
  expect_error (&err, MIKEY_ERROR_AUTH, "cannot decrypt the envelope key");
  fail_unless (pt == NULL && pt_len == 0);
  ct[100] ^= 0x40;
  fail_if (mikey_pk_decrypt (bob_key, ct, ct_len, &pt, &pt_len, &err));
  expect_error (&err, MIKEY_ERROR_AUTH, "cannot decrypt the envelope key");
  fail_if (mikey_pk_decrypt (bob_key, ct2, ct2_len - 1, &pt, &pt_len, &err));
  expect_error (&err, MIKEY_ERROR_AUTH, "cannot decrypt the envelope key");
  /* a public key cannot decrypt */
  fail_if (mikey_pk_decrypt (bob_pub, ct2, ct2_len, &pt, &pt_len, &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "needs a private key");

  /* 2048-bit RSA with PKCS#1 v1.5 carries at most 245 bytes */
  memset (big, 0x5A, sizeof (big));
  g_free (ct);
  fail_unless (mikey_pk_encrypt (bob_pub, big, 245, &ct, &ct_len, &err));
  fail_unless (mikey_pk_decrypt (bob_key, ct, ct_len, &pt, &pt_len, &err));
  fail_unless (pt_len == 245 && memcmp (pt, big, 245) == 0);
  mikey_secure_free (pt, pt_len);
  g_free (ct);
  fail_if (mikey_pk_encrypt (bob_pub, big, 246, &ct, &ct_len, &err));
  expect_error (&err, MIKEY_ERROR_INVALID, "1 to 245 bytes fit");
  fail_if (mikey_pk_encrypt (bob_pub, big, 0, &ct, &ct_len, &err));
  expect_error (&err, MIKEY_ERROR_INVALID, "cannot be encrypted");

  g_free (ct2);
  mikey_key_unref (bob_pub);
  mikey_key_unref (bob_key);
  mikey_key_unref (alice_key);
  mikey_cert_unref (bob);
}

GST_END_TEST;

/* ---- signatures --------------------------------------------------------- */

GST_START_TEST (test_sign_verify)
{
  MikeyCert *alice = load_cert ("alice.pem"), *bob = load_cert ("bob.pem");
  MikeyKey *alice_pub = mikey_cert_get_public_key (alice);
  MikeyKey *bob_pub = mikey_cert_get_public_key (bob);
  MikeyKey *alice_key = load_key ("alice-key.pem", NULL);
  const guint8 *msg = (const guint8 *) "HDR T RAND ... the signed part";
  gsize msg_len = strlen ((const gchar *) msg);
  MikeySignType types[] = { MIKEY_SIGN_RSA_PKCS1_1_5, MIKEY_SIGN_RSA_PSS };
  GError *err = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (types); i++) {
    MikeySignType t = types[i], other = types[1 - i];
    guint8 *sig, *sig2;
    gsize sig_len, sig2_len;

    fail_unless (mikey_sign (alice_key, t, msg, msg_len, NULL, 0, &sig,
            &sig_len, &err));
    g_assert_no_error (err);
    fail_unless_equals_int (sig_len, 256);
    fail_unless (mikey_verify (alice_pub, t, msg, msg_len, NULL, 0, sig,
            sig_len, &err));
    g_assert_no_error (err);
    /* the same bytes in two pieces, split anywhere */
    fail_unless (mikey_verify (alice_pub, t, msg, 10, msg + 10, msg_len - 10,
            sig, sig_len, &err));
    g_assert_no_error (err);
    fail_unless (mikey_sign (alice_key, t, msg, 3, msg + 3, msg_len - 3,
            &sig2, &sig2_len, &err));
    fail_unless (mikey_verify (alice_pub, t, msg, msg_len, NULL, 0, sig2,
            sig2_len, &err));
    g_assert_no_error (err);
    /* PKCS#1 v1.5 is deterministic, PSS salted */
    fail_unless ((memcmp (sig, sig2, sig_len) == 0) ==
        (t == MIKEY_SIGN_RSA_PKCS1_1_5));
    g_free (sig2);

    /* tampered data, tampered signature, another key, the other type */
    fail_if (mikey_verify (alice_pub, t, msg, msg_len - 1, NULL, 0, sig,
            sig_len, &err));
    expect_error (&err, MIKEY_ERROR_AUTH, "signature mismatch");
    fail_if (mikey_verify (bob_pub, t, msg, msg_len, NULL, 0, sig, sig_len,
            &err));
    expect_error (&err, MIKEY_ERROR_AUTH, "signature mismatch");
    fail_if (mikey_verify (alice_pub, other, msg, msg_len, NULL, 0, sig,
            sig_len, &err));
    expect_error (&err, MIKEY_ERROR_AUTH, "signature mismatch");
    fail_if (mikey_verify (alice_pub, t, msg, msg_len, NULL, 0, sig,
            sig_len - 1, &err));
    expect_error (&err, MIKEY_ERROR_AUTH, "signature mismatch");
    sig[17] ^= 0x08;
    fail_if (mikey_verify (alice_pub, t, msg, msg_len, NULL, 0, sig,
            sig_len, &err));
    expect_error (&err, MIKEY_ERROR_AUTH, "signature mismatch");
    g_free (sig);
  }

  {
    guint8 *sig;
    gsize sig_len;

    fail_if (mikey_sign (alice_key, (MikeySignType) 2, msg, msg_len, NULL, 0,
            &sig, &sig_len, &err));
    expect_error (&err, MIKEY_ERROR_UNSUPPORTED, "signature type 2");
    fail_if (mikey_sign (alice_pub, MIKEY_SIGN_RSA_PSS, msg, msg_len, NULL, 0,
            &sig, &sig_len, &err));
    expect_error (&err, MIKEY_ERROR_SETTINGS, "needs a private key");
    fail_unless (sig == NULL && sig_len == 0);
  }

  mikey_key_unref (alice_pub);
  mikey_key_unref (bob_pub);
  mikey_key_unref (alice_key);
  mikey_cert_unref (alice);
  mikey_cert_unref (bob);
}

GST_END_TEST;

/* signatures made by `openssl dgst -sha1 -sign` (make-pki.sh): pins the
 * hash (SHA-1), the PKCS#1 v1.5 DigestInfo and the PSS parameters */
GST_START_TEST (test_verify_openssl_cli_signatures)
{
  MikeyCert *alice = load_cert ("alice.pem");
  MikeyKey *alice_pub = mikey_cert_get_public_key (alice);
  MikeyKey *alice_key = load_key ("alice-key.pem", NULL);
  const gchar *m = SIGNED_MESSAGE;
  gchar *path, *pkcs1, *pss;
  gsize pkcs1_len, pss_len, len;
  guint8 *ours;
  GError *err = NULL;

  path = mikey_test_pki ("alice-sig-pkcs1.bin");
  fail_unless (g_file_get_contents (path, &pkcs1, &pkcs1_len, NULL));
  g_free (path);
  path = mikey_test_pki ("alice-sig-pss.bin");
  fail_unless (g_file_get_contents (path, &pss, &pss_len, NULL));
  g_free (path);

  fail_unless (mikey_verify (alice_pub, MIKEY_SIGN_RSA_PKCS1_1_5,
          (const guint8 *) m, strlen (m), NULL, 0, (const guint8 *) pkcs1,
          pkcs1_len, &err));
  g_assert_no_error (err);
  fail_unless (mikey_verify (alice_pub, MIKEY_SIGN_RSA_PSS,
          (const guint8 *) m, strlen (m), NULL, 0, (const guint8 *) pss,
          pss_len, &err));
  g_assert_no_error (err);
  fail_if (mikey_verify (alice_pub, MIKEY_SIGN_RSA_PKCS1_1_5,
          (const guint8 *) m, strlen (m), NULL, 0, (const guint8 *) pss,
          pss_len, &err));
  expect_error (&err, MIKEY_ERROR_AUTH, "signature mismatch");

  /* PKCS#1 v1.5 is deterministic: ours is byte for byte the CLI's */
  fail_unless (mikey_sign (alice_key, MIKEY_SIGN_RSA_PKCS1_1_5,
          (const guint8 *) m, 5, (const guint8 *) m + 5, strlen (m) - 5,
          &ours, &len, &err));
  fail_unless_equals_int (len, pkcs1_len);
  fail_unless (memcmp (ours, pkcs1, len) == 0);

  g_free (ours);
  g_free (pkcs1);
  g_free (pss);
  mikey_key_unref (alice_pub);
  mikey_key_unref (alice_key);
  mikey_cert_unref (alice);
}

GST_END_TEST;

static Suite *
pk_suite (void)
{
  Suite *s = suite_create ("pk");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_load_chain_and_keys);
  tcase_add_test (tc, test_load_errors);
  tcase_add_test (tc, test_der_round_trip);
  tcase_add_test (tc, test_chash);
  tcase_add_test (tc, test_verify_ok);
  tcase_add_test (tc, test_verify_refused);
  tcase_add_test (tc, test_key_usage);
  tcase_add_test (tc, test_crl);
  tcase_add_test (tc, test_trust_dir);
  tcase_add_test (tc, test_identity);
  tcase_add_test (tc, test_encrypt_decrypt);
  tcase_add_test (tc, test_sign_verify);
  tcase_add_test (tc, test_verify_openssl_cli_signatures);
  return s;
}

GST_CHECK_MAIN (pk);
