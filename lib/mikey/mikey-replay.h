/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: replay protection (RFC 3830 5.4).
 *
 * A message is accepted once: its timestamp must lie within the allowed
 * clock skew of "now", and a digest of the message must not be in the
 * bounded cache of messages accepted within that window. For COUNTER
 * timestamps, which need no clock, the counter must grow per peer.
 */
#pragma once

#include <glib.h>
#include "mikey-api.h"
#include "mikey-message.h"

G_BEGIN_DECLS

typedef struct _MikeyReplayCache MikeyReplayCache;

#define MIKEY_REPLAY_DEFAULT_SKEW_US (G_USEC_PER_SEC * 60)
#define MIKEY_REPLAY_DEFAULT_CAPACITY 1024

MIKEY_API
MikeyReplayCache *mikey_replay_cache_new (gint64 skew_us, guint capacity);
MIKEY_API
void mikey_replay_cache_free (MikeyReplayCache * cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MikeyReplayCache, mikey_replay_cache_free);

MIKEY_API
gint64 mikey_replay_cache_get_skew (const MikeyReplayCache * cache);

/* Checks the T payload of @msg (whose wire form is @data/@len) against
 * @now_us; on success records it. Errors: MIKEY_ERROR_STALE (outside the
 * window, or a counter not above the last one from @peer),
 * MIKEY_ERROR_REPLAY (seen before), MIKEY_ERROR_INVALID (no T payload).
 * @peer identifies the sender for COUNTER ordering (e.g. its IDi, or "" ).
 * When the cache is full, entries whose timestamps have left the window are
 * evicted first; if none has, the message is refused rather than forgetting
 * a message that could still be replayed (MIKEY_ERROR_REPLAY). */
MIKEY_API
gboolean mikey_replay_cache_check (MikeyReplayCache * cache,
    const MikeyMessage * msg, const guint8 * data, gsize len,
    const gchar * peer, gint64 now_us, GError ** error);

G_END_DECLS
