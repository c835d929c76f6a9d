/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * directory-screening.c - the dynamic-screening record on disk.
 *
 * auth.c keeps the per-IP failure record in memory for speed and writes
 * every failure and every block here (tables auth_failures, auth_blocks
 * of data_dir/hermod.db), so that a restart does not unblock an attacker
 * or forget failures still inside their window.  Times are wall-clock
 * microseconds (the monotonic clock restarts with the process).  Rows
 * older than the window are deleted as they are passed.  Blocking calls:
 * the work pool or start-up only.
 */
#include "autoconfig.h"

#include "directory/directory-private.h"
#include "directory/directory.h"

/* Bind text and up to two integers, run to the end.  Lock held. */
static gboolean
run(const char *sql, const char *ip, gint64 a, gint64 b, GError **error)
{
    sqlite3_stmt *st = hermod_directory_db_stmt(sql, error);

    if (st == NULL)
        return FALSE;
    sqlite3_bind_text(st, 1, ip, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, a);
    if (sqlite3_bind_parameter_count(st) >= 3)
        sqlite3_bind_int64(st, 3, b);
    return hermod_directory_db_done(st, error);
}

gboolean
hermod_directory_screen_failure(const char *ip, gint64 at, gint64 window, GError **error)
{
    gboolean ok;

    if (hermod_directory_db_lock(error) == NULL)
        return FALSE;
    ok = run("DELETE FROM auth_failures WHERE ip = ?1 AND at <= ?2", ip, at - window, 0, error) &&
         run("INSERT INTO auth_failures(ip, at) VALUES(?1, ?2)", ip, at, 0, error);
    hermod_directory_db_unlock();
    return ok;
}

gboolean
hermod_directory_screen_block(const char *ip, gint64 until, GError **error)
{
    gboolean ok;

    if (hermod_directory_db_lock(error) == NULL)
        return FALSE;
    ok = run("DELETE FROM auth_failures WHERE ip = ?1 AND at <= ?2", ip, G_MAXINT64, 0, error) &&
         run("INSERT OR REPLACE INTO auth_blocks(ip, until) VALUES(?1, ?2)", ip, until, 0, error);
    hermod_directory_db_unlock();
    return ok;
}

/* Every row of a two-column (ip, time) query, to fn.  Lock held. */
static gboolean
each_row(const char *sql, gint64 since, HermodScreenFunc fn, gpointer data, GError **error)
{
    sqlite3_stmt *st = hermod_directory_db_stmt(sql, error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, since);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn((const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1), data);
    if (rc == SQLITE_DONE)
        return TRUE;
    g_set_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_DB,
                "directory: reading the screening record: %s",
                sqlite3_errmsg(sqlite3_db_handle(st)));
    return FALSE;
}

gboolean
hermod_directory_screen_load(gint64 now, gint64 window, HermodScreenFunc on_failure,
                             HermodScreenFunc on_block, gpointer data, GError **error)
{
    gboolean ok;

    if (hermod_directory_db_lock(error) == NULL)
        return FALSE;
    ok = run("DELETE FROM auth_failures WHERE at <= ?2", NULL, now - window, 0, error) &&
         run("DELETE FROM auth_blocks WHERE until <= ?2", NULL, now, 0, error) &&
         each_row("SELECT ip, at FROM auth_failures WHERE at > ?1 ORDER BY ip, at", now - window,
                  on_failure, data, error) &&
         each_row("SELECT ip, until FROM auth_blocks WHERE until > ?1", now, on_block, data, error);
    hermod_directory_db_unlock();
    return ok;
}
