/* Properties shared by mikeyenc and mikeydec. */
#include "gstmikeyprops.h"

#include <string.h>
#include <openssl/crypto.h>

GType
gst_mikey_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_MIKEY_MODE_NULL,
        "MIKEY-NULL: keys in the clear, only over a secure channel", "null"},
    {GST_MIKEY_MODE_PSK, "MIKEY-PSK: keys protected by a pre-shared key",
        "psk"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstMikeyMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
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

void
gst_mikey_settings_init (GstMikeySettings * settings, GstMikeyMode default_mode)
{
  memset (settings, 0, sizeof (*settings));
  settings->mode = default_mode;
  settings->suite = g_strdup (GST_MIKEY_DEFAULT_SUITE);
}

void
gst_mikey_settings_clear (GstMikeySettings * settings)
{
  gst_mikey_secure_free_string (settings->psk);
  settings->psk = NULL;
  g_clear_pointer (&settings->psk_file, g_free);
  g_clear_pointer (&settings->suite, g_free);
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
          "Key transport method the sender must use. \"null\" accepts "
          "unprotected keys (MIKEY-NULL, e.g. from an RTSP server or camera "
          "over RTSPS); it is refused unless asked for here" :
          "Key transport method. \"null\" sends the keys unprotected "
          "(MIKEY-NULL): use it only over a secure signalling channel",
          GST_TYPE_MIKEY_MODE, default_mode,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (klass, first_id + GST_MIKEY_PROP_PSK,
      g_param_spec_string ("psk", "Pre-shared key",
          "Pre-shared key for mode=psk, as hex (at least 16 bytes "
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
}

gboolean
gst_mikey_settings_set_property (GstMikeySettings * settings, guint first_id,
    guint prop_id, const GValue * value)
{
  if (prop_id < first_id || prop_id >= first_id + GST_MIKEY_N_PROPS)
    return FALSE;

  switch (prop_id - first_id) {
    case GST_MIKEY_PROP_MODE:
      settings->mode = g_value_get_enum (value);
      break;
    case GST_MIKEY_PROP_PSK:
      gst_mikey_secure_free_string (settings->psk);
      settings->psk = g_value_dup_string (value);
      break;
    case GST_MIKEY_PROP_PSK_FILE:
      g_free (settings->psk_file);
      settings->psk_file = g_value_dup_string (value);
      break;
    case GST_MIKEY_PROP_SUITE:
      g_free (settings->suite);
      settings->suite = g_value_dup_string (value);
      if (settings->suite == NULL)
        settings->suite = g_strdup (GST_MIKEY_DEFAULT_SUITE);
      break;
    default:
      return FALSE;
  }
  return TRUE;
}

gboolean
gst_mikey_settings_get_property (GstMikeySettings * settings, guint first_id,
    guint prop_id, GValue * value)
{
  if (prop_id < first_id || prop_id >= first_id + GST_MIKEY_N_PROPS)
    return FALSE;

  switch (prop_id - first_id) {
    case GST_MIKEY_PROP_MODE:
      g_value_set_enum (value, settings->mode);
      break;
    case GST_MIKEY_PROP_PSK:
      /* write-only */
      g_value_set_string (value, NULL);
      break;
    case GST_MIKEY_PROP_PSK_FILE:
      g_value_set_string (value, settings->psk_file);
      break;
    case GST_MIKEY_PROP_SUITE:
      g_value_set_string (value, settings->suite);
      break;
    default:
      return FALSE;
  }
  return TRUE;
}

gchar *
gst_mikey_hex_encode (const guint8 * data, gsize len)
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
load_psk (const GstMikeySettings * settings, GstMikeySecrets * out,
    GError ** error)
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
      "mode=psk needs a pre-shared key: set psk=<hex> or psk-file=<path> "
      "(the same key on the sender and the receiver)");
  return FALSE;
}

gboolean
gst_mikey_settings_resolve (const GstMikeySettings * settings,
    gboolean allow_any, GstMikeySecrets * out, GError ** error)
{
  gchar *names;

  memset (out, 0, sizeof (*out));

  /* GstMikeyMode values are the core's MikeyMode values */
  out->mode = (MikeyMode) settings->mode;

  if (allow_any && settings->suite != NULL &&
      g_ascii_strcasecmp (settings->suite, "any") == 0) {
    out->suite = NULL;
  } else {
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
      return FALSE;
    }
  }

  if (out->mode == MIKEY_MODE_PSK && !load_psk (settings, out, error)) {
    gst_mikey_secrets_clear (out);
    return FALSE;
  }
  return TRUE;
}

void
gst_mikey_secrets_clear (GstMikeySecrets * secrets)
{
  gst_mikey_secure_free (secrets->psk, secrets->psk_len);
  secrets->psk = NULL;
  secrets->psk_len = 0;
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
