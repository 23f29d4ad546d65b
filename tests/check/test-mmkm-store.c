/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mmkm-server store on a real SQLite database in a temporary
 * directory: every operation, MKI uniqueness, migrations and refusal of
 * a newer schema, TEKs and KEKs sealed at rest (not in the file, and
 * refused when tampered with or under another key), and kill -9
 * durability of committed rows. */
#include <gst/check/gstcheck.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "mmkm-store-sqlite.h"

typedef struct
{
  gchar *dir;
  gchar *db;
  gchar *key;
} Tmp;

static void
tmp_init (Tmp * t)
{
  t->dir = g_dir_make_tmp ("mmkm-store-XXXXXX", NULL);
  fail_unless (t->dir != NULL);
  t->db = g_build_filename (t->dir, "mmkm.db", NULL);
  t->key = g_build_filename (t->dir, "server.key", NULL);
}

static void
tmp_clear (Tmp * t)
{
  GDir *d = g_dir_open (t->dir, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d))) {
    gchar *p = g_build_filename (t->dir, name, NULL);

    g_unlink (p);
    g_free (p);
  }
  if (d)
    g_dir_close (d);
  g_rmdir (t->dir);
  g_free (t->dir);
  g_free (t->db);
  g_free (t->key);
}

static MmkmStore *
open_store_flags (Tmp * t, MmkmStoreSqliteFlags flags)
{
  GError *err = NULL;
  MmkmSeal *seal = mmkm_seal_open_key_file (t->key, &err);
  MmkmStore *s;

  fail_unless (seal != NULL, "%s", err ? err->message : "");
  s = mmkm_store_sqlite_open (t->db, seal, flags, &err);
  fail_unless (s != NULL, "%s", err ? err->message : "");
  return s;
}

static MmkmStore *
open_store (Tmp * t)
{
  return open_store_flags (t, MMKM_STORE_SQLITE_NONE);
}

#define ASSERT_ERROR(err, c) G_STMT_START { \
  fail_unless ((err) != NULL, "expected error code %d", (c)); \
  fail_unless (g_error_matches ((err), MMKM_STORE_ERROR, (c)), \
      "expected code %d, got %d: %s", (c), (err)->code, (err)->message); \
  g_clear_error (&(err)); \
} G_STMT_END

static void
sql (const gchar * path, const gchar * statement)
{
  sqlite3 *db;
  char *msg = NULL;

  fail_unless (sqlite3_open (path, &db) == SQLITE_OK);
  fail_unless (sqlite3_exec (db, statement, NULL, NULL, &msg) == SQLITE_OK,
      "%s: %s", statement, msg ? msg : "");
  sqlite3_close (db);
}

static gint64
sql_int (const gchar * path, const gchar * query)
{
  sqlite3 *db;
  sqlite3_stmt *st;
  gint64 v = -1;

  fail_unless (sqlite3_open (path, &db) == SQLITE_OK);
  fail_unless (sqlite3_prepare_v2 (db, query, -1, &st, NULL) == SQLITE_OK);
  if (sqlite3_step (st) == SQLITE_ROW)
    v = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  sqlite3_close (db);
  return v;
}

/* Flips one bit of byte @at of the sealed TEK with @mki, as a disk error
 * or an attacker with write access to the file would. */
static void
flip_tek_byte (const gchar * path, guint32 mki, int at)
{
  sqlite3 *db;
  sqlite3_stmt *st;
  guint8 buf[256];
  int n;

  fail_unless (sqlite3_open (path, &db) == SQLITE_OK);
  fail_unless (sqlite3_prepare_v2 (db, "SELECT sealed FROM teks WHERE "
          "mki = ?", -1, &st, NULL) == SQLITE_OK);
  sqlite3_bind_int64 (st, 1, mki);
  fail_unless (sqlite3_step (st) == SQLITE_ROW);
  n = sqlite3_column_bytes (st, 0);
  fail_unless (n > at && n <= (int) sizeof buf);
  memcpy (buf, sqlite3_column_blob (st, 0), n);
  sqlite3_finalize (st);
  buf[at] ^= 1;
  fail_unless (sqlite3_prepare_v2 (db, "UPDATE teks SET sealed = ? WHERE "
          "mki = ?", -1, &st, NULL) == SQLITE_OK);
  sqlite3_bind_blob (st, 1, buf, n, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (st, 2, mki);
  fail_unless (sqlite3_step (st) == SQLITE_DONE);
  sqlite3_finalize (st);
  sqlite3_close (db);
}

static void
add_group (MmkmStore * s, guint32 id, const gchar * name)
{
  MmkmGroup g = { 0 };
  GError *err = NULL;

  g.id = id;
  g.name = (gchar *) name;
  g.tek_period_us = G_GINT64_CONSTANT (24 * 3600) * G_USEC_PER_SEC;
  g.fetch_window_us = G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC;
  g.ssrc = 0x1234;
  fail_unless (mmkm_store_group_create (s, &g, &err), "%s",
      err ? err->message : "");
}

static void
fingerprint (GBytes * der, guint8 fp[32])
{
  gsize len;
  const guint8 *p = g_bytes_get_data (der, &len);
  unsigned int n = 32;

  fail_unless (EVP_Digest (p, len, fp, &n, EVP_sha256 (), NULL) == 1);
}

/* A stand-in certificate: the store only keeps and hashes the bytes. */
static GBytes *
fake_cert (const gchar * tag)
{
  return g_bytes_new (tag, strlen (tag));
}

static void
enrol (MmkmStore * s, const gchar * user, const gchar * tag, guint8 fp[32])
{
  GBytes *der = fake_cert (tag);
  GError *err = NULL;

  fingerprint (der, fp);
  fail_unless (mmkm_store_device_enrol (s, user, fp, der, &err), "%s",
      err ? err->message : "");
  g_bytes_unref (der);
}

static void
make_tek (MmkmTek * t, guint32 group, guint32 mki, gint64 act, guint8 fill)
{
  memset (t, 0, sizeof *t);
  t->group_id = group;
  t->mki = mki;
  t->key_len = 16;
  t->salt_len = 14;
  memset (t->key, fill, 16);
  memset (t->salt, fill ^ 0xff, 14);
  t->key[0] = (guint8) mki;
  t->activation_us = act;
  t->reason = MMKM_TEK_SCHEDULE;
}

GST_START_TEST (test_open_and_migrate)
{
  Tmp t;
  MmkmStore *s;
  struct stat st;
  gint64 v;

  tmp_init (&t);
  /* an existing empty file (as `touch` leaves it) is a new database */
  fail_unless (g_file_set_contents (t.db, "", 0, NULL));
  g_chmod (t.db, 0600);
  s = open_store (&t);
  mmkm_store_close (s);
  v = sql_int (t.db, "SELECT max (version) FROM schema_version");
  fail_unless_equals_int64 (v, mmkm_store_sqlite_schema_version ());
  fail_unless_equals_int64 (sql_int (t.db, "SELECT count (*) FROM "
          "schema_version"), mmkm_store_sqlite_schema_version ());
  fail_unless (g_strcmp0 ("wal", NULL) != 0);
  fail_unless_equals_int64 (sql_int (t.db, "SELECT count (*) FROM "
          "pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
  /* private files */
  fail_unless (g_stat (t.db, &st) == 0);
  fail_unless_equals_int (st.st_mode & 0777, 0600);
  fail_unless (g_stat (t.key, &st) == 0);
  fail_unless_equals_int (st.st_mode & 0777, 0600);
  fail_unless_equals_int (st.st_size, 32);
  {
    /* no temporary key file left behind, no WAL after a clean close */
    GDir *d = g_dir_open (t.dir, 0, NULL);
    guint n = 0;

    while (g_dir_read_name (d))
      n++;
    g_dir_close (d);
    fail_unless_equals_int (n, 2);
  }
  /* opening again migrates nothing and keeps the key */
  s = open_store (&t);
  mmkm_store_close (s);
  fail_unless_equals_int64 (sql_int (t.db, "SELECT count (*) FROM "
          "schema_version"), mmkm_store_sqlite_schema_version ());
  tmp_clear (&t);
}

GST_END_TEST;

GST_START_TEST (test_newer_schema_refused)
{
  Tmp t;
  MmkmStore *s;
  GError *err = NULL;
  gchar *q;

  tmp_init (&t);
  s = open_store (&t);
  mmkm_store_close (s);
  q = g_strdup_printf ("INSERT INTO schema_version VALUES (%u, 0)",
      mmkm_store_sqlite_schema_version () + 1);
  sql (t.db, q);
  g_free (q);
  s = mmkm_store_sqlite_open (t.db, mmkm_seal_open_key_file (t.key, NULL),
      0, &err);
  fail_if (s);
  fail_unless (err && strstr (err->message, "newer"), "%s",
      err ? err->message : "");
  ASSERT_ERROR (err, MMKM_STORE_ERROR_VERSION);
  tmp_clear (&t);
}

GST_END_TEST;

GST_START_TEST (test_not_a_database)
{
  Tmp t;
  MmkmStore *s;
  GError *err = NULL;
  gchar junk[4096];

  tmp_init (&t);
  memset (junk, 'x', sizeof junk);
  fail_unless (g_file_set_contents (t.db, junk, sizeof junk, NULL));
  s = mmkm_store_sqlite_open (t.db, mmkm_seal_open_key_file (t.key, NULL),
      0, &err);
  fail_if (s);
  fail_unless (err && strstr (err->message, t.db), "%s",
      err ? err->message : "");
  ASSERT_ERROR (err, MMKM_STORE_ERROR_CORRUPT);
  tmp_clear (&t);
}

GST_END_TEST;

GST_START_TEST (test_users)
{
  Tmp t;
  MmkmStore *s;
  GError *err = NULL;
  MmkmUser *u;
  GPtrArray *a;

  tmp_init (&t);
  s = open_store (&t);
  fail_unless (mmkm_store_user_add (s, "bob", MMKM_ROLE_LISTENER, "$h1", NULL));
  fail_unless (mmkm_store_user_add (s, "alice", MMKM_ROLE_ADMIN, "$h2", NULL));
  fail_if (mmkm_store_user_add (s, "bob", MMKM_ROLE_SENDER, "$h3", &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_EXISTS);
  fail_if (mmkm_store_user_add (s, "with space", MMKM_ROLE_SENDER, "$h", &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_INVALID);
  fail_if (mmkm_store_user_add (s, "a:b", MMKM_ROLE_SENDER, "$h", &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_INVALID);
  fail_if (mmkm_store_user_add (s, "", MMKM_ROLE_SENDER, "$h", &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_INVALID);
  fail_if (mmkm_store_user_add (s, "carol", 7, "$h", &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_INVALID);

  u = mmkm_store_user_get (s, "bob", &err);
  fail_unless (u != NULL);
  fail_unless_equals_string (u->name, "bob");
  fail_unless_equals_int (u->role, MMKM_ROLE_LISTENER);
  fail_unless_equals_string (u->password_hash, "$h1");
  fail_if (u->disabled);
  fail_unless (u->created_us > 0);
  mmkm_user_free (u);
  fail_if (mmkm_store_user_get (s, "nobody", &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);

  a = mmkm_store_user_list (s, NULL);
  fail_unless_equals_int (a->len, 2);
  fail_unless_equals_string (((MmkmUser *) a->pdata[0])->name, "alice");
  fail_unless_equals_string (((MmkmUser *) a->pdata[1])->name, "bob");
  g_ptr_array_unref (a);

  fail_unless (mmkm_store_user_set_password (s, "bob", "$new", NULL));
  fail_unless (mmkm_store_user_set_role (s, "bob", MMKM_ROLE_SENDER, NULL));
  fail_unless (mmkm_store_user_set_disabled (s, "bob", TRUE, NULL));
  u = mmkm_store_user_get (s, "bob", NULL);
  fail_unless_equals_string (u->password_hash, "$new");
  fail_unless_equals_int (u->role, MMKM_ROLE_SENDER);
  fail_unless (u->disabled);
  mmkm_user_free (u);
  fail_unless (mmkm_store_user_set_disabled (s, "bob", FALSE, NULL));
  u = mmkm_store_user_get (s, "bob", NULL);
  fail_if (u->disabled);
  mmkm_user_free (u);
  fail_if (mmkm_store_user_set_password (s, "nobody", "$x", &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  fail_if (mmkm_store_user_set_disabled (s, "nobody", TRUE, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  fail_if (mmkm_store_user_set_role (s, "nobody", MMKM_ROLE_ADMIN, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);

  fail_unless (mmkm_store_user_remove (s, "bob", NULL));
  fail_if (mmkm_store_user_remove (s, "bob", &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  fail_if (mmkm_store_user_get (s, "bob", &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  /* a name hostile to SQL is only data */
  fail_unless (mmkm_store_user_add (s, "x';DROP_TABLE_users;--",
          MMKM_ROLE_LISTENER, "$h", NULL));
  u = mmkm_store_user_get (s, "x';DROP_TABLE_users;--", NULL);
  fail_unless (u != NULL);
  mmkm_user_free (u);

  fail_unless_equals_string (mmkm_role_to_string (MMKM_ROLE_SENDER), "sender");
  {
    MmkmRole r;

    fail_unless (mmkm_role_from_string ("admin", &r));
    fail_unless_equals_int (r, MMKM_ROLE_ADMIN);
    fail_if (mmkm_role_from_string ("root", &r));
  }
  mmkm_store_close (s);
  tmp_clear (&t);
}

GST_END_TEST;

GST_START_TEST (test_devices)
{
  Tmp t;
  MmkmStore *s;
  GError *err = NULL;
  guint8 fp1[32], fp2[32], fp3[32], bad[32];
  GBytes *der;
  MmkmDevice *d;
  GPtrArray *a;

  tmp_init (&t);
  s = open_store (&t);
  mmkm_store_user_add (s, "bob", MMKM_ROLE_LISTENER, "$h", NULL);
  mmkm_store_user_add (s, "eve", MMKM_ROLE_LISTENER, "$h", NULL);
  enrol (s, "bob", "cert-bob-1", fp1);
  enrol (s, "bob", "cert-bob-2", fp2);
  enrol (s, "eve", "cert-eve-1", fp3);

  der = fake_cert ("cert-bob-1");
  fail_if (mmkm_store_device_enrol (s, "eve", fp1, der, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_EXISTS);
  memcpy (bad, fp1, 32);
  bad[31] ^= 1;
  fail_if (mmkm_store_device_enrol (s, "bob", bad, der, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_INVALID);
  g_bytes_unref (der);
  der = fake_cert ("cert-nobody");
  fingerprint (der, bad);
  fail_if (mmkm_store_device_enrol (s, "nobody", bad, der, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  g_bytes_unref (der);

  d = mmkm_store_device_get (s, fp2, NULL);
  fail_unless (d != NULL);
  fail_unless_equals_string (d->user, "bob");
  fail_unless (memcmp (d->fingerprint, fp2, 32) == 0);
  fail_unless_equals_int (g_bytes_get_size (d->cert_der), 10);
  fail_unless (memcmp (g_bytes_get_data (d->cert_der, NULL), "cert-bob-2",
          10) == 0);
  fail_unless_equals_int64 (d->revoked_us, 0);
  mmkm_device_free (d);
  fail_if (mmkm_store_device_get (s, bad, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);

  a = mmkm_store_device_list (s, "bob", NULL);
  fail_unless_equals_int (a->len, 2);
  g_ptr_array_unref (a);
  a = mmkm_store_device_list (s, NULL, NULL);
  fail_unless_equals_int (a->len, 3);
  g_ptr_array_unref (a);

  fail_unless (mmkm_store_device_revoke (s, fp1, NULL));
  fail_if (mmkm_store_device_revoke (s, fp1, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  d = mmkm_store_device_get (s, fp1, NULL);
  fail_unless (d->revoked_us > 0);
  mmkm_device_free (d);

  /* removing a user takes its devices along */
  fail_unless (mmkm_store_user_remove (s, "bob", NULL));
  a = mmkm_store_device_list (s, NULL, NULL);
  fail_unless_equals_int (a->len, 1);
  fail_unless_equals_string (((MmkmDevice *) a->pdata[0])->user, "eve");
  g_ptr_array_unref (a);
  mmkm_store_close (s);
  tmp_clear (&t);
}

GST_END_TEST;

GST_START_TEST (test_groups)
{
  Tmp t;
  MmkmStore *s;
  GError *err = NULL;
  MmkmGroup g = { 0 }, *got;
  GPtrArray *a;

  tmp_init (&t);
  s = open_store (&t);
  add_group (s, 0xdeadbeef, "radio");
  add_group (s, 7, "lounge");
  g.id = 7;
  g.name = (gchar *) "other";
  g.tek_period_us = 10;
  g.fetch_window_us = 5;
  fail_if (mmkm_store_group_create (s, &g, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_EXISTS);
  g.id = 8;
  g.name = (gchar *) "radio";
  fail_if (mmkm_store_group_create (s, &g, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_EXISTS);
  g.name = (gchar *) "bad";
  g.fetch_window_us = 20;
  fail_if (mmkm_store_group_create (s, &g, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_INVALID);

  got = mmkm_store_group_get (s, 0xdeadbeef, NULL);
  fail_unless (got != NULL);
  fail_unless_equals_int64 (got->id, 0xdeadbeef);
  fail_unless_equals_string (got->name, "radio");
  fail_unless_equals_int64 (got->tek_period_us,
      G_GINT64_CONSTANT (24 * 3600) * G_USEC_PER_SEC);
  fail_unless_equals_int64 (got->fetch_window_us,
      G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC);
  fail_unless_equals_int (got->ssrc, 0x1234);
  mmkm_group_free (got);
  fail_unless (mmkm_store_group_set_stream (s, 0xdeadbeef, 0xfeedface, 3,
          NULL));
  got = mmkm_store_group_get_by_name (s, "radio", NULL);
  fail_unless_equals_int64 (got->ssrc, 0xfeedface);
  fail_unless_equals_int (got->roc, 3);
  mmkm_group_free (got);
  fail_if (mmkm_store_group_get (s, 99, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  fail_if (mmkm_store_group_get_by_name (s, "nope", &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  fail_if (mmkm_store_group_set_stream (s, 99, 1, 1, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  a = mmkm_store_group_list (s, NULL);
  fail_unless_equals_int (a->len, 2);
  fail_unless_equals_int64 (((MmkmGroup *) a->pdata[0])->id, 7);
  g_ptr_array_unref (a);
  mmkm_store_close (s);
  tmp_clear (&t);
}

GST_END_TEST;

GST_START_TEST (test_teks)
{
  Tmp t;
  MmkmStore *s;
  GError *err = NULL;
  MmkmTek tek, *got;
  GPtrArray *a;
  const gint64 T = G_GINT64_CONSTANT (1800000000) * G_USEC_PER_SEC;
  guint32 mki;

  tmp_init (&t);
  s = open_store (&t);
  add_group (s, 1, "one");
  add_group (s, 2, "two");
  for (mki = 10; mki <= 13; mki++) {
    make_tek (&tek, 1, mki, T + (mki - 10) * 100, 0x40 + mki);
    fail_unless (mmkm_store_tek_append (s, &tek, &err), "%s",
        err ? err->message : "");
  }
  /* the same MKI again, or a lower one: CONFLICT */
  make_tek (&tek, 1, 13, T, 0x99);
  fail_if (mmkm_store_tek_append (s, &tek, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_CONFLICT);
  make_tek (&tek, 1, 5, T, 0x99);
  fail_if (mmkm_store_tek_append (s, &tek, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_CONFLICT);
  /* the other group has its own MKI space */
  make_tek (&tek, 2, 13, T, 0x77);
  fail_unless (mmkm_store_tek_append (s, &tek, NULL));
  make_tek (&tek, 3, 1, T, 0x77);
  fail_if (mmkm_store_tek_append (s, &tek, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  make_tek (&tek, 1, 20, T, 0x77);
  tek.key_len = 33;
  fail_if (mmkm_store_tek_append (s, &tek, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_INVALID);

  got = mmkm_store_tek_get (s, 1, MMKM_TEK_BY_MKI, 12, 0, &err);
  fail_unless (got != NULL, "%s", err ? err->message : "");
  make_tek (&tek, 1, 12, T + 200, 0x40 + 12);
  fail_unless_equals_int (got->key_len, 16);
  fail_unless_equals_int (got->salt_len, 14);
  fail_unless (memcmp (got->key, tek.key, 16) == 0);
  fail_unless (memcmp (got->salt, tek.salt, 14) == 0);
  fail_unless_equals_int64 (got->activation_us, T + 200);
  fail_unless (got->created_us > 0);
  fail_unless (got->sealed == NULL);
  mmkm_tek_free (got);

  /* at T+150: current is MKI 11 (T+100), next is MKI 12 (T+200) */
  got = mmkm_store_tek_get (s, 1, MMKM_TEK_CURRENT, 0, T + 150, NULL);
  fail_unless_equals_int (got->mki, 11);
  mmkm_tek_free (got);
  got = mmkm_store_tek_get (s, 1, MMKM_TEK_NEXT, 0, T + 150, NULL);
  fail_unless_equals_int (got->mki, 12);
  mmkm_tek_free (got);
  fail_if (mmkm_store_tek_get (s, 1, MMKM_TEK_CURRENT, 0, T - 1, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  fail_if (mmkm_store_tek_get (s, 1, MMKM_TEK_NEXT, 0, T + 300, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  fail_if (mmkm_store_tek_get (s, 1, MMKM_TEK_BY_MKI, 14, 0, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);

  a = mmkm_store_tek_list_after (s, 1, FALSE, 10, 0, NULL);
  fail_unless_equals_int (a->len, 3);
  fail_unless_equals_int (((MmkmTek *) a->pdata[0])->mki, 11);
  fail_unless_equals_int (((MmkmTek *) a->pdata[2])->mki, 13);
  fail_unless_equals_int (((MmkmTek *) a->pdata[2])->key[0], 13);
  g_ptr_array_unref (a);
  a = mmkm_store_tek_list_after (s, 1, TRUE, 0, 2, NULL);
  fail_unless_equals_int (a->len, 2);
  fail_unless_equals_int (((MmkmTek *) a->pdata[0])->mki, 10);
  g_ptr_array_unref (a);
  mmkm_store_close (s);
  tmp_clear (&t);
}

GST_END_TEST;

/* Two stores on one database race for the same MKI: exactly one wins. */
GST_START_TEST (test_mki_race_two_connections)
{
  Tmp t;
  MmkmStore *a, *b;
  MmkmTek tek;
  GError *err = NULL;

  tmp_init (&t);
  a = open_store (&t);
  b = open_store (&t);
  add_group (a, 1, "one");
  make_tek (&tek, 1, 1, 0, 1);
  fail_unless (mmkm_store_tek_append (a, &tek, NULL));
  make_tek (&tek, 1, 1, 0, 2);
  fail_if (mmkm_store_tek_append (b, &tek, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_CONFLICT);
  make_tek (&tek, 1, 2, 0, 2);
  fail_unless (mmkm_store_tek_append (b, &tek, NULL));
  mmkm_store_close (a);
  mmkm_store_close (b);
  tmp_clear (&t);
}

GST_END_TEST;

static gboolean
file_contains (const gchar * path, const guint8 * needle, gsize n)
{
  gchar *data = NULL;
  gsize len = 0;
  gboolean found;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return FALSE;
  found = memmem (data, len, needle, n) != NULL;
  g_free (data);
  return found;
}

static gboolean
any_db_file_contains (Tmp * t, const guint8 * needle, gsize n)
{
  gchar *wal = g_strconcat (t->db, "-wal", NULL);
  gboolean found = file_contains (t->db, needle, n)
      || file_contains (wal, needle, n);

  g_free (wal);
  return found;
}

GST_START_TEST (test_secrets_not_in_file)
{
  Tmp t;
  MmkmStore *s;
  MmkmTek tek;
  MmkmSession sess = { 0 }, *got;
  guint8 fp[32];
  const guint8 key[16] = "TEK-KEY-MARKER!!";
  const guint8 salt[14] = "SALT-MARKER-14";
  const guint8 kek[32] = "KEK-MARKER-32-BYTES-LONG-SECRET!";
  const guint8 plain_marker[] = "PLAINTEXT-CONTROL";

  tmp_init (&t);
  s = open_store (&t);
  add_group (s, 5, "g");
  mmkm_store_user_add (s, "bob", MMKM_ROLE_LISTENER, "$h", NULL);
  enrol (s, "bob", "cert", fp);
  make_tek (&tek, 5, 1, 0, 0);
  memcpy (tek.key, key, 16);
  memcpy (tek.salt, salt, 14);
  fail_unless (mmkm_store_tek_append (s, &tek, NULL));
  memset (sess.id, 0xab, sizeof sess.id);
  sess.user = (gchar *) "bob";
  sess.group_id = 5;
  memcpy (sess.device, fp, 32);
  sess.login_us = 1000;
  sess.has_kek = TRUE;
  memcpy (sess.kek, kek, 32);
  fail_unless (mmkm_store_session_create (s, &sess, NULL));
  /* a control: something stored in the clear is found by the same search */
  fail_unless (mmkm_store_user_add (s, (const gchar *) plain_marker,
          MMKM_ROLE_LISTENER, "$h", NULL));
  /* while open the rows are in the WAL, after closing in the database */
  fail_unless (any_db_file_contains (&t, plain_marker, 17));
  fail_if (any_db_file_contains (&t, key, 16));
  fail_if (any_db_file_contains (&t, salt, 14));
  fail_if (any_db_file_contains (&t, kek, 32));
  mmkm_store_close (s);

  fail_unless (any_db_file_contains (&t, plain_marker, 17));
  fail_if (any_db_file_contains (&t, key, 16));
  fail_if (any_db_file_contains (&t, salt, 14));
  fail_if (any_db_file_contains (&t, kek, 32));
  fail_if (any_db_file_contains (&t, key, 8));

  s = open_store (&t);
  got = mmkm_store_session_get (s, sess.id, NULL);
  fail_unless (got && got->has_kek);
  fail_unless (memcmp (got->kek, kek, 32) == 0);
  mmkm_session_free (got);
  {
    MmkmTek *g = mmkm_store_tek_get (s, 5, MMKM_TEK_BY_MKI, 1, 0, NULL);

    fail_unless (g && memcmp (g->key, key, 16) == 0);
    fail_unless (memcmp (g->salt, salt, 14) == 0);
    mmkm_tek_free (g);
  }
  mmkm_store_close (s);
  tmp_clear (&t);
}

GST_END_TEST;

GST_START_TEST (test_tamper_and_wrong_key)
{
  Tmp t;
  MmkmStore *s;
  MmkmTek tek, *got;
  GError *err = NULL;
  guint8 other[32];
  gchar *bad_key;

  tmp_init (&t);
  s = open_store (&t);
  add_group (s, 5, "g");
  make_tek (&tek, 5, 1, 0, 1);
  fail_unless (mmkm_store_tek_append (s, &tek, NULL));
  make_tek (&tek, 5, 2, 0, 2);
  fail_unless (mmkm_store_tek_append (s, &tek, NULL));
  make_tek (&tek, 5, 3, 0, 3);
  fail_unless (mmkm_store_tek_append (s, &tek, NULL));
  mmkm_store_close (s);

  /* MKI 1: one ciphertext byte flipped; MKI 2: MKI 3's sealed value
   * copied in (a valid ciphertext, under the wrong row identity) */
  flip_tek_byte (t.db, 1, 20);
  sql (t.db, "UPDATE teks SET sealed = (SELECT sealed FROM teks "
      "WHERE mki = 3) WHERE mki = 2");
  s = open_store (&t);
  fail_if (mmkm_store_tek_get (s, 5, MMKM_TEK_BY_MKI, 1, 0, &err));
  fail_unless (err && strstr (err->message, "MKI 1"), "%s",
      err ? err->message : "");
  ASSERT_ERROR (err, MMKM_STORE_ERROR_CORRUPT);
  fail_if (mmkm_store_tek_get (s, 5, MMKM_TEK_BY_MKI, 2, 0, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_CORRUPT);
  got = mmkm_store_tek_get (s, 5, MMKM_TEK_BY_MKI, 3, 0, &err);
  fail_unless (got != NULL);
  fail_unless_equals_int (got->key[0], 3);
  mmkm_tek_free (got);
  fail_if (mmkm_store_tek_list_after (s, 5, TRUE, 0, 0, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_CORRUPT);
  mmkm_store_close (s);

  /* MKI 3 under another server key */
  memset (other, 0x5a, sizeof other);
  s = mmkm_store_sqlite_open (t.db, mmkm_seal_new (other), 0, &err);
  fail_unless (s != NULL);
  fail_if (mmkm_store_tek_get (s, 5, MMKM_TEK_BY_MKI, 3, 0, &err));
  fail_unless (err && strstr (err->message, "key"), "%s",
      err ? err->message : "");
  ASSERT_ERROR (err, MMKM_STORE_ERROR_CORRUPT);
  mmkm_store_close (s);

  /* key files: wrong size, readable by others */
  bad_key = g_build_filename (t.dir, "short.key", NULL);
  fail_unless (g_file_set_contents (bad_key, "short", 5, NULL));
  g_chmod (bad_key, 0600);
  fail_if (mmkm_seal_open_key_file (bad_key, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_CORRUPT);
  g_chmod (t.key, 0644);
  fail_if (mmkm_seal_open_key_file (t.key, &err));
  fail_unless (err && strstr (err->message, "chmod 600"), "%s",
      err ? err->message : "");
  ASSERT_ERROR (err, MMKM_STORE_ERROR_IO);
  g_free (bad_key);
  tmp_clear (&t);
}

GST_END_TEST;

GST_START_TEST (test_seal_unit)
{
  guint8 k[32] = { 1 }, out[64];
  MmkmSeal *seal = mmkm_seal_new (k);
  GBytes *a, *b, *cut;
  gsize n = 0;
  GError *err = NULL;

  a = mmkm_seal_seal (seal, (const guint8 *) "ad", 2,
      (const guint8 *) "secret", 6, NULL);
  b = mmkm_seal_seal (seal, (const guint8 *) "ad", 2,
      (const guint8 *) "secret", 6, NULL);
  fail_unless_equals_int (g_bytes_get_size (a), 6 + MMKM_SEAL_OVERHEAD);
  /* fresh nonce each time */
  fail_if (g_bytes_equal (a, b));
  fail_unless (mmkm_seal_open (seal, (const guint8 *) "ad", 2, a, out,
          sizeof out, &n, NULL));
  fail_unless_equals_int (n, 6);
  fail_unless (memcmp (out, "secret", 6) == 0);
  fail_if (mmkm_seal_open (seal, (const guint8 *) "AD", 2, a, out,
          sizeof out, &n, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_CORRUPT);
  /* wiped on failure */
  fail_unless (out[0] == 0 && out[5] == 0);
  cut = g_bytes_new_from_bytes (a, 0, 10);
  fail_if (mmkm_seal_open (seal, (const guint8 *) "ad", 2, cut, out,
          sizeof out, &n, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_CORRUPT);
  fail_if (mmkm_seal_open (seal, (const guint8 *) "ad", 2, a, out, 5, &n,
          &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_CORRUPT);
  g_bytes_unref (cut);
  g_bytes_unref (a);
  g_bytes_unref (b);
  mmkm_seal_free (seal);
}

GST_END_TEST;

GST_START_TEST (test_log)
{
  Tmp t;
  MmkmStore *s;
  MmkmLogEntry e = { 0 };
  MmkmLogFilter f = { 0 };
  GPtrArray *a;
  GError *err = NULL;
  gint64 id = 0;
  guint i;
  const gchar *users[] = { "bob", "eve", "bob", "carol", "bob", "eve" };

  tmp_init (&t);
  s = open_store (&t);
  for (i = 0; i < G_N_ELEMENTS (users); i++) {
    e.user = (gchar *) users[i];
    e.group_id = i % 2 ? 2 : 1;
    e.time_us = 1000 + i * 10;
    e.source = (gchar *) "192.0.2.1:4000";
    e.event = i % 3 == 2 ? MMKM_LOG_LEFT : MMKM_LOG_JOINED;
    e.reason = (MmkmReason) (i % 6);
    fail_unless (mmkm_store_log_append (s, &e, &id, NULL));
    fail_unless (id > 0);
  }
  e.event = 9;
  fail_if (mmkm_store_log_append (s, &e, NULL, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_INVALID);

  f.any_group = TRUE;
  a = mmkm_store_log_query (s, &f, NULL);
  fail_unless_equals_int (a->len, 6);
  /* newest first */
  fail_unless_equals_int64 (((MmkmLogEntry *) a->pdata[0])->time_us, 1050);
  fail_unless_equals_string (((MmkmLogEntry *) a->pdata[0])->user, "eve");
  fail_unless_equals_string (((MmkmLogEntry *) a->pdata[0])->source,
      "192.0.2.1:4000");
  fail_unless_equals_int (((MmkmLogEntry *) a->pdata[0])->reason,
      MMKM_REASON_REFUSED);
  fail_unless_equals_int (((MmkmLogEntry *) a->pdata[0])->event, MMKM_LOG_LEFT);
  fail_unless_equals_int64 (((MmkmLogEntry *) a->pdata[5])->time_us, 1000);
  g_ptr_array_unref (a);

  f.user = "bob";
  a = mmkm_store_log_query (s, &f, NULL);
  fail_unless_equals_int (a->len, 3);
  g_ptr_array_unref (a);
  f.limit = 2;
  a = mmkm_store_log_query (s, &f, NULL);
  fail_unless_equals_int (a->len, 2);
  fail_unless_equals_int64 (((MmkmLogEntry *) a->pdata[0])->time_us, 1040);
  g_ptr_array_unref (a);
  f.user = NULL;
  f.limit = 0;
  f.any_group = FALSE;
  f.group_id = 2;
  a = mmkm_store_log_query (s, &f, NULL);
  fail_unless_equals_int (a->len, 3);
  g_ptr_array_unref (a);
  f.any_group = TRUE;
  f.since_us = 1010;
  f.until_us = 1040;
  a = mmkm_store_log_query (s, &f, NULL);
  fail_unless_equals_int (a->len, 3);
  fail_unless_equals_int64 (((MmkmLogEntry *) a->pdata[0])->time_us, 1030);
  fail_unless_equals_int64 (((MmkmLogEntry *) a->pdata[2])->time_us, 1010);
  g_ptr_array_unref (a);
  a = mmkm_store_log_query (s, NULL, NULL);
  fail_unless_equals_int (a->len, 6);
  g_ptr_array_unref (a);
  fail_unless_equals_string (mmkm_reason_to_string (MMKM_REASON_TIMEOUT),
      "timeout");
  fail_unless_equals_string (mmkm_tek_reason_to_string (MMKM_TEK_LEAVE),
      "leave");
  mmkm_store_close (s);
  tmp_clear (&t);
}

GST_END_TEST;

GST_START_TEST (test_sessions)
{
  Tmp t;
  MmkmStore *s;
  MmkmSession sess = { 0 }, *got;
  GPtrArray *a;
  GError *err = NULL;
  guint8 fp[32], fp_eve[32], id2[16];

  tmp_init (&t);
  s = open_store (&t);
  add_group (s, 1, "one");
  add_group (s, 2, "two");
  mmkm_store_user_add (s, "bob", MMKM_ROLE_LISTENER, "$h", NULL);
  mmkm_store_user_add (s, "eve", MMKM_ROLE_LISTENER, "$h", NULL);
  enrol (s, "bob", "cert-bob", fp);
  enrol (s, "eve", "cert-eve", fp_eve);

  memset (sess.id, 1, 16);
  sess.user = (gchar *) "bob";
  sess.group_id = 1;
  memcpy (sess.device, fp, 32);
  sess.login_us = 100;
  sess.source = (gchar *) "[2001:db8::1]:5000";
  fail_unless (mmkm_store_session_create (s, &sess, &err), "%s",
      err ? err->message : "");
  fail_if (mmkm_store_session_create (s, &sess, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_EXISTS);
  /* bob with eve's device: refused */
  memset (sess.id, 2, 16);
  memcpy (sess.device, fp_eve, 32);
  fail_if (mmkm_store_session_create (s, &sess, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  memcpy (sess.device, fp, 32);
  sess.group_id = 9;
  fail_if (mmkm_store_session_create (s, &sess, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  sess.group_id = 2;
  sess.login_us = 200;
  sess.has_kek = TRUE;
  memset (sess.kek, 0x42, 32);
  fail_unless (mmkm_store_session_create (s, &sess, NULL));
  memcpy (id2, sess.id, 16);

  got = mmkm_store_session_get (s, id2, NULL);
  fail_unless (got != NULL);
  fail_unless_equals_string (got->user, "bob");
  fail_unless_equals_int (got->group_id, 2);
  fail_unless (memcmp (got->device, fp, 32) == 0);
  fail_unless_equals_int64 (got->login_us, 200);
  fail_unless_equals_int64 (got->heartbeat_us, 200);
  fail_unless_equals_string (got->source, "[2001:db8::1]:5000");
  fail_unless (got->has_kek);
  fail_unless_equals_int (got->kek[31], 0x42);
  fail_unless (got->sealed == NULL);
  mmkm_session_free (got);
  memset (sess.id, 1, 16);
  got = mmkm_store_session_get (s, sess.id, NULL);
  fail_if (got->has_kek);
  mmkm_session_free (got);

  fail_unless (mmkm_store_session_touch (s, id2, 300, NULL));
  /* heartbeats never go back in time */
  fail_unless (mmkm_store_session_touch (s, id2, 250, NULL));
  got = mmkm_store_session_get (s, id2, NULL);
  fail_unless_equals_int64 (got->heartbeat_us, 300);
  mmkm_session_free (got);

  a = mmkm_store_session_list_live (s, TRUE, 0, NULL);
  fail_unless_equals_int (a->len, 2);
  fail_unless_equals_int64 (((MmkmSession *) a->pdata[0])->login_us, 100);
  fail_if (((MmkmSession *) a->pdata[1])->has_kek);
  g_ptr_array_unref (a);
  a = mmkm_store_session_list_live (s, FALSE, 2, NULL);
  fail_unless_equals_int (a->len, 1);
  g_ptr_array_unref (a);

  fail_unless (mmkm_store_session_end (s, id2, 400, MMKM_REASON_BYE, NULL));
  fail_if (mmkm_store_session_end (s, id2, 401, MMKM_REASON_BYE, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  fail_if (mmkm_store_session_touch (s, id2, 500, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  got = mmkm_store_session_get (s, id2, NULL);
  fail_unless_equals_int64 (got->ended_us, 400);
  fail_unless_equals_int (got->end_reason, MMKM_REASON_BYE);
  /* an ended session's KEK is gone from the store */
  fail_if (got->has_kek);
  mmkm_session_free (got);
  a = mmkm_store_session_list_live (s, TRUE, 0, NULL);
  fail_unless_equals_int (a->len, 1);
  g_ptr_array_unref (a);
  memset (id2, 7, 16);
  fail_if (mmkm_store_session_get (s, id2, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  mmkm_store_close (s);
  tmp_clear (&t);
}

GST_END_TEST;

/* Many heartbeats in one transaction: live sessions get theirs (times and
 * sequence numbers never going back, an id twice in a batch is fine),
 * ended and unknown ones are skipped. */
GST_START_TEST (test_session_heartbeat_many)
{
  Tmp t;
  MmkmStore *s;
  MmkmSession sess = { 0 }, *got;
  guint8 fp[32], ids[5 * 16];
  gint64 times[5] = { 500, 150, 700, 800, 400 };
  guint64 seqs[5] = { 9, 4, 5, 6, 7 };
  GError *err = NULL;
  guint written = 99, i;

  tmp_init (&t);
  s = open_store (&t);
  add_group (s, 1, "one");
  mmkm_store_user_add (s, "bob", MMKM_ROLE_LISTENER, "$h", NULL);
  enrol (s, "bob", "cert-bob", fp);
  sess.user = (gchar *) "bob";
  sess.group_id = 1;
  memcpy (sess.device, fp, 32);
  sess.login_us = 200;
  for (i = 0; i < 3; i++) {
    memset (sess.id, i + 1, 16);
    fail_unless (mmkm_store_session_create (s, &sess, NULL));
    memcpy (ids + i * 16, sess.id, 16);
  }
  /* the third has ended; the fourth never existed; the fifth is the
   * first again, with an earlier time and a lower number */
  fail_unless (mmkm_store_session_end (s, ids + 32, 300, MMKM_REASON_BYE,
          NULL));
  memset (ids + 48, 9, 16);
  memcpy (ids + 64, ids, 16);

  fail_unless (mmkm_store_session_heartbeat_many (s, ids, times, seqs, 5,
          &written, &err), "%s", err ? err->message : "");
  fail_unless_equals_int (written, 3);
  got = mmkm_store_session_get (s, ids, NULL);
  fail_unless_equals_int64 (got->heartbeat_us, 500);
  fail_unless_equals_uint64 (got->hb_seq, 9);
  mmkm_session_free (got);
  /* 150 is before the login's 200: the time does not go back */
  got = mmkm_store_session_get (s, ids + 16, NULL);
  fail_unless_equals_int64 (got->heartbeat_us, 200);
  fail_unless_equals_uint64 (got->hb_seq, 4);
  mmkm_session_free (got);
  got = mmkm_store_session_get (s, ids + 32, NULL);
  fail_unless_equals_int64 (got->heartbeat_us, 200);
  fail_unless_equals_uint64 (got->hb_seq, 0);
  fail_unless_equals_int64 (got->ended_us, 300);
  mmkm_session_free (got);
  /* an empty batch is fine */
  fail_unless (mmkm_store_session_heartbeat_many (s, ids, times, seqs, 0,
          &written, NULL));
  fail_unless_equals_int (written, 0);
  mmkm_store_close (s);
  tmp_clear (&t);
}

GST_END_TEST;

GST_START_TEST (test_tek_acks_and_hb_seq)
{
  Tmp t;
  MmkmStore *s;
  MmkmSession sess = { 0 }, *got;
  GPtrArray *a;
  GError *err = NULL;
  gboolean is_first = FALSE;
  guint8 fp[32], fp_eve[32], id_bob[16], id_eve[16];
  MmkmTekAck *k;

  tmp_init (&t);
  s = open_store (&t);
  add_group (s, 1, "one");
  add_group (s, 2, "two");
  mmkm_store_user_add (s, "bob", MMKM_ROLE_LISTENER, "$h", NULL);
  mmkm_store_user_add (s, "eve", MMKM_ROLE_LISTENER, "$h", NULL);
  enrol (s, "bob", "cert-bob", fp);
  enrol (s, "eve", "cert-eve", fp_eve);
  memset (id_bob, 1, 16);
  memset (id_eve, 2, 16);
  memcpy (sess.id, id_bob, 16);
  sess.user = (gchar *) "bob";
  sess.group_id = 1;
  memcpy (sess.device, fp, 32);
  sess.login_us = 100;
  fail_unless (mmkm_store_session_create (s, &sess, NULL));
  memcpy (sess.id, id_eve, 16);
  sess.user = (gchar *) "eve";
  memcpy (sess.device, fp_eve, 32);
  sess.login_us = 110;
  fail_unless (mmkm_store_session_create (s, &sess, NULL));

  /* the heartbeat sequence number: 0 at first, raised, never lowered */
  got = mmkm_store_session_get (s, id_bob, NULL);
  fail_unless_equals_uint64 (got->hb_seq, 0);
  mmkm_session_free (got);
  fail_unless (mmkm_store_session_heartbeat (s, id_bob, 300, 17, NULL));
  fail_unless (mmkm_store_session_heartbeat (s, id_bob, 250, 12, NULL));
  got = mmkm_store_session_get (s, id_bob, NULL);
  fail_unless_equals_uint64 (got->hb_seq, 17);
  fail_unless_equals_int64 (got->heartbeat_us, 300);
  mmkm_session_free (got);
  a = mmkm_store_session_list_live (s, TRUE, 0, NULL);
  fail_unless_equals_uint64 (((MmkmSession *) a->pdata[0])->hb_seq, 17);
  g_ptr_array_unref (a);

  /* acknowledgements: once per session and MKI, the first time kept */
  fail_unless (mmkm_store_tek_ack (s, id_bob, 1, 5, 1000, &is_first, &err),
      "%s", err ? err->message : "");
  fail_unless (is_first);
  fail_unless (mmkm_store_tek_ack (s, id_bob, 1, 5, 2000, &is_first, NULL));
  fail_if (is_first);
  fail_unless (mmkm_store_tek_ack (s, id_eve, 1, 5, 1500, &is_first, NULL));
  fail_unless (is_first);
  fail_unless (mmkm_store_tek_ack (s, id_eve, 1, 6, 1600, NULL, NULL));
  /* another group, an unknown session: refused */
  fail_if (mmkm_store_tek_ack (s, id_bob, 2, 5, 1000, &is_first, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  {
    guint8 none[16];

    memset (none, 9, 16);
    fail_if (mmkm_store_tek_ack (s, none, 1, 5, 1000, &is_first, &err));
    ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  }
  a = mmkm_store_tek_ack_list (s, 1, 5, &err);
  fail_unless (a != NULL);
  fail_unless_equals_int (a->len, 2);
  k = a->pdata[0];
  fail_unless_equals_string (k->user, "bob");
  fail_unless_equals_int64 (k->acked_us, 1000);
  fail_unless (memcmp (k->session_id, id_bob, 16) == 0);
  fail_unless_equals_int (k->mki, 5);
  k = a->pdata[1];
  fail_unless_equals_string (k->user, "eve");
  g_ptr_array_unref (a);
  a = mmkm_store_tek_ack_list (s, 1, 6, NULL);
  fail_unless_equals_int (a->len, 1);
  g_ptr_array_unref (a);
  /* an ended session takes no more acknowledgements; its record stays */
  fail_unless (mmkm_store_session_end (s, id_bob, 3000, MMKM_REASON_BYE, NULL));
  fail_if (mmkm_store_tek_ack (s, id_bob, 1, 6, 3100, &is_first, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  a = mmkm_store_tek_ack_list (s, 1, 5, NULL);
  fail_unless_equals_int (a->len, 2);
  g_ptr_array_unref (a);
  mmkm_store_close (s);
  tmp_clear (&t);
}

GST_END_TEST;

GST_START_TEST (test_songs_and_queue)
{
  Tmp t;
  MmkmStore *s;
  MmkmSong song = { 0 };
  GPtrArray *a;
  GError *err = NULL;
  gint64 s1, s2, s3, r;
  MmkmRequest *req;
  guint n;

  tmp_init (&t);
  s = open_store (&t);
  add_group (s, 1, "one");
  add_group (s, 2, "two");
  mmkm_store_user_add (s, "bob", MMKM_ROLE_LISTENER, "$h", NULL);
  mmkm_store_user_add (s, "eve", MMKM_ROLE_LISTENER, "$h", NULL);
  song.group_id = 1;
  song.title = (gchar *) "Song One";
  song.duration_us = 180 * G_USEC_PER_SEC;
  song.rate = 44100;
  song.channels = 2;
  song.file = (gchar *) "one.wav";
  fail_unless (mmkm_store_song_add (s, &song, &s1, NULL));
  song.title = (gchar *) "Song Two";
  song.file = (gchar *) "two.wav";
  fail_unless (mmkm_store_song_add (s, &song, &s2, NULL));
  song.group_id = 2;
  song.title = (gchar *) "Elsewhere";
  fail_unless (mmkm_store_song_add (s, &song, &s3, NULL));
  song.group_id = 9;
  fail_if (mmkm_store_song_add (s, &song, NULL, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);

  a = mmkm_store_song_list (s, 1, NULL);
  fail_unless_equals_int (a->len, 2);
  fail_unless_equals_string (((MmkmSong *) a->pdata[0])->title, "Song One");
  fail_unless_equals_int (((MmkmSong *) a->pdata[0])->rate, 44100);
  fail_unless_equals_int (((MmkmSong *) a->pdata[0])->channels, 2);
  fail_unless_equals_int64 (((MmkmSong *) a->pdata[0])->duration_us,
      G_GINT64_CONSTANT (180) * G_USEC_PER_SEC);
  fail_unless_equals_string (((MmkmSong *) a->pdata[1])->file, "two.wav");
  g_ptr_array_unref (a);

  fail_unless (mmkm_store_request_enqueue (s, 1, s2, "bob", 100, &r, NULL));
  fail_unless (mmkm_store_request_enqueue (s, 1, s1, "eve", 110, NULL, NULL));
  fail_unless (mmkm_store_request_enqueue (s, 1, s1, "bob", 120, NULL, NULL));
  /* a song of another group, an unknown user: refused */
  fail_if (mmkm_store_request_enqueue (s, 1, s3, "bob", 130, NULL, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  fail_if (mmkm_store_request_enqueue (s, 1, s1, "nobody", 130, NULL, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);

  a = mmkm_store_queue_list (s, 1, NULL);
  fail_unless_equals_int (a->len, 3);
  fail_unless_equals_int64 (((MmkmRequest *) a->pdata[0])->id, r);
  fail_unless_equals_string (((MmkmRequest *) a->pdata[0])->user, "bob");
  fail_unless_equals_int64 (((MmkmRequest *) a->pdata[0])->song_id, s2);
  fail_unless_equals_string (((MmkmRequest *) a->pdata[1])->user, "eve");
  g_ptr_array_unref (a);

  fail_unless (mmkm_store_request_count (s, "bob", 1, 0, &n, NULL));
  fail_unless_equals_int (n, 2);
  fail_unless (mmkm_store_request_count (s, "bob", 1, 110, &n, NULL));
  fail_unless_equals_int (n, 1);
  fail_unless (mmkm_store_request_count (s, "eve", 2, 0, &n, NULL));
  fail_unless_equals_int (n, 0);

  req = mmkm_store_queue_pop (s, 1, 500, &err);
  fail_unless (req != NULL, "%s", err ? err->message : "");
  fail_unless_equals_int64 (req->id, r);
  fail_unless_equals_string (req->user, "bob");
  fail_unless_equals_int64 (req->popped_us, 500);
  fail_unless_equals_int64 (req->requested_us, 100);
  mmkm_request_free (req);
  /* popped requests still count against the requester */
  fail_unless (mmkm_store_request_count (s, "bob", 1, 0, &n, NULL));
  fail_unless_equals_int (n, 2);
  a = mmkm_store_queue_list (s, 1, NULL);
  fail_unless_equals_int (a->len, 2);
  g_ptr_array_unref (a);

  /* an administrator takes eve's request out: gone from the queue and
   * from her count; only a queued request of that group can go */
  {
    gint64 eve_req = 0;
    guint i;

    a = mmkm_store_queue_list (s, 1, NULL);
    for (i = 0; i < a->len; i++)
      if (g_str_equal (((MmkmRequest *) a->pdata[i])->user, "eve"))
        eve_req = ((MmkmRequest *) a->pdata[i])->id;
    g_ptr_array_unref (a);
    fail_unless (eve_req > 0);
    fail_if (mmkm_store_request_remove (s, 2, eve_req, &err));
    ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
    fail_if (mmkm_store_request_remove (s, 1, r, &err));
    ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
    fail_unless (mmkm_store_request_remove (s, 1, eve_req, NULL));
    fail_if (mmkm_store_request_remove (s, 1, eve_req, &err));
    ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
    a = mmkm_store_queue_list (s, 1, NULL);
    fail_unless_equals_int (a->len, 1);
    fail_unless_equals_string (((MmkmRequest *) a->pdata[0])->user, "bob");
    g_ptr_array_unref (a);
    fail_unless (mmkm_store_request_count (s, "eve", 1, 0, &n, NULL));
    fail_unless_equals_int (n, 0);
  }

  /* a removed song leaves the list and the queue */
  fail_unless (mmkm_store_song_remove (s, s1, NULL));
  fail_if (mmkm_store_song_remove (s, s1, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  a = mmkm_store_song_list (s, 1, NULL);
  fail_unless_equals_int (a->len, 1);
  g_ptr_array_unref (a);
  a = mmkm_store_queue_list (s, 1, NULL);
  fail_unless_equals_int (a->len, 0);
  g_ptr_array_unref (a);
  fail_if (mmkm_store_request_enqueue (s, 1, s1, "bob", 600, NULL, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  fail_if (mmkm_store_queue_pop (s, 1, 700, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  fail_unless (mmkm_store_request_count (s, "bob", 1, 0, &n, NULL));
  fail_unless_equals_int (n, 2);
  mmkm_store_close (s);
  tmp_clear (&t);
}

GST_END_TEST;

/* The sender's list replaces the group's in one transaction, keeping the
 * rows (and so the queued requests) of the numbers it keeps; the request
 * window; what plays. */
GST_START_TEST (test_song_replace_and_now_playing)
{
  Tmp t;
  MmkmStore *s;
  MmkmSong songs[3] = { {0}
  };
  GPtrArray *a;
  GError *err = NULL;
  MmkmRequest *req, *playing = NULL;
  gint64 r1, r2, since = 0, oldest = 0, id2;
  guint n, i;

  tmp_init (&t);
  s = open_store (&t);
  add_group (s, 1, "one");
  mmkm_store_user_add (s, "bob", MMKM_ROLE_LISTENER, "$h", NULL);
  for (i = 0; i < 3; i++) {
    songs[i].group_id = 1;
    songs[i].number = 10 + i;
    songs[i].title = g_strdup_printf ("Song %u", i);
    songs[i].duration_us = G_USEC_PER_SEC;
    songs[i].rate = 48000;
    songs[i].channels = 2;
  }
  fail_unless (mmkm_store_song_replace (s, 1, songs, 3, 100, NULL));
  a = mmkm_store_song_list (s, 1, NULL);
  fail_unless_equals_int (a->len, 3);
  fail_unless_equals_int (((MmkmSong *) a->pdata[2])->number, 12);
  id2 = ((MmkmSong *) a->pdata[1])->id;
  g_ptr_array_unref (a);
  fail_unless (mmkm_store_request_enqueue (s, 1, id2, "bob", 200, &r1, NULL));
  fail_unless (mmkm_store_request_enqueue (s, 1, id2, "bob", 300, &r2, NULL));

  /* keep 11 (renamed), drop 10 and 12, add 13 */
  g_free (songs[0].title);
  songs[0].title = g_strdup ("Song 1 (live)");
  songs[0].number = 11;
  songs[1].number = 13;
  fail_unless (mmkm_store_song_replace (s, 1, songs, 2, 400, NULL));
  a = mmkm_store_song_list (s, 1, NULL);
  fail_unless_equals_int (a->len, 2);
  fail_unless_equals_int64 (((MmkmSong *) a->pdata[0])->id, id2);
  g_ptr_array_unref (a);
  a = mmkm_store_queue_list (s, 1, NULL);
  fail_unless_equals_int (a->len, 2);
  req = a->pdata[0];
  fail_unless_equals_int (req->song_number, 11);
  fail_unless_equals_string (req->title, "Song 1 (live)");
  g_ptr_array_unref (a);
  /* a number twice, or 0, is refused before anything is written */
  songs[1].number = 11;
  fail_if (mmkm_store_song_replace (s, 1, songs, 2, 500, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_INVALID);
  songs[1].number = 0;
  fail_if (mmkm_store_song_replace (s, 1, songs, 2, 500, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_INVALID);
  fail_if (mmkm_store_song_replace (s, 9, songs, 1, 500, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);

  /* the window: both requests, the oldest at 200; then only the second */
  fail_unless (mmkm_store_request_usage (s, "bob", 1, 0, &n, &oldest, NULL));
  fail_unless (n == 2 && oldest == 200);
  fail_unless (mmkm_store_request_usage (s, "bob", 1, 201, &n, &oldest, NULL));
  fail_unless (n == 1 && oldest == 300);
  fail_unless (mmkm_store_request_usage (s, "eve", 1, 0, &n, &oldest, NULL));
  fail_unless (n == 0 && oldest == 0);

  /* only a popped request of the group plays */
  fail_unless (mmkm_store_now_playing_get (s, 1, &playing, &since, NULL));
  fail_unless (playing == NULL);
  fail_if (mmkm_store_now_playing_set (s, 1, r1, 600, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);
  req = mmkm_store_queue_pop (s, 1, 700, NULL);
  fail_unless (req && req->id == r1 && req->song_number == 11);
  fail_unless_equals_string (req->title, "Song 1 (live)");
  mmkm_request_free (req);
  fail_unless (mmkm_store_now_playing_set (s, 1, r1, 800, NULL));
  fail_unless (mmkm_store_now_playing_get (s, 1, &playing, &since, NULL));
  fail_unless (playing && playing->id == r1 && since == 800);
  fail_unless_equals_string (playing->user, "bob");
  mmkm_request_free (playing);
  fail_unless (mmkm_store_now_playing_set (s, 1, 0, 900, NULL));
  fail_unless (mmkm_store_now_playing_get (s, 1, &playing, &since, NULL));
  fail_unless (playing == NULL);
  fail_if (mmkm_store_now_playing_set (s, 1, 12345, 1000, &err));
  ASSERT_ERROR (err, MMKM_STORE_ERROR_NOT_FOUND);

  for (i = 0; i < 3; i++)
    g_free (songs[i].title);
  mmkm_store_close (s);
  tmp_clear (&t);
}

GST_END_TEST;

/* A child commits log entries and TEKs one by one and reports each
 * commit through a pipe; the parent kills it with SIGKILL at a random
 * point, reopens the database and finds every reported row. */
static void
kill9_round (MmkmStoreSqliteFlags flags, guint kill_after)
{
  Tmp t;
  MmkmStore *s;
  int fds[2];
  pid_t pid;
  gint32 v, last = -1;
  guint seen = 0;
  int status;
  ssize_t n;
  gint32 i;

  tmp_init (&t);
  s = open_store_flags (&t, flags);
  add_group (s, 1, "one");
  mmkm_store_close (s);
  fail_unless (pipe (fds) == 0);
  pid = fork ();
  fail_unless (pid >= 0);
  if (pid == 0) {
    MmkmSeal *seal;

    close (fds[0]);
    seal = mmkm_seal_open_key_file (t.key, NULL);
    s = seal ? mmkm_store_sqlite_open (t.db, seal, flags, NULL) : NULL;
    if (!s)
      _exit (2);
    for (i = 0; i < 100000; i++) {
      MmkmLogEntry e = { 0 };
      MmkmTek tek;
      gchar name[32];

      g_snprintf (name, sizeof name, "u%d", i);
      e.user = name;
      e.group_id = 1;
      e.time_us = 1000 + i;
      e.event = MMKM_LOG_JOINED;
      e.reason = MMKM_REASON_LOGIN;
      make_tek (&tek, 1, (guint32) i + 1, i, (guint8) i);
      if (!mmkm_store_log_append (s, &e, NULL, NULL)
          || !mmkm_store_tek_append (s, &tek, NULL))
        _exit (3);
      if (write (fds[1], &i, sizeof i) != sizeof i)
        _exit (4);
    }
    _exit (0);
  }
  close (fds[1]);
  while ((n = read (fds[0], &v, sizeof v)) == sizeof v) {
    last = v;
    if (++seen == kill_after)
      kill (pid, SIGKILL);
  }
  close (fds[0]);
  fail_unless (waitpid (pid, &status, 0) == pid);
  fail_unless (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL,
      "the child ended by itself (status %d) after %d commits", status,
      last + 1);
  fail_unless (last + 1 >= (gint32) kill_after);

  s = open_store_flags (&t, flags);
  for (i = 0; i <= last; i++) {
    GError *err = NULL;
    MmkmTek *tek = mmkm_store_tek_get (s, 1, MMKM_TEK_BY_MKI, i + 1, 0,
        &err);
    MmkmLogFilter f = { 0 };
    gchar name[32];
    GPtrArray *a;

    fail_unless (tek != NULL, "TEK %d of %d lost: %s", i, last,
        err ? err->message : "");
    fail_unless_equals_int (tek->key[0], (guint8) (i + 1));
    mmkm_tek_free (tek);
    g_snprintf (name, sizeof name, "u%d", i);
    f.user = name;
    f.any_group = TRUE;
    a = mmkm_store_log_query (s, &f, NULL);
    fail_unless (a && a->len == 1, "log entry %d of %d lost", i, last);
    g_ptr_array_unref (a);
  }
  /* the store goes on where the child stopped: no MKI reused */
  {
    MmkmTek tek;
    GError *err = NULL;

    make_tek (&tek, 1, (guint32) last + 1, 0, 0);
    fail_if (mmkm_store_tek_append (s, &tek, &err));
    ASSERT_ERROR (err, MMKM_STORE_ERROR_CONFLICT);
  }
  mmkm_store_close (s);
  GST_INFO ("killed after %d reported commits (%u seen)", last + 1, seen);
  tmp_clear (&t);
}

GST_START_TEST (test_kill9_durability)
{
  GRand *r = g_rand_new ();
  guint round;

  for (round = 0; round < 4; round++)
    kill9_round (round % 2 ? MMKM_STORE_SQLITE_SYNC_NORMAL :
        MMKM_STORE_SQLITE_NONE, g_rand_int_range (r, 1, 40));
  g_rand_free (r);
}

GST_END_TEST;

static Suite *
mmkm_store_suite (void)
{
  Suite *s = suite_create ("mmkm-store");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_open_and_migrate);
  tcase_add_test (tc, test_newer_schema_refused);
  tcase_add_test (tc, test_not_a_database);
  tcase_add_test (tc, test_users);
  tcase_add_test (tc, test_devices);
  tcase_add_test (tc, test_groups);
  tcase_add_test (tc, test_teks);
  tcase_add_test (tc, test_mki_race_two_connections);
  tcase_add_test (tc, test_secrets_not_in_file);
  tcase_add_test (tc, test_tamper_and_wrong_key);
  tcase_add_test (tc, test_seal_unit);
  tcase_add_test (tc, test_log);
  tcase_add_test (tc, test_sessions);
  tcase_add_test (tc, test_tek_acks_and_hb_seq);
  tcase_add_test (tc, test_session_heartbeat_many);
  tcase_add_test (tc, test_songs_and_queue);
  tcase_add_test (tc, test_song_replace_and_now_playing);
  tcase_add_test (tc, test_kill9_durability);
  return s;
}

GST_CHECK_MAIN (mmkm_store);
