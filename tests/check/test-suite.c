/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SRTP crypto suites, SP payload mapping and SRTP parameters. */
#include <gst/check/gstcheck.h>
#include <string.h>

#include "mikey-suite.h"
#include "mikey-negotiate.h"
#include "mikey-srtp.h"
#include "mikey-crypto.h"

GST_START_TEST (test_lookup)
{
  const MikeySuiteInfo *s;

  s = mikey_suite_lookup ("AES_CM_128_HMAC_SHA1_80");
  fail_unless (s != NULL);
  fail_unless_equals_string (s->cipher, "aes-128-icm");
  fail_unless_equals_string (s->auth, "hmac-sha1-80");
  fail_unless_equals_int (s->key_len + s->salt_len, 30);

  fail_unless (mikey_suite_lookup ("aes_cm_128_hmac_sha1_32")->auth_tag_len
      == 4);
  fail_unless (mikey_suite_lookup ("AES_F8_128_HMAC_SHA1_80") ==
      mikey_suite_lookup ("F8_128_HMAC_SHA1_80"));
  fail_if (mikey_suite_lookup ("F8_128_HMAC_SHA1_80")->engine_supported);

  s = mikey_suite_lookup ("AEAD_AES_256_GCM");
  fail_unless_equals_string (s->cipher, "aes-256-gcm");
  fail_unless_equals_string (s->auth, "null");
  fail_unless_equals_int (s->salt_len, 12);

  fail_unless (mikey_suite_lookup ("AES_CM_128_HMAC_SHA1_81") == NULL);
  fail_unless (mikey_suite_lookup (NULL) == NULL);
}

GST_END_TEST;

GST_START_TEST (test_sp_round_trip)
{
  guint i;

  for (i = 0; i < MIKEY_SUITE_COUNT; i++) {
    const MikeySuiteInfo *s = mikey_suite_get (i);
    MikeyPayload *sp = mikey_suite_to_sp (s, 3);
    gboolean enc = FALSE, rtcp = FALSE, auth = FALSE;
    guint kdr = 99;
    GError *err = NULL;

    fail_unless_equals_int (sp->u.sp.policy_no, 3);
    fail_unless (mikey_suite_from_sp (sp, &enc, &rtcp, &auth, &kdr, &err) ==
        s, "%s: %s", s->name, err ? err->message : "");
    fail_unless (enc && rtcp && auth);
    fail_unless_equals_int (kdr, 0);
    mikey_payload_free (sp);
  }
}

GST_END_TEST;

GST_START_TEST (test_sp_defaults_and_gstreamer_quirk)
{
  MikeyPayload *sp;
  const MikeySuiteInfo *s;

  /* no SP at all: RFC 3830 defaults */
  s = mikey_suite_from_sp (NULL, NULL, NULL, NULL, NULL, NULL);
  fail_unless (s == mikey_suite_get (MIKEY_SUITE_AES_CM_128_HMAC_SHA1_80));

  /* what gst_mikey_message_new_from_caps sends for hmac-sha1-32: the tag
   * length in the auth key length parameter */
  sp = mikey_payload_new (MIKEY_PT_SP);
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_ENC_ALG, 1);
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_ENC_KEY_LEN, 16);
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_AUTH_ALG, 1);
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_AUTH_KEY_LEN, 4);
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_SRTP_ENC, 1);
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_SRTCP_ENC, 1);
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_SRTP_AUTH, 1);
  s = mikey_suite_from_sp (sp, NULL, NULL, NULL, NULL, NULL);
  fail_unless (s == mikey_suite_get (MIKEY_SUITE_AES_CM_128_HMAC_SHA1_32));
  mikey_payload_free (sp);
}

GST_END_TEST;

/* The value of the first parameter @type in @sp, -1 when absent */
static gint
sp_param (const MikeyPayload * sp, guint8 type)
{
  guint i;

  for (i = 0; i < sp->u.sp.params->len; i++) {
    const MikeySpParam *p = &g_array_index (sp->u.sp.params, MikeySpParam, i);

    if (p->type == type && p->value.len == 1)
      return p->value.data[0];
  }
  return -1;
}

static MikeyPayload *
sp_with_auth_lengths (gint auth_key_len, gint tag_len)
{
  MikeyPayload *sp = mikey_payload_new (MIKEY_PT_SP);

  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_ENC_ALG, 1);
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_ENC_KEY_LEN, 16);
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_AUTH_ALG, 1);
  if (auth_key_len >= 0)
    mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_AUTH_KEY_LEN, auth_key_len);
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_SALT_KEY_LEN, 14);
  if (tag_len >= 0)
    mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_AUTH_TAG_LEN, tag_len);
  return sp;
}

/* The layout we send for AES_CM_128_HMAC_SHA1_32 (auth key length 4 for
 * GStreamer, tag length 4 for everyone else), and what we read: ours, the
 * RFC 3830 one, GStreamer's; a tag length contradicting the short auth
 * key length is no suite. */
GST_START_TEST (test_sp_sha1_32_layout)
{
  const MikeySuiteInfo *sha32 =
      mikey_suite_get (MIKEY_SUITE_AES_CM_128_HMAC_SHA1_32);
  const MikeySuiteInfo *sha80 =
      mikey_suite_get (MIKEY_SUITE_AES_CM_128_HMAC_SHA1_80);
  struct
  {
    gint auth_key_len, tag_len;
    const MikeySuiteInfo *expect;
  } cases[] = {
    {4, 4, sha32},              /* ours */
    {20, 4, sha32},             /* RFC 3830 */
    {4, -1, sha32},             /* GStreamer */
    {10, -1, sha80},            /* GStreamer */
    {10, 10, sha80},
    {20, 10, sha80},
    {4, 10, NULL},
    {10, 4, NULL},
    {16, 4, NULL},
  };
  MikeyPayload *sp;
  guint i;

  sp = mikey_suite_to_sp (sha32, 0);
  fail_unless_equals_int (sp_param (sp, MIKEY_SP_SRTP_AUTH_KEY_LEN), 4);
  fail_unless_equals_int (sp_param (sp, MIKEY_SP_SRTP_AUTH_TAG_LEN), 4);
  mikey_payload_free (sp);
  sp = mikey_suite_to_sp (sha80, 0);
  fail_unless_equals_int (sp_param (sp, MIKEY_SP_SRTP_AUTH_KEY_LEN), 20);
  fail_unless_equals_int (sp_param (sp, MIKEY_SP_SRTP_AUTH_TAG_LEN), 10);
  mikey_payload_free (sp);

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GError *err = NULL;

    sp = sp_with_auth_lengths (cases[i].auth_key_len, cases[i].tag_len);
    fail_unless (mikey_suite_from_sp (sp, NULL, NULL, NULL, NULL, &err) ==
        cases[i].expect, "case %u", i);
    if (cases[i].expect == NULL)
      fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED));
    g_clear_error (&err);
    mikey_payload_free (sp);
  }
}

GST_END_TEST;

GST_START_TEST (test_sp_refusals)
{
  struct
  {
    guint8 type, value;
    const gchar *expect;
  } cases[] = {
    {MIKEY_SP_SRTP_KEY_DERIV_RATE, 24, "key derivation rate"},
    {MIKEY_SP_SRTP_PRF, 1, "PRF"},
    {MIKEY_SP_SRTP_ENC_KEY_LEN, 24, "no supported"},
    {MIKEY_SP_SRTP_AUTH_TAG_LEN, 12, "no supported"},
    {MIKEY_SP_SRTP_ENC_ALG, 9, "no supported"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    MikeyPayload *sp = mikey_payload_new (MIKEY_PT_SP);
    GError *err = NULL;

    mikey_sp_add_param_u8 (sp, cases[i].type, cases[i].value);
    fail_unless (mikey_suite_from_sp (sp, NULL, NULL, NULL, NULL,
            &err) == NULL);
    fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED));
    fail_unless (strstr (err->message, cases[i].expect) != NULL, "%s",
        err->message);
    g_clear_error (&err);
    mikey_payload_free (sp);
  }
}

GST_END_TEST;

static MikeyMessage *
message_with_key (guint8 kd_type, const guint8 * key, gsize key_len,
    const guint8 * salt, gsize salt_len, GPtrArray ** kd_list)
{
  MikeyMessage *msg = mikey_message_new ();
  MikeyPayload *kd, *rand;
  static const guint8 r[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
    14, 15, 16
  };

  msg->hdr.version = 1;
  msg->hdr.csb_id = 0x01020304;
  mikey_message_add_cs_srtp (msg, 0, 0xcafe, 3);
  mikey_message_add_cs_srtp (msg, 0, 0xbabe, 4);
  rand = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_RAND));
  mikey_blob_set (&rand->u.rand.rand, r, sizeof (r));
  kd = mikey_payload_new (MIKEY_PT_KEY_DATA);
  kd->u.key_data.type = kd_type;
  mikey_blob_set (&kd->u.key_data.key, key, key_len);
  if (salt)
    mikey_blob_set (&kd->u.key_data.salt, salt, salt_len);
  *kd_list = g_ptr_array_new_with_free_func ((GDestroyNotify)
      mikey_payload_free);
  g_ptr_array_add (*kd_list, kd);
  return msg;
}

GST_START_TEST (test_params_tek_forms)
{
  guint8 key[30], out[46];
  GPtrArray *kd;
  MikeyMessage *msg;
  GArray *params;
  MikeySrtpParams *p;
  GError *err = NULL;
  guint i;

  for (i = 0; i < sizeof (key); i++)
    key[i] = i;

  /* TEK = key || salt in one (GStreamer, live555) */
  msg = message_with_key (MIKEY_KD_TEK, key, 30, NULL, 0, &kd);
  params = mikey_srtp_params_from_message (msg, kd, NULL, 0, &err);
  fail_unless (params != NULL && params->len == 2);
  p = &g_array_index (params, MikeySrtpParams, 1);
  fail_unless_equals_int (p->ssrc, 0xbabe);
  fail_unless_equals_int (p->roc, 4);
  fail_unless_equals_int (mikey_srtp_params_key_salt (p, out), 30);
  fail_unless (memcmp (out, key, 30) == 0);
  g_array_unref (params);
  g_ptr_array_unref (kd);
  mikey_message_free (msg);

  /* TEK+SALT */
  msg = message_with_key (MIKEY_KD_TEK_SALT, key, 16, key + 16, 14, &kd);
  params = mikey_srtp_params_from_message (msg, kd, NULL, 0, &err);
  fail_unless (params != NULL);
  p = &g_array_index (params, MikeySrtpParams, 0);
  fail_unless_equals_int (mikey_srtp_params_key_salt (p, out), 30);
  fail_unless (memcmp (out, key, 30) == 0);
  g_array_unref (params);
  g_ptr_array_unref (kd);
  mikey_message_free (msg);

  /* a TEK that fits no suite length is refused with the numbers */
  msg = message_with_key (MIKEY_KD_TEK, key, 20, NULL, 0, &kd);
  fail_unless (mikey_srtp_params_from_message (msg, kd, NULL, 0, &err) == NULL);
  fail_unless (strstr (err->message, "TEK of 20 bytes") != NULL, "%s",
      err->message);
  g_clear_error (&err);
  g_ptr_array_unref (kd);
  mikey_message_free (msg);
}

GST_END_TEST;

GST_START_TEST (test_params_tgk_derivation)
{
  guint8 tgk[16] = { 0 }, expect[16];
  GPtrArray *kd;
  MikeyMessage *msg;
  GArray *params;
  MikeySrtpParams *p0, *p1;
  const MikeyPayload *rand;

  msg = message_with_key (MIKEY_KD_TGK, tgk, sizeof (tgk), NULL, 0, &kd);
  params = mikey_srtp_params_from_message (msg, kd, NULL, 0, NULL);
  fail_unless (params != NULL);
  p0 = &g_array_index (params, MikeySrtpParams, 0);
  p1 = &g_array_index (params, MikeySrtpParams, 1);
  fail_unless_equals_int (p0->cs_id, 1);
  fail_unless_equals_int (p1->cs_id, 2);
  /* RFC 3830 4.1.3 with cs_id 2 */
  rand = mikey_message_find (msg, MIKEY_PT_RAND, NULL);
  fail_unless (mikey_derive_tgk (tgk, sizeof (tgk), MIKEY_CONST_TEK, 2,
          0x01020304, rand->u.rand.rand.data, rand->u.rand.rand.len, expect,
          16, NULL));
  fail_unless (memcmp (p1->key, expect, 16) == 0);
  fail_if (memcmp (p0->key, p1->key, 16) == 0);
  fail_if (memcmp (p0->salt, p1->salt, 14) == 0);
  g_array_unref (params);

  /* without RAND nothing can be derived */
  g_ptr_array_remove_index (msg->payloads, 0);
  fail_unless (mikey_srtp_params_from_message (msg, kd, NULL, 0, NULL) == NULL);
  g_ptr_array_unref (kd);
  mikey_message_free (msg);
}

GST_END_TEST;

GST_START_TEST (test_params_mki_and_switches)
{
  guint8 key[30] = { 0 };
  guint8 mki[129];
  GPtrArray *kd;
  MikeyMessage *msg;
  MikeyPayload *sp, *k;
  GArray *params;
  MikeySrtpParams *p;
  GError *err = NULL;

  memset (mki, 0x5a, sizeof (mki));
  msg = message_with_key (MIKEY_KD_TEK, key, 30, NULL, 0, &kd);
  k = g_ptr_array_index (kd, 0);
  k->u.key_data.kv_type = MIKEY_KV_SPI;
  mikey_blob_set (&k->u.key_data.kv_spi, mki, 4);
  sp = mikey_message_add (msg, mikey_suite_to_sp (mikey_suite_get
          (MIKEY_SUITE_AES_CM_128_HMAC_SHA1_80), 0));
  /* SRTP encryption off: the srtpenc cipher becomes "null" */
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_SRTP_ENC, 0);
  g_array_remove_index (sp->u.sp.params, 6);    /* the earlier "on" */

  params = mikey_srtp_params_from_message (msg, kd, NULL, 0, &err);
  fail_unless (params != NULL, "%s", err ? err->message : "");
  p = &g_array_index (params, MikeySrtpParams, 0);
  fail_unless_equals_int (p->mki_len, 4);
  fail_unless_equals_string (mikey_srtp_params_rtp_cipher (p), "null");
  fail_unless_equals_string (mikey_srtp_params_rtcp_cipher (p), "aes-128-icm");
  g_array_unref (params);

  /* an MKI longer than SRTP allows */
  mikey_blob_set (&k->u.key_data.kv_spi, mki, sizeof (mki));
  fail_unless (mikey_srtp_params_from_message (msg, kd, NULL, 0, &err) == NULL);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED));
  g_clear_error (&err);
  g_ptr_array_unref (kd);
  mikey_message_free (msg);
}

GST_END_TEST;

/* Names shown to users come from the table, and lists join one way */
GST_START_TEST (test_suite_and_list_names)
{
  const MikeySuiteInfo *two[2];
  MikeyMode modes[] = { MIKEY_MODE_DH, MIKEY_MODE_PSK };
  gchar *text;
  guint i;

  for (i = 0; i < MIKEY_SUITE_COUNT; i++) {
    const MikeySuiteInfo *info = mikey_suite_get ((MikeySuite) i);

    fail_unless (strstr (mikey_suite_names (), info->name) != NULL);
    fail_unless ((strstr (mikey_suite_names_supported (), info->name) !=
            NULL) == info->engine_supported, "%s", info->name);
  }
  fail_unless (g_str_has_prefix (mikey_suite_names (),
          "AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32, "));
  text = mikey_mode_list_to_string (modes, 2, ",");
  fail_unless_equals_string (text, "dh,psk");
  g_free (text);
  two[0] = mikey_suite_get (MIKEY_SUITE_AEAD_AES_128_GCM);
  two[1] = mikey_suite_get (MIKEY_SUITE_AES_CM_128_HMAC_SHA1_80);
  text = mikey_suite_list_to_string (two, 2, ", ");
  fail_unless_equals_string (text, "AEAD_AES_128_GCM, AES_CM_128_HMAC_SHA1_80");
  g_free (text);
  text = mikey_mode_list_to_string (modes, 0, ",");
  fail_unless_equals_string (text, "");
  g_free (text);
}

GST_END_TEST;

static Suite *
suite_suite (void)
{
  Suite *s = suite_create ("mikey-suite");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_lookup);
  tcase_add_test (tc, test_sp_round_trip);
  tcase_add_test (tc, test_sp_defaults_and_gstreamer_quirk);
  tcase_add_test (tc, test_sp_sha1_32_layout);
  tcase_add_test (tc, test_sp_refusals);
  tcase_add_test (tc, test_params_tek_forms);
  tcase_add_test (tc, test_params_tgk_derivation);
  tcase_add_test (tc, test_params_mki_and_switches);
  tcase_add_test (tc, test_suite_and_list_names);
  return s;
}

GST_CHECK_MAIN (suite);
