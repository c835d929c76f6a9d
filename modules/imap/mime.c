/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * mime.c - build a message's MIME tree as raw byte offsets.
 *
 * IMAP reports sizes and line counts of the raw encoded bodies and serves
 * BODY[1.2.MIME] byte for byte, so every part is located in the raw bytes
 * themselves: a header block ends at its first empty line; a multipart
 * body is cut at the lines "--boundary" (the CRLF before a delimiter
 * belongs to the delimiter, RFC 2046 5.1.1); a message/rfc822 or
 * message/global body is parsed again as a message (RFC 2046 forbids
 * encoding it; an encoded one is still parsed as written).  GMime's own parser
 * keeps offsets only for the top-level headers and the leaf contents, so
 * it is used for what it does best here: the header values (Content-Type
 * with RFC 2231 continuations, RFC 2047 words).  Nesting is capped at
 * MAX_DEPTH; deeper parts are leaves.
 */
#include "autoconfig.h"

#include "mime.h"

#include <gmime/gmime.h>
#include <string.h>

#define MAX_DEPTH 64

void
imap_mime_init(void)
{
    static gsize once = 0;

    if (g_once_init_enter(&once)) {
        g_mime_init();
        g_once_init_leave(&once, 1);
    }
}

/* End of the line starting at p (one past its '\n', or end). */
static gsize
line_end(const char *data, gsize p, gsize end)
{
    const char *nl = memchr(data + p, '\n', end - p);
    return nl != NULL ? (gsize)(nl - data) + 1 : end;
}

static gboolean
is_empty_line(const char *data, gsize p, gsize end)
{
    return (p < end && data[p] == '\n') || (p + 1 < end && data[p] == '\r' && data[p + 1] == '\n');
}

/* Where the header block starting at start ends (first byte of the body). */
static gsize
header_block_end(const char *data, gsize start, gsize end)
{
    for (gsize p = start; p < end; p = line_end(data, p, end)) {
        if (is_empty_line(data, p, end))
            return line_end(data, p, end);
    }
    return end;
}

static gboolean
name_matches(const char *data, gsize p, gsize eol, const char *name)
{
    gsize n = strlen(name);
    gsize q;

    if (eol - p < n + 1 || g_ascii_strncasecmp(data + p, name, n) != 0)
        return FALSE;
    for (q = p + n; q < eol && (data[q] == ' ' || data[q] == '\t'); q++)
        ;
    return q < eol && data[q] == ':';
}

static void
append_unfolded(GString *out, const char *s, gsize len)
{
    for (gsize i = 0; i < len; i++) {
        if (s[i] != '\r' && s[i] != '\n')
            g_string_append_c(out, s[i]);
    }
}

char *
imap_mime_header(const char *data, gsize start, gsize end, const char *name)
{
    for (gsize p = start; p < end;) {
        gsize eol = line_end(data, p, end);
        if (is_empty_line(data, p, end))
            return NULL;
        if (data[p] != ' ' && data[p] != '\t' && name_matches(data, p, eol, name)) {
            GString *out = g_string_new(NULL);
            gsize v = (const char *)memchr(data + p, ':', eol - p) - data + 1;
            append_unfolded(out, data + v, eol - v);
            for (p = eol; p < end && (data[p] == ' ' || data[p] == '\t'); p = eol) {
                eol = line_end(data, p, end);
                append_unfolded(out, data + p, eol - p);
            }
            gsize skip = strspn(out->str, " \t");
            g_string_erase(out, 0, skip);
            return g_string_free(out, FALSE);
        }
        p = eol;
    }
    return NULL;
}

char *
imap_mime_header_decoded(const char *data, gsize start, gsize end, const char *name)
{
    g_autofree char *raw = imap_mime_header(data, start, end, name);

    if (raw == NULL)
        return NULL;
    imap_mime_init();
    char *text = g_mime_utils_header_decode_text(NULL, raw);
    if (text != NULL && !g_utf8_validate(text, -1, NULL)) {
        char *valid = g_utf8_make_valid(text, -1);
        g_free(text);
        text = valid;
    }
    return text != NULL ? text : g_strdup("");
}

void
imap_mime_part_free(ImapMimePart *part)
{
    if (part == NULL)
        return;
    g_free(part->type);
    g_free(part->subtype);
    if (part->params != NULL)
        g_ptr_array_unref(part->params);
    if (part->children != NULL)
        g_ptr_array_unref(part->children);
    imap_mime_part_free(part->message);
    g_free(part);
}

gboolean
imap_mime_is(const ImapMimePart *part, const char *type, const char *subtype)
{
    return g_ascii_strcasecmp(part->type, type) == 0 &&
           (subtype == NULL || g_ascii_strcasecmp(part->subtype, subtype) == 0);
}

static void
set_default_type(ImapMimePart *part, gboolean in_digest)
{
    part->type = g_strdup(in_digest ? "message" : "text");
    part->subtype = g_strdup(in_digest ? "rfc822" : "plain");
    part->is_default_type = TRUE;
}

static void
set_type(ImapMimePart *part, const char *data, gboolean in_digest)
{
    g_autofree char *value = imap_mime_header(data, part->start, part->body, "Content-Type");

    part->params = g_ptr_array_new_with_free_func(g_free);
    if (value == NULL || strchr(value, '/') == NULL) {
        set_default_type(part, in_digest);
        return;
    }
    imap_mime_init();
    GMimeContentType *ct = g_mime_content_type_parse(NULL, value);
    const char *type = ct != NULL ? g_mime_content_type_get_media_type(ct) : NULL;
    const char *subtype = ct != NULL ? g_mime_content_type_get_media_subtype(ct) : NULL;
    if (type == NULL || subtype == NULL || *type == '\0' || *subtype == '\0') {
        set_default_type(part, in_digest);
    } else {
        part->type = g_strdup(type);
        part->subtype = g_strdup(subtype);
        GMimeParamList *list = g_mime_content_type_get_parameters(ct);
        for (int i = 0; list != NULL && i < g_mime_param_list_length(list); i++) {
            GMimeParam *param = g_mime_param_list_get_parameter_at(list, i);
            g_ptr_array_add(part->params, g_strdup(g_mime_param_get_name(param)));
            g_ptr_array_add(part->params, g_strdup(g_mime_param_get_value(param)));
        }
    }
    if (ct != NULL)
        g_object_unref(ct);
}

static const char *
param_get(const ImapMimePart *part, const char *name)
{
    for (guint i = 0; i + 1 < part->params->len; i += 2) {
        if (g_ascii_strcasecmp(part->params->pdata[i], name) == 0)
            return part->params->pdata[i + 1];
    }
    return NULL;
}

static ImapMimePart *parse_part(const char *data, gsize start, gsize end, gboolean in_digest,
                                guint depth);

/* Is the line at p a delimiter of boundary?  *out_close for "--b--". */
static gboolean
is_delimiter(const char *data, gsize p, gsize eol, const char *b, gsize blen, gboolean *out_close)
{
    if (eol - p < blen + 2 || data[p] != '-' || data[p + 1] != '-' ||
        memcmp(data + p + 2, b, blen) != 0)
        return FALSE;
    gsize q = p + 2 + blen;
    *out_close = q + 1 < eol && data[q] == '-' && data[q + 1] == '-';
    if (*out_close)
        q += 2;
    for (; q < eol; q++) {
        if (data[q] != ' ' && data[q] != '\t' && data[q] != '\r' && data[q] != '\n')
            return FALSE;
    }
    return TRUE;
}

/* The content before a delimiter line at p ends before that line's CRLF. */
static gsize
content_end(const char *data, gsize from, gsize p)
{
    gsize e = p;

    if (e > from && data[e - 1] == '\n')
        e--;
    if (e > from && data[e - 1] == '\r')
        e--;
    return e;
}

static void
split_multipart(ImapMimePart *part, const char *data, guint depth)
{
    const char *boundary = param_get(part, "boundary");
    gboolean digest = g_ascii_strcasecmp(part->subtype, "digest") == 0;
    gsize blen = boundary != NULL ? strlen(boundary) : 0;
    gsize child = 0;
    gboolean in_child = FALSE, is_close = FALSE;

    part->children = g_ptr_array_new_with_free_func((GDestroyNotify)imap_mime_part_free);
    for (gsize p = part->body; blen > 0 && p < part->end && !is_close;) {
        gsize eol = line_end(data, p, part->end);
        if (is_delimiter(data, p, eol, boundary, blen, &is_close)) {
            if (in_child)
                g_ptr_array_add(part->children, parse_part(data, child, content_end(data, child, p),
                                                           digest, depth + 1));
            in_child = !is_close;
            child = eol;
        }
        p = eol;
    }
    if (in_child)
        g_ptr_array_add(part->children, parse_part(data, child, part->end, digest, depth + 1));
    if (part->children->len == 0) /* IMAP needs one part at least: an empty one */
        g_ptr_array_add(part->children, parse_part(data, part->end, part->end, FALSE, depth + 1));
}

static ImapMimePart *
parse_part(const char *data, gsize start, gsize end, gboolean in_digest, guint depth)
{
    ImapMimePart *part = g_new0(ImapMimePart, 1);

    part->start = start;
    part->end = end;
    part->body = header_block_end(data, start, end);
    part->has_headers = part->body > start && !is_empty_line(data, start, end);
    set_type(part, data, in_digest);
    if (depth >= MAX_DEPTH)
        return part;
    if (imap_mime_is(part, "multipart", NULL)) {
        split_multipart(part, data, depth);
    } else if (imap_mime_is(part, "message", "rfc822") || imap_mime_is(part, "message", "global")) {
        part->message = parse_part(data, part->body, part->end, FALSE, depth + 1);
    }
    return part;
}

ImapMimePart *
imap_mime_parse(const char *data, gsize len)
{
    imap_mime_init(); /* every later GMime call works on a parsed tree */
    return parse_part(data, 0, len, FALSE, 0);
}
