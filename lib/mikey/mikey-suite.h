/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: SRTP crypto suites, named as SDES names them
 * (RFC 4568, 6188, 7714), translated to MIKEY SP policy parameters and to
 * the cipher/auth names of GStreamer's srtpenc/srtpdec. */
#pragma once

#include <glib.h>
#include "mikey-api.h"
#include "mikey-message.h"

G_BEGIN_DECLS

typedef enum
{
  MIKEY_SUITE_AES_CM_128_HMAC_SHA1_80,
  MIKEY_SUITE_AES_CM_128_HMAC_SHA1_32,
  MIKEY_SUITE_F8_128_HMAC_SHA1_80,
  MIKEY_SUITE_AES_256_CM_HMAC_SHA1_80,
  MIKEY_SUITE_AEAD_AES_128_GCM,
  MIKEY_SUITE_AEAD_AES_256_GCM,
  MIKEY_SUITE_COUNT
} MikeySuite;

typedef struct
{
  MikeySuite id;
  const gchar *name;            /* SDES name */
  guint8 enc_alg;               /* MikeySrtpEncAlg */
  guint key_len;                /* master key, bytes */
  guint salt_len;               /* master salt, bytes */
  guint8 auth_alg;              /* MikeySrtpAuthAlg */
  guint auth_key_len;           /* session auth key, bytes (0 for AEAD) */
  guint auth_tag_len;           /* bytes (0 for AEAD) */
  guint aead_tag_len;           /* bytes (0 for non-AEAD) */
  const gchar *cipher;          /* srtpenc "srtp-cipher" nick */
  const gchar *auth;            /* srtpenc "srtp-auth" nick */
  gboolean engine_supported;    /* libsrtp2 via srtpenc can run it */
} MikeySuiteInfo;

/* By SDES name, case-insensitive; accepts AES_F8_128_HMAC_SHA1_80 as an
 * alias. NULL when unknown. */
MIKEY_API
const MikeySuiteInfo *mikey_suite_lookup (const gchar * name);
MIKEY_API
const MikeySuiteInfo *mikey_suite_get (MikeySuite id);
/* Comma-separated list of all names, for help texts. */
MIKEY_API
const gchar *mikey_suite_names (void);
/* The same, only the suites srtpenc/srtpdec (libsrtp2) can run */
MIKEY_API
const gchar *mikey_suite_names_supported (void);

/* The SP payload (protocol SRTP) describing @suite: every parameter spelled
 * out so that a peer relying on RFC 3830 defaults and one that does not
 * agree. */
MIKEY_API
MikeyPayload *mikey_suite_to_sp (const MikeySuiteInfo * suite,
    guint8 policy_no);

/* The suite an SP payload describes, with RFC 3830 defaults for absent
 * parameters. Unknown or inconsistent combinations give a GError
 * (MIKEY_ERROR_UNSUPPORTED) naming the parameter. @sp may be NULL (all
 * defaults: AES_CM_128_HMAC_SHA1_80). *@rtp_enc / *@rtcp_enc / *@rtp_auth
 * report the on/off switches (params 7, 8, 10); *@kdr the key derivation
 * rate (param 6, 0 when absent). Any out pointer may be NULL. */
MIKEY_API
const MikeySuiteInfo *mikey_suite_from_sp (const MikeyPayload * sp,
    gboolean * rtp_enc, gboolean * rtcp_enc, gboolean * rtp_auth,
    guint * kdr, GError ** error);

G_END_DECLS
