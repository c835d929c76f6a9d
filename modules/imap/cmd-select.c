/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-select.c - SELECT and EXAMINE (RFC 9051 6.3.2, 6.3.3), with the
 * CONDSTORE and QRESYNC parameters (RFC 7162 3.1.8, 3.2.5).
 *
 * Opens the selected view (selected.c) of a mailbox, read-write or, for
 * EXAMINE, read-only; closes the one selected before ([CLOSED]); reports
 * EXISTS, FLAGS, PERMANENTFLAGS, UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ,
 * for IMAP4rev1 also RECENT and the first UNSEEN, for IMAP4rev2 the
 * mailbox's LIST line; and with QRESYNC what changed since the client's
 * modseq (VANISHED (EARLIER), FETCH).  SELECT runs on the loop: the
 * store calls it makes are quick reads.
 */
#include "autoconfig.h"

#include <string.h>

#include "session.h"

static void
select_untagged(ImapSession *s, HermodMailboxInfo *info)
{
    ImapSelected *sel = s->sel;
    imap_printf(s, "* %u EXISTS\r\n", sel->msgs->len);
    if (!s->is_rev2) {
        imap_printf(s, "* 0 RECENT\r\n");
        for (guint i = 0; i < sel->msgs->len; i++) {
            HermodMsgInfo *m = g_ptr_array_index(sel->msgs, i);
            if (!(m->flags & HERMOD_MAIL_FLAG_SEEN)) {
                imap_printf(s, "* OK [UNSEEN %u] First unseen\r\n", i + 1);
                break;
            }
        }
    }
    imap_printf(s, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n");
    if (sel->is_readonly)
        imap_printf(s, "* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n");
    else
        imap_printf(s, "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft "
                       "\\*)] Flags permitted\r\n");
    imap_printf(s, "* OK [UIDVALIDITY %u] UIDs valid\r\n", sel->uidvalidity);
    imap_printf(s, "* OK [UIDNEXT %u] Predicted next UID\r\n", info->uidnext);
    imap_printf(s, "* OK [HIGHESTMODSEQ %" G_GUINT64_FORMAT "] Highest\r\n",
                MAX(sel->highestmodseq, info->highestmodseq));
    if (s->is_rev2) {
        g_autofree char *q = imap_quote_mailbox(s, sel->name);
        imap_printf(s, "* LIST () \"/\" %s\r\n", q);
    }
}

/* QRESYNC (uidvalidity modseq ...): what changed since the client's state. */
static void
qresync_report(ImapSession *s, ImapArg *params)
{
    ImapArg *uv = params->list->len >= 2 ? g_ptr_array_index(params->list, 0) : NULL;
    ImapArg *ms = params->list->len >= 2 ? g_ptr_array_index(params->list, 1) : NULL;
    if (uv == NULL || uv->type != IMAP_ARG_ATOM || ms->type != IMAP_ARG_ATOM)
        return;
    guint64 modseq = g_ascii_strtoull(ms->str, NULL, 10);
    if (g_ascii_strtoull(uv->str, NULL, 10) != s->sel->uidvalidity || modseq == 0)
        return;
    g_autoptr(GArray) gone = imap_mail->expunged_since(s->store, s->sel->name, modseq, NULL);
    if (gone != NULL && gone->len > 0) {
        g_autofree char *set = imap_seqset_from_sorted((const guint32 *)gone->data, gone->len);
        imap_printf(s, "* VANISHED (EARLIER) %s\r\n", set);
    }
    for (guint i = 0; i < s->sel->msgs->len; i++) {
        HermodMsgInfo *m = g_ptr_array_index(s->sel->msgs, i);
        if (m->modseq <= modseq)
            continue;
        g_autofree char *flags = imap_flags_string(m->flags, m->keywords);
        imap_printf(s, "* %u FETCH (UID %u FLAGS %s MODSEQ (%" G_GUINT64_FORMAT "))\r\n", i + 1,
                    m->uid, flags, m->modseq);
    }
}

/* The optional "(CONDSTORE)" or "(QRESYNC (...))" list; FALSE on junk. */
static gboolean
select_params(ImapSession *s, ImapArg *list, ImapArg **out_qresync)
{
    *out_qresync = NULL;
    if (list == NULL)
        return TRUE;
    if (list->type != IMAP_ARG_LIST)
        return FALSE;
    for (guint i = 0; i < list->list->len; i++) {
        ImapArg *p = g_ptr_array_index(list->list, i);
        ImapArg *next = i + 1 < list->list->len ? g_ptr_array_index(list->list, i + 1) : NULL;
        if (imap_arg_atom_is(p, "CONDSTORE")) {
            s->is_condstore = TRUE;
        } else if (imap_arg_atom_is(p, "QRESYNC") && s->is_qresync && next != NULL &&
                   next->type == IMAP_ARG_LIST) {
            *out_qresync = next;
            i++;
        } else {
            return FALSE;
        }
    }
    return TRUE;
}

void
imap_cmd_select(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    gboolean is_examine = strcmp(cmd->name, "EXAMINE") == 0;
    ImapArg *qresync = NULL;
    if (!imap_require_store(s, cmd->tag))
        return;
    g_autofree char *name = imap_arg_mailbox(s, cmd->tag, imap_cmd_arg(cmd, 0));
    if (name == NULL)
        return;
    if (cmd->args->len > 2 || !select_params(s, imap_cmd_arg(cmd, 1), &qresync)) {
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG", "Bad SELECT parameters");
        return;
    }
    if (s->sel != NULL) {
        g_clear_pointer(&s->sel, imap_selected_free);
        s->state = IMAP_STATE_AUTH;
        imap_printf(s, "* OK [CLOSED] Previous mailbox closed\r\n");
    }
    g_autoptr(GError) error = NULL;
    HermodMailboxInfo *info = imap_mail->mailbox_status(s->store, name, &error);
    if (info != NULL)
        s->sel = imap_selected_open(s, name, is_examine, &error);
    if (s->sel == NULL) {
        if (info != NULL)
            imap_mail->mailbox_info_free(info);
        imap_reply_error(s, cmd->tag, error);
        return;
    }
    s->state = IMAP_STATE_SELECTED;
    g_clear_pointer(&s->searchres, g_array_unref);
    select_untagged(s, info);
    imap_mail->mailbox_info_free(info);
    if (qresync != NULL)
        qresync_report(s, qresync);
    imap_tagged(s, cmd->tag, "OK", is_examine ? "READ-ONLY" : "READ-WRITE",
                is_examine ? "EXAMINE completed" : "SELECT completed");
}
