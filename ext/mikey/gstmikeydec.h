/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mikeydec: MIKEY responder in front of the stock srtpdec. */
#pragma once

#include "gstmikeybase.h"

G_BEGIN_DECLS

#define GST_TYPE_MIKEY_DEC (gst_mikey_dec_get_type ())
G_DECLARE_FINAL_TYPE (GstMikeyDec, gst_mikey_dec, GST, MIKEY_DEC,
    GstMikeyBase);

GST_ELEMENT_REGISTER_DECLARE (mikeydec);

G_END_DECLS
