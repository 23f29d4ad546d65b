/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the mmkm-server end-to-end tests share: the real daemon started on
 * random loopback ports in a temporary state directory (and killed with
 * the test), an HTTPS client pinning the printed fingerprint, and a
 * member driven with lib/mmkm's member side (login, DH exchange, TEK
 * fetch, heartbeats). */
#pragma once

#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <libsoup/soup.h>

#include "mmkm-heartbeat.h"
#include "mmkm-identity.h"
#include "mmkm-kek.h"
#include "mmkm-store.h"
#include "mmkm-tek.h"

#define PASSWORD "correct horse battery staple"

typedef struct
{
  GSubprocess *proc;
  gchar *fingerprint;
  guint16 port;
  guint16 hb_port;
} Server;

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
} Member;

extern gchar *state_dir;
extern gchar *config_path;
extern SoupSession *http;
extern Server srv;

/* the server of the test: started with --config config_path and
 * --state-dir state_dir on ports 0; killed (kill -9), or SIGTERM and
 * checked for exit 0 */
void rm_rf (const gchar * dir);
void server_start (void);
void server_kill (void);
/* kill -9, then the server again on the HTTPS and heartbeat ports it had
 * (for clients that keep their server URL, such as mmkmregistry) */
void server_restart_same_ports (void);
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
