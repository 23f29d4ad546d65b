/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* POST /v1/register and POST /v1/login: password checks with the same
 * work for every refusal, rate limited per address and per user+address;
 * the check itself runs on the worker pool (mmkm-server-password-pool.c). */
#define G_LOG_DOMAIN "mmkm-server"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>

#include "config.h"
#include "mmkm-error.h"
#include "mmkm-password.h"
#include "mmkm-server-private.h"

/* Every password check takes a token from the source address's bucket
 * and from the (user, address) bucket; a right password gives them back,
 * so that only failures count. There is no bucket
 * per user alone: an attacker could empty it from anywhere and lock the
 * user out, which the issue forbids; guessing one user's password from
 * many addresses is slowed by argon2id and by each address's bucket. */
static gboolean
bucket_take (Server * srv, const gchar * key, guint burst, guint refill_s,
    gint64 now, gint64 * retry_after)
{
  MmkmTokenBucket *b = g_hash_table_lookup (srv->buckets, key);

  if (!b) {
    if (g_hash_table_size (srv->buckets) >= srv->cfg.rate_table_size) {
      /* bounded: drop the buckets that are full again (they hold no
       * information); when none is, start over (each key still gets
       * only its burst) */
      GHashTableIter it;
      gpointer v;
      g_hash_table_iter_init (&it, srv->buckets);
      while (g_hash_table_iter_next (&it, NULL, &v)) {
        MmkmTokenBucket *o = v;
        if (now - o->last >= (gint64) o->burst * o->refill)
          g_hash_table_iter_remove (&it);
      }
      if (g_hash_table_size (srv->buckets) >= srv->cfg.rate_table_size)
        g_hash_table_remove_all (srv->buckets);
    }
    b = g_new0 (MmkmTokenBucket, 1);
    mmkm_token_bucket_init (b, burst, refill_s * MMKM_SECOND, now);
    g_hash_table_insert (srv->buckets, g_strdup (key), b);
  }
  if (mmkm_token_bucket_take (b, now))
    return TRUE;
  *retry_after = MAX (1, (b->refill - b->credit) / MMKM_SECOND + 1);
  return FALSE;
}

static void
bucket_refund (Server * srv, const gchar * key)
{
  MmkmTokenBucket *b = g_hash_table_lookup (srv->buckets, key);

  if (b)
    b->credit = MIN (b->credit + b->refill, (gint64) b->burst * b->refill);
}

static void
login_rate_refund (Server * srv, const gchar * user, const gchar * addr)
{
  g_autofree gchar *ka = g_strconcat ("a:", addr, NULL);
  g_autofree gchar *ku = g_strconcat ("u:", user, "\n", addr, NULL);

  bucket_refund (srv, ka);
  bucket_refund (srv, ku);
}

static gboolean
login_rate_ok (Server * srv, const gchar * user, const gchar * addr,
    gint64 now, gint64 * retry_after)
{
  g_autofree gchar *ka = g_strconcat ("a:", addr, NULL);
  g_autofree gchar *ku = g_strconcat ("u:", user, "\n", addr, NULL);

  if (!bucket_take (srv, ka, srv->cfg.login_burst_per_address,
          srv->cfg.login_refill_per_address_s, now, retry_after))
    return FALSE;
  return bucket_take (srv, ku, srv->cfg.login_burst_per_user,
      srv->cfg.login_refill_per_user_s, now, retry_after);
}

/* A register or login request while its password is checked */
typedef struct
{
  gboolean is_login;
  MmkmApiRegisterRequest reg;
  MmkmApiLoginRequest login;
  MmkmUser *user;
  gchar *addr;
  gchar *source;
} Pending;

static void
pending_free (gpointer data)
{
  Pending *p = data;

  mmkm_api_register_request_clear (&p->reg);
  mmkm_api_login_request_clear (&p->login);
  mmkm_user_free (p->user);
  g_free (p->addr);
  g_free (p->source);
  g_free (p);
}

static void register_finish (Server * srv, SoupServerMessage * msg,
    Pending * p);
static void login_finish (Server * srv, SoupServerMessage * msg, Pending * p);

/* main loop, after the check */
static void
password_checked (Server * srv, SoupServerMessage * msg, gboolean ok,
    gpointer data)
{
  Pending *p = data;
  const gchar *user = p->is_login ? p->login.user : p->reg.user;

  /* the password is no longer needed */
  mmkm_api_free_secret (p->is_login ? p->login.password : p->reg.password);
  if (p->is_login)
    p->login.password = NULL;
  else
    p->reg.password = NULL;
  if (!ok) {
    srv->metrics.logins[MMKM_METRICS_LOGIN_FAILED]++;
    log_event (G_LOG_LEVEL_MESSAGE, "login-failed", user, p->addr,
        "wrong user name or password");
    reply_unauthorized (msg);
    return;
  }
  login_rate_refund (srv, user, p->addr);
  if (p->is_login)
    login_finish (srv, msg, p);
  else
    register_finish (srv, msg, p);
}

/* The rate limits, the user's row, then the password check with the same
 * work for an unknown user, on the worker pool; the answer follows from
 * password_checked(). Takes @p; answers at once when refused. */
static void
check_password (Server * srv, SoupServerMessage * msg, Pending * p, gint64 now)
{
  const gchar *user = p->is_login ? p->login.user : p->reg.user;
  const gchar *password = p->is_login ? p->login.password : p->reg.password;
  gint64 retry = 1;
  GError *e = NULL;

  if (!login_rate_ok (srv, user, p->addr, now, &retry)) {
    srv->metrics.logins[MMKM_METRICS_LOGIN_LIMITED]++;
    log_event (G_LOG_LEVEL_MESSAGE, "login-limited", user, p->addr,
        "too many password attempts");
    reply_error_full (msg, MMKM_API_ERR_TOO_MANY_REQUESTS,
        "Too many attempts: try again later.", "login_rate", retry);
    pending_free (p);
    return;
  }
  p->user = mmkm_store_user_get (srv->store, user, &e);
  if (!p->user
      && !g_error_matches (e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_NOT_FOUND)) {
    reply_store_error (srv, msg, e);
    g_clear_error (&e);
    pending_free (p);
    return;
  }
  g_clear_error (&e);
  if (!password_check_async (srv, msg, p->user ? p->user->password_hash :
          NULL, password, password_checked, p, pending_free)) {
    /* not checked: no attempt counted */
    login_rate_refund (srv, user, p->addr);
    log_event (G_LOG_LEVEL_WARNING, "login-busy", user, p->addr,
        "password checks queue full");
    reply_error_full (msg, MMKM_API_ERR_TOO_MANY_REQUESTS, "The server is "
        "busy: try again shortly.", "busy", 1);
    pending_free (p);
  }
}

static Pending *
pending_new (gboolean is_login, const Request * r)
{
  Pending *p = g_new0 (Pending, 1);

  p->is_login = is_login;
  p->addr = g_strdup (r->addr);
  p->source = g_strdup (r->source);
  return p;
}

void
handle_register (Server * srv, SoupServerMessage * msg, const Request * r)
{
  GBytes *data = request_body (msg, "/v1/register", "application/json");
  Pending *p;
  GError *e = NULL;
  gsize len;
  gconstpointer b;

  if (!data)
    return;
  p = pending_new (FALSE, r);
  b = g_bytes_get_data (data, &len);
  if (!mmkm_api_register_request_from_json (b, len, &p->reg, &e)) {
    wipe_request_body (msg, data);
    reply_codec_error (msg, e);
    g_clear_error (&e);
    pending_free (p);
    return;
  }
  wipe_request_body (msg, data);
  check_password (srv, msg, p, r->now);
}

static void
register_finish (Server * srv, SoupServerMessage * msg, Pending * p)
{
  const gchar *addr = p->addr;
  MmkmApiRegisterRequest *req = &p->reg;
  MmkmApiRegisterResponse resp = { 0 };
  MmkmUser *u = p->user;
  GPtrArray *certs = NULL, *devs = NULL;
  g_autofree gchar *uri = NULL;
  GError *e = NULL;
  MikeyCert *cert;
  gsize der_len;
  const guint8 *der;
  GBytes *der_bytes;
  guint i;

  if (u->disabled) {
    reply_error (msg, MMKM_API_ERR_FORBIDDEN, "This user is disabled.");
    goto out;
  }
  certs = mikey_cert_load_pem (req->certificate, strlen (req->certificate), &e);
  uri = mmkm_user_id (req->user, NULL);
  if (!certs || certs->len != 1 || !uri
      || !mikey_cert_matches_identity (g_ptr_array_index (certs, 0), uri, NULL)
      || !mikey_cert_check_usage (g_ptr_array_index (certs, 0),
          MIKEY_CERT_USAGE_SIGN, NULL)) {
    g_clear_error (&e);
    reply_error_full (msg, MMKM_API_ERR_BAD_REQUEST, "The certificate does "
        "not parse or is not a device certificate for this user.",
        "certificate", -1);
    goto out;
  }
  cert = g_ptr_array_index (certs, 0);
  devs = mmkm_store_device_list (srv->store, req->user, &e);
  if (!devs) {
    reply_store_error (srv, msg, e);
    goto out;
  }
  for (i = 0; i < devs->len; i++)
    if (((MmkmDevice *) g_ptr_array_index (devs, i))->revoked_us == 0) {
      reply_error (msg, MMKM_API_ERR_CONFLICT, "This user has an enrolled "
          "device already; an administrator must remove it first.");
      goto out;
    }
  mmkm_cert_fingerprint (cert, resp.fingerprint);
  der = mikey_cert_get_der (cert, &der_len);
  der_bytes = g_bytes_new (der, der_len);
  if (!mmkm_store_device_enrol (srv->store, req->user, resp.fingerprint,
          der_bytes, &e)) {
    g_bytes_unref (der_bytes);
    if (g_error_matches (e, MMKM_STORE_ERROR, MMKM_STORE_ERROR_EXISTS))
      reply_error (msg, MMKM_API_ERR_CONFLICT,
          "This certificate is enrolled already.");
    else
      reply_store_error (srv, msg, e);
    goto out;
  }
  g_bytes_unref (der_bytes);
  resp.user = req->user;
  reply_json (msg, 201, mmkm_api_register_response_to_json (&resp));
  srv->metrics.registrations++;
  log_event (G_LOG_LEVEL_MESSAGE, "register", req->user, addr,
      "device enrolled");
out:
  g_clear_error (&e);
  if (certs)
    g_ptr_array_unref (certs);
  if (devs)
    g_ptr_array_unref (devs);
}

void
handle_login (Server * srv, SoupServerMessage * msg, const Request * r)
{
  GBytes *data = request_body (msg, "/v1/login", "application/json");
  Pending *p;
  GError *e = NULL;
  gsize len;
  gconstpointer b;

  if (!data)
    return;
  p = pending_new (TRUE, r);
  b = g_bytes_get_data (data, &len);
  if (!mmkm_api_login_request_from_json (b, len, &p->login, &e)) {
    wipe_request_body (msg, data);
    reply_codec_error (msg, e);
    g_clear_error (&e);
    pending_free (p);
    return;
  }
  wipe_request_body (msg, data);
  check_password (srv, msg, p, r->now);
}

static void
login_finish (Server * srv, SoupServerMessage * msg, Pending * p)
{
  const gchar *addr = p->addr, *source = p->source;
  /* the check took a while: times from now on */
  gint64 now = g_get_real_time ();
  MmkmApiLoginRequest *req = &p->login;
  MmkmApiLoginResponse resp = { 0 };
  MmkmUser *u = p->user;
  g_autoptr (MmkmDevice) dev = NULL;
  Session *s, *old;

  dev = mmkm_store_device_get (srv->store, req->fingerprint, NULL);
  if (!dev || dev->revoked_us != 0 || !g_str_equal (dev->user, req->user)) {
    srv->metrics.logins[MMKM_METRICS_LOGIN_FAILED]++;
    log_event (G_LOG_LEVEL_MESSAGE, "login-failed", req->user, addr,
        "not the user's enrolled device");
    reply_unauthorized (msg);
    return;
  }
  if (u->disabled) {
    reply_error (msg, MMKM_API_ERR_FORBIDDEN, "This user is disabled.");
    return;
  }
  if (!g_str_equal (req->group, srv->group->name)) {
    reply_error (msg, MMKM_API_ERR_NOT_FOUND, "No such group.");
    return;
  }
  old = session_find_user (srv, req->user, srv->group->id);
  if (old && !old->stored && srv->cfg.duplicate_login != MMKM_DUP_ALLOW) {
    /* A login that never did its DH exchange (an answer lost and the
     * login retried, or someone with the password but not the device
     * key) holds no KEK and is no member yet: it must not keep the user
     * out for login-timeout-s. */
    log_event (G_LOG_LEVEL_MESSAGE, "duplicate-login", req->user, source,
        "a login without a DH exchange replaced");
    session_end (srv, old, MMKM_REASON_REPLACED, now);
    old = NULL;
  }
  if (old) {
    log_event (G_LOG_LEVEL_MESSAGE, "duplicate-login", req->user, source,
        "user logged in already (policy %s)",
        mmkm_dup_policy_to_string (srv->cfg.duplicate_login));
    if (srv->cfg.duplicate_login == MMKM_DUP_REFUSE) {
      log_store (srv, req->user, source, MMKM_LOG_JOINED,
          MMKM_REASON_REFUSED, now);
      reply_error_full (msg, MMKM_API_ERR_CONFLICT, "This user is logged in "
          "already.", "duplicate_login", -1);
      return;
    }
    if (srv->cfg.duplicate_login == MMKM_DUP_REPLACE)
      session_end (srv, old, MMKM_REASON_REPLACED, now);
  }
  s = g_new0 (Session, 1);
  if (RAND_bytes (s->id, sizeof s->id) != 1) {
    session_free (s);
    reply_error (msg, MMKM_API_ERR_SERVER_ERROR, "No randomness.");
    return;
  }
  session_token (srv, s->id, s->token);
  sha256 (s->token, MMKM_API_TOKEN_LEN, s->token_hash);
  s->user = g_strdup (req->user);
  s->role = u->role;
  s->group_id = srv->group->id;
  memcpy (s->device, req->fingerprint, MMKM_FINGERPRINT_LEN);
  s->source = g_strdup (source);
  s->login_us = now;
  session_add (srv, s);

  memcpy (resp.session_id, s->id, MMKM_SESSION_ID_LEN);
  memcpy (resp.token, s->token, MMKM_API_TOKEN_LEN);
  resp.server_time = now;
  resp.heartbeat_port = srv->hb_port;
  resp.heartbeat_interval_ms = srv->cfg.heartbeat_interval_ms;
  resp.allowed_misses = srv->cfg.allowed_misses;
  resp.role = (MmkmApiRole) u->role;
  resp.group_id = srv->group->id;
  resp.group_name = srv->group->name;
  resp.suite = (gchar *) srv->suite->name;
  resp.tek_period_ms = srv->group->tek_period_us / 1000;
  resp.requests_per_period = srv->cfg.requests_per_period;
  resp.request_period_ms = srv->cfg.request_period_ms;
  {
    gchar *body = mmkm_api_login_response_to_json (&resp);
    OPENSSL_cleanse (resp.token, sizeof resp.token);
    reply_json (msg, 200, body);
  }
  srv->metrics.logins[MMKM_METRICS_LOGIN_OK]++;
  log_event (G_LOG_LEVEL_MESSAGE, "login", req->user, source,
      "logged in; the DH exchange follows");
}
