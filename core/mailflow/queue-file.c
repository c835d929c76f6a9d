/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * queue-file.c - one queued message on disk: data file and envelope file.
 *
 * Owns the on-disk format of data_dir/queue (see queue-file.h) and durable
 * writes (tmp -> fsync -> rename -> fsync(dir)).  It keeps no state and
 * takes no lock: the scheduler (queue.c) and hermodctl (ctl-queue.c) call
 * it directly.  It does not decide when or where a message goes.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "mailflow/queue-file.h"

#define GROUP_MSG  "message"
#define TMP_PREFIX ".tmp-"

static const char *const status_names[] = {"queued", "delivered", "failed", NULL};

static void
rcpt_free(HermodQueueRcptState *r)
{
    g_free(r->address);
    g_free(r->orcpt);
    g_free(r->dsn_status);
    g_free(r->diagnostic);
    g_free(r->remote_mta);
    g_free(r);
}

HermodQueueEntry *
hermod_queue_entry_new(const char *id)
{
    HermodQueueEntry *e = g_new0(HermodQueueEntry, 1);

    e->id = g_strdup(id);
    e->sender = g_strdup("");
    e->rcpts = g_ptr_array_new_with_free_func((GDestroyNotify)rcpt_free);
    return e;
}

void
hermod_queue_entry_free(HermodQueueEntry *entry)
{
    if (entry == NULL)
        return;
    g_ptr_array_unref(entry->rcpts);
    g_free(entry->id);
    g_free(entry->session);
    g_free(entry->sender);
    g_free(entry->envid);
    g_free(entry);
}

HermodQueueRcptState *
hermod_queue_entry_add_rcpt(HermodQueueEntry *entry, const char *address, guint notify,
                            const char *orcpt)
{
    HermodQueueRcptState *r = g_new0(HermodQueueRcptState, 1);

    r->address = g_strdup(address);
    r->notify = notify;
    r->orcpt = g_strdup(orcpt);
    g_ptr_array_add(entry->rcpts, r);
    return r;
}

guint
hermod_queue_entry_pending(HermodQueueEntry *entry)
{
    guint n = 0;

    for (guint i = 0; i < entry->rcpts->len; i++) {
        HermodQueueRcptState *r = g_ptr_array_index(entry->rcpts, i);
        n += r->status == HERMOD_RCPT_QUEUED;
    }
    return n;
}

static gboolean
fail_errno(const char *what, const char *path, GError **error)
{
    int err = errno;

    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s %s: %s", what, path,
                g_strerror(err));
    return FALSE;
}

static gboolean
fsync_dir(const char *dir, GError **error)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        return fail_errno("cannot open", dir, error);
    if (fsync(fd) < 0) {
        close(fd);
        return fail_errno("cannot fsync", dir, error);
    }
    close(fd);
    return TRUE;
}

static gboolean
write_fd(int fd, const char *data, gsize len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return FALSE;
        data += n;
        len -= (gsize)n;
    }
    return TRUE;
}

/* dir/name <- data, durably. */
static gboolean
write_durable(const char *dir, const char *name, const char *data, gsize len, GError **error)
{
    g_autofree char *tmp = g_strdup_printf("%s/" TMP_PREFIX "%s", dir, name);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);

    if (fd < 0)
        return fail_errno("cannot create", tmp, error);
    if (!write_fd(fd, data, len) || fsync(fd) < 0) {
        fail_errno("cannot write", tmp, error);
        close(fd);
        g_unlink(tmp);
        return FALSE;
    }
    close(fd);
    if (rename(tmp, path) < 0) {
        fail_errno("cannot rename", tmp, error);
        g_unlink(tmp);
        return FALSE;
    }
    return fsync_dir(dir, error);
}

char *
hermod_queue_file_new_id(const char *dir)
{
    for (;;) {
        /* Seconds then randomness: ids sort roughly by age, like Postfix's. */
        char *id = g_strdup_printf("%09" G_GINT64_MODIFIER "X%06X", g_get_real_time() / 1000000,
                                   g_random_int() & 0xffffff);
        g_autofree char *env = g_strdup_printf("%s/%s.env", dir, id);
        g_autofree char *msg = g_strdup_printf("%s/%s.msg", dir, id);
        if (!g_file_test(env, G_FILE_TEST_EXISTS) && !g_file_test(msg, G_FILE_TEST_EXISTS))
            return id;
        g_free(id);
    }
}

gboolean
hermod_queue_file_write_data(const char *dir, const char *id, GBytes *data, GError **error)
{
    g_autofree char *name = g_strdup_printf("%s.msg", id);
    gsize len;
    const char *bytes = g_bytes_get_data(data, &len);

    return write_durable(dir, name, bytes != NULL ? bytes : "", len, error);
}

static void
save_rcpt(GKeyFile *kf, guint i, HermodQueueRcptState *r)
{
    g_autofree char *group = g_strdup_printf("rcpt %u", i);

    g_key_file_set_string(kf, group, "address", r->address);
    g_key_file_set_integer(kf, group, "notify", (gint)r->notify);
    if (r->orcpt != NULL)
        g_key_file_set_string(kf, group, "orcpt", r->orcpt);
    g_key_file_set_string(kf, group, "status", status_names[r->status]);
    g_key_file_set_integer(kf, group, "attempts", (gint)r->attempts);
    if (r->dsn_status != NULL)
        g_key_file_set_string(kf, group, "dsn_status", r->dsn_status);
    if (r->diagnostic != NULL)
        g_key_file_set_string(kf, group, "diagnostic", r->diagnostic);
    if (r->remote_mta != NULL)
        g_key_file_set_string(kf, group, "remote_mta", r->remote_mta);
    g_key_file_set_boolean(kf, group, "relayed", r->is_relayed);
    g_key_file_set_boolean(kf, group, "reported", r->is_reported);
}

gboolean
hermod_queue_file_save(const char *dir, HermodQueueEntry *e, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *name = g_strdup_printf("%s.env", e->id);

    g_key_file_set_string(kf, GROUP_MSG, "id", e->id);
    if (e->session != NULL)
        g_key_file_set_string(kf, GROUP_MSG, "session", e->session);
    g_key_file_set_string(kf, GROUP_MSG, "sender", e->sender);
    if (e->envid != NULL)
        g_key_file_set_string(kf, GROUP_MSG, "envid", e->envid);
    g_key_file_set_integer(kf, GROUP_MSG, "flags", (gint)e->flags);
    g_key_file_set_int64(kf, GROUP_MSG, "created", e->created);
    g_key_file_set_int64(kf, GROUP_MSG, "next_attempt", e->next_attempt);
    g_key_file_set_boolean(kf, GROUP_MSG, "delay_notified", e->delay_notified);
    g_key_file_set_integer(kf, GROUP_MSG, "recipients", (gint)e->rcpts->len);
    for (guint i = 0; i < e->rcpts->len; i++)
        save_rcpt(kf, i, g_ptr_array_index(e->rcpts, i));
    gsize len;
    g_autofree char *text = g_key_file_to_data(kf, &len, NULL);
    return write_durable(dir, name, text, len, error);
}

static char *
opt_string(GKeyFile *kf, const char *group, const char *key)
{
    return g_key_file_get_string(kf, group, key, NULL);
}

static HermodRcptStatus
parse_status(const char *s)
{
    for (guint i = 0; status_names[i] != NULL; i++) {
        if (g_strcmp0(s, status_names[i]) == 0)
            return (HermodRcptStatus)i;
    }
    return HERMOD_RCPT_QUEUED;
}

static gboolean
load_rcpt(GKeyFile *kf, HermodQueueEntry *e, guint i, GError **error)
{
    g_autofree char *group = g_strdup_printf("rcpt %u", i);
    g_autofree char *address = g_key_file_get_string(kf, group, "address", error);
    g_autofree char *orcpt = opt_string(kf, group, "orcpt");
    g_autofree char *status = opt_string(kf, group, "status");

    if (address == NULL)
        return FALSE;
    guint notify = (guint)g_key_file_get_integer(kf, group, "notify", NULL);
    HermodQueueRcptState *r = hermod_queue_entry_add_rcpt(e, address, notify, orcpt);
    r->status = parse_status(status);
    r->attempts = (guint)g_key_file_get_integer(kf, group, "attempts", NULL);
    r->dsn_status = opt_string(kf, group, "dsn_status");
    r->diagnostic = opt_string(kf, group, "diagnostic");
    r->remote_mta = opt_string(kf, group, "remote_mta");
    r->is_relayed = g_key_file_get_boolean(kf, group, "relayed", NULL);
    r->is_reported = g_key_file_get_boolean(kf, group, "reported", NULL);
    return TRUE;
}

static gboolean
load_envelope(GKeyFile *kf, HermodQueueEntry *e, GError **error)
{
    g_free(e->sender);
    e->sender = g_key_file_get_string(kf, GROUP_MSG, "sender", error);
    if (e->sender == NULL)
        return FALSE;
    e->session = opt_string(kf, GROUP_MSG, "session");
    e->envid = opt_string(kf, GROUP_MSG, "envid");
    e->flags = (guint)g_key_file_get_integer(kf, GROUP_MSG, "flags", NULL);
    e->created = g_key_file_get_int64(kf, GROUP_MSG, "created", NULL);
    e->next_attempt = g_key_file_get_int64(kf, GROUP_MSG, "next_attempt", NULL);
    e->delay_notified = g_key_file_get_boolean(kf, GROUP_MSG, "delay_notified", NULL);
    gint n = g_key_file_get_integer(kf, GROUP_MSG, "recipients", error);
    if (n <= 0) {
        if (error != NULL && *error == NULL)
            g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "no recipients");
        return FALSE;
    }
    for (guint i = 0; i < (guint)n; i++) {
        if (!load_rcpt(kf, e, i, error))
            return FALSE;
    }
    return TRUE;
}

HermodQueueEntry *
hermod_queue_file_load(const char *dir, const char *id, GError **error)
{
    g_autofree char *env = g_strdup_printf("%s/%s.env", dir, id);
    g_autofree char *msg = g_strdup_printf("%s/%s.msg", dir, id);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(HermodQueueEntry) e = hermod_queue_entry_new(id);
    g_autoptr(GError) err = NULL;
    GStatBuf st;

    if (!g_key_file_load_from_file(kf, env, G_KEY_FILE_NONE, error))
        return NULL;
    if (!load_envelope(kf, e, &err)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: %s", env, err->message);
        return NULL;
    }
    if (g_stat(msg, &st) < 0) {
        fail_errno("cannot stat", msg, error);
        return NULL;
    }
    e->size = (guint64)st.st_size;
    return g_steal_pointer(&e);
}

GBytes *
hermod_queue_file_read_data(const char *dir, const char *id, GError **error)
{
    g_autofree char *msg = g_strdup_printf("%s/%s.msg", dir, id);
    g_autoptr(GMappedFile) map = g_mapped_file_new(msg, FALSE, error);

    if (map == NULL)
        return NULL;
    return g_mapped_file_get_bytes(map);
}

gboolean
hermod_queue_file_remove(const char *dir, const char *id, GError **error)
{
    g_autofree char *env = g_strdup_printf("%s/%s.env", dir, id);
    g_autofree char *msg = g_strdup_printf("%s/%s.msg", dir, id);

    if (g_unlink(env) < 0)
        return fail_errno("cannot remove", env, error);
    if (g_unlink(msg) < 0 && errno != ENOENT)
        return fail_errno("cannot remove", msg, error);
    return fsync_dir(dir, error);
}

static gint
compare_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *
hermod_queue_file_list(const char *dir, GError **error)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, error);
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    if (d == NULL) {
        g_ptr_array_unref(ids);
        return NULL;
    }
    while ((name = g_dir_read_name(d)) != NULL) {
        if (name[0] != '.' && g_str_has_suffix(name, ".env"))
            g_ptr_array_add(ids, g_strndup(name, strlen(name) - 4));
    }
    g_ptr_array_sort(ids, compare_str);
    return ids;
}

void
hermod_queue_file_cleanup(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    if (d == NULL)
        return;
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        if (g_str_has_prefix(name, TMP_PREFIX)) {
            g_unlink(path);
        } else if (g_str_has_suffix(name, ".msg")) {
            g_autofree char *id = g_strndup(name, strlen(name) - 4);
            g_autofree char *env = g_strdup_printf("%s/%s.env", dir, id);
            if (!g_file_test(env, G_FILE_TEST_EXISTS))
                g_unlink(path);
        }
    }
}
