/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * web-accept.c - one thread per listening socket that accepts HTTP
 * connections and hands them to the listener's libmicrohttpd daemon.
 *
 * libmicrohttpd 0.9.75 with a thread pool puts the listening socket in
 * every worker's epoll set, and the worker that wakes first accepts all
 * it can: under wrk every one of 50 connections landed on one worker,
 * so one core served them while the others idled (0.46 involuntary
 * context switches per request on that thread, nginx's workers 0.05).
 * The daemons here run without a listening socket
 * (MHD_USE_NO_LISTEN_SOCKET); this thread accepts and calls
 * MHD_add_connection, which gives the socket to a worker by its number
 * modulo the pool size, so consecutive connections alternate between the
 * workers.  libmicrohttpd still applies its connection and per-IP limits
 * there (and closes a socket it refuses).
 */
#include "autoconfig.h"

#define _GNU_SOURCE 1 /* accept4 */

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "web/web-private.h"

#define TICK_MS 250 /* how soon a stop is seen */

static gint is_stopping;

static void
accept_all(WebListener *l)
{
    for (guint n = 0; n < 256; n++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int fd = accept4(l->sock.fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                hermod_log(HERMOD_LOG_WARNING, NULL, "http: accept on %s: %s", l->sock.endpoint,
                           g_strerror(errno));
                g_usleep(100 * 1000);
            }
            return;
        }
        /* On failure libmicrohttpd has closed fd and logged why. */
        (void)MHD_add_connection(l->mhd, fd, (const struct sockaddr *)&ss, len);
    }
}

static gpointer
acceptor_main(gpointer data)
{
    WebListener *l = data;
    struct pollfd p = {.fd = l->sock.fd, .events = POLLIN};

    while (!g_atomic_int_get(&is_stopping)) {
        if (poll(&p, 1, TICK_MS) > 0)
            accept_all(l);
    }
    return NULL;
}

void
hermod_web_acceptor_start(WebListener *l)
{
    g_atomic_int_set(&is_stopping, FALSE);
    l->acceptor = g_thread_new("hermod-webaccept", acceptor_main, l);
}

void
hermod_web_acceptors_stop(GPtrArray *listeners)
{
    g_atomic_int_set(&is_stopping, TRUE);
    for (guint i = 0; listeners != NULL && i < listeners->len; i++) {
        WebListener *l = listeners->pdata[i];
        if (l->acceptor != NULL)
            g_thread_join(l->acceptor);
        l->acceptor = NULL;
    }
}
