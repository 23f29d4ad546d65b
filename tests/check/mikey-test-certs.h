/* Certificates made at test time, for properties the committed test PKI
 * does not have (its CA keys are not kept). */
#pragma once

#include "mikey-pk.h"

G_BEGIN_DECLS

/* A self-signed certificate (CN @cn, valid 2026-2046) for the RSA key in
 * the PEM file @key_path; with a critical keyUsage extension of
 * @key_usage (openssl's syntax, "digitalSignature,keyEncipherment") or
 * none when NULL. Fails the test on error. */
MikeyCert *mikey_test_self_signed (const gchar * key_path, const gchar * cn,
    const gchar * key_usage);

G_END_DECLS
