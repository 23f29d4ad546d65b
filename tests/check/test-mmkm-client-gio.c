/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The MMKM client's GIO driver and the mmkm-client program against the
 * real mmkm-server (MMKM_SERVER), started by tests/check/mmkm-test-server.c
 * on random loopback ports in a temporary state directory: register,
 * join, the TEKs the store holds, each acknowledged and recorded by the
 * server (its tek_acks), heartbeats ACKed, a wrong fingerprint refused,
 * BYE; the program's register, join, leave and --help as subprocesses. */
#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "mmkm-client.h"
#include "mmkm-client-gio.h"
#include "mmkm-identity.h"
#include "mmkm-test-server.h"

#define WRONG_FP "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:" \
  "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"

/* the server's URL and fingerprint (srv.fingerprint, kept for the
 * messages) */
static gchar *url;
static const gchar *fingerprint;

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* The real server (mmkm-test-server.c: random loopback ports, a
 * temporary state directory, users alice and bob), heartbeats every
 * 300 ms so that the tests see several */
static void
setup (void)
{
  state_setup ("[members]\nheartbeat-interval-ms = 300\nallowed-misses = 3\n"
      "[passwords]\nt-cost = 1\nm-cost-kib = 256\n");
  url = g_strdup_printf ("https://127.0.0.1:%u", srv.port);
  fingerprint = srv.fingerprint;
}

static void
teardown (void)
{
  /* SIGTERM: the server must exit cleanly, whatever the test did */
  if (srv.proc)
    server_term ();
  fingerprint = NULL;
  g_clear_pointer (&url, g_free);
  state_teardown ();
}

/* ---- the driver ------------------------------------------------------------ */

typedef struct
{
  GPtrArray *events;            /* MmkmClientEventType */
  guint heartbeats;
  gint64 rtt;
  guint teks;
  guint acked;                  /* TEK_ACKED events */
  MmkmClientError error;
  gboolean fatal;
  gchar *message;
} Seen;

static void
on_event (MmkmClientDriver * d, MmkmClient * c, const MmkmClientEvent * ev,
    gpointer data)
{
  Seen *s = data;

  g_ptr_array_add (s->events, GUINT_TO_POINTER (ev->type));
  /* no key in any event's text */
  if (ev->type == MMKM_CLIENT_EVENT_HEARTBEAT) {
    s->heartbeats++;
    s->rtt = ev->rtt;
  } else if (ev->type == MMKM_CLIENT_EVENT_TEK)
    s->teks++;
  else if (ev->type == MMKM_CLIENT_EVENT_TEK_ACKED) {
    /* only for a TEK the member holds */
    fail_unless (mmkm_client_get_tek_acked (c, ev->mki));
    s->acked++;
  } else if (ev->type == MMKM_CLIENT_EVENT_ERROR) {
    s->error = ev->code;
    s->fatal = ev->fatal;
    g_free (s->message);
    s->message = g_strdup (ev->message);
  }
}

static gboolean
seen (Seen * s, MmkmClientEventType t)
{
  guint i;

  for (i = 0; i < s->events->len; i++)
    if (GPOINTER_TO_UINT (g_ptr_array_index (s->events, i)) == t)
      return TRUE;
  return FALSE;
}

/* runs the default context until @t is seen (or an error ends things) */
static gboolean
wait_for (Seen * s, MmkmClientEventType t, guint seconds)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (!seen (s, t) && !s->fatal && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
  return seen (s, t);
}

/* runs the default context until every TEK seen is acknowledged */
static gboolean
wait_acked (Seen * s, guint seconds)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (s->acked < s->teks && !s->fatal && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
  return s->teks > 0 && s->acked == s->teks;
}

static gboolean
wait_heartbeats (Seen * s, guint n, guint seconds)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (s->heartbeats < n && !s->fatal && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
  return s->heartbeats >= n;
}

static MmkmClientDriver *
driver_new (const gchar * fp, Seen * s)
{
  MmkmClientDriverConfig dc = { 0 };
  GError *e = NULL;
  MmkmClientDriver *d;

  dc.server_url = url;
  dc.fingerprint = fp;
  d = mmkm_client_driver_new (&dc, on_event, s, &e);
  fail_unless (d != NULL, "%s", e ? e->message : "");
  return d;
}

static MmkmClient *
client_new (const gchar * user, MmkmIdentity * dev)
{
  MmkmClientConfig cc = { 0 };
  MmkmClient *c;

  cc.user = user;
  cc.device = dev;
  c = mmkm_client_new (&cc, NULL);
  fail_unless (c != NULL);
  fail_unless (mmkm_client_set_password (c, PASSWORD, NULL));
  return c;
}

GST_START_TEST (test_driver_join)
{
  Seen s = { g_ptr_array_new () };
  g_autoptr (MmkmIdentity) dev = mmkm_identity_new ("alice",
      "mmkm:user:alice", 0, NULL);
  MmkmClientDriver *d;
  MmkmClient *c;
  guint32 mkis[MMKM_CLIENT_TEKS_MAX], cur = 0;
  guint n, i;
  MmkmStore *st;
  GError *e = NULL;

  setup ();
  fail_unless (dev != NULL);
  d = driver_new (fingerprint, &s);
  c = client_new ("alice", dev);
  mmkm_client_driver_add (d, c);

  fail_unless (mmkm_client_register (c, g_get_real_time (), NULL));
  mmkm_client_driver_update (d, c);
  fail_unless (wait_for (&s, MMKM_CLIENT_EVENT_REGISTERED, 20), "%s",
      s.message);

  fail_unless (mmkm_client_join (c, g_get_real_time (), NULL));
  mmkm_client_driver_update (d, c);
  fail_unless (wait_for (&s, MMKM_CLIENT_EVENT_JOINED, 20), "%s", s.message);
  fail_unless (wait_for (&s, MMKM_CLIENT_EVENT_REKEY, 20), "%s", s.message);
  fail_unless (s.teks >= 1);

  /* the TEKs are the server's: same key and salt as in its store, which
   * the TEK messages could only carry under the KEK both sides agreed */
  n = mmkm_client_get_mkis (c, mkis, g_get_real_time (), &cur);
  fail_unless (n >= 1 && cur != 0);
  st = store_open ();
  for (i = 0; i < n; i++) {
    MikeySrtpParams p;
    g_autoptr (MmkmTek) t = NULL;

    fail_unless (mmkm_client_get_tek (c, mkis[i], &p));
    t = mmkm_store_tek_get (st, mmkm_client_get_login (c)->group_id,
        MMKM_TEK_BY_MKI, mkis[i], g_get_real_time (), &e);
    fail_unless (t != NULL, "%s", e ? e->message : "");
    fail_unless_equals_int (p.key_len, t->key_len);
    fail_unless_equals_int (p.salt_len, t->salt_len);
    fail_unless (memcmp (p.key, t->key, t->key_len) == 0);
    fail_unless (memcmp (p.salt, t->salt, t->salt_len) == 0);
    fail_unless_equals_int (p.mki_len, 4);
    mikey_srtp_params_clear (&p);
  }

  /* each TEK acknowledged, and the server recorded it: its store says
   * that this session of alice holds that MKI */
  fail_unless (wait_acked (&s, 20), "%u of %u TEKs acknowledged: %s",
      s.acked, s.teks, s.message);
  fail_unless_equals_int (mmkm_client_get_tek_acks (c), s.teks);
  for (i = 0; i < n; i++) {
    GPtrArray *acks = mmkm_store_tek_ack_list (st,
        mmkm_client_get_login (c)->group_id, mkis[i], &e);
    const MmkmTekAck *a;

    fail_unless (acks != NULL, "%s", e ? e->message : "");
    fail_unless (mmkm_client_get_tek_acked (c, mkis[i]));
    fail_unless_equals_int (acks->len, 1);
    a = g_ptr_array_index (acks, 0);
    fail_unless_equals_string (a->user, "alice");
    fail_unless (memcmp (a->session_id, mmkm_client_get_session_id (c),
            MMKM_SESSION_ID_LEN) == 0);
    g_ptr_array_unref (acks);
  }
  mmkm_store_close (st);

  /* heartbeats every 300 ms, each ACKed */
  fail_unless (wait_heartbeats (&s, 3, 20), "%u heartbeats ACKed",
      s.heartbeats);
  fail_unless (s.rtt >= 0);
  fail_if (seen (&s, MMKM_CLIENT_EVENT_SERVER_LOST));

  /* BYE */
  mmkm_client_leave (c, g_get_real_time ());
  mmkm_client_driver_update (d, c);
  fail_unless (wait_for (&s, MMKM_CLIENT_EVENT_LEFT, 20));
  fail_unless_equals_int (mmkm_client_get_state (c), MMKM_CLIENT_LEFT);
  fail_unless (!mmkm_client_get_kek (c, (guint8[32]) {
          0}
      ));
  fail_unless_equals_int (mmkm_client_driver_get_n_members (d), 1);
  mmkm_client_driver_remove (d, c);
  fail_unless_equals_int (mmkm_client_driver_get_n_members (d), 0);
  mmkm_client_driver_free (d);
  g_ptr_array_unref (s.events);
  g_free (s.message);
  teardown ();
}

GST_END_TEST;

/* Two members on one driver (one SoupSession, one UDP socket): each gets
 * its own ACKs; a server that stops answering is lost, and found again
 * after a restart (its sessions survive it) */
GST_START_TEST (test_driver_many_and_lost)
{
  Seen s = { g_ptr_array_new () };
  g_autoptr (MmkmIdentity) dev_b = mmkm_identity_new ("bob", "mmkm:user:bob",
      0, NULL);
  g_autoptr (MmkmIdentity) dev_c = mmkm_identity_new ("alice",
      "mmkm:user:alice", 0, NULL);
  MmkmClientDriver *d;
  MmkmClient *b, *c;

  setup ();
  d = driver_new (fingerprint, &s);
  b = client_new ("bob", dev_b);
  c = client_new ("alice", dev_c);
  mmkm_client_driver_add (d, b);
  mmkm_client_driver_add (d, c);
  fail_unless (mmkm_client_register (b, g_get_real_time (), NULL));
  fail_unless (mmkm_client_register (c, g_get_real_time (), NULL));
  mmkm_client_driver_update (d, b);
  mmkm_client_driver_update (d, c);
  {
    gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
    while (s.events->len < 2 && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
  }
  fail_unless (mmkm_client_get_state (b) == MMKM_CLIENT_IDLE
      && mmkm_client_get_state (c) == MMKM_CLIENT_IDLE, "%s", s.message);
  fail_unless (mmkm_client_join (b, g_get_real_time (), NULL));
  fail_unless (mmkm_client_join (c, g_get_real_time (), NULL));
  mmkm_client_driver_update (d, b);
  mmkm_client_driver_update (d, c);
  fail_unless (wait_heartbeats (&s, 6, 20), "%s", s.message);
  fail_unless_equals_int (mmkm_client_get_state (b), MMKM_CLIENT_JOINED);
  fail_unless_equals_int (mmkm_client_get_state (c), MMKM_CLIENT_JOINED);
  fail_unless (memcmp (mmkm_client_get_session_id (b),
          mmkm_client_get_session_id (c), MMKM_SESSION_ID_LEN) != 0);

  /* the server stops (SIGSTOP: no answers, no session ended) */
  g_subprocess_send_signal (srv.proc, SIGSTOP);
  fail_unless (wait_for (&s, MMKM_CLIENT_EVENT_SERVER_LOST, 20));
  g_subprocess_send_signal (srv.proc, SIGCONT);
  fail_unless (wait_for (&s, MMKM_CLIENT_EVENT_SERVER_RESTORED, 30), "%s",
      s.message);

  mmkm_client_driver_free (d);
  g_ptr_array_unref (s.events);
  g_free (s.message);
  teardown ();
}

GST_END_TEST;

/* A server whose certificate is not the pinned one is refused before
 * anything is sent, with a sentence that says so */
GST_START_TEST (test_driver_fingerprint_mismatch)
{
  Seen s = { g_ptr_array_new () };
  g_autoptr (MmkmIdentity) dev = mmkm_identity_new ("alice",
      "mmkm:user:alice", 0, NULL);
  MmkmClientDriver *d;
  MmkmClient *c;

  setup ();
  d = driver_new (WRONG_FP, &s);
  c = client_new ("alice", dev);
  mmkm_client_driver_add (d, c);
  fail_unless (mmkm_client_register (c, g_get_real_time (), NULL));
  mmkm_client_driver_update (d, c);
  fail_unless (wait_for (&s, MMKM_CLIENT_EVENT_ERROR, 20));
  fail_unless_equals_int (s.error, MMKM_CLIENT_ERROR_SERVER_CERT);
  fail_unless (s.fatal);
  fail_unless (strstr (s.message, "fingerprint") != NULL, "%s", s.message);
  /* the real fingerprint is named, so the user can compare */
  fail_unless (strstr (s.message, fingerprint) != NULL, "%s", s.message);
  mmkm_client_driver_free (d);

  /* a CA file: another certificate than the server's is refused, the
   * server's own (self-signed) is taken */
  {
    g_autoptr (MmkmIdentity) other = mmkm_identity_new ("x", "mmkm:server",
        0, NULL);
    g_autofree gchar *other_crt = g_build_filename (state_dir, "other.crt",
        NULL);
    g_autofree gchar *srv_crt = g_build_filename (state_dir, "server.crt",
        NULL);
    MmkmClientDriverConfig dc = { 0 };

    fail_unless (g_file_set_contents (other_crt,
            mmkm_identity_get_cert_pem (other), -1, NULL));
    dc.server_url = url;
    dc.ca_file = other_crt;
    s.fatal = FALSE;
    s.error = MMKM_CLIENT_ERROR_STATE;
    g_ptr_array_set_size (s.events, 0);
    d = mmkm_client_driver_new (&dc, on_event, &s, NULL);
    fail_unless (d != NULL);
    c = client_new ("alice", dev);
    mmkm_client_driver_add (d, c);
    fail_unless (mmkm_client_register (c, g_get_real_time (), NULL));
    mmkm_client_driver_update (d, c);
    fail_unless (wait_for (&s, MMKM_CLIENT_EVENT_ERROR, 20));
    fail_unless_equals_int (s.error, MMKM_CLIENT_ERROR_SERVER_CERT);
    mmkm_client_driver_free (d);

    dc.ca_file = srv_crt;
    s.fatal = FALSE;
    g_ptr_array_set_size (s.events, 0);
    d = mmkm_client_driver_new (&dc, on_event, &s, NULL);
    fail_unless (d != NULL);
    c = client_new ("alice", dev);
    mmkm_client_driver_add (d, c);
    fail_unless (mmkm_client_register (c, g_get_real_time (), NULL));
    mmkm_client_driver_update (d, c);
    fail_unless (wait_for (&s, MMKM_CLIENT_EVENT_REGISTERED, 20), "%s",
        s.message);
    fail_unless (mmkm_client_join (c, g_get_real_time (), NULL));
    mmkm_client_driver_update (d, c);
    fail_unless (wait_for (&s, MMKM_CLIENT_EVENT_REKEY, 20), "%s", s.message);
    mmkm_client_driver_free (d);
  }
  g_ptr_array_unref (s.events);
  g_free (s.message);
  teardown ();
}

GST_END_TEST;

/* ---- the program ------------------------------------------------------------ */

static GSubprocess *
program (GSubprocessFlags flags, GError ** e, const gchar * const *args)
{
  const gchar *exe = g_getenv ("MMKM_CLIENT");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (flags);

  fail_unless (exe != NULL, "MMKM_CLIENT is not set");
  g_ptr_array_add (argv, (gpointer) exe);
  for (; *args; args++)
    g_ptr_array_add (argv, (gpointer) * args);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
  return g_subprocess_launcher_spawnv (l, (const gchar * const *)
      argv->pdata, e);
}

static int
program_run (const gchar * const *args, gchar ** out, gchar ** err)
{
  GError *e = NULL;
  g_autoptr (GSubprocess) p = program (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
      G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE, &e, args);

  fail_unless (p != NULL, "%s", e ? e->message : "");
  fail_unless (g_subprocess_communicate_utf8 (p, NULL, NULL, out, err, &e),
      "%s", e ? e->message : "");
  fail_unless (g_subprocess_get_if_exited (p),
      "mmkm-client %s ended by signal %d; its stderr:\n%s", args[0],
      g_subprocess_get_term_sig (p), *err);
  return g_subprocess_get_exit_status (p);
}

GST_START_TEST (test_program)
{
  g_autofree gchar *client_dir = NULL, *pw = NULL, *out = NULL, *err = NULL;
  g_autofree gchar *line = NULL;
  g_autoptr (GSubprocess) join = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  GError *e = NULL;
  gboolean saw_tek = FALSE, saw_hb = FALSE, saw_acked = FALSE;
  gint64 end;

  /* --help, on the program and on every command */
  {
    const gchar *cmds[] = { "register", "join", "teks", "songs", "request",
      "queue", "leave"
    };
    guint i;

    fail_unless_equals_int (program_run ((const gchar *[]) {
              "--help", NULL
            }, &out, &err), 0);
    fail_unless (strstr (out, "Example:") && strstr (out, "Exit status:"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    for (i = 0; i < G_N_ELEMENTS (cmds); i++) {
      fail_unless_equals_int (program_run ((const gchar *[]) {
                cmds[i], "--help", NULL
              }, &out, &err), 0);
      fail_unless (g_str_has_prefix (out, "Usage: mmkm-client"), "%s", out);
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
    }
    fail_unless_equals_int (program_run ((const gchar *[]) {
              "frobnicate", NULL
            }, &out, &err), 1);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }

  setup ();
  client_dir = g_build_filename (state_dir, "client", NULL);
  pw = g_build_filename (state_dir, "pw", NULL);
  fail_unless (g_file_set_contents (pw, PASSWORD "\n", -1, NULL));

  /* a wrong fingerprint: exit 4 */
  fail_unless_equals_int (program_run ((const gchar *[]) {
            "--server", url, "--fingerprint", WRONG_FP, "--state-dir",
            client_dir, "--user", "alice", "--password-file", pw, "register",
            NULL
          }, &out, &err), 4);
  fail_unless (strstr (err, "server-cert") != NULL, "%s", err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  fail_unless_equals_int (program_run ((const gchar *[]) {
            "--server", url, "--fingerprint", fingerprint, "--state-dir",
            client_dir, "--user", "alice", "--password-file", pw, "register",
            NULL
          }, &out, &err), 0);
  fail_unless (g_str_has_prefix (out, "registered alice "), "%s|%s", out, err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* the settings were saved: join needs the state directory only */
  join = program (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &e, (const gchar *[]) {
        "--state-dir", client_dir, "--password-file", pw, "--json", "join",
        NULL
      });
  fail_unless (join != NULL);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (join));
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (!(saw_tek && saw_hb && saw_acked) && g_get_monotonic_time () < end
      && (line = g_data_input_stream_read_line (in, NULL, NULL, NULL))) {
    if (strstr (line, "\"event\":\"tek\""))
      saw_tek = TRUE;
    if (strstr (line, "\"event\":\"tek-acked\""))
      saw_acked = TRUE;
    if (strstr (line, "\"event\":\"heartbeat\""))
      saw_hb = TRUE;
    /* keys never appear without --show-keys */
    fail_if (strstr (line, "\"key\"") != NULL);
    g_clear_pointer (&line, g_free);
  }
  fail_unless (saw_tek && saw_hb && saw_acked);
  /* one join per state directory */
  fail_unless_equals_int (program_run ((const gchar *[]) {
            "--state-dir", client_dir, "--password-file", pw, "join", NULL
          },
          &out, &err), 1);
  fail_unless (strstr (err, "runs already") != NULL, "%s", err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* leave: the running join sends BYE and exits 0 */
  fail_unless_equals_int (program_run ((const gchar *[]) {
            "--state-dir", client_dir, "leave", NULL
          }, &out, &err), 0);
  fail_unless (g_subprocess_wait (join, NULL, NULL));
  fail_unless (g_subprocess_get_if_exited (join));
  fail_unless_equals_int (g_subprocess_get_exit_status (join), 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* nothing runs any more */
  fail_unless_equals_int (program_run ((const gchar *[]) {
            "--state-dir", client_dir, "leave", NULL
          }, &out, &err), 6);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* teks, one-shot */
  fail_unless_equals_int (program_run ((const gchar *[]) {
            "--state-dir", client_dir, "--password-file", pw, "teks", NULL
          },
          &out, &err), 0);
  fail_unless (g_str_has_prefix (out, "tek "), "%s|%s", out, err);
  fail_unless (strstr (out, "\ncurrent ") != NULL, "%s", out);
  fail_unless (strstr (out, "key") == NULL);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* a wrong password: exit 2 */
  fail_unless (g_file_set_contents (pw, "wrong\n", -1, NULL));
  fail_unless_equals_int (program_run ((const gchar *[]) {
            "--state-dir", client_dir, "--password-file", pw, "teks", NULL
          },
          &out, &err), 2);
  fail_unless (strstr (err, "wrong-password") != NULL, "%s", err);
  teardown ();
}

GST_END_TEST;

static Suite *
mmkm_client_gio_suite (void)
{
  Suite *s = suite_create ("mmkm-client-gio");
  TCase *tc = tcase_create ("general");

  /* GIO's worker threads (TLS handshakes) stay in their pool: one that
   * exits while LeakSanitizer stops the threads at the end of a test can
   * crash LeakSanitizer's tracer (a known bug of the sanitizer runtime) */
  g_thread_pool_set_max_unused_threads (-1);
  g_thread_pool_set_max_idle_time (0);

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_driver_join);
  tcase_add_test (tc, test_driver_many_and_lost);
  tcase_add_test (tc, test_driver_fingerprint_mismatch);
  tcase_add_test (tc, test_program);
  return s;
}

GST_CHECK_MAIN (mmkm_client_gio);
