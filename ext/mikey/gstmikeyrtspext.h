/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mikeyrtspext: a GstRTSPExtension that stock rtspsrc loads by itself; it
 * reads each stream's SDP MIKEY with our parser and gives srtpdec what
 * GStreamer 1.22's gst_mikey_message_to_caps leaves out (the MKI). */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_MIKEY_RTSP_EXT (gst_mikey_rtsp_ext_get_type ())
G_DECLARE_FINAL_TYPE (GstMikeyRtspExt, gst_mikey_rtsp_ext, GST,
    MIKEY_RTSP_EXT, GstElement);

GST_ELEMENT_REGISTER_DECLARE (mikeyrtspext);

G_END_DECLS
