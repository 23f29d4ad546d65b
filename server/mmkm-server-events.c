/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The events long poll (GET /v1/session/events): a ring of the group's
 * recent events, and the polls waiting for the next one. A waiting poll
 * is a paused libsoup message, answered from the main loop when an event
 * comes or its deadline passes: no thread and no timer per member (the
 * deadlines are kept sorted, one timer fires for the earliest). */
#define G_LOG_DOMAIN "mmkm-server"

#include <string.h>

#include "config.h"
#include "mmkm-error.h"
#include "mmkm-server-private.h"

typedef struct _Poll Poll;

struct _Events
{
  MmkmApiEvent *ring;           /* owns user and reason */
  guint cap, len, head;         /* head: the oldest */
  guint64 last;                 /* the last number given */
  /* every event numbered up to this one is gone (dropped from the ring,
   * or from before this run): a poll after a lower number has a gap */
  guint64 dropped;
  GHashTable *polls;            /* Session * -> Poll * */
  GSequence *deadlines;         /* Poll *, earliest first */
  guint timer;
  gint64 timer_at;
  gboolean closing;             /* the server stops: no more waiting */
};

struct _Poll
{
  Server *srv;
  Session *session;
  SoupServerMessage *msg;       /* a reference, paused */
  guint64 after;
  gint64 deadline;
  GSequenceIter *iter;
  gulong finished_id, disconnected_id;
};

static const MmkmApiEvent *
ring_at (Events * ev, guint i)
{
  return &ev->ring[(ev->head + i) % ev->cap];
}

static gboolean
visible (const MmkmApiEvent * e, const Session * s)
{
  /* who joins and leaves is for the sender only */
  if (e->type == MMKM_API_EVENT_JOINED || e->type == MMKM_API_EVENT_LEFT)
    return s->role == MMKM_ROLE_SENDER;
  return TRUE;
}

/* What a poll after @after gets now; FALSE when it has to wait. */
static gboolean
collect (Events * ev, const Session * s, guint64 after, MmkmApiEvents * out)
{
  guint lo = 0, hi = ev->len, i, n = 0;

  memset (out, 0, sizeof *out);
  if (after > ev->last) {
    /* a number this server never gave: from before a restart with a
     * clock that went back, or made up */
    out->gap = TRUE;
    out->last = ev->last;
    return TRUE;
  }
  /* 0 is a member's first poll: nothing can have been missed */
  out->gap = after != 0 && after < ev->dropped;
  /* the first event numbered above @after */
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    if (ring_at (ev, mid)->id <= after)
      lo = mid + 1;
    else
      hi = mid;
  }
  out->events = g_new0 (MmkmApiEvent, MIN (ev->len - lo,
          MMKM_API_EVENTS_MAX) + 1);
  out->last = MAX (after, ev->dropped);
  for (i = lo; i < ev->len && n < MMKM_API_EVENTS_MAX; i++) {
    const MmkmApiEvent *e = ring_at (ev, i);

    out->last = e->id;
    if (!visible (e, s))
      continue;
    out->events[n] = *e;
    out->events[n].user = g_strdup (e->user);
    out->events[n].reason = g_strdup (e->reason);
    out->n_events = ++n;
  }
  if (i == ev->len)
    out->last = ev->last;
  return n > 0 || out->gap;
}

static void
reply_events (SoupServerMessage * msg, MmkmApiEvents * out)
{
  reply_json (msg, SOUP_STATUS_OK, mmkm_api_events_to_json (out));
  mmkm_api_events_clear (out);
}

static void arm (Server * srv);

/* Forgets @p; the message is answered already or finished. */
static void
poll_drop (Server * srv, Poll * p)
{
  Events *ev = srv->events;

  g_signal_handler_disconnect (p->msg, p->finished_id);
  g_signal_handler_disconnect (p->msg, p->disconnected_id);
  g_sequence_remove (p->iter);
  g_hash_table_remove (ev->polls, p->session);
  g_object_unref (p->msg);
  g_free (p);
}

/* Answers @p with what collect() gives (maybe nothing) and lets libsoup
 * send it. */
static void
poll_answer (Server * srv, Poll * p)
{
  SoupServerMessage *msg = g_object_ref (p->msg);
  MmkmApiEvents out;

  collect (srv->events, p->session, p->after, &out);
  reply_events (msg, &out);
  poll_drop (srv, p);
  soup_server_message_unpause (msg);
  g_object_unref (msg);
}

static void
poll_gone (SoupServerMessage * msg, gpointer data)
{
  Poll *p = data;

  /* the client went away: nothing to answer */
  poll_drop (p->srv, p);
}

static gint
by_deadline (gconstpointer a, gconstpointer b, gpointer data)
{
  const Poll *x = a, *y = b;

  if (x->deadline != y->deadline)
    return x->deadline < y->deadline ? -1 : 1;
  return x < y ? -1 : x > y;
}

static gboolean
on_timer (gpointer data)
{
  Server *srv = data;
  Events *ev = srv->events;
  gint64 now = g_get_monotonic_time ();

  ev->timer = 0;
  while (!g_sequence_is_empty (ev->deadlines)) {
    Poll *p = g_sequence_get (g_sequence_get_begin_iter (ev->deadlines));
    if (p->deadline > now)
      break;
    poll_answer (srv, p);
  }
  arm (srv);
  return G_SOURCE_REMOVE;
}

/* One timer, for the earliest deadline. */
static void
arm (Server * srv)
{
  Events *ev = srv->events;
  Poll *first;
  gint64 wait;

  if (g_sequence_is_empty (ev->deadlines)) {
    if (ev->timer)
      g_source_remove (ev->timer);
    ev->timer = 0;
    return;
  }
  first = g_sequence_get (g_sequence_get_begin_iter (ev->deadlines));
  if (ev->timer && ev->timer_at == first->deadline)
    return;
  if (ev->timer)
    g_source_remove (ev->timer);
  wait = MAX (0, first->deadline - g_get_monotonic_time ());
  ev->timer_at = first->deadline;
  ev->timer = g_timeout_add ((guint) ((wait + 999) / 1000), on_timer, srv);
}

void
events_init (Server * srv, gint64 now)
{
  Events *ev = g_new0 (Events, 1);

  ev->cap = MAX (srv->cfg.events_kept, 16u);
  ev->ring = g_new0 (MmkmApiEvent, ev->cap);
  /* numbers go on from the clock, so that they stay above those of an
   * earlier run (as the ACK sequence numbers do); what that run
   * published is gone */
  ev->last = (guint64) MAX (now, 1);
  ev->dropped = ev->last;
  ev->polls = g_hash_table_new (NULL, NULL);
  ev->deadlines = g_sequence_new (NULL);
  srv->events = ev;
}

static guint answers_in_flight;

static void
answer_written (SoupServerMessage * msg, gpointer data)
{
  answers_in_flight--;
}

void
events_free (Server * srv)
{
  Events *ev = srv->events;
  gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC;
  guint i;

  if (!ev)
    return;
  ev->closing = TRUE;
  /* answer the waiting polls, and give libsoup a moment to write the
   * answers before the listener goes */
  while (!g_sequence_is_empty (ev->deadlines)) {
    Poll *p = g_sequence_get (g_sequence_get_begin_iter (ev->deadlines));
    answers_in_flight++;
    g_signal_connect (p->msg, "finished", G_CALLBACK (answer_written), NULL);
    poll_answer (srv, p);
  }
  while (answers_in_flight > 0 && g_get_monotonic_time () < until) {
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  }
  /* polls that came in meanwhile were answered at once (closing) */
  g_assert (g_sequence_is_empty (ev->deadlines));
  if (ev->timer)
    g_source_remove (ev->timer);
  for (i = 0; i < ev->cap; i++) {
    g_free (ev->ring[i].user);
    g_free (ev->ring[i].reason);
  }
  g_free (ev->ring);
  g_hash_table_unref (ev->polls);
  g_sequence_free (ev->deadlines);
  g_free (ev);
  srv->events = NULL;
}

void
events_publish (Server * srv, MmkmApiEventType type, gint64 now,
    const gchar * user, const gchar * reason, guint32 mki, gint64 activation)
{
  Events *ev = srv->events;
  MmkmApiEvent *e;
  GPtrArray *wake;
  GHashTableIter it;
  gpointer v;
  guint i;

  if (!ev)
    return;
  if (ev->len == ev->cap) {
    e = &ev->ring[ev->head];
    ev->dropped = e->id;
    g_free (e->user);
    g_free (e->reason);
    ev->head = (ev->head + 1) % ev->cap;
    ev->len--;
  }
  e = &ev->ring[(ev->head + ev->len) % ev->cap];
  memset (e, 0, sizeof *e);
  e->id = ++ev->last;
  e->type = type;
  e->time = now;
  e->user = g_strdup (user);
  e->reason = g_strdup (reason);
  e->mki = mki;
  e->activation = activation;
  ev->len++;

  wake = g_ptr_array_new ();
  g_hash_table_iter_init (&it, ev->polls);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    Poll *p = v;
    if (visible (e, p->session))
      g_ptr_array_add (wake, p);
  }
  for (i = 0; i < wake->len; i++)
    poll_answer (srv, g_ptr_array_index (wake, i));
  g_ptr_array_unref (wake);
  arm (srv);
}

/* The session ends: its waiting poll gets 401, as its next request would. */
void
events_session_end (Server * srv, Session * s)
{
  Poll *p;
  SoupServerMessage *msg;

  if (!srv->events || !(p = g_hash_table_lookup (srv->events->polls, s)))
    return;
  msg = g_object_ref (p->msg);
  reply_error_full (msg, MMKM_API_ERR_UNAUTHORIZED,
      "The session has ended.", "session_ended", -1);
  poll_drop (srv, p);
  soup_server_message_unpause (msg);
  g_object_unref (msg);
  arm (srv);
}

void
handle_events (Server * srv, SoupServerMessage * msg, const Request * req)
{
  Events *ev = srv->events;
  const gchar *after_s = req->query ? g_hash_table_lookup (req->query,
      "after") : NULL;
  const gchar *timeout_s = req->query ? g_hash_table_lookup (req->query,
      "timeout") : NULL;
  guint64 after = 0;
  guint timeout = 0;
  GError *e = NULL;
  MmkmApiEvents out;
  Poll *p;

  if (!mmkm_api_events_query_parse (after_s, timeout_s, &after, &timeout, &e)) {
    reply_codec_error (msg, e);
    g_error_free (e);
    return;
  }
  /* one poll per session: a new one ends the one waiting */
  p = g_hash_table_lookup (ev->polls, req->session);
  if (p)
    poll_answer (srv, p);
  if (collect (ev, req->session, after, &out) || timeout == 0 || ev->closing) {
    reply_events (msg, &out);
    arm (srv);
    return;
  }
  mmkm_api_events_clear (&out);

  p = g_new0 (Poll, 1);
  p->srv = srv;
  p->session = req->session;
  p->msg = g_object_ref (msg);
  p->after = after;
  p->deadline = g_get_monotonic_time () + (gint64) timeout *G_USEC_PER_SEC;
  p->iter = g_sequence_insert_sorted (ev->deadlines, p, by_deadline, NULL);
  p->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (poll_gone),
      p);
  p->disconnected_id = g_signal_connect (msg, "disconnected",
      G_CALLBACK (poll_gone), p);
  g_hash_table_insert (ev->polls, req->session, p);
  soup_server_message_pause (msg);
  arm (srv);
}
