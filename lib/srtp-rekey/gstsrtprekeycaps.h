/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* srtpdec caps: key fields in, key fields out, key buffers wiped. */
#pragma once

#include <gst/gst.h>
#include "srtp-rekey-ring.h"

G_BEGIN_DECLS
/* TRUE for every field that carries key material or SRTP stream state:
 * srtp-key, srtp-key2..16, mki, mki2..16, srtp-cipher, srtp-auth,
 * srtcp-cipher, srtcp-auth, roc. srtpdec 1.22 passes srtp-key2.., mki2..
 * and roc on in its output caps; srtpenc puts srtp-key and mki in its. */
    gboolean gst_srtp_rekey_is_key_field (const gchar * name);

/* Removes every such field; TRUE when one was there. */
gboolean gst_srtp_rekey_strip_key_fields (GstStructure * s);

/* TRUE when any structure of @caps has such a field. */
gboolean gst_srtp_rekey_caps_have_key_fields (const GstCaps * caps);

/* Writes cipher/auth nicks, ssrc, roc and keys[0..n) as srtp-key/mki,
 * srtp-key2/mki2, ... into @s. Each key buffer made is also added (ref)
 * to @made so that the caller can wipe it later. */
void gst_srtp_rekey_structure_set_keys (GstStructure * s,
    const SrtpRekeyPolicy * policy, guint32 ssrc, guint32 roc,
    const SrtpRekeyKey * const *keys, guint n_keys, GPtrArray * made);

/* A buffer holding a copy of key bytes */
GstBuffer *gst_srtp_rekey_key_buffer_new (const guint8 * data, gsize len);

/* OPENSSL_cleanse over every memory of every buffer in @bufs, then
 * empties @bufs. GStreamer never wipes buffer memory on free. */
void gst_srtp_rekey_wipe_buffers (GPtrArray * bufs);

G_END_DECLS
