/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-share.c - one read result for many sessions: when a change wakes
 * thousands of IDLE sessions of one account, each asks the same quick
 * questions (the mailbox's status, what changed since the MODSEQ they all
 * know); the first asks SQLite, the others get a copy of its answer.
 *
 * A result is filed under (account, key) with the account's change stamp
 * (store-watch.c) read before the read was made, and handed out only to a
 * caller that reads the same stamp: the store notifies after every commit,
 * so an unchanged stamp means no commit was notified since the read began,
 * and anything committed but not yet notified could as well have been
 * missed by a read of its own.  Results also expire after MAX_AGE, which
 * bounds the effect of a change nobody notified (files recovered when a
 * store is opened again).  Any thread; one mutex, never held while
 * reading the index.
 */
#include "autoconfig.h"

#include "store/store-private.h"
#include "store/store.h"

#define MAX_AGE     (2 * G_USEC_PER_SEC)
#define MAX_ENTRIES 1024

typedef struct {
    guint64 stamp;
    gint64 born; /* monotonic */
    gpointer value;
    GDestroyNotify free_fn;
} Entry;

static GMutex lock;
static GHashTable *entries; /* "account\nkey" -> Entry * (owns) */

static void
entry_free(gpointer p)
{
    Entry *e = p;

    if (e->free_fn != NULL)
        e->free_fn(e->value);
    g_free(e);
}

static char *
full_key(HermodStore *store, const char *key)
{
    return g_strconcat(store->account, "\n", key, NULL);
}

gpointer
hermod_store_share_get(HermodStore *store, const char *key, guint64 stamp, HermodShareCopy copy)
{
    g_autofree char *k = full_key(store, key);
    gpointer out = NULL;

    g_mutex_lock(&lock);
    Entry *e = entries != NULL ? g_hash_table_lookup(entries, k) : NULL;
    if (e != NULL && e->stamp == stamp && g_get_monotonic_time() - e->born < MAX_AGE)
        out = copy(e->value);
    g_mutex_unlock(&lock);
    return out;
}

/* Lock held.  Drop what expired; everything if that is not enough. */
static void
prune(void)
{
    GHashTableIter iter;
    gpointer value;
    gint64 now = g_get_monotonic_time();

    g_hash_table_iter_init(&iter, entries);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        Entry *e = value;
        if (now - e->born >= MAX_AGE)
            g_hash_table_iter_remove(&iter);
    }
    if (g_hash_table_size(entries) >= MAX_ENTRIES)
        g_hash_table_remove_all(entries);
}

void
hermod_store_share_put(HermodStore *store, const char *key, guint64 stamp, gpointer value,
                       GDestroyNotify free_fn)
{
    char *k = full_key(store, key);
    Entry *e = g_new0(Entry, 1);

    e->stamp = stamp;
    e->born = g_get_monotonic_time();
    e->value = value;
    e->free_fn = free_fn;
    g_mutex_lock(&lock);
    if (entries == NULL)
        entries = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, entry_free);
    Entry *old = g_hash_table_lookup(entries, k);
    if (old != NULL && old->stamp > stamp) {
        /* A read that began after a later change got there first. */
        g_mutex_unlock(&lock);
        g_free(k);
        entry_free(e);
        return;
    }
    if (old == NULL && g_hash_table_size(entries) >= MAX_ENTRIES)
        prune();
    g_hash_table_replace(entries, k, e);
    g_mutex_unlock(&lock);
}
