/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The key ring (see srtp-rekey-ring.h). A fixed array: a few keys at a
 * time, so linear scans cost less than any index would. */
#include "srtp-rekey-ring.h"

#include <string.h>
#include <openssl/crypto.h>

struct _SrtpRekeyRing
{
  SrtpRekeyPolicy policy;
  guint capacity;
  guint n_keys;
  guint64 next_order;
  /* entries [0, n_keys) in use; order: when each was added (ties) */
  SrtpRekeyKey *keys;
  guint64 *order;
};

SrtpRekeyRing *
srtp_rekey_ring_new (const SrtpRekeyPolicy * policy, guint capacity)
{
  SrtpRekeyRing *ring;

  if (policy == NULL || capacity == 0 || capacity > SRTP_REKEY_RING_MAX ||
      policy->mki_len == 0 || policy->mki_len > SRTP_REKEY_MAX_MKI ||
      policy->key_salt_len == 0
      || policy->key_salt_len > SRTP_REKEY_MAX_KEY_SALT)
    return NULL;

  ring = g_new0 (SrtpRekeyRing, 1);
  ring->policy = *policy;
  ring->capacity = capacity;
  ring->keys = g_new0 (SrtpRekeyKey, capacity);
  ring->order = g_new0 (guint64, capacity);
  return ring;
}

void
srtp_rekey_ring_free (SrtpRekeyRing * ring)
{
  if (ring == NULL)
    return;
  OPENSSL_cleanse (ring->keys, ring->capacity * sizeof (SrtpRekeyKey));
  g_free (ring->keys);
  g_free (ring->order);
  g_free (ring);
}

const SrtpRekeyPolicy *
srtp_rekey_ring_get_policy (const SrtpRekeyRing * ring)
{
  return &ring->policy;
}

guint
srtp_rekey_ring_length (const SrtpRekeyRing * ring)
{
  return ring->n_keys;
}

guint
srtp_rekey_ring_capacity (const SrtpRekeyRing * ring)
{
  return ring->capacity;
}

static gint
find (const SrtpRekeyRing * ring, const guint8 * mki, gsize mki_len)
{
  guint i;

  if (mki == NULL || mki_len != ring->policy.mki_len)
    return -1;
  /* MKIs are public (in every packet): memcmp is fine */
  for (i = 0; i < ring->n_keys; i++)
    if (memcmp (ring->keys[i].mki, mki, mki_len) == 0)
      return i;
  return -1;
}

SrtpRekeyRingResult
srtp_rekey_ring_add (SrtpRekeyRing * ring, const guint8 * mki,
    gsize mki_len, const guint8 * key, gsize key_len, gint64 activation_us,
    gboolean has_roc, guint32 roc)
{
  SrtpRekeyKey *k;
  gint i;

  if (mki == NULL || mki_len != ring->policy.mki_len)
    return SRTP_REKEY_RING_BAD_MKI;
  if (key == NULL || key_len != ring->policy.key_salt_len)
    return SRTP_REKEY_RING_BAD_KEY;

  i = find (ring, mki, mki_len);
  if (i >= 0) {
    k = &ring->keys[i];
    if (CRYPTO_memcmp (k->key, key, key_len) != 0)
      return SRTP_REKEY_RING_MKI_REUSED;
  } else {
    if (ring->n_keys == ring->capacity)
      return SRTP_REKEY_RING_FULL;
    i = ring->n_keys++;
    k = &ring->keys[i];
    memcpy (k->mki, mki, mki_len);
    k->mki_len = mki_len;
    memcpy (k->key, key, key_len);
    k->key_len = key_len;
  }
  k->activation_us = activation_us;
  k->has_roc = has_roc;
  k->roc = has_roc ? roc : 0;
  ring->order[i] = ring->next_order++;
  return SRTP_REKEY_RING_OK;
}

const SrtpRekeyKey *
srtp_rekey_ring_lookup (const SrtpRekeyRing * ring, const guint8 * mki,
    gsize mki_len)
{
  gint i = find (ring, mki, mki_len);

  return i < 0 ? NULL : &ring->keys[i];
}

static void
remove_at (SrtpRekeyRing * ring, guint i)
{
  guint last = ring->n_keys - 1;

  if (i != last) {
    ring->keys[i] = ring->keys[last];
    ring->order[i] = ring->order[last];
  }
  OPENSSL_cleanse (&ring->keys[last], sizeof (SrtpRekeyKey));
  ring->order[last] = 0;
  ring->n_keys--;
}

gboolean
srtp_rekey_ring_remove (SrtpRekeyRing * ring, const guint8 * mki, gsize mki_len)
{
  gint i = find (ring, mki, mki_len);

  if (i < 0)
    return FALSE;
  remove_at (ring, i);
  return TRUE;
}

/* a activated after b (ties: added later) */
static gboolean
later (const SrtpRekeyRing * ring, guint a, guint b)
{
  if (ring->keys[a].activation_us != ring->keys[b].activation_us)
    return ring->keys[a].activation_us > ring->keys[b].activation_us;
  return ring->order[a] > ring->order[b];
}

static gint
active_index (const SrtpRekeyRing * ring, gint64 now_us)
{
  gint best = -1;
  guint i;

  for (i = 0; i < ring->n_keys; i++) {
    if (ring->keys[i].activation_us > now_us)
      continue;
    if (best < 0 || later (ring, i, best))
      best = i;
  }
  return best;
}

const SrtpRekeyKey *
srtp_rekey_ring_active (const SrtpRekeyRing * ring, gint64 now_us)
{
  gint i = active_index (ring, now_us);

  return i < 0 ? NULL : &ring->keys[i];
}

guint
srtp_rekey_ring_prune (SrtpRekeyRing * ring, gint64 now_us)
{
  gint active, prev = -1;
  guint i, removed = 0;

  active = active_index (ring, now_us);
  if (active < 0)
    return 0;
  for (i = 0; i < ring->n_keys; i++) {
    if ((gint) i == active || !later (ring, active, i))
      continue;
    if (prev < 0 || later (ring, i, prev))
      prev = i;
  }
  if (prev < 0)
    return 0;

  /* remove everything that precedes prev; indices move on removal, so
   * compare by (activation, order) values */
  {
    gint64 prev_act = ring->keys[prev].activation_us;
    guint64 prev_order = ring->order[prev];

    i = 0;
    while (i < ring->n_keys) {
      const SrtpRekeyKey *k = &ring->keys[i];

      if (k->activation_us < prev_act || (k->activation_us == prev_act &&
              ring->order[i] < prev_order)) {
        remove_at (ring, i);
        removed++;
      } else {
        i++;
      }
    }
  }
  return removed;
}

guint
srtp_rekey_ring_select (const SrtpRekeyRing * ring, const guint8 * current,
    const guint8 * previous, guint max, const SrtpRekeyKey ** out)
{
  gint cur, prev;
  guint n = 0;
  gboolean taken[SRTP_REKEY_RING_MAX] = { FALSE, };

  max = CLAMP (max, 1, SRTP_REKEY_SRTPDEC_MAX_KEYS);
  cur = find (ring, current, ring->policy.mki_len);
  if (cur < 0)
    return 0;
  out[n++] = &ring->keys[cur];
  taken[cur] = TRUE;

  prev = previous != NULL ? find (ring, previous, ring->policy.mki_len) : -1;
  if (prev >= 0 && !taken[prev] && n < max) {
    out[n++] = &ring->keys[prev];
    taken[prev] = TRUE;
  }

  /* then the keys to come, earliest first */
  while (n < max) {
    gint next = -1;
    guint i;

    for (i = 0; i < ring->n_keys; i++) {
      if (taken[i] || !later (ring, i, cur))
        continue;
      if (next < 0 || later (ring, next, i))
        next = i;
    }
    if (next < 0)
      break;
    out[n++] = &ring->keys[next];
    taken[next] = TRUE;
  }
  return n;
}

const gchar *
srtp_rekey_ring_result_to_string (SrtpRekeyRingResult r)
{
  switch (r) {
    case SRTP_REKEY_RING_OK:
      return "ok";
    case SRTP_REKEY_RING_BAD_MKI:
      return "the MKI length differs from the stream's MKI length";
    case SRTP_REKEY_RING_BAD_KEY:
      return "the key length is not the crypto suite's master key + salt";
    case SRTP_REKEY_RING_FULL:
      return "the key ring is full (remove or prune keys first)";
    case SRTP_REKEY_RING_MKI_REUSED:
      return "the MKI is already in use with another key";
  }
  return "unknown";
}
