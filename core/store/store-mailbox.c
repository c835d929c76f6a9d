/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-mailbox.c - mailboxes as IMAP sees them: names, create, delete,
 * rename, subscribe, status.
 *
 * Names are UTF-8 with '/' as the hierarchy delimiter and a flat table
 * behind them: a child is the row whose name starts with "parent/".
 * Creating "a/b/c" creates the missing "a" and "a/b".  Deleting a mailbox
 * that has children keeps it as a \Noselect row (RFC 9051 6.3.4), and a
 * \Noselect row left without children goes away.  A mailbox keeps its id
 * (and so its message file names and UIDVALIDITY) across renames; one
 * created anew, even under an old name, gets a new UIDVALIDITY.  Every
 * change runs in one write transaction under the store's lock; message
 * files are unlinked only after the commit.
 */
#include "autoconfig.h"

#include <string.h>

#include "store/store-private.h"

static gboolean
invalid(GError **error, const char *why, const char *name)
{
    g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_INVALID, "%s: %s", why, name);
    return FALSE;
}

char *
hermod_store_name_canon(const char *name, GError **error)
{
    gsize len = name != NULL ? strlen(name) : 0;

    if (len == 0 || len > 1000 || !g_utf8_validate(name, -1, NULL) || name[0] == '/' ||
        name[len - 1] == '/' || strstr(name, "//") != NULL) {
        invalid(error, "not a mailbox name", name != NULL ? name : "");
        return NULL;
    }
    for (const char *p = name; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            invalid(error, "control character in mailbox name", "(binary)");
            return NULL;
        }
    }
    if (g_ascii_strncasecmp(name, "INBOX", 5) == 0 && (name[5] == '\0' || name[5] == '/'))
        return g_strconcat("INBOX", name + 5, NULL);
    return g_strdup(name);
}

/* A lookup of name's row: *out_state -1 when there is none, 0 for a
 * mailbox, 1 for a \Noselect parent; *out_id (nullable) its id. */
static gboolean
box_state(HermodStore *store, const char *name, int *out_state, gint64 *out_id, GError **error)
{
    sqlite3_stmt *st =
        hermod_store_stmt(store, "SELECT id, noselect FROM mailboxes WHERE name = ?", error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    rc = hermod_store_step(store, st, "reading a mailbox", error);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FALSE;
    *out_state = rc == SQLITE_ROW ? sqlite3_column_int(st, 1) != 0 : -1;
    if (rc == SQLITE_ROW && out_id != NULL)
        *out_id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return TRUE;
}

/* A lookup: has name any child mailbox? */
static gboolean
has_children(HermodStore *store, const char *name, gboolean *out_found, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(
        store, "SELECT 1 FROM mailboxes WHERE name > ?1 || '/' AND name < ?1 || '0' LIMIT 1",
        error);

    if (st == NULL)
        return FALSE;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    return hermod_store_exists(store, st, out_found, error);
}

static gboolean
run_text(HermodStore *store, const char *sql, const char *a, const char *b, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store, sql, error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
    if (b != NULL)
        sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || hermod_store_db_error(store, error, "changing a mailbox");
}

/* Every missing parent of name, as a mailbox. */
static gboolean
create_parents(HermodStore *store, const char *name, GError **error)
{
    for (const char *slash = strchr(name, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
        g_autofree char *parent = g_strndup(name, slash - name);
        int state = 0;
        if (!box_state(store, parent, &state, NULL, error) ||
            (state < 0 && !hermod_store_box_create(store, parent, NULL, error)))
            return FALSE;
    }
    return TRUE;
}

/* Run fn(store, a, b, data) in a write transaction under the lock. */
typedef gboolean (*TxnFunc)(HermodStore *store, const char *a, const char *b, gpointer data,
                            GError **error);

static gboolean
in_txn(HermodStore *store, TxnFunc fn, const char *a, const char *b, gpointer data, GError **error)
{
    gboolean ok;

    g_mutex_lock(&store->lock);
    ok = hermod_store_exec(store, "BEGIN IMMEDIATE", error);
    if (ok) {
        ok = fn(store, a, b, data, error) && hermod_store_exec(store, "COMMIT", error);
        if (!ok)
            hermod_store_exec(store, "ROLLBACK", NULL);
    }
    g_mutex_unlock(&store->lock);
    return ok;
}

static gboolean
create_txn(HermodStore *store, const char *name, const char *special_use, gpointer data,
           GError **error)
{
    int state = -1;

    if (!box_state(store, name, &state, NULL, error))
        return FALSE;
    if (state == 0) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_EXISTS, "mailbox %s exists",
                    name);
        return FALSE;
    }
    if (!create_parents(store, name, error))
        return FALSE;
    if (state == 1 && !run_text(store, "DELETE FROM mailboxes WHERE name = ?", name, NULL, error))
        return FALSE;
    return hermod_store_box_create(store, name, special_use, error);
}

gboolean
hermod_store_mailbox_create(HermodStore *store, const char *name, const char *special_use,
                            GError **error)
{
    g_autofree char *canon = hermod_store_name_canon(name, error);

    if (canon == NULL || !in_txn(store, create_txn, canon, special_use, NULL, error))
        return FALSE;
    hermod_store_notify(store->account, NULL);
    return TRUE;
}

/* Message ids of a mailbox, or NULL.  (transfer full) */
static GArray *
box_messages(HermodStore *store, gint64 box_id, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(
        store, "SELECT id FROM messages WHERE mailbox_id = ? ORDER BY uid", error);
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(gint64));
    int rc;

    if (st == NULL)
        return NULL;
    sqlite3_bind_int64(st, 1, box_id);
    while ((rc = hermod_store_step(store, st, "listing messages", error)) == SQLITE_ROW) {
        gint64 id = sqlite3_column_int64(st, 0);
        g_array_append_val(ids, id);
    }
    if (rc != SQLITE_DONE)
        return NULL;
    sqlite3_reset(st);
    return g_steal_pointer(&ids);
}

/* Remove \Noselect ancestors of name that have no children left. */
static gboolean
prune_parents(HermodStore *store, const char *name, GError **error)
{
    g_autofree char *parent = g_strdup(name);
    gboolean children = FALSE;
    char *slash;
    int state = -1;

    while ((slash = strrchr(parent, '/')) != NULL) {
        *slash = '\0';
        if (!box_state(store, parent, &state, NULL, error) ||
            (state == 1 && !has_children(store, parent, &children, error)))
            return FALSE;
        if (state != 1 || children)
            break;
        if (!run_text(store, "DELETE FROM mailboxes WHERE name = ?", parent, NULL, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
remember_deleted(HermodStore *store, gint64 id, GError **error)
{
    sqlite3_stmt *st =
        hermod_store_stmt(store, "INSERT OR IGNORE INTO deleted_mailboxes VALUES(?)", error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || hermod_store_db_error(store, error, "deleting a mailbox");
}

static gboolean
delete_txn(HermodStore *store, const char *name, const char *unused, gpointer removed,
           GError **error)
{
    gint64 id = 0;
    int state = -1;
    gboolean children = FALSE;
    g_autoptr(GArray) ids = NULL;

    if (!box_state(store, name, &state, &id, error) ||
        (state >= 0 && !has_children(store, name, &children, error)))
        return FALSE;
    if (state < 0) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_NO_MAILBOX, "no mailbox %s",
                    name);
        return FALSE;
    }
    if (children && state == 1)
        return invalid(error, "has children and holds no messages", name);
    ids = box_messages(store, id, error);
    if (ids == NULL || !hermod_store_rows_delete(store, id, ids, 0, removed, error) ||
        !remember_deleted(store, id, error))
        return FALSE;
    if (children)
        return run_text(store, "UPDATE mailboxes SET noselect = 1 WHERE name = ?", name, NULL,
                        error);
    return run_text(store, "DELETE FROM mailboxes WHERE name = ?", name, NULL, error) &&
           prune_parents(store, name, error);
}

gboolean
hermod_store_mailbox_delete(HermodStore *store, const char *name, GError **error)
{
    g_autofree char *canon = hermod_store_name_canon(name, error);
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    StoreRemoved removed = {files, 0};

    if (canon == NULL)
        return FALSE;
    if (g_str_equal(canon, "INBOX"))
        return invalid(error, "INBOX cannot be deleted", canon);
    if (!in_txn(store, delete_txn, canon, NULL, &removed, error))
        return FALSE;
    hermod_store_release_bytes(store, removed.bytes);
    hermod_store_files_unlink(store, files);
    hermod_store_notify(store->account, NULL);
    return TRUE;
}

gboolean
hermod_store_mailbox_subscribe(HermodStore *store, const char *name, gboolean on, GError **error)
{
    g_autofree char *canon = hermod_store_name_canon(name, error);
    sqlite3_stmt *st;
    gboolean ok = FALSE;

    if (canon == NULL)
        return FALSE;
    g_mutex_lock(&store->lock);
    st = hermod_store_stmt(store, "UPDATE mailboxes SET subscribed = ? WHERE name = ?", error);
    if (st != NULL) {
        sqlite3_bind_int(st, 1, on ? 1 : 0);
        sqlite3_bind_text(st, 2, canon, -1, SQLITE_TRANSIENT);
        ok = sqlite3_step(st) == SQLITE_DONE || hermod_store_db_error(store, error, "subscribing");
        sqlite3_reset(st);
        if (ok && sqlite3_changes(store->db) == 0) {
            ok = FALSE;
            g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_NO_MAILBOX, "no mailbox %s",
                        canon);
        }
    }
    g_mutex_unlock(&store->lock);
    if (ok)
        hermod_store_notify(store->account, canon); /* its status changed (store-share.c) */
    return ok;
}

static gboolean
rename_inbox_txn(HermodStore *store, const char *from, const char *to, GError **error)
{
    g_autoptr(GArray) ids = NULL;
    StoreBox inbox, dest;

    if (!create_txn(store, to, NULL, NULL, error) ||
        !hermod_store_box(store, "INBOX", &inbox, error) ||
        !hermod_store_box(store, to, &dest, error))
        return FALSE;
    ids = box_messages(store, inbox.id, error);
    return ids != NULL && hermod_store_rows_move(store, &inbox, &dest, ids, NULL, NULL, error);
}

static gboolean
rename_txn(HermodStore *store, const char *from, const char *to, gpointer data, GError **error)
{
    g_autofree char *under = g_strconcat(from, "/", NULL);

    int from_state = -1, to_state = -1;

    if (g_str_equal(from, "INBOX"))
        return rename_inbox_txn(store, from, to, error);
    if (!box_state(store, from, &from_state, NULL, error) ||
        !box_state(store, to, &to_state, NULL, error))
        return FALSE;
    if (from_state < 0) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_NO_MAILBOX, "no mailbox %s",
                    from);
        return FALSE;
    }
    if (to_state >= 0) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_EXISTS, "mailbox %s exists", to);
        return FALSE;
    }
    if (g_str_has_prefix(to, under))
        return invalid(error, "cannot move a mailbox into itself", to);
    return create_parents(store, to, error) &&
           run_text(store,
                    "UPDATE mailboxes SET name = ?2 || substr(name, length(?1) + 1)"
                    " WHERE name = ?1 OR (name > ?1 || '/' AND name < ?1 || '0')",
                    from, to, error) &&
           prune_parents(store, from, error);
}

gboolean
hermod_store_mailbox_rename(HermodStore *store, const char *from, const char *to, GError **error)
{
    g_autofree char *a = hermod_store_name_canon(from, error);
    g_autofree char *b = a != NULL ? hermod_store_name_canon(to, error) : NULL;

    if (b == NULL)
        return FALSE;
    if (!in_txn(store, rename_txn, a, b, NULL, error))
        return FALSE;
    hermod_store_notify(store->account, NULL);
    return TRUE;
}
