/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-compress.c - COMPRESS DEFLATE (RFC 4978) in the authenticated and
 * selected states.
 *
 * This file only answers the command: an unknown mechanism is BAD, a second
 * COMPRESS is NO [COMPRESSIONACTIVE], and DEFLATE is OK.  The compression
 * itself is the core's (conn_start_deflate), which compresses everything
 * written after the call and inflates everything the client sent after the
 * command line.  The tagged OK must therefore be in the core's hands, plain,
 * before DEFLATE starts: if the session's output queue could not drain into
 * the core at once, input waits and DEFLATE starts when it has drained.
 */
#include "autoconfig.h"

#include "session.h"

/* The OK is with the core: start DEFLATE.  After an OK there is no way
 * back: if the core refuses, the client's next bytes are unreadable. */
static void
start(ImapSession *s)
{
    if (!imap_api->conn_start_deflate(s->conn)) {
        imap_api->log(HERMOD_LOG_WARNING, imap_api->conn_session(s->conn),
                      "COMPRESS: the core could not start DEFLATE; closing");
        s->input = IMAP_IN_CLOSING;
        imap_api->conn_close(s->conn);
    }
}

static void
start_drained(ImapSession *s, gpointer data)
{
    start(s);
    imap_session_resume(s);
}

void
imap_cmd_compress(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    ImapArg *mech = cmd->args->len == 1 ? g_ptr_array_index(cmd->args, 0) : NULL;

    if (mech == NULL || mech->type != IMAP_ARG_ATOM) {
        imap_tagged(s, cmd->tag, "BAD", NULL, "Syntax: COMPRESS mechanism");
        return;
    }
    if (!imap_arg_atom_is(mech, "DEFLATE")) {
        imap_tagged(s, cmd->tag, "BAD", NULL, "Unknown compression mechanism");
        return;
    }
    if (imap_api->conn_is_deflate(s->conn)) {
        imap_tagged(s, cmd->tag, "NO", "COMPRESSIONACTIVE", "DEFLATE is already active");
        return;
    }
    imap_tagged(s, cmd->tag, "OK", NULL, "DEFLATE active");
    imap_flush(s);
    if (imap_output_queued(s) == 0) {
        start(s);
        return;
    }
    s->input = IMAP_IN_WAIT;
    imap_api->conn_pause(s->conn);
    s->on_drained = start_drained;
}
