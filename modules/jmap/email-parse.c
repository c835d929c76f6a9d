/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * email-parse.c - a message as JMAP shows it (RFC 8621 4.1.4): the part
 * tree with part ids, textBody/htmlBody/attachments by the RFC's
 * parseStructure algorithm, EmailBodyPart objects, bodyValues with
 * truncation, the preview and hasAttachment.  Header forms are
 * email-header.c's.  Part ids number every part depth-first from 1; a
 * part's blob id is the message's with "-partId".  message/rfc822
 * parts are attachments (their insides are not expanded).
 */
#include "autoconfig.h"

#include <string.h>

#include "email-parse.h"

#define PREVIEW_CHARS 256

static void
part_free(gpointer p)
{
    JmapPart *part = p;

    if (part == NULL)
        return;
    g_free(part->part_id);
    g_free(part->type);
    if (part->children != NULL)
        g_ptr_array_unref(part->children);
    g_free(part);
}

void
jmap_email_free(JmapEmail *e)
{
    if (e == NULL)
        return;
    part_free(e->root);
    g_ptr_array_unref(e->text_body);
    g_ptr_array_unref(e->html_body);
    g_ptr_array_unref(e->attachments);
    g_ptr_array_unref(e->leaves);
    if (e->message != NULL)
        g_object_unref(e->message);
    g_free(e);
}

static char *
type_of(GMimeObject *o)
{
    GMimeContentType *ct = g_mime_object_get_content_type(o);
    g_autofree char *mime = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;

    return g_ascii_strdown(mime != NULL ? mime : "text/plain", -1);
}

/* Build the part tree below o; depth bounds hostile nesting. */
static JmapPart *
build(JmapEmail *e, GMimeObject *o, guint *next_id, int depth)
{
    JmapPart *p = g_new0(JmapPart, 1);

    p->object = o;
    p->type = type_of(o);
    p->part_id = g_strdup_printf("%u", (*next_id)++);
    if (GMIME_IS_MULTIPART(o) && depth < 32) {
        GMimeMultipart *mp = GMIME_MULTIPART(o);
        p->children = g_ptr_array_new_with_free_func(part_free);
        for (int i = 0; i < g_mime_multipart_get_count(mp); i++)
            g_ptr_array_add(p->children,
                            build(e, g_mime_multipart_get_part(mp, i), next_id, depth + 1));
    } else {
        g_ptr_array_add(e->leaves, p);
    }
    return p;
}

static const char *
disposition(JmapPart *p)
{
    return g_mime_object_get_disposition(p->object);
}

/* The file name: a leaf part's (disposition filename, else type name);
 * for an attached message/rfc822 the same two parameters. */
static const char *
part_name(JmapPart *p)
{
    const char *name;

    if (GMIME_IS_PART(p->object))
        return g_mime_part_get_filename(GMIME_PART(p->object));
    name = g_mime_object_get_content_disposition_parameter(p->object, "filename");
    return name != NULL ? name : g_mime_object_get_content_type_parameter(p->object, "name");
}

static gboolean
is_media(JmapPart *p)
{
    return g_str_has_prefix(p->type, "image/") || g_str_has_prefix(p->type, "audio/") ||
           g_str_has_prefix(p->type, "video/");
}

typedef struct {
    GPtrArray *text, *html, *attachments; /* text/html nullable */
} Bodies;

static void parse_structure(GPtrArray *parts, const char *multi, gboolean in_alt, Bodies *b);

static void
fill_missing(GPtrArray *from, GPtrArray *to, guint from_len)
{
    for (guint i = from_len; i < from->len; i++)
        g_ptr_array_add(to, from->pdata[i]);
}

static void
inline_part(JmapPart *part, const char *multi, gboolean in_alt, Bodies *b, Bodies *local)
{
    if (strcmp(multi, "alternative") == 0) {
        if (strcmp(part->type, "text/plain") == 0 && local->text != NULL)
            g_ptr_array_add(local->text, part);
        else if (strcmp(part->type, "text/html") == 0 && local->html != NULL)
            g_ptr_array_add(local->html, part);
        else
            g_ptr_array_add(b->attachments, part);
        return;
    }
    if (in_alt && strcmp(part->type, "text/plain") == 0)
        local->html = NULL;
    if (in_alt && strcmp(part->type, "text/html") == 0)
        local->text = NULL;
    if (local->text != NULL)
        g_ptr_array_add(local->text, part);
    if (local->html != NULL)
        g_ptr_array_add(local->html, part);
    if ((local->text == NULL || local->html == NULL) && is_media(part))
        g_ptr_array_add(b->attachments, part);
}

static void
parse_structure(GPtrArray *parts, const char *multi, gboolean in_alt, Bodies *b)
{
    Bodies local = *b;
    guint text_len = b->text != NULL ? b->text->len : 0;
    guint html_len = b->html != NULL ? b->html->len : 0;

    for (guint i = 0; i < parts->len; i++) {
        JmapPart *part = parts->pdata[i];
        const char *disp = disposition(part);
        gboolean is_text =
            strcmp(part->type, "text/plain") == 0 || strcmp(part->type, "text/html") == 0;
        gboolean is_inline = (disp == NULL || g_ascii_strcasecmp(disp, "attachment") != 0) &&
                             (is_text || is_media(part)) &&
                             (i == 0 || (strcmp(multi, "related") != 0 &&
                                         (is_media(part) || part_name(part) == NULL)));
        if (part->children != NULL) {
            const char *sub = strchr(part->type, '/') + 1;
            Bodies inner = local;
            inner.attachments = b->attachments;
            parse_structure(part->children, sub, in_alt || strcmp(sub, "alternative") == 0, &inner);
        } else if (is_inline) {
            inline_part(part, multi, in_alt, b, &local);
        } else {
            g_ptr_array_add(b->attachments, part);
        }
    }
    if (strcmp(multi, "alternative") == 0 && b->text != NULL && b->html != NULL) {
        if (text_len == b->text->len && html_len != b->html->len)
            fill_missing(b->html, b->text, html_len);
        if (html_len == b->html->len && text_len != b->text->len)
            fill_missing(b->text, b->html, text_len);
    }
}

JmapEmail *
jmap_email_parse(const char *data, gsize len)
{
    static gsize once;
    GMimeStream *stream;
    GMimeParser *parser;
    JmapEmail *e;
    guint next_id = 1;
    GPtrArray *top;
    Bodies b;

    if (g_once_init_enter(&once)) {
        g_mime_init();
        g_once_init_leave(&once, 1);
    }
    stream = g_mime_stream_mem_new_with_buffer(data, len);
    parser = g_mime_parser_new_with_stream(stream);
    e = g_new0(JmapEmail, 1);
    e->message = g_mime_parser_construct_message(parser, NULL);
    g_object_unref(parser);
    g_object_unref(stream);
    e->leaves = g_ptr_array_new();
    e->text_body = g_ptr_array_new();
    e->html_body = g_ptr_array_new();
    e->attachments = g_ptr_array_new();
    if (e->message == NULL || g_mime_message_get_mime_part(e->message) == NULL) {
        jmap_email_free(e);
        return NULL;
    }
    e->root = build(e, g_mime_message_get_mime_part(e->message), &next_id, 0);
    top = g_ptr_array_new();
    g_ptr_array_add(top, e->root);
    b = (Bodies){e->text_body, e->html_body, e->attachments};
    parse_structure(top, "mixed", FALSE, &b);
    g_ptr_array_unref(top);
    return e;
}

JmapPart *
jmap_email_part(JmapEmail *e, const char *part_id)
{
    for (guint i = 0; i < e->leaves->len; i++) {
        JmapPart *p = e->leaves->pdata[i];
        if (strcmp(p->part_id, part_id) == 0)
            return p;
    }
    return NULL;
}

GBytes *
jmap_part_content(GMimeObject *o)
{
    GMimeStream *mem = g_mime_stream_mem_new();
    GByteArray *bytes;
    GBytes *out;

    if (GMIME_IS_MESSAGE_PART(o)) {
        GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
        if (inner != NULL)
            g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, mem);
    } else if (GMIME_IS_PART(o) && g_mime_part_get_content(GMIME_PART(o)) != NULL) {
        g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(o)), mem);
    }
    bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    out = g_bytes_new(bytes->data, bytes->len);
    g_object_unref(mem);
    return out;
}

/* The text of a text part in UTF-8; *out_problem when it had to be
 * repaired.  (transfer full) */
static char *
part_text(JmapPart *p, gboolean *out_problem)
{
    g_autoptr(GBytes) raw = jmap_part_content(p->object);
    GMimeContentType *ct = g_mime_object_get_content_type(p->object);
    const char *charset = ct != NULL ? g_mime_content_type_get_parameter(ct, "charset") : NULL;
    gsize len = 0;
    const char *data = g_bytes_get_data(raw, &len);
    char *text = NULL;

    *out_problem = FALSE;
    if (charset != NULL && g_ascii_strcasecmp(charset, "utf-8") != 0 &&
        g_ascii_strcasecmp(charset, "us-ascii") != 0)
        text = g_convert(data != NULL ? data : "", (gssize)len, "UTF-8", charset, NULL, NULL, NULL);
    if (text == NULL) {
        text = g_utf8_make_valid(data != NULL ? data : "", (gssize)len);
        *out_problem = !g_utf8_validate(data != NULL ? data : "", (gssize)len, NULL);
    }
    return text;
}

static void
set_string_or_null(JsonObject *o, const char *name, const char *v)
{
    if (v != NULL)
        json_object_set_string_member(o, name, v);
    else
        json_object_set_null_member(o, name);
}

static JsonArray *
part_headers(GMimeObject *o)
{
    GMimeHeaderList *list = g_mime_object_get_header_list(o);
    JsonArray *a = json_array_new();

    for (int i = 0; list != NULL && i < g_mime_header_list_get_count(list); i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
        JsonObject *ho = json_object_new();
        const char *raw = g_mime_header_get_raw_value(h);
        json_object_set_string_member(ho, "name", g_mime_header_get_name(h));
        json_object_set_string_member(ho, "value", raw != NULL ? raw : "");
        json_array_add_object_element(a, ho);
    }
    return a;
}

static gboolean
wants(const JmapViewOptions *opt, const char *prop)
{
    static const char *const defaults[] = {"partId",   "blobId",   "size",        "name",
                                           "type",     "charset",  "disposition", "cid",
                                           "language", "location", NULL};

    if (opt->body_properties == NULL)
        return g_strv_contains(defaults, prop);
    return g_ptr_array_find_with_equal_func(opt->body_properties, prop, g_str_equal, NULL);
}

static void
part_fields(JmapPart *p, const JmapViewOptions *opt, JsonObject *o)
{
    GMimeContentType *ct = g_mime_object_get_content_type(p->object);
    const char *cid = g_mime_object_get_content_id(p->object);
    const char *loc = g_mime_object_get_header(p->object, "Content-Location");
    const char *lang = g_mime_object_get_header(p->object, "Content-Language");
    const char *charset = ct != NULL ? g_mime_content_type_get_parameter(ct, "charset") : NULL;

    if (wants(opt, "name"))
        set_string_or_null(o, "name", part_name(p));
    if (wants(opt, "type"))
        json_object_set_string_member(o, "type", p->type);
    if (wants(opt, "charset"))
        set_string_or_null(o, "charset",
                           charset != NULL                      ? charset
                           : g_str_has_prefix(p->type, "text/") ? "us-ascii"
                                                                : NULL);
    if (wants(opt, "disposition"))
        set_string_or_null(o, "disposition", disposition(p));
    if (wants(opt, "cid"))
        set_string_or_null(o, "cid", cid);
    if (wants(opt, "language")) {
        if (lang != NULL) {
            JsonArray *a = json_array_new();
            json_array_add_string_element(a, lang);
            json_object_set_array_member(o, "language", a);
        } else {
            json_object_set_null_member(o, "language");
        }
    }
    if (wants(opt, "location"))
        set_string_or_null(o, "location", loc);
    if (wants(opt, "headers"))
        json_object_set_array_member(o, "headers", part_headers(p->object));
}

static JsonObject *
part_json(JmapPart *p, const JmapViewOptions *opt)
{
    JsonObject *o = json_object_new();

    if (wants(opt, "partId"))
        set_string_or_null(o, "partId", p->children == NULL ? p->part_id : NULL);
    if (wants(opt, "blobId")) {
        g_autofree char *blob = g_strdup_printf("%s-%s", opt->blob_prefix, p->part_id);
        set_string_or_null(o, "blobId", p->children == NULL ? blob : NULL);
    }
    if (wants(opt, "size")) {
        g_autoptr(GBytes) content = p->children == NULL ? jmap_part_content(p->object) : NULL;
        json_object_set_int_member(o, "size", content != NULL ? g_bytes_get_size(content) : 0);
    }
    part_fields(p, opt, o);
    if (p->children != NULL && (opt->body_properties == NULL || wants(opt, "subParts"))) {
        JsonArray *a = json_array_new();
        for (guint i = 0; i < p->children->len; i++)
            json_array_add_object_element(a, part_json(p->children->pdata[i], opt));
        json_object_set_array_member(o, "subParts", a);
    }
    return o;
}

static JsonArray *
parts_json(GPtrArray *parts, const JmapViewOptions *opt)
{
    JsonArray *a = json_array_new();

    for (guint i = 0; i < parts->len; i++)
        json_array_add_object_element(a, part_json(parts->pdata[i], opt));
    return a;
}

static void
add_value(JsonObject *values, JmapPart *p, gint64 max)
{
    gboolean problem = FALSE, truncated = FALSE;
    g_autofree char *text = NULL;
    JsonObject *v;

    if (!g_str_has_prefix(p->type, "text/") || json_object_has_member(values, p->part_id))
        return;
    text = part_text(p, &problem);
    if (max > 0 && (gint64)strlen(text) > max) {
        const char *end = text + max;
        while (end > text && ((guchar)*end & 0xc0) == 0x80)
            end--;
        text[end - text] = '\0';
        truncated = TRUE;
    }
    v = json_object_new();
    json_object_set_string_member(v, "value", text);
    json_object_set_boolean_member(v, "isEncodingProblem", problem);
    json_object_set_boolean_member(v, "isTruncated", truncated);
    json_object_set_object_member(values, p->part_id, v);
}

static JsonObject *
body_values(JmapEmail *e, const JmapViewOptions *opt)
{
    JsonObject *values = json_object_new();

    for (guint i = 0; opt->fetch_text && i < e->text_body->len; i++)
        add_value(values, e->text_body->pdata[i], opt->max_body_value_bytes);
    for (guint i = 0; opt->fetch_html && i < e->html_body->len; i++)
        add_value(values, e->html_body->pdata[i], opt->max_body_value_bytes);
    for (guint i = 0; opt->fetch_all && i < e->leaves->len; i++)
        add_value(values, e->leaves->pdata[i], opt->max_body_value_bytes);
    return values;
}

/* If r opens a raw-text element whose content is not text a reader sees
 * (<script>, <style>, <title> in the head), the first byte after its end
 * tag (or the end of the string); else NULL. */
static char *
skip_raw_text(char *r)
{
    static const char *const names[] = {"script", "style", "title", "template", NULL};

    for (guint i = 0; names[i] != NULL; i++) {
        gsize n = strlen(names[i]);
        if (g_ascii_strncasecmp(r + 1, names[i], n) != 0 ||
            (r[n + 1] != '>' && r[n + 1] != '/' && !g_ascii_isspace(r[n + 1])))
            continue;
        for (char *e = strchr(r + 1, '<'); e != NULL; e = strchr(e + 1, '<'))
            if (e[1] == '/' && g_ascii_strncasecmp(e + 2, names[i], n) == 0) {
                char *gt = strchr(e, '>');
                return gt != NULL ? gt + 1 : e + strlen(e);
            }
        return r + strlen(r);
    }
    return NULL;
}

/* Text with tags, scripts and style sheets dropped (for an HTML-only
 * preview). */
static void
strip_tags(char *s)
{
    char *w = s;
    gboolean in_tag = FALSE;

    for (char *r = s; *r != '\0'; r++) {
        char *after = !in_tag && *r == '<' ? skip_raw_text(r) : NULL;
        if (after != NULL) {
            *w++ = ' ';
            r = after - 1;
        } else if (*r == '<')
            in_tag = TRUE;
        else if (*r == '>' && in_tag)
            in_tag = FALSE, *w++ = ' ';
        else if (!in_tag)
            *w++ = *r;
    }
    *w = '\0';
}

static char *
preview(JmapEmail *e)
{
    GPtrArray *src = e->text_body->len > 0 ? e->text_body : e->html_body;
    GString *out = g_string_new(NULL);
    gboolean problem = FALSE, space = TRUE;
    glong chars = 0;

    for (guint i = 0; i < src->len && chars < PREVIEW_CHARS; i++) {
        JmapPart *p = src->pdata[i];
        g_autofree char *text = NULL;
        if (!g_str_has_prefix(p->type, "text/"))
            continue;
        text = part_text(p, &problem);
        if (strcmp(p->type, "text/html") == 0)
            strip_tags(text);
        for (const char *c = text; *c != '\0' && chars < PREVIEW_CHARS; c = g_utf8_next_char(c)) {
            gunichar u = g_utf8_get_char(c);
            gboolean is_space = g_unichar_isspace(u);
            if (is_space && space)
                continue;
            g_string_append_unichar(out, is_space ? ' ' : u);
            space = is_space;
            chars++;
        }
    }
    return g_strchomp(g_string_free(out, FALSE));
}

static const struct {
    const char *prop;
    const char *header;
} convenience[] = {
    {"messageId", "header:Message-ID:asMessageIds"},
    {"inReplyTo", "header:In-Reply-To:asMessageIds"},
    {"references", "header:References:asMessageIds"},
    {"sender", "header:Sender:asAddresses"},
    {"from", "header:From:asAddresses"},
    {"to", "header:To:asAddresses"},
    {"cc", "header:Cc:asAddresses"},
    {"bcc", "header:Bcc:asAddresses"},
    {"replyTo", "header:Reply-To:asAddresses"},
    {"subject", "header:Subject:asText"},
    {"sentAt", "header:Date:asDate"},
};

static gboolean
header_property(JmapEmail *e, const char *prop, JsonObject *o)
{
    GMimeObject *top = GMIME_OBJECT(e->message);

    for (gsize i = 0; i < G_N_ELEMENTS(convenience); i++) {
        if (strcmp(prop, convenience[i].prop) == 0) {
            JsonNode *v = jmap_header_value(top, convenience[i].header);
            /* An absent address header is null, not []. */
            json_object_set_member(o, prop, v);
            return TRUE;
        }
    }
    if (strcmp(prop, "headers") == 0) {
        json_object_set_array_member(o, prop, part_headers(top));
        return TRUE;
    }
    if (g_str_has_prefix(prop, "header:")) {
        json_object_set_member(o, prop, jmap_header_value(top, prop));
        return TRUE;
    }
    return FALSE;
}

gboolean
jmap_email_property(JmapEmail *e, const char *prop, const JmapViewOptions *opt, JsonObject *o)
{
    if (header_property(e, prop, o))
        return TRUE;
    if (strcmp(prop, "bodyStructure") == 0)
        json_object_set_object_member(o, prop, part_json(e->root, opt));
    else if (strcmp(prop, "textBody") == 0)
        json_object_set_array_member(o, prop, parts_json(e->text_body, opt));
    else if (strcmp(prop, "htmlBody") == 0)
        json_object_set_array_member(o, prop, parts_json(e->html_body, opt));
    else if (strcmp(prop, "attachments") == 0)
        json_object_set_array_member(o, prop, parts_json(e->attachments, opt));
    else if (strcmp(prop, "bodyValues") == 0)
        json_object_set_object_member(o, prop, body_values(e, opt));
    else if (strcmp(prop, "hasAttachment") == 0)
        json_object_set_boolean_member(o, prop, e->attachments->len > 0);
    else if (strcmp(prop, "preview") == 0) {
        g_autofree char *text = preview(e);
        json_object_set_string_member(o, prop, text);
    } else
        return FALSE;
    return TRUE;
}
