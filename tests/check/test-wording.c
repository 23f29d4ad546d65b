/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the core and mikey-tool say (issue 8 items 5-7): peer-supplied
 * strings (ID payloads, certificate names) escaped in every message and in
 * mikey-tool's output; clock skew named as such, with its size; pinned
 * certificates checked for their validity period; short PSKs refused by
 * mikey-tool create. */
#include <gst/check/gstcheck.h>
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#include "mikey-exchange.h"
#include "mikey-exchange-private.h"
#include "mikey-negotiate.h"
#include "mikey-test-certs.h"

#define NOW G_GINT64_CONSTANT (1795000000000000)        /* 2026-11-18 */
#define SEC G_GINT64_CONSTANT (1000000)

#define TEK30 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d"

static const guint8 psk[] = "shared between alice and bob";
static const MikeySrtpCs cs[] = { {0, 0x01020304, 0} };

/* an ID a hostile sender chose: a colour, a forged log line */
#define EVIL_ID "sip:eve\x1b[31m\r\nmikey-key-established peer=bob\x7f"

static void
assert_clean (const gchar * text)
{
  fail_unless (text != NULL);
  fail_unless (mikey_test_is_clean_text (text), "raw bytes in \"%s\"",
      g_strescape (text, NULL));
}

static MikeyCert *
load_cert (const gchar * name)
{
  g_autofree gchar *path = mikey_test_pki (name);
  GPtrArray *certs = mikey_cert_load_pem_file (path, NULL);
  MikeyCert *cert;

  fail_unless (certs != NULL, "%s", path);
  cert = mikey_cert_ref (g_ptr_array_index (certs, 0));
  g_ptr_array_unref (certs);
  return cert;
}

static MikeyKey *
load_key (const gchar * name)
{
  g_autofree gchar *path = mikey_test_pki (name);
  MikeyKey *key = mikey_key_load_pem_file (path, NULL, NULL);

  fail_unless (key != NULL, "%s", path);
  return key;
}

/* ------------------------------------------------------------------------
 * Item 5: peer strings escaped
 * ---------------------------------------------------------------------- */

GST_START_TEST (test_escape_helper)
{
  static const guint8 raw[] = "a\x1b[0m\r\n\0\xff\xc2\x9b\"\\~";
  gchar *s = mikey_escape_peer_string (raw, sizeof (raw) - 1, 0);

  fail_unless_equals_string (s, "a\\x1b[0m\\x0d\\x0a\\x00\\xff\\xc2\\x9b"
      "\\x22\\x5c~");
  g_free (s);
  /* cut, and said so */
  s = mikey_escape_peer_string ("abcdef", -1, 3);
  fail_unless_equals_string (s, "abc...");
  g_free (s);
  s = mikey_escape_peer_string (NULL, 0, 0);
  fail_unless_equals_string (s, "");
  g_free (s);
}

GST_END_TEST;

/* PSK with peer_id: the MAC verifies, the identity does not match; the
 * sentence names the ID, escaped */
GST_START_TEST (test_psk_id_escaped)
{
  MikeyInitiatorConfig icfg = { 0 };
  MikeyResponderConfig rcfg = { 0 };
  MikeyInitiator *init;
  MikeyResponder *resp;
  GBytes *msg, *reply = NULL;
  GError *err = NULL;

  icfg.mode = MIKEY_MODE_PSK;
  icfg.psk = psk;
  icfg.psk_len = sizeof (psk) - 1;
  icfg.cs = cs;
  icfg.n_cs = 1;
  icfg.id_i = EVIL_ID;
  init = mikey_initiator_new (&icfg, NULL);
  msg = mikey_initiator_start (init, NOW, NULL);
  fail_unless (msg != NULL);

  rcfg.mode = MIKEY_MODE_PSK;
  rcfg.psk = psk;
  rcfg.psk_len = sizeof (psk) - 1;
  rcfg.peer_id = "sip:alice@example.org";
  resp = mikey_responder_new (&rcfg, NULL);
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "", NOW,
          &reply, &err), MIKEY_RESPONSE_REFUSED);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_IDENTITY));
  assert_clean (err->message);
  fail_unless (strstr (err->message, "sip:eve\\x1b[31m\\x0d\\x0amikey-key-"
          "established peer=bob\\x7f") != NULL, "%s", err->message);
  g_clear_error (&err);
  if (reply)
    g_bytes_unref (reply);
  g_bytes_unref (msg);
  mikey_responder_free (resp);
  mikey_initiator_free (init);
}

GST_END_TEST;

/* An ID payload with a NUL and invalid UTF-8 (only a crafted message can
 * carry one: MIKEY-NULL, no MAC to redo) */
GST_START_TEST (test_null_id_nul_escaped)
{
  static const guint8 evil[] = "sip:eve\0\xff\xfe\x1b[2J\n";
  MikeyInitiatorConfig icfg = { 0 };
  MikeyResponderConfig rcfg = { 0 };
  MikeyInitiator *init;
  MikeyResponder *resp;
  MikeyMessage *parsed;
  MikeyPayload *id;
  GBytes *msg, *crafted, *reply = NULL;
  GError *err = NULL;

  icfg.mode = MIKEY_MODE_NULL;
  icfg.cs = cs;
  icfg.n_cs = 1;
  icfg.id_i = "sip:placeholder@example.org";
  init = mikey_initiator_new (&icfg, NULL);
  msg = mikey_initiator_start (init, NOW, NULL);
  parsed = mikey_message_parse (g_bytes_get_data (msg, NULL),
      g_bytes_get_size (msg), NULL);
  fail_unless (parsed != NULL);
  id = mikey_message_find (parsed, MIKEY_PT_ID, NULL);
  fail_unless (id != NULL);
  mikey_blob_set (&id->u.id.data, evil, sizeof (evil) - 1);
  crafted = mikey_message_serialize (parsed, NULL);
  fail_unless (crafted != NULL);

  rcfg.mode = MIKEY_MODE_NULL;
  rcfg.peer_id = "sip:eve";
  resp = mikey_responder_new (&rcfg, NULL);
  /* "sip:eve\0..." is not "sip:eve" */
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (crafted, NULL), g_bytes_get_size (crafted), "",
          NOW, &reply, &err), MIKEY_RESPONSE_REFUSED);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_IDENTITY));
  assert_clean (err->message);
  fail_unless (strstr (err->message, "sip:eve\\x00\\xff\\xfe\\x1b[2J\\x0a")
      != NULL, "%s", err->message);
  g_clear_error (&err);
  if (reply)
    g_bytes_unref (reply);

  mikey_message_free (parsed);
  g_bytes_unref (crafted);
  g_bytes_unref (msg);
  mikey_responder_free (resp);
  mikey_initiator_free (init);
}

GST_END_TEST;

/* Every sentence that names a certificate a peer made */
static void
check_hostile_cert (MikeyCert * evil)
{
  MikeyTrust *trust = mikey_trust_new ();
  g_autofree gchar *root = mikey_test_pki ("root-ca.pem");
  gchar *subject = mikey_cert_get_subject (evil);
  gchar *issuer = mikey_cert_get_issuer (evil);
  GError *err = NULL;

  assert_clean (subject);
  assert_clean (issuer);
  GST_INFO ("subject: %s", subject);

  fail_unless (mikey_trust_load_file (trust, root, NULL));
  /* untrusted: subject and issuer in the sentence */
  fail_if (mikey_cert_verify (evil, NULL, trust, NOW / SEC, &err));
  fail_unless (err != NULL);
  assert_clean (err->message);
  g_clear_error (&err);
  /* expired, not yet valid */
  fail_if (mikey_cert_check_validity (evil, NOW / SEC + 30 * 365 * 86400,
          &err));
  assert_clean (err->message);
  g_clear_error (&err);
  fail_if (mikey_cert_check_validity (evil, NOW / SEC - 3 * 365 * 86400, &err));
  assert_clean (err->message);
  g_clear_error (&err);
  /* not the identity expected: the names and the subject */
  fail_if (mikey_cert_matches_identity (evil, "sip:bob@example.org", &err));
  assert_clean (err->message);
  g_clear_error (&err);

  g_free (subject);
  g_free (issuer);
  mikey_trust_free (trust);
}

GST_START_TEST (test_cert_subject_escaped)
{
  g_autofree gchar *key = mikey_test_pki ("alice-key.pem");
  MikeyCert *evil = mikey_test_hostile_cert (key, FALSE, NULL);
  gchar *subject = mikey_cert_get_subject (evil);

  /* the CN as it was, escaped; the O converted from T61 (Latin-1) */
  fail_unless (strstr (subject, "eve\\x1b[31m\\x0d\\x0amikey-key-established"
          "\\x00x") != NULL, "%s", subject);
  fail_unless (strstr (subject, "Org\\x1b[2J\\x0a\\xc3\\xbf") != NULL, "%s",
      subject);
  g_free (subject);
  check_hostile_cert (evil);
  mikey_cert_unref (evil);

  evil = mikey_test_hostile_cert (key, TRUE, NULL);
  check_hostile_cert (evil);
  mikey_cert_unref (evil);
}

GST_END_TEST;

/* A DH initiator whose certificate a hostile peer made: the responder's
 * sentence (GError) holds nothing raw */
GST_START_TEST (test_dh_hostile_cert_refused_escaped)
{
  g_autofree gchar *key_path = mikey_test_pki ("alice-key.pem");
  g_autofree gchar *root = mikey_test_pki ("root-ca.pem");
  MikeyCert *evil = mikey_test_hostile_cert (key_path, FALSE, NULL);
  MikeyKey *alice_key = load_key ("alice-key.pem");
  MikeyKey *bob_key = load_key ("bob-key.pem");
  g_autoptr (GPtrArray) certs = g_ptr_array_new ();
  g_autoptr (GPtrArray) bob_certs = NULL;
  g_autofree gchar *bob_path = mikey_test_pki ("bob-chain.pem");
  MikeyTrust *trust = mikey_trust_new ();
  MikeyInitiatorConfig icfg = { 0 };
  MikeyResponderConfig rcfg = { 0 };
  MikeyInitiator *init;
  MikeyResponder *resp;
  GBytes *msg, *reply = NULL;
  GError *err = NULL;

  fail_unless (mikey_trust_load_file (trust, root, NULL));
  bob_certs = mikey_cert_load_pem_file (bob_path, NULL);
  g_ptr_array_add (certs, evil);
  icfg.mode = MIKEY_MODE_DH;
  icfg.key = alice_key;
  icfg.certs = certs;
  icfg.trust = trust;
  icfg.cs = cs;
  icfg.n_cs = 1;
  init = mikey_initiator_new (&icfg, &err);
  fail_unless (init != NULL, "%s", err ? err->message : "");
  msg = mikey_initiator_start (init, NOW, &err);
  fail_unless (msg != NULL, "%s", err ? err->message : "");

  rcfg.mode = MIKEY_MODE_DH;
  rcfg.key = bob_key;
  rcfg.certs = bob_certs;
  rcfg.trust = trust;
  resp = mikey_responder_new (&rcfg, NULL);
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "", NOW,
          &reply, &err), MIKEY_RESPONSE_REFUSED);
  fail_unless (err != NULL);
  GST_INFO ("%s", err->message);
  assert_clean (err->message);
  fail_unless (strstr (err->message, "\\x1b[31m") != NULL, "%s", err->message);
  g_clear_error (&err);
  if (reply)
    g_bytes_unref (reply);

  g_bytes_unref (msg);
  mikey_responder_free (resp);
  mikey_initiator_free (init);
  mikey_trust_free (trust);
  mikey_key_unref (alice_key);
  mikey_key_unref (bob_key);
  mikey_cert_unref (evil);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * Item 6: the real cause, and the number that shows it
 * ---------------------------------------------------------------------- */

static MikeyInitiator *
psk_initiator (MikeyMode mode)
{
  MikeyInitiatorConfig icfg = { 0 };
  MikeyInitiator *init;

  icfg.mode = mode;
  if (mode != MIKEY_MODE_NULL) {
    icfg.psk = psk;
    icfg.psk_len = sizeof (psk) - 1;
  }
  icfg.cs = cs;
  icfg.n_cs = 1;
  init = mikey_initiator_new (&icfg, NULL);
  fail_unless (init != NULL);
  return init;
}

/* The receiver's refusal of a timestamp three hours old names the
 * sender's clock and the offset */
GST_START_TEST (test_stale_names_clock)
{
  MikeyInitiator *init = psk_initiator (MIKEY_MODE_PSK);
  MikeyResponderConfig rcfg = { 0 };
  MikeyResponder *resp;
  GBytes *msg = mikey_initiator_start (init, NOW - 10800 * SEC, NULL);
  GBytes *reply = NULL;
  GError *err = NULL;

  rcfg.mode = MIKEY_MODE_PSK;
  rcfg.psk = psk;
  rcfg.psk_len = sizeof (psk) - 1;
  resp = mikey_responder_new (&rcfg, NULL);
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "", NOW,
          &reply, &err), MIKEY_RESPONSE_REFUSED);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_STALE));
  fail_unless (strstr (err->message, "the sender's clock is 10800 s behind "
          "this machine's") != NULL, "%s", err->message);
  g_clear_error (&err);
  if (reply)
    g_bytes_unref (reply);
  g_bytes_unref (msg);

  /* and ahead */
  mikey_initiator_free (init);
  init = psk_initiator (MIKEY_MODE_PSK);
  msg = mikey_initiator_start (init, NOW + 7200 * SEC, NULL);
  reply = NULL;
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "", NOW,
          &reply, &err), MIKEY_RESPONSE_REFUSED);
  fail_unless (strstr (err->message, "the sender's clock is 7200 s ahead of "
          "this machine's") != NULL, "%s", err->message);
  g_clear_error (&err);
  if (reply)
    g_bytes_unref (reply);
  g_bytes_unref (msg);
  mikey_responder_free (resp);
  mikey_initiator_free (init);
}

GST_END_TEST;

/* The answer of a peer that refused our timestamp: @err_no from a
 * responder whose clock reads @their_now */
static GError *
answer_with_error (MikeyInitiator * init, GBytes * msg, guint8 err_no,
    gint64 their_now, gboolean with_t)
{
  MikeyMessage *parsed = mikey_message_parse (g_bytes_get_data (msg, NULL),
      g_bytes_get_size (msg), NULL);
  GBytes *answer = mikey_build_error_message (parsed, err_no, NULL,
      their_now), *next = NULL;
  GError *err = NULL;

  if (!with_t) {
    MikeyMessage *a = mikey_message_parse (g_bytes_get_data (answer, NULL),
        g_bytes_get_size (answer), NULL);
    guint idx = 0;

    fail_unless (mikey_message_find (a, MIKEY_PT_T, &idx) != NULL);
    g_ptr_array_remove_index (a->payloads, idx);
    g_bytes_unref (answer);
    answer = mikey_message_serialize (a, NULL);
    mikey_message_free (a);
  }
  fail_unless_equals_int (mikey_initiator_step (init,
          g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), NOW,
          &next, &err), MIKEY_STEP_FAILED);
  fail_unless (next == NULL);
  g_bytes_unref (answer);
  mikey_message_free (parsed);
  return err;
}

GST_START_TEST (test_invalid_ts_names_clocks)
{
  MikeyInitiator *init = psk_initiator (MIKEY_MODE_PSK);
  GBytes *msg = mikey_initiator_start (init, NOW, NULL);
  GError *err;

  err = answer_with_error (init, msg, MIKEY_ERR_INVALID_TS,
      NOW + 10800 * SEC, TRUE);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_STALE));
  fail_unless (strstr (err->message, "refused our timestamp") != NULL &&
      strstr (err->message, "10800 s ahead of this machine's") != NULL &&
      strstr (err->message, "clocks") != NULL, "%s", err->message);
  fail_if (strstr (err->message, "pre-shared key") != NULL, "%s", err->message);
  g_error_free (err);
  g_bytes_unref (msg);
  mikey_initiator_free (init);

  /* no T payload in the answer: no number, still the clocks */
  init = psk_initiator (MIKEY_MODE_PSK);
  msg = mikey_initiator_start (init, NOW, NULL);
  err = answer_with_error (init, msg, MIKEY_ERR_INVALID_TS, NOW, FALSE);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_STALE));
  fail_unless (strstr (err->message, "check the clocks") != NULL, "%s",
      err->message);
  g_error_free (err);
  g_bytes_unref (msg);
  mikey_initiator_free (init);
}

GST_END_TEST;

/* "Authentication failure": the hint fits the mode */
GST_START_TEST (test_auth_failure_hint_by_mode)
{
  MikeyInitiator *init = psk_initiator (MIKEY_MODE_PSK);
  GBytes *msg = mikey_initiator_start (init, NOW, NULL);
  GError *err;

  err = answer_with_error (init, msg, MIKEY_ERR_AUTH_FAILURE, NOW, TRUE);
  fail_unless (strstr (err->message, "pre-shared key") != NULL, "%s",
      err->message);
  fail_if (strstr (err->message, "certificate") != NULL, "%s", err->message);
  g_error_free (err);
  g_bytes_unref (msg);
  mikey_initiator_free (init);
}

GST_END_TEST;

/* A machine whose clock is two years behind sees a valid certificate as
 * "not valid before": the sentence gives the distance and the clock */
GST_START_TEST (test_cert_validity_distance)
{
  MikeyCert *alice = load_cert ("alice.pem"), *dave = load_cert ("dave.pem");
  MikeyTrust *trust = mikey_trust_new ();
  g_autofree gchar *root = mikey_test_pki ("root-ca.pem");
  GError *err = NULL;

  fail_unless (mikey_trust_load_file (trust, root, NULL));
  /* 2024-06-01: 579 days before alice's 2026-01-01 */
  fail_if (mikey_cert_verify (alice, NULL, trust, (time_t) 1717200000, &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_CERT_EXPIRED));
  fail_unless (strstr (err->message, "is not valid before 2026-01-01 "
          "00:00:00 UTC (that is 579 days from now by this machine's clock; "
          "check the clock if the certificate is new)") != NULL, "%s",
      err->message);
  g_clear_error (&err);
  /* the same without a chain (a pinned peer-cert) */
  fail_if (mikey_cert_check_validity (alice, (time_t) 1717200000, &err));
  fail_unless (strstr (err->message, "579 days from now") != NULL, "%s",
      err->message);
  g_clear_error (&err);
  fail_unless (mikey_cert_check_validity (alice, NOW / SEC, NULL));

  /* dave expired on 2021-01-01 */
  fail_if (mikey_cert_check_validity (dave, NOW / SEC, &err));
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_CERT_EXPIRED));
  fail_unless (strstr (err->message, "expired on 2021-01-01 00:00:00 UTC "
          "(that is 2147 days ago by this machine's clock") != NULL, "%s",
      err->message);
  g_clear_error (&err);
  /* hours when it is close */
  fail_if (mikey_cert_check_validity (alice, (time_t) 1767225600 - 5 * 3600,
          &err));
  fail_unless (strstr (err->message, "that is 5 hours from now") != NULL,
      "%s", err->message);
  g_clear_error (&err);

  mikey_trust_free (trust);
  mikey_cert_unref (alice);
  mikey_cert_unref (dave);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * Item 7: pinned certificates are valid now
 * ---------------------------------------------------------------------- */

/* PKE without CAs: the key is not encrypted to an expired peer_cert */
GST_START_TEST (test_pke_expired_peer_cert)
{
  MikeyCert *dave = load_cert ("dave.pem");
  MikeyKey *alice_key = load_key ("alice-key.pem");
  g_autofree gchar *alice_path = mikey_test_pki ("alice.pem");
  g_autoptr (GPtrArray) certs = mikey_cert_load_pem_file (alice_path, NULL);
  MikeyInitiatorConfig icfg = { 0 };
  MikeyInitiator *init;
  GBytes *msg;
  GError *err = NULL;

  icfg.mode = MIKEY_MODE_PKE;
  icfg.key = alice_key;
  icfg.certs = certs;
  icfg.peer_cert = dave;
  icfg.cs = cs;
  icfg.n_cs = 1;
  init = mikey_initiator_new (&icfg, &err);
  fail_unless (init != NULL, "%s", err ? err->message : "");
  msg = mikey_initiator_start (init, NOW, &err);
  fail_unless (msg == NULL);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_CERT_EXPIRED),
      "%s", err ? err->message : "no error");
  fail_unless (strstr (err->message, "CN=dave") != NULL, "%s", err->message);
  g_clear_error (&err);
  mikey_initiator_free (init);

  /* the same certificate, while it was valid (2020-06-01) */
  init = mikey_initiator_new (&icfg, NULL);
  msg = mikey_initiator_start (init, G_GINT64_CONSTANT (1590969600) * SEC,
      &err);
  fail_unless (msg != NULL || !g_error_matches (err, MIKEY_ERROR,
          MIKEY_ERROR_CERT_EXPIRED), "%s", err ? err->message : "");
  g_clear_error (&err);
  if (msg)
    g_bytes_unref (msg);
  mikey_initiator_free (init);

  mikey_cert_unref (dave);
  mikey_key_unref (alice_key);
}

GST_END_TEST;

/* DH: a pinned peer_cert on the responder is trusted as such, but not
 * once expired */
GST_START_TEST (test_dh_pinned_expired)
{
  MikeyCert *dave = load_cert ("dave.pem");
  MikeyKey *dave_key = load_key ("dave-key.pem");
  MikeyKey *bob_key = load_key ("bob-key.pem");
  g_autofree gchar *dave_path = mikey_test_pki ("dave.pem");
  g_autofree gchar *bob_path = mikey_test_pki ("bob-chain.pem");
  g_autoptr (GPtrArray) certs = mikey_cert_load_pem_file (dave_path, NULL);
  g_autoptr (GPtrArray) bob_certs = mikey_cert_load_pem_file (bob_path, NULL);
  MikeyInitiatorConfig icfg = { 0 };
  MikeyResponderConfig rcfg = { 0 };
  MikeyInitiator *init;
  MikeyResponder *resp;
  GBytes *msg, *reply = NULL;
  GError *err = NULL;

  icfg.mode = MIKEY_MODE_DH;
  icfg.key = dave_key;
  icfg.certs = certs;
  icfg.peer_cert = g_ptr_array_index (bob_certs, 0);
  icfg.cs = cs;
  icfg.n_cs = 1;
  init = mikey_initiator_new (&icfg, &err);
  fail_unless (init != NULL, "%s", err ? err->message : "");
  msg = mikey_initiator_start (init, NOW, &err);
  fail_unless (msg != NULL, "%s", err ? err->message : "");

  rcfg.mode = MIKEY_MODE_DH;
  rcfg.key = bob_key;
  rcfg.certs = bob_certs;
  rcfg.peer_cert = dave;
  resp = mikey_responder_new (&rcfg, &err);
  fail_unless (resp != NULL, "%s", err ? err->message : "");
  fail_unless_equals_int (mikey_responder_handle_init (resp,
          g_bytes_get_data (msg, NULL), g_bytes_get_size (msg), "", NOW,
          &reply, &err), MIKEY_RESPONSE_REFUSED);
  fail_unless (g_error_matches (err, MIKEY_ERROR, MIKEY_ERROR_CERT_EXPIRED),
      "%s", err ? err->message : "no error");
  g_clear_error (&err);
  if (reply)
    g_bytes_unref (reply);

  g_bytes_unref (msg);
  mikey_responder_free (resp);
  mikey_initiator_free (init);
  mikey_cert_unref (dave);
  mikey_key_unref (dave_key);
  mikey_key_unref (bob_key);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * mikey-tool
 * ---------------------------------------------------------------------- */

typedef struct
{
  gchar *out, *err;
  gint status;
} ToolRun;

static void
tool_run_clear (ToolRun * r)
{
  g_free (r->out);
  g_free (r->err);
}

static void
run_tool (ToolRun * r, const gchar * first, ...)
{
  GPtrArray *argv = g_ptr_array_new ();
  const gchar *arg;
  GError *err = NULL;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) g_getenv ("MIKEY_TOOL"));
  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const gchar *))
      g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  fail_unless (g_spawn_sync (NULL, (gchar **) argv->pdata, NULL,
          G_SPAWN_DEFAULT, NULL, NULL, &r->out, &r->err, &r->status, &err),
      "%s", err ? err->message : "");
  g_ptr_array_unref (argv);
}

static gint
exit_code (ToolRun * r)
{
  fail_unless (WIFEXITED (r->status));
  return WEXITSTATUS (r->status);
}

/* The JSON text holds no raw control character and is valid UTF-8 */
static void
assert_clean_json (const gchar * json)
{
  const guchar *p;

  fail_unless (g_utf8_validate (json, -1, NULL), "JSON is not UTF-8");
  for (p = (const guchar *) json; *p != '\0'; p++)
    fail_unless (*p >= 0x20 || *p == '\n', "raw 0x%02x in the JSON", *p);
  fail_if (strstr (json, "\xc2\x9b") != NULL);
}

static gchar *
encode (GBytes * msg)
{
  gchar *b64 = g_base64_encode (g_bytes_get_data (msg, NULL),
      g_bytes_get_size (msg));
  gchar *ret = g_strconcat ("mikey ", b64, NULL);

  g_free (b64);
  return ret;
}

/* decode of a message whose ID payload holds ESC, CR, LF, NUL, C1 and
 * invalid UTF-8: the JSON escapes all of it */
GST_START_TEST (test_tool_decode_id_escaped)
{
  static const guint8 evil[] = "sip:eve\x1b[31m\r\n\0\xc2\x9b\xff\xfe\"\\";
  static const guint8 bidi[] = "sip:eve\xc2\x9b" "31m\xe2\x80\xae"
      "gro.elpmaxe@bob";
  MikeyInitiator *init = psk_initiator (MIKEY_MODE_NULL);
  GBytes *msg = mikey_initiator_start (init, NOW, NULL), *crafted;
  MikeyMessage *parsed = mikey_message_parse (g_bytes_get_data (msg, NULL),
      g_bytes_get_size (msg), NULL);
  MikeyPayload *id = mikey_payload_new (MIKEY_PT_ID);
  gchar *text;
  ToolRun r = { 0 };

  id->u.id.id_type = MIKEY_ID_URI;
  mikey_blob_set (&id->u.id.data, evil, sizeof (evil) - 1);
  g_ptr_array_insert (parsed->payloads, 2, id);
  crafted = mikey_message_serialize (parsed, NULL);
  fail_unless (crafted != NULL);
  text = encode (crafted);

  run_tool (&r, "decode", text, NULL);
  fail_unless_equals_int (exit_code (&r), 0);
  assert_clean_json (r.out);
  assert_clean (g_strchomp (r.err));
  /* the text form is null (not UTF-8), the hex form has every byte */
  fail_unless (strstr (r.out, "\"id\": null") != NULL, "%s", r.out);
  fail_unless (strstr (r.out, "7369703a6576651b5b33316d0d0a00c29bfffe225c")
      != NULL, "%s", r.out);
  tool_run_clear (&r);
  g_free (text);
  g_bytes_unref (crafted);

  /* valid UTF-8, but a C1 CSI and a right-to-left override: escaped in
   * the text form too */
  mikey_blob_set (&id->u.id.data, bidi, sizeof (bidi) - 1);
  crafted = mikey_message_serialize (parsed, NULL);
  text = encode (crafted);
  run_tool (&r, "decode", text, NULL);
  fail_unless_equals_int (exit_code (&r), 0);
  assert_clean_json (r.out);
  fail_if (strstr (r.out, "\xe2\x80\xae") != NULL, "%s", r.out);
  fail_unless (strstr (r.out,
          "\"id\": \"sip:eve\\u009b31m\\u202egro.elpmaxe@bob\"")
      != NULL, "%s", r.out);
  tool_run_clear (&r);
  g_free (text);
  g_bytes_unref (crafted);

  mikey_message_free (parsed);
  g_bytes_unref (msg);
  mikey_initiator_free (init);
}

GST_END_TEST;

/* decode of a DH message signed with a hostile certificate: the error line
 * (stderr) and the JSON (certificate subject) hold nothing raw */
GST_START_TEST (test_tool_decode_cert_escaped)
{
  g_autofree gchar *key_path = mikey_test_pki ("alice-key.pem");
  g_autofree gchar *root = mikey_test_pki ("root-ca.pem");
  gchar *dir = g_dir_make_tmp ("mikey-wording-XXXXXX", NULL);
  gchar *pem = g_build_filename (dir, "eve.pem", NULL);
  MikeyCert *evil = mikey_test_hostile_cert (key_path, FALSE, pem);
  MikeyKey *alice_key = load_key ("alice-key.pem");
  g_autoptr (GPtrArray) certs = g_ptr_array_new ();
  MikeyInitiatorConfig icfg = { 0 };
  MikeyInitiator *init;
  GBytes *msg;
  gchar *text;
  ToolRun r = { 0 };

  g_ptr_array_add (certs, evil);
  icfg.mode = MIKEY_MODE_DH;
  icfg.key = alice_key;
  icfg.certs = certs;
  icfg.peer_cert = evil;
  icfg.cs = cs;
  icfg.n_cs = 1;
  init = mikey_initiator_new (&icfg, NULL);
  msg = mikey_initiator_start (init, g_get_real_time (), NULL);
  fail_unless (msg != NULL);
  text = encode (msg);

  /* untrusted: the refusal names it */
  run_tool (&r, "decode", "--ca-file", root, text, NULL);
  fail_unless_equals_int (exit_code (&r), 3);
  assert_clean_json (r.out);
  GST_INFO ("stderr: %s", r.err);
  assert_clean (g_strchomp (r.err));
  fail_unless (strstr (r.err, "\\x1b[31m") != NULL, "%s", r.err);
  tool_run_clear (&r);

  /* pinned: verified, the signer's subject in the JSON */
  run_tool (&r, "decode", "--peer-cert", pem, text, NULL);
  fail_unless_equals_int (exit_code (&r), 0);
  assert_clean_json (r.out);
  fail_unless (strstr (r.out, "\\\\x1b[31m") != NULL, "%s", r.out);
  tool_run_clear (&r);

  g_free (text);
  g_bytes_unref (msg);
  mikey_initiator_free (init);
  mikey_key_unref (alice_key);
  mikey_cert_unref (evil);
  g_unlink (pem);
  g_rmdir (dir);
  g_free (pem);
  g_free (dir);
}

GST_END_TEST;

/* create refuses a short --psk without --allow-weak-psk; decode warns */
GST_START_TEST (test_tool_weak_psk)
{
  ToolRun r = { 0 };
  gchar *msg;

  run_tool (&r, "create", "--mode", "psk", "--psk", "00", "--tek", TEK30, NULL);
  fail_unless (exit_code (&r) != 0);
  fail_unless (strstr (r.err, "--psk is 1 byte long, too short") != NULL,
      "%s", r.err);
  fail_unless (strstr (r.err, "--allow-weak-psk") != NULL, "%s", r.err);
  fail_unless_equals_string (r.out, "");
  tool_run_clear (&r);

  run_tool (&r, "create", "--mode", "psk", "--psk",
      "000102030405060708090a0b0c0d0e", "--tek", TEK30, NULL);
  fail_unless (exit_code (&r) != 0);
  fail_unless (strstr (r.err, "15 bytes") != NULL, "%s", r.err);
  tool_run_clear (&r);

  run_tool (&r, "create", "--mode", "psk", "--psk", "00",
      "--allow-weak-psk", "--tek", TEK30, NULL);
  fail_unless_equals_int (exit_code (&r), 0);
  msg = g_strdup (g_strchomp (r.out));
  tool_run_clear (&r);

  run_tool (&r, "decode", "--psk", "00", msg, NULL);
  fail_unless_equals_int (exit_code (&r), 0);
  fail_unless (strstr (r.err, "warning: --psk is 1 byte long") != NULL,
      "%s", r.err);
  tool_run_clear (&r);
  g_free (msg);

  /* 16 bytes: no word */
  run_tool (&r, "create", "--mode", "psk", "--psk",
      "000102030405060708090a0b0c0d0e0f", "--tek", TEK30, NULL);
  fail_unless_equals_int (exit_code (&r), 0);
  fail_unless_equals_string (r.err, "");
  tool_run_clear (&r);
}

GST_END_TEST;

static Suite *
wording_suite (void)
{
  Suite *s = suite_create ("wording");
  TCase *tc = tcase_create ("escaping");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_escape_helper);
  tcase_add_test (tc, test_psk_id_escaped);
  tcase_add_test (tc, test_null_id_nul_escaped);
  tcase_add_test (tc, test_cert_subject_escaped);
  tcase_add_test (tc, test_dh_hostile_cert_refused_escaped);

  tc = tcase_create ("causes");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_stale_names_clock);
  tcase_add_test (tc, test_invalid_ts_names_clocks);
  tcase_add_test (tc, test_auth_failure_hint_by_mode);
  tcase_add_test (tc, test_cert_validity_distance);

  tc = tcase_create ("weak");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_pke_expired_peer_cert);
  tcase_add_test (tc, test_dh_pinned_expired);

  tc = tcase_create ("tool");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_tool_decode_id_escaped);
  tcase_add_test (tc, test_tool_decode_cert_escaped);
  tcase_add_test (tc, test_tool_weak_psk);
  return s;
}

GST_CHECK_MAIN (wording);
