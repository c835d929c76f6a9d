/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * instances.c - the instances of recurring events, kept between queries
 * so that a calendar view's time-range REPORT does not parse the same
 * objects again and again.
 *
 * Keyed by the object's ETag (strong: from its bytes, so a changed
 * object is a new key and an old entry is never wrong) and component;
 * the value is every instance from HermodDavApi.cal_instances (ABI
 * 1.13).  Only bounded objects (a finite span) are kept, at most
 * INSTANCES_MAX instances each, ENTRIES_MAX entries in all (when full,
 * everything is dropped and the cache fills again).  Entries hold only
 * times, shared by every account (the same bytes have the same
 * instances); one mutex, since queries run on several pool threads.
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/dav.h"

#define ENTRIES_MAX   20000
#define INSTANCES_MAX 2000

static GMutex lock;
static GHashTable *cache; /* "ETAG COMPONENT" -> GArray of HermodCalPeriod */

static gboolean
test(GArray *periods, gint64 start, gint64 end)
{
    for (guint i = 0; i < periods->len; i++) {
        const HermodCalPeriod *p = &g_array_index(periods, HermodCalPeriod, i);
        if (p->end == p->start ? start <= p->start && end > p->start
                               : start < p->end && end > p->start)
            return TRUE;
    }
    return FALSE;
}

gboolean
dav_instances_overlap(const HermodDavObject *o, const char *component, const char *text,
                      gint64 start, gint64 end, gboolean *out)
{
    g_autofree char *key = NULL;
    GArray *periods;

    if (!HERMOD_DAV_API_HAS(dav_api->dav, cal_instances) || o->etag == NULL ||
        o->last_end == G_MAXINT64 || o->first_start == G_MININT64 ||
        (g_ascii_strcasecmp(component, "VEVENT") != 0 &&
         g_ascii_strcasecmp(component, "VJOURNAL") != 0))
        return FALSE;
    key = g_strconcat(o->etag, " ", component, NULL);
    g_mutex_lock(&lock);
    periods = cache != NULL ? g_hash_table_lookup(cache, key) : NULL;
    if (periods != NULL)
        *out = test(periods, start, end);
    g_mutex_unlock(&lock);
    if (periods != NULL)
        return TRUE;
    periods = g_array_new(FALSE, FALSE, sizeof(HermodCalPeriod));
    if (!dav_api->dav->cal_instances(text, component, periods, NULL) ||
        periods->len > INSTANCES_MAX) {
        g_array_unref(periods);
        return FALSE;
    }
    *out = test(periods, start, end);
    g_mutex_lock(&lock);
    if (cache == NULL || g_hash_table_size(cache) >= ENTRIES_MAX) {
        g_clear_pointer(&cache, g_hash_table_unref);
        cache =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
    }
    g_hash_table_replace(cache, g_steal_pointer(&key), periods);
    g_mutex_unlock(&lock);
    return TRUE;
}

void
dav_instances_clear(void)
{
    g_mutex_lock(&lock);
    g_clear_pointer(&cache, g_hash_table_unref);
    g_mutex_unlock(&lock);
}
