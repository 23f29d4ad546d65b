/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: error domain shared by codec, crypto and exchanges. */
#pragma once

#include <glib.h>
#include "mikey-api.h"

G_BEGIN_DECLS

#define MIKEY_ERROR (mikey_error_quark ())
MIKEY_API
GQuark mikey_error_quark (void);

typedef enum
{
  /* a length or field runs past the end of the buffer */
  MIKEY_ERROR_TRUNCATED,
  /* well-formed bytes, but the values contradict each other or the RFC */
  MIKEY_ERROR_INVALID,
  /* a value we do not implement (unknown payload, algorithm, group...) */
  MIKEY_ERROR_UNSUPPORTED,
  /* MAC or signature did not verify */
  MIKEY_ERROR_AUTH,
  /* message seen before */
  MIKEY_ERROR_REPLAY,
  /* timestamp outside the accepted window */
  MIKEY_ERROR_STALE,
  /* policy refuses it (e.g. MIKEY-NULL when not asked for, wrong mode) */
  MIKEY_ERROR_POLICY,
  /* peer answered with an ERR payload */
  MIKEY_ERROR_PEER,
  /* the exchange is not in a state where this call makes sense */
  MIKEY_ERROR_STATE,
  /* OpenSSL failed (out of memory, RNG failure...) */
  MIKEY_ERROR_CRYPTO,
} MikeyErrorCode;

G_END_DECLS
