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

char *
dav_describe(icalcomponent *comp)
{
    const char *summary = icalcomponent_get_summary(comp);
    struct icaltimetype start = icalcomponent_get_dtstart(comp);
    const char *loc = icalcomponent_get_location(comp);
    icalproperty *org = icalcomponent_get_first_property(comp, ICAL_ORGANIZER_PROPERTY);
    GString *out = g_string_new(NULL);

    g_string_append_printf(out, "Event: %s\r\n", summary != NULL ? summary : "(no title)");
    if (!icaltime_is_null_time(start))
        g_string_append_printf(out, "When:  %s%s\r\n", icaltime_as_ical_string(start),
                               start.zone != NULL ? " (local time of the event)" : "");
    if (loc != NULL)
        g_string_append_printf(out, "Where: %s\r\n", loc);
    if (org != NULL)
        g_string_append_printf(out, "Organizer: %s\r\n", icalproperty_get_organizer(org));
    return g_string_free(out, FALSE);
}
