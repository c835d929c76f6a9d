/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-api.h - an in-memory HermodApi for loading modules in unit tests.
 *
 * The fake records what a module does through the table (log lines,
 * registered protocols, bytes written to a fake connection) so that a test
 * can drive a module's protocol callbacks without sockets.  Only the members
 * a simple protocol module needs are filled in; the rest stay NULL.  One
 * fake per process (the table's functions take no context); main thread.
 */
#ifndef HERMOD_TESTS_FAKE_API_H
#define HERMOD_TESTS_FAKE_API_H

#include <hermod/hermod.h>

G_BEGIN_DECLS

/* The fake connection: what the module wrote, its state, closed or not. */
struct HermodConn {
    GString *out;
    gpointer data;
    gboolean is_closed;
};

/* Reset the fake and return its table (transfer none). settings maps
 * "key" to a value for setting_string/setting_int (nullable, copied). */
const HermodApi *fake_api_reset(GHashTable *settings);
/* The protocol a module registered under name, or NULL (transfer none). */
const HermodProtocol *fake_api_protocol(const char *name);
/* All log lines so far, joined by "\n" (transfer full). */
char *fake_api_logs(void);

HermodConn *fake_conn_new(void);
void fake_conn_free(HermodConn *conn);
/* Take what the module wrote so far (transfer full). */
char *fake_conn_take(HermodConn *conn);

/* Copy a module built in this tree (BUILDDIR/tests/abi/.libs/BUILT.so, or
 * the absolute path built) into dir as AS.so with mode 0755, so that the
 * loader's owner and mode checks pass whatever the build's umask.  Returns
 * the new path (transfer full); aborts the test on failure. */
char *fake_module_copy(const char *built, const char *dir, const char *as);
/* Remove a test's temporary folder and everything in it (one level of
 * subfolders). */
void fake_rmdir(const char *dir);

G_END_DECLS

#endif
