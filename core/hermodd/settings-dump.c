/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * settings-dump.c - "hermodd --dump-settings": the settings tables as
 * text.
 *
 * The tables are the ones --check-config validates with (the core's, from
 * sections.c, and each module's descriptor), so a manual page generated
 * from this output (hermod.conf(5), see man/) cannot drift from what the
 * daemon accepts.  It prints; it decides nothing.
 */
#include "autoconfig.h"

#include <string.h>

#include "hermodd/sections.h"
#include "hermodd/settings-dump.h"
#include "plugin/module.h"

static const char *
type_name(HermodSettingType type)
{
    static const char *const names[] = {"?",        "string", "int",  "bool", "size",
                                        "duration", "list",   "enum", "port", "path"};

    return (guint)type < G_N_ELEMENTS(names) ? names[type] : "?";
}

/* Tabs and newlines never appear in a table, but a line must stay one. */
static void
put_field(FILE *out, const char *text, gboolean is_last)
{
    for (const char *p = text != NULL ? text : ""; *p != '\0'; p++)
        fputc(*p == '\t' || *p == '\n' ? ' ' : *p, out);
    fputc(is_last ? '\n' : '\t', out);
}

static void
dump_row(FILE *out, const char *section, const char *kind, const HermodSetting *row)
{
    g_autofree char *min = NULL;
    g_autofree char *max = NULL;
    g_autofree char *choices = NULL;

    if (row->min != row->max) {
        min = g_strdup_printf("%" G_GINT64_FORMAT, row->min);
        max = g_strdup_printf("%" G_GINT64_FORMAT, row->max);
    }
    if (row->choices != NULL)
        choices = g_strjoinv("|", (char **)row->choices);
    put_field(out, section, FALSE);
    put_field(out, kind, FALSE);
    put_field(out, row->key, FALSE);
    put_field(out, type_name(row->type), FALSE);
    put_field(out, row->default_value != NULL ? row->default_value : "-", FALSE);
    put_field(out, min, FALSE);
    put_field(out, max, FALSE);
    put_field(out, choices, FALSE);
    put_field(out, row->help, TRUE);
}

static void
dump_table(FILE *out, const char *section, const char *kind, const HermodSetting *table)
{
    for (guint i = 0; table != NULL && table[i].key != NULL; i++)
        dump_row(out, section, kind, &table[i]);
}

gboolean
hermod_settings_dump(FILE *out, GPtrArray *mods)
{
    static const char *const kinds[] = {"fixed", "named", "free"};

    for (const HermodSection *s = hermod_core_sections; s->name != NULL; s++) {
        if (s->kind == HERMOD_SECTION_FREE) {
            HermodSetting any = {"*",
                                 HERMOD_SETTING_STRING,
                                 NULL,
                                 0,
                                 0,
                                 NULL,
                                 "any key; each value is checked by the section's own rule"};
            dump_row(out, s->name, "free", &any);
            continue;
        }
        dump_table(out, s->name, kinds[s->kind], s->table);
    }
    for (guint i = 0; mods != NULL && i < mods->len; i++) {
        HermodModule *mod = g_ptr_array_index(mods, i);
        dump_table(out, hermod_module_name(mod), "module", hermod_module_settings(mod));
    }
    return fflush(out) == 0 && !ferror(out);
}
