/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mmkm-server store: users, devices, groups, TEKs, the join/leave
 * log, member sessions, songs and the request queue, behind a table of
 * functions that each backend fills (SQLite now, PostgreSQL later).
 *
 * Every operation is one transaction, takes and returns plain structs,
 * and fails with a GError in MMKM_STORE_ERROR whose message an operator
 * can act on. The generic layer (mmkm-store.c) seals secrets before they
 * reach a backend and opens them after, so a backend only ever sees
 * ciphertext and needs no crypto of its own. Nothing is kept in the
 * process that another server sharing the database would need: the
 * ordering rules (one TEK per MKI, MKIs increasing) are enforced by the
 * database itself. A store is used from one thread at a time.
 *
 * Times are microseconds since the Unix epoch (g_get_real_time ()). */
#ifndef MMKM_STORE_H
#define MMKM_STORE_H

#include <glib.h>
#include "mmkm-seal.h"

G_BEGIN_DECLS

#define MMKM_STORE_ERROR (mmkm_store_error_quark ())
GQuark mmkm_store_error_quark (void);

typedef enum
{
  MMKM_STORE_ERROR_NOT_FOUND,   /* no such user, device, group, TEK ... */
  MMKM_STORE_ERROR_EXISTS,      /* the name or fingerprint is taken */
  MMKM_STORE_ERROR_CONFLICT,    /* another writer got there first (MKI) */
  MMKM_STORE_ERROR_IO,          /* disk, permissions, locking, OpenSSL */
  MMKM_STORE_ERROR_CORRUPT,     /* damaged database or sealed value */
  MMKM_STORE_ERROR_VERSION,     /* database newer than this program */
  MMKM_STORE_ERROR_BUSY,        /* locked by another process too long */
  MMKM_STORE_ERROR_INVALID,     /* an argument out of range */
} MmkmStoreError;

typedef enum
{
  MMKM_ROLE_LISTENER = 0,
  MMKM_ROLE_SENDER = 1,
  MMKM_ROLE_ADMIN = 2,
} MmkmRole;

typedef struct
{
  gint64 id;
  gchar *name;
  MmkmRole role;
  gchar *password_hash;         /* argon2id encoded form */
  gboolean disabled;
  gint64 created_us;
} MmkmUser;

#define MMKM_FINGERPRINT_LEN 32

typedef struct
{
  gint64 id;
  gchar *user;
  guint8 fingerprint[MMKM_FINGERPRINT_LEN];     /* SHA-256 of cert_der */
  GBytes *cert_der;
  gint64 enrolled_us;
  gint64 revoked_us;            /* 0 while valid */
} MmkmDevice;

typedef struct
{
  guint32 id;                   /* the MIKEY CSB ID */
  gchar *name;
  gint64 tek_period_us;
  gint64 fetch_window_us;
  guint32 ssrc;                 /* the sender's, 0 until known */
  guint32 roc;
  gint64 created_us;
} MmkmGroup;

typedef enum
{
  MMKM_TEK_SCHEDULE = 0,
  MMKM_TEK_LEAVE = 1,
  MMKM_TEK_JOIN = 2,
  MMKM_TEK_ADMIN = 3,
} MmkmTekReason;

#define MMKM_TEK_MAX_KEY 32
#define MMKM_TEK_MAX_SALT 14

typedef struct
{
  guint32 group_id;
  guint32 mki;
  guint8 key[MMKM_TEK_MAX_KEY];
  gsize key_len;
  guint8 salt[MMKM_TEK_MAX_SALT];
  gsize salt_len;
  gint64 activation_us;
  gint64 created_us;
  MmkmTekReason reason;
  /* backend side only: key || salt sealed; NULL in what callers get */
  GBytes *sealed;
} MmkmTek;

typedef enum
{
  MMKM_TEK_BY_MKI,              /* the TEK with that MKI */
  MMKM_TEK_CURRENT,             /* highest MKI active at "now" */
  MMKM_TEK_NEXT,                /* lowest MKI not yet active at "now" */
} MmkmTekWhich;

typedef enum
{
  MMKM_LOG_JOINED = 0,
  MMKM_LOG_LEFT = 1,
} MmkmLogEvent;

typedef enum
{
  MMKM_REASON_LOGIN = 0,
  MMKM_REASON_BYE = 1,
  MMKM_REASON_TIMEOUT = 2,
  MMKM_REASON_REMOVED = 3,
  MMKM_REASON_REPLACED = 4,
  MMKM_REASON_REFUSED = 5,
} MmkmReason;

typedef struct
{
  gint64 id;
  gchar *user;                  /* as given: may name no user (refusals) */
  guint32 group_id;
  gint64 time_us;
  gchar *source;                /* "address:port" */
  MmkmLogEvent event;
  MmkmReason reason;
} MmkmLogEntry;

typedef struct
{
  const gchar *user;            /* NULL: any */
  gboolean any_group;
  guint32 group_id;
  gint64 since_us;              /* inclusive; 0: no bound */
  gint64 until_us;              /* exclusive; 0: no bound */
  guint limit;                  /* 0: no limit */
} MmkmLogFilter;

#define MMKM_SESSION_ID_LEN 16
#define MMKM_KEK_LEN 32

typedef struct
{
  guint8 id[MMKM_SESSION_ID_LEN];
  gchar *user;
  guint32 group_id;
  guint8 device[MMKM_FINGERPRINT_LEN];
  gint64 login_us;
  gint64 heartbeat_us;
  gchar *source;
  gint64 ended_us;              /* 0 while live */
  MmkmReason end_reason;
  /* the session's KEK, so that members survive a server restart without
   * logging in again; sealed at rest with the session id as AD */
  gboolean has_kek;
  guint8 kek[MMKM_KEK_LEN];
  GBytes *sealed;               /* backend side only */
  /* the highest heartbeat sequence number stored (0: none) */
  guint64 hb_seq;
} MmkmSession;

/* A member's acknowledgement of a TEK (docs/mmkm-protocol.md) */
typedef struct
{
  guint8 session_id[MMKM_SESSION_ID_LEN];
  gchar *user;
  guint32 group_id;
  guint32 mki;
  gint64 acked_us;              /* the first acknowledgement */
} MmkmTekAck;

typedef struct
{
  gint64 id;
  guint32 group_id;
  gchar *title;
  gint64 duration_us;
  guint rate;
  guint channels;
  gchar *file;                  /* the sender's name for it */
  guint32 number;               /* the sender's id for it (the API's song
                                 * id), unique among the group's live
                                 * songs; 0: none */
} MmkmSong;

typedef struct
{
  gint64 id;                    /* increasing: the queue order */
  guint32 group_id;
  gint64 song_id;
  gchar *user;
  gint64 requested_us;
  gint64 popped_us;             /* 0 while queued */
  /* the song's, read with the request */
  guint32 song_number;
  gchar *title;
} MmkmRequest;

void mmkm_user_free (MmkmUser * u);
void mmkm_device_free (MmkmDevice * d);
void mmkm_group_free (MmkmGroup * g);
void mmkm_tek_free (MmkmTek * t);
void mmkm_log_entry_free (MmkmLogEntry * e);
void mmkm_session_free (MmkmSession * s);
void mmkm_song_free (MmkmSong * s);
void mmkm_request_free (MmkmRequest * r);
void mmkm_tek_ack_free (MmkmTekAck * a);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmkmUser, mmkm_user_free);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmkmDevice, mmkm_device_free);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmkmGroup, mmkm_group_free);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmkmTek, mmkm_tek_free);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmkmSession, mmkm_session_free);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmkmRequest, mmkm_request_free);

const gchar *mmkm_role_to_string (MmkmRole role);
gboolean mmkm_role_from_string (const gchar * s, MmkmRole * role);
const gchar *mmkm_tek_reason_to_string (MmkmTekReason r);
const gchar *mmkm_reason_to_string (MmkmReason r);

/* What a backend implements. Lists come back as GPtrArrays that own
 * their elements. Secrets arrive and leave sealed (the `sealed` fields). */
typedef struct
{
  void (*close) (gpointer backend);

  gboolean (*user_add) (gpointer b, const gchar * name, MmkmRole role,
      const gchar * password_hash, gint64 now_us, GError ** err);
  MmkmUser *(*user_get) (gpointer b, const gchar * name, GError ** err);
  GPtrArray *(*user_list) (gpointer b, GError ** err);
  gboolean (*user_set_password) (gpointer b, const gchar * name,
      const gchar * password_hash, GError ** err);
  gboolean (*user_set_role) (gpointer b, const gchar * name, MmkmRole role,
      GError ** err);
  gboolean (*user_set_disabled) (gpointer b, const gchar * name,
      gboolean disabled, GError ** err);
  gboolean (*user_remove) (gpointer b, const gchar * name, GError ** err);

  gboolean (*device_enrol) (gpointer b, const gchar * user,
      const guint8 * fingerprint, GBytes * cert_der, gint64 now_us,
      GError ** err);
  MmkmDevice *(*device_get) (gpointer b, const guint8 * fingerprint,
      GError ** err);
  GPtrArray *(*device_list) (gpointer b, const gchar * user, GError ** err);
  gboolean (*device_revoke) (gpointer b, const guint8 * fingerprint,
      gint64 now_us, GError ** err);

  gboolean (*group_create) (gpointer b, const MmkmGroup * g, GError ** err);
  MmkmGroup *(*group_get) (gpointer b, guint32 id, GError ** err);
  MmkmGroup *(*group_get_by_name) (gpointer b, const gchar * name,
      GError ** err);
  GPtrArray *(*group_list) (gpointer b, GError ** err);
  gboolean (*group_set_stream) (gpointer b, guint32 id, guint32 ssrc,
      guint32 roc, GError ** err);

  gboolean (*tek_append) (gpointer b, const MmkmTek * sealed_tek,
      GError ** err);
  MmkmTek *(*tek_get) (gpointer b, guint32 group_id, MmkmTekWhich which,
      guint32 mki, gint64 now_us, GError ** err);
  GPtrArray *(*tek_list_after) (gpointer b, guint32 group_id,
      gboolean from_start, guint32 after_mki, guint limit, GError ** err);

  gboolean (*log_append) (gpointer b, const MmkmLogEntry * e, gint64 * id,
      GError ** err);
  GPtrArray *(*log_query) (gpointer b, const MmkmLogFilter * f,
      GError ** err);

  gboolean (*session_create) (gpointer b, const MmkmSession * s,
      GError ** err);
  MmkmSession *(*session_get) (gpointer b, const guint8 * id, GError ** err);
  gboolean (*session_touch) (gpointer b, const guint8 * id, gint64 now_us,
      GError ** err);
  gboolean (*session_end) (gpointer b, const guint8 * id, gint64 now_us,
      MmkmReason reason, GError ** err);
  GPtrArray *(*session_list_live) (gpointer b, gboolean any_group,
      guint32 group_id, GError ** err);

  gboolean (*song_add) (gpointer b, const MmkmSong * s, gint64 * id,
      GError ** err);
  GPtrArray *(*song_list) (gpointer b, guint32 group_id, GError ** err);
  gboolean (*song_remove) (gpointer b, gint64 id, GError ** err);

  gboolean (*request_enqueue) (gpointer b, guint32 group_id, gint64 song_id,
      const gchar * user, gint64 now_us, gint64 * id, GError ** err);
  GPtrArray *(*queue_list) (gpointer b, guint32 group_id, GError ** err);
  MmkmRequest *(*queue_pop) (gpointer b, guint32 group_id, gint64 now_us,
      GError ** err);
  gboolean (*request_count) (gpointer b, const gchar * user,
      guint32 group_id, gint64 since_us, guint * count, GError ** err);

  gboolean (*song_replace) (gpointer b, guint32 group_id,
      const MmkmSong * songs, guint n, gint64 now_us, GError ** err);
  gboolean (*request_usage) (gpointer b, const gchar * user,
      guint32 group_id, gint64 since_us, guint * count, gint64 * oldest_us,
      GError ** err);
  gboolean (*now_playing_set) (gpointer b, guint32 group_id,
      gint64 request_id, gint64 now_us, GError ** err);
  gboolean (*now_playing_get) (gpointer b, guint32 group_id,
      MmkmRequest ** request, gint64 * since_us, GError ** err);
  gboolean (*request_remove) (gpointer b, guint32 group_id, gint64 id,
      GError ** err);
  gboolean (*session_heartbeat) (gpointer b, const guint8 * id,
      gint64 now_us, guint64 hb_seq, GError ** err);
  /* may be NULL: the wrapper then calls session_heartbeat row by row */
  gboolean (*session_heartbeat_many) (gpointer b, const guint8 * ids,
      const gint64 * times, const guint64 * hb_seqs, guint n,
      guint * written, GError ** err);
  gboolean (*tek_ack) (gpointer b, const guint8 * session_id,
      guint32 group_id, guint32 mki, gint64 now_us, gboolean * first,
      GError ** err);
  GPtrArray *(*tek_ack_list) (gpointer b, guint32 group_id, guint32 mki,
      GError ** err);
} MmkmStoreVTable;

typedef struct _MmkmStore MmkmStore;

/* Takes @backend (closed with vtable->close) and @seal. */
MmkmStore *mmkm_store_new (const MmkmStoreVTable * vtable, gpointer backend,
    MmkmSeal * seal);
void mmkm_store_close (MmkmStore * store);

/* Users. */
gboolean mmkm_store_user_add (MmkmStore * s, const gchar * name,
    MmkmRole role, const gchar * password_hash, GError ** err);
MmkmUser *mmkm_store_user_get (MmkmStore * s, const gchar * name,
    GError ** err);
GPtrArray *mmkm_store_user_list (MmkmStore * s, GError ** err);
gboolean mmkm_store_user_set_password (MmkmStore * s, const gchar * name,
    const gchar * password_hash, GError ** err);
gboolean mmkm_store_user_set_role (MmkmStore * s, const gchar * name,
    MmkmRole role, GError ** err);
gboolean mmkm_store_user_set_disabled (MmkmStore * s, const gchar * name,
    gboolean disabled, GError ** err);
/* Also removes the user's devices, sessions and queued requests; the
 * join/leave log keeps the name. */
gboolean mmkm_store_user_remove (MmkmStore * s, const gchar * name,
    GError ** err);

/* Devices. @fingerprint is checked against SHA-256 of @cert_der. */
gboolean mmkm_store_device_enrol (MmkmStore * s, const gchar * user,
    const guint8 * fingerprint, GBytes * cert_der, GError ** err);
MmkmDevice *mmkm_store_device_get (MmkmStore * s, const guint8 * fingerprint,
    GError ** err);
/* @user NULL: every user's. */
GPtrArray *mmkm_store_device_list (MmkmStore * s, const gchar * user,
    GError ** err);
gboolean mmkm_store_device_revoke (MmkmStore * s, const guint8 * fingerprint,
    GError ** err);

/* Groups. */
gboolean mmkm_store_group_create (MmkmStore * s, const MmkmGroup * g,
    GError ** err);
MmkmGroup *mmkm_store_group_get (MmkmStore * s, guint32 id, GError ** err);
MmkmGroup *mmkm_store_group_get_by_name (MmkmStore * s, const gchar * name,
    GError ** err);
GPtrArray *mmkm_store_group_list (MmkmStore * s, GError ** err);
gboolean mmkm_store_group_set_stream (MmkmStore * s, guint32 id,
    guint32 ssrc, guint32 roc, GError ** err);

/* TEKs. The key and salt are sealed with (group id, MKI) as associated
 * data. MMKM_STORE_ERROR_CONFLICT when the group has a TEK with this or
 * a higher MKI: the caller lost a race with another server and must use
 * the TEK that won. @t->created_us 0 means now. */
gboolean mmkm_store_tek_append (MmkmStore * s, const MmkmTek * t,
    GError ** err);
MmkmTek *mmkm_store_tek_get (MmkmStore * s, guint32 group_id,
    MmkmTekWhich which, guint32 mki, gint64 now_us, GError ** err);
/* TEKs with an MKI above @after_mki (all when @from_start), increasing,
 * at most @limit (0: all). */
GPtrArray *mmkm_store_tek_list_after (MmkmStore * s, guint32 group_id,
    gboolean from_start, guint32 after_mki, guint limit, GError ** err);

/* The join/leave log. */
gboolean mmkm_store_log_append (MmkmStore * s, const MmkmLogEntry * e,
    gint64 * id, GError ** err);
/* Newest first. */
GPtrArray *mmkm_store_log_query (MmkmStore * s, const MmkmLogFilter * f,
    GError ** err);

/* Member sessions. @sess->kek is sealed when has_kek. */
gboolean mmkm_store_session_create (MmkmStore * s, const MmkmSession * sess,
    GError ** err);
MmkmSession *mmkm_store_session_get (MmkmStore * s, const guint8 * id,
    GError ** err);
gboolean mmkm_store_session_touch (MmkmStore * s, const guint8 * id,
    gint64 now_us, GError ** err);
/* mmkm_store_session_touch() that also raises the session's stored
 * heartbeat sequence number to @hb_seq (never lowers it). */
gboolean mmkm_store_session_heartbeat (MmkmStore * s, const guint8 * id,
    gint64 now_us, guint64 hb_seq, GError ** err);
/* mmkm_store_session_heartbeat() for @n sessions (@ids: @n ids of
 * MMKM_SESSION_ID_LEN bytes one after the other, @times and @hb_seqs:
 * theirs) in one transaction, so that a server with many members commits
 * (and syncs) once per batch rather than once per member. An id may come
 * more than once (times and sequence numbers only go up). Ended or unknown
 * sessions are skipped, not an error; *@written (may be NULL) counts the
 * rows written. The SQLite store writes nothing on error (a backend
 * without a batch writes row by row). */
gboolean mmkm_store_session_heartbeat_many (MmkmStore * s,
    const guint8 * ids, const gint64 * times, const guint64 * hb_seqs,
    guint n, guint * written, GError ** err);
/* Records that live session @session_id of @group_id acknowledged TEK
 * @mki at @now_us. Idempotent: a second acknowledgement keeps the first
 * time and sets *@first FALSE. NOT_FOUND for no such live session. */
gboolean mmkm_store_tek_ack (MmkmStore * s, const guint8 * session_id,
    guint32 group_id, guint32 mki, gint64 now_us, gboolean * first,
    GError ** err);
/* Who acknowledged TEK @mki of @group_id (MmkmTekAck), first first. */
GPtrArray *mmkm_store_tek_ack_list (MmkmStore * s, guint32 group_id,
    guint32 mki, GError ** err);
/* NOT_FOUND for an unknown or already ended session. */
gboolean mmkm_store_session_end (MmkmStore * s, const guint8 * id,
    gint64 now_us, MmkmReason reason, GError ** err);
/* Oldest login first. */
GPtrArray *mmkm_store_session_list_live (MmkmStore * s, gboolean any_group,
    guint32 group_id, GError ** err);

/* Songs and the request queue. */
gboolean mmkm_store_song_add (MmkmStore * s, const MmkmSong * song,
    gint64 * id, GError ** err);
GPtrArray *mmkm_store_song_list (MmkmStore * s, guint32 group_id,
    GError ** err);
gboolean mmkm_store_song_remove (MmkmStore * s, gint64 id, GError ** err);
gboolean mmkm_store_request_enqueue (MmkmStore * s, guint32 group_id,
    gint64 song_id, const gchar * user, gint64 now_us, gint64 * id,
    GError ** err);
/* Queued requests in order. */
GPtrArray *mmkm_store_queue_list (MmkmStore * s, guint32 group_id,
    GError ** err);
/* The oldest queued request, marked popped; NOT_FOUND when empty.
 * Popped requests still count in mmkm_store_request_count (). */
MmkmRequest *mmkm_store_queue_pop (MmkmStore * s, guint32 group_id,
    gint64 now_us, GError ** err);
gboolean mmkm_store_request_count (MmkmStore * s, const gchar * user,
    guint32 group_id, gint64 since_us, guint * count, GError ** err);
/* Makes @songs (their `number`s, each non-zero and once) the group's live
 * song list in one transaction: a live song whose number is in @songs is
 * updated in place (its queued requests stay), the others are marked
 * removed (their requests still count), new numbers are added. */
gboolean mmkm_store_song_replace (MmkmStore * s, guint32 group_id,
    const MmkmSong * songs, guint n, gint64 now_us, GError ** err);
/* The user's requests in the group since @since_us (queued or popped)
 * and the time of the oldest of them (0 when none): a sliding window. */
gboolean mmkm_store_request_usage (MmkmStore * s, const gchar * user,
    guint32 group_id, gint64 since_us, guint * count, gint64 * oldest_us,
    GError ** err);
/* What the group's sender plays: a popped request of the group
 * (NOT_FOUND otherwise), or 0 for nothing. */
gboolean mmkm_store_now_playing_set (MmkmStore * s, guint32 group_id,
    gint64 request_id, gint64 now_us, GError ** err);
/* *@request NULL when nothing plays; @since_us: when it was set */
gboolean mmkm_store_now_playing_get (MmkmStore * s, guint32 group_id,
    MmkmRequest ** request, gint64 * since_us, GError ** err);
/* Takes a queued request out of the queue (an administrator's act): it
 * is forgotten, so it no longer counts against its requester either.
 * NOT_FOUND when @id is not queued in @group_id. */
gboolean mmkm_store_request_remove (MmkmStore * s, guint32 group_id,
    gint64 id, GError ** err);

G_END_DECLS
#endif /* MMKM_STORE_H */
