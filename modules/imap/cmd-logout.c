/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-logout.c - LOGOUT (RFC 9051 6.1.3): BYE, the tagged OK, and the
 * connection closes once they are written.
 */
#include "autoconfig.h"

#include "session.h"

void
imap_cmd_logout(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    imap_printf(s, "* BYE Logging out\r\n");
    imap_tagged(s, cmd->tag, "OK", NULL, "LOGOUT completed");
    imap_flush(s);
    s->input = IMAP_IN_CLOSING;
    s->state = IMAP_STATE_LOGOUT;
    imap_api->conn_close(s->conn);
}
