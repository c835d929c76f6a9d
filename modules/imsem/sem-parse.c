/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sem-parse.c - reading a semaphore file: the name pattern and the
 * content
 *
 *     recipient@example.test
 *     sender@example.test
 *
 *     Text, possibly several lines.
 *
 * Lines end in LF or CRLF; a UTF-8 byte-order mark at the start is
 * skipped (Windows scripts write one).  The whole file must be UTF-8 with
 * no NUL, the third line empty, the text not blank.  Everything here
 * works on the bytes it is given and allocates only the results; which
 * addresses are local is the hub's question, not this file's.
 */
#include "autoconfig.h"

#include <string.h>

#include "sem-parse.h"

static gboolean
is_id_char(char c)
{
    return g_ascii_isalnum(c) || c == '_' || c == '-';
}

SemNameKind
sem_name_kind(const char *name, char **out_id)
{
    gsize len = strlen(name), id_len;

    if (out_id != NULL)
        *out_id = NULL;
    if (name[0] == '.')
        return SEM_NAME_IGNORED;
    if (len < 8 || g_ascii_strncasecmp(name, "IM-", 3) != 0 || name[len - 4] != '.')
        return SEM_NAME_OTHER;
    id_len = len - 7;
    if (id_len > 64)
        return SEM_NAME_OTHER;
    for (gsize i = 3; i < len - 4; i++) {
        if (!is_id_char(name[i]))
            return SEM_NAME_OTHER;
    }
    SemNameKind kind = g_ascii_strcasecmp(name + len - 3, "SEM") == 0   ? SEM_NAME_SEM
                       : g_ascii_strcasecmp(name + len - 3, "LCK") == 0 ? SEM_NAME_LCK
                                                                        : SEM_NAME_OTHER;
    if (kind != SEM_NAME_OTHER && out_id != NULL)
        *out_id = g_strndup(name + 3, id_len);
    return kind;
}

gboolean
sem_address_ok(const char *s)
{
    const char *at = strrchr(s, '@');
    gsize len = strlen(s);

    if (len == 0 || len > 254 || at == NULL || at == s || at[1] == '\0')
        return FALSE;
    for (const char *p = s; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';')
            return FALSE;
    }
    return at[1] != '.' && s[len - 1] != '.';
}

void
sem_im_clear(SemIm *im)
{
    g_clear_pointer(&im->recipient, g_free);
    g_clear_pointer(&im->sender, g_free);
    g_clear_pointer(&im->text, g_free);
}

/* The next line of [*p, end) without its LF or CRLF; *p moves past it.
 * FALSE at the end of the data. */
static gboolean
next_line(const char **p, const char *end, const char **out_start, gsize *out_len)
{
    const char *nl;

    if (*p >= end)
        return FALSE;
    nl = memchr(*p, '\n', end - *p);
    *out_start = *p;
    *out_len = (nl != NULL ? nl : end) - *p;
    if (*out_len > 0 && (*out_start)[*out_len - 1] == '\r')
        (*out_len)--;
    *p = nl != NULL ? nl + 1 : end;
    return TRUE;
}

/* An address line: trimmed, <> taken off. */
static char *
address_of(const char *line, gsize len)
{
    char *s = g_strstrip(g_strndup(line, len));
    gsize n = strlen(s);

    if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
        memmove(s, s + 1, n - 2);
        s[n - 2] = '\0';
    }
    return s;
}

/* The text after the blank line, CRLF made LF, trailing blank lines and
 * spaces at the very end dropped. */
static char *
text_of(const char *p, const char *end)
{
    GString *out = g_string_sized_new(end - p);

    for (const char *q = p; q < end; q++) {
        if (*q == '\r' && q + 1 < end && q[1] == '\n')
            continue;
        g_string_append_c(out, *q);
    }
    while (out->len > 0 && g_ascii_isspace(out->str[out->len - 1]))
        g_string_truncate(out, out->len - 1);
    return g_string_free(out, FALSE);
}

static gboolean
reason(char **out_reason, const char *text)
{
    *out_reason = g_strdup(text);
    return FALSE;
}

static gboolean
parse_lines(const char *p, const char *end, SemIm *out, char **out_reason)
{
    const char *line;
    gsize len;

    if (!next_line(&p, end, &line, &len))
        return reason(out_reason, "the file is empty");
    out->recipient = address_of(line, len);
    if (!next_line(&p, end, &line, &len))
        return reason(out_reason, "no sender line (line 2)");
    out->sender = address_of(line, len);
    if (!next_line(&p, end, &line, &len))
        return reason(out_reason, "no blank third line and no text");
    for (gsize i = 0; i < len; i++) {
        if (!g_ascii_isspace(line[i]))
            return reason(out_reason, "the third line is not blank");
    }
    if (!sem_address_ok(out->recipient))
        return reason(out_reason, "the recipient (line 1) is not an address");
    if (!sem_address_ok(out->sender))
        return reason(out_reason, "the sender (line 2) is not an address");
    out->text = text_of(p, end);
    if (out->text[0] == '\0')
        return reason(out_reason, "the text is empty");
    return TRUE;
}

gboolean
sem_parse(const char *data, gsize len, SemIm *out, char **out_reason)
{
    const char *end = data + len;

    memset(out, 0, sizeof *out);
    *out_reason = NULL;
    if (len == 0)
        return reason(out_reason, "the file is empty");
    if (memchr(data, '\0', len) != NULL)
        return reason(out_reason, "the file holds a NUL byte");
    if (!g_utf8_validate_len(data, len, NULL))
        return reason(out_reason, "the file is not UTF-8");
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        data += 3;
    if (parse_lines(data, end, out, out_reason))
        return TRUE;
    sem_im_clear(out);
    return FALSE;
}
