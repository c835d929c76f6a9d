/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * files.c - the themes: which one a browser gets, and a theme's files
 * with the admin's override folder in front.
 *
 * A theme is a folder of [webmail] themes_dir (default, mobile, or one an
 * admin adds).  A file of it is looked up first in
 * [webmail] override_dir/THEME/ (data_dir/themes/THEME/ by default), so
 * an admin customises a page, a style sheet or a translation by copying
 * it there and editing the copy; updates never overwrite it.
 *
 * Paths are checked one component at a time before anything is opened:
 * letters, digits, '-', '_' and '.', never a leading '.', so "..",
 * hidden files and anything outside the two folders are 404.  Symbolic
 * links are not followed (the file is opened by the core with O_NOFOLLOW
 * semantics only for mount_static, so we check with lstat here).
 */
#include "autoconfig.h"

#include <string.h>
#include <sys/stat.h>

#include "webmail.h"

static gboolean
component_ok(const char *c)
{
    if (c[0] == '\0' || c[0] == '.' || strlen(c) > 128)
        return FALSE;
    for (const char *p = c; *p != '\0'; p++)
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
            return FALSE;
    return TRUE;
}

/* Is rel a safe relative path: components as above, at most 8 deep? */
static gboolean
rel_ok(const char *rel)
{
    g_auto(GStrv) parts = g_strsplit(rel, "/", 9);
    guint n = g_strv_length(parts);

    if (n == 0 || n > 8)
        return FALSE;
    for (guint i = 0; i < n; i++)
        if (!component_ok(parts[i]))
            return FALSE;
    return TRUE;
}

/* A regular file, no symbolic link anywhere below root. */
static gboolean
is_plain_file_below(const char *root, const char *rel)
{
    g_auto(GStrv) parts = g_strsplit(rel, "/", -1);
    g_autofree char *path = g_strdup(root);
    struct stat st;

    for (guint i = 0; parts[i] != NULL; i++) {
        char *next = g_build_filename(path, parts[i], NULL);
        g_free(path);
        path = next;
        if (lstat(path, &st) != 0 || S_ISLNK(st.st_mode))
            return FALSE;
    }
    return S_ISREG(st.st_mode);
}

static const char *
type_of(const char *rel)
{
    static const char *const types[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/vnd.microsoft.icon"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
        {".webmanifest", "application/manifest+json"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(types); i++)
        if (g_str_has_suffix(rel, types[i][0]))
            return types[i][1];
    return "application/octet-stream";
}

gboolean
wm_theme_exists(const char *name)
{
    const char *dir = wm_api->setting_string(wm_module, "themes_dir");
    g_autofree char *path = NULL;

    if (name == NULL || !component_ok(name))
        return FALSE;
    path = g_build_filename(dir, name, "index.html", NULL);
    return g_file_test(path, G_FILE_TEST_IS_REGULAR);
}

void
wm_serve_theme_file(HermodHttpRequest *req, const char *theme, const char *rel)
{
    const char *roots[] = {wm_api->setting_string(wm_module, "override_dir"),
                           wm_api->setting_string(wm_module, "themes_dir")};

    if (!component_ok(theme) || !rel_ok(rel)) {
        wm_reply(req, 404, "text/plain; charset=utf-8", "Not Found\n");
        return;
    }
    for (guint i = 0; i < G_N_ELEMENTS(roots); i++) {
        g_autofree char *root = g_build_filename(roots[i], theme, NULL);
        g_autofree char *path = NULL;
        if (roots[i] == NULL || *roots[i] == '\0' || !is_plain_file_below(root, rel))
            continue;
        path = g_build_filename(root, rel, NULL);
        WM_WEB->resp_header(req, "Cache-Control", "no-cache");
        if (WM_WEB->respond_file(req, 200, type_of(rel), path))
            return;
    }
    wm_reply(req, 404, "text/plain; charset=utf-8", "Not Found\n");
}

static gboolean
is_phone(HermodHttpRequest *req)
{
    const char *ua = WM_WEB->req_header(req, "User-Agent");

    if (ua == NULL)
        return FALSE;
    if (strstr(ua, "iPad") != NULL || strstr(ua, "Tablet") != NULL)
        return FALSE;
    return strstr(ua, "Mobi") != NULL || strstr(ua, "iPhone") != NULL ||
           (strstr(ua, "Android") != NULL && strstr(ua, "Mobile") != NULL);
}

const char *
wm_pick_theme(HermodHttpRequest *req)
{
    const char *chosen = WM_WEB->req_cookie(req, "hermod_theme");
    const char *mobile = wm_api->setting_string(wm_module, "mobile_theme");

    if (chosen != NULL && wm_theme_exists(chosen))
        return chosen;
    if (is_phone(req) && wm_theme_exists(mobile))
        return mobile;
    return wm_api->setting_string(wm_module, "theme");
}
