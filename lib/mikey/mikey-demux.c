/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY and RTP on one port: the first-byte demultiplexer (mikey-demux.h). */
#include "mikey-demux.h"

MikeyPacketKind
mikey_packet_classify (const guint8 * data, gsize len)
{
  guint32 cookie;

  if (data == NULL || len == 0)
    return MIKEY_PACKET_OTHER;
  /* RFC 7983: 127 < B < 192 is RTP/RTCP; SRTP and SRTCP keep the header */
  if (data[0] >= 128 && data[0] <= 191)
    return MIKEY_PACKET_RTP;
  if (data[0] > 3)
    return MIKEY_PACKET_OTHER;
  if (len >= 8) {
    cookie = ((guint32) data[4] << 24) | ((guint32) data[5] << 16) |
        ((guint32) data[6] << 8) | (guint32) data[7];
    if (cookie == MIKEY_DEMUX_STUN_COOKIE)
      return MIKEY_PACKET_STUN;
  }
  if ((data[0] == 1 || data[0] == 2) && len >= MIKEY_DEMUX_MIN_HDR)
    return MIKEY_PACKET_MIKEY;
  return MIKEY_PACKET_OTHER;
}

const gchar *
mikey_packet_kind_name (MikeyPacketKind kind)
{
  switch (kind) {
    case MIKEY_PACKET_RTP:
      return "RTP";
    case MIKEY_PACKET_MIKEY:
      return "MIKEY";
    case MIKEY_PACKET_STUN:
      return "STUN";
    default:
      return "other";
  }
}
