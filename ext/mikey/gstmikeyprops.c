/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Properties shared by mikeyenc and mikeydec. */
#include "gstmikeyprops.h"
#include "mikey-negotiate.h"

#include <string.h>
#include <time.h>
#include <openssl/crypto.h>

GType
gst_mikey_enum_register (GType * type, const gchar * name,
    const GEnumValue * values)
{
  if (g_once_init_enter (type)) {
    GType t = g_enum_register_static (name, values);
    g_once_init_leave (type, t);
  }
  return *type;
}

GType
gst_mikey_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MIKEY_MODE_NULL,
        "MIKEY-NULL: keys in the clear, only over a secure channel", "null"},
    {GST_MIKEY_MODE_PSK, "MIKEY-PSK: keys protected by a pre-shared key",
        "psk"},
    {GST_MIKEY_MODE_PKE, "MIKEY-PKE: keys encrypted to the receiver's "
          "certificate, signed by the sender (cert, key, peer-cert)", "pke"},
    {GST_MIKEY_MODE_DH, "MIKEY-DH: signed Diffie-Hellman, forward secrecy "
          "(cert, key, ca-file)", "dh"},
    {GST_MIKEY_MODE_DHHMAC, "MIKEY-DHHMAC: Diffie-Hellman authenticated "
          "with a pre-shared key (RFC 4650), forward secrecy", "dhhmac"},
    {0, NULL, NULL}
  };

  return gst_mikey_enum_register (&type, "GstMikeyMode", values);
}

GType
gst_mikey_dh_group_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MIKEY_DH_GROUP_1, "OAKLEY group 1: 768-bit MODP (weak, for old "
          "peers only)", "1"},
    {GST_MIKEY_DH_GROUP_2, "OAKLEY group 2: 1024-bit MODP", "2"},
    {GST_MIKEY_DH_GROUP_5, "OAKLEY group 5: 1536-bit MODP", "5"},
    {0, NULL, NULL}
  };

  return gst_mikey_enum_register (&type, "GstMikeyDhGroup", values);
}

GType
gst_mikey_sign_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MIKEY_SIGN_PKCS1, "RSASSA-PKCS1-v1_5", "pkcs1"},
    {GST_MIKEY_SIGN_PSS, "RSASSA-PSS", "pss"},
    {0, NULL, NULL}
  };

  return gst_mikey_enum_register (&type, "GstMikeySign", values);
}

static guint8
core_dh_group (GstMikeyDhGroup group)
{
  switch (group) {
    case GST_MIKEY_DH_GROUP_1:
      return MIKEY_DH_GROUP_OAKLEY1;
    case GST_MIKEY_DH_GROUP_2:
      return MIKEY_DH_GROUP_OAKLEY2;
    default:
      return MIKEY_DH_GROUP_OAKLEY5;
  }
}

guint
gst_mikey_dh_group_number (guint8 group)
{
  switch (group) {
    case MIKEY_DH_GROUP_OAKLEY1:
      return 1;
    case MIKEY_DH_GROUP_OAKLEY2:
      return 2;
    case MIKEY_DH_GROUP_OAKLEY5:
      return 5;
    default:
      return 0;
  }
}

void
gst_mikey_secure_free (gpointer data, gsize len)
{
  if (data == NULL)
    return;
  OPENSSL_cleanse (data, len);
  g_free (data);
}

void
gst_mikey_secure_free_string (gchar * str)
{
  if (str == NULL)
    return;
  gst_mikey_secure_free (str, strlen (str));
}

/* The string settings by property (0: not a string) */
static const gsize string_offsets[GST_MIKEY_N_PROPS] = {
  [GST_MIKEY_PROP_PSK] = G_STRUCT_OFFSET (GstMikeySettings, psk),
  [GST_MIKEY_PROP_PSK_FILE] = G_STRUCT_OFFSET (GstMikeySettings, psk_file),
  [GST_MIKEY_PROP_SUITE] = G_STRUCT_OFFSET (GstMikeySettings, suite),
  [GST_MIKEY_PROP_CERT] = G_STRUCT_OFFSET (GstMikeySettings, cert),
  [GST_MIKEY_PROP_KEY] = G_STRUCT_OFFSET (GstMikeySettings, key),
  [GST_MIKEY_PROP_KEY_PASSPHRASE] =
      G_STRUCT_OFFSET (GstMikeySettings, key_passphrase),
  [GST_MIKEY_PROP_CA_FILE] = G_STRUCT_OFFSET (GstMikeySettings, ca_file),
  [GST_MIKEY_PROP_CRL_FILE] = G_STRUCT_OFFSET (GstMikeySettings, crl_file),
  [GST_MIKEY_PROP_PEER_CERT] = G_STRUCT_OFFSET (GstMikeySettings, peer_cert),
  [GST_MIKEY_PROP_ID] = G_STRUCT_OFFSET (GstMikeySettings, id),
  [GST_MIKEY_PROP_PEER_ID] = G_STRUCT_OFFSET (GstMikeySettings, peer_id),
  [GST_MIKEY_PROP_MODES] = G_STRUCT_OFFSET (GstMikeySettings, modes),
  [GST_MIKEY_PROP_SUITES] = G_STRUCT_OFFSET (GstMikeySettings, suites),
};

/* psk and key-passphrase: write-only, wiped on replace */
static gboolean
is_secret (guint id)
{
  return id == GST_MIKEY_PROP_PSK || id == GST_MIKEY_PROP_KEY_PASSPHRASE;
}

/* Frees the string setting of property @id and returns where it was */
static gchar **
clear_string (GstMikeySettings * settings, guint id)
{
  gchar **field = G_STRUCT_MEMBER_P (settings, string_offsets[id]);

  if (is_secret (id))
    gst_mikey_secure_free_string (*field);
  else
    g_free (*field);
  *field = NULL;
  return field;
}

void
gst_mikey_settings_init (GstMikeySettings * settings, GstMikeyMode default_mode)
{
  memset (settings, 0, sizeof (*settings));
  settings->mode = default_mode;
  settings->suite = g_strdup (GST_MIKEY_DEFAULT_SUITE);
  settings->dh_group = GST_MIKEY_DEFAULT_DH_GROUP;
  settings->sign = GST_MIKEY_DEFAULT_SIGN;
}

void
gst_mikey_settings_clear (GstMikeySettings * settings)
{
  guint id;

  for (id = 0; id < GST_MIKEY_N_PROPS; id++) {
    if (string_offsets[id] != 0)
      clear_string (settings, id);
  }
}

/* The suites srtpenc/srtpdec can run, comma-separated */
static gchar *
supported_suite_names (void)
{
  GString *str = g_string_new (NULL);
  gint i;

  for (i = 0; i < MIKEY_SUITE_COUNT; i++) {
    const MikeySuiteInfo *info = mikey_suite_get ((MikeySuite) i);

    if (info == NULL || !info->engine_supported)
      continue;
    if (str->len > 0)
      g_string_append (str, ", ");
    g_string_append (str, info->name);
  }
  return g_string_free (str, FALSE);
}

void
gst_mikey_settings_install_properties (GObjectClass * klass, guint first_id,
    GstMikeyMode default_mode, gboolean receiver)
{
  gchar *suite_blurb, *names;

  g_object_class_install_property (klass, first_id + GST_MIKEY_PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          receiver ?
          "Key management method the sender must use (when modes is empty). "
          "psk and dhhmac need psk/psk-file; pke and dh need cert, key and "
          "ca-file (or peer-cert). \"null\" accepts unprotected keys "
          "(MIKEY-NULL, e.g. from an RTSP server or camera over RTSPS); it "
          "is refused unless asked for here (or in modes)" :
          "Key management method (when modes is empty). psk and dhhmac need "
          "psk/psk-file; pke needs cert, key and peer-cert; dh needs cert, "
          "key and ca-file (or peer-cert). \"null\" sends the keys "
          "unprotected (MIKEY-NULL): use it only over a secure signalling "
          "channel",
          GST_TYPE_MIKEY_MODE, default_mode,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (klass, first_id + GST_MIKEY_PROP_PSK,
      g_param_spec_string ("psk", "Pre-shared key",
          "Pre-shared key for modes psk and dhhmac, as hex (at least 16 bytes "
          "recommended; white space and ':' ignored). Write-only; prefer "
          "psk-file to keep it off command lines and process lists",
          NULL, G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (klass, first_id + GST_MIKEY_PROP_PSK_FILE,
      g_param_spec_string ("psk-file", "Pre-shared key file",
          "File holding the pre-shared key as hex (read when the element "
          "starts; used when psk is not set)",
          NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  suite_blurb = g_strdup_printf (receiver ?
      "SRTP crypto suite (SDES name) the sender must propose, or \"any\" "
      "to accept every suite srtpdec can run. One of: any, %s" :
      "SRTP crypto suite (SDES name) to propose. One of: %s",
      (names = supported_suite_names ()));
  g_free (names);
  g_object_class_install_property (klass, first_id + GST_MIKEY_PROP_SUITE,
      g_param_spec_string ("suite", "Crypto suite", g_intern_string
          (suite_blurb), GST_MIKEY_DEFAULT_SUITE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_free (suite_blurb);

  g_object_class_install_property (klass, first_id + GST_MIKEY_PROP_CERT,
      g_param_spec_string ("cert", "Certificate",
          receiver ?
          "PEM file with this receiver's certificate chain (its certificate "
          "first, then intermediate CAs), for modes pke (the sender "
          "encrypts the key to it) and dh (sent in the signed answer). "
          "Needs key" :
          "PEM file with this sender's certificate chain (its certificate "
          "first, then intermediate CAs), for modes pke and dh: sent in "
          "CERT payloads so the receiver can check the signature. Needs key",
          NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (klass, first_id + GST_MIKEY_PROP_KEY,
      g_param_spec_string ("key", "Private key",
          "PEM file with the RSA private key of cert (PKCS#8 or traditional; "
          "read when the element starts; key-passphrase if encrypted), for "
          "modes pke and dh",
          NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (klass,
      first_id + GST_MIKEY_PROP_KEY_PASSPHRASE,
      g_param_spec_string ("key-passphrase", "Key passphrase",
          "Passphrase of an encrypted key file. Write-only",
          NULL, G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (klass, first_id + GST_MIKEY_PROP_CA_FILE,
      g_param_spec_string ("ca-file", "CA certificates",
          receiver ?
          "PEM file (a bundle) or directory of PEM files with the CA "
          "certificates that a sender's certificate must chain to (modes "
          "pke and dh); expired, untrusted or mismatched certificates are "
          "refused. Needed unless peer-cert is set" :
          "PEM file (a bundle) or directory of PEM files with the CA "
          "certificates that the receiver's certificate must chain to: its "
          "signed answer in mode dh, and peer-cert (checked when the element "
          "starts) in mode pke",
          NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (klass, first_id + GST_MIKEY_PROP_CRL_FILE,
      g_param_spec_string ("crl-file", "Certificate revocation lists",
          "PEM file with the current CRLs of the CAs in ca-file. When set, "
          "a revoked certificate is refused, and so is one whose CA has no "
          "CRL in the file or only an out-of-date one. Needs ca-file; a "
          "pinned peer-cert is not checked against it",
          NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (klass, first_id + GST_MIKEY_PROP_PEER_CERT,
      g_param_spec_string ("peer-cert", "Peer certificate",
          receiver ?
          "PEM file with the one sender certificate to accept (pinning; "
          "modes pke and dh). Optional: without it any sender whose "
          "certificate chains to ca-file is accepted" :
          "PEM file with the receiver's certificate (further certificates in "
          "the file are taken as its intermediate CAs). Mode pke encrypts "
          "the key to it (required); mode dh then accepts only an answer "
          "signed with it (pinning, instead of ca-file)",
          NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (klass, first_id + GST_MIKEY_PROP_DH_GROUP,
      g_param_spec_enum ("dh-group", "DH group",
          receiver ?
          "OAKLEY Diffie-Hellman group the sender must use in modes dh and "
          "dhhmac; messages in other groups are refused" :
          "OAKLEY Diffie-Hellman group for modes dh and dhhmac (the receiver "
          "must accept the same)",
          GST_TYPE_MIKEY_DH_GROUP, GST_MIKEY_DEFAULT_DH_GROUP,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (klass, first_id + GST_MIKEY_PROP_SIGN,
      g_param_spec_enum ("sign", "Signature scheme",
          receiver ?
          "RSA signature scheme of this receiver's signed answers (mode dh); "
          "both schemes are accepted from the sender" :
          "RSA signature scheme of this sender's SIGN payload (modes pke and "
          "dh); both schemes are accepted in the answer",
          GST_TYPE_MIKEY_SIGN, GST_MIKEY_DEFAULT_SIGN,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (klass, first_id + GST_MIKEY_PROP_ID,
      g_param_spec_string ("id", "Identity",
          receiver ?
          "This receiver's identity (URI such as sip:bob@example.org, or an "
          "NAI), sent in its answers. Optional" :
          "This sender's identity (URI such as sip:alice@example.org, or an "
          "NAI), sent as IDi; in modes pke and dh the receiver checks it "
          "against our certificate. Optional",
          NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (klass, first_id + GST_MIKEY_PROP_PEER_ID,
      g_param_spec_string ("peer-id", "Peer identity",
          receiver ?
          "Identity (URI or NAI) the sender must have: in modes pke and dh "
          "its certificate must be for it (subjectAltName, else CN), in "
          "modes psk and dhhmac its ID payload must be it. Optional" :
          "Identity (URI or NAI) the receiver must have, sent as IDr: its "
          "certificate must be for it (subjectAltName, else CN) - checked "
          "in its signed answer (mode dh) and in peer-cert when the element "
          "starts (mode pke). Optional",
          NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (klass, first_id + GST_MIKEY_PROP_MODES,
      g_param_spec_string ("modes", "Modes (priority order)",
          receiver ?
          "Comma-separated key management methods this receiver accepts, "
          "best first (e.g. \"pke,dh,psk\"); a negotiating sender is told "
          "the best common one (docs/negotiation.md). Empty: only mode" :
          "Comma-separated key management methods to offer, best first "
          "(e.g. \"pke,dh,psk\"); the receiver's preferences count too and "
          "the best common method is used (docs/negotiation.md). Each "
          "listed mode needs its material (psk, cert/key, peer-cert...). "
          "Empty: only mode, without negotiation",
          NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (klass, first_id + GST_MIKEY_PROP_SUITES,
      g_param_spec_string ("suites", "Crypto suites (priority order)",
          receiver ?
          "Comma-separated SRTP crypto suites (SDES names) this receiver "
          "accepts, best first, e.g. \"AES_CM_128_HMAC_SHA1_32,"
          "AES_CM_128_HMAC_SHA1_80\". F8_128_HMAC_SHA1_80 may be listed but "
          "is never chosen. Empty: only suite" :
          "Comma-separated SRTP crypto suites (SDES names) to offer, best "
          "first, e.g. \"AES_CM_128_HMAC_SHA1_80,AES_CM_128_HMAC_SHA1_32\". "
          "F8_128_HMAC_SHA1_80 may be listed but is never chosen (srtpenc "
          "cannot run it). Empty: only suite",
          NULL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
}

gboolean
gst_mikey_settings_set_property (GstMikeySettings * settings, guint first_id,
    guint prop_id, const GValue * value)
{
  guint id = prop_id - first_id;
  gchar **field;

  if (prop_id < first_id || id >= GST_MIKEY_N_PROPS)
    return FALSE;

  switch (id) {
    case GST_MIKEY_PROP_MODE:
      settings->mode = g_value_get_enum (value);
      return TRUE;
    case GST_MIKEY_PROP_DH_GROUP:
      settings->dh_group = g_value_get_enum (value);
      return TRUE;
    case GST_MIKEY_PROP_SIGN:
      settings->sign = g_value_get_enum (value);
      return TRUE;
    default:
      break;
  }

  field = clear_string (settings, id);
  *field = g_value_dup_string (value);
  if (id == GST_MIKEY_PROP_SUITE && *field == NULL)
    *field = g_strdup (GST_MIKEY_DEFAULT_SUITE);
  return TRUE;
}

gboolean
gst_mikey_settings_get_property (GstMikeySettings * settings, guint first_id,
    guint prop_id, GValue * value)
{
  guint id = prop_id - first_id;

  if (prop_id < first_id || id >= GST_MIKEY_N_PROPS)
    return FALSE;

  switch (id) {
    case GST_MIKEY_PROP_MODE:
      g_value_set_enum (value, settings->mode);
      break;
    case GST_MIKEY_PROP_DH_GROUP:
      g_value_set_enum (value, settings->dh_group);
      break;
    case GST_MIKEY_PROP_SIGN:
      g_value_set_enum (value, settings->sign);
      break;
    default:
      /* the secrets are write-only */
      g_value_set_string (value, is_secret (id) ? NULL :
          G_STRUCT_MEMBER (gchar *, settings, string_offsets[id]));
      break;
  }
  return TRUE;
}

guint8 *
gst_mikey_hex_decode (const gchar * hex, gsize * out_len)
{
  gsize n = 0, max = strlen (hex) / 2 + 1;
  guint8 *out = g_malloc0 (max);
  gint hi = -1;
  const gchar *p;

  for (p = hex; *p != '\0'; p++) {
    gint v;

    if (g_ascii_isspace (*p) || *p == ':')
      continue;
    v = g_ascii_xdigit_value (*p);
    if (v < 0)
      goto bad;
    if (hi < 0) {
      hi = v;
    } else {
      out[n++] = (guint8) ((hi << 4) | v);
      hi = -1;
    }
  }
  if (hi >= 0 || n == 0)
    goto bad;
  *out_len = n;
  return out;

bad:
  gst_mikey_secure_free (out, max);
  *out_len = 0;
  return NULL;
}

static gboolean
load_psk (const GstMikeySettings * settings, MikeyMode mode,
    GstMikeySecrets * out, GError ** error)
{
  gchar *contents = NULL;
  gsize len = 0;
  GError *err = NULL;

  if (settings->psk != NULL && settings->psk[0] != '\0') {
    out->psk = gst_mikey_hex_decode (settings->psk, &out->psk_len);
    if (out->psk == NULL) {
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "The psk property is not valid hex (expected an even number of "
          "hex digits 0-9, a-f)");
      return FALSE;
    }
    return TRUE;
  }

  if (settings->psk_file != NULL && settings->psk_file[0] != '\0') {
    if (!g_file_get_contents (settings->psk_file, &contents, &len, &err)) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
          "Could not read psk-file \"%s\": %s", settings->psk_file,
          err->message);
      g_clear_error (&err);
      return FALSE;
    }
    out->psk = gst_mikey_hex_decode (contents, &out->psk_len);
    gst_mikey_secure_free (contents, len);
    if (out->psk == NULL) {
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "psk-file \"%s\" does not hold a hex key (expected an even number "
          "of hex digits on one line)", settings->psk_file);
      return FALSE;
    }
    return TRUE;
  }

  g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
      "mode=%s needs a pre-shared key: set psk=<hex> or psk-file=<path> "
      "(the same key on the sender and the receiver)", mikey_mode_name (mode));
  return FALSE;
}

static gboolean
is_set (const gchar * str)
{
  return str != NULL && str[0] != '\0';
}

gchar *
gst_mikey_modes_to_string (const MikeyMode * modes, guint n)
{
  GString *str = g_string_new (NULL);
  guint i;

  for (i = 0; i < n; i++)
    g_string_append_printf (str, "%s%s", i ? ", " : "",
        mikey_mode_name (modes[i]));
  return g_string_free (str, FALSE);
}

gchar *
gst_mikey_suites_to_string (const MikeySuiteInfo * const *suites, guint n)
{
  GString *str = g_string_new (NULL);
  guint i;

  for (i = 0; i < n; i++)
    g_string_append_printf (str, "%s%s", i ? ", " : "", suites[i]->name);
  return g_string_free (str, FALSE);
}

/* modes="pke,dh,psk": an empty list leaves mode alone */
static gboolean
parse_modes (const gchar * text, GstMikeySecrets * out, GError ** error)
{
  gchar *bad = NULL;
  MikeyListResult res;

  res = mikey_mode_list_parse (text, out->modes, &out->n_modes, &bad);
  if (res == MIKEY_LIST_UNKNOWN)
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "Unknown mode \"%s\" in modes=\"%s\"; valid modes: null, psk, pke, "
        "dh, dhhmac (comma-separated, best first)", bad, text);
  else if (res == MIKEY_LIST_DUPLICATE)
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "Mode %s is listed twice in modes=\"%s\"", bad, text);
  g_free (bad);
  return res == MIKEY_LIST_OK || res == MIKEY_LIST_EMPTY;
}

static gboolean
parse_suites (const gchar * text, GstMikeySecrets * out, GError ** error)
{
  gchar *bad = NULL;
  gboolean ok = FALSE;
  guint i;

  switch (mikey_suite_list_parse (text, out->suites, &out->n_suites, &bad)) {
    case MIKEY_LIST_UNKNOWN:
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "Unknown crypto suite \"%s\" in suites=\"%s\"; valid suites: %s "
          "(comma-separated, best first; F8_128_HMAC_SHA1_80, also written "
          "AES_F8_128_HMAC_SHA1_80, may be listed but is never chosen)",
          bad, text, mikey_suite_names ());
      break;
    case MIKEY_LIST_DUPLICATE:
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "Crypto suite %s is listed twice in suites=\"%s\"",
          mikey_suite_lookup (bad)->name, text);
      break;
    case MIKEY_LIST_TOO_MANY:
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "suites=\"%s\" lists more than %d suites", text, MIKEY_MAX_CHOICES);
      break;
    default:
      ok = TRUE;
  }
  g_free (bad);
  for (i = 0; ok && i < out->n_suites && out->suite == NULL; i++) {
    if (out->suites[i]->engine_supported)
      out->suite = out->suites[i];
  }
  if (ok && out->suite == NULL) {
    gchar *names = supported_suite_names ();

    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "suites=\"%s\" lists no crypto suite that srtpenc/srtpdec (libsrtp2) "
        "can run; add one of: %s", text, names);
    g_free (names);
    ok = FALSE;
  }
  return ok;
}

static gboolean
resolve_single_suite (const GstMikeySettings * settings, gboolean allow_any,
    GstMikeySecrets * out, GError ** error)
{
  gchar *names;

  if (allow_any && settings->suite != NULL &&
      g_ascii_strcasecmp (settings->suite, "any") == 0) {
    out->suite = NULL;
    return TRUE;
  }
  out->suite = mikey_suite_lookup (settings->suite);
  if (out->suite == NULL) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "Unknown crypto suite \"%s\"; use one of: %s%s",
        settings->suite ? settings->suite : "(null)",
        allow_any ? "any, " : "", (names = supported_suite_names ()));
    g_free (names);
    return FALSE;
  }
  if (!out->suite->engine_supported) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "Crypto suite %s is valid MIKEY but srtpenc/srtpdec (libsrtp2) "
        "cannot run it; choose another suite", out->suite->name);
    out->suite = NULL;
    return FALSE;
  }
  return TRUE;
}

/* Loads cert, key, peer-cert, ca-file and crl-file, whichever are set */
static gboolean
load_pki (const GstMikeySettings * settings, GstMikeySecrets * out,
    GError ** error)
{
  GError *err = NULL;

  if (is_set (settings->cert)) {
    out->certs = mikey_cert_load_pem_file (settings->cert, &err);
    if (out->certs == NULL) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
          "Could not load cert \"%s\" (a PEM certificate chain): %s",
          settings->cert, err->message);
      goto fail;
    }
  }
  if (is_set (settings->key)) {
    out->key = mikey_key_load_pem_file (settings->key,
        settings->key_passphrase, &err);
    if (out->key == NULL) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
          "Could not load key \"%s\" (a PEM RSA private key): %s%s",
          settings->key, err->message,
          is_set (settings->key_passphrase) ? "" :
          " (set key-passphrase if the key is encrypted)");
      goto fail;
    }
    if (!mikey_key_is_private (out->key)) {
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "key \"%s\" holds no private key", settings->key);
      return FALSE;
    }
  }
  if (is_set (settings->peer_cert)) {
    GPtrArray *all = mikey_cert_load_pem_file (settings->peer_cert, &err);
    guint i;

    if (all == NULL) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
          "Could not load peer-cert \"%s\" (a PEM certificate): %s",
          settings->peer_cert, err->message);
      goto fail;
    }
    out->peer_cert = mikey_cert_ref (g_ptr_array_index (all, 0));
    out->peer_chain =
        g_ptr_array_new_with_free_func ((GDestroyNotify) mikey_cert_unref);
    for (i = 1; i < all->len; i++)
      g_ptr_array_add (out->peer_chain,
          mikey_cert_ref (g_ptr_array_index (all, i)));
    g_ptr_array_unref (all);
  }
  if (is_set (settings->ca_file)) {
    out->trust = mikey_trust_new ();
    if (!mikey_trust_load_path (out->trust, settings->ca_file, &err)) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
          "Could not load ca-file \"%s\" (PEM CA certificates, a file or a "
          "directory): %s", settings->ca_file, err->message);
      goto fail;
    }
  }
  if (is_set (settings->crl_file)) {
    if (out->trust == NULL) {
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "crl-file \"%s\" needs ca-file: the CRLs are checked along the "
          "chains to those CA certificates", settings->crl_file);
      return FALSE;
    }
    if (!mikey_trust_load_crl_file (out->trust, settings->crl_file, &err)) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
          "Could not load crl-file \"%s\" (PEM CRLs): %s",
          settings->crl_file, err->message);
      goto fail;
    }
  }
  return TRUE;

fail:
  g_clear_error (&err);
  return FALSE;
}

/* What the modes need beyond a pre-shared key */
static gboolean
check_pki (const GstMikeySettings * settings, gboolean receiver,
    GstMikeySecrets * out, GError ** error)
{
  const gchar *peer = receiver ? "sender" : "receiver";
  GError *err = NULL;
  guint i, n = out->n_modes ? out->n_modes : 1;

  for (i = 0; i < n; i++) {
    MikeyMode mode = out->n_modes ? out->modes[i] : out->mode;

    if (mode != MIKEY_MODE_PKE && mode != MIKEY_MODE_DH)
      continue;
    if (out->certs == NULL || out->key == NULL) {
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "mode %s needs cert and key: this %s's certificate chain and its "
          "private key, as PEM files (cert=<file> key=<file>)",
          mikey_mode_name (mode), receiver ? "receiver" : "sender");
      return FALSE;
    }
    if (!receiver && mode == MIKEY_MODE_PKE && out->peer_cert == NULL) {
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "mode pke needs peer-cert: the receiver's certificate (PEM file), "
          "to encrypt the key to");
      return FALSE;
    }
    if (out->trust == NULL && out->peer_cert == NULL) {
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "mode %s needs ca-file (the CA certificates that the %s's "
          "certificate must chain to) or peer-cert (the %s's certificate)",
          mikey_mode_name (mode), peer, peer);
      return FALSE;
    }
  }

  if (out->certs != NULL && out->key != NULL &&
      !mikey_key_matches_cert (out->key, g_ptr_array_index (out->certs, 0),
          &err)) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "key \"%s\" is not the private key of cert \"%s\" (its first "
        "certificate must be ours): %s", settings->key, settings->cert,
        err->message);
    g_clear_error (&err);
    return FALSE;
  }

  if (out->peer_cert != NULL && out->trust != NULL &&
      !mikey_cert_verify (out->peer_cert, out->peer_chain, out->trust,
          time (NULL), &err)) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "peer-cert \"%s\" is refused: %s (checked against ca-file \"%s\")",
        settings->peer_cert, err->message, settings->ca_file);
    g_clear_error (&err);
    return FALSE;
  }
  if (out->peer_cert != NULL && out->peer_id != NULL &&
      !mikey_cert_matches_identity (out->peer_cert, out->peer_id, &err)) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "peer-cert \"%s\" does not belong to peer-id \"%s\": %s",
        settings->peer_cert, out->peer_id, err->message);
    g_clear_error (&err);
    return FALSE;
  }
  return TRUE;
}

static gchar *
describe (const GstMikeySecrets * out)
{
  GString *str = g_string_new (NULL);
  guint i;

  if (out->n_modes > 0) {
    g_string_append (str, "modes=");
    for (i = 0; i < out->n_modes; i++)
      g_string_append_printf (str, "%s%s", i ? "," : "",
          mikey_mode_name (out->modes[i]));
  } else {
    g_string_append_printf (str, "mode=%s", mikey_mode_name (out->mode));
  }
  if (out->n_suites > 0) {
    g_string_append (str, " suites=");
    for (i = 0; i < out->n_suites; i++)
      g_string_append_printf (str, "%s%s", i ? "," : "", out->suites[i]->name);
  } else {
    g_string_append_printf (str, " suite=%s",
        out->suite ? out->suite->name : "any");
  }
  return g_string_free (str, FALSE);
}

gboolean
gst_mikey_settings_resolve (const GstMikeySettings * settings,
    gboolean receiver, GstMikeySecrets * out, GError ** error)
{
  MikeyMode psk_mode = MIKEY_MODE_COUNT;

  memset (out, 0, sizeof (*out));

  out->sign_type = (guint8) settings->sign;
  out->dh_group = core_dh_group (settings->dh_group);
  if (is_set (settings->id))
    out->id = g_strdup (settings->id);
  if (is_set (settings->peer_id))
    out->peer_id = g_strdup (settings->peer_id);

  /* GstMikeyMode values are the core's MikeyMode values */
  out->mode = (MikeyMode) settings->mode;
  if (is_set (settings->modes)) {
    if (!parse_modes (settings->modes, out, error))
      goto fail;
    if (out->n_modes > 0)
      out->mode = out->modes[0];
  }

  if (is_set (settings->suites)) {
    if (!parse_suites (settings->suites, out, error))
      goto fail;
  } else if (!resolve_single_suite (settings, receiver, out, error)) {
    goto fail;
  }

  if (out->n_modes == 0) {
    if (out->mode == MIKEY_MODE_PSK || out->mode == MIKEY_MODE_DHHMAC)
      psk_mode = out->mode;
  } else {
    guint i;

    for (i = 0; i < out->n_modes && psk_mode == MIKEY_MODE_COUNT; i++) {
      if (out->modes[i] == MIKEY_MODE_PSK || out->modes[i] == MIKEY_MODE_DHHMAC)
        psk_mode = out->modes[i];
    }
  }
  if (psk_mode != MIKEY_MODE_COUNT && !load_psk (settings, psk_mode, out,
          error))
    goto fail;

  if (!load_pki (settings, out, error) ||
      !check_pki (settings, receiver, out, error))
    goto fail;

  out->description = describe (out);
  return TRUE;

fail:
  gst_mikey_secrets_clear (out);
  return FALSE;
}

void
gst_mikey_secrets_clear (GstMikeySecrets * secrets)
{
  gst_mikey_secure_free (secrets->psk, secrets->psk_len);
  secrets->psk = NULL;
  secrets->psk_len = 0;
  g_clear_pointer (&secrets->key, mikey_key_unref);
  g_clear_pointer (&secrets->certs, g_ptr_array_unref);
  g_clear_pointer (&secrets->peer_cert, mikey_cert_unref);
  g_clear_pointer (&secrets->peer_chain, g_ptr_array_unref);
  g_clear_pointer (&secrets->trust, mikey_trust_free);
  g_clear_pointer (&secrets->id, g_free);
  g_clear_pointer (&secrets->peer_id, g_free);
  g_clear_pointer (&secrets->description, g_free);
}

gboolean
gst_mikey_secrets_has_mode (const GstMikeySecrets * secrets, MikeyMode mode)
{
  guint i;

  if (secrets->n_modes == 0)
    return secrets->mode == mode;
  for (i = 0; i < secrets->n_modes; i++) {
    if (secrets->modes[i] == mode)
      return TRUE;
  }
  return FALSE;
}

void
gst_mikey_secrets_to_initiator_config (const GstMikeySecrets * secrets,
    MikeyInitiatorConfig * cfg)
{
  memset (cfg, 0, sizeof (*cfg));
  cfg->mode = secrets->mode;
  cfg->psk = secrets->psk;
  cfg->psk_len = secrets->psk_len;
  cfg->suite = secrets->suite;
  cfg->key = secrets->key;
  cfg->certs = secrets->certs;
  cfg->peer_cert = secrets->peer_cert;
  cfg->trust = secrets->trust;
  cfg->sign_type = secrets->sign_type;
  cfg->dh_group = secrets->dh_group;
  cfg->id_i = secrets->id;
  cfg->id_r = secrets->peer_id;
  if (secrets->n_modes > 0) {
    cfg->modes = secrets->modes;
    cfg->n_modes = secrets->n_modes;
  }
  if (secrets->n_suites > 0) {
    cfg->suites = secrets->suites;
    cfg->n_suites = secrets->n_suites;
  }
}

void
gst_mikey_secrets_to_responder_config (const GstMikeySecrets * secrets,
    MikeyResponderConfig * cfg)
{
  memset (cfg, 0, sizeof (*cfg));
  cfg->mode = secrets->mode;
  cfg->psk = secrets->psk;
  cfg->psk_len = secrets->psk_len;
  cfg->id_r = secrets->id;
  cfg->key = secrets->key;
  cfg->certs = secrets->certs;
  cfg->trust = secrets->trust;
  cfg->peer_cert = secrets->peer_cert;
  cfg->sign_type = secrets->sign_type;
  /* dh-group is the one group mikeydec takes (1 only when set to 1) */
  cfg->dh_groups = MIKEY_DH_GROUP_BIT (secrets->dh_group);
  cfg->peer_id = secrets->peer_id;
  if (secrets->n_modes > 0) {
    cfg->modes = secrets->modes;
    cfg->n_modes = secrets->n_modes;
  }
  if (secrets->n_suites > 0) {
    cfg->suites = secrets->suites;
    cfg->n_suites = secrets->n_suites;
  } else if (secrets->suite != NULL) {
    /* the core refuses other suites, answering with an error message */
    cfg->suites = &secrets->suite;
    cfg->n_suites = 1;
  }
}

void
gst_mikey_wipe_buffers (GPtrArray * bufs)
{
  guint i;

  if (bufs == NULL)
    return;

  for (i = 0; i < bufs->len; i++) {
    GstBuffer *buf = g_ptr_array_index (bufs, i);
    guint m, n = gst_buffer_n_memory (buf);

    for (m = 0; m < n; m++) {
      GstMemory *mem = gst_buffer_peek_memory (buf, m);
      GstMapInfo map;

      if (gst_memory_map (mem, &map, GST_MAP_WRITE)) {
        OPENSSL_cleanse (map.data, map.size);
        gst_memory_unmap (mem, &map);
      }
    }
  }
  g_ptr_array_set_size (bufs, 0);
}

static gboolean
collect_key_field (GQuark field, const GValue * value, gpointer user_data)
{
  GPtrArray *bufs = user_data;
  const gchar *name = g_quark_to_string (field);

  if (g_str_has_prefix (name, "srtp-key") && GST_VALUE_HOLDS_BUFFER (value)) {
    GstBuffer *buf = gst_value_get_buffer (value);

    if (buf != NULL)
      g_ptr_array_add (bufs, gst_buffer_ref (buf));
  }
  return TRUE;
}

void
gst_mikey_collect_key_buffers (const GstStructure * s, GPtrArray * bufs)
{
  gst_structure_foreach (s, collect_key_field, bufs);
}
