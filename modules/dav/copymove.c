/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * copymove.c - COPY and MOVE of objects (RFC 4918 9.8, 9.9) within the
 * account's homes.
 *
 * The Destination must be an object path of the same account (another
 * account's is 403, another server's 502); the copy is validated and
 * stored like a PUT into the destination collection (so a calendar
 * keeps its UID rule), Overwrite: F refuses an existing destination
 * (412), and MOVE then deletes the source.  Collections are not copied
 * or moved (403).
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/dav.h"

static gboolean
overwrite_ok(DavJob *job)
{
    const char *o = dav_header(job, "overwrite");

    return o == NULL || g_ascii_strcasecmp(o, "F") != 0;
}

static void
transfer(DavJob *job, DavPath *from, DavPath *to)
{
    g_autoptr(GError) error = NULL;
    HermodDavCollection *src = NULL, *dst = NULL;
    HermodDavObject *o = NULL, *old = NULL;
    gboolean is_move = strcmp(job->method, "MOVE") == 0;

    if (!dav_find_collection(job, from, &src) || src == NULL)
        goto out;
    if (!dav_api->dav->object(job->store, src->id, from->object, &o, &error) || o == NULL) {
        error != NULL ? dav_fail(job, "reading an object", error)
                      : dav_text(job, 404, "Not Found\n");
        goto out;
    }
    if (!dav_find_collection(job, to, &dst) || dst == NULL) {
        if (job->status == 404)
            dav_text(job, 409, "Conflict: the destination collection does not exist\n");
        goto out;
    }
    if (!dav_api->dav->object(job->store, dst->id, to->object, &old, &error)) {
        dav_fail(job, "reading an object", error);
        goto out;
    }
    if (old != NULL && !overwrite_ok(job)) {
        dav_text(job, 412, "Precondition Failed: the destination exists (Overwrite: F)\n");
        goto out;
    }
    if (src->id == dst->id && strcmp(from->object, to->object) == 0) {
        dav_text(job, 403, "Forbidden: source and destination are the same\n");
        goto out;
    }
    job->is_internal = TRUE;
    g_bytes_unref(job->body);
    job->body = g_bytes_ref(o->data);
    if (is_move && src->id == dst->id && o->uid != NULL)
        dav_api->dav->object_delete(job->store, src->id, from->object, NULL, NULL);
    if (!dav_store_object(job, dst, to->object, NULL, FALSE))
        goto out;
    if (is_move && !(src->id == dst->id && o->uid != NULL))
        dav_api->dav->object_delete(job->store, src->id, from->object, NULL, NULL);
    dav_text(job, old != NULL ? 204 : 201, old != NULL ? "" : "Created\n");
out:
    dav_api->dav->object_free(o);
    dav_api->dav->object_free(old);
    dav_api->dav->collection_free(src);
    dav_api->dav->collection_free(dst);
}

void
dav_copymove(DavJob *job, DavPath *path)
{
    g_autofree char *dest = dav_href_path(dav_header(job, "destination"));
    g_autoptr(DavPath) to = dest != NULL ? dav_path_parse(dest) : NULL;

    if (dav_header(job, "destination") == NULL) {
        dav_text(job, 400, "Bad Request: no Destination\n");
        return;
    }
    if (to == NULL) {
        dav_text(job, 502, "Bad Gateway: the destination is not on this server's DAV tree\n");
        return;
    }
    if (to->owner == NULL || g_ascii_strcasecmp(to->owner, job->account) != 0) {
        dav_text(job, 403, "Forbidden: the destination is another account's\n");
        return;
    }
    if (path->kind != DAV_PATH_OBJECT || to->kind != DAV_PATH_OBJECT) {
        dav_text(job, 403, "Forbidden: only objects are copied or moved\n");
        return;
    }
    transfer(job, path, to);
}
