/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-store.c - STORE and UID STORE (RFC 9051 6.4.6): FLAGS, +FLAGS and
 * -FLAGS, .SILENT, and CONDSTORE's UNCHANGEDSINCE with the MODIFIED
 * response code (RFC 7162 3.1.3).
 *
 * The store call runs on the work pool; afterwards the selected view
 * reports the new flags as FETCH, except to .SILENT for the messages it
 * changed.
 */
#include "autoconfig.h"

#include <string.h>

#include "msgop.h"

static gint
cmp_u32(gconstpointer a, gconstpointer b)
{
    guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;
    return x < y ? -1 : x > y;
}

static void
store_done(ImapSession *s, gpointer data)
{
    ImapMsgOp *op = data;
    if (!op->ok) {
        imap_reply_error(s, op->tag, op->error);
        imap_session_resume(s);
        return;
    }
    imap_selected_sync(s, op->is_uid, op->is_silent ? op->uids : NULL);
    if (op->out_a->len > 0) {
        for (guint i = 0; !op->is_uid && i < op->out_a->len; i++)
            g_array_index(op->out_a, guint32, i) =
                imap_selected_seq(s->sel, g_array_index(op->out_a, guint32, i));
        g_array_sort(op->out_a, cmp_u32);
        g_autofree char *set =
            imap_seqset_from_sorted((const guint32 *)op->out_a->data, op->out_a->len);
        g_autofree char *code = g_strconcat("MODIFIED ", set, NULL);
        imap_tagged(s, op->tag, "OK", code, "Conditional STORE failed for some");
    } else {
        imap_tagged(s, op->tag, "OK", NULL, "STORE completed");
    }
    imap_session_resume(s);
}

/* "[(UNCHANGEDSINCE n)] item flags"; item is FLAGS, +FLAGS, -FLAGS [.SILENT]. */
static gboolean
parse_store(ImapCommand *cmd, ImapMsgOp *op)
{
    guint i = 1;
    ImapArg *a = imap_cmd_arg(cmd, i);
    if (a != NULL && a->type == IMAP_ARG_LIST) {
        ImapArg *k = a->list->len == 2 ? g_ptr_array_index(a->list, 0) : NULL;
        ImapArg *v = a->list->len == 2 ? g_ptr_array_index(a->list, 1) : NULL;
        if (k == NULL || !imap_arg_atom_is(k, "UNCHANGEDSINCE") || v->type != IMAP_ARG_ATOM)
            return FALSE;
        op->unchangedsince = g_ascii_strtoull(v->str, NULL, 10);
        if (op->unchangedsince == 0 && strcmp(v->str, "0") != 0)
            return FALSE;
        a = imap_cmd_arg(cmd, ++i);
    }
    if (a == NULL || a->type != IMAP_ARG_ATOM || i + 2 > cmd->args->len)
        return FALSE;
    const char *item = a->str;
    op->op = *item == '+'   ? HERMOD_FLAGS_ADD
             : *item == '-' ? HERMOD_FLAGS_REMOVE
                            : HERMOD_FLAGS_SET;
    if (*item == '+' || *item == '-')
        item++;
    if (g_ascii_strcasecmp(item, "FLAGS.SILENT") == 0)
        op->is_silent = TRUE;
    else if (g_ascii_strcasecmp(item, "FLAGS") != 0)
        return FALSE;
    if (i + 2 == cmd->args->len)
        return imap_parse_flags(imap_cmd_arg(cmd, i + 1), &op->flags, &op->keywords);
    /* RFC 3501 also allows the flags unparenthesised as several atoms. */
    g_autoptr(GPtrArray) kw = g_ptr_array_new_with_free_func(g_free);
    for (guint k = i + 1; k < cmd->args->len; k++) {
        guint32 f = 0;
        char **more = NULL;
        if (!imap_parse_flags(imap_cmd_arg(cmd, k), &f, &more))
            return FALSE;
        op->flags |= f;
        for (char **m = more; *m != NULL; m++)
            g_ptr_array_add(kw, g_strdup(*m));
        g_strfreev(more);
    }
    g_ptr_array_add(kw, NULL);
    op->keywords = (char **)g_ptr_array_steal(kw, NULL);
    return TRUE;
}

void
imap_cmd_store(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    if (!imap_msgop_writable(s, cmd->tag))
        return;
    GArray *uids = imap_arg_uids(s, cmd, 0, is_uid);
    if (uids == NULL)
        return;
    ImapMsgOp *op = imap_msgop_new(s, cmd, IMAP_MSGOP_STORE);
    op->uids = uids;
    op->is_uid = is_uid;
    if (!parse_store(cmd, op)) {
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG", "STORE set [(UNCHANGEDSINCE n)] item flags");
        imap_msgop_free(op);
        return;
    }
    if (op->unchangedsince > 0 ||
        (cmd->args->len > 1 && ((ImapArg *)cmd->args->pdata[1])->type == IMAP_ARG_LIST))
        s->is_condstore = TRUE; /* RFC 7162 3.1: a CONDSTORE-enabling command */
    imap_session_work(s, imap_msgop_work, store_done, op, imap_msgop_free);
}
