/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * web-sse.c - server-sent events (text/event-stream): a response that
 * stays open and carries events as the module sends them.
 *
 * The response's content reader hands out what is queued; with nothing
 * queued it suspends the connection (libmicrohttpd allows that from a
 * content reader) and returns 0, so an idle stream costs no thread and
 * no polling.  sse_send, from any thread, queues the event and resumes
 * the connection.  A suspended connection does not notice a client that
 * went away, so the guard thread (web-conn.c) sends a comment line on
 * every stream idle for HEARTBEAT_S: a dead client's write fails and
 * libmicrohttpd closes the connection, which closes the stream.
 *
 * The stream is refcounted: one reference for the module (dropped by
 * sse_close), one for the response (dropped when libmicrohttpd destroys
 * it), one for the registry of open streams.
 */
#include "autoconfig.h"

#include <string.h>

#include "web/web-private.h"

#define HEARTBEAT_S 25
#define QUEUE_MAX   (1024 * 1024) /* a client this far behind is cut off */

struct HermodSse {
    gint refs;
    GMutex lock; /* guards everything below */
    GString *queue;
    gboolean is_closed;    /* no more events: end once queue is sent */
    gboolean is_suspended; /* the reader suspended the connection */
    gboolean is_gone;      /* the response was destroyed */
    gint64 last_sent;      /* monotonic microseconds */
    struct MHD_Connection *mhd;
};

static GMutex registry_lock;
static GHashTable *registry; /* HermodSse* (a reference) */

static HermodSse *
sse_ref(HermodSse *s)
{
    g_atomic_int_inc(&s->refs);
    return s;
}

static void
sse_unref(HermodSse *s)
{
    if (!g_atomic_int_dec_and_test(&s->refs))
        return;
    g_string_free(s->queue, TRUE);
    g_mutex_clear(&s->lock);
    g_free(s);
}

/* Under s->lock: wake the connection if the reader put it to sleep. */
static void
wake(HermodSse *s)
{
    if (s->is_suspended && !s->is_gone) {
        s->is_suspended = FALSE;
        MHD_resume_connection(s->mhd);
    }
}

static ssize_t
sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    HermodSse *s = cls;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&s->lock);
    gsize n = MIN(max, s->queue->len);

    if (n > 0) {
        memcpy(buf, s->queue->str, n);
        g_string_erase(s->queue, 0, (gssize)n);
        s->last_sent = g_get_monotonic_time();
        return (ssize_t)n;
    }
    if (s->is_closed)
        return MHD_CONTENT_READER_END_OF_STREAM;
    s->is_suspended = TRUE;
    MHD_suspend_connection(s->mhd);
    return 0;
}

static void
sse_gone(void *cls)
{
    HermodSse *s = cls;

    g_mutex_lock(&s->lock);
    s->is_gone = TRUE;
    s->is_closed = TRUE;
    g_mutex_unlock(&s->lock);
    g_mutex_lock(&registry_lock);
    if (registry != NULL && g_hash_table_remove(registry, s))
        sse_unref(s);
    g_mutex_unlock(&registry_lock);
    sse_unref(s);
}

HermodSse *
hermod_web_respond_sse(HermodHttpRequest *req)
{
    HermodSse *s = g_new0(HermodSse, 1);
    struct MHD_Response *r;

    s->refs = 3; /* module, response, registry */
    g_mutex_init(&s->lock);
    s->queue = g_string_new(": stream open\n\n");
    s->mhd = req->mhd;
    s->last_sent = g_get_monotonic_time();
    g_mutex_lock(&registry_lock);
    if (registry == NULL)
        registry = g_hash_table_new(NULL, NULL);
    g_hash_table_add(registry, s);
    g_mutex_unlock(&registry_lock);
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, s, sse_gone);
    if (r != NULL) {
        MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
        MHD_add_response_header(r, "Cache-Control", "no-store");
        MHD_add_response_header(r, "X-Accel-Buffering", "no");
    } else {
        sse_gone(s);
    }
    hermod_web_reply(req, MHD_HTTP_OK, r);
    return s;
}

/* "event: E\ndata: line\ndata: line\n\n"; CR and LF split data lines. */
static void
format_event(GString *out, const char *event, const char *data)
{
    g_auto(GStrv) lines = g_regex_split_simple("\r\n|\r|\n", data != NULL ? data : "", 0, 0);

    if (event != NULL && strpbrk(event, "\r\n") == NULL)
        g_string_append_printf(out, "event: %s\n", event);
    for (guint i = 0; lines[i] != NULL; i++)
        g_string_append_printf(out, "data: %s\n", lines[i]);
    g_string_append_c(out, '\n');
}

gboolean
hermod_web_sse_send(HermodSse *s, const char *event, const char *data)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&s->lock);

    if (s->is_closed)
        return FALSE;
    if (s->queue->len > QUEUE_MAX) {
        s->is_closed = TRUE; /* too slow a reader: end the stream */
        wake(s);
        return FALSE;
    }
    format_event(s->queue, event, data);
    wake(s);
    return TRUE;
}

gboolean
hermod_web_sse_is_open(HermodSse *s)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&s->lock);

    return !s->is_closed;
}

static void
end_stream(HermodSse *s)
{
    g_mutex_lock(&s->lock);
    s->is_closed = TRUE;
    wake(s);
    g_mutex_unlock(&s->lock);
}

void
hermod_web_sse_close(HermodSse *s)
{
    if (s == NULL)
        return;
    end_stream(s);
    sse_unref(s);
}

static void
each_stream(void (*fn)(HermodSse *s, gint64 now))
{
    GPtrArray *all = g_ptr_array_new();
    gint64 now = g_get_monotonic_time();

    g_mutex_lock(&registry_lock);
    if (registry != NULL) {
        GHashTableIter it;
        gpointer key;
        g_hash_table_iter_init(&it, registry);
        while (g_hash_table_iter_next(&it, &key, NULL))
            g_ptr_array_add(all, sse_ref(key));
    }
    g_mutex_unlock(&registry_lock);
    for (guint i = 0; i < all->len; i++) {
        fn(all->pdata[i], now);
        sse_unref(all->pdata[i]);
    }
    g_ptr_array_free(all, TRUE);
}

static guint closed;

static void
close_one(HermodSse *s, gint64 now)
{
    end_stream(s);
    closed++;
}

static void
heartbeat_one(HermodSse *s, gint64 now)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&s->lock);

    if (s->is_closed || s->queue->len > 0 || now - s->last_sent < HEARTBEAT_S * G_USEC_PER_SEC)
        return;
    g_string_append(s->queue, ":\n\n");
    s->last_sent = now;
    wake(s);
}

void
hermod_web_sse_close_all(void)
{
    closed = 0;
    each_stream(close_one);
    /* Let the web threads see the resumes and end those responses
     * before the daemons stop (they must not stop with a connection
     * suspended). */
    if (closed > 0)
        g_usleep(200 * 1000);
}

void
hermod_web_sse_tick(void)
{
    each_stream(heartbeat_one);
}
