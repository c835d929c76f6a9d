/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-store-watch.c - change notification: a connection watching an
 * account hears of an append on its own loop thread, with the mailbox
 * name; after watch_remove it hears nothing; other accounts' changes do
 * not reach it.  One loop thread; the connection is one end of a
 * socketpair, adopted the way listener.c adopts an accepted socket.
 */
#include "autoconfig.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "tmpdir.h"
#include "conn-private.h"
#include "conntrack.h"
#include "directory.h"
#include "loop.h"
#include "store.h"

#define ALICE "alice@example.test"
#define BOB   "bob@example.test"

static struct {
    GMutex lock;
    GCond cond;
    HermodConn *conn;
    guint events;
    gboolean on_loop;
    char *mailbox;
} seen;

static void
on_change(HermodConn *conn, const char *mailbox, gpointer data)
{
    g_mutex_lock(&seen.lock);
    seen.events++;
    seen.on_loop = hermod_loop_current() == hermod_conn_loop(conn);
    g_free(seen.mailbox);
    seen.mailbox = g_strdup(mailbox);
    g_cond_signal(&seen.cond);
    g_mutex_unlock(&seen.lock);
}

static void
on_connect(HermodConn *conn)
{
    g_mutex_lock(&seen.lock);
    seen.conn = hermod_conn_ref(conn);
    g_cond_signal(&seen.cond);
    g_mutex_unlock(&seen.lock);
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

static void
adopt(gpointer data)
{
    HermodConnOrigin origin = {"test", &proto, "test", FALSE};

    hermod_conn_new(hermod_loop_current(), GPOINTER_TO_INT(data), "192.0.2.20", &origin);
}

/* Wait until at least n events (or 10 s); returns the count. */
static guint
wait_events(guint n)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    guint got;

    g_mutex_lock(&seen.lock);
    while (seen.events < n && g_cond_wait_until(&seen.cond, &seen.lock, deadline))
        ;
    got = seen.events;
    g_mutex_unlock(&seen.lock);
    return got;
}

static void
append(const char *account, const char *mailbox)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodStore) store = hermod_store_open(account, &error);
    g_autoptr(GBytes) data = g_bytes_new_static("x", 1);

    g_assert_no_error(error);
    g_assert_true(hermod_store_append(store, mailbox, data, 0, 0, NULL, &error));
    g_assert_no_error(error);
}

static void
test_watch(void)
{
    int fds[2];
    guint id;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds), ==, 0);
    g_assert_true(hermod_conntrack_admit("192.0.2.20", NULL));
    g_mutex_lock(&seen.lock);
    hermod_loop_post(hermod_loops_next(), adopt, GINT_TO_POINTER(fds[0]));
    while (seen.conn == NULL)
        g_cond_wait(&seen.cond, &seen.lock);
    g_mutex_unlock(&seen.lock);

    id = hermod_store_watch_add(seen.conn, ALICE, on_change, NULL);
    g_assert_cmpuint(id, >, 0);
    append(ALICE, "Sent");
    g_assert_cmpuint(wait_events(1), ==, 1);
    g_assert_true(seen.on_loop);
    g_assert_cmpstr(seen.mailbox, ==, "Sent");
    append(BOB, "INBOX");
    append(ALICE, "INBOX");
    g_assert_cmpuint(wait_events(2), ==, 2);
    g_assert_cmpstr(seen.mailbox, ==, "INBOX");
    hermod_store_watch_remove(id);
    append(ALICE, "INBOX");
    g_usleep(200 * 1000);
    g_assert_cmpuint(wait_events(2), ==, 2);
    hermod_conn_unref(seen.conn);
    close(fds[1]);
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("hermod-watch-XXXXXX", &error);
    HermodConnLimits limits = {4096, 60, 60};
    int status;

    g_test_init(&argc, &argv, NULL);
    g_assert_no_error(error);
    g_assert_true(hermod_directory_open(dir, &error));
    g_assert_true(hermod_directory_domain_add("example.test", &error));
    g_assert_no_error(error);
    hermod_store_set_root(dir);
    hermod_conn_set_limits(&limits);
    hermod_conntrack_set_caps(0, 0);
    g_assert_true(hermod_loops_start(1, &error));
    g_test_add_func("/store-watch/notify", test_watch);
    status = g_test_run();
    hermod_loops_stop();
    hermod_store_shutdown();
    hermod_directory_close();
    g_free(seen.mailbox);
    test_rm_rf(dir);
    return status;
}
