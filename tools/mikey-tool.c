/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mikey-tool: decode and create MIKEY messages from the command line.
 *
 * This is the tool people reach for when SRTP from a camera, a phone or an
 * RTSP server does not decrypt: it shows what the MIKEY message in the SDP
 * really says (and what srtpdec must be given), checks who signed it, and
 * makes test messages in every mode. Everything protocol-related is done by
 * the sans-I/O core; the tool only turns command lines and standard input
 * into calls and exit codes. This file holds main, the help and what the
 * commands share (errors, argument parsing).
 *
 * Errors are ONE line on stderr, "mikey-tool: <what is wrong>", with an exit
 * code telling usage errors, malformed messages and verification failures
 * apart, so both people and scripts can act on them.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>
#include <locale.h>

#include "mikey-tool.h"
#include "mikey-error.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

const gchar mikey_tool_exit_codes_help[] =
    "Exit status:\n"
    "  0  success (for decode: well formed and, if protected, verified:\n"
    "     MAC checked with --psk, envelope opened with --key, signature\n"
    "     checked with --peer-cert or --ca-file)\n"
    "  1  usage error: bad option or argument, unreadable input or file\n"
    "  2  malformed or unsupported message (the error names the payload\n"
    "     and byte offset), or, for --format caps, a message that holds no\n"
    "     SRTP keys (DH, DHHMAC, verification and error messages)\n"
    "  3  verification failed: MAC or signature mismatch, untrusted or\n"
    "     expired certificate, a key or certificate needed but not given,\n"
    "     or one given that the message has no use for\n";

/* ------------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------- */

/* Messages from the core are single sentences with peer strings escaped
 * (mikey_escape_peer_string), but a stray newline must not split the line
 * that scripts grep for, and no control character may reach the
 * terminal, whatever path it took. */
int
mikey_tool_fail (int code, const gchar * format, ...)
{
  va_list args;
  gchar *msg;
  GString *out;
  const gchar *p;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);

  out = g_string_sized_new (strlen (msg) + 16);
  for (p = msg; *p != '\0'; p++) {
    guchar c = (guchar) * p;

    if (c == '\n' || c == '\r')
      g_string_append_c (out, ' ');
    else if (c < 0x20 || c == 0x7f)
      g_string_append_printf (out, "\\x%02x", c);
    else
      g_string_append_c (out, (gchar) c);
  }
  fflush (stdout);
  fprintf (stderr, "mikey-tool: %s\n", out->str);
  g_string_free (out, TRUE);
  g_free (msg);
  return code;
}

/* ------------------------------------------------------------------------
 * Argument parsing helpers
 * ---------------------------------------------------------------------- */

/* Hex for option @opt: libmikey's mikey_hex_decode(), which accepts what
 * people paste (either case, "0x", ':' or white space between bytes) and
 * refuses anything else with the position, so that a key is never
 * silently read wrong. The result holds a secret: free it with
 * mikey_secure_free (buf, *out_len). */
guint8 *
mikey_tool_parse_hex (const gchar * opt, const gchar * text, gsize * out_len,
    GError ** error)
{
  guint8 *out = mikey_hex_decode (text, out_len, error);

  if (out == NULL)
    g_prefix_error (error, "%s: ", opt);
  return out;
}

/* Decimal, or hex with 0x (SSRCs are usually shown in hex). */
gboolean
mikey_tool_parse_u32 (const gchar * opt, const gchar * text, guint32 * out,
    GError ** error)
{
  guint64 v;
  guint base = 10;
  const gchar *digits = text;
  GError *err = NULL;

  if (g_str_has_prefix (text, "0x") || g_str_has_prefix (text, "0X")) {
    base = 16;
    digits = text + 2;
  }
  /* g_ascii_string_to_unsigned accepts a leading '+' and white space in
   * some versions; be strict so "--ssrc ' 12'" is not silently fixed */
  if (*digits == '\0' || !g_ascii_isxdigit (*digits) ||
      !g_ascii_string_to_unsigned (digits, base, 0, G_MAXUINT32, &v, &err)) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "%s: '%s' is not a number from 0 to 4294967295 (decimal, or hex "
        "with 0x)", opt, text);
    g_clear_error (&err);
    return FALSE;
  }
  *out = (guint32) v;
  return TRUE;
}

/* ------------------------------------------------------------------------
 * main
 * ---------------------------------------------------------------------- */

static void
print_main_help (FILE * out)
{
  fprintf (out,
      "Usage:\n"
      "  mikey-tool decode [--format json|caps] [--psk HEX] [--key FILE]\n"
      "                    [--peer-cert FILE] [--ca-file FILE] [MESSAGE|-]\n"
      "  mikey-tool create --mode null|psk|pke|dh|dhhmac [--psk HEX]\n"
      "                    [--tgk HEX | --tek HEX] [--cert FILE --key FILE]\n"
      "                    [--peer-cert FILE] [--sign pkcs1|pss]\n"
      "                    [--dh-group 1|2|5] [--id URI] [--peer-id URI]\n"
      "                    [--modes LIST] [--suites LIST] [--mki HEX]\n"
      "                    [--ssrc N]... [--roc N] [--csb-id N] [--suite NAME]\n"
      "  mikey-tool help [decode|create]    (same as COMMAND --help)\n"
      "  mikey-tool --version\n"
      "\n"
      "MIKEY (Multimedia Internet KEYing, RFC 3830) is the key exchange that\n"
      "RTSP cameras (ONVIF), SIP phones and RTSP servers use to hand SRTP\n"
      "keys to each other, usually as base64 in an SDP line\n"
      "\"a=key-mgmt:mikey AQAF...\". mikey-tool shows what such a message\n"
      "says, which caps srtpdec needs to decrypt the stream, who signed it,\n"
      "and makes messages for tests.\n"
      "\n"
      "Commands:\n"
      "  decode   print a message as JSON (every payload) or as srtpdec caps;\n"
      "           verifies MIKEY-PSK and DHHMAC messages with --psk, opens\n"
      "           public-key (PKE) messages with --key, and checks signatures\n"
      "           (PKE, DH) with --peer-cert or --ca-file\n"
      "  create   print a new initiation message: MIKEY-NULL, MIKEY-PSK,\n"
      "           public-key envelope (pke), signed Diffie-Hellman (dh) or\n"
      "           HMAC-authenticated Diffie-Hellman (dhhmac)\n"
      "\n"
      "Examples:\n"
      "  mikey-tool decode 'a=key-mgmt:mikey AQAFABorPE0BAABNLFofAAAAAAsA6bX...'\n"
      "  mikey-tool decode --format caps < key-mgmt.txt\n"
      "  mikey-tool decode --ca-file ca.pem --key bob-key.pem 'mikey AQIF...'\n"
      "  mikey-tool create --mode null --tek $(openssl rand -hex 30) --ssrc 1234\n"
      "\n"
      "Decoded output contains the SRTP keys in hex.\n"
      "\n" "%s", mikey_tool_exit_codes_help);
}

int
main (int argc, char **argv)
{
  const gchar *cmd;

  /* GOption prints --help in the terminal's charset */
  setlocale (LC_ALL, "");

  if (argc < 2) {
    print_main_help (stderr);
    return MIKEY_TOOL_EXIT_USAGE;
  }
  cmd = argv[1];

  if (strcmp (cmd, "--help") == 0 || strcmp (cmd, "-h") == 0 ||
      strcmp (cmd, "-?") == 0 || (strcmp (cmd, "help") == 0 && argc == 2)) {
    print_main_help (stdout);
    return MIKEY_TOOL_EXIT_OK;
  }
  if (strcmp (cmd, "--version") == 0 || strcmp (cmd, "-V") == 0 ||
      strcmp (cmd, "version") == 0) {
    printf ("mikey-tool %s\n", VERSION);
    return MIKEY_TOOL_EXIT_OK;
  }
  if (strcmp (cmd, "help") == 0) {
    /* "mikey-tool help decode" is "mikey-tool decode --help" */
    char *help_argv[] = { argv[0], argv[2], (char *) "--help", NULL };

    if (strcmp (argv[2], "decode") == 0)
      return mikey_tool_decode (2, help_argv + 1);
    if (strcmp (argv[2], "create") == 0)
      return mikey_tool_create (2, help_argv + 1);
    return mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "help: unknown command '%s' "
        "(commands: decode, create)", argv[2]);
  }

  /* GOption sees "decode ..." with the command as argv[0] */
  if (strcmp (cmd, "decode") == 0)
    return mikey_tool_decode (argc - 1, argv + 1);
  if (strcmp (cmd, "create") == 0)
    return mikey_tool_create (argc - 1, argv + 1);

  return mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE,
      "unknown command '%s' (commands: "
      "decode, create; see mikey-tool --help)", cmd);
}
