/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Structured log lines (journald fields) and the join/leave log. */
#define G_LOG_DOMAIN "mmkm-server"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>

#include "config.h"
#include "mmkm-error.h"
#include "mmkm-password.h"
#include "mmkm-server-private.h"

/* Structured lines; every variable part is escaped and none is a secret. */
void
log_event (GLogLevelFlags level, const gchar * event, const gchar * user,
    const gchar * source, const gchar * fmt, ...)
{
  va_list ap;
  g_autofree gchar *msg = NULL;
  g_autofree gchar *u = g_strescape (user ? user : "", NULL);
  g_autofree gchar *s = g_strescape (source ? source : "", NULL);
  GLogField fields[] = {
    {"MESSAGE", NULL, -1},
    {"MMKM_EVENT", event, -1},
    {"MMKM_USER", u, -1},
    {"MMKM_SOURCE", s, -1},
    {"GLIB_DOMAIN", G_LOG_DOMAIN, -1},
  };

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  fields[0].value = msg;
  g_log_structured_array (level, fields, G_N_ELEMENTS (fields));
}

void
log_store (Server * srv, const gchar * user, const gchar * source,
    MmkmLogEvent ev, MmkmReason reason, gint64 now)
{
  MmkmLogEntry le = { 0 };
  GError *e = NULL;

  le.user = (gchar *) user;
  le.group_id = srv->group->id;
  le.time_us = now;
  le.source = (gchar *) source;
  le.event = ev;
  le.reason = reason;
  if (!mmkm_store_log_append (srv->store, &le, NULL, &e)) {
    srv->metrics.store_errors++;
    log_event (G_LOG_LEVEL_WARNING, "store-error", user, source,
        "cannot write the join/leave log: %s", e->message);
    g_clear_error (&e);
  }
  /* the sender sees who comes and goes on its event stream */
  if (ev == MMKM_LOG_LEFT)
    events_publish (srv, MMKM_API_EVENT_LEFT, now, user,
        mmkm_reason_to_string (reason), 0, 0);
  else if (reason == MMKM_REASON_LOGIN)
    events_publish (srv, MMKM_API_EVENT_JOINED, now, user, NULL, 0, 0);
  log_event (G_LOG_LEVEL_MESSAGE, ev == MMKM_LOG_JOINED ? "joined" : "left",
      user, source, "%s %s (%s)", user, ev == MMKM_LOG_JOINED ? "joined" :
      "left", mmkm_reason_to_string (reason));
}
