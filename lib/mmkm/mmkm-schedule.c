/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM protocol library: the TEK schedule, forced re-keys and the
 * unknown-MKI rate limit (mmkm-schedule.h). */
#include "mmkm-schedule.h"
#include "mmkm-error.h"
#include "mmkm-hmac.h"

#include <openssl/crypto.h>

static gint64
sat_add (gint64 a, gint64 b)
{
  gint64 r;

  if (__builtin_add_overflow (a, b, &r))
    return b > 0 ? G_MAXINT64 : G_MININT64;
  return r;
}

void
mmkm_schedule_init (MmkmSchedule * s, gint64 epoch)
{
  g_return_if_fail (s != NULL);

  s->period = MMKM_DEFAULT_PERIOD;
  s->fetch_window = MIN (s->period / 8, MMKM_MAX_DEFAULT_FETCH_WINDOW);
  s->margin = s->fetch_window / 8;
  s->propagation_delay = MMKM_DEFAULT_PROPAGATION_DELAY;
  s->epoch = epoch;
}

gboolean
mmkm_schedule_validate (const MmkmSchedule * s, GError ** error)
{
  const gchar *problem = NULL;

  g_return_val_if_fail (s != NULL, FALSE);

  if (s->period <= 0)
    problem = "the TEK period must be positive";
  else if (s->fetch_window <= 0 || s->fetch_window > s->period)
    problem = "the fetch window must be positive and at most the period";
  else if (s->margin < 0 || s->margin >= s->fetch_window)
    problem = "the fetch margin must be less than the fetch window";
  else if (s->propagation_delay < 0)
    problem = "the propagation delay cannot be negative";

  if (problem != NULL) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_INVALID,
        "Invalid TEK schedule: %s", problem);
    return FALSE;
  }
  return TRUE;
}

gboolean
mmkm_schedule_activation (const MmkmSchedule * s, guint64 n,
    gint64 * activation)
{
  guint64 offset, headroom;

  g_return_val_if_fail (s != NULL && s->period > 0, FALSE);
  g_return_val_if_fail (activation != NULL, FALSE);

  /* G_MAXINT64 - epoch, computed where it cannot overflow */
  headroom = (guint64) G_MAXINT64 - (guint64) s->epoch;
  if (__builtin_mul_overflow (n, (guint64) s->period, &offset)
      || offset > headroom)
    return FALSE;
  /* two's complement wrap-around gives the exact sum, which fits */
  *activation = (gint64) ((guint64) s->epoch + offset);
  return TRUE;
}

gboolean
mmkm_schedule_current (const MmkmSchedule * s, gint64 t, guint64 * n)
{
  g_return_val_if_fail (s != NULL && s->period > 0, FALSE);
  g_return_val_if_fail (n != NULL, FALSE);

  if (t < s->epoch) {
    *n = 0;
    return FALSE;
  }
  /* t - epoch fits in 64 unsigned bits even when it does not fit in 63 */
  *n = ((guint64) t - (guint64) s->epoch) / (guint64) s->period;
  return TRUE;
}

gboolean
mmkm_schedule_spread (const MmkmSchedule * s,
    const guint8 spread_key[MMKM_SPREAD_KEY_LEN],
    const guint8 session_id[MMKM_SESSION_ID_LEN], guint32 mki,
    gint64 * spread, GError ** error)
{
  guint8 mac[MMKM_HMAC_SHA256_LEN];
  guint8 mki_be[4];
  guint64 u = 0;
  guint i;

  g_return_val_if_fail (s != NULL && s->margin >= 0
      && s->fetch_window > s->margin, FALSE);
  g_return_val_if_fail (spread_key != NULL && session_id != NULL, FALSE);
  g_return_val_if_fail (spread != NULL, FALSE);

  mki_be[0] = mki >> 24;
  mki_be[1] = mki >> 16;
  mki_be[2] = mki >> 8;
  mki_be[3] = mki;
  if (!mmkm_hmac_sha256 (spread_key, MMKM_SPREAD_KEY_LEN, session_id,
          MMKM_SESSION_ID_LEN, mki_be, sizeof (mki_be), mac, error))
    return FALSE;
  for (i = 0; i < 8; i++)
    u = u << 8 | mac[i];
  OPENSSL_cleanse (mac, sizeof (mac));
  *spread = (gint64) (u % (guint64) (s->fetch_window - s->margin));
  return TRUE;
}

gboolean
mmkm_schedule_fetch_time (const MmkmSchedule * s,
    const guint8 spread_key[MMKM_SPREAD_KEY_LEN],
    const guint8 session_id[MMKM_SESSION_ID_LEN], guint32 mki, guint64 n,
    gint64 * fetch_time, GError ** error)
{
  gint64 next, spread;

  g_return_val_if_fail (fetch_time != NULL, FALSE);

  if (n == G_MAXUINT64 || !mmkm_schedule_activation (s, n + 1, &next)) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_INVALID,
        "TEK %" G_GUINT64_FORMAT " has no successor in this schedule", n);
    return FALSE;
  }
  if (!mmkm_schedule_spread (s, spread_key, session_id, mki, &spread, error))
    return FALSE;
  /* A(n + 1) >= epoch + P >= epoch + W, and spread < W: no overflow */
  *fetch_time = next - s->fetch_window + spread;
  return TRUE;
}

gint64
mmkm_rekey_request (const MmkmSchedule * s, MmkmRekey * r, gint64 now,
    gboolean * coalesced)
{
  gint64 d, latest;

  g_return_val_if_fail (s != NULL && r != NULL, now);

  d = MAX (s->propagation_delay, 0);
  if (r->pending && now < r->first)
    now = r->first;

  if (!r->pending || now >= r->activation) {
    r->pending = TRUE;
    r->first = now;
    r->activation = sat_add (now, d);
    if (coalesced)
      *coalesced = FALSE;
  } else {
    latest = sat_add (sat_add (r->first, d), d);
    r->activation = MIN (MAX (r->activation, sat_add (now, d)), latest);
    if (coalesced)
      *coalesced = TRUE;
  }
  return r->activation;
}

void
mmkm_rekey_done (MmkmRekey * r)
{
  g_return_if_fail (r != NULL);
  r->pending = FALSE;
}

static gint64
bucket_capacity (const MmkmTokenBucket * b)
{
  gint64 cap;

  if (__builtin_mul_overflow (b->refill, (gint64) b->burst, &cap))
    return G_MAXINT64;
  return cap;
}

void
mmkm_token_bucket_init (MmkmTokenBucket * b, guint burst, gint64 refill,
    gint64 now)
{
  g_return_if_fail (b != NULL && burst >= 1 && refill > 0);

  b->refill = refill;
  b->burst = burst;
  b->credit = bucket_capacity (b);
  b->last = now;
}

gboolean
mmkm_token_bucket_take (MmkmTokenBucket * b, gint64 now)
{
  gint64 cap;
  guint64 elapsed;

  g_return_val_if_fail (b != NULL && b->refill > 0, FALSE);

  cap = bucket_capacity (b);
  if (now > b->last) {
    /* exact even when now - last does not fit in a gint64 */
    elapsed = (guint64) now - (guint64) b->last;
    if (elapsed >= (guint64) (cap - b->credit))
      b->credit = cap;
    else
      b->credit += (gint64) elapsed;
  }
  /* going back re-anchors without credit: no time is counted twice */
  b->last = now;

  if (b->credit < b->refill)
    return FALSE;
  b->credit -= b->refill;
  return TRUE;
}

gboolean
mmkm_schedule_fetch_unknown_mki (MmkmTokenBucket * b, gboolean known,
    gboolean fetching, gint64 now)
{
  g_return_val_if_fail (b != NULL, FALSE);

  if (known || fetching)
    return FALSE;
  return mmkm_token_bucket_take (b, now);
}
