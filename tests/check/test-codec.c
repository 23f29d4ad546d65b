/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of the MIKEY wire codec (RFC 3830 section 6): every payload type
 * and variant goes build -> serialize -> parse -> serialize, which must give
 * identical bytes and equal fields; hand-written byte arrays, laid out from
 * the RFC figures, check that the codec agrees with the RFC and not only
 * with itself.
 *
 * Set MIKEY_WRITE_CORPUS=<dir> to store every serialized message there
 * (that is how fuzz/corpus/ was seeded).
 */
#include <string.h>

#include <gst/check/gstcheck.h>

#include "mikey-message.h"
#include "mikey-codec-vectors.h"

/* --- helpers ----------------------------------------------------------- */

static void
fill (MikeyBlob * blob, gsize len, guint8 seed)
{
  gsize i;

  mikey_blob_set (blob, NULL, len);
  for (i = 0; i < len; i++)
    blob->data[i] = (guint8) (seed + i * 7);
}

static MikeyMessage *
new_msg (guint8 data_type)
{
  MikeyMessage *m = mikey_message_new ();

  m->hdr.data_type = data_type;
  m->hdr.csb_id = 0x11223344;
  mikey_message_add_cs_srtp (m, 0, 0xdeadbeef, 0);
  return m;
}

static MikeyPayload *
add (MikeyMessage * m, MikeyPayloadType type)
{
  return mikey_message_add (m, mikey_payload_new (type));
}

#define assert_blob_eq(a, b, what) \
  fail_unless (mikey_blob_equal ((a), (b)), "%s differs (%" G_GSIZE_FORMAT \
      " vs %" G_GSIZE_FORMAT " bytes)", what, (a)->len, (b)->len)

static void
assert_key_data_eq (const MikeyKeyData * a, const MikeyKeyData * b)
{
  fail_unless_equals_int (a->type, b->type);
  fail_unless_equals_int (a->kv_type, b->kv_type);
  assert_blob_eq (&a->key, &b->key, "key");
  assert_blob_eq (&a->salt, &b->salt, "salt");
  assert_blob_eq (&a->kv_spi, &b->kv_spi, "KV SPI");
  assert_blob_eq (&a->kv_from, &b->kv_from, "KV from");
  assert_blob_eq (&a->kv_to, &b->kv_to, "KV to");
}

static void
assert_payload_eq (const MikeyPayload * a, const MikeyPayload * b)
{
  guint i;

  fail_unless_equals_int (a->type, b->type);
  switch (a->type) {
    case MIKEY_PT_KEMAC:
      fail_unless_equals_int (a->u.kemac.enc_alg, b->u.kemac.enc_alg);
      assert_blob_eq (&a->u.kemac.enc_data, &b->u.kemac.enc_data, "enc data");
      fail_unless_equals_int (a->u.kemac.mac_alg, b->u.kemac.mac_alg);
      assert_blob_eq (&a->u.kemac.mac, &b->u.kemac.mac, "KEMAC MAC");
      break;
    case MIKEY_PT_PKE:
      fail_unless_equals_int (a->u.pke.cache, b->u.pke.cache);
      assert_blob_eq (&a->u.pke.data, &b->u.pke.data, "PKE data");
      break;
    case MIKEY_PT_DH:
      fail_unless_equals_int (a->u.dh.group, b->u.dh.group);
      assert_blob_eq (&a->u.dh.value, &b->u.dh.value, "DH value");
      fail_unless_equals_int (a->u.dh.reserved, b->u.dh.reserved);
      fail_unless_equals_int (a->u.dh.kv_type, b->u.dh.kv_type);
      assert_blob_eq (&a->u.dh.kv_spi, &b->u.dh.kv_spi, "DH KV SPI");
      assert_blob_eq (&a->u.dh.kv_from, &b->u.dh.kv_from, "DH KV from");
      assert_blob_eq (&a->u.dh.kv_to, &b->u.dh.kv_to, "DH KV to");
      break;
    case MIKEY_PT_SIGN:
      fail_unless_equals_int (a->u.sign.sign_type, b->u.sign.sign_type);
      assert_blob_eq (&a->u.sign.signature, &b->u.sign.signature, "sig");
      break;
    case MIKEY_PT_T:
      fail_unless_equals_int (a->u.t.ts_type, b->u.t.ts_type);
      fail_unless_equals_uint64 (a->u.t.value, b->u.t.value);
      break;
    case MIKEY_PT_ID:
      fail_unless_equals_int (a->u.id.id_type, b->u.id.id_type);
      assert_blob_eq (&a->u.id.data, &b->u.id.data, "ID");
      break;
    case MIKEY_PT_CERT:
      fail_unless_equals_int (a->u.cert.cert_type, b->u.cert.cert_type);
      assert_blob_eq (&a->u.cert.data, &b->u.cert.data, "CERT");
      break;
    case MIKEY_PT_CHASH:
      fail_unless_equals_int (a->u.chash.hash_func, b->u.chash.hash_func);
      assert_blob_eq (&a->u.chash.hash, &b->u.chash.hash, "CHASH");
      break;
    case MIKEY_PT_V:
      fail_unless_equals_int (a->u.v.mac_alg, b->u.v.mac_alg);
      assert_blob_eq (&a->u.v.mac, &b->u.v.mac, "V MAC");
      break;
    case MIKEY_PT_SP:
      fail_unless_equals_int (a->u.sp.policy_no, b->u.sp.policy_no);
      fail_unless_equals_int (a->u.sp.proto, b->u.sp.proto);
      fail_unless_equals_int (a->u.sp.params->len, b->u.sp.params->len);
      for (i = 0; i < a->u.sp.params->len; i++) {
        MikeySpParam *pa = &g_array_index (a->u.sp.params, MikeySpParam, i);
        MikeySpParam *pb = &g_array_index (b->u.sp.params, MikeySpParam, i);

        fail_unless_equals_int (pa->type, pb->type);
        assert_blob_eq (&pa->value, &pb->value, "SP param");
      }
      break;
    case MIKEY_PT_RAND:
      assert_blob_eq (&a->u.rand.rand, &b->u.rand.rand, "RAND");
      break;
    case MIKEY_PT_ERR:
      fail_unless_equals_int (a->u.err.err_no, b->u.err.err_no);
      fail_unless_equals_int (a->u.err.reserved, b->u.err.reserved);
      break;
    case MIKEY_PT_KEY_DATA:
      assert_key_data_eq (&a->u.key_data, &b->u.key_data);
      break;
    case MIKEY_PT_GEN_EXT:
      fail_unless_equals_int (a->u.gen_ext.ext_type, b->u.gen_ext.ext_type);
      assert_blob_eq (&a->u.gen_ext.data, &b->u.gen_ext.data, "ext data");
      break;
    default:
      fail ("unexpected payload type %u", a->type);
  }
}

static void
assert_message_eq (const MikeyMessage * a, const MikeyMessage * b)
{
  guint i;

  fail_unless_equals_int (a->hdr.version, b->hdr.version);
  fail_unless_equals_int (a->hdr.data_type, b->hdr.data_type);
  fail_unless_equals_int (!!a->hdr.v, !!b->hdr.v);
  fail_unless_equals_int (a->hdr.prf, b->hdr.prf);
  fail_unless_equals_uint64 (a->hdr.csb_id, b->hdr.csb_id);
  fail_unless_equals_int (a->hdr.map_type, b->hdr.map_type);
  fail_unless_equals_int (a->hdr.n_cs_empty, b->hdr.n_cs_empty);
  fail_unless_equals_int (a->hdr.cs->len, b->hdr.cs->len);
  for (i = 0; i < a->hdr.cs->len; i++) {
    MikeySrtpCs *ca = &g_array_index (a->hdr.cs, MikeySrtpCs, i);
    MikeySrtpCs *cb = &g_array_index (b->hdr.cs, MikeySrtpCs, i);

    fail_unless_equals_int (ca->policy_no, cb->policy_no);
    fail_unless_equals_uint64 (ca->ssrc, cb->ssrc);
    fail_unless_equals_uint64 (ca->roc, cb->roc);
  }
  fail_unless_equals_int (a->payloads->len, b->payloads->len);
  for (i = 0; i < a->payloads->len; i++)
    assert_payload_eq (g_ptr_array_index (a->payloads, i),
        g_ptr_array_index (b->payloads, i));
}

static guint corpus_counter;

/* Stores @bytes in $MIKEY_WRITE_CORPUS, if set, to seed the fuzzer. */
static void
dump_corpus (const gchar * name, const guint8 * data, gsize len)
{
  const gchar *dir = g_getenv ("MIKEY_WRITE_CORPUS");
  gchar *file, *path;

  if (!dir)
    return;
  file = g_strdup_printf ("%03u-%s.bin", corpus_counter++, name);
  path = g_build_filename (dir, file, NULL);
  fail_unless (g_file_set_contents (path, (const gchar *) data, len, NULL));
  g_free (path);
  g_free (file);
}

static GBytes *
serialize_ok (const MikeyMessage * m)
{
  GError *err = NULL;
  GBytes *b = mikey_message_serialize (m, &err);

  fail_unless (b != NULL, "serialize failed: %s", err ? err->message : "?");
  return b;
}

static MikeyMessage *
parse_ok (const guint8 * data, gsize len)
{
  GError *err = NULL;
  MikeyMessage *m = mikey_message_parse (data, len, &err);

  fail_unless (m != NULL, "parse failed: %s", err ? err->message : "?");
  fail_unless (err == NULL);
  return m;
}

/* build -> serialize -> parse -> serialize: same fields, same bytes.
 * Returns the length of the serialized message. */
static gsize
roundtrip (MikeyMessage * m, const gchar * name)
{
  GBytes *b1, *b2;
  MikeyMessage *m2;
  const guint8 *data;
  gsize len;

  b1 = serialize_ok (m);
  data = g_bytes_get_data (b1, &len);
  m2 = parse_ok (data, len);
  assert_message_eq (m, m2);
  b2 = serialize_ok (m2);
  fail_unless (g_bytes_equal (b1, b2), "re-serialized bytes differ");
  fail_unless_equals_int (mikey_message_auth_offset (m),
      mikey_message_auth_offset (m2));
  dump_corpus (name, data, len);

  g_bytes_unref (b2);
  g_bytes_unref (b1);
  mikey_message_free (m2);
  mikey_message_free (m);
  return len;
}

/* --- header ------------------------------------------------------------ */

GST_START_TEST (test_hdr_cs_map)
{
  guint n_cs[] = { 0, 1, 5, 255 };
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (n_cs); i++) {
    MikeyMessage *m = mikey_message_new ();

    m->hdr.data_type = MIKEY_DT_PSK_INIT;
    m->hdr.csb_id = 0xfedcba98 + i;
    m->hdr.v = i & 1;
    for (j = 0; j < n_cs[i]; j++)
      mikey_message_add_cs_srtp (m, j, 0x10000000 + j, 0xffffffff - j);
    /* header only (next payload 0), then with a payload */
    fail_unless_equals_int (roundtrip (m, "hdr-srtp-id"), 10 + 9 * n_cs[i]);

    m = mikey_message_new ();
    for (j = 0; j < n_cs[i]; j++)
      mikey_message_add_cs_srtp (m, j, j, j);
    fill (&add (m, MIKEY_PT_RAND)->u.rand.rand, 16, i);
    roundtrip (m, "hdr-srtp-id-rand");
  }

  /* RFC 4563 empty map: #CS but no map info */
  for (i = 0; i < 3; i++) {
    MikeyMessage *m = mikey_message_new ();

    m->hdr.data_type = MIKEY_DT_DH_INIT;
    m->hdr.map_type = MIKEY_MAP_EMPTY;
    m->hdr.n_cs_empty = i * 100;
    fill (&add (m, MIKEY_PT_RAND)->u.rand.rand, 16, i);
    fail_unless_equals_int (roundtrip (m, "hdr-empty-map"), 10 + 2 + 16);
  }

  /* every data type */
  for (i = 0; i <= MIKEY_DT_MAX; i++) {
    MikeyMessage *m = new_msg (i);

    roundtrip (m, "hdr-data-type");
  }
}

GST_END_TEST;

/* --- KEMAC ------------------------------------------------------------- */

GST_START_TEST (test_kemac)
{
  guint8 enc_algs[] = { MIKEY_ENC_NULL, MIKEY_ENC_AES_CM_128,
    MIKEY_ENC_AES_KW_128
  };
  guint8 mac_algs[] = { MIKEY_MAC_NULL, MIKEY_MAC_HMAC_SHA1_160 };
  gsize enc_lens[] = { 0, 34, 1000, 65535 };
  guint i, j, k;

  for (i = 0; i < G_N_ELEMENTS (enc_algs); i++) {
    for (j = 0; j < G_N_ELEMENTS (mac_algs); j++) {
      for (k = 0; k < G_N_ELEMENTS (enc_lens); k++) {
        MikeyMessage *m = new_msg (MIKEY_DT_PSK_INIT);
        MikeyPayload *p;
        gsize len;

        fill (&add (m, MIKEY_PT_RAND)->u.rand.rand, 16, 1);
        p = add (m, MIKEY_PT_KEMAC);
        p->u.kemac.enc_alg = enc_algs[i];
        fill (&p->u.kemac.enc_data, enc_lens[k], 3);
        p->u.kemac.mac_alg = mac_algs[j];
        fill (&p->u.kemac.mac, mikey_mac_len (mac_algs[j]), 9);

        /* the MAC covers everything up to the MAC field, which ends the
         * message */
        len = 19 + 18 + 4 + enc_lens[k] + 1 + mikey_mac_len (mac_algs[j]);
        fail_unless_equals_int (mikey_message_auth_offset (m),
            len - mikey_mac_len (mac_algs[j]));
        fail_unless_equals_int (roundtrip (m, enc_lens[k] < 2000 ?
                "kemac" : "kemac-large"), len);
      }
    }
  }
}

GST_END_TEST;

/* --- PKE --------------------------------------------------------------- */

GST_START_TEST (test_pke)
{
  guint8 caches[] = { MIKEY_CACHE_NONE, MIKEY_CACHE_ALWAYS,
    MIKEY_CACHE_FOR_CSB
  };
  gsize lens[] = { 0, 1, 256, 0x3fff };
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (caches); i++) {
    for (j = 0; j < G_N_ELEMENTS (lens); j++) {
      MikeyMessage *m = new_msg (MIKEY_DT_PK_INIT);
      MikeyPayload *p = add (m, MIKEY_PT_PKE);

      p->u.pke.cache = caches[i];
      fill (&p->u.pke.data, lens[j], i + j);
      fail_unless_equals_int (roundtrip (m, lens[j] < 1000 ? "pke" :
              "pke-large"), 19 + 3 + lens[j]);
    }
  }
}

GST_END_TEST;

/* --- DH ---------------------------------------------------------------- */

static void
set_kv (guint8 kv_type, guint8 * kv_out, MikeyBlob * spi, MikeyBlob * from,
    MikeyBlob * to)
{
  *kv_out = kv_type;
  if (kv_type == MIKEY_KV_SPI)
    fill (spi, 4, 0x40);
  if (kv_type == MIKEY_KV_INTERVAL) {
    fill (from, 6, 0x50);
    fill (to, 6, 0x60);
  }
}

GST_START_TEST (test_dh)
{
  guint8 groups[] = { MIKEY_DH_GROUP_OAKLEY5, MIKEY_DH_GROUP_OAKLEY1,
    MIKEY_DH_GROUP_OAKLEY2
  };
  guint8 kvs[] = { MIKEY_KV_NULL, MIKEY_KV_SPI, MIKEY_KV_INTERVAL };
  gsize kv_len[] = { 0, 1 + 4, 1 + 6 + 1 + 6 };
  guint i, j;

  fail_unless_equals_int (mikey_dh_value_len (MIKEY_DH_GROUP_OAKLEY5), 192);
  fail_unless_equals_int (mikey_dh_value_len (MIKEY_DH_GROUP_OAKLEY1), 96);
  fail_unless_equals_int (mikey_dh_value_len (MIKEY_DH_GROUP_OAKLEY2), 128);

  for (i = 0; i < G_N_ELEMENTS (groups); i++) {
    for (j = 0; j < G_N_ELEMENTS (kvs); j++) {
      MikeyMessage *m = new_msg (MIKEY_DT_DH_INIT);
      MikeyPayload *p;

      fill (&add (m, MIKEY_PT_RAND)->u.rand.rand, 16, 1);
      p = add (m, MIKEY_PT_DH);
      p->u.dh.group = groups[i];
      fill (&p->u.dh.value, mikey_dh_value_len (groups[i]), i);
      p->u.dh.reserved = j * 5; /* reserved bits survive */
      set_kv (kvs[j], &p->u.dh.kv_type, &p->u.dh.kv_spi, &p->u.dh.kv_from,
          &p->u.dh.kv_to);
      fail_unless_equals_int (mikey_message_auth_offset (m), -1);
      fail_unless_equals_int (roundtrip (m, "dh"), 19 + 18 + 2 +
          mikey_dh_value_len (groups[i]) + 1 + kv_len[j]);
    }
  }
}

GST_END_TEST;

/* --- SIGN -------------------------------------------------------------- */

GST_START_TEST (test_sign)
{
  guint8 types[] = { MIKEY_SIGN_RSA_PKCS1_1_5, MIKEY_SIGN_RSA_PSS };
  gsize lens[] = { 0, 128, 256, 4095 };
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (types); i++) {
    for (j = 0; j < G_N_ELEMENTS (lens); j++) {
      MikeyMessage *m = new_msg (MIKEY_DT_PK_INIT);
      MikeyPayload *p;
      gsize len;

      fill (&add (m, MIKEY_PT_RAND)->u.rand.rand, 16, 1);
      p = add (m, MIKEY_PT_SIGN);
      p->u.sign.sign_type = types[i];
      fill (&p->u.sign.signature, lens[j], 0x33);
      len = 19 + 18 + 2 + lens[j];
      /* the signature field is left out, its S type/length are covered */
      fail_unless_equals_int (mikey_message_auth_offset (m), len - lens[j]);
      fail_unless_equals_int (roundtrip (m, lens[j] < 1000 ? "sign" :
              "sign-large"), len);
    }
  }

  /* SIGN as the only payload: the header's next payload says 4 */
  {
    MikeyMessage *m = new_msg (MIKEY_DT_PK_VERIFY);

    fill (&add (m, MIKEY_PT_SIGN)->u.sign.signature, 8, 1);
    roundtrip (m, "sign-only");
  }
}

GST_END_TEST;

/* --- T ----------------------------------------------------------------- */

GST_START_TEST (test_t)
{
  struct
  {
    guint8 type;
    guint64 value;
    gsize len;
  } cases[] = {
    {MIKEY_TS_NTP_UTC, G_GUINT64_CONSTANT (0xe12a3b4c5d6e7f80), 8},
    {MIKEY_TS_NTP_UTC, 0, 8},
    {MIKEY_TS_NTP, G_MAXUINT64, 8},
    {MIKEY_TS_COUNTER, 0xffffffff, 4},
    {MIKEY_TS_COUNTER, 1, 4},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    MikeyMessage *m = new_msg (MIKEY_DT_PSK_INIT);
    MikeyPayload *p = add (m, MIKEY_PT_T);

    p->u.t.ts_type = cases[i].type;
    p->u.t.value = cases[i].value;
    fail_unless_equals_int (mikey_ts_len (cases[i].type), cases[i].len);
    fail_unless_equals_int (roundtrip (m, "t"), 19 + 2 + cases[i].len);
  }
}

GST_END_TEST;

/* --- ID, CERT, CHASH --------------------------------------------------- */

GST_START_TEST (test_id_cert_chash)
{
  const gchar *ids[] = { "alice@example.org", "sip:bob@example.org", "" };
  guint8 id_types[] = { MIKEY_ID_NAI, MIKEY_ID_URI, MIKEY_ID_BYTE_STRING,
    77                          /* unknown: kept, it has a length */
  };
  guint8 cert_types[] = { MIKEY_CERT_X509V3, MIKEY_CERT_X509V3_URL,
    MIKEY_CERT_X509V3_SIGN, MIKEY_CERT_X509V3_ENCR, 200
  };
  guint8 hashes[] = { MIKEY_HASH_SHA1, MIKEY_HASH_MD5 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (id_types); i++) {
    MikeyMessage *m = new_msg (MIKEY_DT_PSK_INIT);
    MikeyPayload *p = add (m, MIKEY_PT_ID);
    const gchar *id = ids[i % G_N_ELEMENTS (ids)];

    p->u.id.id_type = id_types[i];
    mikey_blob_set (&p->u.id.data, (const guint8 *) id, strlen (id));
    /* two IDs (initiator, responder) in a row */
    p = add (m, MIKEY_PT_ID);
    p->u.id.id_type = MIKEY_ID_URI;
    fill (&p->u.id.data, 300, i);
    roundtrip (m, "id");
  }

  for (i = 0; i < G_N_ELEMENTS (cert_types); i++) {
    MikeyMessage *m = new_msg (MIKEY_DT_PK_INIT);
    MikeyPayload *p = add (m, MIKEY_PT_CERT);

    p->u.cert.cert_type = cert_types[i];
    fill (&p->u.cert.data, i * 400, i);
    fail_unless_equals_int (roundtrip (m, "cert"), 19 + 4 + i * 400);
  }

  for (i = 0; i < G_N_ELEMENTS (hashes); i++) {
    MikeyMessage *m = new_msg (MIKEY_DT_PK_INIT);
    MikeyPayload *p = add (m, MIKEY_PT_CHASH);

    p->u.chash.hash_func = hashes[i];
    fill (&p->u.chash.hash, mikey_hash_len (hashes[i]), i);
    fail_unless_equals_int (roundtrip (m, "chash"), 19 + 2 +
        mikey_hash_len (hashes[i]));
  }
  fail_unless_equals_int (mikey_hash_len (MIKEY_HASH_SHA1), 20);
  fail_unless_equals_int (mikey_hash_len (MIKEY_HASH_MD5), 16);
}

GST_END_TEST;

/* --- V ----------------------------------------------------------------- */

GST_START_TEST (test_v)
{
  guint8 algs[] = { MIKEY_MAC_NULL, MIKEY_MAC_HMAC_SHA1_160 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (algs); i++) {
    MikeyMessage *m = new_msg (MIKEY_DT_PSK_VERIFY);
    MikeyPayload *p;
    gsize len;

    p = add (m, MIKEY_PT_T);
    p->u.t.ts_type = MIKEY_TS_NTP_UTC;
    p->u.t.value = 42;
    p = add (m, MIKEY_PT_V);
    p->u.v.mac_alg = algs[i];
    fill (&p->u.v.mac, mikey_mac_len (algs[i]), 0x77);
    len = 19 + 10 + 2 + mikey_mac_len (algs[i]);
    fail_unless_equals_int (mikey_message_auth_offset (m), 19 + 10 + 2);
    fail_unless_equals_int (roundtrip (m, "v"), len);
  }
}

GST_END_TEST;

/* --- SP ---------------------------------------------------------------- */

GST_START_TEST (test_sp)
{
  MikeyMessage *m = new_msg (MIKEY_DT_PSK_INIT);
  MikeyPayload *p;
  const MikeySpParam *param;
  guint8 prefix[] = { 0, 0, 0, 0 };

  /* every SRTP parameter of RFC 3830 6.10.1, plus the RFC 7714 AEAD tag */
  p = add (m, MIKEY_PT_SP);
  p->u.sp.policy_no = 3;
  p->u.sp.proto = MIKEY_PROTO_SRTP;
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_ENC_ALG, MIKEY_SRTP_ENC_AES_GCM);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_ENC_KEY_LEN, 32);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_AUTH_ALG, MIKEY_SRTP_AUTH_NULL);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_AUTH_KEY_LEN, 0);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_SALT_KEY_LEN, 12);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_PRF, 0);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_KEY_DERIV_RATE, 0);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_SRTP_ENC, 1);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_SRTCP_ENC, 1);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_FEC_ORDER, 0);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_SRTP_AUTH, 1);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_AUTH_TAG_LEN, 0);
  mikey_sp_add_param (p, MIKEY_SP_SRTP_PREFIX_LEN, prefix, 4);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_AEAD_AUTH_TAG_LEN, 16);
  /* unknown types are kept, with any length */
  mikey_sp_add_param (p, 99, NULL, 255);
  mikey_sp_add_param (p, 100, NULL, 0);

  param = mikey_sp_get_param (p, MIKEY_SP_SRTP_ENC_ALG);
  fail_unless (param != NULL && param->value.len == 1 &&
      param->value.data[0] == 6);
  param = mikey_sp_get_param (p, MIKEY_SP_SRTP_AEAD_AUTH_TAG_LEN);
  fail_unless (param != NULL && param->value.data[0] == 16);
  fail_unless (mikey_sp_get_param (p, 42) == NULL);

  /* classic AES-CM / HMAC-SHA1 policy and an empty one, another protocol */
  p = add (m, MIKEY_PT_SP);
  p->u.sp.policy_no = 0;
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_ENC_ALG, MIKEY_SRTP_ENC_AES_CM);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_ENC_KEY_LEN, 16);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_AUTH_ALG, MIKEY_SRTP_AUTH_HMAC_SHA1);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_AUTH_KEY_LEN, 20);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_SALT_KEY_LEN, 14);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_AUTH_TAG_LEN, 10);
  p = add (m, MIKEY_PT_SP);
  p->u.sp.policy_no = 255;
  p->u.sp.proto = 7;

  roundtrip (m, "sp");
}

GST_END_TEST;

/* --- RAND, ERR, general extension -------------------------------------- */

GST_START_TEST (test_rand_err_ext)
{
  gsize rand_lens[] = { 0, 16, 255 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rand_lens); i++) {
    MikeyMessage *m = new_msg (MIKEY_DT_PSK_INIT);

    fill (&add (m, MIKEY_PT_RAND)->u.rand.rand, rand_lens[i], i);
    fail_unless_equals_int (roundtrip (m, "rand"), 19 + 2 + rand_lens[i]);
  }

  for (i = 0; i <= MIKEY_ERR_UNSPECIFIED; i++) {
    MikeyMessage *m = new_msg (MIKEY_DT_ERROR);
    MikeyPayload *p = add (m, MIKEY_PT_ERR);

    p->u.err.err_no = i;
    p->u.err.reserved = i * 0x1111;     /* reserved bits survive */
    fail_unless (strcmp (mikey_err_type_name (i), "unknown") != 0);
    fail_unless_equals_int (roundtrip (m, "err"), 19 + 4);
  }
  {
    /* an error message carrying several ERR payloads */
    MikeyMessage *m = new_msg (MIKEY_DT_ERROR);

    add (m, MIKEY_PT_ERR)->u.err.err_no = MIKEY_ERR_INVALID_TS;
    add (m, MIKEY_PT_ERR)->u.err.err_no = MIKEY_ERR_INVALID_SPPAR;
    roundtrip (m, "err-multi");
  }

  for (i = 0; i < 6; i++) {
    MikeyMessage *m = new_msg (MIKEY_DT_PSK_INIT);
    MikeyPayload *p = add (m, MIKEY_PT_GEN_EXT);

    p->u.gen_ext.ext_type = i == 5 ? 250 : i;
    fill (&p->u.gen_ext.data, i * 50, i);
    fail_unless_equals_int (roundtrip (m, "gen-ext"), 19 + 4 + i * 50);
  }
}

GST_END_TEST;

/* --- key data sub-payloads --------------------------------------------- */

static GPtrArray *
build_key_data_list (void)
{
  guint8 types[] = { MIKEY_KD_TGK, MIKEY_KD_TGK_SALT, MIKEY_KD_TEK,
    MIKEY_KD_TEK_SALT
  };
  guint8 kvs[] = { MIKEY_KV_NULL, MIKEY_KV_SPI, MIKEY_KV_INTERVAL };
  GPtrArray *list =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mikey_payload_free);
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (types); i++) {
    for (j = 0; j < G_N_ELEMENTS (kvs); j++) {
      MikeyPayload *p = mikey_payload_new (MIKEY_PT_KEY_DATA);
      MikeyKeyData *kd = &p->u.key_data;

      kd->type = types[i];
      fill (&kd->key, 16 + i, i * 16 + j);
      if (types[i] == MIKEY_KD_TGK_SALT || types[i] == MIKEY_KD_TEK_SALT)
        fill (&kd->salt, j == 0 ? 0 : 14, 0x90);
      set_kv (kvs[j], &kd->kv_type, &kd->kv_spi, &kd->kv_from, &kd->kv_to);
      g_ptr_array_add (list, p);
    }
  }
  return list;
}

GST_START_TEST (test_key_data_list)
{
  GPtrArray *list = build_key_data_list (), *parsed, *one;
  GError *err = NULL;
  guint8 *buf, *buf2;
  gsize len, len2, i;

  buf = mikey_key_data_serialize_list (list, &len, &err);
  fail_unless (buf != NULL, "%s", err ? err->message : "?");
  parsed = mikey_key_data_parse_list (buf, len, 0, &err);
  fail_unless (parsed != NULL, "%s", err ? err->message : "?");
  fail_unless_equals_int (parsed->len, list->len);
  for (i = 0; i < list->len; i++)
    assert_payload_eq (g_ptr_array_index (list, i),
        g_ptr_array_index (parsed, i));
  buf2 = mikey_key_data_serialize_list (parsed, &len2, &err);
  fail_unless (buf2 != NULL);
  fail_unless (len == len2 && memcmp (buf, buf2, len) == 0);

  /* chaining: 20 on all but the last, which has 0 */
  fail_unless_equals_int (buf[0], MIKEY_PT_KEY_DATA);
  mikey_secure_free (buf2, len2);
  g_ptr_array_unref (parsed);

  /* the same list as a KEMAC's plaintext */
  {
    MikeyMessage *m = new_msg (MIKEY_DT_PSK_INIT);
    MikeyPayload *p = add (m, MIKEY_PT_KEMAC);

    mikey_blob_set (&p->u.kemac.enc_data, buf, len);
    roundtrip (m, "kemac-key-data");
  }
  mikey_secure_free (buf, len);

  /* a single key data: next payload 0 */
  one = g_ptr_array_new ();
  g_ptr_array_add (one, g_ptr_array_index (list, 7));
  buf = mikey_key_data_serialize_list (one, &len, &err);
  fail_unless (buf != NULL);
  fail_unless_equals_int (buf[0], MIKEY_PT_LAST);
  mikey_secure_free (buf, len);
  g_ptr_array_unref (one);

  /* empty list <-> empty bytes (a DHHMAC KEMAC has no key data) */
  one = g_ptr_array_new ();
  buf = mikey_key_data_serialize_list (one, &len, &err);
  fail_unless (buf != NULL);
  fail_unless_equals_int (len, 0);
  parsed = mikey_key_data_parse_list (buf, 0, 0, &err);
  fail_unless (parsed != NULL && parsed->len == 0);
  g_ptr_array_unref (parsed);
  mikey_secure_free (buf, len);
  g_ptr_array_unref (one);

  /* key data as top-level payloads (the payload name space has them) */
  {
    MikeyMessage *m = new_msg (MIKEY_DT_PSK_INIT);

    for (i = 0; i < list->len; i += 5) {
      MikeyPayload *src = g_ptr_array_index (list, i);
      MikeyPayload *p = add (m, MIKEY_PT_KEY_DATA);
      MikeyKeyData *a = &src->u.key_data, *b = &p->u.key_data;

      b->type = a->type;
      b->kv_type = a->kv_type;
      mikey_blob_set (&b->key, a->key.data, a->key.len);
      mikey_blob_set (&b->salt, a->salt.data, a->salt.len);
      mikey_blob_set (&b->kv_spi, a->kv_spi.data, a->kv_spi.len);
      mikey_blob_set (&b->kv_from, a->kv_from.data, a->kv_from.len);
      mikey_blob_set (&b->kv_to, a->kv_to.data, a->kv_to.len);
    }
    roundtrip (m, "key-data-top");
  }
  g_ptr_array_unref (list);
}

GST_END_TEST;

/* --- a message with every payload type --------------------------------- */

GST_START_TEST (test_all_payloads)
{
  MikeyMessage *m = new_msg (MIKEY_DT_PK_INIT);
  MikeyPayload *p;
  guint idx;

  mikey_message_add_cs_srtp (m, 1, 0xcafebabe, 7);
  p = add (m, MIKEY_PT_T);
  p->u.t.ts_type = MIKEY_TS_NTP_UTC;
  p->u.t.value = G_GUINT64_CONSTANT (0xe000000012345678);
  fill (&add (m, MIKEY_PT_RAND)->u.rand.rand, 16, 0);
  p = add (m, MIKEY_PT_ID);
  mikey_blob_set (&p->u.id.data, (const guint8 *) "a@b", 3);
  p = add (m, MIKEY_PT_CERT);
  fill (&p->u.cert.data, 500, 1);
  p = add (m, MIKEY_PT_CHASH);
  fill (&p->u.chash.hash, 20, 2);
  p = add (m, MIKEY_PT_SP);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_ENC_ALG, 1);
  p = add (m, MIKEY_PT_GEN_EXT);
  p->u.gen_ext.ext_type = MIKEY_EXT_SDP_IDS;
  fill (&p->u.gen_ext.data, 3, 3);
  p = add (m, MIKEY_PT_ERR);
  p = add (m, MIKEY_PT_DH);
  fill (&p->u.dh.value, 192, 4);
  p = add (m, MIKEY_PT_V);
  p->u.v.mac_alg = MIKEY_MAC_HMAC_SHA1_160;
  fill (&p->u.v.mac, 20, 5);
  p = add (m, MIKEY_PT_PKE);
  fill (&p->u.pke.data, 100, 6);
  p = add (m, MIKEY_PT_KEMAC);
  p->u.kemac.enc_alg = MIKEY_ENC_AES_CM_128;
  p->u.kemac.mac_alg = MIKEY_MAC_HMAC_SHA1_160;
  fill (&p->u.kemac.enc_data, 40, 7);
  fill (&p->u.kemac.mac, 20, 8);
  p = add (m, MIKEY_PT_SIGN);
  fill (&p->u.sign.signature, 128, 9);

  /* find walks forward from *idx */
  idx = 0;
  fail_unless (mikey_message_find (m, MIKEY_PT_KEMAC, &idx) != NULL);
  fail_unless_equals_int (idx, 11);
  idx = 12;
  fail_unless (mikey_message_find (m, MIKEY_PT_KEMAC, &idx) == NULL);
  fail_unless (mikey_message_find (m, MIKEY_PT_SIGN, NULL) == p);

  roundtrip (m, "all-payloads");
}

GST_END_TEST;

/* --- hand-written bytes, laid out from the RFC 3830 figures ------------ */


GST_START_TEST (test_bytes_gst_mikey_null)
{
  MikeyMessage *m = parse_ok (gst_mikey_null, sizeof (gst_mikey_null));
  MikeySrtpCs *cs;
  MikeyPayload *p;
  MikeyKeyData *kd;
  GPtrArray *kds;
  GBytes *b;
  GError *err = NULL;
  guint i;

  fail_unless_equals_int (m->hdr.version, 1);
  fail_unless_equals_int (m->hdr.data_type, MIKEY_DT_PSK_INIT);
  fail_unless (!m->hdr.v);
  fail_unless_equals_int (m->hdr.prf, MIKEY_PRF_MIKEY_1);
  fail_unless_equals_uint64 (m->hdr.csb_id, 0x12345678);
  fail_unless_equals_int (m->hdr.map_type, MIKEY_MAP_SRTP_ID);
  fail_unless_equals_int (m->hdr.cs->len, 1);
  cs = &g_array_index (m->hdr.cs, MikeySrtpCs, 0);
  fail_unless_equals_int (cs->policy_no, 0);
  fail_unless_equals_uint64 (cs->ssrc, 0xdeadbeef);
  fail_unless_equals_uint64 (cs->roc, 0);
  fail_unless_equals_int (m->payloads->len, 4);

  p = g_ptr_array_index (m->payloads, 0);
  fail_unless_equals_int (p->type, MIKEY_PT_T);
  fail_unless_equals_int (p->u.t.ts_type, MIKEY_TS_NTP_UTC);
  fail_unless_equals_uint64 (p->u.t.value,
      G_GUINT64_CONSTANT (0xe12a3b4c5d6e7f80));

  p = g_ptr_array_index (m->payloads, 1);
  fail_unless_equals_int (p->type, MIKEY_PT_RAND);
  fail_unless_equals_int (p->u.rand.rand.len, 16);
  for (i = 0; i < 16; i++)
    fail_unless_equals_int (p->u.rand.rand.data[i], i);

  p = g_ptr_array_index (m->payloads, 2);
  fail_unless_equals_int (p->type, MIKEY_PT_SP);
  fail_unless_equals_int (p->u.sp.policy_no, 0);
  fail_unless_equals_int (p->u.sp.proto, MIKEY_PROTO_SRTP);
  fail_unless_equals_int (p->u.sp.params->len, 9);
  fail_unless_equals_int (mikey_sp_get_param (p,
          MIKEY_SP_SRTP_ENC_KEY_LEN)->value.data[0], 16);
  fail_unless_equals_int (mikey_sp_get_param (p,
          MIKEY_SP_SRTP_AUTH_KEY_LEN)->value.data[0], 20);
  fail_unless_equals_int (mikey_sp_get_param (p,
          MIKEY_SP_SRTP_SALT_KEY_LEN)->value.data[0], 14);
  fail_unless_equals_int (mikey_sp_get_param (p,
          MIKEY_SP_SRTP_AUTH_TAG_LEN)->value.data[0], 10);
  fail_unless (mikey_sp_get_param (p, MIKEY_SP_SRTP_PRF) == NULL);

  p = g_ptr_array_index (m->payloads, 3);
  fail_unless_equals_int (p->type, MIKEY_PT_KEMAC);
  fail_unless_equals_int (p->u.kemac.enc_alg, MIKEY_ENC_NULL);
  fail_unless_equals_int (p->u.kemac.mac_alg, MIKEY_MAC_NULL);
  fail_unless_equals_int (p->u.kemac.mac.len, 0);
  fail_unless_equals_int (p->u.kemac.enc_data.len, 34);

  /* the KEMAC plaintext, offsets reported relative to the message */
  kds = mikey_key_data_parse_list (p->u.kemac.enc_data.data,
      p->u.kemac.enc_data.len, 83, &err);
  fail_unless (kds != NULL, "%s", err ? err->message : "?");
  fail_unless_equals_int (kds->len, 1);
  kd = &((MikeyPayload *) g_ptr_array_index (kds, 0))->u.key_data;
  fail_unless_equals_int (kd->type, MIKEY_KD_TEK);
  fail_unless_equals_int (kd->kv_type, MIKEY_KV_NULL);
  fail_unless_equals_int (kd->key.len, 30);
  fail_unless_equals_int (kd->key.data[0], 0xa0);
  fail_unless_equals_int (kd->key.data[29], 0xbd);
  fail_unless_equals_int (kd->salt.len, 0);
  g_ptr_array_unref (kds);

  /* MAC NULL: the "MAC" starts, empty, at the very end */
  fail_unless_equals_int (mikey_message_auth_offset (m),
      sizeof (gst_mikey_null));

  b = serialize_ok (m);
  fail_unless_equals_int (g_bytes_get_size (b), sizeof (gst_mikey_null));
  fail_unless (memcmp (g_bytes_get_data (b, NULL), gst_mikey_null,
          sizeof (gst_mikey_null)) == 0);
  dump_corpus ("gst-mikey-null", gst_mikey_null, sizeof (gst_mikey_null));
  g_bytes_unref (b);
  mikey_message_free (m);
}

GST_END_TEST;


GST_START_TEST (test_bytes_pk)
{
  MikeyMessage *m = parse_ok (pk_bytes, sizeof (pk_bytes));
  MikeyPayload *p;
  GBytes *b;

  fail_unless_equals_int (m->hdr.data_type, MIKEY_DT_PK_INIT);
  fail_unless (m->hdr.v);
  fail_unless_equals_uint64 (m->hdr.csb_id, 0xcafebabe);
  fail_unless_equals_int (m->hdr.map_type, MIKEY_MAP_EMPTY);
  fail_unless_equals_int (m->hdr.n_cs_empty, 3);
  fail_unless_equals_int (m->hdr.cs->len, 0);
  fail_unless_equals_int (m->payloads->len, 8);

  p = g_ptr_array_index (m->payloads, 0);
  fail_unless_equals_int (p->u.t.ts_type, MIKEY_TS_COUNTER);
  fail_unless_equals_uint64 (p->u.t.value, 300);
  p = g_ptr_array_index (m->payloads, 1);
  fail_unless_equals_int (p->u.id.id_type, MIKEY_ID_URI);
  fail_unless (p->u.id.data.len == 7 &&
      memcmp (p->u.id.data.data, "sip:a@b", 7) == 0);
  p = g_ptr_array_index (m->payloads, 2);
  fail_unless_equals_int (p->u.cert.cert_type, MIKEY_CERT_X509V3);
  fail_unless_equals_int (p->u.cert.data.len, 3);
  p = g_ptr_array_index (m->payloads, 3);
  fail_unless_equals_int (p->u.chash.hash_func, MIKEY_HASH_MD5);
  fail_unless_equals_int (p->u.chash.hash.len, 16);
  fail_unless_equals_int (p->u.chash.hash.data[15], 0x5f);
  p = g_ptr_array_index (m->payloads, 4);
  fail_unless_equals_int (p->u.pke.cache, MIKEY_CACHE_FOR_CSB);
  fail_unless_equals_int (p->u.pke.data.len, 5);
  p = g_ptr_array_index (m->payloads, 5);
  fail_unless_equals_int (p->u.gen_ext.ext_type, MIKEY_EXT_SDP_IDS);
  fail_unless_equals_int (p->u.gen_ext.data.len, 3);
  p = g_ptr_array_index (m->payloads, 6);
  fail_unless_equals_int (p->u.kemac.enc_alg, MIKEY_ENC_AES_KW_128);
  fail_unless_equals_int (p->u.kemac.enc_data.len, 8);
  fail_unless_equals_int (p->u.kemac.mac_alg, MIKEY_MAC_HMAC_SHA1_160);
  fail_unless_equals_int (p->u.kemac.mac.data[0], 0x80);
  p = g_ptr_array_index (m->payloads, 7);
  fail_unless_equals_int (p->type, MIKEY_PT_SIGN);
  fail_unless_equals_int (p->u.sign.sign_type, MIKEY_SIGN_RSA_PSS);
  fail_unless_equals_int (p->u.sign.signature.len, 4);

  /* last authenticator is the SIGN: its signature starts at 102 */
  fail_unless_equals_int (mikey_message_auth_offset (m), 102);

  b = serialize_ok (m);
  fail_unless (g_bytes_get_size (b) == sizeof (pk_bytes) &&
      memcmp (g_bytes_get_data (b, NULL), pk_bytes, sizeof (pk_bytes)) == 0);
  dump_corpus ("pk", pk_bytes, sizeof (pk_bytes));
  g_bytes_unref (b);
  mikey_message_free (m);
}

GST_END_TEST;

/* A DH response with an ERR and a V payload, assembled field by field. */
GST_START_TEST (test_bytes_dh_err_v)
{
  GByteArray *a = g_byte_array_new ();
  MikeyMessage *m;
  MikeyPayload *p;
  GBytes *b;
  guint8 dh_value[96];
  guint i;

  /* HDR: version 1, type 5 (DH resp), next 3 (DH), V 0 | PRF 0, CSB ID,
   * #CS 2, SRTP-ID map with two entries */
  g_byte_array_append (a, (const guint8 *)
      "\x01\x05\x03\x00\x00\x00\x00\x2a\x02\x00", 10);
  g_byte_array_append (a, (const guint8 *)
      "\x01\x00\x00\x10\x00\x00\x00\x00\x05", 9);
  g_byte_array_append (a, (const guint8 *)
      "\x02\x00\x00\x00\x20\xff\xff\xff\xff", 9);
  /* DH (6.4) at 28: next 12 (ERR), group 1 (OAKLEY 1, 768 bits) */
  g_byte_array_append (a, (const guint8 *) "\x0c\x01", 2);
  for (i = 0; i < sizeof (dh_value); i++)
    dh_value[i] = 0xc0 ^ i;
  g_byte_array_append (a, dh_value, sizeof (dh_value));
  /* reserved 3 | KV 1 (SPI), SPI length 2, SPI */
  g_byte_array_append (a, (const guint8 *) "\x31\x02\xab\xcd", 4);
  /* ERR (6.12): next 9 (V), error 6 (invalid DH), reserved 0xbeef */
  g_byte_array_append (a, (const guint8 *) "\x09\x06\xbe\xef", 4);
  /* V (6.9): next 0, auth alg 1 (HMAC-SHA-1-160), MAC */
  g_byte_array_append (a, (const guint8 *) "\x00\x01", 2);
  for (i = 0; i < 20; i++)
    g_byte_array_append (a, (const guint8 *) "\x99", 1);

  m = parse_ok (a->data, a->len);
  fail_unless_equals_int (m->hdr.data_type, MIKEY_DT_DH_RESP);
  fail_unless_equals_uint64 (m->hdr.csb_id, 42);
  fail_unless_equals_int (m->hdr.cs->len, 2);
  fail_unless_equals_int (g_array_index (m->hdr.cs, MikeySrtpCs, 1).policy_no,
      2);
  fail_unless_equals_uint64 (g_array_index (m->hdr.cs, MikeySrtpCs, 1).ssrc,
      0x20);
  fail_unless_equals_uint64 (g_array_index (m->hdr.cs, MikeySrtpCs, 1).roc,
      0xffffffff);
  fail_unless_equals_uint64 (g_array_index (m->hdr.cs, MikeySrtpCs, 0).roc, 5);
  p = g_ptr_array_index (m->payloads, 0);
  fail_unless_equals_int (p->u.dh.group, MIKEY_DH_GROUP_OAKLEY1);
  fail_unless (p->u.dh.value.len == 96 &&
      memcmp (p->u.dh.value.data, dh_value, 96) == 0);
  fail_unless_equals_int (p->u.dh.reserved, 3);
  fail_unless_equals_int (p->u.dh.kv_type, MIKEY_KV_SPI);
  fail_unless (p->u.dh.kv_spi.len == 2 && p->u.dh.kv_spi.data[1] == 0xcd);
  p = g_ptr_array_index (m->payloads, 1);
  fail_unless_equals_int (p->u.err.err_no, MIKEY_ERR_INVALID_DH);
  fail_unless_equals_int (p->u.err.reserved, 0xbeef);
  p = g_ptr_array_index (m->payloads, 2);
  fail_unless_equals_int (p->u.v.mac_alg, MIKEY_MAC_HMAC_SHA1_160);
  fail_unless_equals_int (p->u.v.mac.data[19], 0x99);
  fail_unless_equals_int (mikey_message_auth_offset (m), a->len - 20);

  b = serialize_ok (m);
  fail_unless (g_bytes_get_size (b) == a->len &&
      memcmp (g_bytes_get_data (b, NULL), a->data, a->len) == 0);
  dump_corpus ("dh-err-v", a->data, a->len);
  g_bytes_unref (b);
  mikey_message_free (m);
  g_byte_array_unref (a);
}

GST_END_TEST;


GST_START_TEST (test_bytes_key_data)
{
  GError *err = NULL;
  GPtrArray *list;
  MikeyKeyData *kd;
  guint8 *buf;
  gsize len;

  list = mikey_key_data_parse_list (key_data_bytes, sizeof (key_data_bytes),
      0, &err);
  fail_unless (list != NULL, "%s", err ? err->message : "?");
  fail_unless_equals_int (list->len, 2);

  kd = &((MikeyPayload *) g_ptr_array_index (list, 0))->u.key_data;
  fail_unless_equals_int (kd->type, MIKEY_KD_TEK_SALT);
  fail_unless_equals_int (kd->kv_type, MIKEY_KV_SPI);
  fail_unless (kd->key.len == 16 && kd->key.data[15] == 0x0f);
  fail_unless (kd->salt.len == 14 && kd->salt.data[0] == 0x10);
  fail_unless (kd->kv_spi.len == 4 && kd->kv_spi.data[3] == 0x01);
  fail_unless (kd->kv_from.len == 0 && kd->kv_to.len == 0);

  kd = &((MikeyPayload *) g_ptr_array_index (list, 1))->u.key_data;
  fail_unless_equals_int (kd->type, MIKEY_KD_TGK_SALT);
  fail_unless_equals_int (kd->kv_type, MIKEY_KV_INTERVAL);
  fail_unless (kd->key.len == 4 && kd->key.data[0] == 0xf0);
  fail_unless_equals_int (kd->salt.len, 0);
  fail_unless (kd->kv_from.len == 2 && kd->kv_from.data[1] == 0x02);
  fail_unless (kd->kv_to.len == 3 && kd->kv_to.data[2] == 0x06);

  buf = mikey_key_data_serialize_list (list, &len, &err);
  fail_unless (buf != NULL);
  fail_unless (len == sizeof (key_data_bytes) &&
      memcmp (buf, key_data_bytes, len) == 0);
  mikey_secure_free (buf, len);
  g_ptr_array_unref (list);
}

GST_END_TEST;

/* --- captures from other implementations ------------------------------- */

/* The .b64 files of tests/check/data/ hold MIKEY messages captured from
 * GStreamer (RTSP server, gst_mikey_message_new_from_caps) and devices.
 * Each must parse, serialize to the same bytes and carry a parseable key
 * data list. */
GST_START_TEST (test_captures)
{
  const gchar *dir_name = g_getenv ("MIKEY_TEST_DATA");
  const gchar *name;
  GDir *dir;
  guint n = 0;

  if (!dir_name || !(dir = g_dir_open (dir_name, 0, NULL))) {
    GST_WARNING ("MIKEY_TEST_DATA not set or unreadable, skipping");
    return;
  }
  while ((name = g_dir_read_name (dir))) {
    gchar *path, *text;
    guint8 *data;
    gsize len;
    MikeyMessage *m;
    MikeyPayload *p;
    GBytes *b;
    GPtrArray *kds;
    GError *err = NULL;
    guint idx = 0;

    if (!g_str_has_suffix (name, ".b64"))
      continue;
    path = g_build_filename (dir_name, name, NULL);
    fail_unless (g_file_get_contents (path, &text, NULL, NULL));
    data = g_base64_decode (g_strstrip (text), &len);

    m = mikey_message_parse (data, len, &err);
    fail_unless (m != NULL, "%s: %s", name, err ? err->message : "?");
    b = serialize_ok (m);
    fail_unless (g_bytes_get_size (b) == len &&
        memcmp (g_bytes_get_data (b, NULL), data, len) == 0,
        "%s does not round-trip", name);
    while ((p = mikey_message_find (m, MIKEY_PT_KEMAC, &idx))) {
      if (p->u.kemac.enc_alg == MIKEY_ENC_NULL) {
        kds = mikey_key_data_parse_list (p->u.kemac.enc_data.data,
            p->u.kemac.enc_data.len, 0, &err);
        fail_unless (kds != NULL && kds->len > 0, "%s: %s", name,
            err ? err->message : "no key data");
        g_ptr_array_unref (kds);
      }
      idx++;
    }
    GST_INFO ("%s: %" G_GSIZE_FORMAT " bytes, %u payloads, round-trips",
        name, len, m->payloads->len);
    n++;

    g_bytes_unref (b);
    mikey_message_free (m);
    g_free (data);
    g_free (text);
    g_free (path);
  }
  g_dir_close (dir);
  GST_INFO ("%u captures checked", n);
}

GST_END_TEST;

/* --- model helpers ----------------------------------------------------- */

GST_START_TEST (test_model)
{
  MikeyBlob a = { 0, }, b = { 0, };

  mikey_blob_set (&a, (const guint8 *) "abc", 3);
  mikey_blob_set (&b, (const guint8 *) "abc", 3);
  fail_unless (mikey_blob_equal (&a, &b));
  mikey_blob_set (&b, (const guint8 *) "abd", 3);
  fail_if (mikey_blob_equal (&a, &b));
  /* setting a blob from its own bytes */
  mikey_blob_set (&a, a.data + 1, 2);
  fail_unless (a.len == 2 && a.data[0] == 'b');
  mikey_blob_clear (&a);
  fail_unless (a.data == NULL && a.len == 0);
  mikey_blob_clear (&b);
  fail_unless (mikey_blob_equal (&a, &b));
  mikey_secure_free (NULL, 10);

  fail_unless_equals_string (mikey_payload_type_name (MIKEY_PT_KEMAC), "KEMAC");
  fail_unless_equals_string (mikey_payload_type_name (13), "unknown");
  fail_unless_equals_string (mikey_data_type_name (MIKEY_DT_PSK_INIT),
      "PSK init");
  fail_unless_equals_string (mikey_data_type_name (200), "unknown");
  fail_unless_equals_string (mikey_err_type_name (MIKEY_ERR_INVALID_MAC),
      "Invalid MAC");
  fail_unless_equals_string (mikey_err_type_name (13), "unknown");

  fail_unless_equals_int (mikey_mac_len (MIKEY_MAC_NULL), 0);
  fail_unless_equals_int (mikey_mac_len (MIKEY_MAC_HMAC_SHA1_160), 20);
  fail_unless_equals_int (mikey_mac_len (2), -1);
  fail_unless_equals_int (mikey_dh_value_len (3), -1);
  fail_unless_equals_int (mikey_hash_len (2), -1);
  fail_unless_equals_int (mikey_ts_len (3), -1);

  {
    MikeyMessage *m = mikey_message_new ();

    fail_unless_equals_int (m->hdr.version, MIKEY_VERSION);
    fail_unless (m->hdr.cs != NULL && m->payloads != NULL);
    fail_unless_equals_int (mikey_message_auth_offset (m), -1);
    fail_unless (mikey_message_find (m, MIKEY_PT_T, NULL) == NULL);
    mikey_message_free (m);
    mikey_message_free (NULL);
    mikey_payload_free (NULL);
  }
}

GST_END_TEST;

static Suite *
codec_suite (void)
{
  Suite *s = suite_create ("mikey-codec");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_model);
  tcase_add_test (tc, test_hdr_cs_map);
  tcase_add_test (tc, test_kemac);
  tcase_add_test (tc, test_pke);
  tcase_add_test (tc, test_dh);
  tcase_add_test (tc, test_sign);
  tcase_add_test (tc, test_t);
  tcase_add_test (tc, test_id_cert_chash);
  tcase_add_test (tc, test_v);
  tcase_add_test (tc, test_sp);
  tcase_add_test (tc, test_rand_err_ext);
  tcase_add_test (tc, test_key_data_list);
  tcase_add_test (tc, test_all_payloads);
  tcase_add_test (tc, test_bytes_gst_mikey_null);
  tcase_add_test (tc, test_bytes_pk);
  tcase_add_test (tc, test_bytes_dh_err_v);
  tcase_add_test (tc, test_bytes_key_data);
  tcase_add_test (tc, test_captures);
  return s;
}

GST_CHECK_MAIN (codec);
