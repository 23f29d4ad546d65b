/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY-NULL and MIKEY-PSK (RFC 3830 3.1): the key data travels in a
 * KEMAC, encrypted and MACed with keys from the pre-shared key (or left in
 * the clear for NULL); the responder may answer with a V payload. */
#include "mikey-exchange-private.h"

#include <string.h>
#include <openssl/crypto.h>

#define MAX_TGK_LEN 64

/* The key data sub-payload: a TGK, or a TEK as master key || salt in one
 * TEK (the layout GStreamer and live555 use; they ignore a separate salt) */
static MikeyPayload *
make_key_data (MikeyInitiator * init, GError ** error)
{
  MikeyPayload *kd = mikey_payload_new (MIKEY_PT_KEY_DATA);

  if (init->tek.len > 0) {
    kd->u.key_data.type = MIKEY_KD_TEK;
    mikey_blob_set (&kd->u.key_data.key, init->tek.data, init->tek.len);
  } else {
    if (init->tgk.len == 0) {
      guint8 tgk[MAX_TGK_LEN];
      gsize n = MAX (init->suite->key_len, 16);

      if (!mikey_random_bytes (tgk, n, error)) {
        mikey_payload_free (kd);
        return NULL;
      }
      mikey_blob_set (&init->tgk, tgk, n);
      OPENSSL_cleanse (tgk, sizeof (tgk));
    }
    kd->u.key_data.type = MIKEY_KD_TGK;
    mikey_blob_set (&kd->u.key_data.key, init->tgk.data, init->tgk.len);
  }
  if (init->mki.len > 0) {
    kd->u.key_data.kv_type = MIKEY_KV_SPI;
    mikey_blob_set (&kd->u.key_data.kv_spi, init->mki.data, init->mki.len);
  }
  return kd;
}

/* Fills @kemac with the key data, encrypted with init->keys unless NULL
 * mode, and sets init->params from the same key data (both sides derive
 * keys with the same code). */
gboolean
mikey_kemac_fill (MikeyInitiator * init, MikeyMessage * msg,
    MikeyPayload * kemac, gboolean encrypt, GError ** error)
{
  const MikeyPayload *t = mikey_message_find (msg, MIKEY_PT_T, NULL);
  g_autoptr (GPtrArray) kd_list =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mikey_payload_free);
  MikeyPayload *kd = make_key_data (init, error);
  guint8 *plain, *enc = NULL;
  gsize plain_len, enc_len = 0;
  gboolean ok = TRUE;

  if (kd == NULL)
    return FALSE;
  g_ptr_array_add (kd_list, kd);
  plain = mikey_key_data_serialize_list (kd_list, &plain_len, error);
  if (plain == NULL)
    return FALSE;

  if (!encrypt) {
    kemac->u.kemac.enc_alg = MIKEY_ENC_NULL;
    kemac->u.kemac.mac_alg = MIKEY_MAC_NULL;
    mikey_blob_set (&kemac->u.kemac.enc_data, plain, plain_len);
  } else {
    ok = mikey_kemac_encrypt (init->enc_alg, &init->keys, init->csb_id,
        t->u.t.value, plain, plain_len, &enc, &enc_len, error);
    if (ok) {
      kemac->u.kemac.enc_alg = init->enc_alg;
      kemac->u.kemac.mac_alg = MIKEY_MAC_HMAC_SHA1_160;
      mikey_blob_set (&kemac->u.kemac.enc_data, enc, enc_len);
      mikey_blob_set_zero (&kemac->u.kemac.mac, MIKEY_MAC_HMAC_SHA1_160_LEN);
    }
    mikey_secure_free (enc, enc_len);
  }
  mikey_secure_free (plain, plain_len);
  if (ok) {
    init->params = mikey_srtp_params_from_message (msg, kd_list, NULL, 0,
        error);
    ok = init->params != NULL;
  }
  return ok;
}

GBytes *
mikey_psk_build_init (MikeyInitiator * init, MikeyMessage * msg,
    GError ** error)
{
  const MikeyPayload *rand = mikey_message_find (msg, MIKEY_PT_RAND, NULL);
  gboolean is_null = init->mode == MIKEY_MODE_NULL;
  MikeyPayload *kemac;

  if (!is_null && !mikey_transport_keys_derive (init->psk.data,
          init->psk.len, init->csb_id, rand->u.rand.rand.data,
          rand->u.rand.rand.len, &init->keys, error))
    return NULL;
  kemac = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_KEMAC));
  if (!mikey_kemac_fill (init, msg, kemac, !is_null, error))
    return NULL;
  if (is_null)
    return mikey_message_serialize (msg, error);
  return mikey_seal (msg, msg->payloads->len - 1, init->keys.auth_key,
      sizeof (init->keys.auth_key), NULL, NULL, 0, error);
}

/* The V payload of a verification message of @expected type answering
 * @init_msg, its MAC keyed with @auth_key (PSK and PKE answers). */
static gboolean
check_verify_mac (const MikeyMessage * init_msg, const MikeyMessage * resp,
    const guint8 * data, gsize len, guint8 expected, const guint8 * auth_key,
    gsize auth_key_len, GError ** error)
{
  const MikeyPayload *v = mikey_message_find (resp, MIKEY_PT_V, NULL);
  GByteArray *extra;
  gboolean ok;

  if (resp->hdr.data_type != expected) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "expected a %s message, got %s", mikey_data_type_name (expected),
        mikey_data_type_name (resp->hdr.data_type));
    return FALSE;
  }
  if (v == NULL || v->u.v.mac_alg != MIKEY_MAC_HMAC_SHA1_160 ||
      g_ptr_array_index (resp->payloads, resp->payloads->len - 1) != v) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "verification message must end with an HMAC-SHA-1 V payload");
    return FALSE;
  }
  extra = mikey_verify_mac_extra (init_msg, resp);
  ok = mikey_check_mac (resp, resp->payloads->len - 1, data, len,
      auth_key, auth_key_len, extra, error);
  g_byte_array_unref (extra);
  if (!ok)
    g_prefix_error (error, "verification message: ");
  return ok;
}

gboolean
mikey_psk_handle_verify (MikeyInitiator * init, const MikeyMessage * resp,
    const guint8 * data, gsize len, GError ** error)
{
  guint8 expected = init->mode == MIKEY_MODE_PKE ? MIKEY_DT_PK_VERIFY :
      MIKEY_DT_PSK_VERIFY;

  if (!check_verify_mac (init->init_msg, resp, data, len, expected,
          init->keys.auth_key, sizeof (init->keys.auth_key), error))
    return FALSE;
  /* PKE: only the holder of peer_cert's key, checked for id_r, opens the
   * envelope; PSK has nothing but the ID payload to say who answered */
  if (init->mode == MIKEY_MODE_PSK)
    return mikey_initiator_check_idr (init, mikey_message_find (resp,
            MIKEY_PT_ID, NULL), error);
  return TRUE;
}

/* For an initiator that kept its initiation message rather than its
 * exchange (a server answering many members): the keys come again from
 * the pre-shared key and the RAND of @init. */
gboolean
mikey_psk_check_verify (const MikeyMessage * init, const MikeyMessage * resp,
    const guint8 * data, gsize len, const guint8 * psk, gsize psk_len,
    GError ** error)
{
  const MikeyPayload *rand = mikey_message_find (init, MIKEY_PT_RAND, NULL);
  MikeyTransportKeys keys = { {0} };
  gboolean ok;

  if (init->hdr.data_type != MIKEY_DT_PSK_INIT || rand == NULL ||
      mikey_message_find (init, MIKEY_PT_T, NULL) == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "the message answered is not a PSK initiation message with T and "
        "RAND payloads");
    return FALSE;
  }
  if (resp->hdr.csb_id != init->hdr.csb_id) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "answer is for CSB ID 0x%08x, not 0x%08x", resp->hdr.csb_id,
        init->hdr.csb_id);
    return FALSE;
  }
  if (psk == NULL || psk_len == 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "a verification message is checked with the pre-shared key");
    return FALSE;
  }
  if (!mikey_transport_keys_derive (psk, psk_len, init->hdr.csb_id,
          rand->u.rand.rand.data, rand->u.rand.rand.len, &keys, error))
    return FALSE;
  ok = check_verify_mac (init, resp, data, len, MIKEY_DT_PSK_VERIFY,
      keys.auth_key, sizeof (keys.auth_key), error);
  mikey_transport_keys_clear (&keys);
  return ok;
}

/* HDR + T + [IDr] + V, the MAC over it plus IDi || IDr || T_i. Shared
 * with PKE, whose verification message has the same form. */
GBytes *
mikey_build_verify (MikeyResponder * resp, const MikeyMessage * init,
    guint8 data_type, const MikeyTransportKeys * keys, gint64 now_us,
    GError ** error)
{
  g_autoptr (MikeyMessage) msg = mikey_response_new (init, data_type);
  const MikeyPayload *ti = mikey_message_find (init, MIKEY_PT_T, NULL);
  MikeyPayload *v;
  GByteArray *extra;
  GBytes *bytes;

  /* a COUNTER initiator has no clock to check ours against: echo its T */
  mikey_add_timestamp (msg, ti->u.t.ts_type, (guint32) ti->u.t.value, now_us);
  if (resp->id_r != NULL)
    mikey_add_id (msg, resp->id_r);
  v = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_V));
  v->u.v.mac_alg = MIKEY_MAC_HMAC_SHA1_160;
  mikey_blob_set_zero (&v->u.v.mac, MIKEY_MAC_HMAC_SHA1_160_LEN);

  extra = mikey_verify_mac_extra (init, msg);
  bytes = mikey_seal (msg, msg->payloads->len - 1, keys->auth_key,
      sizeof (keys->auth_key), extra, NULL, 0, error);
  g_byte_array_unref (extra);
  return bytes;
}

static gboolean
check_mode (MikeyMode mode, const MikeyPayload * kemac, GError ** error)
{
  gboolean is_null = mikey_kemac_is_null (kemac);

  if (mode == MIKEY_MODE_PSK && is_null) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNAUTHENTICATED,
        "refusing an unauthenticated key (MIKEY-NULL): the key was sent in "
        "the clear; accept MIKEY-NULL only if the signalling channel is "
        "secure");
    return FALSE;
  }
  if (mode == MIKEY_MODE_NULL && !is_null) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_MODE_REFUSED,
        "message is protected with a pre-shared key but this side expects "
        "MIKEY-NULL and has no pre-shared key");
    return FALSE;
  }
  return TRUE;
}

/* The end of answering a KEMAC-carrying initiation message (PSK, PKE)
 * once it is authenticated and opened: replay check, SRTP keys, and the
 * verification message of @verify_type (0: none) when one was asked for,
 * keyed like the KEMAC. */
gboolean
mikey_kemac_respond (MikeyResponder * resp, const MikeyMessage * msg,
    const guint8 * data, gsize len, const MikeyCert * cert,
    GPtrArray * key_data, const MikeyTransportKeys * keys, guint8 verify_type,
    gint64 now_us, MikeyReplayCheck check_replay, MikeyResponderOutcome * out,
    GError ** error)
{
  if (!check_replay (resp, msg, data, len, cert, &out->err_no, error))
    return FALSE;
  out->params = mikey_srtp_params_from_message (msg, key_data, NULL, 0, error);
  if (out->params == NULL) {
    out->err_no = MIKEY_ERR_INVALID_SP;
    return FALSE;
  }
  if (!msg->hdr.v || verify_type == 0)
    return TRUE;
  out->reply = mikey_build_verify (resp, msg, verify_type, keys, now_us, error);
  return out->reply != NULL;
}

gboolean
mikey_psk_respond (MikeyResponder * resp, MikeyMode mode,
    const MikeyMessage * msg, const guint8 * data, gsize len, gint64 now_us,
    MikeyReplayCheck check_replay, MikeyResponderOutcome * out, GError ** error)
{
  const MikeyPayload *kemac = mikey_message_find (msg, MIKEY_PT_KEMAC, NULL);
  g_autoptr (GPtrArray) key_data = NULL;
  MikeyTransportKeys keys = { {0} };
  gboolean ok = FALSE;

  if (kemac == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "initiation message has no KEMAC payload");
    out->err_no = MIKEY_ERR_UNSPECIFIED;
    return FALSE;
  }
  if (!check_mode (mode, kemac, error)) {
    out->err_no = mode == MIKEY_MODE_PSK ? MIKEY_ERR_INVALID_MAC :
        MIKEY_ERR_INVALID_EA;
    return FALSE;
  }
  key_data = mikey_psk_open_kemac_keys (msg, data, len, resp->psk.data,
      resp->psk.len, &keys, error);
  if (key_data == NULL)
    out->err_no = g_error_matches (*error, MIKEY_ERROR, MIKEY_ERROR_AUTH) ?
        MIKEY_ERR_AUTH_FAILURE : MIKEY_ERR_UNSPECIFIED;
  /* the MAC verified: now the identity means something */
  else if (!mikey_responder_check_id (resp, msg, error))
    out->err_no = MIKEY_ERR_INVALID_ID;
  else
    ok = mikey_kemac_respond (resp, msg, data, len, NULL, key_data, &keys,
        mode == MIKEY_MODE_NULL ? 0 : MIKEY_DT_PSK_VERIFY, now_us,
        check_replay, out, error);
  mikey_transport_keys_clear (&keys);
  return ok;
}
