/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY initiator (sender side): configuration, the message header and
 * common payloads, negotiation, and dispatch to the mode files. */
#include "mikey-exchange-private.h"

#include <string.h>
#include <openssl/crypto.h>

#define MAX_TGK_LEN 64

/* What a mode needs from the configuration; NULL when it has it all. */
static const gchar *
mode_unusable (const MikeyInitiatorConfig * cfg, MikeyMode mode)
{
  gboolean has_psk = cfg->psk != NULL && cfg->psk_len > 0;
  gboolean has_signer = cfg->key != NULL && cfg->certs != NULL &&
      cfg->certs->len > 0;

  switch (mode) {
    case MIKEY_MODE_NULL:
      return NULL;
    case MIKEY_MODE_PSK:
    case MIKEY_MODE_DHHMAC:
      return has_psk ? NULL : "a pre-shared key";
    case MIKEY_MODE_PKE:
      if (!has_signer)
        return "our certificate and private key";
      return cfg->peer_cert ? NULL : "the responder's certificate";
    case MIKEY_MODE_DH:
      if (!has_signer)
        return "our certificate and private key";
      return (cfg->trust || cfg->peer_cert) ? NULL :
          "trusted CA certificates or the responder's certificate to check "
          "the answer";
    default:
      return "a mode this version knows";
  }
}

static gboolean
check_config (const MikeyInitiatorConfig * cfg, GError ** error)
{
  const gchar *problem = NULL;

  if (cfg->retransmit_initial_us < 0 || cfg->retransmit_max_us < 0 ||
      cfg->timeout_us < 0) {
    g_set_error_literal (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "retransmission intervals and timeout cannot be negative");
    return FALSE;
  }
  if (cfg->tgk != NULL && cfg->tek != NULL)
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
  else if (cfg->n_modes > MIKEY_MAX_CHOICES ||
      cfg->n_suites > MIKEY_MAX_CHOICES)
    problem = "at most 8 modes and 8 suites can be offered";
  else if (cfg->sign_type > MIKEY_SIGN_RSA_PSS)
    problem = "unknown signature type";
  else if (cfg->dh_group > MIKEY_DH_GROUP_OAKLEY2)
    problem = "unknown DH group";

  if (problem != NULL) {
    g_set_error_literal (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS, problem);
    return FALSE;
  }
  return TRUE;
}

static gboolean
copy_choices (MikeyInitiator * init, const MikeyInitiatorConfig * cfg,
    GError ** error)
{
  const MikeySuiteInfo *def =
      mikey_suite_get (MIKEY_SUITE_AES_CM_128_HMAC_SHA1_80);
  guint i;

  if (cfg->n_modes == 0) {
    init->modes[0] = cfg->mode;
    init->n_modes = 1;
  }
  for (i = 0; i < cfg->n_modes; i++)
    init->modes[init->n_modes++] = cfg->modes[i];
  for (i = 0; i < init->n_modes; i++) {
    const gchar *missing = mode_unusable (cfg, init->modes[i]);

    if (missing != NULL) {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
          "mode %s needs %s", mikey_mode_name (init->modes[i]), missing);
      return FALSE;
    }
  }

  if (cfg->n_suites == 0)
    init->suites[init->n_suites++] = (cfg->suite ? cfg->suite : def)->id;
  for (i = 0; i < cfg->n_suites; i++)
    init->suites[init->n_suites++] = cfg->suites[i]->id;
  /* a suite the engine cannot run may be listed, never used */
  for (i = 0; i < init->n_suites; i++) {
    if (mikey_suite_get (init->suites[i])->engine_supported)
      break;
  }
  if (i == init->n_suites) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "none of the crypto suites can be run by the SRTP engine "
        "(libsrtp2)");
    return FALSE;
  }
  init->negotiating = init->n_modes > 1 || init->n_suites > 1;
  return TRUE;
}

static void
copy_material (MikeyInitiator * init, const MikeyInitiatorConfig * cfg)
{
  mikey_blob_set (&init->psk, cfg->psk, cfg->psk_len);
  init->enc_alg = cfg->enc_alg ? cfg->enc_alg : MIKEY_ENC_AES_CM_128;
  init->ts_type = cfg->ts_type;
  init->counter = cfg->counter;
  init->no_verify = cfg->no_verify;
  init->rtx_initial = cfg->retransmit_initial_us ?
      cfg->retransmit_initial_us : MIKEY_RETRANSMIT_INITIAL_DEFAULT_US;
  init->rtx_max = cfg->retransmit_max_us ?
      cfg->retransmit_max_us : MIKEY_RETRANSMIT_MAX_DEFAULT_US;
  init->timeout = cfg->timeout_us ? cfg->timeout_us : MIKEY_TIMEOUT_DEFAULT_US;
  init->unanswered_sends = cfg->unanswered_sends ?
      cfg->unanswered_sends : MIKEY_UNANSWERED_SENDS_DEFAULT;
  init->csb_id = cfg->csb_id;
  init->csb_id_fixed = cfg->csb_id != 0;
  mikey_blob_set (&init->tgk, cfg->tgk, cfg->tgk_len);
  mikey_blob_set (&init->tek, cfg->tek, cfg->tek_len);
  mikey_blob_set (&init->mki, cfg->mki, cfg->mki_len);
  init->cs = g_array_new (FALSE, FALSE, sizeof (MikeySrtpCs));
  if (cfg->n_cs > 0)
    g_array_append_vals (init->cs, cfg->cs, cfg->n_cs);
  init->id_i = g_strdup (cfg->id_i);
  init->id_r = g_strdup (cfg->id_r);
  init->key = cfg->key ? mikey_key_ref (cfg->key) : NULL;
  init->certs = cfg->certs ? g_ptr_array_ref (cfg->certs) : NULL;
  init->peer_cert = cfg->peer_cert ? mikey_cert_ref (cfg->peer_cert) : NULL;
  init->trust = cfg->trust;
  init->sign_type = cfg->sign_type;
  init->dh_group = cfg->dh_group;
}

/* The first usable suite / mode not tried yet, in priority order */
static gboolean
pick_untried (MikeyInitiator * init)
{
  guint i;

  for (i = 0; i < init->n_modes; i++) {
    if (!(init->tried_modes & (1u << init->modes[i])))
      break;
  }
  if (i == init->n_modes)
    return FALSE;
  init->mode = init->modes[i];
  for (i = 0; i < init->n_suites; i++) {
    const MikeySuiteInfo *s = mikey_suite_get (init->suites[i]);

    if (s->engine_supported && !(init->tried_suites & (1u << s->id)))
      break;
  }
  if (i == init->n_suites)
    return FALSE;
  init->suite = mikey_suite_get (init->suites[i]);
  return TRUE;
}

MikeyInitiator *
mikey_initiator_new (const MikeyInitiatorConfig * cfg, GError ** error)
{
  MikeyInitiator *init;

  if (!check_config (cfg, error))
    return NULL;
  init = g_new0 (MikeyInitiator, 1);
  copy_material (init, cfg);
  if (!copy_choices (init, cfg, error)) {
    mikey_initiator_free (init);
    return NULL;
  }
  pick_untried (init);
  if (init->tek.len > 0 &&
      init->tek.len != init->suite->key_len + init->suite->salt_len) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "TEK must be the %u-byte master key followed by the %u-byte salt "
        "for %s (%u bytes), not %" G_GSIZE_FORMAT " bytes",
        init->suite->key_len, init->suite->salt_len, init->suite->name,
        init->suite->key_len + init->suite->salt_len, init->tek.len);
    mikey_initiator_free (init);
    return NULL;
  }
  init->state = MIKEY_STATE_IDLE;
  return init;
}

static void
reset_attempt (MikeyInitiator * init)
{
  g_clear_pointer (&init->init_msg, mikey_message_free);
  g_clear_pointer (&init->init_bytes, g_bytes_unref);
  g_clear_pointer (&init->params, g_array_unref);
  g_clear_pointer (&init->dh, mikey_dh_free);
  mikey_transport_keys_clear (&init->keys);
}

void
mikey_initiator_free (MikeyInitiator * init)
{
  if (init == NULL)
    return;
  reset_attempt (init);
  mikey_blob_clear (&init->psk);
  mikey_blob_clear (&init->tgk);
  mikey_blob_clear (&init->tek);
  mikey_blob_clear (&init->mki);
  if (init->cs)
    g_array_unref (init->cs);
  g_free (init->id_i);
  g_free (init->id_r);
  if (init->key)
    mikey_key_unref (init->key);
  if (init->certs)
    g_ptr_array_unref (init->certs);
  if (init->peer_cert)
    mikey_cert_unref (init->peer_cert);
  g_free (init);
}

static guint8
init_data_type (MikeyMode mode)
{
  switch (mode) {
    case MIKEY_MODE_PKE:
      return MIKEY_DT_PK_INIT;
    case MIKEY_MODE_DH:
      return MIKEY_DT_DH_INIT;
    case MIKEY_MODE_DHHMAC:
      return MIKEY_DT_DHHMAC_INIT;
    default:
      return MIKEY_DT_PSK_INIT;
  }
}

static void
add_capabilities (MikeyInitiator * init, MikeyMessage * msg)
{
  MikeyOffer offer = { 0 };
  guint i;

  for (i = 0; i < init->n_modes; i++)
    offer.modes[offer.n_modes++] = init->modes[i];
  for (i = 0; i < init->n_suites; i++)
    offer.suites[offer.n_suites++] = init->suites[i];
  mikey_offer_add (msg, &offer);
}

/* HDR, T, RAND, [IDi], [CERTi], [IDr], SP, [capabilities]: what every mode
 * starts with (RFC 3830 3.1-3.3). */
static MikeyMessage *
build_prefix (MikeyInitiator * init, gint64 now_us, GError ** error)
{
  MikeyMessage *msg = mikey_message_new ();
  MikeyPayload *rand;
  guint i;

  msg->hdr.version = MIKEY_VERSION;
  msg->hdr.data_type = init_data_type (init->mode);
  msg->hdr.v = (init->mode == MIKEY_MODE_PSK ||
      init->mode == MIKEY_MODE_PKE) && !init->no_verify;
  msg->hdr.prf = MIKEY_PRF_MIKEY_1;
  msg->hdr.csb_id = init->csb_id;
  msg->hdr.map_type = MIKEY_MAP_SRTP_ID;
  for (i = 0; i < init->cs->len; i++) {
    const MikeySrtpCs *cs = &g_array_index (init->cs, MikeySrtpCs, i);

    mikey_message_add_cs_srtp (msg, 0, cs->ssrc, cs->roc);
  }

  mikey_add_timestamp (msg, init->ts_type, init->counter, now_us);
  rand = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_RAND));
  mikey_blob_set_zero (&rand->u.rand.rand, MIKEY_RAND_LEN);
  if (!mikey_random_bytes (rand->u.rand.rand.data, MIKEY_RAND_LEN, error)) {
    mikey_message_free (msg);
    return NULL;
  }
  if (init->id_i != NULL)
    mikey_add_id (msg, init->id_i);
  if (init->mode == MIKEY_MODE_PKE || init->mode == MIKEY_MODE_DH)
    mikey_add_certs (msg, init->certs);
  if (init->id_r != NULL)
    mikey_add_id (msg, init->id_r);
  mikey_message_add (msg, mikey_suite_to_sp (init->suite, 0));
  /* inside what the MAC or signature covers, so it cannot be altered */
  if (init->negotiating)
    add_capabilities (init, msg);
  return msg;
}

static GBytes *
build_init (MikeyInitiator * init, gint64 now_us, GError ** error)
{
  if (init->csb_id == 0 && !mikey_random_bytes ((guint8 *) & init->csb_id,
          sizeof (init->csb_id), error))
    return NULL;
  init->init_msg = build_prefix (init, now_us, error);
  if (init->init_msg == NULL)
    return NULL;

  switch (init->mode) {
    case MIKEY_MODE_NULL:
    case MIKEY_MODE_PSK:
      return mikey_psk_build_init (init, init->init_msg, error);
    case MIKEY_MODE_PKE:
      return mikey_pke_build_init (init, init->init_msg, now_us, error);
    case MIKEY_MODE_DH:
    case MIKEY_MODE_DHHMAC:
      return mikey_dh_build_init (init, init->init_msg, error);
    default:
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED, "unknown mode");
      return NULL;
  }
}

static gboolean
expects_answer (const MikeyInitiator * init)
{
  switch (init->mode) {
    case MIKEY_MODE_PSK:
    case MIKEY_MODE_PKE:
      return !init->no_verify;
    case MIKEY_MODE_DH:
    case MIKEY_MODE_DHHMAC:
      return TRUE;
    default:
      return FALSE;
  }
}

/* ------------------------------------------------------------------------
 * Timers. Saturating arithmetic: "now" comes from the caller and may be
 * anything, and a wrapped deadline would fire at once or never.
 * ---------------------------------------------------------------------- */

static gint64
time_add (gint64 a, gint64 b)
{
  if (b > 0 && a > G_MAXINT64 - b)
    return G_MAXINT64;
  if (b < 0 && a < G_MININT64 - b)
    return G_MININT64;
  return a + b;
}

static gint64
time_sub (gint64 a, gint64 b)
{
  if (b < 0 && a > G_MAXINT64 + b)
    return G_MAXINT64;
  if (b > 0 && a < G_MININT64 + b)
    return G_MININT64;
  return a - b;
}

/* A clock that went backwards did not let time pass: what was left of each
 * wait is left from @now on. Without this a deadline computed before the
 * step would lie ahead by the size of the step (hours, for a wall clock
 * set back). */
static void
observe_now (MikeyInitiator * init, gint64 now_us)
{
  if (!init->timing)
    return;
  if (now_us < init->t_last) {
    init->t_give_up = time_add (now_us, time_sub (init->t_give_up,
            init->t_last));
    if (init->t_resend != MIKEY_NO_DEADLINE)
      init->t_resend = time_add (now_us, time_sub (init->t_resend,
              init->t_last));
  }
  init->t_last = now_us;
}

/* A new initiation message went out at @now_us: the retransmission
 * schedule starts again. The overall timeout starts only once. */
static void
start_timers (MikeyInitiator * init, gint64 now_us)
{
  if (!init->timing) {
    init->timing = TRUE;
    init->t_last = now_us;
    init->t_give_up = time_add (now_us, init->timeout);
  }
  observe_now (init, now_us);
  init->interval = init->rtx_initial;
  init->t_resend = time_add (now_us, init->interval);
  init->sends_left = init->state == MIKEY_STATE_COMPLETE ?
      init->unanswered_sends - 1 : 0;
  if (init->state == MIKEY_STATE_COMPLETE && init->sends_left == 0)
    init->t_resend = MIKEY_NO_DEADLINE;
}

static void
stop_timers (MikeyInitiator * init)
{
  init->t_resend = MIKEY_NO_DEADLINE;
  init->sends_left = 0;
}

gint64
mikey_initiator_get_deadline (const MikeyInitiator * init)
{
  if (!init->timing)
    return MIKEY_NO_DEADLINE;
  switch (init->state) {
    case MIKEY_STATE_WAIT_RESPONSE:
      return MIN (init->t_resend, init->t_give_up);
    case MIKEY_STATE_COMPLETE:
      return init->sends_left > 0 ? init->t_resend : MIKEY_NO_DEADLINE;
    default:
      return MIKEY_NO_DEADLINE;
  }
}

MikeyStep
mikey_initiator_handle_expiry (MikeyInitiator * init, gint64 now_us,
    GBytes ** resend, GError ** error)
{
  gboolean waiting = init->state == MIKEY_STATE_WAIT_RESPONSE;

  *resend = NULL;
  if (!init->timing || init->init_bytes == NULL)
    return MIKEY_STEP_IGNORED;
  observe_now (init, now_us);

  if (waiting && now_us >= init->t_give_up) {
    gchar secs[G_ASCII_DTOSTR_BUF_SIZE];

    g_ascii_formatd (secs, sizeof (secs), "%g", init->timeout / 1e6);
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_TIMEOUT,
        "no answer after %s s", secs);
    stop_timers (init);
    init->state = MIKEY_STATE_FAILED;
    return MIKEY_STEP_FAILED;
  }
  if (!waiting && (init->state != MIKEY_STATE_COMPLETE ||
          init->sends_left == 0))
    return MIKEY_STEP_IGNORED;
  if (now_us < init->t_resend)
    return MIKEY_STEP_IGNORED;

  if (!waiting)
    init->sends_left--;
  /* the next wait counts from now, not from the missed deadline: after a
   * long stall (suspend, clock jump) one message goes out, not a burst */
  init->interval = MIN (time_add (init->interval, init->interval),
      init->rtx_max);
  init->t_resend = (waiting || init->sends_left > 0) ?
      time_add (now_us, init->interval) : MIKEY_NO_DEADLINE;
  *resend = g_bytes_ref (init->init_bytes);
  return MIKEY_STEP_SEND;
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

  init->tried_modes |= 1u << init->mode;
  init->tried_suites |= 1u << init->suite->id;
  init->init_bytes = build_init (init, now_us, error);
  if (init->init_bytes == NULL) {
    init->state = MIKEY_STATE_FAILED;
    return NULL;
  }
  init->state = expects_answer (init) ? MIKEY_STATE_WAIT_RESPONSE :
      MIKEY_STATE_COMPLETE;
  start_timers (init, now_us);
  return g_bytes_ref (init->init_bytes);
}

static MikeyStep
fail (MikeyInitiator * init)
{
  init->state = MIKEY_STATE_FAILED;
  stop_timers (init);
  return MIKEY_STEP_FAILED;
}

static MikeyStep
restart (MikeyInitiator * init, gint64 now_us, GBytes ** next, GError ** error)
{
  reset_attempt (init);
  init->state = MIKEY_STATE_IDLE;
  *next = mikey_initiator_start (init, now_us, error);
  return *next ? MIKEY_STEP_SEND : MIKEY_STEP_FAILED;
}

/* The responder named the pair to use: take it once, if we offered it. */
static MikeyStep
take_counter_proposal (MikeyInitiator * init, const MikeyOffer * offer,
    gint64 now_us, GBytes ** next, GError ** error)
{
  MikeyOffer ours = { 0 };
  g_autofree gchar *theirs = mikey_offer_describe (offer);
  guint i;

  for (i = 0; i < init->n_modes; i++)
    ours.modes[ours.n_modes++] = init->modes[i];
  for (i = 0; i < init->n_suites; i++)
    ours.suites[ours.n_suites++] = init->suites[i];

  if (offer->chosen_mode == MIKEY_CAPS_NONE) {
    g_autofree gchar *mine = mikey_offer_describe (&ours);

    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_NO_COMMON,
        "no key management method and crypto suite in common: we offer "
        "%s, the responder accepts %s", mine, theirs);
    return fail (init);
  }
  if (init->took_counter_proposal ||
      !mikey_offer_has_mode (&ours, offer->chosen_mode) ||
      !mikey_offer_has_suite (&ours, offer->chosen_suite) ||
      !mikey_suite_get (offer->chosen_suite)->engine_supported) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_PEER,
        "the responder proposed a method or suite we did not offer "
        "(it accepts %s)", theirs);
    return fail (init);
  }
  init->took_counter_proposal = TRUE;
  init->mode = offer->chosen_mode;
  init->suite = mikey_suite_get (offer->chosen_suite);
  return restart (init, now_us, next, error);
}

/* What an ERR answer points at, by its code and our mode: no certificate
 * in the words of a mode that has none */
static const gchar *
refusal_hint (guint8 code, MikeyMode mode)
{
  gboolean signed_mode = mode == MIKEY_MODE_PKE || mode == MIKEY_MODE_DH;

  switch (code) {
    case MIKEY_ERR_AUTH_FAILURE:
      if (signed_mode)
        return " (wrong certificate or key?)";
      return mode == MIKEY_MODE_NULL ? "" : " (wrong pre-shared key?)";
    case MIKEY_ERR_INVALID_ID:
      return " (check our id against the receiver's peer-id)";
    case MIKEY_ERR_INVALID_CERT:
      return " (the receiver does not accept our certificate: check cert "
          "here against its ca-file or peer-cert)";
    default:
      return "";
  }
}

/* "Invalid timestamp": the responder's clock and ours disagree. Its T
 * payload (unauthenticated, but only shown) gives by how much. */
static MikeyStep
refused_timestamp (MikeyInitiator * init, const MikeyMessage * msg,
    gint64 now_us, GError ** error)
{
  const MikeyPayload *t = mikey_message_find (msg, MIKEY_PT_T, NULL);

  if (t != NULL && (t->u.t.ts_type == MIKEY_TS_NTP_UTC ||
          t->u.t.ts_type == MIKEY_TS_NTP)) {
    gint64 diff = mikey_ntp_to_unix_us (t->u.t.value) - now_us;

    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_STALE,
        "the receiver refused our timestamp (Invalid timestamp): its clock "
        "is %" G_GINT64_FORMAT " s %s this machine's; check the clocks of "
        "both machines", (ABS (diff) + G_USEC_PER_SEC / 2) / G_USEC_PER_SEC,
        diff >= 0 ? "ahead of" : "behind");
  } else {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_STALE,
        "the receiver refused our timestamp (Invalid timestamp): its clock "
        "and this machine's differ by more than it allows; check the "
        "clocks of both machines");
  }
  return fail (init);
}

/* An ERR answer: a counter-proposal, a reason to fall back to our next
 * choice (a peer that does not negotiate), or the end. */
static MikeyStep
handle_error_message (MikeyInitiator * init, const MikeyMessage * msg,
    gint64 now_us, GBytes ** next, GError ** error)
{
  const MikeyPayload *err = mikey_message_find (msg, MIKEY_PT_ERR, NULL);
  guint8 code = err ? err->u.err.err_no : MIKEY_ERR_UNSPECIFIED;
  MikeyOffer offer;
  gboolean fallback;

  if (init->negotiating && mikey_offer_find (msg, &offer, NULL) &&
      offer.has_choice)
    return take_counter_proposal (init, &offer, now_us, next, error);

  fallback = init->negotiating && !init->took_counter_proposal &&
      (code == MIKEY_ERR_INVALID_DT || code == MIKEY_ERR_INVALID_SP ||
      code == MIKEY_ERR_INVALID_SPPAR);
  if (fallback) {
    /* keep the suite when the mode was refused and vice versa */
    if (code == MIKEY_ERR_INVALID_DT)
      init->tried_suites &= ~(1u << init->suite->id);
    else
      init->tried_modes &= ~(1u << init->mode);
    if (pick_untried (init))
      return restart (init, now_us, next, error);
    /* every pair we offered was refused: the peer said as much */
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_NO_COMMON,
        "no key management method and crypto suite in common: the "
        "responder refused each one we offer (last: %s)",
        mikey_err_type_name (code));
    return fail (init);
  }
  if (code == MIKEY_ERR_INVALID_TS)
    return refused_timestamp (init, msg, now_us, error);
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_PEER,
      "the responder refused the key: %s%s", mikey_err_type_name (code),
      refusal_hint (code, init->mode));
  return fail (init);
}

gboolean
mikey_initiator_check_idr (const MikeyInitiator * init,
    const MikeyPayload * idr, GError ** error)
{
  gsize want;
  g_autofree gchar *got = NULL;
  g_autofree gchar *expected = NULL;

  if (init->id_r == NULL || idr == NULL)
    return TRUE;
  want = strlen (init->id_r);
  if (idr->u.id.data.len == want &&
      memcmp (idr->u.id.data.data, init->id_r, want) == 0)
    return TRUE;
  got = mikey_escape_peer_bytes (idr->u.id.data.data, idr->u.id.data.len);
  expected = mikey_escape_peer_bytes ((const guint8 *) init->id_r, want);
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_IDENTITY,
      "mismatched identity: the responder is \"%s\", but \"%s\" is "
      "expected here", got, expected);
  return FALSE;
}

MikeyStep
mikey_initiator_step (MikeyInitiator * init, const guint8 * data, gsize len,
    gint64 now_us, GBytes ** next, GError ** error)
{
  g_autoptr (MikeyMessage) msg = NULL;
  gboolean ok;

  *next = NULL;
  observe_now (init, now_us);
  if (init->state != MIKEY_STATE_WAIT_RESPONSE) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_STATE,
        "no response expected in this state");
    return MIKEY_STEP_IGNORED;
  }
  msg = mikey_message_parse (data, len, error);
  if (msg == NULL)
    return MIKEY_STEP_IGNORED;
  if (msg->hdr.csb_id != init->csb_id) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "answer is for CSB ID 0x%08x, not ours (0x%08x)", msg->hdr.csb_id,
        init->csb_id);
    return MIKEY_STEP_IGNORED;
  }
  if (msg->hdr.data_type == MIKEY_DT_ERROR)
    return handle_error_message (init, msg, now_us, next, error);

  /* what binds an answer to this exchange is in its MAC or signature (T_i,
   * DHi), so no replay cache is needed on this side */
  if (init->mode == MIKEY_MODE_DH || init->mode == MIKEY_MODE_DHHMAC)
    ok = mikey_dh_handle_response (init, msg, data, len, now_us, error);
  else
    ok = mikey_psk_handle_verify (init, msg, data, len, error);
  if (!ok)
    return fail (init);
  init->state = MIKEY_STATE_COMPLETE;
  stop_timers (init);
  return MIKEY_STEP_COMPLETE;
}

gboolean
mikey_initiator_handle_response (MikeyInitiator * init, const guint8 * data,
    gsize len, gint64 now_us, GError ** error)
{
  GBytes *next = NULL;
  MikeyStep step;

  step = mikey_initiator_step (init, data, len, now_us, &next, error);
  if (next != NULL)
    g_bytes_unref (next);
  if (step == MIKEY_STEP_SEND)
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_STATE,
        "negotiation needs a new initiation message: use "
        "mikey_initiator_step()");
  return step == MIKEY_STEP_COMPLETE;
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
