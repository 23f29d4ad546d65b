/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: wire parser (RFC 3830 section 6).
 *
 * All reads go through a small Reader that checks the bytes left before
 * touching them, so no length field, however hostile, can make the parser
 * read outside [data, data + len). Every error names the payload being
 * read and the byte offset where that payload starts, which is what a user
 * needs to find the problem in a capture.
 *
 * The parser keeps every field (reserved bits included) so that
 * mikey_message_serialize() gives back the very same bytes: MACs and
 * signatures are computed over those bytes.
 *
 * A message is parsed from its own copy of the input (see
 * mikey-message-private.h), and its blobs are views into that copy, so a
 * parse costs a handful of allocations whatever the number of fields. Key
 * data lists parsed on their own have no message to live in and copy each
 * blob.
 */
#include <stdarg.h>
#include <string.h>

#include "mikey-message-private.h"

typedef struct
{
  const guint8 *data;
  gsize len;                    /* end of what may be read */
  gsize pos;
  gsize base;                   /* offset of data[0] as the caller sees it */
  const gchar *what;            /* payload being read, for errors */
  gsize start;                  /* where that payload starts in data */
  /* data is the message's own copy: blobs point into it */
  gboolean borrow;
} Reader;

/* *INDENT-OFF* */
static gboolean reader_fail (const Reader * r, GError ** error,
    MikeyErrorCode code, const gchar * fmt, ...) G_GNUC_PRINTF (4, 5);
/* *INDENT-ON* */

/* Always returns FALSE, so callers can "return reader_fail (...)". */
static gboolean
reader_fail (const Reader * r, GError ** error, MikeyErrorCode code,
    const gchar * fmt, ...)
{
  va_list args;
  gchar *detail;

  va_start (args, fmt);
  detail = g_strdup_vprintf (fmt, args);
  va_end (args);

  g_set_error (error, MIKEY_ERROR, code,
      "%s payload at offset %" G_GSIZE_FORMAT ": %s", r->what,
      r->base + r->start, detail);
  g_free (detail);
  return FALSE;
}

static inline gsize
reader_left (const Reader * r)
{
  return r->len - r->pos;
}

static void
take_blob (const Reader * r, MikeyBlob * blob, gsize n)
{
  if (r->borrow)
    mikey_blob_borrow (blob, r->data + r->pos, n);
  else
    mikey_blob_set (blob, r->data + r->pos, n);
}

static void
reader_begin (Reader * r, const gchar * what)
{
  r->what = what;
  r->start = r->pos;
}

/* Reports a fixed-size field of @n bytes that is not all there. Kept out
 * of line so that the reads, run for every field, inline. */
G_GNUC_NO_INLINE static gboolean
reader_short (const Reader * r, gsize n, const gchar * field, GError ** error)
{
  return reader_fail (r, error, MIKEY_ERROR_TRUNCATED,
      "truncated: %s needs %" G_GSIZE_FORMAT " byte%s, only %"
      G_GSIZE_FORMAT " left", field, n, n == 1 ? "" : "s", reader_left (r));
}

/* Checks that a fixed-size field of @n bytes is there. */
static inline gboolean
reader_need (const Reader * r, gsize n, const gchar * field, GError ** error)
{
  if (G_LIKELY (reader_left (r) >= n))
    return TRUE;
  return reader_short (r, n, field, error);
}

static inline gboolean
read_u8 (Reader * r, guint8 * v, const gchar * field, GError ** error)
{
  if (!reader_need (r, 1, field, error))
    return FALSE;
  *v = r->data[r->pos];
  r->pos += 1;
  return TRUE;
}

static inline gboolean
read_u16 (Reader * r, guint16 * v, const gchar * field, GError ** error)
{
  if (!reader_need (r, 2, field, error))
    return FALSE;
  *v = ((guint16) r->data[r->pos] << 8) | r->data[r->pos + 1];
  r->pos += 2;
  return TRUE;
}

static inline gboolean
read_u32 (Reader * r, guint32 * v, const gchar * field, GError ** error)
{
  const guint8 *p;

  if (!reader_need (r, 4, field, error))
    return FALSE;
  p = r->data + r->pos;
  *v = ((guint32) p[0] << 24) | ((guint32) p[1] << 16) |
      ((guint32) p[2] << 8) | p[3];
  r->pos += 4;
  return TRUE;
}

static guint64
get_be (const guint8 * p, gsize n)
{
  guint64 v = 0;
  gsize i;

  for (i = 0; i < n; i++)
    v = (v << 8) | p[i];
  return v;
}

/* A field whose size comes from a length field of the message: running
 * past the end is reported with the length the peer claimed. */
static gboolean
read_blob (Reader * r, MikeyBlob * blob, gsize n, const gchar * field,
    GError ** error)
{
  if (reader_left (r) < n)
    return reader_fail (r, error, MIKEY_ERROR_TRUNCATED,
        "%s length %" G_GSIZE_FORMAT " exceeds the %" G_GSIZE_FORMAT
        " bytes left", field, n, reader_left (r));
  take_blob (r, blob, n);
  r->pos += n;
  return TRUE;
}

/* A field whose size follows from an algorithm value. */
static gboolean
read_fixed_blob (Reader * r, MikeyBlob * blob, gsize n, const gchar * field,
    GError ** error)
{
  if (!reader_need (r, n, field, error))
    return FALSE;
  take_blob (r, blob, n);
  r->pos += n;
  return TRUE;
}

/* The "<field> length" name is only built for the error message. */
static gboolean
length_missing (const Reader * r, gsize width, const gchar * field,
    GError ** error)
{
  gchar *len_field = g_strconcat (field, " length", NULL);

  reader_need (r, width, len_field, error);
  g_free (len_field);
  return FALSE;
}

/* One-byte length followed by that many bytes. */
static gboolean
read_blob8 (Reader * r, MikeyBlob * blob, const gchar * field, GError ** error)
{
  guint8 n;

  if (reader_left (r) < 1)
    return length_missing (r, 1, field, error);
  read_u8 (r, &n, field, NULL);
  return read_blob (r, blob, n, field, error);
}

static gboolean
read_blob16 (Reader * r, MikeyBlob * blob, const gchar * field, GError ** error)
{
  guint16 n;

  if (reader_left (r) < 2)
    return length_missing (r, 2, field, error);
  read_u16 (r, &n, field, NULL);
  return read_blob (r, blob, n, field, error);
}

/* --- common header (6.1) ----------------------------------------------- */

static gboolean
parse_hdr (Reader * r, MikeyHeader * hdr, guint8 * next, GError ** error)
{
  guint8 v_prf, n_cs;
  guint i;

  reader_begin (r, "HDR");
  if (!read_u8 (r, &hdr->version, "version", error))
    return FALSE;
  if (hdr->version != MIKEY_VERSION)
    return reader_fail (r, error, MIKEY_ERROR_UNSUPPORTED,
        "version %u is not supported (only %u is)", hdr->version,
        MIKEY_VERSION);
  if (!read_u8 (r, &hdr->data_type, "data type", error))
    return FALSE;
  if (hdr->data_type > MIKEY_DT_MAX)
    return reader_fail (r, error, MIKEY_ERROR_UNSUPPORTED,
        "unknown data type %u", hdr->data_type);
  if (!read_u8 (r, next, "next payload", error) ||
      !read_u8 (r, &v_prf, "V/PRF func", error))
    return FALSE;
  hdr->v = (v_prf & 0x80) != 0;
  hdr->prf = v_prf & 0x7f;
  if (hdr->prf != MIKEY_PRF_MIKEY_1)
    return reader_fail (r, error, MIKEY_ERROR_UNSUPPORTED,
        "unknown PRF function %u", hdr->prf);
  if (!read_u32 (r, &hdr->csb_id, "CSB ID", error) ||
      !read_u8 (r, &n_cs, "#CS", error) ||
      !read_u8 (r, &hdr->map_type, "CS ID map type", error))
    return FALSE;

  switch (hdr->map_type) {
    case MIKEY_MAP_SRTP_ID:
      /* Policy_no (8), SSRC (32), ROC (32) per crypto session */
      if (reader_left (r) < 9u * n_cs)
        return reader_fail (r, error, MIKEY_ERROR_TRUNCATED,
            "#CS is %u, so the SRTP-ID map needs %u bytes, but only %"
            G_GSIZE_FORMAT " are left", n_cs, 9u * n_cs, reader_left (r));
      for (i = 0; i < n_cs; i++) {
        MikeySrtpCs cs;

        if (!read_u8 (r, &cs.policy_no, "Policy_no", error) ||
            !read_u32 (r, &cs.ssrc, "SSRC", error) ||
            !read_u32 (r, &cs.roc, "ROC", error))
          return FALSE;
        g_array_append_val (hdr->cs, cs);
      }
      break;
    case MIKEY_MAP_EMPTY:
      /* RFC 4563: no map info; #CS still counts the crypto sessions */
      hdr->n_cs_empty = n_cs;
      break;
    default:
      return reader_fail (r, error, MIKEY_ERROR_UNSUPPORTED,
          "unknown CS ID map type %u (its length cannot be known)",
          hdr->map_type);
  }
  return TRUE;
}

/* --- key validity data (6.14), shared by DH and key data --------------- */

static gboolean
parse_kv_data (Reader * r, guint8 kv_type, MikeyBlob * spi, MikeyBlob * from,
    MikeyBlob * to, GError ** error)
{
  switch (kv_type) {
    case MIKEY_KV_NULL:
      return TRUE;
    case MIKEY_KV_SPI:
      return read_blob8 (r, spi, "KV SPI", error);
    case MIKEY_KV_INTERVAL:
      return read_blob8 (r, from, "KV valid-from", error) &&
          read_blob8 (r, to, "KV valid-to", error);
    default:
      return reader_fail (r, error, MIKEY_ERROR_UNSUPPORTED,
          "unknown key validity type %u", kv_type);
  }
}

/* --- payloads ---------------------------------------------------------- */

static gboolean
parse_kemac (Reader * r, MikeyPayload * p, GError ** error)
{
  guint16 enc_len;
  gssize mac_len;

  if (!read_u8 (r, &p->u.kemac.enc_alg, "encryption algorithm", error))
    return FALSE;
  if (p->u.kemac.enc_alg > MIKEY_ENC_AES_KW_128)
    return reader_fail (r, error, MIKEY_ERROR_UNSUPPORTED,
        "unknown encryption algorithm %u", p->u.kemac.enc_alg);
  if (!read_u16 (r, &enc_len, "encrypted data length", error) ||
      !read_blob (r, &p->u.kemac.enc_data, enc_len, "encrypted data", error)
      || !read_u8 (r, &p->u.kemac.mac_alg, "MAC algorithm", error))
    return FALSE;
  mac_len = mikey_mac_len (p->u.kemac.mac_alg);
  if (mac_len < 0)
    return reader_fail (r, error, MIKEY_ERROR_UNSUPPORTED,
        "unknown MAC algorithm %u", p->u.kemac.mac_alg);
  return read_fixed_blob (r, &p->u.kemac.mac, mac_len, "MAC", error);
}

static gboolean
parse_pke (Reader * r, MikeyPayload * p, GError ** error)
{
  guint16 c_len;

  /* C (2 bits) | data len (14 bits) */
  if (!read_u16 (r, &c_len, "C/data length", error))
    return FALSE;
  p->u.pke.cache = c_len >> 14;
  return read_blob (r, &p->u.pke.data, c_len & 0x3fff, "envelope data", error);
}

static gboolean
parse_dh (Reader * r, MikeyPayload * p, GError ** error)
{
  gssize value_len;
  guint8 res_kv;

  if (!read_u8 (r, &p->u.dh.group, "DH group", error))
    return FALSE;
  value_len = mikey_dh_value_len (p->u.dh.group);
  if (value_len < 0)
    return reader_fail (r, error, MIKEY_ERROR_UNSUPPORTED,
        "unknown DH group %u", p->u.dh.group);
  if (!read_fixed_blob (r, &p->u.dh.value, value_len, "DH value", error) ||
      !read_u8 (r, &res_kv, "reserved/KV", error))
    return FALSE;
  p->u.dh.reserved = res_kv >> 4;
  p->u.dh.kv_type = res_kv & 0x0f;
  return parse_kv_data (r, p->u.dh.kv_type, &p->u.dh.kv_spi,
      &p->u.dh.kv_from, &p->u.dh.kv_to, error);
}

static gboolean
parse_sign (Reader * r, MikeyPayload * p, GError ** error)
{
  guint16 type_len;

  /* S type (4 bits) | signature len (12 bits); no next payload field */
  if (!read_u16 (r, &type_len, "S type/signature length", error))
    return FALSE;
  p->u.sign.sign_type = type_len >> 12;
  return read_blob (r, &p->u.sign.signature, type_len & 0x0fff, "signature",
      error);
}

static gboolean
parse_t (Reader * r, MikeyPayload * p, GError ** error)
{
  gssize ts_len;

  if (!read_u8 (r, &p->u.t.ts_type, "TS type", error))
    return FALSE;
  ts_len = mikey_ts_len (p->u.t.ts_type);
  if (ts_len < 0)
    return reader_fail (r, error, MIKEY_ERROR_UNSUPPORTED,
        "unknown TS type %u", p->u.t.ts_type);
  if (!reader_need (r, ts_len, "TS value", error))
    return FALSE;
  p->u.t.value = get_be (r->data + r->pos, ts_len);
  r->pos += ts_len;
  return TRUE;
}

/* ID and CERT carry explicit lengths, so unknown types are kept: the
 * exchange decides whether it can use them. */
static gboolean
parse_id (Reader * r, MikeyPayload * p, GError ** error)
{
  return read_u8 (r, &p->u.id.id_type, "ID type", error) &&
      read_blob16 (r, &p->u.id.data, "ID", error);
}

static gboolean
parse_cert (Reader * r, MikeyPayload * p, GError ** error)
{
  return read_u8 (r, &p->u.cert.cert_type, "certificate type", error) &&
      read_blob16 (r, &p->u.cert.data, "certificate", error);
}

static gboolean
parse_chash (Reader * r, MikeyPayload * p, GError ** error)
{
  gssize hash_len;

  if (!read_u8 (r, &p->u.chash.hash_func, "hash function", error))
    return FALSE;
  hash_len = mikey_hash_len (p->u.chash.hash_func);
  if (hash_len < 0)
    return reader_fail (r, error, MIKEY_ERROR_UNSUPPORTED,
        "unknown hash function %u", p->u.chash.hash_func);
  return read_fixed_blob (r, &p->u.chash.hash, hash_len, "hash", error);
}

static gboolean
parse_v (Reader * r, MikeyPayload * p, GError ** error)
{
  gssize mac_len;

  if (!read_u8 (r, &p->u.v.mac_alg, "authentication algorithm", error))
    return FALSE;
  mac_len = mikey_mac_len (p->u.v.mac_alg);
  if (mac_len < 0)
    return reader_fail (r, error, MIKEY_ERROR_UNSUPPORTED,
        "unknown authentication algorithm %u", p->u.v.mac_alg);
  return read_fixed_blob (r, &p->u.v.mac, mac_len, "verification MAC", error);
}

static gboolean
parse_sp (Reader * r, MikeyPayload * p, GError ** error)
{
  guint16 plen;
  gsize end, pos;
  guint n_params = 0, base, i;
  MikeySpParam *param;

  if (!read_u8 (r, &p->u.sp.policy_no, "policy number", error) ||
      !read_u8 (r, &p->u.sp.proto, "protocol type", error) ||
      !read_u16 (r, &plen, "policy parameter length", error))
    return FALSE;
  if (reader_left (r) < plen)
    return reader_fail (r, error, MIKEY_ERROR_TRUNCATED,
        "policy parameter length %u exceeds the %" G_GSIZE_FORMAT
        " bytes left", plen, reader_left (r));

  /* Parameters are Type (8) | Length (8) | Value, and must fill the
   * policy parameter length exactly. Unknown types are kept. They are
   * checked and counted first, so the array is allocated once. */
  end = r->pos + plen;
  for (pos = r->pos; pos < end; pos += 2 + r->data[pos + 1]) {
    guint8 type, len;

    if (end - pos < 2)
      return reader_fail (r, error, MIKEY_ERROR_INVALID,
          "policy parameter length %u leaves %" G_GSIZE_FORMAT
          " byte that cannot hold a parameter header", plen, end - pos);
    type = r->data[pos];
    len = r->data[pos + 1];
    if (end - pos - 2 < len)
      return reader_fail (r, error, MIKEY_ERROR_INVALID,
          "policy parameter type %u of length %u runs past the policy "
          "parameter length %u", type, len, plen);
    n_params++;
  }

  if (p->u.sp.params == NULL) {
    p->u.sp.params = g_array_sized_new (FALSE, TRUE, sizeof (MikeySpParam),
        n_params);
    g_array_set_clear_func (p->u.sp.params, mikey_sp_param_clear);
  }
  if (n_params == 0)
    return TRUE;
  base = p->u.sp.params->len;
  g_array_set_size (p->u.sp.params, base + n_params);
  /* locals: the compiler cannot tell the blob stores from the reader's
   * fields and would reload them after each one */
  param = &g_array_index (p->u.sp.params, MikeySpParam, base);
  pos = r->pos;
  for (i = 0; i < n_params; i++, param++) {
    guint8 len = r->data[pos + 1];

    param->type = r->data[pos];
    if (r->borrow)
      mikey_blob_borrow (&param->value, r->data + pos + 2, len);
    else
      mikey_blob_set (&param->value, r->data + pos + 2, len);
    pos += 2 + len;
  }
  r->pos = pos;
  return TRUE;
}

static gboolean
parse_rand (Reader * r, MikeyPayload * p, GError ** error)
{
  return read_blob8 (r, &p->u.rand.rand, "RAND", error);
}

static gboolean
parse_err (Reader * r, MikeyPayload * p, GError ** error)
{
  return read_u8 (r, &p->u.err.err_no, "error number", error) &&
      read_u16 (r, &p->u.err.reserved, "reserved", error);
}

static gboolean
parse_key_data (Reader * r, MikeyKeyData * kd, GError ** error)
{
  guint8 type_kv;

  /* Type (4 bits) | KV (4 bits) */
  if (!read_u8 (r, &type_kv, "type/KV", error))
    return FALSE;
  kd->type = type_kv >> 4;
  kd->kv_type = type_kv & 0x0f;
  if (kd->type > MIKEY_KD_TEK_SALT)
    return reader_fail (r, error, MIKEY_ERROR_UNSUPPORTED,
        "unknown key data type %u", kd->type);
  if (!read_blob16 (r, &kd->key, "key data", error))
    return FALSE;
  if (kd->type == MIKEY_KD_TGK_SALT || kd->type == MIKEY_KD_TEK_SALT) {
    if (!read_blob16 (r, &kd->salt, "salt", error))
      return FALSE;
  }
  return parse_kv_data (r, kd->kv_type, &kd->kv_spi, &kd->kv_from,
      &kd->kv_to, error);
}

static gboolean
parse_gen_ext (Reader * r, MikeyPayload * p, GError ** error)
{
  return read_u8 (r, &p->u.gen_ext.ext_type, "extension type", error) &&
      read_blob16 (r, &p->u.gen_ext.data, "extension data", error);
}

typedef gboolean (*ParseFunc) (Reader * r, MikeyPayload * p, GError ** error);

static ParseFunc
payload_parser (guint8 type)
{
  switch (type) {
    case MIKEY_PT_KEMAC:
      return parse_kemac;
    case MIKEY_PT_PKE:
      return parse_pke;
    case MIKEY_PT_DH:
      return parse_dh;
    case MIKEY_PT_SIGN:
      return parse_sign;
    case MIKEY_PT_T:
      return parse_t;
    case MIKEY_PT_ID:
      return parse_id;
    case MIKEY_PT_CERT:
      return parse_cert;
    case MIKEY_PT_CHASH:
      return parse_chash;
    case MIKEY_PT_V:
      return parse_v;
    case MIKEY_PT_SP:
      return parse_sp;
    case MIKEY_PT_RAND:
      return parse_rand;
    case MIKEY_PT_ERR:
      return parse_err;
    case MIKEY_PT_GEN_EXT:
      return parse_gen_ext;
    default:
      return NULL;
  }
}

static gboolean
parse_key_data_payload (Reader * r, MikeyPayload * p, GError ** error)
{
  return parse_key_data (r, &p->u.key_data, error);
}

/* Where the common header keeps #CS and the CS ID map type */
#define HDR_N_CS_OFFSET 8
#define HDR_MAP_TYPE_OFFSET 9

MikeyMessage *
mikey_message_parse (const guint8 * data, gsize len, GError ** error)
{
  Reader r = { NULL, len, 0, 0, "HDR", 0, TRUE };
  MikeyMessage *msg;
  guint8 next = MIKEY_PT_LAST;
  guint n_cs = 0;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* only sizes the crypto session array: parse_hdr checks everything */
  if (len > HDR_MAP_TYPE_OFFSET && data[HDR_MAP_TYPE_OFFSET] ==
      MIKEY_MAP_SRTP_ID)
    n_cs = data[HDR_N_CS_OFFSET];
  msg = mikey_message_new_parsed (data, len, n_cs, &r.data);
  if (!parse_hdr (&r, &msg->hdr, &next, error))
    goto fail;

  while (next != MIKEY_PT_LAST) {
    guint8 type = next;
    ParseFunc parse;
    MikeyPayload *p;

    /* Key data sub-payloads normally live inside a KEMAC, but the
     * payload name space has them too, so they are accepted here. */
    parse = type == MIKEY_PT_KEY_DATA ? parse_key_data_payload :
        payload_parser (type);
    if (!parse) {
      /* reported against the payload whose next field names it */
      reader_fail (&r, error, MIKEY_ERROR_UNSUPPORTED,
          "next payload type %u is unknown", type);
      goto fail;
    }

    reader_begin (&r, mikey_payload_type_name (type));
    p = mikey_message_add_new (msg, type);
    /* SIGN alone has no next payload field: it always ends the message */
    if (type == MIKEY_PT_SIGN)
      next = MIKEY_PT_LAST;
    else if (!read_u8 (&r, &next, "next payload", error))
      goto fail;
    if (!parse (&r, p, error))
      goto fail;
  }

  if (reader_left (&r) > 0) {
    reader_fail (&r, error, MIKEY_ERROR_INVALID,
        "%" G_GSIZE_FORMAT " trailing byte%s after the last payload",
        reader_left (&r), reader_left (&r) == 1 ? "" : "s");
    goto fail;
  }
  return msg;

fail:
  mikey_message_free (msg);
  return NULL;
}

GPtrArray *
mikey_key_data_parse_list (const guint8 * data, gsize len,
    gsize base_offset, GError ** error)
{
  Reader r = { data, len, 0, base_offset, "key data", 0, FALSE };
  GPtrArray *list;
  guint8 next = MIKEY_PT_KEY_DATA;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  list = g_ptr_array_new_with_free_func ((GDestroyNotify) mikey_payload_free);
  /* An empty list is valid: a DHHMAC KEMAC carries no key data. */
  while (len > 0 && next == MIKEY_PT_KEY_DATA) {
    MikeyPayload *p = mikey_payload_new (MIKEY_PT_KEY_DATA);

    g_ptr_array_add (list, p);
    reader_begin (&r, "key data");
    if (!read_u8 (&r, &next, "next payload", error) ||
        !parse_key_data (&r, &p->u.key_data, error))
      goto fail;
    if (next != MIKEY_PT_KEY_DATA && next != MIKEY_PT_LAST) {
      reader_fail (&r, error, MIKEY_ERROR_INVALID,
          "next payload type %u inside a key data list (only 20, more key "
          "data, or 0, last, may follow)", next);
      goto fail;
    }
    if (next == MIKEY_PT_KEY_DATA && reader_left (&r) == 0) {
      reader_fail (&r, error, MIKEY_ERROR_INVALID,
          "next payload announces more key data, but the list ends here");
      goto fail;
    }
  }
  if (reader_left (&r) > 0) {
    reader_fail (&r, error, MIKEY_ERROR_INVALID,
        "%" G_GSIZE_FORMAT " trailing byte%s after the last key data "
        "sub-payload", reader_left (&r), reader_left (&r) == 1 ? "" : "s");
    goto fail;
  }
  return list;

fail:
  g_ptr_array_unref (list);
  return NULL;
}
