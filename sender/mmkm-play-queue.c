/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "mmkm-play-queue.h"

struct _MmkmPlayQueue
{
  GMutex lock;
  GQueue requests;              /* MmkmSong*, owned */
  GPtrArray *playlist;          /* MmkmSong*, owned */
  guint playlist_pos;
};

MmkmPlayQueue *
mmkm_play_queue_new (GPtrArray * playlist)
{
  MmkmPlayQueue *queue = g_new0 (MmkmPlayQueue, 1);
  guint i;

  g_mutex_init (&queue->lock);
  g_queue_init (&queue->requests);
  queue->playlist = g_ptr_array_new_with_free_func ((GDestroyNotify)
      mmkm_song_unref);
  for (i = 0; playlist != NULL && i < playlist->len; i++)
    g_ptr_array_add (queue->playlist, mmkm_song_ref (playlist->pdata[i]));
  return queue;
}

void
mmkm_play_queue_free (MmkmPlayQueue * queue)
{
  if (queue == NULL)
    return;
  g_queue_clear_full (&queue->requests, (GDestroyNotify) mmkm_song_unref);
  g_ptr_array_unref (queue->playlist);
  g_mutex_clear (&queue->lock);
  g_free (queue);
}

void
mmkm_play_queue_request (MmkmPlayQueue * queue, MmkmSong * song)
{
  g_mutex_lock (&queue->lock);
  g_queue_push_tail (&queue->requests, mmkm_song_ref (song));
  g_mutex_unlock (&queue->lock);
}

guint
mmkm_play_queue_pending (MmkmPlayQueue * queue)
{
  guint n;

  g_mutex_lock (&queue->lock);
  n = queue->requests.length;
  g_mutex_unlock (&queue->lock);
  return n;
}

MmkmSong *
mmkm_play_queue_next (MmkmPlayQueue * queue)
{
  MmkmSong *song;

  g_mutex_lock (&queue->lock);
  song = g_queue_pop_head (&queue->requests);
  if (song == NULL && queue->playlist->len > 0) {
    song = mmkm_song_ref (queue->playlist->pdata[queue->playlist_pos]);
    queue->playlist_pos = (queue->playlist_pos + 1) % queue->playlist->len;
  }
  g_mutex_unlock (&queue->lock);
  return song;
}
