/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: T payload values. The caller passes the current time
 * in (microseconds since the Unix epoch, as g_get_real_time() gives it),
 * so the core never reads a clock itself. */
#pragma once

#include <glib.h>
#include "mikey-api.h"

G_BEGIN_DECLS

/* NTP 32.32 fixed point (seconds since 1900) from Unix microseconds. */
MIKEY_API
guint64 mikey_ntp_from_unix_us (gint64 unix_us);
MIKEY_API
gint64 mikey_ntp_to_unix_us (guint64 ntp);

G_END_DECLS
