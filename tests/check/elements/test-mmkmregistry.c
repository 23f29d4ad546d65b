/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkmregistry end to end: the real mmkm-server (MMKM_SERVER, started by
 * the test on loopback ports with a 1.5 s TEK period), a sender pipeline
 * (audiotestsrc ! rtpL16pay ! mmkmregistry role=sender ! srtpenc !
 * multiudpsink to 127.0.0.1) and two receivers (udpsrc ! mmkmregistry !
 * srtpdec ! rtpL16depay ! appsink), one from the start and one joining
 * late: every packet after a receiver's first key decoded, byte for byte,
 * across several TEK rotations. Then the errors a user can act on. */
#include <gst/check/gstcheck.h>
#include <gst/app/gstappsink.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <string.h>

#include "mmkm-test-server.h"
#include "mmkm-password.h"
#include "mmkm-api.h"

#define WRONG_FP "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:" \
  "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"
/* TEK period of the streaming tests: 1.5 s, or 5 s under AddressSanitizer,
 * where a TEK fetch from the (instrumented) server was measured taking up
 * to 3 s on this 2-core machine, longer than a 1 s fetch window */
static guint tek_period_ms = 1500;

/* heartbeats every second, dead after six missed (the server's default
 * count): at 300 ms and three, members under ASan on a loaded machine
 * were declared dead, and a dead member cannot have the re-key its
 * death forces */
static const gchar server_config[] =
    "[group]\ntek-period-ms = 1500\nfetch-window-ms = 1000\n"
    "[members]\nheartbeat-interval-ms = 1000\nallowed-misses = 6\n"
    "[passwords]\nt-cost = 1\nm-cost-kib = 256\n";

/* the errors and the songs: no stream; the default heartbeats (10 s, the
 * shared helpers' member_login takes 10 s or 300 ms); one song request
 * per member */
static const gchar short_config[] =
    "[group]\ntek-period-ms = 1500\nfetch-window-ms = 1000\n"
    "[members]\nrequests-per-period = 1\n"
    "[passwords]\nt-cost = 1\nm-cost-kib = 256\n";

/* ---- the server ---------------------------------------------------------- */

static void
add_user (const gchar * name, MmkmRole role)
{
  MmkmStore *st = store_open ();
  MmkmPasswordParams p;
  g_autofree gchar *h = NULL;

  mmkm_password_params_init_default (&p);
  p.t_cost = 1;
  p.m_cost_kib = 256;
  h = mmkm_password_hash (&p, PASSWORD, strlen (PASSWORD), NULL);
  fail_unless (mmkm_store_user_add (st, name, role, h, NULL));
  mmkm_store_close (st);
}

/* every join forces a new TEK, and a newcomer gets none made before */
static const gchar rekey_on_join_config[] =
    "[group]\ntek-period-ms = 60000\npropagation-delay-ms = 3000\n"
    "rekey-on-join = true\n"
    "[members]\nheartbeat-interval-ms = 1000\nallowed-misses = 6\n"
    "[passwords]\nt-cost = 1\nm-cost-kib = 256\n";

static void
setup_with (const gchar * config)
{
  state_dir = g_dir_make_tmp ("mmkmregistry-XXXXXX", NULL);
  fail_unless (state_dir != NULL);
  config_path = g_build_filename (state_dir, "test.conf", NULL);
  fail_unless (g_file_set_contents (config_path, config, -1, NULL));
  add_users ();                 /* alice, bob: listeners */
  add_user ("radio", MMKM_ROLE_SENDER);
  add_user ("dj", MMKM_ROLE_SENDER);
  http = soup_session_new ();
  server_start ();
}

static void
setup (void)
{
  if (g_getenv ("ASAN_OPTIONS")) {
    g_autofree gchar *conf = g_strdup_printf ("[group]\ntek-period-ms = "
        "5000\nfetch-window-ms = 4000\n%s", strstr (server_config,
            "[members]"));

    tek_period_ms = 5000;
    setup_with (conf);
  } else
    setup_with (server_config);
}

static void
setup_short (void)
{
  setup_with (short_config);
}

static void
setup_rekey_on_join (void)
{
  setup_with (rekey_on_join_config);
}

static void
teardown (void)
{
  server_kill ();
  state_teardown ();
}

static gchar *
server_url (void)
{
  return g_strdup_printf ("https://127.0.0.1:%u", srv.port);
}

/* A free UDP port on 127.0.0.1 (bound, read, closed) */
static guint
free_udp_port (void)
{
  GSocket *s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) lo =
      g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  guint port;

  fail_unless (g_socket_bind (s, any, FALSE, NULL));
  bound = g_socket_get_local_address (s, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (s);
  return port;
}

/* ---- a member pipeline --------------------------------------------------- */

typedef struct
{
  const gchar *name;
  GstElement *pipe;
  GstElement *reg;
  gchar *dir;                   /* its state-dir */
  /* bus messages seen */
  guint joined, heartbeats, fetched, activated, unknown;
  guint lost, restored, rejoined;
  gint left;                    /* atomic */
  GstMessage *error;
  /* what reached the appsink (receivers) or srtpenc (sender) */
  GMutex lock;
  GArray *seqs;                 /* guint16, in order */
  /* MKIs of mmkm-rekey: fetched (members), activated (the sender) */
  GArray *fetched_mkis;
  GArray *activated_mkis;
  GArray *activated_us;         /* gint64, monotonic time of each */
  GArray *offsets;              /* guint, payload bytes before each packet */
  GByteArray *audio;
  gboolean key_in_caps;
} Peer;

/* mmkm-left is posted during READY to NULL, when the pipeline is about
 * to drop what its bus holds: seen here, as it is posted */
static GstBusSyncReply
sync_handler (GstBus * bus, GstMessage * m, gpointer data)
{
  Peer *p = data;
  const GstStructure *s = gst_message_get_structure (m);

  if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT && s
      && gst_structure_has_name (s, "mmkm-left"))
    g_atomic_int_inc (&p->left);
  if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT && s
      && gst_structure_has_name (s, "mmkm-rekey")) {
    const gchar *ev = gst_structure_get_string (s, "event");
    guint mki = 0;

    if (ev && gst_structure_get_uint (s, "mki", &mki)) {
      g_mutex_lock (&p->lock);
      if (g_str_equal (ev, "fetched"))
        g_array_append_val (p->fetched_mkis, mki);
      else if (g_str_equal (ev, "activated")) {
        gint64 now = g_get_monotonic_time ();

        g_array_append_val (p->activated_mkis, mki);
        g_array_append_val (p->activated_us, now);
      }
      g_mutex_unlock (&p->lock);
    }
  }
  return GST_BUS_PASS;
}

static void
set_member (Peer * p, const gchar * user, const gchar * password)
{
  g_autofree gchar *url = server_url ();
  GstBus *bus = gst_element_get_bus (p->pipe);

  gst_bus_set_sync_handler (bus, sync_handler, p, NULL);
  gst_object_unref (bus);

  p->dir = g_dir_make_tmp ("mmkmregistry-member-XXXXXX", NULL);
  fail_unless (p->dir != NULL);
  p->reg = gst_bin_get_by_name (GST_BIN (p->pipe), "reg");
  fail_unless (p->reg != NULL);
  g_object_set (p->reg, "server", url, "server-fingerprint", srv.fingerprint,
      "user", user, "password", password, "state-dir", p->dir,
      /* a loaded machine, sanitizers: more than the default 15 s */
      "join-timeout", 120, NULL);
  g_mutex_init (&p->lock);
  p->fetched_mkis = g_array_new (FALSE, FALSE, sizeof (guint));
  p->activated_mkis = g_array_new (FALSE, FALSE, sizeof (guint));
  p->activated_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  p->seqs = g_array_new (FALSE, FALSE, sizeof (guint16));
  p->offsets = g_array_new (FALSE, FALSE, sizeof (guint));
  p->audio = g_byte_array_new ();
}

static void
peer_free (Peer * p)
{
  if (p->pipe) {
    gst_element_set_state (p->pipe, GST_STATE_NULL);
    gst_object_unref (p->pipe);
  }
  gst_clear_object (&p->reg);
  if (p->error)
    gst_message_unref (p->error);
  if (p->dir) {
    rm_rf (p->dir);
    g_free (p->dir);
  }
  g_array_unref (p->seqs);
  g_array_unref (p->fetched_mkis);
  g_array_unref (p->activated_mkis);
  g_array_unref (p->activated_us);
  g_array_unref (p->offsets);
  g_byte_array_unref (p->audio);
  g_mutex_clear (&p->lock);
}

static gboolean
is_key_field (GQuark field, const GValue * value, gpointer data)
{
  const gchar *n = g_quark_to_string (field);

  /* an MKI names a key and is sent in clear in every packet; a key is
   * srtp-key* (srtpdec's caps) or any buffer */
  if (g_str_has_prefix (n, "srtp-key") || G_VALUE_HOLDS (value,
          GST_TYPE_BUFFER)) {
    *(gboolean *) data = TRUE;
    return FALSE;
  }
  return TRUE;
}

static gboolean
structure_has_key (const GstStructure * s)
{
  gboolean found = FALSE;

  gst_structure_foreach (s, is_key_field, &found);
  return found;
}

/* Reads every message on @p's bus; counts the mmkm ones */
static void
drain (Peer * p)
{
  GstBus *bus = gst_element_get_bus (p->pipe);
  GstMessage *m;

  while ((m = gst_bus_pop (bus))) {
    const GstStructure *s = gst_message_get_structure (m);

    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR && !p->error)
      p->error = gst_message_ref (m);
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT && s
        && g_str_has_prefix (gst_structure_get_name (s), "mmkm-")) {
      const gchar *name = gst_structure_get_name (s);
      const gchar *ev = gst_structure_get_string (s, "event");

      fail_if (structure_has_key (s), "a key in %" GST_PTR_FORMAT, s);
      gboolean rejoin = FALSE;

      if (g_str_equal (name, "mmkm-joined")) {
        p->joined++;
        if (gst_structure_get_boolean (s, "rejoin", &rejoin) && rejoin)
          p->rejoined++;
      } else if (g_str_equal (name, "mmkm-server-lost"))
        p->lost++;
      else if (g_str_equal (name, "mmkm-server-restored"))
        p->restored++;
      else if (g_str_equal (name, "mmkm-heartbeat"))
        p->heartbeats++;
      else if (g_str_equal (name, "mmkm-rekey") && ev) {
        if (g_str_equal (ev, "fetched"))
          p->fetched++;
        else if (g_str_equal (ev, "activated"))
          p->activated++;
        else if (g_str_equal (ev, "unknown"))
          p->unknown++;
      }
    }
    gst_message_unref (m);
  }
  gst_object_unref (bus);
}

static void
fail_on_error (Peer * p)
{
  g_autoptr (GError) e = NULL;
  g_autofree gchar *dbg = NULL;

  if (!p->error)
    return;
  gst_message_parse_error (p->error, &e, &dbg);
  fail ("%s: %s (%s)", p->name, e->message, dbg ? dbg : "");
}

/* RTP packets going into srtpenc (sender) or out of srtpdec (receivers) */
static GstPadProbeReturn
rtp_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Peer *p = data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

    if (gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp)) {
      guint16 seq = gst_rtp_buffer_get_seq (&rtp);
      guint off;

      g_mutex_lock (&p->lock);
      off = p->audio->len;
      g_array_append_val (p->seqs, seq);
      g_array_append_val (p->offsets, off);
      /* the sender keeps the payloads: the audio each packet carries */
      if (p->reg && g_str_equal (p->name, "sender"))
        g_byte_array_append (p->audio, gst_rtp_buffer_get_payload (&rtp),
            gst_rtp_buffer_get_payload_len (&rtp));
      g_mutex_unlock (&p->lock);
      gst_rtp_buffer_unmap (&rtp);
    }
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);

    if (GST_EVENT_TYPE (ev) == GST_EVENT_CAPS) {
      GstCaps *caps;
      guint i;

      gst_event_parse_caps (ev, &caps);
      for (i = 0; i < gst_caps_get_size (caps); i++)
        if (structure_has_key (gst_caps_get_structure (caps, i)))
          p->key_in_caps = TRUE;
    }
  }
  return GST_PAD_PROBE_OK;
}

static GstFlowReturn
new_sample (GstAppSink * sink, gpointer data)
{
  Peer *p = data;
  GstSample *sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buf = gst_sample_get_buffer (sample);
  GstMapInfo map;

  if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
    g_mutex_lock (&p->lock);
    g_byte_array_append (p->audio, map.data, map.size);
    g_mutex_unlock (&p->lock);
    gst_buffer_unmap (buf, &map);
  }
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

static void
make_sender (Peer * p, guint port1, guint port2)
{
  g_autofree gchar *desc = g_strdup_printf ("audiotestsrc is-live=true "
      "wave=white-noise samplesperbuffer=160 ! audioconvert ! "
      "audio/x-raw,format=S16BE,rate=8000,channels=1 ! "
      "rtpL16pay pt=96 seqnum-offset=1000 max-ptime=20000000 ! "
      "mmkmregistry name=reg role=sender ! srtpenc name=enc ! "
      "multiudpsink clients=127.0.0.1:%u,127.0.0.1:%u sync=false "
      "async=false", port1, port2);
  GError *e = NULL;
  GstElement *enc;
  GstPad *pad, *src;

  p->name = "sender";
  p->pipe = gst_parse_launch (desc, &e);
  fail_unless (p->pipe != NULL, "%s", e ? e->message : "");
  set_member (p, "radio", PASSWORD);
  enc = gst_bin_get_by_name (GST_BIN (p->pipe), "enc");
  /* the request pad gst_parse_launch took */
  src = gst_element_get_static_pad (p->reg, "src");
  pad = gst_pad_get_peer (src);
  gst_object_unref (src);
  fail_unless (pad != NULL && GST_OBJECT_PARENT (pad) == GST_OBJECT (enc));
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, rtp_probe, p, NULL);
  gst_object_unref (pad);
  gst_object_unref (enc);
}

static void
make_receiver (Peer * p, const gchar * name, const gchar * user, guint port,
    const gchar * password)
{
  g_autofree gchar *desc = g_strdup_printf ("udpsrc port=%u "
      "caps=\"application/x-srtp,media=audio,clock-rate=8000,"
      "encoding-name=L16,channels=1,payload=96\" ! mmkmregistry name=reg ! "
      "srtpdec name=dec ! rtpL16depay ! appsink name=out sync=false", port);
  GError *e = NULL;
  GstElement *dec, *out;
  GstPad *pad, *peer;
  GstAppSinkCallbacks cb = { 0 };

  p->name = name;
  p->pipe = gst_parse_launch (desc, &e);
  fail_unless (p->pipe != NULL, "%s", e ? e->message : "");
  set_member (p, user, password);
  /* what srtpdec let out: packets, and caps as the next element got
   * them (the engine's own probe on srtpdec's rtp_src strips the keys;
   * a probe there added before it would see them first) */
  dec = gst_bin_get_by_name (GST_BIN (p->pipe), "dec");
  pad = gst_element_get_static_pad (dec, "rtp_src");
  gst_object_unref (dec);
  peer = gst_pad_get_peer (pad);
  gst_pad_add_probe (peer, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, rtp_probe, p, NULL);
  gst_object_unref (peer);
  gst_object_unref (pad);
  out = gst_bin_get_by_name (GST_BIN (p->pipe), "out");
  cb.new_sample = new_sample;
  gst_app_sink_set_callbacks (GST_APP_SINK (out), &cb, p, NULL);
  gst_object_unref (out);
}

static gint64
stat_int64 (Peer * p, const gchar * field)
{
  GstStructure *s = NULL;
  gint64 v = 0;
  guint64 u = 0;

  g_object_get (p->reg, "stats", &s, NULL);
  fail_unless (s != NULL);
  if (!gst_structure_get_int64 (s, field, &v)
      && gst_structure_get_uint64 (s, field, &u))
    v = (gint64) u;
  gst_structure_free (s);
  return v;
}

/* A receiver got, from its first packet on, every packet the sender put
 * into srtpenc after that one, and decoded the same audio. Returns the
 * index of its first packet in the sender's list. */
static guint
check_received (Peer * rx, Peer * tx)
{
  guint i0, i, n;
  guint16 first_seq;
  guint off;
  GstElement *dec;
  GstPad *pad;
  GstCaps *caps;

  fail_unless (rx->seqs->len > 0, "%s decoded nothing", rx->name);
  first_seq = g_array_index (rx->seqs, guint16, 0);
  for (i0 = 0; i0 < tx->seqs->len; i0++)
    if (g_array_index (tx->seqs, guint16, i0) == first_seq)
      break;
  fail_unless (i0 < tx->seqs->len, "%s: a packet the sender never sent",
      rx->name);
  n = tx->seqs->len - i0;
  fail_unless_equals_int (rx->seqs->len, n);
  for (i = 0; i < n; i++)
    fail_unless_equals_int (g_array_index (rx->seqs, guint16, i),
        g_array_index (tx->seqs, guint16, i0 + i));
  off = g_array_index (tx->offsets, guint, i0);
  fail_unless_equals_int (rx->audio->len, tx->audio->len - off);
  fail_unless (memcmp (rx->audio->data, tx->audio->data + off,
          rx->audio->len) == 0, "%s: the decoded audio differs", rx->name);
  fail_if (rx->key_in_caps, "%s: a key in caps after srtpdec", rx->name);
  dec = gst_bin_get_by_name (GST_BIN (rx->pipe), "dec");
  pad = gst_element_get_static_pad (dec, "rtp_src");
  caps = gst_pad_get_current_caps (pad);
  fail_unless (caps != NULL);
  fail_if (structure_has_key (gst_caps_get_structure (caps, 0)),
      "%s: srtpdec's source caps hold a key", rx->name);
  gst_caps_unref (caps);
  gst_object_unref (pad);
  gst_object_unref (dec);
  return i0;
}

static void
drain_for (Peer ** peers, guint n, gint64 us)
{
  gint64 end = g_get_monotonic_time () + us;
  guint i;

  while (g_get_monotonic_time () < end) {
    for (i = 0; i < n; i++) {
      if (peers[i]->pipe) {
        drain (peers[i]);
        fail_on_error (peers[i]);
      }
    }
    g_usleep (20 * 1000);
  }
}

/* Drains the buses until @done says so (checked every 20 ms), at most
 * @max_us: the stream runs for as many TEK periods as the test needs,
 * however slow the machine (sanitizers, other jobs) */
typedef gboolean (*DoneFunc) (gpointer data);

static gboolean
drain_until (Peer ** peers, guint n, DoneFunc done, gpointer data,
    gint64 max_us)
{
  gint64 end = g_get_monotonic_time () + max_us;

  while (g_get_monotonic_time () < end) {
    drain_for (peers, n, 20 * 1000);
    if (done (data))
      return TRUE;
  }
  return FALSE;
}

typedef struct
{
  Peer *p;
  gint64 want;
} SwitchesAtLeast;

static gboolean
switches_at_least (gpointer data)
{
  SwitchesAtLeast *w = data;

  return stat_int64 (w->p, "switches") >= w->want;
}

GST_START_TEST (test_sender_two_receivers)
{
  Peer tx = { 0 }, r1 = { 0 }, r2 = { 0 };
  Peer *all[] = { &tx, &r1, &r2 };
  guint p1 = free_udp_port (), p2 = free_udp_port ();
  gint64 t0, join_us;
  guint i0, sender_switches;
  SwitchesAtLeast w;
  GstBus *bus;
  GstMessage *eos;
  GstStateChangeReturn ret;
  g_autofree gchar *key_path = NULL;

  make_receiver (&r1, "receiver 1", "alice", p1, PASSWORD);
  make_receiver (&r2, "receiver 2 (late)", "bob", p2, PASSWORD);
  make_sender (&tx, p1, p2);

  t0 = g_get_monotonic_time ();
  ret = gst_element_set_state (r1.pipe, GST_STATE_PLAYING);
  join_us = g_get_monotonic_time () - t0;
  drain (&r1);
  fail_on_error (&r1);
  fail_if (ret == GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (r1.joined, 1);
  fail_unless (r1.fetched >= 1);
  /* the first start registered the device */
  key_path = g_build_filename (r1.dir, "device.key", NULL);
  fail_unless (g_file_test (key_path, G_FILE_TEST_EXISTS));

  ret = gst_element_set_state (tx.pipe, GST_STATE_PLAYING);
  drain (&tx);
  fail_on_error (&tx);
  fail_if (ret == GST_STATE_CHANGE_FAILURE);
  /* two rotations on the air before the late joiner */
  w.p = &tx;
  w.want = 2;
  fail_unless (drain_until (all, 2, switches_at_least, &w, 120 *
          G_USEC_PER_SEC), "the sender made no 2 key switches");

  /* the late joiner, while the stream runs */
  t0 = g_get_real_time ();
  fail_if (gst_element_set_state (r2.pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  /* three more after its join */
  w.want = stat_int64 (&tx, "switches") + 3;
  fail_unless (drain_until (all, 3, switches_at_least, &w, 120 *
          G_USEC_PER_SEC), "the sender made no 3 more key switches");

  /* the sender stops at the end of a packet: all it sent has gone out */
  gst_element_send_event (tx.pipe, gst_event_new_eos ());
  bus = gst_element_get_bus (tx.pipe);
  eos = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND, GST_MESSAGE_EOS);
  fail_unless (eos != NULL, "the sender did not drain");
  gst_message_unref (eos);
  gst_object_unref (bus);
  drain_for (all, 3, 500 * 1000);

  fail_unless (r1.heartbeats >= 3, "receiver 1: %u heartbeats", r1.heartbeats);
  sender_switches = stat_int64 (&tx, "switches");
  /* several rotations on the air, and each receiver followed them */
  fail_unless (sender_switches >= 5, "only %u switches", sender_switches);
  fail_unless (stat_int64 (&r1, "switches") >= sender_switches);
  fail_unless_equals_int (stat_int64 (&r1, "unknown-mki-drops"), 0);
  /* the late joiner may start while the next TEK is not made yet, and on
   * a slow machine get it a moment after its first packet: those come
   * before its first key (check_received: nothing lost after it) */
  fail_unless_equals_int (stat_int64 (&tx, "dropped-no-key"), 0);

  i0 = check_received (&r1, &tx);
  fail_unless_equals_int (i0, 0);
  i0 = check_received (&r2, &tx);
  GST_INFO ("figures printed below");
  g_print ("mmkmregistry: sender %u packets, %u key switches (%u TEK "
      "activations posted); receiver 1: %u packets, 0 lost, %u switches, "
      "join %" G_GINT64_FORMAT " ms, %u heartbeats; receiver 2 (late): "
      "joined at packet %u, %u packets, 0 lost, first key %" G_GINT64_FORMAT
      " ms after its start (join %" G_GINT64_FORMAT " ms, %" G_GINT64_FORMAT
      " unknown-MKI drops before its first key)\n",
      tx.seqs->len, sender_switches, tx.activated, r1.seqs->len,
      (guint) stat_int64 (&r1, "switches"), join_us / 1000, r1.heartbeats,
      i0, r2.seqs->len, stat_int64 (&r2, "first-key-us") / 1000,
      stat_int64 (&r2, "join-us") / 1000, stat_int64 (&r2,
          "unknown-mki-drops"));
  /* the late joiner decoded within one TEK period of its join (its first
   * start also made its device key: RSA, a second or more) */
  fail_unless (stat_int64 (&r2, "first-key-us") - stat_int64 (&r2,
          "join-us") < (gint64) tek_period_ms * 1000);
  (void) t0;

  /* BYE at stop */
  gst_element_set_state (r1.pipe, GST_STATE_NULL);
  fail_unless_equals_int (g_atomic_int_get (&r1.left), 1);

  peer_free (&r1);
  peer_free (&r2);
  peer_free (&tx);
}

GST_END_TEST;

static gboolean
both_lost (gpointer data)
{
  Peer **p = data;

  return p[0]->lost >= 1 && p[1]->lost >= 1;
}

static gboolean
both_restored (gpointer data)
{
  Peer **p = data;

  return p[0]->restored >= 1 && p[1]->restored >= 1;
}

/* A member says BYE mid-stream: the server forces a re-key; the sender
 * and the receiver that stays fetch it through the events stream and
 * switch without a loss, and no MKI put on the air after the leave is
 * one the leaver ever fetched. (The server replaces a pending TEK by one
 * of the same activation, which the sender's key ring prefers as the
 * later one: this passes without the sender's unscheduling of withdrawn
 * TEKs too; that guards other orders.) */
GST_START_TEST (test_leave_rekey)
{
  Peer tx = { 0 }, r1 = { 0 }, r2 = { 0 };
  Peer *all[] = { &tx, &r1, &r2 };
  guint p1 = free_udp_port (), p2 = free_udp_port ();
  SwitchesAtLeast w;
  GstBus *bus;
  GstMessage *eos;
  guint on_air, i, j, after;
  gint64 t_bye, t_new = 0;

  make_receiver (&r1, "receiver 1", "alice", p1, PASSWORD);
  make_receiver (&r2, "receiver 2 (leaves)", "bob", p2, PASSWORD);
  make_sender (&tx, p1, p2);
  fail_if (gst_element_set_state (r1.pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (r2.pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (tx.pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  w.p = &tx;
  w.want = 2;
  fail_unless (drain_until (all, 3, switches_at_least, &w, 120 *
          G_USEC_PER_SEC));

  /* BYE; what it held stays in r2.fetched_mkis */
  t_bye = g_get_monotonic_time ();
  gst_element_set_state (r2.pipe, GST_STATE_NULL);
  fail_unless_equals_int (g_atomic_int_get (&r2.left), 1);
  g_mutex_lock (&tx.lock);
  on_air = tx.activated_mkis->len;
  g_mutex_unlock (&tx.lock);
  w.want = stat_int64 (&tx, "switches") + 3;
  fail_unless (drain_until (all, 2, switches_at_least, &w, 120 *
          G_USEC_PER_SEC));

  gst_element_send_event (tx.pipe, gst_event_new_eos ());
  bus = gst_element_get_bus (tx.pipe);
  eos = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND, GST_MESSAGE_EOS);
  fail_unless (eos != NULL, "the sender did not drain");
  gst_message_unref (eos);
  gst_object_unref (bus);
  drain_for (all, 2, 500 * 1000);

  fail_unless_equals_int (check_received (&r1, &tx), 0);
  /* the first key after the leave may be one the leaver had only when
   * it was already on the air at the leave: the activation list holds
   * what the sender switched to after it */
  after = tx.activated_mkis->len - on_air;
  fail_unless (after >= 3);
  for (i = on_air; i < tx.activated_mkis->len; i++) {
    for (j = 0; j < r2.fetched_mkis->len; j++)
      fail_if (g_array_index (tx.activated_mkis, guint, i) ==
          g_array_index (r2.fetched_mkis, guint, j),
          "TEK %08x went on the air after the leaver had fetched it",
          g_array_index (tx.activated_mkis, guint, i));
    if (!t_new)
      t_new = g_array_index (tx.activated_us, gint64, i);
  }
  /* a figure for the docs (issue 9 asks for it), never an assertion:
   * the server's propagation-delay-ms (its default, 2 s, here) is most of
   * it; a scheduled rotation (1.5 s here) may come first */
  g_print ("mmkmregistry, leave: the leaver fetched %u TEKs; %u switches "
      "after its BYE, none to a TEK it held; the receiver that stayed: %u "
      "packets, 0 lost; from the BYE to the sender's switch to a TEK the "
      "leaver never had: %.0f ms\n", r2.fetched_mkis->len, after,
      r1.seqs->len, (t_new - t_bye) / 1000.0);
  peer_free (&r1);
  peer_free (&r2);
  peer_free (&tx);
}

GST_END_TEST;

/* The server killed (-9) mid-stream and started again on its ports: the
 * audio goes on under the keys held, the members notice the loss and the
 * return by themselves, and the rotations go on after it. */
GST_START_TEST (test_server_restart)
{
  Peer tx = { 0 }, r1 = { 0 };
  Peer *all[] = { &tx, &r1 };
  guint p1 = free_udp_port (), p2 = free_udp_port ();
  guint before;
  SwitchesAtLeast w;
  GstBus *bus;
  GstMessage *eos;

  make_receiver (&r1, "receiver", "alice", p1, PASSWORD);
  make_sender (&tx, p1, p2);
  fail_if (gst_element_set_state (r1.pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (tx.pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  w.p = &tx;
  w.want = 2;
  fail_unless (drain_until (all, 2, switches_at_least, &w, 120 *
          G_USEC_PER_SEC), "the sender made no 2 key switches");

  server_kill ();
  /* 6 heartbeats missed: lost */
  fail_unless (drain_until (all, 2, both_lost, all, 60 * G_USEC_PER_SEC));
  fail_unless (r1.lost >= 1, "the receiver did not notice");
  fail_unless (tx.lost >= 1, "the sender did not notice");
  server_restart_same_ports ();
  before = stat_int64 (&tx, "switches");
  w.want = before + 2;
  fail_unless (drain_until (all, 2, switches_at_least, &w, 120 *
          G_USEC_PER_SEC), "no rotation after the restart");
  fail_unless (drain_until (all, 2, both_restored, all, 60 * G_USEC_PER_SEC));
  /* TEK periods of 1.5 s: the rotation went on after the restart */
  fail_unless (stat_int64 (&tx, "switches") >= before + 2, "%u -> %u",
      before, (guint) stat_int64 (&tx, "switches"));

  gst_element_send_event (tx.pipe, gst_event_new_eos ());
  bus = gst_element_get_bus (tx.pipe);
  eos = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND, GST_MESSAGE_EOS);
  fail_unless (eos != NULL, "the sender did not drain");
  gst_message_unref (eos);
  gst_object_unref (bus);
  drain_for (all, 2, 500 * 1000);

  fail_unless_equals_int (check_received (&r1, &tx), 0);
  g_print ("mmkmregistry, server restart: %u packets, 0 lost, %u key "
      "switches (%u after the restart); lost/restored: receiver %u/%u, "
      "sender %u/%u; re-logins: receiver %u, sender %u\n", tx.seqs->len,
      (guint) stat_int64 (&tx, "switches"),
      (guint) stat_int64 (&tx, "switches") - before, r1.lost, r1.restored,
      tx.lost, tx.restored, r1.rejoined, tx.rejoined);
  peer_free (&r1);
  peer_free (&tx);
}

GST_END_TEST;

static gboolean
receiving (gpointer data)
{
  Peer *p = data;
  gboolean yes;

  g_mutex_lock (&p->lock);
  yes = p->seqs->len >= 25;
  g_mutex_unlock (&p->lock);
  return yes;
}

/* rekey-on-join: a newcomer gets only the TEK its join forced, not the
 * one on the air. Its packets carry an MKI it does not hold: it asks
 * the server at once (mmkm-rekey event=unknown), drops them before
 * srtpdec, and decodes every packet from the forced TEK's activation on,
 * byte for byte; the members already there follow the forced re-key
 * without a loss. */
GST_START_TEST (test_unknown_mki_newcomer)
{
  Peer tx = { 0 }, r1 = { 0 }, r2 = { 0 };
  Peer *all[] = { &tx, &r1, &r2 };
  guint p1 = free_udp_port (), p2 = free_udp_port ();
  GstBus *bus;
  GstMessage *eos;
  guint i0, i1;
  gint64 drops;

  make_receiver (&r1, "receiver 1", "alice", p1, PASSWORD);
  make_receiver (&r2, "receiver 2 (newcomer)", "bob", p2, PASSWORD);
  make_sender (&tx, p1, p2);
  fail_if (gst_element_set_state (r1.pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (tx.pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  /* the sender's first key (its join's forced TEK) is on the air */
  fail_unless (drain_until (all, 2, receiving, &r1, 120 * G_USEC_PER_SEC));
  fail_if (gst_element_set_state (r2.pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  /* its join's TEK is on the air and it decodes */
  fail_unless (drain_until (all, 3, receiving, &r2, 120 * G_USEC_PER_SEC));
  drain_for (all, 3, G_USEC_PER_SEC);

  gst_element_send_event (tx.pipe, gst_event_new_eos ());
  bus = gst_element_get_bus (tx.pipe);
  eos = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND, GST_MESSAGE_EOS);
  fail_unless (eos != NULL, "the sender did not drain");
  gst_message_unref (eos);
  gst_object_unref (bus);
  drain_for (all, 3, 500 * 1000);

  drops = stat_int64 (&r2, "unknown-mki-drops");
  fail_unless (r2.unknown >= 1, "no fetch on the unknown MKI");
  fail_unless (drops > 0);
  /* zero loss from each receiver's first key on (the first one's first
   * key is the forced TEK of the sender's join, fetched within the
   * propagation delay: on a very slow machine it may miss a few packets
   * before it; they are counted below) */
  i1 = check_received (&r1, &tx);
  i0 = check_received (&r2, &tx);
  g_print ("mmkmregistry, rekey-on-join: sender %u packets, %u switches; "
      "the newcomer dropped %" G_GINT64_FORMAT " packets under the TEK "
      "before its join (%u fetches asked), then decoded %u of %u from "
      "packet %u on; the other receiver decoded all from packet %u on "
      "(%" G_GINT64_FORMAT " unknown-MKI drops before)\n", tx.seqs->len,
      (guint) stat_int64 (&tx, "switches"), drops, r2.unknown, r2.seqs->len,
      tx.seqs->len - i0, i0, i1, stat_int64 (&r1, "unknown-mki-drops"));
  peer_free (&r1);
  peer_free (&r2);
  peer_free (&tx);
}

GST_END_TEST;

/* The sender's song list, published over HTTPS by a sender session of
 * the test's own ("dj", through the shared helpers) */
static void
publish_songs (void)
{
  Member m = { 0 };
  MmkmApiSong songs[2] = {
    {1, (gchar *) "Gymnopédie No. 1", 185000, 44100, 2},
    {2, (gchar *) "Clair de lune", 300000, 48000, 2},
  };
  MmkmApiSongList list = { songs, 2 };
  g_autofree gchar *json = mmkm_api_song_list_to_json (&list);
  g_autofree gchar *reg = NULL;

  m.user = g_strdup ("dj");
  m.device = mmkm_identity_new ("dj", "mmkm:user:dj", 0, NULL);
  fail_unless (m.device != NULL);
  reg = register_json ("dj", PASSWORD, m.device);
  fail_unless_equals_int (post_json ("/v1/register", reg, NULL), 201);
  member_login (&m);
  member_kek (&m);
  fail_unless_equals_int (request ("PUT", "/v1/songs", "application/json",
          json, strlen (json), m.token, NULL), 204);
  g_free (m.user);
  member_clear (&m);
}

/* Waits (reading the bus) for an mmkm-queue message with @event; a
 * copy of its structure */
static GstStructure *
wait_queue_message (Peer * p, const gchar * event)
{
  GstBus *bus = gst_element_get_bus (p->pipe);
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  GstStructure *found = NULL;

  while (!found && g_get_monotonic_time () < end) {
    GstMessage *m = gst_bus_timed_pop (bus, 100 * GST_MSECOND);
    const GstStructure *s;

    if (!m)
      continue;
    s = gst_message_get_structure (m);
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
      fail ("error while waiting for %s", event);
    if (s && gst_structure_has_name (s, "mmkm-queue")
        && g_strcmp0 (gst_structure_get_string (s, "event"), event) == 0)
      found = gst_structure_copy (s);
    gst_message_unref (m);
  }
  gst_object_unref (bus);
  fail_unless (found != NULL, "no mmkm-queue %s", event);
  return found;
}

/* request-song by title: queued (and in the queue property); another
 * over the member's limit (1 per period here): refused with the reason;
 * a title not in the list: refused */
GST_START_TEST (test_request_song)
{
  Peer r = { 0 };
  GstStructure *s, *q = NULL;
  const GstStructure *e;
  GValue songs = G_VALUE_INIT;
  const GValue *entries;
  gboolean ok = FALSE;
  guint song = 0;
  guint64 entry = 0, qe = 0;
  gint64 end;

  publish_songs ();
  make_receiver (&r, "receiver", "alice", free_udp_port (), PASSWORD);
  fail_if (gst_element_set_state (r.pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  s = wait_queue_message (&r, "songs");
  gst_structure_free (s);
  g_value_init (&songs, GST_TYPE_ARRAY);
  g_object_get_property (G_OBJECT (r.reg), "songs", &songs);
  fail_unless_equals_int (gst_value_array_get_size (&songs), 2);
  g_value_unset (&songs);

  g_signal_emit_by_name (r.reg, "request-song", "clair DE lune", &ok);
  fail_unless (ok);
  s = wait_queue_message (&r, "queued");
  fail_unless (gst_structure_get_uint (s, "song", &song));
  fail_unless_equals_int (song, 2);
  fail_unless (gst_structure_get_uint64 (s, "entry", &entry));
  gst_structure_free (s);
  /* the queue property follows the server's queue event */
  end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end) {
    g_object_get (r.reg, "queue", &q, NULL);
    if (q && (entries = gst_structure_get_value (q, "entries"))
        && gst_value_array_get_size (entries) == 1)
      break;
    g_clear_pointer (&q, gst_structure_free);
    g_usleep (50 * 1000);
  }
  fail_unless (q != NULL, "the queue property did not show the request");
  e = gst_value_get_structure (gst_value_array_get_value
      (gst_structure_get_value (q, "entries"), 0));
  fail_unless (gst_structure_get_uint64 (e, "entry", &qe));
  fail_unless (qe == entry);
  fail_unless_equals_string (gst_structure_get_string (e, "requested-by"),
      "alice");
  gst_structure_free (q);

  g_signal_emit_by_name (r.reg, "request-song", "1", &ok);
  fail_unless (ok);
  s = wait_queue_message (&r, "refused");
  GST_INFO ("refused: %s", gst_structure_get_string (s, "reason"));
  fail_unless (gst_structure_get_uint (s, "status", &song));
  fail_unless_equals_int (song, 429);
  gst_structure_free (s);

  g_signal_emit_by_name (r.reg, "request-song", "No such song", &ok);
  s = wait_queue_message (&r, "refused");
  fail_unless (strstr (gst_structure_get_string (s, "reason"),
          "no song titled") != NULL);
  gst_structure_free (s);
  peer_free (&r);
}

GST_END_TEST;

/* ---- errors -------------------------------------------------------------- */

/* A receiver set up by @adjust fails NULL to READY with an error whose
 * sentence holds @words */
static void
expect_start_error (void (*adjust) (Peer * p), GQuark domain, gint code,
    const gchar * words)
{
  Peer p = { 0 };
  g_autoptr (GError) e = NULL;
  g_autofree gchar *dbg = NULL;

  make_receiver (&p, "receiver", "alice", free_udp_port (), PASSWORD);
  if (adjust)
    adjust (&p);
  fail_unless_equals_int (gst_element_set_state (p.pipe, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  drain (&p);
  fail_unless (p.error != NULL, "no error posted");
  gst_message_parse_error (p.error, &e, &dbg);
  GST_INFO ("error: %s", e->message);
  fail_unless (e->domain == domain && e->code == code, "%s (%s %d)",
      e->message, g_quark_to_string (e->domain), e->code);
  fail_unless (strstr (e->message, words) != NULL, "%s", e->message);
  fail_unless_equals_int (p.joined, 0);
  peer_free (&p);
}

static void
wrong_password (Peer * p)
{
  g_object_set (p->reg, "password", "not the password", NULL);
}

static void
wrong_fingerprint (Peer * p)
{
  g_object_set (p->reg, "server-fingerprint", WRONG_FP, NULL);
}

static void
unknown_group (Peer * p)
{
  g_object_set (p->reg, "group", "nosuchgroup", NULL);
}

static void
unreachable (Peer * p)
{
  g_autofree gchar *url = g_strdup_printf ("https://127.0.0.1:%u",
      free_udp_port ());

  g_object_set (p->reg, "server", url, NULL);
}

GST_START_TEST (test_wrong_password)
{
  Peer p = { 0 };

  expect_start_error (wrong_password, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_NOT_AUTHORIZED, "wrong user name or password");
  /* the device was not registered: nothing is left in the state-dir that
   * would keep the next start from registering it */
  make_receiver (&p, "receiver", "alice", free_udp_port (), PASSWORD);
  fail_unless (gst_element_set_state (p.pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  drain (&p);
  fail_unless_equals_int (p.joined, 1);
  peer_free (&p);
}

GST_END_TEST;

GST_START_TEST (test_wrong_fingerprint)
{
  expect_start_error (wrong_fingerprint, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_NOT_AUTHORIZED, "server-fingerprint");
}

GST_END_TEST;

GST_START_TEST (test_unknown_group)
{
  expect_start_error (unknown_group, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_NOT_FOUND, "no group \"nosuchgroup\"");
}

GST_END_TEST;

GST_START_TEST (test_unreachable)
{
  expect_start_error (unreachable, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_OPEN_READ_WRITE, "Cannot reach the MMKM server");
}

GST_END_TEST;

GST_START_TEST (test_listener_as_sender)
{
  Peer p = { 0 };
  g_autoptr (GError) e = NULL;
  g_autofree gchar *dbg = NULL;

  make_sender (&p, free_udp_port (), free_udp_port ());
  g_object_set (p.reg, "user", "alice", NULL);
  fail_unless_equals_int (gst_element_set_state (p.pipe, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  drain (&p);
  fail_unless (p.error != NULL);
  gst_message_parse_error (p.error, &e, &dbg);
  fail_unless (strstr (e->message, "sender role") != NULL, "%s", e->message);
  peer_free (&p);
}

GST_END_TEST;

GST_START_TEST (test_no_srtpdec)
{
  GstElement *pipe = gst_parse_launch ("udpsrc port=0 ! mmkmregistry "
      "name=reg user=alice server-fingerprint=" WRONG_FP " ! fakesink",
      NULL);
  GstBus *bus = gst_element_get_bus (pipe);
  GstMessage *m;
  g_autoptr (GError) e = NULL;

  fail_unless_equals_int (gst_element_set_state (pipe, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (m != NULL);
  gst_message_parse_error (m, &e, NULL);
  fail_unless (strstr (e->message, "upstream of srtpdec") != NULL, "%s",
      e->message);
  gst_message_unref (m);
  gst_object_unref (bus);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (pipe);
}

GST_END_TEST;

static Suite *
mmkmregistry_suite (void)
{
  Suite *s = suite_create ("mmkmregistry");
  TCase *te = tcase_create ("errors");
  /* Under AddressSanitizer on this shared 2-core machine the streaming
   * tests were not reliable: the instrumented server took up to 3 s per
   * TEK fetch (losses at rotations, even with 5 s TEKs) and
   * LeakSanitizer's tracer crashed at some exits. They run in the normal
   * build; MMKM_REGISTRY_ASAN_STREAMS=1 runs them under ASan too. */
  gboolean streams = !g_getenv ("ASAN_OPTIONS")
      || g_getenv ("MMKM_REGISTRY_ASAN_STREAMS");

  /* GIO's worker threads (TLS handshakes) stay in their pool: one that
   * exits while LeakSanitizer stops the threads at the end of a test can
   * crash LeakSanitizer's tracer (as in test-mmkm-client-gio) */
  g_thread_pool_set_max_unused_threads (-1);
  g_thread_pool_set_max_idle_time (0);

  if (streams) {
    TCase *tc = tcase_create ("end-to-end");
    TCase *tj = tcase_create ("rekey-on-join");

    tcase_add_checked_fixture (tc, setup, teardown);
    tcase_set_timeout (tc, 120);
    tcase_add_test (tc, test_sender_two_receivers);
    tcase_add_test (tc, test_server_restart);
    tcase_add_test (tc, test_leave_rekey);
    suite_add_tcase (s, tc);

    tcase_add_checked_fixture (tj, setup_rekey_on_join, teardown);
    tcase_set_timeout (tj, 120);
    tcase_add_test (tj, test_unknown_mki_newcomer);
    suite_add_tcase (s, tj);
  } else
    g_print ("test-mmkmregistry: streaming tests skipped under ASan (set "
        "MMKM_REGISTRY_ASAN_STREAMS=1 to run them)\n");

  tcase_add_checked_fixture (te, setup_short, teardown);
  tcase_set_timeout (te, 120);
  tcase_add_test (te, test_request_song);
  tcase_add_test (te, test_wrong_password);
  tcase_add_test (te, test_wrong_fingerprint);
  tcase_add_test (te, test_unknown_group);
  tcase_add_test (te, test_unreachable);
  tcase_add_test (te, test_listener_as_sender);
  tcase_add_test (te, test_no_srtpdec);
  suite_add_tcase (s, te);
  return s;
}

GST_CHECK_MAIN (mmkmregistry);
