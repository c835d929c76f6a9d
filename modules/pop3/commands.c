/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * commands.c - the dispatcher and the POP3 commands that need no file of
 * their own.
 *
 * Sends each parsed line to its handler after checking that the command
 * belongs to the session's state (RFC 1939 AUTHORIZATION / TRANSACTION),
 * and answers CAPA (RFC 2449, what is offered depends on TLS), STLS (RFC
 * 2595), STAT, LIST, UIDL, DELE, RSET, NOOP and QUIT.  USER, PASS and AUTH
 * live in auth.c, RETR and TOP in retr.c, the maildrop and UPDATE in
 * maildrop.c.
 */
#include "autoconfig.h"

#include "pop3.h"

static const char *const cmd_names[] = {
    [POP3_CMD_UNKNOWN] = "unknown command",
    [POP3_CMD_USER] = "USER",
    [POP3_CMD_PASS] = "PASS",
    [POP3_CMD_AUTH] = "AUTH",
    [POP3_CMD_CAPA] = "CAPA",
    [POP3_CMD_STLS] = "STLS",
    [POP3_CMD_STAT] = "STAT",
    [POP3_CMD_LIST] = "LIST",
    [POP3_CMD_UIDL] = "UIDL",
    [POP3_CMD_RETR] = "RETR",
    [POP3_CMD_TOP] = "TOP",
    [POP3_CMD_DELE] = "DELE",
    [POP3_CMD_RSET] = "RSET",
    [POP3_CMD_NOOP] = "NOOP",
    [POP3_CMD_QUIT] = "QUIT",
    [POP3_CMD_APOP] = "APOP",
};

/* Only where the listener has TLS to start (tls = starttls) and it has
 * not started yet. */
static gboolean
can_stls(Pop3Session *s)
{
    return pop3_api->conn_may_start_tls(s->conn);
}

static void
cmd_capa(Pop3Session *s)
{
    g_autoptr(GString) out = g_string_new("+OK Capability list follows\r\n");
    g_string_append(out, "TOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\n");
    /* Messages stay until the client deletes them. */
    g_string_append(out, "EXPIRE NEVER\r\n");
    if (s->state == POP3_STATE_AUTHORIZATION && pop3_session_login_allowed(s))
        g_string_append(out, "USER\r\nSASL PLAIN\r\n");
    if (s->state == POP3_STATE_AUTHORIZATION && can_stls(s))
        g_string_append(out, "STLS\r\n");
    g_string_append_printf(out, "IMPLEMENTATION Hermod-%s\r\n.\r\n", PACKAGE_VERSION);
    pop3_api->conn_write(s->conn, out->str, out->len);
}

static void
cmd_stls(Pop3Session *s)
{
    if (pop3_api->conn_is_tls(s->conn)) {
        pop3_err(s, NULL, "TLS already active");
        return;
    }
    if (!can_stls(s)) {
        pop3_err(s, NULL, "STLS not available here");
        return;
    }
    pop3_ok(s, "Begin TLS negotiation");
    /* The core drops input pipelined after STLS; on_tls_ready resets. */
    pop3_session_set_state(s, POP3_STATE_TLS);
    pop3_api->conn_start_tls(s->conn);
}

/* Messages not marked deleted and their total size. */
static void
totals(Pop3Session *s, guint *out_n, guint64 *out_size)
{
    *out_n = 0;
    *out_size = 0;
    for (guint i = 1; i <= pop3_drop_count(s->drop); i++) {
        Pop3Msg *m = pop3_drop_nth(s->drop, i);
        if (m != NULL) {
            (*out_n)++;
            *out_size += m->size;
        }
    }
}

static void
cmd_stat(Pop3Session *s)
{
    guint n;
    guint64 size;
    totals(s, &n, &size);
    pop3_ok(s, "%u %" G_GUINT64_FORMAT, n, size);
}

/* One scan line of LIST (size) or UIDL (unique id) for message n. */
static void
append_scan(Pop3Session *s, GString *out, guint n, const Pop3Msg *m, gboolean is_uidl)
{
    if (is_uidl)
        g_string_append_printf(out, "%u %u.%u", n, pop3_drop_uidvalidity(s->drop), m->uid);
    else
        g_string_append_printf(out, "%u %" G_GUINT64_FORMAT, n, m->size);
}

static void
cmd_list(Pop3Session *s, const char *args, gboolean is_uidl)
{
    g_autoptr(GString) out = g_string_new(NULL);
    if (*args != '\0') {
        Pop3Msg *m = pop3_drop_msg(s, args, TRUE);
        if (m == NULL)
            return;
        g_string_append(out, "+OK ");
        guint32 n;
        pop3_parse_msgnum(args, &n);
        append_scan(s, out, n, m, is_uidl);
        g_string_append(out, "\r\n");
        pop3_api->conn_write(s->conn, out->str, out->len);
        return;
    }
    guint count;
    guint64 size;
    totals(s, &count, &size);
    g_string_append_printf(out, "+OK %u messages (%" G_GUINT64_FORMAT " octets)\r\n", count, size);
    for (guint i = 1; i <= pop3_drop_count(s->drop); i++) {
        Pop3Msg *m = pop3_drop_nth(s->drop, i);
        if (m == NULL)
            continue;
        append_scan(s, out, i, m, is_uidl);
        g_string_append(out, "\r\n");
    }
    g_string_append(out, ".\r\n");
    pop3_api->conn_write(s->conn, out->str, out->len);
}

static void
cmd_dele(Pop3Session *s, const char *args)
{
    Pop3Msg *m = pop3_drop_msg(s, args, TRUE);
    if (m == NULL)
        return;
    m->is_deleted = TRUE;
    pop3_ok(s, "Message %s deleted", args);
}

static void
cmd_rset(Pop3Session *s)
{
    pop3_drop_rset(s->drop);
    cmd_stat(s);
}

static void
cmd_retr(Pop3Session *s, const char *args)
{
    Pop3Msg *m = pop3_drop_msg(s, args, TRUE);
    if (m != NULL)
        pop3_send_message(s, m, -1);
}

static void
cmd_top(Pop3Session *s, char *args)
{
    char *msg, *count;
    gint64 lines;
    if (!pop3_split2(args, &msg, &count) || !pop3_parse_count(count, &lines)) {
        pop3_err(s, NULL, "Syntax: TOP msg lines");
        return;
    }
    Pop3Msg *m = pop3_drop_msg(s, msg, TRUE);
    if (m != NULL)
        pop3_send_message(s, m, lines);
}

static void
cmd_quit(Pop3Session *s)
{
    if (s->state == POP3_STATE_TRANSACTION) {
        pop3_drop_update(s);
        return;
    }
    pop3_ok(s, "%s POP3 server signing off", pop3_api->hostname());
    pop3_session_set_state(s, POP3_STATE_CLOSING);
    pop3_api->conn_close(s->conn);
}

/* Commands of either state; FALSE if cmd is not one of them. */
static gboolean
dispatch_any(Pop3Session *s, Pop3Cmd cmd, const char *args)
{
    switch (cmd) {
    case POP3_CMD_CAPA:
        cmd_capa(s);
        return TRUE;
    case POP3_CMD_QUIT:
        cmd_quit(s);
        return TRUE;
    case POP3_CMD_NOOP:
        if (s->state != POP3_STATE_TRANSACTION)
            return FALSE;
        pop3_ok(s, "Ok");
        return TRUE;
    default:
        return FALSE;
    }
}

static void
dispatch_authorization(Pop3Session *s, Pop3Cmd cmd, char *args)
{
    switch (cmd) {
    case POP3_CMD_USER:
        pop3_cmd_user(s, args);
        break;
    case POP3_CMD_PASS:
        pop3_cmd_pass(s, args);
        break;
    case POP3_CMD_AUTH:
        pop3_cmd_auth(s, args);
        break;
    case POP3_CMD_STLS:
        cmd_stls(s);
        break;
    case POP3_CMD_APOP:
        pop3_err(s, NULL, "APOP not available; use USER/PASS or AUTH PLAIN");
        break;
    case POP3_CMD_UNKNOWN:
        pop3_err(s, NULL, "Unknown command");
        break;
    default:
        pop3_err(s, NULL, "Not allowed before login");
        break;
    }
}

static void
dispatch_transaction(Pop3Session *s, Pop3Cmd cmd, char *args)
{
    switch (cmd) {
    case POP3_CMD_STAT:
        cmd_stat(s);
        break;
    case POP3_CMD_LIST:
    case POP3_CMD_UIDL:
        cmd_list(s, args, cmd == POP3_CMD_UIDL);
        break;
    case POP3_CMD_RETR:
        cmd_retr(s, args);
        break;
    case POP3_CMD_TOP:
        cmd_top(s, args);
        break;
    case POP3_CMD_DELE:
        cmd_dele(s, args);
        break;
    case POP3_CMD_RSET:
        cmd_rset(s);
        break;
    case POP3_CMD_UNKNOWN:
        pop3_err(s, NULL, "Unknown command");
        break;
    default:
        pop3_err(s, NULL, "Not allowed after login");
        break;
    }
}

void
pop3_cmd_dispatch(Pop3Session *s, const Pop3CommandLine *cl)
{
    char *args = (char *)cl->args;
    s->cmd_name = cmd_names[cl->cmd];
    if (dispatch_any(s, cl->cmd, args))
        return;
    if (s->state == POP3_STATE_AUTHORIZATION)
        dispatch_authorization(s, cl->cmd, args);
    else
        dispatch_transaction(s, cl->cmd, args);
}
