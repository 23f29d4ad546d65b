/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM KEK by signed MIKEY-DH: configuration of libmikey's initiator and
 * responder, and the KEK taken from the SRTP parameters they derive.
 * See mmkm-kek.h and docs/mmkm-protocol.md. */
#include "mmkm-kek.h"

#include <string.h>
#include <openssl/crypto.h>

#include "mikey-error.h"
#include "mikey-suite.h"

#define USER_NAME_MAX 64

struct _MmkmKekMember
{
  MikeyInitiator *init;
};

gchar *
mmkm_user_id (const gchar * name, GError ** error)
{
  const gchar *c;

  if (name == NULL || name[0] == '\0' || strlen (name) > USER_NAME_MAX)
    goto bad;
  for (c = name; *c != '\0'; c++) {
    if (*c <= ' ' || *c > '~')
      goto bad;
  }
  return g_strconcat (MMKM_USER_ID_PREFIX, name, NULL);

bad:
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
      "a user name must be 1 to %d characters of printable ASCII without "
      "spaces", USER_NAME_MAX);
  return NULL;
}

/* Crypto session 1's master key: the KEK */
static gboolean
take_kek (GArray * params, guint8 kek[MMKM_KEK_LEN], GError ** error)
{
  const MikeySrtpParams *p;

  if (params == NULL || params->len < 1)
    goto bad;
  p = &g_array_index (params, MikeySrtpParams, 0);
  if (p->key_len != MMKM_KEK_LEN)
    goto bad;
  memcpy (kek, p->key, MMKM_KEK_LEN);
  return TRUE;

bad:
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_MODE_REFUSED,
      "the exchange gave no %d-byte key (crypto suite other than "
      "AES_256_CM_HMAC_SHA1_80)", MMKM_KEK_LEN);
  return FALSE;
}

MmkmKekMember *
mmkm_kek_member_new (const MmkmIdentity * device, const gchar * user_name,
    MikeyCert * server_cert, GError ** error)
{
  g_autofree gchar *id_i = mmkm_user_id (user_name, error);
  MikeySrtpCs cs = { 0, 0, 0 };
  MikeyInitiatorConfig cfg = { 0 };
  MmkmKekMember *m;
  MikeyInitiator *init;

  if (id_i == NULL)
    return NULL;
  if (server_cert == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "the server's certificate is needed to check its answer");
    return NULL;
  }
  cfg.mode = MIKEY_MODE_DH;
  cfg.suite = mikey_suite_get (MIKEY_SUITE_AES_256_CM_HMAC_SHA1_80);
  cfg.dh_group = MIKEY_DH_GROUP_OAKLEY5;
  cfg.sign_type = MIKEY_SIGN_RSA_PKCS1_1_5;
  cfg.key = mmkm_identity_get_key (device);
  cfg.certs = mmkm_identity_get_chain (device);
  /* pinned: no CA, the answer must be signed with exactly this key */
  cfg.peer_cert = server_cert;
  cfg.id_i = id_i;
  cfg.id_r = MMKM_SERVER_ID;
  cfg.cs = &cs;
  cfg.n_cs = 1;
  init = mikey_initiator_new (&cfg, error);
  if (init == NULL)
    return NULL;
  m = g_new0 (MmkmKekMember, 1);
  m->init = init;
  return m;
}

void
mmkm_kek_member_free (MmkmKekMember * m)
{
  if (m == NULL)
    return;
  /* wipes the DH secret and the derived keys */
  mikey_initiator_free (m->init);
  g_free (m);
}

static gboolean
check_not_done (const MmkmKekMember * m, GError ** error)
{
  if (m->init != NULL)
    return TRUE;
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_STATE,
      "this key exchange is over: start a new one");
  return FALSE;
}

GBytes *
mmkm_kek_member_start (MmkmKekMember * m, gint64 now_us, GError ** error)
{
  if (!check_not_done (m, error))
    return NULL;
  return mikey_initiator_start (m->init, now_us, error);
}

gboolean
mmkm_kek_member_finish (MmkmKekMember * m, const guint8 * answer, gsize len,
    gint64 now_us, guint8 kek[MMKM_KEK_LEN], GError ** error)
{
  GBytes *next = NULL;
  MikeyStep step;

  memset (kek, 0, MMKM_KEK_LEN);
  if (!check_not_done (m, error))
    return FALSE;
  step = mikey_initiator_step (m->init, answer, len, now_us, &next, error);
  g_clear_pointer (&next, g_bytes_unref);
  switch (step) {
    case MIKEY_STEP_COMPLETE:{
      gboolean ok = take_kek (mikey_initiator_get_srtp_params (m->init), kek,
          error);

      /* no copy of the KEK and DH secret left behind in the initiator */
      g_clear_pointer (&m->init, mikey_initiator_free);
      return ok;
    }
    case MIKEY_STEP_FAILED:
      return FALSE;
    case MIKEY_STEP_IGNORED:
      /* the step may have said why already (a message that does not
       * parse is ignored too) */
      if (!error || !*error)
        g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
            "the answer belongs to another exchange (other CSB ID)");
      return FALSE;
    default:
      /* one mode and one suite are offered: nothing to negotiate */
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_MODE_REFUSED,
          "the server refused the key exchange method or crypto suite");
      return FALSE;
  }
}

gboolean
mmkm_kek_server_respond (const MmkmIdentity * server, const gchar * user_name,
    MikeyCert * device_cert, MikeyReplayCache * replay, const guint8 * data,
    gsize len, gint64 now_us, GBytes ** reply, guint8 kek[MMKM_KEK_LEN],
    GError ** error)
{
  g_autofree gchar *peer_id = mmkm_user_id (user_name, error);
  const MikeySuiteInfo *suite =
      mikey_suite_get (MIKEY_SUITE_AES_256_CM_HMAC_SHA1_80);
  g_autoptr (MikeyResponder) resp = NULL;
  MikeyResponderConfig cfg = { 0 };
  MikeyResponseResult res;

  *reply = NULL;
  memset (kek, 0, MMKM_KEK_LEN);
  if (peer_id == NULL)
    return FALSE;
  if (device_cert == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "no enrolled device certificate for this member");
    return FALSE;
  }
  cfg.mode = MIKEY_MODE_DH;
  cfg.suites = &suite;
  cfg.n_suites = 1;
  cfg.dh_groups = MIKEY_DH_GROUP_BIT (MIKEY_DH_GROUP_OAKLEY5);
  cfg.sign_type = MIKEY_SIGN_RSA_PKCS1_1_5;
  cfg.key = mmkm_identity_get_key (server);
  cfg.certs = mmkm_identity_get_chain (server);
  cfg.peer_cert = device_cert;
  cfg.peer_id = peer_id;
  cfg.id_r = MMKM_SERVER_ID;
  cfg.replay = replay;
  resp = mikey_responder_new (&cfg, error);
  if (resp == NULL)
    return FALSE;

  res = mikey_responder_handle_init (resp, data, len, peer_id, now_us, reply,
      error);
  switch (res) {
    case MIKEY_RESPONSE_ACCEPTED:
      if (take_kek (mikey_responder_get_srtp_params (resp), kek, error))
        return TRUE;
      g_clear_pointer (reply, g_bytes_unref);
      return FALSE;
    case MIKEY_RESPONSE_REFUSED:
      return FALSE;
    default:
      /* a fresh responder has no earlier message to see again, and a
       * member of ours offers the one suite accepted */
      g_clear_pointer (reply, g_bytes_unref);
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_MODE_REFUSED,
          "the member offered another key exchange method or crypto "
          "suite than signed Diffie-Hellman with AES_256_CM_HMAC_SHA1_80");
      return FALSE;
  }
}
