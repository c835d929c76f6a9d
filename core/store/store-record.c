/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-record.c - a module's own objects in the account store (table
 * records, schema v9): JMAP identities and pending submissions.  The
 * store keeps the bytes and a due time, and logs each change in the
 * change log under the module's kind, so /changes and push work for
 * them as for emails.
 *
 * A record with a due time leaves a marker file named after the account
 * in ROOT/.due (a name no account folder can have), made before the
 * record commits and removed when the account has no due record left,
 * so that a module starting up finds the accounts with something to do
 * without opening every store (record_due_accounts).
 */
#include "autoconfig.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "store/store-private.h"

static void
record_free(gpointer p)
{
    HermodMailRecord *r = p;

    if (r->data != NULL)
        g_bytes_unref(r->data);
    g_free(r);
}

static gboolean
check_kind(int kind, GError **error)
{
    if (kind >= HERMOD_MAIL_KIND_MODULE)
        return TRUE;
    g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_INVALID, "kind %d is the store's own",
                kind);
    return FALSE;
}

static char *
marker_path(const char *account)
{
    g_autofree char *dir = hermod_store_root_path(".due");
    g_autofree char *name = g_uri_escape_string(account, "@", FALSE);

    return dir != NULL ? g_build_filename(dir, name, NULL) : NULL;
}

static gboolean
marker_make(const char *account, GError **error)
{
    g_autofree char *path = marker_path(account);
    g_autofree char *dir = path != NULL ? g_path_get_dirname(path) : NULL;

    if (path == NULL || g_mkdir_with_parents(dir, 0700) != 0 ||
        !g_file_set_contents(path, account, -1, NULL)) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_IO,
                    "store %s: cannot mark a due record: %s", account, g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

/* After a commit: drop the marker when nothing is due any more.  Lock
 * held. */
static void
marker_check(HermodStore *store)
{
    sqlite3_stmt *st =
        hermod_store_stmt(store, "SELECT 1 FROM records WHERE due > 0 LIMIT 1", NULL);
    g_autofree char *path = NULL;

    if (st == NULL)
        return;
    if (sqlite3_step(st) == SQLITE_DONE && (path = marker_path(store->account)) != NULL)
        g_unlink(path);
    sqlite3_reset(st);
}

/* Step st (bound) and log the change, in one transaction; NO_MESSAGE
 * when st changed no row.  Lock held. */
static gboolean
write_locked(HermodStore *store, sqlite3_stmt *st, int kind, guint64 id, gboolean destroyed,
             GError **error)
{
    gboolean ok = hermod_store_exec(store, "BEGIN IMMEDIATE", error);
    int rc;

    if (!ok)
        return FALSE;
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        ok = hermod_store_db_error(store, error, "saving a record");
    else if (sqlite3_changes(store->db) == 0) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_NO_MESSAGE,
                    "no record %" G_GUINT64_FORMAT, id);
        ok = FALSE;
    }
    ok = ok && hermod_store_log_locked(store, kind, id, destroyed, error) &&
         hermod_store_exec(store, "COMMIT", error);
    if (!ok)
        hermod_store_exec(store, "ROLLBACK", NULL);
    marker_check(store);
    return ok;
}

gboolean
hermod_store_record_put(HermodStore *store, int kind, guint64 id, gint64 due, GBytes *data,
                        GError **error)
{
    sqlite3_stmt *st;
    gboolean ok = FALSE;
    gsize len = 0;
    const void *p = g_bytes_get_data(data, &len);

    if (!check_kind(kind, error) || (due > 0 && !marker_make(store->account, error)))
        return FALSE;
    g_mutex_lock(&store->lock);
    st = hermod_store_stmt(store, "INSERT OR REPLACE INTO records VALUES(?, ?, ?, ?)", error);
    if (st != NULL) {
        sqlite3_bind_int(st, 1, kind);
        sqlite3_bind_int64(st, 2, (gint64)id);
        sqlite3_bind_int64(st, 3, MAX(due, 0));
        sqlite3_bind_blob(st, 4, p != NULL ? p : "", (int)len, SQLITE_TRANSIENT);
        ok = write_locked(store, st, kind, id, FALSE, error);
    }
    g_mutex_unlock(&store->lock);
    if (ok)
        hermod_store_notify(store->account, NULL);
    return ok;
}

gboolean
hermod_store_record_delete(HermodStore *store, int kind, guint64 id, GError **error)
{
    sqlite3_stmt *st;
    gboolean ok = FALSE;

    if (!check_kind(kind, error))
        return FALSE;
    g_mutex_lock(&store->lock);
    st = hermod_store_stmt(store, "DELETE FROM records WHERE kind = ? AND id = ?", error);
    if (st != NULL) {
        sqlite3_bind_int(st, 1, kind);
        sqlite3_bind_int64(st, 2, (gint64)id);
        ok = write_locked(store, st, kind, id, TRUE, error);
    }
    g_mutex_unlock(&store->lock);
    if (ok)
        hermod_store_notify(store->account, NULL);
    return ok;
}

GPtrArray *
hermod_store_records(HermodStore *store, int kind, GError **error)
{
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(record_free);
    sqlite3_stmt *st;
    int rc = SQLITE_ERROR;

    g_mutex_lock(&store->lock);
    st = hermod_store_stmt(store, "SELECT id, due, data FROM records WHERE kind = ? ORDER BY id",
                           error);
    if (st != NULL) {
        sqlite3_bind_int(st, 1, kind);
        while ((rc = hermod_store_step(store, st, "reading records", error)) == SQLITE_ROW) {
            HermodMailRecord *r = g_new0(HermodMailRecord, 1);
            r->id = (guint64)sqlite3_column_int64(st, 0);
            r->due = sqlite3_column_int64(st, 1);
            r->data = g_bytes_new(sqlite3_column_blob(st, 2), sqlite3_column_bytes(st, 2));
            g_ptr_array_add(out, r);
        }
        if (rc == SQLITE_DONE)
            sqlite3_reset(st);
    }
    g_mutex_unlock(&store->lock);
    return rc == SQLITE_DONE ? g_steal_pointer(&out) : NULL;
}

GPtrArray *
hermod_store_record_due_accounts(GError **error)
{
    g_autofree char *dir = hermod_store_root_path(".due");
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) local = NULL;
    g_autoptr(GDir) d = NULL;
    const char *name;

    if (dir == NULL || !g_file_test(dir, G_FILE_TEST_IS_DIR))
        return g_steal_pointer(&out);
    d = g_dir_open(dir, 0, &local);
    if (d == NULL) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_IO, "store: %s", local->message);
        return NULL;
    }
    while ((name = g_dir_read_name(d)) != NULL) {
        char *account = g_uri_unescape_string(name, NULL);
        if (account != NULL && strchr(account, '@') != NULL)
            g_ptr_array_add(out, account);
        else
            g_free(account);
    }
    return g_steal_pointer(&out);
}
