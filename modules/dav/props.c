/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * props.c - property values of every kind of resource, and the
 * <response> element that carries them.
 *
 * Live properties are computed here from the path, the collection row
 * and the object row; dead ones (PROPPATCH) come from the store and win
 * over a computed default (displayname).  A property a resource does not
 * have goes into a 404 propstat, as RFC 4918 9.1 asks.
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/dav.h"

#define D(x)  "{" NS_DAV "}" x
#define C(x)  "{" NS_CAL "}" x
#define CR(x) "{" NS_CARD "}" x
#define CS(x) "{" NS_CS "}" x

static const char *const names_plain[] = {D("resourcetype"),
                                          D("displayname"),
                                          D("current-user-principal"),
                                          D("owner"),
                                          D("current-user-privilege-set"),
                                          D("supported-report-set"),
                                          NULL};
static const char *const names_principal[] = {D("resourcetype"),
                                              D("displayname"),
                                              D("current-user-principal"),
                                              D("principal-URL"),
                                              C("calendar-home-set"),
                                              CR("addressbook-home-set"),
                                              C("calendar-user-address-set"),
                                              C("schedule-inbox-URL"),
                                              C("schedule-outbox-URL"),
                                              D("current-user-privilege-set"),
                                              NULL};
static const char *const names_collection[] = {D("resourcetype"),
                                               D("displayname"),
                                               D("current-user-principal"),
                                               D("owner"),
                                               D("current-user-privilege-set"),
                                               D("supported-report-set"),
                                               D("sync-token"),
                                               CS("getctag"),
                                               C("supported-calendar-component-set"),
                                               C("supported-calendar-data"),
                                               CR("supported-address-data"),
                                               C("max-resource-size"),
                                               D("quota-used-bytes"),
                                               D("quota-available-bytes"),
                                               NULL};
static const char *const names_object[] = {
    D("resourcetype"),           D("getetag"),       D("getcontenttype"), D("getcontentlength"),
    D("current-user-principal"), D("supportedlock"), D("lockdiscovery"),  NULL};

const char *const *
dav_prop_names(const DavResource *res)
{
    switch (res->path->kind) {
    case DAV_PATH_PRINCIPAL:
        return names_principal;
    case DAV_PATH_COLLECTION:
        return names_collection;
    case DAV_PATH_OBJECT:
        return names_object;
    default:
        return names_plain;
    }
}

static void
href_prop(GString *out, const char *tag, const char *href)
{
    g_string_append_printf(out, "<%s><D:href>", tag);
    dav_xml_escape(out, href);
    g_string_append_printf(out, "</D:href></%s>", tag);
}

static void
resourcetype(const DavResource *res, GString *out)
{
    DAV_EMIT(out, "<D:resourcetype>");
    if (res->path->kind == DAV_PATH_PRINCIPAL)
        DAV_EMIT(out, "<D:principal/>");
    if (res->path->kind != DAV_PATH_OBJECT || dav_is_marker(res->obj))
        DAV_EMIT(out, "<D:collection/>");
    /* An object in a calendar or address book is neither (RFC 4791
     * 4.1, RFC 6352 5.1): res->coll is its parent then. */
    if (res->path->kind == DAV_PATH_OBJECT) {
        DAV_EMIT(out, "</D:resourcetype>");
        return;
    }
    if (res->coll != NULL && res->coll->kind == HERMOD_DAV_KIND_CALENDAR)
        DAV_EMIT(out, "<C:calendar/>");
    if (res->coll != NULL && res->coll->kind == HERMOD_DAV_KIND_ADDRESSBOOK)
        DAV_EMIT(out, "<CR:addressbook/>");
    if (res->coll != NULL && res->coll->kind == HERMOD_DAV_KIND_INBOX)
        DAV_EMIT(out, "<C:schedule-inbox/>");
    if (res->coll != NULL && res->coll->kind == HERMOD_DAV_KIND_OUTBOX)
        DAV_EMIT(out, "<C:schedule-outbox/>");
    DAV_EMIT(out, "</D:resourcetype>");
}

static void
reports(const DavResource *res, GString *out)
{
    static const char *const cal[] = {"C:calendar-query", "C:calendar-multiget",
                                      "C:free-busy-query", "D:sync-collection", NULL};
    static const char *const card[] = {"CR:addressbook-query", "CR:addressbook-multiget",
                                       "D:sync-collection", NULL};
    static const char *const plain[] = {"D:sync-collection", NULL};
    static const char *const none[] = {NULL};
    const char *const *list = plain;

    if (res->coll != NULL && res->coll->kind == HERMOD_DAV_KIND_CALENDAR)
        list = cal;
    else if (res->coll != NULL && res->coll->kind == HERMOD_DAV_KIND_ADDRESSBOOK)
        list = card;
    else if (res->coll == NULL)
        list = none;
    DAV_EMIT(out, "<D:supported-report-set>");
    for (gsize i = 0; list[i] != NULL; i++)
        g_string_append_printf(out,
                               "<D:supported-report><D:report><%s/></D:report>"
                               "</D:supported-report>",
                               list[i]);
    DAV_EMIT(out, "</D:supported-report-set>");
}

static void
components(const DavResource *res, GString *out)
{
    g_auto(GStrv) comps = g_strsplit(
        res->coll->components != NULL ? res->coll->components : "VEVENT,VTODO,VJOURNAL", ",", -1);

    DAV_EMIT(out, "<C:supported-calendar-component-set>");
    for (guint i = 0; comps[i] != NULL; i++)
        if (comps[i][0] != '\0')
            g_string_append_printf(out, "<C:comp name=\"%s\"/>", comps[i]);
    DAV_EMIT(out, "</C:supported-calendar-component-set>");
}

static gboolean
quota(DavJob *job, gboolean is_used, GString *out)
{
    guint64 used = 0, limit = 0;

    if (job->store == NULL || !dav_api->mail->quota(job->store, &used, &limit, NULL))
        return FALSE;
    if (is_used)
        g_string_append_printf(
            out, "<D:quota-used-bytes>%" G_GUINT64_FORMAT "</D:quota-used-bytes>", used);
    else if (limit > 0)
        g_string_append_printf(
            out, "<D:quota-available-bytes>%" G_GUINT64_FORMAT "</D:quota-available-bytes>",
            limit > used ? limit - used : 0);
    else
        return FALSE;
    return TRUE;
}

static gboolean
principal_prop(DavJob *job, const DavResource *res, const char *key, GString *out)
{
    g_autofree char *href = NULL;
    const char *tag;

    if (strcmp(key, C("calendar-home-set")) == 0) {
        href = dav_href(job->account, "cal", NULL, NULL);
        tag = "C:calendar-home-set";
    } else if (strcmp(key, CR("addressbook-home-set")) == 0) {
        href = dav_href(job->account, "card", NULL, NULL);
        tag = "CR:addressbook-home-set";
    } else if (strcmp(key, D("principal-URL")) == 0) {
        href = dav_href(job->account, NULL, NULL, NULL);
        tag = "D:principal-URL";
    } else if (strcmp(key, C("schedule-inbox-URL")) == 0) {
        href = dav_href(job->account, "cal", "inbox", NULL);
        tag = "C:schedule-inbox-URL";
    } else if (strcmp(key, C("schedule-outbox-URL")) == 0) {
        href = dav_href(job->account, "cal", "outbox", NULL);
        tag = "C:schedule-outbox-URL";
    } else if (strcmp(key, C("calendar-user-address-set")) == 0) {
        GPtrArray *mine = dav_job_addresses(job);
        DAV_EMIT(out, "<C:calendar-user-address-set>");
        for (guint i = 0; i < mine->len; i++) {
            DAV_EMIT(out, "<D:href>mailto:");
            dav_xml_escape(out, mine->pdata[i]);
            DAV_EMIT(out, "</D:href>");
        }
        DAV_EMIT(out, "</C:calendar-user-address-set>");
        return TRUE;
    } else {
        return FALSE;
    }
    href_prop(out, tag, href);
    return TRUE;
}

static gboolean
collection_prop(DavJob *job, const DavResource *res, const char *key, GString *out)
{
    const HermodDavCollection *c = res->coll;
    gboolean is_cal = c->kind == HERMOD_DAV_KIND_CALENDAR;

    if (strcmp(key, D("sync-token")) == 0)
        g_string_append_printf(out,
                               "<D:sync-token>urn:hermod:sync:%" G_GINT64_FORMAT
                               ":%" G_GUINT64_FORMAT "</D:sync-token>",
                               c->id, c->sync);
    else if (strcmp(key, CS("getctag")) == 0)
        g_string_append_printf(
            out, "<CS:getctag>%" G_GINT64_FORMAT "-%" G_GUINT64_FORMAT "</CS:getctag>", c->id,
            c->sync);
    else if (strcmp(key, C("supported-calendar-component-set")) == 0 && is_cal)
        components(res, out);
    else if (strcmp(key, C("supported-calendar-data")) == 0 && is_cal)
        g_string_append(
            out, "<C:supported-calendar-data><C:calendar-data content-type=\"text/calendar\" "
                 "version=\"2.0\"/></C:supported-calendar-data>");
    else if (strcmp(key, CR("supported-address-data")) == 0 &&
             c->kind == HERMOD_DAV_KIND_ADDRESSBOOK)
        g_string_append(
            out, "<CR:supported-address-data><CR:address-data-type content-type=\"text/vcard\" "
                 "version=\"3.0\"/><CR:address-data-type content-type=\"text/vcard\" "
                 "version=\"4.0\"/></CR:supported-address-data>");
    else if (strcmp(key, C("max-resource-size")) == 0 && is_cal)
        g_string_append_printf(out,
                               "<C:max-resource-size>%" G_GINT64_FORMAT "</C:max-resource-size>",
                               dav_api->setting_int(dav_module, "max_resource_size"));
    else if (strcmp(key, CR("max-resource-size")) == 0 && c->kind == HERMOD_DAV_KIND_ADDRESSBOOK)
        g_string_append_printf(out,
                               "<CR:max-resource-size>%" G_GINT64_FORMAT "</CR:max-resource-size>",
                               dav_api->setting_int(dav_module, "max_resource_size"));
    else if (strcmp(key, D("quota-used-bytes")) == 0 ||
             strcmp(key, D("quota-available-bytes")) == 0)
        return quota(job, strcmp(key, D("quota-used-bytes")) == 0, out);
    else
        return FALSE;
    return TRUE;
}

static gboolean
object_prop(DavJob *job, const DavResource *res, const char *key, GString *out)
{
    const HermodDavObject *o = res->obj;

    if (strcmp(key, D("getetag")) == 0) {
        DAV_EMIT(out, "<D:getetag>");
        dav_xml_escape(out, o->etag);
        DAV_EMIT(out, "</D:getetag>");
    } else if (strcmp(key, D("getcontenttype")) == 0) {
        DAV_EMIT(out, "<D:getcontenttype>");
        dav_xml_escape(out, o->content_type);
        DAV_EMIT(out, "</D:getcontenttype>");
    } else if (strcmp(key, D("getcontentlength")) == 0) {
        g_string_append_printf(
            out, "<D:getcontentlength>%" G_GUINT64_FORMAT "</D:getcontentlength>", o->size);
    } else if ((strcmp(key, C("calendar-data")) == 0 || strcmp(key, CR("address-data")) == 0) &&
               (res->data != NULL || o->data != NULL)) {
        gboolean is_cal = strcmp(key, C("calendar-data")) == 0;
        gsize len = 0;
        const char *data = res->data;
        g_autofree char *text = NULL;
        if (data == NULL)
            data = text = g_strndup(g_bytes_get_data(o->data, &len), g_bytes_get_size(o->data));
        g_string_append(out, is_cal ? "<C:calendar-data>" : "<CR:address-data>");
        dav_xml_escape(out, data);
        g_string_append(out, is_cal ? "</C:calendar-data>" : "</CR:address-data>");
    } else
        return FALSE;
    return TRUE;
}

static void
lock_props(const DavResource *res, const char *key, GString *out)
{
    const DavPath *p = res->path;
    g_autofree char *path = NULL;

    if (strcmp(key, D("supportedlock")) == 0) {
        DAV_EMIT(out, "<D:supportedlock><D:lockentry><D:lockscope><D:exclusive/>"
                      "</D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>"
                      "<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype>"
                      "<D:write/></D:locktype></D:lockentry></D:supportedlock>");
        return;
    }
    path = g_strdup_printf(DAV_ROOT "/%s/%s/%s%s%s", p->home, p->owner, p->collection,
                           p->object != NULL ? "/" : "", p->object != NULL ? p->object : "");
    dav_locks_discovery(path, out);
}

gboolean
dav_prop_live(DavJob *job, const DavResource *res, const char *key, GString *out)
{
    g_autofree char *href = NULL;

    /* A member's own properties first: a PROPFIND Depth 1 asks them of
     * every member, and object_prop's keys are not among those below. */
    if (res->obj != NULL && res->path->kind == DAV_PATH_OBJECT && object_prop(job, res, key, out))
        return TRUE;
    if (strcmp(key, D("resourcetype")) == 0) {
        resourcetype(res, out);
        return TRUE;
    }
    if (strcmp(key, D("current-user-principal")) == 0 || strcmp(key, D("owner")) == 0) {
        href = dav_href(job->account, NULL, NULL, NULL);
        href_prop(out, strcmp(key, D("owner")) == 0 ? "D:owner" : "D:current-user-principal", href);
        return TRUE;
    }
    if (strcmp(key, D("current-user-privilege-set")) == 0) {
        DAV_EMIT(out, "<D:current-user-privilege-set><D:privilege><D:all/></D:privilege>"
                      "<D:privilege><D:read/></D:privilege><D:privilege><D:write/>"
                      "</D:privilege><D:privilege><D:write-properties/></D:privilege>"
                      "<D:privilege><D:write-content/></D:privilege><D:privilege>"
                      "<D:bind/></D:privilege><D:privilege><D:unbind/></D:privilege>"
                      "</D:current-user-privilege-set>");
        return TRUE;
    }
    if ((strcmp(key, D("lockdiscovery")) == 0 || strcmp(key, D("supportedlock")) == 0) &&
        (res->path->kind == DAV_PATH_OBJECT || res->path->kind == DAV_PATH_COLLECTION)) {
        lock_props(res, key, out);
        return TRUE;
    }
    if (strcmp(key, D("supported-report-set")) == 0 && res->path->kind != DAV_PATH_OBJECT) {
        reports(res, out);
        return TRUE;
    }
    if (strcmp(key, D("displayname")) == 0 && res->path->kind != DAV_PATH_OBJECT) {
        DAV_EMIT(out, "<D:displayname>");
        dav_xml_escape(out, res->coll != NULL          ? res->coll->name
                            : res->path->owner != NULL ? res->path->owner
                                                       : "Hermod");
        DAV_EMIT(out, "</D:displayname>");
        return TRUE;
    }
    if (res->path->kind == DAV_PATH_PRINCIPAL)
        return principal_prop(job, res, key, out);
    if (res->coll != NULL && res->path->kind == DAV_PATH_COLLECTION)
        return collection_prop(job, res, key, out);
    /* An object path's own properties were asked first, above. */
    if (res->obj != NULL && res->path->kind != DAV_PATH_OBJECT)
        return object_prop(job, res, key, out);
    return FALSE;
}
