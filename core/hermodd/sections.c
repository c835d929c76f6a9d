/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sections.c - which core sections exist and whose table checks them.
 *
 * The tables themselves live beside the code that reads them, in every
 * layer of the core; this list sits at the top (hermodd/, which hermodctl
 * links too) so that config/ need not reach up to them.  One line per
 * section; keep the order of config/hermod.conf.
 */
#include "autoconfig.h"

#include "hermodd/sections.h"

/* --- [core] (main.c) */
extern const HermodSetting hermod_core_settings[];
/* --- [limits], [listener NAME] (net-settings.c) */
extern const HermodSetting hermod_limits_settings[];
extern const HermodSetting hermod_listener_settings[];
/* --- [tls], [certificate NAME] (tls-load.c) */
extern const HermodSetting hermod_tls_settings[];
extern const HermodSetting hermod_certificate_settings[];
/* --- [auth] (auth.c) */
extern const HermodSetting hermod_auth_settings[];
/* --- [queue], [routes] (queue.c) */
extern const HermodSetting hermod_queue_settings[];
gboolean hermod_queue_route_validate(const char *key, const char *value, char **out_reason);
/* --- [web] (web-settings.c) */
extern const HermodSetting hermod_web_settings[];

const HermodSection hermod_core_sections[] = {
    {"core", HERMOD_SECTION_FIXED, hermod_core_settings, NULL},
    /* limits, listener */
    {"limits", HERMOD_SECTION_FIXED, hermod_limits_settings, NULL},
    {"listener", HERMOD_SECTION_NAMED, hermod_listener_settings, NULL},
    /* tls, certificate */
    {"tls", HERMOD_SECTION_FIXED, hermod_tls_settings, NULL},
    {"certificate", HERMOD_SECTION_NAMED, hermod_certificate_settings, NULL},
    /* auth */
    {"auth", HERMOD_SECTION_FIXED, hermod_auth_settings, NULL},
    /* queue, routes */
    {"queue", HERMOD_SECTION_FIXED, hermod_queue_settings, NULL},
    {"routes", HERMOD_SECTION_FREE, NULL, hermod_queue_route_validate},
    /* web */
    {"web", HERMOD_SECTION_FIXED, hermod_web_settings, NULL},
    {NULL, 0, NULL, NULL},
};
