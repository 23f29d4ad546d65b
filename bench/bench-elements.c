/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-elements: what mikeyenc / mikeydec cost once keyed.
 *
 * Runs, in one process and alternating so that machine noise hits both
 * sides alike:
 *   sender:   audiotestsrc ! rtpL16pay ! srtpenc ! fakesink
 *       vs    audiotestsrc ! rtpL16pay ! mikeyenc ! srtpenc ! fakesink
 *   receiver: appsrc (SRTP, keys in caps) ! srtpdec ! fakesink
 *       vs    appsrc (SRTP) ! mikeydec key-mgmt=... ! srtpdec ! fakesink
 * and prints buffers per CPU second (process CPU time, median of the
 * runs; an identity element in the same place as a yardstick) and the
 * ratio. Keys
 * are set up front (mikeyenc without a peer: SDP mode; mikeydec from a
 * key-mgmt made by GStreamer's gst_mikey_message_new_from_caps), so no
 * network exchange is timed. Never fails on timing.
 *
 * Usage: bench-elements [buffers-per-run] [runs]
 * Needs GST_PLUGIN_PATH to include the build's ext/mikey.
 */
#include <gst/gst.h>
#include <gst/app/gstappsrc.h>
#include <gst/sdp/gstmikey.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEY_HEX "3a115c902107ee426b0d99a41873c25f0123456789abcdeffedcba987654"
#define SSRC 0x12345678u

/* CPU time of the whole process (all pipeline threads): less disturbed by
 * other load on a shared machine than wall-clock time */
static gdouble
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs to EOS and returns the CPU seconds it took; leaves it PLAYING */
static gdouble
run_pipeline_keep (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  gdouble start, end;

  start = cpu_seconds ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 600 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  end = cpu_seconds ();
  if (msg == NULL || GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS) {
    GError *err = NULL;

    if (msg != NULL)
      gst_message_parse_error (msg, &err, NULL);
    g_printerr ("pipeline failed: %s\n", err ? err->message : "timeout");
    exit (1);
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
  return end - start;
}

static gdouble
run_pipeline (GstElement * pipeline)
{
  gdouble secs = run_pipeline_keep (pipeline);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  return secs;
}

static GstElement *
parse (const gchar * desc)
{
  GError *err = NULL;
  GstElement *p = gst_parse_launch (desc, &err);

  if (p == NULL) {
    g_printerr ("could not build %s: %s\n", desc, err->message);
    exit (1);
  }
  return p;
}

/* ------------------------------------------------------------------------
 * Sender side
 * ---------------------------------------------------------------------- */

typedef enum
{
  ALONE,                        /* the stock SRTP element alone */
  IDENTITY,                     /* yardstick: a do-nothing element */
  MIKEY,                        /* our element in front */
  N_CONFIGS
} Config;

static const gchar *config_names[N_CONFIGS] = {
  "stock SRTP element alone",
  "with identity in front (yardstick)",
  "with our element in front",
};

static gdouble
sender_run (guint n, Config c)
{
  gchar *desc;
  GstElement *p;
  gdouble secs;

  desc = g_strdup_printf ("audiotestsrc wave=silence samplesperbuffer=160 "
      "num-buffers=%u ! audio/x-raw,format=S16BE,rate=8000,channels=1 ! "
      "rtpL16pay ssrc=%u ! %s srtpenc key=%s ! fakesink sync=false", n, SSRC,
      c == MIKEY ? "mikeyenc mode=psk "
      "psk=00112233445566778899aabbccddeeff ! " :
      c == IDENTITY ? "identity ! " : "", KEY_HEX);
  p = parse (desc);
  secs = run_pipeline (p);
  gst_object_unref (p);
  g_free (desc);
  return n / secs;
}

/* ------------------------------------------------------------------------
 * Receiver side
 * ---------------------------------------------------------------------- */

static GstFlowReturn
collect (GstElement * sink, GPtrArray * out)
{
  GstSample *sample = NULL;

  g_signal_emit_by_name (sink, "pull-sample", &sample);
  if (sample) {
    g_ptr_array_add (out, gst_buffer_ref (gst_sample_get_buffer (sample)));
    gst_sample_unref (sample);
  }
  return GST_FLOW_OK;
}

static GPtrArray *
make_srtp (guint n)
{
  GPtrArray *bufs = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  gchar *desc;
  GstElement *p, *sink;

  desc = g_strdup_printf ("audiotestsrc wave=white-noise samplesperbuffer=160 "
      "num-buffers=%u ! audio/x-raw,format=S16BE,rate=8000,channels=1 ! "
      "rtpL16pay ssrc=%u ! srtpenc key=%s ! appsink name=sink sync=false "
      "emit-signals=true", n, SSRC, KEY_HEX);
  p = parse (desc);
  sink = gst_bin_get_by_name (GST_BIN (p), "sink");
  g_signal_connect (sink, "new-sample", G_CALLBACK (collect), bufs);
  run_pipeline (p);
  gst_object_unref (sink);
  gst_object_unref (p);
  g_free (desc);
  return bufs;
}

static GstBuffer *
key_buffer (void)
{
  guint8 key[30];
  guint i;

  for (i = 0; i < 30; i++)
    key[i] = (g_ascii_xdigit_value (KEY_HEX[2 * i]) << 4) |
        g_ascii_xdigit_value (KEY_HEX[2 * i + 1]);
  return gst_buffer_new_memdup (key, sizeof (key));
}

static gchar *
make_key_mgmt (void)
{
  GstBuffer *key = key_buffer ();
  GstCaps *caps;
  GstMIKEYMessage *msg;
  gchar *b64, *ret;

  caps = gst_caps_new_simple ("application/x-srtp",
      "srtp-key", GST_TYPE_BUFFER, key,
      "srtp-cipher", G_TYPE_STRING, "aes-128-icm",
      "srtp-auth", G_TYPE_STRING, "hmac-sha1-80",
      "srtcp-cipher", G_TYPE_STRING, "aes-128-icm",
      "srtcp-auth", G_TYPE_STRING, "hmac-sha1-80", NULL);
  msg = gst_mikey_message_new_from_caps (caps);
  b64 = gst_mikey_message_base64_encode (msg);
  ret = g_strdup_printf ("mikey %s", b64);
  g_free (b64);
  gst_mikey_message_unref (msg);
  gst_caps_unref (caps);
  gst_buffer_unref (key);
  return ret;
}

static gdouble
receiver_run (GPtrArray * srtp, const gchar * key_mgmt, Config c)
{
  GstElement *p, *src, *srtpdec;
  GstCaps *caps;
  GstStructure *stats;
  gchar *desc;
  gdouble secs;
  guint i, received = 0, dropped = 0;

  desc = g_strdup_printf ("appsrc name=src format=time max-bytes=0 "
      "block=false ! %s srtpdec name=srtpdec ! fakesink sync=false",
      c == MIKEY ? "mikeydec name=dec mode=null port=0 ! " :
      c == IDENTITY ? "identity ! " : "");
  p = parse (desc);
  g_free (desc);
  if (c == MIKEY) {
    GstElement *dec = gst_bin_get_by_name (GST_BIN (p), "dec");

    g_object_set (dec, "key-mgmt", key_mgmt, NULL);
    gst_object_unref (dec);
    caps = gst_caps_new_simple ("application/x-srtp", "payload", G_TYPE_INT,
        96, "clock-rate", G_TYPE_INT, 8000, NULL);
  } else {
    GstBuffer *key = key_buffer ();

    caps = gst_caps_new_simple ("application/x-srtp", "payload", G_TYPE_INT,
        96, "clock-rate", G_TYPE_INT, 8000, "ssrc", G_TYPE_UINT, SSRC,
        "srtp-key", GST_TYPE_BUFFER, key,
        "srtp-cipher", G_TYPE_STRING, "aes-128-icm",
        "srtp-auth", G_TYPE_STRING, "hmac-sha1-80",
        "srtcp-cipher", G_TYPE_STRING, "aes-128-icm",
        "srtcp-auth", G_TYPE_STRING, "hmac-sha1-80", NULL);
    gst_buffer_unref (key);
  }
  src = gst_bin_get_by_name (GST_BIN (p), "src");
  g_object_set (src, "caps", caps, NULL);
  gst_caps_unref (caps);
  /* everything queued up front: only the pipeline is timed. Copies:
   * srtpdec (1.22) decrypts buffers that are not writable into a copy
   * that it then loses, pushing the original. */
  for (i = 0; i < srtp->len; i++)
    gst_app_src_push_buffer (GST_APP_SRC (src),
        gst_buffer_copy_deep (g_ptr_array_index (srtp, i)));
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  gst_object_unref (src);

  srtpdec = gst_bin_get_by_name (GST_BIN (p), "srtpdec");
  secs = run_pipeline_keep (p);
  /* every packet must have been decrypted, or the figure means nothing */
  g_object_get (srtpdec, "stats", &stats, NULL);
  gst_structure_get_uint (stats, "recv-count", &received);
  gst_structure_get_uint (stats, "recv-drop-count", &dropped);
  gst_structure_free (stats);
  if (received != srtp->len || dropped != 0) {
    g_printerr ("srtpdec decrypted %u of %u packets (%u dropped)\n",
        received - dropped, srtp->len, dropped);
    exit (1);
  }
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (srtpdec);
  gst_object_unref (p);
  return srtp->len / secs;
}

/* ------------------------------------------------------------------------ */

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return (x > y) - (x < y);
}

static gdouble
median (GArray * a)
{
  g_array_sort (a, cmp_double);
  return g_array_index (a, gdouble, a->len / 2);
}

static void
report (const gchar * what, GArray ** r)
{
  gdouble base = median (r[ALONE]);
  gint c;

  for (c = 0; c < N_CONFIGS; c++) {
    gdouble m = median (r[c]);

    g_print ("%-9s %-36s %10.0f buffers/CPU-s", what, config_names[c], m);
    if (c != ALONE)
      g_print ("   ratio %.3f (costs %.1f%%)", m / base,
          (1.0 - m / base) * 100.0);
    g_print ("\n");
  }
  g_print ("\n");
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 100000;
  guint runs = argc > 2 ? (guint) atoi (argv[2]) : 7;
  GArray *r[N_CONFIGS];
  GPtrArray *srtp;
  gchar *km;
  guint i;
  gint c;

  gst_init (&argc, &argv);
  if (gst_element_factory_find ("mikeyenc") == NULL) {
    g_printerr ("mikeyenc not found: set GST_PLUGIN_PATH to the build's "
        "ext/mikey\n");
    return 1;
  }
  for (c = 0; c < N_CONFIGS; c++)
    r[c] = g_array_new (FALSE, FALSE, sizeof (gdouble));

  g_print ("%u buffers per run (20 ms L16 packets), %u runs per "
      "configuration, interleaved; medians. \"costs\" is the share of the "
      "pipeline's time the element in front adds.\n\n", n, runs);

  for (c = 0; c < N_CONFIGS; c++)
    sender_run (n / 10, c);     /* warm up */
  for (i = 0; i < runs; i++) {
    for (c = 0; c < N_CONFIGS; c++) {
      gdouble x = sender_run (n, c);

      g_array_append_val (r[c], x);
    }
  }
  report ("sender", r);

  for (c = 0; c < N_CONFIGS; c++)
    g_array_set_size (r[c], 0);
  srtp = make_srtp (n);
  km = make_key_mgmt ();
  for (c = 0; c < N_CONFIGS; c++)
    receiver_run (srtp, km, c); /* warm up */
  for (i = 0; i < runs; i++) {
    for (c = 0; c < N_CONFIGS; c++) {
      gdouble x = receiver_run (srtp, km, c);

      g_array_append_val (r[c], x);
    }
  }
  report ("receiver", r);

  g_ptr_array_unref (srtp);
  g_free (km);
  for (c = 0; c < N_CONFIGS; c++)
    g_array_unref (r[c]);
  return 0;
}
