/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * module.c - the imsem module's whole surface: descriptor, settings,
 * init, shutdown.
 *
 * Scripts and programs send instant messages by dropping semaphore files
 * (MDaemon's format, sem-parse.c) into [imsem] drop_dir; drop.c watches
 * the folder and claims unlocked files, process.c delivers them through
 * the core's IM hub (HermodApi.im, ABI 1.8) or sets them aside in bad/
 * with a reason.  Needs a 1.8 core.
 */
#include "autoconfig.h"

#include <string.h>

#include "imsem.h"

const HermodApi *imsem_api;
HermodModule *imsem_module;
ImsemFolders imsem_folders;

static const HermodSetting imsem_settings[] = {
    {"drop_dir", HERMOD_SETTING_PATH, "im/drop", 0, 0, NULL,
     "the drop folder for IM-*.SEM files (relative to data_dir)"},
    {"group", HERMOD_SETTING_STRING, "", 0, 0, NULL,
     "a group whose members may drop files (the folder becomes group-writable); empty: none"},
    {"max_size", HERMOD_SETTING_SIZE, "64K", 64, 256 * 1024, NULL,
     "largest SEM file; a larger one is set aside"},
    {"scan_interval", HERMOD_SETTING_DURATION, "10s", 1, 3600, NULL,
     "how often the folder is scanned besides inotify (missed events, retries)"},
    {"bad_name_delay", HERMOD_SETTING_DURATION, "30s", 0, 86400, NULL,
     "how old a file with a wrong name must be before it is set aside"},
    {"threads", HERMOD_SETTING_INT, "2", 1, 16, NULL, "files delivered in parallel"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static void
folders_clear(void)
{
    g_clear_pointer(&imsem_folders.drop_dir, g_free);
    g_clear_pointer(&imsem_folders.processing_dir, g_free);
    g_clear_pointer(&imsem_folders.bad_dir, g_free);
}

static gboolean
imsem_init(const HermodApi *api, HermodModule *self, GError **error)
{
    const char *dir;

    if (!HERMOD_API_HAS(api, im) || api->im == NULL) {
        g_set_error(error, g_quark_from_static_string("imsem-error"), 0,
                    "imsem needs the IM hub of ABI 1.8; this core offers %u.%u", api->abi_major,
                    api->abi_minor);
        return FALSE;
    }
    imsem_api = api;
    imsem_module = self;
    dir = api->setting_string(self, "drop_dir");
    if (dir == NULL || *dir == '\0') {
        g_set_error(error, g_quark_from_static_string("imsem-error"), 0,
                    "[imsem] drop_dir must name a folder");
        return FALSE;
    }
    imsem_folders.drop_dir = g_strdup(dir);
    imsem_folders.processing_dir = g_build_filename(dir, "processing", NULL);
    imsem_folders.bad_dir = g_build_filename(dir, "bad", NULL);
    imsem_folders.max_size = (gsize)api->setting_int(self, "max_size");
    imsem_folders.bad_name_delay = api->setting_int(self, "bad_name_delay");
    imsem_process_start((guint)api->setting_int(self, "threads"));
    if (!imsem_drop_start(api->setting_string(self, "group"),
                          (guint)api->setting_int(self, "scan_interval"), error)) {
        imsem_process_stop();
        folders_clear();
        return FALSE;
    }
    api->log(HERMOD_LOG_INFO, NULL, "imsem: watching %s", dir);
    return TRUE;
}

static void
imsem_shutdown(HermodModule *self)
{
    imsem_drop_stop();
    imsem_process_stop();
    folders_clear();
    imsem_module = NULL;
}

HERMOD_MODULE() = {
    HERMOD_MODULE_HEADER,       .name = "imsem",    .version = PACKAGE_VERSION,
    .settings = imsem_settings, .init = imsem_init, .shutdown = imsem_shutdown,
};
