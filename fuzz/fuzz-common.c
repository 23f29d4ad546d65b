/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the exchange fuzzers share (see fuzz-common.h) */
#include "fuzz-common.h"
#include "mikey-error.h"

#include <stdlib.h>

void
fuzz_check (gboolean ok, const gchar * target, const gchar * what)
{
  if (ok)
    return;
  g_printerr ("%s (%s): property violated: %s\n", g_get_prgname (), target,
      what);
  abort ();
}

void
fuzz_check_error (const gchar * target, const GError * err)
{
  fuzz_check (err != NULL, target, "failure without a GError");
  fuzz_check (err->domain == MIKEY_ERROR, target, "GError outside MIKEY_ERROR");
  fuzz_check (err->message != NULL && err->message[0] != '\0', target,
      "empty error message");
}

gchar *
fuzz_pki (const gchar * name)
{
  return g_build_filename (MIKEY_TEST_DATA, "pki", name, NULL);
}
