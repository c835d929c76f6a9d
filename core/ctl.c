/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl.c - hermodctl, the admin CLI: dispatches "hermodctl NOUN VERB ..." to
 * the command tables of each subsystem.  Being filled in.
 */
#include "autoconfig.h"

#include <stdio.h>

#include "ctl.h"

/* --- command tables, one block per noun (ctl-NOUN.c) */
/* cert (ctl-cert.c) */
extern const HermodCtlCommand hermod_ctl_cert_commands[];

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: hermodctl [-c FILE] NOUN VERB [ARGS]\n");
        return 2;
    }
    return 2;
}
