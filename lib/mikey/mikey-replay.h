/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: replay protection (RFC 3830 5.4).
 *
 * A message is accepted once: its timestamp must lie within the allowed
 * clock skew of "now", and a digest of the message must not be in the
 * bounded cache of messages accepted within that window. For COUNTER
 * timestamps, which need no clock, the counter must grow per sender, the
 * sender being what authenticated the message (never its address).
 */
#pragma once

#include <glib.h>
#include "mikey-api.h"
#include "mikey-message.h"

G_BEGIN_DECLS

typedef struct _MikeyReplayCache MikeyReplayCache;

#define MIKEY_REPLAY_DEFAULT_SKEW_US (G_USEC_PER_SEC * 60)
#define MIKEY_REPLAY_DEFAULT_CAPACITY 1024

/* @capacity (0: MIKEY_REPLAY_DEFAULT_CAPACITY) bounds each of the cache's
 * two tables: the digests of messages accepted within the window, and the
 * senders whose last COUNTER is remembered. Neither ever grows beyond it
 * (under 200 bytes an entry). */
MIKEY_API
MikeyReplayCache *mikey_replay_cache_new (gint64 skew_us, guint capacity);
MIKEY_API
void mikey_replay_cache_free (MikeyReplayCache * cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MikeyReplayCache, mikey_replay_cache_free);

MIKEY_API
gint64 mikey_replay_cache_get_skew (const MikeyReplayCache * cache);
/* The allowed clock skew (the window is +/- @skew_us; 0 or less:
 * MIKEY_REPLAY_DEFAULT_SKEW_US). A smaller window makes entries leave the
 * digest table sooner; messages accepted before keep their entries. */
MIKEY_API
void mikey_replay_cache_set_skew (MikeyReplayCache * cache, gint64 skew_us);

/* Checks the T payload of @msg (whose wire form is @data/@len) against
 * @now_us; on success records it.
 *
 * @peer is the sender's authenticated identity: what the message's MAC or
 * signature proved (the key it holds, its verified IDi or certificate),
 * never a transport address, which anyone can spoof. A COUNTER must grow
 * per @peer. NULL means the message is not authenticated (MIKEY-NULL):
 * only the presence of a T payload is checked. Nothing is recorded, since
 * anyone could send a fresh message as well as replay an old one, and
 * such messages must not fill the tables that protect authenticated ones;
 * nor is the timestamp held to the window, since anyone could have set
 * it (the caller may report the skew: mikey_responder_get_clock_offset).
 *
 * Errors: MIKEY_ERROR_STALE (outside the window; never for @peer NULL), MIKEY_ERROR_REPLAY (the
 * same message accepted before, or a counter not above the last one from
 * @peer), MIKEY_ERROR_CACHE_FULL (a table is full: see below),
 * MIKEY_ERROR_INVALID (no T payload).
 *
 * When the digest table is full, entries whose timestamps have left the
 * window are evicted first; if none has, the message is refused
 * (CACHE_FULL) rather than forgetting a message that could still be
 * replayed. Counters are never evicted (a counter carries no time after
 * which an old message stops being valid): a new sender when the table is
 * full is refused (CACHE_FULL). */
MIKEY_API
gboolean mikey_replay_cache_check (MikeyReplayCache * cache,
    const MikeyMessage * msg, const guint8 * data, gsize len,
    const gchar * peer, gint64 now_us, GError ** error);

G_END_DECLS
