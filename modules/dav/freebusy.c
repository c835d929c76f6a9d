/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * freebusy.c - CALDAV:free-busy-query (RFC 4791 7.10): the busy time of
 * one calendar inside a time-range, as a VFREEBUSY.
 *
 * The periods come from the core (HermodDavApi.cal_busy: opaque, not
 * cancelled events, recurrences expanded, clipped to the range); they
 * are written sorted, as FREEBUSY lines in UTC, BUSY-TENTATIVE apart.
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/dav.h"

static int
by_start(gconstpointer a, gconstpointer b)
{
    const HermodCalPeriod *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

static void
utc(GString *out, gint64 t)
{
    g_autoptr(GDateTime) d = g_date_time_new_from_unix_utc(t);
    g_autofree char *s = d != NULL ? g_date_time_format(d, "%Y%m%dT%H%M%SZ") : g_strdup("");

    g_string_append(out, s);
}

/* A VFREEBUSY of periods (sorted here) inside [start, end). (transfer full) */
GString *
dav_freebusy_text(GArray *periods, gint64 start, gint64 end)
{
    GString *out = g_string_new("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
                                "PRODID:-//Hermod//CalDAV//EN\r\nBEGIN:VFREEBUSY\r\nDTSTAMP:");

    g_array_sort(periods, by_start);
    utc(out, g_get_real_time() / G_USEC_PER_SEC);
    g_string_append(out, "\r\nDTSTART:");
    utc(out, start);
    g_string_append(out, "\r\nDTEND:");
    utc(out, end);
    g_string_append(out, "\r\n");
    for (guint i = 0; i < periods->len; i++) {
        const HermodCalPeriod *p = &g_array_index(periods, HermodCalPeriod, i);
        g_string_append(out, p->type == 1 ? "FREEBUSY;FBTYPE=BUSY-TENTATIVE:" : "FREEBUSY:");
        utc(out, p->start);
        g_string_append_c(out, '/');
        utc(out, p->end);
        g_string_append(out, "\r\n");
    }
    g_string_append(out, "END:VFREEBUSY\r\nEND:VCALENDAR\r\n");
    return out;
}

void
dav_freebusy(DavJob *job, HermodDavCollection *c, xmlNode *root)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(GArray) periods = g_array_new(FALSE, FALSE, sizeof(HermodCalPeriod));
    gint64 start, end;

    if (!dav_time_range(dav_xml_child(root, NS_CAL, "time-range"), &start, &end) ||
        start == G_MININT64 || end == G_MAXINT64) {
        dav_text(job, 400, "Bad Request: free-busy-query needs a time-range with start and end\n");
        return;
    }
    list = dav_api->dav->objects(job->store, c->id, TRUE, start, end, &error);
    if (list == NULL) {
        dav_fail(job, "listing objects", error);
        return;
    }
    g_ptr_array_set_free_func(list, (GDestroyNotify)dav_api->dav->object_free);
    for (guint i = 0; i < list->len; i++) {
        HermodDavObject *o = list->pdata[i];
        g_autofree char *text =
            g_strndup(g_bytes_get_data(o->data, NULL), g_bytes_get_size(o->data));
        dav_api->dav->cal_busy(text, start, end, periods, NULL);
    }
    job->status = 200;
    job->content_type = g_strdup("text/calendar; charset=utf-8");
    job->out = dav_freebusy_text(periods, start, end);
}
