/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The configuration mikeyenc and mikeydec run with: their GstMikeySettings
 * (property values) resolved into a GstMikeyConfig when they start - lists
 * parsed, the pre-shared key, certificates, private key and trust store
 * loaded through libmikey's mikey-credentials.h, the combination checked -
 * and handed to the core as a MikeyInitiatorConfig or
 * MikeyResponderConfig. */
#include "gstmikeyconfig.h"
#include "mikey-credentials.h"
#include "mikey-negotiate.h"

#include <string.h>
#include <time.h>

static guint8
core_dh_group (GstMikeyDhGroup group)
{
  switch (group) {
    case GST_MIKEY_DH_GROUP_1:
      return MIKEY_DH_GROUP_OAKLEY1;
    case GST_MIKEY_DH_GROUP_2:
      return MIKEY_DH_GROUP_OAKLEY2;
    default:
      return MIKEY_DH_GROUP_OAKLEY5;
  }
}

static gboolean
is_set (const gchar * str)
{
  return str != NULL && str[0] != '\0';
}

/* A short key falls to an offline search from one captured message */
static gboolean
check_psk_strength (const GstMikeySettings * settings, GstMikeyConfig * out,
    GError ** error)
{
  if (out->psk_len >= GST_MIKEY_MIN_PSK_LEN)
    return TRUE;
  if (settings->allow_weak_psk) {
    GST_WARNING ("using a %" G_GSIZE_FORMAT "-byte pre-shared key "
        "(allow-weak-psk=true): insecure", out->psk_len);
    return TRUE;
  }
  g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
      "The pre-shared key (%s) is %" G_GSIZE_FORMAT " byte%s long, too short "
      "to be secure: use at least %d random bytes (%d hex digits, e.g. from "
      "\"openssl rand -hex 32\"), or set allow-weak-psk=true to use it "
      "anyway (insecure)", is_set (settings->psk) ? "psk" : "psk-file",
      out->psk_len, out->psk_len == 1 ? "" : "s", GST_MIKEY_MIN_PSK_LEN,
      2 * GST_MIKEY_MIN_PSK_LEN);
  mikey_secure_free (out->psk, out->psk_len);
  out->psk = NULL;
  out->psk_len = 0;
  return FALSE;
}

static gboolean
load_psk (const GstMikeySettings * settings, MikeyMode mode,
    GstMikeyConfig * out, GError ** error)
{
  GError *err = NULL;

  if (is_set (settings->psk)) {
    out->psk = mikey_hex_decode (settings->psk, &out->psk_len, &err);
    if (out->psk == NULL) {
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "The psk property is not valid hex (expected an even number of "
          "hex digits 0-9, a-f): %s", err->message);
      g_error_free (err);
      return FALSE;
    }
    return check_psk_strength (settings, out, error);
  }

  if (is_set (settings->psk_file)) {
    out->psk = mikey_credentials_load_psk_file (settings->psk_file,
        &out->psk_len, &err);
    if (out->psk == NULL) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
          "Could not read psk-file \"%s\": %s", settings->psk_file,
          err->message);
      g_error_free (err);
      return FALSE;
    }
    return check_psk_strength (settings, out, error);
  }

  g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
      "mode=%s needs a pre-shared key: set psk=<hex> or psk-file=<path> "
      "(the same key on the sender and the receiver)", mikey_mode_name (mode));
  return FALSE;
}

/* Unset or blank: the list is not used. Separators alone (",,,") are a
 * mistake worth saying, not a way to unset it. */
static gboolean
list_is_unset (const gchar * text)
{
  const gchar *c;

  for (c = text ? text : ""; *c != '\0'; c++) {
    if (!g_ascii_isspace (*c))
      return FALSE;
  }
  return TRUE;
}

/* modes="pke,dh,psk": an empty list leaves mode alone */
static gboolean
parse_modes (const gchar * text, GstMikeyConfig * out, GError ** error)
{
  gchar *bad = NULL;
  MikeyListResult res;

  res = mikey_mode_list_parse (text, out->modes, &out->n_modes, &bad);
  if (res == MIKEY_LIST_UNKNOWN)
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "Unknown mode \"%s\" in modes=\"%s\"; valid modes: null, psk, pke, "
        "dh, dhhmac (comma-separated, best first)", bad, text);
  else if (res == MIKEY_LIST_DUPLICATE)
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "Mode %s is listed twice in modes=\"%s\"", bad, text);
  else if (res == MIKEY_LIST_EMPTY && !list_is_unset (text)) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "modes=\"%s\" names no mode; list modes (e.g. modes=\"dh,psk\") "
        "or leave modes unset to use mode", text);
    res = MIKEY_LIST_UNKNOWN;
  }
  g_free (bad);
  return res == MIKEY_LIST_OK || res == MIKEY_LIST_EMPTY;
}

static gboolean
parse_suites (const gchar * text, GstMikeyConfig * out, GError ** error)
{
  gchar *bad = NULL;
  gboolean ok = FALSE;
  guint i;

  switch (mikey_suite_list_parse (text, out->suites, &out->n_suites, &bad)) {
    case MIKEY_LIST_UNKNOWN:
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "Unknown crypto suite \"%s\" in suites=\"%s\"; valid suites: %s "
          "(comma-separated, best first; F8_128_HMAC_SHA1_80, also written "
          "AES_F8_128_HMAC_SHA1_80, may be listed but is never chosen)",
          bad, text, mikey_suite_names ());
      break;
    case MIKEY_LIST_DUPLICATE:
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "Crypto suite %s is listed twice in suites=\"%s\"",
          mikey_suite_lookup (bad)->name, text);
      break;
    case MIKEY_LIST_TOO_MANY:
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "suites=\"%s\" lists more than %d suites", text, MIKEY_MAX_CHOICES);
      break;
    case MIKEY_LIST_EMPTY:
      if (!list_is_unset (text)) {
        g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
            "suites=\"%s\" names no crypto suite; list suites or leave "
            "suites unset to use suite", text);
        break;
      }
      ok = TRUE;
      break;
    default:
      ok = TRUE;
  }
  g_free (bad);
  for (i = 0; ok && i < out->n_suites && out->suite == NULL; i++) {
    if (out->suites[i]->engine_supported)
      out->suite = out->suites[i];
  }
  if (ok && out->suite == NULL) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "suites=\"%s\" lists no crypto suite that srtpenc/srtpdec (libsrtp2) "
        "can run; add one of: %s", text, mikey_suite_names_supported ());
    ok = FALSE;
  }
  return ok;
}

static gboolean
resolve_single_suite (const GstMikeySettings * settings, gboolean allow_any,
    GstMikeyConfig * out, GError ** error)
{
  if (allow_any && settings->suite != NULL &&
      g_ascii_strcasecmp (settings->suite, "any") == 0) {
    out->suite = NULL;
    return TRUE;
  }
  out->suite = mikey_suite_lookup (settings->suite);
  if (out->suite == NULL) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "Unknown crypto suite \"%s\"; use one of: %s%s",
        settings->suite ? settings->suite : "(null)",
        allow_any ? "any, " : "", mikey_suite_names_supported ());
    return FALSE;
  }
  if (!out->suite->engine_supported) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "Crypto suite %s is valid MIKEY but srtpenc/srtpdec (libsrtp2) "
        "cannot run it; choose another suite", out->suite->name);
    out->suite = NULL;
    return FALSE;
  }
  return TRUE;
}

/* Loads cert, key, peer-cert, ca-file and crl-file, whichever are set.
 * The library's messages name the file; ours name the property. */
static gboolean
load_pki (const GstMikeySettings * settings, GstMikeyConfig * out,
    GError ** error)
{
  GError *err = NULL;
  gboolean encrypted = FALSE;

  if (is_set (settings->cert)) {
    out->certs = mikey_credentials_load_chain (settings->cert, &err);
    if (out->certs == NULL) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
          "Could not load cert \"%s\" (a PEM certificate chain): %s",
          settings->cert, err->message);
      goto fail;
    }
  }
  if (is_set (settings->key)) {
    out->key = mikey_credentials_load_key (settings->key,
        settings->key_passphrase, &encrypted, &err);
    if (out->key == NULL) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
          "Could not load key \"%s\" (a PEM RSA private key): %s%s",
          settings->key, err->message,
          encrypted && !is_set (settings->key_passphrase) ?
          " (set key-passphrase if the key is encrypted)" : "");
      goto fail;
    }
  }
  if (is_set (settings->peer_cert)) {
    out->peer_cert = mikey_credentials_load_peer_cert (settings->peer_cert,
        &out->peer_chain, &err);
    if (out->peer_cert == NULL) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
          "Could not load peer-cert \"%s\" (a PEM certificate): %s",
          settings->peer_cert, err->message);
      goto fail;
    }
  }
  if (is_set (settings->ca_file)) {
    out->trust = mikey_credentials_load_trust (settings->ca_file, &err);
    if (out->trust == NULL) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
          "Could not load ca-file \"%s\" (PEM CA certificates, a file or a "
          "directory): %s", settings->ca_file, err->message);
      goto fail;
    }
  }
  if (is_set (settings->crl_file)) {
    if (out->trust == NULL) {
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "crl-file \"%s\" needs ca-file: the CRLs are checked along the "
          "chains to those CA certificates", settings->crl_file);
      return FALSE;
    }
    if (!mikey_credentials_load_crls (out->trust, settings->crl_file, &err)) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
          "Could not load crl-file \"%s\" (PEM CRLs): %s",
          settings->crl_file, err->message);
      goto fail;
    }
  }
  return TRUE;

fail:
  g_clear_error (&err);
  return FALSE;
}

/* What the modes need beyond a pre-shared key */
static gboolean
check_pki (const GstMikeySettings * settings, gboolean receiver,
    GstMikeyConfig * out, GError ** error)
{
  const gchar *peer = receiver ? "sender" : "receiver";
  GError *err = NULL;
  guint i, n = out->n_modes ? out->n_modes : 1;

  for (i = 0; i < n; i++) {
    MikeyMode mode = out->n_modes ? out->modes[i] : out->mode;

    if (mode != MIKEY_MODE_PKE && mode != MIKEY_MODE_DH)
      continue;
    if (out->certs == NULL || out->key == NULL) {
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "mode %s needs cert and key: this %s's certificate chain and its "
          "private key, as PEM files (cert=<file> key=<file>)",
          mikey_mode_name (mode), receiver ? "receiver" : "sender");
      return FALSE;
    }
    if (!receiver && mode == MIKEY_MODE_PKE && out->peer_cert == NULL) {
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "mode pke needs peer-cert: the receiver's certificate (PEM file), "
          "to encrypt the key to");
      return FALSE;
    }
    if (out->trust == NULL && out->peer_cert == NULL) {
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
          "mode %s needs ca-file (the CA certificates that the %s's "
          "certificate must chain to) or peer-cert (the %s's certificate)",
          mikey_mode_name (mode), peer, peer);
      return FALSE;
    }
  }

  if (out->certs != NULL && out->key != NULL &&
      !mikey_key_matches_cert (out->key, g_ptr_array_index (out->certs, 0),
          &err)) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "key \"%s\" is not the private key of cert \"%s\" (its first "
        "certificate must be ours): %s", settings->key, settings->cert,
        err->message);
    g_clear_error (&err);
    return FALSE;
  }

  if (out->peer_cert != NULL && out->trust != NULL &&
      !mikey_cert_verify (out->peer_cert, out->peer_chain, out->trust,
          time (NULL), &err)) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "peer-cert \"%s\" is refused: %s (checked against ca-file \"%s\")",
        settings->peer_cert, err->message, settings->ca_file);
    g_clear_error (&err);
    return FALSE;
  }
  /* pinned without ca-file: trusted as such, but only while valid */
  if (out->peer_cert != NULL && out->trust == NULL &&
      !mikey_cert_check_validity (out->peer_cert, time (NULL), &err)) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "peer-cert \"%s\" is refused: %s", settings->peer_cert, err->message);
    g_clear_error (&err);
    return FALSE;
  }
  if (out->peer_cert != NULL && out->peer_id != NULL &&
      !mikey_cert_matches_identity (out->peer_cert, out->peer_id, &err)) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "peer-cert \"%s\" does not belong to peer-id \"%s\": %s",
        settings->peer_cert, out->peer_id, err->message);
    g_clear_error (&err);
    return FALSE;
  }
  return TRUE;
}

static gchar *
describe (const GstMikeyConfig * out)
{
  GString *str = g_string_new (NULL);
  gchar *list;

  if (out->n_modes > 0) {
    list = mikey_mode_list_to_string (out->modes, out->n_modes, ",");
    g_string_append_printf (str, "modes=%s", list);
    g_free (list);
  } else {
    g_string_append_printf (str, "mode=%s", mikey_mode_name (out->mode));
  }
  if (out->n_suites > 0) {
    list = mikey_suite_list_to_string (out->suites, out->n_suites, ",");
    g_string_append_printf (str, " suites=%s", list);
    g_free (list);
  } else {
    g_string_append_printf (str, " suite=%s",
        out->suite ? out->suite->name : "any");
  }
  return g_string_free (str, FALSE);
}

gboolean
gst_mikey_settings_resolve (const GstMikeySettings * settings,
    gboolean receiver, GstMikeyConfig * out, GError ** error)
{
  MikeyMode psk_mode = MIKEY_MODE_COUNT;

  memset (out, 0, sizeof (*out));

  out->sign_type = (guint8) settings->sign;
  out->dh_group = core_dh_group (settings->dh_group);
  if (is_set (settings->id))
    out->id = g_strdup (settings->id);
  if (is_set (settings->peer_id))
    out->peer_id = g_strdup (settings->peer_id);

  /* GstMikeyMode values are the core's MikeyMode values */
  out->mode = (MikeyMode) settings->mode;
  if (is_set (settings->modes)) {
    if (!parse_modes (settings->modes, out, error))
      goto fail;
    if (out->n_modes > 0)
      out->mode = out->modes[0];
  }

  if (is_set (settings->suites)) {
    if (!parse_suites (settings->suites, out, error))
      goto fail;
  } else if (!resolve_single_suite (settings, receiver, out, error)) {
    goto fail;
  }

  if (out->n_modes == 0) {
    if (out->mode == MIKEY_MODE_PSK || out->mode == MIKEY_MODE_DHHMAC)
      psk_mode = out->mode;
  } else {
    guint i;

    for (i = 0; i < out->n_modes && psk_mode == MIKEY_MODE_COUNT; i++) {
      if (out->modes[i] == MIKEY_MODE_PSK || out->modes[i] == MIKEY_MODE_DHHMAC)
        psk_mode = out->modes[i];
    }
  }
  if (psk_mode != MIKEY_MODE_COUNT && !load_psk (settings, psk_mode, out,
          error))
    goto fail;

  if (!load_pki (settings, out, error) ||
      !check_pki (settings, receiver, out, error))
    goto fail;

  out->description = describe (out);
  return TRUE;

fail:
  gst_mikey_config_clear (out);
  return FALSE;
}

void
gst_mikey_config_clear (GstMikeyConfig * config)
{
  mikey_secure_free (config->psk, config->psk_len);
  config->psk = NULL;
  config->psk_len = 0;
  g_clear_pointer (&config->key, mikey_key_unref);
  g_clear_pointer (&config->certs, g_ptr_array_unref);
  g_clear_pointer (&config->peer_cert, mikey_cert_unref);
  g_clear_pointer (&config->peer_chain, g_ptr_array_unref);
  g_clear_pointer (&config->trust, mikey_trust_free);
  g_clear_pointer (&config->id, g_free);
  g_clear_pointer (&config->peer_id, g_free);
  g_clear_pointer (&config->description, g_free);
}

gboolean
gst_mikey_config_has_mode (const GstMikeyConfig * config, MikeyMode mode)
{
  guint i;

  if (config->n_modes == 0)
    return config->mode == mode;
  for (i = 0; i < config->n_modes; i++) {
    if (config->modes[i] == mode)
      return TRUE;
  }
  return FALSE;
}

void
gst_mikey_config_to_initiator_config (const GstMikeyConfig * config,
    MikeyInitiatorConfig * cfg)
{
  memset (cfg, 0, sizeof (*cfg));
  cfg->mode = config->mode;
  cfg->psk = config->psk;
  cfg->psk_len = config->psk_len;
  cfg->suite = config->suite;
  cfg->key = config->key;
  cfg->certs = config->certs;
  cfg->peer_cert = config->peer_cert;
  cfg->trust = config->trust;
  cfg->sign_type = config->sign_type;
  cfg->dh_group = config->dh_group;
  cfg->id_i = config->id;
  cfg->id_r = config->peer_id;
  if (config->n_modes > 0) {
    cfg->modes = config->modes;
    cfg->n_modes = config->n_modes;
  }
  if (config->n_suites > 0) {
    cfg->suites = config->suites;
    cfg->n_suites = config->n_suites;
  }
}

void
gst_mikey_config_to_responder_config (const GstMikeyConfig * config,
    MikeyResponderConfig * cfg)
{
  memset (cfg, 0, sizeof (*cfg));
  cfg->mode = config->mode;
  cfg->psk = config->psk;
  cfg->psk_len = config->psk_len;
  cfg->id_r = config->id;
  cfg->key = config->key;
  cfg->certs = config->certs;
  cfg->trust = config->trust;
  cfg->peer_cert = config->peer_cert;
  cfg->sign_type = config->sign_type;
  /* dh-group is the one group mikeydec takes (1 only when set to 1) */
  cfg->dh_groups = MIKEY_DH_GROUP_BIT (config->dh_group);
  cfg->peer_id = config->peer_id;
  if (config->n_modes > 0) {
    cfg->modes = config->modes;
    cfg->n_modes = config->n_modes;
  }
  if (config->n_suites > 0) {
    cfg->suites = config->suites;
    cfg->n_suites = config->n_suites;
  } else if (config->suite != NULL) {
    /* the core refuses other suites, answering with an error message */
    cfg->suites = &config->suite;
    cfg->n_suites = 1;
  }
}
