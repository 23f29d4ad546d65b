/* MIKEY initiator (sender side) for the NULL and PSK modes. */
#include "mikey-exchange.h"
#include "mikey-exchange-private.h"
#include "mikey-crypto.h"

#include <string.h>
#include <openssl/crypto.h>

#define RAND_LEN 16
#define MAX_TGK_LEN 64

struct _MikeyInitiator
{
  MikeyMode mode;
  MikeyBlob psk;
  const MikeySuiteInfo *suite;
  guint8 enc_alg;
  guint8 ts_type;
  guint32 counter;
  gboolean want_verify;
  guint32 csb_id;
  MikeyBlob tgk;
  MikeyBlob tek;
  MikeyBlob mki;
  GArray *cs;                   /* of MikeySrtpCs */
  gchar *id_i, *id_r;

  MikeyExchangeState state;
  MikeyMessage *init_msg;       /* as sent, for the verification MAC */
  GBytes *init_bytes;
  MikeyTransportKeys keys;
  GArray *params;
};

static gboolean
check_config (const MikeyInitiatorConfig * cfg, GError ** error)
{
  const gchar *problem = NULL;

  if (cfg->mode != MIKEY_MODE_NULL && cfg->mode != MIKEY_MODE_PSK)
    problem = "mode must be null or psk";
  else if (cfg->mode == MIKEY_MODE_PSK && (cfg->psk == NULL ||
          cfg->psk_len == 0))
    problem = "PSK mode needs a pre-shared key";
  else if (cfg->tgk != NULL && cfg->tek != NULL)
    problem = "give either a TGK or a TEK, not both";
  else if (cfg->tgk != NULL && (cfg->tgk_len == 0 ||
          cfg->tgk_len > MAX_TGK_LEN))
    problem = "TGK must be 1 to 64 bytes";
  else if (cfg->mki_len > MIKEY_MAX_MKI)
    problem = "MKI must be at most 128 bytes";
  else if (cfg->n_cs > 255)
    problem = "at most 255 crypto sessions fit in a MIKEY message";
  else if (cfg->enc_alg > MIKEY_ENC_AES_KW_128)
    problem = "unknown KEMAC encryption algorithm";
  else if (cfg->ts_type > MIKEY_TS_COUNTER)
    problem = "unknown timestamp type";

  if (problem != NULL) {
    g_set_error_literal (error, MIKEY_ERROR, MIKEY_ERROR_INVALID, problem);
    return FALSE;
  }
  return TRUE;
}

MikeyInitiator *
mikey_initiator_new (const MikeyInitiatorConfig * cfg, GError ** error)
{
  MikeyInitiator *init;
  const MikeySuiteInfo *suite;

  if (!check_config (cfg, error))
    return NULL;
  suite = cfg->suite ? cfg->suite :
      mikey_suite_get (MIKEY_SUITE_AES_CM_128_HMAC_SHA1_80);
  if (cfg->tek != NULL && cfg->tek_len != suite->key_len + suite->salt_len) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "TEK must be the %u-byte master key followed by the %u-byte salt "
        "for %s (%u bytes), not %" G_GSIZE_FORMAT " bytes", suite->key_len,
        suite->salt_len, suite->name, suite->key_len + suite->salt_len,
        cfg->tek_len);
    return NULL;
  }

  init = g_new0 (MikeyInitiator, 1);
  init->mode = cfg->mode;
  mikey_blob_set (&init->psk, cfg->psk, cfg->psk_len);
  init->suite = suite;
  init->enc_alg = cfg->enc_alg ? cfg->enc_alg : MIKEY_ENC_AES_CM_128;
  init->ts_type = cfg->ts_type;
  init->counter = cfg->counter;
  init->want_verify = cfg->mode == MIKEY_MODE_PSK && !cfg->no_verify;
  init->csb_id = cfg->csb_id;
  mikey_blob_set (&init->tgk, cfg->tgk, cfg->tgk_len);
  mikey_blob_set (&init->tek, cfg->tek, cfg->tek_len);
  mikey_blob_set (&init->mki, cfg->mki, cfg->mki_len);
  init->cs = g_array_new (FALSE, FALSE, sizeof (MikeySrtpCs));
  if (cfg->n_cs > 0)
    g_array_append_vals (init->cs, cfg->cs, cfg->n_cs);
  init->id_i = g_strdup (cfg->id_i);
  init->id_r = g_strdup (cfg->id_r);
  init->state = MIKEY_STATE_IDLE;
  return init;
}

void
mikey_initiator_free (MikeyInitiator * init)
{
  if (init == NULL)
    return;
  mikey_blob_clear (&init->psk);
  mikey_blob_clear (&init->tgk);
  mikey_blob_clear (&init->tek);
  mikey_blob_clear (&init->mki);
  g_array_unref (init->cs);
  g_free (init->id_i);
  g_free (init->id_r);
  if (init->init_msg)
    mikey_message_free (init->init_msg);
  if (init->init_bytes)
    g_bytes_unref (init->init_bytes);
  mikey_transport_keys_clear (&init->keys);
  if (init->params)
    g_array_unref (init->params);
  g_free (init);
}

static void
add_id (MikeyMessage * msg, const gchar * id)
{
  MikeyPayload *p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_ID));

  p->u.id.id_type = MIKEY_ID_URI;
  mikey_blob_set (&p->u.id.data, (const guint8 *) id, strlen (id));
}

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

/* Fills the KEMAC: encrypted key data for PSK, plain for NULL. */
static gboolean
fill_kemac (MikeyInitiator * init, MikeyPayload * kemac, GPtrArray * kd_list,
    guint64 ts, const guint8 * rand, GError ** error)
{
  guint8 *plain, *enc = NULL;
  gsize plain_len, enc_len = 0;
  gboolean ok;

  plain = mikey_key_data_serialize_list (kd_list, &plain_len, error);
  if (plain == NULL)
    return FALSE;

  if (init->mode == MIKEY_MODE_NULL) {
    kemac->u.kemac.enc_alg = MIKEY_ENC_NULL;
    kemac->u.kemac.mac_alg = MIKEY_MAC_NULL;
    mikey_blob_set (&kemac->u.kemac.enc_data, plain, plain_len);
    mikey_secure_free (plain, plain_len);
    return TRUE;
  }

  ok = mikey_transport_keys_derive (init->psk.data, init->psk.len,
      init->csb_id, rand, RAND_LEN, &init->keys, error) &&
      mikey_kemac_encrypt (init->enc_alg, &init->keys, init->csb_id, ts,
      plain, plain_len, &enc, &enc_len, error);
  mikey_secure_free (plain, plain_len);
  if (!ok)
    return FALSE;
  kemac->u.kemac.enc_alg = init->enc_alg;
  kemac->u.kemac.mac_alg = MIKEY_MAC_HMAC_SHA1_160;
  mikey_blob_set (&kemac->u.kemac.enc_data, enc, enc_len);
  mikey_secure_free (enc, enc_len);
  /* placeholder of the right length; the MAC is computed over the
   * serialized message and patched in */
  kemac->u.kemac.mac.data = g_malloc0 (MIKEY_MAC_HMAC_SHA1_160_LEN);
  kemac->u.kemac.mac.len = MIKEY_MAC_HMAC_SHA1_160_LEN;
  return TRUE;
}

static GBytes *
seal (MikeyInitiator * init, MikeyPayload * kemac, GError ** error)
{
  GBytes *bytes = mikey_message_serialize (init->init_msg, error);
  guint8 *data;
  gsize len;

  if (bytes == NULL || init->mode == MIKEY_MODE_NULL)
    return bytes;

  data = g_bytes_unref_to_data (bytes, &len);
  if (!mikey_mac_compute (MIKEY_MAC_HMAC_SHA1_160, init->keys.auth_key,
          sizeof (init->keys.auth_key), data,
          len - MIKEY_MAC_HMAC_SHA1_160_LEN,
          data + len - MIKEY_MAC_HMAC_SHA1_160_LEN, error)) {
    g_free (data);
    return NULL;
  }
  memcpy (kemac->u.kemac.mac.data, data + len - MIKEY_MAC_HMAC_SHA1_160_LEN,
      MIKEY_MAC_HMAC_SHA1_160_LEN);
  return g_bytes_new_take (data, len);
}

static GBytes *
build_init (MikeyInitiator * init, gint64 now_us, GError ** error)
{
  MikeyMessage *msg;
  MikeyPayload *t, *rand, *kemac, *kd;
  GPtrArray *kd_list;
  guint i;
  gboolean ok;

  if (init->csb_id == 0 && !mikey_random_bytes ((guint8 *) & init->csb_id,
          sizeof (init->csb_id), error))
    return NULL;

  msg = init->init_msg = mikey_message_new ();
  msg->hdr.version = MIKEY_VERSION;
  msg->hdr.data_type = MIKEY_DT_PSK_INIT;
  msg->hdr.v = init->want_verify;
  msg->hdr.prf = MIKEY_PRF_MIKEY_1;
  msg->hdr.csb_id = init->csb_id;
  msg->hdr.map_type = MIKEY_MAP_SRTP_ID;
  for (i = 0; i < init->cs->len; i++) {
    const MikeySrtpCs *cs = &g_array_index (init->cs, MikeySrtpCs, i);

    mikey_message_add_cs_srtp (msg, 0, cs->ssrc, cs->roc);
  }

  t = mikey_add_timestamp (msg, init->ts_type, init->counter, now_us);
  rand = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_RAND));
  rand->u.rand.rand.data = g_malloc (RAND_LEN);
  rand->u.rand.rand.len = RAND_LEN;
  if (!mikey_random_bytes (rand->u.rand.rand.data, RAND_LEN, error))
    return NULL;
  if (init->id_i != NULL)
    add_id (msg, init->id_i);
  if (init->id_r != NULL)
    add_id (msg, init->id_r);
  mikey_message_add (msg, mikey_suite_to_sp (init->suite, 0));
  kemac = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_KEMAC));

  kd = make_key_data (init, error);
  if (kd == NULL)
    return NULL;
  kd_list = g_ptr_array_new_with_free_func ((GDestroyNotify)
      mikey_payload_free);
  g_ptr_array_add (kd_list, kd);
  ok = fill_kemac (init, kemac, kd_list, t->u.t.value,
      rand->u.rand.rand.data, error);
  if (ok) {
    /* our own keys, derived exactly as the responder will */
    init->params = mikey_srtp_params_from_message (msg, kd_list, NULL, 0,
        error);
    ok = init->params != NULL;
  }
  g_ptr_array_unref (kd_list);
  return ok ? seal (init, kemac, error) : NULL;
}

GBytes *
mikey_initiator_start (MikeyInitiator * init, gint64 now_us, GError ** error)
{
  if (init->init_bytes != NULL)
    return g_bytes_ref (init->init_bytes);
  if (init->state != MIKEY_STATE_IDLE) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_STATE,
        "the exchange already failed");
    return NULL;
  }

  init->init_bytes = build_init (init, now_us, error);
  if (init->init_bytes == NULL) {
    init->state = MIKEY_STATE_FAILED;
    return NULL;
  }
  init->state = init->want_verify ? MIKEY_STATE_WAIT_RESPONSE :
      MIKEY_STATE_COMPLETE;
  return g_bytes_ref (init->init_bytes);
}

static gboolean
handle_error_message (MikeyInitiator * init, const MikeyMessage * msg,
    GError ** error)
{
  const MikeyPayload *err = mikey_message_find (msg, MIKEY_PT_ERR, NULL);
  guint8 code = err ? err->u.err.err_no : MIKEY_ERR_UNSPECIFIED;

  init->state = MIKEY_STATE_FAILED;
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_PEER,
      "the responder refused the key: %s%s", mikey_err_type_name (code),
      code == MIKEY_ERR_AUTH_FAILURE ? " (wrong pre-shared key?)" : "");
  return FALSE;
}

static gboolean
verify_v (MikeyInitiator * init, const MikeyMessage * msg,
    const guint8 * data, gsize len, GError ** error)
{
  const MikeyPayload *v = mikey_message_find (msg, MIKEY_PT_V, NULL);
  GByteArray *extra;
  gboolean ok;

  if (v == NULL || v->u.v.mac_alg != MIKEY_MAC_HMAC_SHA1_160 ||
      g_ptr_array_index (msg->payloads, msg->payloads->len - 1) != v) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "verification message must end with an HMAC-SHA-1 V payload");
    return FALSE;
  }
  extra = mikey_verify_mac_extra (init->init_msg, msg);
  ok = mikey_mac_verify (MIKEY_MAC_HMAC_SHA1_160, init->keys.auth_key,
      sizeof (init->keys.auth_key), data, len - v->u.v.mac.len, extra->data,
      extra->len, v->u.v.mac.data, v->u.v.mac.len, error);
  g_byte_array_unref (extra);
  if (!ok)
    g_prefix_error (error, "verification message: ");
  return ok;
}

gboolean
mikey_initiator_handle_response (MikeyInitiator * init, const guint8 * data,
    gsize len, gint64 now_us, GError ** error)
{
  g_autoptr (MikeyMessage) msg = NULL;

  if (init->state != MIKEY_STATE_WAIT_RESPONSE) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_STATE,
        "no response expected in this state");
    return FALSE;
  }
  msg = mikey_message_parse (data, len, error);
  if (msg == NULL)
    return FALSE;
  if (msg->hdr.csb_id != init->csb_id) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "answer is for CSB ID 0x%08x, not ours (0x%08x)", msg->hdr.csb_id,
        init->csb_id);
    return FALSE;
  }
  if (msg->hdr.data_type == MIKEY_DT_ERROR)
    return handle_error_message (init, msg, error);
  if (msg->hdr.data_type != MIKEY_DT_PSK_VERIFY) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "expected a PSK verification message, got %s",
        mikey_data_type_name (msg->hdr.data_type));
    return FALSE;
  }
  /* T_i inside the MAC binds the answer to this exchange, so no replay
   * cache is needed on this side */
  if (!verify_v (init, msg, data, len, error)) {
    init->state = MIKEY_STATE_FAILED;
    return FALSE;
  }
  init->state = MIKEY_STATE_COMPLETE;
  return TRUE;
}

MikeyExchangeState
mikey_initiator_get_state (const MikeyInitiator * init)
{
  return init->state;
}

guint32
mikey_initiator_get_csb_id (const MikeyInitiator * init)
{
  return init->csb_id;
}

const MikeySuiteInfo *
mikey_initiator_get_suite (const MikeyInitiator * init)
{
  return init->suite;
}

MikeyMode
mikey_initiator_get_mode (const MikeyInitiator * init)
{
  return init->mode;
}

GArray *
mikey_initiator_get_srtp_params (const MikeyInitiator * init)
{
  return init->params;
}
