/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: in-memory form of a MIKEY message and its wire codec.
 *
 * A message is a common header plus an ordered list of payloads. The
 * "next payload" fields are not stored: they follow from the order of the
 * list, so a list can never disagree with its own chaining. Every field of
 * every payload (reserved bits included) is kept, so parse followed by
 * serialize gives back the same bytes.
 *
 * No I/O and no crypto happen here: KEMAC encryption, MACs and signatures
 * are computed by mikey-kemac / the exchanges over the serialized bytes.
 */
#pragma once

#include <glib.h>
#include "mikey-api.h"
#include "mikey-types.h"
#include "mikey-error.h"

G_BEGIN_DECLS

/* A byte string owned by the struct that holds it. Cleared with
 * OPENSSL_cleanse before it is freed, since many of them hold secrets.
 *
 * A parsed message keeps one copy of the bytes it was parsed from, and its
 * blobs point into that copy instead of holding an allocation each:
 * @borrowed is then TRUE. The copy belongs to the message and is wiped as a
 * whole when the message is freed. Use mikey_blob_set / mikey_blob_clear
 * (or mikey_blob_set_zero) to replace or drop a blob's contents: they
 * handle both kinds. Never g_free a blob's data directly. */
typedef struct
{
  guint8 *data;
  gsize len;
  gboolean borrowed;
} MikeyBlob;

/* Copies @len bytes of @data (zeros if @data is NULL), wiping the old
 * contents; @data may point into @blob itself. */
MIKEY_API
void mikey_blob_set (MikeyBlob * blob, const guint8 * data, gsize len);
MIKEY_API
void mikey_blob_clear (MikeyBlob * blob);
MIKEY_API
gboolean mikey_blob_equal (const MikeyBlob * a, const MikeyBlob * b);

/* One entry of the SRTP-ID crypto session map (RFC 3830 6.1.1). */
typedef struct
{
  guint8 policy_no;
  guint32 ssrc;
  guint32 roc;
} MikeySrtpCs;

typedef struct
{
  guint8 version;               /* MIKEY_VERSION */
  guint8 data_type;             /* MikeyDataType */
  gboolean v;                   /* verification message requested */
  guint8 prf;                   /* MikeyPrfFunc (7 bits) */
  guint32 csb_id;
  guint8 map_type;              /* MikeyMapType */
  /* For MIKEY_MAP_SRTP_ID: one entry per crypto session; the wire #CS is
   * cs->len. For MIKEY_MAP_EMPTY: #CS is n_cs_empty and no map follows. */
  GArray *cs;                   /* of MikeySrtpCs, never NULL */
  guint8 n_cs_empty;
} MikeyHeader;

/* Key data sub-payload (RFC 3830 6.13), found inside a KEMAC or PKE. */
typedef struct
{
  guint8 type;                  /* MikeyKeyDataType */
  guint8 kv_type;               /* MikeyKvType */
  MikeyBlob key;
  MikeyBlob salt;               /* only for TGK+SALT / TEK+SALT */
  MikeyBlob kv_spi;             /* KV SPI/MKI */
  MikeyBlob kv_from;            /* KV interval */
  MikeyBlob kv_to;
} MikeyKeyData;

typedef struct
{
  guint8 type;
  MikeyBlob value;
} MikeySpParam;

typedef struct
{
  guint8 type;                  /* MikeyPayloadType; selects the union arm */
  /* private: TRUE when the payload lives inside the parsed message that
   * holds it (mikey_payload_free then clears it without freeing it) */
  guint8 borrowed;
  union
  {
    struct
    {
      guint8 enc_alg;           /* MikeyEncAlg */
      MikeyBlob enc_data;       /* encrypted (or plain, for NULL) key data */
      guint8 mac_alg;           /* MikeyMacAlg */
      MikeyBlob mac;            /* length fixed by mac_alg */
    } kemac;
    struct
    {
      guint8 cache;             /* MikeyCacheType (2 bits) */
      MikeyBlob data;           /* length: 14 bits */
    } pke;
    struct
    {
      guint8 group;             /* MikeyDhGroup */
      MikeyBlob value;          /* length fixed by group */
      guint8 reserved;          /* 4 bits */
      guint8 kv_type;           /* MikeyKvType (4 bits) */
      MikeyBlob kv_spi;
      MikeyBlob kv_from;
      MikeyBlob kv_to;
    } dh;
    struct
    {
      guint8 sign_type;         /* MikeySignType (4 bits) */
      MikeyBlob signature;      /* length: 12 bits */
    } sign;
    struct
    {
      guint8 ts_type;           /* MikeyTsType */
      guint64 value;            /* NTP: 32.32 fixed point; COUNTER: 32 bits */
    } t;
    struct
    {
      guint8 id_type;           /* MikeyIdType */
      MikeyBlob data;
    } id;
    struct
    {
      guint8 cert_type;         /* MikeyCertType */
      MikeyBlob data;
    } cert;
    struct
    {
      guint8 hash_func;         /* MikeyHashFunc */
      MikeyBlob hash;           /* length fixed by hash_func */
    } chash;
    struct
    {
      guint8 mac_alg;           /* MikeyMacAlg */
      MikeyBlob mac;            /* length fixed by mac_alg */
    } v;
    struct
    {
      guint8 policy_no;
      guint8 proto;             /* MikeySecProto */
      GArray *params;           /* of MikeySpParam, never NULL */
    } sp;
    struct
    {
      MikeyBlob rand;
    } rand;
    struct
    {
      guint8 err_no;            /* MikeyErrType */
      guint16 reserved;
    } err;
    MikeyKeyData key_data;
    struct
    {
      guint8 ext_type;          /* MikeyGenExtType */
      MikeyBlob data;
    } gen_ext;
  } u;
} MikeyPayload;

typedef struct
{
  MikeyHeader hdr;
  GPtrArray *payloads;          /* of MikeyPayload*, owned, never NULL */
} MikeyMessage;

/* --- construction ------------------------------------------------------ */

MIKEY_API
MikeyMessage *mikey_message_new (void);
MIKEY_API
void mikey_message_free (MikeyMessage * msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MikeyMessage, mikey_message_free);

/* New zeroed payload of @type (SP params array created). */
MIKEY_API
MikeyPayload *mikey_payload_new (MikeyPayloadType type);
MIKEY_API
void mikey_payload_free (MikeyPayload * p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MikeyPayload, mikey_payload_free);

/* Takes ownership of @p; returns @p for chaining field setup. */
MIKEY_API
MikeyPayload *mikey_message_add (MikeyMessage * msg, MikeyPayload * p);
MIKEY_API
void mikey_message_add_cs_srtp (MikeyMessage * msg, guint8 policy_no,
    guint32 ssrc, guint32 roc);

/* First payload of @type at or after index *@idx (pass NULL to start from
 * 0); on return *@idx is its index. NULL when there is none. */
MIKEY_API
MikeyPayload *mikey_message_find (const MikeyMessage * msg,
    MikeyPayloadType type, guint * idx);

MIKEY_API
void mikey_sp_add_param (MikeyPayload * sp, guint8 type, const guint8 * value,
    gsize len);
MIKEY_API
void mikey_sp_add_param_u8 (MikeyPayload * sp, guint8 type, guint8 value);
/* NULL when absent */
MIKEY_API
const MikeySpParam *mikey_sp_get_param (const MikeyPayload * sp, guint8 type);

/* Fixed wire lengths implied by an algorithm value; -1 when unknown. */
MIKEY_API
gssize mikey_mac_len (guint8 mac_alg);
MIKEY_API
gssize mikey_dh_value_len (guint8 group);
MIKEY_API
gssize mikey_hash_len (guint8 hash_func);
MIKEY_API
gssize mikey_ts_len (guint8 ts_type);

/* --- wire codec -------------------------------------------------------- */

/* Parses a complete message. Never reads outside [data, data+len); rejects
 * trailing bytes, inconsistent lengths and values whose length it cannot
 * know. Errors name the payload and byte offset. The KEMAC's key data is not
 * parsed here (it may be encrypted): see mikey_key_data_parse_list().
 * The message keeps its own copy of @data, which its blobs point into
 * (MikeyBlob.borrowed); @data may be freed as soon as this returns. */
MIKEY_API
MikeyMessage *mikey_message_parse (const guint8 * data, gsize len,
    GError ** error);

/* Serializes; the bytes are wiped when the GBytes is freed. Fails
 * (MIKEY_ERROR_INVALID, message naming the payload index and offset) only on
 * what the wire cannot express: a field too long for its length field, a
 * MAC / DH value / hash whose length differs from its algorithm's, an
 * unknown payload type / algorithm / TS / map / KV / key data type, a SIGN
 * that is not last, a value too wide for its bit field, or KV data / salt
 * that the chosen KV or key data type does not carry. */
MIKEY_API
GBytes *mikey_message_serialize (const MikeyMessage * msg, GError ** error);

/* Byte offset at which the MAC/signature field of the last KEMAC, V or SIGN
 * payload starts in a serialized message, i.e. the length of the data the
 * MAC/signature covers. For KEMAC and V that is just after the MAC alg
 * byte; for SIGN just after the S type / signature length bytes (they are
 * covered, only the signature itself is left out). -1 if @msg has no such
 * payload or cannot be serialized. */
MIKEY_API
gssize mikey_message_auth_offset (const MikeyMessage * msg);

/* Key data sub-payload lists, the plaintext of a KEMAC (chained by their own
 * next-payload fields, 20 = more key data, 0 = last). Returns a GPtrArray of
 * MikeyPayload* (type MIKEY_PT_KEY_DATA), freeing function set. */
MIKEY_API
GPtrArray *mikey_key_data_parse_list (const guint8 * data, gsize len,
    gsize base_offset, GError ** error);
/* Returns a g_malloc'ed buffer holding key material: release it with
 * mikey_secure_free (buf, *out_len). An empty list gives a non-NULL buffer
 * with *out_len 0 (NULL always means an error). */
MIKEY_API
guint8 *mikey_key_data_serialize_list (GPtrArray * key_data, gsize * out_len,
    GError ** error);

/* OPENSSL_cleanse then g_free. NULL-safe. */
MIKEY_API
void mikey_secure_free (gpointer buf, gsize len);

/* Lower-case hex of @len bytes. Free with g_free, or with
 * mikey_secure_free (hex, strlen (hex)) when @data was key material. */
MIKEY_API
gchar *mikey_hex_encode (const guint8 * data, gsize len);

G_END_DECLS
