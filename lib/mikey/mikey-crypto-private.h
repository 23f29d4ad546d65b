/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal to the crypto files: OpenSSL objects shared across calls. */
#pragma once

#include <openssl/evp.h>

/* The HMAC implementation, fetched once for the process: fetching it on
 * every MAC and PRF block costs more than the HMAC of a MIKEY message.
 * Owned by the core; never free it. */
EVP_MAC *mikey_hmac_impl (void);
