/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The admin listener (docs/mmkm-server.md, "Administration" and
 * "Metrics"): a second HTTPS server with the same certificate, on
 * loopback by default, for mmkm-admin and Prometheus. Every endpoint but
 * /metrics from loopback needs the admin token of <state-dir>/admin.token
 * as a bearer token: whoever can read the state directory is the
 * operator. Removing, disabling or revoking a live member ends its
 * session like a leave (reason "removed"), with the same forced re-key. */
#define G_LOG_DOMAIN "mmkm-server"

#include <json-glib/json-glib.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "mmkm-api-admin.h"
#include "mmkm-error.h"
#include "mmkm-kek.h"
#include "mmkm-password.h"
#include "mmkm-server-private.h"

#define ADMIN_TOKEN_LEN 32
/* a user name, a role, a password of MMKM_API_PASSWORD_MAX, a fingerprint */
#define ADMIN_BODY_MAX 4096
#define ADMIN_LOG_LIMIT_MAX 10000
#define ADMIN_LOG_LIMIT_DEFAULT 100

/* ---- the token ---------------------------------------------------------- */

/* The token file holds 64 hex digits and a newline, mode 0600; made on
 * first start. Only its SHA-256 stays in memory. */
static gboolean
admin_token_load (Server * srv, GError ** error)
{
  g_autofree gchar *path = g_build_filename (srv->cfg.state_dir,
      "admin.token", NULL);
  gchar *text = NULL;
  gsize len = 0, i;
  struct stat st;

  if (g_file_test (path, G_FILE_TEST_EXISTS)) {
    if (stat (path, &st) == 0 && (st.st_mode & 077)) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM, "%s: permissions "
          "%04o are too open (chmod 600 it)", path, st.st_mode & 07777);
      return FALSE;
    }
    if (!g_file_get_contents (path, &text, &len, error))
      return FALSE;
    while (len > 0 && g_ascii_isspace (text[len - 1]))
      text[--len] = '\0';
    for (i = 0; i < len && g_ascii_isxdigit (text[i]); i++);
    if (len != 2 * ADMIN_TOKEN_LEN || i != len) {
      OPENSSL_cleanse (text, len);
      g_free (text);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not %d hex "
          "digits: damaged (remove it: a new one is made at start)", path,
          2 * ADMIN_TOKEN_LEN);
      return FALSE;
    }
  } else {
    guint8 raw[ADMIN_TOKEN_LEN];
    gboolean ok;

    if (RAND_bytes (raw, sizeof raw) != 1) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "no randomness");
      return FALSE;
    }
    text = g_malloc (2 * ADMIN_TOKEN_LEN + 2);
    for (i = 0; i < ADMIN_TOKEN_LEN; i++)
      g_snprintf (text + 2 * i, 3, "%02x", raw[i]);
    OPENSSL_cleanse (raw, sizeof raw);
    text[2 * ADMIN_TOKEN_LEN] = '\n';
    text[2 * ADMIN_TOKEN_LEN + 1] = '\0';
    ok = g_file_set_contents_full (path, text, 2 * ADMIN_TOKEN_LEN + 1,
        G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600,
        error);
    len = 2 * ADMIN_TOKEN_LEN;
    text[len] = '\0';
    if (!ok) {
      OPENSSL_cleanse (text, len);
      g_free (text);
      return FALSE;
    }
    log_event (G_LOG_LEVEL_MESSAGE, "admin", NULL, NULL, "new admin token "
        "in %s", path);
  }
  /* lower case, so that a token typed in upper case works too */
  for (i = 0; i < len; i++)
    text[i] = g_ascii_tolower (text[i]);
  sha256 ((const guint8 *) text, len, srv->admin_token_hash);
  OPENSSL_cleanse (text, len);
  g_free (text);
  return TRUE;
}

/* Constant time: the SHA-256 of what was sent against the token's. */
static gboolean
admin_token_ok (Server * srv, SoupServerMessage * msg)
{
  const char *auth = soup_message_headers_get_one
      (soup_server_message_get_request_headers (msg), "Authorization");
  gchar buf[2 * ADMIN_TOKEN_LEN];
  guint8 h[32];
  gsize len, i;
  gboolean ok;

  if (!auth || g_ascii_strncasecmp (auth, "Bearer ", 7) != 0)
    return FALSE;
  auth += 7;
  len = strlen (auth);
  if (len != sizeof buf)
    return FALSE;
  for (i = 0; i < len; i++)
    buf[i] = g_ascii_tolower (auth[i]);
  sha256 ((const guint8 *) buf, len, h);
  ok = CRYPTO_memcmp (h, srv->admin_token_hash, sizeof h) == 0;
  OPENSSL_cleanse (buf, sizeof buf);
  return ok;
}

/* ---- JSON answers -------------------------------------------------------- */

static JsonBuilder *
obj_begin (void)
{
  JsonBuilder *b = json_builder_new_immutable ();

  json_builder_begin_object (b);
  return b;
}

static void
reply_builder (SoupServerMessage * msg, guint status, JsonBuilder * b)
{
  g_autoptr (JsonGenerator) g = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  gchar *body;

  json_builder_end_object (b);
  root = json_builder_get_root (b);
  g_object_unref (b);
  json_generator_set_root (g, root);
  json_generator_set_pretty (g, TRUE);
  body = json_generator_to_data (g, NULL);
  reply_json (msg, status, g_strconcat (body, "\n", NULL));
  g_free (body);
}

static void
add_str (JsonBuilder * b, const gchar * name, const gchar * v)
{
  json_builder_set_member_name (b, name);
  if (v)
    json_builder_add_string_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder * b, const gchar * name, gint64 v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, v);
}

static void
add_bool (JsonBuilder * b, const gchar * name, gboolean v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, v);
}

static void
add_fp (JsonBuilder * b, const gchar * name, const guint8 * fp)
{
  g_autofree gchar *s = mmkm_fingerprint_to_string (fp);

  add_str (b, name, s);
}

/* ---- the routes ---------------------------------------------------------- */

/* the members of the request body a command takes, all required */
enum
{
  NEED_USER = 1 << 0,
  NEED_ROLE = 1 << 1,
  NEED_PASSWORD = 1 << 2,
  NEED_DEVICE = 1 << 3,
  NEED_ENTRY = 1 << 4,
};

typedef struct
{
  GHashTable *query;            /* may be NULL */
  const gchar *source;          /* the admin's address:port, for the logs */
  MmkmApiAdminRequest body;     /* POST commands */
  gint64 now;
} AdminRequest;

typedef void (*AdminFunc) (Server * srv, SoupServerMessage * msg,
    const AdminRequest * req);

typedef struct
{
  const gchar *method;
  const gchar *path;
  guint need;                   /* NEED_*: a JSON body with these members */
  AdminFunc handler;
} AdminRoute;

static void
admin_store_error (Server * srv, SoupServerMessage * msg, GError * e)
{
  if (g_error_matches (e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_NOT_FOUND))
    reply_error (msg, MMKM_API_ERR_NOT_FOUND, e->message);
  else if (g_error_matches (e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_EXISTS))
    reply_error (msg, MMKM_API_ERR_CONFLICT, e->message);
  else if (g_error_matches (e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_INVALID))
    reply_error (msg, MMKM_API_ERR_BAD_REQUEST, e->message);
  else
    reply_store_error (srv, msg, e);
  g_error_free (e);
}

static gboolean
match_user (Session * s, gconstpointer data)
{
  return g_str_equal (s->user, data);
}

static gboolean
match_device (Session * s, gconstpointer data)
{
  return memcmp (s->device, data, MMKM_FINGERPRINT_LEN) == 0;
}

/* Ends the sessions @match picks, each like a leave: logged "removed",
 * forced re-key (coalesced) when it held a KEK. */
static guint
end_sessions (Server * srv, gboolean (*match) (Session *, gconstpointer),
    gconstpointer data, gint64 now)
{
  GPtrArray *hit = g_ptr_array_new ();
  GHashTableIter it;
  gpointer v;
  guint i, n;

  g_hash_table_iter_init (&it, srv->by_token);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (match (v, data))
      g_ptr_array_add (hit, v);
  for (i = 0; i < hit->len; i++)
    session_end (srv, g_ptr_array_index (hit, i), MMKM_REASON_REMOVED, now);
  n = hit->len;
  srv->metrics.removals += n;
  g_ptr_array_unref (hit);
  return n;
}

static guint
members_live (Server * srv, guint * sessions)
{
  GHashTableIter it;
  gpointer v;
  guint n = 0;

  g_hash_table_iter_init (&it, srv->by_token);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (((Session *) v)->stored)
      n++;
  if (sessions)
    *sessions = g_hash_table_size (srv->by_token);
  return n;
}

static void
admin_metrics (Server * srv, SoupServerMessage * msg, const AdminRequest * r)
{
  guint sessions = 0, live = members_live (srv, &sessions);
  gint cur = tek_current (srv, r->now);
  gchar *text = mmkm_server_metrics_render (&srv->metrics, live, sessions,
      cur >= 0 ? g_array_index (srv->teks, TekMeta, cur).mki : 0);

  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "text/plain; version=0.0.4; "
      "charset=utf-8", SOUP_MEMORY_TAKE, text, strlen (text));
}

static void
admin_status (Server * srv, SoupServerMessage * msg, const AdminRequest * r)
{
  JsonBuilder *b = obj_begin ();
  gint cur = tek_current (srv, r->now);
  guint sessions = 0, live = members_live (srv, &sessions);
  guint64 n = 0;
  gint64 next = 0;

  add_str (b, "version", PACKAGE_VERSION);
  add_int (b, "started_us", srv->metrics.start_time_us);
  add_int (b, "uptime_s", (r->now - srv->metrics.start_time_us) /
      G_USEC_PER_SEC);
  add_str (b, "group", srv->group->name);
  add_int (b, "group_id", srv->group->id);
  add_str (b, "suite", srv->suite->name);
  add_int (b, "tek_period_ms", srv->group->tek_period_us / 1000);
  add_int (b, "current_mki", cur >= 0 ?
      g_array_index (srv->teks, TekMeta, cur).mki : 0);
  add_int (b, "current_activation_us", cur >= 0 ?
      g_array_index (srv->teks, TekMeta, cur).activation : 0);
  add_int (b, "latest_mki", tek_latest_live (srv));
  mmkm_schedule_current (&srv->sched, r->now, &n);
  if (!mmkm_schedule_activation (&srv->sched, n + 1, &next))
    next = 0;
  add_int (b, "next_tek_us", next);
  add_bool (b, "rekey_pending", srv->rekey.pending);
  add_int (b, "rekey_activation_us", srv->rekey.pending ?
      srv->rekey.activation : 0);
  add_int (b, "members", live);
  add_int (b, "sessions", sessions);
  reply_builder (msg, 200, b);
}

static Session *
live_session_of (Server * srv, const gchar * user)
{
  GHashTableIter it;
  gpointer v;
  Session *best = NULL;

  g_hash_table_iter_init (&it, srv->by_token);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    Session *s = v;
    if (g_str_equal (s->user, user) && (!best || (s->stored && !best->stored)))
      best = s;
  }
  return best;
}

static void
admin_users_list (Server * srv, SoupServerMessage * msg, const AdminRequest * r)
{
  GError *e = NULL;
  GPtrArray *users = mmkm_store_user_list (srv->store, &e);
  GPtrArray *devs = NULL;
  JsonBuilder *b;
  guint i, j;

  if (users)
    devs = mmkm_store_device_list (srv->store, NULL, &e);
  if (!devs) {
    g_clear_pointer (&users, g_ptr_array_unref);
    admin_store_error (srv, msg, e);
    return;
  }
  b = obj_begin ();
  json_builder_set_member_name (b, "users");
  json_builder_begin_array (b);
  for (i = 0; i < users->len; i++) {
    MmkmUser *u = g_ptr_array_index (users, i);
    Session *s = live_session_of (srv, u->name);
    guint n = 0;

    for (j = 0; j < devs->len; j++) {
      MmkmDevice *d = g_ptr_array_index (devs, j);
      if (d->revoked_us == 0 && g_str_equal (d->user, u->name))
        n++;
    }
    json_builder_begin_object (b);
    add_str (b, "name", u->name);
    add_str (b, "role", mmkm_role_to_string (u->role));
    add_bool (b, "disabled", u->disabled);
    add_int (b, "created_us", u->created_us);
    add_int (b, "devices", n);
    add_bool (b, "live", s && s->stored);
    add_str (b, "source", s ? s->source : NULL);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  g_ptr_array_unref (users);
  g_ptr_array_unref (devs);
  reply_builder (msg, 200, b);
}

static void
admin_users_add (Server * srv, SoupServerMessage * msg, const AdminRequest * r)
{
  const MmkmApiAdminRequest *q = &r->body;
  g_autofree gchar *uri = mmkm_user_id (q->user, NULL);
  gchar *hash;
  GError *e = NULL;
  gboolean ok;
  JsonBuilder *b;

  if (!uri) {
    reply_error (msg, MMKM_API_ERR_BAD_REQUEST, "This user name cannot be "
        "used (letters, digits, '.', '_' and '-').");
    return;
  }
  hash = mmkm_password_hash (&srv->cfg.password, q->password,
      strlen (q->password), &e);
  if (!hash) {
    admin_store_error (srv, msg, e);
    return;
  }
  ok = mmkm_store_user_add (srv->store, q->user, (MmkmRole) q->role, hash, &e);
  mmkm_api_free_secret (hash);
  if (!ok) {
    admin_store_error (srv, msg, e);
    return;
  }
  log_event (G_LOG_LEVEL_MESSAGE, "admin", q->user, r->source,
      "user %s added (%s)", q->user, mmkm_api_role_to_string (q->role));
  b = obj_begin ();
  add_str (b, "user", q->user);
  add_str (b, "role", mmkm_api_role_to_string (q->role));
  reply_builder (msg, 201, b);
}

static void
reply_ended (SoupServerMessage * msg, const gchar * user, guint ended)
{
  JsonBuilder *b = obj_begin ();

  add_str (b, "user", user);
  add_int (b, "sessions_ended", ended);
  reply_builder (msg, 200, b);
}

static void
admin_users_remove (Server * srv, SoupServerMessage * msg,
    const AdminRequest * r)
{
  const gchar *user = r->body.user;
  g_autoptr (MmkmUser) u = NULL;
  GError *e = NULL;
  guint ended;

  u = mmkm_store_user_get (srv->store, user, &e);
  if (!u) {
    admin_store_error (srv, msg, e);
    return;
  }
  /* first, so that the log and the re-key see the session end */
  ended = end_sessions (srv, match_user, user, r->now);
  if (!mmkm_store_user_remove (srv->store, user, &e)) {
    admin_store_error (srv, msg, e);
    return;
  }
  log_event (G_LOG_LEVEL_MESSAGE, "admin", user, r->source,
      "user %s removed (%u sessions ended)", user, ended);
  reply_ended (msg, user, ended);
}

static void
set_disabled (Server * srv, SoupServerMessage * msg, const AdminRequest * r,
    gboolean disabled)
{
  const gchar *user = r->body.user;
  GError *e = NULL;
  guint ended = 0;

  if (!mmkm_store_user_set_disabled (srv->store, user, disabled, &e)) {
    admin_store_error (srv, msg, e);
    return;
  }
  if (disabled)
    ended = end_sessions (srv, match_user, user, r->now);
  log_event (G_LOG_LEVEL_MESSAGE, "admin", user, r->source, "user %s %s "
      "(%u sessions ended)", user, disabled ? "disabled" : "enabled", ended);
  reply_ended (msg, user, ended);
}

static void
admin_users_disable (Server * srv, SoupServerMessage * msg,
    const AdminRequest * r)
{
  set_disabled (srv, msg, r, TRUE);
}

static void
admin_users_enable (Server * srv, SoupServerMessage * msg,
    const AdminRequest * r)
{
  set_disabled (srv, msg, r, FALSE);
}

static void
admin_users_passwd (Server * srv, SoupServerMessage * msg,
    const AdminRequest * r)
{
  const MmkmApiAdminRequest *q = &r->body;
  GError *e = NULL;
  gchar *hash;
  gboolean ok;

  hash = mmkm_password_hash (&srv->cfg.password, q->password,
      strlen (q->password), &e);
  if (!hash) {
    admin_store_error (srv, msg, e);
    return;
  }
  ok = mmkm_store_user_set_password (srv->store, q->user, hash, &e);
  mmkm_api_free_secret (hash);
  if (!ok) {
    admin_store_error (srv, msg, e);
    return;
  }
  log_event (G_LOG_LEVEL_MESSAGE, "admin", q->user, r->source,
      "password of %s changed", q->user);
  reply_ended (msg, q->user, 0);
}

static const gchar *
query_get (const AdminRequest * r, const gchar * name)
{
  return r->query ? g_hash_table_lookup (r->query, name) : NULL;
}

static void
admin_devices_list (Server * srv, SoupServerMessage * msg,
    const AdminRequest * r)
{
  const gchar *user = query_get (r, "user");
  GError *e = NULL;
  GPtrArray *devs = mmkm_store_device_list (srv->store,
      user && *user ? user : NULL, &e);
  JsonBuilder *b;
  guint i;

  if (!devs) {
    admin_store_error (srv, msg, e);
    return;
  }
  b = obj_begin ();
  json_builder_set_member_name (b, "devices");
  json_builder_begin_array (b);
  for (i = 0; i < devs->len; i++) {
    MmkmDevice *d = g_ptr_array_index (devs, i);
    json_builder_begin_object (b);
    add_str (b, "user", d->user);
    add_fp (b, "fingerprint", d->fingerprint);
    add_int (b, "enrolled_us", d->enrolled_us);
    add_int (b, "revoked_us", d->revoked_us);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  g_ptr_array_unref (devs);
  reply_builder (msg, 200, b);
}

static void
admin_devices_revoke (Server * srv, SoupServerMessage * msg,
    const AdminRequest * r)
{
  const guint8 *fp = r->body.device;
  g_autoptr (MmkmDevice) d = NULL;
  GError *e = NULL;
  JsonBuilder *b;
  guint ended;

  d = mmkm_store_device_get (srv->store, fp, &e);
  if (!d) {
    admin_store_error (srv, msg, e);
    return;
  }
  if (d->revoked_us == 0 && !mmkm_store_device_revoke (srv->store, fp, &e)) {
    admin_store_error (srv, msg, e);
    return;
  }
  ended = end_sessions (srv, match_device, fp, r->now);
  log_event (G_LOG_LEVEL_MESSAGE, "admin", d->user, r->source, "a device "
      "of %s revoked (%u sessions ended)", d->user, ended);
  b = obj_begin ();
  add_str (b, "user", d->user);
  add_fp (b, "fingerprint", fp);
  add_int (b, "sessions_ended", ended);
  reply_builder (msg, 200, b);
}

static gint
session_by_login (gconstpointer a, gconstpointer b)
{
  const Session *x = *(Session **) a, *y = *(Session **) b;

  return x->login_us < y->login_us ? -1 : x->login_us > y->login_us;
}

static void
admin_members (Server * srv, SoupServerMessage * msg, const AdminRequest * r)
{
  GPtrArray *all = g_ptr_array_new ();
  JsonBuilder *b = obj_begin ();
  GHashTableIter it;
  gpointer v;
  guint i;

  g_hash_table_iter_init (&it, srv->by_token);
  while (g_hash_table_iter_next (&it, NULL, &v))
    g_ptr_array_add (all, v);
  g_ptr_array_sort (all, session_by_login);
  json_builder_set_member_name (b, "members");
  json_builder_begin_array (b);
  for (i = 0; i < all->len; i++) {
    Session *s = g_ptr_array_index (all, i);
    json_builder_begin_object (b);
    add_str (b, "user", s->user);
    add_str (b, "role", mmkm_role_to_string (s->role));
    add_str (b, "source", s->source);
    add_int (b, "login_us", s->login_us);
    add_bool (b, "has_kek", s->stored);
    add_int (b, "last_heartbeat_us", s->stored ? s->last_heard : 0);
    add_int (b, "fetched_mki", s->fetched_mki);
    add_fp (b, "device", s->device);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  g_ptr_array_unref (all);
  reply_builder (msg, 200, b);
}

static gboolean
query_int (SoupServerMessage * msg, const AdminRequest * r,
    const gchar * name, gint64 min, gint64 max, gint64 * out)
{
  const gchar *v = query_get (r, name);
  guint64 n;

  if (!v)
    return TRUE;
  if (!g_ascii_string_to_unsigned (v, 10, (guint64) min, (guint64) max, &n,
          NULL)) {
    g_autofree gchar *m = g_strdup_printf ("The parameter %s must be an "
        "integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT ".", name,
        min, max);
    reply_error (msg, MMKM_API_ERR_BAD_REQUEST, m);
    return FALSE;
  }
  *out = (gint64) n;
  return TRUE;
}

static void
admin_log (Server * srv, SoupServerMessage * msg, const AdminRequest * r)
{
  const gchar *user = query_get (r, "user"), *event = query_get (r, "event");
  MmkmLogFilter f = { 0 };
  gint64 since = 0, until = 0, limit = ADMIN_LOG_LIMIT_DEFAULT;
  gint want = -1;
  GPtrArray *rows;
  GError *e = NULL;
  JsonBuilder *b;
  guint i, n = 0;

  if (!query_int (msg, r, "since", 0, G_MAXINT64, &since)
      || !query_int (msg, r, "until", 0, G_MAXINT64, &until)
      || !query_int (msg, r, "limit", 1, ADMIN_LOG_LIMIT_MAX, &limit))
    return;
  if (event) {
    if (g_str_equal (event, "joined"))
      want = MMKM_LOG_JOINED;
    else if (g_str_equal (event, "left"))
      want = MMKM_LOG_LEFT;
    else {
      reply_error (msg, MMKM_API_ERR_BAD_REQUEST, "The parameter event must "
          "be joined or left.");
      return;
    }
  }
  f.user = user && *user ? user : NULL;
  f.group_id = srv->group->id;
  f.since_us = since;
  f.until_us = until;
  /* the store has no event filter: taken here, from a bounded read */
  f.limit = want < 0 ? (guint) limit : ADMIN_LOG_LIMIT_MAX;
  rows = mmkm_store_log_query (srv->store, &f, &e);
  if (!rows) {
    admin_store_error (srv, msg, e);
    return;
  }
  b = obj_begin ();
  json_builder_set_member_name (b, "entries");
  json_builder_begin_array (b);
  for (i = 0; i < rows->len && n < limit; i++) {
    MmkmLogEntry *le = g_ptr_array_index (rows, i);
    if (want >= 0 && (gint) le->event != want)
      continue;
    json_builder_begin_object (b);
    add_int (b, "time_us", le->time_us);
    add_str (b, "user", le->user);
    add_str (b, "event", le->event == MMKM_LOG_JOINED ? "joined" : "left");
    add_str (b, "reason", mmkm_reason_to_string (le->reason));
    add_str (b, "source", le->source);
    json_builder_end_object (b);
    n++;
  }
  json_builder_end_array (b);
  g_ptr_array_unref (rows);
  reply_builder (msg, 200, b);
}

static void
admin_songs (Server * srv, SoupServerMessage * msg, const AdminRequest * r)
{
  GError *e = NULL;
  GPtrArray *songs = mmkm_store_song_list (srv->store, srv->group->id, &e);
  JsonBuilder *b;
  guint i;

  if (!songs) {
    admin_store_error (srv, msg, e);
    return;
  }
  b = obj_begin ();
  json_builder_set_member_name (b, "songs");
  json_builder_begin_array (b);
  for (i = 0; i < songs->len; i++) {
    MmkmSong *s = g_ptr_array_index (songs, i);
    json_builder_begin_object (b);
    add_int (b, "id", s->id);
    add_str (b, "title", s->title);
    add_int (b, "duration_ms", s->duration_us / 1000);
    add_int (b, "rate", s->rate);
    add_int (b, "channels", s->channels);
    add_str (b, "file", s->file);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  g_ptr_array_unref (songs);
  reply_builder (msg, 200, b);
}

static void
admin_queue (Server * srv, SoupServerMessage * msg, const AdminRequest * r)
{
  GError *e = NULL;
  GPtrArray *q = mmkm_store_queue_list (srv->store, srv->group->id, &e);
  JsonBuilder *b;
  guint i;

  if (!q) {
    admin_store_error (srv, msg, e);
    return;
  }
  b = obj_begin ();
  json_builder_set_member_name (b, "queue");
  json_builder_begin_array (b);
  for (i = 0; i < q->len; i++) {
    MmkmRequest *x = g_ptr_array_index (q, i);
    json_builder_begin_object (b);
    add_int (b, "id", x->id);
    add_int (b, "song", x->song_id);
    add_str (b, "user", x->user);
    add_int (b, "requested_us", x->requested_us);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  g_ptr_array_unref (q);
  reply_builder (msg, 200, b);
}

static void
admin_queue_remove (Server * srv, SoupServerMessage * msg,
    const AdminRequest * r)
{
  GError *e = NULL;
  JsonBuilder *b;

  if (!mmkm_store_request_remove (srv->store, srv->group->id, r->body.entry,
          &e)) {
    admin_store_error (srv, msg, e);
    return;
  }
  log_event (G_LOG_LEVEL_MESSAGE, "admin", NULL, r->source, "queue entry %"
      G_GINT64_FORMAT " removed", r->body.entry);
  b = obj_begin ();
  add_int (b, "entry", r->body.entry);
  reply_builder (msg, 200, b);
}

static void
admin_rotate (Server * srv, SoupServerMessage * msg, const AdminRequest * r)
{
  JsonBuilder *b;
  guint32 before = tek_latest_live (srv), after;
  guint i;
  gint64 act = 0;

  forced_rekey_reason (srv, r->now, MMKM_TEK_ADMIN);
  after = tek_latest_live (srv);
  if (after == before) {
    reply_error (msg, MMKM_API_ERR_SERVER_ERROR, "No TEK could be made "
        "(see the server's log).");
    return;
  }
  for (i = 0; i < srv->teks->len; i++)
    if (g_array_index (srv->teks, TekMeta, i).mki == after)
      act = g_array_index (srv->teks, TekMeta, i).activation;
  log_event (G_LOG_LEVEL_MESSAGE, "admin", NULL, r->source, "rotation "
      "forced: TEK %08x", after);
  b = obj_begin ();
  add_int (b, "mki", after);
  add_int (b, "activation_us", act);
  reply_builder (msg, 200, b);
}

/* *INDENT-OFF* */
static const AdminRoute admin_routes[] = {
  {"GET", "/metrics", 0, admin_metrics},
  {"GET", "/admin/v1/status", 0, admin_status},
  {"GET", "/admin/v1/users", 0, admin_users_list},
  {"POST", "/admin/v1/users/add", NEED_USER | NEED_ROLE | NEED_PASSWORD,
    admin_users_add},
  {"POST", "/admin/v1/users/remove", NEED_USER, admin_users_remove},
  {"POST", "/admin/v1/users/disable", NEED_USER, admin_users_disable},
  {"POST", "/admin/v1/users/enable", NEED_USER, admin_users_enable},
  {"POST", "/admin/v1/users/passwd", NEED_USER | NEED_PASSWORD,
    admin_users_passwd},
  {"GET", "/admin/v1/devices", 0, admin_devices_list},
  {"POST", "/admin/v1/devices/revoke", NEED_DEVICE, admin_devices_revoke},
  {"GET", "/admin/v1/members", 0, admin_members},
  {"GET", "/admin/v1/log", 0, admin_log},
  {"GET", "/admin/v1/songs", 0, admin_songs},
  {"GET", "/admin/v1/queue", 0, admin_queue},
  {"POST", "/admin/v1/queue/remove", NEED_ENTRY, admin_queue_remove},
  {"POST", "/admin/v1/rotate", 0, admin_rotate},
};
/* *INDENT-ON* */

static const AdminRoute *
admin_route (const gchar * path, const gchar * method, gboolean * path_known)
{
  guint i;

  *path_known = FALSE;
  for (i = 0; i < G_N_ELEMENTS (admin_routes); i++)
    if (g_str_equal (admin_routes[i].path, path)) {
      *path_known = TRUE;
      if (!method || g_str_equal (admin_routes[i].method, method))
        return &admin_routes[i];
    }
  return NULL;
}

/* A body only where a command takes one, at most ADMIN_BODY_MAX, refused
 * from its headers before it is read (as on the public listener). */
static void
admin_early (SoupServer * server, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer data)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  SoupEncoding enc = soup_message_headers_get_encoding (h);
  gboolean known;
  const AdminRoute *r = admin_route (path, NULL, &known);
  goffset max = r && r->need ? ADMIN_BODY_MAX : 0;
  const gchar *why = NULL;

  if (enc == SOUP_ENCODING_CHUNKED || enc == SOUP_ENCODING_EOF)
    why = "A request body needs a Content-Length header.";
  else if (enc == SOUP_ENCODING_CONTENT_LENGTH
      && soup_message_headers_get_content_length (h) > max)
    why = "The request body is too large.";
  if (why) {
    reply_error (msg, MMKM_API_ERR_PAYLOAD_TOO_LARGE, why);
    soup_message_body_set_accumulate (soup_server_message_get_request_body
        (msg), FALSE);
    soup_message_headers_replace (soup_server_message_get_response_headers
        (msg), "Connection", "close");
  }
}

static gboolean
body_is_json (SoupServerMessage * msg)
{
  GHashTable *params = NULL;
  const char *ct = soup_message_headers_get_content_type
      (soup_server_message_get_request_headers (msg), &params);
  gboolean ok = ct && g_ascii_strcasecmp (ct, "application/json") == 0;
  const gchar *cs = params ? g_hash_table_lookup (params, "charset") : NULL;

  if (cs && g_ascii_strcasecmp (cs, "utf-8") != 0)
    ok = FALSE;
  if (params)
    g_hash_table_destroy (params);
  return ok;
}

/* Parses the body into @out; exactly the members of @need. */
static gboolean
admin_body (SoupServerMessage * msg, guint need, MmkmApiAdminRequest * out)
{
  SoupMessageBody *b = soup_server_message_get_request_body (msg);
  static const struct
  {
    guint flag;
    const gchar *name;
  } members[] = {
    {NEED_USER, "user"}, {NEED_ROLE, "role"}, {NEED_PASSWORD, "password"},
    {NEED_DEVICE, "device"}, {NEED_ENTRY, "entry"},
  };
  GBytes *data;
  GError *e = NULL;
  gsize len;
  gconstpointer p;
  gboolean ok;
  guint have = 0, i;

  if (b->length > ADMIN_BODY_MAX) {
    reply_error (msg, MMKM_API_ERR_PAYLOAD_TOO_LARGE,
        "The request body is too large.");
    return FALSE;
  }
  if (!body_is_json (msg)) {
    reply_error (msg, MMKM_API_ERR_UNSUPPORTED_MEDIA_TYPE,
        "The body must be application/json.");
    return FALSE;
  }
  data = soup_message_body_flatten (b);
  p = g_bytes_get_data (data, &len);
  ok = mmkm_api_admin_request_from_json (p, len, out, &e);
  wipe_request_body (msg, data);
  if (!ok) {
    reply_codec_error (msg, e);
    g_error_free (e);
    return FALSE;
  }
  have = (out->user ? NEED_USER : 0) | (out->has_role ? NEED_ROLE : 0)
      | (out->password ? NEED_PASSWORD : 0) | (out->has_device ?
      NEED_DEVICE : 0) | (out->has_entry ? NEED_ENTRY : 0);
  for (i = 0; i < G_N_ELEMENTS (members); i++) {
    g_autofree gchar *m = NULL;
    if ((need & members[i].flag) && !(have & members[i].flag))
      m = g_strdup_printf ("field \"%s\" is missing", members[i].name);
    else if (!(need & members[i].flag) && (have & members[i].flag))
      m = g_strdup_printf ("field \"%s\" is not used by this command",
          members[i].name);
    if (m) {
      reply_error (msg, MMKM_API_ERR_BAD_REQUEST, m);
      mmkm_api_admin_request_clear (out);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
peer_is_loopback (SoupServerMessage * msg)
{
  GSocketAddress *ra = soup_server_message_get_remote_address (msg);

  return G_IS_INET_SOCKET_ADDRESS (ra)
      && g_inet_address_get_is_loopback (g_inet_socket_address_get_address
      (G_INET_SOCKET_ADDRESS (ra)));
}

static void
admin_handler (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer data)
{
  Server *srv = data;
  const char *method = soup_server_message_get_method (msg);
  const char *host = soup_server_message_get_remote_host (msg);
  GSocketAddress *ra = soup_server_message_get_remote_address (msg);
  g_autofree gchar *source = NULL;
  AdminRequest req = { 0 };
  const AdminRoute *r;
  gboolean known;

  if (soup_server_message_get_status (msg) != 0)
    return;
  r = admin_route (path, method, &known);
  if (!known) {
    reply_error (msg, MMKM_API_ERR_NOT_FOUND, "No such endpoint.");
    return;
  }
  if (!r) {
    reply_error (msg, MMKM_API_ERR_NOT_FOUND, "No such method here.");
    return;
  }
  /* scrapers on the same machine need no token; from elsewhere (an
   * admin listener on another address) /metrics is the operator's too */
  if (!(r->handler == admin_metrics && peer_is_loopback (msg))
      && !admin_token_ok (srv, msg)) {
    log_event (G_LOG_LEVEL_MESSAGE, "admin-refused", NULL, host,
        "admin request without the admin token");
    reply_error (msg, MMKM_API_ERR_UNAUTHORIZED, "The admin token is needed "
        "(Authorization: Bearer, from <state-dir>/admin.token).");
    return;
  }
  if (G_IS_INET_SOCKET_ADDRESS (ra))
    source = g_strdup_printf ("admin %s:%u", host ? host : "?",
        g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (ra)));
  else
    source = g_strdup ("admin");
  req.query = query;
  req.source = source;
  req.now = g_get_real_time ();
  if (r->need && !admin_body (msg, r->need, &req.body))
    return;
  r->handler (srv, msg, &req);
  mmkm_api_admin_request_clear (&req.body);
}

/* the public listener's answers, for mmkm_refusals_total */
static void
count_refusal (SoupServer * server, SoupServerMessage * msg, gpointer data)
{
  Server *srv = data;

  mmkm_server_metrics_refusal (&srv->metrics,
      soup_server_message_get_status (msg));
}

gboolean
admin_start (Server * srv, GTlsCertificate * tls, GError ** error)
{
  g_autoptr (GInetAddress) ia = NULL;
  g_autoptr (GSocketAddress) sa = NULL;
  GSList *uris, *l;

  if (!admin_token_load (srv, error))
    return FALSE;
  g_signal_connect (srv->http, "request-finished", G_CALLBACK (count_refusal),
      srv);
  ia = g_inet_address_new_from_string (srv->cfg.admin_host);
  if (!ia) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "admin listen address \"%s\" is not an IP address",
        srv->cfg.admin_host);
    return FALSE;
  }
  srv->admin_http = soup_server_new ("tls-certificate", tls, "server-header",
      "mmkm-server", NULL);
  soup_server_add_early_handler (srv->admin_http, NULL, admin_early, srv, NULL);
  soup_server_add_handler (srv->admin_http, NULL, admin_handler, srv, NULL);
  sa = g_inet_socket_address_new (ia, srv->cfg.admin_port);
  if (!soup_server_listen (srv->admin_http, sa, SOUP_SERVER_LISTEN_HTTPS,
          error))
    return FALSE;
  uris = soup_server_get_uris (srv->admin_http);
  for (l = uris; l; l = l->next) {
    g_autofree gchar *u = g_uri_to_string (l->data);
    printf ("admin %s\n", u);
    log_event (G_LOG_LEVEL_MESSAGE, "listen", NULL, NULL, "admin HTTPS on "
        "%s%s", u, g_inet_address_get_is_loopback (ia) ? "" :
        " (not loopback: keep the admin token safe)");
  }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return TRUE;
}

void
admin_stop (Server * srv)
{
  if (srv->admin_http) {
    soup_server_disconnect (srv->admin_http);
    g_clear_object (&srv->admin_http);
  }
  OPENSSL_cleanse (srv->admin_token_hash, sizeof srv->admin_token_hash);
}
