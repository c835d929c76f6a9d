/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-login.c - LOGIN and AUTHENTICATE PLAIN (with SASL-IR, RFC 4959):
 * the two ways a client logs in (RFC 9051 6.2.2, 6.2.3).
 *
 * Passwords are checked by the core (auth_check, off the loop, counted for
 * dynamic screening); this file only gets them there.  PLAIN responses are
 * decoded by modules/common (sasl-plain.c), as SMTP and POP3 decode them.
 * Without TLS and outside [auth] trusted_networks, LOGIN and AUTHENTICATE
 * are refused ([PRIVACYREQUIRED]; CAPABILITY says LOGINDISABLED).  After a
 * good login the account's store is opened on the work pool and a change
 * watch is set up for IDLE and untagged updates.
 */
#include "autoconfig.h"

#include <string.h>

#include "common/sasl-plain.h"
#include "common/wipe.h"
#include "session.h"

gboolean
imap_may_login(ImapSession *s)
{
    return imap_api->conn_is_tls(s->conn) || imap_api->conn_is_trusted(s->conn);
}

typedef struct {
    ImapSession *s;
    char *tag;
    char *account;
    HermodMailStore *store;
    GError *error;
} Login;

static void
login_free(gpointer data)
{
    Login *l = data;
    g_free(l->tag);
    g_free(l->account);
    if (l->store != NULL)
        imap_mail->unref(l->store);
    g_clear_error(&l->error);
    g_free(l);
}

static void
open_work(gpointer data)
{
    Login *l = data;
    l->store = imap_mail->open(l->account, &l->error);
}

static void
on_watch(HermodConn *conn, const char *mailbox, gpointer data)
{
    ImapSession *s = imap_session_enter(conn);
    if (s == NULL)
        return;
    if (mailbox == NULL && s->sel != NULL)
        s->is_sel_suspect = TRUE; /* mailboxes created, deleted or renamed */
    if (s->input == IMAP_IN_IDLE)
        imap_idle_changed(s);
    imap_session_leave(s);
}

static void
open_done(ImapSession *s, gpointer data)
{
    Login *l = data;
    if (l->store == NULL) {
        imap_reply_error(s, l->tag, l->error);
        imap_session_resume(s);
        return;
    }
    s->store = g_steal_pointer(&l->store);
    s->account = g_steal_pointer(&l->account);
    s->state = IMAP_STATE_AUTH;
    s->watch_id = imap_mail->watch_add(s->conn, s->account, on_watch, NULL);
    imap_api->log(HERMOD_LOG_INFO, imap_api->conn_session(s->conn), "imap: login %s from %s",
                  s->account, imap_api->conn_peer(s->conn));
    g_autofree char *caps = imap_capabilities(s);
    g_autofree char *code = g_strconcat("CAPABILITY ", caps, NULL);
    imap_tagged(s, l->tag, "OK", code, "Logged in");
    imap_session_resume(s);
}

static void
auth_done(HermodConn *conn, HermodAuthResult result, const char *account, gpointer data)
{
    Login *l = data;
    ImapSession *s = l->s;
    if (s->is_closed || imap_api->conn_is_closed(conn)) {
        login_free(l);
        imap_session_leave(s);
        return;
    }
    if (result == HERMOD_AUTH_OK && imap_mail != NULL) {
        l->account = g_strdup(account);
        imap_session_work(s, open_work, open_done, l, login_free);
    } else {
        if (result == HERMOD_AUTH_OK) {
            s->account = g_strdup(account);
            s->state = IMAP_STATE_AUTH;
            imap_tagged(s, l->tag, "OK", NULL, "Logged in (no mail store in this core)");
        } else if (result == HERMOD_AUTH_FAILED || result == HERMOD_AUTH_BLOCKED) {
            imap_tagged(s, l->tag, "NO", "AUTHENTICATIONFAILED", "Authentication failed");
        } else {
            imap_tagged(s, l->tag, "NO", "UNAVAILABLE", "Authentication temporarily unavailable");
        }
        login_free(l);
        imap_session_resume(s);
    }
    imap_session_leave(s);
}

/* The session's depth holds it across auth_check; auth_done releases it. */
static void
login_start(ImapSession *s, const char *tag, const char *user, const char *password)
{
    Login *l = g_new0(Login, 1);
    l->s = s;
    l->tag = g_strdup(tag);
    s->depth++;
    s->input = IMAP_IN_WAIT;
    imap_flush(s);
    imap_api->conn_pause(s->conn);
    imap_api->auth_check(s->conn, "imap", user, password, auth_done, l);
}

void
imap_cmd_login(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    if (!imap_may_login(s)) {
        imap_tagged(s, cmd->tag, "NO", "PRIVACYREQUIRED", "Use STARTTLS first");
        return;
    }
    ImapArg *user = cmd->args->len == 2 ? g_ptr_array_index(cmd->args, 0) : NULL;
    ImapArg *pass = cmd->args->len == 2 ? g_ptr_array_index(cmd->args, 1) : NULL;
    if (user == NULL || !imap_arg_is_astring(user) || !imap_arg_is_astring(pass)) {
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG", "LOGIN needs a user name and a password");
        return;
    }
    login_start(s, cmd->tag, user->str, pass->str);
    proto_wipe(pass->str, pass->len);
}

/* PLAIN (RFC 4616): [authzid] NUL authcid NUL password, decoded by
 * modules/common (sasl-plain.c) as SMTP and POP3 decode it.  is_initial:
 * the SASL-IR argument, where "=" is the empty response (RFC 4959 3). */
static void
sasl_plain(ImapSession *s, const char *tag, const char *b64, gboolean is_initial)
{
    g_auto(ProtoSaslPlain) plain = {0};
    g_autoptr(GError) error = NULL;

    if (proto_sasl_plain_decode(b64, is_initial, &plain, &error))
        login_start(s, tag, plain.authcid, plain.passwd);
    else if (g_error_matches(error, PROTO_SASL_ERROR, PROTO_SASL_ERROR_AUTHZID))
        imap_tagged(s, tag, "NO", "AUTHORIZATIONFAILED", "Cannot act as another user");
    else
        imap_tagged(s, tag, "BAD", "CLIENTBUG", error->message);
}

void
imap_cmd_authenticate(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    ImapArg *mech = cmd->args->len >= 1 ? g_ptr_array_index(cmd->args, 0) : NULL;
    if (mech == NULL || mech->type != IMAP_ARG_ATOM || cmd->args->len > 2) {
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG", "AUTHENTICATE needs a mechanism");
        return;
    }
    if (!imap_arg_atom_is(mech, "PLAIN")) {
        imap_tagged(s, cmd->tag, "NO", "CANNOT", "Unsupported mechanism");
        return;
    }
    if (!imap_may_login(s)) {
        imap_tagged(s, cmd->tag, "NO", "PRIVACYREQUIRED", "Use STARTTLS first");
        return;
    }
    if (cmd->args->len == 2) {
        ImapArg *ir = g_ptr_array_index(cmd->args, 1);
        if (ir->str == NULL) /* NIL or a list: not base64 */
            imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG", "Invalid base64 data");
        else
            sasl_plain(s, cmd->tag, ir->str, TRUE);
        proto_wipe(ir->str, ir->len);
        return;
    }
    g_free(s->wait_tag);
    s->wait_tag = g_strdup(cmd->tag);
    s->input = IMAP_IN_SASL;
    imap_printf(s, "+ \r\n");
}

void
imap_auth_line(ImapSession *s, const char *line, gsize len)
{
    g_autofree char *tag = g_steal_pointer(&s->wait_tag);
    s->input = IMAP_IN_COMMAND;
    if (line == NULL || len > 8192) {
        imap_tagged(s, tag, "BAD", "TOOBIG", "Response too long");
        return;
    }
    g_autofree char *text = g_strndup(line, len);
    g_strchomp(text);
    if (strcmp(text, "*") == 0)
        imap_tagged(s, tag, "BAD", NULL, "AUTHENTICATE cancelled");
    else
        sasl_plain(s, tag, text, FALSE);
    proto_wipe_str(text);
}
