/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl.h - hermodctl command tables.
 *
 * "hermodctl [-c FILE] NOUN VERB ARGS..." runs the row with that noun and
 * verb.  Each subsystem owns the rows of its noun in ctl-NOUN.c (cert,
 * domain, user, alias, mail, queue); ctl.c only dispatches and prints usage.
 */
#ifndef HERMOD_CORE_CTL_H
#define HERMOD_CORE_CTL_H

#include <glib.h>
#include "config/config.h"

G_BEGIN_DECLS

typedef struct {
    const char *noun; /* NULL ends a table */
    const char *verb;
    const char *usage; /* "ADDRESS [MAILBOX]" */
    const char *help;  /* one line */
    /* argv[0] is the verb; returns the exit status.  Errors go to stderr
     * as "hermodctl: ..." lines; exit 1 for failures, 2 for usage. */
    int (*run)(HermodConfig *cfg, int argc, char **argv);
} HermodCtlCommand;

/* Read a password from stdin (no echo on a terminal), without the
 * newline.  (transfer full) */
char *hermod_ctl_read_password(GError **error);

G_END_DECLS

#endif
