/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * imip.c - iTIP messages as mail (iMIP, RFC 6047) and the notices, sent
 * through the core's submission function (HermodApi.msg_submit).
 *
 * Every message is multipart/alternative: a text/plain part a person
 * reads (what, when, who asks) and, for iTIP, the text/calendar part
 * with its method, which calendar clients act on.  The sender is the
 * account that caused it (organizer or attendee), authenticated as
 * such, so the core applies its usual rules to the envelope.  Runs on
 * the work pool: msg_submit blocks until the message is durable.
 */
#include "autoconfig.h"

#include <libical/ical.h>
#include <string.h>

#include "dav/schedule.h"

static void
header_date(GString *out)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *d = g_date_time_format(now, "%a, %d %b %Y %H:%M:%S +0000");

    g_string_append_printf(out, "Date: %s\r\n", d);
}

/* Header values from calendar data: no CR/LF may slip into a header. */
static char *
one_line(const char *s)
{
    char *out = g_strdup(s != NULL ? s : "");

    for (char *p = out; *p != '\0'; p++)
        if (*p == '\r' || *p == '\n')
            *p = ' ';
    return out;
}

/* A header value: one line, RFC 2047 B-encoded when not ASCII.
 * (transfer full) */
static char *
encoded_word(const char *text)
{
    g_autofree char *line = one_line(text);
    g_autofree char *b64 = NULL;

    for (const char *p = line; *p != '\0'; p++)
        if ((unsigned char)*p >= 0x80) {
            b64 = g_base64_encode((const guchar *)line, strlen(line));
            return g_strdup_printf("=?UTF-8?B?%s?=", b64);
        }
    return g_steal_pointer(&line);
}

static gboolean
submit(const char *from, const char *to, GString *text, GError **error)
{
    HermodMessage *msg = dav_api->msg_new(NULL);
    g_autofree char *id = NULL;
    gboolean ok;

    dav_api->msg_set_sender(msg, from, NULL);
    dav_api->msg_add_recipient(msg, to, HERMOD_NOTIFY_DEFAULT, NULL);
    dav_api->msg_set_flags(msg, HERMOD_MSG_8BITMIME);
    dav_api->msg_set_auth(msg, from);
    dav_api->msg_append(msg, text->str, text->len);
    ok = dav_api->msg_submit(msg, &id, error);
    dav_api->msg_free(msg);
    return ok;
}

static void
begin(GString *out, const char *from, const char *to, const char *subject, const char *boundary)
{
    g_autofree char *s = encoded_word(subject);
    g_autofree char *uuid = g_uuid_string_random();

    g_string_append_printf(out, "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n", from, to, s);
    header_date(out);
    g_string_append_printf(out,
                           "Message-ID: <%s@%s>\r\nMIME-Version: 1.0\r\n"
                           "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n"
                           "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                           "Content-Transfer-Encoding: 8bit\r\n\r\n",
                           uuid, dav_api->hostname(), boundary, boundary);
}

gboolean
dav_imip_send(const char *from, const char *to, const char *method, const char *subject,
              const char *readable, const char *ical, gboolean is_applied, GError **error)
{
    g_autofree char *boundary = g_strdup_printf("=_hermod_%08x", g_random_int());
    g_autoptr(GString) out = g_string_new(is_applied ? "X-Hermod-iTIP: applied\r\n" : NULL);

    begin(out, from, to, subject, boundary);
    g_string_append_printf(out, "%s\r\n--%s\r\n", readable, boundary);
    g_string_append_printf(out,
                           "Content-Type: text/calendar; charset=utf-8; method=%s\r\n"
                           "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n--%s--\r\n",
                           method, ical, boundary);
    return submit(from, to, out, error);
}

gboolean
dav_notice_send(const char *from, const char *to, const char *subject, const char *readable,
                GError **error)
{
    g_autofree char *boundary = g_strdup_printf("=_hermod_%08x", g_random_int());
    g_autoptr(GString) out = g_string_new(NULL);

    begin(out, from, to, subject, boundary);
    g_string_append_printf(out, "%s\r\n--%s--\r\n", readable, boundary);
    return submit(from, to, out, error);
}

/* One time of an event for people: "Wed 9 Dec 2026 10:00", with its zone
 * (" UTC", " (Europe/Berlin)") when with_zone; a date alone for a DATE. */
static void
append_time(GString *out, struct icaltimetype t, gboolean with_day, gboolean with_zone)
{
    g_autoptr(GDateTime) dt = g_date_time_new_utc(t.year, t.month, t.day, t.hour, t.minute, 0);
    g_autofree char *day = NULL, *clock = NULL;
    const char *tzid;

    if (dt == NULL) {
        g_string_append(out, icaltime_as_ical_string(t));
        return;
    }
    day = g_date_time_format(dt, "%a %-d %b %Y");
    if (with_day)
        g_string_append(out, day);
    if (t.is_date)
        return;
    clock = g_date_time_format(dt, "%H:%M");
    g_string_append_printf(out, "%s%s", with_day ? " " : "", clock);
    tzid = t.zone != NULL ? icaltimezone_get_tzid((icaltimezone *)t.zone) : NULL;
    if (!with_zone)
        return;
    if (icaltime_is_utc(t))
        g_string_append(out, " UTC");
    else if (tzid != NULL)
        g_string_append_printf(out, " (%s)", tzid);
}

static gboolean
same_zone(struct icaltimetype a, struct icaltimetype b)
{
    return a.zone == b.zone || (icaltime_is_utc(a) && icaltime_is_utc(b));
}

/* "When:" of an event: its start, and its end when it has one (the end's
 * day only when it differs; an all-day end is exclusive in iCalendar). */
static void
append_when(GString *out, icalcomponent *comp)
{
    struct icaltimetype start = icalcomponent_get_dtstart(comp);
    struct icaltimetype end = icalcomponent_get_dtend(comp);
    gboolean has_end = !icaltime_is_null_time(end) && start.is_date == end.is_date;

    g_string_append(out, "When:  ");
    if (has_end && start.is_date) {
        icaltime_adjust(&end, -1, 0, 0, 0);
        has_end = icaltime_compare_date_only(start, end) < 0;
    } else if (has_end) {
        has_end = icaltime_compare(start, end) < 0;
    }
    append_time(out, start, TRUE, !has_end || !same_zone(start, end));
    if (has_end) {
        g_string_append(out, " \u2013 ");
        append_time(out, end,
                    start.is_date || start.year != end.year || start.month != end.month ||
                        start.day != end.day,
                    TRUE);
    }
    g_string_append(out, "\r\n");
}

char *
dav_describe(icalcomponent *comp)
{
    const char *summary = icalcomponent_get_summary(comp);
    const char *loc = icalcomponent_get_location(comp);
    icalproperty *org = icalcomponent_get_first_property(comp, ICAL_ORGANIZER_PROPERTY);
    GString *out = g_string_new(NULL);

    g_string_append_printf(out, "Event: %s\r\n", summary != NULL ? summary : "(no title)");
    if (!icaltime_is_null_time(icalcomponent_get_dtstart(comp)))
        append_when(out, comp);
    if (icalcomponent_get_first_property(comp, ICAL_RRULE_PROPERTY) != NULL)
        g_string_append(out, "Repeats: yes (see the attached invitation)\r\n");
    if (loc != NULL)
        g_string_append_printf(out, "Where: %s\r\n", loc);
    if (org != NULL) {
        const char *who = icalproperty_get_organizer(org);

        if (g_ascii_strncasecmp(who, "mailto:", 7) == 0)
            who += 7;
        g_string_append_printf(out, "Organizer: %s\r\n", who);
    }
    return g_string_free(out, FALSE);
}
