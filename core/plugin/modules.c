/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * modules.c - the modules of [core] modules, as one set.
 *
 * Finds each module in [core] module_dir, lets module.c vet and load it,
 * and checks the module's config section against the settings table of
 * its descriptor before any module code runs (hermodd --check-config stops
 * there).  A hermodd started from its build tree (BUILD/core/hermodd/hermodd
 * or BUILD/core/ctl/hermodctl, with
 * BUILD/config.status beside) also finds modules in BUILD/modules/.libs and
 * BUILD/modules/NAME/.libs, after the configured folders, so that the
 * sample config works there as is; an installed hermodd never looks there.
 */
#include "autoconfig.h"

#include <unistd.h>

#include "config/core-settings.h"
#include "lib/log.h"
#include "plugin/module.h"
#include "plugin/modules.h"

/* BUILD when the running binary is BUILD/core/FOLDER/PROGRAM of a build
 * tree. */
static char *
build_top(void)
{
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *folder = exe != NULL ? g_path_get_dirname(exe) : NULL;
    g_autofree char *core = folder != NULL ? g_path_get_dirname(folder) : NULL;
    g_autofree char *top = core != NULL ? g_path_get_dirname(core) : NULL;
    g_autofree char *status = top != NULL ? g_build_filename(top, "config.status", NULL) : NULL;

    if (status == NULL || !g_file_test(status, G_FILE_TEST_IS_REGULAR))
        return NULL;
    return g_steal_pointer(&top);
}

/* module_dir entries, then the build tree's folders for name. */
static char *
search_path(HermodConfig *cfg, const char *name)
{
    g_auto(GStrv) dirs = hermod_core_module_dirs(cfg);
    g_autofree char *top = build_top();
    g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; dirs[i] != NULL; i++)
        g_ptr_array_add(all, g_strdup(dirs[i]));
    if (top != NULL) {
        g_ptr_array_add(all, g_build_filename(top, "modules", ".libs", NULL));
        g_ptr_array_add(all, g_build_filename(top, "modules", name, ".libs", NULL));
    }
    g_ptr_array_add(all, NULL);
    return g_strjoinv(";", (char **)all->pdata);
}

static gboolean
check_one(HermodModule *mod, HermodConfig *cfg, GError **error)
{
    static const HermodSetting none[] = {{NULL}};
    const HermodSetting *table = hermod_module_settings(mod);

    return hermod_config_check_section(cfg, hermod_module_name(mod), table != NULL ? table : none,
                                       error);
}

GPtrArray *
hermod_modules_open(HermodConfig *cfg, GError **error)
{
    const char *const *names = hermod_config_list(cfg, "core", "modules");
    g_autoptr(GPtrArray) mods = g_ptr_array_new_with_free_func((GDestroyNotify)hermod_module_close);

    for (guint i = 0; names[i] != NULL; i++) {
        g_autofree char *path = search_path(cfg, names[i]);
        HermodModule *mod = hermod_module_open(path, names[i], error);

        if (mod == NULL)
            return NULL;
        g_ptr_array_add(mods, mod);
        hermod_log(HERMOD_LOG_INFO, NULL, "module %s %s from %s", names[i],
                   hermod_module_descriptor(mod)->version, hermod_module_path(mod));
        if (!check_one(mod, cfg, error))
            return NULL;
    }
    return g_steal_pointer(&mods);
}

gboolean
hermod_modules_check(GPtrArray *mods, HermodConfig *cfg, GError **error)
{
    for (guint i = 0; i < mods->len; i++) {
        if (!check_one(g_ptr_array_index(mods, i), cfg, error))
            return FALSE;
    }
    return TRUE;
}

gboolean
hermod_modules_init(GPtrArray *mods, const HermodApi *api, GError **error)
{
    for (guint i = 0; i < mods->len; i++) {
        HermodModule *mod = g_ptr_array_index(mods, i);

        if (!hermod_module_init(mod, api, error))
            return FALSE;
        hermod_log(HERMOD_LOG_INFO, NULL, "module %s %s ready", hermod_module_name(mod),
                   hermod_module_descriptor(mod)->version);
    }
    return TRUE;
}

void
hermod_modules_reload(GPtrArray *mods)
{
    for (guint i = 0; mods != NULL && i < mods->len; i++)
        hermod_module_reload(g_ptr_array_index(mods, i));
}

void
hermod_modules_shutdown(GPtrArray *mods)
{
    for (guint i = mods != NULL ? mods->len : 0; i > 0; i--)
        hermod_module_shutdown(g_ptr_array_index(mods, i - 1));
}
