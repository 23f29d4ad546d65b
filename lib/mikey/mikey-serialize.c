/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: wire serializer (RFC 3830 section 6).
 *
 * The writer only stores what fits in its buffer and counts the rest, so
 * the same code validates and measures (no buffer), writes (a buffer of
 * exactly that size), or does both at once into a buffer on the stack,
 * which is what mikey_message_serialize() tries first: one pass, then one
 * allocation of the exact size and a copy, the stack wiped after. Only a
 * message larger than that buffer takes a measuring pass and a writing
 * pass. A growing heap buffer would leave stale copies of key material in
 * freed memory; none of these do.
 *
 * "Next payload" fields are not stored in the model: each one is the type
 * of the following payload in the array (0 after the last one).
 */
#include <stdarg.h>
#include <string.h>

#include <openssl/crypto.h>

#include "mikey-message.h"

typedef struct
{
  guint8 *buf;                  /* NULL while measuring */
  gsize cap;                    /* bytes of buf; what goes past is counted */
  gsize pos;
  /* start of the MAC / signature field of the last KEMAC, V or SIGN */
  gssize auth_pos;
  /* payload being written, for errors; @what NULL means the name of
   * payload type @type, looked up only when there is an error */
  const gchar *what;
  guint8 type;
  guint index;
  gsize start;
} Writer;

/* *INDENT-OFF* */
static gboolean writer_fail (const Writer * w, GError ** error,
    const gchar * fmt, ...) G_GNUC_PRINTF (3, 4);
/* *INDENT-ON* */

/* Always returns FALSE. Serialization errors are all MIKEY_ERROR_INVALID:
 * the caller built a message the wire format cannot express. */
static gboolean
writer_fail (const Writer * w, GError ** error, const gchar * fmt, ...)
{
  const gchar *what = w->what ? w->what : mikey_payload_type_name (w->type);
  va_list args;
  gchar *detail;

  va_start (args, fmt);
  detail = g_strdup_vprintf (fmt, args);
  va_end (args);

  if (w->index == G_MAXUINT)
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "%s at offset %" G_GSIZE_FORMAT ": %s", what, w->start, detail);
  else
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "%s payload #%u at offset %" G_GSIZE_FORMAT ": %s", what,
        w->index, w->start, detail);
  g_free (detail);
  return FALSE;
}

static void
writer_begin (Writer * w, const gchar * what, guint index)
{
  w->what = what;
  w->index = index;
  w->start = w->pos;
}

/* The puts run once per field per pass on every message sent: they stay
 * small enough to inline, and single bytes do not go through memcpy. */
static inline void
put_bytes (Writer * w, const guint8 * data, gsize len)
{
  if (len > 0 && w->pos + len <= w->cap)
    memcpy (w->buf + w->pos, data, len);
  w->pos += len;
}

static inline void
put_u8 (Writer * w, guint8 v)
{
  if (w->pos < w->cap)
    w->buf[w->pos] = v;
  w->pos += 1;
}

static inline void
put_u16 (Writer * w, guint16 v)
{
  if (w->pos + 2 <= w->cap) {
    w->buf[w->pos] = v >> 8;
    w->buf[w->pos + 1] = v & 0xff;
  }
  w->pos += 2;
}

/* Counts @n bytes and returns where to write them, or NULL when they do
 * not fit (or while measuring). Fields written through the returned
 * pointer go into registers: through put_u8() and friends, each byte
 * stored may alias w->pos and w->buf, which the compiler then reloads. */
static inline guint8 *
reserve (Writer * w, gsize n)
{
  gsize pos = w->pos;

  w->pos = pos + n;
  return pos + n <= w->cap ? w->buf + pos : NULL;
}

static inline void
store_u16 (guint8 * o, guint16 v)
{
  o[0] = v >> 8;
  o[1] = v & 0xff;
}

static inline void
store_u32 (guint8 * o, guint32 v)
{
  o[0] = v >> 24;
  o[1] = (v >> 16) & 0xff;
  o[2] = (v >> 8) & 0xff;
  o[3] = v & 0xff;
}

/* Checks that @blob fits a length field holding at most @max. */
static gboolean
check_len (const Writer * w, const MikeyBlob * blob, gsize max,
    const gchar * field, GError ** error)
{
  if (blob->len <= max)
    return TRUE;
  return writer_fail (w, error, "%s is %" G_GSIZE_FORMAT " bytes, more "
      "than its length field can hold (%" G_GSIZE_FORMAT ")", field,
      blob->len, max);
}

/* Checks a field whose length an algorithm value fixes. */
static gboolean
check_fixed (const Writer * w, const MikeyBlob * blob, gssize want,
    const gchar * field, const gchar * alg, guint alg_value, GError ** error)
{
  if (want < 0)
    return writer_fail (w, error, "unknown %s %u", alg, alg_value);
  if (blob->len != (gsize) want)
    return writer_fail (w, error, "%s is %" G_GSIZE_FORMAT " bytes, but %s "
        "%u needs exactly %" G_GSIZE_FORMAT, field, blob->len, alg,
        alg_value, (gsize) want);
  return TRUE;
}

static gboolean
put_blob8 (Writer * w, const MikeyBlob * blob, const gchar * field,
    GError ** error)
{
  guint8 *o;

  if (!check_len (w, blob, G_MAXUINT8, field, error))
    return FALSE;
  o = reserve (w, 1 + blob->len);
  if (o) {
    o[0] = blob->len;
    if (blob->len > 0)
      memcpy (o + 1, blob->data, blob->len);
  }
  return TRUE;
}

static gboolean
put_blob16 (Writer * w, const MikeyBlob * blob, const gchar * field,
    GError ** error)
{
  guint8 *o;

  if (!check_len (w, blob, G_MAXUINT16, field, error))
    return FALSE;
  o = reserve (w, 2 + blob->len);
  if (o) {
    store_u16 (o, blob->len);
    if (blob->len > 0)
      memcpy (o + 2, blob->data, blob->len);
  }
  return TRUE;
}

/* --- common header (6.1) ----------------------------------------------- */

static gboolean
write_hdr (Writer * w, const MikeyHeader * hdr, guint8 next, GError ** error)
{
  guint8 *o;
  guint i;

  writer_begin (w, "HDR", G_MAXUINT);
  if (hdr->prf > 0x7f)
    return writer_fail (w, error, "PRF function %u does not fit in 7 bits",
        hdr->prf);

  /* the map type and #CS are written below */
  o = reserve (w, 8);
  if (o) {
    o[0] = hdr->version;
    o[1] = hdr->data_type;
    o[2] = next;
    o[3] = (hdr->v ? 0x80 : 0) | hdr->prf;
    store_u32 (o + 4, hdr->csb_id);
  }

  switch (hdr->map_type) {
    case MIKEY_MAP_SRTP_ID:
      if (hdr->cs->len > G_MAXUINT8)
        return writer_fail (w, error, "%u crypto sessions, but #CS holds at "
            "most 255", hdr->cs->len);
      put_u8 (w, hdr->cs->len);
      put_u8 (w, hdr->map_type);
      o = reserve (w, 9 * hdr->cs->len);
      for (i = 0; o && i < hdr->cs->len; i++, o += 9) {
        const MikeySrtpCs *cs = &g_array_index (hdr->cs, MikeySrtpCs, i);

        o[0] = cs->policy_no;
        store_u32 (o + 1, cs->ssrc);
        store_u32 (o + 5, cs->roc);
      }
      return TRUE;
    case MIKEY_MAP_EMPTY:
      /* the map would be silently dropped otherwise */
      if (hdr->cs->len > 0)
        return writer_fail (w, error, "the empty CS ID map cannot carry "
            "%u SRTP-ID entries", hdr->cs->len);
      put_u8 (w, hdr->n_cs_empty);
      put_u8 (w, hdr->map_type);
      return TRUE;
    default:
      return writer_fail (w, error, "unknown CS ID map type %u", hdr->map_type);
  }
}

/* --- key validity data (6.14) ------------------------------------------ */

static gboolean
write_kv_data (Writer * w, guint8 kv_type, const MikeyBlob * spi,
    const MikeyBlob * from, const MikeyBlob * to, GError ** error)
{
  /* Data the KV type does not carry would vanish on the wire: refuse it
   * rather than send something other than what the caller built. */
  switch (kv_type) {
    case MIKEY_KV_NULL:
      if (spi->len || from->len || to->len)
        return writer_fail (w, error, "key validity data set, but the KV "
            "type is NULL");
      return TRUE;
    case MIKEY_KV_SPI:
      if (from->len || to->len)
        return writer_fail (w, error, "KV interval set, but the KV type is "
            "SPI");
      return put_blob8 (w, spi, "KV SPI", error);
    case MIKEY_KV_INTERVAL:
      if (spi->len)
        return writer_fail (w, error, "KV SPI set, but the KV type is "
            "interval");
      return put_blob8 (w, from, "KV valid-from", error) &&
          put_blob8 (w, to, "KV valid-to", error);
    default:
      return writer_fail (w, error, "unknown key validity type %u", kv_type);
  }
}

/* --- payloads ---------------------------------------------------------- */

static gboolean
write_kemac (Writer * w, const MikeyPayload * p, GError ** error)
{
  if (!check_len (w, &p->u.kemac.enc_data, G_MAXUINT16, "encrypted data",
          error) ||
      !check_fixed (w, &p->u.kemac.mac, mikey_mac_len (p->u.kemac.mac_alg),
          "MAC", "MAC algorithm", p->u.kemac.mac_alg, error))
    return FALSE;
  put_u8 (w, p->u.kemac.enc_alg);
  put_blob16 (w, &p->u.kemac.enc_data, "encrypted data", error);
  put_u8 (w, p->u.kemac.mac_alg);
  w->auth_pos = w->pos;
  put_bytes (w, p->u.kemac.mac.data, p->u.kemac.mac.len);
  return TRUE;
}

static gboolean
write_pke (Writer * w, const MikeyPayload * p, GError ** error)
{
  if (p->u.pke.cache > 3)
    return writer_fail (w, error, "cache type %u does not fit in 2 bits",
        p->u.pke.cache);
  if (!check_len (w, &p->u.pke.data, 0x3fff, "envelope data", error))
    return FALSE;
  put_u16 (w, (p->u.pke.cache << 14) | p->u.pke.data.len);
  put_bytes (w, p->u.pke.data.data, p->u.pke.data.len);
  return TRUE;
}

static gboolean
write_dh (Writer * w, const MikeyPayload * p, GError ** error)
{
  if (!check_fixed (w, &p->u.dh.value, mikey_dh_value_len (p->u.dh.group),
          "DH value", "DH group", p->u.dh.group, error))
    return FALSE;
  if (p->u.dh.reserved > 0x0f)
    return writer_fail (w, error, "reserved value %u does not fit in 4 bits",
        p->u.dh.reserved);
  put_u8 (w, p->u.dh.group);
  put_bytes (w, p->u.dh.value.data, p->u.dh.value.len);
  put_u8 (w, (p->u.dh.reserved << 4) | (p->u.dh.kv_type & 0x0f));
  return write_kv_data (w, p->u.dh.kv_type, &p->u.dh.kv_spi,
      &p->u.dh.kv_from, &p->u.dh.kv_to, error);
}

static gboolean
write_sign (Writer * w, const MikeyPayload * p, GError ** error)
{
  if (p->u.sign.sign_type > 0x0f)
    return writer_fail (w, error, "S type %u does not fit in 4 bits",
        p->u.sign.sign_type);
  if (!check_len (w, &p->u.sign.signature, 0x0fff, "signature", error))
    return FALSE;
  put_u16 (w, (p->u.sign.sign_type << 12) | p->u.sign.signature.len);
  w->auth_pos = w->pos;
  put_bytes (w, p->u.sign.signature.data, p->u.sign.signature.len);
  return TRUE;
}

static gboolean
write_t (Writer * w, const MikeyPayload * p, GError ** error)
{
  gssize ts_len = mikey_ts_len (p->u.t.ts_type);
  guint8 *o;

  if (ts_len < 0)
    return writer_fail (w, error, "unknown TS type %u", p->u.t.ts_type);
  if (ts_len < 8 && (p->u.t.value >> (8 * ts_len)) != 0)
    return writer_fail (w, error, "TS value %" G_GUINT64_FORMAT " does not "
        "fit in %" G_GSSIZE_FORMAT " bytes", p->u.t.value, ts_len);
  o = reserve (w, 1 + ts_len);
  if (o) {
    o[0] = p->u.t.ts_type;
    if (ts_len == 8) {
      store_u32 (o + 1, p->u.t.value >> 32);
      store_u32 (o + 5, p->u.t.value & 0xffffffff);
    } else {
      store_u32 (o + 1, p->u.t.value);
    }
  }
  return TRUE;
}

static gboolean
write_id (Writer * w, const MikeyPayload * p, GError ** error)
{
  put_u8 (w, p->u.id.id_type);
  return put_blob16 (w, &p->u.id.data, "ID", error);
}

static gboolean
write_cert (Writer * w, const MikeyPayload * p, GError ** error)
{
  put_u8 (w, p->u.cert.cert_type);
  return put_blob16 (w, &p->u.cert.data, "certificate", error);
}

static gboolean
write_chash (Writer * w, const MikeyPayload * p, GError ** error)
{
  if (!check_fixed (w, &p->u.chash.hash,
          mikey_hash_len (p->u.chash.hash_func), "hash", "hash function",
          p->u.chash.hash_func, error))
    return FALSE;
  put_u8 (w, p->u.chash.hash_func);
  put_bytes (w, p->u.chash.hash.data, p->u.chash.hash.len);
  return TRUE;
}

static gboolean
write_v (Writer * w, const MikeyPayload * p, GError ** error)
{
  if (!check_fixed (w, &p->u.v.mac, mikey_mac_len (p->u.v.mac_alg),
          "verification MAC", "authentication algorithm", p->u.v.mac_alg,
          error))
    return FALSE;
  put_u8 (w, p->u.v.mac_alg);
  w->auth_pos = w->pos;
  put_bytes (w, p->u.v.mac.data, p->u.v.mac.len);
  return TRUE;
}

static gboolean
write_sp (Writer * w, const MikeyPayload * p, GError ** error)
{
  const GArray *params = p->u.sp.params;
  guint n_params = params->len;
  gsize total = 0;
  guint8 *out;
  guint i;

  for (i = 0; i < n_params; i++) {
    const MikeySpParam *param = &g_array_index (params, MikeySpParam, i);

    if (param->value.len > G_MAXUINT8)
      return writer_fail (w, error, "policy parameter type %u is %"
          G_GSIZE_FORMAT " bytes, more than its length field can hold (255)",
          param->type, param->value.len);
    total += 2 + param->value.len;
  }
  if (total > G_MAXUINT16)
    return writer_fail (w, error, "policy parameters take %" G_GSIZE_FORMAT
        " bytes, more than the policy parameter length can hold (65535)",
        total);

  out = reserve (w, 4 + total);
  if (out) {
    const MikeySpParam *param = (const MikeySpParam *) params->data;

    *out++ = p->u.sp.policy_no;
    *out++ = p->u.sp.proto;
    store_u16 (out, total);
    out += 2;
    for (i = 0; i < n_params; i++, param++) {
      *out++ = param->type;
      *out++ = param->value.len;
      /* nearly every SRTP parameter is one byte */
      if (param->value.len == 1)
        *out++ = param->value.data[0];
      else if (param->value.len > 0) {
        memcpy (out, param->value.data, param->value.len);
        out += param->value.len;
      }
    }
  }
  return TRUE;
}

static gboolean
write_rand (Writer * w, const MikeyPayload * p, GError ** error)
{
  return put_blob8 (w, &p->u.rand.rand, "RAND", error);
}

static gboolean
write_err (Writer * w, const MikeyPayload * p, GError ** error)
{
  put_u8 (w, p->u.err.err_no);
  put_u16 (w, p->u.err.reserved);
  return TRUE;
}

static gboolean
write_key_data (Writer * w, const MikeyKeyData * kd, GError ** error)
{
  gboolean salted = kd->type == MIKEY_KD_TGK_SALT ||
      kd->type == MIKEY_KD_TEK_SALT;

  if (kd->type > MIKEY_KD_TEK_SALT)
    return writer_fail (w, error, "unknown key data type %u", kd->type);
  if (!salted && kd->salt.len > 0)
    return writer_fail (w, error, "salt set, but key data type %u carries "
        "none (use TGK+SALT or TEK+SALT)", kd->type);

  put_u8 (w, (kd->type << 4) | kd->kv_type);
  if (!put_blob16 (w, &kd->key, "key data", error))
    return FALSE;
  if (salted && !put_blob16 (w, &kd->salt, "salt", error))
    return FALSE;
  return write_kv_data (w, kd->kv_type, &kd->kv_spi, &kd->kv_from,
      &kd->kv_to, error);
}

static gboolean
write_key_data_payload (Writer * w, const MikeyPayload * p, GError ** error)
{
  return write_key_data (w, &p->u.key_data, error);
}

static gboolean
write_gen_ext (Writer * w, const MikeyPayload * p, GError ** error)
{
  put_u8 (w, p->u.gen_ext.ext_type);
  return put_blob16 (w, &p->u.gen_ext.data, "extension data", error);
}

/* A switch with direct calls rather than a table of function pointers:
 * the small writers inline, and there is no indirect call per payload.
 * Unknown types fail here, after their next payload byte was counted,
 * which changes nothing since nothing is returned on failure. */
static gboolean
write_payload (Writer * w, const MikeyPayload * p, GError ** error)
{
  switch (p->type) {
    case MIKEY_PT_KEMAC:
      return write_kemac (w, p, error);
    case MIKEY_PT_PKE:
      return write_pke (w, p, error);
    case MIKEY_PT_DH:
      return write_dh (w, p, error);
    case MIKEY_PT_SIGN:
      return write_sign (w, p, error);
    case MIKEY_PT_T:
      return write_t (w, p, error);
    case MIKEY_PT_ID:
      return write_id (w, p, error);
    case MIKEY_PT_CERT:
      return write_cert (w, p, error);
    case MIKEY_PT_CHASH:
      return write_chash (w, p, error);
    case MIKEY_PT_V:
      return write_v (w, p, error);
    case MIKEY_PT_SP:
      return write_sp (w, p, error);
    case MIKEY_PT_RAND:
      return write_rand (w, p, error);
    case MIKEY_PT_ERR:
      return write_err (w, p, error);
    case MIKEY_PT_KEY_DATA:
      return write_key_data_payload (w, p, error);
    case MIKEY_PT_GEN_EXT:
      return write_gen_ext (w, p, error);
    default:
      return writer_fail (w, error, "unknown payload type %u", p->type);
  }
}

static gboolean
write_message (Writer * w, const MikeyMessage * msg, GError ** error)
{
  GPtrArray *pl = msg->payloads;
  guint i;

  w->auth_pos = -1;
  if (!write_hdr (w, &msg->hdr, pl->len > 0 ?
          ((MikeyPayload *) g_ptr_array_index (pl, 0))->type : 0, error))
    return FALSE;

  for (i = 0; i < pl->len; i++) {
    const MikeyPayload *p = g_ptr_array_index (pl, i);
    guint8 next = i + 1 < pl->len ?
        ((MikeyPayload *) g_ptr_array_index (pl, i + 1))->type : 0;

    writer_begin (w, NULL, i);
    w->type = p->type;
    if (p->type == MIKEY_PT_SIGN) {
      /* SIGN has no next payload field, so nothing can follow it */
      if (i + 1 < pl->len)
        return writer_fail (w, error, "SIGN must be the last payload, but "
            "%u more follow", pl->len - i - 1);
    } else {
      put_u8 (w, next);
    }
    if (!write_payload (w, p, error))
      return FALSE;
  }
  return TRUE;
}

/* GBytes free function: the allocation starts with its own length so the
 * whole message (which may hold MIKEY-NULL keys) can be wiped. */
static void
secure_bytes_free (gpointer mem)
{
  gsize *head = mem;

  mikey_secure_free (mem, sizeof (gsize) + head[0]);
}

/* Room for the messages sent most (NULL, PSK, DH without certificates;
 * about 100 to 500 bytes) in one pass. */
#define STACK_BUF_SIZE 2048

GBytes *
mikey_message_serialize (const MikeyMessage * msg, GError ** error)
{
  guint8 stack_buf[STACK_BUF_SIZE];
  Writer w = { stack_buf, sizeof (stack_buf), 0, };
  gsize *mem;
  gsize len;

  g_return_val_if_fail (msg != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!write_message (&w, msg, error)) {
    OPENSSL_cleanse (stack_buf, MIN (w.pos, sizeof (stack_buf)));
    return NULL;
  }

  len = w.pos;
  mem = g_malloc (sizeof (gsize) + len);
  mem[0] = len;
  if (len <= sizeof (stack_buf)) {
    memcpy (mem + 1, stack_buf, len);
    OPENSSL_cleanse (stack_buf, len);
  } else {
    /* the stack holds a prefix of the message: wipe it, write it all */
    OPENSSL_cleanse (stack_buf, sizeof (stack_buf));
    w.buf = (guint8 *) (mem + 1);
    w.cap = len;
    w.pos = 0;
    if (!write_message (&w, msg, error)) {
      /* cannot happen: the first pass checked the same things */
      secure_bytes_free (mem);
      return NULL;
    }
  }
  return g_bytes_new_with_free_func (mem + 1, len, secure_bytes_free, mem);
}

/* The RFC 3830 MAC (KEMAC, V) and signature (SIGN) cover the message up to
 * the MAC / signature field itself: for SIGN that includes the S type and
 * signature length bytes, since only the signature field is left out
 * (sections 5.2, 6.2, 6.5, 6.9). So the returned offset is both where the
 * field starts and how many bytes it covers. */
gssize
mikey_message_auth_offset (const MikeyMessage * msg)
{
  Writer w = { 0, };

  g_return_val_if_fail (msg != NULL, -1);

  if (!write_message (&w, msg, NULL))
    return -1;
  return w.auth_pos;
}

/* Returns a buffer even for an empty list (out_len 0, e.g. the empty key
 * data of a DHHMAC KEMAC), so NULL always means an error. */
guint8 *
mikey_key_data_serialize_list (GPtrArray * key_data, gsize * out_len,
    GError ** error)
{
  Writer w = { 0, };
  guint8 *buf = NULL;
  gsize alloc = 0;
  gint pass;

  g_return_val_if_fail (key_data != NULL, NULL);
  g_return_val_if_fail (out_len != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  *out_len = 0;
  for (pass = 0; pass < 2; pass++) {
    guint i;

    for (i = 0; i < key_data->len; i++) {
      const MikeyPayload *p = g_ptr_array_index (key_data, i);

      writer_begin (&w, "key data", i);
      if (p->type != MIKEY_PT_KEY_DATA) {
        writer_fail (&w, error, "%s payload in a key data list",
            mikey_payload_type_name (p->type));
        goto fail;
      }
      put_u8 (&w, i + 1 < key_data->len ? MIKEY_PT_KEY_DATA : MIKEY_PT_LAST);
      if (!write_key_data (&w, &p->u.key_data, error))
        goto fail;
    }
    if (pass == 0) {
      alloc = MAX (w.pos, 1);
      buf = g_malloc (alloc);
      w.buf = buf;
      w.cap = w.pos;
      w.pos = 0;
    }
  }
  *out_len = w.pos;
  return buf;

fail:
  mikey_secure_free (buf, alloc);
  return NULL;
}
