/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * mkcol.c - MKCOL (RFC 4918 9.3, extended by RFC 5689) and MKCALENDAR
 * (RFC 4791 5.3.1).
 *
 * A collection is made directly in a home: MKCALENDAR, or MKCOL whose
 * resourcetype says calendar, makes a calendar (in /dav/cal only); a
 * resourcetype addressbook makes an address book (in /dav/card only);
 * anything else a plain WebDAV collection.  Collections do not nest:
 * MKCOL below a collection is 403, below a missing one 409.  The
 * supported-calendar-component-set of the body is the calendar's; every
 * other property given is stored dead, in the same request.
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/dav.h"

static HermodDavKind
kind_of(xmlNode *root, gboolean is_mkcalendar)
{
    xmlNode *set = dav_xml_child(root, NS_DAV, "set");
    xmlNode *rt = dav_xml_child(dav_xml_child(set, NS_DAV, "prop"), NS_DAV, "resourcetype");

    if (is_mkcalendar || dav_xml_child(rt, NS_CAL, "calendar") != NULL)
        return HERMOD_DAV_KIND_CALENDAR;
    if (dav_xml_child(rt, NS_CARD, "addressbook") != NULL)
        return HERMOD_DAV_KIND_ADDRESSBOOK;
    return HERMOD_DAV_KIND_PLAIN;
}

/* "VEVENT,VTODO" from a supported-calendar-component-set in the body, or
 * NULL.  (transfer full) */
static char *
components_of(xmlNode *root)
{
    xmlNode *prop = dav_xml_child(dav_xml_child(root, NS_DAV, "set"), NS_DAV, "prop");
    xmlNode *set = dav_xml_child(prop, NS_CAL, "supported-calendar-component-set");
    GString *out;

    if (set == NULL)
        return NULL;
    out = g_string_new(NULL);
    for (xmlNode *c = dav_xml_first(set); c != NULL; c = dav_xml_next(c)) {
        xmlChar *name = xmlGetProp(c, (const xmlChar *)"name");
        if (dav_xml_is(c, NS_CAL, "comp") && name != NULL)
            g_string_append_printf(out, "%s%s", out->len > 0 ? "," : "", (const char *)name);
        xmlFree(name);
    }
    return g_string_free(out, FALSE);
}

/* Drop the properties MKCOL consumed itself. */
static void
drop_consumed(GPtrArray *changes)
{
    for (guint i = changes->len; i-- > 0;) {
        const HermodDavProp *d = changes->pdata[i];
        if (strcmp(d->name, "{DAV:}resourcetype") == 0 ||
            strcmp(d->name, "{" NS_CAL "}supported-calendar-component-set") == 0)
            g_ptr_array_remove_index(changes, i);
    }
}

static void
create(DavJob *job, DavPath *path, xmlNode *root, gboolean is_mkcalendar)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *comps = root != NULL ? components_of(root) : NULL;
    HermodDavKind kind = root != NULL    ? kind_of(root, is_mkcalendar)
                         : is_mkcalendar ? HERMOD_DAV_KIND_CALENDAR
                                         : HERMOD_DAV_KIND_PLAIN;
    HermodDavNewCollection spec = {sizeof spec, path->home, path->collection, kind, NULL};
    g_autoptr(GPtrArray) changes = NULL;
    HermodDavCollection *c = NULL;
    gboolean has_protected = FALSE;

    if ((kind == HERMOD_DAV_KIND_CALENDAR && strcmp(path->home, "cal") != 0) ||
        (kind == HERMOD_DAV_KIND_ADDRESSBOOK && strcmp(path->home, "card") != 0)) {
        dav_precondition(job, 403, NS_DAV, "valid-resourcetype",
                         "calendars go below /dav/cal/, address books below /dav/card/");
        return;
    }
    spec.components = kind == HERMOD_DAV_KIND_CALENDAR
                          ? (comps != NULL && *comps != '\0' ? comps : "VEVENT,VTODO,VJOURNAL")
                          : NULL;
    if (!dav_api->dav->collection_create(job->store, &spec, &error)) {
        if (g_error_matches(error, HERMOD_DAV_ERROR, HERMOD_DAV_ERROR_EXISTS))
            dav_text(job, 405, "Method Not Allowed: the collection exists\n");
        else if (g_error_matches(error, HERMOD_DAV_ERROR, HERMOD_DAV_ERROR_INVALID))
            dav_text(job, 403, "Forbidden: not a collection name\n");
        else
            dav_fail(job, "creating a collection", error);
        return;
    }
    if (root != NULL) {
        changes = dav_prop_changes(root, &has_protected);
        drop_consumed(changes);
        if (changes->len > 0 &&
            dav_api->dav->collection(job->store, path->home, path->collection, &c, &error) &&
            c != NULL)
            dav_api->dav->props_update(job->store, c->id, "", changes, NULL);
        dav_api->dav->collection_free(c);
    }
    dav_text(job, 201, "Created\n");
}

/* MKCOL of a subcollection of a plain collection. */
static void
mkcol_nested(DavJob *job, DavPath *path, HermodDavCollection *c, gboolean is_mkcalendar)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_strconcat(path->object, "/", NULL);
    DavPath as_file = {DAV_PATH_OBJECT, NULL, NULL, NULL, path->object, FALSE};
    HermodDavObject *o;

    if (c->kind != HERMOD_DAV_KIND_PLAIN || is_mkcalendar) {
        dav_text(job, 403, "Forbidden: only plain collections nest\n");
        return;
    }
    if (g_bytes_get_size(job->body) > 0) {
        dav_text(job, 415, "Unsupported Media Type: no body for a subcollection\n");
        return;
    }
    o = dav_member(job, c, &as_file);
    if (o != NULL) {
        dav_api->dav->object_free(o);
        dav_text(job, 405, "Method Not Allowed: that exists\n");
    } else if (!dav_parent_ok(job, c, dir)) {
        dav_text(job, 409, "Conflict: the parent collection does not exist\n");
    } else if (!dav_make_marker(job, c, dir, &error)) {
        dav_fail(job, "making a subcollection", error);
    } else {
        dav_text(job, 201, "Created\n");
    }
}

void
dav_mkcol(DavJob *job, DavPath *path)
{
    gboolean is_mkcalendar = strcmp(job->method, "MKCALENDAR") == 0;
    gboolean is_empty = FALSE;
    HermodDavCollection *c = NULL;
    xmlDoc *doc;

    if (path->kind == DAV_PATH_OBJECT) {
        if (dav_find_collection(job, path, &c) && c != NULL)
            mkcol_nested(job, path, c, is_mkcalendar);
        else if (c == NULL && job->status == 404)
            dav_text(job, 409, "Conflict: the parent collection does not exist\n");
        dav_api->dav->collection_free(c);
        return;
    }
    if (path->kind != DAV_PATH_COLLECTION) {
        dav_text(job, 405, "Method Not Allowed: that exists\n");
        return;
    }
    doc = dav_xml_read(job, &is_empty);
    if (doc == NULL && !is_empty)
        return;
    if (doc != NULL && !dav_xml_is(xmlDocGetRootElement(doc), NS_DAV, "mkcol") &&
        !dav_xml_is(xmlDocGetRootElement(doc), NS_CAL, "mkcalendar")) {
        xmlFreeDoc(doc);
        dav_text(job, 415, "Unsupported Media Type: MKCOL body must be DAV:mkcol\n");
        return;
    }
    if (dav_job_store(job))
        create(job, path, doc != NULL ? xmlDocGetRootElement(doc) : NULL, is_mkcalendar);
    if (doc != NULL)
        xmlFreeDoc(doc);
}
