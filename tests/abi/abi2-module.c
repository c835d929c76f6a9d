/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * abi2-module.c - modules whose descriptors the loader checks: all but one
 * must be refused.
 *
 * Built several times with different CLAIM_* macros: ABI 2.0 (a future
 * major), ABI 1.(minor+1) (a newer minor than the core), ABI 1.1 (an older
 * minor the loader must accept without running it), a descriptor whose
 * struct_size is too small, and one whose settings table has an ENUM row
 * without choices (CLAIM_BAD_SETTINGS).  Every entry point writes the file named
 * by $HERMOD_TEST_MARKER and aborts, so a test that sees neither knows that
 * no module code ran.
 */
#include "autoconfig.h"

#include <stdlib.h>

#include <hermod/hermod.h>

#ifndef CLAIM_MAJOR
#define CLAIM_MAJOR 2
#endif
#ifndef CLAIM_MINOR
#define CLAIM_MINOR 0
#endif
#ifndef CLAIM_SIZE
#define CLAIM_SIZE sizeof(HermodModuleDescriptor)
#endif
#ifndef CLAIM_NAME
#define CLAIM_NAME "abi2"
#endif

static void G_GNUC_NORETURN
ran(const char *what)
{
    const char *marker = g_getenv("HERMOD_TEST_MARKER");

    if (marker != NULL)
        g_file_set_contents(marker, what, -1, NULL);
    abort();
}

static gboolean
bad_init(const HermodApi *api, HermodModule *self, GError **error)
{
    ran("init");
}

static void
bad_shutdown(HermodModule *self)
{
    ran("shutdown");
}

static void
bad_reload(HermodModule *self)
{
    ran("reload");
}

#ifdef CLAIM_BAD_SETTINGS
static const HermodSetting bad_settings[] = {
    {"mode", HERMOD_SETTING_STRING, "a", 0, 0, NULL, "fine"},
    {"level", HERMOD_SETTING_ENUM, "high", 0, 0, NULL, "an ENUM without choices"},
    {NULL},
};
#define CLAIM_SETTINGS bad_settings
#else
#define CLAIM_SETTINGS NULL
#endif

/* With a word in the parentheses, as ABI 1.0 wrote it: still compiles. */
HERMOD_MODULE(bad) = {
    .abi_major = CLAIM_MAJOR,
    .abi_minor = CLAIM_MINOR,
    .struct_size = CLAIM_SIZE,
    .name = CLAIM_NAME,
    .version = "0",
    .settings = CLAIM_SETTINGS,
    .init = bad_init,
    .shutdown = bad_shutdown,
    .reload = bad_reload,
};
