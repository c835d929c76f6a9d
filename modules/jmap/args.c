/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * args.c - reading a method's arguments with their types checked.
 *
 * Each reader leaves *out alone when the argument is absent and sends
 * invalidArguments (naming it) when it has the wrong type, so that a
 * method reads "if (!jmap_arg_...(...)) return;".
 */
#include "autoconfig.h"

#include <string.h>

#include "jmap.h"

static gboolean
bad(JmapCtx *ctx, const char *name, const char *want)
{
    jmap_error(ctx, "invalidArguments", "%s must be %s", name, want);
    return FALSE;
}

gboolean
jmap_arg_string(JmapCtx *ctx, JsonObject *args, const char *name, gboolean nullable,
                const char **out)
{
    JsonNode *n = json_object_get_member(args, name);

    if (n == NULL)
        return TRUE;
    if (JSON_NODE_HOLDS_NULL(n) && nullable) {
        *out = NULL;
        return TRUE;
    }
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return bad(ctx, name, nullable ? "a string or null" : "a string");
    *out = json_node_get_string(n);
    return TRUE;
}

gboolean
jmap_arg_int(JmapCtx *ctx, JsonObject *args, const char *name, gint64 min, gint64 *out)
{
    JsonNode *n = json_object_get_member(args, name);

    if (n == NULL || JSON_NODE_HOLDS_NULL(n))
        return TRUE;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64 ||
        json_node_get_int(n) < min)
        return bad(ctx, name, min >= 0 ? "an unsigned integer" : "an integer");
    *out = json_node_get_int(n);
    return TRUE;
}

gboolean
jmap_arg_bool(JmapCtx *ctx, JsonObject *args, const char *name, gboolean *out)
{
    JsonNode *n = json_object_get_member(args, name);

    if (n == NULL || JSON_NODE_HOLDS_NULL(n))
        return TRUE;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
        return bad(ctx, name, "a boolean");
    *out = json_node_get_boolean(n);
    return TRUE;
}

gboolean
jmap_arg_strings(JmapCtx *ctx, JsonObject *args, const char *name, GPtrArray **out)
{
    JsonNode *n = json_object_get_member(args, name);
    JsonArray *a;

    *out = NULL;
    if (n == NULL || JSON_NODE_HOLDS_NULL(n))
        return TRUE;
    if (!JSON_NODE_HOLDS_ARRAY(n))
        return bad(ctx, name, "an array of strings");
    a = json_node_get_array(n);
    *out = g_ptr_array_new();
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonNode *e = json_array_get_element(a, i);
        if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_STRING) {
            g_clear_pointer(out, g_ptr_array_unref);
            return bad(ctx, name, "an array of strings");
        }
        g_ptr_array_add(*out, (gpointer)json_node_get_string(e));
    }
    return TRUE;
}

gboolean
jmap_arg_object(JmapCtx *ctx, JsonObject *args, const char *name, JsonObject **out)
{
    JsonNode *n = json_object_get_member(args, name);

    if (n == NULL || JSON_NODE_HOLDS_NULL(n))
        return TRUE;
    if (!JSON_NODE_HOLDS_OBJECT(n))
        return bad(ctx, name, "an object");
    *out = json_node_get_object(n);
    return TRUE;
}

gboolean
jmap_args_known(JmapCtx *ctx, JsonObject *args, const char *const *allowed)
{
    GList *members = json_object_get_members(args);
    const char *unknown = NULL;

    for (GList *l = members; l != NULL && unknown == NULL; l = l->next) {
        if (!g_strv_contains(allowed, l->data))
            unknown = l->data;
    }
    if (unknown != NULL)
        jmap_error(ctx, "invalidArguments", "unknown argument %s", unknown);
    g_list_free(members);
    return unknown == NULL;
}
