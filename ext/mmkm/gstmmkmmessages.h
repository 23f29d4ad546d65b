/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkmregistry's bus messages (element messages named mmkm-*, never a
 * key byte) and its errors (GST_ELEMENT_ERROR with a sentence saying
 * what to fix). */
#pragma once

#include "gstmmkmregistry.h"

G_BEGIN_DECLS

/* Posts an element message @name with the fields that follow, as
 * gst_structure_new() takes them (NULL-terminated) */
void gst_mmkm_post (GstMmkmRegistry * self, const gchar * name,
    const gchar * first_field, ...) G_GNUC_NULL_TERMINATED;

/* GST_ELEMENT_ERROR for an error of the MMKM client (@message: the
 * client's sentence) */
void gst_mmkm_post_client_error (GstMmkmRegistry * self,
    MmkmClientError code, const gchar * message);

G_END_DECLS
