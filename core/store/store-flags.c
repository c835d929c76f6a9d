/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-flags.c - changing messages in place: flags and keywords (STORE,
 * with CONDSTORE's UNCHANGEDSINCE), removing them (EXPUNGE), the parse
 * cache, the quota figures.
 *
 * Every change of one call takes one new MODSEQ (RFC 7162 lets messages
 * changed together share it), and a call that changes nothing takes none.
 * An expunged UID is written to the "expunged" table with that MODSEQ, for
 * QRESYNC and for other sessions to learn of it.  Message files are
 * unlinked only after the commit, and only when no row names them: a
 * crash in between leaves a file that the scan at open recognises as an
 * expunge's leftover (store-file.c).
 */
#include "autoconfig.h"

#include <string.h>

#include "lib/log.h"
#include "store/store-private.h"

gboolean
hermod_store_rows_delete(HermodStore *store, gint64 mailbox_id, GArray *ids, guint64 modseq,
                         StoreRemoved *out, GError **error)
{
    for (guint i = 0; i < ids->len; i++) {
        gint64 id = g_array_index(ids, gint64, i);
        sqlite3_stmt *st = hermod_store_stmt(
            store, "DELETE FROM messages WHERE id = ? RETURNING uid, file, size", error);
        if (st == NULL)
            return FALSE;
        sqlite3_bind_int64(st, 1, id);
        int rc = hermod_store_step(store, st, "removing a message", error);
        if (rc == SQLITE_DONE) { /* gone meanwhile */
            sqlite3_reset(st);
            continue;
        }
        if (rc != SQLITE_ROW)
            return FALSE;
        guint32 uid = (guint32)sqlite3_column_int64(st, 0);
        g_ptr_array_add(out->files, g_strdup((const char *)sqlite3_column_text(st, 1)));
        out->bytes += (guint64)sqlite3_column_int64(st, 2);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return hermod_store_db_error(store, error, "removing a message");
        if (modseq == 0)
            continue;
        st = hermod_store_stmt(store, "INSERT OR REPLACE INTO expunged VALUES(?, ?, ?)", error);
        if (st == NULL)
            return FALSE;
        sqlite3_bind_int64(st, 1, mailbox_id);
        sqlite3_bind_int64(st, 2, uid);
        sqlite3_bind_int64(st, 3, (gint64)modseq);
        if (sqlite3_step(st) != SQLITE_DONE) {
            sqlite3_reset(st);
            return hermod_store_db_error(store, error, "logging an expunge");
        }
        sqlite3_reset(st);
    }
    return TRUE;
}

/* A lookup: does a row still name file? */
static gboolean
file_in_use(HermodStore *store, const char *file, gboolean *out_used, GError **error)
{
    sqlite3_stmt *st;
    gboolean ok = FALSE;

    g_mutex_lock(&store->lock);
    st = hermod_store_stmt(store, "SELECT 1 FROM messages WHERE file = ? LIMIT 1", error);
    if (st != NULL) {
        sqlite3_bind_text(st, 1, file, -1, SQLITE_TRANSIENT);
        ok = hermod_store_exists(store, st, out_used, error);
    }
    g_mutex_unlock(&store->lock);
    return ok;
}

/* A file whose row is gone but which cannot be checked stays: the scan at
 * open removes it as an expunge's (or a deleted mailbox's) leftover. */
void
hermod_store_files_unlink(HermodStore *store, GPtrArray *files)
{
    for (guint i = 0; i < files->len; i++) {
        g_autoptr(GError) error = NULL;
        gboolean used = TRUE;
        if (!file_in_use(store, files->pdata[i], &used, &error))
            hermod_log(HERMOD_LOG_WARNING, NULL, "%s; %s kept until the store is opened again",
                       error->message, (const char *)files->pdata[i]);
        else if (!used)
            hermod_store_file_remove(store, files->pdata[i]);
    }
}

/* --- STORE */

/* The keywords of message id, or NULL when they cannot be read. */
static GPtrArray *
keywords_of(HermodStore *store, gint64 id, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(
        store, "SELECT keyword FROM keywords WHERE message_id = ? ORDER BY keyword", error);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    int rc;

    if (st == NULL)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    while ((rc = hermod_store_step(store, st, "reading keywords", error)) == SQLITE_ROW)
        g_ptr_array_add(out, g_strdup((const char *)sqlite3_column_text(st, 0)));
    if (rc != SQLITE_DONE)
        return NULL;
    sqlite3_reset(st);
    return g_steal_pointer(&out);
}

static gboolean
has_keyword(GPtrArray *list, const char *word)
{
    for (guint i = 0; i < list->len; i++) {
        if (g_ascii_strcasecmp(list->pdata[i], word) == 0)
            return TRUE;
    }
    return FALSE;
}

static gboolean
keyword_run(HermodStore *store, const char *sql, gint64 id, const char *word)
{
    sqlite3_stmt *st = hermod_store_stmt(store, sql, NULL);
    gboolean ok;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, id);
    if (word != NULL)
        sqlite3_bind_text(st, 2, word, -1, SQLITE_TRANSIENT);
    ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_reset(st);
    return ok;
}

/* Apply the keyword part of change to message id; TRUE if anything
 * changed (*out_ok FALSE on a database error). */
static gboolean
apply_keywords(HermodStore *store, gint64 id, const HermodStoreFlagChange *c, gboolean *out_ok)
{
    g_autoptr(GPtrArray) have = keywords_of(store, id, NULL);
    const char *const *want = c->keywords;
    gboolean changed = FALSE;
    gsize n_want = want != NULL ? g_strv_length((char **)want) : 0;

    if (have == NULL) {
        *out_ok = FALSE;
        return FALSE;
    }
    if (c->op == HERMOD_STORE_FLAGS_SET) {
        for (gsize i = 0; i < n_want; i++)
            changed |= !has_keyword(have, want[i]);
        changed |= have->len != n_want;
        if (changed)
            *out_ok &= keyword_run(store, "DELETE FROM keywords WHERE message_id = ?", id, NULL);
        for (gsize i = 0; changed && i < n_want; i++)
            *out_ok &=
                keyword_run(store, "INSERT OR IGNORE INTO keywords VALUES(?, ?)", id, want[i]);
        return changed;
    }
    for (gsize i = 0; i < n_want; i++) {
        gboolean present = has_keyword(have, want[i]);
        if (c->op == HERMOD_STORE_FLAGS_ADD && !present) {
            *out_ok &= keyword_run(store, "INSERT INTO keywords VALUES(?, ?)", id, want[i]);
            g_ptr_array_add(have, g_strdup(want[i]));
            changed = TRUE;
        } else if (c->op == HERMOD_STORE_FLAGS_REMOVE && present) {
            *out_ok &= keyword_run(store,
                                   "DELETE FROM keywords WHERE message_id = ? AND keyword = ?"
                                   " COLLATE NOCASE",
                                   id, want[i]);
            changed = TRUE;
        }
    }
    return changed;
}

static guint32
new_flags(const HermodStoreFlagChange *c, guint32 old)
{
    switch (c->op) {
    case HERMOD_STORE_FLAGS_ADD:
        return old | (c->flags & HERMOD_STORE_FLAGS_ALL);
    case HERMOD_STORE_FLAGS_REMOVE:
        return old & ~c->flags;
    case HERMOD_STORE_FLAGS_SET:
    default:
        return c->flags & HERMOD_STORE_FLAGS_ALL;
    }
}

typedef struct {
    gint64 id;
    guint32 flags;
    guint64 modseq;
} MsgRow;

/* A lookup of uid's row in the mailbox. */
static gboolean
find_row(HermodStore *store, gint64 box_id, guint32 uid, MsgRow *out, gboolean *out_found,
         GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(
        store, "SELECT id, flags, modseq FROM messages WHERE mailbox_id = ? AND uid = ?", error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, box_id);
    sqlite3_bind_int64(st, 2, uid);
    rc = hermod_store_step(store, st, "reading a message", error);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FALSE;
    *out_found = rc == SQLITE_ROW;
    if (*out_found) {
        out->id = sqlite3_column_int64(st, 0);
        out->flags = (guint32)sqlite3_column_int64(st, 1);
        out->modseq = (guint64)sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    return TRUE;
}

/* One message of a STORE; TRUE when it changed. */
static gboolean
store_one(HermodStore *store, const MsgRow *row, const HermodStoreFlagChange *c, guint64 modseq,
          gboolean *ok)
{
    guint32 flags = new_flags(c, row->flags);
    gboolean changed = apply_keywords(store, row->id, c, ok) || flags != row->flags;
    sqlite3_stmt *st;

    if (!changed)
        return FALSE;
    st = hermod_store_stmt(store, "UPDATE messages SET flags = ?, modseq = ? WHERE id = ?", NULL);
    if (st == NULL) {
        *ok = FALSE;
        return FALSE;
    }
    sqlite3_bind_int64(st, 1, flags);
    sqlite3_bind_int64(st, 2, (gint64)modseq);
    sqlite3_bind_int64(st, 3, row->id);
    *ok &= sqlite3_step(st) == SQLITE_DONE;
    sqlite3_reset(st);
    return TRUE;
}

static gboolean
update_locked(HermodStore *store, const char *mailbox, const HermodStoreFlagChange *c,
              GArray *out_failed, gboolean *out_changed, GError **error)
{
    StoreBox box;
    gboolean ok = TRUE, found = FALSE;
    MsgRow row;

    if (!hermod_store_box(store, mailbox, &box, error))
        return FALSE;
    for (gsize i = 0; ok && i < c->n_uids; i++) {
        if (!find_row(store, box.id, c->uids[i], &row, &found, error))
            return FALSE;
        if (!found)
            continue;
        if (c->unchangedsince > 0 && row.modseq > c->unchangedsince) {
            if (out_failed != NULL)
                g_array_append_val(out_failed, c->uids[i]);
            continue;
        }
        *out_changed |= store_one(store, &row, c, box.highestmodseq + 1, &ok);
    }
    if (!ok)
        return hermod_store_db_error(store, error, "changing flags");
    if (!*out_changed)
        return TRUE;
    box.highestmodseq++;
    return hermod_store_box_save(store, &box, error);
}

gboolean
hermod_store_update_flags(HermodStore *store, const char *mailbox,
                          const HermodStoreFlagChange *change, GArray *out_failed, GError **error)
{
    gboolean ok, changed = FALSE;

    g_mutex_lock(&store->lock);
    ok = hermod_store_exec(store, "BEGIN IMMEDIATE", error);
    if (ok) {
        ok = update_locked(store, mailbox, change, out_failed, &changed, error) &&
             hermod_store_exec(store, "COMMIT", error);
        if (!ok)
            hermod_store_exec(store, "ROLLBACK", NULL);
    }
    g_mutex_unlock(&store->lock);
    if (ok && changed)
        hermod_store_notify(store->account, mailbox);
    return ok;
}

/* --- EXPUNGE */

/* Message ids and UIDs to expunge: the given UIDs that exist, or every
 * \Deleted message. */
static gboolean
expunge_targets(HermodStore *store, gint64 box_id, const guint32 *uids, gsize n, GArray *ids,
                GArray *out_uids, GError **error)
{
    sqlite3_stmt *st;
    gboolean found = FALSE;
    MsgRow row;
    int rc;

    for (gsize i = 0; uids != NULL && i < n; i++) {
        if (!find_row(store, box_id, uids[i], &row, &found, error))
            return FALSE;
        if (found) {
            g_array_append_val(ids, row.id);
            g_array_append_val(out_uids, uids[i]);
        }
    }
    if (uids != NULL)
        return TRUE;
    st = hermod_store_stmt(store,
                           "SELECT id, uid FROM messages WHERE mailbox_id = ?"
                           " AND (flags & 8) != 0 ORDER BY uid",
                           error);
    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, box_id);
    while ((rc = hermod_store_step(store, st, "reading deleted messages", error)) == SQLITE_ROW) {
        gint64 id = sqlite3_column_int64(st, 0);
        guint32 uid = (guint32)sqlite3_column_int64(st, 1);
        g_array_append_val(ids, id);
        g_array_append_val(out_uids, uid);
    }
    if (rc != SQLITE_DONE)
        return FALSE;
    sqlite3_reset(st);
    return TRUE;
}

static gboolean
expunge_locked(HermodStore *store, const char *mailbox, const guint32 *uids, gsize n,
               GArray *out_uids, StoreRemoved *removed, GError **error)
{
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(gint64));
    StoreBox box;

    if (!hermod_store_box(store, mailbox, &box, error))
        return FALSE;
    if (!expunge_targets(store, box.id, uids, n, ids, out_uids, error))
        return FALSE;
    if (ids->len == 0)
        return TRUE;
    box.highestmodseq++;
    return hermod_store_rows_delete(store, box.id, ids, box.highestmodseq, removed, error) &&
           hermod_store_box_save(store, &box, error);
}

GArray *
hermod_store_expunge(HermodStore *store, const char *mailbox, const guint32 *uids, gsize n_uids,
                     GError **error)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(guint32));
    StoreRemoved removed = {g_ptr_array_new_with_free_func(g_free), 0};
    gboolean ok;

    g_mutex_lock(&store->lock);
    ok = hermod_store_exec(store, "BEGIN IMMEDIATE", error);
    if (ok) {
        ok = expunge_locked(store, mailbox, uids, n_uids, out, &removed, error) &&
             hermod_store_exec(store, "COMMIT", error);
        if (!ok)
            hermod_store_exec(store, "ROLLBACK", NULL);
        else
            store->used -= MIN(store->used, removed.bytes);
    }
    g_mutex_unlock(&store->lock);
    if (ok) {
        hermod_store_files_unlink(store, removed.files);
        if (out->len > 0)
            hermod_store_notify(store->account, mailbox);
    }
    g_ptr_array_unref(removed.files);
    if (!ok)
        g_clear_pointer(&out, g_array_unref);
    return out;
}

/* --- the parse cache and the quota */

gboolean
hermod_store_cache_get(HermodStore *store, const char *mailbox, guint32 uid, const char *field,
                       char **out_value, GError **error)
{
    g_autofree char *name = hermod_store_name_canon(mailbox, NULL);
    sqlite3_stmt *st;
    int rc = SQLITE_DONE;

    *out_value = NULL;
    if (name == NULL)
        return TRUE;
    g_mutex_lock(&store->lock);
    st = hermod_store_stmt(store,
                           "SELECT c.value FROM cache c JOIN messages m ON m.id = c.message_id"
                           " JOIN mailboxes b ON b.id = m.mailbox_id"
                           " WHERE b.name = ? AND m.uid = ? AND c.field = ?",
                           error);
    if (st != NULL) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, uid);
        sqlite3_bind_text(st, 3, field, -1, SQLITE_TRANSIENT);
        rc = hermod_store_step(store, st, "reading the cache", error);
        if (rc == SQLITE_ROW)
            *out_value = g_strdup((const char *)sqlite3_column_text(st, 0));
        if (rc == SQLITE_ROW || rc == SQLITE_DONE)
            sqlite3_reset(st);
    }
    g_mutex_unlock(&store->lock);
    return st != NULL && (rc == SQLITE_ROW || rc == SQLITE_DONE);
}

void
hermod_store_cache_set(HermodStore *store, const char *mailbox, guint32 uid, const char *field,
                       const char *value)
{
    g_autofree char *name = hermod_store_name_canon(mailbox, NULL);
    sqlite3_stmt *st;

    if (name == NULL)
        return;
    g_mutex_lock(&store->lock);
    st = hermod_store_stmt(store,
                           "INSERT OR REPLACE INTO cache SELECT m.id, ?3, ?4 FROM messages m"
                           " JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.name = ?1"
                           " AND m.uid = ?2",
                           NULL);
    if (st != NULL) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, uid);
        sqlite3_bind_text(st, 3, field, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, value, -1, SQLITE_TRANSIENT);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    g_mutex_unlock(&store->lock);
}

gboolean
hermod_store_quota(HermodStore *store, guint64 *out_used, guint64 *out_limit, GError **error)
{
    if (!hermod_store_quota_limit(store, out_limit, error))
        return FALSE;
    g_mutex_lock(&store->lock);
    *out_used = store->used;
    g_mutex_unlock(&store->lock);
    return TRUE;
}
