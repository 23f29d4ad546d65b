/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the exchange fuzzers (fuzz-responder, fuzz-initiator) share:
 * aborting on a violated property, and the test PKI's paths. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Aborts, naming the fuzzer (g_get_prgname), @target and @what, unless
 * @ok: libFuzzer saves the input that got there. */
void fuzz_check (gboolean ok, const gchar * target, const gchar * what);
/* A failure must come with a non-empty MIKEY_ERROR */
void fuzz_check_error (const gchar * target, const GError * err);
/* Path of @name in the test PKI (MIKEY_TEST_DATA/pki); g_free it */
gchar *fuzz_pki (const gchar * name);

G_END_DECLS
