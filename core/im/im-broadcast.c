/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * im-broadcast.c - admin broadcasts: one file per notice under
 * data_dir/im/broadcast/, and a per-account mark of the last one shown.
 *
 * A notice is the file ID-EXPIRES.txt (both microseconds since the
 * epoch; ID is its creation time, so names sort by age), written tmp ->
 * fsync -> rename by whoever broadcasts (hermodctl, usually while the
 * daemon runs: files need no lock, and a half-written one is never seen).
 * What an account has seen is the highest ID shown to it, the IM setting
 * "broadcast_seen" in its index; a notice is shown once, while it has not
 * expired.  Expired files are left for the admin (hermodctl removes them
 * on its next broadcast), since the daemon may not own them.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "im/im-broadcast.h"
#include "im/im.h"

typedef struct {
    gint64 id;
    gint64 expires;
    char *path;
} Notice;

static void
notice_free(gpointer p)
{
    Notice *n = p;

    g_free(n->path);
    g_free(n);
}

static char *
folder(GError **error)
{
    if (hermod_im_dir() == NULL) {
        g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_TEMP, "im: no data folder set");
        return NULL;
    }
    return g_build_filename(hermod_im_dir(), "broadcast", NULL);
}

static gboolean
parse_name(const char *name, Notice *out)
{
    char *end = NULL;

    out->id = g_ascii_strtoll(name, &end, 10);
    if (end == NULL || *end != '-' || out->id <= 0)
        return FALSE;
    out->expires = g_ascii_strtoll(end + 1, &end, 10);
    return end != NULL && g_str_equal(end, ".txt");
}

static gint
notice_cmp(gconstpointer a, gconstpointer b)
{
    const Notice *x = *(Notice *const *)a, *y = *(Notice *const *)b;

    return x->id < y->id ? -1 : x->id > y->id;
}

/* Every notice file, oldest first (expired ones too).  (transfer full) */
static GPtrArray *
scan(GError **error)
{
    g_autofree char *dir = folder(error);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(notice_free);
    g_autoptr(GError) err = NULL;
    g_autoptr(GDir) d = NULL;
    const char *name;

    if (dir == NULL)
        return NULL;
    d = g_dir_open(dir, 0, &err);
    if (d == NULL && g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer(&out);
    if (d == NULL) {
        g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_TEMP, "%s", err->message);
        return NULL;
    }
    while ((name = g_dir_read_name(d)) != NULL) {
        Notice n = {0};
        if (!parse_name(name, &n))
            continue;
        Notice *c = g_memdup2(&n, sizeof n);
        c->path = g_build_filename(dir, name, NULL);
        g_ptr_array_add(out, c);
    }
    g_ptr_array_sort(out, notice_cmp);
    return g_steal_pointer(&out);
}

static char *
read_text(const Notice *n, GError **error)
{
    g_autoptr(GError) err = NULL;
    char *text = NULL;

    if (!g_file_get_contents(n->path, &text, NULL, &err)) {
        g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_TEMP, "%s", err->message);
        return NULL;
    }
    return text;
}

gboolean
hermod_im_broadcast_add(const char *text, gint64 lifetime, GError **error)
{
    g_autofree char *dir = folder(error);
    g_autofree char *name = NULL;
    g_autofree char *path = NULL;
    g_autoptr(GError) err = NULL;
    gint64 now = g_get_real_time();

    if (dir == NULL)
        return FALSE;
    if (text == NULL || !g_utf8_validate(text, -1, NULL) || *text == '\0' ||
        strlen(text) > HERMOD_IM_TEXT_MAX) {
        g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_BAD_TEXT,
                    "a broadcast is 1 to %d bytes of UTF-8", HERMOD_IM_TEXT_MAX);
        return FALSE;
    }
    if (g_mkdir_with_parents(dir, 0750) != 0) {
        g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_TEMP, "cannot create %s: %s", dir,
                    g_strerror(errno));
        return FALSE;
    }
    name = g_strdup_printf("%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT ".txt", now,
                           now + lifetime * G_USEC_PER_SEC);
    path = g_build_filename(dir, name, NULL);
    /* g_file_set_contents_full: tmp, fsync, rename. */
    if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_DURABLE, 0640, &err)) {
        g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_TEMP, "%s", err->message);
        return FALSE;
    }
    return TRUE;
}

GPtrArray *
hermod_im_broadcast_take(const char *account, GError **error)
{
    g_autoptr(GPtrArray) notices = scan(error);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *seen_s = NULL;
    gint64 seen, now = g_get_real_time(), last = 0;

    if (notices == NULL || !hermod_im_setting_get(account, "broadcast_seen", &seen_s, error))
        return NULL;
    seen = seen_s != NULL ? g_ascii_strtoll(seen_s, NULL, 10) : 0;
    for (guint i = 0; i < notices->len; i++) {
        const Notice *n = notices->pdata[i];
        if (n->id <= seen || n->expires <= now)
            continue;
        char *text = read_text(n, error);
        if (text == NULL)
            return NULL;
        g_ptr_array_add(out, text);
        last = n->id;
    }
    if (last > 0) {
        g_autofree char *v = g_strdup_printf("%" G_GINT64_FORMAT, last);
        if (!hermod_im_setting_set(account, "broadcast_seen", v, error))
            return NULL;
    }
    return g_steal_pointer(&out);
}

GPtrArray *
hermod_im_broadcast_list(GError **error)
{
    g_autoptr(GPtrArray) notices = scan(error);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    gint64 now = g_get_real_time();

    if (notices == NULL)
        return NULL;
    for (guint i = 0; i < notices->len; i++) {
        const Notice *n = notices->pdata[i];
        if (n->expires <= now) {
            g_unlink(n->path); /* best effort: may not be ours to remove */
            continue;
        }
        g_autofree char *text = read_text(n, error);
        if (text == NULL)
            return NULL;
        g_ptr_array_add(out, g_strdup_printf("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %s", n->id,
                                             n->expires, text));
    }
    return g_steal_pointer(&out);
}
