/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-dav.c - DAV collections, their change log and dead properties
 * (objects are store-dav-object.c's).
 *
 * A collection row is (home, name) -> id, kind, components, sync.  The
 * id is AUTOINCREMENT, so a collection deleted and made again under the
 * same name gets a new id and every sync token of the old one is foreign
 * to it.  Deleting a collection cascades to its objects, changes and
 * properties, and gives their bytes back to the quota.
 */
#include "autoconfig.h"

#include <string.h>

#include "store/store-dav.h"
#include "store/store-private.h"

static gboolean
dav_error(GError **error, HermodDavError code, const char *what, const char *name)
{
    g_set_error(error, HERMOD_DAV_ERROR, code, "%s: %s", what, name);
    return FALSE;
}

gboolean
hermod_store_dav_name_ok(const char *name, GError **error)
{
    gsize len = name != NULL ? strlen(name) : 0;

    g_auto(GStrv) parts = NULL;

    if (len == 0 || len > 1024 || !g_utf8_validate(name, -1, NULL) || name[0] == '/')
        return dav_error(error, HERMOD_DAV_ERROR_INVALID, "not a resource name",
                         name != NULL && g_utf8_validate(name, -1, NULL) ? name : "(binary)");
    for (const char *p = name; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return dav_error(error, HERMOD_DAV_ERROR_INVALID, "control character in", "a name");
    /* Segments of a nested member ("a/b/c", "a/b/" for a subcollection):
     * none empty (but a trailing one), ".", ".." or longer than 255. */
    parts = g_strsplit(name, "/", -1);
    for (guint i = 0; parts[i] != NULL; i++) {
        gboolean is_last = parts[i + 1] == NULL;
        if ((parts[i][0] == '\0' && !(is_last && i > 0)) || strcmp(parts[i], ".") == 0 ||
            strcmp(parts[i], "..") == 0 || strlen(parts[i]) > 255)
            return dav_error(error, HERMOD_DAV_ERROR_INVALID, "not a resource name", name);
    }
    return TRUE;
}

gboolean
hermod_store_dav_txn(HermodStore *store, gboolean (*fn)(HermodStore *, gpointer, GError **),
                     gpointer data, GError **error)
{
    gboolean ok;

    g_mutex_lock(&store->lock);
    ok = hermod_store_exec(store, "PRAGMA synchronous=FULL; BEGIN IMMEDIATE", error);
    if (ok) {
        ok = fn(store, data, error) && hermod_store_exec(store, "COMMIT", error);
        if (!ok)
            hermod_store_exec(store, "ROLLBACK", NULL);
    }
    hermod_store_exec(store, "PRAGMA synchronous=NORMAL", NULL);
    g_mutex_unlock(&store->lock);
    return ok;
}

static HermodDavCollection *
read_collection(sqlite3_stmt *st)
{
    HermodDavCollection *c = g_new0(HermodDavCollection, 1);
    const char *components = (const char *)sqlite3_column_text(st, 4);

    c->id = sqlite3_column_int64(st, 0);
    c->home = g_strdup((const char *)sqlite3_column_text(st, 1));
    c->name = g_strdup((const char *)sqlite3_column_text(st, 2));
    c->kind = (HermodDavKind)sqlite3_column_int(st, 3);
    c->components = g_strdup(components);
    c->sync = (guint64)sqlite3_column_int64(st, 5);
    c->created = sqlite3_column_int64(st, 6);
    return c;
}

#define COLLECTION_COLUMNS                                                                         \
    "SELECT id, home, name, kind, components, sync, created FROM dav_collections"

GPtrArray *
hermod_store_dav_collections(HermodStore *store, const char *home, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&store->lock);
    sqlite3_stmt *st =
        hermod_store_stmt(store, COLLECTION_COLUMNS " WHERE home = ? ORDER BY name", error);
    g_autoptr(GPtrArray) out =
        g_ptr_array_new_with_free_func((GDestroyNotify)hermod_store_dav_collection_free);
    int rc;

    if (st == NULL)
        return NULL;
    sqlite3_bind_text(st, 1, home, -1, SQLITE_TRANSIENT);
    while ((rc = hermod_store_step(store, st, "listing collections", error)) == SQLITE_ROW)
        g_ptr_array_add(out, read_collection(st));
    if (rc != SQLITE_DONE)
        return NULL;
    sqlite3_reset(st);
    return g_steal_pointer(&out);
}

gboolean
hermod_store_dav_collection(HermodStore *store, const char *home, const char *name,
                            HermodDavCollection **out, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&store->lock);
    sqlite3_stmt *st =
        hermod_store_stmt(store, COLLECTION_COLUMNS " WHERE home = ? AND name = ?", error);
    int rc;

    *out = NULL;
    if (st == NULL)
        return FALSE;
    sqlite3_bind_text(st, 1, home, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    rc = hermod_store_step(store, st, "reading a collection", error);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FALSE;
    if (rc == SQLITE_ROW)
        *out = read_collection(st);
    sqlite3_reset(st);
    return TRUE;
}

static gboolean
create_txn(HermodStore *store, gpointer data, GError **error)
{
    const HermodDavNewCollection *spec = data;
    sqlite3_stmt *st = hermod_store_stmt(store,
                                         "INSERT OR IGNORE INTO dav_collections(home, name, kind,"
                                         " components, created) VALUES(?, ?, ?, ?, ?)",
                                         error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_text(st, 1, spec->home, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, spec->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, spec->kind);
    if (spec->components != NULL)
        sqlite3_bind_text(st, 4, spec->components, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, g_get_real_time() / G_USEC_PER_SEC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return hermod_store_db_error(store, error, "creating a collection");
    if (sqlite3_changes(store->db) == 0)
        return dav_error(error, HERMOD_DAV_ERROR_EXISTS, "collection exists", spec->name);
    return TRUE;
}

gboolean
hermod_store_dav_collection_create(HermodStore *store, const HermodDavNewCollection *spec,
                                   GError **error)
{
    if (!hermod_store_dav_name_ok(spec->name, error))
        return FALSE;
    if (strchr(spec->name, '/') != NULL)
        return dav_error(error, HERMOD_DAV_ERROR_INVALID, "not one path segment", spec->name);
    if (spec->home == NULL || spec->home[0] == '\0')
        return dav_error(error, HERMOD_DAV_ERROR_INVALID, "no home for", spec->name);
    return hermod_store_dav_txn(store, create_txn, (gpointer)spec, error);
}

typedef struct {
    gint64 id;
    guint64 freed;
} DeleteJob;

static gboolean
delete_txn(HermodStore *store, gpointer data, GError **error)
{
    DeleteJob *job = data;
    sqlite3_stmt *st = hermod_store_stmt(
        store, "SELECT total(size) FROM dav_objects WHERE collection_id = ?", error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, job->id);
    rc = hermod_store_step(store, st, "sizing a collection", error);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? hermod_store_db_error(store, error, "sizing") : FALSE;
    job->freed = (guint64)sqlite3_column_double(st, 0);
    sqlite3_reset(st);
    st = hermod_store_stmt(store, "DELETE FROM dav_collections WHERE id = ?", error);
    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, job->id);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return hermod_store_db_error(store, error, "deleting a collection");
    if (sqlite3_changes(store->db) == 0)
        return dav_error(error, HERMOD_DAV_ERROR_NOT_FOUND, "no collection", "to delete");
    return TRUE;
}

gboolean
hermod_store_dav_collection_delete(HermodStore *store, gint64 id, GError **error)
{
    DeleteJob job = {id, 0};

    if (!hermod_store_dav_txn(store, delete_txn, &job, error))
        return FALSE;
    hermod_store_release_bytes(store, job.freed);
    return TRUE;
}

void
hermod_store_dav_collection_free(HermodDavCollection *c)
{
    if (c == NULL)
        return;
    g_free(c->home);
    g_free(c->name);
    g_free(c->components);
    g_free(c);
}

gboolean
hermod_store_dav_log(HermodStore *store, gint64 id, const char *name, gboolean is_deleted,
                     guint64 *out_modseq, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(
        store, "UPDATE dav_collections SET sync = sync + 1 WHERE id = ? RETURNING sync", error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, id);
    rc = hermod_store_step(store, st, "taking a sync number", error);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE
                   ? dav_error(error, HERMOD_DAV_ERROR_NOT_FOUND, "no collection", "for a change")
                   : FALSE;
    *out_modseq = (guint64)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    st = hermod_store_stmt(store, "INSERT OR REPLACE INTO dav_changes VALUES(?, ?, ?, ?)", error);
    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, (gint64)*out_modseq);
    sqlite3_bind_int(st, 4, is_deleted ? 1 : 0);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || hermod_store_db_error(store, error, "logging a change");
}

GPtrArray *
hermod_store_dav_changes(HermodStore *store, gint64 collection_id, guint64 since, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&store->lock);
    sqlite3_stmt *st = hermod_store_stmt(store,
                                         "SELECT name, modseq, deleted FROM dav_changes"
                                         " WHERE collection_id = ?1 AND modseq > ?2"
                                         " AND (?2 > 0 OR deleted = 0) ORDER BY modseq",
                                         error);
    g_autoptr(GPtrArray) out =
        g_ptr_array_new_with_free_func((GDestroyNotify)hermod_store_dav_change_free);
    int rc;

    if (st == NULL)
        return NULL;
    sqlite3_bind_int64(st, 1, collection_id);
    sqlite3_bind_int64(st, 2, (gint64)since);
    while ((rc = hermod_store_step(store, st, "reading changes", error)) == SQLITE_ROW) {
        HermodDavChange *c = g_new0(HermodDavChange, 1);
        c->name = g_strdup((const char *)sqlite3_column_text(st, 0));
        c->modseq = (guint64)sqlite3_column_int64(st, 1);
        c->is_deleted = sqlite3_column_int(st, 2) != 0;
        g_ptr_array_add(out, c);
    }
    if (rc != SQLITE_DONE)
        return NULL;
    sqlite3_reset(st);
    return g_steal_pointer(&out);
}

void
hermod_store_dav_change_free(HermodDavChange *c)
{
    if (c == NULL)
        return;
    g_free(c->name);
    g_free(c);
}
