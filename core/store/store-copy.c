/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-copy.c - COPY and MOVE between mailboxes of one account.
 *
 * A copy is a hard link of the immutable message file under the name of
 * its new row ("DEST-ID.UID"), so that no bytes are copied and the scan at
 * open can still place the file if the commit is lost; one folder fsync
 * covers every link of the call.  A move changes the rows in place (new
 * mailbox, new UID, new MODSEQ) and logs the old UIDs as expunged from the
 * source, all in one transaction (RFC 6851), and touches no file.  UIDs in
 * the destination are handed out in source UID order, which is what
 * COPYUID reports.
 */
#include "autoconfig.h"

#include <errno.h>
#include <unistd.h>

#include "store/store-private.h"

typedef struct {
    gint64 id;
    guint32 uid;
    char *file;
    guint32 flags;
    gint64 internal_date;
    guint64 size;
    guint64 thread_id;
    StoreSummary sort; /* sort keys only: a copy keeps its source's thread */
} SrcRow;

static void
src_row_clear(gpointer p)
{
    SrcRow *r = p;

    g_free(r->file);
    g_free(r->sort.subject);
    g_free(r->sort.from);
    g_free(r->sort.to);
}

static gboolean
save_both(HermodStore *store, StoreBox *src, StoreBox *dst, GError **error)
{
    src->highestmodseq++;
    dst->highestmodseq++;
    return hermod_store_box_save(store, src, error) && hermod_store_box_save(store, dst, error);
}

static gboolean
move_one(HermodStore *store, gint64 id, guint32 uid, const StoreBox *dst, guint64 src_modseq,
         gint64 src_id, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(
        store, "UPDATE messages SET mailbox_id = ?, uid = ?, modseq = ? WHERE id = ?", error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, dst->id);
    sqlite3_bind_int64(st, 2, dst->uidnext);
    sqlite3_bind_int64(st, 3, (gint64)dst->highestmodseq + 1);
    sqlite3_bind_int64(st, 4, id);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    st = rc == SQLITE_DONE
             ? hermod_store_stmt(store, "INSERT OR REPLACE INTO expunged VALUES(?, ?, ?)", error)
             : NULL;
    if (st == NULL)
        return rc == SQLITE_DONE ? FALSE : hermod_store_db_error(store, error, "moving");
    sqlite3_bind_int64(st, 1, src_id);
    sqlite3_bind_int64(st, 2, uid);
    sqlite3_bind_int64(st, 3, (gint64)src_modseq);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || hermod_store_db_error(store, error, "logging a move");
}

/* A lookup: the UID of message id, 0 when it is gone. */
static gboolean
uid_of(HermodStore *store, gint64 id, guint32 *out_uid, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store, "SELECT uid FROM messages WHERE id = ?", error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, id);
    rc = hermod_store_step(store, st, "reading a message", error);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FALSE;
    *out_uid = rc == SQLITE_ROW ? (guint32)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return TRUE;
}

gboolean
hermod_store_rows_move(HermodStore *store, StoreBox *src, StoreBox *dst, GArray *ids,
                       GArray *out_src, GArray *out_dst, GError **error)
{
    for (guint i = 0; i < ids->len; i++) {
        gint64 id = g_array_index(ids, gint64, i);
        guint32 uid = 0;
        if (!uid_of(store, id, &uid, error))
            return FALSE;
        if (uid == 0)
            continue;
        if (!move_one(store, id, uid, dst, src->highestmodseq + 1, src->id, error))
            return FALSE;
        if (out_src != NULL)
            g_array_append_val(out_src, uid);
        if (out_dst != NULL)
            g_array_append_val(out_dst, dst->uidnext);
        dst->uidnext++;
    }
    return ids->len == 0 || save_both(store, src, dst, error);
}

/* One source row, appended to rows when it still exists. */
static gboolean
source_row(HermodStore *store, gint64 box_id, guint32 uid, GArray *rows, guint64 *out_bytes,
           GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store,
                                         "SELECT id, uid, file, flags, internal_date, size,"
                                         " thread_id, subject, sort_from, sort_to"
                                         " FROM messages WHERE mailbox_id = ? AND uid = ?",
                                         error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, box_id);
    sqlite3_bind_int64(st, 2, uid);
    rc = hermod_store_step(store, st, "reading a message", error);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FALSE;
    if (rc == SQLITE_ROW) {
        SrcRow r = {sqlite3_column_int64(st, 0),
                    (guint32)sqlite3_column_int64(st, 1),
                    g_strdup((const char *)sqlite3_column_text(st, 2)),
                    (guint32)sqlite3_column_int64(st, 3),
                    sqlite3_column_int64(st, 4),
                    (guint64)sqlite3_column_int64(st, 5),
                    (guint64)sqlite3_column_int64(st, 6),
                    {NULL, NULL, g_strdup((const char *)sqlite3_column_text(st, 7)), FALSE,
                     g_strdup((const char *)sqlite3_column_text(st, 8)),
                     g_strdup((const char *)sqlite3_column_text(st, 9))}};
        *out_bytes += r.size;
        g_array_append_val(rows, r);
    }
    sqlite3_reset(st);
    return TRUE;
}

/* The rows of uids that still exist, in UID order, or NULL.  (transfer full) */
static GArray *
source_rows(HermodStore *store, gint64 box_id, const HermodStoreCopy *req, guint64 *out_bytes,
            GError **error)
{
    g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(SrcRow));

    g_array_set_clear_func(rows, src_row_clear);
    for (gsize i = 0; i < req->n_uids; i++) {
        if (!source_row(store, box_id, req->uids[i], rows, out_bytes, error))
            return NULL;
    }
    return g_steal_pointer(&rows);
}

static gboolean
link_file(HermodStore *store, const char *from, const char *to, GError **error)
{
    g_autofree char *src = g_build_filename(store->msg_dir, from, NULL);
    g_autofree char *dst = g_build_filename(store->msg_dir, to, NULL);

    unlink(dst); /* a leftover of a failed call; no row names it */
    if (link(src, dst) == 0)
        return TRUE;
    g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_IO, "store %s: cannot link %s: %s",
                store->account, dst, g_strerror(errno));
    return FALSE;
}

/* The new row of one copy, keywords and cache included. */
static gboolean
copy_row(HermodStore *store, const SrcRow *r, StoreBox *dst, const char *name, GError **error)
{
    StoreRow row = {dst->uidnext,     name,    r->flags, NULL,
                    r->internal_date, r->size, &r->sort, r->thread_id};
    sqlite3_stmt *st;
    gint64 new_id;
    int rc;

    if (!hermod_store_index_add(store, dst, &row, error))
        return FALSE;
    new_id = sqlite3_last_insert_rowid(store->db);
    st = hermod_store_stmt(store,
                           "INSERT INTO keywords SELECT ?1, keyword FROM keywords"
                           " WHERE message_id = ?2;",
                           error);
    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, new_id);
    sqlite3_bind_int64(st, 2, r->id);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || hermod_store_db_error(store, error, "copying keywords");
}

static gboolean
copy_rows(HermodStore *store, GArray *rows, StoreBox *dst, GPtrArray *links, GArray *out_src,
          GArray *out_dst, GError **error)
{
    for (guint i = 0; i < rows->len; i++) {
        SrcRow *r = &g_array_index(rows, SrcRow, i);
        char *name = g_strdup_printf("%" G_GINT64_FORMAT ".%u", dst->id, dst->uidnext + i);
        g_ptr_array_add(links, name);
        if (!link_file(store, r->file, name, error))
            return FALSE;
    }
    if (rows->len > 0 && fsync(store->msg_fd) != 0) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_IO, "store %s: cannot sync: %s",
                    store->account, g_strerror(errno));
        return FALSE;
    }
    for (guint i = 0; i < rows->len; i++) {
        SrcRow *r = &g_array_index(rows, SrcRow, i);
        guint32 uid = dst->uidnext;
        if (!copy_row(store, r, dst, links->pdata[i], error))
            return FALSE;
        if (out_src != NULL)
            g_array_append_val(out_src, r->uid);
        if (out_dst != NULL)
            g_array_append_val(out_dst, uid);
    }
    return TRUE;
}

typedef struct {
    const HermodStoreCopy *req;
    guint64 quota;
    GArray *out_src, *out_dst;
    GPtrArray *links; /* files linked by this call */
    guint64 bytes;    /* added to the account (copy) */
    guint32 uidvalidity;
} CopyCall;

static gboolean
copy_locked(HermodStore *store, const char *mailbox, CopyCall *call, GError **error)
{
    g_autoptr(GArray) rows = NULL;
    g_autoptr(GArray) ids = NULL;
    StoreBox src, dst;
    guint64 bytes = 0;

    if (!hermod_store_box(store, mailbox, &src, error) ||
        !hermod_store_box(store, call->req->dest, &dst, error))
        return FALSE;
    call->uidvalidity = dst.uidvalidity;
    if (call->req->is_move && src.id == dst.id) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_INVALID,
                    "cannot move messages into their own mailbox %s", mailbox);
        return FALSE;
    }
    rows = source_rows(store, src.id, call->req, &bytes, error);
    if (rows == NULL)
        return FALSE;
    if (call->req->is_move) {
        ids = g_array_new(FALSE, FALSE, sizeof(gint64));
        for (guint i = 0; i < rows->len; i++)
            g_array_append_val(ids, g_array_index(rows, SrcRow, i).id);
        return hermod_store_rows_move(store, &src, &dst, ids, call->out_src, call->out_dst, error);
    }
    if (hermod_store_over_quota(store, call->quota, bytes, error))
        return FALSE;
    call->bytes = bytes;
    return copy_rows(store, rows, &dst, call->links, call->out_src, call->out_dst, error);
}

gboolean
hermod_store_copy(HermodStore *store, const char *mailbox, const HermodStoreCopy *req,
                  GArray *out_src, GArray *out_dst, guint32 *out_uidvalidity, GError **error)
{
    g_autoptr(GPtrArray) links = g_ptr_array_new_with_free_func(g_free);
    CopyCall call = {req, 0, out_src, out_dst, links, 0, 0};
    gboolean ok;

    if (!req->is_move && !hermod_store_quota_limit(store, &call.quota, error))
        return FALSE;
    g_mutex_lock(&store->lock);
    ok = hermod_store_exec(store, "BEGIN IMMEDIATE", error);
    if (ok) {
        ok = copy_locked(store, mailbox, &call, error) && hermod_store_exec(store, "COMMIT", error);
        if (!ok)
            hermod_store_exec(store, "ROLLBACK", NULL);
        else
            store->used += call.bytes;
    }
    g_mutex_unlock(&store->lock);
    if (!ok) {
        for (guint i = 0; i < links->len; i++)
            hermod_store_file_remove(store, links->pdata[i]);
        return FALSE;
    }
    if (out_uidvalidity != NULL)
        *out_uidvalidity = call.uidvalidity;
    hermod_store_notify(store->account, req->is_move ? NULL : req->dest);
    return TRUE;
}
