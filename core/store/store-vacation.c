/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-vacation.c - an account's out-of-office reply: its settings
 * (JMAP VacationResponse, one per account) and the senders it was sent
 * to, so that the delivery path (mailflow/vacation.c) replies at most
 * once per sender per period.  Changing the settings forgets the
 * senders: a new absence answers everyone again.
 */
#include "autoconfig.h"

#include <string.h>

#include "store/store-private.h"

void
hermod_store_vacation_clear(HermodVacation *v)
{
    g_clear_pointer(&v->subject, g_free);
    g_clear_pointer(&v->text_body, g_free);
    g_clear_pointer(&v->html_body, g_free);
}

static char *
nullable_text(sqlite3_stmt *st, int col)
{
    const char *v = (const char *)sqlite3_column_text(st, col);

    return v != NULL ? g_strdup(v) : NULL;
}

gboolean
hermod_store_vacation_get(HermodStore *store, HermodVacation *out, GError **error)
{
    sqlite3_stmt *st;
    int rc = SQLITE_ERROR;

    memset(out, 0, sizeof *out);
    g_mutex_lock(&store->lock);
    st = hermod_store_stmt(store,
                           "SELECT enabled, from_date, to_date, subject, text_body, html_body"
                           " FROM vacation WHERE id = 1",
                           error);
    if (st != NULL)
        rc = hermod_store_step(store, st, "reading the vacation reply", error);
    if (rc == SQLITE_ROW) {
        out->is_enabled = sqlite3_column_int(st, 0) != 0;
        out->from_date = sqlite3_column_int64(st, 1);
        out->to_date = sqlite3_column_int64(st, 2);
        out->subject = nullable_text(st, 3);
        out->text_body = nullable_text(st, 4);
        out->html_body = nullable_text(st, 5);
    }
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        sqlite3_reset(st);
    g_mutex_unlock(&store->lock);
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

static gboolean
set_locked(HermodStore *store, const HermodVacation *v, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(
        store, "INSERT OR REPLACE INTO vacation VALUES(1, ?, ?, ?, ?, ?, ?)", error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int(st, 1, v->is_enabled ? 1 : 0);
    sqlite3_bind_int64(st, 2, v->from_date);
    sqlite3_bind_int64(st, 3, v->to_date);
    sqlite3_bind_text(st, 4, v->subject, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, v->text_body, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, v->html_body, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return hermod_store_db_error(store, error, "saving the vacation reply");
    return hermod_store_exec(store, "DELETE FROM vacation_replies", error);
}

gboolean
hermod_store_vacation_set(HermodStore *store, const HermodVacation *v, GError **error)
{
    gboolean ok;

    g_mutex_lock(&store->lock);
    ok = hermod_store_exec(store, "BEGIN IMMEDIATE", error);
    if (ok) {
        ok = set_locked(store, v, error) && hermod_store_exec(store, "COMMIT", error);
        if (!ok)
            hermod_store_exec(store, "ROLLBACK", NULL);
    }
    g_mutex_unlock(&store->lock);
    return ok;
}

gboolean
hermod_store_vacation_due(HermodStore *store, const char *sender, gint64 now, gint64 period,
                          gboolean *out_due, GError **error)
{
    g_autofree char *lower = g_ascii_strdown(sender, -1);
    sqlite3_stmt *st;
    int rc = SQLITE_ERROR;

    *out_due = FALSE;
    g_mutex_lock(&store->lock);
    /* One statement: due when absent or older than the period, and then
     * the time is recorded at once, so two deliveries never both reply. */
    st = hermod_store_stmt(store,
                           "INSERT INTO vacation_replies VALUES(?1, ?2) ON CONFLICT(sender)"
                           " DO UPDATE SET at = excluded.at WHERE at <= ?2 - ?3",
                           error);
    if (st != NULL) {
        sqlite3_bind_text(st, 1, lower, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_int64(st, 3, period);
        rc = sqlite3_step(st);
        *out_due = rc == SQLITE_DONE && sqlite3_changes(store->db) > 0;
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            hermod_store_db_error(store, error, "recording a vacation reply");
    }
    g_mutex_unlock(&store->lock);
    return rc == SQLITE_DONE;
}
