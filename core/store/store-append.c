/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-append.c - new messages into an account: group commit.
 *
 * A message becomes durable in three steps: its file is written and
 * fsync'd in tmp/ (store-file.c), renamed to msg/MAILBOX-ID.UID, msg/ is
 * fsync'd, and its row commits.  Each step costs synchronous writes, so
 * appends waiting for the same account share them: whoever finds no
 * batch in progress becomes the leader and takes every append queued so
 * far; it writes all their files to tmp/, has each owner fsync its own,
 * all at once (without the lock: the inode and tmp/ blocks the files
 * share go to the disk once, the flushes merge), then under the account
 * lock renames them all (UIDs in arrival order), syncs msg/ once
 * and inserts all rows in one transaction, each mailbox's own row (UIDNEXT,
 * HIGHESTMODSEQ) read and saved once for the batch; then it wakes the others with
 * their UIDs, and the first of those queued meanwhile leads the next
 * batch.  (A bulk import stages and syncs its files before it queues.)  Each append
 * waits on a condition of its own, so that a batch wakes only its own
 * members and the next leader, not every thread waiting for the account
 * (a broadcast woke each waiter two or three times per message).  Each caller
 * returns only when its own message is durable (file, folder and row), so
 * SMTP's 250 and IMAP's APPEND OK still mean what they meant.
 *
 * A member that fails on its own (no such mailbox, over quota, an insert
 * that fails) is rolled back to its savepoint, and its change to the
 * batch's copy of the mailbox row with it, and fails alone; a failed
 * folder fsync, mailbox save or COMMIT fails the whole batch and removes
 * its files.
 * Watchers and the search indexer hear once per batch and mailbox.
 */
#include "autoconfig.h"

#include <string.h>

#include <glib/gstdio.h>

#include "directory/directory.h"
#include "lib/stats.h"
#include "store/store-private.h"

/* Messages larger than this are written and synced by their own thread
 * before they join a batch (see hermod_store_append_full). */
#define STAGE_OWN_MIN (256 * 1024)

/* One append waiting to be published; lives on its caller's stack. */
typedef struct {
    const char *mailbox;
    const HermodStoreAppend *in;
    char *tmp;  /* the staged file, NULL once renamed into msg/ */
    int fd;     /* tmp, open and not yet synced; -1 once it is durable */
    char *name; /* its name in msg/ while placed */
    guint64 size;
    guint32 uid;
    guint32 uidvalidity;
    StoreSummary *summary; /* parsed before the batch, without the lock */
    GError *error;         /* why it failed */
    GThread *owner;        /* the thread waiting for it */
    gboolean must_sync;    /* batch_lock: the leader asks owner to sync fd */
    gboolean is_done;      /* batch_lock */
    GCond wake;            /* signalled when is_done, must_sync, or to lead */
} StoreJob;

/* The mailboxes a batch appends to, each read once and saved once (its
 * UIDNEXT and HIGHESTMODSEQ, after the last row), instead of once per
 * message.  Lock held, in the batch's transaction. */
typedef struct {
    GArray *boxes;       /* StoreBox */
    GHashTable *by_name; /* the name a job gave -> index in boxes + 1 */
} BatchBoxes;

static void
batch_boxes_clear(BatchBoxes *b)
{
    g_array_unref(b->boxes);
    g_hash_table_unref(b->by_name);
}

/* The batch's copy of mailbox's row, read on first use.  (transfer none) */
static StoreBox *
batch_box(HermodStore *store, BatchBoxes *b, const char *mailbox, GError **error)
{
    guint i = GPOINTER_TO_UINT(g_hash_table_lookup(b->by_name, mailbox));
    StoreBox box;

    if (i == 0) {
        if (!hermod_store_box(store, mailbox, &box, error))
            return NULL;
        /* Another spelling of a mailbox already read ("inbox") shares it. */
        for (i = 0; i < b->boxes->len && g_array_index(b->boxes, StoreBox, i).id != box.id; i++)
            ;
        if (i == b->boxes->len)
            g_array_append_val(b->boxes, box);
        g_hash_table_insert(b->by_name, (gpointer)mailbox, GUINT_TO_POINTER(i + 1));
        i++;
    }
    return &g_array_index(b->boxes, StoreBox, i - 1);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(BatchBoxes, batch_boxes_clear)

static gboolean
batch_boxes_save(HermodStore *store, BatchBoxes *b, GError **error)
{
    for (guint i = 0; i < b->boxes->len; i++) {
        if (!hermod_store_box_save(store, &g_array_index(b->boxes, StoreBox, i), error))
            return FALSE;
    }
    return TRUE;
}

/* Rename job's file into msg/ and insert its row, in a savepoint so that
 * a failure takes back only this job (and its change to the batch's copy
 * of the mailbox).  Lock held, in a transaction. */
static gboolean
place_one(HermodStore *store, BatchBoxes *boxes, StoreJob *job, guint64 quota, GError **error)
{
    const HermodStoreAppend *in = job->in;
    StoreRow row = {0,         NULL,         in->flags, in->keywords, in->internal_date,
                    job->size, job->summary, 0};
    StoreBox *box = batch_box(store, boxes, job->mailbox, error), before;

    if (box == NULL || hermod_store_over_quota(store, quota, job->size, error))
        return FALSE;
    if (box->uidnext == 0 || box->uidnext == G_MAXUINT32) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB,
                    "store %s: mailbox %s has used up its UIDs", store->account, job->mailbox);
        return FALSE;
    }
    before = *box;
    row.uid = box->uidnext;
    job->name = g_strdup_printf("%" G_GINT64_FORMAT ".%u", box->id, row.uid);
    row.file = job->name;
    if (!hermod_store_file_place(store, job->tmp, job->name, error)) {
        g_clear_pointer(&job->name, g_free);
        return FALSE;
    }
    g_clear_pointer(&job->tmp, g_free);
    if (!hermod_store_run(store, "SAVEPOINT append", error))
        goto fail;
    if (!hermod_store_index_insert(store, box, &row, error) ||
        !hermod_store_run(store, "RELEASE append", error)) {
        hermod_store_exec(store, "ROLLBACK TO append; RELEASE append", NULL);
        *box = before;
        goto fail;
    }
    job->uid = row.uid;
    job->uidvalidity = box->uidvalidity;
    store->used += job->size;
    return TRUE;
fail:
    hermod_store_file_remove(store, job->name);
    g_clear_pointer(&job->name, g_free);
    return FALSE;
}

/* The batch could not be made durable: every job that had been placed
 * loses its file and fails with error's message. */
static void
unplace(HermodStore *store, GPtrArray *batch, const GError *error)
{
    for (guint i = 0; i < batch->len; i++) {
        StoreJob *job = batch->pdata[i];
        if (job->name == NULL)
            continue;
        hermod_store_file_remove(store, job->name);
        g_clear_pointer(&job->name, g_free);
        job->error = g_error_copy(error);
    }
}

static void
fail_all(GPtrArray *batch, const GError *error)
{
    for (guint i = 0; i < batch->len; i++) {
        StoreJob *job = batch->pdata[i];
        if (job->error == NULL)
            job->error = g_error_copy(error);
    }
}

/* Write the file of every job that has none yet (tmp NULL: the SMTP and
 * IMAP appends) to tmp/, then make every file of batch durable there
 * before any of them is renamed into msg/.  All are written first, each
 * one's writeback started without waiting; then each owner fsyncs its
 * own, all at once (the leader its own, the others woken for it), and
 * the leader waits for the last.  As the files exist before the first
 * fsync, the inode table and tmp/ blocks they share go to the disk once,
 * and the cache flushes of fsyncs running together are merged by the
 * block layer.  (Written and synced by each appending thread on its own,
 * every file paid for those blocks again, each a synchronous round trip
 * to the disk; synced one after another by the leader, a batch cost one
 * flush per file in a row, slow on a busy disk.)  A job whose file fails
 * fails alone; its tmp is left for its caller to remove. */
static void
settle_files(HermodStore *store, GPtrArray *batch)
{
    GThread *self = g_thread_self();

    for (guint i = 0; i < batch->len; i++) {
        StoreJob *job = batch->pdata[i];
        if (job->tmp == NULL && job->error == NULL)
            hermod_store_file_stage_open(store, job->in->data, &job->tmp, &job->fd, &job->error);
    }
    g_mutex_lock(&store->batch_lock);
    for (guint i = 0; i < batch->len; i++) {
        StoreJob *job = batch->pdata[i];
        if (job->fd >= 0 && job->owner != self) {
            job->must_sync = TRUE;
            store->syncing++;
            g_cond_signal(&job->wake);
        }
    }
    g_mutex_unlock(&store->batch_lock);
    /* Another owner's fd is not read here: that owner may be syncing it. */
    for (guint i = 0; i < batch->len; i++) {
        StoreJob *job = batch->pdata[i];
        if (job->owner == self && job->fd >= 0) {
            hermod_store_file_settle(store, job->tmp, job->fd, &job->error); /* closes fd */
            job->fd = -1;
        }
    }
    g_mutex_lock(&store->batch_lock);
    while (store->syncing > 0)
        g_cond_wait(&store->synced, &store->batch_lock);
    g_mutex_unlock(&store->batch_lock);
}

/* On job's own thread, asked by the leader: sync job's file.  batch_lock
 * held on entry and on return, dropped meanwhile. */
static void
sync_own(HermodStore *store, StoreJob *job)
{
    job->must_sync = FALSE;
    g_mutex_unlock(&store->batch_lock);
    hermod_store_file_settle(store, job->tmp, job->fd, &job->error); /* closes fd */
    job->fd = -1;
    g_mutex_lock(&store->batch_lock);
    if (--store->syncing == 0)
        g_cond_signal(&store->synced);
}

/* Publish batch: one transaction, one sync of msg/.  Takes the lock. */
static void
commit_batch(HermodStore *store, GPtrArray *batch)
{
    g_autoptr(GError) error = NULL;
    guint64 used, quota = 0;
    guint placed = 0;
    g_auto(BatchBoxes) boxes = {g_array_new(FALSE, FALSE, sizeof(StoreBox)),
                                g_hash_table_new(g_str_hash, g_str_equal)};

    settle_files(store, batch);
    if (!hermod_store_quota_limit(store, &quota, &error)) {
        fail_all(batch, error);
        return;
    }
    g_mutex_lock(&store->lock);
    used = store->used;
    if (!hermod_store_run(store, "BEGIN IMMEDIATE", &error)) {
        fail_all(batch, error);
        g_mutex_unlock(&store->lock);
        return;
    }
    for (guint i = 0; i < batch->len; i++) {
        StoreJob *job = batch->pdata[i];
        if (job->error == NULL)
            placed += place_one(store, &boxes, job, quota, &job->error) ? 1 : 0;
    }
    if (placed == 0) {
        hermod_store_run(store, "ROLLBACK", NULL);
    } else if (!batch_boxes_save(store, &boxes, &error) || !hermod_store_file_sync(store, &error) ||
               !hermod_store_run(store, "COMMIT", &error)) {
        hermod_store_run(store, "ROLLBACK", NULL);
        store->used = used;
        unplace(store, batch, error);
    }
    g_mutex_unlock(&store->lock);
}

/* The mailboxes batch changed, each once.  (transfer full) */
static GPtrArray *
changed_mailboxes(GPtrArray *batch)
{
    GPtrArray *changed = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < batch->len; i++) {
        StoreJob *job = batch->pdata[i];
        if (job->error == NULL &&
            !g_ptr_array_find_with_equal_func(changed, job->mailbox, g_str_equal, NULL))
            g_ptr_array_add(changed, g_strdup(job->mailbox));
    }
    return changed;
}

/* Publish everything queued, then wake its owners.  batch_lock held on
 * entry and on return, dropped meanwhile.  Returns the mailboxes that
 * changed.  (transfer full) */
static GPtrArray *
lead(HermodStore *store)
{
    GPtrArray *batch = store->pending;
    GPtrArray *changed;

    store->pending = g_ptr_array_new();
    store->is_committing = TRUE;
    g_mutex_unlock(&store->batch_lock);
    commit_batch(store, batch);
    changed = changed_mailboxes(batch);
    g_mutex_lock(&store->batch_lock);
    for (guint i = 0; i < batch->len; i++) {
        StoreJob *job = batch->pdata[i];
        job->is_done = TRUE;
        g_cond_signal(&job->wake);
    }
    store->is_committing = FALSE;
    if (store->pending->len > 0) /* the next leader */
        g_cond_signal(&((StoreJob *)store->pending->pdata[0])->wake);
    g_ptr_array_free(batch, TRUE);
    return changed;
}

/* Queue job and wait until a batch holding it is done, leading one when
 * nobody else does.  Returns what the batch led here changed, if any. */
static GPtrArray *
wait_for_batch(HermodStore *store, StoreJob *job)
{
    GPtrArray *changed = NULL;

    g_mutex_lock(&store->batch_lock);
    g_ptr_array_add(store->pending, job);
    while (!job->is_done) {
        if (job->must_sync)
            sync_own(store, job);
        else if (store->is_committing)
            g_cond_wait(&job->wake, &store->batch_lock);
        else
            changed = lead(store);
    }
    g_mutex_unlock(&store->batch_lock);
    return changed;
}

gboolean
hermod_store_append_staged(HermodStore *store, const char *mailbox, const HermodStoreAppend *in,
                           char *tmp, int fd, guint64 size, guint32 *out_uid,
                           guint32 *out_uidvalidity, GError **error)
{
    HermodStoreAppend copy = *in;
    StoreJob job = {.mailbox = mailbox,
                    .in = &copy,
                    .tmp = tmp,
                    .fd = fd,
                    .size = size,
                    .owner = g_thread_self()};
    g_autoptr(GPtrArray) changed = NULL;

    g_return_val_if_fail(tmp != NULL || in->data != NULL, FALSE);
    if (in->data != NULL) {
        gsize len = 0;
        const char *p = g_bytes_get_data(in->data, &len);
        job.summary = hermod_store_summary_parse(p != NULL ? p : "", len);
    }
    if (copy.internal_date == 0)
        copy.internal_date = g_get_real_time() / G_USEC_PER_SEC;
    g_cond_init(&job.wake);
    changed = wait_for_batch(store, &job);
    g_cond_clear(&job.wake);
    for (guint i = 0; changed != NULL && i < changed->len; i++) {
        hermod_store_search_feed(store, changed->pdata[i]);
        hermod_store_notify(store->account, changed->pdata[i]);
    }
    g_free(job.name);
    hermod_store_summary_free(job.summary);
    if (job.tmp != NULL) {
        g_unlink(job.tmp); /* failed before its rename */
        g_free(job.tmp);
    }
    if (job.error != NULL) {
        g_propagate_error(error, job.error);
        return FALSE;
    }
    if (out_uid != NULL)
        *out_uid = job.uid;
    if (out_uidvalidity != NULL)
        *out_uidvalidity = job.uidvalidity;
    return TRUE;
}

/* Queue every job of jobs (in order, together: one batch unless a batch
 * is already committing) and wait until all are done.  Returns what the
 * batches led here changed.  (transfer full) */
static GPtrArray *
wait_for_all(HermodStore *store, StoreJob *jobs, gsize n)
{
    GPtrArray *changed = g_ptr_array_new_with_free_func(g_free);

    g_mutex_lock(&store->batch_lock);
    for (gsize i = 0; i < n; i++)
        g_ptr_array_add(store->pending, &jobs[i]);
    for (gsize i = 0; i < n; i++) {
        while (!jobs[i].is_done) {
            if (store->is_committing) {
                g_cond_wait(&jobs[i].wake, &store->batch_lock);
                continue;
            }
            g_autoptr(GPtrArray) led = lead(store);
            for (guint j = 0; j < led->len; j++) {
                if (!g_ptr_array_find_with_equal_func(changed, led->pdata[j], g_str_equal, NULL))
                    g_ptr_array_add(changed, g_strdup(led->pdata[j]));
            }
        }
    }
    g_mutex_unlock(&store->batch_lock);
    return changed;
}

gboolean
hermod_store_append_many(HermodStore *store, const char *const *mailboxes,
                         const HermodStoreAppend *in, gsize n, guint32 *out_uids, GError **error)
{
    StoreJob *jobs = g_new0(StoreJob, n);
    HermodStoreAppend *copies = g_new0(HermodStoreAppend, n);
    g_autoptr(GPtrArray) changed = NULL;
    GError *first = NULL;
    gsize staged = 0;

    for (; staged < n; staged++) {
        StoreJob *job = &jobs[staged];
        gsize len = 0;
        const char *p = g_bytes_get_data(in[staged].data, &len);
        copies[staged] = in[staged];
        if (copies[staged].internal_date == 0)
            copies[staged].internal_date = g_get_real_time() / G_USEC_PER_SEC;
        job->fd = -1; /* staged synced, one by one */
        job->owner = g_thread_self();
        job->mailbox = mailboxes[staged];
        job->in = &copies[staged];
        job->size = len;
        if (!hermod_store_file_stage(store, in[staged].data, &job->tmp, &first))
            break;
        job->summary = hermod_store_summary_parse(p != NULL ? p : "", len);
        g_cond_init(&job->wake);
    }
    if (first == NULL)
        changed = wait_for_all(store, jobs, n);
    for (guint i = 0; changed != NULL && i < changed->len; i++) {
        hermod_store_search_feed(store, changed->pdata[i]);
        hermod_store_notify(store->account, changed->pdata[i]);
    }
    for (gsize i = 0; i < staged; i++) {
        StoreJob *job = &jobs[i];
        if (job->tmp != NULL)
            g_unlink(job->tmp);
        if (job->error != NULL && first == NULL)
            first = g_steal_pointer(&job->error);
        g_clear_error(&job->error);
        if (out_uids != NULL)
            out_uids[i] = job->uid;
        g_free(job->tmp);
        g_free(job->name);
        hermod_store_summary_free(job->summary);
        g_cond_clear(&job->wake);
    }
    g_free(jobs);
    g_free(copies);
    if (first != NULL)
        g_propagate_error(error, first);
    return first == NULL;
}

gboolean
hermod_store_append_full(HermodStore *store, const char *mailbox, const HermodStoreAppend *in,
                         guint32 *out_uid, guint32 *out_uidvalidity, GError **error)
{
    gint64 t0 = g_get_monotonic_time();
    gsize size = g_bytes_get_size(in->data);
    char *tmp = NULL;
    gboolean ok;

    /* A big message writes its own file before it queues, so that the
     * small ones batched with it do not wait for its bytes; the batch
     * writes the others. */
    if (size > STAGE_OWN_MIN && !hermod_store_file_stage(store, in->data, &tmp, error))
        return FALSE;
    ok = hermod_store_append_staged(store, mailbox, in, tmp, -1, size, out_uid, out_uidvalidity,
                                    error);
    if (ok)
        hermod_stats_observe("hermod_store_commit_seconds",
                             (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC);
    return ok;
}

gboolean
hermod_store_append(HermodStore *store, const char *mailbox, GBytes *data, guint32 flags,
                    gint64 internal_date, guint32 *out_uid, GError **error)
{
    HermodStoreAppend in = {data, flags, NULL, internal_date};

    return hermod_store_append_full(store, mailbox, &in, out_uid, NULL, error);
}
