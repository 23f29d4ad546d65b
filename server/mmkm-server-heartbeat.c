/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Heartbeat datagrams (lib/mmkm/mmkm-heartbeat.h): liveness, the ACK
 * with the current MKI and the "fetch now" flag, BYE over UDP. */
#define G_LOG_DOMAIN "mmkm-server"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>

#include "config.h"
#include "mmkm-error.h"
#include "mmkm-password.h"
#include "mmkm-server-private.h"

/* Writes the queued heartbeat times. A failed batch is dropped: the
 * times stay in memory and go out again after the store interval, and a
 * restart gives every member a full deadline anyway. */
void
hb_flush (Server * srv)
{
  GError *e = NULL;
  gint64 t0;
  guint n;

  if (srv->hb_flush_timer) {
    g_source_remove (srv->hb_flush_timer);
    srv->hb_flush_timer = 0;
  }
  n = srv->hb_pending_times ? srv->hb_pending_times->len : 0;
  if (!n)
    return;
  t0 = g_get_monotonic_time ();
  if (!mmkm_store_session_touch_many (srv->store, srv->hb_pending_ids->data,
          (const gint64 *) (gpointer) srv->hb_pending_times->data, n, NULL,
          &e)) {
    log_event (G_LOG_LEVEL_WARNING, "store-error", NULL, NULL,
        "cannot store %u heartbeat times: %s", n, e->message);
    g_clear_error (&e);
  }
  t0 = g_get_monotonic_time () - t0;
  /* heartbeats wait in the socket meanwhile: say when the store is what
   * makes them late or lost */
  if (t0 >= HB_SLOW_US)
    log_event (G_LOG_LEVEL_WARNING, "store-slow", NULL, NULL,
        "%u heartbeat times took %" G_GINT64_FORMAT " ms to store", n,
        t0 / 1000);
  g_byte_array_set_size (srv->hb_pending_ids, 0);
  g_array_set_size (srv->hb_pending_times, 0);
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
hb_one (Server * srv, const guint8 * buf, gsize len, GSocketAddress * from,
    gint64 now)
{
  guint8 sid[MMKM_SESSION_ID_LEN], out[MMKM_HB_LEN];
  MmkmHeartbeat hb, ack = { 0 };
  Session *s;
  GBytes *k;
  gint cur;

  if (!mmkm_hb_peek (buf, len, MMKM_HB_FROM_MEMBER, sid, NULL))
    return;
  k = key_bytes (sid, sizeof sid);
  s = g_hash_table_lookup (srv->by_id, k);
  g_bytes_unref (k);
  if (!s || !s->stored)
    return;
  if (!mmkm_hb_accept (&s->hb_key, s->id, MMKM_HB_FROM_MEMBER, &s->window,
          buf, len, &hb, NULL))
    return;
  s->last_heard = now;
  ack.type = MMKM_HB_ACK;
  memcpy (ack.session_id, s->id, MMKM_SESSION_ID_LEN);
  /* time-based, so that it goes on increasing after a server restart */
  s->ack_seq = MAX (s->ack_seq + 1, (guint64) now);
  ack.seq = s->ack_seq;
  ack.ntp_time = ntp_now (now);
  cur = tek_current (srv, now);
  ack.mki = cur >= 0 ? g_array_index (srv->teks, TekMeta, cur).mki : 0;
  if (tek_latest_live (srv) > s->fetched_mki)
    ack.flags = MMKM_HB_FLAG_FETCH;
  if (mmkm_hb_encode (&s->hb_key, &ack, out, NULL))
    g_socket_send_to (srv->udp, from, (const gchar *) out, sizeof out, NULL,
        NULL);
  if (hb.type == MMKM_HB_BYE) {
    session_end (srv, s, MMKM_REASON_BYE, now);
    return;
  }
  if (now - s->stored_heard >=
      (gint64) srv->cfg.heartbeat_store_interval_s * MMKM_SECOND) {
    /* queued: one transaction (one sync) per batch, not one per member */
    s->stored_heard = now;
    g_byte_array_append (srv->hb_pending_ids, s->id, MMKM_SESSION_ID_LEN);
    g_array_append_val (srv->hb_pending_times, now);
    if (!srv->hb_flush_timer)
      srv->hb_flush_timer = g_timeout_add (HB_FLUSH_MS, hb_flush_tick, srv);
  }
}

gboolean
hb_readable (GSocket * sock, GIOCondition cond, gpointer data)
{
  Server *srv = data;
  guint8 buf[MMKM_HB_LEN + 1];
  guint i;

  for (i = 0; i < HB_BATCH; i++) {
    GSocketAddress *from = NULL;
    gssize n = g_socket_receive_from (sock, &from, (gchar *) buf, sizeof buf,
        NULL, NULL);
    if (n < 0)
      break;
    hb_one (srv, buf, (gsize) n, from, g_get_real_time ());
    g_clear_object (&from);
  }
  return G_SOURCE_CONTINUE;
}
