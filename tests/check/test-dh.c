/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for the MIKEY Diffie-Hellman primitives (RFC 3830 3.3 / 4.2.7,
 * RFC 4650): known answers for each group, padding, peer value checks,
 * and agreement with OpenSSL's own modp_1536 group.
 *
 * The vectors below were printed by tests/check/data/mikey_dh_vectors.py,
 * which rebuilds the primes from the RFC formulas and computes with
 * Python's pow(); it shares no code with lib/mikey. Re-run it and
 * paste its output if an input changes.
 */
#include <gst/check/gstcheck.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/evp.h>

#include "mikey-dh.h"

/* ---- vectors (mikey_dh_vectors.py) -------------------------------------- */

/* OAKLEY5 (RFC 3526 section 2): p matches the formula, p and (p-1)/2 prime */
#define OAKLEY5_PRIV_A "be15dd954be34b645eb6c98d7a74eb1ae0f65dab3123e3084413072f9e23cb0f"
#define OAKLEY5_PRIV_B "82393bfaad4a368de4fed749083425e8a3ad222bc00391db5c33290648974da9"
#define OAKLEY5_PUB_A \
  "590de9c32471021696f7fca967bc170406c606074c66cc3b7f1351d4d4aa5491" \
  "d659a22c28b1ca5625e7564ad390f2d12c6eb1349706fdf8d70a74b4b9d9139c" \
  "78a9413f55374b87a8d8f9a596d6d695469613f7dd76959607b676290ba24a15" \
  "be116ab531a1fd242b6b0dcb0b9ff99a9b0de9cf7a83d6bd77d9cbf7e9f43c29" \
  "7de526e5d86c9518551a42c8f03c94e2ec1bbcb53a1f2fa445a31c611904acd8" \
  "360458cecdb3e46ed050f276a1ef1e903b75df52bcc6991c2be8b03e26147ac1"
#define OAKLEY5_PUB_B \
  "854ff1e9badf4ebd00008dd81bbd3e3fe25a5aadaab4214010669f9ee1d382d0" \
  "5c2970e1c3be0c9fe39a9f8a41e152167e11de1907f69c596ab740ba0e52942e" \
  "6fccf6ff886d7a52d723065f699133e4898edfd81f4e343b0da956502840b6bf" \
  "493bf39f89e337924275ae0337e5807dc995ec9db9317ec2b59dc4a103a0383a" \
  "caa69f5db15c80dfbcedb48272569ef3500e9eeb6c2bf06f2d46931cdc1b8da2" \
  "a5e517850176066773f46fcddbeddbd0ff32b4c09fa589c4e70efdb6004ccdfe"
#define OAKLEY5_SHARED \
  "0a75a00e62aa56b107a0d1a1673782867dada44c4c7a6e9717e031502060f510" \
  "ef9c4dc09d7c04a4f1f966f305652d179e08db8ba3a4a88abec5110396009799" \
  "88467d28c5acb5dc40ab86af042aaf3e8718ed397817c468447525d97d703e47" \
  "da99e63ac8362db931118a536b533bb9cfcf300caf0f3dbc0f7de0bb1f01332f" \
  "a9d29d45805c8d7f192d53ae89a652cb0b2657b803e15d1a76ec809f1d7d3ea9" \
  "0679b463d7065b5b1c3371b28ab9963e8e95623690d5c189a6f2fe8a3b5934b5"
#define OAKLEY5_PRIV_PAD "ee59a85278a21873b6f7806e724eec7d69c3b4fd5644fbba99913c193468b0df"
#define OAKLEY5_PUB_PAD \
  "a097405a9945ae4594eed66cefacf22245f0dab56b1928159546285c243e216b" \
  "d403ab44cf7e66a27d5cbfffae144adaea84602d83a9ee237f8075e09adc8583" \
  "935fdae8a9537ab47ee198cf0e4fe09e4ea9d9d8a517268363d16dd060b66510" \
  "090abbddf8e62f55f33d616e9a3ee490aa1f0d7e22c61ba21b9c0051162d04d2" \
  "51614083d42fab5befdd595fd3a6e27ac65f2c990be964dae1a468c8c008731f" \
  "c8993a5d5003b55a47c20859dc24a0f0423d85575601424075c768fc092a2dcf"
#define OAKLEY5_SHARED_PAD \
  "000d133153052cb5833ecac2201e37a9e0ad3c4b74987efb522f79e625751d7a" \
  "ed68cac08f2c3798fb230f1abfdf49004676b97fbf82993a87545b414b2d946f" \
  "d30db8fd427e9d0ba8f1e0233c40bc6ca8c6989386028a66cce8636ab105e1df" \
  "0321c335e97632e579d3faee6113f33993fca253a0ed0a9f98d47ca5ca51cf8d" \
  "9766216fedd47152f37c02dc99ff7ae52b525191af6c5d3012393516a073794f" \
  "9e90b2af7e462719f7e74a9272da5e693a1797f2dae345d7727768eb83b9e888"

/* OAKLEY1 (RFC 2409 section 6.1): p matches the formula, p and (p-1)/2 prime */
#define OAKLEY1_PRIV_A "d295847947cd50afc30e6ca4803e6a71a3a8c409483e1ecc4aca066b71fccc92"
#define OAKLEY1_PRIV_B "43b71cc8eba2fc442b5542d87a55137f96fa1dcc761bef0c3d0ec2bcd937506e"
#define OAKLEY1_PUB_A \
  "1b474dcbf1a98f5191c04cd60f4db6a1834688fb651a0ae7c0212b7b1bd635bf" \
  "26d30e4bf9fce82b03f3d027d4eca8b10993e81f444e0562ecc6e1c0d6399099" \
  "d79f204b6fecfeacc997554f30e54e078e369dfd057f7c3be7f3b3437308a1e3"
#define OAKLEY1_PUB_B \
  "3c2b298c4f86c5eb524526797cb6d78d82ce09d09ab2d5e6c3fd30d84d13b100" \
  "9a84f0330710bc57ca54be06e8c65c052a72496ce432db9cb46d4df2d6d911d6" \
  "e0b74c18f57a949939d15a1d6ed2b2c3e577df8bca7c15fc9e0388c74ccc2bae"
#define OAKLEY1_SHARED \
  "a5ab5b30500db6d45effb2f10a8b0df7d5d4fe32c7b9acf731cb9cd4e05eb8d5" \
  "4c73bb003f3283c7482b73d300930d7f0e2e9ab5653a71ff161d4ba7087c26b9" \
  "f55ac2f2210297600e8830a626419e08ac5f6cf9bf5239994cb8b046d89d8fe6"
#define OAKLEY1_PRIV_PAD "5d1ad36e381d712e82c4f2669eee42fae5c3f0096b93af226111f4a90438cb4a"
#define OAKLEY1_PUB_PAD \
  "ddd8f20068495f9fa2d29b7e7717a0aee050b259a84174c8ce88d9ad5b48ab53" \
  "928d37b72c76c2f80acda5b6dd2f349ebc8dd7c078f10b663d255bb3423cc54c" \
  "f4f174f98e79ce9560f1feb063aba4078eb9394bae0c079afc96375976b3f91e"
#define OAKLEY1_SHARED_PAD \
  "007fbe0972872ed2a964856581014c7228f4ed50f94184c5bad0fd1155837af6" \
  "c4873a2091676b10b5edd94acb14d99dd508a7d92c9c1ea0a2cda40414dcab97" \
  "091fc1917a52d6075de3a177dd04a6056bf17f7db6ff3438324d968c357b0b10"

/* OAKLEY2 (RFC 2409 section 6.2): p matches the formula, p and (p-1)/2 prime */
#define OAKLEY2_PRIV_A "917eac2976d32b50f36159c21b781c6e8dd42b771799c3d2019a28ac4f7fc6d8"
#define OAKLEY2_PRIV_B "7df14276dfb58472d813ca8a478baa1ef1a7330b2d238c85aa4e8beb485eae1b"
#define OAKLEY2_PUB_A \
  "cba5efc073ec272414c2d52fdfc48c9cd62294a41a82ef8c677a9e3278d8443d" \
  "03f6c92b676af2f75d537829ab6c377ca62a525f4e7243dd8837591f804d4eb6" \
  "487263532545e5200c9dc5c0a053e5c404e9d6b95e2f357b864811cb7f0e449b" \
  "43d5c9b17b5104c78af49835f946aaa2179d659eb0aa2a5b9731c6085599c5fb"
#define OAKLEY2_PUB_B \
  "556c792deb4da2d5d973ae5a0007153d7feb17e385822b7717fd94599ae75cfb" \
  "d96b2a914b3f6616dfa64b815598d0a6be0ea574591fe9d8e0d93d8bc91ae033" \
  "38fa4b849081ef03b32511b1ec58de42df6931ecef0c326ded782920bfe3f64a" \
  "f1da9699b09fead578d369b724ae5baaa4506d8ede83123f9edfb8371162407a"
#define OAKLEY2_SHARED \
  "70a113c3aa17a0aec3899f3698f7631db887766917545b558a461c2d2d72aacc" \
  "b55cb5c7a7f5e9d1438ab2b4b60120f592f43ff7d16a03fd7f423178db6851fc" \
  "abb9ef0c04ad64da04dab47a6a6a2d7c6ee45965babd6a1935e424b0a99e7192" \
  "a5557d8a4af4757500e94fe82bbf1599292907992b7bdb9399de6b07d90bd21a"
#define OAKLEY2_PRIV_PAD "fd6d34ffa4519a88d4a89a62d691408ed50ce539ccc047f436bc96cc580ac4f3"
#define OAKLEY2_PUB_PAD \
  "b8da44c20391a646bd0d7cce6c482aa01c7c9824beedf26b19f01754f8f37d84" \
  "a0470109b5b97c9bcd1a6412e31ed415cfad491298491d9c53e8cbc46137136e" \
  "2431cc28a6314ab895278990d18bbb87511372fd97d5b4c32c76ea58a3fcd049" \
  "04923bfa19444f0d235a6aecd5f9374973e923ea570aced4ef3944fc3e55141c"
#define OAKLEY2_SHARED_PAD \
  "0026f3f17a18c83da96d999f026d09dbb49a8dbc2da3bff91f84fef6842133fb" \
  "c016c8b96c7d9ff387f042e3ae5e4cd5dbbff654be9c2419111eb6738a7e18e1" \
  "db650404205c8e40be8993a3a72e89e9d35e41fb0097dad171bb5d3bce7a5cc2" \
  "ab990d3cee8d57d4f20da0fb2f42ca5aac4d98935731f453c28e8edb2fde3fd8"


/* The primes again, as printed in RFC 3526 section 2 and RFC 2409 sections
 * 6.1 / 6.2, to build the invalid values p-1, p and p+1. */
#define OAKLEY5_P \
  "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1" \
  "29024E088A67CC74020BBEA63B139B22514A08798E3404DD" \
  "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245" \
  "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" \
  "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D" \
  "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" \
  "83655D23DCA3AD961C62F356208552BB9ED529077096966D" \
  "670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF"
#define OAKLEY1_P \
  "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1" \
  "29024E088A67CC74020BBEA63B139B22514A08798E3404DD" \
  "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245" \
  "E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF"
#define OAKLEY2_P \
  "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1" \
  "29024E088A67CC74020BBEA63B139B22514A08798E3404DD" \
  "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245" \
  "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" \
  "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381" \
  "FFFFFFFFFFFFFFFF"

typedef struct
{
  MikeyDhGroup group;
  guint bits;
  const gchar *p, *priv_a, *priv_b, *pub_a, *pub_b, *shared;
  const gchar *priv_pad, *pub_pad, *shared_pad;
} Vector;

static const Vector vectors[] = {
  {MIKEY_DH_GROUP_OAKLEY5, 1536, OAKLEY5_P, OAKLEY5_PRIV_A, OAKLEY5_PRIV_B,
        OAKLEY5_PUB_A, OAKLEY5_PUB_B, OAKLEY5_SHARED, OAKLEY5_PRIV_PAD,
      OAKLEY5_PUB_PAD, OAKLEY5_SHARED_PAD},
  {MIKEY_DH_GROUP_OAKLEY1, 768, OAKLEY1_P, OAKLEY1_PRIV_A, OAKLEY1_PRIV_B,
        OAKLEY1_PUB_A, OAKLEY1_PUB_B, OAKLEY1_SHARED, OAKLEY1_PRIV_PAD,
      OAKLEY1_PUB_PAD, OAKLEY1_SHARED_PAD},
  {MIKEY_DH_GROUP_OAKLEY2, 1024, OAKLEY2_P, OAKLEY2_PRIV_A, OAKLEY2_PRIV_B,
        OAKLEY2_PUB_A, OAKLEY2_PUB_B, OAKLEY2_SHARED, OAKLEY2_PRIV_PAD,
      OAKLEY2_PUB_PAD, OAKLEY2_SHARED_PAD},
};

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

static void
check_bytes (const guint8 * got, gsize got_len, const gchar * want_hex,
    const gchar * what)
{
  GString *s = g_string_new (NULL);
  gsize i;

  for (i = 0; i < got_len; i++)
    g_string_append_printf (s, "%02x", got[i]);
  fail_unless (g_ascii_strcasecmp (s->str, want_hex) == 0,
      "%s:\n  got  %s\n  want %s", what, s->str, want_hex);
  g_string_free (s, TRUE);
}

static MikeyDh *
dh_from_hex (MikeyDhGroup group, const gchar * priv_hex)
{
  GError *err = NULL;
  gsize len;
  guint8 *priv = unhex (priv_hex, &len);
  MikeyDh *dh = mikey_dh_new_with_private (group, priv, len, &err);

  g_assert_no_error (err);
  fail_unless (dh != NULL);
  g_free (priv);
  return dh;
}

/* big-endian @v += @delta (which may be negative), in place */
static void
add_small (guint8 * v, gsize len, gint delta)
{
  gint carry = delta;
  gsize i;

  for (i = len; i-- > 0 && carry != 0;) {
    gint x = v[i] + carry;
    v[i] = x & 0xff;
    carry = x >> 8;             /* arithmetic shift: -1 borrows */
  }
}

/* ---- tests -------------------------------------------------------------- */

GST_START_TEST (test_group_sizes)
{
  fail_unless_equals_int (mikey_dh_group_bits (MIKEY_DH_GROUP_OAKLEY5), 1536);
  fail_unless_equals_int (mikey_dh_group_bits (MIKEY_DH_GROUP_OAKLEY1), 768);
  fail_unless_equals_int (mikey_dh_group_bits (MIKEY_DH_GROUP_OAKLEY2), 1024);
  fail_unless_equals_int (mikey_dh_group_len (MIKEY_DH_GROUP_OAKLEY5), 192);
  fail_unless_equals_int (mikey_dh_group_len (MIKEY_DH_GROUP_OAKLEY1), 96);
  fail_unless_equals_int (mikey_dh_group_len (MIKEY_DH_GROUP_OAKLEY2), 128);
  fail_unless_equals_int (mikey_dh_group_len ((MikeyDhGroup) 3), 0);
  fail_unless (MIKEY_DH_MAX_LEN >= 192);
}

GST_END_TEST;

GST_START_TEST (test_known_answers)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (vectors); i++) {
    const Vector *v = &vectors[i];
    gsize n = v->bits / 8, len;
    guint8 pub[MIKEY_DH_MAX_LEN], tgk[MIKEY_DH_MAX_LEN];
    guint8 *pub_a = unhex (v->pub_a, &len), *pub_b;
    MikeyDh *a = dh_from_hex (v->group, v->priv_a);
    MikeyDh *b = dh_from_hex (v->group, v->priv_b);
    GError *err = NULL;

    fail_unless_equals_int (len, n);
    pub_b = unhex (v->pub_b, &len);
    fail_unless_equals_int (mikey_dh_get_group (a), v->group);

    mikey_dh_get_public (a, pub);
    check_bytes (pub, n, v->pub_a, "public A");
    mikey_dh_get_public (b, pub);
    check_bytes (pub, n, v->pub_b, "public B");

    fail_unless (mikey_dh_derive (a, pub_b, n, tgk, &err));
    g_assert_no_error (err);
    check_bytes (tgk, n, v->shared, "A's shared secret");
    fail_unless (mikey_dh_derive (b, pub_a, n, tgk, &err));
    g_assert_no_error (err);
    check_bytes (tgk, n, v->shared, "B's shared secret");

    mikey_dh_free (a);
    mikey_dh_free (b);
    g_free (pub_a);
    g_free (pub_b);
  }
}

GST_END_TEST;

/* a secret that starts with a zero byte keeps it: the TGK is always
 * exactly as long as p */
GST_START_TEST (test_padding)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (vectors); i++) {
    const Vector *v = &vectors[i];
    gsize n = v->bits / 8, len;
    guint8 pub[MIKEY_DH_MAX_LEN], tgk[MIKEY_DH_MAX_LEN + 1];
    guint8 *pub_b = unhex (v->pub_b, &len);
    guint8 *pub_pad = unhex (v->pub_pad, &len);
    MikeyDh *c = dh_from_hex (v->group, v->priv_pad);
    MikeyDh *b = dh_from_hex (v->group, v->priv_b);
    GError *err = NULL;

    fail_unless (strncmp (v->shared_pad, "00", 2) == 0);
    mikey_dh_get_public (c, pub);
    check_bytes (pub, n, v->pub_pad, "public C");
    memset (tgk, 0xAA, sizeof (tgk));
    fail_unless (mikey_dh_derive (c, pub_b, n, tgk, &err));
    g_assert_no_error (err);
    check_bytes (tgk, n, v->shared_pad, "padded secret");
    /* nothing written past the group length */
    fail_unless_equals_int (tgk[n], 0xAA);
    fail_unless (mikey_dh_derive (b, pub_pad, n, tgk, &err));
    check_bytes (tgk, n, v->shared_pad, "padded secret, other side");

    mikey_dh_free (b);
    mikey_dh_free (c);
    g_free (pub_b);
    g_free (pub_pad);
  }
}

GST_END_TEST;

static void
expect_refused (const Vector * v, MikeyDh * dh, const guint8 * value,
    gsize len, const gchar * message_part, const gchar * what)
{
  GError *err = NULL;
  guint8 tgk[MIKEY_DH_MAX_LEN];
  gsize n = v->bits / 8, i;

  fail_if (mikey_dh_check_public (v->group, value, len, &err), "%s", what);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_INVALID),
      "%s: %s", what, err ? err->message : "no error");
  fail_unless (strstr (err->message, message_part) != NULL,
      "%s: message \"%s\" lacks \"%s\"", what, err->message, message_part);
  g_clear_error (&err);

  /* derive runs the same check, and leaves no half-computed output */
  memset (tgk, 0xAA, sizeof (tgk));
  fail_if (mikey_dh_derive (dh, value, len, tgk, &err), "%s", what);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_INVALID));
  for (i = 0; i < n; i++)
    fail_unless (tgk[i] == 0, "%s: output not wiped", what);
  g_clear_error (&err);
}

GST_START_TEST (test_invalid_peer_values)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (vectors); i++) {
    const Vector *v = &vectors[i];
    gsize n = v->bits / 8, len;
    guint8 *p = unhex (v->p, &len);
    guint8 val[MIKEY_DH_MAX_LEN + 1];
    MikeyDh *dh = dh_from_hex (v->group, v->priv_a);
    GError *err = NULL;

    fail_unless_equals_int (len, n);

    memset (val, 0, n);
    expect_refused (v, dh, val, n, "is 0, which is not a valid public value",
        "0");
    val[n - 1] = 1;
    {
      gchar *msg = NULL;

      fail_if (mikey_dh_check_public (v->group, val, n, &err));
      msg = g_strdup (err->message);
      fail_unless_equals_string (msg,
          "DH value from the peer is 1, which is not a valid public value");
      g_free (msg);
      g_clear_error (&err);
    }
    expect_refused (v, dh, val, n, "is 1,", "1");

    memcpy (val, p, n);
    add_small (val, n, -1);
    expect_refused (v, dh, val, n, "is p-1,", "p-1");
    memcpy (val, p, n);
    expect_refused (v, dh, val, n, "not smaller than the group's prime", "p");
    add_small (val, n, 1);
    expect_refused (v, dh, val, n, "not smaller than the group's prime", "p+1");
    memset (val, 0xff, n);
    expect_refused (v, dh, val, n, "not smaller than the group's prime",
        "2^n-1");

    /* p-2 is in range but outside the order-q subgroup (-2 is a
     * non-residue, p = 7 mod 8). Accepted: RFC 6989 asks only for the range
     * test with safe primes, and the largest valid value is p-2. */
    memcpy (val, p, n);
    add_small (val, n, -2);
    fail_unless (mikey_dh_check_public (v->group, val, n, &err), "p-2: %s",
        err ? err->message : "");
    {
      guint8 tgk[MIKEY_DH_MAX_LEN];

      fail_unless (mikey_dh_derive (dh, val, n, tgk, &err), "p-2: %s",
          err ? err->message : "");
      OPENSSL_cleanse (tgk, sizeof (tgk));
    }

    /* lengths: the DH payload's value is exactly as long as p */
    memset (val, 0, sizeof (val));
    val[n - 1] = 2;
    expect_refused (v, dh, val, n - 1, "bytes", "short");
    expect_refused (v, dh, val, n + 1, "bytes", "long");
    expect_refused (v, dh, NULL, 0, "bytes", "empty");

    /* the smallest valid value, g itself, and g^2 */
    memset (val, 0, n);
    val[n - 1] = 2;
    fail_unless (mikey_dh_check_public (v->group, val, n, &err));
    g_assert_no_error (err);
    val[n - 1] = 4;
    fail_unless (mikey_dh_check_public (v->group, val, n, &err));
    g_assert_no_error (err);

    mikey_dh_free (dh);
    g_free (p);
  }
}

GST_END_TEST;

GST_START_TEST (test_random_keys_agree)
{
  guint i, round;

  for (i = 0; i < G_N_ELEMENTS (vectors); i++) {
    MikeyDhGroup group = vectors[i].group;
    gsize n = mikey_dh_group_len (group);

    for (round = 0; round < 2; round++) {
      GError *err = NULL;
      MikeyDh *a = mikey_dh_new (group, &err);
      MikeyDh *b = mikey_dh_new (group, &err);
      guint8 pa[MIKEY_DH_MAX_LEN], pb[MIKEY_DH_MAX_LEN];
      guint8 za[MIKEY_DH_MAX_LEN], zb[MIKEY_DH_MAX_LEN];

      g_assert_no_error (err);
      fail_unless (a != NULL && b != NULL);
      mikey_dh_get_public (a, pa);
      mikey_dh_get_public (b, pb);
      fail_if (memcmp (pa, pb, n) == 0);
      fail_unless (mikey_dh_check_public (group, pa, n, &err));
      fail_unless (mikey_dh_check_public (group, pb, n, &err));
      g_assert_no_error (err);
      fail_unless (mikey_dh_derive (a, pb, n, za, &err));
      fail_unless (mikey_dh_derive (b, pa, n, zb, &err));
      g_assert_no_error (err);
      fail_unless (memcmp (za, zb, n) == 0);
      fail_if (memcmp (za, pa, n) == 0 || memcmp (za, pb, n) == 0);
      mikey_dh_free (a);
      mikey_dh_free (b);
    }
  }
}

GST_END_TEST;

/* OAKLEY 5 is the same group as OpenSSL's built-in "modp_1536": a key made
 * by OpenSSL from the name agrees with ours on the shared secret. */
GST_START_TEST (test_oakley5_is_openssl_modp_1536)
{
  OSSL_PARAM params[2];
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name (NULL, "DH", NULL);
  EVP_PKEY *theirs = NULL, *peer = NULL;
  BIGNUM *pub = NULL;
  guint8 their_pub[192], our_pub[192], ours_z[192], their_z[192];
  size_t zlen = sizeof (their_z);
  GError *err = NULL;
  MikeyDh *dh = mikey_dh_new (MIKEY_DH_GROUP_OAKLEY5, &err);

  g_assert_no_error (err);
  params[0] = OSSL_PARAM_construct_utf8_string (OSSL_PKEY_PARAM_GROUP_NAME,
      (char *) "modp_1536", 0);
  params[1] = OSSL_PARAM_construct_end ();
  fail_unless (ctx != NULL && EVP_PKEY_keygen_init (ctx) > 0);
  fail_unless (EVP_PKEY_CTX_set_params (ctx, params) > 0);
  fail_unless (EVP_PKEY_generate (ctx, &theirs) > 0);
  EVP_PKEY_CTX_free (ctx);

  fail_unless (EVP_PKEY_get_bn_param (theirs, OSSL_PKEY_PARAM_PUB_KEY, &pub));
  fail_unless (BN_bn2binpad (pub, their_pub, 192) == 192);
  BN_free (pub);
  fail_unless (mikey_dh_derive (dh, their_pub, 192, ours_z, &err));
  g_assert_no_error (err);

  /* their side: our public value as an OpenSSL key of the named group */
  mikey_dh_get_public (dh, our_pub);
  peer = EVP_PKEY_new ();
  fail_unless (EVP_PKEY_copy_parameters (peer, theirs) > 0);
  fail_unless (EVP_PKEY_set1_encoded_public_key (peer, our_pub, 192) > 0);
  ctx = EVP_PKEY_CTX_new_from_pkey (NULL, theirs, NULL);
  fail_unless (EVP_PKEY_derive_init (ctx) > 0);
  fail_unless (EVP_PKEY_CTX_set_dh_pad (ctx, 1) > 0);
  fail_unless (EVP_PKEY_derive_set_peer (ctx, peer) > 0);
  fail_unless (EVP_PKEY_derive (ctx, their_z, &zlen) > 0);
  fail_unless_equals_int (zlen, 192);
  fail_unless (memcmp (ours_z, their_z, 192) == 0);

  EVP_PKEY_CTX_free (ctx);
  EVP_PKEY_free (peer);
  EVP_PKEY_free (theirs);
  mikey_dh_free (dh);
}

GST_END_TEST;

GST_START_TEST (test_bad_arguments)
{
  GError *err = NULL;
  guint8 zero[32] = { 0 }, big[200];
  guint8 one[1] = { 1 };
  MikeyDh *dh;

  fail_if (mikey_dh_new ((MikeyDhGroup) 3, &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED));
  g_clear_error (&err);
  fail_if (mikey_dh_check_public ((MikeyDhGroup) 7, zero, 32, &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED));
  g_clear_error (&err);

  /* private values: 0 and >= q are refused, 1 is the smallest */
  fail_if (mikey_dh_new_with_private (MIKEY_DH_GROUP_OAKLEY2, zero, 32, &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_INVALID));
  g_clear_error (&err);
  memset (big, 0xff, sizeof (big));
  fail_if (mikey_dh_new_with_private (MIKEY_DH_GROUP_OAKLEY2, big, 128, &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_INVALID));
  g_clear_error (&err);
  fail_if (mikey_dh_new_with_private (MIKEY_DH_GROUP_OAKLEY5, big, 193, &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_INVALID));
  g_clear_error (&err);

  dh = mikey_dh_new_with_private (MIKEY_DH_GROUP_OAKLEY1, one, 1, &err);
  g_assert_no_error (err);
  {
    guint8 pub[96];

    /* g^1 = 2 */
    mikey_dh_get_public (dh, pub);
    fail_unless (pub[95] == 2 && memcmp (pub, zero, 32) == 0);
  }
  mikey_dh_free (dh);
  mikey_dh_free (NULL);
}

GST_END_TEST;

/* One table gives the OAKLEY numbers people use and the MIKEY wire values */
GST_START_TEST (test_oakley_numbers)
{
  static const guint numbers[] = { 1, 2, 5 };
  MikeyDhGroup g;
  guint i;

  fail_unless_equals_int (mikey_dh_group_oakley (MIKEY_DH_GROUP_OAKLEY5), 5);
  fail_unless_equals_int (mikey_dh_group_oakley (MIKEY_DH_GROUP_OAKLEY1), 1);
  fail_unless_equals_int (mikey_dh_group_oakley (MIKEY_DH_GROUP_OAKLEY2), 2);
  fail_unless_equals_int (mikey_dh_group_oakley ((MikeyDhGroup) 77), 0);
  for (i = 0; i < G_N_ELEMENTS (numbers); i++) {
    fail_unless (mikey_dh_group_from_oakley (numbers[i], &g));
    fail_unless_equals_int (mikey_dh_group_oakley (g), numbers[i]);
  }
  fail_if (mikey_dh_group_from_oakley (0, &g));
  fail_if (mikey_dh_group_from_oakley (14, &g));
}

GST_END_TEST;

static Suite *
dh_suite (void)
{
  Suite *s = suite_create ("dh");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_group_sizes);
  tcase_add_test (tc, test_known_answers);
  tcase_add_test (tc, test_padding);
  tcase_add_test (tc, test_invalid_peer_values);
  tcase_add_test (tc, test_random_keys_agree);
  tcase_add_test (tc, test_oakley5_is_openssl_modp_1536);
  tcase_add_test (tc, test_bad_arguments);
  tcase_add_test (tc, test_oakley_numbers);
  return s;
}

GST_CHECK_MAIN (dh);
