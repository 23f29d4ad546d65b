/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "mmkm-sender-pipeline.h"

#include <string.h>
#include <gst/app/app.h>
#include <gst/audio/audio.h>

/* Silence is pushed in pieces this long, asking "what next" after each,
 * so that a request made during silence starts within this time. */
#define SILENCE_CHUNK_MS 20
/* How far the feeder runs ahead of the wire: room to open the next song
 * without the stream falling late. */
#define QUEUE_AHEAD_MS 200
/* The first sample goes out this long after the pipeline starts. */
#define START_LEAD_MS 50
#define DECODE_POLL (100 * GST_MSECOND)
/* Silence after a song that could not be played at all */
#define FAILED_PAUSE_MS 500

typedef struct
{
  guint64 start;
  MmkmSenderPlaying what;
  MmkmSong *song;               /* NULL for silence and live input */
} Mark;

struct _MmkmSender
{
  MmkmSenderConfig config;
  MmkmSenderCallbacks callbacks;
  gpointer user_data;
  guint32 ssrc;
  gchar *alsa_device;

  GstElement *pipeline;
  GstElement *appsrc;           /* NULL for live sources */
  GstAudioInfo info;

  GThread *feeder;
  gint stopping;                /* atomic */
  GstClockTime base_pts;
  guint64 samples;              /* frames pushed so far (feeder thread) */

  GMutex lock;
  GQueue marks;                 /* Mark*, in stream order */
  gboolean caps_reported;
};

G_DEFINE_QUARK (mmkm - sender - error - quark, mmkm_sender_error);

void
mmkm_sender_config_init (MmkmSenderConfig * config)
{
  memset (config, 0, sizeof (*config));
  config->source = MMKM_SENDER_SOURCE_FILES;
  config->rate = 48000;
  config->channels = 2;
  config->host = "239.255.42.42";
  config->port = 5004;
  config->ttl = 1;
  config->payload_type = 96;
}

static void
mark_free (Mark * mark)
{
  if (mark->song != NULL)
    mmkm_song_unref (mark->song);
  g_free (mark);
}

static void
add_mark (MmkmSender * sender, MmkmSenderPlaying what, MmkmSong * song,
    guint64 start)
{
  Mark *mark = g_new0 (Mark, 1);

  mark->start = start;
  mark->what = what;
  mark->song = song != NULL ? mmkm_song_ref (song) : NULL;
  g_mutex_lock (&sender->lock);
  g_queue_push_tail (&sender->marks, mark);
  g_mutex_unlock (&sender->lock);
}

/* Reports what plays when its first sample reaches the payloader, not when
 * the feeder queued it (up to QUEUE_AHEAD_MS earlier). */
static GstPadProbeReturn
pay_sink_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  MmkmSender *sender = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  guint64 offset = GST_BUFFER_OFFSET (buf);

  for (;;) {
    Mark *mark;

    g_mutex_lock (&sender->lock);
    mark = g_queue_peek_head (&sender->marks);
    if (mark != NULL && (mark->what == MMKM_SENDER_PLAYING_LIVE
            || (offset != GST_BUFFER_OFFSET_NONE && offset >= mark->start)))
      g_queue_pop_head (&sender->marks);
    else
      mark = NULL;
    g_mutex_unlock (&sender->lock);
    if (mark == NULL)
      break;
    if (sender->callbacks.now_playing != NULL)
      sender->callbacks.now_playing (sender, mark->what, mark->song,
          mark->start, sender->user_data);
    mark_free (mark);
  }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
pay_src_caps_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  MmkmSender *sender = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;
  gchar *str;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS || sender->caps_reported)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (event, &caps);
  sender->caps_reported = TRUE;
  str = gst_caps_to_string (caps);
  if (sender->callbacks.stream_caps != NULL)
    sender->callbacks.stream_caps (sender, str, sender->user_data);
  g_free (str);
  return GST_PAD_PROBE_OK;
}

/* The RTP path's EOS does not end the RTCP path (rtpbin keeps its RTCP
 * source running), so the pipeline never posts EOS by itself: say on the
 * bus when the last RTP packet has gone out. */
static GstPadProbeReturn
rtp_sink_eos_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstElement *sink;

  if (GST_EVENT_TYPE (event) != GST_EVENT_EOS)
    return GST_PAD_PROBE_OK;
  sink = gst_pad_get_parent_element (pad);
  gst_element_post_message (sink, gst_message_new_element (GST_OBJECT (sink),
          gst_structure_new_empty (MMKM_SENDER_END_MESSAGE)));
  gst_object_unref (sink);
  return GST_PAD_PROBE_OK;
}

/* Pushes @buf (frames of the stream format) with the stream's own
 * timestamps: PTS and OFFSET come from the running sample count, so the
 * payloader's perfect RTP timestamps advance by exactly the samples sent,
 * whatever the song's own timestamps were. */
static gboolean
push_frames (MmkmSender * sender, GstBuffer * buf)
{
  gsize size = gst_buffer_get_size (buf);
  guint64 frames = size / GST_AUDIO_INFO_BPF (&sender->info);
  gint rate = sender->config.rate;
  GstFlowReturn ret;

  buf = gst_buffer_make_writable (buf);
  if (frames * GST_AUDIO_INFO_BPF (&sender->info) != size)
    gst_buffer_resize (buf, 0, frames * GST_AUDIO_INFO_BPF (&sender->info));
  if (frames == 0) {
    gst_buffer_unref (buf);
    return TRUE;
  }
  GST_BUFFER_PTS (buf) = sender->base_pts +
      gst_util_uint64_scale_int (sender->samples, GST_SECOND, rate);
  GST_BUFFER_DURATION (buf) = sender->base_pts +
      gst_util_uint64_scale_int (sender->samples + frames, GST_SECOND,
      rate) - GST_BUFFER_PTS (buf);
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_OFFSET (buf) = sender->samples;
  GST_BUFFER_OFFSET_END (buf) = sender->samples + frames;
  GST_BUFFER_FLAG_UNSET (buf, GST_BUFFER_FLAG_DISCONT);
  sender->samples += frames;
  ret = gst_app_src_push_buffer (GST_APP_SRC (sender->appsrc), buf);
  return ret == GST_FLOW_OK;
}

static gboolean
push_silence (MmkmSender * sender, guint ms)
{
  guint64 frames = gst_util_uint64_scale_int (ms, sender->config.rate, 1000);
  gsize size = frames * GST_AUDIO_INFO_BPF (&sender->info);
  GstBuffer *buf = gst_buffer_new_allocate (NULL, size, NULL);

  gst_buffer_memset (buf, 0, 0, size);
  return push_frames (sender, buf);
}

/* Decodes @song to the stream format as fast as the appsrc queue takes it.
 * Returns FALSE with @message when the song cannot be played; *pushed
 * says whether any of it went out. */
static gboolean
play_song (MmkmSender * sender, MmkmSong * song, gboolean * pushed,
    gchar ** message)
{
  GstElement *decode, *src, *filter, *sink, *conv;
  GstCaps *caps;
  GstBus *bus;
  GError *err = NULL;
  gboolean ok = TRUE;

  *pushed = FALSE;
  decode = gst_parse_launch ("filesrc name=src ! wavparse "
      "! audioconvert name=conv ! audioresample ! capsfilter name=filter "
      "! appsink name=sink sync=false max-buffers=8", &err);
  if (decode == NULL) {
    *message = g_strdup (err->message);
    g_clear_error (&err);
    return FALSE;
  }
  src = gst_bin_get_by_name (GST_BIN (decode), "src");
  filter = gst_bin_get_by_name (GST_BIN (decode), "filter");
  sink = gst_bin_get_by_name (GST_BIN (decode), "sink");
  conv = gst_bin_get_by_name (GST_BIN (decode), "conv");
  /* audioconvert dithers by default whenever it mixes channels or changes
   * byte order through its 32-bit intermediate: +-1 LSB of noise on a
   * 16-bit song that needs no more than a byte swap or a copy of mono to
   * both channels. Without dithering such a song reaches the wire sample
   * for sample; deeper files keep the dither their reduction needs. */
  if (song->depth > 0 && song->depth <= 16)
    g_object_set (conv, "dithering", GST_AUDIO_DITHER_NONE, "noise-shaping",
        GST_AUDIO_NOISE_SHAPING_NONE, NULL);
  gst_object_unref (conv);
  g_object_set (src, "location", song->path, NULL);
  caps = gst_audio_info_to_caps (&sender->info);
  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);
  bus = gst_element_get_bus (decode);

  if (gst_element_set_state (decode, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    ok = FALSE;
  }
  while (ok && !g_atomic_int_get (&sender->stopping)) {
    GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
        DECODE_POLL);
    GstMessage *msg;

    if (sample != NULL) {
      GstBuffer *buf = gst_buffer_ref (gst_sample_get_buffer (sample));
      gst_sample_unref (sample);
      if (!push_frames (sender, buf))
        break;                  /* flushing: we are stopping */
      *pushed = TRUE;
      continue;
    }
    if (gst_app_sink_is_eos (GST_APP_SINK (sink)))
      break;
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    if (msg != NULL) {
      gst_message_parse_error (msg, &err, NULL);
      gst_message_unref (msg);
      ok = FALSE;
    }
  }
  /* a file cut down to its header ends without a sample and no error */
  if (ok && !*pushed && !g_atomic_int_get (&sender->stopping)) {
    *message = g_strdup_printf ("%s: no audio in it", song->path);
    ok = FALSE;
  } else if (!ok) {
    if (err == NULL) {
      GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
      if (msg != NULL) {
        gst_message_parse_error (msg, &err, NULL);
        gst_message_unref (msg);
      }
    }
    *message = g_strdup_printf ("%s: %s", song->path,
        err != NULL ? err->message : "cannot be decoded");
    g_clear_error (&err);
  }
  gst_element_set_state (decode, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (src);
  gst_object_unref (filter);
  gst_object_unref (sink);
  gst_object_unref (decode);
  return ok;
}

static gpointer
feeder_thread (gpointer user_data)
{
  MmkmSender *sender = user_data;
  gboolean silent = FALSE;

  while (!g_atomic_int_get (&sender->stopping)) {
    MmkmSong *song = NULL;
    MmkmSenderNext next = MMKM_SENDER_NEXT_SILENCE;
    guint64 start = sender->samples;
    gboolean pushed;
    gchar *message = NULL;

    if (sender->callbacks.next != NULL)
      next = sender->callbacks.next (sender, &song, sender->user_data);
    if (next == MMKM_SENDER_NEXT_END) {
      gst_app_src_end_of_stream (GST_APP_SRC (sender->appsrc));
      break;
    }
    if (next == MMKM_SENDER_NEXT_SILENCE || song == NULL) {
      if (!silent)
        add_mark (sender, MMKM_SENDER_PLAYING_SILENCE, NULL, start);
      silent = TRUE;
      if (!push_silence (sender, SILENCE_CHUNK_MS))
        break;
      continue;
    }

    silent = FALSE;
    add_mark (sender, MMKM_SENDER_PLAYING_SONG, song, start);
    if (!play_song (sender, song, &pushed, &message)) {
      if (!pushed) {
        /* take back the mark of a song that never started */
        g_mutex_lock (&sender->lock);
        mark_free (g_queue_pop_tail (&sender->marks));
        g_mutex_unlock (&sender->lock);
      }
      if (sender->callbacks.song_failed != NULL)
        sender->callbacks.song_failed (sender, song, message,
            sender->user_data);
      g_free (message);
      if (!pushed) {
        /* Silence instead, so that a queue of files that all fail (gone
         * or corrupted since the scan) plays silence with a failure every
         * FAILED_PAUSE_MS rather than spinning. */
        mmkm_song_unref (song);
        add_mark (sender, MMKM_SENDER_PLAYING_SILENCE, NULL, sender->samples);
        silent = TRUE;
        push_silence (sender, FAILED_PAUSE_MS);
        continue;
      }
    }
    mmkm_song_unref (song);
    if (sender->config.gap_ms > 0 && !g_atomic_int_get (&sender->stopping))
      push_silence (sender, sender->config.gap_ms);
  }
  return NULL;
}

static GstElement *
make (const gchar * factory, const gchar * name, GError ** error)
{
  GstElement *e = gst_element_factory_make (factory, name);

  if (e == NULL)
    g_set_error (error, MMKM_SENDER_ERROR, MMKM_SENDER_ERROR_MISSING,
        "GStreamer element %s is not installed (Debian: %s)", factory,
        g_str_equal (factory, "srtpenc") ? "gstreamer1.0-plugins-bad" :
        "gstreamer1.0-plugins-base or -good");
  return e;
}

static GstElement *
make_live_source (MmkmSender * sender, GError ** error)
{
  GstElement *bin = gst_bin_new ("source");
  GstElement *src, *conv, *res, *filter;
  GstCaps *caps;
  GstPad *pad;

  if (sender->config.source == MMKM_SENDER_SOURCE_AUTO)
    src = make ("autoaudiosrc", "live", error);
  else if (sender->config.source == MMKM_SENDER_SOURCE_ALSA) {
    src = make ("alsasrc", "live", error);
    if (src != NULL && sender->alsa_device != NULL)
      g_object_set (src, "device", sender->alsa_device, NULL);
  } else {
    src = make ("audiotestsrc", "live", error);
    if (src != NULL)
      g_object_set (src, "is-live", TRUE, NULL);
  }
  conv = make ("audioconvert", NULL, error);
  res = make ("audioresample", NULL, error);
  filter = make ("capsfilter", NULL, error);
  if (src == NULL || conv == NULL || res == NULL || filter == NULL) {
    gst_clear_object (&src);
    gst_clear_object (&conv);
    gst_clear_object (&res);
    gst_clear_object (&filter);
    gst_object_unref (bin);
    return NULL;
  }
  caps = gst_audio_info_to_caps (&sender->info);
  g_object_set (filter, "caps", caps, NULL);
  gst_caps_unref (caps);
  gst_bin_add_many (GST_BIN (bin), src, conv, res, filter, NULL);
  gst_element_link_many (src, conv, res, filter, NULL);
  pad = gst_element_get_static_pad (filter, "src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", pad));
  gst_object_unref (pad);
  return bin;
}

static void
set_rtcp_interval (MmkmSender * sender, GstElement * rtpbin)
{
  GObject *session = NULL;

  if (sender->config.rtcp_interval_ms == 0)
    return;
  g_signal_emit_by_name (rtpbin, "get-internal-session", 0, &session);
  if (session == NULL)
    return;
  g_object_set (session, "rtcp-min-interval",
      (guint64) sender->config.rtcp_interval_ms * GST_MSECOND, NULL);
  g_object_unref (session);
}

static gboolean
link_pads (GstElement * a, const gchar * a_pad, GstElement * b,
    const gchar * b_pad, GError ** error)
{
  if (gst_element_link_pads (a, a_pad, b, b_pad))
    return TRUE;
  g_set_error (error, MMKM_SENDER_ERROR, MMKM_SENDER_ERROR_STATE,
      "cannot link %s:%s to %s:%s", GST_ELEMENT_NAME (a), a_pad,
      GST_ELEMENT_NAME (b), b_pad);
  return FALSE;
}

static MmkmSender *
sender_new (const MmkmSenderConfig * config,
    const MmkmSenderCallbacks * callbacks, gpointer user_data, GError ** error)
{
  MmkmSender *sender;
  GstElement *source, *pay, *rtpbin, *slot, *srtpenc, *rtp_sink, *rtcp_sink;
  GstBuffer *key, *mki = NULL;
  GstCaps *caps;
  GstPad *pad;
  gsize key_len;

  if (config->rate < 8000 || config->rate > 192000) {
    g_set_error (error, MMKM_SENDER_ERROR, MMKM_SENDER_ERROR_CONFIG,
        "stream rate %d Hz is out of range (8000 to 192000)", config->rate);
    return NULL;
  }
  if (config->channels != 1 && config->channels != 2) {
    g_set_error (error, MMKM_SENDER_ERROR, MMKM_SENDER_ERROR_CONFIG,
        "%d channels: the stream has 1 (mono) or 2 (stereo)", config->channels);
    return NULL;
  }
  if (config->host == NULL || config->port == 0 || config->port > 65535
      || config->rtcp_port > 65535) {
    g_set_error (error, MMKM_SENDER_ERROR, MMKM_SENDER_ERROR_CONFIG,
        "a destination address and a port from 1 to 65535 are needed");
    return NULL;
  }
  if (config->ttl < 0 || config->ttl > 255 || config->payload_type < 96
      || config->payload_type > 127) {
    g_set_error (error, MMKM_SENDER_ERROR, MMKM_SENDER_ERROR_CONFIG,
        "TTL must be 0 to 255 and the payload type 96 to 127");
    return NULL;
  }
  if ((config->srtp_key == NULL && config->registry == NULL)
      || (config->srtp_key != NULL
          && g_bytes_get_size (config->srtp_key) != 30)) {
    g_set_error (error, MMKM_SENDER_ERROR, MMKM_SENDER_ERROR_CONFIG,
        "the SRTP master key must be 30 bytes (AES-128-ICM key and salt)");
    return NULL;
  }
  if (config->srtp_mki != NULL && (g_bytes_get_size (config->srtp_mki) < 1
          || g_bytes_get_size (config->srtp_mki) > 128)) {
    g_set_error (error, MMKM_SENDER_ERROR, MMKM_SENDER_ERROR_CONFIG,
        "the MKI must be 1 to 128 bytes");
    return NULL;
  }

  sender = g_new0 (MmkmSender, 1);
  sender->config = *config;
  sender->config.host = NULL;
  sender->config.multicast_iface = NULL;
  sender->config.srtp_key = NULL;
  sender->config.srtp_mki = NULL;
  sender->config.alsa_device = NULL;
  sender->config.registry = NULL;
  sender->alsa_device = g_strdup (config->alsa_device);
  if (callbacks != NULL)
    sender->callbacks = *callbacks;
  sender->user_data = user_data;
  sender->ssrc = config->ssrc != 0 ? config->ssrc : g_random_int ();
  g_mutex_init (&sender->lock);
  g_queue_init (&sender->marks);
  /* L16 (RFC 3551) is big-endian, so the stream format is S16BE */
  gst_audio_info_set_format (&sender->info, GST_AUDIO_FORMAT_S16BE,
      config->rate, config->channels, NULL);

  sender->pipeline = gst_pipeline_new ("mmkm-sender");
  if (config->source == MMKM_SENDER_SOURCE_FILES) {
    source = make ("appsrc", "songs", error);
    if (source != NULL) {
      caps = gst_audio_info_to_caps (&sender->info);
      g_object_set (source, "caps", caps, "format", GST_FORMAT_TIME,
          "is-live", TRUE, "block", TRUE, "max-bytes",
          (guint64) config->rate * GST_AUDIO_INFO_BPF (&sender->info) *
          QUEUE_AHEAD_MS / 1000, NULL);
      gst_caps_unref (caps);
      sender->appsrc = source;
    }
  } else {
    source = make_live_source (sender, error);
  }
  if (source == NULL)
    goto failed;
  gst_bin_add (GST_BIN (sender->pipeline), source);

  pay = make ("rtpL16pay", "pay", error);
  rtpbin = pay != NULL ? make ("rtpbin", "rtpbin", error) : NULL;
  if (rtpbin == NULL)
    slot = NULL;
  else if (config->registry != NULL)
    slot = gst_object_ref (config->registry);   /* the bin takes its own */
  else
    slot = make ("identity", MMKM_SENDER_REGISTRY_SLOT, error);
  srtpenc = slot != NULL ? make ("srtpenc", MMKM_SENDER_SRTPENC, error) : NULL;
  rtp_sink = srtpenc != NULL ? make ("udpsink", "rtp-sink", error) : NULL;
  rtcp_sink = rtp_sink != NULL ? make ("udpsink", "rtcp-sink", error) : NULL;
  if (rtcp_sink == NULL) {
    gst_clear_object (&pay);
    gst_clear_object (&rtpbin);
    gst_clear_object (&slot);
    gst_clear_object (&srtpenc);
    gst_clear_object (&rtp_sink);
    goto failed;
  }
  gst_bin_add_many (GST_BIN (sender->pipeline), pay, rtpbin, slot, srtpenc,
      rtp_sink, rtcp_sink, NULL);
  if (config->registry != NULL)
    gst_object_unref (slot);

  g_object_set (pay, "pt", config->payload_type, "ssrc", sender->ssrc, NULL);
  if (config->mtu > 0)
    g_object_set (pay, "mtu", config->mtu, NULL);
  if (config->registry == NULL)
    g_object_set (slot, "silent", TRUE, NULL);

  if (config->srtp_key != NULL) {
    key_len = g_bytes_get_size (config->srtp_key);
    key = gst_buffer_new_memdup (g_bytes_get_data (config->srtp_key, NULL),
        key_len);
    if (config->srtp_mki != NULL)
      mki = gst_buffer_new_memdup (g_bytes_get_data (config->srtp_mki,
              NULL), g_bytes_get_size (config->srtp_mki));
    g_object_set (srtpenc, "key", key, "mki", mki, NULL);
    gst_buffer_unref (key);
    if (mki != NULL)
      gst_buffer_unref (mki);
  }

  g_object_set (rtp_sink, "host", config->host, "port", (gint) config->port,
      "ttl-mc", config->ttl, "auto-multicast", TRUE, "sync", TRUE,
      "async", FALSE, NULL);
  g_object_set (rtcp_sink, "host", config->host, "port",
      (gint) (config->rtcp_port != 0 ? config->rtcp_port : config->port + 1),
      "ttl-mc", config->ttl, "auto-multicast", TRUE, "sync", FALSE,
      "async", FALSE, NULL);
  if (config->multicast_iface != NULL) {
    g_object_set (rtp_sink, "multicast-iface", config->multicast_iface, NULL);
    g_object_set (rtcp_sink, "multicast-iface", config->multicast_iface, NULL);
  }

  if (!gst_element_link (source, pay)
      || !link_pads (pay, "src", rtpbin, "send_rtp_sink_0", error)
      || !link_pads (rtpbin, "send_rtp_src_0", slot, "sink", error)
      || !link_pads (slot, "src", srtpenc, "rtp_sink_0", error)
      || !link_pads (srtpenc, "rtp_src_0", rtp_sink, "sink", error)
      || !link_pads (rtpbin, "send_rtcp_src_0", srtpenc, "rtcp_sink_0", error)
      || !link_pads (srtpenc, "rtcp_src_0", rtcp_sink, "sink", error)) {
    if (error != NULL && *error == NULL)
      g_set_error (error, MMKM_SENDER_ERROR, MMKM_SENDER_ERROR_STATE,
          "cannot link the source to rtpL16pay (stream format %s)",
          gst_audio_format_to_string (GST_AUDIO_FORMAT_S16BE));
    goto failed;
  }

  set_rtcp_interval (sender, rtpbin);
  pad = gst_element_get_static_pad (pay, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, pay_sink_probe, sender,
      NULL);
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (pay, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      pay_src_caps_probe, sender, NULL);
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (rtp_sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      rtp_sink_eos_probe, NULL, NULL);
  gst_object_unref (pad);
  if (config->source != MMKM_SENDER_SOURCE_FILES)
    add_mark (sender, MMKM_SENDER_PLAYING_LIVE, NULL, 0);
  return sender;

failed:
  mmkm_sender_free (sender);
  return NULL;
}

MmkmSender *
mmkm_sender_new (const MmkmSenderConfig * config,
    const MmkmSenderCallbacks * callbacks, gpointer user_data, GError ** error)
{
  MmkmSender *sender;

  /* the registry is ours from here, whatever happens */
  if (config->registry != NULL)
    gst_object_ref_sink (config->registry);
  sender = sender_new (config, callbacks, user_data, error);
  if (config->registry != NULL)
    gst_object_unref (config->registry);
  return sender;
}

guint32
mmkm_sender_get_ssrc (MmkmSender * sender)
{
  return sender->ssrc;
}

GstElement *
mmkm_sender_get_pipeline (MmkmSender * sender)
{
  return sender->pipeline;
}

gboolean
mmkm_sender_start (MmkmSender * sender, GError ** error)
{
  GstClock *clock;
  GstClockTime now;

  if (gst_element_set_state (sender->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, MMKM_SENDER_ERROR, MMKM_SENDER_ERROR_STATE,
        "the sender pipeline would not start (see the messages above; "
        "a bad address or interface, or no sound card?)");
    return FALSE;
  }
  if (sender->appsrc == NULL)
    return TRUE;

  /* Live pipeline: no preroll, the clock and base time are set now. The
   * stream's timestamps start just ahead of the running time. */
  gst_element_get_state (sender->pipeline, NULL, NULL, GST_SECOND);
  clock = gst_pipeline_get_clock (GST_PIPELINE (sender->pipeline));
  if (clock == NULL) {
    g_set_error (error, MMKM_SENDER_ERROR, MMKM_SENDER_ERROR_STATE,
        "the sender pipeline has no clock");
    gst_element_set_state (sender->pipeline, GST_STATE_NULL);
    return FALSE;
  }
  now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  sender->base_pts = now - gst_element_get_base_time (sender->pipeline) +
      START_LEAD_MS * GST_MSECOND;
  sender->feeder = g_thread_new ("mmkm-sender-feeder", feeder_thread, sender);
  return TRUE;
}

void
mmkm_sender_stop (MmkmSender * sender)
{
  g_atomic_int_set (&sender->stopping, 1);
  /* NULL unblocks the feeder's push (it returns FLUSHING) */
  if (sender->pipeline != NULL)
    gst_element_set_state (sender->pipeline, GST_STATE_NULL);
  if (sender->feeder != NULL) {
    g_thread_join (sender->feeder);
    sender->feeder = NULL;
  }
}

void
mmkm_sender_free (MmkmSender * sender)
{
  if (sender == NULL)
    return;
  mmkm_sender_stop (sender);
  gst_clear_object (&sender->pipeline);
  g_queue_clear_full (&sender->marks, (GDestroyNotify) mark_free);
  g_mutex_clear (&sender->lock);
  g_free (sender->alsa_device);
  g_free (sender);
}
