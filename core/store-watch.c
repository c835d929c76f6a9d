/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-watch.c - who wants to hear that an account changed (IMAP IDLE,
 * NOTIFY, webmail), and telling them.
 *
 * A watch is (connection, account, callback).  The store calls
 * hermod_store_notify after every commit, from whatever thread wrote;
 * each watcher's callback is posted to its connection's loop and runs
 * there, never under a store lock.  A watch ends when its connection
 * closes (conn.c calls hermod_store_watch_conn_closed right after the
 * protocol's on_close), so a module need not remove it; a notification
 * already posted finds the connection closed and is dropped.  The watch
 * holds a reference on its connection.  Lookups are by account, so a
 * delivery wakes only that account's sessions.
 */
#include "autoconfig.h"

#include "conn.h"
#include "loop.h"
#include "store.h"

typedef struct {
    guint id;
    char *account;
    HermodConn *conn; /* a reference */
    HermodWatchFunc fn;
    gpointer data;
} Watch;

typedef struct {
    guint id;
    char *mailbox; /* nullable */
} Fire;

static GMutex lock;
static GHashTable *by_id;      /* guint id -> Watch * (owns) */
static GHashTable *by_account; /* account -> GPtrArray of Watch * */
static guint last_id;

static void
watch_free(gpointer p)
{
    Watch *w = p;

    hermod_conn_unref(w->conn);
    g_free(w->account);
    g_free(w);
}

guint
hermod_store_watch_add(HermodConn *conn, const char *account, HermodWatchFunc fn, gpointer data)
{
    Watch *w = g_new0(Watch, 1);
    GPtrArray *list;

    w->account = g_strdup(account);
    w->conn = hermod_conn_ref(conn);
    w->fn = fn;
    w->data = data;
    g_mutex_lock(&lock);
    if (by_id == NULL) {
        by_id = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, watch_free);
        by_account = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify)g_ptr_array_unref);
    }
    w->id = ++last_id;
    g_hash_table_insert(by_id, GUINT_TO_POINTER(w->id), w);
    list = g_hash_table_lookup(by_account, account);
    if (list == NULL) {
        list = g_ptr_array_new();
        g_hash_table_insert(by_account, g_strdup(account), list);
    }
    g_ptr_array_add(list, w);
    g_mutex_unlock(&lock);
    return w->id;
}

/* Lock held. */
static void
remove_locked(guint id)
{
    Watch *w = by_id != NULL ? g_hash_table_lookup(by_id, GUINT_TO_POINTER(id)) : NULL;
    GPtrArray *list;

    if (w == NULL)
        return;
    list = g_hash_table_lookup(by_account, w->account);
    g_ptr_array_remove_fast(list, w);
    if (list->len == 0)
        g_hash_table_remove(by_account, w->account);
    g_hash_table_remove(by_id, GUINT_TO_POINTER(id));
}

void
hermod_store_watch_remove(guint id)
{
    g_mutex_lock(&lock);
    remove_locked(id);
    g_mutex_unlock(&lock);
}

/* On the watcher's loop. */
static void
fire(gpointer p)
{
    Fire *f = p;
    HermodConn *conn = NULL;
    HermodWatchFunc fn = NULL;
    gpointer data = NULL;

    g_mutex_lock(&lock);
    Watch *w = by_id != NULL ? g_hash_table_lookup(by_id, GUINT_TO_POINTER(f->id)) : NULL;
    if (w != NULL && hermod_conn_is_closed(w->conn)) {
        remove_locked(f->id);
    } else if (w != NULL) {
        conn = hermod_conn_ref(w->conn);
        fn = w->fn;
        data = w->data;
    }
    g_mutex_unlock(&lock);
    if (conn != NULL) {
        fn(conn, f->mailbox, data);
        hermod_conn_unref(conn);
    }
    g_free(f->mailbox);
    g_free(f);
}

void
hermod_store_notify(const char *account, const char *mailbox)
{
    GPtrArray *list;

    g_mutex_lock(&lock);
    list = by_account != NULL ? g_hash_table_lookup(by_account, account) : NULL;
    for (guint i = 0; list != NULL && i < list->len; i++) {
        Watch *w = list->pdata[i];
        Fire *f = g_new0(Fire, 1);
        f->id = w->id;
        f->mailbox = g_strdup(mailbox);
        hermod_loop_post(hermod_conn_loop(w->conn), fire, f);
    }
    g_mutex_unlock(&lock);
}

void
hermod_store_watch_conn_closed(HermodConn *conn)
{
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(guint));
    GHashTableIter iter;
    gpointer value;

    g_mutex_lock(&lock);
    if (by_id != NULL) {
        g_hash_table_iter_init(&iter, by_id);
        while (g_hash_table_iter_next(&iter, NULL, &value)) {
            Watch *w = value;
            if (w->conn == conn)
                g_array_append_val(ids, w->id);
        }
    }
    for (guint i = 0; i < ids->len; i++)
        remove_locked(g_array_index(ids, guint, i));
    g_mutex_unlock(&lock);
}

guint
hermod_store_watch_count(const char *account)
{
    GPtrArray *list;
    guint n;

    g_mutex_lock(&lock);
    list = by_account != NULL ? g_hash_table_lookup(by_account, account) : NULL;
    n = list != NULL ? list->len : 0;
    g_mutex_unlock(&lock);
    return n;
}
