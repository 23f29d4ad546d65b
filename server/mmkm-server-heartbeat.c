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

static void
hb_one (Server * srv, const guint8 * buf, gsize len, GSocketAddress * from,
    gint64 now)
{
  guint8 sid[MMKM_SESSION_ID_LEN], out[MMKM_HB_LEN];
  MmkmHeartbeat hb, ack = { 0 };
  Session *s;
  GBytes *k;
  gint cur;
  gboolean hold = FALSE;

  srv->metrics.heartbeats_received++;
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
  srv->metrics.heartbeats_accepted++;
  s->last_heard = now;
  /* before the ACK: what was answered is covered across a restart (the
   * ACK waits for the store batch when its number must be stored first) */
  if (hb.type == MMKM_HB_HEARTBEAT)
    hold = hb_store_maybe (srv, s, hb.seq, now);
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
  if (mmkm_hb_encode (&s->hb_key, &ack, out, NULL)) {
    if (hold)
      hb_hold_ack (srv, from, out, sizeof out);
    else
      g_socket_send_to (srv->udp, from, (const gchar *) out, sizeof out, NULL,
          NULL);
  }
  if (hb.type == MMKM_HB_BYE) {
    session_end (srv, s, MMKM_REASON_BYE, now);
    return;
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
