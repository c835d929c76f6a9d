/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * dbfault.h - break an SQLite database on purpose, the same way every run,
 * for the tests that a failure is never read as "not found" or a short
 * list.  Header-only, for test-directory-faults.c and test-store-faults.c.
 *
 *   db_fault_after_rows: the n-th row of a statement whose SQL contains a
 *     given text is its last; the next step fails (SQLITE_INTERRUPT), so a
 *     scan breaks at an exact row.
 *   db_fault_corrupt_leaf: the last leaf page of a table's b-tree is
 *     overwritten on disk, and the connection's page cache dropped, so a
 *     scan that reaches those rows fails with SQLITE_CORRUPT.
 *   db_fault_exec: SQL on a second connection to the same file (a table
 *     renamed away looks to the code under test like a broken schema:
 *     "no such table"), the way another process would break it.
 */
#ifndef HERMOD_TESTS_DBFAULT_H
#define HERMOD_TESTS_DBFAULT_H

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <sqlite3.h>

typedef struct {
    sqlite3 *db;
    const char *sql; /* a part of the statement's SQL */
    guint after;     /* rows let through */
    guint rows;      /* rows that statement gave so far */
} DbFault;

static inline int
db_fault_trace(unsigned type, void *data, void *p, void *x)
{
    DbFault *f = data;
    const char *sql = sqlite3_sql(p);

    (void)x;
    if (type == SQLITE_TRACE_ROW && sql != NULL && strstr(sql, f->sql) != NULL &&
        ++f->rows == f->after)
        sqlite3_interrupt(f->db);
    return 0;
}

/* Arm f on db until db_fault_clear.  f must outlive the arming. */
static inline void
db_fault_after_rows(sqlite3 *db, DbFault *f, const char *sql, guint after)
{
    *f = (DbFault){db, sql, after, 0};
    sqlite3_trace_v2(db, SQLITE_TRACE_ROW, db_fault_trace, f);
}

static inline void
db_fault_clear(sqlite3 *db)
{
    sqlite3_trace_v2(db, 0, NULL, NULL);
}

/* Checkpoint db (so that every page is in the main file), find the leaf
 * pages of table with dbstat, overwrite the last one with 0xff bytes (no
 * valid b-tree page type) and drop db's page cache.  Returns how many
 * leaf pages the table has; the test needs more than one for a failure
 * mid-scan. */
static inline guint
db_fault_corrupt_leaf(sqlite3 *db, const char *path, const char *table)
{
    sqlite3_stmt *st = NULL;
    gint64 page = 0, page_size = 0;
    guint leaves = 0;

    g_assert_cmpint(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL), ==,
                    SQLITE_OK);
    g_assert_cmpint(sqlite3_prepare_v2(db,
                                       "SELECT pageno, pgsize FROM dbstat WHERE name = ?"
                                       " AND pagetype = 'leaf' ORDER BY pageno",
                                       -1, &st, NULL),
                    ==, SQLITE_OK);
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        page = sqlite3_column_int64(st, 0);
        page_size = sqlite3_column_int64(st, 1);
        leaves++;
    }
    g_assert_cmpint(sqlite3_finalize(st), ==, SQLITE_OK);
    g_assert_cmpint(page, >, 1);
    g_autofree guint8 *junk = g_malloc(page_size);
    memset(junk, 0xff, page_size);
    int fd = open(path, O_WRONLY);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pwrite(fd, junk, page_size, (page - 1) * page_size), ==, page_size);
    g_assert_cmpint(fsync(fd), ==, 0);
    close(fd);
    sqlite3_db_release_memory(db);
    return leaves;
}

/* Run sql on a connection of its own to path. */
static inline void
db_fault_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    char *msg = NULL;

    g_assert_cmpint(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        g_error("%s: %s", sql, msg);
    sqlite3_close(db);
}

#endif
