/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * email-get.c - Email/get and Email/changes (RFC 8621 4.2, 4.3).
 *
 * The metadata properties (id, blobId, threadId, mailboxIds, keywords,
 * size, receivedAt) come from the index alone; anything else parses the
 * message (email-parse.c), once per email.  A message list's properties
 * (addresses, subject, dates, preview, hasAttachment) are parsed once
 * per message and kept in the store's per-message cache, so opening a
 * mailbox again reads one cache row per email instead of 50 messages.  Keywords are the IMAP flags
 * and keywords of the message: $seen is \Seen, and so on (ids.c).
 */
#include "autoconfig.h"

#include <string.h>

#include "email-parse.h"
#include "jmap-email.h"
#include "jmap-util.h"

static const char *const default_props[] = {
    "id",        "blobId",    "threadId",    "mailboxIds", "keywords",      "size",    "receivedAt",
    "messageId", "inReplyTo", "references",  "sender",     "from",          "to",      "cc",
    "bcc",       "replyTo",   "subject",     "sentAt",     "hasAttachment", "preview", "bodyValues",
    "textBody",  "htmlBody",  "attachments", NULL,
};

static const char *const known_props[] = {
    "id",        "blobId",    "threadId",    "mailboxIds", "keywords",      "size",    "receivedAt",
    "messageId", "inReplyTo", "references",  "sender",     "from",          "to",      "cc",
    "bcc",       "replyTo",   "subject",     "sentAt",     "hasAttachment", "preview", "bodyValues",
    "textBody",  "htmlBody",  "attachments", "headers",    "bodyStructure", NULL,
};

static const char *const meta_props[] = {"id",       "blobId", "threadId",   "mailboxIds",
                                         "keywords", "size",   "receivedAt", NULL};

/* What a message list shows: from the parsed message, the same for the
 * message's whole life (its bytes never change), so kept in the store's
 * per-message cache under LIST_FIELD once computed. */
static const char *const list_props[] = {
    "messageId", "inReplyTo", "references", "sender",        "from",    "to",     "cc",
    "bcc",       "replyTo",   "subject",    "hasAttachment", "preview", "sentAt", NULL,
};
#define LIST_FIELD "jmap-list-1"

JsonObject *
jmap_keywords_json(const HermodEmailInfo *e)
{
    JsonObject *o = json_object_new();
    const char *const sys[] = {"$seen", "$flagged", "$answered", "$draft"};

    for (gsize i = 0; i < G_N_ELEMENTS(sys); i++) {
        if (e->flags & jmap_keyword_flag(sys[i]))
            json_object_set_boolean_member(o, sys[i], TRUE);
    }
    for (gsize i = 0; e->keywords[i] != NULL; i++) {
        g_autofree char *lower = g_ascii_strdown(e->keywords[i], -1);
        json_object_set_boolean_member(o, lower, TRUE);
    }
    return o;
}

static void
set_meta(const HermodEmailInfo *e, const char *prop, JsonObject *o)
{
    g_autofree char *s = NULL;

    if (strcmp(prop, "id") == 0) {
        s = jmap_id('E', e->email_id);
        json_object_set_string_member(o, prop, s);
    } else if (strcmp(prop, "blobId") == 0) {
        s = jmap_id('B', e->email_id);
        json_object_set_string_member(o, prop, s);
    } else if (strcmp(prop, "threadId") == 0) {
        s = jmap_id('T', e->thread_id);
        json_object_set_string_member(o, prop, s);
    } else if (strcmp(prop, "mailboxIds") == 0) {
        JsonObject *m = json_object_new();
        s = jmap_id('M', (guint64)e->mailbox_id);
        json_object_set_boolean_member(m, s, TRUE);
        json_object_set_object_member(o, prop, m);
    } else if (strcmp(prop, "keywords") == 0) {
        json_object_set_object_member(o, prop, jmap_keywords_json(e));
    } else if (strcmp(prop, "size") == 0) {
        json_object_set_int_member(o, prop, (gint64)e->size);
    } else if (strcmp(prop, "receivedAt") == 0) {
        s = jmap_utc_date(e->internal_date);
        json_object_set_string_member(o, prop, s);
    }
}

JmapEmail *
jmap_email_load(JmapCtx *ctx, const HermodEmailInfo *e)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bytes = jmap_api->mail->read_message(ctx->store, e->mailbox, e->uid, &error);
    gsize len = 0;
    const char *data;

    if (bytes == NULL) {
        jmap_api->log(HERMOD_LOG_WARNING, ctx->session, "jmap %s: %s", ctx->account,
                      error != NULL ? error->message : "cannot read a message");
        return NULL;
    }
    data = g_bytes_get_data(bytes, &len);
    return jmap_email_parse(data != NULL ? data : "", len);
}

/* The list properties of e (transfer full), from the cache or parsed
 * (and then cached); NULL when the message cannot be read. */
static JsonObject *
list_view(JmapCtx *ctx, const HermodEmailInfo *e, const char *blob)
{
    g_autofree char *cached = jmap_api->mail->cache_get(ctx->store, e->mailbox, e->uid, LIST_FIELD);
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(JmapEmail) parsed = NULL;
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *text = NULL;
    JmapViewOptions opt = {NULL, FALSE, FALSE, FALSE, 0, blob};
    JsonObject *o;

    if (cached != NULL && json_parser_load_from_data(parser, cached, -1, NULL) &&
        JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
        return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
    if ((parsed = jmap_email_load(ctx, e)) == NULL)
        return NULL;
    o = json_object_new();
    for (gsize i = 0; list_props[i] != NULL; i++) {
        if (!jmap_email_property(parsed, list_props[i], &opt, o))
            json_object_set_null_member(o, list_props[i]);
    }
    node = json_node_init_object(json_node_alloc(), o);
    text = json_to_string(node, FALSE);
    jmap_api->mail->cache_set(ctx->store, e->mailbox, e->uid, LIST_FIELD, text);
    return o;
}

/* Only metadata and list properties? */
static gboolean
is_list_only(GPtrArray *props)
{
    for (guint i = 0; i < props->len; i++) {
        if (!g_strv_contains(meta_props, props->pdata[i]) &&
            !g_strv_contains(list_props, props->pdata[i]))
            return FALSE;
    }
    return TRUE;
}

static JsonObject *
email_json(JmapCtx *ctx, const HermodEmailInfo *e, GPtrArray *props, JmapViewOptions *opt)
{
    JsonObject *o = json_object_new();
    g_autoptr(JmapEmail) parsed = NULL;
    gboolean need_parse = FALSE;
    g_autofree char *blob = jmap_id('B', e->email_id);

    for (guint i = 0; i < props->len; i++)
        need_parse |= !g_strv_contains(meta_props, props->pdata[i]);
    if (need_parse && is_list_only(props)) {
        g_autoptr(JsonObject) list = list_view(ctx, e, blob);
        set_meta(e, "id", o);
        for (guint i = 0; i < props->len; i++) {
            const char *prop = props->pdata[i];
            JsonNode *v = list != NULL ? json_object_get_member(list, prop) : NULL;
            if (g_strv_contains(meta_props, prop))
                set_meta(e, prop, o);
            else if (v != NULL)
                json_object_set_member(o, prop, json_node_copy(v));
            else
                json_object_set_null_member(o, prop);
        }
        return o;
    }
    if (need_parse)
        parsed = jmap_email_load(ctx, e);
    opt->blob_prefix = blob;
    set_meta(e, "id", o);
    for (guint i = 0; i < props->len; i++) {
        const char *prop = props->pdata[i];
        if (g_strv_contains(meta_props, prop))
            set_meta(e, prop, o);
        else if (parsed == NULL || !jmap_email_property(parsed, prop, opt, o))
            json_object_set_null_member(o, prop);
    }
    return o;
}

static gboolean
view_options(JmapCtx *ctx, JsonObject *args, JmapViewOptions *opt, GPtrArray **body_props)
{
    const char *const body_known[] = {"partId",  "blobId",      "size", "name",     "type",
                                      "charset", "disposition", "cid",  "language", "location",
                                      "headers", "subParts",    NULL};

    memset(opt, 0, sizeof *opt);
    if (!jmap_arg_bool(ctx, args, "fetchTextBodyValues", &opt->fetch_text) ||
        !jmap_arg_bool(ctx, args, "fetchHTMLBodyValues", &opt->fetch_html) ||
        !jmap_arg_bool(ctx, args, "fetchAllBodyValues", &opt->fetch_all) ||
        !jmap_arg_int(ctx, args, "maxBodyValueBytes", 0, &opt->max_body_value_bytes) ||
        !jmap_arg_strings(ctx, args, "bodyProperties", body_props))
        return FALSE;
    for (guint i = 0; *body_props != NULL && i < (*body_props)->len; i++) {
        const char *p = (*body_props)->pdata[i];
        if (!g_strv_contains(body_known, p) && !jmap_header_property_valid(p)) {
            jmap_error(ctx, "invalidArguments", "unknown body property %s", p);
            return FALSE;
        }
    }
    opt->body_properties = *body_props;
    return TRUE;
}

static GPtrArray *
email_props(JmapCtx *ctx, JsonObject *args)
{
    g_autoptr(GPtrArray) props = NULL;
    GPtrArray *out;

    if (!jmap_arg_strings(ctx, args, "properties", &props))
        return NULL;
    out = g_ptr_array_new();
    for (guint i = 0; props != NULL && i < props->len; i++) {
        const char *p = props->pdata[i];
        if (!g_strv_contains(known_props, p) && !jmap_header_property_valid(p)) {
            jmap_error(ctx, "invalidArguments", "unknown property %s", p);
            g_ptr_array_unref(out);
            return NULL;
        }
        g_ptr_array_add(out, (gpointer)p);
    }
    for (gsize i = 0; props == NULL && default_props[i] != NULL; i++)
        g_ptr_array_add(out, (gpointer)default_props[i]);
    return out;
}

/* The found emails of ids, as a table by email id. */
static GHashTable *
lookup(JmapCtx *ctx, GPtrArray *ids, GPtrArray **out_list)
{
    g_autoptr(GArray) nums = g_array_new(FALSE, FALSE, sizeof(guint64));
    g_autoptr(GError) error = NULL;
    GHashTable *by_id;

    for (guint i = 0; i < ids->len; i++) {
        guint64 n = jmap_id_parse('E', ids->pdata[i]);
        if (n != 0)
            g_array_append_val(nums, n);
    }
    *out_list =
        jmap_api->mail->emails_get(ctx->store, (const guint64 *)nums->data, nums->len, &error);
    if (*out_list == NULL) {
        jmap_store_error(ctx, error);
        return NULL;
    }
    by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
    for (guint i = 0; i < (*out_list)->len; i++) {
        HermodEmailInfo *e = (*out_list)->pdata[i];
        g_hash_table_insert(by_id, &e->email_id, e);
    }
    return by_id;
}

void
jmap_email_get(JmapCtx *ctx, JsonObject *args)
{
    g_autoptr(GPtrArray) ids = NULL, props = NULL, body_props = NULL, found = NULL;
    g_autoptr(GHashTable) by_id = NULL;
    g_autofree char *state = NULL;
    JmapViewOptions opt;
    JsonArray *list, *not_found;
    JsonObject *out;

    if (!jmap_check_account(ctx, args) || !jmap_get_ids(ctx, args, &ids) ||
        (props = email_props(ctx, args)) == NULL || !view_options(ctx, args, &opt, &body_props))
        return;
    if (ids == NULL) {
        jmap_error(ctx, "requestTooLarge", "Email/get needs ids (use Email/query)");
        return;
    }
    if ((state = jmap_kind_state(ctx, HERMOD_MAIL_KIND_EMAIL)) == NULL ||
        (by_id = lookup(ctx, ids, &found)) == NULL)
        return;
    list = json_array_new();
    not_found = json_array_new();
    for (guint i = 0; i < ids->len; i++) {
        guint64 n = jmap_id_parse('E', ids->pdata[i]);
        HermodEmailInfo *e = g_hash_table_lookup(by_id, &n);
        if (e == NULL)
            json_array_add_string_element(not_found, ids->pdata[i]);
        else
            json_array_add_object_element(list, email_json(ctx, e, props, &opt));
    }
    out = json_object_new();
    json_object_set_string_member(out, "accountId", ctx->account_id);
    json_object_set_string_member(out, "state", state);
    json_object_set_array_member(out, "list", list);
    json_object_set_array_member(out, "notFound", not_found);
    jmap_reply(ctx, "Email/get", out);
}

void
jmap_email_changes(JmapCtx *ctx, JsonObject *args)
{
    jmap_changes(ctx, args, "Email/changes", HERMOD_MAIL_KIND_EMAIL, 'E');
}
