/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Password checks off the main loop. argon2id costs tens of milliseconds
 * at the defaults; on the loop, wrong passwords sent from many addresses
 * at once (each within its own rate limit) kept the loop from reading
 * heartbeats until members were declared dead (tests/check/
 * test-mmkm-flood.c, test_login_storm). The hash runs in a small pool of
 * worker threads with the request paused; everything else (the store,
 * sessions, the answer) stays on the loop. The queue is bounded: beyond
 * it a check is refused at once, so a storm costs bounded memory and
 * cannot grow the wait of legitimate logins without end. */
#define G_LOG_DOMAIN "mmkm-server"

#include <openssl/crypto.h>
#include <string.h>

#include "config.h"
#include "mmkm-password.h"
#include "mmkm-server-private.h"

/* checks waiting or running, per worker */
#define QUEUE_PER_WORKER 16

typedef struct
{
  Server *srv;
  SoupServerMessage *msg;
  gulong disconnected_id;
  gboolean disconnected;
  MmkmUser *user;               /* NULL: unknown user (the dummy hash) */
  gchar *password;
  MmkmPasswordParams params;
  gboolean ok;
  PasswordChecked done;
  gpointer data;
} Job;

static gboolean job_finish (gpointer data);

static void
on_disconnected (SoupServerMessage * msg, gpointer data)
{
  Job *job = data;

  job->disconnected = TRUE;
}

/* worker thread: nothing here touches the server's state */
static void
work (gpointer data, gpointer pool_data)
{
  Job *job = data;

  job->ok = mmkm_password_verify (job->user ? job->user->password_hash :
      NULL, job->password, strlen (job->password), &job->params, NULL);
  mmkm_password_free (g_steal_pointer (&job->password));
  g_idle_add_full (G_PRIORITY_DEFAULT, job_finish, job, NULL);
}

/* back on the loop */
static gboolean
job_finish (gpointer data)
{
  Job *job = data;
  Server *srv = job->srv;
  MmkmUser *u = job->ok ? g_steal_pointer (&job->user) : NULL;

  srv->password_jobs--;
  g_signal_handler_disconnect (job->msg, job->disconnected_id);
  job->done (srv, job->msg, u, job->ok, job->data);
  if (!job->disconnected)
    soup_server_message_unpause (job->msg);
  g_object_unref (job->msg);
  mmkm_user_free (job->user);
  g_free (job);
  return G_SOURCE_REMOVE;
}

void
passwords_start (Server * srv)
{
  guint workers = MAX (1, g_get_num_processors () - 1);

  srv->password_pool = g_thread_pool_new (work, NULL, (gint) workers, FALSE,
      NULL);
  srv->password_jobs_max = workers * QUEUE_PER_WORKER;
}

void
passwords_stop (Server * srv)
{
  if (!srv->password_pool)
    return;
  /* the checks under way finish, then their answers are sent */
  g_thread_pool_free (g_steal_pointer (&srv->password_pool), FALSE, TRUE);
  while (srv->password_jobs > 0)
    g_main_context_iteration (NULL, TRUE);
}

gboolean
password_check_async (Server * srv, SoupServerMessage * msg, MmkmUser * u,
    const gchar * password, PasswordChecked done, gpointer data)
{
  Job *job;

  if (srv->password_jobs >= srv->password_jobs_max) {
    mmkm_user_free (u);
    return FALSE;
  }
  job = g_new0 (Job, 1);
  job->srv = srv;
  job->msg = g_object_ref (msg);
  job->user = u;
  job->password = g_strdup (password);
  job->params = srv->cfg.password;
  job->done = done;
  job->data = data;
  job->disconnected_id = g_signal_connect (msg, "disconnected",
      G_CALLBACK (on_disconnected), job);
  srv->password_jobs++;
  soup_server_message_pause (msg);
  g_thread_pool_push (srv->password_pool, job, NULL);
  return TRUE;
}
