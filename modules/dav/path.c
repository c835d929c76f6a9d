/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * path.c - the URL layout below /dav, both ways.
 *
 * Incoming paths are already percent-decoded by the core; a segment that
 * decodes to "." or "..", or holds a NUL or control character, makes the
 * whole path unknown (404), so no name can climb out of its collection.
 * Outgoing hrefs percent-encode every segment.  Members of a plain
 * WebDAV collection may nest (litmus and file clients make
 * subcollections): everything after the collection is one object name
 * with '/' between its segments, and a subcollection is the member
 * named with a trailing '/' (plain.c).  A name is only ever a
 * key of the store's tables, never a file path.
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/dav.h"

void
dav_path_free(DavPath *p)
{
    if (p == NULL)
        return;
    g_free(p->owner);
    g_free(p->home);
    g_free(p->collection);
    g_free(p->object);
    g_free(p);
}

static gboolean
segment_ok(const char *s)
{
    if (*s == '\0' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || !g_utf8_validate(s, -1, NULL))
        return FALSE;
    for (const char *p = s; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return FALSE;
    return strlen(s) <= 255;
}

static DavPath *
from_segments(char **seg, guint n, gboolean has_slash)
{
    g_autoptr(DavPath) p = g_new0(DavPath, 1);

    p->has_slash = has_slash;
    if (n == 0)
        return (p->kind = DAV_PATH_ROOT, g_steal_pointer(&p));
    if (strcmp(seg[0], "principals") == 0) {
        if (n > 2)
            return NULL;
        p->kind = n == 1 ? DAV_PATH_PRINCIPALS : DAV_PATH_PRINCIPAL;
        p->owner = n == 2 ? g_ascii_strdown(seg[1], -1) : NULL;
        return g_steal_pointer(&p);
    }
    if ((strcmp(seg[0], "cal") != 0 && strcmp(seg[0], "card") != 0) || n < 2)
        return NULL;
    p->home = g_strdup(seg[0]);
    p->owner = g_ascii_strdown(seg[1], -1);
    p->kind = n == 2 ? DAV_PATH_HOME : n == 3 ? DAV_PATH_COLLECTION : DAV_PATH_OBJECT;
    p->collection = n >= 3 ? g_strdup(seg[2]) : NULL;
    /* Below a plain collection, members nest: "a/b/c" is one name. */
    p->object = n >= 4 ? g_strjoinv("/", seg + 3) : NULL;
    return g_steal_pointer(&p);
}

DavPath *
dav_path_parse(const char *path)
{
    g_auto(GStrv) parts = NULL;
    g_autoptr(GPtrArray) seg = g_ptr_array_new();
    gsize len;

    if (path == NULL || !g_str_has_prefix(path, DAV_ROOT) ||
        (path[strlen(DAV_ROOT)] != '/' && path[strlen(DAV_ROOT)] != '\0'))
        return NULL;
    path += strlen(DAV_ROOT);
    parts = g_strsplit(path, "/", DAV_DEPTH_MAX + 2);
    for (guint i = 0; parts[i] != NULL; i++) {
        if (parts[i][0] == '\0')
            continue;
        if (!segment_ok(parts[i]) || seg->len >= DAV_DEPTH_MAX)
            return NULL;
        g_ptr_array_add(seg, parts[i]);
    }
    len = strlen(path);
    g_ptr_array_add(seg, NULL); /* NULL-terminated for the join of nested names */
    return from_segments((char **)seg->pdata, seg->len - 1, len == 0 || path[len - 1] == '/');
}

static void
add_segment(GString *out, const char *s, gboolean is_dir)
{
    g_string_append_uri_escaped(out, s, DAV_SEGMENT_ALLOWED, FALSE);
    if (is_dir)
        g_string_append_c(out, '/');
}

char *
dav_href(const char *owner, const char *home, const char *collection, const char *object)
{
    GString *out = g_string_new(DAV_ROOT "/");

    if (home == NULL && owner == NULL)
        return g_string_free(out, FALSE);
    g_string_append(out, home != NULL ? home : "principals");
    g_string_append_c(out, '/');
    if (owner != NULL)
        add_segment(out, owner, TRUE);
    if (collection != NULL)
        add_segment(out, collection, TRUE);
    if (object != NULL && strchr(object, '/') == NULL) {
        add_segment(out, object, FALSE);
    } else if (object != NULL) {
        g_auto(GStrv) parts = g_strsplit(object, "/", -1);
        for (guint i = 0; parts[i] != NULL; i++) {
            if (i > 0)
                g_string_append_c(out, '/');
            add_segment(out, parts[i], FALSE);
        }
    }
    return g_string_free(out, FALSE);
}

char *
dav_href_path(const char *href)
{
    const char *p = href;
    g_autofree char *raw = NULL;

    if (href == NULL)
        return NULL;
    if (g_str_has_prefix(p, "http://") || g_str_has_prefix(p, "https://")) {
        p = strchr(strstr(p, "//") + 2, '/');
        if (p == NULL)
            return NULL;
    }
    raw = g_strndup(p, strcspn(p, "?#"));
    char *decoded = g_uri_unescape_string(raw, NULL);
    if (decoded == NULL || !g_str_has_prefix(decoded, DAV_ROOT)) {
        g_free(decoded);
        return NULL;
    }
    return decoded;
}
