/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkm-server end to end: the real daemon on random loopback ports in a
 * temporary state directory, driven as a member would drive it (libsoup
 * client pinning the printed fingerprint, lib/mmkm's member side):
 * register, login, the DH exchange, TEK fetch and open, heartbeats and
 * their replay, BYE and the forced re-key, bad requests, SIGTERM, kill -9
 * and restart. Every server the test starts dies with it (PDEATHSIG); the
 * helpers are in mmkm-test-server.c. */
#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <libsoup/soup.h>
#include <openssl/evp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <glib/gstdio.h>

#include "mikey-pk.h"
#include "mmkm-api.h"
#include "mmkm-heartbeat.h"
#include "mmkm-identity.h"
#include "mmkm-kek.h"
#include "mmkm-tek.h"
#include "mmkm-password.h"
#include "mmkm-store-sqlite.h"

#include "mmkm-test-server.h"

/* The heartbeat time the store holds for the only live session */
static gint64
stored_heartbeat (void)
{
  g_autofree gchar *db = g_build_filename (state_dir, "mmkm.db", NULL);
  g_autofree gchar *key = g_build_filename (state_dir, "secrets.key", NULL);
  MmkmStore *st = mmkm_store_sqlite_open (db, mmkm_seal_open_key_file (key,
          NULL), MMKM_STORE_SQLITE_NONE, NULL);
  GPtrArray *a;
  gint64 t;

  fail_unless (st != NULL);
  a = mmkm_store_session_list_live (st, TRUE, 0, NULL);
  fail_unless (a != NULL);
  fail_unless_equals_int (a->len, 1);
  t = ((MmkmSession *) g_ptr_array_index (a, 0))->heartbeat_us;
  g_ptr_array_unref (a);
  mmkm_store_close (st);
  return t;
}

/* Heartbeat times go to the store in batches (one transaction each), a
 * fraction of a second later; the batch waiting at SIGTERM is written
 * before the server exits. */
GST_START_TEST (test_server_heartbeat_store)
{
  Member alice = { (gchar *) "alice" };
  g_autoptr (GSocket) sa = udp_socket ();
  guint8 dg[MMKM_HB_LEN];
  MmkmHeartbeat ack;
  gint64 before, deadline, t = 0;

  state_setup ("[members]\nheartbeat-store-interval-s = 1\n"
      "[passwords]\nt-cost = 1\nm-cost-kib = 256\n");
  member_join (&alice);
  g_usleep (1100 * 1000);
  before = g_get_real_time ();
  hb_make (&alice, MMKM_HB_HEARTBEAT, dg);
  hb_send_raw (sa, dg);
  fail_unless (hb_recv_ack (sa, &alice, &ack));
  deadline = g_get_real_time () + 10 * G_USEC_PER_SEC;
  while (g_get_real_time () < deadline && (t = stored_heartbeat ()) < before)
    g_usleep (50 * 1000);
  fail_unless (t >= before, "the heartbeat time never reached the store");

  g_usleep (1100 * 1000);
  before = g_get_real_time ();
  hb_make (&alice, MMKM_HB_HEARTBEAT, dg);
  hb_send_raw (sa, dg);
  fail_unless (hb_recv_ack (sa, &alice, &ack));
  g_subprocess_send_signal (srv.proc, SIGTERM);
  fail_unless (g_subprocess_wait (srv.proc, NULL, NULL));
  fail_unless_equals_int (g_subprocess_get_exit_status (srv.proc), 0);
  g_clear_object (&srv.proc);
  fail_unless (stored_heartbeat () >= before,
      "the batch waiting at SIGTERM was lost");
  member_clear (&alice);
  state_teardown ();
}

GST_END_TEST;

/* A member that stops sending heartbeats is declared dead after the
 * allowed misses; a new TEK follows that only the others get. */
GST_START_TEST (test_server_liveness)
{
  Member alice = { (gchar *) "alice" }, bob = { (gchar *) "bob" };
  g_autoptr (GSocket) sb = udp_socket ();
  MikeySrtpParams k = { 0 };
  guint8 dg[MMKM_HB_LEN];
  MmkmHeartbeat ack;
  guint32 mki1 = 0;
  gint64 deadline;
  guint status = 0;

  state_setup ("[members]\nheartbeat-interval-ms = 300\n"
      "allowed-misses = 3\n[group]\npropagation-delay-ms = 100\n"
      "[passwords]\nt-cost = 1\nm-cost-kib = 256\n");
  member_join (&alice);
  fail_unless_equals_int (member_fetch (&alice, 0, &k, &mki1, NULL), 200);
  mikey_srtp_params_clear (&k);
  member_join (&bob);
  deadline = g_get_real_time () + 30 * G_USEC_PER_SEC;
  while (g_get_real_time () < deadline) {
    hb_make (&bob, MMKM_HB_HEARTBEAT, dg);
    hb_send_raw (sb, dg);
    fail_unless (hb_recv_ack (sb, &bob, &ack));
    status = member_fetch (&alice, 0, &k, NULL, NULL);
    mikey_srtp_params_clear (&k);
    if (status == 401)
      break;
    g_usleep (100 * 1000);
  }
  fail_unless_equals_int (status, 401);
  fail_unless_equals_int (member_fetch (&bob, mki1 + 1, &k, NULL, NULL), 200);
  mikey_srtp_params_clear (&k);

  g_subprocess_send_signal (srv.proc, SIGTERM);
  fail_unless (g_subprocess_wait (srv.proc, NULL, NULL));
  fail_unless_equals_int (g_subprocess_get_exit_status (srv.proc), 0);
  g_clear_object (&srv.proc);
  member_clear (&alice);
  member_clear (&bob);
  state_teardown ();
}

GST_END_TEST;

/* Regular rotation with a short period: the next TEK is served ahead of
 * its activation (within the fetch window), then becomes the one in use,
 * MKI by MKI. */
GST_START_TEST (test_server_rotation)
{
  Member alice = { (gchar *) "alice" };
  MikeySrtpParams k = { 0 };
  guint32 mki1 = 0, mki = 0, last = 0;
  guint n = 0;
  gboolean saw_next = FALSE;
  gint64 deadline;

  state_setup ("[group]\ntek-period-ms = 1500\nfetch-window-ms = 1000\n"
      "[passwords]\nt-cost = 1\nm-cost-kib = 256\n");
  member_join (&alice);
  fail_unless_equals_int (member_fetch (&alice, 0, &k, &mki1, NULL), 200);
  mikey_srtp_params_clear (&k);
  last = mki1;
  deadline = g_get_real_time () + 30 * G_USEC_PER_SEC;
  while (g_get_real_time () < deadline && last < mki1 + 2) {
    fail_unless_equals_int (member_fetch (&alice, 0, &k, &mki, &n), 200);
    mikey_srtp_params_clear (&k);
    /* one MKI at a time, never backwards */
    fail_unless (mki == last || mki == last + 1, "%u after %u", mki, last);
    if (n == 2)
      saw_next = TRUE;
    last = mki;
    g_usleep (50 * 1000);
  }
  fail_unless_equals_int (last, mki1 + 2);
  fail_unless (saw_next);

  /* SIGHUP reloads the configuration: a duplicate login, refused so far,
   * is allowed once the file says so */
  {
    g_autofree gchar *j = login_json (&alice, PASSWORD);
    guint status = 0;

    fail_unless_equals_int (post_json ("/v1/login", j, NULL), 409);
    fail_unless (g_file_set_contents (config_path, "[group]\n"
            "tek-period-ms = 1500\nfetch-window-ms = 1000\n[passwords]\n"
            "t-cost = 1\nm-cost-kib = 256\n[members]\n"
            "duplicate-login = allow\n", -1, NULL));
    g_subprocess_send_signal (srv.proc, SIGHUP);
    deadline = g_get_real_time () + 10 * G_USEC_PER_SEC;
    while (g_get_real_time () < deadline
        && (status = post_json ("/v1/login", j, NULL)) == 409)
      g_usleep (50 * 1000);
    fail_unless_equals_int (status, 200);
  }

  g_subprocess_send_signal (srv.proc, SIGTERM);
  fail_unless (g_subprocess_wait (srv.proc, NULL, NULL));
  fail_unless_equals_int (g_subprocess_get_exit_status (srv.proc), 0);
  g_clear_object (&srv.proc);
  member_clear (&alice);
  state_teardown ();
}

GST_END_TEST;

/* Failed logins are limited per (user, address) and per address: the
 * attacker's address gets 429 with Retry-After, the user with the right
 * password from another address gets in. */
GST_START_TEST (test_server_login_rate)
{
  Member alice = { (gchar *) "alice" };
  g_autofree gchar *wrong = NULL, *right = NULL, *body = NULL;
  g_autoptr (GBytes) b = NULL;
  g_autoptr (GInetAddress) other = g_inet_address_new_from_string ("127.0.0.2");
  g_autoptr (GInetSocketAddress) local = G_INET_SOCKET_ADDRESS
      (g_inet_socket_address_new (other, 0));
  SoupSession *main_session;

  state_setup ("[limits]\nlogin-burst-per-user = 2\n"
      "login-refill-per-user-s = 600\n[members]\nduplicate-login = allow\n"
      "[passwords]\nt-cost = 1\nm-cost-kib = 256\n");
  member_join (&alice);
  wrong = login_json (&alice, "wrong");
  right = login_json (&alice, PASSWORD);
  fail_unless_equals_int (post_json ("/v1/login", wrong, NULL), 401);
  fail_unless_equals_int (post_json ("/v1/login", wrong, NULL), 401);
  fail_unless_equals_int (post_json ("/v1/login", wrong, &b), 429);
  body = body_str (b);
  fail_unless (strstr (body, "\"login_rate\"") != NULL, "%s", body);
  fail_unless (strstr (body, "\"retry_after\"") != NULL, "%s", body);
  fail_unless_equals_int (post_json ("/v1/login", right, NULL), 429);

  /* the same user from another address */
  main_session = http;
  http = soup_session_new_with_options ("local-address", local, NULL);
  fail_unless_equals_int (post_json ("/v1/login", right, NULL), 200);
  g_object_unref (http);
  http = main_session;

  g_subprocess_send_signal (srv.proc, SIGTERM);
  fail_unless (g_subprocess_wait (srv.proc, NULL, NULL));
  fail_unless_equals_int (g_subprocess_get_exit_status (srv.proc), 0);
  g_clear_object (&srv.proc);
  member_clear (&alice);
  state_teardown ();
}

GST_END_TEST;

GST_START_TEST (test_server_end_to_end)
{
  Member alice = { (gchar *) "alice" }, bob = { (gchar *) "bob" };
  g_autoptr (GBytes) b1 = NULL, b2 = NULL, b = NULL;
  g_autofree gchar *s1 = NULL, *s2 = NULL, *j = NULL, *first_fp = NULL;
  g_autofree gchar *big = NULL;
  g_autoptr (GSocket) sa = udp_socket (), sb = udp_socket ();
  MikeySrtpParams k1 = { 0 }, k2 = { 0 }, k3 = { 0 }, k4 = { 0 };
  guint8 dg[MMKM_HB_LEN];
  MmkmHeartbeat ack;
  guint32 mki1 = 0, mki_now = 0;
  GError *e = NULL;
  gint64 bye_time;

  state_dir = g_dir_make_tmp ("mmkm-server-XXXXXX", NULL);
  config_path = g_build_filename (state_dir, "test.conf", NULL);
  fail_unless (g_file_set_contents (config_path,
          "[group]\ntek-period-ms = 3600000\npropagation-delay-ms = 300\n"
          "[passwords]\nt-cost = 1\nm-cost-kib = 256\n", -1, NULL));
  add_users ();
  http = soup_session_new ();
  server_start ();
  first_fp = g_strdup (srv.fingerprint);

  alice.device = mmkm_identity_new ("alice", "mmkm:user:alice", 0, NULL);
  bob.device = mmkm_identity_new ("bob", "mmkm:user:bob", 0, NULL);
  fail_unless (alice.device && bob.device);

  /* wrong password and unknown user: one answer */
  j = register_json ("alice", "wrong", alice.device);
  fail_unless_equals_int (post_json ("/v1/register", j, &b1), 401);
  g_clear_pointer (&j, g_free);
  j = register_json ("mallory", PASSWORD, alice.device);
  fail_unless_equals_int (post_json ("/v1/register", j, &b2), 401);
  s1 = body_str (b1);
  s2 = body_str (b2);
  fail_unless_equals_string (s1, s2);
  g_clear_pointer (&j, g_free);

  /* a device certificate of another user is refused */
  j = register_json ("alice", PASSWORD, bob.device);
  fail_unless_equals_int (post_json ("/v1/register", j, NULL), 400);
  g_clear_pointer (&j, g_free);
  j = register_json ("alice", PASSWORD, alice.device);
  fail_unless_equals_int (post_json ("/v1/register", j, NULL), 201);
  /* one device per user */
  fail_unless_equals_int (post_json ("/v1/register", j, NULL), 409);
  g_clear_pointer (&j, g_free);
  j = register_json ("bob", PASSWORD, bob.device);
  fail_unless_equals_int (post_json ("/v1/register", j, NULL), 201);
  g_clear_pointer (&j, g_free);

  /* bad requests */
  big = g_strnfill (MMKM_API_BODY_MAX + 100, ' ');
  fail_unless_equals_int (post_json ("/v1/login", big, &b), 413);
  g_clear_pointer (&b, g_bytes_unref);
  g_free (big);
  /* read and dropped, never kept */
  big = g_strnfill (8 * 1024 * 1024, ' ');
  fail_unless_equals_int (post_json ("/v1/register", big, &b), 413);
  g_clear_pointer (&b, g_bytes_unref);
  fail_unless_equals_int (post_json ("/v1/login", "{\"user\":", &b), 400);
  g_clear_pointer (&b, g_bytes_unref);
  fail_unless_equals_int (request ("POST", "/v1/login", "text/plain", "{}", 2,
          NULL, NULL), 415);
  fail_unless_equals_int (request ("GET", "/v1/nothing", NULL, NULL, 0, NULL,
          NULL), 404);
  fail_unless_equals_int (request ("GET", "/v1/session/teks", NULL, NULL, 0,
          "AAAA", NULL), 401);
  j = login_json (&alice, "wrong");
  fail_unless_equals_int (post_json ("/v1/login", j, &b), 401);
  g_clear_pointer (&s2, g_free);
  s2 = body_str (b);
  fail_unless_equals_string (s1, s2);
  g_clear_pointer (&b, g_bytes_unref);
  g_clear_pointer (&j, g_free);
  /* an unknown user, and a known one with another user's device: the
   * same answer again */
  {
    Member mallory = { (gchar *) "mallory", alice.device };
    Member bob_with_alices = { (gchar *) "bob", alice.device };

    j = login_json (&mallory, PASSWORD);
    fail_unless_equals_int (post_json ("/v1/login", j, &b), 401);
    g_clear_pointer (&s2, g_free);
    s2 = body_str (b);
    fail_unless_equals_string (s1, s2);
    g_clear_pointer (&b, g_bytes_unref);
    g_clear_pointer (&j, g_free);
    j = login_json (&bob_with_alices, PASSWORD);
    fail_unless_equals_int (post_json ("/v1/login", j, &b), 401);
    g_clear_pointer (&s2, g_free);
    s2 = body_str (b);
    fail_unless_equals_string (s1, s2);
    g_clear_pointer (&b, g_bytes_unref);
    g_clear_pointer (&j, g_free);
  }

  /* login, DH exchange, TEK: both sides have the same KEK */
  member_login (&alice);
  fail_unless_equals_int (request ("GET", "/v1/session/teks", NULL, NULL, 0,
          alice.token, NULL), 403);
  member_kek (&alice);
  fail_unless_equals_int (member_fetch (&alice, 0, &k1, &mki1, NULL), 200);
  fail_unless (mki1 >= 1);
  /* duplicate login: refused by default */
  j = login_json (&alice, PASSWORD);
  fail_unless_equals_int (post_json ("/v1/login", j, NULL), 409);
  g_clear_pointer (&j, g_free);

  /* heartbeat: ACK with the MKI in use; a replay gets nothing */
  hb_make (&alice, MMKM_HB_HEARTBEAT, dg);
  hb_send_raw (sa, dg);
  fail_unless (hb_recv_ack (sa, &alice, &ack));
  fail_unless_equals_int (ack.type, MMKM_HB_ACK);
  fail_unless_equals_int (ack.mki, mki1);
  fail_unless_equals_int (ack.flags, 0);
  hb_send_raw (sa, dg);
  fail_if (hb_recv_ack (sa, &alice, &ack));

  member_login (&bob);
  member_kek (&bob);
  fail_unless_equals_int (member_fetch (&bob, mki1, &k2, NULL, NULL), 200);
  fail_unless (memcmp (k1.key, k2.key, k1.key_len) == 0);
  mikey_srtp_params_clear (&k2);

  /* BYE: a new TEK (MKI + 1) for bob, not for alice */
  bye_time = g_get_real_time ();
  hb_make (&alice, MMKM_HB_BYE, dg);
  hb_send_raw (sa, dg);
  fail_unless (hb_recv_ack (sa, &alice, &ack));
  g_usleep (100 * 1000);
  fail_unless_equals_int (member_fetch (&alice, 0, &k3, NULL, NULL), 401);
  /* bob hears of it in his next ACK */
  hb_make (&bob, MMKM_HB_HEARTBEAT, dg);
  hb_send_raw (sb, dg);
  fail_unless (hb_recv_ack (sb, &bob, &ack));
  fail_unless_equals_int (ack.flags, MMKM_HB_FLAG_FETCH);
  fail_unless_equals_int (member_fetch (&bob, mki1 + 1, &k2, NULL, NULL), 200);
  fail_if (memcmp (k1.key, k2.key, k1.key_len) == 0);
  /* it becomes the TEK in use after the propagation delay */
  while (g_get_real_time () < bye_time + 2 * G_USEC_PER_SEC) {
    fail_unless_equals_int (member_fetch (&bob, 0, &k3, &mki_now, NULL), 200);
    mikey_srtp_params_clear (&k3);
    if (mki_now == mki1 + 1)
      break;
    g_usleep (50 * 1000);
  }
  fail_unless_equals_int (mki_now, mki1 + 1);

  /* kill -9 and restart: same identity, TEKs and session */
  server_kill ();
  server_start ();
  fail_unless_equals_string (srv.fingerprint, first_fp);
  fail_unless_equals_int (member_fetch (&bob, mki1 + 1, &k4, &mki_now, NULL),
      200);
  fail_unless_equals_int (mki_now, mki1 + 1);
  fail_unless (memcmp (k2.key, k4.key, k2.key_len) == 0);
  fail_unless (memcmp (k2.salt, k4.salt, k2.salt_len) == 0);
  /* the restored replay window takes the numbers that may have been
   * accepted since the last store write as seen: a few heartbeats may go
   * unanswered (test_server_hb_replay_restart) */
  {
    guint tries;
    gboolean acked = FALSE;

    for (tries = 0; tries < 4 && !acked; tries++) {
      hb_make (&bob, MMKM_HB_HEARTBEAT, dg);
      hb_send_raw (sb, dg);
      acked = hb_recv_ack (sb, &bob, &ack);
    }
    fail_unless (acked);
  }
  fail_unless_equals_int (ack.mki, mki1 + 1);
  fail_unless_equals_int (member_fetch (&alice, 0, &k3, NULL, NULL), 401);

  /* SIGTERM: a clean exit */
  g_subprocess_send_signal (srv.proc, SIGTERM);
  fail_unless (g_subprocess_wait (srv.proc, NULL, &e));
  fail_unless (g_subprocess_get_if_exited (srv.proc));
  fail_unless_equals_int (g_subprocess_get_exit_status (srv.proc), 0);
  g_clear_object (&srv.proc);

  mikey_srtp_params_clear (&k1);
  mikey_srtp_params_clear (&k2);
  mikey_srtp_params_clear (&k4);
  member_clear (&alice);
  member_clear (&bob);
  g_clear_object (&http);
  g_clear_pointer (&srv.fingerprint, g_free);
  rm_rf (state_dir);
  g_clear_pointer (&state_dir, g_free);
  g_clear_pointer (&config_path, g_free);
}

GST_END_TEST;

GST_START_TEST (test_server_options)
{
  const gchar *exe = g_getenv ("MMKM_SERVER");
  gchar *out = NULL;
  gint status = -1;
  const gchar *argv_help[] = { exe, "--help", NULL };
  const gchar *argv_version[] = { exe, "--version", NULL };
  const gchar *argv_none[] = { exe, NULL };

  fail_unless (exe != NULL);
  fail_unless (g_spawn_sync (NULL, (gchar **) argv_help, NULL, 0, NULL, NULL,
          &out, NULL, &status, NULL));
  fail_unless (g_spawn_check_wait_status (status, NULL));
  fail_unless (strstr (out, "--state-dir") && strstr (out, "Example"));
  g_free (out);
  fail_unless (g_spawn_sync (NULL, (gchar **) argv_version, NULL, 0, NULL,
          NULL, &out, NULL, &status, NULL));
  fail_unless (g_spawn_check_wait_status (status, NULL));
  fail_unless (g_str_has_prefix (out, "mmkm-server "));
  g_free (out);
  /* no state directory: a clear refusal */
  fail_unless (g_spawn_sync (NULL, (gchar **) argv_none, NULL,
          G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
          NULL, NULL, &status, NULL));
  fail_if (g_spawn_check_wait_status (status, NULL));
}

GST_END_TEST;

static gint
run_config (const gchar * text, gchar ** out)
{
  const gchar *exe = g_getenv ("MMKM_SERVER");
  g_autofree gchar *dir = g_dir_make_tmp ("mmkm-conf-XXXXXX", NULL);
  g_autofree gchar *path = g_build_filename (dir, "c.conf", NULL);
  const gchar *argv[] = { exe, "--config", path, "--state-dir",
    "/nonexistent/mmkm", "--check-config", NULL
  };
  gint status = -1;

  fail_unless (g_file_set_contents (path, text, -1, NULL));
  fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL,
          G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, out, NULL, &status, NULL));
  g_unlink (path);
  g_rmdir (dir);
  return g_spawn_check_wait_status (status, NULL) ? 0 : 1;
}

/* The example configuration documents every key with its default: with
 * every "#key = value" line uncommented it is accepted and gives the
 * defaults; unknown keys and bad values are refused. */
GST_START_TEST (test_server_config)
{
  g_autofree gchar *example = NULL, *out = NULL, *out_default = NULL;
  g_autofree gchar *src = g_build_filename (g_getenv ("MIKEY_TEST_DATA"),
      "..", "..", "..", "data", "mmkm-server.conf", NULL);
  GString *on = g_string_new (NULL);
  g_auto (GStrv) lines = NULL;
  guint i, n = 0;

  fail_unless (g_file_get_contents (src, &example, NULL, NULL));
  lines = g_strsplit (example, "\n", -1);
  for (i = 0; lines[i]; i++) {
    const gchar *l = lines[i];
    if (l[0] == '#' && g_ascii_isalpha (l[1]) && strstr (l, " = ")
        && !strchr (l, '<')) {
      l++;
      n++;
    }
    g_string_append_printf (on, "%s\n", l);
  }
  fail_unless (n >= 25, "only %u keys in the example", n);
  fail_unless_equals_int (run_config (on->str, &out), 0);
  fail_unless_equals_int (run_config ("", &out_default), 0);
  fail_unless_equals_string (out, out_default);
  fail_unless (strstr (out, "listen 127.0.0.1:8443\n") != NULL);
  g_string_free (on, TRUE);

  fail_unless_equals_int (run_config ("[server]\nlisen = 1.2.3.4:1\n",
          NULL), 1);
  fail_unless_equals_int (run_config ("[members]\nallowed-misses = 0\n",
          NULL), 1);
  fail_unless_equals_int (run_config ("[members]\nduplicate-login = x\n",
          NULL), 1);
  fail_unless_equals_int (run_config ("[group]\nrekey-on-join = maybe\n",
          NULL), 1);
  fail_unless_equals_int (run_config ("[group]\ntek-period-ms = 1000\n"
          "fetch-window-ms = 2000\n", NULL), 1);
}

GST_END_TEST;

/* The store of the running server (WAL: read beside it) */

static Suite *
mmkm_server_suite (void)
{
  Suite *s = suite_create ("mmkm-server");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 240);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_server_options);
  tcase_add_test (tc, test_server_config);
  tcase_add_test (tc, test_server_end_to_end);
  tcase_add_test (tc, test_server_liveness);
  tcase_add_test (tc, test_server_heartbeat_store);
  tcase_add_test (tc, test_server_rotation);
  tcase_add_test (tc, test_server_login_rate);
  return s;
}

GST_CHECK_MAIN (mmkm_server);
