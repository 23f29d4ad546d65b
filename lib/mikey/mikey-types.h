/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: wire constants (RFC 3830 and extensions).
 *
 * Every value here is what goes on the wire; names follow RFC 3830
 * section 6 (and GStreamer's gstmikey.h where it has one).
 */
#pragma once

#include <glib.h>
#include "mikey-api.h"

G_BEGIN_DECLS

#define MIKEY_VERSION 1

/* RFC 3830 6.1 "data type", RFC 4650 adds DHHMAC, RFC 4738 adds RSA-R */
typedef enum
{
  MIKEY_DT_PSK_INIT = 0,
  MIKEY_DT_PSK_VERIFY = 1,
  MIKEY_DT_PK_INIT = 2,
  MIKEY_DT_PK_VERIFY = 3,
  MIKEY_DT_DH_INIT = 4,
  MIKEY_DT_DH_RESP = 5,
  MIKEY_DT_ERROR = 6,
  MIKEY_DT_DHHMAC_INIT = 7,
  MIKEY_DT_DHHMAC_RESP = 8,
  MIKEY_DT_RSA_R_INIT = 9,
  MIKEY_DT_RSA_R_RESP = 10,
} MikeyDataType;

#define MIKEY_DT_MAX MIKEY_DT_RSA_R_RESP

/* RFC 3830 6.1 "next payload" / payload identifiers */
typedef enum
{
  MIKEY_PT_LAST = 0,
  MIKEY_PT_KEMAC = 1,
  MIKEY_PT_PKE = 2,
  MIKEY_PT_DH = 3,
  MIKEY_PT_SIGN = 4,
  MIKEY_PT_T = 5,
  MIKEY_PT_ID = 6,
  MIKEY_PT_CERT = 7,
  MIKEY_PT_CHASH = 8,
  MIKEY_PT_V = 9,
  MIKEY_PT_SP = 10,
  MIKEY_PT_RAND = 11,
  MIKEY_PT_ERR = 12,
  MIKEY_PT_KEY_DATA = 20,
  MIKEY_PT_GEN_EXT = 21,
} MikeyPayloadType;

typedef enum
{
  MIKEY_PRF_MIKEY_1 = 0,
} MikeyPrfFunc;

/* RFC 3830 6.1 SRTP-ID, RFC 4563 empty map */
typedef enum
{
  MIKEY_MAP_SRTP_ID = 0,
  MIKEY_MAP_EMPTY = 1,
} MikeyMapType;

/* RFC 3830 6.2 KEMAC */
typedef enum
{
  MIKEY_ENC_NULL = 0,
  MIKEY_ENC_AES_CM_128 = 1,
  MIKEY_ENC_AES_KW_128 = 2,
} MikeyEncAlg;

typedef enum
{
  MIKEY_MAC_NULL = 0,
  MIKEY_MAC_HMAC_SHA1_160 = 1,
} MikeyMacAlg;

#define MIKEY_MAC_HMAC_SHA1_160_LEN 20

/* RFC 3830 6.3 PKE cache type */
typedef enum
{
  MIKEY_CACHE_NONE = 0,
  MIKEY_CACHE_ALWAYS = 1,
  MIKEY_CACHE_FOR_CSB = 2,
} MikeyCacheType;

/* RFC 3830 6.4 DH groups (note: OAKLEY 5 is value 0) */
typedef enum
{
  MIKEY_DH_GROUP_OAKLEY5 = 0,
  MIKEY_DH_GROUP_OAKLEY1 = 1,
  MIKEY_DH_GROUP_OAKLEY2 = 2,
} MikeyDhGroup;

/* RFC 3830 6.5 SIGN */
typedef enum
{
  MIKEY_SIGN_RSA_PKCS1_1_5 = 0,
  MIKEY_SIGN_RSA_PSS = 1,
} MikeySignType;

/* RFC 3830 6.6 T */
typedef enum
{
  MIKEY_TS_NTP_UTC = 0,
  MIKEY_TS_NTP = 1,
  MIKEY_TS_COUNTER = 2,
} MikeyTsType;

/* RFC 3830 6.7 ID (RFC 6043 adds byte string) */
typedef enum
{
  MIKEY_ID_NAI = 0,
  MIKEY_ID_URI = 1,
  MIKEY_ID_BYTE_STRING = 2,
} MikeyIdType;

/* RFC 3830 6.7 CERT */
typedef enum
{
  MIKEY_CERT_X509V3 = 0,
  MIKEY_CERT_X509V3_URL = 1,
  MIKEY_CERT_X509V3_SIGN = 2,
  MIKEY_CERT_X509V3_ENCR = 3,
} MikeyCertType;

/* RFC 3830 6.8 CHASH */
typedef enum
{
  MIKEY_HASH_SHA1 = 0,
  MIKEY_HASH_MD5 = 1,
} MikeyHashFunc;

/* RFC 3830 6.10 SP */
typedef enum
{
  MIKEY_PROTO_SRTP = 0,
} MikeySecProto;

/* RFC 3830 6.10.1 SRTP policy parameter types (+ RFC 7714 AEAD tag) */
typedef enum
{
  MIKEY_SP_SRTP_ENC_ALG = 0,
  MIKEY_SP_SRTP_ENC_KEY_LEN = 1,
  MIKEY_SP_SRTP_AUTH_ALG = 2,
  MIKEY_SP_SRTP_AUTH_KEY_LEN = 3,
  MIKEY_SP_SRTP_SALT_KEY_LEN = 4,
  MIKEY_SP_SRTP_PRF = 5,
  MIKEY_SP_SRTP_KEY_DERIV_RATE = 6,
  MIKEY_SP_SRTP_SRTP_ENC = 7,
  MIKEY_SP_SRTP_SRTCP_ENC = 8,
  MIKEY_SP_SRTP_FEC_ORDER = 9,
  MIKEY_SP_SRTP_SRTP_AUTH = 10,
  MIKEY_SP_SRTP_AUTH_TAG_LEN = 11,
  MIKEY_SP_SRTP_PREFIX_LEN = 12,
  MIKEY_SP_SRTP_AEAD_AUTH_TAG_LEN = 20,
} MikeySpSrtpParam;

/* Values of MIKEY_SP_SRTP_ENC_ALG (RFC 3830, RFC 7714) */
typedef enum
{
  MIKEY_SRTP_ENC_NULL = 0,
  MIKEY_SRTP_ENC_AES_CM = 1,
  MIKEY_SRTP_ENC_AES_F8 = 2,
  MIKEY_SRTP_ENC_AES_GCM = 6,
} MikeySrtpEncAlg;

/* Values of MIKEY_SP_SRTP_AUTH_ALG */
typedef enum
{
  MIKEY_SRTP_AUTH_NULL = 0,
  MIKEY_SRTP_AUTH_HMAC_SHA1 = 1,
} MikeySrtpAuthAlg;

/* RFC 3830 6.12 ERR */
typedef enum
{
  MIKEY_ERR_AUTH_FAILURE = 0,
  MIKEY_ERR_INVALID_TS = 1,
  MIKEY_ERR_INVALID_PRF = 2,
  MIKEY_ERR_INVALID_MAC = 3,
  MIKEY_ERR_INVALID_EA = 4,
  MIKEY_ERR_INVALID_HA = 5,
  MIKEY_ERR_INVALID_DH = 6,
  MIKEY_ERR_INVALID_ID = 7,
  MIKEY_ERR_INVALID_CERT = 8,
  MIKEY_ERR_INVALID_SP = 9,
  MIKEY_ERR_INVALID_SPPAR = 10,
  MIKEY_ERR_INVALID_DT = 11,
  MIKEY_ERR_UNSPECIFIED = 12,
} MikeyErrType;

/* RFC 3830 6.13 key data sub-payload */
typedef enum
{
  MIKEY_KD_TGK = 0,
  MIKEY_KD_TGK_SALT = 1,
  MIKEY_KD_TEK = 2,
  MIKEY_KD_TEK_SALT = 3,
} MikeyKeyDataType;

typedef enum
{
  MIKEY_KV_NULL = 0,
  MIKEY_KV_SPI = 1,
  MIKEY_KV_INTERVAL = 2,
} MikeyKvType;

/* RFC 3830 6.15 general extension types (RFC 4567 SDP IDs, RFC 6309 key ID) */
typedef enum
{
  MIKEY_EXT_VENDOR_ID = 0,
  MIKEY_EXT_SDP_IDS = 1,
  MIKEY_EXT_TEK_GENERATION = 2,
  MIKEY_EXT_KEY_ID = 4,
} MikeyGenExtType;

/* Names for diagnostics ("KEMAC", "AES-CM-128", ...); never NULL. */
MIKEY_API
const gchar *mikey_payload_type_name (guint type);
MIKEY_API
const gchar *mikey_data_type_name (guint type);
MIKEY_API
const gchar *mikey_err_type_name (guint type);

/* Peer-supplied bytes (an ID payload, a certificate name, an error
 * payload...) made safe to print in a log line, an error message, a bus
 * message or a terminal: printable ASCII stays, anything else (ESC, CR,
 * LF, NUL, DEL, '"', '\\', every byte of non-ASCII or invalid UTF-8)
 * becomes \xHH. @len -1: up to the NUL. At most @max bytes are shown,
 * then "..." (0: no limit). Every peer string printed anywhere (core,
 * elements, mikey-tool) goes through it. Free with g_free. */
MIKEY_API
gchar *mikey_escape_peer_string (gconstpointer data, gssize len, gsize max);

G_END_DECLS
