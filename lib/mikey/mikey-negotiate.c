/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Priority negotiation of method and crypto suite. */
#include "mikey-negotiate.h"

#include <string.h>

void
mikey_offer_add (MikeyMessage * msg, const MikeyOffer * offer)
{
  MikeyPayload *p = mikey_message_add (msg, mikey_payload_new
      (MIKEY_PT_GEN_EXT));
  GByteArray *b = g_byte_array_new ();
  guint8 v;
  guint i;

  p->u.gen_ext.ext_type = MIKEY_EXT_CAPABILITIES;
  v = MIKEY_CAPS_VERSION;
  g_byte_array_append (b, &v, 1);
  v = offer->has_choice ? MIKEY_CAPS_CHOICE : 0;
  g_byte_array_append (b, &v, 1);
  v = offer->n_modes;
  g_byte_array_append (b, &v, 1);
  for (i = 0; i < offer->n_modes; i++) {
    v = offer->modes[i];
    g_byte_array_append (b, &v, 1);
  }
  v = offer->n_suites;
  g_byte_array_append (b, &v, 1);
  for (i = 0; i < offer->n_suites; i++) {
    v = offer->suites[i];
    g_byte_array_append (b, &v, 1);
  }
  if (offer->has_choice) {
    g_byte_array_append (b, &offer->chosen_mode, 1);
    g_byte_array_append (b, &offer->chosen_suite, 1);
  }
  mikey_blob_set (&p->u.gen_ext.data, b->data, b->len);
  g_byte_array_unref (b);
}

static gboolean
bad_offer (GError ** error, const gchar * why)
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
    return bad_offer (error, "truncated list");
  n = d[(*pos)++];
  if (n > len - *pos)
    return bad_offer (error, "list longer than the payload");
  *n_out = 0;
  for (i = 0; i < n; i++) {
    guint8 v = d[(*pos)++];

    if (v < limit && *n_out < MIKEY_MAX_CHOICES)
      out[(*n_out)++] = v;
  }
  return TRUE;
}

gboolean
mikey_offer_find (const MikeyMessage * msg, MikeyOffer * offer, GError ** error)
{
  guint idx = 0, modes[MIKEY_MAX_CHOICES], suites[MIKEY_MAX_CHOICES], i;
  const MikeyPayload *p;
  const guint8 *d;
  gsize len, pos = 2;

  memset (offer, 0, sizeof (*offer));
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
    return bad_offer (error, "unknown version");
  if (!read_list (d, len, &pos, MIKEY_MODE_COUNT, modes, &offer->n_modes,
          error) ||
      !read_list (d, len, &pos, MIKEY_SUITE_COUNT, suites, &offer->n_suites,
          error))
    return FALSE;
  for (i = 0; i < offer->n_modes; i++)
    offer->modes[i] = modes[i];
  for (i = 0; i < offer->n_suites; i++)
    offer->suites[i] = suites[i];
  if (d[1] & MIKEY_CAPS_CHOICE) {
    if (len - pos != 2)
      return bad_offer (error, "choice must be two bytes");
    offer->has_choice = TRUE;
    offer->chosen_mode = d[pos];
    offer->chosen_suite = d[pos + 1];
  } else if (pos != len) {
    return bad_offer (error, "trailing bytes");
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
mikey_offer_choose (const MikeyOffer * ini, const MikeyOffer * resp,
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
mikey_offer_has_mode (const MikeyOffer * offer, MikeyMode mode)
{
  guint i;

  for (i = 0; i < offer->n_modes; i++) {
    if (offer->modes[i] == mode)
      return TRUE;
  }
  return FALSE;
}

gboolean
mikey_offer_has_suite (const MikeyOffer * offer, MikeySuite suite)
{
  guint i;

  for (i = 0; i < offer->n_suites; i++) {
    if (offer->suites[i] == suite)
      return TRUE;
  }
  return FALSE;
}

gchar *
mikey_mode_list_to_string (const MikeyMode * modes, guint n, const gchar * sep)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s", i ? sep : "",
        mikey_mode_name (modes[i]));
  return g_string_free (s, FALSE);
}

gchar *
mikey_suite_list_to_string (const MikeySuiteInfo * const *suites, guint n,
    const gchar * sep)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s", i ? sep : "", suites[i]->name);
  return g_string_free (s, FALSE);
}

gchar *
mikey_offer_suites_to_string (const MikeyOffer * offer, const gchar * sep)
{
  const MikeySuiteInfo *infos[MIKEY_MAX_CHOICES];
  guint i, n = 0;

  for (i = 0; i < offer->n_suites && n < MIKEY_MAX_CHOICES; i++) {
    const MikeySuiteInfo *info = mikey_suite_get (offer->suites[i]);

    if (info != NULL)
      infos[n++] = info;
  }
  return mikey_suite_list_to_string (infos, n, sep);
}

gchar *
mikey_offer_describe (const MikeyOffer * offer)
{
  gchar *modes = mikey_mode_list_to_string (offer->modes, offer->n_modes,
      ", ");
  gchar *suites = mikey_offer_suites_to_string (offer, ", ");
  gchar *text = g_strdup_printf ("methods %s; suites %s", modes, suites);

  g_free (modes);
  g_free (suites);
  return text;
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
