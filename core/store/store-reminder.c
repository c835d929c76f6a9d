/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-reminder.c - how far the calendar reminders of each object were
 * handed out (schema 10, table dav_reminders).
 *
 * The dav module's reminder scheduler fires an object's alarms that
 * came due in (fired_until, now] and then records now, durably, so that
 * after a restart it fires what came due while hermodd was down and
 * nothing twice.  The ETag tells it when the object changed since (a
 * client's edit does not bring back alarms already past).  Rows go with
 * their collection (ON DELETE CASCADE); prune drops those of deleted
 * objects.
 */
#include "autoconfig.h"

#include "store/store-dav.h"
#include "store/store-private.h"

gboolean
hermod_store_reminder_get(HermodStore *store, gint64 collection_id, const char *object,
                          gboolean *out_found, gint64 *out_fired_until, char **out_etag,
                          GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&store->lock);
    sqlite3_stmt *st = hermod_store_stmt(
        store, "SELECT fired_until, etag FROM dav_reminders WHERE collection_id = ? AND object = ?",
        error);
    int rc;

    *out_found = FALSE;
    *out_fired_until = 0;
    if (out_etag != NULL)
        *out_etag = NULL;
    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, collection_id);
    sqlite3_bind_text(st, 2, object, -1, SQLITE_TRANSIENT);
    rc = hermod_store_step(store, st, "reading a reminder", error);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FALSE;
    if (rc == SQLITE_ROW) {
        *out_found = TRUE;
        *out_fired_until = sqlite3_column_int64(st, 0);
        if (out_etag != NULL)
            *out_etag = g_strdup((const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
    return TRUE;
}

typedef struct {
    gint64 collection_id;
    const char *object;
    gint64 fired_until;
    const char *etag;
} SetJob;

static gboolean
set_txn(HermodStore *store, gpointer data, GError **error)
{
    SetJob *j = data;
    sqlite3_stmt *st = hermod_store_stmt(
        store,
        "INSERT OR REPLACE INTO dav_reminders(collection_id, object, fired_until, etag)"
        " SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM dav_collections WHERE id = ?1)",
        error);

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, j->collection_id);
    sqlite3_bind_text(st, 2, j->object, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, j->fired_until);
    if (j->etag != NULL)
        sqlite3_bind_text(st, 4, j->etag, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 4);
    if (hermod_store_step(store, st, "recording a reminder", error) != SQLITE_DONE)
        return FALSE;
    sqlite3_reset(st);
    return TRUE;
}

gboolean
hermod_store_reminder_set(HermodStore *store, gint64 collection_id, const char *object,
                          gint64 fired_until, const char *etag, GError **error)
{
    SetJob j = {collection_id, object, fired_until, etag};

    return hermod_store_dav_txn(store, set_txn, &j, error);
}

static gboolean
prune_txn(HermodStore *store, gpointer data, GError **error)
{
    gint64 *id = data;
    sqlite3_stmt *st =
        hermod_store_stmt(store,
                          "DELETE FROM dav_reminders WHERE collection_id = ?1 AND object NOT IN"
                          " (SELECT name FROM dav_objects WHERE collection_id = ?1)",
                          error);

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, *id);
    if (hermod_store_step(store, st, "pruning reminders", error) != SQLITE_DONE)
        return FALSE;
    sqlite3_reset(st);
    return TRUE;
}

gboolean
hermod_store_reminder_prune(HermodStore *store, gint64 collection_id, GError **error)
{
    return hermod_store_dav_txn(store, prune_txn, &collection_id, error);
}
