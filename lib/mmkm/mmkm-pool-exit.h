/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* For a program's last lines, after its main loop and everything that
 * queues work to GLib's thread pools (GIO's TLS handshakes and resolver,
 * password checks) are gone: makes the idle pool workers exit and waits
 * until none is left, @timeout_ms at most (a fraction of a second in
 * practice). A process whose threads are still exiting when it ends
 * crashes LeakSanitizer's exit check, and a worker may hold a TLS
 * library's thread-local state that the check cannot walk. */
void mmkm_pool_workers_await (guint timeout_ms);

G_END_DECLS
