/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * reply.c - how the SMTP module answers.
 *
 * Every reply but the greeting, the HELO/EHLO answer, the 354 go-ahead and
 * SASL challenges carries an enhanced status code (RFC 2034, 3463).  A refused command is
 * logged once here, counted, and after [smtp] max_errors refusals the
 * session ends with 421.  Reply text never contains CR or LF, whatever an
 * error message held.
 */
#include "autoconfig.h"

#include <string.h>

#include "smtp.h"

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
smtp_reply(SmtpSession *s, guint code, const char *ext, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *text = format_text(fmt, ap);
    va_end(ap);
    smtp_api->conn_printf(s->conn, "%u %s %s\r\n", code, ext, text);
}

void
smtp_reply_close(SmtpSession *s, const char *ext, const char *text)
{
    if (s->state == SMTP_STATE_CLOSING)
        return;
    smtp_api->conn_printf(s->conn, "421 %s %s %s\r\n", ext, smtp_api->hostname(), text);
    smtp_session_set_state(s, SMTP_STATE_CLOSING);
    smtp_api->conn_close(s->conn);
}

void
smtp_reply_error(SmtpSession *s, guint code, const char *ext, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *text = format_text(fmt, ap);
    va_end(ap);
    smtp_api->conn_printf(s->conn, "%u %s %s\r\n", code, ext, text);
    smtp_api->log(HERMOD_LOG_INFO, smtp_api->conn_session(s->conn), "smtp %s from %s: %u %s %s",
                  s->cmd_name != NULL ? s->cmd_name : "input", smtp_api->conn_peer(s->conn), code,
                  ext, text);
    s->errors++;
    if (s->errors >= s->lim.max_errors) {
        smtp_api->log(HERMOD_LOG_NOTICE, smtp_api->conn_session(s->conn),
                      "smtp: %u refused commands from %s, closing", s->errors,
                      smtp_api->conn_peer(s->conn));
        smtp_reply_close(s, "4.7.0", "Too many errors, closing connection");
    }
}

void
smtp_reply_lines(SmtpSession *s, guint code, const char *const *lines)
{
    g_autoptr(GString) out = g_string_new(NULL);
    for (gsize i = 0; lines[i] != NULL; i++) {
        gboolean is_last = lines[i + 1] == NULL;
        g_string_append_printf(out, "%u%c%s\r\n", code, is_last ? ' ' : '-', lines[i]);
    }
    smtp_api->conn_write(s->conn, out->str, out->len);
}
