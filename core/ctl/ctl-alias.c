/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl-alias.c - "hermodctl alias add|del|list": addresses that forward.
 *
 * ALIAS is an address of a local domain, or "@domain" for a domain alias
 * (TARGET "@other.domain" maps every local part, a plain address catches
 * all).  An alias may have several targets, local or remote: add it once
 * per target.  The rules live in directory-alias.c; these rows only call
 * it and print.
 */
#include "autoconfig.h"

#include <stdio.h>

#include "ctl/ctl-util.h"
#include "ctl/ctl.h"
#include "directory/directory.h"

static int
cmd_add(HermodConfig *cfg, int argc, char **argv)
{
    GError *error = NULL;

    if (argc != 3)
        return hermod_ctl_usage("alias", "add", "ALIAS TARGET");
    if (!hermod_directory_alias_add(argv[1], argv[2], &error))
        return hermod_ctl_report(error);
    printf("alias %s -> %s added\n", argv[1], argv[2]);
    return 0;
}

static int
cmd_del(HermodConfig *cfg, int argc, char **argv)
{
    GError *error = NULL;

    if (argc != 2 && argc != 3)
        return hermod_ctl_usage("alias", "del", "ALIAS [TARGET]");
    if (!hermod_directory_alias_del(argv[1], argc == 3 ? argv[2] : NULL, &error))
        return hermod_ctl_report(error);
    printf("alias %s%s%s deleted\n", argv[1], argc == 3 ? " -> " : "", argc == 3 ? argv[2] : "");
    return 0;
}

static int
cmd_list(HermodConfig *cfg, int argc, char **argv)
{
    GError *error = NULL;
    g_autoptr(GPtrArray) rows = NULL;

    if (argc > 2)
        return hermod_ctl_usage("alias", "list", "[DOMAIN]");
    rows = hermod_directory_alias_list(argc == 2 ? argv[1] : NULL, &error);
    if (rows == NULL)
        return hermod_ctl_report(error);
    for (guint i = 0; i < rows->len; i++)
        printf("%s\n", (const char *)rows->pdata[i]);
    return 0;
}

const HermodCtlCommand hermod_ctl_alias_commands[] = {
    {"alias", "add", "ALIAS TARGET", "forward ALIAS (or @domain) to TARGET too", cmd_add},
    {"alias", "del", "ALIAS [TARGET]", "remove one target of ALIAS, or all of them", cmd_del},
    {"alias", "list", "[DOMAIN]", "list aliases as \"alias -> target\"", cmd_list},
    {NULL, NULL, NULL, NULL, NULL},
};
