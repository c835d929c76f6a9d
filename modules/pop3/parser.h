/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * parser.h - POP3 command-line grammar (RFC 1939, 2449, 2595, 5034) and
 * the multi-line wire encoding (dot-stuffing, TOP's line count).
 *
 * Pure functions over bytes: no session, no core.  Everything here is safe
 * on arbitrary input (the fuzz target tests/fuzz/fuzz-pop3-cmd.c calls it).
 */
#ifndef POP3_PARSER_H
#define POP3_PARSER_H

#include <glib.h>

G_BEGIN_DECLS

/* RFC 2449 4: a keyword is 3 or 4 characters, an argument up to 40. */
#define POP3_ARG_MAX 40

typedef enum {
    POP3_CMD_UNKNOWN = 0,
    POP3_CMD_USER,
    POP3_CMD_PASS,
    POP3_CMD_AUTH,
    POP3_CMD_CAPA,
    POP3_CMD_STLS,
    POP3_CMD_STAT,
    POP3_CMD_LIST,
    POP3_CMD_UIDL,
    POP3_CMD_RETR,
    POP3_CMD_TOP,
    POP3_CMD_DELE,
    POP3_CMD_RSET,
    POP3_CMD_NOOP,
    POP3_CMD_QUIT,
    POP3_CMD_APOP, /* known but not offered: we keep no plain-text secrets */
} Pop3Cmd;

typedef enum {
    POP3_LINE_OK = 0,
    POP3_LINE_BAD_CHARS, /* NUL or another control character in the line */
    POP3_LINE_EMPTY,     /* nothing but the terminator */
} Pop3LineResult;

/* One command line split into keyword and arguments. */
typedef struct {
    Pop3Cmd cmd;
    const char *args; /* after the keyword and one space; NUL-terminated
                       * (the terminator was cut off); "" when none */
} Pop3CommandLine;

/* Parse line (len bytes with or without its CRLF / LF terminator, which is
 * cut off in place).  Fills *out on POP3_LINE_OK. */
Pop3LineResult pop3_parse_line(char *line, gsize len, Pop3CommandLine *out);

/* A strict decimal number 1..G_MAXUINT32 (message numbers). */
gboolean pop3_parse_msgnum(const char *text, guint32 *out);
/* A strict decimal number 0..G_MAXINT64 (TOP's line count). */
gboolean pop3_parse_count(const char *text, gint64 *out);
/* Split "a b" into two words; FALSE unless exactly two single-spaced
 * words.  *out_b points into text, which is modified (a is cut). */
gboolean pop3_split2(char *text, char **out_a, char **out_b);

/* Encodes a stored message as a POP3 multi-line body: a '.' is doubled at
 * the start of every line; with a line limit (TOP) it stops after the
 * header, the blank line and that many body lines.  Bytes are otherwise
 * passed through exactly as stored, except that a bare LF becomes CRLF. */
typedef struct {
    gint64 lines_left; /* body lines still to send; < 0: all (RETR) */
    gboolean in_body;  /* the blank line after the header passed */
    gboolean at_line_start;
    gsize line_len;   /* bytes of the current line so far */
    char prev;        /* last byte of the current line so far */
    gboolean is_done; /* TOP: the limit was reached */
} Pop3Stuffer;

void pop3_stuffer_init(Pop3Stuffer *st, gint64 lines);
/* Encode up to len bytes of in onto out; returns how many were consumed
 * (less than len only once is_done). */
gsize pop3_stuffer_feed(Pop3Stuffer *st, const char *in, gsize len, GString *out);
/* The end: CRLF if the message did not end with a line end, then ".CRLF". */
void pop3_stuffer_finish(Pop3Stuffer *st, GString *out);
/* The octets RETR sends for a stored message of len bytes, without the
 * dot-stuffing and the terminating ".CRLF" (RFC 1939 11: the size LIST and
 * STAT report): every bare LF counts as CRLF, and a missing final line end
 * as CRLF. */
guint64 pop3_wire_size(const char *data, gsize len);

G_END_DECLS

#endif
