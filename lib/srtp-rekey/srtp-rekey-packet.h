/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where the MKI sits in an SRTP or SRTCP packet (sans-I/O, no GStreamer).
 *
 * The MKI carries no length of its own: it is found from the end of the
 * packet with the MKI length and the tag length of the policy, exactly as
 * libsrtp 2.5 writes it:
 *
 *   SRTP, HMAC suites   header | payload | MKI | tag
 *   SRTP, AEAD (GCM)    header | payload+tag | MKI         (RFC 7714 8.1)
 *   SRTCP, HMAC suites  header | payload | E+index | MKI | tag
 *   SRTCP, AEAD (GCM)   header | payload+tag | E+index | MKI
 *
 * Every offset is checked against the packet length: no read outside
 * [data, data + len) for any input.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS
#define SRTP_REKEY_MAX_MKI 128  /* libsrtp2's SRTP_MAX_MKI_LEN */
#define SRTP_REKEY_MAX_KEY_SALT 46      /* AES-256 key + 14-byte salt */
    typedef enum
{
  SRTP_REKEY_AES_CM_128_HMAC_SHA1_80,
  SRTP_REKEY_AES_CM_128_HMAC_SHA1_32,
  SRTP_REKEY_AES_256_CM_HMAC_SHA1_80,
  SRTP_REKEY_AES_256_CM_HMAC_SHA1_32,
  SRTP_REKEY_AEAD_AES_128_GCM,
  SRTP_REKEY_AEAD_AES_256_GCM,
} SrtpRekeySuite;

typedef struct
{
  SrtpRekeySuite suite;
  gboolean aead;
  guint rtp_tag_len;            /* bytes after the MKI (HMAC) or before it (GCM) */
  guint rtcp_tag_len;
  gsize key_salt_len;           /* srtpenc's "key": master key || salt */
  gsize mki_len;                /* 1 .. SRTP_REKEY_MAX_MKI */
} SrtpRekeyPolicy;

/* Fills @policy for @suite and an MKI of @mki_len bytes. The SRTCP tag of
 * the _32 suites is 4 bytes when @rtcp_tag_32 is TRUE (srtcp-auth
 * hmac-sha1-32, what gst-mikey's elements configure) and 10 bytes
 * otherwise (RFC 4568: SRTCP keeps the 80-bit tag). FALSE for a bad MKI
 * length. */
gboolean srtp_rekey_policy_init (SrtpRekeyPolicy * policy,
    SrtpRekeySuite suite, gsize mki_len, gboolean rtcp_tag_32);

/* The same from srtpenc/srtpdec nicks ("aes-128-icm", "hmac-sha1-80",
 * "aes-128-gcm" with auth "null"). FALSE for a combination srtpdec
 * cannot run with an MKI (null cipher or auth, mixed ciphers). */
gboolean srtp_rekey_policy_from_nicks (SrtpRekeyPolicy * policy,
    const gchar * rtp_cipher, const gchar * rtp_auth,
    const gchar * rtcp_cipher, const gchar * rtcp_auth, gsize mki_len);

/* srtpenc / srtpdec enum nicks of the policy */
const gchar *srtp_rekey_policy_cipher_nick (const SrtpRekeyPolicy * policy);
const gchar *srtp_rekey_policy_rtp_auth_nick (const SrtpRekeyPolicy * policy);
const gchar *srtp_rekey_policy_rtcp_auth_nick (const SrtpRekeyPolicy * policy);

typedef enum
{
  SRTP_REKEY_PACKET_OK,
  SRTP_REKEY_PACKET_TRUNCATED,  /* shorter than headers + MKI + tag */
  SRTP_REKEY_PACKET_NOT_RTP,    /* version is not 2 */
} SrtpRekeyPacketResult;

typedef struct
{
  gboolean is_rtcp;
  guint32 ssrc;
  guint16 seq;                  /* SRTP only */
  gsize header_len;             /* SRTP: 12 + CSRCs + extension; SRTCP: 8 */
  gsize mki_offset;             /* the MKI is data[mki_offset .. + mki_len) */
  gboolean encrypted;           /* SRTCP E flag (SRTP: TRUE) */
  guint32 srtcp_index;          /* SRTCP only, 31 bits */
} SrtpRekeyPacketInfo;

/* RFC 5761 demultiplexing on the second byte: packet types 192-223 are
 * RTCP (RTP payload types 64-95 once the marker bit is masked). */
gboolean srtp_rekey_packet_is_rtcp (const guint8 * data, gsize len);

SrtpRekeyPacketResult srtp_rekey_srtp_find_mki (const guint8 * data,
    gsize len, const SrtpRekeyPolicy * policy, SrtpRekeyPacketInfo * info);

SrtpRekeyPacketResult srtp_rekey_srtcp_find_mki (const guint8 * data,
    gsize len, const SrtpRekeyPolicy * policy, SrtpRekeyPacketInfo * info);

/* srtp_rekey_packet_is_rtcp() decides which of the two */
SrtpRekeyPacketResult srtp_rekey_packet_find_mki (const guint8 * data,
    gsize len, const SrtpRekeyPolicy * policy, SrtpRekeyPacketInfo * info);

const gchar *srtp_rekey_packet_result_to_string (SrtpRekeyPacketResult r);

G_END_DECLS
