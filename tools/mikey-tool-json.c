/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mikey-tool: JSON dump of a decoded MIKEY message.
 *
 * A tiny JSON writer (no json-glib dependency for one tool) and the walk
 * over every payload. Conventions, so that jq filters stay simple:
 *  - enum fields are {"value": N, "name": "..."}: the number is what is on
 *    the wire, the name what RFC 3830 calls it ("unknown" when we do not
 *    know the value, which the parser only lets through where the RFC
 *    allows it);
 *  - byte fields are lower-case hex strings, with their length alongside
 *    when the wire carries a length field;
 *  - text that came off the wire (ID URIs, ...) is only printed as a JSON
 *    string when it is valid UTF-8, and always also in hex;
 *  - what decoding found out sits next to the payload it is about: a
 *    KEMAC's "status", a SIGN's "signature" verdict, a CERT's
 *    "certificate" details, a DH value's "value_check", the decoded
 *    "capabilities" of the negotiation extension.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "mikey-tool.h"
#include "mikey-suite.h"
#include "mikey-timestamp.h"
#include "mikey-dh.h"
#include "mikey-negotiate.h"

/* ------------------------------------------------------------------------
 * JSON writer
 * ---------------------------------------------------------------------- */

typedef struct
{
  GString *out;
  guint depth;
  gboolean first;               /* nothing written yet in this container */
} JsonWriter;

/* Always valid JSON (RFC 8259) in valid UTF-8, whatever a peer sent:
 * controls (C0, DEL, C1), invisible format characters (bidi overrides)
 * and line or paragraph separators as \uXXXX, each byte of invalid UTF-8
 * as U+FFFD (the hex form of wire text is printed next to it). */
static void
json_string_escaped (JsonWriter * w, const gchar * s, gsize len)
{
  const gchar *p = s, *end = s + len;

  g_string_append_c (w->out, '"');
  while (p < end) {
    guchar c = (guchar) * p;
    gunichar u;

    switch (c) {
      case '"':
        g_string_append (w->out, "\\\"");
        p++;
        continue;
      case '\\':
        g_string_append (w->out, "\\\\");
        p++;
        continue;
      case '\b':
        g_string_append (w->out, "\\b");
        p++;
        continue;
      case '\f':
        g_string_append (w->out, "\\f");
        p++;
        continue;
      case '\n':
        g_string_append (w->out, "\\n");
        p++;
        continue;
      case '\r':
        g_string_append (w->out, "\\r");
        p++;
        continue;
      case '\t':
        g_string_append (w->out, "\\t");
        p++;
        continue;
      default:
        break;
    }
    if (c < 0x80) {
      /* DEL too, so that a terminal showing the output is not fooled */
      if (c < 0x20 || c == 0x7f)
        g_string_append_printf (w->out, "\\u%04x", c);
      else
        g_string_append_c (w->out, (gchar) c);
      p++;
      continue;
    }
    u = g_utf8_get_char_validated (p, end - p);
    if (u == (gunichar) - 1 || u == (gunichar) - 2) {
      g_string_append (w->out, "\\ufffd");
      p++;
      continue;
    }
    /* U+2028, U+2029 end lines too in some viewers */
    if (g_unichar_isprint (u) && g_unichar_type (u) !=
        G_UNICODE_LINE_SEPARATOR && g_unichar_type (u) !=
        G_UNICODE_PARAGRAPH_SEPARATOR)
      g_string_append_len (w->out, p, g_utf8_next_char (p) - p);
    else if (u < 0x10000)
      g_string_append_printf (w->out, "\\u%04x", u);
    else
      g_string_append_printf (w->out, "\\u%04x\\u%04x",
          0xd800 + ((u - 0x10000) >> 10), 0xdc00 + ((u - 0x10000) & 0x3ff));
    p = g_utf8_next_char (p);
  }
  g_string_append_c (w->out, '"');
}

/* Separator, newline and indentation before a member, then its key. */
static void
json_key (JsonWriter * w, const gchar * key)
{
  if (!w->first)
    g_string_append_c (w->out, ',');
  w->first = FALSE;
  if (w->depth > 0) {
    g_string_append_c (w->out, '\n');
    g_string_append_printf (w->out, "%*s", (int) (w->depth * 2), "");
  }
  if (key != NULL) {
    json_string_escaped (w, key, strlen (key));
    g_string_append (w->out, ": ");
  }
}

static void
json_open (JsonWriter * w, const gchar * key, gchar bracket)
{
  json_key (w, key);
  g_string_append_c (w->out, bracket);
  w->depth++;
  w->first = TRUE;
}

static void
json_close (JsonWriter * w, gchar bracket)
{
  gboolean empty = w->first;

  w->depth--;
  if (!empty) {
    g_string_append_c (w->out, '\n');
    g_string_append_printf (w->out, "%*s", (int) (w->depth * 2), "");
  }
  g_string_append_c (w->out, bracket);
  w->first = FALSE;
}

#define json_begin_object(w, key) json_open ((w), (key), '{')
#define json_end_object(w) json_close ((w), '}')
#define json_begin_array(w, key) json_open ((w), (key), '[')
#define json_end_array(w) json_close ((w), ']')

static void
json_string (JsonWriter * w, const gchar * key, const gchar * value)
{
  json_key (w, key);
  if (value == NULL)
    g_string_append (w->out, "null");
  else
    json_string_escaped (w, value, strlen (value));
}

static void
json_uint (JsonWriter * w, const gchar * key, guint64 value)
{
  json_key (w, key);
  g_string_append_printf (w->out, "%" G_GUINT64_FORMAT, value);
}

static void
json_bool (JsonWriter * w, const gchar * key, gboolean value)
{
  json_key (w, key);
  g_string_append (w->out, value ? "true" : "false");
}

static void
json_null (JsonWriter * w, const gchar * key)
{
  json_key (w, key);
  g_string_append (w->out, "null");
}

static void
json_hex (JsonWriter * w, const gchar * key, const guint8 * data, gsize len)
{
  gchar *hex = mikey_hex_encode (data, len);

  json_string (w, key, hex);
  /* key bytes pass through here too */
  mikey_secure_free (hex, strlen (hex));
}

static void
json_blob (JsonWriter * w, const gchar * key, const MikeyBlob * blob)
{
  json_hex (w, key, blob->data, blob->len);
}

/* 32-bit values such as SSRCs and CSB IDs are usually shown in hex by
 * other tools (Wireshark, RTP stacks): print both. */
static void
json_u32_with_hex (JsonWriter * w, const gchar * key, guint32 value)
{
  gchar *hex_key = g_strconcat (key, "_hex", NULL);
  gchar *hex = g_strdup_printf ("0x%08x", value);

  json_uint (w, key, value);
  json_string (w, hex_key, hex);
  g_free (hex);
  g_free (hex_key);
}

/* {"value": N, "name": "..."} on one line */
static void
json_enum (JsonWriter * w, const gchar * key, guint value, const gchar * name)
{
  json_key (w, key);
  g_string_append_printf (w->out, "{\"value\": %u, \"name\": ", value);
  json_string_escaped (w, name, strlen (name));
  g_string_append_c (w->out, '}');
}

/* Wire text: a JSON string when it is valid UTF-8, else null (the hex form
 * is always printed next to it by the caller). */
static void
json_text (JsonWriter * w, const gchar * key, const MikeyBlob * blob)
{
  json_key (w, key);
  if (blob->len == 0 || g_utf8_validate_len ((const gchar *) blob->data,
          blob->len, NULL))
    json_string_escaped (w, (const gchar *) blob->data, blob->len);
  else
    g_string_append (w->out, "null");
}

/* ------------------------------------------------------------------------
 * Names of wire values the core has no name function for
 * ---------------------------------------------------------------------- */

typedef struct
{
  guint value;
  const gchar *name;
} NameEntry;

static const gchar *
lookup_name (const NameEntry * table, gsize n, guint value)
{
  gsize i;

  for (i = 0; i < n; i++) {
    if (table[i].value == value)
      return table[i].name;
  }
  return "unknown";
}

#define NAME_OF(table, v) lookup_name ((table), G_N_ELEMENTS (table), (v))

static const NameEntry prf_names[] = {
  {MIKEY_PRF_MIKEY_1, "MIKEY-1"},
};

static const NameEntry map_names[] = {
  {MIKEY_MAP_SRTP_ID, "SRTP-ID"},
  {MIKEY_MAP_EMPTY, "empty"},
};

static const NameEntry enc_names[] = {
  {MIKEY_ENC_NULL, "NULL"},
  {MIKEY_ENC_AES_CM_128, "AES-CM-128"},
  {MIKEY_ENC_AES_KW_128, "AES-KW-128"},
};

static const NameEntry mac_names[] = {
  {MIKEY_MAC_NULL, "NULL"},
  {MIKEY_MAC_HMAC_SHA1_160, "HMAC-SHA-1-160"},
};

static const NameEntry cache_names[] = {
  {MIKEY_CACHE_NONE, "no cache"},
  {MIKEY_CACHE_ALWAYS, "cache"},
  {MIKEY_CACHE_FOR_CSB, "cache for CSB"},
};

static const NameEntry dh_names[] = {
  {MIKEY_DH_GROUP_OAKLEY5, "OAKLEY 5"},
  {MIKEY_DH_GROUP_OAKLEY1, "OAKLEY 1"},
  {MIKEY_DH_GROUP_OAKLEY2, "OAKLEY 2"},
};

static const NameEntry sign_names[] = {
  {MIKEY_SIGN_RSA_PKCS1_1_5, "RSA/PKCS#1/1.5"},
  {MIKEY_SIGN_RSA_PSS, "RSA/PSS"},
};

static const NameEntry ts_names[] = {
  {MIKEY_TS_NTP_UTC, "NTP-UTC"},
  {MIKEY_TS_NTP, "NTP"},
  {MIKEY_TS_COUNTER, "COUNTER"},
};

static const NameEntry id_names[] = {
  {MIKEY_ID_NAI, "NAI"},
  {MIKEY_ID_URI, "URI"},
  {MIKEY_ID_BYTE_STRING, "byte string"},
};

static const NameEntry cert_names[] = {
  {MIKEY_CERT_X509V3, "X.509v3"},
  {MIKEY_CERT_X509V3_URL, "X.509v3 URL"},
  {MIKEY_CERT_X509V3_SIGN, "X.509v3 Sign"},
  {MIKEY_CERT_X509V3_ENCR, "X.509v3 Encr"},
};

static const NameEntry hash_names[] = {
  {MIKEY_HASH_SHA1, "SHA-1"},
  {MIKEY_HASH_MD5, "MD5"},
};

static const NameEntry proto_names[] = {
  {MIKEY_PROTO_SRTP, "SRTP"},
};

static const NameEntry sp_param_names[] = {
  {MIKEY_SP_SRTP_ENC_ALG, "Encryption algorithm"},
  {MIKEY_SP_SRTP_ENC_KEY_LEN, "Session Encr. key length"},
  {MIKEY_SP_SRTP_AUTH_ALG, "Authentication algorithm"},
  {MIKEY_SP_SRTP_AUTH_KEY_LEN, "Session Auth. key length"},
  {MIKEY_SP_SRTP_SALT_KEY_LEN, "Session Salt key length"},
  {MIKEY_SP_SRTP_PRF, "SRTP Pseudo Random Function"},
  {MIKEY_SP_SRTP_KEY_DERIV_RATE, "Key derivation rate"},
  {MIKEY_SP_SRTP_SRTP_ENC, "SRTP encryption off/on"},
  {MIKEY_SP_SRTP_SRTCP_ENC, "SRTCP encryption off/on"},
  {MIKEY_SP_SRTP_FEC_ORDER, "sender's FEC order"},
  {MIKEY_SP_SRTP_SRTP_AUTH, "SRTP authentication off/on"},
  {MIKEY_SP_SRTP_AUTH_TAG_LEN, "Authentication tag length"},
  {MIKEY_SP_SRTP_PREFIX_LEN, "SRTP prefix length"},
  {MIKEY_SP_SRTP_AEAD_AUTH_TAG_LEN, "AEAD authentication tag length"},
};

static const NameEntry srtp_enc_names[] = {
  {MIKEY_SRTP_ENC_NULL, "NULL"},
  {MIKEY_SRTP_ENC_AES_CM, "AES-CM"},
  {MIKEY_SRTP_ENC_AES_F8, "AES-F8"},
  {MIKEY_SRTP_ENC_AES_GCM, "AES-GCM"},
};

static const NameEntry srtp_auth_names[] = {
  {MIKEY_SRTP_AUTH_NULL, "NULL"},
  {MIKEY_SRTP_AUTH_HMAC_SHA1, "HMAC-SHA-1"},
};

static const NameEntry srtp_prf_names[] = {
  {0, "AES-CM"},
};

static const NameEntry fec_names[] = {
  {0, "FEC-SRTP"},
};

static const NameEntry onoff_names[] = {
  {0, "off"},
  {1, "on"},
};

static const NameEntry kd_names[] = {
  {MIKEY_KD_TGK, "TGK"},
  {MIKEY_KD_TGK_SALT, "TGK+SALT"},
  {MIKEY_KD_TEK, "TEK"},
  {MIKEY_KD_TEK_SALT, "TEK+SALT"},
};

static const NameEntry kv_names[] = {
  {MIKEY_KV_NULL, "NULL"},
  {MIKEY_KV_SPI, "SPI/MKI"},
  {MIKEY_KV_INTERVAL, "Interval"},
};

static const NameEntry ext_names[] = {
  {MIKEY_EXT_VENDOR_ID, "Vendor ID"},
  {MIKEY_EXT_SDP_IDS, "SDP IDs"},
  {MIKEY_EXT_TEK_GENERATION, "TEK Generation"},
  {MIKEY_EXT_KEY_ID, "Key ID"},
  {MIKEY_EXT_CAPABILITIES, "capabilities (private use: negotiation)"},
};

/* ------------------------------------------------------------------------
 * Payloads
 * ---------------------------------------------------------------------- */

static void
dump_kv (JsonWriter * w, guint8 kv_type, const MikeyBlob * spi,
    const MikeyBlob * from, const MikeyBlob * to)
{
  json_enum (w, "kv_type", kv_type, NAME_OF (kv_names, kv_type));
  switch (kv_type) {
    case MIKEY_KV_SPI:
      json_uint (w, "spi_len", spi->len);
      json_blob (w, "spi", spi);
      break;
    case MIKEY_KV_INTERVAL:
      json_uint (w, "valid_from_len", from->len);
      json_blob (w, "valid_from", from);
      json_uint (w, "valid_to_len", to->len);
      json_blob (w, "valid_to", to);
      break;
    default:
      break;
  }
}

static void
dump_key_data (JsonWriter * w, const MikeyKeyData * kd)
{
  json_enum (w, "key_type", kd->type, NAME_OF (kd_names, kd->type));
  json_uint (w, "key_len", kd->key.len);
  json_blob (w, "key", &kd->key);
  if (kd->type == MIKEY_KD_TGK_SALT || kd->type == MIKEY_KD_TEK_SALT) {
    json_uint (w, "salt_len", kd->salt.len);
    json_blob (w, "salt", &kd->salt);
  }
  dump_kv (w, kd->kv_type, &kd->kv_spi, &kd->kv_from, &kd->kv_to);
}

static const gchar *
kemac_status_name (const MikeyToolDecoded * dec)
{
  gboolean pke = dec->msg->hdr.data_type == MIKEY_DT_PK_INIT;

  switch (dec->kemac_status) {
    case MIKEY_TOOL_KEMAC_CLEAR:
      return "clear (MIKEY-NULL: not encrypted, no MAC)";
    case MIKEY_TOOL_KEMAC_VERIFIED:
      return "decrypted and MAC verified with the given pre-shared key";
    case MIKEY_TOOL_KEMAC_OPENED_PKE:
      return "decrypted and MAC verified with the envelope key (PKE "
          "payload opened with --key)";
    case MIKEY_TOOL_KEMAC_MAC_VERIFIED:
      return "MAC verified with the given pre-shared key (DHHMAC: no key "
          "data, the keys come from the DH exchange)";
    case MIKEY_TOOL_KEMAC_NEEDS_KEY:
      return pke ? "protected: not opened (pass --key FILE, the receiver's "
          "private key)" : "protected: not checked (pass --psk HEX)";
    case MIKEY_TOOL_KEMAC_UNVERIFIABLE:
      return "not verifiable on its own: the MAC is keyed with the RAND of "
          "the initiation message";
    case MIKEY_TOOL_KEMAC_FAILED:
      return "could not be opened";
    case MIKEY_TOOL_KEMAC_ABSENT:
    default:
      return "absent";
  }
}

static void
dump_kemac (JsonWriter * w, const MikeyPayload * p,
    const MikeyToolDecoded * dec, gboolean is_first_kemac)
{
  guint i;

  json_enum (w, "enc_alg", p->u.kemac.enc_alg,
      NAME_OF (enc_names, p->u.kemac.enc_alg));
  json_uint (w, "enc_data_len", p->u.kemac.enc_data.len);
  json_blob (w, "enc_data", &p->u.kemac.enc_data);
  json_enum (w, "mac_alg", p->u.kemac.mac_alg,
      NAME_OF (mac_names, p->u.kemac.mac_alg));
  json_blob (w, "mac", &p->u.kemac.mac);

  /* only the first KEMAC is the one mikey_psk_open_kemac() opened */
  if (!is_first_kemac) {
    json_string (w, "status", "not opened (only the first KEMAC is used)");
    return;
  }
  json_string (w, "status", kemac_status_name (dec));
  if (dec->kemac_error != NULL)
    json_string (w, "error", dec->kemac_error->message);
  if (dec->key_data == NULL) {
    json_null (w, "key_data");
    return;
  }
  json_begin_array (w, "key_data");
  for (i = 0; i < dec->key_data->len; i++) {
    const MikeyPayload *kd = g_ptr_array_index (dec->key_data, i);

    json_begin_object (w, NULL);
    dump_key_data (w, &kd->u.key_data);
    json_end_object (w);
  }
  json_end_array (w);
}

/* Value of an SP parameter as a number, when it is one (1 to 4 bytes). */
static gboolean
sp_value_uint (const MikeySpParam * param, guint32 * out)
{
  gsize i;

  if (param->value.len < 1 || param->value.len > 4)
    return FALSE;
  *out = 0;
  for (i = 0; i < param->value.len; i++)
    *out = (*out << 8) | param->value.data[i];
  return TRUE;
}

static const gchar *
sp_value_name (guint8 type, guint32 v)
{
  switch (type) {
    case MIKEY_SP_SRTP_ENC_ALG:
      return NAME_OF (srtp_enc_names, v);
    case MIKEY_SP_SRTP_AUTH_ALG:
      return NAME_OF (srtp_auth_names, v);
    case MIKEY_SP_SRTP_PRF:
      return NAME_OF (srtp_prf_names, v);
    case MIKEY_SP_SRTP_FEC_ORDER:
      return NAME_OF (fec_names, v);
    case MIKEY_SP_SRTP_SRTP_ENC:
    case MIKEY_SP_SRTP_SRTCP_ENC:
    case MIKEY_SP_SRTP_SRTP_AUTH:
      return NAME_OF (onoff_names, v);
    default:
      return NULL;
  }
}

static void
dump_sp (JsonWriter * w, const MikeyPayload * p)
{
  const MikeySuiteInfo *suite;
  GError *err = NULL;
  guint i;

  json_uint (w, "policy_no", p->u.sp.policy_no);
  json_enum (w, "proto", p->u.sp.proto, NAME_OF (proto_names, p->u.sp.proto));
  json_begin_array (w, "params");
  for (i = 0; i < p->u.sp.params->len; i++) {
    const MikeySpParam *param = &g_array_index (p->u.sp.params,
        MikeySpParam, i);
    const gchar *meaning = NULL;
    guint32 v;

    json_begin_object (w, NULL);
    json_enum (w, "type", param->type, p->u.sp.proto == MIKEY_PROTO_SRTP ?
        NAME_OF (sp_param_names, param->type) : "unknown");
    json_uint (w, "length", param->value.len);
    json_blob (w, "value_hex", &param->value);
    if (sp_value_uint (param, &v)) {
      json_uint (w, "value", v);
      if (p->u.sp.proto == MIKEY_PROTO_SRTP)
        meaning = sp_value_name (param->type, v);
      if (meaning != NULL)
        json_string (w, "meaning", meaning);
    }
    json_end_object (w);
  }
  json_end_array (w);

  if (p->u.sp.proto != MIKEY_PROTO_SRTP)
    return;
  /* What the parameters add up to, as SDES names it */
  suite = mikey_suite_from_sp (p, NULL, NULL, NULL, NULL, &err);
  json_string (w, "suite", suite != NULL ? suite->name : NULL);
  if (suite == NULL) {
    json_string (w, "suite_error", err->message);
    g_error_free (err);
  }
}

static void
dump_t (JsonWriter * w, const MikeyPayload * p)
{
  guint8 type = p->u.t.ts_type;

  json_enum (w, "ts_type", type, NAME_OF (ts_names, type));
  json_uint (w, "value", p->u.t.value);
  if (type != MIKEY_TS_COUNTER) {
    gchar *hex = g_strdup_printf ("0x%016" G_GINT64_MODIFIER "x",
        p->u.t.value);
    GDateTime *dt;
    gchar *iso = NULL;
    gint64 us;

    json_string (w, "value_hex", hex);
    g_free (hex);

    /* NTP: show the time a person can compare with the capture time */
    us = mikey_ntp_to_unix_us (p->u.t.value);
    dt = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
    if (dt != NULL) {
      GDateTime *dt2 = g_date_time_add (dt, us % G_USEC_PER_SEC);

      if (dt2 != NULL) {
        iso = g_date_time_format (dt2, "%Y-%m-%dT%H:%M:%S.%fZ");
        g_date_time_unref (dt2);
      }
      g_date_time_unref (dt);
    }
    json_string (w, "time", iso);
    g_free (iso);
  }
}

static void
dump_pke (JsonWriter * w, const MikeyPayload * p, const MikeyToolDecoded * dec)
{
  const gchar *status;

  json_enum (w, "cache", p->u.pke.cache, NAME_OF (cache_names, p->u.pke.cache));
  json_uint (w, "data_len", p->u.pke.data.len);
  json_blob (w, "data", &p->u.pke.data);
  if (dec->msg->hdr.data_type != MIKEY_DT_PK_INIT)
    return;
  /* the envelope is what --key opens; the KEMAC status says how far */
  switch (dec->kemac_status) {
    case MIKEY_TOOL_KEMAC_OPENED_PKE:
      status = "envelope key decrypted with --key";
      break;
    case MIKEY_TOOL_KEMAC_NEEDS_KEY:
      status = "not opened (pass --key FILE, the receiver's private key)";
      break;
    case MIKEY_TOOL_KEMAC_FAILED:
      status = "could not be opened (see the KEMAC)";
      break;
    default:
      status = "not opened";
      break;
  }
  json_string (w, "status", status);
}

static void
dump_dh (JsonWriter * w, const MikeyPayload * p)
{
  GError *err = NULL;

  json_enum (w, "group", p->u.dh.group, NAME_OF (dh_names, p->u.dh.group));
  json_uint (w, "group_bits", mikey_dh_group_bits (p->u.dh.group));
  json_uint (w, "value_len", p->u.dh.value.len);
  json_blob (w, "value", &p->u.dh.value);
  /* what a receiver checks before using it (RFC 3830 6.12 Invalid DH) */
  if (mikey_dh_check_public (p->u.dh.group, p->u.dh.value.data,
          p->u.dh.value.len, &err)) {
    json_string (w, "value_check", "valid");
  } else {
    json_string (w, "value_check", err->message);
    g_error_free (err);
  }
  json_uint (w, "reserved", p->u.dh.reserved);
  dump_kv (w, p->u.dh.kv_type, &p->u.dh.kv_spi, &p->u.dh.kv_from,
      &p->u.dh.kv_to);
}

/* "verified (CN=...)", also the top-level "signature" member, so that
 * jq -r .signature answers "who signed this?" */
static gchar *
sign_verdict (const MikeyToolDecoded * dec)
{
  switch (dec->sign_status) {
    case MIKEY_TOOL_SIGN_ABSENT:
      return NULL;
    case MIKEY_TOOL_SIGN_VERIFIED:
      return g_strdup_printf ("verified (%s)", dec->signer);
    case MIKEY_TOOL_SIGN_FAILED:
      return g_strdup ("failed");
    case MIKEY_TOOL_SIGN_UNCHECKED:
    default:
      return g_strdup ("not checked (pass --peer-cert FILE or --ca-file "
          "FILE)");
  }
}

static void
dump_sign (JsonWriter * w, const MikeyPayload * p, const MikeyToolDecoded * dec)
{
  gssize covered = mikey_message_auth_offset (dec->msg);
  gchar *verdict;

  json_enum (w, "sign_type", p->u.sign.sign_type,
      NAME_OF (sign_names, p->u.sign.sign_type));
  json_string (w, "hash", MIKEY_SIGN_HASH);
  json_uint (w, "signature_len", p->u.sign.signature.len);
  json_blob (w, "signature", &p->u.sign.signature);
  /* the signature covers the message from its first byte up to here */
  if (covered >= 0)
    json_uint (w, "signed_bytes", covered);

  verdict = sign_verdict (dec);
  json_string (w, "verification", verdict);
  g_free (verdict);
  if (dec->sign_status == MIKEY_TOOL_SIGN_VERIFIED) {
    json_string (w, "signer", dec->signer);
    json_string (w, "signer_identity", dec->signer_identity);
  } else if (dec->sign_status == MIKEY_TOOL_SIGN_FAILED) {
    json_string (w, "error", dec->sign_error->message);
  }
}

static void
dump_cert_info (JsonWriter * w, const MikeyToolCertInfo * info)
{
  guint i;

  json_begin_object (w, "certificate");
  json_string (w, "subject", info->subject);
  json_string (w, "issuer", info->issuer);
  json_string (w, "serial", info->serial);
  json_string (w, "not_before", info->not_before);
  json_string (w, "not_after", info->not_after);
  json_string (w, "validity_now", info->validity_now);
  json_begin_array (w, "alt_names");
  for (i = 0; info->alt_names != NULL && info->alt_names[i] != NULL; i++)
    json_string (w, NULL, info->alt_names[i]);
  json_end_array (w);
  json_string (w, "public_key", info->public_key);
  json_bool (w, "ca", info->is_ca);
  json_bool (w, "self_signed", info->self_signed);
  json_string (w, "sha1", info->sha1);
  json_string (w, "sha256", info->sha256);
  json_end_object (w);
}

static void
dump_cert (JsonWriter * w, const MikeyPayload * p, const MikeyToolDecoded * dec)
{
  MikeyToolCertInfo info;
  GError *err = NULL;

  json_enum (w, "cert_type", p->u.cert.cert_type,
      NAME_OF (cert_names, p->u.cert.cert_type));
  json_uint (w, "data_len", p->u.cert.data.len);
  if (p->u.cert.cert_type == MIKEY_CERT_X509V3_URL) {
    json_text (w, "url", &p->u.cert.data);
    json_blob (w, "data", &p->u.cert.data);
    return;
  }
  json_blob (w, "data", &p->u.cert.data);
  if (mikey_tool_cert_info (p->u.cert.data.data, p->u.cert.data.len,
          dec->now_us, &info, &err)) {
    dump_cert_info (w, &info);
    mikey_tool_cert_info_clear (&info);
  } else {
    json_string (w, "certificate_error", err->message);
    g_error_free (err);
  }
}

static void
json_mode (JsonWriter * w, const gchar * key, guint v)
{
  json_enum (w, key, v, v < MIKEY_MODE_COUNT ? mikey_mode_name (v) : "unknown");
}

static void
json_suite (JsonWriter * w, const gchar * key, guint v)
{
  json_enum (w, key, v, v < MIKEY_SUITE_COUNT ?
      mikey_suite_get (v)->name : "unknown");
}

/* A list of the capabilities extension: count, then one byte per entry.
 * Returns FALSE (and writes nothing) when it runs past the end. */
static gboolean
dump_caps_list (JsonWriter * w, const gchar * key, const guint8 * d,
    gsize len, gsize * pos, gboolean modes)
{
  guint n, i;

  if (*pos >= len || d[*pos] > len - *pos - 1)
    return FALSE;
  n = d[(*pos)++];
  json_begin_array (w, key);
  for (i = 0; i < n; i++) {
    if (modes)
      json_mode (w, NULL, d[*pos + i]);
    else
      json_suite (w, NULL, d[*pos + i]);
  }
  json_end_array (w);
  *pos += n;
  return TRUE;
}

static void
dump_caps_choice (JsonWriter * w, const guint8 * d)
{
  gchar *meaning;

  json_begin_object (w, "choice");
  if (d[0] == MIKEY_CAPS_NONE && d[1] == MIKEY_CAPS_NONE) {
    json_null (w, "mode");
    json_null (w, "suite");
    json_string (w, "meaning", "no method and crypto suite in common");
  } else {
    json_mode (w, "mode", d[0]);
    json_suite (w, "suite", d[1]);
    meaning = g_strdup_printf ("counter-proposal: use %s with %s",
        d[0] < MIKEY_MODE_COUNT ? mikey_mode_name (d[0]) : "unknown",
        d[1] < MIKEY_SUITE_COUNT ? mikey_suite_get (d[1])->name : "unknown");
    json_string (w, "meaning", meaning);
    g_free (meaning);
  }
  json_end_object (w);
}

/* The negotiation extension (docs/negotiation.md), decoded byte by byte
 * so that values this version does not know are shown too. */
static void
dump_caps (JsonWriter * w, const MikeyBlob * data)
{
  const guint8 *d = data->data;
  gsize len = data->len, pos = 2;
  gboolean choice;

  json_begin_object (w, "capabilities");
  if (len < 2 || d[0] != MIKEY_CAPS_VERSION) {
    json_string (w, "error", len < 2 ? "truncated" : "unknown version");
    json_end_object (w);
    return;
  }
  json_uint (w, "version", d[0]);
  choice = (d[1] & MIKEY_CAPS_CHOICE) != 0;
  if (!dump_caps_list (w, "modes", d, len, &pos, TRUE) ||
      !dump_caps_list (w, "suites", d, len, &pos, FALSE)) {
    json_string (w, "error", "list runs past the end of the payload");
  } else if (choice && len - pos == 2) {
    dump_caps_choice (w, d + pos);
  } else if (!choice && len == pos) {
    json_null (w, "choice");
  } else {
    json_string (w, "error", choice ? "choice must be two bytes" :
        "trailing bytes");
  }
  json_end_object (w);
}

static void
dump_gen_ext (JsonWriter * w, const MikeyPayload * p)
{
  guint8 type = p->u.gen_ext.ext_type;

  json_enum (w, "ext_type", type, NAME_OF (ext_names, type));
  json_uint (w, "data_len", p->u.gen_ext.data.len);
  json_blob (w, "data", &p->u.gen_ext.data);
  if (type == MIKEY_EXT_SDP_IDS || type == MIKEY_EXT_VENDOR_ID)
    json_text (w, "text", &p->u.gen_ext.data);
  else if (type == MIKEY_EXT_CAPABILITIES)
    dump_caps (w, &p->u.gen_ext.data);
}

static void
dump_payload (JsonWriter * w, const MikeyPayload * p,
    const MikeyToolDecoded * dec, gboolean * seen_kemac)
{
  json_enum (w, "type", p->type, mikey_payload_type_name (p->type));

  switch (p->type) {
    case MIKEY_PT_KEMAC:
      dump_kemac (w, p, dec, !*seen_kemac);
      *seen_kemac = TRUE;
      break;
    case MIKEY_PT_PKE:
      dump_pke (w, p, dec);
      break;
    case MIKEY_PT_DH:
      dump_dh (w, p);
      break;
    case MIKEY_PT_SIGN:
      dump_sign (w, p, dec);
      break;
    case MIKEY_PT_T:
      dump_t (w, p);
      break;
    case MIKEY_PT_ID:
      json_enum (w, "id_type", p->u.id.id_type,
          NAME_OF (id_names, p->u.id.id_type));
      json_uint (w, "id_len", p->u.id.data.len);
      json_text (w, "id", &p->u.id.data);
      json_blob (w, "id_hex", &p->u.id.data);
      break;
    case MIKEY_PT_CERT:
      dump_cert (w, p, dec);
      break;
    case MIKEY_PT_CHASH:
      json_enum (w, "hash_func", p->u.chash.hash_func,
          NAME_OF (hash_names, p->u.chash.hash_func));
      json_blob (w, "hash", &p->u.chash.hash);
      break;
    case MIKEY_PT_V:
      json_enum (w, "mac_alg", p->u.v.mac_alg,
          NAME_OF (mac_names, p->u.v.mac_alg));
      json_blob (w, "mac", &p->u.v.mac);
      break;
    case MIKEY_PT_SP:
      dump_sp (w, p);
      break;
    case MIKEY_PT_RAND:
      json_uint (w, "rand_len", p->u.rand.rand.len);
      json_blob (w, "rand", &p->u.rand.rand);
      break;
    case MIKEY_PT_ERR:
      json_enum (w, "err_no", p->u.err.err_no,
          mikey_err_type_name (p->u.err.err_no));
      json_uint (w, "reserved", p->u.err.reserved);
      break;
    case MIKEY_PT_KEY_DATA:
      dump_key_data (w, &p->u.key_data);
      break;
    case MIKEY_PT_GEN_EXT:
      dump_gen_ext (w, p);
      break;
    default:
      break;
  }
}

static void
dump_header (JsonWriter * w, const MikeyMessage * msg)
{
  const MikeyHeader *h = &msg->hdr;
  guint next = MIKEY_PT_LAST;
  guint i;

  if (msg->payloads->len > 0)
    next = ((const MikeyPayload *) g_ptr_array_index (msg->payloads, 0))->type;

  json_begin_object (w, "header");
  json_uint (w, "version", h->version);
  json_enum (w, "data_type", h->data_type, mikey_data_type_name (h->data_type));
  json_enum (w, "next_payload", next, mikey_payload_type_name (next));
  json_bool (w, "v", h->v);
  json_enum (w, "prf", h->prf, NAME_OF (prf_names, h->prf));
  json_u32_with_hex (w, "csb_id", h->csb_id);
  json_uint (w, "cs_count", h->map_type == MIKEY_MAP_EMPTY ?
      h->n_cs_empty : h->cs->len);
  json_enum (w, "map_type", h->map_type, NAME_OF (map_names, h->map_type));
  if (h->map_type == MIKEY_MAP_SRTP_ID) {
    json_begin_array (w, "cs_map");
    for (i = 0; i < h->cs->len; i++) {
      const MikeySrtpCs *cs = &g_array_index (h->cs, MikeySrtpCs, i);

      json_begin_object (w, NULL);
      json_uint (w, "cs_id", i + 1);
      json_uint (w, "policy_no", cs->policy_no);
      json_u32_with_hex (w, "ssrc", cs->ssrc);
      json_uint (w, "roc", cs->roc);
      json_end_object (w);
    }
    json_end_array (w);
  }
  json_end_object (w);
}

static void
dump_srtp (JsonWriter * w, const MikeyToolDecoded * dec)
{
  guint i;

  if (dec->srtp == NULL) {
    json_null (w, "srtp");
    if (dec->srtp_error != NULL)
      json_string (w, "srtp_error", dec->srtp_error->message);
    return;
  }

  json_begin_array (w, "srtp");
  for (i = 0; i < dec->srtp->len; i++) {
    const MikeySrtpParams *p = &g_array_index (dec->srtp, MikeySrtpParams, i);
    guint8 keysalt[MIKEY_MAX_MASTER_KEY + MIKEY_MAX_MASTER_SALT];
    gsize len;

    json_begin_object (w, NULL);
    json_uint (w, "cs_id", p->cs_id);
    json_uint (w, "policy_no", p->policy_no);
    if (p->has_ssrc) {
      json_u32_with_hex (w, "ssrc", p->ssrc);
    } else {
      json_null (w, "ssrc");
    }
    json_uint (w, "roc", p->roc);
    json_string (w, "suite", p->suite != NULL ? p->suite->name : NULL);
    json_string (w, "srtp_cipher", mikey_srtp_params_rtp_cipher (p));
    json_string (w, "srtp_auth", mikey_srtp_params_rtp_auth (p));
    json_string (w, "srtcp_cipher", mikey_srtp_params_rtcp_cipher (p));
    json_string (w, "srtcp_auth", mikey_srtp_params_rtcp_auth (p));
    json_uint (w, "key_derivation_rate", p->kdr);
    json_hex (w, "master_key", p->key, p->key_len);
    json_hex (w, "master_salt", p->salt, p->salt_len);
    /* what srtpenc's "key" property and srtpdec's srtp-key take */
    len = mikey_srtp_params_key_salt (p, keysalt);
    json_hex (w, "srtp_key", keysalt, len);
    OPENSSL_cleanse (keysalt, sizeof (keysalt));
    if (p->mki_len > 0)
      json_hex (w, "mki", p->mki, p->mki_len);
    else
      json_null (w, "mki");
    json_end_object (w);
  }
  json_end_array (w);
}

/* The key management mode the message belongs to, as --mode names it */
static const gchar *
message_mode (const MikeyMessage * msg)
{
  const MikeyPayload *kemac;

  switch (msg->hdr.data_type) {
    case MIKEY_DT_PSK_INIT:
      kemac = mikey_message_find (msg, MIKEY_PT_KEMAC, NULL);
      return kemac != NULL && kemac->u.kemac.enc_alg == MIKEY_ENC_NULL &&
          kemac->u.kemac.mac_alg == MIKEY_MAC_NULL ? "null" : "psk";
    case MIKEY_DT_PSK_VERIFY:
      return "psk";
    case MIKEY_DT_PK_INIT:
    case MIKEY_DT_PK_VERIFY:
      return "pke";
    case MIKEY_DT_DH_INIT:
    case MIKEY_DT_DH_RESP:
      return "dh";
    case MIKEY_DT_DHHMAC_INIT:
    case MIKEY_DT_DHHMAC_RESP:
      return "dhhmac";
    case MIKEY_DT_RSA_R_INIT:
    case MIKEY_DT_RSA_R_RESP:
      return "rsa-r";
    default:
      return NULL;
  }
}

void
mikey_tool_print_json (const MikeyToolDecoded * dec)
{
  JsonWriter w = { 0 };
  gboolean seen_kemac = FALSE;
  gchar *verdict;
  guint i;

  w.out = g_string_new (NULL);
  w.first = TRUE;

  json_begin_object (&w, NULL);
  json_uint (&w, "length", dec->len);
  json_string (&w, "mode", message_mode (dec->msg));
  verdict = sign_verdict (dec);
  json_string (&w, "signature", verdict);
  g_free (verdict);
  dump_header (&w, dec->msg);
  json_begin_array (&w, "payloads");
  for (i = 0; i < dec->msg->payloads->len; i++) {
    json_begin_object (&w, NULL);
    dump_payload (&w, g_ptr_array_index (dec->msg->payloads, i), dec,
        &seen_kemac);
    json_end_object (&w);
  }
  json_end_array (&w);
  dump_srtp (&w, dec);
  json_end_object (&w);

  fwrite (w.out->str, 1, w.out->len, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
  /* the dump holds keys */
  OPENSSL_cleanse (w.out->str, w.out->len);
  g_string_free (w.out, TRUE);
}
