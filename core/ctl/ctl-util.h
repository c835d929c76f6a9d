/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl-util.h - what the hermodctl rows of the directory and the store
 * (ctl-domain.c, ctl-user.c, ctl-alias.c, ctl-mail.c) share: how a usage
 * error and a failure are reported.
 */
#ifndef HERMOD_CORE_CTL_UTIL_H
#define HERMOD_CORE_CTL_UTIL_H

#include <glib.h>

G_BEGIN_DECLS

/* "hermodctl: usage: hermodctl NOUN VERB ARGS" on stderr; returns 2. */
int hermod_ctl_usage(const char *noun, const char *verb, const char *args);
/* "hermodctl: MESSAGE" on stderr, frees error (transfer full); returns 1. */
int hermod_ctl_report(GError *error);

G_END_DECLS

#endif
