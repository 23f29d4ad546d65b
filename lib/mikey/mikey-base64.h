/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Strict base64 for untrusted input: GLib's g_base64_decode() skips
 * characters outside the alphabet and ignores unused bits, so one byte
 * string has many encodings and garbage decodes to something. Here every
 * byte string has exactly one encoding and anything else is refused. */
#pragma once

#include <glib.h>
#include "mikey-api.h"

G_BEGIN_DECLS

typedef enum
{
  MIKEY_BASE64_STANDARD,        /* RFC 4648 section 4: + and / */
  MIKEY_BASE64_URL,             /* RFC 4648 section 5: - and _ */
} MikeyBase64Alphabet;

/* Decodes @len characters of @text, which hold no padding, into @out (room
 * for @max bytes) and sets *@out_len. FALSE for a character outside the
 * alphabet, a length of 1 mod 4, unused bits that are not zero, or more
 * than @max bytes; @out may then hold a prefix (callers wipe it when it
 * matters). */
MIKEY_API
gboolean mikey_base64_decode_canonical (const gchar * text, gsize len,
    MikeyBase64Alphabet alphabet, guint8 * out, gsize max, gsize * out_len);

G_END_DECLS
