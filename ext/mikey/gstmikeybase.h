/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GstMikeyBase: what mikeyenc and mikeydec share.
 *
 * Both sit directly upstream of an SRTP element (srtpenc / srtpdec), pass
 * packets through untouched once the keys are in place, and hold them (and
 * the serialized events between them) until then. The base class owns the
 * pads, the lock and condition, the flushing state, the held items, the
 * MIKEY transport, the keys (params, srtp-caps) and the shared properties
 * (max-held-buffers and those of GstMikeySettings); the subclasses run the
 * exchange and decide what to do with a packet that arrives without keys.
 *
 * Subclasses install their pad templates named "sink" and "src" in
 * class_init; the base class creates the pads from them.
 */
#pragma once

#include <gst/gst.h>
#include "gstmikeyheld.h"
#include "gstmikeyconfig.h"
#include "mikey-udp-thread.h"

G_BEGIN_DECLS

#define GST_TYPE_MIKEY_BASE (gst_mikey_base_get_type ())
#define GST_MIKEY_BASE(obj) (G_TYPE_CHECK_INSTANCE_CAST ((obj), \
    GST_TYPE_MIKEY_BASE, GstMikeyBase))
#define GST_MIKEY_BASE_CAST(obj) ((GstMikeyBase *) (obj))
#define GST_MIKEY_BASE_CLASS(klass) (G_TYPE_CHECK_CLASS_CAST ((klass), \
    GST_TYPE_MIKEY_BASE, GstMikeyBaseClass))
#define GST_MIKEY_BASE_GET_CLASS(obj) (G_TYPE_INSTANCE_GET_CLASS ((obj), \
    GST_TYPE_MIKEY_BASE, GstMikeyBaseClass))
#define GST_IS_MIKEY_BASE(obj) (G_TYPE_CHECK_INSTANCE_TYPE ((obj), \
    GST_TYPE_MIKEY_BASE))

/* The element lock and its condition (signalled when keys arrive, on
 * flushing and when max-held-buffers changes) */
#define GST_MIKEY_BASE_LOCK(obj) \
    g_mutex_lock (&GST_MIKEY_BASE_CAST (obj)->lock)
#define GST_MIKEY_BASE_UNLOCK(obj) \
    g_mutex_unlock (&GST_MIKEY_BASE_CAST (obj)->lock)
#define GST_MIKEY_BASE_WAIT(obj) \
    g_cond_wait (&GST_MIKEY_BASE_CAST (obj)->cond, \
        &GST_MIKEY_BASE_CAST (obj)->lock)
#define GST_MIKEY_BASE_BROADCAST(obj) \
    g_cond_broadcast (&GST_MIKEY_BASE_CAST (obj)->cond)

/* Subclasses number their properties from here on */
#define GST_MIKEY_BASE_N_PROPS (2 + GST_MIKEY_N_PROPS)

typedef struct _GstMikeyBase GstMikeyBase;
typedef struct _GstMikeyBaseClass GstMikeyBaseClass;

struct _GstMikeyBase
{
  GstElement parent;

  /*< protected >*/
  GstPad *sinkpad;
  GstPad *srcpad;

  /* guards what follows and the subclass's state */
  GMutex lock;
  GCond cond;

  /* properties */
  GstMikeySettings settings;
  guint max_held;

  /* from NULL to READY on; closed (without the lock) before stop */
  MikeyUdpThread *transport;

  /* keys */
  guint session;                /* bumped when the keys are forgotten */
  GArray *params;               /* MikeySrtpParams, wiped on clear */
  GstCaps *srtp_caps;           /* the srtp-caps property */

  /* streaming */
  gint passthrough;             /* atomic: keys in place, none held */
  gint filtering;               /* atomic: filter_buffer sees every buffer */
  gboolean flushing;
  GstMikeyHeld held;
  GPtrArray *key_buffers;       /* given to the SRTP element: wiped on stop */
};

struct _GstMikeyBaseClass
{
  GstElementClass parent_class;

  /*< private >*/
  guint key_established_signal;

  /*< protected >*/
  /* NULL to READY, without the lock. FALSE after posting an error (stop
   * then runs). */
  gboolean (*start) (GstMikeyBase * base);
  /* READY to NULL (or a failed start, or finalize): the transport is
   * closed. Lock held; the key buffers are wiped afterwards. */
  void (*stop) (GstMikeyBase * base);
  /* PAUSED to READY, lock held: streaming stopped and the SRTP element
   * downstream (in READY already) forgot its keys. The held items are
   * dropped before, the key buffers wiped afterwards. */
  void (*reset) (GstMikeyBase * base);

  /* A buffer arriving while not passing through and not flushing, lock
   * held. Returns FALSE when done, with *@ret set and the lock released;
   * TRUE (lock still held, @buf still ours) to be called again unless
   * flushing. */
  gboolean (*handle_buffer) (GstMikeyBase * base, GstBuffer * buf,
      GstFlowReturn * ret);
  /* While filtering is set (MIKEY on the media path): every buffer first,
   * without the lock, also when passing through. TRUE when it took @buf
   * (it was MIKEY, or neither MIKEY nor RTP), FALSE to let it go on. */
  gboolean (*filter_buffer) (GstMikeyBase * base, GstBuffer * buf);
  /* Sink events other than flush-start and flush-stop. The default holds
   * serialized events behind held buffers and forwards the others. */
  gboolean (*sink_event) (GstMikeyBase * base, GstEvent * event);

  /* Releasing the held items (gst_mikey_base_release_held()). pending_keys,
   * lock held: the keys the SRTP element has not been given yet (given
   * to give_keys), or NULL; @last is the item released after the held
   * ones. give_keys, without the lock: FALSE when they were refused (the
   * items are then dropped). keys_in_place, lock held: whether packets
   * may pass through without the lock (none being held). */
  gpointer (*pending_keys) (GstMikeyBase * base, GstMiniObject * last);
  gboolean (*give_keys) (GstMikeyBase * base, gpointer keys, guint session);
  gboolean (*keys_in_place) (GstMikeyBase * base);
};

GType gst_mikey_base_get_type (void);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstMikeyBase, gst_object_unref);

/* Adds the "sink" and "src" pad templates (always, @caps) to a subclass */
void gst_mikey_base_class_add_pad_templates (GstMikeyBaseClass * klass,
    const gchar * caps);

/* Registers a subclass's "key-established" signal (one GstCaps argument:
 * the SRTP parameters), emitted with gst_mikey_base_emit_key_established() */
void gst_mikey_base_class_add_key_established_signal
    (GstMikeyBaseClass * klass);
void gst_mikey_base_emit_key_established (GstMikeyBase * base, GstCaps * caps);

/* Installs max-held-buffers (with @max_held_blurb) and the properties of
 * GstMikeySettings on a subclass; @receiver as for
 * gst_mikey_settings_install_properties(). */
void gst_mikey_base_class_install_properties (GstMikeyBaseClass * klass,
    gboolean receiver, const gchar * max_held_blurb);

/* Lock held on entry, released on return. Gives the SRTP element the keys
 * if it needs them, pushes the held items and then @last (a buffer or an
 * event, may be NULL), and passes through from then on if it can. */
GstFlowReturn gst_mikey_base_release_held (GstMikeyBase * base,
    GstMiniObject * last);

/* Forgets the keys (params, srtp-caps; their buffers go to key_buffers)
 * and stops passing through. Lock held. */
void gst_mikey_base_forget_keys (GstMikeyBase * base);

/* Posts @err (settings refused when starting: its GStreamer domain and
 * code, its message as the text) as an element error and frees it. */
void gst_mikey_base_post_settings_error (GstMikeyBase * base, GError * err);

/* Closes the transport and calls stop. Subclasses call it first in their
 * finalize. */
void gst_mikey_base_stop (GstMikeyBase * base);

G_END_DECLS
