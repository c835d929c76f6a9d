/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * module.c - the module loader: find NAME.so, vet the file, check the
 * descriptor before any module code runs, then drive init/reload/shutdown.
 *
 * Order of the checks, each one a refusal with the file's path:
 *   1. the name is plain ([a-z0-9_-]+) and NAME.so exists in a module dir;
 *   2. the file and its folder belong to root or to us and are not writable
 *      by group or others (Postfix-style), so nobody else can swap them;
 *   3. dlopen (G_MODULE_BIND_LOCAL | G_MODULE_BIND_LAZY) and the data
 *      symbol HERMOD_MODULE_SYMBOL; dlopen runs ELF constructors, which no
 *      Hermod module has and which step 2 keeps foreign files from reaching;
 *   4. the descriptor's header: abi_major == ours, abi_minor <= ours; only
 *      these three leading guint32s are read before the versions match,
 *      because they are the one layout every ABI major shares;
 *   5. struct_size, name, entry points and the settings table.
 * Only then may the core call hermod_module_init().
 *
 * The record also owns the core's copies of what the module hands over by
 * struct_size (its descriptor, its protocols): the core reads only those
 * copies, zero-filled past the module's struct_size, so that a member a
 * later minor appends reads as NULL for an older module instead of as
 * whatever follows the module's struct in its memory.
 *
 * This file does not read the config or fill in the function table: the
 * caller passes the module dirs and the HermodApi (core/plugin/module-api.c).
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin/module.h"

/* The descriptor as ABI 1.0 defined it: every later minor appends. */
#define DESCRIPTOR_SIZE_1_0 (G_STRUCT_OFFSET(HermodModuleDescriptor, reload) + sizeof(gpointer))
/* A settings table longer than this is taken as unterminated. */
#define MAX_SETTINGS 256

struct HermodModule {
    GModule *gmodule;
    char *path;
    HermodModuleDescriptor desc; /* zero-filled copy of the module's own */
    GPtrArray *protocols;        /* HermodProtocol *: copies, see copy_protocol */
    gboolean is_initialized;
};

/* The quark name must stay one word. */
/* clang-format off */
G_DEFINE_QUARK(hermod-module-error-quark, hermod_module_error)
/* clang-format on */

static gboolean
is_plain_name(const char *s, gboolean allow_dash)
{
    if (s == NULL || *s == '\0')
        return FALSE;
    for (; *s != '\0'; s++) {
        if (!g_ascii_islower(*s) && !g_ascii_isdigit(*s) && *s != '_' && !(allow_dash && *s == '-'))
            return FALSE;
    }
    return TRUE;
}

/* (transfer full) the path of the module file, or NULL with error. */
static char *
find_file(const char *dir_or_path, const char *name, GError **error)
{
    g_autofree char *file = g_strconcat(name, ".so", NULL);
    g_auto(GStrv) dirs = NULL;

    if (dir_or_path == NULL)
        dir_or_path = HERMOD_MODULE_DIR;
    if (g_str_has_suffix(dir_or_path, ".so")) {
        if (g_file_test(dir_or_path, G_FILE_TEST_EXISTS))
            return g_strdup(dir_or_path);
        g_set_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_NOT_FOUND,
                    "%s: no such module file", dir_or_path);
        return NULL;
    }
    dirs = g_strsplit(dir_or_path, ";", -1);
    for (char **d = dirs; *d != NULL; d++) {
        g_autofree char *path = NULL;

        g_strstrip(*d);
        if (**d == '\0')
            continue;
        path = g_build_filename(*d, file, NULL);
        if (g_file_test(path, G_FILE_TEST_EXISTS))
            return g_steal_pointer(&path);
    }
    g_set_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_NOT_FOUND,
                "%s: not found in module dir %s", file, dir_or_path);
    return NULL;
}

/* Owned by root or by us, not writable by group or others. */
static gboolean
check_owner_mode(const char *path, const char *what, const char *real, GError **error)
{
    struct stat st;

    if (stat(real, &st) != 0) {
        int saved = errno;
        g_set_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_UNSAFE, "%s: %s %s: %s", path,
                    what, real, g_strerror(saved));
        return FALSE;
    }
    if (st.st_uid != 0 && st.st_uid != geteuid()) {
        g_set_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_UNSAFE,
                    "%s: refusing to load: %s %s is owned by uid %u, not root or uid %u", path,
                    what, real, (unsigned)st.st_uid, (unsigned)geteuid());
        return FALSE;
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        g_set_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_UNSAFE,
                    "%s: refusing to load: %s %s is writable by group or others (mode %04o)", path,
                    what, real, (unsigned)(st.st_mode & 07777));
        return FALSE;
    }
    return TRUE;
}

/* Check the file a symlink finally names and the folder that holds it. */
static gboolean
check_file(const char *path, GError **error)
{
    g_autofree char *real = realpath(path, NULL);
    g_autofree char *dir = NULL;

    if (real == NULL) {
        int saved = errno;
        g_set_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_NOT_FOUND, "%s: %s", path,
                    g_strerror(saved));
        return FALSE;
    }
    if (!g_file_test(real, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_UNSAFE,
                    "%s: refusing to load: not a regular file", path);
        return FALSE;
    }
    dir = g_path_get_dirname(real);
    return check_owner_mode(path, "file", real, error) &&
           check_owner_mode(path, "folder", dir, error);
}

/* Step 4: only the header that every ABI major shares is read. */
static gboolean
check_version(const char *path, const HermodModuleDescriptor *d, GError **error)
{
    if (d->abi_major == HERMOD_ABI_MAJOR && d->abi_minor <= HERMOD_ABI_MINOR)
        return TRUE;
    g_set_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_ABI,
                "%s: module built for ABI %u.%u, this hermodd has ABI %d.%d", path,
                (unsigned)d->abi_major, (unsigned)d->abi_minor, HERMOD_ABI_MAJOR, HERMOD_ABI_MINOR);
    return FALSE;
}

static gboolean
check_settings(const char *path, const HermodSetting *table, GError **error)
{
    const char *bad = NULL;
    int i;

    for (i = 0; table != NULL && i < MAX_SETTINGS && table[i].key != NULL; i++) {
        const HermodSetting *s = &table[i];

        if (!is_plain_name(s->key, FALSE))
            bad = "a key is not [a-z0-9_]+";
        else if (s->type < HERMOD_SETTING_STRING || s->type > HERMOD_SETTING_PATH)
            bad = "unknown setting type";
        else if (s->type == HERMOD_SETTING_ENUM && s->choices == NULL)
            bad = "an ENUM setting has no choices";
        if (bad != NULL)
            break;
    }
    if (bad == NULL && i == MAX_SETTINGS)
        bad = "settings table not terminated by a NULL key";
    if (bad == NULL)
        return TRUE;
    g_set_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_DESCRIPTOR,
                "%s: bad descriptor: %s (row %d)", path, bad, i);
    return FALSE;
}

/* Step 5, once the versions match. */
static gboolean
check_descriptor(const char *path, const HermodModuleDescriptor *d, const char *name,
                 GError **error)
{
    const char *bad = NULL;

    if (d->struct_size < DESCRIPTOR_SIZE_1_0 || d->struct_size > sizeof(HermodModuleDescriptor))
        bad = "struct_size does not match its ABI version";
    else if (d->name == NULL || d->version == NULL)
        bad = "name or version missing";
    else if (d->init == NULL || d->shutdown == NULL)
        bad = "init or shutdown missing";
    if (bad != NULL) {
        g_set_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_DESCRIPTOR,
                    "%s: bad descriptor: %s", path, bad);
        return FALSE;
    }
    if (strcmp(d->name, name) != 0) {
        g_set_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_DESCRIPTOR,
                    "%s: module calls itself \"%.64s\", expected \"%s\"", path, d->name, name);
        return FALSE;
    }
    return check_settings(path, d->settings, error);
}

/* Steps 3 to 5 on mod->path; fills mod->gmodule and mod->desc. */
static gboolean
load(HermodModule *mod, const char *name, GError **error)
{
    gpointer sym = NULL;
    const HermodModuleDescriptor *d;

    mod->gmodule = g_module_open(mod->path, G_MODULE_BIND_LOCAL | G_MODULE_BIND_LAZY);
    if (mod->gmodule == NULL) {
        g_set_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_LOAD, "%s: %s", mod->path,
                    g_module_error());
        return FALSE;
    }
    if (!g_module_symbol(mod->gmodule, HERMOD_MODULE_SYMBOL, &sym) || sym == NULL) {
        g_set_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_LOAD,
                    "%s: not a Hermod module (no symbol %s)", mod->path, HERMOD_MODULE_SYMBOL);
        return FALSE;
    }
    d = sym;
    if (!check_version(mod->path, d, error) || !check_descriptor(mod->path, d, name, error))
        return FALSE;
    memcpy(&mod->desc, d, d->struct_size);
    return TRUE;
}

HermodModule *
hermod_module_open(const char *dir_or_path, const char *name, GError **error)
{
    g_autoptr(HermodModule) mod = NULL;
    char *path;

    g_return_val_if_fail(error == NULL || *error == NULL, NULL);
    if (!is_plain_name(name, TRUE)) {
        g_set_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_NOT_FOUND,
                    "module name \"%s\" is not [a-z0-9_-]+", name ? name : "");
        return NULL;
    }
    path = find_file(dir_or_path, name, error);
    if (path == NULL)
        return NULL;
    mod = g_new0(HermodModule, 1);
    mod->path = path;
    if (!check_file(mod->path, error) || !load(mod, name, error))
        return NULL;
    return g_steal_pointer(&mod);
}

const HermodModuleDescriptor *
hermod_module_descriptor(HermodModule *mod)
{
    return &mod->desc;
}

const HermodSetting *
hermod_module_settings(HermodModule *mod)
{
    return mod->desc.settings;
}

const char *
hermod_module_name(HermodModule *mod)
{
    return mod->desc.name;
}

const char *
hermod_module_path(HermodModule *mod)
{
    return mod->path;
}

gboolean
hermod_module_is_initialized(HermodModule *mod)
{
    return mod->is_initialized;
}

gboolean
hermod_module_init(HermodModule *mod, const HermodApi *api, GError **error)
{
    g_autoptr(GError) local = NULL;

    g_return_val_if_fail(mod->gmodule != NULL && !mod->is_initialized, FALSE);
    /* From here on the module's code has run: never unload it. */
    g_module_make_resident(mod->gmodule);
    if (mod->desc.init(api, mod, &local)) {
        mod->is_initialized = TRUE;
        return TRUE;
    }
    if (local == NULL) {
        g_set_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_INIT,
                    "%s: init failed without saying why", mod->path);
        return FALSE;
    }
    g_prefix_error(&local, "%s: ", mod->path);
    g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
}

void
hermod_module_reload(HermodModule *mod)
{
    if (mod->is_initialized && mod->desc.reload != NULL)
        mod->desc.reload(mod);
}

void
hermod_module_shutdown(HermodModule *mod)
{
    if (!mod->is_initialized)
        return;
    mod->is_initialized = FALSE;
    mod->desc.shutdown(mod);
}

const HermodProtocol *
hermod_module_copy_protocol(HermodModule *mod, const HermodProtocol *proto)
{
    HermodProtocol *copy = g_new0(HermodProtocol, 1);
    gsize n = MIN((gsize)proto->struct_size, sizeof(HermodProtocol));

    memcpy(copy, proto, n);
    copy->struct_size = (guint32)n;
    if (mod->protocols == NULL)
        mod->protocols = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(mod->protocols, copy);
    return copy;
}

void
hermod_module_close(HermodModule *mod)
{
    if (mod == NULL)
        return;
    hermod_module_shutdown(mod);
    if (mod->gmodule != NULL)
        g_module_close(mod->gmodule);
    g_clear_pointer(&mod->protocols, g_ptr_array_unref);
    g_free(mod->path);
    g_free(mod);
}
