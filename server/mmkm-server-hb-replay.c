/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The heartbeat replay windows across a restart, without a store write
 * per heartbeat. The highest accepted sequence number is written with
 * the heartbeat time (every heartbeat-store-interval-s), and also as soon
 * as a sequence number reaches the stored one + STEP; the writes go out
 * in batches (mmkm-server-hb-batch.c), and the ACK of a heartbeat at or
 * past stored + STEP waits until its batch has committed. So every number
 * answered is below the committed stored + STEP, and after a restart
 * everything up to stored + STEP - 1 is taken as seen: a replay of any
 * datagram answered before the restart is refused. The price: a
 * member's next STEP - 1 heartbeats at most may fall under that floor
 * and go unanswered, so STEP stays below the allowed misses (the
 * restored member has a full liveness deadline from the restart). */
#define G_LOG_DOMAIN "mmkm-server"

#include "config.h"
#include "mmkm-server-private.h"

/* At the default 6 allowed misses and 10 s interval: 3, a write every
 * 30 s, the same as the time-based writes, so no extra writes at the
 * nominal rate; only a member sending faster causes more. */
static guint64
hb_seq_step (const Server * srv)
{
  return CLAMP (srv->cfg.allowed_misses / 2, 1, 4);
}

gboolean
hb_store_maybe (Server * srv, Session * s, guint64 seq, gint64 now)
{
  guint64 step = hb_seq_step (srv);

  /* past what a restart would take as seen: stored before it is answered
   * (queued once, however many heartbeats wait for the same batch) */
  if (seq >= s->stored_seq + step) {
    if (s->window.highest > s->queued_seq)
      hb_queue (srv, s, now);
    return TRUE;
  }
  /* the heartbeat time, now and then; the ACK need not wait for it */
  if (now - s->stored_heard >=
      (gint64) srv->cfg.heartbeat_store_interval_s * MMKM_SECOND)
    hb_queue (srv, s, now);
  return FALSE;
}

void
hb_window_restore (Server * srv, Session * s, guint64 stored_seq)
{
  s->stored_seq = s->queued_seq = stored_seq;
  mmkm_hb_window_init (&s->window);
  s->window.highest = stored_seq + hb_seq_step (srv) - 1;
  /* the whole window counts as seen */
  s->window.bitmap = G_MAXUINT64;
}
