/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The real mmkm-server for a test, and a member talking to it (see
 * mmkm-test-server.h). */
#include <gst/check/gstcheck.h>
#include <openssl/evp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <glib/gstdio.h>

#include "mmkm-test-server.h"
#include "mmkm-api.h"
#include "mmkm-password.h"
#include "mmkm-store-sqlite.h"

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
rm_rf (const gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d))) {
    gchar *p = g_build_filename (dir, name, NULL);
    g_unlink (p);
    g_free (p);
  }
  if (d)
    g_dir_close (d);
  g_rmdir (dir);
}

static void
add_users (MmkmTestServer * s)
{
  g_autofree gchar *db = g_build_filename (s->state_dir, "mmkm.db", NULL);
  g_autofree gchar *key = g_build_filename (s->state_dir, "secrets.key",
      NULL);
  MmkmPasswordParams p;
  MmkmSeal *seal = mmkm_seal_open_key_file (key, NULL);
  MmkmStore *st;
  const gchar *users[] = { "alice", "bob" };
  guint i;

  fail_unless (seal != NULL);
  st = mmkm_store_sqlite_open (db, seal, MMKM_STORE_SQLITE_NONE, NULL);
  fail_unless (st != NULL);
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

static void
server_start (MmkmTestServer * s)
{
  const gchar *exe = g_getenv ("MMKM_SERVER");
  /* MMKM_TEST_SERVER_LOG=1: the server's log on stderr */
  g_autoptr (GSubprocessLauncher) l =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      (g_getenv ("MMKM_TEST_SERVER_LOG") ? 0 :
          G_SUBPROCESS_FLAGS_STDERR_SILENCE));
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
      s->config_path, "--state-dir", s->state_dir, "--listen", "127.0.0.1:0",
      "--heartbeat-port", "0", NULL);
  fail_unless (s->proc != NULL, "%s", e ? e->message : "");
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s->proc));
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

void
mmkm_test_server_setup (MmkmTestServer * s, const gchar * config)
{
  memset (s, 0, sizeof *s);
  s->state_dir = g_dir_make_tmp ("mmkm-server-XXXXXX", NULL);
  fail_unless (s->state_dir != NULL);
  s->config_path = g_build_filename (s->state_dir, "test.conf", NULL);
  fail_unless (g_file_set_contents (s->config_path, config, -1, NULL));
  add_users (s);
  server_start (s);
}

void
mmkm_test_server_teardown (MmkmTestServer * s)
{
  if (s->proc) {
    g_subprocess_send_signal (s->proc, SIGTERM);
    fail_unless (g_subprocess_wait (s->proc, NULL, NULL));
    fail_unless (g_subprocess_get_if_exited (s->proc));
    fail_unless_equals_int (g_subprocess_get_exit_status (s->proc), 0);
    g_clear_object (&s->proc);
  }
  g_clear_pointer (&s->fingerprint, g_free);
  rm_rf (s->state_dir);
  g_clear_pointer (&s->state_dir, g_free);
  g_clear_pointer (&s->config_path, g_free);
}

GPid
mmkm_test_server_pid (MmkmTestServer * s)
{
  return (GPid) g_ascii_strtoll (g_subprocess_get_identifier (s->proc), NULL,
      10);
}

static guint
count_threads (void)
{
  GDir *d = g_dir_open ("/proc/self/task", 0, NULL);
  guint n = 0;

  while (d && g_dir_read_name (d))
    n++;
  if (d)
    g_dir_close (d);
  return n;
}

void
mmkm_test_wait_for_threads (void)
{
  guint i;

  g_thread_pool_set_max_unused_threads (0);
  g_thread_pool_set_max_idle_time (200);
  for (i = 0; i < 300 && count_threads () > 1; i++) {
    g_thread_pool_stop_unused_threads ();
    g_usleep (10 * 1000);
  }
}

/* Pins the printed fingerprint: the SHA-256 of the certificate's DER. */
static gboolean
accept_cert (SoupMessage * msg, GTlsCertificate * cert, GTlsCertificateFlags
    errors, gpointer data)
{
  MmkmTestServer *s = data;
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

guint
mmkm_test_request (MmkmTestServer * s, SoupSession * http,
    const gchar * method, const gchar * path, const gchar * ctype,
    gconstpointer body, gsize len, const gchar * token, GBytes ** out)
{
  g_autoptr (SoupMessage) msg = mmkm_test_message_new (s, method, path,
      ctype, body, len, token);
  GBytes *resp;

  resp = soup_session_send_and_read (http, msg, NULL, NULL);
  if (!resp)
    return 0;
  if (out)
    *out = resp;
  else
    g_bytes_unref (resp);
  return soup_message_get_status (msg);
}

static guint
post_json (MmkmTestServer * s, SoupSession * http, const gchar * path,
    const gchar * json, GBytes ** out)
{
  return mmkm_test_request (s, http, "POST", path, "application/json", json,
      strlen (json), NULL, out);
}

guint
mmkm_test_member_login (MmkmTestServer * s, SoupSession * http,
    MmkmTestMember * m)
{
  MmkmApiLoginRequest q = { 0 };
  MmkmApiLoginResponse r = { 0 };
  g_autoptr (GBytes) b = NULL;
  g_autofree gchar *j = NULL;
  guint status;

  q.user = (gchar *) m->user;
  q.password = (gchar *) MMKM_TEST_PASSWORD;
  q.group = (gchar *) "default";
  memcpy (q.fingerprint, mmkm_identity_get_fingerprint (m->device), 32);
  j = mmkm_api_login_request_to_json (&q);
  status = post_json (s, http, "/v1/login", j, &b);
  if (status != 200)
    return status;
  fail_unless (mmkm_api_login_response_from_json (g_bytes_get_data (b, NULL),
          g_bytes_get_size (b), &r, NULL));
  memcpy (m->session_id, r.session_id, MMKM_SESSION_ID_LEN);
  g_free (m->token);
  m->token = mmkm_api_token_to_string (r.token);
  m->group_id = r.group_id;
  fail_unless_equals_int (r.heartbeat_port, s->hb_port);
  mmkm_api_login_response_clear (&r);
  return status;
}

void
mmkm_test_member_kek (MmkmTestServer * s, SoupSession * http,
    MmkmTestMember * m)
{
  g_autofree gchar *crt = g_build_filename (s->state_dir, "server.crt", NULL);
  GPtrArray *chain = mikey_cert_load_pem_file (crt, NULL);
  g_autoptr (MmkmKekMember) k = NULL;
  g_autoptr (GBytes) i_msg = NULL, r_msg = NULL;

  fail_unless (chain != NULL);
  k = mmkm_kek_member_new (m->device, m->user, g_ptr_array_index (chain, 0),
      NULL);
  fail_unless (k != NULL);
  i_msg = mmkm_kek_member_start (k, g_get_real_time (), NULL);
  fail_unless_equals_int (mmkm_test_request (s, http, "POST",
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
mmkm_test_member_register (MmkmTestServer * s, SoupSession * http,
    MmkmTestMember * m)
{
  g_autofree gchar *uri = g_strconcat ("mmkm:user:", m->user, NULL);
  g_autofree gchar *j = NULL;
  MmkmApiRegisterRequest r = { 0 };

  m->device = mmkm_identity_new (m->user, uri, 0, NULL);
  fail_unless (m->device != NULL);
  r.user = (gchar *) m->user;
  r.password = (gchar *) MMKM_TEST_PASSWORD;
  r.certificate = (gchar *) mmkm_identity_get_cert_pem (m->device);
  j = mmkm_api_register_request_to_json (&r);
  fail_unless_equals_int (post_json (s, http, "/v1/register", j, NULL), 201);
}

void
mmkm_test_member_join (MmkmTestServer * s, SoupSession * http,
    MmkmTestMember * m)
{
  mmkm_test_member_register (s, http, m);
  fail_unless_equals_int (mmkm_test_member_login (s, http, m), 200);
  mmkm_test_member_kek (s, http, m);
}

guint
mmkm_test_member_fetch (MmkmTestServer * s, SoupSession * http,
    MmkmTestMember * m, guint32 * first_mki)
{
  g_autoptr (GBytes) b = NULL;
  MmkmApiTeks t = { 0 };
  MikeySrtpParams key = { 0 };
  guint status = mmkm_test_request (s, http, "GET", "/v1/session/teks", NULL,
      NULL, 0, m->token, &b);

  if (status != 200)
    return status;
  fail_unless (mmkm_api_teks_from_json (g_bytes_get_data (b, NULL),
          g_bytes_get_size (b), &t, NULL));
  fail_unless (t.n_teks >= 1);
  fail_unless (mmkm_tek_receiver_open (m->rx, g_bytes_get_data
          (t.teks[0].mikey, NULL), g_bytes_get_size (t.teks[0].mikey),
          g_get_real_time (), &key, NULL));
  fail_unless_equals_int (mmkm_tek_get_mki (&key), t.teks[0].mki);
  if (first_mki)
    *first_mki = t.teks[0].mki;
  mikey_srtp_params_clear (&key);
  mmkm_api_teks_clear (&t);
  return status;
}

void
mmkm_test_member_clear (MmkmTestMember * m)
{
  g_clear_pointer (&m->token, g_free);
  g_clear_pointer (&m->rx, mmkm_tek_receiver_free);
  g_clear_pointer (&m->device, mmkm_identity_free);
  mmkm_hb_key_clear (&m->hb_key);
}

GSocket *
mmkm_test_udp_socket (void)
{
  GSocket *s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback
      (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);

  fail_unless (s != NULL);
  fail_unless (g_socket_bind (s, any, TRUE, NULL));
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

gboolean
mmkm_test_hb_recv_ack (GSocket * sock, MmkmTestMember * m,
    MmkmHeartbeat * ack, guint timeout_ms)
{
  guint8 buf[128];
  gssize n;

  if (!g_socket_condition_timed_wait (sock, G_IO_IN,
          (gint64) timeout_ms * 1000, NULL, NULL))
    return FALSE;
  n = g_socket_receive (sock, (gchar *) buf, sizeof buf, NULL, NULL);
  if (n < 0)
    return FALSE;
  fail_unless (mmkm_hb_accept (&m->hb_key, m->session_id,
          MMKM_HB_FROM_SERVER, &m->ack_window, buf, n, ack, NULL));
  return TRUE;
}
