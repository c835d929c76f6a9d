/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * hermod/setting.h - declarative settings tables.
 *
 * A module describes the keys of its config section as a table of
 * HermodSetting rows (name, type, default, limits), terminated by a row whose
 * key is NULL.  The core validates the module's section against that table
 * before any module code runs, so unknown keys and bad values are reported
 * with file, section and key by `hermodd --check-config`.  The same table
 * type describes the core's own sections.
 *
 * HermodSetting is frozen for the whole of ABI 1.x: no member is ever
 * appended to it, not even with a minor bump.  The core walks a module's
 * table row by row with its own sizeof (HermodSetting), and a table carries
 * no row size, so a longer row in a newer core would make it misread every
 * table of every older module.  Should settings ever need more (a validator
 * callback, say), that comes as a new row type with its own descriptor
 * member, appended in a minor bump; this struct stays as it is until ABI
 * 2.0.  The ABI gate enforces it: tests/abi/check-append-only refuses any
 * change to an array element type.  New setting types may still be
 * appended to HermodSettingType (a module using one needs a core of that
 * minor, which the loader ensures).
 */
#ifndef HERMOD_SETTING_H
#define HERMOD_SETTING_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    HERMOD_SETTING_STRING = 1, /* any UTF-8 text */
    HERMOD_SETTING_INT,        /* integer within [min, max] */
    HERMOD_SETTING_BOOL,       /* yes/no, true/false, 1/0 */
    HERMOD_SETTING_SIZE,       /* bytes; suffixes K, M, G; within [min, max] */
    HERMOD_SETTING_DURATION,   /* seconds; suffixes s, m, h, d; within [min, max] */
    HERMOD_SETTING_LIST,       /* ';'-separated strings */
    HERMOD_SETTING_ENUM,       /* one of choices */
    HERMOD_SETTING_PORT,       /* 1..65535 */
    HERMOD_SETTING_PATH,       /* a file system path; relative to data_dir */
} HermodSettingType;

/* One row of a settings table.  Frozen in 1.x (see above). */
typedef struct {
    const char *key; /* NULL ends the table */
    HermodSettingType type;
    const char *default_value; /* as written in the file; NULL: no default */
    gint64 min;                /* INT, SIZE, DURATION; ignored if min == max */
    gint64 max;
    const char *const *choices; /* ENUM: NULL-terminated */
    const char *help;           /* one line, for the sample config and errors */
} HermodSetting;

G_END_DECLS

#endif
