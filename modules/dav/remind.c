/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * remind.c - the calendar reminder scheduler: one thread that sleeps
 * until the next alarm of any account comes due.
 *
 * It lives in the dav module because the module owns the calendar data
 * and sees every change to it (a PUT, DELETE, COPY, MOVE, an invitation
 * placed by scheduling): request.c calls dav_remind_changed, which wakes
 * the thread to look at that account again.  The core gives what is not
 * the module's: recurrence and alarm times (cal_alarms, core/calendar/),
 * the per-object record of what was fired (reminder_get/set, the
 * account's store) and the delivery (the IM hub, mail submission).
 *
 * State, under lock: the next due time of each account that has one,
 * the accounts marked changed (all their calendars are looked at), and
 * the objects a PUT stored (dav_remind_object_changed: only those are
 * looked at, so that a client storing 3,000 events does not have the
 * thread parse every event of the account after each of them).  An
 * account's due time is a lower bound: a looked-at object can only make
 * it sooner, and when it comes, all its calendars are looked at, which
 * sets it exactly again.  At start and then hourly every
 * account of every local domain is looked at (the catch-up after a
 * restart: alarms that came due while hermodd was down fire then, once,
 * from the store's record).  The thread wakes at least every WAKE_MAX
 * seconds, so that a wall-clock jump delays nothing for long.
 */
#include "autoconfig.h"

#include "dav/dav.h"
#include "dav/remind.h"

#define RESCAN   3600
#define WAKE_MAX 30

static GMutex lock;
static GCond wake;
static GThread *thread;
static gboolean is_stopping;
static GHashTable *due;     /* account -> gint64 * next due, seconds */
static GHashTable *changed; /* accounts to look at again */
static GHashTable *touched; /* account -> GPtrArray of Touched*: objects to look at */

typedef struct {
    gint64 collection_id;
    char *name;
} Touched;

static void
touched_free(Touched *t)
{
    g_free(t->name);
    g_free(t);
}

static gint64
now_s(void)
{
    return g_get_real_time() / G_USEC_PER_SEC;
}

/* Blocking.  The next due time of account's calendars (G_MAXINT64:
 * none), after firing what is due. */
static gint64
look_at(const char *account)
{
    g_autoptr(GError) error = NULL;
    HermodMailStore *store = dav_api->mail->open(account, &error);
    g_autoptr(GPtrArray) colls = NULL;
    gint64 next = G_MAXINT64, now = now_s();

    if (store == NULL) {
        dav_api->log(HERMOD_LOG_WARNING, NULL, "reminders of <%s>: %s", account, error->message);
        return now + WAKE_MAX;
    }
    colls = dav_api->dav->collections(store, "cal", &error);
    for (guint i = 0; colls != NULL && i < colls->len; i++) {
        const HermodDavCollection *c = colls->pdata[i];
        g_autoptr(GPtrArray) objs = NULL;
        if (c->kind != HERMOD_DAV_KIND_CALENDAR)
            continue;
        objs = dav_api->dav->objects(store, c->id, TRUE, 0, 0, &error);
        for (guint j = 0; objs != NULL && j < objs->len; j++) {
            gint64 n = G_MAXINT64;
            dav_remind_object(store, account, c->id, objs->pdata[j], now, &n);
            next = MIN(next, n);
        }
        if (objs != NULL)
            g_ptr_array_set_free_func(objs, (GDestroyNotify)dav_api->dav->object_free);
        if (objs == NULL || !dav_api->dav->reminder_prune(store, c->id, &error))
            break;
    }
    if (error != NULL) {
        dav_api->log(HERMOD_LOG_WARNING, NULL, "reminders of <%s>: %s", account, error->message);
        next = MIN(next, now + WAKE_MAX);
    }
    if (colls != NULL)
        g_ptr_array_set_free_func(colls, (GDestroyNotify)dav_api->dav->collection_free);
    dav_api->mail->unref(store);
    return next;
}

/* Blocking.  The soonest next due time of account's objects list (of
 * Touched; G_MAXINT64: none), after firing what is due.  A name no
 * longer there has nothing to fire. */
static gint64
look_at_objects(const char *account, GPtrArray *list)
{
    g_autoptr(GError) error = NULL;
    HermodMailStore *store = dav_api->mail->open(account, &error);
    gint64 next = G_MAXINT64, now = now_s();

    if (store == NULL) {
        dav_api->log(HERMOD_LOG_WARNING, NULL, "reminders of <%s>: %s", account, error->message);
        return now + WAKE_MAX;
    }
    for (guint i = 0; i < list->len && error == NULL; i++) {
        const Touched *t = list->pdata[i];
        HermodDavObject *o = NULL;
        gint64 n = G_MAXINT64;
        if (dav_api->dav->object(store, t->collection_id, t->name, &o, &error) && o != NULL)
            dav_remind_object(store, account, t->collection_id, o, now, &n);
        dav_api->dav->object_free(o);
        next = MIN(next, n);
    }
    if (error != NULL) {
        dav_api->log(HERMOD_LOG_WARNING, NULL, "reminders of <%s>: %s", account, error->message);
        next = MIN(next, now + WAKE_MAX);
    }
    dav_api->mail->unref(store);
    return next;
}

/* Blocking.  Mark every account of every local domain. */
static void
mark_all(void)
{
    g_autoptr(GPtrArray) domains = dav_api->web->local_domains();

    for (guint i = 0; domains != NULL && i < domains->len; i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) accounts = dav_api->im->accounts(domains->pdata[i], &error);
        if (accounts == NULL) {
            dav_api->log(HERMOD_LOG_WARNING, NULL, "reminders: %s", error->message);
            continue;
        }
        for (guint j = 0; j < accounts->len; j++)
            dav_remind_changed(accounts->pdata[j]);
    }
}

/* Lock held: an account that is due or changed (transfer full), or NULL
 * with *out_wait the seconds until the next one.  *out_objects: NULL to
 * look at all the account's calendars, or only these objects (Touched,
 * transfer full). */
static char *
take_next(gint64 now, gint64 *out_wait, GPtrArray **out_objects)
{
    GHashTableIter it;
    gpointer k, v;
    gint64 first = G_MAXINT64;

    *out_objects = NULL;
    g_hash_table_iter_init(&it, changed);
    if (g_hash_table_iter_next(&it, &k, NULL)) {
        char *account = g_strdup(k);
        g_hash_table_iter_remove(&it);
        g_hash_table_remove(touched, account); /* all are looked at */
        return account;
    }
    g_hash_table_iter_init(&it, touched);
    if (g_hash_table_iter_next(&it, &k, &v)) {
        char *account = g_strdup(k);
        g_hash_table_iter_steal(&it);
        g_free(k);
        *out_objects = v;
        return account;
    }
    g_hash_table_iter_init(&it, due);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        if (*(gint64 *)v <= now) {
            char *account = g_strdup(k);
            g_hash_table_iter_remove(&it);
            return account;
        }
        first = MIN(first, *(gint64 *)v);
    }
    *out_wait = CLAMP(first - now, 1, WAKE_MAX);
    return NULL;
}

/* Lock held.  account's next due time is next (after a look at all its
 * calendars) or, is_lower_bound, at most next.  Takes account. */
static void
set_due(char *account, gint64 next, gboolean is_lower_bound)
{
    gint64 *t = g_hash_table_lookup(due, account);

    if (is_lower_bound && t != NULL) {
        *t = MIN(*t, next);
        g_free(account);
    } else if (next != G_MAXINT64) {
        t = g_new(gint64, 1);
        *t = next;
        g_hash_table_replace(due, account, t);
    } else {
        g_hash_table_remove(due, account);
        g_free(account);
    }
}

static gpointer
run(gpointer unused)
{
    gint64 next_rescan = 0;

    g_mutex_lock(&lock);
    while (!is_stopping) {
        gint64 now = now_s(), wait = WAKE_MAX;
        char *account;
        GPtrArray *objects = NULL;
        gint64 next;
        if (now >= next_rescan) {
            next_rescan = now + RESCAN;
            g_mutex_unlock(&lock);
            mark_all();
            g_mutex_lock(&lock);
            continue;
        }
        account = take_next(now, &wait, &objects);
        if (account == NULL) {
            g_cond_wait_until(&wake, &lock, g_get_monotonic_time() + wait * G_USEC_PER_SEC);
            continue;
        }
        g_mutex_unlock(&lock);
        next = objects != NULL ? look_at_objects(account, objects) : look_at(account);
        g_mutex_lock(&lock);
        set_due(account, next, objects != NULL); /* takes account */
        if (objects != NULL)
            g_ptr_array_unref(objects);
    }
    g_mutex_unlock(&lock);
    return NULL;
}

void
dav_remind_changed(const char *account)
{
    g_mutex_lock(&lock);
    if (changed != NULL) {
        g_hash_table_add(changed, g_ascii_strdown(account, -1));
        g_cond_signal(&wake);
    }
    g_mutex_unlock(&lock);
}

void
dav_remind_object_changed(const char *account, gint64 collection_id, const char *name)
{
    g_mutex_lock(&lock);
    if (touched != NULL) {
        char *key = g_ascii_strdown(account, -1);
        GPtrArray *list = g_hash_table_lookup(touched, key);
        Touched *t = g_new(Touched, 1);
        if (list == NULL) {
            list = g_ptr_array_new_with_free_func((GDestroyNotify)touched_free);
            g_hash_table_insert(touched, key, list);
        } else {
            g_free(key);
        }
        t->collection_id = collection_id;
        t->name = g_strdup(name);
        g_ptr_array_add(list, t);
        g_cond_signal(&wake);
    }
    g_mutex_unlock(&lock);
}

void
dav_remind_start(void)
{
    if (!HERMOD_DAV_API_HAS(dav_api->dav, reminder_prune) || !HERMOD_API_HAS(dav_api, im) ||
        dav_api->im == NULL || !HERMOD_IM_API_HAS(dav_api->im, deliver_notice)) {
        dav_api->log(HERMOD_LOG_WARNING, NULL,
                     "calendar reminders need a core of ABI 1.14 (this one is %u.%u): off",
                     dav_api->abi_major, dav_api->abi_minor);
        return;
    }
    g_mutex_lock(&lock);
    is_stopping = FALSE;
    due = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    changed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    touched =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
    g_mutex_unlock(&lock);
    thread = g_thread_new("dav-remind", run, NULL);
}

void
dav_remind_stop(void)
{
    if (thread == NULL)
        return;
    g_mutex_lock(&lock);
    is_stopping = TRUE;
    g_cond_signal(&wake);
    g_mutex_unlock(&lock);
    g_thread_join(thread);
    thread = NULL;
    g_mutex_lock(&lock);
    g_clear_pointer(&due, g_hash_table_destroy);
    g_clear_pointer(&changed, g_hash_table_destroy);
    g_clear_pointer(&touched, g_hash_table_destroy);
    g_mutex_unlock(&lock);
}
