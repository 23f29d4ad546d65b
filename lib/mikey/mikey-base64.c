/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Strict, canonical base64 decoding (see mikey-base64.h). */
#include "mikey-base64.h"

static gint
value (guchar c, MikeyBase64Alphabet alphabet)
{
  gboolean url = alphabet == MIKEY_BASE64_URL;

  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == (url ? '-' : '+'))
    return 62;
  if (c == (url ? '_' : '/'))
    return 63;
  return -1;
}

gboolean
mikey_base64_decode_canonical (const gchar * text, gsize len,
    MikeyBase64Alphabet alphabet, guint8 * out, gsize max, gsize * out_len)
{
  gsize i, k = 0;
  guint32 acc = 0;
  guint bits = 0;

  g_return_val_if_fail (text != NULL || len == 0, FALSE);
  g_return_val_if_fail (out_len != NULL, FALSE);

  /* 6 bits left over: no encoder makes that */
  if (len % 4 == 1)
    return FALSE;
  for (i = 0; i < len; i++) {
    gint v = value ((guchar) text[i], alphabet);

    if (v < 0)
      return FALSE;
    acc = ((acc << 6) | (guint32) v) & 0xfff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (k >= max)
        return FALSE;
      out[k++] = (guint8) (acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  /* the unused low bits of the last character must be zero, so that each
   * byte string has one encoding */
  if (acc != 0)
    return FALSE;
  *out_len = k;
  return TRUE;
}
