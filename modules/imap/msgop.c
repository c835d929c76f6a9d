/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * msgop.c - the message-changing commands' job (msgop.h): building and
 * freeing it, and the blocking store call each kind makes on the work
 * pool (append, update_flags, copy, expunge).
 *
 * It writes no replies; each command's file answers from its completion.
 */
#include "autoconfig.h"

#include "msgop.h"

void
imap_msgop_free(gpointer data)
{
    ImapMsgOp *op = data;
    g_free(op->tag);
    g_free(op->mailbox);
    g_free(op->dest);
    g_clear_pointer(&op->uids, g_array_unref);
    g_clear_pointer(&op->data, g_bytes_unref);
    g_strfreev(op->keywords);
    g_clear_pointer(&op->out_a, g_array_unref);
    g_clear_pointer(&op->out_b, g_array_unref);
    g_clear_error(&op->error);
    g_free(op);
}

ImapMsgOp *
imap_msgop_new(ImapSession *s, ImapCommand *cmd, ImapMsgOpKind kind)
{
    ImapMsgOp *op = g_new0(ImapMsgOp, 1);
    op->kind = kind;
    op->store = s->store;
    op->tag = g_strdup(cmd->tag);
    op->mailbox = s->sel != NULL ? g_strdup(s->sel->name) : NULL;
    op->out_a = g_array_new(FALSE, FALSE, sizeof(guint32));
    op->out_b = g_array_new(FALSE, FALSE, sizeof(guint32));
    return op;
}

void
imap_msgop_work(gpointer data)
{
    ImapMsgOp *op = data;
    const HermodMailApi *m = imap_mail;
    const guint32 *uids = op->uids != NULL ? (const guint32 *)op->uids->data : NULL;
    gsize n = op->uids != NULL ? op->uids->len : 0;
    switch (op->kind) {
    case IMAP_MSGOP_APPEND:
        op->ok =
            m->append(op->store, op->dest, op->data, op->flags, (const char *const *)op->keywords,
                      op->date, &op->out_uid, &op->out_uidvalidity, &op->error);
        break;
    case IMAP_MSGOP_STORE:
        op->ok = m->update_flags(op->store, op->mailbox, uids, n, op->op, op->flags,
                                 (const char *const *)op->keywords, op->unchangedsince, op->out_a,
                                 &op->error);
        break;
    case IMAP_MSGOP_COPY:
        op->ok = m->copy(op->store, op->mailbox, uids, n, op->dest, op->is_move, op->out_a,
                         op->out_b, &op->out_uidvalidity, &op->error);
        break;
    case IMAP_MSGOP_EXPUNGE:
    case IMAP_MSGOP_CLOSE: {
        GArray *gone = m->expunge(op->store, op->mailbox, uids, n, &op->error);
        op->ok = gone != NULL;
        if (gone != NULL)
            g_array_unref(gone);
        break;
    }
    }
}

gboolean
imap_msgop_writable(ImapSession *s, const char *tag)
{
    if (!s->sel->is_readonly)
        return TRUE;
    imap_tagged(s, tag, "NO", "READ-ONLY", "Mailbox is read-only");
    return FALSE;
}
