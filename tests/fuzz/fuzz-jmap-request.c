/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-jmap-request.c - fuzz target: arbitrary bytes as the body of a
 * JMAP API request (modules/jmap/request.c): JSON parsing with the
 * nesting bound, the Request object's shape, capabilities, the call
 * limit; then, as the API would, every call's result references
 * resolved against the calls before it (their arguments stand in for
 * responses), JSON pointers with "*" included.  A problem must name a
 * type and a status; crashes, leaks and undefined behaviour are bugs.
 */
#include "autoconfig.h"

#include <string.h>

#include "jmap/request.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static const char *const known[] = {"urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail", NULL};

static void
resolve_all(JmapRequest *req)
{
    JsonArray *responses = json_array_new();

    for (guint i = 0; i < req->calls->len; i++) {
        JmapCall *c = req->calls->pdata[i];
        const char *type = NULL;
        char *detail = NULL;
        JsonObject *args = jmap_resolve_refs(c->args, responses, &type, &detail);
        JsonArray *r = json_array_new();
        if (args == NULL && (type == NULL || detail == NULL))
            g_error("a reference failed without saying why");
        json_array_add_string_element(r, args != NULL ? c->name : "error");
        json_array_add_object_element(r, args != NULL ? args : json_object_new());
        json_array_add_string_element(r, c->call_id);
        json_array_add_array_element(responses, r);
        g_free(detail);
    }
    json_array_unref(responses);
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    JmapProblem problem;
    JmapRequest *req = jmap_request_parse((const char *)data, size, known, 32, &problem);
    char *json;

    if (req == NULL) {
        if (problem.type == NULL || problem.status < 400)
            g_error("a problem without a type or status");
        json = jmap_problem_json(&problem);
        g_free(json);
        jmap_problem_clear(&problem);
        return 0;
    }
    resolve_all(req);
    jmap_request_free(req);
    return 0;
}
