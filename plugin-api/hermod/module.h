/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * hermod/module.h - the module descriptor, the one symbol a module exports.
 *
 * The core dlopens a module with G_MODULE_BIND_LOCAL, looks up the data
 * symbol HERMOD_MODULE_SYMBOL, and checks abi_major, abi_minor and
 * struct_size before it calls anything.  Declare it with HERMOD_MODULE:
 *
 *     HERMOD_MODULE() = {
 *         HERMOD_MODULE_HEADER,
 *         .name = "smtp", .version = PACKAGE_VERSION,
 *         .settings = smtp_settings, .init = smtp_init, .shutdown = smtp_stop,
 *     };
 */
#ifndef HERMOD_MODULE_H
#define HERMOD_MODULE_H

#include <glib.h>
#include <gmodule.h>
#include <hermod/setting.h>
#include <hermod/version.h>

G_BEGIN_DECLS

typedef struct HermodApi HermodApi;
typedef struct HermodModule HermodModule; /* opaque: the core's record of a loaded module */

#define HERMOD_MODULE_SYMBOL "hermod_module_descriptor"

typedef struct {
    guint32 abi_major;             /* HERMOD_ABI_MAJOR at build time */
    guint32 abi_minor;             /* HERMOD_ABI_MINOR at build time */
    guint32 struct_size;           /* sizeof (HermodModuleDescriptor) at build time */
    const char *name;              /* config section name, e.g. "smtp" */
    const char *version;           /* the module's own version string */
    const HermodSetting *settings; /* keys of [name]; nullable */
    /* Called once on the main thread after privileges are dropped.  The
     * module keeps api and self; both live until shutdown returns.  It
     * registers its protocols and hooks here.  FALSE with error set refuses
     * the start of the daemon. */
    gboolean (*init)(const HermodApi *api, HermodModule *self, GError **error);
    /* Called once on the main thread after every connection is closed. */
    void (*shutdown)(HermodModule *self);
    /* Called on the main thread after SIGHUP re-read the config; nullable. */
    void (*reload)(HermodModule *self);
} HermodModuleDescriptor;

#define HERMOD_MODULE_HEADER                                                                       \
    .abi_major = HERMOD_ABI_MAJOR, .abi_minor = HERMOD_ABI_MINOR,                                  \
    .struct_size = sizeof(HermodModuleDescriptor)

/* Declares the exported descriptor; the initializer follows:
 * HERMOD_MODULE() = { HERMOD_MODULE_HEADER, .name = ..., ... };
 *
 * The argument is optional and ignored.  ABI 1.0 wrote HERMOD_MODULE(smtp),
 * but that word never reached the core and need not match anything: a
 * module's name is .name, which the loader compares with the file name and
 * the config section before any module code runs, and which may hold a
 * '-' that no C identifier can.  HERMOD_MODULE(word) still compiles, so
 * modules written that way need no change; new code writes
 * HERMOD_MODULE(). */
#define HERMOD_MODULE(ignored) G_MODULE_EXPORT const HermodModuleDescriptor hermod_module_descriptor

G_END_DECLS

#endif
