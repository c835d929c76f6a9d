/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * module.c - the webmail module's whole surface: descriptor, settings,
 * init.
 *
 * The webmail is static themes (themes/default, themes/mobile: HTML,
 * CSS and ES modules, no build step) whose browser client talks JMAP
 * (the jmap module) with the core's web session.  This module adds only
 * what a browser needs around that:
 *
 *   /                     the themes (files.c), an admin's copy of a file
 *                         in data_dir/themes/THEME/ first
 *   /webmail/api/         login, session, logout (account.c), the
 *                         image proxy (proxy.c), sanitising the rich-text
 *                         editor's HTML (account.c)
 *   /webmail/body/        a message's HTML, sanitised here with libgumbo
 *                         (common/html-sanitize.c), for a sandboxed iframe
 *                         under its own CSP (body.c)
 *
 * Each prefix is its own mount because the core sends a mount's CSP on
 * every response of it: the pages forbid inline script and framing, the
 * message bodies forbid every script and allow only inline style.
 */
#include "autoconfig.h"

#include "webmail.h"

const HermodApi *wm_api;
HermodModule *wm_module;

#ifndef HERMOD_THEMES_DIR
#define HERMOD_THEMES_DIR "/usr/share/hermod/themes"
#endif

const HermodSetting wm_settings[] = {
    {"themes_dir", HERMOD_SETTING_PATH, HERMOD_THEMES_DIR, 0, 0, NULL,
     "the shipped themes (one folder per theme)"},
    {"override_dir", HERMOD_SETTING_PATH, "themes", 0, 0, NULL,
     "an admin's copies of theme files, THEME/FILE, served before the shipped ones"},
    {"theme", HERMOD_SETTING_STRING, "default", 0, 0, NULL, "the theme of desktop browsers"},
    {"mobile_theme", HERMOD_SETTING_STRING, "mobile", 0, 0, NULL, "the theme of phones"},
    {"image_proxy_allow", HERMOD_SETTING_STRING, "", 0, 0, NULL,
     "CIDRs the image proxy may reach although private (';'-separated; empty: public only)"},
    {"image_proxy_max", HERMOD_SETTING_SIZE, "5M", 1024, 64 * 1024 * 1024, NULL,
     "largest remote image the proxy passes on"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

/* Pages: scripts, styles, images and connections to this origin only;
 * message bodies in frames of this origin; nobody frames us. */
#define PAGE_CSP                                                                                   \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "        \
    "font-src 'self'; connect-src 'self'; frame-src 'self'; form-action 'self'; "                  \
    "base-uri 'none'; manifest-src 'self'; frame-ancestors 'none'"
/* Message bodies: no script at all, inline style (mail needs it), images
 * only from here (cid: parts, the image proxy), framed only by us. */
#define BODY_CSP                                                                                   \
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; font-src 'none'; "       \
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'; "                                \
    "sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox"
#define API_CSP "default-src 'none'; frame-ancestors 'none'"

static gboolean
mount_one(HermodModule *self, const char *prefix, const char *csp, gsize max_body,
          void (*fn)(HermodHttpRequest *, gpointer), GError **error)
{
    HermodWebMount mount = {
        .struct_size = sizeof(HermodWebMount),
        .prefix = prefix,
        .max_body = max_body,
        .content_security_policy = csp,
        .on_request = fn,
    };

    return wm_api->web->mount(self, &mount, error);
}

static gboolean
wm_init(const HermodApi *api, HermodModule *self, GError **error)
{
    if (!HERMOD_API_HAS(api, web) || api->web == NULL) {
        g_set_error(error, g_quark_from_static_string("webmail-error"), 0,
                    "webmail needs the web server of ABI 1.6; this core offers %u.%u",
                    api->abi_major, api->abi_minor);
        return FALSE;
    }
    wm_api = api;
    wm_module = self;
    return mount_one(self, "/", PAGE_CSP, 1, wm_on_request, error) &&
           mount_one(self, WM_API_PREFIX, API_CSP, 4 * 1024 * 1024, wm_on_api, error) &&
           mount_one(self, WM_BODY_PREFIX, BODY_CSP, 1, wm_on_body, error);
}

static void
wm_shutdown(HermodModule *self)
{
    wm_files_shutdown();
    wm_module = NULL;
}

HERMOD_MODULE(webmail) = {
    HERMOD_MODULE_HEADER,    .name = "webmail", .version = PACKAGE_VERSION,
    .settings = wm_settings, .init = wm_init,   .shutdown = wm_shutdown,
};
