/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * dav-api.h - the core's HermodDavApi table (dav-api.c), which
 * module-api.c hands to modules as HermodApi.dav.
 */
#ifndef HERMOD_CORE_DAV_API_H
#define HERMOD_CORE_DAV_API_H

#include <hermod/dav.h>

G_BEGIN_DECLS

/* Filled at compile time; any thread may read it. */
extern const HermodDavApi hermod_dav_api;

G_END_DECLS

#endif
