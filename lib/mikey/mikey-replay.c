/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Replay protection: timestamp window, a bounded cache of digests and a
 * bounded table of per-sender counters. */
#include "mikey-replay-private.h"
#include "mikey-timestamp.h"

#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define DIGEST_LEN 32

struct _MikeyReplayCache
{
  gint64 skew_us;
  guint capacity;
  /* keys the identities' digests so that none is a plain hash of a
   * pre-shared key */
  guint8 salt[DIGEST_LEN];
  /* SHA-256 of accepted messages (GBytes) -> timestamp in Unix us */
  GHashTable *seen;
  /* salted SHA-256 of the sender's identity (GBytes) -> Counter */
  GHashTable *counters;
};

typedef struct
{
  guint32 last;
  /* of the message that carried it: a replay of it is told as such */
  guint8 digest[DIGEST_LEN];
} Counter;

MikeyReplayCache *
mikey_replay_cache_new (gint64 skew_us, guint capacity)
{
  MikeyReplayCache *cache = g_new0 (MikeyReplayCache, 1);

  cache->skew_us = skew_us > 0 ? skew_us : MIKEY_REPLAY_DEFAULT_SKEW_US;
  cache->capacity = capacity > 0 ? capacity : MIKEY_REPLAY_DEFAULT_CAPACITY;
  /* without randomness the salt is zero: still a working cache */
  if (RAND_bytes (cache->salt, sizeof (cache->salt)) != 1)
    memset (cache->salt, 0, sizeof (cache->salt));
  cache->seen = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
      (GDestroyNotify) g_bytes_unref, g_free);
  cache->counters = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
      (GDestroyNotify) g_bytes_unref, g_free);
  return cache;
}

void
mikey_replay_cache_free (MikeyReplayCache * cache)
{
  if (cache == NULL)
    return;
  g_hash_table_unref (cache->seen);
  g_hash_table_unref (cache->counters);
  OPENSSL_cleanse (cache->salt, sizeof (cache->salt));
  g_free (cache);
}

gint64
mikey_replay_cache_get_skew (const MikeyReplayCache * cache)
{
  return cache->skew_us;
}

void
mikey_replay_cache_set_skew (MikeyReplayCache * cache, gint64 skew_us)
{
  cache->skew_us = skew_us > 0 ? skew_us : MIKEY_REPLAY_DEFAULT_SKEW_US;
}

void
mikey_replay_cache_get_sizes (const MikeyReplayCache * cache,
    guint * n_digests, guint * n_counters)
{
  if (n_digests)
    *n_digests = g_hash_table_size (cache->seen);
  if (n_counters)
    *n_counters = g_hash_table_size (cache->counters);
}

static gboolean
evict_expired (gpointer key, gpointer value, gpointer user_data)
{
  const gint64 *ts = value;
  const gint64 *oldest_allowed = user_data;

  return *ts < *oldest_allowed;
}

static gboolean
sha256 (const guint8 * salt, const guint8 * data, gsize len,
    guint8 md[DIGEST_LEN])
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  unsigned int md_len = 0;
  gboolean ok;

  ok = ctx != NULL && EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL) &&
      (salt == NULL || EVP_DigestUpdate (ctx, salt, DIGEST_LEN)) &&
      EVP_DigestUpdate (ctx, data, len) &&
      EVP_DigestFinal_ex (ctx, md, &md_len) && md_len == DIGEST_LEN;
  EVP_MD_CTX_free (ctx);
  if (!ok)
    OPENSSL_cleanse (md, DIGEST_LEN);
  return ok;
}

static gboolean
check_counter (MikeyReplayCache * cache, guint32 counter, const guint8 * id,
    gsize id_len, const guint8 msg_digest[DIGEST_LEN], GError ** error)
{
  guint8 id_digest[DIGEST_LEN];
  GBytes *key;
  Counter *last;

  if (!sha256 (cache->salt, id, id_len, id_digest)) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CRYPTO,
        "could not compute the sender's digest for the replay cache");
    return FALSE;
  }
  key = g_bytes_new (id_digest, sizeof (id_digest));
  last = g_hash_table_lookup (cache->counters, key);

  if (last != NULL && counter <= last->last) {
    if (CRYPTO_memcmp (last->digest, msg_digest, DIGEST_LEN) == 0)
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_REPLAY,
          "message was already accepted once: replayed message "
          "(timestamp counter %u)", counter);
    else
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_REPLAY,
          "timestamp counter %u is not above %u, the last one accepted from "
          "this sender: replayed or reordered message", counter, last->last);
    g_bytes_unref (key);
    return FALSE;
  }
  if (last == NULL) {
    /* Forgetting a sender's counter would let every message it ever sent
     * be replayed, and a counter says nothing of when a message stops
     * being valid: a full table refuses newcomers instead. Only senders
     * that authenticated can take a place. */
    if (g_hash_table_size (cache->counters) >= cache->capacity) {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CACHE_FULL,
          "replay protection is full: it already keeps the timestamp "
          "counters of %u other senders and forgets none (that would let "
          "their old messages be replayed), so a new sender using counters "
          "is refused", cache->capacity);
      g_bytes_unref (key);
      return FALSE;
    }
    last = g_new0 (Counter, 1);
    g_hash_table_insert (cache->counters, g_bytes_ref (key), last);
  }
  last->last = counter;
  memcpy (last->digest, msg_digest, DIGEST_LEN);
  g_bytes_unref (key);
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

static gboolean
check_digest (MikeyReplayCache * cache, const guint8 md[DIGEST_LEN],
    gint64 ts_us, gint64 now_us, GError ** error)
{
  GBytes *key = g_bytes_new (md, DIGEST_LEN);
  gint64 oldest_allowed;

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
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CACHE_FULL,
        "replay cache is full: %u authenticated messages were accepted "
        "within the window of +/-%" G_GINT64_FORMAT " s and none is "
        "forgotten while it could still be replayed; this message is no "
        "replay, it is refused for lack of room", cache->capacity,
        cache->skew_us / G_USEC_PER_SEC);
    return FALSE;
  }
  g_hash_table_insert (cache->seen, key, g_memdup2 (&ts_us, sizeof (ts_us)));
  return TRUE;
}

gboolean
mikey_replay_cache_check_id (MikeyReplayCache * cache,
    const MikeyMessage * msg, const guint8 * data, gsize len,
    const guint8 * id, gsize id_len, gint64 now_us, GError ** error)
{
  const MikeyPayload *t = mikey_message_find (msg, MIKEY_PT_T, NULL);
  guint8 md[DIGEST_LEN];
  gint64 ts_us = 0;
  gboolean is_counter;

  if (t == NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "message has no timestamp (T) payload, so replays cannot be "
        "detected");
    return FALSE;
  }
  /* unauthenticated (MIKEY-NULL): replaying it is no more than sending a
   * new one, and its timestamp, which anyone could have set, protects
   * nothing: neither the window nor the tables apply (a camera with an
   * unset clock, an a=key-mgmt line pasted minutes later still work) */
  if (id == NULL)
    return TRUE;
  is_counter = t->u.t.ts_type == MIKEY_TS_COUNTER;
  if (!is_counter) {
    ts_us = mikey_ntp_to_unix_us (t->u.t.value);
    if (!check_window (cache, ts_us, now_us, error))
      return FALSE;
  }

  if (!sha256 (NULL, data, len, md)) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CRYPTO,
        "could not compute the message digest for the replay cache");
    return FALSE;
  }
  if (is_counter)
    return check_counter (cache, (guint32) t->u.t.value, id, id_len, md, error);
  return check_digest (cache, md, ts_us, now_us, error);
}

gboolean
mikey_replay_cache_check (MikeyReplayCache * cache, const MikeyMessage * msg,
    const guint8 * data, gsize len, const gchar * peer, gint64 now_us,
    GError ** error)
{
  return mikey_replay_cache_check_id (cache, msg, data, len,
      (const guint8 *) peer, peer ? strlen (peer) : 0, now_us, error);
}
