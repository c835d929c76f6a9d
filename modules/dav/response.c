/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * response.c - one <D:response> of a multistatus: the href, found
 * properties in a 200 propstat, missing ones in a 404 propstat (RFC 4918
 * 9.1), allprop and propname.
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/dav.h"

const char *
dav_reason(guint status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 409:
        return "Conflict";
    case 424:
        return "Failed Dependency";
    case 507:
        return "Insufficient Storage";
    default:
        return "Error";
    }
}

/* TRUE when name goes into an href as it is: every byte one that
 * g_string_append_uri_escaped keeps (unreserved or DAV_SEGMENT_ALLOWED)
 * and dav_xml_escape too (so not '&'). */
static gboolean
is_plain_segment(const char *name)
{
    for (const char *p = name; *p != '\0'; p++)
        if (!g_ascii_isalnum(*p) && strchr("-._~@!$'()*+,;=:", *p) == NULL)
            return FALSE;
    return TRUE;
}

/* A member of the collection href_base was made for: that href, then
 * the member's segment (dav_href's escaping), without building it whole. */
static gboolean
member_href(DavJob *job, const DavPath *p, GString *out)
{
    if (p->collection == NULL || p->object == NULL || strchr(p->object, '/') != NULL)
        return FALSE;
    if (job->href_base == NULL || g_strcmp0(job->href_owner, p->owner) != 0 ||
        g_strcmp0(job->href_home, p->home) != 0 || strcmp(job->href_coll, p->collection) != 0) {
        g_autofree char *href = dav_href(p->owner, p->home, p->collection, NULL);
        g_autoptr(GString) escaped = g_string_new(NULL);
        dav_xml_escape(escaped, href);
        g_free(job->href_base);
        g_free(job->href_owner);
        g_free(job->href_home);
        g_free(job->href_coll);
        job->href_base = g_string_free(g_steal_pointer(&escaped), FALSE);
        job->href_owner = g_strdup(p->owner);
        job->href_home = g_strdup(p->home);
        job->href_coll = g_strdup(p->collection);
    }
    dav_emit(out, job->href_base, strlen(job->href_base));
    if (is_plain_segment(p->object)) {
        dav_emit(out, p->object, strlen(p->object));
        return TRUE;
    }
    if (job->segment == NULL)
        job->segment = g_string_new(NULL);
    g_string_truncate(job->segment, 0);
    g_string_append_uri_escaped(job->segment, p->object, DAV_SEGMENT_ALLOWED, FALSE);
    dav_xml_escape(out, job->segment->str);
    return TRUE;
}

static void
href_of(DavJob *job, const DavResource *res, GString *out)
{
    const DavPath *p = res->path;
    g_autofree char *href = NULL;

    DAV_EMIT(out, "<D:href>");
    if (p->kind == DAV_PATH_PRINCIPALS) {
        DAV_EMIT(out, DAV_ROOT "/principals/");
    } else if (!member_href(job, p, out)) {
        href = dav_href(p->owner, p->home, p->collection, p->object);
        dav_xml_escape(out, href);
    }
    DAV_EMIT(out, "</D:href>");
}

static void
propstat(GString *out, GString *props, guint status)
{
    if (props->len == 0)
        return;
    DAV_EMIT(out, "<D:propstat><D:prop>");
    dav_emit(out, props->str, props->len);
    if (status == 200)
        DAV_EMIT(out, "</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>");
    else if (status == 404)
        DAV_EMIT(out, "</D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>");
    else
        g_string_append_printf(out, "</D:prop><D:status>HTTP/1.1 %u %s</D:status></D:propstat>",
                               status, dav_reason(status));
}

/* A reused, emptied buffer of the job's.  (transfer none) */
static GString *
buffer(GString **slot)
{
    if (*slot == NULL)
        *slot = g_string_new(NULL);
    (*slot)->len = 0;
    (*slot)->str[0] = '\0';
    return *slot;
}

static const HermodDavProp *
find_dead(GPtrArray *dead, const char *key)
{
    for (guint i = 0; dead != NULL && i < dead->len; i++) {
        const HermodDavProp *p = dead->pdata[i];
        if (strcmp(p->name, key) == 0)
            return p;
    }
    return NULL;
}

void
dav_prefetch_dead(DavJob *job, const HermodDavCollection *c)
{
    g_autoptr(GPtrArray) names = NULL;

    g_clear_pointer(&job->dead_names, g_hash_table_unref);
    job->dead_coll = 0;
    if (job->store == NULL || !HERMOD_DAV_API_HAS(dav_api->dav, props_objects) ||
        (names = dav_api->dav->props_objects(job->store, c->id, NULL)) == NULL)
        return;
    job->dead_names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < names->len; i++)
        g_hash_table_add(job->dead_names, g_strdup(names->pdata[i]));
    job->dead_coll = c->id;
}

static GPtrArray *
dead_props(DavJob *job, const DavResource *res)
{
    if (res->coll == NULL || job->store == NULL ||
        (res->path->kind != DAV_PATH_COLLECTION && res->path->kind != DAV_PATH_OBJECT))
        return NULL;
    if (res->obj != NULL && job->dead_names != NULL && job->dead_coll == res->coll->id &&
        (g_hash_table_size(job->dead_names) == 0 ||
         !g_hash_table_contains(job->dead_names, res->obj->name)))
        return NULL;
    return dav_api->dav->props(job->store, res->coll->id, res->obj != NULL ? res->obj->name : "",
                               NULL);
}

static void
one(DavJob *job, const DavResource *res, const char *key, GPtrArray *dead, gboolean names_only,
    GString *found, GString *missing)
{
    const HermodDavProp *d = find_dead(dead, key);
    gsize at = found->len;

    if (d != NULL && !names_only) {
        dav_emit(found, d->xml, strlen(d->xml));
        return;
    }
    /* The live value goes straight into found; taken back if absent. */
    if (d == NULL && !dav_prop_live(job, res, key, found)) {
        g_string_truncate(found, at);
        dav_xml_empty(missing, key);
        return;
    }
    if (names_only) {
        g_string_truncate(found, at);
        dav_xml_empty(found, key);
    }
}

/* The found properties go straight into out, in a 200 propstat opened
 * before them and taken back when none was found: appends only, no
 * second copy of each member's properties. */
void
dav_response(DavJob *job, const DavResource *res, GPtrArray *keys, gboolean names_only,
             GString *out)
{
    g_autoptr(GPtrArray) dead = dead_props(job, res);
    GString *missing = buffer(&job->missing);
    gsize open, first;

    if (dead != NULL)
        g_ptr_array_set_free_func(dead, (GDestroyNotify)dav_api->dav->prop_free);
    DAV_EMIT(out, "<D:response>");
    href_of(job, res, out);
    open = out->len;
    DAV_EMIT(out, "<D:propstat><D:prop>");
    first = out->len;
    if (keys != NULL) {
        for (guint i = 0; i < keys->len; i++)
            one(job, res, keys->pdata[i], dead, FALSE, out, missing);
    } else {
        const char *const *names = dav_prop_names(res);
        g_autoptr(GString) scratch = g_string_new(NULL);
        for (gsize i = 0; names[i] != NULL; i++)
            if (find_dead(dead, names[i]) == NULL)
                one(job, res, names[i], NULL, names_only, out, scratch);
        for (guint i = 0; dead != NULL && i < dead->len; i++)
            one(job, res, ((HermodDavProp *)dead->pdata[i])->name, dead, names_only, out, scratch);
    }
    if (out->len > first)
        DAV_EMIT(out, "</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>");
    else
        g_string_truncate(out, open);
    propstat(out, missing, 404);
    if (out->len == open)
        DAV_EMIT(out, "<D:propstat><D:prop/><D:status>HTTP/1.1 200 OK</D:status>"
                      "</D:propstat>");
    DAV_EMIT(out, "</D:response>\n");
}

void
dav_reserve(GString *out, gsize more)
{
    gsize len = out->len;

    if (out->allocated_len > len + more)
        return;
    g_string_set_size(out, len + more);
    g_string_truncate(out, len);
}

void
dav_response_status(GString *out, const char *href, guint status)
{
    DAV_EMIT(out, "<D:response><D:href>");
    dav_xml_escape(out, href);
    g_string_append_printf(out, "</D:href><D:status>HTTP/1.1 %u %s</D:status></D:response>\n",
                           status, dav_reason(status));
}
