/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of how parsed messages hold their memory: one copy of the wire
 * bytes that blobs and SP values point into (MikeyBlob.borrowed), payloads
 * kept inside the message, and the public functions that edit a parsed
 * message (mikey_blob_set / clear, mikey_sp_add_param, adding and removing
 * payloads) still working on it. Also messages past the parser's inline
 * room and the serializer's stack buffer. Run under ASan/valgrind to catch
 * a blob freed that was not allocated, or read after its message is gone.
 */
#include <string.h>

#include <gst/check/gstcheck.h>

#include "mikey-message.h"

static void
fill (MikeyBlob * blob, gsize len, guint8 seed)
{
  gsize i;

  mikey_blob_set (blob, NULL, len);
  for (i = 0; i < len; i++)
    blob->data[i] = (guint8) (seed + i * 7);
}

/* HDR, T, RAND, SP (3 parameters), KEMAC (NULL, HMAC), V */
static GBytes *
build_sample (void)
{
  MikeyMessage *m = mikey_message_new ();
  MikeyPayload *p;
  GBytes *bytes;

  m->hdr.data_type = MIKEY_DT_PSK_INIT;
  m->hdr.csb_id = 0x01020304;
  mikey_message_add_cs_srtp (m, 0, 0xdeadbeef, 0);
  p = mikey_message_add (m, mikey_payload_new (MIKEY_PT_T));
  p->u.t.ts_type = MIKEY_TS_NTP_UTC;
  p->u.t.value = G_GUINT64_CONSTANT (0x0102030405060708);
  p = mikey_message_add (m, mikey_payload_new (MIKEY_PT_RAND));
  fill (&p->u.rand.rand, 16, 1);
  p = mikey_message_add (m, mikey_payload_new (MIKEY_PT_SP));
  p->u.sp.proto = MIKEY_PROTO_SRTP;
  mikey_sp_add_param_u8 (p, 0, 1);
  mikey_sp_add_param_u8 (p, 1, 16);
  mikey_sp_add_param (p, 200, (const guint8 *) "abcd", 4);
  p = mikey_message_add (m, mikey_payload_new (MIKEY_PT_KEMAC));
  p->u.kemac.enc_alg = MIKEY_ENC_NULL;
  fill (&p->u.kemac.enc_data, 40, 2);
  p->u.kemac.mac_alg = MIKEY_MAC_HMAC_SHA1_160;
  fill (&p->u.kemac.mac, MIKEY_MAC_HMAC_SHA1_160_LEN, 3);
  p = mikey_message_add (m, mikey_payload_new (MIKEY_PT_V));
  p->u.v.mac_alg = MIKEY_MAC_HMAC_SHA1_160;
  fill (&p->u.v.mac, MIKEY_MAC_HMAC_SHA1_160_LEN, 4);

  bytes = mikey_message_serialize (m, NULL);
  fail_unless (bytes != NULL);
  mikey_message_free (m);
  return bytes;
}

static void
assert_round_trip (const MikeyMessage * m, const guint8 * data, gsize len)
{
  GError *err = NULL;
  GBytes *out = mikey_message_serialize (m, &err);
  gsize out_len;
  const guint8 *out_data;

  fail_unless (out != NULL, "%s", err ? err->message : "");
  out_data = g_bytes_get_data (out, &out_len);
  fail_unless_equals_uint64 (out_len, len);
  fail_unless (memcmp (out_data, data, len) == 0);
  g_bytes_unref (out);
}

static MikeyPayload *
find (MikeyMessage * m, MikeyPayloadType type)
{
  MikeyPayload *p = mikey_message_find (m, type, NULL);

  fail_unless (p != NULL);
  return p;
}

GST_START_TEST (test_parsed_blobs_point_into_a_copy)
{
  GBytes *bytes = build_sample ();
  gsize len = g_bytes_get_size (bytes);
  guint8 *data = g_memdup2 (g_bytes_get_data (bytes, NULL), len);
  MikeyMessage *m = mikey_message_parse (data, len, NULL);
  MikeyPayload *rand, *sp, *kemac;
  const MikeySpParam *param;
  guint8 first_rand;

  fail_unless (m != NULL);
  rand = find (m, MIKEY_PT_RAND);
  sp = find (m, MIKEY_PT_SP);
  kemac = find (m, MIKEY_PT_KEMAC);
  fail_unless (rand->u.rand.rand.borrowed);
  fail_unless (kemac->u.kemac.enc_data.borrowed);
  fail_unless (kemac->u.kemac.mac.borrowed);
  param = mikey_sp_get_param (sp, 200);
  fail_unless (param != NULL && param->value.borrowed);
  fail_unless_equals_int (param->value.len, 4);
  fail_unless (memcmp (param->value.data, "abcd", 4) == 0);

  /* the message holds its own copy: the caller's buffer can go */
  first_rand = rand->u.rand.rand.data[0];
  fail_if (rand->u.rand.rand.data >= data && rand->u.rand.rand.data < data +
      len);
  memset (data, 0xee, len);
  g_free (data);
  fail_unless_equals_int (rand->u.rand.rand.data[0], first_rand);
  assert_round_trip (m, g_bytes_get_data (bytes, NULL), len);

  mikey_message_free (m);
  g_bytes_unref (bytes);
}

GST_END_TEST;

/* Everything the exchanges do to a message they parsed must keep working
 * on borrowed blobs and inline payloads. */
GST_START_TEST (test_edit_parsed_message)
{
  GBytes *bytes = build_sample ();
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  MikeyMessage *m = mikey_message_parse (data, len, NULL);
  MikeyMessage *again;
  GError *err = NULL;
  MikeyPayload *rand, *sp, *kemac, *id;
  MikeySpParam *param;
  GBytes *out;
  guint8 expect[8];
  gsize out_len;
  guint i;

  fail_unless (m != NULL);
  rand = find (m, MIKEY_PT_RAND);
  sp = find (m, MIKEY_PT_SP);
  kemac = find (m, MIKEY_PT_KEMAC);

  /* a borrowed blob replaced by part of itself, then by new bytes */
  memcpy (expect, rand->u.rand.rand.data + 4, 8);
  mikey_blob_set (&rand->u.rand.rand, rand->u.rand.rand.data + 4, 8);
  fail_if (rand->u.rand.rand.borrowed);
  fail_unless_equals_int (rand->u.rand.rand.len, 8);
  fail_unless (memcmp (rand->u.rand.rand.data, expect, 8) == 0);
  /* cleared: wiped where it was, then gone */
  mikey_blob_clear (&kemac->u.kemac.enc_data);
  fail_unless (kemac->u.kemac.enc_data.data == NULL);
  fail_unless_equals_int (kemac->u.kemac.enc_data.len, 0);
  fail_if (kemac->u.kemac.enc_data.borrowed);
  mikey_blob_set (&kemac->u.kemac.enc_data, (const guint8 *) "key!", 4);

  /* SP: one value replaced, one parameter added */
  param = &g_array_index (sp->u.sp.params, MikeySpParam, 1);
  mikey_blob_set (&param->value, (const guint8 *) "\x20", 1);
  mikey_sp_add_param (sp, 201, (const guint8 *) "xyz", 3);

  /* a payload removed (it lives inside the message), one added */
  g_ptr_array_remove_index (m->payloads, 0);
  id = mikey_message_add (m, mikey_payload_new (MIKEY_PT_ID));
  id->u.id.id_type = MIKEY_ID_URI;
  mikey_blob_set (&id->u.id.data, (const guint8 *) "sip:a@b", 7);

  out = mikey_message_serialize (m, NULL);
  fail_unless (out != NULL);
  out_len = g_bytes_get_size (out);
  again = mikey_message_parse (g_bytes_get_data (out, NULL), out_len, &err);
  fail_unless (again != NULL, "%s", err ? err->message : "");
  fail_unless_equals_int (again->payloads->len, m->payloads->len);
  fail_unless_equals_int (((MikeyPayload *)
          g_ptr_array_index (again->payloads, 0))->type, MIKEY_PT_RAND);
  rand = find (again, MIKEY_PT_RAND);
  fail_unless (memcmp (rand->u.rand.rand.data, expect, 8) == 0);
  kemac = find (again, MIKEY_PT_KEMAC);
  fail_unless_equals_int (kemac->u.kemac.enc_data.len, 4);
  fail_unless (memcmp (kemac->u.kemac.enc_data.data, "key!", 4) == 0);
  sp = find (again, MIKEY_PT_SP);
  fail_unless_equals_int (sp->u.sp.params->len, 4);
  fail_unless_equals_int (mikey_sp_get_param (sp, 1)->value.data[0], 0x20);
  fail_unless (memcmp (mikey_sp_get_param (sp, 201)->value.data, "xyz",
          3) == 0);
  id = find (again, MIKEY_PT_ID);
  fail_unless (memcmp (id->u.id.data.data, "sip:a@b", 7) == 0);
  for (i = 0; i < again->payloads->len; i++)
    fail_unless (((MikeyPayload *) g_ptr_array_index (again->payloads,
                i))->type != MIKEY_PT_T);

  g_bytes_unref (out);
  mikey_message_free (again);
  mikey_message_free (m);
  g_bytes_unref (bytes);
}

GST_END_TEST;

/* More payloads than the message has room for inside it: the rest go on
 * the heap, and both kinds are freed right. */
GST_START_TEST (test_many_payloads)
{
  MikeyMessage *m = mikey_message_new (), *parsed;
  GBytes *bytes;
  gsize len;
  const guint8 *data;
  guint i;

  m->hdr.data_type = MIKEY_DT_PSK_INIT;
  for (i = 0; i < 40; i++) {
    MikeyPayload *p = mikey_message_add (m, mikey_payload_new (i % 2 ?
            MIKEY_PT_RAND : MIKEY_PT_SP));

    if (i % 2)
      fill (&p->u.rand.rand, i, i);
    else
      mikey_sp_add_param_u8 (p, i, i);
  }
  bytes = mikey_message_serialize (m, NULL);
  fail_unless (bytes != NULL);
  data = g_bytes_get_data (bytes, &len);
  parsed = mikey_message_parse (data, len, NULL);
  fail_unless (parsed != NULL);
  fail_unless_equals_int (parsed->payloads->len, 40);
  assert_round_trip (parsed, data, len);
  /* drop some from both ends: inline ones and heap ones */
  g_ptr_array_remove_index (parsed->payloads, 39);
  g_ptr_array_remove_index (parsed->payloads, 2);
  g_ptr_array_remove_index (parsed->payloads, 0);
  fail_unless_equals_int (parsed->payloads->len, 37);
  mikey_message_free (parsed);
  mikey_message_free (m);
  g_bytes_unref (bytes);
}

GST_END_TEST;

/* Larger than the serializer's stack buffer (2048 bytes): measured, then
 * written into a buffer of the exact size; the same bytes either way. */
GST_START_TEST (test_large_message)
{
  MikeyMessage *m, *parsed;
  MikeyPayload *p;
  GBytes *bytes;
  gsize len, sizes[] = { 2000, 2030, 2048, 5000, 60000 };
  const guint8 *data;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    m = mikey_message_new ();
    m->hdr.data_type = MIKEY_DT_PK_INIT;
    mikey_message_add_cs_srtp (m, 1, 2, 3);
    p = mikey_message_add (m, mikey_payload_new (MIKEY_PT_CERT));
    p->u.cert.cert_type = MIKEY_CERT_X509V3;
    fill (&p->u.cert.data, sizes[i], i);
    p = mikey_message_add (m, mikey_payload_new (MIKEY_PT_SIGN));
    p->u.sign.sign_type = MIKEY_SIGN_RSA_PKCS1_1_5;
    fill (&p->u.sign.signature, 256, 9);

    bytes = mikey_message_serialize (m, NULL);
    fail_unless (bytes != NULL);
    data = g_bytes_get_data (bytes, &len);
    fail_unless_equals_uint64 (len, 10 + 9 + 4 + sizes[i] + 2 + 256);
    fail_unless_equals_int64 (mikey_message_auth_offset (m), len - 256);
    parsed = mikey_message_parse (data, len, NULL);
    fail_unless (parsed != NULL);
    p = find (parsed, MIKEY_PT_CERT);
    fail_unless_equals_uint64 (p->u.cert.data.len, sizes[i]);
    fail_unless_equals_int (p->u.cert.data.data[sizes[i] - 1],
        (guint8) (i + (sizes[i] - 1) * 7));
    assert_round_trip (parsed, data, len);
    mikey_message_free (parsed);
    mikey_message_free (m);
    g_bytes_unref (bytes);
  }
}

GST_END_TEST;

/* A key data list has no message to live in: its blobs are copies, valid
 * after the bytes they were parsed from are gone. */
GST_START_TEST (test_key_data_list_owns_its_bytes)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify)
      mikey_payload_free), *parsed;
  MikeyPayload *kd = mikey_payload_new (MIKEY_PT_KEY_DATA);
  guint8 *buf, *copy;
  gsize len;

  kd->u.key_data.type = MIKEY_KD_TEK_SALT;
  kd->u.key_data.kv_type = MIKEY_KV_SPI;
  fill (&kd->u.key_data.key, 16, 5);
  fill (&kd->u.key_data.salt, 14, 6);
  fill (&kd->u.key_data.kv_spi, 4, 7);
  g_ptr_array_add (list, kd);
  buf = mikey_key_data_serialize_list (list, &len, NULL);
  fail_unless (buf != NULL);
  copy = g_memdup2 (buf, len);
  parsed = mikey_key_data_parse_list (copy, len, 0, NULL);
  fail_unless (parsed != NULL);
  memset (copy, 0, len);
  g_free (copy);
  kd = g_ptr_array_index (parsed, 0);
  fail_if (kd->borrowed);
  fail_if (kd->u.key_data.key.borrowed);
  fail_unless (mikey_blob_equal (&kd->u.key_data.key,
          &((MikeyPayload *) g_ptr_array_index (list, 0))->u.key_data.key));
  fail_unless (mikey_blob_equal (&kd->u.key_data.kv_spi,
          &((MikeyPayload *) g_ptr_array_index (list, 0))->u.key_data.kv_spi));
  mikey_secure_free (buf, len);
  g_ptr_array_unref (parsed);
  g_ptr_array_unref (list);
}

GST_END_TEST;

static Suite *
codec_memory_suite (void)
{
  Suite *s = suite_create ("codec-memory");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_parsed_blobs_point_into_a_copy);
  tcase_add_test (tc, test_edit_parsed_message);
  tcase_add_test (tc, test_many_payloads);
  tcase_add_test (tc, test_large_message);
  tcase_add_test (tc, test_key_data_list_owns_its_bytes);
  return s;
}

GST_CHECK_MAIN (codec_memory);
