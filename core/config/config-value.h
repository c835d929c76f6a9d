/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * config-value.h - check and convert one setting's text (private to config.c).
 */
#ifndef HERMOD_CORE_CONFIG_VALUE_H
#define HERMOD_CORE_CONFIG_VALUE_H

#include <glib.h>
#include <hermod/setting.h>

G_BEGIN_DECLS

/* Check text against row.  On success *out_int (nullable) gets the number
 * for INT, SIZE (bytes), DURATION (seconds), PORT and BOOL (0/1), 0 for the
 * other types, and *out_choice (nullable) the matching choice of an ENUM
 * (choices match case-insensitively; transfer none), else NULL.  On failure
 * *out_reason gets a sentence without file, section and key, such as
 * "70000 is not a port (1-65535)" (transfer full). */
gboolean hermod_config_value_parse(const HermodSetting *row, const char *text, gint64 *out_int,
                                   const char **out_choice, char **out_reason);

/* Split a LIST value at ';', trimming blanks and dropping empty items.
 * (transfer full) */
char **hermod_config_value_split(const char *text);

/* Whether two texts of row mean the same value: "10m" and "600s", "yes"
 * and "true", "a; b" and "a;b".  NULL equals only NULL; a text that does
 * not parse is compared as written. */
gboolean hermod_config_value_equal(const HermodSetting *row, const char *a, const char *b);

G_END_DECLS

#endif
