/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-quota.c - GETQUOTA and GETQUOTAROOT (RFC 9208, STORAGE in KiB).
 *
 * The account has one quota root, "", holding every mailbox; an account
 * without a quota has no root (GETQUOTA "" answers NO [NONEXISTENT]).  The
 * usage is the store's (HermodMailApi.quota, a quick read).
 */
#include "autoconfig.h"

#include <string.h>

#include "session.h"

void
imap_cmd_getquota(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    gboolean is_root = strcmp(cmd->name, "GETQUOTAROOT") == 0;
    ImapArg *a = cmd->args->len == 1 ? g_ptr_array_index(cmd->args, 0) : NULL;
    if (!imap_require_store(s, cmd->tag))
        return;
    if (a == NULL || !imap_arg_is_astring(a)) {
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG", "Mailbox or quota root expected");
        return;
    }
    guint64 used = 0, limit = 0;
    g_autoptr(GError) error = NULL;
    g_autofree char *name = is_root ? imap_arg_mailbox(s, cmd->tag, a) : NULL;
    if (is_root && name == NULL)
        return;
    if (!is_root && *a->str != '\0') {
        imap_tagged(s, cmd->tag, "NO", "NONEXISTENT", "No such quota root");
        return;
    }
    if (!imap_mail->quota(s->store, &used, &limit, &error)) {
        imap_reply_error(s, cmd->tag, error);
        return;
    }
    if (is_root) {
        g_autofree char *q = imap_quote_mailbox(s, name);
        imap_printf(s, "* QUOTAROOT %s%s\r\n", q, limit > 0 ? " \"\"" : "");
    } else if (limit == 0) {
        imap_tagged(s, cmd->tag, "NO", "NONEXISTENT", "No quota on this account");
        return;
    }
    if (limit > 0)
        imap_printf(s, "* QUOTA \"\" (STORAGE %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT ")\r\n",
                    (used + 1023) / 1024, limit / 1024);
    imap_ok_after_command(s, cmd->tag, "Completed");
}
