/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Building and checking the authenticated parts of messages: MACs over
 * the bytes before them, trailing signatures, and peers' certificates. */
#include "mikey-exchange-private.h"

#include <string.h>
#include <openssl/crypto.h>

MikeyMessage *
mikey_response_new (const MikeyMessage * init, guint8 data_type)
{
  MikeyMessage *msg = mikey_message_new ();
  guint i;

  msg->hdr.version = MIKEY_VERSION;
  msg->hdr.data_type = data_type;
  msg->hdr.prf = init->hdr.prf;
  msg->hdr.csb_id = init->hdr.csb_id;
  msg->hdr.map_type = init->hdr.map_type;
  msg->hdr.n_cs_empty = init->hdr.n_cs_empty;
  for (i = 0; i < init->hdr.cs->len; i++) {
    const MikeySrtpCs *cs = &g_array_index (init->hdr.cs, MikeySrtpCs, i);

    mikey_message_add_cs_srtp (msg, cs->policy_no, cs->ssrc, cs->roc);
  }
  return msg;
}

void
mikey_add_id (MikeyMessage * msg, const gchar * id)
{
  MikeyPayload *p = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_ID));

  p->u.id.id_type = MIKEY_ID_URI;
  mikey_blob_set (&p->u.id.data, (const guint8 *) id, strlen (id));
}

void
mikey_add_certs (MikeyMessage * msg, GPtrArray * certs)
{
  guint i;

  for (i = 0; certs != NULL && i < certs->len; i++) {
    MikeyPayload *p = mikey_message_add (msg,
        mikey_payload_new (MIKEY_PT_CERT));
    gsize len;
    const guint8 *der = mikey_cert_get_der (g_ptr_array_index (certs, i),
        &len);

    p->u.cert.cert_type = MIKEY_CERT_X509V3;
    mikey_blob_set (&p->u.cert.data, der, len);
  }
}

void
mikey_blob_set_zero (MikeyBlob * blob, gsize len)
{
  mikey_blob_clear (blob);
  blob->data = g_malloc0 (MAX (len, 1));
  blob->len = len;
}

gint
mikey_payload_index (const MikeyMessage * msg, const MikeyPayload * p)
{
  guint i;

  for (i = 0; i < msg->payloads->len; i++) {
    if (g_ptr_array_index (msg->payloads, i) == p)
      return i;
  }
  return -1;
}

/* Payload sizes do not depend on the next-payload values, so the length
 * of the message cut after @idx is where that payload ends in the whole. */
gssize
mikey_payload_end_offset (const MikeyMessage * msg, guint idx, GError ** error)
{
  MikeyMessage prefix;
  GBytes *bytes;
  gssize len;
  guint i;

  prefix.hdr = msg->hdr;
  prefix.payloads = g_ptr_array_sized_new (idx + 1);
  for (i = 0; i <= idx && i < msg->payloads->len; i++)
    g_ptr_array_add (prefix.payloads, g_ptr_array_index (msg->payloads, i));
  bytes = mikey_message_serialize (&prefix, error);
  g_ptr_array_unref (prefix.payloads);
  if (bytes == NULL)
    return -1;
  len = g_bytes_get_size (bytes);
  g_bytes_unref (bytes);
  return len;
}

static MikeyBlob *
mac_blob (MikeyPayload * p)
{
  return p->type == MIKEY_PT_KEMAC ? &p->u.kemac.mac : &p->u.v.mac;
}

static guint8
mac_alg (const MikeyPayload * p)
{
  return p->type == MIKEY_PT_KEMAC ? p->u.kemac.mac_alg : p->u.v.mac_alg;
}

void
mikey_add_sign_placeholder (MikeyMessage * msg, MikeyKey * key,
    guint8 sign_type)
{
  MikeyPayload *s = mikey_message_add (msg, mikey_payload_new (MIKEY_PT_SIGN));

  s->u.sign.sign_type = sign_type;
  mikey_blob_set_zero (&s->u.sign.signature, mikey_key_get_size (key));
}

static gboolean
fill_mac (MikeyMessage * msg, guint8 * data, gint mac_payload,
    const guint8 * auth_key, gsize auth_key_len, const GByteArray * extra,
    GError ** error)
{
  MikeyPayload *p = g_ptr_array_index (msg->payloads, mac_payload);
  MikeyBlob *mac = mac_blob (p);
  gssize end = mikey_payload_end_offset (msg, mac_payload, error);
  gsize off;

  if (end < 0)
    return FALSE;
  off = end - mac->len;
  if (!mikey_mac_compute2 (mac_alg (p), auth_key, auth_key_len, data, off,
          extra ? extra->data : NULL, extra ? extra->len : 0, data + off,
          error))
    return FALSE;
  memcpy (mac->data, data + off, mac->len);
  return TRUE;
}

static gboolean
fill_signature (MikeyMessage * msg, guint8 * data, MikeyKey * key,
    guint8 sign_type, GError ** error)
{
  MikeyPayload *s = g_ptr_array_index (msg->payloads,
      msg->payloads->len - 1);
  gssize off = mikey_message_auth_offset (msg);
  guint8 *sig = NULL;
  gsize sig_len = 0;

  if (off < 0 || !mikey_sign (key, sign_type, data, off, NULL, 0, &sig,
          &sig_len, error))
    return FALSE;
  if (sig_len != s->u.sign.signature.len) {
    g_free (sig);
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CRYPTO,
        "signature is %" G_GSIZE_FORMAT " bytes, expected %" G_GSIZE_FORMAT,
        sig_len, s->u.sign.signature.len);
    return FALSE;
  }
  memcpy (data + off, sig, sig_len);
  memcpy (s->u.sign.signature.data, sig, sig_len);
  g_free (sig);
  return TRUE;
}

GBytes *
mikey_seal (MikeyMessage * msg, gint mac_payload, const guint8 * auth_key,
    gsize auth_key_len, const GByteArray * extra, MikeyKey * sign_key,
    guint8 sign_type, GError ** error)
{
  GBytes *bytes = mikey_message_serialize (msg, error);
  guint8 *data;
  gsize len;

  if (bytes == NULL)
    return NULL;
  data = g_bytes_unref_to_data (bytes, &len);
  if ((mac_payload >= 0 && !fill_mac (msg, data, mac_payload, auth_key,
              auth_key_len, extra, error)) ||
      (sign_key != NULL && !fill_signature (msg, data, sign_key, sign_type,
              error))) {
    g_free (data);
    return NULL;
  }
  return g_bytes_new_take (data, len);
}

gboolean
mikey_check_mac (const MikeyMessage * msg, guint idx, const guint8 * data,
    gsize len, const guint8 * auth_key, gsize auth_key_len,
    const GByteArray * extra, GError ** error)
{
  MikeyPayload *p = g_ptr_array_index (msg->payloads, idx);
  const MikeyBlob *mac = mac_blob (p);
  gssize end = mikey_payload_end_offset (msg, idx, error);

  if (end < 0 || (gsize) end > len || (gsize) end < mac->len)
    return FALSE;
  return mikey_mac_verify (mac_alg (p), auth_key, auth_key_len, data,
      end - mac->len, extra ? extra->data : NULL, extra ? extra->len : 0,
      mac->data, mac->len, error);
}

gboolean
mikey_check_signature (const MikeyMessage * msg, const guint8 * data,
    gsize len, MikeyKey * key, GError ** error)
{
  const MikeyPayload *s;
  gssize off;

  s = msg->payloads->len ? g_ptr_array_index (msg->payloads,
      msg->payloads->len - 1) : NULL;
  if (s == NULL || s->type != MIKEY_PT_SIGN) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "message must end with a SIGN payload");
    return FALSE;
  }
  off = mikey_message_auth_offset (msg);
  if (off < 0 || (gsize) off > len) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
        "cannot locate the signature");
    return FALSE;
  }
  if (!mikey_verify (key, s->u.sign.sign_type, data, off, NULL, 0,
          s->u.sign.signature.data, s->u.sign.signature.len, error)) {
    g_prefix_error (error, "signature check failed: ");
    return FALSE;
  }
  return TRUE;
}

static gboolean
same_cert (MikeyCert * a, MikeyCert * b)
{
  gsize la, lb;
  const guint8 *da = mikey_cert_get_der (a, &la);
  const guint8 *db = mikey_cert_get_der (b, &lb);

  return la == lb && memcmp (da, db, la) == 0;
}

/* Leaf and chain from the CERT payloads (X.509v3 in DER) */
static MikeyCert *
certs_from_message (const MikeyMessage * msg, GPtrArray * chain,
    GError ** error)
{
  MikeyCert *leaf = NULL;
  guint i;

  for (i = 0; i < msg->payloads->len; i++) {
    const MikeyPayload *p = g_ptr_array_index (msg->payloads, i);
    MikeyCert *c;

    if (p->type != MIKEY_PT_CERT)
      continue;
    if (p->u.cert.cert_type == MIKEY_CERT_X509V3_URL) {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_UNSUPPORTED,
          "CERT payload holds a URL; fetching certificates is not "
          "supported");
      goto fail;
    }
    c = mikey_cert_new_from_der (p->u.cert.data.data, p->u.cert.data.len,
        error);
    if (c == NULL)
      goto fail;
    if (leaf == NULL)
      leaf = c;
    else
      g_ptr_array_add (chain, c);
  }
  return leaf;

fail:
  if (leaf)
    mikey_cert_unref (leaf);
  return NULL;
}

/* RFC 3830 orders [IDi|CERTi], [IDr]: with certificates present, the ID
 * payload before the first CERT is IDi and one after it is IDr; without
 * them the first ID payload is IDi. */
const MikeyPayload *
mikey_find_idi (const MikeyMessage * msg)
{
  const MikeyPayload *idi = NULL;
  guint i;

  if (mikey_message_find (msg, MIKEY_PT_CERT, NULL) == NULL)
    return mikey_message_find (msg, MIKEY_PT_ID, NULL);
  for (i = 0; i < msg->payloads->len; i++) {
    const MikeyPayload *p = g_ptr_array_index (msg->payloads, i);

    if (p->type == MIKEY_PT_CERT)
      break;
    if (p->type == MIKEY_PT_ID)
      idi = p;
  }
  return idi;
}

gchar *
mikey_id_string (const MikeyPayload * p)
{
  if (p == NULL)
    return NULL;
  /* "bob\0.evil" must not be taken for "bob": with a NUL the escaped
   * form is compared (and shown), which no certificate name can match */
  if (memchr (p->u.id.data.data, '\0', p->u.id.data.len) != NULL)
    return mikey_escape_peer_string (p->u.id.data.data, p->u.id.data.len, 0);
  return g_strndup ((const gchar *) p->u.id.data.data, p->u.id.data.len);
}

MikeyCert *
mikey_peer_cert (const MikeyMessage * msg, MikeyCert * pinned,
    MikeyTrust * trust, const gchar * identity, gint64 now_us, GError ** error)
{
  g_autoptr (GPtrArray) chain =
      g_ptr_array_new_with_free_func ((GDestroyNotify) mikey_cert_unref);
  GError *err = NULL;
  MikeyCert *cert;
  gboolean ok = TRUE;

  cert = certs_from_message (msg, chain, &err);
  if (err != NULL) {
    g_propagate_error (error, err);
    return NULL;
  }
  if (cert == NULL) {
    if (pinned == NULL) {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CERT_UNTRUSTED,
          "the peer sent no certificate and none is configured for it");
      return NULL;
    }
    cert = mikey_cert_ref (pinned);
  } else if (pinned != NULL && !same_cert (cert, pinned)) {
    g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_CERT_UNTRUSTED,
        "the peer's certificate is not the one configured for it");
    ok = FALSE;
  } else if (pinned == NULL) {
    if (trust == NULL) {
      g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_SETTINGS,
          "no CA certificates configured to check the peer's certificate");
      ok = FALSE;
    } else {
      ok = mikey_cert_verify (cert, chain, trust, now_us / G_USEC_PER_SEC,
          error);
    }
  }

  /* a pinned certificate is trusted as configured, but only while valid */
  if (ok && pinned != NULL)
    ok = mikey_cert_check_validity (cert, now_us / G_USEC_PER_SEC, error);
  if (ok && identity != NULL)
    ok = mikey_cert_matches_identity (cert, identity, error);
  /* every peer certificate here vouches for a SIGN payload */
  if (ok)
    ok = mikey_cert_check_usage (cert, MIKEY_CERT_USAGE_SIGN, error);
  if (!ok) {
    mikey_cert_unref (cert);
    return NULL;
  }
  return cert;
}

void
mikey_params_set_mki (GArray * params, const MikeyBlob * spi)
{
  guint i;

  if (spi == NULL || spi->len == 0 || spi->len > MIKEY_MAX_MKI)
    return;
  for (i = 0; i < params->len; i++) {
    MikeySrtpParams *p = &g_array_index (params, MikeySrtpParams, i);

    memcpy (p->mki, spi->data, spi->len);
    p->mki_len = spi->len;
  }
}
