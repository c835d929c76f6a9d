/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * process.c - what happens to a claimed SEM file: read, parse, deliver
 * through the IM hub, then remove; or set aside in bad/ with a reason.
 *
 * Worker threads (a GThreadPool) do it, since delivery blocks (the hub
 * syncs the history to disk).  The file is read with O_NOFOLLOW and a
 * size check on the open descriptor before anything is allocated.  The
 * claimed name is the hub's dedupe key, so a file delivered just before
 * a crash is a no-op when it is processed again after the restart: that,
 * with the rename in drop.c, makes delivery exactly-once across kill -9
 * at any step.  A refusal the hub calls permanent (no such recipient,
 * bad address or text, too big) sets the file aside; a temporary one
 * leaves it in processing/ for the next periodic scan.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "imsem.h"
#include "sem-parse.h"

static GThreadPool *pool;
static GMutex lock;
static GHashTable *busy; /* claimed names queued or being processed (lock) */
static gboolean is_stopping;

/* "1700000000000000-7-IM-5.SEM" -> "IM-5.SEM" */
static const char *
original_name(const char *claimed)
{
    const char *p = strchr(claimed, '-');

    p = p != NULL ? strchr(p + 1, '-') : NULL;
    return p != NULL ? p + 1 : claimed;
}

static gboolean
write_reason(const char *path, const char *reason)
{
    g_autofree char *text = g_strdup_printf("%s\n", reason);

    return g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0640, NULL);
}

void
imsem_set_aside(const char *from_dir, const char *name, const char *original, const char *reason)
{
    g_autofree char *from = g_build_filename(from_dir, name, NULL);
    g_autofree char *to = g_build_filename(imsem_folders.bad_dir, original, NULL);
    g_autofree char *why = NULL;

    if (g_file_test(to, G_FILE_TEST_EXISTS)) {
        g_free(to);
        to = g_strdup_printf("%s/%s.%" G_GINT64_FORMAT, imsem_folders.bad_dir, original,
                             g_get_real_time());
    }
    /* The reason first: a crash between the two leaves the file to be
     * refused again, never a file without its reason. */
    why = g_strdup_printf("%s.reason", to);
    if (!write_reason(why, reason) || rename(from, to) != 0) {
        imsem_api->log(HERMOD_LOG_ERROR, NULL, "imsem: cannot move %s to %s: %s", from, to,
                       g_strerror(errno));
        return;
    }
    imsem_api->log(HERMOD_LOG_WARNING, NULL, "imsem: %s set aside as %s: %s", original, to, reason);
}

/* The file's bytes, or NULL with *out_reason set (a bad file) or not
 * (it could not be read: try again later). */
static char *
read_claimed(const char *path, gsize *out_len, char **out_reason)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    char *data = NULL;
    gsize got = 0;

    *out_reason = NULL;
    if (fd < 0) {
        if (errno == ELOOP)
            *out_reason = g_strdup("not a regular file");
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        *out_reason = g_strdup("not a regular file");
    } else if ((guint64)st.st_size > imsem_folders.max_size) {
        *out_reason = g_strdup_printf("the file is %" G_GUINT64_FORMAT " bytes, more than "
                                      "[imsem] max_size (%" G_GSIZE_FORMAT ")",
                                      (guint64)st.st_size, imsem_folders.max_size);
    } else {
        data = g_malloc((gsize)st.st_size + 1);
        while (got < (gsize)st.st_size) {
            ssize_t n = read(fd, data + got, (gsize)st.st_size - got);
            if (n <= 0)
                break;
            got += (gsize)n;
        }
        data[got] = '\0';
    }
    close(fd);
    *out_len = got;
    return data;
}

static gboolean
is_permanent(const GError *error)
{
    return g_error_matches(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_NO_RECIPIENT) ||
           g_error_matches(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_BAD_ADDRESS) ||
           g_error_matches(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_BAD_TEXT) ||
           g_error_matches(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_TOO_BIG) ||
           g_error_matches(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_INVALID);
}

static void
deliver(const char *claimed, const char *path, const SemIm *im)
{
    g_autoptr(GError) error = NULL;
    HermodImSend req = {
        .struct_size = sizeof req,
        .source = "sem",
        .sender = im->sender,
        .recipient = im->recipient,
        .text = im->text,
        .session = original_name(claimed),
        .dedupe_key = claimed,
    };
    gint64 id = 0;

    if (imsem_api->im->deliver(&req, &id, NULL, &error)) {
        if (g_unlink(path) != 0)
            imsem_api->log(HERMOD_LOG_ERROR, NULL, "imsem: cannot remove %s: %s", path,
                           g_strerror(errno));
        imsem_api->log(HERMOD_LOG_INFO, NULL, "imsem: %s from <%s> delivered to <%s> (%s)",
                       original_name(claimed), im->sender, im->recipient, claimed);
    } else if (is_permanent(error)) {
        imsem_set_aside(imsem_folders.processing_dir, claimed, original_name(claimed),
                        error->message);
    } else {
        imsem_api->log(HERMOD_LOG_WARNING, NULL, "imsem: %s: %s; trying again later",
                       original_name(claimed), error->message);
    }
}

static void
process(const char *claimed)
{
    g_autofree char *path = g_build_filename(imsem_folders.processing_dir, claimed, NULL);
    g_autofree char *reason = NULL;
    g_autofree char *data = NULL;
    SemIm im = {0};
    gsize len = 0;

    data = read_claimed(path, &len, &reason);
    if (data == NULL && reason == NULL) {
        if (errno != ENOENT)
            imsem_api->log(HERMOD_LOG_WARNING, NULL, "imsem: cannot read %s: %s", path,
                           g_strerror(errno));
        return;
    }
    if (data != NULL && !sem_parse(data, len, &im, &reason)) {
        g_clear_pointer(&data, g_free);
    }
    if (data == NULL) {
        imsem_set_aside(imsem_folders.processing_dir, claimed, original_name(claimed), reason);
        return;
    }
    deliver(claimed, path, &im);
    sem_im_clear(&im);
}

static void
work(gpointer item, gpointer data)
{
    char *claimed = item;
    gboolean skip;

    g_mutex_lock(&lock);
    skip = is_stopping;
    g_mutex_unlock(&lock);
    if (!skip)
        process(claimed);
    g_mutex_lock(&lock);
    g_hash_table_remove(busy, claimed);
    g_mutex_unlock(&lock);
    g_free(claimed);
}

void
imsem_process_start(guint n)
{
    busy = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    is_stopping = FALSE;
    pool = g_thread_pool_new(work, NULL, (gint)MAX(n, 1), FALSE, NULL);
}

void
imsem_process_queue(const char *claimed)
{
    gboolean is_new;

    g_mutex_lock(&lock);
    is_new = pool != NULL && !is_stopping && g_hash_table_add(busy, g_strdup(claimed));
    g_mutex_unlock(&lock);
    if (is_new)
        g_thread_pool_push(pool, g_strdup(claimed), NULL);
}

void
imsem_process_stop(void)
{
    if (pool == NULL)
        return;
    g_mutex_lock(&lock);
    is_stopping = TRUE;
    g_mutex_unlock(&lock);
    g_thread_pool_free(pool, FALSE, TRUE);
    pool = NULL;
    g_clear_pointer(&busy, g_hash_table_unref);
}
