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
 * and the accounts marked changed.  At start and then hourly every
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
 * with *out_wait the seconds until the next one. */
static char *
take_next(gint64 now, gint64 *out_wait)
{
    GHashTableIter it;
    gpointer k, v;
    gint64 first = G_MAXINT64;

    g_hash_table_iter_init(&it, changed);
    if (g_hash_table_iter_next(&it, &k, NULL)) {
        char *account = g_strdup(k);
        g_hash_table_iter_remove(&it);
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

static gpointer
run(gpointer unused)
{
    gint64 next_rescan = 0;

    g_mutex_lock(&lock);
    while (!is_stopping) {
        gint64 now = now_s(), wait = WAKE_MAX;
        char *account;
        if (now >= next_rescan) {
            next_rescan = now + RESCAN;
            g_mutex_unlock(&lock);
            mark_all();
            g_mutex_lock(&lock);
            continue;
        }
        account = take_next(now, &wait);
        if (account == NULL) {
            g_cond_wait_until(&wake, &lock, g_get_monotonic_time() + wait * G_USEC_PER_SEC);
            continue;
        }
        g_mutex_unlock(&lock);
        gint64 next = look_at(account);
        g_mutex_lock(&lock);
        if (next != G_MAXINT64) {
            gint64 *t = g_new(gint64, 1);
            *t = next;
            g_hash_table_replace(due, account, t);
        } else {
            g_hash_table_remove(due, account);
            g_free(account);
        }
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
    g_mutex_unlock(&lock);
}
