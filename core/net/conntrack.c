/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * conntrack.c - the table of live connections.
 *
 * Counts connections in total and per peer address so that accept can
 * enforce [limits] max_connections and max_connections_per_ip before a
 * connection object exists, and keeps the set of live connections that
 * hermod_conns_drain (declared in listener.h) walks at shutdown.  Counting
 * starts at admit (on the accepting loop) and ends when the connection
 * closes (on its own loop), so one mutex guards everything.
 *
 * Only live connections count against max_connections_per_ip: a client
 * that reconnects for every message (Postfix's smtp-source, many scripts)
 * has often closed its last connection before that connection's loop has
 * read the EOF.  At the cap, admit asks the kernel whether the peer has
 * already hung up on each of the address's connections (POLLRDHUP) and
 * does not count those.  A connection leaves the table before its socket
 * is closed (conn.c), so every descriptor looked at here is still its own.
 */
#define _GNU_SOURCE 1 /* POLLRDHUP */
#include "autoconfig.h"

#include <poll.h>
#include <string.h>

#include "net/conn-private.h"
#include "net/conntrack.h"
#include "net/listener.h"
#include "lib/log.h"
#include "lib/stats.h"

static GMutex lock;
static GCond changed;
static guint max_total;
static guint max_per_ip;
static guint total;
static GHashTable *per_ip; /* ip (owned) -> count */
static GHashTable *live;   /* HermodConn* (a reference) */

void
hermod_conntrack_set_caps(guint total_cap, guint per_ip_cap)
{
    g_mutex_lock(&lock);
    max_total = total_cap;
    max_per_ip = per_ip_cap;
    g_mutex_unlock(&lock);
}

/* Lock held.  Connections from ip whose peer has already closed. */
static guint
hung_up_locked(const char *ip)
{
    GHashTableIter it;
    gpointer key;
    guint n = 0;

    g_hash_table_iter_init(&it, live);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        HermodConn *conn = key;
        struct pollfd p = {.fd = conn->fd, .events = POLLRDHUP};
        if (conn->fd >= 0 && strcmp(conn->peer, ip) == 0 && poll(&p, 1, 0) == 1 &&
            (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0)
            n++;
    }
    return n;
}

gboolean
hermod_conntrack_admit(const char *ip, const char **out_why)
{
    gboolean ok = FALSE;

    g_mutex_lock(&lock);
    if (per_ip == NULL) {
        per_ip = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        live = g_hash_table_new(NULL, NULL);
    }
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(per_ip, ip));
    if (max_total != 0 && total >= max_total) {
        *out_why = "max_connections";
    } else if (max_per_ip != 0 && n >= max_per_ip && n - hung_up_locked(ip) >= max_per_ip) {
        *out_why = "max_connections_per_ip";
    } else {
        g_hash_table_insert(per_ip, g_strdup(ip), GUINT_TO_POINTER(n + 1));
        total++;
        ok = TRUE;
    }
    g_mutex_unlock(&lock);
    return ok;
}

static void
release_locked(const char *ip)
{
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(per_ip, ip));

    if (n <= 1)
        g_hash_table_remove(per_ip, ip);
    else
        g_hash_table_insert(per_ip, g_strdup(ip), GUINT_TO_POINTER(n - 1));
    total--;
    g_cond_broadcast(&changed);
}

void
hermod_conntrack_release(const char *ip)
{
    g_mutex_lock(&lock);
    release_locked(ip);
    g_mutex_unlock(&lock);
}

void
hermod_conntrack_add(HermodConn *conn)
{
    g_mutex_lock(&lock);
    g_hash_table_add(live, hermod_conn_ref(conn));
    g_mutex_unlock(&lock);
    hermod_stats_add("hermod_connections", conn->protocol, 1);
    hermod_stats_add("hermod_connections_total", conn->protocol, 1);
}

void
hermod_conntrack_remove(HermodConn *conn)
{
    g_mutex_lock(&lock);
    gboolean was_live = g_hash_table_remove(live, conn);
    release_locked(conn->peer);
    g_mutex_unlock(&lock);
    if (was_live) {
        hermod_stats_add("hermod_connections", conn->protocol, -1);
        hermod_conn_unref(conn);
    }
}

guint
hermod_conntrack_count(void)
{
    g_mutex_lock(&lock);
    guint n = total;
    g_mutex_unlock(&lock);
    return n;
}

static void
shutdown_on_loop(gpointer data)
{
    hermod_conn_shutdown(data);
    hermod_conn_unref(data);
}

static void
kill_on_loop(gpointer data)
{
    hermod_conn_kill(data);
    hermod_conn_unref(data);
}

/* Post fn to every live connection's loop, with a reference each. */
static void
post_each(HermodLoopFunc fn)
{
    g_mutex_lock(&lock);
    if (live != NULL) {
        GHashTableIter iter;
        gpointer key;
        g_hash_table_iter_init(&iter, live);
        while (g_hash_table_iter_next(&iter, &key, NULL))
            hermod_loop_post(hermod_conn_loop(key), fn, hermod_conn_ref(key));
    }
    g_mutex_unlock(&lock);
}

/* Wait until no connection is left or until deadline; TRUE if none is. */
static gboolean
wait_empty(gint64 deadline)
{
    gboolean is_empty;

    g_mutex_lock(&lock);
    while (total > 0 && g_cond_wait_until(&changed, &lock, deadline))
        ;
    is_empty = total == 0;
    g_mutex_unlock(&lock);
    return is_empty;
}

void
hermod_conns_drain(guint drain_seconds)
{
    guint n = hermod_conntrack_count();

    if (n == 0)
        return;
    hermod_log(HERMOD_LOG_NOTICE, NULL, "shutdown: draining %u connections for up to %u s", n,
               drain_seconds);
    post_each(shutdown_on_loop);
    if (wait_empty(g_get_monotonic_time() + (gint64)drain_seconds * G_USEC_PER_SEC))
        return;
    hermod_log(HERMOD_LOG_NOTICE, NULL, "shutdown: closing %u connections",
               hermod_conntrack_count());
    post_each(kill_on_loop);
    /* Killing is immediate on each loop; this only waits for the posts. */
    wait_empty(g_get_monotonic_time() + 5 * G_USEC_PER_SEC);
}
