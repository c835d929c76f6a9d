/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-read.c - reading an account store: its mailboxes with their
 * counters, the messages of one mailbox, one message's bytes.
 *
 * Each call takes the store's lock for its queries only; message bytes are
 * read or mapped from the immutable file after the lock is released, so a
 * reader never waits for an fsync longer than one append.  Nothing here
 * writes.  hermod_store_read_message reads a small message into memory
 * instead of mapping it: in a server with several loop threads every
 * munmap costs a TLB shootdown on the other cores, which for a few KB is
 * far more than the copy (POP3 RETR of ~7 KB messages spent a third of its
 * CPU time there).
 * A mailbox's counters (messages, unseen, size) read every row of it, so
 * mailbox_status keeps its answers until the index changes.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store-private.h"

void
hermod_store_mailbox_free(HermodStoreMailbox *mb)
{
    if (mb == NULL)
        return;
    g_free(mb->name);
    g_free(mb->special_use);
    g_free(mb);
}

void
hermod_store_message_free(HermodStoreMessage *msg)
{
    if (msg == NULL)
        return;
    g_strfreev(msg->keywords);
    g_free(msg);
}

static HermodStoreMailbox *
read_mailbox(sqlite3_stmt *st)
{
    HermodStoreMailbox *mb = g_new0(HermodStoreMailbox, 1);
    const char *special = (const char *)sqlite3_column_text(st, 1);

    mb->name = g_strdup((const char *)sqlite3_column_text(st, 0));
    mb->special_use = g_strdup(special);
    mb->uidvalidity = (guint32)sqlite3_column_int64(st, 2);
    mb->uidnext = (guint32)sqlite3_column_int64(st, 3);
    mb->highestmodseq = (guint64)sqlite3_column_int64(st, 4);
    mb->subscribed = sqlite3_column_int(st, 5) != 0;
    mb->messages = (guint32)sqlite3_column_int64(st, 6);
    mb->unseen = (guint32)sqlite3_column_int64(st, 7);
    mb->size = (guint64)sqlite3_column_int64(st, 8);
    mb->deleted = (guint32)sqlite3_column_int64(st, 9);
    mb->is_noselect = sqlite3_column_int(st, 10) != 0;
    mb->id = sqlite3_column_int64(st, 11);
    return mb;
}

#define MAILBOX_COLUMNS                                                                            \
    "SELECT b.name, b.special_use, b.uidvalidity, b.uidnext, b.highestmodseq, b.subscribed,"       \
    " count(m.id), coalesce(sum(m.id IS NOT NULL AND (m.flags & 1) = 0), 0),"                      \
    " coalesce(sum(m.size), 0), coalesce(sum((m.flags & 8) != 0), 0), b.noselect, b.id"            \
    " FROM mailboxes b LEFT JOIN messages m ON m.mailbox_id = b.id "

GPtrArray *
hermod_store_mailboxes(HermodStore *store, GError **error)
{
    g_autoptr(GPtrArray) out =
        g_ptr_array_new_with_free_func((GDestroyNotify)hermod_store_mailbox_free);
    sqlite3_stmt *st;
    int rc = SQLITE_ERROR;

    g_mutex_lock(&store->lock);
    st = hermod_store_stmt(store, MAILBOX_COLUMNS "GROUP BY b.id ORDER BY b.name", error);
    while (st != NULL &&
           (rc = hermod_store_step(store, st, "listing mailboxes", error)) == SQLITE_ROW)
        g_ptr_array_add(out, read_mailbox(st));
    if (rc == SQLITE_DONE)
        sqlite3_reset(st);
    g_mutex_unlock(&store->lock);
    return rc == SQLITE_DONE ? g_steal_pointer(&out) : NULL;
}

static HermodStoreMailbox *
mailbox_copy(const HermodStoreMailbox *mb)
{
    HermodStoreMailbox *copy = g_memdup2(mb, sizeof *mb);

    copy->name = g_strdup(mb->name);
    copy->special_use = g_strdup(mb->special_use);
    return copy;
}

/* Where the index is: rows this connection changed (triggers included,
 * rolled-back ones too) and commits by other connections (hermodctl).
 * Every transaction runs inside one hold of the lock, so a reader never
 * sees a half-done one.  Lock held. */
static gboolean
index_version(HermodStore *store, gint64 out[2])
{
    sqlite3_stmt *st = hermod_store_stmt(store, "PRAGMA data_version", NULL);

    if (st == NULL || sqlite3_step(st) != SQLITE_ROW) {
        if (st != NULL)
            sqlite3_reset(st);
        return FALSE;
    }
    out[0] = sqlite3_total_changes64(store->db);
    out[1] = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return TRUE;
}

/* The counters need every message row of the mailbox; a session asks for
 * them after each UID command and NOOP, so the answer is kept until the
 * index changes.  Lock held.  (transfer full) */
static HermodStoreMailbox *
status_locked(HermodStore *store, const char *canon, GError **error)
{
    gint64 now[2] = {0, 0};
    gboolean has_version = index_version(store, now);
    HermodStoreMailbox *mb = NULL;

    if (has_version && store->status != NULL &&
        memcmp(now, store->status_version, sizeof now) == 0 &&
        (mb = g_hash_table_lookup(store->status, canon)) != NULL)
        return mailbox_copy(mb);
    if (store->status == NULL || memcmp(now, store->status_version, sizeof now) != 0) {
        g_clear_pointer(&store->status, g_hash_table_destroy);
        store->status = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify)hermod_store_mailbox_free);
        memcpy(store->status_version, now, sizeof now);
    }
    sqlite3_stmt *st =
        hermod_store_stmt(store, MAILBOX_COLUMNS "WHERE b.name = ? GROUP BY b.id", error);
    if (st == NULL)
        return NULL;
    sqlite3_bind_text(st, 1, canon, -1, SQLITE_TRANSIENT);
    int rc = hermod_store_step(store, st, "reading a mailbox", error);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return NULL;
    if (rc == SQLITE_ROW)
        mb = read_mailbox(st);
    else
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_NO_MAILBOX, "no mailbox %s in %s",
                    canon, store->account);
    sqlite3_reset(st);
    if (mb != NULL && has_version)
        g_hash_table_replace(store->status, g_strdup(canon), mailbox_copy(mb));
    return mb;
}

HermodStoreMailbox *
hermod_store_mailbox_status(HermodStore *store, const char *name, GError **error)
{
    g_autofree char *canon = hermod_store_name_canon(name, error);
    HermodStoreMailbox *mb;

    if (canon == NULL)
        return NULL;
    g_mutex_lock(&store->lock);
    mb = status_locked(store, canon, error);
    g_mutex_unlock(&store->lock);
    return mb;
}

/* message id -> GPtrArray of keywords, for the messages of one mailbox
 * with modseq > since: a session's sync after each command asks for the
 * few rows changed since, and must not pay for the whole mailbox.  NULL
 * when the keywords cannot be read.  (transfer full) */
static GHashTable *
read_keywords(HermodStore *store, gint64 mailbox_id, guint64 since, GError **error)
{
    g_autoptr(GHashTable) map = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                                      (GDestroyNotify)g_ptr_array_unref);
    sqlite3_stmt *st = hermod_store_stmt(store,
                                         "SELECT k.message_id, k.keyword FROM keywords k"
                                         " JOIN messages m ON m.id = k.message_id"
                                         " WHERE m.mailbox_id = ? AND m.modseq > ?"
                                         " ORDER BY k.keyword",
                                         error);
    int rc;

    if (st == NULL)
        return NULL;
    sqlite3_bind_int64(st, 1, mailbox_id);
    sqlite3_bind_int64(st, 2, (gint64)since);
    while ((rc = hermod_store_step(store, st, "reading keywords", error)) == SQLITE_ROW) {
        gint64 id = sqlite3_column_int64(st, 0);
        GPtrArray *words = g_hash_table_lookup(map, &id);
        if (words == NULL) {
            /* Freed with the map unless read_message steals them (only
             * messages above "since" are read). */
            words = g_ptr_array_new_with_free_func(g_free);
            g_hash_table_insert(map, g_memdup2(&id, sizeof id), words);
        }
        g_ptr_array_add(words, g_strdup((const char *)sqlite3_column_text(st, 1)));
    }
    if (rc != SQLITE_DONE)
        return NULL;
    sqlite3_reset(st);
    return g_steal_pointer(&map);
}

static HermodStoreMessage *
read_message(sqlite3_stmt *st, GHashTable *keywords)
{
    HermodStoreMessage *msg = g_new0(HermodStoreMessage, 1);
    gint64 id = sqlite3_column_int64(st, 0);
    GPtrArray *words = g_hash_table_lookup(keywords, &id);

    msg->uid = (guint32)sqlite3_column_int64(st, 1);
    msg->flags = (guint32)sqlite3_column_int64(st, 2);
    msg->modseq = (guint64)sqlite3_column_int64(st, 3);
    msg->internal_date = sqlite3_column_int64(st, 4);
    msg->size = (guint64)sqlite3_column_int64(st, 5);
    if (words != NULL) {
        g_ptr_array_add(words, NULL);
        msg->keywords = (char **)g_ptr_array_steal(words, NULL);
    }
    return msg;
}

static GPtrArray *
messages_locked(HermodStore *store, const char *mailbox, guint64 since, GError **error)
{
    g_autoptr(GHashTable) keywords = NULL;
    g_autoptr(GPtrArray) out = NULL;
    sqlite3_stmt *st;
    StoreBox box;
    int rc;

    if (!hermod_store_box(store, mailbox, &box, error))
        return NULL;
    keywords = read_keywords(store, box.id, since, error);
    if (keywords == NULL)
        return NULL;
    st = hermod_store_stmt(store,
                           "SELECT id, uid, flags, modseq, internal_date, size FROM messages"
                           " WHERE mailbox_id = ? AND modseq > ? ORDER BY uid",
                           error);
    if (st == NULL)
        return NULL;
    sqlite3_bind_int64(st, 1, box.id);
    sqlite3_bind_int64(st, 2, (gint64)since);
    out = g_ptr_array_new_with_free_func((GDestroyNotify)hermod_store_message_free);
    while ((rc = hermod_store_step(store, st, "listing messages", error)) == SQLITE_ROW)
        g_ptr_array_add(out, read_message(st, keywords));
    if (rc != SQLITE_DONE)
        return NULL; /* never a short list: the missing rows would read as expunged */
    sqlite3_reset(st);
    return g_steal_pointer(&out);
}

GPtrArray *
hermod_store_messages_since(HermodStore *store, const char *mailbox, guint64 since, GError **error)
{
    GPtrArray *out;

    g_mutex_lock(&store->lock);
    out = messages_locked(store, mailbox, since, error);
    g_mutex_unlock(&store->lock);
    return out;
}

GPtrArray *
hermod_store_messages(HermodStore *store, const char *mailbox, GError **error)
{
    return hermod_store_messages_since(store, mailbox, 0, error);
}

static GArray *
expunged_locked(HermodStore *store, const char *mailbox, guint64 since, GError **error)
{
    g_autoptr(GArray) out = NULL;
    sqlite3_stmt *st;
    StoreBox box;
    int rc;

    if (!hermod_store_box(store, mailbox, &box, error))
        return NULL;
    st = hermod_store_stmt(
        store, "SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY uid", error);
    if (st == NULL)
        return NULL;
    sqlite3_bind_int64(st, 1, box.id);
    sqlite3_bind_int64(st, 2, (gint64)since);
    out = g_array_new(FALSE, FALSE, sizeof(guint32));
    while ((rc = hermod_store_step(store, st, "reading expunges", error)) == SQLITE_ROW) {
        guint32 uid = (guint32)sqlite3_column_int64(st, 0);
        g_array_append_val(out, uid);
    }
    if (rc != SQLITE_DONE)
        return NULL;
    sqlite3_reset(st);
    return g_steal_pointer(&out);
}

GArray *
hermod_store_expunged_since(HermodStore *store, const char *mailbox, guint64 since, GError **error)
{
    GArray *out;

    g_mutex_lock(&store->lock);
    out = expunged_locked(store, mailbox, since, error);
    g_mutex_unlock(&store->lock);
    return out;
}

/* One statement (one read transaction) on the hot path of RETR and
 * FETCH BODY[]; which of mailbox or message is missing is sorted out
 * only when there is no row. */
static char *
file_of(HermodStore *store, const char *mailbox, guint32 uid, GError **error)
{
    g_autofree char *canon = hermod_store_name_canon(mailbox, NULL);
    sqlite3_stmt *st;
    StoreBox box;
    char *file = NULL;

    st = hermod_store_stmt(store,
                           "SELECT m.file FROM mailboxes b JOIN messages m ON m.mailbox_id = b.id"
                           " WHERE b.name = ? AND b.noselect = 0 AND m.uid = ?",
                           error);
    if (st == NULL)
        return NULL;
    sqlite3_bind_text(st, 1, canon != NULL ? canon : mailbox, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, uid);
    int rc = hermod_store_step(store, st, "finding a message", error);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return NULL;
    if (rc == SQLITE_ROW)
        file = g_strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    if (file == NULL && hermod_store_box(store, mailbox, &box, error))
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_NO_MESSAGE,
                    "no message %u in %s of %s", uid, mailbox, store->account);
    return file;
}

/* The path of the file of uid in mailbox.  (transfer full) */
static char *
path_of(HermodStore *store, const char *mailbox, guint32 uid, GError **error)
{
    g_autofree char *file = NULL;

    g_mutex_lock(&store->lock);
    file = file_of(store, mailbox, uid, error);
    g_mutex_unlock(&store->lock);
    return file != NULL ? g_build_filename(store->msg_dir, file, NULL) : NULL;
}

GMappedFile *
hermod_store_open_message(HermodStore *store, const char *mailbox, guint32 uid, GError **error)
{
    g_autofree char *path = path_of(store, mailbox, uid, error);
    GError *local_error = NULL;
    GMappedFile *mapped;

    if (path == NULL)
        return NULL;
    mapped = g_mapped_file_new(path, FALSE, &local_error);
    if (mapped == NULL) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_IO, "store %s: %s",
                    store->account, local_error->message);
        g_error_free(local_error);
    }
    return mapped;
}

static void
io_error(HermodStore *store, const char *path, int err, GError **error)
{
    g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_IO, "store %s: %s: %s",
                store->account, path, g_strerror(err));
}

/* Read size bytes of fd into a new GBytes; a file that is not size bytes
 * long (it never changes once written) is an error. */
static GBytes *
read_whole(HermodStore *store, int fd, const char *path, gsize size, GError **error)
{
    g_autofree guint8 *buf = g_malloc(MAX(size, 1));
    gsize got = 0;

    while (got < size) {
        gssize n = pread(fd, buf + got, size - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            io_error(store, path, n < 0 ? errno : EIO, error);
            return NULL;
        }
        got += (gsize)n;
    }
    return g_bytes_new_take(g_steal_pointer(&buf), size);
}

GBytes *
hermod_store_read_message(HermodStore *store, const char *mailbox, guint32 uid, GError **error)
{
    g_autofree char *path = path_of(store, mailbox, uid, error);
    struct stat sb;
    GBytes *bytes = NULL;

    if (path == NULL)
        return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        io_error(store, path, errno, error);
        return NULL;
    }
    if (fstat(fd, &sb) != 0) {
        io_error(store, path, errno, error);
    } else if ((guint64)sb.st_size < HERMOD_STORE_READ_MAX) {
        bytes = read_whole(store, fd, path, (gsize)sb.st_size, error);
    } else {
        GError *local_error = NULL;
        GMappedFile *mapped = g_mapped_file_new_from_fd(fd, FALSE, &local_error);
        if (mapped != NULL) {
            bytes = g_mapped_file_get_bytes(mapped);
            g_mapped_file_unref(mapped);
        } else {
            g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_IO, "store %s: %s",
                        store->account, local_error->message);
            g_error_free(local_error);
        }
    }
    close(fd);
    return bytes;
}
