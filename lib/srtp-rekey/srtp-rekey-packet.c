/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Locating the MKI of SRTP and SRTCP packets (see srtp-rekey-packet.h). */
#include "srtp-rekey-packet.h"

#include <string.h>

#define RTP_FIXED_HEADER 12
#define RTCP_FIXED_HEADER 8
#define SRTCP_TRAILER 4
#define GCM_TAG 16

gboolean
srtp_rekey_policy_init (SrtpRekeyPolicy * policy, SrtpRekeySuite suite,
    gsize mki_len, gboolean rtcp_tag_32)
{
  memset (policy, 0, sizeof (*policy));
  if (mki_len == 0 || mki_len > SRTP_REKEY_MAX_MKI)
    return FALSE;
  policy->suite = suite;
  policy->mki_len = mki_len;
  switch (suite) {
    case SRTP_REKEY_AES_CM_128_HMAC_SHA1_80:
      policy->rtp_tag_len = policy->rtcp_tag_len = 10;
      policy->key_salt_len = 16 + 14;
      break;
    case SRTP_REKEY_AES_CM_128_HMAC_SHA1_32:
      policy->rtp_tag_len = 4;
      policy->rtcp_tag_len = rtcp_tag_32 ? 4 : 10;
      policy->key_salt_len = 16 + 14;
      break;
    case SRTP_REKEY_AES_256_CM_HMAC_SHA1_80:
      policy->rtp_tag_len = policy->rtcp_tag_len = 10;
      policy->key_salt_len = 32 + 14;
      break;
    case SRTP_REKEY_AES_256_CM_HMAC_SHA1_32:
      policy->rtp_tag_len = 4;
      policy->rtcp_tag_len = rtcp_tag_32 ? 4 : 10;
      policy->key_salt_len = 32 + 14;
      break;
    case SRTP_REKEY_AEAD_AES_128_GCM:
      policy->aead = TRUE;
      policy->rtp_tag_len = policy->rtcp_tag_len = GCM_TAG;
      policy->key_salt_len = 16 + 12;
      break;
    case SRTP_REKEY_AEAD_AES_256_GCM:
      policy->aead = TRUE;
      policy->rtp_tag_len = policy->rtcp_tag_len = GCM_TAG;
      policy->key_salt_len = 32 + 12;
      break;
    default:
      return FALSE;
  }
  return TRUE;
}

static gint
auth_tag_len (const gchar * nick)
{
  if (g_strcmp0 (nick, "hmac-sha1-80") == 0)
    return 10;
  if (g_strcmp0 (nick, "hmac-sha1-32") == 0)
    return 4;
  return -1;
}

gboolean
srtp_rekey_policy_from_nicks (SrtpRekeyPolicy * policy,
    const gchar * rtp_cipher, const gchar * rtp_auth,
    const gchar * rtcp_cipher, const gchar * rtcp_auth, gsize mki_len)
{
  gint rtp_tag, rtcp_tag;
  gboolean aes256;

  memset (policy, 0, sizeof (*policy));
  /* one cipher for both paths: libsrtp keys both from one master key */
  if (rtp_cipher == NULL || g_strcmp0 (rtp_cipher, rtcp_cipher) != 0)
    return FALSE;

  if (g_str_has_suffix (rtp_cipher, "-gcm")) {
    if (g_strcmp0 (rtp_auth, "null") != 0 || g_strcmp0 (rtcp_auth, "null") != 0)
      return FALSE;
    if (strcmp (rtp_cipher, "aes-128-gcm") == 0)
      return srtp_rekey_policy_init (policy, SRTP_REKEY_AEAD_AES_128_GCM,
          mki_len, FALSE);
    if (strcmp (rtp_cipher, "aes-256-gcm") == 0)
      return srtp_rekey_policy_init (policy, SRTP_REKEY_AEAD_AES_256_GCM,
          mki_len, FALSE);
    return FALSE;
  }

  if (strcmp (rtp_cipher, "aes-128-icm") == 0)
    aes256 = FALSE;
  else if (strcmp (rtp_cipher, "aes-256-icm") == 0)
    aes256 = TRUE;
  else
    return FALSE;
  rtp_tag = auth_tag_len (rtp_auth);
  rtcp_tag = auth_tag_len (rtcp_auth);
  if (rtp_tag < 0 || rtcp_tag < 0)
    return FALSE;
  /* an 80-bit RTP tag with a 32-bit SRTCP tag is no suite at all */
  if (rtp_tag == 10 && rtcp_tag == 4)
    return FALSE;

  if (rtp_tag == 10)
    return srtp_rekey_policy_init (policy, aes256 ?
        SRTP_REKEY_AES_256_CM_HMAC_SHA1_80 :
        SRTP_REKEY_AES_CM_128_HMAC_SHA1_80, mki_len, FALSE);
  return srtp_rekey_policy_init (policy, aes256 ?
      SRTP_REKEY_AES_256_CM_HMAC_SHA1_32 :
      SRTP_REKEY_AES_CM_128_HMAC_SHA1_32, mki_len, rtcp_tag == 4);
}

const gchar *
srtp_rekey_policy_cipher_nick (const SrtpRekeyPolicy * policy)
{
  switch (policy->suite) {
    case SRTP_REKEY_AES_CM_128_HMAC_SHA1_80:
    case SRTP_REKEY_AES_CM_128_HMAC_SHA1_32:
      return "aes-128-icm";
    case SRTP_REKEY_AES_256_CM_HMAC_SHA1_80:
    case SRTP_REKEY_AES_256_CM_HMAC_SHA1_32:
      return "aes-256-icm";
    case SRTP_REKEY_AEAD_AES_128_GCM:
      return "aes-128-gcm";
    case SRTP_REKEY_AEAD_AES_256_GCM:
      return "aes-256-gcm";
  }
  return "null";
}

static const gchar *
tag_nick (const SrtpRekeyPolicy * policy, guint tag_len)
{
  if (policy->aead)
    return "null";
  return tag_len == 4 ? "hmac-sha1-32" : "hmac-sha1-80";
}

const gchar *
srtp_rekey_policy_rtp_auth_nick (const SrtpRekeyPolicy * policy)
{
  return tag_nick (policy, policy->rtp_tag_len);
}

const gchar *
srtp_rekey_policy_rtcp_auth_nick (const SrtpRekeyPolicy * policy)
{
  return tag_nick (policy, policy->rtcp_tag_len);
}

gboolean
srtp_rekey_packet_is_rtcp (const guint8 * data, gsize len)
{
  guint pt;

  if (len < 2)
    return FALSE;
  pt = data[1] & 0x7f;
  return pt >= 64 && pt <= 95;
}

SrtpRekeyPacketResult
srtp_rekey_srtp_find_mki (const guint8 * data, gsize len,
    const SrtpRekeyPolicy * policy, SrtpRekeyPacketInfo * info)
{
  gsize header, trailer;
  guint cc;

  memset (info, 0, sizeof (*info));
  if (len < RTP_FIXED_HEADER)
    return SRTP_REKEY_PACKET_TRUNCATED;
  if ((data[0] >> 6) != 2)
    return SRTP_REKEY_PACKET_NOT_RTP;

  cc = data[0] & 0x0f;
  header = RTP_FIXED_HEADER + 4 * cc;
  if (header > len)
    return SRTP_REKEY_PACKET_TRUNCATED;
  if (data[0] & 0x10) {
    gsize ext_words;

    /* extension: 16-bit profile, 16-bit length in 32-bit words */
    if (len - header < 4)
      return SRTP_REKEY_PACKET_TRUNCATED;
    ext_words = ((gsize) data[header + 2] << 8) | data[header + 3];
    if ((len - header - 4) / 4 < ext_words)
      return SRTP_REKEY_PACKET_TRUNCATED;
    header += 4 + 4 * ext_words;
  }

  /* MKI and tag after the header; an empty payload is allowed */
  trailer = policy->mki_len + policy->rtp_tag_len;
  if (len - header < trailer)
    return SRTP_REKEY_PACKET_TRUNCATED;

  info->is_rtcp = FALSE;
  info->seq = ((guint16) data[2] << 8) | data[3];
  info->ssrc = ((guint32) data[8] << 24) | ((guint32) data[9] << 16) |
      ((guint32) data[10] << 8) | data[11];
  info->header_len = header;
  info->encrypted = TRUE;
  if (policy->aead)
    info->mki_offset = len - policy->mki_len;
  else
    info->mki_offset = len - policy->rtp_tag_len - policy->mki_len;
  return SRTP_REKEY_PACKET_OK;
}

SrtpRekeyPacketResult
srtp_rekey_srtcp_find_mki (const guint8 * data, gsize len,
    const SrtpRekeyPolicy * policy, SrtpRekeyPacketInfo * info)
{
  gsize trailer, index_at;
  guint32 word;

  memset (info, 0, sizeof (*info));
  if (len < RTCP_FIXED_HEADER)
    return SRTP_REKEY_PACKET_TRUNCATED;
  if ((data[0] >> 6) != 2)
    return SRTP_REKEY_PACKET_NOT_RTP;

  trailer = SRTCP_TRAILER + policy->mki_len + policy->rtcp_tag_len;
  if (len - RTCP_FIXED_HEADER < trailer)
    return SRTP_REKEY_PACKET_TRUNCATED;

  info->is_rtcp = TRUE;
  info->ssrc = ((guint32) data[4] << 24) | ((guint32) data[5] << 16) |
      ((guint32) data[6] << 8) | data[7];
  info->header_len = RTCP_FIXED_HEADER;
  if (policy->aead)
    info->mki_offset = len - policy->mki_len;
  else
    info->mki_offset = len - policy->rtcp_tag_len - policy->mki_len;
  index_at = info->mki_offset - SRTCP_TRAILER;
  word = ((guint32) data[index_at] << 24) | ((guint32) data[index_at + 1]
      << 16) | ((guint32) data[index_at + 2] << 8) | data[index_at + 3];
  info->encrypted = (word & 0x80000000u) != 0;
  info->srtcp_index = word & 0x7fffffffu;
  return SRTP_REKEY_PACKET_OK;
}

SrtpRekeyPacketResult
srtp_rekey_packet_find_mki (const guint8 * data, gsize len,
    const SrtpRekeyPolicy * policy, SrtpRekeyPacketInfo * info)
{
  if (srtp_rekey_packet_is_rtcp (data, len))
    return srtp_rekey_srtcp_find_mki (data, len, policy, info);
  return srtp_rekey_srtp_find_mki (data, len, policy, info);
}

const gchar *
srtp_rekey_packet_result_to_string (SrtpRekeyPacketResult r)
{
  switch (r) {
    case SRTP_REKEY_PACKET_OK:
      return "ok";
    case SRTP_REKEY_PACKET_TRUNCATED:
      return "packet shorter than its headers, MKI and authentication tag";
    case SRTP_REKEY_PACKET_NOT_RTP:
      return "not an RTP/RTCP packet (version is not 2)";
  }
  return "unknown";
}
