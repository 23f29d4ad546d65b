/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* HTTP plumbing: replies, body limits before reading, content types,
 * session tokens, and the route table every endpoint is listed in. */
#define G_LOG_DOMAIN "mmkm-server"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>

#include "config.h"
#include "mmkm-error.h"
#include "mmkm-password.h"
#include "mmkm-server-private.h"

void
reply_json (SoupServerMessage * msg, guint status, gchar * body)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json",
      SOUP_MEMORY_TAKE, body, strlen (body));
}

void
reply_error_full (SoupServerMessage * msg, MmkmApiErrorCode code,
    const gchar * message, const gchar * reason, gint64 retry_after)
{
  MmkmApiError err = { 0 };
  gchar *body;

  err.code = code;
  err.message = (gchar *) message;
  err.reason = (gchar *) reason;
  err.retry_after = retry_after;
  body = mmkm_api_error_to_json (&err);
  if (!body)
    body = mmkm_api_error_body (code, message);
  if (retry_after >= 0) {
    g_autofree gchar *ra = g_strdup_printf ("%" G_GINT64_FORMAT, retry_after);
    soup_message_headers_replace (soup_server_message_get_response_headers
        (msg), "Retry-After", ra);
  }
  reply_json (msg, mmkm_api_error_code_status (code), body);
}

void
reply_error (SoupServerMessage * msg, MmkmApiErrorCode code,
    const gchar * message)
{
  reply_error_full (msg, code, message, NULL, -1);
}

void
reply_codec_error (SoupServerMessage * msg, const GError * e)
{
  reply_error (msg, mmkm_api_error_code_for (e), e->message);
}

void
reply_unauthorized (SoupServerMessage * msg)
{
  reply_error (msg, MMKM_API_ERR_UNAUTHORIZED, "Wrong user name or password.");
}

void
reply_store_error (Server * srv, SoupServerMessage * msg, const GError * e)
{
  srv->metrics.store_errors++;
  log_event (G_LOG_LEVEL_WARNING, "store-error", NULL, NULL, "store: %s",
      e->message);
  reply_error (msg, MMKM_API_ERR_SERVER_ERROR,
      "The server could not complete the request.");
}

/* Every endpoint: who may call it, how big its body may be. A path with
 * several methods has one row per method, all with the same limit. */
typedef enum
{
  ROUTE_PUBLIC,                 /* a password in the body */
  ROUTE_SESSION,                /* a session token */
} RouteAccess;

typedef struct
{
  const gchar *method;
  const gchar *path;
  RouteAccess access;
  gsize body_max;
  MmkmRouteFunc handler;
} Route;

static const Route routes[] = {
  {"POST", "/v1/register", ROUTE_PUBLIC, MMKM_API_BODY_MAX, handle_register},
  {"POST", "/v1/login", ROUTE_PUBLIC, MMKM_API_BODY_MAX, handle_login},
  {"POST", "/v1/session/kek", ROUTE_SESSION, MMKM_API_MIKEY_MAX, handle_kek},
  {"GET", "/v1/session/teks", ROUTE_SESSION, 0, handle_teks},
  {"POST", "/v1/session/bye", ROUTE_SESSION, 0, handle_bye},
  {"GET", "/v1/session/events", ROUTE_SESSION, 0, handle_events},
  {"PUT", "/v1/songs", ROUTE_SESSION, MMKM_API_LIST_BODY_MAX,
      handle_songs_put},
  {"GET", "/v1/songs", ROUTE_SESSION, MMKM_API_LIST_BODY_MAX,
      handle_songs_get},
  {"POST", "/v1/queue", ROUTE_SESSION, MMKM_API_BODY_MAX, handle_queue_post},
  {"GET", "/v1/queue", ROUTE_SESSION, MMKM_API_BODY_MAX, handle_queue_get},
  {"POST", "/v1/queue/next", ROUTE_SESSION, 0, handle_queue_next},
  {"PUT", "/v1/queue/now-playing", ROUTE_SESSION, MMKM_API_BODY_MAX,
      handle_now_playing},
  {"POST", "/v1/session/teks/ack", ROUTE_SESSION, MMKM_API_MIKEY_MAX,
      handle_tek_ack},
};

/* the first row for @path (any method), NULL for an unknown path */
static const Route *
route_for_path (const gchar * path)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (routes); i++)
    if (g_str_equal (routes[i].path, path))
      return &routes[i];
  return NULL;
}

static gsize
body_limit (const gchar * path)
{
  const Route *r = route_for_path (path);

  return r ? r->body_max : 0;
}

/* Refuses an oversized or unbounded body from its headers, before it is
 * read. libsoup still reads the body it was announced (to keep the
 * connection's framing) but keeps none of it, so a huge body costs the
 * sender its bandwidth and the server no memory; the connection is closed
 * after the answer. */
static void
refuse_body (SoupServerMessage * msg, const gchar * message)
{
  reply_error (msg, MMKM_API_ERR_PAYLOAD_TOO_LARGE, message);
  soup_message_body_set_accumulate (soup_server_message_get_request_body
      (msg), FALSE);
  soup_message_headers_replace (soup_server_message_get_response_headers
      (msg), "Connection", "close");
}

void
early_handler (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer data)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  SoupEncoding enc = soup_message_headers_get_encoding (h);

  if (enc == SOUP_ENCODING_CHUNKED || enc == SOUP_ENCODING_EOF)
    refuse_body (msg, "A request body needs a Content-Length header.");
  else if (enc == SOUP_ENCODING_CONTENT_LENGTH
      && soup_message_headers_get_content_length (h) >
      (goffset) body_limit (path))
    refuse_body (msg, "The request body is too large.");
}

static gboolean
content_type_is (SoupServerMessage * msg, const gchar * want)
{
  GHashTable *params = NULL;
  const char *ct = soup_message_headers_get_content_type
      (soup_server_message_get_request_headers (msg), &params);
  gboolean ok = ct && g_ascii_strcasecmp (ct, want) == 0;

  if (ok && params) {
    const gchar *cs = g_hash_table_lookup (params, "charset");
    if (cs && g_ascii_strcasecmp (cs, "utf-8") != 0)
      ok = FALSE;
  }
  if (params)
    g_hash_table_destroy (params);
  return ok;
}

/* The request body, its type and size checked; NULL when refused. */
GBytes *
request_body (SoupServerMessage * msg, const gchar * path, const gchar * type)
{
  SoupMessageBody *b = soup_server_message_get_request_body (msg);
  GBytes *data;

  if (b->length > (goffset) body_limit (path)) {
    reply_error (msg, MMKM_API_ERR_PAYLOAD_TOO_LARGE,
        "The request body is too large.");
    return NULL;
  }
  if (!content_type_is (msg, type)) {
    g_autofree gchar *m = g_strdup_printf ("The body must be %s.", type);
    reply_error (msg, MMKM_API_ERR_UNSUPPORTED_MEDIA_TYPE, m);
    return NULL;
  }
  data = soup_message_body_flatten (b);
  return data;
}

/* Wipes what held a password before it is freed. */
void
wipe_request_body (SoupServerMessage * msg, GBytes * data)
{
  SoupMessageBody *b = soup_server_message_get_request_body (msg);
  gsize len;
  gconstpointer p = g_bytes_get_data (data, &len);

  OPENSSL_cleanse ((gpointer) p, len);
  g_bytes_unref (data);
  soup_message_body_truncate (b);
}

static Session *
authenticate (Server * srv, SoupServerMessage * msg)
{
  const char *auth = soup_message_headers_get_one
      (soup_server_message_get_request_headers (msg), "Authorization");
  guint8 token[MMKM_API_TOKEN_LEN], h[32];
  Session *s;
  GBytes *k;

  if (!auth || !mmkm_api_bearer_parse (auth, token, NULL)) {
    reply_error (msg, MMKM_API_ERR_UNAUTHORIZED,
        "A valid session token is needed.");
    return NULL;
  }
  sha256 (token, sizeof token, h);
  k = key_bytes (h, sizeof h);
  s = g_hash_table_lookup (srv->by_token, k);
  g_bytes_unref (k);
  if (!s || !mmkm_api_token_equal (s->token, token)) {
    OPENSSL_cleanse (token, sizeof token);
    reply_error (msg, MMKM_API_ERR_UNAUTHORIZED,
        "A valid session token is needed.");
    return NULL;
  }
  OPENSSL_cleanse (token, sizeof token);
  return s;
}

/* Password check with the same work for an unknown user; counts against
 * the rate limits first. NULL and the answer sent when refused. */
void
http_handler (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer data)
{
  Server *srv = data;
  const char *method = soup_server_message_get_method (msg);
  const char *host = soup_server_message_get_remote_host (msg);
  GSocketAddress *ra = soup_server_message_get_remote_address (msg);
  g_autofree gchar *source = NULL;
  Request req = { 0 };
  const Route *r = NULL;
  guint i;

  /* refused by the early handler */
  if (soup_server_message_get_status (msg) != 0)
    return;
  if (!host)
    host = "?";
  if (G_IS_INET_SOCKET_ADDRESS (ra))
    source = g_strdup_printf ("%s:%u", host,
        g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (ra)));
  else
    source = g_strdup (host);

  if (!route_for_path (path)) {
    reply_error (msg, MMKM_API_ERR_NOT_FOUND, "No such endpoint.");
    return;
  }
  for (i = 0; i < G_N_ELEMENTS (routes) && !r; i++)
    if (g_str_equal (routes[i].path, path)
        && g_str_equal (routes[i].method, method))
      r = &routes[i];
  if (!r) {
    reply_error (msg, MMKM_API_ERR_NOT_FOUND, "No such method here.");
    return;
  }
  req.method = method;
  req.path = path;
  req.query = query;
  req.addr = host;
  req.source = source;
  req.now = g_get_real_time ();
  if (r->access == ROUTE_SESSION) {
    req.session = authenticate (srv, msg);
    if (!req.session)
      return;
  }
  r->handler (srv, msg, &req);
}
