/* GStreamer MIKEY plugin: GstMikeyBase, the base class of mikeyenc and
 * mikeydec (see gstmikeybase.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmikeybase.h"
#include "gstmikeyerrors.h"

GST_DEBUG_CATEGORY_STATIC (gst_mikey_base_debug);
#define GST_CAT_DEFAULT gst_mikey_base_debug

enum
{
  PROP_0,
  PROP_MAX_HELD_BUFFERS,
  PROP_SHARED_FIRST,            /* mode, psk, psk-file, suite, ... */
};

G_STATIC_ASSERT (PROP_SHARED_FIRST + GST_MIKEY_N_PROPS ==
    GST_MIKEY_BASE_N_PROPS);

static GstElementClass *parent_class = NULL;

static void gst_mikey_base_class_init (GstMikeyBaseClass * klass);
static void gst_mikey_base_init (GstMikeyBase * base,
    GstMikeyBaseClass * klass);

/* Registered by hand (not G_DEFINE_ABSTRACT_TYPE) so that the instance
 * init sees the subclass and its pad templates. */
GType
gst_mikey_base_get_type (void)
{
  static gsize type = 0;

  if (g_once_init_enter (&type)) {
    static const GTypeInfo info = {
      sizeof (GstMikeyBaseClass),
      NULL,
      NULL,
      (GClassInitFunc) (void (*)(void)) gst_mikey_base_class_init,
      NULL,
      NULL,
      sizeof (GstMikeyBase),
      0,
      (GInstanceInitFunc) (void (*)(void)) gst_mikey_base_init,
    };
    GType t = g_type_register_static (GST_TYPE_ELEMENT, "GstMikeyBase",
        &info, G_TYPE_FLAG_ABSTRACT);

    g_once_init_leave (&type, t);
  }
  return type;
}

static void gst_mikey_base_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_mikey_base_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_mikey_base_finalize (GObject * object);
static GstStateChangeReturn gst_mikey_base_change_state (GstElement * element,
    GstStateChange transition);
static GstFlowReturn gst_mikey_base_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buf);
static GstFlowReturn gst_mikey_base_chain_list (GstPad * pad,
    GstObject * parent, GstBufferList * list);
static gboolean gst_mikey_base_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event);
static gboolean gst_mikey_base_default_sink_event (GstMikeyBase * base,
    GstEvent * event);

static void
gst_mikey_base_class_init (GstMikeyBaseClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  parent_class = g_type_class_peek_parent (klass);

  gobject_class->set_property = gst_mikey_base_set_property;
  gobject_class->get_property = gst_mikey_base_get_property;
  gobject_class->finalize = gst_mikey_base_finalize;

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_mikey_base_change_state);

  klass->sink_event = gst_mikey_base_default_sink_event;

  gst_type_mark_as_plugin_api (GST_TYPE_MIKEY_BASE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MIKEY_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MIKEY_DH_GROUP, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MIKEY_SIGN, 0);
  GST_DEBUG_CATEGORY_INIT (gst_mikey_base_debug, "mikeybase", 0,
      "MIKEY element base class");
}

void
gst_mikey_base_class_install_properties (GstMikeyBaseClass * klass,
    gboolean receiver, const gchar * max_held_blurb)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  g_object_class_install_property (gobject_class, PROP_MAX_HELD_BUFFERS,
      g_param_spec_uint ("max-held-buffers", "Maximum held buffers",
          max_held_blurb, 0, G_MAXINT, GST_MIKEY_DEFAULT_MAX_HELD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  gst_mikey_settings_install_properties (gobject_class, PROP_SHARED_FIRST,
      GST_MIKEY_MODE_PSK, receiver);
}

void
gst_mikey_base_class_add_pad_templates (GstMikeyBaseClass * klass,
    const gchar * caps)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstCaps *templ_caps = gst_caps_from_string (caps);

  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, templ_caps));
  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new ("src", GST_PAD_SRC, GST_PAD_ALWAYS, templ_caps));
  gst_caps_unref (templ_caps);
}

void
gst_mikey_base_class_add_key_established_signal (GstMikeyBaseClass * klass)
{
  klass->key_established_signal =
      g_signal_new ("key-established", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, GST_TYPE_CAPS);
}

void
gst_mikey_base_emit_key_established (GstMikeyBase * base, GstCaps * caps)
{
  g_signal_emit (base,
      GST_MIKEY_BASE_GET_CLASS (base)->key_established_signal, 0, caps);
}

static void
gst_mikey_base_init (GstMikeyBase * base, GstMikeyBaseClass * klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  base->sinkpad = gst_pad_new_from_template
      (gst_element_class_get_pad_template (element_class, "sink"), "sink");
  gst_pad_set_chain_function (base->sinkpad,
      GST_DEBUG_FUNCPTR (gst_mikey_base_chain));
  gst_pad_set_chain_list_function (base->sinkpad,
      GST_DEBUG_FUNCPTR (gst_mikey_base_chain_list));
  gst_pad_set_event_function (base->sinkpad,
      GST_DEBUG_FUNCPTR (gst_mikey_base_sink_event));
  GST_PAD_SET_PROXY_CAPS (base->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (base->sinkpad);
  gst_element_add_pad (GST_ELEMENT (base), base->sinkpad);

  base->srcpad = gst_pad_new_from_template
      (gst_element_class_get_pad_template (element_class, "src"), "src");
  GST_PAD_SET_PROXY_CAPS (base->srcpad);
  GST_PAD_SET_PROXY_SCHEDULING (base->srcpad);
  gst_element_add_pad (GST_ELEMENT (base), base->srcpad);

  g_mutex_init (&base->lock);
  g_cond_init (&base->cond);
  gst_mikey_settings_init (&base->settings, GST_MIKEY_MODE_PSK);
  base->max_held = GST_MIKEY_DEFAULT_MAX_HELD;
  gst_mikey_held_init (&base->held);
  base->key_buffers =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
}

/* ------------------------------------------------------------------------
 * Keys
 * ---------------------------------------------------------------------- */

void
gst_mikey_base_post_settings_error (GstMikeyBase * base, GError * err)
{
  /* GST_*_ERROR from the settings as they are, MIKEY_ERROR by the table */
  gst_mikey_error_post (GST_ELEMENT (base), err, NULL, NULL);
  g_error_free (err);
}

void
gst_mikey_base_forget_keys (GstMikeyBase * base)
{
  g_atomic_int_set (&base->passthrough, 0);
  base->session++;
  g_clear_pointer (&base->params, g_array_unref);
  if (base->srtp_caps != NULL) {
    gst_mikey_collect_key_buffers (gst_caps_get_structure (base->srtp_caps,
            0), base->key_buffers);
    gst_clear_caps (&base->srtp_caps);
  }
}

GstFlowReturn
gst_mikey_base_release_held (GstMikeyBase * base, GstMiniObject * last)
{
  GstMikeyBaseClass *klass = GST_MIKEY_BASE_GET_CLASS (base);
  GQueue items = G_QUEUE_INIT;
  GstFlowReturn ret = GST_FLOW_OK;
  guint session = base->session;
  GstMiniObject *obj;
  gpointer keys;

  keys = klass->pending_keys (base, last);
  gst_mikey_held_take (&base->held, &items);
  g_mutex_unlock (&base->lock);

  if (keys != NULL && !klass->give_keys (base, keys, session)) {
    gst_mikey_held_queue_clear (&items);
    if (last != NULL)
      gst_mini_object_unref (last);
    return GST_FLOW_NOT_NEGOTIATED;
  }

  if (items.length > 0)
    GST_DEBUG_OBJECT (base, "releasing %u held items", items.length);

  if (last != NULL)
    g_queue_push_tail (&items, last);

  while ((obj = g_queue_pop_head (&items)) != NULL) {
    if (GST_IS_BUFFER (obj)) {
      ret = gst_pad_push (base->srcpad, GST_BUFFER_CAST (obj));
      if (ret != GST_FLOW_OK) {
        GST_DEBUG_OBJECT (base, "push returned %s, dropping %u held items",
            gst_flow_get_name (ret), items.length);
        break;
      }
    } else {
      gst_pad_push_event (base->srcpad, GST_EVENT_CAST (obj));
    }
  }
  gst_mikey_held_queue_clear (&items);

  /* from now on the chain function needs no lock, until the keys change */
  g_mutex_lock (&base->lock);
  if (session == base->session && klass->keys_in_place (base) &&
      gst_mikey_held_is_empty (&base->held))
    g_atomic_int_set (&base->passthrough, 1);
  g_mutex_unlock (&base->lock);
  return ret;
}

/* ------------------------------------------------------------------------
 * Streaming
 * ---------------------------------------------------------------------- */

static GstFlowReturn
gst_mikey_base_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstMikeyBase *base = GST_MIKEY_BASE_CAST (parent);
  GstMikeyBaseClass *klass = GST_MIKEY_BASE_GET_CLASS (base);
  GstFlowReturn ret = GST_FLOW_OK;

  if (G_UNLIKELY (g_atomic_int_get (&base->filtering)) &&
      klass->filter_buffer != NULL && klass->filter_buffer (base, buf))
    return GST_FLOW_OK;

  /* keyed: packets pass untouched, without taking the lock */
  if (G_LIKELY (g_atomic_int_get (&base->passthrough)))
    return gst_pad_push (base->srcpad, buf);

  g_mutex_lock (&base->lock);
  do {
    if (base->flushing) {
      g_mutex_unlock (&base->lock);
      gst_buffer_unref (buf);
      return GST_FLOW_FLUSHING;
    }
  } while (klass->handle_buffer (base, buf, &ret));
  return ret;
}

static GstFlowReturn
gst_mikey_base_chain_list (GstPad * pad, GstObject * parent,
    GstBufferList * list)
{
  GstMikeyBase *base = GST_MIKEY_BASE_CAST (parent);
  GstFlowReturn ret = GST_FLOW_OK;
  guint i, n;

  if (G_LIKELY (g_atomic_int_get (&base->passthrough)) &&
      !g_atomic_int_get (&base->filtering))
    return gst_pad_push_list (base->srcpad, list);

  n = gst_buffer_list_length (list);
  for (i = 0; i < n && ret == GST_FLOW_OK; i++)
    ret = gst_mikey_base_chain (pad, parent,
        gst_buffer_ref (gst_buffer_list_get (list, i)));
  gst_buffer_list_unref (list);
  return ret;
}

static void
set_flushing (GstMikeyBase * base, gboolean flushing)
{
  g_mutex_lock (&base->lock);
  base->flushing = flushing;
  /* a streaming thread waiting for the keys gives up */
  g_cond_broadcast (&base->cond);
  g_mutex_unlock (&base->lock);
}

static gboolean
gst_mikey_base_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstMikeyBase *base = GST_MIKEY_BASE_CAST (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      set_flushing (base, TRUE);
      return gst_pad_push_event (base->srcpad, event);
    case GST_EVENT_FLUSH_STOP:
      g_mutex_lock (&base->lock);
      base->flushing = FALSE;
      gst_mikey_held_clear (&base->held);
      g_mutex_unlock (&base->lock);
      return gst_pad_push_event (base->srcpad, event);
    default:
      return GST_MIKEY_BASE_GET_CLASS (base)->sink_event (base, event);
  }
}

static gboolean
gst_mikey_base_default_sink_event (GstMikeyBase * base, GstEvent * event)
{
  if (GST_EVENT_IS_SERIALIZED (event)) {
    g_mutex_lock (&base->lock);
    if (!gst_mikey_held_is_empty (&base->held)) {
      /* it keeps its place among the held buffers */
      gst_mikey_held_push (&base->held, GST_MINI_OBJECT_CAST (event));
      g_mutex_unlock (&base->lock);
      return TRUE;
    }
    g_mutex_unlock (&base->lock);
  }
  return gst_pad_event_default (base->sinkpad, GST_OBJECT_CAST (base), event);
}

/* ------------------------------------------------------------------------
 * State changes
 * ---------------------------------------------------------------------- */

void
gst_mikey_base_stop (GstMikeyBase * base)
{
  MikeyUdpThread *transport;

  g_mutex_lock (&base->lock);
  transport = base->transport;
  base->transport = NULL;
  g_mutex_unlock (&base->lock);

  /* joins the network thread, which may be waiting for our lock */
  mikey_udp_thread_free (transport);

  g_mutex_lock (&base->lock);
  GST_MIKEY_BASE_GET_CLASS (base)->stop (base);
  gst_mikey_wipe_buffers (base->key_buffers);
  g_mutex_unlock (&base->lock);
}

static GstStateChangeReturn
gst_mikey_base_change_state (GstElement * element, GstStateChange transition)
{
  GstMikeyBase *base = GST_MIKEY_BASE (element);
  GstMikeyBaseClass *klass = GST_MIKEY_BASE_GET_CLASS (base);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!klass->start (base)) {
        gst_mikey_base_stop (base);
        return GST_STATE_CHANGE_FAILURE;
      }
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      set_flushing (base, FALSE);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      set_flushing (base, TRUE);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      g_mutex_lock (&base->lock);
      gst_mikey_held_clear (&base->held);
      klass->reset (base);
      /* the SRTP element (downstream) is in READY already: its session is
       * gone */
      gst_mikey_wipe_buffers (base->key_buffers);
      g_mutex_unlock (&base->lock);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      gst_mikey_base_stop (base);
      break;
    default:
      break;
  }
  return ret;
}

/* ------------------------------------------------------------------------
 * Properties
 * ---------------------------------------------------------------------- */

static void
gst_mikey_base_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstMikeyBase *base = GST_MIKEY_BASE (object);

  g_mutex_lock (&base->lock);
  if (prop_id == PROP_MAX_HELD_BUFFERS) {
    base->max_held = g_value_get_uint (value);
    g_cond_broadcast (&base->cond);
  } else if (!gst_mikey_settings_set_property (&base->settings,
          PROP_SHARED_FIRST, prop_id, value)) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  g_mutex_unlock (&base->lock);
}

static void
gst_mikey_base_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstMikeyBase *base = GST_MIKEY_BASE (object);

  g_mutex_lock (&base->lock);
  if (prop_id == PROP_MAX_HELD_BUFFERS) {
    g_value_set_uint (value, base->max_held);
  } else if (!gst_mikey_settings_get_property (&base->settings,
          PROP_SHARED_FIRST, prop_id, value)) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  g_mutex_unlock (&base->lock);
}

static void
gst_mikey_base_finalize (GObject * object)
{
  GstMikeyBase *base = GST_MIKEY_BASE (object);

  gst_mikey_held_clear (&base->held);
  g_clear_pointer (&base->params, g_array_unref);
  gst_clear_caps (&base->srtp_caps);
  gst_mikey_wipe_buffers (base->key_buffers);
  g_ptr_array_unref (base->key_buffers);
  gst_mikey_settings_clear (&base->settings);
  g_mutex_clear (&base->lock);
  g_cond_clear (&base->cond);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}
