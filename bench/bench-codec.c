/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-codec: the MIKEY wire codec of libmikey against GStreamer's
 * gstmikey (gstreamer-sdp-1.0), on the same messages, in one run.
 *
 * For each message it times six columns: parse, serialize and
 * parse+serialize, each with libmikey (mikey_message_parse /
 * mikey_message_serialize) and with gstmikey
 * (gst_mikey_message_new_from_bytes / gst_mikey_message_to_bytes). A parse
 * includes freeing the parsed message and a serialize freeing the bytes,
 * since an application pays for both. The columns run in interleaved
 * slices (ours, gst, ours, gst, ... and the order flips every round) so
 * that the noise of this shared machine hits both libraries alike; the
 * figures printed are medians over the rounds, and the ratio is gstmikey's
 * time over ours computed per round, median and spread over rounds.
 * Nothing here asserts on timing.
 *
 * Usage: bench-codec [--seconds N] [--slices N] [--wall]
 * bench/README.md describes the messages and the columns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-clock.h"
#include "bench-stats.h"

#include <gst/gst.h>
#include <gst/sdp/gstmikey.h>

#include "mikey-message.h"

/* Operations between two looks at the clock: reading it costs tens of
 * nanoseconds, not negligible next to a parse of a few hundred. */
#define BATCH 64

/* The messages, base64 as in tests/check/data/. gstmikey 1.22 loops
 * forever on some payload types (ID, GEN_EXT), so both messages hold only
 * payloads it handles. */
typedef struct
{
  const gchar *name;
  const gchar *what;
  const gchar *b64;
} Sample;

static const Sample samples[] = {
  /* tests/check/data/device-null-mki.b64: what a camera sends, the shape
   * gst_mikey_message_new_from_caps() builds for AES_CM_128_HMAC_SHA1_80
   * with an MKI: HDR (one SRTP crypto session), T (NTP), RAND, SP (11 SRTP
   * parameters), KEMAC (NULL encryption: TEK+SALT key data with a KV SPI,
   * the MKI) */
  {"null", "MIKEY-NULL, camera style (T, RAND, SP, KEMAC with MKI)",
      "AQAFABorPE0BAABNLFofAAAAAAsA6bXCoH1wo9cKEDAxMjM0NTY3ODk6Ozw9Pj8BAAAAGwAB"
        "AQEBEAIBAQMBFAQBDgcBAQgBAQoBAQsBCgAAACcAIQAe4fl6DT4Bi+DWT6MsBt5BOQ7G"
        "da1Jiv7rtpYLOqvmBAAAAAEA"},
  /* tests/check/data/ours-psk.b64: a MIKEY-PSK initiation from this
   * library: HDR (V bit), T, RAND, SP, KEMAC (AES-CM encrypted key data,
   * HMAC-SHA-1 MAC) */
  {"psk", "MIKEY-PSK initiation (T, RAND, SP, KEMAC AES-CM + HMAC)",
      "AQAFgAECAwQBAAASNFZ4AAAAAAsA7q085w9JJ5EKEHgDDHpP2/9Mrn1fDt4ytM8BAAAA"
        "HgABAQEBEAIBAQMBFAQBDgUBAAcBAQgBAQoBAQsBCgABACcfv7E3x7uHzyXdW4wcaIir"
        "iFJfNUTh3xM2p1MjlaImikVbBh6SOfcBxg6wDZo06J6A97scm+KGt4FjP5g="},
};

typedef enum
{
  OP_PARSE,
  OP_SERIALIZE,
  OP_BOTH,
  N_OPS
} Op;

static const gchar *const op_names[N_OPS] = {
  "parse", "serialize", "parse+serialize"
};

typedef struct
{
  const guint8 *data;
  gsize len;
  GBytes *bytes;                /* the same, for gstmikey's API */
  MikeyMessage *ours;           /* parsed once, for the serialize column */
  GstMIKEYMessage *gst;
} Input;

static gboolean use_wall_clock = FALSE;

G_GNUC_NORETURN static void
die (const gchar * what, GError * err)
{
  fprintf (stderr, "bench-codec: %s%s%s\n", what, err ? ": " : "",
      err ? err->message : "");
  exit (1);
}

/* not inlined, so that a profile tells the columns apart */
G_GNUC_NO_INLINE static void
run_ours (const Input * in, Op op)
{
  MikeyMessage *msg;
  GBytes *out;

  switch (op) {
    case OP_PARSE:
      msg = mikey_message_parse (in->data, in->len, NULL);
      mikey_message_free (msg);
      break;
    case OP_SERIALIZE:
      out = mikey_message_serialize (in->ours, NULL);
      g_bytes_unref (out);
      break;
    default:
      msg = mikey_message_parse (in->data, in->len, NULL);
      out = mikey_message_serialize (msg, NULL);
      g_bytes_unref (out);
      mikey_message_free (msg);
      break;
  }
}

G_GNUC_NO_INLINE static void
run_gst (const Input * in, Op op)
{
  GstMIKEYMessage *msg;
  GBytes *out;

  switch (op) {
    case OP_PARSE:
      msg = gst_mikey_message_new_from_bytes (in->bytes, NULL, NULL);
      gst_mikey_message_unref (msg);
      break;
    case OP_SERIALIZE:
      out = gst_mikey_message_to_bytes (in->gst, NULL, NULL);
      g_bytes_unref (out);
      break;
    default:
      msg = gst_mikey_message_new_from_bytes (in->bytes, NULL, NULL);
      out = gst_mikey_message_to_bytes (msg, NULL, NULL);
      g_bytes_unref (out);
      gst_mikey_message_unref (msg);
      break;
  }
}

/* Runs one column for @secs of wall time; returns nanoseconds per
 * operation of this thread's CPU time (or of wall time with --wall). CPU
 * time leaves out the slices the scheduler gives other processes. */
G_GNUC_NO_INLINE static gdouble
run_slice (gboolean gst, const Input * in, Op op, gdouble secs)
{
  gint64 start = g_get_monotonic_time (), now;
  gint64 until = start + (gint64) (secs * G_USEC_PER_SEC);
  gdouble cpu_start = bench_thread_cpu_seconds ();
  guint64 n = 0;
  guint i;

  do {
    for (i = 0; i < BATCH; i++) {
      if (gst)
        run_gst (in, op);
      else
        run_ours (in, op);
    }
    n += BATCH;
    now = g_get_monotonic_time ();
  } while (now < until);
  if (use_wall_clock)
    return (now - start) * 1e3 / n;
  return (bench_thread_cpu_seconds () - cpu_start) * 1e9 / n;
}

/* Both libraries must read the message and write something back before
 * their times mean anything; ours must give back the very same bytes. */
static void
input_init (Input * in, const Sample * sample)
{
  GError *err = NULL;
  GBytes *out;
  gsize out_len;
  const guint8 *out_data;

  in->data = g_base64_decode (sample->b64, &in->len);
  in->bytes = g_bytes_new_static (in->data, in->len);

  in->ours = mikey_message_parse (in->data, in->len, &err);
  if (!in->ours)
    die ("libmikey cannot parse the message", err);
  out = mikey_message_serialize (in->ours, &err);
  if (!out)
    die ("libmikey cannot serialize the message", err);
  out_data = g_bytes_get_data (out, &out_len);
  if (out_len != in->len || memcmp (out_data, in->data, in->len) != 0)
    die ("libmikey does not give back the bytes it parsed", NULL);
  g_bytes_unref (out);

  in->gst = gst_mikey_message_new_from_bytes (in->bytes, NULL, &err);
  if (!in->gst)
    die ("gstmikey cannot parse the message", err);
  out = gst_mikey_message_to_bytes (in->gst, NULL, &err);
  if (!out)
    die ("gstmikey cannot serialize the message", err);
  out_data = g_bytes_get_data (out, &out_len);
  /* gstmikey drops what it cannot decrypt (an encrypted KEMAC's key data
   * without GstMIKEYDecryptInfo), so its bytes may be fewer: say so */
  printf ("%s: %s, %" G_GSIZE_FORMAT " bytes, %u payloads; gstmikey "
      "writes back %" G_GSIZE_FORMAT " bytes%s\n", sample->name,
      sample->what, in->len, in->ours->payloads->len, out_len,
      out_len == in->len && memcmp (out_data, in->data, in->len) == 0 ?
      " (identical)" : " (its KEMAC without the encrypted key data)");
  g_bytes_unref (out);
}

static void
input_clear (Input * in)
{
  mikey_message_free (in->ours);
  gst_mikey_message_unref (in->gst);
  g_bytes_unref (in->bytes);
  g_free ((gpointer) in->data);
}

static void
bench_sample (const Sample * sample, gdouble secs, guint slices)
{
  Input in;
  gdouble *ns[2][N_OPS], *ratio[N_OPS];
  gdouble slice_secs = secs / slices;
  guint s, o, g;

  input_init (&in, sample);
  printf ("  %-16s %12s %12s %9s %16s\n", "", "libmikey ns", "gstmikey ns",
      "ratio", "(spread)");
  for (o = 0; o < N_OPS; o++) {
    for (g = 0; g < 2; g++)
      ns[g][o] = g_new0 (gdouble, slices);
    ratio[o] = g_new0 (gdouble, slices);
  }

  /* warm-up: caches, allocator pools, lazy GType registration */
  for (o = 0; o < N_OPS; o++) {
    run_slice (FALSE, &in, o, 0.05);
    run_slice (TRUE, &in, o, 0.05);
  }

  for (s = 0; s < slices; s++) {
    for (o = 0; o < N_OPS; o++) {
      /* who goes first alternates, so neither always runs on caches the
       * other warmed */
      gboolean first = s % 2;

      ns[first][o][s] = run_slice (first, &in, o, slice_secs);
      ns[!first][o][s] = run_slice (!first, &in, o, slice_secs);
      ratio[o][s] = ns[1][o][s] / ns[0][o][s];
    }
  }

  for (o = 0; o < N_OPS; o++) {
    gdouble lo, hi;
    gchar *range;

    bench_spread (ratio[o], slices, &lo, &hi);
    range = g_strdup_printf ("(%.2f..%.2f)", lo, hi);
    printf ("  %-16s %12.0f %12.0f %8.2fx %16s\n", op_names[o],
        bench_median (ns[0][o], slices), bench_median (ns[1][o], slices),
        bench_median (ratio[o], slices), range);
    g_free (range);
    for (g = 0; g < 2; g++)
      g_free (ns[g][o]);
    g_free (ratio[o]);
  }
  input_clear (&in);
}

int
main (int argc, char **argv)
{
  gdouble secs = 2.0;
  gint slices = 10;
  GOptionEntry entries[] = {
    {"seconds", 's', 0, G_OPTION_ARG_DOUBLE, &secs,
        "Wall time per message and column (default 2)", "N"},
    {"slices", 0, 0, G_OPTION_ARG_INT, &slices,
        "Interleaved slices the time is cut into; medians are reported "
          "(default 10)", "N"},
    {"wall", 0, 0, G_OPTION_ARG_NONE, &use_wall_clock,
        "Times per operation in wall time instead of CPU time", NULL},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- MIKEY codec speed "
      "against GStreamer's gstmikey");
  GError *err = NULL;
  guint i;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err))
    die ("bad arguments", err);
  g_option_context_free (ctx);
  if (secs <= 0 || slices < 1)
    die ("--seconds and --slices must be positive", NULL);
  gst_init (NULL, NULL);

  printf ("%s; %.3g s per message and column in %d interleaved slices; "
      "ns per operation of %s time, medians; ratio = gstmikey time / "
      "libmikey time per round, median and (min..max)\n\n",
      gst_version_string (), secs, slices,
      use_wall_clock ? "wall-clock" : "CPU");
  for (i = 0; i < G_N_ELEMENTS (samples); i++) {
    if (i > 0)
      printf ("\n");
    bench_sample (&samples[i], secs, slices);
  }
  return 0;
}
