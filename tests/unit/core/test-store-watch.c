/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-store-watch.c - change notification: a connection watching an
 * account hears of an append on its own loop thread, with the mailbox
 * name; after watch_remove it hears nothing; other accounts' changes do
 * not reach it.  What a callback writes reaches the peer; every watch of
 * an account hears each change once, and a closed connection's watch
 * goes.  Change stamps and the read results shared between sessions
 * (store-share.c, through the HermodMailApi table).  One loop thread;
 * connections are one end of a socketpair, adopted the way listener.c
 * adopts an accepted socket; the other end is the connection tests'
 * client (sock-client.h).
 */
#include "autoconfig.h"

#include <string.h>
#include <sys/socket.h>
#include <glib/gstdio.h>

#include "tmpdir.h"
#include "net/conn-private.h"
#include "net/conntrack.h"
#include "directory/directory.h"
#include "lib/loop.h"
#include "plugin/mail-api.h"
#include "store/store.h"
#include "sock-client.h"

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
    if (data != NULL)
        hermod_conn_write(conn, data, strlen(data));
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

/* A new connection on the loop (a reference); *peer gets the other end. */
static HermodConn *
connect_one(SockClient **peer)
{
    int fds[2];
    HermodConn *conn;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds), ==, 0);
    g_assert_true(hermod_conntrack_admit("192.0.2.20", NULL));
    g_mutex_lock(&seen.lock);
    seen.conn = NULL;
    hermod_loop_post(hermod_loops_next(), adopt, GINT_TO_POINTER(fds[0]));
    while (seen.conn == NULL)
        g_cond_wait(&seen.cond, &seen.lock);
    conn = g_steal_pointer(&seen.conn);
    g_mutex_unlock(&seen.lock);
    *peer = sock_client_adopt(fds[1]);
    return conn;
}

static void
test_watch(void)
{
    SockClient *peer;
    guint id;

    seen.conn = connect_one(&peer);

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
    sock_client_free(peer);
}

/* Three watches of one account: each hears every change once and what
 * its callback writes reaches its peer; a closed connection's watch goes. */
static void
test_many(void)
{
    HermodConn *conns[3];
    SockClient *peers[3];
    guint before;

    g_mutex_lock(&seen.lock);
    seen.events = 0;
    g_mutex_unlock(&seen.lock);
    for (guint i = 0; i < G_N_ELEMENTS(conns); i++) {
        conns[i] = connect_one(&peers[i]);
        hermod_store_watch_add(conns[i], ALICE, on_change, "* 1 EXISTS\r\n");
    }
    g_assert_cmpuint(hermod_store_watch_count(ALICE), ==, 3);
    append(ALICE, "INBOX");
    g_assert_cmpuint(wait_events(3), ==, 3);
    for (guint i = 0; i < G_N_ELEMENTS(conns); i++)
        sock_client_expect(peers[i], "* 1 EXISTS");
    sock_client_free(peers[1]); /* EOF: the connection closes, its watch ends */
    for (int i = 0; i < 1000 && hermod_store_watch_count(ALICE) != 2; i++)
        g_usleep(10 * 1000);
    g_assert_cmpuint(hermod_store_watch_count(ALICE), ==, 2);
    before = wait_events(0);
    append(ALICE, "INBOX");
    g_assert_cmpuint(wait_events(before + 2), ==, before + 2);
    g_usleep(100 * 1000);
    g_assert_cmpuint(wait_events(0), ==, before + 2);
    for (guint i = 0; i < G_N_ELEMENTS(conns); i++) {
        hermod_conn_unref(conns[i]);
        if (i != 1)
            sock_client_free(peers[i]);
    }
    for (int i = 0; i < 1000 && hermod_store_watch_count(ALICE) != 0; i++)
        g_usleep(10 * 1000);
    g_assert_cmpuint(hermod_store_watch_count(ALICE), ==, 0);
}

/* A change gives its account a new stamp, never one used before, and
 * leaves other accounts' stamps alone. */
static void
test_stamp(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodStore) alice = hermod_store_open(ALICE, &error);
    g_autoptr(HermodStore) bob = hermod_store_open(BOB, &error);

    g_assert_no_error(error);
    guint64 a0 = hermod_store_change_stamp(alice);
    guint64 b0 = hermod_store_change_stamp(bob);
    append(ALICE, "INBOX");
    guint64 a1 = hermod_store_change_stamp(alice);
    g_assert_cmpuint(a1, >, a0);
    g_assert_cmpuint(a1, >, b0);
    g_assert_cmpuint(hermod_store_change_stamp(bob), ==, b0);
    append(BOB, "INBOX");
    g_assert_cmpuint(hermod_store_change_stamp(bob), >, a1);
    g_assert_cmpuint(hermod_store_change_stamp(alice), ==, a1);
}

static gpointer
copy_str(gconstpointer s)
{
    return g_strdup(s);
}

/* Shared results: handed out (as copies) only for the stamp they were
 * read under, a later stamp's result is not replaced by an earlier one,
 * and the table's status and change reads follow every change. */
static void
test_share(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodStore) store = hermod_store_open(ALICE, &error);
    HermodMailStore *ms = (HermodMailStore *)store;
    const HermodMailApi *mail = &hermod_mail_api;

    g_assert_no_error(error);
    hermod_store_share_put(store, "k", 7, g_strdup("seven"), g_free);
    g_autofree char *got = hermod_store_share_get(store, "k", 7, copy_str);
    g_assert_cmpstr(got, ==, "seven");
    g_assert_null(hermod_store_share_get(store, "k", 8, copy_str));
    hermod_store_share_put(store, "k", 6, g_strdup("six"), g_free);
    g_autofree char *still = hermod_store_share_get(store, "k", 7, copy_str);
    g_assert_cmpstr(still, ==, "seven");

    HermodMailboxInfo *st = mail->mailbox_status(ms, "INBOX", &error);
    g_assert_no_error(error);
    guint32 count = st->messages;
    guint64 modseq = st->highestmodseq;
    mail->mailbox_info_free(st);
    g_autoptr(GPtrArray) none = mail->messages(ms, "INBOX", modseq, &error);
    g_assert_cmpuint(none->len, ==, 0);
    append(ALICE, "INBOX");
    st = mail->mailbox_status(ms, "INBOX", &error);
    g_assert_cmpuint(st->messages, ==, count + 1);
    mail->mailbox_info_free(st);
    g_autoptr(GPtrArray) one = mail->messages(ms, "INBOX", modseq, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(one->len, ==, 1);
    /* A second reader with the same stamp gets its own copy. */
    g_autoptr(GPtrArray) again = mail->messages(ms, "INBOX", modseq, &error);
    g_assert_cmpuint(again->len, ==, 1);
    g_assert_true(again->pdata[0] != one->pdata[0]);
    g_assert_cmpuint(((HermodMsgInfo *)again->pdata[0])->uid, ==,
                     ((HermodMsgInfo *)one->pdata[0])->uid);
    st = mail->mailbox_status(ms, "INBOX", &error);
    gboolean was = st->is_subscribed;
    mail->mailbox_info_free(st);
    g_assert_true(mail->mailbox_subscribe(ms, "INBOX", !was, &error));
    st = mail->mailbox_status(ms, "INBOX", &error);
    g_assert_true(st->is_subscribed == !was);
    mail->mailbox_info_free(st);
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
    g_test_add_func("/store-watch/many", test_many);
    g_test_add_func("/store-watch/stamp", test_stamp);
    g_test_add_func("/store-watch/share", test_share);
    status = g_test_run();
    hermod_loops_stop();
    hermod_store_shutdown();
    hermod_directory_close();
    g_free(seen.mailbox);
    test_rm_rf(dir);
    return status;
}
