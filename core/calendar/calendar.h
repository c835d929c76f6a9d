/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * calendar.h - recurrence expansion, time-range and free/busy on libical.
 *
 * Pure functions on one iCalendar text: no store, no SQL, any thread.
 * The dav module reaches them through HermodDavApi (hermod/dav.h), whose
 * contract they implement.  Times are seconds since the epoch, UTC;
 * floating times are read as UTC, DATE values as midnight UTC.
 *
 * Instances: a component's RRULE, RDATE and EXDATE are expanded by
 * libical (icalcomponent_foreach_recurrence); an instance that another
 * component of the same UID overrides (RECURRENCE-ID) is replaced by
 * that component's own span.  An instance lasts DTEND - DTSTART, else
 * DURATION, else one day for a DATE start, else zero (RFC 5545 3.6.1).
 */
#ifndef HERMOD_CORE_CALENDAR_H
#define HERMOD_CORE_CALENDAR_H

#include <glib.h>
#include <hermod/dav.h>

G_BEGIN_DECLS

#define HERMOD_CALENDAR_ERROR (hermod_calendar_error_quark())
GQuark hermod_calendar_error_quark(void);
typedef enum {
    HERMOD_CALENDAR_ERROR_INVALID, /* not iCalendar */
} HermodCalendarError;

/* The first start and last end of every instance of every VEVENT, VTODO,
 * VJOURNAL; G_MAXINT64 when a rule never ends. */
gboolean hermod_calendar_span(const char *ical, gint64 *out_start, gint64 *out_end, GError **error);
/* RFC 4791 9.9: does an instance of component overlap [start, end)? */
gboolean hermod_calendar_overlaps(const char *ical, const char *component, gint64 start, gint64 end,
                                  gboolean *out, GError **error);
/* RFC 4791 9.6.5: instances in [start, end) as separate components with
 * RECURRENCE-ID, times in UTC.  (transfer full) */
char *hermod_calendar_expand(const char *ical, gint64 start, gint64 end, GError **error);
/* RFC 4791 9.6.6: the object with only the overridden components that
 * impact [start, end) (their own or their original time overlaps it, or
 * a RANGE=THISANDFUTURE override starts before end); masters and
 * everything else kept.  (transfer full) */
char *hermod_calendar_limit(const char *ical, gint64 start, gint64 end, GError **error);
/* Every instance of the VEVENTs (or VJOURNALs) of ical between the years
 * 1800 and 2400 as HermodCalPeriod (type 0), appended to out; INVALID
 * for another component. */
gboolean hermod_calendar_instances(const char *ical, const char *component, GArray *out,
                                   GError **error);
/* Busy periods (HermodCalPeriod) of opaque, not cancelled events inside
 * [start, end), clipped to it, appended to out. */
gboolean hermod_calendar_busy(const char *ical, gint64 start, gint64 end, GArray *out,
                              GError **error);

/* HermodDavApi.cal_alarms (calendar-alarms.c): alarms due in (after,
 * until] appended to out (element HermodCalAlarm *, free with
 * hermod_calendar_alarm_free), the next one within a year after until
 * in *out_next (nullable; G_MAXINT64: none). */
gboolean hermod_calendar_alarms(const char *ical, gint64 after, gint64 until, GPtrArray *out,
                                gint64 *out_next, GError **error);
void hermod_calendar_alarm_free(HermodCalAlarm *a);

G_END_DECLS

#endif
