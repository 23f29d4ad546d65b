/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SQLite backend of the mmkm-server store (the embedded default). */
#ifndef MMKM_STORE_SQLITE_H
#define MMKM_STORE_SQLITE_H

#include "mmkm-store.h"

G_BEGIN_DECLS

typedef enum
{
  MMKM_STORE_SQLITE_NONE = 0,
  /* synchronous=NORMAL instead of FULL: still durable against a crash
   * or kill -9 of the server, but the last transactions may be lost on
   * a power cut or kernel crash (see docs/mmkm-server.md) */
  MMKM_STORE_SQLITE_SYNC_NORMAL = 1 << 0,
} MmkmStoreSqliteFlags;

/* The schema version this code writes; a database with a higher one is
 * refused with MMKM_STORE_ERROR_VERSION. */
guint mmkm_store_sqlite_schema_version (void);

/* Opens (creating it 0600 if missing) the database at @path, migrates it
 * to the current schema, and returns a store that seals secrets with
 * @seal (taken, also on failure). */
MmkmStore *mmkm_store_sqlite_open (const gchar * path, MmkmSeal * seal,
    MmkmStoreSqliteFlags flags, GError ** err);

G_END_DECLS
#endif /* MMKM_STORE_SQLITE_H */
