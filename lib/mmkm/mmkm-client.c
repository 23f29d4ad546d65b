/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The MMKM member protocol as a sans-I/O state machine (mmkm-client.h). */
#include "mmkm-client.h"

#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "mikey-error.h"
#include "mmkm-error.h"
#include "mmkm-kek.h"
#include "mmkm-schedule.h"
#include "mmkm-tek.h"

/* indent would put spaces around the dashes of the quark's name */
/* *INDENT-OFF* */
G_DEFINE_QUARK (mmkm-client-error-quark, mmkm_client_error);
/* *INDENT-ON* */

#define MIKEY_TYPE "application/mikey"
#define JSON_TYPE "application/json"
/* events kept for a caller that does not take them: the oldest go */
#define EVENTS_MAX 256
/* HTTP waits, the long poll's on top of its own timeout */
#define REQUEST_TIMEOUT_S 15
/* An acknowledgement carries the member's clock when it was made and the
 * server takes it within 60 s of its own (mmkm_tek_ack_check()), so one
 * is retried only while younger than this; a later fetch brings a fresh
 * one (the TEK is not acknowledged yet, so it is sent again). */
#define ACK_MAX_AGE (40 * G_USEC_PER_SEC)

/* a TEK held, without MikeySrtpParams' 128-byte MKI room */
typedef struct
{
  guint32 mki;
  gint64 activation;
  gint64 expiry;
  const MikeySuiteInfo *suite;
  guint32 ssrc;
  guint32 roc;
  guint kdr;
  guint8 key[MIKEY_MAX_MASTER_KEY];
  guint8 salt[MIKEY_MAX_MASTER_SALT];
  guint8 key_len;
  guint8 salt_len;
  guint8 policy_no;
  guint has_ssrc:1;
  guint rtp_enc:1;
  guint rtcp_enc:1;
  guint rtp_auth:1;
} Tek;

/* The acknowledgement of a TEK held (seed 002 step 4b) */
typedef enum
{
  ACK_NONE,                     /* nothing to send: none asked, or the
                                 * message is too old or was refused */
  ACK_TODO,                     /* to send at ack_at */
  ACK_SENT,                     /* in flight as request req */
  ACK_DONE,                     /* the server took it */
} AckState;

typedef struct
{
  guint32 mki;
  AckState state;
  guint req;
  /* a fresher message came while one was in flight */
  gboolean renewed;
  gint64 made;                  /* when msg was made (its timestamp) */
  GBytes *msg;                  /* the verification message */
} TekAck;

/* a request sent and not answered yet */
typedef struct
{
  guint id;
  guint32 gen;                  /* the login session it belongs to */
  MmkmClientOp op;
} Pending;

enum
{
  DG_HEARTBEAT = 1,
  DG_BYE = 2,
};

struct _MmkmClient
{
  gchar *user;
  gchar *group;
  const MmkmIdentity *device;
  gint64 skew;
  gchar *password;
  MikeyCert *server_cert;

  MmkmClientState state;
  guint32 gen;
  guint next_id;
  GQueue requests;
  GQueue events;
  GArray *pending;

  /* the login session */
  MmkmApiLoginResponse *login;
  gchar *auth;
  MmkmKekMember *kek_member;
  gboolean have_kek;
  guint8 kek[MMKM_KEK_LEN];
  MmkmHbKey hb_key;
  MmkmHbWindow ack_window;
  MmkmTekReceiver *rx;
  Tek teks[MMKM_CLIENT_TEKS_MAX];
  guint n_teks;
  /* one per TEK held, in no particular order */
  TekAck acks[MMKM_CLIENT_TEKS_MAX];
  guint n_acks;
  gint64 ack_at;
  gint64 ack_backoff;
  guint64 acks_done;

  /* heartbeats */
  guint64 hb_seq;
  gint64 hb_next;
  gint64 hb_sent;
  gboolean hb_acked;
  guint misses;
  gboolean lost;
  guint dg_pending;
  guint64 refused;

  /* fetches */
  gboolean fetching;
  gint64 fetch_at;
  MmkmTokenBucket unknown_mki;

  /* login retries */
  gint64 login_at;
  gint64 backoff;
  gboolean unreachable_told;

  guint64 events_after;
};

/* ---- small helpers ----------------------------------------------------- */

void
mmkm_client_request_free (MmkmClientRequest * r)
{
  if (!r)
    return;
  g_free (r->path);
  g_clear_pointer (&r->body, g_bytes_unref);
  mmkm_api_free_secret (r->authorization);
  g_free (r);
}

void
mmkm_client_event_free (MmkmClientEvent * ev)
{
  if (!ev)
    return;
  g_free (ev->message);
  if (ev->songs) {
    mmkm_api_song_list_clear (ev->songs);
    g_free (ev->songs);
  }
  if (ev->queue) {
    mmkm_api_queue_clear (ev->queue);
    g_free (ev->queue);
  }
  if (ev->entry) {
    mmkm_api_queue_entry_clear (ev->entry);
    g_free (ev->entry);
  }
  if (ev->events) {
    mmkm_api_events_clear (ev->events);
    g_free (ev->events);
  }
  g_free (ev);
}

static MmkmClientEvent *
event_push (MmkmClient * c, MmkmClientEventType type)
{
  MmkmClientEvent *ev = g_new0 (MmkmClientEvent, 1);

  ev->type = type;
  ev->rtt = -1;
  if (c->events.length >= EVENTS_MAX)
    mmkm_client_event_free (g_queue_pop_head (&c->events));
  g_queue_push_tail (&c->events, ev);
  return ev;
}

static void
error_push (MmkmClient * c, guint op_id, MmkmClientError code, gboolean fatal,
    guint status, const gchar * format, ...)
G_GNUC_PRINTF (6, 7);

     static void
         error_push (MmkmClient * c, guint op_id, MmkmClientError code,
    gboolean fatal, guint status, const gchar * format, ...)
{
  MmkmClientEvent *ev = event_push (c, MMKM_CLIENT_EVENT_ERROR);
  va_list ap;

  va_start (ap, format);
  ev->message = g_strdup_vprintf (format, ap);
  va_end (ap);
  ev->op_id = op_id;
  ev->code = code;
  ev->fatal = fatal;
  ev->status = status;
}

static void
secret_bytes_free (gpointer p)
{
  mmkm_api_free_secret (p);
}

/* a JSON body that may hold a password: wiped when the last ref goes */
static GBytes *
secret_body (gchar * json)
{
  return g_bytes_new_with_free_func (json, strlen (json), secret_bytes_free,
      json);
}

static guint
request_push (MmkmClient * c, MmkmClientOp op, const gchar * method,
    gchar * path, const gchar * ctype, GBytes * body)
{
  MmkmClientRequest *r = g_new0 (MmkmClientRequest, 1);
  Pending p;

  if (++c->next_id == 0)
    c->next_id = 1;
  r->id = c->next_id;
  r->op = op;
  r->method = method;
  r->path = path;
  r->content_type = body ? ctype : NULL;
  r->body = body;
  r->timeout_s = REQUEST_TIMEOUT_S;
  if (c->auth && op != MMKM_CLIENT_OP_REGISTER && op != MMKM_CLIENT_OP_LOGIN)
    r->authorization = g_strdup (c->auth);
  g_queue_push_tail (&c->requests, r);
  p.id = r->id;
  p.gen = c->gen;
  p.op = op;
  g_array_append_val (c->pending, p);
  return r->id;
}

static gint64
sat_add (gint64 a, gint64 b)
{
  return a > G_MAXINT64 - b ? G_MAXINT64 : a + b;
}

/* the next retry delay: *@backoff plus up to half of it at random */
static gint64
backoff_step (gint64 * backoff)
{
  guint32 r = 0;
  gint64 d;

  if (*backoff < MMKM_CLIENT_BACKOFF_MIN)
    *backoff = MMKM_CLIENT_BACKOFF_MIN;
  d = *backoff;
  if (RAND_bytes ((guint8 *) & r, sizeof r) == 1)
    d += (gint64) ((guint64) (d / 2) * r / G_MAXUINT32);
  *backoff = MIN (*backoff * 2, MMKM_CLIENT_BACKOFF_MAX);
  return d;
}

static gint64
backoff_next (MmkmClient * c)
{
  return backoff_step (&c->backoff);
}

/* the error body's sentence, or a word on its absence */
static gchar *
server_says (const guint8 * body, gsize len, const gchar * ctype,
    MmkmApiError * out)
{
  MmkmApiError e = { 0 };
  gchar *s;

  if (out)
    memset (out, 0, sizeof *out);
  if (!body || !ctype || !g_str_has_prefix (ctype, JSON_TYPE)
      || !mmkm_api_error_from_json ((const gchar *) body, len, &e, NULL))
    return g_strdup ("");
  s = g_strdup_printf (" (the server says: %.*s)",
      (int) (strlen (e.message) - g_str_has_suffix (e.message, ".")),
      e.message);
  if (out)
    *out = e;
  else
    mmkm_api_error_clear (&e);
  return s;
}

/* ---- session state ----------------------------------------------------- */

static void
teks_clear (MmkmClient * c)
{
  OPENSSL_cleanse (c->teks, sizeof c->teks);
  c->n_teks = 0;
}

static void
acks_clear (MmkmClient * c)
{
  guint i;

  for (i = 0; i < c->n_acks; i++)
    g_clear_pointer (&c->acks[i].msg, g_bytes_unref);
  memset (c->acks, 0, sizeof c->acks);
  c->n_acks = 0;
}

/* Forgets the login session: keys wiped, its answers ignored from now */
static void
session_drop (MmkmClient * c)
{
  c->gen++;
  /* answers to what is open now are ignored: no need to remember it */
  g_array_set_size (c->pending, 0);
  if (c->login) {
    mmkm_api_login_response_clear (c->login);
    g_clear_pointer (&c->login, g_free);
  }
  g_clear_pointer (&c->auth, mmkm_api_free_secret);
  g_clear_pointer (&c->kek_member, mmkm_kek_member_free);
  g_clear_pointer (&c->rx, mmkm_tek_receiver_free);
  OPENSSL_cleanse (c->kek, sizeof c->kek);
  c->have_kek = FALSE;
  mmkm_hb_key_clear (&c->hb_key);
  mmkm_hb_window_init (&c->ack_window);
  teks_clear (c);
  acks_clear (c);
  c->ack_at = G_MAXINT64;
  c->ack_backoff = 0;
  c->hb_seq = 0;
  c->hb_next = c->fetch_at = c->login_at = G_MAXINT64;
  c->hb_acked = TRUE;
  c->misses = 0;
  c->dg_pending = 0;
  c->fetching = FALSE;
}

static void
fail (MmkmClient * c)
{
  session_drop (c);
  c->state = MMKM_CLIENT_FAILED;
}

static void
login_send (MmkmClient * c)
{
  MmkmApiLoginRequest r = { 0 };

  r.user = c->user;
  r.password = c->password;
  r.group = c->group;
  memcpy (r.fingerprint, mmkm_identity_get_fingerprint (c->device),
      MMKM_API_FINGERPRINT_LEN);
  c->login_at = G_MAXINT64;
  c->state = MMKM_CLIENT_LOGGING_IN;
  request_push (c, MMKM_CLIENT_OP_LOGIN, "POST", g_strdup ("/v1/login"),
      JSON_TYPE, secret_body (mmkm_api_login_request_to_json (&r)));
}

/* A new login after @delay (the session is gone: 401, a failed
 * exchange, a server that forgot us) */
static void
relogin (MmkmClient * c, gint64 now, gint64 delay)
{
  session_drop (c);
  c->state = MMKM_CLIENT_LOGGING_IN;
  c->login_at = sat_add (now, delay);
}

static void
relogin_backoff (MmkmClient * c, gint64 now)
{
  relogin (c, now, backoff_next (c));
}

static void
unreachable (MmkmClient * c, guint status, const gchar * detail, gint64 delay)
{
  if (c->unreachable_told)
    return;
  c->unreachable_told = TRUE;
  error_push (c, 0, MMKM_CLIENT_ERROR_UNREACHABLE, FALSE, status,
      "The server cannot be reached (%s); trying again in %" G_GINT64_FORMAT
      " s, and later with growing delays.", detail, delay / G_USEC_PER_SEC);
}

static void
fetch_send (MmkmClient * c)
{
  c->fetching = TRUE;
  c->fetch_at = G_MAXINT64;
  request_push (c, MMKM_CLIENT_OP_TEKS, "GET", g_strdup ("/v1/session/teks"),
      NULL, NULL);
}

static const Tek *
tek_find (const MmkmClient * c, guint32 mki)
{
  guint i;

  for (i = 0; i < c->n_teks; i++)
    if (c->teks[i].mki == mki)
      return &c->teks[i];
  return NULL;
}

/* ---- public: life -------------------------------------------------------- */

MmkmClient *
mmkm_client_new (const MmkmClientConfig * config, GError ** error)
{
  g_autofree gchar *uid = NULL;
  const gchar *group = config->group ? config->group : "default";
  MmkmClient *c;
  gsize i;

  uid = mmkm_user_id (config->user ? config->user : "", NULL);
  if (!uid || !config->device) {
    g_set_error (error, MMKM_CLIENT_ERROR, MMKM_CLIENT_ERROR_STATE,
        "%s", !uid ? "A user name is 1 to 64 printable ASCII characters "
        "without spaces." : "No device identity: register first.");
    return NULL;
  }
  for (i = 0; group[i]; i++)
    if (group[i] <= ' ' || group[i] > '~')
      break;
  if (i == 0 || i > MMKM_API_GROUP_MAX || group[i]) {
    g_set_error (error, MMKM_CLIENT_ERROR, MMKM_CLIENT_ERROR_STATE,
        "A group name is 1 to 64 printable ASCII characters without spaces.");
    return NULL;
  }
  c = g_new0 (MmkmClient, 1);
  c->user = g_strdup (config->user);
  c->group = g_strdup (group);
  c->device = config->device;
  c->skew = config->skew_us;
  c->pending = g_array_new (FALSE, FALSE, sizeof (Pending));
  g_queue_init (&c->requests);
  g_queue_init (&c->events);
  session_drop (c);
  c->state = MMKM_CLIENT_IDLE;
  return c;
}

void
mmkm_client_free (MmkmClient * c)
{
  if (!c)
    return;
  session_drop (c);
  g_free (c->user);
  g_free (c->group);
  mmkm_api_free_secret (c->password);
  g_clear_pointer (&c->server_cert, mikey_cert_unref);
  g_queue_clear_full (&c->requests, (GDestroyNotify) mmkm_client_request_free);
  g_queue_clear_full (&c->events, (GDestroyNotify) mmkm_client_event_free);
  g_array_unref (c->pending);
  g_free (c);
}

gboolean
mmkm_client_set_password (MmkmClient * c, const gchar * password,
    GError ** error)
{
  gsize len = password ? strlen (password) : 0;

  if (len == 0 || len > MMKM_API_PASSWORD_MAX
      || !g_utf8_validate (password, len, NULL)) {
    g_set_error (error, MMKM_CLIENT_ERROR, MMKM_CLIENT_ERROR_STATE,
        "A password is 1 to %d bytes of UTF-8.", MMKM_API_PASSWORD_MAX);
    return FALSE;
  }
  mmkm_api_free_secret (c->password);
  c->password = g_strdup (password);
  return TRUE;
}

void
mmkm_client_set_server_cert (MmkmClient * c, MikeyCert * cert)
{
  if (cert)
    mikey_cert_ref (cert);
  g_clear_pointer (&c->server_cert, mikey_cert_unref);
  c->server_cert = cert;
}

gboolean
mmkm_client_has_server_cert (const MmkmClient * c)
{
  return c->server_cert != NULL;
}

static gboolean
check_idle (MmkmClient * c, GError ** error)
{
  if (c->state == MMKM_CLIENT_REGISTERING || c->state ==
      MMKM_CLIENT_LOGGING_IN || c->state == MMKM_CLIENT_JOINED
      || c->state == MMKM_CLIENT_LEAVING) {
    g_set_error (error, MMKM_CLIENT_ERROR, MMKM_CLIENT_ERROR_STATE,
        "The client is busy (%s).", mmkm_client_state_name (c->state));
    return FALSE;
  }
  if (!c->password) {
    g_set_error (error, MMKM_CLIENT_ERROR, MMKM_CLIENT_ERROR_STATE,
        "No password was given.");
    return FALSE;
  }
  return TRUE;
}

gboolean
mmkm_client_register (MmkmClient * c, gint64 now, GError ** error)
{
  MmkmApiRegisterRequest r = { 0 };

  if (!check_idle (c, error))
    return FALSE;
  r.user = c->user;
  r.password = c->password;
  r.certificate = (gchar *) mmkm_identity_get_cert_pem (c->device);
  c->state = MMKM_CLIENT_REGISTERING;
  request_push (c, MMKM_CLIENT_OP_REGISTER, "POST", g_strdup ("/v1/register"),
      JSON_TYPE, secret_body (mmkm_api_register_request_to_json (&r)));
  return TRUE;
}

gboolean
mmkm_client_join (MmkmClient * c, gint64 now, GError ** error)
{
  if (!check_idle (c, error))
    return FALSE;
  session_drop (c);
  c->backoff = 0;
  c->unreachable_told = FALSE;
  c->lost = FALSE;
  mmkm_token_bucket_init (&c->unknown_mki, MMKM_UNKNOWN_MKI_BURST,
      MMKM_UNKNOWN_MKI_REFILL, now);
  login_send (c);
  return TRUE;
}

static void
left (MmkmClient * c)
{
  session_drop (c);
  c->state = MMKM_CLIENT_LEFT;
  event_push (c, MMKM_CLIENT_EVENT_LEFT);
}

void
mmkm_client_leave (MmkmClient * c, gint64 now)
{
  if (c->state == MMKM_CLIENT_LEAVING)
    return;
  if (c->state == MMKM_CLIENT_REGISTERING || c->state == MMKM_CLIENT_IDLE
      || c->state == MMKM_CLIENT_FAILED || c->state == MMKM_CLIENT_LEFT) {
    if (c->state == MMKM_CLIENT_REGISTERING)
      c->gen++;
    c->state = MMKM_CLIENT_LEFT;
    return;
  }
  if (!c->auth) {
    left (c);
    return;
  }
  c->state = MMKM_CLIENT_LEAVING;
  c->hb_next = c->fetch_at = c->login_at = G_MAXINT64;
  /* both: UDP may be dropped, and HTTPS ends the session for sure */
  if (c->have_kek)
    c->dg_pending = DG_BYE;
  request_push (c, MMKM_CLIENT_OP_BYE, "POST", g_strdup ("/v1/session/bye"),
      NULL, NULL);
}

gboolean
mmkm_client_saw_mki (MmkmClient * c, guint32 mki, gint64 now)
{
  if (c->state != MMKM_CLIENT_JOINED || !c->have_kek)
    return FALSE;
  if (!mmkm_schedule_fetch_unknown_mki (&c->unknown_mki,
          tek_find (c, mki) != NULL, c->fetching, now))
    return FALSE;
  fetch_send (c);
  return TRUE;
}

void
mmkm_client_fetch (MmkmClient * c, gint64 now)
{
  if (c->state == MMKM_CLIENT_JOINED && c->have_kek && !c->fetching)
    fetch_send (c);
}

/* ---- public: API calls --------------------------------------------------- */

static guint
api_call (MmkmClient * c, MmkmClientOp op, const gchar * method,
    gchar * path, gchar * json)
{
  if (c->state != MMKM_CLIENT_JOINED || !c->auth) {
    g_free (path);
    g_free (json);
    return 0;
  }
  return request_push (c, op, method, path, JSON_TYPE,
      json ? g_bytes_new_take (json, strlen (json)) : NULL);
}

guint
mmkm_client_get_songs (MmkmClient * c)
{
  return api_call (c, MMKM_CLIENT_OP_SONGS_GET, "GET", g_strdup ("/v1/songs"),
      NULL);
}

guint
mmkm_client_put_songs (MmkmClient * c, const MmkmApiSongList * songs)
{
  return api_call (c, MMKM_CLIENT_OP_SONGS_PUT, "PUT", g_strdup ("/v1/songs"),
      mmkm_api_song_list_to_json (songs));
}

guint
mmkm_client_request_song (MmkmClient * c, guint32 song)
{
  MmkmApiSongRequest r = { song };

  return api_call (c, MMKM_CLIENT_OP_REQUEST_SONG, "POST",
      g_strdup ("/v1/queue"), mmkm_api_song_request_to_json (&r));
}

guint
mmkm_client_get_queue (MmkmClient * c)
{
  return api_call (c, MMKM_CLIENT_OP_QUEUE_GET, "GET", g_strdup ("/v1/queue"),
      NULL);
}

guint
mmkm_client_queue_next (MmkmClient * c)
{
  return api_call (c, MMKM_CLIENT_OP_QUEUE_NEXT, "POST",
      g_strdup ("/v1/queue/next"), NULL);
}

guint
mmkm_client_now_playing (MmkmClient * c, guint64 entry)
{
  MmkmApiNowPlaying r = { entry };

  return api_call (c, MMKM_CLIENT_OP_NOW_PLAYING, "PUT",
      g_strdup ("/v1/queue/now-playing"), mmkm_api_now_playing_to_json (&r));
}

guint
mmkm_client_poll_events (MmkmClient * c, guint timeout_s)
{
  guint id;

  timeout_s = MIN (timeout_s, MMKM_API_EVENTS_TIMEOUT_MAX);
  id = api_call (c, MMKM_CLIENT_OP_EVENTS, "GET",
      timeout_s ? g_strdup_printf ("/v1/session/events?after=%"
          G_GUINT64_FORMAT "&timeout=%u", c->events_after, timeout_s) :
      g_strdup_printf ("/v1/session/events?after=%" G_GUINT64_FORMAT,
          c->events_after), NULL);
  if (id) {
    MmkmClientRequest *r = g_queue_peek_tail (&c->requests);
    r->timeout_s = REQUEST_TIMEOUT_S + (timeout_s ? timeout_s :
        MMKM_API_EVENTS_TIMEOUT_DEFAULT);
  }
  return id;
}

/* ---- answers --------------------------------------------------------------- */

static void
on_register (MmkmClient * c, guint status, const gchar * ctype,
    const guint8 * body, gsize len)
{
  g_autofree gchar *says = server_says (body, len, ctype, NULL);
  MmkmApiRegisterResponse r = { 0 };

  c->state = MMKM_CLIENT_IDLE;
  switch (status) {
    case 201:
      if (!mmkm_api_register_response_from_json ((const gchar *) body, len,
              &r, NULL) || memcmp (r.fingerprint,
              mmkm_identity_get_fingerprint (c->device),
              MMKM_FINGERPRINT_LEN) != 0) {
        mmkm_api_register_response_clear (&r);
        error_push (c, 0, MMKM_CLIENT_ERROR_PROTOCOL, TRUE, status,
            "The server's answer to the registration is not valid or names "
            "another device.");
        break;
      }
      mmkm_api_register_response_clear (&r);
      event_push (c, MMKM_CLIENT_EVENT_REGISTERED);
      return;
    case 401:
      error_push (c, 0, MMKM_CLIENT_ERROR_WRONG_PASSWORD, TRUE, status,
          "Registration refused: wrong user name or password%s.", says);
      break;
    case 409:
      error_push (c, 0, MMKM_CLIENT_ERROR_REGISTERED, TRUE, status,
          "User %s already has a registered device%s; an administrator must "
          "remove it before another one can be registered.", c->user, says);
      break;
    case 403:
      error_push (c, 0, MMKM_CLIENT_ERROR_FORBIDDEN, TRUE, status,
          "Registration refused: user %s may not register a device%s.",
          c->user, says);
      break;
    case 429:
      error_push (c, 0, MMKM_CLIENT_ERROR_RATE_LIMITED, TRUE, status,
          "Too many failed attempts%s; wait and try again.", says);
      break;
    default:
      error_push (c, 0, status >= 500 ? MMKM_CLIENT_ERROR_UNREACHABLE :
          MMKM_CLIENT_ERROR_PROTOCOL, TRUE, status,
          "Registration failed: HTTP status %u%s.", status, says);
      break;
  }
  c->state = MMKM_CLIENT_FAILED;
}

static void restored (MmkmClient * c);

static void
kek_start (MmkmClient * c, gint64 now)
{
  g_autoptr (GError) e = NULL;
  GBytes *i_msg;

  c->kek_member = mmkm_kek_member_new (c->device, c->user, c->server_cert, &e);
  i_msg = c->kek_member ? mmkm_kek_member_start (c->kek_member, now, &e) : NULL;
  if (!i_msg) {
    error_push (c, 0, MMKM_CLIENT_ERROR_KEK, TRUE, 0,
        "The key exchange could not start: %s", e->message);
    fail (c);
    return;
  }
  request_push (c, MMKM_CLIENT_OP_KEK, "POST",
      g_strdup ("/v1/session/kek"), MIKEY_TYPE, i_msg);
}

static void
on_login (MmkmClient * c, guint status, const gchar * ctype,
    const guint8 * body, gsize len, gint64 now)
{
  MmkmApiError err;
  g_autofree gchar *says = NULL;
  g_autofree gchar *token = NULL;
  g_autoptr (GError) e = NULL;
  MmkmApiLoginResponse *r;

  if (status == 200) {
    r = g_new0 (MmkmApiLoginResponse, 1);
    if (!mmkm_api_login_response_from_json ((const gchar *) body, len, r, &e)) {
      g_free (r);
      error_push (c, 0, MMKM_CLIENT_ERROR_PROTOCOL, FALSE, status,
          "The server's login answer is not valid: %s", e->message);
      relogin_backoff (c, now);
      return;
    }
    if (!c->server_cert) {
      mmkm_api_login_response_clear (r);
      g_free (r);
      error_push (c, 0, MMKM_CLIENT_ERROR_SERVER_CERT, TRUE, 0,
          "The server certificate is not known, so the key exchange cannot "
          "be checked.");
      fail (c);
      return;
    }
    c->login = r;
    token = mmkm_api_token_to_string (r->token);
    c->auth = g_strconcat ("Bearer ", token, NULL);
    OPENSSL_cleanse (token, strlen (token));
    c->unreachable_told = FALSE;
    kek_start (c, now);
    return;
  }
  says = server_says (body, len, ctype, &err);
  switch (status) {
    case 401:
      error_push (c, 0, MMKM_CLIENT_ERROR_WRONG_PASSWORD, TRUE, status,
          "Login refused: wrong user name or password, or this device is "
          "not the one registered for %s%s.", c->user, says);
      fail (c);
      break;
    case 403:
      error_push (c, 0, MMKM_CLIENT_ERROR_FORBIDDEN, TRUE, status,
          "Login refused: user %s is disabled or may not join group %s%s.",
          c->user, c->group, says);
      fail (c);
      break;
    case 404:
      error_push (c, 0, MMKM_CLIENT_ERROR_UNKNOWN_GROUP, TRUE, status,
          "The server has no group named %s%s.", c->group, says);
      fail (c);
      break;
    case 409:
      error_push (c, 0, MMKM_CLIENT_ERROR_DUPLICATE_LOGIN, TRUE, status,
          "User %s is logged in already and the group refuses a second "
          "login%s.", c->user, says);
      fail (c);
      break;
    case 429:{
      gint64 delay = err.retry_after > 0 ? MIN (err.retry_after, 3600) *
          G_USEC_PER_SEC : backoff_next (c);
      error_push (c, 0, MMKM_CLIENT_ERROR_RATE_LIMITED, FALSE, status,
          "Too many failed logins%s; trying again in %" G_GINT64_FORMAT " s.",
          says, delay / G_USEC_PER_SEC);
      relogin (c, now, delay);
      break;
    }
    default:
      if (status >= 500) {
        gint64 delay = backoff_next (c);
        g_autofree gchar *d = g_strdup_printf ("HTTP status %u%s", status,
            says);
        unreachable (c, status, d, delay);
        relogin (c, now, delay);
      } else {
        error_push (c, 0, MMKM_CLIENT_ERROR_PROTOCOL, TRUE, status,
            "Login failed: HTTP status %u%s.", status, says);
        fail (c);
      }
      break;
  }
  mmkm_api_error_clear (&err);
}

static void
on_kek (MmkmClient * c, guint status, const gchar * ctype,
    const guint8 * body, gsize len, gint64 now)
{
  g_autoptr (GError) e = NULL;
  g_autofree gchar *says = NULL;
  gboolean mikey = ctype && g_str_has_prefix (ctype, MIKEY_TYPE);

  if ((status == 200 || status == 403) && mikey) {
    if (mmkm_kek_member_finish (c->kek_member, body, len, now, c->kek, &e)
        && status == 200) {
      g_clear_pointer (&c->kek_member, mmkm_kek_member_free);
      if (!mmkm_hb_key_derive (c->kek, MMKM_KEK_LEN, &c->hb_key, &e) ||
          !(c->rx = mmkm_tek_receiver_new (c->kek, c->user,
                  c->login->group_id, c->skew, &e))) {
        error_push (c, 0, MMKM_CLIENT_ERROR_KEK, TRUE, 0,
            "The session keys could not be set up: %s", e->message);
        fail (c);
        return;
      }
      c->have_kek = TRUE;
      c->state = MMKM_CLIENT_JOINED;
      /* back after a server that had forgotten us */
      restored (c);
      c->hb_next = now;
      event_push (c, MMKM_CLIENT_EVENT_JOINED);
      fetch_send (c);
      return;
    }
    OPENSSL_cleanse (c->kek, sizeof c->kek);
    /* a refusal the server signed (ERR) or an answer that does not
     * verify: neither gets better by trying again */
    error_push (c, 0, MMKM_CLIENT_ERROR_KEK, TRUE, status,
        "The key exchange with the server failed: %s",
        e ? e->message : "the server refused it");
    fail (c);
    return;
  }
  says = server_says (body, len, ctype, NULL);
  if (status == 401 || status == 400 || status == 409 || status == 403) {
    /* the session went away, or the message was refused as a replay:
     * a new login and a new DH value */
    error_push (c, 0, MMKM_CLIENT_ERROR_KEK, FALSE, status,
        "The key exchange was refused (HTTP status %u%s); logging in again.",
        status, says);
    relogin_backoff (c, now);
    return;
  }
  if (status >= 500) {
    gint64 delay = backoff_next (c);
    g_autofree gchar *d = g_strdup_printf ("HTTP status %u%s", status, says);
    unreachable (c, status, d, delay);
    relogin (c, now, delay);
    return;
  }
  error_push (c, 0, MMKM_CLIENT_ERROR_PROTOCOL, TRUE, status,
      "The key exchange failed: HTTP status %u%s.", status, says);
  fail (c);
}

static gint64
fetch_retry_at (MmkmClient * c, gint64 now)
{
  return sat_add (now, backoff_next (c));
}

static void
restored (MmkmClient * c)
{
  if (!c->lost)
    return;
  c->lost = FALSE;
  c->misses = 0;
  event_push (c, MMKM_CLIENT_EVENT_SERVER_RESTORED);
}

/* 401 or 403 on a session call: the server ended the session (while
 * we were away, or our BYE crossed); a new login, backed off after the
 * first time */
static void
session_gone (MmkmClient * c, guint status, const gchar * says, gint64 now)
{
  error_push (c, 0, MMKM_CLIENT_ERROR_REFUSED, FALSE, status,
      "The server no longer knows this session (HTTP status %u%s); "
      "logging in again.", status, says);
  relogin (c, now, c->backoff ? backoff_next (c) : 0);
  if (c->backoff == 0)
    c->backoff = MMKM_CLIENT_BACKOFF_MIN;
}

/* ---- TEK acknowledgements ------------------------------------------------ */

static TekAck *
ack_find (MmkmClient * c, guint32 mki)
{
  guint i;

  for (i = 0; i < c->n_acks; i++)
    if (c->acks[i].mki == mki)
      return &c->acks[i];
  return NULL;
}

static TekAck *
ack_find_req (MmkmClient * c, guint req)
{
  guint i;

  for (i = 0; i < c->n_acks; i++)
    if (c->acks[i].state == ACK_SENT && c->acks[i].req == req)
      return &c->acks[i];
  return NULL;
}

/* Sends what is due; a message too old for the server waits for the
 * next fetch instead */
static void
acks_send (MmkmClient * c, gint64 now)
{
  guint i;

  if (now < c->ack_at)
    return;
  c->ack_at = G_MAXINT64;
  for (i = 0; i < c->n_acks; i++) {
    TekAck *a = &c->acks[i];

    if (a->state != ACK_TODO)
      continue;
    if (!a->msg || now - a->made > ACK_MAX_AGE) {
      g_clear_pointer (&a->msg, g_bytes_unref);
      a->state = ACK_NONE;
      continue;
    }
    a->state = ACK_SENT;
    a->renewed = FALSE;
    a->req = request_push (c, MMKM_CLIENT_OP_TEK_ACK, "POST",
        g_strdup ("/v1/session/teks/ack"), MIKEY_TYPE, g_bytes_ref (a->msg));
  }
}

/* After a fetch: one slot per TEK now held (@fresh, @n), each keeping
 * what its MKI had (done stays done: once per MKI), with the fresh
 * message (@msgs, taken) where one is still needed. The server keeps
 * the messages of its last fetches only, so the freshest is the one to
 * send. */
static void
acks_update (MmkmClient * c, const Tek * fresh, GBytes ** msgs, guint n,
    gint64 now)
{
  TekAck next[MMKM_CLIENT_TEKS_MAX];
  gboolean todo = FALSE;
  guint i;

  memset (next, 0, sizeof next);
  for (i = 0; i < n; i++) {
    TekAck *a = &next[i];
    TekAck *old = ack_find (c, fresh[i].mki);

    if (old) {
      *a = *old;
      old->msg = NULL;
    }
    a->mki = fresh[i].mki;
    if (a->state == ACK_DONE || !msgs[i]) {
      g_clear_pointer (&msgs[i], g_bytes_unref);
      continue;
    }
    g_clear_pointer (&a->msg, g_bytes_unref);
    a->msg = g_steal_pointer (&msgs[i]);
    a->made = now;
    if (a->state == ACK_SENT)
      a->renewed = TRUE;
    else {
      a->state = ACK_TODO;
      todo = TRUE;
    }
  }
  acks_clear (c);
  memcpy (c->acks, next, sizeof next);
  c->n_acks = n;
  /* the server just answered: no reason to wait */
  if (todo) {
    c->ack_at = now;
    c->ack_backoff = 0;
  }
}

/* @a's request got no answer it can keep: again after a delay while its
 * message is young enough (at once when a fresher one came meanwhile) */
static void
ack_retry (MmkmClient * c, TekAck * a, gint64 now)
{
  gint64 at;

  if (a->renewed) {
    a->state = ACK_TODO;
    c->ack_at = MIN (c->ack_at, now);
    return;
  }
  at = sat_add (now, backoff_step (&c->ack_backoff));
  if (at - a->made > ACK_MAX_AGE) {
    g_clear_pointer (&a->msg, g_bytes_unref);
    a->state = ACK_NONE;
    return;
  }
  a->state = ACK_TODO;
  c->ack_at = MIN (c->ack_at, at);
}

static void
on_tek_ack (MmkmClient * c, guint id, guint status, const gchar * ctype,
    const guint8 * body, gsize len, gint64 now)
{
  TekAck *a = ack_find_req (c, id);
  g_autofree gchar *says = NULL;
  MmkmClientEvent *ev;

  /* an answer about a TEK no longer held */
  if (!a)
    return;
  /* 204 (any 2xx: the server recorded it) */
  if (status >= 200 && status < 300) {
    a->state = ACK_DONE;
    g_clear_pointer (&a->msg, g_bytes_unref);
    c->ack_backoff = 0;
    c->acks_done++;
    ev = event_push (c, MMKM_CLIENT_EVENT_TEK_ACKED);
    ev->mki = a->mki;
    return;
  }
  says = server_says (body, len, ctype, NULL);
  if (status == 401 || status == 403) {
    session_gone (c, status, says, now);
    return;
  }
  if (status == 429 || status >= 500) {
    ack_retry (c, a, now);
    return;
  }
  /* the server will never take this message (it sent it before a
   * restart, or more than two fetches ago, or it is not one we could
   * make): a fresher one, or the next fetch's */
  if (a->renewed) {
    ack_retry (c, a, now);
    return;
  }
  g_clear_pointer (&a->msg, g_bytes_unref);
  a->state = ACK_NONE;
  error_push (c, 0, MMKM_CLIENT_ERROR_REFUSED, FALSE, status,
      "The server refused the acknowledgement of TEK %08x (HTTP status "
      "%u%s); the TEK is used all the same and acknowledged again after the "
      "next fetch.", a->mki, status, says);
}

static void
on_teks (MmkmClient * c, guint status, const gchar * ctype,
    const guint8 * body, gsize len, gint64 now)
{
  g_autoptr (GError) e = NULL;
  g_autofree gchar *says = NULL;
  MmkmApiTeks t = { 0 };
  Tek fresh[MMKM_CLIENT_TEKS_MAX];
  GBytes *acks[MMKM_CLIENT_TEKS_MAX] = { NULL };
  gint64 next_activation = 0;
  guint i, n = 0;
  MmkmClientEvent *ev;

  c->fetching = FALSE;
  if (status != 200) {
    says = server_says (body, len, ctype, NULL);
    if (status == 401 || status == 403) {
      session_gone (c, status, says, now);
      return;
    }
    c->fetch_at = fetch_retry_at (c, now);
    if (status >= 500) {
      g_autofree gchar *d = g_strdup_printf ("HTTP status %u%s", status,
          says);
      unreachable (c, status, d, c->fetch_at - now);
    } else
      error_push (c, 0, MMKM_CLIENT_ERROR_PROTOCOL, FALSE, status,
          "The TEK fetch failed: HTTP status %u%s.", status, says);
    return;
  }
  if (!mmkm_api_teks_from_json ((const gchar *) body, len, &t, &e)) {
    error_push (c, 0, MMKM_CLIENT_ERROR_PROTOCOL, FALSE, status,
        "The server's TEK list is not valid: %s", e->message);
    c->fetch_at = fetch_retry_at (c, now);
    return;
  }
  memset (fresh, 0, sizeof fresh);
  for (i = 0; i < t.n_teks; i++) {
    MikeySrtpParams p = { 0 };
    Tek *k = &fresh[n];

    /* the acknowledgement is made now, when the message opens: the
     * replay cache would refuse opening it a second time */
    if (!mmkm_tek_receiver_open_ack (c->rx,
            g_bytes_get_data (t.teks[i].mikey, NULL),
            g_bytes_get_size (t.teks[i].mikey), now, &p, &acks[n], &e)
        || mmkm_tek_get_mki (&p) != t.teks[i].mki) {
      error_push (c, 0, MMKM_CLIENT_ERROR_TEK, FALSE, status,
          "TEK %08x did not open: %s", t.teks[i].mki, e ? e->message :
          "its MKI is not the one listed");
      g_clear_error (&e);
      g_clear_pointer (&acks[n], g_bytes_unref);
      mikey_srtp_params_clear (&p);
      continue;
    }
    k->mki = t.teks[i].mki;
    k->activation = t.teks[i].activation;
    k->expiry = t.teks[i].expiry;
    k->suite = p.suite;
    k->has_ssrc = p.has_ssrc;
    k->ssrc = p.ssrc;
    k->roc = p.roc;
    k->kdr = p.kdr;
    k->policy_no = p.policy_no;
    k->rtp_enc = p.rtp_enc;
    k->rtcp_enc = p.rtcp_enc;
    k->rtp_auth = p.rtp_auth;
    k->key_len = (guint8) MIN (p.key_len, sizeof k->key);
    k->salt_len = (guint8) MIN (p.salt_len, sizeof k->salt);
    memcpy (k->key, p.key, k->key_len);
    memcpy (k->salt, p.salt, k->salt_len);
    mikey_srtp_params_clear (&p);
    n++;
  }
  if (n == 0) {
    mmkm_api_teks_clear (&t);
    OPENSSL_cleanse (fresh, sizeof fresh);
    error_push (c, 0, MMKM_CLIENT_ERROR_TEK, FALSE, status,
        "No TEK could be used (is this computer's clock right? The TEK "
        "messages are timestamped); trying again.");
    c->fetch_at = fetch_retry_at (c, now);
    return;
  }
  for (i = 0; i < n; i++) {
    if (tek_find (c, fresh[i].mki))
      continue;
    ev = event_push (c, MMKM_CLIENT_EVENT_TEK);
    ev->mki = fresh[i].mki;
    ev->activation = fresh[i].activation;
    ev->expiry = fresh[i].expiry;
    if (fresh[i].activation > now && (!next_activation
            || fresh[i].activation < next_activation))
      next_activation = fresh[i].activation;
  }
  acks_update (c, fresh, acks, n, now);
  teks_clear (c);
  memcpy (c->teks, fresh, sizeof fresh);
  c->n_teks = n;
  OPENSSL_cleanse (fresh, sizeof fresh);
  c->backoff = 0;
  c->unreachable_told = FALSE;
  restored (c);
  /* never sooner than a second: a server whose fetch time has passed
   * must not make us loop */
  c->fetch_at = MAX (t.next_fetch, sat_add (now, MMKM_CLIENT_BACKOFF_MIN));
  ev = event_push (c, MMKM_CLIENT_EVENT_REKEY);
  ev->next_fetch = t.next_fetch;
  ev->activation = next_activation;
  mmkm_api_teks_clear (&t);
  acks_send (c, now);
}

static void
on_bye (MmkmClient * c)
{
  /* 204, or 401 when the UDP BYE got there first: gone either way */
  left (c);
}

static void
on_api (MmkmClient * c, const Pending * p, guint status, const gchar * ctype,
    const guint8 * body, gsize len, gint64 now)
{
  g_autoptr (GError) e = NULL;
  g_autofree gchar *says = NULL;
  MmkmClientEvent *ev;
  MmkmApiError err;
  const gchar *what = p->op == MMKM_CLIENT_OP_SONGS_GET
      || p->op == MMKM_CLIENT_OP_SONGS_PUT ? "songs" :
      p->op == MMKM_CLIENT_OP_EVENTS ? "events" : "queue";
  gboolean ok = FALSE;

  if (status == 204 && (p->op == MMKM_CLIENT_OP_SONGS_PUT
          || p->op == MMKM_CLIENT_OP_QUEUE_NEXT
          || p->op == MMKM_CLIENT_OP_NOW_PLAYING)) {
    event_push (c, MMKM_CLIENT_EVENT_DONE)->op_id = p->id;
    return;
  }
  if ((status == 200 && p->op != MMKM_CLIENT_OP_REQUEST_SONG)
      || (status == 201 && p->op == MMKM_CLIENT_OP_REQUEST_SONG)) {
    const gchar *b = (const gchar *) body;
    switch (p->op) {
      case MMKM_CLIENT_OP_SONGS_GET:{
        MmkmApiSongList *s = g_new0 (MmkmApiSongList, 1);
        if ((ok = mmkm_api_song_list_from_json (b, len, s, &e)))
          (ev = event_push (c, MMKM_CLIENT_EVENT_SONGS))->songs = s;
        else
          g_free (s);
        break;
      }
      case MMKM_CLIENT_OP_QUEUE_GET:{
        MmkmApiQueue *q = g_new0 (MmkmApiQueue, 1);
        if ((ok = mmkm_api_queue_from_json (b, len, q, &e)))
          (ev = event_push (c, MMKM_CLIENT_EVENT_QUEUE))->queue = q;
        else
          g_free (q);
        break;
      }
      case MMKM_CLIENT_OP_REQUEST_SONG:
      case MMKM_CLIENT_OP_QUEUE_NEXT:{
        MmkmApiQueueEntry *q = g_new0 (MmkmApiQueueEntry, 1);
        if ((ok = mmkm_api_queue_entry_from_json (b, len, q, &e)))
          (ev = event_push (c, MMKM_CLIENT_EVENT_QUEUE_ENTRY))->entry = q;
        else
          g_free (q);
        break;
      }
      case MMKM_CLIENT_OP_EVENTS:{
        MmkmApiEvents *v = g_new0 (MmkmApiEvents, 1);
        guint i;
        if ((ok = mmkm_api_events_from_json (b, len, v, &e))) {
          if (v->last > c->events_after)
            c->events_after = v->last;
          for (i = 0; i < v->n_events; i++)
            if (v->events[i].type == MMKM_API_EVENT_TEK
                && !tek_find (c, v->events[i].mki))
              mmkm_client_fetch (c, now);
          (ev = event_push (c, MMKM_CLIENT_EVENT_GROUP_EVENTS))->events = v;
        } else
          g_free (v);
        break;
      }
      default:
        break;
    }
    if (ok) {
      ev->op_id = p->id;
      return;
    }
    error_push (c, p->id, MMKM_CLIENT_ERROR_PROTOCOL, FALSE, status,
        "The server's %s answer is not valid: %s", what,
        e ? e->message : "unexpected status");
    return;
  }
  says = server_says (body, len, ctype, &err);
  if (status == 401) {
    error_push (c, p->id, MMKM_CLIENT_ERROR_REFUSED, FALSE, status,
        "The server no longer knows this session%s; logging in again.", says);
    relogin (c, now, 0);
  } else if (status == 429)
    error_push (c, p->id, MMKM_CLIENT_ERROR_RATE_LIMITED, FALSE, status,
        "Refused for now%s; retry in %" G_GINT64_FORMAT " s.", says,
        MAX (err.retry_after, (gint64) 0));
  else if (status == 403)
    error_push (c, p->id, MMKM_CLIENT_ERROR_FORBIDDEN, FALSE, status,
        "Not allowed for this member's role%s.", says);
  else if (status >= 500)
    error_push (c, p->id, MMKM_CLIENT_ERROR_UNREACHABLE, FALSE, status,
        "The server failed the %s call (HTTP status %u%s).", what, status,
        says);
  else
    error_push (c, p->id, MMKM_CLIENT_ERROR_REFUSED, FALSE, status,
        "The %s call was refused: HTTP status %u%s.", what, status, says);
  mmkm_api_error_clear (&err);
}

static gboolean
pending_take (MmkmClient * c, guint id, Pending * out)
{
  guint i;

  for (i = 0; i < c->pending->len; i++) {
    Pending *p = &g_array_index (c->pending, Pending, i);
    if (p->id != id)
      continue;
    *out = *p;
    g_array_remove_index_fast (c->pending, i);
    return out->gen == c->gen;
  }
  return FALSE;
}

void
mmkm_client_receive_response (MmkmClient * c, guint id, guint status,
    const gchar * content_type, const guint8 * body, gsize len, gint64 now)
{
  Pending p;

  if (!pending_take (c, id, &p))
    return;
  if (!body)
    len = 0;
  switch (p.op) {
    case MMKM_CLIENT_OP_REGISTER:
      if (c->state == MMKM_CLIENT_REGISTERING)
        on_register (c, status, content_type, body, len);
      break;
    case MMKM_CLIENT_OP_LOGIN:
      if (c->state == MMKM_CLIENT_LOGGING_IN)
        on_login (c, status, content_type, body, len, now);
      break;
    case MMKM_CLIENT_OP_KEK:
      if (c->state == MMKM_CLIENT_LOGGING_IN && c->kek_member)
        on_kek (c, status, content_type, body, len, now);
      break;
    case MMKM_CLIENT_OP_TEKS:
      if (c->state == MMKM_CLIENT_JOINED)
        on_teks (c, status, content_type, body, len, now);
      break;
    case MMKM_CLIENT_OP_BYE:
      if (c->state == MMKM_CLIENT_LEAVING)
        on_bye (c);
      break;
    case MMKM_CLIENT_OP_TEK_ACK:
      if (c->state == MMKM_CLIENT_JOINED)
        on_tek_ack (c, p.id, status, content_type, body, len, now);
      break;
    default:
      if (c->state == MMKM_CLIENT_JOINED)
        on_api (c, &p, status, content_type, body, len, now);
      break;
  }
}

void
mmkm_client_receive_failure (MmkmClient * c, guint id,
    MmkmClientTransport kind, const gchar * detail, gint64 now)
{
  Pending p;
  gint64 delay;

  if (!pending_take (c, id, &p))
    return;
  if (!detail)
    detail = "no answer";
  if (kind == MMKM_CLIENT_TRANSPORT_CERTIFICATE) {
    error_push (c, p.op >= MMKM_CLIENT_OP_SONGS_GET
        && p.op <= MMKM_CLIENT_OP_EVENTS ? p.id : 0,
        MMKM_CLIENT_ERROR_SERVER_CERT, TRUE, 0,
        "The server's certificate is not the expected one (%s): check the "
        "fingerprint or the CA file, or you may be talking to an impostor.",
        detail);
    fail (c);
    return;
  }
  switch (p.op) {
    case MMKM_CLIENT_OP_REGISTER:
      if (c->state != MMKM_CLIENT_REGISTERING)
        return;
      error_push (c, 0, MMKM_CLIENT_ERROR_UNREACHABLE, TRUE, 0,
          "The server cannot be reached (%s).", detail);
      c->state = MMKM_CLIENT_FAILED;
      return;
    case MMKM_CLIENT_OP_LOGIN:
    case MMKM_CLIENT_OP_KEK:
      if (c->state != MMKM_CLIENT_LOGGING_IN)
        return;
      delay = backoff_next (c);
      unreachable (c, 0, detail, delay);
      relogin (c, now, delay);
      return;
    case MMKM_CLIENT_OP_TEKS:
      if (c->state != MMKM_CLIENT_JOINED)
        return;
      c->fetching = FALSE;
      c->fetch_at = fetch_retry_at (c, now);
      unreachable (c, 0, detail, c->fetch_at - now);
      return;
    case MMKM_CLIENT_OP_BYE:
      if (c->state == MMKM_CLIENT_LEAVING)
        left (c);
      return;
    case MMKM_CLIENT_OP_TEK_ACK:{
      TekAck *a = c->state == MMKM_CLIENT_JOINED ? ack_find_req (c, p.id) :
          NULL;
      /* silent: the heartbeats tell about a server that went away */
      if (a)
        ack_retry (c, a, now);
      return;
    }
    default:
      if (c->state == MMKM_CLIENT_JOINED)
        error_push (c, p.id, MMKM_CLIENT_ERROR_UNREACHABLE, FALSE, 0,
            "The server cannot be reached (%s).", detail);
      return;
  }
}

void
mmkm_client_receive_datagram (MmkmClient * c, const guint8 * data,
    gsize len, gint64 now)
{
  MmkmHeartbeat ack;
  MmkmClientEvent *ev;

  if (!c->have_kek || (c->state != MMKM_CLIENT_JOINED
          && c->state != MMKM_CLIENT_LEAVING)
      || !mmkm_hb_accept (&c->hb_key, c->login->session_id,
          MMKM_HB_FROM_SERVER, &c->ack_window, data, len, &ack, NULL)) {
    c->refused++;
    return;
  }
  if (c->state != MMKM_CLIENT_JOINED)
    return;
  ev = event_push (c, MMKM_CLIENT_EVENT_HEARTBEAT);
  ev->seq = c->hb_seq;
  ev->mki = ack.mki;
  ev->fetch_flag = (ack.flags & MMKM_HB_FLAG_FETCH) != 0;
  if (!c->hb_acked && now >= c->hb_sent)
    ev->rtt = now - c->hb_sent;
  c->hb_acked = TRUE;
  /* the misses this ACK ends */
  ev->misses = c->misses;
  c->misses = 0;
  restored (c);
  if (ev->fetch_flag)
    mmkm_client_fetch (c, now);
  else if (ack.mki && !tek_find (c, ack.mki))
    mmkm_client_saw_mki (c, ack.mki, now);
}

void
mmkm_client_handle_timeout (MmkmClient * c, gint64 now)
{
  if (c->state == MMKM_CLIENT_LOGGING_IN && now >= c->login_at) {
    login_send (c);
    return;
  }
  if (c->state != MMKM_CLIENT_JOINED)
    return;
  if (now >= c->hb_next) {
    gint64 interval = MAX ((gint64) c->login->heartbeat_interval_ms, 100) *
        1000;
    guint allowed = MAX (c->login->allowed_misses, 1);

    if (!c->hb_acked && c->hb_seq > 0) {
      c->misses++;
      if (c->misses >= allowed && !c->lost) {
        MmkmClientEvent *ev = event_push (c, MMKM_CLIENT_EVENT_SERVER_LOST);
        ev->misses = c->misses;
        c->lost = TRUE;
        /* ask over HTTPS too: an answer says back, a 401 says the server
         * ended the session meanwhile */
        c->backoff = 0;
        if (!c->fetching)
          c->fetch_at = now;
      }
    }
    c->hb_seq++;
    c->hb_sent = now;
    c->hb_acked = FALSE;
    c->dg_pending |= DG_HEARTBEAT;
    c->hb_next = sat_add (c->hb_next, interval);
    if (c->hb_next <= now)
      c->hb_next = sat_add (now, interval);
  }
  if (now >= c->fetch_at && !c->fetching)
    fetch_send (c);
  acks_send (c, now);
}

/* ---- outputs ----------------------------------------------------------------- */

MmkmClientRequest *
mmkm_client_next_request (MmkmClient * c)
{
  return g_queue_pop_head (&c->requests);
}

gboolean
mmkm_client_next_datagram (MmkmClient * c, guint8 out[MMKM_HB_LEN],
    guint16 * port)
{
  MmkmHeartbeat hb = { 0 };

  if (!c->dg_pending || !c->have_kek)
    return FALSE;
  if (c->dg_pending & DG_BYE) {
    hb.type = MMKM_HB_BYE;
    hb.seq = ++c->hb_seq;
  } else {
    hb.type = MMKM_HB_HEARTBEAT;
    hb.seq = c->hb_seq;
  }
  c->dg_pending = 0;
  memcpy (hb.session_id, c->login->session_id, MMKM_SESSION_ID_LEN);
  if (!mmkm_hb_encode (&c->hb_key, &hb, out, NULL))
    return FALSE;
  if (port)
    *port = c->login->heartbeat_port;
  return TRUE;
}

MmkmClientEvent *
mmkm_client_next_event (MmkmClient * c)
{
  return g_queue_pop_head (&c->events);
}

gint64
mmkm_client_get_deadline (const MmkmClient * c)
{
  if (c->state == MMKM_CLIENT_LOGGING_IN)
    return c->login_at;
  if (c->state != MMKM_CLIENT_JOINED)
    return G_MAXINT64;
  return MIN (MIN (c->hb_next, c->fetching ? G_MAXINT64 : c->fetch_at),
      c->ack_at);
}

/* ---- state --------------------------------------------------------------- */

MmkmClientState
mmkm_client_get_state (const MmkmClient * c)
{
  return c->state;
}

const gchar *
mmkm_client_state_name (MmkmClientState s)
{
  static const gchar *const names[] = { "idle", "registering", "logging-in",
    "joined", "leaving", "left", "failed"
  };
  return (guint) s < G_N_ELEMENTS (names) ? names[s] : "unknown";
}

const gchar *
mmkm_client_event_name (MmkmClientEventType t)
{
  static const gchar *const names[] = { "registered", "joined", "tek",
    "rekey", "heartbeat", "server-lost", "server-restored", "left", "error",
    "songs", "queue", "queue-entry", "events", "done", "tek-acked"
  };
  return (guint) t < G_N_ELEMENTS (names) ? names[t] : "unknown";
}

const gchar *
mmkm_client_error_name (MmkmClientError e)
{
  static const gchar *const names[] = { "wrong-password", "server-cert",
    "unreachable", "unknown-group", "forbidden", "registered",
    "duplicate-login", "rate-limited", "protocol", "kek", "tek", "refused",
    "state"
  };
  return (guint) e < G_N_ELEMENTS (names) ? names[e] : "unknown";
}

const gchar *
mmkm_client_get_user (const MmkmClient * c)
{
  return c->user;
}

const guint8 *
mmkm_client_get_session_id (const MmkmClient * c)
{
  return c->login ? c->login->session_id : NULL;
}

const MmkmApiLoginResponse *
mmkm_client_get_login (const MmkmClient * c)
{
  return c->login;
}

guint64
mmkm_client_get_refused_datagrams (const MmkmClient * c)
{
  return c->refused;
}

guint64
mmkm_client_get_tek_acks (const MmkmClient * c)
{
  return c->acks_done;
}

gboolean
mmkm_client_get_tek_acked (const MmkmClient * c, guint32 mki)
{
  guint i;

  for (i = 0; i < c->n_acks; i++)
    if (c->acks[i].mki == mki)
      return c->acks[i].state == ACK_DONE;
  return FALSE;
}

gboolean
mmkm_client_get_tek (const MmkmClient * c, guint32 mki, MikeySrtpParams * out)
{
  const Tek *k = tek_find (c, mki);

  memset (out, 0, sizeof *out);
  if (!k)
    return FALSE;
  out->cs_id = 1;
  out->policy_no = k->policy_no;
  out->has_ssrc = k->has_ssrc;
  out->ssrc = k->ssrc;
  out->roc = k->roc;
  out->suite = k->suite;
  out->rtp_enc = k->rtp_enc;
  out->rtcp_enc = k->rtcp_enc;
  out->rtp_auth = k->rtp_auth;
  out->kdr = k->kdr;
  memcpy (out->key, k->key, k->key_len);
  out->key_len = k->key_len;
  memcpy (out->salt, k->salt, k->salt_len);
  out->salt_len = k->salt_len;
  out->mki[0] = mki >> 24;
  out->mki[1] = mki >> 16;
  out->mki[2] = mki >> 8;
  out->mki[3] = mki;
  out->mki_len = MMKM_MKI_LEN;
  return TRUE;
}

guint
mmkm_client_get_mkis (const MmkmClient * c, guint32 * mkis, gint64 now,
    guint32 * current)
{
  gint64 best = G_MININT64;
  guint i;

  if (current)
    *current = c->n_teks ? c->teks[0].mki : 0;
  for (i = 0; i < c->n_teks; i++) {
    if (mkis)
      mkis[i] = c->teks[i].mki;
    if (current && c->teks[i].activation <= now
        && c->teks[i].activation >= best) {
      best = c->teks[i].activation;
      *current = c->teks[i].mki;
    }
  }
  return c->n_teks;
}

gboolean
mmkm_client_get_kek (const MmkmClient * c, guint8 kek[32])
{
  if (!c->have_kek)
    return FALSE;
  memcpy (kek, c->kek, MMKM_KEK_LEN);
  return TRUE;
}
