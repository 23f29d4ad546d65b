/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The local play queue: songs requested in order, then the default
 * playlist (in turn, round and round), then silence. It answers the
 * sender pipeline's "what next" question; once mmkmregistry exists the
 * server's queue answers it instead and this one serves a sender that
 * runs without a server. Safe to use from any thread. */
#ifndef MMKM_PLAY_QUEUE_H
#define MMKM_PLAY_QUEUE_H

#include "mmkm-song-library.h"

G_BEGIN_DECLS

typedef struct _MmkmPlayQueue MmkmPlayQueue;

/* @playlist: MmkmSong* played in turn when no request waits; may be NULL
 * or empty (silence then). The queue takes its own references. */
MmkmPlayQueue *mmkm_play_queue_new (GPtrArray * playlist);
void mmkm_play_queue_free (MmkmPlayQueue * queue);

void mmkm_play_queue_request (MmkmPlayQueue * queue, MmkmSong * song);
guint mmkm_play_queue_pending (MmkmPlayQueue * queue);

/* The next song to play (a new reference), or NULL for silence. */
MmkmSong *mmkm_play_queue_next (MmkmPlayQueue * queue);

G_END_DECLS
#endif /* MMKM_PLAY_QUEUE_H */
