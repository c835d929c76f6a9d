/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * session.c - one IMAP connection: core events, command assembly, dispatch.
 *
 * The core hands us lines (in pieces past its line limit) and counted
 * bytes.  This file gathers one whole command - its lines plus the literals
 * they announce ("{N}" answered with "+ Ready", "{N+}" read at once) - under
 * the size limits, parses it with parser.c and calls the handler that owns
 * it from the table below, checking the state first.  Handlers that need the
 * store's blocking calls use imap_session_work, which pauses input until the
 * work finished on the pool.  Too many bad commands end the session with BYE.
 *
 * Lifetime: conn_close may run on_close before it returns, so every entry
 * point brackets itself with imap_session_enter/leave and the session is
 * freed when the outermost one unwinds after on_close.
 */
#include "autoconfig.h"

#include <string.h>

#include "common/wipe.h"
#include "session.h"

#define STATE_NOAUTH (1u << IMAP_STATE_NOAUTH)
#define STATE_AUTH   (1u << IMAP_STATE_AUTH)
#define STATE_SEL    (1u << IMAP_STATE_SELECTED)
#define STATE_ANY    (STATE_NOAUTH | STATE_AUTH | STATE_SEL)
#define STATE_LOGGED (STATE_AUTH | STATE_SEL)

typedef struct {
    const char *name;
    ImapCmdFunc fn;
    guint states;
    gboolean has_uid; /* may follow "UID" */
} CmdDef;

static const CmdDef commands[] = {
    {"CAPABILITY", imap_cmd_capability, STATE_ANY, FALSE},
    {"NOOP", imap_cmd_noop, STATE_ANY, FALSE},
    {"LOGOUT", imap_cmd_logout, STATE_ANY, FALSE},
    {"ID", imap_cmd_id, STATE_ANY, FALSE},
    {"STARTTLS", imap_cmd_starttls, STATE_NOAUTH, FALSE},
    {"LOGIN", imap_cmd_login, STATE_NOAUTH, FALSE},
    {"AUTHENTICATE", imap_cmd_authenticate, STATE_NOAUTH, FALSE},
    {"ENABLE", imap_cmd_enable, STATE_LOGGED, FALSE},
    {"NAMESPACE", imap_cmd_namespace, STATE_LOGGED, FALSE},
    {"COMPRESS", imap_cmd_compress, STATE_LOGGED, FALSE},
    {"SELECT", imap_cmd_select, STATE_LOGGED, FALSE},
    {"EXAMINE", imap_cmd_select, STATE_LOGGED, FALSE},
    {"CREATE", imap_cmd_create, STATE_LOGGED, FALSE},
    {"DELETE", imap_cmd_delete, STATE_LOGGED, FALSE},
    {"RENAME", imap_cmd_rename, STATE_LOGGED, FALSE},
    {"SUBSCRIBE", imap_cmd_subscribe, STATE_LOGGED, FALSE},
    {"UNSUBSCRIBE", imap_cmd_subscribe, STATE_LOGGED, FALSE},
    {"LIST", imap_cmd_list, STATE_LOGGED, FALSE},
    {"LSUB", imap_cmd_list, STATE_LOGGED, FALSE},
    {"STATUS", imap_cmd_status, STATE_LOGGED, FALSE},
    {"APPEND", imap_cmd_append, STATE_LOGGED, FALSE},
    {"IDLE", imap_cmd_idle, STATE_LOGGED, FALSE},
    {"GETQUOTA", imap_cmd_getquota, STATE_LOGGED, FALSE},
    {"GETQUOTAROOT", imap_cmd_getquota, STATE_LOGGED, FALSE},
    {"CHECK", imap_cmd_check, STATE_SEL, FALSE},
    {"CLOSE", imap_cmd_close, STATE_SEL, FALSE},
    {"UNSELECT", imap_cmd_close, STATE_SEL, FALSE},
    {"EXPUNGE", imap_cmd_expunge, STATE_SEL, TRUE},
    {"STORE", imap_cmd_store, STATE_SEL, TRUE},
    {"COPY", imap_cmd_copy, STATE_SEL, TRUE},
    {"MOVE", imap_cmd_copy, STATE_SEL, TRUE},
    {"FETCH", imap_cmd_fetch, STATE_SEL, TRUE},
    {"SEARCH", imap_cmd_search, STATE_SEL, TRUE},
    {"SORT", imap_cmd_search, STATE_SEL, TRUE},
    {"THREAD", imap_cmd_search, STATE_SEL, TRUE},
};

static void
load_limits(ImapLimits *l)
{
    const HermodApi *api = imap_api;
    l->max_line = (guint64)api->setting_int(imap_module, "max_line");
    l->max_literal = (guint64)api->setting_int(imap_module, "max_literal");
    l->max_message_size = (guint64)api->setting_int(imap_module, "max_message_size");
    l->max_bad = (guint)api->setting_int(imap_module, "max_bad_commands");
    l->timeout = (guint)api->setting_int(imap_module, "timeout");
    l->idle_timeout = (guint)api->setting_int(imap_module, "idle_timeout");
}

ImapSession *
imap_session_enter(HermodConn *conn)
{
    ImapSession *s = imap_api->conn_get_data(conn);
    if (s != NULL)
        s->depth++;
    return s;
}

static void
session_free(ImapSession *s)
{
    if (s->watch_id != 0 && imap_mail != NULL)
        imap_mail->watch_remove(s->watch_id);
    g_clear_pointer(&s->sel, imap_selected_free);
    if (s->store != NULL)
        imap_mail->unref(s->store);
    g_clear_pointer(&s->searchres, g_array_unref);
    if (s->on_drained_free != NULL)
        s->on_drained_free(s->on_drained_data);
    imap_output_free(s->out);
    g_byte_array_unref(s->cmd);
    g_free(s->wait_tag);
    g_free(s->account);
    g_free(s);
}

void
imap_session_leave(ImapSession *s)
{
    s->depth--;
    if (s->depth == 0 && s->is_closed)
        session_free(s);
}

void
imap_session_bye(ImapSession *s, const char *text)
{
    if (s->input == IMAP_IN_CLOSING)
        return;
    imap_printf(s, "* BYE %s\r\n", text);
    imap_flush(s);
    s->input = IMAP_IN_CLOSING;
    s->state = IMAP_STATE_LOGOUT;
    imap_api->conn_close(s->conn);
}

void
imap_tagged(ImapSession *s, const char *tag, const char *status, const char *code, const char *text)
{
    if (code != NULL)
        imap_printf(s, "%s %s [%s] %s\r\n", tag, status, code, text);
    else
        imap_printf(s, "%s %s %s\r\n", tag, status, text);
}

void
imap_reply_failed(ImapSession *s, const char *tag, const GError *error, const char *fallback)
{
    if (error != NULL && error->domain == HERMOD_MAIL_ERROR)
        imap_reply_error(s, tag, error);
    else
        imap_tagged(s, tag, "NO", NULL, error != NULL ? error->message : fallback);
}

void
imap_reply_error(ImapSession *s, const char *tag, const GError *error)
{
    const char *code = "SERVERBUG";
    if (error->domain == HERMOD_MAIL_ERROR) {
        switch ((HermodMailError)error->code) {
        case HERMOD_MAIL_ERROR_NO_MAILBOX:
            code = "NONEXISTENT";
            break;
        case HERMOD_MAIL_ERROR_EXISTS:
            code = "ALREADYEXISTS";
            break;
        case HERMOD_MAIL_ERROR_OVER_QUOTA:
            code = "OVERQUOTA";
            break;
        case HERMOD_MAIL_ERROR_INVALID:
            code = "CANNOT";
            break;
        case HERMOD_MAIL_ERROR_NO_MESSAGE:
            code = "EXPUNGEISSUED";
            break;
        case HERMOD_MAIL_ERROR_IO: /* the store could not answer: try again later */
            code = "UNAVAILABLE";
            break;
        case HERMOD_MAIL_ERROR_MODIFIED:
            break;
        }
    }
    if (g_strcmp0(code, "SERVERBUG") == 0 || g_strcmp0(code, "UNAVAILABLE") == 0)
        imap_api->log(HERMOD_LOG_WARNING, imap_api->conn_session(s->conn), "imap: store: %s",
                      error->message);
    g_autofree char *text = g_strdelimit(g_strdup(error->message), "\r\n", ' ');
    imap_tagged(s, tag, "NO", code, text);
}

gboolean
imap_require_store(ImapSession *s, const char *tag)
{
    if (s->store != NULL)
        return TRUE;
    imap_tagged(s, tag, "NO", "UNAVAILABLE", "The mail store is not available");
    return FALSE;
}

void
imap_session_after_command(ImapSession *s, gboolean allow_expunge)
{
    if (s->sel != NULL && s->store != NULL)
        imap_selected_sync(s, allow_expunge, NULL);
}

void
imap_ok_after_command(ImapSession *s, const char *tag, const char *text)
{
    imap_session_after_command(s, TRUE);
    imap_tagged(s, tag, "OK", NULL, text);
}

void
imap_session_resume(ImapSession *s)
{
    if (s->input == IMAP_IN_CLOSING || s->is_closed)
        return;
    s->input = IMAP_IN_COMMAND;
    imap_flush(s);
    if (s->is_shutdown_pending) {
        imap_session_bye(s, "Server shutting down");
        return;
    }
    imap_api->conn_set_timeout(s->conn, s->lim.timeout);
    if (imap_output_queued(s) == 0)
        imap_api->conn_resume(s->conn); /* else imap_flush resumes once drained */
}

/* --- work pool --- */

typedef struct {
    ImapSession *s;
    HermodWorkFunc work;
    ImapDoneFunc done;
    gpointer data;
    GDestroyNotify free_fn;
} Work;

static void
work_thread(gpointer data)
{
    Work *w = data;
    w->work(w->data);
}

static void
work_done(HermodConn *conn, gpointer data)
{
    Work *w = data;
    ImapSession *s = w->s;
    if (!s->is_closed && !imap_api->conn_is_closed(conn))
        w->done(s, w->data);
    if (w->free_fn != NULL)
        w->free_fn(w->data);
    g_free(w);
    imap_session_leave(s);
}

void
imap_session_work(ImapSession *s, HermodWorkFunc work, ImapDoneFunc done, gpointer data,
                  GDestroyNotify free_fn)
{
    Work *w = g_new0(Work, 1);
    w->s = s;
    w->work = work;
    w->done = done;
    w->data = data;
    w->free_fn = free_fn;
    s->depth++; /* the session outlives the connection until done ran */
    s->input = IMAP_IN_WAIT;
    imap_flush(s);
    imap_api->conn_pause(s->conn);
    imap_api->work_run(s->conn, work_thread, work_done, w);
}

/* --- dispatch --- */

static void
bad_command(ImapSession *s, const char *tag, const char *code, const char *text)
{
    if (tag != NULL)
        imap_tagged(s, tag, "BAD", code, text);
    else
        imap_printf(s, "* BAD %s%s%s%s\r\n", code ? "[" : "", code ? code : "", code ? "] " : "",
                    text);
    if (++s->bad_count >= s->lim.max_bad)
        imap_session_bye(s, "Too many invalid commands");
}

/* Commands whose grammar (RFC 9051 9) has no arguments at all. */
static gboolean
takes_no_args(const char *name, gboolean is_uid)
{
    static const char *const names[] = {"CAPABILITY", "NOOP",  "LOGOUT",   "STARTTLS", "NAMESPACE",
                                        "CHECK",      "CLOSE", "UNSELECT", "IDLE"};
    if (strcmp(name, "EXPUNGE") == 0)
        return !is_uid;
    for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
        if (strcmp(names[i], name) == 0)
            return TRUE;
    }
    return FALSE;
}

static const CmdDef *
find_command(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

/* Turn "UID FETCH ..." into name FETCH with the argument removed. */
static const CmdDef *
resolve_uid(ImapCommand *cmd, gboolean *out_is_uid)
{
    *out_is_uid = FALSE;
    if (strcmp(cmd->name, "UID") != 0)
        return find_command(cmd->name);
    if (cmd->args->len == 0)
        return NULL;
    ImapArg *sub = g_ptr_array_index(cmd->args, 0);
    if (sub->type != IMAP_ARG_ATOM)
        return NULL;
    char *name = g_ascii_strup(sub->str, -1);
    g_free(cmd->name);
    cmd->name = name;
    g_ptr_array_remove_index(cmd->args, 0);
    *out_is_uid = TRUE;
    const CmdDef *def = find_command(name);
    return def != NULL && def->has_uid ? def : NULL;
}

static void
run_command(ImapSession *s, ImapCommand *cmd)
{
    gboolean is_uid = FALSE;
    const CmdDef *def = resolve_uid(cmd, &is_uid);
    if (def == NULL) {
        bad_command(s, cmd->tag, "CLIENTBUG", "Unknown command");
        return;
    }
    if ((def->states & (1u << s->state)) == 0) {
        const char *why = s->state == IMAP_STATE_NOAUTH ? "Log in first"
                          : s->state == IMAP_STATE_SELECTED || def->states == STATE_NOAUTH
                              ? "Not allowed in this state"
                              : "Select a mailbox first";
        bad_command(s, cmd->tag, "CLIENTBUG", why);
        return;
    }
    if (cmd->args->len > 0 && takes_no_args(def->name, is_uid)) {
        bad_command(s, cmd->tag, "CLIENTBUG", "This command takes no arguments");
        return;
    }
    if (s->state == IMAP_STATE_SELECTED && !imap_selected_verify(s))
        return; /* the selected mailbox is gone: BYE sent */
    def->fn(s, cmd, is_uid);
}

/* The tag of the command in s->cmd, for a tagged refusal. (transfer full) */
static char *
peek_tag(ImapSession *s)
{
    char *tag = NULL;
    imap_command_free(imap_parse_command((const char *)s->cmd->data, s->cmd->len, &tag, NULL));
    return tag;
}

static void
command_done(ImapSession *s)
{
    const guint8 *buf = s->cmd->data;
    gsize len = s->cmd->len;
    g_autofree char *tag = NULL;
    g_autoptr(GError) error = NULL;
    if (s->is_overflow) {
        tag = peek_tag(s);
        bad_command(s, tag, "TOOBIG", "Command line too long");
        return;
    }
    g_autoptr(ImapCommand) cmd = imap_parse_command((const char *)buf, len, &tag, &error);
    if (cmd == NULL) {
        if (g_error_matches(error, IMAP_PARSE_ERROR, IMAP_PARSE_ERROR_NO_TAG))
            bad_command(s, NULL, NULL, error->message);
        else
            bad_command(s, tag, "CLIENTBUG", error->message);
        return;
    }
    run_command(s, cmd);
}

/* A command buffer that grew past this is freed, not kept for reuse. */
#define CMD_KEEP (256 * 1024)

static void
reset_command(ImapSession *s)
{
    /* Also wipes the bytes: the command may have held a password. */
    gsize used = s->cmd->len;
    proto_wipe(s->cmd->data, used);
    if (used > CMD_KEEP) {
        /* An APPEND's literal grew it: give the memory back rather than
         * keep it (resident, after the wipe) for the session's life. */
        g_byte_array_unref(s->cmd);
        s->cmd = g_byte_array_new();
    } else {
        g_byte_array_set_size(s->cmd, 0);
    }
    s->line_start = 0;
    s->is_overflow = FALSE;
    s->cmd_cap = s->lim.max_line;
}

/* Is the command being assembled an APPEND (its literal may be large)? */
static gboolean
is_append(ImapSession *s)
{
    gsize len = MIN(s->cmd->len, 64);
    g_autofree char *head = g_ascii_strup((const char *)s->cmd->data, len);
    const char *sp = memchr(head, ' ', len);
    return sp != NULL && g_str_has_prefix(sp + 1, "APPEND ");
}

/* The line just completed announced a literal of size n. */
static void
literal_announced(ImapSession *s, guint64 n, gboolean is_nonsync)
{
    guint64 limit = is_append(s) ? s->lim.max_message_size : s->lim.max_literal;
    if (n > limit || s->cmd->len + n > s->cmd_cap + limit) {
        if (is_nonsync) {
            imap_session_bye(s, "[TOOBIG] Literal too large");
            return;
        }
        g_autofree char *tag = peek_tag(s);
        imap_tagged(s, tag != NULL ? tag : "*", "NO", "TOOBIG", "Literal too large");
        reset_command(s);
        return;
    }
    s->cmd_cap += n;
    if (!is_nonsync) {
        imap_printf(s, "+ Ready for literal data\r\n");
        imap_flush(s);
    }
    if (n == 0) {
        s->line_start = s->cmd->len;
        return;
    }
    s->input = IMAP_IN_LITERAL;
    imap_api->conn_read_bytes(s->conn, n);
}

static void
command_line(ImapSession *s)
{
    guint64 n = 0;
    gboolean is_nonsync = FALSE;
    const char *line = (const char *)s->cmd->data + s->line_start;
    gsize len = s->cmd->len - s->line_start;
    if (!s->is_overflow && imap_line_literal(line, len, &n, &is_nonsync)) {
        literal_announced(s, n, is_nonsync);
        return;
    }
    command_done(s);
    if (s->input != IMAP_IN_CLOSING)
        reset_command(s);
}

static void
on_line(HermodConn *conn, const char *line, gsize len, gboolean is_partial)
{
    ImapSession *s = imap_session_enter(conn);
    if (s == NULL)
        return;
    switch (s->input) {
    case IMAP_IN_COMMAND:
        if (!s->is_overflow) {
            /* Keep what fits even of an overlong line: its tag is needed
             * for the tagged BAD the client waits for. */
            guint64 room = s->cmd_cap > s->cmd->len ? s->cmd_cap - s->cmd->len : 0;
            g_byte_array_append(s->cmd, (const guint8 *)line, (guint)MIN((guint64)len, room));
            s->is_overflow = len > room;
        }
        if (!is_partial)
            command_line(s);
        break;
    case IMAP_IN_SASL:
        imap_auth_line(s, is_partial ? NULL : line, len);
        break;
    case IMAP_IN_IDLE:
        if (!is_partial)
            imap_idle_line(s, line, len);
        break;
    case IMAP_IN_LITERAL:
    case IMAP_IN_WAIT:
    case IMAP_IN_CLOSING:
        break;
    }
    imap_flush(s);
    imap_session_leave(s);
}

static void
on_data(HermodConn *conn, const guint8 *data, gsize len, gboolean is_last)
{
    ImapSession *s = imap_session_enter(conn);
    if (s == NULL)
        return;
    if (s->input == IMAP_IN_LITERAL) {
        g_byte_array_append(s->cmd, data, len);
        if (is_last) {
            s->input = IMAP_IN_COMMAND;
            s->line_start = s->cmd->len;
        }
    }
    imap_session_leave(s);
}

static void
on_connect(HermodConn *conn)
{
    ImapSession *s = g_new0(ImapSession, 1);
    s->conn = conn;
    load_limits(&s->lim);
    s->out = imap_output_new();
    s->cmd = g_byte_array_new();
    reset_command(s);
    imap_api->conn_set_data(conn, s);
    imap_api->conn_set_timeout(conn, s->lim.timeout);
    g_autofree char *caps = imap_capabilities(s);
    imap_printf(s, "* OK [CAPABILITY %s] %s Hermod IMAP ready\r\n", caps, imap_api->hostname());
    imap_flush(s);
}

static void
on_writable(HermodConn *conn)
{
    ImapSession *s = imap_session_enter(conn);
    if (s == NULL)
        return;
    imap_output_on_writable(s);
    imap_session_leave(s);
}

static void
on_tls_ready(HermodConn *conn)
{
    ImapSession *s = imap_session_enter(conn);
    if (s == NULL)
        return;
    reset_command(s);
    imap_session_resume(s);
    imap_session_leave(s);
}

static void
on_timeout(HermodConn *conn)
{
    ImapSession *s = imap_session_enter(conn);
    if (s == NULL)
        return;
    imap_api->log(HERMOD_LOG_INFO, imap_api->conn_session(conn), "imap: timeout from %s",
                  imap_api->conn_peer(conn));
    imap_printf(s, "* BYE Autologout; idle for too long\r\n");
    imap_flush(s);
    s->input = IMAP_IN_CLOSING;
    imap_session_leave(s);
}

static void
on_shutdown(HermodConn *conn)
{
    ImapSession *s = imap_session_enter(conn);
    if (s == NULL)
        return;
    if (s->input == IMAP_IN_WAIT)
        s->is_shutdown_pending = TRUE;
    else
        imap_session_bye(s, "Server shutting down");
    imap_session_leave(s);
}

static void
on_close(HermodConn *conn)
{
    ImapSession *s = imap_api->conn_get_data(conn);
    if (s == NULL)
        return;
    imap_api->conn_set_data(conn, NULL);
    s->is_closed = TRUE;
    s->depth++;
    imap_session_leave(s);
}

const HermodProtocol imap_protocol = {
    .struct_size = sizeof(HermodProtocol),
    .on_connect = on_connect,
    .on_line = on_line,
    .on_data = on_data,
    .on_writable = on_writable,
    .on_tls_ready = on_tls_ready,
    .on_timeout = on_timeout,
    .on_shutdown = on_shutdown,
    .on_close = on_close,
    /* ABI 1.5; an older core reads no further than its own struct. */
    .busy_reply = "* BYE [UNAVAILABLE] Too many connections from your address\r\n",
};
