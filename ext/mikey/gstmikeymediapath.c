/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY on the media path: pads, buffers and udpsink's socket (see
 * gstmikeymediapath.h). */
#include "gstmikeymediapath.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <gst/net/gstnetaddressmeta.h>

/* bins, queues, tees and srtpenc between the elements: deep enough */
#define MAX_WALK_DEPTH 64

MikeyPacketKind
gst_mikey_media_path_classify (GstBuffer * buf)
{
  /* the classifier looks at no byte past these, and at the length only up
   * to a common header's: the head of the buffer decides */
  guint8 head[MIKEY_DEMUX_MIN_HDR];
  gsize n = gst_buffer_extract (buf, 0, head, sizeof (head));

  return mikey_packet_classify (head, n);
}

GSocketAddress *
gst_mikey_media_path_buffer_source (GstBuffer * buf)
{
  GstNetAddressMeta *meta = gst_buffer_get_net_address_meta (buf);

  if (meta == NULL || meta->addr == NULL ||
      !G_IS_INET_SOCKET_ADDRESS (meta->addr))
    return NULL;
  return g_object_ref (meta->addr);
}

static gboolean
has_socket_property (GstElement * element, const gchar * name)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS
      (element), name);

  return pspec != NULL && pspec->value_type == G_TYPE_SOCKET &&
      (pspec->flags & G_PARAM_READABLE);
}

/* ------------------------------------------------------------------------
 * Walking the pipeline along our path, upstream or downstream alike:
 * "entering" pads lead into an element (a peer, a bin's ghost pad),
 * "leaving" pads out of it (its internal links, a bin's proxy pad).
 * @match looks at each element reached and says whether the walk ends
 * there, with what it found (a reference, or NULL).
 * ---------------------------------------------------------------------- */

typedef gboolean (*WalkMatch) (GstElement * element, gpointer * found);

static gpointer walk_leaving (GstPad * pad, WalkMatch match, guint depth);

static gpointer
walk_entering (GstPad * pad, WalkMatch match, guint depth)
{
  GstElement *element;
  GstIterator *it;
  GValue item = G_VALUE_INIT;
  gpointer found = NULL;
  gboolean done = FALSE;

  if (depth > MAX_WALK_DEPTH)
    return NULL;

  if (GST_IS_GHOST_PAD (pad)) {
    /* a bin's pad: into the bin */
    GstPad *target = gst_ghost_pad_get_target (GST_GHOST_PAD (pad));

    if (target != NULL) {
      found = walk_entering (target, match, depth + 1);
      gst_object_unref (target);
    }
    return found;
  }
  if (GST_IS_PROXY_PAD (pad)) {
    /* the inside of a bin's pad: out of the bin */
    GstProxyPad *ghost = gst_proxy_pad_get_internal (GST_PROXY_PAD (pad));

    if (ghost != NULL) {
      found = walk_leaving (GST_PAD (ghost), match, depth + 1);
      gst_object_unref (ghost);
    }
    return found;
  }

  element = gst_pad_get_parent_element (pad);
  if (element == NULL)
    return NULL;
  if (match (element, &found)) {
    gst_object_unref (element);
    return found;
  }

  it = gst_pad_iterate_internal_links (pad);
  while (it != NULL && !done && found == NULL) {
    switch (gst_iterator_next (it, &item)) {
      case GST_ITERATOR_OK:
        found = walk_leaving (g_value_get_object (&item), match, depth + 1);
        g_value_reset (&item);
        break;
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync (it);
        break;
      default:
        done = TRUE;
        break;
    }
  }
  g_value_unset (&item);
  if (it != NULL)
    gst_iterator_free (it);
  gst_object_unref (element);
  return found;
}

static gpointer
walk_leaving (GstPad * pad, WalkMatch match, guint depth)
{
  GstPad *peer = gst_pad_get_peer (pad);
  gpointer found = NULL;

  if (peer != NULL) {
    found = walk_entering (peer, match, depth + 1);
    gst_object_unref (peer);
  }
  return found;
}

/* upstream: the first element with a socket (udpsrc's "used-socket") */
static gboolean
match_used_socket (GstElement * element, gpointer * found)
{
  GSocket *socket = NULL;

  if (!has_socket_property (element, "used-socket"))
    return FALSE;
  g_object_get (element, "used-socket", &socket, NULL);
  *found = socket;
  return TRUE;
}

GSocket *
gst_mikey_media_path_find_upstream_socket (GstPad * sinkpad)
{
  return walk_leaving (sinkpad, match_used_socket, 0);
}

/* downstream: the udpsink (or multiudpsink) */
static gboolean
match_udp_sink (GstElement * element, gpointer * found)
{
  GType type = g_type_from_name ("GstMultiUDPSink");

  if (type == 0 || !g_type_is_a (G_OBJECT_TYPE (element), type))
    return FALSE;
  *found = gst_object_ref (element);
  return TRUE;
}

GstElement *
gst_mikey_media_path_find_udpsink (GstPad * srcpad)
{
  return walk_leaving (srcpad, match_udp_sink, 0);
}

static gboolean
has_property (GstElement * element, const gchar * name, GType type)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS
      (element), name);

  return pspec != NULL && pspec->value_type == type;
}

gboolean
gst_mikey_media_path_sink_destination (GstElement * sink, gchar ** host,
    guint * port, GError ** error)
{
  gchar *h = NULL, *clients = NULL;
  gint p = 0;
  GInetAddress *iaddr;

  if (has_property (sink, "host", G_TYPE_STRING) &&
      has_property (sink, "port", G_TYPE_INT)) {
    g_object_get (sink, "host", &h, "port", &p, NULL);
  } else {
    gchar *colon;

    g_object_get (sink, "clients", &clients, NULL);
    if (clients == NULL || clients[0] == '\0' || strchr (clients, ',')) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "media-path=true sends MIKEY to the receiver's RTP address and "
          "port, but %s has %s clients (\"%s\"): give it exactly one",
          GST_OBJECT_NAME (sink), clients && clients[0] ? "several" : "no",
          clients ? clients : "");
      g_free (clients);
      return FALSE;
    }
    colon = strrchr (clients, ':');
    if (colon != NULL) {
      *colon = '\0';
      p = (gint) g_ascii_strtoll (colon + 1, NULL, 10);
    }
    /* an IPv6 client may be written [::1]:5004 */
    if (clients[0] == '[' && strlen (clients) > 2 &&
        clients[strlen (clients) - 1] == ']')
      h = g_strndup (clients + 1, strlen (clients) - 2);
    else
      h = g_strdup (clients);
    g_free (clients);
  }

  if (h == NULL || h[0] == '\0' || p <= 0 || p > 65535) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "media-path=true sends MIKEY to the receiver's RTP address and port, "
        "but %s has none (set its host and port)", GST_OBJECT_NAME (sink));
    g_free (h);
    return FALSE;
  }
  iaddr = g_inet_address_new_from_string (h);
  if (iaddr != NULL && g_inet_address_get_is_multicast (iaddr)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "media-path=true needs a unicast RTP destination, but %s sends to "
        "the multicast group %s (a MIKEY exchange is between two parties; "
        "key a multicast stream through SDP or MMKM)", GST_OBJECT_NAME (sink),
        h);
    g_object_unref (iaddr);
    g_free (h);
    return FALSE;
  }
  if (iaddr != NULL)
    g_object_unref (iaddr);
  *host = h;
  *port = (guint) p;
  return TRUE;
}

void
gst_mikey_media_path_sink_bind (GstElement * sink, gchar ** address,
    guint * port)
{
  gint p = 0;

  *address = NULL;
  *port = 0;
  if (has_property (sink, "bind-address", G_TYPE_STRING))
    g_object_get (sink, "bind-address", address, NULL);
  if (has_property (sink, "bind-port", G_TYPE_INT))
    g_object_get (sink, "bind-port", &p, NULL);
  if (p > 0 && p <= 65535)
    *port = (guint) p;
}

/* @prop's socket on @sink, when it is of @family: a new reference */
static GSocket *
sink_socket (GstElement * sink, const gchar * prop, GSocketFamily family)
{
  GSocket *socket = NULL;

  if (!has_property (sink, prop, G_TYPE_SOCKET))
    return NULL;
  g_object_get (sink, prop, &socket, NULL);
  if (socket != NULL && g_socket_get_family (socket) != family)
    g_clear_object (&socket);
  return socket;
}

GSocket *
gst_mikey_media_path_sink_share_socket (GstElement * sink,
    GSocketFamily family, GError ** error)
{
  gboolean v6 = family == G_SOCKET_FAMILY_IPV6;
  GSocket *socket, *copy;
  gint fd;

  /* the one it sends from once started, else the one it will use */
  socket = sink_socket (sink, v6 ? "used-socket-v6" : "used-socket", family);
  if (socket == NULL)
    socket = sink_socket (sink, v6 ? "socket-v6" : "socket", family);
  if (socket == NULL) {
    GSocket *other = sink_socket (sink, v6 ? "used-socket" : "used-socket-v6",
        v6 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6);

    /* started, but without a socket of the destination's family: lending
     * one now would come too late, MIKEY would leave from another port */
    if (other != NULL) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
          "%s has no %s socket to share (it sends to an %s destination "
          "from an %s socket)", GST_OBJECT_NAME (sink), v6 ? "IPv6" : "IPv4",
          v6 ? "IPv6" : "IPv4", v6 ? "IPv4" : "IPv6");
      g_object_unref (other);
    }
    return NULL;
  }

  /* the same socket (one local port, one receive queue) under a
   * descriptor of our own: udpsink closes its descriptor when it stops,
   * which may be before mikeyenc stops reading */
  fd = fcntl (g_socket_get_fd (socket), F_DUPFD_CLOEXEC, 0);
  g_object_unref (socket);
  if (fd < 0) {
    int errsv = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
        "cannot share %s's socket: %s", GST_OBJECT_NAME (sink),
        g_strerror (errsv));
    return NULL;
  }
  copy = g_socket_new_from_fd (fd, error);
  if (copy == NULL)
    close (fd);
  return copy;
}

void
gst_mikey_media_path_lend_socket (GstMikeyLentSocket * lent,
    GstElement * sink, GSocket * socket)
{
  lent->sink = gst_object_ref (sink);
  lent->prop = g_socket_get_family (socket) == G_SOCKET_FAMILY_IPV6 ?
      "socket-v6" : "socket";
  g_object_get (sink, "close-socket", &lent->close_socket, NULL);
  /* first: udpsink closes the socket it had when a new one is set while
   * close-socket is true, and must never close ours */
  g_object_set (sink, "close-socket", FALSE, NULL);
  g_object_set (sink, lent->prop, socket, NULL);
}

void
gst_mikey_media_path_take_back_socket (GstMikeyLentSocket * lent)
{
  if (lent->sink == NULL)
    return;
  g_object_set (lent->sink, lent->prop, NULL, NULL);
  g_object_set (lent->sink, "close-socket", lent->close_socket, NULL);
  gst_clear_object (&lent->sink);
  lent->prop = NULL;
}
