/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * web-session.c - web sessions, shared by every web module (webmail,
 * JMAP): server-side records in data_dir/web-sessions.db (SQLite, WAL).
 *
 * A session is a random 256-bit token in a __Host- cookie (Secure,
 * HttpOnly, SameSite from [web] cookie_samesite, Path=/, no Domain); the
 * database keeps only its SHA-256, so a copy of the file logs nobody in.
 * Each record has its account, its CSRF token, when it was made and last
 * used: it ends [web] session_lifetime after login or [web] session_idle
 * after its last use, and "hermodctl session revoke" deletes it.  Login
 * always makes a new id (and deletes the one the request carried), so a
 * session id fixed before login is worthless.  A state-changing request
 * (anything but GET, HEAD, OPTIONS) must carry the session's CSRF token
 * in X-CSRF-Token.  Logout deletes the record and clears the cookie.
 *
 * The same file keeps small per-account values for web modules
 * (account_values: the webmail's second factor), so that they live with
 * the sessions they guard and need no store schema.
 *
 * Every database call is blocking and runs on the work pool, with the
 * request suspended (hermod_web_work_run); one connection behind a mutex,
 * as in the directory.  hermodctl opens the same file.
 */
#include "autoconfig.h"

#include <sqlite3.h>
#include <string.h>
#include <sys/random.h>

#include "lib/log.h"
#include "web/web-private.h"

#define COOKIE     "__Host-hermod_session"
#define TOKEN_SIZE 32

static GMutex lock;
static sqlite3 *db;

static const char schema[] = "PRAGMA journal_mode = WAL;"
                             "CREATE TABLE IF NOT EXISTS sessions ("
                             " id TEXT PRIMARY KEY," /* SHA-256 of the cookie token, hex */
                             " account TEXT NOT NULL, csrf TEXT NOT NULL, peer TEXT,"
                             " created INTEGER NOT NULL, last_used INTEGER NOT NULL);"
                             "CREATE INDEX IF NOT EXISTS sessions_account ON sessions (account);"
                             /* ABI 1.10: small per-account values of web
                              * modules (the webmail's TOTP secret). */
                             "CREATE TABLE IF NOT EXISTS account_values ("
                             " account TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
                             " PRIMARY KEY (account, key));";

static gboolean
db_error(int rc, const char *what, GError **error)
{
    g_set_error(error, HERMOD_WEB_ERROR, HERMOD_WEB_ERROR_DB, "web sessions: %s: %s", what,
                db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    return FALSE;
}

gboolean
hermod_web_sessions_open(const char *data_dir, GError **error)
{
    g_autofree char *path = g_build_filename(data_dir, "web-sessions.db", NULL);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);
    int rc;

    if (db != NULL)
        return TRUE;
    rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(db, 5000);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, schema, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        db_error(rc, path, error);
        sqlite3_close(db);
        db = NULL;
        return FALSE;
    }
    return TRUE;
}

void
hermod_web_sessions_close(void)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);

    sqlite3_close(db);
    db = NULL;
}

static char *
random_hex(gsize n)
{
    guint8 buf[TOKEN_SIZE];
    GString *out = g_string_sized_new(2 * n);

    g_assert(n <= sizeof buf);
    if (getrandom(buf, n, 0) != (ssize_t)n)
        g_error("getrandom failed");
    for (gsize i = 0; i < n; i++)
        g_string_append_printf(out, "%02x", buf[i]);
    memset(buf, 0, sizeof buf);
    return g_string_free(out, FALSE);
}

static char *
token_id(const char *token)
{
    return g_compute_checksum_for_string(G_CHECKSUM_SHA256, token, -1);
}

/* Run sql with text parameters (NULL-terminated); under lock.  Returns
 * the number of rows changed, -1 on error. */
static int
exec_text(const char *sql, const char *const *params, GError **error)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

    for (int i = 0; rc == SQLITE_OK && params[i] != NULL; i++)
        rc = sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        db_error(rc, "write", error);
        return -1;
    }
    return sqlite3_changes(db);
}

/* --- the operations (work pool) */

typedef struct {
    char *token;   /* the cookie's, or the new one */
    char *old;     /* login: the cookie the request carried */
    char *account; /* login: in; check: out */
    char *csrf;
    char *peer;
    char *csrf_given; /* X-CSRF-Token of the request */
    gboolean is_safe; /* GET, HEAD, OPTIONS: no CSRF token needed */
    guint lifetime, idle;
    HermodWebAuthResult result;
    gboolean is_logout;
    HermodWebAuthFunc done;
    gpointer data;
} SessionJob;

static void
job_free(SessionJob *job)
{
    g_free(job->token);
    g_free(job->old);
    g_free(job->account);
    g_free(job->csrf);
    g_free(job->peer);
    g_free(job->csrf_given);
    g_free(job);
}

static gboolean
insert(SessionJob *job, GError **error)
{
    g_autofree char *id = NULL;
    g_autofree char *now = g_strdup_printf("%" G_GINT64_FORMAT, g_get_real_time() / G_USEC_PER_SEC);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);

    if (db == NULL)
        return db_error(SQLITE_MISUSE, "not open", error);
    if (job->old != NULL) {
        g_autofree char *old_id = token_id(job->old);
        const char *del[] = {old_id, NULL};
        exec_text("DELETE FROM sessions WHERE id = ?", del, NULL);
    }
    job->token = random_hex(TOKEN_SIZE);
    job->csrf = random_hex(16);
    id = token_id(job->token);
    const char *p[] = {id, job->account, job->csrf, job->peer, now, now, NULL};
    return exec_text("INSERT INTO sessions (id, account, csrf, peer, created, last_used) "
                     "VALUES (?, ?, ?, ?, ?, ?)",
                     p, error) == 1;
}

static void
login_work(gpointer data)
{
    SessionJob *job = data;
    g_autoptr(GError) error = NULL;

    job->result = insert(job, &error) ? HERMOD_WEB_AUTH_OK : HERMOD_WEB_AUTH_TEMPFAIL;
    if (error != NULL)
        hermod_log(HERMOD_LOG_ERROR, NULL, "%s", error->message);
}

/* Under lock: look the token up; OK with account and csrf, FAILED when
 * unknown or past its time (then deleted). */
static HermodWebAuthResult
lookup(SessionJob *job, gint64 now)
{
    g_autofree char *id = token_id(job->token);
    sqlite3_stmt *st = NULL;
    HermodWebAuthResult r = HERMOD_WEB_AUTH_FAILED;
    int rc = sqlite3_prepare_v2(
        db, "SELECT account, csrf, created, last_used FROM sessions WHERE id = ?", -1, &st, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        gint64 created = sqlite3_column_int64(st, 2), used = sqlite3_column_int64(st, 3);
        if (now - created < job->lifetime && now - used < job->idle) {
            job->account = g_strdup((const char *)sqlite3_column_text(st, 0));
            job->csrf = g_strdup((const char *)sqlite3_column_text(st, 1));
            r = HERMOD_WEB_AUTH_OK;
        }
    } else if (rc != SQLITE_DONE) {
        r = HERMOD_WEB_AUTH_TEMPFAIL;
    }
    sqlite3_finalize(st);
    return r;
}

/* Constant time for equal lengths. */
static gboolean
same_token(const char *a, const char *b)
{
    gsize n = a != NULL && b != NULL ? strlen(a) : 0;
    guint8 diff = 0;

    if (n == 0 || strlen(b) != n)
        return FALSE;
    for (gsize i = 0; i < n; i++)
        diff |= (guint8)(a[i] ^ b[i]);
    return diff == 0;
}

static void
check_work(gpointer data)
{
    SessionJob *job = data;
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    g_autofree char *id = token_id(job->token);
    g_autofree char *stamp = g_strdup_printf("%" G_GINT64_FORMAT, now);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);
    const char *p[] = {stamp, id, NULL};
    const char *del[] = {id, NULL};

    if (db == NULL) {
        job->result = HERMOD_WEB_AUTH_TEMPFAIL;
        return;
    }
    job->result = lookup(job, now);
    if (job->result == HERMOD_WEB_AUTH_OK && !job->is_safe &&
        !same_token(job->csrf, job->csrf_given))
        job->result = HERMOD_WEB_AUTH_CSRF;
    if (job->result == HERMOD_WEB_AUTH_FAILED ||
        (job->result == HERMOD_WEB_AUTH_OK && job->is_logout))
        exec_text("DELETE FROM sessions WHERE id = ?", del, NULL);
    else if (job->result == HERMOD_WEB_AUTH_OK)
        exec_text("UPDATE sessions SET last_used = ? WHERE id = ?", p, NULL);
}

/* --- on the web thread */

static void
set_cookie(HermodHttpRequest *req, const char *token, guint max_age)
{
    g_autofree char *value =
        g_strdup_printf(COOKIE "=%s; Secure; HttpOnly; SameSite=%s; Path=/; Max-Age=%u", token,
                        req->settings->cookie_samesite, max_age);

    hermod_web_resp_header(req, "Set-Cookie", value);
}

static gboolean
is_safe_method(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
           strcmp(method, "OPTIONS") == 0;
}

static void
session_done(HermodHttpRequest *req, gpointer data)
{
    SessionJob *job = data;
    HermodWebAuthResult r = job->result;

    if (job->is_logout && r != HERMOD_WEB_AUTH_CSRF)
        set_cookie(req, "", 0);
    if (r == HERMOD_WEB_AUTH_OK && !job->is_logout) {
        g_free(req->csrf);
        req->csrf = g_strdup(job->csrf);
        hermod_web_req_set_account(req, job->account);
    }
    job->done(req, r, r == HERMOD_WEB_AUTH_OK ? job->account : NULL, job->data);
    job_free(job);
}

static SessionJob *
job_new(HermodHttpRequest *req, HermodWebAuthFunc done, gpointer data)
{
    SessionJob *job = g_new0(SessionJob, 1);

    job->lifetime = req->settings->session_lifetime;
    job->idle = req->settings->session_idle;
    job->peer = g_strdup(hermod_web_conn_peer(req->conn));
    job->done = done;
    job->data = data;
    return job;
}

static void
login_done(HermodHttpRequest *req, gpointer data)
{
    SessionJob *job = data;

    if (job->result == HERMOD_WEB_AUTH_OK) {
        set_cookie(req, job->token, job->lifetime);
        hermod_log(HERMOD_LOG_INFO, hermod_web_req_session(req), "web session: %s logged in",
                   job->account);
    }
    session_done(req, job);
}

void
hermod_web_session_login(HermodHttpRequest *req, const char *account, HermodWebAuthFunc done,
                         gpointer data)
{
    SessionJob *job = job_new(req, done, data);

    job->account = g_strdup(account);
    job->old = g_strdup(hermod_web_req_cookie(req, COOKIE));
    hermod_web_work_run_full(req, login_work, login_done, (GDestroyNotify)job_free, job);
}

static void
check_or_logout(HermodHttpRequest *req, gboolean is_logout, HermodWebAuthFunc done, gpointer data)
{
    const char *token = hermod_web_req_cookie(req, COOKIE);
    SessionJob *job;

    if (token == NULL || *token == '\0' || strlen(token) != 2 * TOKEN_SIZE) {
        done(req, HERMOD_WEB_AUTH_NONE, NULL, data);
        return;
    }
    job = job_new(req, done, data);
    job->token = g_strdup(token);
    job->is_logout = is_logout;
    job->is_safe = is_safe_method(req->method);
    job->csrf_given = g_strdup(hermod_web_req_header(req, "X-CSRF-Token"));
    hermod_web_work_run_full(req, check_work, session_done, (GDestroyNotify)job_free, job);
}

void
hermod_web_session_check(HermodHttpRequest *req, HermodWebAuthFunc done, gpointer data)
{
    check_or_logout(req, FALSE, done, data);
}

void
hermod_web_session_logout(HermodHttpRequest *req, HermodWebAuthFunc done, gpointer data)
{
    check_or_logout(req, TRUE, done, data);
}

const char *
hermod_web_session_csrf(HermodHttpRequest *req)
{
    return req->csrf;
}

/* --- hermodctl */

GPtrArray *
hermod_web_sessions_list(const char *account, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT substr(id, 1, 16), account, peer, created, last_used "
                                "FROM sessions WHERE ?1 IS NULL OR account = ?1 ORDER BY created",
                                -1, &st, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        g_autoptr(GDateTime) c = g_date_time_new_from_unix_utc(sqlite3_column_int64(st, 3));
        g_autoptr(GDateTime) u = g_date_time_new_from_unix_utc(sqlite3_column_int64(st, 4));
        g_autofree char *cs = g_date_time_format_iso8601(c);
        g_autofree char *us = g_date_time_format_iso8601(u);
        g_ptr_array_add(out, g_strdup_printf("%s %s %s created=%s last_used=%s",
                                             sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
                                             sqlite3_column_text(st, 2), cs, us));
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        db_error(rc, "list", error);
        g_ptr_array_unref(out);
        return NULL;
    }
    return out;
}

/* what: an account address (all its sessions) or an id prefix from
 * hermod_web_sessions_list (at least 8 hex digits).  Returns how many
 * went, -1 on error. */
int
hermod_web_sessions_revoke(const char *what, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);
    g_autofree char *pattern = g_strconcat(what, "%", NULL);
    const char *p[] = {what, pattern, NULL};
    gboolean is_id = strlen(what) >= 8 && strspn(what, "0123456789abcdef") == strlen(what);

    if (is_id)
        return exec_text("DELETE FROM sessions WHERE account = ?1 OR id LIKE ?2", p, error);
    p[1] = NULL;
    return exec_text("DELETE FROM sessions WHERE account = ?1", p, error);
}

/* --- ABI 1.10: an account's own sessions and values (work pool) */

char *
hermod_web_session_id(HermodHttpRequest *req)
{
    const char *token = hermod_web_req_cookie(req, COOKIE);
    g_autofree char *id = NULL;

    if (token == NULL || strlen(token) != 2 * TOKEN_SIZE)
        return NULL;
    id = token_id(token);
    return g_strndup(id, 16);
}

static void
session_info_free(gpointer p)
{
    HermodWebSessionInfo *s = p;

    g_free(s->id);
    g_free(s->peer);
    g_free(s);
}

GPtrArray *
hermod_web_sessions_of(const char *account, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);
    GPtrArray *out = g_ptr_array_new_with_free_func(session_info_free);
    sqlite3_stmt *st = NULL;
    int rc = db != NULL
                 ? sqlite3_prepare_v2(db,
                                      "SELECT substr(id, 1, 16), peer, created, last_used "
                                      "FROM sessions WHERE account = ? ORDER BY last_used DESC",
                                      -1, &st, NULL)
                 : SQLITE_MISUSE;

    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        HermodWebSessionInfo *s = g_new0(HermodWebSessionInfo, 1);
        s->id = g_strdup((const char *)sqlite3_column_text(st, 0));
        s->peer = g_strdup((const char *)sqlite3_column_text(st, 1));
        s->created = sqlite3_column_int64(st, 2);
        s->last_used = sqlite3_column_int64(st, 3);
        g_ptr_array_add(out, s);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        db_error(rc, "sessions of an account", error);
        g_ptr_array_unref(out);
        return NULL;
    }
    return out;
}

int
hermod_web_session_end(const char *account, const char *id, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);
    const char *p[] = {account, id, NULL};

    if (db == NULL) {
        db_error(SQLITE_MISUSE, "not open", error);
        return -1;
    }
    if (strlen(id) != 16 || strspn(id, "0123456789abcdef") != 16)
        return 0;
    return exec_text("DELETE FROM sessions WHERE account = ? AND substr(id, 1, 16) = ?", p, error);
}

gboolean
hermod_web_account_value_get(const char *account, const char *key, char **out_value, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);
    sqlite3_stmt *st = NULL;
    int rc = db != NULL ? sqlite3_prepare_v2(
                              db, "SELECT value FROM account_values WHERE account = ? AND key = ?",
                              -1, &st, NULL)
                        : SQLITE_MISUSE;

    *out_value = NULL;
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out_value = g_strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_error(rc, "account value", error);
    return TRUE;
}

gboolean
hermod_web_account_value_set(const char *account, const char *key, const char *value,
                             GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);
    const char *p[] = {account, key, value, NULL};

    if (db == NULL)
        return db_error(SQLITE_MISUSE, "not open", error);
    if (value == NULL)
        return exec_text("DELETE FROM account_values WHERE account = ? AND key = ?", p, error) >= 0;
    return exec_text("INSERT OR REPLACE INTO account_values (account, key, value) "
                     "VALUES (?, ?, ?)",
                     p, error) >= 0;
}
