/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mikey-tool create: initiation messages in every mode, for tests.
 *
 * The options become a MikeyInitiatorConfig and the core builds the
 * message, so what the tool prints is exactly what mikeyenc would send.
 * The checks here exist to name the option that is wrong: the core's
 * errors speak of properties, a command-line user needs "--cert".
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include "mikey-tool.h"
#include "mikey-exchange.h"
#include "mikey-suite.h"
#include "mikey-dh.h"
#include "mikey-negotiate.h"

#define MODE_BIT(m) (1u << (m))
#define ALL_MODES (MODE_BIT (MIKEY_MODE_COUNT) - 1)
/* Modes whose initiation message carries the keys (in a KEMAC) */
#define TRANSPORT_MODES (MODE_BIT (MIKEY_MODE_NULL) | \
    MODE_BIT (MIKEY_MODE_PSK) | MODE_BIT (MIKEY_MODE_PKE))
#define SIGNED_MODES (MODE_BIT (MIKEY_MODE_PKE) | MODE_BIT (MIKEY_MODE_DH))
#define DH_MODES (MODE_BIT (MIKEY_MODE_DH) | MODE_BIT (MIKEY_MODE_DHHMAC))
#define PSK_MODES (MODE_BIT (MIKEY_MODE_PSK) | MODE_BIT (MIKEY_MODE_DHHMAC))

static const gchar create_summary[] =
    "Creates a MIKEY initiation message (RFC 3830) and prints it in base64,\n"
    "ready for an SDP line \"a=key-mgmt:mikey <it>\".\n"
    "\n"
    "  --mode null    MIKEY-NULL: keys in the clear, no MAC. Only safe\n"
    "                 inside an encrypted channel (RTSPS, SIPS); this is\n"
    "                 what cameras and GStreamer's RTSP server send.\n"
    "  --mode psk     MIKEY-PSK: keys encrypted (AES-CM-128) and MACed\n"
    "                 (HMAC-SHA-1) with a key derived from --psk.\n"
    "  --mode pke     public-key envelope (RFC 3830 3.2): keys encrypted\n"
    "                 with a random envelope key, itself RSA-encrypted to\n"
    "                 the receiver's --peer-cert; signed with --key, our\n"
    "                 --cert chain attached.\n"
    "  --mode dh      signed Diffie-Hellman (RFC 3830 3.3): our DH value,\n"
    "                 signed with --key, --cert attached. No keys travel.\n"
    "  --mode dhhmac  Diffie-Hellman with an HMAC keyed from --psk\n"
    "                 (RFC 4650), for peers without certificates.\n"
    "\n"
    "Key material (null, psk, pke; exactly one):\n"
    "  --tek HEX    the SRTP master key followed by the master salt, as\n"
    "               srtpenc's \"key\" property takes it (30 bytes for the\n"
    "               AES-128 suites, 46 for AES-256, 28 / 44 for AES-GCM);\n"
    "               sent as is\n"
    "  --tgk HEX    a TEK generation key: each side derives every crypto\n"
    "               session's master key and salt from it (RFC 3830 4.1.3)\n"
    "\n"
    "dh and dhhmac messages are for tests of decoders, dissectors and\n"
    "signature checks: the tool does not keep the DH private value, so\n"
    "nobody can finish such an exchange (mikeyenc does that).";

static const gchar create_description[] =
    "Numbers (--ssrc, --roc, --csb-id) are decimal, or hex with 0x.\n"
    "Each --ssrc adds a crypto session; --roc applies to all of them.\n"
    "\n"
    "Certificates and keys are PEM files. --cert may hold a chain (leaf\n"
    "first): every certificate is sent in a CERT payload. An encrypted\n"
    "--key's passphrase is read from the environment variable\n"
    MIKEY_TOOL_PASSPHRASE_ENV ".\n"
    "\n"
    "Negotiation (docs/negotiation.md): --modes and --suites list what we\n"
    "accept, best first (comma-separated); the message uses the first mode\n"
    "and the first suite srtpenc can run, and carries both lists in a\n"
    "capabilities extension (general extension type 240). Every mode listed\n"
    "needs its material (e.g. --modes pke,psk needs --cert, --key,\n"
    "--peer-cert and --psk).\n"
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
    "\n"
    "  # alice sends keys to bob in a PKE envelope, signed with RSA-PSS:\n"
    "  mikey-tool create --mode pke --cert alice.pem --key alice-key.pem \\\n"
    "    --peer-cert bob.pem --id sip:alice@example.org --sign pss \\\n"
    "    --tek $(openssl rand -hex 30) --ssrc 1\n"
    "\n"
    "  # A signed DH offer in OAKLEY group 2 that also offers dhhmac:\n"
    "  mikey-tool create --mode dh --cert alice.pem --key alice-key.pem \\\n"
    "    --dh-group 2 --modes dh,dhhmac --psk 00112233445566778899aabbccddeeff \\\n"
    "    --suites AES_CM_128_HMAC_SHA1_32,AES_CM_128_HMAC_SHA1_80\n" "\n";

typedef struct
{
  gchar *mode;
  gchar *psk;
  gboolean allow_weak_psk;
  gchar *tgk;
  gchar *tek;
  gchar *mki;
  gchar **ssrc;
  gchar *roc;
  gchar *csb_id;
  gchar *suite;
  gchar *cert;
  gchar *key;
  gchar *peer_cert;
  gchar *sign;
  gchar *dh_group;
  gchar *id;
  gchar *peer_id;
  gchar *modes;
  gchar *suites;
  gchar **rest;
} CreateOptions;

/* What the options decode to: secrets, lists, loaded files */
typedef struct
{
  guint8 *psk, *tgk, *tek, *mki;
  gsize psk_len, tgk_len, tek_len, mki_len;
  GArray *cs;                   /* of MikeySrtpCs */
  MikeyMode modes[MIKEY_MAX_CHOICES];
  guint n_modes;
  guint mode_mask;              /* MODE_BIT of every mode offered */
  const MikeySuiteInfo *suites[MIKEY_MAX_CHOICES];
  guint n_suites;
  const MikeySuiteInfo *suite;  /* the one the message uses */
  GPtrArray *certs;
  MikeyKey *key;
  MikeyCert *peer_cert;
  MikeyTrust *trust;
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
  if (a->certs != NULL)
    g_ptr_array_unref (a->certs);
  if (a->key != NULL)
    mikey_key_unref (a->key);
  if (a->peer_cert != NULL)
    mikey_cert_unref (a->peer_cert);
  if (a->trust != NULL)
    mikey_trust_free (a->trust);
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
  g_free (o->cert);
  g_free (o->key);
  g_free (o->peer_cert);
  g_free (o->sign);
  g_free (o->dh_group);
  g_free (o->id);
  g_free (o->peer_id);
  g_free (o->modes);
  g_free (o->suites);
  g_strfreev (o->rest);
}

static int
usage (GError * err)
{
  int ret = mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "%s", err->message);

  g_error_free (err);
  return ret;
}

/* ------------------------------------------------------------------------
 * Modes and suites
 * ---------------------------------------------------------------------- */

/* "--modes psk,pke" -> the list; names as --mode takes them */
static gboolean
parse_mode_list (const gchar * text, CreateArgs * a, GError ** error)
{
  gchar *bad = NULL;
  MikeyListResult res;
  guint i;

  res = mikey_mode_list_parse (text, a->modes, &a->n_modes, &bad);
  if (res == MIKEY_LIST_UNKNOWN)
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID, "--modes: "
        "unknown mode '%s' (expected null, psk, pke, dh or dhhmac)", bad);
  else if (res == MIKEY_LIST_DUPLICATE)
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID, "--modes: %s is "
        "listed twice", bad);
  else if (res == MIKEY_LIST_EMPTY)
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "--modes: empty list");
  g_free (bad);
  for (i = 0; i < a->n_modes; i++)
    a->mode_mask |= MODE_BIT (a->modes[i]);
  return res == MIKEY_LIST_OK;
}

static gboolean
parse_suite_list (const gchar * text, CreateArgs * a, GError ** error)
{
  gchar *bad = NULL;
  MikeyListResult res;

  res = mikey_suite_list_parse (text, a->suites, &a->n_suites, &bad);
  if (res == MIKEY_LIST_UNKNOWN)
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID, "--suites: "
        "unknown suite '%s' (expected one of %s)", bad, mikey_suite_names ());
  else if (res == MIKEY_LIST_DUPLICATE)
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID, "--suites: %s "
        "is listed twice", mikey_suite_lookup (bad)->name);
  else if (res == MIKEY_LIST_TOO_MANY)
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID, "--suites: at "
        "most %d suites can be offered", MIKEY_MAX_CHOICES);
  else if (res == MIKEY_LIST_EMPTY)
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "--suites: empty list");
  g_free (bad);
  return res == MIKEY_LIST_OK;
}

/* --mode and --modes: the message uses the first of --modes, so a --mode
 * that says otherwise is a mistake, not a preference. */
static int
resolve_modes (const CreateOptions * o, CreateArgs * a)
{
  GError *err = NULL;
  MikeyMode m = MIKEY_MODE_NULL;

  if (o->mode == NULL && o->modes == NULL)
    /* No default mode: MIKEY-NULL sends keys in the clear and must only
     * be used when asked for by name. */
    return mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "--mode is required: "
        "null (keys in the clear, for RTSPS/SIPS), psk (with --psk), pke or "
        "dh (with --cert and --key) or dhhmac (with --psk)");
  if (o->mode != NULL && !mikey_mode_from_name (o->mode, &m))
    return mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "--mode: unknown mode "
        "'%s' (expected null, psk, pke, dh or dhhmac)", o->mode);

  if (o->modes == NULL) {
    a->modes[a->n_modes++] = m;
    a->mode_mask = MODE_BIT (m);
    return MIKEY_TOOL_EXIT_OK;
  }
  if (!parse_mode_list (o->modes, a, &err))
    return usage (err);
  if (o->mode != NULL && m != a->modes[0])
    return mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "--mode %s and --modes "
        "%s disagree: the message uses the first of --modes (drop --mode, "
        "or list %s first)", o->mode, o->modes, mikey_mode_name (m));
  return MIKEY_TOOL_EXIT_OK;
}

/* Likewise --suite and --suites; the message uses the first suite of the
 * list that srtpenc can run (F8 may be offered, never used). */
static int
resolve_suites (const CreateOptions * o, CreateArgs * a)
{
  const MikeySuiteInfo *suite = NULL;
  GError *err = NULL;
  guint i;

  if (o->suite != NULL && (suite = mikey_suite_lookup (o->suite)) == NULL)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "--suite: unknown suite "
        "'%s' (expected one of %s)", o->suite, mikey_suite_names ());
  if (o->suites == NULL) {
    a->suite = suite != NULL ? suite :
        mikey_suite_get (MIKEY_SUITE_AES_CM_128_HMAC_SHA1_80);
    return MIKEY_TOOL_EXIT_OK;
  }
  if (!parse_suite_list (o->suites, a, &err))
    return usage (err);
  for (i = 0; i < a->n_suites && a->suite == NULL; i++) {
    if (a->suites[i]->engine_supported)
      a->suite = a->suites[i];
  }
  if (a->suite == NULL)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "--suites: none of "
        "%s can be run by srtpenc/srtpdec", o->suites);
  if (suite != NULL && suite != a->suite)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "--suite %s and --suites "
        "%s disagree: the message uses %s, the first suite srtpenc can run "
        "(drop --suite, or list it first)", o->suite, o->suites,
        a->suite->name);
  return MIKEY_TOOL_EXIT_OK;
}

/* ------------------------------------------------------------------------
 * Which option goes with which mode
 * ---------------------------------------------------------------------- */

typedef struct
{
  const gchar *opt;
  gboolean given;
  guint modes;                  /* MODE_BITs of the modes that use it */
  const gchar *why;             /* why only those modes */
} OptionUse;

static gchar *
modes_text (const CreateOptions * o)
{
  if (o->modes != NULL)
    return g_strdup_printf ("--modes %s", o->modes);
  return g_strdup_printf ("--mode %s", o->mode);
}

/* An option no offered mode uses is refused: a message silently built
 * without what the user meant to put in is a test that proves nothing. */
static int
check_option_use (const CreateOptions * o, const CreateArgs * a)
{
  const OptionUse uses[] = {
    {"--psk", o->psk != NULL, PSK_MODES,
        "only psk and dhhmac use a pre-shared key (MIKEY-NULL messages are "
          "not protected)"},
    {"--tek", o->tek != NULL, TRANSPORT_MODES,
        "only null, psk and pke messages carry keys (with dh and dhhmac "
          "they come from the DH exchange)"},
    {"--tgk", o->tgk != NULL, TRANSPORT_MODES,
        "only null, psk and pke messages carry keys (with dh and dhhmac "
          "they come from the DH exchange)"},
    {"--cert", o->cert != NULL, SIGNED_MODES,
        "only pke and dh messages are signed"},
    {"--key", o->key != NULL, SIGNED_MODES,
        "only pke and dh messages are signed"},
    {"--sign", o->sign != NULL, SIGNED_MODES,
        "only pke and dh messages are signed"},
    {"--peer-cert", o->peer_cert != NULL, MODE_BIT (MIKEY_MODE_PKE),
        "only pke encrypts to the receiver's certificate"},
    {"--dh-group", o->dh_group != NULL, DH_MODES,
        "only dh and dhhmac use Diffie-Hellman"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (uses); i++) {
    gchar *modes;
    int ret;

    if (!uses[i].given || (uses[i].modes & a->mode_mask) != 0)
      continue;
    modes = modes_text (o);
    ret = mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "%s is not used with %s: "
        "%s", uses[i].opt, modes, uses[i].why);
    g_free (modes);
    return ret;
  }
  return MIKEY_TOOL_EXIT_OK;
}

/* What each offered mode needs, named by option. */
static int
check_mode_material (const CreateOptions * o, const CreateArgs * a)
{
  guint i;

  for (i = 0; i < a->n_modes; i++) {
    MikeyMode m = a->modes[i];
    const gchar *name = mikey_mode_name (m);

    if ((MODE_BIT (m) & PSK_MODES) && o->psk == NULL)
      return mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "--mode %s needs the "
          "pre-shared key: --psk HEX", name);
    if ((MODE_BIT (m) & SIGNED_MODES) && (o->cert == NULL || o->key == NULL))
      return mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "--mode %s needs our "
          "certificate and private key to sign with: --cert FILE --key FILE",
          name);
    if (m == MIKEY_MODE_PKE && o->peer_cert == NULL)
      return mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "--mode pke needs the "
          "receiver's certificate to encrypt the envelope key to: "
          "--peer-cert FILE");
  }
  /* keys must be chosen for the message being made; a mode offered for
   * later may take the core's random TGK */
  if ((MODE_BIT (a->modes[0]) & TRANSPORT_MODES) && o->tgk == NULL &&
      o->tek == NULL)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "no key given: pass "
        "--tek HEX (SRTP master key followed by salt, %u + %u bytes for %s) "
        "or --tgk HEX", a->suite->key_len, a->suite->salt_len, a->suite->name);
  if (o->tgk != NULL && o->tek != NULL)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "--tgk and --tek both "
        "given: pass either a TEK (master key + salt, used as is) or a TGK "
        "(keys derived from it), not both");
  return MIKEY_TOOL_EXIT_OK;
}

/* ------------------------------------------------------------------------
 * Decoding the values
 * ---------------------------------------------------------------------- */

static gboolean
parse_sign (const gchar * text, guint8 * out, GError ** error)
{
  if (text == NULL) {
    *out = MIKEY_SIGN_RSA_PKCS1_1_5;
  } else if (g_ascii_strcasecmp (text, "pkcs1") == 0) {
    *out = MIKEY_SIGN_RSA_PKCS1_1_5;
  } else if (g_ascii_strcasecmp (text, "pss") == 0) {
    *out = MIKEY_SIGN_RSA_PSS;
  } else {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID, "--sign: unknown "
        "signature type '%s' (expected pkcs1 or pss)", text);
    return FALSE;
  }
  return TRUE;
}

/* OAKLEY group numbers as RFC 2409 and everyone else call them */
static gboolean
parse_dh_group (const gchar * text, guint8 * out, GError ** error)
{
  guint64 n = 5;
  MikeyDhGroup group;

  if ((text != NULL && !g_ascii_string_to_unsigned (text, 10, 1, 255, &n,
              NULL)) || !mikey_dh_group_from_oakley ((guint) n, &group)) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID, "--dh-group: '%s' "
        "is not an OAKLEY group MIKEY defines (1 = 768 bit, 2 = 1024 bit, "
        "5 = 1536 bit)", text);
    return FALSE;
  }
  *out = group;
  return TRUE;
}

static gboolean
parse_secrets (const CreateOptions * o, CreateArgs * a, GError ** error)
{
  if (o->psk != NULL && (a->psk = mikey_tool_parse_hex ("--psk", o->psk,
              &a->psk_len, error)) == NULL)
    return FALSE;
  /* as mikeyenc's psk: a short key falls to an offline search */
  if (a->psk != NULL && a->psk_len < MIKEY_TOOL_MIN_PSK_LEN &&
      !o->allow_weak_psk) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "--psk is %" G_GSIZE_FORMAT " byte%s long, too short to be secure: "
        "use at least %d random bytes (%d hex digits), or add "
        "--allow-weak-psk to use it anyway (insecure)", a->psk_len,
        a->psk_len == 1 ? "" : "s", MIKEY_TOOL_MIN_PSK_LEN,
        2 * MIKEY_TOOL_MIN_PSK_LEN);
    return FALSE;
  }
  if (o->tek != NULL && (a->tek = mikey_tool_parse_hex ("--tek", o->tek,
              &a->tek_len, error)) == NULL)
    return FALSE;
  if (o->tgk != NULL && (a->tgk = mikey_tool_parse_hex ("--tgk", o->tgk,
              &a->tgk_len, error)) == NULL)
    return FALSE;
  if (o->mki != NULL && (a->mki = mikey_tool_parse_hex ("--mki", o->mki,
              &a->mki_len, error)) == NULL)
    return FALSE;
  return TRUE;
}

static int
check_lengths (const CreateArgs * a)
{
  const MikeySuiteInfo *suite = a->suite;

  if (a->tek != NULL && a->tek_len != suite->key_len + suite->salt_len)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "--tek: %s needs %u "
        "bytes (%u-byte master key followed by %u-byte salt), got %"
        G_GSIZE_FORMAT, suite->name, suite->key_len + suite->salt_len,
        suite->key_len, suite->salt_len, a->tek_len);
  if (a->mki_len > MIKEY_MAX_MKI)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "--mki: %" G_GSIZE_FORMAT
        " bytes is longer than the %d bytes SRTP allows", a->mki_len,
        MIKEY_MAX_MKI);
  return MIKEY_TOOL_EXIT_OK;
}

static int
parse_sessions (const CreateOptions * o, CreateArgs * a)
{
  GError *err = NULL;
  guint32 roc = 0;
  guint i;

  if (o->roc != NULL && !mikey_tool_parse_u32 ("--roc", o->roc, &roc, &err))
    return usage (err);
  a->cs = g_array_new (FALSE, TRUE, sizeof (MikeySrtpCs));
  for (i = 0; o->ssrc != NULL && o->ssrc[i] != NULL; i++) {
    MikeySrtpCs cs = { 0 };

    if (!mikey_tool_parse_u32 ("--ssrc", o->ssrc[i], &cs.ssrc, &err))
      return usage (err);
    cs.roc = roc;
    g_array_append_val (a->cs, cs);
  }
  if (a->cs->len > 255)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "%u --ssrc given: a "
        "MIKEY message holds at most 255 crypto sessions", a->cs->len);
  if (o->roc != NULL && a->cs->len == 0)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "--roc needs at least one "
        "--ssrc: the ROC travels in the crypto session map, next to its "
        "SSRC");
  return MIKEY_TOOL_EXIT_OK;
}

/* Our chain and key, the receiver's certificate */
static int
load_pki (const CreateOptions * o, CreateArgs * a)
{
  GError *err = NULL;

  if (o->cert != NULL &&
      (a->certs = mikey_tool_load_certs ("--cert", o->cert, &err)) == NULL)
    return usage (err);
  if (o->key != NULL &&
      (a->key = mikey_tool_load_key ("--key", o->key, &err)) == NULL)
    return usage (err);
  if (o->peer_cert != NULL &&
      (a->peer_cert = mikey_tool_load_cert ("--peer-cert", o->peer_cert,
              &err)) == NULL)
    return usage (err);
  /* a message signed with a key its certificate does not vouch for is
   * refused by every receiver: almost surely swapped files */
  if (a->key != NULL && a->certs != NULL &&
      !mikey_key_matches_cert (a->key, g_ptr_array_index (a->certs, 0), &err)) {
    g_prefix_error (&err, "--key and --cert: ");
    return usage (err);
  }
  /* the DH initiator wants a way to check the answer it will never get
   * here: an empty trust store satisfies it and trusts nothing */
  if (a->mode_mask & MODE_BIT (MIKEY_MODE_DH))
    a->trust = mikey_trust_new ();
  return MIKEY_TOOL_EXIT_OK;
}

/* Checks the options against each other and decodes them into @cfg, @a.
 * Returns an exit code; MIKEY_TOOL_EXIT_OK when @cfg is ready. */
static int
create_validate (const CreateOptions * o, MikeyInitiatorConfig * cfg,
    CreateArgs * a)
{
  GError *err = NULL;
  int ret;

  if (o->rest != NULL && o->rest[0] != NULL)
    return mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "create takes no "
        "arguments, only options: unexpected '%s' (see mikey-tool create "
        "--help)", o->rest[0]);

  if ((ret = resolve_modes (o, a)) != MIKEY_TOOL_EXIT_OK ||
      (ret = resolve_suites (o, a)) != MIKEY_TOOL_EXIT_OK ||
      (ret = check_option_use (o, a)) != MIKEY_TOOL_EXIT_OK ||
      (ret = check_mode_material (o, a)) != MIKEY_TOOL_EXIT_OK)
    return ret;

  if (!parse_secrets (o, a, &err) ||
      !parse_sign (o->sign, &cfg->sign_type, &err) ||
      !parse_dh_group (o->dh_group, &cfg->dh_group, &err) ||
      (o->csb_id != NULL && !mikey_tool_parse_u32 ("--csb-id", o->csb_id,
              &cfg->csb_id, &err)))
    return usage (err);
  if ((ret = check_lengths (a)) != MIKEY_TOOL_EXIT_OK ||
      (ret = parse_sessions (o, a)) != MIKEY_TOOL_EXIT_OK ||
      (ret = load_pki (o, a)) != MIKEY_TOOL_EXIT_OK)
    return ret;

  cfg->mode = a->modes[0];
  cfg->suite = a->suite;
  if (a->n_modes > 1) {
    cfg->modes = a->modes;
    cfg->n_modes = a->n_modes;
  }
  if (a->n_suites > 0) {
    cfg->suites = a->suites;
    cfg->n_suites = a->n_suites;
  }
  cfg->psk = a->psk;
  cfg->psk_len = a->psk_len;
  cfg->tgk = a->tgk;
  cfg->tgk_len = a->tgk_len;
  cfg->tek = a->tek;
  cfg->tek_len = a->tek_len;
  cfg->mki = a->mki;
  cfg->mki_len = a->mki_len;
  cfg->cs = (const MikeySrtpCs *) a->cs->data;
  cfg->n_cs = a->cs->len;
  cfg->id_i = o->id;
  cfg->id_r = o->peer_id;
  cfg->key = a->key;
  cfg->certs = a->certs;
  cfg->peer_cert = a->peer_cert;
  cfg->trust = a->trust;
  return MIKEY_TOOL_EXIT_OK;
}

/* ------------------------------------------------------------------------
 * The command
 * ---------------------------------------------------------------------- */

static int
build_and_print (const MikeyInitiatorConfig * cfg)
{
  MikeyInitiator *init;
  GBytes *bytes;
  GError *err = NULL;
  gchar *b64;
  int ret;

  init = mikey_initiator_new (cfg, &err);
  if (init == NULL) {
    /* the core checks what we do not (e.g. key lengths it cannot use) */
    ret = mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "%s", err->message);
    g_error_free (err);
    return ret;
  }
  bytes = mikey_initiator_start (init, g_get_real_time (), &err);
  if (bytes == NULL) {
    ret = mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "cannot build the "
        "message: %s", err->message);
    g_error_free (err);
    mikey_initiator_free (init);
    return ret;
  }

  b64 = g_base64_encode (g_bytes_get_data (bytes, NULL),
      g_bytes_get_size (bytes));
  printf ("%s\n", b64);
  fflush (stdout);
  g_free (b64);
  g_bytes_unref (bytes);
  mikey_initiator_free (init);
  return MIKEY_TOOL_EXIT_OK;
}

int
mikey_tool_create (int argc, char **argv)
{
  CreateOptions opt = { 0 };
  GOptionEntry entries[] = {
    {"mode", 'm', 0, G_OPTION_ARG_STRING, &opt.mode,
        "Key management mode", "null|psk|pke|dh|dhhmac"},
    {"psk", 'p', 0, G_OPTION_ARG_STRING, &opt.psk,
          "Pre-shared key for psk and dhhmac (hex, at least 16 bytes unless "
          "--allow-weak-psk)",
        "HEX"},
    {"allow-weak-psk", 0, 0, G_OPTION_ARG_NONE, &opt.allow_weak_psk,
        "INSECURE: accept a --psk shorter than 16 bytes", NULL},
    {"tek", 0, 0, G_OPTION_ARG_STRING, &opt.tek,
        "SRTP master key followed by master salt (hex)", "HEX"},
    {"tgk", 0, 0, G_OPTION_ARG_STRING, &opt.tgk,
        "TEK generation key to derive the SRTP keys from (hex)", "HEX"},
    {"cert", 0, 0, G_OPTION_ARG_FILENAME, &opt.cert,
        "Our certificate chain, leaf first (PEM; pke, dh)", "FILE"},
    {"key", 'k', 0, G_OPTION_ARG_FILENAME, &opt.key,
        "Our RSA private key to sign with (PEM; pke, dh)", "FILE"},
    {"peer-cert", 0, 0, G_OPTION_ARG_FILENAME, &opt.peer_cert,
        "The receiver's certificate (PEM; pke)", "FILE"},
    {"sign", 0, 0, G_OPTION_ARG_STRING, &opt.sign,
        "Signature: RSASSA-PKCS1-v1_5 (default) or RSASSA-PSS", "pkcs1|pss"},
    {"dh-group", 0, 0, G_OPTION_ARG_STRING, &opt.dh_group,
        "OAKLEY Diffie-Hellman group (default 5: 1536 bit)", "1|2|5"},
    {"id", 0, 0, G_OPTION_ARG_STRING, &opt.id,
        "Our identity, sent in the IDi payload", "URI"},
    {"peer-id", 0, 0, G_OPTION_ARG_STRING, &opt.peer_id,
        "The receiver's identity, sent in the IDr payload", "URI"},
    {"modes", 0, 0, G_OPTION_ARG_STRING, &opt.modes,
        "Modes to offer, best first (negotiation)", "LIST"},
    {"suites", 0, 0, G_OPTION_ARG_STRING, &opt.suites,
        "Suites to offer, best first (negotiation)", "LIST"},
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
  GOptionContext *ctx;
  GError *err = NULL;
  gchar *description;
  int ret;

  ctx = g_option_context_new ("");
  g_option_context_set_summary (ctx, create_summary);
  description = g_strconcat ("Suites (--suite, --suites): ",
      mikey_suite_names (), "\n\n", create_description,
      mikey_tool_exit_codes_help, NULL);
  g_option_context_set_description (ctx, description);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_set_prgname ("mikey-tool create");
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    ret = mikey_tool_fail (MIKEY_TOOL_EXIT_USAGE, "%s (see mikey-tool create "
        "--help)", err->message);
    g_error_free (err);
  } else {
    ret = create_validate (&opt, &cfg, &args);
    if (ret == MIKEY_TOOL_EXIT_OK)
      ret = build_and_print (&cfg);
  }

  create_args_clear (&args);
  create_options_clear (&opt);
  g_free (description);
  g_option_context_free (ctx);
  return ret;
}
