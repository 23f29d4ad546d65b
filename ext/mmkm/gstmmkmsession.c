/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gstmmkmsession.h
 *
 * Threads: the MMKM client and its GIO driver live in this element's own
 * thread and GMainContext (libsoup binds its session to the context that
 * made it), so a pipeline's streaming threads never wait for the network.
 * What crosses threads: keys go into the re-keying glue (its calls take
 * their own lock, from any thread), an unknown MKI comes in from the
 * streaming thread as an idle source on the context, bus messages are posted
 * from whichever thread saw the event (gst_element_post_message is
 * thread-safe), and the start and stop handshakes use the element's
 * lock and cond. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmmkmsession.h"
#include "gstmmkmmessages.h"
#include "gstmmkmqueue.h"

#include <string.h>
#include <glib/gstdio.h>
#include <openssl/crypto.h>

#include "mikey-suite.h"

GST_DEBUG_CATEGORY_EXTERN (gst_mmkm_registry_debug);
#define GST_CAT_DEFAULT gst_mmkm_registry_debug

/* MMKM TEK messages carry a 4-byte MKI (docs/mmkm-protocol.md) */
#define MMKM_MKI_LEN 4
/* keys the glue holds: the client holds at most 4 TEKs, and the receiver
 * keeps those of late packets for one more TEK */
#define RING_CAPACITY 16
/* how long BYE may take at stop */
#define LEAVE_WAIT_MS 5000
/* a failed events poll is made again after this */
#define REPOLL_MS 1000

static gint64
wall_clock (gpointer data)
{
  return g_get_real_time ();
}

/* Runs @func in the network thread. Never in the caller's (which
 * g_main_context_invoke would do on a context no loop runs any more):
 * once the thread has ended, @func is dropped with the context. */
static void
run_in_thread (GstMmkmRegistry * self, GSourceFunc func, gpointer data,
    GDestroyNotify notify)
{
  GSource *src = g_idle_source_new ();

  g_source_set_priority (src, G_PRIORITY_DEFAULT);
  g_source_set_callback (src, func, data, notify);
  g_source_attach (src, self->context);
  g_source_unref (src);
}

/* ---- the start handshake ------------------------------------------------- */

static void
start_done (GstMmkmRegistry * self)
{
  g_mutex_lock (&self->lock);
  self->started = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* An error of the client: during the start it fails the start (the
 * state change posts it); later a fatal one is posted at once and the
 * rest are only logged (the client retries them by itself). */
static void
report_error (GstMmkmRegistry * self, MmkmClientError code,
    const gchar * message, gboolean fatal)
{
  gboolean started;

  g_mutex_lock (&self->lock);
  started = self->started;
  if (!started && (fatal || code == MMKM_CLIENT_ERROR_UNREACHABLE
          || code == MMKM_CLIENT_ERROR_SERVER_CERT)) {
    if (!self->failed) {
      self->failed = TRUE;
      self->fail_code = code;
      g_free (self->fail_message);
      self->fail_message = g_strdup (message);
    }
    g_cond_broadcast (&self->cond);
  }
  g_mutex_unlock (&self->lock);
  if (!started) {
    GST_INFO_OBJECT (self, "at start: %s: %s", mmkm_client_error_name (code),
        message);
    return;
  }
  if (fatal && !self->leaving)
    gst_mmkm_post_client_error (self, code, message);
  else
    GST_WARNING_OBJECT (self, "%s: %s", mmkm_client_error_name (code), message);
}

/* ---- the re-keying glue -------------------------------------------------- */

static void
on_unknown_mki (GstSrtpRekeyReceiver * r, guint32 ssrc, const guint8 * mki,
    gsize mki_len, gboolean is_rtcp, gpointer data)
{
  GstMmkmRegistry *self = data;

  if (mki_len == MMKM_MKI_LEN)
    gst_mmkm_session_saw_mki (self, GST_READ_UINT32_BE (mki));
}

static void
note_switch (GstMmkmRegistry * self, guint32 mki)
{
  GST_OBJECT_LOCK (self);
  self->switches++;
  self->current_mki = mki;
  if (self->first_key_us == 0)
    self->first_key_us = g_get_real_time ();
  GST_OBJECT_UNLOCK (self);
}

static void
on_receiver_switched (GstSrtpRekeyReceiver * r, guint32 ssrc,
    const guint8 * mki, gsize mki_len, guint32 roc, guint64 switch_ns,
    gpointer data)
{
  GstMmkmRegistry *self = data;
  guint32 m = mki_len == MMKM_MKI_LEN ? GST_READ_UINT32_BE (mki) : 0;

  note_switch (self, m);
  gst_mmkm_post (self, "mmkm-rekey", "event", G_TYPE_STRING, "activated",
      "mki", G_TYPE_UINT, m, "ssrc", G_TYPE_UINT, ssrc, "roc", G_TYPE_UINT,
      roc, "switch-ns", G_TYPE_UINT64, switch_ns, "time", G_TYPE_INT64,
      g_get_real_time (), NULL);
}

static void
on_sender_switched (GstSrtpRekeySender * s, const guint8 * mki, gsize mki_len,
    gint64 activation_us, gint64 now_us, guint64 switch_ns, gpointer data)
{
  GstMmkmRegistry *self = data;
  guint32 m = mki_len == MMKM_MKI_LEN ? GST_READ_UINT32_BE (mki) : 0;

  note_switch (self, m);
  gst_mmkm_post (self, "mmkm-rekey", "event", G_TYPE_STRING, "activated",
      "mki", G_TYPE_UINT, m, "activation", G_TYPE_INT64, activation_us,
      "switch-ns", G_TYPE_UINT64, switch_ns, "time", G_TYPE_INT64, now_us,
      NULL);
}

/* At the first login: the group's suite gives the policy of both glues */
static gboolean
make_glue (GstMmkmRegistry * self, const MmkmApiLoginResponse * l)
{
  const MikeySuiteInfo *si = mikey_suite_lookup (l->suite);
  SrtpRekeyPolicy p;

  if (self->sender || self->receiver) {
    if (g_strcmp0 (self->suite, l->suite) != 0)
      GST_WARNING_OBJECT (self, "the group's suite changed from %s to %s: "
          "keeping %s until the element restarts", self->suite, l->suite,
          self->suite);
    return TRUE;
  }
  if (si == NULL || si->cipher == NULL || si->auth == NULL ||
      !srtp_rekey_policy_from_nicks (&p, si->cipher, si->auth, si->cipher,
          si->auth, MMKM_MKI_LEN)) {
    report_error (self, MMKM_CLIENT_ERROR_PROTOCOL, "the group's SRTP suite "
        "is not one srtpenc/srtpdec can run", TRUE);
    return FALSE;
  }
  g_free (self->suite);
  self->suite = g_strdup (l->suite);
  if (self->role == GST_MMKM_ROLE_SENDER) {
    GstSrtpRekeySender *s = gst_srtp_rekey_sender_new (self->srtp, &p,
        RING_CAPACITY, wall_clock, NULL);

    gst_srtp_rekey_sender_set_switch_callback (s, on_sender_switched, self,
        NULL);
    self->sender = s;
  } else {
    GstSrtpRekeyReceiver *r = gst_srtp_rekey_receiver_new (self->srtp, &p,
        RING_CAPACITY);
    GstSrtpRekeyReceiverCallbacks cb = { on_unknown_mki,
      on_receiver_switched
    };

    gst_srtp_rekey_receiver_set_callbacks (r, &cb, self, NULL);
    /* probe mode: the engine sees srtpdec's SRTP and SRTCP sink pads both,
     * whatever feeds the SRTCP one */
    if (!gst_srtp_rekey_receiver_attach (r, TRUE))
      GST_WARNING_OBJECT (self, "srtpdec lacks a pad the re-keying expects");
    self->receiver = r;
  }
  return TRUE;
}

static void
take_tek (GstMmkmRegistry * self, const MmkmClientEvent * ev)
{
  MikeySrtpParams p;
  guint8 ks[MIKEY_MAX_MASTER_KEY + MIKEY_MAX_MASTER_SALT];
  gsize n;
  SrtpRekeyRingResult res = SRTP_REKEY_RING_OK;

  if (!mmkm_client_get_tek (self->client, ev->mki, &p))
    return;
  n = mikey_srtp_params_key_salt (&p, ks);
  if (self->sender) {
    res = gst_srtp_rekey_sender_schedule (self->sender, p.mki, p.mki_len, ks,
        n, ev->activation);
    if (res == SRTP_REKEY_RING_OK)
      g_array_append_val (self->scheduled, ev->mki);
  } else if (self->receiver) {
    gst_srtp_rekey_receiver_prune (self->receiver, g_get_real_time ());
    res = gst_srtp_rekey_receiver_add_key (self->receiver, p.mki, p.mki_len,
        ks, n, ev->activation, p.has_ssrc, p.roc);
  }
  OPENSSL_cleanse (ks, sizeof ks);
  mikey_srtp_params_clear (&p);
  if (res != SRTP_REKEY_RING_OK)
    GST_WARNING_OBJECT (self, "TEK %08x not usable: %s", ev->mki,
        srtp_rekey_ring_result_to_string (res));
  gst_mmkm_post (self, "mmkm-rekey", "event", G_TYPE_STRING, "fetched",
      "mki", G_TYPE_UINT, ev->mki, "activation", G_TYPE_INT64, ev->activation,
      "expiry", G_TYPE_INT64, ev->expiry, NULL);
}

/* After a fetch: a TEK scheduled on the sender that the server no longer
 * lists was replaced by a forced re-key (a member left and may hold it):
 * it must never go on the air. */
static void
drop_dead_teks (GstMmkmRegistry * self)
{
  guint32 held[MMKM_CLIENT_TEKS_MAX];
  guint n, i, j;
  guint8 mki[MMKM_MKI_LEN];

  if (!self->sender)
    return;
  n = mmkm_client_get_mkis (self->client, held, g_get_real_time (), NULL);
  for (i = 0; i < self->scheduled->len;) {
    guint32 m = g_array_index (self->scheduled, guint32, i);

    for (j = 0; j < n && held[j] != m; j++);
    if (j < n) {
      i++;
      continue;
    }
    GST_WRITE_UINT32_BE (mki, m);
    if (gst_srtp_rekey_sender_unschedule (self->sender, mki, sizeof mki))
      GST_INFO_OBJECT (self, "TEK %08x withdrawn by the server", m);
    g_array_remove_index_fast (self->scheduled, i);
  }
}

/* ---- the events long poll ------------------------------------------------ */

static void
poll_events (GstMmkmRegistry * self)
{
  if (self->poll_op || self->leaving || !self->client
      || mmkm_client_get_state (self->client) != MMKM_CLIENT_JOINED)
    return;
  self->poll_op = mmkm_client_poll_events (self->client, 0);
}

static gboolean
repoll_cb (gpointer data)
{
  GstMmkmRegistry *self = data;

  g_clear_pointer (&self->repoll, g_source_unref);
  poll_events (self);
  mmkm_client_driver_update (self->driver, self->client);
  return G_SOURCE_REMOVE;
}

static void
repoll_later (GstMmkmRegistry * self)
{
  if (self->repoll || self->leaving)
    return;
  self->repoll = g_timeout_source_new (REPOLL_MS);
  g_source_set_callback (self->repoll, repoll_cb, self, NULL);
  g_source_attach (self->repoll, self->context);
}

static void
group_events (GstMmkmRegistry * self, const MmkmApiEvents * v)
{
  guint i;

  for (i = 0; i < v->n_events; i++) {
    const MmkmApiEvent *e = &v->events[i];

    gst_mmkm_queue_group_event (self, e);
    if (e->type == MMKM_API_EVENT_JOINED || e->type == MMKM_API_EVENT_LEFT)
      gst_mmkm_post (self, "mmkm-member", "event", G_TYPE_STRING,
          e->type == MMKM_API_EVENT_JOINED ? "joined" : "left", "user",
          G_TYPE_STRING, e->user ? e->user : "", "reason", G_TYPE_STRING,
          e->reason ? e->reason : "", "time", G_TYPE_INT64, e->time, NULL);
  }
  /* events were lost (a server restart, or we fell behind): a TEK among
   * them would go unnoticed until the next scheduled fetch */
  if (v->gap)
    mmkm_client_fetch (self->client, g_get_real_time ());
}

/* ---- client events ------------------------------------------------------- */

static void
quit_loop (GstMmkmRegistry * self)
{
  if (self->leave_timeout) {
    g_source_destroy (self->leave_timeout);
    g_clear_pointer (&self->leave_timeout, g_source_unref);
  }
  g_main_loop_quit (self->loop);
}

static void
joined (GstMmkmRegistry * self)
{
  const MmkmApiLoginResponse *l = mmkm_client_get_login (self->client);
  gboolean sender_ok = l->role == MMKM_API_ROLE_SENDER;
  g_autofree gchar *sid = NULL;
  gboolean first;
  gint64 now = g_get_real_time ();

  if (self->role == GST_MMKM_ROLE_SENDER && !sender_ok) {
    gchar *msg = g_strdup_printf ("user \"%s\" has the %s role, not the "
        "sender role: use role=receiver, or have the administrator give "
        "the user the sender role (mmkm-admin users add NAME --role sender).",
        mmkm_client_get_user (self->client),
        l->role == MMKM_API_ROLE_ADMIN ? "admin" : "listener");

    report_error (self, MMKM_CLIENT_ERROR_FORBIDDEN, msg, TRUE);
    g_free (msg);
    return;
  }
  if (!make_glue (self, l))
    return;
  sid = mikey_hex_encode (l->session_id, MMKM_SESSION_ID_LEN);
  GST_OBJECT_LOCK (self);
  self->heartbeat_interval_ms = l->heartbeat_interval_ms;
  first = self->joined_us == 0;
  if (first)
    self->joined_us = now;
  GST_OBJECT_UNLOCK (self);
  gst_mmkm_post (self, "mmkm-joined", "user", G_TYPE_STRING,
      mmkm_client_get_user (self->client), "group", G_TYPE_STRING,
      l->group_name, "role", G_TYPE_STRING,
      self->role == GST_MMKM_ROLE_SENDER ? "sender" : "receiver",
      "session", G_TYPE_STRING, sid, "suite", G_TYPE_STRING, l->suite,
      "heartbeat-interval-ms", G_TYPE_UINT, l->heartbeat_interval_ms,
      "rejoin", G_TYPE_BOOLEAN, !first, "join-us", G_TYPE_INT64,
      first ? now - self->start_us : (gint64) 0, NULL);
  poll_events (self);
  gst_mmkm_queue_joined (self);
}

static void
on_event (MmkmClientDriver * d, MmkmClient * c, const MmkmClientEvent * ev,
    gpointer data)
{
  GstMmkmRegistry *self = data;

  GST_DEBUG_OBJECT (self, "client event %s", mmkm_client_event_name (ev->type));
  if (gst_mmkm_queue_client_event (self, ev))
    return;
  switch (ev->type) {
    case MMKM_CLIENT_EVENT_REGISTERED:{
      GError *e = NULL;

      self->register_first = FALSE;
      if (!mmkm_client_join (c, g_get_real_time (), &e)) {
        report_error (self, e->code, e->message, TRUE);
        g_error_free (e);
      }
      return;
    }
    case MMKM_CLIENT_EVENT_JOINED:
      joined (self);
      return;
    case MMKM_CLIENT_EVENT_TEK:
      take_tek (self, ev);
      return;
    case MMKM_CLIENT_EVENT_REKEY:
      drop_dead_teks (self);
      GST_DEBUG_OBJECT (self, "next fetch %" G_GINT64_FORMAT ", next "
          "activation %" G_GINT64_FORMAT, ev->next_fetch, ev->activation);
      if (!self->started && (self->sender || self->receiver))
        start_done (self);
      return;
    case MMKM_CLIENT_EVENT_HEARTBEAT:
      gst_mmkm_post (self, "mmkm-heartbeat", "seq", G_TYPE_UINT64, ev->seq,
          "rtt-us", G_TYPE_INT64, ev->rtt, "misses", G_TYPE_UINT, ev->misses,
          "mki", G_TYPE_UINT, ev->mki, NULL);
      return;
    case MMKM_CLIENT_EVENT_SERVER_LOST:
      gst_mmkm_post (self, "mmkm-server-lost", "misses", G_TYPE_UINT,
          ev->misses, NULL);
      return;
    case MMKM_CLIENT_EVENT_SERVER_RESTORED:
      gst_mmkm_post (self, "mmkm-server-restored", "misses", G_TYPE_UINT,
          ev->misses, NULL);
      return;
    case MMKM_CLIENT_EVENT_LEFT:
      gst_mmkm_post (self, "mmkm-left", "user", G_TYPE_STRING,
          mmkm_client_get_user (c), NULL);
      if (self->leaving)
        quit_loop (self);
      return;
    case MMKM_CLIENT_EVENT_GROUP_EVENTS:
      if (ev->op_id == self->poll_op) {
        self->poll_op = 0;
        group_events (self, ev->events);
        poll_events (self);
      }
      return;
    case MMKM_CLIENT_EVENT_ERROR:
      if (ev->op_id && ev->op_id == self->poll_op) {
        /* a poll that failed (the session ended, the server went away):
         * made again once the client has logged in again */
        self->poll_op = 0;
        if (!self->leaving)
          repoll_later (self);
        return;
      }
      if (self->register_first && ev->fatal) {
        /* never registered: the next start must register it again */
        g_autofree gchar *key = g_build_filename (self->state_dir,
            "device.key", NULL);
        g_autofree gchar *crt = g_build_filename (self->state_dir,
            "device.crt", NULL);

        g_unlink (crt);
        g_unlink (key);
      }
      report_error (self, ev->code, ev->message, ev->fatal);
      return;
    default:
      return;
  }
}

/* ---- the thread ---------------------------------------------------------- */

static gboolean
setup (GstMmkmRegistry * self)
{
  MmkmClientDriverConfig dc = { 0 };
  MmkmClientConfig cc = { 0 };
  GError *e = NULL;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  dc.server_url = self->server;
  dc.fingerprint = self->fingerprint;
  dc.ca_file = self->fingerprint ? NULL : self->ca_file;
  dc.context = self->context;
  dc.max_connections = 4;
  cc.user = self->user;
  cc.group = self->group;
  cc.device = self->device;
  self->driver = mmkm_client_driver_new (&dc, on_event, self, &e);
  self->client = self->driver ? mmkm_client_new (&cc, &e) : NULL;
  GST_OBJECT_UNLOCK (self);

  ok = self->client && mmkm_client_set_password (self->client,
      self->start_password, &e);
  OPENSSL_cleanse (self->start_password, strlen (self->start_password));
  g_clear_pointer (&self->start_password, g_free);
  if (ok) {
    mmkm_client_driver_add (self->driver, self->client);
    if (self->register_first)
      ok = mmkm_client_register (self->client, g_get_real_time (), &e);
    else
      ok = mmkm_client_join (self->client, g_get_real_time (), &e);
  } else
    g_clear_pointer (&self->client, mmkm_client_free);
  if (!ok) {
    report_error (self, e->domain == MMKM_CLIENT_ERROR ? e->code :
        MMKM_CLIENT_ERROR_STATE, e->message, TRUE);
    g_error_free (e);
    return FALSE;
  }
  mmkm_client_driver_update (self->driver, self->client);
  return TRUE;
}

static gpointer
session_main (gpointer data)
{
  GstMmkmRegistry *self = data;

  g_main_context_push_thread_default (self->context);
  if (setup (self))
    g_main_loop_run (self->loop);
  if (self->repoll) {
    g_source_destroy (self->repoll);
    g_clear_pointer (&self->repoll, g_source_unref);
  }
  if (self->leave_timeout) {
    g_source_destroy (self->leave_timeout);
    g_clear_pointer (&self->leave_timeout, g_source_unref);
  }
  gst_mmkm_queue_reset (self);
  /* the driver frees its members (the client) */
  if (self->driver)
    g_clear_pointer (&self->driver, mmkm_client_driver_free);
  else
    g_clear_pointer (&self->client, mmkm_client_free);
  self->client = NULL;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

gboolean
gst_mmkm_session_start (GstMmkmRegistry * self)
{
  gint64 deadline;
  gboolean ok, failed;
  MmkmClientError code;
  gchar *message = NULL, *server;
  guint timeout;

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->scheduled = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->leaving = FALSE;
  self->poll_op = 0;
  g_atomic_int_set (&self->saw_pending, 0);

  g_mutex_lock (&self->lock);
  self->started = self->failed = FALSE;
  g_clear_pointer (&self->fail_message, g_free);
  g_mutex_unlock (&self->lock);

  GST_OBJECT_LOCK (self);
  timeout = self->join_timeout;
  server = g_strdup (self->server);
  GST_OBJECT_UNLOCK (self);

  self->thread = g_thread_new ("mmkmregistry", session_main, self);
  deadline = g_get_monotonic_time () + (gint64) timeout *G_USEC_PER_SEC;
  g_mutex_lock (&self->lock);
  while (!self->started && !self->failed)
    if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
      break;
  ok = self->started;
  failed = self->failed;
  code = self->fail_code;
  if (failed)
    message = g_strdup (self->fail_message);
  g_mutex_unlock (&self->lock);

  if (!ok) {
    if (failed)
      gst_mmkm_post_client_error (self, code, message);
    else
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
          ("The MMKM server at %s did not let this member join within %u s. "
              "Check that mmkm-server runs there and answers (or raise "
              "join-timeout).", server, timeout), (NULL));
    gst_mmkm_session_stop (self);
  }
  g_free (message);
  g_free (server);
  return ok;
}

static gboolean
leave_timeout_cb (gpointer data)
{
  GstMmkmRegistry *self = data;

  GST_WARNING_OBJECT (self, "no answer to BYE within %d ms", LEAVE_WAIT_MS);
  g_clear_pointer (&self->leave_timeout, g_source_unref);
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
leave_in_thread (gpointer data)
{
  GstMmkmRegistry *self = data;
  MmkmClientState st;

  self->leaving = TRUE;
  if (!self->client) {
    g_main_loop_quit (self->loop);
    return G_SOURCE_REMOVE;
  }
  st = mmkm_client_get_state (self->client);
  mmkm_client_leave (self->client, g_get_real_time ());
  if (st != MMKM_CLIENT_JOINED && st != MMKM_CLIENT_LOGGING_IN) {
    g_main_loop_quit (self->loop);
    return G_SOURCE_REMOVE;
  }
  self->leave_timeout = g_timeout_source_new (LEAVE_WAIT_MS);
  g_source_set_callback (self->leave_timeout, leave_timeout_cb, self, NULL);
  g_source_attach (self->leave_timeout, self->context);
  mmkm_client_driver_update (self->driver, self->client);
  return G_SOURCE_REMOVE;
}

void
gst_mmkm_session_stop (GstMmkmRegistry * self)
{
  /* no request-song from now on */
  g_mutex_lock (&self->lock);
  self->started = FALSE;
  g_mutex_unlock (&self->lock);
  if (self->thread) {
    run_in_thread (self, leave_in_thread, self, NULL);
    g_thread_join (self->thread);
    self->thread = NULL;
  }
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  if (self->scheduled)
    g_clear_pointer (&self->scheduled, g_array_unref);
}

typedef struct
{
  GstMmkmRegistry *self;
  guint32 mki;
} SawMki;

static gboolean
saw_mki_in_thread (gpointer data)
{
  SawMki *s = data;
  GstMmkmRegistry *self = s->self;

  g_atomic_int_set (&self->saw_pending, 0);
  if (self->client && !self->leaving
      && mmkm_client_saw_mki (self->client, s->mki, g_get_real_time ())) {
    mmkm_client_driver_update (self->driver, self->client);
    gst_mmkm_post (self, "mmkm-rekey", "event", G_TYPE_STRING, "unknown",
        "mki", G_TYPE_UINT, s->mki, "time", G_TYPE_INT64, g_get_real_time (),
        NULL);
  }
  return G_SOURCE_REMOVE;
}

static void
saw_mki_free (gpointer data)
{
  SawMki *s = data;

  gst_object_unref (s->self);
  g_free (s);
}

void
gst_mmkm_session_saw_mki (GstMmkmRegistry * self, guint32 mki)
{
  SawMki *s;

  /* anyone on the network can send packets with made-up MKIs: one hand-
   * over at a time, and the client's token bucket limits the fetches */
  if (!g_atomic_int_compare_and_exchange (&self->saw_pending, 0, 1))
    return;
  s = g_new0 (SawMki, 1);
  s->self = gst_object_ref (self);
  s->mki = mki;
  run_in_thread (self, saw_mki_in_thread, s, saw_mki_free);
}
