/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Replay protection: timestamp window plus a bounded cache of digests. */
#include "mikey-replay.h"
#include "mikey-timestamp.h"

#include <string.h>
#include <openssl/evp.h>

#define DIGEST_LEN 32

struct _MikeyReplayCache
{
  gint64 skew_us;
  guint capacity;
  /* SHA-256 of accepted messages (GBytes) -> timestamp in Unix us */
  GHashTable *seen;
  /* peer name -> last accepted COUNTER value */
  GHashTable *counters;
};

MikeyReplayCache *
mikey_replay_cache_new (gint64 skew_us, guint capacity)
{
  MikeyReplayCache *cache = g_new0 (MikeyReplayCache, 1);

  cache->skew_us = skew_us > 0 ? skew_us : MIKEY_REPLAY_DEFAULT_SKEW_US;
  cache->capacity = capacity > 0 ? capacity : MIKEY_REPLAY_DEFAULT_CAPACITY;
  cache->seen = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
      (GDestroyNotify) g_bytes_unref, g_free);
  cache->counters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  return cache;
}

void
mikey_replay_cache_free (MikeyReplayCache * cache)
{
  if (cache == NULL)
    return;
  g_hash_table_unref (cache->seen);
  g_hash_table_unref (cache->counters);
  g_free (cache);
}

gint64
mikey_replay_cache_get_skew (const MikeyReplayCache * cache)
{
  return cache->skew_us;
}

static gboolean
evict_expired (gpointer key, gpointer value, gpointer user_data)
{
  const gint64 *ts = value;
  const gint64 *oldest_allowed = user_data;

  return *ts < *oldest_allowed;
}

static gboolean
check_counter (MikeyReplayCache * cache, guint32 counter, const gchar * peer,
    GError ** error)
{
  guint32 *last = g_hash_table_lookup (cache->counters, peer ? peer : "");

  if (last != NULL && counter <= *last) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_REPLAY,
        "timestamp counter %u is not above %u, the last one accepted from "
        "this peer: replayed or reordered message", counter, *last);
    return FALSE;
  }
  if (last == NULL) {
    last = g_new (guint32, 1);
    g_hash_table_insert (cache->counters, g_strdup (peer ? peer : ""), last);
  }
  *last = counter;
  return TRUE;
}

static gboolean
check_window (MikeyReplayCache * cache, gint64 ts_us, gint64 now_us,
    GError ** error)
{
  gint64 diff = ts_us - now_us;

  if (diff > cache->skew_us || -diff > cache->skew_us) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_STALE,
        "stale timestamp: the sender's clock is %" G_GINT64_FORMAT " s %s "
        "this machine's, more than the %" G_GINT64_FORMAT " s allowed (check "
        "the clocks of both machines, or this is an old message)",
        ABS (diff) / G_USEC_PER_SEC, diff > 0 ? "ahead of" : "behind",
        cache->skew_us / G_USEC_PER_SEC);
    return FALSE;
  }
  return TRUE;
}

static GBytes *
digest (const guint8 * data, gsize len)
{
  guint8 md[DIGEST_LEN];
  unsigned int md_len = 0;

  if (!EVP_Digest (data, len, md, &md_len, EVP_sha256 (), NULL) ||
      md_len != DIGEST_LEN)
    return NULL;
  return g_bytes_new (md, md_len);
}

gboolean
mikey_replay_cache_check (MikeyReplayCache * cache, const MikeyMessage * msg,
    const guint8 * data, gsize len, const gchar * peer, gint64 now_us,
    GError ** error)
{
  const MikeyPayload *t = mikey_message_find (msg, MIKEY_PT_T, NULL);
  GBytes *key;
  gint64 ts_us, oldest_allowed;

  if (t == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "message has no timestamp (T) payload, so replays cannot be "
        "detected");
    return FALSE;
  }

  if (t->u.t.ts_type == MIKEY_TS_COUNTER)
    return check_counter (cache, (guint32) t->u.t.value, peer, error);

  ts_us = mikey_ntp_to_unix_us (t->u.t.value);
  if (!check_window (cache, ts_us, now_us, error))
    return FALSE;

  key = digest (data, len);
  if (key == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CRYPTO,
        "could not compute the message digest for the replay cache");
    return FALSE;
  }
  if (g_hash_table_contains (cache->seen, key)) {
    g_bytes_unref (key);
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_REPLAY,
        "message was already accepted once: replayed message");
    return FALSE;
  }

  if (g_hash_table_size (cache->seen) >= cache->capacity) {
    oldest_allowed = now_us - cache->skew_us;
    g_hash_table_foreach_remove (cache->seen, evict_expired, &oldest_allowed);
  }
  if (g_hash_table_size (cache->seen) >= cache->capacity) {
    g_bytes_unref (key);
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_REPLAY,
        "replay cache is full of recent messages (%u): refusing rather "
        "than forgetting one that could be replayed", cache->capacity);
    return FALSE;
  }
  g_hash_table_insert (cache->seen, key, g_memdup2 (&ts_us, sizeof (ts_us)));
  return TRUE;
}
