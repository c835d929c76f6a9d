/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-jmap.c - the store as JMAP reads it: emails by id, by mailbox and
 * by thread, per-kind states, and the change log behind /changes.
 *
 * The change log ("changes", schema v6 in store-index.c) has one row per
 * object, rewritten at each change by triggers, with the account-wide
 * sequence number of its last change (seq), of its creation (created)
 * and of its last change that was more than a count (full).  A state is
 * a sequence number; /changes since S reads the rows with seq > S in seq
 * order through the (kind, seq) index, so its cost follows the number of
 * changed objects, never the size of a mailbox.  Each object appears
 * once: created after S (and destroyed: left out), destroyed, or updated.
 * Destroyed rows stay as tombstones; nothing here writes except
 * hermod_store_change_log, for the module's own object kinds.
 */
#include "autoconfig.h"

#include <string.h>

#include "store/store-private.h"

void
hermod_store_email_free(HermodEmailInfo *e)
{
    if (e == NULL)
        return;
    g_free(e->mailbox);
    g_strfreev(e->keywords);
    g_free(e->subject);
    g_free(e->from);
    g_free(e->to);
    g_free(e);
}

#define EMAIL_COLUMNS                                                                              \
    "SELECT m.email_id, m.thread_id, m.mailbox_id, b.name, m.uid, m.flags, m.modseq,"              \
    " m.internal_date, m.size, m.subject, m.sort_from, m.sort_to,"                                 \
    " (SELECT group_concat(keyword, char(10)) FROM keywords k WHERE k.message_id = m.id)"          \
    " FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id "

static char *
text_col(sqlite3_stmt *st, int col)
{
    const char *v = (const char *)sqlite3_column_text(st, col);

    return g_strdup(v != NULL ? v : "");
}

static HermodEmailInfo *
read_email(sqlite3_stmt *st)
{
    HermodEmailInfo *e = g_new0(HermodEmailInfo, 1);
    const char *kw = (const char *)sqlite3_column_text(st, 12);

    e->email_id = (guint64)sqlite3_column_int64(st, 0);
    e->thread_id = (guint64)sqlite3_column_int64(st, 1);
    e->mailbox_id = sqlite3_column_int64(st, 2);
    e->mailbox = text_col(st, 3);
    e->uid = (guint32)sqlite3_column_int64(st, 4);
    e->flags = (guint32)sqlite3_column_int64(st, 5);
    e->modseq = (guint64)sqlite3_column_int64(st, 6);
    e->internal_date = sqlite3_column_int64(st, 7);
    e->size = (guint64)sqlite3_column_int64(st, 8);
    e->subject = text_col(st, 9);
    e->from = text_col(st, 10);
    e->to = text_col(st, 11);
    e->keywords = kw != NULL && *kw != '\0' ? g_strsplit(kw, "\n", -1) : g_new0(char *, 1);
    return e;
}

/* Append every row of st to out.  Lock held; st bound. */
static gboolean
collect(HermodStore *store, sqlite3_stmt *st, GPtrArray *out, GError **error)
{
    int rc;

    while ((rc = hermod_store_step(store, st, "reading emails", error)) == SQLITE_ROW)
        g_ptr_array_add(out, read_email(st));
    if (rc != SQLITE_DONE)
        return FALSE;
    sqlite3_reset(st);
    return TRUE;
}

static GPtrArray *
email_list(void)
{
    return g_ptr_array_new_with_free_func((GDestroyNotify)hermod_store_email_free);
}

GPtrArray *
hermod_store_emails(HermodStore *store, gint64 mailbox_id, GError **error)
{
    g_autoptr(GPtrArray) out = email_list();
    sqlite3_stmt *st;
    gboolean ok = FALSE;

    g_mutex_lock(&store->lock);
    st = hermod_store_stmt(store,
                           mailbox_id > 0
                               ? EMAIL_COLUMNS "WHERE m.mailbox_id = ?"
                                               " ORDER BY m.internal_date DESC, m.email_id DESC"
                               : EMAIL_COLUMNS "ORDER BY m.internal_date DESC, m.email_id DESC",
                           error);
    if (st != NULL) {
        if (mailbox_id > 0)
            sqlite3_bind_int64(st, 1, mailbox_id);
        ok = collect(store, st, out, error);
    }
    g_mutex_unlock(&store->lock);
    return ok ? g_steal_pointer(&out) : NULL;
}

gboolean
hermod_store_email_read_locked(HermodStore *store, guint64 id, HermodEmailInfo **out,
                               GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store, EMAIL_COLUMNS "WHERE m.email_id = ?", error);
    int rc;

    *out = NULL;
    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, (gint64)id);
    rc = hermod_store_step(store, st, "reading an email", error);
    if (rc == SQLITE_ROW)
        *out = read_email(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* One query per id, run with the lock held: for each value of ids. */
static GPtrArray *
emails_each(HermodStore *store, const char *sql, const char *mailbox, const guint64 *ids,
            const guint32 *uids, gsize n, GError **error)
{
    g_autoptr(GPtrArray) out = email_list();
    sqlite3_stmt *st;
    gboolean ok = TRUE;

    g_mutex_lock(&store->lock);
    for (gsize i = 0; ok && i < n; i++) {
        st = hermod_store_stmt(store, sql, error);
        ok = st != NULL;
        if (!ok)
            break;
        sqlite3_bind_int64(st, 1, ids != NULL ? (gint64)ids[i] : (gint64)uids[i]);
        if (mailbox != NULL)
            sqlite3_bind_text(st, 2, mailbox, -1, SQLITE_TRANSIENT);
        ok = collect(store, st, out, error);
    }
    g_mutex_unlock(&store->lock);
    return ok ? g_steal_pointer(&out) : NULL;
}

GPtrArray *
hermod_store_emails_get(HermodStore *store, const guint64 *ids, gsize n, GError **error)
{
    return emails_each(store, EMAIL_COLUMNS "WHERE m.email_id = ?", NULL, ids, NULL, n, error);
}

GPtrArray *
hermod_store_emails_by_uid(HermodStore *store, const char *mailbox, const guint32 *uids, gsize n,
                           GError **error)
{
    g_autofree char *canon = hermod_store_name_canon(mailbox, error);

    if (canon == NULL)
        return NULL;
    return emails_each(store, EMAIL_COLUMNS "WHERE m.uid = ? AND b.name = ?", canon, NULL, uids, n,
                       error);
}

GPtrArray *
hermod_store_thread_emails(HermodStore *store, const guint64 *threads, gsize n, GError **error)
{
    return emails_each(store,
                       EMAIL_COLUMNS "WHERE m.thread_id = ? ORDER BY m.internal_date, m.email_id",
                       NULL, threads, NULL, n, error);
}

/* --- thread counts of mailboxes */

static gboolean
thread_counts(HermodStore *store, GHashTable *by_id, GError **error)
{
    sqlite3_stmt *st =
        hermod_store_stmt(store,
                          "SELECT mailbox_id, count(DISTINCT thread_id),"
                          " count(DISTINCT CASE WHEN (flags & 1) = 0 THEN thread_id END)"
                          " FROM messages GROUP BY mailbox_id",
                          error);
    int rc;

    if (st == NULL)
        return FALSE;
    while ((rc = hermod_store_step(store, st, "counting threads", error)) == SQLITE_ROW) {
        gint64 id = sqlite3_column_int64(st, 0);
        HermodStoreMailbox *mb = g_hash_table_lookup(by_id, &id);
        if (mb != NULL) {
            mb->threads = (guint32)sqlite3_column_int64(st, 1);
            mb->unseen_threads = (guint32)sqlite3_column_int64(st, 2);
        }
    }
    if (rc != SQLITE_DONE)
        return FALSE;
    sqlite3_reset(st);
    return TRUE;
}

GPtrArray *
hermod_store_mailboxes_threads(HermodStore *store, GError **error)
{
    g_autoptr(GPtrArray) list = hermod_store_mailboxes(store, error);
    g_autoptr(GHashTable) by_id = NULL;
    gboolean ok;

    if (list == NULL)
        return NULL;
    by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
    for (guint i = 0; i < list->len; i++) {
        HermodStoreMailbox *mb = list->pdata[i];
        g_hash_table_insert(by_id, &mb->id, mb);
    }
    g_mutex_lock(&store->lock);
    ok = thread_counts(store, by_id, error);
    g_mutex_unlock(&store->lock);
    return ok ? g_steal_pointer(&list) : NULL;
}

/* --- states and changes */

/* Lock held. */
static gboolean
state_locked(HermodStore *store, int kind, guint64 *out, GError **error)
{
    sqlite3_stmt *st =
        hermod_store_stmt(store, "SELECT max(seq) FROM changes WHERE kind = ?", error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int(st, 1, kind);
    rc = hermod_store_step(store, st, "reading a state", error);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FALSE;
    *out = rc == SQLITE_ROW ? (guint64)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return TRUE;
}

gboolean
hermod_store_state(HermodStore *store, int kind, guint64 *out_state, GError **error)
{
    gboolean ok;

    g_mutex_lock(&store->lock);
    ok = state_locked(store, kind, out_state, error);
    g_mutex_unlock(&store->lock);
    return ok;
}

void
hermod_store_changes_clear(HermodMailChanges *c)
{
    g_clear_pointer(&c->created, g_array_unref);
    g_clear_pointer(&c->updated, g_array_unref);
    g_clear_pointer(&c->destroyed, g_array_unref);
}

/* File one log row into out. */
static void
sort_row(sqlite3_stmt *st, guint64 since, HermodMailChanges *out)
{
    guint64 id = (guint64)sqlite3_column_int64(st, 0);
    guint64 created = (guint64)sqlite3_column_int64(st, 1);
    guint64 full = (guint64)sqlite3_column_int64(st, 2);
    gboolean destroyed = sqlite3_column_int(st, 3) != 0;

    if (created > since && destroyed)
        return;
    if (destroyed)
        g_array_append_val(out->destroyed, id);
    else if (created > since)
        g_array_append_val(out->created, id);
    else
        g_array_append_val(out->updated, id);
    if (!destroyed && created <= since && full > since)
        out->counts_only = FALSE;
}

static gboolean
changes_locked(HermodStore *store, int kind, guint64 since, guint max, HermodMailChanges *out,
               GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store,
                                         "SELECT obj, created, full, destroyed, seq FROM changes"
                                         " WHERE kind = ? AND seq > ? ORDER BY seq LIMIT ?",
                                         error);
    guint n = 0;
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int(st, 1, kind);
    sqlite3_bind_int64(st, 2, (gint64)since);
    sqlite3_bind_int64(st, 3, max > 0 ? (gint64)max + 1 : -1);
    while ((rc = hermod_store_step(store, st, "reading changes", error)) == SQLITE_ROW) {
        if (max > 0 && n == max) {
            out->has_more = TRUE;
            continue;
        }
        sort_row(st, since, out);
        out->new_state = (guint64)sqlite3_column_int64(st, 4);
        n++;
    }
    if (rc != SQLITE_DONE)
        return FALSE;
    sqlite3_reset(st);
    return TRUE;
}

gboolean
hermod_store_changes(HermodStore *store, int kind, guint64 since, guint max, HermodMailChanges *out,
                     GError **error)
{
    guint64 now = 0;
    gboolean ok;

    memset(out, 0, sizeof *out);
    out->created = g_array_new(FALSE, FALSE, sizeof(guint64));
    out->updated = g_array_new(FALSE, FALSE, sizeof(guint64));
    out->destroyed = g_array_new(FALSE, FALSE, sizeof(guint64));
    out->counts_only = TRUE;
    g_mutex_lock(&store->lock);
    ok = state_locked(store, kind, &now, error);
    if (ok && since > now) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_INVALID,
                    "state %" G_GUINT64_FORMAT " is newer than the log", since);
        ok = FALSE;
    }
    out->new_state = since;
    if (ok)
        ok = changes_locked(store, kind, since, max, out, error);
    g_mutex_unlock(&store->lock);
    if (!ok)
        hermod_store_changes_clear(out);
    else if (!out->has_more)
        out->new_state = now;
    return ok;
}

gboolean
hermod_store_log_locked(HermodStore *store, int kind, guint64 id, gboolean is_destroyed,
                        GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(
        store,
        "INSERT INTO changes VALUES(?1, ?2, (SELECT value FROM meta WHERE key = 'change_seq'),"
        " (SELECT value FROM meta WHERE key = 'change_seq'),"
        " (SELECT value FROM meta WHERE key = 'change_seq'), ?3)"
        " ON CONFLICT(kind, obj) DO UPDATE SET seq = excluded.seq, full = excluded.seq,"
        " created = CASE WHEN destroyed AND NOT excluded.destroyed THEN excluded.seq"
        " ELSE created END, destroyed = excluded.destroyed",
        error);
    int rc;

    if (st == NULL ||
        !hermod_store_exec(store, "UPDATE meta SET value = value + 1 WHERE key = 'change_seq'",
                           error))
        return FALSE;
    sqlite3_bind_int(st, 1, kind);
    sqlite3_bind_int64(st, 2, (gint64)id);
    sqlite3_bind_int(st, 3, is_destroyed ? 1 : 0);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || hermod_store_db_error(store, error, "logging a change");
}

gboolean
hermod_store_change_log(HermodStore *store, int kind, guint64 id, gboolean is_destroyed,
                        GError **error)
{
    gboolean ok;

    if (kind < HERMOD_MAIL_KIND_MODULE) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_INVALID,
                    "kind %d is the store's own", kind);
        return FALSE;
    }
    g_mutex_lock(&store->lock);
    ok = hermod_store_exec(store, "BEGIN IMMEDIATE", error);
    if (ok) {
        ok = hermod_store_log_locked(store, kind, id, is_destroyed, error) &&
             hermod_store_exec(store, "COMMIT", error);
        if (!ok)
            hermod_store_exec(store, "ROLLBACK", NULL);
    }
    g_mutex_unlock(&store->lock);
    if (ok)
        hermod_store_notify(store->account, NULL);
    return ok;
}
