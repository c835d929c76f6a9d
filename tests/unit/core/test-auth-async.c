/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-auth-async.c - hermod_auth_check from a real connection: the check
 * runs on the work pool, its result comes back on the connection's loop
 * thread, failures count against the connection's peer address, and a
 * blocked peer is refused.  One loop thread and a two-thread pool; each
 * connection is one end of a socketpair, adopted the way listener.c adopts
 * an accepted socket.
 */
#include "autoconfig.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "tmpdir.h"
#include "hermodd/sections.h"
#include "directory/auth.h"
#include "net/conn-private.h"
#include "net/conntrack.h"
#include "directory/directory.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/workpool.h"

#define ALICE "alice@example.test"

/* The one login in flight; the test thread waits on done. */
static struct {
    GMutex lock;
    GCond cond;
    const char *login;
    const char *password;
    gboolean done;
    gboolean on_loop;
    HermodAuthResult result;
    char *account;
} call;

static void
auth_done(HermodConn *conn, HermodAuthResult result, const char *account, gpointer data)
{
    g_mutex_lock(&call.lock);
    call.on_loop = hermod_loop_current() == hermod_conn_loop(conn) && data == &call;
    call.result = result;
    call.account = g_strdup(account);
    call.done = TRUE;
    g_cond_signal(&call.cond);
    g_mutex_unlock(&call.lock);
    hermod_conn_close(conn);
}

static void
on_connect(HermodConn *conn)
{
    hermod_auth_check(conn, "test", call.login, call.password, auth_done, &call);
}

static void
on_line(HermodConn *conn, const char *line, gsize len, gboolean is_partial)
{
}

static void
on_close(HermodConn *conn)
{
}

static const HermodProtocol proto = {
    .struct_size = sizeof(HermodProtocol),
    .on_connect = on_connect,
    .on_line = on_line,
    .on_close = on_close,
};

typedef struct {
    int fd;
    const char *ip;
} Adopt;

static void
adopt(gpointer data)
{
    Adopt *a = data;
    HermodConnOrigin origin = {"test", &proto, "test", FALSE};

    hermod_conn_new(hermod_loop_current(), a->fd, a->ip, &origin);
    g_free(a);
}

/* Connect from ip, log in, wait for the answer. */
static HermodAuthResult
login(const char *ip, const char *user, const char *password, char **out_account)
{
    int fds[2];
    Adopt *a = g_new0(Adopt, 1);
    gint64 deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds), ==, 0);
    g_assert_true(hermod_conntrack_admit(ip, NULL));
    a->fd = fds[0];
    a->ip = ip;
    g_mutex_lock(&call.lock);
    call.login = user;
    call.password = password;
    call.done = FALSE;
    hermod_loop_post(hermod_loops_next(), adopt, a);
    while (!call.done && g_cond_wait_until(&call.cond, &call.lock, deadline))
        ;
    g_assert_true(call.done);
    g_assert_true(call.on_loop);
    *out_account = g_steal_pointer(&call.account);
    g_mutex_unlock(&call.lock);
    close(fds[1]);
    return call.result;
}

static void
test_check(void)
{
    g_autofree char *ok = NULL;
    g_autofree char *bad1 = NULL;
    g_autofree char *bad2 = NULL;
    g_autofree char *blocked = NULL;
    g_autofree char *other = NULL;

    g_assert_cmpint(login("192.0.2.10", "Alice@example.test", "right", &ok), ==, HERMOD_AUTH_OK);
    g_assert_cmpstr(ok, ==, ALICE);
    g_assert_cmpint(login("192.0.2.11", ALICE, "wrong", &bad1), ==, HERMOD_AUTH_FAILED);
    g_assert_null(bad1);
    g_assert_cmpint(login("192.0.2.11", "nobody@example.test", "x", &bad2), ==, HERMOD_AUTH_FAILED);
    g_assert_true(hermod_auth_is_blocked("192.0.2.11"));
    g_assert_cmpint(login("192.0.2.11", ALICE, "right", &blocked), ==, HERMOD_AUTH_BLOCKED);
    g_assert_null(blocked);
    g_assert_cmpint(login("192.0.2.12", ALICE, "right", &other), ==, HERMOD_AUTH_OK);
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("hermod-auth-async-XXXXXX", &error);
    hermod_config_set_sections(hermod_core_sections);
    g_autoptr(HermodConfig) cfg = hermod_config_load_data(
        "[auth]\nmax_failures = 2\nblock_time = 1m\n", "test.conf", NULL, &error);
    HermodConnLimits limits = {4096, 60, 60};
    int status;

    g_test_init(&argc, &argv, NULL);
    g_assert_no_error(error);
    g_assert_true(hermod_auth_configure(cfg, &error));
    g_assert_true(hermod_directory_open(dir, &error));
    g_assert_true(hermod_directory_domain_add("example.test", &error));
    g_assert_true(hermod_directory_user_add(ALICE, "right", &error));
    g_assert_no_error(error);
    hermod_conn_set_limits(&limits);
    hermod_conntrack_set_caps(0, 0);
    g_assert_true(hermod_loops_start(1, &error));
    g_assert_true(hermod_workpool_start(2, &error));
    g_test_add_func("/auth-async/check", test_check);
    status = g_test_run();
    hermod_workpool_stop();
    hermod_loops_stop();
    hermod_directory_close();
    test_rm_rf(dir);
    return status;
}
