/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store.c - open account stores, and the operations the rest of the core
 * calls: deliver, list mailboxes and messages, map a message (appends are
 * store-append.c's).
 *
 * Opening a store costs an SQLite open and a scan of its files, so open
 * stores are cached: hermod_store_open hands out a reference to the cached
 * object, and when the last user lets go the store stays open, idle, until
 * more than IDLE_MAX idle stores pile up (least recently used go first).
 * Each store has one SQLite connection behind its own mutex, so writers to
 * one account take turns while different accounts write in parallel.
 * Appends write and fsync their files without it, then are published in
 * batches (store-append.c): one folder fsync and one short transaction per
 * batch (WAL, synchronous=NORMAL: why that is durable enough is in
 * store-index.c).
 *
 * SQL lives in store-index.c, file handling and recovery in store-file.c.
 *
 * The root folder and each domain folder are marked as tops of directory
 * hierarchies when a folder is made in them (ext4's FS_TOPDIR_FL, "chattr +T", as for /home), so
 * that each new account folder, and with it every message file it will hold, gets block groups of
 * its own instead of those of its parent.  On an ext4 without a journal, creating a file scans past
 * every inode of its block group freed in the last seconds (up to 5 minutes while their inode table
 * block is dirty): in the block groups of a busy parent (another program deleting files nearby, a
 * queue, a build) that cost 130-340 us per message file here instead of ~13 us.  Best effort: other
 * filesystems ignore or refuse the flag and nothing else changes.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "directory/directory.h"
#include "store/store-private.h"

#define IDLE_MAX 64

static GMutex cache_lock;
static GHashTable *cache;          /* account folder -> HermodStore *, in use or idle */
static GQueue idle = G_QUEUE_INIT; /* stores nobody uses, oldest first */
static char *root;

/* The quark name must stay one word. */
/* clang-format off */
G_DEFINE_QUARK(hermod-store-error-quark, hermod_store_error)
/* clang-format on */

void
hermod_store_set_root(const char *data_dir)
{
    g_mutex_lock(&cache_lock);
    g_free(root);
    root = g_build_filename(data_dir, "mail", NULL);
    g_mutex_unlock(&cache_lock);
}

char *
hermod_store_root_path(const char *name)
{
    char *out;

    g_mutex_lock(&cache_lock);
    out = root != NULL ? g_build_filename(root, name, NULL) : NULL;
    g_mutex_unlock(&cache_lock);
    return out;
}

/* One path component from a domain or local part: '/', '%', control
 * characters and a leading '.' are %XX-escaped, so no address can name
 * another folder. */
static char *
encode(const char *s)
{
    GString *out = g_string_new(NULL);

    for (const char *p = s; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '/' || c == '%' || c < 0x20 || c == 0x7f || (c == '.' && p == s))
            g_string_append_printf(out, "%%%02X", c);
        else
            g_string_append_c(out, (char)c);
    }
    return g_string_free(out, FALSE);
}

static char *
account_dir(const char *account, GError **error)
{
    const char *at = account != NULL ? strrchr(account, '@') : NULL;
    g_autofree char *local = NULL;
    g_autofree char *domain = NULL;

    if (root == NULL || at == NULL || at == account || at[1] == '\0') {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_IO,
                    root == NULL ? "store: no root folder set" : "store: not an account: %s",
                    account != NULL ? account : "(null)");
        return NULL;
    }
    local = g_strndup(account, at - account);
    g_autofree char *enc_local = encode(local);
    domain = encode(at + 1);
    return g_build_filename(root, domain, enc_local, NULL);
}

/* Is path the root or a domain folder (the parents of account folders)? */
static gboolean
is_above_accounts(const char *path)
{
    gsize n = root != NULL ? strlen(root) : 0;
    const char *rest = path + n;

    if (n == 0 || strncmp(path, root, n) != 0 || (*rest != '\0' && *rest != '/'))
        return FALSE;
    while (*rest == '/')
        rest++;
    return *rest == '\0' || strchr(rest, '/') == NULL;
}

/* Mark the folder fd as a top of directory hierarchies: the folders made
 * in it are spread over the disk's block groups (see the top).  Errors are
 * ignored: the flag only places new folders. */
static void
spread_children(int fd)
{
    int flags = 0;

    if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && !(flags & FS_TOPDIR_FL)) {
        flags |= FS_TOPDIR_FL;
        (void)ioctl(fd, FS_IOC_SETFLAGS, &flags);
    }
}

/* Create path and its parents as needed, syncing each parent that got a
 * new entry so that a new account folder survives a power cut.  A folder
 * made in the root or in a domain folder (a domain or an account) is made
 * after its parent was marked to spread its children, so that folders of
 * an older data folder get the flag too.  cache_lock held (root). */
static gboolean
make_dir(const char *path, GError **error)
{
    g_autofree char *parent = NULL;
    int fd;

    if (g_file_test(path, G_FILE_TEST_IS_DIR))
        return TRUE;
    parent = g_path_get_dirname(path);
    if (!g_str_equal(parent, path) && !make_dir(parent, error))
        return FALSE;
    fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0 && is_above_accounts(parent))
        spread_children(fd);
    if (mkdir(path, 0750) != 0 && errno != EEXIST) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_IO, "store: cannot create %s: %s",
                    path, g_strerror(errno));
        if (fd >= 0)
            close(fd);
        return FALSE;
    }
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    return TRUE;
}

static void
store_free(gpointer data)
{
    HermodStore *store = data;

    hermod_store_index_close(store);
    if (store->msg_fd >= 0)
        close(store->msg_fd);
    g_mutex_clear(&store->lock);
    g_mutex_clear(&store->batch_lock);
    g_cond_clear(&store->synced);
    g_ptr_array_unref(store->pending);
    g_free(store->account);
    g_free(store->dir);
    g_free(store->msg_dir);
    g_free(store->tmp_dir);
    g_free(store);
}

/* Default mailboxes and orphan recovery, in one write transaction. */
static gboolean
store_prepare(HermodStore *store, GError **error)
{
    if (!hermod_store_exec(store, "BEGIN IMMEDIATE", error))
        return FALSE;
    if (!hermod_store_index_defaults(store, error) || !hermod_store_file_recover(store, error) ||
        !hermod_store_exec(store, "COMMIT", error)) {
        hermod_store_exec(store, "ROLLBACK", NULL);
        return FALSE;
    }
    return hermod_store_index_used(store, &store->used, error);
}

static HermodStore *
store_new(const char *account, char *dir, GError **error)
{
    HermodStore *store = g_new0(HermodStore, 1);

    g_mutex_init(&store->lock);
    g_mutex_init(&store->batch_lock);
    g_cond_init(&store->synced);
    store->pending = g_ptr_array_new();
    store->account = g_strdup(account);
    store->dir = dir;
    store->msg_dir = g_build_filename(dir, "msg", NULL);
    store->tmp_dir = g_build_filename(dir, "tmp", NULL);
    store->msg_fd = -1;
    if (!make_dir(store->msg_dir, error) || !make_dir(store->tmp_dir, error))
        goto fail;
    store->msg_fd = open(store->msg_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (store->msg_fd < 0) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_IO, "store: cannot open %s: %s",
                    store->msg_dir, g_strerror(errno));
        goto fail;
    }
    if (!hermod_store_index_open(store, error) || !store_prepare(store, error))
        goto fail;
    return store;
fail:
    store_free(store);
    return NULL;
}

HermodStore *
hermod_store_open(const char *account, GError **error)
{
    HermodStore *store = NULL;
    char *dir;

    g_mutex_lock(&cache_lock);
    dir = account_dir(account, error);
    if (dir != NULL && cache != NULL)
        store = g_hash_table_lookup(cache, dir);
    if (store != NULL) {
        g_free(dir);
        if (store->refcount++ == 0)
            g_queue_remove(&idle, store);
    } else if (dir != NULL) {
        store = store_new(account, dir, error);
        if (cache == NULL)
            cache = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, store_free);
        if (store != NULL) {
            store->refcount = 1;
            g_hash_table_insert(cache, store->dir, store);
        }
    }
    g_mutex_unlock(&cache_lock);
    return store;
}

HermodStore *
hermod_store_ref(HermodStore *store)
{
    g_mutex_lock(&cache_lock);
    g_assert(store->refcount > 0);
    store->refcount++;
    g_mutex_unlock(&cache_lock);
    return store;
}

void
hermod_store_unref(HermodStore *store)
{
    if (store == NULL)
        return;
    g_mutex_lock(&cache_lock);
    g_assert(store->refcount > 0);
    if (--store->refcount == 0) {
        g_queue_push_tail(&idle, store);
        while (idle.length > IDLE_MAX) {
            HermodStore *old = g_queue_pop_head(&idle);
            g_hash_table_remove(cache, old->dir);
        }
    }
    g_mutex_unlock(&cache_lock);
}

void
hermod_store_shutdown(void)
{
    hermod_store_search_stop();
    g_mutex_lock(&cache_lock);
    while (idle.length > 0) {
        HermodStore *old = g_queue_pop_head(&idle);
        g_hash_table_remove(cache, old->dir);
    }
    g_mutex_unlock(&cache_lock);
}

gboolean
hermod_store_retire(const char *account, const char *into, char **out_moved_to, GError **error)
{
    g_autofree char *dir = account_dir(account, error);
    g_autofree char *base = dir != NULL ? g_path_get_basename(dir) : NULL;
    g_autofree char *parent = dir != NULL ? g_path_get_dirname(dir) : NULL;
    g_autofree char *domain = parent != NULL ? g_path_get_basename(parent) : NULL;
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");

    *out_moved_to = NULL;
    if (dir == NULL)
        return FALSE;
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
        return TRUE; /* not found: nothing to move */
    g_autofree char *dest_dir = g_build_filename(into, domain, NULL);
    g_autofree char *name = g_strdup_printf("%s.%s", base, stamp);
    g_autofree char *dest = g_build_filename(dest_dir, name, NULL);
    if (!make_dir(dest_dir, error))
        return FALSE;
    if (g_rename(dir, dest) != 0) {
        int err = errno;
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_IO, "cannot move %s to %s: %s",
                    dir, dest, g_strerror(err));
        return FALSE;
    }
    *out_moved_to = g_steal_pointer(&dest);
    return TRUE;
}

gboolean
hermod_store_over_quota(HermodStore *store, guint64 quota, guint64 size, GError **error)
{
    if (quota == 0 || store->used + size <= quota)
        return FALSE;
    g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_OVER_QUOTA,
                "%s is over quota (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                " bytes used, message %" G_GUINT64_FORMAT ")",
                store->account, store->used, quota, size);
    return TRUE;
}

gboolean
hermod_store_quota_limit(HermodStore *store, guint64 *out_limit, GError **error)
{
    g_autoptr(GError) why = NULL;

    if (hermod_directory_user_quota(store->account, out_limit, &why))
        return TRUE;
    g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB,
                "store %s: cannot read the quota: %s", store->account, why->message);
    return FALSE;
}

/* All quotas are checked before anything is written, so an over-quota
 * recipient fails the delivery without a partial copy. */
gboolean
hermod_store_deliver(GPtrArray *accounts, GBytes *data, GError **error)
{
    g_autoptr(GPtrArray) stores =
        g_ptr_array_new_with_free_func((GDestroyNotify)hermod_store_unref);
    gboolean full;

    for (guint i = 0; i < accounts->len; i++) {
        HermodStore *store = hermod_store_open(accounts->pdata[i], error);
        guint64 quota = 0;
        if (store == NULL)
            return FALSE;
        g_ptr_array_add(stores, store);
        if (!hermod_store_quota_limit(store, &quota, error))
            return FALSE;
        g_mutex_lock(&store->lock);
        full = hermod_store_over_quota(store, quota, g_bytes_get_size(data), error);
        g_mutex_unlock(&store->lock);
        if (full)
            return FALSE;
    }
    for (guint i = 0; i < stores->len; i++) {
        if (!hermod_store_append(stores->pdata[i], "INBOX", data, 0, 0, NULL, error))
            return FALSE;
    }
    return TRUE;
}

void
hermod_store_release_bytes(HermodStore *store, guint64 bytes)
{
    g_mutex_lock(&store->lock);
    store->used -= MIN(store->used, bytes);
    g_mutex_unlock(&store->lock);
}
