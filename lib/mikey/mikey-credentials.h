/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol library: loading what a MIKEY peer is configured with,
 * from the files and strings its user gives: a pre-shared key (hex, in a
 * string or a file), our certificate chain and RSA private key (PEM, the
 * key possibly encrypted), a peer's certificate, a trust store (a CA
 * bundle or a directory of CA files) and CRLs. Also the hex decoding and
 * the wiping of key buffers that go with them.
 *
 * GLib and OpenSSL only, so that the GStreamer elements, mikey-tool and
 * the MMKM programs accept exactly the same files. Every failure is
 * MIKEY_ERROR_SETTINGS with a sentence that names the file (or, for hex,
 * the position) and never contains key material; callers put the name of
 * their property or option in front ("Could not load cert ...: ",
 * "--cert: ").
 */
#pragma once

#include <glib.h>
#include "mikey-api.h"
#include "mikey-error.h"
#include "mikey-pk.h"

G_BEGIN_DECLS

/* Hex, as keys are pasted from Wireshark, openssl or a SDP: upper or lower
 * case, an optional "0x", and ':' or white space between (never inside)
 * bytes. Anything else is refused, with the position but not the
 * character (it may be part of a key): a key silently read wrong is the
 * worst outcome. Returns a g_malloc'ed buffer of *@out_len > 0 bytes; it
 * usually holds a secret: free it with mikey_secure_free (buf, *out_len).
 * The inverse of mikey_hex_encode() (mikey-message.h). */
MIKEY_API
guint8 *mikey_hex_decode (const gchar * text, gsize * out_len,
    GError ** error);

/* mikey_secure_free() (mikey-message.h) for a NUL-terminated string such
 * as a passphrase or a hex key. NULL-safe. */
MIKEY_API
void mikey_secure_free_string (gchar * str);

/* A pre-shared key from a file holding it as hex (mikey_hex_decode(); a
 * trailing newline is fine). The file's contents are wiped once read.
 * Free the result with mikey_secure_free (psk, *out_len). */
MIKEY_API
guint8 *mikey_credentials_load_psk_file (const gchar * path, gsize * out_len,
    GError ** error);

/* Our certificate chain from a PEM file: our certificate first, then the
 * intermediate CAs. A GPtrArray of MikeyCert owning its elements. */
MIKEY_API
GPtrArray *mikey_credentials_load_chain (const gchar * path, GError ** error);

/* A peer's certificate from a PEM file (pinning, or the PKE receiver);
 * further certificates of the file are its intermediate CAs and go to
 * *@chain (a new GPtrArray of MikeyCert, possibly empty) when @chain is not
 * NULL. */
MIKEY_API
MikeyCert *mikey_credentials_load_peer_cert (const gchar * path,
    GPtrArray ** chain, GError ** error);

/* Our RSA private key from a PEM file (PKCS#8 or traditional), decrypted
 * with @passphrase when it is encrypted (@passphrase may be NULL; there is
 * never a terminal prompt). The file's contents are wiped once read.
 * @encrypted (may be NULL) is set to whether the file holds an encrypted
 * key, also on failure: callers add where the passphrase is set when it
 * was missing or wrong. */
MIKEY_API
MikeyKey *mikey_credentials_load_key (const gchar * path,
    const gchar * passphrase, gboolean * encrypted, GError ** error);

/* A trust store with the CA certificates of @ca_path: a PEM file (a
 * bundle) or a directory of PEM files (read now; files that are not PEM
 * certificates are skipped, but at least one certificate is needed). */
MIKEY_API
MikeyTrust *mikey_credentials_load_trust (const gchar * ca_path,
    GError ** error);

/* Adds the CRLs of the PEM file @path to @trust and turns revocation
 * checking on (see mikey_trust_load_crl_file() in mikey-pk.h). */
MIKEY_API
gboolean mikey_credentials_load_crls (MikeyTrust * trust, const gchar * path,
    GError ** error);

G_END_DECLS
