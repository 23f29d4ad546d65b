/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM HTTPS API: the strict JSON layer under the message codecs of
 * mmkm-api.c (a syntax check before json-glib sees the bytes, duplicate
 * keys, typed and bounded field readers), strict base64, session tokens
 * and the error codes. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "mikey-base64.h"
#include "mmkm-api-private.h"
#include "mmkm-error.h"

/* ---- strict syntax ----
 * json-glib is lenient where a protocol must not be (single quotes,
 * leading zeros, integers that silently wrap to -1, "\u0000" cutting a
 * string short, unlimited nesting that overflows the stack), so the body
 * first goes through this RFC 8259 recogniser. It builds nothing. */

typedef struct
{
  const guchar *p, *end;
  guint depth;
  const gchar *why;
} Lex;

static gboolean lex_value (Lex * l);

static void
lex_ws (Lex * l)
{
  while (l->p < l->end && (*l->p == ' ' || *l->p == '\t' || *l->p == '\n'
          || *l->p == '\r'))
    l->p++;
}

static gboolean
lex_fail (Lex * l, const gchar * why)
{
  l->why = why;
  return FALSE;
}

static gboolean
lex_hex4 (Lex * l, guint * out)
{
  guint i, v = 0;

  if (l->end - l->p < 4)
    return lex_fail (l, "a \\u escape needs four hex digits");
  for (i = 0; i < 4; i++) {
    gint d = g_ascii_xdigit_value (l->p[i]);
    if (d < 0)
      return lex_fail (l, "a \\u escape needs four hex digits");
    v = v << 4 | (guint) d;
  }
  l->p += 4;
  *out = v;
  return TRUE;
}

static gboolean
lex_string (Lex * l)
{
  l->p++;
  while (l->p < l->end) {
    guchar c = *l->p++;
    guint u, lo;

    if (c == '"')
      return TRUE;
    if (c < 0x20)
      return lex_fail (l, "a string holds a control character");
    if (c != '\\')
      continue;
    if (l->p >= l->end)
      break;
    switch (*l->p++) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        break;
      case 'u':
        if (!lex_hex4 (l, &u))
          return FALSE;
        if (u == 0)
          return lex_fail (l, "a string holds \\u0000");
        if (u >= 0xdc00 && u <= 0xdfff)
          return lex_fail (l, "a string holds a lone low surrogate");
        if (u >= 0xd800 && u <= 0xdbff) {
          if (l->end - l->p < 2 || l->p[0] != '\\' || l->p[1] != 'u')
            return lex_fail (l, "a string holds a lone high surrogate");
          l->p += 2;
          if (!lex_hex4 (l, &lo))
            return FALSE;
          if (lo < 0xdc00 || lo > 0xdfff)
            return lex_fail (l, "a string holds a lone high surrogate");
        }
        break;
      default:
        return lex_fail (l, "a string holds an unknown escape");
    }
  }
  return lex_fail (l, "a string is not terminated");
}

static gboolean
lex_digits (Lex * l, guint * n)
{
  const guchar *start = l->p;

  while (l->p < l->end && g_ascii_isdigit (*l->p))
    l->p++;
  *n = l->p - start;
  return *n > 0;
}

static gboolean
lex_number (Lex * l)
{
  guint n;

  if (*l->p == '-')
    l->p++;
  if (l->p < l->end && *l->p == '0' && l->end - l->p > 1
      && g_ascii_isdigit (l->p[1]))
    return lex_fail (l, "a number has a leading zero");
  if (!lex_digits (l, &n))
    return lex_fail (l, "a number is malformed");
  /* json-glib wraps larger integers to -1 without a word */
  if (n > 16)
    return lex_fail (l, "a number is larger than 2^53");
  if (l->p < l->end && *l->p == '.') {
    l->p++;
    if (!lex_digits (l, &n))
      return lex_fail (l, "a number is malformed");
  }
  if (l->p < l->end && (*l->p == 'e' || *l->p == 'E')) {
    l->p++;
    if (l->p < l->end && (*l->p == '+' || *l->p == '-'))
      l->p++;
    if (!lex_digits (l, &n))
      return lex_fail (l, "a number is malformed");
  }
  return TRUE;
}

static gboolean
lex_word (Lex * l, const gchar * word)
{
  gsize n = strlen (word);

  if ((gsize) (l->end - l->p) < n || memcmp (l->p, word, n) != 0)
    return lex_fail (l, "unexpected characters");
  l->p += n;
  return TRUE;
}

static gboolean
lex_container (Lex * l, gboolean object)
{
  guchar close = object ? '}' : ']';

  if (++l->depth > MMKM_API_DEPTH_MAX)
    return lex_fail (l, "nested too deeply");
  l->p++;
  lex_ws (l);
  if (l->p < l->end && *l->p == close) {
    l->p++;
    l->depth--;
    return TRUE;
  }
  for (;;) {
    if (object) {
      if (l->p >= l->end || *l->p != '"')
        return lex_fail (l, "an object key is not a string");
      if (!lex_string (l))
        return FALSE;
      lex_ws (l);
      if (l->p >= l->end || *l->p != ':')
        return lex_fail (l, "an object key is not followed by ':'");
      l->p++;
      lex_ws (l);
    }
    if (!lex_value (l))
      return FALSE;
    lex_ws (l);
    if (l->p >= l->end)
      return lex_fail (l, "the body ends inside an object or array");
    if (*l->p == close) {
      l->p++;
      l->depth--;
      return TRUE;
    }
    if (*l->p != ',')
      return lex_fail (l, "',' expected between members or elements");
    l->p++;
    lex_ws (l);
  }
}

static gboolean
lex_value (Lex * l)
{
  if (l->p >= l->end)
    return lex_fail (l, "a value is missing");
  switch (*l->p) {
    case '{':
      return lex_container (l, TRUE);
    case '[':
      return lex_container (l, FALSE);
    case '"':
      return lex_string (l);
    case 't':
      return lex_word (l, "true");
    case 'f':
      return lex_word (l, "false");
    case 'n':
      return lex_word (l, "null");
    default:
      if (*l->p == '-' || g_ascii_isdigit (*l->p))
        return lex_number (l);
      return lex_fail (l, "unexpected characters");
  }
}

/* json-glib keeps the last of duplicate keys; we refuse them, so that no
 * two readers of one body can see different values */
static void
on_object_member (JsonParser * parser, JsonObject * object,
    const gchar * name, gpointer user_data)
{
  MmkmApiDoc *doc = user_data;
  guint n;

  n = GPOINTER_TO_UINT (g_hash_table_lookup (doc->members, object)) + 1;
  g_hash_table_insert (doc->members, object, GUINT_TO_POINTER (n));
  if (n != json_object_get_size (object))
    doc->duplicate = TRUE;
}

gboolean
mmkm_api_doc_parse (MmkmApiDoc * doc, const gchar * data, gsize len,
    gsize max, const gchar * what, GError ** error)
{
  Lex l = { 0 };
  GError *err = NULL;
  JsonNode *root;

  memset (doc, 0, sizeof (*doc));
  if (len > max) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_TOO_LARGE,
        "%s: the body is larger than %" G_GSIZE_FORMAT " bytes", what, max);
    return FALSE;
  }
  if (data == NULL && len > 0)
    goto bad_syntax;
  if (len == 0 || !g_utf8_validate_len (data, len, NULL)) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_BAD_REQUEST,
        "%s: the body is not UTF-8 JSON", what);
    return FALSE;
  }
  l.p = (const guchar *) data;
  l.end = l.p + len;
  lex_ws (&l);
  if (l.p >= l.end || *l.p != '{') {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_BAD_REQUEST,
        "%s: the body is not a JSON object", what);
    return FALSE;
  }
  if (!lex_value (&l))
    goto bad_syntax;
  lex_ws (&l);
  if (l.p != l.end) {
    l.why = "characters after the object";
    goto bad_syntax;
  }

  doc->parser = json_parser_new_immutable ();
  doc->members = g_hash_table_new (NULL, NULL);
  g_signal_connect (doc->parser, "object-member",
      G_CALLBACK (on_object_member), doc);
  if (!json_parser_load_from_data (doc->parser, data, len, &err)) {
    /* the recogniser let through something json-glib refuses */
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_BAD_REQUEST,
        "%s: the body is not valid JSON", what);
    g_clear_error (&err);
    mmkm_api_doc_clear (doc);
    return FALSE;
  }
  if (doc->duplicate) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_BAD_REQUEST,
        "%s: the body has an object with a duplicate key", what);
    mmkm_api_doc_clear (doc);
    return FALSE;
  }
  root = json_parser_get_root (doc->parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_BAD_REQUEST,
        "%s: the body is not a JSON object", what);
    mmkm_api_doc_clear (doc);
    return FALSE;
  }
  doc->root = json_node_get_object (root);
  return TRUE;

bad_syntax:
  g_set_error (error, MMKM_ERROR, MMKM_ERROR_BAD_REQUEST,
      "%s: the body is not valid JSON (%s)", what, l.why ? l.why : "malformed");
  return FALSE;
}

void
mmkm_api_doc_clear (MmkmApiDoc * doc)
{
  g_clear_object (&doc->parser);
  g_clear_pointer (&doc->members, g_hash_table_unref);
  doc->root = NULL;
}

/* ---- typed fields ---- */

static void
field_error (GError ** error, const gchar * ctx, const gchar * name,
    const gchar * what)
{
  g_set_error (error, MMKM_ERROR, MMKM_ERROR_BAD_REQUEST,
      "field \"%s%s%s\" %s", ctx ? ctx : "", ctx && *ctx ? "." : "", name,
      what);
}

/* The member @name, or NULL when absent or null: an error if @required */
static JsonNode *
field (JsonObject * o, const gchar * ctx, const gchar * name,
    gboolean required, gboolean * ok, GError ** error)
{
  JsonNode *n = json_object_get_member (o, name);

  *ok = TRUE;
  if (n == NULL || JSON_NODE_HOLDS_NULL (n)) {
    if (required) {
      field_error (error, ctx, name, n ? "must not be null" : "is missing");
      *ok = FALSE;
    }
    return NULL;
  }
  return n;
}

static gboolean
string_ok (const gchar * s, MmkmApiStrKind kind, gsize max)
{
  gsize len = strlen (s), i;

  if (len == 0 || len > max)
    return FALSE;
  switch (kind) {
    case MMKM_API_STR_NAME:
      for (i = 0; i < len; i++)
        if (s[i] <= ' ' || s[i] > '~')
          return FALSE;
      return TRUE;
    case MMKM_API_STR_WORD:
      for (i = 0; i < len; i++)
        if (!g_ascii_isalnum (s[i]) && s[i] != '_' && s[i] != '-')
          return FALSE;
      return TRUE;
    case MMKM_API_STR_TEXT:
      /* C0, DEL and C1 controls: a title ends up in terminals and logs */
      if (!g_utf8_validate (s, len, NULL))
        return FALSE;
      for (; *s != '\0'; s = g_utf8_next_char (s))
        if (g_unichar_iscntrl (g_utf8_get_char (s)))
          return FALSE;
      return TRUE;
    case MMKM_API_STR_SECRET:
      return g_utf8_validate (s, len, NULL);
    case MMKM_API_STR_PEM:
      for (i = 0; i < len; i++)
        if ((s[i] < ' ' || s[i] > '~') && s[i] != '\n' && s[i] != '\r')
          return FALSE;
      return g_str_has_prefix (s, "-----BEGIN CERTIFICATE-----")
          && strstr (s, "-----END CERTIFICATE-----") != NULL;
  }
  return FALSE;
}

static const gchar *
kind_rule (MmkmApiStrKind kind)
{
  switch (kind) {
    case MMKM_API_STR_NAME:
      return "printable ASCII without spaces";
    case MMKM_API_STR_WORD:
      return "letters, digits, '_' and '-'";
    case MMKM_API_STR_TEXT:
      return "UTF-8 without control characters";
    case MMKM_API_STR_SECRET:
      return "UTF-8";
    case MMKM_API_STR_PEM:
      return "one PEM CERTIFICATE block";
  }
  return "";
}

gboolean
mmkm_api_get_str (JsonObject * o, const gchar * ctx, const gchar * name,
    MmkmApiStrKind kind, gsize max, gboolean required, gchar ** out,
    GError ** error)
{
  gboolean ok;
  JsonNode *n = field (o, ctx, name, required, &ok, error);
  const gchar *s;
  gchar *what;

  if (n == NULL)
    return ok;
  if (json_node_get_value_type (n) != G_TYPE_STRING) {
    field_error (error, ctx, name, "must be a string");
    return FALSE;
  }
  s = json_node_get_string (n);
  if (!string_ok (s, kind, max)) {
    what = g_strdup_printf ("must be 1 to %" G_GSIZE_FORMAT " bytes of %s",
        max, kind_rule (kind));
    field_error (error, ctx, name, what);
    g_free (what);
    return FALSE;
  }
  *out = g_strdup (s);
  return TRUE;
}

void
mmkm_api_wipe_member (JsonObject * o, const gchar * name)
{
  JsonNode *n = json_object_get_member (o, name);
  const gchar *s;

  if (n == NULL || json_node_get_value_type (n) != G_TYPE_STRING)
    return;
  s = json_node_get_string (n);
  /* the node owns its copy; wipe it before json-glib frees it */
  if (s != NULL)
    OPENSSL_cleanse ((gchar *) s, strlen (s));
}

gboolean
mmkm_api_get_bool (JsonObject * o, const gchar * ctx, const gchar * name,
    gboolean * out, GError ** error)
{
  gboolean ok;
  JsonNode *n = field (o, ctx, name, FALSE, &ok, error);

  *out = FALSE;
  if (n == NULL)
    return ok;
  if (json_node_get_value_type (n) != G_TYPE_BOOLEAN) {
    field_error (error, ctx, name, "must be true or false");
    return FALSE;
  }
  *out = json_node_get_boolean (n);
  return TRUE;
}

gboolean
mmkm_api_get_int (JsonObject * o, const gchar * ctx, const gchar * name,
    gint64 min, gint64 max, gboolean required, gint64 * out, GError ** error)
{
  gboolean ok;
  JsonNode *n = field (o, ctx, name, required, &ok, error);
  gint64 v;
  gchar *what;

  if (n == NULL)
    return ok;
  if (json_node_get_value_type (n) != G_TYPE_INT64) {
    field_error (error, ctx, name, "must be an integer");
    return FALSE;
  }
  v = json_node_get_int (n);
  if (v < min || v > max) {
    what = g_strdup_printf ("must be from %" G_GINT64_FORMAT " to %"
        G_GINT64_FORMAT, min, max);
    field_error (error, ctx, name, what);
    g_free (what);
    return FALSE;
  }
  *out = v;
  return TRUE;
}

gboolean
mmkm_api_get_hex (JsonObject * o, const gchar * ctx, const gchar * name,
    guint8 * out, gsize len, GError ** error)
{
  gboolean ok;
  JsonNode *n = field (o, ctx, name, TRUE, &ok, error);
  const gchar *s;
  gsize i;
  gchar *what;

  if (n == NULL)
    return FALSE;
  if (json_node_get_value_type (n) != G_TYPE_STRING)
    goto bad;
  s = json_node_get_string (n);
  if (strlen (s) != 2 * len)
    goto bad;
  for (i = 0; i < 2 * len; i++)
    if (!g_ascii_isxdigit (s[i]))
      goto bad;
  for (i = 0; i < len; i++)
    out[i] = g_ascii_xdigit_value (s[2 * i]) << 4
        | g_ascii_xdigit_value (s[2 * i + 1]);
  return TRUE;

bad:
  what = g_strdup_printf ("must be %" G_GSIZE_FORMAT " hex digits", 2 * len);
  field_error (error, ctx, name, what);
  g_free (what);
  return FALSE;
}

gchar *
mmkm_api_hex (const guint8 * data, gsize len)
{
  gchar *s = g_malloc (2 * len + 1);
  gsize i;

  for (i = 0; i < len; i++) {
    s[2 * i] = "0123456789abcdef"[data[i] >> 4];
    s[2 * i + 1] = "0123456789abcdef"[data[i] & 15];
  }
  s[2 * len] = '\0';
  return s;
}

gboolean
mmkm_api_get_fingerprint (JsonObject * o, const gchar * ctx,
    const gchar * name, guint8 out[MMKM_API_FINGERPRINT_LEN], GError ** error)
{
  gboolean ok;
  JsonNode *n = field (o, ctx, name, TRUE, &ok, error);
  const gchar *s;
  gsize i, k = 0;
  gint hi = -1;

  if (n == NULL)
    return FALSE;
  if (json_node_get_value_type (n) != G_TYPE_STRING)
    goto bad;
  /* "AB:01:..." as openssl prints it, any case, colons optional */
  s = json_node_get_string (n);
  for (i = 0; s[i] != '\0'; i++) {
    gint d;

    if (s[i] == ':' && hi < 0 && k > 0 && s[i - 1] != ':')
      continue;
    d = g_ascii_xdigit_value (s[i]);
    if (d < 0 || k >= MMKM_API_FINGERPRINT_LEN)
      goto bad;
    if (hi < 0) {
      hi = d;
    } else {
      out[k++] = hi << 4 | d;
      hi = -1;
    }
  }
  if (k == MMKM_API_FINGERPRINT_LEN && hi < 0 && s[i - 1] != ':')
    return TRUE;

bad:
  field_error (error, ctx, name, "must be a SHA-256 fingerprint (32 bytes "
      "in hex, colons optional)");
  return FALSE;
}

gboolean
mmkm_api_get_base64 (JsonObject * o, const gchar * ctx, const gchar * name,
    gsize max, GBytes ** out, GError ** error)
{
  gboolean ok;
  JsonNode *n = field (o, ctx, name, TRUE, &ok, error);
  GBytes *b;
  gchar *what;

  if (n == NULL)
    return FALSE;
  if (json_node_get_value_type (n) != G_TYPE_STRING
      || (b = mmkm_api_base64_decode (json_node_get_string (n), max,
              NULL)) == NULL) {
    what = g_strdup_printf ("must be 1 to %" G_GSIZE_FORMAT
        " bytes in padded base64", max);
    field_error (error, ctx, name, what);
    g_free (what);
    return FALSE;
  }
  *out = b;
  return TRUE;
}

gboolean
mmkm_api_get_enum (JsonObject * o, const gchar * ctx, const gchar * name,
    const gchar * const *names, guint n_names, guint * out, GError ** error)
{
  gboolean ok;
  JsonNode *n = field (o, ctx, name, TRUE, &ok, error);
  const gchar *s;
  guint i;

  if (n == NULL)
    return FALSE;
  if (json_node_get_value_type (n) == G_TYPE_STRING) {
    s = json_node_get_string (n);
    for (i = 0; i < n_names; i++) {
      if (strcmp (s, names[i]) == 0) {
        *out = i;
        return TRUE;
      }
    }
  }
  field_error (error, ctx, name, "is not one of the values it can take");
  return FALSE;
}

gboolean
mmkm_api_get_array (JsonObject * o, const gchar * ctx, const gchar * name,
    guint max, JsonArray ** out, GError ** error)
{
  gboolean ok;
  JsonNode *n = field (o, ctx, name, TRUE, &ok, error);
  gchar *what;

  if (n == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_ARRAY (n)) {
    field_error (error, ctx, name, "must be an array");
    return FALSE;
  }
  *out = json_node_get_array (n);
  if (json_array_get_length (*out) > max) {
    what = g_strdup_printf ("has more than %u elements", max);
    field_error (error, ctx, name, what);
    g_free (what);
    return FALSE;
  }
  return TRUE;
}

JsonObject *
mmkm_api_get_object (JsonObject * o, const gchar * ctx, const gchar * name,
    gboolean required, gboolean * ok, GError ** error)
{
  JsonNode *n = field (o, ctx, name, required, ok, error);

  if (n == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (n)) {
    field_error (error, ctx, name, "must be an object");
    *ok = FALSE;
    return NULL;
  }
  return json_node_get_object (n);
}

JsonObject *
mmkm_api_element_object (JsonArray * a, guint i, const gchar * ctx,
    const gchar * name, gchar ** elem_ctx, GError ** error)
{
  JsonNode *n = json_array_get_element (a, i);

  *elem_ctx = g_strdup_printf ("%s%s%s[%u]", ctx ? ctx : "",
      ctx && *ctx ? "." : "", name, i);
  if (!JSON_NODE_HOLDS_OBJECT (n)) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_BAD_REQUEST,
        "field \"%s\" must be an object", *elem_ctx);
    g_clear_pointer (elem_ctx, g_free);
    return NULL;
  }
  return json_node_get_object (n);
}

gchar *
mmkm_api_generate (JsonBuilder * b)
{
  JsonNode *root = json_builder_get_root (b);
  JsonGenerator *gen = json_generator_new ();
  gchar *s;

  json_generator_set_root (gen, root);
  s = json_generator_to_data (gen, NULL);
  g_object_unref (gen);
  json_node_unref (root);
  return s;
}

/* As mmkm_api_generate(), wiping @secret_member of the root object in the
 * tree before it is freed */
gchar *
mmkm_api_generate_secret (JsonBuilder * b, const gchar * secret_member)
{
  JsonNode *root = json_builder_get_root (b);
  JsonGenerator *gen = json_generator_new ();
  gchar *s;

  json_generator_set_root (gen, root);
  s = json_generator_to_data (gen, NULL);
  g_object_unref (gen);
  mmkm_api_wipe_member (json_node_get_object (root), secret_member);
  json_node_unref (root);
  return s;
}

void
mmkm_api_free_secret (gchar * s)
{
  if (s == NULL)
    return;
  OPENSSL_cleanse (s, strlen (s));
  g_free (s);
}

/* ---- strict base64 ---- */

GBytes *
mmkm_api_base64_decode (const gchar * text, gsize max, GError ** error)
{
  gsize len, body, out_len;
  guint8 *out;

  if (text == NULL)
    goto bad;
  len = strnlen (text, (max / 3 + 1) * 4 + 1);
  if (len == 0 || len % 4 != 0 || len > (max + 2) / 3 * 4)
    goto bad;
  body = len;
  if (text[body - 1] == '=')
    body--;
  if (text[body - 1] == '=')
    body--;
  if (len - body > 0 && body % 4 == 0)
    goto bad;
  out = g_malloc (body / 4 * 3 + 3);
  if (!mikey_base64_decode_canonical (text, body, MIKEY_BASE64_STANDARD, out,
          max, &out_len) || out_len == 0) {
    g_free (out);
    goto bad;
  }
  return g_bytes_new_take (out, out_len);

bad:
  g_set_error (error, MMKM_ERROR, MMKM_ERROR_BAD_REQUEST,
      "not 1 to %" G_GSIZE_FORMAT " bytes in strict padded base64", max);
  return NULL;
}

gchar *
mmkm_api_base64_encode (GBytes * bytes)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (bytes, &len);

  return g_base64_encode (d, len);
}

/* ---- session tokens ---- */

gboolean
mmkm_api_token_generate (guint8 token[MMKM_API_TOKEN_LEN], GError ** error)
{
  if (RAND_bytes (token, MMKM_API_TOKEN_LEN) != 1) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_CRYPTO,
        "the random number generator failed");
    return FALSE;
  }
  return TRUE;
}

gchar *
mmkm_api_token_to_string (const guint8 token[MMKM_API_TOKEN_LEN])
{
  gchar *s = g_base64_encode (token, MMKM_API_TOKEN_LEN);
  gchar *c;

  for (c = s; *c != '\0'; c++) {
    if (*c == '+')
      *c = '-';
    else if (*c == '/')
      *c = '_';
    else if (*c == '=')
      *c = '\0';
  }
  return s;
}

gboolean
mmkm_api_token_parse (const gchar * text, guint8 token[MMKM_API_TOKEN_LEN],
    GError ** error)
{
  guint8 out[MMKM_API_TOKEN_LEN + 3];
  gsize n;

  if (text == NULL || strnlen (text, 44) != 43
      || !mikey_base64_decode_canonical (text, 43, MIKEY_BASE64_URL, out,
          sizeof (out), &n)
      || n != MMKM_API_TOKEN_LEN) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_BAD_REQUEST,
        "a session token is 43 characters of unpadded base64url");
    OPENSSL_cleanse (out, sizeof (out));
    return FALSE;
  }
  memcpy (token, out, MMKM_API_TOKEN_LEN);
  OPENSSL_cleanse (out, sizeof (out));
  return TRUE;
}

gboolean
mmkm_api_bearer_parse (const gchar * header, guint8 token[MMKM_API_TOKEN_LEN],
    GError ** error)
{
  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_BAD_REQUEST,
        "the Authorization header is not \"Bearer <session token>\"");
    return FALSE;
  }
  return mmkm_api_token_parse (header + 7, token, error);
}

gboolean
mmkm_api_token_equal (const guint8 a[MMKM_API_TOKEN_LEN],
    const guint8 b[MMKM_API_TOKEN_LEN])
{
  return CRYPTO_memcmp (a, b, MMKM_API_TOKEN_LEN) == 0;
}

/* ---- query strings ---- */

/* A decimal integer of at most 16 digits, no sign, no leading zero */
static gboolean
parse_decimal (const gchar * s, guint64 max, guint64 * out)
{
  gsize len = s ? strlen (s) : 0, i;
  guint64 v = 0;

  if (len == 0 || len > 16 || (len > 1 && s[0] == '0'))
    return FALSE;
  for (i = 0; i < len; i++) {
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
    v = v * 10 + (guint64) (s[i] - '0');
  }
  if (v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

gboolean
mmkm_api_events_query_parse (const gchar * after, const gchar * timeout,
    guint64 * after_out, guint * timeout_out, GError ** error)
{
  guint64 a = 0, t = MMKM_API_EVENTS_TIMEOUT_DEFAULT;

  if (after != NULL && !parse_decimal (after, MMKM_API_INT_MAX, &a)) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_BAD_REQUEST,
        "parameter \"after\" must be an event number from 0 to 2^53");
    return FALSE;
  }
  if (timeout != NULL && !parse_decimal (timeout,
          MMKM_API_EVENTS_TIMEOUT_MAX, &t)) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_BAD_REQUEST,
        "parameter \"timeout\" must be from 0 to %d seconds",
        MMKM_API_EVENTS_TIMEOUT_MAX);
    return FALSE;
  }
  *after_out = a;
  *timeout_out = (guint) t;
  return TRUE;
}

/* ---- error codes ---- */

static const gchar *const error_names[] = {
  [MMKM_API_ERR_BAD_REQUEST] = "bad_request",
  [MMKM_API_ERR_UNAUTHORIZED] = "unauthorized",
  [MMKM_API_ERR_FORBIDDEN] = "forbidden",
  [MMKM_API_ERR_NOT_FOUND] = "not_found",
  [MMKM_API_ERR_CONFLICT] = "conflict",
  [MMKM_API_ERR_PAYLOAD_TOO_LARGE] = "payload_too_large",
  [MMKM_API_ERR_UNSUPPORTED_MEDIA_TYPE] = "unsupported_media_type",
  [MMKM_API_ERR_TOO_MANY_REQUESTS] = "too_many_requests",
  [MMKM_API_ERR_SERVER_ERROR] = "server_error",
};

static const guint error_status[] = {
  [MMKM_API_ERR_BAD_REQUEST] = 400,
  [MMKM_API_ERR_UNAUTHORIZED] = 401,
  [MMKM_API_ERR_FORBIDDEN] = 403,
  [MMKM_API_ERR_NOT_FOUND] = 404,
  [MMKM_API_ERR_CONFLICT] = 409,
  [MMKM_API_ERR_PAYLOAD_TOO_LARGE] = 413,
  [MMKM_API_ERR_UNSUPPORTED_MEDIA_TYPE] = 415,
  [MMKM_API_ERR_TOO_MANY_REQUESTS] = 429,
  [MMKM_API_ERR_SERVER_ERROR] = 500,
};

G_STATIC_ASSERT (G_N_ELEMENTS (error_names) == G_N_ELEMENTS (error_status));

const gchar *
mmkm_api_error_code_to_string (MmkmApiErrorCode code)
{
  g_return_val_if_fail (code < G_N_ELEMENTS (error_names), NULL);
  return error_names[code];
}

guint
mmkm_api_error_code_status (MmkmApiErrorCode code)
{
  g_return_val_if_fail (code < G_N_ELEMENTS (error_status), 500);
  return error_status[code];
}

gboolean
mmkm_api_error_code_from_string (const gchar * s, MmkmApiErrorCode * code)
{
  guint i;

  for (i = 0; s != NULL && i < G_N_ELEMENTS (error_names); i++) {
    if (strcmp (s, error_names[i]) == 0) {
      *code = i;
      return TRUE;
    }
  }
  return FALSE;
}

MmkmApiErrorCode
mmkm_api_error_code_for (const GError * error)
{
  if (error != NULL && error->domain == MMKM_ERROR
      && error->code == MMKM_ERROR_TOO_LARGE)
    return MMKM_API_ERR_PAYLOAD_TOO_LARGE;
  return MMKM_API_ERR_BAD_REQUEST;
}

const gchar *const *
mmkm_api_error_code_names (guint * n)
{
  *n = G_N_ELEMENTS (error_names);
  return error_names;
}
