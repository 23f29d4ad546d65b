/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's shared state and the functions its files call in one
 * another. One GLib main loop owns all of it: nothing here is locked. */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <openssl/evp.h>

#include "mikey-replay.h"
#include "mikey-suite.h"
#include "mmkm-api.h"
#include "mmkm-heartbeat.h"
#include "mmkm-identity.h"
#include "mmkm-kek.h"
#include "mmkm-schedule.h"
#include "mmkm-tek.h"
#include "mmkm-store.h"
#include "mmkm-server-config.h"
#include "mmkm-server-metrics.h"

G_BEGIN_DECLS
#define SECRET_LEN 32
#define HB_BATCH 64
/* heartbeat store writes: one transaction per HB_FLUSH_MS
 * (mmkm-server-hb-batch.c), a batch of HB_SLOW_US or more is logged */
#define HB_FLUSH_MS 250
#define HB_SLOW_US (100 * 1000)
/* the heartbeat socket's receive buffer: heartbeats wait there while a
 * batch commits */
#define HB_RCVBUF (4 << 20)
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
  /* mmkm-server-ack.c: the TEK messages sent last (SentTek), newest
   * first, which an acknowledgement must answer */
  GQueue sent_teks;
  /* [group] rekey-on-join: the lowest MKI this member gets (0: any) */
  guint32 min_mki;
  /* the heartbeat sequence number the store holds (committed) */
  guint64 stored_seq;
  /* the highest one queued for the next heartbeat batch (>= stored_seq) */
  guint64 queued_seq;
} Session;

typedef struct
{
  guint32 mki;
  gint64 activation;
  gint64 created;
  MmkmTekReason reason;
  gboolean dead;
  /* key || salt, read from the store by the first fetch that serves this
   * TEK (tek_material()) rather than by every fetch; wiped when the TEK
   * leaves the list (tek_meta_clear) */
  guint material_len;
  guint8 material[MMKM_TEK_MAX_KEY + MMKM_TEK_MAX_SALT];
} TekMeta;

/* mmkm-server-events.c */
typedef struct _Events Events;

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
  Events *events;
  SoupServer *admin_http;       /* mmkm-server-admin.c */
  guint8 admin_token_hash[32];
  MmkmServerMetrics metrics;
  GThreadPool *pw_pool;         /* mmkm-server-password-pool.c */
  GAsyncQueue *pw_done;
  guint pw_threads;
  /* heartbeats waiting for the store, written in one transaction per
   * HB_FLUSH_MS, and the ACKs that wait for that commit
   * (mmkm-server-hb-batch.c) */
  GByteArray *hb_pending_ids;
  GArray *hb_pending_times;
  GArray *hb_pending_seqs;
  GArray *hb_held_acks;
  guint hb_flush_timer;
  int exit_code;
} Server;

/* ---- small helpers ------------------------------------------------------ */

static inline GBytes *
key_bytes (const guint8 * b, gsize len)
{
  return g_bytes_new (b, len);
}

static inline void
sha256 (const guint8 * in, gsize len, guint8 out[32])
{
  EVP_Digest (in, len, out, NULL, EVP_sha256 (), NULL);
}

static inline guint64
ntp_now (gint64 now)
{
  guint64 secs = (guint64) (now / G_USEC_PER_SEC) + NTP_UNIX_OFFSET;
  guint64 frac = ((guint64) (now % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;
  return (secs << 32) | frac;
}

/* 32 bytes in @path (0600), made on first start. */

/* One HTTP request as the route handlers see it */
typedef struct
{
  const gchar *method;
  const gchar *path;
  GHashTable *query;            /* may be NULL */
  const gchar *addr;            /* the peer's address, no port */
  const gchar *source;          /* "address:port", for the logs */
  Session *session;             /* routes that need one: authenticated */
  gint64 now;
} Request;

typedef void (*MmkmRouteFunc) (Server * srv, SoupServerMessage * msg,
    const Request * req);

/* mmkm-server-log.c */
void log_event (GLogLevelFlags level, const gchar * event, const gchar * user,
    const gchar * source, const gchar * fmt, ...) G_GNUC_PRINTF (5, 6);
void log_store (Server * srv, const gchar * user, const gchar * source,
    MmkmLogEvent ev, MmkmReason reason, gint64 now);

/* mmkm-server-sessions.c */
void session_free (Session * s);
void session_token (Server * srv, const guint8 * id, guint8 out[32]);
void session_add (Server * srv, Session * s);
void session_end (Server * srv, Session * s, MmkmReason reason,
    gint64 now);
gboolean liveness_tick (gpointer data);
Session *session_find_user (Server * srv, const gchar * user,
    guint32 group_id);
gboolean sessions_restore (Server * srv, gint64 now, GError ** error);

/* mmkm-server-tek.c */
gboolean tek_live (Server * srv, guint i);
void tek_meta_clear (gpointer meta);
const TekMeta *tek_material (Server * srv, guint i, gint64 now,
    GError ** error);
gint tek_current (Server * srv, gint64 now);
guint32 tek_latest_live (Server * srv);
gboolean teks_reload (Server * srv, GError ** error);
gboolean tek_tick (gpointer data);
void forced_rekey (Server * srv, gint64 now);
void forced_rekey_reason (Server * srv, gint64 now, MmkmTekReason reason);
guint32 rekey_on_join (Server * srv, gint64 now);
guint32 rekey_on_join_floor (Server * srv, gint64 login_us);

/* mmkm-server-http.c */
void reply_json (SoupServerMessage * msg, guint status, gchar * body);
void reply_error_full (SoupServerMessage * msg, MmkmApiErrorCode code,
    const gchar * message, const gchar * reason, gint64 retry_after);
void reply_error (SoupServerMessage * msg, MmkmApiErrorCode code,
    const gchar * message);
void reply_codec_error (SoupServerMessage * msg, const GError * e);
void reply_unauthorized (SoupServerMessage * msg);
void reply_store_error (Server * srv, SoupServerMessage * msg,
    const GError * e);
GBytes *request_body (SoupServerMessage * msg, const gchar * path,
    const gchar * type);
void wipe_request_body (SoupServerMessage * msg, GBytes * data);
void early_handler (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer data);
void http_handler (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer data);

/* mmkm-server-login.c */
void handle_register (Server * srv, SoupServerMessage * msg,
    const Request * req);
void handle_login (Server * srv, SoupServerMessage * msg,
    const Request * req);

/* mmkm-server-keys.c */
void handle_kek (Server * srv, SoupServerMessage * msg,
    const Request * req);
void handle_teks (Server * srv, SoupServerMessage * msg,
    const Request * req);
void handle_bye (Server * srv, SoupServerMessage * msg,
    const Request * req);

/* mmkm-server-events.c: the group's events and the long polls */
void events_init (Server * srv, gint64 now);
void events_free (Server * srv);
void events_publish (Server * srv, MmkmApiEventType type, gint64 now,
    const gchar * user, const gchar * reason, guint32 mki, gint64 activation);
void events_session_end (Server * srv, Session * s);
void handle_events (Server * srv, SoupServerMessage * msg,
    const Request * req);

/* mmkm-server-songs.c: the song list and the request queue */
void handle_songs_put (Server * srv, SoupServerMessage * msg,
    const Request * req);
void handle_songs_get (Server * srv, SoupServerMessage * msg,
    const Request * req);
void handle_queue_post (Server * srv, SoupServerMessage * msg,
    const Request * req);
void handle_queue_get (Server * srv, SoupServerMessage * msg,
    const Request * req);
void handle_queue_next (Server * srv, SoupServerMessage * msg,
    const Request * req);
void handle_now_playing (Server * srv, SoupServerMessage * msg,
    const Request * req);
/* mmkm-server-admin.c */
gboolean admin_start (Server * srv, GTlsCertificate * tls,
    GError ** error);
void admin_stop (Server * srv);
/* mmkm-server-password-pool.c: @done runs on the main loop, then the
 * message is unpaused and @free_data (@data) called */
typedef void (*PasswordChecked) (Server * srv, SoupServerMessage * msg,
    gboolean ok, gpointer data);
void password_pool_start (Server * srv);
void password_pool_stop (Server * srv);
gboolean password_check_async (Server * srv, SoupServerMessage * msg,
    const gchar * encoded, const gchar * password, PasswordChecked done,
    gpointer data, GDestroyNotify free_data);

/* mmkm-server-ack.c */
void ack_remember (Session * s, guint32 mki, GBytes * tek_msg);
void ack_forget (Session * s);
void handle_tek_ack (Server * srv, SoupServerMessage * msg,
    const Request * req);

/* mmkm-server-hb-replay.c: TRUE when the heartbeat's ACK must wait
 * for the batch that makes its sequence number durable */
gboolean hb_store_maybe (Server * srv, Session * s, guint64 seq,
    gint64 now);
void hb_window_restore (Server * srv, Session * s, guint64 stored_seq);

/* mmkm-server-hb-batch.c */
void hb_batch_init (Server * srv);
void hb_batch_free (Server * srv);
void hb_queue (Server * srv, Session * s, gint64 now);
void hb_hold_ack (Server * srv, GSocketAddress * to, const guint8 * ack,
    gsize len);
void hb_flush (Server * srv);

/* mmkm-server-heartbeat.c */
gboolean hb_readable (GSocket * sock, GIOCondition cond, gpointer data);

G_END_DECLS
