/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * config.h - the one INI file (GKeyFile), validated against settings tables.
 *
 * Sections: fixed ones ([core], [limits], [tls], [auth], [queue]) each with
 * a HermodSetting table owned by the subsystem that reads it; named ones
 * ([listener NAME], [certificate NAME]) validated against one table per
 * kind; [routes] with free keys (domain = host:port); and one section per
 * loaded module, validated against the module descriptor's table.  Every
 * error names file, section, key and the reason.
 *
 * A HermodConfig is immutable once loaded and refcounted; SIGHUP loads a new
 * one and swaps it in with hermod_config_set_current().
 */
#ifndef HERMOD_CORE_CONFIG_H
#define HERMOD_CORE_CONFIG_H

#include <glib.h>
#include <hermod/setting.h>

G_BEGIN_DECLS

#define HERMOD_CONFIG_ERROR (hermod_config_error_quark())
GQuark hermod_config_error_quark(void);
typedef enum {
    HERMOD_CONFIG_ERROR_IO,
    HERMOD_CONFIG_ERROR_SYNTAX,
    HERMOD_CONFIG_ERROR_UNKNOWN_KEY,
    HERMOD_CONFIG_ERROR_BAD_VALUE,
    HERMOD_CONFIG_ERROR_UNKNOWN_SECTION,
} HermodConfigError;

typedef struct HermodConfig HermodConfig;

/* Parse path, apply overrides ("section.key=value"; a named section is
 * written "listener smtp-mx.port=2525"), validate every core section.
 * Module sections are validated later with hermod_config_check_section().
 * (transfer full) */
HermodConfig *hermod_config_load(const char *path, const char *const *overrides, GError **error);
/* The same from a string (tests, fuzzing); path is used in messages. */
HermodConfig *hermod_config_load_data(const char *data, const char *path,
                                      const char *const *overrides, GError **error);
HermodConfig *hermod_config_ref(HermodConfig *cfg);
void hermod_config_unref(HermodConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermodConfig, hermod_config_unref)

/* Validate section against table (unknown keys, bad values) and remember
 * table, so that the getters know its defaults; an absent section is fine
 * (all defaults).  Call it before cfg is shared with other threads. */
gboolean hermod_config_check_section(HermodConfig *cfg, const char *section,
                                     const HermodSetting *table, GError **error);

/* Getters return the value in the file or the table's default.  section and
 * key must be known (a programming error otherwise).  Strings are transfer
 * none and live as long as cfg. */
const char *hermod_config_string(HermodConfig *cfg, const char *section, const char *key);
gint64 hermod_config_int(HermodConfig *cfg, const char *section, const char *key);
gboolean hermod_config_bool(HermodConfig *cfg, const char *section, const char *key);
/* LIST values, transfer none, NULL-terminated (empty list: one NULL). */
const char *const *hermod_config_list(HermodConfig *cfg, const char *section, const char *key);
/* A PATH value made absolute against [core] data_dir; transfer full.
 * NULL when the value is empty and there is no default.  [core] data_dir
 * itself is relative to the config file's folder. */
char *hermod_config_path(HermodConfig *cfg, const char *section, const char *key);
/* path made absolute against the config file's folder (for [core]
 * module_dir entries); transfer full. */
char *hermod_config_resolve(HermodConfig *cfg, const char *path);

/* Names of the named sections of one kind: "listener" gives the NAME of
 * every [listener NAME], in file order.  transfer none. */
const char *const *hermod_config_named(HermodConfig *cfg, const char *kind);
/* Keys and values of a free-key section such as [routes]; transfer none;
 * NULL if the section is absent. */
GHashTable *hermod_config_free_section(HermodConfig *cfg, const char *section);

/* The table that checked section (a core section, "listener mx", or a
 * module section once hermod_config_check_section ran), NULL for a
 * free-key, unchecked or absent one.  transfer none. */
const HermodSetting *hermod_config_table(HermodConfig *cfg, const char *section);
/* Whether section.key holds its table's default: not set in the file nor
 * by -o, or set to text that means the same ("10m" for "600s").  A
 * [core] hostname taken from the machine counts as the default.  Every
 * key present in a free-key section ([routes]) is not a default.  Any
 * thread. */
gboolean hermod_config_is_default(HermodConfig *cfg, const char *section, const char *key);

const char *hermod_config_file(HermodConfig *cfg); /* transfer none */

/* The config in force, for code that does not get one passed in. */
HermodConfig *hermod_config_get_current(void);     /* transfer full (a ref) */
void hermod_config_set_current(HermodConfig *cfg); /* takes a ref */

G_END_DECLS

#endif
