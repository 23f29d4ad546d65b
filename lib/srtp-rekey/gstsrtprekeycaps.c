/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* srtpdec caps with keys, and without (see gstsrtprekeycaps.h). */
#include "gstsrtprekeycaps.h"

#include <string.h>
#include <openssl/crypto.h>

static gboolean
numbered (const gchar * name, const gchar * prefix)
{
  gsize n = strlen (prefix);
  const gchar *p;

  if (strncmp (name, prefix, n) != 0)
    return FALSE;
  /* "srtp-key", "srtp-key2" .. and any other number: all keys */
  for (p = name + n; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

gboolean
gst_srtp_rekey_is_key_field (const gchar * name)
{
  return numbered (name, "srtp-key") || numbered (name, "mki") ||
      strcmp (name, "srtp-cipher") == 0 || strcmp (name, "srtp-auth") == 0 ||
      strcmp (name, "srtcp-cipher") == 0 || strcmp (name, "srtcp-auth") == 0
      || strcmp (name, "roc") == 0;
}

static gboolean
keep_field (GQuark field, GValue * value, gpointer user_data)
{
  gboolean *removed = user_data;

  if (gst_srtp_rekey_is_key_field (g_quark_to_string (field))) {
    *removed = TRUE;
    return FALSE;
  }
  return TRUE;
}

gboolean
gst_srtp_rekey_strip_key_fields (GstStructure * s)
{
  gboolean removed = FALSE;

  gst_structure_filter_and_map_in_place (s, keep_field, &removed);
  return removed;
}

static gboolean
find_key_field (GQuark field, const GValue * value, gpointer user_data)
{
  return !gst_srtp_rekey_is_key_field (g_quark_to_string (field));
}

gboolean
gst_srtp_rekey_caps_have_key_fields (const GstCaps * caps)
{
  guint i;

  for (i = 0; i < gst_caps_get_size (caps); i++) {
    /* foreach stops (FALSE) at the first key field */
    if (!gst_structure_foreach (gst_caps_get_structure (caps, i),
            find_key_field, NULL))
      return TRUE;
  }
  return FALSE;
}

GstBuffer *
gst_srtp_rekey_key_buffer_new (const guint8 * data, gsize len)
{
  return gst_buffer_new_memdup (data, len);
}

void
gst_srtp_rekey_structure_set_keys (GstStructure * s,
    const SrtpRekeyPolicy * policy, guint32 ssrc, guint32 roc,
    const SrtpRekeyKey * const *keys, guint n_keys, GPtrArray * made)
{
  guint i;

  gst_structure_set (s, "ssrc", G_TYPE_UINT, ssrc, "roc", G_TYPE_UINT, roc,
      "srtp-cipher", G_TYPE_STRING, srtp_rekey_policy_cipher_nick (policy),
      "srtp-auth", G_TYPE_STRING, srtp_rekey_policy_rtp_auth_nick (policy),
      "srtcp-cipher", G_TYPE_STRING, srtp_rekey_policy_cipher_nick (policy),
      "srtcp-auth", G_TYPE_STRING, srtp_rekey_policy_rtcp_auth_nick (policy),
      NULL);

  for (i = 0; i < n_keys; i++) {
    gchar key_field[16], mki_field[16];
    GstBuffer *key, *mki;

    if (i == 0) {
      g_strlcpy (key_field, "srtp-key", sizeof (key_field));
      g_strlcpy (mki_field, "mki", sizeof (mki_field));
    } else {
      g_snprintf (key_field, sizeof (key_field), "srtp-key%u", i + 1);
      g_snprintf (mki_field, sizeof (mki_field), "mki%u", i + 1);
    }
    key = gst_srtp_rekey_key_buffer_new (keys[i]->key, keys[i]->key_len);
    mki = gst_buffer_new_memdup (keys[i]->mki, keys[i]->mki_len);
    gst_structure_set (s, key_field, GST_TYPE_BUFFER, key,
        mki_field, GST_TYPE_BUFFER, mki, NULL);
    if (made != NULL)
      g_ptr_array_add (made, gst_buffer_ref (key));
    gst_buffer_unref (key);
    gst_buffer_unref (mki);
  }
}

void
gst_srtp_rekey_wipe_buffers (GPtrArray * bufs)
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

      /* the memory belongs to this buffer alone (we made it), so it maps
       * writable even while caps still hold the buffer */
      if (gst_memory_map (mem, &map, GST_MAP_WRITE)) {
        OPENSSL_cleanse (map.data, map.size);
        gst_memory_unmap (mem, &map);
      }
    }
  }
  g_ptr_array_set_size (bufs, 0);
}
