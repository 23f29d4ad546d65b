/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM HTTPS API: the strict JSON layer shared by the codecs of
 * mmkm-api.c (mmkm-api-json.c). Library-internal. */
#pragma once

#include <json-glib/json-glib.h>

#include "mmkm-api.h"

G_BEGIN_DECLS

typedef struct
{
  JsonParser *parser;
  GHashTable *members;          /* JsonObject * -> members seen so far */
  gboolean duplicate;
  JsonObject *root;
} MmkmApiDoc;

typedef enum
{
  MMKM_API_STR_NAME,            /* printable ASCII without spaces */
  MMKM_API_STR_WORD,            /* [A-Za-z0-9_-] */
  MMKM_API_STR_TEXT,            /* UTF-8 without control characters */
  MMKM_API_STR_SECRET,          /* any UTF-8 (no NUL) */
  MMKM_API_STR_PEM,             /* ASCII lines of one CERTIFICATE block */
} MmkmApiStrKind;

gboolean mmkm_api_doc_parse (MmkmApiDoc * doc, const gchar * data, gsize len,
    gsize max, const gchar * what, GError ** error);
void mmkm_api_doc_clear (MmkmApiDoc * doc);

gboolean mmkm_api_get_str (JsonObject * o, const gchar * ctx,
    const gchar * name, MmkmApiStrKind kind, gsize max, gboolean required,
    gchar ** out, GError ** error);
/* an optional JSON true/false (absent or null: FALSE) */
gboolean mmkm_api_get_bool (JsonObject * o, const gchar * ctx,
    const gchar * name, gboolean * out, GError ** error);
gboolean mmkm_api_get_int (JsonObject * o, const gchar * ctx,
    const gchar * name, gint64 min, gint64 max, gboolean required,
    gint64 * out, GError ** error);
gboolean mmkm_api_get_hex (JsonObject * o, const gchar * ctx,
    const gchar * name, guint8 * out, gsize len, GError ** error);
gboolean mmkm_api_get_fingerprint (JsonObject * o, const gchar * ctx,
    const gchar * name, guint8 out[MMKM_API_FINGERPRINT_LEN],
    GError ** error);
gboolean mmkm_api_get_base64 (JsonObject * o, const gchar * ctx,
    const gchar * name, gsize max, GBytes ** out, GError ** error);
gboolean mmkm_api_get_enum (JsonObject * o, const gchar * ctx,
    const gchar * name, const gchar * const *names, guint n_names,
    guint * out, GError ** error);
gboolean mmkm_api_get_array (JsonObject * o, const gchar * ctx,
    const gchar * name, guint max, JsonArray ** out, GError ** error);
JsonObject *mmkm_api_get_object (JsonObject * o, const gchar * ctx,
    const gchar * name, gboolean required, gboolean * ok, GError ** error);
JsonObject *mmkm_api_element_object (JsonArray * a, guint i,
    const gchar * ctx, const gchar * name, gchar ** elem_ctx,
    GError ** error);
void mmkm_api_wipe_member (JsonObject * o, const gchar * name);

gchar *mmkm_api_hex (const guint8 * data, gsize len);
gchar *mmkm_api_base64_encode (GBytes * bytes);
gchar *mmkm_api_generate (JsonBuilder * b);
gchar *mmkm_api_generate_secret (JsonBuilder * b,
    const gchar * secret_member);
const gchar *const *mmkm_api_error_code_names (guint * n);

G_END_DECLS
