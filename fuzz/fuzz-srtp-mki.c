/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for lib/srtp-rekey's sans-I/O part: the MKI location
 * in SRTP/SRTCP packets (srtp-rekey-packet.c) and the key ring
 * (srtp-rekey-ring.c).
 *
 * Input: byte 0 picks the suite (and the SRTCP tag of the _32 suites),
 * byte 1 the MKI length (1..128), byte 2 the mode; the rest is a packet
 * (modes 0-1) or a list of key ring operations (mode 2).
 *
 * Properties checked on every input:
 *  - a packet (copied to a buffer of exactly its size, so that ASan sees
 *    any read past it) is either refused, or its MKI lies after the
 *    headers (and, for GCM, the tag) and before the end, with room for
 *    the tag and, for SRTCP, the E+index word;
 *  - both entry points agree with the RTP/RTCP demultiplexer;
 *  - the key ring never holds more than its capacity; a key just added
 *    is found with its bytes; select() returns distinct keys, the current
 *    one first, never more than asked; prune() keeps the active key.
 * A violation aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "srtp-rekey-packet.h"
#include "srtp-rekey-ring.h"

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static void
check (int ok, const char *what)
{
  if (!ok) {
    g_printerr ("fuzz-srtp-mki: property violated: %s\n", what);
    abort ();
  }
}

static void
fuzz_packet (const SrtpRekeyPolicy * p, const guint8 * pkt, gsize len)
{
  guint8 *copy = g_malloc (len > 0 ? len : 1);
  SrtpRekeyPacketInfo a, b;
  SrtpRekeyPacketResult ra, rb;
  gboolean rtcp;

  memcpy (copy, pkt, len);
  rtcp = srtp_rekey_packet_is_rtcp (copy, len);
  ra = srtp_rekey_packet_find_mki (copy, len, p, &a);
  rb = rtcp ? srtp_rekey_srtcp_find_mki (copy, len, p, &b) :
      srtp_rekey_srtp_find_mki (copy, len, p, &b);
  check (ra == rb, "entry points disagree");
  check (srtp_rekey_packet_result_to_string (ra) != NULL, "no message");

  if (ra == SRTP_REKEY_PACKET_OK) {
    gsize tag = rtcp ? p->rtcp_tag_len : p->rtp_tag_len;
    gsize before = a.header_len + (p->aead ? tag : 0) + (rtcp ? 4 : 0);

    check (a.is_rtcp == rtcp, "RTCP flag");
    check (a.mki_offset + p->mki_len <= len, "MKI past the end");
    check (a.mki_offset >= before, "MKI inside the headers");
    check (len - a.mki_offset - p->mki_len == (p->aead ? 0 : tag),
        "tag length after the MKI");
    check (memcmp (&a, &b, sizeof (a)) == 0, "results differ");
    /* read it: ASan checks the bounds */
    {
      volatile guint sum = 0;
      gsize j;

      for (j = 0; j < p->mki_len; j++)
        sum += copy[a.mki_offset + j];
      (void) sum;
    }
  }
  g_free (copy);
}

static void
fuzz_ring (const SrtpRekeyPolicy * p, const guint8 * ops, gsize len)
{
  SrtpRekeyRing *ring = srtp_rekey_ring_new (p, 1 + (len > 0 ? ops[0] % 8 : 0));
  guint8 mki[SRTP_REKEY_MAX_MKI], key[SRTP_REKEY_MAX_KEY_SALT];
  const SrtpRekeyKey *sel[SRTP_REKEY_SRTPDEC_MAX_KEYS];
  gsize i = 1;

  check (ring != NULL, "ring");
  /* each operation: opcode, MKI seed, time */
  while (i + 3 <= len) {
    guint op = ops[i] % 5, seed = ops[i + 1];
    gint64 t = ops[i + 2] * 1000;
    const SrtpRekeyKey *k, *act;
    guint n, j, l;

    i += 3;
    memset (mki, seed, p->mki_len);
    memset (key, seed ^ 0x5a, p->key_salt_len);
    switch (op) {
      case 0:
        if (srtp_rekey_ring_add (ring, mki, p->mki_len, key, p->key_salt_len,
                t, seed & 1, seed) == SRTP_REKEY_RING_OK) {
          k = srtp_rekey_ring_lookup (ring, mki, p->mki_len);
          check (k != NULL && memcmp (k->key, key, p->key_salt_len) == 0 &&
              k->activation_us == t, "added key not found");
        }
        break;
      case 1:
        srtp_rekey_ring_remove (ring, mki, p->mki_len);
        check (srtp_rekey_ring_lookup (ring, mki, p->mki_len) == NULL,
            "removed key found");
        break;
      case 2:
        act = srtp_rekey_ring_active (ring, t);
        if (act != NULL)
          memcpy (mki, act->mki, p->mki_len);
        srtp_rekey_ring_prune (ring, t);
        if (act != NULL)
          check (srtp_rekey_ring_lookup (ring, mki, p->mki_len) != NULL,
              "prune removed the active key");
        break;
      default:{
        guint8 prev[SRTP_REKEY_MAX_MKI];

        memset (prev, seed + 1, p->mki_len);
        n = srtp_rekey_ring_select (ring, mki, prev, op == 3 ? seed : 2, sel);
        check (n <= SRTP_REKEY_SRTPDEC_MAX_KEYS, "too many keys");
        check (n == 0 || memcmp (sel[0]->mki, mki, p->mki_len) == 0,
            "current key not first");
        check ((n == 0) == (srtp_rekey_ring_lookup (ring, mki,
                    p->mki_len) == NULL), "select and lookup disagree");
        for (j = 0; j < n; j++)
          for (l = j + 1; l < n; l++)
            check (sel[j] != sel[l], "a key selected twice");
        break;
      }
    }
    check (srtp_rekey_ring_length (ring) <= srtp_rekey_ring_capacity (ring),
        "ring over capacity");
  }
  srtp_rekey_ring_free (ring);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  SrtpRekeyPolicy p;
  guint suite;

  if (size < 3)
    return 0;
  suite = data[0] % 6;
  if (!srtp_rekey_policy_init (&p, (SrtpRekeySuite) suite,
          1 + data[1] % SRTP_REKEY_MAX_MKI, (data[0] & 0x80) != 0))
    abort ();
  if (data[2] % 3 == 2)
    fuzz_ring (&p, data + 3, size - 3);
  else
    fuzz_packet (&p, data + 3, size - 3);
  return 0;
}
