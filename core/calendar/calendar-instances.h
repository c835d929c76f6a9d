/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * calendar-instances.h - one walk over the instances of an iCalendar
 * object, shared by calendar.c and calendar-expand.c.
 */
#ifndef HERMOD_CORE_CALENDAR_INSTANCES_H
#define HERMOD_CORE_CALENDAR_INSTANCES_H

#include <glib.h>
#include <libical/ical.h>

G_BEGIN_DECLS

/* Instances are looked for between these (years 1800 and 2400), so that
 * an endless rule is a bounded walk. */
#define CAL_TIME_MIN (-5364662400LL)
#define CAL_TIME_MAX (13569465600LL)

typedef struct {
    icalcomponent *comp;   /* the master or the override (transfer none) */
    gint64 start, end;     /* end == start: an instant */
    gint64 recurrence_id;  /* the instance's start per the master's rule */
    gboolean is_recurring; /* the master has RRULE or RDATE */
    gboolean is_override;  /* comp has a RECURRENCE-ID */
} CalInstance;

/* FALSE stops the walk. */
typedef gboolean (*CalInstanceFunc)(const CalInstance *inst, gpointer data);

/* The VCALENDAR of ical (transfer full, icalcomponent_free), or NULL with
 * HERMOD_CALENDAR_ERROR_INVALID. */
icalcomponent *cal_parse(const char *ical, GError **error);
/* Seconds of t, read in its zone (UTC when floating or a DATE). */
gint64 cal_timet(struct icaltimetype t);
/* cal_timet of c's first property of kind, TZID resolved in c's
 * VCALENDAR; 0 when c has none. */
gint64 cal_prop_timet(icalcomponent *c, icalproperty_kind kind);
/* An instance's length: DTEND - DTSTART (DUE - DTSTART for a VTODO),
 * else DURATION, else a day for a DATE, else 0. */
gint64 cal_length(icalcomponent *c);
/* RFC 4791 9.9 for an instance [s, e) (zero length: s counts). */
gboolean cal_overlaps_span(gint64 s, gint64 e, gint64 start, gint64 end);
/* Call fn for every instance of every component of kind
 * (ICAL_ANY_COMPONENT: VEVENT, VTODO, VJOURNAL) that overlaps [start,
 * end) by RFC 4791 9.9, in no particular order. */
void cal_instances(icalcomponent *vcal, icalcomponent_kind kind, gint64 start, gint64 end,
                   CalInstanceFunc fn, gpointer data);

G_END_DECLS

#endif
