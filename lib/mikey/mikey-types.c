/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: human-readable names of wire values.
 *
 * These strings end up in error messages and logs, so they follow the
 * terms of RFC 3830 section 6 (and its extensions) closely enough that a
 * user can look them up in the RFC.
 */
#include "mikey-types.h"

#include <string.h>

const gchar *
mikey_payload_type_name (guint type)
{
  switch (type) {
    case MIKEY_PT_LAST:
      return "last";
    case MIKEY_PT_KEMAC:
      return "KEMAC";
    case MIKEY_PT_PKE:
      return "PKE";
    case MIKEY_PT_DH:
      return "DH";
    case MIKEY_PT_SIGN:
      return "SIGN";
    case MIKEY_PT_T:
      return "T";
    case MIKEY_PT_ID:
      return "ID";
    case MIKEY_PT_CERT:
      return "CERT";
    case MIKEY_PT_CHASH:
      return "CHASH";
    case MIKEY_PT_V:
      return "V";
    case MIKEY_PT_SP:
      return "SP";
    case MIKEY_PT_RAND:
      return "RAND";
    case MIKEY_PT_ERR:
      return "ERR";
    case MIKEY_PT_KEY_DATA:
      return "key data";
    case MIKEY_PT_GEN_EXT:
      return "general extension";
    default:
      return "unknown";
  }
}

const gchar *
mikey_data_type_name (guint type)
{
  switch (type) {
    case MIKEY_DT_PSK_INIT:
      return "PSK init";
    case MIKEY_DT_PSK_VERIFY:
      return "PSK verify";
    case MIKEY_DT_PK_INIT:
      return "PK init";
    case MIKEY_DT_PK_VERIFY:
      return "PK verify";
    case MIKEY_DT_DH_INIT:
      return "DH init";
    case MIKEY_DT_DH_RESP:
      return "DH resp";
    case MIKEY_DT_ERROR:
      return "Error";
    case MIKEY_DT_DHHMAC_INIT:
      return "DHHMAC init";
    case MIKEY_DT_DHHMAC_RESP:
      return "DHHMAC resp";
    case MIKEY_DT_RSA_R_INIT:
      return "RSA-R init";
    case MIKEY_DT_RSA_R_RESP:
      return "RSA-R resp";
    default:
      return "unknown";
  }
}

const gchar *
mikey_err_type_name (guint type)
{
  /* RFC 3830 table 6.12.a, spelled out */
  switch (type) {
    case MIKEY_ERR_AUTH_FAILURE:
      return "Authentication failure";
    case MIKEY_ERR_INVALID_TS:
      return "Invalid timestamp";
    case MIKEY_ERR_INVALID_PRF:
      return "Invalid PRF";
    case MIKEY_ERR_INVALID_MAC:
      return "Invalid MAC";
    case MIKEY_ERR_INVALID_EA:
      return "Invalid encryption algorithm";
    case MIKEY_ERR_INVALID_HA:
      return "Invalid hash algorithm";
    case MIKEY_ERR_INVALID_DH:
      return "Invalid DH group";
    case MIKEY_ERR_INVALID_ID:
      return "Invalid ID";
    case MIKEY_ERR_INVALID_CERT:
      return "Invalid certificate";
    case MIKEY_ERR_INVALID_SP:
      return "Invalid security policy";
    case MIKEY_ERR_INVALID_SPPAR:
      return "Invalid security policy parameter";
    case MIKEY_ERR_INVALID_DT:
      return "Invalid data type";
    case MIKEY_ERR_UNSPECIFIED:
      return "Unspecified error";
    default:
      return "unknown";
  }
}

gchar *
mikey_escape_peer_string (gconstpointer data, gssize len, gsize max)
{
  const guint8 *p = data;
  gsize n, i;
  GString *out;

  if (p == NULL)
    return g_strdup ("");
  n = len < 0 ? strlen (data) : (gsize) len;
  out = g_string_sized_new (MIN (n, 256) + 8);
  for (i = 0; i < n && (max == 0 || i < max); i++) {
    /* no terminal control (ESC, CR, LF, C1 as UTF-8), no fake quoting */
    if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
      g_string_append_c (out, (gchar) p[i]);
    else
      g_string_append_printf (out, "\\x%02x", p[i]);
  }
  if (i < n)
    g_string_append (out, "...");
  return g_string_free (out, FALSE);
}
