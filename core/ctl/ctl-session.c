/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl-session.c - "hermodctl session list|revoke": the web sessions
 * (webmail, JMAP) kept in data_dir/web-sessions.db.
 *
 * A revoked session is gone at once: the running hermodd looks every
 * session up in the same file, so the next request with its cookie is
 * refused.  The rules live in core/web/web-session.c.
 */
#include "autoconfig.h"

#include <stdio.h>

#include "ctl/ctl-util.h"
#include "ctl/ctl.h"
#include "web/web.h"

static gboolean
open_sessions(HermodConfig *cfg, GError **error)
{
    g_autofree char *data_dir = hermod_config_path(cfg, "core", "data_dir");

    return hermod_web_sessions_open(data_dir, error);
}

static int
cmd_list(HermodConfig *cfg, int argc, char **argv)
{
    GError *error = NULL;
    g_autoptr(GPtrArray) lines = NULL;

    if (argc > 2)
        return hermod_ctl_usage("session", "list", "[ADDRESS]");
    if (!open_sessions(cfg, &error) ||
        (lines = hermod_web_sessions_list(argc == 2 ? argv[1] : NULL, &error)) == NULL)
        return hermod_ctl_report(error);
    for (guint i = 0; i < lines->len; i++)
        printf("%s\n", (const char *)lines->pdata[i]);
    return 0;
}

static int
cmd_revoke(HermodConfig *cfg, int argc, char **argv)
{
    GError *error = NULL;
    int n;

    if (argc != 2)
        return hermod_ctl_usage("session", "revoke", "ADDRESS|ID");
    if (!open_sessions(cfg, &error) || (n = hermod_web_sessions_revoke(argv[1], &error)) < 0)
        return hermod_ctl_report(error);
    printf("%d session(s) revoked\n", n);
    return n > 0 ? 0 : 1;
}

const HermodCtlCommand hermod_ctl_session_commands[] = {
    {"session", "list", "[ADDRESS]", "list the web sessions (of one account)", cmd_list},
    {"session", "revoke", "ADDRESS|ID", "end an account's web sessions, or one by id", cmd_revoke},
    {NULL, NULL, NULL, NULL, NULL},
};
