/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GStreamer MMKM plugin: registers mmkmregistry. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <openssl/crypto.h>
#include "gstmmkmregistry.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  /* as in the mikey plugin: OpenSSL's exit-time cleanup races GStreamer's
   * pool threads (openssl#6214) */
  OPENSSL_init_crypto (OPENSSL_INIT_NO_ATEXIT, NULL);
  return GST_ELEMENT_REGISTER (mmkmregistry, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, mmkm,
    "MMKM group key management for SRTP (multicast)", plugin_init, VERSION,
    GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
