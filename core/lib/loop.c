/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * loop.c - the epoll event loops, one per loop thread.
 *
 * Each loop owns an epoll set, an eventfd that wakes it when another thread
 * posts a function, and a min-heap of one-shot timers whose earliest due
 * time becomes the epoll_wait timeout.  Watches are level-triggered; an
 * event carries the watch's fd and a generation number so that a watch
 * removed (and its fd reused) during one batch of events is never called
 * for a stale event.  This file knows nothing about connections or
 * protocols: conn.c and listener.c are its users.
 */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <gio/gio.h>

#include "lib/loop.h"
#include "lib/log.h"

#define MAX_EVENTS 64

typedef struct {
    HermodFdFunc fn;
    gpointer data;
    guint32 gen;
} Watch;

typedef struct {
    guint id;
    guint heap_index;
    gint64 due; /* monotonic microseconds */
    HermodLoopFunc fn;
    gpointer data;
} Timer;

typedef struct {
    HermodLoopFunc fn;
    gpointer data;
} Post;

struct HermodLoop {
    guint index;
    int epfd;
    int evfd;
    GThread *thread;
    GHashTable *watches; /* fd -> Watch* */
    guint32 next_gen;
    GPtrArray *heap;    /* Timer*, min-heap on (due, id) */
    GHashTable *timers; /* id -> Timer* */
    guint next_timer_id;
    GMutex lock; /* guards posts and is_stopping */
    GQueue posts;
    gboolean is_stopping;
};

static GPtrArray *loops; /* HermodLoop*, set by hermod_loops_start */
static guint next_loop;
static GPrivate current_loop;

/* --- timer heap */

static gboolean
timer_before(const Timer *a, const Timer *b)
{
    return a->due < b->due || (a->due == b->due && a->id < b->id);
}

static void
heap_swap(GPtrArray *heap, guint i, guint j)
{
    Timer *a = heap->pdata[i];
    Timer *b = heap->pdata[j];

    heap->pdata[i] = b;
    heap->pdata[j] = a;
    b->heap_index = i;
    a->heap_index = j;
}

static void
heap_up(GPtrArray *heap, guint i)
{
    while (i > 0 && timer_before(heap->pdata[i], heap->pdata[(i - 1) / 2])) {
        heap_swap(heap, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void
heap_down(GPtrArray *heap, guint i)
{
    for (;;) {
        guint least = i;
        guint l = 2 * i + 1;
        guint r = l + 1;

        if (l < heap->len && timer_before(heap->pdata[l], heap->pdata[least]))
            least = l;
        if (r < heap->len && timer_before(heap->pdata[r], heap->pdata[least]))
            least = r;
        if (least == i)
            return;
        heap_swap(heap, i, least);
        i = least;
    }
}

/* Take t out of the heap; the caller frees it. */
static void
heap_remove(GPtrArray *heap, Timer *t)
{
    guint i = t->heap_index;
    guint last = heap->len - 1;

    if (i != last)
        heap_swap(heap, i, last);
    g_ptr_array_remove_index(heap, last);
    if (i < heap->len) {
        heap_up(heap, i);
        heap_down(heap, i);
    }
}

guint
hermod_loop_timer_add(HermodLoop *loop, guint ms, HermodLoopFunc fn, gpointer data)
{
    Timer *t = g_new0(Timer, 1);

    g_return_val_if_fail(hermod_loop_current() == loop, 0);
    if (++loop->next_timer_id == 0)
        loop->next_timer_id = 1;
    t->id = loop->next_timer_id;
    t->due = g_get_monotonic_time() + (gint64)ms * 1000;
    t->fn = fn;
    t->data = data;
    t->heap_index = loop->heap->len;
    g_ptr_array_add(loop->heap, t);
    heap_up(loop->heap, t->heap_index);
    g_hash_table_insert(loop->timers, GUINT_TO_POINTER(t->id), t);
    return t->id;
}

void
hermod_loop_timer_cancel(HermodLoop *loop, guint id)
{
    Timer *t = g_hash_table_lookup(loop->timers, GUINT_TO_POINTER(id));

    g_return_if_fail(hermod_loop_current() == loop);
    if (t == NULL)
        return;
    g_hash_table_remove(loop->timers, GUINT_TO_POINTER(id));
    heap_remove(loop->heap, t);
    g_free(t);
}

/* Milliseconds until the first timer is due, -1 for none. */
static int
timers_wait_ms(HermodLoop *loop)
{
    if (loop->heap->len == 0)
        return -1;
    gint64 left = ((Timer *)loop->heap->pdata[0])->due - g_get_monotonic_time();
    if (left <= 0)
        return 0;
    return (int)MIN((left + 999) / 1000, G_MAXINT);
}

static void
timers_run(HermodLoop *loop)
{
    gint64 now = g_get_monotonic_time();

    /* A timer added by a callback with ms = 0 waits for the next round, so
     * a timer that re-arms itself cannot starve the loop. */
    while (loop->heap->len > 0) {
        Timer *t = loop->heap->pdata[0];
        if (t->due > now)
            return;
        heap_remove(loop->heap, t);
        g_hash_table_remove(loop->timers, GUINT_TO_POINTER(t->id));
        HermodLoopFunc fn = t->fn;
        gpointer data = t->data;
        g_free(t);
        fn(data);
    }
}

/* --- fd watches */

gboolean
hermod_loop_add_fd(HermodLoop *loop, int fd, guint32 events, HermodFdFunc fn, gpointer data,
                   GError **error)
{
    Watch *w = g_new0(Watch, 1);
    struct epoll_event ev = {.events = events};

    g_return_val_if_fail(hermod_loop_current() == loop, FALSE);
    w->fn = fn;
    w->data = data;
    w->gen = ++loop->next_gen;
    ev.data.u64 = ((guint64)w->gen << 32) | (guint32)fd;
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        int saved = errno;
        g_free(w);
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "epoll_ctl(ADD, %d): %s", fd,
                    g_strerror(saved));
        return FALSE;
    }
    g_hash_table_insert(loop->watches, GINT_TO_POINTER(fd), w);
    return TRUE;
}

void
hermod_loop_mod_fd(HermodLoop *loop, int fd, guint32 events)
{
    Watch *w = g_hash_table_lookup(loop->watches, GINT_TO_POINTER(fd));
    struct epoll_event ev = {.events = events};

    g_return_if_fail(hermod_loop_current() == loop);
    g_return_if_fail(w != NULL);
    ev.data.u64 = ((guint64)w->gen << 32) | (guint32)fd;
    if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
        hermod_log(HERMOD_LOG_ERROR, NULL, "epoll_ctl(MOD, %d): %s", fd, g_strerror(errno));
}

void
hermod_loop_del_fd(HermodLoop *loop, int fd)
{
    g_return_if_fail(hermod_loop_current() == loop);
    if (!g_hash_table_remove(loop->watches, GINT_TO_POINTER(fd)))
        return;
    /* The fd may already be closed; the watch is gone either way. */
    epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static void
watch_dispatch(HermodLoop *loop, const struct epoll_event *ev)
{
    int fd = (int)(guint32)(ev->data.u64 & 0xffffffffu);
    guint32 gen = (guint32)(ev->data.u64 >> 32);
    Watch *w = g_hash_table_lookup(loop->watches, GINT_TO_POINTER(fd));

    if (w != NULL && w->gen == gen)
        w->fn(fd, ev->events, w->data);
}

/* --- posted functions */

void
hermod_loop_post(HermodLoop *loop, HermodLoopFunc fn, gpointer data)
{
    Post *p = g_new(Post, 1);
    gboolean was_empty;

    p->fn = fn;
    p->data = data;
    g_mutex_lock(&loop->lock);
    was_empty = g_queue_is_empty(&loop->posts);
    g_queue_push_tail(&loop->posts, p);
    g_mutex_unlock(&loop->lock);
    if (was_empty) {
        guint64 one = 1;
        while (write(loop->evfd, &one, sizeof one) < 0 && errno == EINTR)
            ;
    }
}

/* Run what was posted before this call; what those functions post runs in
 * the next round.  Returns FALSE once the loop should end. */
static gboolean
posts_run(HermodLoop *loop)
{
    GQueue batch = G_QUEUE_INIT;
    guint64 count;
    gboolean is_stopping;

    while (read(loop->evfd, &count, sizeof count) < 0 && errno == EINTR)
        ;
    g_mutex_lock(&loop->lock);
    batch = loop->posts;
    g_queue_init(&loop->posts);
    is_stopping = loop->is_stopping;
    g_mutex_unlock(&loop->lock);
    for (Post *p; (p = g_queue_pop_head(&batch)) != NULL;) {
        p->fn(p->data);
        g_free(p);
    }
    if (!is_stopping)
        return TRUE;
    g_mutex_lock(&loop->lock);
    gboolean is_idle = g_queue_is_empty(&loop->posts);
    g_mutex_unlock(&loop->lock);
    return !is_idle;
}

/* --- the thread */

static gpointer
loop_thread(gpointer data)
{
    HermodLoop *loop = data;
    struct epoll_event events[MAX_EVENTS];

    g_private_set(&current_loop, loop);
    for (;;) {
        int n = epoll_wait(loop->epfd, events, MAX_EVENTS, timers_wait_ms(loop));
        gboolean is_woken = FALSE;

        if (n < 0 && errno != EINTR) {
            hermod_log(HERMOD_LOG_ERROR, NULL, "loop %u: epoll_wait: %s", loop->index,
                       g_strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            if (events[i].data.u64 == G_MAXUINT64)
                is_woken = TRUE;
            else
                watch_dispatch(loop, &events[i]);
        }
        timers_run(loop);
        if (is_woken && !posts_run(loop))
            break;
    }
    g_private_set(&current_loop, NULL);
    return NULL;
}

static void
loop_free(HermodLoop *loop)
{
    if (loop->epfd >= 0)
        close(loop->epfd);
    if (loop->evfd >= 0)
        close(loop->evfd);
    g_hash_table_destroy(loop->watches);
    g_hash_table_destroy(loop->timers);
    for (guint i = 0; i < loop->heap->len; i++)
        g_free(loop->heap->pdata[i]);
    g_ptr_array_free(loop->heap, TRUE);
    g_queue_clear_full(&loop->posts, g_free);
    g_mutex_clear(&loop->lock);
    g_free(loop);
}

static HermodLoop *
loop_new(guint index, GError **error)
{
    HermodLoop *loop = g_new0(HermodLoop, 1);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = G_MAXUINT64};

    loop->index = index;
    loop->watches = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    loop->timers = g_hash_table_new(NULL, NULL);
    loop->heap = g_ptr_array_new();
    g_mutex_init(&loop->lock);
    g_queue_init(&loop->posts);
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    loop->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (loop->epfd < 0 || loop->evfd < 0 ||
        epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->evfd, &ev) < 0) {
        int saved = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "event loop: %s",
                    g_strerror(saved));
        loop_free(loop);
        return NULL;
    }
    return loop;
}

gboolean
hermod_loops_start(guint n, GError **error)
{
    g_return_val_if_fail(loops == NULL, FALSE);
    if (n == 0)
        n = MAX(1, g_get_num_processors());
    loops = g_ptr_array_new();
    for (guint i = 0; i < n; i++) {
        HermodLoop *loop = loop_new(i, error);
        if (loop == NULL) {
            hermod_loops_stop();
            return FALSE;
        }
        g_autofree char *name = g_strdup_printf("hermod-loop%u", i);
        loop->thread = g_thread_new(name, loop_thread, loop);
        g_ptr_array_add(loops, loop);
    }
    return TRUE;
}

static void
noop(gpointer data)
{
}

void
hermod_loops_stop(void)
{
    if (loops == NULL)
        return;
    for (guint i = 0; i < loops->len; i++) {
        HermodLoop *loop = loops->pdata[i];
        g_mutex_lock(&loop->lock);
        loop->is_stopping = TRUE;
        g_mutex_unlock(&loop->lock);
        hermod_loop_post(loop, noop, NULL);
    }
    for (guint i = 0; i < loops->len; i++) {
        HermodLoop *loop = loops->pdata[i];
        g_thread_join(loop->thread);
        loop_free(loop);
    }
    g_ptr_array_free(loops, TRUE);
    loops = NULL;
}

HermodLoop *
hermod_loops_next(void)
{
    g_return_val_if_fail(loops != NULL, NULL);
    guint i = (guint)g_atomic_int_add((gint *)&next_loop, 1);
    return loops->pdata[i % loops->len];
}

guint
hermod_loops_count(void)
{
    return loops != NULL ? loops->len : 0;
}

HermodLoop *
hermod_loops_nth(guint i)
{
    g_return_val_if_fail(loops != NULL && i < loops->len, NULL);
    return loops->pdata[i];
}

HermodLoop *
hermod_loop_current(void)
{
    return g_private_get(&current_loop);
}
