/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl-domain.c - "hermodctl domain add|del|list": the local domains.
 *
 * A domain must exist before accounts or aliases can be made in it; it can
 * only be deleted once it has no accounts left (its aliases go with it).
 * The rules live in directory.c; these rows only call it and print.
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

    if (argc != 2)
        return hermod_ctl_usage("domain", "add", "DOMAIN");
    if (!hermod_directory_domain_add(argv[1], &error))
        return hermod_ctl_report(error);
    printf("domain %s added\n", argv[1]);
    return 0;
}

static int
cmd_del(HermodConfig *cfg, int argc, char **argv)
{
    GError *error = NULL;

    if (argc != 2)
        return hermod_ctl_usage("domain", "del", "DOMAIN");
    if (!hermod_directory_domain_del(argv[1], &error))
        return hermod_ctl_report(error);
    printf("domain %s deleted\n", argv[1]);
    return 0;
}

static int
cmd_list(HermodConfig *cfg, int argc, char **argv)
{
    GError *error = NULL;
    g_autoptr(GPtrArray) domains = NULL;

    if (argc != 1)
        return hermod_ctl_usage("domain", "list", "");
    domains = hermod_directory_domain_list(&error);
    if (domains == NULL)
        return hermod_ctl_report(error);
    for (guint i = 0; i < domains->len; i++)
        printf("%s\n", (const char *)domains->pdata[i]);
    return 0;
}

const HermodCtlCommand hermod_ctl_domain_commands[] = {
    {"domain", "add", "DOMAIN", "make DOMAIN local (mail for it is delivered here)", cmd_add},
    {"domain", "del", "DOMAIN", "stop serving DOMAIN (it must have no accounts)", cmd_del},
    {"domain", "list", "", "list the local domains", cmd_list},
    {NULL, NULL, NULL, NULL, NULL},
};
