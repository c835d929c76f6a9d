/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-noop.c - NOOP (RFC 9051 6.1.2) and CHECK (RFC 3501 6.4.1; IMAP4rev2
 * dropped it): nothing but the untagged updates pending since the last
 * command, then OK.
 */
#include "autoconfig.h"

#include "session.h"

void
imap_cmd_noop(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    imap_ok_after_command(s, cmd->tag, "NOOP completed");
}

void
imap_cmd_check(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    imap_ok_after_command(s, cmd->tag, "CHECK completed");
}
