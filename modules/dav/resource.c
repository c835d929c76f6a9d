/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * resource.c - what every method's handler shares: request headers, the
 * response being built, error bodies, the account's store and its
 * default collections, ETag conditions.
 *
 * Runs on the work pool (the DavJob is the handler's alone).  A new
 * account gets a calendar "calendar" and an address book "contacts" the
 * first time its homes are looked at with nothing in them.
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/dav.h"
#include "dav/schedule.h"

const char *
dav_header(DavJob *job, const char *name)
{
    return g_hash_table_lookup(job->headers, name);
}

int
dav_depth(DavJob *job, int def)
{
    const char *d = dav_header(job, "depth");

    if (d == NULL)
        return def;
    if (strcmp(d, "0") == 0)
        return 0;
    if (strcmp(d, "1") == 0)
        return 1;
    return -1;
}

void
dav_resp_header(DavJob *job, const char *name, const char *value)
{
    g_ptr_array_add(job->resp_headers, g_strdup(name));
    g_ptr_array_add(job->resp_headers, g_strdup(value));
}

void
dav_text(DavJob *job, guint status, const char *text)
{
    job->status = status;
    g_free(job->content_type);
    job->content_type = g_strdup("text/plain; charset=utf-8");
    if (job->out != NULL)
        g_string_free(job->out, TRUE);
    job->out = g_string_new(text);
}

void
dav_precondition(DavJob *job, guint status, const char *ns, const char *name, const char *detail)
{
    GString *out = g_string_new("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");

    g_string_append_printf(out, "<D:error xmlns:D=\"DAV:\" xmlns:X=\"%s\"><X:%s/>", ns, name);
    if (detail != NULL) {
        g_string_append(out, "<D:responsedescription>");
        dav_xml_escape(out, detail);
        g_string_append(out, "</D:responsedescription>");
    }
    g_string_append(out, "</D:error>\n");
    job->status = status;
    g_free(job->content_type);
    job->content_type = g_strdup("application/xml; charset=utf-8");
    if (job->out != NULL)
        g_string_free(job->out, TRUE);
    job->out = out;
}

void
dav_fail(DavJob *job, const char *what, const GError *error)
{
    dav_api->log(HERMOD_LOG_WARNING, job->session, "dav %s %s: %s: %s", job->method, job->path,
                 what, error != NULL ? error->message : "unknown error");
    dav_text(job, 500, "Internal Server Error: the store could not answer; try again\n");
}

static gboolean
ensure(DavJob *job, const char *home, const char *name, HermodDavKind kind, const char *comps)
{
    const HermodDavApi *dav = dav_api->dav;
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(GError) error = NULL;
    HermodDavNewCollection spec = {sizeof spec, home, name, kind, comps};

    list = dav->collections(job->store, home, &error);
    if (list == NULL) {
        dav_fail(job, "listing collections", error);
        return FALSE;
    }
    if (list->len > 0)
        return TRUE;
    if (kind == HERMOD_DAV_KIND_CALENDAR) {
        /* A new account: its scheduling boxes come with its calendar. */
        HermodDavNewCollection in = {sizeof in, home, "inbox", HERMOD_DAV_KIND_INBOX, NULL};
        HermodDavNewCollection out = {sizeof out, home, "outbox", HERMOD_DAV_KIND_OUTBOX, NULL};
        dav->collection_create(job->store, &in, NULL);
        dav->collection_create(job->store, &out, NULL);
    }
    if (dav->collection_create(job->store, &spec, &error) ||
        g_error_matches(error, HERMOD_DAV_ERROR, HERMOD_DAV_ERROR_EXISTS))
        return TRUE;
    dav_fail(job, "creating the default collection", error);
    return FALSE;
}

gboolean
dav_job_store(DavJob *job)
{
    g_autoptr(GError) error = NULL;

    if (job->store != NULL)
        return TRUE;
    job->store = dav_api->mail->open(job->account, &error);
    if (job->store == NULL) {
        dav_fail(job, "opening the store", error);
        return FALSE;
    }
    return ensure(job, "cal", "calendar", HERMOD_DAV_KIND_CALENDAR, "VEVENT,VTODO") &&
           ensure(job, "card", "contacts", HERMOD_DAV_KIND_ADDRESSBOOK, NULL);
}

GPtrArray *
dav_addresses_of(const char *account)
{
    g_autoptr(GError) error = NULL;
    GPtrArray *list =
        dav_api->account_addresses != NULL ? dav_api->account_addresses(account, &error) : NULL;

    if (list == NULL) {
        if (error != NULL)
            dav_api->log(HERMOD_LOG_WARNING, NULL, "dav: the addresses of %s: %s", account,
                         error->message);
        list = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(list, g_strdup(account));
    }
    for (guint i = 0; i < list->len; i++) {
        char *low = g_ascii_strdown(list->pdata[i], -1);
        g_free(list->pdata[i]);
        list->pdata[i] = low;
    }
    return list;
}

GPtrArray *
dav_job_addresses(DavJob *job)
{
    if (job->addresses == NULL)
        job->addresses = dav_addresses_of(job->account);
    return job->addresses;
}

gboolean
dav_find_collection(DavJob *job, DavPath *path, HermodDavCollection **out)
{
    g_autoptr(GError) error = NULL;

    *out = NULL;
    if (!dav_job_store(job))
        return FALSE;
    if (!dav_api->dav->collection(job->store, path->home, path->collection, out, &error)) {
        dav_fail(job, "reading a collection", error);
        return FALSE;
    }
    if (*out == NULL)
        dav_text(job, 404, "Not Found\n");
    return TRUE;
}

char *
dav_etag_of(DavJob *job, const char *path)
{
    g_autoptr(DavPath) p = dav_path_parse(path);
    HermodDavCollection *c = NULL;
    HermodDavObject *o = NULL;
    char *etag = NULL;

    if (p == NULL || p->kind != DAV_PATH_OBJECT || job->store == NULL ||
        !dav_api->dav->collection(job->store, p->home, p->collection, &c, NULL) || c == NULL)
        return NULL;
    o = dav_member(job, c, p);
    etag = o != NULL ? g_strdup(o->etag) : NULL;
    dav_api->dav->object_free(o);
    dav_api->dav->collection_free(c);
    return etag;
}

gboolean
dav_etag_matches(const char *header, const char *etag)
{
    g_auto(GStrv) tags = NULL;

    if (header == NULL || etag == NULL)
        return FALSE;
    tags = g_strsplit(header, ",", -1);
    for (guint i = 0; tags[i] != NULL; i++) {
        const char *t = g_strstrip(tags[i]);
        if (g_str_has_prefix(t, "W/"))
            t += 2;
        if (strcmp(t, "*") == 0 || strcmp(t, etag) == 0)
            return TRUE;
    }
    return FALSE;
}
