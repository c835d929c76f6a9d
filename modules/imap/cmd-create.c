/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-create.c - CREATE, DELETE, RENAME, SUBSCRIBE and UNSUBSCRIBE (RFC
 * 9051 6.3.4-6.3.8): the commands that change the account's list of
 * mailboxes.
 *
 * Each writes the account's index, so it runs on the work pool with
 * input paused, and answers when the store has.  DELETE of the selected
 * mailbox is refused ([INUSE]); after a RENAME the selected view checks
 * before the next command that its mailbox is still where it was.
 */
#include "autoconfig.h"

#include <string.h>

#include "session.h"

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
        imap_ok_after_command(s, op->tag, "Completed");
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
    g_autofree char *name = imap_arg_mailbox(s, cmd->tag, imap_cmd_arg(cmd, 0));
    g_autofree char *to = NULL;
    if (name == NULL ||
        (nargs == 2 && (to = imap_arg_mailbox(s, cmd->tag, imap_cmd_arg(cmd, 1))) == NULL))
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
