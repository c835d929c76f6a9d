/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * settings.h - the registry of the core's settings tables.
 *
 * Each subsystem owns the table of the section it reads (tls.c owns [tls],
 * auth.c owns [auth], ...); settings.c only lists them, so that config.c
 * can validate every core section without knowing any subsystem.
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

/* NULL-name-terminated. */
extern const HermodSection hermod_core_sections[];

G_END_DECLS

#endif
