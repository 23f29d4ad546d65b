/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The group's song list and request queue: the sender publishes the
 * list, members request songs (a sliding window counts each member's
 * requests, in the store so that a restart forgets none), the sender
 * takes the next request and says what plays. Every change is an event. */
#define G_LOG_DOMAIN "mmkm-server"

#include <string.h>

#include "config.h"
#include "mmkm-error.h"
#include "mmkm-server-private.h"

static gboolean
sender_only (SoupServerMessage * msg, const Request * req)
{
  if (req->session->role == MMKM_ROLE_SENDER)
    return TRUE;
  reply_error_full (msg, MMKM_API_ERR_FORBIDDEN,
      "Only the group's sender may do this.", "sender_only", -1);
  return FALSE;
}

/* Decodes the JSON body of @req with @decode; FALSE with the answer
 * sent when it is refused. */
static gboolean
decode_body (SoupServerMessage * msg, const Request * req,
    gboolean (*decode) (const gchar * data, gsize len, gpointer out,
        GError ** error), gpointer out)
{
  GBytes *data = request_body (msg, req->path, "application/json");
  GError *e = NULL;
  gsize len = 0;
  const gchar *p;
  gboolean ok;

  if (!data)
    return FALSE;
  p = g_bytes_get_data (data, &len);
  ok = decode (p ? p : "", len, out, &e);
  g_bytes_unref (data);
  if (!ok) {
    reply_codec_error (msg, e);
    g_error_free (e);
  }
  return ok;
}

/* the codecs behind one signature (their out argument typed) */
static gboolean
decode_song_list (const gchar * d, gsize n, gpointer out, GError ** error)
{
  return mmkm_api_song_list_from_json (d, n, out, error);
}

static gboolean
decode_song_request (const gchar * d, gsize n, gpointer out, GError ** error)
{
  return mmkm_api_song_request_from_json (d, n, out, error);
}

static gboolean
decode_now_playing (const gchar * d, gsize n, gpointer out, GError ** error)
{
  return mmkm_api_now_playing_from_json (d, n, out, error);
}

static void
entry_from (MmkmApiQueueEntry * e, const MmkmRequest * r)
{
  e->entry = (guint64) r->id;
  e->song = r->song_number;
  e->title = r->title;
  e->requested_by = r->user;
  e->requested_at = r->requested_us;
}

static void
reply_entry (SoupServerMessage * msg, guint status, const MmkmRequest * r)
{
  MmkmApiQueueEntry e = { 0 };

  entry_from (&e, r);
  reply_json (msg, status, mmkm_api_queue_entry_to_json (&e));
}

/* ---- PUT /v1/songs ---- */

void
handle_songs_put (Server * srv, SoupServerMessage * msg, const Request * req)
{
  MmkmApiSongList list = { 0 };
  g_autoptr (GPtrArray) before = NULL, after = NULL;
  MmkmSong *songs;
  GError *e = NULL;
  guint i;

  if (!sender_only (msg, req)
      || !decode_body (msg, req, decode_song_list, &list))
    return;
  songs = g_new0 (MmkmSong, list.n_songs + 1);
  for (i = 0; i < list.n_songs; i++) {
    songs[i].group_id = srv->group->id;
    songs[i].number = list.songs[i].id;
    songs[i].title = list.songs[i].title;
    songs[i].duration_us = (gint64) list.songs[i].duration_ms * 1000;
    songs[i].rate = list.songs[i].rate;
    songs[i].channels = list.songs[i].channels;
    songs[i].file = (gchar *) "";
  }
  /* requests for songs that leave the list leave the queue */
  before = mmkm_store_queue_list (srv->store, srv->group->id, NULL);
  if (!mmkm_store_song_replace (srv->store, srv->group->id, songs,
          list.n_songs, req->now, &e)) {
    reply_store_error (srv, msg, e);
    g_error_free (e);
    g_free (songs);
    mmkm_api_song_list_clear (&list);
    return;
  }
  after = mmkm_store_queue_list (srv->store, srv->group->id, NULL);
  log_event (G_LOG_LEVEL_MESSAGE, "songs", req->session->user, req->source,
      "song list published: %u songs", list.n_songs);
  g_free (songs);
  mmkm_api_song_list_clear (&list);
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
  events_publish (srv, MMKM_API_EVENT_SONGS, req->now, NULL, NULL, 0, 0);
  if (!before || !after || before->len != after->len)
    events_publish (srv, MMKM_API_EVENT_QUEUE, req->now, NULL, NULL, 0, 0);
}

/* ---- GET /v1/songs ---- */

void
handle_songs_get (Server * srv, SoupServerMessage * msg, const Request * req)
{
  g_autoptr (GPtrArray) a = NULL;
  MmkmApiSongList list = { 0 };
  GError *e = NULL;
  guint i;

  a = mmkm_store_song_list (srv->store, srv->group->id, &e);
  if (!a) {
    reply_store_error (srv, msg, e);
    g_error_free (e);
    return;
  }
  list.songs = g_new0 (MmkmApiSong, a->len + 1);
  for (i = 0; i < a->len && list.n_songs < MMKM_API_SONGS_MAX; i++) {
    MmkmSong *s = g_ptr_array_index (a, i);
    MmkmApiSong *o = &list.songs[list.n_songs];

    /* songs without a number were not published through the API */
    if (s->number == 0)
      continue;
    o->id = s->number;
    o->title = s->title;
    o->duration_ms = (guint32) MIN (s->duration_us / 1000, G_MAXINT32);
    o->rate = s->rate;
    o->channels = s->channels;
    list.n_songs++;
  }
  reply_json (msg, SOUP_STATUS_OK, mmkm_api_song_list_to_json (&list));
  g_free (list.songs);
}

/* ---- POST /v1/queue ---- */

static gchar *
title_key (const gchar * title)
{
  g_autofree gchar *folded = g_utf8_casefold (title, -1);

  return g_utf8_normalize (folded, -1, G_NORMALIZE_DEFAULT_COMPOSE);
}

/* The live song the request names, NULL when none */
static MmkmSong *
find_song (GPtrArray * songs, const MmkmApiSongRequest * r)
{
  g_autofree gchar *want = r->title ? title_key (r->title) : NULL;
  guint i;

  for (i = 0; i < songs->len; i++) {
    MmkmSong *s = g_ptr_array_index (songs, i);

    if (s->number == 0)
      continue;
    if (!r->title && s->number == r->song)
      return s;
    if (r->title) {
      g_autofree gchar *have = title_key (s->title);
      if (want && have && g_str_equal (want, have))
        return s;
    }
  }
  return NULL;
}

static void
reply_request_limit (SoupServerMessage * msg, guint limit, gint64 resets_at,
    gint64 now)
{
  MmkmApiError err = { 0 };
  g_autofree gchar *m = g_strdup_printf ("You have used your %u song "
      "requests for this period.", limit);
  g_autofree gchar *ra = NULL;
  /* whole seconds, rounded up: asking again then succeeds */
  gint64 retry = MAX (1, (resets_at - now + G_USEC_PER_SEC - 1) /
      G_USEC_PER_SEC);

  err.code = MMKM_API_ERR_TOO_MANY_REQUESTS;
  err.message = m;
  err.reason = (gchar *) "request_limit";
  err.retry_after = retry;
  err.resets_at = resets_at;
  ra = g_strdup_printf ("%" G_GINT64_FORMAT, retry);
  soup_message_headers_replace (soup_server_message_get_response_headers
      (msg), "Retry-After", ra);
  reply_json (msg, 429, mmkm_api_error_to_json (&err));
}

void
handle_queue_post (Server * srv, SoupServerMessage * msg, const Request * req)
{
  MmkmApiSongRequest r = { 0 };
  g_autoptr (GPtrArray) songs = NULL, queue = NULL;
  g_autoptr (MmkmRequest) made = NULL;
  gint64 period = srv->cfg.request_period_ms * 1000, oldest = 0, id = 0;
  guint limit = srv->cfg.requests_per_period, used = 0;
  const gchar *user = req->session->user;
  MmkmSong *song;
  GError *e = NULL;

  if (!decode_body (msg, req, decode_song_request, &r))
    return;
  songs = mmkm_store_song_list (srv->store, srv->group->id, &e);
  if (!songs)
    goto store_error;
  song = find_song (songs, &r);
  if (!song) {
    reply_error_full (msg, MMKM_API_ERR_NOT_FOUND, r.title ?
        "There is no song with this title." : "There is no song with this id.",
        "unknown_song", -1);
    goto out;
  }
  if (limit == 0) {
    reply_error_full (msg, MMKM_API_ERR_FORBIDDEN,
        "Song requests are off in this group.", "no_requests", -1);
    goto out;
  }
  /* a sliding window: the requests of the last period, queued or not */
  if (!mmkm_store_request_usage (srv->store, user, srv->group->id,
          req->now - period + 1, &used, &oldest, &e))
    goto store_error;
  if (used >= limit) {
    log_event (G_LOG_LEVEL_INFO, "request-limited", user, req->source,
        "%u song requests in the period already", used);
    reply_request_limit (msg, limit, oldest + period, req->now);
    goto out;
  }
  queue = mmkm_store_queue_list (srv->store, srv->group->id, &e);
  if (!queue)
    goto store_error;
  if (queue->len >= MMKM_API_QUEUE_MAX) {
    reply_error_full (msg, MMKM_API_ERR_CONFLICT,
        "The queue is full; try again when it is shorter.", "queue_full", -1);
    goto out;
  }
  if (!mmkm_store_request_enqueue (srv->store, srv->group->id, song->id,
          user, req->now, &id, &e))
    goto store_error;
  made = g_new0 (MmkmRequest, 1);
  made->id = id;
  made->group_id = srv->group->id;
  made->song_id = song->id;
  made->song_number = song->number;
  made->title = g_strdup (song->title);
  made->user = g_strdup (user);
  made->requested_us = req->now;
  log_event (G_LOG_LEVEL_MESSAGE, "song-request", user, req->source,
      "song %u requested (entry %" G_GINT64_FORMAT ", %u of %u this period)",
      song->number, id, used + 1, limit);
  reply_entry (msg, SOUP_STATUS_CREATED, made);
  events_publish (srv, MMKM_API_EVENT_QUEUE, req->now, NULL, NULL, 0, 0);
  goto out;

store_error:
  reply_store_error (srv, msg, e);
  g_error_free (e);
out:
  mmkm_api_song_request_clear (&r);
}

/* ---- GET /v1/queue ---- */

void
handle_queue_get (Server * srv, SoupServerMessage * msg, const Request * req)
{
  g_autoptr (GPtrArray) a = NULL;
  g_autoptr (MmkmRequest) playing = NULL;
  MmkmApiQueue q = { 0 };
  GError *e = NULL;
  guint i;

  a = mmkm_store_queue_list (srv->store, srv->group->id, &e);
  if (!a || !mmkm_store_now_playing_get (srv->store, srv->group->id,
          &playing, NULL, &e)) {
    reply_store_error (srv, msg, e);
    g_error_free (e);
    return;
  }
  if (playing) {
    q.playing = TRUE;
    entry_from (&q.now_playing, playing);
  }
  q.n_entries = MIN (a->len, MMKM_API_QUEUE_MAX);
  q.entries = g_new0 (MmkmApiQueueEntry, q.n_entries + 1);
  for (i = 0; i < q.n_entries; i++)
    entry_from (&q.entries[i], g_ptr_array_index (a, i));
  reply_json (msg, SOUP_STATUS_OK, mmkm_api_queue_to_json (&q));
  g_free (q.entries);
}

/* ---- POST /v1/queue/next ---- */

void
handle_queue_next (Server * srv, SoupServerMessage * msg, const Request * req)
{
  g_autoptr (MmkmRequest) r = NULL;
  GError *e = NULL;

  if (!sender_only (msg, req))
    return;
  r = mmkm_store_queue_pop (srv->store, srv->group->id, req->now, &e);
  if (!r) {
    if (g_error_matches (e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_NOT_FOUND))
      soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
    else
      reply_store_error (srv, msg, e);
    g_error_free (e);
    return;
  }
  log_event (G_LOG_LEVEL_MESSAGE, "queue-next", req->session->user,
      req->source, "entry %" G_GINT64_FORMAT " (song %u) taken from the queue",
      r->id, r->song_number);
  reply_entry (msg, SOUP_STATUS_OK, r);
  events_publish (srv, MMKM_API_EVENT_QUEUE, req->now, NULL, NULL, 0, 0);
}

/* ---- PUT /v1/queue/now-playing ---- */

void
handle_now_playing (Server * srv, SoupServerMessage * msg, const Request * req)
{
  MmkmApiNowPlaying np = { 0 };
  GError *e = NULL;

  if (!sender_only (msg, req)
      || !decode_body (msg, req, decode_now_playing, &np))
    return;
  if (np.entry > (guint64) G_MAXINT64
      || !mmkm_store_now_playing_set (srv->store, srv->group->id,
          (gint64) np.entry, req->now, &e)) {
    if (!e || g_error_matches (e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_NOT_FOUND))
      reply_error_full (msg, MMKM_API_ERR_NOT_FOUND, "There is no entry "
          "taken from the queue with this number.", "unknown_entry", -1);
    else
      reply_store_error (srv, msg, e);
    g_clear_error (&e);
    mmkm_api_now_playing_clear (&np);
    return;
  }
  if (np.entry)
    log_event (G_LOG_LEVEL_MESSAGE, "now-playing", req->session->user,
        req->source, "entry %" G_GUINT64_FORMAT " plays", np.entry);
  else
    log_event (G_LOG_LEVEL_MESSAGE, "now-playing", req->session->user,
        req->source, "nothing plays");
  mmkm_api_now_playing_clear (&np);
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
  events_publish (srv, MMKM_API_EVENT_QUEUE, req->now, NULL, NULL, 0, 0);
}
