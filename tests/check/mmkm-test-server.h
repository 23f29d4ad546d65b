/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the mmkm-server end-to-end tests share: the real daemon
 * (MMKM_SERVER) started on random loopback ports (HTTPS, heartbeat UDP,
 * admin listener) in a temporary state directory with users "alice" and
 * "bob" (password MMKM_TEST_PASSWORD, cheap argon2id), an HTTPS client
 * pinning the printed fingerprint, and a member driven with lib/mmkm's
 * member side (register, login, DH exchange, TEK fetch, heartbeats).
 *
 * Two forms of the same helpers: mmkm_test_*() take the server and the
 * HTTPS session explicitly, so that several threads of one test may each
 * hold their own session (test-mmkm-flood); the short names work on the
 * globals srv, http, state_dir and config_path (test-mmkm-server,
 * test-mmkm-server-keyack). */
#pragma once

#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <libsoup/soup.h>

#include "mikey-srtp.h"
#include "mmkm-heartbeat.h"
#include "mmkm-identity.h"
#include "mmkm-kek.h"
#include "mmkm-store.h"
#include "mmkm-tek.h"

#define MMKM_TEST_PASSWORD "correct horse battery staple"
#define PASSWORD MMKM_TEST_PASSWORD

typedef struct
{
  GSubprocess *proc;
  gchar *fingerprint;
  guint16 port;
  guint16 hb_port;
  /* mmkm_test_server_setup() owns them; the globals' server borrows
   * state_dir and config_path */
  gchar *state_dir;
  gchar *config_path;
} MmkmTestServer;
typedef MmkmTestServer Server;

typedef struct
{
  gchar *user;
  MmkmIdentity *device;
  guint8 session_id[MMKM_SESSION_ID_LEN];
  gchar *token;
  guint32 group_id;
  guint8 kek[MMKM_KEK_LEN];
  MmkmHbKey hb_key;
  MmkmHbWindow ack_window;
  guint64 seq;
  MmkmTekReceiver *rx;
  /* from the last login's answer */
  guint heartbeat_interval_ms;
} MmkmTestMember;
typedef MmkmTestMember Member;

/* ---- explicit state ---- */

/* A temporary state directory with @config and the users, then the
 * server started (its stderr, the log, silenced unless
 * MMKM_TEST_SERVER_LOG is set). */
void mmkm_test_server_setup (MmkmTestServer * s, const gchar * config);
/* SIGTERM, a clean exit checked, the state directory removed */
void mmkm_test_server_teardown (MmkmTestServer * s);
GPid mmkm_test_server_pid (MmkmTestServer * s);
/* Waits (a few seconds at most) for GLib's idle worker threads (TLS
 * handshakes, async lookups) to exit: LeakSanitizer's check at exit
 * cannot walk the thread-local state they hold. Call once at the start
 * of a test (it lowers GLib's idle thread limits) and again at the end. */
void mmkm_test_wait_for_threads (void);

/* A libsoup session, from @local_address (NULL: any); requests made with
 * mmkm_test_message_new() pin the server's printed fingerprint */
SoupSession *mmkm_test_session_new (MmkmTestServer * s,
    const gchar * local_address);

/* A request with the server's certificate pinned, for the async API */
SoupMessage *mmkm_test_message_new (MmkmTestServer * s, const gchar * method,
    const gchar * path, const gchar * ctype, gconstpointer body, gsize len,
    const gchar * token);
/* One request; the status (0 when no answer came), the body in *@out */
guint mmkm_test_request (MmkmTestServer * s, SoupSession * http,
    const gchar * method, const gchar * path, const gchar * ctype,
    gconstpointer body, gsize len, const gchar * token, GBytes ** out);

/* register (a new device), login and the DH exchange */
void mmkm_test_member_join (MmkmTestServer * s, SoupSession * http,
    MmkmTestMember * m);
/* Each step alone: a new device enrolled (201 checked); a login with
 * the member's device, its HTTP status (the session kept when 200); the
 * DH exchange (200 checked) */
void mmkm_test_member_register (MmkmTestServer * s, SoupSession * http,
    MmkmTestMember * m);
guint mmkm_test_member_login (MmkmTestServer * s, SoupSession * http,
    MmkmTestMember * m);
void mmkm_test_member_kek (MmkmTestServer * s, SoupSession * http,
    MmkmTestMember * m);
/* Fetches the TEKs and opens the first; the HTTP status */
guint mmkm_test_member_fetch (MmkmTestServer * s, SoupSession * http,
    MmkmTestMember * m, guint32 * first_mki);
/* Fetches the TEKs; opens the one with @mki (0: the first) into @key;
 * the HTTP status (404: no TEK @mki, 0: no answer) */
guint mmkm_test_member_fetch_mki (MmkmTestServer * s, SoupSession * http,
    MmkmTestMember * m, guint32 mki, MikeySrtpParams * key,
    guint32 * first_mki, guint * n_teks);
void mmkm_test_member_clear (MmkmTestMember * m);

/* A non-blocking UDP socket on 127.0.0.1 */
GSocket *mmkm_test_udp_socket (void);
void mmkm_test_hb_make (MmkmTestMember * m, MmkmHbType type,
    guint8 out[MMKM_HB_LEN]);
/* Sends @len bytes to the heartbeat port; FALSE when the kernel refused */
gboolean mmkm_test_hb_send (MmkmTestServer * s, GSocket * sock,
    const guint8 * d, gsize len);
/* TRUE with the ACK (authenticated, not a replay) when one came within
 * @timeout_ms; anything else that comes meanwhile fails the test */
gboolean mmkm_test_hb_recv_ack (GSocket * sock, MmkmTestMember * m,
    MmkmHeartbeat * ack, guint timeout_ms);

/* ---- the globals ---- */

extern gchar *state_dir;
extern gchar *config_path;
extern SoupSession *http;
extern Server srv;

/* the server of the test: started with --config config_path and
 * --state-dir state_dir on ports 0 (--admin-listen 127.0.0.1:0 too);
 * killed (kill -9), or SIGTERM and checked for exit 0 */
/* @dir and all it holds, subdirectories too */
void rm_rf (const gchar * dir);
void server_start (void);
void server_kill (void);
/* kill -9, then the server again on the HTTPS and heartbeat ports it had
 * (for clients that keep their server URL, such as mmkmregistry) */
void server_restart_same_ports (void);
/* Pins srv's fingerprint (or that of the MmkmTestServer in @data) */
gboolean accept_cert (SoupMessage * msg, GTlsCertificate * cert,
    GTlsCertificateFlags errors, gpointer data);
/* One HTTPS request pinning srv.fingerprint; the HTTP status */
guint request (const gchar * method, const gchar * path, const gchar * ctype,
    gconstpointer body, gsize len, const gchar * token, GBytes ** out);
guint post_json (const gchar * path, const gchar * json, GBytes ** out);
gchar *body_str (GBytes * b);
/* alice and bob with PASSWORD (cheap argon2id), in the store */
void add_users (void);
gchar *register_json (const gchar * user, const gchar * password,
    MmkmIdentity * dev);
gchar *login_json (Member * m, const gchar * password);
/* The member's steps: login, DH exchange (KEK, heartbeat key, TEK
 * receiver), TEK fetch opening the TEK @mki (0: the first) */
void member_login (Member * m);
void member_kek (Member * m);
guint member_fetch (Member * m, guint32 mki, MikeySrtpParams * key,
    guint32 * first_mki, guint * n_teks);
/* Heartbeats: a loopback UDP socket (1 s receive timeout), the member's
 * next datagram, its ACK (FALSE: none came) */
GSocket *udp_socket (void);
void hb_send_raw (GSocket * s, const guint8 * d);
void hb_make (Member * m, MmkmHbType type, guint8 out[MMKM_HB_LEN]);
gboolean hb_recv_ack_within (GSocket * s, Member * m, MmkmHeartbeat * ack,
    gint64 wait_us);
gboolean hb_recv_ack (GSocket * s, Member * m, MmkmHeartbeat * ack);
void member_clear (Member * m);
/* A state directory with @config and the users, an HTTPS session, the
 * server started; and all of it removed */
void state_setup (const gchar * config);
void state_teardown (void);
/* register (a new device), login, DH exchange */
void member_join (Member * m);
/* The running server's store (SQLite WAL: read beside it) */
MmkmStore *store_open (void);
void server_term (void);
