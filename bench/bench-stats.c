/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Median and spread of benchmark slices (see bench-stats.h). */
#include "bench-stats.h"

#include <math.h>
#include <stdlib.h>

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

gdouble
bench_median (const gdouble * v, guint n)
{
  gdouble *s = g_memdup2 (v, n * sizeof (gdouble));
  gdouble m;

  qsort (s, n, sizeof (gdouble), cmp_double);
  m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  g_free (s);
  return m;
}

void
bench_spread (const gdouble * v, guint n, gdouble * lo, gdouble * hi)
{
  guint i;

  *lo = *hi = v[0];
  for (i = 1; i < n; i++) {
    *lo = MIN (*lo, v[i]);
    *hi = MAX (*hi, v[i]);
  }
}

gdouble
bench_percentile (const gdouble * v, guint n, gdouble p)
{
  gdouble *s = g_memdup2 (v, n * sizeof (gdouble));
  gdouble r;
  guint i;

  qsort (s, n, sizeof (gdouble), cmp_double);
  /* nearest rank: the smallest value with at least p % at or below it */
  i = (guint) ceil (p / 100.0 * n);
  i = i ? MIN (i, n) - 1 : 0;
  r = s[i];
  g_free (s);
  return r;
}
