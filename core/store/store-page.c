/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-page.c - one page of a mailbox's emails, newest first, whole or
 * one email per thread (JMAP's "open the inbox": Email/query inMailbox,
 * sort receivedAt descending, with or without collapseThreads).
 *
 * The list walks the messages_by_box_date index (schema v9: mailbox,
 * internal date, email id, thread id) from the newest end and stops as
 * soon as the page is full, so its cost follows the page's position and
 * length, not the mailbox.  With collapse_threads an email is listed
 * when it is the first (newest) of its thread met in the walk.  The
 * total is a count from the index (messages per mailbox, or rows of
 * mailbox_threads, which triggers keep).  An anchor is found by walking
 * to it (collapsed) or by counting the newer emails (whole list).  The
 * page's emails are then read by id like emails_get.
 */
#include "autoconfig.h"

#include <string.h>

#include "store/store-private.h"

/* Lock held.  SELECT count(*) ... one bound mailbox id. */
static gboolean
count_of(HermodStore *store, const char *sql, gint64 box, guint64 *out, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store, sql, error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, box);
    rc = hermod_store_step(store, st, "counting emails", error);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? hermod_store_db_error(store, error, "no count") : FALSE;
    *out = (guint64)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return TRUE;
}

static gboolean
total_of(HermodStore *store, const HermodEmailPage *page, guint64 *out, GError **error)
{
    return count_of(store,
                    page->collapse_threads
                        ? "SELECT count(*) FROM mailbox_threads WHERE mailbox_id = ?"
                        : "SELECT count(*) FROM messages WHERE mailbox_id = ?",
                    page->mailbox_id, out, error);
}

static gboolean
not_listed(guint64 anchor, GError **error)
{
    g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_NO_MESSAGE,
                "email %" G_GUINT64_FORMAT " is not in the list", anchor);
    return FALSE;
}

/* The whole list's index of anchor, by counting the newer emails.  FALSE
 * with NO_MESSAGE when anchor is not in the mailbox. */
static gboolean
anchor_index(HermodStore *store, gint64 box, guint64 anchor, guint64 *out, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(
        store,
        "SELECT (SELECT count(*) FROM messages n WHERE n.mailbox_id = m.mailbox_id"
        " AND (n.internal_date > m.internal_date OR (n.internal_date = m.internal_date"
        " AND n.email_id > m.email_id))) FROM messages m WHERE m.email_id = ? AND m.mailbox_id = ?",
        error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, (gint64)anchor);
    sqlite3_bind_int64(st, 2, box);
    rc = hermod_store_step(store, st, "finding the anchor", error);
    if (rc == SQLITE_ROW)
        *out = (guint64)sqlite3_column_int64(st, 0);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return not_listed(anchor, error);
    return rc == SQLITE_ROW;
}

typedef struct {
    guint64 start, limit; /* limit 0: to the end */
    guint64 anchor;       /* collapsed: only find its index */
    gboolean anchor_found;
    guint64 anchor_at;
    GArray *ids; /* out: the page's email ids */
} Walk;

/* One email of the walk at collapsed index i: is the walk done? */
static gboolean
walk_one(Walk *w, guint64 email, guint64 i)
{
    if (w->anchor != 0) {
        w->anchor_found = email == w->anchor;
        w->anchor_at = i;
        return w->anchor_found;
    }
    if (i >= w->start && (w->limit == 0 || w->ids->len < w->limit))
        g_array_append_val(w->ids, email);
    return w->limit != 0 && w->ids->len >= w->limit;
}

/* Walk the mailbox newest first, one email per thread (the first met),
 * until the walk is done.  Lock held. */
static gboolean
walk_threads(HermodStore *store, gint64 box, Walk *w, GError **error)
{
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    sqlite3_stmt *st = hermod_store_stmt(store,
                                         "SELECT email_id, thread_id FROM messages"
                                         " INDEXED BY messages_by_box_date WHERE mailbox_id = ?"
                                         " ORDER BY internal_date DESC, email_id DESC",
                                         error);
    guint64 i = 0;
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, box);
    while ((rc = hermod_store_step(store, st, "listing emails", error)) == SQLITE_ROW) {
        guint64 email = (guint64)sqlite3_column_int64(st, 0);
        gint64 thread = sqlite3_column_int64(st, 1);
        if (g_hash_table_contains(seen, &thread))
            continue;
        g_hash_table_add(seen, g_memdup2(&thread, sizeof thread));
        if (walk_one(w, email, i++))
            break;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* The whole list from start, at most limit.  Lock held. */
static gboolean
walk_all(HermodStore *store, gint64 box, Walk *w, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store,
                                         "SELECT email_id FROM messages"
                                         " INDEXED BY messages_by_box_date WHERE mailbox_id = ?"
                                         " ORDER BY internal_date DESC, email_id DESC"
                                         " LIMIT ? OFFSET ?",
                                         error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, box);
    sqlite3_bind_int64(st, 2, w->limit == 0 ? -1 : (gint64)w->limit);
    sqlite3_bind_int64(st, 3, (gint64)w->start);
    while ((rc = hermod_store_step(store, st, "listing emails", error)) == SQLITE_ROW) {
        guint64 email = (guint64)sqlite3_column_int64(st, 0);
        g_array_append_val(w->ids, email);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE;
}

/* The whole (or collapsed) list's index of the anchor.  Lock held. */
static gboolean
find_anchor(HermodStore *store, const HermodEmailPage *page, guint64 *out, GError **error)
{
    Walk w = {0, 0, page->anchor, FALSE, 0, NULL};

    if (!page->collapse_threads)
        return anchor_index(store, page->mailbox_id, page->anchor, out, error);
    if (!walk_threads(store, page->mailbox_id, &w, error))
        return FALSE;
    if (!w.anchor_found)
        return not_listed(page->anchor, error);
    *out = w.anchor_at;
    return TRUE;
}

/* Lock held: the total, the start and the page's ids. */
static gboolean
page_ids(HermodStore *store, HermodEmailPage *page, GArray *ids, GError **error)
{
    guint64 total = 0, anchor_at = 0;
    gint64 at;
    Walk w = {0, page->limit, 0, FALSE, 0, ids};

    if (!total_of(store, page, &total, error) ||
        (page->anchor != 0 && !find_anchor(store, page, &anchor_at, error)))
        return FALSE;
    at = page->anchor != 0    ? (gint64)anchor_at + page->anchor_offset
         : page->position < 0 ? (gint64)total + page->position
                              : page->position;
    w.start = (guint64)MAX(at, 0);
    page->total = total;
    page->out_position = MIN(w.start, total);
    if (w.start >= total)
        return TRUE;
    return page->collapse_threads ? walk_threads(store, page->mailbox_id, &w, error)
                                  : walk_all(store, page->mailbox_id, &w, error);
}

/* The emails of ids, in that order (left out: gone meanwhile, which the
 * lock excludes).  Lock held. */
static GPtrArray *
read_page(HermodStore *store, GArray *ids, GError **error)
{
    GPtrArray *out = g_ptr_array_new_full(ids->len, (GDestroyNotify)hermod_store_email_free);

    for (guint i = 0; i < ids->len; i++) {
        HermodEmailInfo *e = NULL;
        if (!hermod_store_email_read_locked(store, g_array_index(ids, guint64, i), &e, error)) {
            g_ptr_array_unref(out);
            return NULL;
        }
        if (e != NULL)
            g_ptr_array_add(out, e);
    }
    return out;
}

GPtrArray *
hermod_store_emails_page(HermodStore *store, HermodEmailPage *page, GError **error)
{
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(guint64));
    GPtrArray *out = NULL;

    if (page->mailbox_id <= 0) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_INVALID,
                    "a page needs a mailbox");
        return NULL;
    }
    g_mutex_lock(&store->lock);
    /* One read transaction: the count and the walk see the same index. */
    if (hermod_store_exec(store, "BEGIN", error)) {
        if (page_ids(store, page, ids, error))
            out = read_page(store, ids, error);
        hermod_store_exec(store, "COMMIT", NULL);
    }
    g_mutex_unlock(&store->lock);
    return out;
}
