/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-expunge.c - EXPUNGE (RFC 9051 6.4.3) and UID EXPUNGE (RFC 4315
 * 2.1, only the \Deleted messages of a set).
 *
 * The store expunges on the work pool; the selected view then reports
 * the messages gone as EXPUNGE or VANISHED.
 */
#include "autoconfig.h"

#include "msgop.h"

static void
expunge_done(ImapSession *s, gpointer data)
{
    ImapMsgOp *op = data;
    if (!op->ok)
        imap_reply_error(s, op->tag, op->error);
    else
        imap_ok_after_command(s, op->tag, "EXPUNGE completed");
    imap_session_resume(s);
}

void
imap_cmd_expunge(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    if (!imap_msgop_writable(s, cmd->tag))
        return;
    ImapMsgOp *op = imap_msgop_new(s, cmd, IMAP_MSGOP_EXPUNGE);
    if (is_uid) {
        op->uids = imap_arg_uids(s, cmd, 0, TRUE);
        if (op->uids == NULL) {
            imap_msgop_free(op);
            return;
        }
        /* UID EXPUNGE removes only the \Deleted ones of the set (RFC 4315). */
        for (guint i = op->uids->len; i-- > 0;) {
            guint32 seq = imap_selected_seq(s->sel, g_array_index(op->uids, guint32, i));
            HermodMsgInfo *m = g_ptr_array_index(s->sel->msgs, seq - 1);
            if (!(m->flags & HERMOD_MAIL_FLAG_DELETED))
                g_array_remove_index(op->uids, i);
        }
        if (op->uids->len == 0) {
            imap_msgop_free(op);
            imap_ok_after_command(s, cmd->tag, "EXPUNGE completed");
            return;
        }
    }
    imap_session_work(s, imap_msgop_work, expunge_done, op, imap_msgop_free);
}
