/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Summaries of the interleaved slices a benchmark measured: the median is
 * what the benchmarks print, min..max shows how noisy the run was. */
#pragma once

#include <glib.h>

gdouble bench_median (const gdouble * v, guint n);
void bench_spread (const gdouble * v, guint n, gdouble * lo, gdouble * hi);
/* The @p-th percentile (0..100, nearest rank) of @v; @n > 0 */
gdouble bench_percentile (const gdouble * v, guint n, gdouble p);
