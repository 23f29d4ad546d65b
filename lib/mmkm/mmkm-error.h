/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM protocol library: the error domain of lib/mmkm/, one code per class
 * of refusal so that the server and the client count and react by code,
 * never by message text. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS
#define MMKM_ERROR (mmkm_error_quark ())
    GQuark mmkm_error_quark (void);

typedef enum
{
  /* wrong length, magic, version or type, or a field no sender writes:
   * refused before any key is used */
  MMKM_ERROR_MALFORMED,
  /* the session id names no session (or another one than expected) */
  MMKM_ERROR_UNKNOWN_SESSION,
  /* the HMAC did not verify under the session's key */
  MMKM_ERROR_BAD_MAC,
  /* authentic, but this sequence number was accepted before */
  MMKM_ERROR_REPLAY,
  /* authentic, but below the replay window: cannot tell whether it is new */
  MMKM_ERROR_TOO_OLD,
  /* settings or arguments out of range (a caller's mistake, not a peer's) */
  MMKM_ERROR_INVALID,
  /* OpenSSL failed (out of memory, missing algorithm) */
  MMKM_ERROR_CRYPTO,
  /* an HTTPS API body, header or parameter that is not what the API
   * takes (syntax, a field's type, length or range): a 400 answer */
  MMKM_ERROR_BAD_REQUEST,
  /* an HTTPS API body over its size limit, refused before parsing: 413 */
  MMKM_ERROR_TOO_LARGE,
} MmkmError;

G_END_DECLS
