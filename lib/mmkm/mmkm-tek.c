/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM TEK messages: MIKEY-PSK under the member's KEK, built by libmikey's
 * initiator (key-data=tek, MKI as key validity SPI) and opened by its
 * responder, plus the MMKM checks (IDr, CSB ID, MKI length) that libmikey
 * leaves to its caller. See mmkm-tek.h. */
#include "mmkm-tek.h"

#include <string.h>
#include <openssl/crypto.h>

#include "mikey-error.h"
#include "mikey-suite.h"
#include "mikey-timestamp.h"
#include "mikey-replay.h"

struct _MmkmTekReceiver
{
  MikeyReplayCache *replay;
  MikeyResponder *resp;
  gchar *user_id;
  guint32 group_id;
};

GBytes *
mmkm_tek_message_build (const MmkmTekParams * p, gint64 now_us, GError ** error)
{
  g_autofree gchar *id_r = NULL;
  g_autoptr (MikeyInitiator) init = NULL;
  MikeyInitiatorConfig cfg = { 0 };
  MikeySrtpCs cs;
  guint8 mki[MMKM_MKI_LEN];
  GBytes *msg;

  if (p->kek == NULL || p->tek == NULL || p->group_id == 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "a TEK message needs the member's KEK, the TEK and a group id "
        "other than 0");
    return NULL;
  }
  id_r = mmkm_user_id (p->user_name, error);
  if (id_r == NULL)
    return NULL;
  mki[0] = p->mki >> 24;
  mki[1] = p->mki >> 16;
  mki[2] = p->mki >> 8;
  mki[3] = p->mki;

  cfg.mode = MIKEY_MODE_PSK;
  cfg.psk = p->kek;
  cfg.psk_len = MMKM_KEK_LEN;
  cfg.suite = p->suite;
  /* the member acknowledges with a verification message (seed 002, step
   * 4b); this side keeps the message, not the exchange, to check it */
  cfg.no_verify = FALSE;
  cfg.csb_id = p->group_id;
  cfg.tek = p->tek;
  cfg.tek_len = p->tek_len;
  cfg.mki = mki;
  cfg.mki_len = MMKM_MKI_LEN;
  if (p->has_ssrc) {
    cs.policy_no = 0;
    cs.ssrc = p->ssrc;
    cs.roc = p->roc;
    cfg.cs = &cs;
    cfg.n_cs = 1;
  }
  cfg.id_i = MMKM_SERVER_ID;
  cfg.id_r = id_r;
  init = mikey_initiator_new (&cfg, error);
  if (init == NULL)
    return NULL;
  msg = mikey_initiator_start (init, now_us, error);
  /* the initiator wipes its copies of the KEK and TEK when freed */
  return msg;
}

MmkmTekReceiver *
mmkm_tek_receiver_new (const guint8 * kek, const gchar * user_name,
    guint32 group_id, gint64 skew_us, GError ** error)
{
  MikeyResponderConfig cfg = { 0 };
  MmkmTekReceiver *r;
  gchar *user_id;

  if (kek == NULL || group_id == 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "a TEK receiver needs the session's KEK and a group id other "
        "than 0");
    return NULL;
  }
  if (skew_us < 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "the allowed clock skew cannot be negative");
    return NULL;
  }
  user_id = mmkm_user_id (user_name, error);
  if (user_id == NULL)
    return NULL;
  r = g_new0 (MmkmTekReceiver, 1);
  r->user_id = user_id;
  r->group_id = group_id;
  r->replay = mikey_replay_cache_new (skew_us, 0);

  cfg.mode = MIKEY_MODE_PSK;
  cfg.psk = kek;
  cfg.psk_len = MMKM_KEK_LEN;
  cfg.replay = r->replay;
  cfg.id_r = user_id;
  /* IDi, compared by libmikey once the MAC verified */
  cfg.peer_id = MMKM_SERVER_ID;
  r->resp = mikey_responder_new (&cfg, error);
  if (r->resp == NULL) {
    mmkm_tek_receiver_free (r);
    return NULL;
  }
  return r;
}

void
mmkm_tek_receiver_free (MmkmTekReceiver * r)
{
  if (r == NULL)
    return;
  /* the responder wipes its copy of the KEK and the keys it opened */
  g_clear_pointer (&r->resp, mikey_responder_free);
  g_clear_pointer (&r->replay, mikey_replay_cache_free);
  g_free (r->user_id);
  g_free (r);
}

/* The second ID payload: IDr (the initiator sends IDi first) */
static gboolean
check_idr (const MmkmTekReceiver * r, const MikeyMessage * msg, GError ** error)
{
  const MikeyPayload *id;
  guint idx = 0, n = 0;
  gsize want = strlen (r->user_id);

  while ((id = mikey_message_find (msg, MIKEY_PT_ID, &idx)) != NULL) {
    idx++;
    if (++n == 2)
      break;
  }
  if (id != NULL && id->u.id.data.len == want &&
      memcmp (id->u.id.data.data, r->user_id, want) == 0)
    return TRUE;
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_IDENTITY,
      "mismatched identity: the TEK message is not for %s", r->user_id);
  return FALSE;
}

gboolean
mmkm_tek_receiver_open (MmkmTekReceiver * r, const guint8 * data, gsize len,
    gint64 now_us, MikeySrtpParams * out, GError ** error)
{
  return mmkm_tek_receiver_open_ack (r, data, len, now_us, out, NULL, error);
}

gboolean
mmkm_tek_receiver_open_ack (MmkmTekReceiver * r, const guint8 * data,
    gsize len, gint64 now_us, MikeySrtpParams * out, GBytes ** ack,
    GError ** error)
{
  g_autoptr (MikeyMessage) msg = NULL;
  GBytes *reply = NULL;
  MikeyResponseResult res;
  GArray *params;

  memset (out, 0, sizeof (*out));
  if (ack != NULL)
    *ack = NULL;
  res = mikey_responder_handle_init (r->resp, data, len, MMKM_SERVER_ID,
      now_us, &reply, error);
  if (res != MIKEY_RESPONSE_ACCEPTED)
    g_clear_pointer (&reply, g_bytes_unref);
  if (res == MIKEY_RESPONSE_RETRANSMISSION) {
    /* harmless for a peer that lost our answer; here it is a replay */
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_REPLAY,
        "the TEK message was received before");
    return FALSE;
  }
  if (res != MIKEY_RESPONSE_ACCEPTED) {
    if (res == MIKEY_RESPONSE_COUNTER_PROPOSAL)
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_MODE_REFUSED,
          "the TEK message's crypto suite is not accepted");
    return FALSE;
  }

  /* accepted: the MAC covered the header and the ID payloads read here */
  msg = mikey_message_parse (data, len, error);
  if (msg == NULL || !check_idr (r, msg, error))
    goto refused;
  if (mikey_responder_get_csb_id (r->resp) != r->group_id) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_POLICY,
        "the TEK message is for group %u, not %u",
        mikey_responder_get_csb_id (r->resp), r->group_id);
    goto refused;
  }
  params = mikey_responder_get_srtp_params (r->resp);
  if (params == NULL || params->len != 1 ||
      g_array_index (params, MikeySrtpParams, 0).mki_len != MMKM_MKI_LEN) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "a TEK message carries one crypto session and a %d-byte MKI",
        MMKM_MKI_LEN);
    goto refused;
  }
  *out = g_array_index (params, MikeySrtpParams, 0);
  if (ack != NULL)
    *ack = reply;
  else if (reply != NULL)
    g_bytes_unref (reply);
  return TRUE;

refused:
  /* no acknowledgement of a TEK this member does not take */
  g_clear_pointer (&reply, g_bytes_unref);
  return FALSE;
}

/* The ID payload of @ack (a verification message has one: IDr) */
static gboolean
check_ack_idr (const MikeyMessage * ack, const gchar * user_id, GError ** error)
{
  const MikeyPayload *id = mikey_message_find (ack, MIKEY_PT_ID, NULL);
  gsize want = strlen (user_id);

  if (id != NULL && id->u.id.data.len == want &&
      memcmp (id->u.id.data.data, user_id, want) == 0)
    return TRUE;
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_IDENTITY,
      "mismatched identity: the acknowledgement is not from %s", user_id);
  return FALSE;
}

gboolean
mmkm_tek_ack_check (const guint8 * kek, const gchar * user_name,
    GBytes * tek_msg, const guint8 * ack, gsize ack_len, gint64 now_us,
    gint64 skew_us, GError ** error)
{
  g_autoptr (MikeyMessage) init = NULL;
  g_autoptr (MikeyMessage) v = NULL;
  g_autofree gchar *user_id = NULL;
  const MikeyPayload *t;
  gconstpointer idata;
  gsize ilen;
  gint64 t_us;

  if (kek == NULL || tek_msg == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "checking an acknowledgement needs the KEK and the TEK message");
    return FALSE;
  }
  if (skew_us <= 0)
    skew_us = MIKEY_REPLAY_DEFAULT_SKEW_US;
  user_id = mmkm_user_id (user_name, error);
  if (user_id == NULL)
    return FALSE;
  idata = g_bytes_get_data (tek_msg, &ilen);
  init = mikey_message_parse (idata, ilen, error);
  if (init == NULL)
    return FALSE;
  v = mikey_message_parse (ack, ack_len, error);
  if (v == NULL)
    return FALSE;
  if (!mikey_psk_check_verify (init, v, ack, ack_len, kek, MMKM_KEK_LEN, error))
    return FALSE;
  /* authenticated: what it says now means something */
  if (!check_ack_idr (v, user_id, error))
    return FALSE;
  t = mikey_message_find (v, MIKEY_PT_T, NULL);
  if (t == NULL || t->u.t.ts_type != MIKEY_TS_NTP_UTC) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "an acknowledgement carries an NTP-UTC timestamp");
    return FALSE;
  }
  t_us = mikey_ntp_to_unix_us (t->u.t.value);
  if (t_us < now_us - skew_us || t_us > now_us + skew_us) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_STALE,
        "the acknowledgement's timestamp is %" G_GINT64_FORMAT " s from "
        "this clock (allowed: %" G_GINT64_FORMAT " s): check the member's "
        "clock", (t_us - now_us) / G_USEC_PER_SEC, skew_us / G_USEC_PER_SEC);
    return FALSE;
  }
  return TRUE;
}

guint32
mmkm_tek_get_mki (const MikeySrtpParams * p)
{
  if (p->mki_len != MMKM_MKI_LEN)
    return 0;
  return ((guint32) p->mki[0] << 24) | ((guint32) p->mki[1] << 16) |
      ((guint32) p->mki[2] << 8) | p->mki[3];
}
