/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mikeyenc / mikeydec with the public-key, Diffie-Hellman and DHHMAC modes
 * and with priority negotiation of method and crypto suite: real pipelines
 * with the stock srtpenc / srtpdec over loopback, the test PKI of
 * tests/check/data/pki (alice: sender, bob: receiver with an intermediate
 * CA, root-ca: trust anchor, mallory: from an untrusted CA, dave: expired),
 * decoded audio compared byte for byte; refusals as element errors with no
 * audio; crafted DH datagrams; settings checked when the elements start. */
#include <gst/check/gstcheck.h>
#include <string.h>
#include <glib/gstdio.h>
#include "mikey-test-util.h"
#include "mikey-test-certs.h"
#include "mikey-types.h"
#include "mikey-negotiate.h"
/* mikey_build_error_message(): what a peer that does not negotiate answers */
#include "mikey-verify.h"

#define N 10

/* Receiver bob: his chain, the root CA for senders' certificates */
#define RX_PK "cert=PKI/bob-chain.pem key=PKI/bob-key.pem " \
  "ca-file=PKI/root-ca.pem id=sip:bob@example.org"
/* Sender alice for PKE: bob's certificate to encrypt to */
#define TX_PKE "cert=PKI/alice.pem key=PKI/alice-key.pem " \
  "ca-file=PKI/root-ca.pem peer-cert=PKI/bob-chain.pem " \
  "id=sip:alice@example.org peer-id=sip:bob@example.org"
/* Sender alice for DH: bob's certificate comes in his answer */
#define TX_DH "cert=PKI/alice.pem key=PKI/alice-key.pem " \
  "ca-file=PKI/root-ca.pem id=sip:alice@example.org " \
  "peer-id=sip:bob@example.org"
#define PSK "psk=" TEST_PSK

/* @text with every "PKI/" replaced by the test PKI directory */
static gchar *
pki_props (const gchar * text)
{
  gchar *dir = mikey_test_pki ("");
  gchar *sep = g_strconcat (dir, G_DIR_SEPARATOR_S, NULL);
  gchar **parts = g_strsplit (text, "PKI/", -1);
  gchar *ret = g_strjoinv (sep, parts);

  g_strfreev (parts);
  g_free (sep);
  g_free (dir);
  return ret;
}

static void
pair_setup (MikeyTestPair * t, const gchar * dec, const gchar * enc, guint n)
{
  gchar *d = pki_props (dec), *e = pki_props (enc);

  GST_INFO ("receiver: %s", d);
  GST_INFO ("sender: %s", e);
  mikey_test_pair_setup (t, d, e, NULL, n);
  g_free (d);
  g_free (e);
}

/* ------------------------------------------------------------------------
 * Every mode end to end
 * ---------------------------------------------------------------------- */

static const struct
{
  const gchar *dec;
  const gchar *enc;
  const gchar *mode;
  const gchar *suite;
} modes[] = {
  {RX_PK " mode=pke", TX_PKE " mode=pke", "pke", "AES_CM_128_HMAC_SHA1_80"},
  {RX_PK " mode=pke", TX_PKE " mode=pke sign=pss", "pke",
      "AES_CM_128_HMAC_SHA1_80"},
  /* the sender's key in a passphrase-protected file */
  {RX_PK " mode=pke suite=AEAD_AES_128_GCM",
        "cert=PKI/alice.pem key=PKI/alice-key-enc.pem key-passphrase=mikey-test "
        "peer-cert=PKI/bob-chain.pem mode=pke suite=AEAD_AES_128_GCM", "pke",
      "AEAD_AES_128_GCM"},
  {RX_PK " mode=dh", TX_DH " mode=dh", "dh", "AES_CM_128_HMAC_SHA1_80"},
  {RX_PK " mode=dh dh-group=2 sign=pss", TX_DH " mode=dh dh-group=2 sign=pss",
      "dh", "AES_CM_128_HMAC_SHA1_80"},
  /* pinned certificates on both sides instead of CAs */
  {"cert=PKI/bob-chain.pem key=PKI/bob-key.pem peer-cert=PKI/alice.pem "
        "mode=dh dh-group=1 suite=AES_CM_128_HMAC_SHA1_32",
        "cert=PKI/alice.pem key=PKI/alice-key.pem peer-cert=PKI/bob.pem "
        "mode=dh dh-group=1 suite=AES_CM_128_HMAC_SHA1_32", "dh",
      "AES_CM_128_HMAC_SHA1_32"},
  {PSK " mode=dhhmac", PSK " mode=dhhmac", "dhhmac",
      "AES_CM_128_HMAC_SHA1_80"},
  {PSK " mode=dhhmac suite=AES_256_CM_HMAC_SHA1_80 dh-group=2",
        PSK " mode=dhhmac suite=AES_256_CM_HMAC_SHA1_80 dh-group=2", "dhhmac",
      "AES_256_CM_HMAC_SHA1_80"},
};

GST_START_TEST (test_mode_end_to_end)
{
  MikeyTestPair t;
  guint csb_tx, csb_rx, ssrc_tx, ssrc_rx;

  pair_setup (&t, modes[__i__].dec, modes[__i__].enc, N);
  mikey_test_pair_run_and_compare (&t, N);
  mikey_test_check_established (t.tx->pipeline, modes[__i__].mode,
      modes[__i__].suite, &csb_tx, &ssrc_tx);
  mikey_test_check_established (t.rx->pipeline, modes[__i__].mode,
      modes[__i__].suite, &csb_rx, &ssrc_rx);
  fail_unless_equals_int (csb_tx, csb_rx);
  fail_unless_equals_int (ssrc_tx, ssrc_rx);
  /* no negotiation without lists */
  fail_if (mikey_test_has_message (t.tx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-negotiation", 0));
  fail_if (mikey_test_has_message (t.rx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-negotiation", 0));
  mikey_test_pair_teardown (&t);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * Refusals: element errors on both sides, no keys, no audio
 * ---------------------------------------------------------------------- */

static const struct
{
  const gchar *dec;
  const gchar *enc;
  const gchar *rx_error;
  const gchar *tx_error;
} refusals[] = {
  /* mallory's certificate comes from a CA the receiver does not trust */
  {RX_PK " mode=dh", "cert=PKI/mallory.pem key=PKI/mallory-key.pem "
        "ca-file=PKI/root-ca.pem mode=dh", "is not trusted",
      "refused the key exchange"},
  {RX_PK " mode=pke", "cert=PKI/mallory.pem key=PKI/mallory-key.pem "
        "peer-cert=PKI/bob-chain.pem mode=pke", "is not trusted",
      "refused the key exchange"},
  /* dave's certificate has expired */
  {RX_PK " mode=dh", "cert=PKI/dave.pem key=PKI/dave-key.pem "
        "ca-file=PKI/root-ca.pem mode=dh", "expired",
      "refused the key exchange"},
  {RX_PK " mode=pke", "cert=PKI/dave.pem key=PKI/dave-key.pem "
        "peer-cert=PKI/bob-chain.pem mode=pke", "expired",
      "refused the key exchange"},
  /* alice claims to be someone else */
  {RX_PK " mode=dh", "cert=PKI/alice.pem key=PKI/alice-key.pem "
        "ca-file=PKI/root-ca.pem id=sip:eve@example.org mode=dh",
      "mismatched identity", "refused the key exchange"},
  /* the receiver expects another sender */
  {RX_PK " mode=dh peer-id=sip:carol@example.org", TX_DH " mode=dh",
      "is not for peer-id \"sip:carol@example.org\"", "Invalid ID"},
  /* DHHMAC with another pre-shared key */
  {"psk=" TEST_WRONG_PSK " mode=dhhmac", PSK " mode=dhhmac",
        "MIKEY verification failed: MAC mismatch (wrong pre-shared key?)",
      "refused the key exchange"},
  /* a DH group the receiver does not take */
  {RX_PK " mode=dh", TX_DH " mode=dh dh-group=1", "dh-group=5",
      "refused the key exchange"},
  /* the same from the core's side: OAKLEY 1 is never taken by default */
  {PSK " mode=dhhmac", PSK " mode=dhhmac dh-group=1",
      "the sender uses Diffie-Hellman group 1 (768-bit, too weak unless "
        "explicitly allowed), but only group 5 is accepted here", "Invalid DH"},
  /* pre-shared key modes: the ID payload must be peer-id */
  {PSK " mode=psk peer-id=sip:carol@example.org",
        PSK " mode=psk id=sip:alice@example.org",
      "mismatched identity: the sender is \"sip:alice@example.org\", but "
        "\"sip:carol@example.org\" is expected here (this receiver has "
        "peer-id=\"sip:carol@example.org\"", "Invalid ID"},
  {PSK " mode=dhhmac peer-id=sip:carol@example.org", PSK " mode=dhhmac",
      "the sender sent no identity (ID payload), but "
        "\"sip:carol@example.org\" is expected here", "Invalid ID"},
};

GST_START_TEST (test_refused)
{
  MikeyTestPair t;

  pair_setup (&t, refusals[__i__].dec, refusals[__i__].enc, N);
  mikey_test_pair_expect_refusal (&t, refusals[__i__].rx_error,
      refusals[__i__].tx_error);
  mikey_test_pair_teardown (&t);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * Revocation: a CA made here (the test PKI keeps no CA keys) issues two
 * certificates for alice's key and revokes one; the receiver has its CRL
 * ---------------------------------------------------------------------- */

GST_START_TEST (test_crl_end_to_end)
{
  static const glong revoked[] = { 11 };
  gchar *dir = g_dir_make_tmp ("mikey-pki-crl-XXXXXX", NULL);
  gchar *ca_key = mikey_test_pki ("carol-key.pem");
  gchar *alice_key = mikey_test_pki ("alice-key.pem");
  MikeyTestCa *ca;
  gchar *good, *bad, *crl, *dec, *enc;
  MikeyTestPair t;

  fail_unless (dir != NULL);
  ca = mikey_test_ca_new (ca_key, "CRL Test CA", dir);
  good = mikey_test_ca_issue (ca, alice_key, "alice-current",
      "sip:alice@example.org", 10);
  bad = mikey_test_ca_issue (ca, alice_key, "alice-revoked",
      "sip:alice@example.org", 11);
  crl = mikey_test_ca_crl (ca, "crl.pem", revoked, 1, "20460101000000Z");
  dec = g_strdup_printf ("cert=PKI/bob-chain.pem key=PKI/bob-key.pem "
      "id=sip:bob@example.org ca-file=%s crl-file=%s mode=dh",
      mikey_test_ca_cert_path (ca), crl);

  /* the certificate the CRL does not list works as any other */
  enc = g_strdup_printf ("cert=%s key=%s ca-file=PKI/root-ca.pem "
      "id=sip:alice@example.org mode=dh", good, alice_key);
  pair_setup (&t, dec, enc, N);
  mikey_test_pair_run_and_compare (&t, N);
  mikey_test_pair_teardown (&t);
  g_free (enc);

  /* the revoked one: refused by the receiver, no audio */
  enc = g_strdup_printf ("cert=%s key=%s ca-file=PKI/root-ca.pem "
      "id=sip:alice@example.org mode=dh", bad, alice_key);
  pair_setup (&t, dec, enc, N);
  mikey_test_pair_expect_refusal (&t, "certificate \"CN=alice-revoked\" has "
      "been revoked (listed in the CRL of \"CN=CRL Test CA\")",
      "refused the key exchange");
  mikey_test_pair_teardown (&t);
  g_free (enc);

  fail_unless (g_unlink (good) == 0 && g_unlink (bad) == 0
      && g_unlink (crl) == 0
      && g_unlink (mikey_test_ca_cert_path (ca)) == 0 && g_rmdir (dir) == 0);
  mikey_test_ca_free (ca);
  g_free (dec);
  g_free (good);
  g_free (bad);
  g_free (crl);
  g_free (ca_key);
  g_free (alice_key);
  g_free (dir);
}

GST_END_TEST;

/* The sender refuses the receiver's answer: the receiver accepted, but the
 * sender never sends a packet with those keys. */
static const struct
{
  const gchar *dec;
  const gchar *enc;
  const gchar *tx_error;
} answer_refusals[] = {
  /* mallory answers in bob's place */
  {"cert=PKI/mallory.pem key=PKI/mallory-key.pem ca-file=PKI/root-ca.pem "
        "mode=dh", TX_DH " mode=dh", "is not trusted"},
  /* bob's certificate, but the sender wants carol */
  {RX_PK " mode=dh", "cert=PKI/alice.pem key=PKI/alice-key.pem "
        "ca-file=PKI/root-ca.pem id=sip:alice@example.org "
        "peer-id=sip:carol@example.org mode=dh", "mismatched identity"},
  /* pinned to another certificate than the one that answers */
  {RX_PK " mode=dh", "cert=PKI/alice.pem key=PKI/alice-key.pem "
        "peer-cert=PKI/carol.pem mode=dh", "not the one configured"},
};

GST_START_TEST (test_answer_refused)
{
  MikeyTestPair t;
  GstMessage *msg;
  gchar *text;

  pair_setup (&t, answer_refusals[__i__].dec, answer_refusals[__i__].enc, N);
  fail_if (gst_element_set_state (t.rx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  gst_element_set_state (t.tx->pipeline, GST_STATE_PLAYING);
  msg = mikey_test_find_message (t.tx->pipeline, GST_MESSAGE_ERROR, NULL,
      10000);
  fail_unless (msg != NULL);
  text = mikey_test_message_text (msg);
  GST_INFO ("sender: %s", text);
  fail_unless (strstr (text, answer_refusals[__i__].tx_error) != NULL,
      "got %s", text);
  fail_unless (strstr (text,
          "check ca-file, crl-file, peer-cert and peer-id") != NULL, "got %s",
      text);
  mikey_test_assert_error_code (msg, GST_STREAM_ERROR,
      GST_STREAM_ERROR_DECRYPT);
  g_free (text);
  gst_message_unref (msg);
  fail_if (mikey_test_has_message (t.tx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-key-established", 0));
  g_usleep (200 * 1000);
  fail_unless_equals_int (mikey_test_capture_size (t.rx), 0);
  mikey_test_pair_teardown (&t);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * Negotiation
 * ---------------------------------------------------------------------- */

typedef struct
{
  gchar *mode;
  gchar *suite;
} SignalSeen;

static void
on_key_established (GstElement * element, GstCaps * caps, SignalSeen * seen)
{
  const GstStructure *s = gst_caps_get_structure (caps, 0);

  g_free (seen->mode);
  g_free (seen->suite);
  seen->mode = g_strdup (gst_structure_get_string (s, "mikey-mode"));
  seen->suite = g_strdup (gst_structure_get_string (s, "mikey-suite"));
}

static void
connect_signal (GstElement * pipeline, const gchar * name, SignalSeen * seen)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);

  g_signal_connect (e, "key-established", G_CALLBACK (on_key_established),
      seen);
  gst_object_unref (e);
}

static const GstStructure *
negotiation_message (GstElement * pipeline, GstMessage ** msg)
{
  *msg = mikey_test_find_message (pipeline, GST_MESSAGE_ELEMENT,
      "mikey-negotiation", 1000);
  fail_unless (*msg != NULL, "no mikey-negotiation message");
  mikey_test_assert_no_keys (gst_message_get_structure (*msg));
  return gst_message_get_structure (*msg);
}

/* Seed 001, Table 4: the sender prefers psk and SHA1_80, the receiver pke
 * and SHA1_32 (and lists F8, which is never chosen): the lowest rank sums
 * give pke + AES_CM_128_HMAC_SHA1_32, after one counter-proposal. */
GST_START_TEST (test_negotiation_seed_table)
{
  MikeyTestPair t;
  SignalSeen tx_seen = { 0, }, rx_seen = { 0, };
  GstMessage *msg;
  const GstStructure *s;

  pair_setup (&t, RX_PK " " PSK " modes=pke,dh,psk "
      "suites=AES_CM_128_HMAC_SHA1_32,AES_F8_128_HMAC_SHA1_80",
      TX_PKE " " PSK " modes=psk,pke,dh "
      "suites=AES_CM_128_HMAC_SHA1_80,AES_CM_128_HMAC_SHA1_32", N);
  connect_signal (t.tx->pipeline, "enc", &tx_seen);
  connect_signal (t.rx->pipeline, "dec", &rx_seen);
  mikey_test_pair_run_and_compare (&t, N);

  mikey_test_check_established (t.tx->pipeline, "pke",
      "AES_CM_128_HMAC_SHA1_32", NULL, NULL);
  mikey_test_check_established (t.rx->pipeline, "pke",
      "AES_CM_128_HMAC_SHA1_32", NULL, NULL);
  fail_unless_equals_string (tx_seen.mode, "pke");
  fail_unless_equals_string (tx_seen.suite, "AES_CM_128_HMAC_SHA1_32");
  fail_unless_equals_string (rx_seen.mode, "pke");
  fail_unless_equals_string (rx_seen.suite, "AES_CM_128_HMAC_SHA1_32");

  /* both sides say what happened, neither as an error */
  s = negotiation_message (t.rx->pipeline, &msg);
  fail_unless_equals_string (gst_structure_get_string (s, "event"),
      "counter-proposal");
  fail_unless_equals_string (gst_structure_get_string (s, "mode"), "pke");
  fail_unless_equals_string (gst_structure_get_string (s, "suite"),
      "AES_CM_128_HMAC_SHA1_32");
  fail_unless_equals_string (gst_structure_get_string (s, "peer-modes"),
      "psk,pke,dh");
  gst_message_unref (msg);
  s = negotiation_message (t.tx->pipeline, &msg);
  fail_unless_equals_string (gst_structure_get_string (s, "event"),
      "counter-proposal");
  fail_unless_equals_string (gst_structure_get_string (s, "mode"), "pke");
  fail_unless_equals_string (gst_structure_get_string (s, "peer-modes"),
      "pke,dh,psk");
  fail_unless_equals_string (gst_structure_get_string (s, "peer-suites"),
      "AES_CM_128_HMAC_SHA1_32,F8_128_HMAC_SHA1_80");
  gst_message_unref (msg);
  fail_if (mikey_test_has_message (t.tx->pipeline, GST_MESSAGE_WARNING |
          GST_MESSAGE_ERROR, NULL, 0));
  fail_if (mikey_test_has_message (t.rx->pipeline, GST_MESSAGE_WARNING |
          GST_MESSAGE_ERROR, NULL, 0));

  mikey_test_pair_teardown (&t);
  g_free (tx_seen.mode);
  g_free (tx_seen.suite);
  g_free (rx_seen.mode);
  g_free (rx_seen.suite);
}

GST_END_TEST;

GST_START_TEST (test_negotiation_nothing_common)
{
  MikeyTestPair t;

  pair_setup (&t, RX_PK " modes=pke,dh", PSK " modes=psk,dhhmac", N);
  mikey_test_pair_expect_refusal (&t,
      "no key management method and crypto suite in common: the initiator "
      "offers methods psk, dhhmac; suites AES_CM_128_HMAC_SHA1_80, we accept "
      "methods pke, dh;",
      "no key management method and crypto suite in common: we offer methods "
      "psk, dhhmac; suites AES_CM_128_HMAC_SHA1_80, the responder accepts "
      "methods pke, dh;");
  mikey_test_pair_teardown (&t);
}

GST_END_TEST;

/* A negotiating sender and a receiver with one mode */
GST_START_TEST (test_negotiating_sender_single_mode_receiver)
{
  MikeyTestPair t;

  pair_setup (&t, PSK " mode=psk", TX_DH " " PSK " modes=dh,psk", N);
  mikey_test_pair_run_and_compare (&t, N);
  mikey_test_check_established (t.tx->pipeline, "psk",
      "AES_CM_128_HMAC_SHA1_80", NULL, NULL);
  mikey_test_check_established (t.rx->pipeline, "psk",
      "AES_CM_128_HMAC_SHA1_80", NULL, NULL);
  mikey_test_pair_teardown (&t);
}

GST_END_TEST;

/* A sender with one mode and a negotiating receiver: accepted as it is */
GST_START_TEST (test_single_mode_sender_negotiating_receiver)
{
  MikeyTestPair t;

  pair_setup (&t, RX_PK " " PSK " modes=pke,dh,psk "
      "suites=AES_CM_128_HMAC_SHA1_32,AES_CM_128_HMAC_SHA1_80",
      PSK " mode=psk", N);
  mikey_test_pair_run_and_compare (&t, N);
  mikey_test_check_established (t.tx->pipeline, "psk",
      "AES_CM_128_HMAC_SHA1_80", NULL, NULL);
  mikey_test_check_established (t.rx->pipeline, "psk",
      "AES_CM_128_HMAC_SHA1_80", NULL, NULL);
  fail_if (mikey_test_has_message (t.tx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-negotiation", 0));
  fail_if (mikey_test_has_message (t.rx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-negotiation", 0));
  mikey_test_pair_teardown (&t);
}

GST_END_TEST;

/* Only the suites differ: the one suite in common is the sender's second
 * choice and the receiver's first */
GST_START_TEST (test_negotiation_suites_only)
{
  MikeyTestPair t;

  pair_setup (&t, PSK " suites=AEAD_AES_128_GCM,AES_CM_128_HMAC_SHA1_80",
      PSK " suites=AES_256_CM_HMAC_SHA1_80,AEAD_AES_128_GCM", N);
  mikey_test_pair_run_and_compare (&t, N);
  mikey_test_check_established (t.tx->pipeline, "psk", "AEAD_AES_128_GCM",
      NULL, NULL);
  mikey_test_check_established (t.rx->pipeline, "psk", "AEAD_AES_128_GCM",
      NULL, NULL);
  mikey_test_pair_teardown (&t);
}

GST_END_TEST;

/* A receiver that does not negotiate at all (a plain RFC 3830 peer), in
 * front of our receiver: it refuses the first message with a plain
 * ERR(Invalid DT) and passes everything else on. The sender falls back to
 * its next mode. */
typedef struct
{
  GSocket *outer;               /* the sender talks to this one */
  GSocket *inner;               /* to and from the real mikeydec */
  guint port;
  guint target;
  GSocketAddress *sender;
  GThread *thread;
  gint stop;
  gint refused;
} PlainPeer;

static void
plain_peer_send (GSocket * sock, GSocketAddress * to, const guint8 * d,
    gsize len)
{
  g_socket_send_to (sock, to, (const gchar *) d, len, NULL, NULL);
}

static gpointer
plain_peer_run (gpointer data)
{
  PlainPeer *p = data;
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *target = g_inet_socket_address_new (lo, p->target);
  guint8 buf[8192];

  while (!g_atomic_int_get (&p->stop)) {
    GSocketAddress *from = NULL;
    gssize n;

    if (g_socket_condition_timed_wait (p->outer, G_IO_IN, 10000, NULL, NULL)) {
      n = g_socket_receive_from (p->outer, &from, (gchar *) buf, sizeof (buf),
          NULL, NULL);
      if (n > 0 && p->sender == NULL)
        p->sender = g_object_ref (from);
      if (n > 0 && g_atomic_int_get (&p->refused) == 0) {
        MikeyMessage *msg = mikey_message_parse (buf, n, NULL);
        GBytes *err;

        g_assert_nonnull (msg);
        g_assert_nonnull (mikey_message_find (msg, MIKEY_PT_DH, NULL));
        err = mikey_build_error_message (msg, MIKEY_ERR_INVALID_DT, NULL,
            g_get_real_time ());
        plain_peer_send (p->outer, from, g_bytes_get_data (err, NULL),
            g_bytes_get_size (err));
        g_bytes_unref (err);
        mikey_message_free (msg);
        g_atomic_int_inc (&p->refused);
      } else if (n > 0) {
        plain_peer_send (p->inner, target, buf, n);
      }
      g_clear_object (&from);
    }
    if (g_socket_condition_timed_wait (p->inner, G_IO_IN, 10000, NULL, NULL)) {
      n = g_socket_receive (p->inner, (gchar *) buf, sizeof (buf), NULL, NULL);
      if (n > 0 && p->sender != NULL)
        plain_peer_send (p->outer, p->sender, buf, n);
    }
  }
  g_object_unref (target);
  g_object_unref (lo);
  return NULL;
}

GST_START_TEST (test_fallback_to_plain_peer)
{
  MikeyTestPair t;
  PlainPeer p = { 0, };
  GSocketAddress *local;
  GstElement *enc;
  GstMessage *msg;
  const GstStructure *s;

  pair_setup (&t, PSK " mode=psk", TX_DH " " PSK " modes=dh,psk", N);
  p.outer = mikey_test_udp_socket ();
  p.inner = mikey_test_udp_socket ();
  local = g_socket_get_local_address (p.outer, NULL);
  p.port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_object_unref (local);
  p.target = t.mikey_port;
  enc = gst_bin_get_by_name (GST_BIN (t.tx->pipeline), "enc");
  g_object_set (enc, "peer-port", p.port, NULL);
  gst_object_unref (enc);
  p.thread = g_thread_new ("plain-peer", plain_peer_run, &p);

  mikey_test_pair_run_and_compare (&t, N);
  mikey_test_check_established (t.tx->pipeline, "psk",
      "AES_CM_128_HMAC_SHA1_80", NULL, NULL);
  mikey_test_check_established (t.rx->pipeline, "psk",
      "AES_CM_128_HMAC_SHA1_80", NULL, NULL);
  fail_unless_equals_int (g_atomic_int_get (&p.refused), 1);
  s = negotiation_message (t.tx->pipeline, &msg);
  fail_unless_equals_string (gst_structure_get_string (s, "event"), "fallback");
  fail_unless_equals_string (gst_structure_get_string (s, "mode"), "psk");
  fail_if (gst_structure_has_field (s, "peer-modes"));
  gst_message_unref (msg);

  g_atomic_int_set (&p.stop, 1);
  g_thread_join (p.thread);
  g_clear_object (&p.sender);
  g_object_unref (p.outer);
  g_object_unref (p.inner);
  mikey_test_pair_teardown (&t);
}

GST_END_TEST;

/* Between sender and receiver: passes the initiation messages on and
 * flips the last byte (in the MAC or signature) of every answer. */
static gpointer
tamper_run (gpointer data)
{
  PlainPeer *p = data;
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *target = g_inet_socket_address_new (lo, p->target);
  guint8 buf[8192];

  while (!g_atomic_int_get (&p->stop)) {
    GSocketAddress *from = NULL;
    gssize n;

    if (g_socket_condition_timed_wait (p->outer, G_IO_IN, 10000, NULL, NULL)) {
      n = g_socket_receive_from (p->outer, &from, (gchar *) buf, sizeof (buf),
          NULL, NULL);
      if (n > 0 && p->sender == NULL)
        p->sender = g_object_ref (from);
      if (n > 0)
        plain_peer_send (p->inner, target, buf, n);
      g_clear_object (&from);
    }
    if (g_socket_condition_timed_wait (p->inner, G_IO_IN, 10000, NULL, NULL)) {
      n = g_socket_receive (p->inner, (gchar *) buf, sizeof (buf), NULL, NULL);
      if (n > 0 && p->sender != NULL) {
        buf[n - 1] ^= 0x01;
        /* counted first: the sender may fail before this thread goes on */
        g_atomic_int_inc (&p->refused);
        plain_peer_send (p->outer, p->sender, buf, n);
      }
    }
  }
  g_object_unref (target);
  g_object_unref (lo);
  return NULL;
}

/* The sender's own verification of the answer fails: an authentication
 * failure, GST_STREAM_ERROR_DECRYPT as on the receiver's side */
static const struct
{
  const gchar *dec;
  const gchar *enc;
  const gchar *tx_error;
} tampered_answers[] = {
  {PSK " mode=psk", PSK " mode=psk", "MIKEY verification failed: MAC "
        "mismatch (wrong pre-shared key?) in the answer"},
  {PSK " mode=dhhmac", PSK " mode=dhhmac", "MIKEY verification failed: MAC "
        "mismatch (wrong pre-shared key?) in the answer"},
  {RX_PK " mode=dh", TX_DH " mode=dh", "signature mismatch"},
};

GST_START_TEST (test_answer_tampered)
{
  MikeyTestPair t;
  PlainPeer p = { 0, };
  GSocketAddress *local;
  GstElement *enc;
  GstMessage *msg;
  gchar *text;

  pair_setup (&t, tampered_answers[__i__].dec, tampered_answers[__i__].enc, N);
  p.outer = mikey_test_udp_socket ();
  p.inner = mikey_test_udp_socket ();
  local = g_socket_get_local_address (p.outer, NULL);
  p.port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_object_unref (local);
  p.target = t.mikey_port;
  enc = gst_bin_get_by_name (GST_BIN (t.tx->pipeline), "enc");
  g_object_set (enc, "peer-port", p.port, NULL);
  gst_object_unref (enc);
  p.thread = g_thread_new ("tamper", tamper_run, &p);

  fail_if (gst_element_set_state (t.rx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  gst_element_set_state (t.tx->pipeline, GST_STATE_PLAYING);
  msg = mikey_test_find_message (t.tx->pipeline, GST_MESSAGE_ERROR, NULL,
      10000);
  fail_unless (msg != NULL);
  text = mikey_test_message_text (msg);
  GST_INFO ("sender: %s", text);
  fail_unless (strstr (text, tampered_answers[__i__].tx_error) != NULL,
      "got %s", text);
  mikey_test_assert_error_code (msg, GST_STREAM_ERROR,
      GST_STREAM_ERROR_DECRYPT);
  g_free (text);
  gst_message_unref (msg);
  fail_unless (g_atomic_int_get (&p.refused) > 0);
  fail_if (mikey_test_find_message (t.tx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-key-established", 0) != NULL);

  g_atomic_int_set (&p.stop, 1);
  g_thread_join (p.thread);
  g_clear_object (&p.sender);
  g_object_unref (p.outer);
  g_object_unref (p.inner);
  mikey_test_pair_teardown (&t);
}

GST_END_TEST;

/* PKE in SDP (no UDP exchange): mikeyenc's key-mgmt into mikeydec's */
GST_START_TEST (test_pke_key_mgmt)
{
  guint rtp_port = mikey_test_free_port ();
  MikeyTestCapture *rx, *tx;
  gchar *props, *middle, *km = NULL;
  GstElement *enc, *dec;
  GstMessage *msg;

  props = pki_props (TX_PKE " mode=pke");
  middle = g_strdup_printf ("mikeyenc name=enc %s ! srtpenc", props);
  tx = mikey_test_sender_new (rtp_port, N, NULL, middle);
  g_free (middle);
  g_free (props);
  enc = gst_bin_get_by_name (GST_BIN (tx->pipeline), "enc");
  g_signal_emit_by_name (enc, "build-key-mgmt", &km);
  gst_object_unref (enc);
  fail_unless (km != NULL && g_str_has_prefix (km, "mikey "));

  props = pki_props ("port=0 mode=pke " RX_PK);
  rx = mikey_test_receiver_new (rtp_port, props);
  g_free (props);
  dec = gst_bin_get_by_name (GST_BIN (rx->pipeline), "dec");
  g_object_set (dec, "key-mgmt", km, NULL);
  gst_object_unref (dec);

  fail_if (gst_element_set_state (rx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  fail_if (gst_element_set_state (tx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = mikey_test_wait_eos_or_error (tx->pipeline, 20000);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  fail_unless (mikey_test_wait_bytes (rx, N * MIKEY_TEST_BYTES_PER_BUFFER,
          tx->pipeline, 10000));
  fail_unless_equals_int (rx->bytes->len, tx->bytes->len);
  fail_unless (memcmp (rx->bytes->data, tx->bytes->data, tx->bytes->len) == 0);
  mikey_test_check_established (rx->pipeline, "pke",
      "AES_CM_128_HMAC_SHA1_80", NULL, NULL);

  mikey_test_capture_free (tx);
  mikey_test_capture_free (rx);
  g_free (km);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * Crafted DH datagrams to a listening mikeydec
 * ---------------------------------------------------------------------- */

static GBytes *
make_dh_init (MikeyInitiator ** out_init, MikeyTrust ** out_trust)
{
  gchar *cert_path = mikey_test_pki ("alice.pem");
  gchar *key_path = mikey_test_pki ("alice-key.pem");
  gchar *ca_path = mikey_test_pki ("root-ca.pem");
  MikeyInitiatorConfig cfg = { 0, };
  MikeySrtpCs cs = { 0, 0x12345678, 0 };
  GPtrArray *certs = mikey_cert_load_pem_file (cert_path, NULL);
  MikeyKey *key = mikey_key_load_pem_file (key_path, NULL, NULL);
  GError *err = NULL;
  GBytes *msg;

  fail_unless (certs != NULL && key != NULL);
  /* the initiator does not copy the trust store: it must outlive it */
  *out_trust = mikey_trust_new ();
  fail_unless (mikey_trust_load_file (*out_trust, ca_path, NULL));
  cfg.mode = MIKEY_MODE_DH;
  cfg.key = key;
  cfg.certs = certs;
  cfg.trust = *out_trust;
  cfg.cs = &cs;
  cfg.n_cs = 1;
  *out_init = mikey_initiator_new (&cfg, &err);
  fail_unless (*out_init != NULL, "%s", err ? err->message : "");
  msg = mikey_initiator_start (*out_init, g_get_real_time (), &err);
  fail_unless (msg != NULL, "%s", err ? err->message : "");
  mikey_key_unref (key);
  g_ptr_array_unref (certs);
  g_free (cert_path);
  g_free (key_path);
  g_free (ca_path);
  return msg;
}

static guint8 *
find_bytes (guint8 * hay, gsize hay_len, const guint8 * needle, gsize len)
{
  gsize i;

  for (i = 0; len > 0 && i + len <= hay_len; i++) {
    if (memcmp (hay + i, needle, len) == 0)
      return hay + i;
  }
  return NULL;
}

static guint8
data_type (GBytes * msg)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (msg, &len);

  fail_unless (len > 2);
  return d[1];
}

static gchar *
expect_message (GstElement * pipeline, GstMessageType type, const gchar * a)
{
  GstMessage *msg = mikey_test_find_message (pipeline, type, NULL, 5000);
  gchar *text;

  fail_unless (msg != NULL, "no error or warning");
  text = mikey_test_message_text (msg);
  GST_INFO ("got: %s", text);
  fail_unless (strstr (text, a) != NULL, "\"%s\" not in \"%s\"", a, text);
  gst_message_unref (msg);
  return text;
}

GST_START_TEST (test_dh_tampered_and_replayed)
{
  guint port = mikey_test_free_port ();
  MikeyTestCapture *rx;
  MikeyInitiator *init = NULL;
  MikeyTrust *trust = NULL;
  MikeyMessage *parsed;
  const MikeyPayload *dh;
  GBytes *good, *bad, *reply, *next = NULL;
  GSocket *a, *b;
  guint8 *copy, *at;
  gsize len;
  gchar *props, *text;

  props = g_strdup_printf ("port=%u error-on-refusal=false mode=dh %s", port,
      RX_PK);
  {
    gchar *p = pki_props (props);

    rx = mikey_test_receiver_new (mikey_test_free_port (), p);
    g_free (p);
  }
  g_free (props);
  fail_if (gst_element_set_state (rx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);

  good = make_dh_init (&init, &trust);
  copy = g_bytes_unref_to_data (g_bytes_ref (good), &len);
  /* flip a bit in the middle of the DH value: the signature breaks */
  parsed = mikey_message_parse (copy, len, NULL);
  dh = mikey_message_find (parsed, MIKEY_PT_DH, NULL);
  fail_unless (dh != NULL);
  at = find_bytes (copy, len, dh->u.dh.value.data, dh->u.dh.value.len);
  fail_unless (at != NULL);
  at[dh->u.dh.value.len / 2] ^= 0x01;
  mikey_message_free (parsed);
  bad = g_bytes_new_take (copy, len);

  a = mikey_test_udp_socket ();
  b = mikey_test_udp_socket ();
  reply = mikey_test_udp_exchange (a, port, bad, 2000);
  fail_unless (reply != NULL);
  fail_unless_equals_int (data_type (reply), MIKEY_DT_ERROR);
  g_bytes_unref (reply);
  text = expect_message (rx->pipeline, GST_MESSAGE_WARNING,
      "MIKEY verification failed");
  g_free (text);
  fail_if (mikey_test_has_message (rx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-key-established", 0));

  /* the genuine message is still accepted, and its signed answer checks
   * out with bob's certificate */
  reply = mikey_test_udp_exchange (a, port, good, 2000);
  fail_unless (reply != NULL);
  fail_unless_equals_int (data_type (reply), MIKEY_DT_DH_RESP);
  fail_unless_equals_int (mikey_initiator_step (init,
          g_bytes_get_data (reply, NULL), g_bytes_get_size (reply),
          g_get_real_time (), &next, NULL), MIKEY_STEP_COMPLETE);
  g_bytes_unref (reply);
  fail_unless (mikey_test_has_message (rx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-key-established", 2000));

  /* the same bytes from another sender are a replay */
  mikey_test_clear_messages (rx->pipeline);
  reply = mikey_test_udp_exchange (b, port, good, 1000);
  if (reply != NULL) {
    fail_unless_equals_int (data_type (reply), MIKEY_DT_ERROR);
    g_bytes_unref (reply);
  }
  text = expect_message (rx->pipeline, GST_MESSAGE_WARNING, "replayed");
  g_free (text);
  fail_if (mikey_test_has_message (rx->pipeline, GST_MESSAGE_ELEMENT,
          "mikey-key-established", 0));

  g_object_unref (a);
  g_object_unref (b);
  g_bytes_unref (good);
  g_bytes_unref (bad);
  mikey_initiator_free (init);
  mikey_trust_free (trust);
  mikey_test_capture_free (rx);
}

GST_END_TEST;

/* ------------------------------------------------------------------------
 * Settings
 * ---------------------------------------------------------------------- */

static const struct
{
  const gchar *props;
  const gchar *expect;
} enc_bad[] = {
  {"mode=pke", "mode pke needs cert and key"},
  {"mode=pke cert=PKI/alice.pem key=PKI/alice-key.pem",
      "mode pke needs peer-cert"},
  {"mode=dh cert=PKI/alice.pem key=PKI/alice-key.pem", "mode dh needs ca-file"},
  {"mode=dh cert=/nonexistent/alice.pem key=PKI/alice-key.pem "
        "ca-file=PKI/root-ca.pem",
      "Could not load cert \"/nonexistent/alice.pem\""},
  {"mode=dh cert=PKI/make-pki.sh key=PKI/alice-key.pem ca-file=PKI/root-ca.pem",
      "make-pki.sh\" (a PEM certificate chain): "},
  {"mode=dh cert=PKI/alice.pem key=PKI/bob-key.pem ca-file=PKI/root-ca.pem",
      "is not the private key of cert"},
  {"mode=dh cert=PKI/alice.pem key=PKI/alice-key-enc.pem "
        "ca-file=PKI/root-ca.pem", "set key-passphrase"},
  {"mode=dh cert=PKI/alice.pem key=PKI/alice-key-enc.pem key-passphrase=nope "
        "ca-file=PKI/root-ca.pem", "wrong passphrase"},
  {"mode=dh cert=PKI/alice.pem key=PKI/alice-key.pem ca-file=/nonexistent",
      "Could not load ca-file \"/nonexistent\""},
  {"mode=pke cert=PKI/alice.pem key=PKI/alice-key.pem ca-file=PKI/root-ca.pem "
        "peer-cert=PKI/dave.pem", "expired"},
  {"mode=pke cert=PKI/alice.pem key=PKI/alice-key.pem ca-file=PKI/root-ca.pem "
        "peer-cert=PKI/mallory.pem", "is not trusted"},
  {"mode=pke cert=PKI/alice.pem key=PKI/alice-key.pem "
        "peer-cert=PKI/bob-chain.pem id=sip:alice@example.org "
        "peer-id=sip:carol@example.org", "does not belong to peer-id"},
  {"modes=psk,rot13 " PSK, "Unknown mode \"rot13\" in modes=\"psk,rot13\"; "
        "valid modes: null, psk, pke, dh, dhhmac"},
  {"modes=psk,psk " PSK, "listed twice"},
  {"modes=,,, " PSK, "modes=\",,,\" names no mode"},
  {PSK " suites=\" , \"", "names no crypto suite"},
  {"modes=psk,pke " PSK, "mode pke needs cert and key"},
  {"modes=dhhmac,pke", "mode=dhhmac needs a pre-shared key"},
  {PSK " suites=AES_CM_128_HMAC_SHA1_80,ROT13", "Unknown crypto suite "
        "\"ROT13\" in suites=\"AES_CM_128_HMAC_SHA1_80,ROT13\"; valid suites: "
        "AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32"},
  {PSK " suites=F8_128_HMAC_SHA1_80", "no crypto suite that srtpenc/srtpdec"},
  {PSK " mode=dhhmac key-data=tek", "key-data=tek"},
};

GST_START_TEST (test_enc_bad_settings)
{
  gchar *props = pki_props (enc_bad[__i__].props);
  gchar *desc = g_strdup_printf ("audiotestsrc ! rtpL16pay ! mikeyenc "
      "peer-address=127.0.0.1 %s ! srtpenc ! fakesink", props);
  GstElement *pipeline = gst_parse_launch (desc, NULL);

  fail_unless (pipeline != NULL);
  mikey_test_expect_start_error (pipeline, props, enc_bad[__i__].expect);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (props);
}

GST_END_TEST;

/* Without a peer (SDP / key-mgmt) nothing can answer */
GST_START_TEST (test_enc_sdp_limits)
{
  static const struct
  {
    const gchar *props;
    const gchar *expect;
  } cases[] = {
    {TX_DH " mode=dh", "mode dh needs the receiver's answer: set "
          "peer-address"},
    {PSK " mode=dhhmac", "mode dhhmac needs the receiver's answer"},
    {PSK " modes=psk,null", "negotiated in the UDP exchange"},
    {PSK " suites=AES_CM_128_HMAC_SHA1_80,AEAD_AES_128_GCM",
        "negotiated in the UDP exchange"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *props = pki_props (cases[i].props);
    gchar *desc = g_strdup_printf ("audiotestsrc ! rtpL16pay ! mikeyenc "
        "%s ! srtpenc ! fakesink", props);
    GstElement *pipeline = gst_parse_launch (desc, NULL);

    mikey_test_expect_start_error (pipeline, props, cases[i].expect);
    gst_object_unref (pipeline);
    g_free (desc);
    g_free (props);
  }
}

GST_END_TEST;

GST_START_TEST (test_dec_bad_settings)
{
  static const struct
  {
    const gchar *props;
    const gchar *expect;
  } cases[] = {
    {"mode=dh", "mode dh needs cert and key"},
    {"mode=pke cert=PKI/bob-chain.pem key=PKI/bob-key.pem",
        "mode pke needs ca-file (the CA certificates that the sender's "
          "certificate must chain to) or peer-cert"},
    {"mode=pke cert=PKI/bob-chain.pem key=PKI/bob-key.pem "
          "ca-file=/nonexistent/ca", "Could not load ca-file"},
    {"mode=dh cert=PKI/bob-chain.pem key=/nonexistent/key.pem "
          "ca-file=PKI/root-ca.pem",
        "Could not load key \"/nonexistent/key.pem\""},
    {"modes=pke,dhmac", "Unknown mode \"dhmac\""},
    {PSK " suites=AES_CM_128_HMAC_SHA1_32,XYZ", "Unknown crypto suite \"XYZ\""},
    {"mode=dhhmac", "mode=dhhmac needs a pre-shared key"},
    {"mode=dhhmac psk-file=PKI/alice.pem", "Could not read psk-file \""},
    {"mode=dhhmac psk-file=PKI/alice.pem", "alice.pem does not hold a hex key "
          "(expected an even number of hex digits on one line): not hex"},
    {RX_PK " mode=dh peer-cert=PKI/dave.pem", "expired"},
    {RX_PK " mode=dh crl-file=PKI/alice.pem", "alice.pem holds no CRL"},
    {"mode=dh cert=PKI/bob-chain.pem key=PKI/bob-key.pem "
          "peer-cert=PKI/alice.pem crl-file=PKI/alice.pem",
        "alice.pem\" needs ca-file"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *props = pki_props (cases[i].props);
    gchar *p = g_strdup_printf ("port=0 %s", props);
    MikeyTestCapture *rx = mikey_test_receiver_new (mikey_test_free_port (),
        p);

    mikey_test_expect_start_error (rx->pipeline, props, cases[i].expect);
    mikey_test_capture_free (rx);
    g_free (p);
    g_free (props);
  }
}

GST_END_TEST;

/* Good settings reach READY; names and values users rely on */
GST_START_TEST (test_good_settings)
{
  static const gchar *enc_ok[] = {
    TX_PKE " mode=pke",
    TX_DH " mode=dh sign=pss dh-group=1",
    (TX_PKE " " PSK " modes=pke,dh,dhhmac,psk,null "
        "suites=AES_F8_128_HMAC_SHA1_80,AEAD_AES_256_GCM"),
    ("cert=PKI/alice.pem key=PKI/alice-key-enc.pem key-passphrase=mikey-test "
        "ca-file=PKI/. mode=dh"),
  };
  static const gchar *nicks[] = { "null", "psk", "pke", "dh", "dhhmac" };
  GEnumClass *klass;
  GstElement *enc;
  guint i;
  gint v;

  for (i = 0; i < G_N_ELEMENTS (enc_ok); i++) {
    gchar *props = pki_props (enc_ok[i]);
    gchar *desc = g_strdup_printf ("audiotestsrc ! rtpL16pay ! mikeyenc "
        "peer-address=127.0.0.1 %s ! srtpenc ! fakesink", props);
    GstElement *pipeline = gst_parse_launch (desc, NULL);

    fail_unless_equals_int (gst_element_set_state (pipeline,
            GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
    gst_element_set_state (pipeline, GST_STATE_NULL);
    gst_object_unref (pipeline);
    g_free (desc);
    g_free (props);
  }

  /* enum values are stable */
  enc = gst_element_factory_make ("mikeyenc", NULL);
  klass = g_type_class_ref (G_PARAM_SPEC_VALUE_TYPE
      (g_object_class_find_property (G_OBJECT_GET_CLASS (enc), "mode")));
  for (i = 0; i < G_N_ELEMENTS (nicks); i++)
    fail_unless_equals_int (g_enum_get_value_by_nick (klass,
            nicks[i])->value, i);
  g_type_class_unref (klass);
  g_object_get (enc, "dh-group", &v, NULL);
  fail_unless_equals_int (v, 5);
  g_object_get (enc, "sign", &v, NULL);
  fail_unless_equals_int (v, 0);
  /* the passphrase is write-only */
  fail_if (g_object_class_find_property (G_OBJECT_GET_CLASS (enc),
          "key-passphrase")->flags & G_PARAM_READABLE);
  gst_object_unref (enc);
}

GST_END_TEST;

static Suite *
mikey_pki_suite (void)
{
  Suite *s = suite_create ("mikey-pki");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_mode_end_to_end, 0, G_N_ELEMENTS (modes));
  tcase_add_loop_test (tc, test_refused, 0, G_N_ELEMENTS (refusals));
  tcase_add_test (tc, test_crl_end_to_end);
  tcase_add_loop_test (tc, test_answer_refused, 0,
      G_N_ELEMENTS (answer_refusals));
  tcase_add_test (tc, test_negotiation_seed_table);
  tcase_add_test (tc, test_negotiation_nothing_common);
  tcase_add_test (tc, test_negotiating_sender_single_mode_receiver);
  tcase_add_test (tc, test_single_mode_sender_negotiating_receiver);
  tcase_add_test (tc, test_negotiation_suites_only);
  tcase_add_test (tc, test_fallback_to_plain_peer);
  tcase_add_loop_test (tc, test_answer_tampered, 0,
      G_N_ELEMENTS (tampered_answers));
  tcase_add_test (tc, test_pke_key_mgmt);
  tcase_add_test (tc, test_dh_tampered_and_replayed);
  tcase_add_loop_test (tc, test_enc_bad_settings, 0, G_N_ELEMENTS (enc_bad));
  tcase_add_test (tc, test_enc_sdp_limits);
  tcase_add_test (tc, test_dec_bad_settings);
  tcase_add_test (tc, test_good_settings);
  return s;
}

MIKEY_CHECK_MAIN (mikey_pki);
