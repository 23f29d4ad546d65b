/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM HTTPS API (docs/mmkm-protocol.md, "HTTPS API"): the request and
 * response bodies as plain C structs, their JSON codecs, and the small
 * parsers the server needs for headers and query strings. Sans-I/O: the
 * server (libsoup 3) and the client library share this one
 * implementation, so both sides refuse the same bodies.
 *
 * Every *_from_json() takes untrusted bytes: the body size is checked
 * before anything is parsed, the JSON must be strict RFC 8259 (no
 * duplicate keys, nesting at most MMKM_API_DEPTH_MAX, integers at most
 * 2^53), and every field is checked for type, length and range. A refusal
 * is MMKM_ERROR_TOO_LARGE or MMKM_ERROR_BAD_REQUEST with a sentence naming
 * the field (never its value). Unknown fields are ignored. Every
 * *_to_json() returns a newly allocated UTF-8 string (g_free() it;
 * a string holding a password or a token should be wiped first, see
 * mmkm_api_free_secret()). The encoders trust their caller: they write
 * what the struct holds (a NULL string as ""), so a struct that the
 * decoder would refuse encodes into a body the decoder refuses; enum
 * fields must hold one of their values and every MIKEY message must be
 * set.
 *
 * Times are microseconds since the Unix epoch (UTC) in a gint64, as in
 * mmkm-schedule.h; 0 means "none" where a field is optional. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Body limits, checked before parsing */
#define MMKM_API_BODY_MAX (64 * 1024)
/* the song list and the queue */
#define MMKM_API_LIST_BODY_MAX (1024 * 1024)
#define MMKM_API_DEPTH_MAX 16

#define MMKM_API_USER_MAX 64
#define MMKM_API_PASSWORD_MAX 1024
#define MMKM_API_GROUP_MAX 64
#define MMKM_API_TITLE_MAX 256
#define MMKM_API_MESSAGE_MAX 512
#define MMKM_API_CERT_PEM_MAX 16384
/* decoded size of one MIKEY message in a JSON body */
#define MMKM_API_MIKEY_MAX 8192
#define MMKM_API_TEKS_MAX 4
#define MMKM_API_EVENTS_MAX 256
#define MMKM_API_SONGS_MAX 4096
#define MMKM_API_QUEUE_MAX 1024
#define MMKM_API_FINGERPRINT_LEN 32
#define MMKM_API_SESSION_ID_LEN 16
#define MMKM_API_TOKEN_LEN 32
/* 2^53: the largest integer every JSON implementation keeps exactly */
#define MMKM_API_INT_MAX G_GINT64_CONSTANT (9007199254740992)

/* The "error" codes of an error body, each with its HTTP status */
typedef enum
{
  MMKM_API_ERR_BAD_REQUEST,     /* 400 */
  MMKM_API_ERR_UNAUTHORIZED,    /* 401 */
  MMKM_API_ERR_FORBIDDEN,       /* 403 */
  MMKM_API_ERR_NOT_FOUND,       /* 404 */
  MMKM_API_ERR_CONFLICT,        /* 409 */
  MMKM_API_ERR_PAYLOAD_TOO_LARGE,       /* 413 */
  MMKM_API_ERR_UNSUPPORTED_MEDIA_TYPE,  /* 415 */
  MMKM_API_ERR_TOO_MANY_REQUESTS,       /* 429 */
  MMKM_API_ERR_SERVER_ERROR,    /* 500 */
} MmkmApiErrorCode;

const gchar *mmkm_api_error_code_to_string (MmkmApiErrorCode code);
guint mmkm_api_error_code_status (MmkmApiErrorCode code);
gboolean mmkm_api_error_code_from_string (const gchar * s,
    MmkmApiErrorCode * code);
/* The answer to a request body the codecs refused: payload_too_large for
 * MMKM_ERROR_TOO_LARGE, bad_request otherwise */
MmkmApiErrorCode mmkm_api_error_code_for (const GError * error);

/* Wipes and frees a string that held a password (NULL is fine) */
void mmkm_api_free_secret (gchar * s);

/* ---- POST /v1/register ---- */
typedef struct
{
  gchar *user;
  gchar *password;              /* wiped on free */
  gchar *certificate;           /* PEM, one CERTIFICATE block */
} MmkmApiRegisterRequest;

typedef struct
{
  gchar *user;
  guint8 fingerprint[MMKM_API_FINGERPRINT_LEN];
} MmkmApiRegisterResponse;

/* ---- POST /v1/login ---- */
typedef struct
{
  gchar *user;
  gchar *password;              /* wiped on free */
  gchar *group;
  guint8 fingerprint[MMKM_API_FINGERPRINT_LEN];
} MmkmApiLoginRequest;

typedef enum
{
  MMKM_API_ROLE_LISTENER,
  MMKM_API_ROLE_SENDER,
  MMKM_API_ROLE_ADMIN,
} MmkmApiRole;

typedef struct
{
  guint8 session_id[MMKM_API_SESSION_ID_LEN];
  guint8 token[MMKM_API_TOKEN_LEN];     /* wiped on free */
  gint64 server_time;
  guint16 heartbeat_port;
  guint32 heartbeat_interval_ms;
  guint32 allowed_misses;
  MmkmApiRole role;
  /* the group's settings */
  guint32 group_id;             /* the TEK messages' CSB ID, never 0 */
  gchar *group_name;
  gchar *suite;                 /* a libmikey suite name */
  gint64 tek_period_ms;
  guint32 requests_per_period;  /* song requests per member */
  gint64 request_period_ms;
} MmkmApiLoginResponse;

/* ---- GET /v1/session/teks ---- */
typedef struct
{
  guint32 mki;
  gint64 activation;
  gint64 expiry;                /* 0: until a next TEK is active */
  GBytes *mikey;                /* the TEK message (MIKEY-PSK under the KEK) */
} MmkmApiTek;

typedef struct
{
  MmkmApiTek teks[MMKM_API_TEKS_MAX];
  guint n_teks;
  gint64 next_fetch;
} MmkmApiTeks;

/* ---- GET /v1/session/events ---- */
typedef enum
{
  MMKM_API_EVENT_TEK,           /* a new TEK is ready: fetch it */
  MMKM_API_EVENT_JOINED,        /* sender role only */
  MMKM_API_EVENT_LEFT,          /* sender role only */
  MMKM_API_EVENT_QUEUE,
  MMKM_API_EVENT_SONGS,
} MmkmApiEventType;

typedef struct
{
  guint64 id;                   /* >= 1, increasing */
  MmkmApiEventType type;
  gint64 time;
  guint32 mki;                  /* TEK */
  gint64 activation;            /* TEK */
  gchar *user;                  /* JOINED, LEFT */
  gchar *reason;                /* LEFT: bye, timeout, removed, replaced */
} MmkmApiEvent;

typedef struct
{
  MmkmApiEvent *events;
  guint n_events;
  guint64 last;                 /* the "after" of the next poll */
  /* events after the poll's "after" were dropped (the member fell
   * behind, or the server restarted): fetch the TEKs, the songs and the
   * queue again, then poll after "last" */
  gboolean gap;
} MmkmApiEvents;

/* after=<event number>&timeout=<seconds> (each optional: 0 and 30) */
gboolean mmkm_api_events_query_parse (const gchar * after,
    const gchar * timeout, guint64 * after_out, guint * timeout_out,
    GError ** error);
#define MMKM_API_EVENTS_TIMEOUT_DEFAULT 30
#define MMKM_API_EVENTS_TIMEOUT_MAX 120

/* ---- PUT/GET /v1/songs ---- */
typedef struct
{
  guint32 id;
  gchar *title;
  guint32 duration_ms;
  guint32 rate;
  guint32 channels;
} MmkmApiSong;

typedef struct
{
  MmkmApiSong *songs;
  guint n_songs;
} MmkmApiSongList;

/* ---- POST /v1/queue ---- */
typedef struct
{
  guint32 song;                 /* 0: by title */
  gchar *title;                 /* NULL: by id; exactly one of the two */
} MmkmApiSongRequest;

typedef struct
{
  guint64 entry;
  guint32 song;
  gchar *title;
  gchar *requested_by;
  gint64 requested_at;
} MmkmApiQueueEntry;

/* ---- GET /v1/queue ---- */
typedef struct
{
  gboolean playing;
  MmkmApiQueueEntry now_playing;        /* when playing */
  MmkmApiQueueEntry *entries;
  guint n_entries;
} MmkmApiQueue;

/* ---- PUT /v1/queue/now-playing ---- */
typedef struct
{
  guint64 entry;                /* 0: nothing is playing */
} MmkmApiNowPlaying;

/* ---- error bodies ---- */
typedef struct
{
  MmkmApiErrorCode code;
  gchar *message;
  gchar *reason;                /* optional finer reason, e.g. "unknown_song" */
  gint64 retry_after;           /* seconds; -1: none */
  gint64 resets_at;             /* 0: none */
} MmkmApiError;

/* Declares the codec trio of a message type: to_json, from_json and
 * clear (frees what the struct owns and zeroes it; the struct itself is
 * the caller's, usually on the stack). from_json fills @out only on
 * success. */
#define MMKM_API_CODEC(Type, name)                                       \
  gchar *mmkm_api_##name##_to_json (const Type * msg);                 \
  gboolean mmkm_api_##name##_from_json (const gchar * data, gsize len, \
      Type * out, GError ** error);                                    \
  void mmkm_api_##name##_clear (Type * msg);

MMKM_API_CODEC (MmkmApiRegisterRequest, register_request)
MMKM_API_CODEC (MmkmApiRegisterResponse, register_response)
MMKM_API_CODEC (MmkmApiLoginRequest, login_request)
MMKM_API_CODEC (MmkmApiLoginResponse, login_response)
MMKM_API_CODEC (MmkmApiTeks, teks)
MMKM_API_CODEC (MmkmApiEvents, events)
MMKM_API_CODEC (MmkmApiSongList, song_list)
MMKM_API_CODEC (MmkmApiSongRequest, song_request)
MMKM_API_CODEC (MmkmApiQueueEntry, queue_entry)
MMKM_API_CODEC (MmkmApiQueue, queue)
MMKM_API_CODEC (MmkmApiNowPlaying, now_playing)
MMKM_API_CODEC (MmkmApiError, error)

/* Every codec behind one signature, for tests and fuzzers that treat
 * them alike: @name is the stem of its example files in
 * tests/check/data/mmkm-api/ ("error" for error-*.json), @size the size
 * of its struct. */
typedef struct
{
  const gchar *name;
  gsize size;
  gboolean (*from_json) (const gchar * data, gsize len, gpointer out,
      GError ** error);
  gchar *(*to_json) (gconstpointer msg);
  void (*clear) (gpointer msg);
} MmkmApiCodec;

const MmkmApiCodec *mmkm_api_codecs (guint * n);

/* A complete error body for @code with @message (a sentence with no
 * secret and no peer-supplied bytes) */
gchar *mmkm_api_error_body (MmkmApiErrorCode code, const gchar * message);

/* ---- tokens ---- */
/* 32 random bytes (OpenSSL's RNG) */
gboolean mmkm_api_token_generate (guint8 token[MMKM_API_TOKEN_LEN],
    GError ** error);
/* base64url without padding, 43 characters */
gchar *mmkm_api_token_to_string (const guint8 token[MMKM_API_TOKEN_LEN]);
gboolean mmkm_api_token_parse (const gchar * text,
    guint8 token[MMKM_API_TOKEN_LEN], GError ** error);
/* "Bearer <token>" (the scheme in any case, one space). A failure is
 * MMKM_ERROR_BAD_REQUEST; the server answers it 401 unauthorized, as it
 * does an unknown token. */
gboolean mmkm_api_bearer_parse (const gchar * header,
    guint8 token[MMKM_API_TOKEN_LEN], GError ** error);
/* constant time (CRYPTO_memcmp) */
gboolean mmkm_api_token_equal (const guint8 a[MMKM_API_TOKEN_LEN],
    const guint8 b[MMKM_API_TOKEN_LEN]);

/* Strict standard base64 (RFC 4648 section 4, padded, no whitespace,
 * unused bits zero) of at most @max decoded bytes */
GBytes *mmkm_api_base64_decode (const gchar * text, gsize max,
    GError ** error);

G_END_DECLS
