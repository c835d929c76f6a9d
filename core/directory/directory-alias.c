/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * directory-alias.c - the alias table: alias -> target rows.
 *
 * An alias belongs to a local domain and may have several targets, local or
 * remote.  "@a.test" is a domain alias: with target "@b.test" it maps
 * every local part of a.test to b.test; with a plain address it is a
 * catch-all.  An alias never shadows an account (the account wins, so the
 * row is refused).  How aliases are followed lives in directory-addr.c.
 */
#include "autoconfig.h"

#include "directory/directory.h"
#include "directory/directory-private.h"

static gboolean G_GNUC_PRINTF(3, 4) fail(GError **error, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_propagate_error(error, g_error_new_valist(HERMOD_DIRECTORY_ERROR, code, fmt, ap));
    va_end(ap);
    return FALSE;
}

/* Canonical key of an alias ("u@d" or "@d"); *out_domain its domain. */
static char *
alias_key(const char *alias, char **out_domain, GError **error)
{
    g_autofree char *local = NULL;

    if (alias != NULL && alias[0] == '@') {
        *out_domain = hermod_directory_domain_canon(alias + 1);
        if (*out_domain == NULL)
            fail(error, HERMOD_DIRECTORY_ERROR_INVALID, "not a domain alias: %s", alias);
        return *out_domain != NULL ? g_strconcat("@", *out_domain, NULL) : NULL;
    }
    if (!hermod_directory_addr_split(alias, &local, out_domain, error))
        return NULL;
    return g_strdup_printf("%s@%s", local, *out_domain);
}

static char *
target_key(const char *key, const char *target, GError **error)
{
    char *canon;

    if (target != NULL && target[0] == '@') {
        g_autofree char *domain = hermod_directory_domain_canon(target + 1);
        if (key[0] != '@' || domain == NULL) {
            fail(error, HERMOD_DIRECTORY_ERROR_INVALID,
                 "a target \"@domain\" needs a domain alias: %s", target);
            return NULL;
        }
        return g_strconcat("@", domain, NULL);
    }
    canon = hermod_directory_addr_canon(target);
    if (canon == NULL)
        fail(error, HERMOD_DIRECTORY_ERROR_INVALID, "not a valid target: %s",
             target != NULL ? target : "");
    return canon;
}

static gboolean
insert_alias(const char *key, const char *target, const char *domain, GError **error)
{
    sqlite3_stmt *st;
    gboolean found = FALSE, ok;

    if (!hermod_directory_db_has_domain(domain, &found, error))
        return FALSE;
    if (!found)
        return fail(error, HERMOD_DIRECTORY_ERROR_NOT_FOUND, "unknown domain: %s", domain);
    if (!hermod_directory_db_has_account(key, &found, error))
        return FALSE;
    if (found)
        return fail(error, HERMOD_DIRECTORY_ERROR_EXISTS, "%s is an account", key);
    st = hermod_directory_db_stmt(
        "INSERT INTO aliases(alias, target, domain, created) VALUES(?, ?, ?, ?)", error);
    if (st == NULL)
        return FALSE;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, target, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, domain, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, g_get_real_time() / G_USEC_PER_SEC);
    ok = hermod_directory_db_done(st, error);
    if (!ok && error != NULL && *error != NULL && (*error)->code == HERMOD_DIRECTORY_ERROR_EXISTS)
        g_prefix_error(error, "alias %s -> %s exists: ", key, target);
    return ok;
}

gboolean
hermod_directory_alias_add(const char *alias, const char *target, GError **error)
{
    g_autofree char *domain = NULL;
    g_autofree char *key = alias_key(alias, &domain, error);
    g_autofree char *to = NULL;
    gboolean ok;

    if (key == NULL)
        return FALSE;
    to = target_key(key, target, error);
    if (to == NULL)
        return FALSE;
    if (g_str_equal(key, to))
        return fail(error, HERMOD_DIRECTORY_ERROR_INVALID, "alias to itself: %s", key);
    if (hermod_directory_db_lock(error) == NULL)
        return FALSE;
    ok = insert_alias(key, to, domain, error);
    hermod_directory_db_unlock();
    return ok;
}

static gboolean
delete_alias(const char *key, const char *to, GError **error)
{
    sqlite3 *db = hermod_directory_db_lock(error);
    sqlite3_stmt *st;
    gboolean ok = FALSE;

    if (db == NULL)
        return FALSE;
    st = hermod_directory_db_stmt(to != NULL ? "DELETE FROM aliases WHERE alias = ? AND target = ?"
                                             : "DELETE FROM aliases WHERE alias = ?",
                                  error);
    if (st != NULL) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
        if (to != NULL)
            sqlite3_bind_text(st, 2, to, -1, SQLITE_TRANSIENT);
        ok = hermod_directory_db_done(st, error);
        if (ok && sqlite3_changes(db) == 0)
            ok = fail(error, HERMOD_DIRECTORY_ERROR_NOT_FOUND, "no such alias: %s", key);
    }
    hermod_directory_db_unlock();
    return ok;
}

gboolean
hermod_directory_alias_del(const char *alias, const char *target, GError **error)
{
    g_autofree char *domain = NULL;
    g_autofree char *key = alias_key(alias, &domain, error);
    g_autofree char *to = NULL;

    if (key == NULL)
        return FALSE;
    if (target != NULL) {
        to = target_key(key, target, error);
        if (to == NULL)
            return FALSE;
    }
    return delete_alias(key, to, error);
}

/* "alias -> target" for every row of st; only a scan that ends on
 * SQLITE_DONE succeeds.  Lock held. */
static gboolean
alias_rows(sqlite3_stmt *st, GPtrArray *out, GError **error)
{
    int rc;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        g_ptr_array_add(out, g_strdup_printf("%s -> %s", sqlite3_column_text(st, 0),
                                             sqlite3_column_text(st, 1)));
    if (rc != SQLITE_DONE)
        hermod_directory_db_error(error, "reading aliases");
    sqlite3_reset(st);
    return rc == SQLITE_DONE;
}

GPtrArray *
hermod_directory_alias_list(const char *domain, GError **error)
{
    g_autofree char *name = domain != NULL ? hermod_directory_domain_canon(domain) : NULL;
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    sqlite3_stmt *st;
    gboolean ok;

    if (domain != NULL && name == NULL) {
        fail(error, HERMOD_DIRECTORY_ERROR_NOT_FOUND, "unknown domain: %s", domain);
        return NULL;
    }
    if (hermod_directory_db_lock(error) == NULL)
        return NULL;
    st = hermod_directory_db_stmt(
        name != NULL ? "SELECT alias, target FROM aliases WHERE domain = ? ORDER BY alias, target"
                     : "SELECT alias, target FROM aliases ORDER BY domain, alias, target",
        error);
    if (st != NULL && name != NULL)
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    ok = st != NULL && alias_rows(st, out, error);
    hermod_directory_db_unlock();
    return ok ? g_steal_pointer(&out) : NULL;
}
