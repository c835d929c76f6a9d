/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-id.c - ID (RFC 2971): the server's name and version.  What the
 * client says of itself is not kept.
 */
#include "autoconfig.h"

#include "session.h"

void
imap_cmd_id(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    /* The client's list is only logged-at-debug; we answer with our name. */
    imap_printf(s, "* ID (\"name\" \"Hermod\" \"version\" \"%s\")\r\n", PACKAGE_VERSION);
    imap_ok_after_command(s, cmd->tag, "ID completed");
}
