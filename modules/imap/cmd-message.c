/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-message.c - commands that change messages: APPEND (with APPENDUID,
 * TRYCREATE), STORE (.SILENT, UNCHANGEDSINCE and MODIFIED), COPY and MOVE
 * (COPYUID), EXPUNGE and UID EXPUNGE, CLOSE, UNSELECT and CHECK.
 *
 * Each resolves its message set against the selected view (selected.c),
 * runs the store's blocking call on the work pool with input paused, and
 * on completion lets the view report what changed before the tagged OK.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "session.h"

typedef enum { MSG_APPEND, MSG_STORE, MSG_COPY, MSG_EXPUNGE, MSG_CLOSE } MsgOpKind;

typedef struct {
    MsgOpKind kind;
    HermodMailStore *store;
    char *tag;
    char *mailbox;
    char *dest;
    gboolean is_uid, is_move, is_silent, ok;
    GArray *uids;
    GBytes *data;
    guint32 flags;
    char **keywords;
    gint64 date;
    HermodFlagsOp op;
    guint64 unchangedsince;
    guint32 out_uid, out_uidvalidity;
    GArray *out_a, *out_b; /* failed / src+dst UIDs / expunged */
    GError *error;
} MsgOp;

static void
msgop_free(gpointer data)
{
    MsgOp *op = data;
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

static MsgOp *
msgop_new(ImapSession *s, ImapCommand *cmd, MsgOpKind kind)
{
    MsgOp *op = g_new0(MsgOp, 1);
    op->kind = kind;
    op->store = s->store;
    op->tag = g_strdup(cmd->tag);
    op->mailbox = s->sel != NULL ? g_strdup(s->sel->name) : NULL;
    op->out_a = g_array_new(FALSE, FALSE, sizeof(guint32));
    op->out_b = g_array_new(FALSE, FALSE, sizeof(guint32));
    return op;
}

static void
msgop_work(gpointer data)
{
    MsgOp *op = data;
    const HermodMailApi *m = imap_mail;
    const guint32 *uids = op->uids != NULL ? (const guint32 *)op->uids->data : NULL;
    gsize n = op->uids != NULL ? op->uids->len : 0;
    switch (op->kind) {
    case MSG_APPEND:
        op->ok =
            m->append(op->store, op->dest, op->data, op->flags, (const char *const *)op->keywords,
                      op->date, &op->out_uid, &op->out_uidvalidity, &op->error);
        break;
    case MSG_STORE:
        op->ok = m->update_flags(op->store, op->mailbox, uids, n, op->op, op->flags,
                                 (const char *const *)op->keywords, op->unchangedsince, op->out_a,
                                 &op->error);
        break;
    case MSG_COPY:
        op->ok = m->copy(op->store, op->mailbox, uids, n, op->dest, op->is_move, op->out_a,
                         op->out_b, &op->out_uidvalidity, &op->error);
        break;
    case MSG_EXPUNGE:
    case MSG_CLOSE: {
        GArray *gone = m->expunge(op->store, op->mailbox, uids, n, &op->error);
        op->ok = gone != NULL;
        if (gone != NULL)
            g_array_unref(gone);
        break;
    }
    }
}

static ImapArg *
arg_at(ImapCommand *cmd, guint i)
{
    return i < cmd->args->len ? g_ptr_array_index(cmd->args, i) : NULL;
}

static gboolean
check_writable(ImapSession *s, const char *tag)
{
    if (!s->sel->is_readonly)
        return TRUE;
    imap_tagged(s, tag, "NO", "READ-ONLY", "Mailbox is read-only");
    return FALSE;
}

/* The message set of argument i as UIDs, or NULL after "TAG BAD". */
static GArray *
set_arg(ImapSession *s, ImapCommand *cmd, guint i, gboolean is_uid)
{
    ImapArg *a = arg_at(cmd, i);
    g_autoptr(GError) error = NULL;
    GArray *uids = a != NULL && a->type == IMAP_ARG_ATOM
                       ? imap_selected_uids(s, a->str, is_uid, &error)
                       : NULL;
    if (uids == NULL)
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG",
                    error != NULL ? error->message : "Message set expected");
    return uids;
}

/* --- APPEND --- */

static gint64
parse_date(const char *text)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int d, y, hh, mm, ss, zone;
    char mon[4];
    if (sscanf(text, "%2d-%3s-%4d %2d:%2d:%2d %5d", &d, mon, &y, &hh, &mm, &ss, &zone) != 7)
        return -1;
    for (int i = 0; i < 12; i++) {
        if (g_ascii_strcasecmp(mon, months[i]) != 0)
            continue;
        int sign = strchr(text, '+') != NULL ? 1 : -1;
        int az = ABS(zone);
        g_autoptr(GTimeZone) tz =
            g_time_zone_new_offset(sign * ((az / 100) * 3600 + (az % 100) * 60));
        g_autoptr(GDateTime) dt = g_date_time_new(tz, y, i + 1, d, hh, mm, ss);
        return dt != NULL ? g_date_time_to_unix(dt) : -1;
    }
    return -1;
}

static void
append_done(ImapSession *s, gpointer data)
{
    MsgOp *op = data;
    if (!op->ok) {
        if (g_error_matches(op->error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MAILBOX))
            imap_tagged(s, op->tag, "NO", "TRYCREATE", "No such mailbox");
        else
            imap_reply_error(s, op->tag, op->error);
    } else {
        imap_session_after_command(s, TRUE);
        g_autofree char *code =
            g_strdup_printf("APPENDUID %u %u", op->out_uidvalidity, op->out_uid);
        imap_tagged(s, op->tag, "OK", code, "APPEND completed");
    }
    imap_session_resume(s);
}

/* The message literal, also inside "UTF8 (~{n}...)" (RFC 6855). */
static ImapArg *
append_literal(ImapArg *a)
{
    if (a != NULL && a->type == IMAP_ARG_LIST && a->list->len == 1)
        a = g_ptr_array_index(a->list, 0);
    return a != NULL && a->type == IMAP_ARG_LITERAL ? a : NULL;
}

void
imap_cmd_append(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    if (!imap_require_store(s, cmd->tag))
        return;
    g_autofree char *name = imap_arg_mailbox(s, cmd->tag, arg_at(cmd, 0));
    if (name == NULL)
        return;
    MsgOp *op = msgop_new(s, cmd, MSG_APPEND);
    guint i = 1;
    ImapArg *a = arg_at(cmd, i);
    if (a != NULL && a->type == IMAP_ARG_LIST && imap_parse_flags(a, &op->flags, &op->keywords))
        a = arg_at(cmd, ++i);
    if (a != NULL && a->type == IMAP_ARG_STRING) {
        op->date = parse_date(a->str);
        a = arg_at(cmd, ++i);
    }
    if (a != NULL && imap_arg_atom_is(a, "UTF8"))
        a = arg_at(cmd, ++i);
    ImapArg *lit = append_literal(a);
    if (lit == NULL || op->date < 0 || i + 1 != cmd->args->len) {
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG", "APPEND mailbox [(flags)] [date] literal");
        msgop_free(op);
        return;
    }
    op->dest = g_steal_pointer(&name);
    op->data = g_bytes_new_take(g_steal_pointer(&lit->str), lit->len);
    lit->len = 0;
    imap_session_work(s, msgop_work, append_done, op, msgop_free);
}

/* --- STORE --- */

static gint
cmp_u32(gconstpointer a, gconstpointer b)
{
    guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;
    return x < y ? -1 : x > y;
}

static void
store_done(ImapSession *s, gpointer data)
{
    MsgOp *op = data;
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
parse_store(ImapCommand *cmd, MsgOp *op)
{
    guint i = 1;
    ImapArg *a = arg_at(cmd, i);
    if (a != NULL && a->type == IMAP_ARG_LIST) {
        ImapArg *k = a->list->len == 2 ? g_ptr_array_index(a->list, 0) : NULL;
        ImapArg *v = a->list->len == 2 ? g_ptr_array_index(a->list, 1) : NULL;
        if (k == NULL || !imap_arg_atom_is(k, "UNCHANGEDSINCE") || v->type != IMAP_ARG_ATOM)
            return FALSE;
        op->unchangedsince = g_ascii_strtoull(v->str, NULL, 10);
        if (op->unchangedsince == 0 && strcmp(v->str, "0") != 0)
            return FALSE;
        a = arg_at(cmd, ++i);
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
        return imap_parse_flags(arg_at(cmd, i + 1), &op->flags, &op->keywords);
    /* RFC 3501 also allows the flags unparenthesised as several atoms. */
    g_autoptr(GPtrArray) kw = g_ptr_array_new_with_free_func(g_free);
    for (guint k = i + 1; k < cmd->args->len; k++) {
        guint32 f = 0;
        char **more = NULL;
        if (!imap_parse_flags(arg_at(cmd, k), &f, &more))
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
    if (!check_writable(s, cmd->tag))
        return;
    GArray *uids = set_arg(s, cmd, 0, is_uid);
    if (uids == NULL)
        return;
    MsgOp *op = msgop_new(s, cmd, MSG_STORE);
    op->uids = uids;
    op->is_uid = is_uid;
    if (!parse_store(cmd, op)) {
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG", "STORE set [(UNCHANGEDSINCE n)] item flags");
        msgop_free(op);
        return;
    }
    if (op->unchangedsince > 0 ||
        (cmd->args->len > 1 && ((ImapArg *)cmd->args->pdata[1])->type == IMAP_ARG_LIST))
        s->is_condstore = TRUE; /* RFC 7162 3.1: a CONDSTORE-enabling command */
    imap_session_work(s, msgop_work, store_done, op, msgop_free);
}

/* --- COPY / MOVE --- */

static void
copy_done(ImapSession *s, gpointer data)
{
    MsgOp *op = data;
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
    if (is_move && !check_writable(s, cmd->tag))
        return;
    if (cmd->args->len != 2) {
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG", "COPY set mailbox");
        return;
    }
    g_autofree char *dest = imap_arg_mailbox(s, cmd->tag, arg_at(cmd, 1));
    if (dest == NULL)
        return;
    GArray *uids = set_arg(s, cmd, 0, is_uid);
    if (uids == NULL)
        return;
    if (uids->len == 0) {
        g_array_unref(uids);
        imap_session_after_command(s, is_uid);
        imap_tagged(s, cmd->tag, "OK", NULL, "No messages matched");
        return;
    }
    MsgOp *op = msgop_new(s, cmd, MSG_COPY);
    op->uids = uids;
    op->is_move = is_move;
    op->dest = g_steal_pointer(&dest);
    imap_session_work(s, msgop_work, copy_done, op, msgop_free);
}

/* --- EXPUNGE, CLOSE, UNSELECT, CHECK --- */

static void
expunge_done(ImapSession *s, gpointer data)
{
    MsgOp *op = data;
    if (!op->ok) {
        imap_reply_error(s, op->tag, op->error);
    } else if (op->kind == MSG_CLOSE) {
        g_clear_pointer(&s->sel, imap_selected_free);
        s->state = IMAP_STATE_AUTH;
        imap_tagged(s, op->tag, "OK", NULL, "CLOSE completed");
    } else {
        imap_session_after_command(s, TRUE);
        imap_tagged(s, op->tag, "OK", NULL, "EXPUNGE completed");
    }
    imap_session_resume(s);
}

void
imap_cmd_expunge(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    if (!check_writable(s, cmd->tag))
        return;
    MsgOp *op = msgop_new(s, cmd, MSG_EXPUNGE);
    if (is_uid) {
        op->uids = set_arg(s, cmd, 0, TRUE);
        if (op->uids == NULL) {
            msgop_free(op);
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
            msgop_free(op);
            imap_session_after_command(s, TRUE);
            imap_tagged(s, cmd->tag, "OK", NULL, "EXPUNGE completed");
            return;
        }
    }
    imap_session_work(s, msgop_work, expunge_done, op, msgop_free);
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
    imap_session_work(s, msgop_work, expunge_done, msgop_new(s, cmd, MSG_CLOSE), msgop_free);
}

void
imap_cmd_check(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    imap_session_after_command(s, TRUE);
    imap_tagged(s, cmd->tag, "OK", NULL, "CHECK completed");
}
