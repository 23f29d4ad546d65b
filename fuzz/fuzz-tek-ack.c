/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the server's check of a member's TEK
 * acknowledgement (mmkm_tek_ack_check() in lib/mmkm/mmkm-tek.c), the body
 * of POST /v1/session/teks/ack.
 *
 * A TEK message for alice is built once (fixed KEK, time T0). Each input:
 *  - as the acknowledgement: refused with a MIKEY_ERROR, or accepted;
 *  - if it parses and ends with an HMAC-SHA-1 V payload, once more with
 *    the V MAC made right (RFC 3830 5.2, computed here independently:
 *    keys from the KEK and the TEK message's RAND, over the input up to
 *    the MAC, then IDi || IDr || T of the TEK message), so that the
 *    fuzzer gets past the MAC: then it is never refused as AUTH, only
 *    for what it says (form, identity, time) or accepted;
 *  - no out-of-bounds access, leak or undefined behaviour (ASan, UBSan).
 * A violation aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mikey-crypto.h"
#include "mikey-error.h"
#include "mikey-message.h"
#include "mikey-types.h"
#include "mmkm-tek.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

#define T0 G_GINT64_CONSTANT (1893456000000000)
#define MAC_LEN 20

static guint8 kek[MMKM_KEK_LEN];
static GBytes *tek_msg;
static MikeyMessage *tek_parsed;

static void
check (int ok, const char *what)
{
  if (!ok) {
    g_printerr ("fuzz-tek-ack: property violated: %s\n", what);
    abort ();
  }
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  MmkmTekParams p = { 0 };
  guint8 tek[30];
  gsize i, len;
  gconstpointer d;

  for (i = 0; i < sizeof kek; i++)
    kek[i] = (guint8) i;
  memset (tek, 0x5a, sizeof tek);
  p.kek = kek;
  p.user_name = "alice";
  p.group_id = 7;
  p.tek = tek;
  p.tek_len = sizeof tek;
  p.mki = 42;
  tek_msg = mmkm_tek_message_build (&p, T0, NULL);
  check (tek_msg != NULL, "cannot build the TEK message");
  d = g_bytes_get_data (tek_msg, &len);
  tek_parsed = mikey_message_parse (d, len, NULL);
  check (tek_parsed != NULL, "the TEK message does not parse");
  return 0;
}

static void
check_refusal (GError ** err)
{
  check (*err != NULL && (*err)->domain == MIKEY_ERROR, "refusal outside "
      "MIKEY_ERROR");
  g_clear_error (err);
}

static void
append_id (GByteArray * a, const MikeyPayload * id)
{
  if (id)
    g_byte_array_append (a, id->u.id.data.data, id->u.id.data.len);
}

/* the input with its trailing V MAC computed as RFC 3830 5.2 says, or
 * NULL when it has no such V payload */
static guint8 *
with_right_mac (const guint8 * data, gsize size)
{
  g_autoptr (MikeyMessage) m = mikey_message_parse (data, size, NULL);
  const MikeyPayload *last, *rand, *t, *idi, *idr;
  MikeyTransportKeys keys;
  GByteArray *extra;
  guint idx = 0;
  guint8 ts[8], *out;
  gint i;

  if (!m || m->payloads->len == 0)
    return NULL;
  last = g_ptr_array_index (m->payloads, m->payloads->len - 1);
  if (last->type != MIKEY_PT_V || last->u.v.mac_alg != MIKEY_MAC_HMAC_SHA1_160
      || size < MAC_LEN)
    return NULL;
  rand = mikey_message_find (tek_parsed, MIKEY_PT_RAND, NULL);
  t = mikey_message_find (tek_parsed, MIKEY_PT_T, NULL);
  idi = mikey_message_find (tek_parsed, MIKEY_PT_ID, &idx);
  idx++;
  idr = mikey_message_find (tek_parsed, MIKEY_PT_ID, &idx);
  if (mikey_message_find (m, MIKEY_PT_ID, NULL))
    idr = mikey_message_find (m, MIKEY_PT_ID, NULL);
  extra = g_byte_array_new ();
  append_id (extra, idi);
  append_id (extra, idr);
  for (i = 0; i < 8; i++)
    ts[i] = (guint8) (t->u.t.value >> (56 - 8 * i));
  g_byte_array_append (extra, ts, 8);
  /* the CSB ID of the keys is the TEK message's */
  check (mikey_transport_keys_derive (kek, sizeof kek,
          tek_parsed->hdr.csb_id, rand->u.rand.rand.data,
          rand->u.rand.rand.len, &keys, NULL), "key derivation failed");
  out = g_memdup2 (data, size);
  check (mikey_mac_compute2 (MIKEY_MAC_HMAC_SHA1_160, keys.auth_key,
          sizeof keys.auth_key, out, size - MAC_LEN, extra->data, extra->len,
          out + size - MAC_LEN, NULL), "MAC failed");
  mikey_transport_keys_clear (&keys);
  g_byte_array_unref (extra);
  return out;
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  GError *err = NULL;
  guint8 *fixed;

  if (!mmkm_tek_ack_check (kek, "alice", tek_msg, data, size, T0, 0, &err))
    check_refusal (&err);
  fixed = with_right_mac (data, size);
  if (fixed) {
    if (!mmkm_tek_ack_check (kek, "alice", tek_msg, fixed, size, T0, 0, &err)) {
      check (!g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_AUTH),
          "a right MAC refused as AUTH");
      check_refusal (&err);
    }
    g_free (fixed);
  }
  return 0;
}
