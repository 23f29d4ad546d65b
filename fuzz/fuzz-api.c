/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the MMKM HTTPS API codecs (lib/mmkm/mmkm-api*.c).
 *
 * Every input goes to every *_from_json() (through mmkm_api_codecs()).
 * Properties checked:
 *  - a refusal is a GError in MMKM_ERROR, BAD_REQUEST or TOO_LARGE;
 *  - an accepted body encodes with *_to_json() into a body that the same
 *    codec accepts again and encodes into exactly the same bytes (the
 *    encoder writes only what the decoder takes);
 *  - the parsers of headers and parameters (strict base64, session token,
 *    Bearer header, the events query) fail cleanly or succeed on the
 *    input as a string;
 *  - no out-of-bounds access, leak or undefined behaviour (ASan, UBSan),
 *    no GLib critical or warning (made fatal).
 * A violation aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mmkm-api.h"
#include "mmkm-error.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static void
check (int ok, const char *codec, const char *what)
{
  if (!ok) {
    g_printerr ("fuzz-api: %s: property violated: %s\n", codec, what);
    abort ();
  }
}

static void
check_refusal (GError * err, const char *codec)
{
  check (err != NULL && err->domain == MMKM_ERROR
      && (err->code == MMKM_ERROR_BAD_REQUEST
          || err->code == MMKM_ERROR_TOO_LARGE), codec,
      "refused without an MMKM_ERROR BAD_REQUEST or TOO_LARGE");
  check (err->message != NULL && err->message[0] != '\0', codec,
      "refused without a sentence");
  g_error_free (err);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* a g_return_if_fail() hit is a bug too */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

static void
fuzz_codec (const MmkmApiCodec * c, const gchar * body, gsize len)
{
  gpointer msg = g_malloc0 (c->size), again = g_malloc0 (c->size);
  GError *err = NULL;
  gchar *once, *twice;

  if (!c->from_json (body, len, msg, &err)) {
    check_refusal (err, c->name);
    goto out;
  }
  once = c->to_json (msg);
  check (once != NULL, c->name, "no encoding of an accepted body");
  if (!c->from_json (once, strlen (once), again, &err)) {
    g_printerr ("fuzz-api: %s: own encoding refused: %s\n", c->name,
        err->message);
    abort ();
  }
  twice = c->to_json (again);
  check (strcmp (once, twice) == 0, c->name, "encoding is not a fixed point");
  c->clear (again);
  c->clear (msg);
  mmkm_api_free_secret (once);
  mmkm_api_free_secret (twice);
out:
  g_free (msg);
  g_free (again);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  const MmkmApiCodec *codecs;
  guint n, i;
  gchar *text;
  guint8 token[MMKM_API_TOKEN_LEN];
  guint64 after;
  guint timeout;
  GBytes *b;
  const gchar *sep;

  codecs = mmkm_api_codecs (&n);
  for (i = 0; i < n; i++)
    fuzz_codec (&codecs[i], (const gchar *) data, size);

  /* as a string (up to the first NUL) */
  text = g_strndup ((const gchar *) data, size);
  b = mmkm_api_base64_decode (text, MMKM_API_MIKEY_MAX, NULL);
  if (b != NULL) {
    gchar *enc = g_base64_encode (g_bytes_get_data (b, NULL),
        g_bytes_get_size (b));
    check (strcmp (enc, text) == 0, "base64", "not the one encoding");
    g_free (enc);
    g_bytes_unref (b);
  }
  if (mmkm_api_token_parse (text, token, NULL)) {
    gchar *enc = mmkm_api_token_to_string (token);
    check (strcmp (enc, text) == 0, "token", "not the one encoding");
    g_free (enc);
  }
  (void) mmkm_api_bearer_parse (text, token, NULL);
  sep = strchr (text, '&');
  if (sep != NULL) {
    gchar *first = g_strndup (text, sep - text);
    (void) mmkm_api_events_query_parse (first, sep + 1, &after, &timeout, NULL);
    g_free (first);
  }
  g_free (text);
  return 0;
}
