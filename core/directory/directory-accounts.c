/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * directory-accounts.c - accounts (with their password hashes and quotas)
 * and aliases.
 *
 * Passwords are hashed with yescrypt (libxcrypt's "$y$" at its default
 * cost) and only the hash is stored.  Hashing runs outside the directory's
 * lock, so a slow login never holds up an RCPT lookup; a login for an
 * unknown account is hashed against a dummy hash so that its timing does not
 * tell which accounts exist.  Setting a password also stores its SCRAM
 * keys (directory-scram.c).  An address is either an account or an alias,
 * never both, so that resolution has one answer.
 */
#include "autoconfig.h"

#include <crypt.h>
#include <string.h>

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

/* yescrypt of password with a fresh salt, or NULL.  (transfer full) */
static char *
hash_password(const char *password, const char *setting)
{
    g_autofree char *salt = setting == NULL ? crypt_gensalt_ra("$y$", 0, NULL, 0) : NULL;
    struct crypt_data *cd = g_new0(struct crypt_data, 1);
    const char *h = crypt_rn(password, setting != NULL ? setting : salt, cd, sizeof *cd);
    char *out = h != NULL && h[0] != '*' ? g_strdup(h) : NULL;

    memset(cd, 0, sizeof *cd);
    g_free(cd);
    return out;
}

static const char *
dummy_hash(void)
{
    static char *dummy;

    if (g_once_init_enter(&dummy)) {
        g_autofree char *random = g_strdup_printf("%08x%08x", g_random_int(), g_random_int());
        g_once_init_leave(&dummy, hash_password(random, NULL));
    }
    return dummy;
}

static gboolean
same(const char *a, const char *b)
{
    gsize la = strlen(a), lb = strlen(b);
    guint diff = la != lb;

    for (gsize i = 0; i < MIN(la, lb); i++)
        diff |= (guchar)a[i] ^ (guchar)b[i];
    return diff == 0;
}

/* The account's hash; TRUE with NULL when there is no such account. */
static gboolean
stored_hash(const char *address, char **out_hash, GError **error)
{
    sqlite3_stmt *st;
    gboolean ok;

    if (hermod_directory_db_lock(error) == NULL)
        return FALSE;
    st = hermod_directory_db_stmt("SELECT hash FROM accounts WHERE address = ?", error);
    if (st != NULL)
        sqlite3_bind_text(st, 1, address, -1, SQLITE_TRANSIENT);
    ok = st != NULL && hermod_directory_db_text(st, out_hash, error);
    hermod_directory_db_unlock();
    return ok;
}

gboolean
hermod_directory_check(const char *login, const char *password, char **out_account,
                       char **out_known, GError **error)
{
    g_autofree char *canon = hermod_directory_addr_canon(login);
    g_autofree char *hash = NULL;
    g_autofree char *computed = NULL;

    *out_account = NULL;
    if (out_known != NULL)
        *out_known = NULL;
    if (canon != NULL && !stored_hash(canon, &hash, error))
        return FALSE;
    if (password == NULL)
        password = "";
    if (hash != NULL && hermod_directory_cred_cached(canon, password, hash)) {
        *out_account = g_strdup(canon);
    } else {
        computed = hash_password(password, hash != NULL ? hash : dummy_hash());
        if (hash != NULL && computed != NULL && same(computed, hash)) {
            *out_account = g_strdup(canon);
            hermod_directory_cred_remember(canon, password, hash);
        }
    }
    if (out_known != NULL && hash != NULL)
        *out_known = g_strdup(canon);
    return TRUE;
}

/* Is address taken, by an account or an alias?  Lock held. */
static gboolean
is_taken(const char *address, gboolean *out_taken, GError **error)
{
    sqlite3_stmt *st = hermod_directory_db_stmt("SELECT 1 FROM aliases WHERE alias = ?", error);

    if (st == NULL)
        return FALSE;
    sqlite3_bind_text(st, 1, address, -1, SQLITE_TRANSIENT);
    if (!hermod_directory_db_exists(st, out_taken, error))
        return FALSE;
    return *out_taken || hermod_directory_db_has_account(address, out_taken, error);
}

static gboolean
insert_account(const char *address, const char *domain, const char *hash, GError **error)
{
    sqlite3_stmt *st;
    gboolean found = FALSE;

    if (!hermod_directory_db_has_domain(domain, &found, error))
        return FALSE;
    if (!found)
        return fail(error, HERMOD_DIRECTORY_ERROR_NOT_FOUND, "unknown domain: %s", domain);
    if (!is_taken(address, &found, error))
        return FALSE;
    if (found)
        return fail(error, HERMOD_DIRECTORY_ERROR_EXISTS, "address exists: %s", address);
    st = hermod_directory_db_stmt(
        "INSERT INTO accounts(address, domain, hash, created) VALUES(?, ?, ?, ?)", error);
    if (st == NULL)
        return FALSE;
    sqlite3_bind_text(st, 1, address, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, domain, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, g_get_real_time() / G_USEC_PER_SEC);
    return hermod_directory_db_done(st, error);
}

gboolean
hermod_directory_user_add(const char *address, const char *password, GError **error)
{
    g_autofree char *local = NULL;
    g_autofree char *domain = NULL;
    g_autofree char *hash = NULL;
    g_autofree char *canon = NULL;
    gboolean ok;

    if (!hermod_directory_addr_split(address, &local, &domain, error))
        return FALSE;
    if (password == NULL || *password == '\0')
        return fail(error, HERMOD_DIRECTORY_ERROR_INVALID, "empty password for %s", address);
    hash = hash_password(password, NULL);
    if (hash == NULL)
        return fail(error, HERMOD_DIRECTORY_ERROR_DB, "cannot hash the password of %s", address);
    canon = g_strdup_printf("%s@%s", local, domain);
    if (hermod_directory_db_lock(error) == NULL)
        return FALSE;
    ok = insert_account(canon, domain, hash, error);
    hermod_directory_db_unlock();
    return ok && hermod_directory_scram_set(canon, password, error);
}

/* Run one statement binding text a (and b when not NULL); *out_changes gets
 * the number of rows changed. */
static gboolean
run(const char *sql, const char *a, const char *b, int *out_changes, GError **error)
{
    sqlite3 *db = hermod_directory_db_lock(error);
    sqlite3_stmt *st;
    gboolean ok = FALSE;

    if (db == NULL)
        return FALSE;
    st = hermod_directory_db_stmt(sql, error);
    if (st != NULL) {
        sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
        if (b != NULL)
            sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
        ok = hermod_directory_db_done(st, error);
        *out_changes = sqlite3_changes(db);
    }
    hermod_directory_db_unlock();
    return ok;
}

gboolean
hermod_directory_user_passwd(const char *address, const char *password, GError **error)
{
    g_autofree char *canon = hermod_directory_addr_canon(address);
    g_autofree char *hash = NULL;
    int n = 0;

    if (canon == NULL)
        return fail(error, HERMOD_DIRECTORY_ERROR_NOT_FOUND, "no such account: %s", address);
    if (password == NULL || *password == '\0')
        return fail(error, HERMOD_DIRECTORY_ERROR_INVALID, "empty password for %s", address);
    hash = hash_password(password, NULL);
    if (hash == NULL)
        return fail(error, HERMOD_DIRECTORY_ERROR_DB, "cannot hash the password of %s", address);
    if (!run("UPDATE accounts SET hash = ?2 WHERE address = ?1", canon, hash, &n, error))
        return FALSE;
    if (n == 0)
        return fail(error, HERMOD_DIRECTORY_ERROR_NOT_FOUND, "no such account: %s", canon);
    return hermod_directory_scram_set(canon, password, error);
}

/* The account's mail folder stays on disk: removing mail is left to the
 * admin.  Alias rows that pointed at the account go with it. */
gboolean
hermod_directory_user_del(const char *address, GError **error)
{
    g_autofree char *canon = hermod_directory_addr_canon(address);
    int n = 0, ignored = 0;

    if (canon == NULL)
        return fail(error, HERMOD_DIRECTORY_ERROR_NOT_FOUND, "no such account: %s", address);
    if (!run("DELETE FROM accounts WHERE address = ?", canon, NULL, &n, error))
        return FALSE;
    if (n == 0)
        return fail(error, HERMOD_DIRECTORY_ERROR_NOT_FOUND, "no such account: %s", canon);
    return run("DELETE FROM aliases WHERE target = ?", canon, NULL, &ignored, error);
}

/* Is name a local domain?  FALSE with NOT_FOUND when it is not.  Lock held. */
static gboolean
need_domain(const char *name, GError **error)
{
    gboolean found = FALSE;

    if (!hermod_directory_db_has_domain(name, &found, error))
        return FALSE;
    return found || fail(error, HERMOD_DIRECTORY_ERROR_NOT_FOUND, "unknown domain: %s", name);
}

/* Rows of a one-column query, optionally filtered by domain. */
static GPtrArray *
list(const char *all_sql, const char *domain_sql, const char *domain, GError **error)
{
    g_autofree char *name = domain != NULL ? hermod_directory_domain_canon(domain) : NULL;
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    sqlite3_stmt *st = NULL;
    gboolean ok;

    if (domain != NULL && name == NULL) {
        fail(error, HERMOD_DIRECTORY_ERROR_NOT_FOUND, "unknown domain: %s", domain);
        return NULL;
    }
    if (hermod_directory_db_lock(error) == NULL)
        return NULL;
    if (name == NULL || need_domain(name, error))
        st = hermod_directory_db_stmt(name != NULL ? domain_sql : all_sql, error);
    if (st != NULL && name != NULL)
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    ok = st != NULL && hermod_directory_db_strings(st, out, error);
    hermod_directory_db_unlock();
    return ok ? g_steal_pointer(&out) : NULL;
}

GPtrArray *
hermod_directory_user_list(const char *domain, GError **error)
{
    return list("SELECT address FROM accounts ORDER BY domain, address",
                "SELECT address FROM accounts WHERE domain = ? ORDER BY address", domain, error);
}

gboolean
hermod_directory_user_set_quota(const char *address, guint64 bytes, GError **error)
{
    g_autofree char *canon = hermod_directory_addr_canon(address);
    g_autofree char *value = g_strdup_printf("%" G_GUINT64_FORMAT, bytes);
    int n = 0;

    if (canon == NULL)
        return fail(error, HERMOD_DIRECTORY_ERROR_NOT_FOUND, "no such account: %s", address);
    if (!run("UPDATE accounts SET quota = CAST(?2 AS INTEGER) WHERE address = ?1", canon, value, &n,
             error))
        return FALSE;
    if (n == 0)
        return fail(error, HERMOD_DIRECTORY_ERROR_NOT_FOUND, "no such account: %s", canon);
    return TRUE;
}

gboolean
hermod_directory_user_quota(const char *address, guint64 *out_bytes, GError **error)
{
    g_autofree char *canon = hermod_directory_addr_canon(address);
    g_autofree char *text = NULL;
    sqlite3_stmt *st;
    gboolean ok;

    if (canon == NULL) {
        *out_bytes = 0;
        return TRUE;
    }
    if (hermod_directory_db_lock(error) == NULL)
        return FALSE;
    st = hermod_directory_db_stmt("SELECT quota FROM accounts WHERE address = ?", error);
    if (st != NULL)
        sqlite3_bind_text(st, 1, canon, -1, SQLITE_TRANSIENT);
    ok = st != NULL && hermod_directory_db_text(st, &text, error);
    hermod_directory_db_unlock();
    if (ok)
        *out_bytes = text != NULL ? g_ascii_strtoull(text, NULL, 10) : 0;
    return ok;
}
