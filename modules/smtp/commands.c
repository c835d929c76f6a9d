/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * commands.c - the dispatcher and the small SMTP commands.
 *
 * Sends each parsed command line to its handler and answers the commands
 * that need no file of their own: HELO, EHLO (with the extension list for
 * the listener's role and TLS state), RSET, NOOP, QUIT, VRFY, EXPN, HELP
 * and STARTTLS.  MAIL and RCPT live in envelope.c, DATA and BDAT in data.c,
 * AUTH in auth.c.
 */
#include "autoconfig.h"

#include "smtp.h"

static const char *const cmd_names[] = {
    [SMTP_CMD_UNKNOWN] = "unknown command",
    [SMTP_CMD_HELO] = "HELO",
    [SMTP_CMD_EHLO] = "EHLO",
    [SMTP_CMD_MAIL] = "MAIL",
    [SMTP_CMD_RCPT] = "RCPT",
    [SMTP_CMD_DATA] = "DATA",
    [SMTP_CMD_BDAT] = "BDAT",
    [SMTP_CMD_RSET] = "RSET",
    [SMTP_CMD_NOOP] = "NOOP",
    [SMTP_CMD_QUIT] = "QUIT",
    [SMTP_CMD_VRFY] = "VRFY",
    [SMTP_CMD_EXPN] = "EXPN",
    [SMTP_CMD_HELP] = "HELP",
    [SMTP_CMD_STARTTLS] = "STARTTLS",
    [SMTP_CMD_AUTH] = "AUTH",
    [SMTP_CMD_NOT_IMPLEMENTED] = "unimplemented command",
    [SMTP_CMD_HTTP] = "HTTP request",
};

/* Only where the listener has TLS to start (tls = starttls) and it has
 * not started yet. */
static gboolean
can_starttls(SmtpSession *s)
{
    return smtp_api->conn_may_start_tls(s->conn);
}

void
smtp_cmd_ehlo(SmtpSession *s, const char *args, gboolean is_esmtp)
{
    if (!smtp_is_helo_name(args)) {
        smtp_reply_error(s, 501, "5.5.4", "Syntax: %s hostname", is_esmtp ? "EHLO" : "HELO");
        return;
    }
    /* RFC 5321 4.1.4: a new EHLO is an implicit RSET. */
    smtp_session_reset_transaction(s);
    g_free(s->helo);
    s->helo = g_strdup(args);
    s->is_esmtp = is_esmtp;
    if (!is_esmtp) {
        smtp_api->conn_printf(s->conn, "250 %s\r\n", smtp_api->hostname());
        return;
    }
    g_autofree char *size = g_strdup_printf("SIZE %" G_GUINT64_FORMAT, s->lim.max_message_size);
    const char *lines[16];
    guint n = 0;
    lines[n++] = smtp_api->hostname();
    lines[n++] = "PIPELINING";
    lines[n++] = size;
    lines[n++] = "8BITMIME";
    lines[n++] = "ENHANCEDSTATUSCODES";
    lines[n++] = "SMTPUTF8";
    lines[n++] = "CHUNKING";
    lines[n++] = "DSN";
    if (can_starttls(s))
        lines[n++] = "STARTTLS";
    if (smtp_session_auth_allowed(s) && s->account == NULL)
        lines[n++] = "AUTH PLAIN LOGIN";
    lines[n++] = "HELP";
    lines[n] = NULL;
    smtp_reply_lines(s, 250, lines);
}

static void
cmd_starttls(SmtpSession *s, const char *args)
{
    if (*args != '\0') {
        smtp_reply_error(s, 501, "5.5.4", "Syntax: STARTTLS");
        return;
    }
    if (smtp_session_is_tls(s)) {
        smtp_reply_error(s, 503, "5.5.1", "TLS already active");
        return;
    }
    if (!can_starttls(s)) {
        smtp_reply_error(s, 502, "5.5.1", "STARTTLS not available here");
        return;
    }
    smtp_reply(s, 220, "2.0.0", "Ready to start TLS");
    /* The core drops input pipelined after STARTTLS; on_tls_ready resets. */
    smtp_session_set_state(s, SMTP_STATE_TLS);
    smtp_api->conn_start_tls(s->conn);
}

static void
cmd_rset(SmtpSession *s, const char *args)
{
    if (*args != '\0') {
        smtp_reply_error(s, 501, "5.5.4", "Syntax: RSET");
        return;
    }
    smtp_session_reset_transaction(s);
    smtp_reply(s, 250, "2.0.0", "Ok");
}

static void
cmd_quit(SmtpSession *s)
{
    smtp_reply(s, 221, "2.0.0", "Bye");
    smtp_session_set_state(s, SMTP_STATE_CLOSING);
    smtp_api->conn_close(s->conn);
}

static void
cmd_vrfy(SmtpSession *s, const char *args)
{
    if (*args == '\0') {
        smtp_reply_error(s, 501, "5.5.4", "Syntax: VRFY address");
        return;
    }
    /* RFC 5321 3.5.3: do not confirm or deny addresses. */
    smtp_reply(s, 252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
}

static void
cmd_http(SmtpSession *s)
{
    smtp_api->log(HERMOD_LOG_NOTICE, smtp_api->conn_session(s->conn),
                  "smtp: HTTP request from %s, closing", smtp_api->conn_peer(s->conn));
    smtp_reply_close(s, "4.7.0", "This is an SMTP server, not HTTP");
}

void
smtp_cmd_dispatch(SmtpSession *s, const SmtpCommandLine *cl)
{
    const char *args = cl->args;
    s->cmd_name = cmd_names[cl->cmd];
    switch (cl->cmd) {
    case SMTP_CMD_HELO:
        smtp_cmd_ehlo(s, args, FALSE);
        break;
    case SMTP_CMD_EHLO:
        smtp_cmd_ehlo(s, args, TRUE);
        break;
    case SMTP_CMD_MAIL:
        smtp_cmd_mail(s, args);
        break;
    case SMTP_CMD_RCPT:
        smtp_cmd_rcpt(s, args);
        break;
    case SMTP_CMD_DATA:
        smtp_cmd_data(s, args);
        break;
    case SMTP_CMD_BDAT:
        smtp_cmd_bdat(s, args);
        break;
    case SMTP_CMD_RSET:
        cmd_rset(s, args);
        break;
    case SMTP_CMD_NOOP:
        smtp_reply(s, 250, "2.0.0", "Ok");
        break;
    case SMTP_CMD_QUIT:
        cmd_quit(s);
        break;
    case SMTP_CMD_VRFY:
        cmd_vrfy(s, args);
        break;
    case SMTP_CMD_EXPN:
        smtp_reply_error(s, 502, "5.5.1", "EXPN not available");
        break;
    case SMTP_CMD_HELP:
        smtp_reply(s, 214, "2.0.0",
                   "Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP QUIT "
                   "VRFY STARTTLS AUTH; see RFC 5321");
        break;
    case SMTP_CMD_STARTTLS:
        cmd_starttls(s, args);
        break;
    case SMTP_CMD_AUTH:
        smtp_cmd_auth(s, args);
        break;
    case SMTP_CMD_NOT_IMPLEMENTED:
        smtp_reply_error(s, 502, "5.5.1", "Command not implemented");
        break;
    case SMTP_CMD_HTTP:
        cmd_http(s);
        break;
    case SMTP_CMD_UNKNOWN:
    default:
        smtp_reply_error(s, 500, "5.5.2", "Command unrecognized");
        break;
    }
}
