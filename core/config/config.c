/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * config.c - load the INI file, apply -o overrides, validate every section.
 *
 * GKeyFile reads the syntax; this file decides what each section is by
 * looking its name up in the core registry (settings.c): a fixed section,
 * a named one ("[listener mx]": kind "listener", name "mx"), a free-key
 * one, or, when [core] modules lists it, a module's section that stays
 * unchecked until hermod_config_check_section() gets the module's table.
 * Anything else is an error naming file, section and key.  Values are
 * checked by config-value.c and kept as text; the getters convert.
 *
 * A loaded HermodConfig does not change, except that checking a module
 * section records its table; the getters may run on any thread.  It never
 * reads or writes anything but the config file.
 */
#include "autoconfig.h"

#include <string.h>

#include "config/config-value.h"
#include "config/config.h"
#include "config/settings.h"

typedef struct {
    const HermodSetting *table; /* NULL: free keys, or an unchecked module section */
    gboolean is_free;
    GHashTable *values;          /* key -> text as written, stripped (ENUM: the choice) */
    GHashTable *lists;           /* LIST key -> NULL-terminated items, defaults included */
    gboolean is_hostname_filled; /* [core] hostname came from the machine, not the file */
} Section;

struct HermodConfig {
    gint refs;
    char *file;           /* as given, for messages */
    char *dir;            /* absolute folder of file */
    char *data_dir;       /* absolute [core] data_dir */
    GMutex lock;          /* guards sections during check_section */
    GHashTable *sections; /* group name -> Section */
    GHashTable *named;    /* kind -> GPtrArray of names, NULL-terminated */
};

static GMutex current_lock;
static HermodConfig *current;

/* The quark name must stay one word. */
/* clang-format off */
G_DEFINE_QUARK(hermod-config-error-quark, hermod_config_error)
/* clang-format on */

static void
section_free(gpointer p)
{
    Section *s = p;

    g_hash_table_unref(s->values);
    g_hash_table_unref(s->lists);
    g_free(s);
}

static Section *
section_new(const HermodSetting *table, gboolean is_free)
{
    Section *s = g_new0(Section, 1);

    s->table = table;
    s->is_free = is_free;
    s->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    s->lists = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_strfreev);
    return s;
}

static void
names_free(gpointer p)
{
    g_ptr_array_free(p, TRUE);
}

static HermodConfig *
config_new(const char *path)
{
    HermodConfig *cfg = g_new0(HermodConfig, 1);
    g_autofree char *dir = g_path_get_dirname(path);

    cfg->refs = 1;
    cfg->file = g_strdup(path);
    cfg->dir = g_canonicalize_filename(dir, NULL);
    g_mutex_init(&cfg->lock);
    cfg->sections = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, section_free);
    cfg->named = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, names_free);
    return cfg;
}

static const HermodSetting *
find_row(const HermodSetting *table, const char *key)
{
    for (guint i = 0; table != NULL && table[i].key != NULL; i++) {
        if (strcmp(table[i].key, key) == 0)
            return &table[i];
    }
    return NULL;
}

static const HermodSection no_sections[] = {{NULL, 0, NULL, NULL}};
static const HermodSection *sections = no_sections;

void
hermod_config_set_sections(const HermodSection *list)
{
    sections = list;
}

static const HermodSection *
find_kind(const char *kind)
{
    for (guint i = 0; sections[i].name != NULL; i++) {
        if (strcmp(sections[i].name, kind) == 0)
            return &sections[i];
    }
    return NULL;
}

static gboolean
key_error(GError **error, HermodConfig *cfg, int code, const char *group, const char *key,
          const char *reason)
{
    g_set_error(error, HERMOD_CONFIG_ERROR, code, "%s: [%s] %s: %s", cfg->file, group, key, reason);
    return FALSE;
}

static gboolean
section_error(GError **error, HermodConfig *cfg, const char *group, const char *reason)
{
    g_set_error(error, HERMOD_CONFIG_ERROR, HERMOD_CONFIG_ERROR_UNKNOWN_SECTION, "%s: [%s]: %s",
                cfg->file, group, reason);
    return FALSE;
}

/* Check every key of group against table into a new Section. */
static Section *
check_table(HermodConfig *cfg, GKeyFile *kf, const char *group, const HermodSetting *table,
            GError **error)
{
    Section *s = section_new(table, FALSE);
    g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);

    for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
        const HermodSetting *row = find_row(table, keys[i]);
        g_autofree char *value = g_key_file_get_value(kf, group, keys[i], NULL);
        g_autofree char *reason = NULL;
        const char *choice = NULL;

        if (row == NULL) {
            key_error(error, cfg, HERMOD_CONFIG_ERROR_UNKNOWN_KEY, group, keys[i], "unknown key");
            goto fail;
        }
        g_strstrip(value);
        if (!hermod_config_value_parse(row, value, NULL, &choice, &reason)) {
            key_error(error, cfg, HERMOD_CONFIG_ERROR_BAD_VALUE, group, keys[i], reason);
            goto fail;
        }
        g_hash_table_insert(s->values, g_strdup(keys[i]),
                            choice != NULL ? g_strdup(choice) : g_steal_pointer(&value));
    }
    for (guint i = 0; table != NULL && table[i].key != NULL; i++) {
        const char *v = g_hash_table_lookup(s->values, table[i].key);
        if (table[i].type == HERMOD_SETTING_LIST)
            g_hash_table_insert(s->lists, g_strdup(table[i].key),
                                hermod_config_value_split(v != NULL ? v : table[i].default_value));
    }
    return s;
fail:
    section_free(s);
    return NULL;
}

/* A free-key section ([routes]), or a module's section kept as written. */
static Section *
check_free(HermodConfig *cfg, GKeyFile *kf, const char *group, const HermodSection *kind,
           GError **error)
{
    Section *s = section_new(NULL, kind != NULL);
    g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);

    for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
        char *value = g_strstrip(g_key_file_get_value(kf, group, keys[i], NULL));
        g_autofree char *reason = NULL;

        g_hash_table_insert(s->values, g_strdup(keys[i]), value);
        if (kind == NULL || kind->validate == NULL)
            continue;
        if (!g_utf8_validate(keys[i], -1, NULL) || !g_utf8_validate(value, -1, NULL))
            reason = g_strdup("not valid UTF-8");
        else if (!kind->validate(keys[i], value, &reason) && reason == NULL)
            reason = g_strdup("bad value");
        if (reason != NULL) {
            key_error(error, cfg, HERMOD_CONFIG_ERROR_BAD_VALUE, group, keys[i], reason);
            section_free(s);
            return NULL;
        }
    }
    return s;
}

/* Letters, digits, '-', '_' and '.': a listener, certificate or module name. */
static gboolean
is_name(const char *name)
{
    if (*name == '\0')
        return FALSE;
    for (const char *p = name; *p != '\0'; p++) {
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
            return FALSE;
    }
    return TRUE;
}

static void
add_named(HermodConfig *cfg, const char *kind, const char *name)
{
    GPtrArray *names = g_hash_table_lookup(cfg->named, kind);

    if (names == NULL) {
        names = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(names, NULL);
        g_hash_table_insert(cfg->named, g_strdup(kind), names);
    }
    g_ptr_array_index(names, names->len - 1) = g_strdup(name);
    g_ptr_array_add(names, NULL);
}

static gboolean
is_module(GKeyFile *kf, const char *group)
{
    g_autofree char *text = g_key_file_get_value(kf, "core", "modules", NULL);
    const HermodSection *core = find_kind("core");
    const HermodSetting *row = core != NULL ? find_row(core->table, "modules") : NULL;
    const char *fallback = row != NULL ? row->default_value : "";
    g_auto(GStrv) mods = hermod_config_value_split(text != NULL ? text : fallback);

    return g_strv_contains((const char *const *)mods, group);
}

/* Decide what group is, check it, and add it to cfg. */
static gboolean
check_group(HermodConfig *cfg, GKeyFile *kf, const char *group, GError **error)
{
    const char *space = strchr(group, ' ');
    g_autofree char *kind_name =
        g_strndup(group, space != NULL ? (gsize)(space - group) : strlen(group));
    const HermodSection *kind = find_kind(kind_name);
    Section *s;

    if (kind != NULL && kind->kind == HERMOD_SECTION_NAMED) {
        if (space == NULL || !is_name(space + 1))
            return section_error(error, cfg, group,
                                 "needs a name of letters, digits, '-', '_' "
                                 "or '.', like [listener NAME]");
        add_named(cfg, kind_name, space + 1);
    } else if (kind != NULL && space != NULL) {
        kind = NULL;
    } else if (kind == NULL && is_module(kf, group)) {
        s = check_free(cfg, kf, group, NULL, error);
        g_hash_table_insert(cfg->sections, g_strdup(group), s);
        return TRUE;
    }
    if (kind == NULL)
        return section_error(error, cfg, group,
                             "unknown section (not a core section, and "
                             "not a module listed in [core] modules)");
    if (kind->kind == HERMOD_SECTION_FREE)
        s = check_free(cfg, kf, group, kind, error);
    else
        s = check_table(cfg, kf, group, kind->table, error);
    if (s == NULL)
        return FALSE;
    g_hash_table_insert(cfg->sections, g_strdup(group), s);
    return TRUE;
}

/* "section.key=value", the key after the last '.' before '='. */
static gboolean
apply_override(GKeyFile *kf, const char *text, GError **error)
{
    const char *eq = strchr(text, '=');
    g_autofree char *left = eq != NULL ? g_strndup(text, eq - text) : NULL;
    char *dot = left != NULL ? strrchr(left, '.') : NULL;

    if (dot != NULL) {
        *dot = '\0';
        g_strstrip(left);
        g_strstrip(dot + 1);
    }
    if (dot == NULL || *left == '\0' || strpbrk(left, "[]\n\r") != NULL || !is_name(dot + 1) ||
        !g_utf8_validate(text, -1, NULL)) {
        g_set_error(error, HERMOD_CONFIG_ERROR, HERMOD_CONFIG_ERROR_SYNTAX,
                    "-o %s: expected SECTION.KEY=VALUE", text);
        return FALSE;
    }
    g_key_file_set_value(kf, left, dot + 1, eq + 1);
    return TRUE;
}

/* Every fixed core section exists, so that its defaults can be read. */
static void
add_absent_sections(HermodConfig *cfg)
{
    for (guint i = 0; sections[i].name != NULL; i++) {
        const HermodSection *k = &sections[i];
        if (k->kind == HERMOD_SECTION_NAMED || g_hash_table_contains(cfg->sections, k->name))
            continue;
        if (k->kind == HERMOD_SECTION_FREE)
            continue; /* hermod_config_free_section() says NULL: absent */
        GKeyFile *empty = g_key_file_new();
        g_hash_table_insert(cfg->sections, g_strdup(k->name),
                            check_table(cfg, empty, k->name, k->table, NULL));
        g_key_file_free(empty);
    }
}

/* [core] values that have no fixed default, and module names that go
 * into file names. */
static gboolean
finish_core(HermodConfig *cfg, GError **error)
{
    Section *core = g_hash_table_lookup(cfg->sections, "core");
    const char *const *mods = hermod_config_list(cfg, "core", "modules");
    const char *dd;

    for (guint i = 0; mods[i] != NULL; i++) {
        g_autofree char *reason = NULL;
        if (!is_name(mods[i]) || strchr(mods[i], '.') != NULL)
            reason = g_strdup_printf("%s is not a module name", mods[i]);
        else if (find_kind(mods[i]) != NULL)
            reason = g_strdup_printf("%s is a core section, not a module", mods[i]);
        if (reason != NULL)
            return key_error(error, cfg, HERMOD_CONFIG_ERROR_BAD_VALUE, "core", "modules", reason);
    }
    if (!g_hash_table_contains(core->values, "hostname")) {
        g_hash_table_insert(core->values, g_strdup("hostname"), g_strdup(g_get_host_name()));
        core->is_hostname_filled = TRUE;
    }
    dd = hermod_config_string(cfg, "core", "data_dir");
    cfg->data_dir = g_canonicalize_filename(dd != NULL && *dd != '\0' ? dd : ".", cfg->dir);
    return TRUE;
}

static gboolean
check_all(HermodConfig *cfg, GKeyFile *kf, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);

    /* [core] first: it says which module sections may exist. */
    if (g_key_file_has_group(kf, "core") && !check_group(cfg, kf, "core", error))
        return FALSE;
    for (guint i = 0; groups[i] != NULL; i++) {
        if (strcmp(groups[i], "core") != 0 && !check_group(cfg, kf, groups[i], error))
            return FALSE;
    }
    add_absent_sections(cfg);
    return finish_core(cfg, error);
}

HermodConfig *
hermod_config_load_data(const char *data, const char *path, const char *const *overrides,
                        GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(HermodConfig) cfg = config_new(path != NULL ? path : "hermod.conf");
    g_autoptr(GError) local = NULL;

    if (!g_key_file_load_from_data(kf, data, (gsize)-1, G_KEY_FILE_NONE, &local)) {
        g_set_error(error, HERMOD_CONFIG_ERROR, HERMOD_CONFIG_ERROR_SYNTAX, "%s: %s", cfg->file,
                    local->message);
        return NULL;
    }
    for (guint i = 0; overrides != NULL && overrides[i] != NULL; i++) {
        if (!apply_override(kf, overrides[i], error))
            return NULL;
    }
    if (!check_all(cfg, kf, error))
        return NULL;
    return g_steal_pointer(&cfg);
}

HermodConfig *
hermod_config_load(const char *path, const char *const *overrides, GError **error)
{
    g_autofree char *data = NULL;
    g_autoptr(GError) local = NULL;

    if (!g_file_get_contents(path, &data, NULL, &local)) {
        g_set_error(error, HERMOD_CONFIG_ERROR, HERMOD_CONFIG_ERROR_IO, "%s", local->message);
        return NULL;
    }
    return hermod_config_load_data(data, path, overrides, error);
}

HermodConfig *
hermod_config_ref(HermodConfig *cfg)
{
    g_atomic_int_inc(&cfg->refs);
    return cfg;
}

void
hermod_config_unref(HermodConfig *cfg)
{
    if (cfg == NULL || !g_atomic_int_dec_and_test(&cfg->refs))
        return;
    g_hash_table_unref(cfg->sections);
    g_hash_table_unref(cfg->named);
    g_mutex_clear(&cfg->lock);
    g_free(cfg->file);
    g_free(cfg->dir);
    g_free(cfg->data_dir);
    g_free(cfg);
}

gboolean
hermod_config_check_section(HermodConfig *cfg, const char *section, const HermodSetting *table,
                            GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    Section *old;
    Section *s;

    g_mutex_lock(&cfg->lock);
    old = g_hash_table_lookup(cfg->sections, section);
    if (old != NULL) {
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, old->values);
        while (g_hash_table_iter_next(&it, &k, &v))
            g_key_file_set_value(kf, section, k, v);
    }
    s = check_table(cfg, kf, section, table, error);
    if (s != NULL && (old == NULL || old->table != table))
        g_hash_table_replace(cfg->sections, g_strdup(section), s);
    else if (s != NULL)
        section_free(s);
    g_mutex_unlock(&cfg->lock);
    return s != NULL;
}

static Section *
lookup(HermodConfig *cfg, const char *section)
{
    Section *s;

    g_mutex_lock(&cfg->lock);
    s = g_hash_table_lookup(cfg->sections, section);
    g_mutex_unlock(&cfg->lock);
    return s;
}

/* The row of a known key; NULL (with a critical) for a programming error. */
static const HermodSetting *
lookup_row(HermodConfig *cfg, const char *section, const char *key, Section **out_s)
{
    Section *s = lookup(cfg, section);
    const HermodSetting *row = s != NULL ? find_row(s->table, key) : NULL;

    if (row == NULL)
        g_critical("config: [%s] %s is not a known setting", section, key);
    *out_s = s;
    return row;
}

const char *
hermod_config_string(HermodConfig *cfg, const char *section, const char *key)
{
    Section *s = lookup(cfg, section);
    const HermodSetting *row;
    const char *v;

    if (s != NULL && s->is_free)
        return g_hash_table_lookup(s->values, key);
    row = lookup_row(cfg, section, key, &s);
    if (row == NULL)
        return NULL;
    v = g_hash_table_lookup(s->values, key);
    return v != NULL ? v : row->default_value;
}

gint64
hermod_config_int(HermodConfig *cfg, const char *section, const char *key)
{
    Section *s;
    const HermodSetting *row = lookup_row(cfg, section, key, &s);
    const char *v = row != NULL ? g_hash_table_lookup(s->values, key) : NULL;
    g_autofree char *reason = NULL;
    gint64 n = 0;

    if (v == NULL)
        v = row != NULL ? row->default_value : NULL;
    if (v != NULL && !hermod_config_value_parse(row, v, &n, NULL, &reason))
        g_critical("config: [%s] %s: bad default: %s", section, key, reason);
    return n;
}

gboolean
hermod_config_bool(HermodConfig *cfg, const char *section, const char *key)
{
    return hermod_config_int(cfg, section, key) != 0;
}

const char *const *
hermod_config_list(HermodConfig *cfg, const char *section, const char *key)
{
    static const char *const empty[] = {NULL};
    Section *s;
    const HermodSetting *row = lookup_row(cfg, section, key, &s);
    const char *const *items = row != NULL ? g_hash_table_lookup(s->lists, key) : NULL;

    return items != NULL ? items : empty;
}

char *
hermod_config_path(HermodConfig *cfg, const char *section, const char *key)
{
    const char *v;

    if (strcmp(section, "core") == 0 && strcmp(key, "data_dir") == 0)
        return g_strdup(cfg->data_dir);
    v = hermod_config_string(cfg, section, key);
    if (v == NULL || *v == '\0')
        return NULL;
    return g_canonicalize_filename(v, cfg->data_dir);
}

char *
hermod_config_resolve(HermodConfig *cfg, const char *path)
{
    return g_canonicalize_filename(path, cfg->dir);
}

const char *const *
hermod_config_named(HermodConfig *cfg, const char *kind)
{
    static const char *const empty[] = {NULL};
    GPtrArray *names = g_hash_table_lookup(cfg->named, kind);

    return names != NULL ? (const char *const *)names->pdata : empty;
}

GHashTable *
hermod_config_free_section(HermodConfig *cfg, const char *section)
{
    Section *s = lookup(cfg, section);

    return s != NULL && s->is_free ? s->values : NULL;
}

const HermodSetting *
hermod_config_table(HermodConfig *cfg, const char *section)
{
    Section *s = lookup(cfg, section);

    return s != NULL ? s->table : NULL;
}

gboolean
hermod_config_is_default(HermodConfig *cfg, const char *section, const char *key)
{
    Section *s = lookup(cfg, section);
    const HermodSetting *row = s != NULL ? find_row(s->table, key) : NULL;
    const char *v = s != NULL ? g_hash_table_lookup(s->values, key) : NULL;

    if (s == NULL || s->is_free || row == NULL)
        return s != NULL && !g_hash_table_contains(s->values, key);
    if (v == NULL || (s->is_hostname_filled && strcmp(key, "hostname") == 0))
        return TRUE;
    return hermod_config_value_equal(row, v, row->default_value);
}

const char *
hermod_config_file(HermodConfig *cfg)
{
    return cfg->file;
}

HermodConfig *
hermod_config_get_current(void)
{
    HermodConfig *cfg;

    g_mutex_lock(&current_lock);
    cfg = current != NULL ? hermod_config_ref(current) : NULL;
    g_mutex_unlock(&current_lock);
    return cfg;
}

void
hermod_config_set_current(HermodConfig *cfg)
{
    HermodConfig *old;

    g_mutex_lock(&current_lock);
    old = current;
    current = cfg != NULL ? hermod_config_ref(cfg) : NULL;
    g_mutex_unlock(&current_lock);
    hermod_config_unref(old);
}
