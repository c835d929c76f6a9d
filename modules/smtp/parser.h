/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * parser.h - SMTP command-line grammar (RFC 5321, 1870, 3461, 6531).
 *
 * Pure functions over bytes: no session, no core.  Everything here is safe
 * on arbitrary input (the fuzz target tests/fuzz/fuzz-smtp-cmd.c calls it).
 */
#ifndef SMTP_PARSER_H
#define SMTP_PARSER_H

#include <glib.h>

G_BEGIN_DECLS

/* RFC 5321 4.5.3.1.3: a path is at most 256 octets including "<>". */
#define SMTP_PATH_MAX 256
/* RFC 3461 4.2 and 4.4: ENVID and ORCPT are at most 100 and 500 octets. */
#define SMTP_ENVID_MAX 100
#define SMTP_ORCPT_MAX 500

typedef enum {
    SMTP_CMD_UNKNOWN = 0,
    SMTP_CMD_HELO,
    SMTP_CMD_EHLO,
    SMTP_CMD_MAIL,
    SMTP_CMD_RCPT,
    SMTP_CMD_DATA,
    SMTP_CMD_BDAT,
    SMTP_CMD_RSET,
    SMTP_CMD_NOOP,
    SMTP_CMD_QUIT,
    SMTP_CMD_VRFY,
    SMTP_CMD_EXPN,
    SMTP_CMD_HELP,
    SMTP_CMD_STARTTLS,
    SMTP_CMD_AUTH,
    SMTP_CMD_NOT_IMPLEMENTED, /* a known SMTP verb we do not offer (TURN, ETRN, ...) */
    SMTP_CMD_HTTP,            /* "GET", "POST", ...: a browser or proxy attack */
} SmtpCmd;

typedef enum {
    SMTP_LINE_OK = 0,
    SMTP_LINE_BAD_CHARS, /* NUL or another control character in the line */
    SMTP_LINE_EMPTY,     /* nothing but the terminator */
} SmtpLineResult;

/* One command line split into verb and arguments. */
typedef struct {
    SmtpCmd cmd;
    const char *verb; /* points into the caller's buffer; not NUL-terminated */
    gsize verb_len;
    const char *args; /* after the verb and its blanks; "" if none; transfer none */
} SmtpCommandLine;

/* Split line (len bytes, terminator included or not, NUL-terminated at
 * line[len]) into verb and arguments.  The terminator and trailing blanks
 * are cut by writing a NUL, so line must be writable.  Any thread. */
SmtpLineResult smtp_parse_line(char *line, gsize len, SmtpCommandLine *out);

typedef enum {
    SMTP_PATH_OK = 0,
    SMTP_PATH_SYNTAX,   /* not <mailbox> */
    SMTP_PATH_TOO_LONG, /* longer than SMTP_PATH_MAX */
    SMTP_PATH_BAD_UTF8, /* non-ASCII that is not valid UTF-8 */
} SmtpPathResult;

typedef struct {
    char *address;      /* mailbox without "<>" and without source route;
                         * "" for the null path; transfer full */
    gboolean has_route; /* "<@a,@b:user@c>" */
    gboolean is_utf8;   /* has non-ASCII octets (needs SMTPUTF8) */
} SmtpPath;

/* Parse a path at *p ("<...>"), advance *p past it.  allow_null accepts
 * "<>" (reverse-path).  A bare "<Postmaster>" (RFC 5321 4.5.1) comes back
 * as "postmaster" with no domain.  On success fill out (caller frees
 * out->address with g_free).  Any thread. */
SmtpPathResult smtp_parse_path(const char **p, gboolean allow_null, SmtpPath *out);

/* One ESMTP parameter "KEYWORD[=value]". */
typedef struct {
    char *keyword; /* upper-cased; transfer full */
    char *value;   /* nullable; transfer full */
} SmtpParam;

/* Parse what follows a path: blanks, then parameters separated by blanks.
 * Returns an array of SmtpParam (transfer full, free with
 * g_ptr_array_unref) or NULL on a syntax error.  Any thread. */
GPtrArray *smtp_parse_params(const char *p);

/* Is s valid xtext (RFC 3461 4)?  Then *out_decoded gets the decoded text
 * (transfer full). */
gboolean smtp_xtext_decode(const char *s, char **out_decoded);

/* Parse a decimal number with no sign, no blanks and no overflow. */
gboolean smtp_parse_number(const char *s, guint64 *out_value);

/* Is s a usable HELO/EHLO argument: a domain or an address literal made of
 * letters, digits and ".-_:[]", at most 255 octets? */
gboolean smtp_is_helo_name(const char *s);

G_END_DECLS

#endif
