/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mikey-tool, driven as a user drives it: a separate process, arguments,
 * standard input, exit codes and what it prints.
 *
 * MIKEY_TOOL (set by the meson test environment) is the tool's path;
 * MIKEY_TEST_DATA the folder of sample messages and of the test PKI (pki/:
 * alice, bob with an intermediate CA, their root CA; mallory under an
 * untrusted CA; dave, expired). When tshark and text2pcap are installed,
 * Wireshark's MIKEY dissector reads what the tool makes.
 *
 * Answers the tool cannot make (DH responses, verification and error
 * messages) come from the core's responder run in this process.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>

#include "mikey-message.h"
#include "mikey-exchange.h"
/* mikey_payload_end_offset(), to alter chosen bytes */
#include "mikey-exchange-private.h"
#include "mikey-test-certs.h"

/* ------------------------------------------------------------------------
 * Running the tool
 * ---------------------------------------------------------------------- */

typedef struct
{
  gboolean signaled;            /* killed by a signal: a crash */
  gint exit_code;
  gchar *out;
  gchar *err;
} Run;

static gchar *tmp_dir;
static guint tmp_counter;

static void
setup (void)
{
  GError *err = NULL;

  tmp_dir = g_dir_make_tmp ("test-mikey-tool-XXXXXX", &err);
  fail_unless (tmp_dir != NULL, "%s", err ? err->message : "");
  /* the tool reads an encrypted key's passphrase from here */
  g_unsetenv ("MIKEY_KEY_PASSPHRASE");
}

static void
remove_tree (const gchar * path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL) {
    gchar *p = g_build_filename (path, name, NULL);

    g_unlink (p);
    g_free (p);
  }
  g_dir_close (dir);
  g_rmdir (path);
}

static void
teardown (void)
{
  remove_tree (tmp_dir);
  g_clear_pointer (&tmp_dir, g_free);
}

static gchar *
tmp_path (const gchar * suffix)
{
  gchar *name = g_strdup_printf ("f%u%s", ++tmp_counter, suffix);
  gchar *path = g_build_filename (tmp_dir, name, NULL);

  g_free (name);
  return path;
}

static gchar *
write_tmp (const gchar * suffix, const gchar * data, gssize len)
{
  gchar *path = tmp_path (suffix);
  GError *err = NULL;

  fail_unless (g_file_set_contents (path, data, len, &err), "%s",
      err ? err->message : "");
  return path;
}

/* Runs in the child just before exec: standard input from the file */
static void
child_stdin_from (gpointer user_data)
{
  int fd = open ((const gchar *) user_data, O_RDONLY);

  if (fd >= 0) {
    dup2 (fd, STDIN_FILENO);
    close (fd);
  }
}

/* Runs @argv with @input (may be NULL: /dev/null) on standard input. */
static Run *
run_argv (const gchar * input, gssize input_len, gchar ** argv)
{
  Run *r = g_new0 (Run, 1);
  gchar *in_path = NULL;
  GError *err = NULL;
  gint status;

  if (input != NULL)
    in_path = write_tmp (".in", input, input_len);
  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH,
          in_path ? child_stdin_from : NULL, in_path, &r->out, &r->err,
          &status, &err), "cannot run %s: %s", argv[0],
      err ? err->message : "");
  if (WIFSIGNALED (status)) {
    r->signaled = TRUE;
    r->exit_code = -WTERMSIG (status);
  } else {
    r->exit_code = WEXITSTATUS (status);
  }
  if (in_path != NULL) {
    g_unlink (in_path);
    g_free (in_path);
  }
  /* a sanitizer build reports into stderr and exits non-zero: never let
   * that pass as one of the tool's own exit codes */
  fail_if (strstr (r->err, "Sanitizer") != NULL ||
      strstr (r->err, "runtime error:") != NULL, "sanitizer report: %s",
      r->err);
  return r;
}

static const gchar *
tool_path (void)
{
  const gchar *tool = g_getenv ("MIKEY_TOOL");

  fail_unless (tool != NULL, "MIKEY_TOOL is not set (run through meson test)");
  return tool;
}

/* run_tool (stdin_or_NULL, "decode", "--format", "caps", NULL) */
static Run *
run_tool (const gchar * input, ...)
{
  GPtrArray *argv = g_ptr_array_new ();
  const gchar *arg;
  va_list ap;
  Run *r;

  g_ptr_array_add (argv, (gpointer) tool_path ());
  va_start (ap, input);
  while ((arg = va_arg (ap, const gchar *)) != NULL)
      g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  r = run_argv (input, -1, (gchar **) argv->pdata);
  g_ptr_array_free (argv, TRUE);
  return r;
}

static void
run_free (Run * r)
{
  g_free (r->out);
  g_free (r->err);
  g_free (r);
}

static void
assert_ok (const Run * r)
{
  fail_if (r->signaled, "tool crashed (signal %d)", -r->exit_code);
  fail_unless_equals_int (r->exit_code, 0);
  fail_unless_equals_string (r->err, "");
}

/* Failed cleanly: the exit code, and exactly one line on stderr saying
 * "mikey-tool: <what>". */
static void
assert_error (const Run * r, gint code, const gchar * expect)
{
  const gchar *nl;

  fail_if (r->signaled, "tool crashed (signal %d); stderr: %s",
      -r->exit_code, r->err);
  fail_unless (r->exit_code == code, "exit %d, expected %d; stderr: %s",
      r->exit_code, code, r->err);
  fail_unless (g_str_has_prefix (r->err, "mikey-tool: "), "stderr: '%s'",
      r->err);
  nl = strchr (r->err, '\n');
  fail_unless (nl != NULL && nl[1] == '\0', "not one line: '%s'", r->err);
  if (expect != NULL)
    fail_unless (strstr (r->err, expect) != NULL, "'%s' not in '%s'",
        expect, r->err);
}

/* The first line of stdout, without its newline */
static gchar *
first_line (const gchar * s)
{
  const gchar *nl = strchr (s, '\n');

  return nl ? g_strndup (s, nl - s) : g_strdup (s);
}

static guint
count_lines (const gchar * s)
{
  guint n = 0;

  for (; *s != '\0'; s++) {
    if (*s == '\n')
      n++;
  }
  return n;
}

/* Creates a message; returns its base64 (one line, no newline). */
static gchar *
create_v (gchar ** args)
{
  GPtrArray *argv = g_ptr_array_new ();
  gchar *b64;
  Run *r;
  guint i;

  g_ptr_array_add (argv, (gpointer) tool_path ());
  g_ptr_array_add (argv, (gpointer) "create");
  for (i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, args[i]);
  g_ptr_array_add (argv, NULL);
  r = run_argv (NULL, -1, (gchar **) argv->pdata);
  g_ptr_array_free (argv, TRUE);

  assert_ok (r);
  fail_unless_equals_int (count_lines (r->out), 1);
  b64 = first_line (r->out);
  run_free (r);
  return b64;
}

static gchar *
create (const gchar * first, ...)
{
  GPtrArray *args = g_ptr_array_new ();
  const gchar *arg;
  va_list ap;
  gchar *b64;

  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const gchar *))
      g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  b64 = create_v ((gchar **) args->pdata);
  g_ptr_array_free (args, TRUE);
  return b64;
}

static gchar *create_pke (const gchar * sign);

static gchar *
read_sample (const gchar * name)
{
  const gchar *dir = g_getenv ("MIKEY_TEST_DATA");
  gchar *path, *text;
  GError *err = NULL;

  fail_unless (dir != NULL, "MIKEY_TEST_DATA is not set");
  path = g_build_filename (dir, name, NULL);
  fail_unless (g_file_get_contents (path, &text, NULL, &err), "%s",
      err ? err->message : "");
  g_free (path);
  return g_strstrip (text);
}

/* Path of a file of the test PKI; interned, so callers never free it */
static const gchar *
pki (const gchar * name)
{
  gchar *path = mikey_test_pki (name);
  const gchar *interned;

  interned = g_intern_string (path);
  g_free (path);
  return interned;
}

/* Checks that @json is valid JSON and returns what the Python expression
 * @expr (over the parsed document "d") prints, e.g. "d['srtp'][0]['mki']".
 * NULL (after a note) when python3 is not available. */
static gchar *
json_query (const gchar * json, const gchar * expr)
{
  gchar *python = g_find_program_in_path ("python3");
  gchar *code, *out;
  gchar *argv[4];
  Run *r;

  if (python == NULL) {
    g_print ("note: python3 not found, JSON not validated\n");
    return NULL;
  }
  code = g_strdup_printf ("import json, sys\n"
      "d = json.load(sys.stdin)\nprint(%s)\n", expr);
  argv[0] = python;
  argv[1] = (gchar *) "-c";
  argv[2] = code;
  argv[3] = NULL;
  r = run_argv (json, -1, argv);
  if (r->signaled || r->exit_code != 0) {
    /* libcheck messages are limited in size: the full JSON goes to the
     * log, the failure names the problem */
    g_printerr ("JSON was:\n%s\n", json);
    fail ("invalid JSON or query '%s': %.500s", expr, r->err);
  }
  out = first_line (r->out);
  run_free (r);
  g_free (code);
  g_free (python);
  return out;
}

/* ------------------------------------------------------------------------
 * Help and usage
 * ---------------------------------------------------------------------- */

GST_START_TEST (test_help)
{
  Run *r;

  r = run_tool (NULL, "--help", NULL);
  assert_ok (r);
  fail_unless (strstr (r->out, "MIKEY") != NULL);
  fail_unless (strstr (r->out, "decode") != NULL);
  fail_unless (strstr (r->out, "create") != NULL);
  fail_unless (strstr (r->out, "Exit status") != NULL);
  run_free (r);

  r = run_tool (NULL, "decode", "--help", NULL);
  assert_ok (r);
  fail_unless (strstr (r->out, "a=key-mgmt") != NULL);
  fail_unless (strstr (r->out, "--psk") != NULL);
  fail_unless (strstr (r->out, "--format") != NULL);
  fail_unless (strstr (r->out, "Exit status") != NULL);
  run_free (r);

  r = run_tool (NULL, "create", "--help", NULL);
  assert_ok (r);
  fail_unless (strstr (r->out, "--tek") != NULL);
  fail_unless (strstr (r->out, "AEAD_AES_256_GCM") != NULL);
  fail_unless (strstr (r->out, "Exit status") != NULL);
  run_free (r);

  /* the camera example in decode --help works when pasted verbatim */
  {
    const gchar *start, *end;
    gchar *example;
    Run *r2;

    r = run_tool (NULL, "decode", "--help", NULL);
    start = strstr (r->out, "mikey-tool decode 'a=key-mgmt:");
    fail_unless (start != NULL);
    start += strlen ("mikey-tool decode '");
    end = strchr (start, '\'');
    fail_unless (end != NULL);
    example = g_strndup (start, end - start);
    r2 = run_tool (NULL, "decode", "--format", "caps", example, NULL);
    assert_ok (r2);
    fail_unless (strstr (r2->out, "mki=(buffer)00000001") != NULL);
    run_free (r2);
    g_free (example);
    run_free (r);
  }

  r = run_tool (NULL, "help", "create", NULL);
  assert_ok (r);
  fail_unless (strstr (r->out, "--tgk") != NULL);
  run_free (r);

  r = run_tool (NULL, "--version", NULL);
  assert_ok (r);
  fail_unless (g_str_has_prefix (r->out, "mikey-tool "));
  run_free (r);

  /* no command: usage on stderr, exit 1 */
  r = run_tool (NULL, NULL);
  fail_unless_equals_int (r->exit_code, 1);
  fail_unless (strstr (r->err, "Usage") != NULL);
  run_free (r);

  r = run_tool (NULL, "frobnicate", NULL);
  assert_error (r, 1, "unknown command 'frobnicate'");
  run_free (r);

  r = run_tool (NULL, "decode", "--bogus", NULL);
  assert_error (r, 1, "--bogus");
  run_free (r);

  r = run_tool (NULL, "decode", "--format", "xml", "AQAA", NULL);
  assert_error (r, 1, "--format");
  run_free (r);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * create -> decode
 * ---------------------------------------------------------------------- */

#define TEK30 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d"
#define PSK "00112233445566778899aabbccddeeff"
#define WRONG_PSK "00112233445566778899aabbccddeefe"

GST_START_TEST (test_null_round_trip)
{
  gchar *msg, *s;
  Run *r;

  msg = create ("--mode", "null", "--tek", TEK30, "--ssrc", "0x12345678",
      "--roc", "3", "--mki", "0A0b", "--csb-id", "77", NULL);

  r = run_tool (NULL, "decode", "--format", "caps", msg, NULL);
  assert_ok (r);
  fail_unless_equals_int (count_lines (r->out), 1);
  fail_unless (g_str_has_prefix (r->out, "application/x-srtp, "));
  fail_unless (strstr (r->out, "ssrc=(uint)305419896") != NULL, "%s", r->out);
  fail_unless (strstr (r->out, "roc=(uint)3") != NULL);
  fail_unless (strstr (r->out, "srtp-key=(buffer)" TEK30) != NULL);
  fail_unless (strstr (r->out, "mki=(buffer)0a0b") != NULL);
  fail_unless (strstr (r->out, "srtp-cipher=(string)aes-128-icm") != NULL);
  fail_unless (strstr (r->out, "srtp-auth=(string)hmac-sha1-80") != NULL);
  fail_unless (strstr (r->out, "srtcp-cipher=(string)aes-128-icm") != NULL);
  fail_unless (strstr (r->out, "srtcp-auth=(string)hmac-sha1-80") != NULL);
  run_free (r);

  /* default format is json */
  r = run_tool (NULL, "decode", msg, NULL);
  assert_ok (r);
  s = json_query (r->out, "d['srtp'][0]['srtp_key'], d['srtp'][0]['mki'], "
      "d['header']['csb_id'], d['header']['cs_map'][0]['roc'], "
      "[p['type']['name'] for p in d['payloads']]");
  if (s != NULL)
    fail_unless_equals_string (s, TEK30 " 0a0b 77 3 ['T', 'RAND', 'SP', "
        "'KEMAC']");
  g_free (s);
  run_free (r);

  r = run_tool (NULL, "decode", "--format", "json", msg, NULL);
  assert_ok (r);
  s = json_query (r->out, "[p for p in d['payloads'] if p['type']['value'] "
      "== 1][0]['key_data'][0]['spi']");
  if (s != NULL)
    fail_unless_equals_string (s, "0a0b");
  g_free (s);
  run_free (r);

  /* --psk on a message that is not protected: nothing was verified */
  r = run_tool (NULL, "decode", "--psk", PSK, "--format", "caps", msg, NULL);
  assert_error (r, 3, "not protected");
  fail_unless_equals_string (r->out, "");
  run_free (r);

  g_free (msg);
}

GST_END_TEST;

GST_START_TEST (test_psk_round_trip)
{
  gchar *msg, *s;
  Run *r;

  msg = create ("--mode", "psk", "--psk", PSK, "--tgk",
      "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf", "--ssrc", "1", "--ssrc", "2", NULL);

  /* right key: verified, one caps line per crypto session, distinct keys
   * derived from the TGK */
  r = run_tool (NULL, "decode", "--psk", PSK, "--format", "caps", msg, NULL);
  assert_ok (r);
  fail_unless_equals_int (count_lines (r->out), 2);
  fail_unless (strstr (r->out, "ssrc=(uint)1,") != NULL, "%s", r->out);
  fail_unless (strstr (r->out, "ssrc=(uint)2,") != NULL);
  run_free (r);

  r = run_tool (NULL, "decode", "--psk", PSK, msg, NULL);
  assert_ok (r);
  s = json_query (r->out, "len(d['srtp']), d['srtp'][0]['srtp_key'] != "
      "d['srtp'][1]['srtp_key'], [p['status'] for p in d['payloads'] "
      "if p['type']['name'] == 'KEMAC'][0].startswith('decrypted')");
  if (s != NULL)
    fail_unless_equals_string (s, "2 True True");
  g_free (s);
  run_free (r);

  /* no key */
  r = run_tool (NULL, "decode", "--format", "caps", msg, NULL);
  assert_error (r, 3, "pass --psk");
  fail_unless_equals_string (r->out, "");
  run_free (r);

  /* no key, JSON: the structure is still shown, the exit says why not */
  r = run_tool (NULL, "decode", msg, NULL);
  assert_error (r, 3, "pass --psk");
  s = json_query (r->out, "d['srtp'], d['header']['v']");
  if (s != NULL)
    fail_unless_equals_string (s, "None True");
  g_free (s);
  run_free (r);

  /* wrong key */
  r = run_tool (NULL, "decode", "--psk", WRONG_PSK, "--format", "caps", msg,
      NULL);
  assert_error (r, 3, "MAC mismatch");
  fail_unless_equals_string (r->out, "");
  run_free (r);

  r = run_tool (NULL, "decode", "--psk", WRONG_PSK, msg, NULL);
  assert_error (r, 3, "MAC mismatch");
  run_free (r);

  g_free (msg);

  /* a TEK sent with PSK protection comes back as is */
  msg = create ("--mode", "psk", "--psk", PSK, "--tek", TEK30, "--ssrc",
      "0xffffffff", "--mki", "01020304", NULL);
  r = run_tool (NULL, "decode", "--psk", PSK, "--format", "caps", msg, NULL);
  assert_ok (r);
  fail_unless (strstr (r->out, "srtp-key=(buffer)" TEK30) != NULL);
  fail_unless (strstr (r->out, "ssrc=(uint)4294967295") != NULL);
  fail_unless (strstr (r->out, "mki=(buffer)01020304") != NULL);
  run_free (r);
  g_free (msg);
}

GST_END_TEST;

typedef struct
{
  const gchar *name;
  guint tek_len;
  const gchar *cipher;
  const gchar *auth;
} SuiteCase;

static const SuiteCase suites[] = {
  {"AES_CM_128_HMAC_SHA1_80", 30, "aes-128-icm", "hmac-sha1-80"},
  {"AES_CM_128_HMAC_SHA1_32", 30, "aes-128-icm", "hmac-sha1-32"},
  {"AES_256_CM_HMAC_SHA1_80", 46, "aes-256-icm", "hmac-sha1-80"},
  {"AEAD_AES_128_GCM", 28, "aes-128-gcm", "null"},
  {"AEAD_AES_256_GCM", 44, "aes-256-gcm", "null"},
};

static gchar *
hex_key (guint len, guint8 seed)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", (guint8) (seed + 3 * i));
  return g_string_free (s, FALSE);
}

GST_START_TEST (test_every_suite)
{
  const SuiteCase *c = &suites[__i__];
  gchar *tek = hex_key (c->tek_len, 0x21);
  gchar *short_tek = hex_key (c->tek_len - 1, 0x21);
  gchar *expect_key = g_strconcat ("srtp-key=(buffer)", tek, NULL);
  gchar *expect_cipher = g_strconcat ("srtp-cipher=(string)", c->cipher, NULL);
  gchar *expect_auth = g_strconcat ("srtp-auth=(string)", c->auth, NULL);
  const gchar *modes[] = { "null", "psk" };
  guint m;

  for (m = 0; m < G_N_ELEMENTS (modes); m++) {
    gboolean psk = g_str_equal (modes[m], "psk");
    gchar *msg, *s;
    Run *r;

    /* suite names are case-insensitive */
    msg = psk ?
        create ("--mode", "psk", "--psk", PSK, "--suite", c->name, "--tek",
        tek, "--ssrc", "42", NULL) :
        create ("--mode", "null", "--suite", c->name, "--tek", tek, "--ssrc",
        "42", NULL);

    r = psk ? run_tool (NULL, "decode", "--psk", PSK, "--format", "caps", msg,
        NULL) : run_tool (NULL, "decode", "--format", "caps", msg, NULL);
    assert_ok (r);
    fail_unless (strstr (r->out, expect_key) != NULL, "%s: %s", c->name,
        r->out);
    fail_unless (strstr (r->out, expect_cipher) != NULL, "%s: %s", c->name,
        r->out);
    fail_unless (strstr (r->out, expect_auth) != NULL, "%s: %s", c->name,
        r->out);
    run_free (r);

    r = psk ? run_tool (NULL, "decode", "--psk", PSK, msg, NULL) :
        run_tool (NULL, "decode", msg, NULL);
    assert_ok (r);
    s = json_query (r->out, "d['srtp'][0]['suite'], [p['suite'] for p in "
        "d['payloads'] if p['type']['name'] == 'SP'][0]");
    if (s != NULL) {
      gchar *expect = g_strdup_printf ("%s %s", c->name, c->name);

      fail_unless_equals_string (s, expect);
      g_free (expect);
    }
    g_free (s);
    run_free (r);
    g_free (msg);
  }

  /* a TEK one byte short for this suite */
  {
    Run *r = run_tool (NULL, "create", "--mode", "null", "--suite", c->name,
        "--tek", short_tek, NULL);
    gchar *expect = g_strdup_printf ("needs %u bytes", c->tek_len);

    assert_error (r, 1, expect);
    fail_unless_equals_string (r->out, "");
    g_free (expect);
    run_free (r);
  }

  g_free (expect_auth);
  g_free (expect_cipher);
  g_free (expect_key);
  g_free (short_tek);
  g_free (tek);
}

GST_END_TEST;

/* Our MIKEY-PSK messages checked by an implementation of RFC 3830 written
 * separately (rfc3830_psk_check.py: PRF, derivations, MAC and AES-CM from
 * the RFC, in Python with the openssl command): same MAC, same keys. */
GST_START_TEST (test_psk_independent_implementation)
{
  const SuiteCase *c = &suites[__i__];
  const gchar *data_dir = g_getenv ("MIKEY_TEST_DATA");
  gchar *python = g_find_program_in_path ("python3");
  gchar *openssl = g_find_program_in_path ("openssl");
  gchar *script, *tek, *key_len, *salt_len;
  guint salt = g_str_has_prefix (c->name, "AEAD") ? 12 : 14;
  guint k;

  if (python == NULL || openssl == NULL) {
    g_print ("SKIP test_psk_independent_implementation: python3 or openssl "
        "not installed\n");
    g_free (python);
    g_free (openssl);
    return;
  }
  fail_unless (data_dir != NULL);
  script = g_build_filename (data_dir, "..", "rfc3830_psk_check.py", NULL);
  tek = hex_key (c->tek_len, 0x77);
  key_len = g_strdup_printf ("%u", c->tek_len - salt);
  salt_len = g_strdup_printf ("%u", salt);

  for (k = 0; k < 2; k++) {
    gchar *msg = k == 0 ?
        create ("--mode", "psk", "--psk", PSK, "--suite", c->name, "--tek",
        tek, "--ssrc", "7", "--mki", "c0ffee", NULL) :
        create ("--mode", "psk", "--psk", PSK, "--suite", c->name, "--tgk",
        "000102030405060708090a0b0c0d0e0f1011", "--ssrc", "7", "--ssrc", "8",
        NULL);
    gchar *check_argv[] = { python, script, msg, (gchar *) PSK, key_len,
      salt_len, NULL
    };
    gchar **lines;
    Run *ours, *theirs;
    guint i;

    theirs = run_argv (NULL, -1, check_argv);
    fail_unless (!theirs->signaled && theirs->exit_code == 0,
        "%s: independent check failed: %s%s", c->name, theirs->out,
        theirs->err);
    fail_unless (g_str_has_prefix (theirs->out, "MAC OK\n"));

    ours = run_tool (NULL, "decode", "--psk", PSK, "--format", "caps", msg,
        NULL);
    assert_ok (ours);

    /* "CS <ssrc> <key||salt> <mki|->" for each crypto session */
    lines = g_strsplit (theirs->out, "\n", -1);
    fail_unless_equals_int (g_strv_length (lines) - 2, count_lines (ours->out));
    for (i = 1; lines[i] != NULL && lines[i][0] != '\0'; i++) {
      gchar **f = g_strsplit (lines[i], " ", -1);
      gchar *want_ssrc = g_strdup_printf ("ssrc=(uint)%s,", f[1]);
      gchar *want_key = g_strdup_printf ("srtp-key=(buffer)%s", f[2]);

      fail_unless_equals_int (g_strv_length (f), 4);
      fail_unless (strstr (ours->out, want_ssrc) != NULL, "%s", ours->out);
      fail_unless (strstr (ours->out, want_key) != NULL,
          "%s: key differs: independent %s, ours %s", c->name, f[2], ours->out);
      if (k == 0) {
        fail_unless_equals_string (f[2], tek);
        fail_unless_equals_string (f[3], "c0ffee");
      }
      g_free (want_key);
      g_free (want_ssrc);
      g_strfreev (f);
    }
    g_strfreev (lines);
    run_free (ours);
    run_free (theirs);

    /* and the independent side refuses a wrong key, so "MAC OK" means
     * something */
    check_argv[3] = (gchar *) WRONG_PSK;
    theirs = run_argv (NULL, -1, check_argv);
    fail_unless_equals_int (theirs->exit_code, 1);
    run_free (theirs);
    g_free (msg);
  }

  g_free (salt_len);
  g_free (key_len);
  g_free (tek);
  g_free (script);
  g_free (openssl);
  g_free (python);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * create: argument checking
 * ---------------------------------------------------------------------- */

GST_START_TEST (test_create_errors)
{
  /* "@name" stands for the file name in the test PKI */
  static const struct
  {
    const gchar *args[14];
    const gchar *expect;
  } cases[] = {
    {{"--tek", TEK30}, "--mode is required"},
    {{"--mode", "rsa-r", "--tek", TEK30}, "--mode: unknown mode 'rsa-r'"},
    {{"--mode", "null"}, "no key given"},
    {{"--mode", "null", "--tek", TEK30, "--tgk", TEK30}, "both given"},
    {{"--mode", "psk", "--tek", TEK30}, "--psk"},
    {{"--mode", "null", "--psk", PSK, "--tek", TEK30}, "--psk is not used"},
    {{"--mode", "null", "--tek", "zz"}, "--tek: not hex"},
    {{"--mode", "null", "--tek", "abc"}, "odd number of hex digits"},
    {{"--mode", "null", "--tek", ""}, "empty"},
    {{"--mode", "null", "--tek", "00112233"}, "needs 30 bytes"},
    {{"--mode", "psk", "--psk", "xyz", "--tek", TEK30}, "--psk: not hex"},
    {{"--mode", "null", "--tek", TEK30, "--mki", "0g"}, "--mki: not hex"},
    {{"--mode", "null", "--tek", TEK30, "--suite", "AES_CM_64"},
        "unknown suite 'AES_CM_64'"},
    {{"--mode", "null", "--tek", TEK30, "--roc", "1"}, "--roc needs"},
    {{"--mode", "null", "--tek", TEK30, "--ssrc", "abc"}, "--ssrc: 'abc'"},
    {{"--mode", "null", "--tek", TEK30, "--ssrc", "4294967296"}, "--ssrc"},
    {{"--mode", "null", "--tek", TEK30, "--ssrc", "-1"}, "--ssrc"},
    {{"--mode", "null", "--tek", TEK30, "--csb-id", "0x1g"}, "--csb-id"},
    {{"--mode", "null", "--tek", TEK30, "extra"}, "unexpected 'extra'"},
    {{"--mode", "null", "--tek", TEK30, "--frob"}, "--frob"},
    /* public-key and DH modes */
    {{"--mode", "dh"}, "--mode dh needs our certificate and private key"},
    {{"--mode", "pke", "--cert", "@alice.pem", "--key", "@alice-key.pem",
            "--tek", TEK30}, "--mode pke needs the receiver's certificate"},
    {{"--mode", "pke", "--cert", "@alice.pem", "--key", "@alice-key.pem",
            "--peer-cert", "@bob.pem"}, "no key given"},
    {{"--mode", "dh", "--cert", "@alice.pem", "--key", "@bob-key.pem"},
        "--key and --cert: the private key does not match"},
    {{"--mode", "dh", "--cert", "@nobody.pem", "--key", "@alice-key.pem"},
        "--cert: cannot read certificate file"},
    {{"--mode", "dh", "--cert", "@alice.pem", "--key", "@alice.pem"},
        "--key: "},
    {{"--mode", "dh", "--cert", "@alice.pem", "--key",
            "@alice-key-enc.pem"}, "MIKEY_KEY_PASSPHRASE"},
    {{"--mode", "dh", "--cert", "@alice.pem", "--key", "@alice-key.pem",
            "--tek", TEK30}, "--tek is not used with --mode dh"},
    {{"--mode", "dh", "--cert", "@alice.pem", "--key", "@alice-key.pem",
            "--peer-cert", "@bob.pem"}, "--peer-cert is not used"},
    {{"--mode", "dh", "--cert", "@alice.pem", "--key", "@alice-key.pem",
            "--dh-group", "3"}, "--dh-group: '3'"},
    {{"--mode", "dh", "--cert", "@alice.pem", "--key", "@alice-key.pem",
            "--sign", "dsa"}, "--sign: unknown signature type 'dsa'"},
    {{"--mode", "dhhmac"}, "--mode dhhmac needs the pre-shared key"},
    {{"--mode", "dhhmac", "--psk", PSK, "--sign", "pss"},
        "--sign is not used"},
    {{"--mode", "psk", "--psk", PSK, "--tek", TEK30, "--dh-group", "2"},
        "--dh-group is not used"},
    {{"--mode", "null", "--tek", TEK30, "--cert", "@alice.pem"},
        "--cert is not used"},
    /* negotiation lists */
    {{"--modes", "psk,psk", "--psk", PSK, "--tek", TEK30},
        "--modes: psk is listed twice"},
    {{"--modes", "psk,ike", "--psk", PSK, "--tek", TEK30},
        "--modes: unknown mode 'ike'"},
    {{"--mode", "psk", "--modes", "dhhmac,psk", "--psk", PSK},
        "--mode psk and --modes dhhmac,psk disagree"},
    {{"--modes", "psk,pke", "--psk", PSK, "--tek", TEK30},
        "--mode pke needs our certificate"},
    {{"--mode", "psk", "--psk", PSK, "--tek", TEK30, "--suites",
            "F8_128_HMAC_SHA1_80"}, "none of F8_128_HMAC_SHA1_80"},
    {{"--mode", "psk", "--psk", PSK, "--tek", TEK30, "--suites",
            "AES_CM_128_HMAC_SHA1_80,AES_CM_128_HMAC_SHA1_80"},
        "listed twice"},
    {{"--mode", "psk", "--psk", PSK, "--tek", TEK30, "--suite",
                "AES_CM_128_HMAC_SHA1_80", "--suites",
            "AES_CM_128_HMAC_SHA1_32"}, "disagree"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    const gchar *argv[18] = { tool_path (), "create" };
    guint j;
    Run *r;

    for (j = 0; cases[i].args[j] != NULL; j++) {
      const gchar *a = cases[i].args[j];

      argv[2 + j] = a[0] == '@' ? pki (a + 1) : a;
    }
    r = run_argv (NULL, -1, (gchar **) argv);
    GST_INFO ("case %u: %s", i, r->err);
    assert_error (r, 1, cases[i].expect);
    fail_unless_equals_string (r->out, "");
    run_free (r);
  }
}

GST_END_TEST;

/* Hex may be upper case, with colons or spaces between bytes (pasted from
 * Wireshark or openssl) */
GST_START_TEST (test_create_hex_forms)
{
  gchar *msg;
  Run *r;

  msg = create ("--mode", "null", "--tek",
      "00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F 10 11 12 13 14 15 16 "
      "17 18 19 1A 1B 1C 1D", "--mki", "0xAB", NULL);
  r = run_tool (NULL, "decode", "--format", "caps", msg, NULL);
  assert_ok (r);
  fail_unless (strstr (r->out, "srtp-key=(buffer)" TEK30) != NULL);
  fail_unless (strstr (r->out, "mki=(buffer)ab") != NULL);
  /* no --ssrc: no crypto session map, so no ssrc field */
  fail_unless (strstr (r->out, "ssrc=") == NULL);
  run_free (r);
  g_free (msg);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * decode: input forms
 * ---------------------------------------------------------------------- */

GST_START_TEST (test_decode_input_forms)
{
  gchar *b64 = create ("--mode", "null", "--tek", TEK30, "--ssrc", "9", NULL);
  gchar *prefixed = g_strconcat ("mikey ", b64, NULL);
  gchar *sdp = g_strconcat ("a=key-mgmt:mikey ", b64, "\r\n", NULL);
  gchar *rtsp = g_strconcat ("KeyMgmt: prot=mikey; uri=\"rtsp://cam/s1\"; "
      "data=\"", b64, "\"", NULL);
  gchar *wrapped;
  GString *w = g_string_new ("mikey\n");
  gsize i;
  Run *r;

  for (i = 0; b64[i] != '\0'; i++) {
    g_string_append_c (w, b64[i]);
    if (i % 20 == 19)
      g_string_append_c (w, '\n');
  }
  g_string_append_c (w, '\n');
  wrapped = g_string_free (w, FALSE);

#define CHECK_KEY(run) G_STMT_START { \
    Run *r_ = (run); \
    assert_ok (r_); \
    fail_unless (strstr (r_->out, "srtp-key=(buffer)" TEK30) != NULL, \
        "%s", r_->out); \
    run_free (r_); \
  } G_STMT_END

  /* arguments */
  CHECK_KEY (run_tool (NULL, "decode", "--format", "caps", b64, NULL));
  CHECK_KEY (run_tool (NULL, "decode", "--format", "caps", prefixed, NULL));
  CHECK_KEY (run_tool (NULL, "decode", "--format", "caps", sdp, NULL));
  /* unquoted on a shell command line: split into words */
  CHECK_KEY (run_tool (NULL, "decode", "--format", "caps", "mikey", b64, NULL));
  CHECK_KEY (run_tool (NULL, "decode", "--format", "caps", rtsp, NULL));

  /* standard input, without argument and with "-" */
  CHECK_KEY (run_tool (b64, "decode", "--format", "caps", NULL));
  CHECK_KEY (run_tool (prefixed, "decode", "--format", "caps", "-", NULL));
  CHECK_KEY (run_tool (sdp, "decode", "--format", "caps", NULL));
  CHECK_KEY (run_tool (wrapped, "decode", "--format", "caps", NULL));

#undef CHECK_KEY

  /* empty input */
  r = run_tool ("", "decode", NULL);
  assert_error (r, 1, "no message given");
  run_free (r);
  r = run_tool (NULL, "decode", NULL);
  assert_error (r, 1, "no message given");
  run_free (r);
  r = run_tool (NULL, "decode", "mikey", NULL);
  assert_error (r, 1, "no message given");
  run_free (r);

  g_free (wrapped);
  g_free (rtsp);
  g_free (sdp);
  g_free (prefixed);
  g_free (b64);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * decode: messages from other implementations
 * ---------------------------------------------------------------------- */

GST_START_TEST (test_decode_device_sample)
{
  gchar *msg = read_sample ("device-null-mki.b64");
  gchar *s;
  Run *r;

  r = run_tool (msg, "decode", "--format", "caps", NULL);
  assert_ok (r);
  fail_unless_equals_int (count_lines (r->out), 1);
  fail_unless (strstr (r->out, "ssrc=(uint)1294752287") != NULL, "%s", r->out);
  fail_unless (strstr (r->out, "roc=(uint)0") != NULL);
  fail_unless (strstr (r->out, "srtp-key=(buffer)"
          "e1f97a0d3e018be0d64fa32c06de41390ec675ad498afeebb6960b3aabe6")
      != NULL);
  fail_unless (strstr (r->out, "mki=(buffer)00000001") != NULL);
  fail_unless (strstr (r->out, "srtp-cipher=(string)aes-128-icm") != NULL);
  fail_unless (strstr (r->out, "srtp-auth=(string)hmac-sha1-80") != NULL);
  run_free (r);

  r = run_tool (msg, "decode", NULL);
  assert_ok (r);
  s = json_query (r->out, "d['length'], d['header']['csb_id_hex'], "
      "d['payloads'][0]['time'], d['srtp'][0]['mki']");
  if (s != NULL)
    fail_unless_equals_string (s, "123 0x1a2b3c4d "
        "2024-04-01T23:32:48.489999Z 00000001");
  g_free (s);
  run_free (r);
  g_free (msg);
}

GST_END_TEST;

GST_START_TEST (test_decode_gstreamer_samples)
{
  static const gchar key[] =
      "3d4e710922b58a6c10f3ee41589d07c26613ab942f805ed1397ac4085be6";
  gchar *msg;
  Run *r;

  /* gst-rtsp-server: new_from_caps plus one crypto session */
  msg = read_sample ("gstreamer-rtsp-server.b64");
  r = run_tool (msg, "decode", "--format", "caps", NULL);
  assert_ok (r);
  fail_unless (strstr (r->out, key) != NULL);
  fail_unless (strstr (r->out, "ssrc=(uint)1592594996") != NULL);
  fail_unless (strstr (r->out, "mki=") == NULL);
  run_free (r);
  g_free (msg);

  /* new_from_caps alone, no crypto session in the map */
  msg = read_sample ("gstreamer-no-cs.b64");
  r = run_tool (msg, "decode", "--format", "caps", NULL);
  assert_ok (r);
  fail_unless (strstr (r->out, key) != NULL);
  fail_unless (strstr (r->out, "ssrc=") == NULL);
  run_free (r);
  r = run_tool (msg, "decode", NULL);
  assert_ok (r);
  g_free (json_query (r->out, "d['header']['cs_count']"));
  run_free (r);
  g_free (msg);
}

GST_END_TEST;

GST_START_TEST (test_decode_psk_sample)
{
  gchar *msg = read_sample ("ours-psk.b64");
  Run *r;

  r = run_tool (msg, "decode", "--format", "caps", "--psk",
      "000102030405060708090a0b0c0d0e0f", NULL);
  assert_ok (r);
  fail_unless (strstr (r->out, "srtp-key=(buffer)" TEK30) != NULL);
  fail_unless (strstr (r->out, "mki=(buffer)00000001") != NULL);
  run_free (r);

  r = run_tool (msg, "decode", "--format", "caps", NULL);
  assert_error (r, 3, "pass --psk");
  run_free (r);
  g_free (msg);
}

GST_END_TEST;

/* A message carrying wire text that needs JSON escaping: an ID payload
 * with quotes, a backslash, control characters, and one that is not
 * UTF-8. */
GST_START_TEST (test_json_escaping)
{
  static const guint8 id_text[] = "sip:\"a\\b\"\n\t\x01@x\x7f";
  static const guint8 bad_utf8[] = { 'u', 0xff, 0xfe };
  GByteArray *m = g_byte_array_new ();
  guint8 b[16];
  gchar *b64, *s;
  Run *r;

  /* HDR: v1, PSK init, next T, PRF 0, CSB 1, #CS 0, SRTP-ID */
  static const guint8 hdr[] = { 1, 0, 5, 0, 0, 0, 0, 1, 0, 0 };
  g_byte_array_append (m, hdr, sizeof (hdr));
  /* T: next RAND, NTP-UTC */
  static const guint8 t[] = { 11, 0, 0xe9, 0xb5, 0xc2, 0xa0, 0, 0, 0, 0 };
  g_byte_array_append (m, t, sizeof (t));
  /* RAND: next ID, 16 bytes */
  b[0] = 6;
  b[1] = 16;
  g_byte_array_append (m, b, 2);
  memset (b, 0x5a, 16);
  g_byte_array_append (m, b, 16);
  /* ID (URI): next ID */
  b[0] = 6;
  b[1] = 1;
  b[2] = 0;
  b[3] = sizeof (id_text) - 1;
  g_byte_array_append (m, b, 4);
  g_byte_array_append (m, id_text, sizeof (id_text) - 1);
  /* ID (byte string, not UTF-8): next KEMAC */
  b[0] = 1;
  b[1] = 2;
  b[2] = 0;
  b[3] = sizeof (bad_utf8);
  g_byte_array_append (m, b, 4);
  g_byte_array_append (m, bad_utf8, sizeof (bad_utf8));
  /* KEMAC NULL/NULL with one TEK of 30 bytes */
  b[0] = 0;
  b[1] = 0;
  b[2] = 0;
  b[3] = 34;
  g_byte_array_append (m, b, 4);
  b[0] = 0;
  b[1] = 0x20;
  b[2] = 0;
  b[3] = 30;
  g_byte_array_append (m, b, 4);
  memset (b, 0x11, 15);
  g_byte_array_append (m, b, 15);
  g_byte_array_append (m, b, 15);
  b[0] = 0;
  g_byte_array_append (m, b, 1);

  b64 = g_base64_encode (m->data, m->len);
  r = run_tool (NULL, "decode", b64, NULL);
  assert_ok (r);
  s = json_query (r->out, "repr(d['payloads'][2]['id']), "
      "d['payloads'][3]['id'], d['payloads'][3]['id_hex']");
  if (s != NULL)
    fail_unless_equals_string (s,
        "'sip:\"a\\\\b\"\\n\\t\\x01@x\\x7f' None 75fffe");
  g_free (s);
  run_free (r);

  g_free (b64);
  g_byte_array_unref (m);
}

GST_END_TEST;

static void
blob_fill (MikeyBlob * b, gsize len, guint8 seed)
{
  guint8 buf[256];
  gsize i;

  g_assert (len <= sizeof (buf));
  for (i = 0; i < len; i++)
    buf[i] = (guint8) (seed + i);
  mikey_blob_set (b, buf, len);
}

/* Every payload type in one message (built with the core's codec), so that
 * every branch of the JSON dump runs and yields valid JSON. */
GST_START_TEST (test_json_every_payload)
{
  MikeyMessage *msg = mikey_message_new ();
  MikeyPayload *p, *kd;
  GPtrArray *kds;
  GBytes *bytes;
  GError *err = NULL;
  guint8 *plain;
  gsize plain_len;
  gchar *b64, *s;
  Run *r;

  msg->hdr.version = MIKEY_VERSION;
  msg->hdr.data_type = MIKEY_DT_PK_INIT;
  msg->hdr.csb_id = 0xdeadbeef;
  msg->hdr.map_type = MIKEY_MAP_SRTP_ID;
  mikey_message_add_cs_srtp (msg, 0, 0x11111111, 1);
  mikey_message_add_cs_srtp (msg, 0, 0x22222222, 2);

  p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_T));
  p->u.t.ts_type = MIKEY_TS_COUNTER;
  p->u.t.value = 42;
  p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_T));
  p->u.t.ts_type = MIKEY_TS_NTP;
  p->u.t.value = G_GUINT64_CONSTANT (0xe9b5c2a07d70a3d7);
  p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_RAND));
  blob_fill (&p->u.rand.rand, 16, 1);
  p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_ID));
  p->u.id.id_type = MIKEY_ID_URI;
  mikey_blob_set (&p->u.id.data, (const guint8 *) "sip:alice@example.org", 21);
  p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_CERT));
  p->u.cert.cert_type = MIKEY_CERT_X509V3_URL;
  mikey_blob_set (&p->u.cert.data, (const guint8 *) "https://ca/c.der", 16);
  p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_CERT));
  p->u.cert.cert_type = MIKEY_CERT_X509V3;
  blob_fill (&p->u.cert.data, 40, 2);
  p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_CHASH));
  p->u.chash.hash_func = MIKEY_HASH_SHA1;
  blob_fill (&p->u.chash.hash, 20, 3);
  p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_SP));
  p->u.sp.policy_no = 0;
  p->u.sp.proto = MIKEY_PROTO_SRTP;
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_ENC_ALG, MIKEY_SRTP_ENC_AES_CM);
  mikey_sp_add_param_u8 (p, MIKEY_SP_SRTP_FEC_ORDER, 0);
  mikey_sp_add_param (p, MIKEY_SP_SRTP_KEY_DERIV_RATE,
      (const guint8 *) "\0\0\1\0", 4);
  mikey_sp_add_param (p, 99, (const guint8 *) "\1\2\3\4\5\6", 6);
  p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_SP));
  p->u.sp.policy_no = 1;
  p->u.sp.proto = 7;
  p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_PKE));
  p->u.pke.cache = MIKEY_CACHE_FOR_CSB;
  blob_fill (&p->u.pke.data, 64, 4);
  p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_DH));
  p->u.dh.group = MIKEY_DH_GROUP_OAKLEY1;
  blob_fill (&p->u.dh.value, mikey_dh_value_len (MIKEY_DH_GROUP_OAKLEY1), 5);
  p->u.dh.kv_type = MIKEY_KV_SPI;
  blob_fill (&p->u.dh.kv_spi, 4, 6);
  p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_GEN_EXT));
  p->u.gen_ext.ext_type = MIKEY_EXT_SDP_IDS;
  mikey_blob_set (&p->u.gen_ext.data, (const guint8 *) "1 2", 3);
  p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_ERR));
  p->u.err.err_no = MIKEY_ERR_INVALID_SP;
  p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_V));
  p->u.v.mac_alg = MIKEY_MAC_HMAC_SHA1_160;
  blob_fill (&p->u.v.mac, 20, 7);

  /* KEMAC: in the clear, a TGK+SALT with an interval and a TEK with MKI */
  kds = g_ptr_array_new_with_free_func ((GDestroyNotify) mikey_payload_free);
  kd = mikey_payload_new (MIKEY_PT_KEY_DATA);
  kd->u.key_data.type = MIKEY_KD_TGK_SALT;
  kd->u.key_data.kv_type = MIKEY_KV_INTERVAL;
  blob_fill (&kd->u.key_data.key, 16, 8);
  blob_fill (&kd->u.key_data.salt, 14, 9);
  blob_fill (&kd->u.key_data.kv_from, 8, 10);
  blob_fill (&kd->u.key_data.kv_to, 8, 11);
  g_ptr_array_add (kds, kd);
  kd = mikey_payload_new (MIKEY_PT_KEY_DATA);
  kd->u.key_data.type = MIKEY_KD_TEK;
  kd->u.key_data.kv_type = MIKEY_KV_SPI;
  blob_fill (&kd->u.key_data.key, 30, 12);
  blob_fill (&kd->u.key_data.kv_spi, 2, 13);
  g_ptr_array_add (kds, kd);
  plain = mikey_key_data_serialize_list (kds, &plain_len, &err);
  fail_unless (plain != NULL, "%s", err ? err->message : "");
  p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_KEMAC));
  p->u.kemac.enc_alg = MIKEY_ENC_NULL;
  p->u.kemac.mac_alg = MIKEY_MAC_NULL;
  mikey_blob_set (&p->u.kemac.enc_data, plain, plain_len);
  mikey_secure_free (plain, plain_len);
  g_ptr_array_unref (kds);

  /* SIGN has no next payload field: always last */
  p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_SIGN));
  p->u.sign.sign_type = MIKEY_SIGN_RSA_PSS;
  blob_fill (&p->u.sign.signature, 128, 14);

  bytes = mikey_message_serialize (msg, &err);
  fail_unless (bytes != NULL, "%s", err ? err->message : "");
  b64 = g_base64_encode (g_bytes_get_data (bytes, NULL),
      g_bytes_get_size (bytes));

  r = run_tool (NULL, "decode", b64, NULL);
  fail_if (r->signaled);
  fail_if (r->out[0] == '\0', "no JSON: %s", r->err);
  s = json_query (r->out, "' '.join(p['type']['name'] for p in "
      "d['payloads']), d['header']['data_type']['name'], "
      "len(d['header']['cs_map']), d['payloads'][0]['value'], "
      "[p for p in d['payloads'] if p['type']['value'] == 1][0]"
      "['key_data'][0]['valid_to'], "
      "[p for p in d['payloads'] if p['type']['value'] == 10][0]"
      "['params'][0]['type']['name']");
  if (s != NULL)
    fail_unless_equals_string (s, "T T RAND ID CERT CERT CHASH SP SP PKE DH "
        "general extension ERR V KEMAC SIGN PK init 2 42 "
        "0b0c0d0e0f101112 Encryption algorithm");
  g_free (s);
  run_free (r);

  g_free (b64);
  g_bytes_unref (bytes);
  mikey_message_free (msg);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * decode: broken input is refused cleanly
 * ---------------------------------------------------------------------- */

static guint8 *
b64_decode (const gchar * b64, gsize * len)
{
  return g_base64_decode (b64, len);
}

/* Every proper prefix of the message is refused with exit 2 (1 for the
 * empty one) and one line naming what is missing where. */
static void
check_truncations (const gchar * b64, const gchar * psk)
{
  gsize len, n;
  guint8 *raw = b64_decode (b64, &len);

  for (n = 1; n < len; n++) {
    gchar *t = g_base64_encode (raw, n);
    Run *r = psk ? run_tool (NULL, "decode", "--psk", psk, t, NULL) :
        run_tool (NULL, "decode", t, NULL);

    assert_error (r, 2, NULL);
    fail_unless (strstr (r->err, "offset") != NULL ||
        strstr (r->err, "truncated") != NULL ||
        strstr (r->err, "missing") != NULL, "prefix of %" G_GSIZE_FORMAT
        " bytes: vague error '%s'", n, r->err);
    fail_unless_equals_string (r->out, "");
    run_free (r);
    g_free (t);
  }
  g_free (raw);
}

GST_START_TEST (test_truncated)
{
  gchar *device = read_sample ("device-null-mki.b64");
  gchar *gst = read_sample ("gstreamer-rtsp-server.b64");
  gchar *psk = create ("--mode", "psk", "--psk", PSK, "--tek", TEK30,
      "--ssrc", "5", "--mki", "77", NULL);

  check_truncations (device, NULL);
  check_truncations (gst, NULL);
  check_truncations (psk, PSK);

  /* the example the spec gives: a length running past the end */
  {
    gsize len;
    guint8 *raw = b64_decode (device, &len);
    gchar *t;
    Run *r;

    /* KEMAC at offset 79 (after HDR 19, T 10, RAND 18, SP 32): encrypted
     * data length 39 -> 300 */
    fail_unless_equals_int (raw[79 + 1], 0);
    fail_unless_equals_int (raw[79 + 3], 39);
    raw[79 + 2] = 300 >> 8;
    raw[79 + 3] = 300 & 0xff;
    t = g_base64_encode (raw, len);
    r = run_tool (NULL, "decode", "--format", "caps", t, NULL);
    assert_error (r, 2, "KEMAC");
    fail_unless (strstr (r->err, "offset 79") != NULL, "%s", r->err);
    fail_unless (strstr (r->err, "300") != NULL, "%s", r->err);
    run_free (r);
    g_free (t);
    g_free (raw);
  }

  g_free (psk);
  g_free (gst);
  g_free (device);
}

GST_END_TEST;

/* Random byte changes: never a crash or a hang, always a clean verdict;
 * with @must_fail (a MAC or signature covers the message), never
 * accepted. @args: the decode options. */
static void
check_mutations_argv (const gchar * b64, const gchar ** args,
    gboolean must_fail, guint n, guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  gsize len;
  guint8 *raw = b64_decode (b64, &len);
  guint i, k;

  for (i = 0; i < n; i++) {
    guint8 *m = g_memdup2 (raw, len);
    guint n_changes = g_rand_int_range (rand, 1, 4);
    const gchar *argv[16] = { tool_path (), "decode", "--format", "caps" };
    gchar *t;
    Run *r;

    for (k = 0; k < n_changes; k++)
      m[g_rand_int_range (rand, 0, len)] ^= g_rand_int_range (rand, 1, 256);
    t = g_base64_encode (m, len);
    for (k = 0; args[k] != NULL; k++)
      argv[4 + k] = args[k];
    argv[4 + k] = t;
    r = run_argv (NULL, -1, (gchar **) argv);

    fail_if (r->signaled, "crash on %s", t);
    fail_if (must_fail && r->exit_code == 0, "altered protected message "
        "accepted: %s", t);
    if (r->exit_code != 0) {
      fail_unless (r->exit_code == 2 || r->exit_code == 3, "exit %d on %s",
          r->exit_code, t);
      assert_error (r, r->exit_code, NULL);
    }
    run_free (r);
    g_free (t);
    g_free (m);
  }
  g_free (raw);
  g_rand_free (rand);
}

static void
check_mutations (const gchar * b64, const gchar * psk, guint n, guint32 seed)
{
  const gchar *with_psk[] = { "--psk", psk, NULL };
  const gchar *none[] = { NULL };

  /* everything but the MAC is covered by the MAC, and a changed MAC does
   * not match */
  check_mutations_argv (b64, psk ? with_psk : none, psk != NULL, n, seed);
}

GST_START_TEST (test_mutated)
{
  gchar *device = read_sample ("device-null-mki.b64");
  gchar *psk = create ("--mode", "psk", "--psk", PSK, "--tgk",
      "000102030405060708090a0b0c0d0e0f", "--ssrc", "5", "--ssrc", "6", NULL);

  check_mutations (device, NULL, 150, 1);
  check_mutations (psk, PSK, 150, 2);
  check_mutations (psk, NULL, 50, 3);

  /* signed messages: the signature covers all but itself */
  {
    gchar *pke = create_pke ("pss");
    gchar *dh = create ("--mode", "dh", "--cert", pki ("bob-chain.pem"),
        "--key", pki ("bob-key.pem"), "--mki", "77", NULL);
    gchar *dhhmac = create ("--mode", "dhhmac", "--psk", PSK, NULL);
    const gchar *pke_args[] = { "--key", pki ("bob-key.pem"), "--ca-file",
      pki ("root-ca.pem"), NULL
    };
    const gchar *dh_args[] = { "--format", "json", "--ca-file",
      pki ("root-ca.pem"), NULL
    };
    const gchar *dhhmac_args[] = { "--format", "json", "--psk", PSK, NULL };

    check_mutations_argv (pke, pke_args, TRUE, 60, 4);
    check_mutations_argv (dh, dh_args, TRUE, 60, 5);
    check_mutations_argv (dhhmac, dhhmac_args, TRUE, 60, 6);
    g_free (dhhmac);
    g_free (dh);
    g_free (pke);
  }

  g_free (psk);
  g_free (device);
}

GST_END_TEST;

GST_START_TEST (test_junk)
{
  static const gchar *junk[] = {
    "!!!!", "hello world", "AAAA", "AQ==", "mikey ====", "a=key-mgmt:mikey",
    "mikey AQAFAAAAAAAAAA", "data=\"AQAA", "\xff\xfe\x01",
  };
  gchar big_binary[64];
  GString *huge;
  guint i;
  Run *r;

  for (i = 0; i < G_N_ELEMENTS (junk); i++) {
    r = run_tool (NULL, "decode", junk[i], NULL);
    fail_if (r->signaled);
    fail_unless (r->exit_code == 1 || r->exit_code == 2, "exit %d on '%s'",
        r->exit_code, junk[i]);
    assert_error (r, r->exit_code, NULL);
    run_free (r);
  }

  /* binary on standard input */
  for (i = 0; i < sizeof (big_binary); i++)
    big_binary[i] = (gchar) (i * 37);
  {
    gchar *argv[] = { (gchar *) tool_path (), (gchar *) "decode", NULL };

    r = run_argv (big_binary, sizeof (big_binary), argv);
    fail_if (r->signaled);
    fail_unless (r->exit_code == 1 || r->exit_code == 2);
    assert_error (r, r->exit_code, NULL);
    run_free (r);
  }

  /* more than 1 MiB on standard input is refused, not slurped */
  huge = g_string_new ("mikey ");
  while (huge->len < 2 * 1024 * 1024)
    g_string_append (huge, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  r = run_tool (huge->str, "decode", NULL);
  assert_error (r, 1, "1 MiB");
  run_free (r);
  g_string_free (huge, TRUE);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * Public-key, Diffie-Hellman and DHHMAC messages
 * ---------------------------------------------------------------------- */

#define ALICE "CN=alice, O=MIKEY Test"
#define BOB "CN=bob.example.org, O=MIKEY Test"

/* "decode OPTIONS... MESSAGE" as JSON; checks the exit code (and, when
 * not 0, that stderr holds @expect) and returns what the Python @expr
 * gives over the document, or NULL without python3. */
static gchar *
decode_json (const gchar * msg, gint code, const gchar * expect,
    const gchar * expr, ...)
{
  GPtrArray *argv = g_ptr_array_new ();
  const gchar *arg;
  gchar *s;
  va_list ap;
  Run *r;

  g_ptr_array_add (argv, (gpointer) tool_path ());
  g_ptr_array_add (argv, (gpointer) "decode");
  va_start (ap, expr);
  while ((arg = va_arg (ap, const gchar *)) != NULL)
      g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, (gpointer) msg);
  g_ptr_array_add (argv, NULL);
  r = run_argv (NULL, -1, (gchar **) argv->pdata);
  g_ptr_array_free (argv, TRUE);

  if (code == 0)
    assert_ok (r);
  else
    assert_error (r, code, expect);
  fail_if (r->out[0] == '\0', "no JSON; stderr: %s", r->err);
  s = json_query (r->out, expr);
  run_free (r);
  return s;
}

#define CHECK_JSON(s, expect) G_STMT_START { \
    gchar *s_ = (s); \
    if (s_ != NULL) \
      fail_unless_equals_string (s_, (expect)); \
    g_free (s_); \
  } G_STMT_END

/* "decode --format caps OPTIONS... MESSAGE": exit code, stdout */
static Run *
decode_caps (const gchar * msg, ...)
{
  GPtrArray *argv = g_ptr_array_new ();
  const gchar *arg;
  va_list ap;
  Run *r;

  g_ptr_array_add (argv, (gpointer) tool_path ());
  g_ptr_array_add (argv, (gpointer) "decode");
  g_ptr_array_add (argv, (gpointer) "--format");
  g_ptr_array_add (argv, (gpointer) "caps");
  va_start (ap, msg);
  while ((arg = va_arg (ap, const gchar *)) != NULL)
      g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, (gpointer) msg);
  g_ptr_array_add (argv, NULL);
  r = run_argv (NULL, -1, (gchar **) argv->pdata);
  g_ptr_array_free (argv, TRUE);
  return r;
}

/* @b64 with one byte changed: the byte @back bytes before the end of
 * payload @type (the @nth one) XORed with 0x01 */
static gchar *
tamper (const gchar * b64, MikeyPayloadType type, guint nth, guint back)
{
  gsize len;
  guint8 *raw = g_base64_decode (b64, &len);
  MikeyMessage *msg = mikey_message_parse (raw, len, NULL);
  guint idx = 0, i;
  gssize end;
  gchar *out;

  fail_unless (msg != NULL);
  for (i = 0; i <= nth; i++, idx++)
    fail_unless (mikey_message_find (msg, type, &idx) != NULL);
  end = mikey_payload_end_offset (msg, idx - 1, NULL);
  fail_unless (end > 0 && (gsize) end <= len);
  fail_unless ((gsize) end > back);
  raw[end - 1 - back] ^= 0x01;
  out = g_base64_encode (raw, len);
  mikey_message_free (msg);
  g_free (raw);
  return out;
}

/* SHA-1 of a certificate file's first certificate, in hex: what CHASH
 * and the JSON's "sha1" hold */
static gchar *
cert_sha1 (const gchar * path)
{
  GPtrArray *certs = mikey_cert_load_pem_file (path, NULL);
  guint8 hash[MIKEY_CHASH_MAX_LEN];
  gsize len = 0;
  GString *hex = g_string_new (NULL);
  gsize i;

  fail_unless (certs != NULL);
  fail_unless (mikey_cert_hash (MIKEY_HASH_SHA1, g_ptr_array_index (certs,
              0), hash, &len, NULL));
  for (i = 0; i < len; i++)
    g_string_append_printf (hex, "%02x", hash[i]);
  g_ptr_array_unref (certs);
  return g_string_free (hex, FALSE);
}

static gchar *
create_pke (const gchar * sign)
{
  return create ("--mode", "pke", "--cert", pki ("alice.pem"), "--key",
      pki ("alice-key.pem"), "--peer-cert", pki ("bob.pem"), "--id",
      "sip:alice@example.org", "--peer-id", "sip:bob@example.org", "--sign",
      sign, "--tek", TEK30, "--ssrc", "0x1234", "--mki", "0a0b", NULL);
}

GST_START_TEST (test_pke_round_trip)
{
  gchar *msg = create_pke ("pkcs1"), *pss = create_pke ("pss");
  gchar *bob_sha1 = cert_sha1 (pki ("bob.pem"));
  gchar *alice_sha1 = cert_sha1 (pki ("alice.pem"));
  gchar *expect, *bad, *ca_dir, *ca_copy, *root;
  Run *r;

  /* nothing given: the structure, and what to pass */
  expect = g_strdup_printf ("pke None ['T', 'RAND', 'ID', 'CERT', 'ID', "
      "'SP', 'KEMAC', 'CHASH', 'PKE', 'SIGN'] " ALICE " CN=MIKEY Test Root "
      "CA, O=MIKEY Test valid ['URI:sip:alice@example.org'] %s %s "
      "RSA/PKCS#1/1.5 not checked (pass --peer-cert FILE or --ca-file FILE)",
      alice_sha1, bob_sha1);
  CHECK_JSON (decode_json (msg, 3, "--key FILE", "d['mode'], d['srtp'], "
          "[p['type']['name'] for p in d['payloads']], "
          "d['payloads'][3]['certificate']['subject'], "
          "d['payloads'][3]['certificate']['issuer'], "
          "d['payloads'][3]['certificate']['validity_now'], "
          "d['payloads'][3]['certificate']['alt_names'], "
          "d['payloads'][3]['certificate']['sha1'], "
          "d['payloads'][7]['hash'], d['payloads'][9]['sign_type']['name'], "
          "d['signature']", NULL), expect);
  g_free (expect);

  /* bob's key opens it, alice's certificate verifies it: the TEK given to
   * create comes back, as caps */
  r = decode_caps (msg, "--key", pki ("bob-key.pem"), "--peer-cert",
      pki ("alice.pem"), NULL);
  assert_ok (r);
  fail_unless_equals_int (count_lines (r->out), 1);
  fail_unless (strstr (r->out, "srtp-key=(buffer)" TEK30) != NULL, "%s",
      r->out);
  fail_unless (strstr (r->out, "mki=(buffer)0a0b") != NULL);
  fail_unless (strstr (r->out, "ssrc=(uint)4660") != NULL);
  run_free (r);

  /* the same through the CA (alice's certificate travels in the message),
   * as JSON, with RSA-PSS */
  CHECK_JSON (decode_json (pss, 0, NULL, "d['signature'], "
          "d['payloads'][9]['sign_type']['name'], "
          "d['payloads'][9]['signer_identity'], "
          "d['payloads'][6]['status'].startswith('decrypted'), "
          "d['payloads'][6]['key_data'][0]['key'], d['payloads'][8]['status'], "
          "d['srtp'][0]['srtp_key']", "--key", pki ("bob-key.pem"),
          "--ca-file", pki ("root-ca.pem"), NULL),
      "verified (" ALICE ") RSA/PSS sip:alice@example.org True " TEK30
      " envelope key decrypted with --key " TEK30);

  /* --ca-file takes a directory too */
  ca_dir = g_build_filename (tmp_dir, "ca", NULL);
  fail_unless (g_mkdir (ca_dir, 0700) == 0);
  ca_copy = g_build_filename (ca_dir, "root.pem", NULL);
  fail_unless (g_file_get_contents (pki ("root-ca.pem"), &root, NULL, NULL));
  fail_unless (g_file_set_contents (ca_copy, root, -1, NULL));
  r = decode_caps (msg, "--key", pki ("bob-key.pem"), "--ca-file", ca_dir,
      NULL);
  assert_ok (r);
  run_free (r);
  g_unlink (ca_copy);
  g_rmdir (ca_dir);
  g_free (root);
  g_free (ca_copy);
  g_free (ca_dir);

  /* --peer-cert and --ca-file together: both are checked */
  r = decode_caps (msg, "--key", pki ("bob-key.pem"), "--peer-cert",
      pki ("alice.pem"), "--ca-file", pki ("root-ca.pem"), NULL);
  assert_ok (r);
  run_free (r);
  r = decode_caps (msg, "--key", pki ("bob-key.pem"), "--peer-cert",
      pki ("alice.pem"), "--ca-file", pki ("evil-ca.pem"), NULL);
  assert_error (r, 3, "not trusted");
  run_free (r);

  /* the wrong certificate, an untrusted CA, the wrong key */
  r = decode_caps (msg, "--key", pki ("bob-key.pem"), "--peer-cert",
      pki ("mallory.pem"), NULL);
  assert_error (r, 3, "signature check failed: the message carries the "
      "certificate \"" ALICE "\", not the one given with --peer-cert");
  fail_unless_equals_string (r->out, "");
  run_free (r);
  r = decode_caps (msg, "--key", pki ("bob-key.pem"), "--ca-file",
      pki ("evil-ca.pem"), NULL);
  assert_error (r, 3, "not trusted");
  run_free (r);
  r = decode_caps (msg, "--key", pki ("alice-key.pem"), "--peer-cert",
      pki ("alice.pem"), NULL);
  assert_error (r, 3, "envelope key (PKE payload) does not decrypt");
  fail_unless_equals_string (r->out, "");
  run_free (r);

  /* half the material: JSON shows what could be had, the exit says what
   * is missing */
  CHECK_JSON (decode_json (msg, 3, "signature was not checked",
          "d['srtp'][0]['srtp_key'], d['signature']", "--key",
          pki ("bob-key.pem"), NULL), TEK30 " not checked (pass "
      "--peer-cert FILE or --ca-file FILE)");
  r = decode_caps (msg, "--peer-cert", pki ("alice.pem"), NULL);
  assert_error (r, 3, "--key FILE");
  fail_unless_equals_string (r->out, "");
  run_free (r);
  r = decode_caps (msg, "--psk", PSK, "--key", pki ("bob-key.pem"),
      "--peer-cert", pki ("alice.pem"), NULL);
  assert_error (r, 3, "--psk does not open a public-key (PKE) message");
  run_free (r);

  /* altered: a RAND byte (covered by the signature and the KEMAC MAC),
   * then a byte of the signature itself */
  bad = tamper (msg, MIKEY_PT_RAND, 0, 0);
  r = decode_caps (bad, "--key", pki ("bob-key.pem"), "--peer-cert",
      pki ("alice.pem"), NULL);
  assert_error (r, 3, "signature check failed: signature mismatch");
  fail_unless_equals_string (r->out, "");
  run_free (r);
  g_free (bad);
  bad = tamper (msg, MIKEY_PT_SIGN, 0, 0);
  CHECK_JSON (decode_json (bad, 3, "signature mismatch", "d['signature'], "
          "d['payloads'][9]['error'].startswith('signature check failed')",
          "--key", pki ("bob-key.pem"), "--ca-file", pki ("root-ca.pem"),
          NULL), "failed True");
  g_free (bad);

  g_free (alice_sha1);
  g_free (bob_sha1);
  g_free (pss);
  g_free (msg);
}

GST_END_TEST;

GST_START_TEST (test_dh_round_trip)
{
  static const struct
  {
    const gchar *group;
    const gchar *name;
    const gchar *len;
  } groups[] = {
    {"1", "OAKLEY 1 768", "96"},
    {"2", "OAKLEY 2 1024", "128"},
    {"5", "OAKLEY 5 1536", "192"},
  };
  gchar *msg, *bad, *expect;
  guint i;
  Run *r;

  /* bob signs with his chain (leaf, intermediate CA) */
  msg = create ("--mode", "dh", "--cert", pki ("bob-chain.pem"), "--key",
      pki ("bob-key.pem"), "--id", "sip:bob@example.org", "--sign", "pss",
      "--dh-group", "2", "--ssrc", "5", "--mki", "cafe", NULL);

  CHECK_JSON (decode_json (msg, 0, NULL, "d['mode'], d['signature'], "
          "[p['type']['name'] for p in d['payloads']], "
          "d['payloads'][3]['certificate']['ca'], "
          "d['payloads'][4]['certificate']['ca'], "
          "d['payloads'][4]['certificate']['subject'], "
          "d['payloads'][6]['group']['name'], d['payloads'][6]['group_bits'], "
          "d['payloads'][6]['value_len'], d['payloads'][6]['value_check'], "
          "d['payloads'][6]['spi'], d['payloads'][7]['sign_type']['name'], "
          "d['srtp'], 'perfect forward secrecy' in d['srtp_error']",
          "--ca-file", pki ("root-ca.pem"), NULL),
      "dh verified (" BOB ") ['T', 'RAND', 'ID', 'CERT', 'CERT', 'SP', 'DH', "
      "'SIGN'] False True CN=MIKEY Test Intermediate CA, O=MIKEY Test "
      "OAKLEY 2 1024 128 valid cafe RSA/PSS None True");

  /* pinned certificate: bob's leaf, as a file of its own */
  CHECK_JSON (decode_json (msg, 0, NULL, "d['signature']", "--peer-cert",
          pki ("bob.pem"), NULL), "verified (" BOB ")");

  /* DH messages carry no keys: no caps, and says why */
  r = decode_caps (msg, "--ca-file", pki ("root-ca.pem"), NULL);
  assert_error (r, 2, "holds no SRTP keys");
  fail_unless (strstr (r->err, "perfect forward secrecy") != NULL);
  fail_unless_equals_string (r->out, "");
  run_free (r);

  /* unchecked, wrong certificate, useless --psk */
  r = run_tool (NULL, "decode", msg, NULL);
  assert_error (r, 3, "signature was not checked: pass --ca-file FILE");
  run_free (r);
  r = run_tool (NULL, "decode", "--peer-cert", pki ("mallory.pem"), msg, NULL);
  assert_error (r, 3, "signature check failed");
  run_free (r);
  r = run_tool (NULL, "decode", "--psk", PSK, "--ca-file",
      pki ("root-ca.pem"), msg, NULL);
  assert_error (r, 3, "nothing to verify with --psk");
  run_free (r);
  r = run_tool (NULL, "decode", "--key", pki ("bob-key.pem"), "--ca-file",
      pki ("root-ca.pem"), msg, NULL);
  assert_error (r, 3, "nothing to open with it");
  run_free (r);

  /* a changed DH value breaks the signature (its last byte is followed by
   * the KV byte and the 3 bytes of the SPI "cafe") */
  bad = tamper (msg, MIKEY_PT_DH, 0, 4);
  r = run_tool (NULL, "decode", "--ca-file", pki ("root-ca.pem"), bad, NULL);
  assert_error (r, 3, "signature check failed: signature mismatch");
  run_free (r);
  g_free (bad);
  g_free (msg);

  /* untrusted, expired, someone else's identity */
  msg = create ("--mode", "dh", "--cert", pki ("mallory.pem"), "--key",
      pki ("mallory-key.pem"), NULL);
  r = run_tool (NULL, "decode", "--ca-file", pki ("root-ca.pem"), msg, NULL);
  assert_error (r, 3, "\"CN=mallory, O=Not MIKEY Test\" is not trusted");
  run_free (r);
  g_free (msg);
  msg = create ("--mode", "dh", "--cert", pki ("dave.pem"), "--key",
      pki ("dave-key.pem"), NULL);
  CHECK_JSON (decode_json (msg, 3, "expired on 2021-01-01",
          "d['payloads'][2]['certificate']['validity_now'], "
          "d['signature']", "--ca-file", pki ("root-ca.pem"), NULL),
      "expired failed");
  g_free (msg);
  msg = create ("--mode", "dh", "--cert", pki ("alice.pem"), "--key",
      pki ("alice-key.pem"), "--id", "sip:eve@example.org", NULL);
  r = run_tool (NULL, "decode", "--ca-file", pki ("root-ca.pem"), msg, NULL);
  assert_error (r, 3, "mismatched identity");
  run_free (r);
  g_free (msg);

  /* every group, default PKCS#1 v1.5, no MKI */
  for (i = 0; i < G_N_ELEMENTS (groups); i++) {
    msg = create ("--mode", "dh", "--cert", pki ("alice.pem"), "--key",
        pki ("alice-key.pem"), "--dh-group", groups[i].group, NULL);
    expect = g_strdup_printf ("%s %s valid NULL RSA/PKCS#1/1.5",
        groups[i].name, groups[i].len);
    CHECK_JSON (decode_json (msg, 0, NULL, "d['payloads'][4]['group']"
            "['name'], d['payloads'][4]['group_bits'], "
            "d['payloads'][4]['value_len'], d['payloads'][4]['value_check'], "
            "d['payloads'][4]['kv_type']['name'], "
            "d['payloads'][5]['sign_type']['name']", "--peer-cert",
            pki ("alice.pem"), NULL), expect);
    g_free (expect);
    g_free (msg);
  }
}

GST_END_TEST;

/* --crl-file: a CA made here issues alice a certificate, then revokes it */
GST_START_TEST (test_crl_file)
{
  static const glong revoked[] = { 7 };
  MikeyTestCa *ca = mikey_test_ca_new (pki ("carol-key.pem"), "CRL Test CA",
      tmp_dir);
  gchar *leaf = mikey_test_ca_issue (ca, pki ("alice-key.pem"), "alice-crl",
      "sip:alice@example.org", 7);
  gchar *crl = mikey_test_ca_crl (ca, "revoked.pem", revoked, 1,
      "20460101000000Z");
  gchar *clean = mikey_test_ca_crl (ca, "clean.pem", NULL, 0,
      "20460101000000Z");
  gchar *msg = create ("--mode", "dh", "--cert", leaf, "--key",
      pki ("alice-key.pem"), "--id", "sip:alice@example.org", NULL);
  gchar *root_msg;
  Run *r;

  r = run_tool (NULL, "decode", "--ca-file", mikey_test_ca_cert_path (ca),
      "--crl-file", clean, msg, NULL);
  assert_ok (r);
  run_free (r);
  r = run_tool (NULL, "decode", "--ca-file", mikey_test_ca_cert_path (ca),
      "--crl-file", crl, msg, NULL);
  assert_error (r, 3, "signature check failed: certificate \"CN=alice-crl\" "
      "has been revoked (listed in the CRL of \"CN=CRL Test CA\")");
  run_free (r);
  /* alice's usual certificate comes from a CA without a CRL here */
  root_msg = create ("--mode", "dh", "--cert", pki ("alice.pem"), "--key",
      pki ("alice-key.pem"), "--id", "sip:alice@example.org", NULL);
  r = run_tool (NULL, "decode", "--ca-file", pki ("root-ca.pem"),
      "--crl-file", crl, root_msg, NULL);
  assert_error (r, 3, "cannot be checked for revocation: no CRL of its "
      "issuer \"CN=MIKEY Test Root CA, O=MIKEY Test\" was loaded");
  run_free (r);
  g_free (root_msg);
  r = run_tool (NULL, "decode", "--crl-file", crl, msg, NULL);
  assert_error (r, 1, "--crl-file needs --ca-file");
  run_free (r);
  r = run_tool (NULL, "decode", "--ca-file", pki ("root-ca.pem"),
      "--crl-file", pki ("alice.pem"), msg, NULL);
  assert_error (r, 1, "--crl-file: ");
  run_free (r);

  mikey_test_ca_free (ca);
  g_free (msg);
  g_free (leaf);
  g_free (crl);
  g_free (clean);
}

GST_END_TEST;

GST_START_TEST (test_dhhmac_round_trip)
{
  gchar *msg = create ("--mode", "dhhmac", "--psk", PSK, "--id",
      "sip:alice@example.org", "--ssrc", "7", "--dh-group", "1", NULL);
  gchar *bad;
  Run *r;

  CHECK_JSON (decode_json (msg, 0, NULL, "d['mode'], d['signature'], "
          "[p['type']['name'] for p in d['payloads']], "
          "d['payloads'][4]['group']['name'], "
          "d['payloads'][5]['status'].startswith('MAC verified'), "
          "d['payloads'][5]['key_data']", "--psk", PSK, NULL),
      "dhhmac None ['T', 'RAND', 'ID', 'SP', 'DH', 'KEMAC'] OAKLEY 1 True "
      "None");

  r = run_tool (NULL, "decode", "--psk", WRONG_PSK, msg, NULL);
  assert_error (r, 3, "MAC mismatch");
  run_free (r);
  r = run_tool (NULL, "decode", msg, NULL);
  assert_error (r, 3, "pass --psk HEX");
  run_free (r);
  r = decode_caps (msg, "--psk", PSK, NULL);
  assert_error (r, 2, "holds no SRTP keys");
  fail_unless_equals_string (r->out, "");
  run_free (r);
  r = run_tool (NULL, "decode", "--psk", PSK, "--peer-cert",
      pki ("alice.pem"), msg, NULL);
  assert_error (r, 3, "is not signed: nothing to verify with --peer-cert");
  run_free (r);

  /* the MAC covers the DH value (its last byte is before the KV byte) */
  bad = tamper (msg, MIKEY_PT_DH, 0, 1);
  r = run_tool (NULL, "decode", "--psk", PSK, bad, NULL);
  assert_error (r, 3, "MAC mismatch");
  run_free (r);
  g_free (bad);
  g_free (msg);
}

GST_END_TEST;

/* Negotiation lists travel in the capabilities extension; the message
 * uses the first mode and the first suite srtpenc can run */
GST_START_TEST (test_create_capabilities)
{
  gchar *msg = create ("--modes", "psk,dhhmac,null", "--psk", PSK,
      "--suites", "F8_128_HMAC_SHA1_80,AES_CM_128_HMAC_SHA1_32,"
      "AES_CM_128_HMAC_SHA1_80", "--tek", TEK30, NULL);

#define CAPS "[p for p in d['payloads'] if p['type']['name'] == " \
    "'general extension'][0]['capabilities']"
  CHECK_JSON (decode_json (msg, 0, NULL, "d['mode'], "
          "[p for p in d['payloads'] if p['type']['name'] == 'SP'][0]"
          "['suite'], " CAPS "['version'], [m['name'] for m in " CAPS
          "['modes']], [s['name'] for s in " CAPS "['suites']], " CAPS
          "['choice'], d['srtp'][0]['suite']", "--psk", PSK, NULL),
      "psk AES_CM_128_HMAC_SHA1_32 1 ['psk', 'dhhmac', 'null'] "
      "['F8_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32', "
      "'AES_CM_128_HMAC_SHA1_80'] None AES_CM_128_HMAC_SHA1_32");
#undef CAPS
  g_free (msg);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * Answers: made by the core's responder, decoded by the tool
 * ---------------------------------------------------------------------- */

typedef struct
{
  MikeyKey *key;
  GPtrArray *certs;
} Party;

static Party
party (const gchar * cert, const gchar * key)
{
  Party p;

  p.certs = mikey_cert_load_pem_file (pki (cert), NULL);
  p.key = mikey_key_load_pem_file (pki (key), NULL, NULL);
  fail_unless (p.certs != NULL && p.key != NULL);
  return p;
}

static void
party_clear (Party * p)
{
  g_ptr_array_unref (p->certs);
  mikey_key_unref (p->key);
}

/* The responder's first answer to @icfg's initiation message, in base64 */
static gchar *
answer (const MikeyInitiatorConfig * icfg, const MikeyResponderConfig * rcfg)
{
  gint64 now = g_get_real_time ();
  MikeyInitiator *init;
  MikeyResponder *resp;
  GBytes *msg, *reply = NULL;
  GError *err = NULL;
  gchar *b64;

  init = mikey_initiator_new (icfg, &err);
  fail_unless (init != NULL, "%s", err ? err->message : "");
  resp = mikey_responder_new (rcfg, &err);
  fail_unless (resp != NULL, "%s", err ? err->message : "");
  msg = mikey_initiator_start (init, now, &err);
  fail_unless (msg != NULL, "%s", err ? err->message : "");
  mikey_responder_handle_init (resp, g_bytes_get_data (msg, NULL),
      g_bytes_get_size (msg), "test", now, &reply, NULL);
  fail_unless (reply != NULL);
  b64 = g_base64_encode (g_bytes_get_data (reply, NULL),
      g_bytes_get_size (reply));
  g_bytes_unref (reply);
  g_bytes_unref (msg);
  mikey_responder_free (resp);
  mikey_initiator_free (init);
  return b64;
}

static const guint8 answer_psk[] = "shared between alice and bob";
#define ANSWER_PSK_HEX "7368617265642062657477656e20616c69636520616e6420626f62"

/* Answers of each kind, for the decoding test and Wireshark */
typedef enum
{
  ANSWER_DH,
  ANSWER_DHHMAC,
  ANSWER_PK_VERIFY,
  ANSWER_COUNTER_PROPOSAL,
  ANSWER_NOTHING_COMMON,
} AnswerKind;

static gchar *
make_answer (AnswerKind kind)
{
  static const MikeySrtpCs cs[] = { {0, 0x01020304, 0} };
  MikeyMode ini_modes[] = { MIKEY_MODE_PSK, MIKEY_MODE_PKE, MIKEY_MODE_DH };
  MikeyMode resp_modes[] = { MIKEY_MODE_PKE, MIKEY_MODE_DH, MIKEY_MODE_PSK };
  const MikeySuiteInfo *ini_suites[2], *resp_suites[2];
  Party alice = party ("alice.pem", "alice-key.pem");
  Party bob = party ("bob-chain.pem", "bob-key.pem");
  MikeyInitiatorConfig icfg = { 0 };
  MikeyResponderConfig rcfg = { 0 };
  MikeyTrust *trust = mikey_trust_new ();
  gchar *b64;

  fail_unless (mikey_trust_load_file (trust, pki ("root-ca.pem"), NULL));
  icfg.psk = rcfg.psk = answer_psk;
  icfg.psk_len = rcfg.psk_len = sizeof (answer_psk) - 1;
  icfg.key = alice.key;
  icfg.certs = alice.certs;
  icfg.peer_cert = g_ptr_array_index (bob.certs, 0);
  icfg.trust = rcfg.trust = trust;
  icfg.cs = cs;
  icfg.n_cs = 1;
  icfg.id_i = "sip:alice@example.org";
  rcfg.key = bob.key;
  rcfg.certs = bob.certs;
  rcfg.id_r = "sip:bob@example.org";

  switch (kind) {
    case ANSWER_DH:
      icfg.mode = rcfg.mode = MIKEY_MODE_DH;
      break;
    case ANSWER_DHHMAC:
      icfg.mode = rcfg.mode = MIKEY_MODE_DHHMAC;
      break;
    case ANSWER_PK_VERIFY:
      icfg.mode = rcfg.mode = MIKEY_MODE_PKE;
      break;
    case ANSWER_COUNTER_PROPOSAL:
      /* seed 001, Table 4: PSK offered first, PKE + SHA1_32 chosen */
      ini_suites[0] = mikey_suite_lookup ("AES_CM_128_HMAC_SHA1_80");
      ini_suites[1] = mikey_suite_lookup ("AES_CM_128_HMAC_SHA1_32");
      resp_suites[0] = mikey_suite_lookup ("AES_CM_128_HMAC_SHA1_32");
      resp_suites[1] = mikey_suite_lookup ("AES_F8_128_HMAC_SHA1_80");
      icfg.modes = ini_modes;
      icfg.n_modes = 3;
      icfg.suites = ini_suites;
      icfg.n_suites = 2;
      rcfg.modes = resp_modes;
      rcfg.n_modes = 3;
      rcfg.suites = resp_suites;
      rcfg.n_suites = 2;
      break;
    case ANSWER_NOTHING_COMMON:
      icfg.modes = ini_modes;
      icfg.n_modes = 1;
      icfg.suites = ini_suites;
      icfg.n_suites = 2;
      ini_suites[0] = mikey_suite_lookup ("AES_CM_128_HMAC_SHA1_80");
      ini_suites[1] = mikey_suite_lookup ("AES_CM_128_HMAC_SHA1_32");
      rcfg.modes = resp_modes;
      rcfg.n_modes = 1;
      break;
  }
  b64 = answer (&icfg, &rcfg);
  mikey_trust_free (trust);
  party_clear (&alice);
  party_clear (&bob);
  return b64;
}

GST_START_TEST (test_decode_answers)
{
  gchar *msg;
  Run *r;

  /* DH response: bob's signature over both DH values */
  msg = make_answer (ANSWER_DH);
  CHECK_JSON (decode_json (msg, 0, NULL, "d['mode'], "
          "d['header']['data_type']['name'], d['signature'], "
          "[p['type']['name'] for p in d['payloads']], "
          "[p['value_check'] for p in d['payloads'] if 'value_check' in p]",
          "--ca-file", pki ("root-ca.pem"), NULL),
      "dh DH resp verified (" BOB ") ['T', 'ID', 'CERT', 'CERT', 'ID', "
      "'DH', 'DH', 'SIGN'] ['valid', 'valid']");
  g_free (msg);

  /* DHHMAC response: its MAC needs the initiation message's RAND */
  msg = make_answer (ANSWER_DHHMAC);
  CHECK_JSON (decode_json (msg, 0, NULL, "d['mode'], "
          "[p['type']['name'] for p in d['payloads']], "
          "d['payloads'][-1]['status'].startswith('not verifiable')", NULL),
      "dhhmac ['T', 'ID', 'ID', 'DH', 'DH', 'KEMAC'] True");
  r = run_tool (NULL, "decode", "--psk", ANSWER_PSK_HEX, msg, NULL);
  assert_error (r, 3, "cannot verify it on its own");
  run_free (r);
  g_free (msg);

  /* PKE verification message */
  msg = make_answer (ANSWER_PK_VERIFY);
  CHECK_JSON (decode_json (msg, 0, NULL, "d['mode'], "
          "d['header']['data_type']['name'], "
          "[p['type']['name'] for p in d['payloads']]", NULL),
      "pke PK verify ['T', 'ID', 'V']");
  r = decode_caps (msg, NULL);
  assert_error (r, 2, "carries no SRTP keys");
  run_free (r);
  g_free (msg);

  /* negotiation: the responder's counter-proposal */
  msg = make_answer (ANSWER_COUNTER_PROPOSAL);
  CHECK_JSON (decode_json (msg, 0, NULL, "d['mode'], "
          "[p['type']['name'] for p in d['payloads']], "
          "d['payloads'][1]['err_no']['name'], "
          "[m['name'] for m in d['payloads'][2]['capabilities']['modes']], "
          "d['payloads'][2]['capabilities']['choice']['meaning']", NULL),
      "None ['T', 'ERR', 'general extension'] Invalid data type ['pke', 'dh', "
      "'psk'] counter-proposal: use pke with AES_CM_128_HMAC_SHA1_32");
  g_free (msg);

  msg = make_answer (ANSWER_NOTHING_COMMON);
  CHECK_JSON (decode_json (msg, 0, NULL, "d['payloads'][2]['capabilities']"
          "['choice']", NULL), "{'mode': None, 'suite': None, 'meaning': "
      "'no method and crypto suite in common'}");
  r = run_tool (NULL, "decode", "--psk", PSK, msg, NULL);
  assert_error (r, 3, "nothing to verify with --psk");
  run_free (r);
  g_free (msg);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * Wireshark reads what we make
 * ---------------------------------------------------------------------- */

/* text2pcap input: one packet, offsets in hex at the start of each line */
static void
append_hexdump (GString * s, const guint8 * data, gsize len)
{
  gsize i;

  for (i = 0; i < len; i++) {
    if (i % 16 == 0)
      g_string_append_printf (s, "%s%06" G_GSIZE_MODIFIER "x", i ? "\n" : "",
          i);
    g_string_append_printf (s, " %02x", data[i]);
  }
  g_string_append (s, "\n\n");
}

GST_START_TEST (test_wireshark_dissects_our_messages)
{
  gchar *tshark = g_find_program_in_path ("tshark");
  gchar *text2pcap = g_find_program_in_path ("text2pcap");
  GPtrArray *msgs;
  GString *dump;
  gchar *dump_path, *pcap_path;
  gchar *pcap_argv[7], *tshark_argv[8];
  const gchar *p;
  guint i, n_frames = 0, n_plain;
  Run *r;

  if (tshark == NULL || text2pcap == NULL) {
    g_print ("SKIP test_wireshark_dissects_our_messages: tshark or text2pcap "
        "not installed (apt-get install tshark)\n");
    g_free (tshark);
    g_free (text2pcap);
    return;
  }

  msgs = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (msgs, create ("--mode", "null", "--tek", TEK30, "--ssrc",
          "0x12345678", "--mki", "0a0b0c0d", NULL));
  g_ptr_array_add (msgs, create ("--mode", "null", "--tgk",
          "000102030405060708090a0b0c0d0e0f", "--ssrc", "1", "--ssrc", "2",
          "--roc", "7", NULL));
  for (i = 0; i < G_N_ELEMENTS (suites); i++) {
    gchar *tek = hex_key (suites[i].tek_len, 0x42);

    g_ptr_array_add (msgs, create ("--mode", "psk", "--psk", PSK, "--suite",
            suites[i].name, "--tek", tek, "--ssrc", "99", NULL));
    g_free (tek);
  }
  g_ptr_array_add (msgs, read_sample ("device-null-mki.b64"));
  n_plain = msgs->len;

  /* public-key, DH and DHHMAC messages and the answers to them */
  g_ptr_array_add (msgs, create_pke ("pss"));
  g_ptr_array_add (msgs, create ("--mode", "dh", "--cert",
          pki ("bob-chain.pem"), "--key", pki ("bob-key.pem"), "--id",
          "sip:bob@example.org", "--dh-group", "1", "--ssrc", "3", NULL));
  g_ptr_array_add (msgs, create ("--mode", "dh", "--cert", pki ("alice.pem"),
          "--key", pki ("alice-key.pem"), "--mki", "01", "--modes",
          "dh,dhhmac", "--psk", PSK, "--suites",
          "AES_CM_128_HMAC_SHA1_32,AES_CM_128_HMAC_SHA1_80", NULL));
  g_ptr_array_add (msgs, create ("--mode", "dhhmac", "--psk", PSK, "--id",
          "sip:alice@example.org", "--ssrc", "4", NULL));
  g_ptr_array_add (msgs, make_answer (ANSWER_DH));
  g_ptr_array_add (msgs, make_answer (ANSWER_DHHMAC));
  g_ptr_array_add (msgs, make_answer (ANSWER_PK_VERIFY));
  g_ptr_array_add (msgs, make_answer (ANSWER_COUNTER_PROPOSAL));

  dump = g_string_new (NULL);
  for (i = 0; i < msgs->len; i++) {
    gsize len;
    guint8 *raw = b64_decode (g_ptr_array_index (msgs, i), &len);

    append_hexdump (dump, raw, len);
    g_free (raw);
  }
  dump_path = write_tmp (".txt", dump->str, dump->len);
  pcap_path = tmp_path (".pcap");

  pcap_argv[0] = text2pcap;
  pcap_argv[1] = (gchar *) "-q";
  pcap_argv[2] = (gchar *) "-u";
  pcap_argv[3] = (gchar *) "2269,2269";
  pcap_argv[4] = dump_path;
  pcap_argv[5] = pcap_path;
  pcap_argv[6] = NULL;
  r = run_argv (NULL, -1, pcap_argv);
  fail_unless (!r->signaled && r->exit_code == 0, "text2pcap: %s", r->err);
  run_free (r);

  tshark_argv[0] = tshark;
  tshark_argv[1] = (gchar *) "-n";
  tshark_argv[2] = (gchar *) "-r";
  tshark_argv[3] = pcap_path;
  tshark_argv[4] = (gchar *) "-V";
  tshark_argv[5] = (gchar *) "-d";
  tshark_argv[6] = (gchar *) "udp.port==2269,mikey";
  tshark_argv[7] = NULL;
  r = run_argv (NULL, -1, tshark_argv);
  fail_unless (!r->signaled && r->exit_code == 0, "tshark: %s", r->err);

  for (p = r->out; (p = strstr (p, "Multimedia Internet KEYing")) != NULL; p++)
    n_frames++;
  fail_unless_equals_int (n_frames, msgs->len);
  fail_unless (strstr (r->out, "Malformed") == NULL, "%s", r->out);
  fail_unless (strstr (r->out, "Expert Info (Error") == NULL, "%s", r->out);
  fail_unless (strstr (r->out, "Common Header (HDR)") != NULL);
  fail_unless (strstr (r->out, "Key Data Transport (KEMAC)") != NULL);
  fail_unless (strstr (r->out, "Security Policy (SP)") != NULL);
  fail_unless (strstr (r->out, "RAND") != NULL);
  /* MIKEY-NULL key data is readable by Wireshark: the same key and MKI */
  fail_unless (strstr (r->out, "Key: " TEK30) != NULL, "%s", r->out);
  fail_unless (strstr (r->out, "Valid SPI: 0a0b0c0d") != NULL);
  fail_unless (strstr (r->out, "SSRC: 0x12345678") != NULL);
  fail_unless (strstr (r->out, "Session Encr. key length: 32") != NULL);
  fail_unless (strstr (r->out, "Encryption algorithm: AES-GCM") != NULL ||
      strstr (r->out, "Encryption algorithm: Unknown (6)") != NULL,
      "%s", r->out);

  /* The public-key and DH messages. Wireshark (up to 4.x at least) has
   * no CHASH dissector and gives up on a DH payload whose key validity is
   * not NULL: it stops there without calling the frame malformed, so
   * PKE and SIGN are looked for in messages without those. */
  fail_unless (n_frames > n_plain);
  fail_unless (strstr (r->out, "Type: Public key") != NULL, "%s", r->out);
  fail_unless (strstr (r->out, "Type: D-H init") != NULL);
  fail_unless (strstr (r->out, "Type: D-H resp") != NULL);
  fail_unless (strstr (r->out, "Type: DHHMAC init") != NULL);
  fail_unless (strstr (r->out, "Type: DHHMAC resp") != NULL);
  fail_unless (strstr (r->out, "Type: Error") != NULL);
  fail_unless (strstr (r->out, "id-at-commonName=alice") != NULL);
  fail_unless (strstr (r->out, "id-at-commonName=bob.example.org") != NULL);
  fail_unless (strstr (r->out, "DH-Group: OAKLEY 1") != NULL);
  fail_unless (strstr (r->out, "Signature (SIGN)") != NULL);
  fail_unless (strstr (r->out, "Signature len: 256") != NULL);
  fail_unless (strstr (r->out, "ID URI: sip:alice@example.org") != NULL);
  fail_unless (strstr (r->out, "Extension type: Unknown (240)") != NULL);
  fail_unless (strstr (r->out, "Ver data") != NULL);
  run_free (r);

  g_free (pcap_path);
  g_free (dump_path);
  g_string_free (dump, TRUE);
  g_ptr_array_unref (msgs);
  g_free (tshark);
  g_free (text2pcap);
}

GST_END_TEST;

static Suite *
mikey_tool_suite (void)
{
  Suite *s = suite_create ("mikey-tool");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_help);
  tcase_add_test (tc, test_null_round_trip);
  tcase_add_test (tc, test_psk_round_trip);
  tcase_add_loop_test (tc, test_every_suite, 0, G_N_ELEMENTS (suites));
  tcase_add_loop_test (tc, test_psk_independent_implementation, 0,
      G_N_ELEMENTS (suites));
  tcase_add_test (tc, test_create_errors);
  tcase_add_test (tc, test_create_hex_forms);
  tcase_add_test (tc, test_decode_input_forms);
  tcase_add_test (tc, test_decode_device_sample);
  tcase_add_test (tc, test_decode_gstreamer_samples);
  tcase_add_test (tc, test_decode_psk_sample);
  tcase_add_test (tc, test_json_escaping);
  tcase_add_test (tc, test_json_every_payload);
  tcase_add_test (tc, test_pke_round_trip);
  tcase_add_test (tc, test_dh_round_trip);
  tcase_add_test (tc, test_crl_file);
  tcase_add_test (tc, test_dhhmac_round_trip);
  tcase_add_test (tc, test_create_capabilities);
  tcase_add_test (tc, test_decode_answers);
  tcase_add_test (tc, test_truncated);
  tcase_add_test (tc, test_mutated);
  tcase_add_test (tc, test_junk);
  tcase_add_test (tc, test_wireshark_dissects_our_messages);
  return s;
}

GST_CHECK_MAIN (mikey_tool);
