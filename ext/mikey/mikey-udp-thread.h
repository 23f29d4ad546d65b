/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A UDP socket with its own thread and GMainContext, for the MIKEY
 * exchanges of mikeyenc and mikeydec.
 *
 * The callbacks (received datagrams, timers, invoked functions) run in the
 * transport's thread, one at a time. mikey_udp_thread_free() stops the
 * thread and closes the socket; it must not be called from that thread nor
 * while holding a lock the callbacks take.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _GstMikeyTransport MikeyUdpThread;

typedef void (*MikeyUdpThreadRecvFunc) (MikeyUdpThread * transport,
    const guint8 * data, gsize len, GSocketAddress * from,
    gpointer user_data);

/* Binds a UDP socket to @host (an IP address literal; NULL or "" means the
 * any address of @family) and @port (0: ephemeral) and starts the thread.
 * @name names the thread (shown by debuggers). */
MikeyUdpThread *mikey_udp_thread_new (const gchar * name,
    const gchar * host, guint port, GSocketFamily family,
    MikeyUdpThreadRecvFunc recv_func, gpointer user_data, GError ** error);

/* Starts the thread for @socket (may be NULL: a thread for timers and
 * invoked functions only). The socket is kept and closed on free when
 * @close_socket (else it is only unreferenced: it belongs to someone else,
 * e.g. the application's udpsink socket). Datagrams are read from it only
 * when @recv_func is not NULL; a blocking socket is fine. */
MikeyUdpThread *mikey_udp_thread_new_for_socket (const gchar * name,
    GSocket * socket, gboolean close_socket,
    MikeyUdpThreadRecvFunc recv_func, gpointer user_data);

/* A UDP socket bound to @host (NULL or "": any address of @family) and
 * @port, with SO_REUSEADDR when @reuse (as udpsink binds its own). */
GSocket *mikey_udp_socket_new_bound (const gchar * host, guint port,
    GSocketFamily family, gboolean reuse, GError ** error);

void mikey_udp_thread_free (MikeyUdpThread * transport);

/* The local port actually bound */
guint mikey_udp_thread_get_port (MikeyUdpThread * transport);

/* The socket (NULL for a thread without one); not a new reference */
GSocket *mikey_udp_thread_get_socket (MikeyUdpThread * transport);

/* Sends one datagram; callable from any thread. */
gboolean mikey_udp_thread_send (MikeyUdpThread * transport,
    GSocketAddress * to, const guint8 * data, gsize len, GError ** error);

/* Runs @func in the transport thread as soon as possible (once). */
void mikey_udp_thread_invoke (MikeyUdpThread * transport,
    GSourceFunc func, gpointer data, GDestroyNotify notify);

/* Runs @func in the transport thread after @ms milliseconds (repeating
 * while it returns G_SOURCE_CONTINUE). Returns the source (a new reference)
 * so that it can be cancelled with g_source_destroy(). */
GSource *mikey_udp_thread_add_timeout (MikeyUdpThread * transport,
    guint ms, GSourceFunc func, gpointer data, GDestroyNotify notify);

/* "192.0.2.1:2269" / "[2001:db8::1]:2269" */
gchar *gst_mikey_socket_address_to_string (GSocketAddress * addr);

/* Parses an IP address literal or resolves a host name (blocking) and
 * returns the first address, with @port. */
GSocketAddress *gst_mikey_resolve_address (const gchar * host, guint port,
    GError ** error);

G_END_DECLS
