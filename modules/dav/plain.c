/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * plain.c - nested members of plain WebDAV collections.
 *
 * Calendars and address books hold flat objects, but a plain collection
 * (what file clients and litmus use) may have subcollections.  They are
 * kept flat too: a member's name is its path below the top collection
 * ("a/b/file"), and a subcollection is an empty marker member whose
 * name ends in '/' ("a/b/"), of type httpd/unix-directory.  A member
 * needs its parent marker (409 otherwise); deleting, copying or moving a
 * subcollection takes every name below it along.
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/dav.h"

gboolean
dav_is_marker(const HermodDavObject *o)
{
    return o != NULL && g_str_has_suffix(o->name, "/");
}

char *
dav_parent_of(const char *name)
{
    gsize len = strlen(name);
    const char *slash;

    if (len > 0 && name[len - 1] == '/')
        len--;
    slash = g_strrstr_len(name, (gssize)len, "/");
    return slash != NULL ? g_strndup(name, slash - name + 1) : NULL;
}

gboolean
dav_parent_ok(DavJob *job, const HermodDavCollection *c, const char *name)
{
    g_autofree char *parent = dav_parent_of(name);
    HermodDavObject *o = NULL;
    gboolean ok;

    if (parent == NULL)
        return TRUE;
    ok = dav_api->dav->object(job->store, c->id, parent, &o, NULL) && o != NULL;
    dav_api->dav->object_free(o);
    return ok;
}

HermodDavObject *
dav_member(DavJob *job, const HermodDavCollection *c, const DavPath *path)
{
    HermodDavObject *o = NULL;
    g_autofree char *dir = g_strconcat(path->object, "/", NULL);

    if (!path->has_slash && dav_api->dav->object(job->store, c->id, path->object, &o, NULL) &&
        o != NULL)
        return o;
    if (c->kind == HERMOD_DAV_KIND_PLAIN && dav_api->dav->object(job->store, c->id, dir, &o, NULL))
        return o;
    return NULL;
}

GPtrArray *
dav_members(DavJob *job, const HermodDavCollection *c, const char *prefix, gboolean only_children)
{
    GPtrArray *all = dav_api->dav->objects(job->store, c->id, FALSE, 0, 0, NULL);
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)dav_api->dav->object_free);
    gsize plen = prefix != NULL ? strlen(prefix) : 0;

    for (guint i = 0; all != NULL && i < all->len; i++) {
        HermodDavObject *o = all->pdata[i];
        const char *rest = o->name + plen;
        const char *slash;
        if (plen > 0 && (strncmp(o->name, prefix, plen) != 0 || *rest == '\0'))
            continue;
        slash = strchr(rest, '/');
        if (only_children && slash != NULL && slash[1] != '\0')
            continue;
        g_ptr_array_add(out, g_steal_pointer(&all->pdata[i]));
    }
    if (all != NULL)
        g_ptr_array_unref(all);
    return out;
}

gboolean
dav_delete_tree(DavJob *job, const HermodDavCollection *c, const char *dir, GError **error)
{
    g_autoptr(GPtrArray) below = dav_members(job, c, dir, FALSE);

    for (guint i = 0; i < below->len; i++) {
        const HermodDavObject *o = below->pdata[i];
        if (!dav_api->dav->object_delete(job->store, c->id, o->name, NULL, error) &&
            !g_error_matches(*error, HERMOD_DAV_ERROR, HERMOD_DAV_ERROR_NOT_FOUND))
            return FALSE;
        g_clear_error(error);
    }
    return dav_api->dav->object_delete(job->store, c->id, dir, NULL, error);
}

gboolean
dav_make_marker(DavJob *job, const HermodDavCollection *c, const char *dir, GError **error)
{
    g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
    HermodDavPut put = {sizeof put, c->id,      dir,        empty, "httpd/unix-directory",
                        NULL,       G_MININT64, G_MAXINT64, NULL,  TRUE};

    return dav_api->dav->object_put(job->store, &put, NULL, NULL, error);
}
