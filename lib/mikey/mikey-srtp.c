/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* From a processed MIKEY message to SRTP master keys per crypto session. */
#include "mikey-srtp.h"
#include "mikey-crypto.h"

#include <string.h>
#include <openssl/crypto.h>

const gchar *
mikey_srtp_params_rtp_cipher (const MikeySrtpParams * p)
{
  return p->rtp_enc ? p->suite->cipher : "null";
}

const gchar *
mikey_srtp_params_rtp_auth (const MikeySrtpParams * p)
{
  return p->rtp_auth ? p->suite->auth : "null";
}

const gchar *
mikey_srtp_params_rtcp_cipher (const MikeySrtpParams * p)
{
  return p->rtcp_enc ? p->suite->cipher : "null";
}

const gchar *
mikey_srtp_params_rtcp_auth (const MikeySrtpParams * p)
{
  /* SRTCP authentication cannot be switched off (RFC 3711 3.4) */
  return p->suite->auth;
}

gsize
mikey_srtp_params_key_salt (const MikeySrtpParams * p, guint8 * out)
{
  memcpy (out, p->key, p->key_len);
  memcpy (out + p->key_len, p->salt, p->salt_len);
  return p->key_len + p->salt_len;
}

void
mikey_srtp_params_clear (MikeySrtpParams * p)
{
  OPENSSL_cleanse (p, sizeof (*p));
}

static void
params_array_clear (gpointer data)
{
  mikey_srtp_params_clear (data);
}

static const MikeyPayload *
find_sp (const MikeyMessage * msg, guint8 policy_no)
{
  guint i;

  for (i = 0; i < msg->payloads->len; i++) {
    const MikeyPayload *p = g_ptr_array_index (msg->payloads, i);

    if (p->type == MIKEY_PT_SP && p->u.sp.policy_no == policy_no)
      return p;
  }
  return NULL;
}

/* A transported TEK used as the master key (and salt) as is. */
static gboolean
set_from_tek (MikeySrtpParams * out, const MikeyKeyData * kd, GError ** error)
{
  const MikeySuiteInfo *s = out->suite;
  const MikeyBlob *key = &kd->key;

  if (kd->type == MIKEY_KD_TEK_SALT) {
    if (key->len != s->key_len || kd->salt.len != s->salt_len)
      goto bad_length;
    memcpy (out->key, key->data, s->key_len);
    memcpy (out->salt, kd->salt.data, s->salt_len);
  } else if (key->len == s->key_len + s->salt_len) {
    memcpy (out->key, key->data, s->key_len);
    memcpy (out->salt, key->data + s->key_len, s->salt_len);
  } else {
    goto bad_length;
  }
  out->key_len = s->key_len;
  out->salt_len = s->salt_len;
  return TRUE;

bad_length:
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
      "key data: TEK of %" G_GSIZE_FORMAT " bytes with a %" G_GSIZE_FORMAT
      "-byte salt does not fit %s, which needs a %u-byte key and a %u-byte "
      "salt", key->len, kd->salt.len, s->name, s->key_len, s->salt_len);
  return FALSE;
}

/* RFC 3830 4.1.3: TEK and salt for this crypto session from the TGK. */
static gboolean
set_from_tgk (MikeySrtpParams * out, const guint8 * tgk, gsize tgk_len,
    const MikeyBlob * transported_salt, guint32 csb_id, const MikeyBlob * rand,
    GError ** error)
{
  const MikeySuiteInfo *s = out->suite;

  if (rand == NULL || rand->len == 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "message has a TGK but no RAND payload to derive TEKs from");
    return FALSE;
  }
  if (!mikey_derive_tgk (tgk, tgk_len, MIKEY_CONST_TEK, out->cs_id, csb_id,
          rand->data, rand->len, out->key, s->key_len, error))
    return FALSE;
  out->key_len = s->key_len;

  if (transported_salt != NULL && transported_salt->len > 0) {
    if (transported_salt->len != s->salt_len) {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
          "key data: salt of %" G_GSIZE_FORMAT " bytes, %s needs %u",
          transported_salt->len, s->name, s->salt_len);
      return FALSE;
    }
    memcpy (out->salt, transported_salt->data, s->salt_len);
  } else if (!mikey_derive_tgk (tgk, tgk_len, MIKEY_CONST_TEK_SALT,
          out->cs_id, csb_id, rand->data, rand->len, out->salt, s->salt_len,
          error)) {
    return FALSE;
  }
  out->salt_len = s->salt_len;
  return TRUE;
}

static gboolean
set_mki (MikeySrtpParams * out, const MikeyKeyData * kd, GError ** error)
{
  if (kd == NULL || kd->kv_type != MIKEY_KV_SPI)
    return TRUE;
  if (kd->kv_spi.len > MIKEY_MAX_MKI) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED,
        "key data: SPI/MKI of %" G_GSIZE_FORMAT " bytes is longer than the "
        "%d bytes SRTP allows", kd->kv_spi.len, MIKEY_MAX_MKI);
    return FALSE;
  }
  memcpy (out->mki, kd->kv_spi.data, kd->kv_spi.len);
  out->mki_len = kd->kv_spi.len;
  return TRUE;
}

static gboolean
fill_session (MikeySrtpParams * out, const MikeyMessage * msg,
    const MikeyKeyData * kd, const guint8 * tgk_override, gsize tgk_len,
    GError ** error)
{
  const MikeyPayload *sp = find_sp (msg, out->policy_no);
  const MikeyPayload *rand = mikey_message_find (msg, MIKEY_PT_RAND, NULL);
  const MikeyBlob *rand_blob = rand ? &rand->u.rand.rand : NULL;

  out->suite = mikey_suite_from_sp (sp, &out->rtp_enc, &out->rtcp_enc,
      &out->rtp_auth, &out->kdr, error);
  if (out->suite == NULL)
    return FALSE;
  if (!out->suite->engine_supported) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED,
        "crypto suite %s is not supported by the SRTP engine (libsrtp2)",
        out->suite->name);
    return FALSE;
  }

  if (tgk_override != NULL)
    return set_from_tgk (out, tgk_override, tgk_len, NULL,
        msg->hdr.csb_id, rand_blob, error) && set_mki (out, kd, error);

  switch (kd->type) {
    case MIKEY_KD_TEK:
    case MIKEY_KD_TEK_SALT:
      if (!set_from_tek (out, kd, error))
        return FALSE;
      break;
    case MIKEY_KD_TGK:
    case MIKEY_KD_TGK_SALT:
      if (!set_from_tgk (out, kd->key.data, kd->key.len,
              kd->type == MIKEY_KD_TGK_SALT ? &kd->salt : NULL,
              msg->hdr.csb_id, rand_blob, error))
        return FALSE;
      break;
    default:
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED,
          "key data: unknown key type %u", kd->type);
      return FALSE;
  }
  return set_mki (out, kd, error);
}

GArray *
mikey_srtp_params_from_message (const MikeyMessage * msg,
    GPtrArray * key_data, const guint8 * tgk_override, gsize tgk_len,
    GError ** error)
{
  GArray *out;
  guint n_sessions, i;
  gboolean empty_map;

  empty_map = msg->hdr.map_type != MIKEY_MAP_SRTP_ID || msg->hdr.cs->len == 0;
  n_sessions = empty_map ? 1 : msg->hdr.cs->len;

  if (tgk_override == NULL && (key_data == NULL || key_data->len == 0)) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "the message carries no key data");
    return NULL;
  }

  out = g_array_sized_new (FALSE, TRUE, sizeof (MikeySrtpParams), n_sessions);
  g_array_set_clear_func (out, params_array_clear);
  g_array_set_size (out, n_sessions);

  for (i = 0; i < n_sessions; i++) {
    MikeySrtpParams *p = &g_array_index (out, MikeySrtpParams, i);
    const MikeyKeyData *kd = NULL;

    /* cs_id numbers crypto sessions from 1 in map order (RFC 3830 4.1.3);
     * an empty map stands for one implicit session */
    p->cs_id = i + 1;
    if (!empty_map) {
      const MikeySrtpCs *cs = &g_array_index (msg->hdr.cs, MikeySrtpCs, i);

      p->policy_no = cs->policy_no;
      p->has_ssrc = TRUE;
      p->ssrc = cs->ssrc;
      p->roc = cs->roc;
    }
    if (key_data != NULL && key_data->len > 0) {
      /* one key per crypto session, or one key for all of them */
      guint k = key_data->len == n_sessions ? i : 0;
      const MikeyPayload *kp = g_ptr_array_index (key_data, k);

      kd = &kp->u.key_data;
    }
    if (!fill_session (p, msg, kd, tgk_override, tgk_len, error)) {
      g_prefix_error (error, "crypto session %u: ", i + 1);
      g_array_unref (out);
      return NULL;
    }
  }
  return out;
}
