/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MMKM HTTPS API codecs (lib/mmkm/mmkm-api.h): the doc's examples parse
 * and appear verbatim in docs/mmkm-protocol.md; every message round-trips;
 * every required field missing, every field of a wrong type, over-long
 * strings, invalid UTF-8, bodies over their limit, hostile numbers and
 * hostile JSON are refused with MMKM_ERROR and a sentence naming the
 * field; strict base64, session tokens, query parameters, error codes. */
#include <string.h>

#include <gst/check/gstcheck.h>
#include <json-glib/json-glib.h>

#include "mmkm-api.h"
#include "mmkm-error.h"

static const gchar *const optional_fields[] = {
  "expiry_us", "reason", "retry_after", "resets_at_us", "now_playing", "gap",
};

static gchar *
data_path (const gchar * name)
{
  return g_build_filename (g_getenv ("MIKEY_TEST_DATA"), "mmkm-api", name,
      NULL);
}

static const MmkmApiCodec *
codec_for (const gchar * file)
{
  const MmkmApiCodec *c;
  guint n, i;

  c = mmkm_api_codecs (&n);
  for (i = 0; i < n; i++) {
    gsize l = strlen (c[i].name);
    if (strncmp (file, c[i].name, l) == 0 && (strcmp (file + l, ".json") == 0
            || file[l] == '-'))
      return &c[i];
  }
  return NULL;
}

/* The example files, sorted */
static GPtrArray *
examples (void)
{
  gchar *dir = data_path (NULL);
  GDir *d = g_dir_open (dir, 0, NULL);
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;

  fail_unless (d != NULL);
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".json"))
      g_ptr_array_add (files, g_strdup (name));
  g_dir_close (d);
  g_free (dir);
  g_ptr_array_sort (files, (GCompareFunc) g_strcmp0);
  return files;
}

static gchar *
read_example (const gchar * file, gsize * len)
{
  gchar *path = data_path (file), *text = NULL;

  fail_unless (g_file_get_contents (path, &text, len, NULL), "%s", path);
  g_free (path);
  return text;
}

/* Parses @body with @c: returns the canonical re-encoding, or NULL with
 * @error set */
static gchar *
parse (const MmkmApiCodec * c, const gchar * body, gsize len, GError ** error)
{
  gpointer msg = g_malloc0 (c->size);
  gchar *out = NULL;

  if (c->from_json (body, len, msg, error)) {
    out = c->to_json (msg);
    c->clear (msg);
  }
  g_free (msg);
  return out;
}

static void
expect_refused (const MmkmApiCodec * c, const gchar * body, gint code,
    const gchar * field)
{
  GError *err = NULL;
  gchar *out = parse (c, body, strlen (body), &err);

  fail_unless (out == NULL, "%s took %.80s", c->name, body);
  fail_unless (err != NULL && err->domain == MMKM_ERROR
      && err->code == code, "%.80s: %s", body, err ? err->message : "-");
  if (field != NULL)
    fail_unless (strstr (err->message, field) != NULL, "'%s' lacks '%s'",
        err->message, field);
  g_error_free (err);
}

static void
expect_ok (const MmkmApiCodec * c, const gchar * body)
{
  GError *err = NULL;
  gchar *out = parse (c, body, strlen (body), &err);

  fail_unless (out != NULL, "%s refused %.80s: %s", c->name, body,
      err ? err->message : "-");
  g_free (out);
}

GST_START_TEST (test_examples)
{
  GPtrArray *files = examples ();
  gchar *doc_path = g_build_filename (g_getenv ("MIKEY_TEST_DATA"), "..",
      "..", "..", "docs", "mmkm-protocol.md", NULL);
  gchar *doc;
  const MmkmApiCodec *codecs;
  guint n_codecs, i, j;
  gboolean *seen;

  fail_unless (g_file_get_contents (doc_path, &doc, NULL, NULL));
  codecs = mmkm_api_codecs (&n_codecs);
  seen = g_new0 (gboolean, n_codecs);
  fail_unless (files->len >= n_codecs);
  for (i = 0; i < files->len; i++) {
    const gchar *file = g_ptr_array_index (files, i);
    const MmkmApiCodec *c = codec_for (file);
    gsize len;
    gchar *body = read_example (file, &len), *once, *twice, *fenced;
    gchar *seed, *seed_path;
    GError *err = NULL;

    fail_unless (c != NULL, "no codec for %s", file);
    seen[c - codecs] = TRUE;
    once = parse (c, body, len, &err);
    fail_unless (once != NULL, "%s: %s", file, err ? err->message : "");
    /* the encoding is a fixed point */
    twice = parse (c, once, strlen (once), NULL);
    fail_unless (twice != NULL && strcmp (once, twice) == 0, "%s", file);
    /* the doc shows it verbatim, named */
    fenced = g_strdup_printf ("`%s`:\n\n```json\n%s```", file, body);
    fail_unless (strstr (doc, fenced) != NULL, "%s not in the doc", file);
    g_free (fenced);
    /* and seeds fuzz-api as it is */
    seed_path = g_build_filename (g_getenv ("MIKEY_TEST_DATA"), "..", "..",
        "..", "fuzz", "corpus-api", file, NULL);
    fail_unless (g_file_get_contents (seed_path, &seed, NULL, NULL),
        "%s is not in fuzz/corpus-api", file);
    fail_unless (strcmp (seed, body) == 0, "fuzz/corpus-api/%s differs", file);
    g_free (seed);
    g_free (seed_path);
    g_free (once);
    g_free (twice);
    g_free (body);
  }
  for (j = 0; j < n_codecs; j++)
    fail_unless (seen[j], "no example for %s", codecs[j].name);
  g_free (seen);
  g_free (doc);
  g_free (doc_path);
  g_ptr_array_unref (files);
}

GST_END_TEST;

/* The examples decode to what the doc says they hold, optional fields
 * included (a fixed point alone would not see one dropped both ways) */
GST_START_TEST (test_example_values)
{
  MmkmApiQueue q;
  MmkmApiSongList sl;
  MmkmApiTeks t;
  MmkmApiEvents ev;
  MmkmApiError er;
  MmkmApiLoginRequest lr;
  MmkmApiLoginResponse lresp;
  gchar *body;
  gsize len;

  body = read_example ("queue.json", &len);
  fail_unless (mmkm_api_queue_from_json (body, len, &q, NULL));
  fail_unless (q.playing && q.now_playing.entry == 16);
  fail_unless (q.now_playing.song == 1);
  fail_unless (strcmp (q.now_playing.requested_by, "bob") == 0);
  fail_unless (q.n_entries == 1 && q.entries[0].entry == 17);
  fail_unless (q.entries[0].requested_at ==
      G_GINT64_CONSTANT (1795000400000000));
  mmkm_api_queue_clear (&q);
  g_free (body);

  body = read_example ("songs.json", &len);
  fail_unless (mmkm_api_song_list_from_json (body, len, &sl, NULL));
  fail_unless (sl.n_songs == 2);
  fail_unless (strcmp (sl.songs[0].title, "Gymnop\xc3\xa9" "die No. 1") == 0);
  fail_unless (sl.songs[0].duration_ms == 185000);
  fail_unless (sl.songs[1].rate == 48000 && sl.songs[1].channels == 2);
  fail_unless (sl.songs[1].id == 2);
  mmkm_api_song_list_clear (&sl);
  g_free (body);

  body = read_example ("teks.json", &len);
  fail_unless (mmkm_api_teks_from_json (body, len, &t, NULL));
  fail_unless (t.n_teks == 2 && t.teks[0].mki == 0x2a);
  fail_unless (t.teks[0].expiry == G_GINT64_CONSTANT (1795086400000000));
  fail_unless (t.teks[1].mki == 0x2b && t.teks[1].expiry == 0);
  fail_unless (g_bytes_get_size (t.teks[0].mikey) == 180);
  fail_unless (t.next_fetch == G_GINT64_CONSTANT (1795084123456789));
  mmkm_api_teks_clear (&t);
  g_free (body);

  body = read_example ("events.json", &len);
  fail_unless (mmkm_api_events_from_json (body, len, &ev, NULL));
  fail_unless (ev.n_events == 5 && ev.last == 45);
  fail_unless (ev.events[1].type == MMKM_API_EVENT_LEFT);
  fail_unless (strcmp (ev.events[1].reason, "bye") == 0);
  fail_unless (ev.events[0].reason == NULL);
  fail_unless (ev.events[2].type == MMKM_API_EVENT_TEK);
  fail_unless (ev.events[2].mki == 0x2c);
  fail_unless (ev.events[4].type == MMKM_API_EVENT_SONGS);
  mmkm_api_events_clear (&ev);
  g_free (body);

  body = read_example ("error-request-limit.json", &len);
  fail_unless (mmkm_api_error_from_json (body, len, &er, NULL));
  fail_unless (er.code == MMKM_API_ERR_TOO_MANY_REQUESTS);
  fail_unless (strcmp (er.reason, "request_limit") == 0);
  fail_unless (er.retry_after == 1260);
  fail_unless (er.resets_at == G_GINT64_CONSTANT (1795001660000000));
  mmkm_api_error_clear (&er);
  g_free (body);

  body = read_example ("login-request.json", &len);
  fail_unless (mmkm_api_login_request_from_json (body, len, &lr, NULL));
  fail_unless (strcmp (lr.password, "correct horse battery staple") == 0);
  fail_unless (strcmp (lr.group, "lounge") == 0);
  fail_unless (lr.fingerprint[0] != 0 || lr.fingerprint[1] != 0);
  mmkm_api_login_request_clear (&lr);
  g_free (body);

  body = read_example ("login-response.json", &len);
  fail_unless (mmkm_api_login_response_from_json (body, len, &lresp, NULL));
  fail_unless (lresp.session_id[0] == 0xa0 && lresp.session_id[15] == 0xaf);
  fail_unless (lresp.token[0] == 0x40 && lresp.token[31] == 0x5f);
  fail_unless (lresp.heartbeat_port == 7700);
  fail_unless (lresp.heartbeat_interval_ms == 10000);
  fail_unless (lresp.allowed_misses == 6 && lresp.group_id == 7);
  fail_unless (lresp.role == MMKM_API_ROLE_LISTENER);
  fail_unless (lresp.requests_per_period == 3);
  mmkm_api_login_response_clear (&lresp);
  g_free (body);
}

GST_END_TEST;

/* ---- mutations of the examples: every member of every object ---- */

typedef void (*Mutate) (const MmkmApiCodec * c, JsonNode * root,
    JsonObject * o, const gchar * member, const gchar * file);

static gchar *
to_string (JsonNode * root)
{
  JsonGenerator *g = json_generator_new ();
  gchar *s;

  json_generator_set_root (g, root);
  s = json_generator_to_data (g, NULL);
  g_object_unref (g);
  return s;
}

static void
walk (const MmkmApiCodec * c, JsonNode * root, JsonNode * node,
    Mutate mutate, const gchar * file)
{
  if (JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *a = json_node_get_array (node);
    guint i;

    for (i = 0; i < json_array_get_length (a); i++)
      walk (c, root, json_array_get_element (a, i), mutate, file);
  } else if (JSON_NODE_HOLDS_OBJECT (node)) {
    JsonObject *o = json_node_get_object (node);
    GList *names = json_object_get_members (o), *l;

    for (l = names; l != NULL; l = l->next) {
      gchar *name = g_strdup (l->data);

      /* each mutation puts the member back as it was */
      mutate (c, root, o, name, file);
      walk (c, root, json_object_get_member (o, name), mutate, file);
      g_free (name);
    }
    g_list_free (names);
  }
}

static void
for_each_example (Mutate mutate)
{
  GPtrArray *files = examples ();
  guint i;

  for (i = 0; i < files->len; i++) {
    const gchar *file = g_ptr_array_index (files, i);
    gsize len;
    gchar *body = read_example (file, &len);
    JsonNode *root = json_from_string (body, NULL);

    fail_unless (root != NULL);
    walk (codec_for (file), root, root, mutate, file);
    json_node_unref (root);
    g_free (body);
  }
  g_ptr_array_unref (files);
}

static gboolean
is_optional (const gchar * member)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (optional_fields); i++)
    if (strcmp (member, optional_fields[i]) == 0)
      return TRUE;
  return FALSE;
}

/* the admin request's members are each optional: the command picks */
static gboolean
is_optional_in (const MmkmApiCodec * c, const gchar * member)
{
  return strcmp (c->name, "admin-request") == 0 || is_optional (member);
}

static void
try_body (const MmkmApiCodec * c, JsonNode * root, gboolean want_ok,
    const gchar * member, const gchar * what, const gchar * file)
{
  gchar *body = to_string (root);
  GError *err = NULL;
  gchar *out = parse (c, body, strlen (body), &err);

  if (want_ok) {
    fail_unless (out != NULL, "%s: %s %s refused: %s", file, what, member,
        err ? err->message : "");
  } else {
    fail_unless (out == NULL, "%s: %s %s taken", file, what, member);
    fail_unless (err->domain == MMKM_ERROR
        && err->code == MMKM_ERROR_BAD_REQUEST);
    /* the sentence names the field */
    fail_unless (strstr (err->message, member) != NULL, "%s: '%s' for %s",
        file, err->message, member);
    g_error_free (err);
  }
  g_free (out);
  g_free (body);
}

static void
mutate_remove (const MmkmApiCodec * c, JsonNode * root, JsonObject * o,
    const gchar * member, const gchar * file)
{
  JsonNode *saved = json_object_dup_member (o, member);

  json_object_remove_member (o, member);
  try_body (c, root, is_optional_in (c, member), member, "without", file);
  json_object_set_member (o, member, saved);
}

GST_START_TEST (test_missing_fields)
{
  for_each_example (mutate_remove);
}

GST_END_TEST;

static void
mutate_type (const MmkmApiCodec * c, JsonNode * root, JsonObject * o,
    const gchar * member, const gchar * file)
{
  JsonNode *saved = json_object_dup_member (o, member);
  const gchar *const others[] = { "\"x\"", "7", "1.5", "true", "null",
    "[]", "{}", "-3"
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (others); i++) {
    JsonNode *n = json_from_string (others[i], NULL);
    gboolean same = json_node_get_node_type (n) ==
        json_node_get_node_type (saved)
        && (!JSON_NODE_HOLDS_VALUE (n)
        || json_node_get_value_type (n) == json_node_get_value_type (saved));

    /* a value of the same type may well be valid: the range tests
     * below cover those */
    if (!same) {
      json_object_set_member (o, member, n);
      /* null is "nothing playing" in a now-playing report */
      try_body (c, root, JSON_NODE_HOLDS_NULL (n) && (is_optional_in (c, member)
              || strcmp (c->name, "now-playing") == 0), member, others[i],
          file);
    } else {
      json_node_unref (n);
    }
  }
  json_object_set_member (o, member, saved);
}

GST_START_TEST (test_wrong_types)
{
  for_each_example (mutate_type);
}

GST_END_TEST;

static void
mutate_unknown (const MmkmApiCodec * c, JsonNode * root, JsonObject * o,
    const gchar * member, const gchar * file)
{
  if (json_object_has_member (o, "zz_unknown"))
    return;
  json_object_set_member (o, "zz_unknown", json_from_string ("{\"a\":[1,"
          "\"b\",null,1.5,{\"c\":false}]}", NULL));
  try_body (c, root, TRUE, "zz_unknown", "with", file);
  json_object_remove_member (o, "zz_unknown");
}

GST_START_TEST (test_unknown_fields)
{
  for_each_example (mutate_unknown);
}

GST_END_TEST;

/* ---- strings ---- */

static const MmkmApiCodec *
codec (const gchar * name)
{
  gchar *file = g_strconcat (name, ".json", NULL);
  const MmkmApiCodec *c = codec_for (file);

  g_free (file);
  fail_unless (c != NULL);
  return c;
}

static gchar *
login_body (const gchar * user, const gchar * password)
{
  return g_strdup_printf ("{\"user\":\"%s\",\"password\":\"%s\","
      "\"group\":\"g\",\"device\":\"%s\"}", user, password,
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
}

static gchar *
song_body (const gchar * title)
{
  return g_strdup_printf ("{\"songs\":[{\"id\":1,\"title\":\"%s\","
      "\"duration_ms\":1,\"rate\":48000,\"channels\":2}]}", title);
}

GST_START_TEST (test_strings)
{
  const MmkmApiCodec *login = codec ("login-request");
  const MmkmApiCodec *songs = codec ("songs");
  gchar *u64 = g_strnfill (64, 'u'), *u65 = g_strnfill (65, 'u');
  gchar *p1024 = g_strnfill (1024, 'p'), *p1025 = g_strnfill (1025, 'p');
  gchar *t256 = g_strnfill (256, 't'), *t257 = g_strnfill (257, 't');
  GString *e = g_string_new (NULL);
  gchar *b;
  guint i;

#define OK(body) G_STMT_START { b = body; expect_ok (login, b); \
    g_free (b); } G_STMT_END
#define BAD(body, field) G_STMT_START { b = body; \
    expect_refused (login, b, MMKM_ERROR_BAD_REQUEST, field); \
    g_free (b); } G_STMT_END
  OK (login_body (u64, "pw"));
  BAD (login_body (u65, "pw"), "\"user\"");
  BAD (login_body ("", "pw"), "\"user\"");
  BAD (login_body ("al ice", "pw"), "\"user\"");
  BAD (login_body ("al\\tice", "pw"), "\"user\"");
  BAD (login_body ("al\\u00e9", "pw"), "\"user\"");
  BAD (login_body ("al\\u007f", "pw"), "\"user\"");
  OK (login_body ("a", p1024));
  BAD (login_body ("a", p1025), "\"password\"");
  BAD (login_body ("a", ""), "\"password\"");
  OK (login_body ("a", "p\\u00e9 \\ud83d\\ude00"));
#undef OK
#undef BAD

#define OK(body) G_STMT_START { b = body; expect_ok (songs, b); \
    g_free (b); } G_STMT_END
#define BAD(body) G_STMT_START { b = body; \
    expect_refused (songs, b, MMKM_ERROR_BAD_REQUEST, "songs[0].title"); \
    g_free (b); } G_STMT_END
  OK (song_body (t256));
  BAD (song_body (t257));
  /* 128 two-byte characters are 256 bytes; one more is too many */
  for (i = 0; i < 128; i++)
    g_string_append (e, "\xc3\xa9");
  OK (song_body (e->str));
  g_string_append (e, "\xc3\xa9");
  BAD (song_body (e->str));
  BAD (song_body ("a\\nb"));
  BAD (song_body ("a\\u0001b"));
  BAD (song_body ("a\\u0085b"));
  BAD (song_body ("a\xc2\x9f" "b"));
  OK (song_body ("a\\u00a0b \\u2603"));
  BAD (song_body (""));
#undef OK
#undef BAD

  g_string_free (e, TRUE);
  g_free (u64);
  g_free (u65);
  g_free (p1024);
  g_free (p1025);
  g_free (t256);
  g_free (t257);
}

GST_END_TEST;

GST_START_TEST (test_invalid_utf8)
{
  const MmkmApiCodec *songs = codec ("songs");
  const gchar *const bad[] = {
    "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\xf4\x90\x80\x80",
    "\\ud800", "\\udc00", "\\ud800\\u0041", "\\u0000", "a\\x41",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    gchar *b = song_body (bad[i]);
    expect_refused (songs, b, MMKM_ERROR_BAD_REQUEST, NULL);
    g_free (b);
  }
}

GST_END_TEST;

/* ---- sizes ---- */

static gchar *
padded (const gchar * body, gsize total)
{
  GString *s = g_string_new (body);

  while (s->len > 0 && g_ascii_isspace (s->str[s->len - 1]))
    g_string_truncate (s, s->len - 1);
  /* whitespace before the closing brace keeps it valid JSON */
  g_string_truncate (s, s->len - 1);
  while (s->len < total - 1)
    g_string_append_c (s, ' ');
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

GST_START_TEST (test_too_large)
{
  const MmkmApiCodec *c;
  guint n, i;
  gchar *b;
  GString *many;

  c = mmkm_api_codecs (&n);
  for (i = 0; i < n; i++) {
    gsize len, max = strcmp (c[i].name, "songs") == 0
        || strcmp (c[i].name, "queue") == 0 ?
        MMKM_API_LIST_BODY_MAX : MMKM_API_BODY_MAX;
    gchar *file = g_strconcat (c[i].name,
        strcmp (c[i].name, "error") == 0 ? "-unauthorized" : "", ".json",
        NULL);
    gchar *body = read_example (file, &len);

    b = padded (body, max);
    expect_ok (&c[i], b);
    g_free (b);
    b = padded (body, max + 1);
    expect_refused (&c[i], b, MMKM_ERROR_TOO_LARGE, NULL);
    g_free (b);
    g_free (body);
    g_free (file);
  }

  /* the song count has its own limit */
  many = g_string_new ("{\"songs\":[");
  for (i = 1; i <= MMKM_API_SONGS_MAX + 1; i++)
    g_string_append_printf (many, "%s{\"id\":%u,\"title\":\"t\","
        "\"duration_ms\":1,\"rate\":8000,\"channels\":1}", i > 1 ? "," : "", i);
  g_string_append (many, "]}");
  expect_refused (codec ("songs"), many->str, MMKM_ERROR_BAD_REQUEST,
      "\"songs\"");
  g_string_free (many, TRUE);
}

GST_END_TEST;

/* ---- numbers ---- */

GST_START_TEST (test_numbers)
{
  const MmkmApiCodec *req = codec ("song-request");
  const MmkmApiCodec *events = codec ("events");
  const gchar *const bad[] = {
    "0", "-1", "-0", "4294967296", "1.0", "1e3", "1E0", "01", "+1", "0x10",
    "9007199254740993", "99999999999999999999", "18446744073709551617",
    "-9223372036854775809", "1e400", "NaN", "Infinity", "\"1\"", "[1]",
  };
  guint i;
  gchar *b;

  expect_ok (req, "{\"song\":4294967295}");
  expect_ok (req, "{\"song\":1}");
  /* by id or by title, exactly one of them */
  expect_ok (req, "{\"title\":\"Clair de lune\"}");
  expect_ok (req, "{\"song\":null,\"title\":\"x\"}");
  expect_refused (req, "{}", MMKM_ERROR_BAD_REQUEST, "\"title\"");
  expect_refused (req, "{\"song\":1,\"title\":\"x\"}",
      MMKM_ERROR_BAD_REQUEST, "\"title\"");
  expect_refused (req, "{\"title\":\"\"}", MMKM_ERROR_BAD_REQUEST, "\"title\"");
  expect_refused (req, "{\"title\":2}", MMKM_ERROR_BAD_REQUEST, "\"title\"");
  /* the gap flag is a boolean */
  expect_ok (events, "{\"events\":[],\"last\":1,\"gap\":false}");
  expect_refused (events, "{\"events\":[],\"last\":1,\"gap\":1}",
      MMKM_ERROR_BAD_REQUEST, "\"gap\"");
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    b = g_strdup_printf ("{\"song\":%s}", bad[i]);
    expect_refused (req, b, MMKM_ERROR_BAD_REQUEST, NULL);
    g_free (b);
  }
  /* 2^53 is the largest event number; one more is refused */
  expect_ok (events, "{\"events\":[],\"last\":9007199254740992}");
  expect_refused (events, "{\"events\":[],\"last\":9007199254740993}",
      MMKM_ERROR_BAD_REQUEST, "\"last\"");
  expect_refused (events, "{\"events\":[],\"last\":-1}",
      MMKM_ERROR_BAD_REQUEST, "\"last\"");
  expect_refused (events, "{\"events\":[{\"id\":0,\"type\":\"queue\","
      "\"time_us\":1}],\"last\":1}", MMKM_ERROR_BAD_REQUEST,
      "\"events[0].id\"");
  expect_refused (events, "{\"events\":[{\"id\":1,\"type\":\"nope\","
      "\"time_us\":1}],\"last\":1}", MMKM_ERROR_BAD_REQUEST,
      "\"events[0].type\"");
}

GST_END_TEST;

/* ---- hostile JSON ---- */

GST_START_TEST (test_syntax)
{
  const MmkmApiCodec *req = codec ("song-request");
  const gchar *const bad[] = {
    "", " ", "null", "[]", "\"x\"", "1", "{", "}", "{\"song\":1",
    "{\"song\":1}x", "{\"song\":1}{}", "{'song':1}", "{song:1}",
    "{\"song\":1,}", "{\"song\":1,\"x\":[1,]}", "{\"song\":1 \"x\":2}",
    "{\"song\":1,\"song\":2}", "{\"song\":1,\"x\":{\"a\":1,\"a\":1}}",
    "{\"song\":1,\"x\":tru}", "{\"song\":1,\"x\":\"a\\qb\"}",
    "{\"song\":1,\"x\":\"\\u12\"}", "{\"song\":1,\"x\":\"a\tb\"}",
    "\xef\xbb\xbf{\"song\":1}",
  };
  GString *deep;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    expect_refused (req, bad[i], MMKM_ERROR_BAD_REQUEST, NULL);
  /* an embedded NUL, with the length given */
  {
    GError *err = NULL;
    fail_if (parse (req, "{\"song\":1}\0 ", 12, &err));
    fail_unless (err->code == MMKM_ERROR_BAD_REQUEST);
    g_clear_error (&err);
    fail_if (parse (req, NULL, 0, &err));
    g_error_free (err);
  }

  /* nesting: 16 levels (the top object is one) are fine, 17 are not */
  deep = g_string_new ("{\"song\":1,\"x\":");
  for (i = 0; i < 15; i++)
    g_string_append_c (deep, '[');
  for (i = 0; i < 15; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');
  expect_ok (req, deep->str);
  g_string_insert (deep, 14, "[");
  g_string_insert (deep, deep->len - 1, "]");
  expect_refused (req, deep->str, MMKM_ERROR_BAD_REQUEST, "nested");
  /* json-glib alone overflows the stack on this */
  g_string_assign (deep, "{\"song\":1,\"x\":");
  for (i = 0; i < 60000; i++)
    g_string_append_c (deep, '[');
  expect_refused (req, deep->str, MMKM_ERROR_BAD_REQUEST, "nested");
  g_string_free (deep, TRUE);
  expect_ok (req, " \r\n\t{ \"song\" : 1 } \n");
}

GST_END_TEST;

/* ---- round trips with every field set ---- */

GST_START_TEST (test_round_trip)
{
  MmkmApiLoginResponse lr = { 0 }, lr2;
  MmkmApiTeks t = { 0 }, t2;
  MmkmApiEvents ev = { 0 }, ev2;
  MmkmApiEvent e[2] = { {0}
  };
  MmkmApiError er = { 0 }, er2;
  MmkmApiNowPlaying np = { 0 }, np2 = { 5 };
  MmkmApiRegisterRequest rr = { 0 }, rr2;
  MmkmApiQueue q = { 0 }, q2;
  guint8 mikey[300];
  gchar *s;
  guint i;

  for (i = 0; i < sizeof (mikey); i++)
    mikey[i] = i * 7;

  memset (lr.session_id, 0xa5, sizeof (lr.session_id));
  fail_unless (mmkm_api_token_generate (lr.token, NULL));
  lr.server_time = G_GINT64_CONSTANT (1795000000123456);
  lr.heartbeat_port = 65535;
  lr.heartbeat_interval_ms = 10000;
  lr.allowed_misses = 6;
  lr.role = MMKM_API_ROLE_SENDER;
  lr.group_id = G_MAXUINT32;
  lr.group_name = g_strdup ("lounge");
  lr.suite = g_strdup ("AES_256_CM_HMAC_SHA1_32");
  lr.tek_period_ms = 1000;
  lr.requests_per_period = 0;
  lr.request_period_ms = 1;
  s = mmkm_api_login_response_to_json (&lr);
  fail_unless (mmkm_api_login_response_from_json (s, strlen (s), &lr2, NULL));
  mmkm_api_free_secret (s);
  fail_unless (memcmp (lr.session_id, lr2.session_id, 16) == 0);
  fail_unless (mmkm_api_token_equal (lr.token, lr2.token));
  fail_unless (lr2.server_time == lr.server_time);
  fail_unless (lr2.heartbeat_port == 65535 && lr2.allowed_misses == 6);
  fail_unless (lr2.heartbeat_interval_ms == 10000);
  fail_unless (lr2.role == MMKM_API_ROLE_SENDER);
  fail_unless (lr2.group_id == G_MAXUINT32);
  fail_unless (strcmp (lr2.group_name, "lounge") == 0);
  fail_unless (strcmp (lr2.suite, lr.suite) == 0);
  fail_unless (lr2.tek_period_ms == 1000 && lr2.request_period_ms == 1);
  mmkm_api_login_response_clear (&lr);
  mmkm_api_login_response_clear (&lr2);

  t.n_teks = MMKM_API_TEKS_MAX;
  for (i = 0; i < t.n_teks; i++) {
    t.teks[i].mki = 0xfffffff0 + i;
    t.teks[i].activation = 1000 * i;
    t.teks[i].expiry = i % 2 ? 0 : 1000 * i + 1000;
    t.teks[i].mikey = g_bytes_new (mikey, 1 + i * 99);
  }
  t.next_fetch = MMKM_API_INT_MAX;
  s = mmkm_api_teks_to_json (&t);
  fail_unless (mmkm_api_teks_from_json (s, strlen (s), &t2, NULL));
  g_free (s);
  fail_unless (t2.n_teks == t.n_teks && t2.next_fetch == t.next_fetch);
  for (i = 0; i < t.n_teks; i++) {
    fail_unless (t2.teks[i].mki == t.teks[i].mki);
    fail_unless (t2.teks[i].activation == t.teks[i].activation);
    fail_unless (t2.teks[i].expiry == t.teks[i].expiry);
    fail_unless (g_bytes_equal (t2.teks[i].mikey, t.teks[i].mikey));
  }
  mmkm_api_teks_clear (&t);
  mmkm_api_teks_clear (&t2);

  e[0].id = 1;
  e[0].type = MMKM_API_EVENT_TEK;
  e[0].time = 5;
  e[0].mki = 0x01020304;
  e[0].activation = 7;
  e[1].id = 2;
  e[1].type = MMKM_API_EVENT_LEFT;
  e[1].time = 6;
  e[1].user = (gchar *) "bob";
  e[1].reason = (gchar *) "timeout";
  ev.events = e;
  ev.n_events = 2;
  ev.last = 2;
  s = mmkm_api_events_to_json (&ev);
  fail_unless (mmkm_api_events_from_json (s, strlen (s), &ev2, NULL));
  g_free (s);
  fail_unless (ev2.n_events == 2 && ev2.last == 2);
  fail_unless (ev2.events[0].type == MMKM_API_EVENT_TEK);
  fail_unless (ev2.events[0].mki == 0x01020304);
  fail_unless (ev2.events[0].activation == 7 && ev2.events[0].time == 5);
  fail_unless (ev2.events[1].type == MMKM_API_EVENT_LEFT);
  fail_unless (strcmp (ev2.events[1].user, "bob") == 0);
  fail_unless (strcmp (ev2.events[1].reason, "timeout") == 0);
  mmkm_api_events_clear (&ev2);

  er.code = MMKM_API_ERR_TOO_MANY_REQUESTS;
  er.message = (gchar *) "Slow down.";
  er.reason = (gchar *) "login_rate";
  er.retry_after = 0;
  er.resets_at = 99;
  s = mmkm_api_error_to_json (&er);
  fail_unless (mmkm_api_error_from_json (s, strlen (s), &er2, NULL));
  g_free (s);
  fail_unless (er2.code == er.code && er2.retry_after == 0);
  fail_unless (er2.resets_at == 99);
  fail_unless (strcmp (er2.reason, "login_rate") == 0);
  fail_unless (strcmp (er2.message, "Slow down.") == 0);
  mmkm_api_error_clear (&er2);
  s = mmkm_api_error_body (MMKM_API_ERR_CONFLICT, "Already in.");
  fail_unless (strcmp (s, "{\"error\":\"conflict\",\"message\":"
          "\"Already in.\"}") == 0, "%s", s);
  fail_unless (mmkm_api_error_from_json (s, strlen (s), &er2, NULL));
  fail_unless (er2.retry_after == -1 && er2.resets_at == 0);
  fail_unless (er2.reason == NULL);
  mmkm_api_error_clear (&er2);
  g_free (s);

  /* null is "nothing playing" */
  s = mmkm_api_now_playing_to_json (&np);
  fail_unless (strcmp (s, "{\"entry\":null}") == 0);
  fail_unless (mmkm_api_now_playing_from_json (s, strlen (s), &np2, NULL));
  fail_unless (np2.entry == 0);
  g_free (s);
  expect_refused (codec ("now-playing"), "{}", MMKM_ERROR_BAD_REQUEST,
      "\"entry\"");

  q.playing = FALSE;
  s = mmkm_api_queue_to_json (&q);
  fail_unless (mmkm_api_queue_from_json (s, strlen (s), &q2, NULL));
  fail_unless (!q2.playing && q2.n_entries == 0);
  mmkm_api_queue_clear (&q2);
  g_free (s);

  rr.user = g_strdup ("alice");
  rr.password = g_strdup ("sesame \"quoted\" \\ \xc3\xa9");
  rr.certificate = g_strdup ("-----BEGIN CERTIFICATE-----\nAAAA\n"
      "-----END CERTIFICATE-----\n");
  s = mmkm_api_register_request_to_json (&rr);
  fail_unless (mmkm_api_register_request_from_json (s, strlen (s), &rr2, NULL));
  mmkm_api_free_secret (s);
  fail_unless (strcmp (rr.password, rr2.password) == 0);
  fail_unless (strcmp (rr.certificate, rr2.certificate) == 0);
  mmkm_api_register_request_clear (&rr);
  mmkm_api_register_request_clear (&rr2);
  fail_unless (rr2.password == NULL);
}

GST_END_TEST;

GST_START_TEST (test_duplicate_song_ids)
{
  expect_refused (codec ("songs"), "{\"songs\":[{\"id\":3,\"title\":\"a\","
      "\"duration_ms\":1,\"rate\":8000,\"channels\":1},{\"id\":3,"
      "\"title\":\"b\",\"duration_ms\":1,\"rate\":8000,\"channels\":1}]}",
      MMKM_ERROR_BAD_REQUEST, "songs[1].id");
}

GST_END_TEST;

/* A password is never quoted in an error message */
GST_START_TEST (test_password_not_echoed)
{
  const MmkmApiCodec *login = codec ("login-request");
  const gchar *secret = "hunter2hunter2";
  gchar *long_pw = g_strnfill (1025, 'h'), *b;
  GError *err = NULL;

  b = g_strdup_printf ("{\"user\":\"a b\",\"password\":\"%s\"}", secret);
  fail_if (parse (login, b, strlen (b), &err));
  fail_unless (strstr (err->message, secret) == NULL);
  g_clear_error (&err);
  g_free (b);
  b = g_strdup_printf ("{\"user\":\"a\",\"password\":\"%s\",\"group\":"
      "\"g\",\"device\":\"%s\"}", long_pw, secret);
  fail_if (parse (login, b, strlen (b), &err));
  fail_unless (strstr (err->message, "hhhh") == NULL);
  fail_unless (strstr (err->message, secret) == NULL);
  g_clear_error (&err);
  g_free (b);
  g_free (long_pw);
}

GST_END_TEST;

GST_START_TEST (test_fingerprints)
{
  const MmkmApiCodec *reg = codec ("register-response");
  const gchar *const good[] = {
    "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF",
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
        "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
  };
  const gchar *const bad[] = {
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddee",
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00",
    "00::112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
    ":00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff:",
    "0:0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
    "g0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", "",
  };
  guint i;
  gchar *b;

  for (i = 0; i < G_N_ELEMENTS (good); i++) {
    b = g_strdup_printf ("{\"user\":\"a\",\"fingerprint\":\"%s\"}", good[i]);
    expect_ok (reg, b);
    g_free (b);
  }
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    b = g_strdup_printf ("{\"user\":\"a\",\"fingerprint\":\"%s\"}", bad[i]);
    expect_refused (reg, b, MMKM_ERROR_BAD_REQUEST, "\"fingerprint\"");
    g_free (b);
  }
}

GST_END_TEST;

GST_START_TEST (test_base64)
{
  const gchar *const bad[] = {
    "", "Q", "QQ", "QQ=", "QR==", "QUI=x", "QUJ=", "Q Q==", "QQ==\n",
    "====", "=QQ=", "Q===", "QUJD\nRA==", "QUJD-A==", "QUJD_A==", "QQ==QQ==",
  };
  GBytes *b;
  guint i;

  b = mmkm_api_base64_decode ("QQ==", 8, NULL);
  fail_unless (b != NULL && g_bytes_get_size (b) == 1);
  g_bytes_unref (b);
  b = mmkm_api_base64_decode ("QUJD", 3, NULL);
  fail_unless (b != NULL && g_bytes_get_size (b) == 3);
  g_bytes_unref (b);
  b = mmkm_api_base64_decode ("QUI=", 8, NULL);
  fail_unless (b != NULL && g_bytes_get_size (b) == 2);
  g_bytes_unref (b);
  fail_if (mmkm_api_base64_decode ("QUJDRA==", 3, NULL));
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    GError *err = NULL;
    fail_if (mmkm_api_base64_decode (bad[i], 64, &err), "%s", bad[i]);
    fail_unless (err->code == MMKM_ERROR_BAD_REQUEST);
    g_error_free (err);
  }
}

GST_END_TEST;

GST_START_TEST (test_tokens)
{
  guint8 a[MMKM_API_TOKEN_LEN], b[MMKM_API_TOKEN_LEN];
  gchar *s, *h;
  guint i;

  for (i = 0; i < 64; i++) {
    fail_unless (mmkm_api_token_generate (a, NULL));
    s = mmkm_api_token_to_string (a);
    fail_unless (strlen (s) == 43 && strspn (s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            "abcdefghijklmnopqrstuvwxyz0123456789-_") == 43);
    fail_unless (mmkm_api_token_parse (s, b, NULL));
    fail_unless (mmkm_api_token_equal (a, b));
    h = g_strconcat (i % 2 ? "Bearer " : "bEARER ", s, NULL);
    memset (b, 0, sizeof (b));
    fail_unless (mmkm_api_bearer_parse (h, b, NULL));
    fail_unless (memcmp (a, b, sizeof (a)) == 0);
    g_free (h);
    h = g_strconcat (s, "=", NULL);
    fail_if (mmkm_api_token_parse (h, b, NULL));
    g_free (h);
    h = g_strconcat ("Bearer  ", s, NULL);
    fail_if (mmkm_api_bearer_parse (h, b, NULL));
    g_free (h);
    h = g_strconcat ("Basic ", s, NULL);
    fail_if (mmkm_api_bearer_parse (h, b, NULL));
    g_free (h);
    s[42] = '+';
    fail_if (mmkm_api_token_parse (s, b, NULL));
    g_free (s);
  }
  b[0] = a[0] ^ 1;
  fail_if (mmkm_api_token_equal (a, b));
  /* 43 characters carry 258 bits: the last 2 must be zero */
  fail_if (mmkm_api_token_parse ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",
          b, NULL));
  fail_unless (mmkm_api_token_parse
      ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE", b, NULL));
  fail_if (mmkm_api_token_parse ("AAAA", b, NULL));
  fail_if (mmkm_api_token_parse (NULL, b, NULL));
  fail_if (mmkm_api_bearer_parse (NULL, b, NULL));
}

GST_END_TEST;

GST_START_TEST (test_events_query)
{
  guint64 after;
  guint timeout;
  const gchar *const bad_after[] = { "", "-1", "+1", "01", "1a", " 1",
    "9007199254740993", "99999999999999999999", "0x1",
  };
  const gchar *const bad_timeout[] = { "121", "-1", "1.5", "" };
  guint i;

  fail_unless (mmkm_api_events_query_parse (NULL, NULL, &after, &timeout,
          NULL));
  fail_unless (after == 0 && timeout == MMKM_API_EVENTS_TIMEOUT_DEFAULT);
  fail_unless (mmkm_api_events_query_parse ("9007199254740992", "120",
          &after, &timeout, NULL));
  fail_unless (after == G_GUINT64_CONSTANT (9007199254740992));
  fail_unless (timeout == 120);
  fail_unless (mmkm_api_events_query_parse ("0", "0", &after, &timeout, NULL));
  fail_unless (after == 0 && timeout == 0);
  for (i = 0; i < G_N_ELEMENTS (bad_after); i++) {
    GError *err = NULL;
    fail_if (mmkm_api_events_query_parse (bad_after[i], NULL, &after,
            &timeout, &err));
    fail_unless (strstr (err->message, "\"after\"") != NULL);
    g_error_free (err);
  }
  for (i = 0; i < G_N_ELEMENTS (bad_timeout); i++) {
    GError *err = NULL;
    fail_if (mmkm_api_events_query_parse (NULL, bad_timeout[i], &after,
            &timeout, &err));
    fail_unless (strstr (err->message, "\"timeout\"") != NULL);
    g_error_free (err);
  }
}

GST_END_TEST;

GST_START_TEST (test_error_codes)
{
  const guint status[] = { 400, 401, 403, 404, 409, 413, 415, 429, 500 };
  const gchar *const names[] = { "bad_request", "unauthorized",
    "forbidden", "not_found", "conflict", "payload_too_large",
    "unsupported_media_type", "too_many_requests", "server_error",
  };
  MmkmApiErrorCode code;
  GError *err;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (status); i++) {
    fail_unless (strcmp (mmkm_api_error_code_to_string (i), names[i]) == 0);
    fail_unless (mmkm_api_error_code_status (i) == status[i]);
    fail_unless (mmkm_api_error_code_from_string (names[i], &code));
    fail_unless (code == i);
  }
  fail_if (mmkm_api_error_code_from_string ("teapot", &code));
  fail_if (mmkm_api_error_code_from_string (NULL, &code));
  err = g_error_new (MMKM_ERROR, MMKM_ERROR_TOO_LARGE, "x");
  fail_unless (mmkm_api_error_code_for (err) == MMKM_API_ERR_PAYLOAD_TOO_LARGE);
  err->code = MMKM_ERROR_BAD_REQUEST;
  fail_unless (mmkm_api_error_code_for (err) == MMKM_API_ERR_BAD_REQUEST);
  g_error_free (err);
  expect_refused (codec ("error"), "{\"error\":\"teapot\",\"message\":\"x\"}",
      MMKM_ERROR_BAD_REQUEST, "\"error\"");
}

GST_END_TEST;

static Suite *
mmkm_api_suite (void)
{
  Suite *s = suite_create ("mmkm-api");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_examples);
  tcase_add_test (tc, test_example_values);
  tcase_add_test (tc, test_missing_fields);
  tcase_add_test (tc, test_wrong_types);
  tcase_add_test (tc, test_unknown_fields);
  tcase_add_test (tc, test_strings);
  tcase_add_test (tc, test_invalid_utf8);
  tcase_add_test (tc, test_too_large);
  tcase_add_test (tc, test_numbers);
  tcase_add_test (tc, test_syntax);
  tcase_add_test (tc, test_round_trip);
  tcase_add_test (tc, test_duplicate_song_ids);
  tcase_add_test (tc, test_password_not_echoed);
  tcase_add_test (tc, test_fingerprints);
  tcase_add_test (tc, test_base64);
  tcase_add_test (tc, test_tokens);
  tcase_add_test (tc, test_events_query);
  tcase_add_test (tc, test_error_codes);
  return s;
}

GST_CHECK_MAIN (mmkm_api);
