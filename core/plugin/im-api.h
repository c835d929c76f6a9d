/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * im-api.h - the HermodImApi table (hermod/im.h) the core hands modules
 * as HermodApi.im.
 */
#ifndef HERMOD_CORE_IM_API_H
#define HERMOD_CORE_IM_API_H

#include <hermod/im.h>

G_BEGIN_DECLS

/* Filled at compile time; any thread may read it. */
extern const HermodImApi hermod_im_api;

G_END_DECLS

#endif
