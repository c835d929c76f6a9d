/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * drop.c - the drop folder: watching it, and claiming unlocked SEM files.
 *
 * A writer creates IM-<id>.LCK, writes IM-<id>.SEM, removes the LCK.  A
 * SEM whose LCK exists is never touched (not even opened).  Once it is
 * unlocked it is claimed by one rename into processing/ under a new,
 * unique name (microseconds-counter-original), which is also its dedupe
 * key at the hub: whatever happens after the rename, the file is either
 * still in processing/ (and is delivered again, as a no-op if the hub
 * has it) or gone because it was delivered or set aside.
 *
 * Scans run on the main thread: on inotify events (GFileMonitor, coalesced
 * for SCAN_DELAY_MS), every [imsem] scan_interval as a fallback for missed
 * events, and at start, where processing/ is rescanned first for files a
 * crash left there.  The periodic scan also retries files whose delivery
 * failed for a temporary reason (they stay in processing/).  A file with
 * the wrong name is set aside once it is bad_name_delay old, so that a
 * writer that renames its temporary into place is not robbed of it;
 * ".name" files are left alone altogether.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "imsem.h"
#include "sem-parse.h"

#define SCAN_DELAY_MS 20
#define STALE_LCK_S   600

static GFileMonitor *monitor;
static guint scan_timer;    /* the periodic scan */
static guint pending_scan;  /* a coalesced scan after events */
static guint claim_counter; /* makes claimed names unique */

static gboolean
make_folder(const char *path, int mode, GError **error)
{
    if (g_mkdir_with_parents(path, mode) != 0) {
        int err = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "cannot create %s: %s", path,
                    g_strerror(err));
        return FALSE;
    }
    return TRUE;
}

/* drop_dir writable by group: setgid, so files keep the group, and
 * sticky, so a writer cannot rename or remove others' files, nor the
 * daemon's processing/ and bad/ folders. */
static void
open_to_group(const char *group)
{
    struct group *gr = group != NULL && *group != '\0' ? getgrnam(group) : NULL;

    if (group != NULL && *group != '\0' && gr == NULL) {
        imsem_api->log(HERMOD_LOG_WARNING, NULL, "imsem: no group %s; %s is the daemon's only",
                       group, imsem_folders.drop_dir);
        return;
    }
    if (gr != NULL && chown(imsem_folders.drop_dir, (uid_t)-1, gr->gr_gid) != 0)
        imsem_api->log(HERMOD_LOG_WARNING, NULL, "imsem: cannot give %s to group %s: %s",
                       imsem_folders.drop_dir, group, g_strerror(errno));
    if (chmod(imsem_folders.drop_dir, gr != NULL ? 03770 : 0770) != 0)
        imsem_api->log(HERMOD_LOG_WARNING, NULL, "imsem: cannot set the mode of %s: %s",
                       imsem_folders.drop_dir, g_strerror(errno));
}

/* Claim drop_dir/name unless its LCK exists; queue it.  Two spellings of
 * the LCK's extension are checked, as writers on case-insensitive
 * systems may use either. */
static void
claim(const char *name, const char *id)
{
    g_autofree char *lck = g_strdup_printf("%s/IM-%s.LCK", imsem_folders.drop_dir, id);
    g_autofree char *lck_lower = g_strdup_printf("%s/IM-%s.lck", imsem_folders.drop_dir, id);
    g_autofree char *from = g_build_filename(imsem_folders.drop_dir, name, NULL);
    g_autofree char *claimed = NULL;
    g_autofree char *to = NULL;

    if (access(lck, F_OK) == 0 || access(lck_lower, F_OK) == 0)
        return;
    claimed =
        g_strdup_printf("%" G_GINT64_FORMAT "-%u-%s", g_get_real_time(), ++claim_counter, name);
    to = g_build_filename(imsem_folders.processing_dir, claimed, NULL);
    if (rename(from, to) != 0) {
        if (errno != ENOENT)
            imsem_api->log(HERMOD_LOG_WARNING, NULL, "imsem: cannot claim %s: %s", from,
                           g_strerror(errno));
        return;
    }
    imsem_process_queue(claimed);
}

static void
warn_stale_lock(const char *name, const struct stat *st)
{
    static GHashTable *warned; /* main thread only */

    if (time(NULL) - st->st_mtime < STALE_LCK_S)
        return;
    if (warned == NULL)
        warned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    if (g_hash_table_add(warned, g_strdup(name)))
        imsem_api->log(HERMOD_LOG_WARNING, NULL,
                       "imsem: %s is older than %d minutes; its SEM waits until it is removed",
                       name, STALE_LCK_S / 60);
}

static void
scan_entry(const char *name)
{
    g_autofree char *path = g_build_filename(imsem_folders.drop_dir, name, NULL);
    g_autofree char *id = NULL;
    SemNameKind kind = sem_name_kind(name, &id);
    struct stat st;

    if (kind == SEM_NAME_IGNORED || lstat(path, &st) != 0 || S_ISDIR(st.st_mode))
        return;
    if (kind == SEM_NAME_LCK) {
        warn_stale_lock(name, &st);
    } else if (!S_ISREG(st.st_mode)) {
        imsem_set_aside(imsem_folders.drop_dir, name, name, "not a regular file");
    } else if (kind == SEM_NAME_SEM) {
        claim(name, id);
    } else if (time(NULL) - st.st_mtime >= imsem_folders.bad_name_delay) {
        imsem_set_aside(imsem_folders.drop_dir, name, name,
                        "the name is not IM-<id>.SEM (id: 1 to 64 letters, digits, - or _)");
    }
}

/* Requeue what is in processing/ (left by a crash, or a temporary
 * failure); process.c skips what it has queued already. */
static void
scan_processing(void)
{
    g_autoptr(GDir) dir = g_dir_open(imsem_folders.processing_dir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        if (name[0] != '.')
            imsem_process_queue(name);
    }
}

void
imsem_drop_scan(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) dir = g_dir_open(imsem_folders.drop_dir, 0, &error);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    if (dir == NULL) {
        imsem_api->log(HERMOD_LOG_ERROR, NULL, "imsem: %s", error->message);
        return;
    }
    while ((name = g_dir_read_name(dir)) != NULL)
        g_ptr_array_add(names, g_strdup(name));
    /* Oldest first, more or less: writers number their files upwards. */
    g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
    for (guint i = 0; i < names->len; i++)
        scan_entry(names->pdata[i]);
}

static gboolean
on_scan_timer(gpointer data)
{
    scan_processing();
    imsem_drop_scan();
    return G_SOURCE_CONTINUE;
}

static gboolean
on_pending_scan(gpointer data)
{
    pending_scan = 0;
    imsem_drop_scan();
    return G_SOURCE_REMOVE;
}

static void
on_change(GFileMonitor *m, GFile *file, GFile *other, GFileMonitorEvent event, gpointer data)
{
    if (pending_scan == 0)
        pending_scan = g_timeout_add(SCAN_DELAY_MS, on_pending_scan, NULL);
}

static void
watch(void)
{
    g_autoptr(GFile) dir = g_file_new_for_path(imsem_folders.drop_dir);
    g_autoptr(GError) error = NULL;

    monitor = g_file_monitor_directory(dir, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
    if (monitor == NULL) {
        imsem_api->log(HERMOD_LOG_WARNING, NULL,
                       "imsem: cannot watch %s (%s); scanning it periodically only",
                       imsem_folders.drop_dir, error->message);
        return;
    }
    g_file_monitor_set_rate_limit(monitor, SCAN_DELAY_MS);
    g_signal_connect(monitor, "changed", G_CALLBACK(on_change), NULL);
}

gboolean
imsem_drop_start(const char *group, guint scan_interval, GError **error)
{
    if (!make_folder(imsem_folders.drop_dir, 0770, error) ||
        !make_folder(imsem_folders.processing_dir, 0750, error) ||
        !make_folder(imsem_folders.bad_dir, 0750, error))
        return FALSE;
    open_to_group(group);
    watch();
    scan_processing();
    imsem_drop_scan();
    scan_timer = g_timeout_add_seconds(MAX(scan_interval, 1), on_scan_timer, NULL);
    return TRUE;
}

void
imsem_drop_stop(void)
{
    if (monitor != NULL) {
        g_file_monitor_cancel(monitor);
        g_clear_object(&monitor);
    }
    if (scan_timer != 0)
        g_source_remove(scan_timer);
    if (pending_scan != 0)
        g_source_remove(pending_scan);
    scan_timer = pending_scan = 0;
}
