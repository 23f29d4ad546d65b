/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* splitmix64 behind OpenSSL's RAND_METHOD, for the fuzzers only. */
#include "fuzz-rand.h"

/* RAND_set_rand_method() is deprecated in OpenSSL 3 but is still the one
 * way to make every draw (RSA blinding included) deterministic. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/rand.h>

static guint64 rng_state;

static int
fuzz_rand_bytes (unsigned char *buf, int num)
{
  int i;

  for (i = 0; i < num; i++) {
    guint64 z = (rng_state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
    buf[i] = (z ^ (z >> 31)) >> 24;
  }
  return 1;
}

static int
fuzz_rand_status (void)
{
  return 1;
}

static const RAND_METHOD fuzz_rand = {
  NULL, fuzz_rand_bytes, NULL, NULL, fuzz_rand_bytes, fuzz_rand_status
};

void
fuzz_rand_install (void)
{
  RAND_set_rand_method (&fuzz_rand);
}

void
fuzz_rand_reset (guint64 seed)
{
  rng_state = seed;
}
