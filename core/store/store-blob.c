/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-blob.c - uploaded blobs of an account (JMAP upload, then
 * Email/set, Email/import, Blob/copy).
 *
 * A blob is a file blobs/HEX in the account folder, named by the
 * SHA-256 of its bytes, so that the same upload twice is one file and a
 * name can never point at other bytes.  It is written tmp -> fsync ->
 * rename like a message.  Blobs older than a day are removed by the next
 * upload of the account (RFC 8620 6.1 lets a server drop an upload that
 * nothing references after an hour).  Messages never reference blobs:
 * a message made from one holds a copy.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <utime.h>

#include <glib/gstdio.h>

#include "store/store-private.h"

#define BLOB_MAX_AGE (24 * 3600)

static gboolean
valid_id(const char *id)
{
    return id != NULL && strlen(id) == 64 && strspn(id, "0123456789abcdef") == 64;
}

static void
sweep(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;

    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        GStatBuf st;
        if (valid_id(name) && g_stat(path, &st) == 0 && now - (gint64)st.st_mtime > BLOB_MAX_AGE)
            g_unlink(path);
    }
    if (d != NULL)
        g_dir_close(d);
}

gboolean
hermod_store_blob_put(HermodStore *store, GBytes *data, char **out_id, GError **error)
{
    g_autofree char *dir = g_build_filename(store->dir, "blobs", NULL);
    g_autofree char *hex = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, data);
    g_autofree char *path = g_build_filename(dir, hex, NULL);
    char *tmp = NULL;

    if (g_mkdir_with_parents(dir, 0750) != 0) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_IO,
                    "store %s: cannot create %s: %s", store->account, dir, g_strerror(errno));
        return FALSE;
    }
    sweep(dir);
    if (g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_utime(path, NULL);
        *out_id = g_steal_pointer(&hex);
        return TRUE;
    }
    if (!hermod_store_file_stage(store, data, &tmp, error))
        return FALSE;
    if (rename(tmp, path) != 0) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_IO,
                    "store %s: cannot rename %s: %s", store->account, path, g_strerror(errno));
        g_unlink(tmp);
        g_free(tmp);
        return FALSE;
    }
    g_free(tmp);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    *out_id = g_steal_pointer(&hex);
    return TRUE;
}

GBytes *
hermod_store_blob_get(HermodStore *store, const char *id, GError **error)
{
    g_autofree char *path = NULL;
    g_autoptr(GMappedFile) map = NULL;
    g_autoptr(GError) why = NULL;

    if (!valid_id(id)) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_NO_MESSAGE, "no blob %s", id);
        return NULL;
    }
    path = g_build_filename(store->dir, "blobs", id, NULL);
    map = g_mapped_file_new(path, FALSE, &why);
    if (map == NULL) {
        gboolean gone = g_error_matches(why, G_FILE_ERROR, G_FILE_ERROR_NOENT);
        g_set_error(error, HERMOD_STORE_ERROR,
                    gone ? HERMOD_STORE_ERROR_NO_MESSAGE : HERMOD_STORE_ERROR_IO, "blob %s: %s", id,
                    why->message);
        return NULL;
    }
    return g_mapped_file_get_bytes(map);
}
