/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * copymove.c - COPY and MOVE (RFC 4918 9.8, 9.9) of objects and of
 * subcollections of plain collections, within the account's homes.
 *
 * The Destination must be an object path of the same account (another
 * account's is 403, another server's 502) whose parent exists (409).
 * An object is validated and stored like a PUT into the destination
 * collection, so a calendar keeps its UID rule.  A subcollection is
 * copied with everything below it (Depth: 0 copies only itself), into a
 * plain collection only.  An existing destination is replaced (204)
 * unless Overwrite: F (412); MOVE then deletes the source.  Top-level
 * collections are not copied or moved (403).
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/dav.h"

typedef struct {
    DavJob *job;
    DavPath *from, *to;
    HermodDavCollection *src, *dst;
    HermodDavObject *obj; /* the source member */
    gboolean is_move;
} Transfer;

static gboolean
overwrite_ok(DavJob *job)
{
    const char *o = dav_header(job, "overwrite");

    return o == NULL || g_ascii_strcasecmp(o, "F") != 0;
}

/* The dead properties of from go along to name (RFC 4918 9.8.2). */
static void
copy_props(Transfer *t, const char *from, const char *name)
{
    g_autoptr(GPtrArray) props = dav_api->dav->props(t->job->store, t->src->id, from, NULL);

    if (props != NULL && props->len > 0)
        dav_api->dav->props_update(t->job->store, t->dst->id, name, props, NULL);
}

/* Copy one member to name in dst, bytes as they are. */
static gboolean
copy_raw(Transfer *t, const char *from, const char *name)
{
    HermodDavObject *o = NULL;
    gboolean ok = FALSE;

    if (dav_api->dav->object(t->job->store, t->src->id, from, &o, NULL) && o != NULL) {
        HermodDavPut put = {sizeof put, t->dst->id,     name,        o->data, o->content_type,
                            NULL,       o->first_start, o->last_end, NULL,    FALSE};
        ok = dav_api->dav->object_put(t->job->store, &put, NULL, NULL, NULL);
    }
    if (ok)
        copy_props(t, from, name);
    dav_api->dav->object_free(o);
    return ok;
}

static gboolean
copy_tree(Transfer *t, const char *dir)
{
    g_autoptr(GPtrArray) below = dav_members(t->job, t->src, t->obj->name, FALSE);
    gsize plen = strlen(t->obj->name);

    if (!copy_raw(t, t->obj->name, dir))
        return FALSE;
    if (dav_depth(t->job, -1) == 0)
        return TRUE;
    for (guint i = 0; i < below->len; i++) {
        const HermodDavObject *o = below->pdata[i];
        g_autofree char *name = g_strconcat(dir, o->name + plen, NULL);
        if (!copy_raw(t, o->name, name))
            return FALSE;
    }
    return TRUE;
}

/* Remove what is at the destination; FALSE with the job answered. */
static gboolean
clear_destination(Transfer *t, gboolean *out_existed)
{
    HermodDavObject *old = dav_member(t->job, t->dst, t->to);
    g_autoptr(GError) error = NULL;
    gboolean ok = TRUE;

    *out_existed = old != NULL;
    if (old != NULL && !overwrite_ok(t->job)) {
        dav_text(t->job, 412, "Precondition Failed: the destination exists (Overwrite: F)\n");
        ok = FALSE;
    } else if (old != NULL) {
        ok = dav_is_marker(old)
                 ? dav_delete_tree(t->job, t->dst, old->name, &error)
                 : dav_api->dav->object_delete(t->job->store, t->dst->id, old->name, NULL, &error);
        if (!ok)
            dav_fail(t->job, "clearing the destination", error);
    }
    dav_api->dav->object_free(old);
    return ok;
}

static void
transfer(Transfer *t)
{
    DavJob *job = t->job;
    gboolean existed = FALSE, is_dir = dav_is_marker(t->obj);
    g_autofree char *dir = g_strconcat(t->to->object, "/", NULL);
    g_autoptr(GError) error = NULL;

    if (t->src->id == t->dst->id && (strcmp(t->obj->name, t->to->object) == 0 ||
                                     (is_dir && g_str_has_prefix(dir, t->obj->name)))) {
        dav_text(job, 403, "Forbidden: the destination is the source or inside it\n");
        return;
    }
    if (is_dir && t->dst->kind != HERMOD_DAV_KIND_PLAIN) {
        dav_text(job, 403, "Forbidden: collections go into plain collections only\n");
        return;
    }
    if ((strchr(t->to->object, '/') != NULL && t->dst->kind != HERMOD_DAV_KIND_PLAIN) ||
        !dav_parent_ok(job, t->dst, t->to->object)) {
        dav_text(job, 409, "Conflict: the destination's parent does not exist\n");
        return;
    }
    if (!clear_destination(t, &existed))
        return;
    job->is_internal = TRUE;
    if (is_dir) {
        if (!copy_tree(t, dir)) {
            dav_fail(job, "copying a collection", NULL);
            return;
        }
    } else {
        g_bytes_unref(job->body);
        job->body = g_bytes_ref(t->obj->data);
        if (t->is_move && t->src->id == t->dst->id && t->obj->uid != NULL)
            dav_api->dav->object_delete(job->store, t->src->id, t->obj->name, NULL, NULL);
        if (!dav_store_object(job, t->dst, t->to->object, NULL, FALSE))
            return;
        copy_props(t, t->obj->name, t->to->object);
    }
    if (t->is_move && is_dir)
        dav_delete_tree(job, t->src, t->obj->name, &error);
    else if (t->is_move && !(t->src->id == t->dst->id && t->obj->uid != NULL))
        dav_api->dav->object_delete(job->store, t->src->id, t->obj->name, NULL, NULL);
    dav_text(job, existed ? 204 : 201, existed ? "" : "Created\n");
}

static void
run(DavJob *job, DavPath *from, DavPath *to)
{
    Transfer t = {job, from, to, NULL, NULL, NULL, strcmp(job->method, "MOVE") == 0};

    if (!dav_find_collection(job, from, &t.src) || t.src == NULL)
        goto out;
    t.obj = dav_member(job, t.src, from);
    if (t.obj == NULL) {
        dav_text(job, 404, "Not Found\n");
        goto out;
    }
    if (!dav_find_collection(job, to, &t.dst) || t.dst == NULL) {
        if (job->status == 404)
            dav_text(job, 409, "Conflict: the destination collection does not exist\n");
        goto out;
    }
    transfer(&t);
out:
    dav_api->dav->object_free(t.obj);
    dav_api->dav->collection_free(t.src);
    dav_api->dav->collection_free(t.dst);
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
        dav_text(job, 403, "Forbidden: only members of collections are copied or moved\n");
        return;
    }
    run(job, path, to);
}
