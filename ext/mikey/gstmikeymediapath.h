/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY on the media path (media-path=true, docs/elements.md "MIKEY on the
 * media path"): MIKEY shares the RTP port, told apart from RTP/SRTP by its
 * first byte (mikey_packet_classify()).
 *
 * - Receiver: mikeydec takes MIKEY datagrams out of the buffers udpsrc
 *   pushes, learns their source from udpsrc's GstNetAddressMeta and
 *   answers from udpsrc's own socket (its used-socket), so that the answer
 *   leaves from the RTP port the sender sent to.
 * - Sender: mikeyenc finds the udpsink downstream, sends to its destination
 *   (the receiver's RTP address and port) from the socket udpsink sends
 *   RTP from, so that MIKEY and RTP leave from the same port and the
 *   receiver's answers come back to a socket mikeyenc reads (udpsink only
 *   sends on it). udpsink starts first (sinks change state before their
 *   upstream): mikeyenc takes its used-socket through a duplicate
 *   descriptor. When udpsink has not started yet, mikeyenc lends it a
 *   socket of its own through udpsink's socket property, close-socket=false.
 *
 * These helpers do the pad walking, the buffer inspection and the udpsink
 * properties; the elements keep their exchange logic.
 */
#pragma once

#include <gst/gst.h>
#include <gio/gio.h>
#include "mikey-demux.h"

G_BEGIN_DECLS

/* The kind of @buf by its first bytes */
MikeyPacketKind gst_mikey_media_path_classify (GstBuffer * buf);

/* The source address udpsrc attached to @buf (GstNetAddressMeta), a new
 * reference, or NULL (udpsrc retrieve-sender-address=false, or not from
 * udpsrc) */
GSocketAddress *gst_mikey_media_path_buffer_source (GstBuffer * buf);

/* Receiver: the socket the udpsrc upstream of @sinkpad receives on (its
 * used-socket), found through queues and bins: a new reference, or NULL */
GSocket *gst_mikey_media_path_find_upstream_socket (GstPad * sinkpad);

/* Sender: the udpsink (or any GstMultiUDPSink) downstream of @srcpad,
 * through srtpenc, queues and bins: a new reference, or NULL */
GstElement *gst_mikey_media_path_find_udpsink (GstPad * srcpad);

/* Where @sink sends: its one unicast destination. FALSE (and @error, a
 * sentence naming udpsink's properties) for none, several or multicast. */
gboolean gst_mikey_media_path_sink_destination (GstElement * sink,
    gchar ** host, guint * port, GError ** error);

/* The address and port @sink would bind its own socket to (bind-address,
 * bind-port; NULL and 0 unset) */
void gst_mikey_media_path_sink_bind (GstElement * sink, gchar ** address,
    guint * port);

/* The socket @sink sends @family from (its used-socket, once started, or
 * the one the application set on its socket property), as a new socket on
 * a duplicate descriptor: the same local port, still open after udpsink
 * closes its own. NULL with @error unset when @sink has none yet (it is
 * not started: lend it one). */
GSocket *gst_mikey_media_path_sink_share_socket (GstElement * sink,
    GSocketFamily family, GError ** error);

/* A socket lent to a udpsink, to be taken back */
typedef struct
{
  GstElement *sink;
  const gchar *prop;            /* "socket" or "socket-v6" */
  gboolean close_socket;        /* its close-socket before */
} GstMikeyLentSocket;

/* Gives @sink @socket to send from (close-socket=false first: udpsink
 * closes a socket replaced while close-socket is true). @sink must not be
 * started yet (it takes its socket when going to PAUSED). */
void gst_mikey_media_path_lend_socket (GstMikeyLentSocket * lent,
    GstElement * sink, GSocket * socket);

/* Takes the socket back (when the udpsink still has it) and restores
 * close-socket; no-op when nothing was lent. */
void gst_mikey_media_path_take_back_socket (GstMikeyLentSocket * lent);

G_END_DECLS
