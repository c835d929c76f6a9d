/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * web-conn.c - one HTTP client connection as the core tracks it, and the
 * guard that drops clients too slow with their headers or body.
 *
 * libmicrohttpd's own timeout is an idle timeout: any byte resets it, so
 * a client sending one header byte every few seconds would hold its
 * connection for ever.  Each connection here has a deadline instead: the
 * request line and headers must be in within [web] header_timeout of the
 * connection's start (TLS handshake included) or of the previous
 * response, the body within [web] body_timeout of the headers.  A guard
 * thread looks at every connection twice a second and shuts down the
 * socket of one past its deadline; libmicrohttpd then sees the end of the
 * stream on its own thread and closes the connection as usual.  The
 * socket is shut down only under the lock that the close notification
 * takes, and libmicrohttpd calls that notification before it closes the
 * descriptor, so the guard never touches a reused descriptor.
 *
 * While a request waits for the work pool or streams its response there
 * is no deadline: the server is the slow one then.
 *
 * Every connection gets TCP_NODELAY at its start, as the core's own
 * connections do.  libmicrohttpd 0.9.75 sets it only for its responses,
 * so a TLS 1.3 handshake that needs a HelloRetryRequest (the server's
 * ChangeCipherSpec, then its flight while that is unacknowledged) waited
 * for the client's delayed ACK: 40-50 ms for a third to half of new HTTPS
 * connections in web-bench's bystander.
 */
#include "autoconfig.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "lib/log.h"
#include "lib/netaddr.h"
#include "lib/stats.h"
#include "web/web-private.h"

#define GUARD_TICK_MS 500

struct WebConn {
    char *session;
    char *peer;
    int fd;
    gint64 deadline; /* monotonic microseconds; 0: none */
    const char *phase;
    const char *protocol; /* "http", "https": metrics */
    gboolean is_dropped;
    WebTlsIo *tls; /* HTTPS: the session's transport, or NULL */
};

static GMutex lock;       /* guards conns, every WebConn's deadline, and the guard */
static GHashTable *conns; /* WebConn* */
static GThread *guard;
static GCond wake;
static gboolean is_stopping;

static guint
timeout_of(gboolean is_body)
{
    WebSettings *s = hermod_web_settings_get();
    guint t = is_body ? s->body_timeout : s->header_timeout;

    hermod_web_settings_unref(s);
    return t;
}

static void
set_deadline(WebConn *c, const char *phase, guint seconds)
{
    g_mutex_lock(&lock);
    c->phase = phase;
    c->deadline = seconds > 0 ? g_get_monotonic_time() + (gint64)seconds * G_USEC_PER_SEC : 0;
    g_mutex_unlock(&lock);
}

static WebConn *
conn_new(struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *fd =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *addr =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    WebConn *c = g_new0(WebConn, 1);

    c->session = hermod_log_session_new();
    c->fd = fd != NULL ? fd->connect_fd : -1;
    if (c->fd >= 0) {
        int one = 1;
        (void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    c->peer = addr != NULL && addr->client_addr != NULL
                  ? hermod_netaddr_to_string(addr->client_addr, sizeof(struct sockaddr_storage))
                  : g_strdup("unknown");
    return c;
}

void
hermod_web_conn_notify(void *cls, struct MHD_Connection *connection, void **socket_context,
                       enum MHD_ConnectionNotificationCode toe)
{
    WebConn *c = *socket_context;

    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        c = conn_new(connection);
        *socket_context = c;
        c->phase = "headers";
        c->deadline = g_get_monotonic_time() + (gint64)timeout_of(FALSE) * G_USEC_PER_SEC;
        g_mutex_lock(&lock);
        if (conns == NULL)
            conns = g_hash_table_new(NULL, NULL);
        g_hash_table_add(conns, c);
        g_mutex_unlock(&lock);
        c->protocol = ((const WebListener *)cls)->is_https ? "https" : "http";
        if (((const WebListener *)cls)->is_https)
            c->tls = hermod_web_tlsio_attach(connection, c->fd);
        hermod_stats_add("hermod_connections", c->protocol, 1);
        hermod_stats_add("hermod_connections_total", c->protocol, 1);
        return;
    }
    if (c == NULL)
        return;
    g_mutex_lock(&lock);
    g_hash_table_remove(conns, c);
    g_mutex_unlock(&lock);
    hermod_stats_add("hermod_connections", c->protocol, -1);
    *socket_context = NULL;
    hermod_web_tlsio_free(c->tls);
    g_free(c->session);
    g_free(c->peer);
    g_free(c);
}

WebConn *
hermod_web_conn_of(struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return info != NULL ? info->socket_context : NULL;
}

const char *
hermod_web_conn_session(WebConn *conn)
{
    return conn != NULL ? conn->session : "-";
}

const char *
hermod_web_conn_peer(WebConn *conn)
{
    return conn != NULL ? conn->peer : "unknown";
}

void
hermod_web_conn_hold_header(WebConn *conn)
{
    if (conn != NULL)
        hermod_web_tlsio_hold_next(conn->tls);
}

void
hermod_web_conn_headers_done(WebConn *conn, gboolean has_body)
{
    if (conn != NULL)
        set_deadline(conn, "body", has_body ? timeout_of(TRUE) : 0);
}

void
hermod_web_conn_body_done(WebConn *conn)
{
    if (conn != NULL)
        set_deadline(conn, NULL, 0);
}

void
hermod_web_conn_request_done(WebConn *conn, const WebSettings *s, gint64 now)
{
    guint t;

    if (conn == NULL)
        return;
    t = s != NULL ? s->header_timeout : timeout_of(FALSE);
    g_mutex_lock(&lock);
    conn->phase = "headers";
    conn->deadline = now + (gint64)t * G_USEC_PER_SEC;
    g_mutex_unlock(&lock);
}

/* Under lock: shut down every connection past its deadline. */
static void
drop_late(gint64 now)
{
    GHashTableIter it;
    gpointer key;

    g_hash_table_iter_init(&it, conns);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        WebConn *c = key;
        if (c->deadline == 0 || c->deadline > now || c->is_dropped || c->fd < 0)
            continue;
        c->is_dropped = TRUE;
        hermod_log(HERMOD_LOG_INFO, c->session, "http %s: dropped: %s not complete in time",
                   c->peer, c->phase);
        shutdown(c->fd, SHUT_RDWR);
    }
}

static gpointer
guard_thread(gpointer data)
{
    g_mutex_lock(&lock);
    while (!is_stopping) {
        gint64 until = g_get_monotonic_time() + GUARD_TICK_MS * 1000;
        g_cond_wait_until(&wake, &lock, until);
        if (conns != NULL)
            drop_late(g_get_monotonic_time());
        g_mutex_unlock(&lock);
        hermod_web_sse_tick();
        g_mutex_lock(&lock);
    }
    g_mutex_unlock(&lock);
    return NULL;
}

void
hermod_web_guard_start(void)
{
    g_mutex_lock(&lock);
    is_stopping = FALSE;
    if (conns == NULL)
        conns = g_hash_table_new(NULL, NULL);
    g_mutex_unlock(&lock);
    if (guard == NULL)
        guard = g_thread_new("hermod-webguard", guard_thread, NULL);
}

void
hermod_web_guard_stop(void)
{
    if (guard == NULL)
        return;
    g_mutex_lock(&lock);
    is_stopping = TRUE;
    g_cond_signal(&wake);
    g_mutex_unlock(&lock);
    g_thread_join(guard);
    guard = NULL;
}
