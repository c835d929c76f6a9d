/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * lock.c - the LOCK and UNLOCK methods (RFC 4918 9.10, 9.11) on the lock
 * table of locks.c.
 *
 * LOCK with a lockinfo body makes an exclusive or shared write lock of
 * Depth 0 or infinity (the default); a conflicting lock is 423.  LOCK on
 * an unmapped URL in a plain collection creates an empty resource
 * (201).  LOCK without a body refreshes the lock whose token the If
 * header names.  UNLOCK removes the lock its Lock-Token names, if that
 * lock covers the request URL (else 409 lock-token-matches-request-uri).
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/dav.h"

static guint
timeout_of(DavJob *job)
{
    const char *t = dav_header(job, "timeout");
    guint64 v;

    if (t == NULL || g_ascii_strncasecmp(t, "Second-", 7) != 0)
        return 600;
    v = g_ascii_strtoull(t + 7, NULL, 10);
    return (guint)CLAMP(v, 1, 3600);
}

static void
answer(DavJob *job, guint status, const char *token, const char *path)
{
    GString *out = g_string_new("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                                "<D:prop xmlns:D=\"DAV:\">");
    g_autofree char *header = g_strdup_printf("<%s>", token);

    dav_locks_discovery(path, out);
    g_string_append(out, "</D:prop>\n");
    if (status != 200 || strcmp(job->method, "LOCK") == 0)
        dav_resp_header(job, "Lock-Token", header);
    job->status = status;
    job->content_type = g_strdup("application/xml; charset=utf-8");
    if (job->out != NULL)
        g_string_free(job->out, TRUE);
    job->out = out;
}

/* Make the empty resource a LOCK of an unmapped URL asks for; the status
 * to answer with, 0 with the job answered on failure. */
static guint
map_resource(DavJob *job, DavPath *path)
{
    HermodDavCollection *c = NULL;
    HermodDavObject *o;
    guint status = 200;

    if (path->kind != DAV_PATH_OBJECT)
        return 200;
    if (!dav_find_collection(job, path, &c) || c == NULL) {
        if (job->status == 404)
            dav_text(job, 409, "Conflict: the collection does not exist\n");
        return 0;
    }
    o = dav_member(job, c, path);
    if (o == NULL && (c->kind != HERMOD_DAV_KIND_PLAIN || path->has_slash ||
                      !dav_parent_ok(job, c, path->object))) {
        dav_text(job, 409, "Conflict: nothing to lock there\n");
        status = 0;
    } else if (o == NULL) {
        g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
        HermodDavPut put = {sizeof put, c->id,      path->object, empty, "application/octet-stream",
                            NULL,       G_MININT64, G_MAXINT64,   NULL,  TRUE};
        status = dav_api->dav->object_put(job->store, &put, NULL, NULL, NULL) ? 201 : 0;
        if (status == 0)
            dav_text(job, 500, "Internal Server Error: could not create the resource\n");
    }
    dav_api->dav->object_free(o);
    dav_api->dav->collection_free(c);
    return status;
}

static void
refresh(DavJob *job)
{
    const char *h = dav_header(job, "if");
    const char *open = h != NULL ? strstr(h, "<opaquelocktoken:") : NULL;
    const char *close = open != NULL ? strchr(open, '>') : NULL;
    g_autofree char *token = close != NULL ? g_strndup(open + 1, close - open - 1) : NULL;

    if (token == NULL || !dav_locks_refresh(token, job->path, timeout_of(job))) {
        dav_text(job, 412, "Precondition Failed: no lock of that token here\n");
        return;
    }
    answer(job, 200, token, job->path);
}

void
dav_lock(DavJob *job, DavPath *path)
{
    gboolean is_empty = FALSE;
    xmlDoc *doc;
    xmlNode *root, *owner;
    g_autofree char *owner_xml = NULL, *token = NULL;
    int depth = dav_depth(job, -1);
    guint status;

    if (path->kind != DAV_PATH_OBJECT && path->kind != DAV_PATH_COLLECTION) {
        dav_text(job, 403, "Forbidden: lock a collection or a member\n");
        return;
    }
    doc = dav_xml_read(job, &is_empty);
    if (doc == NULL) {
        if (is_empty)
            refresh(job);
        return;
    }
    root = xmlDocGetRootElement(doc);
    owner = dav_xml_child(root, NS_DAV, "owner");
    owner_xml = owner != NULL ? dav_xml_dump(owner) : NULL;
    if (!dav_xml_is(root, NS_DAV, "lockinfo") || depth == 1) {
        xmlFreeDoc(doc);
        dav_text(job, 400, "Bad Request: expected DAV:lockinfo and Depth 0 or infinity\n");
        return;
    }
    gboolean is_shared =
        dav_xml_child(dav_xml_child(root, NS_DAV, "lockscope"), NS_DAV, "shared") != NULL;
    xmlFreeDoc(doc);
    if (!dav_job_store(job) || (status = map_resource(job, path)) == 0)
        return;
    token = dav_locks_add(job->path, is_shared, depth != 0, owner_xml, timeout_of(job));
    if (token == NULL) {
        dav_precondition(job, 423, NS_DAV, "no-conflicting-lock", "the resource is locked");
        return;
    }
    answer(job, status, token, job->path);
}

void
dav_unlock(DavJob *job, DavPath *path)
{
    const char *h = dav_header(job, "lock-token");
    g_autofree char *token = h != NULL ? g_strstrip(g_strdup(h)) : NULL;
    gsize len = token != NULL ? strlen(token) : 0;

    if (len < 2 || token[0] != '<' || token[len - 1] != '>') {
        dav_text(job, 400, "Bad Request: no Lock-Token\n");
        return;
    }
    token[len - 1] = '\0';
    if (!dav_locks_remove(token + 1, job->path)) {
        dav_precondition(job, 409, NS_DAV, "lock-token-matches-request-uri",
                         "no lock of that token covers this URL");
        return;
    }
    dav_text(job, 204, "");
    g_clear_pointer(&job->content_type, g_free);
}
