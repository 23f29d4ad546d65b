/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkm-client: an MMKM member from the command line (docs/mmkm-client.md).
 * Everything protocol-related is lib/mmkm's client state machine and its
 * GIO driver; this file turns command lines into calls, events into
 * output lines (or JSON) and outcomes into exit codes. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <openssl/crypto.h>

#include "mmkm-client.h"
#include "mmkm-client-gio.h"
#include "mmkm-identity.h"
#include "mmkm-kek.h"
#include "mmkm-pool-exit.h"

#define EXIT_USAGE 1
#define EXIT_REFUSED 2
#define EXIT_UNREACHABLE 3
#define EXIT_CERT 4
#define EXIT_PROTOCOL 5
#define EXIT_NOT_RUNNING 6

static const gchar exit_help[] =
    "Exit status:\n"
    "  0  success (join: left after SIGINT/SIGTERM)\n"
    "  1  usage error: bad option, missing setting, unreadable file\n"
    "  2  refused: wrong user name or password, unknown group, disabled\n"
    "     user, a device already registered, a duplicate login, a song\n"
    "     request refused\n"
    "  3  the server cannot be reached\n"
    "  4  the server's certificate is not the pinned one (or does not\n"
    "     chain to the CA file): check --fingerprint\n"
    "  5  protocol error: an answer the client cannot use, a failed key\n"
    "     exchange, a TEK that does not open\n"
    "  6  leave: no mmkm-client join runs with this state directory\n";

static const gchar usage_text[] =
    "Usage: mmkm-client [OPTION...] COMMAND [ARG]\n"
    "\n"
    "An MMKM member: registers this device, joins the group's key\n"
    "management (login, signed DH exchange, TEK fetch, heartbeats), and\n"
    "reads and requests songs.\n"
    "\n"
    "Commands:\n"
    "  register        make this device's key (in the state directory) and\n"
    "                  enrol it with the user's password\n"
    "  join            log in and stay in the group, printing events, until\n"
    "                  SIGINT or SIGTERM (then BYE)\n"
    "  teks            log in, print the TEKs' MKIs and activation times,\n"
    "                  leave\n"
    "  songs           print the song list\n"
    "  request TITLE|ID  ask for a song to be played\n"
    "  queue           print the song queue\n"
    "  leave           make the running 'join' of this state directory\n"
    "                  send BYE and exit\n"
    "\n"
    "Options:\n"
    "  --server URL          https://HOST:PORT (default https://127.0.0.1:8443)\n"
    "  --fingerprint HEX     the server certificate's SHA-256 fingerprint, as\n"
    "                        mmkm-server prints it\n"
    "  --ca-file FILE        or: CA certificates the server's must chain to\n"
    "  --state-dir DIR       device key and settings (default\n"
    "                        $XDG_STATE_HOME/mmkm-client)\n"
    "  --user NAME           the user name\n"
    "  --group NAME          the group to join (default: default)\n"
    "  --password-file FILE  the password (first line); without it, read\n"
    "                        from standard input or asked for on the terminal\n"
    "  --json                one JSON object a line instead of text\n"
    "  --show-keys           teks: print the keys too. DANGEROUS: anyone who\n"
    "                        sees them can decrypt the group's audio; for\n"
    "                        debugging only\n"
    "  --help                this help (also after a command)\n"
    "\n"
    "register saves the server URL, fingerprint, user and group in the state\n"
    "directory (client.conf), so later commands need none of them.\n"
    "The password is never taken from the command line.\n"
    "\n"
    "Example:\n"
    "  mmkm-client --server https://radio.example:8443 \\\n"
    "    --fingerprint AB:01:... --user alice --password-file pw register\n"
    "  mmkm-client --password-file pw join\n" "\n";

static const gchar *const command_help[][2] = {
  {"register", "Usage: mmkm-client [OPTION...] register\n\n"
        "Makes the device key and certificate (<state-dir>/device.key, 0600,\n"
        "and device.crt) if missing and enrols the certificate with the\n"
        "user's password. Prints 'registered USER FINGERPRINT' and saves the\n"
        "server, fingerprint, user and group in <state-dir>/client.conf.\n"},
  {"join", "Usage: mmkm-client [OPTION...] join\n\n"
        "Logs in, agrees a KEK with the server (signed MIKEY-DH), fetches\n"
        "the TEKs, sends heartbeats, and prints one line per event:\n"
        "  joined USER GROUP SESSION\n"
        "  tek MKI ACTIVATION_US EXPIRY_US\n"
        "  tek-acked MKI (the server recorded that we hold it)\n"
        "  rekey NEXT_FETCH_US NEXT_ACTIVATION_US\n"
        "  heartbeat SEQ RTT_US MISSES MKI\n"
        "  server-lost MISSES / server-restored / left\n"
        "Errors go to stderr as 'mmkm-client: CODE: sentence'.\n"
        "SIGINT or SIGTERM (or 'mmkm-client leave') sends BYE and exits.\n"},
  {"teks", "Usage: mmkm-client [OPTION...] [--show-keys] teks\n\n"
        "Joins, prints 'tek MKI ACTIVATION_US EXPIRY_US' for each TEK and\n"
        "'current MKI', then leaves. --show-keys adds the key and salt in\n"
        "hex: DANGEROUS, anyone who sees them can decrypt the audio.\n"},
  {"songs", "Usage: mmkm-client [OPTION...] songs\n\n"
        "Prints 'song ID DURATION_MS RATE CHANNELS TITLE' per song.\n"},
  {"request", "Usage: mmkm-client [OPTION...] request TITLE|ID\n\n"
        "Requests a song by its id or its exact title (any case); prints\n"
        "'queued ENTRY SONG TITLE'.\n"},
  {"queue", "Usage: mmkm-client [OPTION...] queue\n\n"
        "Prints 'now-playing ENTRY SONG USER TITLE' (when playing) and\n"
        "'entry ENTRY SONG USER TITLE' per queued request.\n"},
  {"leave", "Usage: mmkm-client [OPTION...] leave\n\n"
        "Signals the 'mmkm-client join' running with this state directory\n"
        "(its pid is in <state-dir>/join.pid) to send BYE and exit, and\n"
        "waits for it.\n"},
};

typedef struct
{
  const gchar *command;
  const gchar *arg;
  gboolean json;
  gboolean show_keys;
  gchar *state_dir;
  gchar *server;
  gchar *fingerprint;
  gchar *ca_file;
  gchar *user;
  gchar *group;
  gchar *password_file;

  GMainLoop *loop;
  MmkmClientDriver *driver;
  MmkmClient *client;
  MmkmIdentity *device;
  int exit_code;
  gboolean leaving;
  guint op;
} Run;

/* ---- output -------------------------------------------------------------- */

static void
warn (const gchar * format, ...)
G_GNUC_PRINTF (1, 2);

     static void warn (const gchar * format, ...)
{
  va_list ap;
  gchar *msg, *p;

  va_start (ap, format);
  msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  /* one line, no control characters (server sentences are in it) */
  for (p = msg; *p; p++)
    if ((guchar) * p < 0x20 || *p == 0x7f)
      *p = ' ';
  fflush (stdout);
  fprintf (stderr, "mmkm-client: %s\n", msg);
  g_free (msg);
}

static void
emit_json (JsonBuilder * b)
{
  g_autoptr (JsonGenerator) g = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *s = NULL;

  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (g, root);
  s = json_generator_to_data (g, NULL);
  printf ("%s\n", s);
  fflush (stdout);
}

static JsonBuilder *
json_start (const gchar * event)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, event);
  return b;
}

static void
json_int (JsonBuilder * b, const gchar * k, gint64 v)
{
  json_builder_set_member_name (b, k);
  json_builder_add_int_value (b, v);
}

static void
json_str (JsonBuilder * b, const gchar * k, const gchar * v)
{
  json_builder_set_member_name (b, k);
  json_builder_add_string_value (b, v);
}

static gchar *
mki_hex (guint32 mki)
{
  return g_strdup_printf ("%08x", mki);
}

static void
print_tek_keys (Run * r, guint32 mki, JsonBuilder * b)
{
  MikeySrtpParams p;
  gchar *key, *salt;

  if (!r->show_keys || !mmkm_client_get_tek (r->client, mki, &p))
    return;
  key = mikey_hex_encode (p.key, p.key_len);
  salt = mikey_hex_encode (p.salt, p.salt_len);
  if (b) {
    json_str (b, "key", key);
    json_str (b, "salt", salt);
  } else
    printf (" key %s salt %s", key, salt);
  OPENSSL_cleanse (key, strlen (key));
  OPENSSL_cleanse (salt, strlen (salt));
  g_free (key);
  g_free (salt);
  mikey_srtp_params_clear (&p);
}

static void
print_entry (Run * r, const gchar * what, const MmkmApiQueueEntry * e)
{
  if (r->json) {
    g_autoptr (JsonBuilder) b = json_start (what);
    json_int (b, "entry", e->entry);
    json_int (b, "song", e->song);
    json_str (b, "title", e->title);
    json_str (b, "requested_by", e->requested_by);
    json_int (b, "requested_at_us", e->requested_at);
    emit_json (b);
  } else if (g_str_equal (what, "queued"))
    printf ("queued %" G_GUINT64_FORMAT " %u %s\n", e->entry, e->song,
        e->title);
  else
    printf ("%s %" G_GUINT64_FORMAT " %u %s %s\n", what, e->entry, e->song,
        e->requested_by, e->title);
}

/* ---- flow ---------------------------------------------------------------- */

static void
finish (Run * r, int code)
{
  if (r->exit_code == 0)
    r->exit_code = code;
  g_main_loop_quit (r->loop);
}

static void
leave (Run * r)
{
  gint64 now = g_get_real_time ();

  if (r->leaving)
    return;
  r->leaving = TRUE;
  mmkm_client_leave (r->client, now);
  if (mmkm_client_get_state (r->client) == MMKM_CLIENT_LEFT)
    finish (r, 0);
  else
    mmkm_client_driver_update (r->driver, r->client);
}

static int
exit_for (MmkmClientError code)
{
  switch (code) {
    case MMKM_CLIENT_ERROR_WRONG_PASSWORD:
    case MMKM_CLIENT_ERROR_UNKNOWN_GROUP:
    case MMKM_CLIENT_ERROR_FORBIDDEN:
    case MMKM_CLIENT_ERROR_REGISTERED:
    case MMKM_CLIENT_ERROR_DUPLICATE_LOGIN:
    case MMKM_CLIENT_ERROR_RATE_LIMITED:
    case MMKM_CLIENT_ERROR_REFUSED:
      return EXIT_REFUSED;
    case MMKM_CLIENT_ERROR_UNREACHABLE:
      return EXIT_UNREACHABLE;
    case MMKM_CLIENT_ERROR_SERVER_CERT:
      return EXIT_CERT;
    default:
      return EXIT_PROTOCOL;
  }
}

static void
songs_answer (Run * r, const MmkmApiSongList * s)
{
  guint i;

  if (g_str_equal (r->command, "request")) {
    for (i = 0; i < s->n_songs; i++)
      if (g_utf8_collate (s->songs[i].title, r->arg) == 0
          || g_ascii_strcasecmp (s->songs[i].title, r->arg) == 0)
        break;
    if (i == s->n_songs) {
      warn ("refused: no song titled \"%s\" (see mmkm-client songs)", r->arg);
      r->exit_code = EXIT_REFUSED;
      leave (r);
      return;
    }
    r->op = mmkm_client_request_song (r->client, s->songs[i].id);
    mmkm_client_driver_update (r->driver, r->client);
    return;
  }
  for (i = 0; i < s->n_songs; i++) {
    const MmkmApiSong *g = &s->songs[i];
    if (r->json) {
      g_autoptr (JsonBuilder) b = json_start ("song");
      json_int (b, "id", g->id);
      json_str (b, "title", g->title);
      json_int (b, "duration_ms", g->duration_ms);
      json_int (b, "rate", g->rate);
      json_int (b, "channels", g->channels);
      emit_json (b);
    } else
      printf ("song %u %u %u %u %s\n", g->id, g->duration_ms, g->rate,
          g->channels, g->title);
  }
  leave (r);
}

static void
joined (Run * r)
{
  const MmkmApiLoginResponse *l = mmkm_client_get_login (r->client);
  g_autofree gchar *sid = mikey_hex_encode (l->session_id,
      MMKM_SESSION_ID_LEN);
  guint64 id;
  gchar *end;

  if (g_str_equal (r->command, "join")) {
    if (r->json) {
      g_autoptr (JsonBuilder) b = json_start ("joined");
      json_str (b, "user", r->user);
      json_str (b, "group", l->group_name);
      json_str (b, "session", sid);
      emit_json (b);
    } else
      printf ("joined %s %s %s\n", r->user, l->group_name, sid);
  } else if (g_str_equal (r->command, "songs"))
    r->op = mmkm_client_get_songs (r->client);
  else if (g_str_equal (r->command, "queue"))
    r->op = mmkm_client_get_queue (r->client);
  else if (g_str_equal (r->command, "request")) {
    id = g_ascii_strtoull (r->arg, &end, 10);
    if (*r->arg && *end == '\0' && id >= 1 && id <= G_MAXUINT32)
      r->op = mmkm_client_request_song (r->client, (guint32) id);
    else
      r->op = mmkm_client_get_songs (r->client);
  }
}

static void
on_event (MmkmClientDriver * d, MmkmClient * c, const MmkmClientEvent * ev,
    gpointer data)
{
  Run *r = data;
  gboolean join = g_str_equal (r->command, "join");
  g_autoptr (JsonBuilder) b = NULL;
  guint i;

  switch (ev->type) {
    case MMKM_CLIENT_EVENT_ERROR:
      if (r->json) {
        b = json_start ("error");
        json_str (b, "code", mmkm_client_error_name (ev->code));
        json_str (b, "message", ev->message);
        json_int (b, "status", ev->status);
        emit_json (b);
        fflush (stdout);
      }
      warn ("%s: %s", mmkm_client_error_name (ev->code), ev->message);
      if (ev->fatal || r->leaving)
        finish (r, exit_for (ev->code));
      else if (!join && (ev->code == MMKM_CLIENT_ERROR_UNREACHABLE
              || (ev->op_id && ev->op_id == r->op))) {
        r->exit_code = exit_for (ev->code);
        leave (r);
      }
      return;
    case MMKM_CLIENT_EVENT_REGISTERED:
      if (r->json) {
        g_autofree gchar *fp = mmkm_fingerprint_to_string
            (mmkm_identity_get_fingerprint (r->device));
        b = json_start ("registered");
        json_str (b, "user", r->user);
        json_str (b, "device", fp);
        emit_json (b);
      } else {
        g_autofree gchar *fp = mmkm_fingerprint_to_string
            (mmkm_identity_get_fingerprint (r->device));
        printf ("registered %s %s\n", r->user, fp);
      }
      finish (r, 0);
      return;
    case MMKM_CLIENT_EVENT_JOINED:
      joined (r);
      return;
    case MMKM_CLIENT_EVENT_TEK:
      if (!join && !g_str_equal (r->command, "teks"))
        return;
      if (r->json) {
        g_autofree gchar *m = mki_hex (ev->mki);
        b = json_start ("tek");
        json_str (b, "mki", m);
        json_int (b, "activation_us", ev->activation);
        json_int (b, "expiry_us", ev->expiry);
        print_tek_keys (r, ev->mki, b);
        emit_json (b);
      } else {
        printf ("tek %08x %" G_GINT64_FORMAT " %" G_GINT64_FORMAT, ev->mki,
            ev->activation, ev->expiry);
        print_tek_keys (r, ev->mki, NULL);
        printf ("\n");
      }
      return;
    case MMKM_CLIENT_EVENT_REKEY:
      if (join) {
        if (r->json) {
          b = json_start ("rekey");
          json_int (b, "next_fetch_us", ev->next_fetch);
          json_int (b, "activation_us", ev->activation);
          emit_json (b);
        } else
          printf ("rekey %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
              ev->next_fetch, ev->activation);
      } else if (g_str_equal (r->command, "teks")) {
        guint32 cur = 0;
        mmkm_client_get_mkis (c, NULL, g_get_real_time (), &cur);
        if (r->json) {
          g_autofree gchar *m = mki_hex (cur);
          b = json_start ("current");
          json_str (b, "mki", m);
          emit_json (b);
        } else
          printf ("current %08x\n", cur);
        leave (r);
      }
      return;
    case MMKM_CLIENT_EVENT_HEARTBEAT:
      if (!join)
        return;
      if (r->json) {
        g_autofree gchar *m = mki_hex (ev->mki);
        b = json_start ("heartbeat");
        json_int (b, "seq", ev->seq);
        json_int (b, "rtt_us", ev->rtt);
        json_int (b, "misses", ev->misses);
        json_str (b, "mki", m);
        emit_json (b);
      } else
        printf ("heartbeat %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT
            " %u %08x\n", ev->seq, ev->rtt, ev->misses, ev->mki);
      return;
    case MMKM_CLIENT_EVENT_TEK_ACKED:
      if (!join)
        return;
      if (r->json) {
        g_autofree gchar *m = mki_hex (ev->mki);
        b = json_start ("tek-acked");
        json_str (b, "mki", m);
        emit_json (b);
      } else
        printf ("tek-acked %08x\n", ev->mki);
      return;
    case MMKM_CLIENT_EVENT_SERVER_LOST:
    case MMKM_CLIENT_EVENT_SERVER_RESTORED:
      if (r->json) {
        b = json_start (mmkm_client_event_name (ev->type));
        json_int (b, "misses", ev->misses);
        emit_json (b);
      } else if (ev->type == MMKM_CLIENT_EVENT_SERVER_LOST)
        printf ("server-lost %u\n", ev->misses);
      else
        printf ("server-restored\n");
      return;
    case MMKM_CLIENT_EVENT_LEFT:
      if (join) {
        if (r->json) {
          b = json_start ("left");
          emit_json (b);
        } else
          printf ("left\n");
      }
      finish (r, 0);
      return;
    case MMKM_CLIENT_EVENT_SONGS:
      if (ev->op_id == r->op)
        songs_answer (r, ev->songs);
      return;
    case MMKM_CLIENT_EVENT_QUEUE:
      if (ev->op_id != r->op)
        return;
      if (ev->queue->playing)
        print_entry (r, "now-playing", &ev->queue->now_playing);
      for (i = 0; i < ev->queue->n_entries; i++)
        print_entry (r, "entry", &ev->queue->entries[i]);
      leave (r);
      return;
    case MMKM_CLIENT_EVENT_QUEUE_ENTRY:
      if (ev->op_id != r->op)
        return;
      print_entry (r, "queued", ev->entry);
      leave (r);
      return;
    default:
      return;
  }
}

static gboolean
on_signal (gpointer data)
{
  Run *r = data;

  if (r->leaving)
    finish (r, 0);
  else
    leave (r);
  return G_SOURCE_CONTINUE;
}

/* ---- settings ------------------------------------------------------------ */

static gchar *
read_password (Run * r, GError ** error)
{
  gchar *text = NULL, *nl;
  gsize len;

  if (r->password_file) {
    if (!g_file_get_contents (r->password_file, &text, &len, error))
      return NULL;
  } else {
    GString *s = g_string_new (NULL);
    struct termios old, quiet;
    gboolean tty = isatty (0) && tcgetattr (0, &old) == 0;
    int ch;

    if (tty) {
      fprintf (stderr, "Password for %s: ", r->user);
      quiet = old;
      quiet.c_lflag &= ~ECHO;
      tcsetattr (0, TCSAFLUSH, &quiet);
    }
    while ((ch = getchar ()) != EOF && ch != '\n')
      g_string_append_c (s, (gchar) ch);
    if (tty) {
      tcsetattr (0, TCSAFLUSH, &old);
      fprintf (stderr, "\n");
    }
    len = s->len;
    text = g_string_free (s, FALSE);
  }
  if ((nl = strpbrk (text, "\r\n")))
    *nl = '\0';
  if (!*text) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "no password given (--password-file, or on standard input)");
    g_free (text);
    return NULL;
  }
  return text;
}

static void
conf_default (gchar ** field, GKeyFile * kf, const gchar * key)
{
  if (!*field && kf)
    *field = g_key_file_get_string (kf, "client", key, NULL);
}

static void
conf_save (Run * r)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree gchar *path = g_build_filename (r->state_dir, "client.conf",
      NULL);
  g_autoptr (GError) e = NULL;

  g_key_file_set_string (kf, "client", "server", r->server);
  if (r->fingerprint)
    g_key_file_set_string (kf, "client", "fingerprint", r->fingerprint);
  if (r->ca_file)
    g_key_file_set_string (kf, "client", "ca-file", r->ca_file);
  g_key_file_set_string (kf, "client", "user", r->user);
  g_key_file_set_string (kf, "client", "group", r->group);
  if (!g_key_file_save_to_file (kf, path, &e))
    warn ("settings not saved: %s", e->message);
}

static int
usage_error (const gchar * what)
{
  warn ("%s (see mmkm-client --help)", what);
  return EXIT_USAGE;
}

/* ---- leave: signal the running join -------------------------------------- */

/* The pid of the 'join' running with this state directory, or 0. A
 * stale file (a join killed with -9) may name a pid that another program
 * has now: only an mmkm-client process counts. */
static pid_t
join_pid (const gchar * path)
{
  g_autofree gchar *text = NULL, *proc = NULL, *cmdline = NULL;
  gsize len = 0;
  gint64 pid;

  if (!g_file_get_contents (path, &text, NULL, NULL)
      || (pid = g_ascii_strtoll (text, NULL, 10)) <= 1 || pid > G_MAXINT)
    return 0;
  proc = g_strdup_printf ("/proc/%d/cmdline", (int) pid);
  if (!g_file_get_contents (proc, &cmdline, &len, NULL) || len == 0)
    return 0;
  /* argv[0] ends at the first NUL */
  return g_str_has_suffix (cmdline, "mmkm-client") ? (pid_t) pid : 0;
}

static int
cmd_leave (Run * r)
{
  g_autofree gchar *path = g_build_filename (r->state_dir, "join.pid", NULL);
  pid_t pid;
  gint64 deadline;

  if (!(pid = join_pid (path)) || kill (pid, SIGTERM) != 0) {
    warn ("no mmkm-client join runs with state directory %s", r->state_dir);
    return EXIT_NOT_RUNNING;
  }
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (g_file_test (path, G_FILE_TEST_EXISTS)
      && g_get_monotonic_time () < deadline && kill (pid, 0) == 0)
    g_usleep (50 * 1000);
  if (r->json)
    printf ("{\"event\":\"left\"}\n");
  else
    printf ("left\n");
  return 0;
}

static int
run (Run * r)
{
  g_autoptr (GError) e = NULL;
  g_autofree gchar *conf_path = g_build_filename (r->state_dir,
      "client.conf", NULL);
  g_autofree gchar *pid_path = g_build_filename (r->state_dir, "join.pid",
      NULL);
  g_autofree gchar *uid = NULL;
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  gboolean have_conf;
  MmkmClientConfig cc = { 0 };
  MmkmClientDriverConfig dc = { 0 };
  gchar *password;
  gboolean ok;

  if (g_str_equal (r->command, "leave"))
    return cmd_leave (r);
  if (g_str_equal (r->command, "join") && join_pid (pid_path)) {
    warn ("an mmkm-client join runs already with state directory %s "
        "(mmkm-client leave ends it)", r->state_dir);
    return EXIT_USAGE;
  }
  have_conf = g_key_file_load_from_file (kf, conf_path, G_KEY_FILE_NONE, NULL);
  conf_default (&r->server, have_conf ? kf : NULL, "server");
  if (!r->fingerprint && !r->ca_file) {
    conf_default (&r->fingerprint, have_conf ? kf : NULL, "fingerprint");
    if (!r->fingerprint)
      conf_default (&r->ca_file, have_conf ? kf : NULL, "ca-file");
  }
  conf_default (&r->user, have_conf ? kf : NULL, "user");
  conf_default (&r->group, have_conf ? kf : NULL, "group");
  if (!r->server)
    r->server = g_strdup ("https://127.0.0.1:8443");
  if (!r->group)
    r->group = g_strdup ("default");
  if (!r->user)
    return usage_error ("no user name: give --user");
  if (!r->fingerprint && !r->ca_file)
    return usage_error ("the server certificate is not pinned: give "
        "--fingerprint (mmkm-server prints it) or --ca-file");
  if (!(uid = mmkm_user_id (r->user, NULL)))
    return usage_error ("a user name is 1 to 64 printable ASCII characters "
        "without spaces");

  if (g_str_equal (r->command, "register"))
    r->device = mmkm_identity_load_or_create (r->state_dir, "device",
        r->user, uid, NULL, &e);
  else
    r->device = mmkm_identity_load (r->state_dir, "device", &e);
  if (!r->device) {
    warn ("%s%s", e->message, g_str_equal (r->command, "register") ? "" :
        " (run mmkm-client register first)");
    return EXIT_USAGE;
  }
  if (!(password = read_password (r, &e))) {
    warn ("%s", e->message);
    return EXIT_USAGE;
  }
  cc.user = r->user;
  cc.group = r->group;
  cc.device = r->device;
  dc.server_url = r->server;
  dc.fingerprint = r->fingerprint;
  dc.ca_file = r->fingerprint ? NULL : r->ca_file;
  r->loop = g_main_loop_new (NULL, FALSE);
  r->driver = mmkm_client_driver_new (&dc, on_event, r, &e);
  r->client = r->driver ? mmkm_client_new (&cc, &e) : NULL;
  ok = r->client && mmkm_client_set_password (r->client, password, &e);
  OPENSSL_cleanse (password, strlen (password));
  g_free (password);
  if (!ok) {
    warn ("%s", e->message);
    g_clear_pointer (&r->client, mmkm_client_free);
    return e->code == MMKM_CLIENT_ERROR_UNREACHABLE ? EXIT_UNREACHABLE :
        EXIT_USAGE;
  }
  mmkm_client_driver_add (r->driver, r->client);
  if (g_str_equal (r->command, "register"))
    ok = mmkm_client_register (r->client, g_get_real_time (), &e);
  else
    ok = mmkm_client_join (r->client, g_get_real_time (), &e);
  if (!ok) {
    warn ("%s", e->message);
    return EXIT_USAGE;
  }
  if (g_str_equal (r->command, "join")) {
    g_autofree gchar *pid = g_strdup_printf ("%d\n", (int) getpid ());
    if (!g_file_set_contents_full (pid_path, pid, -1,
            G_FILE_SET_CONTENTS_CONSISTENT, 0600, &e))
      warn ("%s", e->message);
  }
  g_unix_signal_add (SIGINT, on_signal, r);
  g_unix_signal_add (SIGTERM, on_signal, r);
  mmkm_client_driver_update (r->driver, r->client);
  g_main_loop_run (r->loop);
  if (g_str_equal (r->command, "join"))
    g_unlink (pid_path);
  if (g_str_equal (r->command, "register") && r->exit_code == 0)
    conf_save (r);
  return r->exit_code;
}

static gboolean
is_command (const gchar * s)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (command_help); i++)
    if (g_str_equal (s, command_help[i][0]))
      return TRUE;
  return FALSE;
}

int
main (int argc, char **argv)
{
  Run r = { 0 };
  gboolean help = FALSE, version = FALSE;
  GOptionEntry entries[] = {
    {"server", 0, 0, G_OPTION_ARG_STRING, &r.server, NULL, NULL},
    {"fingerprint", 0, 0, G_OPTION_ARG_STRING, &r.fingerprint, NULL, NULL},
    {"ca-file", 0, 0, G_OPTION_ARG_FILENAME, &r.ca_file, NULL, NULL},
    {"state-dir", 0, 0, G_OPTION_ARG_FILENAME, &r.state_dir, NULL, NULL},
    {"user", 0, 0, G_OPTION_ARG_STRING, &r.user, NULL, NULL},
    {"group", 0, 0, G_OPTION_ARG_STRING, &r.group, NULL, NULL},
    {"password-file", 0, 0, G_OPTION_ARG_FILENAME, &r.password_file, NULL,
        NULL},
    {"json", 0, 0, G_OPTION_ARG_NONE, &r.json, NULL, NULL},
    {"show-keys", 0, 0, G_OPTION_ARG_NONE, &r.show_keys, NULL, NULL},
    {"help", 'h', 0, G_OPTION_ARG_NONE, &help, NULL, NULL},
    {"version", 0, 0, G_OPTION_ARG_NONE, &version, NULL, NULL},
    {NULL}
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_autoptr (GError) e = NULL;
  int code;
  guint i;

  setlocale (LC_ALL, "");
  g_option_context_set_help_enabled (ctx, FALSE);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &e))
    return usage_error (e->message);
  if (version) {
    printf ("mmkm-client %s\n", VERSION);
    return 0;
  }
  if (argc < 2 || !is_command (argv[1])) {
    if (help) {
      printf ("%s%s", usage_text, exit_help);
      return 0;
    }
    return usage_error (argc < 2 ? "no command given" : "unknown command");
  }
  r.command = argv[1];
  if (help) {
    for (i = 0; i < G_N_ELEMENTS (command_help); i++)
      if (g_str_equal (r.command, command_help[i][0]))
        printf ("%s\n%s", command_help[i][1], exit_help);
    return 0;
  }
  if (g_str_equal (r.command, "request") ? argc != 3 : argc != 2)
    return usage_error (g_str_equal (r.command, "request") ?
        "request takes one argument: a song's title or id" :
        "this command takes no argument");
  r.arg = argc > 2 ? argv[2] : NULL;
  if (!r.state_dir)
    r.state_dir = g_build_filename (g_get_user_state_dir (), "mmkm-client",
        NULL);
  code = run (&r);
  if (r.driver)
    mmkm_client_driver_free (r.driver);
  else
    mmkm_client_free (r.client);
  g_clear_pointer (&r.device, mmkm_identity_free);
  g_clear_pointer (&r.loop, g_main_loop_unref);
  g_free (r.state_dir);
  g_free (r.server);
  g_free (r.fingerprint);
  g_free (r.ca_file);
  g_free (r.user);
  g_free (r.group);
  g_free (r.password_file);
  mmkm_pool_workers_await (10000);
  return code;
}
