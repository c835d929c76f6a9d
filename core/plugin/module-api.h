/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * module-api.h - the one HermodApi table the core hands every module.
 */
#ifndef HERMOD_CORE_MODULE_API_H
#define HERMOD_CORE_MODULE_API_H

#include <hermod/api.h>

G_BEGIN_DECLS

/* The core's function table, filled in module-api.c.  transfer none; lives
 * for the whole process.  Any thread. */
const HermodApi *hermod_module_api(void);

G_END_DECLS

#endif
