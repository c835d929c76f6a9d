/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-loop.c - the epoll loops and the work pool: posted functions run on
 * the right thread, timers fire in order and can be cancelled, fd watches
 * see their events, and work-pool completions come back to the submitting
 * loop.
 */
#include "autoconfig.h"

#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "lib/loop.h"
#include "lib/workpool.h"

/* A small rendezvous: the test thread waits until a loop says "done". */
typedef struct {
    GMutex lock;
    GCond cond;
    gboolean is_done;
    GString *trace;
    HermodLoop *loop;
    gboolean is_on_loop;
    int fds[2];
    guint id;
} Sync;

static void
sync_init(Sync *s)
{
    memset(s, 0, sizeof *s);
    g_mutex_init(&s->lock);
    g_cond_init(&s->cond);
    s->trace = g_string_new(NULL);
}

static void
sync_clear(Sync *s)
{
    g_mutex_clear(&s->lock);
    g_cond_clear(&s->cond);
    g_string_free(s->trace, TRUE);
}

static void
sync_signal(Sync *s)
{
    g_mutex_lock(&s->lock);
    s->is_done = TRUE;
    g_cond_signal(&s->cond);
    g_mutex_unlock(&s->lock);
}

static gboolean
sync_wait(Sync *s)
{
    gint64 end = g_get_monotonic_time() + 5 * G_TIME_SPAN_SECOND;
    gboolean ok = TRUE;

    g_mutex_lock(&s->lock);
    while (!s->is_done && ok)
        ok = g_cond_wait_until(&s->cond, &s->lock, end);
    s->is_done = FALSE;
    g_mutex_unlock(&s->lock);
    return ok;
}

static void
on_post(gpointer data)
{
    Sync *s = data;

    s->is_on_loop = hermod_loop_current() == s->loop;
    sync_signal(s);
}

static void
test_post(void)
{
    Sync s;

    sync_init(&s);
    g_assert_null(hermod_loop_current());
    for (guint i = 0; i < hermod_loops_count(); i++) {
        s.loop = hermod_loops_nth(i);
        s.is_on_loop = FALSE;
        hermod_loop_post(s.loop, on_post, &s);
        g_assert_true(sync_wait(&s));
        g_assert_true(s.is_on_loop);
    }
    sync_clear(&s);
}

static void
timer_a(gpointer data)
{
    g_string_append_c(((Sync *)data)->trace, 'a');
}

static void
timer_b(gpointer data)
{
    g_string_append_c(((Sync *)data)->trace, 'b');
}

static void
timer_cancelled(gpointer data)
{
    g_string_append_c(((Sync *)data)->trace, 'X');
}

static void
timer_last(gpointer data)
{
    g_string_append_c(((Sync *)data)->trace, 'c');
    sync_signal(data);
}

static void
arm_timers(gpointer data)
{
    Sync *s = data;

    hermod_loop_timer_add(s->loop, 60, timer_last, s);
    guint doomed = hermod_loop_timer_add(s->loop, 20, timer_cancelled, s);
    hermod_loop_timer_add(s->loop, 30, timer_b, s);
    hermod_loop_timer_add(s->loop, 10, timer_a, s);
    hermod_loop_timer_cancel(s->loop, doomed);
    hermod_loop_timer_cancel(s->loop, 999999); /* unknown ids are ignored */
}

static void
test_timers(void)
{
    Sync s;
    gint64 start = g_get_monotonic_time();

    sync_init(&s);
    s.loop = hermod_loops_nth(0);
    hermod_loop_post(s.loop, arm_timers, &s);
    g_assert_true(sync_wait(&s));
    g_assert_cmpstr(s.trace->str, ==, "abc");
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 60000);
    sync_clear(&s);
}

static void
on_readable(int fd, guint32 events, gpointer data)
{
    Sync *s = data;
    char buf[16];
    ssize_t n = read(fd, buf, sizeof buf);

    g_assert_true(events & EPOLLIN);
    if (n > 0)
        g_string_append_len(s->trace, buf, n);
    if (s->trace->len >= 6) {
        hermod_loop_del_fd(s->loop, fd);
        sync_signal(s);
    }
}

static void
add_watch(gpointer data)
{
    Sync *s = data;
    g_autoptr(GError) error = NULL;

    g_assert_true(hermod_loop_add_fd(s->loop, s->fds[0], EPOLLIN, on_readable, s, &error));
    g_assert_no_error(error);
    sync_signal(s);
}

static void
test_fd_watch(void)
{
    Sync s;

    sync_init(&s);
    s.loop = hermod_loops_nth(hermod_loops_count() - 1);
    g_assert_cmpint(pipe(s.fds), ==, 0);
    hermod_loop_post(s.loop, add_watch, &s);
    g_assert_true(sync_wait(&s));
    g_assert_cmpint(write(s.fds[1], "abc", 3), ==, 3);
    g_usleep(10000);
    g_assert_cmpint(write(s.fds[1], "def", 3), ==, 3);
    g_assert_true(sync_wait(&s));
    g_assert_cmpstr(s.trace->str, ==, "abcdef");
    close(s.fds[0]);
    close(s.fds[1]);
    sync_clear(&s);
}

static void
work_fn(gpointer data)
{
    Sync *s = data;

    g_assert_null(hermod_loop_current());
    g_usleep(20000);
    g_string_append(s->trace, "work;");
}

static void
done_fn(gpointer data)
{
    Sync *s = data;

    s->is_on_loop = hermod_loop_current() == s->loop;
    g_string_append(s->trace, "done");
    sync_signal(s);
}

static void
submit_work(gpointer data)
{
    Sync *s = data;

    hermod_workpool_push(s->loop, work_fn, done_fn, s);
}

static void
test_workpool(void)
{
    Sync s;

    sync_init(&s);
    s.loop = hermod_loops_nth(1);
    hermod_loop_post(s.loop, submit_work, &s);
    g_assert_true(sync_wait(&s));
    g_assert_true(s.is_on_loop);
    g_assert_cmpstr(s.trace->str, ==, "work;done");
    sync_clear(&s);
}

static void
test_round_robin(void)
{
    HermodLoop *first = hermod_loops_next();
    HermodLoop *second = hermod_loops_next();

    g_assert_nonnull(first);
    g_assert_true(first != second);
    g_assert_true(hermod_loops_next() == first);
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;

    g_test_init(&argc, &argv, NULL);
    g_assert_true(hermod_loops_start(2, &error));
    g_assert_no_error(error);
    g_assert_true(hermod_workpool_start(2, &error));
    g_test_add_func("/loop/post", test_post);
    g_test_add_func("/loop/timers", test_timers);
    g_test_add_func("/loop/fd-watch", test_fd_watch);
    g_test_add_func("/loop/round-robin", test_round_robin);
    g_test_add_func("/workpool/done-on-loop", test_workpool);
    int rc = g_test_run();
    hermod_workpool_stop();
    hermod_loops_stop();
    return rc;
}
