/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkm-server's counters for Prometheus (docs/mmkm-server.md, "Metrics"):
 * plain integers on the Server, bumped with one-line calls where things
 * happen, written out in the text exposition format on GET /metrics of
 * the admin listener. One main loop owns them: nothing is atomic. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* upper bounds (seconds) of the TEK list build time histogram */
#define MMKM_METRICS_FETCH_BUCKETS 10

typedef enum
{
  MMKM_METRICS_LOGIN_OK,
  MMKM_METRICS_LOGIN_FAILED,    /* wrong password, unknown user or device */
  MMKM_METRICS_LOGIN_LIMITED,   /* refused by a rate limit (429) */
  MMKM_METRICS_LOGIN_N
} MmkmMetricsLogin;

typedef struct
{
  gint64 start_time_us;         /* real time */
  guint64 logins[MMKM_METRICS_LOGIN_N];
  guint64 registrations;
  guint64 refusals[7];          /* by HTTP status class, see metrics.c */
  guint64 heartbeats_received;
  guint64 heartbeats_accepted;
  guint64 tek_fetches;
  guint64 rotations_scheduled;
  guint64 rotations_forced;
  guint64 fetch_buckets[MMKM_METRICS_FETCH_BUCKETS];
  guint64 fetch_count;
  gint64 fetch_sum_us;
  guint64 store_errors;
  guint64 removals;             /* live sessions ended by an administrator */
} MmkmServerMetrics;

void mmkm_server_metrics_init (MmkmServerMetrics * m, gint64 now);
/* counts an answer of the public API by its status (only 4xx and 5xx) */
void mmkm_server_metrics_refusal (MmkmServerMetrics * m, guint status);
void mmkm_server_metrics_fetch_time (MmkmServerMetrics * m, gint64 us);
/* the text exposition; @members_live and @sessions are gauges the caller
 * reads from its state */
gchar *mmkm_server_metrics_render (const MmkmServerMetrics * m,
    guint members_live, guint sessions, guint32 current_mki);

G_END_DECLS
