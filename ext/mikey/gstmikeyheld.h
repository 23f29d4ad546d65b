/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Buffers (and the serialized events between them) that mikeyenc and
 * mikeydec hold back until a key is in place, in arrival order. Not
 * thread-safe: the elements guard it with their lock. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct
{
  GQueue items;                 /* GstBuffer* and GstEvent*, oldest first */
  guint n_buffers;
} GstMikeyHeld;

void gst_mikey_held_init (GstMikeyHeld * held);
/* Takes ownership of @obj (a GstBuffer or a GstEvent). */
void gst_mikey_held_push (GstMikeyHeld * held, GstMiniObject * obj);
/* Removes the oldest buffer (events stay) and returns it, or NULL. */
GstBuffer *gst_mikey_held_pop_buffer (GstMikeyHeld * held);
/* Oldest held buffer without removing it, or NULL. */
GstBuffer *gst_mikey_held_peek_buffer (GstMikeyHeld * held);
/* Moves every item to @out (an initialized GQueue), leaving @held empty. */
void gst_mikey_held_take (GstMikeyHeld * held, GQueue * out);
/* Drops every item. */
void gst_mikey_held_clear (GstMikeyHeld * held);
/* Drops every item left in a queue filled by gst_mikey_held_take(). */
void gst_mikey_held_queue_clear (GQueue * items);

static inline gboolean
gst_mikey_held_is_empty (const GstMikeyHeld * held)
{
  return held->items.length == 0;
}

G_END_DECLS
