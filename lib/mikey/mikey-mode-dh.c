/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Diffie-Hellman modes: signed DH (RFC 3830 3.3) and HMAC-authenticated DH
 * (RFC 4650).
 *   DH:     I = HDR, T, RAND, [IDi|CERTi], [IDr], {SP}, DHi, SIGNi
 *           R = HDR, T, [IDr|CERTr], IDi, DHr, DHi, SIGNr
 *   DHHMAC: the same with a KEMAC (no key data, HMAC keyed from a
 *           pre-shared secret) in place of each SIGN.
 * The TGK is the DH shared secret: perfect forward secrecy. An MKI travels
 * as the SPI key validity of DHi. */
#include "mikey-exchange-private.h"

#include <string.h>
#include <openssl/crypto.h>

static gboolean
is_hmac (MikeyMode mode)
{
  return mode == MIKEY_MODE_DHHMAC;
}

static MikeyPayload *
add_dh (MikeyMessage * msg, MikeyDh * dh, const MikeyBlob * mki)
{
  MikeyPayload *p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_DH));
  gsize len = mikey_dh_group_len (mikey_dh_get_group (dh));

  p->u.dh.group = mikey_dh_get_group (dh);
  mikey_blob_set_zero (&p->u.dh.value, len);
  mikey_dh_get_public (dh, p->u.dh.value.data);
  if (mki != NULL && mki->len > 0) {
    p->u.dh.kv_type = MIKEY_KV_SPI;
    mikey_blob_set (&p->u.dh.kv_spi, mki->data, mki->len);
  }
  return p;
}

/* RFC 4650: an empty, unencrypted KEMAC whose MAC authenticates the whole
 * message with a key derived from the shared secret. */
static gint
add_hmac_kemac (MikeyMessage * msg)
{
  MikeyPayload *k = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_KEMAC));

  k->u.kemac.enc_alg = MIKEY_ENC_NULL;
  k->u.kemac.mac_alg = MIKEY_MAC_HMAC_SHA1_160;
  mikey_blob_set_zero (&k->u.kemac.mac, MIKEY_MAC_HMAC_SHA1_160_LEN);
  return msg->payloads->len - 1;
}

static gboolean
derive_hmac_keys (const MikeyBlob * psk, const MikeyMessage * init_msg,
    MikeyTransportKeys * keys, GError ** error)
{
  const MikeyPayload *rand = mikey_message_find (init_msg, MIKEY_PT_RAND,
      NULL);

  if (rand == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "DH initiation message has no RAND payload");
    return FALSE;
  }
  return mikey_transport_keys_derive (psk->data, psk->len,
      init_msg->hdr.csb_id, rand->u.rand.rand.data, rand->u.rand.rand.len,
      keys, error);
}

GBytes *
mikey_dh_build_init (MikeyInitiator * init, MikeyMessage * msg, GError ** error)
{
  init->dh = mikey_dh_new (init->dh_group, error);
  if (init->dh == NULL)
    return NULL;
  add_dh (msg, init->dh, &init->mki);

  if (!is_hmac (init->mode)) {
    mikey_add_sign_placeholder (msg, init->key, init->sign_type);
    return mikey_seal (msg, -1, NULL, 0, NULL, init->key, init->sign_type,
        error);
  }
  if (!derive_hmac_keys (&init->psk, msg, &init->keys, error))
    return NULL;
  return mikey_seal (msg, add_hmac_kemac (msg), init->keys.auth_key,
      sizeof (init->keys.auth_key), NULL, NULL, 0, error);
}

/* TEKs per crypto session from the shared secret and the initiator's RAND,
 * MKI from DHi's key validity. */
static GArray *
params_from_secret (const MikeyMessage * init_msg, const MikeyDh * dh,
    const MikeyPayload * peer_dh, const MikeyPayload * dhi, GError ** error)
{
  guint8 tgk[MIKEY_DH_MAX_LEN];
  gsize tgk_len = mikey_dh_group_len (mikey_dh_get_group (dh));
  GArray *params = NULL;

  if (peer_dh->u.dh.group != mikey_dh_get_group (dh)) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_DH_GROUP,
        "the peer answered in another Diffie-Hellman group (%u in the DH "
        "payload) than the one we use (OAKLEY %u)", peer_dh->u.dh.group,
        mikey_dh_group_oakley (mikey_dh_get_group (dh)));
    return NULL;
  }
  if (mikey_dh_derive (dh, peer_dh->u.dh.value.data, peer_dh->u.dh.value.len,
          tgk, error))
    params = mikey_srtp_params_from_message (init_msg, NULL, tgk, tgk_len,
        error);
  OPENSSL_cleanse (tgk, sizeof (tgk));
  if (params != NULL && dhi->u.dh.kv_type == MIKEY_KV_SPI)
    mikey_params_set_mki (params, &dhi->u.dh.kv_spi);
  return params;
}

/* DHr then DHi, in the order of RFC 3830 3.3 */
static gboolean
find_dh_pair (const MikeyMessage * msg, const MikeyPayload ** dhr,
    const MikeyPayload ** dhi, GError ** error)
{
  guint idx = 0;

  *dhr = mikey_message_find (msg, MIKEY_PT_DH, &idx);
  idx++;
  *dhi = *dhr ? mikey_message_find (msg, MIKEY_PT_DH, &idx) : NULL;
  if (*dhi == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "DH response must carry the responder's and our DH values");
    return FALSE;
  }
  return TRUE;
}

/* DHHMAC answer: HDR, T, [IDr], IDi, DHr, DHi, KEMAC, where IDi is there
 * when we sent one: an ID payload beyond that echo is IDr */
static const MikeyPayload *
response_idr (const MikeyInitiator * init, const MikeyMessage * resp)
{
  guint echo = mikey_find_idi (init->init_msg) != NULL ? 1 : 0;
  guint i, n = 0;

  for (i = 0; i < resp->payloads->len; i++) {
    const MikeyPayload *p = g_ptr_array_index (resp->payloads, i);

    if (p->type == MIKEY_PT_ID)
      n++;
  }
  return n > echo ? mikey_message_find (resp, MIKEY_PT_ID, NULL) : NULL;
}

gboolean
mikey_dh_handle_response (MikeyInitiator * init, const MikeyMessage * resp,
    const guint8 * data, gsize len, gint64 now_us, GError ** error)
{
  guint8 expected = is_hmac (init->mode) ? MIKEY_DT_DHHMAC_RESP :
      MIKEY_DT_DH_RESP;
  const MikeyPayload *dhr, *dhi, *our_dhi;
  const MikeyPayload *kemac;

  if (resp->hdr.data_type != expected) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "expected a %s message, got %s", mikey_data_type_name (expected),
        mikey_data_type_name (resp->hdr.data_type));
    return FALSE;
  }
  if (!find_dh_pair (resp, &dhr, &dhi, error))
    return FALSE;
  our_dhi = mikey_message_find (init->init_msg, MIKEY_PT_DH, NULL);
  if (!mikey_blob_equal (&dhi->u.dh.value, &our_dhi->u.dh.value)) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "DH response answers another DH value than ours");
    return FALSE;
  }

  if (is_hmac (init->mode)) {
    kemac = mikey_message_find (resp, MIKEY_PT_KEMAC, NULL);
    if (kemac == NULL || kemac->u.kemac.mac_alg != MIKEY_MAC_HMAC_SHA1_160) {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
          "DHHMAC response needs an HMAC-SHA-1 KEMAC");
      return FALSE;
    }
    if (!mikey_check_mac (resp, mikey_payload_index (resp, kemac), data, len,
            init->keys.auth_key, sizeof (init->keys.auth_key), NULL, error)
        || !mikey_initiator_check_idr (init, response_idr (init, resp), error))
      return FALSE;
  } else {
    g_autoptr (MikeyCert) cert = mikey_peer_cert (resp, init->peer_cert,
        init->trust, init->id_r, now_us, error);
    g_autoptr (MikeyKey) key = NULL;

    if (cert == NULL)
      return FALSE;
    key = mikey_cert_get_public_key (cert);
    if (!mikey_check_signature (resp, data, len, key, error))
      return FALSE;
  }

  init->params = params_from_secret (init->init_msg, init->dh, dhr, our_dhi,
      error);
  return init->params != NULL;
}

static GBytes *
build_response (MikeyResponder * resp, MikeyMode mode,
    const MikeyMessage * init, const MikeyPayload * dhi, MikeyDh * dh,
    const MikeyTransportKeys * keys, gint64 now_us, GError ** error)
{
  g_autoptr (MikeyMessage) msg = mikey_response_new (init,
      is_hmac (mode) ? MIKEY_DT_DHHMAC_RESP : MIKEY_DT_DH_RESP);
  const MikeyPayload *idi = mikey_find_idi (init);
  MikeyPayload *copy;

  mikey_add_timestamp (msg, MIKEY_TS_NTP_UTC, 0, now_us);
  if (resp->id_r != NULL)
    mikey_add_id (msg, resp->id_r);
  if (!is_hmac (mode))
    mikey_add_certs (msg, resp->certs);
  if (idi != NULL) {
    copy = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_ID));
    copy->u.id.id_type = idi->u.id.id_type;
    mikey_blob_set (&copy->u.id.data, idi->u.id.data.data, idi->u.id.data.len);
  }
  add_dh (msg, dh, NULL);
  copy = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_DH));
  copy->u.dh.group = dhi->u.dh.group;
  mikey_blob_set (&copy->u.dh.value, dhi->u.dh.value.data, dhi->u.dh.value.len);

  if (is_hmac (mode))
    return mikey_seal (msg, add_hmac_kemac (msg), keys->auth_key,
        sizeof (keys->auth_key), NULL, NULL, 0, error);
  mikey_add_sign_placeholder (msg, resp->key, resp->sign_type);
  return mikey_seal (msg, -1, NULL, 0, NULL, resp->key, resp->sign_type, error);
}

/* DH: *@cert_out is the initiator's certificate once its signature
 * verified */
static gboolean
authenticate_init (MikeyResponder * resp, MikeyMode mode,
    const MikeyMessage * msg, const guint8 * data, gsize len, gint64 now_us,
    MikeyTransportKeys * keys, MikeyCert ** cert_out, GError ** error)
{
  const MikeyPayload *kemac;
  g_autoptr (MikeyCert) cert = NULL;
  g_autoptr (MikeyKey) key = NULL;
  g_autofree gchar *idi = NULL;

  if (is_hmac (mode)) {
    kemac = mikey_message_find (msg, MIKEY_PT_KEMAC, NULL);
    if (kemac == NULL || kemac->u.kemac.mac_alg != MIKEY_MAC_HMAC_SHA1_160) {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
          "DHHMAC message needs an HMAC-SHA-1 KEMAC");
      return FALSE;
    }
    return derive_hmac_keys (&resp->psk, msg, keys, error) &&
        mikey_check_mac (msg, mikey_payload_index (msg, kemac), data, len,
        keys->auth_key, sizeof (keys->auth_key), NULL, error);
  }
  idi = mikey_id_string (mikey_find_idi (msg));
  cert = mikey_peer_cert (msg, resp->peer_cert, resp->trust, idi, now_us,
      error);
  if (cert == NULL)
    return FALSE;
  key = mikey_cert_get_public_key (cert);
  if (!mikey_check_signature (msg, data, len, key, error))
    return FALSE;
  *cert_out = g_steal_pointer (&cert);
  return TRUE;
}

/* The initiator's certificate was refused (rather than its signature or
 * MAC): the answer says Invalid CERT */
static gboolean
is_certificate_error (const GError * error)
{
  if (error == NULL || error->domain != MIKEY_ERROR)
    return FALSE;
  switch (error->code) {
    case MIKEY_ERROR_CERT_UNTRUSTED:
    case MIKEY_ERROR_CERT_EXPIRED:
    case MIKEY_ERROR_CERT_REVOKED:
    case MIKEY_ERROR_CERT_USAGE:
    case MIKEY_ERROR_IDENTITY:
    case MIKEY_ERROR_SETTINGS:
      return TRUE;
    default:
      return FALSE;
  }
}

gboolean
mikey_dh_respond (MikeyResponder * resp, MikeyMode mode,
    const MikeyMessage * msg, const guint8 * data, gsize len, gint64 now_us,
    MikeyReplayCheck check_replay, MikeyResponderOutcome * out, GError ** error)
{
  const MikeyPayload *dhi = mikey_message_find (msg, MIKEY_PT_DH, NULL);
  MikeyTransportKeys keys = { {0} };
  g_autoptr (MikeyCert) cert = NULL;
  MikeyDh *dh = NULL;
  gboolean ok = FALSE;

  if (dhi == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "DH initiation message has no DH payload");
    out->err_no = MIKEY_ERR_INVALID_DH;
    return FALSE;
  }
  /* a group we refuse is not worth checking a signature for */
  if (!mikey_responder_check_group (resp, dhi, error)) {
    out->err_no = MIKEY_ERR_INVALID_DH;
    return FALSE;
  }
  if (!authenticate_init (resp, mode, msg, data, len, now_us, &keys, &cert,
          error)) {
    out->err_no = is_certificate_error (*error) ? MIKEY_ERR_INVALID_CERT :
        MIKEY_ERR_AUTH_FAILURE;
    goto done;
  }
  /* only an authenticated identity is worth comparing (or printing) */
  if (!(cert ? mikey_responder_check_cert_id (resp, cert, error) :
          mikey_responder_check_id (resp, msg, error))) {
    out->err_no = MIKEY_ERR_INVALID_ID;
    goto done;
  }
  if (!check_replay (resp, msg, data, len, cert, &out->err_no, error))
    goto done;
  dh = mikey_dh_new (dhi->u.dh.group, error);
  if (dh == NULL) {
    out->err_no = MIKEY_ERR_INVALID_DH;
    goto done;
  }
  out->params = params_from_secret (msg, dh, dhi, dhi, error);
  if (out->params == NULL) {
    out->err_no = MIKEY_ERR_INVALID_DH;
    goto done;
  }
  out->reply = build_response (resp, mode, msg, dhi, dh, &keys, now_us, error);
  ok = out->reply != NULL;

done:
  mikey_transport_keys_clear (&keys);
  if (dh)
    mikey_dh_free (dh);
  return ok;
}
