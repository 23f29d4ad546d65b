/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The real mmkm-server (MMKM_SERVER) for a test: started on random
 * loopback ports in a temporary state directory with users "alice" and
 * "bob" (password MMKM_TEST_PASSWORD), and a member driven as the client
 * library would drive it (register, login, DH exchange, TEK fetch,
 * heartbeats). State is passed explicitly, so that several threads of one
 * test may each hold their own HTTPS session. */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "mikey-srtp.h"
#include "mmkm-heartbeat.h"
#include "mmkm-identity.h"
#include "mmkm-kek.h"
#include "mmkm-tek.h"

G_BEGIN_DECLS
#define MMKM_TEST_PASSWORD "correct horse battery staple"
    typedef struct
{
  GSubprocess *proc;
  gchar *fingerprint;
  guint16 port;
  guint16 hb_port;
  gchar *state_dir;
  gchar *config_path;
} MmkmTestServer;

typedef struct
{
  const gchar *user;
  MmkmIdentity *device;
  guint8 session_id[MMKM_SESSION_ID_LEN];
  gchar *token;
  guint32 group_id;
  guint8 kek[MMKM_KEK_LEN];
  MmkmHbKey hb_key;
  MmkmHbWindow ack_window;
  guint64 seq;
  MmkmTekReceiver *rx;
} MmkmTestMember;

/* A temporary state directory with @config and the users, then the
 * server started (its stderr, the log, is silenced). */
void mmkm_test_server_setup (MmkmTestServer * s, const gchar * config);
/* SIGTERM, a clean exit checked, the state directory removed */
void mmkm_test_server_teardown (MmkmTestServer * s);
GPid mmkm_test_server_pid (MmkmTestServer * s);
/* Waits (a few seconds at most) for GLib's idle worker threads (TLS
 * handshakes, async lookups) to exit: LeakSanitizer's check at exit
 * cannot walk the thread-local state they hold. Call once at the start
 * of a test (it lowers GLib's idle thread limits) and again at the end. */
void mmkm_test_wait_for_threads (void);

/* A libsoup session pinning the server's printed fingerprint, from
 * @local_address (NULL: any) */
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

/* register, login and the DH exchange */
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
void mmkm_test_member_clear (MmkmTestMember * m);

/* A UDP socket on 127.0.0.1 */
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

G_END_DECLS
