/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * web-tlsio.c - the transport under each HTTPS connection's GnuTLS
 * session: reads ahead, writes a small response as one TLS record (a
 * larger one's header record together with its body), and parks a connection whose TLS handshake
 * waits for the client.
 *
 * libmicrohttpd 0.9.75 gives GnuTLS the bare socket, and GnuTLS reads a
 * record in two recv calls (the 5-byte header, then the rest) and writes
 * each record with its own sendmsg; libmicrohttpd puts the response
 * header block in a record of its own.  The functions here replace
 * GnuTLS's push and pull on the session libmicrohttpd made (public
 * GnuTLS calls on MHD_CONNECTION_INFO_GNUTLS_SESSION, at the connection's
 * start notification):
 *
 * - pull reads up to READ_AHEAD bytes at once and hands them out as GnuTLS
 *   asks, so a small request costs one recv instead of two;
 * - a small response from memory (body up to CORK_MAX) is corked
 *   (gnutls_record_cork) when web-response.c queues it and uncorked when
 *   libmicrohttpd reports it complete, so its header and body go out as
 *   one TLS record in one sendmsg, as nginx sends them, instead of two
 *   records (one more seal here and one more open in the client).  Since
 *   libmicrohttpd believes the response sent, what the socket does not
 *   take in that sendmsg stays held and the park thread below sends it
 *   when the socket is writable again; the next write on the connection
 *   takes it back and sends it first; if libmicrohttpd closes the
 *   connection meanwhile, the park keeps a descriptor of its own (dup)
 *   until the bytes are out, the socket fails, or ORPHAN_SECONDS pass.
 *   libmicrohttpd keeps the socket corked (TCP_CORK) from its first
 *   response on and pushes with TCP_NODELAY before the uncork writes, so
 *   the socket is uncorked once, at the first uncork;
 * - push holds back one write when web-response.c says another response
 *   from memory is being queued: that write is the header record, and the
 *   body record follows at once, so both go out in one sendmsg.  The held
 *   bytes count as sent for GnuTLS; they go out in front of the next
 *   write, which keeps them if the socket takes only part.  Only
 *   responses whose body is in memory and not empty are held, so a body
 *   always follows.
 *
 * Parking.  While a handshake waits for the client, libmicrohttpd 0.9.75
 * with epoll keeps the connection "read ready" (only a record read clears
 * that) and calls gnutls_handshake again at once, a recv returning EAGAIN
 * every few microseconds: one stalled handshake kept a web thread busy
 * until [web] header_timeout.  So when pull finds no data before the
 * handshake is done, it suspends the connection (MHD_suspend_connection,
 * which takes it out of libmicrohttpd's epoll set) and hands the socket
 * to a thread of its own here (the park, which also sends what an
 * uncork left) that waits for it to become readable (or to be shut down
 * by the deadline guard in web-conn.c) and then resumes it.  The handshake is done when the
 * client's Finished is in (a GnuTLS handshake hook); after that, waits are libmicrohttpd's, which
 * handles them.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib/log.h"
#include "web/web-private.h"

#define READ_AHEAD     2048
#define HOLD_MAX       4096
#define CORK_MAX       8192 /* bodies up to this are corked into one record */
#define MAX_IOV        16
#define ORPHAN_SECONDS 30

struct WebTlsIo {
    struct MHD_Connection *mhd; /* NULL once orphaned */
    gnutls_session_t session;
    int fd;
    gboolean is_handshake_done;
    gboolean is_parked;   /* suspended, its socket in the park's epoll set */
    gint is_resuming;     /* resumed, libmicrohttpd has not run it since */
    gboolean hold_next;   /* hold the next write back */
    gboolean is_corked;   /* the session is corked for the queued response */
    gboolean is_flushing; /* in the uncork: keep what the socket refuses */
    gboolean is_tcp_uncorked;
    gint is_draining;   /* the park sends held; park_lock guards held then */
    gboolean is_orphan; /* draining after libmicrohttpd closed; owns fd */
    gint64 orphan_until;
    gsize in_off, in_len; /* read-ahead: in[in_off..in_len) unread */
    gsize held_len;
    guint8 *held; /* bytes counted as sent that the socket has not taken */
    guint8 in[READ_AHEAD];
};

static GMutex park_lock; /* guards every io's is_parked, and the park */
static int park_fd = -1;
static GThread *park_thread;
static GHashTable *parked;   /* WebTlsIo*: suspended for their handshake */
static GHashTable *draining; /* WebTlsIo*: the park sends their held bytes */
static gboolean is_stopping;
static gint n_resuming; /* connections resumed and not yet run again */

/* --- pull */

/* Resume io's connection (park_lock held). */
static void
resume_locked(WebTlsIo *io)
{
    if (g_atomic_int_compare_and_exchange(&io->is_resuming, FALSE, TRUE))
        g_atomic_int_inc(&n_resuming);
    MHD_resume_connection(io->mhd);
}

/* libmicrohttpd runs io's connection again (or closes it). */
static void
resumed(WebTlsIo *io)
{
    if (g_atomic_int_get(&io->is_resuming) &&
        g_atomic_int_compare_and_exchange(&io->is_resuming, TRUE, FALSE))
        g_atomic_int_add(&n_resuming, -1);
}

static void
park(WebTlsIo *io)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = io};

    g_mutex_lock(&park_lock);
    if (park_fd < 0 || is_stopping) {
        g_mutex_unlock(&park_lock);
        return;
    }
    MHD_suspend_connection(io->mhd);
    if (epoll_ctl(park_fd, EPOLL_CTL_ADD, io->fd, &ev) != 0) {
        resume_locked(io);
        g_mutex_unlock(&park_lock);
        return;
    }
    io->is_parked = TRUE;
    g_hash_table_add(parked, io);
    g_mutex_unlock(&park_lock);
}

static ssize_t
pull(gnutls_transport_ptr_t ptr, void *data, size_t len)
{
    WebTlsIo *io = ptr;
    ssize_t n;

    resumed(io);
    if (io->in_off == io->in_len && len < READ_AHEAD) {
        n = recv(io->fd, io->in, READ_AHEAD, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !io->is_handshake_done) {
            park(io);
            errno = EAGAIN;
        }
        if (n <= 0)
            return n;
        io->in_off = 0;
        io->in_len = (gsize)n;
    }
    if (io->in_off < io->in_len) {
        gsize k = MIN(len, io->in_len - io->in_off);
        memcpy(data, io->in + io->in_off, k);
        io->in_off += k;
        return (ssize_t)k;
    }
    n = recv(io->fd, data, len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !io->is_handshake_done) {
        park(io);
        errno = EAGAIN;
    }
    return n;
}

static int
pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
    WebTlsIo *io = ptr;
    struct pollfd p = {.fd = io->fd, .events = POLLIN};

    if (io->in_off < io->in_len)
        return 1;
    return poll(&p, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)ms);
}

/* --- push */

static gsize
iov_total(const giovec_t *iov, int n)
{
    gsize total = 0;

    for (int i = 0; i < n; i++)
        total += iov[i].iov_len;
    return total;
}

/* The bytes of v[0..k) past the first n go to a new io->held (v may
 * point into the old one). */
static void
keep_tail(WebTlsIo *io, const struct iovec *v, int k, gsize n)
{
    gsize len = 0, skip = n, at = 0;
    guint8 *out;

    for (int i = 0; i < k; i++)
        len += v[i].iov_len;
    out = g_malloc(MAX(len - n, HOLD_MAX));
    for (int i = 0; i < k; i++) {
        gsize part = MIN(skip, v[i].iov_len);
        memcpy(out + at, (const guint8 *)v[i].iov_base + part, v[i].iov_len - part);
        at += v[i].iov_len - part;
        skip -= part;
    }
    g_free(io->held);
    io->held = out;
    io->held_len = at;
}

static void
hold(WebTlsIo *io, const giovec_t *iov, int iovcnt)
{
    if (io->held == NULL)
        io->held = g_malloc(HOLD_MAX);
    for (int i = 0; i < iovcnt; i++) {
        memcpy(io->held + io->held_len, iov[i].iov_base, iov[i].iov_len);
        io->held_len += iov[i].iov_len;
    }
}

static void drain_take_back(WebTlsIo *io);

static ssize_t
vec_push(gnutls_transport_ptr_t ptr, const giovec_t *iov, int iovcnt)
{
    WebTlsIo *io = ptr;
    gsize total = iov_total(iov, iovcnt);
    struct iovec v[MAX_IOV + 1];
    struct msghdr msg = {0};
    ssize_t n;
    int k = 0;

    if (g_atomic_int_get(&io->is_draining))
        drain_take_back(io);
    if (io->hold_next && io->held_len == 0 && total <= HOLD_MAX) {
        io->hold_next = FALSE;
        hold(io, iov, iovcnt);
        return (ssize_t)total;
    }
    io->hold_next = FALSE;
    if (io->held_len > 0)
        v[k++] = (struct iovec){.iov_base = io->held, .iov_len = io->held_len};
    for (int i = 0; i < iovcnt && k < MAX_IOV + 1; i++)
        v[k++] = (struct iovec){.iov_base = iov[i].iov_base, .iov_len = iov[i].iov_len};
    msg.msg_iov = v;
    msg.msg_iovlen = (size_t)k;
    n = sendmsg(io->fd, &msg, MSG_NOSIGNAL);
    if (io->is_flushing && (n >= 0 || errno == EAGAIN || errno == EWOULDBLOCK)) {
        /* The uncork's record: what the socket did not take waits in
         * held for the park (hermod_web_tlsio_uncork). */
        keep_tail(io, v, k, n > 0 ? (gsize)n : 0);
        return (ssize_t)total;
    }
    if (n < 0 || io->held_len == 0)
        return n;
    if ((gsize)n < io->held_len) {
        /* Only part of what was held went: keep the rest in front. */
        memmove(io->held, io->held + n, io->held_len - (gsize)n);
        io->held_len -= (gsize)n;
        errno = EAGAIN;
        return -1;
    }
    n -= (ssize_t)io->held_len;
    io->held_len = 0;
    if (n == 0) {
        errno = EAGAIN;
        return -1;
    }
    return n;
}

/* --- the handshake's end */

static int
on_finished(gnutls_session_t session, unsigned int htype, unsigned int when, unsigned int incoming,
            const gnutls_datum_t *msg)
{
    WebTlsIo *io = gnutls_transport_get_ptr(session);

    if (incoming && io != NULL)
        io->is_handshake_done = TRUE;
    return 0;
}

/* --- draining: the park sends what an uncork left (park_lock held) */

static void
drain_end_locked(WebTlsIo *io)
{
    epoll_ctl(park_fd, EPOLL_CTL_DEL, io->fd, NULL);
    g_hash_table_remove(draining, io);
    g_atomic_int_set(&io->is_draining, FALSE);
    if (!io->is_orphan)
        return;
    close(io->fd);
    g_free(io->held);
    g_free(io);
}

/* io's socket is writable: send what is held; a failed socket has
 * nothing more to take either. */
static void
drain_locked(WebTlsIo *io)
{
    ssize_t n = send(io->fd, io->held, io->held_len, MSG_NOSIGNAL);

    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n > 0 && (gsize)n < io->held_len) {
        memmove(io->held, io->held + n, io->held_len - (gsize)n);
        io->held_len -= (gsize)n;
        return;
    }
    io->held_len = 0;
    drain_end_locked(io);
}

/* On io's web thread, after an uncork left bytes held. */
static void
drain_start(WebTlsIo *io)
{
    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = io};

    g_mutex_lock(&park_lock);
    if (park_fd >= 0 && !is_stopping && epoll_ctl(park_fd, EPOLL_CTL_ADD, io->fd, &ev) == 0) {
        g_hash_table_add(draining, io);
        g_atomic_int_set(&io->is_draining, TRUE);
    }
    g_mutex_unlock(&park_lock);
}

/* On io's web thread, about to write: held is its own again, in front
 * of what comes next. */
static void
drain_take_back(WebTlsIo *io)
{
    g_mutex_lock(&park_lock);
    if (g_hash_table_contains(draining, io)) {
        epoll_ctl(park_fd, EPOLL_CTL_DEL, io->fd, NULL);
        g_hash_table_remove(draining, io);
        g_atomic_int_set(&io->is_draining, FALSE);
    }
    g_mutex_unlock(&park_lock);
}

/* libmicrohttpd closes io's connection while the park still sends for
 * it: the park keeps a descriptor of its own and frees io when done. */
static gboolean
orphan_locked(WebTlsIo *io)
{
    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = io};
    int fd = fcntl(io->fd, F_DUPFD_CLOEXEC, 0);

    epoll_ctl(park_fd, EPOLL_CTL_DEL, io->fd, NULL);
    if (fd < 0 || epoll_ctl(park_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        if (fd >= 0)
            close(fd);
        g_hash_table_remove(draining, io);
        return FALSE;
    }
    io->fd = fd;
    io->mhd = NULL;
    io->is_orphan = TRUE;
    io->orphan_until = g_get_monotonic_time() + ORPHAN_SECONDS * G_USEC_PER_SEC;
    return TRUE;
}

/* Orphans whose client has not read for ORPHAN_SECONDS go. */
static void
expire_orphans_locked(gint64 now)
{
    GHashTableIter it;
    gpointer key;
    GPtrArray *late = NULL;

    g_hash_table_iter_init(&it, draining);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        WebTlsIo *io = key;
        if (io->is_orphan && io->orphan_until <= now) {
            if (late == NULL)
                late = g_ptr_array_new();
            g_ptr_array_add(late, io);
        }
    }
    for (guint i = 0; late != NULL && i < late->len; i++)
        drain_end_locked(late->pdata[i]);
    if (late != NULL)
        g_ptr_array_unref(late);
}

/* --- the park's thread */

static void
unpark_locked(WebTlsIo *io)
{
    if (!io->is_parked)
        return;
    epoll_ctl(park_fd, EPOLL_CTL_DEL, io->fd, NULL);
    io->is_parked = FALSE;
    g_hash_table_remove(parked, io);
    resume_locked(io);
}

static gpointer
park_main(gpointer data)
{
    struct epoll_event ev[64];

    for (;;) {
        int n = epoll_wait(park_fd, ev, G_N_ELEMENTS(ev), 500);
        g_mutex_lock(&park_lock);
        if (is_stopping) {
            g_mutex_unlock(&park_lock);
            return NULL;
        }
        /* An event may name an io that went since epoll_wait: only
         * those still in a set are touched. */
        for (int i = 0; i < n; i++) {
            if (g_hash_table_contains(draining, ev[i].data.ptr))
                drain_locked(ev[i].data.ptr);
            else if (g_hash_table_contains(parked, ev[i].data.ptr))
                unpark_locked(ev[i].data.ptr);
        }
        if (g_hash_table_size(draining) > 0)
            expire_orphans_locked(g_get_monotonic_time());
        g_mutex_unlock(&park_lock);
    }
}

void
hermod_web_tlsio_start(void)
{
    g_mutex_lock(&park_lock);
    is_stopping = FALSE;
    if (park_fd < 0)
        park_fd = epoll_create1(EPOLL_CLOEXEC);
    if (parked == NULL)
        parked = g_hash_table_new(NULL, NULL);
    if (draining == NULL)
        draining = g_hash_table_new(NULL, NULL);
    g_mutex_unlock(&park_lock);
    if (park_fd < 0)
        hermod_log(HERMOD_LOG_WARNING, NULL, "http: epoll_create1: %s", g_strerror(errno));
    else if (park_thread == NULL)
        park_thread = g_thread_new("hermod-webpark", park_main, NULL);
}

/* Under park_lock, stopping: let go of every io the park holds. */
static void
release_all_locked(void)
{
    GHashTableIter it;
    gpointer key;

    g_hash_table_iter_init(&it, parked);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        WebTlsIo *io = key;
        epoll_ctl(park_fd, EPOLL_CTL_DEL, io->fd, NULL);
        io->is_parked = FALSE;
        resume_locked(io);
        g_hash_table_iter_remove(&it);
    }
    while (g_hash_table_size(draining) > 0) {
        g_hash_table_iter_init(&it, draining);
        g_hash_table_iter_next(&it, &key, NULL);
        drain_end_locked(key);
    }
}

void
hermod_web_tlsio_stop(void)
{
    if (park_thread == NULL)
        return;
    g_mutex_lock(&park_lock);
    is_stopping = TRUE;
    release_all_locked();
    g_mutex_unlock(&park_lock);
    g_thread_join(park_thread);
    park_thread = NULL;
    close(park_fd);
    park_fd = -1;
    /* libmicrohttpd must not stop with a connection suspended: wait (3 s
     * at most) until the web threads have run every resumed one. */
    for (guint i = 0; i < 300 && g_atomic_int_get(&n_resuming) > 0; i++)
        g_usleep(10 * 1000);
}

/* --- a connection's io */

WebTlsIo *
hermod_web_tlsio_attach(struct MHD_Connection *connection, int fd)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    gnutls_session_t session = info != NULL ? (gnutls_session_t)info->tls_session : NULL;
    WebTlsIo *io;

    if (session == NULL || fd < 0)
        return NULL;
    io = g_new0(WebTlsIo, 1);
    io->mhd = connection;
    io->session = session;
    io->fd = fd;
    gnutls_transport_set_ptr(session, io);
    gnutls_transport_set_pull_function(session, pull);
    gnutls_transport_set_pull_timeout_function(session, pull_timeout);
    gnutls_transport_set_vec_push_function(session, vec_push);
    gnutls_handshake_set_hook_function(session, GNUTLS_HANDSHAKE_FINISHED, GNUTLS_HOOK_POST,
                                       on_finished);
    return io;
}

void
hermod_web_tlsio_hold_next(WebTlsIo *io)
{
    if (io != NULL && io->is_handshake_done)
        io->hold_next = TRUE;
}

gboolean
hermod_web_tlsio_cork(WebTlsIo *io, gsize body_len)
{
    if (io == NULL || !io->is_handshake_done || body_len > CORK_MAX ||
        g_atomic_int_get(&io->is_draining) || park_fd < 0)
        return FALSE;
    gnutls_record_cork(io->session);
    io->is_corked = TRUE;
    return TRUE;
}

/* libmicrohttpd corks the socket (TCP_CORK) before the first response
 * header it sends and keeps it corked, pushing each response with
 * TCP_NODELAY before the uncork below has written it: the socket must
 * not hold the record back. */
static void
tcp_uncork(WebTlsIo *io)
{
    int off = 0;

    if (io->is_tcp_uncorked)
        return;
    io->is_tcp_uncorked = TRUE;
    (void)setsockopt(io->fd, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
}

void
hermod_web_tlsio_uncork(WebTlsIo *io)
{
    int rc;

    if (io == NULL || !io->is_corked)
        return;
    io->is_corked = FALSE;
    tcp_uncork(io);
    io->is_flushing = TRUE;
    rc = gnutls_record_uncork(io->session, 0);
    io->is_flushing = FALSE;
    if (rc < 0)
        hermod_log(HERMOD_LOG_INFO, NULL, "http: TLS send: %s", gnutls_strerror(rc));
    if (io->held_len > 0)
        drain_start(io);
}

void
hermod_web_tlsio_free(WebTlsIo *io)
{
    /* Never parked here: libmicrohttpd does not close a suspended
     * connection, and the park lets go of one before it resumes it. */
    if (io == NULL)
        return;
    resumed(io);
    if (g_atomic_int_get(&io->is_draining)) {
        gboolean is_kept;
        g_mutex_lock(&park_lock);
        is_kept = g_hash_table_contains(draining, io) && orphan_locked(io);
        g_mutex_unlock(&park_lock);
        if (is_kept)
            return;
    }
    g_free(io->held);
    g_free(io);
}
