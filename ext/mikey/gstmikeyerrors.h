/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one table from the MIKEY core's error codes to GStreamer error
 * domains and codes, with the hint each element adds per code (the core's
 * sentences name no element property; the hints do). */
#pragma once

#include <gst/gst.h>
#include "mikey-error.h"

G_BEGIN_DECLS

typedef enum
{
  GST_MIKEY_SIDE_SENDER,        /* mikeyenc: the initiator */
  GST_MIKEY_SIDE_RECEIVER,      /* mikeydec: the responder */
} GstMikeySide;

/* The GStreamer error domain for @error, and its code in *@code. Errors of
 * another domain than MIKEY_ERROR (GST_*_ERROR from the settings) keep
 * theirs. */
GQuark gst_mikey_error_to_gst (const GError * error, gint * code);

/* What the user of @side should check, naming the element's properties
 * (without brackets), or NULL when the sentence needs none. */
const gchar *gst_mikey_error_hint (const GError * error, GstMikeySide side);

/* Posts @error as an error message of @element, mapped by the table.
 * @text: the sentence (taken; NULL: @error's message); @debug is taken. */
void gst_mikey_error_post (GstElement * element, const GError * error,
    gchar * text, gchar * debug);

G_END_DECLS
