/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * module.h - the module loader: find, vet, load and drive one module.
 *
 * hermod_module_open() finds NAME.so, checks the file's owner and mode the
 * way Postfix does, dlopens it with G_MODULE_BIND_LOCAL | G_MODULE_BIND_LAZY,
 * reads the data symbol HERMOD_MODULE_SYMBOL and checks the descriptor (ABI
 * major and minor, struct_size, name, entry points) before any Hermod entry
 * point of the module runs.  dlopen itself runs the file's ELF constructors;
 * no Hermod module has any, and the owner/mode check is what keeps a foreign
 * file from reaching that point.
 *
 * HermodModule is opaque to modules (hermod/module.h); the core reaches its
 * parts through the accessors below.  Everything here runs on the main
 * thread except the accessors, which are safe from any thread once the
 * module is open.
 */
#ifndef HERMOD_CORE_MODULE_H
#define HERMOD_CORE_MODULE_H

#include <glib.h>
#include <hermod/hermod.h>

G_BEGIN_DECLS

#define HERMOD_MODULE_ERROR (hermod_module_error_quark())
GQuark hermod_module_error_quark(void);
typedef enum {
    HERMOD_MODULE_ERROR_NOT_FOUND,  /* no NAME.so in any module dir, or a bad name */
    HERMOD_MODULE_ERROR_UNSAFE,     /* wrong owner, or writable by group/other */
    HERMOD_MODULE_ERROR_LOAD,       /* dlopen failed or no descriptor symbol */
    HERMOD_MODULE_ERROR_ABI,        /* built for an ABI this core cannot run */
    HERMOD_MODULE_ERROR_DESCRIPTOR, /* descriptor malformed or names another module */
    HERMOD_MODULE_ERROR_INIT,       /* the module's init refused to start */
} HermodModuleError;

/* Find and load module name.  dir_or_path is either the path of a .so file
 * (it ends in ".so"), or a ';'-separated list of folders searched in order
 * for "NAME.so" ([core] module_dir), or NULL for HERMOD_MODULE_DIR.  name
 * must be [a-z0-9_-]+ and equal the descriptor's name.
 *
 * The file and the folder holding it must be owned by root or by the
 * effective user and must not be writable by group or others.  The module
 * is loaded but not initialised.  Every error message starts with the
 * file's path and an ABI refusal names both versions:
 * "modules/bad.so: module built for ABI 2.0, this hermodd has ABI 1.0".
 * Main thread.  (transfer full) */
HermodModule *hermod_module_open(const char *dir_or_path, const char *name, GError **error);

/* The module's descriptor, a zero-filled copy of the module's own (members
 * appended after the module's ABI minor read as 0/NULL).  transfer none,
 * valid until hermod_module_close. */
const HermodModuleDescriptor *hermod_module_descriptor(HermodModule *mod);
/* The descriptor's settings table (NULL-key terminated), or NULL. */
const HermodSetting *hermod_module_settings(HermodModule *mod);
/* The module's name, which is also its config section; transfer none. */
const char *hermod_module_name(HermodModule *mod);
/* The file it was loaded from, as found; transfer none. */
const char *hermod_module_path(HermodModule *mod);
gboolean hermod_module_is_initialized(HermodModule *mod);

/* Run the module's init with api (which must outlive the module).  FALSE
 * with error (prefixed with the file's path) if init refused.  A module
 * that was initialised is never unloaded again: its code may have left
 * pointers (quarks, static strings, GSources) in the process.  Main thread,
 * after privileges are dropped, at most once. */
gboolean hermod_module_init(HermodModule *mod, const HermodApi *api, GError **error);
/* Run the module's reload callback, if it has one and init succeeded.
 * Main thread, after the new config is in force. */
void hermod_module_reload(HermodModule *mod);
/* Run the module's shutdown once, if init succeeded.  Main thread, after
 * every connection is closed. */
void hermod_module_shutdown(HermodModule *mod);
/* The core's own copy of a protocol the module registers: the first
 * MIN(proto->struct_size, sizeof (HermodProtocol)) bytes of proto, the
 * rest zero, so callbacks a shorter (older) struct lacks read as NULL; its
 * struct_size says how many bytes came from the module.  Nothing past
 * proto->struct_size is read, and the module's struct is not referred to
 * afterwards.  (transfer none) owned by mod, valid until
 * hermod_module_close, which runs after every connection is gone.  Main
 * thread (from the module's init). */
const HermodProtocol *hermod_module_copy_protocol(HermodModule *mod, const HermodProtocol *proto);
/* Shut the module down if still initialised, unload it if it never was,
 * free the record and its protocol copies.  mod is nullable.  Main
 * thread, after every connection using its protocols has closed. */
void hermod_module_close(HermodModule *mod);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermodModule, hermod_module_close)

G_END_DECLS

#endif
