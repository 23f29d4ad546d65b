/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: key exchanges as sans-I/O state machines.
 *
 * The caller moves bytes and time: it hands in received messages and the
 * current time (Unix microseconds), and sends whatever bytes come back.
 * Nothing here touches a socket, a clock or a thread, so the same code runs
 * in the elements, mikey-tool, the tests and the fuzzers.
 *
 * Modes: MIKEY-NULL (PSK message layout, KEMAC neither encrypted nor MACed:
 * what RTSP servers and ONVIF cameras send, only acceptable over a secure
 * signalling channel), MIKEY-PSK (RFC 3830 3.1), public-key envelope
 * (RFC 3830 3.2), signed Diffie-Hellman (RFC 3830 3.3) and HMAC-
 * authenticated Diffie-Hellman (RFC 4650). With lists of modes and suites
 * both sides negotiate the best common pair (docs/negotiation.md).
 */
#pragma once

#include <glib.h>
#include "mikey-api.h"
#include "mikey-message.h"
#include "mikey-srtp.h"
#include "mikey-replay.h"
#include "mikey-pk.h"

G_BEGIN_DECLS

typedef enum
{
  MIKEY_MODE_NULL,
  MIKEY_MODE_PSK,
  MIKEY_MODE_PKE,
  MIKEY_MODE_DH,
  MIKEY_MODE_DHHMAC,
  MIKEY_MODE_COUNT
} MikeyMode;

#define MIKEY_MAX_CHOICES 8

MIKEY_API
const gchar *mikey_mode_name (MikeyMode mode);
MIKEY_API
gboolean mikey_mode_from_name (const gchar * name, MikeyMode * mode);

/* ------------------------------------------------------------------------
 * Initiator (sender side)
 * ---------------------------------------------------------------------- */

typedef struct
{
  MikeyMode mode;
  const guint8 *psk;            /* PSK mode: the pre-shared secret */
  gsize psk_len;
  const MikeySuiteInfo *suite;  /* NULL: AES_CM_128_HMAC_SHA1_80 */
  guint8 enc_alg;               /* KEMAC encryption (PSK); default AES-CM */
  guint8 ts_type;               /* MikeyTsType; default NTP-UTC */
  guint32 counter;              /* value sent when ts_type is COUNTER */
  gboolean no_verify;           /* PSK: do not ask for a verification msg */
  guint32 csb_id;               /* 0: random */
  /* Key material: either a TGK (TEKs derived per crypto session) or a TEK
   * given as master key || salt (srtpenc's "key" layout). Both NULL: a
   * random TGK of the suite's key length. */
  const guint8 *tgk;
  gsize tgk_len;
  const guint8 *tek;
  gsize tek_len;
  const guint8 *mki;            /* sent as SPI key validity; may be NULL */
  gsize mki_len;
  /* Crypto sessions (SSRC, ROC); empty: one session with the empty map */
  const MikeySrtpCs *cs;
  guint n_cs;
  const gchar *id_i;            /* optional IDi (URI), may be NULL */
  const gchar *id_r;            /* optional IDr (URI), may be NULL */

  /* Public-key material (PKE, DH): our key and certificate chain (leaf
   * first), sent in CERT payloads and used to sign. */
  MikeyKey *key;
  GPtrArray *certs;             /* of MikeyCert*, may be NULL */
  /* PKE: the responder's certificate, to encrypt the envelope key. DH: if
   * set, the responder must sign with this certificate's key. */
  MikeyCert *peer_cert;
  /* CAs that the peer's certificate must chain to (DH, and PKE's
   * peer_cert); NULL with DH means "peer_cert only". */
  MikeyTrust *trust;
  guint8 sign_type;             /* MikeySignType */
  guint8 dh_group;              /* MikeyDhGroup; default OAKLEY 5 */

  /* Priority negotiation: modes and suites in priority order (first is
   * best). Empty: just `mode` / `suite`. With more than one candidate in
   * total the initiator announces both lists and accepts a counter-
   * proposal or falls back mode by mode with a peer that does not
   * negotiate. */
  const MikeyMode *modes;
  guint n_modes;
  const MikeySuiteInfo *const *suites;
  guint n_suites;
} MikeyInitiatorConfig;

typedef enum
{
  MIKEY_STATE_IDLE,
  MIKEY_STATE_WAIT_RESPONSE,
  MIKEY_STATE_COMPLETE,
  MIKEY_STATE_FAILED,
} MikeyExchangeState;

typedef struct _MikeyInitiator MikeyInitiator;

/* Copies everything it needs out of @cfg (secrets included). */
MIKEY_API
MikeyInitiator *mikey_initiator_new (const MikeyInitiatorConfig * cfg,
    GError ** error);
MIKEY_API
void mikey_initiator_free (MikeyInitiator * init);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MikeyInitiator, mikey_initiator_free);

/* Builds the initiation message on the first call and returns the same
 * bytes on later calls (retransmissions). When no response is expected
 * (NULL mode, or no_verify) the state goes straight to COMPLETE. */
MIKEY_API
GBytes *mikey_initiator_start (MikeyInitiator * init, gint64 now_us,
    GError ** error);

typedef enum
{
  /* keys are established */
  MIKEY_STEP_COMPLETE,
  /* negotiation: *next holds a new initiation message to send (the old one
   * must no longer be retransmitted) */
  MIKEY_STEP_SEND,
  /* the message was not for this exchange (other CSB ID): ignore it */
  MIKEY_STEP_IGNORED,
  /* the exchange failed: see the error */
  MIKEY_STEP_FAILED,
} MikeyStep;

/* Processes a verification, DH response or error message. */
MIKEY_API
MikeyStep mikey_initiator_step (MikeyInitiator * init, const guint8 * data,
    gsize len, gint64 now_us, GBytes ** next, GError ** error);

/* Processes a verification or error message. TRUE when the exchange
 * completed; FALSE with @error otherwise (MIKEY_ERROR_PEER for an ERR
 * message, MIKEY_ERROR_NO_COMMON when that ERR says nothing is in common,
 * MIKEY_ERROR_AUTH for a bad MAC, MIKEY_ERROR_CERT_* or _IDENTITY for a
 * refused certificate, ...). A message that does not
 * belong to this exchange (other CSB ID) is refused with MIKEY_ERROR_INVALID
 * and leaves the state unchanged so a later genuine answer still counts. */
MIKEY_API
gboolean mikey_initiator_handle_response (MikeyInitiator * init,
    const guint8 * data, gsize len, gint64 now_us, GError ** error);

MIKEY_API
MikeyExchangeState mikey_initiator_get_state (const MikeyInitiator * init);
MIKEY_API
guint32 mikey_initiator_get_csb_id (const MikeyInitiator * init);
MIKEY_API
const MikeySuiteInfo *mikey_initiator_get_suite (const MikeyInitiator * init);
MIKEY_API
MikeyMode mikey_initiator_get_mode (const MikeyInitiator * init);
/* Valid once started; array of MikeySrtpParams owned by @init. */
MIKEY_API
GArray *mikey_initiator_get_srtp_params (const MikeyInitiator * init);

/* ------------------------------------------------------------------------
 * Responder (receiver side)
 * ---------------------------------------------------------------------- */

typedef struct
{
  MikeyMode mode;               /* the mode accepted when modes is empty */
  const guint8 *psk;            /* PSK and DHHMAC */
  gsize psk_len;
  /* Shared replay cache, owned by the caller (it outlives exchanges).
   * NULL: the responder makes its own with default skew and capacity. */
  MikeyReplayCache *replay;
  const gchar *id_r;            /* our identity for the V message, or NULL */

  /* Public-key material: our key and certificate chain (PKE: to decrypt the
   * envelope key; DH: to sign), the CAs initiators' certificates must
   * chain to, and optionally the one certificate an initiator must use. */
  MikeyKey *key;
  GPtrArray *certs;
  MikeyTrust *trust;
  MikeyCert *peer_cert;
  guint8 sign_type;

  /* Accepted modes and suites in priority order (see the initiator). */
  const MikeyMode *modes;
  guint n_modes;
  const MikeySuiteInfo *const *suites;
  guint n_suites;
} MikeyResponderConfig;

typedef enum
{
  /* new keys accepted: read them with mikey_responder_get_srtp_params() */
  MIKEY_RESPONSE_ACCEPTED,
  /* byte-identical retransmission of the last accepted message from the
   * same peer: *reply is the same verification message again, keys are
   * unchanged */
  MIKEY_RESPONSE_RETRANSMISSION,
  /* refused: *error says why; *reply may hold an ERR message to send */
  MIKEY_RESPONSE_REFUSED,
  /* negotiation: the initiator's choice is not the best common one; *reply
   * holds our counter-proposal to send, no error. The initiator will send
   * a new initiation message. */
  MIKEY_RESPONSE_COUNTER_PROPOSAL,
} MikeyResponseResult;

typedef struct _MikeyResponder MikeyResponder;

MIKEY_API
MikeyResponder *mikey_responder_new (const MikeyResponderConfig * cfg,
    GError ** error);
MIKEY_API
void mikey_responder_free (MikeyResponder * resp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MikeyResponder, mikey_responder_free);

/* Processes an initiation message from @peer (any string naming the sender,
 * e.g. "192.0.2.1:2269"; "" when unknown). *@reply (may be NULL on return)
 * is the message to send back: the verification message when one was
 * requested, or an error message. */
MIKEY_API
MikeyResponseResult mikey_responder_handle_init (MikeyResponder * resp,
    const guint8 * data, gsize len, const gchar * peer, gint64 now_us,
    GBytes ** reply, GError ** error);

/* Of the last accepted message; NULL before. Owned by @resp. */
MIKEY_API
GArray *mikey_responder_get_srtp_params (const MikeyResponder * resp);
MIKEY_API
guint32 mikey_responder_get_csb_id (const MikeyResponder * resp);
MIKEY_API
const MikeySuiteInfo *mikey_responder_get_suite (const MikeyResponder * resp);
MIKEY_API
MikeyMode mikey_responder_get_mode (const MikeyResponder * resp);

/* ------------------------------------------------------------------------
 * Helpers shared by both sides and by mikey-tool
 * ---------------------------------------------------------------------- */

/* Decrypts and verifies the KEMAC of a PSK/NULL initiation message @msg
 * (wire bytes @data/@len). With @psk NULL only an unprotected (NULL/NULL)
 * KEMAC can be opened; a protected one gives MIKEY_ERROR_SETTINGS (no
 * pre-shared key), and an encrypted one without MAC
 * MIKEY_ERROR_UNAUTHENTICATED. Returns the key data list (MikeyPayload*). */
MIKEY_API
GPtrArray *mikey_psk_open_kemac (const MikeyMessage * msg,
    const guint8 * data, gsize len, const guint8 * psk, gsize psk_len,
    GError ** error);

/* Parses "mikey <base64>" (RFC 4567 key-mgmt value, also bare base64,
 * surrounding white space ignored). */
MIKEY_API
guint8 *mikey_key_mgmt_decode (const gchar * text, gsize * out_len,
    GError ** error);
MIKEY_API
gchar *mikey_key_mgmt_encode (const guint8 * data, gsize len);

G_END_DECLS
