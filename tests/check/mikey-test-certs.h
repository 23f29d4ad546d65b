/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Certificates, CAs and CRLs made at test time, for properties the
 * committed test PKI does not have (its CA keys are not kept). Keys come
 * from the PEM files of that PKI; everything is valid 2026-2046. */
#pragma once

#include "mikey-pk.h"

G_BEGIN_DECLS

/* A self-signed certificate (CN @cn) for the RSA key in the PEM file
 * @key_path; with a critical keyUsage extension of @key_usage (openssl's
 * syntax, "digitalSignature,keyEncipherment") or none when NULL. Fails
 * the test on error. */
MikeyCert *mikey_test_self_signed (const gchar * key_path, const gchar * cn,
    const gchar * key_usage);

/* A CA that issues certificates and CRLs into the directory @dir */
typedef struct _MikeyTestCa MikeyTestCa;

/* A self-signed CA (CN @cn) with the key in @key_path; its certificate is
 * written to @dir/@cn.pem, spaces in @cn replaced by '-' */
MikeyTestCa *mikey_test_ca_new (const gchar * key_path, const gchar * cn,
    const gchar * dir);
void mikey_test_ca_free (MikeyTestCa * ca);
/* Path of the CA's certificate (a ca-file) */
const gchar *mikey_test_ca_cert_path (MikeyTestCa * ca);
/* Issues a leaf certificate for the key in @key_path with serial @serial
 * and subjectAltName URI @uri, written to @dir/@cn.pem; returns the path
 * (free it). */
gchar *mikey_test_ca_issue (MikeyTestCa * ca, const gchar * key_path,
    const gchar * cn, const gchar * uri, glong serial);
/* A CRL revoking the @n serials, issued 2026-01-01 and due for update at
 * @next_update ("YYYYMMDDHHMMSSZ"), written to @dir/@name; returns the
 * path (free it). */
gchar *mikey_test_ca_crl (MikeyTestCa * ca, const gchar * name,
    const glong * serials, guint n, const gchar * next_update);

G_END_DECLS
