/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Priority negotiation of method and crypto suite. */
#include "mikey-negotiate.h"

#include <string.h>

void
mikey_caps_add (MikeyMessage * msg, const MikeyCaps * caps)
{
  MikeyPayload *p = mikey_message_add (msg, mikey_payload_new
      (MIKEY_PT_GEN_EXT));
  GByteArray *b = g_byte_array_new ();
  guint8 v;
  guint i;

  p->u.gen_ext.ext_type = MIKEY_EXT_CAPABILITIES;
  v = MIKEY_CAPS_VERSION;
  g_byte_array_append (b, &v, 1);
  v = caps->has_choice ? MIKEY_CAPS_CHOICE : 0;
  g_byte_array_append (b, &v, 1);
  v = caps->n_modes;
  g_byte_array_append (b, &v, 1);
  for (i = 0; i < caps->n_modes; i++) {
    v = caps->modes[i];
    g_byte_array_append (b, &v, 1);
  }
  v = caps->n_suites;
  g_byte_array_append (b, &v, 1);
  for (i = 0; i < caps->n_suites; i++) {
    v = caps->suites[i];
    g_byte_array_append (b, &v, 1);
  }
  if (caps->has_choice) {
    g_byte_array_append (b, &caps->chosen_mode, 1);
    g_byte_array_append (b, &caps->chosen_suite, 1);
  }
  mikey_blob_set (&p->u.gen_ext.data, b->data, b->len);
  g_byte_array_unref (b);
}

static gboolean
bad_caps (GError ** error, const gchar * why)
{
  g_set_error (error, MIKEY_ERROR, MIKEY_ERROR_INVALID,
      "capabilities extension: %s", why);
  return FALSE;
}

/* Reads a count and that many values below @limit; unknown values (a newer
 * peer's modes or suites) are skipped, they can never be common. */
static gboolean
read_list (const guint8 * d, gsize len, gsize * pos, guint limit,
    guint * out, guint * n_out, GError ** error)
{
  guint n, i;

  if (*pos >= len)
    return bad_caps (error, "truncated list");
  n = d[(*pos)++];
  if (n > len - *pos)
    return bad_caps (error, "list longer than the payload");
  *n_out = 0;
  for (i = 0; i < n; i++) {
    guint8 v = d[(*pos)++];

    if (v < limit && *n_out < MIKEY_MAX_CHOICES)
      out[(*n_out)++] = v;
  }
  return TRUE;
}

gboolean
mikey_caps_find (const MikeyMessage * msg, MikeyCaps * caps, GError ** error)
{
  guint idx = 0, modes[MIKEY_MAX_CHOICES], suites[MIKEY_MAX_CHOICES], i;
  const MikeyPayload *p;
  const guint8 *d;
  gsize len, pos = 2;

  memset (caps, 0, sizeof (*caps));
  for (;; idx++) {
    p = mikey_message_find (msg, MIKEY_PT_GEN_EXT, &idx);
    if (p == NULL)
      return FALSE;
    if (p->u.gen_ext.ext_type == MIKEY_EXT_CAPABILITIES)
      break;
  }
  d = p->u.gen_ext.data.data;
  len = p->u.gen_ext.data.len;
  if (len < 2 || d[0] != MIKEY_CAPS_VERSION)
    return bad_caps (error, "unknown version");
  if (!read_list (d, len, &pos, MIKEY_MODE_COUNT, modes, &caps->n_modes,
          error) ||
      !read_list (d, len, &pos, MIKEY_SUITE_COUNT, suites, &caps->n_suites,
          error))
    return FALSE;
  for (i = 0; i < caps->n_modes; i++)
    caps->modes[i] = modes[i];
  for (i = 0; i < caps->n_suites; i++)
    caps->suites[i] = suites[i];
  if (d[1] & MIKEY_CAPS_CHOICE) {
    if (len - pos != 2)
      return bad_caps (error, "choice must be two bytes");
    caps->has_choice = TRUE;
    caps->chosen_mode = d[pos];
    caps->chosen_suite = d[pos + 1];
  } else if (pos != len) {
    return bad_caps (error, "trailing bytes");
  }
  return TRUE;
}

static gint
rank_of (const guint * list, guint n, guint v)
{
  guint i;

  for (i = 0; i < n; i++) {
    if (list[i] == v)
      return i;
  }
  return -1;
}

/* Lowest rank sum of the values common to both lists; scanning the
 * initiator's list in order and keeping only strictly better sums makes
 * ties go to the initiator's order. */
static gint
best_common (const guint * ini, guint n_ini, const guint * resp, guint n_resp,
    gboolean (*usable) (guint))
{
  gint best = -1, best_sum = G_MAXINT;
  guint i;

  for (i = 0; i < n_ini; i++) {
    gint r = rank_of (resp, n_resp, ini[i]);

    if (r < 0 || (usable && !usable (ini[i])))
      continue;
    if ((gint) i + r < best_sum) {
      best_sum = i + r;
      best = ini[i];
    }
  }
  return best;
}

static gboolean
suite_usable (guint suite)
{
  return mikey_suite_get (suite)->engine_supported;
}

gboolean
mikey_caps_choose (const MikeyCaps * ini, const MikeyCaps * resp,
    MikeyMode * mode, MikeySuite * suite)
{
  guint a[MIKEY_MAX_CHOICES], b[MIKEY_MAX_CHOICES], i;
  gint m, s;

  for (i = 0; i < ini->n_modes; i++)
    a[i] = ini->modes[i];
  for (i = 0; i < resp->n_modes; i++)
    b[i] = resp->modes[i];
  m = best_common (a, ini->n_modes, b, resp->n_modes, NULL);

  for (i = 0; i < ini->n_suites; i++)
    a[i] = ini->suites[i];
  for (i = 0; i < resp->n_suites; i++)
    b[i] = resp->suites[i];
  s = best_common (a, ini->n_suites, b, resp->n_suites, suite_usable);

  if (m < 0 || s < 0)
    return FALSE;
  *mode = m;
  *suite = s;
  return TRUE;
}

gboolean
mikey_caps_has_mode (const MikeyCaps * caps, MikeyMode mode)
{
  guint i;

  for (i = 0; i < caps->n_modes; i++) {
    if (caps->modes[i] == mode)
      return TRUE;
  }
  return FALSE;
}

gboolean
mikey_caps_has_suite (const MikeyCaps * caps, MikeySuite suite)
{
  guint i;

  for (i = 0; i < caps->n_suites; i++) {
    if (caps->suites[i] == suite)
      return TRUE;
  }
  return FALSE;
}

gchar *
mikey_caps_describe (const MikeyCaps * caps)
{
  GString *s = g_string_new ("methods ");
  guint i;

  for (i = 0; i < caps->n_modes; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "",
        mikey_mode_name (caps->modes[i]));
  g_string_append (s, "; suites ");
  for (i = 0; i < caps->n_suites; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "",
        mikey_suite_get (caps->suites[i])->name);
  return g_string_free (s, FALSE);
}

/* Shared walk over a comma-separated list; @lookup maps a name to a value
 * (FALSE: unknown). Values are compared to find duplicates. */
static MikeyListResult
list_parse (const gchar * text, gboolean (*lookup) (const gchar *,
        gpointer *), gpointer * out, guint * n, gchar ** bad)
{
  gchar **items = g_strsplit (text ? text : "", ",", -1);
  MikeyListResult res = MIKEY_LIST_OK;
  guint i, j;

  *n = 0;
  *bad = NULL;
  for (i = 0; res == MIKEY_LIST_OK && items[i] != NULL; i++) {
    const gchar *name = g_strstrip (items[i]);
    gpointer v;

    if (name[0] == '\0')
      continue;
    if (!lookup (name, &v))
      res = MIKEY_LIST_UNKNOWN;
    for (j = 0; res == MIKEY_LIST_OK && j < *n; j++) {
      if (out[j] == v)
        res = MIKEY_LIST_DUPLICATE;
    }
    if (res == MIKEY_LIST_OK && *n == MIKEY_MAX_CHOICES)
      res = MIKEY_LIST_TOO_MANY;
    if (res == MIKEY_LIST_OK)
      out[(*n)++] = v;
    else if (res != MIKEY_LIST_TOO_MANY)
      *bad = g_strdup (name);
  }
  g_strfreev (items);
  if (res == MIKEY_LIST_OK && *n == 0)
    res = MIKEY_LIST_EMPTY;
  return res;
}

static gboolean
mode_lookup (const gchar * name, gpointer * v)
{
  MikeyMode m;

  if (!mikey_mode_from_name (name, &m))
    return FALSE;
  *v = GUINT_TO_POINTER (m + 1);
  return TRUE;
}

static gboolean
suite_lookup (const gchar * name, gpointer * v)
{
  *v = (gpointer) mikey_suite_lookup (name);
  return *v != NULL;
}

MikeyListResult
mikey_mode_list_parse (const gchar * text, MikeyMode modes[MIKEY_MAX_CHOICES],
    guint * n_modes, gchar ** bad)
{
  gpointer v[MIKEY_MAX_CHOICES];
  MikeyListResult res = list_parse (text, mode_lookup, v, n_modes, bad);
  guint i;

  for (i = 0; i < *n_modes; i++)
    modes[i] = GPOINTER_TO_UINT (v[i]) - 1;
  return res;
}

MikeyListResult
mikey_suite_list_parse (const gchar * text,
    const MikeySuiteInfo * suites[MIKEY_MAX_CHOICES], guint * n_suites,
    gchar ** bad)
{
  return list_parse (text, suite_lookup, (gpointer *) suites, n_suites, bad);
}
