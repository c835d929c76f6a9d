/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sections.h - the core's config sections, for hermod_config_set_sections.
 */
#ifndef HERMOD_CORE_SECTIONS_H
#define HERMOD_CORE_SECTIONS_H

#include "config/settings.h"

G_BEGIN_DECLS

/* Every core section and the table that checks it; NULL-name-terminated. */
extern const HermodSection hermod_core_sections[];

G_END_DECLS

#endif
