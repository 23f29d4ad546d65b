/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkm-server: the MMKM registration server daemon (docs/mmkm-server.md,
 * "Running"). One GLib main loop carries the HTTPS API (libsoup 3), the
 * heartbeat UDP socket and the timers (TEK schedule, liveness); the
 * protocol work is lib/mmkm's, the state is the store's. */
#define G_LOG_DOMAIN "mmkm-server"

#include <gio/gio.h>
#include <glib-unix.h>
#include <libsoup/soup.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "config.h"
#include "mikey-suite.h"
#include "mmkm-api.h"
#include "mmkm-error.h"
#include "mmkm-heartbeat.h"
#include "mmkm-identity.h"
#include "mmkm-kek.h"
#include "mmkm-schedule.h"
#include "mmkm-tek.h"
#include "mmkm-password.h"
#include "mmkm-pool-exit.h"
#include "mmkm-store-sqlite.h"
#include "mmkm-server-config.h"
#include "mmkm-server-private.h"

static gboolean
load_or_create_secret (const gchar * path, guint8 out[SECRET_LEN],
    GError ** error)
{
  gchar *data = NULL;
  gsize len = 0;
  struct stat st;

  if (g_file_test (path, G_FILE_TEST_EXISTS)) {
    if (stat (path, &st) == 0 && (st.st_mode & 077)) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM, "%s: permissions "
          "%04o are too open (chmod 600 it)", path, st.st_mode & 07777);
      return FALSE;
    }
    if (!g_file_get_contents (path, &data, &len, error))
      return FALSE;
    if (len != SECRET_LEN) {
      OPENSSL_cleanse (data, len);
      g_free (data);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not %d "
          "bytes long: damaged (remove it: members then log in again)", path,
          SECRET_LEN);
      return FALSE;
    }
    memcpy (out, data, SECRET_LEN);
    OPENSSL_cleanse (data, len);
    g_free (data);
    return TRUE;
  }
  if (RAND_bytes (out, SECRET_LEN) != 1) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "no randomness");
    return FALSE;
  }
  return g_file_set_contents_full (path, (const gchar *) out, SECRET_LEN,
      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600,
      error);
}


static gboolean
open_group (Server * srv, gint64 now, GError ** error)
{
  GError *e = NULL;

  srv->group = mmkm_store_group_get_by_name (srv->store, srv->cfg.group_name,
      &e);
  if (!srv->group) {
    MmkmGroup g = { 0 };
    if (!g_error_matches (e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_NOT_FOUND)) {
      g_propagate_error (error, e);
      return FALSE;
    }
    g_clear_error (&e);
    do {
      if (RAND_bytes ((guint8 *) & g.id, sizeof g.id) != 1)
        return FALSE;
    } while (g.id == 0);
    g.name = srv->cfg.group_name;
    g.tek_period_us = srv->cfg.tek_period_ms * 1000;
    g.fetch_window_us = srv->cfg.fetch_window_ms * 1000;
    g.created_us = now;
    if (!mmkm_store_group_create (srv->store, &g, &e)
        && !g_error_matches (e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_EXISTS)) {
      g_propagate_error (error, e);
      return FALSE;
    }
    g_clear_error (&e);
    srv->group = mmkm_store_group_get_by_name (srv->store,
        srv->cfg.group_name, error);
    if (!srv->group)
      return FALSE;
    log_event (G_LOG_LEVEL_MESSAGE, "group", NULL, NULL,
        "group \"%s\" created (id %u)", srv->group->name, srv->group->id);
  }
  mmkm_schedule_init (&srv->sched, srv->group->created_us);
  srv->sched.period = srv->group->tek_period_us;
  srv->sched.fetch_window = srv->group->fetch_window_us;
  srv->sched.margin = srv->sched.fetch_window / 8;
  srv->sched.propagation_delay = srv->cfg.propagation_delay_ms * 1000;
  if (!mmkm_schedule_validate (&srv->sched, error))
    return FALSE;
  return teks_reload (srv, error);
}

static gboolean
on_quit (gpointer data)
{
  Server *srv = data;

  log_event (G_LOG_LEVEL_MESSAGE, "stop", NULL, NULL, "stopping");
  g_main_loop_quit (srv->loop);
  return G_SOURCE_CONTINUE;
}

/* SIGHUP: the settings that can change while members are connected, and
 * the TLS certificate. The listeners, the state directory and the group's
 * schedule stay as they are until a restart. */
static gboolean
on_reload (gpointer data)
{
  Server *srv = data;
  MmkmServerConfig c;
  GError *e = NULL;
  g_autofree gchar *crt = NULL, *key = NULL;
  GTlsCertificate *tls;

  if (srv->config_path) {
    mmkm_server_config_init (&c);
    c.state_dir = g_strdup (srv->cfg.state_dir);
    if (!mmkm_server_config_load (&c, srv->config_path, &e)
        || !mmkm_server_config_finish (&c, &e)) {
      log_event (G_LOG_LEVEL_WARNING, "reload", NULL, NULL,
          "configuration not reloaded: %s", e->message);
      g_clear_error (&e);
      mmkm_server_config_clear (&c);
      return G_SOURCE_CONTINUE;
    }
    srv->cfg.heartbeat_interval_ms = c.heartbeat_interval_ms;
    srv->cfg.allowed_misses = c.allowed_misses;
    srv->cfg.heartbeat_store_interval_s = c.heartbeat_store_interval_s;
    srv->cfg.login_timeout_s = c.login_timeout_s;
    srv->cfg.duplicate_login = c.duplicate_login;
    srv->cfg.requests_per_period = c.requests_per_period;
    srv->cfg.request_period_ms = c.request_period_ms;
    srv->cfg.password = c.password;
    srv->cfg.password_queue = c.password_queue;
    srv->cfg.login_burst_per_address = c.login_burst_per_address;
    srv->cfg.login_refill_per_address_s = c.login_refill_per_address_s;
    srv->cfg.login_burst_per_user = c.login_burst_per_user;
    srv->cfg.login_refill_per_user_s = c.login_refill_per_user_s;
    srv->cfg.rate_table_size = c.rate_table_size;
    mmkm_server_config_clear (&c);
  }
  crt = g_strdup_printf ("%s/%s.crt", srv->cfg.identity_dir,
      srv->cfg.identity_name);
  key = g_strdup_printf ("%s/%s.key", srv->cfg.identity_dir,
      srv->cfg.identity_name);
  tls = g_tls_certificate_new_from_files (crt, key, &e);
  if (tls) {
    soup_server_set_tls_certificate (srv->http, tls);
    if (srv->admin_http)
      soup_server_set_tls_certificate (srv->admin_http, tls);
    g_object_unref (tls);
  } else {
    log_event (G_LOG_LEVEL_WARNING, "reload", NULL, NULL,
        "TLS certificate not reloaded: %s", e->message);
    g_clear_error (&e);
  }
  log_event (G_LOG_LEVEL_MESSAGE, "reload", NULL, NULL, "reloaded");
  return G_SOURCE_CONTINUE;
}

static gboolean
start (Server * srv, GError ** error)
{
  MmkmSeal *seal;
  gboolean created = FALSE;
  g_autofree gchar *fp = NULL, *crt = NULL, *key = NULL, *secret = NULL;
  g_autoptr (GTlsCertificate) tls = NULL;
  g_autoptr (GInetAddress) ia = NULL;
  g_autoptr (GSocketAddress) sa = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  GSList *uris, *l;
  gint64 now = g_get_real_time ();
  guint8 master[SECRET_LEN];
  unsigned int hl = 32;

  password_pool_start (srv);
  if (g_mkdir_with_parents (srv->cfg.state_dir, 0700) != 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
        "cannot make the state directory %s", srv->cfg.state_dir);
    return FALSE;
  }
  srv->suite = mikey_suite_lookup (srv->cfg.suite);
  if (!srv->suite) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "unknown SRTP "
        "suite \"%s\" (one of %s)", srv->cfg.suite, mikey_suite_names ());
    return FALSE;
  }
  if (g_str_equal (srv->cfg.identity_dir, srv->cfg.state_dir))
    srv->identity = mmkm_identity_load_or_create (srv->cfg.identity_dir,
        srv->cfg.identity_name, "mmkm-server", MMKM_SERVER_ID, &created, error);
  else
    srv->identity = mmkm_identity_load (srv->cfg.identity_dir,
        srv->cfg.identity_name, error);
  if (!srv->identity)
    return FALSE;
  fp = mmkm_fingerprint_to_string (mmkm_identity_get_fingerprint
      (srv->identity));
  printf ("fingerprint %s\n", fp);
  log_event (G_LOG_LEVEL_MESSAGE, "identity", NULL, NULL, "%s server "
      "certificate, SHA-256 fingerprint %s", created ? "new" : "loaded", fp);

  secret = g_build_filename (srv->cfg.state_dir, "session.key", NULL);
  if (!load_or_create_secret (secret, master, error))
    return FALSE;
  HMAC (EVP_sha256 (), master, SECRET_LEN, (const guint8 *) "token", 5,
      srv->token_key, &hl);
  HMAC (EVP_sha256 (), master, SECRET_LEN, (const guint8 *) "spread", 6,
      srv->spread_key, &hl);
  OPENSSL_cleanse (master, sizeof master);

  seal = mmkm_seal_open_key_file (srv->cfg.key_file, error);
  if (!seal)
    return FALSE;
  srv->store = mmkm_store_sqlite_open (srv->cfg.database, seal,
      srv->cfg.sync_normal ? MMKM_STORE_SQLITE_SYNC_NORMAL :
      MMKM_STORE_SQLITE_NONE, error);
  if (!srv->store)
    return FALSE;
  if (!open_group (srv, now, error))
    return FALSE;
  if (!sessions_restore (srv, now, error))
    return FALSE;
  tek_tick (srv);

  srv->replay = mikey_replay_cache_new (0, 0);

  /* heartbeats */
  ia = g_inet_address_new_from_string (srv->cfg.listen_host);
  if (!ia) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "listen address \"%s\" is not an IP address", srv->cfg.listen_host);
    return FALSE;
  }
  srv->udp = g_socket_new (g_inet_address_get_family (ia),
      G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (!srv->udp)
    return FALSE;
  sa = g_inet_socket_address_new (ia, srv->cfg.heartbeat_port);
  if (!g_socket_bind (srv->udp, sa, TRUE, error))
    return FALSE;
  g_socket_set_blocking (srv->udp, FALSE);
  /* Room for the datagrams that arrive while the loop does something
   * else (a TEK fetch, a store commit, a busy machine): with the usual 208 KiB, a few
   * hundred, so that a flood of junk or 100,000 members heartbeating
   * overflow it within milliseconds and the kernel drops members'
   * heartbeats. The kernel caps it at net.core.rmem_max; no error when
   * it does. */
  g_socket_set_option (srv->udp, SOL_SOCKET, SO_RCVBUF, HB_RCVBUF, NULL);
  bound = g_socket_get_local_address (srv->udp, error);
  if (!bound)
    return FALSE;
  srv->hb_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  srv->udp_source = g_socket_create_source (srv->udp, G_IO_IN, NULL);
  g_source_set_callback (srv->udp_source, G_SOURCE_FUNC (hb_readable), srv,
      NULL);
  g_source_attach (srv->udp_source, NULL);

  /* HTTPS */
  crt = g_strdup_printf ("%s/%s.crt", srv->cfg.identity_dir,
      srv->cfg.identity_name);
  key = g_strdup_printf ("%s/%s.key", srv->cfg.identity_dir,
      srv->cfg.identity_name);
  tls = g_tls_certificate_new_from_files (crt, key, error);
  if (!tls)
    return FALSE;
  srv->http = soup_server_new ("tls-certificate", tls, "server-header",
      "mmkm-server", NULL);
  soup_server_add_early_handler (srv->http, NULL, early_handler, srv, NULL);
  soup_server_add_handler (srv->http, NULL, http_handler, srv, NULL);
  g_clear_object (&sa);
  sa = g_inet_socket_address_new (ia, srv->cfg.listen_port);
  if (!soup_server_listen (srv->http, sa, SOUP_SERVER_LISTEN_HTTPS, error))
    return FALSE;
  uris = soup_server_get_uris (srv->http);
  for (l = uris; l; l = l->next) {
    g_autofree gchar *u = g_uri_to_string (l->data);
    printf ("listening %s\n", u);
    log_event (G_LOG_LEVEL_MESSAGE, "listen", NULL, NULL, "HTTPS on %s", u);
  }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  printf ("heartbeat udp %u\n", srv->hb_port);
  log_event (G_LOG_LEVEL_MESSAGE, "listen", NULL, NULL, "heartbeats on UDP "
      "port %u", srv->hb_port);
  if (!admin_start (srv, tls, error))
    return FALSE;

  srv->liveness_timer = g_timeout_add (MAX (50u,
          MIN (1000u, srv->cfg.heartbeat_interval_ms / 4)), liveness_tick, srv);
  printf ("ready\n");
  return TRUE;
}

static void
stop (Server * srv)
{
  /* first: the checks in flight are answered while all state exists */
  password_pool_stop (srv);
  if (srv->liveness_timer)
    g_source_remove (srv->liveness_timer);
  if (srv->tek_timer)
    g_source_remove (srv->tek_timer);
  /* answers the waiting polls while the listener is still there */
  events_free (srv);
  admin_stop (srv);
  if (srv->http) {
    soup_server_disconnect (srv->http);
    g_object_unref (srv->http);
  }
  if (srv->udp_source) {
    g_source_destroy (srv->udp_source);
    g_source_unref (srv->udp_source);
  }
  /* sessions stay live in the store: members go on after a restart; the
   * ACKs that waited for this batch still leave */
  hb_flush (srv);
  hb_batch_free (srv);
  g_clear_object (&srv->udp);
  g_clear_pointer (&srv->by_id, g_hash_table_unref);
  g_clear_pointer (&srv->by_token, g_hash_table_unref);
  g_clear_pointer (&srv->buckets, g_hash_table_unref);
  g_clear_pointer (&srv->teks, g_array_unref);
  g_clear_pointer (&srv->group, mmkm_group_free);
  g_clear_pointer (&srv->replay, mikey_replay_cache_free);
  g_clear_pointer (&srv->store, mmkm_store_close);
  g_clear_pointer (&srv->identity, mmkm_identity_free);
  OPENSSL_cleanse (srv->token_key, sizeof srv->token_key);
  OPENSSL_cleanse (srv->spread_key, sizeof srv->spread_key);
  g_clear_pointer (&srv->loop, g_main_loop_unref);
  mmkm_server_config_clear (&srv->cfg);
  g_free (srv->config_path);
}

int
main (int argc, char **argv)
{
  Server srv = { 0 };
  g_autofree gchar *config = NULL, *state_dir = NULL, *listen = NULL;
  g_autofree gchar *admin_listen = NULL;
  gint hb_port = -1;
  gboolean version = FALSE, check = FALSE;
  GOptionEntry entries[] = {
    {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
        "Configuration file (see data/mmkm-server.conf)", "FILE"},
    {"state-dir", 's', 0, G_OPTION_ARG_FILENAME, &state_dir,
        "State directory: identity, database, key files", "DIR"},
    {"listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
          "HTTPS address (default 127.0.0.1:8443; port 0: any free one)",
        "HOST:PORT"},
    {"heartbeat-port", 0, 0, G_OPTION_ARG_INT, &hb_port,
        "UDP port for heartbeats (default 8444; 0: any free one)", "PORT"},
    {"admin-listen", 0, 0, G_OPTION_ARG_STRING, &admin_listen,
        "Admin HTTPS address (default 127.0.0.1:8445; port 0: any free "
          "one)", "HOST:PORT"},
    {"check-config", 0, 0, G_OPTION_ARG_NONE, &check,
          "Check the configuration, print the settings in effect and exit",
        NULL},
    {"version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version",
        NULL},
    {NULL}
  };
  g_autoptr (GOptionContext) ctx =
      g_option_context_new ("- MMKM registration server");
  GError *e = NULL;

  setvbuf (stdout, NULL, _IOLBF, 0);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
      "Example:\n  mmkm-server --state-dir /var/lib/mmkm-server\n"
      "  mmkm-server --config /etc/mmkm-server.conf\n\n"
      "On first start the server makes its identity in the state directory\n"
      "and prints the SHA-256 fingerprint that clients pin.\n");
  if (!g_option_context_parse (ctx, &argc, &argv, &e)) {
    g_printerr ("mmkm-server: %s (see --help)\n", e->message);
    g_error_free (e);
    return 2;
  }
  if (version) {
    printf ("mmkm-server %s\n", PACKAGE_VERSION);
    return 0;
  }
  mmkm_server_config_init (&srv.cfg);
  if (config) {
    srv.config_path = g_strdup (config);
    if (!mmkm_server_config_load (&srv.cfg, config, &e))
      goto fail;
  }
  if (state_dir) {
    g_free (srv.cfg.state_dir);
    srv.cfg.state_dir = g_strdup (state_dir);
  }
  if (listen && !mmkm_server_parse_listen (listen, &srv.cfg.listen_host,
          &srv.cfg.listen_port, &e))
    goto fail;
  if (admin_listen && !mmkm_server_parse_listen (admin_listen,
          &srv.cfg.admin_host, &srv.cfg.admin_port, &e))
    goto fail;
  if (hb_port >= 0) {
    if (hb_port > 65535) {
      g_printerr ("mmkm-server: --heartbeat-port out of range\n");
      return 2;
    }
    srv.cfg.heartbeat_port = (guint16) hb_port;
  }
  if (!mmkm_server_config_finish (&srv.cfg, &e))
    goto fail;
  if (check) {
    printf ("state-dir %s\nlisten %s:%u\nheartbeat-port %u\n"
        "admin-listen %s:%u\n"
        "database %s\ngroup %s\nsuite %s\ntek-period-ms %" G_GINT64_FORMAT
        "\nfetch-window-ms %" G_GINT64_FORMAT "\nheartbeat-interval-ms %u\n"
        "allowed-misses %u\nduplicate-login %s\nrekey-on-join %s\n",
        srv.cfg.state_dir,
        srv.cfg.listen_host, srv.cfg.listen_port, srv.cfg.heartbeat_port,
        srv.cfg.admin_host, srv.cfg.admin_port,
        srv.cfg.database, srv.cfg.group_name, srv.cfg.suite,
        srv.cfg.tek_period_ms, srv.cfg.fetch_window_ms,
        srv.cfg.heartbeat_interval_ms, srv.cfg.allowed_misses,
        mmkm_dup_policy_to_string (srv.cfg.duplicate_login),
        srv.cfg.rekey_on_join ? "true" : "false");
    mmkm_server_config_clear (&srv.cfg);
    g_free (srv.config_path);
    return 0;
  }

  mmkm_server_metrics_init (&srv.metrics, g_get_real_time ());
  srv.loop = g_main_loop_new (NULL, FALSE);
  srv.teks = g_array_new (FALSE, TRUE, sizeof (TekMeta));
  g_array_set_clear_func (srv.teks, tek_meta_clear);
  hb_batch_init (&srv);
  srv.by_token = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
      (GDestroyNotify) g_bytes_unref, (GDestroyNotify) session_free);
  srv.by_id = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
      (GDestroyNotify) g_bytes_unref, NULL);
  srv.buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  signal (SIGPIPE, SIG_IGN);
  g_unix_signal_add (SIGTERM, on_quit, &srv);
  g_unix_signal_add (SIGINT, on_quit, &srv);
  g_unix_signal_add (SIGHUP, on_reload, &srv);
  /* idle worker threads exit soon instead of lingering (see
   * mmkm_pool_workers_await) */
  g_thread_pool_set_max_unused_threads (0);
  g_thread_pool_set_max_idle_time (500);
  events_init (&srv, g_get_real_time ());
  if (!start (&srv, &e))
    goto fail;
  g_main_loop_run (srv.loop);
  stop (&srv);
  mmkm_pool_workers_await (10000);
  return 0;

fail:
  g_printerr ("mmkm-server: %s\n", e->message);
  log_event (G_LOG_LEVEL_CRITICAL, "fatal", NULL, NULL, "%s", e->message);
  g_error_free (e);
  stop (&srv);
  return 1;
}
