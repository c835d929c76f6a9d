/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * auth.c - AUTH PLAIN and AUTH LOGIN (RFC 4954, 4616), with an initial
 * response (SASL-IR) or without.
 *
 * Owns the SASL exchange only: the password check, failure counting and
 * the per-IP block belong to the core (auth_check), which runs off the loop;
 * input is paused meanwhile so that pipelined commands wait for the
 * verdict.  AUTH is offered and accepted only where
 * smtp_session_auth_allowed says so (after TLS unless configured
 * otherwise; on the MX role only with mx_auth).  Base64 and the PLAIN
 * message are decoded by modules/common (sasl-plain.c, the same code as
 * IMAP's and POP3's); passwords are wiped from our buffers (common/wipe.h)
 * as soon as they are handed over.
 */
#include "autoconfig.h"

#include <string.h>

#include "common/sasl-plain.h"
#include "common/wipe.h"
#include "smtp.h"

typedef enum {
    MECH_PLAIN,
    MECH_LOGIN,
} Mech;

struct SmtpAuth {
    Mech mech;
    char *login; /* LOGIN: the user name, while asking for the password */
};

void
smtp_auth_free(SmtpAuth *auth)
{
    if (auth == NULL)
        return;
    g_free(auth->login);
    g_free(auth);
}

static void
end_exchange(SmtpSession *s)
{
    g_clear_pointer(&s->auth, smtp_auth_free);
    smtp_session_set_state(s, SMTP_STATE_COMMAND);
}

static void
auth_done(HermodConn *conn, HermodAuthResult result, const char *account, gpointer data)
{
    SmtpSession *s = smtp_session_enter(conn);
    if (s == NULL)
        return;
    s->cmd_name = "AUTH";
    switch (result) {
    case HERMOD_AUTH_OK:
        s->account = g_strdup(account);
        smtp_reply(s, 235, "2.7.0", "Authentication successful");
        break;
    case HERMOD_AUTH_BLOCKED:
        smtp_reply_close(s, "4.7.0", "Too many authentication failures; try again later");
        break;
    case HERMOD_AUTH_TEMPFAIL:
        smtp_reply_error(s, 454, "4.7.0", "Temporary authentication failure");
        break;
    case HERMOD_AUTH_FAILED:
    default:
        smtp_reply_error(s, 535, "5.7.8", "Authentication credentials invalid");
        break;
    }
    smtp_session_resume(s);
    smtp_session_leave(s);
}

/* Hand login and password to the core; input waits for the answer. */
static void
check(SmtpSession *s, const char *login, const char *password)
{
    g_clear_pointer(&s->auth, smtp_auth_free);
    smtp_session_set_state(s, SMTP_STATE_WAIT);
    smtp_api->conn_pause(s->conn);
    smtp_api->auth_check(s->conn, "smtp", login, password, auth_done, NULL);
}

static void
refuse(SmtpSession *s, guint code, const char *ext, const char *text)
{
    end_exchange(s);
    smtp_reply_error(s, code, ext, "%s", text);
}

/* PLAIN (RFC 4616): [authzid] NUL authcid NUL passwd; we act for nobody
 * else. */
static void
plain_response(SmtpSession *s, const char *text, gboolean is_initial)
{
    g_auto(ProtoSaslPlain) plain = {0};
    g_autoptr(GError) error = NULL;

    if (proto_sasl_plain_decode(text, is_initial, &plain, &error))
        check(s, plain.authcid, plain.passwd);
    else if (g_error_matches(error, PROTO_SASL_ERROR, PROTO_SASL_ERROR_AUTHZID))
        refuse(s, 535, "5.7.8", "Authorization identity not permitted");
    else
        refuse(s, 501, "5.5.2", error->message);
}

/* LOGIN: the user name, then the password. */
static void
login_response(SmtpSession *s, const guchar *buf, gsize len)
{
    if (memchr(buf, '\0', len) != NULL || len == 0) {
        refuse(s, 501, "5.5.2", "Malformed LOGIN response");
        return;
    }
    if (s->auth->login == NULL) {
        s->auth->login = g_strdup((const char *)buf);
        smtp_api->conn_printf(s->conn, "334 UGFzc3dvcmQ6\r\n"); /* "Password:" */
        smtp_session_set_state(s, SMTP_STATE_AUTH);
        return;
    }
    g_autofree char *login = g_steal_pointer(&s->auth->login);
    check(s, login, (const char *)buf);
}

/* LOGIN's user name or password, as long as the line allows. */
static void
login_decode(SmtpSession *s, const char *text, gboolean is_initial)
{
    g_autoptr(GError) error = NULL;
    gsize len = 0;
    guchar *buf = proto_sasl_decode(text, is_initial, SMTP_AUTH_LINE_MAX, &len, &error);

    if (buf == NULL) {
        refuse(s, 501, "5.5.2", error->message);
        return;
    }
    login_response(s, buf, len);
    proto_wipe_free(buf, len);
}

static void
response(SmtpSession *s, const char *text, gboolean is_initial)
{
    if (s->auth->mech == MECH_PLAIN)
        plain_response(s, text, is_initial);
    else
        login_decode(s, text, is_initial);
}

void
smtp_auth_line(SmtpSession *s, char *line)
{
    s->cmd_name = "AUTH";
    if (line == NULL) {
        refuse(s, 500, "5.5.2", "Line too long");
        return;
    }
    gsize len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    if (strcmp(line, "*") == 0) {
        refuse(s, 501, "5.0.0", "Authentication cancelled");
        return;
    }
    response(s, line, FALSE);
    proto_wipe(line, len);
}

/* Order and policy; replies on refusal. */
static gboolean
auth_allowed(SmtpSession *s)
{
    if (s->role == SMTP_ROLE_MX && !s->lim.mx_auth) {
        smtp_reply_error(s, 502, "5.5.1", "AUTH not available on this port");
        return FALSE;
    }
    if (!smtp_session_auth_allowed(s)) {
        smtp_reply_error(s, 530, "5.7.0", "Must issue a STARTTLS command first");
        return FALSE;
    }
    if (s->helo == NULL || !s->is_esmtp) {
        smtp_reply_error(s, 503, "5.5.1", "Send EHLO first");
        return FALSE;
    }
    if (s->account != NULL) {
        smtp_reply_error(s, 503, "5.5.1", "Already authenticated");
        return FALSE;
    }
    if (s->sender != NULL) {
        smtp_reply_error(s, 503, "5.5.1", "AUTH not permitted during a mail transaction");
        return FALSE;
    }
    return TRUE;
}

void
smtp_cmd_auth(SmtpSession *s, const char *args)
{
    if (!auth_allowed(s))
        return;
    g_auto(GStrv) words = g_strsplit(args, " ", 3);
    Mech mech;
    if (words[0] != NULL && g_ascii_strcasecmp(words[0], "PLAIN") == 0) {
        mech = MECH_PLAIN;
    } else if (words[0] != NULL && g_ascii_strcasecmp(words[0], "LOGIN") == 0) {
        mech = MECH_LOGIN;
    } else {
        smtp_reply_error(s, 504, "5.5.4", "Unrecognized authentication type");
        return;
    }
    if (words[1] != NULL && words[2] != NULL) {
        smtp_reply_error(s, 501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
        return;
    }
    s->auth = g_new0(SmtpAuth, 1);
    s->auth->mech = mech;
    if (words[1] != NULL) {
        response(s, words[1], TRUE); /* SASL-IR */
        proto_wipe_str(words[1]);
        return;
    }
    /* PLAIN: an empty challenge; LOGIN: "Username:". */
    smtp_api->conn_printf(s->conn, "334 %s\r\n", mech == MECH_PLAIN ? "" : "VXNlcm5hbWU6");
    smtp_session_set_state(s, SMTP_STATE_AUTH);
}
