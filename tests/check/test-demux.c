/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The media path's first-byte demultiplexer (mikey-demux.h): MIKEY, RTP
 * and everything else that may arrive on an RTP port. */
#include <gst/check/gstcheck.h>

#include "mikey-demux.h"
#include "mikey-exchange.h"

GST_START_TEST (test_first_byte)
{
  guint8 pkt[32];
  guint b;

  /* every first byte: RTP/SRTP/RTCP/SRTCP are 128..191 (version 2),
   * MIKEY 1 (RFC 3830) or 2 (MIKEYv2), the rest is dropped */
  for (b = 0; b < 256; b++) {
    MikeyPacketKind want = b >= 128 && b <= 191 ? MIKEY_PACKET_RTP :
        (b == 1 || b == 2) ? MIKEY_PACKET_MIKEY : MIKEY_PACKET_OTHER;

    memset (pkt, 0x55, sizeof (pkt));
    pkt[0] = (guint8) b;
    fail_unless_equals_int (mikey_packet_classify (pkt, sizeof (pkt)), want);
  }
}

GST_END_TEST;

GST_START_TEST (test_lengths)
{
  guint8 pkt[16] = { 0x01, 0x00, 0x02, 0x07, 0xde, 0xad, 0xbe, 0xef };

  fail_unless_equals_int (mikey_packet_classify (NULL, 0), MIKEY_PACKET_OTHER);
  fail_unless_equals_int (mikey_packet_classify (pkt, 0), MIKEY_PACKET_OTHER);
  /* shorter than a common header: not MIKEY */
  fail_unless_equals_int (mikey_packet_classify (pkt, 1), MIKEY_PACKET_OTHER);
  fail_unless_equals_int (mikey_packet_classify (pkt, MIKEY_DEMUX_MIN_HDR - 1),
      MIKEY_PACKET_OTHER);
  fail_unless_equals_int (mikey_packet_classify (pkt, MIKEY_DEMUX_MIN_HDR),
      MIKEY_PACKET_MIKEY);
  /* one byte of RTP is still RTP's (srtpdec refuses it) */
  pkt[0] = 0x80;
  fail_unless_equals_int (mikey_packet_classify (pkt, 1), MIKEY_PACKET_RTP);
}

GST_END_TEST;

/* A STUN message (RFC 5389: first byte 0..3, magic cookie at 4..7) is
 * never MIKEY, even with first byte 1 */
GST_START_TEST (test_stun)
{
  guint8 stun[20] = { 0x01, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };

  fail_unless_equals_int (mikey_packet_classify (stun, sizeof (stun)),
      MIKEY_PACKET_STUN);
  stun[0] = 0x00;
  fail_unless_equals_int (mikey_packet_classify (stun, sizeof (stun)),
      MIKEY_PACKET_STUN);
  stun[7] = 0x43;
  fail_unless_equals_int (mikey_packet_classify (stun, sizeof (stun)),
      MIKEY_PACKET_OTHER);
  fail_unless_equals_string (mikey_packet_kind_name (MIKEY_PACKET_STUN),
      "STUN");
}

GST_END_TEST;

/* What the initiator sends is classified as MIKEY */
GST_START_TEST (test_real_message)
{
  static const guint8 psk[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
    14, 15, 16
  };
  MikeyInitiatorConfig cfg = { 0, };
  MikeyInitiator *init;
  GBytes *msg;
  gsize len;
  const guint8 *data;

  cfg.mode = MIKEY_MODE_PSK;
  cfg.psk = psk;
  cfg.psk_len = sizeof (psk);
  init = mikey_initiator_new (&cfg, NULL);
  fail_unless (init != NULL);
  msg = mikey_initiator_start (init, g_get_real_time (), NULL);
  fail_unless (msg != NULL);
  data = g_bytes_get_data (msg, &len);
  fail_unless_equals_int (mikey_packet_classify (data, len),
      MIKEY_PACKET_MIKEY);
  fail_unless_equals_string (mikey_packet_kind_name (MIKEY_PACKET_MIKEY),
      "MIKEY");
  g_bytes_unref (msg);
  mikey_initiator_free (init);
}

GST_END_TEST;

static Suite *
demux_suite (void)
{
  Suite *s = suite_create ("demux");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_first_byte);
  tcase_add_test (tc, test_lengths);
  tcase_add_test (tc, test_stun);
  tcase_add_test (tc, test_real_message);
  return s;
}

GST_CHECK_MAIN (demux);
