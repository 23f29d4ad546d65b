/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GStreamer MIKEY plugin: registers mikeyenc, mikeydec and
 * mikeyrtspext (rtspsrc's MIKEY MKI extension). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <openssl/crypto.h>
#include "gstmikeyenc.h"
#include "gstmikeydec.h"
#include "gstmikeyrtspext.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  /* OpenSSL 3.0 frees every thread's state from an atexit handler; a
   * GStreamer pool thread that ends while the application exits frees the
   * same state from its thread destructor (a double free, openssl#6214).
   * Threads clean up after themselves anyway, so the exit-time pass is
   * turned off. It only works before OpenSSL's first use in the process,
   * which plugin loading usually is; applications that need certainty do
   * the same in main(). */
  OPENSSL_init_crypto (OPENSSL_INIT_NO_ATEXIT, NULL);

  ret |= GST_ELEMENT_REGISTER (mikeyenc, plugin);
  ret |= GST_ELEMENT_REGISTER (mikeydec, plugin);
  /* not for pipelines: rtspsrc loads it by itself (MKI from the SDP) */
  ret |= GST_ELEMENT_REGISTER (mikeyrtspext, plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, mikey,
    "MIKEY key management for SRTP (RFC 3830)", plugin_init, VERSION,
    GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
