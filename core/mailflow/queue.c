/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * queue.c - the durable outbound queue and its scheduler.
 *
 * Owns the in-memory index of what is queued (id,
 * next attempt, busy) and two kinds of threads: one scheduler that wakes
 * every second (or when something is queued or flushed), and a pool of
 * [queue] workers that each deliver one message at a time.  The files in
 * data_dir/queue (queue-file.c) are the truth: a worker reloads the entry
 * before every attempt, so "hermodctl queue delete" only has to remove the
 * files.  "hermodctl queue flush" creates data_dir/queue/.flush, which the
 * scheduler notices within a second.
 *
 * How one attempt goes is queue-deliver.c's business; what follows from it
 * (retry schedule, reports) is queue-settle.c's.
 */
#include "autoconfig.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "lib/log.h"
#include "lib/stats.h"
#include "mailflow/queue-deliver.h"
#include "mailflow/queue-file.h"
#include "mailflow/queue.h"

typedef struct {
    gint64 next_attempt; /* seconds since the epoch */
    gboolean is_busy;    /* a worker has it */
} Slot;

static struct {
    GMutex lock;
    GCond cond;
    HermodConfig *cfg;
    char *dir;
    GHashTable *slots; /* id -> Slot */
    GThread *thread;
    GThreadPool *pool;
    gboolean is_stopping;
    GCancellable *cancel; /* of the running workers' I/O */
} q;

GQuark
hermod_queue_error_quark(void)
{
    return g_quark_from_static_string("hermod-queue-error-quark");
}

static gint64
now_s(void)
{
    return g_get_real_time() / G_USEC_PER_SEC;
}

/* The config in force (SIGHUP may have swapped it); transfer full. */
static HermodConfig *
current_config(void)
{
    HermodConfig *cfg = hermod_config_get_current();

    return cfg != NULL ? cfg : hermod_config_ref(q.cfg);
}

static void
add_slot(const char *id, gint64 next_attempt)
{
    Slot *slot = g_new0(Slot, 1);

    slot->next_attempt = next_attempt;
    g_hash_table_replace(q.slots, g_strdup(id), slot);
}

static void
load_all(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) ids = hermod_queue_file_list(q.dir, &err);

    if (ids == NULL) {
        hermod_log(HERMOD_LOG_ERROR, NULL, "queue: %s", err->message);
        return;
    }
    for (guint i = 0; i < ids->len; i++) {
        const char *id = g_ptr_array_index(ids, i);
        g_autoptr(HermodQueueEntry) e = hermod_queue_file_load(q.dir, id, &err);
        if (e == NULL) {
            hermod_log(HERMOD_LOG_ERROR, NULL, "queue: id=%s left aside: %s", id, err->message);
            g_clear_error(&err);
            continue;
        }
        add_slot(id, e->next_attempt);
    }
    hermod_log(HERMOD_LOG_INFO, NULL, "queue: %u message(s) in %s", g_hash_table_size(q.slots),
               q.dir);
}

gboolean
hermod_queue_open(HermodConfig *cfg, GError **error)
{
    g_autofree char *data_dir = hermod_config_path(cfg, "core", "data_dir");
    g_autofree char *dir = g_build_filename(data_dir, "queue", NULL);

    if (g_mkdir_with_parents(dir, 0750) < 0) {
        int err = errno;
        g_set_error(error, HERMOD_QUEUE_ERROR, HERMOD_QUEUE_ERROR_IO, "cannot create %s: %s", dir,
                    g_strerror(err));
        return FALSE;
    }
    hermod_queue_close();
    g_mutex_lock(&q.lock);
    q.cfg = hermod_config_ref(cfg);
    q.dir = g_steal_pointer(&dir);
    q.slots = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    hermod_queue_file_cleanup(q.dir);
    load_all();
    g_mutex_unlock(&q.lock);
    return TRUE;
}

static void
log_outcomes(HermodQueueEntry *e, GPtrArray *tried)
{
    static const char *const words[] = {"deferred", "sent", "bounced"};

    for (guint i = 0; i < tried->len; i++) {
        HermodQueueRcptState *r = g_ptr_array_index(tried, i);
        if (r->status == HERMOD_RCPT_DELIVERED)
            hermod_stats_add("hermod_messages_delivered_total", "remote", 1);
        else
            hermod_stats_add(r->status == HERMOD_RCPT_FAILED ? "hermod_messages_bounced_total"
                                                             : "hermod_messages_deferred_total",
                             NULL, 1);
        hermod_log(r->status == HERMOD_RCPT_DELIVERED ? HERMOD_LOG_INFO : HERMOD_LOG_NOTICE,
                   e->session, "id=%s to=<%s> relay=%s attempts=%u status=%s (%s)", e->id,
                   r->address, r->remote_mta != NULL ? r->remote_mta : "none", r->attempts,
                   words[r->status], r->diagnostic != NULL ? r->diagnostic : "");
    }
}

/* Write back what the attempt changed, or drop a finished entry.  An entry
 * whose envelope vanished meanwhile was deleted by hermodctl: stays gone. */
static gboolean
write_back(HermodQueueEntry *e, gboolean is_done, GError **error)
{
    g_autofree char *env = g_strdup_printf("%s/%s.env", q.dir, e->id);

    if (!g_file_test(env, G_FILE_TEST_EXISTS))
        return TRUE;
    if (is_done)
        return hermod_queue_file_remove(q.dir, e->id, error);
    return hermod_queue_file_save(q.dir, e, error);
}

static void
finish(const char *id, gboolean is_gone, gint64 next_attempt)
{
    g_mutex_lock(&q.lock);
    Slot *slot = g_hash_table_lookup(q.slots, id);
    if (slot != NULL && is_gone) {
        g_hash_table_remove(q.slots, id);
    } else if (slot != NULL) {
        slot->next_attempt = next_attempt;
        slot->is_busy = FALSE;
    }
    g_mutex_unlock(&q.lock);
}

/* The entry cannot be read.  Missing files mean hermodctl deleted it (an
 * envelope a racing attempt wrote back after the delete is removed too);
 * anything else is left for the admin and tried again much later. */
static void
forget(const char *id, const GError *err, gint64 retry_max)
{
    gboolean is_gone = g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT);

    if (is_gone) {
        g_autofree char *env = g_strdup_printf("%s/%s.env", q.dir, id);
        g_unlink(env);
    } else {
        hermod_log(HERMOD_LOG_ERROR, NULL, "queue: id=%s: %s", id, err->message);
    }
    finish(id, is_gone, now_s() + retry_max);
}

/* Deliver one message once; runs on a pool thread. */
static void
deliver(gpointer data, gpointer user_data)
{
    g_autofree char *id = data;
    g_autoptr(GError) err = NULL;
    g_autoptr(HermodConfig) cfg = current_config();
    g_autoptr(HermodQueueEntry) e = hermod_queue_file_load(q.dir, id, &err);
    g_autoptr(GBytes) bytes = e != NULL ? hermod_queue_file_read_data(q.dir, id, &err) : NULL;

    if (bytes == NULL) {
        forget(id, err, hermod_config_int(cfg, "queue", "retry_max"));
        return;
    }
    g_autoptr(GPtrArray) tried = g_ptr_array_new();
    for (guint i = 0; i < e->rcpts->len; i++) {
        HermodQueueRcptState *r = g_ptr_array_index(e->rcpts, i);
        if (r->status == HERMOD_RCPT_QUEUED)
            g_ptr_array_add(tried, r);
    }
    hermod_queue_attempt(cfg, e, bytes);
    gboolean is_done = hermod_queue_settle(cfg, e, bytes);
    log_outcomes(e, tried);
    if (!write_back(e, is_done, &err)) {
        hermod_log(HERMOD_LOG_ERROR, e->session, "queue: id=%s: %s", id, err->message);
        is_done = FALSE;
    }
    finish(id, is_done, e->next_attempt);
}

static void
check_flush_file(void)
{
    g_autofree char *path = g_build_filename(q.dir, HERMOD_QUEUE_FLUSH_FILE, NULL);
    GHashTableIter iter;
    gpointer value;

    if (g_unlink(path) < 0)
        return;
    hermod_log(HERMOD_LOG_INFO, NULL, "queue: flush requested");
    g_hash_table_iter_init(&iter, q.slots);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        ((Slot *)value)->next_attempt = 0;
}

/* Hand every due message to a worker.  Called with the lock held. */
static void
dispatch_due(void)
{
    gint64 now = now_s();
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init(&iter, q.slots);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        Slot *slot = value;
        if (slot->is_busy || slot->next_attempt > now)
            continue;
        slot->is_busy = TRUE;
        g_thread_pool_push(q.pool, g_strdup(key), NULL);
    }
}

static gpointer
scheduler(gpointer data)
{
    g_mutex_lock(&q.lock);
    while (!q.is_stopping) {
        check_flush_file();
        dispatch_due();
        g_cond_wait_until(&q.cond, &q.lock, g_get_monotonic_time() + G_USEC_PER_SEC);
    }
    g_mutex_unlock(&q.lock);
    return NULL;
}

gboolean
hermod_queue_start(GError **error)
{
    if (q.dir == NULL) {
        g_set_error(error, HERMOD_QUEUE_ERROR, HERMOD_QUEUE_ERROR_NOT_OPEN, "queue not open");
        return FALSE;
    }
    if (q.thread != NULL)
        return TRUE;
    gint workers = (gint)hermod_config_int(q.cfg, "queue", "workers");
    q.pool = g_thread_pool_new(deliver, NULL, workers, FALSE, error);
    if (q.pool == NULL)
        return FALSE;
    q.is_stopping = FALSE;
    g_clear_object(&q.cancel);
    q.cancel = g_cancellable_new();
    q.thread = g_thread_try_new("hermod-queue", scheduler, NULL, error);
    if (q.thread == NULL) {
        g_thread_pool_free(g_steal_pointer(&q.pool), TRUE, TRUE);
        return FALSE;
    }
    return TRUE;
}

void
hermod_queue_stop(void)
{
    GHashTableIter iter;
    gpointer value;

    if (q.thread == NULL)
        return;
    g_mutex_lock(&q.lock);
    q.is_stopping = TRUE;
    g_cond_broadcast(&q.cond);
    g_mutex_unlock(&q.lock);
    g_thread_join(g_steal_pointer(&q.thread));
    /* Deliveries under way end at once (their recipients stay queued);
     * those not started yet stay queued too. */
    g_cancellable_cancel(q.cancel);
    g_thread_pool_free(g_steal_pointer(&q.pool), TRUE, TRUE);
    g_mutex_lock(&q.lock);
    g_hash_table_iter_init(&iter, q.slots);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        ((Slot *)value)->is_busy = FALSE;
    g_mutex_unlock(&q.lock);
}

void
hermod_queue_close(void)
{
    hermod_queue_stop();
    g_mutex_lock(&q.lock);
    g_clear_pointer(&q.slots, g_hash_table_unref);
    g_clear_pointer(&q.cfg, hermod_config_unref);
    g_clear_pointer(&q.dir, g_free);
    g_clear_object(&q.cancel);
    g_mutex_unlock(&q.lock);
}

static HermodQueueEntry *
entry_new(const char *id, const char *session, const char *sender, const char *envid, guint flags,
          GPtrArray *rcpts)
{
    HermodQueueEntry *e = hermod_queue_entry_new(id);

    e->session = g_strdup(session);
    g_free(e->sender);
    e->sender = g_strdup(sender != NULL ? sender : "");
    e->envid = g_strdup(envid);
    e->flags = flags;
    e->created = now_s();
    e->next_attempt = e->created;
    for (guint i = 0; i < rcpts->len; i++) {
        const HermodQueueRcpt *r = g_ptr_array_index(rcpts, i);
        hermod_queue_entry_add_rcpt(e, r->address, r->notify, r->orcpt);
    }
    return e;
}

gboolean
hermod_queue_enqueue(const char *session, const char *sender, const char *envid, guint msg_flags,
                     GPtrArray *rcpts, GBytes *data, char **out_id, GError **error)
{
    g_autofree char *dir = NULL;

    g_mutex_lock(&q.lock);
    dir = g_strdup(q.dir);
    g_mutex_unlock(&q.lock);
    if (dir == NULL) {
        g_set_error(error, HERMOD_QUEUE_ERROR, HERMOD_QUEUE_ERROR_NOT_OPEN, "queue not open");
        return FALSE;
    }
    g_autofree char *id = hermod_queue_file_new_id(dir);
    g_autoptr(HermodQueueEntry) e = entry_new(id, session, sender, envid, msg_flags, rcpts);
    if (!hermod_queue_file_write_data(dir, id, data, error) ||
        !hermod_queue_file_save(dir, e, error))
        return FALSE;
    g_mutex_lock(&q.lock);
    if (q.slots != NULL)
        add_slot(id, e->next_attempt);
    g_cond_broadcast(&q.cond);
    g_mutex_unlock(&q.lock);
    hermod_log(HERMOD_LOG_INFO, session, "id=%s queued from=<%s> nrcpt=%u size=%" G_GSIZE_FORMAT,
               id, e->sender, rcpts->len, g_bytes_get_size(data));
    if (out_id != NULL)
        *out_id = g_steal_pointer(&id);
    return TRUE;
}

void
hermod_queue_flush(void)
{
    GHashTableIter iter;
    gpointer value;

    g_mutex_lock(&q.lock);
    if (q.slots != NULL) {
        g_hash_table_iter_init(&iter, q.slots);
        while (g_hash_table_iter_next(&iter, NULL, &value))
            ((Slot *)value)->next_attempt = 0;
    }
    g_cond_broadcast(&q.cond);
    g_mutex_unlock(&q.lock);
}

GCancellable *
hermod_queue_cancellable(void)
{
    return q.cancel;
}

guint
hermod_queue_length(void)
{
    guint n;

    g_mutex_lock(&q.lock);
    n = q.slots != NULL ? g_hash_table_size(q.slots) : 0;
    g_mutex_unlock(&q.lock);
    return n;
}
