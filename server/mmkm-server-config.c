/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkm-server's configuration file (GKeyFile): defaults, parsing with
 * ranges, unknown keys refused so that a typo does not go unnoticed. */
#include "mmkm-server-config.h"

#include <string.h>

#define CONFIG_ERROR g_quark_from_static_string ("mmkm-server-config")

void
mmkm_server_config_init (MmkmServerConfig * c)
{
  memset (c, 0, sizeof *c);
  c->listen_host = g_strdup ("127.0.0.1");
  c->listen_port = MMKM_SERVER_DEFAULT_PORT;
  c->heartbeat_port = MMKM_SERVER_DEFAULT_HEARTBEAT_PORT;
  c->admin_host = g_strdup ("127.0.0.1");
  c->admin_port = MMKM_SERVER_DEFAULT_ADMIN_PORT;
  c->identity_name = g_strdup ("server");
  c->group_name = g_strdup ("default");
  c->suite = g_strdup ("AES_CM_128_HMAC_SHA1_80");
  c->tek_period_ms = 24 * 3600 * 1000;
  c->fetch_window_ms = 0;
  c->propagation_delay_ms = 2000;
  c->heartbeat_interval_ms = 10000;
  c->allowed_misses = 6;
  c->heartbeat_store_interval_s = 30;
  c->login_timeout_s = 120;
  c->duplicate_login = MMKM_DUP_REFUSE;
  c->requests_per_period = 3;
  c->request_period_ms = 3600 * 1000;
  mmkm_password_params_init_default (&c->password);
  c->login_burst_per_address = 20;
  c->login_refill_per_address_s = 6;
  c->login_burst_per_user = 5;
  c->login_refill_per_user_s = 30;
  c->rate_table_size = 10000;
  c->events_kept = 1024;
}

void
mmkm_server_config_clear (MmkmServerConfig * c)
{
  g_free (c->state_dir);
  g_free (c->listen_host);
  g_free (c->admin_host);
  g_free (c->identity_dir);
  g_free (c->identity_name);
  g_free (c->database);
  g_free (c->key_file);
  g_free (c->group_name);
  g_free (c->suite);
  memset (c, 0, sizeof *c);
}

const gchar *
mmkm_dup_policy_to_string (MmkmDupPolicy p)
{
  switch (p) {
    case MMKM_DUP_REPLACE:
      return "replace";
    case MMKM_DUP_ALLOW:
      return "allow";
    default:
      return "refuse";
  }
}

gboolean
mmkm_server_parse_listen (const gchar * text, gchar ** host, guint16 * port,
    GError ** error)
{
  const gchar *colon = text ? strrchr (text, ':') : NULL;
  guint64 p;

  if (!colon || colon == text || !g_ascii_string_to_unsigned (colon + 1, 10,
          0, 65535, &p, NULL)) {
    g_set_error (error, CONFIG_ERROR, 0, "listen address must be "
        "HOST:PORT (for example 127.0.0.1:%d)", MMKM_SERVER_DEFAULT_PORT);
    return FALSE;
  }
  g_free (*host);
  *host = g_strndup (text, colon - text);
  /* [::1]:8443 */
  if ((*host)[0] == '[' && strlen (*host) > 2
      && (*host)[strlen (*host) - 1] == ']') {
    gchar *h = g_strndup (*host + 1, strlen (*host) - 2);
    g_free (*host);
    *host = h;
  }
  *port = (guint16) p;
  return TRUE;
}

static const gchar *const known_keys[] = {
  "server/state-dir", "server/listen", "server/heartbeat-port",
  "server/identity-dir", "server/identity-name", "server/database",
  "server/key-file", "server/sync-normal",
  "group/name", "group/suite", "group/tek-period-ms", "group/fetch-window-ms",
  "group/propagation-delay-ms", "group/rekey-on-join",
  "members/heartbeat-interval-ms", "members/allowed-misses",
  "members/heartbeat-store-interval-s", "members/login-timeout-s",
  "members/duplicate-login", "members/requests-per-period",
  "members/request-period-ms",
  "passwords/t-cost", "passwords/m-cost-kib", "passwords/parallelism",
  "passwords/queue",
  "limits/login-burst-per-address", "limits/login-refill-per-address-s",
  "limits/login-burst-per-user", "limits/login-refill-per-user-s",
  "limits/rate-table-size", "limits/events-kept",
  "admin/listen",
  NULL
};

static gboolean
check_keys (GKeyFile * kf, const gchar * path, GError ** error)
{
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  guint i, j;

  for (i = 0; groups[i]; i++) {
    g_auto (GStrv) keys = g_key_file_get_keys (kf, groups[i], NULL, NULL);
    for (j = 0; keys && keys[j]; j++) {
      g_autofree gchar *full = g_strdup_printf ("%s/%s", groups[i], keys[j]);
      if (!g_strv_contains (known_keys, full)) {
        g_autofree gchar *esc = g_strescape (full, NULL);
        g_set_error (error, CONFIG_ERROR, 0, "%s: unknown key \"%s\"",
            path, esc);
        return FALSE;
      }
    }
  }
  return TRUE;
}

static gboolean
get_str (GKeyFile * kf, const gchar * g, const gchar * k, gchar ** out)
{
  gchar *v;

  if (!g_key_file_has_key (kf, g, k, NULL))
    return TRUE;
  v = g_key_file_get_string (kf, g, k, NULL);
  if (!v)
    return FALSE;
  g_strstrip (v);
  g_free (*out);
  *out = v;
  return TRUE;
}

static gboolean
get_int (GKeyFile * kf, const gchar * path, const gchar * g, const gchar * k,
    gint64 min, gint64 max, gint64 * out, GError ** error)
{
  g_autofree gchar *v = NULL;
  gint64 n;

  if (!g_key_file_has_key (kf, g, k, NULL))
    return TRUE;
  v = g_key_file_get_string (kf, g, k, NULL);
  if (!v || !g_ascii_string_to_signed (g_strstrip (v), 10, min, max, &n, NULL)) {
    g_set_error (error, CONFIG_ERROR, 0, "%s: [%s] %s must be an integer "
        "from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, path, g, k, min, max);
    return FALSE;
  }
  *out = n;
  return TRUE;
}

#define GET_UINT(g, k, min, max, field) G_STMT_START {                   \
    gint64 v_ = (field);                                                 \
    if (!get_int (kf, path, g, k, min, max, &v_, error))                 \
      return FALSE;                                                      \
    (field) = v_;                                                        \
  } G_STMT_END

gboolean
mmkm_server_config_load (MmkmServerConfig * c, const gchar * path,
    GError ** error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree gchar *listen = NULL, *dup = NULL, *admin = NULL;
  gint64 b;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
    return FALSE;
  if (!check_keys (kf, path, error))
    return FALSE;
  if (!get_str (kf, "server", "state-dir", &c->state_dir)
      || !get_str (kf, "server", "listen", &listen)
      || !get_str (kf, "server", "identity-dir", &c->identity_dir)
      || !get_str (kf, "server", "identity-name", &c->identity_name)
      || !get_str (kf, "server", "database", &c->database)
      || !get_str (kf, "server", "key-file", &c->key_file)
      || !get_str (kf, "group", "name", &c->group_name)
      || !get_str (kf, "group", "suite", &c->suite)
      || !get_str (kf, "members", "duplicate-login", &dup)
      || !get_str (kf, "admin", "listen", &admin)) {
    g_set_error (error, CONFIG_ERROR, 0, "%s: a string value is not UTF-8",
        path);
    return FALSE;
  }
  if (listen && !mmkm_server_parse_listen (listen, &c->listen_host,
          &c->listen_port, error))
    return FALSE;
  if (admin && !mmkm_server_parse_listen (admin, &c->admin_host,
          &c->admin_port, error))
    return FALSE;
  if (dup) {
    if (g_str_equal (dup, "refuse"))
      c->duplicate_login = MMKM_DUP_REFUSE;
    else if (g_str_equal (dup, "replace"))
      c->duplicate_login = MMKM_DUP_REPLACE;
    else if (g_str_equal (dup, "allow"))
      c->duplicate_login = MMKM_DUP_ALLOW;
    else {
      g_set_error (error, CONFIG_ERROR, 0, "%s: [members] duplicate-login "
          "must be refuse, replace or allow", path);
      return FALSE;
    }
  }
  if (g_key_file_has_key (kf, "group", "rekey-on-join", NULL)) {
    GError *be = NULL;
    c->rekey_on_join = g_key_file_get_boolean (kf, "group", "rekey-on-join",
        &be);
    if (be) {
      g_error_free (be);
      g_set_error (error, CONFIG_ERROR, 0, "%s: [group] rekey-on-join must "
          "be true or false", path);
      return FALSE;
    }
  }
  b = c->sync_normal;
  if (!get_int (kf, path, "server", "sync-normal", 0, 1, &b, error))
    return FALSE;
  c->sync_normal = b != 0;
  GET_UINT ("server", "heartbeat-port", 0, 65535, c->heartbeat_port);
  GET_UINT ("group", "tek-period-ms", 100, G_GINT64_CONSTANT (3650) * 86400000,
      c->tek_period_ms);
  GET_UINT ("group", "fetch-window-ms", 0, G_GINT64_CONSTANT (3650) *
      86400000, c->fetch_window_ms);
  GET_UINT ("group", "propagation-delay-ms", 0, 3600000,
      c->propagation_delay_ms);
  GET_UINT ("members", "heartbeat-interval-ms", 10, 3600000,
      c->heartbeat_interval_ms);
  GET_UINT ("members", "allowed-misses", 1, 1000, c->allowed_misses);
  GET_UINT ("members", "heartbeat-store-interval-s", 0, 86400,
      c->heartbeat_store_interval_s);
  GET_UINT ("members", "login-timeout-s", 1, 86400, c->login_timeout_s);
  GET_UINT ("members", "requests-per-period", 0, 1000000,
      c->requests_per_period);
  GET_UINT ("members", "request-period-ms", 1000, G_GINT64_CONSTANT (365) *
      86400000, c->request_period_ms);
  GET_UINT ("passwords", "t-cost", 1, MMKM_PASSWORD_MAX_T_COST,
      c->password.t_cost);
  GET_UINT ("passwords", "m-cost-kib", 8, MMKM_PASSWORD_MAX_M_COST_KIB,
      c->password.m_cost_kib);
  GET_UINT ("passwords", "parallelism", 1, MMKM_PASSWORD_MAX_PARALLELISM,
      c->password.parallelism);
  GET_UINT ("passwords", "queue", 0, 1000000, c->password_queue);
  GET_UINT ("limits", "login-burst-per-address", 1, 1000000,
      c->login_burst_per_address);
  GET_UINT ("limits", "login-refill-per-address-s", 1, 86400,
      c->login_refill_per_address_s);
  GET_UINT ("limits", "login-burst-per-user", 1, 1000000,
      c->login_burst_per_user);
  GET_UINT ("limits", "login-refill-per-user-s", 1, 86400,
      c->login_refill_per_user_s);
  GET_UINT ("limits", "rate-table-size", 16, 10000000, c->rate_table_size);
  GET_UINT ("limits", "events-kept", 16, 65536, c->events_kept);
  return TRUE;
}

gboolean
mmkm_server_config_finish (MmkmServerConfig * c, GError ** error)
{
  if (!c->state_dir) {
    g_set_error (error, CONFIG_ERROR, 0, "no state directory: give "
        "--state-dir DIR or [server] state-dir in the configuration file");
    return FALSE;
  }
  if (!c->identity_dir)
    c->identity_dir = g_strdup (c->state_dir);
  if (!c->database)
    c->database = g_build_filename (c->state_dir, "mmkm.db", NULL);
  if (!c->key_file)
    c->key_file = g_build_filename (c->state_dir, "secrets.key", NULL);
  if (c->fetch_window_ms == 0)
    c->fetch_window_ms = MIN (c->tek_period_ms / 8, 3600 * 1000);
  if (c->fetch_window_ms <= 0 || c->fetch_window_ms > c->tek_period_ms) {
    g_set_error (error, CONFIG_ERROR, 0, "[group] fetch-window-ms must be "
        "above 0 and at most tek-period-ms");
    return FALSE;
  }
  if (!mmkm_password_params_check (&c->password, error))
    return FALSE;
  return TRUE;
}
