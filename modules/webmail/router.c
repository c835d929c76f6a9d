/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * router.c - the "/" mount: the app page and the theme files.
 *
 *   GET /                        the chosen theme's index.html (files.c
 *                                picks the theme: cookie, phone, default)
 *   GET /themes/THEME/FILE       a theme's file (scripts, styles,
 *                                translations, images)
 *   GET /favicon.ico             the default theme's icon
 *
 * Everything else below "/" that no other module mounted is 404.  The
 * page is the same for logged-in and logged-out browsers: the client
 * asks /webmail/api/session and shows the login form or the mailbox.
 */
#include "autoconfig.h"

#include <string.h>

#include "webmail.h"

void
wm_reply(HermodHttpRequest *req, guint status, const char *type, const char *body)
{
    g_autoptr(GBytes) b = g_bytes_new(body, strlen(body));

    WM_WEB->resp_header(req, "Cache-Control", "no-store");
    WM_WEB->respond(req, status, type, b);
}

void
wm_reply_error(HermodHttpRequest *req, guint status, const char *code, const char *message)
{
    g_autoptr(GString) out = g_string_new("{\"error\":\"");

    /* code and message are our own constants: no JSON escaping needed. */
    g_string_append_printf(out, "%s\",\"message\":\"%s\"}\n", code, message);
    wm_reply(req, status, "application/json", out->str);
}

static gboolean
is_get(HermodHttpRequest *req)
{
    const char *m = WM_WEB->req_method(req);

    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

void
wm_on_request(HermodHttpRequest *req, gpointer data)
{
    const char *path = WM_WEB->req_path(req);

    if (!is_get(req)) {
        WM_WEB->resp_header(req, "Allow", "GET, HEAD");
        wm_reply(req, 405, "text/plain; charset=utf-8", "Method Not Allowed\n");
        return;
    }
    if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
        wm_serve_theme_file(req, wm_pick_theme(req), "index.html");
        return;
    }
    if (strcmp(path, "/favicon.ico") == 0) {
        wm_serve_theme_file(req, "default", "img/favicon.svg");
        return;
    }
    if (g_str_has_prefix(path, "/themes/")) {
        const char *theme = path + strlen("/themes/");
        const char *slash = strchr(theme, '/');
        if (slash != NULL) {
            g_autofree char *name = g_strndup(theme, slash - theme);
            wm_serve_theme_file(req, name, slash + 1);
            return;
        }
    }
    wm_reply(req, 404, "text/plain; charset=utf-8", "Not Found\n");
}
