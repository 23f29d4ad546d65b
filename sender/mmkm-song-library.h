/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkm-sender's song library: the WAV files of one folder, each with the
 * title, duration, rate and channels that GStreamer's discoverer reads
 * from the file itself (never from its name alone: a file that no parser
 * accepts is not a song). */
#ifndef MMKM_SONG_LIBRARY_H
#define MMKM_SONG_LIBRARY_H

#include <glib.h>

G_BEGIN_DECLS

#define MMKM_SONG_LIBRARY_ERROR (mmkm_song_library_error_quark ())
GQuark mmkm_song_library_error_quark (void);

typedef enum
{
  MMKM_SONG_LIBRARY_ERROR_IO,   /* the folder cannot be read */
  MMKM_SONG_LIBRARY_ERROR_EMPTY,        /* no playable WAV file in it */
} MmkmSongLibraryError;

typedef struct
{
  gint refcount;
  gchar *path;                  /* absolute file name */
  gchar *title;                 /* the file's title tag, else its name without .wav */
  guint64 duration_ns;
  gint rate;
  gint channels;
  gint depth;                   /* bits per sample as stored */
} MmkmSong;

MmkmSong *mmkm_song_ref (MmkmSong * song);
void mmkm_song_unref (MmkmSong * song);

/* Reads one file; NULL and @error when the discoverer finds no audio. */
MmkmSong *mmkm_song_discover (const gchar * path, GError ** error);

typedef struct _MmkmSongLibrary MmkmSongLibrary;

/* Scans @dir for *.wav (any case), sorted by file name. Files that do not
 * parse are left out, each with one line in @skipped (may be NULL). */
MmkmSongLibrary *mmkm_song_library_scan (const gchar * dir,
    GPtrArray ** skipped, GError ** error);
void mmkm_song_library_free (MmkmSongLibrary * library);

guint mmkm_song_library_size (MmkmSongLibrary * library);
MmkmSong *mmkm_song_library_get (MmkmSongLibrary * library, guint index);
/* By title (exact, then case-insensitive), or by file name; borrowed. */
MmkmSong *mmkm_song_library_find (MmkmSongLibrary * library,
    const gchar * title);

G_END_DECLS
#endif /* MMKM_SONG_LIBRARY_H */
