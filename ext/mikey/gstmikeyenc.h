/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mikeyenc: MIKEY initiator in front of the stock srtpenc. */
#pragma once

#include "gstmikeybase.h"

G_BEGIN_DECLS

#define GST_TYPE_MIKEY_ENC (gst_mikey_enc_get_type ())
G_DECLARE_FINAL_TYPE (GstMikeyEnc, gst_mikey_enc, GST, MIKEY_ENC,
    GstMikeyBase);

GST_ELEMENT_REGISTER_DECLARE (mikeyenc);

G_END_DECLS
