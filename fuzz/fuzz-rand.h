/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A deterministic random source for the exchange fuzzers, so that an
 * input always takes the same path (DH keys and signatures of the replies
 * included) and a crash reproduces from the input alone. */
#pragma once

#include <glib.h>

/* Makes OpenSSL's RAND_bytes use this source for the whole process. */
void fuzz_rand_install (void);
/* Restarts the sequence from @seed. */
void fuzz_rand_reset (guint64 seed);
