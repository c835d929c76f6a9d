/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * auth.c - logging in: USER/PASS (RFC 1939 7) and AUTH PLAIN (RFC 5034,
 * 4616) with an initial response or after a "+ " continuation.
 *
 * Owns the exchange only: the password check, failure counting and the
 * per-IP block belong to the core (auth_check), which runs off the loop;
 * input is paused meanwhile so that pipelined commands wait for the
 * verdict.  Logins are accepted only where pop3_session_login_allowed says
 * so (TLS, a trusted peer, or require_tls_for_auth off); elsewhere they get
 * -ERR [AUTH] and CAPA does not list them.  The PLAIN response is decoded
 * by modules/common (sasl-plain.c, shared with SMTP and IMAP); passwords
 * are wiped from our buffers (common/wipe.h) as soon as they are handed
 * over.
 */
#include "autoconfig.h"

#include <string.h>

#include "common/sasl-plain.h"
#include "common/wipe.h"
#include "pop3.h"

static void
auth_done(HermodConn *conn, HermodAuthResult result, const char *account, gpointer data)
{
    Pop3Session *s = pop3_session_enter(conn);
    if (s == NULL)
        return;
    switch (result) {
    case HERMOD_AUTH_OK:
        pop3_drop_open(s, account);
        break;
    case HERMOD_AUTH_BLOCKED:
        pop3_err_close(s, "SYS/TEMP", "Too many authentication failures; try again later");
        break;
    case HERMOD_AUTH_TEMPFAIL:
        pop3_err(s, "SYS/TEMP", "Temporary authentication failure");
        pop3_session_resume(s, POP3_STATE_AUTHORIZATION);
        break;
    case HERMOD_AUTH_FAILED:
    default:
        pop3_err(s, "AUTH", "Authentication failed");
        pop3_session_resume(s, POP3_STATE_AUTHORIZATION);
        break;
    }
    pop3_session_leave(s);
}

/* Hand login and password to the core; input waits for the answer. */
static void
check(Pop3Session *s, const char *login, const char *password)
{
    g_clear_pointer(&s->user, g_free);
    pop3_session_wait(s);
    pop3_api->auth_check(s->conn, "pop3", login, password, auth_done, NULL);
}

static gboolean
login_allowed(Pop3Session *s)
{
    if (pop3_session_login_allowed(s))
        return TRUE;
    pop3_err(s, "AUTH", "Plain-text login is not allowed here; issue STLS first");
    return FALSE;
}

void
pop3_cmd_user(Pop3Session *s, const char *args)
{
    if (!login_allowed(s))
        return;
    if (*args == '\0' || strlen(args) > 255) {
        pop3_err(s, NULL, "Syntax: USER name");
        return;
    }
    g_free(s->user);
    s->user = g_strdup(args);
    pop3_ok(s, "Send PASS");
}

void
pop3_cmd_pass(Pop3Session *s, const char *args)
{
    if (!login_allowed(s))
        return;
    if (s->user == NULL) {
        pop3_err(s, NULL, "Send USER first");
        return;
    }
    /* RFC 1939 7: the password may contain spaces; take the rest of the line. */
    g_autofree char *user = g_strdup(s->user);
    check(s, user, args);
    proto_wipe_str((char *)args);
}

/* PLAIN (RFC 4616): [authzid] NUL authcid NUL passwd; we act for nobody
 * else.  is_initial: text came with the AUTH command ("=" is empty). */
static void
plain_response(Pop3Session *s, const char *text, gboolean is_initial)
{
    g_auto(ProtoSaslPlain) plain = {0};
    g_autoptr(GError) error = NULL;

    if (proto_sasl_plain_decode(text, is_initial, &plain, &error))
        check(s, plain.authcid, plain.passwd);
    else if (g_error_matches(error, PROTO_SASL_ERROR, PROTO_SASL_ERROR_AUTHZID))
        pop3_err(s, "AUTH", "Authorization identity not permitted");
    else
        pop3_err(s, NULL, "%s", error->message);
}

void
pop3_auth_line(Pop3Session *s, char *line)
{
    s->cmd_name = "AUTH";
    pop3_session_set_state(s, POP3_STATE_AUTHORIZATION);
    if (line == NULL) {
        pop3_err(s, NULL, "Line too long");
        return;
    }
    if (strcmp(line, "*") == 0) {
        pop3_err(s, NULL, "Authentication cancelled");
        return;
    }
    plain_response(s, line, FALSE);
    proto_wipe_str(line);
}

void
pop3_cmd_auth(Pop3Session *s, const char *args)
{
    if (*args == '\0') {
        /* The pre-CAPA listing many clients (fetchmail) still probe. */
        pop3_api->conn_printf(s->conn, "+OK\r\n%s.\r\n",
                              pop3_session_login_allowed(s) ? "PLAIN\r\n" : "");
        return;
    }
    if (!login_allowed(s))
        return;
    g_auto(GStrv) words = g_strsplit(args, " ", 3);
    if (g_ascii_strcasecmp(words[0], "PLAIN") != 0) {
        pop3_err(s, NULL, "Unrecognized authentication mechanism");
        return;
    }
    if (words[1] != NULL && words[2] != NULL) {
        pop3_err(s, NULL, "Syntax: AUTH mechanism [initial-response]");
        return;
    }
    if (words[1] != NULL) {
        plain_response(s, words[1], TRUE);
        proto_wipe_str(words[1]);
        proto_wipe_str((char *)args);
        return;
    }
    pop3_api->conn_printf(s->conn, "+ \r\n");
    pop3_session_set_state(s, POP3_STATE_AUTH_RESPONSE);
}
