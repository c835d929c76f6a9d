/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-config.c - fuzz target: arbitrary bytes as the config file.
 *
 * Loads the input with the real section registry, then reads back what a
 * daemon would read (the module list, named listeners, every [core] key,
 * module sections checked against a small table), so that parsing,
 * validation and the getters all see hostile input.  Errors are expected;
 * crashes, leaks and undefined behaviour are the bugs.
 */
#include "autoconfig.h"

#include <string.h>

#include "config/config.h"
#include "hermodd/sections.h"
#include "config/core-settings.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static const HermodSetting module_table[] = {
    {"greeting", HERMOD_SETTING_STRING, "hi", 0, 0, NULL, "greeting"},
    {"max", HERMOD_SETTING_SIZE, "1M", 1, 1 << 30, NULL, "max"},
    {"wait", HERMOD_SETTING_DURATION, "1m", 0, 0, NULL, "wait"},
    {"port", HERMOD_SETTING_PORT, "25", 0, 0, NULL, "port"},
    {"on", HERMOD_SETTING_BOOL, "yes", 0, 0, NULL, "on"},
    {"names", HERMOD_SETTING_LIST, "a;b", 0, 0, NULL, "names"},
    {NULL},
};

static void
read_back(HermodConfig *cfg)
{
    const char *const *mods = hermod_config_list(cfg, "core", "modules");

    for (guint i = 0; hermod_core_settings[i].key != NULL; i++)
        (void)hermod_config_string(cfg, "core", hermod_core_settings[i].key);
    g_free(hermod_config_path(cfg, "core", "log_file"));
    g_strfreev(hermod_core_module_dirs(cfg));
    (void)hermod_core_log_level(cfg);
    (void)hermod_config_int(cfg, "core", "drain_time");
    for (guint i = 0; mods[i] != NULL; i++) {
        if (hermod_config_check_section(cfg, mods[i], module_table, NULL)) {
            (void)hermod_config_int(cfg, mods[i], "max");
            (void)hermod_config_list(cfg, mods[i], "names");
        }
    }
    for (const char *const *n = hermod_config_named(cfg, "listener"); *n != NULL; n++)
        (void)strlen(*n);
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);
    g_autoptr(GError) error = NULL;
    hermod_config_set_sections(hermod_core_sections);
    HermodConfig *cfg = hermod_config_load_data(text, "fuzz.conf", NULL, &error);

    if (cfg != NULL) {
        read_back(cfg);
        hermod_config_unref(cfg);
    } else {
        g_assert(error != NULL && error->message != NULL);
    }
    return 0;
}
