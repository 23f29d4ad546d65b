/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY public-key envelope mode (RFC 3830 3.2):
 *   I = HDR, T, RAND, [IDi|CERTi], [IDr], {SP}, KEMAC, [CHASH], PKE, SIGNi
 *   R = HDR, T, [IDr], V
 * A random envelope key, encrypted with the responder's RSA key in the PKE
 * payload, keys the KEMAC as a pre-shared key would; the initiator signs. */
#include "mikey-exchange-private.h"

#include <openssl/crypto.h>

#define ENV_KEY_LEN 32

/* The envelope key goes to whoever holds peer_cert's key. A configured
 * certificate is trusted as such (as a pinned one is in the DH modes); it
 * must still be valid now, be the responder we name, and be meant for key
 * transport. */
static gboolean
check_peer_cert (MikeyInitiator * init, gint64 now_us, GError ** error)
{
  if (!mikey_cert_check_validity (init->peer_cert, now_us / G_USEC_PER_SEC,
          error))
    return FALSE;
  if (init->id_r != NULL &&
      !mikey_cert_matches_identity (init->peer_cert, init->id_r, error))
    return FALSE;
  return mikey_cert_check_usage (init->peer_cert,
      MIKEY_CERT_USAGE_ENCRYPT_KEY, error);
}

GBytes *
mikey_pke_build_init (MikeyInitiator * init, MikeyMessage * msg,
    gint64 now_us, GError ** error)
{
  const MikeyPayload *rand = mikey_message_find (msg, MIKEY_PT_RAND, NULL);
  g_autoptr (MikeyKey) peer_key = NULL;
  MikeyPayload *kemac, *chash, *pke;
  guint8 env_key[ENV_KEY_LEN];
  guint8 *enc = NULL;
  gsize enc_len = 0, hash_len = 0;
  gint kemac_idx;
  gboolean ok;

  if (!check_peer_cert (init, now_us, error))
    return NULL;
  peer_key = mikey_cert_get_public_key (init->peer_cert);
  ok = mikey_random_bytes (env_key, sizeof (env_key), error) &&
      mikey_transport_keys_derive (env_key, sizeof (env_key), init->csb_id,
      rand->u.rand.rand.data, rand->u.rand.rand.len, &init->keys, error) &&
      mikey_pk_encrypt (peer_key, env_key, sizeof (env_key), &enc, &enc_len,
      error);
  OPENSSL_cleanse (env_key, sizeof (env_key));
  if (!ok)
    return NULL;

  kemac = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_KEMAC));
  kemac_idx = msg->payloads->len - 1;
  if (!mikey_kemac_fill (init, msg, kemac, TRUE, error)) {
    g_free (enc);
    return NULL;
  }

  /* tells a responder with several keys which one we used */
  chash = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_CHASH));
  chash->u.chash.hash_func = MIKEY_HASH_SHA1;
  mikey_blob_set_zero (&chash->u.chash.hash, MIKEY_CHASH_MAX_LEN);
  if (!mikey_cert_hash (MIKEY_HASH_SHA1, init->peer_cert,
          chash->u.chash.hash.data, &hash_len, error)) {
    g_free (enc);
    return NULL;
  }

  pke = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_PKE));
  pke->u.pke.cache = MIKEY_CACHE_NONE;
  pke->u.pke.data.data = enc;
  pke->u.pke.data.len = enc_len;

  mikey_add_sign_placeholder (msg, init->key, init->sign_type);
  return mikey_seal (msg, kemac_idx, init->keys.auth_key,
      sizeof (init->keys.auth_key), NULL, init->key, init->sign_type, error);
}

static gboolean
check_chash (MikeyResponder * resp, const MikeyMessage * msg, GError ** error)
{
  const MikeyPayload *chash = mikey_message_find (msg, MIKEY_PT_CHASH, NULL);
  guint8 ours[MIKEY_CHASH_MAX_LEN];
  gsize len = 0;

  if (chash == NULL)
    return TRUE;
  if (!mikey_cert_hash (chash->u.chash.hash_func,
          g_ptr_array_index (resp->certs, 0), ours, &len, error))
    return FALSE;
  if (len != chash->u.chash.hash.len ||
      CRYPTO_memcmp (ours, chash->u.chash.hash.data, len) != 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_AUTH,
        "the envelope key was encrypted for another certificate than ours "
        "(CHASH mismatch)");
    return FALSE;
  }
  return TRUE;
}

/* Decrypts the envelope key and derives the KEMAC keys. Every failure
 * reads the same so the answer is no padding oracle (Bleichenbacher). */
static gboolean
open_envelope (MikeyResponder * resp, const MikeyMessage * msg,
    MikeyTransportKeys * keys, GError ** error)
{
  const MikeyPayload *pke = mikey_message_find (msg, MIKEY_PT_PKE, NULL);
  const MikeyPayload *rand = mikey_message_find (msg, MIKEY_PT_RAND, NULL);
  guint8 *env = NULL;
  gsize env_len = 0;
  gboolean ok;

  if (pke == NULL || rand == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "public-key message needs PKE and RAND payloads");
    return FALSE;
  }
  ok = mikey_pk_decrypt (resp->key, pke->u.pke.data.data, pke->u.pke.data.len,
      &env, &env_len, NULL) &&
      mikey_transport_keys_derive (env, env_len, msg->hdr.csb_id,
      rand->u.rand.rand.data, rand->u.rand.rand.len, keys, NULL);
  mikey_secure_free (env, env_len);
  if (!ok)
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_AUTH,
        "authentication failed: the envelope key does not open with our "
        "private key");
  return ok;
}

gboolean
mikey_pke_respond (MikeyResponder * resp, const MikeyMessage * msg,
    const guint8 * data, gsize len, gint64 now_us,
    MikeyReplayCheck check_replay, MikeyResponderOutcome * out, GError ** error)
{
  g_autoptr (MikeyCert) cert = NULL;
  g_autoptr (MikeyKey) peer_key = NULL;
  g_autoptr (GPtrArray) key_data = NULL;
  g_autofree gchar *idi = NULL;
  MikeyTransportKeys keys = { {0} };
  gboolean ok = FALSE;

  if (mikey_message_find (msg, MIKEY_PT_KEMAC, NULL) == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "initiation message has no KEMAC payload");
    out->err_no = MIKEY_ERR_UNSPECIFIED;
    return FALSE;
  }
  /* who signed it, and is that who it claims to be */
  idi = mikey_id_string (mikey_find_idi (msg));
  cert = mikey_peer_cert (msg, resp->peer_cert, resp->trust, idi, now_us,
      error);
  if (cert == NULL) {
    out->err_no = MIKEY_ERR_INVALID_CERT;
    return FALSE;
  }
  peer_key = mikey_cert_get_public_key (cert);
  if (!mikey_check_signature (msg, data, len, peer_key, error) ||
      !check_chash (resp, msg, error)) {
    out->err_no = MIKEY_ERR_AUTH_FAILURE;
    return FALSE;
  }
  if (!mikey_responder_check_cert_id (resp, cert, error)) {
    out->err_no = MIKEY_ERR_INVALID_ID;
    return FALSE;
  }
  if (!open_envelope (resp, msg, &keys, error)) {
    out->err_no = MIKEY_ERR_AUTH_FAILURE;
    return FALSE;
  }
  key_data = mikey_kemac_open (msg, data, len, &keys, error);
  if (key_data == NULL)
    out->err_no = MIKEY_ERR_AUTH_FAILURE;
  else
    ok = mikey_kemac_respond (resp, msg, data, len, cert, key_data, &keys,
        MIKEY_DT_PK_VERIFY, now_us, check_replay, out, error);

  mikey_transport_keys_clear (&keys);
  return ok;
}
