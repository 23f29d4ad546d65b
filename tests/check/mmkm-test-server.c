/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The real mmkm-server for a test, and a member talking to it (see
 * mmkm-test-server.h). The short names on the globals are thin wrappers
 * over the explicit mmkm_test_*() ones. */
#include "mmkm-test-server.h"
#include "mmkm-pool-exit.h"

#include <openssl/evp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <glib/gstdio.h>

#include "mikey-pk.h"
#include "mmkm-api.h"
#include "mmkm-password.h"
#include "mmkm-store-sqlite.h"

gchar *state_dir;
gchar *config_path;
SoupSession *http;
Server srv;

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Removes @dir and what it holds, subdirectories too (a client's state
 * directory inside the server's); a symbolic link is removed, never
 * followed */
void
rm_rf (const gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d))) {
    gchar *p = g_build_filename (dir, name, NULL);
    if (!g_file_test (p, G_FILE_TEST_IS_SYMLINK)
        && g_file_test (p, G_FILE_TEST_IS_DIR))
      rm_rf (p);
    else
      g_unlink (p);
    g_free (p);
  }
  if (d)
    g_dir_close (d);
  g_rmdir (dir);
}

static MmkmStore *
store_open_in (const gchar * dir)
{
  g_autofree gchar *db = g_build_filename (dir, "mmkm.db", NULL);
  g_autofree gchar *key = g_build_filename (dir, "secrets.key", NULL);
  MmkmSeal *seal = mmkm_seal_open_key_file (key, NULL);
  MmkmStore *st;

  fail_unless (seal != NULL);
  st = mmkm_store_sqlite_open (db, seal, MMKM_STORE_SQLITE_NONE, NULL);
  fail_unless (st != NULL);
  return st;
}

static void
add_users_in (const gchar * dir)
{
  MmkmPasswordParams p;
  MmkmStore *st = store_open_in (dir);
  const gchar *users[] = { "alice", "bob" };
  guint i;

  mmkm_password_params_init_default (&p);
  p.t_cost = 1;
  p.m_cost_kib = 256;
  for (i = 0; i < G_N_ELEMENTS (users); i++) {
    g_autofree gchar *h = mmkm_password_hash (&p, MMKM_TEST_PASSWORD,
        strlen (MMKM_TEST_PASSWORD), NULL);
    fail_unless (mmkm_store_user_add (st, users[i], MMKM_ROLE_LISTENER, h,
            NULL));
  }
  mmkm_store_close (st);
}

/* Starts the server of @s (state_dir, config_path set) and reads its
 * fingerprint and ports. @quiet: its stderr (the log) silenced unless
 * MMKM_TEST_SERVER_LOG is set. */
static void
spawn_on (MmkmTestServer * s, gboolean quiet, const gchar * listen,
    const gchar * hb_port)
{
  const gchar *exe = g_getenv ("MMKM_SERVER");
  g_autoptr (GSubprocessLauncher) l =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      (quiet && !g_getenv ("MMKM_TEST_SERVER_LOG") ?
          G_SUBPROCESS_FLAGS_STDERR_SILENCE : 0));
  g_autoptr (GDataInputStream) in = NULL;
  GError *e = NULL;
  gchar *line;

  fail_unless (exe != NULL, "MMKM_SERVER is not set");
  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
  /* Under AddressSanitizer, freed memory waits in a quarantine of up to
   * 256 MB before it is reused, which a test that bounds the server's
   * RSS would take for growth: a small one keeps the server's RSS close
   * to what it is without ASan. */
  if (g_getenv ("ASAN_OPTIONS")) {
    g_autofree gchar *asan = g_strconcat (g_getenv ("ASAN_OPTIONS"),
        ":quarantine_size_mb=8:thread_local_quarantine_size_kb=64", NULL);
    g_subprocess_launcher_setenv (l, "ASAN_OPTIONS", asan, TRUE);
  }
  s->proc = g_subprocess_launcher_spawn (l, &e, exe, "--config",
      s->config_path, "--state-dir", s->state_dir, "--listen", listen,
      "--heartbeat-port", hb_port, "--admin-listen", "127.0.0.1:0", NULL);
  fail_unless (s->proc != NULL, "%s", e ? e->message : "");
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s->proc));
  g_clear_pointer (&s->fingerprint, g_free);
  s->port = s->hb_port = 0;
  while ((line = g_data_input_stream_read_line (in, NULL, NULL, NULL))) {
    gboolean ready = g_str_equal (line, "ready");
    if (g_str_has_prefix (line, "fingerprint "))
      s->fingerprint = g_strdup (line + 12);
    else if (g_str_has_prefix (line, "listening https://127.0.0.1:"))
      s->port = (guint16) atoi (line + strlen ("listening https://127.0.0.1:"));
    else if (g_str_has_prefix (line, "heartbeat udp "))
      s->hb_port = (guint16) atoi (line + 14);
    g_free (line);
    if (ready)
      break;
  }
  fail_unless (s->fingerprint && s->port && s->hb_port,
      "the server did not start");
}

static void
spawn (MmkmTestServer * s, gboolean quiet)
{
  spawn_on (s, quiet, "127.0.0.1:0", "0");
}

/* SIGTERM and a clean exit */
static void
term (MmkmTestServer * s)
{
  g_subprocess_send_signal (s->proc, SIGTERM);
  fail_unless (g_subprocess_wait (s->proc, NULL, NULL));
  fail_unless (g_subprocess_get_if_exited (s->proc));
  fail_unless_equals_int (g_subprocess_get_exit_status (s->proc), 0);
  g_clear_object (&s->proc);
}

void
mmkm_test_server_setup (MmkmTestServer * s, const gchar * config)
{
  memset (s, 0, sizeof *s);
  s->state_dir = g_dir_make_tmp ("mmkm-server-XXXXXX", NULL);
  fail_unless (s->state_dir != NULL);
  s->config_path = g_build_filename (s->state_dir, "test.conf", NULL);
  fail_unless (g_file_set_contents (s->config_path, config, -1, NULL));
  add_users_in (s->state_dir);
  spawn (s, TRUE);
}

void
mmkm_test_server_teardown (MmkmTestServer * s)
{
  if (s->proc)
    term (s);
  g_clear_pointer (&s->fingerprint, g_free);
  rm_rf (s->state_dir);
  g_clear_pointer (&s->state_dir, g_free);
  g_clear_pointer (&s->config_path, g_free);
  mmkm_test_wait_for_threads ();
}

GPid
mmkm_test_server_pid (MmkmTestServer * s)
{
  return (GPid) g_ascii_strtoll (g_subprocess_get_identifier (s->proc), NULL,
      10);
}

/* A check test ends in a forked child whose exit runs LeakSanitizer's
 * check; a GIO worker (the HTTPS client's TLS handshakes) exiting at that
 * moment crashes the check, so every teardown awaits them. */
void
mmkm_test_wait_for_threads (void)
{
  mmkm_pool_workers_await (10000);
}

/* Pins the printed fingerprint: the SHA-256 of the certificate's DER. */
gboolean
accept_cert (SoupMessage * msg, GTlsCertificate * cert, GTlsCertificateFlags
    errors, gpointer data)
{
  MmkmTestServer *s = data ? data : &srv;
  g_autoptr (GByteArray) der = NULL;
  guint8 fp[32], want[32];

  g_object_get (cert, "certificate", &der, NULL);
  EVP_Digest (der->data, der->len, fp, NULL, EVP_sha256 (), NULL);
  return mmkm_fingerprint_parse (s->fingerprint, want, NULL)
      && memcmp (fp, want, 32) == 0;
}

SoupSession *
mmkm_test_session_new (MmkmTestServer * s, const gchar * local_address)
{
  g_autoptr (GInetAddress) a = NULL;
  g_autoptr (GSocketAddress) local = NULL;

  if (!local_address)
    return soup_session_new ();
  a = g_inet_address_new_from_string (local_address);
  local = g_inet_socket_address_new (a, 0);
  return soup_session_new_with_options ("local-address", local, NULL);
}

SoupMessage *
mmkm_test_message_new (MmkmTestServer * s, const gchar * method,
    const gchar * path, const gchar * ctype, gconstpointer body, gsize len,
    const gchar * token)
{
  g_autofree gchar *uri = g_strdup_printf ("https://127.0.0.1:%u%s",
      s->port, path);
  SoupMessage *msg = soup_message_new (method, uri);

  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_cert), s);
  if (body) {
    g_autoptr (GBytes) b = g_bytes_new (body, len);
    soup_message_set_request_body_from_bytes (msg, ctype, b);
  }
  if (token) {
    g_autofree gchar *h = g_strconcat ("Bearer ", token, NULL);
    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "Authorization", h);
  }
  return msg;
}

/* One request; the status, 0 with @error set when no answer came */
static guint
send_request (MmkmTestServer * s, SoupSession * session,
    const gchar * method, const gchar * path, const gchar * ctype,
    gconstpointer body, gsize len, const gchar * token, GBytes ** out,
    GError ** error)
{
  g_autoptr (SoupMessage) msg = mmkm_test_message_new (s, method, path,
      ctype, body, len, token);
  GBytes *resp;

  resp = soup_session_send_and_read (session, msg, NULL, error);
  if (!resp)
    return 0;
  if (out)
    *out = resp;
  else
    g_bytes_unref (resp);
  return soup_message_get_status (msg);
}

guint
mmkm_test_request (MmkmTestServer * s, SoupSession * session,
    const gchar * method, const gchar * path, const gchar * ctype,
    gconstpointer body, gsize len, const gchar * token, GBytes ** out)
{
  return send_request (s, session, method, path, ctype, body, len, token,
      out, NULL);
}

static guint
post_json_to (MmkmTestServer * s, SoupSession * session, const gchar * path,
    const gchar * json, GBytes ** out)
{
  return mmkm_test_request (s, session, "POST", path, "application/json",
      json, strlen (json), NULL, out);
}

gchar *
register_json (const gchar * user, const gchar * password, MmkmIdentity * dev)
{
  MmkmApiRegisterRequest r = { (gchar *) user, (gchar *) password,
    (gchar *) mmkm_identity_get_cert_pem (dev)
  };
  return mmkm_api_register_request_to_json (&r);
}

gchar *
login_json (Member * m, const gchar * password)
{
  MmkmApiLoginRequest r = { 0 };

  r.user = m->user;
  r.password = (gchar *) password;
  r.group = (gchar *) "default";
  memcpy (r.fingerprint, mmkm_identity_get_fingerprint (m->device), 32);
  return mmkm_api_login_request_to_json (&r);
}

guint
mmkm_test_member_login (MmkmTestServer * s, SoupSession * session,
    MmkmTestMember * m)
{
  g_autofree gchar *j = login_json (m, MMKM_TEST_PASSWORD);
  g_autoptr (GBytes) b = NULL;
  MmkmApiLoginResponse r = { 0 };
  guint status;

  status = post_json_to (s, session, "/v1/login", j, &b);
  if (status != 200)
    return status;
  fail_unless (mmkm_api_login_response_from_json (g_bytes_get_data (b, NULL),
          g_bytes_get_size (b), &r, NULL));
  memcpy (m->session_id, r.session_id, MMKM_SESSION_ID_LEN);
  g_free (m->token);
  m->token = mmkm_api_token_to_string (r.token);
  m->group_id = r.group_id;
  m->heartbeat_interval_ms = r.heartbeat_interval_ms;
  fail_unless_equals_int (r.heartbeat_port, s->hb_port);
  mmkm_api_login_response_clear (&r);
  return status;
}

void
mmkm_test_member_kek (MmkmTestServer * s, SoupSession * session,
    MmkmTestMember * m)
{
  g_autofree gchar *crt = g_build_filename (s->state_dir, "server.crt", NULL);
  GPtrArray *chain = mikey_cert_load_pem_file (crt, NULL);
  g_autoptr (MmkmKekMember) k = NULL;
  g_autoptr (GBytes) i_msg = NULL, r_msg = NULL;
  guint8 fp[32], want[32];

  fail_unless (chain != NULL);
  /* the certificate in the state directory is the one whose fingerprint
   * was printed and pinned */
  mmkm_cert_fingerprint (g_ptr_array_index (chain, 0), fp);
  fail_unless (mmkm_fingerprint_parse (s->fingerprint, want, NULL));
  fail_unless (memcmp (fp, want, 32) == 0);
  k = mmkm_kek_member_new (m->device, m->user, g_ptr_array_index (chain, 0),
      NULL);
  fail_unless (k != NULL);
  i_msg = mmkm_kek_member_start (k, g_get_real_time (), NULL);
  fail_unless_equals_int (mmkm_test_request (s, session, "POST",
          "/v1/session/kek", "application/mikey", g_bytes_get_data (i_msg,
              NULL), g_bytes_get_size (i_msg), m->token, &r_msg), 200);
  fail_unless (mmkm_kek_member_finish (k, g_bytes_get_data (r_msg, NULL),
          g_bytes_get_size (r_msg), g_get_real_time (), m->kek, NULL));
  fail_unless (mmkm_hb_key_derive (m->kek, MMKM_KEK_LEN, &m->hb_key, NULL));
  mmkm_hb_window_init (&m->ack_window);
  m->seq = 0;
  g_clear_pointer (&m->rx, mmkm_tek_receiver_free);
  m->rx = mmkm_tek_receiver_new (m->kek, m->user, m->group_id, 0, NULL);
  fail_unless (m->rx != NULL);
  g_ptr_array_unref (chain);
}

void
mmkm_test_member_register (MmkmTestServer * s, SoupSession * session,
    MmkmTestMember * m)
{
  g_autofree gchar *uri = g_strconcat ("mmkm:user:", m->user, NULL);
  g_autofree gchar *j = NULL;

  m->device = mmkm_identity_new (m->user, uri, 0, NULL);
  fail_unless (m->device != NULL);
  j = register_json (m->user, MMKM_TEST_PASSWORD, m->device);
  fail_unless_equals_int (post_json_to (s, session, "/v1/register", j, NULL),
      201);
}

void
mmkm_test_member_join (MmkmTestServer * s, SoupSession * session,
    MmkmTestMember * m)
{
  mmkm_test_member_register (s, session, m);
  fail_unless_equals_int (mmkm_test_member_login (s, session, m), 200);
  mmkm_test_member_kek (s, session, m);
}

guint
mmkm_test_member_fetch_mki (MmkmTestServer * s, SoupSession * session,
    MmkmTestMember * m, guint32 mki, MikeySrtpParams * key,
    guint32 * first_mki, guint * n_teks)
{
  g_autoptr (GBytes) b = NULL;
  MmkmApiTeks t = { 0 };
  MikeySrtpParams own = { 0 };
  MikeySrtpParams *k = key ? key : &own;
  guint status = mmkm_test_request (s, session, "GET", "/v1/session/teks",
      NULL, NULL, 0, m->token, &b);
  guint i;
  gboolean found = FALSE;

  if (status != 200)
    return status;
  fail_unless (mmkm_api_teks_from_json (g_bytes_get_data (b, NULL),
          g_bytes_get_size (b), &t, NULL));
  fail_unless (t.n_teks >= 1);
  if (first_mki)
    *first_mki = t.teks[0].mki;
  if (n_teks)
    *n_teks = t.n_teks;
  for (i = 0; i < t.n_teks; i++) {
    if (mki ? t.teks[i].mki != mki : i != 0)
      continue;
    fail_unless (mmkm_tek_receiver_open (m->rx, g_bytes_get_data
            (t.teks[i].mikey, NULL), g_bytes_get_size (t.teks[i].mikey),
            g_get_real_time (), k, NULL));
    fail_unless_equals_int (mmkm_tek_get_mki (k), t.teks[i].mki);
    found = TRUE;
  }
  mikey_srtp_params_clear (&own);
  mmkm_api_teks_clear (&t);
  return found ? 200 : 404;
}

guint
mmkm_test_member_fetch (MmkmTestServer * s, SoupSession * session,
    MmkmTestMember * m, guint32 * first_mki)
{
  return mmkm_test_member_fetch_mki (s, session, m, 0, NULL, first_mki, NULL);
}

void
mmkm_test_member_clear (MmkmTestMember * m)
{
  g_clear_pointer (&m->token, g_free);
  g_clear_pointer (&m->rx, mmkm_tek_receiver_free);
  g_clear_pointer (&m->device, mmkm_identity_free);
  mmkm_hb_key_clear (&m->hb_key);
}

static GSocket *
udp_socket_new (void)
{
  GSocket *s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback
      (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);

  fail_unless (s != NULL);
  fail_unless (g_socket_bind (s, any, TRUE, NULL));
  return s;
}

GSocket *
mmkm_test_udp_socket (void)
{
  GSocket *s = udp_socket_new ();

  g_socket_set_blocking (s, FALSE);
  return s;
}

void
mmkm_test_hb_make (MmkmTestMember * m, MmkmHbType type, guint8 out[MMKM_HB_LEN])
{
  MmkmHeartbeat hb = { 0 };

  hb.type = type;
  memcpy (hb.session_id, m->session_id, MMKM_SESSION_ID_LEN);
  hb.seq = ++m->seq;
  fail_unless (mmkm_hb_encode (&m->hb_key, &hb, out, NULL));
}

gboolean
mmkm_test_hb_send (MmkmTestServer * s, GSocket * sock, const guint8 * d,
    gsize len)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback
      (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) to = g_inet_socket_address_new (lo, s->hb_port);

  return g_socket_send_to (sock, to, (const gchar *) d, len, NULL, NULL) ==
      (gssize) len;
}

/* Reads one datagram: TRUE with the ACK when it is one (anything else
 * fails the test), FALSE when none could be read */
static gboolean
ack_read (GSocket * sock, MmkmTestMember * m, MmkmHeartbeat * ack)
{
  guint8 buf[128];
  gssize n = g_socket_receive (sock, (gchar *) buf, sizeof buf, NULL, NULL);

  if (n < 0)
    return FALSE;
  fail_unless (mmkm_hb_accept (&m->hb_key, m->session_id,
          MMKM_HB_FROM_SERVER, &m->ack_window, buf, n, ack, NULL));
  return TRUE;
}

gboolean
mmkm_test_hb_recv_ack (GSocket * sock, MmkmTestMember * m,
    MmkmHeartbeat * ack, guint timeout_ms)
{
  return hb_recv_ack_within (sock, m, ack, (gint64) timeout_ms * 1000);
}

/* ---- the globals ---- */

/* srv borrows the globals' paths */
static void
srv_paths (void)
{
  srv.state_dir = state_dir;
  srv.config_path = config_path;
}

void
server_start (void)
{
  srv_paths ();
  spawn (&srv, FALSE);
}

void
server_kill (void)
{
  if (srv.proc) {
    g_subprocess_force_exit (srv.proc);
    g_subprocess_wait (srv.proc, NULL, NULL);
    g_clear_object (&srv.proc);
  }
}

void
server_restart_same_ports (void)
{
  g_autofree gchar *listen = g_strdup_printf ("127.0.0.1:%u", srv.port);
  g_autofree gchar *hb = g_strdup_printf ("%u", srv.hb_port);

  server_kill ();
  srv_paths ();
  spawn_on (&srv, FALSE, listen, hb);
}

void
server_term (void)
{
  term (&srv);
}

guint
request (const gchar * method, const gchar * path, const gchar * ctype,
    gconstpointer body, gsize len, const gchar * token, GBytes ** out)
{
  GError *e = NULL;
  guint status = send_request (&srv, http, method, path, ctype, body, len,
      token, out, &e);

  fail_unless (status != 0, "%s %s: %s", method, path, e ? e->message : "");
  return status;
}

guint
post_json (const gchar * path, const gchar * json, GBytes ** out)
{
  return request ("POST", path, "application/json", json, strlen (json),
      NULL, out);
}

gchar *
body_str (GBytes * b)
{
  return g_strndup (g_bytes_get_data (b, NULL), g_bytes_get_size (b));
}

void
add_users (void)
{
  add_users_in (state_dir);
}

void
member_login (Member * m)
{
  srv_paths ();
  fail_unless_equals_int (mmkm_test_member_login (&srv, http, m), 200);
  fail_unless (m->heartbeat_interval_ms == 10000
      || m->heartbeat_interval_ms == 300);
}

void
member_kek (Member * m)
{
  srv_paths ();
  mmkm_test_member_kek (&srv, http, m);
}

/* Fetches the TEKs; opens the one with @mki into @key (NULL: the first);
 * returns the HTTP status. */
guint
member_fetch (Member * m, guint32 mki, MikeySrtpParams * key,
    guint32 * first_mki, guint * n_teks)
{
  guint status = mmkm_test_member_fetch_mki (&srv, http, m, mki, key,
      first_mki, n_teks);

  fail_unless (status != 0, "GET /v1/session/teks: no answer");
  return status;
}

GSocket *
udp_socket (void)
{
  GSocket *s = udp_socket_new ();

  g_socket_set_timeout (s, 1);
  return s;
}

void
hb_send_raw (GSocket * s, const guint8 * d)
{
  fail_unless (mmkm_test_hb_send (&srv, s, d, MMKM_HB_LEN));
}

void
hb_make (Member * m, MmkmHbType type, guint8 out[MMKM_HB_LEN])
{
  mmkm_test_hb_make (m, type, out);
}

/* TRUE with the ACK in @ack when one came within @wait_us */
gboolean
hb_recv_ack_within (GSocket * s, Member * m, MmkmHeartbeat * ack,
    gint64 wait_us)
{
  if (!g_socket_condition_timed_wait (s, G_IO_IN, wait_us, NULL, NULL))
    return FALSE;
  return ack_read (s, m, ack);
}

/* TRUE with the ACK in @ack when one came within the socket's timeout
 * (udp_socket: a second) */
gboolean
hb_recv_ack (GSocket * s, Member * m, MmkmHeartbeat * ack)
{
  return ack_read (s, m, ack);
}

void
member_clear (Member * m)
{
  mmkm_test_member_clear (m);
}

void
state_setup (const gchar * config)
{
  state_dir = g_dir_make_tmp ("mmkm-server-XXXXXX", NULL);
  config_path = g_build_filename (state_dir, "test.conf", NULL);
  fail_unless (g_file_set_contents (config_path, config, -1, NULL));
  add_users ();
  http = soup_session_new ();
  server_start ();
}

void
state_teardown (void)
{
  g_clear_object (&http);
  g_clear_pointer (&srv.fingerprint, g_free);
  srv.state_dir = srv.config_path = NULL;
  rm_rf (state_dir);
  g_clear_pointer (&state_dir, g_free);
  g_clear_pointer (&config_path, g_free);
  mmkm_test_wait_for_threads ();
}

void
member_join (Member * m)
{
  srv_paths ();
  mmkm_test_member_register (&srv, http, m);
  member_login (m);
  member_kek (m);
}

MmkmStore *
store_open (void)
{
  return store_open_in (state_dir);
}
