/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The GIO driver of the MMKM client state machine (mmkm-client-gio.h). */
#include "mmkm-client-gio.h"

#include <string.h>
#include <libsoup/soup.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "mmkm-identity.h"

/* datagrams read per wake-up, so one busy socket cannot starve the loop */
#define RECV_BATCH 64

typedef struct
{
  MmkmClientDriver *d;
  MmkmClient *c;
  guint serial;
  gint64 deadline;
  GSequenceIter *iter;
  gboolean has_sid;
  guint8 sid[MMKM_SESSION_ID_LEN];
  gboolean in_pump;
  gboolean removed;
} Member;

typedef struct
{
  MmkmClientDriver *d;
  guint serial;
  guint id;
  GCancellable *cancel;
  gulong cancel_handler;
  GSource *timeout;
  SoupMessage *msg;
} Call;

struct _MmkmClientDriver
{
  GMainContext *context;
  MmkmClientEventFunc func;
  gpointer user_data;
  SoupSession *http;
  gchar *base;
  gboolean pinned;
  guint8 fingerprint[MMKM_FINGERPRINT_LEN];
  GTlsDatabase *ca;
  /* what the last refused server presented, for the error sentence */
  gchar *refused_fp;
  MikeyCert *server_cert;
  GBytes *server_der;

  GInetAddress *server_addr;
  GSocket *udp;
  GSource *udp_source;
  GSource *timer;

  guint next_serial;
  GHashTable *by_serial;        /* guint -> Member (owns) */
  GHashTable *by_client;        /* MmkmClient* -> Member */
  GHashTable *by_sid;           /* session id bytes (in Member) -> Member */
  GSequence *deadlines;         /* Member, by deadline */
  GCancellable *cancel;
  guint64 unknown;
};

static void pump (MmkmClientDriver * d, Member * m);

/* ---- the timer ----------------------------------------------------------- */

static gint
deadline_cmp (gconstpointer a, gconstpointer b, gpointer data)
{
  const Member *x = a, *y = b;

  if (x->deadline != y->deadline)
    return x->deadline < y->deadline ? -1 : 1;
  return x->serial < y->serial ? -1 : x->serial > y->serial;
}

static void
timer_arm (MmkmClientDriver * d)
{
  GSequenceIter *first;
  Member *m;
  gint64 wait;

  /* being freed: the calls cancelled then finish without a timer */
  if (!d->timer)
    return;
  first = g_sequence_get_begin_iter (d->deadlines);
  if (g_sequence_iter_is_end (first)) {
    g_source_set_ready_time (d->timer, -1);
    return;
  }
  m = g_sequence_get (first);
  wait = m->deadline - g_get_real_time ();
  g_source_set_ready_time (d->timer, g_get_monotonic_time () + MAX (wait, 0));
}

static gboolean
timer_dispatch (GSource * s, GSourceFunc cb, gpointer data)
{
  MmkmClientDriver *d = data;
  gint64 now = g_get_real_time ();
  g_autoptr (GArray) due = g_array_new (FALSE, FALSE, sizeof (guint));
  GSequenceIter *it;
  guint i;

  g_source_set_ready_time (s, -1);
  /* the members due now, by serial: a callback may remove any of them */
  for (it = g_sequence_get_begin_iter (d->deadlines);
      !g_sequence_iter_is_end (it); it = g_sequence_iter_next (it)) {
    Member *m = g_sequence_get (it);
    if (m->deadline > now)
      break;
    g_array_append_val (due, m->serial);
  }
  for (i = 0; i < due->len; i++) {
    Member *m = g_hash_table_lookup (d->by_serial,
        GUINT_TO_POINTER (g_array_index (due, guint, i)));
    if (!m || m->removed)
      continue;
    mmkm_client_handle_timeout (m->c, now);
    pump (d, m);
  }
  timer_arm (d);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_funcs = { NULL, NULL, timer_dispatch, NULL };

/* ---- TLS ----------------------------------------------------------------- */

static gboolean
cert_der_fp (GTlsCertificate * cert, guint8 fp[MMKM_FINGERPRINT_LEN],
    GByteArray ** der_out)
{
  GByteArray *der = NULL;

  g_object_get (cert, "certificate", &der, NULL);
  if (!der)
    return FALSE;
  if (EVP_Digest (der->data, der->len, fp, NULL, EVP_sha256 (), NULL) != 1) {
    g_byte_array_unref (der);
    return FALSE;
  }
  if (der_out)
    *der_out = der;
  else
    g_byte_array_unref (der);
  return TRUE;
}

static gboolean
accept_cert (SoupMessage * msg, GTlsCertificate * cert,
    GTlsCertificateFlags errors, gpointer data)
{
  MmkmClientDriver *d = data;
  guint8 fp[MMKM_FINGERPRINT_LEN];

  if (d->pinned) {
    if (!cert_der_fp (cert, fp, NULL))
      return FALSE;
    if (CRYPTO_memcmp (fp, d->fingerprint, MMKM_FINGERPRINT_LEN) == 0)
      return TRUE;
    g_free (d->refused_fp);
    d->refused_fp = mmkm_fingerprint_to_string (fp);
    return FALSE;
  }
  /* the CA file, without a host name check: MMKM certificates name
   * mmkm:server, not a DNS name (the DH exchange checks that name) */
  return g_tls_database_verify_chain (d->ca, cert,
      G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, NULL, NULL,
      G_TLS_DATABASE_VERIFY_NONE, NULL, NULL) == 0;
}

/* The certificate of the connection, for the DH exchange's check */
static void
learn_server_cert (MmkmClientDriver * d, SoupMessage * msg)
{
  GTlsCertificate *cert = soup_message_get_tls_peer_certificate (msg);
  GByteArray *der = NULL;
  guint8 fp[MMKM_FINGERPRINT_LEN];
  MikeyCert *mc;

  if (!cert || !cert_der_fp (cert, fp, &der))
    return;
  if (d->server_der && g_bytes_get_size (d->server_der) == der->len
      && memcmp (g_bytes_get_data (d->server_der, NULL), der->data,
          der->len) == 0) {
    g_byte_array_unref (der);
    return;
  }
  mc = mikey_cert_new_from_der (der->data, der->len, NULL);
  if (mc) {
    g_clear_pointer (&d->server_cert, mikey_cert_unref);
    g_clear_pointer (&d->server_der, g_bytes_unref);
    d->server_cert = mc;
    d->server_der = g_bytes_new (der->data, der->len);
  }
  g_byte_array_unref (der);
}

/* ---- HTTP ---------------------------------------------------------------- */

static void
call_free (Call * call)
{
  if (call->timeout) {
    g_source_destroy (call->timeout);
    g_source_unref (call->timeout);
  }
  if (call->cancel_handler)
    g_cancellable_disconnect (call->d->cancel, call->cancel_handler);
  g_clear_object (&call->cancel);
  g_clear_object (&call->msg);
  g_free (call);
}

static gboolean
call_timeout (gpointer data)
{
  Call *call = data;

  g_cancellable_cancel (call->cancel);
  return G_SOURCE_REMOVE;
}

static void
call_done (GObject * src, GAsyncResult * res, gpointer data)
{
  Call *call = data;
  MmkmClientDriver *d = call->d;
  g_autoptr (GError) e = NULL;
  g_autoptr (GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION
      (src), res, &e);
  gint64 now = g_get_real_time ();
  Member *m;

  if (e && g_error_matches (e, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      && g_cancellable_is_cancelled (d->cancel)) {
    /* the driver is going away */
    call_free (call);
    return;
  }
  m = g_hash_table_lookup (d->by_serial, GUINT_TO_POINTER (call->serial));
  if (!m || m->removed) {
    call_free (call);
    return;
  }
  if (body) {
    const gchar *ctype =
        soup_message_headers_get_one (soup_message_get_response_headers
        (call->msg), "Content-Type");
    learn_server_cert (d, call->msg);
    if (d->server_cert && !mmkm_client_has_server_cert (m->c))
      mmkm_client_set_server_cert (m->c, d->server_cert);
    mmkm_client_receive_response (m->c, call->id,
        soup_message_get_status (call->msg), ctype,
        g_bytes_get_data (body, NULL), g_bytes_get_size (body), now);
  } else if (g_error_matches (e, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE)) {
    /* only a certificate refused is the server-cert error (fatal): a
     * handshake cut short (a server killed or restarting) is a transport
     * failure like any other, retried */
    g_autofree gchar *detail = d->pinned && d->refused_fp ?
        g_strdup_printf ("it presented SHA-256 fingerprint %s", d->refused_fp)
        : g_strdup (e->message);
    mmkm_client_receive_failure (m->c, call->id,
        MMKM_CLIENT_TRANSPORT_CERTIFICATE, detail, now);
  } else {
    const gchar *detail = g_error_matches (e, G_IO_ERROR,
        G_IO_ERROR_CANCELLED) ? "no answer in time" : e->message;
    mmkm_client_receive_failure (m->c, call->id,
        MMKM_CLIENT_TRANSPORT_UNREACHABLE, detail, now);
  }
  call_free (call);
  pump (d, m);
}

static void
send_request (MmkmClientDriver * d, Member * m, MmkmClientRequest * r)
{
  g_autofree gchar *uri = g_strconcat (d->base, r->path, NULL);
  Call *call = g_new0 (Call, 1);

  call->d = d;
  call->serial = m->serial;
  call->id = r->id;
  call->msg = soup_message_new (r->method, uri);
  if (!call->msg) {
    mmkm_client_receive_failure (m->c, r->id,
        MMKM_CLIENT_TRANSPORT_UNREACHABLE, "bad request URI",
        g_get_real_time ());
    call_free (call);
    return;
  }
  g_signal_connect (call->msg, "accept-certificate", G_CALLBACK (accept_cert),
      d);
  if (r->body)
    soup_message_set_request_body_from_bytes (call->msg, r->content_type,
        r->body);
  else if (g_str_equal (r->method, "POST") || g_str_equal (r->method, "PUT"))
    soup_message_headers_set_content_length (soup_message_get_request_headers
        (call->msg), 0);
  if (r->authorization)
    soup_message_headers_replace (soup_message_get_request_headers
        (call->msg), "Authorization", r->authorization);
  call->cancel = g_cancellable_new ();
  /* the driver's cancellable cancels every call */
  call->cancel_handler =
      g_cancellable_connect (d->cancel, G_CALLBACK (g_cancellable_cancel),
      g_object_ref (call->cancel), g_object_unref);
  call->timeout = g_timeout_source_new_seconds (MAX (r->timeout_s, 1));
  g_source_set_callback (call->timeout, call_timeout, call, NULL);
  g_source_attach (call->timeout, d->context);
  soup_session_send_and_read_async (d->http, call->msg, G_PRIORITY_DEFAULT,
      call->cancel, call_done, call);
}

/* ---- UDP ----------------------------------------------------------------- */

static void
send_datagram (MmkmClientDriver * d, const guint8 * dg, guint16 port)
{
  g_autoptr (GSocketAddress) to = g_inet_socket_address_new (d->server_addr,
      port);

  /* a full buffer or an unreachable port is a missed heartbeat, which
   * the state machine counts */
  g_socket_send_to (d->udp, to, (const gchar *) dg, MMKM_HB_LEN, NULL, NULL);
}

static gboolean
udp_readable (GSocket * s, GIOCondition cond, gpointer data)
{
  MmkmClientDriver *d = data;
  guint8 buf[MMKM_HB_LEN + 1];
  guint i;

  for (i = 0; i < RECV_BATCH; i++) {
    guint8 sid[MMKM_SESSION_ID_LEN];
    gssize n = g_socket_receive_with_blocking (s, (gchar *) buf, sizeof buf,
        FALSE, NULL, NULL);
    Member *m;

    if (n < 0)
      break;
    if (!mmkm_hb_peek (buf, n, MMKM_HB_FROM_SERVER, sid, NULL)
        || !(m = g_hash_table_lookup (d->by_sid, sid))) {
      d->unknown++;
      continue;
    }
    mmkm_client_receive_datagram (m->c, buf, n, g_get_real_time ());
    pump (d, m);
  }
  return G_SOURCE_CONTINUE;
}

/* ---- members ------------------------------------------------------------- */

static void
member_sid_update (MmkmClientDriver * d, Member * m)
{
  const guint8 *sid = mmkm_client_get_session_id (m->c);

  if (m->has_sid && (!sid || memcmp (sid, m->sid, sizeof m->sid) != 0)) {
    g_hash_table_remove (d->by_sid, m->sid);
    m->has_sid = FALSE;
  }
  if (sid && !m->has_sid) {
    memcpy (m->sid, sid, sizeof m->sid);
    m->has_sid = TRUE;
    g_hash_table_replace (d->by_sid, m->sid, m);
  }
}

static void
member_unlink (MmkmClientDriver * d, Member * m)
{
  if (m->has_sid)
    g_hash_table_remove (d->by_sid, m->sid);
  m->has_sid = FALSE;
  if (m->iter)
    g_sequence_remove (m->iter);
  m->iter = NULL;
  g_hash_table_remove (d->by_client, m->c);
}

static void
member_free (gpointer data)
{
  Member *m = data;

  mmkm_client_free (m->c);
  g_free (m);
}

/* Sends what @m's state machine produced, hands its events to the
 * callback and files its deadline. */
static void
pump (MmkmClientDriver * d, Member * m)
{
  MmkmClientRequest *r;
  MmkmClientEvent *ev;
  guint8 dg[MMKM_HB_LEN];
  guint16 port;
  gint64 deadline;

  if (m->in_pump || m->removed)
    return;
  m->in_pump = TRUE;
  for (;;) {
    if (d->server_cert && !mmkm_client_has_server_cert (m->c))
      mmkm_client_set_server_cert (m->c, d->server_cert);
    while ((r = mmkm_client_next_request (m->c))) {
      send_request (d, m, r);
      mmkm_client_request_free (r);
    }
    while (mmkm_client_next_datagram (m->c, dg, &port))
      send_datagram (d, dg, port);
    OPENSSL_cleanse (dg, sizeof dg);
    member_sid_update (d, m);
    if (!(ev = mmkm_client_next_event (m->c)))
      break;
    if (d->func)
      d->func (d, m->c, ev, d->user_data);
    mmkm_client_event_free (ev);
    if (m->removed)
      break;
  }
  m->in_pump = FALSE;
  if (m->removed) {
    g_hash_table_remove (d->by_serial, GUINT_TO_POINTER (m->serial));
    return;
  }
  deadline = mmkm_client_get_deadline (m->c);
  if (m->iter && deadline == m->deadline)
    return;
  if (m->iter)
    g_sequence_remove (m->iter);
  m->iter = NULL;
  m->deadline = deadline;
  if (deadline != G_MAXINT64)
    m->iter = g_sequence_insert_sorted (d->deadlines, m, deadline_cmp, NULL);
  timer_arm (d);
}

void
mmkm_client_driver_add (MmkmClientDriver * d, MmkmClient * c)
{
  Member *m = g_new0 (Member, 1);

  m->d = d;
  m->c = c;
  if (++d->next_serial == 0)
    d->next_serial = 1;
  m->serial = d->next_serial;
  g_hash_table_insert (d->by_serial, GUINT_TO_POINTER (m->serial), m);
  g_hash_table_insert (d->by_client, c, m);
  pump (d, m);
}

void
mmkm_client_driver_remove (MmkmClientDriver * d, MmkmClient * c)
{
  Member *m = g_hash_table_lookup (d->by_client, c);

  if (!m)
    return;
  member_unlink (d, m);
  m->removed = TRUE;
  if (!m->in_pump)
    g_hash_table_remove (d->by_serial, GUINT_TO_POINTER (m->serial));
  timer_arm (d);
}

void
mmkm_client_driver_update (MmkmClientDriver * d, MmkmClient * c)
{
  Member *m = g_hash_table_lookup (d->by_client, c);

  if (m)
    pump (d, m);
}

guint
mmkm_client_driver_get_n_members (const MmkmClientDriver * d)
{
  return g_hash_table_size (d->by_client);
}

guint64
mmkm_client_driver_get_unknown_datagrams (const MmkmClientDriver * d)
{
  return d->unknown;
}

/* ---- life ---------------------------------------------------------------- */

static guint
sid_hash (gconstpointer p)
{
  guint h;

  /* session ids are random: any 4 bytes of them are a good hash */
  memcpy (&h, p, sizeof h);
  return h;
}

static gboolean
sid_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, MMKM_SESSION_ID_LEN) == 0;
}

static GInetAddress *
resolve (const gchar * host, GError ** error)
{
  GResolver *res;
  GList *list;
  GInetAddress *a;

  if ((a = g_inet_address_new_from_string (host)))
    return a;
  res = g_resolver_get_default ();
  list = g_resolver_lookup_by_name (res, host, NULL, error);
  g_object_unref (res);
  if (!list)
    return NULL;
  a = g_object_ref (list->data);
  g_resolver_free_addresses (list);
  return a;
}

MmkmClientDriver *
mmkm_client_driver_new (const MmkmClientDriverConfig * cfg,
    MmkmClientEventFunc func, gpointer user_data, GError ** error)
{
  g_autoptr (MmkmClientDriver) d = g_new0 (MmkmClientDriver, 1);
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GSocketAddress) any = NULL;
  g_autoptr (GInetAddress) any_addr = NULL;
  g_autoptr (GError) e = NULL;
  guint conns = cfg->max_connections ? cfg->max_connections : 64;

  d->context = cfg->context ? g_main_context_ref (cfg->context) :
      g_main_context_ref_thread_default ();
  d->func = func;
  d->user_data = user_data;
  d->cancel = g_cancellable_new ();
  d->by_serial = g_hash_table_new_full (NULL, NULL, NULL, member_free);
  d->by_client = g_hash_table_new (NULL, NULL);
  d->by_sid = g_hash_table_new (sid_hash, sid_equal);
  d->deadlines = g_sequence_new (NULL);

  uri = cfg->server_url ? g_uri_parse (cfg->server_url, G_URI_FLAGS_NONE,
      NULL) : NULL;
  if (!uri || g_strcmp0 (g_uri_get_scheme (uri), "https") != 0
      || !g_uri_get_host (uri)) {
    g_set_error (error, MMKM_CLIENT_ERROR, MMKM_CLIENT_ERROR_STATE,
        "The server URL must look like https://HOST:PORT.");
    return NULL;
  }
  if (!cfg->fingerprint == !cfg->ca_file) {
    g_set_error (error, MMKM_CLIENT_ERROR, MMKM_CLIENT_ERROR_STATE,
        "Give the server certificate's fingerprint or a CA file (one of "
        "them).");
    return NULL;
  }
  if (cfg->fingerprint) {
    if (!mmkm_fingerprint_parse (cfg->fingerprint, d->fingerprint, NULL)) {
      g_set_error (error, MMKM_CLIENT_ERROR, MMKM_CLIENT_ERROR_STATE,
          "The fingerprint must be 32 bytes in hex (as mmkm-server prints "
          "it: AB:01:...).");
      return NULL;
    }
    d->pinned = TRUE;
  } else if (!(d->ca = g_tls_file_database_new (cfg->ca_file, &e))) {
    g_set_error (error, MMKM_CLIENT_ERROR, MMKM_CLIENT_ERROR_STATE,
        "The CA file %s cannot be used: %s", cfg->ca_file, e->message);
    return NULL;
  }
  d->base = g_uri_get_port (uri) > 0 ?
      (strchr (g_uri_get_host (uri), ':') ?
      g_strdup_printf ("https://[%s]:%d", g_uri_get_host (uri),
          g_uri_get_port (uri)) : g_strdup_printf ("https://%s:%d",
          g_uri_get_host (uri), g_uri_get_port (uri))) :
      g_strdup_printf ("https://%s", g_uri_get_host (uri));
  if (!(d->server_addr = resolve (g_uri_get_host (uri), &e))) {
    g_set_error (error, MMKM_CLIENT_ERROR, MMKM_CLIENT_ERROR_UNREACHABLE,
        "The server's host name does not resolve: %s", e->message);
    return NULL;
  }

  g_main_context_push_thread_default (d->context);
  /* no system trust store: every certificate goes through accept_cert,
   * so a certificate a public CA signed cannot bypass the pin */
  d->http = soup_session_new_with_options ("tls-database", NULL,
      "max-conns", conns, "max-conns-per-host", conns,
      "user-agent", "mmkm-client", NULL);
  soup_session_set_tls_database (d->http, NULL);
  g_main_context_pop_thread_default (d->context);

  d->udp = g_socket_new (g_inet_address_get_family (d->server_addr),
      G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &e);
  any_addr = d->udp ? g_inet_address_new_any (g_inet_address_get_family
      (d->server_addr)) : NULL;
  any = any_addr ? g_inet_socket_address_new (any_addr, 0) : NULL;
  if (!d->udp || !g_socket_bind (d->udp, any, FALSE, &e)) {
    g_set_error (error, MMKM_CLIENT_ERROR, MMKM_CLIENT_ERROR_UNREACHABLE,
        "No UDP socket for heartbeats: %s", e->message);
    return NULL;
  }
  g_socket_set_blocking (d->udp, FALSE);
  d->udp_source = g_socket_create_source (d->udp, G_IO_IN, NULL);
  g_source_set_callback (d->udp_source, G_SOURCE_FUNC (udp_readable), d, NULL);
  g_source_attach (d->udp_source, d->context);
  d->timer = g_source_new (&timer_funcs, sizeof (GSource));
  g_source_set_callback (d->timer, NULL, d, NULL);
  g_source_set_ready_time (d->timer, -1);
  g_source_attach (d->timer, d->context);
  return g_steal_pointer (&d);
}

void
mmkm_client_driver_free (MmkmClientDriver * d)
{
  if (!d)
    return;
  if (d->cancel)
    g_cancellable_cancel (d->cancel);
  if (d->timer) {
    g_source_destroy (d->timer);
    g_clear_pointer (&d->timer, g_source_unref);
  }
  if (d->udp_source) {
    g_source_destroy (d->udp_source);
    g_clear_pointer (&d->udp_source, g_source_unref);
  }
  /* the cancelled calls finish on the context: let them (their
   * callbacks find no timer to arm) */
  if (d->http) {
    soup_session_abort (d->http);
    while (g_main_context_iteration (d->context, FALSE));
  }
  g_clear_object (&d->http);
  if (d->by_client)
    g_hash_table_remove_all (d->by_client);
  if (d->by_sid)
    g_hash_table_unref (d->by_sid);
  if (d->deadlines)
    g_sequence_free (d->deadlines);
  g_clear_pointer (&d->by_client, g_hash_table_unref);
  g_clear_pointer (&d->by_serial, g_hash_table_unref);
  g_clear_object (&d->udp);
  g_clear_object (&d->server_addr);
  g_clear_object (&d->ca);
  g_clear_object (&d->cancel);
  g_clear_pointer (&d->server_cert, mikey_cert_unref);
  g_clear_pointer (&d->server_der, g_bytes_unref);
  g_free (d->refused_fp);
  g_free (d->base);
  g_main_context_unref (d->context);
  g_free (d);
}
