/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * directory-private.h - what the directory's files share and nobody else
 * may use: the locked database handle with its statement cache
 * (directory.c) and address parsing (directory-addr.c).
 */
#ifndef HERMOD_CORE_DIRECTORY_PRIVATE_H
#define HERMOD_CORE_DIRECTORY_PRIVATE_H

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* Take the directory's lock; NULL (lock released, error set) when the
 * directory is not open. */
sqlite3 *hermod_directory_db_lock(GError **error);
void hermod_directory_db_unlock(void);
/* Lock held: put the lookups that follow into one read transaction (one
 * WAL read lock), and end it.  Best effort: a failure to begin leaves
 * them in autocommit. */
void hermod_directory_db_read_begin(void);
void hermod_directory_db_read_end(void);
/* A cached prepared statement for sql (a string literal: its address is the
 * cache key), reset and unbound.  Lock held.  (transfer none) */
sqlite3_stmt *hermod_directory_db_stmt(const char *sql, GError **error);
/* Set HERMOD_DIRECTORY_ERROR_DB (EXISTS on a constraint violation) from
 * the connection's last error, "directory: what: ..."; returns FALSE.
 * Lock held. */
gboolean hermod_directory_db_error(GError **error, const char *what);
/* Run a statement to completion; FALSE with HERMOD_DIRECTORY_ERROR_DB (or
 * EXISTS on a constraint violation). Lock held. */
gboolean hermod_directory_db_done(sqlite3_stmt *st, GError **error);

/* Lookups, lock held, with directory.h's convention: TRUE with the answer
 * (NULL or FALSE: no row), FALSE with HERMOD_DIRECTORY_ERROR_DB when the
 * query failed.  Each resets st.
 *
 * db_text: the first column of the first row.  (transfer full) */
gboolean hermod_directory_db_text(sqlite3_stmt *st, char **out_text, GError **error);
/* db_exists: does the query give a row? */
gboolean hermod_directory_db_exists(sqlite3_stmt *st, gboolean *out_found, GError **error);
/* db_strings: the first column of every row, appended to out as g_free'd
 * strings.  Only a scan that ends on SQLITE_DONE succeeds; on failure out
 * may hold the rows read before it, which the caller drops. */
gboolean hermod_directory_db_strings(sqlite3_stmt *st, GPtrArray *out, GError **error);
/* Does the canonical domain / account exist? */
gboolean hermod_directory_db_has_domain(const char *domain, gboolean *out_found, GError **error);
gboolean hermod_directory_db_has_account(const char *address, gboolean *out_found, GError **error);

/* Split an address into canonical parts: local part unquoted and
 * lower-cased, domain lower-cased ASCII (IDNA) or "[literal]".  FALSE with
 * HERMOD_DIRECTORY_ERROR_INVALID and a reason for anything that is not a
 * plain mailbox (source routes, %-hacks, bang paths, control characters,
 * bad syntax).  Any thread, no lock. */
gboolean hermod_directory_addr_split(const char *address, char **out_local, char **out_domain,
                                     GError **error);
/* Canonical "local@domain", or NULL when invalid.  (transfer full) */
char *hermod_directory_addr_canon(const char *address);
/* Canonical domain name (IDNA, lower case, literals kept), or NULL. */
char *hermod_directory_domain_canon(const char *domain);

/* directory-credcache.c: passwords that matched hash, for a short time.
 * cached is TRUE only for the same password against the same stored hash;
 * forget_all empties the cache (directory close). */
gboolean hermod_directory_cred_cached(const char *canon, const char *password, const char *hash);
void hermod_directory_cred_remember(const char *canon, const char *password, const char *hash);
void hermod_directory_cred_forget_all(void);

G_END_DECLS

#endif
