/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The heartbeat replay windows across a restart, without a store write
 * per heartbeat. The highest accepted sequence number is written with
 * the heartbeat time (every heartbeat-store-interval-s), and also as soon
 * as a sequence number reaches the stored one + STEP. So every number
 * accepted since the last write is below stored + STEP, and after a
 * restart everything up to stored + STEP - 1 is taken as seen: a replay
 * of any datagram accepted before the restart is refused. The price: a
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

void
hb_store_maybe (Server * srv, Session * s, gint64 now)
{
  GError *e = NULL;

  if (s->window.highest < s->stored_seq + hb_seq_step (srv)
      && now - s->stored_heard <
      (gint64) srv->cfg.heartbeat_store_interval_s * MMKM_SECOND)
    return;
  /* a failed write leaves stored_seq: the next heartbeat tries again
   * (and one accepted meanwhile could be replayed once after a restart) */
  if (mmkm_store_session_heartbeat (srv->store, s->id, now, s->window.highest,
          &e)) {
    s->stored_heard = now;
    s->stored_seq = s->window.highest;
  } else {
    srv->metrics.store_errors++;
    log_event (G_LOG_LEVEL_WARNING, "store-error", s->user, s->source,
        "cannot store the heartbeat time: %s", e->message);
    g_clear_error (&e);
  }
}

void
hb_window_restore (Server * srv, Session * s, guint64 stored_seq)
{
  s->stored_seq = stored_seq;
  mmkm_hb_window_init (&s->window);
  s->window.highest = stored_seq + hb_seq_step (srv) - 1;
  /* the whole window counts as seen */
  s->window.bitmap = G_MAXUINT64;
}
