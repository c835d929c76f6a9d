/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * vacation.c - VacationResponse/get and /set (RFC 8621 8): the one
 * object "singleton" of the account, kept by the store; the core's
 * delivery path sends the reply (mailflow/vacation.c).
 */
#include "autoconfig.h"

#include <string.h>

#include "jmap-submit.h"
#include "jmap-util.h"

static void
set_date(JsonObject *o, const char *name, gint64 t)
{
    g_autofree char *d = t != 0 ? jmap_utc_date(t) : NULL;

    jmap_set_nullable_string(o, name, d);
}

static JsonObject *
vacation_json(const HermodVacation *v)
{
    JsonObject *o = json_object_new();

    json_object_set_string_member(o, "id", "singleton");
    json_object_set_boolean_member(o, "isEnabled", v->is_enabled);
    set_date(o, "fromDate", v->from_date);
    set_date(o, "toDate", v->to_date);
    jmap_set_nullable_string(o, "subject", v->subject);
    jmap_set_nullable_string(o, "textBody", v->text_body);
    jmap_set_nullable_string(o, "htmlBody", v->html_body);
    return o;
}

static JsonObject *
get_one(JmapCtx *ctx, const char *id, gpointer data)
{
    return strcmp(id, "singleton") == 0 ? vacation_json(data) : NULL;
}

static GPtrArray *
all_ids(JmapCtx *ctx, gpointer data)
{
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

    g_ptr_array_add(ids, g_strdup("singleton"));
    return ids;
}

void
jmap_vacation_get(JmapCtx *ctx, JsonObject *args)
{
    HermodVacation v;
    g_autoptr(GError) error = NULL;
    JmapGet get = {JMAP_KIND_VACATION, get_one, all_ids, &v};

    if (!jmap_api->mail->vacation_get(ctx->store, &v, &error)) {
        jmap_store_error(ctx, error);
        return;
    }
    jmap_get(ctx, args, "VacationResponse/get", &get);
    jmap_api->mail->vacation_clear(&v);
}

/* Apply one property of a patch to v; a SetError or NULL. */
static JsonObject *
patch_one(HermodVacation *v, const char *key, JsonNode *n)
{
    gboolean is_null = JSON_NODE_HOLDS_NULL(n);
    gboolean is_str = JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING;
    char **text = strcmp(key, "subject") == 0    ? &v->subject
                  : strcmp(key, "textBody") == 0 ? &v->text_body
                  : strcmp(key, "htmlBody") == 0 ? &v->html_body
                                                 : NULL;

    if (strcmp(key, "isEnabled") == 0) {
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
            return jmap_set_error("invalidProperties", "isEnabled must be a boolean");
        v->is_enabled = json_node_get_boolean(n);
    } else if (strcmp(key, "fromDate") == 0 || strcmp(key, "toDate") == 0) {
        gint64 t = 0;
        if (!is_null && (!is_str || !jmap_parse_date(json_node_get_string(n), &t)))
            return jmap_set_error("invalidProperties", "%s must be a UTCDate or null", key);
        *(key[0] == 'f' ? &v->from_date : &v->to_date) = t;
    } else if (text != NULL) {
        if (!is_null && !is_str)
            return jmap_set_error("invalidProperties", "%s must be a string or null", key);
        g_free(*text);
        *text = is_null ? NULL : g_strdup(json_node_get_string(n));
    } else {
        return jmap_set_error("invalidProperties", "%s cannot be set", key);
    }
    return NULL;
}

static JsonObject *
update(JmapCtx *ctx, JsonObject *patch)
{
    HermodVacation v;
    g_autoptr(GError) error = NULL;
    GList *members = json_object_get_members(patch);
    JsonObject *err = NULL;

    if (!jmap_api->mail->vacation_get(ctx->store, &v, &error)) {
        g_list_free(members);
        return jmap_set_error("serverFail", "the store failed");
    }
    for (GList *l = members; l != NULL && err == NULL; l = l->next)
        err = patch_one(&v, l->data, json_object_get_member(patch, l->data));
    g_list_free(members);
    if (err == NULL &&
        (!jmap_api->mail->vacation_set(ctx->store, &v, &error) ||
         !jmap_api->mail->change_log(ctx->store, JMAP_KIND_VACATION, 1, FALSE, &error)))
        err = jmap_set_error("serverFail", "the store failed");
    jmap_api->mail->vacation_clear(&v);
    return err;
}

void
jmap_vacation_set(JmapCtx *ctx, JsonObject *args)
{
    JsonObject *create, *patches;
    g_autoptr(GPtrArray) destroy = NULL;
    g_autofree char *old = NULL, *now = NULL;
    JsonObject *updated = json_object_new(), *not_created = json_object_new(),
               *not_updated = json_object_new(), *not_destroyed = json_object_new();
    GList *members;

    if (!jmap_set_args(ctx, args, &create, &patches, &destroy) ||
        !jmap_if_in_state(ctx, args, JMAP_KIND_VACATION, &old)) {
        json_object_unref(updated);
        json_object_unref(not_created);
        json_object_unref(not_updated);
        json_object_unref(not_destroyed);
        return;
    }
    members = create != NULL ? json_object_get_members(create) : NULL;
    for (GList *l = members; l != NULL; l = l->next)
        json_object_set_object_member(not_created, l->data,
                                      jmap_set_error("singleton", "there is one, update it"));
    g_list_free(members);
    for (guint i = 0; destroy != NULL && i < destroy->len; i++)
        json_object_set_object_member(not_destroyed, destroy->pdata[i],
                                      jmap_set_error("singleton", "it cannot be destroyed"));
    members = patches != NULL ? json_object_get_members(patches) : NULL;
    for (GList *l = members; l != NULL; l = l->next) {
        JsonNode *n = json_object_get_member(patches, l->data);
        JsonObject *err = strcmp(l->data, "singleton") != 0
                              ? jmap_set_error("notFound", "the only id is singleton")
                          : !JSON_NODE_HOLDS_OBJECT(n)
                              ? jmap_set_error("invalidPatch", "not an object")
                              : update(ctx, json_node_get_object(n));
        if (err != NULL)
            json_object_set_object_member(not_updated, l->data, err);
        else
            json_object_set_null_member(updated, l->data);
    }
    g_list_free(members);
    now = jmap_kind_state(ctx, JMAP_KIND_VACATION);
    jmap_reply(ctx, "VacationResponse/set",
               jmap_set_result(ctx, old, now != NULL ? now : old, json_object_new(), updated,
                               json_array_new(), not_created, not_updated, not_destroyed));
}
