/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * conn.c - one client connection as the core sees it.
 *
 * Owns the socket, the output buffer, the idle timer and the connection's
 * life cycle, and runs the state machine (hermod_conn_update) that flushes
 * output, starts TLS, delivers input and closes.  Module calls only set
 * flags and queue bytes; the state machine acts on them once the module's
 * callback has returned, so a module never sees on_close from inside one of
 * its own calls.  Reading and splitting input lives in conn-input.c, the
 * GnuTLS session in conn-tls.c, COMPRESS=DEFLATE in conn-deflate.c; this
 * file never parses protocol commands.
 */
#include "autoconfig.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/conn-private.h"
#include "net/conntrack.h"
#include "lib/log.h"
#include "lib/workpool.h"

/* Closing connections get this long to flush before they are cut. */
#define CLOSE_LINGER 10
/* State-machine rounds per wake-up before yielding to other connections. */
#define UPDATE_ROUNDS 16

static HermodConnLimits limits = {65536, 300, 30};

/* Hooks from the layers above: written once each, read without a lock. */
static HermodConnCloseHook close_hooks[HERMOD_CONN_CLOSE_HOOKS];
static gint n_close_hooks;
static GMutex hooks_lock;
static HermodTrustCheck trust_check;

void
hermod_conn_add_close_hook(HermodConnCloseHook hook)
{
    g_mutex_lock(&hooks_lock);
    gint n = g_atomic_int_get(&n_close_hooks);
    gboolean is_known = FALSE;
    for (gint i = 0; i < n; i++)
        is_known |= close_hooks[i] == hook;
    if (!is_known) {
        g_assert(n < HERMOD_CONN_CLOSE_HOOKS);
        close_hooks[n] = hook;
        g_atomic_int_set(&n_close_hooks, n + 1); /* publishes the entry */
    }
    g_mutex_unlock(&hooks_lock);
}

void
hermod_conn_set_trust_check(HermodTrustCheck check)
{
    g_atomic_pointer_set(&trust_check, check);
}

static void
run_close_hooks(HermodConn *conn)
{
    gint n = g_atomic_int_get(&n_close_hooks);
    for (gint i = 0; i < n; i++)
        close_hooks[i](conn);
}

void
hermod_conn_set_limits(const HermodConnLimits *l)
{
    limits = *l;
}

const HermodConnLimits *
hermod_conn_limits(void)
{
    return &limits;
}

/* --- references and callbacks */

HermodConn *
hermod_conn_ref(HermodConn *conn)
{
    g_atomic_int_inc(&conn->refs);
    return conn;
}

void
hermod_conn_unref(HermodConn *conn)
{
    if (!g_atomic_int_dec_and_test(&conn->refs))
        return;
    g_free(conn->listener);
    g_free(conn->protocol);
    g_free(conn->role);
    g_free(conn->peer);
    g_free(conn->session);
    g_free(conn->tls_info);
    g_free(conn);
}

void
hermod_conn_call(HermodConn *conn, void (*cb)(HermodConn *))
{
    if (cb == NULL)
        return;
    conn->depth++;
    cb(conn);
    conn->depth--;
}

void
hermod_conn_touch(HermodConn *conn)
{
    conn->last_active = g_get_monotonic_time();
}

static void
kick_run(gpointer data)
{
    HermodConn *conn = data;

    conn->is_kicked = FALSE;
    hermod_conn_update(conn);
    hermod_conn_unref(conn);
}

/* Make the state machine look at conn soon.  Inside a callback the
 * running update does it when the callback returns. */
static void
kick(HermodConn *conn)
{
    if (conn->depth > 0 || conn->is_kicked || conn->is_closed)
        return;
    conn->is_kicked = TRUE;
    hermod_loop_post(conn->loop, kick_run, hermod_conn_ref(conn));
}

/* --- closing */

void
hermod_conn_fail(HermodConn *conn, const char *why)
{
    if (conn->is_failed || conn->is_closed)
        return;
    conn->is_failed = TRUE;
    hermod_log(HERMOD_LOG_INFO, conn->session, "connection lost: %s", why);
}

static void
finish(HermodConn *conn)
{
    conn->is_closed = TRUE;
    if (conn->timer_id != 0)
        hermod_loop_timer_cancel(conn->loop, conn->timer_id);
    conn->timer_id = 0;
    hermod_loop_del_fd(conn->loop, conn->fd);
    if (conn->tls != NULL && conn->tls_state == CONN_TLS_UP && !conn->is_failed)
        gnutls_bye(conn->tls, GNUTLS_SHUT_WR); /* one non-blocking try */
    hermod_conn_tls_end(conn);
    hermod_conn_deflate_end(conn);
    /* Out of the table before the descriptor goes: conntrack.c may look
     * at a live connection's socket from the accepting thread. */
    hermod_conntrack_remove(conn);
    close(conn->fd);
    conn->fd = -1;
    hermod_log(HERMOD_LOG_INFO, conn->session,
               "close: %" G_GUINT64_FORMAT " bytes in, %" G_GUINT64_FORMAT " bytes out, %.1f s",
               conn->bytes_in, conn->bytes_out, (g_get_monotonic_time() - conn->started) / 1e6);
    if (conn->is_connected)
        hermod_conn_call(conn, conn->proto->on_close);
    run_close_hooks(conn); /* e.g. the store's watches end with the connection */
    g_byte_array_unref(conn->in);
    g_byte_array_unref(conn->out);
    g_byte_array_unref(conn->line);
    conn->in = conn->out = conn->line = NULL;
    hermod_conn_unref(conn); /* the reference of the open connection */
}

/* --- output */

static gsize
flush_end(HermodConn *conn)
{
    return conn->tls_state == CONN_TLS_WANTED ? conn->tls_mark : conn->out->len;
}

static void
out_compact(HermodConn *conn)
{
    if (conn->out_pos == conn->out->len) {
        conn->tls_mark -= MIN(conn->tls_mark, conn->out_pos);
        g_byte_array_set_size(conn->out, 0);
        conn->out_pos = 0;
    } else if (conn->out_pos > 65536 && conn->out_pos > conn->out->len / 2) {
        g_byte_array_remove_range(conn->out, 0, (guint)conn->out_pos);
        conn->tls_mark -= MIN(conn->tls_mark, conn->out_pos);
        conn->out_pos = 0;
    }
}

static void
flush(HermodConn *conn)
{
    if (conn->tls_state == CONN_TLS_HANDSHAKE)
        return;
    for (gsize end = flush_end(conn); conn->out_pos < end;) {
        const guint8 *p = conn->out->data + conn->out_pos;
        gsize len = end - conn->out_pos;
        gssize n = conn->tls_state == CONN_TLS_UP ? hermod_conn_tls_send(conn, p, MIN(len, 16384))
                                                  : send(conn->fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                hermod_conn_fail(conn, g_strerror(errno));
            break;
        }
        conn->out_pos += (gsize)n;
        conn->bytes_out += (guint64)n;
        hermod_conn_touch(conn);
    }
    out_compact(conn);
}

gsize
hermod_conn_output_pending(HermodConn *conn)
{
    if (conn->out == NULL)
        return 0;
    return conn->out->len - conn->out_pos + hermod_conn_deflate_pending(conn);
}

void
hermod_conn_write(HermodConn *conn, const void *data, gsize len)
{
    if (hermod_conn_is_closed(conn) || len == 0)
        return;
    if (conn->deflate != NULL)
        hermod_conn_deflate_write(conn, data, len);
    else
        g_byte_array_append(conn->out, data, (guint)len);
    kick(conn);
}

void
hermod_conn_vprintf(HermodConn *conn, const char *fmt, va_list ap)
{
    g_autofree char *text = g_strdup_vprintf(fmt, ap);

    hermod_conn_write(conn, text, strlen(text));
}

void
hermod_conn_printf(HermodConn *conn, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    hermod_conn_vprintf(conn, fmt, ap);
    va_end(ap);
}

/* --- timer */

static guint
timeout_seconds(HermodConn *conn)
{
    if (conn->is_closing)
        return CLOSE_LINGER;
    if (conn->tls_state == CONN_TLS_HANDSHAKE)
        return limits.handshake_timeout;
    return conn->timeout != 0 ? conn->timeout : limits.idle_timeout;
}

static void arm_timer(HermodConn *conn);

/* A slow client's line or counted data is overdue: say so once. */
static gboolean
deadline_passed(HermodConn *conn, gint64 now)
{
    const char *what = NULL;
    gint64 deadline = hermod_conn_input_deadline(conn, &what);

    if (deadline == 0 || now < deadline)
        return FALSE;
    hermod_log(HERMOD_LOG_NOTICE, conn->session, "slow client %s: %s", conn->peer, what);
    return TRUE;
}

static void
on_timer(gpointer data)
{
    HermodConn *conn = data;
    gint64 now = g_get_monotonic_time();

    conn->timer_id = 0;
    if (!conn->is_closing && deadline_passed(conn, now)) {
        hermod_conn_call(conn, conn->proto->on_timeout);
        conn->is_closing = TRUE;
        hermod_conn_touch(conn);
        hermod_conn_update(conn);
        return;
    }
    if (now < conn->last_active + (gint64)timeout_seconds(conn) * G_USEC_PER_SEC) {
        arm_timer(conn);
        return;
    }
    if (conn->is_closing || (conn->tls_state != CONN_TLS_NONE && conn->tls_state != CONN_TLS_UP)) {
        hermod_conn_fail(conn, "timed out");
    } else {
        hermod_log(HERMOD_LOG_INFO, conn->session, "idle timeout (%u s)", timeout_seconds(conn));
        hermod_conn_call(conn, conn->proto->on_timeout);
        conn->is_closing = TRUE;
        hermod_conn_touch(conn);
    }
    hermod_conn_update(conn);
}

static void
arm_timer(HermodConn *conn)
{
    gint64 due = conn->last_active + (gint64)timeout_seconds(conn) * G_USEC_PER_SEC;
    gint64 deadline = conn->is_closing ? 0 : hermod_conn_input_deadline(conn, NULL);
    if (deadline != 0 && deadline < due)
        due = deadline;
    gint64 left = MAX(0, due - g_get_monotonic_time());

    if (conn->timer_id != 0 && conn->timer_due <= due)
        return; /* it fires first and re-arms for the rest */
    if (conn->timer_id != 0)
        hermod_loop_timer_cancel(conn->loop, conn->timer_id);
    conn->timer_id =
        hermod_loop_timer_add(conn->loop, (guint)((left + 999) / 1000), on_timer, conn);
    conn->timer_due = due;
}

/* --- the state machine */

static guint32
wanted_events(HermodConn *conn)
{
    guint32 ev = 0;

    if (conn->tls_state == CONN_TLS_HANDSHAKE)
        return hermod_conn_tls_wait_events(conn);
    if (hermod_conn_input_ready(conn) && !conn->is_eof)
        ev |= EPOLLIN;
    if (conn->out_pos < flush_end(conn) || conn->tls_send_len > 0 || conn->tls_recv_wants_out)
        ev |= EPOLLOUT;
    return ev;
}

/* Handshake finished: the protocol starts (implicit TLS) or restarts. */
static void
tls_ready(HermodConn *conn)
{
    if (conn->is_connected) {
        hermod_conn_call(conn, conn->proto->on_tls_ready);
        return;
    }
    conn->is_connected = TRUE;
    hermod_conn_call(conn, conn->proto->on_connect);
}

/* One round; TRUE if another round may make progress. */
static gboolean
step(HermodConn *conn)
{
    if (conn->is_failed) {
        finish(conn);
        return FALSE;
    }
    hermod_conn_deflate_sync(conn); /* what the callbacks wrote goes out whole */
    flush(conn);
    if (conn->is_failed)
        return TRUE;
    gsize pending = hermod_conn_output_pending(conn);
    if (conn->is_closing && pending == 0) {
        finish(conn);
        return FALSE;
    }
    if (conn->tls_state == CONN_TLS_WANTED && conn->out_pos == conn->tls_mark) {
        hermod_conn_tls_begin(conn);
        return TRUE;
    }
    if (conn->tls_state == CONN_TLS_HANDSHAKE) {
        if (!hermod_conn_tls_step(conn))
            return conn->is_failed;
        tls_ready(conn);
        return TRUE;
    }
    if (conn->wants_writable && pending < HERMOD_CONN_LOW_WATER && !conn->is_closing) {
        conn->wants_writable = FALSE;
        hermod_conn_call(conn, conn->proto->on_writable);
        return TRUE;
    }
    return hermod_conn_input_run(conn);
}

void
hermod_conn_update(HermodConn *conn)
{
    guint round = 0;

    if (conn->is_closed || conn->depth > 0)
        return;
    hermod_conn_ref(conn);
    while (!conn->is_closed && step(conn))
        if (++round == UPDATE_ROUNDS) {
            kick(conn); /* let other connections run; go on soon */
            break;
        }
    if (!conn->is_closed) {
        guint32 ev = wanted_events(conn);
        if (ev != conn->events)
            hermod_loop_mod_fd(conn->loop, conn->fd, ev);
        conn->events = ev;
        arm_timer(conn);
    }
    hermod_conn_unref(conn);
}

static void
on_io(int fd, guint32 events, gpointer data)
{
    HermodConn *conn = data;

    if (events & EPOLLERR) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        hermod_conn_fail(conn, err != 0 ? g_strerror(err) : "socket error");
    } else if ((events & EPOLLHUP) && !(events & EPOLLIN)) {
        hermod_conn_fail(conn, "hang-up");
    }
    hermod_conn_update(conn);
}

/* --- life cycle */

void
hermod_conn_new(HermodLoop *loop, int fd, const char *peer, const HermodConnOrigin *origin)
{
    HermodConn *conn = g_new0(HermodConn, 1);
    g_autoptr(GError) error = NULL;

    conn->refs = 1;
    conn->fd = fd;
    conn->loop = loop;
    conn->proto = origin->proto;
    conn->listener = g_strdup(origin->listener);
    conn->protocol = g_strdup(origin->protocol != NULL ? origin->protocol : "other");
    conn->role = g_strdup(origin->role != NULL ? origin->role : "");
    conn->peer = g_strdup(peer);
    conn->session = hermod_log_session_new();
    conn->is_implicit_tls = origin->is_implicit_tls;
    conn->is_starttls = origin->is_starttls;
    conn->in = g_byte_array_new();
    conn->out = g_byte_array_new();
    conn->line = g_byte_array_new();
    conn->started = conn->last_active = g_get_monotonic_time();
    conn->events = EPOLLIN;
    hermod_conntrack_add(conn);
    hermod_log(HERMOD_LOG_INFO, conn->session, "connect from %s to %s%s", peer, conn->listener,
               conn->is_implicit_tls ? " (TLS)" : "");
    if (!hermod_loop_add_fd(loop, fd, EPOLLIN, on_io, conn, &error)) {
        hermod_conn_fail(conn, error->message);
    } else if (conn->is_implicit_tls) {
        conn->tls_state = CONN_TLS_WANTED;
    } else {
        conn->is_connected = TRUE;
        hermod_conn_call(conn, conn->proto->on_connect);
    }
    hermod_conn_update(conn);
}

void
hermod_conn_shutdown(HermodConn *conn)
{
    if (hermod_conn_is_closed(conn))
        return;
    if (conn->is_connected)
        hermod_conn_call(conn, conn->proto->on_shutdown);
    hermod_conn_update(conn);
}

void
hermod_conn_kill(HermodConn *conn)
{
    hermod_conn_fail(conn, "closed by the server");
    hermod_conn_update(conn);
}

void
hermod_conn_close(HermodConn *conn)
{
    if (conn->is_closed)
        return;
    conn->is_closing = TRUE;
    kick(conn);
}

/* --- module requests */

void
hermod_conn_want_writable(HermodConn *conn)
{
    conn->wants_writable = TRUE;
    kick(conn);
}

void
hermod_conn_start_tls(HermodConn *conn)
{
    if (hermod_conn_is_closed(conn) || conn->tls_state != CONN_TLS_NONE)
        return;
    if (conn->deflate != NULL) {
        /* TLS must sit below DEFLATE; a module that asks for it the other
         * way round has lost track of its own state. */
        hermod_log(HERMOD_LOG_WARNING, conn->session, "STARTTLS after DEFLATE refused");
        hermod_conn_fail(conn, "STARTTLS after DEFLATE");
        kick(conn);
        return;
    }
    conn->tls_state = CONN_TLS_WANTED;
    conn->tls_mark = conn->out->len;
    hermod_conn_input_discard(conn);
    kick(conn);
}

gboolean
hermod_conn_start_deflate(HermodConn *conn)
{
    if (hermod_conn_is_closed(conn) || conn->deflate != NULL ||
        conn->tls_state == CONN_TLS_WANTED || conn->tls_state == CONN_TLS_HANDSHAKE)
        return FALSE;
    if (!hermod_conn_deflate_begin(conn))
        return FALSE;
    kick(conn); /* input already buffered may now be inflated */
    return TRUE;
}

void
hermod_conn_read_bytes(HermodConn *conn, gsize n)
{
    conn->is_counted = TRUE;
    conn->count_left = n;
    hermod_conn_input_clock_start(conn);
    kick(conn);
}

void
hermod_conn_read_stream(HermodConn *conn)
{
    conn->is_stream = TRUE;
    conn->is_counted = FALSE;
    conn->count_left = 0;
    conn->line_started = 0;
    kick(conn);
}

void
hermod_conn_pause(HermodConn *conn)
{
    conn->is_paused = TRUE;
    kick(conn);
}

void
hermod_conn_resume(HermodConn *conn)
{
    conn->is_paused = FALSE;
    hermod_conn_input_clock_start(conn);
    kick(conn);
}

void
hermod_conn_set_timeout(HermodConn *conn, guint seconds)
{
    conn->timeout = seconds;
    kick(conn);
}

/* --- accessors */

gboolean
hermod_conn_is_closed(HermodConn *conn)
{
    return conn->is_closed || conn->is_closing || conn->is_failed;
}

gboolean
hermod_conn_is_tls(HermodConn *conn)
{
    return conn->tls_state == CONN_TLS_UP;
}

gboolean
hermod_conn_is_implicit_tls(HermodConn *conn)
{
    return conn->is_implicit_tls;
}

gboolean
hermod_conn_may_start_tls(HermodConn *conn)
{
    return conn->is_starttls && conn->tls_state == CONN_TLS_NONE && conn->deflate == NULL;
}

gboolean
hermod_conn_is_deflate(HermodConn *conn)
{
    return conn->deflate != NULL;
}

const char *
hermod_conn_role(HermodConn *conn)
{
    return conn->role;
}

const char *
hermod_conn_peer(HermodConn *conn)
{
    return conn->peer;
}

const char *
hermod_conn_session(HermodConn *conn)
{
    return conn->session;
}

const char *
hermod_conn_tls_info(HermodConn *conn)
{
    return conn->tls_info;
}

void
hermod_conn_set_data(HermodConn *conn, gpointer data)
{
    conn->data = data;
}

gpointer
hermod_conn_get_data(HermodConn *conn)
{
    return conn->data;
}

HermodLoop *
hermod_conn_loop(HermodConn *conn)
{
    return conn->loop;
}

gboolean
hermod_conn_is_trusted(HermodConn *conn)
{
    HermodTrustCheck check = g_atomic_pointer_get(&trust_check);
    return check != NULL && check(conn->peer);
}

/* --- work pool */

typedef struct {
    HermodConn *conn;
    HermodWorkFunc work;
    HermodDoneFunc done;
    gpointer data;
} ConnJob;

static void
job_work(gpointer data)
{
    ConnJob *job = data;

    job->work(job->data);
}

static void
job_done(gpointer data)
{
    ConnJob *job = data;
    HermodConn *conn = job->conn;

    conn->depth++;
    if (job->done != NULL)
        job->done(conn, job->data);
    conn->depth--;
    hermod_conn_update(conn);
    hermod_conn_unref(conn);
    g_free(job);
}

void
hermod_conn_work_run(HermodConn *conn, HermodWorkFunc work, HermodDoneFunc done, gpointer data)
{
    ConnJob *job = g_new(ConnJob, 1);

    job->conn = hermod_conn_ref(conn);
    job->work = work;
    job->done = done;
    job->data = data;
    hermod_workpool_push(conn->loop, job_work, job_done, job);
}

void
hermod_conn_dispatch(HermodConn *conn, HermodDoneFunc fn, gpointer data)
{
    if (conn->is_closed)
        return;
    conn->depth++;
    fn(conn, data);
    conn->depth--;
    hermod_conn_update(conn);
}
