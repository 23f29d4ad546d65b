/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pipeline of mmkm-sender: songs (or a live input) played in turn into
 * ONE RTP stream (one payloader, so one SSRC and continuous sequence
 * numbers; timestamps from a running sample count, so they advance by
 * exactly the samples sent, across songs), RTCP sender reports from
 * rtpbin, SRTP and SRTCP from the stock srtpenc, out through udpsink to a
 * multicast group or a unicast address.
 *
 *   appsrc (songs decoded and resampled to the stream format, or silence)
 *     ! rtpL16pay ! rtpbin ! REGISTRY ! srtpenc ! udpsink
 *                   rtpbin (RTCP)       ! srtpenc ! udpsink
 *
 * REGISTRY is config->registry (mmkmregistry role=sender, once it exists)
 * or, without one, an identity named MMKM_SENDER_REGISTRY_SLOT. It is the
 * last element before srtpenc's rtp_sink_0 on the RTP path, so that it
 * can switch srtpenc's key and MKI in the streaming thread right before
 * the packet that must carry them (../shared/SRTP-REKEY.md); RTCP does
 * not pass through it: srtpenc protects RTCP with whatever key the RTP
 * path last set.
 *
 * Every song is converted to one stream format rather than renegotiating
 * caps at song boundaries: a caps change on the wire means a new payload
 * format for every receiver, whose depayloader, resampler and sink would
 * then renegotiate and usually restart -- the paper's 44.1/48 kHz failure
 * is exactly a player fed one rate while set up for the other. With one
 * format, receivers set up once and never restart. */
#ifndef MMKM_SENDER_PIPELINE_H
#define MMKM_SENDER_PIPELINE_H

#include <gst/gst.h>
#include "mmkm-song-library.h"

G_BEGIN_DECLS

/* The name of the placeholder where `mmkmregistry role=sender` goes when
 * config->registry is NULL: on the RTP path, after rtpbin and before
 * srtpenc (see docs/mmkm-sender.md). */
#define MMKM_SENDER_REGISTRY_SLOT "mmkmregistry-slot"
/* The stock srtpenc's name in the pipeline: the registry keys it. */
#define MMKM_SENDER_SRTPENC "srtpenc"

/* Element message posted when the stream has ended (after
 * MMKM_SENDER_NEXT_END): the last RTP packet has been sent. */
#define MMKM_SENDER_END_MESSAGE "mmkm-sender-end"

#define MMKM_SENDER_ERROR (mmkm_sender_error_quark ())
GQuark mmkm_sender_error_quark (void);

typedef enum
{
  MMKM_SENDER_ERROR_CONFIG,     /* a setting out of range */
  MMKM_SENDER_ERROR_MISSING,    /* a GStreamer element is not installed */
  MMKM_SENDER_ERROR_STATE,      /* the pipeline would not start */
} MmkmSenderError;

typedef enum
{
  MMKM_SENDER_SOURCE_FILES,     /* songs from the "what next" callback */
  MMKM_SENDER_SOURCE_AUTO,      /* autoaudiosrc: the sound card */
  MMKM_SENDER_SOURCE_ALSA,      /* alsasrc (device: alsa_device) */
  MMKM_SENDER_SOURCE_TONE,      /* audiotestsrc is-live: a test tone */
} MmkmSenderSource;

typedef struct
{
  MmkmSenderSource source;
  gint rate;                    /* stream rate, Hz (default 48000) */
  gint channels;                /* 1 or 2 (default 2) */
  const gchar *host;            /* multicast group or unicast address */
  guint port;                   /* RTP port */
  guint rtcp_port;              /* 0: port + 1 */
  gint ttl;                     /* multicast TTL (default 1) */
  const gchar *multicast_iface; /* NULL: the system's choice */
  guint payload_type;           /* default 96 */
  guint32 ssrc;                 /* 0: random */
  guint mtu;                    /* 0: rtpL16pay's default */
  guint gap_ms;                 /* silence between songs (0: gapless) */
  guint rtcp_interval_ms;       /* 0: rtpbin's default (5 s) */
  /* The SRTP key until mmkmregistry exists: 30 bytes (AES-128-ICM key +
   * salt), fixed for the whole stream. May be NULL only with a registry,
   * which then keys srtpenc itself before the first packet. */
  GBytes *srtp_key;
  GBytes *srtp_mki;             /* NULL: no MKI */
  /* The element put between rtpbin and srtpenc on the RTP path (one sink
   * pad "sink", one src pad "src"; mmkm_sender_new takes a floating
   * reference, also when it fails). NULL: an identity named
   * MMKM_SENDER_REGISTRY_SLOT. */
  GstElement *registry;
  const gchar *alsa_device;     /* NULL: ALSA's default */
} MmkmSenderConfig;

void mmkm_sender_config_init (MmkmSenderConfig * config);

typedef enum
{
  MMKM_SENDER_NEXT_SONG,        /* play *song (the callback gave a reference) */
  MMKM_SENDER_NEXT_SILENCE,     /* nothing to play: silence, ask again soon */
  MMKM_SENDER_NEXT_END,         /* end the stream (MMKM_SENDER_END_MESSAGE) */
} MmkmSenderNext;

typedef enum
{
  MMKM_SENDER_PLAYING_SONG,
  MMKM_SENDER_PLAYING_SILENCE,
  MMKM_SENDER_PLAYING_LIVE,
} MmkmSenderPlaying;

typedef struct _MmkmSender MmkmSender;

typedef struct
{
  /* Asked from the feeding thread whenever a song ends and, while silent,
   * every 20 ms of silence. */
  MmkmSenderNext (*next) (MmkmSender * sender, MmkmSong ** song,
      gpointer user_data);
  /* From the streaming thread, when the first sample of what now plays
   * reaches the payloader. @start_sample counts stream samples (frames)
   * from the start of the stream; RTP timestamps advance by the same. */
  void (*now_playing) (MmkmSender * sender, MmkmSenderPlaying what,
      MmkmSong * song, guint64 start_sample, gpointer user_data);
  /* Once, from the streaming thread: the RTP caps receivers need (no key
   * in them), e.g. for an SDP or udpsrc caps. */
  void (*stream_caps) (MmkmSender * sender, const gchar * caps,
      gpointer user_data);
  /* A song that cannot be decoded is skipped; this says why. */
  void (*song_failed) (MmkmSender * sender, MmkmSong * song,
      const gchar * message, gpointer user_data);
} MmkmSenderCallbacks;

MmkmSender *mmkm_sender_new (const MmkmSenderConfig * config,
    const MmkmSenderCallbacks * callbacks, gpointer user_data,
    GError ** error);
void mmkm_sender_free (MmkmSender * sender);

/* Errors and MMKM_SENDER_END_MESSAGE are posted on this pipeline's bus. */
GstElement *mmkm_sender_get_pipeline (MmkmSender * sender);
guint32 mmkm_sender_get_ssrc (MmkmSender * sender);

gboolean mmkm_sender_start (MmkmSender * sender, GError ** error);
void mmkm_sender_stop (MmkmSender * sender);

G_END_DECLS
#endif /* MMKM_SENDER_PIPELINE_H */
