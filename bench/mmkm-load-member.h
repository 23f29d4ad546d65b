/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One simulated member of bench/mmkm-load: every protocol step it takes
 * (request bodies, answers, the DH exchange, TEK messages, heartbeats and
 * their ACKs), each through lib/mmkm's sans-I/O pieces, with no I/O of
 * its own. mmkm-load.c carries the bytes (libsoup, GSocket). Kept in one
 * small file so that it can be switched to the MMKM client library. */
#pragma once

#include <glib.h>

#include "mikey-pk.h"
#include "mmkm-heartbeat.h"
#include "mmkm-identity.h"
#include "mmkm-kek.h"
#include "mmkm-tek.h"

G_BEGIN_DECLS

typedef struct
{
  gchar *user;
  MmkmIdentity *device;         /* NULL: a provisioned member */
  guint8 session_id[MMKM_SESSION_ID_LEN];
  gchar *token;                 /* the bearer token, text */
  guint32 group_id;
  guint8 kek[MMKM_KEK_LEN];
  MmkmHbKey hb_key;
  MmkmHbWindow ack_window;
  guint64 seq;
  gint64 hb_sent_us;            /* monotonic: the last heartbeat's send */
  MmkmKekMember *exchange;
  MmkmTekReceiver *rx;
} LoadMember;

/* @device is taken (NULL for a member whose session is provisioned) */
LoadMember *load_member_new (const gchar * user, MmkmIdentity * device);
void load_member_free (LoadMember * m);

/* POST /v1/register and /v1/login bodies */
gchar *load_member_register_body (LoadMember * m, const gchar * password);
gchar *load_member_login_body (LoadMember * m, const gchar * password,
    const gchar * group);
gboolean load_member_login_done (LoadMember * m, GBytes * answer,
    GError ** error);

/* POST /v1/session/kek: the DH initiation, then the server's answer */
GBytes *load_member_kek_start (LoadMember * m, MikeyCert * server_cert,
    GError ** error);
gboolean load_member_kek_done (LoadMember * m, GBytes * answer,
    GError ** error);

/* GET /v1/session/teks: the list decodes and has a TEK; with @open, its
 * first TEK message opens under the KEK. */
gboolean load_member_teks_done (LoadMember * m, GBytes * answer,
    gboolean open, GError ** error);

/* A member whose session row was written into the store before the
 * server started (session id and KEK chosen by the generator). */
gboolean load_member_set_session (LoadMember * m, const guint8 * id,
    const guint8 * kek, GError ** error);

/* The next heartbeat datagram */
gboolean load_member_heartbeat (LoadMember * m, guint8 out[MMKM_HB_LEN]);
/* Checks an ACK addressed to this member (session id already peeked) */
gboolean load_member_ack (LoadMember * m, const guint8 * data, gsize len,
    GError ** error);

G_END_DECLS
