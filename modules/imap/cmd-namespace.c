/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-namespace.c - NAMESPACE (RFC 2342, RFC 9051 6.3.10): one personal
 * namespace, "" with the delimiter "/"; no shared or other users'
 * namespaces.
 */
#include "autoconfig.h"

#include "session.h"

void
imap_cmd_namespace(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    imap_printf(s, "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n");
    imap_ok_after_command(s, cmd->tag, "NAMESPACE completed");
}
