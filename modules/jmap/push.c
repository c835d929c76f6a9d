/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * push.c - JMAP push over EventSource (RFC 8620 7.3):
 * GET /jmap/eventsource?types=&closeafter=&ping= keeps a
 * text/event-stream open and sends a "state" event with a StateChange
 * whenever a state of a requested type changes, and "ping" events every
 * ping seconds.
 *
 * The store tells us of changes through an account watch (the same
 * notification that wakes IMAP IDLE), on the writer's thread, where the
 * store must not be called again; so the watch only queues the stream
 * for the push thread, which reads the states (one store read per
 * stream and wake-up, however many changes came meanwhile), sends what
 * changed since the last event, and sends pings.  A stream is dropped
 * once the core says it is closed (sse_send FALSE).
 */
#include "autoconfig.h"

#include <string.h>

#include "jmap-http.h"

typedef struct {
    gint refs;
    HermodSse *sse;
    char *account;
    char *account_id;
    guint watch;
    char **types; /* NULL: every type */
    gboolean close_after_state;
    gint64 ping;        /* seconds, 0: none */
    gint64 next_ping;   /* monotonic us */
    GHashTable *sent;   /* type -> last state sent */
    gboolean queued;    /* in the queue (lock) */
    gboolean is_primed; /* the first wake-up sends (else it only records) */
    gboolean closed;    /* lock */
} Stream;

static const struct {
    const char *type;
    HermodMailKind kind;
} types[] = {
    {"Mailbox", HERMOD_MAIL_KIND_MAILBOX},     {"Email", HERMOD_MAIL_KIND_EMAIL},
    {"EmailDelivery", HERMOD_MAIL_KIND_EMAIL}, {"Thread", HERMOD_MAIL_KIND_THREAD},
    {"Identity", JMAP_KIND_IDENTITY},          {"EmailSubmission", JMAP_KIND_SUBMISSION},
    {"VacationResponse", JMAP_KIND_VACATION},
};

static GMutex lock;
static GPtrArray *streams; /* Stream *, a reference each */
static GAsyncQueue *queue; /* Stream * (a reference) or &stop */
static GThread *thread;
static int stop;

static Stream *
stream_ref(Stream *s)
{
    g_atomic_int_inc(&s->refs);
    return s;
}

static void
stream_unref(Stream *s)
{
    if (!g_atomic_int_dec_and_test(&s->refs))
        return;
    jmap_api->web->sse_close(s->sse);
    g_free(s->account);
    g_free(s->account_id);
    g_strfreev(s->types);
    g_hash_table_unref(s->sent);
    g_free(s);
}

/* The store's writer thread: queue the stream, once. */
static void
on_change(const char *account, const char *mailbox, gpointer data)
{
    Stream *s = data;

    g_mutex_lock(&lock);
    if (!s->queued && !s->closed) {
        s->queued = TRUE;
        g_async_queue_push(queue, stream_ref(s));
    }
    g_mutex_unlock(&lock);
}

static gboolean
wants(Stream *s, const char *type)
{
    return s->types == NULL || g_strv_contains((const char *const *)s->types, type);
}

/* Send what changed since the last event; FALSE once the stream is gone. */
static gboolean
send_changes(Stream *s)
{
    g_autoptr(GError) error = NULL;
    HermodMailStore *store = jmap_api->mail->open(s->account, &error);
    JsonObject *changed = json_object_new(), *account = json_object_new(), *o;
    g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
    g_autofree char *text = NULL;
    gboolean ok = TRUE;

    for (gsize i = 0; store != NULL && i < G_N_ELEMENTS(types); i++) {
        guint64 seq = 0;
        g_autofree char *state = NULL;
        if (!wants(s, types[i].type) || !jmap_api->mail->state(store, types[i].kind, &seq, NULL))
            continue;
        state = jmap_state(seq);
        if (g_strcmp0(g_hash_table_lookup(s->sent, types[i].type), state) == 0)
            continue;
        json_object_set_string_member(account, types[i].type, state);
        g_hash_table_insert(s->sent, g_strdup(types[i].type), g_steal_pointer(&state));
    }
    if (store != NULL)
        jmap_api->mail->unref(store);
    o = json_object_new();
    json_object_set_string_member(o, "@type", "StateChange");
    json_object_set_object_member(changed, s->account_id, account);
    json_object_set_object_member(o, "changed", changed);
    json_node_take_object(node, o);
    if (!s->is_primed) {
        s->is_primed = TRUE; /* the states are recorded; nothing to tell yet */
    } else if (json_object_get_size(account) > 0) {
        text = json_to_string(node, FALSE);
        ok = jmap_api->web->sse_send(s->sse, "state", text) && !s->close_after_state;
    }
    return ok && jmap_api->web->sse_is_open(s->sse);
}

static void
drop(Stream *s)
{
    guint pos;

    g_mutex_lock(&lock);
    s->closed = TRUE;
    g_mutex_unlock(&lock);
    if (s->watch != 0)
        jmap_api->mail->account_watch_remove(s->watch);
    s->watch = 0;
    g_mutex_lock(&lock);
    if (g_ptr_array_find(streams, s, &pos))
        g_ptr_array_remove_index_fast(streams, pos); /* drops the list's reference */
    g_mutex_unlock(&lock);
}

/* Pings that are due, and streams that closed; returns the wait until
 * the next ping (us). */
static gint64
tick(void)
{
    gint64 now = g_get_monotonic_time(), wait = 30 * G_USEC_PER_SEC;
    g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func((GDestroyNotify)stream_unref);

    g_mutex_lock(&lock);
    for (guint i = 0; streams != NULL && i < streams->len; i++) {
        Stream *s = streams->pdata[i];
        gboolean open = jmap_api->web->sse_is_open(s->sse);
        if (open && s->ping > 0 && now >= s->next_ping) {
            g_autofree char *ping =
                g_strdup_printf("{\"@type\":\"Ping\",\"interval\":%" G_GINT64_FORMAT "}", s->ping);
            open = jmap_api->web->sse_send(s->sse, "ping", ping);
            s->next_ping = now + s->ping * G_USEC_PER_SEC;
        }
        if (!open)
            g_ptr_array_add(gone, stream_ref(s));
        else if (s->ping > 0)
            wait = MIN(wait, s->next_ping - now);
    }
    g_mutex_unlock(&lock);
    for (guint i = 0; i < gone->len; i++)
        drop(gone->pdata[i]);
    return MAX(wait, 1000);
}

static gpointer
push_thread(gpointer unused)
{
    gint64 wait = 1000;

    for (;;) {
        gpointer item = g_async_queue_timeout_pop(queue, (guint64)wait);
        if (item == &stop)
            break;
        if (item != NULL) {
            Stream *s = item;
            g_mutex_lock(&lock);
            s->queued = FALSE;
            g_mutex_unlock(&lock);
            if (!s->closed && !send_changes(s))
                drop(s);
            stream_unref(s);
        }
        wait = tick();
    }
    return NULL;
}

static char **
parse_types(const char *arg)
{
    if (arg == NULL || *arg == '\0' || strcmp(arg, "*") == 0)
        return NULL;
    return g_strsplit(arg, ",", 32);
}

void
jmap_eventsource_request(HermodHttpRequest *req, const char *account)
{
    const HermodWebApi *web = jmap_api->web;
    const char *ping = web->req_query_arg(req, "ping");
    const char *close = web->req_query_arg(req, "closeafter");
    Stream *s;

    if (strcmp(web->req_method(req), "GET") != 0) {
        web->resp_header(req, "Allow", "GET");
        jmap_respond_status(req, 405, "about:blank", "the event source takes GET");
        return;
    }
    if ((close != NULL && strcmp(close, "state") != 0 && strcmp(close, "no") != 0) ||
        (ping != NULL && strspn(ping, "0123456789") != strlen(ping))) {
        jmap_respond_status(req, 400, "about:blank",
                            "closeafter is state or no; ping a number of seconds");
        return;
    }
    s = g_new0(Stream, 1);
    s->refs = 1;
    s->account = g_strdup(account);
    s->account_id = jmap_account_id(account);
    s->types = parse_types(web->req_query_arg(req, "types"));
    s->close_after_state = close != NULL && strcmp(close, "state") == 0;
    s->ping = ping != NULL && *ping != '\0' ? CLAMP(g_ascii_strtoll(ping, NULL, 10), 0, 3600) : 0;
    s->next_ping = g_get_monotonic_time() + s->ping * G_USEC_PER_SEC;
    s->sent = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    s->sse = web->respond_sse(req);
    g_mutex_lock(&lock);
    if (thread == NULL) {
        streams = g_ptr_array_new_with_free_func((GDestroyNotify)stream_unref);
        queue = g_async_queue_new();
        thread = g_thread_new("jmap-push", push_thread, NULL);
    }
    g_ptr_array_add(streams, s);
    g_mutex_unlock(&lock);
    /* The first event gives the client the current states; after it,
     * only what changes.  A long-polling client (closeafter=state) waits
     * for a change instead: its stream records the states here, before
     * the watch starts, so that every change from the request on ends
     * it with one event (the queued wake-up below catches one made
     * between the two). */
    s->is_primed = !s->close_after_state;
    if (!s->is_primed)
        send_changes(s);
    s->watch = jmap_api->mail->account_watch_add(account, on_change, s);
    on_change(account, NULL, s);
}

void
jmap_push_shutdown(void)
{
    g_mutex_lock(&lock);
    GThread *t = thread;
    thread = NULL;
    g_mutex_unlock(&lock);
    if (t == NULL)
        return;
    g_async_queue_push(queue, &stop);
    g_thread_join(t);
    while (streams->len > 0)
        drop(streams->pdata[streams->len - 1]);
    g_ptr_array_unref(streams);
    streams = NULL;
    gpointer item;
    while ((item = g_async_queue_try_pop(queue)) != NULL)
        stream_unref(item);
    g_async_queue_unref(queue);
    queue = NULL;
}
