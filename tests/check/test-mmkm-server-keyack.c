/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkm-server end to end, issue 9's later pieces: the members' TEK
 * acknowledgements (POST /v1/session/teks/ack), a new TEK on join
 * ([group] rekey-on-join), the heartbeat replay windows across a kill -9,
 * and password checks off the main loop. The real daemon, as in
 * test-mmkm-server.c (mmkm-test-server.h). */
#include <gst/check/gstcheck.h>
#include <signal.h>
#include <string.h>

#include "mmkm-api.h"
#include "mmkm-password.h"
#include "mmkm-test-server.h"

/* Fetches the TEKs and opens the first; its acknowledgement in @ack */
static void
member_fetch_ack (Member * m, guint32 * mki, GBytes ** ack)
{
  g_autoptr (GBytes) b = NULL;
  MmkmApiTeks t = { 0 };
  MikeySrtpParams k = { 0 };
  GError *e = NULL;

  fail_unless_equals_int (request ("GET", "/v1/session/teks", NULL, NULL, 0,
          m->token, &b), 200);
  fail_unless (mmkm_api_teks_from_json (g_bytes_get_data (b, NULL),
          g_bytes_get_size (b), &t, NULL));
  fail_unless (mmkm_tek_receiver_open_ack (m->rx, g_bytes_get_data
          (t.teks[0].mikey, NULL), g_bytes_get_size (t.teks[0].mikey),
          g_get_real_time (), &k, ack, &e), "%s", e ? e->message : "");
  fail_unless (*ack != NULL);
  *mki = t.teks[0].mki;
  mikey_srtp_params_clear (&k);
  mmkm_api_teks_clear (&t);
}

static guint
post_ack (Member * m, GBytes * ack, GBytes ** out)
{
  return request ("POST", "/v1/session/teks/ack", "application/mikey",
      g_bytes_get_data (ack, NULL), g_bytes_get_size (ack),
      m ? m->token : NULL, out);
}

/* Seed 002 step 4b: the member acknowledges a TEK with the MIKEY
 * verification message; the store records who holds which MKI, once. */
GST_START_TEST (test_server_tek_ack)
{
  Member alice = { (gchar *) "alice" }, bob = { (gchar *) "bob" };
  g_autoptr (GBytes) ack = NULL, ack_bob = NULL, b = NULL;
  g_autofree gchar *body = NULL;
  MmkmStore *st;
  GPtrArray *acks;
  guint32 mki = 0, mki_bob = 0;
  gint64 first_time;

  state_setup ("[passwords]\nt-cost = 1\nm-cost-kib = 256\n");
  member_join (&alice);
  member_join (&bob);
  member_fetch_ack (&alice, &mki, &ack);
  fail_unless_equals_int (post_ack (&alice, ack, NULL), 204);

  st = store_open ();
  acks = mmkm_store_tek_ack_list (st, alice.group_id, mki, NULL);
  fail_unless (acks != NULL);
  fail_unless_equals_int (acks->len, 1);
  fail_unless_equals_string (((MmkmTekAck *) acks->pdata[0])->user, "alice");
  fail_unless (memcmp (((MmkmTekAck *) acks->pdata[0])->session_id,
          alice.session_id, MMKM_SESSION_ID_LEN) == 0);
  first_time = ((MmkmTekAck *) acks->pdata[0])->acked_us;
  g_ptr_array_unref (acks);

  /* a replay changes nothing */
  g_usleep (10 * 1000);
  fail_unless_equals_int (post_ack (&alice, ack, NULL), 204);
  acks = mmkm_store_tek_ack_list (st, alice.group_id, mki, NULL);
  fail_unless_equals_int (acks->len, 1);
  fail_unless_equals_int64 (((MmkmTekAck *) acks->pdata[0])->acked_us,
      first_time);
  g_ptr_array_unref (acks);

  /* alice's acknowledgement sent by bob answers nothing bob was sent */
  fail_unless_equals_int (post_ack (&bob, ack, &b), 400);
  body = body_str (b);
  fail_unless (strstr (body, "\"tek_ack\"") != NULL, "%s", body);
  /* altered, not MIKEY, no token, another type */
  {
    gsize len;
    const guint8 *d = g_bytes_get_data (ack, &len);
    guint8 *bad = g_memdup2 (d, len);
    g_autoptr (GBytes) altered = NULL;

    bad[len - 1] ^= 0x01;
    altered = g_bytes_new_take (bad, len);
    fail_unless_equals_int (post_ack (&alice, altered, NULL), 400);
    fail_unless_equals_int (request ("POST", "/v1/session/teks/ack",
            "application/mikey", "junk", 4, alice.token, NULL), 400);
  }
  fail_unless_equals_int (post_ack (NULL, ack, NULL), 401);
  fail_unless_equals_int (request ("POST", "/v1/session/teks/ack",
          "application/json", g_bytes_get_data (ack, NULL),
          g_bytes_get_size (ack), alice.token, NULL), 415);

  /* bob's own: both hold the MKI */
  member_fetch_ack (&bob, &mki_bob, &ack_bob);
  fail_unless_equals_int (mki_bob, mki);
  fail_unless_equals_int (post_ack (&bob, ack_bob, NULL), 204);
  acks = mmkm_store_tek_ack_list (st, alice.group_id, mki, NULL);
  fail_unless_equals_int (acks->len, 2);
  g_ptr_array_unref (acks);
  mmkm_store_close (st);

  server_term ();
  member_clear (&alice);
  member_clear (&bob);
  state_teardown ();
}

GST_END_TEST;

/* [group] rekey-on-join: a join forces a new TEK and the newcomer never
 * gets the one in use before it, not even after a restart. */
GST_START_TEST (test_server_rekey_on_join)
{
  Member alice = { (gchar *) "alice" }, bob = { (gchar *) "bob" };
  MikeySrtpParams ka = { 0 }, kb = { 0 };
  guint32 a_first = 0, b_first = 0, now_first = 0;
  guint n = 0;
  gint64 deadline;

  state_setup ("[group]\nrekey-on-join = true\npropagation-delay-ms = 1500\n"
      "[passwords]\nt-cost = 1\nm-cost-kib = 256\n");
  member_join (&alice);
  /* alice's own join made a TEK: hers once it is in use */
  deadline = g_get_real_time () + 10 * G_USEC_PER_SEC;
  do {
    g_usleep (100 * 1000);
    fail_unless_equals_int (member_fetch (&alice, 0, &ka, &a_first, &n), 200);
    mikey_srtp_params_clear (&ka);
  } while (n > 1 && g_get_real_time () < deadline);
  fail_unless_equals_int (n, 1);
  fail_unless (a_first >= 2, "%u", a_first);

  member_join (&bob);
  /* bob: nothing older than his join; the TEK in use (a_first) is not
   * in his list */
  fail_unless_equals_int (member_fetch (&bob, 0, &kb, &b_first, &n), 200);
  mikey_srtp_params_clear (&kb);
  fail_unless (b_first > a_first, "%u, %u", b_first, a_first);
  fail_unless_equals_int (member_fetch (&bob, a_first, &kb, NULL, NULL), 404);

  /* kill -9 and restart before bob's TEK is in use: still not */
  server_kill ();
  server_start ();
  fail_unless_equals_int (member_fetch (&bob, 0, &kb, &now_first, NULL), 200);
  mikey_srtp_params_clear (&kb);
  fail_unless_equals_int (now_first, b_first);

  /* alice gets it too: the same key as bob's */
  fail_unless_equals_int (member_fetch (&alice, b_first, &ka, NULL, NULL), 200);
  fail_unless_equals_int (member_fetch (&bob, b_first, &kb, NULL, NULL), 200);
  fail_unless (memcmp (ka.key, kb.key, ka.key_len) == 0);
  mikey_srtp_params_clear (&ka);
  mikey_srtp_params_clear (&kb);

  server_term ();
  member_clear (&alice);
  member_clear (&bob);
  state_teardown ();
}

GST_END_TEST;

/* an ACK on loopback comes in milliseconds: this long without one is a
 * refusal */
#define WAIT_NO_ACK_US (500 * 1000)

/* A heartbeat accepted before a kill -9 is refused when replayed after
 * the restart (no ACK), though no store write was made per heartbeat;
 * the member's new heartbeats are answered again within a few. */
GST_START_TEST (test_server_hb_replay_restart)
{
  Member alice = { (gchar *) "alice" };
  g_autoptr (GSocket) sa = udp_socket ();
  guint8 dg[MMKM_HB_LEN], last[MMKM_HB_LEN], earlier[MMKM_HB_LEN];
  MmkmHeartbeat ack;
  MmkmStore *st;
  MmkmSession *row;
  guint i, tries;
  gboolean acked = FALSE;

  state_setup ("[passwords]\nt-cost = 1\nm-cost-kib = 256\n");
  member_join (&alice);
  for (i = 1; i <= 7; i++) {
    hb_make (&alice, MMKM_HB_HEARTBEAT, dg);
    hb_send_raw (sa, dg);
    fail_unless (hb_recv_ack (sa, &alice, &ack));
    if (i == 5)
      memcpy (earlier, dg, MMKM_HB_LEN);
    /* the third reaches stored (0) + the step (3 at 6 allowed misses):
     * the store batches its writes, and this ACK waits for the commit */
    if (i == 3) {
      st = store_open ();
      row = mmkm_store_session_get (st, alice.session_id, NULL);
      fail_unless (row != NULL);
      fail_unless_equals_uint64 (row->hb_seq, 3);
      mmkm_session_free (row);
      mmkm_store_close (st);
    }
  }
  memcpy (last, dg, MMKM_HB_LEN);
  /* not every heartbeat was written: the stored number lags behind */
  st = store_open ();
  row = mmkm_store_session_get (st, alice.session_id, NULL);
  fail_unless (row != NULL);
  fail_unless (row->hb_seq >= 1 && row->hb_seq < 7, "%" G_GUINT64_FORMAT,
      row->hb_seq);
  mmkm_session_free (row);
  mmkm_store_close (st);

  server_kill ();
  server_start ();
  hb_send_raw (sa, last);
  fail_if (hb_recv_ack_within (sa, &alice, &ack, WAIT_NO_ACK_US));
  hb_send_raw (sa, earlier);
  fail_if (hb_recv_ack_within (sa, &alice, &ack, WAIT_NO_ACK_US));
  for (tries = 0; tries < 4 && !acked; tries++) {
    hb_make (&alice, MMKM_HB_HEARTBEAT, dg);
    hb_send_raw (sa, dg);
    acked = hb_recv_ack_within (sa, &alice, &ack, WAIT_NO_ACK_US);
  }
  fail_unless (acked);
  /* and that one is not taken twice either */
  hb_send_raw (sa, dg);
  fail_if (hb_recv_ack_within (sa, &alice, &ack, WAIT_NO_ACK_US));

  server_term ();
  member_clear (&alice);
  state_teardown ();
}

GST_END_TEST;

typedef struct
{
  GMainLoop *loop;
  guint pending;
  guint order;                  /* completions so far */
  guint last_login;             /* order of the last login answer */
  guint fetch_done;             /* order of the TEK fetch's answer */
  guint fetch_status;
  guint hb_done;                /* order of the heartbeat's ACK */
  guint n_401;
  guint n_busy;                 /* 429 with reason "busy" */
  guint n_other;
  guint written;
  /* the member's requests, sent when the first login is answered */
  gboolean member_sent;
  Member *member;
  SoupSession *session;
  GSocket *hb_sock;
  GSource *hb_src;
} Race;

static void race_member_requests (Race * r);

static void
race_login_done (GObject * source, GAsyncResult * res, gpointer data)
{
  Race *r = data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION
      (source), res);
  GBytes *b = soup_session_send_and_read_finish (SOUP_SESSION (source), res,
      NULL);

  if (soup_message_get_status (msg) == 401)
    r->n_401++;
  r->last_login = ++r->order;
  if (b)
    g_bytes_unref (b);
  if (!r->member_sent)
    race_member_requests (r);
  if (--r->pending == 0)
    g_main_loop_quit (r->loop);
}

static void
race_fetch_done (GObject * source, GAsyncResult * res, gpointer data)
{
  Race *r = data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION
      (source), res);
  GBytes *b = soup_session_send_and_read_finish (SOUP_SESSION (source), res,
      NULL);

  r->fetch_status = soup_message_get_status (msg);
  r->fetch_done = ++r->order;
  if (b)
    g_bytes_unref (b);
  if (--r->pending == 0)
    g_main_loop_quit (r->loop);
}

static gboolean
race_hb_readable (GSocket * sock, GIOCondition cond, gpointer data)
{
  Race *r = data;

  r->hb_done = ++r->order;
  if (--r->pending == 0)
    g_main_loop_quit (r->loop);
  return G_SOURCE_REMOVE;
}

static void
race_wrote_body (SoupMessage * msg, gpointer data)
{
  Race *r = data;

  r->written++;
}

static SoupMessage *
race_message (const gchar * method, const gchar * path, const gchar * json,
    const gchar * token)
{
  g_autofree gchar *uri = g_strdup_printf ("https://127.0.0.1:%u%s",
      srv.port, path);
  SoupMessage *msg = soup_message_new (method, uri);

  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_cert), NULL);
  if (json) {
    g_autoptr (GBytes) b = g_bytes_new (json, strlen (json));
    soup_message_set_request_body_from_bytes (msg, "application/json", b);
  }
  if (token) {
    g_autofree gchar *h = g_strconcat ("Bearer ", token, NULL);
    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "Authorization", h);
  }
  return msg;
}

static void
race_member_requests (Race * r)
{
  g_autoptr (SoupMessage) m = race_message ("GET", "/v1/session/teks",
      NULL, r->member->token);
  guint8 dg[MMKM_HB_LEN];

  r->member_sent = TRUE;
  r->pending++;
  soup_session_send_and_read_async (r->session, m, G_PRIORITY_DEFAULT, NULL,
      race_fetch_done, r);
  r->hb_src = g_socket_create_source (r->hb_sock, G_IO_IN, NULL);
  g_source_set_callback (r->hb_src, G_SOURCE_FUNC (race_hb_readable), r, NULL);
  g_source_attach (r->hb_src, NULL);
  r->pending++;
  hb_make (r->member, MMKM_HB_HEARTBEAT, dg);
  hb_send_raw (r->hb_sock, dg);
}

#define RACE_LOGINS 8
#define POOL_CONFIG "[limits]\nlogin-burst-per-address = 100\n" \
  "login-burst-per-user = 100\n[passwords]\nt-cost = 1\nm-cost-kib = 256\n"

static void
busy_login_done (GObject * source, GAsyncResult * res, gpointer data)
{
  Race *r = data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION
      (source), res);
  g_autoptr (GBytes) b = soup_session_send_and_read_finish (SOUP_SESSION
      (source), res, NULL);
  guint status = soup_message_get_status (msg);

  if (status == 401)
    r->n_401++;
  else if (status == 429 && b && g_strstr_len (g_bytes_get_data (b, NULL),
          g_bytes_get_size (b), "\"busy\"") && soup_message_headers_get_one
      (soup_message_get_response_headers (msg), "Retry-After"))
    r->n_busy++;
  else
    r->n_other++;
  if (--r->pending == 0)
    g_main_loop_quit (r->loop);
}

/* RACE_LOGINS logins with a wrong password at once; counts the answers */
static void
busy_round (Race * r, SoupSession * session, const gchar * json)
{
  guint i;

  r->n_401 = r->n_busy = r->n_other = 0;
  for (i = 0; i < RACE_LOGINS; i++) {
    g_autoptr (SoupMessage) m = race_message ("POST", "/v1/login", json, NULL);

    r->pending++;
    soup_session_send_and_read_async (session, m, G_PRIORITY_DEFAULT, NULL,
        busy_login_done, r);
  }
  g_main_loop_run (r->loop);
}

/* Password checks run on worker threads: while logins with wrong
 * passwords (argon2id at a real cost) are being checked, a live member's
 * heartbeat and TEK fetch are answered before the last login is. On the
 * main loop they would wait behind every check. */
GST_START_TEST (test_server_password_pool)
{
  Member alice = { (gchar *) "alice" };
  Member carol = { (gchar *) "carol" };
  g_autoptr (GSocket) sa = udp_socket ();
  g_autoptr (SoupSession) async_http = NULL;
  g_autofree gchar *wrong = NULL;
  Race r = { 0 };
  MmkmStore *st;
  guint i;

  state_setup (POOL_CONFIG);
  member_join (&alice);
  /* carol's hash has a real cost: every wrong password costs it */
  {
    MmkmPasswordParams p;
    g_autofree gchar *h = NULL;

    mmkm_password_params_init_default (&p);
    p.t_cost = 2;
    p.m_cost_kib = 64 * 1024;
    h = mmkm_password_hash (&p, PASSWORD, strlen (PASSWORD), NULL);
    st = store_open ();
    fail_unless (mmkm_store_user_add (st, "carol", MMKM_ROLE_LISTENER, h,
            NULL));
    mmkm_store_close (st);
  }
  carol.device = alice.device;
  wrong = login_json (&carol, "wrong");
  carol.device = NULL;

  r.loop = g_main_loop_new (NULL, FALSE);
  async_http = soup_session_new_with_options ("max-conns-per-host",
      RACE_LOGINS + 2, "max-conns", RACE_LOGINS + 4, NULL);
  for (i = 0; i < RACE_LOGINS; i++) {
    g_autoptr (SoupMessage) m = race_message ("POST", "/v1/login", wrong, NULL);

    g_signal_connect (m, "wrote-body", G_CALLBACK (race_wrote_body), &r);
    r.pending++;
    soup_session_send_and_read_async (async_http, m, G_PRIORITY_DEFAULT,
        NULL, race_login_done, &r);
  }
  r.member = &alice;
  r.session = async_http;
  r.hb_sock = sa;
  /* the member's requests leave once the first login is answered: the
   * others are at the server then, queued for a check */
  g_main_loop_run (r.loop);
  fail_unless_equals_int (r.written, RACE_LOGINS);
  g_source_destroy (r.hb_src);
  g_source_unref (r.hb_src);

  /* the same answer for every wrong password, as before */
  fail_unless_equals_int (r.n_401, RACE_LOGINS);
  fail_unless_equals_int (r.fetch_status, 200);
  fail_unless (r.fetch_done < r.last_login, "fetch answered %u-th, last "
      "login %u-th", r.fetch_done, r.last_login);
  fail_unless (r.hb_done < r.last_login, "heartbeat answered %u-th, last "
      "login %u-th", r.hb_done, r.last_login);

  /* a full queue: the logins beyond it are answered at once, 429 "busy"
   * with Retry-After, never queued for ever ([passwords] queue = 1 by a
   * SIGHUP reload: the others are checked, 401 as before) */
  fail_unless (g_file_set_contents (config_path, POOL_CONFIG "queue = 1\n",
          -1, NULL));
  g_subprocess_send_signal (srv.proc, SIGHUP);
  {
    gint64 deadline = g_get_real_time () + 20 * G_USEC_PER_SEC;

    do {
      busy_round (&r, async_http, wrong);
      fail_unless_equals_int (r.n_other, 0);
      fail_unless_equals_int (r.n_401 + r.n_busy, RACE_LOGINS);
    } while (r.n_busy == 0 && g_get_real_time () < deadline);
    fail_unless (r.n_busy > 0);
    fail_unless (r.n_401 >= 2, "%u", r.n_401);
  }

  g_main_loop_unref (r.loop);
  server_term ();
  member_clear (&alice);
  state_teardown ();
}

GST_END_TEST;

static Suite *
mmkm_server_keyack_suite (void)
{
  Suite *s = suite_create ("mmkm-server-keyack");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 240);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_server_tek_ack);
  tcase_add_test (tc, test_server_rekey_on_join);
  tcase_add_test (tc, test_server_hb_replay_restart);
  tcase_add_test (tc, test_server_password_pool);
  return s;
}

GST_CHECK_MAIN (mmkm_server_keyack);
