/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl.c - hermodctl, the admin CLI: dispatches "hermodctl NOUN VERB ..." to
 * the command tables of each subsystem.  Being filled in.
 */
#include "autoconfig.h"

#include <stdio.h>

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: hermodctl [-c FILE] NOUN VERB [ARGS]\n");
        return 2;
    }
    return 2;
}
