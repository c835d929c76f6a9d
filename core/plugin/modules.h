/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * modules.h - the set of modules [core] modules names, as the daemon
 * drives it: open and check them all, init them in order, reload and shut
 * them down.  One module at a time is module.c's job.
 */
#ifndef HERMOD_CORE_MODULES_H
#define HERMOD_CORE_MODULES_H

#include <glib.h>
#include <hermod/hermod.h>
#include "config/config.h"

G_BEGIN_DECLS

/* Open every module of [core] modules, searching [core] module_dir (and,
 * for a hermodd run from its build tree, BUILD/modules/NAME/.libs), and
 * check each module's section of cfg against its settings table.  No
 * module code runs.  Main thread.  (transfer full): element HermodModule,
 * freed with hermod_module_close. */
GPtrArray *hermod_modules_open(HermodConfig *cfg, GError **error);
/* Check each module's section of cfg (a config about to replace the
 * running one) against its table. */
gboolean hermod_modules_check(GPtrArray *mods, HermodConfig *cfg, GError **error);
/* Init each module in [core] modules order; stops at the first refusal. */
gboolean hermod_modules_init(GPtrArray *mods, const HermodApi *api, GError **error);
void hermod_modules_reload(GPtrArray *mods);
/* Shut down in reverse order. */
void hermod_modules_shutdown(GPtrArray *mods);

G_END_DECLS

#endif
