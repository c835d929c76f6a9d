/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * old-module.c - a module built against the frozen ABI 1.0 headers only.
 *
 * It is compiled with -I tests/abi/frozen-1.0 and never sees the current
 * plugin-api/ headers, so it stands for a binary module shipped when ABI 1.0
 * was current.  The ABI tests load it with today's loader and call it
 * through today's HermodApi: if a public struct changed layout, its greeting
 * or echo comes out wrong.  Protocol "old": greets with the "banner"
 * setting, answers each line with "echo: LINE", closes on "BYE".
 */
#include "autoconfig.h"

#include <string.h>

#include <hermod/hermod.h>

#if HERMOD_ABI_MAJOR != 1 || HERMOD_ABI_MINOR != 0
#error "old-module.c must be built against the frozen 1.0 headers"
#endif

/* Quarks made from module strings are safe: the core never unloads a
 * module once its init ran. */
#define OLD_ERROR (g_quark_from_static_string("old-module-error"))

static const HermodApi *api;
static HermodModule *self_module;

static void
old_on_connect(HermodConn *conn)
{
    api->conn_printf(conn, "* %s %s\r\n", api->hostname(),
                     api->setting_string(self_module, "banner"));
}

static void
old_on_line(HermodConn *conn, const char *line, gsize len, gboolean is_partial)
{
    if (len >= 3 && memcmp(line, "BYE", 3) == 0) {
        api->conn_write(conn, "* bye\r\n", 7);
        api->conn_close(conn);
        return;
    }
    api->conn_write(conn, "echo: ", 6);
    api->conn_write(conn, line, len);
}

static void
old_on_close(HermodConn *conn)
{
}

static const HermodProtocol old_protocol = {
    .struct_size = sizeof(HermodProtocol),
    .on_connect = old_on_connect,
    .on_line = old_on_line,
    .on_close = old_on_close,
};

static const HermodSetting old_settings[] = {
    {"banner", HERMOD_SETTING_STRING, "frozen 1.0 ready", 0, 0, NULL, "greeting text"},
    {"repeat", HERMOD_SETTING_INT, "1", 1, 10, NULL, "unused; shows an INT row"},
    {NULL},
};

static gboolean
old_init(const HermodApi *core, HermodModule *self, GError **error)
{
    if (!HERMOD_API_HAS(core, register_protocol) || !HERMOD_API_HAS(core, conn_close)) {
        g_set_error(error, OLD_ERROR, 1, "core function table too small (%u bytes)",
                    (unsigned)core->struct_size);
        return FALSE;
    }
    api = core;
    self_module = self;
    api->log(HERMOD_LOG_INFO, NULL, "old module: built for ABI %d.%d, core has %u.%u",
             HERMOD_ABI_MAJOR, HERMOD_ABI_MINOR, (unsigned)api->abi_major,
             (unsigned)api->abi_minor);
    return api->register_protocol(self, "old", &old_protocol, error);
}

static void
old_shutdown(HermodModule *self)
{
    api->log(HERMOD_LOG_INFO, NULL, "old module: shutdown");
    api = NULL;
}

HERMOD_MODULE(old) = {
    HERMOD_MODULE_HEADER,     .name = "old-module", .version = "1.0",
    .settings = old_settings, .init = old_init,     .shutdown = old_shutdown,
};
