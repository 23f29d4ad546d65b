/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the MIKEY wire codec.
 *
 * Properties checked on every input:
 *  - mikey_message_parse() either fails with a MIKEY_ERROR GError, or
 *    returns a message that serializes back to exactly the input bytes
 *    (MACs and signatures are computed over those bytes, so a parser that
 *    "normalises" would break authentication);
 *  - the same holds for mikey_key_data_parse_list() on the input, and on
 *    the encrypted-data field of every KEMAC of an accepted message;
 *  - mikey_message_auth_offset() lies inside the message.
 * A property violation aborts, which libFuzzer reports as a crash; ASan
 * and UBSan catch out-of-bounds reads and undefined behaviour.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mikey-message.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static void
check (int ok, const char *what)
{
  if (!ok) {
    g_printerr ("fuzz-parse: property violated: %s\n", what);
    abort ();
  }
}

static void
check_error (GError * err)
{
  check (err != NULL, "failure without a GError");
  check (err->domain == MIKEY_ERROR, "GError outside MIKEY_ERROR");
  check (err->message != NULL && strstr (err->message, " payload at offset ")
      != NULL, "error message does not name payload and offset");
  g_error_free (err);
}

static void
fuzz_key_data (const guint8 * data, gsize size)
{
  GError *err = NULL;
  GPtrArray *list = mikey_key_data_parse_list (data, size, 0, &err);
  guint8 *out;
  gsize out_len;

  if (!list) {
    check_error (err);
    return;
  }
  out = mikey_key_data_serialize_list (list, &out_len, &err);
  check (out != NULL, "accepted key data list does not serialize");
  check (out_len == size && (size == 0 || memcmp (out, data, size) == 0),
      "key data list does not round-trip");
  mikey_secure_free (out, out_len);
  g_ptr_array_unref (list);
}

static void
fuzz_message (const guint8 * data, gsize size)
{
  GError *err = NULL;
  MikeyMessage *msg = mikey_message_parse (data, size, &err);
  GBytes *out;
  gssize auth;
  guint i;

  if (!msg) {
    check_error (err);
    return;
  }
  out = mikey_message_serialize (msg, &err);
  check (out != NULL, "accepted message does not serialize");
  check (g_bytes_get_size (out) == size &&
      memcmp (g_bytes_get_data (out, NULL), data, size) == 0,
      "message does not round-trip");
  g_bytes_unref (out);

  auth = mikey_message_auth_offset (msg);
  check (auth >= -1 && auth <= (gssize) size, "auth offset out of range");

  for (i = 0; i < msg->payloads->len; i++) {
    MikeyPayload *p = g_ptr_array_index (msg->payloads, i);

    if (p->type == MIKEY_PT_KEMAC)
      fuzz_key_data (p->u.kemac.enc_data.data, p->u.kemac.enc_data.len);
  }
  mikey_message_free (msg);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* a g_return_if_fail() hit is a bug too */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  fuzz_message (data, size);
  fuzz_key_data (data, size);
  return 0;
}
