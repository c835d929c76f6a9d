/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * propfind.c - PROPFIND (RFC 4918 9.1): depth 0 or 1 over the root, the
 * principals, a home, a collection or an object.
 *
 * An empty body is allprop.  Depth infinity is refused with
 * DAV:propfind-finite-depth (403), and a missing Depth header is read as
 * 1, so no request walks a whole home.
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/dav.h"

typedef struct {
    GPtrArray *keys; /* NULL: allprop */
    gboolean names_only;
} Wanted;

/* FALSE with the job answered (400). */
static gboolean
wanted(DavJob *job, Wanted *out)
{
    gboolean is_empty = FALSE;
    xmlDoc *doc = dav_xml_read(job, &is_empty);
    xmlNode *root, *prop;

    out->keys = NULL;
    out->names_only = FALSE;
    if (doc == NULL)
        return is_empty;
    root = xmlDocGetRootElement(doc);
    if (!dav_xml_is(root, NS_DAV, "propfind")) {
        xmlFreeDoc(doc);
        dav_text(job, 400, "Bad Request: expected DAV:propfind\n");
        return FALSE;
    }
    out->names_only = dav_xml_child(root, NS_DAV, "propname") != NULL;
    prop = dav_xml_child(root, NS_DAV, "prop");
    if (prop != NULL) {
        out->keys = g_ptr_array_new_with_free_func(g_free);
        for (xmlNode *n = dav_xml_first(prop); n != NULL; n = dav_xml_next(n))
            g_ptr_array_add(out->keys, dav_xml_key(n));
    }
    xmlFreeDoc(doc);
    return TRUE;
}

static void
emit(DavJob *job, const Wanted *w, DavPath *path, const HermodDavCollection *c,
     const HermodDavObject *o)
{
    DavResource res = {path, c, o, NULL};

    dav_response(job, &res, w->keys, w->names_only, job->out);
}

static void
emit_simple(DavJob *job, const Wanted *w, DavPathKind kind, const char *owner, const char *home)
{
    DavPath p = {kind, (char *)owner, (char *)home, NULL, NULL, TRUE};

    emit(job, w, &p, NULL, NULL);
}

static gboolean
home_members(DavJob *job, const Wanted *w, DavPath *path)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = dav_api->dav->collections(job->store, path->home, &error);

    if (list == NULL) {
        dav_fail(job, "listing collections", error);
        return FALSE;
    }
    g_ptr_array_set_free_func(list, (GDestroyNotify)dav_api->dav->collection_free);
    for (guint i = 0; i < list->len; i++) {
        HermodDavCollection *c = list->pdata[i];
        DavPath p = {DAV_PATH_COLLECTION, path->owner, path->home, c->name, NULL, TRUE};
        emit(job, w, &p, c, NULL);
    }
    return TRUE;
}

static gboolean
collection_members(DavJob *job, const Wanted *w, DavPath *path, HermodDavCollection *c)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = HERMOD_DAV_API_HAS(dav_api->dav, objects_brief)
                                    ? dav_api->dav->objects_brief(job->store, c->id, &error)
                                    : dav_api->dav->objects(job->store, c->id, FALSE, 0, 0, &error);

    if (list == NULL) {
        dav_fail(job, "listing objects", error);
        return FALSE;
    }
    g_ptr_array_set_free_func(list, (GDestroyNotify)dav_api->dav->object_free);
    if (list->len > 1)
        dav_prefetch_dead(job, c);
    for (guint i = 0; i < list->len; i++) {
        HermodDavObject *o = list->pdata[i];
        DavPath p = {DAV_PATH_OBJECT, path->owner, path->home, c->name, o->name, FALSE};
        gsize before = job->out->len;
        emit(job, w, &p, c, o);
        if (i == 0) /* room for the others, as long as the first, at once */
            dav_reserve(job->out, (job->out->len - before) * 9 / 8 * (list->len - 1));
    }
    return TRUE;
}

/* The direct members of a plain collection or subcollection (prefix). */
static gboolean
members(DavJob *job, const Wanted *w, DavPath *path, HermodDavCollection *c, const char *prefix)
{
    g_autoptr(GPtrArray) list = dav_members(job, c, prefix, TRUE);

    for (guint i = 0; i < list->len; i++) {
        HermodDavObject *o = list->pdata[i];
        DavPath p = {DAV_PATH_OBJECT, path->owner, path->home, c->name, o->name, dav_is_marker(o)};
        emit(job, w, &p, c, o);
    }
    return TRUE;
}

static gboolean
walk(DavJob *job, const Wanted *w, DavPath *path, int depth)
{
    g_autoptr(GError) error = NULL;
    HermodDavCollection *c = NULL;
    HermodDavObject *o = NULL;
    gboolean ok = TRUE;

    if (path->kind == DAV_PATH_COLLECTION || path->kind == DAV_PATH_OBJECT) {
        if (!dav_find_collection(job, path, &c) || c == NULL)
            return FALSE;
        if (path->kind == DAV_PATH_OBJECT)
            o = dav_member(job, c, path);
        if (path->kind == DAV_PATH_OBJECT && o == NULL) {
            dav_text(job, 404, "Not Found\n");
            dav_api->dav->collection_free(c);
            return FALSE;
        }
    }
    if (o != NULL && dav_is_marker(o)) {
        DavPath self = {DAV_PATH_OBJECT, path->owner, path->home, c->name, o->name, TRUE};
        emit(job, w, &self, c, o);
    } else {
        emit(job, w, path, c, o);
    }
    if (depth > 0 && dav_is_marker(o)) {
        ok = members(job, w, path, c, o->name);
    } else if (depth > 0 && path->kind == DAV_PATH_ROOT) {
        emit_simple(job, w, DAV_PATH_PRINCIPALS, NULL, NULL);
        emit_simple(job, w, DAV_PATH_HOME, job->account, "cal");
        emit_simple(job, w, DAV_PATH_HOME, job->account, "card");
    } else if (depth > 0 && path->kind == DAV_PATH_PRINCIPALS) {
        emit_simple(job, w, DAV_PATH_PRINCIPAL, job->account, NULL);
    } else if (depth > 0 && path->kind == DAV_PATH_HOME) {
        ok = home_members(job, w, path);
    } else if (depth > 0 && path->kind == DAV_PATH_COLLECTION) {
        ok = c->kind == HERMOD_DAV_KIND_PLAIN ? members(job, w, path, c, NULL)
                                              : collection_members(job, w, path, c);
    }
    dav_api->dav->object_free(o);
    dav_api->dav->collection_free(c);
    return ok;
}

void
dav_propfind(DavJob *job, DavPath *path)
{
    Wanted w;
    int depth = dav_depth(job, 1);

    if (depth < 0) {
        dav_precondition(job, 403, NS_DAV, "propfind-finite-depth",
                         "Depth: infinity is not supported; use 0 or 1");
        return;
    }
    if (!wanted(job, &w) || !dav_job_store(job))
        goto out;
    job->out = g_string_new(NULL);
    dav_ms_begin(job->out);
    if (walk(job, &w, path, depth)) {
        dav_ms_end(job->out);
        job->status = 207;
        job->content_type = g_strdup("application/xml; charset=utf-8");
    }
out:
    if (w.keys != NULL)
        g_ptr_array_unref(w.keys);
}
