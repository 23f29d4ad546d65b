/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: checking a received message by hand.
 *
 * The exchanges (mikey-exchange.h) run these checks themselves; they are
 * public for tools that take a message apart and verify its pieces one by
 * one, as mikey-tool decode does.
 */
#pragma once

#include <glib.h>
#include "mikey-api.h"
#include "mikey-message.h"
#include "mikey-crypto.h"
#include "mikey-pk.h"

G_BEGIN_DECLS

/* Checks the MAC of payload @idx (KEMAC or V) of the received @data. */
MIKEY_API
gboolean mikey_check_mac (const MikeyMessage * msg, guint idx,
    const guint8 * data, gsize len, const guint8 * auth_key,
    gsize auth_key_len, const GByteArray * extra, GError ** error);

/* Checks the trailing SIGN payload of @data with @key. */
MIKEY_API
gboolean mikey_check_signature (const MikeyMessage * msg,
    const guint8 * data, gsize len, MikeyKey * key, GError ** error);

/* The peer's certificate: the CERT payloads of @msg verified against
 * @trust (or equal to @pinned), else @pinned alone; it must belong to
 * @identity when that is not NULL. Returns a new reference. */
MIKEY_API
MikeyCert *mikey_peer_cert (const MikeyMessage * msg, MikeyCert * pinned,
    MikeyTrust * trust, const gchar * identity, gint64 now_us,
    GError ** error);

/* The identity in ID payload @p as a string (NULL if @p is NULL). */
MIKEY_API
gchar *mikey_id_string (const MikeyPayload * p);

/* Checks the KEMAC's MAC with @keys, decrypts and parses its key data. */
MIKEY_API
GPtrArray *mikey_kemac_open (const MikeyMessage * msg, const guint8 * data,
    gsize len, const MikeyTransportKeys * keys, GError ** error);

/* Index of @p in @msg, -1 if absent */
MIKEY_API
gint mikey_payload_index (const MikeyMessage * msg, const MikeyPayload * p);

G_END_DECLS
