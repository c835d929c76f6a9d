/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-close.c - CLOSE (RFC 9051 6.4.1) and UNSELECT (RFC 3691, RFC 9051
 * 6.4.2): leave the selected state.
 *
 * CLOSE first expunges the \Deleted messages silently, on the work pool
 * (not in a read-only mailbox); UNSELECT never does.
 */
#include "autoconfig.h"

#include <string.h>

#include "msgop.h"

static void
close_done(ImapSession *s, gpointer data)
{
    ImapMsgOp *op = data;
    if (!op->ok) {
        imap_reply_error(s, op->tag, op->error);
    } else {
        g_clear_pointer(&s->sel, imap_selected_free);
        s->state = IMAP_STATE_AUTH;
        imap_tagged(s, op->tag, "OK", NULL, "CLOSE completed");
    }
    imap_session_resume(s);
}

void
imap_cmd_close(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    gboolean is_unselect = strcmp(cmd->name, "UNSELECT") == 0;
    if (is_unselect || s->sel->is_readonly) {
        g_clear_pointer(&s->sel, imap_selected_free);
        s->state = IMAP_STATE_AUTH;
        imap_tagged(s, cmd->tag, "OK", NULL,
                    is_unselect ? "UNSELECT completed" : "CLOSE completed");
        return;
    }
    /* CLOSE expunges silently (RFC 9051 6.4.1). */
    imap_session_work(s, imap_msgop_work, close_done, imap_msgop_new(s, cmd, IMAP_MSGOP_CLOSE),
                      imap_msgop_free);
}
