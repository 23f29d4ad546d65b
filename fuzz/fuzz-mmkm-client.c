/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the MMKM client state machine (lib/mmkm/
 * mmkm-client.c): everything a member takes from the network, in any
 * order, at any time.
 *
 * An input is a list of records, each
 *   op (1 byte) | status (2, big-endian) | length (2) | data (length)
 * and op & 7 says what happens: the answer to the oldest request still
 * open (status, data as its body, a Content-Type chosen by op's bits
 * 3-4), a datagram as it is, a datagram made authentic (the member's
 * session id and a correct MAC, so that the fuzzer gets past the MAC), a
 * step of the clock, a transport failure, an API call, a packet with an
 * MKI (or, with op's bit 3, a TEK fetch answered with a real TEK list
 * under the member's KEK, MKIs status << 16 | length and the next one,
 * whose acknowledgements become open requests), a leave. Bit 0 of the
 * first byte picks the member: a fresh one that is logging in, or one
 * that is joined (a real login, DH exchange, TEK fetch and TEK
 * acknowledgement answered with the server side's functions, made once
 * and again whenever an input threw it out).
 *
 * Properties: no crash, leak, out-of-bounds access or undefined
 * behaviour (ASan, UBSan), no GLib critical or warning (fatal); every
 * error event has a sentence; after a timeout is handled the deadline is
 * in the future; a state is one of the enum's. A violation aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "mmkm-client.h"
#include "mmkm-hmac.h"
#include "mmkm-kek.h"
#include "mmkm-tek.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

#define SEC G_GINT64_CONSTANT (1000000)

static MmkmIdentity *server_id, *device;
static MmkmClient *joined;
static gint64 now;

typedef struct
{
  MmkmClient *c;
  GArray *open;                 /* request ids, oldest first */
} Run;

static void
check (int ok, const char *what)
{
  if (!ok) {
    g_printerr ("fuzz-mmkm-client: property violated: %s\n", what);
    abort ();
  }
}

static MmkmClient *
client_new (void)
{
  MmkmClientConfig cc = { 0 };
  MmkmClient *c;

  cc.user = "alice";
  cc.device = device;
  c = mmkm_client_new (&cc, NULL);
  check (c != NULL, "client");
  check (mmkm_client_set_password (c, "pw", NULL), "password");
  mmkm_client_set_server_cert (c, mmkm_identity_get_cert (server_id));
  return c;
}

static void
drain (Run * r)
{
  MmkmClientRequest *q;
  MmkmClientEvent *ev;
  guint8 dg[MMKM_HB_LEN];

  while ((q = mmkm_client_next_request (r->c))) {
    check (q->path && q->path[0] == '/', "request path");
    check (!q->body || q->content_type, "body without a type");
    g_array_append_val (r->open, q->id);
    mmkm_client_request_free (q);
  }
  while (mmkm_client_next_datagram (r->c, dg, NULL));
  while ((ev = mmkm_client_next_event (r->c))) {
    if (ev->type == MMKM_CLIENT_EVENT_ERROR)
      check (ev->message && ev->message[0], "an error without a sentence");
    mmkm_client_event_free (ev);
  }
  check (mmkm_client_get_state (r->c) <= MMKM_CLIENT_FAILED, "state");
}

/* The next request of @op, answered as the server would */
static MmkmClientRequest *
take (MmkmClient * c, MmkmClientOp op)
{
  MmkmClientRequest *q;

  while ((q = mmkm_client_next_request (c)) && q->op != op)
    mmkm_client_request_free (q);
  check (q != NULL, "the join did not go on");
  return q;
}

/* A TEK list as the server makes it: @n TEKs from @mki on, under @kek;
 * NULL when the group cannot have one (a fuzzed login answer) */
static gchar *
teks_json (const guint8 * kek, guint32 group_id, guint32 mki, guint n)
{
  MmkmApiTeks t = { 0 };
  guint8 tek[30] = { 1, 2, 3 };
  gchar *json = NULL;
  guint i;

  for (i = 0; i < n; i++) {
    MmkmTekParams p = { 0 };

    p.kek = kek;
    p.user_name = "alice";
    p.group_id = group_id;
    p.tek = tek;
    p.tek_len = sizeof tek;
    p.mki = mki + i;
    tek[3] = (guint8) i;
    t.teks[i].mki = mki + i;
    t.teks[i].activation = now + i * 3600 * SEC;
    if (!(t.teks[i].mikey = mmkm_tek_message_build (&p, now, NULL)))
      goto out;
    t.n_teks = i + 1;
  }
  t.next_fetch = now + 3000 * SEC;
  json = mmkm_api_teks_to_json (&t);
out:
  mmkm_api_teks_clear (&t);
  return json;
}

static void
real_join (MmkmClient * c)
{
  MmkmApiLoginResponse lr = { 0 };
  guint8 kek[MMKM_KEK_LEN];
  MmkmClientRequest *q;
  GBytes *reply = NULL;
  gchar *json;

  check (mmkm_client_join (c, now, NULL), "join");
  q = take (c, MMKM_CLIENT_OP_LOGIN);
  memset (lr.session_id, 0xa5, sizeof lr.session_id);
  lr.heartbeat_port = 7700;
  lr.heartbeat_interval_ms = 10000;
  lr.allowed_misses = 3;
  lr.group_id = 7;
  lr.group_name = (gchar *) "default";
  lr.suite = (gchar *) "AES_CM_128_HMAC_SHA1_80";
  lr.tek_period_ms = 3600000;
  lr.request_period_ms = 3600000;
  json = mmkm_api_login_response_to_json (&lr);
  mmkm_client_receive_response (c, q->id, 200, "application/json",
      (const guint8 *) json, strlen (json), now);
  g_free (json);
  mmkm_client_request_free (q);
  q = take (c, MMKM_CLIENT_OP_KEK);
  check (mmkm_kek_server_respond (server_id, "alice",
          mmkm_identity_get_cert (device), NULL, g_bytes_get_data (q->body,
              NULL), g_bytes_get_size (q->body), now, &reply, kek, NULL),
      "DH answer");
  mmkm_client_receive_response (c, q->id, 200, "application/mikey",
      g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), now);
  g_bytes_unref (reply);
  mmkm_client_request_free (q);
  q = take (c, MMKM_CLIENT_OP_TEKS);
  json = teks_json (kek, 7, 42, 1);
  check (json != NULL, "TEK list");
  mmkm_client_receive_response (c, q->id, 200, "application/json",
      (const guint8 *) json, strlen (json), now);
  g_free (json);
  mmkm_client_request_free (q);
  /* the acknowledgement the server takes */
  q = take (c, MMKM_CLIENT_OP_TEK_ACK);
  mmkm_client_receive_response (c, q->id, 204, NULL, NULL, 0, now);
  mmkm_client_request_free (q);
  OPENSSL_cleanse (kek, sizeof kek);
  check (mmkm_client_get_state (c) == MMKM_CLIENT_JOINED, "joined");
  check (mmkm_client_get_tek_acked (c, 42), "TEK acknowledged");
}

/* A fetch answered with a real TEK list (MKIs @mki, @mki + 1) under the
 * member's KEK; every other request goes to the open ones, the
 * acknowledgements among them */
static void
real_teks (Run * r, guint32 mki)
{
  const MmkmApiLoginResponse *l = mmkm_client_get_login (r->c);
  guint8 kek[MMKM_KEK_LEN];
  MmkmClientRequest *q;
  gchar *json;

  if (!l || !mmkm_client_get_kek (r->c, kek))
    return;
  mmkm_client_fetch (r->c, now);
  while ((q = mmkm_client_next_request (r->c))
      && q->op != MMKM_CLIENT_OP_TEKS) {
    g_array_append_val (r->open, q->id);
    mmkm_client_request_free (q);
  }
  /* a fetch was under way already: it stays open */
  if (q) {
    json = teks_json (kek, l->group_id, mki, 2);
    if (json)
      mmkm_client_receive_response (r->c, q->id, 200, "application/json",
          (const guint8 *) json, strlen (json), now);
    else
      g_array_append_val (r->open, q->id);
    g_free (json);
    mmkm_client_request_free (q);
  }
  OPENSSL_cleanse (kek, sizeof kek);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* a g_return_if_fail() hit is a bug too */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  now = g_get_real_time ();
  server_id = mmkm_identity_new ("server", "mmkm:server", 0, NULL);
  device = mmkm_identity_new ("alice", "mmkm:user:alice", 0, NULL);
  check (server_id && device, "identities");
  return 0;
}

static void
authentic (MmkmClient * c, guint8 dg[MMKM_HB_LEN])
{
  guint8 kek[MMKM_KEK_LEN];
  MmkmHbKey key;
  const guint8 *sid = mmkm_client_get_session_id (c);

  if (!sid || !mmkm_client_get_kek (c, kek))
    return;
  check (mmkm_hb_key_derive (kek, sizeof kek, &key, NULL), "hb key");
  memcpy (dg + 8, sid, MMKM_SESSION_ID_LEN);
  check (mmkm_hmac_sha256 (key.bytes, sizeof key.bytes, dg,
          MMKM_HB_MAC_OFFSET, NULL, 0, dg + MMKM_HB_MAC_OFFSET, NULL), "MAC");
  mmkm_hb_key_clear (&key);
}

static void
api_call (MmkmClient * c, guint which, guint32 arg)
{
  MmkmApiSongList none = { 0 };

  switch (which % 7) {
    case 0:
      mmkm_client_get_songs (c);
      break;
    case 1:
      mmkm_client_request_song (c, arg);
      break;
    case 2:
      mmkm_client_get_queue (c);
      break;
    case 3:
      mmkm_client_queue_next (c);
      break;
    case 4:
      mmkm_client_now_playing (c, arg);
      break;
    case 5:
      mmkm_client_poll_events (c, arg % 200);
      break;
    default:
      mmkm_client_put_songs (c, &none);
      break;
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  static const gchar *const types[] = { "application/json",
    "application/mikey", NULL, "text/plain"
  };
  Run r = { 0 };
  gsize off = 1;

  if (size < 1)
    return 0;
  /* the certificates are valid from a day ago: each input starts now */
  now = g_get_real_time ();
  r.open = g_array_new (FALSE, FALSE, sizeof (guint));
  if (data[0] & 1) {
    if (!joined || mmkm_client_get_state (joined) != MMKM_CLIENT_JOINED) {
      g_clear_pointer (&joined, mmkm_client_free);
      joined = client_new ();
      real_join (joined);
    }
    r.c = joined;
    /* what the last input left open is not this input's */
    {
      MmkmClientRequest *q;
      while ((q = mmkm_client_next_request (r.c)))
        mmkm_client_request_free (q);
    }
  } else {
    r.c = client_new ();
    if (data[0] & 2)
      mmkm_client_register (r.c, now, NULL);
    else
      mmkm_client_join (r.c, now, NULL);
  }
  drain (&r);

  while (off + 5 <= size) {
    guint op = data[off];
    guint status = data[off + 1] << 8 | data[off + 2];
    gsize len = data[off + 3] << 8 | data[off + 4];
    const guint8 *body = data + off + 5;
    guint8 dg[MMKM_HB_LEN] = { 0 };
    guint id = 0;

    off += 5;
    len = MIN (len, size - off);
    off += len;
    if (r.open->len && ((op & 7) == 0 || (op & 7) == 4)) {
      id = g_array_index (r.open, guint, 0);
      g_array_remove_index (r.open, 0);
    }
    switch (op & 7) {
      case 0:
        if (id)
          mmkm_client_receive_response (r.c, id, status, types[(op >> 3) & 3],
              len ? body : NULL, len, now);
        break;
      case 1:
        mmkm_client_receive_datagram (r.c, body, len, now);
        break;
      case 2:
        memcpy (dg, body, MIN (len, sizeof dg));
        authentic (r.c, dg);
        mmkm_client_receive_datagram (r.c, dg, sizeof dg, now);
        break;
      case 3:{
        gint64 deadline = mmkm_client_get_deadline (r.c);
        /* forward by the status in ms, or to the deadline; or back */
        if (op & 8)
          now = deadline != G_MAXINT64 ? MAX (deadline, now) : now;
        else if (op & 16)
          now -= status * 1000;
        else
          now += status * (gint64) 1000;
        if (now >= mmkm_client_get_deadline (r.c)) {
          mmkm_client_handle_timeout (r.c, now);
          check (mmkm_client_get_deadline (r.c) > now,
              "a deadline that is due again at once");
        }
        break;
      }
      case 4:
        if (id)
          mmkm_client_receive_failure (r.c, id, status & 1 ?
              MMKM_CLIENT_TRANSPORT_CERTIFICATE :
              MMKM_CLIENT_TRANSPORT_UNREACHABLE, NULL, now);
        break;
      case 5:
        api_call (r.c, status, len);
        break;
      case 6:
        if (op & 8)
          real_teks (&r, status << 16 | len);
        else
          mmkm_client_saw_mki (r.c, status << 16 | len, now);
        break;
      default:
        mmkm_client_leave (r.c, now);
        break;
    }
    drain (&r);
  }
  /* what is still open times out, as a driver's requests do */
  while (r.open->len) {
    guint id = g_array_index (r.open, guint, 0);
    g_array_remove_index (r.open, 0);
    mmkm_client_receive_failure (r.c, id, MMKM_CLIENT_TRANSPORT_UNREACHABLE,
        "timed out", now);
    drain (&r);
  }
  if (r.c != joined)
    mmkm_client_free (r.c);
  g_array_unref (r.open);
  return 0;
}
