/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * pop3.h - the POP3 module's private session state and the functions its
 * files share.
 *
 * One Pop3Session per connection, owned through conn_set_data and freed in
 * on_close.  Every function here runs on the connection's loop thread
 * unless it says otherwise.  Files: module.c (descriptor, settings),
 * session.c (events, line assembly, replies, error counting), commands.c
 * (dispatch, CAPA, STLS, STAT, LIST, UIDL, DELE, RSET, NOOP, QUIT), auth.c
 * (USER/PASS, AUTH PLAIN), maildrop.c (the INBOX snapshot, the one-session-
 * per-mailbox lock, the UPDATE state), retr.c (RETR and TOP, streamed),
 * parser.c (grammar).
 */
#ifndef POP3_POP3_H
#define POP3_POP3_H

#include <hermod/hermod.h>
#include <hermod/mailstore.h>

#include "parser.h"

G_BEGIN_DECLS

/* Set by init in module.c; valid until shutdown. */
extern const HermodApi *pop3_api;
extern HermodModule *pop3_module;
extern const HermodSetting pop3_settings[];
extern const HermodProtocol pop3_protocol;

/* RFC 5034 4: a SASL line may be longer than a command; allow this much. */
#define POP3_AUTH_LINE_MAX 12288

typedef enum {
    POP3_STATE_AUTHORIZATION, /* USER/PASS, AUTH, CAPA, STLS */
    POP3_STATE_AUTH_RESPONSE, /* AUTH PLAIN waits for the "+ " response */
    POP3_STATE_TRANSACTION,   /* the maildrop is ours */
    POP3_STATE_WAIT,          /* auth_check, opening or expunging; input paused */
    POP3_STATE_SENDING,       /* RETR/TOP streams; input paused */
    POP3_STATE_TLS,           /* STLS handshake runs */
    POP3_STATE_CLOSING,       /* QUIT or a fatal error: input ignored */
} Pop3State;

/* The [pop3] settings, read once per connection. */
typedef struct {
    guint max_errors;
    guint max_line;
    guint command_timeout;
    gboolean require_tls_for_auth;
    gboolean set_seen;
    char *banner;
} Pop3Limits;

/* One message of the maildrop, numbered from 1 by its index + 1. */
typedef struct {
    guint32 uid;
    guint64 size;
    gboolean is_deleted; /* DELE in this session */
    gboolean is_read;    /* RETR in this session: \Seen at QUIT */
    gboolean was_seen;   /* \Seen at login: nothing to set at QUIT */
} Pop3Msg;

typedef struct Pop3Drop Pop3Drop;     /* maildrop.c */
typedef struct Pop3Stream Pop3Stream; /* retr.c */

typedef struct {
    HermodConn *conn;
    gboolean is_pop3s; /* implicit TLS listener */
    Pop3State state;
    Pop3Limits lim;
    guint errors;
    char *user;    /* USER's argument, until PASS */
    char *account; /* canonical account once authenticated */
    Pop3Drop *drop;
    Pop3Stream *stream;

    GString *line;
    gboolean line_overflow;
    const char *cmd_name; /* for the log; static string */

    guint depth;        /* entry points running; see session.c */
    gboolean is_closed; /* on_close ran; free when depth drops to 0 */
} Pop3Session;

/* session.c */
/* Bracket an entry point: the session, or NULL once the connection closed. */
Pop3Session *pop3_session_enter(HermodConn *conn);
void pop3_session_leave(Pop3Session *s);
void pop3_session_set_state(Pop3Session *s, Pop3State state);
/* May USER/PASS and AUTH be used now (TLS, or trusted, or allowed)? */
gboolean pop3_session_login_allowed(Pop3Session *s);
/* Pause input and enter WAIT (a blocking store call or auth check). */
void pop3_session_wait(Pop3Session *s);
/* After a paused operation: back to state and resume input. */
void pop3_session_resume(Pop3Session *s, Pop3State state);
/* "+OK text" */
void pop3_ok(Pop3Session *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* A refused command: "-ERR text" (code is an RFC 2449 response code like
 * "AUTH" or NULL), logged and counted; closes after max_errors. */
void pop3_err(Pop3Session *s, const char *code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* "-ERR [code] text", logged, then close. */
void pop3_err_close(Pop3Session *s, const char *code, const char *text);

/* commands.c */
void pop3_cmd_dispatch(Pop3Session *s, const Pop3CommandLine *cl);

/* auth.c */
void pop3_cmd_user(Pop3Session *s, const char *args);
void pop3_cmd_pass(Pop3Session *s, const char *args);
void pop3_cmd_auth(Pop3Session *s, const char *args);
/* The SASL response line (without its terminator), or NULL: too long. */
void pop3_auth_line(Pop3Session *s, char *line);

/* maildrop.c */
/* account authenticated: lock the mailbox, open the store and snapshot
 * INBOX on the work pool, then answer +OK (TRANSACTION) or -ERR. */
void pop3_drop_open(Pop3Session *s, const char *account);
void pop3_drop_free(Pop3Drop *drop);   /* nullable; releases the lock */
guint pop3_drop_count(Pop3Drop *drop); /* messages, deleted ones included */
/* Message number n (1-based), or NULL if out of range or deleted; with
 * a reply already sent ("-ERR no such message") when reply is TRUE. */
Pop3Msg *pop3_drop_msg(Pop3Session *s, const char *arg, gboolean reply);
Pop3Msg *pop3_drop_nth(Pop3Drop *drop, guint n);
/* RSET: unmark every deleted message. */
void pop3_drop_rset(Pop3Drop *drop);
guint32 pop3_drop_uidvalidity(Pop3Drop *drop);
HermodMailStore *pop3_drop_store(Pop3Drop *drop);
/* QUIT in TRANSACTION: the UPDATE state (expunge, \Seen), then close. */
void pop3_drop_update(Pop3Session *s);

/* retr.c */
/* The bytes of uid in store's INBOX (proto_message_bytes: read_message
 * from an ABI 1.3 core, read when small and mapped when big; open_message
 * from an older one).  Any thread.  (transfer full) */
GBytes *pop3_message_bytes(HermodMailStore *store, guint32 uid, GError **error);
/* RETR (lines < 0) or TOP (lines >= 0): stream message m. */
void pop3_send_message(Pop3Session *s, Pop3Msg *m, gint64 lines);
void pop3_stream_writable(Pop3Session *s);
void pop3_stream_free(Pop3Stream *st); /* nullable */

G_END_DECLS

#endif
