/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* UDP socket + thread + GMainContext for the MIKEY elements. */
#include "mikey-udp-thread.h"

#define MAX_DATAGRAM 65535

struct _GstMikeyTransport
{
  GSocket *socket;
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  GSource *socket_source;
  MikeyUdpThreadRecvFunc recv_func;
  gpointer user_data;
  guint port;
  gboolean close_socket;
  guint8 *buf;
};

static gboolean
on_socket_readable (GSocket * socket, GIOCondition cond, gpointer user_data)
{
  MikeyUdpThread *t = user_data;

  /* The socket may be a blocking one shared with udpsink (which only sends
   * on it): receive only what is there (a datagram, or a pending error
   * that the receive clears), never wait for more. */
  while (g_socket_condition_check (socket, G_IO_IN) & (G_IO_IN | G_IO_ERR)) {
    GSocketAddress *from = NULL;
    GError *err = NULL;
    gssize n;

    n = g_socket_receive_from (socket, &from, (gchar *) t->buf, MAX_DATAGRAM,
        NULL, &err);
    if (n < 0) {
      /* WOULD_BLOCK: drained. Other errors (e.g. ICMP port unreachable
       * reported on a later receive) are not fatal for a UDP socket. */
      g_clear_error (&err);
      break;
    }
    if (from != NULL) {
      t->recv_func (t, t->buf, (gsize) n, from, t->user_data);
      g_object_unref (from);
    }
  }
  return G_SOURCE_CONTINUE;
}

static gpointer
transport_thread (gpointer data)
{
  MikeyUdpThread *t = data;

  g_main_context_push_thread_default (t->context);
  g_main_loop_run (t->loop);
  g_main_context_pop_thread_default (t->context);
  return NULL;
}

MikeyUdpThread *
mikey_udp_thread_new (const gchar * name, const gchar * host, guint port,
    GSocketFamily family, MikeyUdpThreadRecvFunc recv_func,
    gpointer user_data, GError ** error)
{
  MikeyUdpThread *t;
  GSocket *socket;

  socket = mikey_udp_socket_new_bound (host, port, family, FALSE, error);
  if (socket == NULL)
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  t = mikey_udp_thread_new_for_socket (name, socket, TRUE, recv_func,
      user_data);
  g_object_unref (socket);
  return t;
}

GSocket *
mikey_udp_socket_new_bound (const gchar * host, guint port,
    GSocketFamily family, gboolean reuse, GError ** error)
{
  GInetAddress *iaddr;
  GSocketAddress *addr;
  GSocket *socket;

  if (host != NULL && host[0] != '\0') {
    iaddr = g_inet_address_new_from_string (host);
    if (iaddr == NULL) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "\"%s\" is not an IP address", host);
      return NULL;
    }
    family = g_inet_address_get_family (iaddr);
  } else {
    iaddr = g_inet_address_new_any (family);
  }

  socket = g_socket_new (family, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL) {
    g_object_unref (iaddr);
    return NULL;
  }

  addr = g_inet_socket_address_new (iaddr, port);
  g_object_unref (iaddr);
  /* no SO_REUSEADDR for listeners: a second listener on the same port is
   * an error the user must see */
  if (!g_socket_bind (socket, addr, reuse, error)) {
    g_object_unref (addr);
    g_object_unref (socket);
    return NULL;
  }
  g_object_unref (addr);
  return socket;
}

MikeyUdpThread *
mikey_udp_thread_new_for_socket (const gchar * name, GSocket * socket,
    gboolean close_socket, MikeyUdpThreadRecvFunc recv_func, gpointer user_data)
{
  MikeyUdpThread *t;
  GSocketAddress *local;

  t = g_new0 (MikeyUdpThread, 1);
  t->recv_func = recv_func;
  t->user_data = user_data;
  t->close_socket = close_socket;
  t->context = g_main_context_new ();
  t->loop = g_main_loop_new (t->context, FALSE);

  if (socket != NULL) {
    t->socket = g_object_ref (socket);
    local = g_socket_get_local_address (socket, NULL);
    if (local != NULL) {
      t->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
      g_object_unref (local);
    }
    if (recv_func != NULL) {
      t->buf = g_malloc (MAX_DATAGRAM);
      t->socket_source = g_socket_create_source (t->socket, G_IO_IN, NULL);
      g_source_set_callback (t->socket_source,
          G_SOURCE_FUNC (on_socket_readable), t, NULL);
      g_source_attach (t->socket_source, t->context);
    }
  }
  t->thread = g_thread_new (name, transport_thread, t);

  return t;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
mikey_udp_thread_free (MikeyUdpThread * t)
{
  if (t == NULL)
    return;

  g_return_if_fail (g_thread_self () != t->thread);

  mikey_udp_thread_invoke (t, quit_loop, t->loop, NULL);
  g_thread_join (t->thread);

  if (t->socket_source != NULL) {
    g_source_destroy (t->socket_source);
    g_source_unref (t->socket_source);
  }
  /* the last unref of the context destroys the sources still attached
   * (timers) and runs their destroy notifies */
  g_main_loop_unref (t->loop);
  g_main_context_unref (t->context);
  if (t->socket != NULL) {
    if (t->close_socket)
      g_socket_close (t->socket, NULL);
    g_object_unref (t->socket);
  }
  g_free (t->buf);
  g_free (t);
}

guint
mikey_udp_thread_get_port (MikeyUdpThread * t)
{
  return t->port;
}

GSocket *
mikey_udp_thread_get_socket (MikeyUdpThread * t)
{
  return t->socket;
}

gboolean
mikey_udp_thread_send (MikeyUdpThread * t, GSocketAddress * to,
    const guint8 * data, gsize len, GError ** error)
{
  gssize n;

  if (t->socket == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
        "no MIKEY socket");
    return FALSE;
  }
  n = g_socket_send_to (t->socket, to, (const gchar *) data, len, NULL, error);
  return n == (gssize) len;
}

void
mikey_udp_thread_invoke (MikeyUdpThread * t, GSourceFunc func,
    gpointer data, GDestroyNotify notify)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, t->context);
  g_source_unref (source);
}

GSource *
mikey_udp_thread_add_timeout (MikeyUdpThread * t, guint ms,
    GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, t->context);
  return source;
}

gchar *
gst_mikey_socket_address_to_string (GSocketAddress * addr)
{
  GInetSocketAddress *isa;
  gchar *ip, *ret;

  if (addr == NULL || !G_IS_INET_SOCKET_ADDRESS (addr))
    return g_strdup ("");

  isa = G_INET_SOCKET_ADDRESS (addr);
  ip = g_inet_address_to_string (g_inet_socket_address_get_address (isa));
  if (g_inet_socket_address_get_address (isa) != NULL &&
      g_inet_address_get_family (g_inet_socket_address_get_address (isa)) ==
      G_SOCKET_FAMILY_IPV6)
    ret = g_strdup_printf ("[%s]:%u", ip, g_inet_socket_address_get_port (isa));
  else
    ret = g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (isa));
  g_free (ip);
  return ret;
}

GSocketAddress *
gst_mikey_resolve_address (const gchar * host, guint port, GError ** error)
{
  GInetAddress *iaddr;
  GSocketAddress *ret;
  GResolver *resolver;
  GList *list;

  iaddr = g_inet_address_new_from_string (host);
  if (iaddr != NULL) {
    ret = g_inet_socket_address_new (iaddr, port);
    g_object_unref (iaddr);
    return ret;
  }

  resolver = g_resolver_get_default ();
  list = g_resolver_lookup_by_name (resolver, host, NULL, error);
  g_object_unref (resolver);
  if (list == NULL)
    return NULL;
  ret = g_inet_socket_address_new (list->data, port);
  g_resolver_free_addresses (list);
  return ret;
}
