/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Replay cache internals for the responder and the core unit tests: the
 * check with a binary identity, and the tables' sizes. */
#pragma once

#include "mikey-replay.h"

G_BEGIN_DECLS

/* mikey_replay_cache_check() with the sender's identity as bytes (@id
 * NULL: unauthenticated). The cache keeps only a salted SHA-256 of @id, so
 * @id may hold key material (the caller wipes it). */
gboolean mikey_replay_cache_check_id (MikeyReplayCache * cache,
    const MikeyMessage * msg, const guint8 * data, gsize len,
    const guint8 * id, gsize id_len, gint64 now_us, GError ** error);

/* Entries in the digest table and in the counter table */
void mikey_replay_cache_get_sizes (const MikeyReplayCache * cache,
    guint * n_digests, guint * n_counters);

G_END_DECLS
