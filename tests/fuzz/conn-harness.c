/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * conn-harness.c - the "frame" protocol on a real connection, the client
 * that feeds it over a socketpair, and the model of what it must see.
 *
 * See conn-harness.h.  The connection is made the way listener.c makes
 * one (hermod_conntrack_admit, then hermod_conn_new on the loop), so the
 * whole of core/net/conn.c's state machine runs, not only the framing.
 * The client waits between chunks until the connection's socket has no
 * unread bytes (FIONREAD on a duplicate of its descriptor, which stays
 * valid after the connection closes its own).  The protocol runs on the
 * loop thread and only it touches the run until on_close, which hands it
 * over under the lock.
 */
#include "autoconfig.h"

#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "conn-harness.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "net/conn-private.h"
#include "net/conntrack.h"

#define PEER         "192.0.2.7"
#define WAIT_SECONDS 30 /* a connection that takes longer has hung */

typedef enum { CMD_NONE, CMD_COUNT, CMD_PAUSE, CMD_QUIT, CMD_COMPRESS } Command;

/* The one connection running now. */
static struct {
    GMutex lock;
    GCond cond;
    gint is_closed; /* atomic */
    HarnessRun *run;
    HarnessEvent *open_data; /* counted data still arriving */
    gsize line_max;
    gboolean allow_compress;
} cur;

/* --- events --- */

HarnessRun *
harness_run_new(void)
{
    HarnessRun *run = g_new0(HarnessRun, 1);
    run->events = g_ptr_array_new();
    return run;
}

void
harness_run_free(HarnessRun *run)
{
    for (guint i = 0; i < run->events->len; i++) {
        HarnessEvent *ev = run->events->pdata[i];
        g_byte_array_unref(ev->bytes);
        g_free(ev);
    }
    g_ptr_array_unref(run->events);
    g_free(run);
}

void
harness_add(HarnessRun *run, HarnessKind kind, const guint8 *bytes, gsize len)
{
    HarnessEvent *ev = g_new0(HarnessEvent, 1);
    ev->kind = kind;
    ev->bytes = g_byte_array_sized_new((guint)len);
    g_byte_array_append(ev->bytes, bytes, (guint)len);
    g_ptr_array_add(run->events, ev);
    run->total += len;
}

/* What a whole line asks for; *out_count for CMD_COUNT. */
static Command
command(const char *line, gsize len, guint64 *out_count)
{
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (len == 5 && memcmp(line, "PAUSE", 5) == 0)
        return CMD_PAUSE;
    if (len == 4 && memcmp(line, "QUIT", 4) == 0)
        return CMD_QUIT;
    if (len == 8 && memcmp(line, "COMPRESS", 8) == 0)
        return CMD_COMPRESS;
    if (len < 3 || line[len - 1] != '}')
        return CMD_NONE;
    gsize end = len - 1 - (line[len - 2] == '+');
    gsize start = end;
    while (start > 0 && end - start < 9 && g_ascii_isdigit(line[start - 1]))
        start--;
    if (start == end || start == 0 || line[start - 1] != '{')
        return CMD_NONE;
    *out_count = g_ascii_strtoull(line + start, NULL, 10);
    return CMD_COUNT;
}

/* --- the frame protocol (loop thread) --- */

static void
check_buffer(HermodConn *conn)
{
    g_assert_cmpuint(conn->in->len, <=, cur.line_max + HARNESS_READ_CHUNK);
}

static void
resume_later(gpointer data)
{
    HermodConn *conn = data;
    if (!hermod_conn_is_closed(conn))
        hermod_conn_resume(conn);
    hermod_conn_unref(conn);
}

static void
after_event(HermodConn *conn)
{
    if (cur.run->total > HARNESS_CAP && !hermod_conn_is_closed(conn)) {
        cur.run->is_capped = TRUE;
        hermod_conn_close(conn);
    }
}

static void
on_line(HermodConn *conn, const char *line, gsize len, gboolean is_partial)
{
    guint64 count = 0;
    check_buffer(conn);
    g_assert_cmpuint(len, >, 0);
    g_assert_cmpuint(line[len], ==, '\0');
    if (is_partial)
        g_assert_cmpuint(len, ==, cur.line_max);
    else
        g_assert_true(len <= cur.line_max && line[len - 1] == '\n');
    harness_add(cur.run, is_partial ? HARNESS_PARTIAL : HARNESS_LINE, (const guint8 *)line, len);
    switch (is_partial ? CMD_NONE : command(line, len, &count)) {
    case CMD_COUNT:
        hermod_conn_read_bytes(conn, count);
        break;
    case CMD_PAUSE:
        hermod_conn_pause(conn);
        hermod_loop_post(hermod_conn_loop(conn), resume_later, hermod_conn_ref(conn));
        break;
    case CMD_QUIT:
        hermod_conn_close(conn);
        break;
    case CMD_COMPRESS:
        if (cur.allow_compress)
            (void)hermod_conn_start_deflate(conn);
        break;
    default:
        break;
    }
    after_event(conn);
}

static void
on_data(HermodConn *conn, const guint8 *data, gsize len, gboolean is_last)
{
    check_buffer(conn);
    g_assert_cmpuint(len, <=, HARNESS_READ_CHUNK);
    g_assert_true(len > 0 || is_last);
    if (cur.open_data == NULL) {
        harness_add(cur.run, HARNESS_DATA_CUT, data, len);
        cur.open_data = cur.run->events->pdata[cur.run->events->len - 1];
    } else {
        g_byte_array_append(cur.open_data->bytes, data, (guint)len);
        cur.run->total += len;
    }
    if (is_last) {
        cur.open_data->kind = HARNESS_DATA;
        cur.open_data = NULL;
    }
    after_event(conn);
}

static void
on_close(HermodConn *conn)
{
    g_mutex_lock(&cur.lock);
    g_atomic_int_set(&cur.is_closed, 1);
    g_cond_signal(&cur.cond);
    g_mutex_unlock(&cur.lock);
}

static const HermodProtocol frame = {
    .struct_size = sizeof(HermodProtocol),
    .on_line = on_line,
    .on_data = on_data,
    .on_close = on_close,
};

static void
adopt(gpointer data)
{
    HermodConnOrigin origin = {"fuzz", &frame, "fuzz", FALSE, FALSE};
    hermod_conn_new(hermod_loop_current(), GPOINTER_TO_INT(data), PEER, &origin);
}

/* --- the client (the fuzzer's thread) --- */

void
harness_init(void)
{
    static gboolean is_started;
    g_autoptr(GError) error = NULL;

    if (is_started)
        return;
    is_started = TRUE;
    g_assert_true(hermod_log_open(NULL, HERMOD_LOG_ERROR, &error));
    hermod_conntrack_set_caps(0, 0);
    g_assert_true(hermod_loops_start(1, &error));
    g_assert_no_error(error);
}

/* Until the connection has read everything sent (or closed). */
static void
wait_read(int peek_fd)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_SECONDS * G_USEC_PER_SEC;
    for (guint i = 0;; i++) {
        int unread = 0;
        if (g_atomic_int_get(&cur.is_closed) || ioctl(peek_fd, FIONREAD, &unread) < 0 ||
            unread == 0)
            return;
        if (i < 2000) {
            sched_yield();
        } else {
            g_usleep(100);
            if (g_get_monotonic_time() > deadline)
                g_error("the connection stopped reading (%d bytes unread)", unread);
        }
    }
}

static void
wait_closed(void)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_SECONDS * G_USEC_PER_SEC;
    g_mutex_lock(&cur.lock);
    while (!g_atomic_int_get(&cur.is_closed))
        if (!g_cond_wait_until(&cur.cond, &cur.lock, deadline))
            g_error("the connection did not close after EOF");
    g_mutex_unlock(&cur.lock);
}

static void
send_all(int fd, const guint8 *p, gsize len)
{
    while (len > 0 && !g_atomic_int_get(&cur.is_closed)) {
        gssize n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0)
            return; /* the connection is gone */
        p += n;
        len -= (gsize)n;
    }
}

HarnessRun *
harness_run(gsize line_max, gboolean allow_compress, GPtrArray *chunks)
{
    HermodConnLimits limits = {.line_max = line_max, .idle_timeout = 300, .handshake_timeout = 30};
    int fds[2];

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
    int peek_fd = dup(fds[0]);
    g_assert_cmpint(peek_fd, >=, 0);
    g_assert_true(g_unix_set_fd_nonblocking(fds[0], TRUE, NULL));
    hermod_conn_set_limits(&limits); /* no connection is open */
    cur.run = harness_run_new();
    cur.open_data = NULL;
    cur.line_max = line_max;
    cur.allow_compress = allow_compress;
    g_atomic_int_set(&cur.is_closed, 0);
    g_assert_true(hermod_conntrack_admit(PEER, NULL));
    hermod_loop_post(hermod_loops_next(), adopt, GINT_TO_POINTER(fds[0]));
    for (guint i = 0; i < chunks->len; i++) {
        gsize len = 0;
        const guint8 *p = g_bytes_get_data(chunks->pdata[i], &len);
        send_all(fds[1], p, len);
        if (i < HARNESS_MAX_WAITS)
            wait_read(peek_fd);
    }
    shutdown(fds[1], SHUT_WR);
    wait_closed();
    close(fds[1]);
    close(peek_fd);
    HarnessRun *run = cur.run;
    cur.run = NULL;
    return run;
}

/* --- the model and the comparison --- */

/* Counted data at pos: TRUE if the stream goes on after it. */
static gboolean
model_counted(HarnessRun *m, const guint8 *plain, gsize len, gsize *pos, guint64 count)
{
    gsize n = (gsize)MIN(count, (guint64)(len - *pos));
    if (n == 0 && count > 0)
        return FALSE; /* EOF before any of it: no on_data */
    harness_add(m, n == count ? HARNESS_DATA : HARNESS_DATA_CUT, plain + *pos, n);
    *pos += n;
    return n == count;
}

void
harness_model(HarnessRun *m, const guint8 *plain, gsize len, gsize line_max)
{
    for (gsize pos = 0; pos < len;) {
        const guint8 *start = plain + pos;
        const guint8 *nl = memchr(start, '\n', len - pos);
        gsize n = nl != NULL ? (gsize)(nl - start) + 1 : len - pos;
        gboolean is_partial = nl == NULL;
        guint64 count = 0;
        if (n > line_max) {
            n = line_max;
            is_partial = TRUE;
        } else if (is_partial) {
            return; /* a last line without its LF is dropped at EOF */
        }
        harness_add(m, is_partial ? HARNESS_PARTIAL : HARNESS_LINE, start, n);
        pos += n;
        Command cmd = is_partial ? CMD_NONE : command((const char *)start, n, &count);
        if (cmd == CMD_QUIT)
            return;
        if (cmd == CMD_COUNT && !model_counted(m, plain, len, &pos, count))
            return;
    }
}

static const char *
kind_name(HarnessKind kind)
{
    static const char *const names[] = {"line", "partial", "data", "cut data"};
    return names[kind];
}

/* Does a start with the bytes of b?  (Empty arrays may have no data.) */
static gboolean
starts_with(const GByteArray *a, const GByteArray *b)
{
    return a->len >= b->len && (b->len == 0 || memcmp(a->data, b->data, b->len) == 0);
}

static gboolean
same_event(const HarnessEvent *a, const HarnessEvent *b)
{
    return a->kind == b->kind && a->bytes->len == b->bytes->len && starts_with(a->bytes, b->bytes);
}

/* Counted data cut short: a prefix of the data the model has there. */
static gboolean
is_cut_prefix(const HarnessEvent *got, const HarnessEvent *want)
{
    return got->kind == HARNESS_DATA_CUT &&
           (want->kind == HARNESS_DATA || want->kind == HARNESS_DATA_CUT) &&
           starts_with(want->bytes, got->bytes);
}

void
harness_check(const HarnessRun *got, const HarnessRun *want, gboolean is_exact)
{
    guint n = got->events->len;
    if (is_exact ? n != want->events->len : n > want->events->len)
        g_error("%u events delivered, the model has %u", n, want->events->len);
    for (guint i = 0; i < n; i++) {
        const HarnessEvent *g = got->events->pdata[i], *w = want->events->pdata[i];
        if (same_event(g, w) || (!is_exact && i == n - 1 && is_cut_prefix(g, w)))
            continue;
        g_error("event %u: %s of %u bytes \"%.*s\", the model has %s of %u bytes \"%.*s\"", i,
                kind_name(g->kind), g->bytes->len, (int)MIN(g->bytes->len, 40),
                (const char *)g->bytes->data, kind_name(w->kind), w->bytes->len,
                (int)MIN(w->bytes->len, 40), (const char *)w->bytes->data);
    }
}

/* --- input format --- */

gboolean
harness_next(HarnessCursor *c, guint8 mask, guint8 *out_sel, const guint8 **out_data,
             gsize *out_len)
{
    if (c->p >= c->end)
        return FALSE;
    guint8 sel = *c->p++;
    gsize left = (gsize)(c->end - c->p);
    gsize n = (sel & mask) == 0 ? left : MIN((gsize)(sel & mask), left);
    *out_sel = sel;
    *out_data = c->p;
    *out_len = n;
    c->p += n;
    return TRUE;
}

gsize
harness_line_max(guint bits)
{
    static const gsize maxes[] = {16, 100, 4096, 20000};
    return maxes[bits & 3];
}
