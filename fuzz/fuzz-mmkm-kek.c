/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the server side of the MMKM MIKEY-DH exchange
 * (lib/mmkm/mmkm-kek.c: mmkm_kek_server_respond), called as mmkm-server's
 * POST /v1/session/kek calls it (server/mmkm-server-keys.c): the server's
 * identity, alice's enrolled device certificate pinned, a replay cache
 * made as the server makes it (a fresh one per input, so that an input
 * always takes the same path).
 *
 * Every input is tried twice: as it is, and re-signed with alice's
 * device key when it parses as a MIKEY message whose last SIGN payload
 * has room for the key's signature. The second gets past the signature
 * check, so the fuzzer reaches the DH computation, the key derivation and
 * the answer with inputs no member would sign.
 *
 * The input is also read as the device certificate of POST /v1/register
 * (server/mmkm-server-login.c): PEM parsed, identity and key usage
 * checked as the server checks them.
 *
 * Properties checked besides ASan/UBSan and GLib criticals (made fatal):
 *  - a refusal comes with a MIKEY_ERROR GError and leaves the KEK zeroed;
 *    an ERR answer, when there is one, parses;
 *  - an acceptance comes with an answer that parses and a KEK that is not
 *    all zero.
 *
 * The identities are fixed (fuzz/mmkm-kek-pki/, loaded once at start) and
 * the clock too, so that the seeds (real DH initiation messages of
 * mmkm_kek_member, fuzz/corpus-mmkm-kek/) stay valid. With
 * MMKM_KEK_WRITE_SEEDS=DIR the fuzzer writes those seeds and exits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>

#include "fuzz-common.h"
#include "fuzz-rand.h"
#include "mikey-error.h"
#include "mikey-message.h"
#include "mikey-pk.h"
#include "mikey-replay.h"
#include "mmkm-identity.h"
#include "mmkm-kek.h"

#ifndef MMKM_KEK_PKI
#error "MMKM_KEK_PKI must name fuzz/mmkm-kek-pki (set by fuzz/meson.build)"
#endif

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

/* The seeds' clock: after the certificates' notBefore */
#define NOW G_GINT64_CONSTANT (1798761600000000)        /* 2027-01-01 */
#define USER "alice"
#define N_SEEDS 4

static MmkmIdentity *server, *device;

/* mmkm_identity_load() refuses a key file others may read, and a git
 * checkout does not keep modes: load from a private copy. */
static MmkmIdentity *
load_identity (const gchar * base)
{
  g_autofree gchar *dir = g_dir_make_tmp ("fuzz-mmkm-kek-XXXXXX", NULL);
  const gchar *ext[] = { ".key", ".crt" };
  MmkmIdentity *id;
  GError *err = NULL;
  guint i;

  fuzz_check (dir != NULL, base, "no temporary directory");
  for (i = 0; i < G_N_ELEMENTS (ext); i++) {
    g_autofree gchar *name = g_strconcat (base, ext[i], NULL);
    g_autofree gchar *src = g_build_filename (MMKM_KEK_PKI, name, NULL);
    g_autofree gchar *dst = g_build_filename (dir, name, NULL);
    g_autofree gchar *text = NULL;
    gsize len;

    fuzz_check (g_file_get_contents (src, &text, &len, NULL), src,
        "cannot read");
    fuzz_check (g_file_set_contents_full (dst, text, len,
            G_FILE_SET_CONTENTS_NONE, 0600, NULL), dst, "cannot write");
  }
  id = mmkm_identity_load (dir, base, &err);
  if (!id) {
    g_printerr ("fuzz-mmkm-kek: %s\n", err->message);
    abort ();
  }
  for (i = 0; i < G_N_ELEMENTS (ext); i++) {
    g_autofree gchar *name = g_strconcat (base, ext[i], NULL);
    g_autofree gchar *dst = g_build_filename (dir, name, NULL);
    g_unlink (dst);
  }
  g_rmdir (dir);
  return id;
}

static gboolean
all_zero (const guint8 * b, gsize len)
{
  guint8 acc = 0;
  gsize i;

  for (i = 0; i < len; i++)
    acc |= b[i];
  return acc == 0;
}

/* The server's side on @data; TRUE when it gave a KEK. */
static gboolean
respond (const guint8 * data, gsize size, const gchar * what,
    guint8 kek[MMKM_KEK_LEN])
{
  MikeyReplayCache *replay = mikey_replay_cache_new (0, 0);
  GBytes *reply = NULL;
  GError *err = NULL;
  gboolean ok;

  fuzz_rand_reset (size);
  ok = mmkm_kek_server_respond (server, USER,
      mmkm_identity_get_cert (device), replay, data, size, NOW, &reply, kek,
      &err);
  if (ok) {
    fuzz_check (err == NULL, what, "accepted with an error");
    fuzz_check (reply != NULL, what, "accepted without an answer");
    fuzz_check (!all_zero (kek, MMKM_KEK_LEN), what, "a zero KEK");
  } else {
    fuzz_check_error (what, err);
    fuzz_check (all_zero (kek, MMKM_KEK_LEN), what, "KEK left on refusal");
  }
  if (reply) {
    g_autoptr (MikeyMessage) m = mikey_message_parse (g_bytes_get_data
        (reply, NULL), g_bytes_get_size (reply), NULL);
    fuzz_check (m != NULL, what, "an answer that does not parse");
    g_bytes_unref (reply);
  }
  g_clear_error (&err);
  mikey_replay_cache_free (replay);
  return ok;
}

/* @data with its signature replaced by the device key's; NULL when it
 * has no SIGN payload of the right size. */
static guint8 *
resign (const guint8 * data, gsize size)
{
  MikeyKey *key = mmkm_identity_get_key (device);
  g_autoptr (MikeyMessage) m = mikey_message_parse (data, size, NULL);
  gsize sig_len = 0;
  guint8 *sig = NULL, *out;
  gssize off;

  if (!m)
    return NULL;
  off = mikey_message_auth_offset (m);
  if (off <= 0 || (gsize) off + mikey_key_get_size (key) != size)
    return NULL;
  if (!mikey_sign (key, MIKEY_SIGN_RSA_PKCS1_1_5, data, off, NULL, 0, &sig,
          &sig_len, NULL))
    return NULL;
  fuzz_check (sig_len == size - off, "resign", "signature size");
  out = g_memdup2 (data, size);
  memcpy (out + off, sig, sig_len);
  g_free (sig);
  return out;
}

static void
write_seeds (const gchar * dir)
{
  g_autoptr (MmkmKekMember) k = NULL;
  guint8 kek[MMKM_KEK_LEN], kek2[MMKM_KEK_LEN];
  guint i;

  g_mkdir_with_parents (dir, 0755);
  for (i = 0; i < N_SEEDS; i++) {
    g_autoptr (GBytes) init = NULL, reply = NULL;
    g_autofree gchar *path = g_strdup_printf ("%s/init-%u.bin", dir, i);
    MikeyReplayCache *replay = mikey_replay_cache_new (0, 0);
    GError *err = NULL;

    fuzz_rand_reset (1000 + i);
    k = mmkm_kek_member_new (device, USER, mmkm_identity_get_cert (server),
        &err);
    fuzz_check (k != NULL, "seeds", "member");
    init = mmkm_kek_member_start (k, NOW, &err);
    fuzz_check (init != NULL, "seeds", "start");
    /* a seed the server accepts and whose answer gives both the same KEK */
    fuzz_check (mmkm_kek_server_respond (server, USER,
            mmkm_identity_get_cert (device), replay,
            g_bytes_get_data (init, NULL), g_bytes_get_size (init), NOW,
            &reply, kek, &err), "seeds", "server refused a seed");
    fuzz_check (mmkm_kek_member_finish (k, g_bytes_get_data (reply, NULL),
            g_bytes_get_size (reply), NOW, kek2, &err), "seeds",
        "member refused the answer");
    fuzz_check (memcmp (kek, kek2, MMKM_KEK_LEN) == 0, "seeds", "two KEKs");
    fuzz_check (g_file_set_contents (path, g_bytes_get_data (init, NULL),
            g_bytes_get_size (init), NULL), path, "cannot write");
    g_clear_pointer (&k, mmkm_kek_member_free);
    mikey_replay_cache_free (replay);
  }
  g_print ("fuzz-mmkm-kek: %u seeds in %s\n", N_SEEDS, dir);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  const gchar *seeds = g_getenv ("MMKM_KEK_WRITE_SEEDS");

  g_set_prgname ("fuzz-mmkm-kek");
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  fuzz_rand_install ();
  fuzz_rand_reset (1);
  server = load_identity ("server");
  device = load_identity ("device");
  if (seeds) {
    write_seeds (seeds);
    exit (0);
  }
  return 0;
}

/* What POST /v1/register does with the certificate it is given */
static void
enrol (const guint8 * data, gsize size)
{
  GPtrArray *certs = mikey_cert_load_pem ((const gchar *) data, size, NULL);

  if (!certs)
    return;
  fuzz_check (certs->len > 0, "certificate", "an empty list");
  if (certs->len == 1
      && mikey_cert_matches_identity (g_ptr_array_index (certs, 0),
          MMKM_USER_ID_PREFIX USER, NULL))
    (void) mikey_cert_check_usage (g_ptr_array_index (certs, 0),
        MIKEY_CERT_USAGE_SIGN, NULL);
  g_ptr_array_unref (certs);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  guint8 kek[MMKM_KEK_LEN];
  guint8 *again;

  enrol (data, size);

  respond (data, size, "as received", kek);
  again = resign (data, size);
  if (again) {
    respond (again, size, "re-signed", kek);
    g_free (again);
  }
  return 0;
}
