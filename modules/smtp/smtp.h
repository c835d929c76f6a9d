/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * smtp.h - the SMTP module's private session state and the functions its
 * files share.
 *
 * One SmtpSession per connection, owned through conn_set_data and freed in
 * on_close.  Every function here runs on the connection's loop thread.
 * Files: module.c (descriptor, settings), session.c (events, line assembly,
 * dispatch), commands.c (HELO/EHLO/RSET/... STARTTLS), envelope.c (MAIL,
 * RCPT), data.c (DATA, BDAT, submission), header.c (From check), auth.c
 * (AUTH PLAIN/LOGIN), reply.c (replies, error counting), parser.c
 * (grammar).
 */
#ifndef SMTP_SMTP_H
#define SMTP_SMTP_H

#include <hermod/hermod.h>

#include "parser.h"

G_BEGIN_DECLS

/* Set by init in module.c; valid until shutdown. */
extern const HermodApi *smtp_api;
extern HermodModule *smtp_module;
extern const HermodSetting smtp_settings[];
extern const HermodProtocol smtp_protocol;

/* RFC 4954 4: a SASL line may be 12288 octets. */
#define SMTP_AUTH_LINE_MAX 12288
/* RFC 1870, 3461 and 4954 each lengthen MAIL and RCPT lines; allow this
 * much on top of max_line for their parameters. */
#define SMTP_PARAM_LINE_EXTRA 1024
/* RFC 5322 2.1.1: 998 characters plus CRLF per message line (DATA). */
#define SMTP_DATA_LINE_MAX 1000

typedef enum {
    SMTP_ROLE_MX,         /* port 25: inbound for local domains */
    SMTP_ROLE_SUBMISSION, /* port 587: STARTTLS, then AUTH, then mail */
    SMTP_ROLE_SMTPS,      /* port 465: implicit TLS, then AUTH */
} SmtpRole;

typedef enum {
    SMTP_STATE_COMMAND, /* command lines */
    SMTP_STATE_DATA,    /* DATA lines up to CRLF.CRLF */
    SMTP_STATE_BDAT,    /* a counted BDAT chunk through on_data */
    SMTP_STATE_AUTH,    /* SASL response lines */
    SMTP_STATE_WAIT,    /* auth_check or msg_submit runs; input paused */
    SMTP_STATE_TLS,     /* STARTTLS handshake runs */
    SMTP_STATE_CLOSING, /* QUIT or a fatal error: input ignored */
} SmtpState;

/* The [smtp] settings, read once per connection. */
typedef struct {
    guint64 max_message_size;
    guint max_recipients;
    guint max_errors;
    guint max_line;
    guint command_timeout;
    guint data_timeout;
    gboolean mx_auth;
    gboolean require_tls_for_auth;
    char *banner;
} SmtpLimits;

typedef struct {
    char *address;
    guint notify; /* HermodNotify */
    char *orcpt;  /* decoded "addr-type;address", nullable */
} SmtpRcpt;

typedef struct SmtpBody SmtpBody; /* data.c */
typedef struct SmtpAuth SmtpAuth; /* auth.c */

typedef struct {
    HermodConn *conn;
    SmtpRole role;
    SmtpState state;
    SmtpLimits lim;
    char *helo;        /* nullable until HELO/EHLO */
    gboolean is_esmtp; /* EHLO rather than HELO */
    char *account;     /* authenticated account, nullable */
    guint errors;
    gboolean shutdown_pending;

    /* command line assembly from partial pieces */
    GString *line;
    gboolean line_overflow;
    const char *cmd_name; /* for the log; static string */

    /* the transaction */
    char *sender; /* NULL: no MAIL yet; "" the null sender */
    char *envid;
    guint msg_flags; /* HermodMsgFlags */
    guint64 declared_size;
    GPtrArray *rcpts; /* SmtpRcpt */
    SmtpBody *body;
    gboolean used_bdat;
    struct {
        gboolean is_last;
        guint error; /* reply code for a refused chunk, 0 if accepted */
        const char *ext, *text;
    } chunk; /* the BDAT chunk being read */

    SmtpAuth *auth;

    guint depth;        /* entry points running; see session.c */
    gboolean is_closed; /* on_close ran; free when depth drops to 0 */
} SmtpSession;

/* session.c */
/* Bracket an entry point (event or completion): the session, or NULL once
 * the connection closed. */
SmtpSession *smtp_session_enter(HermodConn *conn);
void smtp_session_leave(SmtpSession *s);
void smtp_session_reset_transaction(SmtpSession *s);
void smtp_session_set_state(SmtpSession *s, SmtpState state);
gboolean smtp_session_is_tls(SmtpSession *s);
/* May AUTH be offered and used now? */
gboolean smtp_session_auth_allowed(SmtpSession *s);
/* After a paused operation ended: back to commands and resume input. */
void smtp_session_resume(SmtpSession *s);

/* reply.c: every reply carries an enhanced status code ("2.0.0"). */
void smtp_reply(SmtpSession *s, guint code, const char *ext, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
/* A refused command: log one line, count it, and close with 421 once
 * max_errors is reached. */
void smtp_reply_error(SmtpSession *s, guint code, const char *ext, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
/* 421 with this text, then close. */
void smtp_reply_close(SmtpSession *s, const char *ext, const char *text);
/* Multi-line reply from lines (NULL-terminated). */
void smtp_reply_lines(SmtpSession *s, guint code, const char *const *lines);

/* commands.c */
void smtp_cmd_dispatch(SmtpSession *s, const SmtpCommandLine *cl);
void smtp_cmd_ehlo(SmtpSession *s, const char *args, gboolean is_esmtp);

/* envelope.c */
void smtp_cmd_mail(SmtpSession *s, const char *args);
void smtp_cmd_rcpt(SmtpSession *s, const char *args);
void smtp_rcpt_free(gpointer rcpt);
/* May the session's account use address as its sender?  HERMOD_AUTH_OK,
 * FAILED, or TEMPFAIL (logged) when the directory could not be read and
 * the core can say so (addr_check_owner, ABI 1.4). */
HermodAuthResult smtp_check_owner(SmtpSession *s, const char *address);

/* data.c */
void smtp_cmd_data(SmtpSession *s, const char *args);
void smtp_cmd_bdat(SmtpSession *s, const char *args);
void smtp_data_line(SmtpSession *s, const char *line, gsize len, gboolean is_partial);
void smtp_bdat_data(SmtpSession *s, const guint8 *data, gsize len, gboolean is_last);
void smtp_body_free(SmtpBody *body);

/* auth.c */
void smtp_cmd_auth(SmtpSession *s, const char *args);
void smtp_auth_line(SmtpSession *s, char *line);
void smtp_auth_free(SmtpAuth *auth);

G_END_DECLS

#endif
