/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * email-set.c - Email/set (RFC 8621 4.6): create (a message built from
 * JSON, email-build.c, appended to its one mailbox), update (keywords
 * and mailboxIds, whole or by patch), destroy (an IMAP EXPUNGE of the
 * message, which IDLE sessions see).
 *
 * Keywords become IMAP flags and keywords through the store's STORE;
 * \Deleted, which JMAP cannot see, is kept.  A change of mailbox is an
 * IMAP MOVE, so the email keeps its id.  Every email lives in exactly
 * one mailbox: a patch that leaves none or several is invalidProperties.
 */
#include "autoconfig.h"

#include <string.h>

#include "jmap-blob.h"
#include "jmap-email.h"
#include "jmap-util.h"

HermodEmailInfo *
jmap_email_find(JmapCtx *ctx, const char *id, gboolean *out_failed)
{
    guint64 n = jmap_id_parse('E', jmap_resolve_id(ctx, id));
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = NULL;

    *out_failed = FALSE;
    if (n == 0)
        return NULL;
    list = jmap_api->mail->emails_get(ctx->store, &n, 1, &error);
    if (list == NULL) {
        jmap_api->log(HERMOD_LOG_WARNING, ctx->session, "jmap %s: %s", ctx->account,
                      error->message);
        *out_failed = TRUE;
        return NULL;
    }
    return list->len > 0 ? g_ptr_array_steal_index(list, 0) : NULL;
}

static void
email_info_free(HermodEmailInfo *e)
{
    if (e == NULL)
        return;
    g_free(e->mailbox);
    g_strfreev(e->keywords);
    g_free(e->subject);
    g_free(e->from);
    g_free(e->to);
    g_free(e);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermodEmailInfo, email_info_free)

/* Keywords as flag bits and IMAP keywords; FALSE if one is invalid. */
static gboolean
split_keywords(JsonObject *kw, guint32 *out_flags, GPtrArray *out_words)
{
    GList *members = json_object_get_members(kw);
    gboolean ok = TRUE;

    *out_flags = 0;
    for (GList *l = members; l != NULL && ok; l = l->next) {
        JsonNode *v = json_object_get_member(kw, l->data);
        ok = jmap_keyword_valid(l->data) && JSON_NODE_HOLDS_VALUE(v) &&
             json_node_get_value_type(v) == G_TYPE_BOOLEAN && json_node_get_boolean(v);
        if (!ok)
            break;
        if (jmap_keyword_flag(l->data) != 0)
            *out_flags |= jmap_keyword_flag(l->data);
        else
            g_ptr_array_add(out_words, g_ascii_strdown(l->data, -1));
    }
    g_list_free(members);
    g_ptr_array_add(out_words, NULL);
    return ok;
}

static JsonObject *
store_error(JmapCtx *ctx, const GError *error)
{
    if (g_error_matches(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_OVER_QUOTA))
        return jmap_set_error("overQuota", "the account is over its quota");
    if (g_error_matches(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MAILBOX) ||
        g_error_matches(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MESSAGE))
        return jmap_set_error("notFound", "the email or its mailbox is gone");
    jmap_api->log(HERMOD_LOG_WARNING, ctx->session, "jmap %s: %s", ctx->account, error->message);
    return jmap_set_error("serverFail", "the store failed");
}

static JsonObject *
set_flags(JmapCtx *ctx, const HermodEmailInfo *e, HermodFlagsOp op, guint32 flags, GPtrArray *words)
{
    g_autoptr(GError) error = NULL;

    if (op == HERMOD_FLAGS_SET)
        flags |= e->flags & HERMOD_MAIL_FLAG_DELETED;
    if (!jmap_api->mail->update_flags(ctx->store, e->mailbox, &e->uid, 1, op, flags,
                                      (const char *const *)words->pdata, 0, NULL, &error))
        return store_error(ctx, error);
    return NULL;
}

/* Apply "keywords" or "keywords/x" members of a patch. */
static JsonObject *
update_keywords(JmapCtx *ctx, const HermodEmailInfo *e, JsonObject *patch)
{
    JsonNode *whole = json_object_get_member(patch, "keywords");
    GList *members = json_object_get_members(patch);
    JsonObject *err = NULL;

    if (whole != NULL) {
        g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func(g_free);
        guint32 flags = 0;
        if (!JSON_NODE_HOLDS_OBJECT(whole) ||
            !split_keywords(json_node_get_object(whole), &flags, words))
            err = jmap_set_error("invalidProperties", "keywords must map valid keywords to true");
        else
            err = set_flags(ctx, e, HERMOD_FLAGS_SET, flags, words);
    }
    for (GList *l = members; l != NULL && err == NULL; l = l->next) {
        const char *key = l->data, *kw;
        JsonNode *v = json_object_get_member(patch, key);
        g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func(g_free);
        gboolean on;
        if (!g_str_has_prefix(key, "keywords/"))
            continue;
        kw = key + strlen("keywords/");
        on = JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_BOOLEAN &&
             json_node_get_boolean(v);
        if (!jmap_keyword_valid(kw) || (!on && !JSON_NODE_HOLDS_NULL(v))) {
            err = jmap_set_error("invalidPatch", "%s: a valid keyword set to true or null", key);
            break;
        }
        if (jmap_keyword_flag(kw) == 0)
            g_ptr_array_add(words, g_ascii_strdown(kw, -1));
        g_ptr_array_add(words, NULL);
        err = set_flags(ctx, e, on ? HERMOD_FLAGS_ADD : HERMOD_FLAGS_REMOVE, jmap_keyword_flag(kw),
                        words);
    }
    g_list_free(members);
    return err;
}

/* The one mailbox a patch leaves e in, or NULL with *err. */
static const HermodMailboxInfo *
target_mailbox(JmapCtx *ctx, const HermodEmailInfo *e, JsonObject *patch, JsonObject **err)
{
    g_autoptr(GHashTable) set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    JsonNode *whole = json_object_get_member(patch, "mailboxIds");
    GList *members = json_object_get_members(patch);
    const HermodMailboxInfo *mb = NULL;

    if (whole != NULL && !JSON_NODE_HOLDS_OBJECT(whole)) {
        g_list_free(members);
        *err = jmap_set_error("invalidProperties", "mailboxIds must be an object");
        return NULL;
    }
    if (whole != NULL) {
        GList *ids = json_object_get_members(json_node_get_object(whole));
        for (GList *l = ids; l != NULL; l = l->next)
            g_hash_table_add(
                set,
                g_strdup(jmap_resolve_id(ctx, l->data) ? jmap_resolve_id(ctx, l->data) : l->data));
        g_list_free(ids);
    } else {
        g_hash_table_add(set, jmap_id('M', (guint64)e->mailbox_id));
    }
    for (GList *l = members; l != NULL; l = l->next) {
        const char *key = l->data;
        if (!g_str_has_prefix(key, "mailboxIds/"))
            continue;
        const char *id = jmap_resolve_id(ctx, key + strlen("mailboxIds/"));
        if (JSON_NODE_HOLDS_NULL(json_object_get_member(patch, key)))
            g_hash_table_remove(set, id != NULL ? id : "");
        else
            g_hash_table_add(set, g_strdup(id != NULL ? id : ""));
    }
    g_list_free(members);
    if (g_hash_table_size(set) == 1) {
        GHashTableIter it;
        gpointer key;
        g_hash_table_iter_init(&it, set);
        g_hash_table_iter_next(&it, &key, NULL);
        mb = jmap_mailbox_by_id(ctx, key);
    }
    if (mb == NULL || mb->is_noselect)
        *err = jmap_set_error("invalidProperties",
                              "an email is in exactly one existing mailbox (mailboxIds)");
    return mb != NULL && !mb->is_noselect ? mb : NULL;
}

static JsonObject *
update_one(JmapCtx *ctx, const char *id, JsonObject *patch)
{
    gboolean failed = FALSE, has_box = FALSE;
    g_autoptr(HermodEmailInfo) e = jmap_email_find(ctx, id, &failed);
    GList *members = json_object_get_members(patch);
    const HermodMailboxInfo *to = NULL;
    g_autoptr(GError) error = NULL;
    JsonObject *err = NULL;

    for (GList *l = members; l != NULL && err == NULL; l = l->next) {
        const char *k = l->data;
        if (g_str_has_prefix(k, "mailboxIds"))
            has_box = TRUE;
        else if (!g_str_has_prefix(k, "keywords"))
            err = jmap_set_error("invalidProperties", "%s cannot be changed", k);
    }
    g_list_free(members);
    if (err != NULL || e == NULL)
        return err != NULL ? err
               : failed    ? jmap_set_error("serverFail", "the store failed")
                           : jmap_set_error("notFound", "no email %s", id);
    if (has_box && (to = target_mailbox(ctx, e, patch, &err)) == NULL)
        return err;
    if ((err = update_keywords(ctx, e, patch)) != NULL)
        return err;
    if (to != NULL && to->id != e->mailbox_id &&
        !jmap_api->mail->copy(ctx->store, e->mailbox, &e->uid, 1, to->name, TRUE, NULL, NULL, NULL,
                              &error))
        return store_error(ctx, error);
    return NULL;
}

static JsonObject *
destroy_one(JmapCtx *ctx, const char *id)
{
    gboolean failed = FALSE;
    g_autoptr(HermodEmailInfo) e = jmap_email_find(ctx, id, &failed);
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) gone = NULL;

    if (e == NULL)
        return failed ? jmap_set_error("serverFail", "the store failed")
                      : jmap_set_error("notFound", "no email %s", id);
    gone = jmap_api->mail->expunge(ctx->store, e->mailbox, &e->uid, 1, &error);
    if (gone == NULL)
        return store_error(ctx, error);
    return gone->len == 1 ? NULL : jmap_set_error("notFound", "no email %s", id);
}

/* --- create */

static JsonObject *
created_json(const HermodEmailInfo *e)
{
    JsonObject *o = json_object_new();
    g_autofree char *id = jmap_id('E', e->email_id);
    g_autofree char *blob = jmap_id('B', e->email_id);
    g_autofree char *thread = jmap_id('T', e->thread_id);

    json_object_set_string_member(o, "id", id);
    json_object_set_string_member(o, "blobId", blob);
    json_object_set_string_member(o, "threadId", thread);
    json_object_set_int_member(o, "size", (gint64)e->size);
    return o;
}

JsonObject *
jmap_email_append(JmapCtx *ctx, const HermodMailboxInfo *mb, GBytes *data, JsonObject *keywords,
                  gint64 received, JsonObject **out_created)
{
    g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) made = NULL;
    guint32 flags = 0, uid = 0;

    if (keywords != NULL && !split_keywords(keywords, &flags, words))
        return jmap_set_error("invalidProperties", "keywords must map valid keywords to true");
    if (keywords == NULL)
        g_ptr_array_add(words, NULL);
    if (!jmap_api->mail->append(ctx->store, mb->name, data, flags,
                                (const char *const *)words->pdata, received, &uid, NULL, &error))
        return store_error(ctx, error);
    made = jmap_api->mail->emails_by_uid(ctx->store, mb->name, &uid, 1, &error);
    if (made == NULL || made->len != 1)
        return jmap_set_error("serverFail", "the new email is not there");
    *out_created = created_json(made->pdata[0]);
    return NULL;
}

/* The one mailbox of a create's mailboxIds, or NULL with *err. */
static const HermodMailboxInfo *
create_mailbox(JmapCtx *ctx, JsonObject *o, JsonObject **err)
{
    JsonNode *n = json_object_get_member(o, "mailboxIds");
    JsonObject *ids = n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
    GList *members = ids != NULL ? json_object_get_members(ids) : NULL;
    const HermodMailboxInfo *mb = NULL;

    if (members != NULL && members->next == NULL)
        mb = jmap_mailbox_by_id(ctx, members->data);
    g_list_free(members);
    if (mb == NULL || mb->is_noselect)
        *err = jmap_set_error("invalidProperties",
                              "mailboxIds must name exactly one existing mailbox");
    return mb != NULL && !mb->is_noselect ? mb : NULL;
}

static JsonObject *
create_one(JmapCtx *ctx, JsonObject *o, JsonObject **out_created)
{
    const char *const known[] = {"mailboxIds", "keywords",   "receivedAt",    "messageId",
                                 "inReplyTo",  "references", "sender",        "from",
                                 "to",         "cc",         "bcc",           "replyTo",
                                 "subject",    "sentAt",     "bodyStructure", "bodyValues",
                                 "textBody",   "htmlBody",   "attachments",   NULL};
    const HermodMailboxInfo *mb;
    JsonObject *err = NULL, *kw = NULL;
    JsonNode *kn = json_object_get_member(o, "keywords");
    const char *received = NULL, *type = NULL;
    g_autofree char *why = NULL;
    g_autoptr(GBytes) data = NULL;
    GList *members = json_object_get_members(o);
    gint64 when = 0;

    for (GList *l = members; l != NULL && err == NULL; l = l->next) {
        if (!g_strv_contains(known, l->data) && !g_str_has_prefix(l->data, "header:"))
            err = jmap_set_error("invalidProperties", "%s cannot be set", (char *)l->data);
    }
    g_list_free(members);
    if (err != NULL || (mb = create_mailbox(ctx, o, &err)) == NULL)
        return err;
    if (kn != NULL && !JSON_NODE_HOLDS_OBJECT(kn))
        return jmap_set_error("invalidProperties", "keywords must be an object");
    kw = kn != NULL ? json_node_get_object(kn) : NULL;
    if (json_object_has_member(o, "receivedAt")) {
        JsonNode *rn = json_object_get_member(o, "receivedAt");
        received = JSON_NODE_HOLDS_VALUE(rn) ? json_node_get_string(rn) : NULL;
        if (!jmap_parse_date(received, &when))
            return jmap_set_error("invalidProperties", "receivedAt is not a UTCDate");
    }
    data = jmap_email_build(ctx, o, &type, &why);
    if (data == NULL)
        return jmap_set_error(type, "%s", why);
    return jmap_email_append(ctx, mb, data, kw, when, out_created);
}

typedef struct {
    JsonObject *created, *updated, *not_created, *not_updated, *not_destroyed;
    JsonArray *destroyed;
} Result;

static void
each_create(JmapCtx *ctx, JsonObject *create, Result *r)
{
    GList *members = json_object_get_members(create);

    for (GList *l = members; l != NULL; l = l->next) {
        JsonNode *n = json_object_get_member(create, l->data);
        JsonObject *made = NULL;
        JsonObject *err = JSON_NODE_HOLDS_OBJECT(n)
                              ? create_one(ctx, json_node_get_object(n), &made)
                              : jmap_set_error("invalidProperties", "not an object");
        if (err != NULL) {
            json_object_set_object_member(r->not_created, l->data, err);
            continue;
        }
        g_hash_table_insert(ctx->created, g_strdup(l->data),
                            g_strdup(json_object_get_string_member(made, "id")));
        json_object_set_object_member(r->created, l->data, made);
    }
    g_list_free(members);
}

static void
each_update(JmapCtx *ctx, JsonObject *update, Result *r)
{
    GList *members = json_object_get_members(update);

    for (GList *l = members; l != NULL; l = l->next) {
        JsonNode *n = json_object_get_member(update, l->data);
        const char *id = jmap_resolve_id(ctx, l->data);
        JsonObject *err = !JSON_NODE_HOLDS_OBJECT(n)
                              ? jmap_set_error("invalidPatch", "not an object")
                          : id == NULL ? jmap_set_error("notFound", "unknown creation id")
                                       : update_one(ctx, id, json_node_get_object(n));
        if (err != NULL)
            json_object_set_object_member(r->not_updated, l->data, err);
        else
            json_object_set_null_member(r->updated, id);
    }
    g_list_free(members);
}

void
jmap_email_set(JmapCtx *ctx, JsonObject *args)
{
    JsonObject *create, *update;
    g_autoptr(GPtrArray) destroy = NULL;
    g_autofree char *old = NULL, *now = NULL;
    Result r;

    if (!jmap_set_args(ctx, args, &create, &update, &destroy) || jmap_mailboxes(ctx) == NULL ||
        !jmap_if_in_state(ctx, args, HERMOD_MAIL_KIND_EMAIL, &old))
        return;
    r = (Result){json_object_new(), json_object_new(), json_object_new(),
                 json_object_new(), json_object_new(), json_array_new()};
    if (create != NULL)
        each_create(ctx, create, &r);
    if (update != NULL)
        each_update(ctx, update, &r);
    for (guint i = 0; destroy != NULL && i < destroy->len; i++) {
        const char *id = jmap_resolve_id(ctx, destroy->pdata[i]);
        JsonObject *err =
            id == NULL ? jmap_set_error("notFound", "unknown creation id") : destroy_one(ctx, id);
        if (err != NULL)
            json_object_set_object_member(r.not_destroyed, destroy->pdata[i], err);
        else
            json_array_add_string_element(r.destroyed, id);
    }
    jmap_mailboxes_changed(ctx);
    now = jmap_kind_state(ctx, HERMOD_MAIL_KIND_EMAIL);
    jmap_reply(ctx, "Email/set",
               jmap_set_result(ctx, old, now != NULL ? now : old, r.created, r.updated, r.destroyed,
                               r.not_created, r.not_updated, r.not_destroyed));
}
