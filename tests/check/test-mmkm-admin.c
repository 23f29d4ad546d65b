/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkm-server's admin listener and mmkm-admin end to end: the real daemon
 * on random loopback ports in a temporary state directory, the real
 * mmkm-admin run as a subprocess (users made through it, passwords on
 * stdin), members driven as in test-mmkm-server. Removal and device
 * revocation of a live member end its session and give the others a TEK
 * the removed one never gets; /metrics is checked as Prometheus text. */
#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
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
#include "mmkm-store-sqlite.h"
#include "mmkm-pool-exit.h"

#define PASSWORD "correct horse battery staple"
#define PASSWORD2 "another horse, another staple"

typedef struct
{
  GSubprocess *proc;
  gchar *fingerprint;
  guint16 port;
  guint16 hb_port;
  guint16 admin_port;
} Server;

typedef struct
{
  gchar *user;
  MmkmIdentity *device;
  guint8 session_id[MMKM_SESSION_ID_LEN];
  gchar *token;
  guint32 group_id;
  guint8 kek[MMKM_KEK_LEN];
  MmkmHbKey hb_key;
  MmkmHbWindow ack_window;
  guint64 seq;
  MmkmTekReceiver *rx;
} Member;

static gchar *state_dir;
static gchar *config_path;
static SoupSession *http;
static Server srv;

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
server_start (void)
{
  const gchar *exe = g_getenv ("MMKM_SERVER");
  g_autoptr (GSubprocessLauncher) l =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GDataInputStream) in = NULL;
  GError *e = NULL;
  gchar *line;
  gboolean admin_before_ready = FALSE;

  fail_unless (exe != NULL, "MMKM_SERVER is not set");
  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
  srv.proc = g_subprocess_launcher_spawn (l, &e, exe, "--config",
      config_path, "--state-dir", state_dir, "--listen", "127.0.0.1:0",
      "--heartbeat-port", "0", "--admin-listen", "127.0.0.1:0", NULL);
  fail_unless (srv.proc != NULL, "%s", e ? e->message : "");
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (srv.proc));
  while ((line = g_data_input_stream_read_line (in, NULL, NULL, NULL))) {
    gboolean ready = g_str_equal (line, "ready");
    if (g_str_has_prefix (line, "fingerprint "))
      srv.fingerprint = g_strdup (line + 12);
    else if (g_str_has_prefix (line, "listening https://127.0.0.1:"))
      srv.port =
          (guint16) atoi (line + strlen ("listening https://127.0.0.1:"));
    else if (g_str_has_prefix (line, "heartbeat udp "))
      srv.hb_port = (guint16) atoi (line + 14);
    else if (g_str_has_prefix (line, "admin https://127.0.0.1:")) {
      srv.admin_port =
          (guint16) atoi (line + strlen ("admin https://127.0.0.1:"));
      admin_before_ready = TRUE;
    }
    g_free (line);
    if (ready)
      break;
  }
  fail_unless (srv.fingerprint && srv.port && srv.hb_port && srv.admin_port
      && admin_before_ready, "the server did not start");
}

static void
server_stop (void)
{
  g_subprocess_send_signal (srv.proc, SIGTERM);
  fail_unless (g_subprocess_wait (srv.proc, NULL, NULL));
  fail_unless_equals_int (g_subprocess_get_exit_status (srv.proc), 0);
  g_clear_object (&srv.proc);
}

static gboolean
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

static guint
request_to (guint16 port, const gchar * method, const gchar * path,
    const gchar * ctype, gconstpointer body, gsize len, const gchar * token,
    GBytes ** out)
{
  g_autofree gchar *uri = g_strdup_printf ("https://127.0.0.1:%u%s", port,
      path);
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

static guint
request (const gchar * method, const gchar * path, const gchar * ctype,
    gconstpointer body, gsize len, const gchar * token, GBytes ** out)
{
  return request_to (srv.port, method, path, ctype, body, len, token, out);
}

static gchar *
admin_token (void)
{
  g_autofree gchar *p = g_build_filename (state_dir, "admin.token", NULL);
  gchar *t = NULL;

  fail_unless (g_file_get_contents (p, &t, NULL, NULL));
  return g_strstrip (t);
}

static guint
admin_req (const gchar * method, const gchar * path, const gchar * body,
    GBytes ** out)
{
  g_autofree gchar *t = admin_token ();

  return request_to (srv.admin_port, method, path, "application/json", body,
      body ? strlen (body) : 0, t, out);
}

static gchar *
body_str (GBytes * b)
{
  return g_strndup (g_bytes_get_data (b, NULL), g_bytes_get_size (b));
}

/* Runs mmkm-admin against the test server with @input on its stdin;
 * its exit status, its stdout in @out (may be NULL). */
static gint
admin_run (const gchar * input, gchar ** out, ...)
{
  const gchar *exe = g_getenv ("MMKM_ADMIN");
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (GBytes) in = NULL, o = NULL;
  GError *e = NULL;
  va_list ap;
  const gchar *a;

  fail_unless (exe != NULL, "MMKM_ADMIN is not set");
  g_ptr_array_add (argv, g_strdup (exe));
  g_ptr_array_add (argv, g_strdup ("--server"));
  g_ptr_array_add (argv, g_strdup_printf ("https://127.0.0.1:%u/",
          srv.admin_port));
  g_ptr_array_add (argv, g_strdup ("--state-dir"));
  g_ptr_array_add (argv, g_strdup (state_dir));
  va_start (ap, out);
  while ((a = va_arg (ap, const gchar *)))
      g_ptr_array_add (argv, g_strdup (a));
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  p = g_subprocess_newv ((const gchar * const *) argv->pdata,
      G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      G_SUBPROCESS_FLAGS_STDERR_SILENCE, &e);
  fail_unless (p != NULL, "%s", e ? e->message : "");
  in = g_bytes_new (input ? input : "", input ? strlen (input) : 0);
  /* (the bytes variant: the UTF-8 one leaks a buffer in GLib 2.74) */
  fail_unless (g_subprocess_communicate (p, in, NULL, &o, NULL, &e), "%s",
      e ? e->message : "");
  fail_unless (g_subprocess_get_if_exited (p));
  if (out)
    *out = g_strndup (g_bytes_get_data (o, NULL), g_bytes_get_size (o));
  return g_subprocess_get_exit_status (p);
}

/* mmkm-admin --json ... : the answer parsed, its root object */
static JsonNode *
admin_json (const gchar * first, ...)
{
  const gchar *exe = g_getenv ("MMKM_ADMIN");
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *o = NULL;
  g_autoptr (JsonParser) jp = json_parser_new ();
  gint status = -1;
  va_list ap;
  const gchar *a;

  g_ptr_array_add (argv, g_strdup (exe));
  g_ptr_array_add (argv, g_strdup ("--json"));
  g_ptr_array_add (argv, g_strdup_printf ("--server=https://127.0.0.1:%u/",
          srv.admin_port));
  g_ptr_array_add (argv, g_strdup_printf ("--state-dir=%s", state_dir));
  va_start (ap, first);
  for (a = first; a; a = va_arg (ap, const gchar *))
      g_ptr_array_add (argv, g_strdup (a));
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  fail_unless (g_spawn_sync (NULL, (gchar **) argv->pdata, NULL,
          G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &o, NULL, &status, NULL));
  fail_unless (g_spawn_check_wait_status (status, NULL), "mmkm-admin %s "
      "failed", first);
  fail_unless (json_parser_load_from_data (jp, o, -1, NULL), "%s", o);
  fail_unless (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (jp)));
  return json_parser_steal_root (jp);
}

static gint64
json_int (JsonNode * n, const gchar * member)
{
  return json_object_get_int_member (json_node_get_object (n), member);
}

/* the object of array @list in @n whose "user" or "name" is @user */
static JsonObject *
find_user (JsonNode * n, const gchar * list, const gchar * user)
{
  JsonArray *a = json_object_get_array_member (json_node_get_object (n),
      list);
  guint i;

  for (i = 0; i < json_array_get_length (a); i++) {
    JsonObject *o = json_array_get_object_element (a, i);
    const gchar *u = json_object_has_member (o, "user") ?
        json_object_get_string_member (o, "user") :
        json_object_get_string_member (o, "name");
    if (g_strcmp0 (u, user) == 0)
      return o;
  }
  return NULL;
}

static gchar *
login_json (Member * m, const gchar * password)
{
  MmkmApiLoginRequest r = { 0 };

  r.user = m->user;
  r.password = (gchar *) password;
  r.group = (gchar *) "default";
  memcpy (r.fingerprint, mmkm_identity_get_fingerprint (m->device), 32);
  return mmkm_api_login_request_to_json (&r);
}

static guint
member_register (Member * m, const gchar * password)
{
  MmkmApiRegisterRequest r = { m->user, (gchar *) password,
    (gchar *) mmkm_identity_get_cert_pem (m->device)
  };
  g_autofree gchar *j = mmkm_api_register_request_to_json (&r);

  return request ("POST", "/v1/register", "application/json", j, strlen (j),
      NULL, NULL);
}

static void
member_login (Member * m, const gchar * password)
{
  g_autofree gchar *j = login_json (m, password);
  g_autoptr (GBytes) b = NULL;
  MmkmApiLoginResponse r = { 0 };

  fail_unless_equals_int (request ("POST", "/v1/login", "application/json",
          j, strlen (j), NULL, &b), 200);
  fail_unless (mmkm_api_login_response_from_json (g_bytes_get_data (b, NULL),
          g_bytes_get_size (b), &r, NULL));
  memcpy (m->session_id, r.session_id, MMKM_SESSION_ID_LEN);
  g_free (m->token);
  m->token = mmkm_api_token_to_string (r.token);
  m->group_id = r.group_id;
  mmkm_api_login_response_clear (&r);
}

static void
member_kek (Member * m)
{
  g_autofree gchar *crt = g_build_filename (state_dir, "server.crt", NULL);
  GPtrArray *chain = mikey_cert_load_pem_file (crt, NULL);
  g_autoptr (MmkmKekMember) k = NULL;
  g_autoptr (GBytes) i_msg = NULL, r_msg = NULL;

  fail_unless (chain != NULL);
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
  m->rx = mmkm_tek_receiver_new (m->kek, m->user, m->group_id, 0, NULL);
  fail_unless (m->rx != NULL);
  g_ptr_array_unref (chain);
}

static void
member_join (Member * m, const gchar * password)
{
  g_autofree gchar *uri = g_strconcat ("mmkm:user:", m->user, NULL);

  m->device = mmkm_identity_new (m->user, uri, 0, NULL);
  fail_unless (m->device != NULL);
  fail_unless_equals_int (member_register (m, password), 201);
  member_login (m, password);
  member_kek (m);
}

/* Fetches the TEKs; opens the one with @mki into @key (0: the first);
 * the HTTP status, 404 when @mki is not in the list. */
static guint
member_fetch (Member * m, guint32 mki, MikeySrtpParams * key,
    guint32 * first_mki)
{
  g_autoptr (GBytes) b = NULL;
  MmkmApiTeks t = { 0 };
  guint status = request ("GET", "/v1/session/teks", NULL, NULL, 0, m->token,
      &b);
  gboolean found = FALSE;
  guint i;

  if (status != 200)
    return status;
  fail_unless (mmkm_api_teks_from_json (g_bytes_get_data (b, NULL),
          g_bytes_get_size (b), &t, NULL));
  if (first_mki)
    *first_mki = t.teks[0].mki;
  for (i = 0; i < t.n_teks; i++) {
    if (mki ? t.teks[i].mki != mki : i != 0)
      continue;
    fail_unless (mmkm_tek_receiver_open (m->rx, g_bytes_get_data
            (t.teks[i].mikey, NULL), g_bytes_get_size (t.teks[i].mikey),
            g_get_real_time (), key, NULL));
    found = TRUE;
  }
  mmkm_api_teks_clear (&t);
  return found ? 200 : 404;
}

static GSocket *
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

/* one heartbeat; the ACK's flags */
static guint
member_heartbeat (Member * m, GSocket * s)
{
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback
      (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) to = g_inet_socket_address_new (lo, srv.hb_port);
  MmkmHeartbeat hb = { 0 }, ack;
  guint8 out[MMKM_HB_LEN], buf[128];
  gssize n;

  hb.type = MMKM_HB_HEARTBEAT;
  memcpy (hb.session_id, m->session_id, MMKM_SESSION_ID_LEN);
  hb.seq = ++m->seq;
  fail_unless (mmkm_hb_encode (&m->hb_key, &hb, out, NULL));
  fail_unless_equals_int (g_socket_send_to (s, to, (const gchar *) out,
          sizeof out, NULL, NULL), MMKM_HB_LEN);
  n = g_socket_receive (s, (gchar *) buf, sizeof buf, NULL, NULL);
  fail_unless (n > 0, "no ACK");
  fail_unless (mmkm_hb_accept (&m->hb_key, m->session_id,
          MMKM_HB_FROM_SERVER, &m->ack_window, buf, n, &ack, NULL));
  return ack.flags;
}

static void
member_clear (Member * m)
{
  g_free (m->token);
  g_clear_pointer (&m->rx, mmkm_tek_receiver_free);
  g_clear_pointer (&m->device, mmkm_identity_free);
  mmkm_hb_key_clear (&m->hb_key);
}

static void
state_setup (void)
{
  state_dir = g_dir_make_tmp ("mmkm-admin-XXXXXX", NULL);
  config_path = g_build_filename (state_dir, "test.conf", NULL);
  fail_unless (g_file_set_contents (config_path,
          "[group]\ntek-period-ms = 3600000\npropagation-delay-ms = 300\n"
          "[passwords]\nt-cost = 1\nm-cost-kib = 256\n", -1, NULL));
  http = soup_session_new ();
  server_start ();
}

static void
state_teardown (void)
{
  g_clear_object (&http);
  g_clear_pointer (&srv.fingerprint, g_free);
  rm_rf (state_dir);
  g_clear_pointer (&state_dir, g_free);
  g_clear_pointer (&config_path, g_free);
  /* LeakSanitizer runs at the forked test's exit: no GIO worker may be
   * exiting then (mmkm-pool-exit.h) */
  mmkm_pool_workers_await (10000);
}

/* ---- Prometheus text ---------------------------------------------------- */

static gdouble metric (const gchar * text, const gchar * series);

/* Every sample line is NAME{LABELS} VALUE of a family declared by a TYPE
 * line before it; HELP and TYPE lines are well formed. */
static void
check_exposition (const gchar * text)
{
  g_autoptr (GRegex) sample =
      g_regex_new ("^([a-zA-Z_:][a-zA-Z0-9_:]*)"
      "(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"\\\\\\n]*\""
      "(,[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"\\\\\\n]*\")*\\})? "
      "(-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?|\\+Inf|NaN)$", 0, 0, NULL);
  g_autoptr (GRegex) type = g_regex_new ("^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) "
      "(counter|gauge|histogram|summary|untyped)$", 0, 0, NULL);
  g_autoptr (GHashTable) families = g_hash_table_new_full (g_str_hash,
      g_str_equal, g_free, g_free);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint i, samples = 0;

  fail_unless (g_str_has_suffix (text, "\n"));
  for (i = 0; lines[i] && lines[i + 1]; i++) {
    const gchar *l = lines[i];
    g_autoptr (GMatchInfo) mi = NULL;

    if (g_str_has_prefix (l, "# HELP "))
      continue;
    if (g_str_has_prefix (l, "# TYPE ")) {
      gchar *fam;

      fail_unless (g_regex_match (type, l, 0, &mi), "bad TYPE: %s", l);
      fam = g_match_info_fetch (mi, 1);
      fail_if (g_hash_table_contains (families, fam),
          "family declared twice: %s", l);
      g_hash_table_insert (families, fam, g_match_info_fetch (mi, 2));
      continue;
    }
    fail_unless (g_regex_match (sample, l, 0, &mi), "bad sample: %s", l);
    {
      g_autofree gchar *name = g_match_info_fetch (mi, 1);
      const gchar *kind = g_hash_table_lookup (families, name);
      if (!kind) {
        /* a histogram's series */
        gchar *us = strrchr (name, '_');
        fail_unless (us != NULL, "undeclared: %s", l);
        *us = '\0';
        kind = g_hash_table_lookup (families, name);
        fail_unless (kind && g_str_equal (kind, "histogram"),
            "undeclared: %s", l);
      }
    }
    /* a bucket bound is a plain number, short as people write it */
    if (strstr (l, "le=\"") && !strstr (l, "le=\"+Inf\"")) {
      const gchar *v = strstr (l, "le=\"") + 4;
      gchar *end = NULL;
      g_ascii_strtod (v, &end);
      fail_unless (end && *end == '"' && end - v <= 8, "bad bound: %s", l);
    }
    samples++;
  }
  fail_unless (samples >= 20, "only %u samples", samples);
  fail_unless_equals_int ((gint) metric (text,
          "mmkm_tek_fetch_seconds_bucket{le=\"+Inf\"}"), (gint) metric (text,
          "mmkm_tek_fetch_seconds_count"));
}

static gdouble
metric (const gchar * text, const gchar * series)
{
  g_autofree gchar *key = g_strconcat ("\n", series, " ", NULL);
  const gchar *p = strstr (text, key);

  fail_unless (p != NULL, "no %s", series);
  return g_ascii_strtod (p + strlen (key), NULL);
}

static gchar *
metrics_text (void)
{
  g_autoptr (GBytes) b = NULL;

  /* no token needed from loopback */
  fail_unless_equals_int (request_to (srv.admin_port, "GET", "/metrics",
          NULL, NULL, 0, NULL, &b), 200);
  return body_str (b);
}

/* ---- tests -------------------------------------------------------------- */

GST_START_TEST (test_admin_help)
{
  const gchar *cmds[][2] = {
    {"users", "add"}, {"users", "remove"}, {"users", "disable"},
    {"users", "enable"}, {"users", "passwd"}, {"users", "list"},
    {"devices", "list"}, {"devices", "revoke"}, {"members", NULL},
    {"log", NULL}, {"songs", NULL}, {"queue", NULL}, {"rotate", NULL},
    {"status", NULL}, {"metrics", NULL}, {"users", NULL}, {"devices", NULL},
  };
  const gchar *exe = g_getenv ("MMKM_ADMIN");
  guint i;

  fail_unless (exe != NULL);
  for (i = 0; i <= G_N_ELEMENTS (cmds); i++) {
    const gchar *argv[5] = { exe };
    gchar *out = NULL;
    gint status = -1, n = 1;

    if (i < G_N_ELEMENTS (cmds)) {
      argv[n++] = cmds[i][0];
      if (cmds[i][1])
        argv[n++] = cmds[i][1];
    }
    argv[n++] = "--help";
    fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL,
            G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status, NULL));
    fail_unless (g_spawn_check_wait_status (status, NULL), "%s %s --help",
        argv[1], argv[2]);
    fail_unless (strstr (out, "Usage") != NULL, "%s", out);
    if (i == G_N_ELEMENTS (cmds))
      fail_unless (strstr (out, "Exit status") != NULL
          && strstr (out, "users add NAME") != NULL, "%s", out);
    g_free (out);
  }
  /* a bad command line: exit status 2 */
  {
    const gchar *bad[] = { exe, "frobnicate", NULL };
    const gchar *bad2[] = { exe, "users", "add", "x", "--role", "king", NULL };
    gint status = -1;

    fail_unless (g_spawn_sync (NULL, (gchar **) bad, NULL,
            G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
            NULL, NULL, NULL, &status, NULL));
    fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 2);
    fail_unless (g_spawn_sync (NULL, (gchar **) bad2, NULL,
            G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
            NULL, NULL, NULL, &status, NULL));
    fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 2);
  }
}

GST_END_TEST;

GST_START_TEST (test_admin_end_to_end)
{
  Member alice = { (gchar *) "alice" }, bob = { (gchar *) "bob" };
  Member carol = { (gchar *) "carol" };
  g_autoptr (GSocket) sa = udp_socket (), sb = udp_socket (),
      sc = udp_socket ();
  g_autoptr (GBytes) b = NULL;
  g_autofree gchar *m0 = NULL, *m1 = NULL, *out = NULL, *big = NULL;
  g_autofree gchar *bob_fp = NULL, *wrong = NULL;
  MikeySrtpParams k1 = { 0 }, k2 = { 0 }, k3 = { 0 };
  JsonNode *n;
  JsonObject *o;
  guint32 mki1 = 0, latest;

  state_setup ();

  /* the admin token is required */
  fail_unless_equals_int (request_to (srv.admin_port, "GET",
          "/admin/v1/status", NULL, NULL, 0, NULL, NULL), 401);
  wrong = g_strnfill (64, 'a');
  fail_unless_equals_int (request_to (srv.admin_port, "GET",
          "/admin/v1/users", NULL, NULL, 0, wrong, NULL), 401);
  fail_unless_equals_int (request_to (srv.admin_port, "POST",
          "/admin/v1/rotate", NULL, NULL, 0, "short", NULL), 401);
  fail_unless_equals_int (admin_req ("GET", "/admin/v1/status", NULL, NULL),
      200);
  /* the admin API is not on the public listener, nor the reverse */
  fail_unless_equals_int (request ("GET", "/admin/v1/status", NULL, NULL, 0,
          NULL, NULL), 404);
  fail_unless_equals_int (admin_req ("GET", "/v1/login", NULL, NULL), 404);

  m0 = metrics_text ();
  check_exposition (m0);

  /* users through mmkm-admin, the passwords on stdin */
  fail_unless_equals_int (admin_run (PASSWORD "\n", NULL, "users", "add",
          "alice", "--role", "listener", NULL), 0);
  fail_unless_equals_int (admin_run (PASSWORD "\n", NULL, "users", "add",
          "bob", "--role", "listener", NULL), 0);
  fail_unless_equals_int (admin_run (PASSWORD "\n", NULL, "users", "add",
          "carol", "--role", "sender", NULL), 0);
  /* taken: refused, exit status 1 */
  fail_unless_equals_int (admin_run (PASSWORD "\n", NULL, "users", "add",
          "carol", "--role", "sender", NULL), 1);
  /* unknown user */
  fail_unless_equals_int (admin_run (NULL, NULL, "users", "remove", "zed",
          NULL), 1);
  fail_unless_equals_int (admin_run (NULL, &out, "users", "list", NULL), 0);
  fail_unless (strstr (out, "alice") && strstr (out, "carol")
      && strstr (out, "sender"), "%s", out);
  g_clear_pointer (&out, g_free);
  n = admin_json ("users", "list", NULL);
  o = find_user (n, "users", "carol");
  fail_unless (o != NULL);
  fail_unless_equals_string (json_object_get_string_member (o, "role"),
      "sender");
  fail_if (json_object_get_boolean_member (o, "disabled"));
  json_node_unref (n);

  /* passwd: the old password stops working */
  fail_unless_equals_int (admin_run (PASSWORD2 "\n", NULL, "users", "passwd",
          "carol", NULL), 0);
  carol.device = mmkm_identity_new ("carol", "mmkm:user:carol", 0, NULL);
  fail_unless_equals_int (member_register (&carol, PASSWORD), 401);
  /* disable: refused even with the right password; enable again */
  fail_unless_equals_int (admin_run (NULL, NULL, "users", "disable", "carol",
          NULL), 0);
  n = admin_json ("users", "list", NULL);
  fail_unless (json_object_get_boolean_member (find_user (n, "users",
              "carol"), "disabled"));
  json_node_unref (n);
  fail_unless_equals_int (member_register (&carol, PASSWORD2), 403);
  fail_unless_equals_int (admin_run (NULL, NULL, "users", "enable", "carol",
          NULL), 0);
  g_clear_pointer (&carol.device, mmkm_identity_free);

  /* members, status, metrics */
  member_join (&alice, PASSWORD);
  member_join (&bob, PASSWORD);
  fail_unless_equals_int (member_fetch (&alice, 0, &k1, &mki1), 200);
  fail_unless_equals_int (member_fetch (&bob, mki1, &k2, NULL), 200);
  fail_unless (memcmp (k1.key, k2.key, k1.key_len) == 0);
  mikey_srtp_params_clear (&k2);
  fail_unless_equals_int (member_heartbeat (&bob, sb), 0);
  fail_unless_equals_int (member_heartbeat (&alice, sa), 0);
  n = admin_json ("status", NULL);
  fail_unless_equals_int (json_int (n, "members"), 2);
  fail_unless_equals_int (json_int (n, "current_mki"), mki1);
  json_node_unref (n);
  n = admin_json ("members", NULL);
  o = find_user (n, "members", "alice");
  fail_unless (o && json_object_get_boolean_member (o, "has_kek"));
  fail_unless_equals_int (json_object_get_int_member (o, "fetched_mki"), mki1);
  fail_unless (json_object_get_int_member (o, "last_heartbeat_us") > 0);
  fail_unless (find_user (n, "members", "bob") != NULL);
  json_node_unref (n);
  fail_unless_equals_int (admin_run (NULL, &out, "members", NULL), 0);
  fail_unless (strstr (out, "alice") && strstr (out, "bob"), "%s", out);
  g_clear_pointer (&out, g_free);

  m1 = metrics_text ();
  check_exposition (m1);
  fail_unless (metric (m1, "mmkm_logins_total{result=\"ok\"}") >=
      metric (m0, "mmkm_logins_total{result=\"ok\"}") + 2);
  fail_unless (metric (m1, "mmkm_logins_total{result=\"failed\"}") >=
      metric (m0, "mmkm_logins_total{result=\"failed\"}") + 1);
  fail_unless (metric (m1, "mmkm_registrations_total") >= 2);
  fail_unless (metric (m1, "mmkm_heartbeats_accepted_total") >=
      metric (m0, "mmkm_heartbeats_accepted_total") + 2);
  fail_unless (metric (m1, "mmkm_tek_fetches_total") >= 2);
  fail_unless (metric (m1, "mmkm_tek_fetch_seconds_count") >= 2);
  fail_unless_equals_int ((gint) metric (m1, "mmkm_members_live"), 2);
  fail_unless (metric (m1, "mmkm_refusals_total{class=\"forbidden\"}") >= 1);

  /* removing a live member: its session ends, a new TEK follows that bob
   * gets and alice never does */
  n = admin_json ("users", "remove", "alice", NULL);
  fail_unless_equals_int (json_int (n, "sessions_ended"), 1);
  json_node_unref (n);
  fail_unless_equals_int (member_fetch (&alice, 0, &k3, NULL), 401);
  fail_unless_equals_int (member_heartbeat (&bob, sb), MMKM_HB_FLAG_FETCH);
  fail_unless_equals_int (member_fetch (&bob, mki1 + 1, &k2, NULL), 200);
  fail_if (memcmp (k1.key, k2.key, k1.key_len) == 0);
  mikey_srtp_params_clear (&k2);
  n = admin_json ("log", "--user", "alice", "--event", "left", NULL);
  {
    JsonArray *a = json_object_get_array_member (json_node_get_object (n),
        "entries");
    fail_unless_equals_int (json_array_get_length (a), 1);
    fail_unless_equals_string (json_object_get_string_member
        (json_array_get_object_element (a, 0), "reason"), "removed");
  }
  json_node_unref (n);
  n = admin_json ("log", "--event", "joined", "--limit", "1", NULL);
  fail_unless_equals_int (json_array_get_length (json_object_get_array_member
          (json_node_get_object (n), "entries")), 1);
  json_node_unref (n);
  fail_unless_equals_int (admin_run (NULL, NULL, "log", "--event", "maybe",
          NULL), 2);

  /* revoking a live member's device: the same */
  member_join (&carol, PASSWORD2);
  fail_unless_equals_int (member_fetch (&carol, 0, &k3, NULL), 200);
  mikey_srtp_params_clear (&k3);
  fail_unless_equals_int (member_heartbeat (&carol, sc), 0);
  bob_fp = mmkm_fingerprint_to_string (mmkm_identity_get_fingerprint
      (bob.device));
  n = admin_json ("devices", "list", "bob", NULL);
  fail_unless_equals_string (json_object_get_string_member (find_user (n,
              "devices", "bob"), "fingerprint"), bob_fp);
  json_node_unref (n);
  n = admin_json ("status", NULL);
  latest = json_int (n, "latest_mki");
  json_node_unref (n);
  n = admin_json ("devices", "revoke", bob_fp, NULL);
  fail_unless_equals_int (json_int (n, "sessions_ended"), 1);
  json_node_unref (n);
  fail_unless_equals_int (member_fetch (&bob, 0, &k3, NULL), 401);
  fail_unless_equals_int (member_heartbeat (&carol, sc), MMKM_HB_FLAG_FETCH);
  fail_unless_equals_int (member_fetch (&carol, latest + 1, &k2, NULL), 200);
  mikey_srtp_params_clear (&k2);
  /* bob's login is refused now: his device is revoked */
  {
    g_autofree gchar *j = login_json (&bob, PASSWORD);
    fail_unless_equals_int (request ("POST", "/v1/login",
            "application/json", j, strlen (j), NULL, NULL), 401);
  }
  n = admin_json ("status", NULL);
  fail_unless_equals_int (json_int (n, "members"), 1);
  json_node_unref (n);

  /* rotate: a new MKI, which carol gets */
  n = admin_json ("rotate", NULL);
  fail_unless_equals_int (json_int (n, "mki"), latest + 2);
  json_node_unref (n);
  fail_unless_equals_int (member_fetch (&carol, latest + 2, &k2, NULL), 200);
  mikey_srtp_params_clear (&k2);
  g_free (m1);
  m1 = metrics_text ();
  fail_unless (metric (m1, "mmkm_tek_rotations_total{cause=\"forced\"}")
      >= 3);

  /* songs and the queue: one song and a request put in the store beside
   * the server (no public endpoint makes them yet), then taken out */
  {
    g_autofree gchar *db = g_build_filename (state_dir, "mmkm.db", NULL);
    g_autofree gchar *key = g_build_filename (state_dir, "secrets.key",
        NULL);
    g_autofree gchar *id = NULL;
    MmkmSeal *seal = mmkm_seal_open_key_file (key, NULL);
    MmkmStore *st;
    MmkmSong song = { 0 };
    gint64 song_id = 0, req_id = 0;

    fail_unless (seal != NULL);
    st = mmkm_store_sqlite_open (db, seal, MMKM_STORE_SQLITE_NONE, NULL);
    fail_unless (st != NULL);
    n = admin_json ("status", NULL);
    song.group_id = json_int (n, "group_id");
    json_node_unref (n);
    song.title = (gchar *) "Blue in Green";
    song.duration_us = 337 * G_USEC_PER_SEC;
    song.rate = 48000;
    song.channels = 2;
    song.file = (gchar *) "blue.ogg";
    fail_unless (mmkm_store_song_add (st, &song, &song_id, NULL));
    fail_unless (mmkm_store_request_enqueue (st, song.group_id, song_id,
            "carol", g_get_real_time (), &req_id, NULL));
    mmkm_store_close (st);

    n = admin_json ("songs", NULL);
    fail_unless_equals_string (json_object_get_string_member
        (json_array_get_object_element (json_object_get_array_member
                (json_node_get_object (n), "songs"), 0), "title"),
        "Blue in Green");
    json_node_unref (n);
    n = admin_json ("queue", NULL);
    o = find_user (n, "queue", "carol");
    fail_unless (o != NULL);
    fail_unless_equals_int64 (json_object_get_int_member (o, "id"), req_id);
    json_node_unref (n);
    fail_unless_equals_int (admin_run (NULL, &out, "songs", NULL), 0);
    fail_unless (strstr (out, "5:37  Blue in Green") != NULL, "%s", out);
    g_clear_pointer (&out, g_free);
    id = g_strdup_printf ("%" G_GINT64_FORMAT, req_id);
    fail_unless_equals_int (admin_run (NULL, NULL, "queue", "remove", id,
            NULL), 0);
    fail_unless_equals_int (admin_run (NULL, NULL, "queue", "remove", id,
            NULL), 1);
    fail_unless_equals_int (admin_run (NULL, NULL, "queue", "remove", "x",
            NULL), 2);
    n = admin_json ("queue", NULL);
    fail_unless_equals_int (json_array_get_length
        (json_object_get_array_member (json_node_get_object (n), "queue")), 0);
    json_node_unref (n);
  }

  /* malformed admin bodies */
  fail_unless_equals_int (admin_req ("POST", "/admin/v1/users/add", "{",
          &b), 400);
  {
    g_autofree gchar *s = body_str (b);
    fail_unless (strstr (s, "\"bad_request\"") != NULL, "%s", s);
  }
  g_clear_pointer (&b, g_bytes_unref);
  fail_unless_equals_int (admin_req ("POST", "/admin/v1/users/add",
          "{\"user\":\"dave\",\"role\":\"listener\"}", NULL), 400);
  fail_unless_equals_int (admin_req ("POST", "/admin/v1/users/add",
          "{\"user\":\"dave\",\"role\":\"king\",\"password\":\"x\"}", NULL),
      400);
  fail_unless_equals_int (admin_req ("POST", "/admin/v1/users/remove",
          "{\"user\":\"carol\",\"password\":\"x\"}", NULL), 400);
  fail_unless_equals_int (admin_req ("POST", "/admin/v1/users/remove",
          "{\"user\":[]}", NULL), 400);
  fail_unless_equals_int (admin_req ("POST", "/admin/v1/devices/revoke",
          "{\"device\":\"00\"}", NULL), 400);
  fail_unless_equals_int (admin_req ("GET", "/admin/v1/log?limit=x", NULL,
          NULL), 400);
  fail_unless_equals_int (admin_req ("POST", "/admin/v1/queue/remove",
          "{\"entry\":0}", NULL), 400);
  fail_unless_equals_int (admin_req ("POST", "/admin/v1/queue/remove",
          "{\"entry\":\"1\"}", NULL), 400);
  big = g_strnfill (64 * 1024, ' ');
  fail_unless_equals_int (admin_req ("POST", "/admin/v1/users/add", big,
          NULL), 413);
  fail_unless_equals_int (admin_req ("POST", "/admin/v1/rotate", "{}", NULL),
      413);
  {
    g_autofree gchar *t = admin_token ();
    fail_unless_equals_int (request_to (srv.admin_port, "POST",
            "/admin/v1/users/remove", "text/plain", "{}", 2, t, NULL), 415);
  }
  fail_unless_equals_int (admin_req ("GET", "/admin/v1/nothing", NULL, NULL),
      404);
  /* carol is still there after all that */
  n = admin_json ("users", "list", NULL);
  fail_unless (find_user (n, "users", "carol") != NULL);
  fail_unless (find_user (n, "users", "alice") == NULL);
  json_node_unref (n);
  fail_unless_equals_int (admin_run (NULL, &out, "status", NULL), 0);
  fail_unless (strstr (out, "1 members live") != NULL, "%s", out);
  g_clear_pointer (&out, g_free);

  /* a wrong pin: mmkm-admin refuses the server (exit status 3) */
  fail_unless_equals_int (admin_run (NULL, NULL, "--fingerprint",
          "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:"
          "66:77:88:99:aa:bb:cc:dd:ee:ff", "status", NULL), 3);
  {
    const gchar *exe = g_getenv ("MMKM_ADMIN");
    g_autofree gchar *url = g_strdup_printf ("https://127.0.0.1:%u/",
        srv.admin_port);
    g_autofree gchar *tok = g_build_filename (state_dir, "admin.token", NULL);
    const gchar *argv[] = { exe, "--server", url, "--token-file", tok,
      "--fingerprint", "00112233445566778899aabbccddeeff00112233445566778899"
          "aabbccddeeff", "status", NULL
    };
    gint status = -1;

    fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL,
            G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
            NULL, NULL, NULL, &status, NULL));
    fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 3);
  }

  mikey_srtp_params_clear (&k1);
  server_stop ();

  /* a token file others can read: the server refuses to start */
  {
    g_autofree gchar *tok = g_build_filename (state_dir, "admin.token", NULL);
    g_autofree gchar *err = NULL;
    const gchar *argv[] = { g_getenv ("MMKM_SERVER"), "--config",
      config_path, "--state-dir", state_dir, "--listen", "127.0.0.1:0",
      "--heartbeat-port", "0", "--admin-listen", "127.0.0.1:0", NULL
    };
    gint status = -1;

    fail_unless (g_chmod (tok, 0644) == 0);
    fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL,
            G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err, &status, NULL));
    fail_if (g_spawn_check_wait_status (status, NULL));
    fail_unless (strstr (err, "admin.token") && strstr (err, "chmod 600"),
        "%s", err);
  }
  member_clear (&alice);
  member_clear (&bob);
  member_clear (&carol);
  state_teardown ();
}

GST_END_TEST;

static Suite *
mmkm_admin_suite (void)
{
  Suite *s = suite_create ("mmkm-admin");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_admin_help);
  tcase_add_test (tc, test_admin_end_to_end);
  return s;
}

GST_CHECK_MAIN (mmkm_admin);
