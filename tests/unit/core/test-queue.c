/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-queue.c - the outbound queue against a real SMTP peer on loopback.
 *
 * Messages go in through hermod_message_submit(), the path every module
 * uses, and out to smtp-peer.py (queue-peer.h).  Covered: envelope and
 * byte-exact body, one transaction per domain, a 550 recipient and the
 * failure report (multipart/report) sent back to the sender, 451 retried
 * with back-off, a restart keeping queued messages, the null sender never
 * bounced, NOTIFY=SUCCESS giving a "relayed" report, the delay notice and
 * expiry, hermodctl's queue rows, connection refused, stop cancelling a
 * stuck delivery, a large dot-heavy message, STARTTLS, a DSN-speaking peer.
 */
#include "autoconfig.h"

#include <string.h>
#include <gio/gio.h>
#include <gmime/gmime.h>

#include "ctl/ctl.h"
#include "mailflow/message.h"
#include "mailflow/queue-file.h"
#include "queue-peer.h"
#include "mailflow/queue.h"

extern const HermodCtlCommand hermod_ctl_queue_commands[];

static int
run_ctl(HermodConfig *cfg, const char *verb, const char *arg)
{
    char *argv[] = {(char *)verb, (char *)arg, NULL};

    for (guint i = 0; hermod_ctl_queue_commands[i].noun != NULL; i++) {
        const HermodCtlCommand *c = &hermod_ctl_queue_commands[i];
        if (strcmp(c->verb, verb) == 0)
            return c->run(cfg, arg != NULL ? 2 : 1, argv);
    }
    g_assert_not_reached();
}

static void
test_deliver(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"bob@example.org", "Carol@EXAMPLE.org", "bob@example.org", NULL};
    g_autoptr(GError) err = NULL;

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, test_body);
    g_assert_nonnull(id);
    g_assert_true(wait_messages(f, 1));
    g_autofree char *from = peer_string(f, 1, "from");
    g_autofree char *to = peer_string(f, 1, "rcpts");
    g_autofree char *helo = peer_string(f, 1, "helo");
    g_autofree char *opts = peer_string(f, 1, "mail_options");
    g_assert_cmpstr(from, ==, "alice@sender.test");
    /* One transaction for the domain; the duplicate was dropped. */
    g_assert_cmpstr(to, ==, "bob@example.org;Carol@EXAMPLE.org");
    g_assert_cmpstr(helo, ==, "mx.hermod.test");
    g_assert_nonnull(strstr(opts, "SIZE="));
    g_autoptr(GBytes) got = peer_body(f, 1);
    g_autoptr(GBytes) want = g_bytes_new_static(test_body, strlen(test_body));
    g_assert_true(g_bytes_equal(got, want));
    g_assert_true(wait_empty());
    g_autofree char *qdir = g_build_filename(f->dir, "queue", NULL);
    g_autoptr(GPtrArray) ids = hermod_queue_file_list(qdir, &err);
    g_assert_cmpuint(ids->len, ==, 0);
}

static void
test_reject(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"reject@example.org", "ok@example.org", NULL};
    g_autoptr(GError) err = NULL;

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, test_body);
    g_assert_true(wait_messages(f, 2));
    g_autofree char *to1 = peer_string(f, 1, "rcpts");
    g_assert_cmpstr(to1, ==, "ok@example.org");
    /* The report goes to the sender with the null sender. */
    g_autofree char *from2 = peer_string(f, 2, "from");
    g_autofree char *to2 = peer_string(f, 2, "rcpts");
    g_assert_cmpstr(from2, ==, "<>");
    g_assert_cmpstr(to2, ==, "alice@sender.test");
    g_autoptr(GBytes) report = peer_body(f, 2);
    check_report(report, "failed", "5.1.1", "reject@example.org", "message/rfc822");
    g_autofree char *text = g_strndup(g_bytes_get_data(report, NULL), g_bytes_get_size(report));
    g_assert_nonnull(strstr(text, "Diagnostic-Code: smtp; 550 5.1.1 <reject@example.org>"));
    g_assert_nonnull(strstr(text, "Remote-MTA: dns; 127.0.0.1\r\n"));
    g_assert_nonnull(strstr(text, "\r\n\r\nHello Bob,\r\n")); /* the whole original */
    g_assert_true(wait_empty());
}

static void
test_retry(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"defer2-x@example.org", NULL};
    g_autoptr(GError) err = NULL;

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, test_body);
    g_assert_true(wait_messages(f, 1));
    g_autoptr(GArray) t = rcpt_times(f, "defer2-x@example.org");
    g_assert_cmpuint(t->len, ==, 3);
    /* retry_min 1s, then 2s: the scheduler ticks each second. */
    double gap1 = g_array_index(t, double, 1) - g_array_index(t, double, 0);
    double gap2 = g_array_index(t, double, 2) - g_array_index(t, double, 1);
    g_assert_cmpfloat(gap1, >=, 0.9);
    g_assert_cmpfloat(gap2, >=, 1.9);
    g_assert_true(wait_empty());
    /* No delay notice: delay_notice is 4h. */
    g_usleep(G_USEC_PER_SEC / 2);
    g_autofree char *second = g_strdup_printf("%s/2.env", f->out);
    g_assert_false(g_file_test(second, G_FILE_TEST_EXISTS));
}

static void
test_restart(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"bob@example.org", NULL};
    g_autoptr(GError) err = NULL;
    g_autofree char *qdir = g_build_filename(f->dir, "queue", NULL);

    /* Queued while no scheduler runs, then the queue is closed. */
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, test_body);
    hermod_queue_close();
    g_autoptr(HermodQueueEntry) e = hermod_queue_file_load(qdir, id, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(e->sender, ==, "alice@sender.test");
    g_assert_cmpstr(e->envid, ==, "ENV-42");
    g_assert_cmpuint(e->rcpts->len, ==, 1);
    g_assert_cmpuint(e->size, ==, strlen(test_body));
    g_assert_true(hermod_queue_open(f->cfg, &err));
    g_assert_cmpuint(hermod_queue_length(), ==, 1);
    g_assert_true(hermod_queue_start(&err));
    g_assert_true(wait_messages(f, 1));
    g_autoptr(GBytes) got = peer_body(f, 1);
    g_assert_cmpuint(g_bytes_get_size(got), ==, strlen(test_body));
    g_assert_true(wait_empty());
}

static void
test_null_sender(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"reject@example.org", NULL};
    g_autoptr(GError) err = NULL;

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("", rcpts, HERMOD_NOTIFY_DEFAULT, test_body);
    g_assert_true(wait_empty());
    g_autoptr(GArray) t = rcpt_times(f, "reject@example.org");
    g_assert_cmpuint(t->len, ==, 1);
    /* Nothing comes back: no report for a report. */
    g_usleep(G_USEC_PER_SEC * 3 / 2);
    g_assert_cmpuint(hermod_queue_length(), ==, 0);
    g_autofree char *first = g_strdup_printf("%s/1.env", f->out);
    g_assert_false(g_file_test(first, G_FILE_TEST_EXISTS));
}

static void
test_notify_success(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"bob@example.org", NULL};
    g_autoptr(GError) err = NULL;

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_SUCCESS, test_body);
    g_assert_true(wait_messages(f, 2));
    g_autofree char *to2 = peer_string(f, 2, "rcpts");
    g_assert_cmpstr(to2, ==, "alice@sender.test");
    g_autoptr(GBytes) report = peer_body(f, 2);
    check_report(report, "relayed", "2.0.0", "bob@example.org", "text/rfc822-headers");
}

static void
test_delay_and_expiry(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"defer-y@example.org", NULL};
    g_autoptr(GError) err = NULL;

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, test_body);
    g_assert_true(wait_messages(f, 2));
    g_autoptr(GBytes) delayed = peer_body(f, 1);
    check_report(delayed, "delayed", "4.3.0", "defer-y@example.org", "text/rfc822-headers");
    g_autoptr(GBytes) failed = peer_body(f, 2);
    check_report(failed, "failed", "4.4.7", "defer-y@example.org", "message/rfc822");
    g_assert_true(wait_empty());
}

static void
test_ctl(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"defer-z@example.org", NULL};
    g_autoptr(GError) err = NULL;
    g_autofree char *qdir = g_build_filename(f->dir, "queue", NULL);
    g_autofree char *flush = g_build_filename(qdir, HERMOD_QUEUE_FLUSH_FILE, NULL);

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_NEVER, test_body);
    for (int i = 0; i < WAIT_S * 20 && count_rcpts(f, "defer-z@example.org") < 1; i++)
        g_usleep(G_USEC_PER_SEC / 20);
    g_assert_cmpint(run_ctl(f->cfg, "list", NULL), ==, 0);
    /* flush: the scheduler takes the file away and retries at once. */
    g_assert_cmpint(run_ctl(f->cfg, "flush", NULL), ==, 0);
    for (int i = 0; i < WAIT_S * 20 && g_file_test(flush, G_FILE_TEST_EXISTS); i++)
        g_usleep(G_USEC_PER_SEC / 20);
    g_assert_false(g_file_test(flush, G_FILE_TEST_EXISTS));
    g_assert_cmpint(run_ctl(f->cfg, "delete", "NOSUCHID"), ==, 1);
    g_assert_cmpint(run_ctl(f->cfg, "delete", id), ==, 0);
    /* The daemon forgets a deleted message at its next attempt. */
    hermod_queue_flush();
    g_assert_true(wait_empty());
    g_autoptr(GPtrArray) ids = hermod_queue_file_list(qdir, &err);
    g_assert_cmpuint(ids->len, ==, 0);
}

/* Opportunistic STARTTLS when the peer offers it. */
static void
test_starttls(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"bob@example.org", NULL};
    g_autoptr(GError) err = NULL;

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, test_body);
    g_assert_true(wait_messages(f, 1));
    g_autofree char *tls = peer_string(f, 1, "tls");
    g_assert_cmpstr(tls, ==, "yes");
    g_autoptr(GBytes) got = peer_body(f, 1);
    g_autoptr(GBytes) want = g_bytes_new_static(test_body, strlen(test_body));
    g_assert_true(g_bytes_equal(got, want));
}

/* A peer that speaks DSN gets ENVID, RET, NOTIFY and ORCPT (xtext), and
 * reports success itself: no "relayed" report from us. */
static void
test_dsn_peer(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    HermodMessage *msg = hermod_message_new("TEST");

    g_assert_true(hermod_queue_start(&err));
    hermod_message_set_sender(msg, "alice@sender.test", "ENV+42");
    hermod_message_add_recipient(msg, "bob@example.org",
                                 HERMOD_NOTIFY_SUCCESS | HERMOD_NOTIFY_FAILURE,
                                 "rfc822;bob+x@example.org");
    hermod_message_set_flags(msg, HERMOD_MSG_RET_HDRS | HERMOD_MSG_8BITMIME);
    hermod_message_append(msg, test_body, strlen(test_body));
    g_assert_true(hermod_message_submit(msg, NULL, &err));
    hermod_message_free(msg);
    g_assert_true(wait_messages(f, 1));
    g_autofree char *mail = peer_string(f, 1, "mail_options");
    g_autofree char *rcpt = peer_string(f, 1, "rcpt_options");
    g_assert_nonnull(strstr(mail, "BODY=8BITMIME"));
    g_assert_nonnull(strstr(mail, "RET=HDRS"));
    g_assert_nonnull(strstr(mail, "ENVID=ENV+2B42"));
    g_assert_nonnull(strstr(rcpt, "NOTIFY=SUCCESS,FAILURE"));
    g_assert_nonnull(strstr(rcpt, "ORCPT=rfc822;bob+2Bx@example.org"));
    g_assert_true(wait_empty());
    g_usleep(G_USEC_PER_SEC * 3 / 2);
    g_autofree char *second = g_strdup_printf("%s/2.env", f->out);
    g_assert_false(g_file_test(second, G_FILE_TEST_EXISTS));
}

/* A peer that refuses connections: deferred, with the reason kept. */
static void
test_connect_failure(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"carl@down.test", NULL};
    g_autoptr(GError) err = NULL;
    g_autofree char *qdir = g_build_filename(f->dir, "queue", NULL);

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, test_body);
    HermodQueueRcptState *r = NULL;
    g_autoptr(HermodQueueEntry) e = NULL;
    for (int i = 0; i < WAIT_S * 20 && (r == NULL || r->attempts == 0); i++) {
        g_usleep(G_USEC_PER_SEC / 20);
        g_clear_pointer(&e, hermod_queue_entry_free);
        e = hermod_queue_file_load(qdir, id, NULL);
        r = e != NULL ? g_ptr_array_index(e->rcpts, 0) : NULL;
    }
    g_assert_nonnull(r);
    g_assert_cmpint(r->status, ==, HERMOD_RCPT_QUEUED);
    g_assert_cmpstr(r->dsn_status, ==, "4.4.1");
    g_assert_nonnull(strstr(r->diagnostic, "connect to 127.0.0.1"));
    g_assert_cmpint(e->next_attempt, >, e->created);
    g_assert_cmpuint(hermod_queue_length(), ==, 1);
}

/* Stopping the queue ends a delivery stuck on a silent peer at once; the
 * message stays queued. */
static void
test_stop_cancels(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"moe@mute.test", NULL};
    g_autoptr(GError) err = NULL;

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, test_body);
    /* A pending connection on the silent socket: the attempt is under way
     * and waits for a greeting that never comes. */
    for (int i = 0; i < WAIT_S * 20 && !(g_socket_condition_check(f->mute, G_IO_IN) & G_IO_IN); i++)
        g_usleep(G_USEC_PER_SEC / 20);
    g_usleep(G_USEC_PER_SEC / 5);
    gint64 t0 = g_get_monotonic_time();
    hermod_queue_stop();
    g_assert_cmpint(g_get_monotonic_time() - t0, <, 3 * G_USEC_PER_SEC);
    g_autofree char *qdir = g_build_filename(f->dir, "queue", NULL);
    g_autoptr(HermodQueueEntry) e = hermod_queue_file_load(qdir, id, &err);
    g_assert_no_error(err);
    HermodQueueRcptState *r = g_ptr_array_index(e->rcpts, 0);
    g_assert_cmpint(r->status, ==, HERMOD_RCPT_QUEUED);
    g_assert_cmpuint(r->attempts, ==, 1);
    g_assert_cmpuint(hermod_queue_length(), ==, 1);
}

/* Several hundred kilobytes with many dot lines: dot-stuffing across the
 * client's write chunks, byte for byte. */
static void
test_big(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"bob@example.org", NULL};
    g_autoptr(GError) err = NULL;
    g_autoptr(GString) big = g_string_new("Subject: big\r\n\r\n");

    for (guint i = 0; i < 20000; i++)
        g_string_append_printf(big, "%s line %u of the big message\r\n",
                               i % 3 == 0 ? "." : (i % 7 == 0 ? ".." : ""), i);
    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, big->str);
    g_assert_true(wait_messages(f, 1));
    g_autoptr(GBytes) got = peer_body(f, 1);
    g_autoptr(GBytes) want = g_bytes_new_static(big->str, big->len);
    g_assert_cmpuint(g_bytes_get_size(got), ==, big->len);
    g_assert_true(g_bytes_equal(got, want));
}

static const Setup delay_setup = {.conf = "delay_notice = 1s\nmax_age = 3s\n"};
static const Setup tls_setup = {.is_tls = TRUE};
static const Setup dsn_setup = {.is_dsn = TRUE};

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_mime_init();
    g_test_add("/queue/deliver", Fixture, NULL, setup, test_deliver, teardown);
    g_test_add("/queue/reject-bounces", Fixture, NULL, setup, test_reject, teardown);
    g_test_add("/queue/retry-backoff", Fixture, NULL, setup, test_retry, teardown);
    g_test_add("/queue/restart", Fixture, NULL, setup, test_restart, teardown);
    g_test_add("/queue/null-sender", Fixture, NULL, setup, test_null_sender, teardown);
    g_test_add("/queue/notify-success", Fixture, NULL, setup, test_notify_success, teardown);
    g_test_add("/queue/delay-and-expiry", Fixture, &delay_setup, setup, test_delay_and_expiry,
               teardown);
    g_test_add("/queue/ctl", Fixture, NULL, setup, test_ctl, teardown);
    g_test_add("/queue/connect-failure", Fixture, NULL, setup, test_connect_failure, teardown);
    g_test_add("/queue/stop-cancels", Fixture, NULL, setup, test_stop_cancels, teardown);
    g_test_add("/queue/big", Fixture, NULL, setup, test_big, teardown);
    g_test_add("/queue/starttls", Fixture, &tls_setup, setup, test_starttls, teardown);
    g_test_add("/queue/dsn-peer", Fixture, &dsn_setup, setup, test_dsn_peer, teardown);
    return g_test_run();
}
