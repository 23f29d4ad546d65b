/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The group's TEKs in memory: which is current, which are dead (a leave
 * came before they activated), minting on schedule and on leaves. */
#define G_LOG_DOMAIN "mmkm-server"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>

#include "config.h"
#include "mmkm-error.h"
#include "mmkm-password.h"
#include "mmkm-server-private.h"

/* A TEK is dead when a forced one (a leave) was minted before it
 * activated: the leaver may have fetched it, so it must never be used.
 * The flags are computed when the list changes (one backward pass), so
 * that a heartbeat's lookups stay cheap. */
static void
teks_mark_dead (Server * srv)
{
  gint64 first_forced = G_MAXINT64;
  gint i;

  for (i = (gint) srv->teks->len - 1; i >= 0; i--) {
    TekMeta *t = &g_array_index (srv->teks, TekMeta, i);
    t->dead = first_forced < t->activation;
    if (t->reason != MMKM_TEK_SCHEDULE)
      first_forced = MIN (first_forced, t->created);
  }
}

gboolean
tek_live (Server * srv, guint i)
{
  return !g_array_index (srv->teks, TekMeta, i).dead;
}

void
tek_meta_clear (gpointer meta)
{
  OPENSSL_cleanse (meta, sizeof (TekMeta));
}

/* TEKs never change once made (a new key gets a new MKI), so what the
 * store gave once holds until the TEK is forgotten. */
const TekMeta *
tek_material (Server * srv, guint i, gint64 now, GError ** error)
{
  TekMeta *m = &g_array_index (srv->teks, TekMeta, i);
  g_autoptr (MmkmTek) t = NULL;

  if (m->material_len)
    return m;
  t = mmkm_store_tek_get (srv->store, srv->group->id, MMKM_TEK_BY_MKI, m->mki,
      now, error);
  if (!t)
    return NULL;
  memcpy (m->material, t->key, t->key_len);
  memcpy (m->material + t->key_len, t->salt, t->salt_len);
  m->material_len = t->key_len + t->salt_len;
  return m;
}

/* index of the live TEK in use at @now (the highest MKI whose activation
 * has passed), -1 if none */
gint
tek_current (Server * srv, gint64 now)
{
  gint i;

  for (i = (gint) srv->teks->len - 1; i >= 0; i--) {
    TekMeta *t = &g_array_index (srv->teks, TekMeta, i);
    if (!t->dead && t->activation <= now)
      return i;
  }
  return -1;
}

/* Forgets the TEKs before the one in use: never served again. */
static void
teks_prune (Server * srv, gint64 now)
{
  gint cur = tek_current (srv, now);

  if (cur > 0)
    g_array_remove_range (srv->teks, 0, cur);
}

guint32
tek_latest_live (Server * srv)
{
  gint i;

  for (i = (gint) srv->teks->len - 1; i >= 0; i--)
    if (tek_live (srv, i))
      return g_array_index (srv->teks, TekMeta, i).mki;
  return 0;
}

gboolean
teks_reload (Server * srv, GError ** error)
{
  GPtrArray *a = mmkm_store_tek_list_after (srv->store, srv->group->id,
      TRUE, 0, 0, error);
  guint i;

  if (!a)
    return FALSE;
  g_array_set_size (srv->teks, 0);
  for (i = 0; i < a->len; i++) {
    MmkmTek *t = g_ptr_array_index (a, i);
    TekMeta m = { t->mki, t->activation_us, t->created_us, t->reason };
    g_array_append_val (srv->teks, m);
  }
  g_ptr_array_unref (a);
  teks_mark_dead (srv);
  return TRUE;
}

static gboolean
tek_mint (Server * srv, gint64 activation, MmkmTekReason reason, gint64 now,
    GError ** error)
{
  MmkmTek t;
  GError *e = NULL;
  guint attempt;

  for (attempt = 0; attempt < 3; attempt++) {
    memset (&t, 0, sizeof t);
    t.group_id = srv->group->id;
    t.mki = srv->teks->len ?
        g_array_index (srv->teks, TekMeta, srv->teks->len - 1).mki + 1 : 1;
    t.key_len = srv->suite->key_len;
    t.salt_len = srv->suite->salt_len;
    t.activation_us = activation;
    t.created_us = now;
    t.reason = reason;
    if (RAND_bytes (t.key, t.key_len) != 1
        || RAND_bytes (t.salt, t.salt_len) != 1) {
      g_set_error (error, MMKM_ERROR, MMKM_ERROR_CRYPTO, "no randomness");
      return FALSE;
    }
    if (mmkm_store_tek_append (srv->store, &t, &e)) {
      TekMeta m = { t.mki, activation, now, reason };
      OPENSSL_cleanse (&t, sizeof t);
      g_array_append_val (srv->teks, m);
      teks_mark_dead (srv);
      if (reason == MMKM_TEK_SCHEDULE)
        srv->metrics.rotations_scheduled++;
      else
        srv->metrics.rotations_forced++;
      log_event (G_LOG_LEVEL_MESSAGE, "tek", NULL, NULL, "TEK %08x made "
          "(%s), active at %" G_GINT64_FORMAT, m.mki,
          mmkm_tek_reason_to_string (reason), activation);
      events_publish (srv, MMKM_API_EVENT_TEK, now, NULL, NULL, m.mki,
          activation);
      return TRUE;
    }
    OPENSSL_cleanse (&t, sizeof t);
    if (!g_error_matches (e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_CONFLICT)) {
      g_propagate_error (error, e);
      return FALSE;
    }
    /* another server took that MKI: use what it made */
    g_clear_error (&e);
    if (!teks_reload (srv, error))
      return FALSE;
    if (reason == MMKM_TEK_SCHEDULE)
      return TRUE;
  }
  g_set_error (error, MMKM_STORE_ERROR, MMKM_STORE_ERROR_CONFLICT,
      "could not take a new MKI");
  return FALSE;
}

static void tek_schedule_timer (Server * srv, gint64 now);

/* Makes the TEKs the schedule asks for by @now; re-arms the timer. */
gboolean
tek_tick (gpointer data)
{
  Server *srv = data;
  gint64 now = g_get_real_time ();
  GError *e = NULL;
  guint64 n = 0;
  gint64 next_act = G_MAXINT64;
  gboolean have_next = FALSE;
  guint i;

  srv->tek_timer = 0;
  if (tek_current (srv, now) < 0
      && !tek_mint (srv, now, MMKM_TEK_SCHEDULE, now, &e))
    goto fail;
  if (srv->rekey.pending && now >= srv->rekey.activation)
    mmkm_rekey_done (&srv->rekey);
  mmkm_schedule_current (&srv->sched, now, &n);
  if (mmkm_schedule_activation (&srv->sched, n + 1, &next_act)) {
    for (i = 0; i < srv->teks->len; i++) {
      TekMeta *t = &g_array_index (srv->teks, TekMeta, i);
      if (t->activation >= next_act && tek_live (srv, i))
        have_next = TRUE;
    }
    if (!have_next && now >= next_act - srv->sched.fetch_window
        && !tek_mint (srv, next_act, MMKM_TEK_SCHEDULE, now, &e))
      goto fail;
  }
  teks_prune (srv, now);
  tek_schedule_timer (srv, now);
  return G_SOURCE_REMOVE;

fail:
  log_event (G_LOG_LEVEL_WARNING, "tek-error", NULL, NULL,
      "cannot make a TEK: %s (retrying in 1 s)", e->message);
  g_clear_error (&e);
  srv->tek_timer = g_timeout_add (1000, tek_tick, srv);
  return G_SOURCE_REMOVE;
}

static void
tek_schedule_timer (Server * srv, gint64 now)
{
  guint64 n = 0;
  gint64 act = G_MAXINT64, when;

  mmkm_schedule_current (&srv->sched, now, &n);
  if (!mmkm_schedule_activation (&srv->sched, n + 1, &act))
    act = G_MAXINT64;
  when = act - srv->sched.fetch_window;
  if (when <= now)
    when = act;
  if (srv->rekey.pending && srv->rekey.activation < when)
    when = srv->rekey.activation;
  if (srv->tek_timer)
    g_source_remove (srv->tek_timer);
  when = CLAMP (when - now, 10 * 1000, 3600 * MMKM_SECOND);
  srv->tek_timer = g_timeout_add ((guint) (when / 1000 + 1), tek_tick, srv);
}

/* A member left: a new TEK for those who remain (coalesced). */
void
forced_rekey (Server * srv, gint64 now)
{
  forced_rekey_reason (srv, now, MMKM_TEK_LEAVE);
}

/* [group] rekey-on-join: a member that just got its KEK must not get a
 * TEK that protected traffic before it joined. A forced TEK (coalesced
 * like a leave's) is made now; the member gets TEKs from it on. Returns
 * the lowest MKI the member may have: when no TEK could be made, one
 * above every TEK so far (it then waits for the next one rather than
 * getting an old one). */
guint32
rekey_on_join (Server * srv, gint64 now)
{
  guint32 before = srv->teks->len ?
      g_array_index (srv->teks, TekMeta, srv->teks->len - 1).mki : 0;

  forced_rekey_reason (srv, now, MMKM_TEK_JOIN);
  if (srv->teks->len && g_array_index (srv->teks, TekMeta,
          srv->teks->len - 1).mki > before)
    return g_array_index (srv->teks, TekMeta, srv->teks->len - 1).mki;
  return before + 1;
}

/* After a restart: the lowest MKI a session that logged in at @login_us
 * may have, by the same rule: the TEKs made since it logged in (its join
 * TEK was made at its DH exchange, after the login; MKIs are made in
 * time order). */
guint32
rekey_on_join_floor (Server * srv, gint64 login_us)
{
  guint i;

  for (i = 0; i < srv->teks->len; i++) {
    TekMeta *t = &g_array_index (srv->teks, TekMeta, i);
    if (t->created >= login_us)
      return t->mki;
  }
  return srv->teks->len ? g_array_index (srv->teks, TekMeta,
      srv->teks->len - 1).mki + 1 : 1;
}

/* The same for another cause (MMKM_TEK_ADMIN: the rotate command;
 * MMKM_TEK_JOIN: rekey-on-join). */
void
forced_rekey_reason (Server * srv, gint64 now, MmkmTekReason reason)
{
  gboolean coalesced = FALSE;
  gint64 act = mmkm_rekey_request (&srv->sched, &srv->rekey, now, &coalesced);
  GError *e = NULL;

  if (!tek_mint (srv, act, reason, now, &e)) {
    log_event (G_LOG_LEVEL_WARNING, "tek-error", NULL, NULL,
        "cannot make the forced TEK: %s", e->message);
    g_clear_error (&e);
  }
  tek_schedule_timer (srv, now);
}
