/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Password checks off the main loop. argon2id takes tens of
 * milliseconds by design; on the main loop a burst of logins would delay
 * every heartbeat and TEK fetch behind it. The check runs on a pool of
 * one thread per core while its HTTP message is paused; the answer is
 * made back on the main loop, which owns all the server's state. The
 * queue is bounded: when it is full the request is answered at once
 * (429, reason "busy", Retry-After) instead of waiting for ever. */
#define G_LOG_DOMAIN "mmkm-server"

#include <openssl/crypto.h>
#include <string.h>

#include "config.h"
#include "mmkm-password.h"
#include "mmkm-server-private.h"

/* checks waiting for a thread, per thread, unless [passwords] queue says */
#define QUEUE_PER_THREAD 16

typedef struct
{
  Server *srv;
  SoupServerMessage *msg;
  gchar *encoded;               /* NULL: unknown user, the same work */
  gchar *password;
  gsize password_len;
  MmkmPasswordParams params;
  gboolean ok;
  PasswordChecked done;
  gpointer data;
  GDestroyNotify free_data;
  /* main loop only: the client went away (nothing to answer, and a
   * finished message must not be unpaused) */
  gboolean gone;
} Job;

static void
message_gone (SoupServerMessage * msg, gpointer data)
{
  Job *j = data;

  j->gone = TRUE;
}

static void
job_free (Job * j)
{
  g_free (j->encoded);
  if (j->password) {
    OPENSSL_cleanse (j->password, j->password_len);
    g_free (j->password);
  }
  if (j->free_data)
    j->free_data (j->data);
  g_signal_handlers_disconnect_by_data (j->msg, j);
  g_object_unref (j->msg);
  g_free (j);
}

/* main loop: every check that is done */
static gboolean
finish_done (gpointer data)
{
  Server *srv = data;
  Job *j;

  /* an idle added by a check that ended during password_pool_stop(),
   * which answered it already: the loop is iterated again at shutdown
   * (events_free) after the queue is gone */
  if (!srv->pw_done)
    return G_SOURCE_REMOVE;
  while ((j = g_async_queue_try_pop (srv->pw_done)) != NULL) {
    if (!j->gone) {
      j->done (srv, j->msg, j->ok, j->data);
      soup_server_message_unpause (j->msg);
    }
    job_free (j);
  }
  return G_SOURCE_REMOVE;
}

/* worker thread: touches nothing of the server but the done queue */
static void
run_check (gpointer data, gpointer user_data)
{
  Job *j = data;
  Server *srv = user_data;

  j->ok = mmkm_password_verify (j->encoded, j->password, j->password_len,
      &j->params, NULL);
  OPENSSL_cleanse (j->password, j->password_len);
  g_clear_pointer (&j->password, g_free);
  g_async_queue_push (srv->pw_done, j);
  g_idle_add (finish_done, srv);
}

void
password_pool_start (Server * srv)
{
  guint n = MAX (1, g_get_num_processors ());

  srv->pw_done = g_async_queue_new ();
  srv->pw_threads = n;
  srv->pw_pool = g_thread_pool_new (run_check, srv, (gint) n, FALSE, NULL);
}

/* Waits for the checks under way and queued (bounded) and answers them, so that no message stays
 * paused and nothing leaks. */
void
password_pool_stop (Server * srv)
{
  if (srv->pw_pool)
    g_thread_pool_free (srv->pw_pool, FALSE, TRUE);
  srv->pw_pool = NULL;
  if (srv->pw_done) {
    finish_done (srv);
    g_clear_pointer (&srv->pw_done, g_async_queue_unref);
  }
}

gboolean
password_check_async (Server * srv, SoupServerMessage * msg,
    const gchar * encoded, const gchar * password, PasswordChecked done,
    gpointer data, GDestroyNotify free_data)
{
  guint max = srv->cfg.password_queue ? srv->cfg.password_queue :
      srv->pw_threads * QUEUE_PER_THREAD;
  Job *j;

  if (!srv->pw_pool || g_thread_pool_unprocessed (srv->pw_pool) >= max)
    return FALSE;
  j = g_new0 (Job, 1);
  j->srv = srv;
  j->msg = g_object_ref (msg);
  j->encoded = g_strdup (encoded);
  j->password_len = strlen (password);
  j->password = g_memdup2 (password, j->password_len + 1);
  /* a copy: SIGHUP may change the configuration meanwhile */
  j->params = srv->cfg.password;
  j->done = done;
  j->data = data;
  j->free_data = free_data;
  g_signal_connect (msg, "finished", G_CALLBACK (message_gone), j);
  g_signal_connect (msg, "disconnected", G_CALLBACK (message_gone), j);
  soup_server_message_pause (msg);
  g_thread_pool_push (srv->pw_pool, j, NULL);
  return TRUE;
}
