/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "mmkm-song-library.h"

#include <string.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>

#define DISCOVER_TIMEOUT (5 * GST_SECOND)

struct _MmkmSongLibrary
{
  GPtrArray *songs;             /* MmkmSong*, sorted by file name */
};

G_DEFINE_QUARK (mmkm - song - library - error - quark, mmkm_song_library_error);

MmkmSong *
mmkm_song_ref (MmkmSong * song)
{
  g_atomic_int_inc (&song->refcount);
  return song;
}

void
mmkm_song_unref (MmkmSong * song)
{
  if (song == NULL || !g_atomic_int_dec_and_test (&song->refcount))
    return;
  g_free (song->path);
  g_free (song->title);
  g_free (song);
}

static gchar *
title_from_file_name (const gchar * path)
{
  gchar *base = g_path_get_basename (path);
  gsize len = strlen (base);

  if (len > 4 && g_ascii_strcasecmp (base + len - 4, ".wav") == 0)
    base[len - 4] = '\0';
  return base;
}

MmkmSong *
mmkm_song_discover (const gchar * path, GError ** error)
{
  GstDiscoverer *discoverer;
  GstDiscovererInfo *info = NULL;
  GList *streams = NULL;
  GstDiscovererAudioInfo *audio;
  const GstTagList *tags;
  MmkmSong *song = NULL;
  gchar *abs_path, *uri;
  gchar *title = NULL;
  GError *discover_err = NULL;

  discoverer = gst_discoverer_new (DISCOVER_TIMEOUT, error);
  if (discoverer == NULL)
    return NULL;
  abs_path = g_canonicalize_filename (path, NULL);
  uri = gst_filename_to_uri (abs_path, error);
  if (uri == NULL)
    goto done;
  /* The discoverer both returns an info and sets its error when a file
   * does not parse: take its reason into our own message. */
  info = gst_discoverer_discover_uri (discoverer, uri, &discover_err);
  if (info != NULL)
    streams = gst_discoverer_info_get_audio_streams (info);
  if (info == NULL || discover_err != NULL
      || gst_discoverer_info_get_result (info) != GST_DISCOVERER_OK
      || streams == NULL) {
    g_set_error (error, MMKM_SONG_LIBRARY_ERROR, MMKM_SONG_LIBRARY_ERROR_IO,
        "%s: not a readable audio file (%s)", abs_path,
        discover_err != NULL ? discover_err->message : "no audio stream");
    g_clear_error (&discover_err);
    goto done;
  }
  audio = GST_DISCOVERER_AUDIO_INFO (streams->data);

  song = g_new0 (MmkmSong, 1);
  song->refcount = 1;
  song->path = g_steal_pointer (&abs_path);
  song->duration_ns = gst_discoverer_info_get_duration (info);
  song->rate = gst_discoverer_audio_info_get_sample_rate (audio);
  song->channels = gst_discoverer_audio_info_get_channels (audio);
  song->depth = gst_discoverer_audio_info_get_depth (audio);
  tags = gst_discoverer_info_get_tags (info);
  if (tags != NULL && gst_tag_list_get_string (tags, GST_TAG_TITLE, &title)
      && title[0] != '\0')
    song->title = g_steal_pointer (&title);
  else
    song->title = title_from_file_name (song->path);
  g_free (title);

done:
  gst_discoverer_stream_info_list_free (streams);
  if (info != NULL)
    gst_discoverer_info_unref (info);
  g_object_unref (discoverer);
  g_free (uri);
  g_free (abs_path);
  return song;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar * const *) a, *(const gchar * const *) b);
}

MmkmSongLibrary *
mmkm_song_library_scan (const gchar * dir, GPtrArray ** skipped,
    GError ** error)
{
  MmkmSongLibrary *library;
  GPtrArray *names;
  const gchar *name;
  GDir *d;
  guint i;

  if (skipped != NULL)
    *skipped = g_ptr_array_new_with_free_func (g_free);
  d = g_dir_open (dir, 0, error);
  if (d == NULL)
    return NULL;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (d)) != NULL) {
    gsize len = strlen (name);
    if (len > 4 && g_ascii_strcasecmp (name + len - 4, ".wav") == 0)
      g_ptr_array_add (names, g_strdup (name));
  }
  g_dir_close (d);
  g_ptr_array_sort (names, compare_names);

  library = g_new0 (MmkmSongLibrary, 1);
  library->songs = g_ptr_array_new_with_free_func ((GDestroyNotify)
      mmkm_song_unref);
  for (i = 0; i < names->len; i++) {
    gchar *path = g_build_filename (dir, names->pdata[i], NULL);
    GError *err = NULL;
    MmkmSong *song = mmkm_song_discover (path, &err);

    if (song != NULL)
      g_ptr_array_add (library->songs, song);
    else if (skipped != NULL)
      g_ptr_array_add (*skipped, g_strdup (err->message));
    g_clear_error (&err);
    g_free (path);
  }
  g_ptr_array_unref (names);

  if (library->songs->len == 0) {
    g_set_error (error, MMKM_SONG_LIBRARY_ERROR,
        MMKM_SONG_LIBRARY_ERROR_EMPTY, "no playable .wav file in %s", dir);
    mmkm_song_library_free (library);
    return NULL;
  }
  return library;
}

void
mmkm_song_library_free (MmkmSongLibrary * library)
{
  if (library == NULL)
    return;
  g_ptr_array_unref (library->songs);
  g_free (library);
}

guint
mmkm_song_library_size (MmkmSongLibrary * library)
{
  return library->songs->len;
}

MmkmSong *
mmkm_song_library_get (MmkmSongLibrary * library, guint index)
{
  g_return_val_if_fail (index < library->songs->len, NULL);
  return library->songs->pdata[index];
}

MmkmSong *
mmkm_song_library_find (MmkmSongLibrary * library, const gchar * title)
{
  guint i;

  for (i = 0; i < library->songs->len; i++) {
    MmkmSong *song = library->songs->pdata[i];
    if (strcmp (song->title, title) == 0)
      return song;
  }
  for (i = 0; i < library->songs->len; i++) {
    MmkmSong *song = library->songs->pdata[i];
    if (g_utf8_collate (song->title, title) == 0
        || g_ascii_strcasecmp (song->title, title) == 0)
      return song;
  }
  for (i = 0; i < library->songs->len; i++) {
    MmkmSong *song = library->songs->pdata[i];
    gchar *base = g_path_get_basename (song->path);
    gboolean same = strcmp (base, title) == 0;
    g_free (base);
    if (same)
      return song;
  }
  return NULL;
}
