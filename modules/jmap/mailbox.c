/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * mailbox.c - Mailbox/get, /changes, /query, /queryChanges (RFC 8621 2).
 * Mailbox/set is mailbox-set.c.
 *
 * A JMAP Mailbox is a store mailbox: its id the store's row id, its name
 * the last component of the hierarchical name ('/' delimited), parentId
 * the mailbox named by the rest, role from the special-use attribute
 * (INBOX is "inbox"), counts from the index (mailboxes_threads).  A
 * \Noselect parent is shown with no rights to items.  Every email is in
 * exactly one mailbox (maxMailboxesPerEmail 1).
 */
#include "autoconfig.h"

#include <string.h>

#include "jmap-util.h"

GPtrArray *
jmap_mailboxes(JmapCtx *ctx)
{
    g_autoptr(GError) error = NULL;

    if (ctx->mailboxes != NULL)
        return ctx->mailboxes;
    ctx->mailboxes = jmap_api->mail->mailboxes_threads(ctx->store, &error);
    if (ctx->mailboxes == NULL)
        jmap_store_error(ctx, error);
    return ctx->mailboxes;
}

void
jmap_mailboxes_changed(JmapCtx *ctx)
{
    g_clear_pointer(&ctx->mailboxes, g_ptr_array_unref);
}

const HermodMailboxInfo *
jmap_mailbox_by_id(JmapCtx *ctx, const char *id)
{
    guint64 n = jmap_id_parse('M', jmap_resolve_id(ctx, id));
    GPtrArray *list = n != 0 ? jmap_mailboxes(ctx) : NULL;

    for (guint i = 0; list != NULL && i < list->len; i++) {
        const HermodMailboxInfo *mb = list->pdata[i];
        if ((guint64)mb->id == n)
            return mb;
    }
    return NULL;
}

const HermodMailboxInfo *
jmap_mailbox_by_name(JmapCtx *ctx, const char *name)
{
    GPtrArray *list = jmap_mailboxes(ctx);

    for (guint i = 0; list != NULL && i < list->len; i++) {
        const HermodMailboxInfo *mb = list->pdata[i];
        if (strcmp(mb->name, name) == 0)
            return mb;
    }
    return NULL;
}

const HermodMailboxInfo *
jmap_mailbox_by_role(JmapCtx *ctx, const char *special_use)
{
    GPtrArray *list = jmap_mailboxes(ctx);

    for (guint i = 0; list != NULL && i < list->len; i++) {
        const HermodMailboxInfo *mb = list->pdata[i];
        if (mb->special_use != NULL && g_ascii_strcasecmp(mb->special_use, special_use) == 0)
            return mb;
    }
    return NULL;
}

static const char *const roles[] = {"inbox", "archive", "drafts", "flagged", "important",
                                    "junk",  "sent",    "trash",  "all",     NULL};

const char *
jmap_mailbox_role(const HermodMailboxInfo *mb)
{
    if (strcmp(mb->name, "INBOX") == 0)
        return "inbox";
    if (mb->special_use == NULL || mb->special_use[0] != '\\')
        return NULL;
    for (gsize i = 1; roles[i] != NULL; i++) {
        if (g_ascii_strcasecmp(mb->special_use + 1, roles[i]) == 0)
            return roles[i];
    }
    return NULL;
}

gboolean
jmap_role_known(const char *role)
{
    return g_strv_contains(roles, role);
}

static gint64
sort_order(const HermodMailboxInfo *mb)
{
    const char *role = jmap_mailbox_role(mb);

    for (gsize i = 0; role != NULL && roles[i] != NULL; i++) {
        if (strcmp(roles[i], role) == 0)
            return (gint64)i + 1;
    }
    return 100;
}

static JsonObject *
rights(const HermodMailboxInfo *mb)
{
    JsonObject *o = json_object_new();
    gboolean items = !mb->is_noselect, is_inbox = strcmp(mb->name, "INBOX") == 0;

    json_object_set_boolean_member(o, "mayReadItems", items);
    json_object_set_boolean_member(o, "mayAddItems", items);
    json_object_set_boolean_member(o, "mayRemoveItems", items);
    json_object_set_boolean_member(o, "maySetSeen", items);
    json_object_set_boolean_member(o, "maySetKeywords", items);
    json_object_set_boolean_member(o, "mayCreateChild", TRUE);
    json_object_set_boolean_member(o, "mayRename", !is_inbox);
    json_object_set_boolean_member(o, "mayDelete", !is_inbox);
    json_object_set_boolean_member(o, "maySubmit", items);
    return o;
}

/* The id of mb's parent, or NULL for a top-level mailbox.  (transfer full) */
static char *
parent_id(JmapCtx *ctx, const HermodMailboxInfo *mb)
{
    const char *slash = strrchr(mb->name, '/');
    g_autofree char *parent = slash != NULL ? g_strndup(mb->name, slash - mb->name) : NULL;
    const HermodMailboxInfo *p = parent != NULL ? jmap_mailbox_by_name(ctx, parent) : NULL;

    return p != NULL ? jmap_id('M', (guint64)p->id) : NULL;
}

JsonObject *
jmap_mailbox_json(JmapCtx *ctx, const HermodMailboxInfo *mb)
{
    JsonObject *o = json_object_new();
    const char *slash = strrchr(mb->name, '/');
    const char *role = jmap_mailbox_role(mb);
    g_autofree char *id = jmap_id('M', (guint64)mb->id);
    g_autofree char *parent = parent_id(ctx, mb);

    json_object_set_string_member(o, "id", id);
    json_object_set_string_member(o, "name",
                                  strcmp(mb->name, "INBOX") == 0 ? "Inbox"
                                  : slash != NULL                ? slash + 1
                                                                 : mb->name);
    jmap_set_nullable_string(o, "parentId", parent);
    jmap_set_nullable_string(o, "role", role);
    json_object_set_int_member(o, "sortOrder", sort_order(mb));
    json_object_set_int_member(o, "totalEmails", mb->messages);
    json_object_set_int_member(o, "unreadEmails", mb->unseen);
    json_object_set_int_member(o, "totalThreads", mb->threads);
    json_object_set_int_member(o, "unreadThreads", mb->unseen_threads);
    json_object_set_object_member(o, "myRights", rights(mb));
    json_object_set_boolean_member(o, "isSubscribed", mb->is_subscribed);
    return o;
}

static JsonObject *
get_one(JmapCtx *ctx, const char *id, gpointer data)
{
    const HermodMailboxInfo *mb = jmap_mailbox_by_id(ctx, id);

    return mb != NULL ? jmap_mailbox_json(ctx, mb) : NULL;
}

static GPtrArray *
all_ids(JmapCtx *ctx, gpointer data)
{
    GPtrArray *list = jmap_mailboxes(ctx);
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; list != NULL && i < list->len; i++)
        g_ptr_array_add(ids, jmap_id('M', (guint64)((HermodMailboxInfo *)list->pdata[i])->id));
    return ids;
}

void
jmap_mailbox_get(JmapCtx *ctx, JsonObject *args)
{
    JmapGet get = {HERMOD_MAIL_KIND_MAILBOX, get_one, all_ids, NULL};

    if (jmap_mailboxes(ctx) != NULL)
        jmap_get(ctx, args, "Mailbox/get", &get);
}

void
jmap_mailbox_changes(JmapCtx *ctx, JsonObject *args)
{
    jmap_changes(ctx, args, "Mailbox/changes", HERMOD_MAIL_KIND_MAILBOX, 'M');
}

/* --- Mailbox/query */

static gboolean
match_filter(JmapCtx *ctx, const HermodMailboxInfo *mb, JsonObject *f)
{
    g_autoptr(JsonObject) o = jmap_mailbox_json(ctx, mb);
    GList *members = json_object_get_members(f);
    gboolean ok = TRUE;

    for (GList *l = members; l != NULL && ok; l = l->next) {
        const char *key = l->data;
        JsonNode *want = json_object_get_member(f, key);
        if (strcmp(key, "hasAnyRole") == 0)
            ok = json_node_get_boolean(want) == !json_object_get_null_member(o, "role");
        else if (strcmp(key, "name") == 0)
            ok = strstr(json_object_get_string_member(o, "name"), json_node_get_string(want)) !=
                 NULL;
        else
            ok = json_node_equal(want, json_object_get_member(o, key));
    }
    g_list_free(members);
    return ok;
}

static gboolean
filter_valid(JmapCtx *ctx, JsonObject *f)
{
    const char *const known[] = {"parentId", "name", "role", "hasAnyRole", "isSubscribed", NULL};
    GList *members = f != NULL ? json_object_get_members(f) : NULL;
    gboolean ok = TRUE;

    for (GList *l = members; l != NULL && ok; l = l->next)
        ok = g_strv_contains(known, l->data);
    g_list_free(members);
    if (!ok)
        jmap_error(ctx, "unsupportedFilter", "Mailbox/query filters on %s only",
                   "parentId, name, role, hasAnyRole, isSubscribed");
    return ok;
}

static gint
by_sort_order(gconstpointer a, gconstpointer b)
{
    const HermodMailboxInfo *x = *(HermodMailboxInfo *const *)a;
    const HermodMailboxInfo *y = *(HermodMailboxInfo *const *)b;
    gint64 d = sort_order(x) - sort_order(y);

    return d != 0 ? (d < 0 ? -1 : 1) : g_utf8_collate(x->name, y->name);
}

/* The ids of the results in order; NULL after an error. */
static GArray *
query_ids(JmapCtx *ctx, JsonObject *args)
{
    JsonObject *filter = NULL;
    GPtrArray *list;
    g_autoptr(GPtrArray) hits = g_ptr_array_new();
    GArray *ids;

    if (!jmap_check_account(ctx, args) || !jmap_arg_object(ctx, args, "filter", &filter) ||
        !filter_valid(ctx, filter) || (list = jmap_mailboxes(ctx)) == NULL)
        return NULL;
    for (guint i = 0; i < list->len; i++) {
        if (filter == NULL || match_filter(ctx, list->pdata[i], filter))
            g_ptr_array_add(hits, list->pdata[i]);
    }
    g_ptr_array_sort(hits, by_sort_order);
    ids = g_array_new(FALSE, FALSE, sizeof(guint64));
    for (guint i = 0; i < hits->len; i++) {
        guint64 id = (guint64)((HermodMailboxInfo *)hits->pdata[i])->id;
        g_array_append_val(ids, id);
    }
    return ids;
}

void
jmap_mailbox_query(JmapCtx *ctx, JsonObject *args)
{
    g_autoptr(GArray) ids = query_ids(ctx, args);

    if (ids != NULL)
        jmap_query_reply(ctx, args, "Mailbox/query", HERMOD_MAIL_KIND_MAILBOX, ids, 'M', TRUE);
}

static void
add_all(GHashTable *set, GArray *a)
{
    for (guint i = 0; a != NULL && i < a->len; i++)
        g_hash_table_add(set, &g_array_index(a, guint64, i));
}

/* RFC 8620 5.6 from the change log: every mailbox changed since the
 * query state is reported removed, and added at its index when it is in
 * the results now.  The filters and the sort look only at what a
 * mailbox's own change logs (name, parent, role, subscription, sort
 * order), so updates that only changed counts are left out. */
void
jmap_mailbox_query_changes(JmapCtx *ctx, JsonObject *args)
{
    const char *since = NULL;
    guint64 seq = 0;
    gint64 max = 0;
    gboolean total = FALSE;
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) ids = NULL;
    g_autoptr(GHashTable) changed = g_hash_table_new(g_int64_hash, g_int64_equal);
    HermodMailChanges c;

    if (!jmap_check_account(ctx, args) ||
        !jmap_arg_string(ctx, args, "sinceQueryState", FALSE, &since) ||
        !jmap_arg_int(ctx, args, "maxChanges", 1, &max) ||
        !jmap_arg_bool(ctx, args, "calculateTotal", &total))
        return;
    if (since == NULL || !jmap_state_parse(since, &seq)) {
        jmap_error(ctx, "cannotCalculateChanges", "sinceQueryState is not a state of ours");
        return;
    }
    if (!jmap_api->mail->changes(ctx->store, HERMOD_MAIL_KIND_MAILBOX, seq, 0, &c, &error)) {
        if (g_error_matches(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_INVALID))
            jmap_error(ctx, "cannotCalculateChanges", "%s", error->message);
        else
            jmap_store_error(ctx, error);
        return;
    }
    if ((ids = query_ids(ctx, args)) != NULL) {
        add_all(changed, c.created);
        if (!c.counts_only)
            add_all(changed, c.updated);
        add_all(changed, c.destroyed);
        if (max > 0 && g_hash_table_size(changed) > (guint64)max)
            jmap_error(ctx, "tooManyChanges", "%u changes", g_hash_table_size(changed));
        else
            jmap_query_changes_reply(ctx, "Mailbox/queryChanges", HERMOD_MAIL_KIND_MAILBOX, 'M',
                                     since, ids, changed, total);
    }
    jmap_api->mail->changes_clear(&c);
}
