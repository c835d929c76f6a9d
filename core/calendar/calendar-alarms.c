/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * calendar-alarms.c - when the alarms (VALARM) of an object come due,
 * instance by instance, for the dav module's reminders.
 *
 * A relative TRIGGER is counted from each instance's start (or end,
 * RELATED=END) as calendar-instances.c walks them, so a recurring
 * event's alarm comes due once per instance and an override carries
 * its own alarms; an absolute TRIGGER comes due once.  What a client
 * wrote back is honoured: RFC 9074 ACKNOWLEDGED on the alarm and
 * Thunderbird's X-MOZ-LASTACK on the component silence every due time
 * at or before them, and X-MOZ-SNOOZE-TIME (X-MOZ-SNOOZE-TIME-<RID in
 * microseconds> for an instance of a recurring master) is a due time of
 * its own.  Offsets and the look-ahead are bounded by a year, the walk
 * by WALK_MAX instances.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "calendar/calendar-instances.h"
#include "calendar/calendar.h"

#define YEAR     (366 * 86400LL)
#define WALK_MAX 20000

typedef struct {
    gint64 after, until;
    GPtrArray *out;
    gint64 next;
    guint walked;
} Alarms;

void
hermod_calendar_alarm_free(HermodCalAlarm *a)
{
    if (a == NULL)
        return;
    g_free(a->uid);
    g_free(a->summary);
    g_free(a->description);
    g_free(a->location);
    g_free(a);
}

/* The time of c's X- property name, 0 when it has none. */
static gint64
x_time(icalcomponent *c, const char *name)
{
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_X_PROPERTY); p != NULL;
         p = icalcomponent_get_next_property(c, ICAL_X_PROPERTY)) {
        const char *v = icalproperty_get_value_as_string(p);
        if (g_ascii_strcasecmp(icalproperty_get_x_name(p), name) == 0 && v != NULL)
            return cal_timet(icaltime_from_string(v));
    }
    return 0;
}

static gint64
acknowledged(icalcomponent *alarm)
{
    icalproperty *p = icalcomponent_get_first_property(alarm, ICAL_ACKNOWLEDGED_PROPERTY);

    return p != NULL ? cal_timet(icalproperty_get_acknowledged(p)) : 0;
}

static const char *
text_of(icalcomponent *c, icalproperty_kind kind)
{
    icalproperty *p = icalcomponent_get_first_property(c, kind);

    return p != NULL ? icalproperty_get_value_as_string(p) : NULL;
}

/* Count one due time t: into out when in (after, until], else maybe the
 * next one. */
static void
add(Alarms *a, icalcomponent *comp, icalcomponent *alarm, gint index, gint64 t,
    const CalInstance *inst)
{
    HermodCalAlarm *r;
    icalproperty *act =
        alarm != NULL ? icalcomponent_get_first_property(alarm, ICAL_ACTION_PROPERTY) : NULL;

    if (t <= x_time(comp, "X-MOZ-LASTACK") || (alarm != NULL && t <= acknowledged(alarm)))
        return;
    if (t > a->until) {
        if (t <= a->until + YEAR)
            a->next = MIN(a->next, t);
        return;
    }
    if (t <= a->after)
        return;
    r = g_new0(HermodCalAlarm, 1);
    r->trigger = t;
    r->start = inst != NULL ? inst->start : cal_prop_timet(comp, ICAL_DTSTART_PROPERTY);
    r->end = inst != NULL ? inst->end : r->start;
    r->recurrence_id = inst != NULL && inst->is_recurring ? inst->recurrence_id : 0;
    r->action = act != NULL && icalproperty_get_action(act) == ICAL_ACTION_EMAIL
                    ? HERMOD_CAL_ALARM_EMAIL
                    : HERMOD_CAL_ALARM_DISPLAY;
    r->index = index;
    r->uid = g_strdup(icalcomponent_get_uid(comp));
    r->summary = g_strdup(text_of(comp, ICAL_SUMMARY_PROPERTY));
    if (alarm != NULL)
        r->description = g_strdup(text_of(alarm, ICAL_DESCRIPTION_PROPERTY));
    r->location = g_strdup(text_of(comp, ICAL_LOCATION_PROPERTY));
    g_ptr_array_add(a->out, r);
}

/* A relative trigger's offset; FALSE for an absolute one. */
static gboolean
offset_of(icalcomponent *alarm, gint64 *out, gboolean *out_from_end)
{
    icalproperty *p = icalcomponent_get_first_property(alarm, ICAL_TRIGGER_PROPERTY);
    icalparameter *rel;
    struct icaltriggertype tr;

    if (p == NULL)
        return FALSE;
    tr = icalproperty_get_trigger(p);
    if (!icaltime_is_null_time(tr.time))
        return FALSE;
    rel = icalproperty_get_first_parameter(p, ICAL_RELATED_PARAMETER);
    *out_from_end = rel != NULL && icalparameter_get_related(rel) == ICAL_RELATED_END;
    *out = icaldurationtype_as_int(tr.duration);
    return TRUE;
}

static gboolean
on_instance(const CalInstance *inst, gpointer data)
{
    Alarms *a = data;
    gint index = 0;

    for (icalcomponent *al = icalcomponent_get_first_component(inst->comp, ICAL_VALARM_COMPONENT);
         al != NULL;
         al = icalcomponent_get_next_component(inst->comp, ICAL_VALARM_COMPONENT), index++) {
        gint64 off;
        gboolean from_end = FALSE;
        if (offset_of(al, &off, &from_end) && ABS(off) <= YEAR)
            add(a, inst->comp, al, index, (from_end ? inst->end : inst->start) + off, inst);
    }
    return ++a->walked < WALK_MAX;
}

/* Absolute triggers and snoozes of one component: once each. */
static void
once(Alarms *a, icalcomponent *comp)
{
    gint index = 0;
    gboolean is_master = icalcomponent_get_first_property(comp, ICAL_RRULE_PROPERTY) != NULL ||
                         icalcomponent_get_first_property(comp, ICAL_RDATE_PROPERTY) != NULL;

    for (icalcomponent *al = icalcomponent_get_first_component(comp, ICAL_VALARM_COMPONENT);
         al != NULL; al = icalcomponent_get_next_component(comp, ICAL_VALARM_COMPONENT), index++) {
        icalproperty *p = icalcomponent_get_first_property(al, ICAL_TRIGGER_PROPERTY);
        gint64 off;
        gboolean from_end;
        if (p != NULL && !offset_of(al, &off, &from_end))
            add(a, comp, al, index, cal_timet(icalproperty_get_trigger(p).time), NULL);
    }
    /* add() reads comp's properties: the iterator is comp's own state */
    g_autoptr(GPtrArray) snoozes = g_ptr_array_new();
    for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_X_PROPERTY); p != NULL;
         p = icalcomponent_get_next_property(comp, ICAL_X_PROPERTY))
        g_ptr_array_add(snoozes, p);
    for (guint i = 0; i < snoozes->len; i++) {
        icalproperty *p = snoozes->pdata[i];
        const char *name = icalproperty_get_x_name(p), *v = icalproperty_get_value_as_string(p);
        CalInstance inst = {.comp = comp};
        if (name == NULL || v == NULL ||
            g_ascii_strncasecmp(name, "X-MOZ-SNOOZE-TIME", strlen("X-MOZ-SNOOZE-TIME")) != 0)
            continue;
        if (name[strlen("X-MOZ-SNOOZE-TIME")] == '-' && is_master) {
            inst.recurrence_id =
                g_ascii_strtoll(name + strlen("X-MOZ-SNOOZE-TIME-"), NULL, 10) / G_USEC_PER_SEC;
            inst.start = inst.recurrence_id;
            inst.end = inst.start;
            inst.is_recurring = TRUE;
        } else if (name[strlen("X-MOZ-SNOOZE-TIME")] != '\0') {
            continue;
        } else {
            inst.start = inst.end = cal_prop_timet(comp, ICAL_DTSTART_PROPERTY);
        }
        /* a display alarm (LASTACK, set when it was made, is before it) */
        add(a, comp, NULL, -1, cal_timet(icaltime_from_string(v)), &inst);
    }
}

/* The largest offset of any relative trigger, at most a year. */
static gint64
max_offset(icalcomponent *vcal)
{
    gint64 most = 0;

    for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c != NULL;
         c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT))
        for (icalcomponent *al = icalcomponent_get_first_component(c, ICAL_VALARM_COMPONENT);
             al != NULL; al = icalcomponent_get_next_component(c, ICAL_VALARM_COMPONENT)) {
            gint64 off;
            gboolean from_end;
            if (offset_of(al, &off, &from_end))
                most = MAX(most, MIN(ABS(off), YEAR));
        }
    return most;
}

gboolean
hermod_calendar_alarms(const char *ical, gint64 after, gint64 until, GPtrArray *out,
                       gint64 *out_next, GError **error)
{
    icalcomponent *vcal = cal_parse(ical, error);
    Alarms a = {.after = after, .until = until, .out = out, .next = G_MAXINT64};
    g_autoptr(GPtrArray) comps = g_ptr_array_new();
    gint64 off;

    if (vcal == NULL)
        return FALSE;
    off = max_offset(vcal);
    for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c != NULL;
         c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT)) {
        icalcomponent_kind k = icalcomponent_isa(c);
        if (k == ICAL_VEVENT_COMPONENT || k == ICAL_VTODO_COMPONENT)
            g_ptr_array_add(comps, c);
    }
    for (guint i = 0; i < comps->len; i++)
        once(&a, comps->pdata[i]);
    cal_instances(vcal, ICAL_VEVENT_COMPONENT, after - off - 1, until + YEAR + off + 1, on_instance,
                  &a);
    a.walked = 0;
    cal_instances(vcal, ICAL_VTODO_COMPONENT, after - off - 1, until + YEAR + off + 1, on_instance,
                  &a);
    icalcomponent_free(vcal);
    if (out_next != NULL)
        *out_next = a.next;
    return TRUE;
}
