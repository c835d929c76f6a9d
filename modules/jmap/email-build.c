/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * email-build.c - a message from an Email object (RFC 8621 4.6 create):
 * the header properties (from, to, subject, sentAt, messageId, ...,
 * header:Name forms as Raw or Text), and the body from bodyStructure or
 * from textBody/htmlBody/attachments with their bodyValues and blobs.
 * The result is CRLF text as IMAP APPEND would store it; a Message-ID
 * and a Date are added when missing.  Errors are SetError descriptions
 * (invalidProperties, blobNotFound), never a half-built message.
 */
#include "autoconfig.h"

#include <string.h>

#include "jmap-blob.h"
#include "jmap-email.h"
#include "jmap-util.h"

typedef struct {
    JmapCtx *ctx;
    JsonObject *email;
    JsonObject *values; /* bodyValues, nullable */
    const char *error_type;
    char *error;
} Build;

static gboolean fail(Build *b, const char *type, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static gboolean
fail(Build *b, const char *type, const char *fmt, ...)
{
    va_list ap;

    if (b->error != NULL)
        return FALSE;
    b->error_type = type;
    va_start(ap, fmt);
    b->error = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return FALSE;
}

static const char *
string_of(JsonObject *o, const char *name)
{
    JsonNode *n = json_object_get_member(o, name);

    return n != NULL && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
               ? json_node_get_string(n)
               : NULL;
}

static gboolean
add_addresses(Build *b, GMimeMessage *msg, const char *prop, GMimeAddressType type)
{
    JsonNode *n = json_object_get_member(b->email, prop);
    InternetAddressList *list;
    JsonArray *a;

    if (n == NULL || JSON_NODE_HOLDS_NULL(n))
        return TRUE;
    if (!JSON_NODE_HOLDS_ARRAY(n))
        return fail(b, "invalidProperties", "%s must be an array of EmailAddress", prop);
    list = g_mime_message_get_addresses(msg, type);
    a = json_node_get_array(n);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonNode *e = json_array_get_element(a, i);
        JsonObject *o = JSON_NODE_HOLDS_OBJECT(e) ? json_node_get_object(e) : NULL;
        const char *email = o != NULL ? string_of(o, "email") : NULL;
        if (email == NULL || strchr(email, '@') == NULL || strpbrk(email, "\r\n<>") != NULL)
            return fail(b, "invalidProperties", "%s[%u] needs an email address", prop, i);
        InternetAddress *addr = internet_address_mailbox_new(string_of(o, "name"), email);
        internet_address_list_add(list, addr); /* takes its own reference */
        g_object_unref(addr);
    }
    return TRUE;
}

static gboolean
set_ids(Build *b, GMimeMessage *msg, const char *prop, const char *header)
{
    JsonNode *n = json_object_get_member(b->email, prop);
    GString *v = g_string_new(NULL);
    JsonArray *a;

    if (n == NULL || JSON_NODE_HOLDS_NULL(n)) {
        g_string_free(v, TRUE);
        return TRUE;
    }
    if (!JSON_NODE_HOLDS_ARRAY(n)) {
        g_string_free(v, TRUE);
        return fail(b, "invalidProperties", "%s must be an array of ids", prop);
    }
    a = json_node_get_array(n);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        const char *id = json_node_get_string(json_array_get_element(a, i));
        if (id == NULL || strpbrk(id, "<>\r\n \t") != NULL || strchr(id, '@') == NULL) {
            g_string_free(v, TRUE);
            return fail(b, "invalidProperties", "%s[%u] is not a message id", prop, i);
        }
        g_string_append_printf(v, "%s<%s>", i > 0 ? " " : "", id);
    }
    if (v->len > 0)
        g_mime_object_set_header(GMIME_OBJECT(msg), header, v->str, NULL);
    g_string_free(v, TRUE);
    return TRUE;
}

static gboolean
set_headers(Build *b, GMimeMessage *msg)
{
    const char *subject = string_of(b->email, "subject");
    const char *sent = string_of(b->email, "sentAt");
    g_autoptr(GDateTime) date = NULL;
    JsonNode *mid = json_object_get_member(b->email, "messageId");

    if (!add_addresses(b, msg, "from", GMIME_ADDRESS_TYPE_FROM) ||
        !add_addresses(b, msg, "sender", GMIME_ADDRESS_TYPE_SENDER) ||
        !add_addresses(b, msg, "replyTo", GMIME_ADDRESS_TYPE_REPLY_TO) ||
        !add_addresses(b, msg, "to", GMIME_ADDRESS_TYPE_TO) ||
        !add_addresses(b, msg, "cc", GMIME_ADDRESS_TYPE_CC) ||
        !add_addresses(b, msg, "bcc", GMIME_ADDRESS_TYPE_BCC) ||
        !set_ids(b, msg, "inReplyTo", "In-Reply-To") ||
        !set_ids(b, msg, "references", "References"))
        return FALSE;
    if (subject != NULL)
        g_mime_message_set_subject(msg, subject, "utf-8");
    date = sent != NULL ? g_date_time_new_from_iso8601(sent, NULL) : g_date_time_new_now_local();
    if (date == NULL)
        return fail(b, "invalidProperties", "sentAt is not a date");
    g_mime_message_set_date(msg, date);
    if (mid != NULL && JSON_NODE_HOLDS_ARRAY(mid) &&
        json_array_get_length(json_node_get_array(mid)) == 1) {
        const char *id = json_array_get_string_element(json_node_get_array(mid), 0);
        if (id == NULL || strpbrk(id, "<>\r\n \t") != NULL)
            return fail(b, "invalidProperties", "messageId is not a message id");
        g_mime_message_set_message_id(msg, id);
    } else {
        g_autofree char *uuid = g_uuid_string_random();
        g_autofree char *id = g_strdup_printf("%s@%s", uuid, jmap_api->hostname());
        g_mime_message_set_message_id(msg, id);
    }
    return TRUE;
}

/* header:Name[:asRaw|:asText] properties of the create. */
static gboolean
set_custom_headers(Build *b, GMimeObject *obj)
{
    GList *members = json_object_get_members(b->email);
    gboolean ok = TRUE;

    for (GList *l = members; l != NULL && ok; l = l->next) {
        const char *p = l->data;
        g_auto(GStrv) parts = NULL;
        const char *value;
        if (!g_str_has_prefix(p, "header:"))
            continue;
        parts = g_strsplit(p + 7, ":", 3);
        value = string_of(b->email, p);
        if (value == NULL || strpbrk(value, "\r\n") != NULL || g_strv_length(parts) > 2 ||
            (parts[1] != NULL && strcmp(parts[1], "asRaw") != 0 && strcmp(parts[1], "asText") != 0))
            ok = fail(b, "invalidProperties", "%s must be a one-line Raw or Text value", p);
        else
            g_mime_object_set_header(obj, parts[0], value, "utf-8");
    }
    g_list_free(members);
    return ok;
}

static GMimeObject *
text_part(Build *b, JsonObject *part, const char *subtype)
{
    const char *pid = string_of(part, "partId");
    JsonNode *vn = pid != NULL && b->values != NULL ? json_object_get_member(b->values, pid) : NULL;
    JsonObject *v = vn != NULL && JSON_NODE_HOLDS_OBJECT(vn) ? json_node_get_object(vn) : NULL;
    const char *text = v != NULL ? string_of(v, "value") : NULL;
    GMimeTextPart *tp;

    if (text == NULL) {
        fail(b, "invalidProperties", "part %s has no bodyValues entry", pid ? pid : "(none)");
        return NULL;
    }
    tp = g_mime_text_part_new_with_subtype(subtype);
    g_mime_text_part_set_text(tp, text);
    return GMIME_OBJECT(tp);
}

/* data (a whole message) as a message/rfc822 part, or NULL when it
 * does not parse. */
static GMimeObject *
message_part(GBytes *data, const char *name, const char *disp)
{
    GMimeStream *s =
        g_mime_stream_mem_new_with_buffer(g_bytes_get_data(data, NULL), g_bytes_get_size(data));
    GMimeParser *parser = g_mime_parser_new_with_stream(s);
    GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
    GMimeMessagePart *mp;

    g_object_unref(parser);
    g_object_unref(s);
    if (msg == NULL)
        return NULL;
    mp = g_mime_message_part_new_with_message("rfc822", msg);
    g_object_unref(msg);
    g_mime_object_set_disposition(GMIME_OBJECT(mp), disp != NULL ? disp : "attachment");
    if (name != NULL)
        g_mime_object_set_content_disposition_parameter(GMIME_OBJECT(mp), "filename", name);
    return GMIME_OBJECT(mp);
}

static GMimeObject *
blob_part(Build *b, JsonObject *part, const char *type)
{
    const char *blob = string_of(part, "blobId");
    const char *name = string_of(part, "name");
    const char *cid = string_of(part, "cid");
    const char *disp = string_of(part, "disposition");
    g_autoptr(GBytes) data = blob != NULL ? jmap_blob_read(b->ctx, blob, NULL) : NULL;
    g_auto(GStrv) tt = g_strsplit(type, "/", 2);
    GMimePart *p;
    GMimeStream *s;
    GMimeDataWrapper *w;

    if (data == NULL) {
        fail(b, "blobNotFound", "no blob %s", blob != NULL ? blob : "(none)");
        return NULL;
    }
    if (g_ascii_strcasecmp(type, "message/rfc822") == 0) {
        GMimeObject *m = message_part(data, name, disp);
        if (m == NULL)
            fail(b, "invalidProperties", "blob %s is not a message", blob);
        return m;
    }
    p = g_mime_part_new_with_type(tt[0], tt[1] != NULL ? tt[1] : "octet-stream");
    s = g_mime_stream_mem_new_with_buffer(g_bytes_get_data(data, NULL), g_bytes_get_size(data));
    w = g_mime_data_wrapper_new_with_stream(s, GMIME_CONTENT_ENCODING_DEFAULT);
    g_mime_part_set_content(p, w);
    g_object_unref(w);
    g_object_unref(s);
    g_mime_part_set_content_encoding(p, GMIME_CONTENT_ENCODING_BASE64);
    g_mime_object_set_disposition(GMIME_OBJECT(p), disp != NULL  ? disp
                                                   : cid != NULL ? "inline"
                                                                 : "attachment");
    if (name != NULL)
        g_mime_part_set_filename(p, name);
    if (cid != NULL)
        g_mime_object_set_content_id(GMIME_OBJECT(p), cid);
    return GMIME_OBJECT(p);
}

static GMimeObject *
build_part(Build *b, JsonObject *part, int depth)
{
    const char *type = string_of(part, "type");
    JsonNode *subs = json_object_get_member(part, "subParts");
    g_autofree char *lower = NULL;

    if (depth > 16) {
        fail(b, "invalidProperties", "bodyStructure nests too deep");
        return NULL;
    }
    lower = g_ascii_strdown(type != NULL ? type : "text/plain", -1);
    if (subs != NULL && JSON_NODE_HOLDS_ARRAY(subs)) {
        JsonArray *a = json_node_get_array(subs);
        GMimeMultipart *mp = g_mime_multipart_new_with_subtype(
            g_str_has_prefix(lower, "multipart/") ? lower + 10 : "mixed");
        for (guint i = 0; i < json_array_get_length(a); i++) {
            JsonNode *c = json_array_get_element(a, i);
            GMimeObject *o = JSON_NODE_HOLDS_OBJECT(c)
                                 ? build_part(b, json_node_get_object(c), depth + 1)
                                 : NULL;
            if (o == NULL) {
                g_object_unref(mp);
                return (void)fail(b, "invalidProperties", "bad subPart"), NULL;
            }
            g_mime_multipart_add(mp, o);
            g_object_unref(o);
        }
        return GMIME_OBJECT(mp);
    }
    if (string_of(part, "partId") != NULL &&
        (strcmp(lower, "text/plain") == 0 || strcmp(lower, "text/html") == 0))
        return text_part(b, part, lower + 5);
    return blob_part(b, part, lower);
}

/* The single part of a textBody/htmlBody list, or NULL when absent. */
static JsonObject *
single(Build *b, const char *prop)
{
    JsonNode *n = json_object_get_member(b->email, prop);
    JsonArray *a = n != NULL && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;

    if (n != NULL && (a == NULL || json_array_get_length(a) > 1)) {
        fail(b, "invalidProperties", "%s must hold at most one part", prop);
        return NULL;
    }
    if (a == NULL || json_array_get_length(a) == 0)
        return NULL;
    return jmap_elem_obj(a, 0);
}

static GMimeObject *
wrap(const char *subtype, GMimeObject *first, GMimeObject *second)
{
    GMimeMultipart *mp = g_mime_multipart_new_with_subtype(subtype);

    g_mime_multipart_add(mp, first);
    g_mime_multipart_add(mp, second);
    g_object_unref(first);
    g_object_unref(second);
    return GMIME_OBJECT(mp);
}

static GMimeObject *
simple_body(Build *b)
{
    JsonObject *text = single(b, "textBody"), *html = single(b, "htmlBody");
    JsonNode *an = json_object_get_member(b->email, "attachments");
    GMimeObject *body = NULL, *t = NULL, *h = NULL;

    if (b->error != NULL)
        return NULL;
    if (text != NULL && (t = text_part(b, text, "plain")) == NULL)
        return NULL;
    if (html != NULL && (h = text_part(b, html, "html")) == NULL) {
        g_clear_object(&t);
        return NULL;
    }
    body = t != NULL && h != NULL ? wrap("alternative", t, h) : t != NULL ? t : h;
    if (body == NULL)
        body = GMIME_OBJECT(g_mime_text_part_new_with_subtype("plain"));
    if (an != NULL && JSON_NODE_HOLDS_ARRAY(an) &&
        json_array_get_length(json_node_get_array(an)) > 0) {
        JsonArray *a = json_node_get_array(an);
        GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
        g_mime_multipart_add(mixed, body);
        g_object_unref(body);
        for (guint i = 0; i < json_array_get_length(a); i++) {
            JsonObject *p = jmap_elem_obj(a, i);
            const char *type = p != NULL ? string_of(p, "type") : NULL;
            GMimeObject *o =
                p != NULL ? blob_part(b, p, type ? type : "application/octet-stream") : NULL;
            if (o == NULL) {
                g_object_unref(mixed);
                return (void)fail(b, "invalidProperties", "bad attachment"), NULL;
            }
            g_mime_multipart_add(mixed, o);
            g_object_unref(o);
        }
        body = GMIME_OBJECT(mixed);
    }
    return body;
}

GBytes *
jmap_email_build(JmapCtx *ctx, JsonObject *email, const char **out_type, char **out_error)
{
    Build b = {ctx, email, NULL, NULL, NULL};
    GMimeMessage *msg;
    GMimeObject *body;
    JsonNode *bs = json_object_get_member(email, "bodyStructure");
    GMimeFormatOptions *opts;
    char *text;

    if (json_object_has_member(email, "bodyValues") &&
        JSON_NODE_HOLDS_OBJECT(json_object_get_member(email, "bodyValues")))
        b.values = jmap_obj(email, "bodyValues");
    msg = g_mime_message_new(TRUE);
    if (set_headers(&b, msg) && set_custom_headers(&b, GMIME_OBJECT(msg))) {
        body = bs != NULL && JSON_NODE_HOLDS_OBJECT(bs)
                   ? build_part(&b, json_node_get_object(bs), 0)
                   : simple_body(&b);
        if (body != NULL) {
            g_mime_message_set_mime_part(msg, body);
            g_object_unref(body);
        }
    }
    if (b.error != NULL) {
        g_object_unref(msg);
        *out_type = b.error_type;
        *out_error = b.error;
        return NULL;
    }
    opts = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(opts, GMIME_NEWLINE_FORMAT_DOS);
    text = g_mime_object_to_string(GMIME_OBJECT(msg), opts);
    g_mime_format_options_free(opts);
    g_object_unref(msg);
    return g_bytes_new_take(text, strlen(text));
}
