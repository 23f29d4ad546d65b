/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkm-server: the MMKM registration server daemon (docs/mmkm-server.md,
 * "Running"). One GLib main loop carries the HTTPS API (libsoup 3), the
 * heartbeat UDP socket and the timers (TEK schedule, liveness); the
 * protocol work is lib/mmkm's, the state is the store's. */
#define G_LOG_DOMAIN "mmkm-server"

#include <gio/gio.h>
#include <glib-unix.h>
#include <libsoup/soup.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "config.h"
#include "mikey-suite.h"
#include "mmkm-api.h"
#include "mmkm-error.h"
#include "mmkm-heartbeat.h"
#include "mmkm-identity.h"
#include "mmkm-kek.h"
#include "mmkm-schedule.h"
#include "mmkm-tek.h"
#include "mmkm-password.h"
#include "mmkm-store-sqlite.h"
#include "mmkm-server-config.h"

#define SECRET_LEN 32
#define HB_BATCH 64
#define NTP_UNIX_OFFSET G_GUINT64_CONSTANT (2208988800)

typedef struct
{
  guint8 id[MMKM_SESSION_ID_LEN];
  guint8 token[MMKM_API_TOKEN_LEN];
  guint8 token_hash[32];
  gchar *user;
  MmkmRole role;
  guint32 group_id;
  guint8 device[MMKM_FINGERPRINT_LEN];
  gchar *source;
  gint64 login_us;
  gboolean stored;              /* in the store: has its KEK */
  guint8 kek[MMKM_KEK_LEN];
  MmkmHbKey hb_key;
  MmkmHbWindow window;
  gint64 last_heard;
  gint64 stored_heard;
  guint64 ack_seq;
  guint32 fetched_mki;
} Session;

typedef struct
{
  guint32 mki;
  gint64 activation;
  gint64 created;
  MmkmTekReason reason;
  gboolean dead;
} TekMeta;

typedef struct
{
  MmkmServerConfig cfg;
  gchar *config_path;
  GMainLoop *loop;
  MmkmStore *store;
  MmkmIdentity *identity;
  SoupServer *http;
  GSocket *udp;
  GSource *udp_source;
  guint16 hb_port;
  MikeyReplayCache *replay;
  guint8 token_key[SECRET_LEN];
  guint8 spread_key[MMKM_SPREAD_KEY_LEN];

  MmkmGroup *group;
  const MikeySuiteInfo *suite;
  MmkmSchedule sched;
  MmkmRekey rekey;
  GArray *teks;                 /* TekMeta by MKI */
  guint tek_timer;
  guint liveness_timer;

  GHashTable *by_token;         /* GBytes (SHA-256 of token) -> Session */
  GHashTable *by_id;            /* GBytes (session id) -> Session (same) */
  GHashTable *buckets;          /* "a:<addr>" / "u:<user>\n<addr>" */
  int exit_code;
} Server;

/* ---- logging ------------------------------------------------------------ */

/* Structured lines; every variable part is escaped and none is a secret. */
static void
log_event (GLogLevelFlags level, const gchar * event, const gchar * user,
    const gchar * source, const gchar * fmt, ...)
G_GNUC_PRINTF (5, 6);

     static void
         log_event (GLogLevelFlags level, const gchar * event,
    const gchar * user, const gchar * source, const gchar * fmt, ...)
{
  va_list ap;
  g_autofree gchar *msg = NULL;
  g_autofree gchar *u = g_strescape (user ? user : "", NULL);
  g_autofree gchar *s = g_strescape (source ? source : "", NULL);
  GLogField fields[] = {
    {"MESSAGE", NULL, -1},
    {"MMKM_EVENT", event, -1},
    {"MMKM_USER", u, -1},
    {"MMKM_SOURCE", s, -1},
    {"GLIB_DOMAIN", G_LOG_DOMAIN, -1},
  };

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  fields[0].value = msg;
  g_log_structured_array (level, fields, G_N_ELEMENTS (fields));
}

/* ---- small helpers ------------------------------------------------------ */

static GBytes *
key_bytes (const guint8 * b, gsize len)
{
  return g_bytes_new (b, len);
}

static void
session_free (Session * s)
{
  if (!s)
    return;
  OPENSSL_cleanse (s->token, sizeof s->token);
  OPENSSL_cleanse (s->kek, sizeof s->kek);
  mmkm_hb_key_clear (&s->hb_key);
  g_free (s->user);
  g_free (s->source);
  g_free (s);
}

/* The session token is HMAC-SHA-256 (server secret, "MMKM token" || id):
 * as unpredictable as 32 random bytes without the secret, and the server
 * can give the same token again after a restart without storing it. */
static void
session_token (Server * srv, const guint8 * id, guint8 out[32])
{
  guint8 msg[10 + MMKM_SESSION_ID_LEN];
  unsigned int len = 32;

  memcpy (msg, "MMKM token", 10);
  memcpy (msg + 10, id, MMKM_SESSION_ID_LEN);
  HMAC (EVP_sha256 (), srv->token_key, SECRET_LEN, msg, sizeof msg, out, &len);
}

static void
sha256 (const guint8 * in, gsize len, guint8 out[32])
{
  EVP_Digest (in, len, out, NULL, EVP_sha256 (), NULL);
}

static guint64
ntp_now (gint64 now)
{
  guint64 secs = (guint64) (now / G_USEC_PER_SEC) + NTP_UNIX_OFFSET;
  guint64 frac = ((guint64) (now % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;
  return (secs << 32) | frac;
}

/* 32 bytes in @path (0600), made on first start. */
static gboolean
load_or_create_secret (const gchar * path, guint8 out[SECRET_LEN],
    GError ** error)
{
  gchar *data = NULL;
  gsize len = 0;
  struct stat st;

  if (g_file_test (path, G_FILE_TEST_EXISTS)) {
    if (stat (path, &st) == 0 && (st.st_mode & 077)) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM, "%s: permissions "
          "%04o are too open (chmod 600 it)", path, st.st_mode & 07777);
      return FALSE;
    }
    if (!g_file_get_contents (path, &data, &len, error))
      return FALSE;
    if (len != SECRET_LEN) {
      OPENSSL_cleanse (data, len);
      g_free (data);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not %d "
          "bytes long: damaged (remove it: members then log in again)", path,
          SECRET_LEN);
      return FALSE;
    }
    memcpy (out, data, SECRET_LEN);
    OPENSSL_cleanse (data, len);
    g_free (data);
    return TRUE;
  }
  if (RAND_bytes (out, SECRET_LEN) != 1) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "no randomness");
    return FALSE;
  }
  return g_file_set_contents_full (path, (const gchar *) out, SECRET_LEN,
      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600,
      error);
}

/* ---- rate limits ---------------------------------------------------------- */

/* Every password check takes a token from the source address's bucket
 * and from the (user, address) bucket; a right password gives them back,
 * so that only failures count. There is no bucket
 * per user alone: an attacker could empty it from anywhere and lock the
 * user out, which the issue forbids; guessing one user's password from
 * many addresses is slowed by argon2id and by each address's bucket. */
static gboolean
bucket_take (Server * srv, const gchar * key, guint burst, guint refill_s,
    gint64 now, gint64 * retry_after)
{
  MmkmTokenBucket *b = g_hash_table_lookup (srv->buckets, key);

  if (!b) {
    if (g_hash_table_size (srv->buckets) >= srv->cfg.rate_table_size) {
      /* bounded: drop the buckets that are full again (they hold no
       * information); when none is, start over (each key still gets
       * only its burst) */
      GHashTableIter it;
      gpointer v;
      g_hash_table_iter_init (&it, srv->buckets);
      while (g_hash_table_iter_next (&it, NULL, &v)) {
        MmkmTokenBucket *o = v;
        if (now - o->last >= (gint64) o->burst * o->refill)
          g_hash_table_iter_remove (&it);
      }
      if (g_hash_table_size (srv->buckets) >= srv->cfg.rate_table_size)
        g_hash_table_remove_all (srv->buckets);
    }
    b = g_new0 (MmkmTokenBucket, 1);
    mmkm_token_bucket_init (b, burst, refill_s * MMKM_SECOND, now);
    g_hash_table_insert (srv->buckets, g_strdup (key), b);
  }
  if (mmkm_token_bucket_take (b, now))
    return TRUE;
  *retry_after = MAX (1, (b->refill - b->credit) / MMKM_SECOND + 1);
  return FALSE;
}

static void
bucket_refund (Server * srv, const gchar * key)
{
  MmkmTokenBucket *b = g_hash_table_lookup (srv->buckets, key);

  if (b)
    b->credit = MIN (b->credit + b->refill, (gint64) b->burst * b->refill);
}

static void
login_rate_refund (Server * srv, const gchar * user, const gchar * addr)
{
  g_autofree gchar *ka = g_strconcat ("a:", addr, NULL);
  g_autofree gchar *ku = g_strconcat ("u:", user, "\n", addr, NULL);

  bucket_refund (srv, ka);
  bucket_refund (srv, ku);
}

static gboolean
login_rate_ok (Server * srv, const gchar * user, const gchar * addr,
    gint64 now, gint64 * retry_after)
{
  g_autofree gchar *ka = g_strconcat ("a:", addr, NULL);
  g_autofree gchar *ku = g_strconcat ("u:", user, "\n", addr, NULL);

  if (!bucket_take (srv, ka, srv->cfg.login_burst_per_address,
          srv->cfg.login_refill_per_address_s, now, retry_after))
    return FALSE;
  return bucket_take (srv, ku, srv->cfg.login_burst_per_user,
      srv->cfg.login_refill_per_user_s, now, retry_after);
}

/* ---- TEKs ----------------------------------------------------------------- */

/* A TEK is dead when a forced one (a leave) was minted before it
 * activated: the leaver may have fetched it, so it must never be used.
 * The flags are computed when the list changes (one backward pass), so
 * that a heartbeat's lookups stay cheap. */
static void
teks_mark_dead (Server * srv)
{
  gint64 first_forced = G_MAXINT64;
  gint i;

  for (i = (gint) srv->teks->len - 1; i >= 0; i--) {
    TekMeta *t = &g_array_index (srv->teks, TekMeta, i);
    t->dead = first_forced < t->activation;
    if (t->reason != MMKM_TEK_SCHEDULE)
      first_forced = MIN (first_forced, t->created);
  }
}

static gboolean
tek_live (Server * srv, guint i)
{
  return !g_array_index (srv->teks, TekMeta, i).dead;
}

/* index of the live TEK in use at @now (the highest MKI whose activation
 * has passed), -1 if none */
static gint
tek_current (Server * srv, gint64 now)
{
  gint i;

  for (i = (gint) srv->teks->len - 1; i >= 0; i--) {
    TekMeta *t = &g_array_index (srv->teks, TekMeta, i);
    if (!t->dead && t->activation <= now)
      return i;
  }
  return -1;
}

/* Forgets the TEKs before the one in use: never served again. */
static void
teks_prune (Server * srv, gint64 now)
{
  gint cur = tek_current (srv, now);

  if (cur > 0)
    g_array_remove_range (srv->teks, 0, cur);
}

static guint32
tek_latest_live (Server * srv)
{
  gint i;

  for (i = (gint) srv->teks->len - 1; i >= 0; i--)
    if (tek_live (srv, i))
      return g_array_index (srv->teks, TekMeta, i).mki;
  return 0;
}

static gboolean
teks_reload (Server * srv, GError ** error)
{
  GPtrArray *a = mmkm_store_tek_list_after (srv->store, srv->group->id,
      TRUE, 0, 0, error);
  guint i;

  if (!a)
    return FALSE;
  g_array_set_size (srv->teks, 0);
  for (i = 0; i < a->len; i++) {
    MmkmTek *t = g_ptr_array_index (a, i);
    TekMeta m = { t->mki, t->activation_us, t->created_us, t->reason };
    g_array_append_val (srv->teks, m);
  }
  g_ptr_array_unref (a);
  teks_mark_dead (srv);
  return TRUE;
}

static gboolean
tek_mint (Server * srv, gint64 activation, MmkmTekReason reason, gint64 now,
    GError ** error)
{
  MmkmTek t;
  GError *e = NULL;
  guint attempt;

  for (attempt = 0; attempt < 3; attempt++) {
    memset (&t, 0, sizeof t);
    t.group_id = srv->group->id;
    t.mki = srv->teks->len ?
        g_array_index (srv->teks, TekMeta, srv->teks->len - 1).mki + 1 : 1;
    t.key_len = srv->suite->key_len;
    t.salt_len = srv->suite->salt_len;
    t.activation_us = activation;
    t.created_us = now;
    t.reason = reason;
    if (RAND_bytes (t.key, t.key_len) != 1
        || RAND_bytes (t.salt, t.salt_len) != 1) {
      g_set_error (error, MMKM_ERROR, MMKM_ERROR_CRYPTO, "no randomness");
      return FALSE;
    }
    if (mmkm_store_tek_append (srv->store, &t, &e)) {
      TekMeta m = { t.mki, activation, now, reason };
      OPENSSL_cleanse (&t, sizeof t);
      g_array_append_val (srv->teks, m);
      teks_mark_dead (srv);
      log_event (G_LOG_LEVEL_MESSAGE, "tek", NULL, NULL, "TEK %08x made "
          "(%s), active at %" G_GINT64_FORMAT, m.mki,
          mmkm_tek_reason_to_string (reason), activation);
      return TRUE;
    }
    OPENSSL_cleanse (&t, sizeof t);
    if (!g_error_matches (e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_CONFLICT)) {
      g_propagate_error (error, e);
      return FALSE;
    }
    /* another server took that MKI: use what it made */
    g_clear_error (&e);
    if (!teks_reload (srv, error))
      return FALSE;
    if (reason == MMKM_TEK_SCHEDULE)
      return TRUE;
  }
  g_set_error (error, MMKM_STORE_ERROR, MMKM_STORE_ERROR_CONFLICT,
      "could not take a new MKI");
  return FALSE;
}

static void tek_schedule_timer (Server * srv, gint64 now);

/* Makes the TEKs the schedule asks for by @now; re-arms the timer. */
static gboolean
tek_tick (gpointer data)
{
  Server *srv = data;
  gint64 now = g_get_real_time ();
  GError *e = NULL;
  guint64 n = 0;
  gint64 next_act = G_MAXINT64;
  gboolean have_next = FALSE;
  guint i;

  srv->tek_timer = 0;
  if (tek_current (srv, now) < 0
      && !tek_mint (srv, now, MMKM_TEK_SCHEDULE, now, &e))
    goto fail;
  if (srv->rekey.pending && now >= srv->rekey.activation)
    mmkm_rekey_done (&srv->rekey);
  mmkm_schedule_current (&srv->sched, now, &n);
  if (mmkm_schedule_activation (&srv->sched, n + 1, &next_act)) {
    for (i = 0; i < srv->teks->len; i++) {
      TekMeta *t = &g_array_index (srv->teks, TekMeta, i);
      if (t->activation >= next_act && tek_live (srv, i))
        have_next = TRUE;
    }
    if (!have_next && now >= next_act - srv->sched.fetch_window
        && !tek_mint (srv, next_act, MMKM_TEK_SCHEDULE, now, &e))
      goto fail;
  }
  teks_prune (srv, now);
  tek_schedule_timer (srv, now);
  return G_SOURCE_REMOVE;

fail:
  log_event (G_LOG_LEVEL_WARNING, "tek-error", NULL, NULL,
      "cannot make a TEK: %s (retrying in 1 s)", e->message);
  g_clear_error (&e);
  srv->tek_timer = g_timeout_add (1000, tek_tick, srv);
  return G_SOURCE_REMOVE;
}

static void
tek_schedule_timer (Server * srv, gint64 now)
{
  guint64 n = 0;
  gint64 act = G_MAXINT64, when;

  mmkm_schedule_current (&srv->sched, now, &n);
  if (!mmkm_schedule_activation (&srv->sched, n + 1, &act))
    act = G_MAXINT64;
  when = act - srv->sched.fetch_window;
  if (when <= now)
    when = act;
  if (srv->rekey.pending && srv->rekey.activation < when)
    when = srv->rekey.activation;
  if (srv->tek_timer)
    g_source_remove (srv->tek_timer);
  when = CLAMP (when - now, 10 * 1000, 3600 * MMKM_SECOND);
  srv->tek_timer = g_timeout_add ((guint) (when / 1000 + 1), tek_tick, srv);
}

/* A member left: a new TEK for those who remain (coalesced). */
static void
forced_rekey (Server * srv, gint64 now)
{
  gboolean coalesced = FALSE;
  gint64 act = mmkm_rekey_request (&srv->sched, &srv->rekey, now, &coalesced);
  GError *e = NULL;

  if (!tek_mint (srv, act, MMKM_TEK_LEAVE, now, &e)) {
    log_event (G_LOG_LEVEL_WARNING, "tek-error", NULL, NULL,
        "cannot make the forced TEK: %s", e->message);
    g_clear_error (&e);
  }
  tek_schedule_timer (srv, now);
}

/* ---- sessions ------------------------------------------------------------- */

static void
log_store (Server * srv, const gchar * user, const gchar * source,
    MmkmLogEvent ev, MmkmReason reason, gint64 now)
{
  MmkmLogEntry le = { 0 };
  GError *e = NULL;

  le.user = (gchar *) user;
  le.group_id = srv->group->id;
  le.time_us = now;
  le.source = (gchar *) source;
  le.event = ev;
  le.reason = reason;
  if (!mmkm_store_log_append (srv->store, &le, NULL, &e)) {
    log_event (G_LOG_LEVEL_WARNING, "store-error", user, source,
        "cannot write the join/leave log: %s", e->message);
    g_clear_error (&e);
  }
  log_event (G_LOG_LEVEL_MESSAGE, ev == MMKM_LOG_JOINED ? "joined" : "left",
      user, source, "%s %s (%s)", user, ev == MMKM_LOG_JOINED ? "joined" :
      "left", mmkm_reason_to_string (reason));
}

static void
session_add (Server * srv, Session * s)
{
  g_hash_table_insert (srv->by_token, key_bytes (s->token_hash, 32), s);
  g_hash_table_insert (srv->by_id, key_bytes (s->id, MMKM_SESSION_ID_LEN), s);
}

/* Ends @s: the store, the log, a forced re-key when it held a KEK. */
static void
session_end (Server * srv, Session * s, MmkmReason reason, gint64 now)
{
  GError *e = NULL;
  gboolean had_kek = s->stored;
  GBytes *kid = key_bytes (s->id, MMKM_SESSION_ID_LEN);
  GBytes *kt = key_bytes (s->token_hash, 32);

  if (s->stored) {
    if (!mmkm_store_session_end (srv->store, s->id, now, reason, &e)) {
      log_event (G_LOG_LEVEL_WARNING, "store-error", s->user, s->source,
          "cannot end the session in the store: %s", e->message);
      g_clear_error (&e);
    }
    log_store (srv, s->user, s->source, MMKM_LOG_LEFT, reason, now);
  }
  g_hash_table_remove (srv->by_id, kid);
  /* frees @s */
  g_hash_table_remove (srv->by_token, kt);
  g_bytes_unref (kid);
  g_bytes_unref (kt);
  if (had_kek)
    forced_rekey (srv, now);
}

static gboolean
liveness_tick (gpointer data)
{
  Server *srv = data;
  gint64 now = g_get_real_time ();
  gint64 interval = (gint64) srv->cfg.heartbeat_interval_ms * 1000;
  GPtrArray *dead = g_ptr_array_new ();
  GPtrArray *stale = g_ptr_array_new ();
  GHashTableIter it;
  gpointer v;
  guint i;

  g_hash_table_iter_init (&it, srv->by_token);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    Session *s = v;
    if (s->stored && !mmkm_liveness_alive (s->last_heard, interval,
            srv->cfg.allowed_misses, now))
      g_ptr_array_add (dead, s);
    else if (!s->stored && now - s->login_us >
        (gint64) srv->cfg.login_timeout_s * MMKM_SECOND)
      g_ptr_array_add (stale, s);
  }
  for (i = 0; i < dead->len; i++)
    session_end (srv, g_ptr_array_index (dead, i), MMKM_REASON_TIMEOUT, now);
  for (i = 0; i < stale->len; i++)
    session_end (srv, g_ptr_array_index (stale, i), MMKM_REASON_TIMEOUT, now);
  g_ptr_array_unref (dead);
  g_ptr_array_unref (stale);
  return G_SOURCE_CONTINUE;
}

static Session *
session_find_user (Server * srv, const gchar * user, guint32 group_id)
{
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init (&it, srv->by_token);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    Session *s = v;
    if (s->group_id == group_id && g_str_equal (s->user, user))
      return s;
  }
  return NULL;
}

/* Live sessions of the store, after a restart: members go on without
 * logging in again. They get a full liveness deadline from now, since
 * nobody could reach the server while it was down. */
static gboolean
sessions_restore (Server * srv, gint64 now, GError ** error)
{
  GPtrArray *live = mmkm_store_session_list_live (srv->store, TRUE, 0, error);
  guint i, n = 0;

  if (!live)
    return FALSE;
  for (i = 0; i < live->len; i++) {
    MmkmSession *row = g_ptr_array_index (live, i);
    MmkmSession *full = mmkm_store_session_get (srv->store, row->id, error);
    g_autoptr (MmkmUser) u = NULL;
    Session *s;

    if (!full) {
      g_ptr_array_unref (live);
      return FALSE;
    }
    if (!full->has_kek) {
      mmkm_session_free (full);
      continue;
    }
    s = g_new0 (Session, 1);
    memcpy (s->id, full->id, MMKM_SESSION_ID_LEN);
    session_token (srv, s->id, s->token);
    sha256 (s->token, MMKM_API_TOKEN_LEN, s->token_hash);
    s->user = g_strdup (full->user);
    u = mmkm_store_user_get (srv->store, s->user, NULL);
    s->role = u ? u->role : MMKM_ROLE_LISTENER;
    s->group_id = full->group_id;
    memcpy (s->device, full->device, MMKM_FINGERPRINT_LEN);
    s->source = g_strdup (full->source ? full->source : "");
    s->login_us = full->login_us;
    s->stored = TRUE;
    memcpy (s->kek, full->kek, MMKM_KEK_LEN);
    mmkm_session_free (full);
    if (!mmkm_hb_key_derive (s->kek, MMKM_KEK_LEN, &s->hb_key, error)) {
      session_free (s);
      g_ptr_array_unref (live);
      return FALSE;
    }
    s->last_heard = s->stored_heard = MAX (row->heartbeat_us, now);
    s->ack_seq = (guint64) now;
    session_add (srv, s);
    n++;
  }
  g_ptr_array_unref (live);
  if (n)
    log_event (G_LOG_LEVEL_MESSAGE, "restore", NULL, NULL,
        "%u live sessions restored from the store", n);
  return TRUE;
}

/* ---- HTTP ----------------------------------------------------------------- */

static void
reply_json (SoupServerMessage * msg, guint status, gchar * body)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json",
      SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
reply_error_full (SoupServerMessage * msg, MmkmApiErrorCode code,
    const gchar * message, const gchar * reason, gint64 retry_after)
{
  MmkmApiError err = { 0 };
  gchar *body;

  err.code = code;
  err.message = (gchar *) message;
  err.reason = (gchar *) reason;
  err.retry_after = retry_after;
  body = mmkm_api_error_to_json (&err);
  if (!body)
    body = mmkm_api_error_body (code, message);
  if (retry_after >= 0) {
    g_autofree gchar *ra = g_strdup_printf ("%" G_GINT64_FORMAT, retry_after);
    soup_message_headers_replace (soup_server_message_get_response_headers
        (msg), "Retry-After", ra);
  }
  reply_json (msg, mmkm_api_error_code_status (code), body);
}

static void
reply_error (SoupServerMessage * msg, MmkmApiErrorCode code,
    const gchar * message)
{
  reply_error_full (msg, code, message, NULL, -1);
}

static void
reply_codec_error (SoupServerMessage * msg, const GError * e)
{
  reply_error (msg, mmkm_api_error_code_for (e), e->message);
}

static void
reply_unauthorized (SoupServerMessage * msg)
{
  reply_error (msg, MMKM_API_ERR_UNAUTHORIZED, "Wrong user name or password.");
}

static void
reply_store_error (Server * srv, SoupServerMessage * msg, const GError * e)
{
  log_event (G_LOG_LEVEL_WARNING, "store-error", NULL, NULL, "store: %s",
      e->message);
  reply_error (msg, MMKM_API_ERR_SERVER_ERROR,
      "The server could not complete the request.");
}

static gsize
body_limit (const gchar * path)
{
  if (g_str_equal (path, "/v1/session/kek"))
    return MMKM_API_MIKEY_MAX;
  if (g_str_equal (path, "/v1/songs") || g_str_equal (path, "/v1/queue"))
    return MMKM_API_LIST_BODY_MAX;
  return MMKM_API_BODY_MAX;
}

/* Refuses an oversized or unbounded body from its headers, before it is
 * read. libsoup still reads the body it was announced (to keep the
 * connection's framing) but keeps none of it, so a huge body costs the
 * sender its bandwidth and the server no memory; the connection is closed
 * after the answer. */
static void
refuse_body (SoupServerMessage * msg, const gchar * message)
{
  reply_error (msg, MMKM_API_ERR_PAYLOAD_TOO_LARGE, message);
  soup_message_body_set_accumulate (soup_server_message_get_request_body
      (msg), FALSE);
  soup_message_headers_replace (soup_server_message_get_response_headers
      (msg), "Connection", "close");
}

static void
early_handler (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer data)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  SoupEncoding enc = soup_message_headers_get_encoding (h);

  if (enc == SOUP_ENCODING_CHUNKED || enc == SOUP_ENCODING_EOF)
    refuse_body (msg, "A request body needs a Content-Length header.");
  else if (enc == SOUP_ENCODING_CONTENT_LENGTH
      && soup_message_headers_get_content_length (h) >
      (goffset) body_limit (path))
    refuse_body (msg, "The request body is too large.");
}

static gboolean
content_type_is (SoupServerMessage * msg, const gchar * want)
{
  GHashTable *params = NULL;
  const char *ct = soup_message_headers_get_content_type
      (soup_server_message_get_request_headers (msg), &params);
  gboolean ok = ct && g_ascii_strcasecmp (ct, want) == 0;

  if (ok && params) {
    const gchar *cs = g_hash_table_lookup (params, "charset");
    if (cs && g_ascii_strcasecmp (cs, "utf-8") != 0)
      ok = FALSE;
  }
  if (params)
    g_hash_table_destroy (params);
  return ok;
}

/* The request body, its type and size checked; NULL when refused. */
static GBytes *
request_body (SoupServerMessage * msg, const gchar * path, const gchar * type)
{
  SoupMessageBody *b = soup_server_message_get_request_body (msg);
  GBytes *data;

  if (b->length > (goffset) body_limit (path)) {
    reply_error (msg, MMKM_API_ERR_PAYLOAD_TOO_LARGE,
        "The request body is too large.");
    return NULL;
  }
  if (!content_type_is (msg, type)) {
    g_autofree gchar *m = g_strdup_printf ("The body must be %s.", type);
    reply_error (msg, MMKM_API_ERR_UNSUPPORTED_MEDIA_TYPE, m);
    return NULL;
  }
  data = soup_message_body_flatten (b);
  return data;
}

/* Wipes what held a password before it is freed. */
static void
wipe_request_body (SoupServerMessage * msg, GBytes * data)
{
  SoupMessageBody *b = soup_server_message_get_request_body (msg);
  gsize len;
  gconstpointer p = g_bytes_get_data (data, &len);

  OPENSSL_cleanse ((gpointer) p, len);
  g_bytes_unref (data);
  soup_message_body_truncate (b);
}

static Session *
authenticate (Server * srv, SoupServerMessage * msg)
{
  const char *auth = soup_message_headers_get_one
      (soup_server_message_get_request_headers (msg), "Authorization");
  guint8 token[MMKM_API_TOKEN_LEN], h[32];
  Session *s;
  GBytes *k;

  if (!auth || !mmkm_api_bearer_parse (auth, token, NULL)) {
    reply_error (msg, MMKM_API_ERR_UNAUTHORIZED,
        "A valid session token is needed.");
    return NULL;
  }
  sha256 (token, sizeof token, h);
  k = key_bytes (h, sizeof h);
  s = g_hash_table_lookup (srv->by_token, k);
  g_bytes_unref (k);
  if (!s || !mmkm_api_token_equal (s->token, token)) {
    OPENSSL_cleanse (token, sizeof token);
    reply_error (msg, MMKM_API_ERR_UNAUTHORIZED,
        "A valid session token is needed.");
    return NULL;
  }
  OPENSSL_cleanse (token, sizeof token);
  return s;
}

/* Password check with the same work for an unknown user; counts against
 * the rate limits first. NULL and the answer sent when refused. */
static MmkmUser *
check_password (Server * srv, SoupServerMessage * msg, const gchar * user,
    const gchar * password, const gchar * addr, gint64 now)
{
  gint64 retry = 1;
  MmkmUser *u;
  GError *e = NULL;
  gboolean ok;

  if (!login_rate_ok (srv, user, addr, now, &retry)) {
    log_event (G_LOG_LEVEL_MESSAGE, "login-limited", user, addr,
        "too many password attempts");
    reply_error_full (msg, MMKM_API_ERR_TOO_MANY_REQUESTS,
        "Too many attempts: try again later.", "login_rate", retry);
    return NULL;
  }
  u = mmkm_store_user_get (srv->store, user, &e);
  if (!u && !g_error_matches (e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_NOT_FOUND)) {
    reply_store_error (srv, msg, e);
    g_clear_error (&e);
    return NULL;
  }
  g_clear_error (&e);
  ok = mmkm_password_verify (u ? u->password_hash : NULL, password,
      strlen (password), &srv->cfg.password, NULL);
  if (!ok) {
    log_event (G_LOG_LEVEL_MESSAGE, "login-failed", user, addr,
        "wrong user name or password");
    mmkm_user_free (u);
    reply_unauthorized (msg);
    return NULL;
  }
  login_rate_refund (srv, user, addr);
  return u;
}

static void
handle_register (Server * srv, SoupServerMessage * msg, const gchar * addr,
    gint64 now)
{
  GBytes *data = request_body (msg, "/v1/register", "application/json");
  MmkmApiRegisterRequest req = { 0 };
  MmkmApiRegisterResponse resp = { 0 };
  g_autoptr (MmkmUser) u = NULL;
  GPtrArray *certs = NULL, *devs = NULL;
  g_autofree gchar *uri = NULL;
  GError *e = NULL;
  MikeyCert *cert;
  gsize der_len, len;
  const guint8 *der;
  gconstpointer p;
  GBytes *der_bytes;
  guint i;

  if (!data)
    return;
  p = g_bytes_get_data (data, &len);
  if (!mmkm_api_register_request_from_json (p, len, &req, &e)) {
    wipe_request_body (msg, data);
    reply_codec_error (msg, e);
    g_clear_error (&e);
    return;
  }
  u = check_password (srv, msg, req.user, req.password, addr, now);
  wipe_request_body (msg, data);
  if (!u)
    goto out;
  if (u->disabled) {
    reply_error (msg, MMKM_API_ERR_FORBIDDEN, "This user is disabled.");
    goto out;
  }
  certs = mikey_cert_load_pem (req.certificate, strlen (req.certificate), &e);
  uri = mmkm_user_id (req.user, NULL);
  if (!certs || certs->len != 1 || !uri
      || !mikey_cert_matches_identity (g_ptr_array_index (certs, 0), uri, NULL)
      || !mikey_cert_check_usage (g_ptr_array_index (certs, 0),
          MIKEY_CERT_USAGE_SIGN, NULL)) {
    g_clear_error (&e);
    reply_error_full (msg, MMKM_API_ERR_BAD_REQUEST, "The certificate does "
        "not parse or is not a device certificate for this user.",
        "certificate", -1);
    goto out;
  }
  cert = g_ptr_array_index (certs, 0);
  devs = mmkm_store_device_list (srv->store, req.user, &e);
  if (!devs) {
    reply_store_error (srv, msg, e);
    goto out;
  }
  for (i = 0; i < devs->len; i++)
    if (((MmkmDevice *) g_ptr_array_index (devs, i))->revoked_us == 0) {
      reply_error (msg, MMKM_API_ERR_CONFLICT, "This user has an enrolled "
          "device already; an administrator must remove it first.");
      goto out;
    }
  mmkm_cert_fingerprint (cert, resp.fingerprint);
  der = mikey_cert_get_der (cert, &der_len);
  der_bytes = g_bytes_new (der, der_len);
  if (!mmkm_store_device_enrol (srv->store, req.user, resp.fingerprint,
          der_bytes, &e)) {
    g_bytes_unref (der_bytes);
    if (g_error_matches (e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_EXISTS))
      reply_error (msg, MMKM_API_ERR_CONFLICT,
          "This certificate is enrolled already.");
    else
      reply_store_error (srv, msg, e);
    goto out;
  }
  g_bytes_unref (der_bytes);
  resp.user = req.user;
  reply_json (msg, 201, mmkm_api_register_response_to_json (&resp));
  log_event (G_LOG_LEVEL_MESSAGE, "register", req.user, addr,
      "device enrolled");
out:
  g_clear_error (&e);
  if (certs)
    g_ptr_array_unref (certs);
  if (devs)
    g_ptr_array_unref (devs);
  mmkm_api_register_request_clear (&req);
}

static void
handle_login (Server * srv, SoupServerMessage * msg, const gchar * addr,
    const gchar * source, gint64 now)
{
  GBytes *data = request_body (msg, "/v1/login", "application/json");
  MmkmApiLoginRequest req = { 0 };
  MmkmApiLoginResponse resp = { 0 };
  g_autoptr (MmkmUser) u = NULL;
  g_autoptr (MmkmDevice) dev = NULL;
  GError *e = NULL;
  Session *s, *old;
  gsize len;
  gconstpointer p;

  if (!data)
    return;
  p = g_bytes_get_data (data, &len);
  if (!mmkm_api_login_request_from_json (p, len, &req, &e)) {
    wipe_request_body (msg, data);
    reply_codec_error (msg, e);
    g_clear_error (&e);
    return;
  }
  u = check_password (srv, msg, req.user, req.password, addr, now);
  wipe_request_body (msg, data);
  if (!u)
    goto out;
  dev = mmkm_store_device_get (srv->store, req.fingerprint, NULL);
  if (!dev || dev->revoked_us != 0 || !g_str_equal (dev->user, req.user)) {
    log_event (G_LOG_LEVEL_MESSAGE, "login-failed", req.user, addr,
        "not the user's enrolled device");
    reply_unauthorized (msg);
    goto out;
  }
  if (u->disabled) {
    reply_error (msg, MMKM_API_ERR_FORBIDDEN, "This user is disabled.");
    goto out;
  }
  if (!g_str_equal (req.group, srv->group->name)) {
    reply_error (msg, MMKM_API_ERR_NOT_FOUND, "No such group.");
    goto out;
  }
  old = session_find_user (srv, req.user, srv->group->id);
  if (old) {
    log_event (G_LOG_LEVEL_MESSAGE, "duplicate-login", req.user, source,
        "user logged in already (policy %s)",
        mmkm_dup_policy_to_string (srv->cfg.duplicate_login));
    if (srv->cfg.duplicate_login == MMKM_DUP_REFUSE) {
      log_store (srv, req.user, source, MMKM_LOG_JOINED, MMKM_REASON_REFUSED,
          now);
      reply_error_full (msg, MMKM_API_ERR_CONFLICT, "This user is logged in "
          "already.", "duplicate_login", -1);
      goto out;
    }
    if (srv->cfg.duplicate_login == MMKM_DUP_REPLACE)
      session_end (srv, old, MMKM_REASON_REPLACED, now);
  }
  s = g_new0 (Session, 1);
  if (RAND_bytes (s->id, sizeof s->id) != 1) {
    session_free (s);
    reply_error (msg, MMKM_API_ERR_SERVER_ERROR, "No randomness.");
    goto out;
  }
  session_token (srv, s->id, s->token);
  sha256 (s->token, MMKM_API_TOKEN_LEN, s->token_hash);
  s->user = g_strdup (req.user);
  s->role = u->role;
  s->group_id = srv->group->id;
  memcpy (s->device, req.fingerprint, MMKM_FINGERPRINT_LEN);
  s->source = g_strdup (source);
  s->login_us = now;
  session_add (srv, s);

  memcpy (resp.session_id, s->id, MMKM_SESSION_ID_LEN);
  memcpy (resp.token, s->token, MMKM_API_TOKEN_LEN);
  resp.server_time = now;
  resp.heartbeat_port = srv->hb_port;
  resp.heartbeat_interval_ms = srv->cfg.heartbeat_interval_ms;
  resp.allowed_misses = srv->cfg.allowed_misses;
  resp.role = (MmkmApiRole) u->role;
  resp.group_id = srv->group->id;
  resp.group_name = srv->group->name;
  resp.suite = (gchar *) srv->suite->name;
  resp.tek_period_ms = srv->group->tek_period_us / 1000;
  resp.requests_per_period = srv->cfg.requests_per_period;
  resp.request_period_ms = srv->cfg.request_period_ms;
  {
    gchar *body = mmkm_api_login_response_to_json (&resp);
    OPENSSL_cleanse (resp.token, sizeof resp.token);
    reply_json (msg, 200, body);
  }
  log_event (G_LOG_LEVEL_MESSAGE, "login", req.user, source,
      "logged in; the DH exchange follows");
out:
  g_clear_error (&e);
  mmkm_api_login_request_clear (&req);
}

static void
handle_kek (Server * srv, SoupServerMessage * msg, Session * s, gint64 now)
{
  GBytes *data = request_body (msg, "/v1/session/kek", "application/mikey");
  g_autoptr (MmkmDevice) dev = NULL;
  MikeyCert *cert = NULL;
  GBytes *reply = NULL;
  MmkmSession row = { 0 };
  GError *e = NULL;
  gsize len;
  gconstpointer p;

  if (!data)
    return;
  if (s->stored) {
    reply_error (msg, MMKM_API_ERR_CONFLICT, "This session has its KEK.");
    goto out;
  }
  dev = mmkm_store_device_get (srv->store, s->device, &e);
  if (dev)
    cert = mikey_cert_new_from_der (g_bytes_get_data (dev->cert_der, NULL),
        g_bytes_get_size (dev->cert_der), &e);
  if (!cert) {
    reply_store_error (srv, msg, e);
    goto out;
  }
  p = g_bytes_get_data (data, &len);
  if (!mmkm_kek_server_respond (srv->identity, s->user, cert, srv->replay,
          p, len, now, &reply, s->kek, &e)) {
    g_autofree gchar *why = g_strescape (e->message, NULL);
    log_event (G_LOG_LEVEL_MESSAGE, "kek-refused", s->user, s->source,
        "DH exchange refused: %s", why);
    if (reply) {
      gsize rl;
      gconstpointer rp = g_bytes_get_data (reply, &rl);
      soup_server_message_set_status (msg, 403, NULL);
      soup_server_message_set_response (msg, "application/mikey",
          SOUP_MEMORY_COPY, rp, rl);
    } else
      reply_error (msg, MMKM_API_ERR_BAD_REQUEST, "The MIKEY message was "
          "refused: start a new exchange.");
    goto out;
  }
  if (!mmkm_hb_key_derive (s->kek, MMKM_KEK_LEN, &s->hb_key, &e)) {
    reply_error (msg, MMKM_API_ERR_SERVER_ERROR, "Key derivation failed.");
    goto out;
  }
  memcpy (row.id, s->id, MMKM_SESSION_ID_LEN);
  row.user = s->user;
  row.group_id = s->group_id;
  memcpy (row.device, s->device, MMKM_FINGERPRINT_LEN);
  row.login_us = s->login_us;
  row.heartbeat_us = now;
  row.source = s->source;
  row.has_kek = TRUE;
  memcpy (row.kek, s->kek, MMKM_KEK_LEN);
  if (!mmkm_store_session_create (srv->store, &row, &e)) {
    OPENSSL_cleanse (row.kek, sizeof row.kek);
    OPENSSL_cleanse (s->kek, sizeof s->kek);
    reply_store_error (srv, msg, e);
    goto out;
  }
  OPENSSL_cleanse (row.kek, sizeof row.kek);
  s->stored = TRUE;
  s->last_heard = s->stored_heard = now;
  s->ack_seq = (guint64) now;
  log_store (srv, s->user, s->source, MMKM_LOG_JOINED, MMKM_REASON_LOGIN, now);
  {
    gsize rl;
    gconstpointer rp = g_bytes_get_data (reply, &rl);
    soup_server_message_set_status (msg, 200, NULL);
    soup_server_message_set_response (msg, "application/mikey",
        SOUP_MEMORY_COPY, rp, rl);
  }
out:
  g_clear_error (&e);
  if (reply)
    g_bytes_unref (reply);
  if (cert)
    mikey_cert_unref (cert);
  g_bytes_unref (data);
}

static void
handle_teks (Server * srv, SoupServerMessage * msg, Session * s, gint64 now)
{
  MmkmApiTeks out = { 0 };
  gint cur = tek_current (srv, now);
  GError *e = NULL;
  guint64 n = 0;
  guint i, k;
  gint idx[MMKM_API_TEKS_MAX];

  if (!s->stored) {
    reply_error_full (msg, MMKM_API_ERR_FORBIDDEN, "Run the DH exchange "
        "first.", "no_kek", -1);
    return;
  }
  if (cur < 0) {
    reply_error (msg, MMKM_API_ERR_SERVER_ERROR, "No TEK yet.");
    return;
  }
  idx[0] = cur;
  out.n_teks = 1;
  for (i = cur + 1; i < srv->teks->len && out.n_teks < MMKM_API_TEKS_MAX; i++)
    if (tek_live (srv, i))
      idx[out.n_teks++] = i;
  for (k = 0; k < out.n_teks; k++) {
    TekMeta *m = &g_array_index (srv->teks, TekMeta, idx[k]);
    g_autoptr (MmkmTek) t = mmkm_store_tek_get (srv->store, srv->group->id,
        MMKM_TEK_BY_MKI, m->mki, now, &e);
    MmkmTekParams tp = { 0 };
    guint8 material[MMKM_TEK_MAX_KEY + MMKM_TEK_MAX_SALT];

    if (!t) {
      reply_store_error (srv, msg, e);
      goto out;
    }
    memcpy (material, t->key, t->key_len);
    memcpy (material + t->key_len, t->salt, t->salt_len);
    tp.kek = s->kek;
    tp.user_name = s->user;
    tp.group_id = srv->group->id;
    tp.suite = srv->suite;
    tp.tek = material;
    tp.tek_len = t->key_len + t->salt_len;
    tp.mki = t->mki;
    tp.has_ssrc = srv->group->ssrc != 0;
    tp.ssrc = srv->group->ssrc;
    tp.roc = srv->group->roc;
    out.teks[k].mki = m->mki;
    out.teks[k].activation = m->activation;
    out.teks[k].expiry = k + 1 < out.n_teks ?
        g_array_index (srv->teks, TekMeta, idx[k + 1]).activation : 0;
    out.teks[k].mikey = mmkm_tek_message_build (&tp, now, &e);
    OPENSSL_cleanse (material, sizeof material);
    if (!out.teks[k].mikey) {
      log_event (G_LOG_LEVEL_WARNING, "tek-error", s->user, s->source,
          "cannot build a TEK message: %s", e->message);
      reply_error (msg, MMKM_API_ERR_SERVER_ERROR, "Cannot build the TEK "
          "message.");
      goto out;
    }
    s->fetched_mki = MAX (s->fetched_mki, m->mki);
  }
  mmkm_schedule_current (&srv->sched, now, &n);
  {
    guint32 mki = g_array_index (srv->teks, TekMeta, cur).mki;
    gint64 na = 0;
    if (mmkm_schedule_activation (&srv->sched, n + 1, &na) && out.n_teks > 1
        && g_array_index (srv->teks, TekMeta, idx[out.n_teks - 1]).activation
        >= na) {
      /* the next regular TEK is out already: the time for the one after */
      mki = g_array_index (srv->teks, TekMeta, idx[out.n_teks - 1]).mki;
      n++;
    }
    if (!mmkm_schedule_fetch_time (&srv->sched, srv->spread_key, s->id, mki,
            n, &out.next_fetch, NULL))
      out.next_fetch = now + srv->sched.period;
  }
  reply_json (msg, 200, mmkm_api_teks_to_json (&out));
out:
  g_clear_error (&e);
  mmkm_api_teks_clear (&out);
}

static void
http_handler (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer data)
{
  Server *srv = data;
  const char *method = soup_server_message_get_method (msg);
  const char *host = soup_server_message_get_remote_host (msg);
  GSocketAddress *ra = soup_server_message_get_remote_address (msg);
  g_autofree gchar *source = NULL;
  gint64 now = g_get_real_time ();
  Session *s;

  /* refused by the early handler */
  if (soup_server_message_get_status (msg) != 0)
    return;
  if (!host)
    host = "?";
  if (G_IS_INET_SOCKET_ADDRESS (ra))
    source = g_strdup_printf ("%s:%u", host,
        g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (ra)));
  else
    source = g_strdup (host);

  if (g_str_equal (path, "/v1/register") || g_str_equal (path, "/v1/login")) {
    if (!g_str_equal (method, "POST")) {
      reply_error (msg, MMKM_API_ERR_NOT_FOUND, "No such method here.");
      return;
    }
    if (path[4] == 'r')
      handle_register (srv, msg, host, now);
    else
      handle_login (srv, msg, host, source, now);
    return;
  }
  if (!g_str_equal (path, "/v1/session/kek")
      && !g_str_equal (path, "/v1/session/teks")
      && !g_str_equal (path, "/v1/session/bye")) {
    reply_error (msg, MMKM_API_ERR_NOT_FOUND, "No such endpoint (not built "
        "yet, or unknown).");
    return;
  }
  s = authenticate (srv, msg);
  if (!s)
    return;
  if (g_str_equal (path, "/v1/session/kek") && g_str_equal (method, "POST"))
    handle_kek (srv, msg, s, now);
  else if (g_str_equal (path, "/v1/session/teks")
      && g_str_equal (method, "GET"))
    handle_teks (srv, msg, s, now);
  else if (g_str_equal (path, "/v1/session/bye")
      && g_str_equal (method, "POST")) {
    session_end (srv, s, MMKM_REASON_BYE, now);
    soup_server_message_set_status (msg, 204, NULL);
  } else
    reply_error (msg, MMKM_API_ERR_NOT_FOUND, "No such method here.");
}

/* ---- heartbeats ----------------------------------------------------------- */

static void
hb_one (Server * srv, const guint8 * buf, gsize len, GSocketAddress * from,
    gint64 now)
{
  guint8 sid[MMKM_SESSION_ID_LEN], out[MMKM_HB_LEN];
  MmkmHeartbeat hb, ack = { 0 };
  Session *s;
  GBytes *k;
  gint cur;

  if (!mmkm_hb_peek (buf, len, MMKM_HB_FROM_MEMBER, sid, NULL))
    return;
  k = key_bytes (sid, sizeof sid);
  s = g_hash_table_lookup (srv->by_id, k);
  g_bytes_unref (k);
  if (!s || !s->stored)
    return;
  if (!mmkm_hb_accept (&s->hb_key, s->id, MMKM_HB_FROM_MEMBER, &s->window,
          buf, len, &hb, NULL))
    return;
  s->last_heard = now;
  ack.type = MMKM_HB_ACK;
  memcpy (ack.session_id, s->id, MMKM_SESSION_ID_LEN);
  /* time-based, so that it goes on increasing after a server restart */
  s->ack_seq = MAX (s->ack_seq + 1, (guint64) now);
  ack.seq = s->ack_seq;
  ack.ntp_time = ntp_now (now);
  cur = tek_current (srv, now);
  ack.mki = cur >= 0 ? g_array_index (srv->teks, TekMeta, cur).mki : 0;
  if (tek_latest_live (srv) > s->fetched_mki)
    ack.flags = MMKM_HB_FLAG_FETCH;
  if (mmkm_hb_encode (&s->hb_key, &ack, out, NULL))
    g_socket_send_to (srv->udp, from, (const gchar *) out, sizeof out, NULL,
        NULL);
  if (hb.type == MMKM_HB_BYE) {
    session_end (srv, s, MMKM_REASON_BYE, now);
    return;
  }
  if (now - s->stored_heard >=
      (gint64) srv->cfg.heartbeat_store_interval_s * MMKM_SECOND) {
    GError *e = NULL;
    if (mmkm_store_session_touch (srv->store, s->id, now, &e))
      s->stored_heard = now;
    else {
      log_event (G_LOG_LEVEL_WARNING, "store-error", s->user, s->source,
          "cannot store the heartbeat time: %s", e->message);
      g_clear_error (&e);
    }
  }
}

static gboolean
hb_readable (GSocket * sock, GIOCondition cond, gpointer data)
{
  Server *srv = data;
  guint8 buf[MMKM_HB_LEN + 1];
  guint i;

  for (i = 0; i < HB_BATCH; i++) {
    GSocketAddress *from = NULL;
    gssize n = g_socket_receive_from (sock, &from, (gchar *) buf, sizeof buf,
        NULL, NULL);
    if (n < 0)
      break;
    hb_one (srv, buf, (gsize) n, from, g_get_real_time ());
    g_clear_object (&from);
  }
  return G_SOURCE_CONTINUE;
}

/* ---- start, reload, stop -------------------------------------------------- */

static gboolean
open_group (Server * srv, gint64 now, GError ** error)
{
  GError *e = NULL;

  srv->group = mmkm_store_group_get_by_name (srv->store, srv->cfg.group_name,
      &e);
  if (!srv->group) {
    MmkmGroup g = { 0 };
    if (!g_error_matches (e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_NOT_FOUND)) {
      g_propagate_error (error, e);
      return FALSE;
    }
    g_clear_error (&e);
    do {
      if (RAND_bytes ((guint8 *) & g.id, sizeof g.id) != 1)
        return FALSE;
    } while (g.id == 0);
    g.name = srv->cfg.group_name;
    g.tek_period_us = srv->cfg.tek_period_ms * 1000;
    g.fetch_window_us = srv->cfg.fetch_window_ms * 1000;
    g.created_us = now;
    if (!mmkm_store_group_create (srv->store, &g, &e)
        && !g_error_matches (e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_EXISTS)) {
      g_propagate_error (error, e);
      return FALSE;
    }
    g_clear_error (&e);
    srv->group = mmkm_store_group_get_by_name (srv->store,
        srv->cfg.group_name, error);
    if (!srv->group)
      return FALSE;
    log_event (G_LOG_LEVEL_MESSAGE, "group", NULL, NULL,
        "group \"%s\" created (id %u)", srv->group->name, srv->group->id);
  }
  mmkm_schedule_init (&srv->sched, srv->group->created_us);
  srv->sched.period = srv->group->tek_period_us;
  srv->sched.fetch_window = srv->group->fetch_window_us;
  srv->sched.margin = srv->sched.fetch_window / 8;
  srv->sched.propagation_delay = srv->cfg.propagation_delay_ms * 1000;
  if (!mmkm_schedule_validate (&srv->sched, error))
    return FALSE;
  return teks_reload (srv, error);
}

static gboolean
on_quit (gpointer data)
{
  Server *srv = data;

  log_event (G_LOG_LEVEL_MESSAGE, "stop", NULL, NULL, "stopping");
  g_main_loop_quit (srv->loop);
  return G_SOURCE_CONTINUE;
}

/* SIGHUP: the settings that can change while members are connected, and
 * the TLS certificate. The listeners, the state directory and the group's
 * schedule stay as they are until a restart. */
static gboolean
on_reload (gpointer data)
{
  Server *srv = data;
  MmkmServerConfig c;
  GError *e = NULL;
  g_autofree gchar *crt = NULL, *key = NULL;
  GTlsCertificate *tls;

  if (srv->config_path) {
    mmkm_server_config_init (&c);
    c.state_dir = g_strdup (srv->cfg.state_dir);
    if (!mmkm_server_config_load (&c, srv->config_path, &e)
        || !mmkm_server_config_finish (&c, &e)) {
      log_event (G_LOG_LEVEL_WARNING, "reload", NULL, NULL,
          "configuration not reloaded: %s", e->message);
      g_clear_error (&e);
      mmkm_server_config_clear (&c);
      return G_SOURCE_CONTINUE;
    }
    srv->cfg.heartbeat_interval_ms = c.heartbeat_interval_ms;
    srv->cfg.allowed_misses = c.allowed_misses;
    srv->cfg.heartbeat_store_interval_s = c.heartbeat_store_interval_s;
    srv->cfg.login_timeout_s = c.login_timeout_s;
    srv->cfg.duplicate_login = c.duplicate_login;
    srv->cfg.requests_per_period = c.requests_per_period;
    srv->cfg.request_period_ms = c.request_period_ms;
    srv->cfg.password = c.password;
    srv->cfg.login_burst_per_address = c.login_burst_per_address;
    srv->cfg.login_refill_per_address_s = c.login_refill_per_address_s;
    srv->cfg.login_burst_per_user = c.login_burst_per_user;
    srv->cfg.login_refill_per_user_s = c.login_refill_per_user_s;
    srv->cfg.rate_table_size = c.rate_table_size;
    mmkm_server_config_clear (&c);
  }
  crt = g_strdup_printf ("%s/%s.crt", srv->cfg.identity_dir,
      srv->cfg.identity_name);
  key = g_strdup_printf ("%s/%s.key", srv->cfg.identity_dir,
      srv->cfg.identity_name);
  tls = g_tls_certificate_new_from_files (crt, key, &e);
  if (tls) {
    soup_server_set_tls_certificate (srv->http, tls);
    g_object_unref (tls);
  } else {
    log_event (G_LOG_LEVEL_WARNING, "reload", NULL, NULL,
        "TLS certificate not reloaded: %s", e->message);
    g_clear_error (&e);
  }
  log_event (G_LOG_LEVEL_MESSAGE, "reload", NULL, NULL, "reloaded");
  return G_SOURCE_CONTINUE;
}

static gboolean
start (Server * srv, GError ** error)
{
  MmkmSeal *seal;
  gboolean created = FALSE;
  g_autofree gchar *fp = NULL, *crt = NULL, *key = NULL, *secret = NULL;
  g_autoptr (GTlsCertificate) tls = NULL;
  g_autoptr (GInetAddress) ia = NULL;
  g_autoptr (GSocketAddress) sa = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  GSList *uris, *l;
  gint64 now = g_get_real_time ();
  guint8 master[SECRET_LEN];
  unsigned int hl = 32;

  if (g_mkdir_with_parents (srv->cfg.state_dir, 0700) != 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
        "cannot make the state directory %s", srv->cfg.state_dir);
    return FALSE;
  }
  srv->suite = mikey_suite_lookup (srv->cfg.suite);
  if (!srv->suite) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "unknown SRTP "
        "suite \"%s\" (one of %s)", srv->cfg.suite, mikey_suite_names ());
    return FALSE;
  }
  if (g_str_equal (srv->cfg.identity_dir, srv->cfg.state_dir))
    srv->identity = mmkm_identity_load_or_create (srv->cfg.identity_dir,
        srv->cfg.identity_name, "mmkm-server", MMKM_SERVER_ID, &created, error);
  else
    srv->identity = mmkm_identity_load (srv->cfg.identity_dir,
        srv->cfg.identity_name, error);
  if (!srv->identity)
    return FALSE;
  fp = mmkm_fingerprint_to_string (mmkm_identity_get_fingerprint
      (srv->identity));
  printf ("fingerprint %s\n", fp);
  log_event (G_LOG_LEVEL_MESSAGE, "identity", NULL, NULL, "%s server "
      "certificate, SHA-256 fingerprint %s", created ? "new" : "loaded", fp);

  secret = g_build_filename (srv->cfg.state_dir, "session.key", NULL);
  if (!load_or_create_secret (secret, master, error))
    return FALSE;
  HMAC (EVP_sha256 (), master, SECRET_LEN, (const guint8 *) "token", 5,
      srv->token_key, &hl);
  HMAC (EVP_sha256 (), master, SECRET_LEN, (const guint8 *) "spread", 6,
      srv->spread_key, &hl);
  OPENSSL_cleanse (master, sizeof master);

  seal = mmkm_seal_open_key_file (srv->cfg.key_file, error);
  if (!seal)
    return FALSE;
  srv->store = mmkm_store_sqlite_open (srv->cfg.database, seal,
      srv->cfg.sync_normal ? MMKM_STORE_SQLITE_SYNC_NORMAL :
      MMKM_STORE_SQLITE_NONE, error);
  if (!srv->store)
    return FALSE;
  if (!open_group (srv, now, error))
    return FALSE;
  if (!sessions_restore (srv, now, error))
    return FALSE;
  tek_tick (srv);

  srv->replay = mikey_replay_cache_new (0, 0);

  /* heartbeats */
  ia = g_inet_address_new_from_string (srv->cfg.listen_host);
  if (!ia) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "listen address \"%s\" is not an IP address", srv->cfg.listen_host);
    return FALSE;
  }
  srv->udp = g_socket_new (g_inet_address_get_family (ia),
      G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (!srv->udp)
    return FALSE;
  sa = g_inet_socket_address_new (ia, srv->cfg.heartbeat_port);
  if (!g_socket_bind (srv->udp, sa, TRUE, error))
    return FALSE;
  g_socket_set_blocking (srv->udp, FALSE);
  bound = g_socket_get_local_address (srv->udp, error);
  if (!bound)
    return FALSE;
  srv->hb_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  srv->udp_source = g_socket_create_source (srv->udp, G_IO_IN, NULL);
  g_source_set_callback (srv->udp_source, G_SOURCE_FUNC (hb_readable), srv,
      NULL);
  g_source_attach (srv->udp_source, NULL);

  /* HTTPS */
  crt = g_strdup_printf ("%s/%s.crt", srv->cfg.identity_dir,
      srv->cfg.identity_name);
  key = g_strdup_printf ("%s/%s.key", srv->cfg.identity_dir,
      srv->cfg.identity_name);
  tls = g_tls_certificate_new_from_files (crt, key, error);
  if (!tls)
    return FALSE;
  srv->http = soup_server_new ("tls-certificate", tls, "server-header",
      "mmkm-server", NULL);
  soup_server_add_early_handler (srv->http, NULL, early_handler, srv, NULL);
  soup_server_add_handler (srv->http, NULL, http_handler, srv, NULL);
  g_clear_object (&sa);
  sa = g_inet_socket_address_new (ia, srv->cfg.listen_port);
  if (!soup_server_listen (srv->http, sa, SOUP_SERVER_LISTEN_HTTPS, error))
    return FALSE;
  uris = soup_server_get_uris (srv->http);
  for (l = uris; l; l = l->next) {
    g_autofree gchar *u = g_uri_to_string (l->data);
    printf ("listening %s\n", u);
    log_event (G_LOG_LEVEL_MESSAGE, "listen", NULL, NULL, "HTTPS on %s", u);
  }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  printf ("heartbeat udp %u\n", srv->hb_port);
  log_event (G_LOG_LEVEL_MESSAGE, "listen", NULL, NULL, "heartbeats on UDP "
      "port %u", srv->hb_port);

  srv->liveness_timer = g_timeout_add (MAX (50u,
          MIN (1000u, srv->cfg.heartbeat_interval_ms / 4)), liveness_tick, srv);
  printf ("ready\n");
  return TRUE;
}

static guint
count_threads (void)
{
  GDir *d = g_dir_open ("/proc/self/task", 0, NULL);
  guint n = 0;

  while (d && g_dir_read_name (d))
    n++;
  if (d)
    g_dir_close (d);
  return n;
}

/* GIO's worker threads (TLS handshakes) linger idle for a while; their
 * exit is awaited (a second or so at most) so that the process ends with
 * no thread holding a TLS library's thread-local state, which
 * LeakSanitizer's exit check cannot walk. */
static void
wait_for_workers (guint baseline)
{
  guint i;

  g_thread_pool_stop_unused_threads ();
  for (i = 0; i < 300 && count_threads () > baseline; i++) {
    g_usleep (10 * 1000);
    g_thread_pool_stop_unused_threads ();
  }
}

static void
stop (Server * srv)
{
  if (srv->liveness_timer)
    g_source_remove (srv->liveness_timer);
  if (srv->tek_timer)
    g_source_remove (srv->tek_timer);
  if (srv->http) {
    soup_server_disconnect (srv->http);
    g_object_unref (srv->http);
  }
  if (srv->udp_source) {
    g_source_destroy (srv->udp_source);
    g_source_unref (srv->udp_source);
  }
  g_clear_object (&srv->udp);
  /* sessions stay live in the store: members go on after a restart */
  g_clear_pointer (&srv->by_id, g_hash_table_unref);
  g_clear_pointer (&srv->by_token, g_hash_table_unref);
  g_clear_pointer (&srv->buckets, g_hash_table_unref);
  g_clear_pointer (&srv->teks, g_array_unref);
  g_clear_pointer (&srv->group, mmkm_group_free);
  g_clear_pointer (&srv->replay, mikey_replay_cache_free);
  g_clear_pointer (&srv->store, mmkm_store_close);
  g_clear_pointer (&srv->identity, mmkm_identity_free);
  OPENSSL_cleanse (srv->token_key, sizeof srv->token_key);
  OPENSSL_cleanse (srv->spread_key, sizeof srv->spread_key);
  g_clear_pointer (&srv->loop, g_main_loop_unref);
  mmkm_server_config_clear (&srv->cfg);
  g_free (srv->config_path);
}

int
main (int argc, char **argv)
{
  Server srv = { 0 };
  g_autofree gchar *config = NULL, *state_dir = NULL, *listen = NULL;
  gint hb_port = -1;
  gboolean version = FALSE, check = FALSE;
  guint baseline;
  GOptionEntry entries[] = {
    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
        "Configuration file (see data/mmkm-server.conf)", "FILE"},
    {"state-dir", 's', 0, G_OPTION_ARG_FILENAME, &state_dir,
        "State directory: identity, database, key files", "DIR"},
    {"listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
          "HTTPS address (default 127.0.0.1:8443; port 0: any free one)",
        "HOST:PORT"},
    {"heartbeat-port", 0, 0, G_OPTION_ARG_INT, &hb_port,
        "UDP port for heartbeats (default 8444; 0: any free one)", "PORT"},
    {"check-config", 0, 0, G_OPTION_ARG_NONE, &check,
          "Check the configuration, print the settings in effect and exit",
        NULL},
    {"version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version",
        NULL},
    {NULL}
  };
  g_autoptr (GOptionContext) ctx =
      g_option_context_new ("- MMKM registration server");
  GError *e = NULL;

  setvbuf (stdout, NULL, _IOLBF, 0);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
      "Example:\n  mmkm-server --state-dir /var/lib/mmkm-server\n"
      "  mmkm-server --config /etc/mmkm-server.conf\n\n"
      "On first start the server makes its identity in the state directory\n"
      "and prints the SHA-256 fingerprint that clients pin.\n");
  if (!g_option_context_parse (ctx, &argc, &argv, &e)) {
    g_printerr ("mmkm-server: %s (see --help)\n", e->message);
    g_error_free (e);
    return 2;
  }
  if (version) {
    printf ("mmkm-server %s\n", PACKAGE_VERSION);
    return 0;
  }
  mmkm_server_config_init (&srv.cfg);
  if (config) {
    srv.config_path = g_strdup (config);
    if (!mmkm_server_config_load (&srv.cfg, config, &e))
      goto fail;
  }
  if (state_dir) {
    g_free (srv.cfg.state_dir);
    srv.cfg.state_dir = g_strdup (state_dir);
  }
  if (listen && !mmkm_server_parse_listen (listen, &srv.cfg.listen_host,
          &srv.cfg.listen_port, &e))
    goto fail;
  if (hb_port >= 0) {
    if (hb_port > 65535) {
      g_printerr ("mmkm-server: --heartbeat-port out of range\n");
      return 2;
    }
    srv.cfg.heartbeat_port = (guint16) hb_port;
  }
  if (!mmkm_server_config_finish (&srv.cfg, &e))
    goto fail;
  if (check) {
    printf ("state-dir %s\nlisten %s:%u\nheartbeat-port %u\n"
        "database %s\ngroup %s\nsuite %s\ntek-period-ms %" G_GINT64_FORMAT
        "\nfetch-window-ms %" G_GINT64_FORMAT "\nheartbeat-interval-ms %u\n"
        "allowed-misses %u\nduplicate-login %s\n", srv.cfg.state_dir,
        srv.cfg.listen_host, srv.cfg.listen_port, srv.cfg.heartbeat_port,
        srv.cfg.database, srv.cfg.group_name, srv.cfg.suite,
        srv.cfg.tek_period_ms, srv.cfg.fetch_window_ms,
        srv.cfg.heartbeat_interval_ms, srv.cfg.allowed_misses,
        mmkm_dup_policy_to_string (srv.cfg.duplicate_login));
    mmkm_server_config_clear (&srv.cfg);
    g_free (srv.config_path);
    return 0;
  }

  srv.loop = g_main_loop_new (NULL, FALSE);
  srv.teks = g_array_new (FALSE, TRUE, sizeof (TekMeta));
  srv.by_token = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
      (GDestroyNotify) g_bytes_unref, (GDestroyNotify) session_free);
  srv.by_id = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
      (GDestroyNotify) g_bytes_unref, NULL);
  srv.buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  signal (SIGPIPE, SIG_IGN);
  g_unix_signal_add (SIGTERM, on_quit, &srv);
  g_unix_signal_add (SIGINT, on_quit, &srv);
  g_unix_signal_add (SIGHUP, on_reload, &srv);
  /* idle worker threads exit soon instead of lingering (see
   * wait_for_workers) */
  g_thread_pool_set_max_unused_threads (0);
  g_thread_pool_set_max_idle_time (500);
  if (!start (&srv, &e))
    goto fail;
  baseline = count_threads ();
  g_main_loop_run (srv.loop);
  stop (&srv);
  wait_for_workers (baseline);
  return 0;

fail:
  g_printerr ("mmkm-server: %s\n", e->message);
  log_event (G_LOG_LEVEL_CRITICAL, "fatal", NULL, NULL, "%s", e->message);
  g_error_free (e);
  stop (&srv);
  return 1;
}
