/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkm-server's songs, request queue and events long poll, end to end:
 * the real daemon on random loopback ports in a temporary state
 * directory, a sender and two listeners that log in and make their DH
 * exchange as members do. The song list, requests by id and by title,
 * the per-member counter (429 then allowed again), the queue's order, the
 * sender's pops and now-playing, the roles, bad bodies, kill -9 and
 * restart; the long poll answered by a queue change and by the re-key a
 * BYE forces, its timeout, "after", one poll per session, the end of a
 * session, and the gap after the ring overflowed. */
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
#include "mmkm-identity.h"
#include "mmkm-kek.h"
#include "mmkm-password.h"
#include "mmkm-store-sqlite.h"
#include "mmkm-pool-exit.h"

#define PASSWORD "correct horse battery staple"
#define CONFIG "[passwords]\nt-cost = 1\nm-cost-kib = 256\n" \
  "[members]\nrequests-per-period = 2\nrequest-period-ms = 4000\n" \
  "[limits]\nevents-kept = 16\n"

typedef struct
{
  GSubprocess *proc;
  gchar *fingerprint;
  guint16 port;
} Server;

typedef struct
{
  const gchar *user;
  MmkmIdentity *device;
  gchar *token;
} Member;

static gchar *state_dir;
static gchar *config_path;
static Server srv;

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
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

  fail_unless (exe != NULL, "MMKM_SERVER is not set");
  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
  srv.proc = g_subprocess_launcher_spawn (l, &e, exe, "--config",
      config_path, "--state-dir", state_dir, "--listen", "127.0.0.1:0",
      "--heartbeat-port", "0", "--admin-listen", "127.0.0.1:0", NULL);
  fail_unless (srv.proc != NULL, "%s", e ? e->message : "");
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (srv.proc));
  g_clear_pointer (&srv.fingerprint, g_free);
  srv.port = 0;
  while ((line = g_data_input_stream_read_line (in, NULL, NULL, NULL))) {
    gboolean ready = g_str_equal (line, "ready");
    if (g_str_has_prefix (line, "fingerprint "))
      srv.fingerprint = g_strdup (line + 12);
    else if (g_str_has_prefix (line, "listening https://127.0.0.1:"))
      srv.port =
          (guint16) atoi (line + strlen ("listening https://127.0.0.1:"));
    g_free (line);
    if (ready)
      break;
  }
  fail_unless (srv.fingerprint && srv.port, "the server did not start");
}

static void
server_kill (void)
{
  g_subprocess_force_exit (srv.proc);
  g_subprocess_wait (srv.proc, NULL, NULL);
  g_clear_object (&srv.proc);
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

/* One request on a session of its own (so that threads can poll); the
 * status, the body in @out (a string) when asked. */
static guint
request (const gchar * method, const gchar * path, const gchar * ctype,
    const gchar * body, gsize len, const Member * m, gchar ** out)
{
  g_autofree gchar *uri = g_strdup_printf ("https://127.0.0.1:%u%s",
      srv.port, path);
  g_autoptr (SoupSession) http = soup_session_new_with_options ("timeout",
      60, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr (GBytes) resp = NULL;
  GError *e = NULL;

  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_cert), NULL);
  if (body) {
    g_autoptr (GBytes) b = g_bytes_new (body, len);
    soup_message_set_request_body_from_bytes (msg, ctype, b);
  }
  if (m && m->token) {
    g_autofree gchar *h = g_strconcat ("Bearer ", m->token, NULL);
    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "Authorization", h);
  }
  resp = soup_session_send_and_read (http, msg, NULL, &e);
  fail_unless (resp != NULL, "%s %s: %s", method, path, e ? e->message : "");
  if (out)
    *out = g_bytes_get_size (resp) ? g_strndup (g_bytes_get_data (resp,
            NULL), g_bytes_get_size (resp)) : g_strdup ("");
  return soup_message_get_status (msg);
}

static guint
send_json (const gchar * method, const gchar * path, const gchar * json,
    const Member * m, gchar ** out)
{
  return request (method, path, "application/json", json, strlen (json), m,
      out);
}

static guint
get (const gchar * path, const Member * m, gchar ** out)
{
  return request ("GET", path, NULL, NULL, 0, m, out);
}

static void
add_users (void)
{
  g_autofree gchar *db = g_build_filename (state_dir, "mmkm.db", NULL);
  g_autofree gchar *key = g_build_filename (state_dir, "secrets.key", NULL);
  MmkmPasswordParams p;
  MmkmSeal *seal = mmkm_seal_open_key_file (key, NULL);
  MmkmStore *st;
  const gchar *users[] = { "sam", "alice", "bob" };
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
    fail_unless (mmkm_store_user_add (st, users[i], i == 0 ?
            MMKM_ROLE_SENDER : MMKM_ROLE_LISTENER, h, NULL));
  }
  mmkm_store_close (st);
}

/* register, login, the DH exchange: a live session in the store */
static void
member_join (Member * m)
{
  g_autofree gchar *uri = g_strconcat ("mmkm:user:", m->user, NULL);
  g_autofree gchar *crt = g_build_filename (state_dir, "server.crt", NULL);
  g_autofree gchar *j = NULL, *body = NULL;
  MmkmApiRegisterRequest reg = { 0 };
  MmkmApiLoginRequest login = { 0 };
  MmkmApiLoginResponse r = { 0 };
  GPtrArray *chain;
  g_autoptr (MmkmKekMember) k = NULL;
  g_autoptr (GBytes) i_msg = NULL;
  guint8 kek[MMKM_KEK_LEN];
  g_autoptr (SoupSession) http = soup_session_new ();
  g_autofree gchar *kuri = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) r_msg = NULL;
  g_autofree gchar *auth = NULL;

  m->device = mmkm_identity_new (m->user, uri, 0, NULL);
  fail_unless (m->device != NULL);
  reg.user = (gchar *) m->user;
  reg.password = (gchar *) PASSWORD;
  reg.certificate = (gchar *) mmkm_identity_get_cert_pem (m->device);
  j = mmkm_api_register_request_to_json (&reg);
  fail_unless_equals_int (send_json ("POST", "/v1/register", j, NULL, NULL),
      201);
  g_free (j);
  login.user = (gchar *) m->user;
  login.password = (gchar *) PASSWORD;
  login.group = (gchar *) "default";
  memcpy (login.fingerprint, mmkm_identity_get_fingerprint (m->device), 32);
  j = mmkm_api_login_request_to_json (&login);
  fail_unless_equals_int (send_json ("POST", "/v1/login", j, NULL, &body), 200);
  fail_unless (mmkm_api_login_response_from_json (body, strlen (body), &r,
          NULL));
  fail_unless_equals_int (r.requests_per_period, 2);
  fail_unless_equals_int (r.request_period_ms, 4000);
  m->token = mmkm_api_token_to_string (r.token);
  mmkm_api_login_response_clear (&r);

  chain = mikey_cert_load_pem_file (crt, NULL);
  fail_unless (chain != NULL);
  k = mmkm_kek_member_new (m->device, m->user, g_ptr_array_index (chain, 0),
      NULL);
  fail_unless (k != NULL);
  i_msg = mmkm_kek_member_start (k, g_get_real_time (), NULL);
  kuri = g_strdup_printf ("https://127.0.0.1:%u/v1/session/kek", srv.port);
  msg = soup_message_new ("POST", kuri);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_cert), NULL);
  soup_message_set_request_body_from_bytes (msg, "application/mikey", i_msg);
  auth = g_strconcat ("Bearer ", m->token, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg),
      "Authorization", auth);
  r_msg = soup_session_send_and_read (http, msg, NULL, NULL);
  fail_unless (r_msg != NULL);
  fail_unless_equals_int (soup_message_get_status (msg), 200);
  fail_unless (mmkm_kek_member_finish (k, g_bytes_get_data (r_msg, NULL),
          g_bytes_get_size (r_msg), g_get_real_time (), kek, NULL));
  g_ptr_array_unref (chain);
}

static void
member_clear (Member * m)
{
  g_free (m->token);
  g_clear_pointer (&m->device, mmkm_identity_free);
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
state_setup (void)
{
  state_dir = g_dir_make_tmp ("mmkm-songs-XXXXXX", NULL);
  config_path = g_build_filename (state_dir, "test.conf", NULL);
  fail_unless (g_file_set_contents (config_path, CONFIG, -1, NULL));
  add_users ();
  server_start ();
}

static void
state_teardown (void)
{
  g_clear_pointer (&srv.fingerprint, g_free);
  rm_rf (state_dir);
  g_clear_pointer (&state_dir, g_free);
  g_clear_pointer (&config_path, g_free);
  /* LeakSanitizer runs at the forked test's exit: no GIO worker may be
   * exiting then (mmkm-pool-exit.h) */
  mmkm_pool_workers_await (10000);
}

static const gchar songs_json[] = "{\"songs\":["
    "{\"id\":1,\"title\":\"Gymnop\xc3\xa9" "die No. 1\",\"duration_ms\":185000,"
    "\"rate\":44100,\"channels\":2},"
    "{\"id\":2,\"title\":\"Clair de lune\",\"duration_ms\":302000,"
    "\"rate\":48000,\"channels\":2},"
    "{\"id\":7,\"title\":\"Tiny\",\"duration_ms\":1000,"
    "\"rate\":8000,\"channels\":1}]}";

/* POSTs a song request; the new entry's number (0 when refused) */
static guint64
song_request (const Member * m, const gchar * json, guint want)
{
  g_autofree gchar *out = NULL;
  MmkmApiQueueEntry e = { 0 };
  guint64 id;

  fail_unless_equals_int (send_json ("POST", "/v1/queue", json, m, &out), want);
  if (want != 201)
    return 0;
  fail_unless (mmkm_api_queue_entry_from_json (out, strlen (out), &e, NULL));
  fail_unless_equals_string (e.requested_by, m->user);
  id = e.entry;
  mmkm_api_queue_entry_clear (&e);
  return id;
}

static void
queue_get (const Member * m, MmkmApiQueue * q)
{
  g_autofree gchar *out = NULL;

  fail_unless_equals_int (get ("/v1/queue", m, &out), 200);
  fail_unless (mmkm_api_queue_from_json (out, strlen (out), q, NULL), "%s",
      out);
}

static void
error_is (const gchar * body, const gchar * code, const gchar * reason)
{
  MmkmApiError e = { 0 };

  fail_unless (mmkm_api_error_from_json (body, strlen (body), &e, NULL),
      "%s", body);
  fail_unless_equals_string (mmkm_api_error_code_to_string (e.code), code);
  if (reason)
    fail_unless_equals_string (e.reason, reason);
  mmkm_api_error_clear (&e);
}

GST_START_TEST (test_songs_and_queue)
{
  Member sam = { "sam" }, alice = { "alice" }, bob = { "bob" };
  g_autofree gchar *out = NULL;
  MmkmApiSongList sl = { 0 };
  MmkmApiQueue q = { 0 };
  MmkmApiError err = { 0 };
  guint64 a1, a2, b1, a3, a4, popped[3];
  GString *big;
  guint i;

  state_setup ();
  member_join (&sam);
  member_join (&alice);
  member_join (&bob);

  /* the sender publishes, anyone reads */
  fail_unless_equals_int (send_json ("PUT", "/v1/songs", songs_json, &alice,
          &out), 403);
  error_is (out, "forbidden", "sender_only");
  g_clear_pointer (&out, g_free);
  fail_unless_equals_int (get ("/v1/songs", &alice, &out), 200);
  fail_unless (mmkm_api_song_list_from_json (out, strlen (out), &sl, NULL));
  fail_unless_equals_int (sl.n_songs, 0);
  mmkm_api_song_list_clear (&sl);
  g_clear_pointer (&out, g_free);
  fail_unless_equals_int (send_json ("PUT", "/v1/songs", songs_json, &sam,
          NULL), 204);
  fail_unless_equals_int (get ("/v1/songs", &bob, &out), 200);
  fail_unless (mmkm_api_song_list_from_json (out, strlen (out), &sl, NULL));
  fail_unless_equals_int (sl.n_songs, 3);
  fail_unless_equals_int (sl.songs[1].id, 2);
  fail_unless_equals_string (sl.songs[1].title, "Clair de lune");
  fail_unless_equals_int (sl.songs[2].rate, 8000);
  mmkm_api_song_list_clear (&sl);
  g_clear_pointer (&out, g_free);

  /* bad bodies: JSON errors, before anything changes */
  fail_unless_equals_int (send_json ("PUT", "/v1/songs", "{\"songs\":[{",
          &sam, &out), 400);
  error_is (out, "bad_request", NULL);
  g_clear_pointer (&out, g_free);
  fail_unless_equals_int (request ("PUT", "/v1/songs", "text/plain",
          songs_json, strlen (songs_json), &sam, &out), 415);
  error_is (out, "unsupported_media_type", NULL);
  g_clear_pointer (&out, g_free);
  big = g_string_new ("{\"songs\":[],\"x\":\"");
  while (big->len <= MMKM_API_LIST_BODY_MAX)
    g_string_append (big, "0123456789abcdef");
  g_string_append (big, "\"}");
  fail_unless_equals_int (send_json ("PUT", "/v1/songs", big->str, &sam,
          &out), 413);
  error_is (out, "payload_too_large", NULL);
  g_clear_pointer (&out, g_free);
  g_string_free (big, TRUE);
  fail_unless_equals_int (send_json ("POST", "/v1/queue", "{\"song\":0}",
          &alice, &out), 400);
  error_is (out, "bad_request", NULL);
  g_clear_pointer (&out, g_free);
  fail_unless_equals_int (send_json ("POST", "/v1/queue", "{}", &alice,
          NULL), 400);
  fail_unless_equals_int (send_json ("PUT", "/v1/queue/now-playing",
          "{\"entry\":\"x\"}", &sam, NULL), 400);
  fail_unless_equals_int (send_json ("POST", "/v1/queue", "{\"song\":1}",
          NULL, NULL), 401);

  /* requests by id and by title (case-folded); unknown songs */
  a1 = song_request (&alice, "{\"song\":2}", 201);
  fail_unless_equals_int (send_json ("POST", "/v1/queue",
          "{\"song\":99}", &alice, &out), 404);
  error_is (out, "not_found", "unknown_song");
  g_clear_pointer (&out, g_free);
  song_request (&alice, "{\"title\":\"Nope\"}", 404);
  a2 = song_request (&alice, "{\"title\":\"GYMNOP\xc3\x89" "DIE no. 1\"}", 201);
  /* the counter: 2 per 4 s */
  fail_unless_equals_int (send_json ("POST", "/v1/queue", "{\"song\":7}",
          &alice, &out), 429);
  fail_unless (mmkm_api_error_from_json (out, strlen (out), &err, NULL));
  fail_unless_equals_string (err.reason, "request_limit");
  fail_unless (err.retry_after >= 1 && err.retry_after <= 4, "%"
      G_GINT64_FORMAT, err.retry_after);
  fail_unless (err.resets_at > g_get_real_time ());
  g_clear_pointer (&out, g_free);
  b1 = song_request (&bob, "{\"song\":1}", 201);

  /* the queue in order, for anyone */
  queue_get (&bob, &q);
  fail_unless (!q.playing);
  fail_unless_equals_int (q.n_entries, 3);
  fail_unless (q.entries[0].entry == a1 && q.entries[1].entry == a2
      && q.entries[2].entry == b1);
  fail_unless_equals_int (q.entries[0].song, 2);
  fail_unless_equals_string (q.entries[0].title, "Clair de lune");
  fail_unless_equals_int (q.entries[1].song, 1);
  fail_unless_equals_string (q.entries[2].requested_by, "bob");
  fail_unless (q.entries[0].requested_at <= q.entries[1].requested_at);
  mmkm_api_queue_clear (&q);

  /* allowed again once the oldest request left the window */
  fail_unless_equals_int (send_json ("POST", "/v1/queue", "{\"song\":7}",
          &alice, NULL), 429);
  /* (and a moment more, so that both of them left it) */
  while (g_get_real_time () < err.resets_at + 500 * 1000)
    g_usleep (50 * 1000);
  mmkm_api_error_clear (&err);
  a3 = song_request (&alice, "{\"song\":7}", 201);
  a4 = song_request (&alice, "{\"song\":2}", 201);
  /* alice's window is full again; kill -9 and restart: the count is in
   * the store (the 429 needs both requests, made just now) */
  server_kill ();
  server_start ();
  song_request (&alice, "{\"song\":1}", 429);

  /* only the sender pops and says what plays */
  fail_unless_equals_int (send_json ("POST", "/v1/queue/next", "", &alice,
          &out), 403);
  error_is (out, "forbidden", "sender_only");
  g_clear_pointer (&out, g_free);
  fail_unless_equals_int (send_json ("PUT", "/v1/queue/now-playing",
          "{\"entry\":1}", &bob, NULL), 403);
  fail_unless_equals_int (send_json ("POST", "/v1/queue/next", "", &sam,
          &out), 200);
  {
    MmkmApiQueueEntry e = { 0 };
    fail_unless (mmkm_api_queue_entry_from_json (out, strlen (out), &e, NULL));
    popped[0] = e.entry;
    mmkm_api_queue_entry_clear (&e);
  }
  g_clear_pointer (&out, g_free);
  fail_unless (popped[0] == a1);
  /* a queued entry is not playable yet, nor an unknown one */
  out = g_strdup_printf ("{\"entry\":%" G_GUINT64_FORMAT "}", a2);
  fail_unless_equals_int (send_json ("PUT", "/v1/queue/now-playing", out,
          &sam, NULL), 404);
  g_free (out);
  fail_unless_equals_int (send_json ("PUT", "/v1/queue/now-playing",
          "{\"entry\":99999}", &sam, &out), 404);
  error_is (out, "not_found", "unknown_entry");
  g_free (out);
  out = g_strdup_printf ("{\"entry\":%" G_GUINT64_FORMAT "}", a1);
  fail_unless_equals_int (send_json ("PUT", "/v1/queue/now-playing", out,
          &sam, NULL), 204);
  g_clear_pointer (&out, g_free);
  queue_get (&alice, &q);
  fail_unless (q.playing && q.now_playing.entry == a1);
  fail_unless_equals_string (q.now_playing.title, "Clair de lune");
  fail_unless_equals_int (q.n_entries, 4);
  fail_unless (q.entries[0].entry == a2 && q.entries[2].entry == a3);
  mmkm_api_queue_clear (&q);

  /* kill -9 again: the songs, the queue and what plays are still there */
  server_kill ();
  server_start ();
  fail_unless_equals_int (get ("/v1/songs", &alice, &out), 200);
  fail_unless (mmkm_api_song_list_from_json (out, strlen (out), &sl, NULL));
  fail_unless_equals_int (sl.n_songs, 3);
  mmkm_api_song_list_clear (&sl);
  g_clear_pointer (&out, g_free);
  queue_get (&bob, &q);
  fail_unless (q.playing && q.now_playing.entry == a1);
  fail_unless_equals_int (q.n_entries, 4);
  fail_unless (q.entries[3].entry == a4);
  mmkm_api_queue_clear (&q);

  /* pops in order, then 204 */
  for (i = 0; i < 4; i++) {
    MmkmApiQueueEntry e = { 0 };
    fail_unless_equals_int (send_json ("POST", "/v1/queue/next", "", &sam,
            &out), 200);
    fail_unless (mmkm_api_queue_entry_from_json (out, strlen (out), &e, NULL));
    if (i < 3)
      popped[i] = e.entry;
    mmkm_api_queue_entry_clear (&e);
    g_clear_pointer (&out, g_free);
  }
  fail_unless (popped[0] == a2 && popped[1] == b1 && popped[2] == a3);
  fail_unless_equals_int (send_json ("POST", "/v1/queue/next", "", &sam,
          &out), 204);
  fail_unless_equals_int (strlen (out), 0);
  g_clear_pointer (&out, g_free);
  fail_unless_equals_int (send_json ("PUT", "/v1/queue/now-playing",
          "{\"entry\":null}", &sam, NULL), 204);
  queue_get (&bob, &q);
  fail_unless (!q.playing && q.n_entries == 0);
  mmkm_api_queue_clear (&q);

  /* a new list keeps the songs it keeps: song 2 stays, 1 and 7 go */
  fail_unless_equals_int (send_json ("PUT", "/v1/songs", "{\"songs\":[{"
          "\"id\":2,\"title\":\"Clair de lune (live)\",\"duration_ms\":1,"
          "\"rate\":8000,\"channels\":1}]}", &sam, NULL), 204);
  song_request (&bob, "{\"song\":1}", 404);
  song_request (&bob, "{\"song\":2}", 201);
  queue_get (&bob, &q);
  fail_unless_equals_int (q.n_entries, 1);
  fail_unless_equals_string (q.entries[0].title, "Clair de lune (live)");
  mmkm_api_queue_clear (&q);

  server_stop ();
  member_clear (&sam);
  member_clear (&alice);
  member_clear (&bob);
  state_teardown ();
}

GST_END_TEST;

/* ---- events ---- */

typedef struct
{
  const Member *m;
  gchar *path;
  guint status;
  gchar *body;
  gint64 took;                  /* microseconds */
} Poll;

static gpointer
poll_thread (gpointer data)
{
  Poll *p = data;
  gint64 t0 = g_get_monotonic_time ();

  p->status = get (p->path, p->m, &p->body);
  p->took = g_get_monotonic_time () - t0;
  return NULL;
}

static GThread *
poll_start (Poll * p, const Member * m, guint64 after, guint timeout)
{
  memset (p, 0, sizeof *p);
  p->m = m;
  p->path = g_strdup_printf ("/v1/session/events?after=%" G_GUINT64_FORMAT
      "&timeout=%u", after, timeout);
  return g_thread_new ("poll", poll_thread, p);
}

static void
poll_clear (Poll * p)
{
  g_free (p->path);
  g_free (p->body);
}

/* A poll answered at once (timeout 0) */
static void
events_now (const Member * m, guint64 after, MmkmApiEvents * ev)
{
  g_autofree gchar *path = g_strdup_printf ("/v1/session/events?after=%"
      G_GUINT64_FORMAT "&timeout=0", after);
  g_autofree gchar *out = NULL;

  fail_unless_equals_int (get (path, m, &out), 200);
  fail_unless (mmkm_api_events_from_json (out, strlen (out), ev, NULL), "%s",
      out);
}

static gboolean
has_event (const MmkmApiEvents * ev, MmkmApiEventType type, const gchar * user)
{
  guint i;

  for (i = 0; i < ev->n_events; i++)
    if (ev->events[i].type == type && (!user
            || g_strcmp0 (ev->events[i].user, user) == 0))
      return TRUE;
  return FALSE;
}

GST_START_TEST (test_events)
{
  Member sam = { "sam" }, alice = { "alice" }, bob = { "bob" };
  MmkmApiEvents ev = { 0 };
  Poll pa, pb;
  GThread *ta, *tb;
  guint64 start, last, tek_id = 0;
  g_autofree gchar *out = NULL;
  guint i;

  state_setup ();
  member_join (&sam);
  member_join (&alice);

  /* the first poll gets what the ring holds: the first TEK; the sender
   * also sees who joined, a listener does not */
  events_now (&sam, 0, &ev);
  fail_unless (!ev.gap);
  fail_unless (has_event (&ev, MMKM_API_EVENT_TEK, NULL));
  fail_unless (has_event (&ev, MMKM_API_EVENT_JOINED, "alice"));
  start = ev.events[0].id - 1;
  mmkm_api_events_clear (&ev);
  events_now (&alice, 0, &ev);
  fail_unless (has_event (&ev, MMKM_API_EVENT_TEK, NULL));
  fail_unless (!has_event (&ev, MMKM_API_EVENT_JOINED, NULL));
  last = ev.last;
  mmkm_api_events_clear (&ev);

  /* nothing new: an empty list after the timeout, "last" unchanged */
  ta = poll_start (&pa, &alice, last, 1);
  g_thread_join (ta);
  fail_unless_equals_int (pa.status, 200);
  fail_unless (pa.took >= 900 * 1000, "%" G_GINT64_FORMAT, pa.took);
  fail_unless (mmkm_api_events_from_json (pa.body, strlen (pa.body), &ev,
          NULL));
  fail_unless_equals_int (ev.n_events, 0);
  fail_unless (ev.last == last && !ev.gap);
  mmkm_api_events_clear (&ev);
  poll_clear (&pa);

  /* a waiting poll is answered when the queue changes */
  fail_unless_equals_int (send_json ("PUT", "/v1/songs", songs_json, &sam,
          NULL), 204);
  events_now (&alice, last, &ev);
  fail_unless (ev.n_events == 1 && ev.events[0].type == MMKM_API_EVENT_SONGS);
  last = ev.last;
  mmkm_api_events_clear (&ev);
  ta = poll_start (&pa, &alice, last, 30);
  g_usleep (300 * 1000);
  song_request (&alice, "{\"song\":1}", 201);
  g_thread_join (ta);
  fail_unless_equals_int (pa.status, 200);
  fail_unless (pa.took < 10 * G_USEC_PER_SEC, "%" G_GINT64_FORMAT, pa.took);
  fail_unless (mmkm_api_events_from_json (pa.body, strlen (pa.body), &ev,
          NULL));
  fail_unless_equals_int (ev.n_events, 1);
  fail_unless_equals_int (ev.events[0].type, MMKM_API_EVENT_QUEUE);
  fail_unless (ev.events[0].id > last && ev.last == ev.events[0].id);
  last = ev.last;
  mmkm_api_events_clear (&ev);
  poll_clear (&pa);

  /* one poll per session: a second one ends the first at once */
  ta = poll_start (&pa, &alice, last, 30);
  g_usleep (300 * 1000);
  events_now (&alice, last, &ev);
  mmkm_api_events_clear (&ev);
  g_thread_join (ta);
  fail_unless_equals_int (pa.status, 200);
  fail_unless (pa.took < 10 * G_USEC_PER_SEC);
  fail_unless (strstr (pa.body, "\"events\":[]") != NULL, "%s", pa.body);
  poll_clear (&pa);

  /* bob's BYE: his own poll ends (401), alice's is answered with the
   * forced re-key (MKI and activation, no key), the sender sees him go */
  member_join (&bob);
  events_now (&alice, last, &ev);
  last = ev.last;
  mmkm_api_events_clear (&ev);
  ta = poll_start (&pa, &alice, last, 30);
  tb = poll_start (&pb, &bob, last, 30);
  g_usleep (300 * 1000);
  fail_unless_equals_int (send_json ("POST", "/v1/session/bye", "", &bob,
          NULL), 204);
  g_thread_join (tb);
  fail_unless_equals_int (pb.status, 401);
  fail_unless (pb.took < 10 * G_USEC_PER_SEC);
  poll_clear (&pb);
  g_thread_join (ta);
  fail_unless_equals_int (pa.status, 200);
  fail_unless (pa.took < 10 * G_USEC_PER_SEC);
  fail_unless (mmkm_api_events_from_json (pa.body, strlen (pa.body), &ev,
          NULL), "%s", pa.body);
  fail_unless_equals_int (ev.n_events, 1);
  fail_unless_equals_int (ev.events[0].type, MMKM_API_EVENT_TEK);
  fail_unless (ev.events[0].mki >= 2 && ev.events[0].activation > 0);
  fail_unless (strstr (pa.body, "\"key\"") == NULL);
  tek_id = ev.events[0].id;
  mmkm_api_events_clear (&ev);
  poll_clear (&pa);
  events_now (&sam, start, &ev);
  fail_unless (has_event (&ev, MMKM_API_EVENT_JOINED, "bob"));
  fail_unless (has_event (&ev, MMKM_API_EVENT_LEFT, "bob"));
  for (i = 0; i < ev.n_events; i++)
    if (ev.events[i].type == MMKM_API_EVENT_LEFT)
      fail_unless_equals_string (ev.events[i].reason, "bye");
  mmkm_api_events_clear (&ev);

  /* "after" skips what the member has seen */
  events_now (&alice, tek_id - 1, &ev);
  fail_unless (ev.n_events >= 1 && ev.events[0].id == tek_id);
  mmkm_api_events_clear (&ev);
  events_now (&alice, tek_id, &ev);
  for (i = 0; i < ev.n_events; i++)
    fail_unless (ev.events[i].id > tek_id);
  last = ev.last;
  mmkm_api_events_clear (&ev);

  /* the ring holds 16: after 20 more events a member still at "last"
   * is told of the gap, and gets the newest events */
  for (i = 0; i < 20; i++)
    fail_unless_equals_int (send_json ("PUT", "/v1/songs", songs_json, &sam,
            NULL), 204);
  events_now (&alice, last, &ev);
  fail_unless (ev.gap);
  fail_unless (ev.n_events > 0 && ev.n_events <= 16);
  fail_unless_equals_int (ev.events[ev.n_events - 1].type,
      MMKM_API_EVENT_SONGS);
  last = ev.last;
  mmkm_api_events_clear (&ev);
  events_now (&alice, last, &ev);
  fail_unless (!ev.gap && ev.n_events == 0 && ev.last == last);
  mmkm_api_events_clear (&ev);
  /* a number the server never gave is a gap too */
  events_now (&alice, last + 1000, &ev);
  fail_unless (ev.gap && ev.last == last);
  mmkm_api_events_clear (&ev);
  /* and so is a restart, which forgets the events */
  server_kill ();
  server_start ();
  events_now (&alice, last, &ev);
  fail_unless (ev.gap);
  mmkm_api_events_clear (&ev);

  /* bad query parameters */
  fail_unless_equals_int (get ("/v1/session/events?after=-1", &alice, &out),
      400);
  error_is (out, "bad_request", NULL);
  g_clear_pointer (&out, g_free);
  fail_unless_equals_int (get ("/v1/session/events?timeout=121", &alice,
          NULL), 400);
  fail_unless_equals_int (get ("/v1/session/events", NULL, NULL), 401);

  /* SIGTERM with a poll waiting: answered, and the server exits 0 */
  events_now (&alice, 0, &ev);
  last = ev.last;
  mmkm_api_events_clear (&ev);
  ta = poll_start (&pa, &alice, last, 30);
  g_usleep (300 * 1000);
  server_stop ();
  g_thread_join (ta);
  fail_unless_equals_int (pa.status, 200);
  fail_unless (pa.took < 10 * G_USEC_PER_SEC);
  poll_clear (&pa);

  member_clear (&sam);
  member_clear (&alice);
  member_clear (&bob);
  state_teardown ();
}

GST_END_TEST;

static Suite *
mmkm_server_songs_suite (void)
{
  Suite *s = suite_create ("mmkm-server-songs");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_songs_and_queue);
  tcase_add_test (tc, test_events);
  return s;
}

GST_CHECK_MAIN (mmkm_server_songs);
