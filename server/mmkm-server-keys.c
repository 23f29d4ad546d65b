/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The session's keys: the signed MIKEY-DH exchange that gives the KEK,
 * the TEK list wrapped under it, and BYE. */
#define G_LOG_DOMAIN "mmkm-server"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>

#include "config.h"
#include "mmkm-error.h"
#include "mmkm-password.h"
#include "mmkm-server-private.h"

void
handle_kek (Server * srv, SoupServerMessage * msg, const Request * r)
{
  Session *s = r->session;
  gint64 now = r->now;
  GBytes *data = request_body (msg, "/v1/session/kek", "application/mikey");
  g_autoptr (MmkmDevice) dev = NULL;
  MikeyCert *cert = NULL;
  GBytes *reply = NULL;
  MmkmSession row = { 0 };
  GError *e = NULL;
  gsize len;
  gconstpointer p;

  if (!data)
    return;
  if (s->stored) {
    reply_error (msg, MMKM_API_ERR_CONFLICT, "This session has its KEK.");
    goto out;
  }
  dev = mmkm_store_device_get (srv->store, s->device, &e);
  if (dev)
    cert = mikey_cert_new_from_der (g_bytes_get_data (dev->cert_der, NULL),
        g_bytes_get_size (dev->cert_der), &e);
  if (!cert) {
    reply_store_error (srv, msg, e);
    goto out;
  }
  p = g_bytes_get_data (data, &len);
  if (!mmkm_kek_server_respond (srv->identity, s->user, cert, srv->replay,
          p, len, now, &reply, s->kek, &e)) {
    g_autofree gchar *why = g_strescape (e->message, NULL);
    log_event (G_LOG_LEVEL_MESSAGE, "kek-refused", s->user, s->source,
        "DH exchange refused: %s", why);
    if (reply) {
      gsize rl;
      gconstpointer rp = g_bytes_get_data (reply, &rl);
      soup_server_message_set_status (msg, 403, NULL);
      soup_server_message_set_response (msg, "application/mikey",
          SOUP_MEMORY_COPY, rp, rl);
    } else
      reply_error (msg, MMKM_API_ERR_BAD_REQUEST, "The MIKEY message was "
          "refused: start a new exchange.");
    goto out;
  }
  if (!mmkm_hb_key_derive (s->kek, MMKM_KEK_LEN, &s->hb_key, &e)) {
    reply_error (msg, MMKM_API_ERR_SERVER_ERROR, "Key derivation failed.");
    goto out;
  }
  memcpy (row.id, s->id, MMKM_SESSION_ID_LEN);
  row.user = s->user;
  row.group_id = s->group_id;
  memcpy (row.device, s->device, MMKM_FINGERPRINT_LEN);
  row.login_us = s->login_us;
  row.heartbeat_us = now;
  row.source = s->source;
  row.has_kek = TRUE;
  memcpy (row.kek, s->kek, MMKM_KEK_LEN);
  if (!mmkm_store_session_create (srv->store, &row, &e)) {
    OPENSSL_cleanse (row.kek, sizeof row.kek);
    OPENSSL_cleanse (s->kek, sizeof s->kek);
    reply_store_error (srv, msg, e);
    goto out;
  }
  OPENSSL_cleanse (row.kek, sizeof row.kek);
  s->stored = TRUE;
  s->last_heard = s->stored_heard = now;
  s->ack_seq = (guint64) now;
  log_store (srv, s->user, s->source, MMKM_LOG_JOINED, MMKM_REASON_LOGIN, now);
  if (srv->cfg.rekey_on_join)
    s->min_mki = rekey_on_join (srv, now);
  {
    gsize rl;
    gconstpointer rp = g_bytes_get_data (reply, &rl);
    soup_server_message_set_status (msg, 200, NULL);
    soup_server_message_set_response (msg, "application/mikey",
        SOUP_MEMORY_COPY, rp, rl);
  }
out:
  g_clear_error (&e);
  if (reply)
    g_bytes_unref (reply);
  if (cert)
    mikey_cert_unref (cert);
  g_bytes_unref (data);
}

void
handle_teks (Server * srv, SoupServerMessage * msg, const Request * r)
{
  Session *s = r->session;
  gint64 now = r->now;
  MmkmApiTeks out = { 0 };
  gint64 t0 = g_get_monotonic_time ();
  gint cur = tek_current (srv, now);
  GError *e = NULL;
  guint64 n = 0;
  guint i, k;
  gint idx[MMKM_API_TEKS_MAX];

  if (!s->stored) {
    reply_error_full (msg, MMKM_API_ERR_FORBIDDEN, "Run the DH exchange "
        "first.", "no_kek", -1);
    return;
  }
  if (cur < 0) {
    reply_error (msg, MMKM_API_ERR_SERVER_ERROR, "No TEK yet.");
    return;
  }
  /* min_mki: with rekey-on-join, nothing older than the member's join */
  if (g_array_index (srv->teks, TekMeta, cur).mki >= s->min_mki)
    idx[out.n_teks++] = cur;
  for (i = cur + 1; i < srv->teks->len && out.n_teks < MMKM_API_TEKS_MAX; i++)
    if (tek_live (srv, i)
        && g_array_index (srv->teks, TekMeta, i).mki >= s->min_mki)
      idx[out.n_teks++] = i;
  if (out.n_teks == 0) {
    reply_error (msg, MMKM_API_ERR_SERVER_ERROR, "No TEK yet.");
    return;
  }
  for (k = 0; k < out.n_teks; k++) {
    const TekMeta *m = tek_material (srv, idx[k], now, &e);
    MmkmTekParams tp = { 0 };

    if (!m) {
      reply_store_error (srv, msg, e);
      goto out;
    }
    tp.kek = s->kek;
    tp.user_name = s->user;
    tp.group_id = srv->group->id;
    tp.suite = srv->suite;
    tp.tek = m->material;
    tp.tek_len = m->material_len;
    tp.mki = m->mki;
    tp.has_ssrc = srv->group->ssrc != 0;
    tp.ssrc = srv->group->ssrc;
    tp.roc = srv->group->roc;
    out.teks[k].mki = m->mki;
    out.teks[k].activation = m->activation;
    out.teks[k].expiry = k + 1 < out.n_teks ?
        g_array_index (srv->teks, TekMeta, idx[k + 1]).activation : 0;
    out.teks[k].mikey = mmkm_tek_message_build (&tp, now, &e);
    if (!out.teks[k].mikey) {
      log_event (G_LOG_LEVEL_WARNING, "tek-error", s->user, s->source,
          "cannot build a TEK message: %s", e->message);
      reply_error (msg, MMKM_API_ERR_SERVER_ERROR, "Cannot build the TEK "
          "message.");
      goto out;
    }
    ack_remember (s, m->mki, out.teks[k].mikey);
    s->fetched_mki = MAX (s->fetched_mki, m->mki);
  }
  mmkm_schedule_current (&srv->sched, now, &n);
  {
    guint32 mki = g_array_index (srv->teks, TekMeta, cur).mki;
    gint64 na = 0;
    if (mmkm_schedule_activation (&srv->sched, n + 1, &na) && out.n_teks > 1
        && g_array_index (srv->teks, TekMeta, idx[out.n_teks - 1]).activation
        >= na) {
      /* the next regular TEK is out already: the time for the one after */
      mki = g_array_index (srv->teks, TekMeta, idx[out.n_teks - 1]).mki;
      n++;
    }
    if (!mmkm_schedule_fetch_time (&srv->sched, srv->spread_key, s->id, mki,
            n, &out.next_fetch, NULL))
      out.next_fetch = now + srv->sched.period;
  }
  reply_json (msg, 200, mmkm_api_teks_to_json (&out));
  srv->metrics.tek_fetches++;
  mmkm_server_metrics_fetch_time (&srv->metrics, g_get_monotonic_time () - t0);
out:
  g_clear_error (&e);
  mmkm_api_teks_clear (&out);
}


void
handle_bye (Server * srv, SoupServerMessage * msg, const Request * r)
{
  session_end (srv, r->session, MMKM_REASON_BYE, r->now);
  soup_server_message_set_status (msg, 204, NULL);
}
