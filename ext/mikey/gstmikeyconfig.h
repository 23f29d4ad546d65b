/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What mikeyenc and mikeydec run with: their settings (property values,
 * gstmikeyprops.h) resolved when they start into a GstMikeyConfig - the
 * modes and suites as the core's values, the pre-shared key as bytes, the
 * loaded certificates, private key and trust store (libmikey's
 * mikey-credentials.h), the identities - and turned into the core's
 * MikeyInitiatorConfig / MikeyResponderConfig. Keys are wiped when the
 * config is cleared and never logged.
 */
#pragma once

#include <gst/gst.h>
#include "gstmikeyprops.h"
#include "mikey-exchange.h"
#include "mikey-suite.h"
#include "mikey-pk.h"

G_BEGIN_DECLS

typedef struct
{
  /* the mode alone (modes empty), or the best of the modes list */
  MikeyMode mode;
  /* the modes list; 0 when not negotiating (mode alone) */
  MikeyMode modes[MIKEY_MAX_CHOICES];
  guint n_modes;
  guint8 *psk;                  /* NULL unless a mode needs it */
  gsize psk_len;
  /* the suite alone, or the best runnable one of the suites list; NULL:
   * any (mikeydec suite=any, no suites list) */
  const MikeySuiteInfo *suite;
  /* the suites list; 0 when not given */
  const MikeySuiteInfo *suites[MIKEY_MAX_CHOICES];
  guint n_suites;
  MikeyKey *key;                /* ours, NULL unless cert/key given */
  GPtrArray *certs;             /* of MikeyCert, ours, leaf first */
  MikeyCert *peer_cert;         /* the peer's (peer-cert), or NULL */
  GPtrArray *peer_chain;        /* further certificates of peer-cert */
  MikeyTrust *trust;            /* from ca-file, or NULL */
  guint8 sign_type;             /* MikeySignType */
  guint8 dh_group;              /* MikeyDhGroup */
  gchar *id;
  gchar *peer_id;
  /* "mode=psk suite=..." or "modes=... suites=...", for error texts */
  gchar *description;
} GstMikeyConfig;

/* Checks the settings and loads the pre-shared key (from psk or psk-file),
 * the certificates, the private key and the CA certificates the modes need.
 * Errors are sentences for GST_ELEMENT_ERROR (GST_RESOURCE_ERROR or
 * GST_LIBRARY_ERROR_SETTINGS codes); they never contain a secret.
 * @receiver: mikeydec's rules (suite=any allowed, the peer is the sender). */
gboolean gst_mikey_settings_resolve (const GstMikeySettings * settings,
    gboolean receiver, GstMikeyConfig * out, GError ** error);
void gst_mikey_config_clear (GstMikeyConfig * config);

/* TRUE when @mode is the mode or in the modes list */
gboolean gst_mikey_config_has_mode (const GstMikeyConfig * config,
    MikeyMode mode);
/* The settings as the core wants them; the pointers stay owned by
 * @config, which must outlive the initiator / responder (the trust store
 * is not copied). */
void gst_mikey_config_to_initiator_config (const GstMikeyConfig * config,
    MikeyInitiatorConfig * cfg);
void gst_mikey_config_to_responder_config (const GstMikeyConfig * config,
    MikeyResponderConfig * cfg);

G_END_DECLS
