/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * header.c - find the From field of a message and the addresses in it.
 *
 * The submission check (data.c) needs the addr-specs of From and nothing
 * else, while the message streams by in pieces of any size.  So this is a
 * small streaming scanner over the header section only: it unfolds the
 * first From field (RFC 5322 2.2.3), counts From fields, and stops looking
 * at the first empty line or the first line that is not a header field.
 * The address parser understands display names, quoted strings, comments,
 * "<...>" and groups; it is no general RFC 5322 parser (GMime is, but the
 * core owns MIME and a module stays small).
 */
#include "autoconfig.h"

#include <string.h>

#include "header.h"

struct SmtpHeaders {
    GString *line; /* the current line without its terminator, capped */
    gboolean line_overflow;
    gboolean is_done; /* past the header section */
    gboolean in_from; /* the current field is the first From */
    guint from_count;
    GString *from;
    gboolean from_overflow;
};

#define LINE_CAP (SMTP_FROM_MAX + 64)

SmtpHeaders *
smtp_headers_new(void)
{
    SmtpHeaders *h = g_new0(SmtpHeaders, 1);
    h->line = g_string_new(NULL);
    h->from = g_string_new(NULL);
    return h;
}

void
smtp_headers_free(SmtpHeaders *h)
{
    if (h == NULL)
        return;
    g_string_free(h->line, TRUE);
    g_string_free(h->from, TRUE);
    g_free(h);
}

static void
append_from(SmtpHeaders *h, const char *text, gsize len)
{
    if (h->line_overflow || h->from->len + len > SMTP_FROM_MAX)
        h->from_overflow = TRUE;
    else
        g_string_append_len(h->from, text, len);
}

/* A field name is 1*(%d33-57 / %d59-126) (RFC 5322 2.2). */
static gboolean
field_name_is(const char *line, gsize colon, const char *name)
{
    gsize n = colon;
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
        n--; /* obs-optional: WSP before the colon */
    return n == strlen(name) && g_ascii_strncasecmp(line, name, n) == 0;
}

static void
field_line(SmtpHeaders *h, const char *line, gsize len)
{
    gsize colon = 0;
    while (colon < len && line[colon] > 32 && line[colon] < 127 && line[colon] != ':')
        colon++;
    while (colon < len && (line[colon] == ' ' || line[colon] == '\t'))
        colon++;
    if (colon == 0 || colon >= len || line[colon] != ':') {
        h->is_done = TRUE; /* not a header field: the body started */
        return;
    }
    if (!field_name_is(line, colon, "From"))
        return;
    h->from_count++;
    if (h->from_count == 1) {
        h->in_from = TRUE;
        append_from(h, line + colon + 1, len - colon - 1);
    }
}

static void
process_line(SmtpHeaders *h)
{
    const char *line = h->line->str;
    gsize len = h->line->len;
    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (len == 0) {
        h->is_done = TRUE;
        return;
    }
    if (line[0] == ' ' || line[0] == '\t') {
        if (h->in_from)
            append_from(h, line, len);
        return;
    }
    h->in_from = FALSE;
    field_line(h, line, len);
}

static void
append_line(SmtpHeaders *h, const char *data, gsize n)
{
    if (h->line->len + n > LINE_CAP) {
        h->line_overflow = TRUE;
        n = LINE_CAP - h->line->len;
    }
    g_string_append_len(h->line, data, n);
}

void
smtp_headers_feed(SmtpHeaders *h, const char *data, gsize len)
{
    while (len > 0 && !h->is_done) {
        const char *nl = memchr(data, '\n', len);
        gsize n = nl != NULL ? (gsize)(nl - data) : len;
        append_line(h, data, n);
        if (nl == NULL)
            return;
        process_line(h);
        g_string_truncate(h->line, 0);
        h->line_overflow = FALSE;
        data += n + 1;
        len -= n + 1;
    }
}

void
smtp_headers_finish(SmtpHeaders *h)
{
    if (!h->is_done && h->line->len > 0)
        process_line(h);
    h->is_done = TRUE;
}

guint
smtp_headers_from_count(SmtpHeaders *h)
{
    return h->from_count;
}

const char *
smtp_headers_from(SmtpHeaders *h)
{
    if (h->from_count == 0 || h->from_overflow)
        return NULL;
    return h->from->str;
}

/* Copy a quoted string or domain literal starting at p into out; returns
 * the position after it, NULL if unterminated. */
static const char *
copy_delimited(const char *p, char close, GString *out)
{
    g_string_append_c(out, *p++);
    for (; *p != close; p++) {
        if (*p == '\0')
            return NULL;
        if (*p == '\\' && p[1] != '\0')
            g_string_append_c(out, *p++);
        g_string_append_c(out, *p);
    }
    g_string_append_c(out, *p);
    return p + 1;
}

/* Skip a (nested) comment starting at p; NULL if unterminated. */
static const char *
skip_comment(const char *p)
{
    guint depth = 0;
    for (; *p != '\0'; p++) {
        if (*p == '\\' && p[1] != '\0')
            p++;
        else if (*p == '(')
            depth++;
        else if (*p == ')' && --depth == 0)
            return p + 1;
    }
    return NULL;
}

/* One lexical step outside "<...>" and inside it: quoted strings and
 * domain literals are copied, comments and blanks dropped.  Returns the
 * next position, NULL on an unterminated construct. */
static const char *
lex(const char *p, GString *out)
{
    if (*p == '"')
        return copy_delimited(p, '"', out);
    if (*p == '[')
        return copy_delimited(p, ']', out);
    if (*p == '(')
        return skip_comment(p);
    if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
        g_string_append_c(out, *p);
    return p + 1;
}

static gboolean
is_addr_spec(const char *a)
{
    const char *at = strrchr(a, '@');
    return at != NULL && at != a && at[1] != '\0';
}

/* End of one mailbox: keep the address from "<...>" or the bare one. */
static gboolean
end_mailbox(GString *bare, GString *angle, gboolean has_angle, GPtrArray *out)
{
    const char *a = has_angle ? angle->str : bare->str;
    if (has_angle && *a == '@') { /* obs-route "@a,@b:" */
        const char *colon = strchr(a, ':');
        a = colon != NULL ? colon + 1 : a;
    }
    if (*a == '\0' && !has_angle)
        return TRUE; /* an empty list element (obs-mbox-list) */
    if (!is_addr_spec(a))
        return FALSE;
    g_ptr_array_add(out, g_strdup(a));
    return TRUE;
}

/* The "<...>" part at p (pointing at '<') into angle. */
static const char *
lex_angle(const char *p, GString *angle)
{
    for (p++; p != NULL && *p != '>'; p = lex(p, angle)) {
        if (*p == '\0' || *p == '<')
            return NULL;
    }
    return p != NULL ? p + 1 : NULL;
}

char **
smtp_from_addresses(const char *value)
{
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GString) bare = g_string_new(NULL);
    g_autoptr(GString) angle = g_string_new(NULL);
    gboolean has_angle = FALSE, ok = TRUE;
    const char *p = value;
    while (ok && p != NULL && *p != '\0') {
        if (*p == '<' && !has_angle) {
            has_angle = TRUE;
            p = lex_angle(p, angle);
        } else if (*p == ',' || *p == ';') {
            ok = end_mailbox(bare, angle, has_angle, out);
            g_string_truncate(bare, 0);
            g_string_truncate(angle, 0);
            has_angle = FALSE;
            p++;
        } else if (*p == ':' && !has_angle) {
            g_string_truncate(bare, 0); /* a group's display name */
            p++;
        } else if (*p == '<') {
            ok = FALSE;
        } else {
            p = lex(p, bare);
        }
    }
    if (!ok || p == NULL || !end_mailbox(bare, angle, has_angle, out) || out->len == 0)
        return NULL;
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}
