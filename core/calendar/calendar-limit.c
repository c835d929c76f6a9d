/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * calendar-limit.c - CALDAV:limit-recurrence-set (RFC 4791 9.6.6): an
 * object cut down to its masters and the overridden components that
 * impact a time range.
 *
 * An override impacts [start, end) when its own instance overlaps it
 * (the instance walk of calendar-instances.c, RFC 4791 9.9 rules), when
 * its original instance -- RECURRENCE-ID, with the master's length --
 * would have, or when its RECURRENCE-ID has RANGE=THISANDFUTURE and
 * starts before end (it changes instances that may fall inside).  The
 * rest of the object (masters, VTIMEZONEs, properties) is kept as it is.
 */
#include "autoconfig.h"

#include <stdlib.h>

#include "calendar/calendar-instances.h"
#include "calendar/calendar.h"

static gboolean
add_override(const CalInstance *inst, gpointer data)
{
    if (inst->is_override)
        g_hash_table_add(data, inst->comp);
    return TRUE;
}

/* The master of override's UID in vcal, or NULL. */
static icalcomponent *
master_of(icalcomponent *vcal, icalcomponent *override)
{
    const char *uid = icalcomponent_get_uid(override);

    for (icalcomponent *c = icalcomponent_get_first_component(vcal, icalcomponent_isa(override));
         c != NULL; c = icalcomponent_get_next_component(vcal, icalcomponent_isa(override)))
        if (icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY) == NULL &&
            g_strcmp0(icalcomponent_get_uid(c), uid) == 0)
            return c;
    return NULL;
}

static gboolean
impacts(icalcomponent *vcal, icalcomponent *c, gint64 start, gint64 end)
{
    icalproperty *rid = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
    icalparameter *range = icalproperty_get_first_parameter(rid, ICAL_RANGE_PARAMETER);
    icalcomponent *master = master_of(vcal, c);
    gint64 t = cal_prop_timet(c, ICAL_RECURRENCEID_PROPERTY);

    if (range != NULL && icalparameter_get_range(range) == ICAL_RANGE_THISANDFUTURE)
        return t < end;
    return cal_overlaps_span(t, t + (master != NULL ? cal_length(master) : cal_length(c)), start,
                             end);
}

char *
hermod_calendar_limit(const char *ical, gint64 start, gint64 end, GError **error)
{
    icalcomponent *vcal = cal_parse(ical, error);
    g_autoptr(GHashTable) keep = NULL;
    g_autoptr(GPtrArray) comps = NULL, drop = NULL;
    char *raw, *text;

    if (vcal == NULL)
        return NULL;
    keep = g_hash_table_new(g_direct_hash, g_direct_equal);
    comps = g_ptr_array_new();
    drop = g_ptr_array_new();
    cal_instances(vcal, ICAL_ANY_COMPONENT, start, end, add_override, keep);
    /* The component iterator is vcal's own state (master_of uses it too):
     * collect first. */
    for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c != NULL;
         c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT))
        g_ptr_array_add(comps, c);
    for (guint i = 0; i < comps->len; i++) {
        icalcomponent *c = comps->pdata[i];
        if (icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY) != NULL &&
            !g_hash_table_contains(keep, c) && !impacts(vcal, c, start, end))
            g_ptr_array_add(drop, c);
    }
    for (guint i = 0; i < drop->len; i++) {
        icalcomponent_remove_component(vcal, drop->pdata[i]);
        icalcomponent_free(drop->pdata[i]);
    }
    raw = icalcomponent_as_ical_string_r(vcal);
    text = g_strdup(raw);
    free(raw);
    icalcomponent_free(vcal);
    return text;
}
