/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Certificates, CAs and CRLs made at test time, for properties the
 * committed test PKI does not have (its CA keys are not kept). Keys come
 * from the PEM files of that PKI; everything is valid 2026-2046. */
#pragma once

#include "mikey-pk.h"

G_BEGIN_DECLS

/* Path of a file of the test PKI (tests/check/data/pki, found through
 * MIKEY_TEST_DATA); g_free */
gchar *mikey_test_pki (const gchar * name);

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

/* A self-signed certificate for the key in @key_path whose subject a
 * hostile peer chose: its CN (a UTF8String) holds ESC sequences, CR, LF
 * and a NUL, or with @invalid_utf8 (a T61String: OpenSSL parses no
 * UTF8String that is not UTF-8) an OSC sequence, BEL and bytes 0xff 0xfe
 * that are not UTF-8; its O (a T61String) ESC, LF and 0xff. Written as PEM to @pem_path unless NULL. */
MikeyCert *mikey_test_hostile_cert (const gchar * key_path,
    gboolean invalid_utf8, const gchar * pem_path);

/* A self-signed certificate (CN @cn) for the key in @key_path, valid from
 * @not_before to @not_after (Unix times), written as PEM to @pem_path
 * unless NULL */
MikeyCert *mikey_test_cert_with_validity (const gchar * key_path,
    const gchar * cn, time_t not_before, time_t not_after,
    const gchar * pem_path);

/* Whether @text is printable ASCII only: nothing a peer sent came out raw
 * (no control character, no byte of UTF-8 or of invalid UTF-8) */
gboolean mikey_test_is_clean_text (const gchar * text);

G_END_DECLS
