/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-idle.c - IDLE (RFC 2177, RFC 9051 6.3.13).
 *
 * IDLE answers "+ idling" and then reports changes as the store's watch
 * callback (set up at login) tells of them, within the same loop turn, until
 * the client sends DONE.
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
    imap_ok_after_command(s, tag, "IDLE terminated");
}
