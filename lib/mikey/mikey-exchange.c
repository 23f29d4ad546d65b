/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pieces shared by the initiator, the responder and mikey-tool: mode names,
 * opening a PSK/NULL KEMAC, the verification MAC and key-mgmt text. */
#include "mikey-exchange.h"
#include "mikey-exchange-private.h"
#include "mikey-crypto.h"
#include "mikey-negotiate.h"

#include <string.h>

static const gchar *mode_names[] = { "null", "psk", "pke", "dh", "dhhmac" };

const gchar *
mikey_mode_name (MikeyMode mode)
{
  if ((guint) mode < G_N_ELEMENTS (mode_names))
    return mode_names[mode];
  return "unknown";
}

gboolean
mikey_mode_from_name (const gchar * name, MikeyMode * mode)
{
  guint i;

  for (i = 0; name != NULL && i < G_N_ELEMENTS (mode_names); i++) {
    if (g_ascii_strcasecmp (name, mode_names[i]) == 0) {
      *mode = (MikeyMode) i;
      return TRUE;
    }
  }
  return FALSE;
}

gboolean
mikey_kemac_is_null (const MikeyPayload * kemac)
{
  return kemac->u.kemac.enc_alg == MIKEY_ENC_NULL &&
      kemac->u.kemac.mac_alg == MIKEY_MAC_NULL;
}

static gboolean
need_payload (const MikeyPayload * p, const gchar * what, GError ** error)
{
  if (p == NULL)
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "initiation message has no %s payload", what);
  return p != NULL;
}

/* AES-KW works on 8-byte blocks, so the wrapped key data carries up to 7
 * zero bytes of padding that no length field accounts for. The sub-payloads
 * are self-delimiting: exactly one padding length lets the list parse. */
static GPtrArray *
parse_unwrapped (guint8 enc_alg, const guint8 * plain, gsize plain_len,
    GError ** error)
{
  GPtrArray *list;
  gsize pad;

  list = mikey_key_data_parse_list (plain, plain_len, 0, error);
  if (list != NULL || enc_alg != MIKEY_ENC_AES_KW_128)
    return list;
  for (pad = 1; pad < 8 && pad < plain_len && plain[plain_len - pad] == 0;
      pad++) {
    list = mikey_key_data_parse_list (plain, plain_len - pad, 0, NULL);
    if (list != NULL) {
      g_clear_error (error);
      return list;
    }
  }
  return NULL;
}

GPtrArray *
mikey_kemac_open (const MikeyMessage * msg, const guint8 * data, gsize len,
    const MikeyTransportKeys * keys, GError ** error)
{
  const MikeyPayload *kemac = mikey_message_find (msg, MIKEY_PT_KEMAC, NULL);
  const MikeyPayload *t = mikey_message_find (msg, MIKEY_PT_T, NULL);
  guint8 *plain = NULL;
  gsize plain_len = 0;
  GPtrArray *key_data;

  if (!need_payload (t, "T", error))
    return NULL;
  /* MAC first: nothing of an unauthenticated message is decrypted */
  if (!mikey_check_mac (msg, mikey_payload_index (msg, kemac), data, len,
          keys->auth_key, sizeof (keys->auth_key), NULL, error))
    return NULL;
  if (!mikey_kemac_decrypt (kemac->u.kemac.enc_alg, keys, msg->hdr.csb_id,
          t->u.t.value, kemac->u.kemac.enc_data.data,
          kemac->u.kemac.enc_data.len, &plain, &plain_len, error))
    return NULL;
  key_data = parse_unwrapped (kemac->u.kemac.enc_alg, plain, plain_len, error);
  if (key_data == NULL)
    g_prefix_error (error, "decrypted KEMAC key data: ");
  mikey_secure_free (plain, plain_len);
  return key_data;
}

GPtrArray *
mikey_psk_open_kemac (const MikeyMessage * msg, const guint8 * data,
    gsize len, const guint8 * psk, gsize psk_len, GError ** error)
{
  MikeyTransportKeys keys = { {0} };
  GPtrArray *key_data;

  key_data = mikey_psk_open_kemac_keys (msg, data, len, psk, psk_len, &keys,
      error);
  mikey_transport_keys_clear (&keys);
  return key_data;
}

GPtrArray *
mikey_psk_open_kemac_keys (const MikeyMessage * msg, const guint8 * data,
    gsize len, const guint8 * psk, gsize psk_len, MikeyTransportKeys * keys,
    GError ** error)
{
  const MikeyPayload *kemac, *rand;
  GPtrArray *key_data;

  kemac = mikey_message_find (msg, MIKEY_PT_KEMAC, NULL);
  if (!need_payload (kemac, "KEMAC", error))
    return NULL;

  if (mikey_kemac_is_null (kemac)) {
    key_data = mikey_key_data_parse_list (kemac->u.kemac.enc_data.data,
        kemac->u.kemac.enc_data.len, 0, error);
    if (key_data == NULL)
      g_prefix_error (error, "KEMAC key data: ");
    return key_data;
  }

  if (kemac->u.kemac.mac_alg == MIKEY_MAC_NULL) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNAUTHENTICATED,
        "KEMAC is encrypted but carries no MAC: refusing an "
        "unauthenticated key");
    return NULL;
  }
  if (psk == NULL || psk_len == 0) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
        "message is protected with a pre-shared key, but no pre-shared key "
        "is configured to open it");
    return NULL;
  }
  /* the MAC covers what precedes it: nothing may follow unprotected */
  if (g_ptr_array_index (msg->payloads, msg->payloads->len - 1) != kemac) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "KEMAC must be the last payload of a PSK initiation message");
    return NULL;
  }
  rand = mikey_message_find (msg, MIKEY_PT_RAND, NULL);
  if (!need_payload (rand, "RAND", error))
    return NULL;

  if (!mikey_transport_keys_derive (psk, psk_len, msg->hdr.csb_id,
          rand->u.rand.rand.data, rand->u.rand.rand.len, keys, error))
    return NULL;
  return mikey_kemac_open (msg, data, len, keys, error);
}

/* Wire bytes of a T payload's value: what the verification MAC covers. */
gsize
mikey_ts_wire_value (const MikeyPayload * t, guint8 out[8])
{
  gssize n = mikey_ts_len (t->u.t.ts_type);
  gssize i;

  if (n < 0)
    return 0;
  for (i = 0; i < n; i++)
    out[i] = (t->u.t.value >> (8 * (n - 1 - i))) & 0xff;
  return n;
}

static void
append_id (GByteArray * arr, const MikeyPayload * id)
{
  if (id != NULL)
    g_byte_array_append (arr, id->u.id.data.data, id->u.id.data.len);
}

/* RFC 3830 5.2: the verification MAC covers the verification message up to
 * the MAC itself, then IDi || IDr || T of the initiation message. IDi is the
 * first ID payload of the initiation message; IDr the one in the
 * verification message, else the second of the initiation message. Absent
 * identities contribute nothing. */
GByteArray *
mikey_verify_mac_extra (const MikeyMessage * init, const MikeyMessage * resp)
{
  GByteArray *extra = g_byte_array_new ();
  const MikeyPayload *idi, *idr = NULL, *t;
  guint idx = 0;
  guint8 ts[8];
  gsize ts_len = 0;

  idi = mikey_message_find (init, MIKEY_PT_ID, &idx);
  if (idi != NULL) {
    idx++;
    idr = mikey_message_find (init, MIKEY_PT_ID, &idx);
  }
  if (resp != NULL && mikey_message_find (resp, MIKEY_PT_ID, NULL) != NULL)
    idr = mikey_message_find (resp, MIKEY_PT_ID, NULL);
  append_id (extra, idi);
  append_id (extra, idr);

  t = mikey_message_find (init, MIKEY_PT_T, NULL);
  if (t != NULL)
    ts_len = mikey_ts_wire_value (t, ts);
  g_byte_array_append (extra, ts, ts_len);
  return extra;
}

/* Strict base64: GLib's decoder skips characters it does not know, which
 * would let garbage through as a "valid" message. */
static gboolean
is_strict_base64 (const gchar * s, gsize len)
{
  gsize i, pad = 0;

  if (len == 0 || len % 4 != 0)
    return FALSE;
  for (i = 0; i < len; i++) {
    gchar c = s[i];

    if (c == '=') {
      pad++;
      continue;
    }
    if (pad > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
      return FALSE;
  }
  return pad <= 2;
}

guint8 *
mikey_key_mgmt_decode (const gchar * text, gsize * out_len, GError ** error)
{
  g_autofree gchar *s = NULL;
  gchar *b64, *end;
  gsize len;

  g_return_val_if_fail (text != NULL, NULL);
  s = g_strstrip (g_strdup (text));
  b64 = s;

  /* RTSP KeyMgmt header: prot=mikey; uri="..."; data="<base64>" */
  if ((b64 = strstr (s, "data=\"")) != NULL) {
    b64 += 6;
    if ((end = strchr (b64, '"')) != NULL)
      *end = '\0';
  } else {
    b64 = s;
    if (g_str_has_prefix (b64, "a="))
      b64 += 2;
    if (g_ascii_strncasecmp (b64, "key-mgmt:", 9) == 0)
      b64 += 9;
    while (*b64 == ' ')
      b64++;
    if (g_ascii_strncasecmp (b64, "mikey", 5) == 0 &&
        (b64[5] == ' ' || b64[5] == '\t'))
      b64 = g_strchug (b64 + 5);
  }
  len = strlen (b64);
  if (!is_strict_base64 (b64, len)) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "not a base64 MIKEY message (expected \"mikey <base64>\" as in an "
        "SDP a=key-mgmt line, or bare base64)");
    return NULL;
  }
  return g_base64_decode (b64, out_len);
}

gchar *
mikey_key_mgmt_encode (const guint8 * data, gsize len)
{
  g_autofree gchar *b64 = g_base64_encode (data, len);

  return g_strconcat ("mikey ", b64, NULL);
}

/* HDR + T + ERR [+ capabilities]: RFC 3830 5.1.2 error message.
 * Unauthenticated: sent when we could not (or must not) trust the
 * initiator's keys; see docs/negotiation.md for why a forged one can only
 * stop an exchange, not weaken it. */
GBytes *
mikey_build_error_message (const MikeyMessage * init, guint8 err_no,
    const MikeyOffer * offer, gint64 now_us)
{
  g_autoptr (MikeyMessage) msg = mikey_response_new (init, MIKEY_DT_ERROR);
  MikeyPayload *p;

  mikey_add_timestamp (msg, MIKEY_TS_NTP_UTC, 0, now_us);
  p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_ERR));
  p->u.err.err_no = err_no;
  if (offer != NULL)
    mikey_offer_add (msg, offer);
  return mikey_message_serialize (msg, NULL);
}

MikeyPayload *
mikey_add_timestamp (MikeyMessage * msg, guint8 ts_type, guint32 counter,
    gint64 now_us)
{
  MikeyPayload *t = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_T));

  t->u.t.ts_type = ts_type;
  t->u.t.value = ts_type == MIKEY_TS_COUNTER ? counter :
      mikey_ntp_from_unix_us (now_us);
  return t;
}
