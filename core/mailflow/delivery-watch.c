/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * delivery-watch.c - the list of functions told of each local delivery.
 *
 * message.c calls hermod_delivery_watch_notify after a message reached a
 * local account's INBOX; modules add watches through HermodApi (the dav
 * module applies iMIP on arrival).  Calls run under a reader lock, so a
 * remove (the writer) waits for calls in progress and none follows.  The
 * watches only queue work, so the lock is held briefly.
 */
#include "autoconfig.h"

#include "mailflow/delivery-watch.h"

typedef struct {
    guint id;
    HermodDeliveryFunc fn;
    gpointer data;
} Watch;

static GRWLock lock;
static GArray *watches; /* of Watch */
static guint last_id;

guint
hermod_delivery_watch_add(HermodDeliveryFunc fn, gpointer data)
{
    Watch w = {0, fn, data};

    g_rw_lock_writer_lock(&lock);
    if (watches == NULL)
        watches = g_array_new(FALSE, FALSE, sizeof(Watch));
    w.id = ++last_id;
    g_array_append_val(watches, w);
    g_rw_lock_writer_unlock(&lock);
    return w.id;
}

void
hermod_delivery_watch_remove(guint id)
{
    g_rw_lock_writer_lock(&lock);
    for (guint i = 0; watches != NULL && i < watches->len; i++) {
        if (g_array_index(watches, Watch, i).id == id) {
            g_array_remove_index(watches, i);
            break;
        }
    }
    if (watches != NULL && watches->len == 0)
        g_clear_pointer(&watches, g_array_unref);
    g_rw_lock_writer_unlock(&lock);
}

void
hermod_delivery_watch_notify(const char *account, const char *sender, GBytes *message)
{
    g_rw_lock_reader_lock(&lock);
    for (guint i = 0; watches != NULL && i < watches->len; i++) {
        const Watch *w = &g_array_index(watches, Watch, i);
        w->fn(account, sender != NULL ? sender : "", message, w->data);
    }
    g_rw_lock_reader_unlock(&lock);
}
