/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A bounded key ring: SRTP master keys by MKI (sans-I/O, no GStreamer).
 *
 * Both sides of a re-keyed stream keep one: the sender to know which key
 * is due at a time, the receiver to find the key for a packet's MKI and
 * to choose which keys srtpdec must hold. Times are microseconds of a
 * clock the caller chooses; the ring never reads a clock. Keys are wiped
 * (OPENSSL_cleanse) when removed, replaced and freed. Not thread-safe:
 * the GStreamer glue locks around it.
 */
#pragma once

#include <glib.h>
#include "srtp-rekey-packet.h"

G_BEGIN_DECLS
#define SRTP_REKEY_RING_MAX 64  /* capacity limit */
#define SRTP_REKEY_SRTPDEC_MAX_KEYS 16  /* srtpdec: srtp-key .. srtp-key16 */
    typedef struct
{
  guint8 mki[SRTP_REKEY_MAX_MKI];
  gsize mki_len;
  guint8 key[SRTP_REKEY_MAX_KEY_SALT];  /* master key || master salt */
  gsize key_len;
  gint64 activation_us;
  /* the sender's ROC under this key as published for late joiners
   * (srtpenc restarts it at 0 with each new key) */
  gboolean has_roc;
  guint32 roc;
} SrtpRekeyKey;

typedef enum
{
  SRTP_REKEY_RING_OK,
  SRTP_REKEY_RING_BAD_MKI,      /* length differs from the policy's */
  SRTP_REKEY_RING_BAD_KEY,      /* length differs from the suite's key+salt */
  SRTP_REKEY_RING_FULL,
  SRTP_REKEY_RING_MKI_REUSED,   /* the MKI is known with another key */
} SrtpRekeyRingResult;

typedef struct _SrtpRekeyRing SrtpRekeyRing;

/* @capacity: 1 .. SRTP_REKEY_RING_MAX; NULL when out of range or the
 * policy has no MKI. */
SrtpRekeyRing *srtp_rekey_ring_new (const SrtpRekeyPolicy * policy,
    guint capacity);
void srtp_rekey_ring_free (SrtpRekeyRing * ring);

const SrtpRekeyPolicy *srtp_rekey_ring_get_policy (const SrtpRekeyRing * ring);
guint srtp_rekey_ring_length (const SrtpRekeyRing * ring);
guint srtp_rekey_ring_capacity (const SrtpRekeyRing * ring);

/* Adds a key, or updates activation time and ROC of a known MKI with the
 * same key (compared in constant time). */
SrtpRekeyRingResult srtp_rekey_ring_add (SrtpRekeyRing * ring,
    const guint8 * mki, gsize mki_len, const guint8 * key, gsize key_len,
    gint64 activation_us, gboolean has_roc, guint32 roc);

const SrtpRekeyKey *srtp_rekey_ring_lookup (const SrtpRekeyRing * ring,
    const guint8 * mki, gsize mki_len);

/* Wipes and removes; FALSE when unknown. */
gboolean srtp_rekey_ring_remove (SrtpRekeyRing * ring, const guint8 * mki,
    gsize mki_len);

/* The key with the latest activation at or before @now_us (NULL when none
 * is active yet). Ties: the one added last. */
const SrtpRekeyKey *srtp_rekey_ring_active (const SrtpRekeyRing * ring,
    gint64 now_us);

/* Removes (wiping) every key activated before the one that preceded the
 * active key: keeps the active key, its predecessor (packets still in
 * flight) and every key not yet active. Returns how many were removed. */
guint srtp_rekey_ring_prune (SrtpRekeyRing * ring, gint64 now_us);

/* The keys srtpdec must hold for a stream whose packets now carry
 * @current (which must be in the ring): @current first, then @previous
 * when known and different, then keys activated after @current in order
 * of activation, at most @max (clamped to 1 .. 16, srtpdec's limit; all
 * have the policy's MKI length, as srtpdec requires). Returns the count
 * written to @out (0 when @current is unknown). The pointers are valid
 * until the ring changes. */
guint srtp_rekey_ring_select (const SrtpRekeyRing * ring,
    const guint8 * current, const guint8 * previous, guint max,
    const SrtpRekeyKey ** out);

const gchar *srtp_rekey_ring_result_to_string (SrtpRekeyRingResult r);

G_END_DECLS
