/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the MMKM heartbeat datagram (lib/mmkm/
 * mmkm-heartbeat.c).
 *
 * Properties checked on every input:
 *  - as a datagram (key and session of tests/check's test vector: KEK
 *    00..1f, session a0..af): peek and decode either fail with an
 *    MMKM_ERROR of a refusal class, or accept, and then the fields encode
 *    back to exactly the input bytes;
 *  - its first 44 bytes with a correct HMAC appended (so that the fuzzer
 *    gets past the MAC): refused only as malformed, or accepted and
 *    re-encoded exactly;
 *  - read as big-endian 64-bit sequence numbers, the replay window agrees
 *    with a plain model (every number accepted once, none 64 or more
 *    below the highest, never 0) and moves only on acceptance.
 * A violation aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mmkm-error.h"
#include "mmkm-heartbeat.h"
#include "mmkm-hmac.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

#define ALL_TYPES (MMKM_HB_FROM_MEMBER | MMKM_HB_FROM_SERVER)

static MmkmHbKey key;
static guint8 session[MMKM_SESSION_ID_LEN];

static void
check (int ok, const char *what)
{
  if (!ok) {
    g_printerr ("fuzz-heartbeat: property violated: %s\n", what);
    abort ();
  }
}

static void
check_refusal (GError * err, gboolean malformed_only)
{
  check (err != NULL && err->domain == MMKM_ERROR, "refusal outside MMKM");
  if (malformed_only)
    check (err->code == MMKM_ERROR_MALFORMED, "authentic but not malformed");
  else
    check (err->code == MMKM_ERROR_MALFORMED
        || err->code == MMKM_ERROR_UNKNOWN_SESSION
        || err->code == MMKM_ERROR_BAD_MAC, "refusal of another class");
  g_error_free (err);
}

static void
check_decode (const guint8 * data, gsize size,
    const guint8 sid[MMKM_SESSION_ID_LEN], gboolean authentic)
{
  guint8 again[MMKM_HB_LEN], peeked[MMKM_SESSION_ID_LEN];
  MmkmHeartbeat hb;
  GError *err = NULL;
  gboolean peek_ok;

  peek_ok = mmkm_hb_peek (data, size, ALL_TYPES, peeked, &err);
  if (!peek_ok)
    check_refusal (g_steal_pointer (&err), TRUE);

  if (!mmkm_hb_decode (&key, sid, ALL_TYPES, data, size, &hb, &err)) {
    check (!authentic || !peek_ok, "authentic, structurally valid, refused");
    check_refusal (err, authentic);
    return;
  }
  check (peek_ok, "decoded what peek refused");
  check (memcmp (peeked, sid, MMKM_SESSION_ID_LEN) == 0, "peek's session");
  check (size == MMKM_HB_LEN, "accepted a wrong length");
  check (mmkm_hb_encode (&key, &hb, again, NULL), "decoded, not encodable");
  check (memcmp (again, data, MMKM_HB_LEN) == 0, "no exact round trip");
}

/* The window against a model: the accepted numbers, kept in a table */
static void
check_window (const guint8 * data, gsize size)
{
  MmkmHbWindow w = { 0, };
  GHashTable *seen = g_hash_table_new_full (g_int64_hash, g_int64_equal,
      g_free, NULL);
  guint64 highest = 0;
  gsize off;

  for (off = 0; off + 8 <= size; off += 8) {
    guint64 seq = 0, *k;
    MmkmHbWindow before = w;
    GError *err = NULL;
    gboolean model, ok;
    guint i;

    for (i = 0; i < 8; i++)
      seq = seq << 8 | data[off + i];
    /* small steps too, or the fuzzer would rarely land in the window */
    if (data[off] & 0x80)
      seq = highest - (seq & 0x7f) + 16;

    model = seq != 0 && (seq > highest || (highest - seq < MMKM_HB_WINDOW
            && !g_hash_table_contains (seen, &seq)));
    ok = mmkm_hb_window_check (&w, seq, &err);
    check (ok == model, "window disagrees with the model");
    if (!ok) {
      check (err != NULL && err->domain == MMKM_ERROR, "window error");
      g_error_free (err);
      check (memcmp (&before, &w, sizeof (w)) == 0, "refusal moved window");
      continue;
    }
    mmkm_hb_window_update (&w, seq);
    k = g_new (guint64, 1);
    *k = seq;
    g_hash_table_add (seen, k);
    highest = MAX (highest, seq);
    check (w.highest == highest && (w.bitmap & 1), "window's highest");
  }
  g_hash_table_unref (seen);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  guint8 kek[32];
  guint i;

  /* a g_return_if_fail() hit is a bug too */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  for (i = 0; i < sizeof (kek); i++)
    kek[i] = i;
  for (i = 0; i < MMKM_SESSION_ID_LEN; i++)
    session[i] = 0xa0 + i;
  if (!mmkm_hb_key_derive (kek, sizeof (kek), &key, NULL))
    abort ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  guint8 signed_dg[MMKM_HB_LEN];

  check_decode (data, size, session, FALSE);

  if (size >= MMKM_HB_MAC_OFFSET) {
    memcpy (signed_dg, data, MMKM_HB_MAC_OFFSET);
    check (mmkm_hmac_sha256 (key.bytes, sizeof (key.bytes), signed_dg,
            MMKM_HB_MAC_OFFSET, NULL, 0, signed_dg + MMKM_HB_MAC_OFFSET,
            NULL), "HMAC");
    /* its own session id: only the structure can be refused */
    check_decode (signed_dg, sizeof (signed_dg), signed_dg + 8, TRUE);
  }

  check_window (data, size);
  return 0;
}
