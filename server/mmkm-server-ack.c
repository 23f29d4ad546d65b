/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* POST /v1/session/teks/ack: the member's acknowledgement of a TEK (seed
 * 002 step 4b), an RFC 3830 PSK verification message answering one of
 * the TEK messages this session was sent. Its MAC is keyed from the KEK
 * and the RAND of that message, so the session keeps the messages it was
 * sent last (not the exchanges: the bytes are all a check needs). */
#define G_LOG_DOMAIN "mmkm-server"

#include <string.h>

#include "config.h"
#include "mikey-error.h"
#include "mmkm-server-private.h"

/* Two fetches' worth: an acknowledgement of the fetch before the last
 * one still counts (a member that fetched twice in a row). */
#define SENT_TEKS_MAX (2 * MMKM_API_TEKS_MAX)

typedef struct
{
  guint32 mki;
  GBytes *msg;
} SentTek;

static void
sent_tek_free (SentTek * t)
{
  g_bytes_unref (t->msg);
  g_free (t);
}

void
ack_remember (Session * s, guint32 mki, GBytes * tek_msg)
{
  SentTek *t = g_new0 (SentTek, 1);

  t->mki = mki;
  t->msg = g_bytes_ref (tek_msg);
  g_queue_push_head (&s->sent_teks, t);
  while (g_queue_get_length (&s->sent_teks) > SENT_TEKS_MAX)
    sent_tek_free (g_queue_pop_tail (&s->sent_teks));
}

void
ack_forget (Session * s)
{
  SentTek *t;

  while ((t = g_queue_pop_head (&s->sent_teks)) != NULL)
    sent_tek_free (t);
}

/* The TEK message @ack answers: the first whose check gets past the MAC.
 * A MAC (or form) that fits none of them leaves *@error from the last
 * try; one that fits but says the wrong thing (identity, time) stops the
 * search with that error. */
static const SentTek *
find_answered (Session * s, const guint8 * ack, gsize len, gint64 now,
    GError ** error)
{
  GList *l;

  for (l = s->sent_teks.head; l; l = l->next) {
    const SentTek *t = l->data;

    g_clear_error (error);
    if (mmkm_tek_ack_check (s->kek, s->user, t->msg, ack, len, now, 0, error))
      return t;
    if (!g_error_matches (*error, MIKEY_ERROR, MIKEY_ERROR_AUTH)
        && !g_error_matches (*error, MIKEY_ERROR, MIKEY_ERROR_INVALID))
      return NULL;
  }
  if (!*error)
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "no TEK messages sent to this session yet");
  return NULL;
}

void
handle_tek_ack (Server * srv, SoupServerMessage * msg, const Request * r)
{
  Session *s = r->session;
  GBytes *data = request_body (msg, "/v1/session/teks/ack",
      "application/mikey");
  const SentTek *t;
  gboolean first = FALSE;
  GError *e = NULL;
  gconstpointer p;
  gsize len;

  if (!data)
    return;
  if (!s->stored) {
    reply_error_full (msg, MMKM_API_ERR_FORBIDDEN, "Run the DH exchange "
        "first.", "no_kek", -1);
    goto out;
  }
  p = g_bytes_get_data (data, &len);
  t = find_answered (s, p, len, r->now, &e);
  if (!t) {
    g_autofree gchar *why = g_strescape (e->message, NULL);
    g_autofree gchar *m = NULL;

    log_event (G_LOG_LEVEL_MESSAGE, "tek-ack-refused", s->user, s->source,
        "TEK acknowledgement refused: %s", why);
    if (g_error_matches (e, MIKEY_ERROR, MIKEY_ERROR_AUTH)
        || g_error_matches (e, MIKEY_ERROR, MIKEY_ERROR_INVALID))
      m = g_strdup ("The acknowledgement answers none of the TEK messages "
          "this session was sent last: fetch the TEKs again.");
    else
      m = g_strdup_printf ("The acknowledgement was refused: %s", e->message);
    reply_error_full (msg, MMKM_API_ERR_BAD_REQUEST, m, "tek_ack", -1);
    goto out;
  }
  if (!mmkm_store_tek_ack (srv->store, s->id, s->group_id, t->mki, r->now,
          &first, &e)) {
    reply_store_error (srv, msg, e);
    goto out;
  }
  /* a replayed acknowledgement changes nothing: logged once */
  if (first)
    log_event (G_LOG_LEVEL_INFO, "tek-ack", s->user, s->source,
        "TEK %08x acknowledged", t->mki);
  soup_server_message_set_status (msg, 204, NULL);
out:
  g_clear_error (&e);
  g_bytes_unref (data);
}
