/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * directory.h - domains, accounts, aliases in data_dir/hermod.db.
 *
 * Addresses compare case-insensitively and are stored lower-case; a
 * plus-address user+tag@domain reaches user@domain; postmaster@ every local
 * domain reaches the first account of that domain unless an alias says
 * otherwise.  Passwords are kept only as yescrypt hashes (libxcrypt).
 * SQLite in WAL mode; one connection behind a mutex (every query is a
 * short indexed lookup; password hashing runs outside the lock), so any
 * thread may call these.
 */
#ifndef HERMOD_CORE_DIRECTORY_H
#define HERMOD_CORE_DIRECTORY_H

#include <glib.h>
#include <hermod/api.h>

G_BEGIN_DECLS

#define HERMOD_DIRECTORY_ERROR (hermod_directory_error_quark())
GQuark hermod_directory_error_quark(void);
typedef enum {
    HERMOD_DIRECTORY_ERROR_DB,
    HERMOD_DIRECTORY_ERROR_EXISTS,
    HERMOD_DIRECTORY_ERROR_NOT_FOUND,
    HERMOD_DIRECTORY_ERROR_INVALID,
} HermodDirectoryError;

/* Open (create) data_dir/hermod.db and migrate its schema. */
gboolean hermod_directory_open(const char *data_dir, GError **error);
void hermod_directory_close(void);

gboolean hermod_directory_domain_add(const char *domain, GError **error);
gboolean hermod_directory_domain_del(const char *domain, GError **error);
GPtrArray *hermod_directory_domain_list(GError **error); /* of char*, transfer full */
gboolean hermod_directory_domain_is_local(const char *domain);

gboolean hermod_directory_user_add(const char *address, const char *password, GError **error);
gboolean hermod_directory_user_passwd(const char *address, const char *password, GError **error);
gboolean hermod_directory_user_del(const char *address, GError **error);
GPtrArray *hermod_directory_user_list(const char *domain, GError **error); /* nullable domain */
/* Quota in bytes, 0 = unlimited. */
gboolean hermod_directory_user_set_quota(const char *address, guint64 bytes, GError **error);
guint64 hermod_directory_user_quota(const char *address);

gboolean hermod_directory_alias_add(const char *alias, const char *target, GError **error);
gboolean hermod_directory_alias_del(const char *alias, const char *target, GError **error);
GPtrArray *hermod_directory_alias_list(const char *domain, GError **error); /* "alias -> target" */

/* Check a password (slow: yescrypt). Returns the canonical account address
 * (transfer full) or NULL.  login may be any case. */
char *hermod_directory_verify(const char *login, const char *password);
/* The same with detail, for auth.c.  Returns FALSE only when the directory
 * cannot be read.  *out_account gets the canonical account when the
 * password matches, else NULL; *out_known (nullable out) the account the
 * login names whether or not the password matched, else NULL.  An unknown
 * login costs as much time as a known one.  (transfer full) */
gboolean hermod_directory_check(const char *login, const char *password, char **out_account,
                                char **out_known, GError **error);
/* Classify an address for RCPT (HermodApi.addr_classify). */
HermodAddrKind hermod_directory_classify(const char *address);
/* Resolve a local address to the account addresses that receive it (aliases
 * may fan out, and may point to remote addresses too); transfer full. */
GPtrArray *hermod_directory_resolve(const char *address, GError **error);
/* HermodApi.addr_owned_by. */
gboolean hermod_directory_owns(const char *address, const char *account);
/* The canonical spelling of an address (local part unquoted and
 * lower-cased, domain lower-case IDNA), or NULL when it is not a valid
 * mailbox.  Any thread.  (transfer full) */
char *hermod_directory_canonical(const char *address);
/* Does this account exist?  address is canonicalised first. */
gboolean hermod_directory_account_exists(const char *address);

/* --- the dynamic-screening record (directory-screening.c), for auth.c.
 * Times are wall-clock microseconds (g_get_real_time).  Blocking: the work
 * pool or start-up. */

/* One failed login from ip at at; failures of ip older than window are
 * dropped on the way. */
gboolean hermod_directory_screen_failure(const char *ip, gint64 at, gint64 window, GError **error);
/* ip is blocked until until; its failures are cleared (as in memory). */
gboolean hermod_directory_screen_block(const char *ip, gint64 until, GError **error);
typedef void (*HermodScreenFunc)(const char *ip, gint64 time, gpointer data);
/* Drop what has expired, then hand over every failure still inside window
 * (on_failure, oldest first per ip) and every block still running
 * (on_block, its end).  FALSE with error when the record cannot be read. */
gboolean hermod_directory_screen_load(gint64 now, gint64 window, HermodScreenFunc on_failure,
                                      HermodScreenFunc on_block, gpointer data, GError **error);

G_END_DECLS

#endif
