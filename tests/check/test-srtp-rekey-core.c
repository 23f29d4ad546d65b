/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/srtp-rekey's sans-I/O part: the MKI in SRTP/SRTCP packets built by
 * hand (CSRCs, header extensions, every suite, truncations) and the key
 * ring. test-srtp-rekey checks the same offsets on srtpenc's output. */
#include <gst/check/gstcheck.h>
#include <string.h>

#include "srtp-rekey-packet.h"
#include "srtp-rekey-ring.h"

static const guint8 MKI[4] = { 0xde, 0xad, 0xbe, 0xef };

/* header (12 + 4 * cc + extension) | payload | MKI | tag, or for GCM
 * header | payload + 16 | MKI */
static gsize
build_srtp (guint8 * out, const SrtpRekeyPolicy * p, guint cc,
    guint ext_words, gsize payload)
{
  gsize n = 0, i;

  out[n++] = 0x80 | (ext_words > 0 ? 0x10 : 0) | cc;
  out[n++] = 96;
  out[n++] = 0x12;
  out[n++] = 0x34;
  memset (out + n, 0x11, 4);
  n += 4;
  out[n++] = 0xca;
  out[n++] = 0xfe;
  out[n++] = 0xba;
  out[n++] = 0xbe;
  for (i = 0; i < cc; i++, n += 4)
    memset (out + n, 0x22, 4);
  if (ext_words > 0) {
    out[n++] = 0xbe;
    out[n++] = 0xde;
    out[n++] = 0;
    out[n++] = ext_words;
    memset (out + n, 0x33, 4 * ext_words);
    n += 4 * ext_words;
  }
  memset (out + n, 0x44, payload + (p->aead ? p->rtp_tag_len : 0));
  n += payload + (p->aead ? p->rtp_tag_len : 0);
  memcpy (out + n, MKI, p->mki_len);
  n += p->mki_len;
  if (!p->aead) {
    memset (out + n, 0x55, p->rtp_tag_len);
    n += p->rtp_tag_len;
  }
  return n;
}

static gsize
build_srtcp (guint8 * out, const SrtpRekeyPolicy * p, gsize body,
    guint32 index, gboolean e)
{
  gsize n = 0;
  guint32 word = (e ? 0x80000000u : 0) | index;

  out[n++] = 0x80;
  out[n++] = 200;
  out[n++] = 0;
  out[n++] = 6;
  out[n++] = 0x01;
  out[n++] = 0x02;
  out[n++] = 0x03;
  out[n++] = 0x04;
  memset (out + n, 0x66, body + (p->aead ? p->rtcp_tag_len : 0));
  n += body + (p->aead ? p->rtcp_tag_len : 0);
  out[n++] = word >> 24;
  out[n++] = word >> 16;
  out[n++] = word >> 8;
  out[n++] = word;
  memcpy (out + n, MKI, p->mki_len);
  n += p->mki_len;
  if (!p->aead) {
    memset (out + n, 0x77, p->rtcp_tag_len);
    n += p->rtcp_tag_len;
  }
  return n;
}

GST_START_TEST (test_srtp_mki_every_suite)
{
  SrtpRekeySuite suite;

  for (suite = SRTP_REKEY_AES_CM_128_HMAC_SHA1_80;
      suite <= SRTP_REKEY_AEAD_AES_256_GCM; suite++) {
    SrtpRekeyPolicy p;
    guint8 pkt[512];
    SrtpRekeyPacketInfo info;
    guint cc, ext;
    gsize len, cut;

    fail_unless (srtp_rekey_policy_init (&p, suite, 4, FALSE));
    for (cc = 0; cc <= 15; cc += 5) {
      for (ext = 0; ext <= 3; ext += 3) {
        len = build_srtp (pkt, &p, cc, ext, 20);
        fail_unless_equals_int (srtp_rekey_srtp_find_mki (pkt, len, &p,
                &info), SRTP_REKEY_PACKET_OK);
        fail_unless (memcmp (pkt + info.mki_offset, MKI, 4) == 0);
        fail_unless_equals_int (info.ssrc, 0xcafebabe);
        fail_unless_equals_int (info.seq, 0x1234);
        fail_unless_equals_int (info.header_len, 12 + 4 * cc +
            (ext ? 4 + 4 * ext : 0));
        fail_if (info.is_rtcp);
        fail_if (srtp_rekey_packet_is_rtcp (pkt, len));

        /* an empty payload is fine, one byte less than headers + MKI +
         * tag is not, nor is any shorter cut */
        len = build_srtp (pkt, &p, cc, ext, 0);
        fail_unless_equals_int (srtp_rekey_packet_find_mki (pkt, len, &p,
                &info), SRTP_REKEY_PACKET_OK);
        for (cut = 0; cut < len; cut++)
          fail_unless_equals_int (srtp_rekey_srtp_find_mki (pkt, cut, &p,
                  &info), SRTP_REKEY_PACKET_TRUNCATED);
      }
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_srtp_bad_headers)
{
  SrtpRekeyPolicy p;
  guint8 pkt[64];
  SrtpRekeyPacketInfo info;
  gsize len;

  fail_unless (srtp_rekey_policy_init (&p, SRTP_REKEY_AES_CM_128_HMAC_SHA1_80,
          4, FALSE));
  len = build_srtp (pkt, &p, 0, 0, 10);
  pkt[0] = 0x40;
  fail_unless_equals_int (srtp_rekey_srtp_find_mki (pkt, len, &p, &info),
      SRTP_REKEY_PACKET_NOT_RTP);
  /* 15 CSRCs claimed, none there */
  pkt[0] = 0x8f;
  fail_unless_equals_int (srtp_rekey_srtp_find_mki (pkt, 30, &p, &info),
      SRTP_REKEY_PACKET_TRUNCATED);
  /* an extension of 0xffff words */
  len = build_srtp (pkt, &p, 0, 1, 10);
  pkt[14] = 0xff;
  pkt[15] = 0xff;
  fail_unless_equals_int (srtp_rekey_srtp_find_mki (pkt, len, &p, &info),
      SRTP_REKEY_PACKET_TRUNCATED);
  /* an extension header cut short */
  fail_unless_equals_int (srtp_rekey_srtp_find_mki (pkt, 14, &p, &info),
      SRTP_REKEY_PACKET_TRUNCATED);
  fail_unless_equals_int (srtp_rekey_packet_find_mki (pkt, 0, &p, &info),
      SRTP_REKEY_PACKET_TRUNCATED);
  fail_unless (srtp_rekey_packet_result_to_string
      (SRTP_REKEY_PACKET_TRUNCATED) != NULL);
}

GST_END_TEST;

GST_START_TEST (test_srtcp_mki)
{
  SrtpRekeySuite suite;

  for (suite = SRTP_REKEY_AES_CM_128_HMAC_SHA1_80;
      suite <= SRTP_REKEY_AEAD_AES_256_GCM; suite++) {
    gboolean tag32;

    for (tag32 = FALSE; tag32 <= TRUE; tag32++) {
      SrtpRekeyPolicy p;
      guint8 pkt[256];
      SrtpRekeyPacketInfo info;
      gsize len, cut;

      fail_unless (srtp_rekey_policy_init (&p, suite, 4, tag32));
      len = build_srtcp (pkt, &p, 20, 0x1234567, TRUE);
      fail_unless (srtp_rekey_packet_is_rtcp (pkt, len));
      fail_unless_equals_int (srtp_rekey_packet_find_mki (pkt, len, &p,
              &info), SRTP_REKEY_PACKET_OK);
      fail_unless (info.is_rtcp);
      fail_unless (memcmp (pkt + info.mki_offset, MKI, 4) == 0);
      fail_unless_equals_int (info.ssrc, 0x01020304);
      fail_unless (info.encrypted);
      fail_unless_equals_int (info.srtcp_index, 0x1234567);

      len = build_srtcp (pkt, &p, 0, 5, FALSE);
      fail_unless_equals_int (srtp_rekey_srtcp_find_mki (pkt, len, &p,
              &info), SRTP_REKEY_PACKET_OK);
      fail_if (info.encrypted);
      fail_unless_equals_int (info.srtcp_index, 5);
      for (cut = 0; cut < len; cut++)
        fail_unless_equals_int (srtp_rekey_srtcp_find_mki (pkt, cut, &p,
                &info), SRTP_REKEY_PACKET_TRUNCATED);
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_policy)
{
  SrtpRekeyPolicy p;

  /* the _32 suites: SRTCP keeps the 80-bit tag (RFC 4568) unless the
   * SRTCP auth is hmac-sha1-32 as well */
  fail_unless (srtp_rekey_policy_init (&p, SRTP_REKEY_AES_CM_128_HMAC_SHA1_32,
          4, FALSE));
  fail_unless_equals_int (p.rtp_tag_len, 4);
  fail_unless_equals_int (p.rtcp_tag_len, 10);
  fail_unless_equals_string (srtp_rekey_policy_rtcp_auth_nick (&p),
      "hmac-sha1-80");
  fail_unless (srtp_rekey_policy_from_nicks (&p, "aes-256-icm",
          "hmac-sha1-32", "aes-256-icm", "hmac-sha1-32", 2));
  fail_unless_equals_int (p.suite, SRTP_REKEY_AES_256_CM_HMAC_SHA1_32);
  fail_unless_equals_int (p.rtcp_tag_len, 4);
  fail_unless_equals_int (p.key_salt_len, 46);
  fail_unless (srtp_rekey_policy_from_nicks (&p, "aes-128-gcm", "null",
          "aes-128-gcm", "null", 4));
  fail_unless (p.aead);
  fail_unless_equals_int (p.key_salt_len, 28);
  fail_unless_equals_string (srtp_rekey_policy_rtp_auth_nick (&p), "null");
  fail_unless (srtp_rekey_policy_from_nicks (&p, "aes-256-gcm", "null",
          "aes-256-gcm", "null", 4));
  fail_unless_equals_int (p.key_salt_len, 44);
  fail_unless_equals_string (srtp_rekey_policy_cipher_nick (&p), "aes-256-gcm");

  fail_if (srtp_rekey_policy_from_nicks (&p, "null", "hmac-sha1-80",
          "null", "hmac-sha1-80", 4));
  fail_if (srtp_rekey_policy_from_nicks (&p, "aes-128-icm", "null",
          "aes-128-icm", "hmac-sha1-80", 4));
  fail_if (srtp_rekey_policy_from_nicks (&p, "aes-128-icm", "hmac-sha1-80",
          "aes-256-icm", "hmac-sha1-80", 4));
  fail_if (srtp_rekey_policy_from_nicks (&p, "aes-128-icm", "hmac-sha1-80",
          "aes-128-icm", "hmac-sha1-32", 4));
  fail_if (srtp_rekey_policy_from_nicks (&p, NULL, NULL, NULL, NULL, 4));
  fail_if (srtp_rekey_policy_init (&p, SRTP_REKEY_AES_CM_128_HMAC_SHA1_80,
          0, FALSE));
  fail_if (srtp_rekey_policy_init (&p, SRTP_REKEY_AES_CM_128_HMAC_SHA1_80,
          129, FALSE));
  fail_unless (srtp_rekey_policy_init (&p, SRTP_REKEY_AES_CM_128_HMAC_SHA1_80,
          128, FALSE));
}

GST_END_TEST;

static void
key_of (guint k, guint8 * key, guint8 * mki)
{
  memset (key, k, 30);
  mki[0] = 0;
  mki[1] = k;
}

GST_START_TEST (test_ring)
{
  SrtpRekeyPolicy p;
  SrtpRekeyRing *ring;
  guint8 key[30], mki[2], other[30];
  const SrtpRekeyKey *sel[16];
  const SrtpRekeyKey *k;
  guint i, n;

  fail_unless (srtp_rekey_policy_init (&p, SRTP_REKEY_AES_CM_128_HMAC_SHA1_80,
          2, FALSE));
  fail_unless (srtp_rekey_ring_new (&p, 0) == NULL);
  fail_unless (srtp_rekey_ring_new (&p, SRTP_REKEY_RING_MAX + 1) == NULL);
  ring = srtp_rekey_ring_new (&p, 4);
  fail_unless (ring != NULL);
  fail_unless (srtp_rekey_ring_active (ring, 0) == NULL);

  for (i = 1; i <= 4; i++) {
    key_of (i, key, mki);
    fail_unless_equals_int (srtp_rekey_ring_add (ring, mki, 2, key, 30,
            i * 1000, i == 1, 7), SRTP_REKEY_RING_OK);
  }
  key_of (5, key, mki);
  fail_unless_equals_int (srtp_rekey_ring_add (ring, mki, 2, key, 30, 5000,
          FALSE, 0), SRTP_REKEY_RING_FULL);
  fail_unless_equals_int (srtp_rekey_ring_add (ring, mki, 1, key, 30, 5000,
          FALSE, 0), SRTP_REKEY_RING_BAD_MKI);
  fail_unless_equals_int (srtp_rekey_ring_add (ring, mki, 2, key, 46, 5000,
          FALSE, 0), SRTP_REKEY_RING_BAD_KEY);
  /* a known MKI: same key updates, another key is refused */
  key_of (2, key, mki);
  memset (other, 0x99, sizeof (other));
  fail_unless_equals_int (srtp_rekey_ring_add (ring, mki, 2, other, 30,
          2000, FALSE, 0), SRTP_REKEY_RING_MKI_REUSED);
  fail_unless_equals_int (srtp_rekey_ring_add (ring, mki, 2, key, 30,
          2500, TRUE, 3), SRTP_REKEY_RING_OK);
  k = srtp_rekey_ring_lookup (ring, mki, 2);
  fail_unless (k != NULL && k->activation_us == 2500 && k->has_roc &&
      k->roc == 3);
  fail_unless (srtp_rekey_ring_lookup (ring, mki, 1) == NULL);

  /* active: latest activation at or before now */
  fail_unless (srtp_rekey_ring_active (ring, 999) == NULL);
  fail_unless_equals_int (srtp_rekey_ring_active (ring, 2499)->mki[1], 1);
  fail_unless_equals_int (srtp_rekey_ring_active (ring, 3000)->mki[1], 3);

  /* srtpdec's keys: current, previous, then the next ones */
  key_of (3, key, mki);
  {
    guint8 prev[2] = { 0, 2 };

    n = srtp_rekey_ring_select (ring, mki, prev, 16, sel);
    fail_unless_equals_int (n, 3);
    fail_unless_equals_int (sel[0]->mki[1], 3);
    fail_unless_equals_int (sel[1]->mki[1], 2);
    fail_unless_equals_int (sel[2]->mki[1], 4);
    n = srtp_rekey_ring_select (ring, mki, prev, 1, sel);
    fail_unless_equals_int (n, 1);
    n = srtp_rekey_ring_select (ring, mki, NULL, 0, sel);
    fail_unless_equals_int (n, 1);
    prev[1] = 9;
    fail_unless_equals_int (srtp_rekey_ring_select (ring, prev, NULL, 16,
            sel), 0);
  }

  /* prune at 3000: keeps 3 (active), 2 (its predecessor) and 4 */
  fail_unless_equals_int (srtp_rekey_ring_prune (ring, 3000), 1);
  fail_unless_equals_int (srtp_rekey_ring_length (ring), 3);
  key_of (1, key, mki);
  fail_unless (srtp_rekey_ring_lookup (ring, mki, 2) == NULL);
  fail_unless_equals_int (srtp_rekey_ring_prune (ring, 3000), 0);
  fail_unless_equals_int (srtp_rekey_ring_prune (ring, 0), 0);

  key_of (4, key, mki);
  fail_unless (srtp_rekey_ring_remove (ring, mki, 2));
  fail_if (srtp_rekey_ring_remove (ring, mki, 2));
  fail_unless_equals_int (srtp_rekey_ring_length (ring), 2);
  fail_unless_equals_int (srtp_rekey_ring_capacity (ring), 4);
  fail_unless (srtp_rekey_ring_result_to_string (SRTP_REKEY_RING_FULL));
  srtp_rekey_ring_free (ring);
  srtp_rekey_ring_free (NULL);
}

GST_END_TEST;

static Suite *
srtp_rekey_core_suite (void)
{
  Suite *s = suite_create ("srtp-rekey-core");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_srtp_mki_every_suite);
  tcase_add_test (tc, test_srtp_bad_headers);
  tcase_add_test (tc, test_srtcp_mki);
  tcase_add_test (tc, test_policy);
  tcase_add_test (tc, test_ring);
  return s;
}

GST_CHECK_MAIN (srtp_rekey_core);
