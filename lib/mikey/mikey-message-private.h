/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: how the parser builds a message in few allocations
 * (shared by mikey-message.c and mikey-parse.c, not installed).
 *
 * A parsed message is one allocation holding the MikeyMessage, room for its
 * first few payloads and a copy of the bytes it was parsed from; its blobs
 * and SP parameter values point into that copy (MikeyBlob.borrowed). Only
 * the GArrays / GPtrArray the public struct exposes are separate.
 */
#pragma once

#include "mikey-message.h"

G_BEGIN_DECLS

/* A message whose copy of @data (@len bytes) the parser's blobs may point
 * into; hdr.cs is sized for @n_cs entries. Free with mikey_message_free. */
MikeyMessage *mikey_message_new_parsed (const guint8 * data, gsize len,
    guint n_cs, const guint8 ** copy);

/* Appends a new zeroed payload of @type to @msg, taken from the room inside
 * @msg when there is some left. SP params are not created (NULL): the
 * caller sizes them. */
MikeyPayload *mikey_message_add_new (MikeyMessage * msg, guint8 type);

/* Points @blob at @len bytes of the message's own copy of its bytes. */
static inline void
mikey_blob_borrow (MikeyBlob * blob, const guint8 * data, gsize len)
{
  blob->data = len > 0 ? (guint8 *) data : NULL;
  blob->len = len;
  blob->borrowed = len > 0;
}

/* GArray clear function of SP parameter arrays. */
void mikey_sp_param_clear (gpointer param);

G_END_DECLS
