/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * web-settings.c - the [web] settings table.
 *
 * Kept apart from web.c so that the config checker can list it without
 * pulling libmicrohttpd into every program.  web.c reads these keys; the
 * help lines are what the sample config and error messages show.
 */
#include "autoconfig.h"

#include "web/web.h"

static const char *const modes[] = {"http", "both", "https", "redirect", NULL};
static const char *const samesite[] = {"Lax", "Strict", NULL};

const HermodSetting hermod_web_settings[] = {
    {"mode", HERMOD_SETTING_ENUM, "redirect", 0, 0, modes,
     "http: plain HTTP only; both: HTTP and HTTPS serve the same; https: HTTPS only; "
     "redirect: plain HTTP redirects to HTTPS (except the ACME challenge path)"},
    {"acme_dir", HERMOD_SETTING_PATH, "acme", 0, 0, NULL,
     "files served verbatim at /.well-known/acme-challenge/TOKEN (certbot --webroot)"},
    {"document_root", HERMOD_SETTING_PATH, "", 0, 0, NULL,
     "static files served at / when no module mounts it (empty: none)"},
    {"hsts_max_age", HERMOD_SETTING_DURATION, "365d", 0, 2 * 365 * 86400, NULL,
     "Strict-Transport-Security max-age on HTTPS in https and redirect modes (0: no header)"},
    {"redirect_port", HERMOD_SETTING_INT, "0", 0, 65535, NULL,
     "HTTPS port written in redirects (0: the first HTTPS listener's; 443 is left out)"},
    {"threads", HERMOD_SETTING_INT, "0", 0, 256, NULL,
     "web threads per listening socket (0: one per core)"},
    {"max_header_size", HERMOD_SETTING_SIZE, "16K", 8 * 1024, 16 * 1024 * 1024, NULL,
     "request line and headers together (cookies included); larger gets 431"},
    {"header_timeout", HERMOD_SETTING_DURATION, "20s", 1, 3600, NULL,
     "time for the request line and headers, from the connection or the previous "
     "response (a client dripping them is dropped)"},
    {"body_timeout", HERMOD_SETTING_DURATION, "5m", 1, 86400, NULL,
     "time for a whole request body"},
    {"idle_timeout", HERMOD_SETTING_DURATION, "60s", 1, 86400, NULL,
     "close a connection with no progress this long"},
    {"max_body", HERMOD_SETTING_SIZE, "1M", 0, G_MAXINT64, NULL,
     "request body limit of mounts that set none; larger gets 413"},
    {"max_connections", HERMOD_SETTING_INT, "4096", 1, 1000000, NULL,
     "connections at once per listening socket"},
    {"max_connections_per_ip", HERMOD_SETTING_INT, "0", 0, 1000000, NULL,
     "connections at once from one address per listening socket (0: no cap)"},
    {"referrer_policy", HERMOD_SETTING_STRING, "strict-origin-when-cross-origin", 0, 0, NULL,
     "Referrer-Policy of every response"},
    {"content_security_policy", HERMOD_SETTING_STRING,
     "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'", 0, 0, NULL,
     "Content-Security-Policy of mounts that set none"},
    {"cookie_samesite", HERMOD_SETTING_ENUM, "Lax", 0, 0, samesite,
     "SameSite of the web session cookie"},
    {"session_lifetime", HERMOD_SETTING_DURATION, "7d", 60, 365 * 86400, NULL,
     "a web session ends this long after login"},
    {"session_idle", HERMOD_SETTING_DURATION, "1d", 60, 365 * 86400, NULL,
     "a web session ends after this long unused"},
    {NULL},
};
