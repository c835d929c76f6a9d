/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-idle.c - IDLE (RFC 2177, RFC 9051 6.3.13) and the quota commands
 * GETQUOTA and GETQUOTAROOT (RFC 9208, STORAGE in KiB).
 *
 * IDLE answers "+ idling" and then reports changes as the store's watch
 * callback (set up at login) tells of them, within the same loop turn, until
 * the client sends DONE.  Quota: the account has one quota root "".
 */
#include "autoconfig.h"

#include <string.h>

#include "session.h"

void
imap_cmd_idle(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    if (cmd->args->len != 0) {
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG", "IDLE takes no arguments");
        return;
    }
    g_free(s->wait_tag);
    s->wait_tag = g_strdup(cmd->tag);
    s->input = IMAP_IN_IDLE;
    imap_printf(s, "+ idling\r\n");
    imap_session_after_command(s, TRUE);
    imap_api->conn_set_timeout(s->conn, s->lim.idle_timeout);
}

void
imap_idle_changed(ImapSession *s)
{
    imap_session_after_command(s, TRUE);
    imap_flush(s);
}

void
imap_idle_line(ImapSession *s, const char *line, gsize len)
{
    g_autofree char *tag = g_steal_pointer(&s->wait_tag);
    g_autofree char *text = g_strndup(line, len);
    g_strchomp(text);
    s->input = IMAP_IN_COMMAND;
    imap_api->conn_set_timeout(s->conn, s->lim.timeout);
    if (g_ascii_strcasecmp(text, "DONE") != 0) {
        imap_tagged(s, tag, "BAD", "CLIENTBUG", "Expected DONE");
        return;
    }
    imap_session_after_command(s, TRUE);
    imap_tagged(s, tag, "OK", NULL, "IDLE terminated");
}

/* --- quota --- */

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
    imap_session_after_command(s, TRUE);
    imap_tagged(s, cmd->tag, "OK", NULL, "Completed");
}
