/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-module-api.c - the function table handed to modules: every member
 * is wired, the header fields are right, and settings read the module's
 * own section of the current config with its table's defaults.
 */
#include "autoconfig.h"

#include <string.h>

#include "hermodd/sections.h"
#include "config/config.h"
#include "plugin/module-api.h"
#include "plugin/module.h"

static void
test_every_member_set(void)
{
    const HermodApi *api = hermod_module_api();
    const guint8 *base = (const guint8 *)api;
    gsize first = G_STRUCT_OFFSET(HermodApi, log);

    g_assert_cmpuint(api->struct_size, ==, sizeof(HermodApi));
    g_assert_cmpuint(api->abi_major, ==, HERMOD_ABI_MAJOR);
    g_assert_cmpuint(api->abi_minor, ==, HERMOD_ABI_MINOR);
    g_assert_true(HERMOD_API_HAS(api, msg_free));
    /* After the three numbers the table is all function pointers. */
    for (gsize off = first; off + sizeof(gpointer) <= sizeof(HermodApi); off += sizeof(gpointer)) {
        gpointer fn;
        memcpy(&fn, base + off, sizeof(fn));
        if (fn == NULL)
            g_error("HermodApi member at offset %" G_GSIZE_FORMAT " is not wired", off);
    }
}

static void
test_hostname(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodConfig) cfg =
        hermod_config_load_data("[core]\nhostname = mx.example.test\n", "t.conf", NULL, &error);

    g_assert_no_error(error);
    hermod_config_set_current(cfg);
    g_assert_cmpstr(hermod_module_api()->hostname(), ==, "mx.example.test");
    hermod_config_set_current(NULL);
}

/* tests/abi/old-module.so: [old-module] banner (STRING), repeat (INT 1). */
static void
test_settings(void)
{
    const char *build = g_getenv("HERMOD_BUILDDIR");
    g_autofree char *path = g_build_filename(build != NULL ? build : ".", "tests", "abi", ".libs",
                                             "old-module.so", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodModule) mod = hermod_module_open(path, "old-module", &error);
    g_autoptr(HermodConfig) cfg = hermod_config_load_data(
        "[core]\nmodules = old-module\n[old-module]\nbanner = hi there\n", "t.conf", NULL, &error);
    const HermodApi *api = hermod_module_api();

    g_assert_no_error(error);
    g_assert_true(
        hermod_config_check_section(cfg, "old-module", hermod_module_settings(mod), &error));
    hermod_config_set_current(cfg);
    g_assert_cmpstr(api->setting_string(mod, "banner"), ==, "hi there");
    g_assert_cmpint(api->setting_int(mod, "repeat"), ==, 1);
    hermod_config_set_current(NULL);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    hermod_config_set_sections(hermod_core_sections);
    g_test_add_func("/module-api/every-member-set", test_every_member_set);
    g_test_add_func("/module-api/hostname", test_hostname);
    g_test_add_func("/module-api/settings", test_settings);
    return g_test_run();
}
