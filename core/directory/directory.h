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
 *
 * Lookups are tri-state: found, not found, failed.  A lookup returns a
 * gboolean that says whether it could answer: TRUE with the answer in its
 * out_ parameters, where NULL, FALSE or 0 means "not there"; FALSE with
 * HERMOD_DIRECTORY_ERROR_DB (the database could not be read, or is not
 * open), and no answer to read in the out_ parameters.  Not finding
 * something is never an error of a lookup, and a failure is never
 * reported as "not there".  Calls that act on a thing that must exist
 * (resolve an address, delete an account) fail when it does not with
 * HERMOD_DIRECTORY_ERROR_NOT_FOUND, which no database failure ever
 * carries.  Every scan of rows ends on SQLITE_DONE; anything else fails
 * the call, never returns a short list.
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
/* Is domain one of ours?  A lookup (see above). */
gboolean hermod_directory_domain_is_local(const char *domain, gboolean *out_is_local,
                                          GError **error);

gboolean hermod_directory_user_add(const char *address, const char *password, GError **error);
gboolean hermod_directory_user_passwd(const char *address, const char *password, GError **error);
gboolean hermod_directory_user_del(const char *address, GError **error);
GPtrArray *hermod_directory_user_list(const char *domain, GError **error); /* nullable domain */
/* Quota in bytes, 0 = unlimited. */
gboolean hermod_directory_user_set_quota(const char *address, guint64 bytes, GError **error);
/* The account's quota in *out_bytes: 0 when unlimited, and when address
 * is no account (a store without one has no limit).  A lookup. */
gboolean hermod_directory_user_quota(const char *address, guint64 *out_bytes, GError **error);

gboolean hermod_directory_alias_add(const char *alias, const char *target, GError **error);
gboolean hermod_directory_alias_del(const char *alias, const char *target, GError **error);
GPtrArray *hermod_directory_alias_list(const char *domain, GError **error); /* "alias -> target" */

/* Check a login and password (slow: yescrypt), for auth.c.  A lookup:
 * FALSE only when the directory cannot be read.  *out_account gets the
 * canonical account when the password matches, else NULL; *out_known
 * (nullable out) the account the login names whether or not the password
 * matched, else NULL.  login may be any case.  An unknown login costs as
 * much time as a known one.  (transfer full) */
gboolean hermod_directory_check(const char *login, const char *password, char **out_account,
                                char **out_known, GError **error);
/* Classify an address for RCPT: HERMOD_ADDR_LOCAL, UNKNOWN, REMOTE or
 * INVALID in *out_kind (never TEMPFAIL: a failure is the FALSE return).
 * A lookup.  HermodApi.addr_lookup and addr_classify wrap it. */
gboolean hermod_directory_classify(const char *address, HermodAddrKind *out_kind, GError **error);
/* Resolve a local address to the account addresses that receive it (aliases
 * may fan out, and may point to remote addresses too); transfer full.
 * NULL with NOT_FOUND when it reaches nobody, INVALID when it is not an
 * address, DB when the directory failed. */
GPtrArray *hermod_directory_resolve(const char *address, GError **error);
/* One target of a local address: an account (is_account, kind
 * HERMOD_ADDR_LOCAL) or what hermod_directory_classify says of another
 * address. */
typedef struct {
    char *address;
    HermodAddrKind kind;
    gboolean is_account;
} HermodDirectoryTarget;
/* Where mail to address goes, in one lookup (one read of the directory,
 * so the answers agree): its kind as hermod_directory_classify says, and
 * for a LOCAL one (nullable *out_targets otherwise) everyone it resolves
 * to, each with its kind, as HermodDirectoryTarget in a GPtrArray that
 * frees them.  (transfer full) */
gboolean hermod_directory_expand(const char *address, HermodAddrKind *out_kind,
                                 GPtrArray **out_targets, GError **error);
/* May account use address as its sender (HermodApi.addr_owned_by and
 * addr_check_owner)?  A lookup: *out_is_owner is the answer. */
gboolean hermod_directory_owns(const char *address, const char *account, gboolean *out_is_owner,
                               GError **error);
/* The canonical spelling of an address (local part unquoted and
 * lower-cased, domain lower-case IDNA), or NULL when it is not a valid
 * mailbox.  Any thread.  (transfer full) */
char *hermod_directory_canonical(const char *address);
/* Is address (canonicalised first) an account?  A lookup. */
gboolean hermod_directory_account_exists(const char *address, gboolean *out_exists, GError **error);

/* --- SCRAM credentials (directory-scram.c, RFC 5802 / 7677): stored
 * beside the yescrypt hash whenever a password is set. */

/* One mechanism's keys of an account.  is_real FALSE: made up (the login
 * has no such account, or the account no keys for the mechanism), with a
 * salt that is stable for the login; account is then the canonical
 * account when it exists, else NULL.  Clear with hermod_scram_keys_clear. */
typedef struct {
    char *account; /* nullable; transfer full */
    gboolean is_real;
    guint iterations;
    guint8 salt[32];
    gsize salt_len;
    guint8 stored_key[32];
    guint8 server_key[32];
    gsize key_len;
} HermodScramKeys;
void hermod_scram_keys_clear(HermodScramKeys *keys);

/* "SCRAM-SHA-1" or "SCRAM-SHA-256" (any case)? */
gboolean hermod_directory_scram_is_mechanism(const char *mechanism);
/* Derive and store the keys of every mechanism for the account canon
 * (canonical address).  Slow (PBKDF2). */
gboolean hermod_directory_scram_set(const char *canon, const char *password, GError **error);
/* After a successful password login of canon: when a mechanism's keys
 * are missing (a password set before SCRAM support), derive and store
 * them all from password, *out_done TRUE.  Slow only then. */
gboolean hermod_directory_scram_upgrade(const char *canon, const char *password, gboolean *out_done,
                                        GError **error);
/* The keys of login for mechanism (one hermod_directory_scram_is_mechanism
 * accepts) in *out, real or made up; a lookup (FALSE only when the
 * directory cannot be read). */
gboolean hermod_directory_scram_get(const char *login, const char *mechanism, HermodScramKeys *out,
                                    GError **error);
/* Check a client proof against real keys (RFC 5802 3): TRUE with the
 * ServerSignature in base64 (transfer full) when it matches.  Any thread,
 * no lock. */
gboolean hermod_directory_scram_check(const char *mechanism, const HermodScramKeys *keys,
                                      const char *auth_message, const guint8 *proof,
                                      gsize proof_len, char **out_server_signature);

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
