/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkm-admin: the operator's command line for mmkm-server's admin
 * listener (docs/mmkm-server.md, "Administration"). A libsoup 3 client
 * whose TLS is pinned to the server certificate's SHA-256 fingerprint,
 * authenticated with the admin token; passwords come from a prompt with
 * echo off or from stdin, never from the command line. */
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "config.h"
#include "mikey-pk.h"
#include "mmkm-api.h"
#include "mmkm-api-admin.h"
#include "mmkm-identity.h"
#include "mmkm-pool-exit.h"

/* exit codes, documented in --help and docs/mmkm-server.md */
enum
{
  EXIT_OK = 0,
  EXIT_REFUSED = 1,             /* the server refused the command */
  EXIT_USAGE = 2,               /* bad command line */
  EXIT_UNREACHABLE = 3,         /* no server, TLS or pin failure, no token */
};

#define DEFAULT_SERVER "https://127.0.0.1:8445/"
#define DEFAULT_STATE_DIR "/var/lib/mmkm-server"
#define TOKEN_HEX 64

typedef struct
{
  gchar *server;
  gchar *state_dir;
  gchar *token_file;
  gchar *fingerprint;
  gboolean json;

  SoupSession *http;
  guint8 pin[MMKM_FINGERPRINT_LEN];
  gchar token[TOKEN_HEX + 1];
  gboolean pin_failed;
} Ctx;

typedef struct
{
  const gchar *group;           /* "users", "devices" or NULL */
  const gchar *name;
  const gchar *args;
  const gchar *summary;
  int (*run) (Ctx * c, int argc, char **argv);
} Command;

/* ---- connection ---------------------------------------------------------- */

static gboolean
accept_cert (SoupMessage * msg, GTlsCertificate * cert,
    GTlsCertificateFlags errors, gpointer data)
{
  Ctx *c = data;
  g_autoptr (GByteArray) der = NULL;
  guint8 fp[32];

  g_object_get (cert, "certificate", &der, NULL);
  if (!der)
    return FALSE;
  EVP_Digest (der->data, der->len, fp, NULL, EVP_sha256 (), NULL);
  if (CRYPTO_memcmp (fp, c->pin, sizeof fp) == 0)
    return TRUE;
  c->pin_failed = TRUE;
  return FALSE;
}

static gboolean
load_token (Ctx * c, GError ** error)
{
  g_autofree gchar *path = c->token_file ? g_strdup (c->token_file) :
      g_build_filename (c->state_dir, "admin.token", NULL);
  gchar *text = NULL;
  gsize len = 0, i;

  if (!g_file_get_contents (path, &text, &len, error))
    return FALSE;
  while (len > 0 && g_ascii_isspace (text[len - 1]))
    len--;
  for (i = 0; i < len && g_ascii_isxdigit (text[i]); i++);
  if (len != TOKEN_HEX || i != len) {
    OPENSSL_cleanse (text, len);
    g_free (text);
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not an admin "
        "token (%d hex digits)", path, TOKEN_HEX);
    return FALSE;
  }
  memcpy (c->token, text, TOKEN_HEX);
  c->token[TOKEN_HEX] = '\0';
  OPENSSL_cleanse (text, len);
  g_free (text);
  return TRUE;
}

static gboolean
load_pin (Ctx * c, GError ** error)
{
  g_autofree gchar *crt = NULL;
  GPtrArray *chain;

  if (c->fingerprint)
    return mmkm_fingerprint_parse (c->fingerprint, c->pin, error);
  crt = g_build_filename (c->state_dir, "server.crt", NULL);
  chain = mikey_cert_load_pem_file (crt, error);
  if (!chain)
    return FALSE;
  if (chain->len < 1) {
    g_ptr_array_unref (chain);
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: no "
        "certificate", crt);
    return FALSE;
  }
  mmkm_cert_fingerprint (g_ptr_array_index (chain, 0), c->pin);
  g_ptr_array_unref (chain);
  return TRUE;
}

static int
connect_setup (Ctx * c)
{
  GError *e = NULL;

  if (!c->state_dir && (!c->token_file || !c->fingerprint))
    c->state_dir = g_strdup (DEFAULT_STATE_DIR);
  if (!load_token (c, &e) || !load_pin (c, &e)) {
    g_printerr ("mmkm-admin: %s\n", e->message);
    g_error_free (e);
    return EXIT_UNREACHABLE;
  }
  c->http = soup_session_new_with_options ("timeout", 30, NULL);
  return EXIT_OK;
}

/* Sends one request; the parsed JSON answer in @out (NULL for /metrics);
 * the exit code, with the refusal printed. */
static int
call (Ctx * c, const gchar * method, const gchar * path,
    const gchar * body, JsonNode ** out, GBytes ** raw)
{
  g_autoptr (GUri) base = NULL, uri = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) resp = NULL;
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autofree gchar *auth = NULL;
  GError *e = NULL;
  guint status;
  gsize len;
  const gchar *data;
  JsonNode *root;

  if (out)
    *out = NULL;
  base = g_uri_parse (c->server, G_URI_FLAGS_NONE, &e);
  if (base)
    uri = g_uri_parse_relative (base, path, G_URI_FLAGS_NONE, &e);
  if (!uri) {
    g_printerr ("mmkm-admin: --server %s: %s\n", c->server, e->message);
    g_error_free (e);
    return EXIT_USAGE;
  }
  msg = soup_message_new_from_uri (method, uri);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_cert), c);
  auth = g_strconcat ("Bearer ", c->token, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg),
      "Authorization", auth);
  OPENSSL_cleanse (auth, strlen (auth));
  if (body) {
    g_autoptr (GBytes) b = g_bytes_new (body, strlen (body));
    soup_message_set_request_body_from_bytes (msg, "application/json", b);
  }
  resp = soup_session_send_and_read (c->http, msg, NULL, &e);
  if (!resp) {
    if (c->pin_failed)
      g_printerr ("mmkm-admin: %s: the server's certificate is not the "
          "pinned one (check --fingerprint or --state-dir)\n", c->server);
    else
      g_printerr ("mmkm-admin: %s: %s\n", c->server, e->message);
    g_error_free (e);
    return EXIT_UNREACHABLE;
  }
  status = soup_message_get_status (msg);
  data = g_bytes_get_data (resp, &len);
  if (status >= 400) {
    g_autofree gchar *m = NULL;
    if (json_parser_load_from_data (p, data, len, NULL)
        && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)))
      m = g_strdup (json_object_get_string_member_with_default
          (json_node_get_object (json_parser_get_root (p)), "message", ""));
    g_printerr ("mmkm-admin: refused (%u): %s\n", status,
        m && *m ? m : soup_status_get_phrase (status));
    return status == 401 ? EXIT_UNREACHABLE : EXIT_REFUSED;
  }
  if (raw)
    *raw = g_bytes_ref (resp);
  if (!out)
    return EXIT_OK;
  if (!json_parser_load_from_data (p, data, len, &e)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p))) {
    g_printerr ("mmkm-admin: the server's answer is not a JSON object\n");
    g_clear_error (&e);
    return EXIT_UNREACHABLE;
  }
  root = json_parser_steal_root (p);
  *out = root;
  return EXIT_OK;
}

static void
print_json (JsonNode * n)
{
  g_autoptr (JsonGenerator) g = json_generator_new ();
  g_autofree gchar *s = NULL;

  json_generator_set_root (g, n);
  json_generator_set_pretty (g, TRUE);
  s = json_generator_to_data (g, NULL);
  printf ("%s\n", s);
}

/* ---- answers for people -------------------------------------------------- */

static const gchar *
str (JsonObject * o, const gchar * name)
{
  JsonNode *n = json_object_get_member (o, name);

  if (!n || json_node_get_value_type (n) != G_TYPE_STRING)
    return "-";
  return json_node_get_string (n);
}

static gint64
num (JsonObject * o, const gchar * name)
{
  JsonNode *n = json_object_get_member (o, name);

  if (!n || json_node_get_value_type (n) != G_TYPE_INT64)
    return 0;
  return json_node_get_int (n);
}

static gboolean
flag (JsonObject * o, const gchar * name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n && json_node_get_value_type (n) == G_TYPE_BOOLEAN
      && json_node_get_boolean (n);
}

/* local time, to the second; "-" for 0 */
static gchar *
time_str (gint64 us)
{
  g_autoptr (GDateTime) t = NULL;

  if (us <= 0)
    return g_strdup ("-");
  t = g_date_time_new_from_unix_local (us / G_USEC_PER_SEC);
  return t ? g_date_time_format (t, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
}

static JsonArray *
list (JsonNode * root, const gchar * name)
{
  JsonNode *n = json_object_get_member (json_node_get_object (root), name);

  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static JsonObject *
element (JsonArray * a, guint i)
{
  JsonNode *n = json_array_get_element (a, i);

  return JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

/* Runs a request and prints its answer: as JSON with --json, else with
 * @human. */
static int
run_and_print (Ctx * c, const gchar * method, const gchar * path,
    const gchar * body, void (*human) (JsonNode *))
{
  JsonNode *root = NULL;
  int rc = call (c, method, path, body, &root, NULL);

  if (rc != EXIT_OK)
    return rc;
  if (c->json || !human)
    print_json (root);
  else
    human (root);
  json_node_unref (root);
  return EXIT_OK;
}

static void
human_users (JsonNode * root)
{
  JsonArray *a = list (root, "users");
  guint i;

  printf ("%-20s %-9s %-8s %-7s %s\n", "USER", "ROLE", "STATE", "DEVICES",
      "SESSION");
  for (i = 0; a && i < json_array_get_length (a); i++) {
    JsonObject *o = element (a, i);
    if (!o)
      continue;
    printf ("%-20s %-9s %-8s %-7" G_GINT64_FORMAT " %s\n", str (o, "name"),
        str (o, "role"), flag (o, "disabled") ? "disabled" : "enabled",
        num (o, "devices"), flag (o, "live") ? str (o, "source") : "-");
  }
}

static void
human_devices (JsonNode * root)
{
  JsonArray *a = list (root, "devices");
  guint i;

  for (i = 0; a && i < json_array_get_length (a); i++) {
    JsonObject *o = element (a, i);
    g_autofree gchar *en = NULL, *rv = NULL;
    if (!o)
      continue;
    en = time_str (num (o, "enrolled_us"));
    rv = time_str (num (o, "revoked_us"));
    printf ("%s\n  user %s, enrolled %s%s%s\n", str (o, "fingerprint"),
        str (o, "user"), en, num (o, "revoked_us") ? ", revoked " : "",
        num (o, "revoked_us") ? rv : "");
  }
}

static void
human_members (JsonNode * root)
{
  JsonArray *a = list (root, "members");
  guint i;

  printf ("%-20s %-22s %-19s %-19s %s\n", "USER", "SOURCE", "LOGIN",
      "LAST HEARTBEAT", "MKI FETCHED");
  for (i = 0; a && i < json_array_get_length (a); i++) {
    JsonObject *o = element (a, i);
    g_autofree gchar *lt = NULL, *hb = NULL;
    if (!o)
      continue;
    lt = time_str (num (o, "login_us"));
    hb = flag (o, "has_kek") ? time_str (num (o, "last_heartbeat_us")) :
        g_strdup ("(no KEK yet)");
    printf ("%-20s %-22s %-19s %-19s %08" G_GINT64_MODIFIER "x\n",
        str (o, "user"), str (o, "source"), lt, hb, num (o, "fetched_mki"));
  }
}

static void
human_log (JsonNode * root)
{
  JsonArray *a = list (root, "entries");
  guint i;

  for (i = 0; a && i < json_array_get_length (a); i++) {
    JsonObject *o = element (a, i);
    g_autofree gchar *t = NULL;
    if (!o)
      continue;
    t = time_str (num (o, "time_us"));
    printf ("%s %-6s %-20s %-9s %s\n", t, str (o, "event"), str (o, "user"),
        str (o, "reason"), str (o, "source"));
  }
}

static void
human_songs (JsonNode * root)
{
  JsonArray *a = list (root, "songs");
  guint i;

  for (i = 0; a && i < json_array_get_length (a); i++) {
    JsonObject *o = element (a, i);
    gint64 s;
    if (!o)
      continue;
    s = num (o, "duration_ms") / 1000;
    printf ("%5" G_GINT64_FORMAT "  %3" G_GINT64_FORMAT ":%02d  %s\n",
        num (o, "id"), s / 60, (int) (s % 60), str (o, "title"));
  }
}

static void
human_queue (JsonNode * root)
{
  JsonArray *a = list (root, "queue");
  guint i;

  for (i = 0; a && i < json_array_get_length (a); i++) {
    JsonObject *o = element (a, i);
    g_autofree gchar *t = NULL;
    if (!o)
      continue;
    t = time_str (num (o, "requested_us"));
    printf ("%5" G_GINT64_FORMAT "  song %" G_GINT64_FORMAT "  by %s at %s\n",
        num (o, "id"), num (o, "song"), str (o, "user"), t);
  }
}

static void
human_status (JsonNode * root)
{
  JsonObject *o = json_node_get_object (root);
  g_autofree gchar *act = time_str (num (o, "current_activation_us"));
  g_autofree gchar *next = time_str (num (o, "next_tek_us"));
  g_autofree gchar *rk = time_str (num (o, "rekey_activation_us"));

  printf ("mmkm-server %s, up %" G_GINT64_FORMAT " s\n", str (o, "version"),
      num (o, "uptime_s"));
  printf ("group %s (id %" G_GINT64_FORMAT "), %s, TEK period %"
      G_GINT64_FORMAT " ms\n", str (o, "group"), num (o, "group_id"),
      str (o, "suite"), num (o, "tek_period_ms"));
  printf ("TEK in use %08" G_GINT64_MODIFIER "x since %s; latest %08"
      G_GINT64_MODIFIER "x\n", num (o, "current_mki"), act,
      num (o, "latest_mki"));
  printf ("next scheduled TEK at %s\n", next);
  if (flag (o, "rekey_pending"))
    printf ("forced re-key pending, active at %s\n", rk);
  printf ("%" G_GINT64_FORMAT " members live (%" G_GINT64_FORMAT
      " sessions)\n", num (o, "members"), num (o, "sessions"));
}

static void
human_done (JsonNode * root)
{
  JsonObject *o = json_node_get_object (root);

  if (json_object_has_member (o, "sessions_ended"))
    printf ("%s: done (%" G_GINT64_FORMAT " live sessions ended)\n",
        str (o, "user"), num (o, "sessions_ended"));
  else if (json_object_has_member (o, "mki"))
    printf ("new TEK %08" G_GINT64_MODIFIER "x\n", num (o, "mki"));
  else if (json_object_has_member (o, "entry"))
    printf ("queue entry %" G_GINT64_FORMAT " removed\n", num (o, "entry"));
  else
    printf ("%s: done\n", str (o, "user"));
}

/* ---- commands ------------------------------------------------------------ */

/* Parses a command's options; NULL @entries: none. FALSE (and the exit
 * code in @rc) when the arguments are not @n_args positional ones. */
static gboolean
parse_command (const Command * cmd, GOptionEntry * entries, int *argc,
    char ***argv, gint n_min, gint n_max, int *rc)
{
  g_autofree gchar *ps = g_strdup_printf ("%s%s%s %s", cmd->group ?
      cmd->group : "", cmd->group ? " " : "", cmd->name, cmd->args);
  g_autoptr (GOptionContext) ctx = g_option_context_new (ps);
  GError *e = NULL;

  g_option_context_set_summary (ctx, cmd->summary);
  g_option_context_set_description (ctx, "Global options (before the "
      "command): see mmkm-admin --help.\n");
  if (entries)
    g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, argc, argv, &e)) {
    g_printerr ("mmkm-admin: %s (see mmkm-admin %s%s%s --help)\n", e->message,
        cmd->group ? cmd->group : "", cmd->group ? " " : "", cmd->name);
    g_error_free (e);
    *rc = EXIT_USAGE;
    return FALSE;
  }
  /* (*argv)[0] is the command */
  if (*argc - 1 < n_min || *argc - 1 > n_max) {
    g_printerr ("mmkm-admin: %s%s%s takes %s (see --help)\n",
        cmd->group ? cmd->group : "", cmd->group ? " " : "", cmd->name,
        *cmd->args ? cmd->args : "no arguments");
    *rc = EXIT_USAGE;
    return FALSE;
  }
  return TRUE;
}

/* A password from the terminal (twice, echo off) or one line of stdin. */
static gchar *
read_password (const gchar * user)
{
  gchar buf[MMKM_API_PASSWORD_MAX + 2], again[MMKM_API_PASSWORD_MAX + 2];
  gboolean tty = isatty (STDIN_FILENO);
  struct termios old, quiet;
  gchar *out = NULL;
  gsize len;

  if (tty) {
    if (tcgetattr (STDIN_FILENO, &old) != 0)
      return NULL;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t) ECHO;
    fprintf (stderr, "New password for %s: ", user);
    tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  if (!fgets (buf, sizeof buf, stdin))
    buf[0] = '\0';
  if (tty) {
    fprintf (stderr, "\nAgain: ");
    if (!fgets (again, sizeof again, stdin))
      again[0] = '\0';
    tcsetattr (STDIN_FILENO, TCSAFLUSH, &old);
    fprintf (stderr, "\n");
  }
  len = strlen (buf);
  if (len > 0 && buf[len - 1] == '\n')
    buf[--len] = '\0';
  if (len > 0 && buf[len - 1] == '\r')
    buf[--len] = '\0';
  if (tty) {
    gsize l2 = strlen (again);
    if (l2 > 0 && again[l2 - 1] == '\n')
      again[--l2] = '\0';
    if (l2 != len || CRYPTO_memcmp (buf, again, len) != 0) {
      g_printerr ("mmkm-admin: the passwords differ\n");
      goto out;
    }
  }
  if (len == 0 || len > MMKM_API_PASSWORD_MAX)
    g_printerr ("mmkm-admin: the password must be 1 to %d bytes\n",
        MMKM_API_PASSWORD_MAX);
  else
    out = g_strndup (buf, len);
out:
  OPENSSL_cleanse (buf, sizeof buf);
  OPENSSL_cleanse (again, sizeof again);
  return out;
}

static const Command *current;

static int
send_request (Ctx * c, const gchar * path, MmkmApiAdminRequest * r)
{
  gchar *body = mmkm_api_admin_request_to_json (r);
  int rc = run_and_print (c, "POST", path, body, human_done);

  mmkm_api_free_secret (body);
  mmkm_api_admin_request_clear (r);
  return rc;
}

static int
cmd_users_add (Ctx * c, int argc, char **argv)
{
  g_autofree gchar *role = NULL;
  GOptionEntry entries[] = {
    {"role", 'r', 0, G_OPTION_ARG_STRING, &role,
        "listener, sender or admin (required)", "ROLE"},
    {NULL}
  };
  MmkmApiAdminRequest r = { 0 };
  int rc = EXIT_OK;

  if (!parse_command (current, entries, &argc, &argv, 1, 1, &rc))
    return rc;
  if (!role || !mmkm_api_role_from_string (role, &r.role)) {
    g_printerr ("mmkm-admin: users add needs --role listener, sender or "
        "admin\n");
    return EXIT_USAGE;
  }
  r.has_role = TRUE;
  if ((rc = connect_setup (c)) != EXIT_OK)
    return rc;
  r.password = read_password (argv[1]);
  if (!r.password)
    return EXIT_USAGE;
  r.user = g_strdup (argv[1]);
  return send_request (c, "/admin/v1/users/add", &r);
}

static int
user_command (Ctx * c, int argc, char **argv, const gchar * path,
    gboolean password)
{
  MmkmApiAdminRequest r = { 0 };
  int rc = EXIT_OK;

  if (!parse_command (current, NULL, &argc, &argv, 1, 1, &rc))
    return rc;
  if ((rc = connect_setup (c)) != EXIT_OK)
    return rc;
  if (password && !(r.password = read_password (argv[1])))
    return EXIT_USAGE;
  r.user = g_strdup (argv[1]);
  return send_request (c, path, &r);
}

static int
cmd_users_remove (Ctx * c, int argc, char **argv)
{
  return user_command (c, argc, argv, "/admin/v1/users/remove", FALSE);
}

static int
cmd_users_disable (Ctx * c, int argc, char **argv)
{
  return user_command (c, argc, argv, "/admin/v1/users/disable", FALSE);
}

static int
cmd_users_enable (Ctx * c, int argc, char **argv)
{
  return user_command (c, argc, argv, "/admin/v1/users/enable", FALSE);
}

static int
cmd_users_passwd (Ctx * c, int argc, char **argv)
{
  return user_command (c, argc, argv, "/admin/v1/users/passwd", TRUE);
}

/* a GET with no argument */
static int
simple_get (Ctx * c, int argc, char **argv, const gchar * path,
    void (*human) (JsonNode *))
{
  int rc = EXIT_OK;

  if (!parse_command (current, NULL, &argc, &argv, 0, 0, &rc))
    return rc;
  if ((rc = connect_setup (c)) != EXIT_OK)
    return rc;
  return run_and_print (c, "GET", path, NULL, human);
}

static int
cmd_users_list (Ctx * c, int argc, char **argv)
{
  return simple_get (c, argc, argv, "/admin/v1/users", human_users);
}

static int
cmd_devices_list (Ctx * c, int argc, char **argv)
{
  g_autofree gchar *path = NULL;
  int rc = EXIT_OK;

  if (!parse_command (current, NULL, &argc, &argv, 0, 1, &rc))
    return rc;
  if ((rc = connect_setup (c)) != EXIT_OK)
    return rc;
  if (argc > 1) {
    g_autofree gchar *u = g_uri_escape_string (argv[1], NULL, FALSE);
    path = g_strconcat ("/admin/v1/devices?user=", u, NULL);
  } else
    path = g_strdup ("/admin/v1/devices");
  return run_and_print (c, "GET", path, NULL, human_devices);
}

static int
cmd_devices_revoke (Ctx * c, int argc, char **argv)
{
  MmkmApiAdminRequest r = { 0 };
  GError *e = NULL;
  int rc = EXIT_OK;

  if (!parse_command (current, NULL, &argc, &argv, 1, 1, &rc))
    return rc;
  if (!mmkm_fingerprint_parse (argv[1], r.device, &e)) {
    g_printerr ("mmkm-admin: %s\n", e->message);
    g_error_free (e);
    return EXIT_USAGE;
  }
  r.has_device = TRUE;
  if ((rc = connect_setup (c)) != EXIT_OK)
    return rc;
  return send_request (c, "/admin/v1/devices/revoke", &r);
}

static int
cmd_members (Ctx * c, int argc, char **argv)
{
  return simple_get (c, argc, argv, "/admin/v1/members", human_members);
}

/* Unix seconds, an ISO 8601 date or time (local unless it says), or an
 * age: 30s, 15m, 2h, 7d ago. Microseconds since the epoch. */
static gboolean
parse_time (const gchar * t, gint64 * out)
{
  guint64 n;
  gsize len = t ? strlen (t) : 0;
  g_autoptr (GTimeZone) tz = g_time_zone_new_local ();
  g_autoptr (GDateTime) dt = NULL;

  if (len == 0)
    return FALSE;
  if (g_ascii_string_to_unsigned (t, 10, 0, G_MAXINT64 / G_USEC_PER_SEC, &n,
          NULL)) {
    *out = (gint64) n *G_USEC_PER_SEC;
    return TRUE;
  }
  if (len > 1 && strchr ("smhd", t[len - 1])) {
    g_autofree gchar *d = g_strndup (t, len - 1);
    gint64 unit = t[len - 1] == 's' ? 1 : t[len - 1] == 'm' ? 60 :
        t[len - 1] == 'h' ? 3600 : 86400;
    if (g_ascii_string_to_unsigned (d, 10, 1, 3650 * 86400 / unit, &n, NULL)) {
      *out = g_get_real_time () - (gint64) n *unit * G_USEC_PER_SEC;
      return TRUE;
    }
  }
  dt = g_date_time_new_from_iso8601 (t, tz);
  if (!dt && len == 10) {
    g_autofree gchar *full = g_strconcat (t, "T00:00:00", NULL);
    dt = g_date_time_new_from_iso8601 (full, tz);
  }
  if (!dt)
    return FALSE;
  *out = g_date_time_to_unix (dt) * G_USEC_PER_SEC;
  return *out >= 0;
}

static int
cmd_log (Ctx * c, int argc, char **argv)
{
  g_autofree gchar *user = NULL, *event = NULL, *since = NULL, *until = NULL;
  gint limit = 0;
  GOptionEntry entries[] = {
    {"user", 'u', 0, G_OPTION_ARG_STRING, &user, "Only this user", "USER"},
    {"event", 'e', 0, G_OPTION_ARG_STRING, &event, "joined or left", "EVENT"},
    {"since", 0, 0, G_OPTION_ARG_STRING, &since, "From this time: Unix "
          "seconds, ISO 8601 (2026-12-01T10:00:00) or an age (30m, 2h, 7d)",
        "TIME"},
    {"until", 0, 0, G_OPTION_ARG_STRING, &until, "Before this time", "TIME"},
    {"limit", 'n', 0, G_OPTION_ARG_INT, &limit, "At most N entries "
          "(default 100, at most 10000)", "N"},
    {NULL}
  };
  GString *path = g_string_new ("/admin/v1/log?");
  gint64 t;
  int rc = EXIT_OK;

  if (!parse_command (current, entries, &argc, &argv, 0, 0, &rc))
    goto out;
  rc = EXIT_USAGE;
  if (user) {
    g_autofree gchar *u = g_uri_escape_string (user, NULL, FALSE);
    g_string_append_printf (path, "user=%s&", u);
  }
  if (event) {
    if (!g_str_equal (event, "joined") && !g_str_equal (event, "left")) {
      g_printerr ("mmkm-admin: --event is joined or left\n");
      goto out;
    }
    g_string_append_printf (path, "event=%s&", event);
  }
  if (since) {
    if (!parse_time (since, &t)) {
      g_printerr ("mmkm-admin: --since: not a time\n");
      goto out;
    }
    g_string_append_printf (path, "since=%" G_GINT64_FORMAT "&", t);
  }
  if (until) {
    if (!parse_time (until, &t)) {
      g_printerr ("mmkm-admin: --until: not a time\n");
      goto out;
    }
    g_string_append_printf (path, "until=%" G_GINT64_FORMAT "&", t);
  }
  if (limit)
    g_string_append_printf (path, "limit=%d&", limit);
  g_string_truncate (path, path->len - 1);
  if ((rc = connect_setup (c)) == EXIT_OK)
    rc = run_and_print (c, "GET", path->str, NULL, human_log);
out:
  g_string_free (path, TRUE);
  return rc;
}

static int
cmd_songs (Ctx * c, int argc, char **argv)
{
  return simple_get (c, argc, argv, "/admin/v1/songs", human_songs);
}

/* "queue" lists, "queue remove ID" takes an entry out */
static int
cmd_queue (Ctx * c, int argc, char **argv)
{
  MmkmApiAdminRequest r = { 0 };
  guint64 id;
  int rc = EXIT_OK;

  if (!parse_command (current, NULL, &argc, &argv, 0, 2, &rc))
    return rc;
  if (argc == 1) {
    if ((rc = connect_setup (c)) != EXIT_OK)
      return rc;
    return run_and_print (c, "GET", "/admin/v1/queue", NULL, human_queue);
  }
  if (argc != 3 || !g_str_equal (argv[1], "remove")
      || !g_ascii_string_to_unsigned (argv[2], 10, 1, MMKM_API_INT_MAX, &id,
          NULL)) {
    g_printerr ("mmkm-admin: queue takes nothing, or remove ID (a number "
        "from the list)\n");
    return EXIT_USAGE;
  }
  if ((rc = connect_setup (c)) != EXIT_OK)
    return rc;
  r.has_entry = TRUE;
  r.entry = (gint64) id;
  return send_request (c, "/admin/v1/queue/remove", &r);
}

static int
cmd_status (Ctx * c, int argc, char **argv)
{
  return simple_get (c, argc, argv, "/admin/v1/status", human_status);
}

static int
cmd_rotate (Ctx * c, int argc, char **argv)
{
  int rc = EXIT_OK;

  if (!parse_command (current, NULL, &argc, &argv, 0, 0, &rc))
    return rc;
  if ((rc = connect_setup (c)) != EXIT_OK)
    return rc;
  return run_and_print (c, "POST", "/admin/v1/rotate", NULL, human_done);
}

static int
cmd_metrics (Ctx * c, int argc, char **argv)
{
  g_autoptr (GBytes) raw = NULL;
  int rc = EXIT_OK;

  if (!parse_command (current, NULL, &argc, &argv, 0, 0, &rc))
    return rc;
  if ((rc = connect_setup (c)) != EXIT_OK)
    return rc;
  rc = call (c, "GET", "/metrics", NULL, NULL, &raw);
  if (rc == EXIT_OK)
    fwrite (g_bytes_get_data (raw, NULL), 1, g_bytes_get_size (raw), stdout);
  return rc;
}

/* *INDENT-OFF* */
static const Command commands[] = {
  {"users", "add", "NAME", "Add a user; the password is asked for (or read "
    "from stdin when it is not a terminal).", cmd_users_add},
  {"users", "remove", "NAME", "Remove a user, its devices and requests; a "
    "live session ends and a new TEK follows.", cmd_users_remove},
  {"users", "disable", "NAME", "Refuse a user's logins; a live session ends "
    "and a new TEK follows.", cmd_users_disable},
  {"users", "enable", "NAME", "Let a disabled user log in again.",
    cmd_users_enable},
  {"users", "passwd", "NAME", "Set a user's password (asked for, or read "
    "from stdin).", cmd_users_passwd},
  {"users", "list", "", "List the users: role, state, devices, live "
    "session.", cmd_users_list},
  {"devices", "list", "[USER]", "List the enrolled devices (of one user).",
    cmd_devices_list},
  {"devices", "revoke", "FINGERPRINT", "Revoke a device; its live session "
    "ends and a new TEK follows.", cmd_devices_revoke},
  {NULL, "members", "", "The live members: source, login time, last "
    "heartbeat, MKI fetched.", cmd_members},
  {NULL, "log", "", "The join/leave log, newest first.", cmd_log},
  {NULL, "songs", "", "The group's songs.", cmd_songs},
  {NULL, "queue", "[remove ID]", "The request queue; remove ID takes a "
    "queued request out.", cmd_queue},
  {NULL, "rotate", "", "Make a new TEK now, as a leave would.", cmd_rotate},
  {NULL, "status", "", "Version, uptime, group, TEKs, member count.",
    cmd_status},
  {NULL, "metrics", "", "The Prometheus metrics, as text.", cmd_metrics},
};
/* *INDENT-ON* */

static gchar *
commands_text (const gchar * group)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (commands); i++) {
    const Command *c = &commands[i];
    g_autofree gchar *use = NULL;
    if (group && g_strcmp0 (group, c->group) != 0)
      continue;
    use = g_strdup_printf ("%s%s%s %s", c->group ? c->group : "",
        c->group ? " " : "", c->name, c->args);
    g_string_append_printf (s, "  %-28s %s\n", use, c->summary);
  }
  return g_string_free (s, FALSE);
}

static const gchar exit_codes[] =
    "Exit status: 0 done; 1 the server refused the command (the reason is "
    "printed);\n2 bad command line; 3 the server cannot be reached or "
    "trusted (connection,\npinned certificate, admin token).\n";

int
main (int argc, char **argv)
{
  Ctx c = { 0 };
  gboolean version = FALSE;
  GOptionEntry entries[] = {
    {"server", 'S', 0, G_OPTION_ARG_STRING, &c.server,
        "The admin listener (default " DEFAULT_SERVER ")", "URL"},
    {"state-dir", 's', 0, G_OPTION_ARG_FILENAME, &c.state_dir,
        "The server's state directory: admin.token and server.crt (the "
          "certificate pinned) are read there (default " DEFAULT_STATE_DIR
          ")", "DIR"},
    {"token-file", 't', 0, G_OPTION_ARG_FILENAME, &c.token_file,
        "The admin token file (default DIR/admin.token)", "FILE"},
    {"fingerprint", 'f', 0, G_OPTION_ARG_STRING, &c.fingerprint,
        "The server certificate's SHA-256 fingerprint to pin (default: "
          "that of DIR/server.crt)", "HEX"},
    {"json", 'j', 0, G_OPTION_ARG_NONE, &c.json,
        "Print the server's JSON answers (for scripts)", NULL},
    {"version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version",
        NULL},
    {NULL}
  };
  g_autoptr (GOptionContext) ctx =
      g_option_context_new ("COMMAND [ARGS...] - manage an mmkm-server");
  g_autofree gchar *cmds = commands_text (NULL), *desc = NULL;
  GError *e = NULL;
  const gchar *group = NULL, *name;
  gchar **sub_argv;
  int sub_argc, rc = EXIT_USAGE;
  guint i;

  setvbuf (stdout, NULL, _IOLBF, 0);
  desc = g_strdup_printf ("Commands (each takes --help):\n%s\n"
      "Example:\n  mmkm-admin --state-dir /var/lib/mmkm-server users add "
      "alice --role listener\n  echo \"$PW\" | mmkm-admin -s DIR users passwd "
      "alice\n\n%s", cmds, exit_codes);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx, desc);
  /* the global options end at the command */
  g_option_context_set_strict_posix (ctx, TRUE);
  if (!g_option_context_parse (ctx, &argc, &argv, &e)) {
    g_printerr ("mmkm-admin: %s (see --help)\n", e->message);
    g_error_free (e);
    return EXIT_USAGE;
  }
  if (version) {
    printf ("mmkm-admin %s\n", PACKAGE_VERSION);
    return EXIT_OK;
  }
  if (argc < 2) {
    g_printerr ("mmkm-admin: no command (see --help)\n");
    return EXIT_USAGE;
  }
  if (!c.server)
    c.server = g_strdup (DEFAULT_SERVER);
  name = argv[1];
  sub_argv = argv + 1;
  sub_argc = argc - 1;
  if (g_str_equal (name, "users") || g_str_equal (name, "devices")) {
    g_autofree gchar *sub = commands_text (name);
    group = name;
    if (argc < 3 || g_str_equal (argv[2], "--help")
        || g_str_equal (argv[2], "-h")) {
      (argc < 3 ? g_printerr : g_print) ("Usage: mmkm-admin %s COMMAND "
          "[ARGS...]\n\nCommands (each takes --help):\n%s", name, sub);
      rc = argc < 3 ? EXIT_USAGE : EXIT_OK;
      goto out;
    }
    name = argv[2];
    sub_argv = argv + 2;
    sub_argc = argc - 2;
  }
  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_strcmp0 (commands[i].group, group) == 0
        && g_str_equal (commands[i].name, name))
      current = &commands[i];
  if (!current) {
    g_printerr ("mmkm-admin: unknown command \"%s%s%s\" (see --help)\n",
        group ? group : "", group ? " " : "", name);
    goto out;
  }
  rc = current->run (&c, sub_argc, sub_argv);
out:
  OPENSSL_cleanse (c.token, sizeof c.token);
  g_clear_object (&c.http);
  g_free (c.server);
  g_free (c.state_dir);
  g_free (c.token_file);
  g_free (c.fingerprint);
  mmkm_pool_workers_await (10000);
  return rc;
}
