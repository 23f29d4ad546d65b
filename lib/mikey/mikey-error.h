/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: error domain shared by codec, crypto and exchanges. */
#pragma once

#include <glib.h>
#include "mikey-api.h"

G_BEGIN_DECLS

#define MIKEY_ERROR (mikey_error_quark ())
MIKEY_API
GQuark mikey_error_quark (void);

/* One code per class of failure, so that callers (elements, tools, the
 * MMKM server) choose their reaction and wording from the code and never
 * from the message text. The message stays a complete sentence for users. */
typedef enum
{
  /* -- the bytes: malformed or not understood -- */
  /* a length or field runs past the end of the buffer */
  MIKEY_ERROR_TRUNCATED,
  /* well-formed bytes, but the values contradict each other or the RFC */
  MIKEY_ERROR_INVALID,
  /* a value we do not implement (unknown payload, algorithm, group...) */
  MIKEY_ERROR_UNSUPPORTED,

  /* -- authentication and freshness -- */
  /* MAC or signature did not verify (or a PKE envelope did not open) */
  MIKEY_ERROR_AUTH,
  /* message seen before */
  MIKEY_ERROR_REPLAY,
  /* timestamp outside the accepted window, or counter not increasing */
  MIKEY_ERROR_STALE,

  /* -- local policy refuses an otherwise valid message -- */
  /* refused for another reason of local policy (e.g. a key derivation
   * rate libsrtp cannot honour) */
  MIKEY_ERROR_POLICY,
  /* the peer's answer carried an ERR payload (RFC 3830 6.12) */
  MIKEY_ERROR_PEER,
  /* the exchange is not in a state where this call makes sense */
  MIKEY_ERROR_STATE,
  /* OpenSSL failed (out of memory, RNG failure...) */
  MIKEY_ERROR_CRYPTO,
  /* an unauthenticated key (MIKEY-NULL) and MIKEY-NULL was not asked for */
  MIKEY_ERROR_UNAUTHENTICATED,
  /* key exchange method or crypto suite other than the one(s) configured */
  MIKEY_ERROR_MODE_REFUSED,
  /* negotiation: no method/suite pair acceptable to both sides (also when
   * the peer says so) */
  MIKEY_ERROR_NO_COMMON,
  /* Diffie-Hellman group not among the acceptable ones */
  MIKEY_ERROR_DH_GROUP,
  /* the peer's certificate does not chain to a trusted CA (or differs
   * from the pinned one) */
  MIKEY_ERROR_CERT_UNTRUSTED,
  /* the peer's certificate (or one of its chain) is expired or not yet
   * valid */
  MIKEY_ERROR_CERT_EXPIRED,
  /* the peer's certificate is revoked, or cannot be checked against a
   * current CRL */
  MIKEY_ERROR_CERT_REVOKED,
  /* the peer's identity (certificate subject or ID payload) is not the
   * expected one */
  MIKEY_ERROR_IDENTITY,
  /* the peer's certificate's keyUsage forbids what the exchange needs */
  MIKEY_ERROR_CERT_USAGE,

  /* -- the caller's side -- */
  /* the configuration or settings handed in are wrong or incomplete
   * (missing PSK, unreadable certificate file, bad list...) */
  MIKEY_ERROR_SETTINGS,
  /* the initiator got no (acceptable) answer before its overall timeout */
  MIKEY_ERROR_TIMEOUT,

  /* -- added later (codes are kept in order) -- */
  /* refused because a bounded table of replay protection is full (not a
   * replay: the same message may be accepted once there is room) */
  MIKEY_ERROR_CACHE_FULL,
} MikeyErrorCode;

G_END_DECLS
