/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: priority negotiation of the key management method
 * and the SRTP crypto suite (seed 001, MIKEYv2 draft's mode negotiation).
 *
 * Wire format (docs/negotiation.md): a general extension payload of the
 * private-use type MIKEY_EXT_CAPABILITIES carrying
 *   version (1) | flags | n_modes | modes... | n_suites | suites...
 *   [ | chosen mode | chosen suite ]   when flags has MIKEY_CAPS_CHOICE
 * Modes are MikeyMode values, suites MikeySuite values, best first.
 */
#pragma once

#include <glib.h>
#include "mikey-api.h"
#include "mikey-exchange.h"

G_BEGIN_DECLS

/* RFC 3830 10.1: general extension types 240-255 are for private use */
#define MIKEY_EXT_CAPABILITIES 240
#define MIKEY_CAPS_VERSION 1
#define MIKEY_CAPS_CHOICE 0x01
#define MIKEY_CAPS_NONE 0xff

typedef struct
{
  MikeyMode modes[MIKEY_MAX_CHOICES];
  guint n_modes;
  MikeySuite suites[MIKEY_MAX_CHOICES];
  guint n_suites;
  gboolean has_choice;
  /* MIKEY_CAPS_NONE in both when nothing is common */
  guint8 chosen_mode;
  guint8 chosen_suite;
} MikeyOffer;

/* Appends the capabilities payload to @msg. */
MIKEY_API
void mikey_offer_add (MikeyMessage * msg, const MikeyOffer * offer);

/* Reads the capabilities payload of @msg; FALSE when there is none (a
 * peer that does not negotiate) or it is malformed (error set). */
MIKEY_API
gboolean mikey_offer_find (const MikeyMessage * msg, MikeyOffer * offer,
    GError ** error);

/* The best common pair: the common mode with the lowest sum of ranks in
 * @ini and @resp, likewise for the suite, ties going to the initiator's
 * order. Suites the SRTP engine cannot run are never chosen. FALSE when
 * no mode or no suite is common. */
MIKEY_API
gboolean mikey_offer_choose (const MikeyOffer * ini, const MikeyOffer * resp,
    MikeyMode * mode, MikeySuite * suite);

MIKEY_API
gboolean mikey_offer_has_mode (const MikeyOffer * offer, MikeyMode mode);
MIKEY_API
gboolean mikey_offer_has_suite (const MikeyOffer * offer, MikeySuite suite);

/* An RFC 3830 error message (HDR, T, ERR with @err_no, a MikeyErrType)
 * answering @init, with our capabilities when @offer is not NULL. For the
 * responder's refusals and for those an application decides itself. */
MIKEY_API
GBytes *mikey_build_error_message (const MikeyMessage * init, guint8 err_no,
    const MikeyOffer * offer, gint64 now_us);

/* "methods psk, pke; suites AES_CM_128_HMAC_SHA1_80, ..." for error
 * messages */
MIKEY_API
gchar *mikey_offer_describe (const MikeyOffer * offer);
/* The suite names of @offer joined with @sep; g_free */
MIKEY_API
gchar *mikey_offer_suites_to_string (const MikeyOffer * offer,
    const gchar * sep);

/* Names joined with @sep ("dh,psk", "AES_CM_128_HMAC_SHA1_80, ..."), for
 * messages and bus fields; g_free */
MIKEY_API
gchar *mikey_mode_list_to_string (const MikeyMode * modes, guint n,
    const gchar * sep);
MIKEY_API
gchar *mikey_suite_list_to_string (const MikeySuiteInfo * const *suites,
    guint n, const gchar * sep);

/* Priority lists as users write them: "pke, dh,psk" (names as
 * mikey_mode_from_name / mikey_suite_lookup take them; blanks around
 * commas and empty items ignored). On failure *@bad (g_free) names the
 * offending item, or is NULL for an empty or over-long list, so each
 * caller can word the error for its own option names. */
typedef enum
{
  MIKEY_LIST_OK,
  MIKEY_LIST_UNKNOWN,
  MIKEY_LIST_DUPLICATE,
  MIKEY_LIST_TOO_MANY,
  MIKEY_LIST_EMPTY,
} MikeyListResult;

MIKEY_API
MikeyListResult mikey_mode_list_parse (const gchar * text,
    MikeyMode modes[MIKEY_MAX_CHOICES], guint * n_modes, gchar ** bad);
MIKEY_API
MikeyListResult mikey_suite_list_parse (const gchar * text,
    const MikeySuiteInfo * suites[MIKEY_MAX_CHOICES], guint * n_suites,
    gchar ** bad);

G_END_DECLS
