/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Held buffers and events, see gstmikeyheld.h */
#include "gstmikeyheld.h"

void
gst_mikey_held_init (GstMikeyHeld * held)
{
  g_queue_init (&held->items);
  held->n_buffers = 0;
}

void
gst_mikey_held_push (GstMikeyHeld * held, GstMiniObject * obj)
{
  g_queue_push_tail (&held->items, obj);
  if (GST_IS_BUFFER (obj))
    held->n_buffers++;
}

GstBuffer *
gst_mikey_held_pop_buffer (GstMikeyHeld * held)
{
  GList *l;

  for (l = held->items.head; l != NULL; l = l->next) {
    if (GST_IS_BUFFER (l->data)) {
      GstBuffer *buf = l->data;

      g_queue_delete_link (&held->items, l);
      held->n_buffers--;
      return buf;
    }
  }
  return NULL;
}

GstBuffer *
gst_mikey_held_peek_buffer (GstMikeyHeld * held)
{
  GList *l;

  for (l = held->items.head; l != NULL; l = l->next) {
    if (GST_IS_BUFFER (l->data))
      return l->data;
  }
  return NULL;
}

void
gst_mikey_held_take (GstMikeyHeld * held, GQueue * out)
{
  GstMiniObject *obj;

  while ((obj = g_queue_pop_head (&held->items)) != NULL)
    g_queue_push_tail (out, obj);
  held->n_buffers = 0;
}

void
gst_mikey_held_queue_clear (GQueue * items)
{
  GstMiniObject *obj;

  while ((obj = g_queue_pop_head (items)) != NULL)
    gst_mini_object_unref (obj);
}

void
gst_mikey_held_clear (GstMikeyHeld * held)
{
  gst_mikey_held_queue_clear (&held->items);
  held->n_buffers = 0;
}
