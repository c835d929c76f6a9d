/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * message-html.c - a raw message's displayable body and its inline
 * parts, with GMime.
 *
 * The walk goes depth first: in multipart/alternative the last HTML
 * alternative wins (RFC 2046: richest last), elsewhere the first text
 * part that is not an attachment.  Plain text becomes HTML here (escaped,
 * links linked) and then goes through the same sanitiser as HTML mail,
 * so there is one path to the iframe.
 */
#include "autoconfig.h"

#include <gmime/gmime.h>
#include <string.h>

#include "message-html.h"

/* GMime 3.2 declares no g_autoptr cleanups. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeFilter, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeMessage, g_object_unref)

static void
init_gmime(void)
{
    static gsize once;

    if (g_once_init_enter(&once)) {
        g_mime_init();
        g_once_init_leave(&once, 1);
    }
}

static GMimeMessage *
parse(GBytes *raw)
{
    g_autoptr(GMimeStream) stream = NULL;
    g_autoptr(GMimeParser) parser = NULL;

    init_gmime();
    stream = g_mime_stream_mem_new_with_buffer(g_bytes_get_data(raw, NULL), g_bytes_get_size(raw));
    parser = g_mime_parser_new_with_stream(stream);
    return g_mime_parser_construct_message(parser, NULL);
}

static gboolean
is_attachment(GMimeObject *part)
{
    GMimeContentDisposition *d = g_mime_object_get_content_disposition(part);

    return d != NULL && g_mime_content_disposition_is_attachment(d);
}

/* Find the best text part: html preferred inside alternatives. */
static GMimePart *
find_text(GMimeObject *obj, gboolean want_html, guint depth)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);

    if (depth > 32)
        return NULL;
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        int n = g_mime_multipart_get_count(mp);
        gboolean is_alt = g_mime_content_type_is_type(ct, "multipart", "alternative");
        for (int i = is_alt ? n - 1 : 0; is_alt ? i >= 0 : i < n; i += is_alt ? -1 : 1) {
            GMimePart *p = find_text(g_mime_multipart_get_part(mp, i), want_html, depth + 1);
            if (p != NULL)
                return p;
        }
        return NULL;
    }
    if (GMIME_IS_MESSAGE_PART(obj) || !GMIME_IS_PART(obj) || is_attachment(obj))
        return NULL;
    if (g_mime_content_type_is_type(ct, "text", want_html ? "html" : "plain"))
        return GMIME_PART(obj);
    return NULL;
}

/* The part's decoded content as UTF-8.  (transfer full) */
static char *
part_text(GMimePart *part)
{
    GMimeDataWrapper *w = g_mime_part_get_content(part);
    const char *charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
    g_autoptr(GMimeStream) mem = g_mime_stream_mem_new();
    g_autoptr(GMimeStream) filtered = g_mime_stream_filter_new(mem);
    GByteArray *arr;

    if (w == NULL)
        return g_strdup("");
    if (charset != NULL && g_ascii_strcasecmp(charset, "utf-8") != 0) {
        g_autoptr(GMimeFilter) f = g_mime_filter_charset_new(charset, "UTF-8");
        if (f != NULL)
            g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), f);
    }
    g_mime_data_wrapper_write_to_stream(w, filtered);
    g_mime_stream_flush(filtered);
    arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    return g_utf8_make_valid((const char *)arr->data, arr->len);
}

static void
append_escaped(GString *out, const char *s, gsize n)
{
    for (gsize i = 0; i < n; i++) {
        switch (s[i]) {
        case '&':
            g_string_append(out, "&amp;");
            break;
        case '<':
            g_string_append(out, "&lt;");
            break;
        case '>':
            g_string_append(out, "&gt;");
            break;
        case '"':
            g_string_append(out, "&quot;");
            break;
        default:
            g_string_append_c(out, s[i]);
        }
    }
}

char *
wm_plain_to_html(const char *text)
{
    static GRegex *links;
    GString *out = g_string_new("<div class=\"hermod-plain\">");
    g_autoptr(GMatchInfo) m = NULL;
    const char *pos = text;

    if (g_once_init_enter(&links))
        g_once_init_leave(&links,
                          g_regex_new("\\b(https?://|mailto:)[^\\s<>\"']+[^\\s<>\"'.,;:!?)]",
                                      G_REGEX_OPTIMIZE, 0, NULL));
    g_regex_match(links, text, 0, &m);
    while (g_match_info_matches(m)) {
        int start, end;
        g_match_info_fetch_pos(m, 0, &start, &end);
        append_escaped(out, pos, text + start - pos);
        g_string_append(out, "<a href=\"");
        append_escaped(out, text + start, end - start);
        g_string_append(out, "\">");
        append_escaped(out, text + start, end - start);
        g_string_append(out, "</a>");
        pos = text + end;
        g_match_info_next(m, NULL);
    }
    append_escaped(out, pos, strlen(pos));
    g_string_append(out, "</div>");
    return g_string_free(out, FALSE);
}

GString *
wm_message_body_html(GBytes *raw, WmSanitizeOptions *opts)
{
    g_autoptr(GMimeMessage) msg = parse(raw);
    GMimeObject *body = msg != NULL ? g_mime_message_get_mime_part(msg) : NULL;
    GMimePart *part = body != NULL ? find_text(body, TRUE, 0) : NULL;
    g_autofree char *text = NULL;

    if (part != NULL) {
        text = part_text(part);
        return wm_html_sanitize(text, strlen(text), opts);
    }
    part = body != NULL ? find_text(body, FALSE, 0) : NULL;
    if (part == NULL)
        return g_string_new("");
    g_autofree char *plain = part_text(part);
    text = wm_plain_to_html(plain);
    return wm_html_sanitize(text, strlen(text), opts);
}

typedef struct {
    const char *cid;
    GMimePart *found;
} CidSearch;

static void
match_cid(GMimeObject *parent, GMimeObject *part, gpointer data)
{
    CidSearch *s = data;
    const char *id = g_mime_object_get_content_id(part);

    if (s->found == NULL && GMIME_IS_PART(part) && id != NULL && strcmp(id, s->cid) == 0)
        s->found = GMIME_PART(part);
}

GBytes *
wm_message_cid_part(GBytes *raw, const char *cid, char **out_type)
{
    g_autoptr(GMimeMessage) msg = parse(raw);
    CidSearch s = {cid, NULL};
    g_autoptr(GMimeStream) mem = NULL;
    GByteArray *arr;

    *out_type = NULL;
    if (msg == NULL)
        return NULL;
    g_mime_message_foreach(msg, match_cid, &s);
    if (s.found == NULL || g_mime_part_get_content(s.found) == NULL)
        return NULL;
    mem = g_mime_stream_mem_new();
    g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(s.found), mem);
    arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    *out_type =
        g_mime_content_type_get_mime_type(g_mime_object_get_content_type(GMIME_OBJECT(s.found)));
    return g_bytes_new(arr->data, arr->len);
}
