/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "mmkm-pool-exit.h"

/* GLib names its pool workers "pool-<program>" (15 characters kept) and
 * its spawner thread, which lives as long as the process, "pool-spawner". */
static guint
count_pool_workers (void)
{
  GDir *d = g_dir_open ("/proc/self/task", 0, NULL);
  const gchar *tid;
  guint n = 0;

  while (d && (tid = g_dir_read_name (d))) {
    g_autofree gchar *path = g_build_filename ("/proc/self/task", tid, "comm",
        NULL);
    g_autofree gchar *comm = NULL;

    if (g_file_get_contents (path, &comm, NULL, NULL)
        && g_str_has_prefix (comm, "pool-")
        && !g_str_has_prefix (comm, "pool-spawner"))
      n++;
  }
  if (d)
    g_dir_close (d);
  return n;
}

void
mmkm_pool_workers_await (guint timeout_ms)
{
  guint i;

  g_thread_pool_set_max_unused_threads (0);
  g_thread_pool_stop_unused_threads ();
  for (i = 0; i < timeout_ms / 10 && count_pool_workers () > 0; i++) {
    g_usleep (10 * 1000);
    g_thread_pool_stop_unused_threads ();
  }
  /* a thread gone from /proc may still be finishing its exit */
  g_usleep (20 * 1000);
}
