/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mikey-tool decode: what a MIKEY message says, and whether it holds up.
 *
 * The message is parsed, then every protection it has is checked with what
 * the user gave: the KEMAC MAC with --psk (PSK, DHHMAC), the PKE envelope
 * with --key, the trailing signature with --peer-cert or --ca-file (PKE,
 * DH). Nothing fails half-way: all findings are kept in a MikeyToolDecoded,
 * the JSON dump shows them (it helps most exactly when something is wrong),
 * and one verdict at the end picks the exit code and the one-line error.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

#include <gst/gst.h>

#include "mikey-tool.h"
#include "mikey-exchange.h"
#include "mikey-dh.h"
#include "mikey-verify.h"
#include "mikey-negotiate.h"

/* A MIKEY message is at most a few kilobytes; anything beyond this on stdin
 * is not one, and reading it all would only waste memory. */
#define MIKEY_TOOL_MAX_INPUT (1024 * 1024)

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
 * Help
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
    "What is checked depends on the message:\n"
    "  MIKEY-NULL   keys in the clear (most cameras, GStreamer's RTSP\n"
    "               server, over RTSPS): nothing to check\n"
    "  MIKEY-PSK    KEMAC encrypted and MACed with a pre-shared key: --psk\n"
    "  PKE          keys encrypted to the receiver's RSA key: --key opens\n"
    "               them; signed by the sender: --peer-cert or --ca-file\n"
    "  DH           signed Diffie-Hellman: --peer-cert or --ca-file; carries\n"
    "               no keys (they come from the DH secret of the two peers)\n"
    "  DHHMAC       Diffie-Hellman with an HMAC keyed from a pre-shared\n"
    "               secret: --psk checks the MAC of an initiation message\n"
    "  PSK verify   a V payload MACed with keys from the pre-shared key and\n"
    "               the initiation message it answers: --psk with --init\n"
    "Exit 0 means every protection the message has was checked and holds.\n"
    "\n"
    "The output CONTAINS THE SRTP KEYS in hex (that is what debugging needs,\n"
    "and whoever can read the message or knows the PSK has them anyway):\n"
    "do not paste it into public bug reports.";

static const gchar decode_description[] =
    "Output formats:\n"
    "  json  every field of every payload (header, crypto session map, T,\n"
    "        RAND, SP, KEMAC with its decrypted key data, certificates,\n"
    "        signature and its verdict, DH values, the negotiation\n"
    "        capabilities, ...), enum values as {\"value\": N, \"name\": \"...\"},\n"
    "        byte fields in hex, and the SRTP parameters per crypto session\n"
    "  caps  one line per crypto session, GStreamer caps for srtpdec:\n"
    "        application/x-srtp, ssrc=(uint)..., roc=(uint)...,\n"
    "        srtp-key=(buffer)<key||salt>, mki=(buffer)..., srtp-cipher=...\n"
    "        Printed only after every check passed. DH and DHHMAC messages\n"
    "        hold no keys: --format caps says so and exits with 2.\n"
    "\n"
    "Certificates:\n"
    "  --peer-cert FILE  the certificate (PEM) whose key must have signed the\n"
    "                    message; if the message carries certificates (CERT\n"
    "                    payloads) the first must be this one\n"
    "  --ca-file PATH    CA certificates (PEM file or directory) the\n"
    "                    certificates the message carries must chain to\n"
    "  --crl-file FILE   CRLs (PEM) of those CAs: a revoked certificate, or\n"
    "                    one whose CA has no current CRL here, is refused\n"
    "  Either way an initiation message's ID payload (IDi) must match the\n"
    "  certificate, and certificates are checked as of now.\n"
    "  --key FILE        the receiver's RSA private key (PEM). If it is\n"
    "                    encrypted, put its passphrase in the environment\n"
    "                    variable " MIKEY_TOOL_PASSPHRASE_ENV ".\n"
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
    "  # Verify the verification message that answers it:\n"
    "  mikey-tool decode --psk 000102030405060708090a0b0c0d0e0f \\\n"
    "    --init 'mikey AQA...' 'mikey AQE...'\n"
    "\n"
    "  # Who signed this DH message, and is it trusted by my CA?\n"
    "  mikey-tool decode --ca-file ca.pem 'mikey AQQF...'\n"
    "\n"
    "  # The keys of a PKE message sent to bob, signed by alice:\n"
    "  mikey-tool decode --key bob-key.pem --peer-cert alice.pem \\\n"
    "    --format caps 'mikey AQIF...'\n"
    "\n"
    "  # Round trip with create:\n"
    "  mikey-tool create --mode null --tek $(openssl rand -hex 30) \\\n"
    "    --ssrc 0xdeadbeef | mikey-tool decode --format caps\n" "\n";

/* ------------------------------------------------------------------------
 * What the user gave to check the message with
 * ---------------------------------------------------------------------- */

typedef struct
{
  gchar *psk_hex;
  gchar *format;
  gchar *key;
  gchar *peer_cert;
  gchar *ca_file;
  gchar *crl_file;
  gchar *init;
  gchar **rest;
} DecodeOptions;

typedef struct
{
  guint8 *psk;
  gsize psk_len;
  MikeyKey *key;
  MikeyCert *peer_cert;
  MikeyTrust *trust;
  /* --init: the initiation message a verification message answers */
  MikeyMessage *init_msg;
} DecodeKeys;

static void
decode_options_clear (DecodeOptions * o)
{
  g_free (o->psk_hex);
  g_free (o->format);
  g_free (o->key);
  g_free (o->peer_cert);
  g_free (o->ca_file);
  g_free (o->crl_file);
  g_free (o->init);
  g_strfreev (o->rest);
}

static void
decode_keys_clear (DecodeKeys * k)
{
  mikey_secure_free (k->psk, k->psk_len);
  if (k->key != NULL)
    mikey_key_unref (k->key);
  if (k->peer_cert != NULL)
    mikey_cert_unref (k->peer_cert);
  if (k->trust != NULL)
    mikey_trust_free (k->trust);
  if (k->init_msg != NULL)
    mikey_message_free (k->init_msg);
}

/* Reads the files and the PSK; an exit code, MIKEY_TOOL_EXIT_OK when all
 * could be had. */
static int
decode_keys_load (const DecodeOptions * o, DecodeKeys * k)
{
  GError *err = NULL;
  int ret;

  if (o->psk_hex != NULL &&
      (k->psk = mikey_tool_parse_hex ("--psk", o->psk_hex, &k->psk_len,
              &err)) == NULL)
    goto bad;
  /* decoding is inspection, not keying: say it, but go on */
  if (k->psk != NULL && k->psk_len < MIKEY_TOOL_MIN_PSK_LEN)
    fprintf (stderr, "mikey-tool: warning: --psk is %" G_GSIZE_FORMAT
        " byte%s long, too short to be secure (mikeyenc and mikeydec refuse "
        "it unless allow-weak-psk=true)\n", k->psk_len,
        k->psk_len == 1 ? "" : "s");
  if (o->key != NULL &&
      (k->key = mikey_tool_load_key ("--key", o->key, &err)) == NULL)
    goto bad;
  if (o->peer_cert != NULL &&
      (k->peer_cert = mikey_tool_load_cert ("--peer-cert", o->peer_cert,
              &err)) == NULL)
    goto bad;
  if (o->ca_file != NULL &&
      (k->trust = mikey_tool_load_trust ("--ca-file", o->ca_file,
              &err)) == NULL)
    goto bad;
  if (o->init != NULL) {
    gchar *key_mgmt = extract_key_mgmt (o->init);
    gsize init_len = 0;
    guint8 *init = mikey_key_mgmt_decode (key_mgmt, &init_len, &err);

    g_free (key_mgmt);
    if (init != NULL)
      k->init_msg = mikey_message_parse (init, init_len, &err);
    g_free (init);
    if (k->init_msg == NULL) {
      g_prefix_error (&err, "--init: ");
      goto bad;
    }
  }
  if (o->crl_file != NULL && k->trust == NULL) {
    g_set_error (&err, MIKEY_ERROR, MIKEY_ERROR_INVALID, "--crl-file needs "
        "--ca-file: the CRLs are checked along the chains to those CAs");
    goto bad;
  }
  if (o->crl_file != NULL &&
      !mikey_credentials_load_crls (k->trust, o->crl_file, &err)) {
    g_prefix_error (&err, "--crl-file: ");
    goto bad;
  }
  return MIKEY_TOOL_EXIT_OK;

bad:
  ret = mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "%s", err->message);
  g_error_free (err);
  return ret;
}

static void
decoded_clear (MikeyToolDecoded * dec)
{
  if (dec->srtp != NULL)
    g_array_unref (dec->srtp);
  if (dec->key_data != NULL)
    g_ptr_array_unref (dec->key_data);
  if (dec->msg != NULL)
    mikey_message_free (dec->msg);
  g_free (dec->signer);
  g_free (dec->signer_identity);
}

static const gchar *
data_type_name (const MikeyToolDecoded * dec)
{
  return mikey_data_type_name (dec->msg->hdr.data_type);
}

static gboolean
is_dh_type (guint8 data_type)
{
  return data_type == MIKEY_DT_DH_INIT || data_type == MIKEY_DT_DH_RESP ||
      data_type == MIKEY_DT_DHHMAC_INIT || data_type == MIKEY_DT_DHHMAC_RESP;
}

/* ------------------------------------------------------------------------
 * The signature (PKE, DH)
 * ---------------------------------------------------------------------- */

static gboolean
is_signed (const MikeyMessage * msg)
{
  const MikeyPayload *last;

  if (msg->payloads->len == 0)
    return FALSE;
  last = g_ptr_array_index (msg->payloads, msg->payloads->len - 1);
  return last->type == MIKEY_PT_SIGN;
}

/* The ID payload the signer's certificate must match, as the responder
 * checks it: IDi, the first ID payload of an initiation message. In a
 * response the first ID payload is IDr only if the responder sent one,
 * which the message does not tell: no identity is checked there. */
static const MikeyPayload *
signer_id_payload (const MikeyMessage * msg)
{
  switch (msg->hdr.data_type) {
    case MIKEY_DT_PK_INIT:
    case MIKEY_DT_DH_INIT:
    case MIKEY_DT_RSA_R_INIT:
      return mikey_message_find (msg, MIKEY_PT_ID, NULL);
    default:
      return NULL;
  }
}

/* A --peer-cert that is not the certificate the message carries: name
 * both, which the core's "not the one configured" cannot. */
static gboolean
check_pinned_is_carried (const MikeyMessage * msg, MikeyCert * pinned,
    GError ** error)
{
  const MikeyPayload *p = mikey_message_find (msg, MIKEY_PT_CERT, NULL);
  const guint8 *a, *b;
  gsize a_len, b_len;
  MikeyCert *carried;
  gchar *theirs, *ours;

  if (p == NULL || p->u.cert.cert_type == MIKEY_CERT_X509V3_URL)
    return TRUE;
  /* unreadable: mikey_peer_cert() names the problem */
  carried = mikey_cert_new_from_der (p->u.cert.data.data, p->u.cert.data.len,
      NULL);
  if (carried == NULL)
    return TRUE;
  a = mikey_cert_get_der (carried, &a_len);
  b = mikey_cert_get_der (pinned, &b_len);
  if (a_len == b_len && memcmp (a, b, a_len) == 0) {
    mikey_cert_unref (carried);
    return TRUE;
  }
  theirs = mikey_cert_get_subject (carried);
  ours = mikey_cert_get_subject (pinned);
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CERT_UNTRUSTED,
      "the message carries the certificate \"%s\", not the one given with "
      "--peer-cert (\"%s\")", theirs, ours);
  g_free (theirs);
  g_free (ours);
  mikey_cert_unref (carried);
  return FALSE;
}

/* The certificates after the first CERT payload: the chain the signer
 * sent along (unreadable ones are left out; the leaf is what counts). */
static GPtrArray *
carried_chain (const MikeyMessage * msg)
{
  GPtrArray *chain = g_ptr_array_new_with_free_func ((GDestroyNotify)
      mikey_cert_unref);
  gboolean leaf = TRUE;
  guint i;

  for (i = 0; i < msg->payloads->len; i++) {
    const MikeyPayload *p = g_ptr_array_index (msg->payloads, i);
    MikeyCert *c;

    if (p->type != MIKEY_PT_CERT)
      continue;
    if (leaf) {
      leaf = FALSE;
      continue;
    }
    c = mikey_cert_new_from_der (p->u.cert.data.data, p->u.cert.data.len, NULL);
    if (c != NULL)
      g_ptr_array_add (chain, c);
  }
  return chain;
}

/* The signer's certificate, checked as the receiving element would check
 * it (pinned, or chained to the CAs; identity; validity now). */
static MikeyCert *
signer_cert (MikeyToolDecoded * dec, const DecodeKeys * k,
    const gchar * identity, GError ** error)
{
  MikeyCert *cert;
  GPtrArray *chain;
  gboolean ok;

  if (k->peer_cert != NULL &&
      !check_pinned_is_carried (dec->msg, k->peer_cert, error))
    return NULL;
  if (k->peer_cert == NULL &&
      mikey_message_find (dec->msg, MIKEY_PT_CERT, NULL) == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "the message carries no certificate (CERT payload) to check "
        "against --ca-file: give the signer's certificate with --peer-cert "
        "FILE");
    return NULL;
  }
  cert = mikey_peer_cert (dec->msg, k->peer_cert, k->trust, identity,
      dec->now_us, error);
  if (cert == NULL || k->peer_cert == NULL || k->trust == NULL)
    return cert;

  /* A pinned certificate is all a receiver needs, so the core skips the
   * CAs then; a user who gave both wants both checked. */
  chain = carried_chain (dec->msg);
  ok = mikey_cert_verify (cert, chain, k->trust,
      (time_t) (dec->now_us / G_USEC_PER_SEC), error);
  g_ptr_array_unref (chain);
  if (!ok) {
    mikey_cert_unref (cert);
    return NULL;
  }
  return cert;
}

static void
check_signature (MikeyToolDecoded * dec, const DecodeKeys * k,
    GError ** sign_err)
{
  gchar *identity;
  MikeyCert *cert;
  MikeyKey *key;
  gboolean ok;

  if (!is_signed (dec->msg)) {
    dec->sign_status = MIKEY_TOOL_SIGN_ABSENT;
    return;
  }
  if (k->peer_cert == NULL && k->trust == NULL) {
    dec->sign_status = MIKEY_TOOL_SIGN_UNCHECKED;
    return;
  }

  identity = mikey_id_string (signer_id_payload (dec->msg));
  cert = signer_cert (dec, k, identity, sign_err);
  if (cert == NULL) {
    g_prefix_error (sign_err, "signature check failed: ");
    dec->sign_status = MIKEY_TOOL_SIGN_FAILED;
    dec->sign_error = *sign_err;
    g_free (identity);
    return;
  }
  key = mikey_cert_get_public_key (cert);
  /* the core prefixes its error with "signature check failed: " */
  ok = mikey_check_signature (dec->msg, dec->data, dec->len, key, sign_err);
  mikey_key_unref (key);
  if (ok) {
    dec->sign_status = MIKEY_TOOL_SIGN_VERIFIED;
    dec->signer = mikey_cert_get_subject (cert);
    dec->signer_identity = identity;
  } else {
    dec->sign_status = MIKEY_TOOL_SIGN_FAILED;
    dec->sign_error = *sign_err;
    g_free (identity);
  }
  mikey_cert_unref (cert);
}

/* ------------------------------------------------------------------------
 * The KEMAC
 * ---------------------------------------------------------------------- */

static gboolean
kemac_is_protected (const MikeyPayload * kemac)
{
  return kemac->u.kemac.enc_alg != MIKEY_ENC_NULL ||
      kemac->u.kemac.mac_alg != MIKEY_MAC_NULL;
}

static void
set_srtp (MikeyToolDecoded * dec, GError ** srtp_err)
{
  dec->srtp = mikey_srtp_params_from_message (dec->msg, dec->key_data,
      NULL, 0, srtp_err);
  if (dec->srtp == NULL)
    dec->srtp_error = *srtp_err;
}

static void
kemac_failed (MikeyToolDecoded * dec, GError ** kemac_err)
{
  dec->kemac_status = MIKEY_TOOL_KEMAC_FAILED;
  dec->kemac_error = *kemac_err;
}

/* MIKEY-NULL and MIKEY-PSK: the core's own opener. */
static void
open_psk_kemac (MikeyToolDecoded * dec, const MikeyPayload * kemac,
    const DecodeKeys * k, GError ** kemac_err, GError ** srtp_err)
{
  /* A KEMAC with a MAC needs the key; an encrypted one without MAC is
   * refused by the core whatever key is given, so let it say so. */
  if (kemac->u.kemac.mac_alg != MIKEY_MAC_NULL && k->psk == NULL) {
    dec->kemac_status = MIKEY_TOOL_KEMAC_NEEDS_KEY;
    return;
  }
  dec->key_data = mikey_psk_open_kemac (dec->msg, dec->data, dec->len,
      k->psk, k->psk_len, kemac_err);
  if (dec->key_data == NULL) {
    kemac_failed (dec, kemac_err);
    return;
  }
  dec->kemac_status = kemac_is_protected (kemac) ?
      MIKEY_TOOL_KEMAC_VERIFIED : MIKEY_TOOL_KEMAC_CLEAR;
  set_srtp (dec, srtp_err);
}

/* The envelope key from the PKE payload, and the KEMAC keys derived from
 * it (RFC 3830 4.1.4), as the responder derives them. */
static gboolean
open_envelope (const MikeyMessage * msg, MikeyKey * key,
    MikeyTransportKeys * keys, GError ** error)
{
  const MikeyPayload *pke = mikey_message_find (msg, MIKEY_PT_PKE, NULL);
  const MikeyPayload *rand = mikey_message_find (msg, MIKEY_PT_RAND, NULL);
  guint8 *env = NULL;
  gsize env_len = 0;
  gboolean ok;

  if (pke == NULL || rand == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "a PK init message needs PKE and RAND payloads");
    return FALSE;
  }
  if (!mikey_pk_decrypt (key, pke->u.pke.data.data, pke->u.pke.data.len,
          &env, &env_len, NULL)) {
    /* no padding oracle to fear here: this is the user's own key */
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_AUTH,
        "the envelope key (PKE payload) does not decrypt with --key: wrong "
        "private key, or encrypted to another certificate (the CHASH "
        "payload holds that certificate's SHA-1 fingerprint)");
    return FALSE;
  }
  ok = mikey_transport_keys_derive (env, env_len, msg->hdr.csb_id,
      rand->u.rand.rand.data, rand->u.rand.rand.len, keys, error);
  mikey_secure_free (env, env_len);
  return ok;
}

/* PKE: --key opens the envelope, whose key opens the KEMAC. */
static void
open_pke_kemac (MikeyToolDecoded * dec, const MikeyPayload * kemac,
    const DecodeKeys * k, GError ** kemac_err, GError ** srtp_err)
{
  MikeyTransportKeys keys;

  if (k->key == NULL) {
    dec->kemac_status = MIKEY_TOOL_KEMAC_NEEDS_KEY;
    return;
  }
  /* mikey_kemac_open() would take a NULL MAC as a good one */
  if (kemac->u.kemac.mac_alg == MIKEY_MAC_NULL) {
    g_set_error (kemac_err, MIKEY_ERROR, MIKEY_ERROR_UNAUTHENTICATED,
        "KEMAC is encrypted but carries no MAC: refusing an "
        "unauthenticated key");
    kemac_failed (dec, kemac_err);
    return;
  }
  if (!open_envelope (dec->msg, k->key, &keys, kemac_err)) {
    dec->envelope_failed = TRUE;
    kemac_failed (dec, kemac_err);
    return;
  }
  dec->key_data = mikey_kemac_open (dec->msg, dec->data, dec->len, &keys,
      kemac_err);
  mikey_transport_keys_clear (&keys);
  if (dec->key_data == NULL) {
    kemac_failed (dec, kemac_err);
    return;
  }
  dec->kemac_status = MIKEY_TOOL_KEMAC_OPENED_PKE;
  set_srtp (dec, srtp_err);
}

/* DHHMAC (RFC 4650): the KEMAC holds no keys, only an HMAC over the
 * message keyed from the pre-shared secret and the initiator's RAND. */
static void
check_dhhmac_mac (MikeyToolDecoded * dec, const MikeyPayload * kemac,
    const DecodeKeys * k, GError ** kemac_err)
{
  const MikeyPayload *rand = mikey_message_find (dec->msg, MIKEY_PT_RAND,
      NULL);
  MikeyTransportKeys keys;
  gboolean ok;

  if (kemac == NULL || kemac->u.kemac.mac_alg != MIKEY_MAC_HMAC_SHA1_160) {
    g_set_error (kemac_err, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "a %s message needs a KEMAC payload with an HMAC-SHA-1 MAC",
        data_type_name (dec));
    kemac_failed (dec, kemac_err);
    return;
  }
  if (dec->msg->hdr.data_type == MIKEY_DT_DHHMAC_RESP) {
    dec->kemac_status = MIKEY_TOOL_KEMAC_UNVERIFIABLE;
    return;
  }
  if (k->psk == NULL) {
    dec->kemac_status = MIKEY_TOOL_KEMAC_NEEDS_KEY;
    return;
  }
  if (rand == NULL) {
    g_set_error (kemac_err, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "a DHHMAC init message needs a RAND payload");
    kemac_failed (dec, kemac_err);
    return;
  }
  ok = mikey_transport_keys_derive (k->psk, k->psk_len, dec->msg->hdr.csb_id,
      rand->u.rand.rand.data, rand->u.rand.rand.len, &keys, kemac_err) &&
      mikey_check_mac (dec->msg, mikey_payload_index (dec->msg, kemac),
      dec->data, dec->len, keys.auth_key, sizeof (keys.auth_key), NULL,
      kemac_err);
  mikey_transport_keys_clear (&keys);
  if (ok)
    dec->kemac_status = MIKEY_TOOL_KEMAC_MAC_VERIFIED;
  else
    kemac_failed (dec, kemac_err);
}

/* PSK verification message (RFC 3830 3.1): its V MAC is keyed from the
 * pre-shared key and the RAND of the initiation message it answers, and
 * covers that message's IDi, IDr and T: both are needed (--psk, --init). */
static void
check_psk_verify (MikeyToolDecoded * dec, const DecodeKeys * k,
    GError ** kemac_err)
{
  if (k->psk == NULL) {
    dec->kemac_status = MIKEY_TOOL_KEMAC_ABSENT;
    return;
  }
  if (k->init_msg == NULL) {
    dec->kemac_status = MIKEY_TOOL_KEMAC_UNVERIFIABLE;
    return;
  }
  if (mikey_psk_check_verify (k->init_msg, dec->msg, dec->data, dec->len,
          k->psk, k->psk_len, kemac_err))
    dec->kemac_status = MIKEY_TOOL_KEMAC_MAC_VERIFIED;
  else
    kemac_failed (dec, kemac_err);
}

/* Opens the KEMAC (if any) the way its data type calls for and derives the
 * SRTP parameters. Never fails by itself: what went wrong is recorded in
 * @dec, with the errors owned by the caller. */
static void
open_keys (MikeyToolDecoded * dec, const DecodeKeys * k, GError ** kemac_err,
    GError ** srtp_err)
{
  MikeyPayload *kemac = mikey_message_find (dec->msg, MIKEY_PT_KEMAC, NULL);
  guint8 dt = dec->msg->hdr.data_type;

  if (is_dh_type (dt)) {
    /* not an error of the message, but the reason there are no caps */
    g_set_error (srtp_err, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED,
        "a %s message holds no SRTP keys: with Diffie-Hellman they come "
        "from the shared secret, which only the two peers can compute "
        "(perfect forward secrecy)", data_type_name (dec));
    dec->srtp_error = *srtp_err;
    if (dt == MIKEY_DT_DHHMAC_INIT || dt == MIKEY_DT_DHHMAC_RESP)
      check_dhhmac_mac (dec, kemac, k, kemac_err);
    return;
  }
  if (dt == MIKEY_DT_PSK_VERIFY && kemac == NULL) {
    check_psk_verify (dec, k, kemac_err);
    return;
  }
  if (kemac == NULL) {
    dec->kemac_status = MIKEY_TOOL_KEMAC_ABSENT;
    return;
  }
  if (!kemac_is_protected (kemac) || dt == MIKEY_DT_PSK_INIT) {
    open_psk_kemac (dec, kemac, k, kemac_err, srtp_err);
  } else if (dt == MIKEY_DT_PK_INIT) {
    open_pke_kemac (dec, kemac, k, kemac_err, srtp_err);
  } else {
    g_set_error (kemac_err, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED,
        "mikey-tool cannot open the protected KEMAC of a %s message",
        data_type_name (dec));
    kemac_failed (dec, kemac_err);
  }
}

/* ------------------------------------------------------------------------
 * The verdict: one line and the exit code
 * ---------------------------------------------------------------------- */

static int
report_signature_failure (const MikeyToolDecoded * dec)
{
  if (dec->sign_status != MIKEY_TOOL_SIGN_FAILED)
    return MIKEY_TOOL_EXIT_OK;
  if (dec->sign_error->domain == MIKEY_ERROR) {
    switch (dec->sign_error->code) {
      case MIKEY_ERROR_AUTH:
        /* the SIGN payload itself (a certificate's own signature that
         * fails makes it MIKEY_ERROR_CERT_UNTRUSTED) */
        return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY, "%s: altered "
            "message, or not signed with this certificate's key",
            dec->sign_error->message);
      case MIKEY_ERROR_INVALID:
        /* a CERT payload we cannot read is a broken message, not a bad
         * one */
        if (mikey_message_find (dec->msg, MIKEY_PT_CERT, NULL) != NULL)
          return mikey_tool_fail (MIKEY_TOOL_EXIT_MALFORMED, "%s",
              dec->sign_error->message);
        break;
      default:
        break;
    }
  }
  return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY, "%s",
      dec->sign_error->message);
}

static int
report_kemac_failure (const MikeyToolDecoded * dec)
{
  const GError *e = dec->kemac_error;

  if (dec->kemac_status != MIKEY_TOOL_KEMAC_FAILED)
    return MIKEY_TOOL_EXIT_OK;
  if (e->domain != MIKEY_ERROR)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_MALFORMED, "%s", e->message);
  switch (e->code) {
    case MIKEY_ERROR_AUTH:{
      const MikeyPayload *kemac = mikey_message_find (dec->msg,
          MIKEY_PT_KEMAC, NULL);
      const gchar *who = dec->msg->hdr.data_type == MIKEY_DT_PK_INIT ?
          "wrong --key" : "wrong pre-shared key";

      /* our own sentence, which says it all */
      if (dec->envelope_failed)
        return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY, "%s", e->message);
      /* the MAC is checked first, so only an AES key wrap (whose
       * integrity check is another authentication) can fail later */
      if (kemac == NULL || kemac->u.kemac.enc_alg != MIKEY_ENC_AES_KW_128)
        return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY,
            "MAC mismatch: %s or altered message", who);
      return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY, "verification failed: "
          "%s: %s or altered message", e->message, who);
    }
    case MIKEY_ERROR_UNAUTHENTICATED:
    case MIKEY_ERROR_SETTINGS:
    case MIKEY_ERROR_POLICY:
      return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY, "%s", e->message);
    default:
      return mikey_tool_fail (MIKEY_TOOL_EXIT_MALFORMED, "%s", e->message);
  }
}

/* Values no receiver accepts though the codec reads them: a DH value a
 * peer must refuse (0, 1, p-1 or out of range), a broken
 * capabilities extension. */
static int
report_content (const MikeyToolDecoded * dec)
{
  MikeyOffer caps;
  GError *err = NULL;
  guint i, n_dh = 0;
  int ret;

  for (i = 0; i < dec->msg->payloads->len; i++) {
    const MikeyPayload *p = g_ptr_array_index (dec->msg->payloads, i);

    if (p->type != MIKEY_PT_DH)
      continue;
    n_dh++;
    if (!mikey_dh_check_public (p->u.dh.group, p->u.dh.value.data,
            p->u.dh.value.len, &err)) {
      ret = mikey_tool_fail (MIKEY_TOOL_EXIT_MALFORMED, "DH payload %u "
          "(payload %u): invalid DH value: %s", n_dh, i + 1, err->message);
      g_error_free (err);
      return ret;
    }
  }
  if (!mikey_offer_find (dec->msg, &caps, &err) && err != NULL) {
    ret = mikey_tool_fail (MIKEY_TOOL_EXIT_MALFORMED, "%s", err->message);
    g_error_free (err);
    return ret;
  }
  return MIKEY_TOOL_EXIT_OK;
}

/* Why --psk cannot check this message */
static int
report_unused_psk (const MikeyToolDecoded * dec)
{
  guint8 dt = dec->msg->hdr.data_type;

  switch (dec->kemac_status) {
    case MIKEY_TOOL_KEMAC_CLEAR:
      /* The user asked for verification and there is nothing to verify:
       * saying "OK" would let an altered MIKEY-NULL message pass a
       * script's "decode --psk K && trust it" check. */
      return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY, "message is not "
          "protected (MIKEY-NULL: KEMAC neither encrypted nor MACed), so "
          "--psk cannot verify it; decode it without --psk");
    case MIKEY_TOOL_KEMAC_UNVERIFIABLE:
      if (dt == MIKEY_DT_PSK_VERIFY)
        return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY, "the MAC of a "
            "verification message is keyed with the RAND of the initiation "
            "message it answers and covers that message's IDs and "
            "timestamp: pass that message with --init to verify it");
      return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY, "the MAC of a DHHMAC "
          "response is keyed with the RAND of the initiation message, which "
          "it does not carry: --psk cannot verify it on its own");
    default:
      break;
  }
  if (dt == MIKEY_DT_PK_INIT)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY, "--psk does not open a "
        "public-key (PKE) message: pass the receiver's private key with "
        "--key FILE");
  if (dt == MIKEY_DT_DH_INIT || dt == MIKEY_DT_DH_RESP)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY, "a %s message is signed, "
        "not MACed: nothing to verify with --psk (use --peer-cert or "
        "--ca-file)", data_type_name (dec));
  return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY, "%s message has no "
      "protected KEMAC payload: nothing to verify with --psk",
      data_type_name (dec));
}

/* An option that had nothing to act on: a script that passes it expects
 * a check, and must not read exit 0 as one. */
static int
report_unused_options (const MikeyToolDecoded * dec, const DecodeKeys * k)
{
  gboolean psk_used = dec->kemac_status == MIKEY_TOOL_KEMAC_VERIFIED ||
      dec->kemac_status == MIKEY_TOOL_KEMAC_MAC_VERIFIED ||
      (dec->kemac_status == MIKEY_TOOL_KEMAC_FAILED &&
      dec->msg->hdr.data_type != MIKEY_DT_PK_INIT);

  if (k->psk != NULL && !psk_used)
    return report_unused_psk (dec);
  if (k->init_msg != NULL && (k->psk == NULL ||
          dec->msg->hdr.data_type != MIKEY_DT_PSK_VERIFY))
    return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY, "--init is for checking "
        "a PSK verification message with --psk; this is a %s message%s",
        data_type_name (dec), k->psk == NULL ? " and --psk is missing" : "");
  if (k->key != NULL && dec->msg->hdr.data_type != MIKEY_DT_PK_INIT)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY, "--key opens public-key "
        "(PKE) messages; this is a %s message: nothing to open with it",
        data_type_name (dec));
  if ((k->peer_cert != NULL || k->trust != NULL) &&
      dec->sign_status == MIKEY_TOOL_SIGN_ABSENT)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY, "%s message is not "
        "signed: nothing to verify with %s", data_type_name (dec),
        k->peer_cert != NULL ? "--peer-cert" : "--ca-file");
  return MIKEY_TOOL_EXIT_OK;
}

/* What to pass to check the signature */
static const gchar *
signature_hint (const MikeyToolDecoded * dec)
{
  if (mikey_message_find (dec->msg, MIKEY_PT_CERT, NULL) == NULL)
    return "pass the signer's certificate with --peer-cert FILE (the "
        "message carries none)";
  return "pass --ca-file FILE (the CA certificates its certificate must "
      "chain to) or --peer-cert FILE (the signer's certificate)";
}

/* Protection present but not checked for want of a key or certificate */
static int
report_unchecked (const MikeyToolDecoded * dec)
{
  gboolean sig = dec->sign_status == MIKEY_TOOL_SIGN_UNCHECKED;
  gboolean key = dec->kemac_status == MIKEY_TOOL_KEMAC_NEEDS_KEY;
  guint8 dt = dec->msg->hdr.data_type;

  if (dt == MIKEY_DT_PK_INIT && sig && key)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY, "message is signed and "
        "its keys are encrypted to the receiver's public key: %s to check "
        "the signature, and --key FILE (the receiver's private key) to open "
        "the keys", signature_hint (dec));
  if (sig)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY, "message is signed but "
        "the signature was not checked: %s", signature_hint (dec));
  if (!key)
    return MIKEY_TOOL_EXIT_OK;
  if (dt == MIKEY_DT_PK_INIT)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY, "the keys of a "
        "public-key (PKE) message are encrypted to the receiver's public "
        "key: pass its private key with --key FILE");
  if (dt == MIKEY_DT_DHHMAC_INIT)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY, "message is "
        "authenticated with an HMAC keyed from a pre-shared secret: pass "
        "--psk HEX to verify it");
  return mikey_tool_fail (MIKEY_TOOL_EXIT_VERIFY,
      "message is protected with a pre-shared key: pass --psk HEX");
}

/* Keys for srtpdec, when they are wanted (@need_keys) or were opened */
static int
report_keys (const MikeyToolDecoded * dec, gboolean need_keys)
{
  switch (dec->kemac_status) {
    case MIKEY_TOOL_KEMAC_CLEAR:
    case MIKEY_TOOL_KEMAC_VERIFIED:
    case MIKEY_TOOL_KEMAC_OPENED_PKE:
      if (dec->srtp == NULL)
        return mikey_tool_fail (MIKEY_TOOL_EXIT_MALFORMED, "%s",
            dec->srtp_error != NULL ? dec->srtp_error->message :
            "no SRTP parameters in the message");
      return MIKEY_TOOL_EXIT_OK;
    default:
      break;
  }
  if (!need_keys)
    return MIKEY_TOOL_EXIT_OK;
  /* a well-formed message without keys: no caps is not success, or a
   * script would hand srtpdec nothing */
  if (dec->srtp_error != NULL)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_MALFORMED, "%s; decode it with "
        "--format json to see it", dec->srtp_error->message);
  return mikey_tool_fail (MIKEY_TOOL_EXIT_MALFORMED, "%s message (data type "
      "%u) has no KEMAC payload, so it carries no SRTP keys",
      data_type_name (dec), dec->msg->hdr.data_type);
}

/* Returns MIKEY_TOOL_EXIT_OK (and prints nothing) when all is well. The
 * order puts what the user most needs to know first: a failed check, a
 * broken message, a useless option, a check not made. */
static int
report (const MikeyToolDecoded * dec, const DecodeKeys * k, gboolean need_keys)
{
  int ret;

  if ((ret = report_signature_failure (dec)) != MIKEY_TOOL_EXIT_OK ||
      (ret = report_kemac_failure (dec)) != MIKEY_TOOL_EXIT_OK ||
      (ret = report_content (dec)) != MIKEY_TOOL_EXIT_OK ||
      (ret = report_unused_options (dec, k)) != MIKEY_TOOL_EXIT_OK ||
      (ret = report_unchecked (dec)) != MIKEY_TOOL_EXIT_OK)
    return ret;
  return report_keys (dec, need_keys);
}

/* ------------------------------------------------------------------------
 * The command
 * ---------------------------------------------------------------------- */

static int
decode_bytes (const guint8 * data, gsize len, const DecodeKeys * k,
    gboolean as_caps)
{
  MikeyToolDecoded dec = { 0 };
  GError *err = NULL, *kemac_err = NULL, *srtp_err = NULL, *sign_err = NULL;
  int ret;

  dec.data = data;
  dec.len = len;
  dec.now_us = g_get_real_time ();
  dec.msg = mikey_message_parse (data, len, &err);
  if (dec.msg == NULL) {
    ret = mikey_tool_fail (MIKEY_TOOL_EXIT_MALFORMED, "%s", err->message);
    g_error_free (err);
    return ret;
  }

  check_signature (&dec, k, &sign_err);
  open_keys (&dec, k, &kemac_err, &srtp_err);

  if (as_caps) {
    /* keys or nothing: half a set of caps is worse than none */
    ret = report (&dec, k, TRUE);
    if (ret == MIKEY_TOOL_EXIT_OK)
      mikey_tool_print_caps (dec.srtp);
  } else {
    /* the dump helps most when something is wrong: print it first */
    mikey_tool_print_json (&dec);
    ret = report (&dec, k, FALSE);
  }

  g_clear_error (&kemac_err);
  g_clear_error (&srtp_err);
  g_clear_error (&sign_err);
  decoded_clear (&dec);
  return ret;
}

/* The message's bytes from the arguments or standard input; an exit code */
static int
read_message (gchar ** rest, guint8 ** data, gsize * len)
{
  gchar *text, *key_mgmt;
  GError *err = NULL;
  int ret = MIKEY_TOOL_EXIT_OK;

  if (rest == NULL || rest[0] == NULL ||
      (g_strcmp0 (rest[0], "-") == 0 && rest[1] == NULL)) {
    text = read_stdin (&err);
    if (text == NULL) {
      ret = mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "%s", err->message);
      g_error_free (err);
      return ret;
    }
  } else {
    /* several words: an unquoted "mikey AQAF..." or "a=key-mgmt:mikey
     * AQAF..." split by the shell */
    text = g_strjoinv (" ", rest);
  }

  key_mgmt = extract_key_mgmt (text);
  if (strcmp (key_mgmt, "mikey ") == 0) {
    ret = mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "no message given: pass "
        "the base64 MIKEY message (e.g. from an SDP a=key-mgmt line) as "
        "argument or on standard input");
  } else if ((*data = mikey_key_mgmt_decode (key_mgmt, len, &err)) == NULL) {
    ret = mikey_tool_fail (MIKEY_TOOL_EXIT_MALFORMED, "%s", err->message);
    g_error_free (err);
  }
  g_free (key_mgmt);
  g_free (text);
  return ret;
}

int
mikey_tool_decode (int argc, char **argv)
{
  DecodeOptions opt = { 0 };
  GOptionEntry entries[] = {
    {"format", 'f', 0, G_OPTION_ARG_STRING, &opt.format,
        "Output format: json (default) or caps", "json|caps"},
    {"psk", 'p', 0, G_OPTION_ARG_STRING, &opt.psk_hex,
          "Pre-shared key (hex): decrypts and verifies a MIKEY-PSK message, "
          "verifies a DHHMAC message's MAC",
        "HEX"},
    {"key", 'k', 0, G_OPTION_ARG_FILENAME, &opt.key,
          "The receiver's RSA private key (PEM), to open a public-key (PKE) "
          "message",
        "FILE"},
    {"peer-cert", 0, 0, G_OPTION_ARG_FILENAME, &opt.peer_cert,
          "Certificate (PEM) whose key signed the message: verifies the "
          "signature (PKE, DH)",
        "FILE"},
    {"ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt.ca_file,
          "CA certificates (PEM file or directory) the certificate in the "
          "message must chain to: verifies the signature (PKE, DH)",
        "PATH"},
    {"crl-file", 0, 0, G_OPTION_ARG_FILENAME, &opt.crl_file,
        "CRLs (PEM) of the --ca-file CAs: refuses revoked certificates "
          "and CAs without a current CRL", "FILE"},
    {"init", 0, 0, G_OPTION_ARG_STRING, &opt.init,
          "The initiation message (base64) a PSK verification message "
          "answers: with --psk, verifies its MAC",
        "MESSAGE"},
    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt.rest, NULL,
        NULL},
    {NULL}
  };
  DecodeKeys keys = { 0 };
  GOptionContext *ctx;
  GError *err = NULL;
  guint8 *data = NULL;
  gsize len = 0;
  gboolean as_caps = FALSE;
  gchar *description;
  int ret;

  ctx = g_option_context_new ("[MESSAGE|-]");
  g_option_context_set_summary (ctx, decode_summary);
  description = g_strconcat (decode_description, mikey_tool_exit_codes_help,
      NULL);
  g_option_context_set_description (ctx, description);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_set_prgname ("mikey-tool decode");
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    ret = mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "%s (see mikey-tool "
        "decode --help)", err->message);
    goto out;
  }

  if (opt.format == NULL || g_strcmp0 (opt.format, "json") == 0) {
    as_caps = FALSE;
  } else if (g_strcmp0 (opt.format, "caps") == 0) {
    as_caps = TRUE;
  } else {
    ret = mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "--format: unknown format "
        "'%s' (expected json or caps)", opt.format);
    goto out;
  }

  ret = decode_keys_load (&opt, &keys);
  if (ret != MIKEY_TOOL_EXIT_OK)
    goto out;
  ret = read_message (opt.rest, &data, &len);
  if (ret != MIKEY_TOOL_EXIT_OK)
    goto out;

  if (as_caps) {
    /* Caps need GStreamer's types but no plugin: skip the registry, so the
     * tool neither scans plugins nor writes the user's registry cache. */
    g_setenv ("GST_REGISTRY_DISABLE", "yes", FALSE);
    gst_init (NULL, NULL);
  }
  ret = decode_bytes (data, len, &keys, as_caps);

out:
  g_clear_error (&err);
  decode_keys_clear (&keys);
  g_free (data);
  decode_options_clear (&opt);
  g_free (description);
  g_option_context_free (ctx);
  return ret;
}
