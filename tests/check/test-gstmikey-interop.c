/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Interop with GStreamer's own MIKEY code (gst-plugins-base, gstmikey.h).
 *
 * GStreamer's RTSP server and rtspsrc make and read MIKEY-NULL messages with
 * gst_mikey_message_new_from_caps / gst_mikey_message_to_caps. That code was
 * written independently of ours, so it is the best peer we can run in
 * memory:
 *  - a message GStreamer makes decodes in ours to the same key, salt, SSRC,
 *    ROC and srtpdec cipher/auth names, for every suite GStreamer knows;
 *  - our codec re-serializes GStreamer's messages byte for byte;
 *  - our MIKEY-NULL message (MikeyInitiator, mode NULL, TEK given) parses in
 *    GStreamer, and gst_mikey_message_to_caps gives back the same srtp-key,
 *    cipher and auth (hmac-sha1-32 included, see check_gst_auth);
 *  - our parser reads our own messages back to the same suite.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/sdp/gstmikey.h>

#include "mikey-message.h"
#include "mikey-exchange.h"
#include "mikey-srtp.h"
#include "mikey-suite.h"

typedef struct
{
  const gchar *suite;           /* our SDES name */
  const gchar *cipher;          /* srtpenc/srtpdec nick, as GStreamer's caps */
  const gchar *auth;
  guint key_len;
  guint salt_len;
} SuiteCase;

/* Every suite both GStreamer 1.22's gstmikey and srtpenc know */
static const SuiteCase suite_cases[] = {
  {"AES_CM_128_HMAC_SHA1_80", "aes-128-icm", "hmac-sha1-80", 16, 14},
  {"AES_CM_128_HMAC_SHA1_32", "aes-128-icm", "hmac-sha1-32", 16, 14},
  {"AES_256_CM_HMAC_SHA1_80", "aes-256-icm", "hmac-sha1-80", 32, 14},
  {"AEAD_AES_128_GCM", "aes-128-gcm", "null", 16, 12},
  {"AEAD_AES_256_GCM", "aes-256-gcm", "null", 32, 12},
};

#define TEST_SSRC 0xcafe1234u
#define TEST_ROC 0x00010203u

/* A recognizable key || salt */
static void
fill_key (guint8 * buf, gsize len, guint8 seed)
{
  gsize i;

  for (i = 0; i < len; i++)
    buf[i] = (guint8) (seed + 7 * i);
}

/* What GStreamer's RTSP server and rtspsrc do: new_from_caps, then one
 * crypto session per SSRC (new_from_caps itself leaves the CS map empty). */
static GBytes *
gst_make_message (const SuiteCase * c, const guint8 * key, gsize key_len,
    guint n_cs)
{
  GstMIKEYMessage *msg;
  GstBuffer *buf;
  GstCaps *caps;
  GBytes *bytes;
  GError *err = NULL;
  guint i;

  buf = gst_buffer_new_memdup (key, key_len);
  caps = gst_caps_new_simple ("application/x-srtp",
      "srtp-key", GST_TYPE_BUFFER, buf,
      "srtp-cipher", G_TYPE_STRING, c->cipher,
      "srtp-auth", G_TYPE_STRING, c->auth,
      "srtcp-cipher", G_TYPE_STRING, c->cipher,
      "srtcp-auth", G_TYPE_STRING, c->auth,
      "ssrc", G_TYPE_UINT, TEST_SSRC, "roc", G_TYPE_UINT, TEST_ROC, NULL);
  gst_buffer_unref (buf);

  msg = gst_mikey_message_new_from_caps (caps);
  gst_caps_unref (caps);
  fail_unless (msg != NULL, "GStreamer cannot make a message for %s", c->suite);
  for (i = 0; i < n_cs; i++)
    fail_unless (gst_mikey_message_add_cs_srtp (msg, 0, TEST_SSRC + i,
            TEST_ROC + i));

  bytes = gst_mikey_message_to_bytes (msg, NULL, &err);
  fail_unless (bytes != NULL, "gst_mikey_message_to_bytes: %s",
      err ? err->message : "?");
  gst_mikey_message_unref (msg);
  return bytes;
}

static const SuiteCase *
loop_case (int i)
{
  fail_unless (i >= 0 && i < (int) G_N_ELEMENTS (suite_cases));
  return &suite_cases[i];
}

/* ------------------------------------------------------------------------
 * GStreamer -> ours
 * ---------------------------------------------------------------------- */

GST_START_TEST (test_gst_message_decodes_in_ours)
{
  const SuiteCase *c = loop_case (__i__);
  guint8 key[MIKEY_MAX_MASTER_KEY + MIKEY_MAX_MASTER_SALT];
  gsize key_len = c->key_len + c->salt_len;
  g_autoptr (GError) err = NULL;
  MikeyMessage *msg;
  GPtrArray *kd;
  GArray *params;
  GBytes *bytes;
  const guint8 *data;
  gsize len;
  guint n_cs;

  GST_INFO ("suite %s", c->suite);
  fill_key (key, key_len, 0x40);

  /* with none (new_from_caps alone), with the one crypto session the RTSP
   * server (stream SSRC) and rtspsrc (its RTCP SSRC) add, and with two */
  for (n_cs = 0; n_cs <= 2; n_cs++) {
    const MikeySrtpParams *p;
    guint i;

    bytes = gst_make_message (c, key, key_len, n_cs);
    data = g_bytes_get_data (bytes, &len);

    msg = mikey_message_parse (data, len, &err);
    fail_unless (msg != NULL, "%s: %s", c->suite, err ? err->message : "");
    kd = mikey_psk_open_kemac (msg, data, len, NULL, 0, &err);
    fail_unless (kd != NULL, "%s: %s", c->suite, err ? err->message : "");
    params = mikey_srtp_params_from_message (msg, kd, NULL, 0, &err);
    fail_unless (params != NULL, "%s: %s", c->suite, err ? err->message : "");

    fail_unless_equals_int (params->len, MAX (n_cs, 1));
    for (i = 0; i < params->len; i++) {
      p = &g_array_index (params, MikeySrtpParams, i);

      fail_unless_equals_string (p->suite->name, c->suite);
      fail_unless_equals_string (mikey_srtp_params_rtp_cipher (p), c->cipher);
      fail_unless_equals_string (mikey_srtp_params_rtcp_cipher (p), c->cipher);
      fail_unless_equals_string (mikey_srtp_params_rtp_auth (p), c->auth);
      fail_unless_equals_string (mikey_srtp_params_rtcp_auth (p), c->auth);
      fail_unless_equals_int (p->key_len, c->key_len);
      fail_unless_equals_int (p->salt_len, c->salt_len);
      fail_unless (memcmp (p->key, key, c->key_len) == 0);
      fail_unless (memcmp (p->salt, key + c->key_len, c->salt_len) == 0);
      fail_unless_equals_int (p->mki_len, 0);
      if (n_cs == 0) {
        fail_if (p->has_ssrc);
      } else {
        fail_unless (p->has_ssrc);
        fail_unless_equals_uint64 (p->ssrc, TEST_SSRC + i);
        fail_unless_equals_uint64 (p->roc, TEST_ROC + i);
      }
    }

    g_array_unref (params);
    g_ptr_array_unref (kd);
    mikey_message_free (msg);
    g_bytes_unref (bytes);
  }
}

GST_END_TEST;

/* Parse then serialize gives GStreamer's bytes back: nothing it sends is
 * lost or normalized by our codec. */
GST_START_TEST (test_gst_message_reserializes_identically)
{
  const SuiteCase *c = loop_case (__i__);
  guint8 key[MIKEY_MAX_MASTER_KEY + MIKEY_MAX_MASTER_SALT];
  gsize key_len = c->key_len + c->salt_len;
  g_autoptr (GError) err = NULL;
  guint n_cs;

  fill_key (key, key_len, 0x91);
  for (n_cs = 0; n_cs <= 3; n_cs++) {
    GBytes *bytes = gst_make_message (c, key, key_len, n_cs);
    MikeyMessage *msg;
    GBytes *again;

    msg = mikey_message_parse (g_bytes_get_data (bytes, NULL),
        g_bytes_get_size (bytes), &err);
    fail_unless (msg != NULL, "%s: %s", c->suite, err ? err->message : "");
    again = mikey_message_serialize (msg, &err);
    fail_unless (again != NULL, "%s: %s", c->suite, err ? err->message : "");
    fail_unless (g_bytes_equal (bytes, again),
        "%s with %u CS: re-serialization differs", c->suite, n_cs);
    g_bytes_unref (again);
    mikey_message_free (msg);
    g_bytes_unref (bytes);
  }
}

GST_END_TEST;

/* A message GStreamer's own serializer makes with payloads new_from_caps
 * never uses (KV SPI, TEK+SALT, interval, several key data). */
GST_START_TEST (test_gst_handmade_message_decodes_in_ours)
{
  static const guint8 key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
    14, 15, 16
  };
  static const guint8 salt[14] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
    0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae
  };
  static const guint8 mki[4] = { 0xde, 0xad, 0xbe, 0xef };
  g_autoptr (GError) err = NULL;
  GstMIKEYMessage *gmsg;
  GstMIKEYPayload *kemac, *kd, *t;
  guint8 ntp[8] = { 0xe9, 0xb5, 0xc2, 0xa0, 0x7d, 0x70, 0xa3, 0xd7 };
  MikeyMessage *msg;
  GPtrArray *kds;
  GArray *params;
  GBytes *bytes, *again;
  const MikeySrtpParams *p;
  const guint8 *data;
  gsize len;

  gmsg = gst_mikey_message_new ();
  gst_mikey_message_set_info (gmsg, GST_MIKEY_VERSION,
      GST_MIKEY_TYPE_PSK_INIT, FALSE, GST_MIKEY_PRF_MIKEY_1, 0x01020304,
      GST_MIKEY_MAP_TYPE_SRTP);
  gst_mikey_message_add_cs_srtp (gmsg, 0, 0x11223344, 9);
  t = gst_mikey_payload_new (GST_MIKEY_PT_T);
  gst_mikey_payload_t_set (t, GST_MIKEY_TS_TYPE_NTP_UTC, ntp);
  gst_mikey_message_add_payload (gmsg, t);
  gst_mikey_message_add_rand_len (gmsg, 16);

  kemac = gst_mikey_payload_new (GST_MIKEY_PT_KEMAC);
  gst_mikey_payload_kemac_set (kemac, GST_MIKEY_ENC_NULL, GST_MIKEY_MAC_NULL);
  kd = gst_mikey_payload_new (GST_MIKEY_PT_KEY_DATA);
  gst_mikey_payload_key_data_set_key (kd, GST_MIKEY_KD_TEK, sizeof (key), key);
  gst_mikey_payload_key_data_set_salt (kd, sizeof (salt), salt);
  gst_mikey_payload_key_data_set_spi (kd, sizeof (mki), mki);
  gst_mikey_payload_kemac_add_sub (kemac, kd);
  gst_mikey_message_add_payload (gmsg, kemac);

  bytes = gst_mikey_message_to_bytes (gmsg, NULL, &err);
  fail_unless (bytes != NULL);
  gst_mikey_message_unref (gmsg);
  data = g_bytes_get_data (bytes, &len);

  msg = mikey_message_parse (data, len, &err);
  fail_unless (msg != NULL, "%s", err ? err->message : "");
  again = mikey_message_serialize (msg, &err);
  fail_unless (again != NULL && g_bytes_equal (bytes, again));
  g_bytes_unref (again);

  kds = mikey_psk_open_kemac (msg, data, len, NULL, 0, &err);
  fail_unless (kds != NULL, "%s", err ? err->message : "");
  /* no SP payload: RFC 3830 defaults, AES_CM_128_HMAC_SHA1_80 */
  params = mikey_srtp_params_from_message (msg, kds, NULL, 0, &err);
  fail_unless (params != NULL, "%s", err ? err->message : "");
  fail_unless_equals_int (params->len, 1);
  p = &g_array_index (params, MikeySrtpParams, 0);
  fail_unless_equals_string (p->suite->name, "AES_CM_128_HMAC_SHA1_80");
  fail_unless_equals_uint64 (p->ssrc, 0x11223344);
  fail_unless_equals_uint64 (p->roc, 9);
  fail_unless (p->key_len == 16 && memcmp (p->key, key, 16) == 0);
  fail_unless (p->salt_len == 14 && memcmp (p->salt, salt, 14) == 0);
  fail_unless (p->mki_len == 4 && memcmp (p->mki, mki, 4) == 0);

  g_array_unref (params);
  g_ptr_array_unref (kds);
  mikey_message_free (msg);
  g_bytes_unref (bytes);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * ours -> GStreamer
 * ---------------------------------------------------------------------- */

static GBytes *
our_null_message (const SuiteCase * c, const guint8 * tek, gsize tek_len,
    const guint8 * mki, gsize mki_len, const MikeySrtpCs * cs, guint n_cs)
{
  MikeyInitiatorConfig cfg = { 0 };
  g_autoptr (GError) err = NULL;
  MikeyInitiator *init;
  GBytes *bytes;

  cfg.mode = MIKEY_MODE_NULL;
  cfg.suite = mikey_suite_lookup (c->suite);
  fail_unless (cfg.suite != NULL, "no suite %s", c->suite);
  cfg.tek = tek;
  cfg.tek_len = tek_len;
  cfg.mki = mki;
  cfg.mki_len = mki_len;
  cfg.cs = cs;
  cfg.n_cs = n_cs;

  init = mikey_initiator_new (&cfg, &err);
  fail_unless (init != NULL, "%s: %s", c->suite, err ? err->message : "");
  bytes = mikey_initiator_start (init, g_get_real_time (), &err);
  fail_unless (bytes != NULL, "%s: %s", c->suite, err ? err->message : "");
  fail_unless_equals_int (mikey_initiator_get_state (init),
      MIKEY_STATE_COMPLETE);
  mikey_initiator_free (init);
  return bytes;
}

static void
check_buffer_field (const GstStructure * s, const gchar * field,
    const guint8 * expect, gsize len)
{
  const GValue *v = gst_structure_get_value (s, field);
  GstBuffer *buf;
  GstMapInfo map;

  fail_unless (v != NULL, "no %s in %" GST_PTR_FORMAT, field, s);
  buf = gst_value_get_buffer (v);
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  fail_unless_equals_int (map.size, len);
  fail_unless (memcmp (map.data, expect, len) == 0, "%s differs", field);
  gst_buffer_unmap (buf, &map);
}

/* GStreamer (up to at least 1.24) reads the HMAC tag length from the SP
 * "auth key length" parameter (4 -> hmac-sha1-32, 10 -> hmac-sha1-80) and
 * ignores "auth tag length". Our AES_CM_128_HMAC_SHA1_32 SP therefore
 * carries 4 in both: GStreamer must read hmac-sha1-32, nothing else. */
static void
check_gst_auth (const SuiteCase * c, const gchar * auth)
{
  fail_unless_equals_string (auth, c->auth);
}

GST_START_TEST (test_our_null_message_parses_in_gst)
{
  const SuiteCase *c = loop_case (__i__);
  static const guint8 mki[4] = { 0, 0, 0, 7 };
  guint8 tek[MIKEY_MAX_MASTER_KEY + MIKEY_MAX_MASTER_SALT];
  gsize tek_len = c->key_len + c->salt_len;
  MikeySrtpCs cs[2] = { {0, 0x0a0b0c0d, 5}, {0, 0x01020304, 6} };
  g_autoptr (GError) err = NULL;
  GstMIKEYMessage *gmsg;
  const GstMIKEYMapSRTP *map;
  const GstMIKEYPayload *kemac, *sub;
  const GstMIKEYPayloadKeyData *pkd;
  GstCaps *caps;
  GstStructure *s;
  GBytes *bytes;

  GST_INFO ("suite %s", c->suite);
  fill_key (tek, tek_len, 0x17);
  bytes = our_null_message (c, tek, tek_len, mki, sizeof (mki), cs, 2);

  gmsg = gst_mikey_message_new_from_bytes (bytes, NULL, &err);
  fail_unless (gmsg != NULL, "GStreamer refuses our %s message: %s",
      c->suite, err ? err->message : "?");

  fail_unless_equals_int (gst_mikey_message_get_n_cs (gmsg), 2);
  map = gst_mikey_message_get_cs_srtp (gmsg, 0);
  fail_unless_equals_uint64 (map->ssrc, 0x0a0b0c0d);
  fail_unless_equals_uint64 (map->roc, 5);
  map = gst_mikey_message_get_cs_srtp (gmsg, 1);
  fail_unless_equals_uint64 (map->ssrc, 0x01020304);
  fail_unless_equals_uint64 (map->roc, 6);

  /* the MKI, which GStreamer parses but never uses */
  kemac = gst_mikey_message_find_payload (gmsg, GST_MIKEY_PT_KEMAC, 0);
  fail_unless (kemac != NULL);
  sub = gst_mikey_payload_kemac_get_sub (kemac, 0);
  fail_unless (sub != NULL && sub->type == GST_MIKEY_PT_KEY_DATA);
  pkd = (const GstMIKEYPayloadKeyData *) sub;
  fail_unless_equals_int (pkd->kv_type, GST_MIKEY_KV_SPI);
  fail_unless_equals_int (pkd->kv_len[0], sizeof (mki));
  fail_unless (memcmp (pkd->kv_data[0], mki, sizeof (mki)) == 0);

  /* what rtspsrc hands to srtpdec */
  caps = gst_caps_new_empty_simple ("application/x-srtp");
  fail_unless (gst_mikey_message_to_caps (gmsg, caps));
  s = gst_caps_get_structure (caps, 0);
  GST_INFO ("GStreamer reads %" GST_PTR_FORMAT, caps);
  check_buffer_field (s, "srtp-key", tek, tek_len);
  fail_unless_equals_string (gst_structure_get_string (s, "srtp-cipher"),
      c->cipher);
  fail_unless_equals_string (gst_structure_get_string (s, "srtcp-cipher"),
      c->cipher);
  check_gst_auth (c, gst_structure_get_string (s, "srtp-auth"));
  check_gst_auth (c, gst_structure_get_string (s, "srtcp-auth"));

  gst_caps_unref (caps);
  gst_mikey_message_unref (gmsg);
  g_bytes_unref (bytes);
}

GST_END_TEST;

/* Without crypto sessions (one session, empty SRTP-ID map), as
 * new_from_caps makes it before a crypto session is added. */
GST_START_TEST (test_our_null_message_without_cs_parses_in_gst)
{
  const SuiteCase *c = &suite_cases[0];
  guint8 tek[30];
  g_autoptr (GError) err = NULL;
  GstMIKEYMessage *gmsg;
  GstCaps *caps;
  GBytes *bytes;

  fill_key (tek, sizeof (tek), 0x33);
  bytes = our_null_message (c, tek, sizeof (tek), NULL, 0, NULL, 0);
  gmsg = gst_mikey_message_new_from_bytes (bytes, NULL, &err);
  fail_unless (gmsg != NULL, "%s", err ? err->message : "?");
  fail_unless_equals_int (gst_mikey_message_get_n_cs (gmsg), 0);

  caps = gst_caps_new_empty_simple ("application/x-srtp");
  fail_unless (gst_mikey_message_to_caps (gmsg, caps));
  check_buffer_field (gst_caps_get_structure (caps, 0), "srtp-key", tek,
      sizeof (tek));

  gst_caps_unref (caps);
  gst_mikey_message_unref (gmsg);
  g_bytes_unref (bytes);
}

GST_END_TEST;

/* GStreamer re-serializes our message to the same bytes: it lost nothing
 * of what we sent. */
GST_START_TEST (test_our_null_message_reserializes_in_gst)
{
  const SuiteCase *c = loop_case (__i__);
  static const guint8 mki[2] = { 0x12, 0x34 };
  guint8 tek[MIKEY_MAX_MASTER_KEY + MIKEY_MAX_MASTER_SALT];
  gsize tek_len = c->key_len + c->salt_len;
  MikeySrtpCs cs = { 0, 0xfeedface, 0 };
  g_autoptr (GError) err = NULL;
  GstMIKEYMessage *gmsg;
  GBytes *bytes, *again;

  fill_key (tek, tek_len, 0x5a);
  bytes = our_null_message (c, tek, tek_len, mki, sizeof (mki), &cs, 1);
  gmsg = gst_mikey_message_new_from_bytes (bytes, NULL, &err);
  fail_unless (gmsg != NULL, "%s", err ? err->message : "?");
  again = gst_mikey_message_to_bytes (gmsg, NULL, &err);
  fail_unless (again != NULL);
  fail_unless (g_bytes_equal (bytes, again),
      "GStreamer re-serializes our %s message differently", c->suite);

  g_bytes_unref (again);
  gst_mikey_message_unref (gmsg);
  g_bytes_unref (bytes);
}

GST_END_TEST;

/* The layout that GStreamer reads right still reads right in ours: same
 * suite, key and salt, for every suite. */
GST_START_TEST (test_our_null_message_decodes_in_ours)
{
  const SuiteCase *c = loop_case (__i__);
  guint8 tek[MIKEY_MAX_MASTER_KEY + MIKEY_MAX_MASTER_SALT];
  gsize tek_len = c->key_len + c->salt_len;
  MikeySrtpCs cs = { 0, 0x0badcafe, 3 };
  g_autoptr (GError) err = NULL;
  const MikeySrtpParams *p;
  MikeyMessage *msg;
  GPtrArray *kd;
  GArray *params;
  GBytes *bytes;
  const guint8 *data;
  gsize len;

  fill_key (tek, tek_len, 0x6c);
  bytes = our_null_message (c, tek, tek_len, NULL, 0, &cs, 1);
  data = g_bytes_get_data (bytes, &len);
  msg = mikey_message_parse (data, len, &err);
  fail_unless (msg != NULL, "%s: %s", c->suite, err ? err->message : "");
  kd = mikey_psk_open_kemac (msg, data, len, NULL, 0, &err);
  fail_unless (kd != NULL, "%s: %s", c->suite, err ? err->message : "");
  params = mikey_srtp_params_from_message (msg, kd, NULL, 0, &err);
  fail_unless (params != NULL, "%s: %s", c->suite, err ? err->message : "");
  fail_unless_equals_int (params->len, 1);
  p = &g_array_index (params, MikeySrtpParams, 0);
  fail_unless_equals_string (p->suite->name, c->suite);
  fail_unless_equals_string (mikey_srtp_params_rtp_auth (p), c->auth);
  fail_unless (p->key_len == c->key_len && memcmp (p->key, tek,
          c->key_len) == 0);
  fail_unless (p->salt_len == c->salt_len && memcmp (p->salt,
          tek + c->key_len, c->salt_len) == 0);
  fail_unless_equals_uint64 (p->ssrc, 0x0badcafe);

  g_array_unref (params);
  g_ptr_array_unref (kd);
  mikey_message_free (msg);
  g_bytes_unref (bytes);
}

GST_END_TEST;

static Suite *
gstmikey_interop_suite (void)
{
  Suite *s = suite_create ("gstmikey-interop");
  TCase *tc = tcase_create ("general");
  gint n = G_N_ELEMENTS (suite_cases);

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_gst_message_decodes_in_ours, 0, n);
  tcase_add_loop_test (tc, test_gst_message_reserializes_identically, 0, n);
  tcase_add_test (tc, test_gst_handmade_message_decodes_in_ours);
  tcase_add_loop_test (tc, test_our_null_message_parses_in_gst, 0, n);
  tcase_add_test (tc, test_our_null_message_without_cs_parses_in_gst);
  tcase_add_loop_test (tc, test_our_null_message_reserializes_in_gst, 0, n);
  tcase_add_loop_test (tc, test_our_null_message_decodes_in_ours, 0, n);
  return s;
}

GST_CHECK_MAIN (gstmikey_interop);
