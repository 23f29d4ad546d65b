/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mikey-tool: shared declarations of the command-line tool's parts.
 *
 * mikey-tool.c         main, help, errors, argument parsing helpers
 * mikey-tool-decode.c  the decode command: input, verification, verdict
 * mikey-tool-create.c  the create command
 * mikey-tool-pki.c     certificate, key and CA files; certificate details
 * mikey-tool-json.c    a decoded message as JSON
 * mikey-tool-caps.c    srtpdec caps
 */
#pragma once

#include <glib.h>
#include "mikey-message.h"
#include "mikey-srtp.h"
#include "mikey-pk.h"
#include "mikey-credentials.h"

G_BEGIN_DECLS

/* The shortest --psk create takes without --allow-weak-psk (as the
 * elements' psk without allow-weak-psk=true) */
#define MIKEY_TOOL_MIN_PSK_LEN 16

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
  MIKEY_TOOL_KEMAC_OPENED_PKE,  /* PKE: envelope opened with --key, MAC good */
  MIKEY_TOOL_KEMAC_MAC_VERIFIED,        /* DHHMAC: MAC good (no key data) */
  MIKEY_TOOL_KEMAC_NEEDS_KEY,   /* protected, no usable key given */
  /* DHHMAC response: its MAC is keyed with the initiation message's RAND,
   * which this message does not carry */
  MIKEY_TOOL_KEMAC_UNVERIFIABLE,
  MIKEY_TOOL_KEMAC_FAILED,      /* could not be opened: see error */
} MikeyToolKemacStatus;

/* What decoding found out about a trailing SIGN payload. */
typedef enum
{
  MIKEY_TOOL_SIGN_ABSENT,       /* the message is not signed */
  MIKEY_TOOL_SIGN_UNCHECKED,    /* no --peer-cert / --ca-file given */
  MIKEY_TOOL_SIGN_VERIFIED,
  MIKEY_TOOL_SIGN_FAILED,       /* see sign_error */
} MikeyToolSignStatus;

typedef struct
{
  const guint8 *data;           /* wire bytes */
  gsize len;
  MikeyMessage *msg;
  MikeyToolKemacStatus kemac_status;
  /* Why the KEMAC (or the SRTP parameters) could not be had, or NULL */
  const GError *kemac_error;
  /* the KEMAC failed at the PKE envelope (--key), before its MAC */
  gboolean envelope_failed;
  GPtrArray *key_data;          /* opened key data (MikeyPayload*), or NULL */
  GArray *srtp;                 /* MikeySrtpParams per CS, or NULL */
  const GError *srtp_error;
  MikeyToolSignStatus sign_status;
  const GError *sign_error;
  gchar *signer;                /* subject of the verified signer, or NULL */
  gchar *signer_identity;       /* ID payload it was matched to, or NULL */
  gint64 now_us;                /* when certificates were checked */
} MikeyToolDecoded;

/* ---- mikey-tool.c -------------------------------------------------------- */

extern const gchar mikey_tool_exit_codes_help[];

/* Prints "mikey-tool: <message>" as exactly one line on stderr and returns
 * @code, for "return mikey_tool_fail (...)". */
/* *INDENT-OFF* */
int mikey_tool_fail (int code, const gchar * format, ...) G_GNUC_PRINTF (2, 3);
/* *INDENT-ON* */

/* Hex for option @opt (':' and white space between bytes allowed); the
 * result is a secret: free it with mikey_secure_free (buf, *out_len). */
guint8 *mikey_tool_parse_hex (const gchar * opt, const gchar * text,
    gsize * out_len, GError ** error);

/* Decimal, or hex with 0x. */
gboolean mikey_tool_parse_u32 (const gchar * opt, const gchar * text,
    guint32 * out, GError ** error);

/* ---- commands ------------------------------------------------------------ */

int mikey_tool_decode (int argc, char **argv);
int mikey_tool_create (int argc, char **argv);

/* ---- mikey-tool-pki.c ---------------------------------------------------- */

/* Where the passphrase of an encrypted private key comes from: never the
 * command line, which other users can read in ps. */
#define MIKEY_TOOL_PASSPHRASE_ENV "MIKEY_KEY_PASSPHRASE"

/* The certificates of a PEM file for option @opt (leaf first). */
GPtrArray *mikey_tool_load_certs (const gchar * opt, const gchar * path,
    GError ** error);
/* The first certificate of a PEM file (a chain file works too). */
MikeyCert *mikey_tool_load_cert (const gchar * opt, const gchar * path,
    GError ** error);
MikeyKey *mikey_tool_load_key (const gchar * opt, const gchar * path,
    GError ** error);
MikeyTrust *mikey_tool_load_trust (const gchar * opt, const gchar * path,
    GError ** error);

/* What a person wants to know about a certificate in a CERT payload. */
typedef struct
{
  gchar *subject;
  gchar *issuer;
  gchar *serial;                /* hex */
  gchar *not_before;            /* ISO 8601, UTC */
  gchar *not_after;
  /* "valid", "expired" or "not yet valid", at the time it was looked at */
  const gchar *validity_now;
  gchar **alt_names;            /* "URI:sip:...", "email:...", "DNS:..." */
  gchar *public_key;            /* "RSA 2048 bit" */
  gboolean is_ca;
  gboolean self_signed;
  gchar *sha1;                  /* of the DER: what a CHASH payload holds */
  gchar *sha256;
} MikeyToolCertInfo;

gboolean mikey_tool_cert_info (const guint8 * der, gsize len, gint64 now_us,
    MikeyToolCertInfo * info, GError ** error);
void mikey_tool_cert_info_clear (MikeyToolCertInfo * info);

/* ---- output -------------------------------------------------------------- */

/* Prints the whole decoded message as one JSON document on stdout. */
void mikey_tool_print_json (const MikeyToolDecoded * dec);

/* Prints one srtpdec caps string per crypto session on stdout. Needs
 * gst_init() to have run. */
void mikey_tool_print_caps (GArray * srtp);

G_END_DECLS
