/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY SRTP parameters as srtpenc properties and srtpdec caps. */
#include "gstmikeysrtpparams.h"

#include <openssl/crypto.h>

static GstBuffer *
secret_buffer (const guint8 * data, gsize len)
{
  /* GstBuffer memory is not wiped by GStreamer when freed; keep key copies
   * to the one buffer the SRTP element needs. */
  return gst_buffer_new_memdup (data, len);
}

void
gst_mikey_srtp_params_to_structure (const MikeySrtpParams * params,
    guint n_params, GstStructure * s)
{
  guint8 keysalt[MIKEY_MAX_MASTER_KEY + MIKEY_MAX_MASTER_SALT];
  gsize len;
  guint i;

  g_return_if_fail (params != NULL && n_params > 0);

  if (params->has_ssrc)
    gst_structure_set (s, "ssrc", G_TYPE_UINT, params->ssrc, NULL);
  gst_structure_set (s, "roc", G_TYPE_UINT, params->roc,
      "srtp-cipher", G_TYPE_STRING, mikey_srtp_params_rtp_cipher (params),
      "srtp-auth", G_TYPE_STRING, mikey_srtp_params_rtp_auth (params),
      "srtcp-cipher", G_TYPE_STRING, mikey_srtp_params_rtcp_cipher (params),
      "srtcp-auth", G_TYPE_STRING, mikey_srtp_params_rtcp_auth (params), NULL);

  for (i = 0; i < n_params; i++) {
    const MikeySrtpParams *p = &params[i];
    gchar *key_field, *mki_field;
    GstBuffer *buf;

    if (i == 0) {
      key_field = g_strdup ("srtp-key");
      mki_field = g_strdup ("mki");
    } else {
      key_field = g_strdup_printf ("srtp-key%u", i + 1);
      mki_field = g_strdup_printf ("mki%u", i + 1);
    }

    len = mikey_srtp_params_key_salt (p, keysalt);
    buf = secret_buffer (keysalt, len);
    OPENSSL_cleanse (keysalt, sizeof (keysalt));
    gst_structure_set (s, key_field, GST_TYPE_BUFFER, buf, NULL);
    gst_buffer_unref (buf);

    if (p->mki_len > 0) {
      buf = gst_buffer_new_memdup (p->mki, p->mki_len);
      gst_structure_set (s, mki_field, GST_TYPE_BUFFER, buf, NULL);
      gst_buffer_unref (buf);
    }
    g_free (key_field);
    g_free (mki_field);
  }
}

GstCaps *
gst_mikey_srtp_params_to_caps (const MikeySrtpParams * params)
{
  GstStructure *s = gst_structure_new_empty ("application/x-srtp");

  gst_mikey_srtp_params_to_structure (params, 1, s);
  return gst_caps_new_full (s, NULL);
}

static void
set_enum_by_nick (GstElement * element, const gchar * prop, const gchar * nick)
{
  GParamSpec *pspec;
  GEnumClass *klass;
  GEnumValue *val;

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (element), prop);
  if (pspec == NULL || !G_IS_PARAM_SPEC_ENUM (pspec))
    return;
  klass = G_PARAM_SPEC_ENUM (pspec)->enum_class;
  val = g_enum_get_value_by_nick (klass, nick);
  if (val != NULL)
    g_object_set (element, prop, val->value, NULL);
}

void
gst_mikey_srtp_params_configure_srtpenc (const MikeySrtpParams * params,
    GstElement * srtpenc)
{
  guint8 keysalt[MIKEY_MAX_MASTER_KEY + MIKEY_MAX_MASTER_SALT];
  gsize len;
  GstBuffer *key, *mki = NULL;

  len = mikey_srtp_params_key_salt (params, keysalt);
  key = secret_buffer (keysalt, len);
  OPENSSL_cleanse (keysalt, sizeof (keysalt));
  if (params->mki_len > 0)
    mki = gst_buffer_new_memdup (params->mki, params->mki_len);

  set_enum_by_nick (srtpenc, "rtp-cipher",
      mikey_srtp_params_rtp_cipher (params));
  set_enum_by_nick (srtpenc, "rtp-auth", mikey_srtp_params_rtp_auth (params));
  set_enum_by_nick (srtpenc, "rtcp-cipher",
      mikey_srtp_params_rtcp_cipher (params));
  set_enum_by_nick (srtpenc, "rtcp-auth", mikey_srtp_params_rtcp_auth (params));
  g_object_set (srtpenc, "key", key, NULL);
  if (mki != NULL &&
      g_object_class_find_property (G_OBJECT_GET_CLASS (srtpenc), "mki"))
    g_object_set (srtpenc, "mki", mki, NULL);

  gst_buffer_unref (key);
  if (mki != NULL)
    gst_buffer_unref (mki);
}

static void
params_clear_func (gpointer data)
{
  mikey_srtp_params_clear (data);
}

GArray *
gst_mikey_srtp_params_array_dup (GArray * params)
{
  GArray *dst;

  dst = g_array_sized_new (FALSE, TRUE, sizeof (MikeySrtpParams), params->len);
  g_array_set_clear_func (dst, params_clear_func);
  g_array_append_vals (dst, params->data, params->len);
  return dst;
}
