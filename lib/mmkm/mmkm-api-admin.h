/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The body of the admin API's commands (docs/mmkm-server.md,
 * "Administration"): one object whose members each command picks from.
 * The server checks that a command got exactly the members it uses. */
#pragma once

#include "mmkm-api.h"

G_BEGIN_DECLS

typedef struct
{
  gchar *user;                  /* NULL when absent */
  gboolean has_role;
  MmkmApiRole role;
  gchar *password;              /* wiped on clear; NULL when absent */
  gboolean has_device;
  guint8 device[MMKM_API_FINGERPRINT_LEN];
  gboolean has_entry;
  gint64 entry;                 /* a queue entry's id, >= 1 */
} MmkmApiAdminRequest;

MMKM_API_CODEC (MmkmApiAdminRequest, admin_request)

/* "listener", "sender", "admin"; NULL out of range */
const gchar *mmkm_api_role_to_string (MmkmApiRole role);
gboolean mmkm_api_role_from_string (const gchar * s, MmkmApiRole * role);

G_END_DECLS
