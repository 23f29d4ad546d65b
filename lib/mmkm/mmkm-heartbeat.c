/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM protocol library: heartbeat, BYE and ACK datagrams, their replay
 * window and the liveness rule (mmkm-heartbeat.h). */
#include "mmkm-heartbeat.h"
#include "mmkm-error.h"
#include "mmkm-hmac.h"

#include <string.h>
#include <openssl/crypto.h>

#include "mikey-crypto.h"

static const guint8 hb_magic[4] = { 'M', 'M', 'K', 'M' };

#define OFF_VERSION 4
#define OFF_TYPE 5
#define OFF_FLAGS 6
#define OFF_SESSION 8
#define OFF_SEQ 24
#define OFF_TIME 32
#define OFF_MKI 40

G_STATIC_ASSERT (OFF_MKI + 4 == MMKM_HB_MAC_OFFSET);
G_STATIC_ASSERT (MMKM_HB_MAC_OFFSET + MMKM_HB_MAC_LEN == MMKM_HB_LEN);
G_STATIC_ASSERT (MMKM_HB_MAC_LEN == MMKM_HMAC_SHA256_LEN);

static void
put_be16 (guint8 * p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v;
}

static void
put_be32 (guint8 * p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static void
put_be64 (guint8 * p, guint64 v)
{
  put_be32 (p, v >> 32);
  put_be32 (p + 4, (guint32) v);
}

static guint16
get_be16 (const guint8 * p)
{
  return (guint16) (p[0] << 8 | p[1]);
}

static guint32
get_be32 (const guint8 * p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8
      | p[3];
}

static guint64
get_be64 (const guint8 * p)
{
  return (guint64) get_be32 (p) << 32 | get_be32 (p + 4);
}

gboolean
mmkm_hb_key_derive (const guint8 * kek, gsize kek_len, MmkmHbKey * key,
    GError ** error)
{
  GError *err = NULL;

  g_return_val_if_fail (key != NULL, FALSE);

  if (kek == NULL || kek_len == 0) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_INVALID,
        "The heartbeat key needs a key-encryption key");
    return FALSE;
  }
  if (!mikey_prf (kek, kek_len, (const guint8 *) MMKM_HB_KEY_LABEL,
          strlen (MMKM_HB_KEY_LABEL), key->bytes, sizeof (key->bytes), &err)) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_CRYPTO,
        "Cannot derive the heartbeat key: %s", err->message);
    g_error_free (err);
    mmkm_hb_key_clear (key);
    return FALSE;
  }
  return TRUE;
}

void
mmkm_hb_key_clear (MmkmHbKey * key)
{
  if (key != NULL)
    OPENSSL_cleanse (key->bytes, sizeof (key->bytes));
}

/* What a sender may put in the fields the MAC does not make meaningful by
 * itself: one rule for the encoder and the decoder, so that nothing the
 * encoder refuses is ever accepted. */
static const gchar *
fields_problem (guint type, guint16 flags, guint64 seq, guint32 mki)
{
  if (seq == 0)
    return "sequence number 0";
  if (type == MMKM_HB_ACK) {
    if ((flags & ~MMKM_HB_ACK_FLAGS) != 0)
      return "undefined flags";
  } else {
    if (flags != 0)
      return "flags outside an ACK";
    if (mki != 0)
      return "an MKI outside an ACK";
  }
  return NULL;
}

gboolean
mmkm_hb_encode (const MmkmHbKey * key, const MmkmHeartbeat * hb,
    guint8 out[MMKM_HB_LEN], GError ** error)
{
  const gchar *problem;

  g_return_val_if_fail (key != NULL && hb != NULL && out != NULL, FALSE);

  if (hb->type < MMKM_HB_HEARTBEAT || hb->type > MMKM_HB_ACK) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_INVALID,
        "Unknown heartbeat datagram type %u", (guint) hb->type);
    return FALSE;
  }
  problem = fields_problem (hb->type, hb->flags, hb->seq, hb->mki);
  if (problem != NULL) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_INVALID,
        "A heartbeat datagram cannot carry %s", problem);
    return FALSE;
  }

  memcpy (out, hb_magic, sizeof (hb_magic));
  out[OFF_VERSION] = MMKM_HB_VERSION;
  out[OFF_TYPE] = hb->type;
  put_be16 (out + OFF_FLAGS, hb->flags);
  memcpy (out + OFF_SESSION, hb->session_id, MMKM_SESSION_ID_LEN);
  put_be64 (out + OFF_SEQ, hb->seq);
  put_be64 (out + OFF_TIME, hb->ntp_time);
  put_be32 (out + OFF_MKI, hb->mki);
  return mmkm_hmac_sha256 (key->bytes, sizeof (key->bytes), out,
      MMKM_HB_MAC_OFFSET, NULL, 0, out + MMKM_HB_MAC_OFFSET, error);
}

static gboolean
malformed (GError ** error, const gchar * what)
{
  g_set_error (error, MMKM_ERROR, MMKM_ERROR_MALFORMED,
      "Heartbeat datagram refused: %s", what);
  return FALSE;
}

gboolean
mmkm_hb_peek (const guint8 * data, gsize len, guint types,
    guint8 session_id[MMKM_SESSION_ID_LEN], GError ** error)
{
  const gchar *problem;
  guint type;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (len != MMKM_HB_LEN)
    return malformed (error, "wrong length");
  if (memcmp (data, hb_magic, sizeof (hb_magic)) != 0)
    return malformed (error, "not an MMKM datagram");
  if (data[OFF_VERSION] != MMKM_HB_VERSION)
    return malformed (error, "unknown version");
  type = data[OFF_TYPE];
  if (type < MMKM_HB_HEARTBEAT || type > MMKM_HB_ACK
      || (types & MMKM_HB_TYPE_BIT (type)) == 0)
    return malformed (error, "type not accepted here");
  problem = fields_problem (type, get_be16 (data + OFF_FLAGS),
      get_be64 (data + OFF_SEQ), get_be32 (data + OFF_MKI));
  if (problem != NULL)
    return malformed (error, problem);

  if (session_id != NULL)
    memcpy (session_id, data + OFF_SESSION, MMKM_SESSION_ID_LEN);
  return TRUE;
}

gboolean
mmkm_hb_decode (const MmkmHbKey * key,
    const guint8 session_id[MMKM_SESSION_ID_LEN], guint types,
    const guint8 * data, gsize len, MmkmHeartbeat * out, GError ** error)
{
  guint8 mac[MMKM_HB_MAC_LEN];
  gboolean same;

  g_return_val_if_fail (key == NULL || session_id != NULL, FALSE);

  if (!mmkm_hb_peek (data, len, types, NULL, error))
    return FALSE;
  /* session ids are not secret: an ordinary compare is fine */
  if (key == NULL || memcmp (data + OFF_SESSION, session_id,
          MMKM_SESSION_ID_LEN) != 0) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_UNKNOWN_SESSION,
        "Heartbeat datagram refused: unknown session");
    return FALSE;
  }
  if (!mmkm_hmac_sha256 (key->bytes, sizeof (key->bytes), data,
          MMKM_HB_MAC_OFFSET, NULL, 0, mac, error))
    return FALSE;
  same = CRYPTO_memcmp (mac, data + MMKM_HB_MAC_OFFSET, MMKM_HB_MAC_LEN) == 0;
  OPENSSL_cleanse (mac, sizeof (mac));
  if (!same) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_BAD_MAC,
        "Heartbeat datagram refused: wrong HMAC");
    return FALSE;
  }

  if (out != NULL) {
    out->type = data[OFF_TYPE];
    out->flags = get_be16 (data + OFF_FLAGS);
    memcpy (out->session_id, data + OFF_SESSION, MMKM_SESSION_ID_LEN);
    out->seq = get_be64 (data + OFF_SEQ);
    out->ntp_time = get_be64 (data + OFF_TIME);
    out->mki = get_be32 (data + OFF_MKI);
  }
  return TRUE;
}

gboolean
mmkm_hb_accept (const MmkmHbKey * key,
    const guint8 session_id[MMKM_SESSION_ID_LEN], guint types,
    MmkmHbWindow * window, const guint8 * data, gsize len,
    MmkmHeartbeat * out, GError ** error)
{
  MmkmHeartbeat hb;

  g_return_val_if_fail (window != NULL, FALSE);

  /* the window moves only for authentic datagrams: a forged sequence
   * number must not push the window past the real sender's */
  if (!mmkm_hb_decode (key, session_id, types, data, len, &hb, error))
    return FALSE;
  if (!mmkm_hb_window_check (window, hb.seq, error))
    return FALSE;
  mmkm_hb_window_update (window, hb.seq);
  if (out != NULL)
    *out = hb;
  return TRUE;
}

void
mmkm_hb_window_init (MmkmHbWindow * window)
{
  g_return_if_fail (window != NULL);
  window->highest = 0;
  window->bitmap = 0;
}

gboolean
mmkm_hb_window_check (const MmkmHbWindow * window, guint64 seq, GError ** error)
{
  guint64 behind;

  g_return_val_if_fail (window != NULL, FALSE);

  if (seq == 0) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_MALFORMED,
        "Heartbeat datagram refused: sequence number 0");
    return FALSE;
  }
  if (seq > window->highest)
    return TRUE;
  behind = window->highest - seq;
  if (behind >= MMKM_HB_WINDOW) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_TOO_OLD,
        "Heartbeat datagram refused: sequence number %" G_GUINT64_FORMAT
        " is older than the replay window", seq);
    return FALSE;
  }
  if ((window->bitmap >> behind) & 1) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_REPLAY,
        "Heartbeat datagram refused: sequence number %" G_GUINT64_FORMAT
        " seen before", seq);
    return FALSE;
  }
  return TRUE;
}

void
mmkm_hb_window_update (MmkmHbWindow * window, guint64 seq)
{
  guint64 ahead;

  g_return_if_fail (window != NULL && seq != 0);

  if (seq > window->highest) {
    ahead = seq - window->highest;
    /* a shift by 64 or more is undefined in C, and means "all new" */
    window->bitmap = ahead >= MMKM_HB_WINDOW ? 1 : window->bitmap << ahead | 1;
    window->highest = seq;
  } else if (window->highest - seq < MMKM_HB_WINDOW) {
    window->bitmap |= G_GUINT64_CONSTANT (1) << (window->highest - seq);
  }
}

gint64
mmkm_liveness_deadline (gint64 last_heard, gint64 interval, guint misses)
{
  gint64 span;
  gint64 deadline;

  g_return_val_if_fail (interval > 0 && misses >= 1, last_heard);

  if (__builtin_mul_overflow (interval, (gint64) misses, &span)
      || __builtin_add_overflow (span, interval / 2, &span)
      || __builtin_add_overflow (last_heard, span, &deadline))
    return G_MAXINT64;
  return deadline;
}

gboolean
mmkm_liveness_alive (gint64 last_heard, gint64 interval, guint misses,
    gint64 now)
{
  g_return_val_if_fail (interval > 0 && misses >= 1, TRUE);

  if (now <= last_heard)
    return TRUE;
  return now < mmkm_liveness_deadline (last_heard, interval, misses);
}
