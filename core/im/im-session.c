/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * im-session.c - the registry of live IM sessions (webmail streams, XMPP
 * connections), their presence, and the push of events to them.
 *
 * A session is registered by account.  Events (a new IM of the account,
 * a presence change in its domain) are copied into an Event and handed to
 * the session's thread: a session bound to a connection gets them on the
 * connection's loop (hermod_conn_dispatch, so what the callback writes
 * leaves at once), every other session on the hub's one dispatcher
 * thread, in order.  Callbacks never run under the registry lock, and
 * each runs under its session's own (recursive) lock, which
 * session_close also takes: once it returns, no callback of the session
 * runs any more.  A session with an event stream and no callbacks has its
 * events written to the stream as JSON here (im-json.c); when a write
 * fails the session ends.  The dispatcher also checks such streams every
 * SWEEP_S, so that a webmail tab that went away is offline soon.
 *
 * References: the registry holds one while the session is live, the
 * module one until session_close, each queued event one.
 */
#include "autoconfig.h"

#include <string.h>

#include "im/im-json.h"
#include "im/im-session.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "net/conn.h"
#include "store/store-im.h"
#include "web/web.h"

#define SWEEP_S 15

struct HermodImSession {
    gint refs;
    GRecMutex cb_lock;  /* held while a callback runs and by session_close */
    gboolean is_ended;  /* registry lock: no longer registered */
    gboolean is_closed; /* cb_lock: no callback may run */
    char *account;
    const char *domain; /* inside account */
    char *resource;
    guint32 client;
    HermodImPresence presence; /* registry lock */
    char *status;              /* registry lock; nullable */
    gint priority;
    HermodConn *conn; /* nullable, a reference */
    HermodSse *sse;   /* nullable, not a reference */
    HermodImFunc on_im;
    HermodImPresenceFunc on_presence;
    HermodImTransientFunc on_transient;
    gpointer data;
};

/* A passing signal (send_transient). */
typedef struct {
    char *from;
    char *resource;
    char *kind;
    char *payload;
} Transient;

typedef struct {
    HermodImSession *session; /* a reference */
    HermodIm *im;             /* one of im, info and transient */
    HermodImPresenceInfo *info;
    Transient *transient;
} Event;

static GMutex lock;
static GHashTable *by_account; /* account -> GPtrArray of HermodImSession* (registry refs) */
static GHashTable *by_conn;    /* HermodConn* -> GPtrArray of HermodImSession* (no refs) */
static GAsyncQueue *queue;     /* Event*, for the dispatcher */
static GThread *dispatcher;
static guint n_sessions;
static Event stop_event;

static HermodImSession *
session_ref(HermodImSession *s)
{
    g_atomic_int_inc(&s->refs);
    return s;
}

static void
session_unref(HermodImSession *s)
{
    if (s == NULL || !g_atomic_int_dec_and_test(&s->refs))
        return;
    if (s->conn != NULL)
        hermod_conn_unref(s->conn);
    g_rec_mutex_clear(&s->cb_lock);
    g_free(s->account);
    g_free(s->resource);
    g_free(s->status);
    g_free(s);
}

void
hermod_im_presence_info_free(HermodImPresenceInfo *info)
{
    if (info == NULL)
        return;
    g_free(info->account);
    g_free(info->resource);
    g_free(info->status);
    g_free(info);
}

static void
event_free(Event *e)
{
    session_unref(e->session);
    if (e->im != NULL)
        hermod_im_free(e->im);
    hermod_im_presence_info_free(e->info);
    if (e->transient != NULL) {
        g_free(e->transient->from);
        g_free(e->transient->resource);
        g_free(e->transient->kind);
        g_free(e->transient->payload);
        g_free(e->transient);
    }
    g_free(e);
}

/* Registry lock held. */
static HermodImPresenceInfo *
info_of(const HermodImSession *s, HermodImPresence presence)
{
    HermodImPresenceInfo *info = g_new0(HermodImPresenceInfo, 1);

    info->account = g_strdup(s->account);
    info->resource = g_strdup(s->resource);
    info->client = s->client;
    info->presence = presence;
    info->status = presence != HERMOD_IM_PRESENCE_OFFLINE ? g_strdup(s->status) : NULL;
    info->priority = s->priority;
    return info;
}

static void end_session(HermodImSession *s);

/* The hub's own writing of an event to a stream; FALSE once it failed. */
static gboolean
send_sse(HermodImSession *s, const Event *e)
{
    const Transient *t = e->transient;
    g_autofree char *json = NULL;

    if (e->im != NULL)
        json = hermod_im_json_im(e->im);
    else if (e->info != NULL)
        json = hermod_im_json_presence(e->info);
    else
        json = hermod_im_json_transient(t->from, t->resource, t->kind, t->payload);
    return hermod_web_sse_send(s->sse,
                               e->im != NULL     ? "im"
                               : e->info != NULL ? "presence"
                                                 : "transient",
                               json);
}

static gboolean
has_callbacks(const HermodImSession *s)
{
    return s->on_im != NULL || s->on_presence != NULL || s->on_transient != NULL;
}

/* On the session's thread. */
static void
run_event(Event *e)
{
    HermodImSession *s = e->session;
    gboolean is_gone = FALSE;

    g_rec_mutex_lock(&s->cb_lock);
    if (!s->is_closed) {
        const Transient *t = e->transient;
        if (e->im != NULL && s->on_im != NULL)
            s->on_im(s, e->im, s->data);
        else if (e->info != NULL && s->on_presence != NULL)
            s->on_presence(s, e->info, s->data);
        else if (t != NULL && s->on_transient != NULL)
            s->on_transient(s, t->from, t->resource, t->kind, t->payload, s->data);
        else if (s->sse != NULL && !has_callbacks(s))
            is_gone = !send_sse(s, e);
    }
    g_rec_mutex_unlock(&s->cb_lock);
    if (is_gone)
        end_session(s);
}

static void
run_on_conn(HermodConn *conn, gpointer data)
{
    run_event(data);
}

static void
fire_on_loop(gpointer data)
{
    Event *e = data;

    hermod_conn_dispatch(e->session->conn, run_on_conn, e);
    event_free(e);
}

/* Registry lock held: ended streams, collected for end_session. */
static void
collect_closed_streams(GPtrArray *out)
{
    GHashTableIter it;
    gpointer value;

    g_hash_table_iter_init(&it, by_account);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        GPtrArray *list = value;
        for (guint i = 0; i < list->len; i++) {
            HermodImSession *s = list->pdata[i];
            if (s->sse != NULL && !has_callbacks(s) && !hermod_web_sse_is_open(s->sse))
                g_ptr_array_add(out, session_ref(s));
        }
    }
}

static void
sweep(void)
{
    g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func((GDestroyNotify)session_unref);

    g_mutex_lock(&lock);
    if (by_account != NULL)
        collect_closed_streams(gone);
    g_mutex_unlock(&lock);
    for (guint i = 0; i < gone->len; i++)
        end_session(gone->pdata[i]);
}

static gpointer
dispatch_thread(gpointer data)
{
    for (;;) {
        Event *e = g_async_queue_timeout_pop(queue, SWEEP_S * G_USEC_PER_SEC);
        if (e == &stop_event)
            break;
        if (e == NULL) {
            sweep();
            continue;
        }
        run_event(e);
        event_free(e);
    }
    return NULL;
}

/* Registry lock held. */
static void
queue_any(HermodImSession *s, HermodIm *im, HermodImPresenceInfo *info, Transient *t)
{
    Event *e = g_new0(Event, 1);

    e->session = session_ref(s);
    e->im = im;
    e->info = info;
    e->transient = t;
    if (s->conn != NULL) {
        hermod_loop_post(hermod_conn_loop(s->conn), fire_on_loop, e);
        return;
    }
    if (dispatcher == NULL) {
        queue = g_async_queue_new();
        dispatcher = g_thread_new("im-dispatch", dispatch_thread, NULL);
    }
    g_async_queue_push(queue, e);
}

/* Registry lock held. */
static void
queue_event(HermodImSession *s, HermodIm *im, HermodImPresenceInfo *info)
{
    queue_any(s, im, info, NULL);
}

/* Registry lock held.  Tell every other session of s's domain. */
static void
announce(HermodImSession *s, HermodImPresence presence)
{
    GHashTableIter it;
    gpointer key, value;

    g_hash_table_iter_init(&it, by_account);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        const char *at = strrchr(key, '@');
        GPtrArray *list = value;
        if (at == NULL || g_ascii_strcasecmp(at + 1, s->domain) != 0)
            continue;
        for (guint i = 0; i < list->len; i++) {
            HermodImSession *other = list->pdata[i];
            if (other != s)
                queue_event(other, NULL, info_of(s, presence));
        }
    }
}

static void
remove_from(GHashTable *table, gconstpointer key, HermodImSession *s)
{
    GPtrArray *list = g_hash_table_lookup(table, key);

    if (list != NULL && g_ptr_array_remove(list, s) && list->len == 0)
        g_hash_table_remove(table, key);
}

/* Unregister s (once) and tell the domain it is offline.  The caller
 * holds a reference, so dropping the registry's here frees nothing. */
static void
end_session(HermodImSession *s)
{
    g_mutex_lock(&lock);
    if (!s->is_ended) {
        s->is_ended = TRUE;
        if (s->conn != NULL)
            remove_from(by_conn, s->conn, s);
        announce(s, HERMOD_IM_PRESENCE_OFFLINE);
        n_sessions--;
        remove_from(by_account, s->account, s); /* the registry's reference */
    }
    g_mutex_unlock(&lock);
}

static void
conn_closed(HermodConn *conn)
{
    g_autoptr(GPtrArray) ended = g_ptr_array_new_with_free_func((GDestroyNotify)session_unref);

    g_mutex_lock(&lock);
    GPtrArray *list = by_conn != NULL ? g_hash_table_lookup(by_conn, conn) : NULL;
    for (guint i = 0; list != NULL && i < list->len; i++)
        g_ptr_array_add(ended, session_ref(list->pdata[i]));
    g_mutex_unlock(&lock);
    for (guint i = 0; i < ended->len; i++)
        end_session(ended->pdata[i]);
}

/* Registry lock held.  Is resource free among account's sessions? */
static gboolean
is_free(GPtrArray *list, const char *resource)
{
    for (guint i = 0; list != NULL && i < list->len; i++) {
        if (g_strcmp0(((HermodImSession *)list->pdata[i])->resource, resource) == 0)
            return FALSE;
    }
    return TRUE;
}

/* Registry lock held. */
static char *
unique_resource(GPtrArray *list, const char *wish, guint32 client)
{
    g_autofree char *base = NULL;

    if (wish != NULL && *wish != '\0' && g_utf8_validate(wish, -1, NULL) && strlen(wish) < 256) {
        if (is_free(list, wish))
            return g_strdup(wish);
        base = g_strdup(wish);
    } else {
        base = g_strdup_printf("%s-%08x", client == HERMOD_IM_CLIENT_WEB ? "web" : "hermod",
                               g_random_int());
        if (is_free(list, base))
            return g_steal_pointer(&base);
    }
    for (guint n = 2;; n++) {
        char *r = g_strdup_printf("%s-%u", base, n);
        if (is_free(list, r))
            return r;
        g_free(r);
    }
}

static gboolean
spec_ok(const HermodImSessionSpec *spec, GError **error)
{
    if (spec == NULL || spec->struct_size < G_STRUCT_OFFSET(HermodImSessionSpec, data) ||
        spec->account == NULL || strchr(spec->account, '@') == NULL ||
        (spec->client != HERMOD_IM_CLIENT_WEB && spec->client != HERMOD_IM_CLIENT_XMPP)) {
        g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_INVALID,
                    "im session: a bad request (account, client or struct_size)");
        return FALSE;
    }
    return TRUE;
}

/* Registry lock held. */
static void
register_locked(HermodImSession *s, const char *wish)
{
    GPtrArray *list;

    if (by_account == NULL) {
        hermod_conn_add_close_hook(conn_closed);
        by_account = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify)g_ptr_array_unref);
        by_conn = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                        (GDestroyNotify)g_ptr_array_unref);
    }
    list = g_hash_table_lookup(by_account, s->account);
    s->resource = unique_resource(list, wish, s->client);
    if (list == NULL) {
        list = g_ptr_array_new_with_free_func((GDestroyNotify)session_unref);
        g_hash_table_insert(by_account, g_strdup(s->account), list);
    }
    g_ptr_array_add(list, session_ref(s));
    if (s->conn != NULL) {
        GPtrArray *cl = g_hash_table_lookup(by_conn, s->conn);
        if (cl == NULL) {
            cl = g_ptr_array_new();
            g_hash_table_insert(by_conn, s->conn, cl);
        }
        g_ptr_array_add(cl, s);
    }
    n_sessions++;
    announce(s, s->presence);
}

HermodImSession *
hermod_im_session_open(const HermodImSessionSpec *spec, GError **error)
{
    HermodImSessionSpec sp = {0};
    HermodImSession *s;

    if (!spec_ok(spec, error))
        return NULL;
    memcpy(&sp, spec, MIN(spec->struct_size, sizeof sp));
    s = g_new0(HermodImSession, 1);
    s->refs = 1;
    g_rec_mutex_init(&s->cb_lock);
    s->account = g_ascii_strdown(sp.account, -1);
    s->domain = strrchr(s->account, '@') + 1;
    s->client = sp.client;
    s->presence =
        sp.presence == HERMOD_IM_PRESENCE_OFFLINE ? HERMOD_IM_PRESENCE_ONLINE : sp.presence;
    s->conn = sp.conn != NULL ? hermod_conn_ref(sp.conn) : NULL;
    s->sse = sp.sse;
    s->on_im = sp.on_im;
    s->on_presence = sp.on_presence;
    s->on_transient = sp.on_transient;
    s->data = sp.data;
    g_mutex_lock(&lock);
    register_locked(s, sp.resource);
    g_mutex_unlock(&lock);
    return s;
}

void
hermod_im_session_close(HermodImSession *s)
{
    if (s == NULL)
        return;
    g_rec_mutex_lock(&s->cb_lock);
    s->is_closed = TRUE;
    g_rec_mutex_unlock(&s->cb_lock);
    end_session(s);
    session_unref(s);
}

void
hermod_im_session_set_presence(HermodImSession *s, HermodImPresence presence, const char *status,
                               gint priority)
{
    if (presence == HERMOD_IM_PRESENCE_OFFLINE) {
        end_session(s);
        return;
    }
    g_mutex_lock(&lock);
    if (!s->is_ended) {
        s->presence = presence;
        g_free(s->status);
        s->status = g_strdup(status);
        s->priority = priority;
        announce(s, presence);
    }
    g_mutex_unlock(&lock);
}

const char *
hermod_im_session_resource(HermodImSession *s)
{
    return s->resource;
}

static gint
info_cmp(gconstpointer a, gconstpointer b)
{
    const HermodImPresenceInfo *x = *(HermodImPresenceInfo *const *)a;
    const HermodImPresenceInfo *y = *(HermodImPresenceInfo *const *)b;
    int c = strcmp(x->account, y->account);

    return c != 0 ? c : strcmp(x->resource, y->resource);
}

GPtrArray *
hermod_im_presence_list(const char *domain)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)hermod_im_presence_info_free);
    GHashTableIter it;
    gpointer value;

    g_mutex_lock(&lock);
    if (by_account != NULL)
        g_hash_table_iter_init(&it, by_account);
    while (by_account != NULL && g_hash_table_iter_next(&it, NULL, &value)) {
        GPtrArray *list = value;
        for (guint i = 0; i < list->len; i++) {
            HermodImSession *s = list->pdata[i];
            if (domain == NULL || g_ascii_strcasecmp(domain, s->domain) == 0)
                g_ptr_array_add(out, info_of(s, s->presence));
        }
    }
    g_mutex_unlock(&lock);
    g_ptr_array_sort(out, info_cmp);
    return out;
}

static int
rank(HermodImPresence p)
{
    switch (p) {
    case HERMOD_IM_PRESENCE_ONLINE:
    case HERMOD_IM_PRESENCE_CHAT:
        return 4;
    case HERMOD_IM_PRESENCE_AWAY:
        return 3;
    case HERMOD_IM_PRESENCE_XA:
        return 2;
    case HERMOD_IM_PRESENCE_DND:
        return 1;
    case HERMOD_IM_PRESENCE_OFFLINE:
    default:
        return 0;
    }
}

HermodImPresence
hermod_im_presence_of(const char *account)
{
    g_autofree char *key = g_ascii_strdown(account, -1);
    HermodImPresence best = HERMOD_IM_PRESENCE_OFFLINE;

    g_mutex_lock(&lock);
    GPtrArray *list = by_account != NULL ? g_hash_table_lookup(by_account, key) : NULL;
    for (guint i = 0; list != NULL && i < list->len; i++) {
        HermodImSession *s = list->pdata[i];
        if (rank(s->presence) > rank(best))
            best = s->presence;
    }
    g_mutex_unlock(&lock);
    return best;
}

guint32
hermod_im_live_clients(const char *account)
{
    guint32 bits = 0;

    g_mutex_lock(&lock);
    GPtrArray *list = by_account != NULL ? g_hash_table_lookup(by_account, account) : NULL;
    for (guint i = 0; list != NULL && i < list->len; i++)
        bits |= ((HermodImSession *)list->pdata[i])->client;
    g_mutex_unlock(&lock);
    return bits;
}

void
hermod_im_push(const HermodIm *im, HermodImSession *origin)
{
    g_mutex_lock(&lock);
    GPtrArray *list = by_account != NULL ? g_hash_table_lookup(by_account, im->account) : NULL;
    for (guint i = 0; list != NULL && i < list->len; i++) {
        HermodImSession *s = list->pdata[i];
        if (s != origin)
            queue_event(s, hermod_im_copy(im), NULL);
    }
    g_mutex_unlock(&lock);
}

gboolean
hermod_im_send_transient(HermodImSession *from, const char *to_account, const char *to_resource,
                         const char *kind, const char *payload)
{
    g_autofree char *key = to_account != NULL ? g_ascii_strdown(to_account, -1) : NULL;
    gboolean is_sent = FALSE;

    if (key == NULL || kind == NULL || strlen(kind) + (payload ? strlen(payload) : 0) > 4096 ||
        !g_utf8_validate(kind, -1, NULL) || (payload && !g_utf8_validate(payload, -1, NULL)))
        return FALSE;
    g_mutex_lock(&lock);
    GPtrArray *list = by_account != NULL ? g_hash_table_lookup(by_account, key) : NULL;
    for (guint i = 0; list != NULL && i < list->len; i++) {
        HermodImSession *s = list->pdata[i];
        if (s == from || (to_resource != NULL && g_strcmp0(to_resource, s->resource) != 0))
            continue;
        Transient *t = g_new0(Transient, 1);
        t->from = g_strdup(from != NULL ? from->account : NULL);
        t->resource = g_strdup(from != NULL ? from->resource : NULL);
        t->kind = g_strdup(kind);
        t->payload = g_strdup(payload);
        queue_any(s, NULL, NULL, t);
        is_sent = TRUE;
    }
    g_mutex_unlock(&lock);
    return is_sent;
}

guint
hermod_im_session_count(void)
{
    guint n;

    g_mutex_lock(&lock);
    n = n_sessions;
    g_mutex_unlock(&lock);
    return n;
}

void
hermod_im_sessions_shutdown(void)
{
    GThread *t;

    g_mutex_lock(&lock);
    t = g_steal_pointer(&dispatcher);
    g_mutex_unlock(&lock);
    if (t == NULL)
        return;
    g_async_queue_push(queue, &stop_event);
    g_thread_join(t);
    for (Event *e; (e = g_async_queue_try_pop(queue)) != NULL;)
        event_free(e);
    g_clear_pointer(&queue, g_async_queue_unref);
}
