/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl-config.c - "hermodctl config show [--non-default]": the effective
 * configuration, for bug reports, as postconf -n and doveconf -n print it.
 *
 * Every key of every section the daemon would read, with the value in
 * force: the file's, an -o override's or the default.  The sections are
 * the core's (hermod_core_sections, in their order), each [listener NAME]
 * and [certificate NAME] of the file, the free-key [routes], and one per
 * module of [core] modules, whose tables come from the modules' own
 * descriptors (loaded and checked as --check-config does; no module code
 * runs).  --non-default prints only the keys whose value means something
 * else than the default (config.c's hermod_config_is_default), and only
 * sections that have one.  The output is itself a valid config file.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl-util.h"
#include "ctl/ctl.h"
#include "hermodd/sections.h"
#include "plugin/module.h"
#include "plugin/modules.h"

typedef struct {
    HermodConfig *cfg;
    gboolean is_non_default;
} Show;

/* One line per key, under a section header printed before the first. */
static void
show_table(const Show *sh, const char *group, const HermodSetting *table)
{
    gboolean has_header = FALSE;

    for (guint i = 0; table != NULL && table[i].key != NULL; i++) {
        const char *key = table[i].key;
        const char *v;

        if (sh->is_non_default && hermod_config_is_default(sh->cfg, group, key))
            continue;
        if (!has_header)
            printf("\n[%s]\n", group);
        has_header = TRUE;
        v = hermod_config_string(sh->cfg, group, key);
        if (v != NULL)
            printf("%s =%s%s\n", key, *v != '\0' ? " " : "", v);
        else
            printf("#%s = (not set, no default)\n", key);
    }
    if (!has_header && !sh->is_non_default)
        printf("\n[%s]\n", group);
}

static int
by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A free-key section: its keys in name order, all of them set. */
static void
show_free(const char *group, GHashTable *values)
{
    g_autofree gpointer *keys = NULL;
    guint n = 0;

    if (values == NULL)
        return;
    keys = g_hash_table_get_keys_as_array(values, &n);
    if (n == 0)
        return;
    qsort(keys, n, sizeof(gpointer), by_name);
    printf("\n[%s]\n", group);
    for (guint i = 0; i < n; i++)
        printf("%s = %s\n", (char *)keys[i], (char *)g_hash_table_lookup(values, keys[i]));
}

static void
show_core_section(const Show *sh, const HermodSection *sec)
{
    const char *const *names;

    switch (sec->kind) {
    case HERMOD_SECTION_FIXED:
        show_table(sh, sec->name, sec->table);
        break;
    case HERMOD_SECTION_NAMED:
        names = hermod_config_named(sh->cfg, sec->name);
        for (guint i = 0; names[i] != NULL; i++) {
            g_autofree char *group = g_strdup_printf("%s %s", sec->name, names[i]);
            show_table(sh, group, sec->table);
        }
        break;
    case HERMOD_SECTION_FREE:
        show_free(sec->name, hermod_config_free_section(sh->cfg, sec->name));
        break;
    }
}

static int
cmd_show(HermodConfig *cfg, int argc, char **argv)
{
    Show sh = {cfg, FALSE};
    GError *error = NULL;
    g_autoptr(GPtrArray) mods = NULL;

    if (argc == 2 && strcmp(argv[1], "--non-default") == 0)
        sh.is_non_default = TRUE;
    else if (argc != 1)
        return hermod_ctl_usage("config", "show", "[--non-default]");
    /* The modules' tables, checked against cfg as hermodd would. */
    mods = hermod_modules_open(cfg, &error);
    if (mods == NULL)
        return hermod_ctl_report(error);
    printf("# hermodctl config show%s: %s\n", sh.is_non_default ? " --non-default" : "",
           hermod_config_file(cfg));
    for (guint i = 0; hermod_core_sections[i].name != NULL; i++)
        show_core_section(&sh, &hermod_core_sections[i]);
    for (guint i = 0; i < mods->len; i++) {
        HermodModule *mod = g_ptr_array_index(mods, i);
        show_table(&sh, hermod_module_name(mod), hermod_module_settings(mod));
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

const HermodCtlCommand hermod_ctl_config_commands[] = {
    {"config", "show", "[--non-default]",
     "the effective configuration (or only what differs from the defaults)", cmd_show},
    {NULL, NULL, NULL, NULL, NULL},
};
