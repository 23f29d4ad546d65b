/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Heartbeats into the store in batches: the time and sequence number of
 * every heartbeat that must be stored (mmkm-server-hb-replay.c says
 * which) wait here and are written in one transaction every HB_FLUSH_MS,
 * and at SIGTERM. With synchronous=FULL a transaction per heartbeat is
 * one disk sync each: at 100,000 members the main loop would wait for the
 * disk while the heartbeat socket overflows. An ACK whose sequence number
 * must be durable first waits here too and leaves once the batch has
 * committed, so that a restart still refuses a replay of any heartbeat
 * that was answered. */
#define G_LOG_DOMAIN "mmkm-server"

#include <string.h>

#include "config.h"
#include "mmkm-server-private.h"

typedef struct
{
  GSocketAddress *to;
  guint8 dg[MMKM_HB_LEN];
} HeldAck;

static void
held_ack_clear (gpointer p)
{
  g_clear_object (&((HeldAck *) p)->to);
}

void
hb_batch_init (Server * srv)
{
  srv->hb_pending_ids = g_byte_array_new ();
  srv->hb_pending_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  srv->hb_pending_seqs = g_array_new (FALSE, FALSE, sizeof (guint64));
  srv->hb_held_acks = g_array_new (FALSE, FALSE, sizeof (HeldAck));
  g_array_set_clear_func (srv->hb_held_acks, held_ack_clear);
}

void
hb_batch_free (Server * srv)
{
  if (srv->hb_flush_timer) {
    g_source_remove (srv->hb_flush_timer);
    srv->hb_flush_timer = 0;
  }
  g_clear_pointer (&srv->hb_pending_ids, g_byte_array_unref);
  g_clear_pointer (&srv->hb_pending_times, g_array_unref);
  g_clear_pointer (&srv->hb_pending_seqs, g_array_unref);
  g_clear_pointer (&srv->hb_held_acks, g_array_unref);
}

static gboolean
hb_flush_tick (gpointer data)
{
  Server *srv = data;

  srv->hb_flush_timer = 0;
  hb_flush (srv);
  return G_SOURCE_REMOVE;
}

static void
hb_arm (Server * srv)
{
  if (!srv->hb_flush_timer)
    srv->hb_flush_timer = g_timeout_add (HB_FLUSH_MS, hb_flush_tick, srv);
}

void
hb_queue (Server * srv, Session * s, gint64 now)
{
  guint64 seq = s->window.highest;

  g_byte_array_append (srv->hb_pending_ids, s->id, MMKM_SESSION_ID_LEN);
  g_array_append_val (srv->hb_pending_times, now);
  g_array_append_val (srv->hb_pending_seqs, seq);
  s->queued_seq = MAX (s->queued_seq, seq);
  s->stored_heard = now;
  hb_arm (srv);
}

void
hb_hold_ack (Server * srv, GSocketAddress * to, const guint8 * ack, gsize len)
{
  HeldAck h = { 0 };

  g_return_if_fail (len == MMKM_HB_LEN);
  h.to = g_object_ref (to);
  memcpy (h.dg, ack, len);
  g_array_append_val (srv->hb_held_acks, h);
  hb_arm (srv);
}

/* After the commit the sessions' stored numbers rise; after a failure
 * their next heartbeat queues again (and the ACKs still leave, as a
 * single write that fails does: the member is alive, a replay of these
 * few heartbeats after a restart is the cost). */
static void
hb_batch_done (Server * srv, gboolean ok)
{
  const guint8 *ids = srv->hb_pending_ids->data;
  guint i;

  for (i = 0; i < srv->hb_pending_seqs->len; i++) {
    GBytes *k = key_bytes (ids + i * MMKM_SESSION_ID_LEN,
        MMKM_SESSION_ID_LEN);
    Session *s = g_hash_table_lookup (srv->by_id, k);

    g_bytes_unref (k);
    if (!s)
      continue;                 /* ended meanwhile */
    if (ok) {
      s->stored_seq = MAX (s->stored_seq,
          g_array_index (srv->hb_pending_seqs, guint64, i));
    } else {
      s->queued_seq = s->stored_seq;
      s->stored_heard = 0;
    }
  }
}

void
hb_flush (Server * srv)
{
  GError *e = NULL;
  gint64 t0;
  guint n, i;
  gboolean ok = TRUE;

  if (srv->hb_flush_timer) {
    g_source_remove (srv->hb_flush_timer);
    srv->hb_flush_timer = 0;
  }
  n = srv->hb_pending_seqs ? srv->hb_pending_seqs->len : 0;
  if (n && srv->store) {
    t0 = g_get_monotonic_time ();
    ok = mmkm_store_session_heartbeat_many (srv->store,
        srv->hb_pending_ids->data,
        (const gint64 *) (gpointer) srv->hb_pending_times->data,
        (const guint64 *) (gpointer) srv->hb_pending_seqs->data, n, NULL, &e);
    if (!ok) {
      srv->metrics.store_errors++;
      log_event (G_LOG_LEVEL_WARNING, "store-error", NULL, NULL,
          "cannot store %u heartbeats: %s", n, e->message);
      g_clear_error (&e);
    }
    t0 = g_get_monotonic_time () - t0;
    /* heartbeats wait in the socket meanwhile: say when the store is what
     * makes them late or lost */
    if (t0 >= HB_SLOW_US)
      log_event (G_LOG_LEVEL_WARNING, "store-slow", NULL, NULL,
          "%u heartbeats took %" G_GINT64_FORMAT " ms to store", n, t0 / 1000);
    hb_batch_done (srv, ok);
  }
  if (n) {
    g_byte_array_set_size (srv->hb_pending_ids, 0);
    g_array_set_size (srv->hb_pending_times, 0);
    g_array_set_size (srv->hb_pending_seqs, 0);
  }
  if (!srv->hb_held_acks)
    return;
  for (i = 0; i < srv->hb_held_acks->len && srv->udp; i++) {
    HeldAck *h = &g_array_index (srv->hb_held_acks, HeldAck, i);

    g_socket_send_to (srv->udp, h->to, (const gchar *) h->dg, sizeof h->dg,
        NULL, NULL);
  }
  g_array_set_size (srv->hb_held_acks, 0);
}
