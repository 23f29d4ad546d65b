/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkmregistry's songs and request queue: the group's song list and
 * queue kept up to date (read at login, again at each songs or queue
 * event of the server), the request-song action, and the mmkm-queue bus
 * messages. Network thread, except where said. */
#pragma once

#include "gstmmkmregistry.h"

G_BEGIN_DECLS

/* after each login */
void gst_mmkm_queue_joined (GstMmkmRegistry * self);
/* a songs or queue event of the server's events stream */
void gst_mmkm_queue_group_event (GstMmkmRegistry * self,
    const MmkmApiEvent * e);
/* an answer (or an error) of a call this module made: TRUE when it was */
gboolean gst_mmkm_queue_client_event (GstMmkmRegistry * self,
    const MmkmClientEvent * ev);
/* any thread: a song by id or title; the outcome comes as mmkm-queue
 * (queued or refused). FALSE when the element has not joined. */
gboolean gst_mmkm_queue_request (GstMmkmRegistry * self, const gchar * what);
/* the thread ends: calls under way are forgotten */
void gst_mmkm_queue_reset (GstMmkmRegistry * self);
/* any thread: the properties' values */
void gst_mmkm_queue_get_songs (GstMmkmRegistry * self, GValue * value);
GstStructure *gst_mmkm_queue_get_queue (GstMmkmRegistry * self);

G_END_DECLS
