/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY on the media path (media-path=true, docs/elements.md): one UDP
 * port pair between sender and receiver. mikeyenc sends MIKEY to the
 * receiver's RTP port from the port its RTP leaves from; mikeydec (port=0:
 * no MIKEY port of its own) takes MIKEY out of udpsrc's packets and
 * answers from udpsrc's socket. Checked over loopback: the audio arrives
 * byte for byte, no MIKEY message (nor anything else that is not RTP)
 * reaches srtpdec, MIKEY and RTP come from one source port, and stray
 * datagrams on both ports change nothing. */
#include <gst/check/gstcheck.h>
#include <gst/net/gstnetaddressmeta.h>
#include <string.h>
#include "mikey-test-util.h"

#define N_BUFFERS 150           /* 3 s of audio: the stray sender's window */

/* What passed a pad: by first byte, and where MIKEY and RTP came from */
typedef struct
{
  GMutex lock;
  guint rtp, mikey, other;
  guint not_rtp_at_srtpdec;     /* srtpdec's sink pad: must stay 0 */
  guint srtpdec_buffers;
  guint rtp_port;               /* source port of the first RTP packet */
  guint mikey_port;             /* of the first MIKEY message from tx */
  guint rtp_ports_differing;    /* RTP from another port than the first */
  guint stray_port;             /* our stray sender's port: not counted */
} PathStats;

static guint
source_port (GstBuffer * buf)
{
  GstNetAddressMeta *meta = gst_buffer_get_net_address_meta (buf);

  if (meta == NULL || !G_IS_INET_SOCKET_ADDRESS (meta->addr))
    return 0;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (meta->addr));
}

static guint8
first_byte (GstBuffer * buf, gboolean * empty)
{
  guint8 b = 0;

  *empty = gst_buffer_extract (buf, 0, &b, 1) != 1;
  return b;
}

static gboolean
note_dec_input (GstBuffer ** buf, guint idx, gpointer user_data)
{
  PathStats *s = user_data;
  gboolean empty;
  guint8 b = first_byte (*buf, &empty);
  guint port = source_port (*buf);

  g_mutex_lock (&s->lock);
  if (!empty && b >= 0x80 && b <= 0xbf && port != s->stray_port) {
    s->rtp++;
    if (s->rtp_port == 0)
      s->rtp_port = port;
    else if (port != s->rtp_port)
      s->rtp_ports_differing++;
  } else if (!empty && b == 0x01 && port != s->stray_port) {
    s->mikey++;
    if (s->mikey_port == 0)
      s->mikey_port = port;
  } else {
    s->other++;
  }
  g_mutex_unlock (&s->lock);
  return TRUE;
}

static gboolean
note_srtpdec_input (GstBuffer ** buf, guint idx, gpointer user_data)
{
  PathStats *s = user_data;
  gboolean empty;
  guint8 b = first_byte (*buf, &empty);

  g_mutex_lock (&s->lock);
  s->srtpdec_buffers++;
  if (empty || b < 0x80 || b > 0xbf) {
    s->not_rtp_at_srtpdec++;
    GST_ERROR ("srtpdec got a packet starting with 0x%02x", b);
  }
  g_mutex_unlock (&s->lock);
  return TRUE;
}

static GstPadProbeReturn
path_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstBufferListFunc fn = g_object_get_data (G_OBJECT (pad), "note");

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

    fn (&buf, 0, user_data);
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info), fn,
        user_data);
  }
  return GST_PAD_PROBE_OK;
}

static void
probe_sink_pad (GstElement * pipeline, const gchar * name,
    GstBufferListFunc fn, PathStats * s)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GstPad *pad = mikey_test_first_sink_pad (e);

  g_object_set_data (G_OBJECT (pad), "note", fn);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, path_probe, s, NULL);
  gst_object_unref (pad);
  gst_object_unref (e);
}

/* ------------------------------------------------------------------------
 * Stray datagrams: what else may arrive on an open RTP port
 * ---------------------------------------------------------------------- */

typedef struct
{
  GSocket *sock;
  guint rx_port;                /* the receiver's RTP port */
  gint tx_port;                 /* atomic: the sender's RTP port, 0 unknown */
  gint stop;
  gint sent;
  GBytes *forged;               /* a well-formed MIKEY-PSK with another key */
  GThread *thread;
} Stray;

static void
stray_send (Stray * st, guint port, const guint8 * data, gsize len)
{
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *to = g_inet_socket_address_new (lo, port);

  /* the receiver may be gone at the end (ICMP errors): ignored */
  if (g_socket_send_to (st->sock, to, (const gchar *) data, len, NULL,
          NULL) == (gssize) len)
    g_atomic_int_inc (&st->sent);
  g_object_unref (to);
  g_object_unref (lo);
}

static gpointer
stray_thread (gpointer data)
{
  Stray *st = data;
  static const guint8 stun[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12,
    0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
  };
  /* version 1, a common header's length, nonsense behind it */
  static const guint8 mikey_junk[24] = { 0x01, 0x00, 0x02, 0x07, 0xde,
    0xad, 0xbe, 0xef, 0x00, 0x00, 0xff, 0xff
  };
  static const guint8 mikey_v2_junk[12] = { 0x02, 0x00, 0x02 };
  static const guint8 one_byte[1] = { 0x01 };
  static const guint8 dtls[13] = { 0x16, 0xfe, 0xfd };
  static const guint8 zero[16] = { 0 };
  static const guint8 high[16] = { 0xff, 0xff };
  static const guint8 v1_rtp[12] = { 0x40, 0x60 };
  static const guint8 *junk[] = { stun, mikey_junk, mikey_v2_junk,
    one_byte, dtls, zero, high, v1_rtp
  };
  static const gsize junk_len[] = { sizeof (stun), sizeof (mikey_junk),
    sizeof (mikey_v2_junk), sizeof (one_byte), sizeof (dtls), sizeof (zero),
    sizeof (high), sizeof (v1_rtp)
  };
  /* an RTP-looking packet: the sender's socket must not mind it */
  static const guint8 rtp_like[20] = { 0x80, 0x60, 0x00, 0x01 };
  guint round = 0, i;

  while (!g_atomic_int_get (&st->stop)) {
    guint tx = (guint) g_atomic_int_get (&st->tx_port);
    gsize flen;
    const guint8 *forged = g_bytes_get_data (st->forged, &flen);

    for (i = 0; i < G_N_ELEMENTS (junk); i++)
      stray_send (st, st->rx_port, junk[i], junk_len[i]);
    /* now and then a real MIKEY message under a wrong key: refused,
     * without disturbing the stream */
    if (round % 10 == 0)
      stray_send (st, st->rx_port, forged, flen);
    if (tx != 0) {
      for (i = 0; i < G_N_ELEMENTS (junk); i++)
        stray_send (st, tx, junk[i], junk_len[i]);
      stray_send (st, tx, rtp_like, sizeof (rtp_like));
      if (round % 10 == 0)
        stray_send (st, tx, forged, flen);
    }
    round++;
    g_usleep (20 * 1000);
  }
  return NULL;
}

static guint
socket_port (GSocket * sock)
{
  GSocketAddress *local = g_socket_get_local_address (sock, NULL);
  guint port;

  g_assert_nonnull (local);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_object_unref (local);
  return port;
}

static void
stray_start (Stray * st, guint rx_port)
{
  memset (st, 0, sizeof (*st));
  st->sock = mikey_test_udp_socket ();
  st->rx_port = rx_port;
  st->forged = mikey_test_make_init (MIKEY_MODE_PSK, TEST_WRONG_PSK, TRUE,
      0x12345678, NULL, 0, NULL, 0, FALSE, 0, NULL);
  st->thread = g_thread_new ("stray", stray_thread, st);
}

static void
stray_stop (Stray * st)
{
  g_atomic_int_set (&st->stop, 1);
  g_thread_join (st->thread);
  g_socket_close (st->sock, NULL);
  g_object_unref (st->sock);
  g_bytes_unref (st->forged);
}

/* ------------------------------------------------------------------------
 * The pair
 * ---------------------------------------------------------------------- */

#define DEC_PROPS "port=0 media-path=true mode=psk psk=" TEST_PSK
#define ENC_PROPS "media-path=true mode=psk psk=" TEST_PSK

static void
pair_new (MikeyTestPair * t, PathStats * s, const gchar * between, guint n)
{
  gchar *middle;

  memset (t, 0, sizeof (*t));
  t->rtp_port = mikey_test_free_port ();
  middle = g_strdup_printf ("mikeyenc name=enc " ENC_PROPS " ! %s "
      "srtpenc name=srtpenc", between ? between : "");
  t->rx = mikey_test_receiver_new (t->rtp_port, DEC_PROPS);
  t->tx = mikey_test_sender_new (t->rtp_port, n, NULL, middle);
  g_free (middle);

  memset (s, 0, sizeof (*s));
  g_mutex_init (&s->lock);
  probe_sink_pad (t->rx->pipeline, "dec", note_dec_input, s);
  probe_sink_pad (t->rx->pipeline, "srtpdec", note_srtpdec_input, s);
}

static void
pair_free (MikeyTestPair * t, PathStats * s)
{
  mikey_test_pair_teardown (t);
  g_mutex_clear (&s->lock);
}

/* The checks every run ends with */
static void
check_one_port_pair (MikeyTestPair * t, PathStats * s, guint n,
    guint expect_tx_port)
{
  guint csb_tx, csb_rx;

  mikey_test_check_established (t->tx->pipeline, "psk",
      "AES_CM_128_HMAC_SHA1_80", &csb_tx, NULL);
  mikey_test_check_established (t->rx->pipeline, "psk",
      "AES_CM_128_HMAC_SHA1_80", &csb_rx, NULL);
  fail_unless_equals_int (csb_tx, csb_rx);

  g_mutex_lock (&s->lock);
  GST_INFO ("mikeydec saw %u RTP, %u MIKEY, %u other; srtpdec saw %u, %u "
      "not RTP; MIKEY from port %u, RTP from port %u", s->rtp, s->mikey,
      s->other, s->srtpdec_buffers, s->not_rtp_at_srtpdec, s->mikey_port,
      s->rtp_port);
  /* the keys came over the RTP port (mikeydec has none of its own) */
  fail_unless (s->mikey >= 1, "no MIKEY message on the media path");
  fail_unless (s->srtpdec_buffers >= n, "srtpdec got %u packets",
      s->srtpdec_buffers);
  fail_unless_equals_int (s->not_rtp_at_srtpdec, 0);
  /* one port pair: MIKEY left from the port RTP leaves from */
  fail_unless (s->rtp_port != 0, "no source address on the RTP packets");
  fail_unless_equals_int (s->mikey_port, s->rtp_port);
  fail_unless_equals_int (s->rtp_ports_differing, 0);
  if (expect_tx_port != 0)
    fail_unless_equals_int (s->rtp_port, expect_tx_port);
  g_mutex_unlock (&s->lock);

  fail_if (mikey_test_has_message (t->rx->pipeline, GST_MESSAGE_ERROR, NULL,
          0), "the receiver failed");
}

GST_START_TEST (test_one_port_byte_exact)
{
  MikeyTestPair t;
  PathStats s;

  pair_new (&t, &s, NULL, N_BUFFERS);
  mikey_test_pair_run_and_compare (&t, N_BUFFERS);
  check_one_port_pair (&t, &s, N_BUFFERS, 0);
  fail_unless_equals_int (s.other, 0);
  pair_free (&t, &s);
}

GST_END_TEST;

/* srtpenc behind queues: mikeyenc finds the udpsink through them */
GST_START_TEST (test_one_port_queues_between)
{
  MikeyTestPair t;
  PathStats s;

  pair_new (&t, &s, "queue ! identity ! queue !", 40);
  mikey_test_pair_run_and_compare (&t, 40);
  check_one_port_pair (&t, &s, 40, 0);
  pair_free (&t, &s);
}

GST_END_TEST;

/* Junk, STUN, DTLS, RTP version 1, MIKEY-looking nonsense and a forged
 * MIKEY message on the receiver's RTP port before and during the stream,
 * and on the sender's port once it is known: none of it reaches srtpdec,
 * the audio is still byte-exact. */
GST_START_TEST (test_stray_datagrams)
{
  MikeyTestPair t;
  PathStats s;
  Stray st;
  gint64 end;

  pair_new (&t, &s, NULL, N_BUFFERS);
  stray_start (&st, t.rtp_port);
  g_mutex_lock (&s.lock);
  s.stray_port = socket_port (st.sock);
  g_mutex_unlock (&s.lock);

  fail_if (gst_element_set_state (t.rx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  /* strays before the sender exists: the receiver holds or drops them */
  end = g_get_monotonic_time () + 300 * 1000;
  while (g_get_monotonic_time () < end)
    g_usleep (10 * 1000);

  fail_if (gst_element_set_state (t.tx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  /* the sender's port, once its RTP arrives, gets strays too */
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end) {
    guint port;

    g_mutex_lock (&s.lock);
    port = s.rtp_port;
    g_mutex_unlock (&s.lock);
    if (port != 0) {
      g_atomic_int_set (&st.tx_port, (gint) port);
      break;
    }
    g_usleep (5 * 1000);
  }
  fail_unless (g_atomic_int_get (&st.tx_port) != 0, "no RTP arrived");

  mikey_test_pair_run_and_compare (&t, N_BUFFERS);
  stray_stop (&st);
  GST_INFO ("%d stray datagrams sent", g_atomic_int_get (&st.sent));
  check_one_port_pair (&t, &s, N_BUFFERS, 0);
  /* they did arrive, and were kept from srtpdec */
  fail_unless (s.other > 0);
  fail_unless (g_atomic_int_get (&st.sent) > 100);
  pair_free (&t, &s);
}

GST_END_TEST;

/* The first element of @factory in @pipeline: a new reference */
static GstElement *
first_by_factory (GstElement * pipeline, const gchar * factory)
{
  GValue item = G_VALUE_INIT;
  GstIterator *it;
  GstElement *e;

  it = gst_bin_iterate_all_by_element_factory_name (GST_BIN (pipeline),
      factory);
  fail_unless_equals_int (gst_iterator_next (it, &item), GST_ITERATOR_OK);
  e = g_value_dup_object (&item);
  g_value_unset (&item);
  gst_iterator_free (it);
  return e;
}

/* The application gives udpsink its socket: MIKEY leaves from it too */
GST_START_TEST (test_app_socket_on_udpsink)
{
  MikeyTestPair t;
  PathStats s;
  GstElement *sink;
  GSocket *sock = mikey_test_udp_socket ();

  pair_new (&t, &s, NULL, 40);
  sink = first_by_factory (t.tx->pipeline, "udpsink");
  g_object_set (sink, "socket", sock, NULL);
  gst_object_unref (sink);

  mikey_test_pair_run_and_compare (&t, 40);
  check_one_port_pair (&t, &s, 40, socket_port (sock));
  pair_free (&t, &s);
  g_object_unref (sock);
}

GST_END_TEST;

/* mikeyenc started before udpsink (here by hand; a udpsink in a bin that
 * changes state later does the same): it lends udpsink a socket of its
 * own, RTP leaves from it, and udpsink gets its own back when stopped */
GST_START_TEST (test_socket_lent_to_udpsink)
{
  MikeyTestPair t;
  PathStats s;
  GstElement *enc, *sink;
  GSocket *sock = NULL;
  gboolean close_socket = FALSE;

  pair_new (&t, &s, NULL, 40);
  enc = gst_bin_get_by_name (GST_BIN (t.tx->pipeline), "enc");
  sink = first_by_factory (t.tx->pipeline, "udpsink");
  fail_unless_equals_int (gst_element_set_state (enc, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  g_object_get (sink, "socket", &sock, "close-socket", &close_socket, NULL);
  fail_unless (sock != NULL, "no socket lent to udpsink");
  fail_if (close_socket);

  mikey_test_pair_run_and_compare (&t, 40);
  check_one_port_pair (&t, &s, 40, socket_port (sock));

  gst_element_set_state (t.tx->pipeline, GST_STATE_NULL);
  g_object_unref (sock);
  g_object_get (sink, "socket", &sock, "close-socket", &close_socket, NULL);
  fail_unless (sock == NULL);
  fail_unless (close_socket);
  gst_object_unref (sink);
  gst_object_unref (enc);
  pair_free (&t, &s);
}

GST_END_TEST;

/* The sender alone restarts: a new exchange over the media path re-keys
 * the running receiver */
GST_START_TEST (test_sender_restart)
{
  MikeyTestPair t;
  PathStats s;
  GstMessage *msg;
  guint csb1, csb2;

  pair_new (&t, &s, NULL, 20);
  mikey_test_pair_run_and_compare (&t, 20);
  mikey_test_check_established (t.rx->pipeline, "psk",
      "AES_CM_128_HMAC_SHA1_80", &csb1, NULL);

  fail_unless_equals_int (gst_element_set_state (t.tx->pipeline,
          GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  mikey_test_capture_reset (t.tx);
  mikey_test_capture_reset (t.rx);
  mikey_test_clear_messages (t.tx->pipeline);
  mikey_test_clear_messages (t.rx->pipeline);
  g_mutex_lock (&s.lock);
  s.rtp_port = s.mikey_port = 0;
  g_mutex_unlock (&s.lock);

  mikey_test_pair_run_and_compare (&t, 20);
  msg = mikey_test_find_message (t.rx->pipeline, GST_MESSAGE_ELEMENT,
      "mikey-key-established", 0);
  fail_unless (msg != NULL);
  fail_unless (gst_structure_get_uint (gst_message_get_structure (msg),
          "csb-id", &csb2));
  gst_message_unref (msg);
  fail_unless (csb1 != csb2);
  g_mutex_lock (&s.lock);
  fail_unless_equals_int (s.mikey_port, s.rtp_port);
  fail_unless_equals_int (s.not_rtp_at_srtpdec, 0);
  g_mutex_unlock (&s.lock);
  pair_free (&t, &s);
}

GST_END_TEST;

/* Sends @msg from @sock to 127.0.0.1:@port; the answer and the port it
 * came from (0: none within @wait_ms) */
static GBytes *
exchange_from (GSocket * sock, guint port, GBytes * msg, guint wait_ms,
    guint * from_port)
{
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *to = g_inet_socket_address_new (lo, port), *from = NULL;
  gsize len;
  const guint8 *d = g_bytes_get_data (msg, &len);
  guint8 buf[4096];
  gssize n = -1;

  *from_port = 0;
  fail_unless_equals_int (g_socket_send_to (sock, to, (const gchar *) d, len,
          NULL, NULL), (gssize) len);
  if (g_socket_condition_timed_wait (sock, G_IO_IN, G_USEC_PER_SEC, NULL, NULL))
    n = g_socket_receive_from (sock, &from, (gchar *) buf, sizeof (buf),
        NULL, NULL);
  if (from != NULL) {
    *from_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (from));
    g_object_unref (from);
  }
  g_object_unref (to);
  g_object_unref (lo);
  return n > 0 ? g_bytes_new (buf, n) : NULL;
}

/* A MIKEY message on the RTP port is answered from the RTP port, to its
 * source; without the source address (udpsrc retrieve-sender-address=
 * false) it cannot be, and the receiver says how to fix it */
GST_START_TEST (test_answer_from_rtp_port)
{
  guint rtp_port = mikey_test_free_port (), from_port;
  MikeyTestCapture *rx = mikey_test_receiver_new (rtp_port, DEC_PROPS);
  GSocket *sock = mikey_test_udp_socket ();
  GBytes *init, *answer;
  GstElement *src;
  GstMessage *msg;
  gchar *text;
  guint8 tek[30];               /* master key and salt */

  memset (tek, 0x5a, sizeof (tek));
  fail_if (gst_element_set_state (rx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  init = mikey_test_make_init (MIKEY_MODE_PSK, TEST_PSK, TRUE, 0x11223344,
      tek, sizeof (tek), NULL, 0, FALSE, 0, NULL);
  answer = exchange_from (sock, rtp_port, init, 5000, &from_port);
  fail_unless (answer != NULL, "no answer on the media path");
  fail_unless_equals_int (from_port, rtp_port);
  fail_unless (g_bytes_get_size (answer) >= 10);
  fail_unless_equals_int (((const guint8 *) g_bytes_get_data (answer,
              NULL))[0], 1);
  g_bytes_unref (answer);
  g_bytes_unref (init);
  fail_unless (mikey_test_has_message (rx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-key-established", 5000));
  mikey_test_capture_free (rx);

  /* no source address */
  rtp_port = mikey_test_free_port ();
  rx = mikey_test_receiver_new (rtp_port, DEC_PROPS);
  src = first_by_factory (rx->pipeline, "udpsrc");
  g_object_set (src, "retrieve-sender-address", FALSE, NULL);
  gst_object_unref (src);
  fail_if (gst_element_set_state (rx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  init = mikey_test_make_init (MIKEY_MODE_PSK, TEST_PSK, TRUE, 0x11223344,
      tek, sizeof (tek), NULL, 0, FALSE, 0, NULL);
  answer = exchange_from (sock, rtp_port, init, 1000, &from_port);
  fail_unless (answer == NULL);
  msg = mikey_test_find_message (rx->pipeline, GST_MESSAGE_WARNING, NULL, 5000);
  fail_unless (msg != NULL);
  text = mikey_test_message_text (msg);
  fail_unless (strstr (text, "retrieve-sender-address=true") != NULL,
      "got: %s", text);
  g_free (text);
  gst_message_unref (msg);
  g_bytes_unref (init);
  mikey_test_capture_free (rx);

  g_socket_close (sock, NULL);
  g_object_unref (sock);
}

GST_END_TEST;

/* Where the sender cannot find one unicast RTP destination it says so */
GST_START_TEST (test_sender_start_errors)
{
  static const struct
  {
    const gchar *sink;
    const gchar *expect;
  } cases[] = {
    {"fakesink", "found no udpsink downstream"},
    {"srtpenc ! udpsink host=239.1.2.3 port=5004", "multicast"},
    {"srtpenc ! multiudpsink", "no clients"},
    {"srtpenc ! multiudpsink clients=127.0.0.1:5004,127.0.0.1:5006",
        "several clients"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *desc = g_strdup_printf ("audiotestsrc ! rtpL16pay ! "
        "mikeyenc " ENC_PROPS " ! %s", cases[i].sink);
    GstElement *pipeline = gst_parse_launch (desc, NULL);

    fail_unless (pipeline != NULL, "%s", desc);
    mikey_test_expect_start_error (pipeline, cases[i].sink, cases[i].expect);
    gst_object_unref (pipeline);
    g_free (desc);
  }
}

GST_END_TEST;

static Suite *
mikey_mediapath_suite (void)
{
  Suite *s = suite_create ("mikey-mediapath");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_one_port_byte_exact);
  tcase_add_test (tc, test_one_port_queues_between);
  tcase_add_test (tc, test_stray_datagrams);
  tcase_add_test (tc, test_app_socket_on_udpsink);
  tcase_add_test (tc, test_socket_lent_to_udpsink);
  tcase_add_test (tc, test_sender_restart);
  tcase_add_test (tc, test_answer_from_rtp_port);
  tcase_add_test (tc, test_sender_start_errors);
  return s;
}

MIKEY_CHECK_MAIN (mikey_mediapath);
