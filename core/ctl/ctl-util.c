/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl-util.c - usage and failure reporting for the hermodctl rows of the
 * directory and the store, so that every row answers the same way: exit 2
 * with a usage line for wrong arguments, exit 1 with the error's message
 * for a refusal or failure.
 */
#include "autoconfig.h"

#include <stdio.h>

#include "ctl/ctl-util.h"

int
hermod_ctl_usage(const char *noun, const char *verb, const char *args)
{
    fprintf(stderr, "hermodctl: usage: hermodctl %s %s %s\n", noun, verb, args);
    return 2;
}

int
hermod_ctl_report(GError *error)
{
    fprintf(stderr, "hermodctl: %s\n", error->message);
    g_error_free(error);
    return 1;
}
