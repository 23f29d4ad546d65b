/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internals shared by the exchange files: the initiator and responder
 * state, and the per-mode builders/checkers (mikey-mode-*.c). Not for
 * elements or tools. */
#pragma once

#include "mikey-exchange.h"
#include "mikey-verify.h"
#include "mikey-timestamp.h"
#include "mikey-crypto.h"
#include "mikey-dh.h"
#include "mikey-negotiate.h"
#include "mikey-replay-private.h"

G_BEGIN_DECLS

#define MIKEY_RAND_LEN 16

struct _MikeyInitiator
{
  /* configuration (copied) */
  MikeyMode modes[MIKEY_MAX_CHOICES];
  guint n_modes;
  MikeySuite suites[MIKEY_MAX_CHOICES];
  guint n_suites;
  gboolean negotiating;
  MikeyBlob psk;
  guint8 enc_alg;
  guint8 ts_type;
  guint32 counter;
  gboolean no_verify;
  gint64 rtx_initial, rtx_max, timeout;  /* microseconds, > 0 */
  guint unanswered_sends;       /* >= 1 */
  guint32 csb_id;
  gboolean csb_id_fixed;        /* configured, kept across restarts */
  MikeyBlob tgk;
  MikeyBlob tek;
  MikeyBlob mki;
  GArray *cs;                   /* of MikeySrtpCs */
  gchar *id_i, *id_r;
  MikeyKey *key;
  GPtrArray *certs;
  MikeyCert *peer_cert;
  MikeyTrust *trust;
  guint8 sign_type;
  guint8 dh_group;

  /* the current attempt */
  MikeyMode mode;
  const MikeySuiteInfo *suite;
  guint tried_modes;            /* bit masks */
  guint tried_suites;
  gboolean took_counter_proposal;
  MikeyExchangeState state;
  MikeyMessage *init_msg;       /* as sent */
  GBytes *init_bytes;

  /* timers: valid once started (mikey_initiator_get_deadline()) */
  gboolean timing;
  gint64 t_last;                /* the latest "now" handed in */
  gint64 t_give_up;             /* first start + timeout */
  gint64 t_resend;              /* MIKEY_NO_DEADLINE: no resend planned */
  gint64 interval;              /* the wait that ends at t_resend */
  guint sends_left;             /* no answer expected: repeats to send */
  MikeyTransportKeys keys;      /* PSK, PKE: for the V payload */
  MikeyDh *dh;                  /* DH, DHHMAC */
  GArray *params;
};

struct _MikeyResponder
{
  MikeyMode modes[MIKEY_MAX_CHOICES];
  guint n_modes;
  MikeySuite suites[MIKEY_MAX_CHOICES];
  guint n_suites;               /* 0: any suite the engine runs */
  MikeyBlob psk;
  MikeyReplayCache *replay;
  gboolean own_replay;
  gchar *id_r;
  MikeyKey *key;
  GPtrArray *certs;
  MikeyTrust *trust;
  MikeyCert *peer_cert;
  guint8 sign_type;
  guint dh_groups;              /* never 0: the default is filled in */
  gchar *peer_id;

  /* the message being handled: where it came from (for retransmissions
   * only: an address proves nothing), when, and its mode */
  const gchar *cur_peer;
  gint64 cur_now;
  MikeyMode cur_mode;
  gboolean cur_has_offset;      /* its T payload holds a clock time */
  gint64 cur_offset;            /* that time minus cur_now */

  /* the last accepted exchange */
  MikeyMode mode;
  GArray *params;
  guint32 csb_id;
  GBytes *last_init;
  gchar *last_peer;
  GBytes *last_reply;
  gboolean has_offset;
  gint64 offset;
};

/* What a responder mode handler found: keys and the answer to send. */
typedef struct
{
  GArray *params;
  GBytes *reply;
  gint err_no;                  /* ERR payload to send on refusal, or -1 */
} MikeyResponderOutcome;

/* Processes a verification or error message. TRUE when the exchange
 * completed; FALSE with @error otherwise (MIKEY_ERROR_PEER for an ERR
 * message, MIKEY_ERROR_AUTH for a bad MAC, ...). A message that does not
 * belong to this exchange (other CSB ID) is refused with MIKEY_ERROR_INVALID
 * and leaves the state unchanged so a later genuine answer still counts.
 * For the core unit tests only: not exported, and it cannot follow a
 * counter-proposal (callers use mikey_initiator_step()). */
gboolean mikey_initiator_handle_response (MikeyInitiator * init,
    const guint8 * data, gsize len, gint64 now_us, GError ** error);

/* --- per-mode hooks ---------------------------------------------------- */

/* Initiator: complete @msg (HDR, T, RAND, IDs, SP, capabilities already
 * there) with the mode's payloads, set init->params where the keys are
 * known now, and return the sealed bytes. */
GBytes *mikey_psk_build_init (MikeyInitiator * init, MikeyMessage * msg,
    GError ** error);
GBytes *mikey_pke_build_init (MikeyInitiator * init, MikeyMessage * msg,
    gint64 now_us, GError ** error);
GBytes *mikey_dh_build_init (MikeyInitiator * init, MikeyMessage * msg,
    GError ** error);

/* Initiator: check the peer's answer (not an ERR message). */
gboolean mikey_psk_handle_verify (MikeyInitiator * init,
    const MikeyMessage * resp, const guint8 * data, gsize len,
    GError ** error);
gboolean mikey_dh_handle_response (MikeyInitiator * init,
    const MikeyMessage * resp, const guint8 * data, gsize len, gint64 now_us,
    GError ** error);

/* Responder: authenticate and open an initiation message of the mode. The
 * replay check runs in between through @check_replay once the message is
 * authenticated; @cert is the initiator's verified certificate (PKE, DH),
 * NULL where the pre-shared key authenticated it (PSK, DHHMAC) or nothing
 * did (NULL). Replay state is kept per authenticated sender. */
typedef gboolean (*MikeyReplayCheck) (MikeyResponder * resp,
    const MikeyMessage * msg, const guint8 * data, gsize len,
    const MikeyCert * cert, gint * err_no, GError ** error);

gboolean mikey_psk_respond (MikeyResponder * resp, MikeyMode mode,
    const MikeyMessage * msg, const guint8 * data, gsize len, gint64 now_us,
    MikeyReplayCheck check_replay, MikeyResponderOutcome * out,
    GError ** error);
gboolean mikey_pke_respond (MikeyResponder * resp, const MikeyMessage * msg,
    const guint8 * data, gsize len, gint64 now_us,
    MikeyReplayCheck check_replay, MikeyResponderOutcome * out,
    GError ** error);
gboolean mikey_dh_respond (MikeyResponder * resp, MikeyMode mode,
    const MikeyMessage * msg, const guint8 * data, gsize len, gint64 now_us,
    MikeyReplayCheck check_replay, MikeyResponderOutcome * out,
    GError ** error);

/* --- the initiator's policy (mikey-initiator.c) ------------------------ */

/* PSK, DHHMAC: the responder's ID payload @idr (NULL: it named nobody,
 * which RFC 3830 allows) is id_r when we expect one (IDENTITY error
 * otherwise). Only once the answer's MAC verified. */
gboolean mikey_initiator_check_idr (const MikeyInitiator * init,
    const MikeyPayload * idr, GError ** error);

/* --- the responder's policy (mikey-responder.c) ------------------------ */


/* The DH group of the initiator's DHi is one we accept (DH_GROUP error
 * otherwise). */
gboolean mikey_responder_check_group (const MikeyResponder * resp,
    const MikeyPayload * dhi, GError ** error);
/* PSK, DHHMAC, NULL: the initiator's ID payload is the expected peer_id
 * (IDENTITY error otherwise). Only once the MAC verified: before that
 * neither the identity nor the refusal means anything. */
gboolean mikey_responder_check_id (const MikeyResponder * resp,
    const MikeyMessage * msg, GError ** error);
/* PKE, DH: the initiator's verified @cert is for the expected peer_id. */
gboolean mikey_responder_check_cert_id (const MikeyResponder * resp,
    const MikeyCert * cert, GError ** error);

/* Peer-supplied bytes for a message: printable ASCII as is, anything
 * else (control characters, ESC, CR, LF, NUL, '"', '\\', non-ASCII) as
 * \xHH, cut after 64 bytes with "...". */
gchar *mikey_escape_peer_bytes (const guint8 * data, gsize len);

/* --- shared helpers (mikey-exchange.c, mikey-seal.c) ------------------- */

gboolean mikey_kemac_is_null (const MikeyPayload * kemac);

/* Wire bytes of a T payload's value (8 or 4); returns the length. */
gsize mikey_ts_wire_value (const MikeyPayload * t, guint8 out[8]);

/* IDi || IDr || T_i appended to the verification message for its MAC. */
GByteArray *mikey_verify_mac_extra (const MikeyMessage * init,
    const MikeyMessage * resp);


MikeyPayload *mikey_add_timestamp (MikeyMessage * msg, guint8 ts_type,
    guint32 counter, gint64 now_us);

/* A response header: @data_type, same CSB ID and CS map as @init. */
MikeyMessage *mikey_response_new (const MikeyMessage * init,
    guint8 data_type);

void mikey_add_id (MikeyMessage * msg, const gchar * id);
/* CERT payloads for @certs (leaf first) */
void mikey_add_certs (MikeyMessage * msg, GPtrArray * certs);
/* A zeroed MAC of @mac_alg's length, to be sealed later */
void mikey_blob_set_zero (MikeyBlob * blob, gsize len);

/* Byte offset of the end of payload @idx in @msg's wire form. */
gssize mikey_payload_end_offset (const MikeyMessage * msg, guint idx,
    GError ** error);

/* Serializes @msg and fills in, in this order, the MAC of @mac_payload
 * (a KEMAC or V, index in msg->payloads; -1 for none) computed with
 * @auth_key over the bytes before it plus @extra, and the signature of the
 * trailing SIGN payload with @sign_key (NULL for none). */
GBytes *mikey_seal (MikeyMessage * msg, gint mac_payload,
    const guint8 * auth_key, gsize auth_key_len, const GByteArray * extra,
    MikeyKey * sign_key, guint8 sign_type, GError ** error);

/* Appends a SIGN payload whose signature is a placeholder of @key's size */
void mikey_add_sign_placeholder (MikeyMessage * msg, MikeyKey * key,
    guint8 sign_type);

/* The initiator's ID payload of an initiation message, or NULL. */
const MikeyPayload *mikey_find_idi (const MikeyMessage * msg);

/* PSK/PKE KEMAC: fill (encrypting with init->keys when @encrypt) and set
 * init->params from the same key data. */
gboolean mikey_kemac_fill (MikeyInitiator * init, MikeyMessage * msg,
    MikeyPayload * kemac, gboolean encrypt, GError ** error);

/* mikey_psk_open_kemac() that also hands out the transport keys it
 * derived (left zero for an unprotected KEMAC); the caller clears them. */
GPtrArray *mikey_psk_open_kemac_keys (const MikeyMessage * msg,
    const guint8 * data, gsize len, const guint8 * psk, gsize psk_len,
    MikeyTransportKeys * keys, GError ** error);

/* Replay check, SRTP keys and (when asked for and @verify_type is not 0)
 * the verification message, for an opened PSK or PKE initiation message
 * (@cert: the PKE initiator's verified certificate, else NULL) */
gboolean mikey_kemac_respond (MikeyResponder * resp, const MikeyMessage * msg,
    const guint8 * data, gsize len, const MikeyCert * cert,
    GPtrArray * key_data,
    const MikeyTransportKeys * keys, guint8 verify_type, gint64 now_us,
    MikeyReplayCheck check_replay, MikeyResponderOutcome * out,
    GError ** error);

/* HDR + T + [IDr] + V answer of PSK (and PKE) */
GBytes *mikey_build_verify (MikeyResponder * resp, const MikeyMessage * init,
    guint8 data_type, const MikeyTransportKeys * keys, gint64 now_us,
    GError ** error);

/* Sets the MKI of every params entry from an SPI key validity */
void mikey_params_set_mki (GArray * params, const MikeyBlob * spi);

G_END_DECLS
