/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Member sessions in memory: tokens, the two indexes, ending a
 * session (store, log, forced re-key), liveness and restore after a restart. */
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
session_free (Session * s)
{
  if (!s)
    return;
  OPENSSL_cleanse (s->token, sizeof s->token);
  OPENSSL_cleanse (s->kek, sizeof s->kek);
  mmkm_hb_key_clear (&s->hb_key);
  ack_forget (s);
  g_free (s->user);
  g_free (s->source);
  g_free (s);
}

/* The session token is HMAC-SHA-256 (server secret, "MMKM token" || id):
 * as unpredictable as 32 random bytes without the secret, and the server
 * can give the same token again after a restart without storing it. */
void
session_token (Server * srv, const guint8 * id, guint8 out[32])
{
  guint8 msg[10 + MMKM_SESSION_ID_LEN];
  unsigned int len = 32;

  memcpy (msg, "MMKM token", 10);
  memcpy (msg + 10, id, MMKM_SESSION_ID_LEN);
  HMAC (EVP_sha256 (), srv->token_key, SECRET_LEN, msg, sizeof msg, out, &len);
}

void
session_add (Server * srv, Session * s)
{
  g_hash_table_insert (srv->by_token, key_bytes (s->token_hash, 32), s);
  g_hash_table_insert (srv->by_id, key_bytes (s->id, MMKM_SESSION_ID_LEN), s);
}

/* Ends @s: the store, the log, a forced re-key when it held a KEK. */
void
session_end (Server * srv, Session * s, MmkmReason reason, gint64 now)
{
  GError *e = NULL;
  gboolean had_kek = s->stored;
  GBytes *kid = key_bytes (s->id, MMKM_SESSION_ID_LEN);
  GBytes *kt = key_bytes (s->token_hash, 32);

  events_session_end (srv, s);
  if (s->stored) {
    if (!mmkm_store_session_end (srv->store, s->id, now, reason, &e)) {
      srv->metrics.store_errors++;
      log_event (G_LOG_LEVEL_WARNING, "store-error", s->user, s->source,
          "cannot end the session in the store: %s", e->message);
      g_clear_error (&e);
    }
    log_store (srv, s->user, s->source, MMKM_LOG_LEFT, reason, now);
  }
  g_hash_table_remove (srv->by_id, kid);
  /* frees @s */
  g_hash_table_remove (srv->by_token, kt);
  g_bytes_unref (kid);
  g_bytes_unref (kt);
  if (had_kek)
    forced_rekey (srv, now);
}

gboolean
liveness_tick (gpointer data)
{
  Server *srv = data;
  gint64 now = g_get_real_time ();
  gint64 interval = (gint64) srv->cfg.heartbeat_interval_ms * 1000;
  GPtrArray *dead = g_ptr_array_new ();
  GPtrArray *stale = g_ptr_array_new ();
  GHashTableIter it;
  gpointer v;
  guint i;

  g_hash_table_iter_init (&it, srv->by_token);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    Session *s = v;
    if (s->stored && !mmkm_liveness_alive (s->last_heard, interval,
            srv->cfg.allowed_misses, now))
      g_ptr_array_add (dead, s);
    else if (!s->stored && now - s->login_us >
        (gint64) srv->cfg.login_timeout_s * MMKM_SECOND)
      g_ptr_array_add (stale, s);
  }
  for (i = 0; i < dead->len; i++)
    session_end (srv, g_ptr_array_index (dead, i), MMKM_REASON_TIMEOUT, now);
  for (i = 0; i < stale->len; i++)
    session_end (srv, g_ptr_array_index (stale, i), MMKM_REASON_TIMEOUT, now);
  g_ptr_array_unref (dead);
  g_ptr_array_unref (stale);
  return G_SOURCE_CONTINUE;
}

Session *
session_find_user (Server * srv, const gchar * user, guint32 group_id)
{
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init (&it, srv->by_token);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    Session *s = v;
    if (s->group_id == group_id && g_str_equal (s->user, user))
      return s;
  }
  return NULL;
}

/* Live sessions of the store, after a restart: members go on without
 * logging in again. They get a full liveness deadline from now, since
 * nobody could reach the server while it was down. */
gboolean
sessions_restore (Server * srv, gint64 now, GError ** error)
{
  GPtrArray *live = mmkm_store_session_list_live (srv->store, TRUE, 0, error);
  guint i, n = 0;

  if (!live)
    return FALSE;
  for (i = 0; i < live->len; i++) {
    MmkmSession *row = g_ptr_array_index (live, i);
    MmkmSession *full = mmkm_store_session_get (srv->store, row->id, error);
    g_autoptr (MmkmUser) u = NULL;
    Session *s;

    if (!full) {
      g_ptr_array_unref (live);
      return FALSE;
    }
    if (!full->has_kek) {
      mmkm_session_free (full);
      continue;
    }
    s = g_new0 (Session, 1);
    memcpy (s->id, full->id, MMKM_SESSION_ID_LEN);
    session_token (srv, s->id, s->token);
    sha256 (s->token, MMKM_API_TOKEN_LEN, s->token_hash);
    s->user = g_strdup (full->user);
    u = mmkm_store_user_get (srv->store, s->user, NULL);
    s->role = u ? u->role : MMKM_ROLE_LISTENER;
    s->group_id = full->group_id;
    memcpy (s->device, full->device, MMKM_FINGERPRINT_LEN);
    s->source = g_strdup (full->source ? full->source : "");
    s->login_us = full->login_us;
    s->stored = TRUE;
    memcpy (s->kek, full->kek, MMKM_KEK_LEN);
    mmkm_session_free (full);
    if (!mmkm_hb_key_derive (s->kek, MMKM_KEK_LEN, &s->hb_key, error)) {
      session_free (s);
      g_ptr_array_unref (live);
      return FALSE;
    }
    s->last_heard = s->stored_heard = MAX (row->heartbeat_us, now);
    s->ack_seq = (guint64) now;
    hb_window_restore (srv, s, row->hb_seq);
    if (srv->cfg.rekey_on_join)
      s->min_mki = rekey_on_join_floor (srv, s->login_us);
    session_add (srv, s);
    n++;
  }
  g_ptr_array_unref (live);
  if (n)
    log_event (G_LOG_LEVEL_MESSAGE, "restore", NULL, NULL,
        "%u live sessions restored from the store", n);
  return TRUE;
}
