/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-dav-import.c - fuzz target: arbitrary bytes as a PUT body for a
 * calendar and for an address book.
 *
 * Runs the module's iCalendar check (libical parse, the resource rules,
 * the core's span) and vCard check on the input, and when the input is a
 * valid calendar object, the core's time-range test, expansion and
 * free/busy over a fixed window, with the expansion parsed back.
 */
#include "autoconfig.h"

#include <string.h>

#include "calendar/calendar.h"
#include "dav/dav.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

#define START 1704067200LL /* 2024-01-01 */
#define END   1735689600LL /* 2025-01-01 */

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    DavCheck cal = {0}, card = {0};
    g_autofree char *text = g_strndup((const char *)data, size);

    dav_ical_check((const char *)data, size, NULL, &cal);
    dav_vcard_check((const char *)data, size, &card);
    if (cal.precondition == NULL) {
        gboolean hit = FALSE;
        g_autoptr(GArray) busy = g_array_new(FALSE, FALSE, sizeof(HermodCalPeriod));
        g_autofree char *expanded = hermod_calendar_expand(text, START, END, NULL);
        g_autoptr(GPtrArray) alarms =
            g_ptr_array_new_with_free_func((GDestroyNotify)hermod_calendar_alarm_free);
        gint64 s, e, next;
        hermod_calendar_alarms(text, START, END, alarms, &next, NULL);
        hermod_calendar_overlaps(text, "VEVENT", START, END, &hit, NULL);
        hermod_calendar_overlaps(text, "VTODO", START, END, &hit, NULL);
        hermod_calendar_busy(text, START, END, busy, NULL);
        g_free(hermod_calendar_limit(text, START, END, NULL));
        if (expanded != NULL)
            hermod_calendar_span(expanded, &s, &e, NULL);
    }
    dav_check_clear(&cal);
    dav_check_clear(&card);
    return 0;
}
