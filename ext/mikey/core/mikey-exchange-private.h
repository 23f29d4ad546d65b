/* Internal helpers shared by mikey-exchange.c, mikey-initiator.c and
 * mikey-responder.c. Not for elements or tools. */
#pragma once

#include "mikey-exchange.h"
#include "mikey-timestamp.h"

G_BEGIN_DECLS

gboolean mikey_kemac_is_null (const MikeyPayload * kemac);

/* Wire bytes of a T payload's value (8 or 4); returns the length. */
gsize mikey_ts_wire_value (const MikeyPayload * t, guint8 out[8]);

/* IDi || IDr || T_i appended to the verification message for its MAC. */
GByteArray *mikey_verify_mac_extra (const MikeyMessage * init,
    const MikeyMessage * resp);

GBytes *mikey_build_error_message (const MikeyMessage * init, guint8 err_no,
    gint64 now_us);

MikeyPayload *mikey_add_timestamp (MikeyMessage * msg, guint8 ts_type,
    guint32 counter, gint64 now_us);

G_END_DECLS
