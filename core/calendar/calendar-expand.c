/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * calendar-expand.c - CALDAV:expand (RFC 4791 9.6.5): the instances of an
 * object inside a window, each its own component.
 *
 * Every instance becomes a copy of its master (rules and exceptions
 * removed, DTSTART moved, DTEND kept at the same length, a RECURRENCE-ID
 * added) or of its override; date-times are rewritten in UTC, DATE
 * values stay dates, and the VTIMEZONEs go, as the RFC asks.  Other
 * properties (X- ones too) are copied as libical parsed them.
 */
#include "autoconfig.h"

#include <stdlib.h>

#include "calendar/calendar-instances.h"
#include "calendar/calendar.h"

static struct icaltimetype
utc_time(gint64 t, gboolean is_date)
{
    struct icaltimetype v =
        icaltime_from_timet_with_zone((time_t)t, is_date, icaltimezone_get_utc_timezone());

    return v;
}

/* Rewrite p (of clone) from orig's value in UTC, dropping TZID. */
static void
to_utc(icalcomponent *orig, icalcomponent *clone, icalproperty_kind kind)
{
    icalproperty *from = icalcomponent_get_first_property(orig, kind);
    icalproperty *to = icalcomponent_get_first_property(clone, kind);
    struct icaltimetype t;

    if (from == NULL || to == NULL)
        return;
    t = icalproperty_get_datetime_with_component(from, orig);
    if (t.is_date)
        return;
    icalproperty_remove_parameter_by_kind(to, ICAL_TZID_PARAMETER);
    icalvalue_set_datetime(icalproperty_get_value(to), utc_time(cal_timet(t), FALSE));
}

static void
remove_all(icalcomponent *c, icalproperty_kind kind)
{
    icalproperty *p;

    while ((p = icalcomponent_get_first_property(c, kind)) != NULL) {
        icalcomponent_remove_property(c, p);
        icalproperty_free(p);
    }
}

/* Set kind to t (UTC, or a date), dropping TZID. */
static void
set_time(icalcomponent *c, icalproperty_kind kind, gint64 t, gboolean is_date)
{
    icalproperty *p = icalcomponent_get_first_property(c, kind);

    if (p == NULL) {
        p = icalproperty_new(kind);
        icalcomponent_add_property(c, p);
    }
    icalproperty_remove_parameter_by_kind(p, ICAL_TZID_PARAMETER);
    icalproperty_remove_parameter_by_kind(p, ICAL_VALUE_PARAMETER);
    icalproperty_set_value(p, is_date ? icalvalue_new_date(utc_time(t, TRUE))
                                      : icalvalue_new_datetime(utc_time(t, FALSE)));
    if (is_date)
        icalproperty_add_parameter(p, icalparameter_new_value(ICAL_VALUE_DATE));
}

static gboolean
add_instance(const CalInstance *inst, gpointer data)
{
    icalcomponent *out = data;
    icalcomponent *clone = icalcomponent_new_clone(inst->comp);
    gboolean is_date = icalcomponent_get_dtstart(inst->comp).is_date;

    if (inst->is_recurring && !inst->is_override) {
        remove_all(clone, ICAL_RRULE_PROPERTY);
        remove_all(clone, ICAL_RDATE_PROPERTY);
        remove_all(clone, ICAL_EXDATE_PROPERTY);
        set_time(clone, ICAL_DTSTART_PROPERTY, inst->start, is_date);
        if (icalcomponent_get_first_property(clone, ICAL_DTEND_PROPERTY) != NULL)
            set_time(clone, ICAL_DTEND_PROPERTY, inst->end, is_date);
        set_time(clone, ICAL_RECURRENCEID_PROPERTY, inst->recurrence_id, is_date);
    } else {
        to_utc(inst->comp, clone, ICAL_DTSTART_PROPERTY);
        to_utc(inst->comp, clone, ICAL_DTEND_PROPERTY);
        to_utc(inst->comp, clone, ICAL_DUE_PROPERTY);
        to_utc(inst->comp, clone, ICAL_RECURRENCEID_PROPERTY);
        if (inst->is_recurring) {
            remove_all(clone, ICAL_RRULE_PROPERTY);
            remove_all(clone, ICAL_RDATE_PROPERTY);
            remove_all(clone, ICAL_EXDATE_PROPERTY);
        }
    }
    icalcomponent_add_component(out, clone);
    return TRUE;
}

char *
hermod_calendar_expand(const char *ical, gint64 start, gint64 end, GError **error)
{
    icalcomponent *vcal = cal_parse(ical, error);
    icalcomponent *out;
    char *raw, *text;

    if (vcal == NULL)
        return NULL;
    out = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
    for (icalproperty *p = icalcomponent_get_first_property(vcal, ICAL_ANY_PROPERTY); p != NULL;
         p = icalcomponent_get_next_property(vcal, ICAL_ANY_PROPERTY))
        icalcomponent_add_property(out, icalproperty_new_clone(p));
    cal_instances(vcal, ICAL_ANY_COMPONENT, start, end, add_instance, out);
    raw = icalcomponent_as_ical_string_r(out);
    text = g_strdup(raw);
    free(raw);
    icalcomponent_free(out);
    icalcomponent_free(vcal);
    return text;
}
