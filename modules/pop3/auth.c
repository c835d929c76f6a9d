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
 * -ERR [AUTH] and CAPA does not list them.  Passwords are wiped from our
 * buffers as soon as they are handed over.
 */
#include "autoconfig.h"

#include <string.h>

#include "pop3.h"

static void
wipe(void *buf, gsize len)
{
    if (buf != NULL)
        memset(buf, 0, len);
    g_free(buf);
}

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
    memset((char *)args, 0, strlen(args));
}

/* Strict base64 (RFC 4648 4, padded).  "=" is the empty response (RFC 5034
 * 4).  Returns NUL-terminated bytes (transfer full) or NULL. */
static guchar *
decode_b64(const char *in, gsize *out_len)
{
    gsize n = strlen(in);
    if (strcmp(in, "=") == 0) {
        *out_len = 0;
        return (guchar *)g_strdup("");
    }
    if (n == 0 || n % 4 != 0)
        return NULL;
    gsize pad = in[n - 1] == '=' ? (in[n - 2] == '=' ? 2 : 1) : 0;
    for (gsize i = 0; i < n - pad; i++) {
        if (!g_ascii_isalnum(in[i]) && in[i] != '+' && in[i] != '/')
            return NULL;
    }
    guchar *out = g_base64_decode(in, out_len);
    guchar *z = g_realloc(out, *out_len + 1);
    z[*out_len] = '\0';
    return z;
}

/* PLAIN: [authzid] NUL authcid NUL passwd; we act for nobody else. */
static void
plain_response(Pop3Session *s, const char *text)
{
    gsize len = 0;
    guchar *buf = decode_b64(text, &len);
    if (buf == NULL) {
        pop3_err(s, NULL, "Invalid base64 data");
        return;
    }
    const guchar *nul1 = memchr(buf, '\0', len);
    const guchar *nul2 = nul1 != NULL ? memchr(nul1 + 1, '\0', len - (nul1 + 1 - buf)) : NULL;
    if (nul2 == NULL || memchr(nul2 + 1, '\0', len - (nul2 + 1 - buf)) != NULL ||
        nul2 == nul1 + 1 || nul2 + 1 == buf + len) {
        pop3_err(s, NULL, "Malformed PLAIN response");
    } else if (buf[0] != '\0' && g_ascii_strcasecmp((const char *)buf, (const char *)nul1 + 1)) {
        pop3_err(s, "AUTH", "Authorization identity not permitted");
    } else {
        check(s, (const char *)nul1 + 1, (const char *)nul2 + 1);
    }
    wipe(buf, len);
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
    plain_response(s, line);
    memset(line, 0, strlen(line));
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
        plain_response(s, words[1]);
        memset(words[1], 0, strlen(words[1]));
        memset((char *)args, 0, strlen(args));
        return;
    }
    pop3_api->conn_printf(s->conn, "+ \r\n");
    pop3_session_set_state(s, POP3_STATE_AUTH_RESPONSE);
}
