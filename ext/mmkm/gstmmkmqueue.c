/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gstmmkmqueue.h */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmmkmqueue.h"
#include "gstmmkmmessages.h"

#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_mmkm_registry_debug);
#define GST_CAT_DEFAULT gst_mmkm_registry_debug

/* requests waiting for the song list (by title) at most */
#define MAX_WAITING 64

static GstStructure *
entry_structure (const MmkmApiQueueEntry * e)
{
  return gst_structure_new ("entry", "entry", G_TYPE_UINT64, e->entry,
      "song", G_TYPE_UINT, e->song, "title", G_TYPE_STRING,
      e->title ? e->title : "", "requested-by", G_TYPE_STRING,
      e->requested_by ? e->requested_by : "", "requested-at", G_TYPE_INT64,
      e->requested_at, NULL);
}

static void
refused (GstMmkmRegistry * self, const gchar * what, const gchar * reason,
    guint status)
{
  gst_mmkm_post (self, "mmkm-queue", "event", G_TYPE_STRING, "refused",
      "request", G_TYPE_STRING, what, "reason", G_TYPE_STRING, reason,
      "status", G_TYPE_UINT, status, NULL);
}

static void
get_songs (GstMmkmRegistry * self)
{
  if (!self->songs_op)
    self->songs_op = mmkm_client_get_songs (self->client);
}

static void
get_queue (GstMmkmRegistry * self)
{
  if (!self->queue_op)
    self->queue_op = mmkm_client_get_queue (self->client);
}

static gboolean
refuse_pending (gpointer key, gpointer value, gpointer data)
{
  refused (data, value, "the session with the server ended before the "
      "answer (the member logged in again): ask again", 0);
  return TRUE;
}

void
gst_mmkm_queue_joined (GstMmkmRegistry * self)
{
  /* a new session: the calls of the last one get no answer (the client
   * forgets them) */
  g_hash_table_foreach_remove (self->requests, refuse_pending, self);
  self->songs_op = self->queue_op = 0;
  get_songs (self);
  get_queue (self);
}

void
gst_mmkm_queue_group_event (GstMmkmRegistry * self, const MmkmApiEvent * e)
{
  if (e->type == MMKM_API_EVENT_SONGS)
    get_songs (self);
  else if (e->type == MMKM_API_EVENT_QUEUE)
    get_queue (self);
}

/* The song's id for @what: a decimal id, or a title of the list (any
 * case); 0 when none. Object lock held. */
static guint32
song_for (GstMmkmRegistry * self, const gchar * what)
{
  guint64 id;
  gchar *end;
  guint i;

  id = g_ascii_strtoull (what, &end, 10);
  if (*what && *end == '\0' && id >= 1 && id <= G_MAXUINT32)
    return (guint32) id;
  for (i = 0; i < gst_value_array_get_size (&self->songs); i++) {
    const GstStructure *s =
        gst_value_get_structure (gst_value_array_get_value (&self->songs, i));
    const gchar *title = gst_structure_get_string (s, "title");
    guint sid = 0;

    if (title && (g_utf8_collate (title, what) == 0
            || g_ascii_strcasecmp (title, what) == 0)
        && gst_structure_get_uint (s, "id", &sid))
      return sid;
  }
  return 0;
}

static void
send_request (GstMmkmRegistry * self, gchar * what)
{
  guint32 song;
  guint op;

  GST_OBJECT_LOCK (self);
  song = song_for (self, what);
  GST_OBJECT_UNLOCK (self);
  if (song == 0) {
    gchar *reason = g_strdup_printf ("no song titled \"%s\" in the group's "
        "list (see the songs property)", what);

    refused (self, what, reason, 0);
    g_free (reason);
    g_free (what);
    return;
  }
  if (!(op = mmkm_client_request_song (self->client, song))) {
    refused (self, what, "not joined to the server at the moment (logging "
        "in again): ask again", 0);
    g_free (what);
    return;
  }
  g_hash_table_insert (self->requests, GUINT_TO_POINTER (op), what);
}

typedef struct
{
  GstMmkmRegistry *self;
  gchar *what;
} Request;

static void
request_free (gpointer data)
{
  Request *r = data;

  gst_object_unref (r->self);
  g_free (r->what);
  g_free (r);
}

static gboolean
request_in_thread (gpointer data)
{
  Request *r = data;
  GstMmkmRegistry *self = r->self;
  gchar *what = g_strdup (r->what);
  guint64 id;
  gchar *end;
  gboolean have_list;

  if (!self->client || self->leaving) {
    g_free (what);
    return G_SOURCE_REMOVE;
  }
  id = g_ascii_strtoull (what, &end, 10);
  GST_OBJECT_LOCK (self);
  have_list = self->have_songs;
  GST_OBJECT_UNLOCK (self);
  if ((*what && *end == '\0' && id > 0) || have_list)
    send_request (self, what);
  else if (self->waiting->len < MAX_WAITING) {
    /* a title, and no list yet: after it */
    g_ptr_array_add (self->waiting, what);
    get_songs (self);
  } else {
    refused (self, what, "too many requests waiting for the song list", 0);
    g_free (what);
  }
  mmkm_client_driver_update (self->driver, self->client);
  return G_SOURCE_REMOVE;
}

gboolean
gst_mmkm_queue_request (GstMmkmRegistry * self, const gchar * what)
{
  GSource *src;
  Request *r;
  gboolean ok;

  if (what == NULL || *what == '\0')
    return FALSE;
  g_mutex_lock (&self->lock);
  ok = self->started && self->context != NULL;
  if (ok) {
    r = g_new0 (Request, 1);
    r->self = gst_object_ref (self);
    r->what = g_strdup (what);
    src = g_idle_source_new ();
    g_source_set_callback (src, request_in_thread, r, request_free);
    g_source_attach (src, self->context);
    g_source_unref (src);
  }
  g_mutex_unlock (&self->lock);
  return ok;
}

static void
take_songs (GstMmkmRegistry * self, const MmkmApiSongList * list)
{
  GValue v = G_VALUE_INIT;
  guint i;

  g_value_init (&v, GST_TYPE_ARRAY);
  for (i = 0; i < list->n_songs; i++) {
    const MmkmApiSong *g = &list->songs[i];
    GValue item = G_VALUE_INIT;

    g_value_init (&item, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&item, gst_structure_new ("song", "id",
            G_TYPE_UINT, g->id, "title", G_TYPE_STRING,
            g->title ? g->title : "", "duration-ms", G_TYPE_UINT,
            g->duration_ms, "rate", G_TYPE_UINT, g->rate, "channels",
            G_TYPE_UINT, g->channels, NULL));
    gst_value_array_append_and_take_value (&v, &item);
  }
  GST_OBJECT_LOCK (self);
  g_value_unset (&self->songs);
  self->songs = v;
  self->have_songs = TRUE;
  GST_OBJECT_UNLOCK (self);
  gst_mmkm_post (self, "mmkm-queue", "event", G_TYPE_STRING, "songs",
      "n-songs", G_TYPE_UINT, list->n_songs, NULL);
  for (i = 0; i < self->waiting->len; i++)
    send_request (self, g_ptr_array_index (self->waiting, i));
  /* each was freed or handed on */
  g_ptr_array_set_free_func (self->waiting, NULL);
  g_ptr_array_set_size (self->waiting, 0);
  g_ptr_array_set_free_func (self->waiting, g_free);
}

static void
take_queue (GstMmkmRegistry * self, const MmkmApiQueue * q)
{
  GValue entries = G_VALUE_INIT;
  GstStructure *s, *old;
  guint i;

  g_value_init (&entries, GST_TYPE_ARRAY);
  for (i = 0; i < q->n_entries; i++) {
    GValue item = G_VALUE_INIT;

    g_value_init (&item, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&item, entry_structure (&q->entries[i]));
    gst_value_array_append_and_take_value (&entries, &item);
  }
  s = gst_structure_new ("mmkm-queue", "playing", G_TYPE_BOOLEAN,
      q->playing, NULL);
  if (q->playing) {
    GstStructure *np = entry_structure (&q->now_playing);

    gst_structure_set (s, "now-playing", GST_TYPE_STRUCTURE, np, NULL);
    gst_structure_free (np);
  }
  gst_structure_take_value (s, "entries", &entries);
  GST_OBJECT_LOCK (self);
  old = self->queue;
  self->queue = gst_structure_copy (s);
  GST_OBJECT_UNLOCK (self);
  if (old)
    gst_structure_free (old);
  /* the message: the same, plus what it is */
  gst_structure_set (s, "event", G_TYPE_STRING, "queue", NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

gboolean
gst_mmkm_queue_client_event (GstMmkmRegistry * self, const MmkmClientEvent * ev)
{
  gchar *what;

  if (!ev->op_id)
    return FALSE;
  if (ev->op_id == self->songs_op) {
    self->songs_op = 0;
    if (ev->type == MMKM_CLIENT_EVENT_SONGS)
      take_songs (self, ev->songs);
    else
      GST_WARNING_OBJECT (self, "the song list: %s", ev->message);
    return TRUE;
  }
  if (ev->op_id == self->queue_op) {
    self->queue_op = 0;
    if (ev->type == MMKM_CLIENT_EVENT_QUEUE)
      take_queue (self, ev->queue);
    else
      GST_WARNING_OBJECT (self, "the queue: %s", ev->message);
    return TRUE;
  }
  what = g_hash_table_lookup (self->requests, GUINT_TO_POINTER (ev->op_id));
  if (what == NULL)
    return FALSE;
  if (ev->type == MMKM_CLIENT_EVENT_QUEUE_ENTRY) {
    GstStructure *s = entry_structure (ev->entry);

    gst_structure_set_name (s, "mmkm-queue");
    gst_structure_set (s, "event", G_TYPE_STRING, "queued", "request",
        G_TYPE_STRING, what, NULL);
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self), s));
  } else if (ev->type == MMKM_CLIENT_EVENT_ERROR)
    refused (self, what, ev->message ? ev->message : "refused", ev->status);
  g_hash_table_remove (self->requests, GUINT_TO_POINTER (ev->op_id));
  return TRUE;
}

void
gst_mmkm_queue_reset (GstMmkmRegistry * self)
{
  self->songs_op = self->queue_op = 0;
  if (self->requests)
    g_hash_table_remove_all (self->requests);
  if (self->waiting)
    g_ptr_array_set_size (self->waiting, 0);
}

void
gst_mmkm_queue_get_songs (GstMmkmRegistry * self, GValue * value)
{
  GST_OBJECT_LOCK (self);
  g_value_copy (&self->songs, value);
  GST_OBJECT_UNLOCK (self);
}

GstStructure *
gst_mmkm_queue_get_queue (GstMmkmRegistry * self)
{
  GstStructure *s;

  GST_OBJECT_LOCK (self);
  s = self->queue ? gst_structure_copy (self->queue) : NULL;
  GST_OBJECT_UNLOCK (self);
  return s;
}
