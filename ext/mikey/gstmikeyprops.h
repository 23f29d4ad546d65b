/* Properties shared by mikeyenc and mikeydec: mode, psk, psk-file, suite.
 *
 * The elements keep a GstMikeySettings under their lock and turn it into
 * GstMikeySecrets (the pre-shared key as bytes, the suite, the core mode)
 * when they start. Secrets are wiped with OPENSSL_cleanse and never logged.
 */
#pragma once

#include <gst/gst.h>
#include "mikey-exchange.h"
#include "mikey-suite.h"

G_BEGIN_DECLS

#define GST_MIKEY_DEFAULT_PORT 2269
#define GST_MIKEY_DEFAULT_SUITE "AES_CM_128_HMAC_SHA1_80"
#define GST_MIKEY_DEFAULT_MAX_HELD 256

/**
 * GstMikeyMode:
 * @GST_MIKEY_MODE_NULL: MIKEY-NULL: keys travel unprotected; only for a
 *   signalling channel that is already secure (RTSPS, SIP over TLS)
 * @GST_MIKEY_MODE_PSK: MIKEY-PSK (RFC 3830 3.1): keys encrypted and
 *   authenticated with a pre-shared key
 *
 * The key transport method. Values are those of the core's MikeyMode; more
 * modes (pke, dh, dhhmac) are added at the end.
 */
typedef enum
{
  GST_MIKEY_MODE_NULL = MIKEY_MODE_NULL,
  GST_MIKEY_MODE_PSK = MIKEY_MODE_PSK,
} GstMikeyMode;

#define GST_TYPE_MIKEY_MODE (gst_mikey_mode_get_type ())
GType gst_mikey_mode_get_type (void);

typedef struct
{
  GstMikeyMode mode;
  gchar *psk;                   /* hex as set, wiped on replace */
  gchar *psk_file;
  gchar *suite;
} GstMikeySettings;

/* Property ids are first_id, first_id + 1, ... in this order */
enum
{
  GST_MIKEY_PROP_MODE,
  GST_MIKEY_PROP_PSK,
  GST_MIKEY_PROP_PSK_FILE,
  GST_MIKEY_PROP_SUITE,
  GST_MIKEY_N_PROPS
};

void gst_mikey_settings_init (GstMikeySettings * settings,
    GstMikeyMode default_mode);
void gst_mikey_settings_clear (GstMikeySettings * settings);

/* Installs mode, psk, psk-file and suite. @receiver changes the texts. */
void gst_mikey_settings_install_properties (GObjectClass * klass,
    guint first_id, GstMikeyMode default_mode, gboolean receiver);
/* TRUE when @prop_id was one of ours. Call with the element lock held. */
gboolean gst_mikey_settings_set_property (GstMikeySettings * settings,
    guint first_id, guint prop_id, const GValue * value);
gboolean gst_mikey_settings_get_property (GstMikeySettings * settings,
    guint first_id, guint prop_id, GValue * value);

typedef struct
{
  MikeyMode mode;
  guint8 *psk;                  /* NULL unless mode needs it */
  gsize psk_len;
  const MikeySuiteInfo *suite;  /* NULL: any (mikeydec suite=any) */
} GstMikeySecrets;

/* Checks the settings and loads the pre-shared key (from psk or psk-file).
 * Errors are sentences for GST_ELEMENT_ERROR (GST_RESOURCE_ERROR or
 * GST_LIBRARY_ERROR_SETTINGS codes); they never contain the key. @allow_any
 * accepts suite=any. */
gboolean gst_mikey_settings_resolve (const GstMikeySettings * settings,
    gboolean allow_any, GstMikeySecrets * out, GError ** error);
void gst_mikey_secrets_clear (GstMikeySecrets * secrets);

/* Hex string of @len bytes (lower case) for MKIs and CSB IDs in messages;
 * never use it for keys. */
gchar *gst_mikey_hex_encode (const guint8 * data, gsize len);
/* Parses hex, ignoring white space and ':' separators. Returns NULL on bad
 * input. Free with gst_mikey_secure_free (ret, *out_len). */
guint8 *gst_mikey_hex_decode (const gchar * hex, gsize * out_len);

/* OPENSSL_cleanse then g_free; NULL-safe */
void gst_mikey_secure_free (gpointer data, gsize len);
/* Wipes and frees a NUL-terminated string */
void gst_mikey_secure_free_string (gchar * str);

/* Overwrites the memory of every GstBuffer of @bufs with zeros (when it can
 * be mapped for writing) and drops the references. Used for the key buffers
 * the elements handed to srtpenc / srtpdec, once those are stopped. */
void gst_mikey_wipe_buffers (GPtrArray * bufs);
/* Adds a reference to each key buffer of @s (srtp-key, srtp-key2, ...)
 * to @bufs, for gst_mikey_wipe_buffers(). */
void gst_mikey_collect_key_buffers (const GstStructure * s, GPtrArray * bufs);

G_END_DECLS
