/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * api.c - running a JMAP request's method calls (RFC 8620 3.3-3.6).
 *
 * Runs on a work-pool thread (http.c hands it the parsed request): each
 * call in order gets its result references resolved against the
 * responses so far, then its method, looked up by name, provided its
 * capability is in "using" (else unknownMethod).  Methods append their
 * responses through jmap_reply and jmap_error; creation ids made by
 * /set calls are kept for "#id" references in later calls and returned
 * as createdIds when the request sent some.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <string.h>

#include "jmap-blob.h"
#include "jmap-submit.h"

typedef struct {
    const char *name;
    const char *capability;
    JmapMethod fn;
} Method;

static const Method methods[] = {
    {"Core/echo", JMAP_CAP_CORE, jmap_core_echo},
    {"Mailbox/get", JMAP_CAP_MAIL, jmap_mailbox_get},
    {"Mailbox/changes", JMAP_CAP_MAIL, jmap_mailbox_changes},
    {"Mailbox/query", JMAP_CAP_MAIL, jmap_mailbox_query},
    {"Mailbox/queryChanges", JMAP_CAP_MAIL, jmap_mailbox_query_changes},
    {"Mailbox/set", JMAP_CAP_MAIL, jmap_mailbox_set},
    {"Thread/get", JMAP_CAP_MAIL, jmap_thread_get},
    {"Thread/changes", JMAP_CAP_MAIL, jmap_thread_changes},
    {"Email/get", JMAP_CAP_MAIL, jmap_email_get},
    {"Email/changes", JMAP_CAP_MAIL, jmap_email_changes},
    {"Email/query", JMAP_CAP_MAIL, jmap_email_query},
    {"Email/queryChanges", JMAP_CAP_MAIL, jmap_email_query_changes},
    {"Email/set", JMAP_CAP_MAIL, jmap_email_set},
    {"Blob/copy", JMAP_CAP_CORE, jmap_blob_copy},
    {"Email/import", JMAP_CAP_MAIL, jmap_email_import},
    {"Email/parse", JMAP_CAP_MAIL, jmap_email_parse_method},
    {"Email/copy", JMAP_CAP_MAIL, jmap_email_copy},
    {"SearchSnippet/get", JMAP_CAP_MAIL, jmap_search_snippet_get},
    {"Identity/get", JMAP_CAP_SUBMISSION, jmap_identity_get},
    {"Identity/changes", JMAP_CAP_SUBMISSION, jmap_identity_changes},
    {"Identity/set", JMAP_CAP_SUBMISSION, jmap_identity_set},
    {"EmailSubmission/get", JMAP_CAP_SUBMISSION, jmap_submission_get},
    {"EmailSubmission/changes", JMAP_CAP_SUBMISSION, jmap_submission_changes},
    {"EmailSubmission/query", JMAP_CAP_SUBMISSION, jmap_submission_query},
    {"EmailSubmission/set", JMAP_CAP_SUBMISSION, jmap_submission_set},
    {"VacationResponse/get", JMAP_CAP_VACATION, jmap_vacation_get},
    {"VacationResponse/set", JMAP_CAP_VACATION, jmap_vacation_set},
};

static void
push(JmapCtx *ctx, const char *name, JsonObject *args)
{
    JsonArray *r = json_array_new();

    json_array_add_string_element(r, name);
    json_array_add_object_element(r, args);
    json_array_add_string_element(r, ctx->call_id);
    json_array_add_array_element(ctx->responses, r);
}

void
jmap_reply(JmapCtx *ctx, const char *name, JsonObject *args)
{
    push(ctx, name, args);
}

void
jmap_error(JmapCtx *ctx, const char *type, const char *fmt, ...)
{
    JsonObject *o = json_object_new();
    g_autofree char *text = NULL;
    va_list ap;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    json_object_set_string_member(o, "type", type);
    json_object_set_string_member(o, "description", text);
    if (strcmp(type, "serverFail") != 0)
        jmap_api->log(HERMOD_LOG_INFO, ctx->session, "jmap %s: %s: %s", ctx->account, type, text);
    push(ctx, "error", o);
}

void
jmap_store_error(JmapCtx *ctx, const GError *error)
{
    jmap_api->log(HERMOD_LOG_WARNING, ctx->session, "jmap %s: store: %s", ctx->account,
                  error != NULL ? error->message : "failed");
    jmap_error(ctx, "serverFail", "the mail store could not answer; try again later");
}

gboolean
jmap_check_account(JmapCtx *ctx, JsonObject *args)
{
    JsonNode *n = json_object_get_member(args, "accountId");

    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
        jmap_error(ctx, "invalidArguments", "accountId must be a string");
        return FALSE;
    }
    if (strcmp(json_node_get_string(n), ctx->account_id) != 0) {
        jmap_error(ctx, "accountNotFound", "no account %s", json_node_get_string(n));
        return FALSE;
    }
    return TRUE;
}

const char *
jmap_resolve_id(JmapCtx *ctx, const char *id)
{
    if (id == NULL || id[0] != '#')
        return id;
    return g_hash_table_lookup(ctx->created, id + 1);
}

static const Method *
find_method(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(methods); i++) {
        if (strcmp(methods[i].name, name) == 0)
            return &methods[i];
    }
    return NULL;
}

static void
run_call(JmapCtx *ctx, JmapCall *call)
{
    const Method *m = find_method(call->name);
    const char *type = NULL;
    g_autofree char *detail = NULL;
    JsonObject *args;

    ctx->call_id = call->call_id;
    if (m == NULL || !g_hash_table_contains(ctx->using, m->capability)) {
        jmap_error(ctx, "unknownMethod",
                   m == NULL ? "no method %s" : "%s needs its capability in \"using\"", call->name);
        return;
    }
    args = jmap_resolve_refs(call->args, ctx->responses, &type, &detail);
    if (args == NULL) {
        jmap_error(ctx, type, "%s", detail);
        return;
    }
    m->fn(ctx, args);
    json_object_unref(args);
}

static void
load_created(JmapCtx *ctx)
{
    GList *members;

    if (ctx->request->created_ids == NULL)
        return;
    members = json_object_get_members(ctx->request->created_ids);
    for (GList *l = members; l != NULL; l = l->next)
        g_hash_table_insert(
            ctx->created, g_strdup(l->data),
            g_strdup(json_object_get_string_member(ctx->request->created_ids, l->data)));
    g_list_free(members);
}

static JsonObject *
created_ids(JmapCtx *ctx)
{
    JsonObject *o = json_object_new();
    GHashTableIter it;
    gpointer k, v;

    g_hash_table_iter_init(&it, ctx->created);
    while (g_hash_table_iter_next(&it, &k, &v))
        json_object_set_string_member(o, k, v);
    return o;
}

char *
jmap_api_run(JmapCtx *ctx, const char *session_state)
{
    JsonObject *root = json_object_new();
    g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);

    ctx->using = g_hash_table_new(g_str_hash, g_str_equal);
    ctx->created = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    ctx->responses = json_array_new();
    for (guint i = 0; i < ctx->request->using->len; i++)
        g_hash_table_add(ctx->using, ctx->request->using->pdata[i]);
    load_created(ctx);
    for (guint i = 0; i < ctx->request->calls->len; i++)
        run_call(ctx, ctx->request->calls->pdata[i]);
    json_object_set_array_member(root, "methodResponses", json_array_ref(ctx->responses));
    if (ctx->request->created_ids != NULL)
        json_object_set_object_member(root, "createdIds", created_ids(ctx));
    json_object_set_string_member(root, "sessionState", session_state);
    json_node_take_object(node, root);
    return json_to_string(node, FALSE);
}

void
jmap_ctx_clear(JmapCtx *ctx)
{
    g_clear_pointer(&ctx->using, g_hash_table_unref);
    g_clear_pointer(&ctx->created, g_hash_table_unref);
    g_clear_pointer(&ctx->responses, json_array_unref);
    g_clear_pointer(&ctx->mailboxes, g_ptr_array_unref);
    if (ctx->store != NULL)
        jmap_api->mail->unref(ctx->store);
    ctx->store = NULL;
}
