/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MIKEY protocol core: bounded reading of credentials files (see
 * mikey-file-private.h). */
#include "mikey-file-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <openssl/crypto.h>

typedef enum
{
  FILE_OPEN,
  FILE_STAT,
  FILE_READ,
} FileStep;

/* GLib's own wording, so that messages stay as g_file_get_contents()
 * gave them */
static void
set_errno_error (GError ** error, FileStep step, const gchar * path,
    int saved_errno)
{
  gchar *display = g_filename_display_name (path);
  GFileError code = g_file_error_from_errno (saved_errno);
  const gchar *why = g_strerror (saved_errno);

  switch (step) {
    case FILE_OPEN:
      g_set_error (error, G_FILE_ERROR, code,
          "Failed to open file “%s”: %s", display, why);
      break;
    case FILE_STAT:
      g_set_error (error, G_FILE_ERROR, code,
          "Failed to get attributes of file “%s”: %s", display, why);
      break;
    default:
      g_set_error (error, G_FILE_ERROR, code,
          "Failed to read from file “%s”: %s", display, why);
      break;
  }
  g_free (display);
}

gboolean
mikey_file_read (const gchar * path, gsize max, gchar ** contents,
    gsize * len, GError ** error)
{
  struct stat st;
  gchar *buf;
  gsize cap, used = 0;
  int fd;

  g_return_val_if_fail (path != NULL && contents != NULL && len != NULL, FALSE);

  *contents = NULL;
  *len = 0;
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    set_errno_error (error, FILE_OPEN, path, errno);
    return FALSE;
  }
  if (fstat (fd, &st) < 0) {
    set_errno_error (error, FILE_STAT, path, errno);
    close (fd);
    return FALSE;
  }
  if (S_ISDIR (st.st_mode)) {
    set_errno_error (error, FILE_READ, path, EISDIR);
    close (fd);
    return FALSE;
  }
  /* st_size is 0 for devices and pipes: those are read up to the limit */
  if (S_ISREG (st.st_mode) && (guint64) st.st_size > max)
    goto too_large;

  /* one allocation: growing would leave copies of a key behind */
  cap = S_ISREG (st.st_mode) ? (gsize) st.st_size + 1 : max + 1;
  buf = g_malloc (cap + 1);
  for (;;) {
    gssize n = read (fd, buf + used, cap - used);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved_errno = errno;

      OPENSSL_cleanse (buf, cap + 1);
      g_free (buf);
      close (fd);
      set_errno_error (error, FILE_READ, path, saved_errno);
      return FALSE;
    }
    if (n == 0)
      break;
    used += (gsize) n;
    if (used > max) {
      OPENSSL_cleanse (buf, cap + 1);
      g_free (buf);
      goto too_large;
    }
    if (used == cap) {
      /* a regular file that grew while we read it */
      gchar *bigger;

      if (cap > max)
        continue;
      bigger = g_malloc (max + 2);
      memcpy (bigger, buf, used);
      OPENSSL_cleanse (buf, cap + 1);
      g_free (buf);
      buf = bigger;
      cap = max + 1;
    }
  }
  close (fd);
  buf[used] = '\0';
  *contents = buf;
  *len = used;
  return TRUE;

too_large:
  close (fd);
  {
    gchar *display = g_filename_display_name (path);

    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
        "File “%s” is larger than %" G_GSIZE_FORMAT " bytes: not a key, "
        "certificate or CRL file", display, max);
    g_free (display);
  }
  return FALSE;
}
