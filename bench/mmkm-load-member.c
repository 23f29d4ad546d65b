/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One simulated member's protocol steps (see mmkm-load-member.h). */
#include "mmkm-load-member.h"

#include <openssl/crypto.h>
#include <string.h>

#include "mikey-error.h"
#include "mmkm-api.h"
#include "mmkm-error.h"

LoadMember *
load_member_new (const gchar * user, MmkmIdentity * device)
{
  LoadMember *m = g_new0 (LoadMember, 1);

  m->user = g_strdup (user);
  m->device = device;
  mmkm_hb_window_init (&m->ack_window);
  return m;
}

void
load_member_free (LoadMember * m)
{
  if (!m)
    return;
  g_free (m->user);
  if (m->token)
    mmkm_api_free_secret (m->token);
  g_clear_pointer (&m->device, mmkm_identity_free);
  g_clear_pointer (&m->exchange, mmkm_kek_member_free);
  g_clear_pointer (&m->rx, mmkm_tek_receiver_free);
  OPENSSL_cleanse (m->kek, sizeof m->kek);
  mmkm_hb_key_clear (&m->hb_key);
  g_free (m);
}

gchar *
load_member_register_body (LoadMember * m, const gchar * password)
{
  MmkmApiRegisterRequest r = { m->user, (gchar *) password,
    (gchar *) mmkm_identity_get_cert_pem (m->device)
  };

  return mmkm_api_register_request_to_json (&r);
}

gchar *
load_member_login_body (LoadMember * m, const gchar * password,
    const gchar * group)
{
  MmkmApiLoginRequest r = { 0 };

  r.user = m->user;
  r.password = (gchar *) password;
  r.group = (gchar *) group;
  memcpy (r.fingerprint, mmkm_identity_get_fingerprint (m->device),
      MMKM_API_FINGERPRINT_LEN);
  return mmkm_api_login_request_to_json (&r);
}

gboolean
load_member_login_done (LoadMember * m, GBytes * answer, GError ** error)
{
  MmkmApiLoginResponse r = { 0 };

  if (!mmkm_api_login_response_from_json (g_bytes_get_data (answer, NULL),
          g_bytes_get_size (answer), &r, error))
    return FALSE;
  memcpy (m->session_id, r.session_id, MMKM_SESSION_ID_LEN);
  if (m->token)
    mmkm_api_free_secret (m->token);
  m->token = mmkm_api_token_to_string (r.token);
  m->group_id = r.group_id;
  mmkm_api_login_response_clear (&r);
  return TRUE;
}

GBytes *
load_member_kek_start (LoadMember * m, MikeyCert * server_cert, GError ** error)
{
  g_clear_pointer (&m->exchange, mmkm_kek_member_free);
  m->exchange = mmkm_kek_member_new (m->device, m->user, server_cert, error);
  if (!m->exchange)
    return NULL;
  return mmkm_kek_member_start (m->exchange, g_get_real_time (), error);
}

gboolean
load_member_kek_done (LoadMember * m, GBytes * answer, GError ** error)
{
  gboolean ok;

  ok = mmkm_kek_member_finish (m->exchange, g_bytes_get_data (answer, NULL),
      g_bytes_get_size (answer), g_get_real_time (), m->kek, error)
      && mmkm_hb_key_derive (m->kek, MMKM_KEK_LEN, &m->hb_key, error);
  g_clear_pointer (&m->exchange, mmkm_kek_member_free);
  if (!ok)
    return FALSE;
  g_clear_pointer (&m->rx, mmkm_tek_receiver_free);
  m->rx = mmkm_tek_receiver_new (m->kek, m->user, m->group_id, 0, error);
  return m->rx != NULL;
}

gboolean
load_member_teks_done (LoadMember * m, GBytes * answer, gboolean open,
    GError ** error)
{
  MmkmApiTeks t = { 0 };
  MikeySrtpParams key = { 0 };
  gboolean ok = TRUE;

  if (!mmkm_api_teks_from_json (g_bytes_get_data (answer, NULL),
          g_bytes_get_size (answer), &t, error))
    return FALSE;
  if (t.n_teks < 1) {
    g_set_error (error, MMKM_ERROR, MMKM_ERROR_INVALID, "no TEK");
    ok = FALSE;
  } else if (open) {
    ok = mmkm_tek_receiver_open (m->rx, g_bytes_get_data (t.teks[0].mikey,
            NULL), g_bytes_get_size (t.teks[0].mikey), g_get_real_time (),
        &key, error);
    if (ok && mmkm_tek_get_mki (&key) != t.teks[0].mki) {
      g_set_error (error, MMKM_ERROR, MMKM_ERROR_INVALID, "MKI mismatch");
      ok = FALSE;
    }
    mikey_srtp_params_clear (&key);
  }
  mmkm_api_teks_clear (&t);
  return ok;
}

gboolean
load_member_set_session (LoadMember * m, const guint8 * id,
    const guint8 * kek, GError ** error)
{
  memcpy (m->session_id, id, MMKM_SESSION_ID_LEN);
  memcpy (m->kek, kek, MMKM_KEK_LEN);
  return mmkm_hb_key_derive (m->kek, MMKM_KEK_LEN, &m->hb_key, error);
}

gboolean
load_member_heartbeat (LoadMember * m, guint8 out[MMKM_HB_LEN])
{
  MmkmHeartbeat hb = { 0 };

  hb.type = MMKM_HB_HEARTBEAT;
  memcpy (hb.session_id, m->session_id, MMKM_SESSION_ID_LEN);
  hb.seq = ++m->seq;
  return mmkm_hb_encode (&m->hb_key, &hb, out, NULL);
}

gboolean
load_member_ack (LoadMember * m, const guint8 * data, gsize len,
    GError ** error)
{
  return mmkm_hb_accept (&m->hb_key, m->session_id, MMKM_HB_FROM_SERVER,
      &m->ack_window, data, len, NULL, error);
}
