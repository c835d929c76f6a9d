/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-copy.c - COPY and MOVE, with UID forms (RFC 9051 6.4.7, RFC 6851
 * 6.4.8), COPYUID (RFC 4315) and TRYCREATE for a missing mailbox.
 *
 * The store copies (or moves) on the work pool; MOVE's COPYUID goes out
 * untagged before the EXPUNGEs the selected view then reports (RFC 6851
 * 4.3).
 */
#include "autoconfig.h"

#include <string.h>

#include "msgop.h"

static void
copy_done(ImapSession *s, gpointer data)
{
    ImapMsgOp *op = data;
    if (!op->ok) {
        if (g_error_matches(op->error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MAILBOX))
            imap_tagged(s, op->tag, "NO", "TRYCREATE", "No such mailbox");
        else
            imap_reply_error(s, op->tag, op->error);
        imap_session_resume(s);
        return;
    }
    g_autofree char *code = NULL;
    if (op->out_a->len > 0) {
        g_autofree char *src =
            imap_seqset_from_sorted((const guint32 *)op->out_a->data, op->out_a->len);
        g_autofree char *dst =
            imap_seqset_from_sorted((const guint32 *)op->out_b->data, op->out_b->len);
        code = g_strdup_printf("COPYUID %u %s %s", op->out_uidvalidity, src, dst);
    }
    if (op->is_move && code != NULL) {
        /* RFC 6851 4.3: COPYUID goes untagged before the EXPUNGEs. */
        imap_printf(s, "* OK [%s] Moved\r\n", code);
        g_clear_pointer(&code, g_free);
    }
    imap_session_after_command(s, TRUE);
    imap_tagged(s, op->tag, "OK", code, op->is_move ? "MOVE completed" : "COPY completed");
    imap_session_resume(s);
}

void
imap_cmd_copy(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    gboolean is_move = strcmp(cmd->name, "MOVE") == 0;
    if (is_move && !imap_msgop_writable(s, cmd->tag))
        return;
    if (cmd->args->len != 2) {
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG", "COPY set mailbox");
        return;
    }
    g_autofree char *dest = imap_arg_mailbox(s, cmd->tag, imap_cmd_arg(cmd, 1));
    if (dest == NULL)
        return;
    GArray *uids = imap_arg_uids(s, cmd, 0, is_uid);
    if (uids == NULL)
        return;
    if (uids->len == 0) {
        g_array_unref(uids);
        imap_session_after_command(s, is_uid);
        imap_tagged(s, cmd->tag, "OK", NULL, "No messages matched");
        return;
    }
    ImapMsgOp *op = imap_msgop_new(s, cmd, IMAP_MSGOP_COPY);
    op->uids = uids;
    op->is_move = is_move;
    op->dest = g_steal_pointer(&dest);
    imap_session_work(s, imap_msgop_work, copy_done, op, imap_msgop_free);
}
