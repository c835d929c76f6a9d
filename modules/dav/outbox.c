/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * outbox.c - POST of a VFREEBUSY request to the schedule outbox (RFC 6638
 * 5): the busy time of each attendee asked about.
 *
 * Only the account's own outbox takes it, and only with the account as
 * ORGANIZER.  A local account's answer is the busy periods of all its
 * calendars in the requested span (HermodDavApi.cal_busy: opaque, not
 * cancelled, recurrences expanded); anyone else is 3.7 (invalid
 * calendar user: free/busy is not fetched from other servers).
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/schedule.h"

GString *dav_freebusy_text(GArray *periods, gint64 start, gint64 end);

static void
busy_of(const char *account, gint64 start, gint64 end, GArray *out)
{
    HermodMailStore *store = dav_api->mail->open(account, NULL);
    g_autoptr(GPtrArray) colls =
        store != NULL ? dav_api->dav->collections(store, "cal", NULL) : NULL;

    for (guint i = 0; colls != NULL && i < colls->len; i++) {
        HermodDavCollection *c = colls->pdata[i];
        g_autoptr(GPtrArray) objs =
            c->kind == HERMOD_DAV_KIND_CALENDAR
                ? dav_api->dav->objects(store, c->id, TRUE, start, end, NULL)
                : NULL;
        for (guint j = 0; objs != NULL && j < objs->len; j++) {
            HermodDavObject *o = objs->pdata[j];
            g_autofree char *text =
                g_strndup(g_bytes_get_data(o->data, NULL), g_bytes_get_size(o->data));
            dav_api->dav->cal_busy(text, start, end, out, NULL);
        }
    }
    if (store != NULL)
        dav_api->mail->unref(store);
}

static void
one_response(DavJob *job, GString *out, const char *attendee, gint64 start, gint64 end)
{
    g_autofree char *address = dav_cal_address(attendee);
    g_autofree char *account = address != NULL ? dav_sched_account(address) : NULL;
    g_autoptr(GArray) periods = g_array_new(FALSE, FALSE, sizeof(HermodCalPeriod));
    g_autoptr(GString) fb = NULL;

    g_string_append(out, "<C:response><C:recipient><D:href>");
    dav_xml_escape(out, attendee);
    g_string_append(out, "</D:href></C:recipient>");
    if (account == NULL) {
        g_string_append(out, "<C:request-status>3.7;Invalid calendar user</C:request-status>"
                             "</C:response>");
        return;
    }
    busy_of(account, start, end, periods);
    fb = dav_freebusy_text(periods, start, end);
    g_string_append(out, "<C:request-status>2.0;Success</C:request-status><C:calendar-data>");
    dav_xml_escape(out, fb->str);
    g_string_append(out, "</C:calendar-data></C:response>");
}

static void
answer(DavJob *job, icalcomponent *fb)
{
    gint64 start = (gint64)icaltime_as_timet_with_zone(icalcomponent_get_dtstart(fb),
                                                       icaltimezone_get_utc_timezone());
    gint64 end = (gint64)icaltime_as_timet_with_zone(icalcomponent_get_dtend(fb),
                                                     icaltimezone_get_utc_timezone());
    GString *out = g_string_new("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                                "<C:schedule-response xmlns:D=\"DAV:\" xmlns:C=\"" NS_CAL "\">");
    guint n = 0;

    for (icalproperty *p = icalcomponent_get_first_property(fb, ICAL_ATTENDEE_PROPERTY);
         p != NULL && n < 100; p = icalcomponent_get_next_property(fb, ICAL_ATTENDEE_PROPERTY), n++)
        one_response(job, out, icalproperty_get_attendee(p), start, end);
    g_string_append(out, "</C:schedule-response>\n");
    job->status = 200;
    job->content_type = g_strdup("application/xml; charset=utf-8");
    job->out = out;
}

void
dav_post(DavJob *job, DavPath *path)
{
    g_autofree char *text =
        g_strndup(g_bytes_get_data(job->body, NULL), g_bytes_get_size(job->body));
    icalcomponent *vcal = icalparser_parse_string(text);
    icalcomponent *fb =
        vcal != NULL ? icalcomponent_get_first_component(vcal, ICAL_VFREEBUSY_COMPONENT) : NULL;
    icalproperty *org =
        fb != NULL ? icalcomponent_get_first_property(fb, ICAL_ORGANIZER_PROPERTY) : NULL;
    g_autofree char *organizer =
        org != NULL ? dav_cal_address(icalproperty_get_organizer(org)) : NULL;

    if (path->kind != DAV_PATH_COLLECTION || g_strcmp0(path->home, "cal") != 0 ||
        g_strcmp0(path->collection, "outbox") != 0) {
        dav_text(job, 405, "Method Not Allowed: POST free/busy requests to the outbox\n");
    } else if (fb == NULL || icaltime_is_null_time(icalcomponent_get_dtstart(fb)) ||
               icaltime_is_null_time(icalcomponent_get_dtend(fb))) {
        dav_precondition(job, 400, NS_CAL, "valid-calendar-data",
                         "a VFREEBUSY with DTSTART and DTEND");
    } else if (organizer == NULL || !dav_addr_in(dav_job_addresses(job), organizer)) {
        dav_precondition(job, 403, NS_CAL, "organizer-allowed", "the ORGANIZER must be you");
    } else {
        answer(job, fb);
    }
    if (vcal != NULL)
        icalcomponent_free(vcal);
}
