/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * settings-dump.h - every settings table as tab-separated lines, for the
 * generator of hermod.conf(5) (man/gen-man.py) and anything else that
 * must list what --check-config knows.
 */
#ifndef HERMOD_CORE_SETTINGS_DUMP_H
#define HERMOD_CORE_SETTINGS_DUMP_H

#include <stdio.h>
#include <glib.h>

G_BEGIN_DECLS

/* Write one line per key of every core section (hermod_core_sections, in
 * order) and of every module in mods (element HermodModule, in order):
 * SECTION KIND KEY TYPE DEFAULT MIN MAX CHOICES HELP, tab-separated, KIND
 * one of fixed, named, free, module; DEFAULT "-" for none, MIN and MAX
 * empty when the row has no range, CHOICES '|'-separated.  A free-key
 * section has one line with KEY "*".  FALSE if out failed.  Main thread. */
gboolean hermod_settings_dump(FILE *out, GPtrArray *mods);

G_END_DECLS

#endif
