/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-mailbox.c - commands on mailboxes as wholes: SELECT and EXAMINE (with
 * CONDSTORE and QRESYNC parameters), CREATE, DELETE, RENAME, SUBSCRIBE,
 * UNSUBSCRIBE and STATUS.  LIST and LSUB live in cmd-list.c.
 *
 * Names arrive in modified UTF-7 (IMAP4rev1) or UTF-8 (after ENABLE
 * IMAP4rev2 or UTF8=ACCEPT) and are handed to the store in UTF-8, with
 * "INBOX" in any case meaning INBOX.  Creating, deleting, renaming and
 * (un)subscribing write the account's index, so they run on the work pool.
 */
#include "autoconfig.h"

#include <string.h>

#include "mutf7.h"
#include "session.h"

char *
imap_arg_mailbox(ImapSession *s, const char *tag, const ImapArg *arg)
{
    if (arg == NULL || !imap_arg_is_astring(arg) || memchr(arg->str, '\0', arg->len) != NULL) {
        imap_tagged(s, tag, "BAD", "CLIENTBUG", "Mailbox name expected");
        return NULL;
    }
    char *name = NULL;
    if (s->is_utf8 || s->is_rev2)
        name = g_utf8_validate(arg->str, -1, NULL) ? g_strdup(arg->str) : NULL;
    else
        name = imap_mutf7_decode(arg->str);
    if (name == NULL) {
        imap_tagged(s, tag, "BAD", "CLIENTBUG", "Mailbox name is not valid");
        return NULL;
    }
    gsize len = strlen(name);
    while (len > 1 && name[len - 1] == '/')
        name[--len] = '\0'; /* "foo/" names the mailbox foo (RFC 9051 6.3.4) */
    if (g_ascii_strcasecmp(name, "INBOX") == 0 || (g_ascii_strncasecmp(name, "INBOX/", 6) == 0))
        memcpy(name, "INBOX", 5);
    return name;
}

static ImapArg *
arg_at(ImapCommand *cmd, guint i)
{
    return i < cmd->args->len ? g_ptr_array_index(cmd->args, i) : NULL;
}

/* --- SELECT / EXAMINE --- */

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
    g_autofree char *name = imap_arg_mailbox(s, cmd->tag, arg_at(cmd, 0));
    if (name == NULL)
        return;
    if (cmd->args->len > 2 || !select_params(s, arg_at(cmd, 1), &qresync)) {
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

/* --- CREATE, DELETE, RENAME, SUBSCRIBE (work pool) --- */

typedef enum { OP_CREATE, OP_DELETE, OP_RENAME, OP_SUBSCRIBE, OP_UNSUBSCRIBE } MbOpKind;

typedef struct {
    MbOpKind kind;
    HermodMailStore *store;
    char *tag;
    char *name;
    char *to;
    gboolean ok;
    GError *error;
} MbOp;

static void
mbop_free(gpointer data)
{
    MbOp *op = data;
    g_free(op->tag);
    g_free(op->name);
    g_free(op->to);
    g_clear_error(&op->error);
    g_free(op);
}

static void
mbop_work(gpointer data)
{
    MbOp *op = data;
    const HermodMailApi *m = imap_mail;
    switch (op->kind) {
    case OP_CREATE:
        op->ok = m->mailbox_create(op->store, op->name, NULL, &op->error);
        break;
    case OP_DELETE:
        op->ok = m->mailbox_delete(op->store, op->name, &op->error);
        break;
    case OP_RENAME:
        op->ok = m->mailbox_rename(op->store, op->name, op->to, &op->error);
        break;
    case OP_SUBSCRIBE:
    case OP_UNSUBSCRIBE:
        op->ok = m->mailbox_subscribe(op->store, op->name, op->kind == OP_SUBSCRIBE, &op->error);
        break;
    }
}

static void
mbop_done(ImapSession *s, gpointer data)
{
    MbOp *op = data;
    if (op->ok && op->kind == OP_RENAME && s->sel != NULL)
        s->is_sel_suspect = TRUE; /* the selected mailbox may have moved with it */
    if (op->ok) {
        imap_session_after_command(s, TRUE);
        imap_tagged(s, op->tag, "OK", NULL, "Completed");
    } else {
        imap_reply_error(s, op->tag, op->error);
    }
    imap_session_resume(s);
}

static void
mbop_start(ImapSession *s, ImapCommand *cmd, MbOpKind kind, guint nargs)
{
    if (!imap_require_store(s, cmd->tag))
        return;
    if (cmd->args->len != nargs) {
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG", "Wrong number of arguments");
        return;
    }
    g_autofree char *name = imap_arg_mailbox(s, cmd->tag, arg_at(cmd, 0));
    g_autofree char *to = NULL;
    if (name == NULL ||
        (nargs == 2 && (to = imap_arg_mailbox(s, cmd->tag, arg_at(cmd, 1))) == NULL))
        return;
    if (kind == OP_DELETE && s->sel != NULL && strcmp(s->sel->name, name) == 0) {
        imap_tagged(s, cmd->tag, "NO", "INUSE", "Mailbox is selected; CLOSE it first");
        return;
    }
    MbOp *op = g_new0(MbOp, 1);
    op->kind = kind;
    op->store = s->store;
    op->tag = g_strdup(cmd->tag);
    op->name = g_steal_pointer(&name);
    op->to = g_steal_pointer(&to);
    imap_session_work(s, mbop_work, mbop_done, op, mbop_free);
}

void
imap_cmd_create(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    mbop_start(s, cmd, OP_CREATE, 1);
}

void
imap_cmd_delete(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    mbop_start(s, cmd, OP_DELETE, 1);
}

void
imap_cmd_rename(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    mbop_start(s, cmd, OP_RENAME, 2);
}

void
imap_cmd_subscribe(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    mbop_start(s, cmd, strcmp(cmd->name, "SUBSCRIBE") == 0 ? OP_SUBSCRIBE : OP_UNSUBSCRIBE, 1);
}

/* --- STATUS --- */

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
    g_autofree char *name = imap_arg_mailbox(s, cmd->tag, arg_at(cmd, 0));
    if (name == NULL)
        return;
    ImapArg *items = arg_at(cmd, 1);
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
    imap_session_after_command(s, TRUE);
    imap_tagged(s, cmd->tag, "OK", NULL, "STATUS completed");
}
