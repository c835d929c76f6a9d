/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * report.c - REPORT: calendar-query, calendar-multiget, free-busy-query
 * (RFC 4791 7), addressbook-query, addressbook-multiget (RFC 6352 8),
 * sync-collection (RFC 6578 3).
 *
 * Queries read the collection's objects once, prefiltered by the store
 * on the time span of the query's top time-range, then test each object
 * with filter.c.  calendar-data with an expand element is the core's
 * expansion of the object (HermodDavApi.cal_expand), with
 * limit-recurrence-set the object without the overrides outside the
 * range (cal_limit).  Sync tokens are
 * "urn:hermod:sync:ID:N": ID the collection (a token of another or a
 * deleted collection is foreign), N its change number; a token ahead of
 * the collection or not ours is 403 DAV:valid-sync-token.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "dav/dav.h"

typedef struct {
    GPtrArray *keys;     /* property keys asked for */
    gboolean has_expand; /* calendar-data/expand */
    gint64 expand_start, expand_end;
    gboolean has_limit; /* calendar-data/limit-recurrence-set */
    gint64 limit_start, limit_end;
} Props;

static void
props_read(xmlNode *root, Props *out)
{
    xmlNode *prop = dav_xml_child(root, NS_DAV, "prop");
    xmlNode *cd = dav_xml_child(prop, NS_CAL, "calendar-data");
    xmlNode *ex = dav_xml_child(cd, NS_CAL, "expand");
    xmlNode *lim = dav_xml_child(cd, NS_CAL, "limit-recurrence-set");

    out->keys = g_ptr_array_new_with_free_func(g_free);
    for (xmlNode *n = dav_xml_first(prop); n != NULL; n = dav_xml_next(n))
        g_ptr_array_add(out->keys, dav_xml_key(n));
    out->has_expand = ex != NULL && dav_time_range(ex, &out->expand_start, &out->expand_end);
    out->has_limit = lim != NULL && HERMOD_DAV_API_HAS(dav_api->dav, cal_limit) &&
                     dav_time_range(lim, &out->limit_start, &out->limit_end);
}

static void
begin(DavJob *job)
{
    job->out = g_string_new(NULL);
    dav_ms_begin(job->out);
    job->status = 207;
    job->content_type = g_strdup("application/xml; charset=utf-8");
}

static void
emit(DavJob *job, DavPath *path, const HermodDavCollection *c, const HermodDavObject *o,
     const Props *props)
{
    DavPath p = {DAV_PATH_OBJECT, path->owner, path->home, c->name, o->name, FALSE};
    g_autofree char *text = NULL, *expanded = NULL;
    DavResource res = {&p, c, o, NULL};

    if (props->has_expand && o->data != NULL) {
        text = g_strndup(g_bytes_get_data(o->data, NULL), g_bytes_get_size(o->data));
        expanded = dav_api->dav->cal_expand(text, props->expand_start, props->expand_end, NULL);
        res.data = expanded;
    } else if (props->has_limit && o->data != NULL) {
        text = g_strndup(g_bytes_get_data(o->data, NULL), g_bytes_get_size(o->data));
        expanded = dav_api->dav->cal_limit(text, props->limit_start, props->limit_end, NULL);
        res.data = expanded;
    }
    dav_response(job, &res, props->keys, FALSE, job->out);
}

/* The span of the query's VCALENDAR/VEVENT|VTODO/time-range, if any. */
static void
query_span(xmlNode *filter, gint64 *out_start, gint64 *out_end)
{
    xmlNode *cal = dav_xml_child(filter, NS_CAL, "comp-filter");

    *out_start = *out_end = 0;
    for (xmlNode *cf = dav_xml_first(cal); cf != NULL; cf = dav_xml_next(cf)) {
        xmlNode *tr = dav_xml_child(cf, NS_CAL, "time-range");
        if (dav_xml_is(cf, NS_CAL, "comp-filter") && tr != NULL &&
            dav_xml_next(dav_xml_first(cal)) == NULL)
            dav_time_range(tr, out_start, out_end);
    }
}

/* The component of a filter that is only VCALENDAR > COMP > time-range
 * (the common query: what a calendar view asks), or NULL. */
static xmlNode *
simple_range(xmlNode *filter, char **out_name)
{
    xmlNode *cal = dav_xml_child(filter, NS_CAL, "comp-filter");
    xmlNode *comp = dav_xml_first(cal);
    xmlNode *tr = dav_xml_first(comp);
    xmlChar *name = comp != NULL ? xmlGetProp(comp, (const xmlChar *)"name") : NULL;

    *out_name = NULL;
    if (dav_xml_next(dav_xml_first(filter)) != NULL || !dav_xml_is(comp, NS_CAL, "comp-filter") ||
        dav_xml_next(comp) != NULL || !dav_xml_is(tr, NS_CAL, "time-range") ||
        dav_xml_next(tr) != NULL || name == NULL) {
        xmlFree(name);
        return NULL;
    }
    *out_name = g_strdup((const char *)name);
    xmlFree(name);
    return tr;
}

/* Does a line of text start with property name (any case)? */
static gboolean
has_property(const char *text, const char *name)
{
    gsize n = strlen(name);

    for (const char *l = text; l != NULL && *l != '\0'; l = strchr(l, '\n'), l = l ? l + 1 : l)
        if (g_ascii_strncasecmp(l, name, n) == 0 && (l[n] == ':' || l[n] == ';'))
            return TRUE;
    return FALSE;
}

/* One VEVENT without recurrence and of positive length: its only
 * instance is the store's span, so the RFC 4791 9.9 test is the span's
 * (no parse).  FALSE when the object is not that simple. */
static gboolean
span_decides(const HermodDavObject *o, const char *comp, const char *text, gint64 s, gint64 e,
             gboolean *out)
{
    if (g_ascii_strcasecmp(comp, "VEVENT") != 0 || o->first_start == G_MININT64 ||
        o->last_end == G_MAXINT64 || o->last_end <= o->first_start || has_property(text, "RRULE") ||
        has_property(text, "RDATE") || has_property(text, "EXRULE") ||
        has_property(text, "RECURRENCE-ID") || g_strstr_len(text, -1, "BEGIN:VTODO") != NULL ||
        g_strstr_len(text, -1, "BEGIN:VJOURNAL") != NULL ||
        g_strstr_len(text, -1, "BEGIN:VEVENT") == NULL)
        return FALSE;
    *out = s < o->last_end && e > o->first_start;
    return TRUE;
}

/* Does text pass filter?  The common time-range query is one overlap
 * test of the core (one parse; none for a simple event) instead of the
 * whole filter walk. */
static gboolean
passes(xmlNode *filter, gboolean is_cal, const HermodDavObject *o, const char *text)
{
    g_autofree char *comp = NULL;
    xmlNode *tr = is_cal ? simple_range(filter, &comp) : NULL;
    gint64 s, e;
    gboolean hit = FALSE;

    if (tr != NULL && dav_time_range(tr, &s, &e))
        return span_decides(o, comp, text, s, e, &hit) ||
                       dav_instances_overlap(o, comp, text, s, e, &hit)
                   ? hit
                   : dav_api->dav->cal_overlaps(text, comp, s, e, &hit, NULL) && hit;
    return is_cal ? dav_cal_filter(filter, text) : dav_card_filter(filter, text);
}

static void
query(DavJob *job, DavPath *path, HermodDavCollection *c, xmlNode *root, gboolean is_cal)
{
    g_autoptr(GError) error = NULL;
    xmlNode *filter = dav_xml_child(root, is_cal ? NS_CAL : NS_CARD, "filter");
    g_autoptr(GPtrArray) list = NULL;
    Props props;
    gint64 start = 0, end = 0;

    if (filter == NULL && is_cal) {
        dav_precondition(job, 403, NS_CAL, "valid-filter", "calendar-query needs a filter");
        return;
    }
    if (is_cal)
        query_span(filter, &start, &end);
    list = dav_api->dav->objects(job->store, c->id, TRUE, start, end, &error);
    if (list == NULL) {
        dav_fail(job, "listing objects", error);
        return;
    }
    g_ptr_array_set_free_func(list, (GDestroyNotify)dav_api->dav->object_free);
    if (list->len > 1)
        dav_prefetch_dead(job, c);
    props_read(root, &props);
    begin(job);
    for (guint i = 0; i < list->len; i++) {
        HermodDavObject *o = list->pdata[i];
        g_autofree char *text =
            g_strndup(g_bytes_get_data(o->data, NULL), g_bytes_get_size(o->data));
        if (passes(filter, is_cal, o, text))
            emit(job, path, c, o, &props);
    }
    dav_ms_end(job->out);
    g_ptr_array_unref(props.keys);
}

static void
multiget(DavJob *job, DavPath *path, HermodDavCollection *c, xmlNode *root)
{
    Props props;

    props_read(root, &props);
    begin(job);
    for (xmlNode *h = dav_xml_first(root); h != NULL; h = dav_xml_next(h)) {
        g_autofree char *text = dav_xml_text(h);
        g_autofree char *hpath = dav_xml_is(h, NS_DAV, "href") ? dav_href_path(text) : NULL;
        g_autoptr(DavPath) p = hpath != NULL ? dav_path_parse(hpath) : NULL;
        HermodDavObject *o = NULL;
        if (!dav_xml_is(h, NS_DAV, "href"))
            continue;
        if (p != NULL && p->kind == DAV_PATH_OBJECT && g_strcmp0(p->owner, job->account) == 0 &&
            g_strcmp0(p->home, c->home) == 0 && g_strcmp0(p->collection, c->name) == 0)
            dav_api->dav->object(job->store, c->id, p->object, &o, NULL);
        if (o != NULL)
            emit(job, path, c, o, &props);
        else
            dav_response_status(job->out, text, 404);
        dav_api->dav->object_free(o);
    }
    dav_ms_end(job->out);
    g_ptr_array_unref(props.keys);
}

/* The change number of a token of collection c; FALSE when foreign. */
static gboolean
token_since(const char *token, const HermodDavCollection *c, guint64 *out)
{
    g_autofree char *prefix = g_strdup_printf("urn:hermod:sync:%" G_GINT64_FORMAT ":", c->id);
    char *end = NULL;

    *out = 0;
    if (token == NULL || *token == '\0')
        return TRUE;
    if (!g_str_has_prefix(token, prefix))
        return FALSE;
    *out = g_ascii_strtoull(token + strlen(prefix), &end, 10);
    return end != NULL && *end == '\0' && *out <= c->sync && *out > 0;
}

static void
sync_collection(DavJob *job, DavPath *path, HermodDavCollection *c, xmlNode *root)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *token = dav_xml_text(dav_xml_child(root, NS_DAV, "sync-token"));
    g_autoptr(GPtrArray) changes = NULL;
    guint64 since = 0;
    Props props;

    if (!token_since(g_strstrip(token), c, &since)) {
        dav_precondition(job, 403, NS_DAV, "valid-sync-token", "unknown or foreign sync token");
        return;
    }
    changes = dav_api->dav->changes(job->store, c->id, since, &error);
    if (changes == NULL) {
        dav_fail(job, "reading changes", error);
        return;
    }
    g_ptr_array_set_free_func(changes, (GDestroyNotify)dav_api->dav->change_free);
    if (changes->len > 1)
        dav_prefetch_dead(job, c);
    props_read(root, &props);
    begin(job);
    for (guint i = 0; i < changes->len; i++) {
        HermodDavChange *ch = changes->pdata[i];
        HermodDavObject *o = NULL;
        if (!ch->is_deleted)
            dav_api->dav->object(job->store, c->id, ch->name, &o, NULL);
        if (o != NULL) {
            emit(job, path, c, o, &props);
        } else {
            g_autofree char *href = dav_href(job->account, c->home, c->name, ch->name);
            dav_response_status(job->out, href, 404);
        }
        dav_api->dav->object_free(o);
    }
    g_string_append_printf(job->out,
                           "<D:sync-token>urn:hermod:sync:%" G_GINT64_FORMAT ":%" G_GUINT64_FORMAT
                           "</D:sync-token>\n",
                           c->id, c->sync);
    dav_ms_end(job->out);
    g_ptr_array_unref(props.keys);
}

void dav_freebusy(DavJob *job, HermodDavCollection *c, xmlNode *root);

static void
run(DavJob *job, DavPath *path, HermodDavCollection *c, xmlNode *root)
{
    gboolean is_cal = c->kind == HERMOD_DAV_KIND_CALENDAR;
    gboolean is_card = c->kind == HERMOD_DAV_KIND_ADDRESSBOOK;

    if (dav_xml_is(root, NS_DAV, "sync-collection"))
        sync_collection(job, path, c, root);
    else if (is_cal && dav_xml_is(root, NS_CAL, "calendar-query"))
        query(job, path, c, root, TRUE);
    else if (is_card && dav_xml_is(root, NS_CARD, "addressbook-query"))
        query(job, path, c, root, FALSE);
    else if ((is_cal && dav_xml_is(root, NS_CAL, "calendar-multiget")) ||
             (is_card && dav_xml_is(root, NS_CARD, "addressbook-multiget")))
        multiget(job, path, c, root);
    else if (is_cal && dav_xml_is(root, NS_CAL, "free-busy-query"))
        dav_freebusy(job, c, root);
    else
        dav_precondition(job, 403, NS_DAV, "supported-report", "that report is not supported here");
}

void
dav_report(DavJob *job, DavPath *path)
{
    gboolean is_empty = FALSE;
    HermodDavCollection *c = NULL;
    xmlDoc *doc = dav_xml_read(job, &is_empty);

    if (doc == NULL) {
        if (is_empty)
            dav_text(job, 400, "Bad Request: REPORT needs a body\n");
        return;
    }
    if (path->kind != DAV_PATH_COLLECTION && path->kind != DAV_PATH_OBJECT)
        dav_precondition(job, 403, NS_DAV, "supported-report", "REPORT a collection");
    else if (dav_find_collection(job, path, &c) && c != NULL)
        run(job, path, c, xmlDocGetRootElement(doc));
    dav_api->dav->collection_free(c);
    xmlFreeDoc(doc);
}
