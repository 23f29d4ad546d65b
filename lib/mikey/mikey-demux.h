/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Telling MIKEY apart from RTP, SRTP, RTCP and SRTCP on one UDP port (the
 * "media path", MIKEYv2 draft section 7), by the first bytes of a datagram
 * in the way RFC 7983 (updating RFC 5764 section 5.1.2) demultiplexes
 * STUN, ZRTP, DTLS, TURN channels and RTP:
 *
 *   first byte    128..191  RTP / RTCP (version 2), SRTP / SRTCP alike
 *   first byte    1 or 2    MIKEY: its common header's version (1: RFC 3830;
 *                           2: reserved for MIKEYv2), at least the 10 bytes
 *                           of a common header without CS ID map info,
 *                           and bytes 4..7 not STUN's magic cookie
 *   anything else           not ours: a demultiplexer drops it
 *
 * The MIKEY range lies inside RFC 7983's STUN range (0..3); a STUN message
 * (RFC 5389 section 6: top two bits 0, cookie 0x2112A442 at bytes 4..7)
 * is never taken for MIKEY, whose bytes 4..7 are a random CSB ID. */
#pragma once

#include <glib.h>
#include "mikey-api.h"

G_BEGIN_DECLS

typedef enum
{
  MIKEY_PACKET_OTHER,           /* neither: drop it */
  MIKEY_PACKET_RTP,             /* RTP, RTCP, SRTP or SRTCP */
  MIKEY_PACKET_MIKEY,           /* hand it to the MIKEY core */
  MIKEY_PACKET_STUN,            /* STUN (no ICE agent here: drop it) */
} MikeyPacketKind;

/* Bytes of the shortest MIKEY common header (RFC 3830 6.1, #CS = 0) */
#define MIKEY_DEMUX_MIN_HDR 10
/* The STUN magic cookie (RFC 5389 section 6) */
#define MIKEY_DEMUX_STUN_COOKIE 0x2112A442u

/* What @len bytes at @data are, by the rules above. Reads at most the
 * first 8 bytes; @data may be NULL when @len is 0. */
MIKEY_API
MikeyPacketKind mikey_packet_classify (const guint8 * data, gsize len);

/* "RTP", "MIKEY", "STUN", "other" */
MIKEY_API
const gchar *mikey_packet_kind_name (MikeyPacketKind kind);

G_END_DECLS
