/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * calendar-instances.c - the instances of an iCalendar object.
 *
 * Components are grouped by UID: the one without RECURRENCE-ID is the
 * master, whose RRULE/RDATE/EXDATE libical expands
 * (icalcomponent_foreach_recurrence, asked for a window wider than the
 * query by the instance length plus two days, because its own overlap
 * test is not RFC 4791's); every instance is then tested here by RFC 4791
 * 9.9.  An instance whose start is some override's RECURRENCE-ID is
 * skipped, and the override stands for it with its own times.  An
 * override without a master stands alone.  Nothing here allocates per
 * instance, and the walk is bounded by CAL_TIME_MIN/MAX.
 */
#include "autoconfig.h"

#include "calendar/calendar-instances.h"
#include "calendar/calendar.h"

typedef struct {
    icalcomponent *master;
    GHashTable *overridden; /* gint64 * recurrence ids */
    gint64 length;
    gint64 first;           /* the master's DTSTART */
    gboolean is_first_seen; /* libical gave an instance at first */
    gint64 start, end;
    CalInstanceFunc fn;
    gpointer data;
    gboolean is_stopped;
} Walk;

icalcomponent *
cal_parse(const char *ical, GError **error)
{
    static gsize once = 0;
    icalcomponent *c;

    if (g_once_init_enter(&once)) {
        icalerror_set_errors_are_fatal(0); /* a bad object is an answer, never an abort */
        g_once_init_leave(&once, 1);
    }
    c = ical != NULL ? icalparser_parse_string(ical) : NULL;

    if (c != NULL && icalcomponent_isa(c) == ICAL_VCALENDAR_COMPONENT)
        return c;
    if (c != NULL)
        icalcomponent_free(c);
    g_set_error(error, HERMOD_CALENDAR_ERROR, HERMOD_CALENDAR_ERROR_INVALID,
                "not an iCalendar object (no VCALENDAR)");
    return NULL;
}

gint64
cal_timet(struct icaltimetype t)
{
    const icaltimezone *zone = t.zone != NULL ? t.zone : icaltimezone_get_utc_timezone();

    if (icaltime_is_null_time(t))
        return 0;
    if (t.is_date)
        zone = icaltimezone_get_utc_timezone();
    return (gint64)icaltime_as_timet_with_zone(t, zone);
}

gint64
cal_prop_timet(icalcomponent *c, icalproperty_kind kind)
{
    icalproperty *p = icalcomponent_get_first_property(c, kind);

    return p != NULL ? cal_timet(icalproperty_get_datetime_with_component(p, c)) : 0;
}

static gboolean
has_prop(icalcomponent *c, icalproperty_kind kind)
{
    return icalcomponent_get_first_property(c, kind) != NULL;
}

/* DTEND - DTSTART, else DURATION, else a day for a DATE, else 0. */
gint64
cal_length(icalcomponent *c)
{
    struct icaltimetype start = icalcomponent_get_dtstart(c);
    icalproperty *p;

    if (icalcomponent_isa(c) == ICAL_VTODO_COMPONENT && has_prop(c, ICAL_DUE_PROPERTY) &&
        !icaltime_is_null_time(start))
        return MAX(0, cal_timet(icalcomponent_get_due(c)) - cal_timet(start));
    if (has_prop(c, ICAL_DTEND_PROPERTY))
        return MAX(0, cal_timet(icalcomponent_get_dtend(c)) - cal_timet(start));
    p = icalcomponent_get_first_property(c, ICAL_DURATION_PROPERTY);
    if (p != NULL)
        return MAX(0, icaldurationtype_as_int(icalproperty_get_duration(p)));
    return start.is_date ? 86400 : 0;
}

/* RFC 4791 9.9 for an instance [s, e]: zero length counts at its start. */
gboolean
cal_overlaps_span(gint64 s, gint64 e, gint64 start, gint64 end)
{
    if (e == s)
        return start <= s && end > s;
    return start < e && end > s;
}

/* RFC 4791 9.9's VTODO table for an instance [s, e] of a VTODO with a
 * DTSTART: with DURATION, with DUE, or alone (an instant). */
static gboolean
todo_overlaps(icalcomponent *c, gint64 s, gint64 e, gint64 start, gint64 end)
{
    if (has_prop(c, ICAL_DURATION_PROPERTY))
        return start <= e && (end > s || end >= e);
    if (has_prop(c, ICAL_DUE_PROPERTY))
        return (start < e || start <= s) && (end > s || end >= e);
    return start <= s && end > s;
}

static void
emit(Walk *w, icalcomponent *c, gint64 s, gint64 e, gint64 rid, gboolean is_recurring)
{
    CalInstance inst = {c, s, e, rid, is_recurring, has_prop(c, ICAL_RECURRENCEID_PROPERTY)};
    gboolean hit = icalcomponent_isa(c) == ICAL_VTODO_COMPONENT
                       ? todo_overlaps(c, s, e, w->start, w->end)
                       : cal_overlaps_span(s, e, w->start, w->end);

    if (!w->is_stopped && hit && !w->fn(&inst, w->data))
        w->is_stopped = TRUE;
}

/* The same test for a walk without instances (todo_without_start). */
static void
emit_window(Walk *w, icalcomponent *c)
{
    CalInstance inst = {c, w->start, w->end, 0, FALSE, FALSE};

    if (!w->is_stopped && !w->fn(&inst, w->data))
        w->is_stopped = TRUE;
}

static void
on_recurrence(icalcomponent *c, struct icaltime_span *span, void *data)
{
    Walk *w = data;
    gint64 s = span->start;

    if (s == w->first)
        w->is_first_seen = TRUE;
    if (w->overridden != NULL && g_hash_table_contains(w->overridden, &s))
        return;
    emit(w, c, s, s + w->length, s, TRUE);
}

/* A VTODO without DTSTART (RFC 4791 9.9): by DUE, else by COMPLETED
 * and CREATED, else always. */
static void
todo_without_start(Walk *w, icalcomponent *c)
{
    icalproperty *done = icalcomponent_get_first_property(c, ICAL_COMPLETED_PROPERTY);
    icalproperty *made = icalcomponent_get_first_property(c, ICAL_CREATED_PROPERTY);
    gint64 t = done != NULL ? cal_timet(icalproperty_get_completed(done)) : 0;
    gint64 m = made != NULL ? cal_timet(icalproperty_get_created(made)) : 0;
    gboolean hit;

    if (has_prop(c, ICAL_DUE_PROPERTY)) {
        t = cal_timet(icalcomponent_get_due(c));
        hit = w->start < t && w->end >= t;
    } else if (done != NULL && made != NULL) {
        hit = (w->start <= m || w->start <= t) && (w->end >= m || w->end >= t);
    } else if (done != NULL) {
        hit = w->start <= t && w->end >= t;
    } else if (made != NULL) {
        hit = w->end > m;
    } else {
        hit = TRUE;
    }
    if (hit)
        emit_window(w, c);
}

static gboolean
is_excluded(icalcomponent *c, gint64 t)
{
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_EXDATE_PROPERTY); p != NULL;
         p = icalcomponent_get_next_property(c, ICAL_EXDATE_PROPERTY))
        if (cal_timet(icalproperty_get_datetime_with_component(p, c)) == t)
            return TRUE;
    return FALSE;
}

static void
walk_master(Walk *w, icalcomponent *c)
{
    struct icaltimetype dtstart = icalcomponent_get_dtstart(c);
    gint64 s, from, to;

    if (icaltime_is_null_time(dtstart)) {
        if (icalcomponent_isa(c) == ICAL_VTODO_COMPONENT)
            todo_without_start(w, c);
        return;
    }
    s = cal_timet(dtstart);
    w->length = cal_length(c);
    if (!has_prop(c, ICAL_RRULE_PROPERTY) && !has_prop(c, ICAL_RDATE_PROPERTY)) {
        emit(w, c, s, s + w->length, 0, FALSE);
        return;
    }
    from = CLAMP(w->start, CAL_TIME_MIN, CAL_TIME_MAX) - w->length - 2 * 86400;
    to = CLAMP(w->end, CAL_TIME_MIN, CAL_TIME_MAX) + 2 * 86400;
    w->first = s;
    w->is_first_seen = FALSE;
    icalcomponent_foreach_recurrence(c, icaltime_from_timet_with_zone((time_t)from, 0, NULL),
                                     icaltime_from_timet_with_zone((time_t)to, 0, NULL),
                                     on_recurrence, w);
    /* RFC 5545 3.3.10: DTSTART is always the first instance, even when
     * the rule would not produce it; libical leaves it out then. */
    if (!w->is_first_seen && !is_excluded(c, s) &&
        (w->overridden == NULL || !g_hash_table_contains(w->overridden, &s)))
        emit(w, c, s, s + w->length, s, TRUE);
}

static gboolean
is_kind(icalcomponent *c, icalcomponent_kind kind)
{
    icalcomponent_kind k = icalcomponent_isa(c);

    if (kind != ICAL_ANY_COMPONENT)
        return k == kind;
    return k == ICAL_VEVENT_COMPONENT || k == ICAL_VTODO_COMPONENT || k == ICAL_VJOURNAL_COMPONENT;
}

static gboolean
same_uid(icalcomponent *a, icalcomponent *b)
{
    const char *x = icalcomponent_get_uid(a), *y = icalcomponent_get_uid(b);

    return g_strcmp0(x != NULL ? x : "", y != NULL ? y : "") == 0 &&
           icalcomponent_isa(a) == icalcomponent_isa(b);
}

/* The recurrence ids the overrides of master's UID take over; NULL when
 * none.  (transfer full) */
static GHashTable *
overridden_of(icalcomponent *vcal, icalcomponent *master, gboolean *out_has_master)
{
    GHashTable *set = NULL;

    for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c != NULL;
         c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT)) {
        if (c == master || !same_uid(c, master))
            continue;
        if (!has_prop(c, ICAL_RECURRENCEID_PROPERTY)) {
            *out_has_master = TRUE;
            continue;
        }
        if (set == NULL)
            set = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
        gint64 *rid = g_new(gint64, 1);
        *rid = cal_prop_timet(c, ICAL_RECURRENCEID_PROPERTY);
        g_hash_table_add(set, rid);
    }
    return set;
}

void
cal_instances(icalcomponent *vcal, icalcomponent_kind kind, gint64 start, gint64 end,
              CalInstanceFunc fn, gpointer data)
{
    Walk w = {.start = start, .end = end, .fn = fn, .data = data};
    g_autoptr(GPtrArray) comps = g_ptr_array_new();

    /* The component iterator is the parent's own state: collect first. */
    for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c != NULL;
         c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT))
        if (is_kind(c, kind))
            g_ptr_array_add(comps, c);
    for (guint i = 0; i < comps->len && !w.is_stopped; i++) {
        icalcomponent *c = comps->pdata[i];
        gboolean has_master = FALSE;
        if (has_prop(c, ICAL_RECURRENCEID_PROPERTY)) {
            GHashTable *unused = overridden_of(vcal, c, &has_master);
            if (unused != NULL)
                g_hash_table_destroy(unused);
            gint64 s = cal_timet(icalcomponent_get_dtstart(c));
            emit(&w, c, s, s + cal_length(c), cal_prop_timet(c, ICAL_RECURRENCEID_PROPERTY),
                 has_master);
            continue;
        }
        w.master = c;
        w.overridden = overridden_of(vcal, c, &has_master);
        walk_master(&w, c);
        g_clear_pointer(&w.overridden, g_hash_table_destroy);
    }
}
