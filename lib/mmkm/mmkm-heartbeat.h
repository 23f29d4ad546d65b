/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM protocol library: the 76-byte authenticated heartbeat, BYE and ACK
 * datagram (docs/mmkm-protocol.md, "Heartbeats and BYE"), its key, its
 * per-session and per-direction replay window, and the liveness rule.
 * Sans-I/O: bytes and "now" in, verdicts and deadlines out. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS
#define MMKM_HB_LEN 76
#define MMKM_HB_MAC_OFFSET 44
#define MMKM_HB_MAC_LEN 32
#define MMKM_HB_VERSION 1
#define MMKM_SESSION_ID_LEN 16
#define MMKM_HB_KEY_LEN 32
/* the label fed to the MIKEY PRF: these 14 ASCII bytes, no terminator */
#define MMKM_HB_KEY_LABEL "MMKM heartbeat"
/* sequence numbers below the highest one seen that are still told apart */
#define MMKM_HB_WINDOW 64
    typedef enum
{
  MMKM_HB_HEARTBEAT = 1,
  MMKM_HB_BYE = 2,
  MMKM_HB_ACK = 3,
} MmkmHbType;

/* Which types a receiver takes: the server takes heartbeats and BYEs from
 * members, a member takes only ACKs, so a datagram reflected back to its
 * sender is refused as malformed before any key is used. */
#define MMKM_HB_TYPE_BIT(t) (1u << (t))
#define MMKM_HB_FROM_MEMBER \
  (MMKM_HB_TYPE_BIT (MMKM_HB_HEARTBEAT) | MMKM_HB_TYPE_BIT (MMKM_HB_BYE))
#define MMKM_HB_FROM_SERVER (MMKM_HB_TYPE_BIT (MMKM_HB_ACK))

/* ACK flag: a new TEK is ready, fetch it */
#define MMKM_HB_FLAG_FETCH 0x0001
/* the flags a sender may set per type; any other bit is malformed */
#define MMKM_HB_ACK_FLAGS MMKM_HB_FLAG_FETCH

/* The fields of a datagram, all but the MAC. */
typedef struct
{
  MmkmHbType type;
  guint16 flags;
  guint8 session_id[MMKM_SESSION_ID_LEN];
  /* 1, 2, 3 ... per session and direction; 0 is never sent */
  guint64 seq;
  /* the sender's clock, NTP 64-bit (informational: freshness comes from
   * the sequence number, not from clocks) */
  guint64 ntp_time;
  /* ACK: the MKI in use; 0 in heartbeats and BYEs */
  guint32 mki;
} MmkmHeartbeat;

/* The session's heartbeat key. Wipe with mmkm_hb_key_clear(). */
typedef struct
{
  guint8 bytes[MMKM_HB_KEY_LEN];
} MmkmHbKey;

/* Replay state of one session in one direction. Zero-initialised (or
 * mmkm_hb_window_init()) it has seen nothing. */
typedef struct
{
  /* the highest sequence number accepted (0: none yet) */
  guint64 highest;
  /* bit i set: highest - i was accepted (bit 0 is highest itself) */
  guint64 bitmap;
} MmkmHbWindow;

/* key = PRF (KEK, MMKM_HB_KEY_LABEL), 32 bytes, with the MIKEY-1 PRF of
 * RFC 3830 4.1.2 (mikey_prf()): inkey = the 32-byte KEK, label = the 14
 * ASCII bytes "MMKM heartbeat" (4D 4D 4B 4D 20 68 65 61 72 74 62 65 61 74),
 * no length prefix, no NUL. An empty KEK is MMKM_ERROR_INVALID. */
gboolean mmkm_hb_key_derive (const guint8 * kek, gsize kek_len,
    MmkmHbKey * key, GError ** error);
void mmkm_hb_key_clear (MmkmHbKey * key);

/* Writes @hb as a datagram into @out (MMKM_HB_LEN bytes). Refuses
 * (MMKM_ERROR_INVALID) what a receiver would refuse as malformed: an
 * unknown type, seq 0, flags not defined for the type, an MKI outside
 * ACKs. */
gboolean mmkm_hb_encode (const MmkmHbKey * key, const MmkmHeartbeat * hb,
    guint8 out[MMKM_HB_LEN], GError ** error);

/* The checks that need no key: exact length, magic, version, a type in
 * @types (MMKM_HB_TYPE_BIT mask), flags, MKI, seq != 0; then copies the
 * (still unauthenticated) session id to @session_id so that the caller
 * can find the session's key. MMKM_ERROR_MALFORMED otherwise. */
gboolean mmkm_hb_peek (const guint8 * data, gsize len, guint types,
    guint8 session_id[MMKM_SESSION_ID_LEN], GError ** error);

/* mmkm_hb_peek(), then: @key NULL (the caller found no session) or a
 * session id other than @session_id gives MMKM_ERROR_UNKNOWN_SESSION; the
 * HMAC is compared in constant time (MMKM_ERROR_BAD_MAC). Fills @out
 * (may be NULL) only on success. No replay check: see mmkm_hb_accept(). */
gboolean mmkm_hb_decode (const MmkmHbKey * key,
    const guint8 session_id[MMKM_SESSION_ID_LEN], guint types,
    const guint8 * data, gsize len, MmkmHeartbeat * out, GError ** error);

/* mmkm_hb_decode(), then the replay window: MMKM_ERROR_REPLAY for a
 * sequence number already accepted, MMKM_ERROR_TOO_OLD for one
 * MMKM_HB_WINDOW or more below the highest. @window changes only when the
 * datagram is accepted (TRUE). */
gboolean mmkm_hb_accept (const MmkmHbKey * key,
    const guint8 session_id[MMKM_SESSION_ID_LEN], guint types,
    MmkmHbWindow * window, const guint8 * data, gsize len,
    MmkmHeartbeat * out, GError ** error);

void mmkm_hb_window_init (MmkmHbWindow * window);
/* The window's verdict on @seq without changing it (TRUE: new). */
gboolean mmkm_hb_window_check (const MmkmHbWindow * window, guint64 seq,
    GError ** error);
/* Records @seq, which mmkm_hb_window_check() found new. */
void mmkm_hb_window_update (MmkmHbWindow * window, guint64 seq);

/* Liveness (all times in microseconds of one clock, the receiver's): a
 * member heard last at @last_heard is expected every @interval; it is
 * dead once @misses heartbeats in a row are missing, a heartbeat counting
 * as missed when half an interval has passed after it was due (so a
 * heartbeat delayed by network jitter is not a miss):
 *   dead at  last_heard + misses * interval + interval / 2.
 * @interval must be > 0 and @misses >= 1. A clock that went back (@now
 * before @last_heard) keeps the member alive. */
gboolean mmkm_liveness_alive (gint64 last_heard, gint64 interval,
    guint misses, gint64 now);
/* The time at which the member becomes dead unless heard again: the
 * timer owner's next check. Saturates at G_MAXINT64. */
gint64 mmkm_liveness_deadline (gint64 last_heard, gint64 interval,
    guint misses);

G_END_DECLS
