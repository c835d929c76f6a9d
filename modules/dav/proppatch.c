/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * proppatch.c - PROPPATCH (RFC 4918 9.2) and the property part of
 * MKCALENDAR and extended MKCOL (RFC 5689).
 *
 * Every property that is not computed is stored dead, as its whole
 * element (displayname, calendar-color, calendar-description,
 * calendar-order and anything a client invents).  A computed one
 * (resourcetype, getetag, ...) is protected: the request fails as a
 * whole, that property with 403 and the others with 424, and nothing is
 * changed.  Only collections and objects have properties to set.
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/dav.h"

static const char *const protected_props[] = {
    "{DAV:}resourcetype",
    "{DAV:}getetag",
    "{DAV:}getcontentlength",
    "{DAV:}getcontenttype",
    "{DAV:}sync-token",
    "{DAV:}current-user-principal",
    "{DAV:}supported-report-set",
    "{DAV:}current-user-privilege-set",
    "{DAV:}owner",
    "{DAV:}lockdiscovery",
    "{DAV:}supportedlock",
    "{DAV:}quota-used-bytes",
    "{DAV:}quota-available-bytes",
    "{" NS_CS "}getctag",
    "{" NS_CAL "}supported-calendar-data",
    "{" NS_CAL "}max-resource-size",
    "{" NS_CAL "}supported-calendar-component-set",
    NULL,
};

static gboolean
is_protected(const char *key)
{
    for (gsize i = 0; protected_props[i] != NULL; i++)
        if (strcmp(protected_props[i], key) == 0)
            return TRUE;
    return FALSE;
}

static void
free_prop(gpointer p)
{
    HermodDavProp *d = p;

    g_free(d->name);
    g_free(d->xml);
    g_free(d);
}

/* The changes of set/remove elements under update (propertyupdate,
 * mkcol, mkcalendar), in order.  skip_key (nullable) is left out (the
 * component set MKCALENDAR stores itself). (transfer full) */
GPtrArray *
dav_prop_changes(xmlNode *update, gboolean *out_protected)
{
    GPtrArray *changes = g_ptr_array_new_with_free_func(free_prop);

    *out_protected = FALSE;
    for (xmlNode *op = dav_xml_first(update); op != NULL; op = dav_xml_next(op)) {
        gboolean is_set = dav_xml_is(op, NS_DAV, "set");
        xmlNode *prop = dav_xml_child(op, NS_DAV, "prop");
        if ((!is_set && !dav_xml_is(op, NS_DAV, "remove")) || prop == NULL)
            continue;
        for (xmlNode *n = dav_xml_first(prop); n != NULL; n = dav_xml_next(n)) {
            HermodDavProp *d = g_new0(HermodDavProp, 1);
            d->name = dav_xml_key(n);
            d->xml = is_set ? dav_xml_dump(n) : NULL;
            if (is_protected(d->name))
                *out_protected = TRUE;
            g_ptr_array_add(changes, d);
        }
    }
    return changes;
}

/* The multistatus of a PROPPATCH: every property with status, except the
 * protected ones get 403 when others fail with 424. */
static void
answer(DavJob *job, GPtrArray *changes, gboolean has_protected)
{
    g_autofree char *href = g_strdup(job->path);
    GString *out = g_string_new(NULL);

    dav_ms_begin(out);
    g_string_append(out, "<D:response><D:href>");
    dav_xml_escape(out, href);
    g_string_append(out, "</D:href>");
    for (guint i = 0; i < changes->len; i++) {
        const HermodDavProp *d = changes->pdata[i];
        guint status = !has_protected ? 200 : is_protected(d->name) ? 403 : 424;
        g_string_append(out, "<D:propstat><D:prop>");
        dav_xml_empty(out, d->name);
        g_string_append_printf(out, "</D:prop><D:status>HTTP/1.1 %u %s</D:status></D:propstat>",
                               status, dav_reason(status));
    }
    g_string_append(out, "</D:response>\n");
    dav_ms_end(out);
    job->status = 207;
    job->content_type = g_strdup("application/xml; charset=utf-8");
    if (job->out != NULL)
        g_string_free(job->out, TRUE);
    job->out = out;
}

void
dav_proppatch(DavJob *job, DavPath *path)
{
    gboolean is_empty = FALSE, has_protected = FALSE;
    g_autoptr(GError) error = NULL;
    HermodDavCollection *c = NULL;
    HermodDavObject *o = NULL;
    xmlDoc *doc;
    g_autoptr(GPtrArray) changes = NULL;

    if (path->kind != DAV_PATH_COLLECTION && path->kind != DAV_PATH_OBJECT) {
        dav_text(job, 403, "Forbidden: this resource has no properties to change\n");
        return;
    }
    doc = dav_xml_read(job, &is_empty);
    if (doc == NULL || !dav_xml_is(xmlDocGetRootElement(doc), NS_DAV, "propertyupdate")) {
        if (doc != NULL || is_empty)
            dav_text(job, 400, "Bad Request: expected DAV:propertyupdate\n");
        if (doc != NULL)
            xmlFreeDoc(doc);
        return;
    }
    changes = dav_prop_changes(xmlDocGetRootElement(doc), &has_protected);
    xmlFreeDoc(doc);
    if (!dav_find_collection(job, path, &c) || c == NULL)
        return;
    if (path->kind == DAV_PATH_OBJECT && (o = dav_member(job, c, path)) == NULL) {
        dav_text(job, 404, "Not Found\n");
    } else if (!has_protected &&
               !dav_api->dav->props_update(job->store, c->id, o != NULL ? o->name : "", changes,
                                           &error)) {
        dav_fail(job, "saving properties", error);
    } else {
        answer(job, changes, has_protected);
    }
    dav_api->dav->object_free(o);
    dav_api->dav->collection_free(c);
}
