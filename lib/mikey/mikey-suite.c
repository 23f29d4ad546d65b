/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SRTP crypto suites: SDES names <-> MIKEY SP parameters <-> srtpenc names. */
#include "mikey-suite.h"

#include <string.h>

/* *INDENT-OFF* */
static const MikeySuiteInfo suites[MIKEY_SUITE_COUNT] = {
  {MIKEY_SUITE_AES_CM_128_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80",
   MIKEY_SRTP_ENC_AES_CM, 16, 14, MIKEY_SRTP_AUTH_HMAC_SHA1, 20, 10, 0,
   "aes-128-icm", "hmac-sha1-80", TRUE},
  {MIKEY_SUITE_AES_CM_128_HMAC_SHA1_32, "AES_CM_128_HMAC_SHA1_32",
   MIKEY_SRTP_ENC_AES_CM, 16, 14, MIKEY_SRTP_AUTH_HMAC_SHA1, 20, 4, 0,
   "aes-128-icm", "hmac-sha1-32", TRUE},
  /* libsrtp2 as built for srtpenc has no F8: listed, never chosen */
  {MIKEY_SUITE_F8_128_HMAC_SHA1_80, "F8_128_HMAC_SHA1_80",
   MIKEY_SRTP_ENC_AES_F8, 16, 14, MIKEY_SRTP_AUTH_HMAC_SHA1, 20, 10, 0,
   NULL, "hmac-sha1-80", FALSE},
  {MIKEY_SUITE_AES_256_CM_HMAC_SHA1_80, "AES_256_CM_HMAC_SHA1_80",
   MIKEY_SRTP_ENC_AES_CM, 32, 14, MIKEY_SRTP_AUTH_HMAC_SHA1, 20, 10, 0,
   "aes-256-icm", "hmac-sha1-80", TRUE},
  {MIKEY_SUITE_AEAD_AES_128_GCM, "AEAD_AES_128_GCM",
   MIKEY_SRTP_ENC_AES_GCM, 16, 12, MIKEY_SRTP_AUTH_NULL, 0, 0, 16,
   "aes-128-gcm", "null", TRUE},
  {MIKEY_SUITE_AEAD_AES_256_GCM, "AEAD_AES_256_GCM",
   MIKEY_SRTP_ENC_AES_GCM, 32, 12, MIKEY_SRTP_AUTH_NULL, 0, 0, 16,
   "aes-256-gcm", "null", TRUE},
};
/* *INDENT-ON* */

const MikeySuiteInfo *
mikey_suite_get (MikeySuite id)
{
  g_return_val_if_fail (id < MIKEY_SUITE_COUNT, NULL);
  return &suites[id];
}

const MikeySuiteInfo *
mikey_suite_lookup (const gchar * name)
{
  guint i;

  if (name == NULL)
    return NULL;
  /* RFC 4568 spells it F8_128_HMAC_SHA1_80; people write the AES_ form */
  if (g_ascii_strcasecmp (name, "AES_F8_128_HMAC_SHA1_80") == 0)
    return &suites[MIKEY_SUITE_F8_128_HMAC_SHA1_80];
  for (i = 0; i < MIKEY_SUITE_COUNT; i++) {
    if (g_ascii_strcasecmp (name, suites[i].name) == 0)
      return &suites[i];
  }
  return NULL;
}

/* "AES_CM_128_HMAC_SHA1_80, ..." in table order, built once from the table
 * so that a new suite cannot be missing from the lists users are shown */
static const gchar *
names_once (gboolean supported_only)
{
  static gsize once[2];
  static const gchar *names[2];
  guint which = supported_only ? 1 : 0;

  if (g_once_init_enter (&once[which])) {
    GString *str = g_string_new (NULL);
    guint i;

    for (i = 0; i < MIKEY_SUITE_COUNT; i++) {
      if (supported_only && !suites[i].engine_supported)
        continue;
      g_string_append_printf (str, "%s%s", str->len ? ", " : "",
          suites[i].name);
    }
    /* kept for the life of the process, like the table */
    names[which] = g_string_free (str, FALSE);
    g_once_init_leave (&once[which], 1);
  }
  return names[which];
}

const gchar *
mikey_suite_names (void)
{
  return names_once (FALSE);
}

const gchar *
mikey_suite_names_supported (void)
{
  return names_once (TRUE);
}

/* The "session auth key length" (parameter 3) we send. GStreamer (1.4 to
 * at least 1.24, gst_mikey_message_to_caps) takes the HMAC tag length from
 * it (4: hmac-sha1-32, 10: hmac-sha1-80, anything else: hmac-sha1-80) and
 * ignores the tag length (parameter 11), so the RFC 3830 value 20 makes
 * every GStreamer receiver check 80-bit tags on an
 * AES_CM_128_HMAC_SHA1_32 stream. For that suite alone we send 4 there,
 * next to the tag length 4: GStreamer reads hmac-sha1-32, and so does every
 * reader that maps the tag length to a suite (ours, and libsrtp-based
 * code, where the 160-bit n_a of RFC 3711 is fixed by the suite). Only a
 * reader that derives a session auth key of the length sent would differ
 * (a 32-bit HMAC key, which no SRTP suite uses). With
 * AES_CM_128_HMAC_SHA1_80 the RFC value 20 already reads right in
 * GStreamer and is kept. */
static guint
sp_auth_key_len (const MikeySuiteInfo * suite)
{
  if (suite->auth_alg == MIKEY_SRTP_AUTH_HMAC_SHA1 && suite->auth_tag_len == 4)
    return suite->auth_tag_len;
  return suite->auth_key_len;
}

MikeyPayload *
mikey_suite_to_sp (const MikeySuiteInfo * suite, guint8 policy_no)
{
  MikeyPayload *sp = mikey_payload_new (MIKEY_PT_SP);

  sp->u.sp.policy_no = policy_no;
  sp->u.sp.proto = MIKEY_PROTO_SRTP;
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_ENC_ALG, suite->enc_alg);
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_ENC_KEY_LEN, suite->key_len);
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_AUTH_ALG, suite->auth_alg);
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_AUTH_KEY_LEN,
      sp_auth_key_len (suite));
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_SALT_KEY_LEN, suite->salt_len);
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_PRF, 0);
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_SRTP_ENC, 1);
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_SRTCP_ENC, 1);
  mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_SRTP_AUTH, 1);
  if (suite->aead_tag_len > 0)
    mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_AEAD_AUTH_TAG_LEN,
        suite->aead_tag_len);
  else
    mikey_sp_add_param_u8 (sp, MIKEY_SP_SRTP_AUTH_TAG_LEN, suite->auth_tag_len);
  return sp;
}

typedef struct
{
  guint32 enc_alg, key_len, auth_alg, auth_key_len, salt_len, prf, kdr;
  guint32 rtp_enc, rtcp_enc, fec, rtp_auth, tag_len, prefix, aead_tag;
  gboolean has_key_len, has_auth_key_len, has_salt_len, has_tag_len;
  gboolean has_aead_tag;
} SpValues;

/* Where read_sp keeps parameter @type, and the flag telling it was
 * present (NULL where the default is all that matters); NULL for a type
 * this engine does not read. */
static guint32 *
sp_slot (SpValues * v, guint8 type, gboolean ** has)
{
  *has = NULL;
  switch (type) {
    case MIKEY_SP_SRTP_ENC_ALG:
      return &v->enc_alg;
    case MIKEY_SP_SRTP_ENC_KEY_LEN:
      *has = &v->has_key_len;
      return &v->key_len;
    case MIKEY_SP_SRTP_AUTH_ALG:
      return &v->auth_alg;
    case MIKEY_SP_SRTP_AUTH_KEY_LEN:
      *has = &v->has_auth_key_len;
      return &v->auth_key_len;
    case MIKEY_SP_SRTP_SALT_KEY_LEN:
      *has = &v->has_salt_len;
      return &v->salt_len;
    case MIKEY_SP_SRTP_PRF:
      return &v->prf;
    case MIKEY_SP_SRTP_KEY_DERIV_RATE:
      return &v->kdr;
    case MIKEY_SP_SRTP_SRTP_ENC:
      return &v->rtp_enc;
    case MIKEY_SP_SRTP_SRTCP_ENC:
      return &v->rtcp_enc;
    case MIKEY_SP_SRTP_FEC_ORDER:
      return &v->fec;
    case MIKEY_SP_SRTP_SRTP_AUTH:
      return &v->rtp_auth;
    case MIKEY_SP_SRTP_AUTH_TAG_LEN:
      *has = &v->has_tag_len;
      return &v->tag_len;
    case MIKEY_SP_SRTP_PREFIX_LEN:
      return &v->prefix;
    case MIKEY_SP_SRTP_AEAD_AUTH_TAG_LEN:
      *has = &v->has_aead_tag;
      return &v->aead_tag;
    default:
      return NULL;
  }
}

/* The SP payload's values over the RFC 3830 6.10.1 defaults, in one pass
 * (a lookup per parameter was a visible share of a MIKEY-NULL exchange).
 * The first of repeated parameters counts. Values are big-endian; longer
 * than 4 bytes they cannot be a length or an algorithm we know. */
static gboolean
read_sp (const MikeyPayload * sp, SpValues * v, GError ** error)
{
  guint32 seen = 0;
  guint i;

  *v = (SpValues) {
  .enc_alg = MIKEY_SRTP_ENC_AES_CM,.key_len = 16,.auth_alg =
        MIKEY_SRTP_AUTH_HMAC_SHA1,.auth_key_len = 20,.salt_len = 14,.rtp_enc =
        1,.rtcp_enc = 1,.rtp_auth = 1,.tag_len = 10};
  if (sp == NULL)
    return TRUE;

  for (i = 0; i < sp->u.sp.params->len; i++) {
    const MikeySpParam *param =
        &g_array_index (sp->u.sp.params, MikeySpParam, i);
    gboolean *has;
    guint32 *value = sp_slot (v, param->type, &has);
    gsize j;

    /* every type sp_slot knows is below 32 */
    if (value == NULL || (seen & (1u << param->type)) != 0)
      continue;
    seen |= 1u << param->type;
    if (has != NULL)
      *has = TRUE;
    if (param->value.len == 0 || param->value.len > 4) {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED,
          "SP payload: parameter %u has length %" G_GSIZE_FORMAT
          ", expected 1 to 4 bytes", param->type, param->value.len);
      return FALSE;
    }
    *value = 0;
    for (j = 0; j < param->value.len; j++)
      *value = (*value << 8) | param->value.data[j];
  }
  return TRUE;
}

static const MikeySuiteInfo *
unsupported (GError ** error, const gchar * what, guint32 value)
{
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED,
      "SP payload: %s %u is not supported by the SRTP engine", what, value);
  return NULL;
}

/* GStreamer's gst_mikey_message_new_from_caps (1.4 - 1.22 at least) puts the
 * authentication TAG length (4 or 10) in the "session auth key length"
 * parameter and sends no tag length. A real HMAC-SHA-1 key is never that
 * short, so reading it as a tag length is unambiguous. Our own
 * AES_CM_128_HMAC_SHA1_32 layout (sp_auth_key_len) sends that value
 * together with an equal tag length. */
static void
fix_gstreamer_auth_key_len (SpValues * v)
{
  if (v->has_auth_key_len && (!v->has_tag_len ||
          v->tag_len == v->auth_key_len) &&
      (v->auth_key_len == 4 || v->auth_key_len == 10)) {
    v->tag_len = v->auth_key_len;
    v->auth_key_len = 20;
  }
}

const MikeySuiteInfo *
mikey_suite_from_sp (const MikeyPayload * sp, gboolean * rtp_enc,
    gboolean * rtcp_enc, gboolean * rtp_auth, guint * kdr, GError ** error)
{
  SpValues v;
  guint i;

  if (sp != NULL && sp->u.sp.proto != MIKEY_PROTO_SRTP)
    return unsupported (error, "security protocol", sp->u.sp.proto);
  if (!read_sp (sp, &v, error))
    return NULL;
  fix_gstreamer_auth_key_len (&v);

  if (v.enc_alg == MIKEY_SRTP_ENC_AES_GCM && !v.has_salt_len)
    v.salt_len = 12;
  if (v.prf != 0)
    return unsupported (error, "SRTP PRF", v.prf);
  /* libsrtp2 derives session keys once: only KDR 0 can be honoured */
  if (v.kdr != 0)
    return unsupported (error, "key derivation rate", v.kdr);
  if (v.fec != 0)
    return unsupported (error, "FEC order", v.fec);
  if (v.prefix != 0)
    return unsupported (error, "SRTP prefix length", v.prefix);

  for (i = 0; i < MIKEY_SUITE_COUNT; i++) {
    const MikeySuiteInfo *s = &suites[i];

    if (s->enc_alg != v.enc_alg || s->key_len != v.key_len ||
        s->salt_len != v.salt_len)
      continue;
    if (s->aead_tag_len > 0) {
      if (v.has_aead_tag && v.aead_tag != s->aead_tag_len)
        continue;
    } else {
      if (v.auth_alg != s->auth_alg || v.auth_key_len != s->auth_key_len ||
          v.tag_len != s->auth_tag_len)
        continue;
    }
    if (rtp_enc)
      *rtp_enc = v.rtp_enc != 0;
    if (rtcp_enc)
      *rtcp_enc = v.rtcp_enc != 0;
    if (rtp_auth)
      *rtp_auth = v.rtp_auth != 0;
    if (kdr)
      *kdr = v.kdr;
    return s;
  }

  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED,
      "SP payload: no supported SRTP crypto suite matches encryption "
      "algorithm %u with a %u-byte key and %u-byte salt, authentication "
      "algorithm %u with a %u-byte key and %u-byte tag", v.enc_alg,
      v.key_len, v.salt_len, v.auth_alg, v.auth_key_len, v.tag_len);
  return NULL;
}
