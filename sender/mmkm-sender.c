/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkm-sender: the MMKM audio server (the paper's ASRVR). Plays requested
 * songs in turn from a folder of WAV files, the default playlist or
 * silence when nothing is requested, as one continuous SRTP/SRTCP stream
 * to a multicast group. Keys: mmkmregistry role=sender (--server), or
 * one fixed key from --srtp-key-file, for testing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <glib-unix.h>
#include <gio/gio.h>
#include <openssl/crypto.h>

#include "mmkm-play-queue.h"
#include "mmkm-sender-pipeline.h"

typedef struct
{
  GMainLoop *loop;
  MmkmSongLibrary *library;
  MmkmPlayQueue *queue;
  gboolean exit_when_idle;
  gint exit_code;
} App;

static GMutex out_lock;

/* One line per event on stdout, flushed, for scripts: "<event> k=v ...",
 * the title always last so that it may contain spaces. */
static void
say (const gchar * format, ...)
{
  va_list ap;

  g_mutex_lock (&out_lock);
  va_start (ap, format);
  vfprintf (stdout, format, ap);
  va_end (ap);
  fputc ('\n', stdout);
  fflush (stdout);
  g_mutex_unlock (&out_lock);
}

static MmkmSenderNext
on_next (MmkmSender * sender, MmkmSong ** song, gpointer user_data)
{
  App *app = user_data;

  *song = mmkm_play_queue_next (app->queue);
  if (*song != NULL)
    return MMKM_SENDER_NEXT_SONG;
  return app->exit_when_idle ? MMKM_SENDER_NEXT_END : MMKM_SENDER_NEXT_SILENCE;
}

static void
on_now_playing (MmkmSender * sender, MmkmSenderPlaying what, MmkmSong * song,
    guint64 start_sample, gpointer user_data)
{
  switch (what) {
    case MMKM_SENDER_PLAYING_SONG:
      say ("now-playing start-sample=%" G_GUINT64_FORMAT " rate=%d "
          "channels=%d duration-ms=%" G_GUINT64_FORMAT " title=%s",
          start_sample, song->rate, song->channels,
          song->duration_ns / GST_MSECOND, song->title);
      break;
    case MMKM_SENDER_PLAYING_SILENCE:
      say ("silence start-sample=%" G_GUINT64_FORMAT, start_sample);
      break;
    case MMKM_SENDER_PLAYING_LIVE:
      say ("live start-sample=%" G_GUINT64_FORMAT, start_sample);
      break;
  }
}

static void
on_stream_caps (MmkmSender * sender, const gchar * caps, gpointer user_data)
{
  say ("stream ssrc=%u caps=%s", mmkm_sender_get_ssrc (sender), caps);
}

static void
on_song_failed (MmkmSender * sender, MmkmSong * song, const gchar * message,
    gpointer user_data)
{
  say ("song-failed title=%s", song->title);
  g_printerr ("mmkm-sender: skipped a song: %s\n", message);
}

static void
request (App * app, const gchar * title)
{
  MmkmSong *song = mmkm_song_library_find (app->library, title);

  if (song == NULL) {
    say ("request-refused reason=unknown-title title=%s", title);
    return;
  }
  mmkm_play_queue_request (app->queue, song);
  say ("queued pending=%u title=%s", mmkm_play_queue_pending (app->queue),
      song->title);
}

/* stdin: "request TITLE" queues a song (the local stand-in for the
 * server's request queue), "quit" stops. */
static gboolean
on_stdin (GIOChannel * channel, GIOCondition cond, gpointer user_data)
{
  App *app = user_data;
  gchar *line = NULL;
  GIOStatus status;

  status = g_io_channel_read_line (channel, &line, NULL, NULL, NULL);
  if (status == G_IO_STATUS_AGAIN)
    return G_SOURCE_CONTINUE;
  if (status != G_IO_STATUS_NORMAL)
    return G_SOURCE_REMOVE;     /* stdin closed: keep playing */
  g_strstrip (line);
  if (g_str_has_prefix (line, "request "))
    request (app, g_strstrip (line + strlen ("request ")));
  else if (g_str_equal (line, "quit"))
    g_main_loop_quit (app->loop);
  else if (line[0] != '\0')
    g_printerr ("mmkm-sender: unknown command on stdin: %s "
        "(try: request TITLE, quit)\n", line);
  g_free (line);
  return G_SOURCE_CONTINUE;
}

/* The registry's bus messages (mmkm-joined, mmkm-rekey, mmkm-member...)
 * as one line each: "mmkm NAME FIELDS". They never carry key bytes. */
static void
say_registry_message (GstMessage * msg)
{
  const GstStructure *s = gst_message_get_structure (msg);
  gchar *text;

  if (s == NULL || !g_str_has_prefix (gst_structure_get_name (s), "mmkm-"))
    return;
  text = gst_structure_to_string (s);
  say ("mmkm %s", text);
  g_free (text);
}

static gboolean
on_bus (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  App *app = user_data;
  GError *err = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, &debug);
      g_printerr ("mmkm-sender: %s: %s\n", GST_OBJECT_NAME (msg->src),
          err->message);
      if (debug != NULL)
        g_printerr ("mmkm-sender: (%s)\n", debug);
      app->exit_code = 1;
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_ELEMENT:
      if (gst_message_has_name (msg, MMKM_SENDER_END_MESSAGE)) {
        say ("end");
        g_main_loop_quit (app->loop);
      } else
        say_registry_message (msg);
      break;
    default:
      break;
  }
  g_clear_error (&err);
  g_free (debug);
  return G_SOURCE_CONTINUE;
}

/* mmkmregistry role=sender with the program's settings; NULL with @error
 * when the plugin is missing */
static GstElement *
make_registry (const gchar * server, const gchar * fingerprint,
    const gchar * ca_file, const gchar * user, const gchar * password_file,
    const gchar * state_dir, const gchar * group, GError ** error)
{
  GstElement *reg = gst_element_factory_make ("mmkmregistry", NULL);

  if (reg == NULL) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
        "--server needs the mmkmregistry element (plugin mmkm): install "
        "it or set GST_PLUGIN_PATH to the build's ext/mmkm");
    return NULL;
  }
  gst_util_set_object_arg (G_OBJECT (reg), "role", "sender");
  g_object_set (reg, "server", server, NULL);
  if (fingerprint != NULL)
    g_object_set (reg, "server-fingerprint", fingerprint, NULL);
  if (ca_file != NULL)
    g_object_set (reg, "ca-file", ca_file, NULL);
  if (user != NULL)
    g_object_set (reg, "user", user, NULL);
  if (password_file != NULL)
    g_object_set (reg, "password-file", password_file, NULL);
  if (state_dir != NULL)
    g_object_set (reg, "state-dir", state_dir, NULL);
  if (group != NULL)
    g_object_set (reg, "group", group, NULL);
  return reg;
}

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (((App *) user_data)->loop);
  return G_SOURCE_CONTINUE;
}

/* ADDR:PORT, [IPv6]:PORT or ADDR (port 5004) */
static gboolean
parse_group (const gchar * text, gchar ** host, guint * port, GError ** error)
{
  const gchar *colon;
  guint64 p = 5004;

  if (text[0] == '[') {
    const gchar *end = strchr (text, ']');
    if (end == NULL)
      goto bad;
    *host = g_strndup (text + 1, end - text - 1);
    colon = end[1] == ':' ? end + 1 : NULL;
    if (end[1] != '\0' && colon == NULL)
      goto bad_free;
  } else {
    colon = strrchr (text, ':');
    if (colon != NULL && strchr (text, ':') != colon)
      colon = NULL;             /* a bare IPv6 address */
    *host = colon != NULL ? g_strndup (text, colon - text) : g_strdup (text);
  }
  if (colon != NULL && !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65534,
          &p, NULL))
    goto bad_free;
  if (**host == '\0')
    goto bad_free;
  *port = p;
  return TRUE;

bad_free:
  g_clear_pointer (host, g_free);
bad:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
      "--group %s: expected ADDRESS:PORT (e.g. 239.255.42.42:5004) with "
      "a port from 1 to 65534", text);
  return FALSE;
}

/* The key file holds the 30-byte key and salt in hex (60 digits; spaces,
 * newlines and colons allowed). It must not be readable by others. */
/* Far more than 60 hex digits with spaces and colons */
#define KEY_FILE_MAX 4096

static GBytes *
read_key_file (const gchar * path, GError ** error)
{
  gchar *text = NULL, *compact;
  unsigned char *raw;
  long len = 0;
  struct stat st;
  GBytes *key = NULL;
  guint i, j;

  if (stat (path, &st) != 0) {
    int e = errno;
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
        "cannot read the key file %s: %s", path, g_strerror (e));
    return NULL;
  }
  if ((st.st_mode & 077) != 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
        "%s can be read by other users: chmod 600 %s", path, path);
    return NULL;
  }
  if (!S_ISREG (st.st_mode) || st.st_size > KEY_FILE_MAX) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s: not a key file (60 hex digits expected)", path);
    return NULL;
  }
  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  compact = g_strdup (text);
  for (i = 0, j = 0; text[i] != '\0'; i++)
    if (!g_ascii_isspace (text[i]))
      compact[j++] = text[i];
  compact[j] = '\0';
  raw = OPENSSL_hexstr2buf (compact, &len);
  if (raw == NULL || len != 30) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s: expected 60 hex digits (30 bytes: AES-128 key and salt)", path);
  } else {
    key = g_bytes_new (raw, len);
  }
  if (raw != NULL)
    OPENSSL_clear_free (raw, len);
  OPENSSL_cleanse (text, strlen (text));
  OPENSSL_cleanse (compact, strlen (compact));
  g_free (text);
  g_free (compact);
  return key;
}

static GPtrArray *
make_playlist (MmkmSongLibrary * library, const gchar * spec, GError ** error)
{
  GPtrArray *list = g_ptr_array_new ();
  gchar **titles;
  guint i;

  if (g_str_equal (spec, "none"))
    return list;
  if (g_str_equal (spec, "all")) {
    for (i = 0; i < mmkm_song_library_size (library); i++)
      g_ptr_array_add (list, mmkm_song_library_get (library, i));
    return list;
  }
  titles = g_strsplit (spec, ",", -1);
  for (i = 0; titles[i] != NULL; i++) {
    MmkmSong *song = mmkm_song_library_find (library, g_strstrip (titles[i]));
    if (song == NULL) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
          "--playlist: no song titled \"%s\" in the music folder", titles[i]);
      g_strfreev (titles);
      g_ptr_array_unref (list);
      return NULL;
    }
    g_ptr_array_add (list, song);
  }
  g_strfreev (titles);
  return list;
}

int
main (int argc, char **argv)
{
  gchar *music_dir = NULL, *group = NULL, *iface = NULL, *key_file = NULL;
  gchar *mki_hex = NULL, *source = NULL, *playlist_spec = NULL;
  gchar *device = NULL;
  gchar *mmkm_server = NULL, *mmkm_fp = NULL, *mmkm_ca = NULL;
  gchar *mmkm_user = NULL, *mmkm_pw_file = NULL, *mmkm_state = NULL;
  gchar *mmkm_group = NULL;
  gchar **requests = NULL;
  gint ttl = 1, rate = 48000, channels = 2, gap_ms = 0, rtcp_port = 0;
  gint rtcp_interval_ms = 0, pt = 96;
  gint64 ssrc = 0;
  gboolean list_only = FALSE, exit_when_idle = FALSE;
  GOptionEntry entries[] = {
    {"music-dir", 'd', 0, G_OPTION_ARG_FILENAME, &music_dir,
          "Folder of .wav songs (16-bit, 44.1 or 48 kHz, mono or stereo)",
        "DIR"},
    {"group", 'g', 0, G_OPTION_ARG_STRING, &group,
          "Where to send: multicast group or unicast address, and RTP "
          "port; RTCP goes to PORT+1 (default 239.255.42.42:5004)",
        "ADDR:PORT"},
    {"rtcp-port", 0, 0, G_OPTION_ARG_INT, &rtcp_port,
        "RTCP port if not RTP port + 1", "PORT"},
    {"ttl", 0, 0, G_OPTION_ARG_INT, &ttl,
        "Multicast TTL (default 1: this network only)", "N"},
    {"iface", 0, 0, G_OPTION_ARG_STRING, &iface,
          "Network interface for multicast (default: the system's choice)",
        "NAME"},
    {"rate", 0, 0, G_OPTION_ARG_INT, &rate,
          "Stream sample rate, 8000 to 192000; every song is resampled to "
          "it (default 48000)",
        "HZ"},
    {"channels", 0, 0, G_OPTION_ARG_INT, &channels,
        "Stream channels, 1 or 2 (default 2)", "N"},
    {"request", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &requests,
        "Queue a song by title at start (repeat for more)", "TITLE"},
    {"playlist", 0, 0, G_OPTION_ARG_STRING, &playlist_spec,
        "What plays when no request waits: all (the folder in order, "
          "default), none (silence) or TITLE,TITLE,...", "SPEC"},
    {"gap-ms", 0, 0, G_OPTION_ARG_INT, &gap_ms,
        "Silence between songs (default 0: gapless)", "MS"},
    {"source", 0, 0, G_OPTION_ARG_STRING, &source,
        "What to play: files (default: --music-dir), auto (the sound "
          "card, autoaudiosrc), alsa (alsasrc, --device) or tone (a live "
          "test tone)", "SOURCE"},
    {"device", 0, 0, G_OPTION_ARG_STRING, &device,
        "ALSA device for --source alsa (e.g. hw:1)", "DEV"},
    {"server", 0, 0, G_OPTION_ARG_STRING, &mmkm_server,
        "The MMKM server (https://HOST:PORT): its mmkmregistry "
          "role=sender keys the stream", "URL"},
    {"fingerprint", 0, 0, G_OPTION_ARG_STRING, &mmkm_fp,
        "The server certificate's SHA-256 fingerprint (pinned)", "HEX"},
    {"ca-file", 0, 0, G_OPTION_ARG_FILENAME, &mmkm_ca,
        "Or: PEM CA certificates the server's must chain to", "FILE"},
    {"user", 0, 0, G_OPTION_ARG_STRING, &mmkm_user,
        "The MMKM user (with the sender role)", "NAME"},
    {"password-file", 0, 0, G_OPTION_ARG_FILENAME, &mmkm_pw_file,
        "A file whose first line is the user's password", "FILE"},
    {"state-dir", 0, 0, G_OPTION_ARG_FILENAME, &mmkm_state,
        "The device key and certificate (default: mmkmregistry's, "
          "$XDG_STATE_HOME/mmkm-client)", "DIR"},
    {"mmkm-group", 0, 0, G_OPTION_ARG_STRING, &mmkm_group,
        "The MMKM group to key (default: the server's, default)", "NAME"},
    {"srtp-key-file", 'k', 0, G_OPTION_ARG_FILENAME, &key_file,
          "FOR TESTING, instead of --server: one "
          "fixed SRTP master key and salt, 60 hex digits, file mode 600",
        "FILE"},
    {"srtp-mki", 0, 0, G_OPTION_ARG_STRING, &mki_hex,
          "FOR TESTING: an MKI (1 to 128 bytes, hex) in every packet",
        "HEX"},
    {"pt", 0, 0, G_OPTION_ARG_INT, &pt, "RTP payload type (default 96)",
        "PT"},
    {"ssrc", 0, 0, G_OPTION_ARG_INT64, &ssrc,
        "RTP SSRC, 1 to 4294967295, for receivers set up by hand "
          "(default: random)", "N"},
    {"rtcp-interval-ms", 0, 0, G_OPTION_ARG_INT, &rtcp_interval_ms,
        "Minimum interval between RTCP sender reports (default: "
          "rtpbin's, 5000)", "MS"},
    {"exit-when-idle", 0, 0, G_OPTION_ARG_NONE, &exit_when_idle,
        "Stop when nothing is left to play (with --playlist none: after "
          "the requests)", NULL},
    {"list", 'l', 0, G_OPTION_ARG_NONE, &list_only,
        "Print the songs found in --music-dir and exit", NULL},
    {NULL}
  };
  GOptionContext *ctx;
  GError *error = NULL;
  GPtrArray *skipped = NULL, *playlist = NULL;
  MmkmSenderConfig config;
  MmkmSenderCallbacks callbacks = { on_next, on_now_playing, on_stream_caps,
    on_song_failed
  };
  MmkmSender *sender = NULL;
  App app = { 0 };
  gchar *host = NULL;
  guint port = 5004, i;
  GIOChannel *in = NULL;
  GstBus *bus;

  ctx = g_option_context_new ("- the MMKM audio server");
  g_option_context_set_summary (ctx,
      "Plays requested songs in turn from a folder of WAV files (then the\n"
      "default playlist, or silence when nothing waits) as one continuous\n"
      "RTP stream: one SSRC, sequence numbers and timestamps that never\n"
      "restart between songs, so receivers set up once. Every song is\n"
      "converted to one stream format (L16, --rate, --channels): a 44.1 kHz\n"
      "song in a 48 kHz stream is resampled, never sent at its own rate.\n"
      "Packets are SRTP, RTCP sender reports SRTCP, sent to a multicast\n"
      "group (TTL 1) or a unicast address.");
  g_option_context_set_description (ctx,
      "Keys: with --server, mmkmregistry (role=sender) between rtpbin and\n"
      "srtpenc logs in to the MMKM server and switches srtpenc to each\n"
      "TEK at its activation time; its bus messages are printed as\n"
      "\"mmkm NAME, FIELDS\" lines. --srtp-key-file instead gives one\n"
      "fixed SRTP key (AES-128-ICM, HMAC-SHA1-80) for the whole stream:\n"
      "for testing only -- no re-keying, no membership, and every receiver\n"
      "needs the same file.\n\n"
      "Standard output: one line per event, for scripts:\n"
      "  song rate=HZ channels=N depth=BITS duration-ms=MS title=T\n"
      "  stream ssrc=N caps=CAPS       (the RTP caps a receiver needs)\n"
      "  now-playing start-sample=N rate=HZ channels=N duration-ms=MS "
      "title=T\n"
      "  silence start-sample=N         (nothing to play)\n"
      "  live start-sample=N            (--source auto, alsa or tone)\n"
      "  song-failed title=T            (skipped; the reason on stderr)\n"
      "  queued pending=N title=T | request-refused reason=R title=T\n"
      "  end                            (with --exit-when-idle)\n"
      "start-sample counts stream frames from the start; RTP timestamps\n"
      "advance by the same. Standard input: \"request TITLE\", \"quit\".\n\n"
      "Example:\n"
      "  (umask 077; openssl rand -hex 30 > key.hex)\n"
      "  mmkm-sender --music-dir ~/Music --group 239.255.42.42:5004 \\\n"
      "      --srtp-key-file key.hex --request \"My Song\"\n\n"
      "Receivers, the pipelines and the key file: docs/mmkm-sender.md.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    goto usage;
  if (argc > 1) {
    g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "unexpected argument %s", argv[1]);
    goto usage;
  }

  mmkm_sender_config_init (&config);
  if (source == NULL || g_str_equal (source, "files"))
    config.source = MMKM_SENDER_SOURCE_FILES;
  else if (g_str_equal (source, "auto"))
    config.source = MMKM_SENDER_SOURCE_AUTO;
  else if (g_str_equal (source, "alsa"))
    config.source = MMKM_SENDER_SOURCE_ALSA;
  else if (g_str_equal (source, "tone"))
    config.source = MMKM_SENDER_SOURCE_TONE;
  else {
    g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "--source %s: use files, auto, alsa or tone", source);
    goto usage;
  }
  if (config.source == MMKM_SENDER_SOURCE_FILES && music_dir == NULL) {
    g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "--music-dir DIR is needed to play files");
    goto usage;
  }
  if (group != NULL && !parse_group (group, &host, &port, &error))
    goto usage;
  if (gap_ms < 0 || gap_ms > 60000 || rtcp_port < 0 || rtcp_port > 65535
      || rtcp_interval_ms < 0 || ssrc < 0 || ssrc > G_MAXUINT32) {
    g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "--gap-ms must be 0 to 60000, --rtcp-port 1 to 65535, "
        "--rtcp-interval-ms not negative, --ssrc 1 to 4294967295");
    goto usage;
  }

  if (music_dir != NULL) {
    app.library = mmkm_song_library_scan (music_dir, &skipped, &error);
    for (i = 0; skipped != NULL && i < skipped->len; i++)
      g_printerr ("mmkm-sender: not a song: %s\n", (gchar *) skipped->pdata[i]);
    if (app.library == NULL)
      goto failed;
    for (i = 0; i < mmkm_song_library_size (app.library); i++) {
      MmkmSong *song = mmkm_song_library_get (app.library, i);
      say ("song rate=%d channels=%d depth=%d duration-ms=%" G_GUINT64_FORMAT
          " title=%s", song->rate, song->channels, song->depth,
          song->duration_ns / GST_MSECOND, song->title);
    }
  }
  if (list_only)
    goto done;

  if ((key_file == NULL) == (mmkm_server == NULL)) {
    g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        key_file == NULL ? "no key: give --server URL (with --user, "
        "--password-file and --fingerprint or --ca-file), or "
        "--srtp-key-file FILE for testing" :
        "--server and --srtp-key-file exclude each other");
    goto usage;
  }
  if (mmkm_server != NULL) {
    if (mki_hex != NULL) {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
          "--srtp-mki goes with --srtp-key-file only: with --server the "
          "MKIs are the server's");
      goto usage;
    }
    config.registry = make_registry (mmkm_server, mmkm_fp, mmkm_ca,
        mmkm_user, mmkm_pw_file, mmkm_state, mmkm_group, &error);
    if (config.registry == NULL)
      goto failed;
  } else {
    config.srtp_key = read_key_file (key_file, &error);
    if (config.srtp_key == NULL)
      goto failed;
  }
  if (mki_hex != NULL) {
    long len = 0;
    unsigned char *raw = OPENSSL_hexstr2buf (mki_hex, &len);
    if (raw == NULL) {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
          "--srtp-mki %s: not hex", mki_hex);
      goto usage;
    }
    config.srtp_mki = g_bytes_new (raw, len);
    OPENSSL_free (raw);
  }

  app.exit_when_idle = exit_when_idle;
  if (app.library != NULL) {
    playlist = make_playlist (app.library, playlist_spec != NULL ?
        playlist_spec : "all", &error);
    if (playlist == NULL)
      goto usage;
  }
  app.queue = mmkm_play_queue_new (playlist);
  for (i = 0; app.library != NULL && requests != NULL && requests[i]; i++)
    request (&app, requests[i]);

  if (host != NULL)
    config.host = host;
  config.port = port;
  config.rtcp_port = rtcp_port;
  config.ttl = ttl;
  config.multicast_iface = iface;
  config.rate = rate;
  config.channels = channels;
  config.gap_ms = gap_ms;
  config.payload_type = pt;
  config.ssrc = (guint32) ssrc;
  config.rtcp_interval_ms = rtcp_interval_ms;
  config.alsa_device = device;
  sender = mmkm_sender_new (&config, &callbacks, &app, &error);
  config.registry = NULL;       /* the sender's now, even on failure */
  if (sender == NULL)
    goto failed;

  app.loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (mmkm_sender_get_pipeline (sender));
  gst_bus_add_watch (bus, on_bus, &app);
  gst_object_unref (bus);
  g_unix_signal_add (SIGINT, on_signal, &app);
  g_unix_signal_add (SIGTERM, on_signal, &app);
  in = g_io_channel_unix_new (0);
  g_io_add_watch (in, G_IO_IN | G_IO_HUP, on_stdin, &app);

  if (!mmkm_sender_start (sender, &error))
    goto failed;
  g_main_loop_run (app.loop);
  mmkm_sender_stop (sender);
  goto done;

usage:
  g_printerr ("mmkm-sender: %s (see mmkm-sender --help)\n", error->message);
  app.exit_code = 2;
  goto done;
failed:
  g_printerr ("mmkm-sender: %s\n", error->message);
  app.exit_code = 1;
done:
  g_clear_error (&error);
  mmkm_sender_free (sender);
  if (in != NULL)
    g_io_channel_unref (in);
  if (app.loop != NULL)
    g_main_loop_unref (app.loop);
  mmkm_play_queue_free (app.queue);
  if (playlist != NULL)
    g_ptr_array_unref (playlist);
  if (skipped != NULL)
    g_ptr_array_unref (skipped);
  mmkm_song_library_free (app.library);
  if (config.registry != NULL)
    gst_object_unref (gst_object_ref_sink (config.registry));
  if (config.srtp_key != NULL)
    g_bytes_unref (config.srtp_key);
  if (config.srtp_mki != NULL)
    g_bytes_unref (config.srtp_mki);
  g_option_context_free (ctx);
  g_free (music_dir);
  g_free (group);
  g_free (iface);
  g_free (key_file);
  g_free (mki_hex);
  g_free (source);
  g_free (device);
  g_free (mmkm_server);
  g_free (mmkm_fp);
  g_free (mmkm_ca);
  g_free (mmkm_user);
  g_free (mmkm_pw_file);
  g_free (mmkm_state);
  g_free (mmkm_group);
  g_free (playlist_spec);
  g_free (host);
  g_strfreev (requests);
  return app.exit_code;
}
