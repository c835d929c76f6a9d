/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-watch.c - who wants to hear that an account changed (IMAP IDLE,
 * NOTIFY, webmail), and telling them.
 *
 * A watch is (connection, account, callback).  The store calls
 * hermod_store_notify after every commit, from whatever thread wrote;
 * the callbacks run on their connections' loops, never under a store
 * lock: one post per loop per change carries the ids of that loop's
 * watches, and each callback runs like a protocol callback
 * (hermod_conn_dispatch), so what it writes leaves at once.  A watch ends
 * when its connection closes (hermod_store_watch_conn_closed, a close hook
 * registered with the first watch; conn.c calls it
 * right after the protocol's on_close), so a module need not remove it; a
 * notification already posted finds the connection closed and is dropped.
 * The watch holds a reference on its connection.  Lookups are by account
 * (a delivery wakes only that account's sessions) and by connection.
 *
 * Every notification also gives the account a new change stamp (one
 * counter for all accounts, so a stamp is never reused); store-share.c
 * keeps read results only while the account's stamp stays the same.
 */
#include "autoconfig.h"

#include "net/conn.h"
#include "lib/loop.h"
#include "store/store-private.h"
#include "store/store.h"

typedef struct {
    guint id;
    guint pos; /* index in its Account's watches */
    char *account;
    HermodConn *conn; /* a reference */
    HermodWatchFunc fn;
    gpointer data;
} Watch;

/* A watch without a connection (JMAP event streams): fn runs on the
 * notifying thread. */
typedef struct {
    guint id;
    char *account;
    HermodAccountWatchFunc fn;
    gpointer data;
} FuncWatch;

/* Kept once created, so that the stamp survives the last watch. */
typedef struct {
    GPtrArray *watches; /* Watch * */
    GPtrArray *funcs;   /* FuncWatch * (owns) */
    guint64 stamp;      /* last change; 0: none since start-up */
} Account;

/* One notification for the watches of one loop. */
typedef struct {
    HermodLoop *loop;
    GArray *ids;   /* guint */
    char *mailbox; /* nullable */
} Batch;

static GMutex lock;
static GHashTable *by_id;      /* guint id -> Watch * (owns) */
static GHashTable *by_account; /* account -> Account * (owns) */
static GHashTable *by_conn;    /* HermodConn * -> GArray of guint ids (owns) */
static guint last_id;
static guint64 last_stamp;
/* Held for reading while FuncWatch callbacks run, for writing by their
 * removal: once account_watch_remove returns, fn runs no more. */
static GRWLock func_calls;

static void
watch_free(gpointer p)
{
    Watch *w = p;

    hermod_conn_unref(w->conn);
    g_free(w->account);
    g_free(w);
}

static void
func_watch_free(gpointer p)
{
    FuncWatch *f = p;

    g_free(f->account);
    g_free(f);
}

static void
account_free(gpointer p)
{
    Account *a = p;

    g_ptr_array_unref(a->watches);
    g_ptr_array_unref(a->funcs);
    g_free(a);
}

/* Lock held. */
static Account *
account_get(const char *account)
{
    Account *a;

    if (by_id == NULL) {
        /* net/ is below the store: it learns of us through a close hook. */
        hermod_conn_add_close_hook(hermod_store_watch_conn_closed);
        by_id = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, watch_free);
        by_account = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, account_free);
        by_conn = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                        (GDestroyNotify)g_array_unref);
    }
    a = g_hash_table_lookup(by_account, account);
    if (a == NULL) {
        a = g_new0(Account, 1);
        a->watches = g_ptr_array_new();
        a->funcs = g_ptr_array_new_with_free_func(func_watch_free);
        g_hash_table_insert(by_account, g_strdup(account), a);
    }
    return a;
}

guint
hermod_store_watch_add(HermodConn *conn, const char *account, HermodWatchFunc fn, gpointer data)
{
    Watch *w = g_new0(Watch, 1);
    GArray *ids;

    w->account = g_strdup(account);
    w->conn = hermod_conn_ref(conn);
    w->fn = fn;
    w->data = data;
    g_mutex_lock(&lock);
    Account *a = account_get(account);
    w->id = ++last_id;
    w->pos = a->watches->len;
    g_ptr_array_add(a->watches, w);
    g_hash_table_insert(by_id, GUINT_TO_POINTER(w->id), w);
    ids = g_hash_table_lookup(by_conn, conn);
    if (ids == NULL) {
        ids = g_array_new(FALSE, FALSE, sizeof(guint));
        g_hash_table_insert(by_conn, conn, ids);
    }
    g_array_append_val(ids, w->id);
    g_mutex_unlock(&lock);
    return w->id;
}

/* Lock held. */
static void
remove_locked(guint id)
{
    Watch *w = by_id != NULL ? g_hash_table_lookup(by_id, GUINT_TO_POINTER(id)) : NULL;
    Account *a;
    GArray *ids;

    if (w == NULL)
        return;
    a = g_hash_table_lookup(by_account, w->account);
    g_ptr_array_remove_index_fast(a->watches, w->pos);
    if (w->pos < a->watches->len)
        ((Watch *)a->watches->pdata[w->pos])->pos = w->pos;
    ids = g_hash_table_lookup(by_conn, w->conn);
    for (guint i = 0; ids != NULL && i < ids->len; i++) {
        if (g_array_index(ids, guint, i) == id) {
            g_array_remove_index_fast(ids, i);
            break;
        }
    }
    if (ids != NULL && ids->len == 0)
        g_hash_table_remove(by_conn, w->conn);
    g_hash_table_remove(by_id, GUINT_TO_POINTER(id));
}

void
hermod_store_watch_remove(guint id)
{
    g_mutex_lock(&lock);
    remove_locked(id);
    g_mutex_unlock(&lock);
}

typedef struct {
    HermodWatchFunc fn;
    const char *mailbox;
    gpointer data;
} Call;

static void
call(HermodConn *conn, gpointer p)
{
    Call *c = p;

    c->fn(conn, c->mailbox, c->data);
}

/* The watch's connection (a new reference) and callback, or NULL. */
static HermodConn *
lookup(guint id, Call *out)
{
    HermodConn *conn = NULL;

    g_mutex_lock(&lock);
    Watch *w = by_id != NULL ? g_hash_table_lookup(by_id, GUINT_TO_POINTER(id)) : NULL;
    if (w != NULL && hermod_conn_is_closed(w->conn)) {
        remove_locked(id);
    } else if (w != NULL) {
        conn = hermod_conn_ref(w->conn);
        out->fn = w->fn;
        out->data = w->data;
    }
    g_mutex_unlock(&lock);
    return conn;
}

/* On the watchers' loop. */
static void
fire(gpointer p)
{
    Batch *b = p;

    for (guint i = 0; i < b->ids->len; i++) {
        Call c = {NULL, b->mailbox, NULL};
        HermodConn *conn = lookup(g_array_index(b->ids, guint, i), &c);
        if (conn == NULL)
            continue;
        hermod_conn_dispatch(conn, call, &c);
        hermod_conn_unref(conn);
    }
    g_array_unref(b->ids);
    g_free(b->mailbox);
    g_free(b);
}

/* Lock held.  The batch for loop in batches, added if missing. */
static Batch *
batch_for(GPtrArray *batches, HermodLoop *loop, const char *mailbox)
{
    for (guint i = 0; i < batches->len; i++) {
        Batch *b = batches->pdata[i];
        if (b->loop == loop)
            return b;
    }
    Batch *b = g_new0(Batch, 1);
    b->loop = loop;
    b->ids = g_array_new(FALSE, FALSE, sizeof(guint));
    b->mailbox = g_strdup(mailbox);
    g_ptr_array_add(batches, b);
    return b;
}

guint
hermod_store_account_watch_add(const char *account, HermodAccountWatchFunc fn, gpointer data)
{
    FuncWatch *f = g_new0(FuncWatch, 1);

    f->account = g_strdup(account);
    f->fn = fn;
    f->data = data;
    g_mutex_lock(&lock);
    f->id = ++last_id;
    g_ptr_array_add(account_get(account)->funcs, f);
    g_mutex_unlock(&lock);
    return f->id;
}

static gboolean
func_has_id(gconstpointer a, gconstpointer b)
{
    return ((const FuncWatch *)a)->id == GPOINTER_TO_UINT(b);
}

void
hermod_store_account_watch_remove(guint id)
{
    GHashTableIter it;
    gpointer value;
    guint pos;

    g_rw_lock_writer_lock(&func_calls);
    g_mutex_lock(&lock);
    if (by_account != NULL) {
        g_hash_table_iter_init(&it, by_account);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
            Account *a = value;
            if (g_ptr_array_find_with_equal_func(a->funcs, GUINT_TO_POINTER(id), func_has_id,
                                                 &pos)) {
                g_ptr_array_remove_index_fast(a->funcs, pos);
                break;
            }
        }
    }
    g_mutex_unlock(&lock);
    g_rw_lock_writer_unlock(&func_calls);
}

/* Run the connectionless watches of account, outside the lock. */
static void
notify_funcs(const char *account, const char *mailbox)
{
    g_autoptr(GArray) calls = g_array_new(FALSE, FALSE, sizeof(FuncWatch));

    g_rw_lock_reader_lock(&func_calls);
    g_mutex_lock(&lock);
    Account *a = account_get(account);
    for (guint i = 0; i < a->funcs->len; i++)
        g_array_append_val(calls, *(FuncWatch *)a->funcs->pdata[i]);
    g_mutex_unlock(&lock);
    for (guint i = 0; i < calls->len; i++) {
        FuncWatch *f = &g_array_index(calls, FuncWatch, i);
        f->fn(account, mailbox, f->data);
    }
    g_rw_lock_reader_unlock(&func_calls);
}

void
hermod_store_notify(const char *account, const char *mailbox)
{
    g_autoptr(GPtrArray) batches = g_ptr_array_new();

    g_mutex_lock(&lock);
    Account *a = account_get(account);
    a->stamp = ++last_stamp;
    for (guint i = 0; i < a->watches->len; i++) {
        Watch *w = a->watches->pdata[i];
        Batch *b = batch_for(batches, hermod_conn_loop(w->conn), mailbox);
        g_array_append_val(b->ids, w->id);
    }
    g_mutex_unlock(&lock);
    for (guint i = 0; i < batches->len; i++) {
        Batch *b = batches->pdata[i];
        hermod_loop_post(b->loop, fire, b);
    }
    notify_funcs(account, mailbox);
}

guint64
hermod_store_change_stamp(HermodStore *store)
{
    guint64 stamp = 0;

    g_mutex_lock(&lock);
    Account *a = by_account != NULL ? g_hash_table_lookup(by_account, store->account) : NULL;
    if (a != NULL)
        stamp = a->stamp;
    g_mutex_unlock(&lock);
    return stamp;
}

void
hermod_store_watch_conn_closed(HermodConn *conn)
{
    g_mutex_lock(&lock);
    GArray *ids = by_conn != NULL ? g_hash_table_lookup(by_conn, conn) : NULL;
    while (ids != NULL && ids->len > 0) {
        guint id = g_array_index(ids, guint, ids->len - 1);
        gboolean is_last = ids->len == 1;
        remove_locked(id); /* frees ids with the last one */
        if (is_last)
            break;
    }
    g_mutex_unlock(&lock);
}

guint
hermod_store_watch_count(const char *account)
{
    Account *a;
    guint n;

    g_mutex_lock(&lock);
    a = by_account != NULL ? g_hash_table_lookup(by_account, account) : NULL;
    n = a != NULL ? a->watches->len : 0;
    g_mutex_unlock(&lock);
    return n;
}
