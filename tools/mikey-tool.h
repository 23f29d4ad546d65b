/* mikey-tool: shared declarations of the command-line tool's parts.
 *
 * mikey-tool.c parses the command line and reads input, mikey-tool-json.c
 * prints a decoded message as JSON, mikey-tool-caps.c prints srtpdec caps.
 */
#pragma once

#include <glib.h>
#include "mikey-message.h"
#include "mikey-srtp.h"

G_BEGIN_DECLS

/* Exit codes, documented in --help: scripts tell a broken message from a
 * wrong key by them. */
typedef enum
{
  MIKEY_TOOL_EXIT_OK = 0,
  MIKEY_TOOL_EXIT_USAGE = 1,    /* bad option or argument, unreadable input */
  MIKEY_TOOL_EXIT_MALFORMED = 2,        /* not a MIKEY message we can decode */
  MIKEY_TOOL_EXIT_VERIFY = 3,   /* protected: no key given, or MAC mismatch */
} MikeyToolExit;

/* What decoding found out about the KEMAC, for the JSON dump. */
typedef enum
{
  MIKEY_TOOL_KEMAC_ABSENT,      /* no KEMAC payload in the message */
  MIKEY_TOOL_KEMAC_CLEAR,       /* NULL encryption and NULL MAC: opened */
  MIKEY_TOOL_KEMAC_VERIFIED,    /* protected, opened with --psk, MAC good */
  MIKEY_TOOL_KEMAC_NEEDS_PSK,   /* protected, no usable key given */
  MIKEY_TOOL_KEMAC_FAILED,      /* could not be opened: see error */
} MikeyToolKemacStatus;

typedef struct
{
  const guint8 *data;           /* wire bytes */
  gsize len;
  MikeyMessage *msg;
  MikeyToolKemacStatus kemac_status;
  /* Why the KEMAC (or the SRTP parameters) could not be had, or NULL */
  const GError *kemac_error;
  GPtrArray *key_data;          /* opened key data (MikeyPayload*), or NULL */
  GArray *srtp;                 /* MikeySrtpParams per CS, or NULL */
  const GError *srtp_error;
} MikeyToolDecoded;

/* Prints the whole decoded message as one JSON document on stdout. */
void mikey_tool_print_json (const MikeyToolDecoded * dec);

/* Prints one srtpdec caps string per crypto session on stdout. Needs
 * gst_init() to have run. */
void mikey_tool_print_caps (GArray * srtp);

/* Lower-case hex of @len bytes, g_malloc'ed. */
gchar *mikey_tool_hex (const guint8 * data, gsize len);

G_END_DECLS
