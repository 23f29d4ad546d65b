/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: construction and destruction of the message model.
 *
 * Every byte string a message holds may be key material (KEMAC plaintext,
 * salts, DH values), so all of them are wiped with OPENSSL_cleanse before
 * their memory goes back to the allocator.
 *
 * Parsing is on the path of every datagram a responder receives, and
 * allocation used to be most of its cost, so a parsed message is one
 * allocation (MessageImpl): the public struct, room for its first payloads
 * and a copy of the wire bytes its blobs point into. That copy is wiped in
 * one go when the message is freed, instead of one wipe and free per blob.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "mikey-message-private.h"

/* Payloads a parsed message holds without allocating: a camera's MIKEY-NULL
 * message has 4, a PSK initiation 4 to 7. More go on the heap. Between
 * MIN and MAX, as many as keep the whole allocation within SMALL_ALLOC:
 * glibc serves blocks up to about 1 KiB from a per-thread cache, several
 * times faster than bigger ones. */
#define INLINE_PAYLOADS_MIN 4
#define INLINE_PAYLOADS_MAX 8
#define SMALL_ALLOC 1024

/* The room for payloads and the copy follow the struct in the same
 * allocation (pointers rather than array members, so that a message built
 * by hand, which has neither, is a whole MessageImpl all the same). */
typedef struct
{
  MikeyMessage msg;             /* first: a MikeyMessage* points here */
  guint n_inline;               /* inline payloads handed out */
  guint inline_cap;             /* 0 for messages built by hand */
  MikeyPayload *inline_payloads;        /* inline_cap of them */
  guint8 *copy;                 /* the parsed bytes */
  gsize copy_len;
} MessageImpl;

G_STATIC_ASSERT (sizeof (MessageImpl) % G_ALIGNOF (MikeyPayload) == 0);

/* --- blobs ------------------------------------------------------------- */

/* Copies @len bytes of @data into @blob, replacing what it held. @data may
 * be NULL, in which case @len zero bytes are stored (handy for "reserve
 * then fill"). @data may point into @blob's own buffer. */
void
mikey_blob_set (MikeyBlob * blob, const guint8 * data, gsize len)
{
  guint8 *copy = NULL;

  g_return_if_fail (blob != NULL);

  if (len > 0) {
    copy = g_malloc (len);
    if (data)
      memcpy (copy, data, len);
    else
      memset (copy, 0, len);
  }
  mikey_blob_clear (blob);
  blob->data = copy;
  blob->len = len;
}

/* A borrowed blob's bytes stay in the message's copy until the message is
 * freed; they are wiped now all the same, as the caller asked to drop them. */
void
mikey_blob_clear (MikeyBlob * blob)
{
  if (!blob)
    return;
  if (blob->borrowed)
    OPENSSL_cleanse (blob->data, blob->len);
  else
    mikey_secure_free (blob->data, blob->len);
  blob->data = NULL;
  blob->len = 0;
  blob->borrowed = FALSE;
}

/* Freeing a payload or message: borrowed bytes are wiped with the whole
 * copy when the message goes, so only owned ones need work here. */
static inline void
blob_release (MikeyBlob * blob)
{
  if (!blob->borrowed && blob->data)
    mikey_secure_free (blob->data, blob->len);
}

/* Constant time in the contents (not the lengths), since blobs hold MACs
 * and keys. */
gboolean
mikey_blob_equal (const MikeyBlob * a, const MikeyBlob * b)
{
  if (a->len != b->len)
    return FALSE;
  if (a->len == 0)
    return TRUE;
  return CRYPTO_memcmp (a->data, b->data, a->len) == 0;
}

void
mikey_secure_free (gpointer buf, gsize len)
{
  if (!buf)
    return;
  if (len > 0)
    OPENSSL_cleanse (buf, len);
  g_free (buf);
}

gchar *
mikey_hex_encode (const guint8 * data, gsize len)
{
  static const gchar digits[] = "0123456789abcdef";
  gchar *out = g_malloc (len * 2 + 1);
  gsize i;

  for (i = 0; i < len; i++) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 0xf];
  }
  out[2 * len] = '\0';
  return out;
}

/* --- payloads ---------------------------------------------------------- */

void
mikey_sp_param_clear (gpointer data)
{
  MikeySpParam *param = data;

  blob_release (&param->value);
}

MikeyPayload *
mikey_payload_new (MikeyPayloadType type)
{
  MikeyPayload *p = g_new0 (MikeyPayload, 1);

  p->type = type;
  if (type == MIKEY_PT_SP) {
    p->u.sp.params = g_array_new (FALSE, TRUE, sizeof (MikeySpParam));
    g_array_set_clear_func (p->u.sp.params, mikey_sp_param_clear);
  }
  return p;
}

static void
key_data_clear (MikeyKeyData * kd)
{
  blob_release (&kd->key);
  blob_release (&kd->salt);
  blob_release (&kd->kv_spi);
  blob_release (&kd->kv_from);
  blob_release (&kd->kv_to);
}

/* Frees what @p owns, not @p itself. */
static void
payload_release (MikeyPayload * p)
{
  switch (p->type) {
    case MIKEY_PT_KEMAC:
      blob_release (&p->u.kemac.enc_data);
      blob_release (&p->u.kemac.mac);
      break;
    case MIKEY_PT_PKE:
      blob_release (&p->u.pke.data);
      break;
    case MIKEY_PT_DH:
      blob_release (&p->u.dh.value);
      blob_release (&p->u.dh.kv_spi);
      blob_release (&p->u.dh.kv_from);
      blob_release (&p->u.dh.kv_to);
      break;
    case MIKEY_PT_SIGN:
      blob_release (&p->u.sign.signature);
      break;
    case MIKEY_PT_ID:
      blob_release (&p->u.id.data);
      break;
    case MIKEY_PT_CERT:
      blob_release (&p->u.cert.data);
      break;
    case MIKEY_PT_CHASH:
      blob_release (&p->u.chash.hash);
      break;
    case MIKEY_PT_V:
      blob_release (&p->u.v.mac);
      break;
    case MIKEY_PT_SP:
      if (p->u.sp.params)
        g_array_unref (p->u.sp.params);
      break;
    case MIKEY_PT_RAND:
      blob_release (&p->u.rand.rand);
      break;
    case MIKEY_PT_KEY_DATA:
      key_data_clear (&p->u.key_data);
      break;
    case MIKEY_PT_GEN_EXT:
      blob_release (&p->u.gen_ext.data);
      break;
    default:
      /* T, ERR and unknown types own no memory */
      break;
  }
}

void
mikey_payload_free (MikeyPayload * p)
{
  gboolean borrowed;

  if (!p)
    return;

  payload_release (p);
  borrowed = p->borrowed;
  OPENSSL_cleanse (p, sizeof (*p));
  /* a payload inside its message goes with the message's memory */
  if (!borrowed)
    g_free (p);
}

/* --- messages ---------------------------------------------------------- */

MikeyMessage *
mikey_message_new (void)
{
  MessageImpl *impl = g_new0 (MessageImpl, 1);
  MikeyMessage *msg = &impl->msg;

  msg->hdr.version = MIKEY_VERSION;
  msg->hdr.prf = MIKEY_PRF_MIKEY_1;
  msg->hdr.map_type = MIKEY_MAP_SRTP_ID;
  msg->hdr.cs = g_array_new (FALSE, TRUE, sizeof (MikeySrtpCs));
  msg->payloads =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mikey_payload_free);
  return msg;
}

MikeyMessage *
mikey_message_new_parsed (const guint8 * data, gsize len, guint n_cs,
    const guint8 ** copy)
{
  guint cap = INLINE_PAYLOADS_MAX;
  gsize room;
  MessageImpl *impl;

  while (cap > INLINE_PAYLOADS_MIN && sizeof (MessageImpl) +
      cap * sizeof (MikeyPayload) + len > SMALL_ALLOC)
    cap--;
  room = cap * sizeof (MikeyPayload);
  impl = g_malloc (sizeof (MessageImpl) + room + len);
  /* payloads are zeroed as they are handed out */
  memset (impl, 0, sizeof (MessageImpl));
  impl->inline_cap = cap;
  impl->inline_payloads = (MikeyPayload *) (impl + 1);
  impl->copy = (guint8 *) (impl + 1) + room;
  impl->copy_len = len;
  if (len > 0)
    memcpy (impl->copy, data, len);
  *copy = impl->copy;

  impl->msg.hdr.cs = g_array_sized_new (FALSE, TRUE, sizeof (MikeySrtpCs),
      n_cs);
  impl->msg.payloads = g_ptr_array_new_full (cap,
      (GDestroyNotify) mikey_payload_free);
  return &impl->msg;
}

MikeyPayload *
mikey_message_add_new (MikeyMessage * msg, guint8 type)
{
  MessageImpl *impl = (MessageImpl *) msg;
  MikeyPayload *p;

  if (impl->n_inline < impl->inline_cap) {
    static const MikeyPayload zero_payload;

    /* A copy of a zero payload compiles to a few vector stores, where a
     * memset of the same size becomes a rep stos that costs several times
     * more, and zeroing all the room in advance would cost more still. */
    p = &impl->inline_payloads[impl->n_inline++];
    *p = zero_payload;
    p->borrowed = TRUE;
  } else {
    p = g_new0 (MikeyPayload, 1);
  }
  p->type = type;
  g_ptr_array_add (msg->payloads, p);
  return p;
}

void
mikey_message_free (MikeyMessage * msg)
{
  MessageImpl *impl = (MessageImpl *) msg;
  guint i;

  if (!msg)
    return;
  g_array_unref (msg->hdr.cs);
  /* The inline payloads go with the allocation; heap ones (past the room
   * inside, or added by hand) are wiped and freed one by one. */
  for (i = 0; i < msg->payloads->len; i++) {
    MikeyPayload *p = g_ptr_array_index (msg->payloads, i);

    if (p->borrowed)
      payload_release (p);
    else
      mikey_payload_free (p);
  }
  g_ptr_array_set_free_func (msg->payloads, NULL);
  g_ptr_array_unref (msg->payloads);
  /* The inline payload structs hold lengths, algorithm numbers and
   * pointers, no key material: that is all in the copy, wiped here. */
  if (impl->copy_len > 0)
    OPENSSL_cleanse (impl->copy, impl->copy_len);
  g_free (impl);
}

MikeyPayload *
mikey_message_add (MikeyMessage * msg, MikeyPayload * p)
{
  g_return_val_if_fail (msg != NULL, NULL);
  g_return_val_if_fail (p != NULL, NULL);

  g_ptr_array_add (msg->payloads, p);
  return p;
}

void
mikey_message_add_cs_srtp (MikeyMessage * msg, guint8 policy_no,
    guint32 ssrc, guint32 roc)
{
  MikeySrtpCs cs;

  g_return_if_fail (msg != NULL);

  cs.policy_no = policy_no;
  cs.ssrc = ssrc;
  cs.roc = roc;
  g_array_append_val (msg->hdr.cs, cs);
}

MikeyPayload *
mikey_message_find (const MikeyMessage * msg, MikeyPayloadType type,
    guint * idx)
{
  guint i;

  g_return_val_if_fail (msg != NULL, NULL);

  for (i = idx ? *idx : 0; i < msg->payloads->len; i++) {
    MikeyPayload *p = g_ptr_array_index (msg->payloads, i);

    if (p->type == type) {
      if (idx)
        *idx = i;
      return p;
    }
  }
  return NULL;
}

/* --- security policy parameters --------------------------------------- */

void
mikey_sp_add_param (MikeyPayload * sp, guint8 type, const guint8 * value,
    gsize len)
{
  MikeySpParam param = { 0, };

  g_return_if_fail (sp != NULL && sp->type == MIKEY_PT_SP);

  param.type = type;
  mikey_blob_set (&param.value, value, len);
  g_array_append_val (sp->u.sp.params, param);
}

void
mikey_sp_add_param_u8 (MikeyPayload * sp, guint8 type, guint8 value)
{
  mikey_sp_add_param (sp, type, &value, 1);
}

const MikeySpParam *
mikey_sp_get_param (const MikeyPayload * sp, guint8 type)
{
  guint i;

  g_return_val_if_fail (sp != NULL && sp->type == MIKEY_PT_SP, NULL);

  for (i = 0; i < sp->u.sp.params->len; i++) {
    const MikeySpParam *param =
        &g_array_index (sp->u.sp.params, MikeySpParam, i);

    if (param->type == type)
      return param;
  }
  return NULL;
}

/* --- lengths implied by algorithm values ------------------------------- */

gssize
mikey_mac_len (guint8 mac_alg)
{
  switch (mac_alg) {
    case MIKEY_MAC_NULL:
      return 0;
    case MIKEY_MAC_HMAC_SHA1_160:
      return MIKEY_MAC_HMAC_SHA1_160_LEN;
    default:
      return -1;
  }
}

/* The DH value is the public value padded to the group's modulus size
 * (RFC 3830 6.4): 1536, 768 and 1024 bits. */
gssize
mikey_dh_value_len (guint8 group)
{
  switch (group) {
    case MIKEY_DH_GROUP_OAKLEY5:
      return 192;
    case MIKEY_DH_GROUP_OAKLEY1:
      return 96;
    case MIKEY_DH_GROUP_OAKLEY2:
      return 128;
    default:
      return -1;
  }
}

gssize
mikey_hash_len (guint8 hash_func)
{
  switch (hash_func) {
    case MIKEY_HASH_SHA1:
      return 20;
    case MIKEY_HASH_MD5:
      return 16;
    default:
      return -1;
  }
}

gssize
mikey_ts_len (guint8 ts_type)
{
  switch (ts_type) {
    case MIKEY_TS_NTP_UTC:
    case MIKEY_TS_NTP:
      return 8;
    case MIKEY_TS_COUNTER:
      return 4;
    default:
      return -1;
  }
}
