/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-file.c - the immutable message files of an account and their
 * recovery.
 *
 * A message is written to tmp/NAME, fsync'd, renamed to msg/NAME and msg/
 * is fsync'd; only then does its index row commit (store-append.c writes
 * a whole batch of files, syncs them, renames them and syncs msg/ once
 * for them).  No file is renamed into msg/ before its fsync returned, so a
 * file in msg/ is always complete.  NAME is
 * "MAILBOX-ID.UID", the row it is meant for, so that the scan at open can
 * put a file without a row (crash or power cut between rename and a durable
 * commit) back exactly where it was acknowledged.  Other names (a file an
 * admin dropped in) go to INBOX under a new UID.  A file of an expunged
 * UID or of a deleted mailbox is a leftover of a crash between commit and
 * unlink, and is deleted.  The scan runs inside a
 * write transaction: a writer stages its file in tmp/ first (write and
 * fsync, no lock), then holds the transaction from before the rename into
 * msg/ until the row commits, so a file seen in msg/ without a row is a
 * true orphan even when another process has the store open.  This file never decides UIDs
 * for new mail; store.c does.
 */
#include "autoconfig.h"

#define _GNU_SOURCE 1 /* sync_file_range */

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "lib/log.h"
#include "store/store-private.h"

static gboolean
io_error(GError **error, HermodStore *store, const char *what, const char *path, int err)
{
    g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_IO, "store %s: %s %s: %s",
                store->account, what, path, g_strerror(err));
    return FALSE;
}

static gboolean
write_all(int fd, const guint8 *p, gsize len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        p += n;
        len -= (gsize)n;
    }
    return TRUE;
}

/* Write data to a new file tmp; *out_fd gets it, open, not yet synced. */
static gboolean
write_tmp(HermodStore *store, const char *tmp, GBytes *data, int *out_fd, GError **error)
{
    gsize len = 0;
    const guint8 *p = g_bytes_get_data(data, &len);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    int err;

    if (fd < 0)
        return io_error(error, store, "cannot create", tmp, errno);
    if (!write_all(fd, p, len)) {
        err = errno;
        close(fd);
        return io_error(error, store, "cannot write", tmp, err);
    }
    *out_fd = fd;
    return TRUE;
}

gboolean
hermod_store_file_stage_open(HermodStore *store, GBytes *data, char **out_tmp, int *out_fd,
                             GError **error)
{
    g_autofree char *uuid = g_uuid_string_random();
    g_autofree char *tmp = g_build_filename(store->tmp_dir, uuid, NULL);

    if (!write_tmp(store, tmp, data, out_fd, error)) {
        g_unlink(tmp);
        return FALSE;
    }
#ifdef HAVE_SYNC_FILE_RANGE
    /* Start the data's writeback now, without waiting: the fsync in
     * hermod_store_file_settle then mostly finds it done. */
    sync_file_range(*out_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
    *out_tmp = g_steal_pointer(&tmp);
    return TRUE;
}

gboolean
hermod_store_file_settle(HermodStore *store, const char *tmp, int fd, GError **error)
{
    int err;

    if (fsync(fd) != 0) {
        err = errno;
        close(fd);
        return io_error(error, store, "cannot write", tmp, err);
    }
    if (close(fd) != 0)
        return io_error(error, store, "cannot write", tmp, errno);
    return TRUE;
}

gboolean
hermod_store_file_stage(HermodStore *store, GBytes *data, char **out_tmp, GError **error)
{
    g_autofree char *tmp = NULL;
    int fd = -1;

    if (!hermod_store_file_stage_open(store, data, &tmp, &fd, error))
        return FALSE;
    if (!hermod_store_file_settle(store, tmp, fd, error)) {
        g_unlink(tmp);
        return FALSE;
    }
    *out_tmp = g_steal_pointer(&tmp);
    return TRUE;
}

gboolean
hermod_store_file_place(HermodStore *store, const char *tmp, const char *name, GError **error)
{
    g_autofree char *dst = g_build_filename(store->msg_dir, name, NULL);

    if (rename(tmp, dst) != 0)
        return io_error(error, store, "cannot rename into", dst, errno);
    return TRUE;
}

gboolean
hermod_store_file_sync(HermodStore *store, GError **error)
{
    if (fsync(store->msg_fd) != 0)
        return io_error(error, store, "cannot sync", store->msg_dir, errno);
    return TRUE;
}

void
hermod_store_file_remove(HermodStore *store, const char *name)
{
    g_autofree char *path = g_build_filename(store->msg_dir, name, NULL);

    g_unlink(path);
}

/* Remove what a crash left in tmp/.  Files younger than an hour are left
 * alone: the daemon stages new messages there outside any lock, and this
 * may run in another process (hermodctl) while it does. */
static void
empty_tmp(HermodStore *store)
{
    GDir *dir = g_dir_open(store->tmp_dir, 0, NULL);
    gint64 limit = g_get_real_time() / G_USEC_PER_SEC - 3600;
    const char *name;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *path = g_build_filename(store->tmp_dir, name, NULL);
        GStatBuf st;
        if (g_stat(path, &st) == 0 && st.st_mtime < limit)
            g_unlink(path);
    }
    if (dir != NULL)
        g_dir_close(dir);
}

/* "MAILBOX-ID.UID" -> its parts. */
static gboolean
parse_name(const char *name, gint64 *out_box, guint32 *out_uid)
{
    g_auto(GStrv) parts = g_strsplit(name, ".", -1);
    guint64 box = 0, uid = 0;

    if (g_strv_length(parts) != 2 ||
        !g_ascii_string_to_unsigned(parts[0], 10, 1, G_MAXINT64, &box, NULL) ||
        !g_ascii_string_to_unsigned(parts[1], 10, 1, G_MAXUINT32 - 1, &uid, NULL))
        return FALSE;
    *out_box = (gint64)box;
    *out_uid = (guint32)uid;
    return TRUE;
}

/* The mailbox and UID an orphan's name records, when that mailbox still
 * exists: *out_keep FALSE for an expunge's or a deleted mailbox's
 * leftover, *out_found FALSE when the name says nothing usable. */
static gboolean
orphan_home(HermodStore *store, const char *name, StoreBox *box, guint32 *uid, gboolean *out_found,
            gboolean *out_keep, GError **error)
{
    gint64 box_id;
    gboolean hit = FALSE;

    *out_found = FALSE;
    *out_keep = TRUE;
    if (!parse_name(name, &box_id, uid))
        return TRUE;
    if (!hermod_store_index_was_deleted(store, box_id, &hit, error))
        return FALSE;
    if (hit) {
        *out_keep = FALSE;
        return TRUE;
    }
    if (!hermod_store_box_by_id(store, box_id, box, &hit, error))
        return FALSE;
    if (!hit)
        return TRUE;
    if (!hermod_store_index_was_expunged(store, box_id, *uid, &hit, error))
        return FALSE;
    if (hit) {
        *out_keep = FALSE;
        return TRUE;
    }
    if (!hermod_store_index_has_uid(store, box_id, *uid, &hit, error))
        return FALSE;
    *out_found = !hit;
    return TRUE;
}

/* Where an orphan goes: the row its name records when that UID is free,
 * else the next UID of INBOX.  *out_keep FALSE for an expunge's leftover. */
static gboolean
orphan_place(HermodStore *store, const char *name, StoreBox *box, guint32 *uid, gboolean *out_keep,
             GError **error)
{
    gboolean found = FALSE;

    if (!orphan_home(store, name, box, uid, &found, out_keep, error))
        return FALSE;
    if (found || !*out_keep)
        return TRUE;
    if (!hermod_store_box(store, "INBOX", box, error))
        return FALSE;
    *uid = box->uidnext;
    return TRUE;
}

static gboolean
recover_one(HermodStore *store, const char *name, GError **error)
{
    g_autofree char *path = g_build_filename(store->msg_dir, name, NULL);
    GStatBuf st;
    StoreBox box;
    StoreRow row = {0};
    StoreSummary *summary;
    guint32 uid = 0;
    gboolean keep = TRUE, ok;

    if (g_lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return TRUE;
    if (!orphan_place(store, name, &box, &uid, &keep, error))
        return FALSE;
    if (!keep) {
        hermod_log(HERMOD_LOG_NOTICE, NULL,
                   "store %s: removing %s, left over by an expunge or a deleted mailbox",
                   store->account, name);
        g_unlink(path);
        return TRUE;
    }
    row.uid = uid;
    row.file = name;
    row.internal_date = (gint64)st.st_mtime;
    row.size = (guint64)st.st_size;
    row.summary = summary = hermod_store_summary_read(store, name);
    ok = hermod_store_index_add(store, &box, &row, error);
    hermod_store_summary_free(summary);
    if (!ok)
        return FALSE;
    hermod_log(HERMOD_LOG_NOTICE, NULL,
               "store %s: recovered %s as UID %u of mailbox %" G_GINT64_FORMAT, store->account,
               name, uid, box.id);
    return TRUE;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

gboolean
hermod_store_file_recover(HermodStore *store, GError **error)
{
    g_autoptr(GHashTable) known = hermod_store_index_files(store, error);
    g_autoptr(GPtrArray) orphans = g_ptr_array_new_with_free_func(g_free);
    GDir *dir;
    const char *name;

    if (known == NULL)
        return FALSE;
    empty_tmp(store);
    dir = g_dir_open(store->msg_dir, 0, NULL);
    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        if (name[0] != '.' && !g_hash_table_contains(known, name))
            g_ptr_array_add(orphans, g_strdup(name));
    }
    if (dir != NULL)
        g_dir_close(dir);
    /* Sorted, so that a re-run of the same scan gives the same UIDs. */
    g_ptr_array_sort(orphans, compare_names);
    for (guint i = 0; i < orphans->len; i++) {
        if (!recover_one(store, orphans->pdata[i], error))
            return FALSE;
    }
    return TRUE;
}
