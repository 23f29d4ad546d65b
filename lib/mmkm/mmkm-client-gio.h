/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The GIO driver of mmkm-client.h: carries the HTTP requests of any
 * number of MmkmClient members over one libsoup 3 SoupSession (HTTPS to
 * one server, whose certificate is pinned by its SHA-256 fingerprint or
 * checked against a CA file), their heartbeats over one UDP socket (the
 * server answers each datagram to its source address, and the session id
 * in every ACK says whose it is), and their deadlines with one timer,
 * all on one GMainContext.
 *
 * Threads: create, use and free a driver in the thread that runs
 * @context (the SoupSession is bound to it); events are delivered there.
 * "now" is g_get_real_time() (the MIKEY timestamps' clock); the timer
 * waits on the monotonic clock for the difference. */
#pragma once

#include <gio/gio.h>
#include "mmkm-client.h"

G_BEGIN_DECLS typedef struct _MmkmClientDriver MmkmClientDriver;

/* Called for every event of every member, in the context's thread. @ev
 * is the driver's (freed after the call). The callback may call any
 * driver or client function, mmkm_client_driver_remove() included. */
typedef void (*MmkmClientEventFunc) (MmkmClientDriver * d, MmkmClient * c,
    const MmkmClientEvent * ev, gpointer user_data);

typedef struct
{
  /* "https://HOST:PORT" (a path is ignored) */
  const gchar *server_url;
  /* the server certificate's SHA-256 fingerprint, as mmkm-server prints
   * it (any case, colons optional), or NULL with @ca_file */
  const gchar *fingerprint;
  /* PEM CA certificates the server's must chain to, or NULL */
  const gchar *ca_file;
  /* NULL: the thread-default context */
  GMainContext *context;
  /* HTTP connections at once (0: 64); a load generator wants more */
  guint max_connections;
} MmkmClientDriverConfig;

/* MMKM_CLIENT_ERROR_STATE for a bad URL, fingerprint or CA file, neither
 * or both of them; MMKM_CLIENT_ERROR_UNREACHABLE when the host does not
 * resolve or no UDP socket can be had. */
MmkmClientDriver *mmkm_client_driver_new (const MmkmClientDriverConfig * cfg,
    MmkmClientEventFunc func, gpointer user_data, GError ** error);
/* Cancels what is under way (no more events) and frees every member;
 * not from the event callback */
void mmkm_client_driver_free (MmkmClientDriver * d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MmkmClientDriver, mmkm_client_driver_free);

/* Takes @c; its events go to the driver's callback */
void mmkm_client_driver_add (MmkmClientDriver * d, MmkmClient * c);
/* Frees @c (safe from the callback) */
void mmkm_client_driver_remove (MmkmClientDriver * d, MmkmClient * c);
/* After calling an MmkmClient function from outside the callback
 * (join, leave, saw_mki, the API calls): sends what it produced and
 * re-arms the timer. */
void mmkm_client_driver_update (MmkmClientDriver * d, MmkmClient * c);

guint mmkm_client_driver_get_n_members (const MmkmClientDriver * d);
/* Datagrams no member took (malformed, unknown session) */
guint64 mmkm_client_driver_get_unknown_datagrams (const MmkmClientDriver * d);

G_END_DECLS
