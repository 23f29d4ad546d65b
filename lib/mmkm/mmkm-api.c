/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM HTTPS API: the codec of every request and response body
 * (docs/mmkm-protocol.md, "HTTPS API"), on the strict JSON layer of
 * mmkm-api-json.c. Each from_json reads into a zeroed local struct and
 * hands it out only when every field passed, so a refusal leaves nothing
 * half-filled. */
#include <string.h>

#include <openssl/crypto.h>

#include "mmkm-api-admin.h"
#include "mmkm-api-private.h"
#include "mmkm-error.h"

#define TIME_MAX MMKM_API_INT_MAX
#define DAY_MS (G_GINT64_CONSTANT (86400000))

/* Shorthands for the field readers: @o, @ctx and @error are in scope */
#define GET_STR(name, kind, max, req, out) \
  mmkm_api_get_str (o, ctx, name, kind, max, req, out, error)
#define GET_INT(name, min, max, req, out) \
  mmkm_api_get_int (o, ctx, name, min, max, req, out, error)

static const gchar *const role_names[] = { "listener", "sender", "admin" };
static const gchar *const event_names[] =
    { "tek", "joined", "left", "queue", "songs" };

static JsonBuilder *
begin (void)
{
  JsonBuilder *b = json_builder_new_immutable ();

  json_builder_begin_object (b);
  return b;
}

static gchar *
finish (JsonBuilder * b)
{
  gchar *s;

  json_builder_end_object (b);
  s = mmkm_api_generate (b);
  g_object_unref (b);
  return s;
}

static void
add_str (JsonBuilder * b, const gchar * name, const gchar * value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value ? value : "");
}

static void
add_int (JsonBuilder * b, const gchar * name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
add_hex (JsonBuilder * b, const gchar * name, const guint8 * d, gsize len)
{
  gchar *s = mmkm_api_hex (d, len);

  add_str (b, name, s);
  g_free (s);
}

static void
mki_bytes (guint32 mki, guint8 out[4])
{
  out[0] = mki >> 24;
  out[1] = mki >> 16;
  out[2] = mki >> 8;
  out[3] = mki;
}

static guint32
mki_value (const guint8 b[4])
{
  return (guint32) b[0] << 24 | (guint32) b[1] << 16 | (guint32) b[2] << 8
      | b[3];
}

/* ---- register ---- */

gchar *
mmkm_api_register_request_to_json (const MmkmApiRegisterRequest * m)
{
  JsonBuilder *b = begin ();
  gchar *s;

  add_str (b, "user", m->user);
  add_str (b, "password", m->password);
  add_str (b, "certificate", m->certificate);
  json_builder_end_object (b);
  s = mmkm_api_generate_secret (b, "password");
  g_object_unref (b);
  return s;
}

gboolean
mmkm_api_register_request_from_json (const gchar * data, gsize len,
    MmkmApiRegisterRequest * out, GError ** error)
{
  MmkmApiDoc doc;
  MmkmApiRegisterRequest m = { 0 };
  const gchar *ctx = NULL;
  JsonObject *o;
  gboolean ok;

  if (!mmkm_api_doc_parse (&doc, data, len, MMKM_API_BODY_MAX,
          "register request", error))
    return FALSE;
  o = doc.root;
  ok = GET_STR ("user", MMKM_API_STR_NAME, MMKM_API_USER_MAX, TRUE, &m.user)
      && GET_STR ("password", MMKM_API_STR_SECRET, MMKM_API_PASSWORD_MAX,
      TRUE, &m.password)
      && GET_STR ("certificate", MMKM_API_STR_PEM, MMKM_API_CERT_PEM_MAX,
      TRUE, &m.certificate);
  mmkm_api_wipe_member (o, "password");
  mmkm_api_doc_clear (&doc);
  if (!ok) {
    mmkm_api_register_request_clear (&m);
    return FALSE;
  }
  *out = m;
  return TRUE;
}

void
mmkm_api_register_request_clear (MmkmApiRegisterRequest * m)
{
  g_free (m->user);
  mmkm_api_free_secret (m->password);
  g_free (m->certificate);
  memset (m, 0, sizeof (*m));
}

static gchar *
fingerprint_string (const guint8 fp[MMKM_API_FINGERPRINT_LEN])
{
  GString *s = g_string_sized_new (3 * MMKM_API_FINGERPRINT_LEN);
  guint i;

  for (i = 0; i < MMKM_API_FINGERPRINT_LEN; i++)
    g_string_append_printf (s, "%s%02X", i ? ":" : "", fp[i]);
  return g_string_free (s, FALSE);
}

static void
add_fingerprint (JsonBuilder * b, const gchar * name,
    const guint8 fp[MMKM_API_FINGERPRINT_LEN])
{
  gchar *s = fingerprint_string (fp);

  add_str (b, name, s);
  g_free (s);
}

gchar *
mmkm_api_register_response_to_json (const MmkmApiRegisterResponse * m)
{
  JsonBuilder *b = begin ();

  add_str (b, "user", m->user);
  add_fingerprint (b, "fingerprint", m->fingerprint);
  return finish (b);
}

gboolean
mmkm_api_register_response_from_json (const gchar * data, gsize len,
    MmkmApiRegisterResponse * out, GError ** error)
{
  MmkmApiDoc doc;
  MmkmApiRegisterResponse m = { 0 };
  const gchar *ctx = NULL;
  JsonObject *o;
  gboolean ok;

  if (!mmkm_api_doc_parse (&doc, data, len, MMKM_API_BODY_MAX,
          "register response", error))
    return FALSE;
  o = doc.root;
  ok = GET_STR ("user", MMKM_API_STR_NAME, MMKM_API_USER_MAX, TRUE, &m.user)
      && mmkm_api_get_fingerprint (o, ctx, "fingerprint", m.fingerprint, error);
  mmkm_api_doc_clear (&doc);
  if (!ok) {
    mmkm_api_register_response_clear (&m);
    return FALSE;
  }
  *out = m;
  return TRUE;
}

void
mmkm_api_register_response_clear (MmkmApiRegisterResponse * m)
{
  g_free (m->user);
  memset (m, 0, sizeof (*m));
}

/* ---- login ---- */

gchar *
mmkm_api_login_request_to_json (const MmkmApiLoginRequest * m)
{
  JsonBuilder *b = begin ();
  gchar *s;

  add_str (b, "user", m->user);
  add_str (b, "password", m->password);
  add_str (b, "group", m->group);
  add_fingerprint (b, "device", m->fingerprint);
  json_builder_end_object (b);
  s = mmkm_api_generate_secret (b, "password");
  g_object_unref (b);
  return s;
}

gboolean
mmkm_api_login_request_from_json (const gchar * data, gsize len,
    MmkmApiLoginRequest * out, GError ** error)
{
  MmkmApiDoc doc;
  MmkmApiLoginRequest m = { 0 };
  const gchar *ctx = NULL;
  JsonObject *o;
  gboolean ok;

  if (!mmkm_api_doc_parse (&doc, data, len, MMKM_API_BODY_MAX,
          "login request", error))
    return FALSE;
  o = doc.root;
  ok = GET_STR ("user", MMKM_API_STR_NAME, MMKM_API_USER_MAX, TRUE, &m.user)
      && GET_STR ("password", MMKM_API_STR_SECRET, MMKM_API_PASSWORD_MAX,
      TRUE, &m.password)
      && GET_STR ("group", MMKM_API_STR_NAME, MMKM_API_GROUP_MAX, TRUE,
      &m.group)
      && mmkm_api_get_fingerprint (o, ctx, "device", m.fingerprint, error);
  mmkm_api_wipe_member (o, "password");
  mmkm_api_doc_clear (&doc);
  if (!ok) {
    mmkm_api_login_request_clear (&m);
    return FALSE;
  }
  *out = m;
  return TRUE;
}

void
mmkm_api_login_request_clear (MmkmApiLoginRequest * m)
{
  g_free (m->user);
  mmkm_api_free_secret (m->password);
  g_free (m->group);
  memset (m, 0, sizeof (*m));
}

gchar *
mmkm_api_login_response_to_json (const MmkmApiLoginResponse * m)
{
  JsonBuilder *b = begin ();
  gchar *token = mmkm_api_token_to_string (m->token);
  gchar *s;

  add_hex (b, "session", m->session_id, MMKM_API_SESSION_ID_LEN);
  add_str (b, "token", token);
  mmkm_api_free_secret (token);
  add_int (b, "server_time_us", m->server_time);
  add_str (b, "role", role_names[m->role]);
  json_builder_set_member_name (b, "heartbeat");
  json_builder_begin_object (b);
  add_int (b, "port", m->heartbeat_port);
  add_int (b, "interval_ms", m->heartbeat_interval_ms);
  add_int (b, "allowed_misses", m->allowed_misses);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "group");
  json_builder_begin_object (b);
  add_int (b, "id", m->group_id);
  add_str (b, "name", m->group_name);
  add_str (b, "suite", m->suite);
  add_int (b, "tek_period_ms", m->tek_period_ms);
  add_int (b, "requests_per_period", m->requests_per_period);
  add_int (b, "request_period_ms", m->request_period_ms);
  json_builder_end_object (b);
  json_builder_end_object (b);
  s = mmkm_api_generate_secret (b, "token");
  g_object_unref (b);
  return s;
}

gboolean
mmkm_api_login_response_from_json (const gchar * data, gsize len,
    MmkmApiLoginResponse * out, GError ** error)
{
  MmkmApiDoc doc;
  MmkmApiLoginResponse m = { 0 };
  const gchar *ctx = NULL;
  JsonObject *o, *top;
  gchar *token = NULL;
  gint64 v[8] = { 0 };
  guint role = 0;
  gboolean ok;

  if (!mmkm_api_doc_parse (&doc, data, len, MMKM_API_BODY_MAX,
          "login response", error))
    return FALSE;
  o = top = doc.root;
  ok = mmkm_api_get_hex (o, ctx, "session", m.session_id,
      MMKM_API_SESSION_ID_LEN, error)
      && GET_STR ("token", MMKM_API_STR_WORD, 43, TRUE, &token);
  if (ok && !mmkm_api_token_parse (token, m.token, NULL)) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_BAD_REQUEST,
        "field \"token\" must be 43 characters of unpadded base64url");
    ok = FALSE;
  }
  ok = ok && GET_INT ("server_time_us", 0, TIME_MAX, TRUE, &v[0])
      && mmkm_api_get_enum (o, ctx, "role", role_names,
      G_N_ELEMENTS (role_names), &role, error);
  if (ok) {
    o = mmkm_api_get_object (top, NULL, "heartbeat", TRUE, &ok, error);
    ctx = "heartbeat";
    ok = ok && GET_INT ("port", 1, 65535, TRUE, &v[1])
        && GET_INT ("interval_ms", 100, DAY_MS, TRUE, &v[2])
        && GET_INT ("allowed_misses", 1, 1000, TRUE, &v[3]);
  }
  if (ok) {
    o = mmkm_api_get_object (top, NULL, "group", TRUE, &ok, error);
    ctx = "group";
    ok = ok && GET_INT ("id", 1, G_MAXUINT32, TRUE, &v[4])
        && GET_STR ("name", MMKM_API_STR_NAME, MMKM_API_GROUP_MAX, TRUE,
        &m.group_name)
        && GET_STR ("suite", MMKM_API_STR_WORD, 64, TRUE, &m.suite)
        && GET_INT ("tek_period_ms", 1, 366 * DAY_MS, TRUE, &v[5])
        && GET_INT ("requests_per_period", 0, 1000000, TRUE, &v[6])
        && GET_INT ("request_period_ms", 1, 366 * DAY_MS, TRUE, &v[7]);
  }
  mmkm_api_wipe_member (top, "token");
  mmkm_api_free_secret (token);
  mmkm_api_doc_clear (&doc);
  if (!ok) {
    mmkm_api_login_response_clear (&m);
    return FALSE;
  }
  m.server_time = v[0];
  m.role = role;
  m.heartbeat_port = v[1];
  m.heartbeat_interval_ms = v[2];
  m.allowed_misses = v[3];
  m.group_id = v[4];
  m.tek_period_ms = v[5];
  m.requests_per_period = v[6];
  m.request_period_ms = v[7];
  *out = m;
  return TRUE;
}

void
mmkm_api_login_response_clear (MmkmApiLoginResponse * m)
{
  g_free (m->group_name);
  g_free (m->suite);
  OPENSSL_cleanse (m->token, sizeof (m->token));
  memset (m, 0, sizeof (*m));
}

/* ---- TEKs ---- */

gchar *
mmkm_api_teks_to_json (const MmkmApiTeks * m)
{
  JsonBuilder *b = begin ();
  guint i;

  json_builder_set_member_name (b, "teks");
  json_builder_begin_array (b);
  for (i = 0; i < m->n_teks && i < MMKM_API_TEKS_MAX; i++) {
    const MmkmApiTek *t = &m->teks[i];
    guint8 mki[4];
    gchar *b64;

    mki_bytes (t->mki, mki);
    json_builder_begin_object (b);
    add_hex (b, "mki", mki, 4);
    add_int (b, "activation_us", t->activation);
    if (t->expiry != 0)
      add_int (b, "expiry_us", t->expiry);
    b64 = mmkm_api_base64_encode (t->mikey);
    add_str (b, "mikey", b64);
    g_free (b64);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  add_int (b, "next_fetch_us", m->next_fetch);
  return finish (b);
}

gboolean
mmkm_api_teks_from_json (const gchar * data, gsize len, MmkmApiTeks * out,
    GError ** error)
{
  MmkmApiDoc doc;
  MmkmApiTeks m = { 0 };
  const gchar *ctx = NULL;
  JsonObject *o;
  JsonArray *a;
  gboolean ok;
  guint i;

  if (!mmkm_api_doc_parse (&doc, data, len, MMKM_API_BODY_MAX,
          "TEK list", error))
    return FALSE;
  o = doc.root;
  ok = GET_INT ("next_fetch_us", 0, TIME_MAX, TRUE, &m.next_fetch)
      && mmkm_api_get_array (o, ctx, "teks", MMKM_API_TEKS_MAX, &a, error);
  for (i = 0; ok && i < json_array_get_length (a); i++) {
    MmkmApiTek *t = &m.teks[i];
    gchar *ectx = NULL;
    JsonObject *e = mmkm_api_element_object (a, i, NULL, "teks", &ectx,
        error);
    guint8 mki[4];

    ok = e != NULL && mmkm_api_get_hex (e, ectx, "mki", mki, 4, error)
        && mmkm_api_get_int (e, ectx, "activation_us", 0, TIME_MAX, TRUE,
        &t->activation, error)
        && mmkm_api_get_int (e, ectx, "expiry_us", 1, TIME_MAX, FALSE,
        &t->expiry, error)
        && mmkm_api_get_base64 (e, ectx, "mikey", MMKM_API_MIKEY_MAX,
        &t->mikey, error);
    if (ok)
      t->mki = mki_value (mki);
    g_free (ectx);
    m.n_teks = i + 1;
  }
  mmkm_api_doc_clear (&doc);
  if (!ok) {
    mmkm_api_teks_clear (&m);
    return FALSE;
  }
  *out = m;
  return TRUE;
}

void
mmkm_api_teks_clear (MmkmApiTeks * m)
{
  guint i;

  for (i = 0; i < MMKM_API_TEKS_MAX; i++)
    g_clear_pointer (&m->teks[i].mikey, g_bytes_unref);
  memset (m, 0, sizeof (*m));
}

/* ---- events ---- */

gchar *
mmkm_api_events_to_json (const MmkmApiEvents * m)
{
  JsonBuilder *b = begin ();
  guint i;

  json_builder_set_member_name (b, "events");
  json_builder_begin_array (b);
  for (i = 0; i < m->n_events; i++) {
    const MmkmApiEvent *e = &m->events[i];
    guint8 mki[4];

    json_builder_begin_object (b);
    add_int (b, "id", e->id);
    add_str (b, "type", event_names[e->type]);
    add_int (b, "time_us", e->time);
    switch (e->type) {
      case MMKM_API_EVENT_TEK:
        mki_bytes (e->mki, mki);
        add_hex (b, "mki", mki, 4);
        add_int (b, "activation_us", e->activation);
        break;
      case MMKM_API_EVENT_LEFT:
        if (e->reason != NULL)
          add_str (b, "reason", e->reason);
        /* fall through */
      case MMKM_API_EVENT_JOINED:
        add_str (b, "user", e->user);
        break;
      default:
        break;
    }
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  add_int (b, "last", m->last);
  if (m->gap) {
    json_builder_set_member_name (b, "gap");
    json_builder_add_boolean_value (b, TRUE);
  }
  return finish (b);
}

gboolean
mmkm_api_events_from_json (const gchar * data, gsize len,
    MmkmApiEvents * out, GError ** error)
{
  MmkmApiDoc doc;
  MmkmApiEvents m = { 0 };
  const gchar *ctx = NULL;
  JsonObject *o;
  JsonArray *a;
  gint64 last = 0;
  gboolean ok;
  guint i;

  if (!mmkm_api_doc_parse (&doc, data, len, MMKM_API_BODY_MAX,
          "event list", error))
    return FALSE;
  o = doc.root;
  ok = GET_INT ("last", 0, TIME_MAX, TRUE, &last)
      && mmkm_api_get_bool (o, ctx, "gap", &m.gap, error)
      && mmkm_api_get_array (o, ctx, "events", MMKM_API_EVENTS_MAX, &a, error);
  if (ok)
    m.events = g_new0 (MmkmApiEvent, json_array_get_length (a) + 1);
  for (i = 0; ok && i < json_array_get_length (a); i++) {
    MmkmApiEvent *ev = &m.events[i];
    gchar *ectx = NULL;
    JsonObject *e = mmkm_api_element_object (a, i, NULL, "events", &ectx,
        error);
    gint64 id = 0;
    guint type = 0;
    guint8 mki[4];

    m.n_events = i + 1;
    ok = e != NULL
        && mmkm_api_get_int (e, ectx, "id", 1, TIME_MAX, TRUE, &id, error)
        && mmkm_api_get_enum (e, ectx, "type", event_names,
        G_N_ELEMENTS (event_names), &type, error)
        && mmkm_api_get_int (e, ectx, "time_us", 0, TIME_MAX, TRUE,
        &ev->time, error);
    ev->id = id;
    ev->type = type;
    if (ok && type == MMKM_API_EVENT_TEK) {
      ok = mmkm_api_get_hex (e, ectx, "mki", mki, 4, error)
          && mmkm_api_get_int (e, ectx, "activation_us", 0, TIME_MAX, TRUE,
          &ev->activation, error);
      ev->mki = mki_value (mki);
    } else if (ok && (type == MMKM_API_EVENT_JOINED
            || type == MMKM_API_EVENT_LEFT)) {
      ok = mmkm_api_get_str (e, ectx, "user", MMKM_API_STR_NAME,
          MMKM_API_USER_MAX, TRUE, &ev->user, error)
          && (type == MMKM_API_EVENT_JOINED
          || mmkm_api_get_str (e, ectx, "reason", MMKM_API_STR_WORD, 32,
              FALSE, &ev->reason, error));
    }
    g_free (ectx);
  }
  mmkm_api_doc_clear (&doc);
  if (!ok) {
    mmkm_api_events_clear (&m);
    return FALSE;
  }
  m.last = last;
  *out = m;
  return TRUE;
}

void
mmkm_api_events_clear (MmkmApiEvents * m)
{
  guint i;

  for (i = 0; i < m->n_events; i++) {
    g_free (m->events[i].user);
    g_free (m->events[i].reason);
  }
  g_free (m->events);
  memset (m, 0, sizeof (*m));
}

/* ---- songs ---- */

gchar *
mmkm_api_song_list_to_json (const MmkmApiSongList * m)
{
  JsonBuilder *b = begin ();
  guint i;

  json_builder_set_member_name (b, "songs");
  json_builder_begin_array (b);
  for (i = 0; i < m->n_songs; i++) {
    const MmkmApiSong *s = &m->songs[i];

    json_builder_begin_object (b);
    add_int (b, "id", s->id);
    add_str (b, "title", s->title);
    add_int (b, "duration_ms", s->duration_ms);
    add_int (b, "rate", s->rate);
    add_int (b, "channels", s->channels);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  return finish (b);
}

gboolean
mmkm_api_song_list_from_json (const gchar * data, gsize len,
    MmkmApiSongList * out, GError ** error)
{
  MmkmApiDoc doc;
  MmkmApiSongList m = { 0 };
  const gchar *ctx = NULL;
  JsonObject *o;
  JsonArray *a;
  GHashTable *ids = NULL;
  gboolean ok;
  guint i;

  if (!mmkm_api_doc_parse (&doc, data, len, MMKM_API_LIST_BODY_MAX,
          "song list", error))
    return FALSE;
  o = doc.root;
  ok = mmkm_api_get_array (o, ctx, "songs", MMKM_API_SONGS_MAX, &a, error);
  if (ok) {
    m.songs = g_new0 (MmkmApiSong, json_array_get_length (a) + 1);
    ids = g_hash_table_new (NULL, NULL);
  }
  for (i = 0; ok && i < json_array_get_length (a); i++) {
    MmkmApiSong *s = &m.songs[i];
    gchar *ectx = NULL;
    JsonObject *e = mmkm_api_element_object (a, i, NULL, "songs", &ectx,
        error);
    gint64 v[4] = { 0 };

    m.n_songs = i + 1;
    ok = e != NULL
        && mmkm_api_get_int (e, ectx, "id", 1, G_MAXUINT32, TRUE, &v[0], error)
        && mmkm_api_get_str (e, ectx, "title", MMKM_API_STR_TEXT,
        MMKM_API_TITLE_MAX, TRUE, &s->title, error)
        && mmkm_api_get_int (e, ectx, "duration_ms", 0, G_MAXINT32, TRUE,
        &v[1], error)
        && mmkm_api_get_int (e, ectx, "rate", 8000, 384000, TRUE, &v[2], error)
        && mmkm_api_get_int (e, ectx, "channels", 1, 8, TRUE, &v[3], error);
    s->id = v[0];
    s->duration_ms = v[1];
    s->rate = v[2];
    s->channels = v[3];
    if (ok && !g_hash_table_add (ids, GUINT_TO_POINTER (s->id))) {
      g_set_error (error, MMKM_ERROR, MMKM_ERROR_BAD_REQUEST,
          "field \"%s.id\" repeats the id of an earlier song", ectx);
      ok = FALSE;
    }
    g_free (ectx);
  }
  if (ids != NULL)
    g_hash_table_unref (ids);
  mmkm_api_doc_clear (&doc);
  if (!ok) {
    mmkm_api_song_list_clear (&m);
    return FALSE;
  }
  *out = m;
  return TRUE;
}

void
mmkm_api_song_list_clear (MmkmApiSongList * m)
{
  guint i;

  for (i = 0; i < m->n_songs; i++)
    g_free (m->songs[i].title);
  g_free (m->songs);
  memset (m, 0, sizeof (*m));
}

gchar *
mmkm_api_song_request_to_json (const MmkmApiSongRequest * m)
{
  JsonBuilder *b = begin ();

  if (m->title != NULL)
    add_str (b, "title", m->title);
  else
    add_int (b, "song", m->song);
  return finish (b);
}

gboolean
mmkm_api_song_request_from_json (const gchar * data, gsize len,
    MmkmApiSongRequest * out, GError ** error)
{
  MmkmApiDoc doc;
  const gchar *ctx = NULL;
  JsonObject *o;
  gint64 song = 0;
  gchar *title = NULL;
  gboolean ok;

  if (!mmkm_api_doc_parse (&doc, data, len, MMKM_API_BODY_MAX,
          "song request", error))
    return FALSE;
  o = doc.root;
  ok = GET_INT ("song", 1, G_MAXUINT32, FALSE, &song)
      && mmkm_api_get_str (o, ctx, "title", MMKM_API_STR_TEXT,
      MMKM_API_TITLE_MAX, FALSE, &title, error);
  if (ok && (song == 0) == (title == NULL)) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_BAD_REQUEST,
        "the song request needs either field \"song\" or field \"title\"");
    ok = FALSE;
  }
  mmkm_api_doc_clear (&doc);
  if (!ok) {
    g_free (title);
    return FALSE;
  }
  out->song = song;
  out->title = title;
  return TRUE;
}

void
mmkm_api_song_request_clear (MmkmApiSongRequest * m)
{
  g_free (m->title);
  memset (m, 0, sizeof (*m));
}

/* ---- queue ---- */

static void
add_entry (JsonBuilder * b, const MmkmApiQueueEntry * e)
{
  json_builder_begin_object (b);
  add_int (b, "entry", e->entry);
  add_int (b, "song", e->song);
  add_str (b, "title", e->title);
  add_str (b, "requested_by", e->requested_by);
  add_int (b, "requested_at_us", e->requested_at);
  json_builder_end_object (b);
}

static gboolean
read_entry (JsonObject * o, const gchar * ctx, MmkmApiQueueEntry * e,
    GError ** error)
{
  gint64 entry = 0, song = 0;
  gboolean ok;

  ok = GET_INT ("entry", 1, MMKM_API_INT_MAX, TRUE, &entry)
      && GET_INT ("song", 1, G_MAXUINT32, TRUE, &song)
      && GET_STR ("title", MMKM_API_STR_TEXT, MMKM_API_TITLE_MAX, TRUE,
      &e->title)
      && GET_STR ("requested_by", MMKM_API_STR_NAME, MMKM_API_USER_MAX,
      TRUE, &e->requested_by)
      && GET_INT ("requested_at_us", 0, TIME_MAX, TRUE, &e->requested_at);
  e->entry = entry;
  e->song = song;
  return ok;
}

gchar *
mmkm_api_queue_entry_to_json (const MmkmApiQueueEntry * m)
{
  JsonBuilder *b = json_builder_new_immutable ();
  gchar *s;

  add_entry (b, m);
  s = mmkm_api_generate (b);
  g_object_unref (b);
  return s;
}

gboolean
mmkm_api_queue_entry_from_json (const gchar * data, gsize len,
    MmkmApiQueueEntry * out, GError ** error)
{
  MmkmApiDoc doc;
  MmkmApiQueueEntry m = { 0 };
  gboolean ok;

  if (!mmkm_api_doc_parse (&doc, data, len, MMKM_API_BODY_MAX,
          "queue entry", error))
    return FALSE;
  ok = read_entry (doc.root, NULL, &m, error);
  mmkm_api_doc_clear (&doc);
  if (!ok) {
    mmkm_api_queue_entry_clear (&m);
    return FALSE;
  }
  *out = m;
  return TRUE;
}

void
mmkm_api_queue_entry_clear (MmkmApiQueueEntry * m)
{
  g_free (m->title);
  g_free (m->requested_by);
  memset (m, 0, sizeof (*m));
}

gchar *
mmkm_api_queue_to_json (const MmkmApiQueue * m)
{
  JsonBuilder *b = begin ();
  guint i;

  json_builder_set_member_name (b, "now_playing");
  if (m->playing)
    add_entry (b, &m->now_playing);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "entries");
  json_builder_begin_array (b);
  for (i = 0; i < m->n_entries; i++)
    add_entry (b, &m->entries[i]);
  json_builder_end_array (b);
  return finish (b);
}

gboolean
mmkm_api_queue_from_json (const gchar * data, gsize len, MmkmApiQueue * out,
    GError ** error)
{
  MmkmApiDoc doc;
  MmkmApiQueue m = { 0 };
  JsonObject *o, *np;
  JsonArray *a;
  gboolean ok;
  guint i;

  if (!mmkm_api_doc_parse (&doc, data, len, MMKM_API_LIST_BODY_MAX, "queue",
          error))
    return FALSE;
  o = doc.root;
  np = mmkm_api_get_object (o, NULL, "now_playing", FALSE, &ok, error);
  if (ok && np != NULL) {
    m.playing = TRUE;
    ok = read_entry (np, "now_playing", &m.now_playing, error);
  }
  ok = ok && mmkm_api_get_array (o, NULL, "entries", MMKM_API_QUEUE_MAX, &a,
      error);
  if (ok)
    m.entries = g_new0 (MmkmApiQueueEntry, json_array_get_length (a) + 1);
  for (i = 0; ok && i < json_array_get_length (a); i++) {
    gchar *ectx = NULL;
    JsonObject *e = mmkm_api_element_object (a, i, NULL, "entries", &ectx,
        error);

    m.n_entries = i + 1;
    ok = e != NULL && read_entry (e, ectx, &m.entries[i], error);
    g_free (ectx);
  }
  mmkm_api_doc_clear (&doc);
  if (!ok) {
    mmkm_api_queue_clear (&m);
    return FALSE;
  }
  *out = m;
  return TRUE;
}

void
mmkm_api_queue_clear (MmkmApiQueue * m)
{
  guint i;

  mmkm_api_queue_entry_clear (&m->now_playing);
  for (i = 0; i < m->n_entries; i++)
    mmkm_api_queue_entry_clear (&m->entries[i]);
  g_free (m->entries);
  memset (m, 0, sizeof (*m));
}

gchar *
mmkm_api_now_playing_to_json (const MmkmApiNowPlaying * m)
{
  JsonBuilder *b = begin ();

  json_builder_set_member_name (b, "entry");
  if (m->entry != 0)
    json_builder_add_int_value (b, m->entry);
  else
    json_builder_add_null_value (b);
  return finish (b);
}

gboolean
mmkm_api_now_playing_from_json (const gchar * data, gsize len,
    MmkmApiNowPlaying * out, GError ** error)
{
  MmkmApiDoc doc;
  const gchar *ctx = NULL;
  JsonObject *o;
  gint64 entry = 0;
  gboolean ok;

  if (!mmkm_api_doc_parse (&doc, data, len, MMKM_API_BODY_MAX,
          "now-playing report", error))
    return FALSE;
  o = doc.root;
  /* null is "nothing is playing"; the member itself must be there */
  if (json_object_get_member (o, "entry") == NULL) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_BAD_REQUEST,
        "field \"entry\" is missing");
    ok = FALSE;
  } else {
    ok = GET_INT ("entry", 1, MMKM_API_INT_MAX, FALSE, &entry);
  }
  mmkm_api_doc_clear (&doc);
  if (!ok)
    return FALSE;
  out->entry = entry;
  return TRUE;
}

void
mmkm_api_now_playing_clear (MmkmApiNowPlaying * m)
{
  memset (m, 0, sizeof (*m));
}

/* ---- errors ---- */

gchar *
mmkm_api_error_to_json (const MmkmApiError * m)
{
  JsonBuilder *b = begin ();

  add_str (b, "error", mmkm_api_error_code_to_string (m->code));
  add_str (b, "message", m->message);
  if (m->reason != NULL)
    add_str (b, "reason", m->reason);
  if (m->retry_after >= 0)
    add_int (b, "retry_after", m->retry_after);
  if (m->resets_at != 0)
    add_int (b, "resets_at_us", m->resets_at);
  return finish (b);
}

gboolean
mmkm_api_error_from_json (const gchar * data, gsize len, MmkmApiError * out,
    GError ** error)
{
  MmkmApiDoc doc;
  MmkmApiError m = { 0 };
  const gchar *ctx = NULL;
  const gchar *const *names;
  JsonObject *o;
  guint n_names, code = 0;
  gboolean ok;

  if (!mmkm_api_doc_parse (&doc, data, len, MMKM_API_BODY_MAX,
          "error body", error))
    return FALSE;
  o = doc.root;
  m.retry_after = -1;
  names = mmkm_api_error_code_names (&n_names);
  ok = mmkm_api_get_enum (o, ctx, "error", names, n_names, &code, error)
      && GET_STR ("message", MMKM_API_STR_TEXT, MMKM_API_MESSAGE_MAX, TRUE,
      &m.message)
      && GET_STR ("reason", MMKM_API_STR_WORD, 32, FALSE, &m.reason)
      && GET_INT ("retry_after", 0, 366 * 86400, FALSE, &m.retry_after)
      && GET_INT ("resets_at_us", 1, TIME_MAX, FALSE, &m.resets_at);
  mmkm_api_doc_clear (&doc);
  if (!ok) {
    mmkm_api_error_clear (&m);
    return FALSE;
  }
  m.code = code;
  *out = m;
  return TRUE;
}

void
mmkm_api_error_clear (MmkmApiError * m)
{
  g_free (m->message);
  g_free (m->reason);
  memset (m, 0, sizeof (*m));
  m->retry_after = -1;
}

gchar *
mmkm_api_error_body (MmkmApiErrorCode code, const gchar * message)
{
  MmkmApiError e = { code, (gchar *) message, NULL, -1, 0 };

  return mmkm_api_error_to_json (&e);
}

/* ---- the codec table ---- */

#define CODEC_ENTRY(Type, name)                                          \
  static gboolean                                                        \
  name##_from (const gchar * data, gsize len, gpointer out,              \
      GError ** error)                                                   \
  {                                                                      \
    return mmkm_api_##name##_from_json (data, len, (Type *) out, error); \
  }                                                                      \
  static gchar *                                                         \
  name##_to (gconstpointer msg)                                          \
  {                                                                      \
    return mmkm_api_##name##_to_json ((const Type *) msg);               \
  }                                                                      \
  static void                                                            \
  name##_clr (gpointer msg)                                              \
  {                                                                      \
    mmkm_api_##name##_clear ((Type *) msg);                              \
  }

/* *INDENT-OFF* */
CODEC_ENTRY (MmkmApiRegisterRequest, register_request)
CODEC_ENTRY (MmkmApiRegisterResponse, register_response)
CODEC_ENTRY (MmkmApiLoginRequest, login_request)
CODEC_ENTRY (MmkmApiLoginResponse, login_response)
CODEC_ENTRY (MmkmApiTeks, teks)
CODEC_ENTRY (MmkmApiEvents, events)
CODEC_ENTRY (MmkmApiSongList, song_list)
CODEC_ENTRY (MmkmApiSongRequest, song_request)
CODEC_ENTRY (MmkmApiQueueEntry, queue_entry)
CODEC_ENTRY (MmkmApiQueue, queue)
CODEC_ENTRY (MmkmApiNowPlaying, now_playing)
CODEC_ENTRY (MmkmApiError, error)
CODEC_ENTRY (MmkmApiAdminRequest, admin_request)
/* *INDENT-ON* */

#define CODEC(Type, name, file) \
  { file, sizeof (Type), name##_from, name##_to, name##_clr }

static const MmkmApiCodec codecs[] = {
  CODEC (MmkmApiRegisterRequest, register_request, "register-request"),
  CODEC (MmkmApiRegisterResponse, register_response, "register-response"),
  CODEC (MmkmApiLoginRequest, login_request, "login-request"),
  CODEC (MmkmApiLoginResponse, login_response, "login-response"),
  CODEC (MmkmApiTeks, teks, "teks"),
  CODEC (MmkmApiEvents, events, "events"),
  CODEC (MmkmApiSongList, song_list, "songs"),
  CODEC (MmkmApiSongRequest, song_request, "song-request"),
  CODEC (MmkmApiQueueEntry, queue_entry, "queue-entry"),
  CODEC (MmkmApiQueue, queue, "queue"),
  CODEC (MmkmApiNowPlaying, now_playing, "now-playing"),
  CODEC (MmkmApiError, error, "error"),
  CODEC (MmkmApiAdminRequest, admin_request, "admin-request"),
};

const MmkmApiCodec *
mmkm_api_codecs (guint * n)
{
  *n = G_N_ELEMENTS (codecs);
  return codecs;
}
