/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Our MIKEY messages against real GStreamer RTSP peers: an in-process
 * gst-rtsp-server (RTP/SAVP) on a loopback port and a stock rtspsrc.
 *
 * The server encrypts with its own srtpenc; its SDP's a=key-mgmt is
 * replaced by a MIKEY-NULL message from our core carrying the same key,
 * SSRC and ROC, in the suite the srtpenc runs. rtspsrc reads that message
 * with gst_mikey_message_to_caps, and the audio must come out of it byte
 * for byte. For AES_CM_128_HMAC_SHA1_32 this only works with our SP layout
 * for GStreamer (auth key length 4: docs/protocol-core.md); with the
 * RFC 3830 value 20 rtspsrc checks 80-bit tags and decrypts nothing.
 * The server's own message (GStreamer's layout: the tag length in the auth
 * key length parameter) must read in our parser as the same suite.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/app/gstappsink.h>
#include <gst/sdp/gstmikey.h>
#include <gst/rtsp-server/rtsp-server.h>

#include "mikey-exchange.h"
#include "mikey-message.h"
#include "mikey-srtp.h"
#include "mikey-suite.h"

#define N_BUFFERS 50
#define SAMPLES 160             /* 20 ms at 8 kHz */
#define BYTES (N_BUFFERS * SAMPLES * 2)
#define SOURCE "audiotestsrc num-buffers=" G_STRINGIFY (N_BUFFERS) \
  " samplesperbuffer=" G_STRINGIFY (SAMPLES) " wave=sine freq=440" \
  " ! audio/x-raw,format=S16BE,rate=8000,channels=1"

typedef struct
{
  const gchar *suite;           /* ours */
  const gchar *auth;            /* srtpenc's nick */
} Case;

static const Case cases[] = {
  {"AES_CM_128_HMAC_SHA1_80", "hmac-sha1-80"},
  {"AES_CM_128_HMAC_SHA1_32", "hmac-sha1-32"},
};

static const Case *current_case;
static gint replaced;
static gint encoders;

/* ------------------------------------------------------------------------
 * A client whose SDP carries our MIKEY message instead of the server's
 * ---------------------------------------------------------------------- */

typedef GstRTSPClient TestClient;
typedef GstRTSPClientClass TestClientClass;
static GType test_client_get_type (void);
G_DEFINE_TYPE (TestClient, test_client, GST_TYPE_RTSP_CLIENT);

/* The server's own message (GStreamer's SP layout) read by our parser:
 * the suite the server's srtpenc runs, its key and SSRC */
static void
check_ours_reads (const guint8 * data, gsize len, const guint8 * key,
    guint32 ssrc)
{
  GError *err = NULL;
  MikeyMessage *msg = mikey_message_parse (data, len, &err);
  GPtrArray *kd;
  GArray *params;
  const MikeySrtpParams *p;

  fail_unless (msg != NULL, "%s", err ? err->message : "?");
  kd = mikey_psk_open_kemac (msg, data, len, NULL, 0, &err);
  fail_unless (kd != NULL, "%s", err ? err->message : "?");
  params = mikey_srtp_params_from_message (msg, kd, NULL, 0, &err);
  fail_unless (params != NULL, "%s", err ? err->message : "?");
  fail_unless_equals_int (params->len, 1);
  p = &g_array_index (params, MikeySrtpParams, 0);
  fail_unless_equals_string (p->suite->name, current_case->suite);
  fail_unless (p->has_ssrc);
  fail_unless_equals_uint64 (p->ssrc, ssrc);
  fail_unless (p->key_len == 16 && memcmp (p->key, key, 16) == 0);
  fail_unless (p->salt_len == 14 && memcmp (p->salt, key + 16, 14) == 0);
  g_array_unref (params);
  g_ptr_array_unref (kd);
  mikey_message_free (msg);
}

/* The server's message, parsed by GStreamer; ours with the same key,
 * SSRC and ROC in the case's suite, as "mikey <base64>" */
static gchar *
our_key_mgmt (const gchar * theirs)
{
  const Case *c = current_case;
  GstMIKEYMessage *gmsg;
  const GstMIKEYPayload *kemac, *sub;
  const GstMIKEYPayloadKeyData *kd;
  const GstMIKEYMapSRTP *map;
  MikeyInitiatorConfig cfg = { 0 };
  MikeySrtpCs cs;
  MikeyInitiator *init;
  GError *err = NULL;
  GBytes *bytes;
  guint8 *raw;
  gsize raw_len;
  gchar *b64, *ret;

  fail_unless (g_str_has_prefix (theirs, "mikey "), "%s", theirs);
  raw = g_base64_decode (theirs + 6, &raw_len);
  gmsg = gst_mikey_message_new_from_data (raw, raw_len, NULL, &err);
  fail_unless (gmsg != NULL, "%s", err ? err->message : "?");
  /* the server's own message: one crypto session, the stream's SSRC */
  fail_unless_equals_int (gst_mikey_message_get_n_cs (gmsg), 1);
  map = gst_mikey_message_get_cs_srtp (gmsg, 0);
  cs.policy_no = 0;
  cs.ssrc = map->ssrc;
  cs.roc = map->roc;
  kemac = gst_mikey_message_find_payload (gmsg, GST_MIKEY_PT_KEMAC, 0);
  fail_unless (kemac != NULL);
  sub = gst_mikey_payload_kemac_get_sub (kemac, 0);
  fail_unless (sub != NULL && sub->type == GST_MIKEY_PT_KEY_DATA);
  kd = (const GstMIKEYPayloadKeyData *) sub;
  fail_unless_equals_int (kd->key_len, 30);

  check_ours_reads (raw, raw_len, kd->key_data, map->ssrc);

  cfg.mode = MIKEY_MODE_NULL;
  cfg.suite = mikey_suite_lookup (c->suite);
  cfg.tek = kd->key_data;
  cfg.tek_len = kd->key_len;
  cfg.cs = &cs;
  cfg.n_cs = 1;
  init = mikey_initiator_new (&cfg, &err);
  fail_unless (init != NULL, "%s", err ? err->message : "?");
  bytes = mikey_initiator_start (init, g_get_real_time (), &err);
  fail_unless (bytes != NULL, "%s", err ? err->message : "?");
  mikey_initiator_free (init);
  gst_mikey_message_unref (gmsg);
  g_free (raw);

  b64 = g_base64_encode (g_bytes_get_data (bytes, NULL),
      g_bytes_get_size (bytes));
  ret = g_strconcat ("mikey ", b64, NULL);
  g_free (b64);
  g_bytes_unref (bytes);
  return ret;
}

static GstSDPMessage *
test_client_create_sdp (GstRTSPClient * client, GstRTSPMedia * media)
{
  GstSDPMessage *sdp =
      GST_RTSP_CLIENT_CLASS (test_client_parent_class)->create_sdp (client,
      media);
  guint i, j;

  fail_unless (sdp != NULL);
  for (i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    GstSDPMedia *m = (GstSDPMedia *) gst_sdp_message_get_media (sdp, i);

    for (j = 0; j < gst_sdp_media_attributes_len (m); j++) {
      const GstSDPAttribute *a = gst_sdp_media_get_attribute (m, j);
      GstSDPAttribute repl;
      gchar *ours;

      if (g_strcmp0 (a->key, "key-mgmt") != 0)
        continue;
      ours = our_key_mgmt (a->value);
      gst_sdp_attribute_set (&repl, "key-mgmt", ours);
      gst_sdp_media_replace_attribute (m, j, &repl);
      g_free (ours);
      g_atomic_int_inc (&replaced);
    }
  }
  return sdp;
}

static void
test_client_class_init (TestClientClass * klass)
{
  klass->create_sdp = test_client_create_sdp;
}

static void
test_client_init (TestClient * client)
{
}

typedef GstRTSPServer TestServer;
typedef GstRTSPServerClass TestServerClass;
static GType test_server_get_type (void);
G_DEFINE_TYPE (TestServer, test_server, GST_TYPE_RTSP_SERVER);

/* What rtspsrc sends in SETUP's KeyMgmt header (the key of the SRTCP
 * receiver reports it sends): GStreamer's layout, with one crypto session
 * for its own RTCP SSRC, ROC 0 (docs/elements.md) */
static gint client_keymgmts;

static void
setup_request (GstRTSPClient * client, GstRTSPContext * ctx, gpointer data)
{
  gchar *hdr = NULL;
  const gchar *start, *end;
  GstMIKEYMessage *gmsg;
  const GstMIKEYMapSRTP *map;
  guint8 *raw;
  gsize raw_len;
  gchar *b64;

  if (gst_rtsp_message_get_header (ctx->request, GST_RTSP_HDR_KEYMGMT, &hdr,
          0) != GST_RTSP_OK)
    return;
  start = strstr (hdr, "data=\"");
  fail_unless (start != NULL, "%s", hdr);
  start += 6;
  end = strchr (start, '"');
  fail_unless (end != NULL, "%s", hdr);
  b64 = g_strndup (start, end - start);
  raw = g_base64_decode (b64, &raw_len);
  gmsg = gst_mikey_message_new_from_data (raw, raw_len, NULL, NULL);
  fail_unless (gmsg != NULL);
  fail_unless_equals_int (gst_mikey_message_get_n_cs (gmsg), 1);
  map = gst_mikey_message_get_cs_srtp (gmsg, 0);
  fail_unless_equals_int (map->roc, 0);
  GST_INFO ("rtspsrc's KeyMgmt: one crypto session, SSRC 0x%08x", map->ssrc);
  g_atomic_int_inc (&client_keymgmts);
  gst_mikey_message_unref (gmsg);
  g_free (raw);
  g_free (b64);
}

static GstRTSPClient *
test_server_create_client (GstRTSPServer * server)
{
  GstRTSPClient *client;
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool (server);
  GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points (server);
  GstRTSPThreadPool *threads = gst_rtsp_server_get_thread_pool (server);

  /* what the parent does, with our client type */
  client = g_object_new (test_client_get_type (), NULL);
  gst_rtsp_client_set_session_pool (client, pool);
  gst_rtsp_client_set_mount_points (client, mounts);
  gst_rtsp_client_set_thread_pool (client, threads);
  g_signal_connect (client, "setup-request", G_CALLBACK (setup_request), NULL);
  g_object_unref (pool);
  g_object_unref (mounts);
  g_object_unref (threads);
  return client;
}

static void
test_server_class_init (TestServerClass * klass)
{
  klass->create_client = test_server_create_client;
}

static void
test_server_init (TestServer * server)
{
}

/* The server's srtpenc runs the case's authentication from its first
 * packet on: set as soon as rtpbin adds it to the media's pipeline */
static void
element_added (GstBin * bin, GstBin * sub_bin, GstElement * element,
    gpointer user_data)
{
  GstElementFactory *f = gst_element_get_factory (element);

  if (f == NULL || g_strcmp0 (GST_OBJECT_NAME (f), "srtpenc") != 0)
    return;
  gst_util_set_object_arg (G_OBJECT (element), "rtp-auth", current_case->auth);
  gst_util_set_object_arg (G_OBJECT (element), "rtcp-auth", current_case->auth);
  g_atomic_int_inc (&encoders);
}

static void
media_configure (GstRTSPMediaFactory * factory, GstRTSPMedia * media,
    gpointer user_data)
{
  GstElement *element = gst_rtsp_media_get_element (media);
  GstObject *pipeline = gst_object_get_parent (GST_OBJECT (element));

  fail_unless (GST_IS_BIN (pipeline));
  g_signal_connect (pipeline, "deep-element-added",
      G_CALLBACK (element_added), NULL);
  gst_object_unref (pipeline);
  gst_object_unref (element);
}

typedef struct
{
  GMainContext *ctx;
  GMainLoop *loop;
  GThread *thread;
  GstRTSPServer *server;
  guint port;
} Server;

static gpointer
server_thread (gpointer data)
{
  Server *s = data;

  g_main_context_push_thread_default (s->ctx);
  g_main_loop_run (s->loop);
  g_main_context_pop_thread_default (s->ctx);
  return NULL;
}

static void
server_start (Server * s)
{
  GstRTSPMountPoints *mounts;
  GstRTSPMediaFactory *factory;
  guint id;

  s->ctx = g_main_context_new ();
  s->loop = g_main_loop_new (s->ctx, FALSE);
  s->server = g_object_new (test_server_get_type (), NULL);
  gst_rtsp_server_set_address (s->server, "127.0.0.1");
  gst_rtsp_server_set_service (s->server, "0");
  mounts = gst_rtsp_server_get_mount_points (s->server);
  factory = gst_rtsp_media_factory_new ();
  gst_rtsp_media_factory_set_launch (factory,
      "( " SOURCE " ! rtpL16pay name=pay0 pt=96 )");
  gst_rtsp_media_factory_set_profiles (factory, GST_RTSP_PROFILE_SAVP);
  gst_rtsp_media_factory_set_protocols (factory, GST_RTSP_LOWER_TRANS_UDP);
  g_signal_connect (factory, "media-configure", G_CALLBACK (media_configure),
      NULL);
  gst_rtsp_mount_points_add_factory (mounts, "/test", factory);
  g_object_unref (mounts);
  id = gst_rtsp_server_attach (s->server, s->ctx);
  fail_unless (id != 0);
  s->port = gst_rtsp_server_get_bound_port (s->server);
  fail_unless (s->port != 0);
  s->thread = g_thread_new ("rtsp-server", server_thread, s);
}

static void
server_stop (Server * s)
{
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool (s->server);

  g_main_loop_quit (s->loop);
  g_thread_join (s->thread);
  gst_rtsp_session_pool_cleanup (pool);
  g_object_unref (pool);
  g_object_unref (s->server);
  g_main_loop_unref (s->loop);
  g_main_context_unref (s->ctx);
}

/* What the server's source produces, to compare with */
static GByteArray *
expected_audio (void)
{
  GstElement *p = gst_parse_launch (SOURCE " ! appsink name=sink sync=false",
      NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (p), "sink");
  GByteArray *out = g_byte_array_new ();
  GstSample *sample;

  fail_unless (gst_element_set_state (p, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstMapInfo map;
    GstBuffer *buf = gst_sample_get_buffer (sample);

    gst_buffer_map (buf, &map, GST_MAP_READ);
    g_byte_array_append (out, map.data, map.size);
    gst_buffer_unmap (buf, &map);
    gst_sample_unref (sample);
  }
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (p);
  fail_unless_equals_int (out->len, BYTES);
  return out;
}

GST_START_TEST (test_our_key_mgmt_keys_rtspsrc)
{
  GByteArray *expect = expected_audio (), *got = g_byte_array_new ();
  Server server = { 0 };
  GstElement *p, *sink;
  gchar *desc;
  gint64 deadline;

  current_case = &cases[__i__];
  g_atomic_int_set (&replaced, 0);
  g_atomic_int_set (&encoders, 0);
  g_atomic_int_set (&client_keymgmts, 0);
  GST_INFO ("suite %s", current_case->suite);
  server_start (&server);

  desc = g_strdup_printf ("rtspsrc location=rtsp://127.0.0.1:%u/test "
      "protocols=udp latency=200 ! rtpL16depay ! appsink name=sink "
      "sync=false", server.port);
  p = gst_parse_launch (desc, NULL);
  g_free (desc);
  fail_unless (p != NULL);
  sink = gst_bin_get_by_name (GST_BIN (p), "sink");
  fail_unless (gst_element_set_state (p, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);

  deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  while (got->len < BYTES && g_get_monotonic_time () < deadline) {
    GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
        200 * GST_MSECOND);
    GstMapInfo map;

    if (sample == NULL) {
      if (gst_app_sink_is_eos (GST_APP_SINK (sink)))
        break;
      continue;
    }
    gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ);
    g_byte_array_append (got, map.data, map.size);
    gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
    gst_sample_unref (sample);
  }
  GST_INFO ("%s: got %u of %u bytes", current_case->suite, got->len, BYTES);

  fail_unless (g_atomic_int_get (&encoders) >= 1,
      "no srtpenc in the server's SAVP media");
  fail_unless (g_atomic_int_get (&replaced) >= 1,
      "the server's SDP had no key-mgmt to replace");
  fail_unless (g_atomic_int_get (&client_keymgmts) >= 1,
      "rtspsrc sent no KeyMgmt in SETUP");
  fail_unless_equals_int (got->len, BYTES);
  fail_unless (memcmp (got->data, expect->data, BYTES) == 0,
      "decrypted audio differs");

  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (p);
  server_stop (&server);
  g_byte_array_unref (got);
  g_byte_array_unref (expect);
}

GST_END_TEST;

static Suite *
rtsp_interop_suite (void)
{
  Suite *s = suite_create ("rtsp-interop");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_our_key_mgmt_keys_rtspsrc, 0,
      G_N_ELEMENTS (cases));
  return s;
}

GST_CHECK_MAIN (rtsp_interop);
