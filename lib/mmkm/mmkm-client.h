/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The MMKM member (client) protocol as a sans-I/O state machine
 * (docs/mmkm-client.md): register, login, the signed MIKEY-DH exchange
 * giving the KEK, TEK fetches, heartbeats and their ACKs, server loss
 * and return, re-login with backoff, BYE, and the songs, queue and events
 * calls of the HTTPS API (docs/mmkm-protocol.md).
 *
 * No sockets, timers, threads or clocks: the caller (a driver such as
 * mmkm-client-gio.h, a test, a fuzzer, a load generator) feeds it HTTP
 * answers, datagrams and "now" (Unix time in microseconds, the clock of
 * the MIKEY timestamps), and takes out HTTP requests to send, datagrams
 * to send, the next deadline and events. One member is one MmkmClient;
 * its state is small (a few hundred bytes plus the TEK receiver while
 * joined), so one process can run many of them.
 *
 * Each TEK opened is acknowledged to the server once (POST
 * /v1/session/teks/ack: the MIKEY verification message of seed 002 step
 * 4b, so the server knows who holds which key), in the background: the
 * TEK is usable at once, whether or not the acknowledgement gets
 * through (docs/mmkm-client.md says how it is retried).
 *
 * Keys: the KEK, the heartbeat key and the TEKs stay in memory only
 * (docs/mmkm-protocol.md: the KEK lives for one login session; a member
 * that restarts logs in again) and are wiped when replaced and on free.
 * The password is kept (it is needed to log in again after a 401) and
 * wiped on free. Events never carry key bytes: mmkm_client_get_tek() is
 * the one way out for them. */
#pragma once

#include <glib.h>
#include "mikey-pk.h"
#include "mikey-srtp.h"
#include "mmkm-api.h"
#include "mmkm-heartbeat.h"
#include "mmkm-identity.h"

G_BEGIN_DECLS
/* Retries (login, fetch, probing a lost server) back off from 1 s,
 * doubling, up to 60 s, each delay plus up to half of it at random so
 * that members do not come back at once. */
#define MMKM_CLIENT_BACKOFF_MIN (1 * G_USEC_PER_SEC)
#define MMKM_CLIENT_BACKOFF_MAX (60 * G_USEC_PER_SEC)
/* TEKs a member holds at once (the server lists at most this many) */
#define MMKM_CLIENT_TEKS_MAX MMKM_API_TEKS_MAX
/* The error classes of MMKM_CLIENT_EVENT_ERROR (and of the GError in the
 * MMKM_CLIENT_ERROR domain the driver reports) */
#define MMKM_CLIENT_ERROR (mmkm_client_error_quark ())
    GQuark mmkm_client_error_quark (void);

typedef enum
{
  MMKM_CLIENT_ERROR_WRONG_PASSWORD,     /* 401 on register or login */
  MMKM_CLIENT_ERROR_SERVER_CERT,        /* TLS: not the pinned server */
  MMKM_CLIENT_ERROR_UNREACHABLE,        /* no connection, timeout, 5xx */
  MMKM_CLIENT_ERROR_UNKNOWN_GROUP,      /* 404 at login */
  MMKM_CLIENT_ERROR_FORBIDDEN,  /* 403: disabled, role, no right */
  MMKM_CLIENT_ERROR_REGISTERED, /* 409 at register: a device exists */
  MMKM_CLIENT_ERROR_DUPLICATE_LOGIN,    /* 409 at login */
  MMKM_CLIENT_ERROR_RATE_LIMITED,       /* 429 */
  MMKM_CLIENT_ERROR_PROTOCOL,   /* an answer we cannot use */
  MMKM_CLIENT_ERROR_KEK,        /* the DH exchange failed */
  MMKM_CLIENT_ERROR_TEK,        /* a TEK message did not open */
  MMKM_CLIENT_ERROR_REFUSED,    /* another 4xx of an API call */
  MMKM_CLIENT_ERROR_STATE,      /* a call that the state does not allow */
} MmkmClientError;

typedef enum
{
  MMKM_CLIENT_IDLE,
  MMKM_CLIENT_REGISTERING,
  MMKM_CLIENT_LOGGING_IN,       /* login or DH exchange under way */
  MMKM_CLIENT_JOINED,
  MMKM_CLIENT_LEAVING,
  MMKM_CLIENT_LEFT,
  MMKM_CLIENT_FAILED,           /* a fatal error: see the error event */
} MmkmClientState;

/* What an HTTP request is for; the driver needs it only for logs */
typedef enum
{
  MMKM_CLIENT_OP_REGISTER,
  MMKM_CLIENT_OP_LOGIN,
  MMKM_CLIENT_OP_KEK,
  MMKM_CLIENT_OP_TEKS,
  MMKM_CLIENT_OP_BYE,
  MMKM_CLIENT_OP_SONGS_GET,
  MMKM_CLIENT_OP_SONGS_PUT,
  MMKM_CLIENT_OP_REQUEST_SONG,
  MMKM_CLIENT_OP_QUEUE_GET,
  MMKM_CLIENT_OP_QUEUE_NEXT,
  MMKM_CLIENT_OP_NOW_PLAYING,
  MMKM_CLIENT_OP_EVENTS,
  MMKM_CLIENT_OP_TEK_ACK,       /* POST /v1/session/teks/ack */
} MmkmClientOp;

/* An HTTP request to send. Free with mmkm_client_request_free(), which
 * wipes the body and the authorization (a password, a token). */
typedef struct
{
  guint id;                     /* give it back with the answer */
  MmkmClientOp op;
  const gchar *method;          /* "GET", "POST", "PUT" */
  gchar *path;                  /* "/v1/login", with its query */
  const gchar *content_type;    /* NULL: no body */
  GBytes *body;
  gchar *authorization;         /* "Bearer <token>" or NULL */
  /* how long the driver may wait for the answer (long polls wait) */
  guint timeout_s;
} MmkmClientRequest;

void mmkm_client_request_free (MmkmClientRequest * r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmkmClientRequest, mmkm_client_request_free);

/* How an HTTP request failed without an answer */
typedef enum
{
  MMKM_CLIENT_TRANSPORT_UNREACHABLE,    /* refused, timed out, closed */
  MMKM_CLIENT_TRANSPORT_CERTIFICATE,    /* TLS: not the pinned server */
} MmkmClientTransport;

typedef enum
{
  MMKM_CLIENT_EVENT_REGISTERED,
  MMKM_CLIENT_EVENT_JOINED,     /* logged in and KEK agreed */
  MMKM_CLIENT_EVENT_TEK,        /* a TEK: mki, activation, expiry */
  MMKM_CLIENT_EVENT_REKEY,      /* next_fetch; activation of the next TEK */
  MMKM_CLIENT_EVENT_HEARTBEAT,  /* an ACK: seq, rtt, misses it ended, mki */
  MMKM_CLIENT_EVENT_SERVER_LOST,        /* misses allowed reached */
  MMKM_CLIENT_EVENT_SERVER_RESTORED,
  MMKM_CLIENT_EVENT_LEFT,
  MMKM_CLIENT_EVENT_ERROR,      /* code, message, fatal */
  /* answers to the API calls, with the call's id in op_id */
  MMKM_CLIENT_EVENT_SONGS,      /* songs */
  MMKM_CLIENT_EVENT_QUEUE,      /* queue */
  MMKM_CLIENT_EVENT_QUEUE_ENTRY,        /* entry (POST /v1/queue, next) */
  MMKM_CLIENT_EVENT_GROUP_EVENTS,       /* events */
  MMKM_CLIENT_EVENT_DONE,       /* 204 of a PUT, or of next: queue empty */
  /* the server recorded that we hold TEK mki (seed 002 step 4b) */
  MMKM_CLIENT_EVENT_TEK_ACKED,
} MmkmClientEventType;

typedef struct
{
  MmkmClientEventType type;
  guint op_id;                  /* API answers and their errors; else 0 */
  /* TEK, REKEY, HEARTBEAT, TEK_ACKED */
  guint32 mki;
  gint64 activation;
  gint64 expiry;
  gint64 next_fetch;
  /* HEARTBEAT */
  guint64 seq;
  gint64 rtt;                   /* microseconds; -1 unknown */
  guint misses;
  gboolean fetch_flag;
  /* ERROR */
  MmkmClientError code;
  gchar *message;               /* a sentence, no secret */
  gboolean fatal;               /* the client stopped (FAILED) */
  guint status;                 /* the HTTP status, 0 if none */
  /* API answers: one of these, owned by the event */
  MmkmApiSongList *songs;
  MmkmApiQueue *queue;
  MmkmApiQueueEntry *entry;
  MmkmApiEvents *events;
} MmkmClientEvent;

void mmkm_client_event_free (MmkmClientEvent * ev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmkmClientEvent, mmkm_client_event_free);

typedef struct
{
  const gchar *user;            /* copied */
  const gchar *group;           /* copied; NULL: "default" */
  /* borrowed: must outlive the client (a driver or a load generator may
   * share one MmkmIdentity per device) */
  const MmkmIdentity *device;
  /* how far the server's clock may be from ours in TEK messages (0: 60 s) */
  gint64 skew_us;
} MmkmClientConfig;

typedef struct _MmkmClient MmkmClient;

/* MMKM_CLIENT_ERROR_STATE for a bad user or group name or no device */
MmkmClient *mmkm_client_new (const MmkmClientConfig * config, GError ** error);
void mmkm_client_free (MmkmClient * c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmkmClient, mmkm_client_free);

/* The password, copied (1 to MMKM_API_PASSWORD_MAX bytes of UTF-8) */
gboolean mmkm_client_set_password (MmkmClient * c, const gchar * password,
    GError ** error);
/* The server certificate whose key must sign the DH answer: the one the
 * driver's TLS connection was pinned to (a reference is taken). Needed
 * before the DH exchange starts (after the login answer). */
void mmkm_client_set_server_cert (MmkmClient * c, MikeyCert * cert);
gboolean mmkm_client_has_server_cert (const MmkmClient * c);

/* ---- what the caller asks for ------------------------------------------ */

/* Enrols the device certificate: REGISTERED or an ERROR event. */
gboolean mmkm_client_register (MmkmClient * c, gint64 now, GError ** error);
/* Login, DH exchange, TEK fetch, heartbeats until mmkm_client_leave():
 * JOINED, TEK, HEARTBEAT ... events. */
gboolean mmkm_client_join (MmkmClient * c, gint64 now, GError ** error);
/* BYE: one UDP BYE datagram and POST /v1/session/bye; LEFT once the
 * server answered (or at once when not joined). */
void mmkm_client_leave (MmkmClient * c, gint64 now);
/* A packet with this MKI was seen: a fetch follows at once when the MKI
 * is not held, no fetch is under way and the rate limit (3 at once, then
 * one per 10 s) allows one. TRUE if a fetch was started. */
gboolean mmkm_client_saw_mki (MmkmClient * c, guint32 mki, gint64 now);
/* A TEK fetch now (a TEK event in the events stream, a user's command) */
void mmkm_client_fetch (MmkmClient * c, gint64 now);

/* The API calls: each returns the call's id (0 when not joined) and ends
 * in an event with that op_id: the answer, or an ERROR. */
guint mmkm_client_get_songs (MmkmClient * c);
guint mmkm_client_put_songs (MmkmClient * c, const MmkmApiSongList * songs);
guint mmkm_client_request_song (MmkmClient * c, guint32 song);
guint mmkm_client_get_queue (MmkmClient * c);
guint mmkm_client_queue_next (MmkmClient * c);
guint mmkm_client_now_playing (MmkmClient * c, guint64 entry);
/* Long poll for events after the last one seen (0 at first);
 * @timeout_s 0: the server's default. A TEK event in the answer starts a
 * fetch. */
guint mmkm_client_poll_events (MmkmClient * c, guint timeout_s);

/* ---- what comes in ----------------------------------------------------- */

/* The answer to request @id: its status, Content-Type (may be NULL) and
 * body. Answers to requests of an earlier login session are ignored. */
void mmkm_client_receive_response (MmkmClient * c, guint id, guint status,
    const gchar * content_type, const guint8 * body, gsize len, gint64 now);
/* Request @id got no answer */
void mmkm_client_receive_failure (MmkmClient * c, guint id,
    MmkmClientTransport kind, const gchar * detail, gint64 now);
/* A datagram from the server's heartbeat port. Refused ones (malformed,
 * another session, bad MAC, replay) change nothing; their count is kept. */
void mmkm_client_receive_datagram (MmkmClient * c, const guint8 * data,
    gsize len, gint64 now);
/* Call when now >= mmkm_client_get_deadline() */
void mmkm_client_handle_timeout (MmkmClient * c, gint64 now);

/* ---- what goes out ----------------------------------------------------- */

MmkmClientRequest *mmkm_client_next_request (MmkmClient * c);
/* The next datagram for the server's heartbeat port (@port, from the
 * login answer): TRUE with MMKM_HB_LEN bytes in @out. */
gboolean mmkm_client_next_datagram (MmkmClient * c, guint8 out[MMKM_HB_LEN],
    guint16 * port);
MmkmClientEvent *mmkm_client_next_event (MmkmClient * c);
/* When mmkm_client_handle_timeout() is due; G_MAXINT64: nothing to wait
 * for */
gint64 mmkm_client_get_deadline (const MmkmClient * c);

/* ---- state ------------------------------------------------------------- */

MmkmClientState mmkm_client_get_state (const MmkmClient * c);
const gchar *mmkm_client_state_name (MmkmClientState s);
const gchar *mmkm_client_event_name (MmkmClientEventType t);
const gchar *mmkm_client_error_name (MmkmClientError e);
const gchar *mmkm_client_get_user (const MmkmClient * c);
/* The login session's id (MMKM_SESSION_ID_LEN bytes): the key a driver
 * carrying many members on one UDP socket dispatches ACKs by. NULL
 * before login. */
const guint8 *mmkm_client_get_session_id (const MmkmClient * c);
/* The login answer (NULL before login), e.g. the role and group */
const MmkmApiLoginResponse *mmkm_client_get_login (const MmkmClient * c);
/* Datagrams refused since the client was made */
guint64 mmkm_client_get_refused_datagrams (const MmkmClient * c);
/* TEK acknowledgements the server accepted since the client was made */
guint64 mmkm_client_get_tek_acks (const MmkmClient * c);
/* TRUE when the TEK with @mki is held and the server accepted its
 * acknowledgement in this login session */
gboolean mmkm_client_get_tek_acked (const MmkmClient * c, guint32 mki);

/* The TEK with @mki into @out (clear it with mikey_srtp_params_clear());
 * FALSE if not held. The key bytes leave the client only here. */
gboolean mmkm_client_get_tek (const MmkmClient * c, guint32 mki,
    MikeySrtpParams * out);
/* The MKIs held (at most MMKM_CLIENT_TEKS_MAX), oldest first; the one in
 * use at @now into @current (0: none) */
guint mmkm_client_get_mkis (const MmkmClient * c, guint32 * mkis,
    gint64 now, guint32 * current);
/* The KEK of this login session, for tests that compare it with the
 * server's; FALSE before the DH exchange */
gboolean mmkm_client_get_kek (const MmkmClient * c, guint8 kek[32]);

G_END_DECLS
