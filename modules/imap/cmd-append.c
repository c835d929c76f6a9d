/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-append.c - APPEND (RFC 9051 6.3.12) with its optional flags and
 * date, the UTF8 (~{n}) form (RFC 6855), APPENDUID (RFC 4315) and
 * TRYCREATE for a missing mailbox.
 *
 * The literal is handed to the store as it arrived (the session bounds
 * its size by APPENDLIMIT); the store call runs on the work pool.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "msgop.h"

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
    ImapMsgOp *op = data;
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
    g_autofree char *name = imap_arg_mailbox(s, cmd->tag, imap_cmd_arg(cmd, 0));
    if (name == NULL)
        return;
    ImapMsgOp *op = imap_msgop_new(s, cmd, IMAP_MSGOP_APPEND);
    guint i = 1;
    ImapArg *a = imap_cmd_arg(cmd, i);
    if (a != NULL && a->type == IMAP_ARG_LIST && imap_parse_flags(a, &op->flags, &op->keywords))
        a = imap_cmd_arg(cmd, ++i);
    if (a != NULL && a->type == IMAP_ARG_STRING) {
        op->date = parse_date(a->str);
        a = imap_cmd_arg(cmd, ++i);
    }
    if (a != NULL && imap_arg_atom_is(a, "UTF8"))
        a = imap_cmd_arg(cmd, ++i);
    ImapArg *lit = append_literal(a);
    if (lit == NULL || op->date < 0 || i + 1 != cmd->args->len) {
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG", "APPEND mailbox [(flags)] [date] literal");
        imap_msgop_free(op);
        return;
    }
    op->dest = g_steal_pointer(&name);
    op->data = g_bytes_new_take(g_steal_pointer(&lit->str), lit->len);
    lit->len = 0;
    imap_session_work(s, imap_msgop_work, append_done, op, imap_msgop_free);
}
