/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Prometheus text exposition (version 0.0.4) of mmkm-server's
 * counters. Names follow the Prometheus conventions: a unit suffix,
 * _total on counters, base units (seconds). */
#include "mmkm-server-metrics.h"

#include <string.h>

/* refusals are kept by the class of answer an operator acts on */
static const struct
{
  guint status;                 /* 500: any 5xx; 0: any other 4xx */
  const gchar *name;
} refusal_classes[] = {
  {400, "bad_request"},
  {401, "unauthorized"},
  {403, "forbidden"},
  {413, "too_large"},
  {429, "rate_limited"},
  {500, "server_error"},
  {0, "other"},
};

/* seconds; a TEK list is built in well under a millisecond normally,
 * the upper buckets catch a slow store */
static const gdouble fetch_bounds[MMKM_METRICS_FETCH_BUCKETS] = {
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1.0,
};

static const gchar *const fetch_labels[MMKM_METRICS_FETCH_BUCKETS] = {
  "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01",
  "0.025", "0.1", "1",
};

G_STATIC_ASSERT (G_N_ELEMENTS (refusal_classes) ==
    G_N_ELEMENTS (((MmkmServerMetrics *) NULL)->refusals));

void
mmkm_server_metrics_init (MmkmServerMetrics * m, gint64 now)
{
  memset (m, 0, sizeof *m);
  m->start_time_us = now;
}

void
mmkm_server_metrics_refusal (MmkmServerMetrics * m, guint status)
{
  guint i;

  if (status < 400)
    return;
  if (status >= 500)
    status = 500;
  for (i = 0; i + 1 < G_N_ELEMENTS (refusal_classes); i++)
    if (refusal_classes[i].status == status)
      break;
  m->refusals[i]++;
}

void
mmkm_server_metrics_fetch_time (MmkmServerMetrics * m, gint64 us)
{
  guint i;

  us = MAX (us, 0);
  for (i = 0; i < MMKM_METRICS_FETCH_BUCKETS; i++)
    if ((gdouble) us / G_USEC_PER_SEC <= fetch_bounds[i])
      m->fetch_buckets[i]++;
  m->fetch_count++;
  m->fetch_sum_us += us;
}

static void
metric (GString * s, const gchar * name, const gchar * type, const gchar * help)
{
  g_string_append_printf (s, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
      type);
}

gchar *
mmkm_server_metrics_render (const MmkmServerMetrics * m, guint members_live,
    guint sessions, guint32 current_mki)
{
  static const gchar *const login_results[] = { "ok", "failed", "limited" };
  GString *s = g_string_new (NULL);
  gchar num[G_ASCII_DTOSTR_BUF_SIZE];
  guint i;

  metric (s, "mmkm_members_live", "gauge",
      "Members with a KEK whose heartbeats keep them alive.");
  g_string_append_printf (s, "mmkm_members_live %u\n", members_live);
  metric (s, "mmkm_sessions", "gauge",
      "Sessions in memory, with or without a KEK yet.");
  g_string_append_printf (s, "mmkm_sessions %u\n", sessions);
  metric (s, "mmkm_tek_current_mki", "gauge", "MKI of the TEK in use.");
  g_string_append_printf (s, "mmkm_tek_current_mki %u\n", current_mki);

  metric (s, "mmkm_logins_total", "counter",
      "Password checks (login and register) by result.");
  for (i = 0; i < MMKM_METRICS_LOGIN_N; i++)
    g_string_append_printf (s, "mmkm_logins_total{result=\"%s\"} %"
        G_GUINT64_FORMAT "\n", login_results[i], m->logins[i]);
  metric (s, "mmkm_registrations_total", "counter", "Devices enrolled.");
  g_string_append_printf (s, "mmkm_registrations_total %" G_GUINT64_FORMAT
      "\n", m->registrations);
  metric (s, "mmkm_refusals_total", "counter",
      "Public API requests refused, by class of answer.");
  for (i = 0; i < G_N_ELEMENTS (refusal_classes); i++)
    g_string_append_printf (s, "mmkm_refusals_total{class=\"%s\"} %"
        G_GUINT64_FORMAT "\n", refusal_classes[i].name, m->refusals[i]);

  metric (s, "mmkm_heartbeats_received_total", "counter",
      "Heartbeat datagrams received.");
  g_string_append_printf (s, "mmkm_heartbeats_received_total %"
      G_GUINT64_FORMAT "\n", m->heartbeats_received);
  metric (s, "mmkm_heartbeats_accepted_total", "counter",
      "Heartbeat datagrams accepted (right session, tag and sequence).");
  g_string_append_printf (s, "mmkm_heartbeats_accepted_total %"
      G_GUINT64_FORMAT "\n", m->heartbeats_accepted);
  metric (s, "mmkm_heartbeats_refused_total", "counter",
      "Heartbeat datagrams dropped (malformed, unknown session, bad tag, "
      "replay).");
  g_string_append_printf (s, "mmkm_heartbeats_refused_total %"
      G_GUINT64_FORMAT "\n", m->heartbeats_received - m->heartbeats_accepted);

  metric (s, "mmkm_tek_fetches_total", "counter", "TEK lists served.");
  g_string_append_printf (s, "mmkm_tek_fetches_total %" G_GUINT64_FORMAT "\n",
      m->tek_fetches);
  metric (s, "mmkm_tek_rotations_total", "counter",
      "TEKs made, by cause (schedule, or forced by a leave, a removal or "
      "the rotate command).");
  g_string_append_printf (s, "mmkm_tek_rotations_total{cause=\"scheduled\"} %"
      G_GUINT64_FORMAT "\n", m->rotations_scheduled);
  g_string_append_printf (s, "mmkm_tek_rotations_total{cause=\"forced\"} %"
      G_GUINT64_FORMAT "\n", m->rotations_forced);
  metric (s, "mmkm_tek_fetch_seconds", "histogram",
      "Time to build a TEK list answer.");
  for (i = 0; i < MMKM_METRICS_FETCH_BUCKETS; i++)
    g_string_append_printf (s, "mmkm_tek_fetch_seconds_bucket{le=\"%s\"} %"
        G_GUINT64_FORMAT "\n", fetch_labels[i], m->fetch_buckets[i]);
  g_string_append_printf (s, "mmkm_tek_fetch_seconds_bucket{le=\"+Inf\"} %"
      G_GUINT64_FORMAT "\n", m->fetch_count);
  g_string_append_printf (s, "mmkm_tek_fetch_seconds_sum %s\n",
      g_ascii_dtostr (num, sizeof num,
          (gdouble) m->fetch_sum_us / G_USEC_PER_SEC));
  g_string_append_printf (s, "mmkm_tek_fetch_seconds_count %"
      G_GUINT64_FORMAT "\n", m->fetch_count);

  metric (s, "mmkm_store_errors_total", "counter",
      "Store operations that failed.");
  g_string_append_printf (s, "mmkm_store_errors_total %" G_GUINT64_FORMAT
      "\n", m->store_errors);
  metric (s, "mmkm_admin_removals_total", "counter",
      "Live sessions ended by an administrator (remove, disable, revoke).");
  g_string_append_printf (s, "mmkm_admin_removals_total %" G_GUINT64_FORMAT
      "\n", m->removals);
  metric (s, "process_start_time_seconds", "gauge",
      "Start time of the process since the Unix epoch in seconds.");
  g_string_append_printf (s, "process_start_time_seconds %" G_GINT64_FORMAT
      "\n", m->start_time_us / G_USEC_PER_SEC);
  return g_string_free (s, FALSE);
}
