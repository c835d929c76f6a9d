/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * session.c - one SMTP connection: events from the core, line assembly and
 * the state machine.
 *
 * The core hands us lines (possibly in pieces), counted bytes and TLS,
 * timeout, shutdown and close events; this file keeps the session state,
 * assembles command lines under their length limits and sends each event to
 * the file that owns it (commands.c, data.c, auth.c).  It never parses a
 * command itself.
 *
 * Lifetime: the session is freed in on_close.  Because conn_close may call
 * on_close before it returns, every entry point (the events here and the
 * completions of auth_check and work_run) brackets itself with
 * smtp_session_enter/leave and the free waits until the outermost one
 * unwinds.
 */
#include "autoconfig.h"

#include <string.h>

#include "common/wipe.h"
#include "smtp.h"

static void
load_limits(SmtpLimits *l)
{
    const HermodApi *api = smtp_api;
    l->max_message_size = (guint64)api->setting_int(smtp_module, "max_message_size");
    l->max_recipients = (guint)api->setting_int(smtp_module, "max_recipients");
    l->max_errors = (guint)api->setting_int(smtp_module, "max_errors");
    l->max_line = (guint)api->setting_int(smtp_module, "max_line");
    l->command_timeout = (guint)api->setting_int(smtp_module, "command_timeout");
    l->data_timeout = (guint)api->setting_int(smtp_module, "data_timeout");
    l->mx_auth = api->setting_int(smtp_module, "mx_auth") != 0;
    l->require_tls_for_auth = api->setting_int(smtp_module, "require_tls_for_auth") != 0;
    l->banner = g_strdup(api->setting_string(smtp_module, "banner"));
    for (char *c = l->banner; *c != '\0'; c++) {
        if ((guchar)*c < 0x20)
            *c = ' '; /* GKeyFile unescapes "\n": keep the greeting one line */
    }
}

static SmtpRole
role_of(HermodConn *conn)
{
    const char *role = smtp_api->conn_role(conn);
    if (smtp_api->conn_is_implicit_tls(conn) || g_strcmp0(role, "smtps") == 0)
        return SMTP_ROLE_SMTPS;
    if (g_strcmp0(role, "submission") == 0)
        return SMTP_ROLE_SUBMISSION;
    /* "mx" and anything unknown: the role that never relays unauthenticated. */
    return SMTP_ROLE_MX;
}

SmtpSession *
smtp_session_enter(HermodConn *conn)
{
    SmtpSession *s = smtp_api->conn_get_data(conn);
    if (s != NULL)
        s->depth++;
    return s;
}

static void
session_free(SmtpSession *s)
{
    smtp_session_reset_transaction(s);
    g_ptr_array_unref(s->rcpts);
    smtp_auth_free(s->auth);
    g_string_free(s->line, TRUE);
    g_free(s->helo);
    g_free(s->account);
    g_free(s->lim.banner);
    g_free(s);
}

void
smtp_session_leave(SmtpSession *s)
{
    s->depth--;
    if (s->depth == 0 && s->is_closed)
        session_free(s);
}

void
smtp_session_reset_transaction(SmtpSession *s)
{
    g_clear_pointer(&s->sender, g_free);
    g_clear_pointer(&s->envid, g_free);
    g_ptr_array_set_size(s->rcpts, 0);
    g_clear_pointer(&s->body, smtp_body_free);
    s->msg_flags = 0;
    s->declared_size = 0;
    s->used_bdat = FALSE;
}

void
smtp_session_set_state(SmtpSession *s, SmtpState state)
{
    if (s->state == SMTP_STATE_CLOSING)
        return;
    s->state = state;
    if (state == SMTP_STATE_COMMAND)
        smtp_api->conn_set_timeout(s->conn, s->lim.command_timeout);
    else if (state == SMTP_STATE_DATA || state == SMTP_STATE_BDAT)
        smtp_api->conn_set_timeout(s->conn, s->lim.data_timeout);
}

gboolean
smtp_session_is_tls(SmtpSession *s)
{
    return smtp_api->conn_is_tls(s->conn);
}

gboolean
smtp_session_auth_allowed(SmtpSession *s)
{
    if (s->role == SMTP_ROLE_MX && !s->lim.mx_auth)
        return FALSE;
    return smtp_session_is_tls(s) || !s->lim.require_tls_for_auth;
}

void
smtp_session_resume(SmtpSession *s)
{
    if (s->state == SMTP_STATE_CLOSING)
        return;
    smtp_session_set_state(s, SMTP_STATE_COMMAND);
    if (s->shutdown_pending) {
        smtp_reply_close(s, "4.3.2", "Service shutting down");
        return;
    }
    smtp_api->conn_resume(s->conn);
}

static void
on_connect(HermodConn *conn)
{
    SmtpSession *s = g_new0(SmtpSession, 1);
    s->conn = conn;
    s->role = role_of(conn);
    load_limits(&s->lim);
    s->line = g_string_new(NULL);
    s->rcpts = g_ptr_array_new_with_free_func(smtp_rcpt_free);
    smtp_api->conn_set_data(conn, s);
    smtp_session_set_state(s, SMTP_STATE_COMMAND);
    smtp_api->conn_printf(conn, "220 %s ESMTP %s\r\n", smtp_api->hostname(), s->lim.banner);
}

/* Append a piece to s->line unless the line passed cap; TRUE once the line
 * is complete. */
static gboolean
assemble(SmtpSession *s, const char *piece, gsize len, gboolean is_partial, gsize cap)
{
    if (!s->line_overflow) {
        if (s->line->len + len > cap) {
            s->line_overflow = TRUE;
            g_string_truncate(s->line, 0);
        } else {
            g_string_append_len(s->line, piece, len);
        }
    }
    return !is_partial;
}

static gsize
line_limit(SmtpSession *s, SmtpCmd cmd)
{
    if (cmd == SMTP_CMD_AUTH)
        return SMTP_AUTH_LINE_MAX;
    if (cmd == SMTP_CMD_MAIL || cmd == SMTP_CMD_RCPT)
        return s->lim.max_line + SMTP_PARAM_LINE_EXTRA;
    return s->lim.max_line;
}

static void
command_line(SmtpSession *s)
{
    SmtpCommandLine cl;
    gsize len = s->line->len;
    s->cmd_name = NULL;
    if (s->line_overflow) {
        smtp_reply_error(s, 500, "5.5.2", "Line too long");
        return;
    }
    switch (smtp_parse_line(s->line->str, len, &cl)) {
    case SMTP_LINE_BAD_CHARS:
        smtp_reply_error(s, 500, "5.5.2", "Invalid characters in command");
        return;
    case SMTP_LINE_EMPTY:
        smtp_reply_error(s, 500, "5.5.2", "Empty command");
        return;
    case SMTP_LINE_OK:
        break;
    }
    if (len > line_limit(s, cl.cmd)) {
        smtp_reply_error(s, 500, "5.5.2", "Line too long");
        return;
    }
    smtp_cmd_dispatch(s, &cl);
}

/* Also wipes the bytes: the line may have held a SASL password. */
static void
finish_line(SmtpSession *s)
{
    proto_wipe(s->line->str, s->line->len);
    g_string_truncate(s->line, 0);
    s->line_overflow = FALSE;
}

static void
on_line(HermodConn *conn, const char *line, gsize len, gboolean is_partial)
{
    SmtpSession *s = smtp_session_enter(conn);
    if (s == NULL)
        return;
    gsize cap = MAX(s->lim.max_line + SMTP_PARAM_LINE_EXTRA, SMTP_AUTH_LINE_MAX);
    switch (s->state) {
    case SMTP_STATE_COMMAND:
        if (assemble(s, line, len, is_partial, cap)) {
            command_line(s);
            finish_line(s);
        }
        break;
    case SMTP_STATE_AUTH:
        if (assemble(s, line, len, is_partial, SMTP_AUTH_LINE_MAX + 2)) {
            smtp_auth_line(s, s->line_overflow ? NULL : s->line->str);
            finish_line(s);
        }
        break;
    case SMTP_STATE_DATA:
        smtp_data_line(s, line, len, is_partial);
        break;
    case SMTP_STATE_BDAT:
    case SMTP_STATE_WAIT:
    case SMTP_STATE_TLS:
    case SMTP_STATE_CLOSING:
        /* Paused or closing: the core sends nothing here; drop it if it does. */
        break;
    }
    smtp_session_leave(s);
}

static void
on_data(HermodConn *conn, const guint8 *data, gsize len, gboolean is_last)
{
    SmtpSession *s = smtp_session_enter(conn);
    if (s == NULL)
        return;
    if (s->state == SMTP_STATE_BDAT)
        smtp_bdat_data(s, data, len, is_last);
    smtp_session_leave(s);
}

static void
on_tls_ready(HermodConn *conn)
{
    SmtpSession *s = smtp_session_enter(conn);
    if (s == NULL)
        return;
    /* RFC 3207 4.2: forget everything learnt before TLS. */
    smtp_session_reset_transaction(s);
    g_clear_pointer(&s->helo, g_free);
    g_clear_pointer(&s->account, g_free);
    g_clear_pointer(&s->auth, smtp_auth_free);
    s->is_esmtp = FALSE;
    finish_line(s);
    smtp_session_set_state(s, SMTP_STATE_COMMAND);
    smtp_session_leave(s);
}

static void
on_timeout(HermodConn *conn)
{
    SmtpSession *s = smtp_session_enter(conn);
    if (s == NULL)
        return;
    smtp_api->log(HERMOD_LOG_INFO, smtp_api->conn_session(conn), "smtp: timeout from %s",
                  smtp_api->conn_peer(conn));
    /* The core closes the connection when this returns. */
    smtp_api->conn_printf(conn, "421 4.4.2 %s Error: timeout exceeded\r\n", smtp_api->hostname());
    smtp_session_set_state(s, SMTP_STATE_CLOSING);
    smtp_session_leave(s);
}

static void
on_shutdown(HermodConn *conn)
{
    SmtpSession *s = smtp_session_enter(conn);
    if (s == NULL)
        return;
    /* A message being stored gets its 250 first. */
    if (s->state == SMTP_STATE_WAIT)
        s->shutdown_pending = TRUE;
    else
        smtp_reply_close(s, "4.3.2", "Service shutting down");
    smtp_session_leave(s);
}

static void
on_close(HermodConn *conn)
{
    SmtpSession *s = smtp_api->conn_get_data(conn);
    if (s == NULL)
        return;
    smtp_api->conn_set_data(conn, NULL);
    s->is_closed = TRUE;
    s->depth++;
    smtp_session_leave(s);
}

const HermodProtocol smtp_protocol = {
    .struct_size = sizeof(HermodProtocol),
    .on_connect = on_connect,
    .on_line = on_line,
    .on_data = on_data,
    .on_tls_ready = on_tls_ready,
    .on_timeout = on_timeout,
    .on_shutdown = on_shutdown,
    .on_close = on_close,
    /* ABI 1.5; an older core reads no further than its own struct. */
    .busy_reply = "421 4.7.0 Too many connections from your address\r\n",
};
