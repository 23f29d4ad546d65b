/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkm-sender end to end over loopback UDP (127.0.0.1 only): four WAV
 * files made here (44.1 and 48 kHz, mono and stereo, 16-bit) played in
 * turn by the real sender pipeline (in-process, then the program) and
 * received with udpsrc ! srtpdec (the same key) ! rtpL16depay ! appsink.
 * Checked: one SSRC, sequence numbers without a gap, RTP timestamps that
 * advance by exactly the samples of each packet across song boundaries,
 * the decoded audio byte for byte (48 kHz songs against the file's own
 * samples; 44.1 kHz songs against the same conversion to the stream
 * format run here), SRTCP sender reports that decrypt, silence when the
 * queue is empty, the default playlist, a request made while a song plays
 * played next, the registry seam before srtpenc, the program's command
 * line and its errors. */
#include <gst/check/gstcheck.h>
#include <gst/app/app.h>
#include <gst/rtp/rtp.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "mmkm-play-queue.h"
#include "mmkm-sender-pipeline.h"

#define KEY_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d"
#define SONG_MS 300
/* the stream format: 48 kHz stereo S16BE, 4 bytes a frame */
#define STREAM_RATE 48000
#define BPF 4
#define SONG_FRAMES (STREAM_RATE * SONG_MS / 1000)

typedef struct
{
  const gchar *name;
  gint rate, channels;
  guint8 *data;                 /* S16LE interleaved, as in the file */
  gsize size;
} Wav;

enum
{ A_44K_MONO, B_48K_STEREO, C_48K_MONO, D_44K_STEREO, N_WAVS };

static Wav wavs[N_WAVS] = {
  {"a-44k-mono", 44100, 1},
  {"b-48k-stereo", 48000, 2},
  {"c-48k-mono", 48000, 1},
  {"d-44k-stereo", 44100, 2},
};

static gchar *music_dir;

/* A canonical 44-byte-header PCM WAV of random 16-bit samples. */
static void
write_wav (Wav * w, GRand * rand)
{
  guint32 frames = (guint32) w->rate * SONG_MS / 1000;
  gsize size = (gsize) frames * w->channels * 2;
  guint8 header[44];
  gchar *path, *file;
  GString *out;
  gsize i;

  w->size = size;
  w->data = g_malloc (size);
  for (i = 0; i < size; i++)
    w->data[i] = g_rand_int_range (rand, 0, 256);
  memcpy (header, "RIFF", 4);
  GST_WRITE_UINT32_LE (header + 4, 36 + size);
  memcpy (header + 8, "WAVEfmt ", 8);
  GST_WRITE_UINT32_LE (header + 16, 16);
  GST_WRITE_UINT16_LE (header + 20, 1);
  GST_WRITE_UINT16_LE (header + 22, w->channels);
  GST_WRITE_UINT32_LE (header + 24, w->rate);
  GST_WRITE_UINT32_LE (header + 28, w->rate * w->channels * 2);
  GST_WRITE_UINT16_LE (header + 32, w->channels * 2);
  GST_WRITE_UINT16_LE (header + 34, 16);
  memcpy (header + 36, "data", 4);
  GST_WRITE_UINT32_LE (header + 40, size);
  out = g_string_new_len ((gchar *) header, 44);
  g_string_append_len (out, (gchar *) w->data, size);
  file = g_strconcat (w->name, ".wav", NULL);
  path = g_build_filename (music_dir, file, NULL);
  fail_unless (g_file_set_contents (path, out->str, out->len, NULL));
  g_string_free (out, TRUE);
  g_free (path);
  g_free (file);
}

static void
setup (void)
{
  GRand *rand = g_rand_new_with_seed (42);
  guint i;

  music_dir = g_dir_make_tmp ("mmkm-sender-XXXXXX", NULL);
  fail_unless (music_dir != NULL);
  for (i = 0; i < G_N_ELEMENTS (wavs); i++)
    write_wav (&wavs[i], rand);
  g_rand_free (rand);
}

static void
teardown (void)
{
  GDir *d = g_dir_open (music_dir, 0, NULL);
  const gchar *name;
  guint i;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
    gchar *p = g_build_filename (music_dir, name, NULL);
    g_unlink (p);
    g_free (p);
  }
  if (d != NULL)
    g_dir_close (d);
  g_rmdir (music_dir);
  g_clear_pointer (&music_dir, g_free);
  for (i = 0; i < G_N_ELEMENTS (wavs); i++)
    g_clear_pointer (&wavs[i].data, g_free);
}

static GBytes *
test_key (void)
{
  guint8 key[30];
  guint i;

  for (i = 0; i < 30; i++)
    key[i] = i;
  return g_bytes_new (key, 30);
}

/* ---- what the sender reports ---------------------------------------- */

typedef struct
{
  MmkmSenderPlaying what;
  gchar *title;
  guint64 start;
} Played;

typedef struct
{
  GMutex lock;
  GCond cond;
  MmkmPlayQueue *queue;
  MmkmSongLibrary *library;
  GArray *played;               /* Played */
  gchar *caps;
  /* a title to request when this one starts (the request made while a
   * song plays) */
  const gchar *request_on_start, *request_title;
  gboolean failures_expected;
  guint failures;
} Ctx;

static MmkmSenderNext
ctx_next (MmkmSender * sender, MmkmSong ** song, gpointer user_data)
{
  Ctx *ctx = user_data;

  *song = mmkm_play_queue_next (ctx->queue);
  return *song != NULL ? MMKM_SENDER_NEXT_SONG : MMKM_SENDER_NEXT_SILENCE;
}

static void
ctx_now_playing (MmkmSender * sender, MmkmSenderPlaying what,
    MmkmSong * song, guint64 start, gpointer user_data)
{
  Ctx *ctx = user_data;
  Played p = { what, song != NULL ? g_strdup (song->title) : NULL, start };

  if (song != NULL && ctx->request_on_start != NULL
      && g_str_equal (song->title, ctx->request_on_start))
    mmkm_play_queue_request (ctx->queue,
        mmkm_song_library_find (ctx->library, ctx->request_title));
  g_mutex_lock (&ctx->lock);
  g_array_append_val (ctx->played, p);
  g_cond_broadcast (&ctx->cond);
  g_mutex_unlock (&ctx->lock);
}

static void
ctx_stream_caps (MmkmSender * sender, const gchar * caps, gpointer user_data)
{
  Ctx *ctx = user_data;

  g_mutex_lock (&ctx->lock);
  ctx->caps = g_strdup (caps);
  g_cond_broadcast (&ctx->cond);
  g_mutex_unlock (&ctx->lock);
}

static void
ctx_song_failed (MmkmSender * sender, MmkmSong * song, const gchar * msg,
    gpointer user_data)
{
  Ctx *ctx = user_data;

  fail_unless (ctx->failures_expected, "song %s failed: %s", song->title, msg);
  fail_unless (strstr (msg, song->path) != NULL, "%s", msg);
  g_atomic_int_inc (&ctx->failures);
}

static const MmkmSenderCallbacks ctx_callbacks = {
  ctx_next, ctx_now_playing, ctx_stream_caps, ctx_song_failed
};

static void
ctx_init (Ctx * ctx, const gchar * playlist_title)
{
  GPtrArray *playlist = g_ptr_array_new ();
  GError *err = NULL;

  memset (ctx, 0, sizeof (*ctx));
  g_mutex_init (&ctx->lock);
  g_cond_init (&ctx->cond);
  ctx->library = mmkm_song_library_scan (music_dir, NULL, &err);
  fail_unless (ctx->library != NULL, "%s", err ? err->message : "");
  if (playlist_title != NULL)
    g_ptr_array_add (playlist, mmkm_song_library_find (ctx->library,
            playlist_title));
  ctx->queue = mmkm_play_queue_new (playlist);
  g_ptr_array_unref (playlist);
  ctx->played = g_array_new (FALSE, TRUE, sizeof (Played));
}

static void
ctx_clear (Ctx * ctx)
{
  guint i;

  for (i = 0; i < ctx->played->len; i++)
    g_free (g_array_index (ctx->played, Played, i).title);
  g_array_unref (ctx->played);
  mmkm_play_queue_free (ctx->queue);
  mmkm_song_library_free (ctx->library);
  g_free (ctx->caps);
  g_mutex_clear (&ctx->lock);
  g_cond_clear (&ctx->cond);
}

/* Waits (up to 10 s) until @n things have started playing. */
static void
ctx_wait_played (Ctx * ctx, guint n)
{
  gint64 end = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&ctx->lock);
  while (ctx->played->len < n)
    if (!g_cond_wait_until (&ctx->cond, &ctx->lock, end))
      break;
  g_mutex_unlock (&ctx->lock);
  fail_unless (ctx->played->len >= n, "only %u of %u items started",
      ctx->played->len, n);
}

static void
assert_played (Ctx * ctx, guint i, MmkmSenderPlaying what, const gchar * title)
{
  Played *p = &g_array_index (ctx->played, Played, i);

  fail_unless_equals_int (p->what, what);
  if (title != NULL)
    fail_unless_equals_string (p->title, title);
}

/* ---- the receiver --------------------------------------------------- */

typedef struct
{
  guint32 ssrc;
  guint16 seq;
  guint32 ts;
  guint payload;
} Packet;

typedef struct
{
  GstElement *pipeline, *rtp_src, *rtcp_src, *audio, *rtcp;
  GMutex lock;
  GArray *packets;              /* Packet, as srtpdec let them out */
} Receiver;

static GstPadProbeReturn
record_packet (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Receiver *r = user_data;
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  Packet p;

  fail_unless (gst_rtp_buffer_map (GST_PAD_PROBE_INFO_BUFFER (info),
          GST_MAP_READ, &rtp));
  p.ssrc = gst_rtp_buffer_get_ssrc (&rtp);
  p.seq = gst_rtp_buffer_get_seq (&rtp);
  p.ts = gst_rtp_buffer_get_timestamp (&rtp);
  p.payload = gst_rtp_buffer_get_payload_len (&rtp);
  gst_rtp_buffer_unmap (&rtp);
  g_mutex_lock (&r->lock);
  g_array_append_val (r->packets, p);
  g_mutex_unlock (&r->lock);
  return GST_PAD_PROBE_OK;
}

/* Bound in READY (so that the ports are known before the sender starts);
 * started with receiver_play once the sender has told its caps. */
static void
receiver_init (Receiver * r, guint * rtp_port, guint * rtcp_port)
{
  GError *err = NULL;
  GstElement *dec;
  GstPad *pad;
  gint port;

  memset (r, 0, sizeof (*r));
  g_mutex_init (&r->lock);
  r->packets = g_array_new (FALSE, FALSE, sizeof (Packet));
  r->pipeline = gst_parse_launch ("udpsrc name=rtp address=127.0.0.1 port=0 "
      "! srtpdec name=dec ! rtpL16depay ! appsink name=audio sync=false "
      "udpsrc name=rtcp_in address=127.0.0.1 port=0 ! dec.rtcp_sink "
      "dec.rtcp_src ! appsink name=rtcp sync=false async=false", &err);
  fail_unless (r->pipeline != NULL, "%s", err ? err->message : "");
  r->rtp_src = gst_bin_get_by_name (GST_BIN (r->pipeline), "rtp");
  r->rtcp_src = gst_bin_get_by_name (GST_BIN (r->pipeline), "rtcp_in");
  r->audio = gst_bin_get_by_name (GST_BIN (r->pipeline), "audio");
  r->rtcp = gst_bin_get_by_name (GST_BIN (r->pipeline), "rtcp");
  dec = gst_bin_get_by_name (GST_BIN (r->pipeline), "dec");
  pad = gst_element_get_static_pad (dec, "rtp_src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, record_packet, r, NULL);
  gst_object_unref (pad);
  gst_object_unref (dec);
  fail_unless (gst_element_set_state (r->pipeline, GST_STATE_READY) ==
      GST_STATE_CHANGE_SUCCESS);
  g_object_get (r->rtp_src, "port", &port, NULL);
  *rtp_port = port;
  g_object_get (r->rtcp_src, "port", &port, NULL);
  *rtcp_port = port;
  fail_unless (*rtp_port != 0 && *rtcp_port != 0);
}

/* The receiver learns the stream format from the sender's caps, as it
 * would from an SDP or the registry: nothing in it is set for a rate. */
static void
receiver_play (Receiver * r, const gchar * stream_caps)
{
  GstCaps *caps = gst_caps_from_string (stream_caps);
  GstStructure *s;
  GstBuffer *key = gst_buffer_new_memdup ("\0\1\2\3\4\5\6\7\10\11\12\13\14"
      "\15\16\17\20\21\22\23\24\25\26\27\30\31\32\33\34\35", 30);

  fail_unless (caps != NULL);
  caps = gst_caps_make_writable (caps);
  s = gst_caps_get_structure (caps, 0);
  gst_structure_set_name (s, "application/x-srtp");
  gst_structure_set (s, "srtp-key", GST_TYPE_BUFFER, key,
      "srtp-cipher", G_TYPE_STRING, "aes-128-icm",
      "srtp-auth", G_TYPE_STRING, "hmac-sha1-80",
      "srtcp-cipher", G_TYPE_STRING, "aes-128-icm",
      "srtcp-auth", G_TYPE_STRING, "hmac-sha1-80", NULL);
  g_object_set (r->rtp_src, "caps", caps, NULL);
  /* With the SSRC in both its RTP and its RTCP caps, the 1.22 srtpdec
   * leaks a libsrtp session (LeakSanitizer). The RTP caps make the
   * stream; SRTCP from that SSRC uses it. */
  gst_structure_set_name (s, "application/x-srtcp");
  gst_structure_remove_field (s, "ssrc");
  g_object_set (r->rtcp_src, "caps", caps, NULL);
  gst_caps_unref (caps);
  gst_buffer_unref (key);
  fail_unless (gst_element_set_state (r->pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
}

static void
receiver_clear (Receiver * r)
{
  gst_element_set_state (r->pipeline, GST_STATE_NULL);
  gst_object_unref (r->rtp_src);
  gst_object_unref (r->rtcp_src);
  gst_object_unref (r->audio);
  gst_object_unref (r->rtcp);
  gst_object_unref (r->pipeline);
  g_array_unref (r->packets);
  g_mutex_clear (&r->lock);
}

/* Whether @buf holds an RTCP sender report from @ssrc */
static gboolean
is_sender_report (GstBuffer * buf, guint32 ssrc)
{
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  GstRTCPPacket packet;
  gboolean found = FALSE, more;

  if (!gst_rtcp_buffer_validate (buf) || !gst_rtcp_buffer_map (buf,
          GST_MAP_READ, &rtcp))
    return FALSE;
  for (more = gst_rtcp_buffer_get_first_packet (&rtcp, &packet); more;
      more = gst_rtcp_packet_move_to_next (&packet)) {
    if (gst_rtcp_packet_get_type (&packet) == GST_RTCP_TYPE_SR) {
      guint32 s;
      gst_rtcp_packet_sr_get_sender_info (&packet, &s, NULL, NULL, NULL, NULL);
      found |= s == ssrc;
    }
  }
  gst_rtcp_buffer_unmap (&rtcp);
  return found;
}

static gchar *
wait_caps (Ctx * ctx)
{
  gint64 end = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  gchar *caps;

  g_mutex_lock (&ctx->lock);
  while (ctx->caps == NULL)
    if (!g_cond_wait_until (&ctx->cond, &ctx->lock, end))
      break;
  caps = g_strdup (ctx->caps);
  g_mutex_unlock (&ctx->lock);
  fail_unless (caps != NULL, "the sender never told its caps");
  return caps;
}

static guint
caps_uint (const gchar * caps_str, const gchar * field)
{
  GstCaps *caps = gst_caps_from_string (caps_str);
  guint v = 0;

  fail_unless (caps != NULL, "not caps: %s", caps_str);
  fail_unless (gst_structure_get_uint (gst_caps_get_structure (caps, 0),
          field, &v), "no %s in %s", field, caps_str);
  gst_caps_unref (caps);
  return v;
}

/* ---- what the receiver got, and what it should have got ------------- */

typedef struct
{
  GByteArray *audio;            /* decoded, S16BE stereo at 48 kHz */
  GstCaps *caps;                /* of the decoded audio */
  guint sender_reports;         /* SRTCP sender reports that decrypted */
} Received;

/* Pulls decoded audio until @frames are in and a sender report from
 * @ssrc has been decrypted (10 s at most). */
static void
receive (Receiver * r, guint32 ssrc, guint64 frames, Received * got)
{
  gint64 end = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  memset (got, 0, sizeof (*got));
  got->audio = g_byte_array_new ();
  while ((got->audio->len / BPF < frames || got->sender_reports == 0)
      && g_get_monotonic_time () < end) {
    GstSample *sample = gst_app_sink_try_pull_sample (GST_APP_SINK (r->audio),
        20 * GST_MSECOND);
    if (sample != NULL) {
      GstMapInfo map;
      GstBuffer *buf = gst_sample_get_buffer (sample);
      if (got->caps == NULL)
        got->caps = gst_caps_ref (gst_sample_get_caps (sample));
      gst_buffer_map (buf, &map, GST_MAP_READ);
      g_byte_array_append (got->audio, map.data, map.size);
      gst_buffer_unmap (buf, &map);
      gst_sample_unref (sample);
    }
    while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (r->rtcp),
                0)) != NULL) {
      if (is_sender_report (gst_sample_get_buffer (sample), ssrc))
        got->sender_reports++;
      gst_sample_unref (sample);
    }
  }
  fail_unless (got->audio->len / BPF >= frames, "received %u of %"
      G_GUINT64_FORMAT " frames", got->audio->len / BPF, frames);
  fail_unless (got->sender_reports > 0, "no SRTCP sender report decrypted");

  /* the receiver plays at the stream's rate, whatever the song's was */
  {
    GstStructure *s = gst_caps_get_structure (got->caps, 0);
    gint rate = 0, channels = 0;
    fail_unless (gst_structure_get_int (s, "rate", &rate));
    fail_unless (gst_structure_get_int (s, "channels", &channels));
    fail_unless_equals_int (rate, STREAM_RATE);
    fail_unless_equals_int (channels, 2);
  }
}

static void
received_clear (Received * got)
{
  g_byte_array_unref (got->audio);
  gst_caps_unref (got->caps);
}

/* One SSRC; every sequence number from the caps' seqnum-offset on, none
 * missing; each RTP timestamp the previous one plus the previous packet's
 * frames. Returns the number of packets. */
static guint
check_packets (Receiver * r, const gchar * caps_str, guint32 ssrc,
    const gchar * what, guint sender_reports)
{
  guint32 ts_first, ts_last;
  guint16 seq0;
  guint i, n;

  fail_unless_equals_uint64 (caps_uint (caps_str, "ssrc"), ssrc);
  seq0 = caps_uint (caps_str, "seqnum-offset");
  g_mutex_lock (&r->lock);
  n = r->packets->len;
  fail_unless (n > 20, "only %u packets", n);
  for (i = 0; i < n; i++) {
    Packet *p = &g_array_index (r->packets, Packet, i);
    fail_unless_equals_uint64 (p->ssrc, ssrc);
    fail_unless (p->seq == (guint16) (seq0 + i), "packet %u: sequence "
        "number %u, expected %u", i, p->seq, (guint16) (seq0 + i));
    fail_unless (p->payload % BPF == 0 && p->payload > 0);
    if (i > 0) {
      Packet *prev = &g_array_index (r->packets, Packet, i - 1);
      fail_unless (p->ts - prev->ts == prev->payload / BPF,
          "packet %u: RTP timestamp %u after %u (+%u frames)", i, p->ts,
          prev->ts, prev->payload / BPF);
    }
  }
  ts_first = g_array_index (r->packets, Packet, 0).ts;
  ts_last = g_array_index (r->packets, Packet, n - 1).ts;
  g_print ("%s: %u packets from SSRC %08x, sequence numbers %u to %u "
      "without a gap, RTP timestamps %u to %u (+%u), %u SRTCP sender "
      "reports\n", what, n, ssrc, seq0, (guint16) (seq0 + n - 1), ts_first,
      ts_last, ts_last - ts_first, sender_reports);
  g_mutex_unlock (&r->lock);
  return n;
}

/* The 48 kHz songs need no resampling: the file's own samples, big-endian
 * (L16), mono copied to both channels (what audioconvert does). */
static GByteArray *
expected_direct (const Wav * w)
{
  gsize frames = w->size / (2 * w->channels), f;
  GByteArray *out = g_byte_array_sized_new (frames * BPF);
  gint c;

  for (f = 0; f < frames; f++) {
    for (c = 0; c < 2; c++) {
      const guint8 *s = w->data + (f * w->channels + (w->channels == 2 ?
              c : 0)) * 2;
      guint8 be[2] = { s[1], s[0] };
      g_byte_array_append (out, be, 2);
    }
  }
  return out;
}

/* The 44.1 kHz songs: the conversion the sender makes (wavparse,
 * audioconvert without dithering, audioresample to 48 kHz stereo S16BE)
 * run here on the same file; resampling is deterministic, so the bytes
 * must match. */
static GByteArray *
expected_converted (const Wav * w)
{
  GByteArray *out = g_byte_array_new ();
  GstElement *pipeline, *src, *sink;
  GstSample *sample;
  GError *err = NULL;
  gchar *file = g_strconcat (w->name, ".wav", NULL);
  gchar *path = g_build_filename (music_dir, file, NULL);

  pipeline = gst_parse_launch ("filesrc name=src ! wavparse "
      "! audioconvert dithering=none noise-shaping=none ! audioresample ! audio/x-raw,format=S16BE,rate=48000,channels=2,"
      "layout=interleaved ! appsink name=sink sync=false", &err);
  fail_unless (pipeline != NULL, "%s", err ? err->message : "");
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_set (src, "location", path, NULL);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink))) != NULL) {
    GstMapInfo map;
    GstBuffer *buf = gst_sample_get_buffer (sample);
    gst_buffer_map (buf, &map, GST_MAP_READ);
    g_byte_array_append (out, map.data, map.size);
    gst_buffer_unmap (buf, &map);
    gst_sample_unref (sample);
  }
  fail_unless (gst_app_sink_is_eos (GST_APP_SINK (sink)),
      "converting %s failed", path);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (path);
  g_free (file);
  return out;
}

static guint64 bytes_compared;

/* The stream's frames [start, end) are the song @index, byte for byte. */
static void
compare_song (const GByteArray * audio, guint64 start, guint64 end, guint index)
{
  const Wav *w = &wavs[index];
  GByteArray *want = w->rate == STREAM_RATE ? expected_direct (w) :
      expected_converted (w);
  gsize off = start * BPF, i;

  /* a 44.1 kHz song of SONG_MS lasts as long at 48 kHz, give or take
   * the resampler's rounding */
  fail_unless (ABS ((gint64) want->len / BPF - SONG_FRAMES) <= 2,
      "%s: %u frames at 48 kHz", w->name, want->len / BPF);
  fail_unless ((end - start) * BPF == want->len, "%s: %" G_GUINT64_FORMAT
      " frames in the stream, %u expected", w->name, end - start,
      want->len / BPF);
  fail_unless (audio->len >= off + want->len, "%s: not all received", w->name);
  for (i = 0; i < want->len; i++)
    if (audio->data[off + i] != want->data[i])
      fail ("%s differs at its byte %" G_GSIZE_FORMAT " (frame %"
          G_GSIZE_FORMAT ")", w->name, i, i / BPF);
  bytes_compared += want->len;
  g_byte_array_unref (want);
}

static void
compare_silence (const GByteArray * audio, guint64 start, guint64 end)
{
  gsize i;

  fail_unless (audio->len >= end * BPF);
  for (i = start * BPF; i < end * BPF; i++)
    fail_unless (audio->data[i] == 0, "not silent at frame %"
        G_GSIZE_FORMAT, i / BPF);
  bytes_compared += (end - start) * BPF;
}

/* ---- the sender in-process ------------------------------------------ */

static MmkmSender *
new_sender (Ctx * ctx, guint rtp_port, guint rtcp_port, GstElement * registry)
{
  MmkmSenderConfig config;
  MmkmSender *sender;
  GError *err = NULL;

  mmkm_sender_config_init (&config);
  config.host = "127.0.0.1";
  config.port = rtp_port;
  config.rtcp_port = rtcp_port;
  config.rtcp_interval_ms = 300;
  config.registry = registry;
  config.srtp_key = registry == NULL ? test_key () : NULL;
  sender = mmkm_sender_new (&config, &ctx_callbacks, ctx, &err);
  if (config.srtp_key != NULL)
    g_bytes_unref (config.srtp_key);
  fail_unless (sender != NULL, "%s", err ? err->message : "");
  return sender;
}

static MmkmSender *
start_sender (Ctx * ctx, guint rtp_port, guint rtcp_port)
{
  MmkmSender *sender = new_sender (ctx, rtp_port, rtcp_port, NULL);
  GError *err = NULL;

  fail_unless (mmkm_sender_start (sender, &err), "%s", err ? err->message : "");
  return sender;
}

GST_START_TEST (test_library)
{
  GError *err = NULL;
  GPtrArray *skipped = NULL;
  MmkmSongLibrary *lib;
  MmkmSong *s;
  gchar *junk = g_build_filename (music_dir, "junk.wav", NULL);

  fail_unless (g_file_set_contents (junk, "RIFF not really", -1, NULL));
  lib = mmkm_song_library_scan (music_dir, &skipped, &err);
  fail_unless (lib != NULL, "%s", err ? err->message : "");
  fail_unless_equals_int (mmkm_song_library_size (lib), N_WAVS);
  fail_unless_equals_int (skipped->len, 1);
  fail_unless (strstr (skipped->pdata[0], "junk.wav") != NULL);
  s = mmkm_song_library_get (lib, 0);
  fail_unless_equals_string (s->title, "a-44k-mono");
  fail_unless_equals_int (s->rate, 44100);
  fail_unless_equals_int (s->channels, 1);
  fail_unless_equals_int (s->depth, 16);
  fail_unless (s->duration_ns / GST_MSECOND == SONG_MS);
  s = mmkm_song_library_find (lib, "B-48K-STEREO");
  fail_unless (s != NULL && s->rate == 48000 && s->channels == 2);
  fail_unless (mmkm_song_library_find (lib, "c-48k-mono.wav") != NULL);
  fail_unless (mmkm_song_library_find (lib, "nothing") == NULL);
  mmkm_song_library_free (lib);
  g_ptr_array_unref (skipped);
  g_unlink (junk);
  g_free (junk);

  fail_unless (mmkm_song_library_scan ("/nonexistent-mmkm", NULL,
          &err) == NULL);
  g_clear_error (&err);
}

GST_END_TEST;

/* The registry's place: right after rtpbin's RTP output, right before
 * srtpenc's RTP input, on the RTP path only. */
static void
check_registry_seam (MmkmSender * sender, const gchar * name)
{
  GstElement *pipeline = mmkm_sender_get_pipeline (sender);
  GstElement *slot = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GstPad *pad, *peer;

  fail_unless (slot != NULL);
  pad = gst_element_get_static_pad (slot, "src");
  peer = gst_pad_get_peer (pad);
  fail_unless_equals_string (GST_OBJECT_NAME (GST_OBJECT_PARENT (peer)),
      MMKM_SENDER_SRTPENC);
  fail_unless_equals_string (GST_PAD_NAME (peer), "rtp_sink_0");
  gst_object_unref (peer);
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (slot, "sink");
  peer = gst_pad_get_peer (pad);
  fail_unless_equals_string (GST_PAD_NAME (peer), "send_rtp_src_0");
  gst_object_unref (peer);
  gst_object_unref (pad);
  gst_object_unref (slot);
}

/* All four songs requested, in turn, then silence: one stream */
GST_START_TEST (test_continuous_stream)
{
  Ctx ctx;
  Receiver r;
  Received got;
  MmkmSender *sender;
  guint rtp_port, rtcp_port, i;
  gchar *caps_str;
  guint64 starts[N_WAVS + 1], want_frames;
  guint32 ssrc;

  ctx_init (&ctx, NULL);
  for (i = 0; i < N_WAVS; i++)
    mmkm_play_queue_request (ctx.queue,
        mmkm_song_library_find (ctx.library, wavs[i].name));
  receiver_init (&r, &rtp_port, &rtcp_port);
  sender = start_sender (&ctx, rtp_port, rtcp_port);
  check_registry_seam (sender, MMKM_SENDER_REGISTRY_SLOT);
  caps_str = wait_caps (&ctx);
  receiver_play (&r, caps_str);

  ctx_wait_played (&ctx, N_WAVS + 1);
  for (i = 0; i < N_WAVS; i++) {
    assert_played (&ctx, i, MMKM_SENDER_PLAYING_SONG, wavs[i].name);
    starts[i] = g_array_index (ctx.played, Played, i).start;
  }
  assert_played (&ctx, N_WAVS, MMKM_SENDER_PLAYING_SILENCE, NULL);
  starts[N_WAVS] = g_array_index (ctx.played, Played, N_WAVS).start;
  fail_unless_equals_uint64 (starts[0], 0);

  /* everything up to 100 ms into the silence, and a sender report */
  want_frames = starts[N_WAVS] + STREAM_RATE / 10;
  ssrc = mmkm_sender_get_ssrc (sender);
  receive (&r, ssrc, want_frames, &got);
  mmkm_sender_free (sender);

  bytes_compared = 0;
  for (i = 0; i < N_WAVS; i++)
    compare_song (got.audio, starts[i], starts[i + 1], i);
  compare_silence (got.audio, starts[N_WAVS], want_frames);
  check_packets (&r, caps_str, ssrc, "in-process sender", got.sender_reports);
  g_print ("in-process sender: %" G_GUINT64_FORMAT " bytes compared (%u "
      "songs and 100 ms of silence), song starts at frames %"
      G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ", %"
      G_GUINT64_FORMAT ", silence at %" G_GUINT64_FORMAT "\n",
      bytes_compared, N_WAVS, starts[0], starts[1], starts[2], starts[3],
      starts[4]);

  received_clear (&got);
  g_free (caps_str);
  receiver_clear (&r);
  ctx_clear (&ctx);
}

GST_END_TEST;

/* Nothing requested and no playlist: silence. A request made during the
 * silence plays; a request made while it plays comes next; then silence
 * again. The receiver hears silence, the songs, silence. */
GST_START_TEST (test_queue)
{
  Ctx ctx;
  Receiver r;
  Received got;
  MmkmSender *sender;
  guint rtp_port, rtcp_port;
  guint64 b, c, after;
  gchar *caps;

  ctx_init (&ctx, NULL);
  ctx.request_on_start = "b-48k-stereo";
  ctx.request_title = "c-48k-mono";
  receiver_init (&r, &rtp_port, &rtcp_port);
  sender = start_sender (&ctx, rtp_port, rtcp_port);
  caps = wait_caps (&ctx);
  receiver_play (&r, caps);

  ctx_wait_played (&ctx, 1);
  assert_played (&ctx, 0, MMKM_SENDER_PLAYING_SILENCE, NULL);
  g_usleep (100 * 1000);
  mmkm_play_queue_request (ctx.queue,
      mmkm_song_library_find (ctx.library, "b-48k-stereo"));
  ctx_wait_played (&ctx, 4);
  assert_played (&ctx, 1, MMKM_SENDER_PLAYING_SONG, "b-48k-stereo");
  assert_played (&ctx, 2, MMKM_SENDER_PLAYING_SONG, "c-48k-mono");
  assert_played (&ctx, 3, MMKM_SENDER_PLAYING_SILENCE, NULL);
  b = g_array_index (ctx.played, Played, 1).start;
  c = g_array_index (ctx.played, Played, 2).start;
  after = g_array_index (ctx.played, Played, 3).start;
  /* the silence lasted at least the 100 ms before the request */
  fail_unless (b >= STREAM_RATE / 10);
  receive (&r, mmkm_sender_get_ssrc (sender), after + STREAM_RATE / 20, &got);
  bytes_compared = 0;
  compare_silence (got.audio, 0, b);
  compare_song (got.audio, b, c, B_48K_STEREO);
  compare_song (got.audio, c, after, C_48K_MONO);
  compare_silence (got.audio, after, after + STREAM_RATE / 20);
  check_packets (&r, caps, mmkm_sender_get_ssrc (sender), "queue",
      got.sender_reports);
  g_print ("queue: %" G_GUINT64_FORMAT " bytes compared (silence, two "
      "songs, silence)\n", bytes_compared);
  mmkm_sender_free (sender);
  received_clear (&got);
  receiver_clear (&r);
  g_free (caps);
  ctx_clear (&ctx);
}

GST_END_TEST;

/* With a default playlist the queue never runs dry: a request still goes
 * first, then the playlist round and round, without silence between. */
GST_START_TEST (test_default_playlist)
{
  Ctx ctx;
  Receiver r;
  MmkmSender *sender;
  guint rtp_port, rtcp_port;
  gchar *caps;

  ctx_init (&ctx, "a-44k-mono");
  mmkm_play_queue_request (ctx.queue,
      mmkm_song_library_find (ctx.library, "c-48k-mono"));
  receiver_init (&r, &rtp_port, &rtcp_port);
  sender = start_sender (&ctx, rtp_port, rtcp_port);
  caps = wait_caps (&ctx);
  ctx_wait_played (&ctx, 3);
  assert_played (&ctx, 0, MMKM_SENDER_PLAYING_SONG, "c-48k-mono");
  assert_played (&ctx, 1, MMKM_SENDER_PLAYING_SONG, "a-44k-mono");
  assert_played (&ctx, 2, MMKM_SENDER_PLAYING_SONG, "a-44k-mono");
  fail_unless_equals_uint64 (g_array_index (ctx.played, Played, 1).start,
      SONG_FRAMES);
  mmkm_sender_free (sender);
  receiver_clear (&r);
  g_free (caps);
  ctx_clear (&ctx);
}

GST_END_TEST;

/* Songs that can no longer be played (one cut down to its header, one
 * deleted since the scan) are skipped with a reason: half a second of
 * silence each, then the next song. */
GST_START_TEST (test_song_failed)
{
  Ctx ctx;
  Receiver r;
  MmkmSender *sender;
  guint rtp_port, rtcp_port;
  gchar *caps, *cut, *gone;

  ctx_init (&ctx, NULL);
  ctx.failures_expected = TRUE;
  cut = g_build_filename (music_dir, "b-48k-stereo.wav", NULL);
  fail_unless (g_file_set_contents (cut, "RIFF\4\0\0\0WAVE", 12, NULL));
  gone = g_build_filename (music_dir, "d-44k-stereo.wav", NULL);
  fail_unless (g_unlink (gone) == 0);
  mmkm_play_queue_request (ctx.queue,
      mmkm_song_library_find (ctx.library, "b-48k-stereo"));
  mmkm_play_queue_request (ctx.queue,
      mmkm_song_library_find (ctx.library, "d-44k-stereo"));
  mmkm_play_queue_request (ctx.queue,
      mmkm_song_library_find (ctx.library, "c-48k-mono"));
  receiver_init (&r, &rtp_port, &rtcp_port);
  sender = start_sender (&ctx, rtp_port, rtcp_port);
  caps = wait_caps (&ctx);
  ctx_wait_played (&ctx, 4);
  mmkm_sender_free (sender);
  fail_unless_equals_int (g_atomic_int_get (&ctx.failures), 2);
  assert_played (&ctx, 0, MMKM_SENDER_PLAYING_SILENCE, NULL);
  assert_played (&ctx, 1, MMKM_SENDER_PLAYING_SILENCE, NULL);
  assert_played (&ctx, 2, MMKM_SENDER_PLAYING_SONG, "c-48k-mono");
  assert_played (&ctx, 3, MMKM_SENDER_PLAYING_SILENCE, NULL);
  fail_unless_equals_uint64 (g_array_index (ctx.played, Played, 1).start,
      STREAM_RATE / 2);
  fail_unless_equals_uint64 (g_array_index (ctx.played, Played, 2).start,
      STREAM_RATE);
  fail_unless_equals_uint64 (g_array_index (ctx.played, Played, 3).start,
      STREAM_RATE + SONG_FRAMES);
  receiver_clear (&r);
  g_free (caps);
  g_free (cut);
  g_free (gone);
  ctx_clear (&ctx);
}

GST_END_TEST;

/* ---- the registry seam ---------------------------------------------- */

/* What mmkmregistry role=sender will do, reduced to its SRTP part: the
 * sender is given no key; the element in the registry's place keys
 * srtpenc before the start and switches key and MKI in the streaming
 * thread right before packet SWITCH_AT (../shared/SRTP-REKEY.md). */
#define SWITCH_AT 40

typedef struct
{
  GstElement *srtpenc;
  guint packets;                /* through the registry's place */
  guint sent, sent_mki[3];      /* out of srtpenc, by MKI */
  gboolean mki_order_ok;        /* MKI 1 before SWITCH_AT, 2 from it */
} FakeRegistry;

/* On the wire, with a 1-byte MKI and an 80-bit tag, the MKI is the 11th
 * byte from the end of each SRTP packet. */
static GstPadProbeReturn
wire_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  FakeRegistry *reg = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  gsize size = gst_buffer_get_size (buf);
  guint8 mki = 0;

  if (size > 12 + 11)
    gst_buffer_extract (buf, size - 11, &mki, 1);
  if (mki < 3)
    reg->sent_mki[mki]++;
  if (mki != (reg->sent < SWITCH_AT ? 1 : 2))
    reg->mki_order_ok = FALSE;
  reg->sent++;
  return GST_PAD_PROBE_OK;
}

static GstBuffer *
key_buffer (guint8 first)
{
  guint8 key[30];
  guint i;

  for (i = 0; i < 30; i++)
    key[i] = first + i;
  return gst_buffer_new_memdup (key, 30);
}

static void
set_key (GstElement * srtpenc, guint8 first, guint8 mki_byte)
{
  GstBuffer *key = key_buffer (first);
  GstBuffer *mki = gst_buffer_new_memdup (&mki_byte, 1);

  /* one g_object_set: srtpenc takes key and MKI together */
  g_object_set (srtpenc, "key", key, "mki", mki, NULL);
  gst_buffer_unref (key);
  gst_buffer_unref (mki);
}

static GstPadProbeReturn
fake_registry_probe (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  FakeRegistry *reg = data;

  if (reg->packets++ == SWITCH_AT)
    set_key (reg->srtpenc, 100, 2);
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_registry_seam)
{
  Ctx ctx;
  Receiver r;
  MmkmSender *sender;
  FakeRegistry reg = { NULL, 0, 0, {0, 0, 0}, TRUE };
  GstElement *wire;
  GstElement *fake = gst_element_factory_make ("identity", "fake-registry");
  GstElement *pay;
  GstCaps *caps;
  GstStructure *s;
  GstBuffer *key1 = key_buffer (0), *key2 = key_buffer (100);
  GstBuffer *mki1 = gst_buffer_new_memdup ("\1", 1);
  GstBuffer *mki2 = gst_buffer_new_memdup ("\2", 1);
  GstPad *pad;
  GError *err = NULL;
  guint rtp_port, rtcp_port, n = 0;
  gchar *caps_str;
  gint64 end;

  ctx_init (&ctx, NULL);
  mmkm_play_queue_request (ctx.queue,
      mmkm_song_library_find (ctx.library, "b-48k-stereo"));
  receiver_init (&r, &rtp_port, &rtcp_port);
  sender = new_sender (&ctx, rtp_port, rtcp_port, fake);
  check_registry_seam (sender, "fake-registry");
  reg.srtpenc = gst_bin_get_by_name (GST_BIN (mmkm_sender_get_pipeline
          (sender)), MMKM_SENDER_SRTPENC);
  set_key (reg.srtpenc, 0, 1);
  /* no sequence-number wrap before the switch: the new session's ROC is
   * 0 and a receiver holding both keys in one stream keeps the old one */
  pay = gst_bin_get_by_name (GST_BIN (mmkm_sender_get_pipeline (sender)),
      "pay");
  g_object_set (pay, "seqnum-offset", 1000, NULL);
  gst_object_unref (pay);
  pad = gst_element_get_static_pad (fake, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, fake_registry_probe,
      &reg, NULL);
  gst_object_unref (pad);
  wire = gst_bin_get_by_name (GST_BIN (mmkm_sender_get_pipeline (sender)),
      "rtp-sink");
  pad = gst_element_get_static_pad (wire, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, wire_probe, &reg, NULL);
  gst_object_unref (pad);
  gst_object_unref (wire);
  fail_unless (mmkm_sender_start (sender, &err), "%s", err ? err->message : "");
  caps_str = wait_caps (&ctx);

  /* the receiver holds both keys from the start */
  caps = gst_caps_from_string (caps_str);
  s = gst_caps_get_structure (caps, 0);
  gst_structure_set_name (s, "application/x-srtp");
  gst_structure_set (s, "srtp-key", GST_TYPE_BUFFER, key1,
      "mki", GST_TYPE_BUFFER, mki1,
      "srtp-key2", GST_TYPE_BUFFER, key2, "mki2", GST_TYPE_BUFFER, mki2,
      "srtp-cipher", G_TYPE_STRING, "aes-128-icm",
      "srtp-auth", G_TYPE_STRING, "hmac-sha1-80",
      "srtcp-cipher", G_TYPE_STRING, "aes-128-icm",
      "srtcp-auth", G_TYPE_STRING, "hmac-sha1-80", NULL);
  g_object_set (r.rtp_src, "caps", caps, NULL);
  /* With the SSRC in both its RTP and its RTCP caps, the 1.22 srtpdec
   * leaks a libsrtp session (LeakSanitizer). The RTP caps make the
   * stream; SRTCP from that SSRC uses it. */
  gst_structure_set_name (s, "application/x-srtcp");
  gst_structure_remove_field (s, "ssrc");
  g_object_set (r.rtcp_src, "caps", caps, NULL);
  gst_caps_unref (caps);
  fail_unless (gst_element_set_state (r.pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);

  ctx_wait_played (&ctx, 2);    /* the song, then silence */
  end = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  while (g_get_monotonic_time () < end) {
    g_mutex_lock (&r.lock);
    n = r.packets->len;
    g_mutex_unlock (&r.lock);
    if (n >= SWITCH_AT + 40)
      break;
    g_usleep (10 * 1000);
  }
  mmkm_sender_free (sender);
  /* every packet decrypted, under the first key and then the second */
  fail_unless (n >= SWITCH_AT + 40, "only %u packets decrypted", n);
  n = check_packets (&r, caps_str, caps_uint (caps_str, "ssrc"),
      "registry seam", 0);
  /* the switch happened at that very packet */
  fail_unless (reg.mki_order_ok, "MKIs on the wire: %u x 1, %u x 2, %u "
      "other", reg.sent_mki[1], reg.sent_mki[2], reg.sent_mki[0]);
  fail_unless_equals_int (reg.sent_mki[1], SWITCH_AT);
  fail_unless (reg.sent_mki[2] >= 40);
  g_print ("registry seam: key and MKI switched before packet %u; %u "
      "packets passed the registry's place, %u sent under MKI 1 and %u "
      "under MKI 2, %u decrypted, none missing\n", SWITCH_AT, reg.packets,
      reg.sent_mki[1], reg.sent_mki[2], n);

  gst_object_unref (reg.srtpenc);
  gst_buffer_unref (key1);
  gst_buffer_unref (key2);
  gst_buffer_unref (mki1);
  gst_buffer_unref (mki2);
  g_free (caps_str);
  receiver_clear (&r);
  ctx_clear (&ctx);
}

GST_END_TEST;

/* ---- the program ---------------------------------------------------- */

#define EOF_LINE "\001EOF"

typedef struct
{
  GSubprocess *proc;
  GAsyncQueue *lines;
  GThread *reader;
  GOutputStream *in;
} Program;

/* A program left behind by a failed test stops with it. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static gpointer
read_lines (gpointer data)
{
  Program *p = data;
  GDataInputStream *in =
      g_data_input_stream_new (g_subprocess_get_stdout_pipe (p->proc));
  gchar *line;

  while ((line = g_data_input_stream_read_line (in, NULL, NULL, NULL)))
    g_async_queue_push (p->lines, line);
  g_async_queue_push (p->lines, g_strdup (EOF_LINE));
  g_object_unref (in);
  return NULL;
}

static gchar *
key_file (const gchar * text, gint mode)
{
  gchar *path = g_build_filename (music_dir, "key.hex", NULL);

  fail_unless (g_file_set_contents (path, text, -1, NULL));
  fail_unless (g_chmod (path, mode) == 0);
  return path;
}

/* mmkm-sender with @args (NULL-terminated), sending to 127.0.0.1 only */
static void
program_start (Program * p, const gchar * const *args)
{
  GSubprocessLauncher *launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
      G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  GPtrArray *argv = g_ptr_array_new ();
  GError *err = NULL;

  g_ptr_array_add (argv, (gpointer) g_getenv ("MMKM_SENDER"));
  fail_unless (argv->pdata[0] != NULL, "MMKM_SENDER is not set");
  for (; *args != NULL; args++)
    g_ptr_array_add (argv, (gpointer) * args);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  p->proc = g_subprocess_launcher_spawnv (launcher,
      (const gchar * const *) argv->pdata, &err);
  fail_unless (p->proc != NULL, "%s", err ? err->message : "");
  p->in = g_subprocess_get_stdin_pipe (p->proc);
  p->lines = g_async_queue_new_full (g_free);
  p->reader = g_thread_new ("read-lines", read_lines, p);
  g_ptr_array_unref (argv);
  g_object_unref (launcher);
}

/* The next line of the program's output that starts with @prefix (lines
 * before it are skipped), within 10 s. */
static gchar *
program_line (Program * p, const gchar * prefix)
{
  for (;;) {
    gchar *line = g_async_queue_timeout_pop (p->lines, 10 * G_USEC_PER_SEC);

    fail_unless (line != NULL, "no \"%s\" line from mmkm-sender in 10 s",
        prefix);
    fail_if (g_str_equal (line, EOF_LINE), "mmkm-sender ended without a "
        "\"%s\" line", prefix);
    g_print ("mmkm-sender said: %s\n", line);
    if (g_str_has_prefix (line, prefix))
      return line;
    g_free (line);
  }
}

static void
program_say (Program * p, const gchar * text)
{
  fail_unless (g_output_stream_write_all (p->in, text, strlen (text), NULL,
          NULL, NULL));
}

static void
program_finish (Program * p, gint status)
{
  fail_unless (g_subprocess_wait (p->proc, NULL, NULL));
  fail_unless (g_subprocess_get_if_exited (p->proc));
  fail_unless_equals_int (g_subprocess_get_exit_status (p->proc), status);
  g_thread_join (p->reader);
  g_async_queue_unref (p->lines);
  g_object_unref (p->proc);
}

/* The unsigned number after " @key=" in @line */
static guint64
line_value (const gchar * line, const gchar * key)
{
  gchar *pattern = g_strdup_printf (" %s=", key);
  const gchar *at = strstr (line, pattern);
  guint64 v;

  fail_unless (at != NULL, "no %s in: %s", key, line);
  v = g_ascii_strtoull (at + strlen (pattern), NULL, 10);
  g_free (pattern);
  return v;
}

static const gchar *
line_title (const gchar * line)
{
  const gchar *at = strstr (line, " title=");

  fail_unless (at != NULL, "no title in: %s", line);
  return at + strlen (" title=");
}

/* The program plays the two songs requested on its command line (44.1 kHz
 * stereo, then 48 kHz stereo) and ends: the receiver decodes both, byte
 * for byte, in one stream with sender reports. */
GST_START_TEST (test_program_stream)
{
  Program p;
  Receiver r;
  Received got;
  guint rtp_port, rtcp_port;
  gchar *key = key_file (KEY_HEX "\n", 0600);
  gchar *group, *rtcp, *line, *caps;
  guint64 d, b;
  guint32 ssrc;

  receiver_init (&r, &rtp_port, &rtcp_port);
  group = g_strdup_printf ("127.0.0.1:%u", rtp_port);
  rtcp = g_strdup_printf ("%u", rtcp_port);
  {
    const gchar *args[] = { "--music-dir", music_dir, "--group", group,
      "--rtcp-port", rtcp, "--srtp-key-file", key, "--playlist", "none",
      "--request", "d-44k-stereo", "--request", "b-48k-stereo",
      "--exit-when-idle", "--rtcp-interval-ms", "200",
      "--ssrc", "305419896", NULL
    };
    program_start (&p, args);
  }
  line = program_line (&p, "stream ");
  ssrc = line_value (line, "ssrc");
  fail_unless_equals_uint64 (ssrc, 0x12345678);
  caps = g_strdup (strstr (line, " caps=") + strlen (" caps="));
  g_free (line);
  receiver_play (&r, caps);

  line = program_line (&p, "now-playing ");
  fail_unless_equals_string (line_title (line), "d-44k-stereo");
  d = line_value (line, "start-sample");
  g_free (line);
  line = program_line (&p, "now-playing ");
  fail_unless_equals_string (line_title (line), "b-48k-stereo");
  b = line_value (line, "start-sample");
  g_free (line);
  g_free (program_line (&p, "end"));
  program_finish (&p, 0);

  fail_unless_equals_uint64 (d, 0);
  receive (&r, ssrc, b + SONG_FRAMES, &got);
  bytes_compared = 0;
  compare_song (got.audio, d, b, D_44K_STEREO);
  compare_song (got.audio, b, b + SONG_FRAMES, B_48K_STEREO);
  fail_unless_equals_uint64 (got.audio->len, (b + SONG_FRAMES) * BPF);
  check_packets (&r, caps, ssrc, "program", got.sender_reports);
  g_print ("program: %" G_GUINT64_FORMAT " bytes compared (two songs, "
      "the whole stream)\n", bytes_compared);

  received_clear (&got);
  receiver_clear (&r);
  g_free (caps);
  g_free (group);
  g_free (rtcp);
  g_free (key);
}

GST_END_TEST;

/* --playlist none and no request: silence. Requests on standard input: an
 * unknown title refused, a known one played, silence again, quit. */
GST_START_TEST (test_program_requests)
{
  Program p;
  Receiver r;
  Received got;
  guint rtp_port, rtcp_port;
  gchar *key = key_file (KEY_HEX, 0600);
  gchar *group, *rtcp, *line, *caps;
  guint64 c, after;
  guint32 ssrc;

  receiver_init (&r, &rtp_port, &rtcp_port);
  group = g_strdup_printf ("127.0.0.1:%u", rtp_port);
  rtcp = g_strdup_printf ("%u", rtcp_port);
  {
    const gchar *args[] = { "--music-dir", music_dir, "--group", group,
      "--rtcp-port", rtcp, "--srtp-key-file", key, "--playlist", "none",
      "--rtcp-interval-ms", "200", NULL
    };
    program_start (&p, args);
  }
  line = program_line (&p, "stream ");
  ssrc = line_value (line, "ssrc");
  caps = g_strdup (strstr (line, " caps=") + strlen (" caps="));
  g_free (line);
  receiver_play (&r, caps);
  g_free (program_line (&p, "silence start-sample=0"));

  program_say (&p, "request nothing such\n");
  line = program_line (&p, "request-refused ");
  fail_unless (strstr (line, "reason=unknown-title") != NULL);
  fail_unless_equals_string (line_title (line), "nothing such");
  g_free (line);
  program_say (&p, "request C-48K-MONO\n");
  line = program_line (&p, "queued ");
  fail_unless_equals_string (line_title (line), "c-48k-mono");
  g_free (line);
  line = program_line (&p, "now-playing ");
  fail_unless_equals_string (line_title (line), "c-48k-mono");
  c = line_value (line, "start-sample");
  g_free (line);
  line = program_line (&p, "silence ");
  after = line_value (line, "start-sample");
  g_free (line);
  fail_unless_equals_uint64 (after - c, SONG_FRAMES);

  receive (&r, ssrc, after + STREAM_RATE / 20, &got);
  program_say (&p, "quit\n");
  program_finish (&p, 0);
  bytes_compared = 0;
  compare_silence (got.audio, 0, c);
  compare_song (got.audio, c, after, C_48K_MONO);
  compare_silence (got.audio, after, after + STREAM_RATE / 20);
  check_packets (&r, caps, ssrc, "program requests", got.sender_reports);
  g_print ("program requests: %" G_GUINT64_FORMAT " bytes compared "
      "(silence, the song, silence)\n", bytes_compared);

  received_clear (&got);
  receiver_clear (&r);
  g_free (caps);
  g_free (group);
  g_free (rtcp);
  g_free (key);
}

GST_END_TEST;

/* Without --playlist the whole folder plays in file-name order. */
GST_START_TEST (test_program_default_playlist)
{
  Program p;
  Receiver r;
  guint rtp_port, rtcp_port;
  gchar *key = key_file (KEY_HEX, 0600);
  gchar *group, *line;

  receiver_init (&r, &rtp_port, &rtcp_port);
  group = g_strdup_printf ("127.0.0.1:%u", rtp_port);
  {
    const gchar *args[] = { "--music-dir", music_dir, "--group", group,
      "--srtp-key-file", key, NULL
    };
    program_start (&p, args);
  }
  line = program_line (&p, "now-playing ");
  fail_unless_equals_string (line_title (line), "a-44k-mono");
  fail_unless_equals_uint64 (line_value (line, "start-sample"), 0);
  g_free (line);
  line = program_line (&p, "now-playing ");
  fail_unless_equals_string (line_title (line), "b-48k-stereo");
  g_free (line);
  program_say (&p, "quit\n");
  program_finish (&p, 0);
  receiver_clear (&r);
  g_free (group);
  g_free (key);
}

GST_END_TEST;

/* The live source path (--source tone: audiotestsrc, as the sound card
 * would be): the same RTP path, continuous, with sender reports, and
 * audio that is not silence. */
GST_START_TEST (test_program_live_tone)
{
  Program p;
  Receiver r;
  Received got;
  guint rtp_port, rtcp_port;
  gchar *key = key_file (KEY_HEX, 0600);
  gchar *group, *rtcp, *line, *caps;
  guint32 ssrc;
  gsize i, nonzero = 0;

  receiver_init (&r, &rtp_port, &rtcp_port);
  group = g_strdup_printf ("127.0.0.1:%u", rtp_port);
  rtcp = g_strdup_printf ("%u", rtcp_port);
  {
    const gchar *args[] = { "--source", "tone", "--group", group,
      "--rtcp-port", rtcp, "--srtp-key-file", key,
      "--rtcp-interval-ms", "200", NULL
    };
    program_start (&p, args);
  }
  line = program_line (&p, "stream ");
  ssrc = line_value (line, "ssrc");
  caps = g_strdup (strstr (line, " caps=") + strlen (" caps="));
  g_free (line);
  receiver_play (&r, caps);
  g_free (program_line (&p, "live start-sample=0"));
  receive (&r, ssrc, STREAM_RATE / 2, &got);
  program_say (&p, "quit\n");
  program_finish (&p, 0);
  for (i = 0; i < got.audio->len; i++)
    nonzero += got.audio->data[i] != 0;
  fail_unless (nonzero > got.audio->len / 2, "the tone is mostly silence");
  check_packets (&r, caps, ssrc, "live tone", got.sender_reports);

  received_clear (&got);
  receiver_clear (&r);
  g_free (caps);
  g_free (group);
  g_free (rtcp);
  g_free (key);
}

GST_END_TEST;

/* Runs mmkm-sender with @args to its end; its output in @out and @err. */
static gint
program_run (const gchar * const *args, gchar ** out, gchar ** err)
{
  GPtrArray *argv = g_ptr_array_new ();
  GError *error = NULL;
  gint status = 0;

  g_ptr_array_add (argv, (gpointer) g_getenv ("MMKM_SENDER"));
  for (; *args != NULL; args++)
    g_ptr_array_add (argv, (gpointer) * args);
  g_ptr_array_add (argv, NULL);
  fail_unless (g_spawn_sync (NULL, (gchar **) argv->pdata, NULL,
          G_SPAWN_DEFAULT, die_with_parent, NULL, out, err, &status,
          &error), "%s", error ? error->message : "");
  g_ptr_array_unref (argv);
  fail_unless (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static void
expect_refusal (const gchar * const *args, gint status, const gchar * says)
{
  gchar *out = NULL, *err = NULL;

  fail_unless_equals_int (program_run (args, &out, &err), status);
  fail_unless (strstr (err, says) != NULL, "expected \"%s\" in: %s", says, err);
  g_free (out);
  g_free (err);
}

/* --help, --list, and settings refused with a sentence that says what to
 * fix (nothing is sent: each stops before the pipeline starts). */
GST_START_TEST (test_program_command_line)
{
  gchar *out = NULL, *err = NULL;
  gchar *key = key_file (KEY_HEX, 0600);
  gchar *open_key, *short_key;

  {
    const gchar *args[] = { "--help", NULL };
    fail_unless_equals_int (program_run (args, &out, &err), 0);
    fail_unless (strstr (out, "--music-dir") != NULL);
    fail_unless (strstr (out, "--srtp-key-file") != NULL);
    fail_unless (strstr (out, "mmkmregistry") != NULL);
    fail_unless (strstr (out, "docs/mmkm-sender.md") != NULL);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    const gchar *args[] = { "--music-dir", music_dir, "--list", NULL };
    fail_unless_equals_int (program_run (args, &out, &err), 0);
    fail_unless (strstr (out, "song rate=44100 channels=1 depth=16 "
            "duration-ms=300 title=a-44k-mono\n") != NULL, "%s", out);
    fail_unless (strstr (out, "title=d-44k-stereo\n") != NULL, "%s", out);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    const gchar *args[] = { "--music-dir", music_dir,
      "--group", "127.0.0.1:9", NULL
    };
    expect_refusal (args, 2, "no key: give --server URL");
  }
  {
    const gchar *args[] = { "--group", "127.0.0.1:9", "--srtp-key-file",
      key, NULL
    };
    expect_refusal (args, 2, "--music-dir DIR is needed");
  }
  {
    const gchar *args[] = { "--music-dir", music_dir, "--group",
      "127.0.0.1:0", "--srtp-key-file", key, NULL
    };
    expect_refusal (args, 2, "--group 127.0.0.1:0: expected ADDRESS:PORT");
  }
  {
    const gchar *args[] = { "--music-dir", music_dir, "--group",
      "127.0.0.1:9", "--srtp-key-file", key, "--playlist", "x,y", NULL
    };
    expect_refusal (args, 2, "no song titled \"x\"");
  }
  {
    const gchar *args[] = { "--music-dir", music_dir, "--group",
      "127.0.0.1:9", "--srtp-key-file", key, "--server",
      "https://127.0.0.1:9", NULL
    };
    expect_refusal (args, 2, "--server and --srtp-key-file exclude");
  }
  {
    const gchar *args[] = { "--music-dir", music_dir, "--group",
      "127.0.0.1:9", "--server", "https://127.0.0.1:9", "--srtp-mki", "01",
      NULL
    };
    expect_refusal (args, 2, "--srtp-mki goes with --srtp-key-file only");
  }
  {
    const gchar *args[] = { "--music-dir", music_dir, "--group",
      "127.0.0.1:9", "--srtp-key-file", key, "--ssrc", "4294967296", NULL
    };
    expect_refusal (args, 2, "--ssrc 1 to 4294967295");
  }
  {
    const gchar *args[] = { "--music-dir", music_dir, "--group",
      "127.0.0.1:9", "--srtp-key-file", music_dir, NULL
    };
    expect_refusal (args, 1, "not a key file");
  }
  {
    const gchar *args[] = { "--music-dir", music_dir, "--group",
      "127.0.0.1:9", "--srtp-key-file", "/nonexistent/key.hex", NULL
    };
    expect_refusal (args, 1, "cannot read the key file /nonexistent/key.hex");
  }
  open_key = g_build_filename (music_dir, "open.hex", NULL);
  fail_unless (g_file_set_contents (open_key, KEY_HEX, -1, NULL));
  fail_unless (g_chmod (open_key, 0644) == 0);
  {
    const gchar *args[] = { "--music-dir", music_dir, "--group",
      "127.0.0.1:9", "--srtp-key-file", open_key, NULL
    };
    expect_refusal (args, 1, "can be read by other users: chmod 600");
  }
  short_key = g_build_filename (music_dir, "short.hex", NULL);
  fail_unless (g_file_set_contents (short_key, "0011", -1, NULL));
  fail_unless (g_chmod (short_key, 0600) == 0);
  {
    const gchar *args[] = { "--music-dir", music_dir, "--group",
      "127.0.0.1:9", "--srtp-key-file", short_key, NULL
    };
    expect_refusal (args, 1, "expected 60 hex digits");
  }
  g_free (open_key);
  g_free (short_key);
  g_free (key);
}

GST_END_TEST;

static Suite *
mmkm_sender_suite (void)
{
  Suite *s = suite_create ("mmkm-sender");
  TCase *tc = tcase_create ("general");

  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_library);
  tcase_add_test (tc, test_continuous_stream);
  tcase_add_test (tc, test_queue);
  tcase_add_test (tc, test_default_playlist);
  tcase_add_test (tc, test_song_failed);
  tcase_add_test (tc, test_registry_seam);
  tcase_add_test (tc, test_program_stream);
  tcase_add_test (tc, test_program_requests);
  tcase_add_test (tc, test_program_default_playlist);
  tcase_add_test (tc, test_program_live_tone);
  tcase_add_test (tc, test_program_command_line);
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (mmkm_sender);
