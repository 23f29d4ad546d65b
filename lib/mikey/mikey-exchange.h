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

/* A MikeyDhGroup as a bit of MikeyResponderConfig.dh_groups */
#define MIKEY_DH_GROUP_BIT(group) (1u << (group))

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
  /* Timers (mikey_initiator_get_deadline()), in microseconds, 0 for the
   * default: the first retransmission after retransmit_initial_us, each
   * following wait twice the last one up to retransmit_max_us, and without
   * an answer after timeout_us the exchange fails with MIKEY_ERROR_TIMEOUT.
   * When no answer is expected (MIKEY-NULL, no_verify) the message is sent
   * unanswered_sends times in all (0: 3) on the same schedule, in case one
   * is lost. */
  gint64 retransmit_initial_us;
  gint64 retransmit_max_us;
  gint64 timeout_us;
  guint unanswered_sends;
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
  /* Optional IDr (URI), may be NULL. Sent in the initiation message, and
   * also the responder identity we expect: PKE encrypts only to a
   * peer_cert for it, DH wants the responder's certificate for it, and a
   * PSK or DHHMAC answer that names the responder (an IDr payload,
   * checked once its MAC verified) must name this one
   * (MIKEY_ERROR_IDENTITY otherwise). */
  const gchar *id_r;

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
  /* MikeyDhGroup; default OAKLEY 5. The only group this side uses: an
   * answer in another group is refused (MIKEY_ERROR_DH_GROUP). Setting
   * the weak 768-bit OAKLEY 1 here is the explicit choice to use it. */
  guint8 dh_group;

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

/* The timer defaults of MikeyInitiatorConfig */
#define MIKEY_RETRANSMIT_INITIAL_DEFAULT_US G_GINT64_CONSTANT (250000)
#define MIKEY_RETRANSMIT_MAX_DEFAULT_US G_GINT64_CONSTANT (2000000)
#define MIKEY_TIMEOUT_DEFAULT_US G_GINT64_CONSTANT (5000000)
#define MIKEY_UNANSWERED_SENDS_DEFAULT 3
/* mikey_initiator_get_deadline(): nothing to wait for */
#define MIKEY_NO_DEADLINE G_MAXINT64

/* Copies everything it needs out of @cfg (secrets included). */
MIKEY_API
MikeyInitiator *mikey_initiator_new (const MikeyInitiatorConfig * cfg,
    GError ** error);
MIKEY_API
void mikey_initiator_free (MikeyInitiator * init);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MikeyInitiator, mikey_initiator_free);

/* Builds the initiation message on the first call and returns the same
 * bytes on later calls (retransmissions). When no response is expected
 * (NULL mode, or no_verify) the state goes straight to COMPLETE. The first
 * call starts the timers at @now_us (see mikey_initiator_get_deadline()). */
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

/* Timers, sans-I/O (as ngtcp2 does): the caller owns the clock and one
 * timer. After mikey_initiator_start(), _step() and _handle_expiry() it arms
 * its timer for mikey_initiator_get_deadline() and, when the timer fires,
 * calls mikey_initiator_handle_expiry() with the current time. All times
 * are absolute microseconds on the clock of the @now_us values handed in
 * (the same clock for every call: the initiation message's timestamp
 * comes from it too, so Unix time, or a monotonic clock anchored on it).
 *
 * The overall timeout counts from the first mikey_initiator_start(): a
 * counter-proposal or fallback sends a new initiation message and starts
 * the retransmission schedule again (first wait retransmit_initial_us), but
 * the exchange as a whole still ends timeout_us after it began, so a peer
 * cannot keep it alive by answering with counter-proposals.
 *
 * A @now_us earlier than one handed in before (the clock went backwards)
 * is taken as "no time passed": the pending waits keep their remaining
 * length from the new time on instead of stalling until the clock catches
 * up. A jump forwards counts as time that passed. */

/* The absolute time at which mikey_initiator_handle_expiry() has work to
 * do (a retransmission or the timeout), or MIKEY_NO_DEADLINE when there is
 * nothing to wait for (not started, keys established, failed). After
 * mikey_initiator_handle_expiry (@now_us) it is later than @now_us, so a
 * caller that re-arms its timer after each call cannot spin. */
MIKEY_API
gint64 mikey_initiator_get_deadline (const MikeyInitiator * init);

/* Handles the timers at @now_us. MIKEY_STEP_SEND: *@resend holds the bytes
 * to send again (the current initiation message, unchanged). FAILED: the
 * overall timeout passed without an answer; @error is MIKEY_ERROR_TIMEOUT
 * ("no answer after 5 s") and the state FAILED. IGNORED: nothing due yet
 * (an early or spurious wake-up is harmless). */
MIKEY_API
MikeyStep mikey_initiator_handle_expiry (MikeyInitiator * init,
    gint64 now_us, GBytes ** resend, GError ** error);

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

  /* DH and DHHMAC: the Diffie-Hellman groups an initiator may use, a set
   * of MIKEY_DH_GROUP_BIT (group). 0: OAKLEY 5 and OAKLEY 2. The 768-bit
   * OAKLEY 1 is too weak for new keys and only accepted when its bit is
   * set here. An initiation message in another group is refused before
   * any work on it: MIKEY_ERROR_DH_GROUP, and an ERR payload "Invalid DH"
   * for the initiator (RFC 3830 6.12). */
  guint dh_groups;
  /* The initiator's expected identity (a URI such as
   * "sip:alice@example.org"), or NULL for anyone the keys and
   * certificates above authenticate. PKE and DH: the initiator's verified
   * certificate must be for it (mikey_cert_matches_identity ()). PSK,
   * DHHMAC and NULL: the initiator's ID payload must hold exactly these
   * bytes, compared only once the MAC verified (NULL has no MAC: there
   * the check is mere consistency, anyone can claim any identity). A
   * mismatch gives MIKEY_ERROR_IDENTITY and an ERR payload "Invalid ID".
   * Empty: MIKEY_ERROR_SETTINGS. */
  const gchar *peer_id;

  /* Accepted modes and suites in priority order (see the initiator). */
  const MikeyMode *modes;
  guint n_modes;
  const MikeySuiteInfo *const *suites;
  guint n_suites;

  /* The clock skew allowed to authenticated messages (their timestamp
   * window is +/- this) when the responder makes its own replay cache
   * (replay NULL); 0: MIKEY_REPLAY_DEFAULT_SKEW_US. A shared cache has its
   * own (mikey_replay_cache_set_skew). MIKEY-NULL messages are held to no
   * window: see mikey_responder_get_clock_offset. */
  gint64 timestamp_window_us;
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
/* The last accepted message's timestamp minus now_us when it was handled
 * (positive: the sender's clock is ahead), in *@offset_us; FALSE when it
 * had no clock timestamp (a COUNTER) or nothing was accepted yet. For
 * MIKEY-NULL, whose timestamp is accepted whatever it says, this is where
 * a caller finds how far off it was, to log it. */
MIKEY_API
gboolean mikey_responder_get_clock_offset (const MikeyResponder * resp,
    gint64 * offset_us);

/* ------------------------------------------------------------------------
 * Helpers shared by both sides and by mikey-tool
 * ---------------------------------------------------------------------- */

/* Checks the PSK verification message @resp (wire bytes @data/@len)
 * answering the PSK initiation message @init under the pre-shared key
 * @psk (RFC 3830 3.1, 5.2): same CSB ID, data type PSK verify, an
 * HMAC-SHA-1 V payload last, whose MAC (keyed from @psk and the RAND of
 * @init) covers @resp up to the MAC and then IDi || IDr || T of @init.
 * MIKEY_ERROR_AUTH when the MAC does not verify, MIKEY_ERROR_INVALID for
 * a message of another form or exchange. The identities and the
 * timestamp of @resp are left to the caller. */
MIKEY_API
gboolean mikey_psk_check_verify (const MikeyMessage * init,
    const MikeyMessage * resp, const guint8 * data, gsize len,
    const guint8 * psk, gsize psk_len, GError ** error);

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
