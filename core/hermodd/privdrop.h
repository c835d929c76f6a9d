/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * privdrop.h - give up root after the listeners are bound.
 *
 * Started as root, hermodd (and hermodctl) run as [core] user, or as
 * "hermod" when user is empty and that account exists; with neither they
 * refuse to run, unless user = root says so explicitly.  Started as
 * another user they stay that user.
 */
#ifndef HERMOD_CORE_PRIVDROP_H
#define HERMOD_CORE_PRIVDROP_H

#include <glib.h>
#include <sys/types.h>
#include "config/config.h"

G_BEGIN_DECLS

#define HERMOD_PRIVDROP_ERROR (hermod_privdrop_error_quark())
GQuark hermod_privdrop_error_quark(void);

typedef struct {
    gboolean is_needed; /* started as root and not told to stay root */
    uid_t uid;
    gid_t gid;
    char *user; /* for messages */
} HermodPrivdrop;

/* Decide whom to run as, from [core] user and group.  Fails for an unknown
 * user or group, for uid/gid 0 other than by "user = root", and as root
 * with no user and no "hermod" account.  Call it early, before anything is
 * created.  Main thread.  Free out with hermod_privdrop_clear(). */
gboolean hermod_privdrop_prepare(HermodConfig *cfg, HermodPrivdrop *out, GError **error);
void hermod_privdrop_clear(HermodPrivdrop *p);

/* If p->is_needed: hand data_dir and the root-owned entries directly
 * below it (and one level further down) to the user, then setgroups,
 * setresgid, setresuid, PR_SET_NO_NEW_PRIVS, and check that root cannot
 * be regained.  Call before any thread is started.  Main thread. */
gboolean hermod_privdrop_apply(const HermodPrivdrop *p, const char *data_dir, GError **error);

G_END_DECLS

#endif
