/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gstmmkmmessages.h */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmmkmmessages.h"

GST_DEBUG_CATEGORY_EXTERN (gst_mmkm_registry_debug);
#define GST_CAT_DEFAULT gst_mmkm_registry_debug

void
gst_mmkm_post (GstMmkmRegistry * self, const gchar * name,
    const gchar * first_field, ...)
{
  GstStructure *s;
  va_list ap;

  va_start (ap, first_field);
  s = gst_structure_new_valist (name, first_field, ap);
  va_end (ap);
  GST_DEBUG_OBJECT (self, "posting %" GST_PTR_FORMAT, s);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

void
gst_mmkm_post_client_error (GstMmkmRegistry * self, MmkmClientError code,
    const gchar * message)
{
  gchar *server, *user, *group, *state_dir;
  const gchar *detail = message ? message : "";

  GST_OBJECT_LOCK (self);
  server = g_strdup (self->server);
  user = g_strdup (self->user);
  group = g_strdup (self->group);
  state_dir = g_strdup (self->state_dir);
  GST_OBJECT_UNLOCK (self);

  switch (code) {
    case MMKM_CLIENT_ERROR_WRONG_PASSWORD:
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
          ("The MMKM server at %s refused user \"%s\": wrong user name or "
              "password (or the device in %s is not the one registered for "
              "this user). Check the user and password-file properties.",
              server, user, state_dir), ("%s", detail));
      break;
    case MMKM_CLIENT_ERROR_SERVER_CERT:
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
          ("The server at %s is not the MMKM server you pinned (%s). Check "
              "server-fingerprint (mmkm-server prints its fingerprint when it "
              "starts) or ca-file.", server, detail), (NULL));
      break;
    case MMKM_CLIENT_ERROR_UNREACHABLE:
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
          ("Cannot reach the MMKM server at %s. Check the server property "
              "(https://HOST:PORT) and that mmkm-server is running there.",
              server), ("%s", detail));
      break;
    case MMKM_CLIENT_ERROR_UNKNOWN_GROUP:
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
          ("The MMKM server at %s has no group \"%s\". Check the group "
              "property.", server, group), ("%s", detail));
      break;
    case MMKM_CLIENT_ERROR_FORBIDDEN:
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
          ("The MMKM server refused user \"%s\" in group \"%s\" (a disabled "
              "user, or one without the right to it): %s Ask the server's "
              "administrator (mmkm-admin users).", user, group, detail),
          (NULL));
      break;
    case MMKM_CLIENT_ERROR_REGISTERED:
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
          ("User \"%s\" already has a device registered on the MMKM server, "
              "and %s holds another. Set state-dir to the directory where "
              "this user's device was registered, or ask the server's "
              "administrator to remove the old device.", user, state_dir),
          ("%s", detail));
      break;
    case MMKM_CLIENT_ERROR_DUPLICATE_LOGIN:
      GST_ELEMENT_ERROR (self, RESOURCE, BUSY,
          ("User \"%s\" is logged in to the MMKM server already and the "
              "server refuses a second login. Stop the other member (another "
              "pipeline, or mmkm-client leave) or use another user.", user),
          ("%s", detail));
      break;
    case MMKM_CLIENT_ERROR_RATE_LIMITED:
      GST_ELEMENT_ERROR (self, RESOURCE, BUSY,
          ("The MMKM server is holding off logins of user \"%s\" (too many "
              "failed attempts, or busy): %s Wait, and check the password.",
              user, detail), (NULL));
      break;
    default:
      GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
          ("MMKM key management with the server at %s failed (%s): %s",
              server, mmkm_client_error_name (code), detail), (NULL));
      break;
  }
  g_free (server);
  g_free (user);
  g_free (group);
  g_free (state_dir);
}
