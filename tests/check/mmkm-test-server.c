/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkm-test-server.h */
#include "mmkm-test-server.h"

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

void
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
server_spawn (const gchar * listen, const gchar * hb_port)
{
  const gchar *exe = g_getenv ("MMKM_SERVER");
  g_autoptr (GSubprocessLauncher) l =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GDataInputStream) in = NULL;
  GError *e = NULL;
  gchar *line;

  fail_unless (exe != NULL, "MMKM_SERVER is not set");
  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
  srv.proc = g_subprocess_launcher_spawn (l, &e, exe, "--config",
      config_path, "--state-dir", state_dir, "--listen", listen,
      "--heartbeat-port", hb_port, "--admin-listen", "127.0.0.1:0", NULL);
  fail_unless (srv.proc != NULL, "%s", e ? e->message : "");
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (srv.proc));
  g_clear_pointer (&srv.fingerprint, g_free);
  srv.port = srv.hb_port = 0;
  while ((line = g_data_input_stream_read_line (in, NULL, NULL, NULL))) {
    gboolean ready = g_str_equal (line, "ready");
    if (g_str_has_prefix (line, "fingerprint "))
      srv.fingerprint = g_strdup (line + 12);
    else if (g_str_has_prefix (line, "listening https://127.0.0.1:"))
      srv.port =
          (guint16) atoi (line + strlen ("listening https://127.0.0.1:"));
    else if (g_str_has_prefix (line, "heartbeat udp "))
      srv.hb_port = (guint16) atoi (line + 14);
    g_free (line);
    if (ready)
      break;
  }
  fail_unless (srv.fingerprint && srv.port && srv.hb_port,
      "the server did not start");
}

void
server_start (void)
{
  server_spawn ("127.0.0.1:0", "0");
}

void
server_restart_same_ports (void)
{
  g_autofree gchar *listen = g_strdup_printf ("127.0.0.1:%u", srv.port);
  g_autofree gchar *hb = g_strdup_printf ("%u", srv.hb_port);

  server_kill ();
  server_spawn (listen, hb);
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

/* Pins the printed fingerprint: the SHA-256 of the certificate's DER. */
gboolean
accept_cert (SoupMessage * msg, GTlsCertificate * cert, GTlsCertificateFlags
    errors, gpointer data)
{
  g_autoptr (GByteArray) der = NULL;
  guint8 fp[32], want[32];

  g_object_get (cert, "certificate", &der, NULL);
  EVP_Digest (der->data, der->len, fp, NULL, EVP_sha256 (), NULL);
  return mmkm_fingerprint_parse (srv.fingerprint, want, NULL)
      && memcmp (fp, want, 32) == 0;
}

guint
request (const gchar * method, const gchar * path, const gchar * ctype,
    gconstpointer body, gsize len, const gchar * token, GBytes ** out)
{
  g_autofree gchar *uri = g_strdup_printf ("https://127.0.0.1:%u%s",
      srv.port, path);
  g_autoptr (SoupMessage) msg = soup_message_new (method, uri);
  GBytes *resp;
  GError *e = NULL;

  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_cert), NULL);
  if (body) {
    g_autoptr (GBytes) b = g_bytes_new (body, len);
    soup_message_set_request_body_from_bytes (msg, ctype, b);
  }
  if (token) {
    g_autofree gchar *h = g_strconcat ("Bearer ", token, NULL);
    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "Authorization", h);
  }
  resp = soup_session_send_and_read (http, msg, NULL, &e);
  fail_unless (resp != NULL, "%s %s: %s", method, path, e ? e->message : "");
  if (out)
    *out = resp;
  else
    g_bytes_unref (resp);
  return soup_message_get_status (msg);
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
  g_autofree gchar *db = g_build_filename (state_dir, "mmkm.db", NULL);
  g_autofree gchar *key = g_build_filename (state_dir, "secrets.key", NULL);
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
    g_autofree gchar *h = mmkm_password_hash (&p, PASSWORD,
        strlen (PASSWORD), NULL);
    fail_unless (mmkm_store_user_add (st, users[i], MMKM_ROLE_LISTENER, h,
            NULL));
  }
  mmkm_store_close (st);
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

void
member_login (Member * m)
{
  g_autofree gchar *j = login_json (m, PASSWORD);
  g_autoptr (GBytes) b = NULL;
  MmkmApiLoginResponse r = { 0 };

  fail_unless_equals_int (post_json ("/v1/login", j, &b), 200);
  fail_unless (mmkm_api_login_response_from_json (g_bytes_get_data (b, NULL),
          g_bytes_get_size (b), &r, NULL));
  memcpy (m->session_id, r.session_id, MMKM_SESSION_ID_LEN);
  g_free (m->token);
  m->token = mmkm_api_token_to_string (r.token);
  m->group_id = r.group_id;
  fail_unless_equals_int (r.heartbeat_port, srv.hb_port);
  fail_unless (r.heartbeat_interval_ms == 10000
      || r.heartbeat_interval_ms == 300);
  mmkm_api_login_response_clear (&r);
}

void
member_kek (Member * m)
{
  g_autofree gchar *crt = g_build_filename (state_dir, "server.crt", NULL);
  GPtrArray *chain = mikey_cert_load_pem_file (crt, NULL);
  g_autoptr (MmkmKekMember) k = NULL;
  g_autoptr (GBytes) i_msg = NULL, r_msg = NULL;
  guint8 fp[32], want[32];

  fail_unless (chain != NULL);
  /* the certificate in the state directory is the one whose fingerprint
   * was printed and pinned */
  mmkm_cert_fingerprint (g_ptr_array_index (chain, 0), fp);
  fail_unless (mmkm_fingerprint_parse (srv.fingerprint, want, NULL));
  fail_unless (memcmp (fp, want, 32) == 0);
  k = mmkm_kek_member_new (m->device, m->user, g_ptr_array_index (chain, 0),
      NULL);
  fail_unless (k != NULL);
  i_msg = mmkm_kek_member_start (k, g_get_real_time (), NULL);
  fail_unless_equals_int (request ("POST", "/v1/session/kek",
          "application/mikey", g_bytes_get_data (i_msg, NULL),
          g_bytes_get_size (i_msg), m->token, &r_msg), 200);
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

/* Fetches the TEKs; opens the one with @mki into @key (NULL: the first);
 * returns the HTTP status. */
guint
member_fetch (Member * m, guint32 mki, MikeySrtpParams * key,
    guint32 * first_mki, guint * n_teks)
{
  g_autoptr (GBytes) b = NULL;
  MmkmApiTeks t = { 0 };
  guint status = request ("GET", "/v1/session/teks", NULL, NULL, 0, m->token,
      &b);
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
            g_get_real_time (), key, NULL));
    fail_unless_equals_int (mmkm_tek_get_mki (key), t.teks[i].mki);
    found = TRUE;
  }
  mmkm_api_teks_clear (&t);
  return found ? 200 : 404;
}

GSocket *
udp_socket (void)
{
  GSocket *s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback
      (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);

  fail_unless (g_socket_bind (s, any, TRUE, NULL));
  g_socket_set_timeout (s, 1);
  return s;
}

void
hb_send_raw (GSocket * s, const guint8 * d)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback
      (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) to = g_inet_socket_address_new (lo, srv.hb_port);

  fail_unless_equals_int (g_socket_send_to (s, to, (const gchar *) d,
          MMKM_HB_LEN, NULL, NULL), MMKM_HB_LEN);
}

void
hb_make (Member * m, MmkmHbType type, guint8 out[MMKM_HB_LEN])
{
  MmkmHeartbeat hb = { 0 };

  hb.type = type;
  memcpy (hb.session_id, m->session_id, MMKM_SESSION_ID_LEN);
  hb.seq = ++m->seq;
  fail_unless (mmkm_hb_encode (&m->hb_key, &hb, out, NULL));
}


/* TRUE with the ACK in @ack when one came within @wait_us */
gboolean
hb_recv_ack_within (GSocket * s, Member * m, MmkmHeartbeat * ack,
    gint64 wait_us)
{
  if (!g_socket_condition_timed_wait (s, G_IO_IN, wait_us, NULL, NULL))
    return FALSE;
  return hb_recv_ack (s, m, ack);
}

/* TRUE with the ACK in @ack when one came within a second */
gboolean
hb_recv_ack (GSocket * s, Member * m, MmkmHeartbeat * ack)
{
  guint8 buf[128];
  gssize n = g_socket_receive (s, (gchar *) buf, sizeof buf, NULL, NULL);

  if (n < 0)
    return FALSE;
  fail_unless (mmkm_hb_accept (&m->hb_key, m->session_id,
          MMKM_HB_FROM_SERVER, &m->ack_window, buf, n, ack, NULL));
  return TRUE;
}

void
member_clear (Member * m)
{
  g_free (m->token);
  g_clear_pointer (&m->rx, mmkm_tek_receiver_free);
  g_clear_pointer (&m->device, mmkm_identity_free);
  mmkm_hb_key_clear (&m->hb_key);
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
  rm_rf (state_dir);
  g_clear_pointer (&state_dir, g_free);
  g_clear_pointer (&config_path, g_free);
}

void
member_join (Member * m)
{
  g_autofree gchar *j = NULL;

  m->device = mmkm_identity_new (m->user, m->user[0] == 'a' ?
      "mmkm:user:alice" : "mmkm:user:bob", 0, NULL);
  fail_unless (m->device != NULL);
  j = register_json (m->user, PASSWORD, m->device);
  fail_unless_equals_int (post_json ("/v1/register", j, NULL), 201);
  member_login (m);
  member_kek (m);
}

/* The store of the running server (WAL: read beside it) */
MmkmStore *
store_open (void)
{
  g_autofree gchar *db = g_build_filename (state_dir, "mmkm.db", NULL);
  g_autofree gchar *key = g_build_filename (state_dir, "secrets.key", NULL);
  MmkmSeal *seal = mmkm_seal_open_key_file (key, NULL);
  MmkmStore *st;

  fail_unless (seal != NULL);
  st = mmkm_store_sqlite_open (db, seal, MMKM_STORE_SQLITE_NONE, NULL);
  fail_unless (st != NULL);
  return st;
}

void
server_term (void)
{
  g_subprocess_send_signal (srv.proc, SIGTERM);
  fail_unless (g_subprocess_wait (srv.proc, NULL, NULL));
  fail_unless_equals_int (g_subprocess_get_exit_status (srv.proc), 0);
  g_clear_object (&srv.proc);
}
