/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * listener.c - listening sockets from [listener NAME] sections, and the
 * [limits] that apply to their connections.
 *
 * Binds every enabled listener (as root if need be, before privileges are
 * dropped), attaches the protocol a module registers, and once started
 * accepts on the loops: each new socket is checked against the connection
 * caps (conntrack.c), then handed to the next loop, where conn.c takes it
 * over.  Their settings tables are in net-settings.c.  It does not read
 * or write client data.
 */
#include "autoconfig.h"

#define _GNU_SOURCE 1 /* accept4 */

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "net/conn-private.h"
#include "net/conntrack.h"
#include "net/listener.h"
#include "lib/log.h"
#include "lib/netaddr.h"

#define ACCEPT_BUDGET  64
#define LISTEN_BACKLOG 511
/* After EMFILE and friends, stop accepting this long (milliseconds). */
#define ACCEPT_PAUSE_MS 1000

typedef struct Listener Listener;

typedef struct {
    Listener *listener;
    int fd;
    HermodLoop *loop; /* the loop that accepts, once started */
    guint pause_timer;
    char *endpoint; /* "127.0.0.1:143" */
} ListenFd;

struct Listener {
    char *name;
    char *protocol;
    char *role;
    char *addresses; /* for the log: "127.0.0.1:143 [::1]:143", once bound */
    gboolean is_implicit_tls;
    gboolean is_starttls;
    gboolean is_taken; /* its sockets belong to another server */
    guint16 port;
    const HermodProtocol *proto;
    GPtrArray *fds; /* ListenFd* */
};

static GPtrArray *listeners; /* Listener*, the ones bound */
/* Listeners from an earlier bind: kept, since a connection being created
 * may still point at one. */
static GPtrArray *retired;

/* --- binding */

static int
bind_address(const char *address, guint16 port, guint16 *out_port, GError **error)
{
    g_autoptr(GInetAddress) ia = g_inet_address_new_from_string(address);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int one = 1;

    if (ia == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s is not an IP address",
                    address);
        return -1;
    }
    g_autoptr(GSocketAddress) sa = g_inet_socket_address_new(ia, port);
    g_socket_address_to_native(sa, &ss, sizeof ss, NULL);
    len = (socklen_t)g_socket_address_get_native_size(sa);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        (ss.ss_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) ||
        bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, LISTEN_BACKLOG) < 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
        int saved = errno;
        if (fd >= 0)
            close(fd);
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "%s port %u: %s", address,
                    port, g_strerror(saved));
        return -1;
    }
    *out_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

static void
listen_fd_free(gpointer data)
{
    ListenFd *lf = data;

    g_free(lf->endpoint);
    g_free(lf);
}

static void
listener_close_fds(Listener *l)
{
    for (guint i = 0; i < l->fds->len; i++) {
        ListenFd *lf = l->fds->pdata[i];
        if (lf->fd >= 0)
            close(lf->fd);
        lf->fd = -1;
    }
}

/* "127.0.0.1:143 [::1]:143" (port: the one bound, also for port = 0).
 * (transfer full) */
static char *
endpoints(const char *const *addresses, guint16 port)
{
    GString *out = g_string_new(NULL);

    for (const char *const *a = addresses; *a != NULL; a++) {
        gboolean is_v6 = strchr(*a, ':') != NULL;
        g_string_append_printf(out, "%s%s%s%s:%u", out->len > 0 ? " " : "", is_v6 ? "[" : "", *a,
                               is_v6 ? "]" : "", port);
    }
    return g_string_free(out, FALSE);
}

static Listener *
listener_new(HermodConfig *cfg, const char *name, const char *section, GError **error)
{
    Listener *l = g_new0(Listener, 1);

    l->name = g_strdup(name);
    l->protocol = g_strdup(hermod_config_string(cfg, section, "protocol"));
    l->role = g_strdup(hermod_config_string(cfg, section, "role"));
    l->is_implicit_tls = g_strcmp0(hermod_config_string(cfg, section, "tls"), "implicit") == 0;
    l->is_starttls = g_strcmp0(hermod_config_string(cfg, section, "tls"), "starttls") == 0;
    l->fds = g_ptr_array_new_with_free_func(listen_fd_free);
    if (l->protocol == NULL || *l->protocol == '\0' ||
        hermod_config_string(cfg, section, "port") == NULL) {
        g_set_error(error, HERMOD_CONFIG_ERROR, HERMOD_CONFIG_ERROR_BAD_VALUE,
                    "%s: [%s] needs protocol and port", hermod_config_file(cfg), section);
        return l;
    }
    l->port = (guint16)hermod_config_int(cfg, section, "port");
    for (const char *const *a = hermod_config_list(cfg, section, "address"); *a != NULL; a++) {
        g_autoptr(GError) local = NULL;
        int fd = bind_address(*a, l->port, &l->port, &local);
        if (fd < 0) {
            g_set_error(error, local->domain, local->code, "listener %s: %s", name, local->message);
            return l;
        }
        ListenFd *lf = g_new0(ListenFd, 1);
        const char *one[] = {*a, NULL};
        lf->listener = l;
        lf->fd = fd;
        lf->endpoint = endpoints(one, l->port);
        g_ptr_array_add(l->fds, lf);
    }
    l->addresses = endpoints(hermod_config_list(cfg, section, "address"), l->port);
    return l;
}

static void
read_limits(HermodConfig *cfg)
{
    HermodConnLimits limits = {
        .line_max = (gsize)hermod_config_int(cfg, "limits", "line_max"),
        .idle_timeout = (guint)hermod_config_int(cfg, "limits", "idle_timeout"),
        .handshake_timeout = (guint)hermod_config_int(cfg, "limits", "handshake_timeout"),
        .line_timeout = (guint)hermod_config_int(cfg, "limits", "line_timeout"),
        .data_min_rate = (gsize)hermod_config_int(cfg, "limits", "data_min_rate"),
        .data_grace = (guint)hermod_config_int(cfg, "limits", "data_grace"),
    };

    hermod_conn_set_limits(&limits);
    hermod_conntrack_set_caps((guint)hermod_config_int(cfg, "limits", "max_connections"),
                              (guint)hermod_config_int(cfg, "limits", "max_connections_per_ip"));
}

gboolean
hermod_listeners_bind(HermodConfig *cfg, GError **error)
{
    if (retired == NULL)
        retired = g_ptr_array_new();
    if (listeners != NULL) {
        hermod_listeners_stop();
        g_ptr_array_extend_and_steal(retired, listeners);
    }
    listeners = g_ptr_array_new();
    read_limits(cfg);
    for (const char *const *n = hermod_config_named(cfg, "listener"); *n != NULL; n++) {
        g_autofree char *section = g_strdup_printf("listener %s", *n);
        if (!hermod_config_bool(cfg, section, "enabled"))
            continue;
        g_autoptr(GError) local = NULL;
        Listener *l = listener_new(cfg, *n, section, &local);
        g_ptr_array_add(listeners, l);
        if (local != NULL) {
            g_propagate_error(error, g_steal_pointer(&local));
            hermod_listeners_stop();
            return FALSE;
        }
    }
    return TRUE;
}

guint
hermod_listeners_attach(const char *name, const HermodProtocol *proto)
{
    guint n = 0;

    for (guint i = 0; listeners != NULL && i < listeners->len; i++) {
        Listener *l = listeners->pdata[i];
        if (g_strcmp0(l->protocol, name) == 0) {
            l->proto = proto;
            n++;
        }
    }
    return n;
}

gboolean
hermod_listeners_check_attached(GError **error)
{
    for (guint i = 0; listeners != NULL && i < listeners->len; i++) {
        Listener *l = listeners->pdata[i];
        if (l->proto == NULL && !l->is_taken) {
            g_set_error(error, HERMOD_CONFIG_ERROR, HERMOD_CONFIG_ERROR_BAD_VALUE,
                        "listener %s: no loaded module provides protocol %s", l->name, l->protocol);
            return FALSE;
        }
    }
    return TRUE;
}

GArray *
hermod_listeners_take(const char *protocol)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(HermodListenSocket));

    for (guint i = 0; listeners != NULL && i < listeners->len; i++) {
        Listener *l = listeners->pdata[i];
        if (l->is_taken || g_strcmp0(l->protocol, protocol) != 0)
            continue;
        l->is_taken = TRUE;
        for (guint j = 0; j < l->fds->len; j++) {
            ListenFd *lf = l->fds->pdata[j];
            HermodListenSocket s = {
                .listener = l->name,
                .role = l->role,
                .endpoint = lf->endpoint,
                .is_implicit_tls = l->is_implicit_tls,
                .port = l->port,
                .fd = lf->fd,
            };
            lf->fd = -1;
            g_array_append_val(out, s);
        }
    }
    return out;
}

guint16
hermod_listener_port(const char *name)
{
    for (guint i = 0; listeners != NULL && i < listeners->len; i++) {
        Listener *l = listeners->pdata[i];
        if (g_strcmp0(l->name, name) == 0)
            return l->port;
    }
    return 0;
}

/* --- accepting */

typedef struct {
    int fd;
    char *peer;
    Listener *listener;
} NewConn;

static void
new_conn_on_loop(gpointer data)
{
    NewConn *nc = data;
    HermodConnOrigin origin = {
        .listener = nc->listener->name,
        .proto = nc->listener->proto,
        .role = nc->listener->role,
        .is_implicit_tls = nc->listener->is_implicit_tls,
        .is_starttls = nc->listener->is_starttls,
        .protocol = nc->listener->protocol,
    };

    hermod_conn_new(hermod_loop_current(), nc->fd, nc->peer, &origin);
    g_free(nc->peer);
    g_free(nc);
}

static void on_accept(int fd, guint32 events, gpointer data);

static void
accept_resume(gpointer data)
{
    ListenFd *lf = data;
    g_autoptr(GError) error = NULL;

    lf->pause_timer = 0;
    if (lf->fd >= 0 && !hermod_loop_add_fd(lf->loop, lf->fd, EPOLLIN, on_accept, lf, &error))
        hermod_log(HERMOD_LOG_ERROR, NULL, "listener %s: %s", lf->listener->name, error->message);
}

/* Out of descriptors or memory: the socket stays readable, so stop
 * watching it for a moment instead of spinning. */
static void
accept_pause(ListenFd *lf, int err)
{
    hermod_log(HERMOD_LOG_WARNING, NULL, "listener %s: accept: %s; pausing", lf->listener->name,
               g_strerror(err));
    hermod_loop_del_fd(lf->loop, lf->fd);
    lf->pause_timer = hermod_loop_timer_add(lf->loop, ACCEPT_PAUSE_MS, accept_resume, lf);
}

/* Replies leave as soon as they are written: the core already writes each
 * reply whole (conn.c buffers until the module's callback returns), so
 * Nagle's algorithm only ever held back the tail of a reply longer than a
 * segment until the client's delayed ACK, ~40 ms per such reply for a
 * client that waits for each answer (FETCH 1:*, RETR). */
static void
no_delay(int fd, const struct sockaddr *sa)
{
    int one = 1;

    if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* A refused client hears why, in its protocol's words (busy_reply, ABI
 * 1.5), when the listener speaks plain text first: one non-blocking send
 * into a fresh socket's empty buffer, never a wait.  An implicit-TLS
 * listener's client would read it as a broken handshake: closed quietly. */
static void
say_busy(const Listener *l, int fd)
{
    const char *reply = l->proto != NULL ? l->proto->busy_reply : NULL;

    if (reply != NULL && !l->is_implicit_tls)
        (void)send(fd, reply, strlen(reply), MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void
accept_one(ListenFd *lf, int cfd, const struct sockaddr *sa, socklen_t len)
{
    g_autofree char *peer = hermod_netaddr_to_string(sa, len);
    const char *why = NULL;

    if (!hermod_conntrack_admit(peer, &why)) {
        hermod_log(HERMOD_LOG_NOTICE, NULL, "listener %s: refused %s: %s reached",
                   lf->listener->name, peer, why);
        say_busy(lf->listener, cfd);
        close(cfd);
        return;
    }
    no_delay(cfd, sa);
    NewConn *nc = g_new(NewConn, 1);
    nc->fd = cfd;
    nc->peer = g_steal_pointer(&peer);
    nc->listener = lf->listener;
    hermod_loop_post(hermod_loops_next(), new_conn_on_loop, nc);
}

static void
on_accept(int fd, guint32 events, gpointer data)
{
    ListenFd *lf = data;

    for (guint i = 0; i < ACCEPT_BUDGET; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int cfd = accept4(fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd >= 0) {
            accept_one(lf, cfd, (struct sockaddr *)&ss, len);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
            continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
            accept_pause(lf, errno);
        else if (errno != EAGAIN && errno != EWOULDBLOCK)
            hermod_log(HERMOD_LOG_ERROR, NULL, "listener %s: accept: %s", lf->listener->name,
                       g_strerror(errno));
        return;
    }
}

/* --- running a function on a loop and waiting for it */

typedef struct {
    GMutex lock;
    GCond cond;
    gboolean is_done;
    ListenFd *lf;
    GError *error;
} Call;

static void
call_done(Call *call)
{
    g_mutex_lock(&call->lock);
    call->is_done = TRUE;
    g_cond_signal(&call->cond);
    g_mutex_unlock(&call->lock);
}

static void
watch_on_loop(gpointer data)
{
    Call *call = data;

    hermod_loop_add_fd(call->lf->loop, call->lf->fd, EPOLLIN, on_accept, call->lf, &call->error);
    call_done(call);
}

static void
unwatch_on_loop(gpointer data)
{
    Call *call = data;
    ListenFd *lf = call->lf;

    if (lf->pause_timer != 0)
        hermod_loop_timer_cancel(lf->loop, lf->pause_timer);
    lf->pause_timer = 0;
    hermod_loop_del_fd(lf->loop, lf->fd);
    call_done(call);
}

static gboolean
run_on_loop(ListenFd *lf, HermodLoopFunc fn, GError **error)
{
    Call call = {.lf = lf};

    g_mutex_init(&call.lock);
    g_cond_init(&call.cond);
    hermod_loop_post(lf->loop, fn, &call);
    g_mutex_lock(&call.lock);
    while (!call.is_done)
        g_cond_wait(&call.cond, &call.lock);
    g_mutex_unlock(&call.lock);
    g_mutex_clear(&call.lock);
    g_cond_clear(&call.cond);
    if (call.error == NULL)
        return TRUE;
    g_propagate_error(error, call.error);
    return FALSE;
}

gboolean
hermod_listeners_start(GError **error)
{
    for (guint i = 0; listeners != NULL && i < listeners->len; i++) {
        Listener *l = listeners->pdata[i];
        if (l->is_taken)
            continue; /* another server accepts and logs it */
        for (guint j = 0; j < l->fds->len; j++) {
            ListenFd *lf = l->fds->pdata[j];
            if (lf->loop != NULL)
                continue; /* already accepting */
            lf->loop = hermod_loops_next();
            if (!run_on_loop(lf, watch_on_loop, error)) {
                lf->loop = NULL;
                return FALSE;
            }
        }
        /* One line per listener, once it accepts: "listening: NAME PROTOCOL
         * ADDRESS:PORT..." (scripts and the integration tests wait for it). */
        hermod_log(HERMOD_LOG_NOTICE, NULL, "listening: %s %s %s%s", l->name, l->protocol,
                   l->addresses, l->is_implicit_tls ? " (implicit TLS)" : "");
    }
    return TRUE;
}

void
hermod_listeners_stop(void)
{
    for (guint i = 0; listeners != NULL && i < listeners->len; i++) {
        Listener *l = listeners->pdata[i];
        for (guint j = 0; j < l->fds->len; j++) {
            ListenFd *lf = l->fds->pdata[j];
            if (lf->loop != NULL && lf->fd >= 0)
                run_on_loop(lf, unwatch_on_loop, NULL);
        }
        listener_close_fds(l);
    }
}
