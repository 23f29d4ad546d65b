/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mikey-tool: srtpdec caps, one line per crypto session.
 *
 * The caps come from the same helper the mikeydec element uses
 * (gst_mikey_srtp_params_to_caps), so what the tool prints is exactly what
 * the element would hand to srtpdec; a user can paste a line into
 * `srtpdec` tests or a `capsfilter` to check a capture by hand.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include <gst/gst.h>
#include <openssl/crypto.h>

#include "mikey-tool.h"
#include "gstmikeysrtpparams.h"

void
mikey_tool_print_caps (GArray * srtp)
{
  guint i;

  for (i = 0; i < srtp->len; i++) {
    const MikeySrtpParams *p = &g_array_index (srtp, MikeySrtpParams, i);
    GstCaps *caps = gst_mikey_srtp_params_to_caps (p);
    gchar *str = gst_caps_to_string (caps);

    printf ("%s\n", str);
    /* the string holds the key */
    OPENSSL_cleanse (str, strlen (str));
    g_free (str);
    gst_caps_unref (caps);
  }
  fflush (stdout);
}
