/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Live re-keying helpers, see gstmikeyrekey.h */
#include "gstmikeyrekey.h"
#include "mikey-message.h"

gboolean
gst_mikey_rekey_policy_from_params (const MikeySrtpParams * p,
    SrtpRekeyPolicy * policy)
{
  if (p == NULL || p->suite == NULL || p->mki_len == 0)
    return FALSE;
  return srtp_rekey_policy_from_nicks (policy,
      mikey_srtp_params_rtp_cipher (p), mikey_srtp_params_rtp_auth (p),
      mikey_srtp_params_rtcp_cipher (p), mikey_srtp_params_rtcp_auth (p),
      p->mki_len);
}

GstMessage *
gst_mikey_bus_rekey_new (GstElement * src, const gchar * stage,
    const gchar * reason, const guint8 * mki, gsize mki_len,
    gboolean have_ssrc, guint32 ssrc, gint64 exchange_us, gint64 switch_ns)
{
  GstStructure *s;
  gchar *hex = mikey_hex_encode (mki, mki_len);

  s = gst_structure_new ("mikey-rekey", "stage", G_TYPE_STRING, stage,
      "reason", G_TYPE_STRING, reason, "mki", G_TYPE_STRING, hex, NULL);
  g_free (hex);
  if (have_ssrc)
    gst_structure_set (s, "ssrc", G_TYPE_UINT, ssrc, NULL);
  if (exchange_us >= 0)
    gst_structure_set (s, "exchange-us", G_TYPE_INT64, exchange_us, NULL);
  if (switch_ns >= 0)
    gst_structure_set (s, "switch-us", G_TYPE_DOUBLE, switch_ns / 1000.0, NULL);
  return gst_message_new_element (GST_OBJECT_CAST (src), s);
}
