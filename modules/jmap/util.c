/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * util.c - the standard methods' shared parts (RFC 8620 5.1, 5.5, 5.3):
 * /get's ids and properties, /query's windowing, /changes of a store
 * kind, ifInState, and small JSON helpers.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <string.h>

#include "jmap-submit.h"
#include "jmap-util.h"

void
jmap_set_nullable_string(JsonObject *o, const char *member, const char *value)
{
    if (value != NULL)
        json_object_set_string_member(o, member, value);
    else
        json_object_set_null_member(o, member);
}

JsonObject *
jmap_set_error(const char *type, const char *fmt, ...)
{
    JsonObject *o = json_object_new();
    g_autofree char *text = NULL;
    va_list ap;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    json_object_set_string_member(o, "type", type);
    json_object_set_string_member(o, "description", text);
    return o;
}

JsonArray *
jmap_id_array(GArray *numbers, char prefix)
{
    JsonArray *a = json_array_new();

    for (guint i = 0; numbers != NULL && i < numbers->len; i++) {
        g_autofree char *id = jmap_id(prefix, g_array_index(numbers, guint64, i));
        json_array_add_string_element(a, id);
    }
    return a;
}

char *
jmap_kind_state(JmapCtx *ctx, HermodMailKind kind)
{
    g_autoptr(GError) error = NULL;
    guint64 seq = 0;

    if (!jmap_api->mail->state(ctx->store, kind, &seq, &error)) {
        jmap_store_error(ctx, error);
        return NULL;
    }
    return jmap_state(seq);
}

gboolean
jmap_get_ids(JmapCtx *ctx, JsonObject *args, GPtrArray **out)
{
    g_autoptr(GPtrArray) raw = NULL;

    *out = NULL;
    if (!jmap_arg_strings(ctx, args, "ids", &raw))
        return FALSE;
    if (raw == NULL)
        return TRUE;
    if (raw->len > JMAP_MAX_OBJECTS_GET) {
        jmap_error(ctx, "requestTooLarge", "%u ids; at most %d per /get", raw->len,
                   JMAP_MAX_OBJECTS_GET);
        return FALSE;
    }
    *out = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < raw->len; i++) {
        const char *id = jmap_resolve_id(ctx, raw->pdata[i]);
        g_ptr_array_add(*out, g_strdup(id != NULL ? id : raw->pdata[i]));
    }
    return TRUE;
}

gboolean
jmap_get_properties(JmapCtx *ctx, JsonObject *args, const char *const *known, GPtrArray **out)
{
    if (!jmap_arg_strings(ctx, args, "properties", out))
        return FALSE;
    for (guint i = 0; *out != NULL && known != NULL && i < (*out)->len; i++) {
        if (!g_strv_contains(known, (*out)->pdata[i]) &&
            !g_str_has_prefix((*out)->pdata[i], "header:")) {
            jmap_error(ctx, "invalidArguments", "unknown property %s",
                       (const char *)(*out)->pdata[i]);
            g_clear_pointer(out, g_ptr_array_unref);
            return FALSE;
        }
    }
    return TRUE;
}

void
jmap_keep_props(JsonObject *o, GPtrArray *props)
{
    GList *members;

    if (props == NULL)
        return;
    members = json_object_get_members(o);
    for (GList *l = members; l != NULL; l = l->next) {
        if (strcmp(l->data, "id") != 0 &&
            !g_ptr_array_find_with_equal_func(props, l->data, g_str_equal, NULL))
            json_object_remove_member(o, l->data);
    }
    g_list_free(members);
}

void
jmap_get(JmapCtx *ctx, JsonObject *args, const char *name, const JmapGet *get)
{
    g_autoptr(GPtrArray) ids = NULL;
    g_autoptr(GPtrArray) props = NULL;
    g_autofree char *state = NULL;
    JsonArray *list, *not_found;
    JsonObject *out;

    if (!jmap_check_account(ctx, args) || !jmap_get_ids(ctx, args, &ids) ||
        !jmap_get_properties(ctx, args, NULL, &props))
        return;
    state = jmap_kind_state(ctx, get->kind);
    if (state == NULL)
        return;
    if (ids == NULL)
        ids = get->all_ids(ctx, get->data);
    list = json_array_new();
    not_found = json_array_new();
    for (guint i = 0; i < ids->len; i++) {
        JsonObject *o = get->get_one(ctx, ids->pdata[i], get->data);
        if (o == NULL) {
            json_array_add_string_element(not_found, ids->pdata[i]);
            continue;
        }
        jmap_keep_props(o, props);
        json_array_add_object_element(list, o);
    }
    out = json_object_new();
    json_object_set_string_member(out, "accountId", ctx->account_id);
    json_object_set_string_member(out, "state", state);
    json_object_set_array_member(out, "list", list);
    json_object_set_array_member(out, "notFound", not_found);
    jmap_reply(ctx, name, out);
}

/* The first index of the window, from position or anchor; -1 after an
 * error. */
static gint64
window_start(JmapCtx *ctx, JsonObject *args, GArray *nums, char prefix)
{
    const char *anchor = NULL;
    gint64 position = 0, offset = 0;

    if (!jmap_arg_string(ctx, args, "anchor", TRUE, &anchor) ||
        !jmap_arg_int(ctx, args, "position", G_MININT64, &position) ||
        !jmap_arg_int(ctx, args, "anchorOffset", G_MININT64, &offset))
        return -1;
    if (anchor != NULL) {
        guint64 want = jmap_id_parse(prefix, anchor);
        for (guint i = 0; want != 0 && i < nums->len; i++) {
            if (g_array_index(nums, guint64, i) == want)
                return MAX(0, (gint64)i + offset);
        }
        jmap_error(ctx, "anchorNotFound", "%s is not in the results", anchor);
        return -1;
    }
    if (position < 0)
        position = MAX(0, (gint64)nums->len + position);
    return position;
}

void
jmap_query_reply(JmapCtx *ctx, JsonObject *args, const char *name, HermodMailKind kind,
                 GArray *nums, char prefix, gboolean can_calculate_changes)
{
    gint64 start, limit = -1;
    gboolean total = FALSE;
    g_autofree char *state = NULL;
    JsonArray *window;
    JsonObject *out;

    if ((start = window_start(ctx, args, nums, prefix)) < 0 ||
        !jmap_arg_int(ctx, args, "limit", 0, &limit) ||
        !jmap_arg_bool(ctx, args, "calculateTotal", &total) ||
        (state = jmap_kind_state(ctx, kind)) == NULL)
        return;
    window = json_array_new();
    for (gint64 i = start; i < (gint64)nums->len && (limit < 0 || i < start + limit); i++) {
        g_autofree char *id = jmap_id(prefix, g_array_index(nums, guint64, i));
        json_array_add_string_element(window, id);
    }
    out = json_object_new();
    json_object_set_string_member(out, "accountId", ctx->account_id);
    json_object_set_string_member(out, "queryState", state);
    json_object_set_boolean_member(out, "canCalculateChanges", can_calculate_changes);
    json_object_set_int_member(out, "position", MIN(start, (gint64)nums->len));
    json_object_set_array_member(out, "ids", window);
    if (total)
        json_object_set_int_member(out, "total", nums->len);
    if (limit >= 0)
        json_object_set_int_member(out, "limit", limit);
    jmap_reply(ctx, name, out);
}

void
jmap_query_changes_reply(JmapCtx *ctx, const char *name, HermodMailKind kind, char prefix,
                         const char *since, GArray *ids, GHashTable *changed, gboolean total)
{
    JsonObject *out = json_object_new();
    JsonArray *removed = json_array_new(), *added = json_array_new();
    g_autofree char *state = jmap_kind_state(ctx, kind);
    GHashTableIter it;
    gpointer key;

    g_hash_table_iter_init(&it, changed);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        g_autofree char *id = jmap_id(prefix, *(guint64 *)key);
        json_array_add_string_element(removed, id);
    }
    for (guint i = 0; i < ids->len; i++) {
        guint64 n = g_array_index(ids, guint64, i);
        if (!g_hash_table_contains(changed, &n))
            continue;
        JsonObject *a = json_object_new();
        g_autofree char *id = jmap_id(prefix, n);
        json_object_set_string_member(a, "id", id);
        json_object_set_int_member(a, "index", i);
        json_array_add_object_element(added, a);
    }
    json_object_set_string_member(out, "accountId", ctx->account_id);
    json_object_set_string_member(out, "oldQueryState", since);
    json_object_set_string_member(out, "newQueryState", state != NULL ? state : since);
    json_object_set_array_member(out, "removed", removed);
    json_object_set_array_member(out, "added", added);
    if (total)
        json_object_set_int_member(out, "total", ids->len);
    jmap_reply(ctx, name, out);
}

gboolean
jmap_if_in_state(JmapCtx *ctx, JsonObject *args, HermodMailKind kind, char **out_old)
{
    const char *want = NULL;

    *out_old = NULL;
    if (!jmap_arg_string(ctx, args, "ifInState", TRUE, &want) ||
        (*out_old = jmap_kind_state(ctx, kind)) == NULL)
        return FALSE;
    if (want != NULL && strcmp(want, *out_old) != 0) {
        jmap_error(ctx, "stateMismatch", "the state is %s, not %s", *out_old, want);
        g_clear_pointer(out_old, g_free);
        return FALSE;
    }
    return TRUE;
}

/* --- /changes of a kind the store logs */

static void
changes_reply(JmapCtx *ctx, const char *name, const char *since, HermodMailKind kind,
              const HermodMailChanges *c, char prefix)
{
    JsonObject *out = json_object_new();
    g_autofree char *state = jmap_state(c->new_state);

    json_object_set_string_member(out, "accountId", ctx->account_id);
    json_object_set_string_member(out, "oldState", since);
    json_object_set_string_member(out, "newState", state);
    json_object_set_boolean_member(out, "hasMoreChanges", c->has_more);
    json_object_set_array_member(out, "created", jmap_id_array(c->created, prefix));
    json_object_set_array_member(out, "updated", jmap_id_array(c->updated, prefix));
    json_object_set_array_member(out, "destroyed", jmap_id_array(c->destroyed, prefix));
    if (kind == HERMOD_MAIL_KIND_MAILBOX && c->counts_only && c->updated->len > 0) {
        JsonArray *props = json_array_new();
        const char *const counts[] = {"totalEmails", "unreadEmails", "totalThreads",
                                      "unreadThreads"};
        for (gsize i = 0; i < G_N_ELEMENTS(counts); i++)
            json_array_add_string_element(props, counts[i]);
        json_object_set_array_member(out, "updatedProperties", props);
    } else if (kind == HERMOD_MAIL_KIND_MAILBOX) {
        json_object_set_null_member(out, "updatedProperties");
    }
    jmap_reply(ctx, name, out);
}

void
jmap_changes(JmapCtx *ctx, JsonObject *args, const char *name, HermodMailKind kind, char prefix)
{
    const char *since = NULL;
    gint64 max = 0;
    guint64 seq = 0;
    HermodMailChanges c;
    g_autoptr(GError) error = NULL;

    if (!jmap_check_account(ctx, args) ||
        !jmap_arg_string(ctx, args, "sinceState", FALSE, &since) ||
        !jmap_arg_int(ctx, args, "maxChanges", 1, &max))
        return;
    if (since == NULL) {
        jmap_error(ctx, "invalidArguments", "sinceState is required");
        return;
    }
    if (!jmap_state_parse(since, &seq)) {
        jmap_error(ctx, "cannotCalculateChanges", "%s is not a state of this server", since);
        return;
    }
    if (!jmap_api->mail->changes(ctx->store, kind, seq, (guint)MIN(max, G_MAXUINT), &c, &error)) {
        if (g_error_matches(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_INVALID))
            jmap_error(ctx, "cannotCalculateChanges", "%s", error->message);
        else
            jmap_store_error(ctx, error);
        return;
    }
    if (kind == JMAP_KIND_IDENTITY)
        jmap_identity_changes_fix(&c);
    changes_reply(ctx, name, since, kind, &c, prefix);
    jmap_api->mail->changes_clear(&c);
}

JsonObject *
jmap_obj(JsonObject *o, const char *name)
{
    JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;

    return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

JsonObject *
jmap_elem_obj(JsonArray *a, guint i)
{
    JsonNode *n = json_array_get_element(a, i);

    return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}
