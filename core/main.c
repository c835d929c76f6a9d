/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * main.c - hermodd, the daemon: parse options, then start-up in the order
 * DESIGN.md gives (config, listeners and logs, drop privileges, modules,
 * run).  Being filled in; this first version only parses options.
 */
#include "autoconfig.h"

#include <stdlib.h>

#include "log.h"

int
main(int argc, char **argv)
{
    g_autofree char *config_path = NULL;
    GOptionEntry entries[] = {
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "config file", "FILE"},
        {NULL}};
    g_autoptr(GOptionContext) ctx = g_option_context_new("- the Hermod mail server");
    g_autoptr(GError) error = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        g_printerr("hermodd: %s\n", error->message);
        return 2;
    }
    return 0;
}
