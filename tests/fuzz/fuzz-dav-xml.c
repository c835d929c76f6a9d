/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-dav-xml.c - fuzz target: arbitrary bytes as a DAV request body.
 *
 * The body goes through the module's XML reader (no DTD, no entities,
 * no network); a document is then read the way every method reads one:
 * property changes with their dumps (PROPPATCH, MKCOL), property keys
 * and hrefs (PROPFIND, multiget: paths parsed both ways), time ranges,
 * and the calendar and vCard filters of the queries run against fixed
 * objects, so that every branch of filter.c sees hostile trees.
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/dav.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);
DavJob *dav_fuzz_job(const guint8 *data, size_t size);
void dav_fuzz_job_free(DavJob *job);

static const char ical[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\n"
                           "UID:u\r\nDTSTAMP:20240101T000000Z\r\nDTSTART:20240105T100000Z\r\n"
                           "DTEND:20240105T110000Z\r\nRRULE:FREQ=WEEKLY;COUNT=5\r\n"
                           "SUMMARY;LANGUAGE=en:Weekly\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b\r\n"
                           "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\n"
                           "END:VEVENT\r\nEND:VCALENDAR\r\n";
static const char vcard[] = "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:c\r\nFN:Ada\r\n"
                            "EMAIL;TYPE=work:ada@example.org\r\nTEL;WORK:123\r\nEND:VCARD\r\n";

static void
walk(xmlNode *n, int depth)
{
    for (xmlNode *c = dav_xml_first(n); c != NULL && depth < 64; c = dav_xml_next(c)) {
        g_autofree char *key = dav_xml_key(c);
        g_autofree char *text = dav_xml_text(c);
        g_autofree char *path = dav_href_path(text);
        g_autoptr(DavPath) p = path != NULL ? dav_path_parse(path) : NULL;
        g_autofree char *href =
            p != NULL ? dav_href(p->owner, p->home, p->collection, p->object) : NULL;
        g_autoptr(GString) out = g_string_new(NULL);
        gint64 s, e;
        dav_xml_empty(out, key);
        dav_xml_escape(out, text);
        dav_time_range(c, &s, &e);
        if (dav_xml_is(c, NS_CAL, "filter"))
            dav_cal_filter(c, ical);
        if (dav_xml_is(c, NS_CARD, "filter"))
            dav_card_filter(c, vcard);
        walk(c, depth + 1);
    }
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    DavJob *job = dav_fuzz_job(data, size);
    gboolean is_empty = FALSE, has_protected = FALSE;
    xmlDoc *doc = dav_xml_read(job, &is_empty);

    if (doc != NULL) {
        xmlNode *root = xmlDocGetRootElement(doc);
        g_autoptr(GPtrArray) changes = dav_prop_changes(root, &has_protected);
        g_autofree char *dump = dav_xml_dump(root);
        walk(root, 0);
        xmlFreeDoc(doc);
    }
    dav_fuzz_job_free(job);
    return 0;
}
