/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkmregistry: an MMKM member in a pipeline, keying the stock srtpenc
 * (role=sender) or srtpdec (role=receiver) downstream of it. The element
 * (pads, properties, state changes) is gstmmkmregistry.c; the network
 * thread that runs the MMKM client is gstmmkmsession.c; the bus messages
 * and errors are gstmmkmmessages.c. */
#pragma once

#include <gst/gst.h>

#include "mmkm-client.h"
#include "mmkm-client-gio.h"
#include "mmkm-identity.h"
#include "gstsrtprekeyreceiver.h"
#include "gstsrtprekeysender.h"

G_BEGIN_DECLS

#define GST_TYPE_MMKM_REGISTRY (gst_mmkm_registry_get_type ())
G_DECLARE_FINAL_TYPE (GstMmkmRegistry, gst_mmkm_registry, GST,
    MMKM_REGISTRY, GstElement);

GST_ELEMENT_REGISTER_DECLARE (mmkmregistry);

typedef enum
{
  GST_MMKM_ROLE_RECEIVER,
  GST_MMKM_ROLE_SENDER,
} GstMmkmRole;

#define GST_TYPE_MMKM_ROLE (gst_mmkm_role_get_type ())
GType gst_mmkm_role_get_type (void);

struct _GstMmkmRegistry
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties (object lock) */
  gchar *server;
  gchar *group;
  GstMmkmRole role;
  gchar *user;
  gchar *password_file;
  gchar *password;
  gchar *fingerprint;
  gchar *ca_file;
  gchar *state_dir;
  guint join_timeout;

  /* the network thread and what only it touches (gstmmkmsession.c) */
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  MmkmClientDriver *driver;
  MmkmClient *client;
  MmkmIdentity *device;
  gboolean register_first;      /* the device key was made now */
  gchar *start_password;        /* handed to the thread, wiped there */
  guint poll_op;                /* the events long poll under way */
  GSource *repoll;
  GSource *leave_timeout;
  gboolean leaving;
  GArray *scheduled;            /* sender: MKIs given to the sender glue */
  gchar *suite;                 /* the group's, from the first login */
  guint songs_op;               /* gstmmkmqueue.c: calls under way */
  guint queue_op;
  GHashTable *requests;         /* op id -> what request-song asked */
  GPtrArray *waiting;           /* titles waiting for the song list */

  /* the start and stop handshake (lock, cond) */
  GMutex lock;
  GCond cond;
  gboolean started;             /* joined, first TEK fetch done */
  gboolean failed;              /* an error during the start */
  MmkmClientError fail_code;
  gchar *fail_message;
  gboolean in_start;            /* NULL to READY is waiting */
  gboolean thread_done;

  /* the SRTP element downstream and the re-keying glue: made in the
   * network thread at the first login, used by the streaming thread
   * (PAUSED and PLAYING only), freed in READY to NULL */
  GstElement *srtp;
  GstSrtpRekeySender *sender;
  GstSrtpRekeyReceiver *receiver;
  gboolean sender_configured;   /* streaming thread */
  gint saw_pending;             /* atomic: an unknown MKI on its way */
  guint32 saw_mki;

  /* figures (object lock) */
  guint heartbeat_interval_ms;
  guint64 packets;
  guint64 dropped_no_key;
  guint64 switches;
  gint64 start_us;              /* NULL to READY began */
  gint64 joined_us;
  gint64 first_key_us;          /* first packet under a key */
  guint32 current_mki;
  GValue songs;                 /* GstValueArray of "song" structures */
  gboolean have_songs;
  GstStructure *queue;          /* "mmkm-queue", NULL before the first */
};

G_END_DECLS
