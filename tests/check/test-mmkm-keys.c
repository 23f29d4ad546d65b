/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests for the MMKM key pieces of lib/mmkm: identities (files,
 * permissions, fingerprints checked against the openssl CLI), the KEK by
 * signed MIKEY-DH between a member and the server (same KEK on both sides,
 * a device or server other than the enrolled / pinned one refused) and the
 * TEK messages under the KEK (opened to the same key and MKI; wrong KEK,
 * replay, stale, other group or member refused; `mikey-tool decode --psk`
 * shows the TEK and MKI).
 *
 * The member's TEK-message parser is libmikey's responder in PSK mode,
 * which fuzz/fuzz-responder already covers; the checks added here run
 * only on messages whose MAC verified.
 *
 * The RSA keys are made once, in an unchecked fixture, as they take a
 * while (more so under sanitizers).
 */
#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "mmkm-identity.h"
#include "mmkm-kek.h"
#include "mmkm-tek.h"
#include "mikey-error.h"
#include "mikey-suite.h"

/* 2030-01-01 00:00:00 UTC, well within the certificates' validity
 * wherever the test runs until 2035 */
#define NOW_US G_GINT64_CONSTANT (1893456000000000)

static MmkmIdentity *server, *impostor, *alice_device, *alice_other;

static void
make_identities (void)
{
  GError *err = NULL;

  server = mmkm_identity_new (MMKM_SERVER_ID, MMKM_SERVER_ID, 0, &err);
  impostor = mmkm_identity_new (MMKM_SERVER_ID, MMKM_SERVER_ID, 0, &err);
  alice_device = mmkm_identity_new ("mmkm:user:alice", "mmkm:user:alice", 0,
      &err);
  alice_other = mmkm_identity_new ("mmkm:user:alice", "mmkm:user:alice", 0,
      &err);
  fail_unless (server && impostor && alice_device && alice_other, "%s",
      err ? err->message : "");
}

static void
free_identities (void)
{
  g_clear_pointer (&server, mmkm_identity_free);
  g_clear_pointer (&impostor, mmkm_identity_free);
  g_clear_pointer (&alice_device, mmkm_identity_free);
  g_clear_pointer (&alice_other, mmkm_identity_free);
}

static void
expect_error (GError ** err, MikeyErrorCode code, const gchar * part)
{
  fail_unless (*err != NULL, "no error, expected code %d", code);
  fail_unless ((*err)->domain == MIKEY_ERROR && (*err)->code == (gint) code,
      "error code %d, expected %d: %s", (*err)->code, code, (*err)->message);
  fail_unless (part == NULL || strstr ((*err)->message, part) != NULL,
      "message \"%s\" lacks \"%s\"", (*err)->message, part);
  g_clear_error (err);
}

/* Runs a program, returns its standard output; fails on a non-zero exit */
static gchar *
run (const gchar * const *argv)
{
  gchar *out = NULL, *errout = NULL;
  GError *err = NULL;
  gint status;

  fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL,
          G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &errout, &status, &err),
      "cannot run %s: %s", argv[0], err ? err->message : "");
  fail_unless (g_spawn_check_wait_status (status, NULL), "%s failed: %s",
      argv[0], errout);
  g_free (errout);
  return out;
}

/* ---- identities --------------------------------------------------------- */

static gchar *
path_in (const gchar * dir, const gchar * name)
{
  return g_build_filename (dir, name, NULL);
}

static guint
file_mode (const gchar * path)
{
  GStatBuf st;

  fail_unless (g_stat (path, &st) == 0, "%s missing", path);
  return st.st_mode & 07777;
}

static void
remove_dir (gchar * dir)
{
  const gchar *names[] = { "server.key", "server.crt", "alice.key",
    "alice.crt", NULL
  };
  guint i;

  for (i = 0; names[i] != NULL; i++) {
    g_autofree gchar *p = path_in (dir, names[i]);

    g_unlink (p);
  }
  g_rmdir (dir);
  g_free (dir);
}

GST_START_TEST (test_identity_create_load)
{
  gchar *tmp = g_dir_make_tmp ("mmkm-keys-XXXXXX", NULL);
  g_autofree gchar *dir = path_in (tmp, "state");
  g_autofree gchar *key_path = path_in (dir, "server.key");
  g_autofree gchar *cert_path = path_in (dir, "server.crt");
  MmkmIdentity *id, *again;
  gboolean created = FALSE;
  GError *err = NULL;

  id = mmkm_identity_load_or_create (dir, "server", MMKM_SERVER_ID,
      MMKM_SERVER_ID, &created, &err);
  fail_unless (id != NULL, "%s", err ? err->message : "");
  fail_unless (created);
  fail_unless_equals_int (file_mode (dir), 0700);
  fail_unless_equals_int (file_mode (key_path), 0600);
  fail_unless_equals_int (file_mode (cert_path), 0644);
  {
    /* the two files, no temporary file left */
    GDir *d = g_dir_open (dir, 0, NULL);
    guint n = 0;

    while (g_dir_read_name (d) != NULL)
      n++;
    g_dir_close (d);
    fail_unless_equals_int (n, 2);
  }
  fail_unless (mikey_key_get_size (mmkm_identity_get_key (id)) == 384);
  fail_unless (mikey_cert_matches_identity (mmkm_identity_get_cert (id),
          MMKM_SERVER_ID, NULL));
  fail_unless (mikey_cert_check_usage (mmkm_identity_get_cert (id),
          MIKEY_CERT_USAGE_SIGN, NULL));
  fail_if (mikey_cert_check_usage (mmkm_identity_get_cert (id),
          MIKEY_CERT_USAGE_ENCRYPT_KEY, NULL));

  /* the second start loads the same identity */
  again = mmkm_identity_load_or_create (dir, "server", MMKM_SERVER_ID,
      MMKM_SERVER_ID, &created, &err);
  fail_unless (again != NULL, "%s", err ? err->message : "");
  fail_if (created);
  fail_unless (memcmp (mmkm_identity_get_fingerprint (id),
          mmkm_identity_get_fingerprint (again), MMKM_FINGERPRINT_LEN) == 0);
  fail_unless_equals_string (mmkm_identity_get_cert_pem (id),
      mmkm_identity_get_cert_pem (again));
  fail_unless (mikey_key_matches_cert (mmkm_identity_get_key (again),
          mmkm_identity_get_cert (id), NULL));
  mmkm_identity_free (again);

  /* a state directory of another party */
  again = mmkm_identity_load_or_create (dir, "server", "mmkm:user:bob",
      "mmkm:user:bob", &created, &err);
  fail_unless (again == NULL);
  expect_error (&err, MIKEY_ERROR_IDENTITY, "not for mmkm:user:bob");

  mmkm_identity_free (id);
  remove_dir (g_strdup (dir));
  g_rmdir (tmp);
  g_free (tmp);
}

GST_END_TEST;

GST_START_TEST (test_identity_refuses_open_key)
{
  gchar *dir = g_dir_make_tmp ("mmkm-keys-XXXXXX", NULL);
  g_autofree gchar *key_path = path_in (dir, "alice.key");
  MmkmIdentity *id;
  GError *err = NULL;

  fail_unless (mmkm_identity_save (alice_device, dir, "alice", &err), "%s",
      err ? err->message : "");
  id = mmkm_identity_load (dir, "alice", &err);
  fail_unless (id != NULL, "%s", err ? err->message : "");
  mmkm_identity_free (id);

  fail_unless (g_chmod (key_path, 0644) == 0);
  id = mmkm_identity_load (dir, "alice", &err);
  fail_unless (id == NULL);
  expect_error (&err, MIKEY_ERROR_SETTINGS, "permissions 0644 are too open");
  fail_unless (g_chmod (key_path, 0640) == 0);
  id = mmkm_identity_load_or_create (dir, "alice", "mmkm:user:alice",
      "mmkm:user:alice", NULL, &err);
  fail_unless (id == NULL);
  expect_error (&err, MIKEY_ERROR_SETTINGS, "chmod 600");

  /* a loaded identity has no key PEM to write again */
  fail_unless (g_chmod (key_path, 0600) == 0);
  id = mmkm_identity_load (dir, "alice", &err);
  fail_unless (id != NULL);
  fail_if (mmkm_identity_save (id, dir, "alice", &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "only a new identity");
  mmkm_identity_free (id);
  remove_dir (dir);
}

GST_END_TEST;

/* A crash between the two renames of a first save */
GST_START_TEST (test_identity_half_saved)
{
  gchar *dir = g_dir_make_tmp ("mmkm-keys-XXXXXX", NULL);
  g_autofree gchar *key_path = path_in (dir, "alice.key");
  g_autofree gchar *cert_path = path_in (dir, "alice.crt");
  MmkmIdentity *id;
  gboolean created = FALSE;
  GError *err = NULL;

  /* key without certificate: the key is kept, a certificate made for it */
  fail_unless (mmkm_identity_save (alice_device, dir, "alice", NULL));
  fail_unless (g_unlink (cert_path) == 0);
  id = mmkm_identity_load_or_create (dir, "alice", "mmkm:user:alice",
      "mmkm:user:alice", &created, &err);
  fail_unless (id != NULL, "%s", err ? err->message : "");
  fail_unless (created);
  fail_unless (mikey_key_matches_cert (mmkm_identity_get_key (alice_device),
          mmkm_identity_get_cert (id), NULL));
  fail_unless_equals_int (file_mode (cert_path), 0644);
  fail_unless_equals_int (file_mode (key_path), 0600);
  mmkm_identity_free (id);

  /* certificate without key: nothing to recover */
  fail_unless (g_unlink (key_path) == 0);
  id = mmkm_identity_load_or_create (dir, "alice", "mmkm:user:alice",
      "mmkm:user:alice", &created, &err);
  fail_unless (id == NULL);
  expect_error (&err, MIKEY_ERROR_SETTINGS, "private key");
  fail_unless (g_file_test (cert_path, G_FILE_TEST_EXISTS));
  remove_dir (dir);
}

GST_END_TEST;

GST_START_TEST (test_identity_fingerprint)
{
  gchar *dir = g_dir_make_tmp ("mmkm-keys-XXXXXX", NULL);
  g_autofree gchar *cert_path = path_in (dir, "server.crt");
  g_autofree gchar *fp = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *ext = NULL;
  guint8 raw[MMKM_FINGERPRINT_LEN], again[MMKM_FINGERPRINT_LEN];
  const gchar *eq;
  GError *err = NULL;
  const gchar *fp_argv[] = { "openssl", "x509", "-in", cert_path, "-noout",
    "-fingerprint", "-sha256", NULL
  };
  const gchar *ext_argv[] = { "openssl", "x509", "-in", cert_path, "-noout",
    "-ext", "subjectAltName,keyUsage,basicConstraints", "-subject", NULL
  };

  fail_unless (mmkm_identity_save (server, dir, "server", NULL));
  fp = mmkm_fingerprint_to_string (mmkm_identity_get_fingerprint (server));
  fail_unless_equals_int (strlen (fp), MMKM_FINGERPRINT_LEN * 3 - 1);

  /* "sha256 Fingerprint=AB:CD:..." */
  out = run (fp_argv);
  eq = strchr (out, '=');
  fail_unless (eq != NULL, "%s", out);
  g_strchomp (out);
  fail_unless_equals_string (eq + 1, fp);

  /* the raw bytes, and the string read back (also in lower case) */
  mmkm_cert_fingerprint (mmkm_identity_get_cert (server), raw);
  fail_unless (memcmp (raw, mmkm_identity_get_fingerprint (server),
          MMKM_FINGERPRINT_LEN) == 0);
  fail_unless (mmkm_fingerprint_parse (fp, again, &err));
  fail_unless (memcmp (raw, again, MMKM_FINGERPRINT_LEN) == 0);
  g_free (out);
  out = g_ascii_strdown (fp, -1);
  fail_unless (mmkm_fingerprint_parse (out, again, &err));
  fail_unless (memcmp (raw, again, MMKM_FINGERPRINT_LEN) == 0);
  fail_if (mmkm_fingerprint_parse ("AB:CD", again, &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "32 bytes");

  /* what a peer sees in the certificate */
  ext = run (ext_argv);
  fail_unless (strstr (ext, "URI:mmkm:server") != NULL, "%s", ext);
  fail_unless (strstr (ext, "Digital Signature") != NULL, "%s", ext);
  fail_unless (strstr (ext, "CA:FALSE") != NULL, "%s", ext);
  fail_unless (strstr (ext, "CN = mmkm:server") != NULL ||
      strstr (ext, "CN=mmkm:server") != NULL, "%s", ext);

  g_unlink (cert_path);
  remove_dir (dir);
}

GST_END_TEST;

GST_START_TEST (test_identity_bad_names)
{
  GError *err = NULL;
  gchar *long_cn = g_strnfill (65, 'a');

  fail_if (mmkm_identity_new (long_cn, "mmkm:server", 0, &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "common name");
  fail_if (mmkm_identity_new ("x", "mmkm:user:a b", 0, &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "printable ASCII");
  fail_if (mmkm_identity_new ("x", "no-scheme", 0, &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "URI");
  fail_if (mmkm_user_id ("", &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "user name");
  fail_if (mmkm_user_id ("bob\nroot", &err));
  expect_error (&err, MIKEY_ERROR_SETTINGS, "user name");
  g_free (long_cn);
}

GST_END_TEST;

/* ---- KEK ---------------------------------------------------------------- */

/* One DH exchange: the member @device as "alice" against @srv, which has
 * @enrolled as alice's certificate (and @user as the name it expects).
 * Returns whether the server accepted; *@member_ok whether the member
 * then took the answer; errors in @serr / @merr. */
static gboolean
dh_exchange (MmkmIdentity * device, MmkmIdentity * srv,
    MmkmIdentity * enrolled, const gchar * user, MikeyReplayCache * replay,
    guint8 member_kek[MMKM_KEK_LEN], guint8 server_kek[MMKM_KEK_LEN],
    gboolean * member_ok, GError ** serr, GError ** merr)
{
  g_autoptr (MmkmKekMember) m = NULL;
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  gboolean server_ok;
  gsize len;
  const guint8 *data;

  /* the member always pins the real server's certificate */
  m = mmkm_kek_member_new (device, "alice", mmkm_identity_get_cert (server),
      merr);
  fail_unless (m != NULL);
  init = mmkm_kek_member_start (m, NOW_US, merr);
  fail_unless (init != NULL);
  data = g_bytes_get_data (init, &len);
  server_ok = mmkm_kek_server_respond (srv, user,
      mmkm_identity_get_cert (enrolled), replay, data, len, NOW_US + 1000,
      &reply, server_kek, serr);
  *member_ok = FALSE;
  if (reply != NULL) {
    data = g_bytes_get_data (reply, &len);
    *member_ok = mmkm_kek_member_finish (m, data, len, NOW_US + 2000,
        member_kek, merr);
  }
  if (*member_ok) {
    guint8 again[MMKM_KEK_LEN];
    GError *err = NULL;

    /* done: the secrets are gone, the answer is not taken twice */
    fail_if (mmkm_kek_member_finish (m, data, len, NOW_US + 3000, again, &err));
    fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_STATE));
    g_clear_error (&err);
    fail_if (mmkm_kek_member_start (m, NOW_US, &err));
    g_clear_error (&err);
  }
  return server_ok;
}

static gboolean
all_zero (const guint8 * b, gsize len)
{
  gsize i;

  for (i = 0; i < len; i++)
    if (b[i] != 0)
      return FALSE;
  return TRUE;
}

GST_START_TEST (test_kek_same_on_both_sides)
{
  guint8 mk[MMKM_KEK_LEN], sk[MMKM_KEK_LEN], mk2[MMKM_KEK_LEN],
      sk2[MMKM_KEK_LEN];
  MikeyReplayCache *replay = mikey_replay_cache_new (0, 0);
  gboolean member_ok;
  GError *serr = NULL, *merr = NULL;

  fail_unless (dh_exchange (alice_device, server, alice_device, "alice",
          replay, mk, sk, &member_ok, &serr, &merr), "%s",
      serr ? serr->message : "");
  fail_unless (member_ok, "%s", merr ? merr->message : "");
  fail_unless (memcmp (mk, sk, MMKM_KEK_LEN) == 0);
  fail_if (all_zero (mk, MMKM_KEK_LEN));

  /* every login a fresh KEK */
  fail_unless (dh_exchange (alice_device, server, alice_device, "alice",
          replay, mk2, sk2, &member_ok, &serr, &merr));
  fail_unless (member_ok);
  fail_unless (memcmp (mk2, sk2, MMKM_KEK_LEN) == 0);
  fail_if (memcmp (mk, mk2, MMKM_KEK_LEN) == 0);
  mikey_replay_cache_free (replay);
}

GST_END_TEST;

GST_START_TEST (test_kek_refusals)
{
  guint8 mk[MMKM_KEK_LEN], sk[MMKM_KEK_LEN];
  gboolean member_ok;
  GError *serr = NULL, *merr = NULL;

  /* a device other than the enrolled one */
  fail_if (dh_exchange (alice_other, server, alice_device, "alice", NULL,
          mk, sk, &member_ok, &serr, &merr));
  expect_error (&serr, MIKEY_ERROR_CERT_UNTRUSTED, NULL);
  fail_unless (all_zero (sk, MMKM_KEK_LEN));
  fail_if (member_ok);
  g_clear_error (&merr);

  /* alice's device enrolled, but the login is for bob */
  fail_if (dh_exchange (alice_device, server, alice_device, "bob", NULL,
          mk, sk, &member_ok, &serr, &merr));
  expect_error (&serr, MIKEY_ERROR_IDENTITY, "mismatched identity");
  fail_if (member_ok);
  g_clear_error (&merr);

  /* an impostor server: its own key, not the pinned certificate's */
  fail_unless (dh_exchange (alice_device, impostor, alice_device, "alice",
          NULL, mk, sk, &member_ok, &serr, &merr));
  fail_if (member_ok);
  fail_unless (all_zero (mk, MMKM_KEK_LEN));
  expect_error (&merr, MIKEY_ERROR_CERT_UNTRUSTED, NULL);
}

GST_END_TEST;

/* The server takes OAKLEY 5 only, and the 32-byte suite only: a member
 * built by hand with another group or suite is refused */
GST_START_TEST (test_kek_group_and_suite)
{
  const struct
  {
    guint8 group;
    MikeySuite suite;
    MikeyErrorCode code;
  } cases[] = {
    {MIKEY_DH_GROUP_OAKLEY2, MIKEY_SUITE_AES_256_CM_HMAC_SHA1_80,
        MIKEY_ERROR_DH_GROUP},
    {MIKEY_DH_GROUP_OAKLEY1, MIKEY_SUITE_AES_256_CM_HMAC_SHA1_80,
        MIKEY_ERROR_DH_GROUP},
    {MIKEY_DH_GROUP_OAKLEY5, MIKEY_SUITE_AES_CM_128_HMAC_SHA1_80,
        MIKEY_ERROR_MODE_REFUSED},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    MikeyInitiatorConfig cfg = { 0 };
    g_autoptr (MikeyInitiator) init = NULL;
    g_autoptr (GBytes) msg = NULL;
    g_autoptr (GBytes) reply = NULL;
    guint8 sk[MMKM_KEK_LEN];
    const guint8 *data;
    gsize len;
    GError *err = NULL;

    cfg.mode = MIKEY_MODE_DH;
    cfg.dh_group = cases[i].group;
    cfg.suite = mikey_suite_get (cases[i].suite);
    cfg.key = mmkm_identity_get_key (alice_device);
    cfg.certs = mmkm_identity_get_chain (alice_device);
    cfg.peer_cert = mmkm_identity_get_cert (server);
    cfg.id_i = "mmkm:user:alice";
    cfg.id_r = MMKM_SERVER_ID;
    init = mikey_initiator_new (&cfg, &err);
    fail_unless (init != NULL, "%s", err ? err->message : "");
    msg = mikey_initiator_start (init, NOW_US, NULL);
    data = g_bytes_get_data (msg, &len);
    fail_if (mmkm_kek_server_respond (server, "alice",
            mmkm_identity_get_cert (alice_device), NULL, data, len, NOW_US,
            &reply, sk, &err));
    expect_error (&err, cases[i].code, NULL);
    fail_unless (all_zero (sk, MMKM_KEK_LEN));
  }
}

GST_END_TEST;

GST_START_TEST (test_kek_replay)
{
  g_autoptr (MmkmKekMember) m = NULL;
  g_autoptr (GBytes) init = NULL;
  g_autoptr (GBytes) reply = NULL;
  MikeyReplayCache *replay = mikey_replay_cache_new (0, 0);
  guint8 sk[MMKM_KEK_LEN];
  const guint8 *data;
  gsize len;
  GError *err = NULL;

  m = mmkm_kek_member_new (alice_device, "alice",
      mmkm_identity_get_cert (server), NULL);
  init = mmkm_kek_member_start (m, NOW_US, NULL);
  data = g_bytes_get_data (init, &len);
  fail_unless (mmkm_kek_server_respond (server, "alice",
          mmkm_identity_get_cert (alice_device), replay, data, len, NOW_US,
          &reply, sk, &err));
  g_clear_pointer (&reply, g_bytes_unref);
  /* the server's shared cache sees it again */
  fail_if (mmkm_kek_server_respond (server, "alice",
          mmkm_identity_get_cert (alice_device), replay, data, len,
          NOW_US + 1000, &reply, sk, &err));
  expect_error (&err, MIKEY_ERROR_REPLAY, NULL);
  fail_unless (all_zero (sk, MMKM_KEK_LEN));
  g_clear_pointer (&reply, g_bytes_unref);
  mikey_replay_cache_free (replay);
}

GST_END_TEST;

/* ---- TEK messages ------------------------------------------------------- */

static const guint8 KEK[MMKM_KEK_LEN] = {
  0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
  0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
  0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0,
};

#define GROUP 7
#define MKI 0x0000002au

static void
fill_tek (guint8 * tek, gsize len)
{
  gsize i;

  for (i = 0; i < len; i++)
    tek[i] = (guint8) (0xa0 + i);
}

static GBytes *
tek_message (const guint8 * kek, const gchar * user, guint32 group,
    const guint8 * tek, gint64 now_us)
{
  MmkmTekParams p = { 0 };
  GError *err = NULL;
  GBytes *msg;

  p.kek = kek;
  p.user_name = user;
  p.group_id = group;
  p.tek = tek;
  p.tek_len = 30;
  p.mki = MKI;
  p.has_ssrc = TRUE;
  p.ssrc = 0xcafe0001;
  p.roc = 3;
  msg = mmkm_tek_message_build (&p, now_us, &err);
  fail_unless (msg != NULL, "%s", err ? err->message : "");
  return msg;
}

static gboolean
open_msg (MmkmTekReceiver * r, GBytes * msg, gint64 now_us,
    MikeySrtpParams * out, GError ** err)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (msg, &len);

  return mmkm_tek_receiver_open (r, data, len, now_us, out, err);
}

GST_START_TEST (test_tek_round_trip)
{
  g_autoptr (MmkmTekReceiver) r = NULL;
  guint8 tek[30];
  GBytes *msg;
  MikeySrtpParams p;
  GError *err = NULL;

  fill_tek (tek, sizeof (tek));
  r = mmkm_tek_receiver_new (KEK, "alice", GROUP, 0, &err);
  fail_unless (r != NULL);
  msg = tek_message (KEK, "alice", GROUP, tek, NOW_US);
  fail_unless (open_msg (r, msg, NOW_US + 5000, &p, &err), "%s",
      err ? err->message : "");
  fail_unless (p.suite == mikey_suite_get
      (MIKEY_SUITE_AES_CM_128_HMAC_SHA1_80));
  fail_unless_equals_int (p.key_len, 16);
  fail_unless_equals_int (p.salt_len, 14);
  fail_unless (memcmp (p.key, tek, 16) == 0);
  fail_unless (memcmp (p.salt, tek + 16, 14) == 0);
  fail_unless_equals_int (p.mki_len, MMKM_MKI_LEN);
  fail_unless_equals_int (mmkm_tek_get_mki (&p), MKI);
  fail_unless (p.has_ssrc);
  fail_unless_equals_int (p.ssrc, 0xcafe0001);
  fail_unless_equals_int (p.roc, 3);
  mikey_srtp_params_clear (&p);

  /* the same message again */
  fail_if (open_msg (r, msg, NOW_US + 6000, &p, &err));
  expect_error (&err, MIKEY_ERROR_REPLAY, NULL);
  fail_unless (all_zero (p.key, sizeof (p.key)));
  g_bytes_unref (msg);

  /* the next one opens too */
  tek[0] ^= 0xff;
  msg = tek_message (KEK, "alice", GROUP, tek, NOW_US + 10000);
  fail_unless (open_msg (r, msg, NOW_US + 10000, &p, &err));
  fail_unless (p.key[0] == tek[0]);
  mikey_srtp_params_clear (&p);
  g_bytes_unref (msg);
}

GST_END_TEST;

GST_START_TEST (test_tek_refusals)
{
  g_autoptr (MmkmTekReceiver) r = NULL;
  guint8 tek[30], other_kek[MMKM_KEK_LEN];
  GBytes *msg;
  MikeySrtpParams p;
  GError *err = NULL;

  fill_tek (tek, sizeof (tek));
  memcpy (other_kek, KEK, sizeof (other_kek));
  other_kek[31] ^= 1;
  r = mmkm_tek_receiver_new (KEK, "alice", GROUP, 0, &err);

  msg = tek_message (other_kek, "alice", GROUP, tek, NOW_US);
  fail_if (open_msg (r, msg, NOW_US, &p, &err));
  expect_error (&err, MIKEY_ERROR_AUTH, NULL);
  fail_unless (all_zero (p.key, sizeof (p.key)));
  g_bytes_unref (msg);

  msg = tek_message (KEK, "alice", GROUP, tek, NOW_US);
  fail_if (open_msg (r, msg, NOW_US + 120 * G_USEC_PER_SEC, &p, &err));
  expect_error (&err, MIKEY_ERROR_STALE, NULL);
  g_bytes_unref (msg);

  msg = tek_message (KEK, "alice", GROUP + 1, tek, NOW_US);
  fail_if (open_msg (r, msg, NOW_US, &p, &err));
  expect_error (&err, MIKEY_ERROR_POLICY, "group 8, not 7");
  fail_unless (all_zero (p.key, sizeof (p.key)));
  g_bytes_unref (msg);

  /* bob's message under the same KEK (only a server bug would do that) */
  msg = tek_message (KEK, "bob", GROUP, tek, NOW_US);
  fail_if (open_msg (r, msg, NOW_US, &p, &err));
  expect_error (&err, MIKEY_ERROR_IDENTITY, "not for mmkm:user:alice");
  g_bytes_unref (msg);

  /* junk and truncations never crash */
  msg = tek_message (KEK, "alice", GROUP, tek, NOW_US + 1);
  {
    gsize len, cut;
    const guint8 *data = g_bytes_get_data (msg, &len);

    for (cut = 0; cut < len; cut += 7) {
      fail_if (mmkm_tek_receiver_open (r, data, cut, NOW_US, &p, &err));
      g_clear_error (&err);
    }
  }
  /* and none of that spoiled the good message */
  fail_unless (open_msg (r, msg, NOW_US, &p, &err), "%s",
      err ? err->message : "");
  mikey_srtp_params_clear (&p);
  g_bytes_unref (msg);

  /* bad parameters */
  {
    MmkmTekParams bad = { 0 };

    bad.kek = KEK;
    bad.user_name = "alice";
    bad.tek = tek;
    bad.tek_len = 30;
    fail_if (mmkm_tek_message_build (&bad, NOW_US, &err));
    expect_error (&err, MIKEY_ERROR_SETTINGS, "group id");
    bad.group_id = GROUP;
    bad.tek_len = 29;
    fail_if (mmkm_tek_message_build (&bad, NOW_US, &err));
    expect_error (&err, MIKEY_ERROR_SETTINGS, "TEK must be");
  }
}

GST_END_TEST;

/* The issue asks exactly this: mikey-tool decodes a TEK message with the
 * member's KEK to the TEK and MKI the server sent. */
GST_START_TEST (test_tek_mikey_tool_decode)
{
  const gchar *tool = g_getenv ("MIKEY_TOOL");
  g_autofree gchar *kek_hex = mikey_hex_encode (KEK, sizeof (KEK));
  g_autofree gchar *tek_hex = NULL;
  g_autofree gchar *b64 = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *want = NULL;
  guint8 tek[46];
  GBytes *msg;
  gsize len;
  const guint8 *data;
  MmkmTekParams p = { 0 };

  fail_unless (tool != NULL, "MIKEY_TOOL is not set (run through meson "
      "test)");
  fill_tek (tek, sizeof (tek));
  tek_hex = mikey_hex_encode (tek, sizeof (tek));
  p.kek = KEK;
  p.user_name = "alice";
  p.group_id = GROUP;
  p.suite = mikey_suite_get (MIKEY_SUITE_AES_256_CM_HMAC_SHA1_80);
  p.tek = tek;
  p.tek_len = sizeof (tek);
  p.mki = 0x01020304;
  p.has_ssrc = TRUE;
  p.ssrc = 0xffffffff;
  msg = mmkm_tek_message_build (&p, g_get_real_time (), NULL);
  fail_unless (msg != NULL);
  data = g_bytes_get_data (msg, &len);
  b64 = g_base64_encode (data, len);
  g_bytes_unref (msg);

  {
    const gchar *argv[] = { tool, "decode", "--psk", kek_hex, "--format",
      "caps", b64, NULL
    };

    out = run (argv);
  }
  want = g_strdup_printf ("srtp-key=(buffer)%s", tek_hex);
  fail_unless (strstr (out, want) != NULL, "%s", out);
  fail_unless (strstr (out, "mki=(buffer)01020304") != NULL, "%s", out);
  fail_unless (strstr (out, "ssrc=(uint)4294967295") != NULL, "%s", out);
  fail_unless (strstr (out, "aes-256-icm") != NULL, "%s", out);
  g_free (out);

  /* the human-readable form names both parties and the group */
  {
    const gchar *argv[] = { tool, "decode", "--psk", kek_hex, b64, NULL };

    out = run (argv);
  }
  fail_unless (strstr (out, "mmkm:server") != NULL, "%s", out);
  fail_unless (strstr (out, "mmkm:user:alice") != NULL, "%s", out);
}

GST_END_TEST;

/* Seed 002 step 4b: the member's responder answers the TEK message with a
 * PSK verification message; the server checks it against the TEK message
 * it sent, and mikey-tool verifies it with the KEK and that message. */
GST_START_TEST (test_tek_ack)
{
  const gchar *tool = g_getenv ("MIKEY_TOOL");
  g_autoptr (MmkmTekReceiver) r = NULL;
  g_autofree gchar *kek_hex = mikey_hex_encode (KEK, sizeof (KEK));
  g_autofree gchar *msg_b64 = NULL;
  g_autofree gchar *ack_b64 = NULL;
  guint8 tek[30], other_kek[MMKM_KEK_LEN];
  GBytes *msg, *msg2, *ack = NULL, *ack2 = NULL;
  MikeySrtpParams p;
  GError *err = NULL;
  const guint8 *a;
  gsize alen, mlen;
  gchar *out;

  fail_unless (tool != NULL);
  fill_tek (tek, sizeof (tek));
  memset (other_kek, 0x55, sizeof other_kek);
  r = mmkm_tek_receiver_new (KEK, "alice", GROUP, 0, &err);
  fail_unless (r != NULL);
  msg = tek_message (KEK, "alice", GROUP, tek, NOW_US);
  a = g_bytes_get_data (msg, &mlen);
  fail_unless (mmkm_tek_receiver_open_ack (r, a, mlen, NOW_US + 1000, &p,
          &ack, &err), "%s", err ? err->message : "");
  mikey_srtp_params_clear (&p);
  fail_unless (ack != NULL);
  a = g_bytes_get_data (ack, &alen);
  /* HDR (PSK verify) T IDr V: small */
  fail_unless (alen > 10 && alen < 120, "%" G_GSIZE_FORMAT, alen);

  fail_unless (mmkm_tek_ack_check (KEK, "alice", msg, a, alen,
          NOW_US + 2000, 0, &err), "%s", err ? err->message : "");
  /* a replay passes the check again: the store records it once */
  fail_unless (mmkm_tek_ack_check (KEK, "alice", msg, a, alen,
          NOW_US + 3000, 0, NULL));
  /* another KEK, another TEK message, another member, another time */
  fail_if (mmkm_tek_ack_check (other_kek, "alice", msg, a, alen, NOW_US, 0,
          &err));
  expect_error (&err, MIKEY_ERROR_AUTH, NULL);
  msg2 = tek_message (KEK, "alice", GROUP, tek, NOW_US + 1);
  fail_if (mmkm_tek_ack_check (KEK, "alice", msg2, a, alen, NOW_US, 0, &err));
  expect_error (&err, MIKEY_ERROR_AUTH, NULL);
  fail_if (mmkm_tek_ack_check (KEK, "bob", msg, a, alen, NOW_US, 0, &err));
  expect_error (&err, MIKEY_ERROR_IDENTITY, "not from mmkm:user:bob");
  fail_if (mmkm_tek_ack_check (KEK, "alice", msg, a, alen,
          NOW_US + 120 * G_USEC_PER_SEC, 0, &err));
  expect_error (&err, MIKEY_ERROR_STALE, NULL);
  /* the TEK message itself is no acknowledgement */
  fail_if (mmkm_tek_ack_check (KEK, "alice", msg, g_bytes_get_data (msg,
              NULL), mlen, NOW_US, 0, &err));
  expect_error (&err, MIKEY_ERROR_INVALID, NULL);
  /* a flipped bit, truncations: refused, never a crash */
  {
    guint8 *bad = g_memdup2 (a, alen);
    gsize cut;

    bad[alen - 1] ^= 1;
    fail_if (mmkm_tek_ack_check (KEK, "alice", msg, bad, alen, NOW_US, 0,
            &err));
    expect_error (&err, MIKEY_ERROR_AUTH, NULL);
    for (cut = 0; cut < alen; cut++) {
      fail_if (mmkm_tek_ack_check (KEK, "alice", msg, a, cut, NOW_US, 0, NULL));
    }
    g_free (bad);
  }
  /* a refused TEK message gives no acknowledgement */
  a = g_bytes_get_data (msg, &mlen);
  fail_if (mmkm_tek_receiver_open_ack (r, a, mlen, NOW_US, &p, &ack2, &err));
  g_clear_error (&err);
  fail_unless (ack2 == NULL);

  /* mikey-tool decode --psk <KEK> --init <TEK message> <ack> */
  msg_b64 = g_base64_encode (g_bytes_get_data (msg, NULL), mlen);
  a = g_bytes_get_data (ack, &alen);
  ack_b64 = g_base64_encode (a, alen);
  {
    const gchar *argv[] = { tool, "decode", "--psk", kek_hex, "--init",
      msg_b64, ack_b64, NULL
    };

    out = run (argv);
  }
  fail_unless (strstr (out, "mmkm:user:alice") != NULL, "%s", out);
  g_free (out);
  /* without the TEK message it says what is missing (exit 3, no crash) */
  {
    const gchar *argv[] = { tool, "decode", "--psk", kek_hex, ack_b64, NULL };
    gchar *errout = NULL;
    gint status;

    fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL, 0, NULL, NULL,
            NULL, &errout, &status, NULL));
    fail_if (g_spawn_check_wait_status (status, NULL));
    fail_unless (strstr (errout, "--init") != NULL, "%s", errout);
    g_free (errout);
  }
  /* with the wrong KEK: refused */
  {
    g_autofree gchar *bad_hex = mikey_hex_encode (other_kek, MMKM_KEK_LEN);
    const gchar *argv[] = { tool, "decode", "--psk", bad_hex, "--init",
      msg_b64, ack_b64, NULL
    };
    gint status;

    fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL,
            G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
            NULL, NULL, NULL, &status, NULL));
    fail_if (g_spawn_check_wait_status (status, NULL));
  }
  g_bytes_unref (ack);
  g_bytes_unref (msg);
  g_bytes_unref (msg2);
}

GST_END_TEST;

static Suite *
mmkm_keys_suite (void)
{
  Suite *s = suite_create ("mmkm-keys");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 240);
  tcase_add_unchecked_fixture (tc, make_identities, free_identities);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_identity_create_load);
  tcase_add_test (tc, test_identity_refuses_open_key);
  tcase_add_test (tc, test_identity_half_saved);
  tcase_add_test (tc, test_identity_fingerprint);
  tcase_add_test (tc, test_identity_bad_names);
  tcase_add_test (tc, test_kek_same_on_both_sides);
  tcase_add_test (tc, test_kek_refusals);
  tcase_add_test (tc, test_kek_group_and_suite);
  tcase_add_test (tc, test_kek_replay);
  tcase_add_test (tc, test_tek_round_trip);
  tcase_add_test (tc, test_tek_refusals);
  tcase_add_test (tc, test_tek_mikey_tool_decode);
  tcase_add_test (tc, test_tek_ack);
  return s;
}

GST_CHECK_MAIN (mmkm_keys);
