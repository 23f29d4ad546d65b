/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY SRTP parameters as GStreamer sees them: srtpdec caps fields and
 * srtpenc properties. Shared by the elements and mikey-tool. */
#pragma once

#include <gst/gst.h>
#include "mikey-srtp.h"

G_BEGIN_DECLS

/* Adds ssrc (when known), roc, srtp-key, mki (when present), srtp-cipher,
 * srtp-auth, srtcp-cipher and srtcp-auth to @s, as srtpdec reads them
 * from its "request-key" answer or its sink caps. With @n_params > 1 the
 * keys of the further sessions sharing this SSRC are added as srtp-key2 /
 * mki2, srtp-key3 / mki3... (srtpdec's MKI multi-key layout). */
void gst_mikey_srtp_params_to_structure (const MikeySrtpParams * params,
    guint n_params, GstStructure * s);

/* "application/x-srtp" caps for one crypto session. */
GstCaps *gst_mikey_srtp_params_to_caps (const MikeySrtpParams * params);

/* Sets srtpenc's "key", "mki", "rtp-cipher", "rtp-auth", "rtcp-cipher" and
 * "rtcp-auth" properties from @params. */
void gst_mikey_srtp_params_configure_srtpenc (const MikeySrtpParams * params,
    GstElement * srtpenc);

/* A copy of an array of MikeySrtpParams whose elements are wiped when it
 * is freed. */
GArray *gst_mikey_srtp_params_array_dup (GArray * params);

G_END_DECLS
