/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests that the MIKEY wire codec refuses what it must: malformed input on
 * parse (each error with the right GError code and a message naming the
 * payload and its offset), and messages the wire format cannot express on
 * serialize. A deterministic mutation loop flips every byte of a few valid
 * messages: parse must either fail cleanly or give back a message that
 * serializes to the very same bytes. Run it under ASan/UBSan.
 */
#include <string.h>

#include <gst/check/gstcheck.h>

#include "mikey-message.h"
#include "mikey-codec-vectors.h"

/* --- valid messages to break (mikey-codec-vectors.h) -------------------- */

/* offsets in gst_mikey_null */
#define KEMAC_AT 79
#define KEY_DATA_AT 83

static void
fill (MikeyBlob * blob, gsize len, guint8 seed)
{
  gsize i;

  mikey_blob_set (blob, NULL, len);
  for (i = 0; i < len; i++)
    blob->data[i] = (guint8) (seed + i * 13);
}

static MikeyPayload *
add (MikeyMessage * m, MikeyPayloadType type)
{
  return mikey_message_add (m, mikey_payload_new (type));
}

static MikeyMessage *
new_msg (void)
{
  MikeyMessage *m = mikey_message_new ();

  m->hdr.csb_id = 7;
  mikey_message_add_cs_srtp (m, 0, 0x01020304, 0);
  return m;
}

/* HDR (19 bytes) then a DH payload at 19 with the given group and KV. */
static MikeyMessage *
build_dh (guint8 group, guint8 kv_type)
{
  MikeyMessage *m = new_msg ();
  MikeyPayload *p = add (m, MIKEY_PT_DH);

  m->hdr.data_type = MIKEY_DT_DH_INIT;
  p->u.dh.group = group;
  fill (&p->u.dh.value, mikey_dh_value_len (group), 1);
  p->u.dh.kv_type = kv_type;
  if (kv_type == MIKEY_KV_SPI)
    fill (&p->u.dh.kv_spi, 3, 2);
  else if (kv_type == MIKEY_KV_INTERVAL) {
    fill (&p->u.dh.kv_from, 4, 3);
    fill (&p->u.dh.kv_to, 0, 4);
  }
  return m;
}

/* A message with every payload type, in an order that exercises every
 * "next payload" value. */
static MikeyMessage *
build_full (void)
{
  MikeyMessage *m = new_msg ();
  MikeyPayload *p;
  GPtrArray *kds;
  guint8 *buf;
  gsize len;

  m->hdr.data_type = MIKEY_DT_PK_INIT;
  m->hdr.v = TRUE;
  mikey_message_add_cs_srtp (m, 1, 0xa0a0a0a0, 0x10);
  p = add (m, MIKEY_PT_T);
  p->u.t.ts_type = MIKEY_TS_NTP;
  p->u.t.value = G_GUINT64_CONSTANT (0xe000000100000002);
  fill (&add (m, MIKEY_PT_RAND)->u.rand.rand, 16, 5);
  p = add (m, MIKEY_PT_ID);
  p->u.id.id_type = MIKEY_ID_NAI;
  mikey_blob_set (&p->u.id.data, (const guint8 *) "alice@example.org", 17);
  p = add (m, MIKEY_PT_CERT);
  fill (&p->u.cert.data, 40, 6);
  p = add (m, MIKEY_PT_CHASH);
  fill (&p->u.chash.hash, 20, 7);
  p = add (m, MIKEY_PT_SP);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_ENC_ALG, MIKEY_SRTP_ENC_AES_GCM);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_ENC_KEY_LEN, 32);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_AEAD_AUTH_TAG_LEN, 16);
  p = add (m, MIKEY_PT_GEN_EXT);
  fill (&p->u.gen_ext.data, 4, 8);
  add (m, MIKEY_PT_ERR)->u.err.err_no = MIKEY_ERR_UNSPECIFIED;
  p = add (m, MIKEY_PT_DH);
  p->u.dh.group = MIKEY_DH_GROUP_OAKLEY2;
  fill (&p->u.dh.value, 128, 9);
  p->u.dh.kv_type = MIKEY_KV_INTERVAL;
  fill (&p->u.dh.kv_from, 2, 1);
  fill (&p->u.dh.kv_to, 2, 2);
  p = add (m, MIKEY_PT_V);
  p->u.v.mac_alg = MIKEY_MAC_HMAC_SHA1_160;
  fill (&p->u.v.mac, 20, 10);
  p = add (m, MIKEY_PT_PKE);
  p->u.pke.cache = MIKEY_CACHE_ALWAYS;
  fill (&p->u.pke.data, 24, 11);
  p = add (m, MIKEY_PT_KEY_DATA);
  p->u.key_data.type = MIKEY_KD_TGK;
  fill (&p->u.key_data.key, 16, 12);

  /* a real key data list as the KEMAC plaintext */
  kds = mikey_key_data_parse_list (key_data_bytes, sizeof (key_data_bytes),
      0, NULL);
  fail_unless (kds != NULL);
  buf = mikey_key_data_serialize_list (kds, &len, NULL);
  fail_unless (buf != NULL);
  p = add (m, MIKEY_PT_KEMAC);
  p->u.kemac.mac_alg = MIKEY_MAC_HMAC_SHA1_160;
  mikey_blob_set (&p->u.kemac.enc_data, buf, len);
  fill (&p->u.kemac.mac, 20, 13);
  mikey_secure_free (buf, len);
  g_ptr_array_unref (kds);

  p = add (m, MIKEY_PT_SIGN);
  fill (&p->u.sign.signature, 64, 14);
  return m;
}

static GBytes *
serialize_ok (const MikeyMessage * m)
{
  GError *err = NULL;
  GBytes *b = mikey_message_serialize (m, &err);

  fail_unless (b != NULL, "serialize failed: %s", err ? err->message : "?");
  return b;
}

/* --- assertions -------------------------------------------------------- */

/* Parse must fail with @code; the message must start with @where
 * ("KEMAC payload at offset 79:") and contain @detail, when given. */
static void
expect_parse_error (const guint8 * data, gsize len, gint code,
    const gchar * where, const gchar * detail)
{
  GError *err = NULL;
  MikeyMessage *m = mikey_message_parse (data, len, &err);

  fail_unless (m == NULL, "parse unexpectedly succeeded");
  fail_unless (err != NULL, "parse failed without an error");
  fail_unless (err->domain == MIKEY_ERROR, "wrong domain: %s", err->message);
  fail_unless (err->code == code, "code %d, expected %d: %s", err->code,
      code, err->message);
  if (where)
    fail_unless (g_str_has_prefix (err->message, where),
        "'%s' does not start with '%s'", err->message, where);
  if (detail)
    fail_unless (strstr (err->message, detail) != NULL,
        "'%s' does not contain '%s'", err->message, detail);
  GST_DEBUG ("rejected as expected: %s", err->message);
  g_error_free (err);
}

static void
expect_list_error (const guint8 * data, gsize len, gsize base, gint code,
    const gchar * where, const gchar * detail)
{
  GError *err = NULL;
  GPtrArray *list = mikey_key_data_parse_list (data, len, base, &err);

  fail_unless (list == NULL, "key data parse unexpectedly succeeded");
  fail_unless (err != NULL && err->domain == MIKEY_ERROR);
  fail_unless (err->code == code, "code %d, expected %d: %s", err->code,
      code, err->message);
  if (where)
    fail_unless (g_str_has_prefix (err->message, where),
        "'%s' does not start with '%s'", err->message, where);
  if (detail)
    fail_unless (strstr (err->message, detail) != NULL,
        "'%s' does not contain '%s'", err->message, detail);
  g_error_free (err);
}

static void
expect_serialize_error (const MikeyMessage * m, const gchar * detail)
{
  GError *err = NULL;
  GBytes *b = mikey_message_serialize (m, &err);

  fail_unless (b == NULL, "serialize unexpectedly succeeded (%s)", detail);
  fail_unless (err != NULL && err->domain == MIKEY_ERROR);
  fail_unless_equals_int (err->code, MIKEY_ERROR_INVALID);
  fail_unless (strstr (err->message, detail) != NULL,
      "'%s' does not contain '%s'", err->message, detail);
  fail_unless (strstr (err->message, "offset") != NULL);
  /* no half-measured offset either */
  fail_unless_equals_int (mikey_message_auth_offset (m), -1);
  g_error_free (err);
}

/* A copy of @src with byte @pos set to @value. */
static guint8 *
patched (const guint8 * src, gsize len, gsize pos, guint8 value)
{
  guint8 *buf = g_memdup2 (src, len);

  buf[pos] = value;
  return buf;
}

#define EXPECT_PATCHED(src, pos, value, code, where, detail) G_STMT_START { \
  guint8 *_b = patched ((src), sizeof (src), (pos), (value));              \
  expect_parse_error (_b, sizeof (src), (code), (where), (detail));        \
  g_free (_b);                                                             \
} G_STMT_END

/* --- header ------------------------------------------------------------ */

GST_START_TEST (test_empty)
{
  expect_parse_error (NULL, 0, MIKEY_ERROR_TRUNCATED,
      "HDR payload at offset 0:", "version");
  expect_parse_error (gst_mikey_null, 1, MIKEY_ERROR_TRUNCATED,
      "HDR payload at offset 0:", "data type");
}

GST_END_TEST;

GST_START_TEST (test_hdr_values)
{
  EXPECT_PATCHED (gst_mikey_null, 0, 2, MIKEY_ERROR_UNSUPPORTED,
      "HDR payload at offset 0:", "version 2");
  EXPECT_PATCHED (gst_mikey_null, 0, 0, MIKEY_ERROR_UNSUPPORTED,
      "HDR payload at offset 0:", "version 0");
  EXPECT_PATCHED (gst_mikey_null, 1, MIKEY_DT_MAX + 1,
      MIKEY_ERROR_UNSUPPORTED, "HDR payload at offset 0:",
      "unknown data type 11");
  EXPECT_PATCHED (gst_mikey_null, 3, 0x01, MIKEY_ERROR_UNSUPPORTED,
      "HDR payload at offset 0:", "unknown PRF function 1");
  /* the V bit is not part of the PRF */
  EXPECT_PATCHED (gst_mikey_null, 3, 0xff, MIKEY_ERROR_UNSUPPORTED,
      "HDR payload at offset 0:", "unknown PRF function 127");
  EXPECT_PATCHED (gst_mikey_null, 9, 2, MIKEY_ERROR_UNSUPPORTED,
      "HDR payload at offset 0:", "unknown CS ID map type 2");
  EXPECT_PATCHED (gst_mikey_null, 2, 13, MIKEY_ERROR_UNSUPPORTED,
      "HDR payload at offset 0:", "next payload type 13 is unknown");
}

GST_END_TEST;

GST_START_TEST (test_hdr_n_cs)
{
  GError *err = NULL;
  guint8 *b;

  /* #CS larger than what is left */
  EXPECT_PATCHED (gst_mikey_null, 8, 200, MIKEY_ERROR_TRUNCATED,
      "HDR payload at offset 0:", "#CS is 200");

  /* #CS of 2 with one entry: the T payload gets eaten as a second entry,
   * and what follows no longer makes sense */
  b = patched (gst_mikey_null, sizeof (gst_mikey_null), 8, 2);
  fail_unless (mikey_message_parse (b, sizeof (gst_mikey_null), &err) == NULL);
  fail_unless (err != NULL && err->domain == MIKEY_ERROR);
  fail_unless (strstr (err->message, " payload at offset ") != NULL);
  g_clear_error (&err);
  g_free (b);

  /* #CS of 0 with an entry: the entry is read as the T payload */
  EXPECT_PATCHED (gst_mikey_null, 8, 0, MIKEY_ERROR_UNSUPPORTED,
      "T payload at offset 10:", "unknown TS type 222");

  /* header with its map and nothing else */
  {
    guint8 hdr[19];

    memcpy (hdr, gst_mikey_null, 19);
    expect_parse_error (hdr, 18, MIKEY_ERROR_TRUNCATED,
        "HDR payload at offset 0:", "SRTP-ID map needs 9 bytes");
  }
}

GST_END_TEST;

/* --- truncation and trailing bytes ------------------------------------- */

/* Every strict prefix of a valid message must fail as TRUNCATED: the
 * parser reads the same values as for the whole message until it runs
 * out of bytes. */
static void
check_all_prefixes (const guint8 * data, gsize len)
{
  gsize n;

  for (n = 0; n < len; n++) {
    /* a heap copy of exactly n bytes, so ASan sees any over-read */
    guint8 *copy = g_memdup2 (data, n);
    GError *err = NULL;
    MikeyMessage *m = mikey_message_parse (copy, n, &err);

    fail_unless (m == NULL, "prefix of %" G_GSIZE_FORMAT " bytes parsed", n);
    fail_unless (err != NULL && err->domain == MIKEY_ERROR);
    fail_unless (err->code == MIKEY_ERROR_TRUNCATED,
        "prefix %" G_GSIZE_FORMAT ": %s", n, err->message);
    fail_unless (strstr (err->message, " payload at offset ") != NULL,
        "%s", err->message);
    g_error_free (err);
    g_free (copy);
  }
}

GST_START_TEST (test_truncation)
{
  MikeyMessage *m;
  GBytes *b;
  gsize len, n;

  check_all_prefixes (gst_mikey_null, sizeof (gst_mikey_null));
  check_all_prefixes (pk_bytes, sizeof (pk_bytes));

  m = build_full ();
  b = serialize_ok (m);
  check_all_prefixes (g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  g_bytes_unref (b);
  mikey_message_free (m);

  m = build_dh (MIKEY_DH_GROUP_OAKLEY5, MIKEY_KV_INTERVAL);
  b = serialize_ok (m);
  check_all_prefixes (g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  g_bytes_unref (b);
  mikey_message_free (m);

  /* key data lists: the empty prefix is the valid empty list, every other
   * strict prefix fails */
  len = sizeof (key_data_bytes);
  for (n = 1; n < len; n++) {
    guint8 *copy = g_memdup2 (key_data_bytes, n);
    GError *err = NULL;

    fail_unless (mikey_key_data_parse_list (copy, n, 0, &err) == NULL);
    fail_unless (err != NULL && err->domain == MIKEY_ERROR);
    fail_unless (err->code == MIKEY_ERROR_TRUNCATED ||
        err->code == MIKEY_ERROR_INVALID, "%s", err->message);
    fail_unless (g_str_has_prefix (err->message, "key data payload at "
            "offset "), "%s", err->message);
    g_error_free (err);
    g_free (copy);
  }
}

GST_END_TEST;

GST_START_TEST (test_trailing)
{
  guint8 buf[128];

  memcpy (buf, gst_mikey_null, sizeof (gst_mikey_null));
  buf[sizeof (gst_mikey_null)] = 0;
  expect_parse_error (buf, sizeof (gst_mikey_null) + 1,
      MIKEY_ERROR_INVALID, "KEMAC payload at offset 79:",
      "1 trailing byte after the last payload");

  /* SIGN has no next payload field, so whatever follows it is trailing;
   * a payload after SIGN cannot even be expressed */
  memcpy (buf, pk_bytes, sizeof (pk_bytes));
  memcpy (buf + sizeof (pk_bytes), "\x0b\x00\x00", 3);
  expect_parse_error (buf, sizeof (pk_bytes) + 3, MIKEY_ERROR_INVALID,
      "SIGN payload at offset 100:", "3 trailing bytes");

  /* header alone with trailing bytes */
  memcpy (buf, gst_mikey_null, 19);
  buf[2] = 0;
  expect_parse_error (buf, 21, MIKEY_ERROR_INVALID,
      "HDR payload at offset 0:", "2 trailing bytes");
}

GST_END_TEST;

/* --- payload values ---------------------------------------------------- */

GST_START_TEST (test_next_payload)
{
  guint8 bad[] = { 13, 19, 22, 255 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    gchar *detail = g_strdup_printf ("next payload type %u is unknown",
        bad[i]);

    /* T's next payload field names the unknown type */
    EXPECT_PATCHED (gst_mikey_null, 19, bad[i], MIKEY_ERROR_UNSUPPORTED,
        "T payload at offset 19:", detail);
    EXPECT_PATCHED (pk_bytes, 60, bad[i], MIKEY_ERROR_UNSUPPORTED,
        "general extension payload at offset 60:", detail);
    g_free (detail);
  }
}

GST_END_TEST;

GST_START_TEST (test_kemac_reject)
{
  guint8 *b;

  EXPECT_PATCHED (gst_mikey_null, KEMAC_AT + 1, 3, MIKEY_ERROR_UNSUPPORTED,
      "KEMAC payload at offset 79:", "unknown encryption algorithm 3");
  EXPECT_PATCHED (gst_mikey_null, 117, 2, MIKEY_ERROR_UNSUPPORTED,
      "KEMAC payload at offset 79:", "unknown MAC algorithm 2");
  /* HMAC announced, but no MAC bytes */
  EXPECT_PATCHED (gst_mikey_null, 117, 1, MIKEY_ERROR_TRUNCATED,
      "KEMAC payload at offset 79:", "MAC needs 20 bytes, only 0 left");

  /* encrypted data length 300 */
  b = patched (gst_mikey_null, sizeof (gst_mikey_null), KEMAC_AT + 2, 0x01);
  b[KEMAC_AT + 3] = 0x2c;
  expect_parse_error (b, sizeof (gst_mikey_null), MIKEY_ERROR_TRUNCATED,
      NULL, "KEMAC payload at offset 79: encrypted data length 300 "
      "exceeds the 35 bytes left");
  g_free (b);

  /* one byte too long: the MAC alg byte is missing */
  EXPECT_PATCHED (gst_mikey_null, KEMAC_AT + 3, 0x23, MIKEY_ERROR_TRUNCATED,
      "KEMAC payload at offset 79:", "MAC algorithm");
}

GST_END_TEST;

GST_START_TEST (test_payload_values)
{
  MikeyMessage *m;
  GBytes *bytes;
  guint8 *b;
  gsize len;

  /* T: unknown TS type */
  EXPECT_PATCHED (gst_mikey_null, 20, 3, MIKEY_ERROR_UNSUPPORTED,
      "T payload at offset 19:", "unknown TS type 3");
  /* CHASH: unknown hash function */
  EXPECT_PATCHED (pk_bytes, 35, 2, MIKEY_ERROR_UNSUPPORTED,
      "CHASH payload at offset 34:", "unknown hash function 2");
  /* PKE: 14-bit length past the end, cache bits do not count */
  b = patched (pk_bytes, sizeof (pk_bytes), 53, 0xbf);
  b[54] = 0xff;
  expect_parse_error (b, sizeof (pk_bytes), MIKEY_ERROR_TRUNCATED,
      "PKE payload at offset 52:",
      "envelope data length 16383 exceeds the 51 bytes left");
  g_free (b);
  /* ID, CERT, general extension, RAND lengths past the end */
  EXPECT_PATCHED (pk_bytes, 18, 0x40, MIKEY_ERROR_TRUNCATED,
      "ID payload at offset 16:", "ID length 16391 exceeds");
  EXPECT_PATCHED (pk_bytes, 29, 0x10, MIKEY_ERROR_TRUNCATED,
      "CERT payload at offset 27:", "certificate length 4099 exceeds");
  EXPECT_PATCHED (pk_bytes, 62, 0x10, MIKEY_ERROR_TRUNCATED,
      "general extension payload at offset 60:", "extension data length");
  EXPECT_PATCHED (gst_mikey_null, 30, 0xff, MIKEY_ERROR_TRUNCATED,
      "RAND payload at offset 29:", "RAND length 255 exceeds");
  /* SIGN: 12-bit length past the end */
  EXPECT_PATCHED (pk_bytes, 100, 0x1f, MIKEY_ERROR_TRUNCATED,
      "SIGN payload at offset 100:", "signature length 3844 exceeds");

  /* DH: unknown group, unknown KV type */
  m = build_dh (MIKEY_DH_GROUP_OAKLEY1, MIKEY_KV_SPI);
  bytes = serialize_ok (m);
  len = g_bytes_get_size (bytes);
  b = g_memdup2 (g_bytes_get_data (bytes, NULL), len);
  b[20] = 3;
  expect_parse_error (b, len, MIKEY_ERROR_UNSUPPORTED,
      "DH payload at offset 19:", "unknown DH group 3");
  b[20] = MIKEY_DH_GROUP_OAKLEY1;
  b[21 + 96] = 0x03;
  expect_parse_error (b, len, MIKEY_ERROR_UNSUPPORTED,
      "DH payload at offset 19:", "unknown key validity type 3");
  /* the reserved bits are kept, not rejected */
  b[21 + 96] = 0xf1;
  mikey_message_free (m);
  m = mikey_message_parse (b, len, NULL);
  fail_unless (m != NULL);
  fail_unless_equals_int (((MikeyPayload *) g_ptr_array_index (m->payloads,
              0))->u.dh.reserved, 0xf);
  mikey_message_free (m);
  /* a larger group than the value present */
  b[20] = MIKEY_DH_GROUP_OAKLEY5;
  expect_parse_error (b, len, MIKEY_ERROR_TRUNCATED,
      "DH payload at offset 19:", "DH value needs 192 bytes");
  g_free (b);
  g_bytes_unref (bytes);

  /* V: unknown authentication algorithm */
  m = new_msg ();
  add (m, MIKEY_PT_V)->u.v.mac_alg = MIKEY_MAC_NULL;
  bytes = serialize_ok (m);
  len = g_bytes_get_size (bytes);
  b = g_memdup2 (g_bytes_get_data (bytes, NULL), len);
  b[20] = 7;
  expect_parse_error (b, len, MIKEY_ERROR_UNSUPPORTED,
      "V payload at offset 19:", "unknown authentication algorithm 7");
  g_free (b);
  g_bytes_unref (bytes);
  mikey_message_free (m);
}

GST_END_TEST;

GST_START_TEST (test_sp_reject)
{
  guint8 *b;

  /* last parameter (type 11 at 76) claims 2 bytes: past the SP length */
  EXPECT_PATCHED (gst_mikey_null, 77, 2, MIKEY_ERROR_INVALID,
      "SP payload at offset 47:",
      "policy parameter type 11 of length 2 runs past the policy "
      "parameter length 27");
  /* policy parameter length one short: the last parameter is cut */
  EXPECT_PATCHED (gst_mikey_null, 51, 26, MIKEY_ERROR_INVALID,
      "SP payload at offset 47:", "runs past");
  /* one byte long: a lone byte cannot be a parameter */
  EXPECT_PATCHED (gst_mikey_null, 51, 28, MIKEY_ERROR_INVALID,
      "SP payload at offset 47:", "leaves 1 byte");
  /* past the end of the message */
  b = patched (gst_mikey_null, sizeof (gst_mikey_null), 50, 0xff);
  b[51] = 0xff;
  expect_parse_error (b, sizeof (gst_mikey_null), MIKEY_ERROR_TRUNCATED,
      "SP payload at offset 47:", "policy parameter length 65535 exceeds "
      "the 66 bytes left");
  g_free (b);
}

GST_END_TEST;

/* --- key data lists ---------------------------------------------------- */

GST_START_TEST (test_key_data_reject)
{
  const guint8 *kd = gst_mikey_null + KEY_DATA_AT;
  gsize kd_len = 34;
  guint8 *b;

  /* the plaintext is fine as it is, with offsets relative to the message */
  {
    GPtrArray *l = mikey_key_data_parse_list (kd, kd_len, KEY_DATA_AT, NULL);

    fail_unless (l != NULL && l->len == 1);
    g_ptr_array_unref (l);
  }

  /* unknown key data type (4) and KV type (3) */
  b = g_memdup2 (kd, kd_len);
  b[1] = 0x40;
  expect_list_error (b, kd_len, KEY_DATA_AT, MIKEY_ERROR_UNSUPPORTED,
      "key data payload at offset 83:", "unknown key data type 4");
  b[1] = 0x23;
  expect_list_error (b, kd_len, KEY_DATA_AT, MIKEY_ERROR_UNSUPPORTED,
      "key data payload at offset 83:", "unknown key validity type 3");
  /* key data length past the end */
  b[1] = 0x20;
  b[3] = 0x1f;
  expect_list_error (b, kd_len, KEY_DATA_AT, MIKEY_ERROR_TRUNCATED,
      "key data payload at offset 83:",
      "key data length 31 exceeds the 30 bytes left");
  /* TEK+SALT without room for the salt length */
  b[1] = 0x30;
  b[3] = 0x1e;
  expect_list_error (b, kd_len, KEY_DATA_AT, MIKEY_ERROR_TRUNCATED,
      "key data payload at offset 83:", "salt length");
  /* wrong chaining: a next payload that is neither 20 nor 0 */
  b[1] = 0x20;
  b[0] = MIKEY_PT_T;
  expect_list_error (b, kd_len, KEY_DATA_AT, MIKEY_ERROR_INVALID,
      "key data payload at offset 83:", "next payload type 5 inside a key "
      "data list");
  /* announces more, but nothing follows */
  b[0] = MIKEY_PT_KEY_DATA;
  expect_list_error (b, kd_len, KEY_DATA_AT, MIKEY_ERROR_INVALID,
      "key data payload at offset 83:", "announces more key data");
  g_free (b);

  /* the first of two says it is the last: the second is trailing */
  b = g_memdup2 (key_data_bytes, sizeof (key_data_bytes));
  b[0] = MIKEY_PT_LAST;
  expect_list_error (b, sizeof (key_data_bytes), 0, MIKEY_ERROR_INVALID,
      "key data payload at offset 0:", "17 trailing bytes after the last "
      "key data sub-payload");
  /* the second claims more */
  b[0] = MIKEY_PT_KEY_DATA;
  b[41] = MIKEY_PT_KEY_DATA;
  expect_list_error (b, sizeof (key_data_bytes), 1000, MIKEY_ERROR_INVALID,
      "key data payload at offset 1041:", "announces more key data");
  /* KV interval with a VT length past the end */
  b[41] = MIKEY_PT_LAST;
  b[sizeof (key_data_bytes) - 4] = 9;
  expect_list_error (b, sizeof (key_data_bytes), 0, MIKEY_ERROR_TRUNCATED,
      "key data payload at offset 41:", "KV valid-to length 9 exceeds");
  g_free (b);

  /* top-level key data payloads go through the same code: with SP's next
   * payload set to 20, the KEMAC bytes read as a TGK of 34 bytes, and the
   * MAC alg byte is left over */
  b = patched (gst_mikey_null, sizeof (gst_mikey_null), 47, MIKEY_PT_KEY_DATA);
  expect_parse_error (b, sizeof (gst_mikey_null), MIKEY_ERROR_INVALID,
      "key data payload at offset 79:", "1 trailing byte after");
  g_free (b);
}

GST_END_TEST;

/* --- serializer -------------------------------------------------------- */

/* A message with one payload of @type, returned in @p for setup. */
static MikeyMessage *
msg_with (MikeyPayloadType type, MikeyPayload ** p)
{
  MikeyMessage *m = new_msg ();

  *p = add (m, type);
  return m;
}

static void
reject_and_free (MikeyMessage * m, const gchar * detail)
{
  expect_serialize_error (m, detail);
  mikey_message_free (m);
}

GST_START_TEST (test_serialize_too_long)
{
  MikeyMessage *m;
  MikeyPayload *p;
  guint i;

  m = msg_with (MIKEY_PT_KEMAC, &p);
  fill (&p->u.kemac.enc_data, 65536, 0);
  reject_and_free (m, "encrypted data is 65536 bytes");

  m = msg_with (MIKEY_PT_PKE, &p);
  fill (&p->u.pke.data, 0x4000, 0);
  reject_and_free (m, "envelope data is 16384 bytes");

  m = msg_with (MIKEY_PT_SIGN, &p);
  fill (&p->u.sign.signature, 4096, 0);
  reject_and_free (m, "signature is 4096 bytes");

  m = msg_with (MIKEY_PT_ID, &p);
  fill (&p->u.id.data, 65536, 0);
  reject_and_free (m, "ID is 65536 bytes");

  m = msg_with (MIKEY_PT_CERT, &p);
  fill (&p->u.cert.data, 70000, 0);
  reject_and_free (m, "certificate is 70000 bytes");

  m = msg_with (MIKEY_PT_RAND, &p);
  fill (&p->u.rand.rand, 256, 0);
  reject_and_free (m, "RAND is 256 bytes");

  m = msg_with (MIKEY_PT_GEN_EXT, &p);
  fill (&p->u.gen_ext.data, 65536, 0);
  reject_and_free (m, "extension data is 65536 bytes");

  m = msg_with (MIKEY_PT_SP, &p);
  mikey_sp_add_param (p, 1, NULL, 256);
  reject_and_free (m, "policy parameter type 1 is 256 bytes");

  m = msg_with (MIKEY_PT_SP, &p);
  for (i = 0; i < 300; i++)
    mikey_sp_add_param (p, 99, NULL, 255);
  reject_and_free (m, "policy parameters take 77100 bytes");

  m = msg_with (MIKEY_PT_DH, &p);
  fill (&p->u.dh.value, 192, 0);
  p->u.dh.kv_type = MIKEY_KV_SPI;
  fill (&p->u.dh.kv_spi, 256, 0);
  reject_and_free (m, "KV SPI is 256 bytes");

  m = msg_with (MIKEY_PT_KEY_DATA, &p);
  fill (&p->u.key_data.key, 65536, 0);
  reject_and_free (m, "key data is 65536 bytes");
}

GST_END_TEST;

GST_START_TEST (test_serialize_fixed_lengths)
{
  MikeyMessage *m;
  MikeyPayload *p;

  m = msg_with (MIKEY_PT_KEMAC, &p);
  p->u.kemac.mac_alg = MIKEY_MAC_HMAC_SHA1_160;
  fill (&p->u.kemac.mac, 19, 0);
  reject_and_free (m, "MAC is 19 bytes, but MAC algorithm 1 needs exactly 20");

  m = msg_with (MIKEY_PT_KEMAC, &p);
  fill (&p->u.kemac.mac, 20, 0);
  reject_and_free (m, "MAC is 20 bytes, but MAC algorithm 0 needs exactly 0");

  m = msg_with (MIKEY_PT_KEMAC, &p);
  p->u.kemac.mac_alg = 9;
  reject_and_free (m, "unknown MAC algorithm 9");

  m = msg_with (MIKEY_PT_V, &p);
  p->u.v.mac_alg = MIKEY_MAC_HMAC_SHA1_160;
  reject_and_free (m, "verification MAC is 0 bytes");

  m = msg_with (MIKEY_PT_DH, &p);
  fill (&p->u.dh.value, 128, 0);
  reject_and_free (m, "DH value is 128 bytes, but DH group 0 needs exactly "
      "192");

  m = msg_with (MIKEY_PT_DH, &p);
  p->u.dh.group = 9;
  reject_and_free (m, "unknown DH group 9");

  m = msg_with (MIKEY_PT_CHASH, &p);
  fill (&p->u.chash.hash, 16, 0);
  reject_and_free (m, "hash is 16 bytes, but hash function 0 needs exactly "
      "20");

  m = msg_with (MIKEY_PT_CHASH, &p);
  p->u.chash.hash_func = 5;
  reject_and_free (m, "unknown hash function 5");

  m = msg_with (MIKEY_PT_T, &p);
  p->u.t.ts_type = 3;
  reject_and_free (m, "unknown TS type 3");

  m = msg_with (MIKEY_PT_T, &p);
  p->u.t.ts_type = MIKEY_TS_COUNTER;
  p->u.t.value = G_GUINT64_CONSTANT (0x100000000);
  reject_and_free (m, "does not fit in 4 bytes");
}

GST_END_TEST;

GST_START_TEST (test_serialize_inconsistent)
{
  MikeyMessage *m;
  MikeyPayload *p;
  guint i;

  /* bit fields that would spill into their neighbours */
  m = msg_with (MIKEY_PT_PKE, &p);
  p->u.pke.cache = 4;
  reject_and_free (m, "cache type 4");

  m = msg_with (MIKEY_PT_SIGN, &p);
  p->u.sign.sign_type = 16;
  reject_and_free (m, "S type 16");

  m = msg_with (MIKEY_PT_DH, &p);
  fill (&p->u.dh.value, 192, 0);
  p->u.dh.reserved = 16;
  reject_and_free (m, "reserved value 16");

  /* data that the chosen type would silently drop */
  m = msg_with (MIKEY_PT_DH, &p);
  fill (&p->u.dh.value, 192, 0);
  fill (&p->u.dh.kv_spi, 2, 0);
  reject_and_free (m, "KV type is NULL");

  m = msg_with (MIKEY_PT_DH, &p);
  fill (&p->u.dh.value, 192, 0);
  p->u.dh.kv_type = MIKEY_KV_SPI;
  fill (&p->u.dh.kv_to, 2, 0);
  reject_and_free (m, "KV interval set");

  m = msg_with (MIKEY_PT_DH, &p);
  fill (&p->u.dh.value, 192, 0);
  p->u.dh.kv_type = MIKEY_KV_INTERVAL;
  fill (&p->u.dh.kv_spi, 2, 0);
  reject_and_free (m, "KV SPI set");

  m = msg_with (MIKEY_PT_DH, &p);
  fill (&p->u.dh.value, 192, 0);
  p->u.dh.kv_type = 5;
  reject_and_free (m, "unknown key validity type 5");

  m = msg_with (MIKEY_PT_KEY_DATA, &p);
  p->u.key_data.type = MIKEY_KD_TEK;
  fill (&p->u.key_data.salt, 14, 0);
  reject_and_free (m, "salt set");

  m = msg_with (MIKEY_PT_KEY_DATA, &p);
  p->u.key_data.type = 4;
  reject_and_free (m, "unknown key data type 4");

  /* payload types the codec does not know; SIGN not last */
  m = msg_with (13, &p);
  reject_and_free (m, "unknown payload type 13");

  m = msg_with (MIKEY_PT_LAST, &p);
  reject_and_free (m, "unknown payload type 0");

  m = msg_with (MIKEY_PT_SIGN, &p);
  add (m, MIKEY_PT_RAND);
  reject_and_free (m, "SIGN must be the last payload, but 1 more follow");

  /* header */
  m = new_msg ();
  m->hdr.prf = 0x80;
  reject_and_free (m, "PRF function 128");

  m = new_msg ();
  for (i = 0; i < 255; i++)
    mikey_message_add_cs_srtp (m, 0, i, 0);
  reject_and_free (m, "256 crypto sessions");

  m = new_msg ();
  m->hdr.map_type = MIKEY_MAP_EMPTY;
  expect_serialize_error (m, "empty CS ID map cannot carry 1");
  m->hdr.map_type = 7;
  reject_and_free (m, "unknown CS ID map type 7");
}

GST_END_TEST;

GST_START_TEST (test_serialize_key_data_reject)
{
  GPtrArray *list =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mikey_payload_free);
  GError *err = NULL;
  MikeyPayload *p;
  gsize len = 99;

  p = mikey_payload_new (MIKEY_PT_KEY_DATA);
  fill (&p->u.key_data.key, 16, 0);
  g_ptr_array_add (list, p);
  g_ptr_array_add (list, mikey_payload_new (MIKEY_PT_RAND));
  fail_unless (mikey_key_data_serialize_list (list, &len, &err) == NULL);
  fail_unless (err != NULL && err->code == MIKEY_ERROR_INVALID);
  fail_unless (strstr (err->message, "RAND payload in a key data list"),
      "%s", err->message);
  fail_unless_equals_int (len, 0);
  g_clear_error (&err);

  g_ptr_array_remove_index (list, 1);
  p = mikey_payload_new (MIKEY_PT_KEY_DATA);
  p->u.key_data.kv_type = MIKEY_KV_SPI;
  fill (&p->u.key_data.kv_spi, 300, 0);
  g_ptr_array_add (list, p);
  fail_unless (mikey_key_data_serialize_list (list, &len, &err) == NULL);
  fail_unless (err != NULL && err->code == MIKEY_ERROR_INVALID);
  fail_unless (strstr (err->message, "key data payload #1 at offset 20"),
      "%s", err->message);
  g_clear_error (&err);
  g_ptr_array_unref (list);
}

GST_END_TEST;

/* --- deterministic mutations ------------------------------------------- */

static guint n_mutants_ok, n_mutants_rejected;

/* Parses @data; on success the message must serialize to the very same
 * bytes (the fuzz target checks the same property). */
static void
check_mutant (const guint8 * data, gsize len)
{
  GError *err = NULL;
  MikeyMessage *m = mikey_message_parse (data, len, &err);
  GPtrArray *list;

  if (m) {
    GBytes *b = serialize_ok (m);

    fail_unless (err == NULL);
    fail_unless (g_bytes_get_size (b) == len &&
        memcmp (g_bytes_get_data (b, NULL), data, len) == 0,
        "accepted mutant does not round-trip");
    g_bytes_unref (b);
    mikey_message_free (m);
    n_mutants_ok++;
  } else {
    fail_unless (err != NULL && err->domain == MIKEY_ERROR);
    fail_unless (strstr (err->message, " payload at offset ") != NULL,
        "%s", err->message);
    g_clear_error (&err);
    n_mutants_rejected++;
  }

  list = mikey_key_data_parse_list (data, len, 0, &err);
  if (list) {
    gsize out_len;
    guint8 *out = mikey_key_data_serialize_list (list, &out_len, NULL);

    fail_unless (out != NULL && out_len == len &&
        (len == 0 || memcmp (out, data, len) == 0), "accepted key data "
        "does not round-trip");
    mikey_secure_free (out, out_len);
    g_ptr_array_unref (list);
  } else {
    fail_unless (err != NULL && err->domain == MIKEY_ERROR);
    g_error_free (err);
  }
}

static void
mutate_all (const guint8 * src, gsize len)
{
  gsize pos, k;

  for (pos = 0; pos < len; pos++) {
    guint8 orig = src[pos];
    guint8 values[] = { 0x00, 0xff, orig ^ 0x01, orig ^ 0x80, orig ^ 0x10,
      orig + 1, orig - 1, 0x14, 0x04, 0x7f
    };

    for (k = 0; k < G_N_ELEMENTS (values); k++) {
      /* exact-size heap copy, so ASan catches any over-read */
      guint8 *buf = g_memdup2 (src, len);

      buf[pos] = values[k];
      check_mutant (buf, len);
      g_free (buf);
    }
  }
  /* and every strict prefix and one-byte extension of the original */
  for (pos = 0; pos < len; pos++) {
    guint8 *buf = g_memdup2 (src, pos);

    check_mutant (buf, pos);
    g_free (buf);
  }
}

GST_START_TEST (test_mutations)
{
  MikeyMessage *m;
  GBytes *b;

  n_mutants_ok = n_mutants_rejected = 0;
  mutate_all (gst_mikey_null, sizeof (gst_mikey_null));
  mutate_all (pk_bytes, sizeof (pk_bytes));
  mutate_all (key_data_bytes, sizeof (key_data_bytes));
  mutate_all (gst_mikey_null + KEY_DATA_AT, 34);

  m = build_full ();
  b = serialize_ok (m);
  mutate_all (g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  g_bytes_unref (b);
  mikey_message_free (m);

  m = build_dh (MIKEY_DH_GROUP_OAKLEY1, MIKEY_KV_INTERVAL);
  b = serialize_ok (m);
  mutate_all (g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  g_bytes_unref (b);
  mikey_message_free (m);

  GST_INFO ("mutants: %u accepted (and round-tripped), %u rejected",
      n_mutants_ok, n_mutants_rejected);
  /* both outcomes must occur, or the loop tests nothing */
  fail_unless (n_mutants_ok > 100);
  fail_unless (n_mutants_rejected > 100);
}

GST_END_TEST;

static Suite *
codec_reject_suite (void)
{
  Suite *s = suite_create ("mikey-codec-reject");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_empty);
  tcase_add_test (tc, test_hdr_values);
  tcase_add_test (tc, test_hdr_n_cs);
  tcase_add_test (tc, test_truncation);
  tcase_add_test (tc, test_trailing);
  tcase_add_test (tc, test_next_payload);
  tcase_add_test (tc, test_kemac_reject);
  tcase_add_test (tc, test_payload_values);
  tcase_add_test (tc, test_sp_reject);
  tcase_add_test (tc, test_key_data_reject);
  tcase_add_test (tc, test_serialize_too_long);
  tcase_add_test (tc, test_serialize_fixed_lengths);
  tcase_add_test (tc, test_serialize_inconsistent);
  tcase_add_test (tc, test_serialize_key_data_reject);
  tcase_add_test (tc, test_mutations);
  return s;
}

GST_CHECK_MAIN (codec_reject);
