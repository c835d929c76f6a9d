/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * request.h - a JMAP API request (RFC 8620 3.3) as parsed from its JSON
 * body, the request-level problems (3.6.1), and result references
 * (3.7).  Pure functions of their input: no core calls, so that the fuzz
 * target (tests/fuzz/fuzz-jmap-request.c) drives them as they are.
 */
#ifndef HERMOD_JMAP_REQUEST_H
#define HERMOD_JMAP_REQUEST_H

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
    char *name;
    JsonObject *args; /* a reference */
    char *call_id;
} JmapCall;

typedef struct {
    JsonNode *root;
    GPtrArray *using;        /* char *, each once */
    GPtrArray *calls;        /* JmapCall * */
    JsonObject *created_ids; /* nullable reference */
} JmapRequest;

/* A request-level error: RFC 7807 problem details. */
typedef struct {
    const char *type;  /* "urn:ietf:params:jmap:error:notJSON", ...; static */
    const char *limit; /* for type limit: "maxCallsInRequest", ...; static, nullable */
    char *detail;      /* (transfer full) */
    guint status;      /* HTTP status */
} JmapProblem;

#define JMAP_ERR_PREFIX "urn:ietf:params:jmap:error:"

/* Parse a request body.  known: the capabilities the server has
 * (NULL-terminated).  NULL with *problem filled for bad JSON, a
 * non-request, an unknown capability or too many calls.  (transfer full) */
JmapRequest *jmap_request_parse(const char *data, gsize len, const char *const *known,
                                guint max_calls, JmapProblem *problem);
void jmap_request_free(JmapRequest *req);
void jmap_problem_clear(JmapProblem *problem);
/* The problem as its JSON body.  (transfer full) */
char *jmap_problem_json(const JmapProblem *problem);

/* Resolve the result references ("#name": ResultReference) of args
 * against the responses so far (methodResponses).  Returns a new object
 * with them replaced (transfer full), or NULL with *out_error_type set
 * ("invalidResultReference" or "invalidArguments") and *out_detail
 * (transfer full). */
JsonObject *jmap_resolve_refs(JsonObject *args, JsonArray *responses, const char **out_error_type,
                              char **out_detail);

/* Evaluate a JSON pointer with JMAP's "*" (RFC 8620 3.7) on node.
 * NULL if the path does not exist.  (transfer full) */
JsonNode *jmap_pointer_eval(JsonNode *node, const char *path);

G_END_DECLS

#endif
