/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * parser.c - the POP3 command grammar and the multi-line wire encoding.
 *
 * Owns the byte-level rules only: which keyword a line holds, strict
 * message numbers, and dot-stuffing of stored messages (RFC 1939 3) with
 * TOP's header-plus-n-lines cut.  Messages stored with CRLF (all that
 * SMTP and IMAP deliver) go out byte for byte; a bare LF becomes CRLF.  It knows nothing of
 * sessions or state; commands.c decides what a command means where.
 */
#include "autoconfig.h"

#include <string.h>

#include "parser.h"

static const struct {
    const char *name;
    Pop3Cmd cmd;
} keywords[] = {
    {"USER", POP3_CMD_USER}, {"PASS", POP3_CMD_PASS}, {"AUTH", POP3_CMD_AUTH},
    {"CAPA", POP3_CMD_CAPA}, {"STLS", POP3_CMD_STLS}, {"STAT", POP3_CMD_STAT},
    {"LIST", POP3_CMD_LIST}, {"UIDL", POP3_CMD_UIDL}, {"RETR", POP3_CMD_RETR},
    {"TOP", POP3_CMD_TOP},   {"DELE", POP3_CMD_DELE}, {"RSET", POP3_CMD_RSET},
    {"NOOP", POP3_CMD_NOOP}, {"QUIT", POP3_CMD_QUIT}, {"APOP", POP3_CMD_APOP},
};

static Pop3Cmd
lookup(const char *word, gsize len)
{
    for (gsize i = 0; i < G_N_ELEMENTS(keywords); i++) {
        if (strlen(keywords[i].name) == len &&
            g_ascii_strncasecmp(word, keywords[i].name, len) == 0)
            return keywords[i].cmd;
    }
    return POP3_CMD_UNKNOWN;
}

Pop3LineResult
pop3_parse_line(char *line, gsize len, Pop3CommandLine *out)
{
    if (len > 0 && line[len - 1] == '\n')
        len--;
    if (len > 0 && line[len - 1] == '\r')
        len--;
    line[len] = '\0';
    for (gsize i = 0; i < len; i++) {
        guchar c = (guchar)line[i];
        if (c < 0x20 && c != '\t')
            return POP3_LINE_BAD_CHARS;
        if (c == 0x7f)
            return POP3_LINE_BAD_CHARS;
    }
    if (len == 0)
        return POP3_LINE_EMPTY;
    const char *sp = strchr(line, ' ');
    gsize word = sp != NULL ? (gsize)(sp - line) : len;
    out->cmd = lookup(line, word);
    out->args = sp != NULL ? sp + 1 : line + len;
    return POP3_LINE_OK;
}

static gboolean
parse_decimal(const char *text, guint64 max, guint64 *out)
{
    guint64 n = 0;
    if (*text == '\0' || strlen(text) > 20)
        return FALSE;
    for (const char *p = text; *p != '\0'; p++) {
        if (!g_ascii_isdigit(*p))
            return FALSE;
        n = n * 10 + (guint64)(*p - '0');
        if (n > max)
            return FALSE;
    }
    *out = n;
    return TRUE;
}

gboolean
pop3_parse_msgnum(const char *text, guint32 *out)
{
    guint64 n;
    if (!parse_decimal(text, G_MAXUINT32, &n) || n == 0)
        return FALSE;
    *out = (guint32)n;
    return TRUE;
}

gboolean
pop3_parse_count(const char *text, gint64 *out)
{
    guint64 n;
    if (!parse_decimal(text, G_MAXINT64, &n))
        return FALSE;
    *out = (gint64)n;
    return TRUE;
}

gboolean
pop3_split2(char *text, char **out_a, char **out_b)
{
    char *sp = strchr(text, ' ');
    if (sp == NULL || sp == text || sp[1] == '\0' || strchr(sp + 1, ' ') != NULL)
        return FALSE;
    *sp = '\0';
    *out_a = text;
    *out_b = sp + 1;
    return TRUE;
}

void
pop3_stuffer_init(Pop3Stuffer *st, gint64 lines)
{
    memset(st, 0, sizeof(*st));
    st->lines_left = lines;
    st->at_line_start = TRUE;
}

/* A whole line ended at nl (pointing into the span starting at start). */
static void
line_ended(Pop3Stuffer *st, const char *start, const char *nl)
{
    gsize total = st->line_len + (gsize)(nl - start);
    char last = nl > start ? nl[-1] : st->prev;
    gboolean is_blank = total == 0 || (total == 1 && last == '\r');
    if (st->in_body) {
        if (st->lines_left > 0)
            st->lines_left--;
    } else if (is_blank) {
        st->in_body = TRUE;
    }
    st->at_line_start = TRUE;
    st->line_len = 0;
    st->prev = '\0';
}

/* Lines that need no change are copied as one run, so a message without
 * dot lines or bare LFs costs one append per chunk, not one per line. */
gsize
pop3_stuffer_feed(Pop3Stuffer *st, const char *in, gsize len, GString *out)
{
    gsize pos = 0, run = 0;
    while (pos < len) {
        if (st->in_body && st->lines_left == 0 && st->at_line_start) {
            st->is_done = TRUE;
            break;
        }
        gboolean is_dot = st->at_line_start && in[pos] == '.';
        const char *start = in + pos;
        const char *nl = memchr(start, '\n', len - pos);
        gsize end = nl != NULL ? (gsize)(nl - in) + 1 : len;
        /* A bare LF: POP3 lines end in CRLF (RFC 1939 3). */
        gboolean is_bare = nl != NULL && (nl > start ? nl[-1] : st->prev) != '\r';
        if (is_dot || is_bare) {
            g_string_append_len(out, in + run, (gssize)(pos - run));
            if (is_dot)
                g_string_append_c(out, '.');
            if (is_bare) {
                g_string_append_len(out, start, nl - start);
                g_string_append(out, "\r\n");
            } else {
                g_string_append_len(out, start, (gssize)(end - pos));
            }
            run = end;
        }
        if (nl != NULL) {
            line_ended(st, start, nl);
        } else {
            st->line_len += end - pos;
            st->prev = in[end - 1];
            st->at_line_start = FALSE;
        }
        pos = end;
    }
    g_string_append_len(out, in + run, (gssize)(pos - run));
    if (st->in_body && st->lines_left == 0 && st->at_line_start)
        st->is_done = TRUE;
    return pos;
}

void
pop3_stuffer_finish(Pop3Stuffer *st, GString *out)
{
    if (!st->at_line_start)
        g_string_append(out, "\r\n");
    g_string_append(out, ".\r\n");
}

guint64
pop3_wire_size(const char *data, gsize len)
{
    guint64 size = len;
    const char *end = data + len;
    for (const char *nl = memchr(data, '\n', len); nl != NULL;
         nl = memchr(nl + 1, '\n', (gsize)(end - nl - 1))) {
        if (nl == data || nl[-1] != '\r')
            size++;
    }
    if (len > 0 && end[-1] != '\n')
        size += 2;
    return size;
}
