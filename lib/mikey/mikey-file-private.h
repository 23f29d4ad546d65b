/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: reading the small files that hold credentials.
 *
 * Keys, certificates and CRLs come from paths a user (or an attacker who
 * can set a property) names: /dev/zero, a FIFO or a huge file must end in a
 * clear error, not in reading until memory runs out.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What one credentials file may hold: far more than any real key,
 * certificate chain or CRL of this use. */
#define MIKEY_FILE_MAX_SIZE (1024 * 1024)

/* Like g_file_get_contents() (same messages for files that cannot be
 * opened; the contents are NUL-terminated), but refuses anything longer
 * than @max bytes. Free the contents with mikey_secure_free (@contents,
 * @len): they may be key material, and so is every buffer wiped here. */
gboolean mikey_file_read (const gchar * path, gsize max, gchar ** contents,
    gsize * len, GError ** error);

G_END_DECLS
