/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Properties shared by mikeyenc and mikeydec: their enum types, their
 * installation and the GstMikeySettings they are stored in. Turning the
 * settings into keys, certificates and core configurations is
 * gstmikeyconfig.c. */
#include "gstmikeyprops.h"

#include <string.h>
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
    mikey_secure_free_string (*field);
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

void
gst_mikey_settings_install_properties (GObjectClass * klass, guint first_id,
    GstMikeyMode default_mode, gboolean receiver)
{
  gchar *suite_blurb;

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
          "Pre-shared key for modes psk and dhhmac, as hex (at least 16 bytes, "
          "32 hex digits, unless allow-weak-psk=true; white space and ':' "
          "ignored). Write-only; prefer psk-file to keep it off command "
          "lines and process lists",
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
      mikey_suite_names_supported ());
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

  g_object_class_install_property (klass,
      first_id + GST_MIKEY_PROP_ALLOW_WEAK_PSK,
      g_param_spec_boolean ("allow-weak-psk", "Allow a weak pre-shared key",
          "INSECURE: accept a pre-shared key (psk, psk-file) shorter than 16 "
          "bytes, which can be guessed offline from one captured message. "
          "Only for interoperability tests with such a key",
          FALSE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
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
    case GST_MIKEY_PROP_ALLOW_WEAK_PSK:
      settings->allow_weak_psk = g_value_get_boolean (value);
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
    case GST_MIKEY_PROP_ALLOW_WEAK_PSK:
      g_value_set_boolean (value, settings->allow_weak_psk);
      break;
    default:
      /* the secrets are write-only */
      g_value_set_string (value, is_secret (id) ? NULL :
          G_STRUCT_MEMBER (gchar *, settings, string_offsets[id]));
      break;
  }
  return TRUE;
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
