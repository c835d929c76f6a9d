/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * request.c - parsing a JMAP Request object (RFC 8620 3.3) and the
 * request-level problems of 3.6.1.
 *
 * The body must be UTF-8 JSON (else notJSON), an object with "using" (an
 * array of strings) and "methodCalls" (an array of [name, arguments,
 * callId] triples) and optionally "createdIds" (else notRequest); every
 * capability in using must be known (else unknownCapability), and there
 * may be at most max_calls calls (else limit maxCallsInRequest).  The
 * size limit is the HTTP layer's (the mount's max_body).  Nothing here
 * looks at method names or arguments: that is api.c's.
 */
#include "autoconfig.h"

#include <string.h>

#include "request.h"

static gboolean problem(JmapProblem *p, const char *type, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static gboolean
problem(JmapProblem *p, const char *type, const char *fmt, ...)
{
    va_list ap;

    p->type = type;
    p->status = 400;
    va_start(ap, fmt);
    p->detail = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return FALSE;
}

static void
call_free(gpointer p)
{
    JmapCall *c = p;

    g_free(c->name);
    g_free(c->call_id);
    if (c->args != NULL)
        json_object_unref(c->args);
    g_free(c);
}

void
jmap_request_free(JmapRequest *req)
{
    if (req == NULL)
        return;
    g_ptr_array_unref(req->using);
    g_ptr_array_unref(req->calls);
    if (req->root != NULL)
        json_node_unref(req->root);
    g_free(req);
}

void
jmap_problem_clear(JmapProblem *p)
{
    g_clear_pointer(&p->detail, g_free);
}

static gboolean
parse_using(JmapRequest *req, JsonNode *node, const char *const *known, JmapProblem *p)
{
    JsonArray *a;

    if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node))
        return problem(p, JMAP_ERR_PREFIX "notRequest", "\"using\" must be an array of strings");
    a = json_node_get_array(node);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonNode *e = json_array_get_element(a, i);
        const char *cap;
        if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_STRING)
            return problem(p, JMAP_ERR_PREFIX "notRequest", "\"using\" must hold strings");
        cap = json_node_get_string(e);
        if (!g_strv_contains(known, cap))
            return problem(p, JMAP_ERR_PREFIX "unknownCapability", "the server does not support %s",
                           cap);
        if (!g_ptr_array_find_with_equal_func(req->using, cap, g_str_equal, NULL))
            g_ptr_array_add(req->using, g_strdup(cap));
    }
    return TRUE;
}

static gboolean
is_string(JsonNode *n)
{
    return n != NULL && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING;
}

static gboolean
parse_call(JmapRequest *req, JsonNode *node, guint i, JmapProblem *p)
{
    JsonArray *a = JSON_NODE_HOLDS_ARRAY(node) ? json_node_get_array(node) : NULL;
    JmapCall *c;

    if (a == NULL || json_array_get_length(a) != 3 || !is_string(json_array_get_element(a, 0)) ||
        !JSON_NODE_HOLDS_OBJECT(json_array_get_element(a, 1)) ||
        !is_string(json_array_get_element(a, 2)))
        return problem(p, JMAP_ERR_PREFIX "notRequest",
                       "methodCalls[%u] must be [name, arguments object, callId]", i);
    c = g_new0(JmapCall, 1);
    c->name = g_strdup(json_array_get_string_element(a, 0));
    c->args = json_object_ref(json_array_get_object_element(a, 1));
    c->call_id = g_strdup(json_array_get_string_element(a, 2));
    g_ptr_array_add(req->calls, c);
    return TRUE;
}

static gboolean
parse_calls(JmapRequest *req, JsonNode *node, guint max_calls, JmapProblem *p)
{
    JsonArray *a;

    if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node))
        return problem(p, JMAP_ERR_PREFIX "notRequest", "\"methodCalls\" must be an array");
    a = json_node_get_array(node);
    if (json_array_get_length(a) > max_calls) {
        problem(p, JMAP_ERR_PREFIX "limit", "%u method calls; at most %u are allowed",
                json_array_get_length(a), max_calls);
        p->limit = "maxCallsInRequest";
        return FALSE;
    }
    for (guint i = 0; i < json_array_get_length(a); i++) {
        if (!parse_call(req, json_array_get_element(a, i), i, p))
            return FALSE;
    }
    return TRUE;
}

static gboolean
parse_created(JmapRequest *req, JsonObject *root, JmapProblem *p)
{
    JsonNode *n = json_object_get_member(root, "createdIds");
    GList *members;
    gboolean ok = TRUE;

    if (n == NULL || JSON_NODE_HOLDS_NULL(n))
        return TRUE;
    if (!JSON_NODE_HOLDS_OBJECT(n))
        return problem(p, JMAP_ERR_PREFIX "notRequest", "\"createdIds\" must be an object");
    req->created_ids = json_node_get_object(n);
    members = json_object_get_members(req->created_ids);
    for (GList *l = members; l != NULL && ok; l = l->next)
        ok = is_string(json_object_get_member(req->created_ids, l->data));
    g_list_free(members);
    return ok || problem(p, JMAP_ERR_PREFIX "notRequest", "\"createdIds\" values must be ids");
}

/* json-glib parses recursively: bound the nesting before it does. */
#define MAX_DEPTH 64

static gboolean
too_deep(const char *data, gsize len)
{
    int depth = 0;
    gboolean in_string = FALSE;

    for (gsize i = 0; i < len; i++) {
        char c = data[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = FALSE;
        } else if (c == '"') {
            in_string = TRUE;
        } else if (c == '[' || c == '{') {
            if (++depth > MAX_DEPTH)
                return TRUE;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return FALSE;
}

JmapRequest *
jmap_request_parse(const char *data, gsize len, const char *const *known, guint max_calls,
                   JmapProblem *p)
{
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    JmapRequest *req;
    JsonObject *root;
    g_autoptr(GError) error = NULL;

    memset(p, 0, sizeof *p);
    if (too_deep(data, len)) {
        problem(p, JMAP_ERR_PREFIX "notJSON", "the body nests deeper than %d levels", MAX_DEPTH);
        return NULL;
    }
    if (len == 0 || !g_utf8_validate(data, (gssize)len, NULL) ||
        !json_parser_load_from_data(parser, data, (gssize)len, &error)) {
        problem(p, JMAP_ERR_PREFIX "notJSON", "the body is not JSON: %s",
                error != NULL ? error->message
                : len == 0    ? "empty"
                              : "not UTF-8");
        return NULL;
    }
    if (json_parser_get_root(parser) == NULL ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
        problem(p, JMAP_ERR_PREFIX "notRequest", "the body must be a JSON object");
        return NULL;
    }
    req = g_new0(JmapRequest, 1);
    req->root = json_node_ref(json_parser_get_root(parser));
    req->using = g_ptr_array_new_with_free_func(g_free);
    req->calls = g_ptr_array_new_with_free_func(call_free);
    root = json_node_get_object(req->root);
    if (!parse_using(req, json_object_get_member(root, "using"), known, p) ||
        !parse_calls(req, json_object_get_member(root, "methodCalls"), max_calls, p) ||
        !parse_created(req, root, p)) {
        jmap_request_free(req);
        return NULL;
    }
    return req;
}

char *
jmap_problem_json(const JmapProblem *p)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) root = NULL;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, p->type);
    json_builder_set_member_name(b, "status");
    json_builder_add_int_value(b, p->status);
    json_builder_set_member_name(b, "detail");
    json_builder_add_string_value(b, p->detail != NULL ? p->detail : "");
    if (p->limit != NULL) {
        json_builder_set_member_name(b, "limit");
        json_builder_add_string_value(b, p->limit);
    }
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    return json_to_string(root, FALSE);
}
