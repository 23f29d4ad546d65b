/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY responder (receiver side): policy (modes, suites, negotiation),
 * retransmissions and replay, and dispatch to the mode files. */
#include "mikey-exchange-private.h"

#include <string.h>
#include <openssl/crypto.h>

static const gchar *
mode_unusable (const MikeyResponderConfig * cfg, MikeyMode mode)
{
  gboolean has_psk = cfg->psk != NULL && cfg->psk_len > 0;
  gboolean has_key = cfg->key != NULL && cfg->certs != NULL &&
      cfg->certs->len > 0;
  gboolean can_check = cfg->trust != NULL || cfg->peer_cert != NULL;

  switch (mode) {
    case MIKEY_MODE_NULL:
      return NULL;
    case MIKEY_MODE_PSK:
    case MIKEY_MODE_DHHMAC:
      return has_psk ? NULL : "a pre-shared key";
    case MIKEY_MODE_PKE:
    case MIKEY_MODE_DH:
      if (!has_key)
        return "our certificate and private key";
      return can_check ? NULL : "trusted CA certificates or the "
          "initiator's certificate to check its signature";
    default:
      return "a mode this version knows";
  }
}

#define KNOWN_DH_GROUPS (MIKEY_DH_GROUP_BIT (MIKEY_DH_GROUP_OAKLEY5) | \
    MIKEY_DH_GROUP_BIT (MIKEY_DH_GROUP_OAKLEY2) | \
    MIKEY_DH_GROUP_BIT (MIKEY_DH_GROUP_OAKLEY1))
/* OAKLEY 1 (768 bits) only when asked for by name */
#define DEFAULT_DH_GROUPS (MIKEY_DH_GROUP_BIT (MIKEY_DH_GROUP_OAKLEY5) | \
    MIKEY_DH_GROUP_BIT (MIKEY_DH_GROUP_OAKLEY2))

MikeyResponder *
mikey_responder_new (const MikeyResponderConfig * cfg, GError ** error)
{
  MikeyResponder *resp;
  guint i;

  if (cfg->n_modes > MIKEY_MAX_CHOICES || cfg->n_suites > MIKEY_MAX_CHOICES) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "at most 8 modes and 8 suites can be accepted");
    return NULL;
  }
  if ((cfg->dh_groups & ~KNOWN_DH_GROUPS) != 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "unknown Diffie-Hellman group among the accepted ones (known: "
        "OAKLEY 5, 2 and 1)");
    return NULL;
  }
  if (cfg->peer_id != NULL && cfg->peer_id[0] == '\0') {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "the expected peer identity is empty");
    return NULL;
  }
  resp = g_new0 (MikeyResponder, 1);
  if (cfg->n_modes == 0)
    resp->modes[resp->n_modes++] = cfg->mode;
  for (i = 0; i < cfg->n_modes; i++)
    resp->modes[resp->n_modes++] = cfg->modes[i];
  for (i = 0; i < cfg->n_suites; i++)
    resp->suites[resp->n_suites++] = cfg->suites[i]->id;
  for (i = 0; i < resp->n_modes; i++) {
    const gchar *missing = mode_unusable (cfg, resp->modes[i]);

    if (missing != NULL) {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
          "mode %s needs %s", mikey_mode_name (resp->modes[i]), missing);
      mikey_responder_free (resp);
      return NULL;
    }
  }

  mikey_blob_set (&resp->psk, cfg->psk, cfg->psk_len);
  resp->replay = cfg->replay;
  if (resp->replay == NULL) {
    resp->replay = mikey_replay_cache_new (cfg->timestamp_window_us, 0);
    resp->own_replay = TRUE;
  }
  resp->id_r = g_strdup (cfg->id_r);
  resp->key = cfg->key ? mikey_key_ref (cfg->key) : NULL;
  resp->certs = cfg->certs ? g_ptr_array_ref (cfg->certs) : NULL;
  resp->trust = cfg->trust;
  resp->peer_cert = cfg->peer_cert ? mikey_cert_ref (cfg->peer_cert) : NULL;
  resp->sign_type = cfg->sign_type;
  resp->dh_groups = cfg->dh_groups ? cfg->dh_groups : DEFAULT_DH_GROUPS;
  resp->peer_id = g_strdup (cfg->peer_id);
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
  g_free (resp->peer_id);
  if (resp->key)
    mikey_key_unref (resp->key);
  if (resp->certs)
    g_ptr_array_unref (resp->certs);
  if (resp->peer_cert)
    mikey_cert_unref (resp->peer_cert);
  if (resp->params)
    g_array_unref (resp->params);
  if (resp->last_init)
    g_bytes_unref (resp->last_init);
  g_free (resp->last_peer);
  if (resp->last_reply)
    g_bytes_unref (resp->last_reply);
  g_free (resp);
}

gboolean
mikey_responder_check_group (const MikeyResponder * resp,
    const MikeyPayload * dhi, GError ** error)
{
  /* strongest first */
  static const MikeyDhGroup order[] = { MIKEY_DH_GROUP_OAKLEY5,
    MIKEY_DH_GROUP_OAKLEY2, MIKEY_DH_GROUP_OAKLEY1
  };
  guint group = dhi->u.dh.group;
  g_autoptr (GString) ours = g_string_new (NULL);
  g_autofree gchar *theirs = NULL;
  guint numbers[G_N_ELEMENTS (order)];
  guint i, n = 0;

  if (group < 32 && (resp->dh_groups & MIKEY_DH_GROUP_BIT (group)) != 0)
    return TRUE;
  for (i = 0; i < G_N_ELEMENTS (order); i++) {
    if ((resp->dh_groups & MIKEY_DH_GROUP_BIT (order[i])) != 0)
      numbers[n++] = mikey_dh_group_oakley (order[i]);
  }
  for (i = 0; i < n; i++)
    g_string_append_printf (ours, "%s%u", i == 0 ? "" : i + 1 == n ?
        " and " : ", ", numbers[i]);
  if (mikey_dh_group_oakley (group) != 0)
    theirs = g_strdup_printf ("Diffie-Hellman group %u%s",
        mikey_dh_group_oakley (group), group == MIKEY_DH_GROUP_OAKLEY1 ?
        " (768-bit, too weak unless explicitly allowed)" : "");
  else
    theirs = g_strdup_printf ("an unknown Diffie-Hellman group (number %u "
        "in the DH payload)", group);
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_DH_GROUP,
      "the sender uses %s, but only group%s %s %s accepted here", theirs,
      n > 1 ? "s" : "", ours->str, n > 1 ? "are" : "is");
  return FALSE;
}

gchar *
mikey_escape_peer_bytes (const guint8 * data, gsize len)
{
  return mikey_escape_peer_string (data, len, 64);
}

gboolean
mikey_responder_check_id (const MikeyResponder * resp,
    const MikeyMessage * msg, GError ** error)
{
  const MikeyPayload *idi;
  gsize want;
  g_autofree gchar *got = NULL;
  g_autofree gchar *expected = NULL;

  if (resp->peer_id == NULL)
    return TRUE;
  want = strlen (resp->peer_id);
  idi = mikey_find_idi (msg);
  if (idi != NULL && idi->u.id.data.len == want &&
      memcmp (idi->u.id.data.data, resp->peer_id, want) == 0)
    return TRUE;

  expected = mikey_escape_peer_bytes ((const guint8 *) resp->peer_id, want);
  if (idi == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_IDENTITY,
        "mismatched identity: the sender sent no identity (ID payload), "
        "but \"%s\" is expected here", expected);
  } else {
    got = mikey_escape_peer_bytes (idi->u.id.data.data, idi->u.id.data.len);
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_IDENTITY,
        "mismatched identity: the sender is \"%s\", but \"%s\" is "
        "expected here", got, expected);
  }
  return FALSE;
}

gboolean
mikey_responder_check_cert_id (const MikeyResponder * resp,
    const MikeyCert * cert, GError ** error)
{
  GError *err = NULL;

  if (resp->peer_id == NULL ||
      mikey_cert_matches_identity (cert, resp->peer_id, &err))
    return TRUE;
  /* its sentence names the certificate, its names and peer_id, escaped */
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_IDENTITY,
      "%s, the identity expected here", err->message);
  g_error_free (err);
  return FALSE;
}

static void
our_offer (MikeyResponder * resp, MikeyOffer * offer)
{
  guint i;

  memset (offer, 0, sizeof (*offer));
  for (i = 0; i < resp->n_modes; i++)
    offer->modes[offer->n_modes++] = resp->modes[i];
  if (resp->n_suites == 0) {
    for (i = 0; i < MIKEY_SUITE_COUNT; i++) {
      if (mikey_suite_get (i)->engine_supported)
        offer->suites[offer->n_suites++] = i;
    }
  }
  for (i = 0; i < resp->n_suites; i++)
    offer->suites[offer->n_suites++] = resp->suites[i];
}

/* The mode an initiation message is written in */
static gboolean
message_mode (const MikeyMessage * msg, MikeyMode * mode)
{
  const MikeyPayload *kemac;

  switch (msg->hdr.data_type) {
    case MIKEY_DT_PSK_INIT:
      kemac = mikey_message_find (msg, MIKEY_PT_KEMAC, NULL);
      *mode = kemac && mikey_kemac_is_null (kemac) ? MIKEY_MODE_NULL :
          MIKEY_MODE_PSK;
      return TRUE;
    case MIKEY_DT_PK_INIT:
      *mode = MIKEY_MODE_PKE;
      return TRUE;
    case MIKEY_DT_DH_INIT:
      *mode = MIKEY_MODE_DH;
      return TRUE;
    case MIKEY_DT_DHHMAC_INIT:
      *mode = MIKEY_MODE_DHHMAC;
      return TRUE;
    default:
      return FALSE;
  }
}

/* What authenticated @msg, as bytes for the replay cache: the verified
 * certificate (PKE, DH), or the pre-shared key with the IDi that its MAC
 * covers (PSK, DHHMAC; one counter per key when there is no IDi). Never
 * the address it came from: anyone can send from any port. The caller
 * wipes it (it holds the key). */
static GByteArray *
sender_identity (const MikeyResponder * resp, const MikeyMessage * msg,
    const MikeyCert * cert)
{
  const MikeyPayload *idi = mikey_find_idi (msg);
  GByteArray *id;
  const guint8 *der;
  gsize der_len;
  guint8 head[5];

  if (cert != NULL) {
    der = mikey_cert_get_der (cert, &der_len);
    id = g_byte_array_sized_new (1 + der_len);
    g_byte_array_append (id, (const guint8 *) "C", 1);
    g_byte_array_append (id, der, der_len);
    return id;
  }
  /* sized once: growing would leave copies of the key in freed memory */
  id = g_byte_array_sized_new (sizeof (head) + resp->psk.len + 1 +
      (idi ? idi->u.id.data.len : 0));
  head[0] = 'K';
  head[1] = resp->psk.len >> 24;
  head[2] = resp->psk.len >> 16;
  head[3] = resp->psk.len >> 8;
  head[4] = resp->psk.len;
  g_byte_array_append (id, head, sizeof (head));
  g_byte_array_append (id, resp->psk.data, resp->psk.len);
  if (idi != NULL) {
    head[0] = idi->u.id.id_type;
    g_byte_array_append (id, head, 1);
    g_byte_array_append (id, idi->u.id.data.data, idi->u.id.data.len);
  }
  return id;
}

static gboolean
replay_check (MikeyResponder * resp, const MikeyMessage * msg,
    const guint8 * data, gsize len, const MikeyCert * cert, gint * err_no,
    GError ** error)
{
  const MikeyPayload *t = mikey_message_find (msg, MIKEY_PT_T, NULL);
  GByteArray *id = NULL;
  gboolean ok;

  resp->cur_has_offset = t != NULL && t->u.t.ts_type != MIKEY_TS_COUNTER;
  if (resp->cur_has_offset)
    resp->cur_offset = mikey_ntp_to_unix_us (t->u.t.value) - resp->cur_now;
  /* MIKEY-NULL proves nothing: it is held to no window (its timestamp
   * protects nothing; the caller reads the offset to log it) and takes no
   * room in the tables that protect authenticated senders */
  if (resp->cur_mode != MIKEY_MODE_NULL)
    id = sender_identity (resp, msg, cert);
  ok = mikey_replay_cache_check_id (resp->replay, msg, data, len,
      id ? id->data : NULL, id ? id->len : 0, resp->cur_now, error);
  if (id != NULL) {
    OPENSSL_cleanse (id->data, id->len);
    g_byte_array_unref (id);
  }
  if (ok)
    return TRUE;
  /* tell a peer its clock is off, or that we cannot take its (authentic)
   * message now; stay silent to replays */
  if (g_error_matches (*error, MIKEY_ERROR, MIKEY_ERROR_STALE))
    *err_no = MIKEY_ERR_INVALID_TS;
  else if (g_error_matches (*error, MIKEY_ERROR, MIKEY_ERROR_CACHE_FULL))
    *err_no = MIKEY_ERR_UNSPECIFIED;
  else
    *err_no = -1;
  return FALSE;
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
remember (MikeyResponder * resp, MikeyMode mode, const MikeyMessage * msg,
    MikeyResponderOutcome * out, const guint8 * data, gsize len,
    const gchar * peer)
{
  if (resp->params)
    g_array_unref (resp->params);
  resp->params = out->params;
  out->params = NULL;
  resp->mode = mode;
  resp->csb_id = msg->hdr.csb_id;
  if (resp->last_init)
    g_bytes_unref (resp->last_init);
  resp->last_init = g_bytes_new (data, len);
  g_free (resp->last_peer);
  resp->last_peer = g_strdup (peer);
  if (resp->last_reply)
    g_bytes_unref (resp->last_reply);
  resp->last_reply = out->reply ? g_bytes_ref (out->reply) : NULL;
  resp->has_offset = resp->cur_has_offset;
  resp->offset = resp->cur_offset;
}

/* Whether we take the initiator's (mode, suite), and if not the ERR
 * answer: a counter-proposal when it negotiates, else our capabilities. */
static MikeyResponseResult
apply_policy (MikeyResponder * resp, const MikeyMessage * msg,
    MikeyMode mode, const MikeySuiteInfo * suite, GBytes ** reply,
    GError ** error)
{
  MikeyOffer ours, theirs;
  MikeyMode best_mode;
  MikeySuite best_suite;
  gboolean negotiates;

  our_offer (resp, &ours);
  negotiates = mikey_offer_find (msg, &theirs, NULL);
  if (negotiates) {
    if (!mikey_offer_choose (&theirs, &ours, &best_mode, &best_suite)) {
      g_autofree gchar *a = mikey_offer_describe (&theirs);
      g_autofree gchar *b = mikey_offer_describe (&ours);

      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_NO_COMMON,
          "no key management method and crypto suite in common: the "
          "initiator offers %s, we accept %s", a, b);
      ours.has_choice = TRUE;
      ours.chosen_mode = ours.chosen_suite = MIKEY_CAPS_NONE;
      *reply = mikey_build_error_message (msg, MIKEY_ERR_UNSPECIFIED, &ours,
          resp->cur_now);
      return MIKEY_RESPONSE_REFUSED;
    }
    if (best_mode == mode && best_suite == suite->id)
      return MIKEY_RESPONSE_ACCEPTED;
    ours.has_choice = TRUE;
    ours.chosen_mode = best_mode;
    ours.chosen_suite = best_suite;
    *reply = mikey_build_error_message (msg, best_mode != mode ?
        MIKEY_ERR_INVALID_DT : MIKEY_ERR_INVALID_SP, &ours, resp->cur_now);
    return MIKEY_RESPONSE_COUNTER_PROPOSAL;
  }

  if (!mikey_offer_has_mode (&ours, mode)) {
    g_autofree gchar *b = mikey_offer_describe (&ours);

    g_set_error (error, MIKEY_ERROR, mode == MIKEY_MODE_NULL ?
        MIKEY_ERROR_UNAUTHENTICATED : MIKEY_ERROR_MODE_REFUSED,
        "%s%s is not accepted here (%s)", mode == MIKEY_MODE_NULL ?
        "refusing an unauthenticated key (MIKEY-NULL): " : "mode ",
        mikey_mode_name (mode), b);
    *reply = mikey_build_error_message (msg, mode == MIKEY_MODE_NULL ?
        MIKEY_ERR_INVALID_MAC : MIKEY_ERR_INVALID_DT, &ours, resp->cur_now);
    return MIKEY_RESPONSE_REFUSED;
  }
  if (!mikey_offer_has_suite (&ours, suite->id)) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_MODE_REFUSED,
        "crypto suite %s is not accepted here", suite->name);
    *reply = mikey_build_error_message (msg, MIKEY_ERR_INVALID_SP, &ours,
        resp->cur_now);
    return MIKEY_RESPONSE_REFUSED;
  }
  return MIKEY_RESPONSE_ACCEPTED;
}

/* The suite of the first crypto session's policy (all share one here) */
static const MikeySuiteInfo *
message_suite (const MikeyMessage * msg, GError ** error)
{
  guint8 policy = 0;
  guint i;

  if (msg->hdr.cs->len > 0)
    policy = g_array_index (msg->hdr.cs, MikeySrtpCs, 0).policy_no;
  for (i = 0; i < msg->payloads->len; i++) {
    const MikeyPayload *p = g_ptr_array_index (msg->payloads, i);

    if (p->type == MIKEY_PT_SP && p->u.sp.policy_no == policy)
      return mikey_suite_from_sp (p, NULL, NULL, NULL, NULL, error);
  }
  return mikey_suite_from_sp (NULL, NULL, NULL, NULL, NULL, error);
}

static gboolean
dispatch (MikeyResponder * resp, MikeyMode mode, const MikeyMessage * msg,
    const guint8 * data, gsize len, MikeyResponderOutcome * out,
    GError ** error)
{
  resp->cur_mode = mode;
  switch (mode) {
    case MIKEY_MODE_NULL:
    case MIKEY_MODE_PSK:
      return mikey_psk_respond (resp, mode, msg, data, len, resp->cur_now,
          replay_check, out, error);
    case MIKEY_MODE_PKE:
      return mikey_pke_respond (resp, msg, data, len, resp->cur_now,
          replay_check, out, error);
    default:
      return mikey_dh_respond (resp, mode, msg, data, len, resp->cur_now,
          replay_check, out, error);
  }
}

/* @error is never NULL here, so refusal reasons can be inspected */
static MikeyResponseResult
handle_init (MikeyResponder * resp, const guint8 * data, gsize len,
    const gchar * peer, GBytes ** reply, GError ** error)
{
  g_autoptr (MikeyMessage) msg = NULL;
  MikeyResponderOutcome out = { NULL, NULL, -1 };
  const MikeySuiteInfo *suite;
  MikeyResponseResult res;
  MikeyMode mode;

  /* an initiator that lost our answer sends the same bytes again */
  if (is_retransmission (resp, data, len, peer)) {
    if (resp->last_reply)
      *reply = g_bytes_ref (resp->last_reply);
    return MIKEY_RESPONSE_RETRANSMISSION;
  }
  msg = mikey_message_parse (data, len, error);
  if (msg == NULL)
    return MIKEY_RESPONSE_REFUSED;
  if (!message_mode (msg, &mode)) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED,
        "a %s message is not an initiation message",
        mikey_data_type_name (msg->hdr.data_type));
    *reply = mikey_build_error_message (msg, MIKEY_ERR_INVALID_DT, NULL,
        resp->cur_now);
    return MIKEY_RESPONSE_REFUSED;
  }
  if (msg->hdr.prf != MIKEY_PRF_MIKEY_1) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED,
        "PRF %u not supported", msg->hdr.prf);
    *reply = mikey_build_error_message (msg, MIKEY_ERR_INVALID_PRF, NULL,
        resp->cur_now);
    return MIKEY_RESPONSE_REFUSED;
  }
  suite = message_suite (msg, error);
  if (suite == NULL) {
    *reply = mikey_build_error_message (msg, MIKEY_ERR_INVALID_SP, NULL,
        resp->cur_now);
    return MIKEY_RESPONSE_REFUSED;
  }
  res = apply_policy (resp, msg, mode, suite, reply, error);
  if (res != MIKEY_RESPONSE_ACCEPTED)
    return res;

  if (!dispatch (resp, mode, msg, data, len, &out, error)) {
    if (out.err_no >= 0)
      *reply = mikey_build_error_message (msg, out.err_no, NULL, resp->cur_now);
    if (out.params)
      g_array_unref (out.params);
    if (out.reply)
      g_bytes_unref (out.reply);
    return MIKEY_RESPONSE_REFUSED;
  }
  remember (resp, mode, msg, &out, data, len, peer);
  *reply = out.reply;
  return MIKEY_RESPONSE_ACCEPTED;
}

MikeyResponseResult
mikey_responder_handle_init (MikeyResponder * resp, const guint8 * data,
    gsize len, const gchar * peer, gint64 now_us, GBytes ** reply,
    GError ** error)
{
  GError *local = NULL;
  GBytes *out = NULL;
  MikeyResponseResult res;

  resp->cur_peer = peer ? peer : "";
  resp->cur_now = now_us;
  resp->cur_has_offset = FALSE;
  res = handle_init (resp, data, len, resp->cur_peer, &out, &local);
  resp->cur_peer = NULL;
  if (local != NULL)
    g_propagate_error (error, local);
  if (reply)
    *reply = out;
  else if (out)
    g_bytes_unref (out);
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

MikeyMode
mikey_responder_get_mode (const MikeyResponder * resp)
{
  return resp->mode;
}

gboolean
mikey_responder_get_clock_offset (const MikeyResponder * resp,
    gint64 * offset_us)
{
  if (resp->params == NULL || !resp->has_offset)
    return FALSE;
  if (offset_us)
    *offset_us = resp->offset;
  return TRUE;
}
