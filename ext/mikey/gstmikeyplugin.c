/* GStreamer MIKEY plugin: registers mikeyenc and mikeydec. */
#include "config.h"

#include <gst/gst.h>
#include "gstmikeyenc.h"
#include "gstmikeydec.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (mikeyenc, plugin);
  ret |= GST_ELEMENT_REGISTER (mikeydec, plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, mikey,
    "MIKEY key management for SRTP (RFC 3830)", plugin_init, VERSION,
    GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
