/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * object.c - GET, HEAD, PUT and DELETE of objects (and DELETE of
 * collections), with strong ETags and If-Match / If-None-Match.
 *
 * A PUT into a calendar must be one valid iCalendar object resource
 * (ical.c), into an address book one vCard (vcard.c); the bytes are
 * stored exactly as sent.  The conditions are checked by the store in
 * the same transaction as the write, so two clients racing on one
 * ETag cannot both win.
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/dav.h"

static void
get_object(DavJob *job, DavPath *path, HermodDavCollection *c)
{
    g_autoptr(GError) error = NULL;
    HermodDavObject *o = NULL;
    gsize len = 0;
    const char *data;

    o = dav_member(job, c, path);
    if (o == NULL) {
        dav_text(job, 404, "Not Found\n");
        return;
    }
    if (dav_is_marker(o)) {
        dav_text(job, 200, "A WebDAV collection: list it with PROPFIND\n");
        dav_api->dav->object_free(o);
        return;
    }
    dav_resp_header(job, "ETag", o->etag);
    if (dav_header(job, "if-match") != NULL &&
        !dav_etag_matches(dav_header(job, "if-match"), o->etag)) {
        dav_text(job, 412, "Precondition Failed\n");
    } else if (dav_etag_matches(dav_header(job, "if-none-match"), o->etag)) {
        job->status = 304;
    } else {
        data = g_bytes_get_data(o->data, &len);
        /* Files of plain collections are downloads, never pages of this
         * origin (the webmail's): no sniffing, no inline HTML. */
        dav_resp_header(job, "X-Content-Type-Options", "nosniff");
        if (c->kind == HERMOD_DAV_KIND_PLAIN)
            dav_resp_header(job, "Content-Disposition", "attachment");
        job->status = 200;
        job->content_type =
            g_strdup(*o->content_type != '\0' ? o->content_type : "application/octet-stream");
        job->out = g_string_new_len(data, (gssize)len);
    }
    dav_api->dav->object_free(o);
}

void
dav_get(DavJob *job, DavPath *path)
{
    HermodDavCollection *c = NULL;

    if (path->kind != DAV_PATH_OBJECT) {
        dav_text(job, 200, "Hermod CalDAV/CardDAV: use a DAV client here\n");
        return;
    }
    if (!dav_find_collection(job, path, &c) || c == NULL)
        return;
    get_object(job, path, c);
    dav_api->dav->collection_free(c);
}

/* Validate body for c; FALSE with the job answered. */
static gboolean
check_body(DavJob *job, HermodDavCollection *c, DavCheck *check)
{
    gsize len = 0;
    const char *data = g_bytes_get_data(job->body, &len);
    gint64 max = dav_api->setting_int(dav_module, "max_resource_size");
    const char *ns = c->kind == HERMOD_DAV_KIND_ADDRESSBOOK ? NS_CARD : NS_CAL;

    check->start = G_MININT64;
    check->end = G_MAXINT64;
    if ((gint64)len > max) {
        dav_precondition(job, 403, ns, "max-resource-size", "the resource is too large");
        return FALSE;
    }
    if (c->kind == HERMOD_DAV_KIND_CALENDAR)
        dav_ical_check(data, len, c->components, check);
    else if (c->kind == HERMOD_DAV_KIND_ADDRESSBOOK)
        dav_vcard_check(data, len, check);
    if (check->precondition == NULL)
        return TRUE;
    dav_api->log(HERMOD_LOG_INFO, job->session, "dav PUT %s refused: %s: %s", job->path,
                 check->precondition, check->detail != NULL ? check->detail : "");
    dav_precondition(job, 403, ns, check->precondition, check->detail);
    return FALSE;
}

static const char *
content_type(DavJob *job, HermodDavCollection *c)
{
    const char *t = dav_header(job, "content-type");

    if (c->kind == HERMOD_DAV_KIND_CALENDAR)
        return "text/calendar; charset=utf-8";
    if (c->kind == HERMOD_DAV_KIND_ADDRESSBOOK)
        return "text/vcard; charset=utf-8";
    return t != NULL ? t : "application/octet-stream";
}

static void
put_failed(DavJob *job, HermodDavCollection *c, GError *error)
{
    g_autofree char *href = NULL;

    if (g_error_matches(error, HERMOD_DAV_ERROR, HERMOD_DAV_ERROR_PRECONDITION)) {
        dav_text(job, 412, "Precondition Failed\n");
    } else if (g_error_matches(error, HERMOD_DAV_ERROR, HERMOD_DAV_ERROR_UID_CONFLICT)) {
        href = dav_href(job->account, c->home, c->name, error->message);
        dav_precondition(job, 403, c->kind == HERMOD_DAV_KIND_ADDRESSBOOK ? NS_CARD : NS_CAL,
                         "no-uid-conflict", href);
        g_string_printf(job->out,
                        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:error xmlns:D=\"DAV:\""
                        " xmlns:X=\"%s\"><X:no-uid-conflict><D:href>",
                        c->kind == HERMOD_DAV_KIND_ADDRESSBOOK ? NS_CARD : NS_CAL);
        dav_xml_escape(job->out, href);
        g_string_append(job->out, "</D:href></X:no-uid-conflict></D:error>\n");
    } else if (g_error_matches(error, HERMOD_DAV_ERROR, HERMOD_DAV_ERROR_OVER_QUOTA)) {
        dav_precondition(job, 507, NS_DAV, "quota-not-exceeded", "the account is over quota");
    } else if (g_error_matches(error, HERMOD_DAV_ERROR, HERMOD_DAV_ERROR_INVALID)) {
        dav_text(job, 403, "Forbidden: not a resource name\n");
    } else {
        dav_fail(job, "storing an object", error);
    }
}

static gboolean
may_schedule(DavJob *job, HermodDavCollection *c)
{
    return c->kind == HERMOD_DAV_KIND_CALENDAR && !job->is_internal &&
           dav_api->setting_int(dav_module, "scheduling");
}

/* The object's data before a PUT that may schedule (transfer full), or
 * NULL. */
static char *
scheduling_old(DavJob *job, HermodDavCollection *c, const char *name)
{
    HermodDavObject *o = NULL;
    char *text = NULL;

    if (!may_schedule(job, c) || g_strstr_len(g_bytes_get_data(job->body, NULL),
                                              g_bytes_get_size(job->body), "ORGANIZER") == NULL)
        return NULL;
    if (dav_api->dav->object(job->store, c->id, name, &o, NULL) && o != NULL)
        text = g_strndup(g_bytes_get_data(o->data, NULL), g_bytes_get_size(o->data));
    dav_api->dav->object_free(o);
    return text != NULL ? text : g_strdup("");
}

/* Schedule after the PUT; TRUE when the stored data was changed (then
 * no ETag goes back, RFC 4791 5.3.4). */
static gboolean
schedule(DavJob *job, HermodDavPut *put, char **etag, char *old)
{
    g_autofree char *text = NULL, *updated = NULL;
    g_autoptr(GBytes) data = NULL;
    char *new_etag = NULL;

    if (old == NULL)
        return FALSE;
    text = g_strndup(g_bytes_get_data(put->data, NULL), g_bytes_get_size(put->data));
    updated = dav_schedule_put(job, *old != '\0' ? old : NULL, text);
    if (updated == NULL)
        return FALSE;
    data = g_bytes_new(updated, strlen(updated));
    put->data = data;
    put->if_match = *etag;
    put->if_none_match = FALSE;
    if (!dav_api->dav->object_put(job->store, put, &new_etag, NULL, NULL))
        return FALSE;
    g_free(*etag);
    *etag = new_etag;
    return TRUE;
}

/* Store body as path's object; the job is answered. */
gboolean
dav_store_object(DavJob *job, HermodDavCollection *c, const char *name, const char *if_match,
                 gboolean if_none_match)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *etag = NULL;
    DavCheck check = {0};
    gboolean created = FALSE;
    char *old = NULL;
    HermodDavPut put = {sizeof put};

    if (!check_body(job, c, &check)) {
        dav_check_clear(&check);
        return FALSE;
    }
    put.collection_id = c->id;
    put.name = name;
    put.data = job->body;
    put.content_type = content_type(job, c);
    put.uid = check.uid;
    put.first_start = check.start;
    put.last_end = check.end;
    put.if_match = if_match;
    put.if_none_match = if_none_match;
    old = scheduling_old(job, c, name);
    if (!dav_api->dav->object_put(job->store, &put, &etag, &created, &error)) {
        put_failed(job, c, error);
        dav_check_clear(&check);
        g_free(old);
        return FALSE;
    }
    if (!schedule(job, &put, &etag, old))
        dav_resp_header(job, "ETag", etag);
    if (c->kind == HERMOD_DAV_KIND_CALENDAR) {
        job->stored_coll = c->id;
        g_free(job->stored_name);
        job->stored_name = g_strdup(name);
    }
    dav_check_clear(&check);
    g_free(old);
    dav_text(job, created ? 201 : 204, created ? "Created\n" : "");
    if (!created)
        g_clear_pointer(&job->content_type, g_free);
    return TRUE;
}

static char *
if_match(DavJob *job)
{
    const char *h = dav_header(job, "if-match");

    if (h == NULL)
        return NULL;
    h += g_str_has_prefix(h, "W/") ? 2 : 0;
    return g_strstrip(g_strdup(h));
}

/* The object's data, for a DELETE that may send CANCEL (transfer full). */
static char *
scheduling_old_any(DavJob *job, HermodDavCollection *c, const char *name)
{
    HermodDavObject *o = NULL;
    char *text = NULL;

    if (dav_api->dav->object(job->store, c->id, name, &o, NULL) && o != NULL)
        text = g_strndup(g_bytes_get_data(o->data, NULL), g_bytes_get_size(o->data));
    dav_api->dav->object_free(o);
    return text;
}

/* Nesting rules for a PUT; FALSE with the job answered. */
static gboolean
plain_put_ok(DavJob *job, HermodDavCollection *c, DavPath *path)
{
    g_autofree char *dir = g_strconcat(path->object, "/", NULL);
    HermodDavObject *o = NULL;
    gboolean is_dir;

    if (strchr(path->object, '/') != NULL && c->kind != HERMOD_DAV_KIND_PLAIN) {
        dav_text(job, 409, "Conflict: calendars and address books do not nest\n");
        return FALSE;
    }
    if (c->kind != HERMOD_DAV_KIND_PLAIN)
        return TRUE;
    if (!dav_parent_ok(job, c, path->object)) {
        dav_text(job, 409, "Conflict: the parent collection does not exist\n");
        return FALSE;
    }
    is_dir = dav_api->dav->object(job->store, c->id, dir, &o, NULL) && o != NULL;
    dav_api->dav->object_free(o);
    if (is_dir)
        dav_text(job, 405, "Method Not Allowed: a collection of that name exists\n");
    return !is_dir;
}

static gboolean
is_star(const char *header)
{
    g_autofree char *v = header != NULL ? g_strstrip(g_strdup(header)) : NULL;

    return v != NULL && strcmp(v, "*") == 0;
}

void
dav_put(DavJob *job, DavPath *path)
{
    HermodDavCollection *c = NULL;
    g_autofree char *match = if_match(job);
    const char *none = dav_header(job, "if-none-match");

    if (path->kind != DAV_PATH_OBJECT) {
        dav_text(job, 405, "Method Not Allowed: PUT an object into a collection\n");
        return;
    }
    if (!dav_find_collection(job, path, &c))
        return;
    if (c == NULL) {
        dav_text(job, 409, "Conflict: the collection does not exist\n");
        return;
    }
    if (c->kind == HERMOD_DAV_KIND_INBOX || c->kind == HERMOD_DAV_KIND_OUTBOX)
        dav_text(job, 403, "Forbidden: not in a scheduling box\n");
    else if (path->has_slash)
        dav_text(job, 405, "Method Not Allowed: that names a collection\n");
    else if (!plain_put_ok(job, c, path))
        ;
    else
        dav_store_object(job, c, path->object, match, is_star(none));
    dav_api->dav->collection_free(c);
}

void
dav_delete(DavJob *job, DavPath *path)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *match = if_match(job);
    HermodDavCollection *c = NULL;
    gboolean ok;

    if (path->kind != DAV_PATH_OBJECT && path->kind != DAV_PATH_COLLECTION) {
        dav_text(job, 403, "Forbidden: that cannot be deleted\n");
        return;
    }
    if (!dav_find_collection(job, path, &c) || c == NULL)
        return;
    if (path->kind == DAV_PATH_COLLECTION) {
        ok = dav_api->dav->collection_delete(job->store, c->id, &error);
    } else {
        HermodDavObject *m = dav_member(job, c, path);
        g_autofree char *old =
            may_schedule(job, c) ? scheduling_old_any(job, c, path->object) : NULL;
        if (m != NULL && dav_is_marker(m))
            ok = dav_delete_tree(job, c, m->name, &error);
        else
            ok = dav_api->dav->object_delete(job->store, c->id, path->object, match, &error);
        dav_api->dav->object_free(m);
        if (ok && old != NULL)
            dav_schedule_delete(job, old);
    }
    if (ok)
        dav_locks_drop(job->path);
    if (ok)
        dav_text(job, 204, "");
    else if (g_error_matches(error, HERMOD_DAV_ERROR, HERMOD_DAV_ERROR_NOT_FOUND))
        dav_text(job, 404, "Not Found\n");
    else if (g_error_matches(error, HERMOD_DAV_ERROR, HERMOD_DAV_ERROR_PRECONDITION))
        dav_text(job, 412, "Precondition Failed\n");
    else
        dav_fail(job, "deleting", error);
    if (ok)
        g_clear_pointer(&job->content_type, g_free);
    dav_api->dav->collection_free(c);
}
