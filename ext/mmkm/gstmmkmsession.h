/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The network thread of mmkmregistry: its own GMainContext running the
 * MMKM client (lib/mmkm: the sans-I/O member and its GIO driver), the
 * events long poll, and what each client event does to the element (keys
 * to the re-keying glue, bus messages, errors). */
#pragma once

#include "gstmmkmregistry.h"

G_BEGIN_DECLS

/* NULL to READY: starts the thread (register if needed, login, DH
 * exchange, first TEK fetch) and waits for it, at most join-timeout
 * seconds. FALSE after posting an error. */
gboolean gst_mmkm_session_start (GstMmkmRegistry * self);
/* READY to NULL (and after a failed start): BYE, then the thread ends */
void gst_mmkm_session_stop (GstMmkmRegistry * self);
/* Streaming thread: a packet carried an MKI no key is held for */
void gst_mmkm_session_saw_mki (GstMmkmRegistry * self, guint32 mki);

G_END_DECLS
