/* mikey-tool: decode and create MIKEY messages from the command line.
 *
 * This is the tool people reach for when SRTP from a camera, a phone or an
 * RTSP server does not decrypt: it shows what the MIKEY message in the SDP
 * really says (and what srtpdec must be given), and it makes test messages.
 * Everything protocol-related is done by the sans-I/O core; this file only
 * turns command lines and standard input into calls and exit codes.
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
#include <unistd.h>
#include <errno.h>
#include <locale.h>

#include <gst/gst.h>
#include <openssl/crypto.h>

#include "mikey-tool.h"
#include "mikey-exchange.h"
#include "mikey-suite.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

/* A MIKEY message is at most a few kilobytes; anything beyond this on stdin
 * is not one, and reading it all would only waste memory. */
#define MIKEY_TOOL_MAX_INPUT (1024 * 1024)

/* Longest MKI srtpenc/libsrtp2 accepts */
#define MAX_MKI MIKEY_MAX_MKI

static const gchar exit_codes_help[] =
    "Exit status:\n"
    "  0  success (for decode: well formed and, if protected, verified)\n"
    "  1  usage error: bad option or argument, unreadable input\n"
    "  2  malformed or unsupported message (the error names the payload\n"
    "     and byte offset)\n"
    "  3  verification failed: MAC mismatch, pre-shared key needed, or\n"
    "     --psk given for a message that is not protected\n";

/* ------------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------- */

/* Prints "mikey-tool: <message>" as exactly one line (messages from the core
 * are single sentences, but a stray newline must not split the line that
 * scripts grep for) and returns @code for "return fail (...)". */
/* *INDENT-OFF* */
static int fail (int code, const gchar * format, ...) G_GNUC_PRINTF (2, 3);
/* *INDENT-ON* */

static int
fail (int code, const gchar * format, ...)
{
  va_list args;
  gchar *msg;
  gchar *p;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);

  for (p = msg; *p != '\0'; p++) {
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  }
  fflush (stdout);
  fprintf (stderr, "mikey-tool: %s\n", msg);
  g_free (msg);
  return code;
}

/* ------------------------------------------------------------------------
 * Argument parsing helpers
 * ---------------------------------------------------------------------- */

gchar *
mikey_tool_hex (const guint8 * data, gsize len)
{
  static const gchar digits[] = "0123456789abcdef";
  gchar *out = g_malloc (len * 2 + 1);
  gsize i;

  for (i = 0; i < len; i++) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 0xf];
  }
  out[2 * len] = '\0';
  return out;
}

/* Parses hex for option @opt. Upper and lower case are accepted, and ':'
 * or white space between bytes (as Wireshark and openssl print them), so
 * keys can be pasted from wherever they were found. Anything else is an
 * error naming the option and the position: a key silently read wrong is
 * the worst outcome for a debugging tool. The result holds a secret: free
 * it with mikey_secure_free (buf, *out_len). */
static guint8 *
parse_hex (const gchar * opt, const gchar * text, gsize * out_len,
    GError ** error)
{
  gsize n_digits = 0, i, pos = 0;
  guint8 *out;
  gint hi = -1;

  if (g_str_has_prefix (text, "0x") || g_str_has_prefix (text, "0X"))
    pos = 2;

  for (i = pos; text[i] != '\0'; i++) {
    if (g_ascii_isxdigit (text[i])) {
      n_digits++;
    } else if (text[i] == ':' || g_ascii_isspace (text[i])) {
      if (n_digits % 2 != 0) {
        g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
            "%s: separator at position %" G_GSIZE_FORMAT " splits a byte "
            "(write each byte as two hex digits)", opt, i + 1);
        return NULL;
      }
    } else if (g_ascii_isprint (text[i])) {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
          "%s: not hex: unexpected character '%c' at position %"
          G_GSIZE_FORMAT " (expected 0-9, a-f)", opt, text[i], i + 1);
      return NULL;
    } else {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
          "%s: not hex: unexpected byte 0x%02x at position %"
          G_GSIZE_FORMAT " (expected 0-9, a-f)", opt, (guchar) text[i], i + 1);
      return NULL;
    }
  }
  if (n_digits == 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "%s: empty hex value", opt);
    return NULL;
  }
  if (n_digits % 2 != 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "%s: odd number of hex digits (%" G_GSIZE_FORMAT "): each byte is "
        "two digits", opt, n_digits);
    return NULL;
  }

  out = g_malloc (n_digits / 2);
  *out_len = 0;
  for (i = pos; text[i] != '\0'; i++) {
    if (!g_ascii_isxdigit (text[i]))
      continue;
    if (hi < 0) {
      hi = g_ascii_xdigit_value (text[i]);
    } else {
      out[(*out_len)++] = (guint8) ((hi << 4) | g_ascii_xdigit_value (text[i]));
      hi = -1;
    }
  }
  return out;
}

/* Decimal, or hex with 0x (SSRCs are usually shown in hex). */
static gboolean
parse_u32 (const gchar * opt, const gchar * text, guint32 * out,
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
 * Input
 * ---------------------------------------------------------------------- */

/* Reads all of stdin, at most MIKEY_TOOL_MAX_INPUT bytes. */
static gchar *
read_stdin (GError ** error)
{
  GString *buf = g_string_sized_new (4096);
  gchar chunk[4096];

  if (isatty (STDIN_FILENO))
    fprintf (stderr, "mikey-tool: reading the message from standard input "
        "(end with Ctrl-D)\n");

  for (;;) {
    ssize_t n = read (STDIN_FILENO, chunk, sizeof (chunk));

    if (n == 0)
      break;
    if (n < 0) {
      if (errno == EINTR)
        continue;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
          "cannot read standard input: %s", g_strerror (errno));
      g_string_free (buf, TRUE);
      return NULL;
    }
    if (buf->len + (gsize) n > MIKEY_TOOL_MAX_INPUT) {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
          "input on standard input is larger than 1 MiB: not a MIKEY message");
      g_string_free (buf, TRUE);
      return NULL;
    }
    g_string_append_len (buf, chunk, n);
  }
  if (memchr (buf->str, '\0', buf->len) != NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "input contains NUL bytes: expected base64 text (as in an SDP "
        "a=key-mgmt line), not a binary message");
    g_string_free (buf, TRUE);
    return NULL;
  }
  return g_string_free (buf, FALSE);
}

/* Finds the base64 in what the user pasted. Accepted forms:
 *   AQAFgM0...                         bare base64 (may span lines)
 *   mikey AQAFgM0...                   SDP key-mgmt value
 *   a=key-mgmt:mikey AQAFgM0...        the whole SDP attribute line
 *   KeyMgmt: prot=mikey; uri="..."; data="AQAFgM0..."   RTSP header
 *                                      (RFC 4567 section 5)
 * and returns "mikey <base64>" with all white space inside the base64
 * removed (wrapped lines), for mikey_key_mgmt_decode(). */
static gchar *
extract_key_mgmt (const gchar * text)
{
  const gchar *p = text;
  const gchar *data;
  GString *out;

  while (g_ascii_isspace (*p))
    p++;

  /* RTSP KeyMgmt header: take the quoted data parameter */
  if ((g_ascii_strncasecmp (p, "KeyMgmt:", 8) == 0 ||
          g_ascii_strncasecmp (p, "prot=", 5) == 0) &&
      (data = strstr (p, "data=\"")) != NULL) {
    const gchar *end;

    data += strlen ("data=\"");
    end = strchr (data, '"');
    if (end == NULL)
      end = data + strlen (data);
    out = g_string_new ("mikey ");
    for (; data < end; data++) {
      if (!g_ascii_isspace (*data))
        g_string_append_c (out, *data);
    }
    return g_string_free (out, FALSE);
  }

  if (g_ascii_strncasecmp (p, "a=", 2) == 0)
    p += 2;
  if (g_ascii_strncasecmp (p, "key-mgmt:", 9) == 0)
    p += 9;
  while (g_ascii_isspace (*p))
    p++;
  if (g_ascii_strncasecmp (p, "mikey", 5) == 0 &&
      (p[5] == '\0' || g_ascii_isspace (p[5])))
    p += 5;

  out = g_string_new ("mikey ");
  for (; *p != '\0'; p++) {
    if (!g_ascii_isspace (*p))
      g_string_append_c (out, *p);
  }
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------
 * decode
 * ---------------------------------------------------------------------- */

static const gchar decode_summary[] =
    "Decodes a MIKEY message (RFC 3830), the key exchange that RTSP cameras\n"
    "(ONVIF), SIP phones and RTSP servers use to hand out SRTP keys, and\n"
    "shows what it says or the caps srtpdec needs to decrypt the stream.\n"
    "\n"
    "MESSAGE is the base64 text from the SDP attribute line\n"
    "\"a=key-mgmt:mikey AQAF...\" (pass the whole line, \"mikey AQAF...\" or\n"
    "just the base64; an RTSP \"KeyMgmt: prot=mikey; data=...\" header works\n"
    "too). Without MESSAGE, or with \"-\", it is read from standard input.\n"
    "\n"
    "MIKEY-NULL messages (what most cameras and GStreamer's RTSP server send\n"
    "over RTSPS) carry the keys in the clear; MIKEY-PSK messages are\n"
    "encrypted and MACed with a pre-shared key: give it with --psk to\n"
    "decrypt and verify them.\n"
    "\n"
    "The output CONTAINS THE SRTP KEYS in hex (that is what debugging needs,\n"
    "and whoever can read the message or knows the PSK has them anyway):\n"
    "do not paste it into public bug reports.";

static const gchar decode_description[] =
    "Output formats:\n"
    "  json  every field of every payload (header, crypto session map, T,\n"
    "        RAND, SP, KEMAC with its decrypted key data, ...), enum values\n"
    "        as {\"value\": N, \"name\": \"...\"}, byte fields in hex, and the\n"
    "        resulting SRTP parameters per crypto session\n"
    "  caps  one line per crypto session, GStreamer caps for srtpdec:\n"
    "        application/x-srtp, ssrc=(uint)..., roc=(uint)...,\n"
    "        srtp-key=(buffer)<key||salt>, mki=(buffer)..., srtp-cipher=...\n"
    "\n"
    "Examples:\n"
    "  # What keys does my camera use? Paste its SDP key-mgmt line (line\n"
    "  # breaks and spaces inside the base64 are ignored):\n"
    "  mikey-tool decode 'a=key-mgmt:mikey AQAFABorPE0BAABNLFofAAAAAAsA6bXCoH1w\n"
    "    o9cKEDAxMjM0NTY3ODk6Ozw9Pj8BAAAAGwABAQEBEAIBAQMBFAQBDgcBAQgBAQoBAQsBCgAA\n"
    "    ACcAIQAe4fl6DT4Bi+DWT6MsBt5BOQ7Gda1Jiv7rtpYLOqvmBAAAAAEA'\n"
    "\n"
    "  # Same from a saved SDP file, as srtpdec caps:\n"
    "  grep key-mgmt camera.sdp | mikey-tool decode --format caps\n"
    "\n"
    "  # Decrypt and verify a MIKEY-PSK message:\n"
    "  mikey-tool decode --psk 000102030405060708090a0b0c0d0e0f 'mikey AQA...'\n"
    "\n"
    "  # Round trip with create:\n"
    "  mikey-tool create --mode null --tek $(openssl rand -hex 30) \\\n"
    "    --ssrc 0xdeadbeef | mikey-tool decode --format caps\n" "\n";

typedef struct
{
  gchar *psk_hex;
  gchar *format;
  gchar **rest;
} DecodeOptions;

static void
decoded_clear (MikeyToolDecoded * dec)
{
  if (dec->srtp != NULL)
    g_array_unref (dec->srtp);
  if (dec->key_data != NULL)
    g_ptr_array_unref (dec->key_data);
  if (dec->msg != NULL)
    mikey_message_free (dec->msg);
}

static gboolean
kemac_is_protected (const MikeyPayload * kemac)
{
  return kemac->u.kemac.enc_alg != MIKEY_ENC_NULL ||
      kemac->u.kemac.mac_alg != MIKEY_MAC_NULL;
}

/* PK (RFC 3830 3.2) and RSA-R (RFC 4738) KEMACs are keyed from the PKE
 * envelope key, which needs the receiver's private key: a --psk cannot
 * open them, and trying would only report a misleading MAC mismatch. */
static gboolean
is_public_key_mode (const MikeyMessage * msg)
{
  return msg->hdr.data_type == MIKEY_DT_PK_INIT ||
      msg->hdr.data_type == MIKEY_DT_RSA_R_INIT ||
      msg->hdr.data_type == MIKEY_DT_RSA_R_RESP;
}

/* Opens the KEMAC (if any) and derives the SRTP parameters. Never fails by
 * itself: what went wrong is recorded in @dec for the caller to report
 * after the JSON dump (which is most useful exactly when something is
 * wrong). Errors end up in @kemac_err / @srtp_err, owned by the caller. */
static void
decode_keys (MikeyToolDecoded * dec, const guint8 * psk, gsize psk_len,
    GError ** kemac_err, GError ** srtp_err)
{
  MikeyPayload *kemac = mikey_message_find (dec->msg, MIKEY_PT_KEMAC, NULL);

  if (kemac == NULL) {
    dec->kemac_status = MIKEY_TOOL_KEMAC_ABSENT;
    return;
  }

  /* A KEMAC with a MAC needs the key; an encrypted one without MAC is
   * refused by the core whatever key is given, so let it say so. */
  if (kemac->u.kemac.mac_alg != MIKEY_MAC_NULL && (psk == NULL ||
          is_public_key_mode (dec->msg))) {
    dec->kemac_status = MIKEY_TOOL_KEMAC_NEEDS_PSK;
    return;
  }

  dec->key_data = mikey_psk_open_kemac (dec->msg, dec->data, dec->len,
      psk, psk_len, kemac_err);
  if (dec->key_data == NULL) {
    dec->kemac_status = MIKEY_TOOL_KEMAC_FAILED;
    dec->kemac_error = *kemac_err;
    return;
  }
  dec->kemac_status = kemac_is_protected (kemac) ?
      MIKEY_TOOL_KEMAC_VERIFIED : MIKEY_TOOL_KEMAC_CLEAR;

  dec->srtp = mikey_srtp_params_from_message (dec->msg, dec->key_data,
      NULL, 0, srtp_err);
  if (dec->srtp == NULL)
    dec->srtp_error = *srtp_err;
}

/* The one-line verdict on the KEMAC, and the exit code that goes with it.
 * Returns MIKEY_TOOL_EXIT_OK (and prints nothing) when all is well. */
static int
report_keys (const MikeyToolDecoded * dec, gboolean have_psk,
    gboolean need_keys)
{
  switch (dec->kemac_status) {
    case MIKEY_TOOL_KEMAC_ABSENT:
      if (need_keys)
        return fail (MIKEY_TOOL_EXIT_MALFORMED,
            "%s message (data type %u) has no KEMAC payload, so it carries "
            "no SRTP keys", mikey_data_type_name (dec->msg->hdr.data_type),
            dec->msg->hdr.data_type);
      if (have_psk)
        return fail (MIKEY_TOOL_EXIT_VERIFY,
            "%s message has no KEMAC payload: nothing to verify with --psk",
            mikey_data_type_name (dec->msg->hdr.data_type));
      return MIKEY_TOOL_EXIT_OK;

    case MIKEY_TOOL_KEMAC_NEEDS_PSK:
      if (is_public_key_mode (dec->msg))
        return fail (MIKEY_TOOL_EXIT_VERIFY, "%s message is protected with "
            "public-key encryption: its keys need the receiver's private "
            "key, which mikey-tool does not take",
            mikey_data_type_name (dec->msg->hdr.data_type));
      return fail (MIKEY_TOOL_EXIT_VERIFY,
          "message is protected with a pre-shared key: pass --psk HEX");

    case MIKEY_TOOL_KEMAC_FAILED:
      if (g_error_matches (dec->kemac_error, MIKEY_ERROR, MIKEY_ERROR_AUTH)) {
        if (g_strcmp0 (dec->kemac_error->message, "MAC mismatch") == 0)
          return fail (MIKEY_TOOL_EXIT_VERIFY,
              "MAC mismatch: wrong pre-shared key or altered message");
        return fail (MIKEY_TOOL_EXIT_VERIFY, "verification failed: %s: "
            "wrong pre-shared key or altered message",
            dec->kemac_error->message);
      }
      if (g_error_matches (dec->kemac_error, MIKEY_ERROR, MIKEY_ERROR_POLICY))
        return fail (MIKEY_TOOL_EXIT_VERIFY, "%s", dec->kemac_error->message);
      return fail (MIKEY_TOOL_EXIT_MALFORMED, "%s", dec->kemac_error->message);

    case MIKEY_TOOL_KEMAC_CLEAR:
      if (have_psk) {
        /* The user asked for verification and there is nothing to verify:
         * saying "OK" would let an altered MIKEY-NULL message pass a
         * script's "decode --psk K && trust it" check. */
        return fail (MIKEY_TOOL_EXIT_VERIFY, "message is not protected "
            "(MIKEY-NULL: KEMAC neither encrypted nor MACed), so --psk "
            "cannot verify it; decode it without --psk");
      }
      break;

    case MIKEY_TOOL_KEMAC_VERIFIED:
      break;
  }

  if (dec->srtp == NULL)
    return fail (MIKEY_TOOL_EXIT_MALFORMED, "%s", dec->srtp_error != NULL ?
        dec->srtp_error->message : "no SRTP parameters in the message");
  return MIKEY_TOOL_EXIT_OK;
}

static int
decode_bytes (const guint8 * data, gsize len, const guint8 * psk,
    gsize psk_len, gboolean as_caps)
{
  MikeyToolDecoded dec = { 0 };
  GError *err = NULL, *kemac_err = NULL, *srtp_err = NULL;
  int ret;

  dec.data = data;
  dec.len = len;
  dec.msg = mikey_message_parse (data, len, &err);
  if (dec.msg == NULL) {
    ret = fail (MIKEY_TOOL_EXIT_MALFORMED, "%s", err->message);
    g_error_free (err);
    return ret;
  }

  decode_keys (&dec, psk, psk_len, &kemac_err, &srtp_err);

  if (as_caps) {
    /* keys or nothing: half a set of caps is worse than none */
    ret = report_keys (&dec, psk != NULL, TRUE);
    if (ret == MIKEY_TOOL_EXIT_OK)
      mikey_tool_print_caps (dec.srtp);
  } else {
    /* the dump helps most when something is wrong: print it first */
    mikey_tool_print_json (&dec);
    ret = report_keys (&dec, psk != NULL, FALSE);
  }

  g_clear_error (&kemac_err);
  g_clear_error (&srtp_err);
  decoded_clear (&dec);
  return ret;
}

static int
cmd_decode (int argc, char **argv)
{
  DecodeOptions opt = { 0 };
  GOptionEntry entries[] = {
    {"psk", 'p', 0, G_OPTION_ARG_STRING, &opt.psk_hex,
          "Pre-shared key (hex) to decrypt and verify a MIKEY-PSK message",
        "HEX"},
    {"format", 'f', 0, G_OPTION_ARG_STRING, &opt.format,
        "Output format: json (default) or caps", "json|caps"},
    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt.rest, NULL,
        NULL},
    {NULL}
  };
  GOptionContext *ctx;
  GError *err = NULL;
  gchar *text = NULL, *key_mgmt = NULL;
  guint8 *psk = NULL, *data = NULL;
  gsize psk_len = 0, len = 0;
  gboolean as_caps = FALSE;
  gchar *description;
  int ret;

  ctx = g_option_context_new ("[MESSAGE|-]");
  g_option_context_set_summary (ctx, decode_summary);
  description = g_strconcat (decode_description, exit_codes_help, NULL);
  g_option_context_set_description (ctx, description);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_set_prgname ("mikey-tool decode");
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    ret = fail (MIKEY_TOOL_EXIT_USAGE, "%s (see mikey-tool decode --help)",
        err->message);
    goto out;
  }

  if (opt.format == NULL || g_strcmp0 (opt.format, "json") == 0) {
    as_caps = FALSE;
  } else if (g_strcmp0 (opt.format, "caps") == 0) {
    as_caps = TRUE;
  } else {
    ret = fail (MIKEY_TOOL_EXIT_USAGE, "--format: unknown format '%s' "
        "(expected json or caps)", opt.format);
    goto out;
  }

  if (opt.psk_hex != NULL &&
      (psk = parse_hex ("--psk", opt.psk_hex, &psk_len, &err)) == NULL) {
    ret = fail (MIKEY_TOOL_EXIT_USAGE, "%s", err->message);
    goto out;
  }

  if (opt.rest == NULL || opt.rest[0] == NULL ||
      (g_strcmp0 (opt.rest[0], "-") == 0 && opt.rest[1] == NULL)) {
    text = read_stdin (&err);
    if (text == NULL) {
      ret = fail (MIKEY_TOOL_EXIT_USAGE, "%s", err->message);
      goto out;
    }
  } else {
    /* several words: an unquoted "mikey AQAF..." or "a=key-mgmt:mikey
     * AQAF..." split by the shell */
    text = g_strjoinv (" ", opt.rest);
  }

  key_mgmt = extract_key_mgmt (text);
  if (strcmp (key_mgmt, "mikey ") == 0) {
    ret = fail (MIKEY_TOOL_EXIT_USAGE, "no message given: pass the base64 "
        "MIKEY message (e.g. from an SDP a=key-mgmt line) as argument or on "
        "standard input");
    goto out;
  }
  data = mikey_key_mgmt_decode (key_mgmt, &len, &err);
  if (data == NULL) {
    ret = fail (MIKEY_TOOL_EXIT_MALFORMED, "%s", err->message);
    goto out;
  }

  if (as_caps) {
    /* Caps need GStreamer's types but no plugin: skip the registry, so the
     * tool neither scans plugins nor writes the user's registry cache. */
    g_setenv ("GST_REGISTRY_DISABLE", "yes", FALSE);
    gst_init (NULL, NULL);
  }
  ret = decode_bytes (data, len, psk, psk_len, as_caps);

out:
  g_clear_error (&err);
  mikey_secure_free (psk, psk_len);
  g_free (data);
  g_free (key_mgmt);
  g_free (text);
  g_free (opt.psk_hex);
  g_free (opt.format);
  g_strfreev (opt.rest);
  g_free (description);
  g_option_context_free (ctx);
  return ret;
}

/* ------------------------------------------------------------------------
 * create
 * ---------------------------------------------------------------------- */

static const gchar create_summary[] =
    "Creates a MIKEY initiation message (RFC 3830) carrying SRTP keys and\n"
    "prints it in base64, ready for an SDP line \"a=key-mgmt:mikey <it>\".\n"
    "\n"
    "  --mode null  MIKEY-NULL: keys in the clear, no MAC. Only safe inside\n"
    "               an encrypted channel (RTSPS, SIPS); this is what cameras\n"
    "               and GStreamer's RTSP server send.\n"
    "  --mode psk   MIKEY-PSK: keys encrypted (AES-CM-128) and MACed\n"
    "               (HMAC-SHA-1) with a key derived from --psk.\n"
    "\n"
    "Key material (exactly one):\n"
    "  --tek HEX    the SRTP master key followed by the master salt, as\n"
    "               srtpenc's \"key\" property takes it (30 bytes for the\n"
    "               AES-128 suites, 46 for AES-256, 28 / 44 for AES-GCM);\n"
    "               sent as is\n"
    "  --tgk HEX    a TEK generation key: each side derives every crypto\n"
    "               session's master key and salt from it (RFC 3830 4.1.3)";

static const gchar create_description[] =
    "Numbers (--ssrc, --roc, --csb-id) are decimal, or hex with 0x.\n"
    "Each --ssrc adds a crypto session; --roc applies to all of them.\n"
    "\n"
    "Examples:\n"
    "  # A MIKEY-NULL message like an RTSP camera's, with a 4-byte MKI:\n"
    "  mikey-tool create --mode null --ssrc 0x12345678 --mki 00000001 \\\n"
    "    --tek 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d\n"
    "\n"
    "  # MIKEY-PSK with AES-256, then check it decodes with the same PSK:\n"
    "  msg=$(mikey-tool create --mode psk --psk 00112233445566778899aabbccddeeff \\\n"
    "    --suite AES_256_CM_HMAC_SHA1_80 --tek $(openssl rand -hex 46))\n"
    "  mikey-tool decode --psk 00112233445566778899aabbccddeeff \"$msg\"\n"
    "\n";

typedef struct
{
  gchar *mode;
  gchar *psk;
  gchar *tgk;
  gchar *tek;
  gchar *mki;
  gchar **ssrc;
  gchar *roc;
  gchar *csb_id;
  gchar *suite;
  gchar **rest;
} CreateOptions;

/* Secrets and lists decoded from CreateOptions */
typedef struct
{
  guint8 *psk, *tgk, *tek, *mki;
  gsize psk_len, tgk_len, tek_len, mki_len;
  GArray *cs;                   /* of MikeySrtpCs */
} CreateArgs;

static void
create_args_clear (CreateArgs * a)
{
  mikey_secure_free (a->psk, a->psk_len);
  mikey_secure_free (a->tgk, a->tgk_len);
  mikey_secure_free (a->tek, a->tek_len);
  g_free (a->mki);
  if (a->cs != NULL)
    g_array_unref (a->cs);
}

static void
create_options_clear (CreateOptions * o)
{
  g_free (o->mode);
  g_free (o->psk);
  g_free (o->tgk);
  g_free (o->tek);
  g_free (o->mki);
  g_strfreev (o->ssrc);
  g_free (o->roc);
  g_free (o->csb_id);
  g_free (o->suite);
  g_strfreev (o->rest);
}

/* Checks the options against each other and decodes them into @cfg, @args.
 * Returns an exit code; MIKEY_TOOL_EXIT_OK when @cfg is ready. */
static int
create_validate (const CreateOptions * o, MikeyInitiatorConfig * cfg,
    CreateArgs * args)
{
  const MikeySuiteInfo *suite;
  GError *err = NULL;
  guint32 roc = 0;
  guint i;
  int ret = MIKEY_TOOL_EXIT_OK;

  if (o->rest != NULL && o->rest[0] != NULL)
    return fail (MIKEY_TOOL_EXIT_USAGE, "create takes no arguments, only "
        "options: unexpected '%s' (see mikey-tool create --help)", o->rest[0]);

  /* No default mode: MIKEY-NULL sends keys in the clear and must only be
   * used when asked for by name. */
  if (o->mode == NULL)
    return fail (MIKEY_TOOL_EXIT_USAGE, "--mode is required: --mode null "
        "(keys in the clear, for RTSPS/SIPS) or --mode psk (with --psk)");
  if (!mikey_mode_from_name (o->mode, &cfg->mode))
    return fail (MIKEY_TOOL_EXIT_USAGE, "--mode: unknown mode '%s' "
        "(expected null or psk)", o->mode);

  if (o->suite != NULL) {
    suite = mikey_suite_lookup (o->suite);
    if (suite == NULL)
      return fail (MIKEY_TOOL_EXIT_USAGE, "--suite: unknown suite '%s' "
          "(expected one of %s)", o->suite, mikey_suite_names ());
  } else {
    suite = mikey_suite_get (MIKEY_SUITE_AES_CM_128_HMAC_SHA1_80);
  }
  cfg->suite = suite;

  if (cfg->mode == MIKEY_MODE_PSK && o->psk == NULL)
    return fail (MIKEY_TOOL_EXIT_USAGE, "--mode psk needs the pre-shared "
        "key: --psk HEX");
  if (cfg->mode == MIKEY_MODE_NULL && o->psk != NULL)
    return fail (MIKEY_TOOL_EXIT_USAGE, "--psk is not used with --mode null "
        "(MIKEY-NULL messages are not protected): use --mode psk");

  if (o->tgk != NULL && o->tek != NULL)
    return fail (MIKEY_TOOL_EXIT_USAGE, "--tgk and --tek both given: pass "
        "either a TEK (master key + salt, used as is) or a TGK (keys "
        "derived from it), not both");
  if (o->tgk == NULL && o->tek == NULL)
    return fail (MIKEY_TOOL_EXIT_USAGE, "no key given: pass --tek HEX "
        "(SRTP master key followed by salt, %u + %u bytes for %s) or "
        "--tgk HEX", suite->key_len, suite->salt_len, suite->name);

  if (o->psk != NULL &&
      (args->psk = parse_hex ("--psk", o->psk, &args->psk_len, &err)) == NULL)
    goto bad_arg;
  if (o->tek != NULL) {
    if ((args->tek = parse_hex ("--tek", o->tek, &args->tek_len, &err)) == NULL)
      goto bad_arg;
    if (args->tek_len != suite->key_len + suite->salt_len)
      return fail (MIKEY_TOOL_EXIT_USAGE, "--tek: %s needs %u bytes "
          "(%u-byte master key followed by %u-byte salt), got %"
          G_GSIZE_FORMAT, suite->name, suite->key_len + suite->salt_len,
          suite->key_len, suite->salt_len, args->tek_len);
  }
  if (o->tgk != NULL &&
      (args->tgk = parse_hex ("--tgk", o->tgk, &args->tgk_len, &err)) == NULL)
    goto bad_arg;
  if (o->mki != NULL) {
    if ((args->mki = parse_hex ("--mki", o->mki, &args->mki_len, &err)) == NULL)
      goto bad_arg;
    if (args->mki_len > MAX_MKI)
      return fail (MIKEY_TOOL_EXIT_USAGE, "--mki: %" G_GSIZE_FORMAT
          " bytes is longer than the %d bytes SRTP allows", args->mki_len,
          MAX_MKI);
  }

  if (o->roc != NULL && !parse_u32 ("--roc", o->roc, &roc, &err))
    goto bad_arg;
  if (o->csb_id != NULL && !parse_u32 ("--csb-id", o->csb_id, &cfg->csb_id,
          &err))
    goto bad_arg;

  args->cs = g_array_new (FALSE, TRUE, sizeof (MikeySrtpCs));
  for (i = 0; o->ssrc != NULL && o->ssrc[i] != NULL; i++) {
    MikeySrtpCs cs = { 0 };

    if (!parse_u32 ("--ssrc", o->ssrc[i], &cs.ssrc, &err))
      goto bad_arg;
    cs.roc = roc;
    g_array_append_val (args->cs, cs);
  }
  if (args->cs->len > 255)
    return fail (MIKEY_TOOL_EXIT_USAGE, "%u --ssrc given: a MIKEY message "
        "holds at most 255 crypto sessions", args->cs->len);
  if (o->roc != NULL && args->cs->len == 0)
    return fail (MIKEY_TOOL_EXIT_USAGE, "--roc needs at least one --ssrc: "
        "the ROC travels in the crypto session map, next to its SSRC");

  cfg->psk = args->psk;
  cfg->psk_len = args->psk_len;
  cfg->tgk = args->tgk;
  cfg->tgk_len = args->tgk_len;
  cfg->tek = args->tek;
  cfg->tek_len = args->tek_len;
  cfg->mki = args->mki;
  cfg->mki_len = args->mki_len;
  cfg->cs = (const MikeySrtpCs *) args->cs->data;
  cfg->n_cs = args->cs->len;
  return ret;

bad_arg:
  ret = fail (MIKEY_TOOL_EXIT_USAGE, "%s", err->message);
  g_error_free (err);
  return ret;
}

static int
cmd_create (int argc, char **argv)
{
  CreateOptions opt = { 0 };
  GOptionEntry entries[] = {
    {"mode", 'm', 0, G_OPTION_ARG_STRING, &opt.mode,
        "null (keys in the clear) or psk (pre-shared key)", "null|psk"},
    {"psk", 'p', 0, G_OPTION_ARG_STRING, &opt.psk,
          "Pre-shared key for --mode psk (hex, any length; 16+ bytes advised)",
        "HEX"},
    {"tek", 0, 0, G_OPTION_ARG_STRING, &opt.tek,
        "SRTP master key followed by master salt (hex)", "HEX"},
    {"tgk", 0, 0, G_OPTION_ARG_STRING, &opt.tgk,
        "TEK generation key to derive the SRTP keys from (hex)", "HEX"},
    {"mki", 0, 0, G_OPTION_ARG_STRING, &opt.mki,
        "SRTP master key identifier (hex, 1 to 128 bytes)", "HEX"},
    {"ssrc", 's', 0, G_OPTION_ARG_STRING_ARRAY, &opt.ssrc,
        "SSRC of a crypto session (repeat for several)", "N"},
    {"roc", 'r', 0, G_OPTION_ARG_STRING, &opt.roc,
        "SRTP rollover counter of the sessions (default 0)", "N"},
    {"csb-id", 0, 0, G_OPTION_ARG_STRING, &opt.csb_id,
        "Crypto session bundle ID (default: random)", "N"},
    {"suite", 0, 0, G_OPTION_ARG_STRING, &opt.suite,
          "SRTP crypto suite, SDES name (default AES_CM_128_HMAC_SHA1_80)",
        "NAME"},
    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt.rest, NULL,
        NULL},
    {NULL}
  };
  MikeyInitiatorConfig cfg = { 0 };
  CreateArgs args = { 0 };
  MikeyInitiator *init = NULL;
  GOptionContext *ctx;
  GBytes *bytes = NULL;
  GError *err = NULL;
  gchar *description, *b64;
  int ret;

  ctx = g_option_context_new ("");
  g_option_context_set_summary (ctx, create_summary);
  description = g_strconcat ("Suites (--suite): ", mikey_suite_names (),
      "\n\n", create_description, exit_codes_help, NULL);
  g_option_context_set_description (ctx, description);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_set_prgname ("mikey-tool create");
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    ret = fail (MIKEY_TOOL_EXIT_USAGE, "%s (see mikey-tool create --help)",
        err->message);
    goto out;
  }

  ret = create_validate (&opt, &cfg, &args);
  if (ret != MIKEY_TOOL_EXIT_OK)
    goto out;

  init = mikey_initiator_new (&cfg, &err);
  if (init == NULL) {
    /* the core checks what we do not (e.g. key lengths it cannot use) */
    ret = fail (MIKEY_TOOL_EXIT_USAGE, "%s", err->message);
    goto out;
  }
  bytes = mikey_initiator_start (init, g_get_real_time (), &err);
  if (bytes == NULL) {
    ret = fail (MIKEY_TOOL_EXIT_USAGE, "cannot build the message: %s",
        err->message);
    goto out;
  }

  b64 = g_base64_encode (g_bytes_get_data (bytes, NULL),
      g_bytes_get_size (bytes));
  printf ("%s\n", b64);
  g_free (b64);
  ret = MIKEY_TOOL_EXIT_OK;

out:
  g_clear_error (&err);
  if (bytes != NULL)
    g_bytes_unref (bytes);
  if (init != NULL)
    mikey_initiator_free (init);
  create_args_clear (&args);
  create_options_clear (&opt);
  g_free (description);
  g_option_context_free (ctx);
  return ret;
}

/* ------------------------------------------------------------------------
 * main
 * ---------------------------------------------------------------------- */

static void
print_main_help (FILE * out)
{
  fprintf (out,
      "Usage:\n"
      "  mikey-tool decode [--psk HEX] [--format json|caps] [MESSAGE|-]\n"
      "  mikey-tool create --mode null|psk [--psk HEX] (--tgk HEX | --tek HEX)\n"
      "                    [--mki HEX] [--ssrc N]... [--roc N] [--csb-id N]\n"
      "                    [--suite NAME]\n"
      "  mikey-tool help [decode|create]    (same as COMMAND --help)\n"
      "  mikey-tool --version\n"
      "\n"
      "MIKEY (Multimedia Internet KEYing, RFC 3830) is the key exchange that\n"
      "RTSP cameras (ONVIF), SIP phones and RTSP servers use to hand SRTP\n"
      "keys to each other, usually as base64 in an SDP line\n"
      "\"a=key-mgmt:mikey AQAF...\". mikey-tool shows what such a message\n"
      "says, which caps srtpdec needs to decrypt the stream, and makes\n"
      "messages for tests.\n"
      "\n"
      "Commands:\n"
      "  decode   print a message as JSON (every payload) or as srtpdec caps;\n"
      "           decrypts and verifies MIKEY-PSK messages with --psk\n"
      "  create   print a new MIKEY-NULL or MIKEY-PSK initiation message\n"
      "\n"
      "Examples:\n"
      "  mikey-tool decode 'a=key-mgmt:mikey AQAFABorPE0BAABNLFofAAAAAAsA6bX...'\n"
      "  mikey-tool decode --format caps < key-mgmt.txt\n"
      "  mikey-tool create --mode null --tek $(openssl rand -hex 30) --ssrc 1234\n"
      "\n"
      "Decoded output contains the SRTP keys in hex.\n"
      "\n" "%s", exit_codes_help);
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
      return cmd_decode (2, help_argv + 1);
    if (strcmp (argv[2], "create") == 0)
      return cmd_create (2, help_argv + 1);
    return fail (MIKEY_TOOL_EXIT_USAGE, "help: unknown command '%s' "
        "(commands: decode, create)", argv[2]);
  }

  /* GOption sees "decode ..." with the command as argv[0] */
  if (strcmp (cmd, "decode") == 0)
    return cmd_decode (argc - 1, argv + 1);
  if (strcmp (cmd, "create") == 0)
    return cmd_create (argc - 1, argv + 1);

  return fail (MIKEY_TOOL_EXIT_USAGE, "unknown command '%s' (commands: "
      "decode, create; see mikey-tool --help)", cmd);
}
