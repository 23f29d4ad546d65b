/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The clock the benchmarks measure with: CPU time of the calling thread.
 * On this shared machine wall time also counts the slices the scheduler
 * gives other processes, which is most of the noise; every benchmark here
 * is single-threaded, so thread CPU time is the cost of the work itself. */
#pragma once

#include <time.h>
#include <glib.h>

static inline gdouble
bench_thread_cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}
