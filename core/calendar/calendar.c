/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * calendar.c - an object's span, the time-range test and free/busy, each
 * one walk over its instances (calendar-instances.c).
 *
 * The span feeds the store's prefilter column, so it must never be too
 * narrow: a rule without an end, with more than COUNT_MAX instances or
 * more often than daily ends at G_MAXINT64 (walking it would cost too
 * much at every PUT), and anything the walk cannot place (a VTODO
 * without dates) spans everything.
 */
#include "autoconfig.h"

#include "calendar/calendar-instances.h"
#include "calendar/calendar.h"

/* The quark name must stay one word. */
/* clang-format off */
G_DEFINE_QUARK(hermod-calendar-error-quark, hermod_calendar_error)
/* clang-format on */

/* Most instances a span walk counts (see is_endless). */
#define COUNT_MAX 5000

typedef struct {
    gint64 start, end;
    gboolean is_any;
} Span;

static gboolean
grow(const CalInstance *inst, gpointer data)
{
    Span *s = data;

    s->start = s->is_any ? MIN(s->start, inst->start) : inst->start;
    s->end = s->is_any ? MAX(s->end, inst->end) : inst->end;
    s->is_any = TRUE;
    return TRUE;
}

/* Is a rule of vcal too long to walk at every PUT: no UNTIL or COUNT,
 * more than COUNT_MAX instances, or more often than daily (an UNTIL
 * centuries away would be millions of steps)? */
static gboolean
is_endless(icalcomponent *vcal)
{
    for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c != NULL;
         c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT)) {
        for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY); p != NULL;
             p = icalcomponent_get_next_property(c, ICAL_RRULE_PROPERTY)) {
            struct icalrecurrencetype r = icalproperty_get_rrule(p);
            if ((icaltime_is_null_time(r.until) && r.count == 0) || r.count > COUNT_MAX ||
                r.freq < ICAL_DAILY_RECURRENCE)
                return TRUE;
        }
    }
    return FALSE;
}

/* The earliest DTSTART, RDATE or RECURRENCE-ID; G_MININT64 if any
 * component has none of them. */
static gint64
earliest_start(icalcomponent *vcal)
{
    gint64 first = G_MAXINT64;

    for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c != NULL;
         c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT)) {
        icalcomponent_kind k = icalcomponent_isa(c);
        if (k != ICAL_VEVENT_COMPONENT && k != ICAL_VTODO_COMPONENT && k != ICAL_VJOURNAL_COMPONENT)
            continue;
        if (icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY) == NULL ||
            icalcomponent_get_first_property(c, ICAL_RDATE_PROPERTY) != NULL)
            return G_MININT64;
        first = MIN(first, cal_prop_timet(c, ICAL_DTSTART_PROPERTY));
        if (icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY) != NULL)
            first = MIN(first, cal_prop_timet(c, ICAL_RECURRENCEID_PROPERTY));
    }
    return first == G_MAXINT64 ? G_MININT64 : first;
}

gboolean
hermod_calendar_span(const char *ical, gint64 *out_start, gint64 *out_end, GError **error)
{
    icalcomponent *vcal = cal_parse(ical, error);
    Span s = {0, 0, FALSE};

    if (vcal == NULL)
        return FALSE;
    if (is_endless(vcal)) {
        /* No walk to the end of time: from the earliest start on. */
        *out_start = earliest_start(vcal);
        *out_end = G_MAXINT64;
        icalcomponent_free(vcal);
        return TRUE;
    }
    cal_instances(vcal, ICAL_ANY_COMPONENT, G_MININT64, G_MAXINT64, grow, &s);
    *out_start = s.is_any ? s.start : G_MININT64;
    *out_end = s.is_any ? s.end : G_MAXINT64;
    if (*out_end == *out_start)
        *out_end = *out_start + 1;
    /* RFC 4791 9.9's VTODO rules take some ranges that only touch an
     * instance's edge: one second more each side for the prefilter. */
    if (s.is_any && icalcomponent_get_first_component(vcal, ICAL_VTODO_COMPONENT) != NULL) {
        *out_start = *out_start > G_MININT64 ? *out_start - 1 : *out_start;
        *out_end = *out_end < G_MAXINT64 ? *out_end + 1 : *out_end;
    }
    icalcomponent_free(vcal);
    return TRUE;
}

static gboolean
found(const CalInstance *inst, gpointer data)
{
    *(gboolean *)data = TRUE;
    return FALSE;
}

gboolean
hermod_calendar_overlaps(const char *ical, const char *component, gint64 start, gint64 end,
                         gboolean *out, GError **error)
{
    icalcomponent_kind kind = icalcomponent_string_to_kind(component);
    icalcomponent *vcal = cal_parse(ical, error);

    *out = FALSE;
    if (vcal == NULL)
        return FALSE;
    if (kind == ICAL_VFREEBUSY_COMPONENT) {
        /* A VFREEBUSY matches by its DTSTART/DTEND (9.9 last table). */
        for (icalcomponent *c = icalcomponent_get_first_component(vcal, kind); c != NULL;
             c = icalcomponent_get_next_component(vcal, kind))
            if (cal_timet(icalcomponent_get_dtstart(c)) < end &&
                cal_timet(icalcomponent_get_dtend(c)) > start)
                *out = TRUE;
    } else if (kind != ICAL_NO_COMPONENT) {
        cal_instances(vcal, kind, start, end, found, out);
    }
    icalcomponent_free(vcal);
    return TRUE;
}

static gboolean
add_period(const CalInstance *inst, gpointer data)
{
    HermodCalPeriod p = {inst->start, inst->end, 0};

    g_array_append_val((GArray *)data, p);
    return TRUE;
}

gboolean
hermod_calendar_instances(const char *ical, const char *component, GArray *out, GError **error)
{
    icalcomponent_kind kind = icalcomponent_string_to_kind(component);
    icalcomponent *vcal;

    if (kind != ICAL_VEVENT_COMPONENT && kind != ICAL_VJOURNAL_COMPONENT) {
        g_set_error(error, HERMOD_CALENDAR_ERROR, HERMOD_CALENDAR_ERROR_INVALID,
                    "instances of %s are not plain periods", component);
        return FALSE;
    }
    vcal = cal_parse(ical, error);
    if (vcal == NULL)
        return FALSE;
    cal_instances(vcal, kind, CAL_TIME_MIN, CAL_TIME_MAX, add_period, out);
    icalcomponent_free(vcal);
    return TRUE;
}

typedef struct {
    gint64 start, end;
    GArray *out;
} Busy;

static gboolean
add_busy(const CalInstance *inst, gpointer data)
{
    Busy *b = data;
    icalproperty *transp = icalcomponent_get_first_property(inst->comp, ICAL_TRANSP_PROPERTY);
    icalproperty_status status = icalcomponent_get_status(inst->comp);
    HermodCalPeriod p = {MAX(inst->start, b->start), MIN(inst->end, b->end), 0};

    if ((transp != NULL && icalproperty_get_transp(transp) == ICAL_TRANSP_TRANSPARENT) ||
        status == ICAL_STATUS_CANCELLED || p.end <= p.start)
        return TRUE;
    p.type = status == ICAL_STATUS_TENTATIVE ? 1 : 0;
    g_array_append_val(b->out, p);
    return TRUE;
}

gboolean
hermod_calendar_busy(const char *ical, gint64 start, gint64 end, GArray *out, GError **error)
{
    icalcomponent *vcal = cal_parse(ical, error);
    Busy b = {start, end, out};

    if (vcal == NULL)
        return FALSE;
    cal_instances(vcal, ICAL_VEVENT_COMPONENT, start, end, add_busy, &b);
    icalcomponent_free(vcal);
    return TRUE;
}
