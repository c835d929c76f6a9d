/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * email-import.c - Email/import (RFC 8621 4.8: a blob of RFC 5322 bytes
 * becomes an email in one mailbox), Email/parse (4.9: a blob shown as
 * an Email without storing it) and Email/copy (4.7: between two
 * accounts; one account per login and none shared, so only its errors).
 */
#include "autoconfig.h"

#include <string.h>

#include "jmap-blob.h"
#include "jmap-email.h"
#include "jmap-submit.h"
#include "jmap-util.h"

static JsonObject *
import_one(JmapCtx *ctx, JsonObject *o, JsonObject **out_made)
{
    const char *blob = json_object_get_string_member_with_default(o, "blobId", NULL);
    JsonObject *boxes = jmap_obj(o, "mailboxIds");
    JsonObject *kw = json_object_has_member(o, "keywords") &&
                             JSON_NODE_HOLDS_OBJECT(json_object_get_member(o, "keywords"))
                         ? jmap_obj(o, "keywords")
                         : NULL;
    const char *received = json_object_get_string_member_with_default(o, "receivedAt", NULL);
    g_autoptr(GBytes) data = jmap_blob_read(ctx, blob, NULL);
    GList *ids = boxes != NULL ? json_object_get_members(boxes) : NULL;
    const HermodMailboxInfo *mb =
        ids != NULL && ids->next == NULL ? jmap_mailbox_by_id(ctx, ids->data) : NULL;
    gint64 when = 0;

    g_list_free(ids);
    if (data == NULL)
        return jmap_set_error("blobNotFound", "no blob %s", blob != NULL ? blob : "(none)");
    if (mb == NULL || mb->is_noselect)
        return jmap_set_error("invalidProperties", "mailboxIds must name one mailbox");
    if (received != NULL && !jmap_parse_date(received, &when))
        return jmap_set_error("invalidProperties", "receivedAt is not a UTCDate");
    if (g_bytes_get_size(data) == 0 ||
        memchr(g_bytes_get_data(data, NULL), ':', MIN(g_bytes_get_size(data), 1000)) == NULL)
        return jmap_set_error("invalidEmail", "the blob is not a message");
    return jmap_email_append(ctx, mb, data, kw, when, out_made);
}

void
jmap_email_import(JmapCtx *ctx, JsonObject *args)
{
    JsonObject *emails = NULL, *created = json_object_new(), *not_created = json_object_new();
    JsonObject *out;
    g_autofree char *old = NULL, *now = NULL;
    GList *members;

    if (!jmap_check_account(ctx, args) || !jmap_arg_object(ctx, args, "emails", &emails) ||
        jmap_mailboxes(ctx) == NULL || !jmap_if_in_state(ctx, args, HERMOD_MAIL_KIND_EMAIL, &old)) {
        json_object_unref(created);
        json_object_unref(not_created);
        return;
    }
    members = emails != NULL ? json_object_get_members(emails) : NULL;
    for (GList *l = members; l != NULL; l = l->next) {
        JsonNode *n = json_object_get_member(emails, l->data);
        JsonObject *made = NULL;
        JsonObject *err = JSON_NODE_HOLDS_OBJECT(n)
                              ? import_one(ctx, json_node_get_object(n), &made)
                              : jmap_set_error("invalidProperties", "not an object");
        if (err != NULL) {
            json_object_set_object_member(not_created, l->data, err);
            continue;
        }
        g_hash_table_insert(ctx->created, g_strdup(l->data),
                            g_strdup(json_object_get_string_member(made, "id")));
        json_object_set_object_member(created, l->data, made);
    }
    g_list_free(members);
    jmap_mailboxes_changed(ctx);
    now = jmap_kind_state(ctx, HERMOD_MAIL_KIND_EMAIL);
    out = json_object_new();
    json_object_set_string_member(out, "accountId", ctx->account_id);
    json_object_set_string_member(out, "oldState", old);
    json_object_set_string_member(out, "newState", now != NULL ? now : old);
    json_object_set_object_member(out, "created", created);
    json_object_set_object_member(out, "notCreated", not_created);
    jmap_reply(ctx, "Email/import", out);
}

static JsonObject *
parsed_json(JmapEmail *m, const char *blob, GPtrArray *props, JmapViewOptions *opt)
{
    const char *const defaults[] = {
        "messageId", "inReplyTo",  "references", "sender",   "from",        "to",
        "cc",        "bcc",        "replyTo",    "subject",  "sentAt",      "hasAttachment",
        "preview",   "bodyValues", "textBody",   "htmlBody", "attachments", NULL};
    JsonObject *o = json_object_new();

    opt->blob_prefix = blob;
    json_object_set_string_member(o, "blobId", blob);
    for (guint i = 0; props != NULL && i < props->len; i++) {
        if (!jmap_email_property(m, props->pdata[i], opt, o))
            json_object_set_null_member(o, props->pdata[i]);
    }
    for (gsize i = 0; props == NULL && defaults[i] != NULL; i++)
        jmap_email_property(m, defaults[i], opt, o);
    return o;
}

void
jmap_email_parse_method(JmapCtx *ctx, JsonObject *args)
{
    g_autoptr(GPtrArray) blobs = NULL, props = NULL, body_props = NULL;
    JsonObject *parsed, *out;
    JsonArray *not_parsable, *not_found;
    JmapViewOptions opt = {0};

    if (!jmap_check_account(ctx, args) || !jmap_arg_strings(ctx, args, "blobIds", &blobs) ||
        !jmap_arg_strings(ctx, args, "properties", &props) ||
        !jmap_arg_strings(ctx, args, "bodyProperties", &body_props) ||
        !jmap_arg_bool(ctx, args, "fetchTextBodyValues", &opt.fetch_text) ||
        !jmap_arg_bool(ctx, args, "fetchHTMLBodyValues", &opt.fetch_html) ||
        !jmap_arg_bool(ctx, args, "fetchAllBodyValues", &opt.fetch_all) ||
        !jmap_arg_int(ctx, args, "maxBodyValueBytes", 0, &opt.max_body_value_bytes))
        return;
    if (blobs == NULL || blobs->len > JMAP_MAX_OBJECTS_GET) {
        jmap_error(ctx, blobs == NULL ? "invalidArguments" : "requestTooLarge",
                   "blobIds: 1 to %d blob ids", JMAP_MAX_OBJECTS_GET);
        return;
    }
    opt.body_properties = body_props;
    parsed = json_object_new();
    not_parsable = json_array_new();
    not_found = json_array_new();
    for (guint i = 0; i < blobs->len; i++) {
        g_autoptr(GBytes) data = jmap_blob_read(ctx, blobs->pdata[i], NULL);
        g_autoptr(JmapEmail) m =
            data != NULL ? jmap_email_parse(g_bytes_get_data(data, NULL), g_bytes_get_size(data))
                         : NULL;
        if (data == NULL)
            json_array_add_string_element(not_found, blobs->pdata[i]);
        else if (m == NULL)
            json_array_add_string_element(not_parsable, blobs->pdata[i]);
        else
            json_object_set_object_member(parsed, blobs->pdata[i],
                                          parsed_json(m, blobs->pdata[i], props, &opt));
    }
    out = json_object_new();
    json_object_set_string_member(out, "accountId", ctx->account_id);
    json_object_set_object_member(out, "parsed", parsed);
    json_object_set_array_member(out, "notParsable", not_parsable);
    json_object_set_array_member(out, "notFound", not_found);
    jmap_reply(ctx, "Email/parse", out);
}

/* Email/copy (RFC 8620 5.4, RFC 8621 4.7) copies between two accounts
 * and its accountId "MUST be different to the fromAccountId".  Each
 * login here is one JMAP account and none is shared with another, so
 * there is never a second account to copy from: the same account is
 * invalidArguments (a copy within it is Email/set of mailboxIds, or
 * Email/import of its blob), any other id fromAccountNotFound. */
void
jmap_email_copy(JmapCtx *ctx, JsonObject *args)
{
    const char *from = NULL;
    JsonObject *create = NULL;

    if (!jmap_arg_string(ctx, args, "fromAccountId", FALSE, &from) ||
        !jmap_check_account(ctx, args) || !jmap_arg_object(ctx, args, "create", &create))
        return;
    if (from == NULL)
        jmap_error(ctx, "invalidArguments", "fromAccountId is required");
    else if (strcmp(from, ctx->account_id) == 0)
        jmap_error(ctx, "invalidArguments",
                   "accountId must differ from fromAccountId: within one account, set mailboxIds"
                   " (Email/set) or import the blob (Email/import)");
    else
        jmap_error(ctx, "fromAccountNotFound", "no account %s is shared with this login", from);
}
