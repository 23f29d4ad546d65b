/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The admin API's request body, on the strict JSON layer of
 * mmkm-api-json.c: every member optional here, each checked as strictly
 * as the public API's. Unknown members are ignored as everywhere in the
 * API; each command requires its own members and refuses the others of
 * these four, so a misspelt member still gets a 400. */
#include <string.h>

#include "mmkm-api-admin.h"
#include "mmkm-api-private.h"
#include "mmkm-error.h"

static const gchar *const role_names[] = { "listener", "sender", "admin" };

const gchar *
mmkm_api_role_to_string (MmkmApiRole role)
{
  return (guint) role < G_N_ELEMENTS (role_names) ? role_names[role] : NULL;
}

gboolean
mmkm_api_role_from_string (const gchar * s, MmkmApiRole * role)
{
  guint i;

  for (i = 0; s && i < G_N_ELEMENTS (role_names); i++)
    if (strcmp (s, role_names[i]) == 0) {
      *role = (MmkmApiRole) i;
      return TRUE;
    }
  return FALSE;
}

/* absent and null are the same, as for the optional members elsewhere */
static gboolean
present (JsonObject * o, const gchar * name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n != NULL && !JSON_NODE_HOLDS_NULL (n);
}

gchar *
mmkm_api_admin_request_to_json (const MmkmApiAdminRequest * m)
{
  JsonBuilder *b = json_builder_new_immutable ();
  gchar *s;

  json_builder_begin_object (b);
  if (m->user) {
    json_builder_set_member_name (b, "user");
    json_builder_add_string_value (b, m->user);
  }
  if (m->has_role) {
    json_builder_set_member_name (b, "role");
    json_builder_add_string_value (b, role_names[m->role]);
  }
  if (m->password) {
    json_builder_set_member_name (b, "password");
    json_builder_add_string_value (b, m->password);
  }
  if (m->has_device) {
    GString *fp = g_string_sized_new (3 * MMKM_API_FINGERPRINT_LEN);
    guint i;

    for (i = 0; i < MMKM_API_FINGERPRINT_LEN; i++)
      g_string_append_printf (fp, "%s%02X", i ? ":" : "", m->device[i]);
    json_builder_set_member_name (b, "device");
    json_builder_add_string_value (b, fp->str);
    g_string_free (fp, TRUE);
  }
  if (m->has_entry) {
    json_builder_set_member_name (b, "entry");
    json_builder_add_int_value (b, m->entry);
  }
  json_builder_end_object (b);
  s = m->password ? mmkm_api_generate_secret (b, "password") :
      mmkm_api_generate (b);
  g_object_unref (b);
  return s;
}

gboolean
mmkm_api_admin_request_from_json (const gchar * data, gsize len,
    MmkmApiAdminRequest * out, GError ** error)
{
  MmkmApiDoc doc;
  MmkmApiAdminRequest m = { 0 };
  guint role = 0;
  gboolean ok = TRUE;
  JsonObject *o;

  if (!mmkm_api_doc_parse (&doc, data, len, MMKM_API_BODY_MAX,
          "admin request", error))
    return FALSE;
  o = doc.root;
  ok = mmkm_api_get_str (o, NULL, "user", MMKM_API_STR_NAME,
      MMKM_API_USER_MAX, FALSE, &m.user, error)
      && mmkm_api_get_str (o, NULL, "password", MMKM_API_STR_SECRET,
      MMKM_API_PASSWORD_MAX, FALSE, &m.password, error);
  if (ok && present (o, "role")) {
    ok = mmkm_api_get_enum (o, NULL, "role", role_names,
        G_N_ELEMENTS (role_names), &role, error);
    m.has_role = ok;
    m.role = (MmkmApiRole) role;
  }
  if (ok && present (o, "device")) {
    ok = mmkm_api_get_fingerprint (o, NULL, "device", m.device, error);
    m.has_device = ok;
  }
  if (ok && present (o, "entry")) {
    ok = mmkm_api_get_int (o, NULL, "entry", 1, MMKM_API_INT_MAX, TRUE,
        &m.entry, error);
    m.has_entry = ok;
  }
  mmkm_api_wipe_member (o, "password");
  mmkm_api_doc_clear (&doc);
  if (!ok) {
    mmkm_api_admin_request_clear (&m);
    return FALSE;
  }
  *out = m;
  return TRUE;
}

void
mmkm_api_admin_request_clear (MmkmApiAdminRequest * m)
{
  g_free (m->user);
  mmkm_api_free_secret (m->password);
  memset (m, 0, sizeof (*m));
}
