/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * settings.h - the kinds of core section config.c validates.
 *
 * Each subsystem owns the table of the section it reads (tls-load.c owns
 * [tls], auth.c owns [auth], ...); the program lists them
 * (core/hermodd/sections.c) and hands the list to config.c, so that
 * config/ validates every core section without knowing any subsystem
 * above it.
 */
#ifndef HERMOD_CORE_SETTINGS_H
#define HERMOD_CORE_SETTINGS_H

#include <hermod/setting.h>

G_BEGIN_DECLS

typedef enum {
    HERMOD_SECTION_FIXED, /* [name] */
    HERMOD_SECTION_NAMED, /* [name NAME], any number of them */
    HERMOD_SECTION_FREE,  /* [name] with free keys; validate checks each value */
} HermodSectionKind;

typedef struct {
    const char *name;
    HermodSectionKind kind;
    const HermodSetting *table; /* FIXED and NAMED */
    /* FREE: check one key/value; FALSE with a reason in *out_reason
     * (transfer full). */
    gboolean (*validate)(const char *key, const char *value, char **out_reason);
} HermodSection;

/* The sections hermod_config_load validates: NULL-name-terminated, static
 * storage (transfer none).  Set once, before the first load, from the main
 * thread; until then no core section is known and every one is refused. */
void hermod_config_set_sections(const HermodSection *sections);

G_END_DECLS

#endif
