/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * directory.c - the directory database: data_dir/hermod.db, its schema,
 * its lock, and the domain table.
 *
 * One SQLite connection in WAL mode guarded by a mutex: every directory
 * query is a short indexed lookup, so one connection serves all threads, and
 * the slow part of a login (yescrypt) runs outside the lock (see
 * directory-accounts.c).  hermodctl writes to the same file from another
 * process; WAL and busy_timeout let both proceed.  Statements are prepared
 * once and cached by the address of their SQL literal.
 *
 * Accounts and aliases live in directory-accounts.c, address syntax and
 * resolution in directory-addr.c.  This file never parses an address.
 */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>

#include "directory/directory.h"
#include "directory/directory-private.h"

static GMutex lock;
static sqlite3 *db;
static GHashTable *stmts; /* const char *sql -> sqlite3_stmt * */

/* Version 1 of the schema.  Domain aliases are alias rows whose alias is
 * "@domain"; per-account settings are kept for modules to come. */
static const char schema_v1[] =
    "CREATE TABLE domains(name TEXT PRIMARY KEY, created INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE accounts(id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " address TEXT NOT NULL UNIQUE, domain TEXT NOT NULL, hash TEXT NOT NULL,"
    " quota INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL);"
    "CREATE INDEX accounts_by_domain ON accounts(domain, id);"
    "CREATE TABLE aliases(alias TEXT NOT NULL, target TEXT NOT NULL, domain TEXT NOT NULL,"
    " created INTEGER NOT NULL, PRIMARY KEY(alias, target)) WITHOUT ROWID;"
    "CREATE INDEX aliases_by_domain ON aliases(domain);"
    "CREATE TABLE account_settings(account_id INTEGER NOT NULL"
    " REFERENCES accounts(id) ON DELETE CASCADE, key TEXT NOT NULL, value TEXT,"
    " PRIMARY KEY(account_id, key)) WITHOUT ROWID;"
    "PRAGMA user_version = 1;";

/* Version 2: dynamic screening survives a restart (auth.c, through
 * directory-screening.c).  Times are wall-clock microseconds. */
static const char schema_v2[] =
    "CREATE TABLE auth_failures(ip TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX auth_failures_by_ip ON auth_failures(ip, at);"
    "CREATE INDEX auth_failures_by_at ON auth_failures(at);"
    "CREATE TABLE auth_blocks(ip TEXT PRIMARY KEY, until INTEGER NOT NULL) WITHOUT ROWID;"
    "PRAGMA user_version = 2;";
#define SCHEMA_VERSION 2

/* The quark name must stay one word. */
/* clang-format off */
G_DEFINE_QUARK(hermod-directory-error-quark, hermod_directory_error)
/* clang-format on */

static gboolean
db_error(GError **error, sqlite3 *handle, const char *what)
{
    int code = sqlite3_extended_errcode(handle);
    int kind = (code & 0xff) == SQLITE_CONSTRAINT ? HERMOD_DIRECTORY_ERROR_EXISTS
                                                  : HERMOD_DIRECTORY_ERROR_DB;
    g_set_error(error, HERMOD_DIRECTORY_ERROR, kind, "directory: %s: %s", what,
                sqlite3_errmsg(handle));
    return FALSE;
}

static gboolean
exec(sqlite3 *handle, const char *sql, GError **error)
{
    char *msg = NULL;

    if (sqlite3_exec(handle, sql, NULL, NULL, &msg) == SQLITE_OK)
        return TRUE;
    g_set_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_DB, "directory: %s",
                msg != NULL ? msg : "unknown SQLite error");
    sqlite3_free(msg);
    return FALSE;
}

static int
schema_version(sqlite3 *handle)
{
    sqlite3_stmt *st = NULL;
    int version = -1;

    if (sqlite3_prepare_v2(handle, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return version;
}

/* Bring the schema to SCHEMA_VERSION.  The version is read inside the
 * write transaction, so that hermodd and hermodctl starting together do
 * not both apply the same step. */
static gboolean
migrate(sqlite3 *handle, GError **error)
{
    int version = schema_version(handle);

    if (version == SCHEMA_VERSION)
        return TRUE;
    if (!exec(handle, "BEGIN IMMEDIATE", error))
        return FALSE;
    version = schema_version(handle);
    if (version < 0 || version > SCHEMA_VERSION) {
        exec(handle, "ROLLBACK", NULL);
        if (version < 0)
            return db_error(error, handle, "reading the schema version");
        g_set_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_DB,
                    "directory: schema version %d is newer than this hermod (%d)", version,
                    SCHEMA_VERSION);
        return FALSE;
    }
    if ((version < 1 && !exec(handle, schema_v1, error)) ||
        (version < 2 && !exec(handle, schema_v2, error))) {
        exec(handle, "ROLLBACK", NULL);
        return FALSE;
    }
    return exec(handle, "COMMIT", error);
}

static void
finalize_stmt(gpointer st)
{
    sqlite3_finalize(st);
}

gboolean
hermod_directory_open(const char *data_dir, GError **error)
{
    g_autofree char *path = g_build_filename(data_dir, "hermod.db", NULL);
    sqlite3 *handle = NULL;

    if (g_mkdir_with_parents(data_dir, 0750) != 0) {
        g_set_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_DB,
                    "directory: cannot create %s: %s", data_dir, g_strerror(errno));
        return FALSE;
    }
    if (sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        db_error(error, handle, path);
        sqlite3_close(handle);
        return FALSE;
    }
    sqlite3_busy_timeout(handle, 5000);
    if (!exec(handle, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;", error) ||
        !migrate(handle, error)) {
        sqlite3_close(handle);
        return FALSE;
    }
    hermod_directory_close();
    g_mutex_lock(&lock);
    db = handle;
    stmts = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, finalize_stmt);
    g_mutex_unlock(&lock);
    return TRUE;
}

void
hermod_directory_close(void)
{
    g_mutex_lock(&lock);
    g_clear_pointer(&stmts, g_hash_table_destroy);
    if (db != NULL)
        sqlite3_close(db);
    db = NULL;
    g_mutex_unlock(&lock);
    hermod_directory_cred_forget_all();
}

sqlite3 *
hermod_directory_db_lock(GError **error)
{
    g_mutex_lock(&lock);
    if (db != NULL)
        return db;
    g_mutex_unlock(&lock);
    g_set_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_DB, "directory: not open");
    return NULL;
}

void
hermod_directory_db_unlock(void)
{
    g_mutex_unlock(&lock);
}

/* One read transaction for the several lookups of a caller: each lookup
 * on its own takes and drops SQLite's WAL read lock (fcntl locks, a stat of
 * the database), 26 fcntl and 17 stat calls per SMTP message before.  A
 * failure to begin leaves the lookups in autocommit, which is still
 * correct. */
void
hermod_directory_db_read_begin(void)
{
    sqlite3_stmt *st = hermod_directory_db_stmt("BEGIN", NULL);

    if (st != NULL) {
        sqlite3_step(st);
        sqlite3_reset(st);
    }
}

void
hermod_directory_db_read_end(void)
{
    sqlite3_stmt *st;

    if (sqlite3_get_autocommit(db))
        return;
    st = hermod_directory_db_stmt("COMMIT", NULL);
    if (st == NULL || sqlite3_step(st) != SQLITE_DONE)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    if (st != NULL)
        sqlite3_reset(st);
}

sqlite3_stmt *
hermod_directory_db_stmt(const char *sql, GError **error)
{
    sqlite3_stmt *st = g_hash_table_lookup(stmts, sql);

    if (st != NULL) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        db_error(error, db, "preparing a query");
        return NULL;
    }
    g_hash_table_insert(stmts, (gpointer)sql, st);
    return st;
}

gboolean
hermod_directory_db_error(GError **error, const char *what)
{
    return db_error(error, db, what);
}

gboolean
hermod_directory_db_done(sqlite3_stmt *st, GError **error)
{
    int rc;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return TRUE;
    return db_error(error, db, "writing");
}

/* One step of a lookup: SQLITE_ROW or SQLITE_DONE, else the error is set
 * (before the reset, which would clear the message) and st reset. */
static int
step(sqlite3_stmt *st, GError **error)
{
    int rc = sqlite3_step(st);

    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return rc;
    db_error(error, db, "reading");
    sqlite3_reset(st);
    return rc;
}

gboolean
hermod_directory_db_text(sqlite3_stmt *st, char **out_text, GError **error)
{
    int rc = step(st, error);

    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FALSE;
    *out_text = rc == SQLITE_ROW ? g_strdup((const char *)sqlite3_column_text(st, 0)) : NULL;
    sqlite3_reset(st);
    return TRUE;
}

gboolean
hermod_directory_db_exists(sqlite3_stmt *st, gboolean *out_found, GError **error)
{
    int rc = step(st, error);

    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FALSE;
    *out_found = rc == SQLITE_ROW;
    sqlite3_reset(st);
    return TRUE;
}

gboolean
hermod_directory_db_strings(sqlite3_stmt *st, GPtrArray *out, GError **error)
{
    int rc;

    while ((rc = step(st, error)) == SQLITE_ROW)
        g_ptr_array_add(out, g_strdup((const char *)sqlite3_column_text(st, 0)));
    if (rc != SQLITE_DONE)
        return FALSE;
    sqlite3_reset(st);
    return TRUE;
}

/* A lookup of one row by a text key. */
static gboolean
exists_text(const char *sql, const char *key, gboolean *out_found, GError **error)
{
    sqlite3_stmt *st = hermod_directory_db_stmt(sql, error);

    if (st == NULL)
        return FALSE;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    return hermod_directory_db_exists(st, out_found, error);
}

gboolean
hermod_directory_db_has_domain(const char *domain, gboolean *out_found, GError **error)
{
    return exists_text("SELECT 1 FROM domains WHERE name = ?", domain, out_found, error);
}

gboolean
hermod_directory_db_has_account(const char *address, gboolean *out_found, GError **error)
{
    return exists_text("SELECT 1 FROM accounts WHERE address = ?", address, out_found, error);
}

gboolean
hermod_directory_domain_add(const char *domain, GError **error)
{
    g_autofree char *name = hermod_directory_domain_canon(domain);
    sqlite3_stmt *st;
    gboolean ok;

    if (name == NULL) {
        g_set_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_INVALID,
                    "not a domain name: %s", domain);
        return FALSE;
    }
    if (hermod_directory_db_lock(error) == NULL)
        return FALSE;
    st = hermod_directory_db_stmt("INSERT INTO domains(name, created) VALUES(?, ?)", error);
    if (st != NULL) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, g_get_real_time() / G_USEC_PER_SEC);
    }
    ok = st != NULL && hermod_directory_db_done(st, error);
    hermod_directory_db_unlock();
    if (!ok && error != NULL && *error != NULL && (*error)->code == HERMOD_DIRECTORY_ERROR_EXISTS)
        g_prefix_error(error, "domain %s exists: ", name);
    return ok;
}

static gboolean
count_accounts(const char *domain, gint64 *out_n, GError **error)
{
    sqlite3_stmt *st =
        hermod_directory_db_stmt("SELECT count(*) FROM accounts WHERE domain = ?", error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_text(st, 1, domain, -1, SQLITE_TRANSIENT);
    rc = step(st, error);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FALSE;
    *out_n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return TRUE;
}

/* Refuses while the domain has accounts: deleting them must be a deliberate
 * act, one by one.  The domain's aliases go with it. */
static gboolean
domain_del_locked(const char *name, GError **error)
{
    sqlite3_stmt *st;
    gboolean found = FALSE;
    gint64 n = 0;

    if (!hermod_directory_db_has_domain(name, &found, error))
        return FALSE;
    if (!found) {
        g_set_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_NOT_FOUND,
                    "no such domain: %s", name);
        return FALSE;
    }
    if (!count_accounts(name, &n, error))
        return FALSE;
    if (n > 0) {
        g_set_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_INVALID,
                    "domain %s still has %" G_GINT64_FORMAT " account(s); delete them first", name,
                    n);
        return FALSE;
    }
    st = hermod_directory_db_stmt("DELETE FROM aliases WHERE domain = ?", error);
    if (st == NULL)
        return FALSE;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    if (!hermod_directory_db_done(st, error))
        return FALSE;
    st = hermod_directory_db_stmt("DELETE FROM domains WHERE name = ?", error);
    if (st == NULL)
        return FALSE;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    return hermod_directory_db_done(st, error);
}

gboolean
hermod_directory_domain_del(const char *domain, GError **error)
{
    g_autofree char *name = hermod_directory_domain_canon(domain);
    gboolean ok;

    if (name == NULL) {
        g_set_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_NOT_FOUND,
                    "no such domain: %s", domain);
        return FALSE;
    }
    if (hermod_directory_db_lock(error) == NULL)
        return FALSE;
    ok = domain_del_locked(name, error);
    hermod_directory_db_unlock();
    return ok;
}

GPtrArray *
hermod_directory_domain_list(GError **error)
{
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    sqlite3_stmt *st;
    gboolean ok;

    if (hermod_directory_db_lock(error) == NULL)
        return NULL;
    st = hermod_directory_db_stmt("SELECT name FROM domains ORDER BY name", error);
    ok = st != NULL && hermod_directory_db_strings(st, out, error);
    hermod_directory_db_unlock();
    return ok ? g_steal_pointer(&out) : NULL;
}

gboolean
hermod_directory_domain_is_local(const char *domain, gboolean *out_is_local, GError **error)
{
    g_autofree char *name = hermod_directory_domain_canon(domain);
    gboolean ok;

    if (name == NULL) {
        *out_is_local = FALSE;
        return TRUE;
    }
    if (hermod_directory_db_lock(error) == NULL)
        return FALSE;
    ok = hermod_directory_db_has_domain(name, out_is_local, error);
    hermod_directory_db_unlock();
    return ok;
}
