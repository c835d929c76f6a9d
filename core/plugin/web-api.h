/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * web-api.h - the core's HermodWebApi table (web-api.c), which
 * module-api.c hands to modules as HermodApi.web.
 */
#ifndef HERMOD_CORE_WEB_API_H
#define HERMOD_CORE_WEB_API_H

#include <hermod/web.h>

G_BEGIN_DECLS

/* Filled at compile time; any thread may read it. */
extern const HermodWebApi hermod_web_api;

G_END_DECLS

#endif
