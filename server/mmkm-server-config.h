/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkm-server's configuration: the defaults, the GKeyFile keys of
 * data/mmkm-server.conf and the command-line overrides. */
#pragma once

#include <glib.h>
#include "mmkm-password.h"

G_BEGIN_DECLS
#define MMKM_SERVER_DEFAULT_PORT 8443
#define MMKM_SERVER_DEFAULT_HEARTBEAT_PORT 8444
#define MMKM_SERVER_DEFAULT_ADMIN_PORT 8445
    typedef enum
{
  MMKM_DUP_REFUSE,
  MMKM_DUP_REPLACE,
  MMKM_DUP_ALLOW,
} MmkmDupPolicy;

typedef struct
{
  gchar *state_dir;
  gchar *listen_host;
  guint16 listen_port;          /* 0: any free port (printed) */
  guint16 heartbeat_port;       /* 0: any free port (printed) */
  gchar *admin_host;            /* the admin listener (mmkm-server-admin.c) */
  guint16 admin_port;           /* 0: any free port (printed) */
  gchar *identity_dir;          /* NULL: the state directory */
  gchar *identity_name;
  gchar *database;
  gchar *key_file;
  gboolean sync_normal;

  gchar *group_name;
  gchar *suite;
  gint64 tek_period_ms;
  gint64 fetch_window_ms;       /* 0: min (period / 8, 1 h) */
  gint64 propagation_delay_ms;
  gboolean rekey_on_join;

  guint heartbeat_interval_ms;
  guint allowed_misses;
  guint heartbeat_store_interval_s;
  guint login_timeout_s;
  MmkmDupPolicy duplicate_login;
  guint requests_per_period;
  gint64 request_period_ms;

  MmkmPasswordParams password;
  guint password_queue;         /* 0: 16 per worker thread */

  guint login_burst_per_address;
  guint login_refill_per_address_s;
  guint login_burst_per_user;
  guint login_refill_per_user_s;
  guint rate_table_size;
  guint events_kept;            /* the event ring's size (read at start) */
} MmkmServerConfig;

void mmkm_server_config_init (MmkmServerConfig * c);
void mmkm_server_config_clear (MmkmServerConfig * c);

/* Reads @path over the values in @c (only the keys present). A bad value
 * or an unknown key is an error naming the key. */
gboolean mmkm_server_config_load (MmkmServerConfig * c, const gchar * path,
    GError ** error);

/* Fills what depends on the state directory and checks the ranges. */
gboolean mmkm_server_config_finish (MmkmServerConfig * c, GError ** error);

/* "host:port" */
gboolean mmkm_server_parse_listen (const gchar * text, gchar ** host,
    guint16 * port, GError ** error);

const gchar *mmkm_dup_policy_to_string (MmkmDupPolicy p);

G_END_DECLS
