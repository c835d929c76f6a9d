/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-starttls.c - STARTTLS (RFC 9051 6.2.1): the OK goes out in clear,
 * then the core starts TLS and drops whatever the client pipelined after
 * the command (no injection into the encrypted session).  Refused when TLS
 * already runs or the listener has none to offer.
 */
#include "autoconfig.h"

#include "session.h"

void
imap_cmd_starttls(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    if (imap_api->conn_is_tls(s->conn)) {
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG", "TLS is already active");
        return;
    }
    if (!imap_api->conn_may_start_tls(s->conn)) {
        imap_tagged(s, cmd->tag, "BAD", NULL, "STARTTLS is not available here");
        return;
    }
    imap_tagged(s, cmd->tag, "OK", NULL, "Begin TLS negotiation now");
    imap_flush(s);
    s->input = IMAP_IN_WAIT;
    imap_api->conn_start_tls(s->conn);
}
