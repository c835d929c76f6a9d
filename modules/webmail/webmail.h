/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * webmail.h - what the webmail module's files share: the core's tables,
 * the module handle, the mount prefixes and each file's entry points.
 *
 * module.c mounts the prefixes below; router.c sends "/" requests to
 * files.c (the themes) or account.c (login, session, logout); body.c
 * serves a message's sanitised HTML at WM_BODY_PREFIX under its own CSP.
 */
#ifndef WEBMAIL_H
#define WEBMAIL_H

#include <hermod/hermod.h>
#include <hermod/mailstore.h>
#include <hermod/web.h>

G_BEGIN_DECLS

#define WM_API_PREFIX  "/webmail/api/"
#define WM_BODY_PREFIX "/webmail/body/"

extern const HermodApi *wm_api;
extern HermodModule *wm_module;
extern const HermodSetting wm_settings[];

/* Shorthands for the web table. */
#define WM_WEB (wm_api->web)

/* router.c: every request below "/" (the longest-prefix mounts take
 * theirs first). */
void wm_on_request(HermodHttpRequest *req, gpointer data);
/* account.c: WM_API_PREFIX requests. */
void wm_on_api(HermodHttpRequest *req, gpointer data);
/* body.c: WM_BODY_PREFIX requests. */
void wm_on_body(HermodHttpRequest *req, gpointer data);

/* proxy.c: GET WM_API_PREFIX "image?url=". */
void wm_image_proxy(HermodHttpRequest *req);

/* settings.c: the account settings calls below WM_API_PREFIX (what is
 * the rest of the path); FALSE when what is none of them. */
gboolean wm_settings_route(HermodHttpRequest *req, const char *what);

/* settings.c: the second factor at login (blocking: work pool). */
typedef enum {
    WM_SECOND_NONE,     /* the account has none: no code needed */
    WM_SECOND_OK,       /* code valid (TOTP step or recovery code now used up) */
    WM_SECOND_NEEDED,   /* the account has one and no code came */
    WM_SECOND_WRONG,    /* wrong, reused or expired code */
    WM_SECOND_TEMPFAIL, /* the session store failed (error set) */
} WmSecondResult;
WmSecondResult wm_second_factor_ok(const char *account, const char *code, GError **error);

/* files.c: serve rel (a path below a theme, no leading '/') of theme,
 * from the override folder when it has the file, else the shipped one;
 * 404 for anything else. */
void wm_serve_theme_file(HermodHttpRequest *req, const char *theme, const char *rel);
/* Drop the app pages files.c keeps (at module shutdown). */
void wm_files_shutdown(void);
/* The theme for this request: the "hermod_theme" cookie when it names an
 * installed theme, else [webmail] mobile_theme for phones, else
 * [webmail] theme.  (transfer none) */
const char *wm_pick_theme(HermodHttpRequest *req);
/* Is name a theme folder we ship or the admin added? */
gboolean wm_theme_exists(const char *name);

/* A small text/JSON reply with Cache-Control: no-store; body copied. */
void wm_reply(HermodHttpRequest *req, guint status, const char *type, const char *body);
/* {"error": code, "message": message} with status. */
void wm_reply_error(HermodHttpRequest *req, guint status, const char *code, const char *message);

G_END_DECLS

#endif
