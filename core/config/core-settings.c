/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * core-settings.c - the keys of [core] and their defaults.
 *
 * [core] says who the server is (hostname), what it loads (modules,
 * module_dir), where it keeps its data (data_dir) and logs, whom it runs as
 * (user, group), how many threads it runs and how long it lets sessions
 * finish on shutdown.  main.c and hermodctl read it; config.c validates it
 * through settings.c.  hostname has no fixed default: config.c fills in the
 * machine's host name.
 */
#include "autoconfig.h"

#include <string.h>

#include "config/core-settings.h"

static const char *const log_levels[] = {"error", "warning", "notice", "info", "debug", NULL};

const HermodSetting hermod_core_settings[] = {
    {"hostname", HERMOD_SETTING_STRING, NULL, 0, 0, NULL,
     "the server's own name in greetings and headers (default: this machine's host name)"},
    {"modules", HERMOD_SETTING_LIST, "smtp", 0, 0, NULL, "modules to load, ';'-separated"},
    {"module_dir", HERMOD_SETTING_LIST, HERMOD_MODULE_DIR, 0, 0, NULL,
     "folders searched for modules, ';'-separated; relative to this file's folder"},
    {"data_dir", HERMOD_SETTING_PATH, "/var/lib/hermod", 0, 0, NULL,
     "directory, mail store, certificates, queue, logs; relative to this file's folder"},
    {"user", HERMOD_SETTING_STRING, "", 0, 0, NULL,
     "user to run as when started as root (empty: \"hermod\" if it exists)"},
    {"group", HERMOD_SETTING_STRING, "", 0, 0, NULL,
     "group to run as when started as root (empty: the user's group)"},
    {"loop_threads", HERMOD_SETTING_INT, "0", 0, 1024, NULL,
     "event loop threads (0: one per core)"},
    {"work_threads", HERMOD_SETTING_INT, "0", 0, 4096, NULL,
     "threads for blocking work (0: eight per core, at least 16)"},
    {"log_file", HERMOD_SETTING_PATH, "", 0, 0, NULL,
     "also log to this file, relative to data_dir (empty: stderr only)"},
    {"log_level", HERMOD_SETTING_ENUM, "info", 0, 0, log_levels,
     "least important level logged: error, warning, notice, info, debug"},
    {"drain_time", HERMOD_SETTING_DURATION, "10s", 0, 3600, NULL,
     "on shutdown, how long sessions may finish before they are closed"},
    {"pid_file", HERMOD_SETTING_PATH, "", 0, 0, NULL,
     "write the daemon's process id here, relative to data_dir (empty: none)"},
    {NULL},
};

HermodLogLevel
hermod_core_log_level(HermodConfig *cfg)
{
    static const HermodLogLevel levels[] = {HERMOD_LOG_ERROR, HERMOD_LOG_WARNING, HERMOD_LOG_NOTICE,
                                            HERMOD_LOG_INFO, HERMOD_LOG_DEBUG};
    const char *name = hermod_config_string(cfg, "core", "log_level");

    for (guint i = 0; log_levels[i] != NULL; i++) {
        if (name != NULL && strcmp(name, log_levels[i]) == 0)
            return levels[i];
    }
    return HERMOD_LOG_INFO;
}

char **
hermod_core_module_dirs(HermodConfig *cfg)
{
    const char *const *dirs = hermod_config_list(cfg, "core", "module_dir");
    GPtrArray *out = g_ptr_array_new();

    for (guint i = 0; dirs[i] != NULL; i++)
        g_ptr_array_add(out, hermod_config_resolve(cfg, dirs[i]));
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}
