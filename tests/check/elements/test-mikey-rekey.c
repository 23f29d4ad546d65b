/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Live re-keying of a running unicast stream (docs/elements.md, "Live
 * re-keying"): mikeyenc runs a new MIKEY exchange per re-key (PSK here,
 * the real mode, over UDP on loopback), srtpenc switches to the new key
 * and MKI at the first packet after the receiver acknowledged it, and
 * mikeydec's lib/srtp-rekey receiver switches srtpdec at the first SRTP /
 * SRTCP packet under the new MKI. Checked: every audio byte arrives,
 * byte-exact and in order, every SRTCP packet is decrypted, srtpdec drops
 * nothing, and the mikey-rekey bus messages of both sides tell each
 * re-key with its MKI and reason and no key bytes.
 *
 * The pipelines are driven packet by packet from appsrc (no clock), so a
 * lost packet is a missing one, not a late one. */
#include <gst/check/gstcheck.h>
#include <gst/app/gstappsrc.h>
#include <gst/app/gstappsink.h>
#include <string.h>
#include "mikey-test-util.h"

#define SSRC 0x11223344u
#define FRAME_BYTES 160         /* 10 ms of S16BE 8 kHz mono */
#define AUDIO_CAPS "audio/x-raw,format=S16BE,rate=8000,channels=1," \
  "layout=interleaved"

typedef struct
{
  GstElement *tx, *rx;
  GstElement *enc, *dec, *srtpdec;
  GstElement *asrc, *rtcpsrc, *asink, *rtcpsink;
  GMutex lock;
  GCond cond;
  /* mikey-rekey messages */
  guint tx_delivered, tx_switched, rx_installed, rx_switched;
  guint reasons_wrong;          /* a reason or stage not expected */
  guint key_fields;             /* a message with key bytes in it */
  gint64 exchange_us_sum, exchange_us_max;
  gdouble tx_switch_us_sum, rx_switch_us_sum, rx_switch_us_max;
  const gchar *expect_reason;
  GString *last_tx_mki, *last_rx_mki;
  guint mki_mismatch;           /* receiver switched to another MKI */
  guint errors;
  gchar *error_text;
  guint rx_rtcp;                /* SRTCP packets srtpdec decrypted */
  guint rtp_port, rtcp_port, mikey_port;
} Pair;

static GstPadProbeReturn
count_rtcp (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Pair *p = user_data;

  g_mutex_lock (&p->lock);
  p->rx_rtcp++;
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
  return GST_PAD_PROBE_OK;
}

static void
record (GstMessage * msg, gpointer user_data)
{
  Pair *p = user_data;
  const GstStructure *s;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    g_mutex_lock (&p->lock);
    p->errors++;
    if (p->error_text == NULL)
      p->error_text = g_strdup (err->message);
    g_cond_broadcast (&p->cond);
    g_mutex_unlock (&p->lock);
    g_clear_error (&err);
    return;
  }
  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT ||
      !gst_message_has_name (msg, "mikey-rekey"))
    return;

  s = gst_message_get_structure (msg);
  g_mutex_lock (&p->lock);
  {
    const gchar *stage = gst_structure_get_string (s, "stage");
    const gchar *reason = gst_structure_get_string (s, "reason");
    const gchar *mki = gst_structure_get_string (s, "mki");
    gboolean from_tx = GST_MESSAGE_SRC (msg) == GST_OBJECT (p->enc);
    gint i;

    for (i = 0; i < gst_structure_n_fields (s); i++) {
      const gchar *f = gst_structure_nth_field_name (s, i);

      if (strstr (f, "key") != NULL)
        p->key_fields++;
    }
    fail_unless (stage != NULL && reason != NULL && mki != NULL);
    fail_unless_equals_int (strlen (mki), 8);   /* 4-byte MKI, in hex */
    if (from_tx && g_str_equal (stage, "delivered")) {
      gint64 us = 0;

      p->tx_delivered++;
      if (!g_str_equal (reason, p->expect_reason))
        p->reasons_wrong++;
      gst_structure_get_int64 (s, "exchange-us", &us);
      p->exchange_us_sum += us;
      p->exchange_us_max = MAX (p->exchange_us_max, us);
    } else if (from_tx && g_str_equal (stage, "switched")) {
      gdouble us = 0;

      p->tx_switched++;
      if (!g_str_equal (reason, p->expect_reason))
        p->reasons_wrong++;
      gst_structure_get_double (s, "switch-us", &us);
      p->tx_switch_us_sum += us;
      g_string_assign (p->last_tx_mki, mki);
    } else if (!from_tx && g_str_equal (stage, "installed")) {
      p->rx_installed++;
      if (!g_str_equal (reason, "sender"))
        p->reasons_wrong++;
    } else if (!from_tx && g_str_equal (stage, "switched")) {
      gdouble us = 0;

      p->rx_switched++;
      if (!g_str_equal (reason, p->rx_switched == 1 ? "initial" : "sender"))
        p->reasons_wrong++;
      gst_structure_get_double (s, "switch-us", &us);
      p->rx_switch_us_sum += us;
      p->rx_switch_us_max = MAX (p->rx_switch_us_max, us);
      g_string_assign (p->last_rx_mki, mki);
    } else {
      p->reasons_wrong++;
    }
  }
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
}

/* A sync handler that answers GST_BUS_DROP owns the message: not
 * unreffed, it would keep its source element, and so the pipelines,
 * alive (LeakSanitizer). */
static GstBusSyncReply
on_bus (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  record (msg, user_data);
  gst_message_unref (msg);
  return GST_BUS_DROP;
}

static GstElement *
by_name (GstElement * bin, const gchar * name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (bin), name);

  fail_unless (e != NULL, "no %s", name);
  gst_object_unref (e);         /* the pipeline keeps it */
  return e;
}

/* @enc_props: mode and re-key settings of mikeyenc; @dec_props those of
 * mikeydec (both without ports) */
/* The receiver pipeline (again, for a restart), PLAYING */
static void
rx_start (Pair * p, const gchar * dec_props)
{
  gchar *desc;
  GError *err = NULL;
  GstBus *bus;
  guint rtp_port = p->rtp_port, rtcp_port = p->rtcp_port;
  guint mikey_port = p->mikey_port;

  desc = g_strdup_printf ("udpsrc address=127.0.0.1 port=%u "
      "buffer-size=4194304 caps=\"" TEST_SRTP_CAPS "\" ! mikeydec name=dec "
      "address=127.0.0.1 port=%u %s ! srtpdec name=sd "
      "sd.rtp_src ! rtpL16depay ! appsink name=asink sync=false async=false "
      "udpsrc address=127.0.0.1 port=%u buffer-size=4194304 "
      "caps=application/x-srtcp ! sd.rtcp_sink "
      "sd.rtcp_src ! appsink name=rtcpsink sync=false async=false", rtp_port,
      mikey_port, dec_props, rtcp_port);
  p->rx = gst_parse_launch (desc, &err);
  fail_unless (p->rx != NULL, "%s", err ? err->message : "?");
  g_free (desc);
  p->dec = by_name (p->rx, "dec");
  p->srtpdec = by_name (p->rx, "sd");
  p->asink = by_name (p->rx, "asink");
  p->rtcpsink = by_name (p->rx, "rtcpsink");
  {
    GstPad *pad = gst_element_get_static_pad (p->rtcpsink, "sink");

    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_rtcp, p, NULL);
    gst_object_unref (pad);
  }
  bus = gst_element_get_bus (p->rx);
  gst_bus_set_sync_handler (bus, on_bus, p, NULL);
  gst_object_unref (bus);
  fail_if (gst_element_set_state (p->rx, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
}

static Pair *
pair_new (const gchar * enc_props, const gchar * dec_props)
{
  Pair *p = g_new0 (Pair, 1);
  gchar *desc;
  GError *err = NULL;
  GstBus *bus;

  g_mutex_init (&p->lock);
  g_cond_init (&p->cond);
  p->last_tx_mki = g_string_new (NULL);
  p->last_rx_mki = g_string_new (NULL);
  p->expect_reason = "signal";
  p->rtp_port = mikey_test_free_port ();
  p->rtcp_port = mikey_test_free_port ();
  p->mikey_port = mikey_test_free_port ();
  rx_start (p, dec_props);

  desc = g_strdup_printf ("appsrc name=asrc format=time caps=\"" AUDIO_CAPS
      "\" ! rtpL16pay ssrc=%u pt=96 ! mikeyenc name=enc "
      "peer-address=127.0.0.1 peer-port=%u %s ! se.rtp_sink_0 "
      "srtpenc name=se se.rtp_src_0 ! udpsink host=127.0.0.1 port=%u "
      "sync=false async=false "
      "appsrc name=rtcpsrc format=time caps=application/x-rtcp ! "
      "se.rtcp_sink_0 se.rtcp_src_0 ! udpsink host=127.0.0.1 port=%u "
      "sync=false async=false", SSRC, p->mikey_port, enc_props, p->rtp_port,
      p->rtcp_port);
  p->tx = gst_parse_launch (desc, &err);
  fail_unless (p->tx != NULL, "%s", err ? err->message : "?");
  g_free (desc);

  p->enc = by_name (p->tx, "enc");
  p->asrc = by_name (p->tx, "asrc");
  p->rtcpsrc = by_name (p->tx, "rtcpsrc");

  bus = gst_element_get_bus (p->tx);
  gst_bus_set_sync_handler (bus, on_bus, p, NULL);
  gst_object_unref (bus);

  fail_if (gst_element_set_state (p->tx, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  return p;
}

static void
pair_free (Pair * p)
{
  gst_element_set_state (p->tx, GST_STATE_NULL);
  gst_element_set_state (p->rx, GST_STATE_NULL);
  gst_object_unref (p->tx);
  gst_object_unref (p->rx);
  g_string_free (p->last_tx_mki, TRUE);
  g_string_free (p->last_rx_mki, TRUE);
  g_free (p->error_text);
  g_mutex_clear (&p->lock);
  g_cond_clear (&p->cond);
  g_free (p);
}

/* The n-th frame's bytes: a counter, so that a lost, repeated or
 * reordered frame shows */
static void
fill_frame (guint8 * data, guint n)
{
  guint i;

  for (i = 0; i < FRAME_BYTES; i++)
    data[i] = (guint8) ((n * 7 + i * 13 + (n >> 8)) & 0xff);
}

static void
push_frame (Pair * p, guint n)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, FRAME_BYTES, NULL);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  fill_frame (map.data, n);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = n * 10 * GST_MSECOND;
  GST_BUFFER_DURATION (buf) = 10 * GST_MSECOND;
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (p->asrc),
          buf), GST_FLOW_OK);
}

/* An RTCP sender report of our SSRC whose counts say @n */
static void
rtcp_packet (guint8 * d, guint n)
{
  memset (d, 0, 28);
  d[0] = 0x80;
  d[1] = 200;
  d[3] = 6;
  GST_WRITE_UINT32_BE (d + 4, SSRC);
  GST_WRITE_UINT32_BE (d + 8, n);
  GST_WRITE_UINT32_BE (d + 20, n);
  GST_WRITE_UINT32_BE (d + 24, n * FRAME_BYTES);
}

static void
push_rtcp (Pair * p, guint n)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 28, NULL);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  rtcp_packet (map.data, n);
  gst_buffer_unmap (buf, &map);
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (p->rtcpsrc),
          buf), GST_FLOW_OK);
}

/* Waits until *@counter reaches @n (lock held); FALSE on timeout or an
 * error */
static gboolean
wait_count (Pair * p, guint * counter, guint n, gint64 timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;

  while (*counter < n && p->errors == 0)
    if (!g_cond_wait_until (&p->cond, &p->lock, end))
      break;
  return *counter >= n && p->errors == 0;
}

typedef struct
{
  guint frames, bytes_ok, rtcp, rtcp_ok;
} Received;

/* Pulls what the receiver decoded until @frames frames and @rtcp SRTCP
 * packets came (or a quiet second passed), comparing each with what was
 * sent */
static void
collect (Pair * p, guint frames, guint rtcp, Received * r)
{
  GByteArray *audio = g_byte_array_new ();
  guint8 expect[FRAME_BYTES];
  gint64 last = g_get_monotonic_time ();
  guint i;

  memset (r, 0, sizeof (*r));
  while (audio->len < frames * FRAME_BYTES || r->rtcp < rtcp) {
    GstSample *s;
    gboolean got = FALSE;

    while ((s = gst_app_sink_try_pull_sample (GST_APP_SINK (p->asink),
                1 * GST_MSECOND)) != NULL) {
      GstBuffer *b = gst_sample_get_buffer (s);
      GstMapInfo map;

      gst_buffer_map (b, &map, GST_MAP_READ);
      g_byte_array_append (audio, map.data, map.size);
      gst_buffer_unmap (b, &map);
      gst_sample_unref (s);
      got = TRUE;
    }
    while ((s = gst_app_sink_try_pull_sample (GST_APP_SINK (p->rtcpsink),
                1 * GST_MSECOND)) != NULL) {
      GstBuffer *b = gst_sample_get_buffer (s);
      guint8 d[28], e[28];

      if (gst_buffer_get_size (b) == 28) {
        gst_buffer_extract (b, 0, d, 28);
        rtcp_packet (e, GST_READ_UINT32_BE (d + 8));
        /* in order: the n-th SRTCP packet says n */
        if (memcmp (d, e, 28) == 0 && GST_READ_UINT32_BE (d + 8) == r->rtcp)
          r->rtcp_ok++;
      }
      r->rtcp++;
      gst_sample_unref (s);
      got = TRUE;
    }
    if (got)
      last = g_get_monotonic_time ();
    else if (g_get_monotonic_time () - last > G_USEC_PER_SEC)
      break;
  }
  r->frames = audio->len / FRAME_BYTES;
  for (i = 0; i < r->frames; i++) {
    fill_frame (expect, i);
    if (memcmp (audio->data + i * FRAME_BYTES, expect, FRAME_BYTES) == 0)
      r->bytes_ok += FRAME_BYTES;
  }
  g_byte_array_unref (audio);
}

static guint64
srtpdec_drops (Pair * p)
{
  GstStructure *stats = NULL;
  guint64 drops = 0;
  guint v;

  g_object_get (p->srtpdec, "stats", &stats, NULL);
  if (stats != NULL && gst_structure_get_uint (stats, "recv-drop-count", &v))
    drops = v;
  if (stats != NULL)
    gst_structure_free (stats);
  return drops;
}

/* 1,000 re-keys, each a PSK exchange fired by the rekey signal, three
 * audio packets and one SRTCP packet under every key */
GST_START_TEST (test_rekey_1000_signal)
{
  Pair *p = pair_new ("mode=psk psk=" TEST_PSK " mki-length=4",
      "mode=psk psk=" TEST_PSK);
  const guint n_rekeys = 1000, per_key = 3;
  guint k, f = 0, i;
  gboolean ok;
  Received r;
  gint64 t0, t1;

  t0 = g_get_monotonic_time ();
  for (k = 0; k <= n_rekeys; k++) {
    if (k == 0) {
      /* mikeyenc holds the packets until the first key is in place and
       * releases them with the next one: frames until srtpdec has it */
      for (i = 0; i < 5000; i++) {
        push_frame (p, f++);
        g_mutex_lock (&p->lock);
        ok = p->rx_switched > 0;
        g_mutex_unlock (&p->lock);
        if (ok)
          break;
        g_usleep (1000);
      }
      fail_unless (i < 5000, "the first key never came into use");
    } else {
      for (i = 0; i < per_key; i++)
        push_frame (p, f++);
    }
    /* as a real stream, re-keyed every few minutes with an RTCP report
     * every few seconds, would: the receiver is on key k (it switched at
     * the first packet under it) and has the SRTCP packet sent under it
     * before key k + 1 is delivered. (An SRTCP packet under key k that
     * arrives after srtpdec switched to k + 1 is dropped by lib/srtp-
     * rekey: docs/elements.md) */
    g_mutex_lock (&p->lock);
    ok = wait_count (p, &p->rx_switched, k + 1, 10000);
    g_mutex_unlock (&p->lock);
    fail_unless (ok, "the receiver did not switch to key %u", k);
    push_rtcp (p, k);
    g_mutex_lock (&p->lock);
    ok = wait_count (p, &p->rx_rtcp, k + 1, 10000);
    g_mutex_unlock (&p->lock);
    fail_unless (ok, "SRTCP packet %u not decrypted", k);
    if (k == n_rekeys)
      break;
    g_signal_emit_by_name (p->enc, "rekey", &ok);
    fail_unless (ok);
    g_mutex_lock (&p->lock);
    ok = wait_count (p, &p->tx_delivered, k + 1, 10000);
    g_mutex_unlock (&p->lock);
    fail_unless (ok, "re-key %u not delivered: %s", k + 1,
        p->error_text ? p->error_text : "timeout");
  }
  t1 = g_get_monotonic_time ();

  collect (p, f, n_rekeys + 1, &r);
  g_mutex_lock (&p->lock);
  wait_count (p, &p->rx_switched, n_rekeys + 1, 5000);
  g_mutex_unlock (&p->lock);

  GST_INFO ("%u re-keys in %.2f s: %u/%u frames, %u/%u SRTCP, exchange "
      "mean %.0f us max %" G_GINT64_FORMAT " us, switch tx %.1f us rx %.1f "
      "us (max %.0f us)", n_rekeys, (t1 - t0) / 1e6, r.frames, f, r.rtcp,
      n_rekeys + 1, (gdouble) p->exchange_us_sum / n_rekeys,
      p->exchange_us_max, p->tx_switch_us_sum / MAX (p->tx_switched, 1),
      p->rx_switch_us_sum / MAX (p->rx_switched, 1), p->rx_switch_us_max);
  g_print ("test-mikey-rekey: %u re-keys (PSK exchange each) in %.2f s; "
      "packets lost: %u of %u SRTP, %u of %u SRTCP; one re-key exchange on "
      "loopback: mean %.0f us, max %" G_GINT64_FORMAT " us; switch in the "
      "streaming thread: sender %.1f us, receiver %.1f us (max %.0f us)\n",
      n_rekeys, (t1 - t0) / 1e6, f - r.frames, f, n_rekeys + 1 - r.rtcp,
      n_rekeys + 1, (gdouble) p->exchange_us_sum / n_rekeys,
      p->exchange_us_max, p->tx_switch_us_sum / MAX (p->tx_switched, 1),
      p->rx_switch_us_sum / MAX (p->rx_switched, 1), p->rx_switch_us_max);

  fail_unless_equals_int (p->errors, 0);
  fail_unless_equals_int (r.frames, f);
  fail_unless_equals_int (r.bytes_ok, f * FRAME_BYTES);
  fail_unless_equals_int (r.rtcp, n_rekeys + 1);
  fail_unless_equals_int (r.rtcp_ok, n_rekeys + 1);
  fail_unless_equals_int (srtpdec_drops (p), 0);
  g_mutex_lock (&p->lock);
  fail_unless_equals_int (p->tx_delivered, n_rekeys);
  fail_unless_equals_int (p->tx_switched, n_rekeys);
  fail_unless_equals_int (p->rx_installed, n_rekeys);
  /* the first key and every re-key */
  fail_unless_equals_int (p->rx_switched, n_rekeys + 1);
  fail_unless_equals_int (p->reasons_wrong, 0);
  fail_unless_equals_int (p->key_fields, 0);
  /* both sides use the same, last MKI */
  fail_unless_equals_string (p->last_tx_mki->str, p->last_rx_mki->str);
  g_mutex_unlock (&p->lock);
  pair_free (p);
}

GST_END_TEST;

/* Pushes @n frames, one every @gap_us, and checks they all arrive
 * byte-exact. Returns the frames pushed. */
static guint
stream_paced (Pair * p, guint n, gulong gap_us)
{
  guint f;
  Received r;

  for (f = 0; f < n; f++) {
    push_frame (p, f);
    g_usleep (gap_us);
  }
  collect (p, n, 0, &r);
  fail_unless_equals_int (p->errors, 0);
  fail_unless_equals_int (r.frames, n);
  fail_unless_equals_int (r.bytes_ok, n * FRAME_BYTES);
  fail_unless_equals_int (srtpdec_drops (p), 0);
  return n;
}

/* rekey-interval=1: a PSK exchange every second, on its own */
GST_START_TEST (test_rekey_interval)
{
  Pair *p = pair_new ("mode=psk psk=" TEST_PSK " rekey-interval=1",
      "mode=psk psk=" TEST_PSK);

  p->expect_reason = "interval";
  /* 3.2 s of audio, 20 ms packets */
  stream_paced (p, 160, 20000);
  g_mutex_lock (&p->lock);
  fail_unless (p->tx_delivered >= 2, "%u re-keys", p->tx_delivered);
  fail_unless (p->tx_switched >= 2);
  fail_unless_equals_int (p->rx_installed, p->tx_delivered);
  fail_unless_equals_int (p->rx_switched, p->tx_switched + 1);
  fail_unless_equals_int (p->reasons_wrong, 0);
  fail_unless_equals_int (p->key_fields, 0);
  fail_unless_equals_string (p->last_tx_mki->str, p->last_rx_mki->str);
  g_mutex_unlock (&p->lock);
  pair_free (p);
}

GST_END_TEST;

/* rekey-packets=25: mikeyenc re-keys on its own when a key protected that
 * many packets (the default is half libsrtp's 2^48 limit) */
GST_START_TEST (test_rekey_usage_limit)
{
  Pair *p = pair_new ("mode=psk psk=" TEST_PSK " mki-length=4 "
      "rekey-packets=25", "mode=psk psk=" TEST_PSK);

  p->expect_reason = "usage-limit";
  stream_paced (p, 200, 2000);
  g_mutex_lock (&p->lock);
  /* 200 packets, at most 25 (and the few during an exchange) per key */
  fail_unless (p->tx_switched >= 5, "%u re-keys", p->tx_switched);
  fail_unless_equals_int (p->rx_switched, p->tx_switched + 1);
  fail_unless_equals_int (p->reasons_wrong, 0);
  g_mutex_unlock (&p->lock);
  pair_free (p);
}

GST_END_TEST;

/* Without rekey-interval or mki-length the stream has no MKI: it cannot be
 * re-keyed without loss, so the signal refuses, and the stream goes on */
GST_START_TEST (test_rekey_needs_mki)
{
  Pair *p = pair_new ("mode=psk psk=" TEST_PSK, "mode=psk psk=" TEST_PSK);
  gboolean ok = TRUE;
  GstStructure *caps_s;
  GstCaps *caps = NULL;
  guint f;
  Received r;

  for (f = 0; f < 20; f++) {
    push_frame (p, f);
    g_usleep (5000);
  }
  g_object_get (p->enc, "srtp-caps", &caps, NULL);
  fail_unless (caps != NULL, "not keyed");
  caps_s = gst_caps_get_structure (caps, 0);
  fail_if (gst_structure_has_field (caps_s, "mki"));
  gst_caps_unref (caps);
  g_signal_emit_by_name (p->enc, "rekey", &ok);
  fail_if (ok);
  for (; f < 40; f++)
    push_frame (p, f);
  collect (p, 40, 0, &r);
  fail_unless_equals_int (r.frames, 40);
  fail_unless_equals_int (r.bytes_ok, 40 * FRAME_BYTES);
  g_mutex_lock (&p->lock);
  fail_unless_equals_int (p->tx_delivered + p->rx_installed, 0);
  g_mutex_unlock (&p->lock);
  pair_free (p);
}

GST_END_TEST;

/* A receiver restarted alone (a new mikeydec, the sender running on) gets
 * keys at the sender's next re-key (rekey-interval=1): after that, every
 * frame arrives byte-exact */
GST_START_TEST (test_rekey_receiver_restart)
{
  Pair *p = pair_new ("mode=psk psk=" TEST_PSK " rekey-interval=1 "
      "timeout=700", "mode=psk psk=" TEST_PSK);
  GByteArray *audio = g_byte_array_new ();
  guint8 expect[FRAME_BYTES];
  guint f, from, n, i;
  GstSample *sample;
  gboolean ok;

  p->expect_reason = "interval";
  for (f = 0; f < 30; f++) {
    push_frame (p, f);
    g_usleep (10000);
  }
  g_mutex_lock (&p->lock);
  ok = wait_count (p, &p->rx_switched, 1, 5000);
  g_mutex_unlock (&p->lock);
  fail_unless (ok);

  /* the receiver goes away and comes back as a new pipeline */
  gst_element_set_state (p->rx, GST_STATE_NULL);
  gst_object_unref (p->rx);
  g_mutex_lock (&p->lock);
  p->rx_switched = p->rx_installed = 0;
  g_mutex_unlock (&p->lock);
  rx_start (p, "mode=psk psk=" TEST_PSK);

  /* 3 s more: at least two intervals */
  for (; f < 330; f++) {
    push_frame (p, f);
    g_usleep (10000);
  }
  g_usleep (200000);
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (p->asink),
              10 * GST_MSECOND)) != NULL) {
    GstBuffer *b = gst_sample_get_buffer (sample);
    GstMapInfo map;

    gst_buffer_map (b, &map, GST_MAP_READ);
    g_byte_array_append (audio, map.data, map.size);
    gst_buffer_unmap (b, &map);
    gst_sample_unref (sample);
  }
  n = audio->len / FRAME_BYTES;
  fail_unless_equals_int (audio->len % FRAME_BYTES, 0);
  /* the frames under the keys the new receiver never got are lost; from
   * its first key on, every frame to the end, in order */
  fail_unless (n >= 100, "only %u frames after the restart", n);
  from = f - n;
  for (i = 0; i < n; i++) {
    fill_frame (expect, from + i);
    fail_unless (memcmp (audio->data + i * FRAME_BYTES, expect,
            FRAME_BYTES) == 0, "frame %u of %u differs", i, n);
  }
  g_print ("test-mikey-rekey: the restarted receiver decrypts from frame %u "
      "of %u on (10 ms frames; rekey-interval=1)\n", from, f);
  g_mutex_lock (&p->lock);
  fail_unless (p->rx_installed >= 1 || p->rx_switched >= 1);
  fail_unless_equals_int (p->errors, 0);
  g_mutex_unlock (&p->lock);
  g_byte_array_unref (audio);
  pair_free (p);
}

GST_END_TEST;

/* @text with every "PKI/" replaced by the test PKI directory */
static gchar *
pki_props (const gchar * text)
{
  gchar *dir = mikey_test_pki ("");
  gchar *sep = g_strconcat (dir, G_DIR_SEPARATOR_S, NULL);
  gchar **parts = g_strsplit (text, "PKI/", -1);
  gchar *ret = g_strjoinv (sep, parts);

  g_strfreev (parts);
  g_free (sep);
  g_free (dir);
  return ret;
}

/* Re-keys by the signal in another mode than PSK: each one a new
 * exchange of that mode (signed Diffie-Hellman: a new shared secret per
 * key; PKE: a new envelope to the receiver's certificate) */
static void
rekey_in_mode (const gchar * enc_props, const gchar * dec_props, guint n)
{
  gchar *e = pki_props (enc_props), *d = pki_props (dec_props);
  Pair *p = pair_new (e, d);
  guint f = 0, k, i;
  gboolean ok;
  Received r;

  g_free (e);
  g_free (d);
  for (i = 0; i < 5000; i++) {
    push_frame (p, f++);
    g_mutex_lock (&p->lock);
    ok = p->rx_switched > 0 || p->errors > 0;
    g_mutex_unlock (&p->lock);
    if (ok)
      break;
    g_usleep (1000);
  }
  fail_unless_equals_int (p->errors, 0);
  for (k = 1; k <= n; k++) {
    g_signal_emit_by_name (p->enc, "rekey", &ok);
    fail_unless (ok);
    g_mutex_lock (&p->lock);
    ok = wait_count (p, &p->tx_delivered, k, 10000);
    g_mutex_unlock (&p->lock);
    fail_unless (ok, "re-key %u: %s", k, p->error_text ? p->error_text :
        "timeout");
    for (i = 0; i < 3; i++)
      push_frame (p, f++);
    g_mutex_lock (&p->lock);
    ok = wait_count (p, &p->rx_switched, k + 1, 10000);
    g_mutex_unlock (&p->lock);
    fail_unless (ok);
  }
  collect (p, f, 0, &r);
  fail_unless_equals_int (r.frames, f);
  fail_unless_equals_int (r.bytes_ok, f * FRAME_BYTES);
  fail_unless_equals_int (srtpdec_drops (p), 0);
  g_mutex_lock (&p->lock);
  fail_unless_equals_int (p->tx_switched, n);
  fail_unless_equals_int (p->rx_installed, n);
  fail_unless_equals_int (p->reasons_wrong, 0);
  fail_unless_equals_string (p->last_tx_mki->str, p->last_rx_mki->str);
  g_mutex_unlock (&p->lock);
  pair_free (p);
}

#define RX_PK "cert=PKI/bob-chain.pem key=PKI/bob-key.pem " \
  "ca-file=PKI/root-ca.pem id=sip:bob@example.org"
#define TX_CERT "cert=PKI/alice.pem key=PKI/alice-key.pem " \
  "ca-file=PKI/root-ca.pem id=sip:alice@example.org " \
  "peer-id=sip:bob@example.org"

GST_START_TEST (test_rekey_dh)
{
  rekey_in_mode (TX_CERT " mode=dh mki-length=4", RX_PK " mode=dh", 5);
}

GST_END_TEST;

GST_START_TEST (test_rekey_pke)
{
  rekey_in_mode (TX_CERT " peer-cert=PKI/bob-chain.pem mode=pke "
      "mki-length=4", RX_PK " mode=pke", 5);
}

GST_END_TEST;

GST_START_TEST (test_rekey_dhhmac)
{
  rekey_in_mode ("psk=" TEST_PSK " mode=dhhmac mki-length=4",
      "psk=" TEST_PSK " mode=dhhmac", 5);
}

GST_END_TEST;

static Suite *
mikey_rekey_suite (void)
{
  Suite *s = suite_create ("mikey-rekey");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_rekey_1000_signal);
  tcase_add_test (tc, test_rekey_interval);
  tcase_add_test (tc, test_rekey_usage_limit);
  tcase_add_test (tc, test_rekey_needs_mki);
  tcase_add_test (tc, test_rekey_receiver_restart);
  tcase_add_test (tc, test_rekey_dh);
  tcase_add_test (tc, test_rekey_pke);
  tcase_add_test (tc, test_rekey_dhhmac);
  return s;
}

MIKEY_CHECK_MAIN (mikey_rekey);
