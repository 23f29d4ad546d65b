/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers for the mikeyenc / mikeydec element tests: loopback ports,
 * sender and receiver pipelines, bus waiting, MIKEY messages. */
#pragma once

#include <gst/gst.h>
#include <gio/gio.h>
#include <openssl/crypto.h>
#include "mikey-exchange.h"
#include "mikey-test-certs.h"

/* GST_CHECK_MAIN, with OpenSSL's exit-time cleanup turned off before
 * anything touches OpenSSL: it races with pool threads still ending when
 * a forked check exits (openssl#6214), see gstmikeyplugin.c. */
#define MIKEY_CHECK_MAIN(name)                                  \
int main (int argc, char **argv)                                \
{                                                               \
  Suite *s;                                                     \
  OPENSSL_init_crypto (OPENSSL_INIT_NO_ATEXIT, NULL);           \
  gst_check_init (&argc, &argv);                                \
  s = name##_suite ();                                          \
  return gst_check_run_suite (s, # name, __FILE__);             \
}

G_BEGIN_DECLS

#define TEST_PSK "00112233445566778899aabbccddeeff"
#define TEST_WRONG_PSK "ff112233445566778899aabbccddee00"
#define TEST_SRTP_CAPS "application/x-srtp,media=(string)audio," \
  "clock-rate=(int)8000,encoding-name=(string)L16,channels=(int)1," \
  "payload=(int)96"

/* A UDP port on 127.0.0.1 that was free a moment ago */
guint mikey_test_free_port (void);

typedef struct
{
  GstElement *pipeline;
  GMutex lock;
  GByteArray *bytes;            /* what reached the capture point */
  guint n_buffers;
} MikeyTestCapture;

/* Receiver: udpsrc port=@rtp_port ! mikeydec @dec_props ! srtpdec !
 * rtpL16depay ! appsink (collects). */
MikeyTestCapture *mikey_test_receiver_new (guint rtp_port,
    const gchar * dec_props);
/* A receiver (@props) listening for MIKEY on 127.0.0.1:*@port (a free
 * port it picks), already PLAYING */
MikeyTestCapture *mikey_test_listening_receiver (guint * port,
    const gchar * props);
/* Sender: audiotestsrc (white noise, live, 20 ms buffers) num-buffers=@n !
 * S16BE 8 kHz mono ! identity (collects) ! rtpL16pay @pay_props !
 * @middle ! udpsink 127.0.0.1:@rtp_port. @middle is e.g.
 * "mikeyenc ... ! srtpenc" */
MikeyTestCapture *mikey_test_sender_new (guint rtp_port, guint n,
    const gchar * pay_props, const gchar * middle);
void mikey_test_capture_free (MikeyTestCapture * c);
void mikey_test_capture_reset (MikeyTestCapture * c);
gsize mikey_test_capture_size (MikeyTestCapture * c);

/* Records every message posted on @pipeline's bus (the helpers' pipelines
 * do this already), so that tests can look for them in any order. */
void mikey_test_watch_bus (GstElement * pipeline);
/* Stops recording and forgets the recorded messages */
void mikey_test_unwatch_bus (GstElement * pipeline);
/* Sets @pipeline to NULL, forgets its recorded messages (they hold
 * references to its elements) and drops the caller's reference. */
void mikey_test_pipeline_free (GstElement * pipeline);
/* First recorded message of one of @types (and, for element messages, of
 * structure @name when not NULL), waiting up to @timeout_ms for it. A new
 * reference, or NULL. */
GstMessage *mikey_test_find_message (GstElement * pipeline,
    GstMessageType types, const gchar * name, guint timeout_ms);
/* Whether such a message was (or, within @timeout_ms, is) recorded */
gboolean mikey_test_has_message (GstElement * pipeline,
    GstMessageType types, const gchar * name, guint timeout_ms);
/* How many such messages are recorded now */
guint mikey_test_count_messages (GstElement * pipeline, GstMessageType types,
    const gchar * name);
/* Forgets the recorded messages */
void mikey_test_clear_messages (GstElement * pipeline);

/* Waits for EOS or an error on @pipeline's bus; returns the message (EOS,
 * ERROR) or NULL on timeout. */
GstMessage *mikey_test_wait_eos_or_error (GstElement * pipeline,
    guint timeout_ms);
/* Waits until @c holds @size bytes; fails fast on an error message on the
 * bus of @c or @other (may be NULL). TRUE when reached. */
gboolean mikey_test_wait_bytes (MikeyTestCapture * c, gsize size,
    GstElement * other, guint timeout_ms);
/* The text of an error/warning message (g_free) */
gchar *mikey_test_message_text (GstMessage * msg);
/* Asserts that error/warning @msg is of @domain and @code */
void mikey_test_assert_error_code (GstMessage * msg, GQuark domain,
    gint code);

/* Asserts that @s holds no key material: no buffer values, no field
 * named like a key. */
void mikey_test_assert_no_keys (const GstStructure * s);

/* A MIKEY initiation message from the core, for crafted datagrams */
GBytes *mikey_test_make_init (MikeyMode mode, const gchar * psk_hex,
    gboolean have_ssrc, guint32 ssrc, const guint8 * tek, gsize tek_len,
    const guint8 * mki, gsize mki_len, gboolean no_verify, gint64 now_us,
    MikeyInitiator ** out_init);

/* Sends @data from a new socket bound to 127.0.0.1 to 127.0.0.1:@port and
 * waits up to @timeout_ms for an answer; returns it (or NULL). @sock may be
 * given to reuse a socket (same source port). */
GBytes *mikey_test_udp_exchange (GSocket * sock, guint port,
    GBytes * data, guint timeout_ms);
GSocket *mikey_test_udp_socket (void);

/* The first sink pad of @element (a new reference) */
GstPad *mikey_test_first_sink_pad (GstElement * element);

/* ------------------------------------------------------------------------
 * Sender / receiver pairs: mikeyenc ! srtpenc in one pipeline, mikeydec !
 * srtpdec in another, MIKEY and SRTP over loopback UDP on free ports.
 * ---------------------------------------------------------------------- */

#define MIKEY_TEST_BYTES_PER_BUFFER 320 /* 160 S16BE samples */

typedef struct
{
  guint mikey_port;
  guint rtp_port;
  MikeyTestCapture *rx;
  MikeyTestCapture *tx;
} MikeyTestPair;

/* Receiver "mikeydec name=dec port=<mikey_port> @dec_props"; sender
 * "mikeyenc name=enc peer-address=127.0.0.1 peer-port=<mikey_port>
 * @enc_props ! @between srtpenc name=srtpenc" with @n buffers. */
void mikey_test_pair_setup (MikeyTestPair * t, const gchar * dec_props,
    const gchar * enc_props, const gchar * between, guint n);
void mikey_test_pair_teardown (MikeyTestPair * t);
/* Runs receiver then sender to EOS; the receiver must get all @n buffers,
 * byte for byte. */
void mikey_test_pair_run_and_compare (MikeyTestPair * t, guint n);
/* Starts both; waits for a warning on the receiver (containing @rx_text,
 * unless NULL: a refused datagram never stops a receiver) and an error on
 * the sender (containing @tx_text, unless NULL), both
 * GST_STREAM_ERROR_DECRYPT, then checks that no audio arrived, no keys
 * were established and the receiver posted no error. Returns nothing;
 * fails the test otherwise. */
void mikey_test_pair_expect_refusal (MikeyTestPair * t, const gchar * rx_text,
    const gchar * tx_text);
/* Checks the mikey-key-established message of @pipeline: @mode, @suite,
 * no key material; returns csb-id (may be NULL) and ssrc (NULL: the
 * message need not have one). */
void mikey_test_check_established (GstElement * pipeline, const gchar * mode,
    const gchar * suite, guint * csb_id, guint * ssrc);


/* @pipeline (its element set with @props) must fail to reach READY with
 * an element error containing @expect that echoes no secret (the test
 * PSK, the test key passphrase); leaves it in NULL. */
void mikey_test_expect_start_error (GstElement * pipeline,
    const gchar * props, const gchar * expect);

G_END_DECLS
