/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM protocol library: the TEK schedule as pure functions of a group's
 * settings and "now" (docs/mmkm-protocol.md, "TEK schedule"): activation
 * times, the current TEK, each member's spread fetch time, forced re-keys
 * and their coalescing, and the rate limit on fetches for unknown MKIs.
 * All times are gint64 microseconds of one clock; nothing here reads a
 * clock, and no input (a clock gone back, a huge value) overflows. */
#pragma once

#include <glib.h>

#include "mmkm-heartbeat.h"

G_BEGIN_DECLS
#define MMKM_SECOND G_GINT64_CONSTANT (1000000)
#define MMKM_DEFAULT_PERIOD (24 * 3600 * MMKM_SECOND)
#define MMKM_MAX_DEFAULT_FETCH_WINDOW (3600 * MMKM_SECOND)
#define MMKM_DEFAULT_PROPAGATION_DELAY (2 * MMKM_SECOND)
/* the key of the spread hash: a server secret */
#define MMKM_SPREAD_KEY_LEN 32
    typedef struct
{
  /* P: time between regular activations, > 0 */
  gint64 period;
  /* W: the next TEK can be fetched this long before it activates,
   * 0 < W <= P */
  gint64 fetch_window;
  /* fetch times end this long before the activation, leaving time for a
   * retry: 0 <= margin < W */
  gint64 margin;
  /* D: a forced TEK activates this long after the leave, >= 0 */
  gint64 propagation_delay;
  /* A(0), the activation of the group's first TEK */
  gint64 epoch;
} MmkmSchedule;

/* P = 24 h, W = min (P / 8, 1 h) = 1 h, margin = W / 8, D = 2 s. */
void mmkm_schedule_init (MmkmSchedule * s, gint64 epoch);
/* MMKM_ERROR_INVALID unless the ranges above hold. Every other function
 * expects a valid schedule. */
gboolean mmkm_schedule_validate (const MmkmSchedule * s, GError ** error);

/* A(n) = epoch + n * P. FALSE when that is beyond G_MAXINT64. */
gboolean mmkm_schedule_activation (const MmkmSchedule * s, guint64 n,
    gint64 * activation);
/* The regular TEK current at @t: the largest n with A(n) <= t. FALSE
 * (and *n = 0) before the epoch, when no TEK is active yet. */
gboolean mmkm_schedule_current (const MmkmSchedule * s, gint64 t, guint64 * n);

/* spread (m, n) = u mod (W - margin), u the first 8 bytes (big-endian) of
 * HMAC-SHA-256 (spread key, session id ‖ MKI of TEK n as 4 bytes
 * big-endian). Uniform over [0, W - margin) up to a bias below
 * (W - margin) / 2^64, and unpredictable without the server's key. */
gboolean mmkm_schedule_spread (const MmkmSchedule * s,
    const guint8 spread_key[MMKM_SPREAD_KEY_LEN],
    const guint8 session_id[MMKM_SESSION_ID_LEN], guint32 mki,
    gint64 * spread, GError ** error);
/* The member's time to fetch TEK n + 1, sent to it with TEK n (whose MKI
 * is @mki): A(n + 1) - W + spread (m, n). MMKM_ERROR_INVALID when
 * A(n + 1) overflows. */
gboolean mmkm_schedule_fetch_time (const MmkmSchedule * s,
    const guint8 spread_key[MMKM_SPREAD_KEY_LEN],
    const guint8 session_id[MMKM_SESSION_ID_LEN], guint32 mki, guint64 n,
    gint64 * fetch_time, GError ** error);

/* A forced re-key (leave, death, removal) in progress. Zero-initialised:
 * none. */
typedef struct
{
  gboolean pending;
  /* the first leave it covers */
  gint64 first;
  /* when its TEK activates */
  gint64 activation;
} MmkmRekey;

/* A leave at @now asks for a forced re-key; returns when its TEK
 * activates. With no re-key pending: now + D. While one is pending (its
 * TEK not active yet), the leave joins it: one activation, one switch for
 * the sender, at max (pending activation, now + D) so that the remaining
 * members get D to fetch, but never later than first + 2 D, so that a
 * stream of leaves cannot postpone the re-key. The caller draws a fresh
 * TEK (key and MKI) for every leave all the same, replacing the pending
 * one: the leaver may have fetched it. @coalesced (may be NULL) says
 * whether the leave joined a pending re-key. A clock gone back counts as
 * the time of the pending re-key's first leave. */
gint64 mmkm_rekey_request (const MmkmSchedule * s, MmkmRekey * r,
    gint64 now, gboolean * coalesced);
/* Called when the forced TEK activated: the next leave starts a new one. */
void mmkm_rekey_done (MmkmRekey * r);

/* A token bucket: @burst fetches at once, then one per @refill. Pure:
 * the caller passes "now", the bucket answers. */
typedef struct
{
  gint64 refill;
  guint burst;
  /* credit in microseconds of refill time, at most burst * refill */
  gint64 credit;
  gint64 last;
} MmkmTokenBucket;

/* Full at @now. @refill > 0, @burst >= 1. */
void mmkm_token_bucket_init (MmkmTokenBucket * b, guint burst, gint64 refill,
    gint64 now);
/* Takes a token if there is one. A clock gone back adds no credit (the
 * bucket restarts counting from the earlier time). */
gboolean mmkm_token_bucket_take (MmkmTokenBucket * b, gint64 now);

/* Defaults for the unknown-MKI fetch: 3 at once, then one per 10 s. */
#define MMKM_UNKNOWN_MKI_BURST 3
#define MMKM_UNKNOWN_MKI_REFILL (10 * MMKM_SECOND)

/* A member saw a packet with an MKI it does not hold (@known FALSE):
 * fetch now? Only if a token is left: anyone on the multicast network can
 * send packets with made-up MKIs (they cannot be authenticated without
 * the TEK), and these must not make every member hit the server. Never
 * for a known MKI, and not while a fetch is already under way. */
gboolean mmkm_schedule_fetch_unknown_mki (MmkmTokenBucket * b,
    gboolean known, gboolean fetching, gint64 now);

G_END_DECLS
