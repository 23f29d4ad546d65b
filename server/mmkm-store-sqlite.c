/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SQLite backend of the store: WAL, foreign keys, a versioned schema
 * migrated in one transaction per step, cached prepared statements and
 * bound parameters only (no SQL is ever built from a value). Each
 * operation is one SQL statement, hence one transaction: the rules that
 * several servers sharing a database must agree on (one TEK per MKI,
 * increasing MKIs, one pop per queued request) are in the schema and in
 * those statements, not in this process. */
#include "mmkm-store-sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#define BUSY_TIMEOUT_MS 5000

typedef struct
{
  sqlite3 *db;
  gchar *path;
  GHashTable *stmts;            /* static SQL text -> sqlite3_stmt */
} Sq;

/* Schema migrations, in order; migration i takes the schema from version
 * i to i + 1. Never edit one that has shipped: add another. */
static const gchar *const migrations[] = {
  /* 1: the first schema */
  "CREATE TABLE users ("
      " id INTEGER PRIMARY KEY,"
      " name TEXT NOT NULL UNIQUE,"
      " role INTEGER NOT NULL CHECK (role BETWEEN 0 AND 2),"
      " password_hash TEXT NOT NULL,"
      " disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
      " created_us INTEGER NOT NULL);"
      "CREATE TABLE devices ("
      " id INTEGER PRIMARY KEY,"
      " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
      " fingerprint BLOB NOT NULL UNIQUE CHECK (length (fingerprint) = 32),"
      " cert_der BLOB NOT NULL,"
      " enrolled_us INTEGER NOT NULL,"
      " revoked_us INTEGER);"
      "CREATE INDEX devices_user ON devices (user_id);"
      "CREATE TABLE stream_groups ("
      " id INTEGER PRIMARY KEY CHECK (id BETWEEN 0 AND 4294967295),"
      " name TEXT NOT NULL UNIQUE,"
      " tek_period_us INTEGER NOT NULL CHECK (tek_period_us > 0),"
      " fetch_window_us INTEGER NOT NULL CHECK (fetch_window_us > 0),"
      " ssrc INTEGER NOT NULL DEFAULT 0,"
      " roc INTEGER NOT NULL DEFAULT 0," " created_us INTEGER NOT NULL);"
      /* key || salt sealed (AES-256-GCM, AD = group, MKI, lengths) */
      "CREATE TABLE teks ("
      " group_id INTEGER NOT NULL REFERENCES stream_groups (id)"
      "  ON DELETE CASCADE,"
      " mki INTEGER NOT NULL CHECK (mki BETWEEN 0 AND 4294967295),"
      " key_len INTEGER NOT NULL,"
      " salt_len INTEGER NOT NULL,"
      " sealed BLOB NOT NULL,"
      " activation_us INTEGER NOT NULL,"
      " created_us INTEGER NOT NULL,"
      " reason INTEGER NOT NULL CHECK (reason BETWEEN 0 AND 3),"
      " PRIMARY KEY (group_id, mki)) WITHOUT ROWID;"
      /* MKIs only go up: a server that lost the race for an MKI gets a
       * constraint error instead of a second TEK under a used name */
      "CREATE TRIGGER teks_mki_increasing BEFORE INSERT ON teks"
      " WHEN NEW.mki <= (SELECT max (mki) FROM teks"
      "  WHERE group_id = NEW.group_id)"
      " BEGIN SELECT RAISE (ABORT, 'MKI not above the last one'); END;"
      /* no foreign keys: the log outlives users and names refused ones */
      "CREATE TABLE join_log ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT,"
      " user_name TEXT NOT NULL,"
      " group_id INTEGER NOT NULL,"
      " time_us INTEGER NOT NULL,"
      " source TEXT,"
      " event INTEGER NOT NULL CHECK (event BETWEEN 0 AND 1),"
      " reason INTEGER NOT NULL CHECK (reason BETWEEN 0 AND 5));"
      "CREATE INDEX join_log_time ON join_log (time_us);"
      "CREATE INDEX join_log_user ON join_log (user_name, time_us);"
      "CREATE INDEX join_log_group ON join_log (group_id, time_us);"
      "CREATE TABLE sessions ("
      " id BLOB PRIMARY KEY CHECK (length (id) = 16),"
      " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
      " group_id INTEGER NOT NULL REFERENCES stream_groups (id)"
      "  ON DELETE CASCADE,"
      " device_id INTEGER NOT NULL REFERENCES devices (id)"
      "  ON DELETE CASCADE,"
      " login_us INTEGER NOT NULL,"
      " heartbeat_us INTEGER NOT NULL,"
      " source TEXT,"
      " kek_sealed BLOB,"
      " ended_us INTEGER,"
      " end_reason INTEGER) WITHOUT ROWID;"
      "CREATE INDEX sessions_live ON sessions (group_id, login_us)"
      " WHERE ended_us IS NULL;"
      "CREATE INDEX sessions_user ON sessions (user_id);"
      "CREATE INDEX sessions_device ON sessions (device_id);"
      /* removed songs stay (removed_us) so that past requests still count */
      "CREATE TABLE songs ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT,"
      " group_id INTEGER NOT NULL REFERENCES stream_groups (id)"
      "  ON DELETE CASCADE,"
      " title TEXT NOT NULL,"
      " duration_us INTEGER NOT NULL,"
      " rate INTEGER NOT NULL,"
      " channels INTEGER NOT NULL,"
      " file TEXT NOT NULL,"
      " removed_us INTEGER);"
      "CREATE INDEX songs_group ON songs (group_id);"
      "CREATE TABLE requests ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT,"
      " group_id INTEGER NOT NULL REFERENCES stream_groups (id)"
      "  ON DELETE CASCADE,"
      " song_id INTEGER NOT NULL REFERENCES songs (id) ON DELETE CASCADE,"
      " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
      " requested_us INTEGER NOT NULL,"
      " popped_us INTEGER);"
      "CREATE INDEX requests_queue ON requests (group_id, id)"
      " WHERE popped_us IS NULL;"
      "CREATE INDEX requests_user ON requests (user_id, group_id,"
      " requested_us);" "CREATE INDEX requests_song ON requests (song_id);",
  /* 2: the sender's song numbers (the API's song ids) and what plays */
  "ALTER TABLE songs ADD COLUMN number INTEGER;"
      "CREATE UNIQUE INDEX songs_number ON songs (group_id, number)"
      " WHERE removed_us IS NULL AND number IS NOT NULL;"
      "ALTER TABLE stream_groups ADD COLUMN now_playing INTEGER"
      " REFERENCES requests (id) ON DELETE SET NULL;"
      "ALTER TABLE stream_groups ADD COLUMN now_playing_us INTEGER;",
  /* 3: the members' TEK acknowledgements (seed 002 step 4b), and the
   * highest heartbeat sequence number stored with the heartbeat time, so
   * that a replay across a restart is refused */
  "CREATE TABLE tek_acks ("
      " session_id BLOB NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,"
      " group_id INTEGER NOT NULL,"
      " mki INTEGER NOT NULL,"
      " acked_us INTEGER NOT NULL,"
      " PRIMARY KEY (session_id, mki)) WITHOUT ROWID;"
      "CREATE INDEX tek_acks_mki ON tek_acks (group_id, mki);"
      "ALTER TABLE sessions ADD COLUMN hb_seq INTEGER NOT NULL DEFAULT 0;",
};

guint
mmkm_store_sqlite_schema_version (void)
{
  return G_N_ELEMENTS (migrations);
}

static gint
error_code (int rc)
{
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return MMKM_STORE_ERROR_EXISTS;
    case SQLITE_CONSTRAINT_TRIGGER:
      return MMKM_STORE_ERROR_CONFLICT;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return MMKM_STORE_ERROR_NOT_FOUND;
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      return MMKM_STORE_ERROR_INVALID;
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return MMKM_STORE_ERROR_BUSY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
      return MMKM_STORE_ERROR_CORRUPT;
    case SQLITE_CONSTRAINT:
      return MMKM_STORE_ERROR_CONFLICT;
    default:
      return MMKM_STORE_ERROR_IO;
  }
}

static const gchar *
advice (int rc)
{
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return " (another process holds the database locked: is a second "
          "server or a backup running?)";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return " (the file is damaged or not an mmkm-server database: "
          "restore it from a backup)";
    case SQLITE_FULL:
      return " (the disk is full)";
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return " (check the state directory's owner and permissions)";
    case SQLITE_IOERR:
      return " (a disk error: check the system log)";
    default:
      return "";
  }
}

static gboolean
sq_fail (Sq * sq, GError ** err, int rc, const gchar * what)
{
  g_set_error (err, MMKM_STORE_ERROR, error_code (rc), "%s: %s%s [%s]",
      what, sq->db ? sqlite3_errmsg (sq->db) : sqlite3_errstr (rc),
      advice (rc), sq->path);
  return FALSE;
}

static gboolean
not_found (GError ** err, const gchar * fmt, ...)
G_GNUC_PRINTF (2, 3);

     static gboolean not_found (GError ** err, const gchar * fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  if (err)
    *err = g_error_new_valist (MMKM_STORE_ERROR, MMKM_STORE_ERROR_NOT_FOUND,
        fmt, ap);
  va_end (ap);
  return FALSE;
}

/* The prepared statement for @sql (a string literal: its address is the
 * key), reset and with its bindings cleared. */
static sqlite3_stmt *
stmt (Sq * sq, const gchar * sql, GError ** err)
{
  sqlite3_stmt *st = g_hash_table_lookup (sq->stmts, sql);
  int rc;

  if (st) {
    sqlite3_reset (st);
    sqlite3_clear_bindings (st);
    return st;
  }
  rc = sqlite3_prepare_v3 (sq->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
      NULL);
  if (rc != SQLITE_OK) {
    sq_fail (sq, err, rc, "cannot prepare a statement");
    return NULL;
  }
  g_hash_table_insert (sq->stmts, (gpointer) sql, st);
  return st;
}

/* Runs a statement that returns no rows; FALSE on error. */
static gboolean
run (Sq * sq, sqlite3_stmt * st, const gchar * what, GError ** err)
{
  int rc = sqlite3_step (st);

  if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
    sqlite3_reset (st);
    return TRUE;
  }
  sqlite3_reset (st);
  return sq_fail (sq, err, rc, what);
}

/* sqlite3_step for queries: SQLITE_ROW, SQLITE_DONE, or FALSE with @err. */
static gboolean
step (Sq * sq, sqlite3_stmt * st, gboolean * row, const gchar * what,
    GError ** err)
{
  int rc = sqlite3_step (st);

  if (rc == SQLITE_ROW) {
    *row = TRUE;
    return TRUE;
  }
  *row = FALSE;
  sqlite3_reset (st);
  if (rc == SQLITE_DONE)
    return TRUE;
  return sq_fail (sq, err, rc, what);
}

static gchar *
col_text (sqlite3_stmt * st, int i)
{
  const guchar *t = sqlite3_column_text (st, i);

  return t ? g_strdup ((const gchar *) t) : NULL;
}

static GBytes *
col_bytes (sqlite3_stmt * st, int i)
{
  const void *p = sqlite3_column_blob (st, i);
  int n = sqlite3_column_bytes (st, i);

  if (sqlite3_column_type (st, i) == SQLITE_NULL)
    return NULL;
  return g_bytes_new (p, (gsize) n);
}

static gboolean
col_blob_fixed (sqlite3_stmt * st, int i, guint8 * out, gsize len)
{
  const void *p = sqlite3_column_blob (st, i);

  if (!p || (gsize) sqlite3_column_bytes (st, i) != len)
    return FALSE;
  memcpy (out, p, len);
  return TRUE;
}

static void
bind_text (sqlite3_stmt * st, int i, const gchar * s)
{
  sqlite3_bind_text (st, i, s, -1, SQLITE_TRANSIENT);
}

static void
bind_blob (sqlite3_stmt * st, int i, const void *p, gsize len)
{
  sqlite3_bind_blob64 (st, i, p, len, SQLITE_TRANSIENT);
}

static void
bind_gbytes (sqlite3_stmt * st, int i, GBytes * b)
{
  gsize len;
  const void *p;

  if (!b) {
    sqlite3_bind_null (st, i);
    return;
  }
  p = g_bytes_get_data (b, &len);
  /* an empty blob must be a blob, not NULL */
  bind_blob (st, i, p ? p : "", len);
}

/* For UPDATE/DELETE by key: NOT_FOUND when no row changed. */
static gboolean
run_changed (Sq * sq, sqlite3_stmt * st, const gchar * what, GError ** err,
    const gchar * missing)
{
  if (!run (sq, st, what, err))
    return FALSE;
  if (sqlite3_changes (sq->db) == 0)
    return not_found (err, "%s", missing);
  return TRUE;
}

/* ---- users ---- */

#define USER_COLS "id, name, role, password_hash, disabled, created_us"

static MmkmUser *
read_user (sqlite3_stmt * st)
{
  MmkmUser *u = g_new0 (MmkmUser, 1);

  u->id = sqlite3_column_int64 (st, 0);
  u->name = col_text (st, 1);
  u->role = (MmkmRole) sqlite3_column_int (st, 2);
  u->password_hash = col_text (st, 3);
  u->disabled = sqlite3_column_int (st, 4) != 0;
  u->created_us = sqlite3_column_int64 (st, 5);
  return u;
}

static gboolean
sq_user_add (gpointer b, const gchar * name, MmkmRole role,
    const gchar * hash, gint64 now_us, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "INSERT INTO users (name, role, "
      "password_hash, created_us) VALUES (?, ?, ?, ?)", err);
  GError *e = NULL;

  if (!st)
    return FALSE;
  bind_text (st, 1, name);
  sqlite3_bind_int (st, 2, role);
  bind_text (st, 3, hash);
  sqlite3_bind_int64 (st, 4, now_us);
  if (run (sq, st, "cannot add the user", &e))
    return TRUE;
  if (e->code == MMKM_STORE_ERROR_EXISTS) {
    g_clear_error (&e);
    g_set_error (&e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_EXISTS,
        "a user with this name exists already");
  }
  g_propagate_error (err, e);
  return FALSE;
}

static MmkmUser *
sq_user_get (gpointer b, const gchar * name, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "SELECT " USER_COLS " FROM users "
      "WHERE name = ?", err);
  gboolean row;
  MmkmUser *u;

  if (!st)
    return NULL;
  bind_text (st, 1, name);
  if (!step (sq, st, &row, "cannot read the user", err))
    return NULL;
  if (!row) {
    not_found (err, "no such user");
    return NULL;
  }
  u = read_user (st);
  sqlite3_reset (st);
  return u;
}

static GPtrArray *
sq_user_list (gpointer b, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "SELECT " USER_COLS " FROM users "
      "ORDER BY name", err);
  GPtrArray *a;
  gboolean row;

  if (!st)
    return NULL;
  a = g_ptr_array_new_with_free_func ((GDestroyNotify) mmkm_user_free);
  while (step (sq, st, &row, "cannot list the users", err)) {
    if (!row)
      return a;
    g_ptr_array_add (a, read_user (st));
  }
  g_ptr_array_unref (a);
  return NULL;
}

static gboolean
sq_user_set_password (gpointer b, const gchar * name, const gchar * hash,
    GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "UPDATE users SET password_hash = ? "
      "WHERE name = ?", err);

  if (!st)
    return FALSE;
  bind_text (st, 1, hash);
  bind_text (st, 2, name);
  return run_changed (sq, st, "cannot change the password", err,
      "no such user");
}

static gboolean
sq_user_set_role (gpointer b, const gchar * name, MmkmRole role, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "UPDATE users SET role = ? WHERE name = ?",
      err);

  if (!st)
    return FALSE;
  sqlite3_bind_int (st, 1, role);
  bind_text (st, 2, name);
  return run_changed (sq, st, "cannot change the role", err, "no such user");
}

static gboolean
sq_user_set_disabled (gpointer b, const gchar * name, gboolean disabled,
    GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "UPDATE users SET disabled = ? "
      "WHERE name = ?", err);

  if (!st)
    return FALSE;
  sqlite3_bind_int (st, 1, disabled ? 1 : 0);
  bind_text (st, 2, name);
  return run_changed (sq, st, "cannot disable or enable the user", err,
      "no such user");
}

static gboolean
sq_user_remove (gpointer b, const gchar * name, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "DELETE FROM users WHERE name = ?", err);

  if (!st)
    return FALSE;
  bind_text (st, 1, name);
  return run_changed (sq, st, "cannot remove the user", err, "no such user");
}

/* ---- devices ---- */

#define DEVICE_SELECT "SELECT d.id, u.name, d.fingerprint, d.cert_der, " \
  "d.enrolled_us, d.revoked_us FROM devices d JOIN users u " \
  "ON u.id = d.user_id "

static MmkmDevice *
read_device (Sq * sq, sqlite3_stmt * st, GError ** err)
{
  MmkmDevice *d = g_new0 (MmkmDevice, 1);

  d->id = sqlite3_column_int64 (st, 0);
  d->user = col_text (st, 1);
  if (!col_blob_fixed (st, 2, d->fingerprint, MMKM_FINGERPRINT_LEN)) {
    mmkm_device_free (d);
    g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_CORRUPT,
        "a device row has a fingerprint of the wrong length [%s]", sq->path);
    return NULL;
  }
  d->cert_der = col_bytes (st, 3);
  d->enrolled_us = sqlite3_column_int64 (st, 4);
  d->revoked_us = sqlite3_column_int64 (st, 5);
  return d;
}

static gboolean
sq_device_enrol (gpointer b, const gchar * user, const guint8 * fp,
    GBytes * der, gint64 now_us, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "INSERT INTO devices (user_id, fingerprint, "
      "cert_der, enrolled_us) SELECT id, ?, ?, ? FROM users WHERE name = ?",
      err);
  GError *e = NULL;

  if (!st)
    return FALSE;
  bind_blob (st, 1, fp, MMKM_FINGERPRINT_LEN);
  bind_gbytes (st, 2, der);
  sqlite3_bind_int64 (st, 3, now_us);
  bind_text (st, 4, user);
  if (!run (sq, st, "cannot enrol the device", &e)) {
    if (e->code == MMKM_STORE_ERROR_EXISTS) {
      g_clear_error (&e);
      g_set_error (&e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_EXISTS,
          "this device certificate is enrolled already");
    }
    g_propagate_error (err, e);
    return FALSE;
  }
  if (sqlite3_changes (sq->db) == 0)
    return not_found (err, "no such user");
  return TRUE;
}

static MmkmDevice *
sq_device_get (gpointer b, const guint8 * fp, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, DEVICE_SELECT "WHERE d.fingerprint = ?", err);
  gboolean row;
  MmkmDevice *d;

  if (!st)
    return NULL;
  bind_blob (st, 1, fp, MMKM_FINGERPRINT_LEN);
  if (!step (sq, st, &row, "cannot read the device", err))
    return NULL;
  if (!row) {
    not_found (err, "no device with this fingerprint is enrolled");
    return NULL;
  }
  d = read_device (sq, st, err);
  sqlite3_reset (st);
  return d;
}

static GPtrArray *
sq_device_list (gpointer b, const gchar * user, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, DEVICE_SELECT "WHERE ?1 IS NULL OR "
      "u.name = ?1 ORDER BY u.name, d.id", err);
  GPtrArray *a;
  gboolean row;

  if (!st)
    return NULL;
  if (user)
    bind_text (st, 1, user);
  a = g_ptr_array_new_with_free_func ((GDestroyNotify) mmkm_device_free);
  while (step (sq, st, &row, "cannot list the devices", err)) {
    MmkmDevice *d;

    if (!row)
      return a;
    if (!(d = read_device (sq, st, err))) {
      sqlite3_reset (st);
      break;
    }
    g_ptr_array_add (a, d);
  }
  g_ptr_array_unref (a);
  return NULL;
}

static gboolean
sq_device_revoke (gpointer b, const guint8 * fp, gint64 now_us, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "UPDATE devices SET revoked_us = ? "
      "WHERE fingerprint = ? AND revoked_us IS NULL", err);

  if (!st)
    return FALSE;
  sqlite3_bind_int64 (st, 1, now_us);
  bind_blob (st, 2, fp, MMKM_FINGERPRINT_LEN);
  return run_changed (sq, st, "cannot revoke the device", err,
      "no valid device with this fingerprint is enrolled");
}

/* ---- groups ---- */

#define GROUP_COLS "id, name, tek_period_us, fetch_window_us, ssrc, roc, " \
  "created_us"

static MmkmGroup *
read_group (sqlite3_stmt * st)
{
  MmkmGroup *g = g_new0 (MmkmGroup, 1);

  g->id = (guint32) sqlite3_column_int64 (st, 0);
  g->name = col_text (st, 1);
  g->tek_period_us = sqlite3_column_int64 (st, 2);
  g->fetch_window_us = sqlite3_column_int64 (st, 3);
  g->ssrc = (guint32) sqlite3_column_int64 (st, 4);
  g->roc = (guint32) sqlite3_column_int64 (st, 5);
  g->created_us = sqlite3_column_int64 (st, 6);
  return g;
}

static gboolean
sq_group_create (gpointer b, const MmkmGroup * g, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "INSERT INTO stream_groups (" GROUP_COLS
      ") VALUES (?, ?, ?, ?, ?, ?, ?)", err);
  GError *e = NULL;

  if (!st)
    return FALSE;
  sqlite3_bind_int64 (st, 1, g->id);
  bind_text (st, 2, g->name);
  sqlite3_bind_int64 (st, 3, g->tek_period_us);
  sqlite3_bind_int64 (st, 4, g->fetch_window_us);
  sqlite3_bind_int64 (st, 5, g->ssrc);
  sqlite3_bind_int64 (st, 6, g->roc);
  sqlite3_bind_int64 (st, 7, g->created_us ? g->created_us :
      g_get_real_time ());
  if (run (sq, st, "cannot create the group", &e))
    return TRUE;
  if (e->code == MMKM_STORE_ERROR_EXISTS) {
    g_clear_error (&e);
    g_set_error (&e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_EXISTS,
        "a group with this id or name exists already");
  }
  g_propagate_error (err, e);
  return FALSE;
}

static MmkmGroup *
group_one (Sq * sq, sqlite3_stmt * st, GError ** err)
{
  gboolean row;
  MmkmGroup *g;

  if (!step (sq, st, &row, "cannot read the group", err))
    return NULL;
  if (!row) {
    not_found (err, "no such group");
    return NULL;
  }
  g = read_group (st);
  sqlite3_reset (st);
  return g;
}

static MmkmGroup *
sq_group_get (gpointer b, guint32 id, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "SELECT " GROUP_COLS " FROM stream_groups "
      "WHERE id = ?", err);

  if (!st)
    return NULL;
  sqlite3_bind_int64 (st, 1, id);
  return group_one (sq, st, err);
}

static MmkmGroup *
sq_group_get_by_name (gpointer b, const gchar * name, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "SELECT " GROUP_COLS " FROM stream_groups "
      "WHERE name = ?", err);

  if (!st)
    return NULL;
  bind_text (st, 1, name);
  return group_one (sq, st, err);
}

static GPtrArray *
sq_group_list (gpointer b, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "SELECT " GROUP_COLS " FROM stream_groups "
      "ORDER BY id", err);
  GPtrArray *a;
  gboolean row;

  if (!st)
    return NULL;
  a = g_ptr_array_new_with_free_func ((GDestroyNotify) mmkm_group_free);
  while (step (sq, st, &row, "cannot list the groups", err)) {
    if (!row)
      return a;
    g_ptr_array_add (a, read_group (st));
  }
  g_ptr_array_unref (a);
  return NULL;
}

static gboolean
sq_group_set_stream (gpointer b, guint32 id, guint32 ssrc, guint32 roc,
    GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "UPDATE stream_groups SET ssrc = ?, roc = ? "
      "WHERE id = ?", err);

  if (!st)
    return FALSE;
  sqlite3_bind_int64 (st, 1, ssrc);
  sqlite3_bind_int64 (st, 2, roc);
  sqlite3_bind_int64 (st, 3, id);
  return run_changed (sq, st, "cannot set the group's stream", err,
      "no such group");
}

/* ---- TEKs ---- */

#define TEK_COLS "group_id, mki, key_len, salt_len, sealed, activation_us, " \
  "created_us, reason"

static MmkmTek *
read_tek (sqlite3_stmt * st)
{
  MmkmTek *t = g_new0 (MmkmTek, 1);

  t->group_id = (guint32) sqlite3_column_int64 (st, 0);
  t->mki = (guint32) sqlite3_column_int64 (st, 1);
  /* checked against the sealed value's length when it is opened */
  t->key_len = (gsize) CLAMP (sqlite3_column_int (st, 2), 0, 255);
  t->salt_len = (gsize) CLAMP (sqlite3_column_int (st, 3), 0, 255);
  t->sealed = col_bytes (st, 4);
  t->activation_us = sqlite3_column_int64 (st, 5);
  t->created_us = sqlite3_column_int64 (st, 6);
  t->reason = (MmkmTekReason) sqlite3_column_int (st, 7);
  return t;
}

static gboolean
sq_tek_append (gpointer b, const MmkmTek * t, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "INSERT INTO teks (" TEK_COLS ") VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?)", err);
  GError *e = NULL;

  if (!st)
    return FALSE;
  sqlite3_bind_int64 (st, 1, t->group_id);
  sqlite3_bind_int64 (st, 2, t->mki);
  sqlite3_bind_int (st, 3, (int) t->key_len);
  sqlite3_bind_int (st, 4, (int) t->salt_len);
  bind_gbytes (st, 5, t->sealed);
  sqlite3_bind_int64 (st, 6, t->activation_us);
  sqlite3_bind_int64 (st, 7, t->created_us);
  sqlite3_bind_int (st, 8, t->reason);
  if (run (sq, st, "cannot store the TEK", &e))
    return TRUE;
  if (e->code == MMKM_STORE_ERROR_EXISTS
      || e->code == MMKM_STORE_ERROR_CONFLICT) {
    g_clear_error (&e);
    g_set_error (&e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_CONFLICT,
        "group %u already has a TEK with MKI %u or above (another server "
        "made it first)", t->group_id, t->mki);
  } else if (e->code == MMKM_STORE_ERROR_NOT_FOUND) {
    g_clear_error (&e);
    g_set_error (&e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_NOT_FOUND,
        "no group %u", t->group_id);
  }
  g_propagate_error (err, e);
  return FALSE;
}

static MmkmTek *
sq_tek_get (gpointer b, guint32 group_id, MmkmTekWhich which, guint32 mki,
    gint64 now_us, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st;
  gboolean row;
  MmkmTek *t;

  switch (which) {
    case MMKM_TEK_BY_MKI:
      st = stmt (sq, "SELECT " TEK_COLS " FROM teks WHERE group_id = ? "
          "AND mki = ?", err);
      if (st)
        sqlite3_bind_int64 (st, 2, mki);
      break;
    case MMKM_TEK_CURRENT:
      st = stmt (sq, "SELECT " TEK_COLS " FROM teks WHERE group_id = ? "
          "AND activation_us <= ? ORDER BY mki DESC LIMIT 1", err);
      if (st)
        sqlite3_bind_int64 (st, 2, now_us);
      break;
    case MMKM_TEK_NEXT:
      st = stmt (sq, "SELECT " TEK_COLS " FROM teks WHERE group_id = ? "
          "AND activation_us > ? ORDER BY mki ASC LIMIT 1", err);
      if (st)
        sqlite3_bind_int64 (st, 2, now_us);
      break;
    default:
      g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_INVALID,
          "unknown TEK selector");
      return NULL;
  }
  if (!st)
    return NULL;
  sqlite3_bind_int64 (st, 1, group_id);
  if (!step (sq, st, &row, "cannot read the TEK", err))
    return NULL;
  if (!row) {
    not_found (err, "group %u has no such TEK", group_id);
    return NULL;
  }
  t = read_tek (st);
  sqlite3_reset (st);
  return t;
}

static GPtrArray *
sq_tek_list_after (gpointer b, guint32 group_id, gboolean from_start,
    guint32 after_mki, guint limit, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "SELECT " TEK_COLS " FROM teks "
      "WHERE group_id = ? AND mki > ? ORDER BY mki LIMIT ?", err);
  GPtrArray *a;
  gboolean row;

  if (!st)
    return NULL;
  sqlite3_bind_int64 (st, 1, group_id);
  sqlite3_bind_int64 (st, 2, from_start ? -1 : (gint64) after_mki);
  sqlite3_bind_int64 (st, 3, limit ? (gint64) limit : -1);
  a = g_ptr_array_new_with_free_func ((GDestroyNotify) mmkm_tek_free);
  while (step (sq, st, &row, "cannot list the TEKs", err)) {
    if (!row)
      return a;
    g_ptr_array_add (a, read_tek (st));
  }
  g_ptr_array_unref (a);
  return NULL;
}

/* ---- join/leave log ---- */

static gboolean
sq_log_append (gpointer b, const MmkmLogEntry * e, gint64 * id, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "INSERT INTO join_log (user_name, group_id, "
      "time_us, source, event, reason) VALUES (?, ?, ?, ?, ?, ?)", err);

  if (!st)
    return FALSE;
  bind_text (st, 1, e->user);
  sqlite3_bind_int64 (st, 2, e->group_id);
  sqlite3_bind_int64 (st, 3, e->time_us ? e->time_us : g_get_real_time ());
  bind_text (st, 4, e->source);
  sqlite3_bind_int (st, 5, e->event);
  sqlite3_bind_int (st, 6, e->reason);
  if (!run (sq, st, "cannot append to the join/leave log", err))
    return FALSE;
  if (id)
    *id = sqlite3_last_insert_rowid (sq->db);
  return TRUE;
}

static GPtrArray *
sq_log_query (gpointer b, const MmkmLogFilter * f, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "SELECT id, user_name, group_id, time_us, "
      "source, event, reason FROM join_log "
      "WHERE (?1 IS NULL OR user_name = ?1) "
      "AND (?2 IS NULL OR group_id = ?2) "
      "AND (?3 IS NULL OR time_us >= ?3) "
      "AND (?4 IS NULL OR time_us < ?4) "
      "ORDER BY time_us DESC, id DESC LIMIT ?5", err);
  GPtrArray *a;
  gboolean row;

  if (!st)
    return NULL;
  if (f && f->user)
    bind_text (st, 1, f->user);
  if (f && !f->any_group)
    sqlite3_bind_int64 (st, 2, f->group_id);
  if (f && f->since_us)
    sqlite3_bind_int64 (st, 3, f->since_us);
  if (f && f->until_us)
    sqlite3_bind_int64 (st, 4, f->until_us);
  sqlite3_bind_int64 (st, 5, f && f->limit ? (gint64) f->limit : -1);
  a = g_ptr_array_new_with_free_func ((GDestroyNotify) mmkm_log_entry_free);
  while (step (sq, st, &row, "cannot read the join/leave log", err)) {
    MmkmLogEntry *e;

    if (!row)
      return a;
    e = g_new0 (MmkmLogEntry, 1);
    e->id = sqlite3_column_int64 (st, 0);
    e->user = col_text (st, 1);
    e->group_id = (guint32) sqlite3_column_int64 (st, 2);
    e->time_us = sqlite3_column_int64 (st, 3);
    e->source = col_text (st, 4);
    e->event = (MmkmLogEvent) sqlite3_column_int (st, 5);
    e->reason = (MmkmReason) sqlite3_column_int (st, 6);
    g_ptr_array_add (a, e);
  }
  g_ptr_array_unref (a);
  return NULL;
}

/* ---- sessions ---- */

#define SESSION_SELECT "SELECT s.id, u.name, s.group_id, d.fingerprint, " \
  "s.login_us, s.heartbeat_us, s.source, s.ended_us, s.end_reason, " \
  "s.kek_sealed, s.hb_seq FROM sessions s JOIN users u ON u.id = s.user_id " \
  "JOIN devices d ON d.id = s.device_id "

static MmkmSession *
read_session (Sq * sq, sqlite3_stmt * st, gboolean with_kek, GError ** err)
{
  MmkmSession *s = g_new0 (MmkmSession, 1);

  if (!col_blob_fixed (st, 0, s->id, MMKM_SESSION_ID_LEN)
      || !col_blob_fixed (st, 3, s->device, MMKM_FINGERPRINT_LEN)) {
    mmkm_session_free (s);
    g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_CORRUPT,
        "a session row has an id or device of the wrong length [%s]", sq->path);
    return NULL;
  }
  s->user = col_text (st, 1);
  s->group_id = (guint32) sqlite3_column_int64 (st, 2);
  s->login_us = sqlite3_column_int64 (st, 4);
  s->heartbeat_us = sqlite3_column_int64 (st, 5);
  s->source = col_text (st, 6);
  s->ended_us = sqlite3_column_int64 (st, 7);
  s->end_reason = (MmkmReason) sqlite3_column_int (st, 8);
  if (with_kek)
    s->sealed = col_bytes (st, 9);
  s->hb_seq = (guint64) sqlite3_column_int64 (st, 10);
  return s;
}

static gboolean
sq_session_create (gpointer b, const MmkmSession * s, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "INSERT INTO sessions (id, user_id, "
      "group_id, device_id, login_us, heartbeat_us, source, kek_sealed) "
      "SELECT ?, u.id, ?, d.id, ?, ?, ?, ? FROM users u JOIN devices d "
      "ON d.user_id = u.id WHERE u.name = ? AND d.fingerprint = ?", err);
  GError *e = NULL;

  if (!st)
    return FALSE;
  bind_blob (st, 1, s->id, MMKM_SESSION_ID_LEN);
  sqlite3_bind_int64 (st, 2, s->group_id);
  sqlite3_bind_int64 (st, 3, s->login_us);
  sqlite3_bind_int64 (st, 4, s->heartbeat_us ? s->heartbeat_us : s->login_us);
  bind_text (st, 5, s->source);
  bind_gbytes (st, 6, s->sealed);
  bind_text (st, 7, s->user);
  bind_blob (st, 8, s->device, MMKM_FINGERPRINT_LEN);
  if (!run (sq, st, "cannot create the session", &e)) {
    if (e->code == MMKM_STORE_ERROR_NOT_FOUND) {
      g_clear_error (&e);
      g_set_error (&e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_NOT_FOUND,
          "no group %u", s->group_id);
    } else if (e->code == MMKM_STORE_ERROR_EXISTS) {
      g_clear_error (&e);
      g_set_error (&e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_EXISTS,
          "a session with this id exists already");
    }
    g_propagate_error (err, e);
    return FALSE;
  }
  if (sqlite3_changes (sq->db) == 0)
    return not_found (err, "no such user with this device enrolled");
  return TRUE;
}

static MmkmSession *
sq_session_get (gpointer b, const guint8 * id, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, SESSION_SELECT "WHERE s.id = ?", err);
  gboolean row;
  MmkmSession *s;

  if (!st)
    return NULL;
  bind_blob (st, 1, id, MMKM_SESSION_ID_LEN);
  if (!step (sq, st, &row, "cannot read the session", err))
    return NULL;
  if (!row) {
    not_found (err, "no such session");
    return NULL;
  }
  s = read_session (sq, st, TRUE, err);
  sqlite3_reset (st);
  return s;
}

static gboolean
sq_session_touch (gpointer b, const guint8 * id, gint64 now_us, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "UPDATE sessions SET heartbeat_us = "
      "max (heartbeat_us, ?) WHERE id = ? AND ended_us IS NULL", err);

  if (!st)
    return FALSE;
  sqlite3_bind_int64 (st, 1, now_us);
  bind_blob (st, 2, id, MMKM_SESSION_ID_LEN);
  return run_changed (sq, st, "cannot record the heartbeat", err,
      "no live session with this id");
}

/* hb_seq is stored as SQLite's signed 64 bits: a sequence number above
 * G_MAXINT64 (no member gets there by counting) is stored as G_MAXINT64 */
static gboolean
sq_session_heartbeat (gpointer b, const guint8 * id, gint64 now_us,
    guint64 hb_seq, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "UPDATE sessions SET heartbeat_us = "
      "max (heartbeat_us, ?), hb_seq = max (hb_seq, ?) WHERE id = ? AND "
      "ended_us IS NULL", err);

  if (!st)
    return FALSE;
  sqlite3_bind_int64 (st, 1, now_us);
  sqlite3_bind_int64 (st, 2, (gint64) MIN (hb_seq, (guint64) G_MAXINT64));
  bind_blob (st, 3, id, MMKM_SESSION_ID_LEN);
  return run_changed (sq, st, "cannot record the heartbeat", err,
      "no live session with this id");
}

static gboolean exec (Sq * sq, const gchar * sql, const gchar * what,
    GError ** err);

static gboolean
sq_session_heartbeat_many (gpointer b, const guint8 * ids,
    const gint64 * times, const guint64 * hb_seqs, guint n, guint * written,
    GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st;
  guint i, w = 0;

  if (!exec (sq, "BEGIN IMMEDIATE", "cannot begin the heartbeat batch", err))
    return FALSE;
  for (i = 0; i < n; i++) {
    st = stmt (sq, "UPDATE sessions SET heartbeat_us = max (heartbeat_us, ?)"
        ", hb_seq = max (hb_seq, ?) WHERE id = ? AND ended_us IS NULL", err);
    if (!st)
      goto fail;
    sqlite3_bind_int64 (st, 1, times[i]);
    sqlite3_bind_int64 (st, 2, (gint64) MIN (hb_seqs[i], (guint64) G_MAXINT64));
    bind_blob (st, 3, ids + i * MMKM_SESSION_ID_LEN, MMKM_SESSION_ID_LEN);
    if (!run (sq, st, "cannot record the heartbeats", err))
      goto fail;
    w += sqlite3_changes (sq->db) > 0;
  }
  if (!exec (sq, "COMMIT", "cannot commit the heartbeat batch", err))
    goto fail;
  if (written)
    *written = w;
  return TRUE;
fail:
  sqlite3_exec (sq->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

static gboolean
sq_tek_ack (gpointer b, const guint8 * session_id, guint32 group_id,
    guint32 mki, gint64 now_us, gboolean * first, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "INSERT INTO tek_acks (session_id, group_id, "
      "mki, acked_us) SELECT id, group_id, ?, ? FROM sessions WHERE id = ? "
      "AND group_id = ? AND ended_us IS NULL ON CONFLICT DO NOTHING", err);
  sqlite3_stmt *chk;
  gboolean row;

  if (!st)
    return FALSE;
  sqlite3_bind_int64 (st, 1, mki);
  sqlite3_bind_int64 (st, 2, now_us);
  bind_blob (st, 3, session_id, MMKM_SESSION_ID_LEN);
  sqlite3_bind_int64 (st, 4, group_id);
  if (!run (sq, st, "cannot record the TEK acknowledgement", err))
    return FALSE;
  *first = sqlite3_changes (sq->db) > 0;
  if (*first)
    return TRUE;
  /* nothing inserted: a replay, or no such live session */
  chk = stmt (sq, "SELECT 1 FROM tek_acks a JOIN sessions s ON s.id = "
      "a.session_id WHERE a.session_id = ? AND a.mki = ? AND a.group_id = ? "
      "AND s.ended_us IS NULL", err);
  if (!chk)
    return FALSE;
  bind_blob (chk, 1, session_id, MMKM_SESSION_ID_LEN);
  sqlite3_bind_int64 (chk, 2, mki);
  sqlite3_bind_int64 (chk, 3, group_id);
  if (!step (sq, chk, &row, "cannot read the TEK acknowledgements", err))
    return FALSE;
  sqlite3_reset (chk);
  if (!row)
    return not_found (err, "no live session with this id in this group");
  return TRUE;
}

static GPtrArray *
sq_tek_ack_list (gpointer b, guint32 group_id, guint32 mki, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "SELECT a.session_id, u.name, a.acked_us "
      "FROM tek_acks a JOIN sessions s ON s.id = a.session_id JOIN users u "
      "ON u.id = s.user_id WHERE a.group_id = ? AND a.mki = ? "
      "ORDER BY a.acked_us, a.session_id", err);
  GPtrArray *a;
  gboolean row;

  if (!st)
    return NULL;
  sqlite3_bind_int64 (st, 1, group_id);
  sqlite3_bind_int64 (st, 2, mki);
  a = g_ptr_array_new_with_free_func ((GDestroyNotify) mmkm_tek_ack_free);
  while (step (sq, st, &row, "cannot list the TEK acknowledgements", err)) {
    MmkmTekAck *k;

    if (!row)
      return a;
    k = g_new0 (MmkmTekAck, 1);
    if (!col_blob_fixed (st, 0, k->session_id, MMKM_SESSION_ID_LEN)) {
      mmkm_tek_ack_free (k);
      sqlite3_reset (st);
      g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_CORRUPT,
          "a TEK acknowledgement has a session id of the wrong length [%s]",
          sq->path);
      break;
    }
    k->user = col_text (st, 1);
    k->group_id = group_id;
    k->mki = mki;
    k->acked_us = sqlite3_column_int64 (st, 2);
    g_ptr_array_add (a, k);
  }
  g_ptr_array_unref (a);
  return NULL;
}

static gboolean
sq_session_end (gpointer b, const guint8 * id, gint64 now_us,
    MmkmReason reason, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "UPDATE sessions SET ended_us = ?, "
      "end_reason = ?, kek_sealed = NULL WHERE id = ? AND ended_us IS NULL",
      err);

  if (!st)
    return FALSE;
  sqlite3_bind_int64 (st, 1, now_us);
  sqlite3_bind_int (st, 2, reason);
  bind_blob (st, 3, id, MMKM_SESSION_ID_LEN);
  return run_changed (sq, st, "cannot end the session", err,
      "no live session with this id");
}

static GPtrArray *
sq_session_list_live (gpointer b, gboolean any_group, guint32 group_id,
    GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, SESSION_SELECT "WHERE s.ended_us IS NULL "
      "AND (?1 IS NULL OR s.group_id = ?1) ORDER BY s.login_us, s.id", err);
  GPtrArray *a;
  gboolean row;

  if (!st)
    return NULL;
  if (!any_group)
    sqlite3_bind_int64 (st, 1, group_id);
  a = g_ptr_array_new_with_free_func ((GDestroyNotify) mmkm_session_free);
  while (step (sq, st, &row, "cannot list the sessions", err)) {
    MmkmSession *s;

    if (!row)
      return a;
    if (!(s = read_session (sq, st, FALSE, err))) {
      sqlite3_reset (st);
      break;
    }
    g_ptr_array_add (a, s);
  }
  g_ptr_array_unref (a);
  return NULL;
}

/* ---- songs and the queue ---- */

static gboolean
sq_song_add (gpointer b, const MmkmSong * s, gint64 * id, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "INSERT INTO songs (group_id, title, "
      "duration_us, rate, channels, file, number) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)", err);
  GError *e = NULL;

  if (!st)
    return FALSE;
  sqlite3_bind_int64 (st, 1, s->group_id);
  bind_text (st, 2, s->title);
  sqlite3_bind_int64 (st, 3, s->duration_us);
  sqlite3_bind_int64 (st, 4, s->rate);
  sqlite3_bind_int64 (st, 5, s->channels);
  bind_text (st, 6, s->file ? s->file : "");
  if (s->number)
    sqlite3_bind_int64 (st, 7, s->number);
  if (!run (sq, st, "cannot add the song", &e)) {
    if (e->code == MMKM_STORE_ERROR_NOT_FOUND) {
      g_clear_error (&e);
      g_set_error (&e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_NOT_FOUND,
          "no group %u", s->group_id);
    }
    g_propagate_error (err, e);
    return FALSE;
  }
  if (id)
    *id = sqlite3_last_insert_rowid (sq->db);
  return TRUE;
}

static GPtrArray *
sq_song_list (gpointer b, guint32 group_id, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "SELECT id, group_id, title, duration_us, "
      "rate, channels, file, number FROM songs WHERE group_id = ? AND "
      "removed_us IS NULL ORDER BY id", err);
  GPtrArray *a;
  gboolean row;

  if (!st)
    return NULL;
  sqlite3_bind_int64 (st, 1, group_id);
  a = g_ptr_array_new_with_free_func ((GDestroyNotify) mmkm_song_free);
  while (step (sq, st, &row, "cannot list the songs", err)) {
    MmkmSong *s;

    if (!row)
      return a;
    s = g_new0 (MmkmSong, 1);
    s->id = sqlite3_column_int64 (st, 0);
    s->group_id = (guint32) sqlite3_column_int64 (st, 1);
    s->title = col_text (st, 2);
    s->duration_us = sqlite3_column_int64 (st, 3);
    s->rate = (guint) sqlite3_column_int64 (st, 4);
    s->channels = (guint) sqlite3_column_int64 (st, 5);
    s->file = col_text (st, 6);
    s->number = (guint32) sqlite3_column_int64 (st, 7);
    g_ptr_array_add (a, s);
  }
  g_ptr_array_unref (a);
  return NULL;
}

static gboolean
sq_song_remove (gpointer b, gint64 id, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "UPDATE songs SET removed_us = ? "
      "WHERE id = ? AND removed_us IS NULL", err);

  if (!st)
    return FALSE;
  sqlite3_bind_int64 (st, 1, g_get_real_time ());
  sqlite3_bind_int64 (st, 2, id);
  return run_changed (sq, st, "cannot remove the song", err, "no such song");
}

#define REQUEST_COLS "r.id, r.group_id, r.song_id, u.name, r.requested_us, " \
  "r.popped_us, s.number, s.title"

static MmkmRequest *
read_request (sqlite3_stmt * st)
{
  MmkmRequest *r = g_new0 (MmkmRequest, 1);

  r->id = sqlite3_column_int64 (st, 0);
  r->group_id = (guint32) sqlite3_column_int64 (st, 1);
  r->song_id = sqlite3_column_int64 (st, 2);
  r->user = col_text (st, 3);
  r->requested_us = sqlite3_column_int64 (st, 4);
  r->popped_us = sqlite3_column_int64 (st, 5);
  r->song_number = (guint32) sqlite3_column_int64 (st, 6);
  r->title = col_text (st, 7);
  return r;
}

static gboolean
sq_request_enqueue (gpointer b, guint32 group_id, gint64 song_id,
    const gchar * user, gint64 now_us, gint64 * id, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "INSERT INTO requests (group_id, song_id, "
      "user_id, requested_us) SELECT s.group_id, s.id, u.id, ? FROM songs s, "
      "users u WHERE s.id = ? AND s.group_id = ? AND s.removed_us IS NULL "
      "AND u.name = ?", err);

  if (!st)
    return FALSE;
  sqlite3_bind_int64 (st, 1, now_us);
  sqlite3_bind_int64 (st, 2, song_id);
  sqlite3_bind_int64 (st, 3, group_id);
  bind_text (st, 4, user);
  if (!run (sq, st, "cannot queue the request", err))
    return FALSE;
  if (sqlite3_changes (sq->db) == 0)
    return not_found (err, "no such song in group %u, or no such user",
        group_id);
  if (id)
    *id = sqlite3_last_insert_rowid (sq->db);
  return TRUE;
}

static GPtrArray *
sq_queue_list (gpointer b, guint32 group_id, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "SELECT " REQUEST_COLS " FROM requests r "
      "JOIN users u ON u.id = r.user_id JOIN songs s ON s.id = r.song_id "
      "WHERE r.group_id = ? AND r.popped_us IS NULL "
      "AND s.removed_us IS NULL ORDER BY r.id", err);
  GPtrArray *a;
  gboolean row;

  if (!st)
    return NULL;
  sqlite3_bind_int64 (st, 1, group_id);
  a = g_ptr_array_new_with_free_func ((GDestroyNotify) mmkm_request_free);
  while (step (sq, st, &row, "cannot list the queue", err)) {
    if (!row)
      return a;
    g_ptr_array_add (a, read_request (st));
  }
  g_ptr_array_unref (a);
  return NULL;
}

static MmkmRequest *
sq_queue_pop (gpointer b, guint32 group_id, gint64 now_us, GError ** err)
{
  Sq *sq = b;
  /* one statement: two servers popping at once get different requests */
  sqlite3_stmt *st = stmt (sq, "UPDATE requests SET popped_us = ?1 "
      "WHERE id = (SELECT r.id FROM requests r JOIN songs s "
      "ON s.id = r.song_id WHERE r.group_id = ?2 AND r.popped_us IS NULL "
      "AND s.removed_us IS NULL ORDER BY r.id LIMIT 1) "
      "RETURNING id, group_id, song_id, "
      "(SELECT name FROM users WHERE id = user_id), requested_us, "
      "popped_us, (SELECT number FROM songs WHERE id = song_id), "
      "(SELECT title FROM songs WHERE id = song_id)", err);
  gboolean row;
  MmkmRequest *r;

  if (!st)
    return NULL;
  sqlite3_bind_int64 (st, 1, now_us);
  sqlite3_bind_int64 (st, 2, group_id);
  if (!step (sq, st, &row, "cannot take the next request", err))
    return NULL;
  if (!row) {
    not_found (err, "the queue of group %u is empty", group_id);
    return NULL;
  }
  r = read_request (st);
  /* RETURNING rows are produced before the change is final: step to the
   * end so that the UPDATE commits */
  if (!step (sq, st, &row, "cannot take the next request", err)) {
    mmkm_request_free (r);
    return NULL;
  }
  sqlite3_reset (st);
  return r;
}

static gboolean
sq_request_remove (gpointer b, guint32 group_id, gint64 id, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "DELETE FROM requests WHERE id = ? "
      "AND group_id = ? AND popped_us IS NULL", err);

  if (!st)
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  sqlite3_bind_int64 (st, 2, group_id);
  return run_changed (sq, st, "cannot remove the request", err,
      "no such request in the queue");
}

static gboolean
sq_request_count (gpointer b, const gchar * user, guint32 group_id,
    gint64 since_us, guint * count, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "SELECT count (*) FROM requests r "
      "JOIN users u ON u.id = r.user_id WHERE u.name = ? AND r.group_id = ? "
      "AND r.requested_us >= ?", err);
  gboolean row;

  if (!st)
    return FALSE;
  bind_text (st, 1, user);
  sqlite3_bind_int64 (st, 2, group_id);
  sqlite3_bind_int64 (st, 3, since_us);
  if (!step (sq, st, &row, "cannot count the requests", err))
    return FALSE;
  *count = row ? (guint) sqlite3_column_int64 (st, 0) : 0;
  sqlite3_reset (st);
  return TRUE;
}

static gboolean exec (Sq * sq, const gchar * sql, const gchar * what,
    GError ** err);

static gboolean
song_replace_in (Sq * sq, guint32 group_id, const MmkmSong * songs, guint n,
    gint64 now_us, GError ** err)
{
  sqlite3_stmt *st = stmt (sq, "SELECT id, number FROM songs WHERE "
      "group_id = ? AND removed_us IS NULL", err);
  g_autoptr (GHashTable) live = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gboolean row;
  guint i;

  if (!st)
    return FALSE;
  sqlite3_bind_int64 (st, 1, group_id);
  for (;;) {
    gint64 id, number;
    if (!step (sq, st, &row, "cannot list the songs", err))
      return FALSE;
    if (!row)
      break;
    id = sqlite3_column_int64 (st, 0);
    number = sqlite3_column_int64 (st, 1);
    g_array_append_val (ids, id);
    g_array_append_val (ids, number);
  }
  /* number -> index of its id in @ids; songs without one go */
  for (i = 0; i < ids->len; i += 2)
    g_hash_table_insert (live, &g_array_index (ids, gint64, i + 1),
        GUINT_TO_POINTER (i + 1));
  for (i = 0; i < n; i++) {
    const MmkmSong *s = &songs[i];
    gint64 number = s->number;
    guint at = GPOINTER_TO_UINT (g_hash_table_lookup (live, &number));

    if (at) {
      st = stmt (sq, "UPDATE songs SET title = ?, duration_us = ?, rate = ?, "
          "channels = ?, file = ? WHERE id = ?", err);
      if (!st)
        return FALSE;
      sqlite3_bind_int64 (st, 6, g_array_index (ids, gint64, at - 1));
      g_hash_table_remove (live, &number);
    } else {
      st = stmt (sq, "INSERT INTO songs (title, duration_us, rate, "
          "channels, file, group_id, number) VALUES (?, ?, ?, ?, ?, ?, ?)",
          err);
      if (!st)
        return FALSE;
      sqlite3_bind_int64 (st, 6, group_id);
      sqlite3_bind_int64 (st, 7, number);
    }
    bind_text (st, 1, s->title);
    sqlite3_bind_int64 (st, 2, s->duration_us);
    sqlite3_bind_int64 (st, 3, s->rate);
    sqlite3_bind_int64 (st, 4, s->channels);
    bind_text (st, 5, s->file ? s->file : "");
    if (!run (sq, st, "cannot store the song list", err))
      return FALSE;
  }
  /* the live songs not in the new list, and those without a number */
  for (i = 0; i < ids->len; i += 2) {
    gint64 number = g_array_index (ids, gint64, i + 1);
    if (number != 0 && !g_hash_table_contains (live, &number))
      continue;
    st = stmt (sq, "UPDATE songs SET removed_us = ? WHERE id = ?", err);
    if (!st)
      return FALSE;
    sqlite3_bind_int64 (st, 1, now_us);
    sqlite3_bind_int64 (st, 2, g_array_index (ids, gint64, i));
    if (!run (sq, st, "cannot store the song list", err))
      return FALSE;
  }
  return TRUE;
}

static gboolean
sq_song_replace (gpointer b, guint32 group_id, const MmkmSong * songs,
    guint n, gint64 now_us, GError ** err)
{
  Sq *sq = b;
  GError *e = NULL;

  if (!exec (sq, "BEGIN IMMEDIATE", "cannot store the song list", err))
    return FALSE;
  if (!song_replace_in (sq, group_id, songs, n, now_us, &e)) {
    sqlite3_exec (sq->db, "ROLLBACK", NULL, NULL, NULL);
    if (e->code == MMKM_STORE_ERROR_NOT_FOUND) {
      g_clear_error (&e);
      return not_found (err, "no group %u", group_id);
    }
    g_propagate_error (err, e);
    return FALSE;
  }
  if (!exec (sq, "COMMIT", "cannot store the song list", err)) {
    sqlite3_exec (sq->db, "ROLLBACK", NULL, NULL, NULL);
    return FALSE;
  }
  return TRUE;
}

static gboolean
sq_request_usage (gpointer b, const gchar * user, guint32 group_id,
    gint64 since_us, guint * count, gint64 * oldest_us, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "SELECT count (*), "
      "coalesce (min (r.requested_us), 0) FROM requests r "
      "JOIN users u ON u.id = r.user_id WHERE u.name = ? AND r.group_id = ? "
      "AND r.requested_us >= ?", err);
  gboolean row;

  if (!st)
    return FALSE;
  bind_text (st, 1, user);
  sqlite3_bind_int64 (st, 2, group_id);
  sqlite3_bind_int64 (st, 3, since_us);
  if (!step (sq, st, &row, "cannot count the requests", err))
    return FALSE;
  *count = row ? (guint) sqlite3_column_int64 (st, 0) : 0;
  *oldest_us = row ? sqlite3_column_int64 (st, 1) : 0;
  sqlite3_reset (st);
  return TRUE;
}

static gboolean
sq_now_playing_set (gpointer b, guint32 group_id, gint64 request_id,
    gint64 now_us, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st;

  if (request_id == 0) {
    st = stmt (sq, "UPDATE stream_groups SET now_playing = NULL, "
        "now_playing_us = ? WHERE id = ?", err);
    if (!st)
      return FALSE;
    sqlite3_bind_int64 (st, 1, now_us);
    sqlite3_bind_int64 (st, 2, group_id);
    return run_changed (sq, st, "cannot store what plays", err,
        "no such group");
  }
  st = stmt (sq, "UPDATE stream_groups SET now_playing = ?1, "
      "now_playing_us = ?2 WHERE id = ?3 AND EXISTS (SELECT 1 FROM requests "
      "WHERE id = ?1 AND group_id = ?3 AND popped_us IS NOT NULL)", err);
  if (!st)
    return FALSE;
  sqlite3_bind_int64 (st, 1, request_id);
  sqlite3_bind_int64 (st, 2, now_us);
  sqlite3_bind_int64 (st, 3, group_id);
  return run_changed (sq, st, "cannot store what plays", err,
      "no such entry taken from the queue in this group");
}

static gboolean
sq_now_playing_get (gpointer b, guint32 group_id, MmkmRequest ** request,
    gint64 * since_us, GError ** err)
{
  Sq *sq = b;
  sqlite3_stmt *st = stmt (sq, "SELECT " REQUEST_COLS ", g.now_playing_us "
      "FROM stream_groups g JOIN requests r ON r.id = g.now_playing "
      "JOIN users u ON u.id = r.user_id JOIN songs s ON s.id = r.song_id "
      "WHERE g.id = ?", err);
  gboolean row;

  if (!st)
    return FALSE;
  sqlite3_bind_int64 (st, 1, group_id);
  if (!step (sq, st, &row, "cannot read what plays", err))
    return FALSE;
  *request = row ? read_request (st) : NULL;
  if (since_us)
    *since_us = row ? sqlite3_column_int64 (st, 8) : 0;
  sqlite3_reset (st);
  return TRUE;
}

/* ---- opening, migrations ---- */

static void
finalize_stmt (gpointer st)
{
  sqlite3_finalize (st);
}

static void
sq_close (gpointer b)
{
  Sq *sq = b;

  if (!sq)
    return;
  if (sq->stmts)
    g_hash_table_destroy (sq->stmts);
  sqlite3_close (sq->db);
  g_free (sq->path);
  g_free (sq);
}

static const MmkmStoreVTable sqlite_vtable = {
  .close = sq_close,
  .user_add = sq_user_add,
  .user_get = sq_user_get,
  .user_list = sq_user_list,
  .user_set_password = sq_user_set_password,
  .user_set_role = sq_user_set_role,
  .user_set_disabled = sq_user_set_disabled,
  .user_remove = sq_user_remove,
  .device_enrol = sq_device_enrol,
  .device_get = sq_device_get,
  .device_list = sq_device_list,
  .device_revoke = sq_device_revoke,
  .group_create = sq_group_create,
  .group_get = sq_group_get,
  .group_get_by_name = sq_group_get_by_name,
  .group_list = sq_group_list,
  .group_set_stream = sq_group_set_stream,
  .tek_append = sq_tek_append,
  .tek_get = sq_tek_get,
  .tek_list_after = sq_tek_list_after,
  .log_append = sq_log_append,
  .log_query = sq_log_query,
  .session_create = sq_session_create,
  .session_get = sq_session_get,
  .session_touch = sq_session_touch,
  .session_end = sq_session_end,
  .session_list_live = sq_session_list_live,
  .song_add = sq_song_add,
  .song_list = sq_song_list,
  .song_remove = sq_song_remove,
  .request_enqueue = sq_request_enqueue,
  .queue_list = sq_queue_list,
  .queue_pop = sq_queue_pop,
  .request_count = sq_request_count,
  .song_replace = sq_song_replace,
  .request_usage = sq_request_usage,
  .now_playing_set = sq_now_playing_set,
  .now_playing_get = sq_now_playing_get,
  .request_remove = sq_request_remove,
  .session_heartbeat = sq_session_heartbeat,
  .session_heartbeat_many = sq_session_heartbeat_many,
  .tek_ack = sq_tek_ack,
  .tek_ack_list = sq_tek_ack_list,
};

static gboolean
exec (Sq * sq, const gchar * sql, const gchar * what, GError ** err)
{
  int rc = sqlite3_exec (sq->db, sql, NULL, NULL, NULL);

  return rc == SQLITE_OK || sq_fail (sq, err, rc, what);
}

static gboolean
read_version (Sq * sq, gint64 * version, GError ** err)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2 (sq->db,
      "SELECT coalesce (max (version), 0) FROM schema_version", -1, &st,
      NULL);

  if (rc == SQLITE_OK && (rc = sqlite3_step (st)) == SQLITE_ROW) {
    *version = sqlite3_column_int64 (st, 0);
    sqlite3_finalize (st);
    return TRUE;
  }
  sqlite3_finalize (st);
  return sq_fail (sq, err, rc, "cannot read the schema version");
}

/* Each step in its own IMMEDIATE transaction (the write lock taken
 * first), re-reading the version inside it, so that two servers starting
 * on one database at once migrate it once. */
static gboolean
migrate (Sq * sq, GError ** err)
{
  const gint64 latest = G_N_ELEMENTS (migrations);

  for (;;) {
    gint64 v = 0;
    sqlite3_stmt *st;
    int rc;

    if (!exec (sq, "BEGIN IMMEDIATE", "cannot open the database for "
            "writing", err))
      return FALSE;
    if (!exec (sq, "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, applied_us INTEGER NOT NULL)",
            "cannot create the schema_version table", err)
        || !read_version (sq, &v, err))
      goto rollback;
    if (v > latest) {
      g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_VERSION,
          "the database %s has schema version %" G_GINT64_FORMAT
          ", newer than this mmkm-server knows (%" G_GINT64_FORMAT
          "): run the newer mmkm-server that wrote it, or restore a backup",
          sq->path, v, latest);
      goto rollback;
    }
    if (v < 0) {
      g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_CORRUPT,
          "the database %s has an impossible schema version", sq->path);
      goto rollback;
    }
    if (v == latest)
      return exec (sq, "COMMIT", "cannot commit", err);
    if (!exec (sq, migrations[v], "cannot migrate the database schema", err))
      goto rollback;
    rc = sqlite3_prepare_v2 (sq->db, "INSERT INTO schema_version (version, "
        "applied_us) VALUES (?, ?)", -1, &st, NULL);
    if (rc == SQLITE_OK) {
      sqlite3_bind_int64 (st, 1, v + 1);
      sqlite3_bind_int64 (st, 2, g_get_real_time ());
      rc = sqlite3_step (st);
      sqlite3_finalize (st);
    }
    if (rc != SQLITE_DONE && rc != SQLITE_OK) {
      sq_fail (sq, err, rc, "cannot record the schema version");
      goto rollback;
    }
    if (!exec (sq, "COMMIT", "cannot commit the schema migration", err))
      goto rollback;
    g_info ("mmkm store %s: schema migrated to version %" G_GINT64_FORMAT,
        sq->path, v + 1);
  }

rollback:
  sqlite3_exec (sq->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

static gboolean
pragma_check (Sq * sq, const gchar * sql, const gchar * want, GError ** err)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2 (sq->db, sql, -1, &st, NULL);
  gboolean ok = FALSE;

  if (rc == SQLITE_OK && (rc = sqlite3_step (st)) == SQLITE_ROW) {
    const gchar *got = (const gchar *) sqlite3_column_text (st, 0);

    ok = got && g_ascii_strcasecmp (got, want) == 0;
    if (!ok)
      g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_IO,
          "%s gave \"%s\", not \"%s\" [%s] (is the file on a network file "
          "system? WAL needs a local one)", sql, got ? got : "", want,
          sq->path);
  } else {
    sq_fail (sq, err, rc, sql);
  }
  sqlite3_finalize (st);
  return ok;
}

MmkmStore *
mmkm_store_sqlite_open (const gchar * path, MmkmSeal * seal,
    MmkmStoreSqliteFlags flags, GError ** err)
{
  Sq *sq = g_new0 (Sq, 1);
  int fd, rc;

  sq->path = g_strdup (path);
  sq->stmts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
      finalize_stmt);
  /* the database holds password hashes: create it private (SQLite gives
   * its -wal and -shm files the database file's mode) */
  fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    g_set_error (err, MMKM_STORE_ERROR, MMKM_STORE_ERROR_IO,
        "cannot open or create the database %s: %s (check the state "
        "directory's owner and permissions)", path, g_strerror (errno));
    goto fail;
  }
  close (fd);
  rc = sqlite3_open_v2 (path, &sq->db, SQLITE_OPEN_READWRITE |
      SQLITE_OPEN_EXRESCODE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    sq_fail (sq, err, rc, "cannot open the database");
    goto fail;
  }
  sqlite3_extended_result_codes (sq->db, 1);
  sqlite3_busy_timeout (sq->db, BUSY_TIMEOUT_MS);
  /* synchronous=FULL syncs the WAL at every commit, so a committed TEK
   * survives a power cut too: an MKI once handed out must never come
   * back with another key. NORMAL (optional) survives kill -9 but not
   * a power cut. */
  if (!pragma_check (sq, "PRAGMA journal_mode = WAL", "wal", err)
      || !exec (sq, (flags & MMKM_STORE_SQLITE_SYNC_NORMAL) ?
          "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL",
          "cannot set synchronous", err)
      || !exec (sq, "PRAGMA foreign_keys = ON", "cannot enable foreign keys",
          err)
      || !exec (sq, "PRAGMA trusted_schema = OFF", "cannot set "
          "trusted_schema", err)
      || !migrate (sq, err))
    goto fail;
  return mmkm_store_new (&sqlite_vtable, sq, seal);

fail:
  if (err && *err)
    g_prefix_error (err, "store: ");
  sq_close (sq);
  mmkm_seal_free (seal);
  return NULL;
}
