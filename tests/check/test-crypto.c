/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Known-answer tests for the MIKEY crypto layer (RFC 3830 section 4).
 *
 * Expected values come from published vectors (RFC 2202, RFC 3394) or from
 * tests/check/data/mikey_crypto_vectors.py, an independent Python
 * implementation written from the RFC text. Re-run that script and paste
 * its output here if an input below changes.
 */
#include <gst/check/gstcheck.h>
#include <string.h>

#include "mikey-crypto.h"

/* ---- helpers ------------------------------------------------------------ */

static guint8 *
unhex (const gchar * hex, gsize * len)
{
  gsize n = strlen (hex) / 2, i;
  guint8 *b = g_malloc (MAX (n, 1));

  fail_unless (strlen (hex) % 2 == 0);
  for (i = 0; i < n; i++) {
    gint hi = g_ascii_xdigit_value (hex[2 * i]);
    gint lo = g_ascii_xdigit_value (hex[2 * i + 1]);
    fail_unless (hi >= 0 && lo >= 0, "bad hex %s", hex);
    b[i] = (hi << 4) | lo;
  }
  *len = n;
  return b;
}

static gchar *
tohex (const guint8 * b, gsize len)
{
  GString *s = g_string_new (NULL);
  gsize i;

  for (i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", b[i]);
  return g_string_free (s, FALSE);
}

static void
check_bytes (const guint8 * got, gsize got_len, const gchar * want_hex,
    const gchar * what)
{
  gchar *got_hex = tohex (got, got_len);

  fail_unless (g_ascii_strcasecmp (got_hex, want_hex) == 0,
      "%s:\n  got  %s\n  want %s", what, got_hex, want_hex);
  g_free (got_hex);
}

/* byte i = i * mul + add: the pattern the Python script uses */
static guint8 *
pattern (gsize n, guint mul, guint add)
{
  guint8 *b = g_malloc (MAX (n, 1));
  gsize i;

  for (i = 0; i < n; i++)
    b[i] = (i * mul + add) & 0xff;
  return b;
}

#define CSB 0xA1B2C3D4u

/* the Python script's tgk, psk and rand */
static guint8 *
vec_tgk (void)
{
  return pattern (16, 5, 0x21);
}

static guint8 *
vec_psk (void)
{
  return pattern (20, 13, 0x99);
}

static guint8 *
vec_rand (void)
{
  return pattern (16, 11, 0x42);
}

static void
vec_transport_keys (MikeyTransportKeys * keys)
{
  guint8 *psk = vec_psk (), *rand = vec_rand ();
  GError *err = NULL;

  fail_unless (mikey_transport_keys_derive (psk, 20, CSB, rand, 16, keys,
          &err));
  g_assert_no_error (err);
  g_free (psk);
  g_free (rand);
}

/* ---- PRF (4.1.2) ---------------------------------------------------------- */

static const struct
{
  gsize inkey_len, out_len;
  const gchar *hex;
} prf_vectors[] = {
  /* *INDENT-OFF* */
  { 16, 16, "74751bbe1d59f4ab9f1890fe9cb7e694" },
  { 16, 14, "74751bbe1d59f4ab9f1890fe9cb7" },
  { 16, 20, "74751bbe1d59f4ab9f1890fe9cb7e6941be0fb21" },
  { 16, 30, "74751bbe1d59f4ab9f1890fe9cb7e6941be0fb213f838f7fb0dab6d4250d" },
  { 16, 46, "74751bbe1d59f4ab9f1890fe9cb7e6941be0fb213f838f7fb0dab6d4250d7d3d846a4075987e5dc43769bdd1dbfa" },
  { 20, 16, "54517e0dcdd528a4caaf1b05d79a4e51" },
  { 20, 14, "54517e0dcdd528a4caaf1b05d79a" },
  { 20, 20, "54517e0dcdd528a4caaf1b05d79a4e51de182923" },
  { 20, 30, "54517e0dcdd528a4caaf1b05d79a4e51de182923e7b1e3b54e669a0413ad" },
  { 20, 46, "54517e0dcdd528a4caaf1b05d79a4e51de182923e7b1e3b54e669a0413ad5fa60a72c56f5a8cdd0ba8caf92d2638" },
  { 32, 16, "ef5a4405488a70a34744493e46a59d53" },
  { 32, 14, "ef5a4405488a70a34744493e46a5" },
  { 32, 20, "ef5a4405488a70a34744493e46a59d532eb3d53d" },
  { 32, 30, "ef5a4405488a70a34744493e46a59d532eb3d53d8a5a4761336c85c34781" },
  { 32, 46, "ef5a4405488a70a34744493e46a59d532eb3d53d8a5a4761336c85c34781e8075a85a2195621a0b645340082f2b5" },
  { 33, 16, "f3de0f8fe6fdb5302779e6c5ebe297b2" },
  { 33, 14, "f3de0f8fe6fdb5302779e6c5ebe2" },
  { 33, 20, "f3de0f8fe6fdb5302779e6c5ebe297b299d5a07c" },
  { 33, 30, "f3de0f8fe6fdb5302779e6c5ebe297b299d5a07ce49970acdea81704f2fa" },
  { 33, 46, "f3de0f8fe6fdb5302779e6c5ebe297b299d5a07ce49970acdea81704f2fa5acee84c5663e36bc620bf98816b18a9" },
  { 64, 16, "a52905dad873dbfdb2eb81b85f5aa32f" },
  { 64, 14, "a52905dad873dbfdb2eb81b85f5a" },
  { 64, 20, "a52905dad873dbfdb2eb81b85f5aa32f19ce7704" },
  { 64, 30, "a52905dad873dbfdb2eb81b85f5aa32f19ce7704b88858dadfc7ad852be4" },
  { 64, 46, "a52905dad873dbfdb2eb81b85f5aa32f19ce7704b88858dadfc7ad852be460ab94982b0fa09f5ac86ccc142cc3ce" },
  { 65, 16, "d7523c9d3e38983776672f551999078d" },
  { 65, 14, "d7523c9d3e38983776672f551999" },
  { 65, 20, "d7523c9d3e38983776672f551999078d44cef8f6" },
  { 65, 30, "d7523c9d3e38983776672f551999078d44cef8f6ffd4c49b81d0fcb89922" },
  { 65, 46, "d7523c9d3e38983776672f551999078d44cef8f6ffd4c49b81d0fcb8992285651ec665485ea3a406e8865e27d374" },
  /* *INDENT-ON* */
};

#define PRF_LABEL "2ad01c640101020304101316191c1f2225282b2e3134373a3d"

GST_START_TEST (test_prf_vectors)
{
  gsize label_len, i;
  guint8 *label = unhex (PRF_LABEL, &label_len);

  for (i = 0; i < G_N_ELEMENTS (prf_vectors); i++) {
    guint8 *inkey = pattern (prf_vectors[i].inkey_len, 7, 1);
    guint8 out[64];
    gchar *what = g_strdup_printf ("PRF inkey %" G_GSIZE_FORMAT " out %"
        G_GSIZE_FORMAT, prf_vectors[i].inkey_len, prf_vectors[i].out_len);
    GError *err = NULL;

    memset (out, 0xee, sizeof (out));
    fail_unless (mikey_prf (inkey, prf_vectors[i].inkey_len, label,
            label_len, out, prf_vectors[i].out_len, &err));
    g_assert_no_error (err);
    check_bytes (out, prf_vectors[i].out_len, prf_vectors[i].hex, what);
    /* nothing written past out_len */
    fail_unless_equals_int (out[prf_vectors[i].out_len], 0xee);
    g_free (what);
    g_free (inkey);
  }
  g_free (label);
}

GST_END_TEST;

/* An empty inkey has no s_i, so no P() term: it would yield all zeros. */
GST_START_TEST (test_prf_empty_inkey)
{
  guint8 key[1] = { 1 }, out[16];
  GError *err = NULL;

  fail_if (mikey_prf (key, 0, (const guint8 *) "x", 1, out, 16, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_INVALID);
  g_clear_error (&err);

  fail_if (mikey_prf (NULL, 0, NULL, 0, out, 16, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_INVALID);
  g_clear_error (&err);

  /* zero-length output and empty label are fine */
  fail_unless (mikey_prf (key, 1, NULL, 0, out, 0, &err));
  fail_unless (mikey_prf (key, 1, NULL, 0, out, 16, &err));
  g_assert_no_error (err);
}

GST_END_TEST;

/* ---- derivations (4.1.3, 4.1.4) ------------------------------------------- */

GST_START_TEST (test_derive_tgk)
{
  static const struct
  {
    guint32 constant;
    gsize len;
    const gchar *hex;
  } v[] = {
    {MIKEY_CONST_TEK, 16, "0241026f95e98bc3051cfdf008105f00"},
    {MIKEY_CONST_TGK_AUTH, 20, "6a8fe5c2082c9ae8abd2ad2bd1a7be517a2e7462"},
    {MIKEY_CONST_TGK_ENCR, 16, "266a06db550982c41a9707dcdc8b6c6e"},
    {MIKEY_CONST_TEK_SALT, 14, "d0d3a2048f13ee1376fa2be5e5c6"},
  };
  guint8 *tgk = vec_tgk (), *rand = vec_rand ();
  guint8 out[20], other[20];
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (v); i++) {
    GError *err = NULL;

    fail_unless (mikey_derive_tgk (tgk, 16, v[i].constant, 2, CSB, rand, 16,
            out, v[i].len, &err));
    g_assert_no_error (err);
    check_bytes (out, v[i].len, v[i].hex, "derive_tgk");

    /* the CS ID is part of the label: another session, another key */
    fail_unless (mikey_derive_tgk (tgk, 16, v[i].constant, 3, CSB, rand, 16,
            other, v[i].len, &err));
    fail_if (memcmp (out, other, v[i].len) == 0);
  }
  g_free (tgk);
  g_free (rand);
}

GST_END_TEST;

GST_START_TEST (test_derive_psk)
{
  static const struct
  {
    guint32 constant;
    gsize len;
    const gchar *hex;
  } v[] = {
    {MIKEY_CONST_ENCR, 16, "975282696cc0f232ab39c5a6888c23eb"},
    {MIKEY_CONST_AUTH, 20, "3d8c0d18420ae395ed9532cc20b4c8781accab8a"},
    {MIKEY_CONST_SALT, 14, "0d7089eab9666602fed6cc883a85"},
  };
  guint8 *psk = vec_psk (), *rand = vec_rand ();
  guint8 out[20], tgk_style[20];
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (v); i++) {
    GError *err = NULL;

    fail_unless (mikey_derive_psk (psk, 20, v[i].constant, CSB, rand, 16,
            out, v[i].len, &err));
    g_assert_no_error (err);
    check_bytes (out, v[i].len, v[i].hex, "derive_psk");

    /* 4.1.4 is 4.1.3 with cs_id 0xFF */
    fail_unless (mikey_derive_tgk (psk, 20, v[i].constant, 0xFF, CSB, rand,
            16, tgk_style, v[i].len, &err));
    fail_unless (memcmp (out, tgk_style, v[i].len) == 0);
  }
  g_free (psk);
  g_free (rand);
}

GST_END_TEST;

/* Decision: RAND is mandatory input. Every MIKEY message that derives keys
 * carries a RAND (RFC 3830 3.1-3.3) and 6.11 asks for at least 128 bits;
 * without it keys from a long-lived TGK/PSK would repeat across exchanges.
 * An empty inkey is rejected by the PRF itself (see test_prf_empty_inkey). */
GST_START_TEST (test_derive_rejects_empty_inputs)
{
  guint8 *tgk = vec_tgk (), *rand = vec_rand ();
  guint8 out[16];
  MikeyTransportKeys keys;
  GError *err = NULL;

  fail_if (mikey_derive_tgk (tgk, 16, MIKEY_CONST_TEK, 1, CSB, rand, 0, out,
          16, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_INVALID);
  g_clear_error (&err);
  fail_if (mikey_derive_psk (tgk, 16, MIKEY_CONST_ENCR, CSB, NULL, 0, out,
          16, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_INVALID);
  g_clear_error (&err);

  fail_if (mikey_derive_tgk (tgk, 0, MIKEY_CONST_TEK, 1, CSB, rand, 16, out,
          16, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_INVALID);
  g_clear_error (&err);

  /* a failed derivation leaves no partial key behind */
  memset (&keys, 0x5a, sizeof (keys));
  fail_if (mikey_transport_keys_derive (tgk, 16, CSB, rand, 0, &keys, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_INVALID);
  g_clear_error (&err);
  {
    static const MikeyTransportKeys zero;
    fail_unless (memcmp (&keys, &zero, sizeof (keys)) == 0);
  }
  g_free (tgk);
  g_free (rand);
}

GST_END_TEST;

GST_START_TEST (test_transport_keys)
{
  MikeyTransportKeys keys;
  static const MikeyTransportKeys zero;

  vec_transport_keys (&keys);
  check_bytes (keys.encr_key, 16, "975282696cc0f232ab39c5a6888c23eb",
      "encr key");
  check_bytes (keys.salt_key, 14, "0d7089eab9666602fed6cc883a85", "salt key");
  check_bytes (keys.auth_key, 20, "3d8c0d18420ae395ed9532cc20b4c8781accab8a",
      "auth key");
  mikey_transport_keys_clear (&keys);
  fail_unless (memcmp (&keys, &zero, sizeof (keys)) == 0);
  mikey_transport_keys_clear (NULL);
}

GST_END_TEST;

/* ---- KEMAC encryption (4.2.3) --------------------------------------------- */

#define KEMAC_PLAIN "05162738495a6b7c8d9eafc0d1e2f30415263748596a7b8c9daebfd0e1f203142536475869"
#define TS_NTP G_GUINT64_CONSTANT (0xE7D1A2B3C4D5E6F7)
#define TS_COUNTER G_GUINT64_CONSTANT (0x89ABCDEF)

static void
check_roundtrip (guint8 alg, const MikeyTransportKeys * keys, guint64 ts,
    const gchar * plain_hex, const gchar * cipher_hex, const gchar * back_hex)
{
  gsize plain_len;
  guint8 *plain = unhex (plain_hex, &plain_len);
  guint8 *ct = NULL, *pt = NULL;
  gsize ct_len = 0, pt_len = 0;
  GError *err = NULL;

  fail_unless (mikey_kemac_encrypt (alg, keys, CSB, ts, plain, plain_len,
          &ct, &ct_len, &err));
  g_assert_no_error (err);
  check_bytes (ct, ct_len, cipher_hex, "KEMAC encrypt");

  fail_unless (mikey_kemac_decrypt (alg, keys, CSB, ts, ct, ct_len, &pt,
          &pt_len, &err));
  g_assert_no_error (err);
  check_bytes (pt, pt_len, back_hex, "KEMAC decrypt");

  g_free (ct);
  g_free (pt);
  g_free (plain);
}

GST_START_TEST (test_aes_cm_ntp)
{
  MikeyTransportKeys keys;

  vec_transport_keys (&keys);
  /* IV 0d7028587ab281d35c65085ddc720000 */
  check_roundtrip (MIKEY_ENC_AES_CM_128, &keys, TS_NTP, KEMAC_PLAIN,
      "2f444dc23f8f874b236bf3b09f3b7c1a28514fbb1ddd738f27b831b38e22a3cba3e6b57d6c",
      KEMAC_PLAIN);
  mikey_transport_keys_clear (&keys);
}

GST_END_TEST;

/* A 32-bit COUNTER enters the IV as T zero-extended to 64 bits. */
GST_START_TEST (test_aes_cm_counter)
{
  MikeyTransportKeys keys;
  gsize plain_len;
  guint8 *plain = unhex (KEMAC_PLAIN, &plain_len);
  guint8 *a = NULL, *b = NULL;
  gsize a_len, b_len;

  vec_transport_keys (&keys);
  /* IV 0d7028587ab26602fed64523f76a0000 */
  check_roundtrip (MIKEY_ENC_AES_CM_128, &keys, TS_COUNTER, KEMAC_PLAIN,
      "ba0d4a05d17a29feccb359ced72cc271409f65ae4b971c2992a809578a70df7373edc00db4",
      KEMAC_PLAIN);

  /* every bit of T and of the CSB ID reaches the IV */
  fail_unless (mikey_kemac_encrypt (MIKEY_ENC_AES_CM_128, &keys, CSB,
          TS_COUNTER | G_GUINT64_CONSTANT (1) << 63, plain, plain_len, &a,
          &a_len, NULL));
  fail_unless (mikey_kemac_encrypt (MIKEY_ENC_AES_CM_128, &keys, CSB ^ 1,
          TS_COUNTER, plain, plain_len, &b, &b_len, NULL));
  fail_if (memcmp (a, b, plain_len) == 0);
  g_free (a);
  g_free (b);
  g_free (plain);
  mikey_transport_keys_clear (&keys);
}

GST_END_TEST;

GST_START_TEST (test_aes_kw_rfc3394)
{
  MikeyTransportKeys keys = { {0} };
  guint i;

  /* RFC 3394 4.1: 128-bit key data with a 128-bit KEK */
  for (i = 0; i < 16; i++)
    keys.encr_key[i] = i;
  check_roundtrip (MIKEY_ENC_AES_KW_128, &keys, 0,
      "00112233445566778899aabbccddeeff",
      "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5",
      "00112233445566778899aabbccddeeff");
}

GST_END_TEST;

/* Lengths that are not a multiple of 64 bits (or below 128) are zero padded
 * before wrapping; unwrap returns the padded bytes. */
GST_START_TEST (test_aes_kw_padding)
{
  MikeyTransportKeys keys;

  vec_transport_keys (&keys);
  check_roundtrip (MIKEY_ENC_AES_KW_128, &keys, TS_NTP, KEMAC_PLAIN,
      "ba58c40f8f3b06857026137b7b33d90e731f730abd51ec81b2eb6e6facd67b3b6f804609bee07ad5229bfc3d494016c0",
      KEMAC_PLAIN "000000");
  check_roundtrip (MIKEY_ENC_AES_KW_128, &keys, TS_NTP,
      "333c454e576069727b848d969fa8b1ba",
      "a273e7caa176c0432f9556a7c576ef0e9592c876d7ac60ce",
      "333c454e576069727b848d969fa8b1ba");
  check_roundtrip (MIKEY_ENC_AES_KW_128, &keys, TS_NTP, "333c454e57",
      "5da7b298522cb70d9ef02fc7442f8d9f6a8e6050a70f382c",
      "333c454e570000000000000000000000");
  mikey_transport_keys_clear (&keys);
}

GST_END_TEST;

GST_START_TEST (test_aes_kw_corrupt)
{
  MikeyTransportKeys keys;
  gsize ct_len, i;
  guint8 *ct = unhex ("a273e7caa176c0432f9556a7c576ef0e9592c876d7ac60ce",
      &ct_len);
  guint8 *pt = NULL;
  gsize pt_len = 0;
  GError *err = NULL;

  vec_transport_keys (&keys);
  fail_unless (mikey_kemac_decrypt (MIKEY_ENC_AES_KW_128, &keys, CSB, 0, ct,
          ct_len, &pt, &pt_len, &err));
  g_free (pt);

  /* any flipped bit breaks the A6A6.. integrity check */
  for (i = 0; i < ct_len; i++) {
    ct[i] ^= 0x10;
    pt = (guint8 *) 0x1;
    fail_if (mikey_kemac_decrypt (MIKEY_ENC_AES_KW_128, &keys, CSB, 0, ct,
            ct_len, &pt, &pt_len, &err));
    g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_AUTH);
    fail_unless (pt == NULL && pt_len == 0);
    g_clear_error (&err);
    ct[i] ^= 0x10;
  }

  /* wrong key */
  keys.encr_key[0] ^= 1;
  fail_if (mikey_kemac_decrypt (MIKEY_ENC_AES_KW_128, &keys, CSB, 0, ct,
          ct_len, &pt, &pt_len, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_AUTH);
  g_clear_error (&err);

  /* lengths no wrap can produce */
  fail_if (mikey_kemac_decrypt (MIKEY_ENC_AES_KW_128, &keys, CSB, 0, ct,
          ct_len - 1, &pt, &pt_len, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_INVALID);
  g_clear_error (&err);
  fail_if (mikey_kemac_decrypt (MIKEY_ENC_AES_KW_128, &keys, CSB, 0, ct, 16,
          &pt, &pt_len, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_INVALID);
  g_clear_error (&err);
  fail_if (mikey_kemac_encrypt (MIKEY_ENC_AES_KW_128, &keys, CSB, 0, ct, 0,
          &pt, &pt_len, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_INVALID);
  g_clear_error (&err);

  g_free (ct);
  mikey_transport_keys_clear (&keys);
}

GST_END_TEST;

GST_START_TEST (test_kemac_null)
{
  guint8 data[5] = { 1, 2, 3, 4, 5 };
  guint8 *out = NULL;
  gsize out_len = 99;
  GError *err = NULL;

  /* no keys needed */
  fail_unless (mikey_kemac_encrypt (MIKEY_ENC_NULL, NULL, CSB, 0, data, 5,
          &out, &out_len, &err));
  g_assert_no_error (err);
  fail_unless (out != data && out_len == 5 && memcmp (out, data, 5) == 0);
  g_free (out);

  fail_unless (mikey_kemac_decrypt (MIKEY_ENC_NULL, NULL, CSB, 0, data, 5,
          &out, &out_len, &err));
  fail_unless (out_len == 5 && memcmp (out, data, 5) == 0);
  g_free (out);

  /* empty Encr data (as in RFC 4650 DHHMAC) gives a non-NULL buffer */
  fail_unless (mikey_kemac_encrypt (MIKEY_ENC_NULL, NULL, CSB, 0, NULL, 0,
          &out, &out_len, &err));
  fail_unless (out != NULL && out_len == 0);
  g_free (out);
}

GST_END_TEST;

GST_START_TEST (test_kemac_unknown_alg)
{
  MikeyTransportKeys keys;
  guint8 data[16] = { 0 }, *out = NULL;
  gsize out_len = 0;
  GError *err = NULL;

  vec_transport_keys (&keys);
  fail_if (mikey_kemac_encrypt (3, &keys, CSB, 0, data, 16, &out, &out_len,
          &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED);
  g_clear_error (&err);
  fail_if (mikey_kemac_decrypt (255, &keys, CSB, 0, data, 16, &out,
          &out_len, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED);
  g_clear_error (&err);
  fail_unless (out == NULL);
  mikey_transport_keys_clear (&keys);
}

GST_END_TEST;

/* ---- MAC (4.2.4) ---------------------------------------------------------- */

GST_START_TEST (test_hmac_rfc2202)
{
  static const struct
  {
    const gchar *key_hex, *data;
    gsize key_rep;
    const gchar *digest;
  } v[] = {
    /* key given as one byte repeated key_rep times, or literal if 0 */
    {"0b", "Hi There", 20, "b617318655057264e28bc0b6fb378c8ef146be00"},
    {"4a656665", "what do ya want for nothing?", 0,
        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
    {"0c", "Test With Truncation", 20,
        "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"},
    {"aa", "Test Using Larger Than Block-Size Key - Hash Key First", 80,
        "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
    {"aa", "Test Using Larger Than Block-Size Key and Larger Than One "
          "Block-Size Data", 80, "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"},
  };
  guint8 dd[50], cd[50], key[80], mac[20];
  GError *err = NULL;
  gsize i, key_len;

  for (i = 0; i < G_N_ELEMENTS (v); i++) {
    guint8 *k = unhex (v[i].key_hex, &key_len);

    if (v[i].key_rep) {
      memset (key, k[0], v[i].key_rep);
      key_len = v[i].key_rep;
    } else {
      memcpy (key, k, key_len);
    }
    g_free (k);
    fail_unless (mikey_mac_compute (MIKEY_MAC_HMAC_SHA1_160, key, key_len,
            (const guint8 *) v[i].data, strlen (v[i].data), mac, &err));
    g_assert_no_error (err);
    check_bytes (mac, 20, v[i].digest, v[i].data);
  }

  /* cases 3 and 4: binary data */
  memset (key, 0xaa, 20);
  memset (dd, 0xdd, 50);
  fail_unless (mikey_mac_compute (MIKEY_MAC_HMAC_SHA1_160, key, 20, dd, 50,
          mac, &err));
  check_bytes (mac, 20, "125d7342b9ac11cd91a39af48aa17b4f63f175d3", "case 3");
  for (i = 0; i < 25; i++)
    key[i] = i + 1;
  memset (cd, 0xcd, 50);
  fail_unless (mikey_mac_compute (MIKEY_MAC_HMAC_SHA1_160, key, 25, cd, 50,
          mac, &err));
  check_bytes (mac, 20, "4c9007f4026250c6bc8414f9bf50c86c2d7235da", "case 4");
}

GST_END_TEST;

#define MAC_D1 "070a0d101316191c1f2225282b2e3134373a3d404346494c4f5255585b5e6164676a6d707376797c7f"
#define MAC_D2 "f0f1f2f3f4f5f6f7"
#define MAC_HEX "9dbfbc3479d85fab6f0e51357221bfa52427a3ac"

GST_START_TEST (test_mac_two_pieces)
{
  MikeyTransportKeys keys;
  gsize l1, l2, lm;
  guint8 *d1 = unhex (MAC_D1, &l1), *d2 = unhex (MAC_D2, &l2);
  guint8 *all = unhex (MAC_D1 MAC_D2, &lm);
  guint8 mac[20];
  GError *err = NULL;

  vec_transport_keys (&keys);
  fail_unless (mikey_mac_compute2 (MIKEY_MAC_HMAC_SHA1_160, keys.auth_key,
          20, d1, l1, d2, l2, mac, &err));
  g_assert_no_error (err);
  check_bytes (mac, 20, MAC_HEX, "compute2");

  fail_unless (mikey_mac_compute (MIKEY_MAC_HMAC_SHA1_160, keys.auth_key, 20,
          all, lm, mac, &err));
  check_bytes (mac, 20, MAC_HEX, "compute");

  fail_unless (mikey_mac_verify (MIKEY_MAC_HMAC_SHA1_160, keys.auth_key, 20,
          d1, l1, d2, l2, mac, 20, &err));
  fail_unless (mikey_mac_verify (MIKEY_MAC_HMAC_SHA1_160, keys.auth_key, 20,
          all, lm, NULL, 0, mac, 20, &err));
  g_assert_no_error (err);

  g_free (d1);
  g_free (d2);
  g_free (all);
  mikey_transport_keys_clear (&keys);
}

GST_END_TEST;

GST_START_TEST (test_mac_verify_rejects)
{
  MikeyTransportKeys keys;
  gsize lm, i;
  guint8 *data = unhex (MAC_D1 MAC_D2, &lm);
  guint8 *mac = unhex (MAC_HEX, &i);
  guint8 big[21];
  GError *err = NULL;

  vec_transport_keys (&keys);

  /* every single-bit flip of the MAC */
  for (i = 0; i < 20 * 8; i++) {
    mac[i / 8] ^= 1 << (i % 8);
    fail_if (mikey_mac_verify (MIKEY_MAC_HMAC_SHA1_160, keys.auth_key, 20,
            data, lm, NULL, 0, mac, 20, &err));
    g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_AUTH);
    g_clear_error (&err);
    mac[i / 8] ^= 1 << (i % 8);
  }

  /* a flipped bit in the data, and a wrong key */
  data[3] ^= 0x80;
  fail_if (mikey_mac_verify (MIKEY_MAC_HMAC_SHA1_160, keys.auth_key, 20,
          data, lm, NULL, 0, mac, 20, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_AUTH);
  g_clear_error (&err);
  data[3] ^= 0x80;
  keys.auth_key[19] ^= 1;
  fail_if (mikey_mac_verify (MIKEY_MAC_HMAC_SHA1_160, keys.auth_key, 20,
          data, lm, NULL, 0, mac, 20, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_AUTH);
  g_clear_error (&err);
  keys.auth_key[19] ^= 1;

  /* wrong lengths: truncated, extended, empty */
  memcpy (big, mac, 20);
  big[20] = 0;
  fail_if (mikey_mac_verify (MIKEY_MAC_HMAC_SHA1_160, keys.auth_key, 20,
          data, lm, NULL, 0, mac, 19, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_AUTH);
  g_clear_error (&err);
  fail_if (mikey_mac_verify (MIKEY_MAC_HMAC_SHA1_160, keys.auth_key, 20,
          data, lm, NULL, 0, big, 21, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_AUTH);
  g_clear_error (&err);
  fail_if (mikey_mac_verify (MIKEY_MAC_HMAC_SHA1_160, keys.auth_key, 20,
          data, lm, NULL, 0, NULL, 0, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_AUTH);
  g_clear_error (&err);

  /* still fine unmodified */
  fail_unless (mikey_mac_verify (MIKEY_MAC_HMAC_SHA1_160, keys.auth_key, 20,
          data, lm, NULL, 0, mac, 20, &err));

  /* no key at all is a caller error, not a MAC */
  fail_if (mikey_mac_compute (MIKEY_MAC_HMAC_SHA1_160, NULL, 0, data, lm,
          big, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_INVALID);
  g_clear_error (&err);

  g_free (data);
  g_free (mac);
  mikey_transport_keys_clear (&keys);
}

GST_END_TEST;

GST_START_TEST (test_mac_null)
{
  guint8 out[4] = { 0xee, 0xee, 0xee, 0xee };
  guint8 junk[20] = { 0 };
  GError *err = NULL;

  /* the empty MAC: nothing written, always verifies when empty */
  fail_unless (mikey_mac_compute (MIKEY_MAC_NULL, NULL, 0,
          (const guint8 *) "abc", 3, out, &err));
  g_assert_no_error (err);
  fail_unless (out[0] == 0xee);
  fail_unless (mikey_mac_verify (MIKEY_MAC_NULL, NULL, 0,
          (const guint8 *) "abc", 3, NULL, 0, NULL, 0, &err));
  g_assert_no_error (err);

  /* a non-empty "NULL MAC" has the wrong length */
  fail_if (mikey_mac_verify (MIKEY_MAC_NULL, NULL, 0,
          (const guint8 *) "abc", 3, NULL, 0, junk, 20, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_AUTH);
  g_clear_error (&err);
}

GST_END_TEST;

GST_START_TEST (test_mac_unknown_alg)
{
  guint8 key[20] = { 1 }, out[20];
  GError *err = NULL;

  fail_if (mikey_mac_compute (2, key, 20, key, 20, out, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED);
  g_clear_error (&err);
  fail_if (mikey_mac_verify (255, key, 20, key, 20, NULL, 0, out, 20, &err));
  g_assert_error (err, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED);
  g_clear_error (&err);
}

GST_END_TEST;

GST_START_TEST (test_random)
{
  guint8 a[32], b[32];
  GError *err = NULL;

  fail_unless (mikey_random_bytes (a, sizeof (a), &err));
  fail_unless (mikey_random_bytes (b, sizeof (b), &err));
  g_assert_no_error (err);
  fail_if (memcmp (a, b, sizeof (a)) == 0);
  fail_unless (mikey_random_bytes (NULL, 0, &err));
}

GST_END_TEST;

static Suite *
crypto_suite (void)
{
  Suite *s = suite_create ("crypto");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_prf_vectors);
  tcase_add_test (tc, test_prf_empty_inkey);
  tcase_add_test (tc, test_derive_tgk);
  tcase_add_test (tc, test_derive_psk);
  tcase_add_test (tc, test_derive_rejects_empty_inputs);
  tcase_add_test (tc, test_transport_keys);
  tcase_add_test (tc, test_aes_cm_ntp);
  tcase_add_test (tc, test_aes_cm_counter);
  tcase_add_test (tc, test_aes_kw_rfc3394);
  tcase_add_test (tc, test_aes_kw_padding);
  tcase_add_test (tc, test_aes_kw_corrupt);
  tcase_add_test (tc, test_kemac_null);
  tcase_add_test (tc, test_kemac_unknown_alg);
  tcase_add_test (tc, test_hmac_rfc2202);
  tcase_add_test (tc, test_mac_two_pieces);
  tcase_add_test (tc, test_mac_verify_rejects);
  tcase_add_test (tc, test_mac_null);
  tcase_add_test (tc, test_mac_unknown_alg);
  tcase_add_test (tc, test_random);
  return s;
}

GST_CHECK_MAIN (crypto);
