/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * web-tlsio.c - the transport under each HTTPS connection's GnuTLS
 * session: reads ahead, writes a response's header record together with
 * its body, and parks a connection whose TLS handshake waits for the
 * client.
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
 * - push holds back one write when web-response.c says a response from
 *   memory is being queued: that write is the header record, and the body
 *   record follows at once, so both go out in one sendmsg (and one TCP
 *   segment for a small page).  The held bytes count as sent for GnuTLS;
 *   they go out in front of the next write, which keeps them if the socket
 *   takes only part.  Only responses whose body is in memory and not empty
 *   are held, so a body always follows.
 *
 * Parking.  While a handshake waits for the client, libmicrohttpd 0.9.75
 * with epoll keeps the connection "read ready" (only a record read clears
 * that) and calls gnutls_handshake again at once, a recv returning EAGAIN
 * every few microseconds: one stalled handshake kept a web thread busy
 * until [web] header_timeout.  So when pull finds no data before the
 * handshake is done, it suspends the connection (MHD_suspend_connection,
 * which takes it out of libmicrohttpd's epoll set) and hands the socket
 * to a thread of its own here that waits for it to become readable (or
 * to be shut down by the deadline guard in web-conn.c) and then resumes
 * it.  The handshake is done when the client's Finished is in (a GnuTLS
 * handshake hook); after that, waits are libmicrohttpd's, which handles
 * them.
 */
#include "autoconfig.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib/log.h"
#include "web/web-private.h"

#define READ_AHEAD 2048
#define HOLD_MAX   4096
#define MAX_IOV    16

struct WebTlsIo {
    struct MHD_Connection *mhd;
    int fd;
    gboolean is_handshake_done;
    gboolean is_parked;   /* suspended, its socket in the park's epoll set */
    gint is_resuming;     /* resumed, libmicrohttpd has not run it since */
    gboolean hold_next;   /* hold the next write back */
    gsize in_off, in_len; /* read-ahead: in[in_off..in_len) unread */
    gsize held_len;
    guint8 *held; /* HOLD_MAX bytes, made when first needed */
    guint8 in[READ_AHEAD];
};

static GMutex park_lock; /* guards every io's is_parked, and the park */
static int park_fd = -1;
static GThread *park_thread;
static GHashTable *parked; /* WebTlsIo* */
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

static ssize_t
vec_push(gnutls_transport_ptr_t ptr, const giovec_t *iov, int iovcnt)
{
    WebTlsIo *io = ptr;
    gsize total = iov_total(iov, iovcnt);
    struct iovec v[MAX_IOV + 1];
    struct msghdr msg = {0};
    ssize_t n;
    int k = 0;

    if (io->hold_next && io->held_len == 0 && total <= HOLD_MAX) {
        io->hold_next = FALSE;
        if (io->held == NULL)
            io->held = g_malloc(HOLD_MAX);
        for (int i = 0; i < iovcnt; i++) {
            memcpy(io->held + io->held_len, iov[i].iov_base, iov[i].iov_len);
            io->held_len += iov[i].iov_len;
        }
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
        for (int i = 0; i < n; i++)
            unpark_locked(ev[i].data.ptr);
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
    g_mutex_unlock(&park_lock);
    if (park_fd < 0)
        hermod_log(HERMOD_LOG_WARNING, NULL, "http: epoll_create1: %s", g_strerror(errno));
    else if (park_thread == NULL)
        park_thread = g_thread_new("hermod-webpark", park_main, NULL);
}

void
hermod_web_tlsio_stop(void)
{
    GHashTableIter it;
    gpointer key;
    if (park_thread == NULL)
        return;
    g_mutex_lock(&park_lock);
    is_stopping = TRUE;
    g_hash_table_iter_init(&it, parked);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        WebTlsIo *io = key;
        epoll_ctl(park_fd, EPOLL_CTL_DEL, io->fd, NULL);
        io->is_parked = FALSE;
        resume_locked(io);
        g_hash_table_iter_remove(&it);
    }
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

void
hermod_web_tlsio_free(WebTlsIo *io)
{
    /* Never parked here: libmicrohttpd does not close a suspended
     * connection, and the park lets go of one before it resumes it. */
    if (io == NULL)
        return;
    resumed(io);
    g_free(io->held);
    g_free(io);
}
