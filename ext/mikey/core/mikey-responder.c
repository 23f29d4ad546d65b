/* MIKEY responder (receiver side) for the NULL and PSK modes. */
#include "mikey-exchange.h"
#include "mikey-exchange-private.h"
#include "mikey-crypto.h"

#include <string.h>
#include <openssl/crypto.h>

struct _MikeyResponder
{
  MikeyMode mode;
  MikeyBlob psk;
  MikeyReplayCache *replay;
  gboolean own_replay;
  gchar *id_r;

  /* the last accepted exchange */
  GArray *params;
  guint32 csb_id;
  GBytes *last_init;
  gchar *last_peer;
  GBytes *last_reply;
};

MikeyResponder *
mikey_responder_new (const MikeyResponderConfig * cfg, GError ** error)
{
  MikeyResponder *resp;

  if (cfg->mode != MIKEY_MODE_NULL && cfg->mode != MIKEY_MODE_PSK) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "mode must be null or psk");
    return NULL;
  }
  if (cfg->mode == MIKEY_MODE_PSK && (cfg->psk == NULL || cfg->psk_len == 0)) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "PSK mode needs a pre-shared key");
    return NULL;
  }
  resp = g_new0 (MikeyResponder, 1);
  resp->mode = cfg->mode;
  mikey_blob_set (&resp->psk, cfg->psk, cfg->psk_len);
  resp->replay = cfg->replay;
  if (resp->replay == NULL) {
    resp->replay = mikey_replay_cache_new (0, 0);
    resp->own_replay = TRUE;
  }
  resp->id_r = g_strdup (cfg->id_r);
  return resp;
}

void
mikey_responder_free (MikeyResponder * resp)
{
  if (resp == NULL)
    return;
  mikey_blob_clear (&resp->psk);
  if (resp->own_replay)
    mikey_replay_cache_free (resp->replay);
  g_free (resp->id_r);
  if (resp->params)
    g_array_unref (resp->params);
  if (resp->last_init)
    g_bytes_unref (resp->last_init);
  g_free (resp->last_peer);
  if (resp->last_reply)
    g_bytes_unref (resp->last_reply);
  g_free (resp);
}

/* The refusal of a message we could parse: an error to report and, where
 * telling the initiator helps, an ERR message to send back. */
static MikeyResponseResult
refuse (const MikeyMessage * msg, gint err_no, gint64 now_us, GBytes ** reply)
{
  if (reply != NULL && msg != NULL && err_no >= 0)
    *reply = mikey_build_error_message (msg, err_no, now_us);
  return MIKEY_RESPONSE_REFUSED;
}

static gboolean
check_mode (MikeyResponder * resp, const MikeyPayload * kemac, GError ** error)
{
  gboolean is_null = mikey_kemac_is_null (kemac);

  if (resp->mode == MIKEY_MODE_PSK && is_null) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_POLICY,
        "refusing an unauthenticated key (MIKEY-NULL): the key was sent in "
        "the clear; use mode=null only if the signalling channel is secure");
    return FALSE;
  }
  if (resp->mode == MIKEY_MODE_NULL && !is_null) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_POLICY,
        "message is protected with a pre-shared key but this side expects "
        "MIKEY-NULL: set mode=psk and the psk");
    return FALSE;
  }
  return TRUE;
}

/* HDR + T + [IDr] + V, MAC over it plus IDi || IDr || T_i. */
static GBytes *
build_verify (MikeyResponder * resp, const MikeyMessage * init,
    const MikeyTransportKeys * keys, gint64 now_us, GError ** error)
{
  g_autoptr (MikeyMessage) msg = mikey_message_new ();
  const MikeyPayload *ti = mikey_message_find (init, MIKEY_PT_T, NULL);
  MikeyPayload *v;
  GByteArray *extra;
  GBytes *bytes;
  guint8 *data;
  gsize len;
  guint i;
  gboolean ok;

  msg->hdr.version = MIKEY_VERSION;
  msg->hdr.data_type = MIKEY_DT_PSK_VERIFY;
  msg->hdr.prf = init->hdr.prf;
  msg->hdr.csb_id = init->hdr.csb_id;
  msg->hdr.map_type = init->hdr.map_type;
  msg->hdr.n_cs_empty = init->hdr.n_cs_empty;
  for (i = 0; i < init->hdr.cs->len; i++) {
    const MikeySrtpCs *cs = &g_array_index (init->hdr.cs, MikeySrtpCs, i);

    mikey_message_add_cs_srtp (msg, cs->policy_no, cs->ssrc, cs->roc);
  }
  /* a COUNTER initiator has no clock to check ours against: echo its T */
  mikey_add_timestamp (msg, ti->u.t.ts_type, (guint32) ti->u.t.value, now_us);
  if (resp->id_r != NULL) {
    MikeyPayload *id = mikey_message_add (msg,
        mikey_payload_new (MIKEY_PT_ID));

    id->u.id.id_type = MIKEY_ID_URI;
    mikey_blob_set (&id->u.id.data, (const guint8 *) resp->id_r,
        strlen (resp->id_r));
  }
  v = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_V));
  v->u.v.mac_alg = MIKEY_MAC_HMAC_SHA1_160;
  v->u.v.mac.data = g_malloc0 (MIKEY_MAC_HMAC_SHA1_160_LEN);
  v->u.v.mac.len = MIKEY_MAC_HMAC_SHA1_160_LEN;

  bytes = mikey_message_serialize (msg, error);
  if (bytes == NULL)
    return NULL;
  data = g_bytes_unref_to_data (bytes, &len);
  extra = mikey_verify_mac_extra (init, msg);
  ok = mikey_mac_compute2 (MIKEY_MAC_HMAC_SHA1_160, keys->auth_key,
      sizeof (keys->auth_key), data, len - MIKEY_MAC_HMAC_SHA1_160_LEN,
      extra->data, extra->len, data + len - MIKEY_MAC_HMAC_SHA1_160_LEN, error);
  g_byte_array_unref (extra);
  if (!ok) {
    g_free (data);
    return NULL;
  }
  return g_bytes_new_take (data, len);
}

static gboolean
is_retransmission (MikeyResponder * resp, const guint8 * data, gsize len,
    const gchar * peer)
{
  gsize last_len;
  const guint8 *last;

  if (resp->last_init == NULL || g_strcmp0 (resp->last_peer, peer) != 0)
    return FALSE;
  last = g_bytes_get_data (resp->last_init, &last_len);
  return last_len == len && CRYPTO_memcmp (last, data, len) == 0;
}

static void
remember (MikeyResponder * resp, const MikeyMessage * msg, GArray * params,
    const guint8 * data, gsize len, const gchar * peer, GBytes * reply)
{
  if (resp->params)
    g_array_unref (resp->params);
  resp->params = params;
  resp->csb_id = msg->hdr.csb_id;
  if (resp->last_init)
    g_bytes_unref (resp->last_init);
  resp->last_init = g_bytes_new (data, len);
  g_free (resp->last_peer);
  resp->last_peer = g_strdup (peer);
  if (resp->last_reply)
    g_bytes_unref (resp->last_reply);
  resp->last_reply = reply ? g_bytes_ref (reply) : NULL;
}

/* @error is never NULL here, so refusal reasons can be inspected */
static MikeyResponseResult
handle_init (MikeyResponder * resp, const guint8 * data, gsize len,
    const gchar * peer, gint64 now_us, GBytes ** reply, GError ** error)
{
  g_autoptr (MikeyMessage) msg = NULL;
  g_autoptr (GPtrArray) key_data = NULL;
  const MikeyPayload *kemac, *rand;
  MikeyTransportKeys keys = { {0} };
  GArray *params;
  GBytes *out = NULL;

  if (reply)
    *reply = NULL;
  if (peer == NULL)
    peer = "";

  /* an initiator that lost our answer sends the same bytes again */
  if (is_retransmission (resp, data, len, peer)) {
    if (reply && resp->last_reply)
      *reply = g_bytes_ref (resp->last_reply);
    return MIKEY_RESPONSE_RETRANSMISSION;
  }

  msg = mikey_message_parse (data, len, error);
  if (msg == NULL)
    return MIKEY_RESPONSE_REFUSED;
  if (msg->hdr.data_type != MIKEY_DT_PSK_INIT) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED,
        "%s message not supported in mode %s (expected a PSK initiation "
        "message)", mikey_data_type_name (msg->hdr.data_type),
        mikey_mode_name (resp->mode));
    return refuse (msg, MIKEY_ERR_INVALID_DT, now_us, reply);
  }
  if (msg->hdr.prf != MIKEY_PRF_MIKEY_1) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED,
        "PRF %u not supported", msg->hdr.prf);
    return refuse (msg, MIKEY_ERR_INVALID_PRF, now_us, reply);
  }
  kemac = mikey_message_find (msg, MIKEY_PT_KEMAC, NULL);
  if (kemac == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "initiation message has no KEMAC payload");
    return refuse (msg, MIKEY_ERR_UNSPECIFIED, now_us, reply);
  }
  if (!check_mode (resp, kemac, error))
    return refuse (msg, resp->mode == MIKEY_MODE_PSK ?
        MIKEY_ERR_INVALID_MAC : MIKEY_ERR_INVALID_EA, now_us, reply);

  key_data = mikey_psk_open_kemac (msg, data, len, resp->psk.data,
      resp->psk.len, error);
  if (key_data == NULL) {
    gboolean auth = g_error_matches (*error, MIKEY_ERROR, MIKEY_ERROR_AUTH);

    return refuse (msg, auth ? MIKEY_ERR_AUTH_FAILURE : MIKEY_ERR_UNSPECIFIED,
        now_us, reply);
  }

  /* only after authentication: unauthenticated junk must not fill the
   * replay cache */
  if (!mikey_replay_cache_check (resp->replay, msg, data, len, peer, now_us,
          error)) {
    gboolean stale = g_error_matches (*error, MIKEY_ERROR, MIKEY_ERROR_STALE);

    return refuse (msg, stale ? MIKEY_ERR_INVALID_TS : -1, now_us, reply);
  }

  params = mikey_srtp_params_from_message (msg, key_data, NULL, 0, error);
  if (params == NULL)
    return refuse (msg, MIKEY_ERR_INVALID_SP, now_us, reply);

  if (msg->hdr.v && resp->mode == MIKEY_MODE_PSK) {
    rand = mikey_message_find (msg, MIKEY_PT_RAND, NULL);
    if (!mikey_transport_keys_derive (resp->psk.data, resp->psk.len,
            msg->hdr.csb_id, rand->u.rand.rand.data, rand->u.rand.rand.len,
            &keys, error) ||
        (out = build_verify (resp, msg, &keys, now_us, error)) == NULL) {
      mikey_transport_keys_clear (&keys);
      g_array_unref (params);
      return MIKEY_RESPONSE_REFUSED;
    }
    mikey_transport_keys_clear (&keys);
  }

  remember (resp, msg, params, data, len, peer, out);
  if (reply)
    *reply = out;
  else if (out)
    g_bytes_unref (out);
  return MIKEY_RESPONSE_ACCEPTED;
}

MikeyResponseResult
mikey_responder_handle_init (MikeyResponder * resp, const guint8 * data,
    gsize len, const gchar * peer, gint64 now_us, GBytes ** reply,
    GError ** error)
{
  GError *local = NULL;
  MikeyResponseResult res;

  res = handle_init (resp, data, len, peer, now_us, reply, &local);
  if (local != NULL)
    g_propagate_error (error, local);
  return res;
}

GArray *
mikey_responder_get_srtp_params (const MikeyResponder * resp)
{
  return resp->params;
}

guint32
mikey_responder_get_csb_id (const MikeyResponder * resp)
{
  return resp->csb_id;
}

const MikeySuiteInfo *
mikey_responder_get_suite (const MikeyResponder * resp)
{
  if (resp->params == NULL || resp->params->len == 0)
    return NULL;
  return g_array_index (resp->params, MikeySrtpParams, 0).suite;
}
