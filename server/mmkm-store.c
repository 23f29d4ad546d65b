/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The backend-independent half of the store: the error domain, freeing
 * the structs, argument checks, and sealing/opening secrets so that no
 * backend handles a key in the clear. */
#include "mmkm-store.h"

#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

G_DEFINE_QUARK (mmkm - store - error - quark, mmkm_store_error);

struct _MmkmStore
{
  const MmkmStoreVTable *vt;
  gpointer b;
  MmkmSeal *seal;
};

void
mmkm_user_free (MmkmUser * u)
{
  if (!u)
    return;
  g_free (u->name);
  g_free (u->password_hash);
  g_free (u);
}

void
mmkm_device_free (MmkmDevice * d)
{
  if (!d)
    return;
  g_free (d->user);
  g_clear_pointer (&d->cert_der, g_bytes_unref);
  g_free (d);
}

void
mmkm_group_free (MmkmGroup * g)
{
  if (!g)
    return;
  g_free (g->name);
  g_free (g);
}

void
mmkm_tek_free (MmkmTek * t)
{
  if (!t)
    return;
  g_clear_pointer (&t->sealed, g_bytes_unref);
  OPENSSL_cleanse (t, sizeof *t);
  g_free (t);
}

void
mmkm_log_entry_free (MmkmLogEntry * e)
{
  if (!e)
    return;
  g_free (e->user);
  g_free (e->source);
  g_free (e);
}

void
mmkm_session_free (MmkmSession * s)
{
  if (!s)
    return;
  g_free (s->user);
  g_free (s->source);
  g_clear_pointer (&s->sealed, g_bytes_unref);
  OPENSSL_cleanse (s, sizeof *s);
  g_free (s);
}

void
mmkm_song_free (MmkmSong * s)
{
  if (!s)
    return;
  g_free (s->title);
  g_free (s->file);
  g_free (s);
}

void
mmkm_request_free (MmkmRequest * r)
{
  if (!r)
    return;
  g_free (r->user);
  g_free (r->title);
  g_free (r);
}

void
mmkm_tek_ack_free (MmkmTekAck * a)
{
  if (!a)
    return;
  g_free (a->user);
  g_free (a);
}

static const gchar *const roles[] = { "listener", "sender", "admin" };

const gchar *
mmkm_role_to_string (MmkmRole role)
{
  return (guint) role < G_N_ELEMENTS (roles) ? roles[role] : "unknown";
}

gboolean
mmkm_role_from_string (const gchar * s, MmkmRole * role)
{
  guint i;

  for (i = 0; s && i < G_N_ELEMENTS (roles); i++)
    if (g_str_equal (s, roles[i])) {
      *role = (MmkmRole) i;
      return TRUE;
    }
  return FALSE;
}

const gchar *
mmkm_tek_reason_to_string (MmkmTekReason r)
{
  static const gchar *const names[] = { "schedule", "leave", "join", "admin" };

  return (guint) r < G_N_ELEMENTS (names) ? names[r] : "unknown";
}

const gchar *
mmkm_reason_to_string (MmkmReason r)
{
  static const gchar *const names[] = { "login", "bye", "timeout",
    "removed", "replaced", "refused"
  };

  return (guint) r < G_N_ELEMENTS (names) ? names[r] : "unknown";
}

MmkmStore *
mmkm_store_new (const MmkmStoreVTable * vtable, gpointer backend,
    MmkmSeal * seal)
{
  MmkmStore *s = g_new0 (MmkmStore, 1);

  s->vt = vtable;
  s->b = backend;
  s->seal = seal;
  return s;
}

void
mmkm_store_close (MmkmStore * s)
{
  if (!s)
    return;
  s->vt->close (s->b);
  mmkm_seal_free (s->seal);
  g_free (s);
}

static gboolean
invalid (GError ** err, const gchar * what)
{
  g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_INVALID, "%s", what);
  return FALSE;
}

/* Names end up in logs, URIs (mmkm:user:<name>) and JSON: keep them to
 * printable UTF-8 without separators that those would need to escape. */
static gboolean
check_name (const gchar * name, GError ** err)
{
  const gchar *p;

  if (!name || !*name || strlen (name) > 64 || !g_utf8_validate (name, -1,
          NULL))
    return invalid (err, "a name must be 1 to 64 bytes of UTF-8");
  for (p = name; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (!g_unichar_isgraph (c) || c == ':' || c == '/' || c == '"' || c == '\\')
      return invalid (err, "a name may not contain spaces, control "
          "characters, ':', '/', '\"' or '\\'");
  }
  return TRUE;
}

gboolean
mmkm_store_user_add (MmkmStore * s, const gchar * name, MmkmRole role,
    const gchar * hash, GError ** err)
{
  if (!check_name (name, err))
    return FALSE;
  if ((guint) role > MMKM_ROLE_ADMIN || !hash || !*hash)
    return invalid (err, "a user needs a role and a password hash");
  return s->vt->user_add (s->b, name, role, hash, g_get_real_time (), err);
}

MmkmUser *
mmkm_store_user_get (MmkmStore * s, const gchar * name, GError ** err)
{
  return s->vt->user_get (s->b, name, err);
}

GPtrArray *
mmkm_store_user_list (MmkmStore * s, GError ** err)
{
  return s->vt->user_list (s->b, err);
}

gboolean
mmkm_store_user_set_password (MmkmStore * s, const gchar * name,
    const gchar * hash, GError ** err)
{
  if (!hash || !*hash)
    return invalid (err, "empty password hash");
  return s->vt->user_set_password (s->b, name, hash, err);
}

gboolean
mmkm_store_user_set_role (MmkmStore * s, const gchar * name, MmkmRole role,
    GError ** err)
{
  if ((guint) role > MMKM_ROLE_ADMIN)
    return invalid (err, "unknown role");
  return s->vt->user_set_role (s->b, name, role, err);
}

gboolean
mmkm_store_user_set_disabled (MmkmStore * s, const gchar * name,
    gboolean disabled, GError ** err)
{
  return s->vt->user_set_disabled (s->b, name, disabled, err);
}

gboolean
mmkm_store_user_remove (MmkmStore * s, const gchar * name, GError ** err)
{
  return s->vt->user_remove (s->b, name, err);
}

gboolean
mmkm_store_device_enrol (MmkmStore * s, const gchar * user,
    const guint8 * fingerprint, GBytes * cert_der, GError ** err)
{
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  gsize len;
  const guint8 *der;

  if (!cert_der || !fingerprint)
    return invalid (err, "a device needs a certificate and its fingerprint");
  der = g_bytes_get_data (cert_der, &len);
  if (len == 0 || len > 64 * 1024)
    return invalid (err, "a device certificate must be 1 byte to 64 KiB");
  if (EVP_Digest (der, len, md, &md_len, EVP_sha256 (), NULL) != 1
      || md_len != MMKM_FINGERPRINT_LEN
      || CRYPTO_memcmp (md, fingerprint, MMKM_FINGERPRINT_LEN) != 0)
    return invalid (err, "the device fingerprint is not the SHA-256 of its "
        "certificate");
  return s->vt->device_enrol (s->b, user, fingerprint, cert_der,
      g_get_real_time (), err);
}

MmkmDevice *
mmkm_store_device_get (MmkmStore * s, const guint8 * fingerprint, GError ** err)
{
  return s->vt->device_get (s->b, fingerprint, err);
}

GPtrArray *
mmkm_store_device_list (MmkmStore * s, const gchar * user, GError ** err)
{
  return s->vt->device_list (s->b, user, err);
}

gboolean
mmkm_store_device_revoke (MmkmStore * s, const guint8 * fingerprint,
    GError ** err)
{
  return s->vt->device_revoke (s->b, fingerprint, g_get_real_time (), err);
}

gboolean
mmkm_store_group_create (MmkmStore * s, const MmkmGroup * g, GError ** err)
{
  if (!check_name (g->name, err))
    return FALSE;
  if (g->tek_period_us <= 0 || g->fetch_window_us <= 0
      || g->fetch_window_us > g->tek_period_us)
    return invalid (err, "a group needs a TEK period > 0 and a fetch window "
        "in (0, period]");
  return s->vt->group_create (s->b, g, err);
}

MmkmGroup *
mmkm_store_group_get (MmkmStore * s, guint32 id, GError ** err)
{
  return s->vt->group_get (s->b, id, err);
}

MmkmGroup *
mmkm_store_group_get_by_name (MmkmStore * s, const gchar * name, GError ** err)
{
  return s->vt->group_get_by_name (s->b, name, err);
}

GPtrArray *
mmkm_store_group_list (MmkmStore * s, GError ** err)
{
  return s->vt->group_list (s->b, err);
}

gboolean
mmkm_store_group_set_stream (MmkmStore * s, guint32 id, guint32 ssrc,
    guint32 roc, GError ** err)
{
  return s->vt->group_set_stream (s->b, id, ssrc, roc, err);
}

/* The row's identity, so that a sealed TEK moved to another group or MKI
 * (or given other lengths) does not open. */
static void
tek_ad (const MmkmTek * t, guint8 ad[18])
{
  memcpy (ad, "MMKM TEK", 8);
  ad[8] = t->group_id >> 24;
  ad[9] = t->group_id >> 16;
  ad[10] = t->group_id >> 8;
  ad[11] = t->group_id;
  ad[12] = t->mki >> 24;
  ad[13] = t->mki >> 16;
  ad[14] = t->mki >> 8;
  ad[15] = t->mki;
  ad[16] = (guint8) t->key_len;
  ad[17] = (guint8) t->salt_len;
}

gboolean
mmkm_store_tek_append (MmkmStore * s, const MmkmTek * t, GError ** err)
{
  MmkmTek row = *t;
  guint8 ad[18], plain[MMKM_TEK_MAX_KEY + MMKM_TEK_MAX_SALT];
  gboolean ok;

  if (t->key_len == 0 || t->key_len > MMKM_TEK_MAX_KEY
      || t->salt_len > MMKM_TEK_MAX_SALT || (guint) t->reason > MMKM_TEK_ADMIN)
    return invalid (err, "a TEK needs a key of 1 to 32 bytes, a salt of at "
        "most 14 and a known reason");
  if (row.created_us == 0)
    row.created_us = g_get_real_time ();
  tek_ad (t, ad);
  memcpy (plain, t->key, t->key_len);
  memcpy (plain + t->key_len, t->salt, t->salt_len);
  row.sealed = mmkm_seal_seal (s->seal, ad, sizeof ad, plain,
      t->key_len + t->salt_len, err);
  OPENSSL_cleanse (plain, sizeof plain);
  /* the backend sees no key bytes */
  OPENSSL_cleanse (row.key, sizeof row.key);
  OPENSSL_cleanse (row.salt, sizeof row.salt);
  if (!row.sealed)
    return FALSE;
  ok = s->vt->tek_append (s->b, &row, err);
  g_bytes_unref (row.sealed);
  return ok;
}

static gboolean
tek_open (MmkmStore * s, MmkmTek * t, GError ** err)
{
  guint8 ad[18], plain[MMKM_TEK_MAX_KEY + MMKM_TEK_MAX_SALT];
  gsize len = 0;
  gboolean ok;

  if (t->key_len == 0 || t->key_len > MMKM_TEK_MAX_KEY
      || t->salt_len > MMKM_TEK_MAX_SALT || !t->sealed) {
    g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_CORRUPT,
        "the TEK of group %u with MKI %u has impossible lengths: the row is "
        "damaged", t->group_id, t->mki);
    return FALSE;
  }
  tek_ad (t, ad);
  ok = mmkm_seal_open (s->seal, ad, sizeof ad, t->sealed, plain,
      sizeof plain, &len, err);
  if (ok && len != t->key_len + t->salt_len) {
    g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_CORRUPT,
        "the TEK of group %u with MKI %u has a wrong length: the row is "
        "damaged", t->group_id, t->mki);
    ok = FALSE;
  }
  if (ok) {
    memcpy (t->key, plain, t->key_len);
    memcpy (t->salt, plain + t->key_len, t->salt_len);
  } else if (err && *err) {
    g_prefix_error (err, "TEK of group %u, MKI %u: ", t->group_id, t->mki);
  }
  OPENSSL_cleanse (plain, sizeof plain);
  g_clear_pointer (&t->sealed, g_bytes_unref);
  return ok;
}

MmkmTek *
mmkm_store_tek_get (MmkmStore * s, guint32 group_id, MmkmTekWhich which,
    guint32 mki, gint64 now_us, GError ** err)
{
  MmkmTek *t = s->vt->tek_get (s->b, group_id, which, mki, now_us, err);

  if (t && !tek_open (s, t, err))
    g_clear_pointer (&t, mmkm_tek_free);
  return t;
}

GPtrArray *
mmkm_store_tek_list_after (MmkmStore * s, guint32 group_id,
    gboolean from_start, guint32 after_mki, guint limit, GError ** err)
{
  GPtrArray *a = s->vt->tek_list_after (s->b, group_id, from_start,
      after_mki, limit, err);
  guint i;

  for (i = 0; a && i < a->len; i++)
    if (!tek_open (s, g_ptr_array_index (a, i), err))
      g_clear_pointer (&a, g_ptr_array_unref);
  return a;
}

gboolean
mmkm_store_log_append (MmkmStore * s, const MmkmLogEntry * e, gint64 * id,
    GError ** err)
{
  if (!e->user || !g_utf8_validate (e->user, -1, NULL)
      || strlen (e->user) > 256)
    return invalid (err, "a log entry needs a user name (UTF-8, at most "
        "256 bytes)");
  if ((guint) e->event > MMKM_LOG_LEFT || (guint) e->reason >
      MMKM_REASON_REFUSED)
    return invalid (err, "unknown log event or reason");
  return s->vt->log_append (s->b, e, id, err);
}

GPtrArray *
mmkm_store_log_query (MmkmStore * s, const MmkmLogFilter * f, GError ** err)
{
  return s->vt->log_query (s->b, f, err);
}

static void
session_ad (const guint8 * id, guint8 ad[8 + MMKM_SESSION_ID_LEN])
{
  memcpy (ad, "MMKM KEK", 8);
  memcpy (ad + 8, id, MMKM_SESSION_ID_LEN);
}

gboolean
mmkm_store_session_create (MmkmStore * s, const MmkmSession * sess,
    GError ** err)
{
  MmkmSession row = *sess;
  guint8 ad[8 + MMKM_SESSION_ID_LEN];
  gboolean ok;

  OPENSSL_cleanse (row.kek, sizeof row.kek);
  row.sealed = NULL;
  if (sess->has_kek) {
    session_ad (sess->id, ad);
    row.sealed = mmkm_seal_seal (s->seal, ad, sizeof ad, sess->kek,
        MMKM_KEK_LEN, err);
    if (!row.sealed)
      return FALSE;
  }
  ok = s->vt->session_create (s->b, &row, err);
  g_clear_pointer (&row.sealed, g_bytes_unref);
  return ok;
}

MmkmSession *
mmkm_store_session_get (MmkmStore * s, const guint8 * id, GError ** err)
{
  MmkmSession *sess = s->vt->session_get (s->b, id, err);
  guint8 ad[8 + MMKM_SESSION_ID_LEN];
  gsize len = 0;

  if (!sess || !sess->sealed)
    return sess;
  session_ad (sess->id, ad);
  if (!mmkm_seal_open (s->seal, ad, sizeof ad, sess->sealed, sess->kek,
          sizeof sess->kek, &len, err) || len != MMKM_KEK_LEN) {
    if (err && !*err)
      g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_CORRUPT,
          "a session KEK has a wrong length: the row is damaged");
    mmkm_session_free (sess);
    return NULL;
  }
  sess->has_kek = TRUE;
  g_clear_pointer (&sess->sealed, g_bytes_unref);
  return sess;
}

gboolean
mmkm_store_session_touch (MmkmStore * s, const guint8 * id, gint64 now_us,
    GError ** err)
{
  return s->vt->session_touch (s->b, id, now_us, err);
}

gboolean
mmkm_store_session_heartbeat (MmkmStore * s, const guint8 * id,
    gint64 now_us, guint64 hb_seq, GError ** err)
{
  return s->vt->session_heartbeat (s->b, id, now_us, hb_seq, err);
}

gboolean
mmkm_store_session_heartbeat_many (MmkmStore * s, const guint8 * ids,
    const gint64 * times, const guint64 * hb_seqs, guint n, guint * written,
    GError ** err)
{
  guint i, w = 0;

  if (s->vt->session_heartbeat_many)
    return s->vt->session_heartbeat_many (s->b, ids, times, hb_seqs, n,
        written, err);
  for (i = 0; i < n; i++) {
    GError *e = NULL;
    if (s->vt->session_heartbeat (s->b, ids + i * MMKM_SESSION_ID_LEN,
            times[i], hb_seqs[i], &e))
      w++;
    else if (!g_error_matches (e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_NOT_FOUND)) {
      g_propagate_error (err, e);
      return FALSE;
    }
    g_clear_error (&e);
  }
  if (written)
    *written = w;
  return TRUE;
}

gboolean
mmkm_store_tek_ack (MmkmStore * s, const guint8 * session_id,
    guint32 group_id, guint32 mki, gint64 now_us, gboolean * first,
    GError ** err)
{
  gboolean dummy;

  return s->vt->tek_ack (s->b, session_id, group_id, mki, now_us,
      first ? first : &dummy, err);
}

GPtrArray *
mmkm_store_tek_ack_list (MmkmStore * s, guint32 group_id, guint32 mki,
    GError ** err)
{
  return s->vt->tek_ack_list (s->b, group_id, mki, err);
}

gboolean
mmkm_store_session_end (MmkmStore * s, const guint8 * id, gint64 now_us,
    MmkmReason reason, GError ** err)
{
  return s->vt->session_end (s->b, id, now_us, reason, err);
}

GPtrArray *
mmkm_store_session_list_live (MmkmStore * s, gboolean any_group,
    guint32 group_id, GError ** err)
{
  /* listings carry no KEKs: fetch one session to get its key */
  return s->vt->session_list_live (s->b, any_group, group_id, err);
}

gboolean
mmkm_store_song_add (MmkmStore * s, const MmkmSong * song, gint64 * id,
    GError ** err)
{
  if (!song->title || !g_utf8_validate (song->title, -1, NULL)
      || !song->file || !g_utf8_validate (song->file, -1, NULL)
      || strlen (song->title) > 1024 || strlen (song->file) > 4096)
    return invalid (err, "a song needs a title and a file name in UTF-8");
  return s->vt->song_add (s->b, song, id, err);
}

GPtrArray *
mmkm_store_song_list (MmkmStore * s, guint32 group_id, GError ** err)
{
  return s->vt->song_list (s->b, group_id, err);
}

gboolean
mmkm_store_song_remove (MmkmStore * s, gint64 id, GError ** err)
{
  return s->vt->song_remove (s->b, id, err);
}

gboolean
mmkm_store_request_enqueue (MmkmStore * s, guint32 group_id, gint64 song_id,
    const gchar * user, gint64 now_us, gint64 * id, GError ** err)
{
  return s->vt->request_enqueue (s->b, group_id, song_id, user, now_us, id,
      err);
}

GPtrArray *
mmkm_store_queue_list (MmkmStore * s, guint32 group_id, GError ** err)
{
  return s->vt->queue_list (s->b, group_id, err);
}

MmkmRequest *
mmkm_store_queue_pop (MmkmStore * s, guint32 group_id, gint64 now_us,
    GError ** err)
{
  return s->vt->queue_pop (s->b, group_id, now_us, err);
}

gboolean
mmkm_store_request_count (MmkmStore * s, const gchar * user,
    guint32 group_id, gint64 since_us, guint * count, GError ** err)
{
  return s->vt->request_count (s->b, user, group_id, since_us, count, err);
}

gboolean
mmkm_store_song_replace (MmkmStore * s, guint32 group_id,
    const MmkmSong * songs, guint n, gint64 now_us, GError ** err)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  guint i;

  for (i = 0; i < n; i++) {
    const MmkmSong *song = &songs[i];
    if (!song->title || !g_utf8_validate (song->title, -1, NULL)
        || strlen (song->title) > 1024
        || (song->file && (!g_utf8_validate (song->file, -1, NULL)
                || strlen (song->file) > 4096)))
      return invalid (err, "a song needs a title (and file name) in UTF-8");
    if (song->number == 0
        || !g_hash_table_add (seen, GUINT_TO_POINTER (song->number)))
      return invalid (err, "each song needs its own non-zero number");
  }
  return s->vt->song_replace (s->b, group_id, songs, n, now_us, err);
}

gboolean
mmkm_store_request_usage (MmkmStore * s, const gchar * user,
    guint32 group_id, gint64 since_us, guint * count, gint64 * oldest_us,
    GError ** err)
{
  return s->vt->request_usage (s->b, user, group_id, since_us, count,
      oldest_us, err);
}

gboolean
mmkm_store_now_playing_set (MmkmStore * s, guint32 group_id,
    gint64 request_id, gint64 now_us, GError ** err)
{
  if (request_id < 0)
    return invalid (err, "no such request");
  return s->vt->now_playing_set (s->b, group_id, request_id, now_us, err);
}

gboolean
mmkm_store_now_playing_get (MmkmStore * s, guint32 group_id,
    MmkmRequest ** request, gint64 * since_us, GError ** err)
{
  return s->vt->now_playing_get (s->b, group_id, request, since_us, err);
}

gboolean
mmkm_store_request_remove (MmkmStore * s, guint32 group_id, gint64 id,
    GError ** err)
{
  return s->vt->request_remove (s->b, group_id, id, err);
}
