/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * session.c - one POP3 connection: events from the core, line assembly,
 * replies and the state machine's bookkeeping.
 *
 * The core hands us lines (possibly in pieces) and TLS, writable, timeout,
 * shutdown and close events; this file keeps the session state, assembles
 * command lines under their length limits, answers "+OK"/"-ERR" (counting
 * refusals) and sends each line to commands.c or auth.c.  It never parses
 * a command itself.
 *
 * Lifetime: the session is freed in on_close.  Because conn_close may call
 * on_close before it returns, every entry point (the events here and the
 * completions of auth_check and work_run) brackets itself with
 * pop3_session_enter/leave and the free waits until the outermost one
 * unwinds.
 */
#include "autoconfig.h"

#include <string.h>

#include "common/wipe.h"
#include "pop3.h"

static void
load_limits(Pop3Limits *l)
{
    const HermodApi *api = pop3_api;
    l->max_errors = (guint)api->setting_int(pop3_module, "max_errors");
    l->max_line = (guint)api->setting_int(pop3_module, "max_line");
    l->command_timeout = (guint)api->setting_int(pop3_module, "command_timeout");
    l->require_tls_for_auth = api->setting_int(pop3_module, "require_tls_for_auth") != 0;
    l->set_seen = api->setting_int(pop3_module, "set_seen") != 0;
    l->banner = g_strdup(api->setting_string(pop3_module, "banner"));
    for (char *c = l->banner; *c != '\0'; c++) {
        if ((guchar)*c < 0x20)
            *c = ' '; /* GKeyFile unescapes "\n": keep the greeting one line */
    }
}

Pop3Session *
pop3_session_enter(HermodConn *conn)
{
    Pop3Session *s = pop3_api->conn_get_data(conn);
    if (s != NULL)
        s->depth++;
    return s;
}

/* Also wipes the bytes: the line may have held a password. */
static void
finish_line(Pop3Session *s)
{
    proto_wipe(s->line->str, s->line->len);
    g_string_truncate(s->line, 0);
    s->line_overflow = FALSE;
}

static void
session_free(Pop3Session *s)
{
    pop3_stream_free(s->stream);
    pop3_drop_free(s->drop);
    finish_line(s);
    g_string_free(s->line, TRUE);
    g_free(s->user);
    g_free(s->account);
    g_free(s->lim.banner);
    g_free(s);
}

void
pop3_session_leave(Pop3Session *s)
{
    s->depth--;
    if (s->depth == 0 && s->is_closed)
        session_free(s);
}

void
pop3_session_set_state(Pop3Session *s, Pop3State state)
{
    if (s->state == POP3_STATE_CLOSING)
        return;
    s->state = state;
}

gboolean
pop3_session_login_allowed(Pop3Session *s)
{
    return !s->lim.require_tls_for_auth || pop3_api->conn_is_tls(s->conn) ||
           pop3_api->conn_is_trusted(s->conn);
}

void
pop3_session_wait(Pop3Session *s)
{
    pop3_session_set_state(s, POP3_STATE_WAIT);
    pop3_api->conn_pause(s->conn);
}

void
pop3_session_resume(Pop3Session *s, Pop3State state)
{
    if (s->state == POP3_STATE_CLOSING)
        return;
    pop3_session_set_state(s, state);
    pop3_api->conn_resume(s->conn);
}

/* (transfer full) the formatted text with CR, LF and NUL made blanks. */
static char *
format_text(const char *fmt, va_list ap)
{
    char *text = g_strdup_vprintf(fmt, ap);
    for (char *c = text; *c != '\0'; c++) {
        if (*c == '\r' || *c == '\n')
            *c = ' ';
    }
    return text;
}

void
pop3_ok(Pop3Session *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *text = format_text(fmt, ap);
    va_end(ap);
    pop3_api->conn_printf(s->conn, "+OK %s\r\n", text);
}

static void
write_err(Pop3Session *s, const char *code, const char *text)
{
    if (code != NULL)
        pop3_api->conn_printf(s->conn, "-ERR [%s] %s\r\n", code, text);
    else
        pop3_api->conn_printf(s->conn, "-ERR %s\r\n", text);
    pop3_api->log(HERMOD_LOG_INFO, pop3_api->conn_session(s->conn), "pop3 %s from %s: -ERR %s",
                  s->cmd_name != NULL ? s->cmd_name : "input", pop3_api->conn_peer(s->conn), text);
}

void
pop3_err_close(Pop3Session *s, const char *code, const char *text)
{
    if (s->state == POP3_STATE_CLOSING)
        return;
    write_err(s, code, text);
    pop3_session_set_state(s, POP3_STATE_CLOSING);
    pop3_api->conn_close(s->conn);
}

void
pop3_err(Pop3Session *s, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *text = format_text(fmt, ap);
    va_end(ap);
    write_err(s, code, text);
    s->errors++;
    if (s->errors >= s->lim.max_errors) {
        pop3_api->log(HERMOD_LOG_NOTICE, pop3_api->conn_session(s->conn),
                      "pop3: %u refused commands from %s, closing", s->errors,
                      pop3_api->conn_peer(s->conn));
        pop3_err_close(s, NULL, "Too many errors, closing connection");
    }
}

static void
on_connect(HermodConn *conn)
{
    Pop3Session *s = g_new0(Pop3Session, 1);
    s->conn = conn;
    s->is_pop3s = pop3_api->conn_is_implicit_tls(conn);
    load_limits(&s->lim);
    s->line = g_string_new(NULL);
    pop3_api->conn_set_data(conn, s);
    pop3_api->conn_set_timeout(conn, s->lim.command_timeout);
    s->state = POP3_STATE_AUTHORIZATION;
    pop3_ok(s, "%s", s->lim.banner);
}

/* Append a piece to s->line unless the line passed cap; TRUE once the line
 * is complete. */
static gboolean
assemble(Pop3Session *s, const char *piece, gsize len, gboolean is_partial, gsize cap)
{
    if (!s->line_overflow) {
        if (s->line->len + len > cap) {
            s->line_overflow = TRUE;
            finish_line(s);
            s->line_overflow = TRUE;
        } else {
            g_string_append_len(s->line, piece, len);
        }
    }
    return !is_partial;
}

static void
command_line(Pop3Session *s)
{
    Pop3CommandLine cl;
    gsize len = s->line->len;
    s->cmd_name = NULL;
    if (s->line_overflow) {
        pop3_err(s, NULL, "Line too long");
        return;
    }
    switch (pop3_parse_line(s->line->str, len, &cl)) {
    case POP3_LINE_BAD_CHARS:
        pop3_err(s, NULL, "Invalid characters in command");
        return;
    case POP3_LINE_EMPTY:
        pop3_err(s, NULL, "Empty command");
        return;
    case POP3_LINE_OK:
        break;
    }
    if (cl.cmd != POP3_CMD_AUTH && len > s->lim.max_line) {
        pop3_err(s, NULL, "Line too long");
        return;
    }
    pop3_cmd_dispatch(s, &cl);
}

static void
auth_response(Pop3Session *s)
{
    if (s->line_overflow) {
        pop3_auth_line(s, NULL);
        return;
    }
    gsize len = s->line->len;
    while (len > 0 && (s->line->str[len - 1] == '\n' || s->line->str[len - 1] == '\r'))
        s->line->str[--len] = '\0';
    pop3_auth_line(s, s->line->str);
}

static void
on_line(HermodConn *conn, const char *line, gsize len, gboolean is_partial)
{
    Pop3Session *s = pop3_session_enter(conn);
    if (s == NULL)
        return;
    gsize cap = MAX(s->lim.max_line, POP3_AUTH_LINE_MAX);
    switch (s->state) {
    case POP3_STATE_AUTHORIZATION:
    case POP3_STATE_TRANSACTION:
        if (assemble(s, line, len, is_partial, cap)) {
            command_line(s);
            finish_line(s);
        }
        break;
    case POP3_STATE_AUTH_RESPONSE:
        if (assemble(s, line, len, is_partial, POP3_AUTH_LINE_MAX + 2)) {
            auth_response(s);
            finish_line(s);
        }
        break;
    case POP3_STATE_WAIT:
    case POP3_STATE_SENDING:
    case POP3_STATE_TLS:
    case POP3_STATE_CLOSING:
        /* Paused or closing: the core sends nothing here; drop it if it does. */
        break;
    }
    pop3_session_leave(s);
}

static void
on_writable(HermodConn *conn)
{
    Pop3Session *s = pop3_session_enter(conn);
    if (s == NULL)
        return;
    if (s->state == POP3_STATE_SENDING)
        pop3_stream_writable(s);
    pop3_session_leave(s);
}

static void
on_tls_ready(HermodConn *conn)
{
    Pop3Session *s = pop3_session_enter(conn);
    if (s == NULL)
        return;
    /* RFC 2595 4: forget what the client said before TLS. */
    g_clear_pointer(&s->user, g_free);
    finish_line(s);
    pop3_session_set_state(s, POP3_STATE_AUTHORIZATION);
    pop3_session_leave(s);
}

static void
on_timeout(HermodConn *conn)
{
    Pop3Session *s = pop3_session_enter(conn);
    if (s == NULL)
        return;
    pop3_api->log(HERMOD_LOG_INFO, pop3_api->conn_session(conn), "pop3: timeout from %s",
                  pop3_api->conn_peer(conn));
    /* RFC 1939 3: an autologout timer ends the session without UPDATE.
     * The core closes the connection when this returns. */
    if (s->state != POP3_STATE_SENDING)
        pop3_api->conn_printf(conn, "-ERR Autologout; idle for too long\r\n");
    pop3_session_set_state(s, POP3_STATE_CLOSING);
    pop3_session_leave(s);
}

static void
on_shutdown(HermodConn *conn)
{
    Pop3Session *s = pop3_session_enter(conn);
    if (s == NULL)
        return;
    /* Expunging at QUIT: let it finish and answer; otherwise say goodbye
     * without entering UPDATE (RFC 1939 6: no deletions). */
    if (s->state != POP3_STATE_WAIT || s->account == NULL || s->drop == NULL)
        pop3_err_close(s, "SYS/TEMP", "Server shutting down");
    pop3_session_leave(s);
}

static void
on_close(HermodConn *conn)
{
    Pop3Session *s = pop3_api->conn_get_data(conn);
    if (s == NULL)
        return;
    pop3_api->conn_set_data(conn, NULL);
    s->is_closed = TRUE;
    s->depth++;
    pop3_session_leave(s);
}

const HermodProtocol pop3_protocol = {
    .struct_size = sizeof(HermodProtocol),
    .on_connect = on_connect,
    .on_line = on_line,
    .on_writable = on_writable,
    .on_tls_ready = on_tls_ready,
    .on_timeout = on_timeout,
    .on_shutdown = on_shutdown,
    .on_close = on_close,
    /* ABI 1.5; an older core reads no further than its own struct. */
    .busy_reply = "-ERR [SYS/TEMP] Too many connections from your address\r\n",
};
