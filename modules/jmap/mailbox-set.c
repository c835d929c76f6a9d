/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * mailbox-set.c - Mailbox/set (RFC 8621 2.5): create (name, parentId,
 * role, isSubscribed), update (rename or move under another parent,
 * subscription) and destroy (refused with mailboxHasEmail unless
 * onDestroyRemoveEmails, and with mailboxHasChild while it has
 * children), each through the store's IMAP calls so that IMAP sees the
 * same change.  sortOrder is computed from the role and cannot be set.
 */
#include "autoconfig.h"

#include <string.h>

#include "jmap-util.h"

typedef struct {
    JsonObject *created, *updated, *not_created, *not_updated, *not_destroyed;
    JsonArray *destroyed;
} SetResult;

/* The full name for name under parent_id (nullable), or NULL with *err. */
static char *
full_name(JmapCtx *ctx, const char *name, const char *parent_id, JsonObject **err)
{
    const HermodMailboxInfo *parent = NULL;

    if (name == NULL || *name == '\0' || strlen(name) > 255 || strchr(name, '/') != NULL ||
        !g_utf8_validate(name, -1, NULL)) {
        *err = jmap_set_error("invalidProperties", "name must be 1-255 characters without '/'");
        return NULL;
    }
    if (parent_id == NULL)
        return g_strdup(name);
    parent = jmap_mailbox_by_id(ctx, parent_id);
    if (parent == NULL) {
        *err = jmap_set_error("invalidProperties", "no parent mailbox %s", parent_id);
        return NULL;
    }
    return g_strconcat(parent->name, "/", name, NULL);
}

static JsonObject *
store_set_error(JmapCtx *ctx, const GError *error)
{
    if (g_error_matches(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_EXISTS))
        return jmap_set_error("invalidProperties", "a mailbox with that name exists");
    if (g_error_matches(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_INVALID))
        return jmap_set_error("invalidProperties", "%s", error->message);
    if (g_error_matches(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MAILBOX))
        return jmap_set_error("notFound", "the mailbox is gone");
    jmap_api->log(HERMOD_LOG_WARNING, ctx->session, "jmap %s: %s", ctx->account, error->message);
    return jmap_set_error("serverFail", "the store failed");
}

static char *
special_use_of(const char *role)
{
    g_autofree char *cap = g_strdup(role);

    cap[0] = g_ascii_toupper(cap[0]);
    return g_strconcat("\\", cap, NULL);
}

static const char *
str_member(JsonObject *o, const char *name)
{
    JsonNode *n = json_object_get_member(o, name);

    return n != NULL && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
               ? json_node_get_string(n)
               : NULL;
}

static JsonObject *
check_role(JmapCtx *ctx, JsonObject *o, char **out_special)
{
    const char *role = str_member(o, "role");
    g_autofree char *special = NULL;

    *out_special = NULL;
    if (role == NULL)
        return NULL;
    if (!jmap_role_known(role) || strcmp(role, "inbox") == 0)
        return jmap_set_error("invalidProperties", "role %s cannot be given", role);
    special = special_use_of(role);
    if (jmap_mailbox_by_role(ctx, special) != NULL)
        return jmap_set_error("invalidProperties", "a mailbox with role %s exists", role);
    *out_special = g_steal_pointer(&special);
    return NULL;
}

static JsonObject *
create_one(JmapCtx *ctx, JsonObject *o, char **out_id)
{
    const char *const known[] = {"name", "parentId", "role", "isSubscribed", "sortOrder", NULL};
    JsonObject *err = NULL;
    g_autofree char *name = NULL, *special = NULL;
    g_autoptr(GError) error = NULL;
    const HermodMailboxInfo *mb;
    GList *members = json_object_get_members(o);

    for (GList *l = members; l != NULL && err == NULL; l = l->next) {
        if (!g_strv_contains(known, l->data))
            err = jmap_set_error("invalidProperties", "%s cannot be set", (char *)l->data);
    }
    g_list_free(members);
    if (err != NULL || (err = check_role(ctx, o, &special)) != NULL)
        return err;
    name = full_name(ctx, str_member(o, "name"), jmap_resolve_id(ctx, str_member(o, "parentId")),
                     &err);
    if (name == NULL)
        return err;
    if (!jmap_api->mail->mailbox_create(ctx->store, name, special, &error))
        return store_set_error(ctx, error);
    if (json_object_has_member(o, "isSubscribed") &&
        !json_object_get_boolean_member(o, "isSubscribed"))
        jmap_api->mail->mailbox_subscribe(ctx->store, name, FALSE, NULL);
    jmap_mailboxes_changed(ctx);
    mb = jmap_mailbox_by_name(ctx, name);
    if (mb == NULL)
        return jmap_set_error("serverFail", "the new mailbox is not there");
    *out_id = jmap_id('M', (guint64)mb->id);
    return NULL;
}

static void
do_create(JmapCtx *ctx, JsonObject *create, SetResult *r)
{
    GList *members = json_object_get_members(create);

    for (GList *l = members; l != NULL; l = l->next) {
        JsonNode *n = json_object_get_member(create, l->data);
        g_autofree char *id = NULL;
        JsonObject *err = JSON_NODE_HOLDS_OBJECT(n)
                              ? create_one(ctx, json_node_get_object(n), &id)
                              : jmap_set_error("invalidProperties", "not an object");
        if (err != NULL) {
            json_object_set_object_member(r->not_created, l->data, err);
            continue;
        }
        JsonObject *made = jmap_mailbox_json(ctx, jmap_mailbox_by_id(ctx, id));
        json_object_remove_member(made, "name");
        json_object_remove_member(made, "parentId");
        json_object_set_object_member(r->created, l->data, made);
        g_hash_table_insert(ctx->created, g_strdup(l->data), g_strdup(id));
    }
    g_list_free(members);
}

/* The new full name of mb for an update that gives name and/or parentId. */
static char *
renamed(JmapCtx *ctx, const HermodMailboxInfo *mb, JsonObject *o, JsonObject **err)
{
    const char *slash = strrchr(mb->name, '/');
    const char *name = json_object_has_member(o, "name") ? str_member(o, "name")
                       : slash != NULL                   ? slash + 1
                                                         : mb->name;
    g_autofree char *old_parent = NULL;
    const char *parent;

    if (slash != NULL) {
        g_autofree char *pname = g_strndup(mb->name, slash - mb->name);
        const HermodMailboxInfo *p = jmap_mailbox_by_name(ctx, pname);
        old_parent = p != NULL ? jmap_id('M', (guint64)p->id) : NULL;
    }
    parent = json_object_has_member(o, "parentId") ? jmap_resolve_id(ctx, str_member(o, "parentId"))
                                                   : old_parent;
    return full_name(ctx, name, parent, err);
}

static JsonObject *
update_one(JmapCtx *ctx, const char *id, JsonObject *o)
{
    const HermodMailboxInfo *mb = jmap_mailbox_by_id(ctx, id);
    g_autofree char *old = NULL, *to = NULL;
    g_autoptr(GError) error = NULL;
    JsonObject *err = NULL;

    if (mb == NULL)
        return jmap_set_error("notFound", "no mailbox %s", id);
    old = g_strdup(mb->name);
    if (json_object_has_member(o, "role") || json_object_has_member(o, "sortOrder"))
        return jmap_set_error("invalidProperties", "role and sortOrder cannot be changed");
    if (json_object_has_member(o, "name") || json_object_has_member(o, "parentId")) {
        if (strcmp(old, "INBOX") == 0)
            return jmap_set_error("forbidden", "the inbox cannot be renamed");
        if ((to = renamed(ctx, mb, o, &err)) == NULL)
            return err;
        if (strcmp(to, old) != 0 && !jmap_api->mail->mailbox_rename(ctx->store, old, to, &error))
            return store_set_error(ctx, error);
    }
    if (json_object_has_member(o, "isSubscribed") &&
        !jmap_api->mail->mailbox_subscribe(ctx->store, to != NULL ? to : old,
                                           json_object_get_boolean_member(o, "isSubscribed"),
                                           &error))
        return store_set_error(ctx, error);
    jmap_mailboxes_changed(ctx);
    return NULL;
}

static void
do_update(JmapCtx *ctx, JsonObject *update, SetResult *r)
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

static gboolean
has_child(JmapCtx *ctx, const HermodMailboxInfo *mb)
{
    g_autofree char *under = g_strconcat(mb->name, "/", NULL);
    GPtrArray *list = jmap_mailboxes(ctx);

    for (guint i = 0; list != NULL && i < list->len; i++) {
        if (g_str_has_prefix(((HermodMailboxInfo *)list->pdata[i])->name, under))
            return TRUE;
    }
    return FALSE;
}

static JsonObject *
destroy_one(JmapCtx *ctx, const char *id, gboolean remove_emails)
{
    const HermodMailboxInfo *mb = jmap_mailbox_by_id(ctx, id);
    g_autoptr(GError) error = NULL;

    if (mb == NULL)
        return jmap_set_error("notFound", "no mailbox %s", id);
    if (strcmp(mb->name, "INBOX") == 0)
        return jmap_set_error("forbidden", "the inbox cannot be destroyed");
    if (has_child(ctx, mb))
        return jmap_set_error("mailboxHasChild", "%s has child mailboxes", id);
    if (mb->messages > 0 && !remove_emails)
        return jmap_set_error("mailboxHasEmail", "%s holds %u emails", id, mb->messages);
    if (!jmap_api->mail->mailbox_delete(ctx->store, mb->name, &error))
        return store_set_error(ctx, error);
    jmap_mailboxes_changed(ctx);
    return NULL;
}

static void
do_destroy(JmapCtx *ctx, GPtrArray *ids, gboolean remove_emails, SetResult *r)
{
    for (guint i = 0; ids != NULL && i < ids->len; i++) {
        const char *id = jmap_resolve_id(ctx, ids->pdata[i]);
        JsonObject *err = id == NULL ? jmap_set_error("notFound", "unknown creation id")
                                     : destroy_one(ctx, id, remove_emails);
        if (err != NULL)
            json_object_set_object_member(r->not_destroyed, ids->pdata[i], err);
        else
            json_array_add_string_element(r->destroyed, id);
    }
}

JsonObject *
jmap_set_result(JmapCtx *ctx, const char *old_state, const char *new_state, JsonObject *created,
                JsonObject *updated, JsonArray *destroyed, JsonObject *not_created,
                JsonObject *not_updated, JsonObject *not_destroyed)
{
    JsonObject *out = json_object_new();

    json_object_set_string_member(out, "accountId", ctx->account_id);
    json_object_set_string_member(out, "oldState", old_state);
    json_object_set_string_member(out, "newState", new_state);
    json_object_set_object_member(out, "created", created);
    json_object_set_object_member(out, "updated", updated);
    json_object_set_array_member(out, "destroyed", destroyed);
    json_object_set_object_member(out, "notCreated", not_created);
    json_object_set_object_member(out, "notUpdated", not_updated);
    json_object_set_object_member(out, "notDestroyed", not_destroyed);
    return out;
}

gboolean
jmap_set_args(JmapCtx *ctx, JsonObject *args, JsonObject **create, JsonObject **update,
              GPtrArray **destroy)
{
    guint n;

    *create = *update = NULL;
    *destroy = NULL;
    if (!jmap_check_account(ctx, args) || !jmap_arg_object(ctx, args, "create", create) ||
        !jmap_arg_object(ctx, args, "update", update) ||
        !jmap_arg_strings(ctx, args, "destroy", destroy))
        return FALSE;
    n = (*create != NULL ? json_object_get_size(*create) : 0) +
        (*update != NULL ? json_object_get_size(*update) : 0) +
        (*destroy != NULL ? (*destroy)->len : 0);
    if (n > JMAP_MAX_OBJECTS_SET) {
        jmap_error(ctx, "requestTooLarge", "%u objects; at most %d per /set", n,
                   JMAP_MAX_OBJECTS_SET);
        g_clear_pointer(destroy, g_ptr_array_unref);
        return FALSE;
    }
    return TRUE;
}

void
jmap_mailbox_set(JmapCtx *ctx, JsonObject *args)
{
    JsonObject *create, *update;
    g_autoptr(GPtrArray) destroy = NULL;
    g_autofree char *old = NULL, *now = NULL;
    gboolean remove_emails = FALSE;
    SetResult r;

    if (!jmap_set_args(ctx, args, &create, &update, &destroy) ||
        !jmap_arg_bool(ctx, args, "onDestroyRemoveEmails", &remove_emails) ||
        jmap_mailboxes(ctx) == NULL || !jmap_if_in_state(ctx, args, HERMOD_MAIL_KIND_MAILBOX, &old))
        return;
    r = (SetResult){json_object_new(), json_object_new(), json_object_new(),
                    json_object_new(), json_object_new(), json_array_new()};
    if (create != NULL)
        do_create(ctx, create, &r);
    if (update != NULL)
        do_update(ctx, update, &r);
    do_destroy(ctx, destroy, remove_emails, &r);
    now = jmap_kind_state(ctx, HERMOD_MAIL_KIND_MAILBOX);
    jmap_reply(ctx, "Mailbox/set",
               jmap_set_result(ctx, old, now != NULL ? now : old, r.created, r.updated, r.destroyed,
                               r.not_created, r.not_updated, r.not_destroyed));
}
