/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-status.c - STATUS (RFC 9051 6.3.11): a mailbox's counters without
 * selecting it (MESSAGES, UIDNEXT, UIDVALIDITY, UNSEEN, DELETED, SIZE,
 * HIGHESTMODSEQ, APPENDLIMIT; RECENT is always 0).
 *
 * imap_status_items also answers LIST's RETURN (STATUS ...) (cmd-list.c).
 */
#include "autoconfig.h"

#include "session.h"

/* "(MESSAGES 3 UIDNEXT 4)" for the requested items; NULL on an unknown one.
 * (transfer full) */
char *
imap_status_items(ImapSession *s, const HermodMailboxInfo *info, const ImapArg *items)
{
    GString *out = g_string_new("(");
    for (guint i = 0; i < items->list->len; i++) {
        ImapArg *it = g_ptr_array_index(items->list, i);
        const char *sep = out->len > 1 ? " " : "";
        guint64 v = 0;
        if (imap_arg_atom_is(it, "MESSAGES"))
            v = info->messages;
        else if (imap_arg_atom_is(it, "RECENT"))
            v = 0;
        else if (imap_arg_atom_is(it, "UIDNEXT"))
            v = info->uidnext;
        else if (imap_arg_atom_is(it, "UIDVALIDITY"))
            v = info->uidvalidity;
        else if (imap_arg_atom_is(it, "UNSEEN"))
            v = info->unseen;
        else if (imap_arg_atom_is(it, "DELETED"))
            v = info->deleted;
        else if (imap_arg_atom_is(it, "SIZE"))
            v = info->size;
        else if (imap_arg_atom_is(it, "HIGHESTMODSEQ"))
            v = info->highestmodseq;
        else if (imap_arg_atom_is(it, "APPENDLIMIT"))
            v = s->lim.max_message_size;
        else {
            g_string_free(out, TRUE);
            return NULL;
        }
        g_autofree char *word = g_ascii_strup(it->str, -1);
        g_string_append_printf(out, "%s%s %" G_GUINT64_FORMAT, sep, word, v);
    }
    g_string_append_c(out, ')');
    return g_string_free(out, FALSE);
}

void
imap_cmd_status(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    if (!imap_require_store(s, cmd->tag))
        return;
    g_autofree char *name = imap_arg_mailbox(s, cmd->tag, imap_cmd_arg(cmd, 0));
    if (name == NULL)
        return;
    ImapArg *items = imap_cmd_arg(cmd, 1);
    if (items == NULL || items->type != IMAP_ARG_LIST || cmd->args->len != 2) {
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG", "STATUS needs a list of items");
        return;
    }
    g_autoptr(GError) error = NULL;
    HermodMailboxInfo *info = imap_mail->mailbox_status(s->store, name, &error);
    if (info == NULL) {
        imap_reply_error(s, cmd->tag, error);
        return;
    }
    g_autofree char *text = imap_status_items(s, info, items);
    if (text == NULL) {
        imap_mail->mailbox_info_free(info);
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG", "Unknown STATUS item");
        return;
    }
    g_autofree char *q = imap_quote_mailbox(s, info->name);
    imap_printf(s, "* STATUS %s %s\r\n", q, text);
    imap_mail->mailbox_info_free(info);
    imap_ok_after_command(s, cmd->tag, "STATUS completed");
}
