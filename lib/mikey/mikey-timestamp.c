/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* NTP timestamps for the T payload. */
#include "mikey-timestamp.h"

/* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (Unix epoch). */
#define NTP_UNIX_OFFSET G_GUINT64_CONSTANT (2208988800)

guint64
mikey_ntp_from_unix_us (gint64 unix_us)
{
  guint64 secs, frac;

  if (unix_us < 0)
    unix_us = 0;
  secs = (guint64) unix_us / G_USEC_PER_SEC + NTP_UNIX_OFFSET;
  frac = ((guint64) unix_us % G_USEC_PER_SEC << 32) / G_USEC_PER_SEC;
  /* 32-bit seconds wrap in 2036 (NTP era 1); the low bits are what goes on
   * the wire, and the replay window compares modulo 2^32 seconds. */
  return (secs << 32) | frac;
}

gint64
mikey_ntp_to_unix_us (guint64 ntp)
{
  gint64 secs = (gint64) (ntp >> 32);
  /* RFC 4330 3: with the top bit clear the time lies in era 1 (2036-2104) */
  if (secs < 0x80000000)
    secs += G_GINT64_CONSTANT (0x100000000);
  secs -= (gint64) NTP_UNIX_OFFSET;
  gint64 us = (gint64) (((ntp & 0xffffffffu) * G_USEC_PER_SEC) >> 32);

  return secs * G_USEC_PER_SEC + us;
}
