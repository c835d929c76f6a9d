/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * resultref.c - result references (RFC 8620 3.7): an argument "#name"
 * whose value {resultOf, name, path} stands for part of an earlier
 * response of the same request, found by call id and method name and
 * picked out with a JSON pointer (RFC 6901) in which "*" maps the rest
 * of the path over an array and flattens the arrays that gives.
 * Pure functions over json-glib nodes.
 */
#include "autoconfig.h"

#include <string.h>

#include "request.h"

/* Decode one pointer token ("~1" is '/', "~0" is '~').  (transfer full) */
static char *
unescape(const char *token)
{
    GString *out = g_string_new(NULL);

    for (const char *p = token; *p != '\0'; p++) {
        if (p[0] == '~' && p[1] == '1') {
            g_string_append_c(out, '/');
            p++;
        } else if (p[0] == '~' && p[1] == '0') {
            g_string_append_c(out, '~');
            p++;
        } else {
            g_string_append_c(out, *p);
        }
    }
    return g_string_free(out, FALSE);
}

static JsonNode *eval_tokens(JsonNode *node, char **tokens);

/* "*" over an array: the rest of the path on each element, arrays
 * flattened. */
static JsonNode *
eval_star(JsonArray *a, char **rest)
{
    JsonArray *out = json_array_new();
    JsonNode *node = json_node_new(JSON_NODE_ARRAY);

    json_node_take_array(node, out);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonNode *v = eval_tokens(json_array_get_element(a, i), rest);
        if (v == NULL) {
            json_node_unref(node);
            return NULL;
        }
        if (JSON_NODE_HOLDS_ARRAY(v)) {
            JsonArray *inner = json_node_get_array(v);
            for (guint j = 0; j < json_array_get_length(inner); j++)
                json_array_add_element(out, json_node_copy(json_array_get_element(inner, j)));
            json_node_unref(v);
        } else {
            json_array_add_element(out, v);
        }
    }
    return node;
}

static gboolean
array_index(const char *token, guint len, guint *out)
{
    char *end = NULL;
    guint64 n;

    if (token[0] == '\0' || (token[0] == '0' && token[1] != '\0') || !g_ascii_isdigit(token[0]))
        return FALSE;
    n = g_ascii_strtoull(token, &end, 10);
    if (*end != '\0' || n >= len)
        return FALSE;
    *out = (guint)n;
    return TRUE;
}

static JsonNode *
eval_tokens(JsonNode *node, char **tokens)
{
    g_autofree char *token = NULL;
    guint i = 0;

    if (tokens[0] == NULL)
        return json_node_copy(node);
    token = unescape(tokens[0]);
    if (JSON_NODE_HOLDS_ARRAY(node)) {
        JsonArray *a = json_node_get_array(node);
        if (strcmp(token, "*") == 0)
            return eval_star(a, tokens + 1);
        if (!array_index(token, json_array_get_length(a), &i))
            return NULL;
        return eval_tokens(json_array_get_element(a, i), tokens + 1);
    }
    if (JSON_NODE_HOLDS_OBJECT(node)) {
        JsonNode *m = json_object_get_member(json_node_get_object(node), token);
        return m != NULL ? eval_tokens(m, tokens + 1) : NULL;
    }
    return NULL;
}

JsonNode *
jmap_pointer_eval(JsonNode *node, const char *path)
{
    g_auto(GStrv) tokens = NULL;

    if (path[0] == '\0')
        return json_node_copy(node);
    if (path[0] != '/')
        return NULL;
    tokens = g_strsplit(path + 1, "/", 64);
    if (g_strv_length(tokens) >= 64)
        return NULL;
    return eval_tokens(node, tokens);
}

/* The arguments of the first response with call id, if its name is name. */
static JsonNode *
find_response(JsonArray *responses, const char *call_id, const char *name)
{
    for (guint i = 0; i < json_array_get_length(responses); i++) {
        JsonArray *r = json_array_get_array_element(responses, i);
        if (strcmp(json_array_get_string_element(r, 2), call_id) != 0)
            continue;
        if (strcmp(json_array_get_string_element(r, 0), name) != 0)
            return NULL;
        return json_array_get_element(r, 1);
    }
    return NULL;
}

static const char *
ref_member(JsonObject *ref, const char *name)
{
    JsonNode *n = json_object_get_member(ref, name);

    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(n);
}

/* One reference's value, or NULL with the error set. */
static JsonNode *
resolve_one(JsonNode *value, JsonArray *responses, const char **out_type, char **out_detail)
{
    JsonObject *ref = JSON_NODE_HOLDS_OBJECT(value) ? json_node_get_object(value) : NULL;
    const char *of = ref != NULL ? ref_member(ref, "resultOf") : NULL;
    const char *name = ref != NULL ? ref_member(ref, "name") : NULL;
    const char *path = ref != NULL ? ref_member(ref, "path") : NULL;
    JsonNode *args, *out;

    if (of == NULL || name == NULL || path == NULL) {
        *out_type = "invalidResultReference";
        *out_detail = g_strdup("a ResultReference needs resultOf, name and path strings");
        return NULL;
    }
    args = find_response(responses, of, name);
    out = args != NULL ? jmap_pointer_eval(args, path) : NULL;
    if (out == NULL) {
        *out_type = "invalidResultReference";
        *out_detail = args == NULL ? g_strdup_printf("no %s response with call id %s", name, of)
                                   : g_strdup_printf("%s of %s: no such path", path, of);
    }
    return out;
}

JsonObject *
jmap_resolve_refs(JsonObject *args, JsonArray *responses, const char **out_type, char **out_detail)
{
    JsonObject *out = json_object_new();
    GList *members = json_object_get_members(args);

    for (GList *l = members; l != NULL; l = l->next) {
        const char *key = l->data;
        JsonNode *value = json_object_get_member(args, key), *v;
        if (key[0] != '#') {
            if (!json_object_has_member(out, key))
                json_object_set_member(out, key, json_node_copy(value));
            continue;
        }
        if (json_object_has_member(args, key + 1)) {
            *out_type = "invalidArguments";
            *out_detail = g_strdup_printf("both %s and %s are given", key, key + 1);
            goto fail;
        }
        v = resolve_one(value, responses, out_type, out_detail);
        if (v == NULL)
            goto fail;
        json_object_set_member(out, key + 1, v);
    }
    g_list_free(members);
    return out;
fail:
    g_list_free(members);
    json_object_unref(out);
    return NULL;
}
