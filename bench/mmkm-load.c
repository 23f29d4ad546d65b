/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mmkm-load: a load generator for mmkm-server. It starts the real daemon
 * (temporary state directory, loopback, port 0), simulates members in this
 * one process (bench/mmkm-load-member.c holds their protocol steps) and
 * prints, side by side in one run:
 *   1. the primitives a login needs (argon2id with the server's default
 *      parameters, OAKLEY 5 DH, RSA-3072 signatures), per CPU second of
 *      one core, the server-side floor of a login they imply, and real
 *      logins (register + login + DH exchange + first TEK fetch over
 *      HTTPS, C at a time) against that floor;
 *   2. TEK fetches: K keep-alive HTTPS connections issuing
 *      GET /v1/session/teks for the logged-in sessions; fetches/s and
 *      p50/p99 latency;
 *   3. heartbeats: N sessions written into the store before the server
 *      starts (users, devices, sessions with KEKs the generator chose; the
 *      server restores live sessions at start), each sending an
 *      authenticated heartbeat every interval, spread evenly, ACKs checked.
 * For every phase, the server's CPU (utime + stime from /proc/PID/stat
 * over the phase, as a fraction of one core), its RSS, and this process's
 * own CPU (the generator shares the machine's cores).
 * Nothing asserts on timing: it prints what it measures.
 *
 * Usage: mmkm-load [--members N] [--logins L] [--concurrency C]
 *                  [--tek-conns K] [--seconds S] [--only PHASES]
 *                  [--server PATH]
 * See docs/mmkm-server.md, "Performance". */
#include <gio/gio.h>
#include <libsoup/soup.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "bench-clock.h"
#include "bench-stats.h"
#include "mikey-pk.h"
#include "mmkm-api.h"
#include "mmkm-load-member.h"
#include "mmkm-password.h"
#include "mmkm-seal.h"
#include "mmkm-store-sqlite.h"

#ifndef MMKM_SERVER_PATH
#define MMKM_SERVER_PATH "mmkm-server"
#endif

#define PASSWORD "load generator password"
#define GROUP "default"

/* ------------------------------------------------------------------------
 * The server under test
 * ---------------------------------------------------------------------- */

typedef struct
{
  GSubprocess *proc;
  gchar *dir;
  gchar *config;
  guint8 fingerprint[32];
  guint16 port;
  guint16 hb_port;
  MikeyCert *cert;
  GPtrArray *chain;
  gdouble start_s;              /* spawn to "ready" */
} Srv;

static const gchar *server_exe = MMKM_SERVER_PATH;
static Srv *current;            /* for the certificate pin */

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
rm_rf (const gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d))) {
    gchar *p = g_build_filename (dir, name, NULL);
    g_unlink (p);
    g_free (p);
  }
  if (d)
    g_dir_close (d);
  g_rmdir (dir);
}

static void
srv_init (Srv * s, const gchar * config)
{
  memset (s, 0, sizeof *s);
  s->dir = g_dir_make_tmp ("mmkm-load-XXXXXX", NULL);
  s->config = g_build_filename (s->dir, "load.conf", NULL);
  g_file_set_contents (s->config, config, -1, NULL);
}

static gboolean
srv_start (Srv * s)
{
  g_autoptr (GSubprocessLauncher) l =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GDataInputStream) in = NULL;
  g_autofree gchar *crt = NULL;
  gboolean have_fp = FALSE;
  gint64 t0 = g_get_monotonic_time ();
  GError *e = NULL;
  gchar *line;

  g_autofree gchar *log = g_build_filename (s->dir, "server.log", NULL);

  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
  g_subprocess_launcher_set_stderr_file_path (l, log);
  s->proc = g_subprocess_launcher_spawn (l, &e, server_exe, "--config",
      s->config, "--state-dir", s->dir, "--listen", "127.0.0.1:0",
      "--heartbeat-port", "0", "--admin-listen", "127.0.0.1:0", NULL);
  if (!s->proc) {
    g_printerr ("cannot start %s: %s\n", server_exe, e->message);
    g_clear_error (&e);
    return FALSE;
  }
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s->proc));
  s->port = s->hb_port = 0;
  while ((line = g_data_input_stream_read_line (in, NULL, NULL, NULL))) {
    gboolean ready = g_str_equal (line, "ready");
    if (g_str_has_prefix (line, "fingerprint "))
      have_fp = mmkm_fingerprint_parse (line + 12, s->fingerprint, NULL);
    else if (g_str_has_prefix (line, "listening https://127.0.0.1:"))
      s->port = (guint16) atoi (line + strlen ("listening https://127.0.0.1:"));
    else if (g_str_has_prefix (line, "heartbeat udp "))
      s->hb_port = (guint16) atoi (line + 14);
    g_free (line);
    if (ready)
      break;
  }
  s->start_s = (g_get_monotonic_time () - t0) / 1e6;
  if (!have_fp || !s->port || !s->hb_port) {
    g_autofree gchar *text = NULL;
    g_file_get_contents (log, &text, NULL, NULL);
    g_printerr ("the server did not start; its log:\n%s\n", text);
    return FALSE;
  }
  crt = g_build_filename (s->dir, "server.crt", NULL);
  if (!s->chain)
    s->chain = mikey_cert_load_pem_file (crt, NULL);
  if (!s->chain || s->chain->len < 1)
    return FALSE;
  s->cert = g_ptr_array_index (s->chain, 0);
  return TRUE;
}

static void
srv_stop (Srv * s)
{
  if (!s->proc)
    return;
  g_subprocess_send_signal (s->proc, SIGTERM);
  g_subprocess_wait (s->proc, NULL, NULL);
  if (!g_subprocess_get_successful (s->proc)) {
    g_autofree gchar *log = g_build_filename (s->dir, "server.log", NULL);
    g_autofree gchar *text = NULL;
    g_file_get_contents (log, &text, NULL, NULL);
    g_printerr ("the server did not exit cleanly on SIGTERM; its log:\n%s\n",
        text ? text : "");
  }
  g_clear_object (&s->proc);
}

static void
srv_clear (Srv * s)
{
  srv_stop (s);
  if (s->chain)
    g_ptr_array_unref (s->chain);
  rm_rf (s->dir);
  g_free (s->dir);
  g_free (s->config);
}

/* utime + stime of the server, seconds */
static gdouble
srv_cpu (Srv * s)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%s/stat",
      g_subprocess_get_identifier (s->proc));
  g_autofree gchar *text = NULL;
  unsigned long long ut = 0, st = 0;
  const gchar *p;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  p = strrchr (text, ')');
  /* fields after the name: state (3) ... utime (14), stime (15) */
  if (!p || sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
          "%llu %llu", &ut, &st) != 2)
    return 0;
  return (gdouble) (ut + st) / sysconf (_SC_CLK_TCK);
}

/* VmRSS and VmHWM, MiB */
static void
srv_mem (Srv * s, gdouble * rss, gdouble * hwm)
{
  g_autofree gchar *path = g_strdup_printf ("/proc/%s/status",
      g_subprocess_get_identifier (s->proc));
  g_autofree gchar *text = NULL;
  const gchar *p;

  *rss = *hwm = 0;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return;
  if ((p = strstr (text, "VmRSS:")))
    *rss = g_ascii_strtod (p + 6, NULL) / 1024;
  if ((p = strstr (text, "VmHWM:")))
    *hwm = g_ascii_strtod (p + 6, NULL) / 1024;
}

/* the machine is shared: what else ran says how far wall-clock rates
 * can be trusted (the CPU-time figures hold regardless) */
static const gchar *
loadavg (void)
{
  static gchar buf[64];
  gchar *text = NULL;

  buf[0] = 0;
  if (g_file_get_contents ("/proc/loadavg", &text, NULL, NULL)) {
    g_strlcpy (buf, text, sizeof buf);
    g_free (text);
  }
  return buf;
}

static gdouble
self_cpu (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
      ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* datagrams the kernel dropped on the UDP socket bound to local @port
 * (a full receive buffer), from /proc/net/udp */
static guint64
udp_drops (guint16 port)
{
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;
  guint64 drops = 0;
  guint i;

  if (!g_file_get_contents ("/proc/net/udp", &text, NULL, NULL))
    return 0;
  lines = g_strsplit (text, "\n", -1);
  for (i = 1; lines[i]; i++) {
    g_auto (GStrv) f = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
    guint n = 0, j;
    gchar *fields[16];
    for (j = 0; f[j] && n < G_N_ELEMENTS (fields); j++)
      if (*f[j])
        fields[n++] = f[j];
    /* sl local rem st queues tr retrnsmt uid timeout inode ref ptr drops */
    if (n >= 13 && strchr (fields[1], ':')
        && g_ascii_strtoull (strchr (fields[1], ':') + 1, NULL, 16) == port)
      drops += g_ascii_strtoull (fields[12], NULL, 10);
  }
  return drops;
}

static MmkmStore *
srv_store_open (Srv * s)
{
  g_autofree gchar *db = g_build_filename (s->dir, "mmkm.db", NULL);
  g_autofree gchar *key = g_build_filename (s->dir, "secrets.key", NULL);
  GError *e = NULL;
  MmkmSeal *seal = mmkm_seal_open_key_file (key, &e);
  MmkmStore *st = seal ? mmkm_store_sqlite_open (db, seal,
      MMKM_STORE_SQLITE_SYNC_NORMAL, &e) : NULL;

  if (!st) {
    g_printerr ("store: %s\n", e->message);
    g_clear_error (&e);
  }
  return st;
}

/* ------------------------------------------------------------------------
 * HTTPS: one SoupSession, the pinned server certificate
 * ---------------------------------------------------------------------- */

static gboolean
accept_cert (SoupMessage * msg, GTlsCertificate * cert, GTlsCertificateFlags
    errors, gpointer data)
{
  g_autoptr (GByteArray) der = NULL;
  guint8 fp[32];

  g_object_get (cert, "certificate", &der, NULL);
  EVP_Digest (der->data, der->len, fp, NULL, EVP_sha256 (), NULL);
  return CRYPTO_memcmp (fp, current->fingerprint, 32) == 0;
}

typedef void (*ReqDone) (SoupMessage * msg, GBytes * body, gint64 latency_us,
    gpointer data);

typedef struct
{
  SoupMessage *msg;
  gint64 t0;
  ReqDone done;
  gpointer data;
} Req;

static void
req_finished (GObject * src, GAsyncResult * res, gpointer data)
{
  Req *r = data;
  GError *e = NULL;
  GBytes *body = soup_session_send_and_read_finish (SOUP_SESSION (src), res,
      &e);

  if (!body) {
    g_printerr ("request failed: %s\n", e->message);
    g_clear_error (&e);
  }
  r->done (r->msg, body, g_get_monotonic_time () - r->t0, r->data);
  if (body)
    g_bytes_unref (body);
  g_object_unref (r->msg);
  g_free (r);
}

static void
http_send (SoupSession * sess, const gchar * method, const gchar * path,
    const gchar * ctype, GBytes * body, const gchar * token, ReqDone done,
    gpointer data)
{
  g_autofree gchar *uri = g_strdup_printf ("https://127.0.0.1:%u%s",
      current->port, path);
  Req *r = g_new0 (Req, 1);

  r->msg = soup_message_new (method, uri);
  r->done = done;
  r->data = data;
  g_signal_connect (r->msg, "accept-certificate", G_CALLBACK (accept_cert),
      NULL);
  if (body)
    soup_message_set_request_body_from_bytes (r->msg, ctype, body);
  if (token) {
    g_autofree gchar *h = g_strconcat ("Bearer ", token, NULL);
    soup_message_headers_replace (soup_message_get_request_headers (r->msg),
        "Authorization", h);
  }
  r->t0 = g_get_monotonic_time ();
  soup_session_send_and_read_async (sess, r->msg, G_PRIORITY_DEFAULT, NULL,
      req_finished, r);
}

static SoupSession *
http_session (guint conns)
{
  return soup_session_new_with_options ("max-conns", (gint) conns,
      "max-conns-per-host", (gint) conns, "timeout", 60, NULL);
}

/* ------------------------------------------------------------------------
 * 1. Primitives
 * ---------------------------------------------------------------------- */

typedef struct
{
  gchar *hash;
  MmkmPasswordParams params;
  EVP_PKEY *dh_peer;
  EVP_PKEY *rsa;
  guint8 sig[512];
  size_t sig_len;
  MmkmIdentity *member;
  MmkmIdentity *server;
  MikeyCert *member_cert;
  MikeyCert *server_cert;
  guint8 kek[MMKM_KEK_LEN];
  guint8 tek[30];
  MmkmHbKey hb_key;
  guint8 hb_sid[MMKM_SESSION_ID_LEN];
  guint8 hb[MMKM_HB_LEN];
} Prims;

static const guint8 sign_msg[400] = { 1 };

static void
prim_argon2 (Prims * p)
{
  if (!mmkm_password_verify (p->hash, PASSWORD, strlen (PASSWORD),
          &p->params, NULL))
    g_error ("argon2id verify failed");
}

static EVP_PKEY *
dh_keygen (void)
{
  EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name (NULL, "DH", NULL);
  OSSL_PARAM params[] = {
    OSSL_PARAM_utf8_string (OSSL_PKEY_PARAM_GROUP_NAME, (char *) "modp_1536",
        0),
    OSSL_PARAM_END
  };
  EVP_PKEY *k = NULL;

  if (!c || EVP_PKEY_keygen_init (c) <= 0
      || EVP_PKEY_CTX_set_params (c, params) <= 0
      || EVP_PKEY_keygen (c, &k) <= 0)
    g_error ("DH keygen failed");
  EVP_PKEY_CTX_free (c);
  return k;
}

/* one side of a DH exchange: a fresh key, the shared secret */
static void
prim_dh (Prims * p)
{
  EVP_PKEY *k = dh_keygen ();
  EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey (NULL, k, NULL);
  guint8 secret[256];
  size_t len = sizeof secret;

  if (EVP_PKEY_derive_init (c) <= 0 || EVP_PKEY_derive_set_peer (c,
          p->dh_peer) <= 0 || EVP_PKEY_derive (c, secret, &len) <= 0)
    g_error ("DH derive failed");
  OPENSSL_cleanse (secret, sizeof secret);
  EVP_PKEY_CTX_free (c);
  EVP_PKEY_free (k);
}

static void
prim_sign (Prims * p)
{
  EVP_MD_CTX *c = EVP_MD_CTX_new ();

  p->sig_len = sizeof p->sig;
  if (EVP_DigestSignInit_ex (c, NULL, "SHA256", NULL, NULL, p->rsa,
          NULL) <= 0 || EVP_DigestSign (c, p->sig, &p->sig_len, sign_msg,
          sizeof sign_msg) <= 0)
    g_error ("RSA sign failed");
  EVP_MD_CTX_free (c);
}

static void
prim_verify (Prims * p)
{
  EVP_MD_CTX *c = EVP_MD_CTX_new ();

  if (EVP_DigestVerifyInit_ex (c, NULL, "SHA256", NULL, NULL, p->rsa,
          NULL) <= 0 || EVP_DigestVerify (c, p->sig, p->sig_len, sign_msg,
          sizeof sign_msg) != 1)
    g_error ("RSA verify failed");
  EVP_MD_CTX_free (c);
}

/* the whole exchange through lib/mmkm, both sides */
static void
prim_exchange (Prims * p)
{
  g_autoptr (MmkmKekMember) m = mmkm_kek_member_new (p->member, "load",
      p->server_cert, NULL);
  g_autoptr (GBytes) i = NULL, r = NULL;
  guint8 k1[MMKM_KEK_LEN], k2[MMKM_KEK_LEN];
  gint64 now = g_get_real_time ();

  i = mmkm_kek_member_start (m, now, NULL);
  if (!i || !mmkm_kek_server_respond (p->server, "load", p->member_cert, NULL,
          g_bytes_get_data (i, NULL), g_bytes_get_size (i), now, &r, k1, NULL)
      || !mmkm_kek_member_finish (m, g_bytes_get_data (r, NULL),
          g_bytes_get_size (r), now, k2, NULL)
      || CRYPTO_memcmp (k1, k2, sizeof k1) != 0)
    g_error ("mmkm-kek exchange failed");
  OPENSSL_cleanse (k1, sizeof k1);
  OPENSSL_cleanse (k2, sizeof k2);
}

/* what the server does per TEK fetch that no cache can save: the TEK
 * message for this member under its KEK */
static void
prim_tek (Prims * p)
{
  MmkmTekParams tp = { 0 };
  GBytes *b;

  tp.kek = p->kek;
  tp.user_name = "load";
  tp.group_id = 1;
  tp.tek = p->tek;
  tp.tek_len = 30;
  tp.mki = 1;
  b = mmkm_tek_message_build (&tp, g_get_real_time (), NULL);
  if (!b)
    g_error ("TEK message build failed");
  g_bytes_unref (b);
}

/* what the server does per heartbeat: check one, make the ACK */
static void
prim_hb (Prims * p)
{
  MmkmHeartbeat hb, ack = { 0 };
  guint8 out[MMKM_HB_LEN];

  if (!mmkm_hb_decode (&p->hb_key, p->hb_sid, MMKM_HB_FROM_MEMBER, p->hb,
          sizeof p->hb, &hb, NULL))
    g_error ("heartbeat decode failed");
  ack.type = MMKM_HB_ACK;
  memcpy (ack.session_id, p->hb_sid, MMKM_SESSION_ID_LEN);
  ack.seq = hb.seq;
  ack.mki = 1;
  if (!mmkm_hb_encode (&p->hb_key, &ack, out, NULL))
    g_error ("ACK encode failed");
}

/* operations per CPU second of this thread; rounds interleave the
 * primitives (A B C A B C ...) so that noise hits them alike; median */
#define N_PRIMS 7
static void
prims_measure (Prims * p, gdouble seconds, gdouble rates[N_PRIMS])
{
  void (*fn[N_PRIMS]) (Prims *) = {
    prim_argon2, prim_dh, prim_sign, prim_verify, prim_exchange, prim_tek,
    prim_hb
  };
  const guint rounds = 5;
  gdouble v[N_PRIMS][5];
  guint r, k;

  for (r = 0; r < rounds; r++)
    for (k = 0; k < N_PRIMS; k++) {
      gdouble t0 = bench_thread_cpu_seconds (), t;
      guint n = 0;
      do {
        fn[k] (p);
        n++;
        t = bench_thread_cpu_seconds () - t0;
      } while (t < seconds / rounds / N_PRIMS);
      v[k][r] = n / t;
    }
  for (k = 0; k < N_PRIMS; k++)
    rates[k] = bench_median (v[k], rounds);
}

static void
prims_init (Prims * p)
{
  GPtrArray *a;

  mmkm_password_params_init_default (&p->params);
  p->hash = mmkm_password_hash (&p->params, PASSWORD, strlen (PASSWORD), NULL);
  p->dh_peer = dh_keygen ();
  {
    MmkmHeartbeat hb = { 0 };
    RAND_bytes (p->kek, sizeof p->kek);
    RAND_bytes (p->tek, sizeof p->tek);
    RAND_bytes (p->hb_sid, sizeof p->hb_sid);
    mmkm_hb_key_derive (p->kek, MMKM_KEK_LEN, &p->hb_key, NULL);
    hb.type = MMKM_HB_HEARTBEAT;
    memcpy (hb.session_id, p->hb_sid, MMKM_SESSION_ID_LEN);
    hb.seq = 1;
    mmkm_hb_encode (&p->hb_key, &hb, p->hb, NULL);
  }
  p->rsa = EVP_RSA_gen (3072);
  p->member = mmkm_identity_new ("load", "mmkm:user:load", 0, NULL);
  p->server = mmkm_identity_new ("mmkm-server", MMKM_SERVER_ID, 0, NULL);
  if (!p->hash || !p->rsa || !p->member || !p->server)
    g_error ("cannot set up the primitives");
  a = mikey_cert_load_pem (mmkm_identity_get_cert_pem (p->member),
      strlen (mmkm_identity_get_cert_pem (p->member)), NULL);
  p->member_cert = mikey_cert_ref (g_ptr_array_index (a, 0));
  g_ptr_array_unref (a);
  a = mikey_cert_load_pem (mmkm_identity_get_cert_pem (p->server),
      strlen (mmkm_identity_get_cert_pem (p->server)), NULL);
  p->server_cert = mikey_cert_ref (g_ptr_array_index (a, 0));
  g_ptr_array_unref (a);
}

static void
prims_clear (Prims * p)
{
  g_free (p->hash);
  EVP_PKEY_free (p->dh_peer);
  EVP_PKEY_free (p->rsa);
  mmkm_identity_free (p->member);
  mmkm_identity_free (p->server);
  mikey_cert_unref (p->member_cert);
  mikey_cert_unref (p->server_cert);
  OPENSSL_cleanse (p->kek, sizeof p->kek);
  mmkm_hb_key_clear (&p->hb_key);
}

/* ------------------------------------------------------------------------
 * 1b. Logins: register, login, DH exchange, first TEK fetch
 * ---------------------------------------------------------------------- */

typedef struct
{
  SoupSession *http;
  GPtrArray *members;           /* LoadMember */
  guint next;
  guint running;
  guint ok;
  guint failed;
} Logins;

typedef struct
{
  Logins *L;
  LoadMember *m;
  guint stage;
} Chain;

static void chain_step (Chain * c, SoupMessage * msg, GBytes * body);

static void
chain_done (SoupMessage * msg, GBytes * body, gint64 latency, gpointer data)
{
  chain_step (data, msg, body);
}

static void
chain_fail (Chain * c, const gchar * what, SoupMessage * msg, GError * e)
{
  g_printerr ("%s: %s failed: HTTP %u %s\n", c->m->user, what,
      msg ? soup_message_get_status (msg) : 0, e ? e->message : "");
  g_clear_error (&e);
  c->L->failed++;
}

static void chain_next (Logins * L);

static void
chain_step (Chain * c, SoupMessage * msg, GBytes * body)
{
  static const guint want[] = { 201, 200, 200, 200 };
  static const gchar *const what[] = { "register", "login", "DH exchange",
    "TEK fetch"
  };
  LoadMember *m = c->m;
  GError *e = NULL;
  g_autofree gchar *json = NULL;
  g_autoptr (GBytes) out = NULL;

  if (msg) {
    if (!body || soup_message_get_status (msg) != want[c->stage]) {
      chain_fail (c, what[c->stage], msg, NULL);
      goto end;
    }
    if ((c->stage == 1 && !load_member_login_done (m, body, &e))
        || (c->stage == 2 && !load_member_kek_done (m, body, &e))
        || (c->stage == 3 && !load_member_teks_done (m, body, TRUE, &e))) {
      chain_fail (c, what[c->stage], msg, e);
      goto end;
    }
    if (++c->stage == 4) {
      c->L->ok++;
      goto end;
    }
  }
  switch (c->stage) {
    case 0:
      json = load_member_register_body (m, PASSWORD);
      out = g_bytes_new_take (g_steal_pointer (&json), strlen (json));
      http_send (c->L->http, "POST", "/v1/register", "application/json", out,
          NULL, chain_done, c);
      break;
    case 1:
      json = load_member_login_body (m, PASSWORD, GROUP);
      out = g_bytes_new (json, strlen (json));
      http_send (c->L->http, "POST", "/v1/login", "application/json", out,
          NULL, chain_done, c);
      break;
    case 2:
      out = load_member_kek_start (m, current->cert, &e);
      if (!out) {
        chain_fail (c, what[2], NULL, e);
        goto end;
      }
      http_send (c->L->http, "POST", "/v1/session/kek", "application/mikey",
          out, m->token, chain_done, c);
      break;
    default:
      http_send (c->L->http, "GET", "/v1/session/teks", NULL, NULL, m->token,
          chain_done, c);
      break;
  }
  return;
end:
  {
    Logins *L = c->L;
    L->running--;
    g_free (c);
    chain_next (L);
  }
}

static void
chain_next (Logins * L)
{
  Chain *c;

  if (L->next >= L->members->len)
    return;
  c = g_new0 (Chain, 1);
  c->L = L;
  c->m = g_ptr_array_index (L->members, L->next++);
  L->running++;
  chain_step (c, NULL, NULL);
}

/* ------------------------------------------------------------------------
 * 2. TEK fetches
 * ---------------------------------------------------------------------- */

typedef struct
{
  SoupSession *http;
  GPtrArray *members;           /* logged in */
  GArray *latency_ms;
  guint next;
  guint running;
  guint failed;
  gint64 end;
} Fetches;

static void fetch_next (Fetches * F);

static void
fetch_done (SoupMessage * msg, GBytes * body, gint64 latency, gpointer data)
{
  LoadMember *m = data;
  Fetches *F = g_object_get_data (G_OBJECT (msg), "fetches");
  GError *e = NULL;
  gdouble ms = latency / 1000.0;

  F->running--;
  if (!body || soup_message_get_status (msg) != 200
      || !load_member_teks_done (m, body, FALSE, &e)) {
    if (F->failed++ < 5)
      g_printerr ("TEK fetch failed: HTTP %u %s\n",
          soup_message_get_status (msg), e ? e->message : "");
    g_clear_error (&e);
  } else
    g_array_append_val (F->latency_ms, ms);
  fetch_next (F);
}

static void
fetch_next (Fetches * F)
{
  LoadMember *m;
  g_autofree gchar *uri = NULL;
  Req *r;

  if (g_get_monotonic_time () >= F->end)
    return;
  m = g_ptr_array_index (F->members, F->next++ % F->members->len);
  F->running++;
  /* http_send, with the phase's state on the message */
  uri = g_strdup_printf ("https://127.0.0.1:%u/v1/session/teks", current->port);
  r = g_new0 (Req, 1);
  r->msg = soup_message_new ("GET", uri);
  r->done = fetch_done;
  r->data = m;
  g_object_set_data (G_OBJECT (r->msg), "fetches", F);
  g_signal_connect (r->msg, "accept-certificate", G_CALLBACK (accept_cert),
      NULL);
  {
    g_autofree gchar *h = g_strconcat ("Bearer ", m->token, NULL);
    soup_message_headers_replace (soup_message_get_request_headers (r->msg),
        "Authorization", h);
  }
  r->t0 = g_get_monotonic_time ();
  soup_session_send_and_read_async (F->http, r->msg, G_PRIORITY_DEFAULT,
      NULL, req_finished, r);
}

static gdouble
percentile (GArray * a, gdouble p)
{
  if (!a->len)
    return 0;
  return bench_percentile ((gdouble *) a->data, a->len, p);
}

/* ------------------------------------------------------------------------
 * 3. Heartbeats
 * ---------------------------------------------------------------------- */

typedef struct
{
  GPtrArray *members;
  GHashTable *by_id;
  GSocket *sock;
  gint64 t0;
  gint64 interval;
  guint64 due_sent;             /* heartbeats handed out so far */
  guint64 sent;
  guint64 send_failed;
  guint64 acks;
  guint64 bad_acks;
  gboolean sending;
  /* ACK latency (ms) while measuring: a member has one heartbeat out at a
   * time, so its ACK answers the last one sent */
  GArray *ack_ms;
  gboolean measuring;
} Beats;

static guint
id_hash (gconstpointer k)
{
  guint h;

  memcpy (&h, k, sizeof h);
  return h;
}

static gboolean
id_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, MMKM_SESSION_ID_LEN) == 0;
}

static gboolean
beats_tick (gpointer data)
{
  Beats *B = data;
  gint64 now = g_get_monotonic_time ();
  guint64 due;
  guint8 dg[MMKM_HB_LEN];

  if (!B->sending)
    return G_SOURCE_REMOVE;
  due = (guint64) ((gdouble) (now - B->t0) * B->members->len / B->interval);
  for (; B->due_sent < due; B->due_sent++) {
    LoadMember *m = g_ptr_array_index (B->members,
        B->due_sent % B->members->len);
    load_member_heartbeat (m, dg);
    m->hb_sent_us = now;
    if (g_socket_send (B->sock, (const gchar *) dg, sizeof dg, NULL,
            NULL) == sizeof dg)
      B->sent++;
    else
      B->send_failed++;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
beats_readable (GSocket * sock, GIOCondition cond, gpointer data)
{
  Beats *B = data;
  guint8 buf[MMKM_HB_LEN + 1], sid[MMKM_SESSION_ID_LEN];

  for (;;) {
    gssize n = g_socket_receive (sock, (gchar *) buf, sizeof buf, NULL, NULL);
    LoadMember *m;

    if (n < 0)
      break;
    if (mmkm_hb_peek (buf, n, MMKM_HB_FROM_SERVER, sid, NULL)
        && (m = g_hash_table_lookup (B->by_id, sid))
        && load_member_ack (m, buf, n, NULL)) {
      B->acks++;
      if (B->measuring) {
        gdouble ms = (g_get_monotonic_time () - m->hb_sent_us) / 1000.0;
        g_array_append_val (B->ack_ms, ms);
      }
    } else
      B->bad_acks++;
  }
  return G_SOURCE_CONTINUE;
}

/* A certificate of its own for each provisioned device (the store keys
 * devices by the SHA-256 of their DER): one P-256 key, a serial number
 * per device:
 * these members never run the DH exchange, the only place the server
 * reads a device certificate. */
static GBytes *
device_cert (X509 * x, EVP_PKEY * key, guint serial)
{
  guint8 *der = NULL;
  int len;
  GBytes *b;

  ASN1_INTEGER_set (X509_get_serialNumber (x), (long) serial + 1);
  if (X509_sign (x, key, EVP_sha256 ()) <= 0 || (len = i2d_X509 (x, &der)) <= 0)
    g_error ("cannot make a device certificate");
  b = g_bytes_new (der, len);
  OPENSSL_free (der);
  return b;
}

static X509 *
device_cert_template (EVP_PKEY * key)
{
  X509 *x = X509_new ();
  X509_NAME *n = X509_NAME_new ();

  X509_set_version (x, 2);
  X509_NAME_add_entry_by_txt (n, "CN", MBSTRING_ASC,
      (const guint8 *) "mmkm-load device", -1, -1, 0);
  X509_set_subject_name (x, n);
  X509_set_issuer_name (x, n);
  X509_gmtime_adj (X509_getm_notBefore (x), -86400);
  X509_gmtime_adj (X509_getm_notAfter (x), 86400L * 365);
  X509_set_pubkey (x, key);
  X509_NAME_free (n);
  return x;
}

/* N users, devices and live sessions with KEKs we chose, written through
 * the store API while the server is stopped. */
static gboolean
provision (Srv * s, guint n, GPtrArray * members, gdouble * seconds)
{
  MmkmStore *st = srv_store_open (s);
  g_autoptr (MmkmGroup) g = NULL;
  MmkmPasswordParams pp;
  g_autofree gchar *hash = NULL;
  EVP_PKEY *ca = EVP_EC_gen ("P-256");
  X509 *tmpl = device_cert_template (ca);
  gint64 now = g_get_real_time (), t0 = g_get_monotonic_time ();
  GError *e = NULL;
  guint i;

  if (!st)
    return FALSE;
  g = mmkm_store_group_get_by_name (st, GROUP, &e);
  if (!g)
    goto fail;
  /* cheap parameters: these users never log in */
  mmkm_password_params_init_default (&pp);
  pp.t_cost = 1;
  pp.m_cost_kib = 8;
  hash = mmkm_password_hash (&pp, PASSWORD, strlen (PASSWORD), NULL);
  for (i = 0; i < n; i++) {
    g_autofree gchar *user = g_strdup_printf ("hb%07u", i);
    g_autoptr (GBytes) der = device_cert (tmpl, ca, i);
    MmkmSession row = { 0 };
    LoadMember *m = load_member_new (user, NULL);
    guint8 kek[MMKM_KEK_LEN];

    if (RAND_bytes (row.id, sizeof row.id) != 1
        || RAND_bytes (kek, sizeof kek) != 1)
      g_error ("no randomness");
    EVP_Digest (g_bytes_get_data (der, NULL), g_bytes_get_size (der),
        row.device, NULL, EVP_sha256 (), NULL);
    row.user = user;
    row.group_id = g->id;
    row.login_us = now;
    row.heartbeat_us = now;
    row.source = (gchar *) "127.0.0.1:0";
    row.has_kek = TRUE;
    memcpy (row.kek, kek, sizeof kek);
    if (!mmkm_store_user_add (st, user, MMKM_ROLE_LISTENER, hash, &e)
        || !mmkm_store_device_enrol (st, user, row.device, der, &e)
        || !mmkm_store_session_create (st, &row, &e)
        || !load_member_set_session (m, row.id, kek, &e)) {
      load_member_free (m);
      goto fail;
    }
    /* as if each had been heartbeating before the server's restart: a
     * restored session takes its stored number (0 here) + the server's
     * step (at most 4) - 1 as seen, and would not answer those */
    m->seq = 8;
    OPENSSL_cleanse (kek, sizeof kek);
    OPENSSL_cleanse (row.kek, sizeof row.kek);
    g_ptr_array_add (members, m);
  }
  mmkm_store_close (st);
  X509_free (tmpl);
  EVP_PKEY_free (ca);
  *seconds = (g_get_monotonic_time () - t0) / 1e6;
  return TRUE;
fail:
  g_printerr ("provisioning: %s\n", e ? e->message : "?");
  g_clear_error (&e);
  mmkm_store_close (st);
  X509_free (tmpl);
  EVP_PKEY_free (ca);
  return FALSE;
}

/* ------------------------------------------------------------------------
 * main
 * ---------------------------------------------------------------------- */

static void
run_until (gboolean * flag)
{
  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_seconds (gdouble s)
{
  gboolean flag = FALSE;

  g_timeout_add ((guint) (s * 1000), set_flag, &flag);
  run_until (&flag);
}

int
main (int argc, char **argv)
{
  gint members = 100000, logins = 48, concurrency = 4, tek_conns = 8;
  gdouble seconds = 10, prim_seconds = 5, hb_seconds = 40, warmup = 10;
  g_autofree gchar *only = NULL, *server = NULL;
  GOptionEntry entries[] = {
    {"members", 'n', 0, G_OPTION_ARG_INT, &members,
        "Heartbeating sessions (default 100000)", "N"},
    {"logins", 'l', 0, G_OPTION_ARG_INT, &logins,
        "Members that register and log in (default 48)", "L"},
    {"concurrency", 'c', 0, G_OPTION_ARG_INT, &concurrency,
        "Logins at a time (default 4)", "C"},
    {"tek-conns", 'k', 0, G_OPTION_ARG_INT, &tek_conns,
        "Keep-alive connections (and requests in flight) for TEK fetches "
          "(default 8)", "K"},
    {"seconds", 's', 0, G_OPTION_ARG_DOUBLE, &seconds,
        "Length of the TEK fetch phase (default 10)", "S"},
    {"hb-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &hb_seconds,
        "Heartbeat measurement window, after one interval of warm-up "
          "(default 40: longer than heartbeat-store-interval-s)", "S"},
    {"prim-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &prim_seconds,
        "CPU seconds for the primitives (default 5)", "S"},
    {"only", 0, 0, G_OPTION_ARG_STRING, &only,
        "Comma-separated phases: login,tek,heartbeat (default all)", "LIST"},
    {"server", 0, 0, G_OPTION_ARG_FILENAME, &server,
        "The mmkm-server binary (default: the one of this build)", "PATH"},
    {NULL}
  };
  g_autoptr (GOptionContext) ctx =
      g_option_context_new ("- load generator for mmkm-server");
  GError *e = NULL;
  gboolean do_login, do_tek, do_hb;
  GString *table = g_string_new (NULL);
  Prims P = { 0 };
  gdouble rates[N_PRIMS] = { 0 };
  gdouble floor_login = 0;
  long ncores = MAX (1, sysconf (_SC_NPROCESSORS_ONLN));

  setvbuf (stdout, NULL, _IOLBF, 0);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx, "Example:\n"
      "  build/bench/mmkm-load --members 100000 --logins 48 --tek-conns 8\n");
  if (!g_option_context_parse (ctx, &argc, &argv, &e)) {
    g_printerr ("%s\n", e->message);
    return 2;
  }
  if (server)
    server_exe = server;
  do_login = !only || strstr (only, "login");
  do_tek = !only || strstr (only, "tek");
  do_hb = !only || strstr (only, "heartbeat");
  if (do_tek)
    do_login = TRUE;
  signal (SIGPIPE, SIG_IGN);

  g_print ("primitives: %g CPU s ...\n", prim_seconds);
  prims_init (&P);
  prims_measure (&P, prim_seconds, rates);
  /* what the server does per login: argon2id at register and at login,
   * its side of the DH, one signature, one verification */
  floor_login = 1.0 / (2.0 / rates[0] + 1.0 / rates[1] + 1.0 / rates[2] +
      1.0 / rates[3]);
  g_string_append_printf (table, "mmkm-load on %ld cores, load average at "
      "start %s", sysconf (_SC_NPROCESSORS_ONLN), loadavg ());
  g_string_append_printf (table, "\n== Primitives, per CPU second of one "
      "core (median of 5 interleaved rounds) ==\n");
  g_string_append_printf (table, "  argon2id verify (t=%u, m=%u KiB, p=%u)"
      "                %10.1f /s\n", P.params.t_cost, P.params.m_cost_kib,
      P.params.parallelism, rates[0]);
  g_string_append_printf (table, "  DH OAKLEY 5 (modp_1536) keygen+derive, "
      "one side        %10.1f /s\n", rates[1]);
  g_string_append_printf (table, "  RSA-3072 sign (SHA-256, PKCS#1 v1.5)"
      "                  %10.1f /s\n", rates[2]);
  g_string_append_printf (table, "  RSA-3072 verify"
      "                                       %10.1f /s\n", rates[3]);
  g_string_append_printf (table, "  mmkm-kek exchange, both sides (lib/mmkm)"
      "              %10.1f /s\n", rates[4]);
  g_string_append_printf (table, "  TEK message build (lib/mmkm, per member "
      "and fetch)    %10.1f /s\n", rates[5]);
  g_string_append_printf (table, "  heartbeat check + ACK (lib/mmkm, 2 "
      "HMAC-SHA-256)      %10.1f /s\n", rates[6]);
  g_string_append_printf (table, "  => server-side floor of one login (2 "
      "argon2id + DH + sign + verify): %.1f ms, %.1f logins/s per core\n",
      1000 / floor_login, floor_login);

  if (do_login) {
    Srv S;
    Logins L = { 0 };
    GPtrArray *devs = g_ptr_array_new ();
    gdouble c0, s0, t_login, cpu_login, self_login, rss, hwm;
    gint64 t0;
    guint i;


    srv_init (&S, "# mmkm-load: the defaults\n");
    current = &S;
    g_print ("logins: %d device keys (RSA-3072) and users ...\n", logins);
    {
      MmkmStore *st;
      /* the server makes the state (identity, group, sealing key) */
      if (!srv_start (&S))
        return 1;
      srv_stop (&S);
      st = srv_store_open (&S);
      if (!st)
        return 1;
      L.members = g_ptr_array_new_with_free_func ((GDestroyNotify)
          load_member_free);
      for (i = 0; i < (guint) logins; i++) {
        g_autofree gchar *user = g_strdup_printf ("user%04u", i);
        g_autofree gchar *uri = g_strconcat ("mmkm:user:", user, NULL);
        g_autofree gchar *h = mmkm_password_hash (&P.params, PASSWORD,
            strlen (PASSWORD), NULL);
        MmkmIdentity *dev = mmkm_identity_new (user, uri, 0, NULL);
        if (!dev || !h || !mmkm_store_user_add (st, user, MMKM_ROLE_LISTENER,
                h, &e)) {
          g_printerr ("user %s: %s\n", user, e ? e->message : "");
          return 1;
        }
        g_ptr_array_add (L.members, load_member_new (user, dev));
      }
      mmkm_store_close (st);
    }
    g_ptr_array_unref (devs);
    if (!srv_start (&S))
      return 1;
    L.http = http_session (concurrency);
    g_print ("logins: %d, %d at a time ...\n", logins, concurrency);
    c0 = srv_cpu (&S);
    s0 = self_cpu ();
    t0 = g_get_monotonic_time ();
    for (i = 0; i < (guint) concurrency; i++)
      chain_next (&L);
    while (L.running)
      g_main_context_iteration (NULL, TRUE);
    t_login = (g_get_monotonic_time () - t0) / 1e6;
    cpu_login = srv_cpu (&S) - c0;
    self_login = self_cpu () - s0;
    srv_mem (&S, &rss, &hwm);

    g_string_append_printf (table, "\n== Logins: register + login + DH "
        "exchange + first TEK fetch over HTTPS, %d at a time ==\n",
        concurrency);
    /* the server checks passwords on a pool of one thread per core, the
     * rest of a login on its main loop: its floor on this machine is
     * between the one-core floor and that times the cores (which the
     * generator's own signatures and DH share) */
    g_string_append_printf (table, "  %u ok, %u failed in %.2f s: %.1f "
        "logins/s; wall-clock ratio to the one-core floor %.2f, to the "
        "%ld-core floor %.2f\n", L.ok, L.failed, t_login, L.ok / t_login,
        L.ok / t_login / floor_login, ncores,
        L.ok / t_login / (floor_login * ncores));
    g_string_append_printf (table, "  server CPU %.1f ms per login against "
        "the floor's %.1f ms: CPU ratio floor/real %.2f (%.1f logins/s per "
        "server core)\n", cpu_login * 1000 / MAX (L.ok, 1),
        1000 / floor_login, L.ok / MAX (cpu_login, 1e-9) / floor_login,
        L.ok / MAX (cpu_login, 1e-9));
    g_string_append_printf (table, "  server busy %.2f core during the phase,"
        " RSS %.1f MiB (peak %.1f); generator %.2f core\n",
        cpu_login / t_login, rss, hwm, self_login / t_login);

    if (do_tek && L.ok) {
      Fetches F = { 0 };
      gdouble t_tek, cpu_tek, self_tek;
      GPtrArray *ok = g_ptr_array_new ();

      for (i = 0; i < L.members->len; i++) {
        LoadMember *m = g_ptr_array_index (L.members, i);
        if (m->rx)
          g_ptr_array_add (ok, m);
      }
      F.http = http_session (tek_conns);
      F.members = ok;
      F.latency_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
      /* warm-up: the K connections and their TLS handshakes */
      F.end = g_get_monotonic_time () + G_USEC_PER_SEC;
      g_print ("TEK fetches: %d connections, %u sessions, %g s ...\n",
          tek_conns, ok->len, seconds);
      for (i = 0; i < (guint) tek_conns; i++)
        fetch_next (&F);
      while (F.running)
        g_main_context_iteration (NULL, TRUE);
      g_array_set_size (F.latency_ms, 0);
      F.failed = 0;
      c0 = srv_cpu (&S);
      s0 = self_cpu ();
      t0 = g_get_monotonic_time ();
      F.end = t0 + (gint64) (seconds * G_USEC_PER_SEC);
      for (i = 0; i < (guint) tek_conns; i++)
        fetch_next (&F);
      while (F.running)
        g_main_context_iteration (NULL, TRUE);
      t_tek = (g_get_monotonic_time () - t0) / 1e6;
      cpu_tek = srv_cpu (&S) - c0;
      self_tek = self_cpu () - s0;
      srv_mem (&S, &rss, &hwm);
      g_string_append_printf (table, "\n== TEK fetches: GET /v1/session/teks,"
          " %d keep-alive HTTPS connections, %u sessions ==\n", tek_conns,
          ok->len);
      g_string_append_printf (table, "  %u fetches (%u failed) in %.2f s = "
          "%.0f /s; latency p50 %.2f ms, p99 %.2f ms\n", F.latency_ms->len,
          F.failed, t_tek, F.latency_ms->len / t_tek,
          percentile (F.latency_ms, 50), percentile (F.latency_ms, 99));
      g_string_append_printf (table, "  server CPU %.1f us per fetch (%.0f "
          "fetches/s per server core; the TEK message alone %.1f us), busy "
          "%.2f core, RSS %.1f MiB; generator %.2f core\n",
          cpu_tek * 1e6 / MAX (F.latency_ms->len, 1),
          F.latency_ms->len / MAX (cpu_tek, 1e-9), 1e6 / rates[5],
          cpu_tek / t_tek, rss, self_tek / t_tek);
      g_array_unref (F.latency_ms);
      g_ptr_array_unref (ok);
      g_object_unref (F.http);
    }
    g_object_unref (L.http);
    g_ptr_array_unref (L.members);
    srv_clear (&S);
  }

  if (do_hb) {
    Srv S;
    Beats B = { 0 };
    GPtrArray *ms = g_ptr_array_new_with_free_func ((GDestroyNotify)
        load_member_free);
    g_autoptr (GInetAddress) lo = g_inet_address_new_loopback
        (G_SOCKET_FAMILY_IPV4);
    g_autoptr (GSocketAddress) any = NULL, to = NULL;
    GSource *src;
    gdouble prov_s = 0, c0, s0, t_hb, cpu_hb, self_hb, rss0, hwm0, rss, hwm;
    guint64 sent0, acks0, drops_srv = 0, drops_gen = 0, drops0, drops1;
    gint64 t0;
    guint i;

    srv_init (&S, "# mmkm-load: the defaults\n");
    current = &S;
    if (!srv_start (&S))
      return 1;
    srv_stop (&S);
    g_print ("heartbeats: provisioning %d sessions in the store ...\n",
        members);
    if (!provision (&S, members, ms, &prov_s))
      return 1;
    if (!srv_start (&S))
      return 1;
    srv_mem (&S, &rss0, &hwm0);
    B.members = ms;
    B.by_id = g_hash_table_new (id_hash, id_equal);
    for (i = 0; i < ms->len; i++) {
      LoadMember *m = g_ptr_array_index (ms, i);
      g_hash_table_insert (B.by_id, m->session_id, m);
    }
    B.sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
        G_SOCKET_PROTOCOL_UDP, NULL);
    any = g_inet_socket_address_new (lo, 0);
    to = g_inet_socket_address_new (lo, S.hb_port);
    if (!g_socket_bind (B.sock, any, TRUE, &e)
        || !g_socket_connect (B.sock, to, NULL, &e)) {
      g_printerr ("udp: %s\n", e->message);
      return 1;
    }
    g_socket_set_option (B.sock, SOL_SOCKET, SO_RCVBUF, 8 << 20, NULL);
    g_socket_set_option (B.sock, SOL_SOCKET, SO_SNDBUF, 8 << 20, NULL);
    g_socket_set_blocking (B.sock, FALSE);
    src = g_socket_create_source (B.sock, G_IO_IN, NULL);
    g_source_set_callback (src, G_SOURCE_FUNC (beats_readable), &B, NULL);
    g_source_attach (src, NULL);
    B.interval = 10 * G_USEC_PER_SEC;
    B.t0 = g_get_monotonic_time ();
    B.sending = TRUE;
    g_timeout_add (2, beats_tick, &B);
    g_print ("heartbeats: %d sessions every 10 s; %g s warm-up, %g s "
        "measured ...\n", members, warmup, hb_seconds);
    wait_seconds (warmup);
    c0 = srv_cpu (&S);
    s0 = self_cpu ();
    sent0 = B.sent;
    acks0 = B.acks;
    drops0 = udp_drops (S.hb_port);
    B.ack_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
    B.measuring = TRUE;
    t0 = g_get_monotonic_time ();
    wait_seconds (hb_seconds);
    B.measuring = FALSE;
    t_hb = (g_get_monotonic_time () - t0) / 1e6;
    cpu_hb = srv_cpu (&S) - c0;
    self_hb = self_cpu () - s0;
    drops1 = udp_drops (S.hb_port);
    srv_mem (&S, &rss, &hwm);
    B.sending = FALSE;
    wait_seconds (1);           /* the last ACKs */
    {
      g_autoptr (GSocketAddress) mine = g_socket_get_local_address (B.sock,
          NULL);
      drops_srv = udp_drops (S.hb_port);
      drops_gen = mine ? udp_drops (g_inet_socket_address_get_port
          (G_INET_SOCKET_ADDRESS (mine))) : 0;
    }

    g_string_append_printf (table, "\n== Heartbeats: %d sessions, one "
        "authenticated heartbeat each every 10 s (%.0f /s) ==\n", members,
        members / 10.0);
    g_string_append_printf (table, "  provisioned: users, devices and live "
        "sessions (KEKs chosen here) written through the store API in "
        "%.1f s; the server restored them at start (spawn to ready %.1f s, "
        "RSS then %.1f MiB)\n", prov_s, S.start_s, rss0);
    g_string_append_printf (table, "  measured %.1f s after %.0f s warm-up: "
        "%" G_GUINT64_FORMAT " sent, %" G_GUINT64_FORMAT " ACKs (%.0f /s), %"
        G_GUINT64_FORMAT " dropped by the server's socket\n", t_hb, warmup,
        B.sent - sent0, B.acks - acks0, (B.acks - acks0) / t_hb,
        drops1 - drops0);
    /* an ACK whose sequence number must be stored first waits for the
     * server's next heartbeat batch (up to 250 ms and its commit) */
    g_string_append_printf (table, "  ACK latency p50 %.2f ms, p90 %.2f ms, "
        "p99 %.2f ms\n", percentile (B.ack_ms, 50), percentile (B.ack_ms,
            90), percentile (B.ack_ms, 99));
    g_string_append_printf (table,
        "  whole phase: %" G_GUINT64_FORMAT " sent, %" G_GUINT64_FORMAT
        " not sent, %" G_GUINT64_FORMAT " ACKs " "(loss %.3f %%), %"
        G_GUINT64_FORMAT " bad ACKs; receive buffer " "drops: server %"
        G_GUINT64_FORMAT ", generator %" G_GUINT64_FORMAT "\n", B.sent,
        B.send_failed, B.acks, B.sent ? 100.0 * (B.sent - MIN (B.acks,
                B.sent)) / B.sent : 0.0, B.bad_acks, drops_srv, drops_gen);
    g_string_append_printf (table,
        "  server CPU %.3f core (%.1f us per "
        "heartbeat; check + ACK alone %.1f us), RSS %.1f MiB (peak %.1f); "
        "generator %.2f core\n", cpu_hb / t_hb,
        cpu_hb * 1e6 / MAX (B.acks - acks0, 1), 1e6 / rates[6], rss, hwm,
        self_hb / t_hb);
    {
      gdouble us = cpu_hb * 1e6 / MAX (B.acks - acks0, 1);
      g_string_append_printf (table, "  capacity implied: %.0f heartbeats/s "
          "per server core, %.0f members at one per 10 s on half a core\n",
          1e6 / us, 0.5 * 1e6 / us * 10);
    }
    {
      g_autofree gchar *log = g_build_filename (S.dir, "server.log", NULL);
      g_autofree gchar *text = NULL;
      g_auto (GStrv) lines = NULL;
      guint slow = 0, k;
      gint64 worst = 0;

      if (g_file_get_contents (log, &text, NULL, NULL))
        lines = g_strsplit (text, "\n", -1);
      for (k = 0; lines && lines[k]; k++) {
        const gchar *p = strstr (lines[k], " took ");
        if (strstr (lines[k], "heartbeats took") && p) {
          slow++;
          worst = MAX (worst, g_ascii_strtoll (p + 6, NULL, 10));
        }
      }
      g_string_append_printf (table, "  heartbeat store batches slower than "
          "100 ms (the socket waits meanwhile): %u, the slowest %"
          G_GINT64_FORMAT " ms\n", slow, worst);
    }
    g_source_destroy (src);
    g_source_unref (src);
    g_object_unref (B.sock);
    g_hash_table_unref (B.by_id);
    g_array_unref (B.ack_ms);
    srv_clear (&S);
    g_ptr_array_unref (ms);
  }
  g_string_append_printf (table, "\nload average at the end %s", loadavg ());
  g_print ("%s", table->str);
  g_string_free (table, TRUE);
  prims_clear (&P);
  return 0;
}
