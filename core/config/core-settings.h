/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * core-settings.h - the [core] section: its table and typed readers.
 */
#ifndef HERMOD_CORE_CORE_SETTINGS_H
#define HERMOD_CORE_CORE_SETTINGS_H

#include <glib.h>
#include <hermod/api.h>
#include "config/config.h"

G_BEGIN_DECLS

extern const HermodSetting hermod_core_settings[];

/* [core] log_level as a HermodLogLevel.  Any thread. */
HermodLogLevel hermod_core_log_level(HermodConfig *cfg);

/* [core] module_dir entries made absolute against the config file's folder.
 * (transfer full) */
char **hermod_core_module_dirs(HermodConfig *cfg);

G_END_DECLS

#endif
