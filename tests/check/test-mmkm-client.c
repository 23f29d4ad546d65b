/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The MMKM client state machine alone (lib/mmkm/mmkm-client.h), fed the
 * answers a server makes with the server side's own functions: login
 * answers from the API codecs, the DH answer from mmkm_kek_server_respond,
 * TEK messages from mmkm_tek_message_build, ACKs from mmkm_hb_encode.
 * Covers the join, the TEK acknowledgements (checked with the server's
 * mmkm_tek_ack_check, retried, once per MKI), heartbeats and misses
 * (server lost and restored), the unknown-MKI rate limit, 401 and
 * re-login with backoff, BYE, the songs, queue and events calls, and bad
 * answers (clear errors, no crash). */
#include <gst/check/gstcheck.h>
#include <string.h>

#include "mikey-error.h"
#include "mmkm-client.h"
#include "mmkm-kek.h"
#include "mmkm-tek.h"

#define PASSWORD "correct horse battery staple"
#define GROUP_ID 7
#define HB_PORT 7700
#define T0 t0
#define SEC G_GINT64_CONSTANT (1000000)

static MmkmIdentity *server_id, *device;
/* the certificates are valid from a day before now: times near now */
static gint64 t0;

typedef struct
{
  MmkmClient *c;
  guint8 kek[MMKM_KEK_LEN];
  MmkmHbKey hb_key;
  guint8 sid[MMKM_SESSION_ID_LEN];
  guint64 ack_seq;
  guint8 teks[3][30];
  gint64 now;
  /* the TEK messages of the last TEK list answered, by MKI */
  GBytes *sent[4];
  guint32 sent_mki[4];
  guint n_sent;
} Fix;

static MmkmClientRequest *
take (Fix * f, MmkmClientOp op)
{
  MmkmClientRequest *r = mmkm_client_next_request (f->c);

  fail_unless (r != NULL, "no request; wanted op %d", op);
  fail_unless_equals_int (r->op, op);
  return r;
}

static void
answer (Fix * f, MmkmClientRequest * r, guint status, const gchar * ctype,
    gconstpointer body, gsize len)
{
  mmkm_client_receive_response (f->c, r->id, status, ctype, body, len, f->now);
  mmkm_client_request_free (r);
}

static void
answer_json (Fix * f, MmkmClientRequest * r, guint status, gchar * json)
{
  answer (f, r, status, "application/json", json, json ? strlen (json) : 0);
  g_free (json);
}

static MmkmClientEvent *
next_event (Fix * f, MmkmClientEventType type)
{
  MmkmClientEvent *ev = mmkm_client_next_event (f->c);

  fail_unless (ev != NULL, "no event; wanted %s",
      mmkm_client_event_name (type));
  fail_unless (ev->type == type, "event %s (%s), wanted %s",
      mmkm_client_event_name (ev->type), ev->message ? ev->message : "",
      mmkm_client_event_name (type));
  return ev;
}

static void
expect_event (Fix * f, MmkmClientEventType type)
{
  mmkm_client_event_free (next_event (f, type));
}

static void
drain_events (Fix * f)
{
  MmkmClientEvent *ev;

  while ((ev = mmkm_client_next_event (f->c)))
    mmkm_client_event_free (ev);
}

static MmkmClientError
expect_error (Fix * f, gboolean fatal, const gchar * word)
{
  MmkmClientEvent *ev = next_event (f, MMKM_CLIENT_EVENT_ERROR);
  MmkmClientError code = ev->code;

  fail_unless_equals_int (ev->fatal, fatal);
  fail_unless (ev->message && *ev->message);
  if (word)
    fail_unless (strstr (ev->message, word) != NULL, "%s", ev->message);
  mmkm_client_event_free (ev);
  return code;
}

static gchar *
login_answer (Fix * f, guint interval_ms, guint misses)
{
  MmkmApiLoginResponse r = { 0 };
  guint i;

  for (i = 0; i < MMKM_SESSION_ID_LEN; i++)
    f->sid[i] = r.session_id[i] = 0xa0 + i + (f->ack_seq & 0xf);
  for (i = 0; i < MMKM_API_TOKEN_LEN; i++)
    r.token[i] = 0x40 + i;
  r.server_time = f->now;
  r.heartbeat_port = HB_PORT;
  r.heartbeat_interval_ms = interval_ms;
  r.allowed_misses = misses;
  r.role = MMKM_API_ROLE_LISTENER;
  r.group_id = GROUP_ID;
  r.group_name = (gchar *) "default";
  r.suite = (gchar *) "AES_CM_128_HMAC_SHA1_80";
  r.tek_period_ms = 86400000;
  r.requests_per_period = 3;
  r.request_period_ms = 3600000;
  return mmkm_api_login_response_to_json (&r);
}

static void
sent_clear (Fix * f)
{
  guint i;

  for (i = 0; i < f->n_sent; i++)
    g_clear_pointer (&f->sent[i], g_bytes_unref);
  f->n_sent = 0;
}

static gchar *
teks_answer (Fix * f, guint32 first_mki, guint n)
{
  MmkmApiTeks t = { 0 };
  guint i;
  gchar *json;

  sent_clear (f);
  for (i = 0; i < n; i++) {
    MmkmTekParams p = { 0 };
    p.kek = f->kek;
    p.user_name = "alice";
    p.group_id = GROUP_ID;
    p.tek = f->teks[(first_mki + i) % 3];
    p.tek_len = 30;
    p.mki = first_mki + i;
    t.teks[i].mki = first_mki + i;
    t.teks[i].activation = T0 + i * 3600 * SEC;
    t.teks[i].mikey = mmkm_tek_message_build (&p, f->now, NULL);
    fail_unless (t.teks[i].mikey != NULL);
    f->sent[i] = g_bytes_ref (t.teks[i].mikey);
    f->sent_mki[i] = first_mki + i;
  }
  f->n_sent = n;
  t.n_teks = n;
  t.next_fetch = T0 + 3000 * SEC;
  json = mmkm_api_teks_to_json (&t);
  mmkm_api_teks_clear (&t);
  return json;
}

static void
fix_init (Fix * f)
{
  MmkmClientConfig cc = { 0 };
  guint i, j;

  memset (f, 0, sizeof *f);
  cc.user = "alice";
  cc.device = device;
  f->c = mmkm_client_new (&cc, NULL);
  fail_unless (f->c != NULL);
  fail_unless (mmkm_client_set_password (f->c, PASSWORD, NULL));
  mmkm_client_set_server_cert (f->c, mmkm_identity_get_cert (server_id));
  f->now = T0 + 10 * SEC;
  for (i = 0; i < 3; i++)
    for (j = 0; j < 30; j++)
      f->teks[i][j] = i * 37 + j;
}

static void
fix_clear (Fix * f)
{
  sent_clear (f);
  mmkm_client_free (f->c);
  mmkm_hb_key_clear (&f->hb_key);
}

/* login + DH exchange, answered like the server does */
static void
login_and_kek (Fix * f)
{
  MmkmClientRequest *r = take (f, MMKM_CLIENT_OP_LOGIN);
  MmkmApiLoginRequest lr = { 0 };
  GBytes *reply = NULL;
  GError *e = NULL;
  guint8 ck[MMKM_KEK_LEN];

  fail_unless_equals_string (r->method, "POST");
  fail_unless_equals_string (r->path, "/v1/login");
  fail_unless (r->authorization == NULL);
  fail_unless (mmkm_api_login_request_from_json (g_bytes_get_data (r->body,
              NULL), g_bytes_get_size (r->body), &lr, NULL));
  fail_unless_equals_string (lr.password, PASSWORD);
  fail_unless_equals_string (lr.group, "default");
  fail_unless (memcmp (lr.fingerprint, mmkm_identity_get_fingerprint
          (device), 32) == 0);
  mmkm_api_login_request_clear (&lr);
  answer_json (f, r, 200, login_answer (f, 10000, 3));

  r = take (f, MMKM_CLIENT_OP_KEK);
  fail_unless_equals_string (r->path, "/v1/session/kek");
  fail_unless_equals_string (r->content_type, "application/mikey");
  fail_unless_equals_string (r->authorization,
      "Bearer QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8");
  fail_unless (mmkm_kek_server_respond (server_id, "alice",
          mmkm_identity_get_cert (device), NULL, g_bytes_get_data (r->body,
              NULL), g_bytes_get_size (r->body), f->now, &reply, f->kek,
          &e), "%s", e ? e->message : "");
  answer (f, r, 200, "application/mikey", g_bytes_get_data (reply, NULL),
      g_bytes_get_size (reply));
  g_bytes_unref (reply);
  fail_unless (mmkm_hb_key_derive (f->kek, MMKM_KEK_LEN, &f->hb_key, NULL));
  expect_event (f, MMKM_CLIENT_EVENT_JOINED);
  fail_unless_equals_int (mmkm_client_get_state (f->c), MMKM_CLIENT_JOINED);
  /* both sides hold the same KEK */
  fail_unless (mmkm_client_get_kek (f->c, ck));
  fail_unless (memcmp (ck, f->kek, MMKM_KEK_LEN) == 0);
}

/* @r is the acknowledgement of TEK @mki, checked as the server checks
 * it (mmkm_tek_ack_check against the TEK message of @mki that the last
 * TEK list carried, under the same KEK) */
static MmkmClientRequest *
check_ack (Fix * f, MmkmClientRequest * r, guint32 mki)
{
  GError *e = NULL;
  guint i;

  fail_unless_equals_int (r->op, MMKM_CLIENT_OP_TEK_ACK);
  fail_unless_equals_string (r->method, "POST");
  fail_unless_equals_string (r->path, "/v1/session/teks/ack");
  fail_unless_equals_string (r->content_type, "application/mikey");
  fail_unless_equals_string (r->authorization,
      "Bearer QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8");
  for (i = 0; i < f->n_sent && f->sent_mki[i] != mki; i++);
  fail_unless (i < f->n_sent, "TEK %u was not sent", mki);
  fail_unless (mmkm_tek_ack_check (f->kek, "alice", f->sent[i],
          g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body),
          f->now, 0, &e), "%s", e ? e->message : "");
  /* and it answers no other TEK message */
  if (f->n_sent > 1)
    fail_if (mmkm_tek_ack_check (f->kek, "alice", f->sent[(i + 1) %
                f->n_sent], g_bytes_get_data (r->body, NULL),
            g_bytes_get_size (r->body), f->now, 0, NULL));
  return r;
}

/* The next request: the acknowledgement of TEK @mki (check_ack()) */
static MmkmClientRequest *
take_ack (Fix * f, guint32 mki)
{
  return check_ack (f, take (f, MMKM_CLIENT_OP_TEK_ACK), mki);
}

/* 204 to the acknowledgement @r of @mki: a tek-acked event */
static void
ack_done (Fix * f, MmkmClientRequest * r, guint32 mki)
{
  MmkmClientEvent *ev;

  answer (f, r, 204, NULL, NULL, 0);
  ev = next_event (f, MMKM_CLIENT_EVENT_TEK_ACKED);
  fail_unless_equals_int (ev->mki, mki);
  mmkm_client_event_free (ev);
  fail_unless (mmkm_client_get_tek_acked (f->c, mki));
}

/* login, DH exchange, the TEK list (42 and 43): up to the rekey event */
static void
join_teks (Fix * f)
{
  MmkmClientRequest *r;
  MmkmClientEvent *ev;

  fail_unless (mmkm_client_join (f->c, f->now, NULL));
  login_and_kek (f);
  r = take (f, MMKM_CLIENT_OP_TEKS);
  fail_unless_equals_string (r->method, "GET");
  fail_unless (r->authorization != NULL);
  answer_json (f, r, 200, teks_answer (f, 42, 2));
  ev = next_event (f, MMKM_CLIENT_EVENT_TEK);
  fail_unless_equals_int (ev->mki, 42);
  fail_unless (ev->activation == T0);
  /* events never hold keys: a TEK event has no message */
  fail_unless (ev->message == NULL);
  mmkm_client_event_free (ev);
  expect_event (f, MMKM_CLIENT_EVENT_TEK);
  ev = next_event (f, MMKM_CLIENT_EVENT_REKEY);
  fail_unless (ev->next_fetch == T0 + 3000 * SEC);
  fail_unless (ev->activation == T0 + 3600 * SEC);
  mmkm_client_event_free (ev);
}

/* join_teks(), and each TEK acknowledged */
static void
join (Fix * f)
{
  join_teks (f);
  ack_done (f, take_ack (f, 42), 42);
  ack_done (f, take_ack (f, 43), 43);
  fail_unless (mmkm_client_next_request (f->c) == NULL);
  fail_unless_equals_int (mmkm_client_get_tek_acks (f->c), 2);
}

/* the heartbeat the client wants to send now, decoded */
static guint64
heartbeat (Fix * f, MmkmHbType type)
{
  guint8 dg[MMKM_HB_LEN];
  guint16 port = 0;
  MmkmHeartbeat hb;

  fail_unless (mmkm_client_next_datagram (f->c, dg, &port));
  fail_unless_equals_int (port, HB_PORT);
  fail_unless (mmkm_hb_decode (&f->hb_key, f->sid, MMKM_HB_FROM_MEMBER, dg,
          sizeof dg, &hb, NULL));
  fail_unless_equals_int (hb.type, type);
  return hb.seq;
}

static void
ack (Fix * f, guint16 flags, guint32 mki)
{
  MmkmHeartbeat hb = { 0 };
  guint8 dg[MMKM_HB_LEN];

  hb.type = MMKM_HB_ACK;
  hb.flags = flags;
  hb.seq = ++f->ack_seq;
  hb.mki = mki;
  memcpy (hb.session_id, f->sid, MMKM_SESSION_ID_LEN);
  fail_unless (mmkm_hb_encode (&f->hb_key, &hb, dg, NULL));
  mmkm_client_receive_datagram (f->c, dg, sizeof dg, f->now);
}

GST_START_TEST (test_join_and_heartbeats)
{
  Fix f;
  MikeySrtpParams p;
  MmkmClientEvent *ev;
  guint32 mkis[4], cur = 0;
  guint8 dg[MMKM_HB_LEN];
  MmkmClientRequest *r;

  fix_init (&f);
  join (&f);
  /* the keys are the server's */
  fail_unless_equals_int (mmkm_client_get_mkis (f.c, mkis, f.now, &cur), 2);
  fail_unless_equals_int (cur, 42);
  fail_unless (mmkm_client_get_tek (f.c, 43, &p));
  fail_unless (memcmp (p.key, f.teks[43 % 3], 16) == 0);
  fail_unless (memcmp (p.salt, f.teks[43 % 3] + 16, 14) == 0);
  fail_unless_equals_int (mmkm_tek_get_mki (&p), 43);
  mikey_srtp_params_clear (&p);
  fail_if (mmkm_client_get_tek (f.c, 44, &p));

  /* the first heartbeat is due at once, then every interval */
  fail_unless (mmkm_client_get_deadline (f.c) == f.now);
  mmkm_client_handle_timeout (f.c, f.now);
  fail_unless_equals_int (heartbeat (&f, MMKM_HB_HEARTBEAT), 1);
  fail_if (mmkm_client_next_datagram (f.c, dg, NULL));
  fail_unless (mmkm_client_get_deadline (f.c) == f.now + 10 * SEC);
  f.now += 20000;
  ack (&f, 0, 42);
  ev = next_event (&f, MMKM_CLIENT_EVENT_HEARTBEAT);
  fail_unless_equals_int (ev->seq, 1);
  fail_unless_equals_int (ev->rtt, 20000);
  fail_unless_equals_int (ev->mki, 42);
  fail_unless_equals_int (ev->misses, 0);
  mmkm_client_event_free (ev);
  /* the same ACK again: a replay, refused without an event */
  f.ack_seq--;
  ack (&f, 0, 42);
  fail_unless (mmkm_client_next_event (f.c) == NULL);
  fail_unless_equals_int (mmkm_client_get_refused_datagrams (f.c), 1);

  /* "fetch now" in an ACK */
  f.now += 10 * SEC;
  mmkm_client_handle_timeout (f.c, f.now);
  fail_unless_equals_int (heartbeat (&f, MMKM_HB_HEARTBEAT), 2);
  ack (&f, MMKM_HB_FLAG_FETCH, 42);
  ev = next_event (&f, MMKM_CLIENT_EVENT_HEARTBEAT);
  fail_unless (ev->fetch_flag);
  mmkm_client_event_free (ev);
  r = take (&f, MMKM_CLIENT_OP_TEKS);
  answer_json (&f, r, 200, teks_answer (&f, 43, 2));
  ev = next_event (&f, MMKM_CLIENT_EVENT_TEK);
  fail_unless_equals_int (ev->mki, 44);
  mmkm_client_event_free (ev);
  expect_event (&f, MMKM_CLIENT_EVENT_REKEY);
  /* 42 is no longer listed, so no longer held */
  fail_if (mmkm_client_get_tek (f.c, 42, &p));
  /* 44 is acknowledged; 43 was already, so not again */
  ack_done (&f, take_ack (&f, 44), 44);
  fail_unless (mmkm_client_next_request (f.c) == NULL);
  fail_unless (mmkm_client_get_tek_acked (f.c, 43));
  fail_unless_equals_int (mmkm_client_get_tek_acks (f.c), 3);

  /* the fetch time the server gave */
  fail_unless (mmkm_client_get_deadline (f.c) <= T0 + 3000 * SEC);
  f.now = T0 + 3000 * SEC;
  mmkm_client_handle_timeout (f.c, f.now);
  r = take (&f, MMKM_CLIENT_OP_TEKS);
  mmkm_client_request_free (r);
  drain_events (&f);
  fix_clear (&f);
}

GST_END_TEST;

/* Acknowledgements that fail: the keys are usable all along; 503 and
 * no answer are retried with backoff, silently, while the message is
 * young enough for the server's 60 s window, then left to the next
 * fetch; a refusal says so and waits for the next fetch; a fresher
 * message replaces one in flight; done is done (once per MKI); 401 is a
 * new login. */
GST_START_TEST (test_tek_ack_retries)
{
  Fix f;
  MmkmClientRequest *r, *r42, *r43;
  MikeySrtpParams p;
  g_autoptr (GBytes) body42 = NULL;
  MmkmClientEvent *ev;
  guint8 dg[MMKM_HB_LEN];
  gint64 d, fetched, last = 0;
  guint tries = 0;

  fix_init (&f);
  join_teks (&f);
  r42 = take_ack (&f, 42);
  r43 = take_ack (&f, 43);
  fail_unless (mmkm_client_next_request (f.c) == NULL);
  /* never blocking: the keys are there before any answer */
  fail_unless (mmkm_client_get_tek (f.c, 42, &p));
  mikey_srtp_params_clear (&p);
  fail_if (mmkm_client_get_tek_acked (f.c, 42));
  fail_unless_equals_int (mmkm_client_get_tek_acks (f.c), 0);

  /* a 503 and a transport failure: no event, a retry after 1 to 1.5 s */
  body42 = g_bytes_ref (r42->body);
  answer (&f, r42, 503, NULL, NULL, 0);
  mmkm_client_receive_failure (f.c, r43->id,
      MMKM_CLIENT_TRANSPORT_UNREACHABLE, "timed out", f.now);
  mmkm_client_request_free (r43);
  fail_unless (mmkm_client_next_event (f.c) == NULL);
  fail_unless (mmkm_client_next_request (f.c) == NULL);
  /* the heartbeat is due now (joined), the acknowledgements later */
  mmkm_client_handle_timeout (f.c, f.now);
  heartbeat (&f, MMKM_HB_HEARTBEAT);
  fail_unless (mmkm_client_next_request (f.c) == NULL);
  d = mmkm_client_get_deadline (f.c) - f.now;
  fail_unless (d >= SEC && d <= 3 * SEC / 2, "%" G_GINT64_FORMAT, d);
  f.now += d;
  mmkm_client_handle_timeout (f.c, f.now);
  /* the same message again, still taken by the server's check */
  r42 = take_ack (&f, 42);
  fail_unless (g_bytes_equal (r42->body, body42));
  r43 = take_ack (&f, 43);
  ack_done (&f, r42, 42);
  /* a refusal: an error that says the key is used all the same */
  answer_json (&f, r43, 400, mmkm_api_error_body (MMKM_API_ERR_BAD_REQUEST,
          "The acknowledgement answers none of the TEK messages this "
          "session was sent last: fetch the TEKs again."));
  ev = next_event (&f, MMKM_CLIENT_EVENT_ERROR);
  fail_unless_equals_int (ev->code, MMKM_CLIENT_ERROR_REFUSED);
  fail_if (ev->fatal);
  fail_unless (strstr (ev->message, "0000002b") != NULL, "%s", ev->message);
  fail_unless (strstr (ev->message, "all the same") != NULL, "%s", ev->message);
  mmkm_client_event_free (ev);
  fail_unless (mmkm_client_get_tek (f.c, 43, &p));
  mikey_srtp_params_clear (&p);
  fail_if (mmkm_client_get_tek_acked (f.c, 43));
  /* not retried: no deadline of its own */
  fail_unless (mmkm_client_get_deadline (f.c) > f.now + 5 * SEC);
  fail_unless_equals_int (mmkm_client_get_state (f.c), MMKM_CLIENT_JOINED);

  /* the next fetch: 43 again (42 is done), with its fresh message */
  mmkm_client_fetch (f.c, f.now);
  answer_json (&f, take (&f, MMKM_CLIENT_OP_TEKS), 200,
      teks_answer (&f, 42, 2));
  expect_event (&f, MMKM_CLIENT_EVENT_REKEY);
  ack_done (&f, take_ack (&f, 43), 43);
  fail_unless (mmkm_client_next_request (f.c) == NULL);
  fail_unless_equals_int (mmkm_client_get_tek_acks (f.c), 2);

  /* 44 listed, then the server fails every acknowledgement: retried
   * while the message is young enough, then no more (heartbeats ACKed
   * meanwhile, so that the server is not lost) */
  mmkm_client_fetch (f.c, f.now);
  answer_json (&f, take (&f, MMKM_CLIENT_OP_TEKS), 200,
      teks_answer (&f, 43, 2));
  fetched = f.now;
  drain_events (&f);
  while (f.now < fetched + 120 * SEC) {
    while ((r = mmkm_client_next_request (f.c))) {
      check_ack (&f, r, 44);
      tries++;
      last = f.now;
      answer (&f, r, tries % 2 ? 503 : 429, NULL, NULL, 0);
    }
    while (mmkm_client_next_datagram (f.c, dg, NULL))
      ack (&f, 0, 43);
    drain_events (&f);
    f.now = mmkm_client_get_deadline (f.c);
    mmkm_client_handle_timeout (f.c, f.now);
  }
  fail_unless (tries >= 4, "%u tries", tries);
  fail_unless (last - fetched <= 60 * SEC);
  fail_if (mmkm_client_get_tek_acked (f.c, 44));
  fail_unless (mmkm_client_get_tek (f.c, 44, &p));
  mikey_srtp_params_clear (&p);

  /* a fresher message while one is in flight: sent as soon as the old
   * one is refused */
  mmkm_client_fetch (f.c, f.now);
  answer_json (&f, take (&f, MMKM_CLIENT_OP_TEKS), 200,
      teks_answer (&f, 43, 2));
  drain_events (&f);
  r = take_ack (&f, 44);
  mmkm_client_fetch (f.c, f.now);
  answer_json (&f, take (&f, MMKM_CLIENT_OP_TEKS), 200,
      teks_answer (&f, 43, 2));
  drain_events (&f);
  fail_unless (mmkm_client_next_request (f.c) == NULL);
  answer (&f, r, 400, NULL, NULL, 0);
  fail_unless (mmkm_client_next_event (f.c) == NULL);
  mmkm_client_handle_timeout (f.c, mmkm_client_get_deadline (f.c));
  f.now = MAX (f.now, mmkm_client_get_deadline (f.c));
  /* the newest message, the one take_ack checks against */
  r = take_ack (&f, 44);

  /* 401: the session is gone, a new login */
  answer_json (&f, r, 401, mmkm_api_error_body (MMKM_API_ERR_UNAUTHORIZED,
          "Unknown session."));
  expect_error (&f, FALSE, "logging in again");
  fail_unless_equals_int (mmkm_client_get_state (f.c), MMKM_CLIENT_LOGGING_IN);
  fail_unless_equals_int (mmkm_client_get_tek_acks (f.c), 2);
  fail_if (mmkm_client_get_tek_acked (f.c, 43));
  fix_clear (&f);
}

GST_END_TEST;

GST_START_TEST (test_misses_server_lost)
{
  Fix f;
  MmkmClientEvent *ev;
  MmkmClientRequest *r;
  guint i;

  fix_init (&f);
  join (&f);
  /* heartbeats 1, 2, 3 unanswered: three misses at the sends of 2, 3, 4 */
  for (i = 0; i < 4; i++) {
    mmkm_client_handle_timeout (f.c, f.now);
    heartbeat (&f, MMKM_HB_HEARTBEAT);
    if (i < 3)
      fail_unless (mmkm_client_next_event (f.c) == NULL);
    f.now += 10 * SEC;
  }
  ev = next_event (&f, MMKM_CLIENT_EVENT_SERVER_LOST);
  fail_unless_equals_int (ev->misses, 3);
  mmkm_client_event_free (ev);
  /* it asks over HTTPS as well; no answer (a timeout) */
  r = take (&f, MMKM_CLIENT_OP_TEKS);
  mmkm_client_receive_failure (f.c, r->id, MMKM_CLIENT_TRANSPORT_UNREACHABLE,
      "timed out", f.now);
  mmkm_client_request_free (r);
  expect_error (&f, FALSE, "cannot be reached");
  /* lost once only */
  mmkm_client_handle_timeout (f.c, f.now);
  heartbeat (&f, MMKM_HB_HEARTBEAT);
  fail_unless (mmkm_client_next_event (f.c) == NULL);
  /* an ACK: back, after 4 misses */
  ack (&f, 0, 42);
  ev = next_event (&f, MMKM_CLIENT_EVENT_HEARTBEAT);
  fail_unless_equals_int (ev->misses, 4);
  mmkm_client_event_free (ev);
  expect_event (&f, MMKM_CLIENT_EVENT_SERVER_RESTORED);
  fix_clear (&f);
}

GST_END_TEST;

GST_START_TEST (test_unknown_mki_rate_limit)
{
  Fix f;
  MmkmClientRequest *r;
  guint i;

  fix_init (&f);
  fail_if (mmkm_client_saw_mki (f.c, 99, f.now));
  join (&f);
  /* a known MKI: nothing */
  fail_if (mmkm_client_saw_mki (f.c, 42, f.now));
  fail_unless (mmkm_client_next_request (f.c) == NULL);
  /* unknown: a fetch at once, not a second one while it runs */
  fail_unless (mmkm_client_saw_mki (f.c, 99, f.now));
  fail_if (mmkm_client_saw_mki (f.c, 99, f.now));
  r = take (&f, MMKM_CLIENT_OP_TEKS);
  fail_unless (mmkm_client_next_request (f.c) == NULL);
  answer_json (&f, r, 200, teks_answer (&f, 42, 2));
  drain_events (&f);
  /* three at once (the first was one of them), then one per 10 s */
  for (i = 0; i < 2; i++) {
    fail_unless (mmkm_client_saw_mki (f.c, 99, f.now));
    answer_json (&f, take (&f, MMKM_CLIENT_OP_TEKS), 200,
        teks_answer (&f, 42, 2));
    drain_events (&f);
  }
  fail_if (mmkm_client_saw_mki (f.c, 99, f.now));
  fail_if (mmkm_client_saw_mki (f.c, 99, f.now + 9 * SEC));
  fail_unless (mmkm_client_next_request (f.c) == NULL);
  fail_unless (mmkm_client_saw_mki (f.c, 99, f.now + 10 * SEC));
  mmkm_client_request_free (take (&f, MMKM_CLIENT_OP_TEKS));
  fix_clear (&f);
}

GST_END_TEST;

GST_START_TEST (test_401_relogin)
{
  Fix f;
  MmkmClientRequest *r;
  gint64 d;
  guint old_call;

  fix_init (&f);
  join (&f);
  /* a call of this session, still open when the session ends */
  old_call = mmkm_client_get_songs (f.c);
  mmkm_client_request_free (take (&f, MMKM_CLIENT_OP_SONGS_GET));
  mmkm_client_fetch (f.c, f.now);
  r = take (&f, MMKM_CLIENT_OP_TEKS);
  answer_json (&f, r, 401, mmkm_api_error_body (MMKM_API_ERR_UNAUTHORIZED,
          "Unknown session."));
  expect_error (&f, FALSE, "logging in again");
  fail_unless_equals_int (mmkm_client_get_state (f.c), MMKM_CLIENT_LOGGING_IN);
  /* the session's keys are gone; a login follows at once */
  fail_if (mmkm_client_get_kek (f.c, f.kek));
  fail_unless (mmkm_client_get_deadline (f.c) == f.now);
  fail_unless (mmkm_client_get_session_id (f.c) == NULL);
  mmkm_client_handle_timeout (f.c, f.now);
  login_and_kek (&f);
  /* the answer to a request of the old session is ignored */
  mmkm_client_receive_response (f.c, old_call, 200, "application/json",
      (const guint8 *) "{\"songs\":[]}", 12, f.now);
  fail_unless (mmkm_client_next_event (f.c) == NULL);
  r = take (&f, MMKM_CLIENT_OP_TEKS);
  answer_json (&f, r, 401, NULL);
  expect_error (&f, FALSE, NULL);
  /* a second 401 in a row: backed off, 1 s and up to half of it more */
  d = mmkm_client_get_deadline (f.c) - f.now;
  fail_unless (d >= MMKM_CLIENT_BACKOFF_MIN
      && d <= MMKM_CLIENT_BACKOFF_MIN * 3 / 2, "%" G_GINT64_FORMAT, d);
  mmkm_client_handle_timeout (f.c, f.now + d - 1);
  fail_unless (mmkm_client_next_request (f.c) == NULL);
  mmkm_client_handle_timeout (f.c, f.now + d);
  mmkm_client_request_free (take (&f, MMKM_CLIENT_OP_LOGIN));
  /* the server is down: a 503, the next retry later still */
  f.now += d;
  fix_clear (&f);
}

GST_END_TEST;

GST_START_TEST (test_login_refusals)
{
  struct
  {
    guint status;
    MmkmApiErrorCode code;
    MmkmClientError want;
    const gchar *word;
  } cases[] = {
    {401, MMKM_API_ERR_UNAUTHORIZED, MMKM_CLIENT_ERROR_WRONG_PASSWORD,
        "password"},
    {404, MMKM_API_ERR_NOT_FOUND, MMKM_CLIENT_ERROR_UNKNOWN_GROUP, "group"},
    {403, MMKM_API_ERR_FORBIDDEN, MMKM_CLIENT_ERROR_FORBIDDEN, "disabled"},
    {409, MMKM_API_ERR_CONFLICT, MMKM_CLIENT_ERROR_DUPLICATE_LOGIN,
        "logged in already"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    Fix f;

    fix_init (&f);
    fail_unless (mmkm_client_join (f.c, f.now, NULL));
    answer_json (&f, take (&f, MMKM_CLIENT_OP_LOGIN), cases[i].status,
        mmkm_api_error_body (cases[i].code, "Refused."));
    fail_unless_equals_int (expect_error (&f, TRUE, cases[i].word),
        cases[i].want);
    fail_unless_equals_int (mmkm_client_get_state (f.c), MMKM_CLIENT_FAILED);
    fail_unless (mmkm_client_get_deadline (f.c) == G_MAXINT64);
    fix_clear (&f);
  }
}

GST_END_TEST;

GST_START_TEST (test_transport_errors)
{
  Fix f;
  MmkmClientRequest *r;
  gint64 d;
  gchar *body;
  MmkmApiError e = { 0 };

  /* unreachable: retried with backoff, told once */
  fix_init (&f);
  fail_unless (mmkm_client_join (f.c, f.now, NULL));
  r = take (&f, MMKM_CLIENT_OP_LOGIN);
  mmkm_client_receive_failure (f.c, r->id, MMKM_CLIENT_TRANSPORT_UNREACHABLE,
      "Connection refused", f.now);
  mmkm_client_request_free (r);
  fail_unless_equals_int (expect_error (&f, FALSE, "Connection refused"),
      MMKM_CLIENT_ERROR_UNREACHABLE);
  d = mmkm_client_get_deadline (f.c) - f.now;
  fail_unless (d >= SEC && d <= 3 * SEC / 2);
  f.now += d;
  mmkm_client_handle_timeout (f.c, f.now);
  r = take (&f, MMKM_CLIENT_OP_LOGIN);
  answer_json (&f, r, 503, NULL);
  fail_unless (mmkm_client_next_event (f.c) == NULL);
  fail_unless (mmkm_client_get_deadline (f.c) - f.now >= 2 * SEC);
  /* 429 with retry_after is followed */
  f.now = mmkm_client_get_deadline (f.c);
  mmkm_client_handle_timeout (f.c, f.now);
  r = take (&f, MMKM_CLIENT_OP_LOGIN);
  e.code = MMKM_API_ERR_TOO_MANY_REQUESTS;
  e.message = (gchar *) "Too many failed logins.";
  e.reason = (gchar *) "login_rate";
  e.retry_after = 30;
  body = mmkm_api_error_to_json (&e);
  answer_json (&f, r, 429, body);
  fail_unless_equals_int (expect_error (&f, FALSE, "30 s"),
      MMKM_CLIENT_ERROR_RATE_LIMITED);
  fail_unless (mmkm_client_get_deadline (f.c) == f.now + 30 * SEC);
  fix_clear (&f);

  /* not the pinned server: fatal */
  fix_init (&f);
  fail_unless (mmkm_client_register (f.c, f.now, NULL));
  r = take (&f, MMKM_CLIENT_OP_REGISTER);
  mmkm_client_receive_failure (f.c, r->id, MMKM_CLIENT_TRANSPORT_CERTIFICATE,
      "it presented SHA-256 fingerprint AB:CD", f.now);
  mmkm_client_request_free (r);
  fail_unless_equals_int (expect_error (&f, TRUE, "fingerprint"),
      MMKM_CLIENT_ERROR_SERVER_CERT);
  fix_clear (&f);
}

GST_END_TEST;

GST_START_TEST (test_register)
{
  Fix f;
  MmkmClientRequest *r;
  MmkmApiRegisterRequest rr = { 0 };
  MmkmApiRegisterResponse resp = { 0 };

  fix_init (&f);
  fail_unless (mmkm_client_register (f.c, f.now, NULL));
  fail_if (mmkm_client_join (f.c, f.now, NULL));
  r = take (&f, MMKM_CLIENT_OP_REGISTER);
  fail_unless (mmkm_api_register_request_from_json (g_bytes_get_data
          (r->body, NULL), g_bytes_get_size (r->body), &rr, NULL));
  fail_unless_equals_string (rr.certificate,
      mmkm_identity_get_cert_pem (device));
  mmkm_api_register_request_clear (&rr);
  resp.user = (gchar *) "alice";
  memcpy (resp.fingerprint, mmkm_identity_get_fingerprint (device), 32);
  answer_json (&f, r, 201, mmkm_api_register_response_to_json (&resp));
  expect_event (&f, MMKM_CLIENT_EVENT_REGISTERED);
  fail_unless_equals_int (mmkm_client_get_state (f.c), MMKM_CLIENT_IDLE);

  /* a device exists already */
  fail_unless (mmkm_client_register (f.c, f.now, NULL));
  answer_json (&f, take (&f, MMKM_CLIENT_OP_REGISTER), 409,
      mmkm_api_error_body (MMKM_API_ERR_CONFLICT, "One device per user."));
  fail_unless_equals_int (expect_error (&f, TRUE, "One device per user"),
      MMKM_CLIENT_ERROR_REGISTERED);
  /* an answer naming another device */
  fail_unless (mmkm_client_register (f.c, f.now, NULL));
  resp.fingerprint[0] ^= 1;
  answer_json (&f, take (&f, MMKM_CLIENT_OP_REGISTER), 201,
      mmkm_api_register_response_to_json (&resp));
  expect_error (&f, TRUE, "another device");
  fix_clear (&f);
}

GST_END_TEST;

GST_START_TEST (test_bad_answers)
{
  static const gchar *const junk[] = { "", "{", "[]", "null",
    "{\"session\":1}", "\xff\xfe", "{\"teks\":[]}", "{\"a\":1,\"a\":2}"
  };
  Fix f;
  MmkmClientRequest *r;
  guint i;
  guint8 dg[MMKM_HB_LEN + 4];

  /* junk login answers: an error, a retry, never a crash */
  fix_init (&f);
  fail_unless (mmkm_client_join (f.c, f.now, NULL));
  for (i = 0; i < G_N_ELEMENTS (junk); i++) {
    answer (&f, take (&f, MMKM_CLIENT_OP_LOGIN), 200, "application/json",
        junk[i], strlen (junk[i]));
    fail_unless_equals_int (expect_error (&f, FALSE, "not valid"),
        MMKM_CLIENT_ERROR_PROTOCOL);
    f.now = mmkm_client_get_deadline (f.c);
    mmkm_client_handle_timeout (f.c, f.now);
  }
  /* a DH answer that is not one: fatal, the KEK stays unknown */
  answer_json (&f, take (&f, MMKM_CLIENT_OP_LOGIN), 200,
      login_answer (&f, 10000, 3));
  answer (&f, take (&f, MMKM_CLIENT_OP_KEK), 200, "application/mikey",
      "\x01\x00\x00", 3);
  fail_unless_equals_int (expect_error (&f, TRUE, "key exchange"),
      MMKM_CLIENT_ERROR_KEK);
  fail_if (mmkm_client_get_kek (f.c, f.kek));
  fix_clear (&f);

  /* junk TEK lists, and a TEK message under another KEK */
  fix_init (&f);
  join (&f);
  for (i = 0; i < G_N_ELEMENTS (junk); i++) {
    mmkm_client_fetch (f.c, f.now);
    answer (&f, take (&f, MMKM_CLIENT_OP_TEKS), 200, "application/json",
        junk[i], strlen (junk[i]));
    expect_error (&f, FALSE, NULL);
  }
  f.kek[0] ^= 1;
  mmkm_client_fetch (f.c, f.now);
  answer_json (&f, take (&f, MMKM_CLIENT_OP_TEKS), 200,
      teks_answer (&f, 50, 1));
  fail_unless_equals_int (expect_error (&f, FALSE, "did not open"),
      MMKM_CLIENT_ERROR_TEK);
  fail_unless_equals_int (expect_error (&f, FALSE, "clock"),
      MMKM_CLIENT_ERROR_TEK);
  /* what was held is still held */
  fail_unless_equals_int (mmkm_client_get_mkis (f.c, NULL, f.now, NULL), 2);

  /* junk datagrams: counted, nothing else */
  for (i = 0; i <= sizeof dg; i++) {
    memset (dg, i, sizeof dg);
    mmkm_client_receive_datagram (f.c, dg, i, f.now);
  }
  fail_unless (mmkm_client_next_event (f.c) == NULL);
  fail_unless_equals_int (mmkm_client_get_refused_datagrams (f.c),
      sizeof dg + 1);
  /* answers to unknown ids */
  mmkm_client_receive_response (f.c, 9999, 200, NULL, NULL, 0, f.now);
  mmkm_client_receive_failure (f.c, 9998, MMKM_CLIENT_TRANSPORT_CERTIFICATE,
      NULL, f.now);
  fail_unless (mmkm_client_next_event (f.c) == NULL);
  fail_unless_equals_int (mmkm_client_get_state (f.c), MMKM_CLIENT_JOINED);
  (void) r;
  fix_clear (&f);
}

GST_END_TEST;

GST_START_TEST (test_api_calls)
{
  Fix f;
  MmkmClientRequest *r;
  MmkmClientEvent *ev;
  MmkmApiSong songs[2] = { {1, (gchar *) "Clair de lune", 302000, 48000, 2},
  {2, (gchar *) "Gymnopédie No. 1", 185000, 44100, 2}
  };
  MmkmApiSongList list = { songs, 2 };
  MmkmApiQueueEntry entry = { 17, 2, (gchar *) "Clair de lune",
    (gchar *) "alice", T0
  };
  MmkmApiQueue queue = { TRUE, entry, &entry, 1 };
  MmkmApiEvent events[2] = { {44, MMKM_API_EVENT_QUEUE, T0},
  {45, MMKM_API_EVENT_TEK, T0, 0x2c, T0 + 2 * SEC}
  };
  MmkmApiEvents evs = { events, 2, 45 };
  MmkmApiError e = { 0 };
  MmkmApiSongRequest sr;
  guint id;

  fix_init (&f);
  /* not joined: no call */
  fail_unless_equals_int (mmkm_client_get_songs (f.c), 0);
  join (&f);

  id = mmkm_client_get_songs (f.c);
  fail_unless (id != 0);
  r = take (&f, MMKM_CLIENT_OP_SONGS_GET);
  fail_unless_equals_string (r->path, "/v1/songs");
  answer_json (&f, r, 200, mmkm_api_song_list_to_json (&list));
  ev = next_event (&f, MMKM_CLIENT_EVENT_SONGS);
  fail_unless_equals_int (ev->op_id, id);
  fail_unless_equals_int (ev->songs->n_songs, 2);
  fail_unless_equals_string (ev->songs->songs[1].title, "Gymnopédie No. 1");
  mmkm_client_event_free (ev);

  id = mmkm_client_put_songs (f.c, &list);
  r = take (&f, MMKM_CLIENT_OP_SONGS_PUT);
  fail_unless_equals_string (r->method, "PUT");
  answer (&f, r, 204, NULL, NULL, 0);
  ev = next_event (&f, MMKM_CLIENT_EVENT_DONE);
  fail_unless_equals_int (ev->op_id, id);
  mmkm_client_event_free (ev);

  id = mmkm_client_request_song (f.c, 2);
  r = take (&f, MMKM_CLIENT_OP_REQUEST_SONG);
  fail_unless_equals_string (r->path, "/v1/queue");
  fail_unless (mmkm_api_song_request_from_json (g_bytes_get_data (r->body,
              NULL), g_bytes_get_size (r->body), &sr, NULL));
  fail_unless_equals_int (sr.song, 2);
  answer_json (&f, r, 201, mmkm_api_queue_entry_to_json (&entry));
  ev = next_event (&f, MMKM_CLIENT_EVENT_QUEUE_ENTRY);
  fail_unless_equals_int (ev->entry->entry, 17);
  mmkm_client_event_free (ev);

  /* the request counter used up */
  id = mmkm_client_request_song (f.c, 2);
  e.code = MMKM_API_ERR_TOO_MANY_REQUESTS;
  e.message = (gchar *) "You have used your 3 song requests for this period.";
  e.reason = (gchar *) "request_limit";
  e.retry_after = 1260;
  answer_json (&f, take (&f, MMKM_CLIENT_OP_REQUEST_SONG), 429,
      mmkm_api_error_to_json (&e));
  ev = next_event (&f, MMKM_CLIENT_EVENT_ERROR);
  fail_unless_equals_int (ev->op_id, id);
  fail_unless_equals_int (ev->code, MMKM_CLIENT_ERROR_RATE_LIMITED);
  fail_unless (strstr (ev->message, "3 song requests") != NULL);
  fail_unless (strstr (ev->message, "1260 s") != NULL);
  fail_unless (!ev->fatal);
  mmkm_client_event_free (ev);
  /* an unknown song, and today's server without the endpoint: 404 */
  mmkm_client_request_song (f.c, 99);
  answer_json (&f, take (&f, MMKM_CLIENT_OP_REQUEST_SONG), 404,
      mmkm_api_error_body (MMKM_API_ERR_NOT_FOUND,
          "There is no song with this id."));
  fail_unless_equals_int (expect_error (&f, FALSE, "no song"),
      MMKM_CLIENT_ERROR_REFUSED);

  id = mmkm_client_get_queue (f.c);
  answer_json (&f, take (&f, MMKM_CLIENT_OP_QUEUE_GET), 200,
      mmkm_api_queue_to_json (&queue));
  ev = next_event (&f, MMKM_CLIENT_EVENT_QUEUE);
  fail_unless (ev->queue->playing);
  fail_unless_equals_int (ev->queue->n_entries, 1);
  mmkm_client_event_free (ev);
  /* junk in a queue answer */
  mmkm_client_get_queue (f.c);
  answer_json (&f, take (&f, MMKM_CLIENT_OP_QUEUE_GET), 200,
      g_strdup ("{\"entries\":7}"));
  expect_error (&f, FALSE, "not valid");

  /* next: an entry, or 204 when the queue is empty */
  mmkm_client_queue_next (f.c);
  answer (&f, take (&f, MMKM_CLIENT_OP_QUEUE_NEXT), 204, NULL, NULL, 0);
  expect_event (&f, MMKM_CLIENT_EVENT_DONE);
  mmkm_client_now_playing (f.c, 17);
  r = take (&f, MMKM_CLIENT_OP_NOW_PLAYING);
  fail_unless_equals_string (r->path, "/v1/queue/now-playing");
  answer (&f, r, 204, NULL, NULL, 0);
  expect_event (&f, MMKM_CLIENT_EVENT_DONE);
  /* a sender's call from a listener */
  mmkm_client_queue_next (f.c);
  answer_json (&f, take (&f, MMKM_CLIENT_OP_QUEUE_NEXT), 403,
      mmkm_api_error_body (MMKM_API_ERR_FORBIDDEN, "Senders only."));
  fail_unless_equals_int (expect_error (&f, FALSE, "Senders only"),
      MMKM_CLIENT_ERROR_FORBIDDEN);

  /* events: a TEK event starts a fetch; the next poll starts after the
   * last event seen */
  mmkm_client_poll_events (f.c, 60);
  r = take (&f, MMKM_CLIENT_OP_EVENTS);
  fail_unless_equals_string (r->path, "/v1/session/events?after=0&timeout=60");
  fail_unless (r->timeout_s > 60);
  answer_json (&f, r, 200, mmkm_api_events_to_json (&evs));
  mmkm_client_request_free (take (&f, MMKM_CLIENT_OP_TEKS));
  ev = next_event (&f, MMKM_CLIENT_EVENT_GROUP_EVENTS);
  fail_unless_equals_int (ev->events->n_events, 2);
  mmkm_client_event_free (ev);
  mmkm_client_poll_events (f.c, 0);
  r = take (&f, MMKM_CLIENT_OP_EVENTS);
  fail_unless_equals_string (r->path, "/v1/session/events?after=45");
  /* 401 on a call: the session is gone, log in again */
  answer_json (&f, r, 401, mmkm_api_error_body (MMKM_API_ERR_UNAUTHORIZED,
          "Unknown session."));
  expect_error (&f, FALSE, "logging in again");
  fail_unless_equals_int (mmkm_client_get_state (f.c), MMKM_CLIENT_LOGGING_IN);
  fix_clear (&f);
}

GST_END_TEST;

GST_START_TEST (test_bye)
{
  Fix f;
  MmkmClientRequest *r;
  guint64 last;

  fix_init (&f);
  join (&f);
  mmkm_client_handle_timeout (f.c, f.now);
  last = heartbeat (&f, MMKM_HB_HEARTBEAT);
  mmkm_client_leave (f.c, f.now);
  fail_unless_equals_int (mmkm_client_get_state (f.c), MMKM_CLIENT_LEAVING);
  /* a BYE datagram with the next sequence number, and the HTTPS BYE */
  fail_unless_equals_int (heartbeat (&f, MMKM_HB_BYE), last + 1);
  r = take (&f, MMKM_CLIENT_OP_BYE);
  fail_unless_equals_string (r->path, "/v1/session/bye");
  fail_unless (r->authorization != NULL);
  fail_unless (mmkm_client_get_deadline (f.c) == G_MAXINT64);
  answer (&f, r, 204, NULL, NULL, 0);
  expect_event (&f, MMKM_CLIENT_EVENT_LEFT);
  fail_unless_equals_int (mmkm_client_get_state (f.c), MMKM_CLIENT_LEFT);
  fail_if (mmkm_client_get_kek (f.c, f.kek));
  fail_unless_equals_int (mmkm_client_get_mkis (f.c, NULL, f.now, NULL), 0);
  /* and may join again */
  fail_unless (mmkm_client_join (f.c, f.now, NULL));
  mmkm_client_request_free (take (&f, MMKM_CLIENT_OP_LOGIN));
  fix_clear (&f);
}

GST_END_TEST;

static Suite *
mmkm_client_suite (void)
{
  Suite *s = suite_create ("mmkm-client");
  TCase *tc = tcase_create ("general");

  t0 = g_get_real_time ();
  server_id = mmkm_identity_new ("server", "mmkm:server", 0, NULL);
  device = mmkm_identity_new ("alice", "mmkm:user:alice", 0, NULL);
  g_assert (server_id && device);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_join_and_heartbeats);
  tcase_add_test (tc, test_tek_ack_retries);
  tcase_add_test (tc, test_misses_server_lost);
  tcase_add_test (tc, test_unknown_mki_rate_limit);
  tcase_add_test (tc, test_401_relogin);
  tcase_add_test (tc, test_login_refusals);
  tcase_add_test (tc, test_transport_errors);
  tcase_add_test (tc, test_register);
  tcase_add_test (tc, test_bad_answers);
  tcase_add_test (tc, test_api_calls);
  tcase_add_test (tc, test_bye);
  return s;
}

GST_CHECK_MAIN (mmkm_client);
